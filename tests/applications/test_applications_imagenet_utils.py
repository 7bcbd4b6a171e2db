"""imagenet_utils: preprocess_input in each mode and data format against values worked
out by hand, decode_predictions against a class index the test writes, and the input
shape rules of _obtain_input_shape."""
import json
import os

import numpy as np
import pytest

from keralite import backend as K
from keralite.applications import densenet, imagenet_utils, inception_v3, mobilenet, resnet50, vgg16
from keralite.applications.imagenet_utils import _obtain_input_shape, decode_predictions, preprocess_input

CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68])
TORCH_MEAN = np.array([0.485, 0.456, 0.406])
TORCH_STD = np.array([0.229, 0.224, 0.225])


def _images(shape):
    return np.random.RandomState(3).uniform(0, 255, shape).astype("float32")


def _expected_channels_last(x, mode):
    """Each pixel (r, g, b) worked out one value at a time."""
    expected = np.empty(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape[:-1]):
        r, g, b = (float(v) for v in x[index])
        if mode == "tf":
            expected[index] = [r / 127.5 - 1., g / 127.5 - 1., b / 127.5 - 1.]
        elif mode == "torch":
            expected[index] = [(r / 255. - 0.485) / 0.229, (g / 255. - 0.456) / 0.224, (b / 255. - 0.406) / 0.225]
        else:
            expected[index] = [b - 103.939, g - 116.779, r - 123.68]
    return expected


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_preprocess_channels_last_batch_and_single_image(mode):
    x = _images((2, 3, 5, 3))
    expected = _expected_channels_last(x, mode)
    np.testing.assert_allclose(preprocess_input(x.copy(), data_format="channels_last", mode=mode), expected,
                               rtol=1e-5, atol=1e-4)
    single = x[1].copy()
    np.testing.assert_allclose(preprocess_input(single, data_format="channels_last", mode=mode), expected[1],
                               rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_preprocess_channels_first_batch_and_single_image(mode):
    x_last = _images((2, 4, 5, 3))
    expected = np.transpose(_expected_channels_last(x_last, mode), (0, 3, 1, 2))
    x_first = np.ascontiguousarray(np.transpose(x_last, (0, 3, 1, 2)))
    np.testing.assert_allclose(preprocess_input(x_first.copy(), data_format="channels_first", mode=mode), expected,
                               rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(preprocess_input(x_first[0].copy(), data_format="channels_first", mode=mode),
                               expected[0], rtol=1e-5, atol=1e-4)


def test_preprocess_works_in_place_on_floats_and_converts_integers():
    x = _images((1, 2, 2, 3))
    original = x.copy()
    preprocess_input(x, data_format="channels_last", mode="tf")
    np.testing.assert_allclose(x, original / 127.5 - 1., rtol=1e-6)
    pixels = np.array([[[[0, 127, 255]]]], dtype=np.uint8)
    result = preprocess_input(pixels, data_format="channels_last", mode="caffe")
    assert result.dtype == np.float32
    np.testing.assert_allclose(result[0, 0, 0], [255 - 103.939, 127 - 116.779, 0 - 123.68], rtol=1e-6)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_preprocess_symbolic_input_matches_numpy(mode, data_format):
    shape = (2, 4, 5, 3) if data_format == "channels_last" else (2, 3, 4, 5)
    x = _images(shape)
    placeholder = K.placeholder(shape=(None,) + shape[1:])
    output = preprocess_input(placeholder, data_format=data_format, mode=mode)
    result = K.function([placeholder], [output])([x])[0]
    expected = preprocess_input(x.copy(), data_format=data_format, mode=mode)
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-4)


def test_each_module_uses_its_weights_mode():
    x = _images((1, 2, 3, 3))
    np.testing.assert_allclose(vgg16.preprocess_input(x.copy()), _expected_channels_last(x, "caffe"), atol=1e-4)
    np.testing.assert_allclose(resnet50.preprocess_input(x.copy()), _expected_channels_last(x, "caffe"), atol=1e-4)
    np.testing.assert_allclose(inception_v3.preprocess_input(x.copy()), _expected_channels_last(x, "tf"), atol=1e-5)
    np.testing.assert_allclose(mobilenet.preprocess_input(x.copy()), _expected_channels_last(x, "tf"), atol=1e-5)
    np.testing.assert_allclose(densenet.preprocess_input(x.copy()), _expected_channels_last(x, "torch"), atol=1e-4)


def test_preprocess_rejects_unknown_format_and_mode():
    with pytest.raises(ValueError, match="Unknown data_format"):
        preprocess_input(_images((1, 2, 2, 3)), data_format="channels_middle")
    with pytest.raises(ValueError, match="Unknown mode"):
        preprocess_input(_images((1, 2, 2, 3)), mode="keras")


# --------------------------------------------------------------------- decode_predictions
def _write_class_index(keras_home):
    models_dir = os.path.join(str(keras_home), "models")
    os.makedirs(models_dir, exist_ok=True)
    index = {str(i): ["n%08d" % (i * 7), "class_%d" % i] for i in range(1000)}
    with open(os.path.join(models_dir, "imagenet_class_index.json"), "w") as index_file:
        json.dump(index, index_file)


def test_decode_predictions_reads_the_cached_class_index(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    _write_class_index(tmp_path)
    preds = np.zeros((2, 1000), dtype="float32")
    preds[0, [5, 999, 42]] = [0.5, 0.3, 0.2]
    preds[1, [0, 1]] = [0.25, 0.75]
    decoded = decode_predictions(preds, top=3)
    assert [entry[:2] for entry in decoded[0]] == [("n00000035", "class_5"), ("n00006993", "class_999"),
                                                  ("n00000294", "class_42")]
    np.testing.assert_allclose([entry[2] for entry in decoded[0]], [0.5, 0.3, 0.2])
    assert [entry[1] for entry in decoded[1][:2]] == ["class_1", "class_0"]
    assert len(decode_predictions(preds)[1]) == 5
    # re-exported where Keras has it
    assert vgg16.decode_predictions is decode_predictions and mobilenet.decode_predictions is decode_predictions


def test_decode_predictions_checks_shape_and_missing_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(ValueError, match=r"\(samples, 1000\)\). Found array with shape: \(2, 10\)"):
        decode_predictions(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="Found array with shape: \\(1000,\\)"):
        decode_predictions(np.zeros(1000))
    with pytest.raises(IOError) as error:
        decode_predictions(np.zeros((1, 1000)))
    message = str(error.value)
    assert "imagenet_class_index.json" in message
    assert os.path.join(str(tmp_path), "models") in message
    assert imagenet_utils.CLASS_INDEX_PATH in message


# --------------------------------------------------------------------- _obtain_input_shape
def test_obtain_input_shape_defaults_and_checks():
    assert _obtain_input_shape(None, 224, 48, "channels_last", require_flatten=True) == (224, 224, 3)
    assert _obtain_input_shape(None, 224, 48, "channels_first", require_flatten=False) == (3, None, None)
    assert _obtain_input_shape(None, 224, 48, "channels_last", require_flatten=False) == (None, None, 3)
    assert _obtain_input_shape((100, 60, 3), 224, 48, "channels_last", False, "imagenet") == (100, 60, 3)
    with pytest.raises(ValueError, match=r"`input_shape` should be \(299, 299, 3\)"):
        _obtain_input_shape((224, 224, 3), 299, 139, "channels_last", require_flatten=True, weights="imagenet")
    with pytest.raises(ValueError, match="Input size must be at least 139x139; got `input_shape=\\(100, 200, 3\\)`"):
        _obtain_input_shape((100, 200, 3), 299, 139, "channels_last", require_flatten=False)
    with pytest.raises(ValueError, match="Input size must be at least 139x139"):
        _obtain_input_shape((3, 200, 100), 299, 139, "channels_first", require_flatten=False)
    with pytest.raises(ValueError, match="The input must have 3 channels"):
        _obtain_input_shape((200, 200, 1), 299, 139, "channels_last", False, weights="imagenet")
    with pytest.raises(ValueError, match="must be a tuple of three integers"):
        _obtain_input_shape((200, 200), 299, 139, "channels_last", require_flatten=False)
    with pytest.raises(ValueError, match="you should specify a static `input_shape`"):
        _obtain_input_shape((None, None, 3), 224, 48, "channels_last", require_flatten=True)
    with pytest.warns(UserWarning, match="passed an input_shape with 5 input channels"):
        assert _obtain_input_shape((64, 64, 5), 224, 48, "channels_last", False) == (64, 64, 5)
