"""multi_gpu_model on the CPU: replicas share the template's weights, each computes
its own slice of the batch, outputs meet on the batch axis; Keras' argument errors."""
import numpy as np
import pytest

import keralite as keras
from keralite import backend as K
from keralite.layers import Dense, Input, Lambda, concatenate
from keralite.models import Model, Sequential
from keralite.utils import multi_gpu_model
from keralite.utils.multi_gpu_utils import get_slice

BATCH = 7


def _template():
    model = Sequential()
    model.add(Dense(5, activation="tanh", batch_input_shape=(BATCH, 3)))
    model.add(Dense(2))
    return model


def _data(seed=0):
    rng = np.random.RandomState(seed)
    return rng.randn(BATCH, 3).astype("float32"), rng.randn(BATCH, 2).astype("float32")


def test_predictions_equal_the_templates():
    template = _template()
    parallel = multi_gpu_model(template, gpus=2)
    x, _ = _data()
    np.testing.assert_allclose(parallel.predict(x, batch_size=BATCH), template.predict(x, batch_size=BATCH),
                               rtol=1e-6, atol=1e-6)
    assert parallel.output_names == template.output_names
    # one slice layer per replica, 3 then 4 samples (the last slice takes the remainder)
    slice_shapes = [K.int_shape(layer.output) for layer in parallel.layers if isinstance(layer, Lambda)]
    assert slice_shapes == [(3, 3), (4, 3)]
    assert len(parallel.get_weights()) == len(template.get_weights())


def test_each_replica_sees_only_its_slice():
    # a layer that centres its batch tells the whole batch from a slice of it
    inputs = Input(batch_shape=(BATCH, 2))
    centred = Lambda(lambda t: t - K.mean(t, axis=0, keepdims=True))(inputs)
    template = Model(inputs, centred)
    x = np.arange(BATCH * 2, dtype="float32").reshape(BATCH, 2) ** 2
    expected = np.concatenate([part - part.mean(0) for part in (x[:2], x[2:4], x[4:])])
    parallel = multi_gpu_model(template, gpus=[0, 1, 2])
    np.testing.assert_allclose(parallel.predict(x, batch_size=BATCH), expected, rtol=1e-5)
    np.testing.assert_allclose(template.predict(x, batch_size=BATCH), x - x.mean(0), rtol=1e-5)


def test_training_a_step_changes_the_shared_weights():
    template = _template()
    parallel = multi_gpu_model(template, gpus=2)
    parallel.compile(optimizer=keras.optimizers.SGD(lr=0.1), loss="mse")
    x, y = _data(1)
    before = [w.copy() for w in template.get_weights()]
    loss_before = parallel.evaluate(x, y, batch_size=BATCH, verbose=0)
    parallel.train_on_batch(x, y)
    after = template.get_weights()
    assert all(not np.allclose(a, b) for a, b in zip(before, after))
    # the step is plain SGD on the mean squared error of the whole batch
    assert parallel.evaluate(x, y, batch_size=BATCH, verbose=0) < loss_before
    np.testing.assert_allclose(parallel.predict(x, batch_size=BATCH), template.predict(x, batch_size=BATCH),
                               rtol=1e-5, atol=1e-6)


def test_multiple_inputs_and_outputs():
    a, b = Input(batch_shape=(4, 3), name="a"), Input(batch_shape=(4, 2), name="b")
    joined = concatenate([a, b])
    first = Dense(2, name="first")(joined)
    second = Dense(1, name="second")(joined)
    template = Model([a, b], [first, second])
    parallel = multi_gpu_model(template, gpus=2)
    assert parallel.output_names == ["first", "second"]
    xa, xb = np.random.RandomState(2).randn(4, 3), np.random.RandomState(3).randn(4, 2)
    for got, want in zip(parallel.predict([xa, xb], batch_size=4), template.predict([xa, xb], batch_size=4)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_save_and_load(tmp_path):
    template = _template()
    parallel = multi_gpu_model(template, gpus=2)
    parallel.compile(optimizer="sgd", loss="mse")
    x, y = _data(4)
    parallel.train_on_batch(x, y)
    path = str(tmp_path / "parallel.h5")
    parallel.save(path)
    restored = keras.models.load_model(path, custom_objects={"get_slice": get_slice})
    np.testing.assert_allclose(restored.predict(x, batch_size=BATCH), parallel.predict(x, batch_size=BATCH),
                               rtol=1e-6, atol=1e-6)
    restored.train_on_batch(x, y)        # the optimizer state came back too


@pytest.mark.parametrize("gpus, message", [
    (1, "call `multi_gpu_model` with `gpus >= 2`. Received: `gpus=1`"),
    (0, "call `multi_gpu_model` with `gpus >= 2`. Received: `gpus=0`"),
    (None, "call `multi_gpu_model` with `gpus >= 2`. Received: `gpus=0`"),
    ([3], r"call `multi_gpu_model` with `len\(gpus\) >= 2`. Received: `gpus=\[3\]`"),
])
def test_too_few_replicas(gpus, message):
    with pytest.raises(ValueError, match="For multi-gpu usage to be effective, " + message):
        multi_gpu_model(_template(), gpus=gpus)


def test_a_fixed_batch_smaller_than_the_replicas_is_named():
    tiny = Sequential([Dense(2, batch_input_shape=(1, 3))])
    with pytest.raises(ValueError, match="a batch of 1 samples, fewer than the 2 replicas"):
        multi_gpu_model(tiny, gpus=2)
