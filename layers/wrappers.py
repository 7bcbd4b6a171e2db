"""Layers that wrap another layer: `TimeDistributed` applies it to every time step,
`Bidirectional` runs a recurrent layer forwards and backwards (keras.layers.wrappers)."""
import copy

from keralite import backend as K
from keralite.engine.base_layer import Layer, InputSpec
from keralite.utils.generic_utils import has_arg, object_list_uid

from .recurrent import _all_keras_tensors, _call_with_node_inputs, _deserialize_with_constants, _standardize_args

__all__ = ["Wrapper", "TimeDistributed", "Bidirectional"]


class Wrapper(Layer):
    """Abstract wrapper base class.

    Wrappers take another layer and augment it in various ways. Do not use this class
    as a layer, it is only an abstract base class. Two usable wrappers are the
    `TimeDistributed` and `Bidirectional` wrappers.

    # Arguments
        layer: The layer to be wrapped.
    """

    def __init__(self, layer, **kwargs):
        self.layer = layer
        # the inputs the inner layer was really called on, by the uid of the wrapper's
        # inputs, so the inner layer's input-conditional updates can be found
        self._input_map = {}
        super().__init__(**kwargs)

    def build(self, input_shape=None):
        self.built = True

    @property
    def activity_regularizer(self):
        return getattr(self.layer, "activity_regularizer", None)

    @property
    def trainable_weights(self):
        return self.layer.trainable_weights

    @trainable_weights.setter
    def trainable_weights(self, weights):
        self._trainable_weights = weights

    @property
    def non_trainable_weights(self):
        return self.layer.non_trainable_weights

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights):
        self._non_trainable_weights = weights

    @property
    def updates(self):
        return getattr(self.layer, "updates", [])

    def get_updates_for(self, inputs=None):
        inner_inputs = inputs
        if inputs is not None:
            inner_inputs = self._input_map.get(object_list_uid(inputs), inputs)
        return self.layer.get_updates_for(inner_inputs) + super().get_updates_for(inputs)

    @property
    def losses(self):
        return getattr(self.layer, "losses", [])

    def get_losses_for(self, inputs=None):
        if inputs is None:
            return self.layer.get_losses_for(None) + super().get_losses_for(None)
        return super().get_losses_for(inputs)

    def get_weights(self):
        return self.layer.get_weights()

    def set_weights(self, weights):
        self.layer.set_weights(weights)

    def get_config(self):
        config = {"layer": {"class_name": self.layer.__class__.__name__, "config": self.layer.get_config()}}
        base_config = super().get_config()
        return dict(list(base_config.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize as deserialize_layer
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """This wrapper applies a layer to every temporal slice of an input.

    The input should be at least 3D, and the dimension of index one will be considered
    to be the temporal dimension.

    Consider a batch of 32 samples, where each sample is a sequence of 10 vectors of
    16 dimensions. The batch input shape of the layer is then `(32, 10, 16)`, and the
    `input_shape`, not including the samples dimension, is `(10, 16)`. You can then use
    `TimeDistributed` to apply a `Dense` layer to each of the 10 timesteps,
    independently:

    ```python
        # as the first layer in a model
        model = Sequential()
        model.add(TimeDistributed(Dense(8), input_shape=(10, 16)))
        # now model.output_shape == (None, 10, 8)
    ```

    The same weights are used at every step. `TimeDistributed` can be used with
    arbitrary layers, not just `Dense`, for instance with a `Conv2D` layer:

    ```python
        model = Sequential()
        model.add(TimeDistributed(Conv2D(64, (3, 3)), input_shape=(10, 299, 299, 3)))
    ```

    When the batch size is not fixed, the layer runs once on the input reshaped to
    `(samples * timesteps, ...)`; with a fixed batch size it runs step by step, so a
    layer that looks across its batch (e.g. batch normalization in training) sees one
    time step at a time, as in Keras 2.1.6. An input mask is passed through.

    # Arguments
        layer: a layer instance.
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        assert len(input_shape) >= 3
        self.input_spec = InputSpec(shape=input_shape)
        child_input_shape = (input_shape[0],) + tuple(input_shape[2:])
        if not self.layer.built:
            self.layer.build(child_input_shape)
            self.layer.built = True
        super().build()

    def compute_output_shape(self, input_shape):
        child_input_shape = (input_shape[0],) + tuple(input_shape[2:])
        child_output_shape = self.layer.compute_output_shape(child_input_shape)
        timesteps = input_shape[1]
        return (child_output_shape[0], timesteps) + tuple(child_output_shape[1:])

    def call(self, inputs, training=None, mask=None):
        kwargs = {}
        if has_arg(self.layer.call, "training"):
            kwargs["training"] = training
        input_shape = K.int_shape(inputs)
        uses_learning_phase = False
        if input_shape[0] and input_shape[1]:
            # a fixed batch size: the layer sees one time step at a time
            def step(x, _):
                nonlocal uses_learning_phase
                output = self.layer.call(x, **kwargs)
                uses_learning_phase = uses_learning_phase or getattr(output, "_uses_learning_phase", False)
                return output, []

            _, y, _ = K.rnn(step, inputs, initial_states=[], input_length=input_shape[1], unroll=False)
        else:
            # any batch size: one call on (samples * timesteps, ...)
            input_length = input_shape[1] or K.shape(inputs)[1]
            input_uid = object_list_uid(inputs)
            inner_inputs = K.reshape(inputs, (-1,) + tuple(input_shape[2:]))
            self._input_map[input_uid] = inner_inputs
            y = self.layer.call(inner_inputs, **kwargs)
            uses_learning_phase = getattr(y, "_uses_learning_phase", False)
            output_shape = self.compute_output_shape(input_shape)
            y = K.reshape(y, (-1, input_length) + tuple(output_shape[2:]))
        if getattr(self.layer, "activity_regularizer", None) is not None:
            self.add_loss(self.layer.activity_regularizer(y), inputs)
        if uses_learning_phase:
            y._uses_learning_phase = True
        return y


class Bidirectional(Wrapper):
    """Bidirectional wrapper for RNNs.

    # Arguments
        layer: `Recurrent` instance.
        merge_mode: Mode by which outputs of the forward and backward RNNs will be
            combined. One of {'sum', 'mul', 'concat', 'ave', None}. If None, the
            outputs will not be combined, they will be returned as a list.
        weights: Initial weights to load in the Bidirectional model: the forward
            layer's, then the backward layer's.

    # Raises
        ValueError: In case of invalid `merge_mode` argument.

    # Examples

    ```python
        model = Sequential()
        model.add(Bidirectional(LSTM(10, return_sequences=True), input_shape=(5, 10)))
        model.add(Bidirectional(LSTM(10)))
        model.add(Dense(5))
        model.add(Activation('softmax'))
        model.compile(loss='categorical_crossentropy', optimizer='rmsprop')
    ```
    """

    def __init__(self, layer, merge_mode="concat", weights=None, **kwargs):
        if merge_mode not in ["sum", "mul", "ave", "concat", None]:
            raise ValueError("Invalid merge mode. Merge mode should be one of "
                             "{\"sum\", \"mul\", \"ave\", \"concat\", None}")
        backward_layer = kwargs.pop("backward_layer", None)
        self.forward_layer = copy.copy(layer)
        if backward_layer is None:
            config = layer.get_config()
            config["go_backwards"] = not config["go_backwards"]
            backward_layer = layer.__class__.from_config(config)
        self.backward_layer = backward_layer
        self.forward_layer.name = "forward_" + self.forward_layer.name
        if not self.backward_layer.name.startswith("backward_"):
            self.backward_layer.name = "backward_" + self.backward_layer.name
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self._trainable = True
        super().__init__(layer, weights=weights or None, **kwargs)
        self.stateful = layer.stateful
        self.supports_masking = True
        self.input_spec = layer.input_spec
        self._num_constants = None

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = value
        self.forward_layer.trainable = value
        self.backward_layer.trainable = value

    def get_weights(self):
        return self.forward_layer.get_weights() + self.backward_layer.get_weights()

    def set_weights(self, weights):
        half = len(weights) // 2
        self.forward_layer.set_weights(weights[:half])
        self.backward_layer.set_weights(weights[half:])

    def compute_output_shape(self, input_shape):
        output_shape = self.forward_layer.compute_output_shape(input_shape)
        if self.return_state:
            state_shape = list(output_shape[1:])
            output_shape = output_shape[0]
        output_shape = tuple(output_shape)
        if self.merge_mode == "concat":
            output_shape = output_shape[:-1] + (output_shape[-1] * 2,)
        elif self.merge_mode is None:
            output_shape = [output_shape, output_shape]
        if self.return_state:
            if self.merge_mode is None:
                return output_shape + state_shape + list(state_shape)
            return [output_shape] + state_shape + list(state_shape)
        return output_shape

    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        inputs, initial_state, constants = _standardize_args(inputs, initial_state, constants, self._num_constants)
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)
        # as RNN.__call__: Keras tensors among the states and constants become inputs
        additional_inputs = []
        additional_specs = []
        if initial_state is not None:
            num_states = len(initial_state)
            if num_states % 2 > 0:
                raise ValueError("When passing `initial_state` to a Bidirectional RNN, the state should be a "
                                 "list containing the states of the underlying RNNs. Found: " + str(initial_state))
            additional_inputs += initial_state
            state_specs = [InputSpec(shape=K.int_shape(state)) for state in initial_state]
            self.forward_layer.state_spec = state_specs[:num_states // 2]
            self.backward_layer.state_spec = state_specs[num_states // 2:]
            additional_specs += state_specs
        if constants is not None:
            additional_inputs += constants
            constants_spec = [InputSpec(shape=K.int_shape(constant)) for constant in constants]
            self.forward_layer.constants_spec = constants_spec
            self.backward_layer.constants_spec = constants_spec
            additional_specs += constants_spec
            self._num_constants = len(constants)
            self.forward_layer._num_constants = self._num_constants
            self.backward_layer._num_constants = self._num_constants
        if not _all_keras_tensors(additional_inputs,
                                  "The initial state of a Bidirectional layer cannot be specified with a mix of "
                                  "Keras tensors and non-Keras tensors (a \"Keras tensor\" is a tensor that was "
                                  "returned by a Keras layer, or by `Input`)"):
            if initial_state is not None:
                kwargs["initial_state"] = initial_state
            if constants is not None:
                kwargs["constants"] = constants
            return super().__call__(inputs, **kwargs)
        # the states and constants become inputs of the node; call() splits them off again
        return _call_with_node_inputs(self, super().__call__, inputs, additional_inputs, additional_specs, kwargs)

    def call(self, inputs, training=None, mask=None, initial_state=None, constants=None):
        kwargs = {}
        if has_arg(self.layer.call, "training"):
            kwargs["training"] = training
        if has_arg(self.layer.call, "mask"):
            kwargs["mask"] = mask[0] if isinstance(mask, list) else mask
        if has_arg(self.layer.call, "constants"):
            kwargs["constants"] = constants
        sequence = inputs
        if isinstance(inputs, list):
            # [inputs, *forward states, *backward states, *constants], as __call__ records them
            num_constants = self._num_constants or 0
            sequence = inputs[0]
            initial_state = inputs[1:len(inputs) - num_constants] or None
            if num_constants:
                kwargs["constants"] = inputs[-num_constants:]
        if initial_state is not None and has_arg(self.layer.call, "initial_state"):
            half = len(initial_state) // 2
            y = self.forward_layer.call(sequence, initial_state=list(initial_state[:half]), **kwargs)
            y_rev = self.backward_layer.call(sequence, initial_state=list(initial_state[half:]), **kwargs)
        else:
            y = self.forward_layer.call(sequence, **kwargs)
            y_rev = self.backward_layer.call(sequence, **kwargs)

        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            # the backward layer's outputs run from the last step to the first
            y_rev = K.reverse(y_rev, 1)
        if self.merge_mode == "concat":
            output = K.concatenate([y, y_rev])
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]

        if getattr(y, "_uses_learning_phase", False) or getattr(y_rev, "_uses_learning_phase", False):
            for out in (output if isinstance(output, list) else [output]):
                out._uses_learning_phase = True
        if self.return_state:
            if self.merge_mode is None:
                return output + states
            return [output] + states
        return output

    def reset_states(self):
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def build(self, input_shape):
        with K.name_scope(self.forward_layer.name):
            self.forward_layer.build(input_shape)
        with K.name_scope(self.backward_layer.name):
            self.backward_layer.build(input_shape)
        self.built = True

    def compute_mask(self, inputs, mask):
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if not self.merge_mode else mask
        else:
            output_mask = [None, None] if not self.merge_mode else None
        if self.return_state:
            state_mask = [None for _ in self.forward_layer.states]
            if isinstance(output_mask, list):
                return output_mask + state_mask * 2
            return [output_mask] + state_mask * 2
        return output_mask

    @property
    def trainable_weights(self):
        return self.forward_layer.trainable_weights + self.backward_layer.trainable_weights

    @trainable_weights.setter
    def trainable_weights(self, weights):
        self._trainable_weights = weights

    @property
    def non_trainable_weights(self):
        return self.forward_layer.non_trainable_weights + self.backward_layer.non_trainable_weights

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights):
        self._non_trainable_weights = weights

    @property
    def updates(self):
        return self.forward_layer.updates + self.backward_layer.updates

    def get_updates_for(self, inputs=None):
        return (self.forward_layer.get_updates_for(inputs) + self.backward_layer.get_updates_for(inputs) +
                Layer.get_updates_for(self, inputs))

    @property
    def losses(self):
        return self.forward_layer.losses + self.backward_layer.losses

    def get_losses_for(self, inputs=None):
        if inputs is None:
            return (self.forward_layer.get_losses_for(None) + self.backward_layer.get_losses_for(None) +
                    Layer.get_losses_for(self, None))
        return Layer.get_losses_for(self, inputs)

    @property
    def constraints(self):
        constraints = {}
        for layer in (self.forward_layer, self.backward_layer):
            constraints.update(getattr(layer, "constraints", {}))
        return constraints

    def get_config(self):
        config = {"merge_mode": self.merge_mode}
        if self._num_constants is not None:
            config["num_constants"] = self._num_constants
        base_config = super().get_config()
        return dict(list(base_config.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # newer Keras stores an explicitly given backward layer
        return _deserialize_with_constants(cls, config, "layer", custom_objects,
                                           optional_inner_keys=("backward_layer",))
