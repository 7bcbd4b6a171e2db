"""Recurrent cells: SimpleRNNCell, GRUCell, LSTMCell and StackedRNNCells.

A cell processes one time step: `call(inputs, states) -> (output, new_states)`, with
`state_size` an int (one state) or a tuple (one int per state). `keras.layers.RNN`
runs a cell over a sequence.
"""
import numpy as np

from keralite import backend as K
from keralite import activations, initializers, regularizers, constraints
from keralite.engine.base_layer import Layer
from keralite.utils.generic_utils import has_arg


def _generate_dropout_mask(ones, rate, training=None, count=1):
    """One dropout mask (or `count` masks) shaped like `ones`, applied only in training."""
    def dropped_inputs():
        return K.dropout(ones, rate)

    if count > 1:
        return [K.in_train_phase(dropped_inputs, ones, training=training) for _ in range(count)]
    return K.in_train_phase(dropped_inputs, ones, training=training)


def _merged_config(base, config):
    return dict(list(base.items()) + list(config.items()))


def _set_weight_options(layer, kernel_initializer, recurrent_initializer, bias_initializer, kernel_regularizer,
                        recurrent_regularizer, bias_regularizer, kernel_constraint, recurrent_constraint,
                        bias_constraint):
    """The initializers, regularizers and constraints of a kernel, a recurrent kernel and a
    bias (the cells here, ConvLSTM2DCell and the CuDNN layers)."""
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.recurrent_initializer = initializers.get(recurrent_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.recurrent_regularizer = regularizers.get(recurrent_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.recurrent_constraint = constraints.get(recurrent_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)


def _weight_options_config(layer):
    """The config entries of what `_set_weight_options` sets, in Keras' order."""
    return {
        "kernel_initializer": initializers.serialize(layer.kernel_initializer),
        "recurrent_initializer": initializers.serialize(layer.recurrent_initializer),
        "bias_initializer": initializers.serialize(layer.bias_initializer),
        "kernel_regularizer": regularizers.serialize(layer.kernel_regularizer),
        "recurrent_regularizer": regularizers.serialize(layer.recurrent_regularizer),
        "bias_regularizer": regularizers.serialize(layer.bias_regularizer),
        "kernel_constraint": constraints.serialize(layer.kernel_constraint),
        "recurrent_constraint": constraints.serialize(layer.recurrent_constraint),
        "bias_constraint": constraints.serialize(layer.bias_constraint),
    }


def _add_kernels(layer, kernel_shape, recurrent_kernel_shape):
    """Create `layer.kernel` and `layer.recurrent_kernel` (in that order, as saved files expect)."""
    layer.kernel = layer.add_weight(shape=kernel_shape, name="kernel", initializer=layer.kernel_initializer,
                                    regularizer=layer.kernel_regularizer, constraint=layer.kernel_constraint)
    layer.recurrent_kernel = layer.add_weight(shape=recurrent_kernel_shape, name="recurrent_kernel",
                                              initializer=layer.recurrent_initializer,
                                              regularizer=layer.recurrent_regularizer,
                                              constraint=layer.recurrent_constraint)


class _DropoutCell(Layer):
    """The shared parts of the built-in cells: dropout masks created at the first step
    and reused at every step of a sequence (reset by the RNN before each call)."""

    _mask_count = 1

    def _init_dropout(self, dropout, recurrent_dropout):
        self.dropout = min(1., max(0., dropout))
        self.recurrent_dropout = min(1., max(0., recurrent_dropout))
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    def reset_dropout_mask(self):
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    def _masks(self, inputs, previous_output, training):
        if 0 < self.dropout < 1 and self._dropout_mask is None:
            self._dropout_mask = _generate_dropout_mask(K.ones_like(inputs), self.dropout, training=training,
                                                        count=self._mask_count)
        if 0 < self.recurrent_dropout < 1 and self._recurrent_dropout_mask is None:
            self._recurrent_dropout_mask = _generate_dropout_mask(K.ones_like(previous_output),
                                                                  self.recurrent_dropout, training=training,
                                                                  count=self._mask_count)
        return self._dropout_mask, self._recurrent_dropout_mask

    def _mark_learning_phase(self, output, training):
        if 0 < self.dropout + self.recurrent_dropout and training is None:
            output._uses_learning_phase = True

    def _common_config(self):
        config = {"units": self.units, "activation": activations.serialize(self.activation), "use_bias": self.use_bias}
        config.update(_weight_options_config(self))
        config.update({"dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout})
        return config

    def _init_common(self, activation, use_bias, kernel_initializer, recurrent_initializer,
                     bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                     kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout):
        """The arguments all the cells share but the size (`units`, or ConvLSTM2DCell's `filters`)."""
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        _set_weight_options(self, kernel_initializer, recurrent_initializer, bias_initializer, kernel_regularizer,
                            recurrent_regularizer, bias_regularizer, kernel_constraint, recurrent_constraint,
                            bias_constraint)
        self._init_dropout(dropout, recurrent_dropout)

    def _build_kernels(self, input_dim, gates):
        _add_kernels(self, (input_dim, gates * self.units), (self.units, gates * self.units))

    def _add_bias(self, shape, initializer=None):
        if not self.use_bias:
            self.bias = None
            return
        self.bias = self.add_weight(shape=shape, name="bias", initializer=initializer or self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint)


class SimpleRNNCell(_DropoutCell):
    """Cell class for SimpleRNN: `h_t = activation(x_t W + h_{t-1} U + b)`.

    # Arguments
        units: Positive integer, dimensionality of the output space.
        activation: Activation function to use (default: hyperbolic tangent).
        use_bias: Boolean, whether the layer uses a bias vector.
        kernel_initializer: Initializer for the `kernel` weights matrix (inputs).
        recurrent_initializer: Initializer for the `recurrent_kernel` weights matrix.
        bias_initializer: Initializer for the bias vector.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: Regularizer
            functions applied to the kernel, the recurrent kernel and the bias.
        kernel_constraint, recurrent_constraint, bias_constraint: Constraint
            functions applied to the same weights.
        dropout: Float between 0 and 1. Fraction of the units to drop for the
            linear transformation of the inputs.
        recurrent_dropout: Float between 0 and 1. Fraction of the units to drop
            for the linear transformation of the recurrent state.
    """

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0., recurrent_dropout=0., **kwargs):
        super().__init__(**kwargs)
        self._init_common(activation, use_bias, kernel_initializer, recurrent_initializer,
                          bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                          kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout)
        self.units = units
        self.state_size = self.units

    def build(self, input_shape):
        self._build_kernels(input_shape[-1], 1)
        self._add_bias((self.units,))
        self.built = True

    def call(self, inputs, states, training=None):
        prev_output = states[0]
        dp_mask, rec_dp_mask = self._masks(inputs, prev_output, training)
        h = K.dot(inputs * dp_mask if dp_mask is not None else inputs, self.kernel)
        if self.bias is not None:
            h = K.bias_add(h, self.bias)
        if rec_dp_mask is not None:
            prev_output = prev_output * rec_dp_mask
        output = h + K.dot(prev_output, self.recurrent_kernel)
        if self.activation is not None:
            output = self.activation(output)
        self._mark_learning_phase(output, training)
        return output, [output]

    def get_config(self):
        return _merged_config(super().get_config(), self._common_config())


class GRUCell(_DropoutCell):
    """Cell class for the GRU layer (Cho et al. 2014).

    Gates are ordered z (update), r (reset), h (candidate) in the kernels.

    # Arguments
        units: Positive integer, dimensionality of the output space.
        activation: Activation function to use (default: hyperbolic tangent).
        recurrent_activation: Activation function for the recurrent step
            (default: hard sigmoid).
        use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint, dropout,
        recurrent_dropout: as for `SimpleRNNCell`.
        implementation: Implementation mode, 1 (many small matrix products) or 2
            (fewer, larger ones). Both compute the same values.
        reset_after: GRU convention (whether to apply the reset gate after or
            before the matrix multiplication). False = "before" (default),
            True = "after" (CuDNN compatible; the bias then has shape (2, 3 * units)).
    """

    _mask_count = 3

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.,
                 recurrent_dropout=0., implementation=1, reset_after=False, **kwargs):
        super().__init__(**kwargs)
        self._init_common(activation, use_bias, kernel_initializer, recurrent_initializer,
                          bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                          kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.implementation = implementation
        self.reset_after = reset_after
        self.units = units
        self.state_size = self.units

    def build(self, input_shape):
        self._build_kernels(input_shape[-1], 3)
        self._add_bias((3 * self.units,) if not self.reset_after else (2, 3 * self.units))
        self.built = True

    def _biases(self):
        """(input bias, recurrent bias) as (3 * units,) tensors; None when absent."""
        if not self.use_bias:
            return None, None
        if not self.reset_after:
            return self.bias, None
        return self.bias[0], self.bias[1]

    def call(self, inputs, states, training=None):
        h_tm1 = states[0]
        units = self.units
        dp_mask, rec_dp_mask = self._masks(inputs, h_tm1, training)
        input_bias, recurrent_bias = self._biases()
        if self.implementation == 1:
            x_inputs = [inputs * dp_mask[k] for k in range(3)] if dp_mask is not None else [inputs] * 3
            h_inputs = [h_tm1 * rec_dp_mask[k] for k in range(3)] if rec_dp_mask is not None else [h_tm1] * 3
            x_z, x_r, x_h = [K.dot(x_inputs[k], self.kernel[:, k * units:(k + 1) * units]) for k in range(3)]
            if input_bias is not None:
                x_z = K.bias_add(x_z, input_bias[:units])
                x_r = K.bias_add(x_r, input_bias[units:2 * units])
                x_h = K.bias_add(x_h, input_bias[2 * units:])
            recurrent_z = K.dot(h_inputs[0], self.recurrent_kernel[:, :units])
            recurrent_r = K.dot(h_inputs[1], self.recurrent_kernel[:, units:2 * units])
            if recurrent_bias is not None:
                recurrent_z = K.bias_add(recurrent_z, recurrent_bias[:units])
                recurrent_r = K.bias_add(recurrent_r, recurrent_bias[units:2 * units])
            z = self.recurrent_activation(x_z + recurrent_z)
            r = self.recurrent_activation(x_r + recurrent_r)
            if self.reset_after:
                recurrent_h = K.dot(h_inputs[2], self.recurrent_kernel[:, 2 * units:])
                if recurrent_bias is not None:
                    recurrent_h = K.bias_add(recurrent_h, recurrent_bias[2 * units:])
                recurrent_h = r * recurrent_h
            else:
                recurrent_h = K.dot(r * h_inputs[2], self.recurrent_kernel[:, 2 * units:])
            hh = self.activation(x_h + recurrent_h)
        else:
            if dp_mask is not None:
                inputs = inputs * dp_mask[0]
            matrix_x = K.dot(inputs, self.kernel)
            if input_bias is not None:
                matrix_x = K.bias_add(matrix_x, input_bias)
            x_z, x_r, x_h = matrix_x[:, :units], matrix_x[:, units:2 * units], matrix_x[:, 2 * units:]
            if rec_dp_mask is not None:
                # as Keras: the dropped-out state also enters the final interpolation
                h_tm1 = h_tm1 * rec_dp_mask[0]
            if self.reset_after:
                matrix_inner = K.dot(h_tm1, self.recurrent_kernel)
                if recurrent_bias is not None:
                    matrix_inner = K.bias_add(matrix_inner, recurrent_bias)
            else:
                matrix_inner = K.dot(h_tm1, self.recurrent_kernel[:, :2 * units])
            z = self.recurrent_activation(x_z + matrix_inner[:, :units])
            r = self.recurrent_activation(x_r + matrix_inner[:, units:2 * units])
            if self.reset_after:
                recurrent_h = r * matrix_inner[:, 2 * units:]
            else:
                recurrent_h = K.dot(r * h_tm1, self.recurrent_kernel[:, 2 * units:])
            hh = self.activation(x_h + recurrent_h)
        h = z * h_tm1 + (1 - z) * hh
        self._mark_learning_phase(h, training)
        return h, [h]

    def get_config(self):
        config = self._common_config()
        config.update({"recurrent_activation": activations.serialize(self.recurrent_activation),
                       "implementation": self.implementation, "reset_after": self.reset_after})
        return _merged_config(super().get_config(), config)


class _UnitForgetBias:
    """The LSTM bias initializer with `unit_forget_bias`: ones for the forget gate."""

    def __init__(self, bias_initializer, units):
        self.bias_initializer = bias_initializer
        self.units = units

    def __call__(self, shape, dtype=None):
        units = self.units
        parts = [self.bias_initializer((units,)), np.ones((units,)), self.bias_initializer((2 * units,))]
        return np.concatenate([np.asarray(K.eval(p) if K.is_tensor(p) else p, dtype="float64") for p in parts])


class LSTMCell(_DropoutCell):
    """Cell class for the LSTM layer (Hochreiter 1997); states are [h, c].

    Gates are ordered i (input), f (forget), c (cell), o (output) in the kernels.

    # Arguments
        units: Positive integer, dimensionality of the output space.
        activation: Activation function to use (default: hyperbolic tangent).
        recurrent_activation: Activation function for the recurrent step
            (default: hard sigmoid).
        unit_forget_bias: Boolean. If True, add 1 to the bias of the forget gate at
            initialization (and use `bias_initializer="zeros"` for the rest).
        use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
        kernel_regularizer, recurrent_regularizer, bias_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint, dropout,
        recurrent_dropout: as for `SimpleRNNCell`.
        implementation: Implementation mode, either 1 or 2 (same values).
    """

    _mask_count = 4

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.,
                 recurrent_dropout=0., implementation=1, **kwargs):
        super().__init__(**kwargs)
        self._init_common(activation, use_bias, kernel_initializer, recurrent_initializer,
                          bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                          kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.implementation = implementation
        self.units = units
        self.state_size = (self.units, self.units)

    def build(self, input_shape):
        self._build_kernels(input_shape[-1], 4)
        initializer = _UnitForgetBias(self.bias_initializer, self.units) if self.unit_forget_bias else None
        self._add_bias((4 * self.units,), initializer)
        self.built = True

    def call(self, inputs, states, training=None):
        h_tm1, c_tm1 = states[0], states[1]
        units = self.units
        dp_mask, rec_dp_mask = self._masks(inputs, h_tm1, training)
        if self.implementation == 1:
            x_inputs = [inputs * dp_mask[k] for k in range(4)] if dp_mask is not None else [inputs] * 4
            h_inputs = [h_tm1 * rec_dp_mask[k] for k in range(4)] if rec_dp_mask is not None else [h_tm1] * 4
            gates = []
            for k in range(4):
                x_k = K.dot(x_inputs[k], self.kernel[:, k * units:(k + 1) * units])
                if self.use_bias:
                    x_k = K.bias_add(x_k, self.bias[k * units:(k + 1) * units])
                gates.append(x_k + K.dot(h_inputs[k], self.recurrent_kernel[:, k * units:(k + 1) * units]))
            i = self.recurrent_activation(gates[0])
            f = self.recurrent_activation(gates[1])
            c = f * c_tm1 + i * self.activation(gates[2])
            o = self.recurrent_activation(gates[3])
        else:
            if dp_mask is not None:
                inputs = inputs * dp_mask[0]
            z = K.dot(inputs, self.kernel)
            if rec_dp_mask is not None:
                h_tm1 = h_tm1 * rec_dp_mask[0]
            z = z + K.dot(h_tm1, self.recurrent_kernel)
            if self.use_bias:
                z = K.bias_add(z, self.bias)
            i = self.recurrent_activation(z[:, :units])
            f = self.recurrent_activation(z[:, units:2 * units])
            c = f * c_tm1 + i * self.activation(z[:, 2 * units:3 * units])
            o = self.recurrent_activation(z[:, 3 * units:])
        h = o * self.activation(c)
        self._mark_learning_phase(h, training)
        return h, [h, c]

    def get_config(self):
        config = self._common_config()
        config.update({"recurrent_activation": activations.serialize(self.recurrent_activation),
                       "unit_forget_bias": self.unit_forget_bias, "implementation": self.implementation})
        return _merged_config(super().get_config(), config)


def _state_sizes(cell):
    """A cell's state sizes as a list (an int `state_size` is one state)."""
    if hasattr(cell.state_size, "__len__"):
        return list(cell.state_size)
    return [cell.state_size]


class StackedRNNCells(Layer):
    """Wrapper allowing a stack of RNN cells to behave as a single cell.

    The states are a flat list in reverse order of the stack, so that
    `state_size[0]` is the output size (a 2-layer LSTM has states `[h2, c2, h1, c1]`).

    # Arguments
        cells: List of RNN cell instances, the first one reading the input.

    # Raises
        ValueError: when a cell lacks a `call` method or a `state_size`, since the
            RNN loop needs both.
    """

    def __init__(self, cells, **kwargs):
        for cell in cells:
            if not hasattr(cell, "call"):
                raise ValueError("All cells must have a `call` method. received cells:", cells)
            if not hasattr(cell, "state_size"):
                raise ValueError("All cells must have a `state_size` attribute. received cells:", cells)
        self.cells = cells
        super().__init__(**kwargs)

    @property
    def state_size(self):
        state_size = []
        for cell in self.cells[::-1]:
            state_size += _state_sizes(cell)
        return tuple(state_size)

    def call(self, inputs, states, constants=None, **kwargs):
        nested_states = []
        for cell in self.cells[::-1]:
            count = len(_state_sizes(cell))
            nested_states.append(list(states[:count]))
            states = states[count:]
        nested_states = nested_states[::-1]
        new_nested_states = []
        for cell, cell_states in zip(self.cells, nested_states):
            cell_kwargs = {k: v for k, v in kwargs.items() if has_arg(cell.call, k)}
            if has_arg(cell.call, "constants"):
                inputs, cell_states = cell.call(inputs, cell_states, constants=constants, **cell_kwargs)
            else:
                inputs, cell_states = cell.call(inputs, cell_states, **cell_kwargs)
            new_nested_states.append(cell_states)
        states = []
        for cell_states in new_nested_states[::-1]:
            states += list(cell_states)
        return inputs, states

    def build(self, input_shape):
        constants_shape = None
        if isinstance(input_shape, list):
            constants_shape = input_shape[1:]
            input_shape = input_shape[0]
        for cell in self.cells:
            if isinstance(cell, Layer):
                if constants_shape is not None and has_arg(cell.call, "constants"):
                    cell.build([input_shape] + constants_shape)
                else:
                    cell.build(input_shape)
                cell.built = True
            input_shape = (input_shape[0], _state_sizes(cell)[0])
        self.built = True

    def reset_dropout_mask(self):
        for cell in self.cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()

    def get_config(self):
        cells = [{"class_name": cell.__class__.__name__, "config": cell.get_config()} for cell in self.cells]
        return _merged_config(super().get_config(), {"cells": cells})

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize as deserialize_layer
        config = dict(config)
        cells = [deserialize_layer(cell_config, custom_objects=custom_objects) for cell_config in config.pop("cells")]
        return cls(cells, **config)

    def _from_cells(self, get):
        """`get(cell)` concatenated over the cells that are layers."""
        collected = []
        for cell in self.cells:
            if isinstance(cell, Layer):
                collected += get(cell)
        return collected

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return self._from_cells(lambda cell: cell.trainable_weights)

    @property
    def non_trainable_weights(self):
        weights = self._from_cells(lambda cell: cell.non_trainable_weights)
        if not self.trainable:
            return self._from_cells(lambda cell: cell.trainable_weights) + weights
        return weights

    @property
    def losses(self):
        return self._from_cells(lambda cell: cell.losses) + self._losses

    def get_losses_for(self, inputs=None):
        return self._from_cells(lambda cell: cell.get_losses_for(inputs)) + super().get_losses_for(inputs)
