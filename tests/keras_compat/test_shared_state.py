"""State shared between calls: one BatchNormalization on two inputs, regularisation of
a shared layer, several updates of one variable, optimizer configs."""
import numpy as np
import pytest

from keralite import backend as K
from keralite import optimizers, regularizers
from keralite.layers import Add, BatchNormalization, Dense, Input
from keralite.models import Model


def test_one_batchnorm_shared_between_two_inputs_applies_both_updates():
    a, b = Input((3,)), Input((3,))
    bn = BatchNormalization(momentum=0.5)
    model = Model([a, b], Add()([bn(a), bn(b)]))
    assert len(model.updates) == 4
    model.compile("sgd", "mse")
    xa = np.random.rand(6, 3).astype("float32")
    xb = np.random.rand(6, 3).astype("float32") + 5.0
    model.train_on_batch([xa, xb], np.ones((6, 3)))
    # the call on `a` moves the mean first, then the call on `b` moves it again
    expected_mean = 0.5 * (0.5 * 0.0 + 0.5 * xa.mean(axis=0)) + 0.5 * xb.mean(axis=0)
    np.testing.assert_allclose(K.get_value(bn.moving_mean), expected_mean, rtol=1e-5)
    n = len(xa)
    var_a, var_b = xa.var(axis=0) * n / (n - 1), xb.var(axis=0) * n / (n - 1)
    expected_var = 0.5 * (0.5 * 1.0 + 0.5 * var_a) + 0.5 * var_b
    np.testing.assert_allclose(K.get_value(bn.moving_variance), expected_var, rtol=1e-4)


def test_repeated_updates_of_one_variable_apply_in_order():
    v = K.variable(np.array([1.0, 2.0], dtype="float32"))
    f = K.function([], [], updates=[K.update_add(v, np.ones(2, "float32")), K.update(v, v * 3.0)])
    f([])
    np.testing.assert_allclose(K.get_value(v), [6.0, 9.0])


def test_shared_layer_regularisation_counted_once_per_call():
    a, b = Input((3,)), Input((3,))
    dense = Dense(2, kernel_regularizer=regularizers.l2(0.1), activity_regularizer=regularizers.l1(0.1))
    model = Model([a, b], Add()([dense(a), dense(b)]))
    assert len(model.losses) == 3
    model.compile("sgd", "mse")
    xa, xb = np.random.rand(4, 3).astype("float32"), np.random.rand(4, 3).astype("float32")
    kernel, bias = dense.get_weights()
    ha, hb = xa @ kernel + bias, xb @ kernel + bias
    expected = (np.mean((ha + hb) ** 2) + 0.1 * np.sum(kernel ** 2) +
                0.1 * np.sum(np.abs(ha)) + 0.1 * np.sum(np.abs(hb)))
    np.testing.assert_allclose(model.test_on_batch([xa, xb], np.zeros((4, 2))), expected, rtol=1e-4)


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam"])
def test_optimizer_config_round_trips_unchanged(name):
    optimizer = getattr(optimizers, name)(clipnorm=1.5, clipvalue=0.25)
    first = optimizers.serialize(optimizer)
    assert first["config"]["clipnorm"] == 1.5 and first["config"]["clipvalue"] == 0.25
    second = optimizers.serialize(optimizers.deserialize(first))
    assert first == second
    plain = optimizers.serialize(getattr(optimizers, name)())
    assert "clipnorm" not in plain["config"] and "clipvalue" not in plain["config"]
    assert optimizers.serialize(optimizers.deserialize(plain)) == plain
