"""Layers over axes whose size is known only at run time (a text CNN's time axis left
None, a fully convolutional net's image size), and multi_gpu_model with a run-time
batch: one compiled model serves every size, and matches a model built for that size."""
import numpy as np
import pytest

import keralite as keras
from keralite.layers import (Conv1D, Conv2D, Dense, GlobalMaxPooling1D, GlobalAveragePooling2D, Input,
                             MaxPooling1D, AveragePooling2D)
from keralite.models import Model, Sequential
from keralite.utils import multi_gpu_model

LENGTHS = (5, 9, 17)


def _text_cnn(length):
    inputs = Input((length, 4))
    h = Conv1D(6, 2, activation="relu")(inputs)
    h = MaxPooling1D(2)(h)
    h = Conv1D(5, 2, strides=2)(h)
    h = GlobalMaxPooling1D()(h)
    return Model(inputs, Dense(2)(h))


def test_text_cnn_over_any_length_matches_fixed_length_models():
    free = _text_cnn(None)
    assert free.output_shape == (None, 2)
    assert free.layers[1].output_shape == (None, None, 6)
    rng = np.random.RandomState(0)
    for length in LENGTHS:
        fixed = _text_cnn(length)
        fixed.set_weights(free.get_weights())
        x = rng.randn(3, length, 4).astype("float32")
        np.testing.assert_allclose(free.predict(x), fixed.predict(x), rtol=1e-5, atol=1e-5)


def test_text_cnn_trains_on_batches_of_different_lengths():
    model = _text_cnn(None)
    model.compile("sgd", "mse")
    rng = np.random.RandomState(1)
    for length in LENGTHS:
        loss = model.train_on_batch(rng.randn(4, length, 4).astype("float32"), np.ones((4, 2), "float32"))
        assert np.isfinite(loss)
    with pytest.raises(ValueError, match="needs at least 2 elements"):
        model.predict(np.zeros((1, 1, 4), "float32"))


def _fully_convolutional(rows, cols):
    inputs = Input((rows, cols, 3))
    h = Conv2D(4, 3, strides=2)(inputs)
    h = AveragePooling2D(3, strides=2, padding="same")(h)
    return Model(inputs, [h, GlobalAveragePooling2D()(h)])


def test_strided_conv2d_and_same_pooling_over_unknown_image_sizes():
    free = _fully_convolutional(None, None)
    rng = np.random.RandomState(2)
    for rows, cols in [(5, 9), (9, 17), (17, 5)]:
        fixed = _fully_convolutional(rows, cols)
        fixed.set_weights(free.get_weights())
        x = rng.randn(2, rows, cols, 3).astype("float32")
        for got, want in zip(free.predict(x), fixed.predict(x)):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _template():
    inputs = Input((3,))
    hidden = Dense(5, activation="tanh")(inputs)
    return Model(inputs, Dense(2)(hidden))


@pytest.mark.parametrize("batch", [7, 8])
def test_multi_gpu_model_with_a_run_time_batch_predicts_as_the_template(batch):
    template = _template()
    parallel = multi_gpu_model(template, gpus=3)
    x = np.random.RandomState(batch).randn(batch, 3).astype("float32")
    np.testing.assert_allclose(parallel.predict(x, batch_size=batch), template.predict(x, batch_size=batch),
                               rtol=1e-6, atol=1e-6)


def test_multi_gpu_model_with_a_run_time_batch_trains_the_templates_weights():
    template = _template()
    reference = _template()
    reference.set_weights(template.get_weights())
    parallel = multi_gpu_model(template, gpus=2)
    parallel.compile(keras.optimizers.SGD(0.1), "mse")
    reference.compile(keras.optimizers.SGD(0.1), "mse")
    rng = np.random.RandomState(3)
    x, y = rng.randn(7, 3).astype("float32"), rng.randn(7, 2).astype("float32")
    np.testing.assert_allclose(parallel.train_on_batch(x, y), reference.train_on_batch(x, y), rtol=1e-5)
    for got, want in zip(template.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_crop_and_zero_padding_over_an_unknown_length():
    from keralite.layers import Cropping1D, ZeroPadding1D
    inputs = Input((None, 2))
    cropped = Cropping1D((2, 1))(inputs)
    model = Model(inputs, [cropped, ZeroPadding1D((1, 3))(cropped)])
    for length in LENGTHS:
        x = np.random.RandomState(length).randn(2, length, 2).astype("float32")
        crop, padded = model.predict(x)
        np.testing.assert_allclose(crop, x[:, 2:-1])
        np.testing.assert_allclose(padded, np.pad(x[:, 2:-1], ((0, 0), (1, 3), (0, 0))))


def test_an_export_needs_computed_sizes_fixed(tmp_path):
    from keralite.export import ExportError, export_model
    with pytest.raises(ExportError, match="computes some sizes from the input sizes"):
        export_model(multi_gpu_model(_template(), gpus=2), str(tmp_path / "parallel"), name="parallel")
    inputs = Input((None, 4))
    model = Model(inputs, GlobalMaxPooling1D()(Conv1D(3, 3, strides=2)(inputs)))
    with pytest.raises(ExportError, match="--seq-len N"):
        export_model(model, str(tmp_path / "free"), name="free")
    export = export_model(model, str(tmp_path / "fixed"), name="fixed", seq_len=9)
    assert export.metadata["outputs"][0]["shape"] == [-1, 3]
