"""Configs written by newer Keras 2 (tf_keras 2.x): every key it writes for these
layers and for Adagrad is accepted; keys that change nothing are dropped by name, the
others work as in newer Keras."""
import numpy as np
import pytest

from keralite import backend as K
from keralite import layers, optimizers
from keralite.layers import Dense, Input
from keralite.models import Model, Sequential

BASE = {"name": "probe", "trainable": True, "dtype": "float32"}


def _from_newer_keras(class_name, **config):
    return layers.deserialize({"class_name": class_name, "config": dict(BASE, **config)})


def _train_phase_output(layer, x):
    inp = Input(x.shape[1:])
    return K.function([inp], [layer(inp)], learning_phase=1)([x])[0]


@pytest.mark.parametrize("class_name, argument", [("GaussianNoise", {"stddev": 0.5}),
                                                  ("GaussianDropout", {"rate": 0.3})])
def test_noise_layers_take_a_seed(class_name, argument):
    x = np.ones((4, 5), dtype="float32")
    first = _from_newer_keras(class_name, seed=11, **argument)
    second = _from_newer_keras(class_name, seed=11, **argument)
    assert first.get_config()["seed"] == 11
    np.testing.assert_array_equal(_train_phase_output(first, x), _train_phase_output(second, x))
    other = _train_phase_output(_from_newer_keras(class_name, seed=12, **argument), x)
    assert not np.array_equal(other, _train_phase_output(first, x))
    unseeded = _from_newer_keras(class_name, seed=None, **argument)
    assert "seed" not in unseeded.get_config()     # a Keras 2.1.6 config stays as it was


def test_alpha_dropout_keeps_its_seed_in_the_config():
    layer = _from_newer_keras("AlphaDropout", rate=0.2, seed=5, noise_shape=None)
    assert layer.get_config()["seed"] == 5
    assert "seed" not in layers.AlphaDropout(0.2).get_config()


@pytest.mark.parametrize("class_name, reduce", [("GlobalMaxPooling1D", np.max),
                                                ("GlobalAveragePooling1D", np.mean)])
def test_global_pooling_1d_data_format(class_name, reduce):
    x = np.random.RandomState(0).rand(2, 3, 7).astype("float32")   # (batch, channels, steps)
    layer = _from_newer_keras(class_name, data_format="channels_first", keepdims=False)
    inp = Input((3, 7))
    out = layer(inp)
    assert K.int_shape(out) == (None, 3)
    np.testing.assert_allclose(Model(inp, out).predict(x), reduce(x, axis=2), rtol=1e-6)
    assert layer.get_config()["data_format"] == "channels_first"
    last = _from_newer_keras(class_name, data_format="channels_last", keepdims=False)
    assert "data_format" not in last.get_config()
    xt = x.transpose(0, 2, 1)
    inp = Input((7, 3))
    np.testing.assert_allclose(Model(inp, last(inp)).predict(xt), reduce(xt, axis=1), rtol=1e-6)
    kept = _from_newer_keras(class_name, data_format="channels_first", keepdims=True)
    assert kept.compute_output_shape((None, 3, 7)) == (None, 3, 1)


@pytest.mark.parametrize("class_name, reduce", [("MaxPooling1D", np.max), ("AveragePooling1D", np.mean)])
def test_pooling_1d_data_format(class_name, reduce):
    x = np.random.RandomState(1).rand(2, 3, 8).astype("float32")   # (batch, channels, steps)
    layer = _from_newer_keras(class_name, pool_size=[2], strides=[2], padding="valid",
                              data_format="channels_first")
    inp = Input((3, 8))
    out = layer(inp)
    assert K.int_shape(out) == (None, 3, 4)
    expected = reduce(x.reshape(2, 3, 4, 2), axis=3)
    np.testing.assert_allclose(Model(inp, out).predict(x), expected, rtol=1e-6)
    last = _from_newer_keras(class_name, pool_size=[2], strides=[2], padding="valid",
                             data_format="channels_last")
    assert "data_format" not in last.get_config()


def test_batchnorm_newer_keys():
    layer = _from_newer_keras("BatchNormalization", axis=[1], momentum=0.9, epsilon=1e-3, center=True,
                              scale=True, synchronized=False)
    assert layer.axis == 1
    with pytest.raises(ValueError, match="synchronized=True"):
        _from_newer_keras("BatchNormalization", axis=-1, synchronized=True)
    with pytest.raises(ValueError, match="renorm"):
        _from_newer_keras("BatchNormalization", axis=-1, renorm=True)
    with pytest.raises(TypeError, match="not understood"):
        _from_newer_keras("BatchNormalization", axis=-1, no_such_key=1)


def test_adagrad_initial_accumulator_value():
    config = {"class_name": "Adagrad", "config": {
        "name": "Adagrad", "learning_rate": 0.1, "decay": 0.0, "initial_accumulator_value": 0.5,
        "epsilon": 1e-07, "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
        "clipvalue": None, "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
        "jit_compile": False, "is_legacy_optimizer": False}}
    optimizer = optimizers.deserialize(config)
    assert optimizer.get_config()["initial_accumulator_value"] == 0.5
    assert "initial_accumulator_value" not in optimizers.Adagrad().get_config()
    model = Sequential([Dense(1, input_shape=(2,), use_bias=False, kernel_initializer="ones")])
    model.compile(optimizer, "mse")
    x = np.array([[1.0, 2.0]], dtype="float32")
    y = np.array([[0.0]], dtype="float32")
    model.train_on_batch(x, y)
    grad = 2 * (x @ np.ones((2, 1)) - y) * x.T          # d mse / d kernel
    expected = 1.0 - 0.1 * grad / (np.sqrt(0.5 + grad ** 2) + 1e-07)
    np.testing.assert_allclose(model.get_weights()[0], expected, rtol=1e-5)
