"""Convolutional layers: Conv1D/2D/3D, Conv2DTranspose/Conv3DTranspose, SeparableConv1D/2D,
DepthwiseConv2D, and the shape layers that go with them (UpSampling, ZeroPadding,
Cropping in 1, 2 and 3 dims).

Kernels are laid out (*kernel_size, input channels, filters), as Keras 2 with TensorFlow
writes them, whatever the data_format. Keras 1 argument names (nb_filter, nb_row,
border_mode, subsample, dim_ordering, ...) are accepted through one decorator per family.
"""
from keralite import backend as K
from keralite import activations, initializers, regularizers, constraints
from keralite.engine.base_layer import Layer, InputSpec
from keralite.utils import conv_utils

from .legacy import legacy_support

_DIM_ORDERING = {"data_format": {"tf": "channels_last", "th": "channels_first", "default": None}}
_KERNEL_RENAMES = [("init", "kernel_initializer"), ("W_regularizer", "kernel_regularizer"),
                   ("b_regularizer", "bias_regularizer"), ("W_constraint", "kernel_constraint"),
                   ("b_constraint", "bias_constraint"), ("bias", "use_bias")]
_STRICT_INT_KERNEL = ("It seems that you are using the Keras 2 and you are passing both `kernel_size` and "
                      "`strides` as integer positional arguments. For safety reasons, this is disallowed. "
                      "Pass `strides` as a keyword argument instead.")


# ------------------------------------------------------------------ Keras 1 arguments
def _conv1d_arguments(args, kwargs):
    """input_dim / input_length -> input_shape."""
    converted = []
    if "input_dim" in kwargs:
        length = kwargs.pop("input_length", None)
        kwargs["input_shape"] = (length, kwargs.pop("input_dim"))
        converted.append("input_shape")
    return args, kwargs, converted


def _conv_nd_arguments(rank, row_names):
    """Keras 1 window sizes given one per axis (positionally after nb_filter, or as
    nb_row/nb_col, kernel_dim1..3) -> kernel_size."""
    def preprocess(args, kwargs):
        if len(args) > rank + 1:
            raise TypeError("Layer can receive at most %d positional arguments." % (rank + 1))
        sizes = list(args[1:])
        if not all(isinstance(s, int) for s in sizes):
            return args, kwargs, []                 # a Keras 2 kernel_size tuple
        missing = row_names[len(sizes):]
        if not all(n in kwargs for n in missing):
            return args, kwargs, []                 # Conv2D(32, 3): a Keras 2 call
        if len(sizes) >= 2 and any(k in kwargs for k in ("padding", "strides", "data_format")):
            raise ValueError(_STRICT_INT_KERNEL)
        kernel_size = tuple(sizes) + tuple(kwargs.pop(n) for n in missing)
        if args:
            args = (args[0], kernel_size)
        else:
            kwargs["kernel_size"] = kernel_size
        return args, kwargs, ["kernel_size"]
    return preprocess


def _separable_arguments(args, kwargs):
    converted = []
    if "init" in kwargs:
        init = kwargs.pop("init")
        kwargs["depthwise_initializer"] = init
        kwargs["pointwise_initializer"] = init
        converted.append("depthwise_initializer")
    args, kwargs, more = _conv_nd_arguments(2, ("nb_row", "nb_col"))(args, kwargs)
    return args, kwargs, converted + list(more)


def _deconv_arguments(args, kwargs):
    """Keras 1's Deconvolution2D took an output_shape; Keras 2 infers it."""
    converted = []
    if len(args) == 4 and isinstance(args[3], tuple):
        args = args[:-1]
        converted.append("output_shape")
    if "output_shape" in kwargs:
        kwargs.pop("output_shape")
        converted.append("output_shape")
    args, kwargs, more = _conv_nd_arguments(2, ("nb_row", "nb_col"))(args, kwargs)
    return args, kwargs, converted + list(more)


def _zeropadding2d_arguments(args, kwargs):
    """A Keras 1 dict {'top_pad', 'bottom_pad', 'left_pad', 'right_pad'} -> pairs."""
    def pairs(d):
        return ((d.get("top_pad", 0), d.get("bottom_pad", 0)), (d.get("left_pad", 0), d.get("right_pad", 0)))
    keys = {"top_pad", "bottom_pad", "left_pad", "right_pad"}
    if isinstance(kwargs.get("padding"), dict) and set(kwargs["padding"]) <= keys:
        kwargs["padding"] = pairs(kwargs["padding"])
    elif len(args) == 1 and isinstance(args[0], dict) and set(args[0]) <= keys:
        args = (pairs(args[0]),)
    return args, kwargs, []


legacy_conv1d_support = legacy_support(
    "Conv1D", [("nb_filter", "filters"), ("filter_length", "kernel_size"), ("subsample_length", "strides"),
               ("border_mode", "padding")] + _KERNEL_RENAMES,
    positional=("filters", "kernel_size"), preprocessor=_conv1d_arguments)

legacy_conv2d_support = legacy_support(
    "Conv2D", [("nb_filter", "filters"), ("subsample", "strides"), ("border_mode", "padding"),
               ("dim_ordering", "data_format")] + _KERNEL_RENAMES,
    value_renames=_DIM_ORDERING, positional=("filters", "kernel_size"),
    preprocessor=_conv_nd_arguments(2, ("nb_row", "nb_col")))

legacy_conv3d_support = legacy_support(
    "Conv3D", [("nb_filter", "filters"), ("subsample", "strides"), ("border_mode", "padding"),
               ("dim_ordering", "data_format")] + _KERNEL_RENAMES,
    value_renames=_DIM_ORDERING, positional=("filters", "kernel_size"),
    preprocessor=_conv_nd_arguments(3, ("kernel_dim1", "kernel_dim2", "kernel_dim3")))

legacy_deconv2d_support = legacy_support(
    "Conv2DTranspose", [("nb_filter", "filters"), ("subsample", "strides"), ("border_mode", "padding"),
                        ("dim_ordering", "data_format")] + _KERNEL_RENAMES,
    value_renames=_DIM_ORDERING, positional=("filters", "kernel_size"), preprocessor=_deconv_arguments)

legacy_separable_conv2d_support = legacy_support(
    "SeparableConv2D", [("nb_filter", "filters"), ("subsample", "strides"), ("border_mode", "padding"),
                        ("dim_ordering", "data_format"), ("b_regularizer", "bias_regularizer"),
                        ("b_constraint", "bias_constraint"), ("bias", "use_bias")],
    value_renames=_DIM_ORDERING, positional=("filters", "kernel_size"), preprocessor=_separable_arguments)

legacy_upsampling1d_support = legacy_support("UpSampling1D", [("length", "size")], positional=("size",))
legacy_upsampling_nd_support = legacy_support("UpSampling2D", [("dim_ordering", "data_format")],
                                              value_renames=_DIM_ORDERING, positional=("size",))
legacy_zeropadding2d_support = legacy_support("ZeroPadding2D", [("dim_ordering", "data_format")],
                                              value_renames=_DIM_ORDERING, positional=("padding",),
                                              preprocessor=_zeropadding2d_arguments)
legacy_zeropadding3d_support = legacy_support("ZeroPadding3D", [("dim_ordering", "data_format")],
                                              value_renames=_DIM_ORDERING, positional=("padding",))
legacy_cropping_support = legacy_support("Cropping2D", [("dim_ordering", "data_format")],
                                         value_renames=_DIM_ORDERING, positional=("cropping",))


def _merge(base, config):
    return dict(list(base.items()) + list(config.items()))


def _groups(kwargs):
    """Newer Keras writes `groups` into conv configs; only 1 (no grouping) exists here."""
    groups = kwargs.pop("groups", 1)
    if groups != 1:
        raise NotImplementedError("grouped convolutions (groups=%s) are not supported" % (groups,))


# ------------------------------------------------------------------ convolutions
class _Conv(Layer):
    """The n-D convolution layer: outputs = activation(conv(inputs, kernel) + bias)."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        _groups(kwargs)
        super().__init__(**kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = conv_utils.normalize_tuple(strides, rank, "strides")
        self.padding = conv_utils.normalize_padding(padding)
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def _input_dim(self, input_shape):
        input_dim = input_shape[self._channel_axis]
        if input_dim is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found `None`.")
        return input_dim

    def _kernel_shape(self, input_dim):
        return self.kernel_size + (input_dim, self.filters)

    def build(self, input_shape):
        input_dim = self._input_dim(input_shape)
        self.kernel = self.add_weight(shape=self._kernel_shape(input_dim), initializer=self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._build_bias()
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: input_dim})
        self.built = True

    def _build_bias(self):
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None

    def _convolve(self, inputs):
        if self.rank == 1:
            return K.conv1d(inputs, self.kernel, strides=self.strides[0], padding=self.padding,
                            data_format=self.data_format, dilation_rate=self.dilation_rate[0])
        conv = K.conv2d if self.rank == 2 else K.conv3d
        return conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                    data_format=self.data_format, dilation_rate=self.dilation_rate)

    def call(self, inputs):
        outputs = self._convolve(inputs)
        if self.use_bias:
            outputs = K.bias_add(outputs, self.bias, data_format=self.data_format)
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def _output_space(self, space):
        return [conv_utils.conv_output_length(length, self.kernel_size[i], padding=self.padding,
                                              stride=self.strides[i], dilation=self.dilation_rate[i])
                for i, length in enumerate(space)]

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            space = self._output_space(input_shape[1:-1])
            return (input_shape[0],) + tuple(space) + (self.filters,)
        space = self._output_space(input_shape[2:])
        return (input_shape[0], self.filters) + tuple(space)

    def get_config(self):
        config = {
            "rank": self.rank,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
        return _merge(super().get_config(), config)


class Conv1D(_Conv):
    """Temporal convolution over (batch, steps, channels); padding 'causal' is allowed."""

    @legacy_conv1d_support
    def __init__(self, filters, kernel_size, strides=1, padding="valid", dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        # newer Keras adds data_format to Conv1D; 2.1.6 is always channels last
        data_format = kwargs.pop("data_format", "channels_last")
        super().__init__(rank=1, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):
        config = super().get_config()
        config.pop("rank")
        if config["data_format"] == "channels_last":
            config.pop("data_format")
        return config


class Conv2D(_Conv):
    @legacy_conv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=2, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)
        self.input_spec = InputSpec(ndim=4)

    def get_config(self):
        config = super().get_config()
        config.pop("rank")
        return config


class Conv3D(_Conv):
    @legacy_conv3d_support
    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=3, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)
        self.input_spec = InputSpec(ndim=5)

    def get_config(self):
        config = super().get_config()
        config.pop("rank")
        return config


class _ConvTranspose(_Conv):
    """Transposed convolution: the kernel is (*kernel_size, filters, input channels)."""

    def __init__(self, rank, filters, kernel_size, output_padding=None, **kwargs):
        super().__init__(rank, filters, kernel_size, **kwargs)
        if any(d != 1 for d in self.dilation_rate):
            raise NotImplementedError("dilated transposed convolutions are not supported")
        self.output_padding = output_padding
        if output_padding is not None:
            self.output_padding = conv_utils.normalize_tuple(output_padding, rank, "output_padding")
            for stride, out_pad in zip(self.strides, self.output_padding):
                if out_pad >= stride:
                    raise ValueError("Stride " + str(self.strides) + " must be greater than output padding " +
                                     str(self.output_padding))

    def _kernel_shape(self, input_dim):
        return self.kernel_size + (self.filters, input_dim)

    def build(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError("Inputs should have rank " + str(self.rank + 2) + "; Received input shape:",
                             str(input_shape))
        super().build(input_shape)

    def _output_space(self, space):
        pads = self.output_padding or (None,) * self.rank
        return [conv_utils.deconv_length(length, self.strides[i], self.kernel_size[i], self.padding, pads[i])
                for i, length in enumerate(space)]

    def _convolve(self, inputs):
        shape = K.int_shape(inputs)
        if self.data_format == "channels_first":
            output_shape = (None, self.filters) + tuple(self._output_space(shape[2:]))
        else:
            output_shape = (None,) + tuple(self._output_space(shape[1:-1])) + (self.filters,)
        transpose = K.conv2d_transpose if self.rank == 2 else K.conv3d_transpose
        return transpose(inputs, self.kernel, output_shape, self.strides, padding=self.padding,
                         data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        config.pop("rank")
        config.pop("dilation_rate")          # not an argument of Keras 2.1.6's transposed convs
        if self.output_padding is not None:
            config["output_padding"] = self.output_padding
        return config


class Conv2DTranspose(_ConvTranspose):
    @legacy_deconv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)
        self.input_spec = InputSpec(ndim=4)


class Conv3DTranspose(_ConvTranspose):
    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(3, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)
        self.input_spec = InputSpec(ndim=5)


class _SeparableConv(_Conv):
    """A depthwise convolution (depth_multiplier filters per input channel) followed by
    a 1x1 convolution mixing the channels."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=rank, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        if len(input_shape) < self.rank + 2:
            raise ValueError("Inputs to `SeparableConv" + str(self.rank) + "D` should have rank " +
                             str(self.rank + 2) + ". Received input shape:", str(input_shape))
        input_dim = self._input_dim(input_shape)
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (input_dim, self.depth_multiplier), initializer=self.depthwise_initializer,
            name="depthwise_kernel", regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self.rank + (self.depth_multiplier * input_dim, self.filters),
            initializer=self.pointwise_initializer, name="pointwise_kernel",
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)
        self._build_bias()
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: input_dim})
        self.built = True

    def _convolve(self, inputs):
        if self.rank == 1:
            return K.separable_conv1d(inputs, self.depthwise_kernel, self.pointwise_kernel,
                                      data_format=self.data_format, strides=self.strides[0],
                                      padding=self.padding, dilation_rate=self.dilation_rate[0])
        return K.separable_conv2d(inputs, self.depthwise_kernel, self.pointwise_kernel,
                                  data_format=self.data_format, strides=self.strides, padding=self.padding,
                                  dilation_rate=self.dilation_rate)

    def get_config(self):
        config = super().get_config()
        for key in ("rank", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key)
        config["depth_multiplier"] = self.depth_multiplier
        config["depthwise_initializer"] = initializers.serialize(self.depthwise_initializer)
        config["pointwise_initializer"] = initializers.serialize(self.pointwise_initializer)
        config["depthwise_regularizer"] = regularizers.serialize(self.depthwise_regularizer)
        config["pointwise_regularizer"] = regularizers.serialize(self.pointwise_regularizer)
        config["depthwise_constraint"] = constraints.serialize(self.depthwise_constraint)
        config["pointwise_constraint"] = constraints.serialize(self.pointwise_constraint)
        return config


class SeparableConv1D(_SeparableConv):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format="channels_last",
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
                         activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
                         depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)


class SeparableConv2D(_SeparableConv):
    @legacy_separable_conv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
                         activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
                         depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)


class DepthwiseConv2D(Conv2D):
    """depth_multiplier filters per input channel, no mixing (MobileNet's layer)."""

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters=None, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, activation=activation, use_bias=use_bias,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def build(self, input_shape):
        if len(input_shape) < 4:
            raise ValueError("Inputs to `DepthwiseConv2D` should have rank 4. Received input shape:",
                             str(input_shape))
        input_dim = self._input_dim(input_shape)
        self.filters = input_dim * self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (input_dim, self.depth_multiplier), initializer=self.depthwise_initializer,
            name="depthwise_kernel", regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self._build_bias()
        self.input_spec = InputSpec(ndim=4, axes={self._channel_axis: input_dim})
        self.built = True

    def _convolve(self, inputs):
        return K.depthwise_conv2d(inputs, self.depthwise_kernel, strides=self.strides, padding=self.padding,
                                  dilation_rate=self.dilation_rate, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        channels = input_shape[self._channel_axis]
        self.filters = None if channels is None else channels * self.depth_multiplier
        return super().compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            config.pop(key)
        config["depth_multiplier"] = self.depth_multiplier
        config["depthwise_initializer"] = initializers.serialize(self.depthwise_initializer)
        config["depthwise_regularizer"] = regularizers.serialize(self.depthwise_regularizer)
        config["depthwise_constraint"] = constraints.serialize(self.depthwise_constraint)
        return config


# ------------------------------------------------------------------ upsampling
class UpSampling1D(Layer):
    """Repeats each step `size` times along the time axis."""

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
        return _merge(super().get_config(), {"size": self.size})


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
        return _merge(super().get_config(), {"size": self.size, "data_format": self.data_format})


class UpSampling2D(_UpSampling):
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
    """Zeros added before and after the time axis."""

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
        return _merge(super().get_config(), {"padding": self.padding})


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
        return _merge(super().get_config(), {self.name_of_amounts: self._amounts, "data_format": self.data_format})


class _ZeroPadding(_SpatialResize):
    name_of_amounts = "padding"

    def call(self, inputs):
        pad = K.spatial_2d_padding if self.rank == 2 else K.spatial_3d_padding
        return pad(inputs, padding=self.padding, data_format=self.data_format)


class ZeroPadding2D(_ZeroPadding):
    rank = 2

    @legacy_zeropadding2d_support
    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    rank = 3

    @legacy_zeropadding3d_support
    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


def _crop_slice(before, after):
    return slice(before, -after if after else None)


class Cropping1D(Layer):
    """Removes steps before and after on the time axis."""

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
        return _merge(super().get_config(), {"cropping": self.cropping})


class _Cropping(_SpatialResize):
    name_of_amounts = "cropping"
    sign = -1

    def call(self, inputs):
        spatial = tuple(_crop_slice(lo, hi) for lo, hi in self.cropping)
        if self.data_format == "channels_first":
            return inputs[(slice(None), slice(None)) + spatial]
        return inputs[(slice(None),) + spatial + (slice(None),)]


class Cropping2D(_Cropping):
    rank = 2

    @legacy_cropping_support
    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    rank = 3

    @legacy_cropping_support
    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


# Aliases
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
Convolution2DTranspose = Conv2DTranspose
Deconvolution2D = Deconv2D = Conv2DTranspose
Deconvolution3D = Deconv3D = Conv3DTranspose

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D",
           "SeparableConv2D", "DepthwiseConv2D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
           "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
           "Convolution1D", "Convolution2D", "Convolution3D", "SeparableConvolution1D",
           "SeparableConvolution2D", "Convolution2DTranspose", "Deconvolution2D", "Deconv2D",
           "Deconvolution3D", "Deconv3D"]
