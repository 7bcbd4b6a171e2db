"""Locally-connected layers: LocallyConnected1D and LocallyConnected2D.

They slide a window over the input as a convolution does, but every output position
has its own weights. Keras 2.1.6 stores those weights as one matrix per position:
kernel (positions, window * channels, filters) and a bias per position and filter, so
this module keeps that layout for its `.h5` files to load unchanged. The arithmetic is
K.local_conv1d / K.local_conv2d.
"""
from keralite import backend as K
from keralite import activations, initializers, regularizers, constraints
from keralite.engine.base_layer import Layer, InputSpec
from keralite.utils import conv_utils

from .convolutional_legacy import legacy_conv1d_support, legacy_conv2d_support


def _implementation(kwargs, class_name):
    """tf_keras writes `implementation` into configs; 1 is the Keras 2.1.6 computation
    (and the only one here), 2 and 3 are other memory trade-offs that this layer lacks."""
    implementation = kwargs.pop("implementation", 1)
    if implementation != 1:
        raise ValueError("`" + class_name + "` supports only `implementation=1` (the unshared-weights "
                         "computation of Keras 2.1.6); got implementation=" + str(implementation))


def _valid_padding(padding, class_name):
    padding = conv_utils.normalize_padding(padding)
    if padding != "valid":
        raise ValueError("Invalid border mode for " + class_name + ' (only "valid" is supported): ' + padding)
    return padding


class _LocallyConnected(Layer):
    """What both ranks share: arguments, weights' initialisers and the config."""

    def __init__(self, rank, filters, kernel_size, strides, padding, data_format, activation, use_bias,
                 kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                 activity_regularizer, kernel_constraint, bias_constraint, **kwargs):
        _implementation(kwargs, self.__class__.__name__)
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = conv_utils.normalize_tuple(strides, rank, "strides")
        self.padding = _valid_padding(padding, self.__class__.__name__)
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _add_weights(self, kernel_shape, bias_shape):
        self.kernel_shape = kernel_shape
        self.kernel = self.add_weight(shape=kernel_shape, initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=bias_shape, initializer=self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None

    def _finish(self, outputs):
        if self.use_bias:
            outputs = K.bias_add(outputs, self.bias, data_format=self.data_format)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def get_config(self):
        config = {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
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


class LocallyConnected1D(_LocallyConnected):
    """Unshared-weights convolution over (batch, steps, channels).

    Works as `Conv1D` with 'valid' padding, except that each output step has its own
    filters, so the input length must be known when the layer is built.

    # Arguments
        filters: int, the number of output filters.
        kernel_size: int or tuple of 1 int, the window length.
        strides: int or tuple of 1 int, the window step.
        padding: only "valid" (case-insensitive).
        data_format: Keras 2.1.6 ignores it (always channels last); kept so configs
            of newer Keras, which write it, load. "channels_first" from such a file is
            honoured: inputs (batch, channels, steps).
        activation: activation function (name or callable); None is linear.
        use_bias: whether a bias (one per output step and filter) is added.
        kernel_initializer, bias_initializer: initializers of the weights.
        kernel_regularizer, bias_regularizer, activity_regularizer: regularizers.
        kernel_constraint, bias_constraint: constraints on the weights.

    # Input shape
        3D tensor `(batch, steps, input_dim)`, `steps` and `input_dim` known.

    # Output shape
        3D tensor `(batch, new_steps, filters)`.

    # Raises
        ValueError: for a padding other than "valid", an `implementation` other than 1
            or an input whose channel axis is unknown.
    """

    @legacy_conv1d_support
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        # Keras 2.1.6 never reads data_format here: None means channels last, not the
        # global image format
        super().__init__(1, filters, kernel_size, strides, padding, data_format or "channels_last", activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)

    def _steps_and_channels(self, input_shape):
        if self.data_format == "channels_first":
            return input_shape[2], input_shape[1]
        return input_shape[1], input_shape[2]

    def build(self, input_shape):
        steps, input_dim = self._steps_and_channels(input_shape)
        channel_axis = 1 if self.data_format == "channels_first" else 2
        if input_dim is None:
            raise ValueError("Axis " + str(channel_axis) + " of input should be fully-defined. Found shape:",
                             input_shape)
        output_length = conv_utils.conv_output_length(steps, self.kernel_size[0], self.padding, self.strides[0])
        if output_length is None:
            raise ValueError("The steps of the inputs to a LocallyConnected1D layer should be fully-defined, "
                             "but layer received the inputs shape " + str(input_shape))
        self._add_weights((output_length, self.kernel_size[0] * input_dim, self.filters),
                          (output_length, self.filters))
        self.input_spec = InputSpec(ndim=3, axes={channel_axis: input_dim})
        self.built = True

    def compute_output_shape(self, input_shape):
        steps, _ = self._steps_and_channels(input_shape)
        length = conv_utils.conv_output_length(steps, self.kernel_size[0], self.padding, self.strides[0])
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters, length)
        return (input_shape[0], length, self.filters)

    def call(self, inputs):
        outputs = K.local_conv1d(inputs, self.kernel, self.kernel_size, self.strides, self.data_format)
        return self._finish(outputs)

    def get_config(self):
        config = super().get_config()
        # Keras 2.1.6 writes no data_format for the 1D layer; only a channels-first
        # layer (from a newer file) needs it to come back the same
        if config["data_format"] == "channels_last":
            config.pop("data_format")
        return config


class LocallyConnected2D(_LocallyConnected):
    """Unshared-weights convolution over images.

    Works as `Conv2D` with 'valid' padding, except that each output pixel has its own
    filters, so rows and columns must be known when the layer is built. The bias has
    one value per output row, column and filter.

    # Arguments
        filters: int, the number of output filters.
        kernel_size: int or tuple of 2 ints, the window's rows and columns.
        strides: int or tuple of 2 ints, the window steps.
        padding: only "valid" (case-insensitive).
        data_format: "channels_last" (default: `K.image_data_format()`) or
            "channels_first".
        activation: activation function (name or callable); None is linear.
        use_bias: whether the bias is added.
        kernel_initializer, bias_initializer: initializers of the weights.
        kernel_regularizer, bias_regularizer, activity_regularizer: regularizers.
        kernel_constraint, bias_constraint: constraints on the weights.

    # Input shape
        4D tensor `(batch, rows, cols, channels)` (channels_last) or
        `(batch, channels, rows, cols)` (channels_first).

    # Output shape
        4D tensor `(batch, new_rows, new_cols, filters)` or
        `(batch, filters, new_rows, new_cols)`.

    # Raises
        ValueError: for a padding other than "valid", an `implementation` other than 1
            or an input whose rows or columns are unknown.
    """

    @legacy_conv2d_support
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, activation, use_bias,
                         kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)

    def _spatial_and_channels(self, input_shape):
        if self.data_format == "channels_first":
            return tuple(input_shape[2:4]), input_shape[1]
        return tuple(input_shape[1:3]), input_shape[3]

    def _output_size(self, spatial):
        return tuple(conv_utils.conv_output_length(size, window, self.padding, stride)
                     for size, window, stride in zip(spatial, self.kernel_size, self.strides))

    def build(self, input_shape):
        spatial, input_filter = self._spatial_and_channels(input_shape)
        if None in spatial:
            raise ValueError("The spatial dimensions of the inputs to  a LocallyConnected2D layer should be "
                             "fully-defined, but layer received the inputs shape " + str(input_shape))
        self.output_row, self.output_col = self._output_size(spatial)
        window = self.kernel_size[0] * self.kernel_size[1] * input_filter
        self._add_weights((self.output_row * self.output_col, window, self.filters),
                          (self.output_row, self.output_col, self.filters))
        channel_axis = 1 if self.data_format == "channels_first" else -1
        self.input_spec = InputSpec(ndim=4, axes={channel_axis: input_filter})
        self.built = True

    def compute_output_shape(self, input_shape):
        rows, cols = self._output_size(self._spatial_and_channels(input_shape)[0])
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters, rows, cols)
        return (input_shape[0], rows, cols, self.filters)

    def call(self, inputs):
        outputs = K.local_conv2d(inputs, self.kernel, self.kernel_size, self.strides,
                                 (self.output_row, self.output_col), self.data_format)
        return self._finish(outputs)


__all__ = ["LocallyConnected1D", "LocallyConnected2D"]
