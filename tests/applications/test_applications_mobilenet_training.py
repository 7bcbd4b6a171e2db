"""MobileNet alpha 0.25 at 128x128, the small application of the issue: it round-trips
through an .h5 file with the same predictions (relu6 and DepthwiseConv2D come from
keras.applications.mobilenet, as Keras 2.1.6 users load them), and one training step
changes its weights without producing NaN (compiling its training step takes about
30 s from an empty cache on a 2-core machine)."""
import numpy as np
import pytest

from keralite import backend as K
from keralite.applications import mobilenet
from keralite.models import load_model

CUSTOM_OBJECTS = {"relu6": mobilenet.relu6, "DepthwiseConv2D": mobilenet.DepthwiseConv2D}


def _small_mobilenet():
    return mobilenet.MobileNet(input_shape=(128, 128, 3), alpha=0.25, weights=None, classes=5)


def _images():
    pixels = np.random.RandomState(7).uniform(0, 255, (2, 128, 128, 3)).astype("float32")
    return mobilenet.preprocess_input(pixels)


def _assert_round_trip(model, images, path):
    predictions = model.predict(images)
    assert predictions.shape == (2, 5)
    assert np.isfinite(predictions).all()
    np.testing.assert_allclose(predictions.sum(axis=1), 1., rtol=1e-5)
    model.save(path)
    restored = load_model(path, custom_objects=CUSTOM_OBJECTS)
    assert restored.name == "mobilenet_0.25_128"
    assert [layer.name for layer in restored.layers] == [layer.name for layer in model.layers]
    np.testing.assert_allclose(restored.predict(images), predictions, rtol=1e-5, atol=1e-6)
    return restored


@pytest.mark.filterwarnings("ignore:No training configuration found")
def test_mobilenet_round_trips_through_h5(tmp_path):
    model = _small_mobilenet()
    # moving statistics away from their initial values, so the file must carry them
    for layer in model.layers:
        if layer.name.endswith("_bn"):
            mean, variance = layer.moving_mean, layer.moving_variance
            size = K.int_shape(mean)[0]
            K.set_value(mean, np.linspace(-0.1, 0.1, size).astype("float32"))
            K.set_value(variance, np.linspace(0.5, 1.5, size).astype("float32"))
    restored = _assert_round_trip(model, _images(), str(tmp_path / "mobilenet.h5"))
    for expected, actual in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_array_equal(expected, actual)


def test_mobilenet_trains_one_step_then_round_trips(tmp_path):
    model = _small_mobilenet()
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    images = _images()
    labels = np.eye(5, dtype="float32")[[1, 3]]
    before = [w.copy() for w in model.get_weights()]
    loss = model.train_on_batch(images, labels)
    assert np.isfinite(loss)
    after = model.get_weights()
    assert all(np.isfinite(w).all() for w in after)
    changed = [not np.array_equal(b, a) for b, a in zip(before, after)]
    assert sum(changed) > len(changed) // 2
    _assert_round_trip(model, images, str(tmp_path / "trained.h5"))


def test_relu6_clips_at_zero_and_six():
    x = K.placeholder(shape=(None, 5))
    values = np.array([[-3., 0., 2.5, 6., 9.]], dtype="float32")
    result = K.function([x], [mobilenet.relu6(x)])([values])[0]
    np.testing.assert_array_equal(result, [[0., 0., 2.5, 6., 6.]])
