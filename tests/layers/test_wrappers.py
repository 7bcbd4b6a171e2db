"""TimeDistributed and Bidirectional (layers/wrappers.py) against numpy references.

The references are written here: a dense layer, a valid 2D correlation and a max
pooling applied step by step, and an LSTM (Keras 2.1.6 gate order i, f, c, o) run
forwards and backwards. A Bidirectional file laid out as tf_keras writes it (weights
named `bidirectional/forward_lstm/lstm_cell/kernel:0`) is written with h5py and loaded.
"""
import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

import keralite as keras
from keralite import backend as K
from keralite.layers import (LSTM, SimpleRNN, Bidirectional, Conv2D, Dense, Dropout, Flatten, Input,
                             Masking, MaxPooling2D, TimeDistributed, BatchNormalization)
from keralite.layers.wrappers import Wrapper
from keralite.models import Model, Sequential, load_model
from keralite.utils.test_utils import layer_test

RTOL = 1e-5


# ------------------------------------------------------------------ numpy references
def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def lstm_reference(x, kernel, recurrent_kernel, bias, go_backwards=False, mask=None, h0=None, c0=None):
    """Outputs (samples, time, units) in iteration order and the final (h, c)."""
    samples, steps, _ = x.shape
    units = recurrent_kernel.shape[0]
    h = np.zeros((samples, units)) if h0 is None else h0
    c = np.zeros((samples, units)) if c0 is None else c0
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    outputs = []
    for t in order:
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        i = hard_sigmoid(z[:, :units])
        f = hard_sigmoid(z[:, units:2 * units])
        c_new = f * c + i * np.tanh(z[:, 2 * units:3 * units])
        o = hard_sigmoid(z[:, 3 * units:])
        h_new = o * np.tanh(c_new)
        if mask is not None:
            keep = mask[:, t:t + 1]
            h_new = np.where(keep, h_new, h)
            c_new = np.where(keep, c_new, c)
        h, c = h_new, c_new
        outputs.append(h)
    return np.stack(outputs, axis=1), h, c


def correlate2d_valid(x, kernel, bias):
    """x (samples, rows, cols, in), kernel (kr, kc, in, out) -> valid correlation."""
    kr, kc = kernel.shape[:2]
    rows, cols = x.shape[1] - kr + 1, x.shape[2] - kc + 1
    out = np.zeros((x.shape[0], rows, cols, kernel.shape[3]))
    for r in range(rows):
        for c in range(cols):
            patch = x[:, r:r + kr, c:c + kc, :]
            out[:, r, c, :] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return out + bias


def max_pool_2x2(x):
    s, r, c, ch = x.shape
    return x[:, :r // 2 * 2, :c // 2 * 2].reshape(s, r // 2, 2, c // 2, 2, ch).max(axis=(2, 4))


# ------------------------------------------------------------------ TimeDistributed
def test_time_distributed_dense_matches_numpy_and_round_trips():
    rng = np.random.RandomState(0)
    x = rng.randn(3, 4, 5).astype("float32")
    layer = TimeDistributed(Dense(2), input_shape=(4, 5))
    model = Sequential([layer])
    kernel, bias = rng.randn(5, 2), rng.randn(2)
    model.set_weights([kernel, bias])
    expected = x @ kernel + bias
    assert_allclose(model.predict(x), expected, rtol=RTOL, atol=1e-6)
    assert model.output_shape == (None, 4, 2)
    config = layer.get_config()
    assert config["layer"]["class_name"] == "Dense"
    assert Wrapper.__subclasses__()
    # the shared helper: functional and Sequential models, config and weights round trips
    layer_test(TimeDistributed, kwargs={"layer": Dense(2, kernel_initializer="ones", bias_initializer="zeros")},
               input_data=x, expected_output=np.repeat(x.sum(axis=-1, keepdims=True), 2, axis=-1))


def test_time_distributed_conv_pool_flatten_match_numpy():
    rng = np.random.RandomState(1)
    x = rng.randn(2, 3, 6, 5, 2).astype("float32")
    inputs = Input((3, 6, 5, 2))
    conv = TimeDistributed(Conv2D(4, (3, 2)))
    y = conv(inputs)
    pooled = TimeDistributed(MaxPooling2D((2, 2)))(y)
    flat = TimeDistributed(Flatten())(pooled)
    model = Model(inputs, [y, pooled, flat])
    kernel, bias = rng.randn(3, 2, 2, 4), rng.randn(4)
    conv.set_weights([kernel, bias])
    got_conv, got_pool, got_flat = model.predict(x)
    expected_conv = np.stack([correlate2d_valid(x[:, t], kernel, bias) for t in range(3)], axis=1)
    expected_pool = np.stack([max_pool_2x2(expected_conv[:, t]) for t in range(3)], axis=1)
    assert_allclose(got_conv, expected_conv, rtol=1e-4, atol=1e-5)
    assert_allclose(got_pool, expected_pool, rtol=1e-4, atol=1e-5)
    assert_allclose(got_flat, expected_pool.reshape(2, 3, -1), rtol=1e-4, atol=1e-5)
    assert model.output_shape == [(None, 3, 4, 4, 4), (None, 3, 2, 2, 4), (None, 3, 16)]


def test_time_distributed_fixed_batch_runs_step_by_step():
    # With a fixed batch size the inner layer sees one time step at a time (Keras 2.1.6
    # uses K.rnn there): batch normalization in training normalises each step alone.
    rng = np.random.RandomState(2)
    x = (rng.randn(4, 3, 2) * np.array([1.0, 5.0]) + np.arange(3)[None, :, None]).astype("float32")
    inputs = Input(batch_shape=(4, 3, 2))
    layer = TimeDistributed(BatchNormalization(epsilon=1e-3))
    model = Model(inputs, layer(inputs))
    f = K.function([inputs, K.learning_phase()], [model.output])
    got = f([x, 1])[0]
    mean = x.mean(axis=0, keepdims=True)
    var = x.var(axis=0, keepdims=True)
    assert_allclose(got, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    # and any batch size goes through one reshape: statistics over samples * steps
    free = Input((3, 2))
    model = Model(free, TimeDistributed(BatchNormalization(epsilon=1e-3))(free))
    got = K.function([free, K.learning_phase()], [model.output])([x, 1])[0]
    flat = x.reshape(-1, 2)
    assert_allclose(got, (x - flat.mean(0)) / np.sqrt(flat.var(0) + 1e-3), rtol=1e-4, atol=1e-5)


def test_time_distributed_passes_the_mask_through():
    rng = np.random.RandomState(3)
    x = rng.randn(2, 5, 3).astype("float32")
    x[0, 3:] = 0.0          # the last two steps of sample 0 are masked
    inputs = Input((5, 3))
    masked = Masking(0.0)(inputs)
    dense = TimeDistributed(Dense(4))
    lstm = LSTM(3)
    model = Model(inputs, lstm(dense(masked)))
    kernel, bias = rng.randn(3, 4), rng.randn(4)
    dense.set_weights([kernel, bias])
    lstm_weights = [rng.randn(4, 12) * 0.5, rng.randn(3, 12) * 0.5, rng.randn(12) * 0.1]
    lstm.set_weights(lstm_weights)
    mask = np.any(x != 0.0, axis=-1)
    _, h, _ = lstm_reference(x @ kernel + bias, *lstm_weights, mask=mask)
    assert_allclose(model.predict(x), h, rtol=1e-4, atol=1e-5)
    assert dense.compute_mask(None, "the mask") == "the mask"


def test_time_distributed_needs_a_time_axis():
    with pytest.raises(AssertionError):
        TimeDistributed(Dense(2)).build((None, 3))


# ------------------------------------------------------------------ Bidirectional
UNITS = 3


def bidirectional_case(seed=4):
    rng = np.random.RandomState(seed)
    x = rng.randn(2, 4, 5).astype("float32")
    weights = [rng.randn(5, 4 * UNITS) * 0.5, rng.randn(UNITS, 4 * UNITS) * 0.5, rng.randn(4 * UNITS) * 0.1,
               rng.randn(5, 4 * UNITS) * 0.5, rng.randn(UNITS, 4 * UNITS) * 0.5, rng.randn(4 * UNITS) * 0.1]
    return x, weights


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul", None])
def test_bidirectional_merge_modes_match_numpy(merge_mode):
    x, weights = bidirectional_case()
    inputs = Input((4, 5))
    layer = Bidirectional(LSTM(UNITS, return_sequences=True), merge_mode=merge_mode, weights=weights)
    model = Model(inputs, layer(inputs))
    forward, _, _ = lstm_reference(x, *weights[:3])
    backward, _, _ = lstm_reference(x, *weights[3:], go_backwards=True)
    backward = backward[:, ::-1]
    expected = {"concat": np.concatenate([forward, backward], axis=-1), "sum": forward + backward,
                "ave": (forward + backward) / 2, "mul": forward * backward, None: [forward, backward]}[merge_mode]
    got = model.predict(x)
    if merge_mode is None:
        assert_allclose(got[0], expected[0], rtol=1e-4, atol=1e-6)
        assert_allclose(got[1], expected[1], rtol=1e-4, atol=1e-6)
    else:
        assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
    assert layer.compute_output_shape((None, 4, 5)) == (
        (None, 4, 2 * UNITS) if merge_mode == "concat" else
        [(None, 4, UNITS), (None, 4, UNITS)] if merge_mode is None else (None, 4, UNITS))


def test_bidirectional_weights_order_names_and_backward_copy():
    x, weights = bidirectional_case()
    layer = Bidirectional(LSTM(UNITS, name="lstm_a"))
    layer.build((None, 4, 5))
    assert layer.forward_layer.name == "forward_lstm_a"
    assert layer.backward_layer.name == "backward_lstm_a"
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    assert len(layer.weights) == 6
    assert [K.int_shape(w) for w in layer.weights] == [K.int_shape(w) for w in
                                                       layer.forward_layer.weights + layer.backward_layer.weights]
    layer.set_weights(weights)
    for got, want in zip(layer.get_weights(), weights):
        assert_allclose(got, want, rtol=1e-6)
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 6
    with pytest.raises(ValueError, match="Invalid merge mode"):
        Bidirectional(LSTM(2), merge_mode="max")


def test_bidirectional_return_state_and_initial_states():
    x, weights = bidirectional_case(5)
    rng = np.random.RandomState(6)
    states = [rng.randn(2, UNITS).astype("float32") for _ in range(4)]
    inputs = Input((4, 5))
    state_inputs = [Input((UNITS,)) for _ in range(4)]
    layer = Bidirectional(LSTM(UNITS, return_state=True), weights=weights)
    outputs = layer(inputs, initial_state=state_inputs)
    assert len(outputs) == 5
    model = Model([inputs] + state_inputs, outputs)
    got = model.predict([x] + states)
    _, h_f, c_f = lstm_reference(x, *weights[:3], h0=states[0], c0=states[1])
    _, h_b, c_b = lstm_reference(x, *weights[3:], go_backwards=True, h0=states[2], c0=states[3])
    for g, e in zip(got, [np.concatenate([h_f, h_b], -1), h_f, c_f, h_b, c_b]):
        assert_allclose(g, e, rtol=1e-4, atol=1e-6)
    assert layer.compute_output_shape((None, 4, 5)) == [(None, 2 * UNITS)] + [(None, UNITS)] * 4
    # the model (states as inputs of the node) survives a config round trip
    clone = Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    for g, e in zip(clone.predict([x] + states), got):
        assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="states of the underlying RNNs"):
        Bidirectional(LSTM(UNITS))(inputs, initial_state=state_inputs[:3])


def test_bidirectional_masking_and_training(tmp_path):
    x, weights = bidirectional_case(7)
    x[1, 2:] = 0.0
    model = Sequential([Masking(0.0, input_shape=(4, 5)), Bidirectional(LSTM(UNITS), weights=weights),
                        Dropout(0.1), Dense(1)])
    mask = np.any(x != 0.0, axis=-1)
    _, h_f, _ = lstm_reference(x, *weights[:3], mask=mask)
    _, h_b, _ = lstm_reference(x, *weights[3:], go_backwards=True, mask=mask)
    dense_kernel, dense_bias = model.layers[-1].get_weights()
    expected = np.concatenate([h_f, h_b], -1) @ dense_kernel + dense_bias
    assert_allclose(model.predict(x), expected, rtol=1e-4, atol=1e-5)
    model.compile("sgd", "mse")
    before = model.layers[1].get_weights()
    model.train_on_batch(x, np.ones((2, 1)))
    after = model.layers[1].get_weights()
    assert all(not np.allclose(a, b) for a, b in zip(before, after))
    # .h5 round trip: config, weights (forward then backward) and predictions
    path = str(tmp_path / "bidirectional.h5")
    model.save(path)
    loaded = load_model(path)
    assert isinstance(loaded.layers[1], Bidirectional)
    assert loaded.layers[1].merge_mode == "concat"
    for a, b in zip(loaded.layers[1].get_weights(), after):
        assert_allclose(a, b, rtol=1e-6)
    assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-5, atol=1e-6)


def test_wrapper_configs_round_trip():
    layer = Bidirectional(SimpleRNN(4, return_sequences=True), merge_mode="ave", name="bi")
    config = layer.get_config()
    assert config["name"] == "bi" and config["merge_mode"] == "ave"
    assert config["layer"]["class_name"] == "SimpleRNN" and not config["layer"]["config"]["go_backwards"]
    clone = Bidirectional.from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config
    td = TimeDistributed(Dense(3, activation="relu"), name="td")
    td_config = td.get_config()
    assert TimeDistributed.from_config(json.loads(json.dumps(td_config))).get_config() == td_config


# ------------------------------------------------------------------ a tf_keras file
def write_tf_keras_bidirectional_file(path, weights):
    """A Bidirectional(LSTM) model laid out as tf_keras (Keras 2.x, TF 2) saves it."""
    import h5py
    lstm_config = {"name": "lstm", "trainable": True, "dtype": "float32", "return_sequences": False,
                   "return_state": False, "go_backwards": False, "stateful": False, "unroll": False,
                   "time_major": False, "units": UNITS, "activation": "tanh",
                   "recurrent_activation": "hard_sigmoid", "use_bias": True,
                   "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                          "config": {"seed": None}, "registered_name": None},
                   "recurrent_initializer": {"module": "keras.initializers", "class_name": "Orthogonal",
                                             "config": {"gain": 1.0, "seed": None}, "registered_name": None},
                   "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                                        "registered_name": None},
                   "unit_forget_bias": True, "kernel_regularizer": None, "recurrent_regularizer": None,
                   "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
                   "recurrent_constraint": None, "bias_constraint": None, "dropout": 0.0,
                   "recurrent_dropout": 0.0, "implementation": 2}
    model_config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4, 5], "dtype": "float32",
                                                "sparse": False, "ragged": False, "name": "bidirectional_input"}},
        {"class_name": "Bidirectional", "config": {
            "name": "bidirectional", "trainable": True, "dtype": "float32", "batch_input_shape": [None, 4, 5],
            "layer": {"module": "keras.layers", "class_name": "LSTM", "config": lstm_config,
                      "registered_name": None},
            "merge_mode": "concat"}}]}}
    names = ["bidirectional/forward_lstm/lstm_cell/kernel:0",
             "bidirectional/forward_lstm/lstm_cell/recurrent_kernel:0",
             "bidirectional/forward_lstm/lstm_cell/bias:0",
             "bidirectional/backward_lstm/lstm_cell/kernel:0",
             "bidirectional/backward_lstm/lstm_cell/recurrent_kernel:0",
             "bidirectional/backward_lstm/lstm_cell/bias:0"]
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [b"bidirectional"]
        group.attrs["backend"] = b"tensorflow"
        group.attrs["keras_version"] = b"2.15.0"
        layer_group = group.create_group("bidirectional")
        layer_group.attrs["weight_names"] = [n.encode("utf8") for n in names]
        for name, value in zip(names, weights):
            layer_group.create_dataset(name, data=np.asarray(value, "float32"))


def test_load_a_tf_keras_bidirectional_file(tmp_path):
    x, weights = bidirectional_case(8)
    path = str(tmp_path / "tf_keras_bidirectional.h5")
    write_tf_keras_bidirectional_file(path, weights)
    model = load_model(path, compile=False)
    layer = model.layers[-1]
    assert isinstance(layer, Bidirectional)
    _, h_f, _ = lstm_reference(x, *weights[:3])
    _, h_b, _ = lstm_reference(x, *weights[3:], go_backwards=True)
    assert_allclose(model.predict(x), np.concatenate([h_f, h_b], -1), rtol=1e-4, atol=1e-6)
    # by name too
    model.load_weights(path, by_name=True)
    assert_allclose(model.predict(x), np.concatenate([h_f, h_b], -1), rtol=1e-4, atol=1e-6)
    assert keras.layers.wrappers.Bidirectional is Bidirectional


def test_bidirectional_stateful_carries_and_resets_states():
    x, weights = bidirectional_case(9)
    model = Sequential([Bidirectional(LSTM(UNITS, stateful=True), weights=weights, batch_input_shape=(2, 4, 5))])
    assert model.layers[0].stateful
    first = model.predict(x, batch_size=2)
    _, h_f, c_f = lstm_reference(x, *weights[:3])
    _, h_b, c_b = lstm_reference(x, *weights[3:], go_backwards=True)
    assert_allclose(first, np.concatenate([h_f, h_b], -1), rtol=1e-4, atol=1e-6)
    second = model.predict(x, batch_size=2)
    _, h_f2, _ = lstm_reference(x, *weights[:3], h0=h_f, c0=c_f)
    _, h_b2, _ = lstm_reference(x, *weights[3:], go_backwards=True, h0=h_b, c0=c_b)
    assert_allclose(second, np.concatenate([h_f2, h_b2], -1), rtol=1e-4, atol=1e-6)
    model.reset_states()
    assert_allclose(model.predict(x, batch_size=2), first, rtol=1e-5, atol=1e-6)
