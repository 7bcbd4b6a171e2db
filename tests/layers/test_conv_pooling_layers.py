"""keralite.layers.convolutional and keralite.layers.pooling through the shared
`layer_test` helper (functional and Sequential models, shapes, config round trip, a
training step) against numpy references written here, plus Keras 2.1.6's configs,
Keras 1 argument names and an MNIST-style model that trains."""
import itertools
import warnings

import numpy as np
import pytest

import keralite as keras
from keralite.layers import (Conv1D, Conv2D, Conv3D, Convolution2D, Conv2DTranspose, Deconvolution2D,
                             SeparableConv2D, DepthwiseConv2D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D, Cropping1D, Cropping2D,
                             Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D, MaxPooling1D, AveragePooling1D,
                             MaxPooling2D, AveragePooling2D, MaxPooling3D, GlobalMaxPooling1D,
                             GlobalAveragePooling1D, GlobalMaxPooling2D, GlobalAveragePooling2D,
                             GlobalAveragePooling3D, Dense, Flatten, Input)
from keralite.models import Sequential

from layer_helpers import FixedKernel, fixed_kernel, run_layer_test

RNG = np.random.RandomState(21)


def data(*shape):
    return RNG.uniform(-1.0, 1.0, size=shape).astype("float32")


def correlate(x, w, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """Direct channels-last 2D cross-correlation, one output pixel at a time."""
    x = np.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),))
    kh, kw = w.shape[:2]
    oh = (x.shape[1] - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    ow = (x.shape[2] - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    out = np.zeros((x.shape[0], oh, ow, w.shape[-1]))
    for i, j in itertools.product(range(oh), range(ow)):
        rows = slice(i * strides[0], i * strides[0] + (kh - 1) * dilation[0] + 1, dilation[0])
        cols = slice(j * strides[1], j * strides[1] + (kw - 1) * dilation[1] + 1, dilation[1])
        out[:, i, j, :] = np.tensordot(x[:, rows, cols, :], w, axes=([1, 2, 3], [0, 1, 2]))
    return out


def pool(x, size, strides, pads, reduce):
    """Channels-last 2D pooling over the valid part of each window."""
    h, w = x.shape[1:3]
    oh = (h + sum(pads[0]) - size[0]) // strides[0] + 1
    ow = (w + sum(pads[1]) - size[1]) // strides[1] + 1
    out = np.zeros((x.shape[0], oh, ow, x.shape[-1]))
    for i, j in itertools.product(range(oh), range(ow)):
        r0, c0 = i * strides[0] - pads[0][0], j * strides[1] - pads[1][0]
        block = x[:, max(r0, 0):min(r0 + size[0], h), max(c0, 0):min(c0 + size[1], w), :]
        out[:, i, j, :] = reduce(block, axis=(1, 2))
    return out


# ------------------------------------------------------------------ convolutions
def test_conv2d_valid_with_bias_and_relu():
    x = data(2, 6, 5, 3)
    kernel = fixed_kernel((3, 2, 3, 4))
    expected = np.maximum(correlate(x, kernel) + 0.1, 0.0)
    run_layer_test(Conv2D, {"filters": 4, "kernel_size": (3, 2), "activation": "relu",
                            "kernel_initializer": FixedKernel(),
                            "bias_initializer": keras.initializers.Constant(0.1)}, x, expected)


def test_conv2d_same_strided_dilated_and_channels_first():
    x = data(2, 7, 5, 2)
    kernel = fixed_kernel((2, 3, 2, 3))
    # same padding for 7 rows, window 2, stride 2: 4 outputs, 1 row of padding after
    run_layer_test(Conv2D, {"filters": 3, "kernel_size": (2, 3), "strides": (2, 1), "padding": "same",
                            "use_bias": False, "kernel_initializer": FixedKernel()},
                   x, correlate(x, kernel, (2, 1), ((0, 1), (1, 1))))
    run_layer_test(Conv2D, {"filters": 3, "kernel_size": (2, 3), "dilation_rate": (2, 1), "use_bias": False,
                            "kernel_initializer": FixedKernel()}, x, correlate(x, kernel, dilation=(2, 1)))
    xf = x.transpose(0, 3, 1, 2)
    run_layer_test(Conv2D, {"filters": 3, "kernel_size": (2, 3), "data_format": "channels_first",
                            "use_bias": False, "kernel_initializer": FixedKernel()},
                   xf, correlate(x, kernel).transpose(0, 3, 1, 2))


def test_conv1d_valid_and_causal():
    x = data(2, 7, 3)
    kernel = fixed_kernel((3, 3, 2))
    expected = correlate(x[:, :, None, :], kernel[:, None])[:, :, 0, :]
    run_layer_test(Conv1D, {"filters": 2, "kernel_size": 3, "use_bias": False, "kernel_initializer": FixedKernel()},
                   x, expected)
    causal = correlate(np.pad(x, ((0, 0), (4, 0), (0, 0)))[:, :, None, :], kernel[:, None], dilation=(2, 1))[:, :, 0]
    run_layer_test(Conv1D, {"filters": 2, "kernel_size": 3, "padding": "causal", "dilation_rate": 2,
                            "use_bias": False, "kernel_initializer": FixedKernel()}, x, causal)


def test_conv3d():
    x = data(1, 4, 3, 5, 2)
    kernel = fixed_kernel((2, 2, 3, 2, 3))
    expected = np.zeros((1, 3, 2, 3, 3))
    for d, h, w in itertools.product(range(3), range(2), range(3)):
        expected[:, d, h, w] = np.tensordot(x[:, d:d + 2, h:h + 2, w:w + 3], kernel, axes=([1, 2, 3, 4], [0, 1, 2, 3]))
    run_layer_test(Conv3D, {"filters": 3, "kernel_size": (2, 2, 3), "use_bias": False,
                            "kernel_initializer": FixedKernel()}, x, expected)


def test_conv2d_transpose_scatters_each_input_pixel():
    x = data(2, 3, 2, 3)
    kernel = fixed_kernel((3, 2, 4, 3))          # (rows, cols, filters, input channels)
    expected = np.zeros((2, 7, 4, 4))            # valid: (3 - 1) * 2 + 3 rows, (2 - 1) * 2 + 2 cols
    for i, j in itertools.product(range(3), range(2)):
        expected[:, 2 * i:2 * i + 3, 2 * j:2 * j + 2, :] += np.einsum("nc,hwfc->nhwf", x[:, i, j], kernel)
    run_layer_test(Conv2DTranspose, {"filters": 4, "kernel_size": (3, 2), "strides": (2, 2), "use_bias": False,
                                     "kernel_initializer": FixedKernel()}, x, expected)


def test_separable_and_depthwise_conv2d():
    x = data(2, 5, 4, 2)
    depthwise = fixed_kernel((2, 2, 2, 2))
    pointwise = fixed_kernel((1, 1, 4, 3))
    per_channel = np.concatenate([correlate(x[..., c:c + 1], depthwise[:, :, c:c + 1]) for c in range(2)], -1)
    run_layer_test(SeparableConv2D, {"filters": 3, "kernel_size": 2, "depth_multiplier": 2, "use_bias": False,
                                     "depthwise_initializer": FixedKernel(), "pointwise_initializer": FixedKernel()},
                   x, per_channel @ pointwise[0, 0])
    run_layer_test(DepthwiseConv2D, {"kernel_size": 2, "depth_multiplier": 2, "use_bias": False,
                                     "depthwise_initializer": FixedKernel()}, x, per_channel)


def test_conv_config_weights_and_errors():
    layer = Conv2D(8, (3, 2), strides=2, padding="same", name="c")
    config = layer.get_config()
    assert sorted(config) == sorted(["name", "trainable", "dtype", "filters", "kernel_size", "strides", "padding",
                                     "data_format", "dilation_rate", "activation", "use_bias",
                                     "kernel_initializer", "bias_initializer", "kernel_regularizer",
                                     "bias_regularizer", "activity_regularizer", "kernel_constraint",
                                     "bias_constraint"])
    assert config["kernel_size"] == (3, 2) and config["strides"] == (2, 2) and config["data_format"] == "channels_last"
    layer.build((None, 9, 7, 5))
    assert [w.shape for w in layer.get_weights()] == [(3, 2, 5, 8), (8,)]
    assert [w.name for w in layer.weights] == ["c/kernel", "c/bias"]
    assert layer.compute_output_shape((None, 9, 7, 5)) == (None, 5, 4, 8)
    assert "data_format" not in Conv1D(2, 3).get_config() and "rank" not in Conv1D(2, 3).get_config()
    assert Conv2D(4, 3, groups=1).kernel_size == (3, 3)         # newer Keras' config key
    with pytest.raises(ValueError, match="The `kernel_size` argument must be a tuple of 2 integers"):
        Conv2D(4, (3, 3, 3))
    with pytest.raises(ValueError, match="The `padding` argument must be one of"):
        Conv2D(4, 3, padding="full")
    with pytest.raises(ValueError, match="The channel dimension of the inputs should be defined"):
        Conv2D(4, 3).build((None, 5, 5, None))
    with pytest.raises(NotImplementedError, match="grouped convolutions"):
        Conv2D(4, 3, groups=2)
    transpose = Conv2DTranspose(4, 3).get_config()
    assert "dilation_rate" not in transpose and "rank" not in transpose and transpose["kernel_size"] == (3, 3)
    assert Conv2DTranspose(4, 3).compute_output_shape((None, 5, 6, 2)) == (None, 7, 8, 4)


def test_keras1_argument_names():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer = Convolution2D(6, 3, 2, border_mode="same", subsample=(2, 1), dim_ordering="tf", init="he_normal",
                              W_regularizer="l2", bias=False)
        conv1 = Conv1D(nb_filter=4, filter_length=3, subsample_length=2, input_dim=5, input_length=9)
        pooled = MaxPooling1D(pool_length=3, stride=1, border_mode="same")
        pooled2 = AveragePooling2D(border_mode="same", dim_ordering="th")
        padded = ZeroPadding2D(padding={"top_pad": 1, "right_pad": 2})
        keyword_rows = Conv2D(5, nb_row=2, nb_col=4)
        deconv = Deconvolution2D(3, 2, 2, output_shape=(None, 8, 8, 3), subsample=(2, 2))
    assert any("Update your `Conv2D` call to the Keras 2 API" in str(w.message) for w in caught)
    assert layer.kernel_size == (3, 2) and layer.padding == "same" and layer.strides == (2, 1)
    assert layer.data_format == "channels_last" and not layer.use_bias
    assert layer.get_config()["kernel_initializer"]["class_name"] == "VarianceScaling"
    assert conv1.filters == 4 and conv1.kernel_size == (3,) and conv1.strides == (2,)
    assert conv1.batch_input_shape == (None, 9, 5)
    assert pooled.pool_size == (3,) and pooled.strides == (1,) and pooled.padding == "same"
    assert pooled2.padding == "same" and pooled2.data_format == "channels_first"
    assert padded.padding == ((1, 0), (0, 2))
    assert keyword_rows.kernel_size == (2, 4)
    assert isinstance(deconv, Conv2DTranspose) and deconv.kernel_size == (2, 2) and deconv.strides == (2, 2)
    with pytest.raises(ValueError, match="passing both `kernel_size` and `strides` as integer positional"):
        Conv2D(6, 3, 3, strides=2)
    with pytest.raises(TypeError, match="can receive at most 3 positional arguments"):
        Conv2D(6, 3, 3, 3)


# ------------------------------------------------------------------ padding, cropping, upsampling
def test_zero_padding_and_cropping():
    x = data(2, 4, 5, 3)
    run_layer_test(ZeroPadding2D, {"padding": ((1, 0), (2, 1))}, x, np.pad(x, ((0, 0), (1, 0), (2, 1), (0, 0))))
    run_layer_test(ZeroPadding2D, {"padding": 1, "data_format": "channels_first"}, x,
                   np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))))
    run_layer_test(Cropping2D, {"cropping": ((1, 2), (0, 1))}, x, x[:, 1:2, 0:4, :])
    xf = data(2, 3, 5, 6)
    run_layer_test(Cropping2D, {"cropping": (1, 2), "data_format": "channels_first"}, xf, xf[:, :, 1:4, 2:4])
    x1 = data(2, 6, 3)
    run_layer_test(ZeroPadding1D, {"padding": (2, 1)}, x1, np.pad(x1, ((0, 0), (2, 1), (0, 0))))
    run_layer_test(Cropping1D, {"cropping": (2, 0)}, x1, x1[:, 2:, :])
    x3 = data(1, 3, 4, 2, 2)
    run_layer_test(ZeroPadding3D, {"padding": (1, 0, 2)}, x3, np.pad(x3, ((0, 0), (1, 1), (0, 0), (2, 2), (0, 0))))
    run_layer_test(Cropping3D, {"cropping": ((1, 0), (1, 1), (0, 1))}, x3, x3[:, 1:, 1:3, 0:1, :])
    with pytest.raises(ValueError, match="`padding` should have two elements. Found: "):
        ZeroPadding2D(padding=(1, 2, 3))
    with pytest.raises(ValueError, match="The `2nd entry of cropping` argument must be a tuple of 2 integers"):
        Cropping2D(cropping=((1, 2), (1, 2, 3)))


def test_upsampling():
    x = data(2, 3, 2, 3)
    run_layer_test(UpSampling2D, {"size": (2, 3)}, x, x.repeat(2, axis=1).repeat(3, axis=2))
    run_layer_test(UpSampling2D, {"size": 2, "data_format": "channels_first"}, x, x.repeat(2, axis=2).repeat(2, axis=3))
    x1 = data(2, 4, 3)
    run_layer_test(UpSampling1D, {"size": 3}, x1, x1.repeat(3, axis=1))
    x3 = data(1, 2, 3, 2, 2)
    run_layer_test(UpSampling3D, {"size": (1, 2, 3)}, x3, x3.repeat(2, axis=2).repeat(3, axis=3))


# ------------------------------------------------------------------ pooling
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pooling2d(padding):
    x = data(2, 7, 5, 3)
    # 'same' with a 3x2 window and strides (2, 2): 4 x 3 outputs, padding (1, 1) and (0, 1)
    pads = ((0, 0), (0, 0)) if padding == "valid" else ((1, 1), (0, 1))
    run_layer_test(MaxPooling2D, {"pool_size": (3, 2), "strides": (2, 2), "padding": padding}, x,
                   pool(x, (3, 2), (2, 2), pads, np.max))
    run_layer_test(AveragePooling2D, {"pool_size": (3, 2), "strides": (2, 2), "padding": padding}, x,
                   pool(x, (3, 2), (2, 2), pads, np.mean))


def test_pooling_defaults_channels_first_1d_and_3d():
    x = data(2, 6, 5, 3)
    run_layer_test(MaxPooling2D, {}, x, pool(x, (2, 2), (2, 2), ((0, 0), (0, 0)), np.max))
    xf = x.transpose(0, 3, 1, 2)
    run_layer_test(AveragePooling2D, {"data_format": "channels_first"}, xf,
                   pool(x, (2, 2), (2, 2), ((0, 0), (0, 0)), np.mean).transpose(0, 3, 1, 2))
    x1 = data(2, 7, 3)
    run_layer_test(MaxPooling1D, {"pool_size": 3, "strides": 2}, x1,
                   pool(x1[:, :, None], (3, 1), (2, 1), ((0, 0), (0, 0)), np.max)[:, :, 0])
    run_layer_test(AveragePooling1D, {"padding": "same"}, x1,
                   pool(x1[:, :, None], (2, 1), (2, 1), ((0, 1), (0, 0)), np.mean)[:, :, 0])
    x3 = data(1, 4, 3, 5, 2)
    expected = np.zeros((1, 2, 1, 2, 2))
    for d, h, w in itertools.product(range(2), range(1), range(2)):
        expected[:, d, h, w] = x3[:, 2 * d:2 * d + 2, 2 * h:2 * h + 2, 2 * w:2 * w + 2].max(axis=(1, 2, 3))
    run_layer_test(MaxPooling3D, {}, x3, expected)
    config = MaxPooling2D((3, 2), padding="same").get_config()
    assert config["pool_size"] == (3, 2) and config["strides"] == (3, 2) and config["data_format"] == "channels_last"
    assert sorted(MaxPooling1D().get_config()) == sorted(["name", "trainable", "dtype", "padding", "pool_size",
                                                          "strides"])


def test_global_pooling():
    x = data(2, 4, 5, 3)
    run_layer_test(GlobalMaxPooling2D, {}, x, x.max(axis=(1, 2)))
    run_layer_test(GlobalAveragePooling2D, {"data_format": "channels_first"}, x, x.mean(axis=(2, 3)))
    x1 = data(2, 6, 3)
    run_layer_test(GlobalMaxPooling1D, {}, x1, x1.max(axis=1))
    run_layer_test(GlobalAveragePooling1D, {}, x1, x1.mean(axis=1))
    x3 = data(2, 2, 3, 4, 3)
    run_layer_test(GlobalAveragePooling3D, {}, x3, x3.mean(axis=(1, 2, 3)))
    assert GlobalAveragePooling2D(keepdims=False).compute_output_shape((None, 4, 5, 3)) == (None, 3)
    assert GlobalMaxPooling2D(keepdims=True).compute_output_shape((None, 4, 5, 3)) == (None, 1, 1, 3)


# ------------------------------------------------------------------ a small convnet trains
def test_mnist_style_convnet_trains_and_saves(tmp_path):
    rng = np.random.RandomState(0)
    x = rng.uniform(0, 1, (64, 12, 10, 1)).astype("float32")
    labels = (x[:, :6].mean(axis=(1, 2, 3)) > x[:, 6:].mean(axis=(1, 2, 3))).astype("int64")
    y = keras.utils.to_categorical(labels, 2)
    model = Sequential([Conv2D(8, (3, 3), activation="relu", input_shape=(12, 10, 1)),
                        MaxPooling2D((2, 2)), Conv2D(4, (2, 2), padding="same", activation="relu"),
                        Flatten(), Dense(2, activation="softmax")])
    assert model.output_shape == (None, 2)
    model.compile(keras.optimizers.Adam(lr=0.01), "categorical_crossentropy", metrics=["accuracy"])
    first = model.evaluate(x, y, verbose=0)[0]
    model.fit(x, y, batch_size=16, epochs=40, verbose=0)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert loss < first * 0.3 and accuracy > 0.9
    path = str(tmp_path / "convnet.h5")
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(again.predict(x), model.predict(x), rtol=1e-5, atol=1e-6)


def test_conv_on_an_input_layer_with_unknown_length():
    """'same' and 'causal' convolutions keep an unknown length; 'valid' computes it when
    the model runs (tests/layers/test_unknown_spatial.py)."""
    for padding in ("same", "causal"):
        inputs = Input(shape=(None, 4))
        model = keras.models.Model(inputs, Conv1D(2, 3, padding=padding)(inputs))
        assert model.output_shape == (None, None, 2)
        x = np.random.RandomState(0).randn(2, 7, 4).astype("float32")
        fixed = keras.models.Sequential([Conv1D(2, 3, padding=padding, input_shape=(7, 4))])
        fixed.set_weights(model.get_weights())
        np.testing.assert_allclose(model.predict(x), fixed.predict(x), rtol=1e-5, atol=1e-6)
        assert model.predict(x[:, :5]).shape == (2, 5, 2)
    valid = keras.models.Model(inputs, Conv1D(2, 3)(inputs))
    assert valid.output_shape == (None, None, 2)
    assert valid.predict(x).shape == (2, 5, 2)
