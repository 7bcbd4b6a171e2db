"""SimpleRNN, GRU and LSTM: `RNN` over the matching cell, with the cell's arguments
flattened into the layer (as Keras 2), and the Keras 1 style `Recurrent` base class.
Import them from keralite.layers (or keralite.layers.recurrent)."""
import warnings

from keralite import backend as K
from keralite import regularizers
from keralite.engine.base_layer import Layer, InputSpec

from .recurrent import (RNN, recurrent_support, _check_initial_state_count, _check_state_values, _output_mask,
                        _stateful_batch_size, _step_outputs, _with_states)
from .recurrent_cells import SimpleRNNCell, GRUCell, LSTMCell


class _CellLayer(RNN):
    """An RNN whose cell arguments are the layer's own: properties read them from the cell."""

    _cell_attributes = ()

    def __getattr__(self, name):
        # units, activation, kernel_initializer, ... live on the cell
        if name in type(self)._cell_attributes and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError("'%s' object has no attribute '%s'" % (type(self).__name__, name))

    def call(self, inputs, mask=None, training=None, initial_state=None):
        self.cell.reset_dropout_mask()
        return super().call(inputs, mask=mask, training=training, initial_state=initial_state)

    def get_config(self):
        return self._layer_config(type(self)._cell_attributes)

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("implementation") == 0:
            config["implementation"] = 1
        return cls(**config)


_COMMON = ("units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
           "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
           "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout")


def _warn_implementation_zero(implementation):
    if implementation == 0:
        warnings.warn("`implementation=0` has been deprecated, and now defaults to `implementation=1`."
                      "Please update your layer call.")


class SimpleRNN(_CellLayer):
    """Fully-connected RNN where the output is to be fed back to input.

    # Arguments
        units: Positive integer, dimensionality of the output space.
        activation, use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, kernel_regularizer, recurrent_regularizer,
        bias_regularizer, kernel_constraint, recurrent_constraint,
        bias_constraint, dropout, recurrent_dropout: see `SimpleRNNCell`.
        activity_regularizer: Regularizer function applied to the output.
        return_sequences, return_state, go_backwards, stateful, unroll: see `RNN`.
    """

    _cell_attributes = _COMMON

    @recurrent_support
    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.,
                 recurrent_dropout=0., return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, **kwargs):
        if "implementation" in kwargs:
            kwargs.pop("implementation")
            warnings.warn("The `implementation` argument in `SimpleRNN` has been deprecated. "
                          "Please remove it from your layer call.")
        cell = SimpleRNNCell(units, activation=activation, use_bias=use_bias,
                             kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                             bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                             recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                             kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                             bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)


class GRU(_CellLayer):
    """Gated Recurrent Unit - Cho et al. 2014.

    # Arguments
        units: Positive integer, dimensionality of the output space.
        activation, recurrent_activation, use_bias, kernel_initializer,
        recurrent_initializer, bias_initializer, kernel_regularizer,
        recurrent_regularizer, bias_regularizer, kernel_constraint,
        recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
        implementation, reset_after: see `GRUCell`.
        activity_regularizer: Regularizer function applied to the output.
        return_sequences, return_state, go_backwards, stateful, unroll: see `RNN`.
    """

    _cell_attributes = _COMMON + ("recurrent_activation", "implementation", "reset_after")

    @recurrent_support
    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0., recurrent_dropout=0., implementation=1, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=False, **kwargs):
        _warn_implementation_zero(implementation)
        cell = GRUCell(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                       kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                       bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                       recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                       kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                       bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
                       implementation=implementation, reset_after=reset_after)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)


class LSTM(_CellLayer):
    """Long Short-Term Memory layer - Hochreiter 1997.

    # Arguments
        units: Positive integer, dimensionality of the output space.
        activation, recurrent_activation, use_bias, kernel_initializer,
        recurrent_initializer, bias_initializer, unit_forget_bias,
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint, dropout,
        recurrent_dropout, implementation: see `LSTMCell`.
        activity_regularizer: Regularizer function applied to the output.
        return_sequences, return_state, go_backwards, stateful, unroll: see `RNN`.
    """

    _cell_attributes = _COMMON + ("recurrent_activation", "unit_forget_bias", "implementation")

    @recurrent_support
    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0., recurrent_dropout=0., implementation=1, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        _warn_implementation_zero(implementation)
        cell = LSTMCell(units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
                        kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                        unit_forget_bias=unit_forget_bias, bias_initializer=bias_initializer,
                        kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                        bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                        recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                        dropout=dropout, recurrent_dropout=recurrent_dropout, implementation=implementation)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)


class Recurrent(Layer):
    """Abstract base class of Keras 1 style recurrent layers (kept for layer libraries).

    Subclasses implement `step(inputs, states) -> (output, new_states)`, usually
    `build` (setting `self.states` to a list of None, one per state), and may override
    `get_initial_state`, `preprocess_input` and `get_constants`.

    # Arguments
        return_sequences, return_state, go_backwards, stateful, unroll: see `RNN`.
        implementation: one of {0, 1, 2}, a hint for the step implementation.
    """

    def __init__(self, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, implementation=0, **kwargs):
        super().__init__(**kwargs)
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.implementation = implementation
        self.supports_masking = True
        self.input_spec = [InputSpec(ndim=3)]
        self.state_spec = None
        self.dropout = 0
        self.recurrent_dropout = 0

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        if self.return_sequences:
            output_shape = (input_shape[0], input_shape[1], self.units)
        else:
            output_shape = (input_shape[0], self.units)
        if self.return_state:
            return [output_shape] + [(input_shape[0], self.units) for _ in self.states]
        return output_shape

    def compute_mask(self, inputs, mask):
        return _output_mask(self, mask)

    def step(self, inputs, states):
        raise NotImplementedError

    def get_constants(self, inputs, training=None):
        return []

    def get_initial_state(self, inputs):
        initial_state = K.zeros_like(inputs)
        initial_state = K.sum(initial_state, axis=(1, 2))
        initial_state = K.expand_dims(initial_state)
        initial_state = K.tile(initial_state, [1, self.units])
        return [initial_state for _ in range(len(self.states))]

    def preprocess_input(self, inputs, training=None):
        return inputs

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if isinstance(inputs, list):
            initial_state = inputs[1:] or initial_state
            inputs = inputs[0]
        if initial_state is None:
            initial_state = self.states if self.stateful else self.get_initial_state(inputs)
        if isinstance(mask, list):
            mask = mask[0]
        _check_initial_state_count(self, initial_state)
        timesteps = K.int_shape(inputs)[1]
        if self.unroll and timesteps is None:
            raise ValueError("Cannot unroll a RNN if the time dimension is undefined. ")
        constants = self.get_constants(inputs, training=None)
        preprocessed_input = self.preprocess_input(inputs, training=None)
        last_output, outputs, states = K.rnn(self.step, preprocessed_input, initial_state,
                                             go_backwards=self.go_backwards, mask=mask, constants=constants,
                                             unroll=self.unroll, input_length=timesteps)
        output = _step_outputs(self, inputs, last_output, outputs, states)
        if 0 < self.dropout + self.recurrent_dropout:
            output._uses_learning_phase = True
        return _with_states(self, output, states)

    def reset_states(self, states=None):
        batch_size = _stateful_batch_size(
            self, "If a RNN is stateful, it needs to know its batch size. Specify the batch size of your input "
                  "tensors by passing a `batch_input_shape` argument to your first layer.")
        if self.states[0] is None:
            self.states = [K.zeros((batch_size, self.units)) for _ in self.states]
        elif states is None:
            for state in self.states:
                K.set_value(state, K.get_value(state) * 0)
        else:
            for value, state in zip(_check_state_values(self, states), self.states):
                K.set_value(state, value)

    def get_config(self):
        config = {"return_sequences": self.return_sequences, "return_state": self.return_state,
                  "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                  "implementation": self.implementation}
        base_config = super().get_config()
        return dict(list(base_config.items()) + list(config.items()))
