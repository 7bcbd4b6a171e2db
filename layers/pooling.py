"""Pooling layers: max and average pooling over windows (1D, 2D, 3D) and over whole
inputs (the global poolings).

As with TensorFlow, 'same' average pooling divides by the count of valid (unpadded)
elements of each window and 'same' max pooling ignores the padding. strides default
to pool_size. Keras 1 names (pool_length, stride, border_mode, dim_ordering) are
accepted through one decorator per family.
"""
from keralite import backend as K
from keralite.engine.base_layer import Layer, InputSpec
from keralite.utils import conv_utils

from .legacy import legacy_support

_DIM_ORDERING = {"data_format": {"tf": "channels_last", "th": "channels_first", "default": None}}

legacy_pooling1d_support = legacy_support(
    "MaxPooling1D", [("pool_length", "pool_size"), ("stride", "strides"), ("border_mode", "padding")],
    positional=("pool_size", "strides", "padding"))
legacy_pooling_nd_support = legacy_support(
    "MaxPooling2D", [("border_mode", "padding"), ("dim_ordering", "data_format")],
    value_renames=_DIM_ORDERING, positional=("pool_size", "strides", "padding"))
legacy_global_pooling_support = legacy_support(
    "GlobalMaxPooling2D", [("dim_ordering", "data_format")], value_renames=_DIM_ORDERING)


def _merge(base, config):
    return dict(list(base.items()) + list(config.items()))


# ------------------------------------------------------------------ windowed pooling
class _Pooling1D(Layer):
    """Pooling over (batch, steps, features), run as 2D pooling over a unit axis.

    `data_format` (an argument of newer Keras) 'channels_first' pools (batch,
    features, steps) instead; Keras 2.1.6 configs, which lack it, mean 'channels_last'."""
    pool_mode = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last", **kwargs):
        super().__init__(**kwargs)
        if strides is None:
            strides = pool_size
        self.pool_size = conv_utils.normalize_tuple(pool_size, 1, "pool_size")
        self.strides = conv_utils.normalize_tuple(strides, 1, "strides")
        self.padding = conv_utils.normalize_padding(padding)
        self.data_format = conv_utils.normalize_data_format(data_format or "channels_last")
        self.input_spec = InputSpec(ndim=3)

    def compute_output_shape(self, input_shape):
        steps_axis = 2 if self.data_format == "channels_first" else 1
        length = conv_utils.conv_output_length(input_shape[steps_axis], self.pool_size[0], self.padding,
                                               self.strides[0])
        output_shape = list(input_shape)
        output_shape[steps_axis] = length
        return tuple(output_shape)

    def call(self, inputs):
        # the unit axis goes after the steps: (b, steps, 1, f) or (b, f, steps, 1)
        unit_axis = 3 if self.data_format == "channels_first" else 2
        expanded = K.expand_dims(inputs, unit_axis)
        output = K.pool2d(expanded, self.pool_size + (1,), strides=self.strides + (1,), padding=self.padding,
                          data_format=self.data_format, pool_mode=self.pool_mode)
        return K.squeeze(output, unit_axis)

    def get_config(self):
        config = {"strides": self.strides, "pool_size": self.pool_size, "padding": self.padding}
        if self.data_format != "channels_last":
            config["data_format"] = self.data_format
        return _merge(super().get_config(), config)


class MaxPooling1D(_Pooling1D):
    """Max pooling over the time axis of a sequence.

    Keeps the strongest response of each feature in every window, so a pattern found
    anywhere inside the window survives while the sequence gets shorter.

    # Arguments
        pool_size: integer, the window length along the steps axis.
        strides: integer or None; the step between windows. None means `pool_size`
            (windows that do not overlap).
        padding: `"valid"` (drop the tail that does not fill a window) or `"same"`
            (pad so the output has `ceil(steps / strides)` steps).
        data_format: `"channels_last"` for `(batch, steps, features)` inputs or
            `"channels_first"` for `(batch, features, steps)`.

    # Input shape
        3D tensor `(batch_size, steps, features)` (channels_last).

    # Output shape
        3D tensor `(batch_size, downsampled_steps, features)`.
    """
    pool_mode = "max"

    @legacy_pooling1d_support
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling1D):
    """Average pooling over the time axis of a sequence.

    Smooths each feature over every window instead of picking its peak, which keeps
    the overall level of a signal rather than its strongest instant.

    # Arguments
        pool_size: integer, the window length along the steps axis.
        strides: integer or None; the step between windows. None means `pool_size`.
        padding: `"valid"` or `"same"`; with `"same"` the padded positions are left out
            of each mean, so border windows are not pulled towards zero.
        data_format: `"channels_last"` for `(batch, steps, features)` inputs or
            `"channels_first"` for `(batch, features, steps)`.

    # Input shape
        3D tensor `(batch_size, steps, features)` (channels_last).

    # Output shape
        3D tensor `(batch_size, downsampled_steps, features)`.
    """
    pool_mode = "avg"

    @legacy_pooling1d_support
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _PoolingND(Layer):
    rank = None
    pool_mode = None

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        if strides is None:
            strides = pool_size
        self.pool_size = conv_utils.normalize_tuple(pool_size, self.rank, "pool_size")
        self.strides = conv_utils.normalize_tuple(strides, self.rank, "strides")
        self.padding = conv_utils.normalize_padding(padding)
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def compute_output_shape(self, input_shape):
        first = self.data_format == "channels_first"
        spatial = input_shape[2:] if first else input_shape[1:-1]
        pooled = tuple(conv_utils.conv_output_length(d, k, self.padding, s)
                       for d, k, s in zip(spatial, self.pool_size, self.strides))
        if first:
            return (input_shape[0], input_shape[1]) + pooled
        return (input_shape[0],) + pooled + (input_shape[-1],)

    def call(self, inputs):
        pool = K.pool2d if self.rank == 2 else K.pool3d
        return pool(inputs, self.pool_size, strides=self.strides, padding=self.padding,
                    data_format=self.data_format, pool_mode=self.pool_mode)

    def get_config(self):
        config = {"pool_size": self.pool_size, "padding": self.padding, "strides": self.strides,
                  "data_format": self.data_format}
        return _merge(super().get_config(), config)


class MaxPooling2D(_PoolingND):
    """Max pooling over the two spatial axes of an image.

    Halves (by default) the height and width while keeping each channel's strongest
    activation per window, which makes the next layers cheaper and less sensitive to
    small shifts.

    # Arguments
        pool_size: integer or tuple of 2 integers, the window's (rows, cols). One
            integer is used for both axes.
        strides: integer, tuple of 2 integers or None; the step between windows.
            None means `pool_size`.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` (`(batch, rows, cols, channels)`) or
            `"channels_first"` (`(batch, channels, rows, cols)`). None reads
            `image_data_format` from the Keras config file.

    # Input shape
        4D tensor, laid out as `data_format` says.

    # Output shape
        4D tensor with pooled rows and cols, in the same layout.
    """
    rank, pool_mode = 2, "max"

    @legacy_pooling_nd_support
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_PoolingND):
    """Average pooling over the two spatial axes of an image.

    Downsamples like MaxPooling2D but keeps the mean of each window, as networks such as
    DenseNet do in their transition blocks to avoid discarding weak responses.

    # Arguments
        pool_size: integer or tuple of 2 integers, the window's (rows, cols).
        strides: integer, tuple of 2 integers or None; None means `pool_size`.
        padding: `"valid"` or `"same"`; padded positions do not count in the mean.
        data_format: `"channels_last"` or `"channels_first"`; None reads
            `image_data_format` from the Keras config file.

    # Input shape
        4D tensor, laid out as `data_format` says.

    # Output shape
        4D tensor with pooled rows and cols, in the same layout.
    """
    rank, pool_mode = 2, "avg"

    @legacy_pooling_nd_support
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_PoolingND):
    """Max pooling over the three spatial axes of a volume (video, scan).

    # Arguments
        pool_size: integer or tuple of 3 integers, the window along each spatial axis.
        strides: integer, tuple of 3 integers or None; None means `pool_size`.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` (`(batch, dim1, dim2, dim3, channels)`) or
            `"channels_first"`; None reads `image_data_format` from the Keras config.

    # Input shape
        5D tensor, laid out as `data_format` says.

    # Output shape
        5D tensor with the three spatial axes pooled.
    """
    rank, pool_mode = 3, "max"

    @legacy_pooling_nd_support
    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_PoolingND):
    """Average pooling over the three spatial axes of a volume (video, scan).

    # Arguments
        pool_size: integer or tuple of 3 integers, the window along each spatial axis.
        strides: integer, tuple of 3 integers or None; None means `pool_size`.
        padding: `"valid"` or `"same"`; padded positions do not count in the mean.
        data_format: `"channels_last"` or `"channels_first"`; None reads
            `image_data_format` from the Keras config.

    # Input shape
        5D tensor, laid out as `data_format` says.

    # Output shape
        5D tensor with the three spatial axes pooled.
    """
    rank, pool_mode = 3, "avg"

    @legacy_pooling_nd_support
    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


# ------------------------------------------------------------------ global pooling
class _GlobalPooling(Layer):
    """Max or mean over every spatial axis: (batch, *spatial, channels) -> (batch, channels).

    `keepdims` (written by newer Keras) keeps the pooled axes with size 1."""
    rank = None
    reduce = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        if self.rank == 1:
            # Keras 2.1.6 pools steps (axis 1) only; newer Keras takes a data_format
            # defaulting to channels_last, whatever the image data format
            data_format = data_format or "channels_last"
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axes(self):
        if self.data_format == "channels_first":
            return list(range(2, self.rank + 2))
        return list(range(1, self.rank + 1))

    def compute_output_shape(self, input_shape):
        channel_axis = 1 if self.data_format == "channels_first" else self.rank + 1
        if self.keepdims:
            return tuple(1 if i in self._axes() else d for i, d in enumerate(input_shape))
        return (input_shape[0], input_shape[channel_axis])

    def call(self, inputs):
        reduce = K.max if self.reduce == "max" else K.mean
        return reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def get_config(self):
        config = {"data_format": self.data_format} if self.rank > 1 or self.data_format != "channels_last" else {}
        if self.keepdims:
            config["keepdims"] = True
        return _merge(super().get_config(), config)


class _GlobalPooling1D(_GlobalPooling):
    rank = 1

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)


class GlobalMaxPooling1D(_GlobalPooling1D):
    """Maximum of each feature over all time steps.

    Turns a variable-length sequence into one fixed-size vector, the usual bridge from
    a 1D convolution stack to a Dense classifier.

    # Arguments
        data_format: `"channels_last"` (`(batch, steps, features)`) or
            `"channels_first"` (`(batch, features, steps)`).
        keepdims: if True the steps axis stays, with size 1 (an argument of later
            Keras versions, accepted so their configs load).

    # Input shape
        3D tensor `(batch_size, steps, features)` (channels_last).

    # Output shape
        2D tensor `(batch_size, features)`.
    """
    reduce = "max"


class GlobalAveragePooling1D(_GlobalPooling1D):
    """Mean of each feature over all time steps.

    # Arguments
        data_format: `"channels_last"` (`(batch, steps, features)`) or
            `"channels_first"` (`(batch, features, steps)`).
        keepdims: if True the steps axis stays, with size 1 (later Keras versions).

    # Input shape
        3D tensor `(batch_size, steps, features)` (channels_last).

    # Output shape
        2D tensor `(batch_size, features)`.
    """
    reduce = "mean"


class GlobalMaxPooling2D(_GlobalPooling):
    """Maximum of each channel over the whole image.

    Replaces Flatten before the classifier when the network should not depend on the
    input's height and width.

    # Arguments
        data_format: `"channels_last"` or `"channels_first"`; None reads
            `image_data_format` from the Keras config file.

    # Input shape
        4D tensor, laid out as `data_format` says.

    # Output shape
        2D tensor `(batch_size, channels)`.
    """
    rank, reduce = 2, "max"

    @legacy_global_pooling_support
    def __init__(self, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean of each channel over the whole image.

    The head of ResNet50, Inception and MobileNet when `pooling='avg'`: one number
    per feature map, whatever the input size.

    # Arguments
        data_format: `"channels_last"` or `"channels_first"`; None reads
            `image_data_format` from the Keras config file.

    # Input shape
        4D tensor, laid out as `data_format` says.

    # Output shape
        2D tensor `(batch_size, channels)`.
    """
    rank, reduce = 2, "mean"

    @legacy_global_pooling_support
    def __init__(self, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)


class GlobalMaxPooling3D(_GlobalPooling):
    """Maximum of each channel over the whole volume.

    # Arguments
        data_format: `"channels_last"` or `"channels_first"`; None reads
            `image_data_format` from the Keras config file.

    # Input shape
        5D tensor, laid out as `data_format` says.

    # Output shape
        2D tensor `(batch_size, channels)`.
    """
    rank, reduce = 3, "max"

    @legacy_global_pooling_support
    def __init__(self, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)


class GlobalAveragePooling3D(_GlobalPooling):
    """Mean of each channel over the whole volume.

    # Arguments
        data_format: `"channels_last"` or `"channels_first"`; None reads
            `image_data_format` from the Keras config file.

    # Input shape
        5D tensor, laid out as `data_format` says.

    # Output shape
        2D tensor `(batch_size, channels)`.
    """
    rank, reduce = 3, "mean"

    @legacy_global_pooling_support
    def __init__(self, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)


# Aliases
AvgPool1D = AveragePooling1D
MaxPool1D = MaxPooling1D
AvgPool2D = AveragePooling2D
MaxPool2D = MaxPooling2D
AvgPool3D = AveragePooling3D
MaxPool3D = MaxPooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D

__all__ = ["MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D", "MaxPooling3D",
           "AveragePooling3D", "GlobalMaxPooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling2D",
           "GlobalAveragePooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling3D", "AvgPool1D", "MaxPool1D",
           "AvgPool2D", "MaxPool2D", "AvgPool3D", "MaxPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D",
           "GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D"]
