"""Keras 2.2's additions: the ReLU layer, activations.relu's threshold, and the layers
2.2 added that Keras 2 programs use (DepthwiseConv2D, SeparableConv1D, Conv3DTranspose,
GlobalMax/AveragePooling3D), each against a numpy reference written here; and the
pooling classes importable from keras.layers.convolutional as in 2.1.6."""
import numpy as np
import pytest

import keralite as keras
from keralite import backend as K
from keralite import layers

from layer_helpers import run_layer_test

VALUES = np.array([[-3., -1., -0.5, 0., 0.5, 1., 2., 7.]], dtype="float32")


def relu_reference(x, alpha=0., max_value=None, threshold=0.):
    out = np.where(x > threshold, x, alpha * (x - threshold))
    if max_value is not None:
        out = np.where(x > threshold, np.minimum(out, max_value), out)
    return out


@pytest.mark.parametrize("kwargs", [{}, {"max_value": 6.}, {"threshold": 0.75},
                                    {"alpha": 0.1, "threshold": 0.5, "max_value": 1.5}])
def test_activations_relu_threshold(kwargs):
    x = K.placeholder(shape=(None, 8))
    f = K.function([x], [keras.activations.relu(x, **kwargs)])
    np.testing.assert_allclose(f([VALUES])[0], relu_reference(VALUES, **kwargs), rtol=1e-6)


def test_relu_layer_values_config_and_training():
    expected = relu_reference(VALUES, max_value=6.)
    run_layer_test(layers.ReLU, {"max_value": 6.}, VALUES, expected)
    expected = relu_reference(VALUES, alpha=0.2, threshold=0.5, max_value=1.)
    run_layer_test(layers.ReLU, {"max_value": 1., "negative_slope": 0.2, "threshold": 0.5}, VALUES, expected)
    assert layers.ReLU().get_config()["max_value"] is None


def test_relu_layer_errors():
    with pytest.raises(ValueError, match="max_value of ReLU layer cannot be negative value"):
        layers.ReLU(max_value=-1.)
    with pytest.raises(ValueError, match="negative_slope of ReLU layer cannot be negative value"):
        layers.ReLU(negative_slope=-0.1)


def test_pooling_importable_from_convolutional():
    from keralite.layers import convolutional, pooling
    for name in ("MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
                 "AveragePooling3D", "GlobalMaxPooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling2D",
                 "GlobalAveragePooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling3D"):
        assert getattr(convolutional, name) is getattr(pooling, name) is getattr(layers, name)
        assert name not in convolutional.__all__


def test_depthwise_conv2d():
    rng = np.random.RandomState(0)
    x = rng.rand(2, 5, 4, 3).astype("float32")
    layer_input = keras.layers.Input(shape=(5, 4, 3))
    layer = layers.DepthwiseConv2D((2, 3), depth_multiplier=2, bias_initializer="uniform")
    model = keras.models.Model(layer_input, layer(layer_input))
    kernel, bias = layer.get_weights()                     # (2, 3, 3, 2), (6,)
    expected = np.zeros((2, 4, 2, 6))
    for i in range(4):
        for j in range(2):
            patch = x[:, i:i + 2, j:j + 3, :]              # (N, 2, 3, C)
            per_channel = np.einsum("nrcC,rcCm->nCm", patch, kernel)
            expected[:, i, j, :] = per_channel.reshape(2, 6)
    np.testing.assert_allclose(model.predict(x), expected + bias, rtol=1e-5, atol=1e-6)


def test_separable_conv1d():
    rng = np.random.RandomState(1)
    x = rng.rand(2, 7, 3).astype("float32")
    layer_input = keras.layers.Input(shape=(7, 3))
    layer = layers.SeparableConv1D(4, 3, strides=2, depth_multiplier=2, bias_initializer="uniform")
    model = keras.models.Model(layer_input, layer(layer_input))
    depthwise, pointwise, bias = layer.get_weights()       # (3, 3, 2), (1, 6, 4), (4,)
    assert depthwise.shape == (3, 3, 2) and pointwise.shape == (1, 6, 4)
    expected = np.zeros((2, 3, 4))
    for step in range(3):
        patch = x[:, 2 * step:2 * step + 3, :]
        mid = np.einsum("nkC,kCm->nCm", patch, depthwise).reshape(2, 6)
        expected[:, step, :] = mid @ pointwise[0]
    np.testing.assert_allclose(model.predict(x), expected + bias, rtol=1e-5, atol=1e-6)


def test_conv3d_transpose_strided():
    rng = np.random.RandomState(2)
    x = rng.rand(1, 2, 3, 2, 2).astype("float32")
    layer_input = keras.layers.Input(shape=(2, 3, 2, 2))
    layer = layers.Conv3DTranspose(3, (2, 2, 3), strides=(2, 1, 2), use_bias=False)
    model = keras.models.Model(layer_input, layer(layer_input))
    kernel = layer.get_weights()[0]                        # (2, 2, 3, filters=3, in=2)
    out_shape = ((2 - 1) * 2 + 2, (3 - 1) * 1 + 2, (2 - 1) * 2 + 3)
    expected = np.zeros((1,) + out_shape + (3,))
    for a in range(2):
        for b in range(3):
            for c in range(2):
                contribution = np.einsum("ijkoc,c->ijko", kernel, x[0, a, b, c])
                expected[0, 2 * a:2 * a + 2, b:b + 2, 2 * c:2 * c + 3] += contribution
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_pooling_3d(data_format):
    x = np.random.RandomState(3).rand(2, 3, 4, 2, 5).astype("float32")
    axes = (1, 2, 3) if data_format == "channels_last" else (2, 3, 4)
    run_layer_test(layers.GlobalMaxPooling3D, {"data_format": data_format}, x, x.max(axis=axes))
    run_layer_test(layers.GlobalAveragePooling3D, {"data_format": data_format}, x, x.mean(axis=axes))
