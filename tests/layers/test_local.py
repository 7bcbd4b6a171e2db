"""LocallyConnected1D/2D against a numpy reference written here: each output position
multiplies its own (window * channels, filters) matrix, Keras 2.1.6's weight layout."""
import warnings

import numpy as np
import pytest

import keralite as keras
from keralite import layers
from keralite.models import Sequential, load_model

from layer_helpers import run_layer_test, fixed_kernel


def local_1d_reference(x, kernel, bias, window, stride):
    """x (N, steps, C); kernel (L, window*C, F); bias (L, F)."""
    length = kernel.shape[0]
    out = np.empty((x.shape[0], length, kernel.shape[2]), dtype="float64")
    for position in range(length):
        patch = x[:, position * stride: position * stride + window, :].reshape(x.shape[0], -1)
        out[:, position, :] = patch @ kernel[position]
    return out + (0 if bias is None else bias[None])


def local_2d_reference(x, kernel, bias, window, strides, channels_first):
    """x channels_last (N, H, W, C) or channels_first; kernel (R*Co, kr*kc*C, F);
    bias (R, Co, F), which Keras' bias_add reshapes (not transposes) for channels_first."""
    rows = (x.shape[2 if channels_first else 1] - window[0]) // strides[0] + 1
    cols = (x.shape[3 if channels_first else 2] - window[1]) // strides[1] + 1
    filters = kernel.shape[2]
    out = np.empty((x.shape[0], rows, cols, filters), dtype="float64")
    for i in range(rows):
        for j in range(cols):
            r, c = i * strides[0], j * strides[1]
            if channels_first:
                patch = x[:, :, r:r + window[0], c:c + window[1]]          # (N, C, kr, kc)
            else:
                patch = x[:, r:r + window[0], c:c + window[1], :]          # (N, kr, kc, C)
            out[:, i, j, :] = patch.reshape(x.shape[0], -1) @ kernel[i * cols + j]
    if channels_first:
        out = out.transpose(0, 3, 1, 2)
        if bias is not None:
            out = out + bias.reshape((1, filters, rows, cols))
    elif bias is not None:
        out = out + bias[None]
    return out


def test_locally_connected_1d_matches_reference_with_strides():
    rng = np.random.RandomState(0)
    x = rng.rand(2, 9, 3).astype("float32")
    kwargs = dict(filters=4, kernel_size=3, strides=2, kernel_initializer="FixedKernel",
                  bias_initializer="ones")
    kernel = fixed_kernel((4, 9, 4))
    expected = local_1d_reference(x, kernel, np.ones((4, 4)), 3, 2)
    run_layer_test(layers.LocallyConnected1D, kwargs, x, expected)


@pytest.mark.parametrize("data_format,strides", [("channels_last", (1, 2)), ("channels_first", (2, 1))])
def test_locally_connected_2d_matches_reference(data_format, strides):
    rng = np.random.RandomState(1)
    channels_first = data_format == "channels_first"
    x = rng.rand(2, 3, 6, 5) if channels_first else rng.rand(2, 6, 5, 3)
    x = x.astype("float32")
    layer = layers.LocallyConnected2D(2, (3, 2), strides=strides, data_format=data_format, activation="relu",
                                      kernel_initializer="glorot_uniform", bias_initializer="glorot_uniform")
    inputs = keras.layers.Input(shape=x.shape[1:])
    model = keras.models.Model(inputs, layer(inputs))
    kernel, bias = layer.get_weights()
    rows = (6 - 3) // strides[0] + 1
    cols = (5 - 2) // strides[1] + 1
    assert kernel.shape == (rows * cols, 3 * 2 * 3, 2)
    assert bias.shape == (rows, cols, 2)
    expected = np.maximum(local_2d_reference(x, kernel, bias, (3, 2), strides, channels_first), 0)
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-5)
    assert model.output_shape == ((None, 2, rows, cols) if channels_first else (None, rows, cols, 2))


def test_locally_connected_2d_layer_test_round_trips_config():
    x = np.random.RandomState(2).rand(2, 5, 4, 2).astype("float32")
    kwargs = dict(filters=3, kernel_size=2, data_format="channels_last", kernel_initializer="FixedKernel",
                  use_bias=False)
    expected = local_2d_reference(x, fixed_kernel((12, 8, 3)), None, (2, 2), (1, 1), False)
    run_layer_test(layers.LocallyConnected2D, kwargs, x, expected)


def test_training_step_changes_weights_and_reduces_loss():
    rng = np.random.RandomState(3)
    x = rng.rand(8, 7, 2).astype("float32")
    y = rng.rand(8, 5, 1).astype("float32")
    model = Sequential([layers.LocallyConnected1D(1, 3, input_shape=(7, 2))])
    model.compile("sgd", "mse")
    before = model.get_weights()[0].copy()
    first = model.train_on_batch(x, y)
    for _ in range(3):
        last = model.train_on_batch(x, y)
    assert not np.allclose(before, model.get_weights()[0])
    assert last < first


def test_only_valid_padding_and_implementation_one():
    with pytest.raises(ValueError, match='only "valid" is supported'):
        layers.LocallyConnected1D(2, 3, padding="same")
    with pytest.raises(ValueError, match='only "valid" is supported'):
        layers.LocallyConnected2D(2, 3, padding="same")
    layer = layers.LocallyConnected2D.from_config(
        dict(layers.LocallyConnected2D(2, 3, padding="VALID").get_config(), implementation=1))
    assert layer.padding == "valid"
    with pytest.raises(ValueError, match="implementation=2"):
        layers.LocallyConnected1D(2, 3, implementation=2)


def test_unknown_spatial_dims_raise():
    with pytest.raises(ValueError, match="fully-defined"):
        layers.LocallyConnected2D(2, 3)(keras.layers.Input(shape=(None, 6, 1)))
    with pytest.raises(ValueError, match="fully-defined"):
        layers.LocallyConnected1D(2, 3)(keras.layers.Input(shape=(5, None)))


def test_keras1_names_warn_and_convert():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        one = layers.LocallyConnected1D(nb_filter=4, filter_length=3, subsample_length=2, border_mode="valid",
                                        input_dim=5, input_length=9)
        two = layers.LocallyConnected2D(4, 3, 2, subsample=(2, 1), dim_ordering="th")
    assert [str(w.message).startswith("Update your `LocallyConnected") for w in caught] == [True, True]
    assert (one.filters, one.kernel_size, one.strides) == (4, (3,), (2,))
    assert one.batch_input_shape == (None, 9, 5)
    assert (two.kernel_size, two.strides, two.data_format) == ((3, 2), (2, 1), "channels_first")


def test_h5_round_trip(tmp_path):
    rng = np.random.RandomState(4)
    x1 = rng.rand(3, 6, 2).astype("float32")
    x2 = rng.rand(3, 2, 5, 4).astype("float32")
    in1, in2 = keras.layers.Input(shape=(6, 2)), keras.layers.Input(shape=(2, 5, 4))
    out1 = layers.LocallyConnected1D(3, 2, strides=2, bias_initializer="uniform")(in1)
    out2 = layers.LocallyConnected2D(2, (2, 3), data_format="channels_first", bias_initializer="uniform")(in2)
    model = keras.models.Model([in1, in2], [out1, out2])
    model.compile("adam", "mse")
    path = str(tmp_path / "local.h5")
    model.save(path)
    loaded = load_model(path)
    for before, after in zip(model.predict([x1, x2]), loaded.predict([x1, x2])):
        np.testing.assert_allclose(after, before, rtol=1e-6)
    assert loaded.layers[2].get_config() == model.layers[2].get_config()
