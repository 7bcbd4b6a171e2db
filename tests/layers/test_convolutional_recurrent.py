"""ConvLSTM2D (layers/convolutional_recurrent.py) against a numpy ConvLSTM written here,
and the loading of convolution kernels from files written by the Theano backend.

The numpy reference correlates with explicit loops (TF's 'same' padding: the extra pad
goes after), and runs the LSTM gates in Keras' order i, f, c, o, with hard_sigmoid as
the recurrent activation.
"""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from keralite import backend as K
from keralite.layers import (Conv1D, Conv2D, Conv2DTranspose, Conv3D, DepthwiseConv2D, Input,
                             SeparableConv2D)
from keralite.layers.convolutional_recurrent import ConvLSTM2D, ConvLSTM2DCell, ConvRNN2D
from keralite.models import Model, Sequential, load_model
from keralite.utils.conv_utils import convert_kernel
from keralite.utils.test_utils import layer_test

FILTERS = 3


# ------------------------------------------------------------------ numpy reference
def correlate(x, kernel, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """x (samples, rows, cols, in), kernel (kr, kc, in, out), channels last."""
    (kr, kc), (sr, sc), (dr, dc) = kernel.shape[:2], strides, dilation
    span_r, span_c = (kr - 1) * dr + 1, (kc - 1) * dc + 1
    rows, cols = x.shape[1:3]
    if padding == "same":
        out_r, out_c = -(-rows // sr), -(-cols // sc)
        pad_r = max((out_r - 1) * sr + span_r - rows, 0)
        pad_c = max((out_c - 1) * sc + span_c - cols, 0)
        x = np.pad(x, ((0, 0), (pad_r // 2, pad_r - pad_r // 2), (pad_c // 2, pad_c - pad_c // 2), (0, 0)))
    else:
        out_r, out_c = (rows - span_r) // sr + 1, (cols - span_c) // sc + 1
    out = np.zeros((x.shape[0], out_r, out_c, kernel.shape[3]))
    for i in range(out_r):
        for j in range(out_c):
            patch = x[:, i * sr:i * sr + span_r:dr, j * sc:j * sc + span_c:dc, :]
            out[:, i, j] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return out


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def conv_lstm_reference(x, kernel, recurrent_kernel, bias, strides=(1, 1), padding="valid", dilation=(1, 1),
                        go_backwards=False, h0=None, c0=None):
    """x (samples, time, rows, cols, channels): outputs in iteration order, final h and c."""
    f = recurrent_kernel.shape[-1] // 4
    h, c = h0, c0
    outputs = []
    order = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    for t in order:
        gates = [correlate(x[:, t], kernel[..., k * f:(k + 1) * f], strides, padding, dilation)
                 + bias[k * f:(k + 1) * f] for k in range(4)]
        if h is None:
            h = np.zeros_like(gates[0])
            c = np.zeros_like(gates[0])
        gates = [g + correlate(h, recurrent_kernel[..., k * f:(k + 1) * f], padding="same")
                 for k, g in enumerate(gates)]
        i, fg, o = hard_sigmoid(gates[0]), hard_sigmoid(gates[1]), hard_sigmoid(gates[3])
        c = fg * c + i * np.tanh(gates[2])
        h = o * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1), h, c


def random_weights(rng, kernel_size, channels):
    return [rng.randn(*kernel_size, channels, 4 * FILTERS) * 0.3,
            rng.randn(*kernel_size, FILTERS, 4 * FILTERS) * 0.3,
            rng.randn(4 * FILTERS) * 0.1]


def to_channels_first(x):
    return np.moveaxis(x, -1, -3)


# ------------------------------------------------------------------ ConvLSTM2D
def test_conv_lstm_channels_last_valid_matches_numpy():
    rng = np.random.RandomState(0)
    x = rng.randn(2, 3, 5, 6, 2).astype("float32")
    weights = random_weights(rng, (3, 2), 2)
    layer = ConvLSTM2D(FILTERS, (3, 2), return_sequences=True, data_format="channels_last", weights=weights)
    inputs = Input((3, 5, 6, 2))
    model = Model(inputs, layer(inputs))
    expected, _, _ = conv_lstm_reference(x, *weights)
    assert_allclose(model.predict(x), expected, rtol=1e-4, atol=1e-5)
    assert model.output_shape == (None, 3, 3, 5, FILTERS)


def test_conv_lstm_channels_first_same_strides_matches_numpy():
    rng = np.random.RandomState(1)
    x = rng.randn(2, 3, 5, 6, 2).astype("float32")
    weights = random_weights(rng, (3, 3), 2)
    inputs = Input((3, 2, 5, 6))
    layer = ConvLSTM2D(FILTERS, 3, strides=(2, 2), padding="same", data_format="channels_first",
                       return_state=True)
    outputs = layer(inputs)
    layer.set_weights(weights)
    model = Model(inputs, outputs)
    got = model.predict(to_channels_first(x))
    _, h, c = conv_lstm_reference(x, *weights, strides=(2, 2), padding="same")
    for g, e in zip(got, [h, h, c]):
        assert_allclose(g, to_channels_first(e), rtol=1e-4, atol=1e-5)
    assert layer.compute_output_shape((None, 3, 2, 5, 6)) == [(None, FILTERS, 3, 3)] * 3


def test_conv_lstm_dilation_go_backwards_and_initial_state():
    rng = np.random.RandomState(2)
    x = rng.randn(2, 3, 5, 6, 2).astype("float32")
    weights = random_weights(rng, (2, 2), 2)
    h0, c0 = rng.randn(2, 3, 5, FILTERS).astype("float32"), rng.randn(2, 3, 5, FILTERS).astype("float32")
    inputs, h_in, c_in = Input((3, 5, 6, 2)), Input((3, 5, FILTERS)), Input((3, 5, FILTERS))
    layer = ConvLSTM2D(FILTERS, (2, 2), dilation_rate=(2, 1), go_backwards=True, return_sequences=True,
                       data_format="channels_last")
    model = Model([inputs, h_in, c_in], layer(inputs, initial_state=[h_in, c_in]))
    layer.set_weights(weights)
    expected, _, _ = conv_lstm_reference(x, *weights, dilation=(2, 1), go_backwards=True, h0=h0, c0=c0)
    assert_allclose(model.predict([x, h0, c0]), expected, rtol=1e-4, atol=1e-5)


def test_conv_lstm_stateful_carries_states_between_batches():
    rng = np.random.RandomState(3)
    x = rng.randn(2, 6, 5, 6, 2).astype("float32")
    weights = random_weights(rng, (3, 3), 2)
    layer = ConvLSTM2D(FILTERS, (3, 3), padding="same", stateful=True, data_format="channels_last",
                       batch_input_shape=(2, 3, 5, 6, 2))
    model = Sequential([layer])
    layer.set_weights(weights)
    first, second = model.predict(x[:, :3], batch_size=2), model.predict(x[:, 3:], batch_size=2)
    _, h_first, _ = conv_lstm_reference(x[:, :3], *weights, padding="same")
    _, h_all, _ = conv_lstm_reference(x, *weights, padding="same")
    assert_allclose(first, h_first, rtol=1e-4, atol=1e-5)
    assert_allclose(second, h_all, rtol=1e-4, atol=1e-5)
    model.reset_states()
    assert_allclose(model.predict(x[:, :3], batch_size=2), h_first, rtol=1e-4, atol=1e-5)


def test_conv_lstm_layer_test_config_and_dropout():
    rng = np.random.RandomState(4)
    x = rng.randn(2, 3, 5, 6, 2).astype("float32")
    kwargs = {"filters": FILTERS, "kernel_size": (2, 3), "data_format": "channels_last", "dropout": 0.2,
              "recurrent_dropout": 0.3, "kernel_regularizer": "l2", "recurrent_activation": "sigmoid"}
    out = layer_test(ConvLSTM2D, kwargs=kwargs, input_data=x)
    assert out.shape == (2, 4, 4, FILTERS)
    layer = ConvLSTM2D(**kwargs)
    config = layer.get_config()
    for key in ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
                "recurrent_activation", "use_bias", "unit_forget_bias", "dropout", "recurrent_dropout",
                "return_sequences", "go_backwards", "stateful"):
        assert key in config
    assert "cell" not in config
    assert config["kernel_size"] == (2, 3) and config["dropout"] == 0.2
    assert ConvLSTM2D.from_config(config).get_config() == config
    assert layer.filters == FILTERS and layer.recurrent_dropout == 0.3
    # the bias starts with ones for the forget gate
    inputs = Input((3, 5, 6, 2))
    layer(inputs)
    bias = K.get_value(layer.cell.bias)
    assert_allclose(bias, np.concatenate([np.zeros(FILTERS), np.ones(FILTERS), np.zeros(2 * FILTERS)]))
    assert len(layer.losses) == 1


def test_conv_rnn_refuses_unroll_and_stacks():
    cell = ConvLSTM2DCell(2, 3)
    with pytest.raises(TypeError, match="Unrolling"):
        ConvRNN2D(cell, unroll=True)
    with pytest.raises(TypeError, match="stack"):
        ConvRNN2D([cell, ConvLSTM2DCell(2, 3)])


# ------------------------------------------------------------------ Theano kernels
def _conv_model():
    rng = np.random.RandomState(5)
    image = Input((7, 6, 2))
    y = Conv2D(3, (3, 2), name="conv2d")(image)
    y = Conv2DTranspose(2, (2, 3), name="conv2d_transpose")(y)
    y = SeparableConv2D(2, (2, 2), name="separable")(y)
    y = DepthwiseConv2D((2, 2), name="depthwise")(y)
    sequence = Input((7, 2))
    z = Conv1D(3, 3, name="conv1d")(sequence)
    volume = Input((4, 5, 3, 2))
    v = Conv3D(2, (2, 3, 2), name="conv3d")(volume)
    video = Input((3, 5, 6, 2))
    w = ConvLSTM2D(FILTERS, (3, 2), data_format="channels_last", name="conv_lstm")(video)
    model = Model([image, sequence, volume, video], [y, z, v, w])
    model.set_weights([rng.randn(*np.shape(w)) * 0.3 for w in model.get_weights()])
    data = [rng.randn(2, 7, 6, 2), rng.randn(2, 7, 2), rng.randn(2, 4, 5, 3, 2), rng.randn(2, 3, 5, 6, 2)]
    return model, [d.astype("float32") for d in data]


FLIPPED = {"conv2d": 1, "conv2d_transpose": 1, "conv1d": 1, "conv3d": 1, "conv_lstm": 2}


def _rewrite_as_theano(path):
    """Flip the kernels Keras 2.1.6 flips when loading a Theano file, and say 'theano'."""
    import h5py
    with h5py.File(path, "r+") as f:
        f.attrs["backend"] = b"theano"
        group = f["model_weights"]
        group.attrs["backend"] = b"theano"
        for layer_name, count in FLIPPED.items():
            names = [n.decode("utf8") if isinstance(n, bytes) else n
                     for n in group[layer_name].attrs["weight_names"]]
            for name in names[:count]:
                dataset = group[layer_name][name]
                dataset[...] = convert_kernel(dataset[()])


def test_theano_kernels_are_flipped_on_load(tmp_path):
    model, data = _conv_model()
    expected = model.predict(data)
    path = str(tmp_path / "theano_convs.h5")
    model.save(path)
    _rewrite_as_theano(path)
    loaded = load_model(path, compile=False)
    for got, want in zip(loaded.predict(data), expected):
        assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    # load_weights reads the same attribute
    fresh, _ = _conv_model()
    fresh.load_weights(path)
    for got, want in zip(fresh.predict(data), expected):
        assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    # a file without the Theano mark loads the flipped kernels unchanged
    import h5py
    with h5py.File(path, "r+") as f:
        f.attrs["backend"] = b"tensorflow"
        f["model_weights"].attrs["backend"] = b"tensorflow"
    unflipped = load_model(path, compile=False)
    kernel = unflipped.get_layer("conv2d").get_weights()[0]
    assert_allclose(kernel, convert_kernel(model.get_layer("conv2d").get_weights()[0]), rtol=1e-6)
