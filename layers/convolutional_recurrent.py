"""Convolutional recurrent layers: `ConvRNN2D` runs a convolutional cell over a sequence
of images, `ConvLSTM2DCell` is the LSTM whose products are 2D convolutions, and
`ConvLSTM2D` the layer (keras.layers.convolutional_recurrent)."""
import numpy as np

from keralite import backend as K
from keralite import activations, regularizers
from keralite.engine.base_layer import InputSpec
from keralite.utils import conv_utils

from .recurrent import RNN, _set_states
from .recurrent_cells import _DropoutCell, _UnitForgetBias, _add_kernels, _state_sizes, _weight_options_config

__all__ = ["ConvRNN2D", "ConvLSTM2DCell", "ConvLSTM2D"]


class ConvRNN2D(RNN):
    """Base class for convolutional-recurrent layers.

    # Arguments
        cell: A RNN cell instance. A RNN cell is a class that has:
            - a `call(input_at_t, states_at_t)` method, returning
              `(output_at_t, states_at_t_plus_1)`.
            - a `state_size` attribute: the number of channels of each state (one
              integer per state, the first being the number of output channels).
        return_sequences: Boolean. Whether to return the last output in the output
            sequence, or the full sequence.
        return_state: Boolean. Whether to return the last state in addition to the
            output.
        go_backwards: Boolean (default False). If True, process the input sequence
            backwards and return the reversed sequence.
        stateful: Boolean (default False). If True, the last state for each sample
            at index i in a batch will be used as initial state for the sample of
            index i in the following batch.
        unroll: accepted for the RNN signature but must stay False: the loop over
            time is a scan, and unrolling a convolutional cell is not offered.

    # Raises
        TypeError: for `unroll=True`, or when `cell` is a list of cells (stacking
            convolutional cells in one layer is not supported).

    # Input shape
        5D tensor with shape `(samples, timesteps, channels, rows, cols)` if
        data_format='channels_first' or `(samples, timesteps, rows, cols, channels)`
        if data_format='channels_last'.

    # Output shape
        - if `return_state`: a list of tensors. The first tensor is the output. The
          remaining tensors are the last states, each a 4D tensor with shape
          `(samples, filters, new_rows, new_cols)` if data_format='channels_first'
          or `(samples, new_rows, new_cols, filters)` if data_format='channels_last'.
        - if `return_sequences`: 5D tensor with shape
          `(samples, timesteps, filters, new_rows, new_cols)` if
          data_format='channels_first' or
          `(samples, timesteps, new_rows, new_cols, filters)` if
          data_format='channels_last'.
        - else, 4D tensor with shape `(samples, filters, new_rows, new_cols)` if
          data_format='channels_first' or `(samples, new_rows, new_cols, filters)`
          if data_format='channels_last'.

    # Masking
        This layer supports masking for input data with a variable number of
        timesteps.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, **kwargs):
        if unroll:
            raise TypeError("Unrolling isn't possible with convolutional RNNs.")
        if isinstance(cell, (list, tuple)):
            raise TypeError("It is not possible at the moment to stack convolutional cells.")
        super().__init__(cell, return_sequences, return_state, go_backwards, stateful, unroll, **kwargs)
        self.input_spec = [InputSpec(ndim=5)]

    def _spatial_output_shape(self, input_shape):
        """(rows, cols) of the output for a (samples, time, ...) input shape."""
        cell = self.cell
        if cell.data_format == "channels_first":
            rows, cols = input_shape[3], input_shape[4]
        else:
            rows, cols = input_shape[2], input_shape[3]
        rows = conv_utils.conv_output_length(rows, cell.kernel_size[0], padding=cell.padding,
                                             stride=cell.strides[0], dilation=cell.dilation_rate[0])
        cols = conv_utils.conv_output_length(cols, cell.kernel_size[1], padding=cell.padding,
                                             stride=cell.strides[1], dilation=cell.dilation_rate[1])
        return rows, cols

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        cell = self.cell
        rows, cols = self._spatial_output_shape(input_shape)
        if cell.data_format == "channels_first":
            output_shape = input_shape[:2] + (cell.filters, rows, cols)
        else:
            output_shape = input_shape[:2] + (rows, cols, cell.filters)
        if not self.return_sequences:
            output_shape = output_shape[:1] + output_shape[2:]
        if self.return_state:
            output_shape = [output_shape]
            if cell.data_format == "channels_first":
                output_shape += [(input_shape[0], cell.filters, rows, cols) for _ in range(2)]
            else:
                output_shape += [(input_shape[0], rows, cols, cell.filters) for _ in range(2)]
        return output_shape

    def build(self, input_shape):
        input_shape, constants_shape = self._split_build_shape(input_shape)
        input_shape = tuple(input_shape)
        batch_size = input_shape[0] if self.stateful else None
        self.input_spec[0] = InputSpec(shape=(batch_size, None) + input_shape[2:5])
        self._build_cell((input_shape[0],) + input_shape[2:], constants_shape)
        state_size = _state_sizes(self.cell)
        channel_axis = 1 if self.cell.data_format == "channels_first" else 3
        if self.state_spec is not None:
            if [spec.shape[channel_axis] for spec in self.state_spec] != state_size:
                raise ValueError("An initial_state was passed that is not compatible with `cell.state_size`. "
                                 "Received `state_spec`={}; However `cell.state_size` is "
                                 "{}".format([spec.shape for spec in self.state_spec], self.cell.state_size))
        else:
            if self.cell.data_format == "channels_first":
                self.state_spec = [InputSpec(shape=(None, dim, None, None)) for dim in state_size]
            else:
                self.state_spec = [InputSpec(shape=(None, None, None, dim)) for dim in state_size]
        if self.stateful:
            self.reset_states()
        self.built = True

    def get_initial_state(self, inputs):
        """Zero states with the shape of the cell's input convolution of one step."""
        initial_state = K.zeros_like(inputs)
        initial_state = K.sum(initial_state, axis=1)                     # (samples, rows, cols, channels)
        shape = list(self.cell.kernel_shape)
        shape[-1] = self.cell.filters
        initial_state = self.cell.input_conv(initial_state, K.constant(np.zeros(shape), K.dtype(inputs)),
                                             padding=self.cell.padding)
        return [initial_state for _ in _state_sizes(self.cell)]

    def reset_states(self, states=None):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        input_shape = self.input_spec[0].shape
        state_shape = self.compute_output_shape(input_shape)
        if self.return_state:
            state_shape = state_shape[0]
        if self.return_sequences:
            state_shape = state_shape[:1] + state_shape[2:]
        if None in state_shape:
            raise ValueError("If a RNN is stateful, it needs to know its batch size. Specify the batch size "
                             "of your input tensors: \n- If using a Sequential model, specify the batch size by "
                             "passing a `batch_input_shape` argument to your first layer.\n- If using the "
                             "functional API, specify the time dimension by passing a `batch_shape` argument "
                             "to your Input layer.\nThe same thing goes for the number of rows and columns.")
        _set_states(self, states, [tuple(state_shape) for _ in _state_sizes(self.cell)])


class ConvLSTM2DCell(_DropoutCell):
    """Cell class for the ConvLSTM2D layer.

    # Arguments
        filters: Integer, the dimensionality of the output space
            (i.e. the number of output filters in the convolution).
        kernel_size: An integer or tuple/list of n integers, specifying the
            dimensions of the convolution window.
        strides: An integer or tuple/list of n integers, specifying the strides of
            the convolution.
        padding: One of `"valid"` or `"same"` (case-insensitive).
        data_format: A string, one of `channels_last` (default) or `channels_first`.
            It defaults to the `image_data_format` value found in your Keras config
            file at `~/.keras/keras.json`.
        dilation_rate: An integer or tuple/list of n integers, specifying the
            dilation rate to use for dilated convolution.
        activation: Activation function to use.
        recurrent_activation: Activation function to use for the recurrent step.
        use_bias: Boolean, whether the layer uses a bias vector.
        kernel_initializer: Initializer for the `kernel` weights matrix, used for
            the linear transformation of the inputs.
        recurrent_initializer: Initializer for the `recurrent_kernel` weights
            matrix, used for the linear transformation of the recurrent state.
        bias_initializer: Initializer for the bias vector.
        unit_forget_bias: Boolean. If True, add 1 to the bias of the forget gate at
            initialization (and force `bias_initializer="zeros"` for it).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: Regularizer
            functions applied to the kernels and the bias.
        kernel_constraint, recurrent_constraint, bias_constraint: Constraint
            functions applied to the kernels and the bias.
        dropout: Float between 0 and 1. Fraction of the units to drop for the
            linear transformation of the inputs.
        recurrent_dropout: Float between 0 and 1. Fraction of the units to drop for
            the linear transformation of the recurrent state.
    """

    _mask_count = 4

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0., recurrent_dropout=0., **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, 2, "kernel_size")
        self.strides = conv_utils.normalize_tuple(strides, 2, "strides")
        self.padding = conv_utils.normalize_padding(padding)
        self.data_format = conv_utils.normalize_data_format(data_format)
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, 2, "dilation_rate")
        self._init_common(activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                          kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                          recurrent_constraint, bias_constraint, dropout, recurrent_dropout)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = (self.filters, self.filters)

    def build(self, input_shape):
        channel_axis = 1 if self.data_format == "channels_first" else -1
        if input_shape[channel_axis] is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found `None`.")
        input_dim = input_shape[channel_axis]
        self.kernel_shape = self.kernel_size + (input_dim, self.filters * 4)
        recurrent_kernel_shape = self.kernel_size + (self.filters, self.filters * 4)
        _add_kernels(self, self.kernel_shape, recurrent_kernel_shape)
        initializer = _UnitForgetBias(self.bias_initializer, self.filters) if self.unit_forget_bias else None
        self._add_bias((self.filters * 4,), initializer)
        self.built = True

    def _gate(self, tensor, k):
        """The slice of the last axis of a kernel or bias that belongs to gate k (i, f, c, o)."""
        return tensor[..., k * self.filters:(k + 1) * self.filters]

    def call(self, inputs, states, training=None):
        h_tm1, c_tm1 = states[0], states[1]
        dp_mask, rec_dp_mask = self._masks(inputs, h_tm1, training)
        gates = []
        for k in range(4):
            x_k = inputs * dp_mask[k] if dp_mask is not None else inputs
            h_k = h_tm1 * rec_dp_mask[k] if rec_dp_mask is not None else h_tm1
            bias_k = self._gate(self.bias, k) if self.use_bias else None
            gates.append(self.input_conv(x_k, self._gate(self.kernel, k), bias_k, padding=self.padding) +
                         self.recurrent_conv(h_k, self._gate(self.recurrent_kernel, k)))
        i = self.recurrent_activation(gates[0])
        f = self.recurrent_activation(gates[1])
        c = f * c_tm1 + i * self.activation(gates[2])
        o = self.recurrent_activation(gates[3])
        h = o * self.activation(c)
        self._mark_learning_phase(h, training)
        return h, [h, c]

    def input_conv(self, x, w, b=None, padding="valid"):
        conv_out = K.conv2d(x, w, strides=self.strides, padding=padding, data_format=self.data_format,
                            dilation_rate=self.dilation_rate)
        if b is not None:
            conv_out = K.bias_add(conv_out, b, data_format=self.data_format)
        return conv_out

    def recurrent_conv(self, x, w):
        return K.conv2d(x, w, strides=(1, 1), padding="same", data_format=self.data_format)

    def get_config(self):
        config = {"filters": self.filters,
                  "kernel_size": self.kernel_size,
                  "strides": self.strides,
                  "padding": self.padding,
                  "data_format": self.data_format,
                  "dilation_rate": self.dilation_rate,
                  "activation": activations.serialize(self.activation),
                  "recurrent_activation": activations.serialize(self.recurrent_activation),
                  "use_bias": self.use_bias,
                  "unit_forget_bias": self.unit_forget_bias,
                  "dropout": self.dropout,
                  "recurrent_dropout": self.recurrent_dropout}
        config.update(_weight_options_config(self))
        # in Keras' order
        config = {key: config[key] for key in _CELL_ARGUMENTS}
        base_config = super().get_config()
        return dict(list(base_config.items()) + list(config.items()))


_CELL_ARGUMENTS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
                   "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
                   "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                   "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
                   "dropout", "recurrent_dropout")


class ConvLSTM2D(ConvRNN2D):
    """Convolutional LSTM.

    It is similar to an LSTM layer, but the input transformations and recurrent
    transformations are both convolutional.

    # Arguments
        filters: Integer, the dimensionality of the output space
            (i.e. the number output of filters in the convolution).
        kernel_size: An integer or tuple/list of n integers, specifying the
            dimensions of the convolution window.
        strides: An integer or tuple/list of n integers, specifying the strides of
            the convolution. Specifying any stride value != 1 is incompatible with
            specifying any `dilation_rate` value != 1.
        padding: One of `"valid"` or `"same"` (case-insensitive).
        data_format: A string, one of `channels_last` (default) or
            `channels_first`. The ordering of the dimensions in the inputs.
            `channels_last` corresponds to inputs with shape
            `(batch, time, ..., channels)` while `channels_first` corresponds to
            inputs with shape `(batch, time, channels, ...)`. It defaults to the
            `image_data_format` value found in your Keras config file at
            `~/.keras/keras.json`. If you never set it, then it will be
            "channels_last".
        dilation_rate: An integer or tuple/list of n integers, specifying the
            dilation rate to use for dilated convolution.
        activation: Activation function to use (see [activations](../activations.md)).
        recurrent_activation: Activation function to use for the recurrent step.
        use_bias: Boolean, whether the layer uses a bias vector.
        kernel_initializer: Initializer for the `kernel` weights matrix, used for
            the linear transformation of the inputs.
        recurrent_initializer: Initializer for the `recurrent_kernel` weights
            matrix, used for the linear transformation of the recurrent state.
        bias_initializer: Initializer for the bias vector.
        unit_forget_bias: Boolean. If True, add 1 to the bias of the forget gate at
            initialization. Use in combination with `bias_initializer="zeros"`.
        kernel_regularizer: Regularizer function applied to the `kernel` weights
            matrix.
        recurrent_regularizer: Regularizer function applied to the
            `recurrent_kernel` weights matrix.
        bias_regularizer: Regularizer function applied to the bias vector.
        activity_regularizer: Regularizer function applied to the output of the
            layer (its "activation").
        kernel_constraint: Constraint function applied to the `kernel` weights
            matrix.
        recurrent_constraint: Constraint function applied to the
            `recurrent_kernel` weights matrix.
        bias_constraint: Constraint function applied to the bias vector.
        return_sequences: Boolean. Whether to return the last output in the output
            sequence, or the full sequence.
        go_backwards: Boolean (default False). If True, process the input sequence
            backwards.
        stateful: Boolean (default False). If True, the last state for each sample
            at index i in a batch will be used as initial state for the sample of
            index i in the following batch.
        dropout: Float between 0 and 1. Fraction of the units to drop for the
            linear transformation of the inputs.
        recurrent_dropout: Float between 0 and 1. Fraction of the units to drop for
            the linear transformation of the recurrent state.

    # Input shape
        - if data_format='channels_first'
            5D tensor with shape: `(samples, time, channels, rows, cols)`
        - if data_format='channels_last'
            5D tensor with shape: `(samples, time, rows, cols, channels)`

    # Output shape
        - if `return_sequences`
             - if data_format='channels_first'
                5D tensor with shape: `(samples, time, filters, output_row, output_col)`
             - if data_format='channels_last'
                5D tensor with shape: `(samples, time, output_row, output_col, filters)`
        - else
            - if data_format='channels_first'
                4D tensor with shape: `(samples, filters, output_row, output_col)`
            - if data_format='channels_last'
                4D tensor with shape: `(samples, output_row, output_col, filters)`
            where o_row and o_col depend on the shape of the filter and the
            padding

    # Raises
        ValueError: in case of invalid constructor arguments.

    # References
        - [Convolutional LSTM Network: A Machine Learning Approach for
          Precipitation Nowcasting](http://arxiv.org/abs/1506.04214v1)
          The current implementation does not include the feedback loop on the
          cells output
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 return_sequences=False, go_backwards=False, stateful=False, dropout=0., recurrent_dropout=0.,
                 **kwargs):
        cell = ConvLSTM2DCell(filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                              data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                              recurrent_activation=recurrent_activation, use_bias=use_bias,
                              kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                              bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                              kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                              bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                              recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                              dropout=dropout, recurrent_dropout=recurrent_dropout)
        super().__init__(cell, return_sequences=return_sequences, go_backwards=go_backwards, stateful=stateful,
                         **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def call(self, inputs, mask=None, training=None, initial_state=None):
        return super().call(inputs, mask=mask, training=training, initial_state=initial_state)

    def get_config(self):
        return self._layer_config(_CELL_ARGUMENTS)

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _cell_property(name):
    return property(lambda self: getattr(self.cell, name), doc="The cell's `%s`." % name)


for _name in _CELL_ARGUMENTS:
    setattr(ConvLSTM2D, _name, _cell_property(_name))
