"""Convolutional layers: Conv1D/2D/3D, Conv2DTranspose/Conv3DTranspose, SeparableConv1D/2D,
DepthwiseConv2D; the shape layers that go with them (UpSampling, ZeroPadding, Cropping)
live in convolutional_resize and are exported here, as keras.layers.convolutional has them.

Kernels are laid out (*kernel_size, input channels, filters), as Keras 2 with TensorFlow
writes them, whatever the data_format. Keras 1 argument names (nb_filter, nb_row,
border_mode, subsample, dim_ordering, ...) are accepted through one decorator per family
(convolutional_legacy).
"""
from keralite import backend as K
from keralite import activations, initializers, regularizers, constraints
from keralite.engine.base_layer import Layer, InputSpec
from keralite.utils import conv_utils

from .convolutional_legacy import (legacy_conv1d_support, legacy_conv2d_support, legacy_conv3d_support,
                                   legacy_deconv2d_support, legacy_separable_conv2d_support)
from .convolutional_resize import (UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D,  # noqa: F401
                                   ZeroPadding2D, ZeroPadding3D, Cropping1D, Cropping2D, Cropping3D)


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
        return dict(super().get_config(), **config)


class Conv1D(_Conv):
    """Temporal convolution: slides `filters` kernels along the steps of a sequence.

    The building block of 1D convnets on text, audio and sensor data. `padding="causal"`
    pads on the left only, so the output at step t sees no input after t, as WaveNet-style
    models need.

    # Arguments
        filters: integer, the number of kernels (the output's channels).
        kernel_size: integer or tuple of 1 integer, the window length.
        strides: integer or tuple of 1 integer, the step between windows.
        padding: `"valid"`, `"same"` or `"causal"`.
        dilation_rate: integer or tuple of 1 integer; above 1 the kernel reads every
            `dilation_rate`-th step, widening its view without more weights.
        activation: activation function (name or callable); None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer of the `kernel` weights.
        bias_initializer: initializer of the bias vector.
        kernel_regularizer: regularizer of the kernel.
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer of the layer's output.
        kernel_constraint: constraint applied to the kernel after each update.
        bias_constraint: constraint applied to the bias after each update.

    # Input shape
        3D tensor `(batch_size, steps, input_dim)`.

    # Output shape
        3D tensor `(batch_size, new_steps, filters)`.
    """

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
    """2D convolution over images: slides `filters` kernels over rows and cols.

    The kernel is stored as `(rows, cols, input channels, filters)` in either data
    format, as Keras 2 with TensorFlow saves it, so weight files load unchanged.

    # Arguments
        filters: integer, the number of kernels (the output's channels).
        kernel_size: an integer or a tuple of 2 integers (one integer is used for every axis), the window's (rows, cols).
        strides: an integer or a tuple of 2 integers (one integer is used for every axis), the step between windows.
        padding: `"valid"` (no padding) or `"same"` (the output keeps
            `ceil(size / stride)` positions).
        data_format: `"channels_last"` (channels on the last axis) or `"channels_first"`;
            None reads `image_data_format` from the Keras config file.
        dilation_rate: an integer or a tuple of 2 integers (one integer is used for every axis); above 1 the kernel samples the input
            with gaps (atrous convolution).
        activation: activation function (name or callable); None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer of the `kernel` weights.
        bias_initializer: initializer of the bias vector.
        kernel_regularizer: regularizer of the kernel.
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer of the layer's output.
        kernel_constraint: constraint applied to the kernel after each update.
        bias_constraint: constraint applied to the bias after each update.

    # Input shape
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)` (channels_first).

    # Output shape
        4D tensor with `filters` channels and the new rows and cols.
    """
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
    """3D convolution over volumes (videos, medical scans).

    # Arguments
        filters: integer, the number of kernels (the output's channels).
        kernel_size: an integer or a tuple of 3 integers (one integer is used for every axis), the window along the three spatial axes.
        strides: an integer or a tuple of 3 integers (one integer is used for every axis), the step between windows.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` (channels on the last axis) or `"channels_first"`;
            None reads `image_data_format` from the Keras config file.
        dilation_rate: an integer or a tuple of 3 integers (one integer is used for every axis); above 1 the kernel samples the input with gaps.
        activation: activation function (name or callable); None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer of the `kernel` weights.
        bias_initializer: initializer of the bias vector.
        kernel_regularizer: regularizer of the kernel.
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer of the layer's output.
        kernel_constraint: constraint applied to the kernel after each update.
        bias_constraint: constraint applied to the bias after each update.

    # Input shape
        5D tensor `(batch, dim1, dim2, dim3, channels)` (channels_last) or
        `(batch, channels, dim1, dim2, dim3)` (channels_first).

    # Output shape
        5D tensor with `filters` channels and the new spatial sizes.
    """
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
    """Transposed 2D convolution (sometimes called deconvolution).

    Runs the gradient of a convolution forwards: it grows the spatial size by the
    strides, which is how decoders and generators go from a small feature map back to an
    image. The kernel is stored as `(rows, cols, filters, input channels)`.

    # Arguments
        filters: integer, the number of output channels.
        kernel_size: an integer or a tuple of 2 integers (one integer is used for every axis), the window's (rows, cols).
        strides: an integer or a tuple of 2 integers (one integer is used for every axis); the factor the spatial size grows by.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` (channels on the last axis) or `"channels_first"`;
            None reads `image_data_format` from the Keras config file.
        activation: activation function (name or callable); None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer of the `kernel` weights.
        bias_initializer: initializer of the bias vector.
        kernel_regularizer: regularizer of the kernel.
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer of the layer's output.
        kernel_constraint: constraint applied to the kernel after each update.
        bias_constraint: constraint applied to the bias after each update.

    # Raises
        NotImplementedError: for a dilation rate other than 1.
        ValueError: when an `output_padding` (newer Keras configs) is not smaller
            than its stride.

    # Input shape
        4D tensor, laid out as `data_format` says.

    # Output shape
        4D tensor with `filters` channels and the grown rows and cols.
    """
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
    """Transposed 3D convolution: grows a volume's three spatial axes by the strides.

    # Arguments
        filters: integer, the number of output channels.
        kernel_size: an integer or a tuple of 3 integers (one integer is used for every axis), the window along the three spatial axes.
        strides: an integer or a tuple of 3 integers (one integer is used for every axis); the factor each spatial axis grows by.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` (channels on the last axis) or `"channels_first"`;
            None reads `image_data_format` from the Keras config file.
        activation: activation function (name or callable); None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer of the `kernel` weights.
        bias_initializer: initializer of the bias vector.
        kernel_regularizer: regularizer of the kernel.
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer of the layer's output.
        kernel_constraint: constraint applied to the kernel after each update.
        bias_constraint: constraint applied to the bias after each update.

    # Raises
        NotImplementedError: for a dilation rate other than 1.
        ValueError: when an `output_padding` is not smaller than its stride.

    # Input shape
        5D tensor, laid out as `data_format` says.

    # Output shape
        5D tensor with `filters` channels and grown spatial axes.
    """
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
    """Depthwise separable 1D convolution.

    Each input channel is first convolved on its own (`depth_multiplier` kernels per
    channel), then a 1x1 convolution mixes the channels. This needs far fewer weights
    and operations than a full convolution of the same receptive field.

    # Arguments
        filters: integer, the number of output channels of the pointwise step.
        kernel_size: integer or tuple of 1 integer, the window length.
        strides: integer or tuple of 1 integer, the step between windows.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` (`(batch, steps, channels)`) or `"channels_first"`.
        dilation_rate: integer or tuple of 1 integer, the gap between kernel taps.
        depth_multiplier: integer, the kernels per input channel in the depthwise step.
        activation: activation function (name or callable); None means linear.
        use_bias: whether to add a bias vector.
        depthwise_initializer: initializer of the depthwise kernel.
        pointwise_initializer: initializer of the 1x1 pointwise kernel.
        bias_initializer: initializer of the bias vector.
        depthwise_regularizer: regularizer of the depthwise kernel.
        pointwise_regularizer: regularizer of the pointwise kernel.
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer of the layer's output.
        depthwise_constraint: constraint of the depthwise kernel.
        pointwise_constraint: constraint of the pointwise kernel.
        bias_constraint: constraint applied to the bias after each update.

    # Input shape
        3D tensor `(batch_size, steps, channels)` (channels_last).

    # Output shape
        3D tensor `(batch_size, new_steps, filters)` (channels_last).
    """
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
    """Depthwise separable 2D convolution (Xception's and MobileNet's building block).

    A per-channel spatial convolution (`depth_multiplier` kernels per input channel)
    followed by a 1x1 convolution that mixes channels: much cheaper than a full
    convolution, with a similar accuracy in practice.

    # Arguments
        filters: integer, the number of output channels of the pointwise step.
        kernel_size: an integer or a tuple of 2 integers (one integer is used for every axis), the window's (rows, cols).
        strides: an integer or a tuple of 2 integers (one integer is used for every axis), the step between windows.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` (channels on the last axis) or `"channels_first"`;
            None reads `image_data_format` from the Keras config file.
        dilation_rate: an integer or a tuple of 2 integers (one integer is used for every axis), the gap between kernel taps.
        depth_multiplier: integer, the kernels per input channel in the depthwise step.
        activation: activation function (name or callable); None means linear.
        use_bias: whether to add a bias vector.
        depthwise_initializer: initializer of the depthwise kernel.
        pointwise_initializer: initializer of the 1x1 pointwise kernel.
        bias_initializer: initializer of the bias vector.
        depthwise_regularizer: regularizer of the depthwise kernel.
        pointwise_regularizer: regularizer of the pointwise kernel.
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer of the layer's output.
        depthwise_constraint: constraint of the depthwise kernel.
        pointwise_constraint: constraint of the pointwise kernel.
        bias_constraint: constraint applied to the bias after each update.

    # Input shape
        4D tensor, laid out as `data_format` says.

    # Output shape
        4D tensor with `filters` channels and the new rows and cols.
    """
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
    """Depthwise 2D convolution: `depth_multiplier` kernels per input channel, no mixing.

    MobileNet's spatial step; the channel mixing is left to a following 1x1 Conv2D, so
    each step can be normalised and activated on its own.

    # Arguments
        kernel_size: an integer or a tuple of 2 integers (one integer is used for every axis), the window's (rows, cols).
        strides: an integer or a tuple of 2 integers (one integer is used for every axis), the step between windows.
        padding: `"valid"` or `"same"`.
        depth_multiplier: integer; the output has `channels * depth_multiplier` channels.
        data_format: `"channels_last"` (channels on the last axis) or `"channels_first"`;
            None reads `image_data_format` from the Keras config file.
        activation: activation function (name or callable); None means linear.
        use_bias: whether to add a bias vector.
        depthwise_initializer: initializer of the depthwise kernel.
        bias_initializer: initializer of the bias vector.
        depthwise_regularizer: regularizer of the depthwise kernel.
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer of the layer's output.
        depthwise_constraint: constraint of the depthwise kernel.
        bias_constraint: constraint applied to the bias after each update.

    # Raises
        ValueError: (when built) if the input is not 4D or its channel axis is unknown.

    # Input shape
        4D tensor, laid out as `data_format` says.

    # Output shape
        4D tensor with `channels * depth_multiplier` channels.
    """

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

# Keras 2.1.6 code imports the pooling layers from here (`keras.layers.convolutional`
# re-exported them for Keras 1 compatibility). They stay out of `__all__`: keras.layers
# takes them from the pooling module, which defines them.
from .pooling import (MaxPooling1D, MaxPooling2D, MaxPooling3D, AveragePooling1D,  # noqa: F401,E402
                      AveragePooling2D, AveragePooling3D, GlobalMaxPooling1D, GlobalAveragePooling1D,
                      GlobalMaxPooling2D, GlobalAveragePooling2D, GlobalMaxPooling3D, GlobalAveragePooling3D)
