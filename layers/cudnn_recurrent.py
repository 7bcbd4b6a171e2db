"""CuDNNGRU and CuDNNLSTM, computed on the CPU with cuDNN's equations and Keras' weight
layout, and the weight conversions Keras applies when a file saved by one recurrent
class loads into another (CuDNN <-> plain layouts, Keras 1 per-gate weights).

Keras hands cuDNN each gate's kernel slice (input_dim, units) flattened in C order and
cuDNN reads it as a (units, input_dim) matrix W, computing W @ x: the plain kernel that
gives the same result is `slice.reshape(units, input_dim).T`, and the recurrent one is
`slice.T`. CuDNNLSTM keeps separate input and recurrent biases (8 * units), CuDNNGRU
too (6 * units), the GRU applying its reset gate after the recurrent product
(GRU(reset_after=True)).
"""
import numpy as np

from keralite import backend as K
from keralite import regularizers
from keralite.engine.base_layer import InputSpec, Layer

from .recurrent import RNN
from .recurrent_cells import _add_kernels, _set_weight_options, _weight_options_config


# ------------------------------------------------------------------ weight conversions
def _transform_kernels(kernels, func, n_gates):
    return np.hstack([func(k) for k in np.hsplit(kernels, n_gates)])


def _transpose_input(from_cudnn):
    """The per-gate input-kernel reshuffle between the CuDNN and plain layouts."""
    order = "F" if from_cudnn else "C"

    def transform(kernel):
        return kernel.T.reshape(kernel.shape, order=order)
    return transform


def _convert_kernels(weights, n_gates, from_cudnn):
    kernels = _transform_kernels(weights[0], _transpose_input(from_cudnn), n_gates)
    recurrent_kernels = _transform_kernels(weights[1], lambda k: k.T, n_gates)
    return kernels, recurrent_kernels


def _convert_lstm_weights(target_class, weights):
    units = weights[1].shape[0]
    bias_shape = weights[2].shape
    n_gates = 4
    if bias_shape == (2 * units * n_gates,):
        source = "CuDNNLSTM"
    elif bias_shape == (units * n_gates,):
        source = "LSTM"
    else:
        raise ValueError("Invalid bias shape: " + str(bias_shape))
    if source == target_class:
        return weights
    from_cudnn = source == "CuDNNLSTM"
    kernels, recurrent_kernels = _convert_kernels(weights, n_gates, from_cudnn)
    if from_cudnn:
        # one bias: the sum of the input and recurrent biases
        biases = np.sum(np.split(weights[2], 2, axis=0), axis=0)
    else:
        # two biases whose sum is the single one
        biases = np.tile(0.5 * weights[2], 2)
    return [kernels, recurrent_kernels, biases]


def _convert_gru_weights(layer, target_class, weights):
    units = weights[1].shape[0]
    bias_shape = weights[2].shape
    n_gates = 3
    if bias_shape == (2 * units * n_gates,):
        source = "CuDNNGRU"
    elif bias_shape == (2, units * n_gates):
        source = "GRU(reset_after=True)"
    elif bias_shape == (units * n_gates,):
        source = "GRU(reset_after=False)"
    else:
        raise ValueError("Invalid bias shape: " + str(bias_shape))
    if target_class == "CuDNNGRU":
        target = "CuDNNGRU"
    elif layer.reset_after:
        target = "GRU(reset_after=True)"
    else:
        target = "GRU(reset_after=False)"
    if source == target:
        return weights
    if "GRU(reset_after=False)" in (source, target):
        raise ValueError("%s is not compatible with %s" % (source, target))
    from_cudnn = source == "CuDNNGRU"
    kernels, recurrent_kernels = _convert_kernels(weights, n_gates, from_cudnn)
    biases = np.array(weights[2]).reshape((2, -1) if from_cudnn else -1)
    return [kernels, recurrent_kernels, biases]


def _convert_keras1_weights(target_class, weights):
    """Keras 1 stored W, U, b per gate: LSTM (i, c, f, o), GRU (z, r, h), SimpleRNN one set."""
    if target_class == "LSTM" and len(weights) == 12:
        gates = [weights[k:k + 3] for k in range(0, 12, 3)]
        i, c, f, o = gates
        order = [i, f, c, o]
    elif target_class == "GRU" and len(weights) == 9:
        order = [weights[k:k + 3] for k in range(0, 9, 3)]
    else:
        return weights
    return [np.concatenate([gate[part] for gate in order], axis=-1) for part in range(3)]


def _target_class(layer):
    for name in ("CuDNNLSTM", "CuDNNGRU", "LSTM", "GRU"):
        if any(cls.__name__ == name for cls in type(layer).__mro__):
            return name
    return type(layer).__name__


def convert_recurrent_weights(layer, weights, original_keras_version=None):
    """Stored weights of a recurrent layer, adapted to `layer`'s class and layout."""
    target_class = _target_class(layer)
    weights = list(weights)
    if original_keras_version == "1":
        weights = _convert_keras1_weights(target_class, weights)
    if target_class in ("LSTM", "CuDNNLSTM") and len(weights) == 3:
        weights = _convert_lstm_weights(target_class, weights)
    if target_class in ("GRU", "CuDNNGRU") and len(weights) == 3:
        weights = _convert_gru_weights(layer, target_class, weights)
    return weights


# ------------------------------------------------------------------ the layers
class _CuDNNCell:
    """The cell a CuDNN layer hands to `RNN.call`: its step is the layer's own."""

    def __init__(self, layer, state_size):
        self.layer = layer
        self.state_size = state_size

    def call(self, inputs, states):
        return self.layer._step(inputs, states)


class _CuDNNRNN(RNN):
    """Shared parts of the CuDNN layers: weights on the layer itself, no masking."""

    def __init__(self, return_sequences=False, return_state=False, go_backwards=False, stateful=False, **kwargs):
        kwargs.pop("time_major", None)
        super().__init__(_CuDNNCell(self, self._state_size()), return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards, stateful=stateful, **kwargs)
        self.supports_masking = False

    def _build_weights(self, input_dim, n_gates, bias_initializer):
        _add_kernels(self, (input_dim, n_gates * self.units), (self.units, n_gates * self.units))
        self.bias = self.add_weight(shape=(2 * n_gates * self.units,), name="bias", initializer=bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def build(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        batch_size = input_shape[0] if self.stateful else None
        self.input_dim = input_shape[-1]
        self.input_spec[0] = InputSpec(shape=(batch_size, None, self.input_dim))
        self._build_cudnn_weights(self.input_dim)
        if self.state_spec is None:
            self.state_spec = [InputSpec(shape=(None, dim)) for dim in self._state_sizes()]
        if self.stateful:
            self.reset_states()
        self.built = True

    def _state_sizes(self):
        size = self._state_size()
        return list(size) if isinstance(size, tuple) else [size]

    def _input_gate(self, inputs, gate):
        """x @ the plain equivalent of gate `gate`'s kernel slice (cuDNN reads it as W (units, input_dim))."""
        units = self.units
        kernel = self.kernel[:, gate * units:(gate + 1) * units]
        return K.dot(inputs, K.transpose(K.reshape(kernel, (units, self.input_dim))))

    def _recurrent_gate(self, h, gate):
        units = self.units
        return K.dot(h, K.transpose(self.recurrent_kernel[:, gate * units:(gate + 1) * units]))

    def _bias(self, index):
        return self.bias[index * self.units:(index + 1) * self.units]

    def call(self, inputs, mask=None, training=None, initial_state=None):
        # cuDNN runs whole sequences: masks are not applied (as in Keras)
        return super().call(inputs, mask=None, training=training, initial_state=initial_state)

    def compute_mask(self, inputs, mask=None):
        return super().compute_mask(inputs, None)

    # the weights and losses are the layer's own (RNN forwards them to its cell): Layer's
    trainable_weights = Layer.trainable_weights
    non_trainable_weights = Layer.non_trainable_weights
    losses = Layer.losses
    get_losses_for = Layer.get_losses_for

    def _common_config(self):
        # in Keras' order: the activity regularizer follows the other regularizers
        options = list(_weight_options_config(self).items())
        config = dict([("units", self.units)] + options[:6] +
                      [("activity_regularizer", regularizers.serialize(self.activity_regularizer))] + options[6:])
        base = {"return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful}
        base.update(Layer.get_config(self))
        return dict(list(base.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _set_common(self, units, kernel_initializer, recurrent_initializer, bias_initializer, kernel_regularizer,
                    recurrent_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
                    recurrent_constraint, bias_constraint):
        self.units = units
        _set_weight_options(self, kernel_initializer, recurrent_initializer, bias_initializer, kernel_regularizer,
                            recurrent_regularizer, bias_regularizer, kernel_constraint, recurrent_constraint,
                            bias_constraint)
        self.activity_regularizer = regularizers.get(activity_regularizer)


class CuDNNGRU(_CuDNNRNN):
    """Fast GRU implementation backed by cuDNN in Keras; here its equations on the CPU.

    Equivalent to `GRU(reset_after=True, recurrent_activation="sigmoid")` with the
    weights converted (loading a file into the other class converts them).

    # Arguments
        units: Positive integer, dimensionality of the output space.
        kernel_initializer, recurrent_initializer, bias_initializer: Initializers
            of the kernel, the recurrent kernel and the (6 * units) bias.
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
        activity_regularizer: Regularizer functions.
        kernel_constraint, recurrent_constraint, bias_constraint: Constraint functions.
        return_sequences, return_state, stateful: see `RNN`.
    """

    def __init__(self, units, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, return_sequences=False, return_state=False, stateful=False, **kwargs):
        self.units = units
        super().__init__(return_sequences=return_sequences, return_state=return_state, stateful=stateful, **kwargs)
        self._set_common(units, kernel_initializer, recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint)

    def _state_size(self):
        return self.units

    def _build_cudnn_weights(self, input_dim):
        self._build_weights(input_dim, 3, self.bias_initializer)

    def _step(self, inputs, states):
        h_tm1 = states[0]
        # gates z (0), r (1), h (2); input biases 0-2, recurrent biases 3-5
        z = K.sigmoid(self._input_gate(inputs, 0) + self._bias(0) + self._recurrent_gate(h_tm1, 0) + self._bias(3))
        r = K.sigmoid(self._input_gate(inputs, 1) + self._bias(1) + self._recurrent_gate(h_tm1, 1) + self._bias(4))
        hh = K.tanh(self._input_gate(inputs, 2) + self._bias(2) + r * (self._recurrent_gate(h_tm1, 2) + self._bias(5)))
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]

    def get_config(self):
        return self._common_config()

    def _convert_loaded_weights(self, weights, original_keras_version=None, original_backend=None):
        return convert_recurrent_weights(self, weights, original_keras_version)


class CuDNNLSTM(_CuDNNRNN):
    """Fast LSTM implementation backed by cuDNN in Keras; here its equations on the CPU.

    Equivalent to `LSTM(recurrent_activation="sigmoid")` with the weights converted
    (the two bias vectors summed; loading a file into the other class converts them).

    # Arguments
        units: Positive integer, dimensionality of the output space.
        kernel_initializer, recurrent_initializer, bias_initializer: Initializers
            of the kernel, the recurrent kernel and the (8 * units) bias.
        unit_forget_bias: Boolean. If True, add 1 to the (recurrent) bias of the
            forget gate at initialization.
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
        activity_regularizer: Regularizer functions.
        kernel_constraint, recurrent_constraint, bias_constraint: Constraint functions.
        return_sequences, return_state, stateful: see `RNN`.
    """

    def __init__(self, units, kernel_initializer="glorot_uniform", unit_forget_bias=True,
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, return_sequences=False,
                 return_state=False, stateful=False, **kwargs):
        self.units = units
        super().__init__(return_sequences=return_sequences, return_state=return_state, stateful=stateful, **kwargs)
        self._set_common(units, kernel_initializer, recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint)
        self.unit_forget_bias = unit_forget_bias

    def _state_size(self):
        return (self.units, self.units)

    def _build_cudnn_weights(self, input_dim):
        bias_initializer = self.bias_initializer
        if self.unit_forget_bias:
            units, base = self.units, self.bias_initializer

            def bias_initializer(shape, dtype=None):
                parts = [base((units * 5,)), np.ones((units,)), base((units * 2,))]
                return np.concatenate([np.asarray(K.eval(p) if K.is_tensor(p) else p, "float64") for p in parts])
        self._build_weights(input_dim, 4, bias_initializer)

    def _step(self, inputs, states):
        h_tm1, c_tm1 = states[0], states[1]

        def gate(index):
            # gates i (0), f (1), c (2), o (3); recurrent biases follow the 4 input biases
            return (self._input_gate(inputs, index) + self._bias(index) +
                    self._recurrent_gate(h_tm1, index) + self._bias(4 + index))
        i = K.sigmoid(gate(0))
        f = K.sigmoid(gate(1))
        c = f * c_tm1 + i * K.tanh(gate(2))
        o = K.sigmoid(gate(3))
        h = o * K.tanh(c)
        return h, [h, c]

    def get_config(self):
        config = self._common_config()
        config["unit_forget_bias"] = self.unit_forget_bias
        return config

    def _convert_loaded_weights(self, weights, original_keras_version=None, original_backend=None):
        return convert_recurrent_weights(self, weights, original_keras_version)


__all__ = ["CuDNNGRU", "CuDNNLSTM"]
