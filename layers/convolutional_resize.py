"""The shape layers that go with the convolutions: UpSampling, ZeroPadding and
Cropping in 1, 2 and 3 dims (exported by keralite.layers.convolutional, as in Keras).
"""
from keralite import backend as K
from keralite.engine.base_layer import Layer, InputSpec
from keralite.utils import conv_utils

from .convolutional_legacy import (legacy_upsampling1d_support, legacy_upsampling_nd_support,
                                   legacy_zeropadding2d_support, legacy_zeropadding3d_support,
                                   legacy_cropping_support)


class UpSampling1D(Layer):
    """Repeats each step `size` times along the time axis.

    # Arguments
        size: integer, the repetition factor.

    # Input shape
        3D tensor `(batch_size, steps, features)`.

    # Output shape
        3D tensor `(batch_size, steps * size, features)`.
    """

    @legacy_upsampling1d_support
    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)

    def compute_output_shape(self, input_shape):
        size = self.size * input_shape[1] if input_shape[1] is not None else None
        return (input_shape[0], size, input_shape[2])

    def call(self, inputs):
        return K.repeat_elements(inputs, self.size, axis=1)

    def get_config(self):
        return dict(super().get_config(), **{"size": self.size})


class _UpSampling(Layer):
    rank = None

    def __init__(self, size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.size = conv_utils.normalize_tuple(size, self.rank, "size")
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def compute_output_shape(self, input_shape):
        spatial = input_shape[2:] if self.data_format == "channels_first" else input_shape[1:-1]
        grown = tuple(None if d is None else d * s for d, s in zip(spatial, self.size))
        if self.data_format == "channels_first":
            return (input_shape[0], input_shape[1]) + grown
        return (input_shape[0],) + grown + (input_shape[-1],)

    def call(self, inputs):
        if self.rank == 2:
            return K.resize_images(inputs, self.size[0], self.size[1], self.data_format)
        return K.resize_volumes(inputs, self.size[0], self.size[1], self.size[2], self.data_format)

    def get_config(self):
        return dict(super().get_config(), **{"size": self.size, "data_format": self.data_format})


class UpSampling2D(_UpSampling):
    """Grows rows and cols by repeating every value (nearest neighbour).

    Used in decoders and segmentation networks to bring a feature map back towards
    the input's resolution without learned weights.

    # Arguments
        size: an integer or a tuple of 2 integers (one integer is used for every axis), the factor per spatial axis.
        data_format: `"channels_last"` (channels on the last axis) or `"channels_first"`;
            None reads `image_data_format` from the Keras config file.

    # Raises
        NotImplementedError: for `interpolation` other than `"nearest"` (written by
            newer Keras); nearest-neighbour repetition is the only kind Keras 2.1.6 has.

    # Input shape
        4D tensor, laid out as `data_format` says.

    # Output shape
        4D tensor with every spatial axis multiplied by its factor.
    """
    rank = 2

    @legacy_upsampling_nd_support
    def __init__(self, size=(2, 2), data_format=None, **kwargs):
        # newer Keras writes `interpolation`; the nearest neighbour is Keras 2.1.6's only kind
        interpolation = kwargs.pop("interpolation", "nearest")
        if interpolation != "nearest":
            raise NotImplementedError("UpSampling2D(interpolation=%r) is not supported; only 'nearest' is"
                                      % (interpolation,))
        super().__init__(size, data_format, **kwargs)


class UpSampling3D(_UpSampling):
    """Grows the three spatial axes by repeating every value (nearest neighbour).

    Used in decoders and segmentation networks to bring a feature map back towards
    the input's resolution without learned weights.

    # Arguments
        size: an integer or a tuple of 3 integers (one integer is used for every axis), the factor per spatial axis.
        data_format: `"channels_last"` (channels on the last axis) or `"channels_first"`;
            None reads `image_data_format` from the Keras config file.

    # Input shape
        5D tensor, laid out as `data_format` says.

    # Output shape
        5D tensor with every spatial axis multiplied by its factor.
    """
    rank = 3

    @legacy_upsampling_nd_support
    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)


# ------------------------------------------------------------------ padding and cropping
_ORDINALS = ("1st", "2nd", "3rd")


def _pairs(value, rank, name, pair_text):
    """An int, `rank` ints (symmetric) or `rank` (before, after) pairs -> pairs."""
    if isinstance(value, int):
        return ((value, value),) * rank
    if hasattr(value, "__len__"):
        if len(value) != rank:
            raise ValueError("`" + name + "` should have " + ("two" if rank == 2 else "3") + " elements. Found: " +
                             str(value))
        return tuple(conv_utils.normalize_tuple(v, 2, _ORDINALS[i] + " entry of " + name)
                     for i, v in enumerate(value))
    raise ValueError("`" + name + "` should be either an int, a tuple of " + str(rank) + " ints " + pair_text +
                     ". Found: " + str(value))


_PAIR_TEXT = {
    ("padding", 2): "(symmetric_height_pad, symmetric_width_pad), or a tuple of 2 tuples of 2 ints "
                    "((top_pad, bottom_pad), (left_pad, right_pad))",
    ("padding", 3): "(symmetric_dim1_pad, symmetric_dim2_pad, symmetric_dim3_pad), or a tuple of 3 tuples of 2 "
                    "ints ((left_dim1_pad, right_dim1_pad), (left_dim2_pad, right_dim2_pad), "
                    "(left_dim3_pad, right_dim2_pad))",
    ("cropping", 2): "(symmetric_height_crop, symmetric_width_crop), or a tuple of 2 tuples of 2 ints "
                     "((top_crop, bottom_crop), (left_crop, right_crop))",
    ("cropping", 3): "(symmetric_dim1_crop, symmetric_dim2_crop, symmetric_dim3_crop), or a tuple of 3 tuples "
                     "of 2 ints ((left_dim1_crop, right_dim1_crop), (left_dim2_crop, right_dim2_crop), "
                     "(left_dim3_crop, right_dim2_crop))",
}


class ZeroPadding1D(Layer):
    """Adds zeros before and after the time axis.

    Lets a following convolution see the sequence's borders, or keeps lengths equal
    between branches.

    # Arguments
        padding: integer (the same count at both ends) or tuple of 2 integers
            `(before, after)`.

    # Input shape
        3D tensor `(batch_size, steps, features)`.

    # Output shape
        3D tensor `(batch_size, before + steps + after, features)`.
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = conv_utils.normalize_tuple(padding, 2, "padding")
        self.input_spec = InputSpec(ndim=3)

    def compute_output_shape(self, input_shape):
        length = input_shape[1] + self.padding[0] + self.padding[1] if input_shape[1] is not None else None
        return (input_shape[0], length, input_shape[2])

    def call(self, inputs):
        return K.temporal_padding(inputs, padding=self.padding)

    def get_config(self):
        return dict(super().get_config(), **{"padding": self.padding})


class _SpatialResize(Layer):
    """ZeroPadding2D/3D and Cropping2D/3D: (before, after) amounts per spatial axis."""
    rank = None
    name_of_amounts = None
    sign = 1

    def __init__(self, amounts, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = conv_utils.normalize_data_format(data_format)
        setattr(self, self.name_of_amounts,
                _pairs(amounts, self.rank, self.name_of_amounts, _PAIR_TEXT[(self.name_of_amounts, self.rank)]))
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _amounts(self):
        return getattr(self, self.name_of_amounts)

    def compute_output_shape(self, input_shape):
        first = self.data_format == "channels_first"
        spatial = input_shape[2:] if first else input_shape[1:-1]
        resized = tuple(None if d is None else d + self.sign * (lo + hi)
                        for d, (lo, hi) in zip(spatial, self._amounts))
        if first:
            return (input_shape[0], input_shape[1]) + resized
        return (input_shape[0],) + resized + (input_shape[-1],)

    def get_config(self):
        return dict(super().get_config(), **{self.name_of_amounts: self._amounts, "data_format": self.data_format})


class _ZeroPadding(_SpatialResize):
    name_of_amounts = "padding"

    def call(self, inputs):
        pad = K.spatial_2d_padding if self.rank == 2 else K.spatial_3d_padding
        return pad(inputs, padding=self.padding, data_format=self.data_format)


class ZeroPadding2D(_ZeroPadding):
    """Adds rows and cols of zeros around an image.

    Sets up the exact border a following strided convolution or pooling expects, as
    ResNet50 does before its first 7x7 convolution.

    # Arguments
        padding: an integer (the same on every side), a tuple of 2 integers (symmetric
            per axis) or a tuple of 2 `(before, after)` pairs.
        data_format: `"channels_last"` (channels on the last axis) or `"channels_first"`;
            None reads `image_data_format` from the Keras config file.

    # Raises
        ValueError: when `padding` has another form.

    # Input shape
        4D tensor, laid out as `data_format` says.

    # Output shape
        4D tensor with the spatial axes grown by the padding.
    """
    rank = 2

    @legacy_zeropadding2d_support
    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Adds rows and cols of zeros around an image volume (along each of the three spatial axes).

    Sets up the exact border a following strided convolution or pooling expects, as
    ResNet50 does before its first 7x7 convolution.

    # Arguments
        padding: an integer (the same on every side), a tuple of 3 integers (symmetric
            per axis) or a tuple of 3 `(before, after)` pairs.
        data_format: `"channels_last"` (channels on the last axis) or `"channels_first"`;
            None reads `image_data_format` from the Keras config file.

    # Raises
        ValueError: when `padding` has another form.

    # Input shape
        5D tensor, laid out as `data_format` says.

    # Output shape
        5D tensor with the spatial axes grown by the padding.
    """
    rank = 3

    @legacy_zeropadding3d_support
    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


def _crop_slice(before, after):
    return slice(before, -after if after else None)


class Cropping1D(Layer):
    """Removes steps at the start and end of the time axis.

    # Arguments
        cropping: integer (the same at both ends) or tuple of 2 integers
            `(before, after)`.

    # Input shape
        3D tensor `(batch_size, steps, features)`.

    # Output shape
        3D tensor `(batch_size, steps - before - after, features)`.
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = conv_utils.normalize_tuple(cropping, 2, "cropping")
        self.input_spec = InputSpec(ndim=3)

    def compute_output_shape(self, input_shape):
        length = input_shape[1]
        if length is not None:
            length = length - self.cropping[0] - self.cropping[1]
        return (input_shape[0], length, input_shape[2])

    def call(self, inputs):
        return inputs[:, _crop_slice(*self.cropping), :]

    def get_config(self):
        return dict(super().get_config(), **{"cropping": self.cropping})


class _Cropping(_SpatialResize):
    name_of_amounts = "cropping"
    sign = -1

    def call(self, inputs):
        spatial = tuple(_crop_slice(lo, hi) for lo, hi in self.cropping)
        if self.data_format == "channels_first":
            return inputs[(slice(None), slice(None)) + spatial]
        return inputs[(slice(None),) + spatial + (slice(None),)]


class Cropping2D(_Cropping):
    """Removes borders from the 2 spatial axes.

    Aligns a skip connection with a smaller feature map, as U-Net style models need.

    # Arguments
        cropping: an integer (the same on every side), a tuple of 2 integers (symmetric
            per axis) or a tuple of 2 `(before, after)` pairs.
        data_format: `"channels_last"` (channels on the last axis) or `"channels_first"`;
            None reads `image_data_format` from the Keras config file.

    # Raises
        ValueError: when `cropping` has another form.

    # Input shape
        4D tensor, laid out as `data_format` says.

    # Output shape
        4D tensor with the spatial axes shrunk by the cropping.
    """
    rank = 2

    @legacy_cropping_support
    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Removes borders from the 3 spatial axes.

    Aligns a skip connection with a smaller feature map, as U-Net style models need.

    # Arguments
        cropping: an integer (the same on every side), a tuple of 3 integers (symmetric
            per axis) or a tuple of 3 `(before, after)` pairs.
        data_format: `"channels_last"` (channels on the last axis) or `"channels_first"`;
            None reads `image_data_format` from the Keras config file.

    # Raises
        ValueError: when `cropping` has another form.

    # Input shape
        5D tensor, laid out as `data_format` says.

    # Output shape
        5D tensor with the spatial axes shrunk by the cropping.
    """
    rank = 3

    @legacy_cropping_support
    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
