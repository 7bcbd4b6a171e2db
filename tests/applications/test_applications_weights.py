"""weights=: Keras' file names in the Keras cache (KERAS_HOME honoured), the one clear
error when a file is missing, local paths, and Keras' argument checks."""
import os

import numpy as np
import pytest

from keralite.applications import (DenseNet121, InceptionResNetV2, InceptionV3, MobileNet, NASNetLarge,
                                   NASNetMobile, ResNet50, VGG16, VGG19, Xception, mobilenet, resnet50)
from keralite.applications.nasnet import NASNet

SMALL_MOBILENET = dict(alpha=0.25, input_shape=(128, 128, 3), include_top=False)


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    return tmp_path


def _assert_names_missing_file(error, keras_home, fname, url):
    message = str(error.value)
    assert "'" + fname + "'" in message
    assert os.path.join(str(keras_home), "models") in message
    assert url in message
    assert "does not download" in message


def test_missing_imagenet_file_names_file_folder_and_url(keras_home):
    with pytest.raises(IOError) as error:
        ResNet50(weights="imagenet")
    _assert_names_missing_file(error, keras_home, "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
                               resnet50.WEIGHTS_PATH)
    with pytest.raises(IOError) as error:
        MobileNet(weights="imagenet", **SMALL_MOBILENET)
    _assert_names_missing_file(error, keras_home, "mobilenet_2_5_128_tf_no_top.h5",
                               mobilenet.BASE_WEIGHT_PATH + "mobilenet_2_5_128_tf_no_top.h5")


def test_default_cache_is_home_dot_keras(monkeypatch, tmp_path):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(IOError, match="resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        try:
            ResNet50(weights="imagenet", include_top=False, input_shape=(197, 197, 3))
        except IOError as error:
            assert os.path.join(str(tmp_path), ".keras", "models") in str(error)
            raise


def _weights_differ(first, second):
    return any(not np.array_equal(a, b) for a, b in zip(first.get_weights(), second.get_weights()))


def test_imagenet_weights_load_from_the_keras_cache(keras_home):
    # a file saved under Keras' own name is what weights='imagenet' reads
    source = MobileNet(weights=None, **SMALL_MOBILENET)
    models_dir = keras_home / "models"
    models_dir.mkdir()
    source.save_weights(str(models_dir / "mobilenet_2_5_128_tf_no_top.h5"))

    loaded = MobileNet(weights="imagenet", **SMALL_MOBILENET)
    fresh = MobileNet(weights=None, **SMALL_MOBILENET)
    assert _weights_differ(source, fresh)
    for expected, actual in zip(source.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(expected, actual)


def test_weights_path_loads_a_local_file(tmp_path):
    source = MobileNet(weights=None, **SMALL_MOBILENET)
    path = str(tmp_path / "my_weights.h5")
    source.save_weights(path)
    loaded = MobileNet(weights=path, **SMALL_MOBILENET)
    for expected, actual in zip(source.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(expected, actual)


WEIGHTS_MESSAGE = "The `weights` argument should be either `None` (random initialization), `imagenet`"


@pytest.mark.parametrize("application", [VGG16, VGG19, ResNet50, InceptionV3, InceptionResNetV2, Xception, MobileNet,
                                         DenseNet121, NASNetMobile, NASNetLarge])
def test_argument_errors_before_building(application):
    with pytest.raises(ValueError) as error:
        application(weights="no/such/weights.h5")
    assert WEIGHTS_MESSAGE in str(error.value)
    with pytest.raises(ValueError, match="If using `weights` as imagenet with `include_top` as true, `classes` "
                                         "should be 1000"):
        application(weights="imagenet", classes=10)


@pytest.mark.parametrize("application, shape, minimum", [
    (VGG16, (47, 64, 3), 48), (ResNet50, (196, 224, 3), 197), (InceptionV3, (138, 200, 3), 139),
    (InceptionResNetV2, (200, 138, 3), 139), (Xception, (70, 71, 3), 71), (MobileNet, (31, 64, 3), 32),
    (DenseNet121, (220, 224, 3), 221), (NASNetMobile, (31, 32, 3), 32)])
def test_minimum_input_sizes(application, shape, minimum):
    with pytest.raises(ValueError, match="Input size must be at least %dx%d; got `input_shape=%s`" %
                                         (minimum, minimum, str(shape).replace("(", r"\(").replace(")", r"\)"))):
        application(weights=None, include_top=False, input_shape=shape)


def test_imagenet_with_top_fixes_the_input_shape():
    with pytest.raises(ValueError, match=r"`input_shape` should be \(224, 224, 3\)"):
        ResNet50(weights="imagenet", input_shape=(200, 200, 3))
    with pytest.raises(ValueError, match=r"`input_shape` should be \(224, 224, 3\)"):
        VGG16(weights="imagenet", input_shape=(299, 299, 3))
    with pytest.raises(ValueError, match="you should specify a static `input_shape`"):
        VGG16(weights=None, input_shape=(None, None, 3))
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        ResNet50(weights="imagenet", include_top=False, input_shape=(224, 224, 1))


def test_mobilenet_imagenet_restrictions():
    with pytest.raises(ValueError, match="depth multiplier must be 1"):
        MobileNet(weights="imagenet", depth_multiplier=2)
    with pytest.raises(ValueError, match="alpha can be one of`0.25`, `0.50`, `0.75` or `1.0` only"):
        MobileNet(weights="imagenet", alpha=0.3)
    with pytest.raises(ValueError, match=r"static square shape .* Input shape provided = \(128, 160, 3\)"):
        MobileNet(weights="imagenet", include_top=False, input_shape=(128, 160, 3))


def test_nasnet_checks():
    with pytest.raises(ValueError, match="needs to be divisible by 24. Current value: 100"):
        NASNet(penultimate_filters=100, weights=None, include_top=False, input_shape=(32, 32, 3))
    with pytest.raises(ValueError, match="the input_shape argument must be static"):
        NASNetMobile(weights="imagenet", include_top=False, input_shape=(None, None, 3))
    with pytest.raises(ValueError, match="ImageNet weights can only be loaded with NASNetLarge or NASNetMobile"):
        NASNet(weights="imagenet", include_top=False, input_shape=(64, 64, 3), penultimate_filters=96,
               num_blocks=1, stem_block_filters=8, skip_reduction=False, default_size=64)
