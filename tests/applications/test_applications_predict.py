"""Architectures predict on their smallest input (batch 1, headless) through the
compiler; VGG16's result is checked against a forward pass written in numpy.

Compiling a whole ImageNet network is the expensive part: all twelve take about 3.5
minutes from an empty cache on a 2-core machine (NASNetLarge 42 s, DenseNet121 34 s; the
DenseNets and NASNets share many kernels, which are compiled once)."""

import numpy as np
import pytest

from keralite.applications import (DenseNet121, DenseNet169, DenseNet201, InceptionResNetV2, InceptionV3,
                                   MobileNet, NASNetLarge, NASNetMobile, ResNet50, VGG16, VGG19, Xception)


# (builder, smallest input, extra arguments, output shape of the headless model)
SMALLEST = [
    pytest.param(MobileNet, (32, 32, 3), {}, (1, 1, 1, 1024), id="MobileNet"),
    pytest.param(VGG19, (48, 48, 3), {}, (1, 1, 1, 512), id="VGG19"),
    pytest.param(ResNet50, (197, 197, 3), {}, (1, 1, 1, 2048), id="ResNet50"),
    pytest.param(Xception, (71, 71, 3), {}, (1, 3, 3, 2048), id="Xception"),
    pytest.param(InceptionV3, (139, 139, 3), {}, (1, 3, 3, 2048), id="InceptionV3"),
    pytest.param(InceptionResNetV2, (139, 139, 3), {}, (1, 3, 3, 1536), id="InceptionResNetV2"),
    pytest.param(DenseNet121, (221, 221, 3), {}, (1, 7, 7, 1024), id="DenseNet121"),
    pytest.param(DenseNet169, (221, 221, 3), {}, (1, 7, 7, 1664), id="DenseNet169"),
    pytest.param(DenseNet201, (221, 221, 3), {}, (1, 7, 7, 1920), id="DenseNet201"),
    pytest.param(NASNetMobile, (32, 32, 3), {}, (1, 1, 1, 1056), id="NASNetMobile"),
    pytest.param(NASNetLarge, (32, 32, 3), {}, (1, 1, 1, 4032), id="NASNetLarge"),
]


@pytest.mark.parametrize("application, shape, kwargs, expected_shape", SMALLEST)
def test_predicts_on_the_smallest_input(application, shape, kwargs, expected_shape):
    model = application(weights=None, include_top=False, input_shape=shape, **kwargs)
    assert model.output_shape == (None,) + expected_shape[1:]
    images = np.random.RandomState(1).uniform(-1, 1, (1,) + shape).astype("float32")
    prediction = model.predict(images)
    assert prediction.shape == expected_shape
    assert np.isfinite(prediction).all()
    # inference is deterministic and does not depend on the batch it runs in
    pair = np.concatenate([images, images[:, ::-1]], axis=0)
    np.testing.assert_allclose(model.predict(pair)[:1], prediction, rtol=1e-4, atol=1e-5)


def _conv3x3_same_relu(x, kernel, bias):
    """numpy reference of Conv2D(3x3, padding='same', relu) on one NHWC image batch."""
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    height, width = x.shape[1:3]
    out = np.zeros(x.shape[:3] + (kernel.shape[3],), dtype=np.float64)
    for row in range(3):
        for col in range(3):
            out += np.tensordot(padded[:, row:row + height, col:col + width, :], kernel[row, col], axes=([3], [0]))
    return np.maximum(out + bias, 0.)


def _max_pool_2x2(x):
    batch, height, width, channels = x.shape
    x = x[:, :height // 2 * 2, :width // 2 * 2]
    return x.reshape(batch, height // 2, 2, width // 2, 2, channels).max(axis=(2, 4))


def test_vgg16_matches_a_numpy_forward_pass():
    model = VGG16(weights=None, include_top=False, input_shape=(48, 64, 3), pooling="avg")
    images = np.random.RandomState(2).uniform(-1, 1, (1, 48, 64, 3)).astype("float32")
    x = images.astype(np.float64)
    for layer in model.layers[1:-1]:
        if layer.name.endswith("_pool"):
            x = _max_pool_2x2(x)
        else:
            kernel, bias = layer.get_weights()
            x = _conv3x3_same_relu(x, kernel, bias)
    expected = x.mean(axis=(1, 2))
    result = model.predict(images)
    assert result.shape == (1, 512)
    np.testing.assert_allclose(result, expected, rtol=2e-3, atol=1e-5 * np.abs(expected).max())
