"""Recurrent layers in .h5 files: every recurrent layer saved and loaded back (same
predictions, same training step), CuDNNGRU/CuDNNLSTM against numpy versions of cuDNN's
equations in Keras' weight layout, and the weight conversions Keras 2.1.6 applies when
a file written by one class loads into another (CuDNN <-> plain, Keras 1 gates)."""
import numpy as np
import pytest

from keralite.layers import (RNN, SimpleRNN, GRU, LSTM, SimpleRNNCell, LSTMCell, CuDNNGRU, CuDNNLSTM, Input)
from keralite.layers.cudnn_recurrent import convert_recurrent_weights
from keralite.models import Model, Sequential, load_model

from recurrent_reference import gru_step, lstm_step, run
from test_recurrent import MinimalRNNCell, data, random_weights

pytestmark = pytest.mark.filterwarnings("ignore:No training configuration found in save file")


def test_every_recurrent_layer_round_trips_through_h5(tmp_path):
    model = Sequential([
        SimpleRNN(3, return_sequences=True, input_shape=(3, 2)),
        GRU(3, return_sequences=True, reset_after=True, implementation=2),
        GRU(2, return_sequences=True, go_backwards=True),
        LSTM(3, return_sequences=True, recurrent_dropout=0.1),
        CuDNNGRU(2, return_sequences=True),
        CuDNNLSTM(3, return_sequences=True),
        RNN([SimpleRNNCell(2), LSTMCell(3)], return_sequences=True),
        RNN(MinimalRNNCell(2)),
    ])
    for layer in model.layers:
        random_weights(layer)
    x = data(3, 3, 2)
    path = str(tmp_path / "recurrent.h5")
    model.save(path)
    loaded = load_model(path, custom_objects={"MinimalRNNCell": MinimalRNNCell})
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    assert [layer.get_config() for layer in loaded.layers] == [layer.get_config() for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))

def test_functional_states_round_trip(tmp_path):
    inputs = Input((3, 2))
    output, h, c = LSTM(2, return_state=True)(inputs)
    decoded = GRU(2, reset_after=True)(inputs, initial_state=h)
    model = Model(inputs, [output, decoded, c])
    x = data(2, 3, 2)
    path = str(tmp_path / "states.h5")
    model.save(path)
    loaded = load_model(path)
    for got, want in zip(loaded.predict(x), model.predict(x)):
        np.testing.assert_array_equal(got, want)


# ================================================================== CuDNN layers against numpy
def cudnn_kernel(kernel, n_gates):
    """The plain kernel equivalent to a CuDNN layer's: cuDNN reads each gate's slice
    (input_dim, units), flattened, as its (units, input_dim) matrix."""
    units = kernel.shape[1] // n_gates
    return np.hstack([k.reshape(units, kernel.shape[0]).T for k in np.hsplit(kernel, n_gates)])


def cudnn_recurrent_kernel(recurrent_kernel, n_gates):
    return np.hstack([k.T for k in np.hsplit(recurrent_kernel, n_gates)])


def test_cudnn_lstm_against_numpy():
    layer = CuDNNLSTM(3, return_sequences=True, input_shape=(4, 2))
    model = Sequential([layer])
    kernel, recurrent, bias = random_weights(layer)
    x = data(2, 4, 2)
    # cuDNN sums its two bias vectors; the gates are i, f, c, o with sigmoid / tanh
    step = lstm_step(cudnn_kernel(kernel, 4), cudnn_recurrent_kernel(recurrent, 4), bias[:12] + bias[12:],
                     recurrent_activation="sigmoid")
    zeros = np.zeros((2, 3), "float32")
    np.testing.assert_allclose(model.predict(x), run(step, x, [zeros, zeros])[1], rtol=1e-4, atol=1e-5)
    assert layer.get_config()["unit_forget_bias"] is True
    fresh = CuDNNLSTM(2)
    fresh.build((None, 4, 3))
    np.testing.assert_array_equal(fresh.get_weights()[2], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0])


def test_cudnn_gru_against_numpy():
    layer = CuDNNGRU(3, input_shape=(4, 2), go_backwards=True)
    model = Sequential([layer])
    kernel, recurrent, bias = random_weights(layer)
    x = data(2, 4, 2)
    step = gru_step(cudnn_kernel(kernel, 3), cudnn_recurrent_kernel(recurrent, 3), bias.reshape(2, 9),
                    reset_after=True, recurrent_activation="sigmoid")
    np.testing.assert_allclose(model.predict(x), run(step, x, [np.zeros((2, 3), "float32")], go_backwards=True)[0],
                               rtol=1e-4, atol=1e-5)
    config = layer.get_config()
    assert config["go_backwards"] is True and "cell" not in config
    assert CuDNNGRU.from_config(config).get_config() == config


# ================================================================== conversions on load
CONVERSIONS = [
    pytest.param(lambda **kw: CuDNNLSTM(3, return_sequences=True, **kw),
                 lambda **kw: LSTM(3, recurrent_activation="sigmoid", return_sequences=True, **kw),
                 id="cudnn_lstm_to_lstm"),
    pytest.param(lambda **kw: LSTM(3, recurrent_activation="sigmoid", implementation=2, **kw),
                 lambda **kw: CuDNNLSTM(3, **kw), id="lstm_to_cudnn_lstm"),
    pytest.param(lambda **kw: CuDNNGRU(3, return_sequences=True, **kw),
                 lambda **kw: GRU(3, reset_after=True, recurrent_activation="sigmoid", return_sequences=True, **kw),
                 id="cudnn_gru_to_gru"),
    pytest.param(lambda **kw: GRU(3, reset_after=True, recurrent_activation="sigmoid", **kw),
                 lambda **kw: CuDNNGRU(3, **kw), id="gru_to_cudnn_gru"),
]


@pytest.mark.parametrize("source_factory, target_factory", CONVERSIONS)
def test_weights_convert_between_cudnn_and_plain_layers(tmp_path, source_factory, target_factory):
    source = Sequential([source_factory(input_shape=(4, 2))], name="m")
    random_weights(source.layers[0])
    path = str(tmp_path / "source.h5")
    source.save_weights(path)
    target = Sequential([target_factory(input_shape=(4, 2))], name="m")
    target.load_weights(path)
    x = data(3, 4, 2)
    np.testing.assert_allclose(target.predict(x), source.predict(x), rtol=1e-4, atol=1e-5)
    # and by name, through the same conversion
    target.layers[0].name = source.layers[0].name
    target.load_weights(path, by_name=True)
    np.testing.assert_allclose(target.predict(x), source.predict(x), rtol=1e-4, atol=1e-5)


def test_cudnn_gru_weights_do_not_fit_gru_reset_before(tmp_path):
    source = Sequential([CuDNNGRU(3, input_shape=(4, 2))])
    path = str(tmp_path / "cudnn_gru.h5")
    source.save_weights(path)
    target = Sequential([GRU(3, input_shape=(4, 2))])
    with pytest.raises(ValueError, match=r"CuDNNGRU is not compatible with GRU\(reset_after=False\)"):
        target.load_weights(path)


def test_keras1_gate_weights_are_merged():
    lstm = LSTM(2)
    lstm.build((None, 3, 4))
    rng = np.random.RandomState(0)
    # Keras 1 LSTM: W, U, b for the gates i, c, f, o
    gates = {g: [rng.rand(4, 2), rng.rand(2, 2), rng.rand(2)] for g in "icfo"}
    stored = [w for g in "icfo" for w in gates[g]]
    kernel, recurrent, bias = convert_recurrent_weights(lstm, stored, "1")
    np.testing.assert_array_equal(kernel, np.concatenate([gates[g][0] for g in "ifco"], axis=-1))
    np.testing.assert_array_equal(recurrent, np.concatenate([gates[g][1] for g in "ifco"], axis=-1))
    np.testing.assert_array_equal(bias, np.concatenate([gates[g][2] for g in "ifco"]))
    gru = GRU(2)
    gru.build((None, 3, 4))
    stored = [rng.rand(4, 2), rng.rand(2, 2), rng.rand(2)] * 3
    merged = convert_recurrent_weights(gru, stored, "1")
    assert [w.shape for w in merged] == [(4, 6), (2, 6), (6,)]
    # Keras 2 files are left alone
    same = [np.zeros((4, 8)), np.zeros((2, 8)), np.zeros(8)]
    assert all(a is b for a, b in zip(convert_recurrent_weights(lstm, same, "2.1.6"), same))


def test_bias_shape_errors():
    with pytest.raises(ValueError, match=r"Invalid bias shape: \(5,\)"):
        convert_recurrent_weights(LSTM(2), [np.zeros((3, 8)), np.zeros((2, 8)), np.zeros(5)])

