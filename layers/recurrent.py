"""Recurrent layers: the `RNN` base layer running a cell over a sequence, and SimpleRNN,
GRU and LSTM; the cells live in recurrent_cells.py and are re-exported here, as
`keras.layers.recurrent` exports them. `Recurrent` is the Keras 1 style base class
that third-party layers still subclass."""
import warnings

import numpy as np

from keralite import backend as K
from keralite import regularizers
from keralite.engine.base_layer import Layer, InputSpec
from keralite.utils.generic_utils import has_arg

from .legacy import legacy_support
from .recurrent_cells import (SimpleRNNCell, GRUCell, LSTMCell, StackedRNNCells,  # noqa: F401
                              _generate_dropout_mask, _state_sizes)


# ------------------------------------------------------------------ Keras 1 arguments
def _recurrent_args_preprocessor(args, kwargs):
    """Keras 1's `forget_bias_init` and `input_dim`/`input_length` (Keras 2.1.6's rules)."""
    converted = []
    if "forget_bias_init" in kwargs:
        if kwargs["forget_bias_init"] == "one":
            kwargs.pop("forget_bias_init")
            kwargs["unit_forget_bias"] = True
            converted.append("unit_forget_bias")
        else:
            kwargs.pop("forget_bias_init")
            warnings.warn("The `forget_bias_init` argument has been ignored. Use `unit_forget_bias=True` "
                          "instead to initialize with ones.", stacklevel=3)
    if "input_dim" in kwargs:
        input_length = kwargs.pop("input_length", None)
        input_dim = kwargs.pop("input_dim")
        kwargs["input_shape"] = (input_length, input_dim)
        converted.append("input_shape")
        warnings.warn("The `input_dim` and `input_length` arguments in recurrent layers are deprecated. "
                      "Use `input_shape` instead.", stacklevel=3)
    return args, kwargs, converted


recurrent_support = legacy_support(
    "Recurrent",
    [("output_dim", "units"), ("init", "kernel_initializer"), ("inner_init", "recurrent_initializer"),
     ("inner_activation", "recurrent_activation"), ("W_regularizer", "kernel_regularizer"),
     ("b_regularizer", "bias_regularizer"), ("U_regularizer", "recurrent_regularizer"),
     ("dropout_W", "dropout"), ("dropout_U", "recurrent_dropout"), ("consume_less", "implementation")],
    value_renames={"implementation": {"cpu": 0, "mem": 1, "gpu": 2}},
    positional=("units",),
    preprocessor=_recurrent_args_preprocessor)

# RNN itself only converts `input_dim`/`input_length` (its first argument is a cell)
rnn_support = legacy_support("RNN", [], preprocessor=_recurrent_args_preprocessor)


def _standardize_args(inputs, initial_state, constants, num_constants):
    """Split `inputs` (a tensor or a list [inputs, *initial_state, *constants]) into
    (inputs, initial_state, constants), each list None when empty."""
    if isinstance(inputs, list):
        assert initial_state is None and constants is None
        if num_constants is not None:
            constants = inputs[-num_constants:]
            inputs = inputs[:-num_constants]
        if len(inputs) > 1:
            initial_state = inputs[1:]
        inputs = inputs[0]

    def to_list_or_none(x):
        if x is None or isinstance(x, list):
            return x
        if isinstance(x, tuple):
            return list(x)
        return [x]

    return inputs, to_list_or_none(initial_state), to_list_or_none(constants)


def _spec_list(spec):
    if spec is None:
        return [None]
    return list(spec) if isinstance(spec, list) else [spec]


def _all_keras_tensors(tensors, message):
    """Whether `tensors` are all Keras tensors (False: none is); a mix raises ValueError(message)."""
    is_keras_tensor = hasattr(tensors[0], "_keras_history")
    for tensor in tensors:
        if hasattr(tensor, "_keras_history") != is_keras_tensor:
            raise ValueError(message)
    return is_keras_tensor


def _call_with_node_inputs(layer, layer_call, inputs, additional_inputs, additional_specs, kwargs):
    """`layer_call([inputs] + additional_inputs)`: Keras tensors among the initial states and
    constants become inputs of the node (call() reads them back from the list)."""
    full_input = [inputs] + additional_inputs
    original_input_spec = layer.input_spec
    layer.input_spec = _spec_list(layer.input_spec) + additional_specs
    try:
        return layer_call(full_input, **kwargs)
    finally:
        layer.input_spec = original_input_spec


def _deserialize_with_constants(cls, config, inner_key, custom_objects, optional_inner_keys=()):
    """`cls(inner, **config)` for a layer whose config holds a layer or cell under `inner_key`
    (and possibly `optional_inner_keys`) and its `num_constants` (RNN, Bidirectional)."""
    from . import deserialize as deserialize_layer
    config = dict(config)
    inner = deserialize_layer(config.pop(inner_key), custom_objects=custom_objects)
    num_constants = config.pop("num_constants", None)
    for key in optional_inner_keys:
        if config.get(key) is not None:
            config[key] = deserialize_layer(config[key], custom_objects=custom_objects)
    layer = cls(inner, **config)
    layer._num_constants = num_constants
    return layer


def _output_mask(layer, mask):
    """The mask of a recurrent layer's outputs (RNN and the Keras 1 `Recurrent`)."""
    if isinstance(mask, list):
        mask = mask[0]
    output_mask = mask if layer.return_sequences else None
    if layer.return_state:
        return [output_mask] + [None for _ in layer.states]
    return output_mask


def _check_initial_state_count(layer, initial_state):
    if len(initial_state) != len(layer.states):
        raise ValueError("Layer has " + str(len(layer.states)) + " states but was passed " +
                         str(len(initial_state)) + " initial states.")


def _step_outputs(layer, inputs, last_output, outputs, states):
    """The output of a recurrent layer's call from K.rnn's results (the stateful update added)."""
    if layer.stateful:
        layer.add_update([(layer.states[i], states[i]) for i in range(len(states))], inputs)
    return outputs if layer.return_sequences else last_output


def _with_states(layer, output, states):
    if layer.return_state:
        return [output] + list(states)
    return output


def _stateful_batch_size(layer, message):
    """The batch size of a stateful layer's inputs (reset_states); ValueError(message) when unknown."""
    if not layer.stateful:
        raise AttributeError("Layer must be stateful.")
    batch_size = layer.input_spec[0].shape[0]
    if not batch_size:
        raise ValueError(message)
    return batch_size


def _check_state_values(layer, states):
    """`states` given to reset_states as a list, one value per state of `layer`."""
    if not isinstance(states, (list, tuple)):
        states = [states]
    if len(states) != len(layer.states):
        raise ValueError("Layer " + layer.name + " expects " + str(len(layer.states)) + " states, but it "
                         "received " + str(len(states)) + " state values. Input received: " + str(states))
    return states


def _set_states(layer, states, shapes):
    """Set a stateful layer's states (one per shape in `shapes`) to zeros, or to `states` (numpy arrays)."""
    if layer.states[0] is None:
        layer.states = [K.zeros(shape) for shape in shapes]
    elif states is None:
        for state, shape in zip(layer.states, shapes):
            K.set_value(state, np.zeros(shape))
    else:
        states = _check_state_values(layer, states)
        for index, (value, state) in enumerate(zip(states, layer.states)):
            if value.shape != shapes[index]:
                raise ValueError("State " + str(index) + " is incompatible with layer " + layer.name +
                                 ": expected shape=" + str(shapes[index]) + ", found shape=" +
                                 str(value.shape))
            K.set_value(state, value)


def _reset_dropout_masks(cell):
    reset = getattr(cell, "reset_dropout_mask", None)
    if reset is not None:
        reset()


# ------------------------------------------------------------------ RNN
class RNN(Layer):
    """Base class for recurrent layers: runs `cell` over the time axis.

    # Arguments
        cell: A RNN cell instance: an object with a `call(input_at_t, states_at_t)`
            method returning `(output_at_t, states_at_t_plus_1)` and a `state_size`
            attribute (an int for one state, or a list/tuple of ints, one per state;
            the first is the output size). A list of cells is stacked
            (`StackedRNNCells`).
        return_sequences: Boolean. Whether to return the last output in the output
            sequence, or the full sequence.
        return_state: Boolean. Whether to return the last state in addition to the
            output.
        go_backwards: Boolean (default False). If True, process the input sequence
            backwards and return the reversed sequence.
        stateful: Boolean (default False). If True, the last state for each sample
            at index i in a batch will be used as initial state for the sample of
            index i in the following batch (the batch size must then be fixed).
        unroll: Boolean (default False). If True, the network will be unrolled,
            else a symbolic loop will be used.
        input_dim: dimensionality of the input (integer), Keras 1 style; use
            `input_shape` instead.
        input_length: Length of input sequences, with `input_dim`.

    # Raises
        ValueError: when `cell` has no `call` method or no `state_size`, or for
            `time_major=True` (written by newer Keras; inputs here are always
            `(batch, time, ...)`).

    # Input shape
        3D tensor with shape `(batch_size, timesteps, input_dim)`.

    # Output shape
        - if `return_state`: a list of tensors: the output, then the states, each of
          shape `(batch_size, units)`.
        - if `return_sequences`: 3D tensor `(batch_size, timesteps, units)`,
          else 2D tensor `(batch_size, units)`.

    # Masking
        Supports masking of timesteps (e.g. from an `Embedding(mask_zero=True)`).

    # Initial states
        `layer(inputs, initial_state=[...])` with tensors, or
        `reset_states(states=[...])` with numpy arrays for a stateful layer.
    """

    @rnn_support
    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call"):
            raise ValueError("`cell` should have a `call` method. The RNN was passed:", cell)
        if not hasattr(cell, "state_size"):
            raise ValueError("The RNN cell should have an attribute `state_size` (tuple of integers, "
                             "one integer per RNN state).")
        if kwargs.pop("time_major", False):
            # newer Keras writes time_major=False in every config; only that form exists here
            raise ValueError("RNN: `time_major=True` is not supported; feed (batch, time, ...) inputs.")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.supports_masking = True
        self.input_spec = [InputSpec(ndim=3)]
        self.state_spec = None
        self._states = None
        self.constants_spec = None
        self._num_constants = None

    @property
    def states(self):
        if self._states is None:
            return [None for _ in _state_sizes(self.cell)]
        return self._states

    @states.setter
    def states(self, states):
        self._states = states

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        state_size = _state_sizes(self.cell)
        output_dim = state_size[0]
        if self.return_sequences:
            output_shape = (input_shape[0], input_shape[1], output_dim)
        else:
            output_shape = (input_shape[0], output_dim)
        if self.return_state:
            return [output_shape] + [(input_shape[0], dim) for dim in state_size]
        return output_shape

    def compute_mask(self, inputs, mask):
        return _output_mask(self, mask)

    def _split_build_shape(self, input_shape):
        """(input shape, constants shapes or None) from the shape(s) `build` is given."""
        constants_shape = None
        if self._num_constants is not None:
            constants_shape = input_shape[-self._num_constants:]
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        return input_shape, constants_shape

    def _build_cell(self, step_input_shape, constants_shape):
        with K.name_scope(self.cell.name):
            if constants_shape is not None:
                self.cell.build([step_input_shape] + list(constants_shape))
            else:
                self.cell.build(step_input_shape)
        self.cell.built = True

    def build(self, input_shape):
        input_shape, constants_shape = self._split_build_shape(input_shape)
        batch_size = input_shape[0] if self.stateful else None
        input_dim = input_shape[-1]
        self.input_spec[0] = InputSpec(shape=(batch_size, None, input_dim))
        if isinstance(self.cell, Layer):
            self._build_cell((input_shape[0],) + tuple(input_shape[2:]), constants_shape)
        state_size = _state_sizes(self.cell)
        if self.state_spec is not None:
            if [spec.shape[-1] for spec in self.state_spec] != state_size:
                raise ValueError("An `initial_state` was passed that is not compatible with `cell.state_size`. "
                                 "Received `state_spec`={}; however `cell.state_size` is "
                                 "{}".format(self.state_spec, self.cell.state_size))
        else:
            self.state_spec = [InputSpec(shape=(None, dim)) for dim in state_size]
        if self.stateful:
            self.reset_states()
        self.built = True

    def get_initial_state(self, inputs):
        """All-zero states of shape (samples, dim), one per `cell.state_size` entry."""
        initial_state = K.zeros_like(inputs)
        initial_state = K.sum(initial_state, axis=tuple(range(1, K.ndim(inputs))))    # (samples,)
        initial_state = K.expand_dims(initial_state)                                     # (samples, 1)
        return [K.tile(initial_state, [1, dim]) for dim in _state_sizes(self.cell)]

    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        inputs, initial_state, constants = _standardize_args(inputs, initial_state, constants, self._num_constants)
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)
        additional_inputs = []
        additional_specs = []
        if initial_state is not None:
            additional_inputs += initial_state
            self.state_spec = [InputSpec(shape=K.int_shape(state)) for state in initial_state]
            additional_specs += self.state_spec
        if constants is not None:
            additional_inputs += constants
            self.constants_spec = [InputSpec(shape=K.int_shape(constant)) for constant in constants]
            self._num_constants = len(constants)
            additional_specs += self.constants_spec
        if _all_keras_tensors(additional_inputs,
                              "The initial state or constants of an RNN layer cannot be specified with a mix "
                              "of Keras tensors and non-Keras tensors (a \"Keras tensor\" is a tensor that was "
                              "returned by a Keras layer, or by `Input`)"):
            return _call_with_node_inputs(self, super().__call__, inputs, additional_inputs, additional_specs,
                                          kwargs)
        if initial_state is not None:
            kwargs["initial_state"] = [K.constant(s) if isinstance(s, np.ndarray) else s for s in initial_state]
        if constants is not None:
            kwargs["constants"] = constants
        return super().__call__(inputs, **kwargs)

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        if isinstance(inputs, list):
            # [inputs, *initial_state, *constants] as recorded by __call__
            if self._num_constants is not None:
                constants = inputs[-self._num_constants:]
                extra = inputs[1:-self._num_constants]
            else:
                extra = inputs[1:]
            initial_state = extra or initial_state
            inputs = inputs[0]
        if initial_state is not None:
            pass
        elif self.stateful:
            initial_state = self.states
        else:
            initial_state = self.get_initial_state(inputs)
        if isinstance(mask, list):
            mask = mask[0]
        _check_initial_state_count(self, initial_state)
        timesteps = K.int_shape(inputs)[1]
        if self.unroll and timesteps in [None, 1]:
            raise ValueError("Cannot unroll a RNN if the time dimension is undefined or equal to 1. \n"
                             "- If using a Sequential model, specify the time dimension by passing an "
                             "`input_shape` or `batch_input_shape` argument to your first layer. If your first "
                             "layer is an Embedding, you can also use the `input_length` argument.\n"
                             "- If using the functional API, specify the time dimension by passing a `shape` "
                             "or `batch_shape` argument to your Input layer.")
        _reset_dropout_masks(self.cell)
        step_kwargs = {}
        if has_arg(self.cell.call, "training"):
            step_kwargs["training"] = training
        if constants:
            if not has_arg(self.cell.call, "constants"):
                raise ValueError("RNN cell does not support constants")
            num_constants = len(constants)

            def step(step_inputs, states):
                return self.cell.call(step_inputs, states[:-num_constants], constants=states[-num_constants:],
                                      **step_kwargs)
        else:
            def step(step_inputs, states):
                return self.cell.call(step_inputs, states, **step_kwargs)

        last_output, outputs, states = K.rnn(step, inputs, initial_state, constants=constants,
                                             go_backwards=self.go_backwards, mask=mask, unroll=self.unroll,
                                             input_length=timesteps)
        output = _step_outputs(self, inputs, last_output, outputs, states)
        if getattr(last_output, "_uses_learning_phase", False):
            output._uses_learning_phase = True
            for state in states:
                state._uses_learning_phase = True
        return _with_states(self, output, states)

    def reset_states(self, states=None):
        """Set a stateful layer's states to zeros, or to `states` (numpy arrays)."""
        batch_size = _stateful_batch_size(
            self, "If a RNN is stateful, it needs to know its batch size. Specify the batch size of your input "
                  "tensors: \n- If using a Sequential model, specify the batch size by passing a "
                  "`batch_input_shape` argument to your first layer.\n- If using the functional API, specify "
                  "the batch size by passing a `batch_shape` argument to your Input layer.")
        _set_states(self, states, [(batch_size, dim) for dim in _state_sizes(self.cell)])

    def get_config(self):
        config = {"return_sequences": self.return_sequences, "return_state": self.return_state,
                  "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll}
        if self._num_constants is not None:
            config["num_constants"] = self._num_constants
        config["cell"] = {"class_name": self.cell.__class__.__name__, "config": self.cell.get_config()}
        base_config = super().get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def _layer_config(self, cell_names):
        """The config of a layer that takes its cell's arguments (`cell_names`) as its own."""
        cell_config = self.cell.get_config()
        config = {name: cell_config[name] for name in cell_names}
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        base_config = RNN.get_config(self)
        del base_config["cell"]
        return dict(list(base_config.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return _deserialize_with_constants(cls, config, "cell", custom_objects)

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        if isinstance(self.cell, Layer):
            return self.cell.trainable_weights
        return []

    @trainable_weights.setter
    def trainable_weights(self, weights):
        self._trainable_weights = weights

    @property
    def non_trainable_weights(self):
        if isinstance(self.cell, Layer):
            if not self.trainable:
                return self.cell.weights
            return self.cell.non_trainable_weights
        return []

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights):
        self._non_trainable_weights = weights

    @property
    def losses(self):
        if isinstance(self.cell, Layer):
            return self.cell.losses + self._losses
        return self._losses

    def get_losses_for(self, inputs=None):
        if isinstance(self.cell, Layer):
            return self.cell.get_losses_for(inputs) + super().get_losses_for(inputs)
        return super().get_losses_for(inputs)

    def _convert_loaded_weights(self, weights, original_keras_version=None, original_backend=None):
        """Weights saved by a CuDNN layer load into the matching plain layer (see cudnn_recurrent)."""
        from .cudnn_recurrent import convert_recurrent_weights
        return convert_recurrent_weights(self, weights, original_keras_version)


from .recurrent_layers import SimpleRNN, GRU, LSTM, Recurrent  # noqa: E402,F401

# `Recurrent`, `_generate_dropout_mask` and `_standardize_args` are importable from here
# (as from keras.layers.recurrent) but not exported by keras.layers
__all__ = ["RNN", "StackedRNNCells", "SimpleRNNCell", "GRUCell", "LSTMCell", "SimpleRNN", "GRU", "LSTM"]
