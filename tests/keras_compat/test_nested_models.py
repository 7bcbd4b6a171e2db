"""A model nested in another and called on a new tensor (Keras' mnist_acgan pattern):
its input-dependent updates and losses follow the call, not the nested model's own
Input, and a missing input is reported with the names the user wrote."""
import numpy as np
import pytest

from keralite import backend as K
from keralite import regularizers
from keralite.backend.execution import MissingInputError
from keralite.layers import Add, BatchNormalization, Dense, Input
from keralite.models import Model, Sequential


def _dense_bn_sequential():
    seq = Sequential()
    seq.add(Dense(3, input_shape=(4,), kernel_initializer="glorot_uniform"))
    seq.add(BatchNormalization(momentum=0.9))
    return seq


def test_nested_sequential_with_batchnorm_trains_and_updates_moving_stats():
    seq = _dense_bn_sequential()
    inp = Input((4,))
    model = Model(inp, Dense(1)(seq(inp)))
    model.compile("sgd", "mse")
    x = np.random.RandomState(0).rand(8, 4).astype("float32")
    y = np.ones((8, 1), dtype="float32")
    kernel, bias = [w.copy() for w in seq.layers[0].get_weights()]
    model.train_on_batch(x, y)
    # the update runs on the batch fed to the OUTER model, with pre-step weights
    batch_mean = (x @ kernel + bias).mean(axis=0)
    moving_mean = K.get_value(seq.layers[1].moving_mean)
    np.testing.assert_allclose(moving_mean, 0.1 * batch_mean, rtol=1e-4, atol=1e-6)
    assert model.fit(x, y, epochs=2, batch_size=4, verbose=0).history["loss"]
    assert model.predict(x).shape == (8, 1)


def test_nested_model_called_twice_updates_once_per_call():
    seq = _dense_bn_sequential()
    a, b = Input((4,)), Input((4,))
    model = Model([a, b], Add()([seq(a), seq(b)]))
    # two calls inside `model`, and none from the nested model's own Input
    assert len(model.updates) == 2 * len(seq.layers[1].get_updates_for(seq.layers[1].input))
    model.compile("sgd", "mse")
    loss = model.train_on_batch([np.random.rand(4, 4), np.random.rand(4, 4)], np.zeros((4, 3)))
    assert np.isfinite(loss)


def test_nested_model_losses_count_per_call_and_weight_penalties_once():
    a = Input((3,))
    inner = Model(a, Dense(2, kernel_regularizer=regularizers.l2(0.1),
                           activity_regularizer=regularizers.l1(0.1))(a))
    c, e = Input((3,)), Input((3,))
    outer = Model([c, e], Add()([inner(c), inner(e)]))
    # one kernel penalty, one activity penalty per call
    assert len(outer.losses) == 3
    outer.compile("sgd", "mse")
    x = np.random.rand(5, 3).astype("float32")
    zeros = np.zeros((5, 2), dtype="float32")
    kernel, bias = inner.layers[1].get_weights()
    h = x @ kernel + bias
    # Keras 2.1.6 sums an activity penalty over the batch (no division by its size)
    expected = np.mean((2 * h) ** 2) + 0.1 * np.sum(kernel ** 2) + 2 * 0.1 * np.sum(np.abs(h))
    np.testing.assert_allclose(outer.test_on_batch([x, x], zeros), expected, rtol=1e-4)


def test_missing_input_error_names_the_nested_model_and_tensor():
    seq = _dense_bn_sequential()
    inp = Input((4,))
    model = Model(inp, seq(inp))
    # a loss computed on the nested model's own input tensor cannot be fed by `model`
    model.add_loss(K.mean(seq.layers[0].output))
    model.compile("sgd", "mse")
    with pytest.raises(MissingInputError) as info:
        model.train_on_batch(np.zeros((2, 4)), np.zeros((2, 3)))
    message = str(info.value)
    assert "'" + seq.layers[0].input.name + "'" in message
    assert "InputLayer" in message
    assert "nested model '" + seq.name + "'" in message and "model '" + model.name + "'" in message


def test_backend_function_names_the_keras_tensor():
    hidden = Dense(2, name="hidden")(Input((3,), name="features"))
    with pytest.raises(ValueError, match="tensor 'features.*InputLayer 'features'"):
        K.function([], [hidden])


def test_nested_model_called_on_its_own_input_keeps_its_updates():
    seq = _dense_bn_sequential()
    model = Model(seq.input, seq(seq.input))
    assert len(model.updates) == len(seq.updates) == 2
    model.compile("sgd", "mse")
    model.train_on_batch(np.random.rand(4, 4), np.zeros((4, 3)))
    assert np.any(K.get_value(seq.layers[1].moving_mean) != 0)
