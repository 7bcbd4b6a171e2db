"""K.rnn and the recurrent layers against numpy reference steps (recurrent_reference.py):
SimpleRNN, GRU (reset_after both ways), LSTM in both implementations, go_backwards,
masks from Embedding and Masking, stateful layers across batches, return_state and
initial_state, dropout masks that stay the same at every step, StackedRNNCells, a
custom cell (with constants), configs, Keras 1 argument names and gradients against
finite differences."""
import re
import warnings

import numpy as np
import pytest

from keralite import backend as K
from keralite import regularizers
from keralite.layers import (RNN, SimpleRNN, GRU, LSTM, SimpleRNNCell, GRUCell, LSTMCell, StackedRNNCells,
                             Embedding, Masking, Input, Dense, Layer)
from keralite.layers.recurrent import _generate_dropout_mask, _standardize_args, Recurrent  # noqa: F401
from keralite.models import Model, Sequential
from keralite.utils.test_utils import layer_test

from recurrent_reference import gru_step, lstm_step, run, simple_rnn_step

RNG = np.random.RandomState(11)


def data(*shape, scale=1.0):
    return RNG.uniform(-scale, scale, size=shape).astype("float32")


def random_weights(layer):
    """Give a built layer random weights (biases too) and return them."""
    weights = [data(*w.shape, scale=0.8) for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


# ================================================================== K.rnn
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("mask_kind", [None, "bool", "float"])
def test_k_rnn_against_numpy(go_backwards, mask_kind):
    """An accumulating step with two states and a constant; outputs in iteration order."""
    def k_step(x, states):
        h, total, scale = states
        new_h = K.tanh(x * scale + h)
        return new_h * 2.0, [new_h, total + x]

    def np_step(x, states):
        h, total = states
        new_h = np.tanh(x * scale_value + h)
        return new_h * 2.0, [new_h, total + x]

    x_value = data(3, 5, 2)
    scale_value = data(1, 2)
    mask_value = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 0, 0, 0, 1]])
    x = K.placeholder((None, 5, 2))
    scale = K.placeholder((1, 2))
    states = [K.zeros_like(x[:, 0]), K.zeros_like(x[:, 0])]
    feeds = [x_value, scale_value]
    inputs = [x, scale]
    mask = None
    if mask_kind is not None:
        mask = K.placeholder((None, 5), dtype="bool" if mask_kind == "bool" else "float32")
        inputs.append(mask)
        feeds.append(mask_value.astype(bool) if mask_kind == "bool" else mask_value.astype("float32"))
    last, outputs, new_states = K.rnn(k_step, x, states, go_backwards=go_backwards, mask=mask, constants=[scale])
    assert K.int_shape(outputs) == (None, 5, 2) and len(new_states) == 2
    got = K.function(inputs, [last, outputs] + new_states)(feeds)
    zeros = np.zeros((3, 2), "float32")
    want_last, want_outputs, want_states = run(np_step, x_value, [zeros, zeros],
                                               None if mask_kind is None else mask_value, go_backwards)
    for g, w in zip(got, [want_last, want_outputs] + want_states):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_k_rnn_unroll_and_errors():
    x = K.placeholder((None, 3, 2))

    def step(x_t, states):
        return x_t + states[0], [x_t + states[0]]
    last, outputs, _ = K.rnn(step, x, [K.zeros_like(x[:, 0])], unroll=True)
    x_value = data(2, 3, 2)
    got_last, got_outputs = K.function([x], [last, outputs])([x_value])
    np.testing.assert_allclose(got_outputs, np.cumsum(x_value, axis=1), rtol=1e-6)
    np.testing.assert_allclose(got_last, x_value.sum(axis=1), rtol=1e-6)
    unknown = K.placeholder((None, None, 2))
    # a native loop: one compile, any time length
    last, outputs, _ = K.rnn(step, unknown, [K.zeros_like(unknown[:, 0])])
    f = K.function([unknown], [last, outputs])
    for steps in (3, 5, 1):
        x_value = data(2, steps, 2)
        got_last, got_outputs = f([x_value])
        np.testing.assert_allclose(got_outputs, np.cumsum(x_value, axis=1), rtol=1e-6)
        np.testing.assert_allclose(got_last, x_value.sum(axis=1), rtol=1e-6)
    with pytest.raises(ValueError, match="Unrolling requires a fixed number of timesteps"):
        K.rnn(step, unknown, [K.zeros_like(unknown[:, 0])], unroll=True)
    with pytest.raises(ValueError, match="at least 3D"):
        K.rnn(step, K.placeholder((None, 2)), [])


# ================================================================== layers against numpy
def _reference(layer, weights, x, mask=None, initial=None):
    cell = layer.cell
    units = cell.units
    if isinstance(cell, LSTMCell):
        step = lstm_step(*weights, recurrent_activation=cell.recurrent_activation.__name__)
        states = [np.zeros((len(x), units), "float32")] * 2
    elif isinstance(cell, GRUCell):
        step = gru_step(*weights, reset_after=cell.reset_after,
                        recurrent_activation=cell.recurrent_activation.__name__)
        states = [np.zeros((len(x), units), "float32")]
    else:
        step = simple_rnn_step(*weights, activation=cell.activation.__name__)
        states = [np.zeros((len(x), units), "float32")]
    return run(step, x, initial or states, mask, layer.go_backwards)


LAYER_CASES = [
    pytest.param(SimpleRNN, {}, id="simple_rnn"),
    pytest.param(SimpleRNN, {"go_backwards": True, "return_sequences": True, "activation": "linear"},
                 id="simple_rnn_backwards_sequences"),
    pytest.param(GRU, {"implementation": 1}, id="gru_impl1"),
    pytest.param(GRU, {"implementation": 2, "return_sequences": True}, id="gru_impl2_sequences"),
    pytest.param(GRU, {"implementation": 1, "reset_after": True, "recurrent_activation": "sigmoid"},
                 id="gru_reset_after_impl1"),
    pytest.param(GRU, {"implementation": 2, "reset_after": True, "go_backwards": True, "unroll": True},
                 id="gru_reset_after_impl2_backwards"),
    pytest.param(LSTM, {"implementation": 1, "return_sequences": True}, id="lstm_impl1_sequences"),
    pytest.param(LSTM, {"implementation": 2, "go_backwards": True, "recurrent_activation": "sigmoid"},
                 id="lstm_impl2_backwards"),
]


@pytest.mark.parametrize("layer_class, kwargs", LAYER_CASES)
def test_layer_against_numpy(layer_class, kwargs):
    layer = layer_class(3, input_shape=(4, 2), **kwargs)
    model = Sequential([layer])
    weights = random_weights(layer)
    x = data(5, 4, 2)
    last, outputs, _ = _reference(layer, weights, x)
    want = outputs if layer.return_sequences else last
    np.testing.assert_allclose(model.predict(x), want, rtol=1e-4, atol=1e-5)
    assert model.output_shape == want.shape[:0] + (None,) + want.shape[1:]


def test_weight_shapes_and_unit_forget_bias():
    lstm = LSTM(3, bias_initializer="zeros")
    lstm.build((None, 4, 2))
    assert [w.shape for w in lstm.get_weights()] == [(2, 12), (3, 12), (12,)]
    np.testing.assert_array_equal(lstm.get_weights()[2], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    no_forget = LSTM(3, unit_forget_bias=False, bias_initializer="ones")
    no_forget.build((None, 4, 2))
    np.testing.assert_array_equal(no_forget.get_weights()[2], np.ones(12))
    gru = GRU(3, reset_after=True)
    gru.build((None, 4, 2))
    assert [w.shape for w in gru.get_weights()] == [(2, 9), (3, 9), (2, 9)]
    gru_before = GRU(3, use_bias=False)
    gru_before.build((None, 4, 2))
    assert [w.shape for w in gru_before.get_weights()] == [(2, 9), (3, 9)]
    rnn = SimpleRNN(5)
    rnn.build((None, 4, 2))
    assert [w.shape for w in rnn.get_weights()] == [(2, 5), (5, 5), (5,)]
    assert lstm.units == 3 and lstm.recurrent_activation.__name__ == "hard_sigmoid"
    assert lstm.kernel_initializer is lstm.cell.kernel_initializer


def test_layer_test_helper_on_gru():
    layer_test(GRU, kwargs={"units": 3, "return_sequences": True, "reset_after": True},
               input_shape=(2, 3, 4))


# ================================================================== masks
def test_embedding_mask_zero_into_lstm():
    tokens = np.array([[0, 0, 3, 1, 2], [4, 2, 0, 0, 0], [1, 2, 3, 4, 1]], "int32")
    embedding = Embedding(6, 2, mask_zero=True, input_length=5)
    lstm = LSTM(3, return_sequences=True)
    model = Sequential([embedding, lstm])
    table = random_weights(embedding)[0]
    weights = random_weights(lstm)
    _, want, _ = _reference(lstm, weights, table[tokens], mask=tokens != 0)
    np.testing.assert_allclose(model.predict(tokens), want, rtol=1e-4, atol=1e-5)
    assert model.layers[-1].output_mask is not None


def test_masking_into_gru_go_backwards():
    x = data(3, 5, 2)
    x[0, 3:] = 0.0
    x[2, :2] = 0.0
    mask = np.any(x != 0.0, axis=-1)
    inputs = Input((5, 2))
    gru = GRU(3, go_backwards=True, reset_after=True)
    model = Model(inputs, gru(Masking(0.0)(inputs)))
    weights = random_weights(gru)
    want, _, _ = _reference(gru, weights, x, mask=mask)
    np.testing.assert_allclose(model.predict(x), want, rtol=1e-4, atol=1e-5)


# ================================================================== states
def test_stateful_layer_carries_states_across_batches():
    layer = LSTM(3, stateful=True, batch_input_shape=(2, 4, 2))
    model = Sequential([layer])
    weights = random_weights(layer)
    first, second = data(2, 4, 2), data(2, 4, 2)
    want_first, _, states = _reference(layer, weights, first)
    want_second, _, _ = _reference(layer, weights, second, initial=states)
    np.testing.assert_allclose(model.predict(first, batch_size=2), want_first, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.predict(second, batch_size=2), want_second, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(K.get_value(layer.states[1]), _reference(layer, weights, second, initial=states)[2][1],
                               rtol=1e-4, atol=1e-5)
    model.reset_states()
    assert not np.any(K.get_value(layer.states[0]))
    np.testing.assert_allclose(model.predict(first, batch_size=2), want_first, rtol=1e-4, atol=1e-5)
    values = [data(2, 3), data(2, 3)]
    layer.reset_states(values)
    np.testing.assert_allclose(model.predict(second, batch_size=2),
                               _reference(layer, weights, second, initial=values)[0], rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=re.escape("State 0 is incompatible with layer " + layer.name +
                                                   ": expected shape=(2, 3), found shape=(3, 3)")):
        layer.reset_states([np.zeros((3, 3)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="expects 2 states, but it received 1 state values"):
        layer.reset_states([np.zeros((2, 3))])


def test_stateful_errors():
    with pytest.raises(AttributeError, match="Layer must be stateful."):
        SimpleRNN(2).reset_states()
    with pytest.raises(ValueError, match="If a RNN is stateful, it needs to know its batch size"):
        Sequential([SimpleRNN(2, stateful=True, input_shape=(3, 2))])


def test_return_state_and_functional_initial_state():
    encoder_inputs = Input((4, 2))
    decoder_inputs = Input((3, 2))
    encoder = LSTM(3, return_state=True)
    decoder = LSTM(3, return_sequences=True)
    encoded, h, c = encoder(encoder_inputs)
    decoded = decoder(decoder_inputs, initial_state=[h, c])
    model = Model([encoder_inputs, decoder_inputs], [decoded, encoded, h, c])
    assert encoder.compute_output_shape((None, 4, 2)) == [(None, 3), (None, 3), (None, 3)]
    encoder_weights = random_weights(encoder)
    decoder_weights = random_weights(decoder)
    x1, x2 = data(2, 4, 2), data(2, 3, 2)
    got = model.predict([x1, x2])
    want_encoded, _, states = _reference(encoder, encoder_weights, x1)
    _, want_decoded, _ = _reference(decoder, decoder_weights, x2, initial=states)
    for g, w in zip(got, [want_decoded, want_encoded] + states):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got[1], got[2], rtol=1e-6)
    # the model rebuilt from its config wires the states the same way
    rebuilt = Model.from_config(model.get_config(), custom_objects={})
    rebuilt.set_weights(model.get_weights())
    for g, w in zip(rebuilt.predict([x1, x2]), got):
        np.testing.assert_allclose(g, w, rtol=1e-5)


def test_initial_state_from_inputs_and_arrays():
    inputs = Input((3, 2))
    state = Input((4,))
    layer = SimpleRNN(4)
    model = Model([inputs, state], layer(inputs, initial_state=state))
    weights = random_weights(layer)
    x, s = data(2, 3, 2), data(2, 4)
    want = _reference(layer, weights, x, initial=[s])[0]
    np.testing.assert_allclose(model.predict([x, s]), want, rtol=1e-4, atol=1e-5)
    fixed = np.full((1, 4), 0.5, "float32")
    layer2 = SimpleRNN(4)
    model2 = Model(inputs, layer2(inputs, initial_state=[fixed]))
    weights2 = random_weights(layer2)
    np.testing.assert_allclose(model2.predict(x), _reference(layer2, weights2, x, initial=[fixed])[0],
                               rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="cannot be specified with a mix of Keras tensors and non-Keras"):
        LSTM(4)(inputs, initial_state=[state, K.zeros((2, 4))])
    with pytest.raises(ValueError, match="An `initial_state` was passed that is not compatible"):
        LSTM(3)(inputs, initial_state=[state, state])


def test_standardize_args():
    a, b, c = K.placeholder((None, 3, 2)), K.placeholder((None, 4)), K.placeholder((None, 5))
    assert _standardize_args([a, b, c], None, None, 1) == (a, [b], [c])
    assert _standardize_args(a, b, None, None) == (a, [b], None)
    assert _standardize_args([a], None, None, None) == (a, None, None)


# ================================================================== dropout
def _in_training(model_inputs, output):
    return K.function([model_inputs, K.learning_phase()], [output])


def test_dropout_mask_is_the_same_at_every_step():
    inputs = Input((5, 6))
    layer = SimpleRNN(6, dropout=0.5, activation="linear", return_sequences=True, kernel_initializer="identity",
                      recurrent_initializer="zeros")
    output = layer(inputs)
    assert output._uses_learning_phase
    run_fn = _in_training(inputs, output)
    ones = np.ones((4, 5, 6), "float32")
    trained = run_fn([ones, 1])[0]
    assert set(np.unique(trained)) <= {0.0, 2.0} and 0.0 in trained and 2.0 in trained
    for t in range(1, 5):
        np.testing.assert_array_equal(trained[:, t], trained[:, 0])
    np.testing.assert_array_equal(run_fn([ones, 0])[0], ones)


def test_recurrent_dropout_mask_is_the_same_at_every_step():
    """h_t = (h_{t-1} * mask) @ I from h_0 = 1: with one mask m for the whole sequence
    h_t = m ** t, which a mask drawn anew at each step would not give."""
    inputs = Input(batch_shape=(4, 3, 5))
    layer = SimpleRNN(5, recurrent_dropout=0.5, activation="linear", return_sequences=True, use_bias=False,
                      kernel_initializer="zeros", recurrent_initializer="identity")
    run_fn = _in_training(inputs, layer(inputs, initial_state=[np.ones((4, 5), "float32")]))
    zeros = np.zeros((4, 3, 5), "float32")
    trained = run_fn([zeros, 1])[0]
    assert set(np.unique(trained[:, 0])) == {0.0, 2.0}
    for t in range(1, 3):
        np.testing.assert_array_equal(trained[:, t], trained[:, 0] ** (t + 1))
    np.testing.assert_array_equal(run_fn([zeros, 0])[0], np.ones((4, 3, 5)))


@pytest.mark.parametrize("layer_class", [GRU, LSTM])
def test_gate_dropout_masks_per_gate(layer_class):
    """implementation 1 draws one mask per gate, implementation 2 one for all gates."""
    x = K.placeholder((2, 3, 4))
    for implementation, count in ((1, 3 if layer_class is GRU else 4), (2, 3 if layer_class is GRU else 4)):
        layer = layer_class(2, dropout=0.5, recurrent_dropout=0.5, implementation=implementation)
        layer.build((2, 3, 4))
        layer.call(x)
        assert len(layer.cell._dropout_mask) == count
        assert len(layer.cell._recurrent_dropout_mask) == count


def test_generate_dropout_mask():
    ones = K.ones_like(K.placeholder((3, 4)))
    masks = _generate_dropout_mask(ones, 0.5, training=1, count=3)
    assert len(masks) == 3
    value = K.function([], masks)([])
    assert set(np.unique(np.concatenate(value))) <= {0.0, 2.0}
    np.testing.assert_array_equal(K.function([], [_generate_dropout_mask(ones, 0.5, training=0)])([])[0],
                                  np.ones((3, 4)))


# ================================================================== cells
class MinimalRNNCell(Layer):
    """The custom cell of the Keras 2 RNN docs."""

    def __init__(self, units, **kwargs):
        self.units = units
        self.state_size = units
        super(MinimalRNNCell, self).__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                name="recurrent_kernel")
        self.built = True

    def call(self, inputs, states):
        prev_output = states[0]
        h = K.dot(inputs, self.kernel)
        output = h + K.dot(prev_output, self.recurrent_kernel)
        return output, [output]

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


class ConstantCell(MinimalRNNCell):
    """A cell that also reads a constant (Keras 2's `constants` argument of RNN)."""

    def build(self, input_shape):
        step_shape, constant_shape = input_shape
        super().build(step_shape)
        self.constant_kernel = self.add_weight(shape=(constant_shape[-1], self.units), initializer="uniform",
                                               name="constant_kernel")

    def call(self, inputs, states, constants):
        output, _ = super().call(inputs, states)
        output = output + K.dot(constants[0], self.constant_kernel)
        return output, [output]


def test_custom_cell_and_constants():
    inputs = Input((4, 2))
    context = Input((3,))
    layer = RNN(MinimalRNNCell(3), return_sequences=True)
    model = Model(inputs, layer(inputs))
    kernel, recurrent = random_weights(layer)
    x = data(2, 4, 2)
    def minimal_step(x_t, states):
        out = x_t @ kernel + states[0] @ recurrent
        return out, [out]
    want = run(minimal_step, x, [np.zeros((2, 3), "float32")])[1]
    np.testing.assert_allclose(model.predict(x), want, rtol=1e-4, atol=1e-5)

    constant_layer = RNN(ConstantCell(3))
    model = Model([inputs, context], constant_layer(inputs, constants=context))
    kernel, recurrent, constant_kernel = random_weights(constant_layer)
    c = data(2, 3)

    def step(x_t, s):
        out = x_t @ kernel + s[0] @ recurrent + c @ constant_kernel
        return out, [out]
    np.testing.assert_allclose(model.predict([x, c]), run(step, x, [np.zeros((2, 3), "float32")])[0],
                               rtol=1e-4, atol=1e-5)
    assert constant_layer.get_config()["num_constants"] == 1


def test_stacked_cells_against_numpy():
    cells = [SimpleRNNCell(3), LSTMCell(2, recurrent_activation="sigmoid")]
    layer = RNN(cells, return_state=True)
    assert isinstance(layer.cell, StackedRNNCells)
    assert layer.cell.state_size == (2, 2, 3)
    inputs = Input((4, 2))
    outputs = layer(inputs)
    assert len(outputs) == 4
    model = Model(inputs, outputs)
    w = random_weights(layer)
    x = data(3, 4, 2)
    first = simple_rnn_step(*w[:3])
    second = lstm_step(*w[3:], recurrent_activation="sigmoid")

    def step(x_t, states):
        h2, c2, h1 = states
        out1, (new_h1,) = first(x_t, [h1])
        out2, (new_h2, new_c2) = second(out1, [h2, c2])
        return out2, [new_h2, new_c2, new_h1]
    zeros = [np.zeros((3, 2), "float32"), np.zeros((3, 2), "float32"), np.zeros((3, 3), "float32")]
    last, _, states = run(step, x, zeros)
    for g, want in zip(model.predict(x), [last] + states):
        np.testing.assert_allclose(g, want, rtol=1e-4, atol=1e-5)
    config = layer.get_config()
    assert config["cell"]["class_name"] == "StackedRNNCells"
    rebuilt = RNN.from_config(config)
    assert [type(cell) for cell in rebuilt.cell.cells] == [SimpleRNNCell, LSTMCell]
    rebuilt_model = Model(inputs, rebuilt(inputs))
    rebuilt.set_weights(w)
    for g, want in zip(rebuilt_model.predict(x), model.predict(x)):
        np.testing.assert_allclose(g, want, rtol=1e-6)


def test_cell_and_rnn_errors():
    with pytest.raises(ValueError, match="`cell` should have a `call` method"):
        RNN(object())
    with pytest.raises(ValueError, match="The RNN cell should have an attribute `state_size`"):
        RNN(Dense(2))
    with pytest.raises(ValueError, match="Cannot unroll a RNN if the time dimension is undefined"):
        LSTM(2, unroll=True)(Input((None, 3)))


# ================================================================== configs and Keras 1 names
CONFIG_CASES = [
    (SimpleRNN, {"units": 3, "activation": "relu", "dropout": 0.25, "return_sequences": True}),
    (GRU, {"units": 4, "reset_after": True, "implementation": 2, "recurrent_dropout": 0.5, "go_backwards": True}),
    (LSTM, {"units": 2, "unit_forget_bias": False, "stateful": False, "unroll": True, "return_state": True,
            "kernel_regularizer": regularizers.l2(0.01)}),
]


@pytest.mark.parametrize("layer_class, kwargs", CONFIG_CASES)
def test_config_round_trip(layer_class, kwargs):
    layer = layer_class(**kwargs)
    config = layer.get_config()
    for key, value in kwargs.items():
        if key != "kernel_regularizer":
            assert config[key] == value, key
    assert "cell" not in config
    assert layer_class.from_config(config).get_config() == config


def test_default_configs_match_keras_2_1_6():
    lstm = LSTM(3).get_config()
    assert lstm["recurrent_activation"] == "hard_sigmoid" and lstm["implementation"] == 1
    assert lstm["unit_forget_bias"] is True and lstm["activation"] == "tanh"
    gru = GRU(3).get_config()
    assert gru["reset_after"] is False and gru["implementation"] == 1
    assert "implementation" not in SimpleRNN(3).get_config()
    cell_config = RNN(LSTMCell(3)).get_config()
    assert cell_config["cell"]["class_name"] == "LSTMCell"
    assert RNN.from_config(cell_config).cell.units == 3
    # newer Keras writes time_major=False, and implementation=0 loads as 1
    assert LSTM.from_config(dict(lstm, time_major=False, implementation=0)).implementation == 1


def test_keras1_argument_names():
    with pytest.warns(UserWarning) as record:
        layer = LSTM(output_dim=3, init="he_normal", inner_init="identity", inner_activation="sigmoid",
                     W_regularizer="l2", U_regularizer="l1", b_regularizer="l2", dropout_W=0.1, dropout_U=0.2,
                     consume_less="gpu", forget_bias_init="one", input_dim=4, input_length=5)
    messages = [str(w.message) for w in record]
    assert any(m.startswith("Update your `LSTM` call to the Keras 2 API: `LSTM(") for m in messages)
    assert any("The `input_dim` and `input_length` arguments in recurrent layers are deprecated" in m
               for m in messages)
    assert layer.units == 3 and layer.implementation == 2 and layer.dropout == 0.1
    assert layer.recurrent_dropout == 0.2 and layer.unit_forget_bias is True
    assert layer.recurrent_activation.__name__ == "sigmoid"
    assert layer.kernel_regularizer is not None and layer.recurrent_regularizer is not None
    assert layer.batch_input_shape == (None, 5, 4)
    with pytest.warns(UserWarning, match="The `forget_bias_init` argument has been ignored"):
        LSTM(3, forget_bias_init="zero")
    with pytest.warns(UserWarning, match="The `implementation` argument in `SimpleRNN` has been deprecated"):
        SimpleRNN(3, implementation=2)
    with pytest.warns(UserWarning, match="`implementation=0` has been deprecated"):
        GRU(3, implementation=0)
    with pytest.raises(TypeError, match="can accept only 1 positional arguments"):
        GRU(3, "tanh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LSTM(3, dropout=0.1)


def test_regularizer_losses():
    inputs = Input((3, 2))
    layer = LSTM(2, kernel_regularizer="l2", recurrent_regularizer="l2", bias_regularizer="l1",
                 activity_regularizer="l2")
    model = Model(inputs, layer(inputs))
    assert len(model.losses) == 4
    assert len(layer.losses) == 4   # three weight penalties on the cell, the activity one on the layer


# ================================================================== gradients
def _finite_difference_check(layer_factory, time=3, features=2, mask=None):
    """Gradients of sum(output * r) w.r.t. the weights and the input, float64."""
    floatx = K.floatx()
    K.set_floatx("float64")
    try:
        layer = layer_factory()
        x = K.placeholder((2, time, features), dtype="float64")
        mask_tensor = None if mask is None else K.constant(mask, dtype="bool")
        layer.build((2, time, features))
        output = layer.call(x, mask=mask_tensor)
        r = np.random.RandomState(3).standard_normal(K.int_shape(output))
        loss = K.sum(output * K.constant(r, dtype="float64"))
        weights = layer.trainable_weights
        grads = K.gradients(loss, weights + [x])
        fn = K.function([x], [loss] + grads)
        x_value = np.random.RandomState(4).uniform(-1, 1, (2, time, features))
        for w in weights:
            K.set_value(w, np.random.RandomState(5).uniform(-0.7, 0.7, K.int_shape(w)))
        analytic = fn([x_value])[1:]
        eps = 1e-6
        for k, w in enumerate(weights):
            value = K.get_value(w)
            numeric = np.zeros_like(value)
            for i in range(value.size):
                for sign in (1, -1):
                    shifted = value.copy()
                    shifted.reshape(-1)[i] += sign * eps
                    K.set_value(w, shifted)
                    numeric.reshape(-1)[i] += sign * fn([x_value])[0] / (2 * eps)
            K.set_value(w, value)
            np.testing.assert_allclose(analytic[k], numeric, rtol=1e-5, atol=1e-7, err_msg=w.name)
        numeric = np.zeros_like(x_value)
        for i in range(x_value.size):
            for sign in (1, -1):
                shifted = x_value.copy()
                shifted.reshape(-1)[i] += sign * eps
                numeric.reshape(-1)[i] += sign * fn([shifted])[0] / (2 * eps)
        np.testing.assert_allclose(analytic[-1], numeric, rtol=1e-5, atol=1e-7, err_msg="input")
    finally:
        K.set_floatx(floatx)


def test_lstm_gradients_against_finite_differences():
    _finite_difference_check(lambda: LSTM(2, recurrent_activation="sigmoid", return_sequences=True),
                             mask=np.array([[1, 0, 1], [1, 1, 0]], bool))


def test_gru_reset_after_gradients_against_finite_differences():
    _finite_difference_check(lambda: GRU(2, reset_after=True, recurrent_activation="sigmoid",
                                         go_backwards=True, implementation=2))
