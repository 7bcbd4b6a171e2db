"""keralite.layers.advanced_activations and keralite.layers.noise: values against numpy
through the shared `layer_test` helper, PReLU's trainable slope, the noise layers'
statistics in training and their absence at test time, configs, legacy argument
names, and a model holding all of them saved to .h5 and loaded back."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import keralite as keras
from keralite import backend as K
from keralite.layers import (LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax, GaussianNoise, GaussianDropout,
                             AlphaDropout, Dense, Input, Masking)
from keralite.models import Sequential, Model, load_model
from keralite.utils.test_utils import layer_test

RNG = np.random.RandomState(5)

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def data(*shape, scale=2.0):
    return RNG.uniform(-scale, scale, size=shape).astype("float32")


# ------------------------------------------------------------------ numpy references
def leaky_relu_reference(x, alpha):
    return np.where(x >= 0, x, alpha * x)


def elu_reference(x, alpha):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def softmax_reference(x, axis):
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


# ------------------------------------------------------------------ activations
def test_leaky_relu_values():
    x = data(2, 3, 5)
    layer_test(LeakyReLU, kwargs={"alpha": 0.2}, input_data=x, expected_output=leaky_relu_reference(x, 0.2))
    layer_test(LeakyReLU, kwargs={}, input_data=x, expected_output=leaky_relu_reference(x, 0.3))


def test_elu_values():
    x = data(3, 4)
    layer_test(ELU, kwargs={"alpha": 0.7}, input_data=x, expected_output=elu_reference(x, 0.7))
    layer_test(ELU, kwargs={}, input_data=x, expected_output=elu_reference(x, 1.0))


def test_thresholded_relu_values():
    x = data(3, 2, 5)
    x[0, 0, 0] = 0.5   # exactly theta: not above it, so 0
    layer_test(ThresholdedReLU, kwargs={"theta": 0.5}, input_data=x, expected_output=np.where(x > 0.5, x, 0.0))
    layer_test(ThresholdedReLU, kwargs={}, input_data=x, expected_output=np.where(x > 1.0, x, 0.0))


@pytest.mark.parametrize("axis", [-1, 1])
def test_softmax_values_along_an_axis(axis):
    x = data(2, 3, 5)
    layer_test(Softmax, kwargs={"axis": axis}, input_data=x, expected_output=softmax_reference(x, axis))


@settings(max_examples=6, deadline=None)
@given(alpha=st.floats(0.0, 3.0), theta=st.floats(-1.0, 1.0))
def test_activation_parameters(alpha, theta):
    x = data(4, 3)
    inputs = Input(shape=(3,))
    outputs = [LeakyReLU(alpha)(inputs), ELU(alpha)(inputs), ThresholdedReLU(theta)(inputs)]
    got = K.function([inputs], outputs)([x])
    alpha32 = np.float32(alpha)
    np.testing.assert_allclose(got[0], leaky_relu_reference(x, alpha32), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got[1], elu_reference(x, alpha32), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], np.where(x > np.float32(theta), x, 0.0), rtol=1e-6)


# ------------------------------------------------------------------ PReLU
class Slopes(keras.initializers.Initializer):
    """Slopes that all differ, so a wrongly broadcast alpha would show."""

    def __call__(self, shape, dtype=None):
        size = int(np.prod(shape))
        return (np.arange(size, dtype="float32").reshape(shape) + 1.0) / (size + 1.0)

    def get_config(self):
        return {}


def test_prelu_with_and_without_shared_axes():
    x = data(2, 3, 4, 5)
    with keras.utils.CustomObjectScope({"Slopes": Slopes}):
        # one slope per channel, shared over the two spatial axes
        slopes = Slopes()((1, 1, 5))
        layer_test(PReLU, kwargs={"alpha_initializer": Slopes(), "shared_axes": [1, 2]}, input_data=x,
                   expected_output=np.where(x >= 0, x, slopes * x))
        slopes = Slopes()((3, 1, 5))
        layer_test(PReLU, kwargs={"alpha_initializer": Slopes(), "shared_axes": 2}, input_data=x,
                   expected_output=np.where(x >= 0, x, slopes * x))
        slopes = Slopes()((3, 4, 5))
        layer_test(PReLU, kwargs={"alpha_initializer": Slopes()}, input_data=x,
                   expected_output=np.where(x >= 0, x, slopes * x))
    # the default slope is 0: a plain relu
    layer_test(PReLU, kwargs={}, input_data=x, expected_output=np.maximum(x, 0.0))


def test_prelu_weight_shape_and_input_spec():
    layer = PReLU(shared_axes=(1, 2))
    assert layer.shared_axes == [1, 2]
    layer.build((None, 3, 4, 5))
    assert [w.shape for w in layer.get_weights()] == [(1, 1, 5)]
    assert layer.weights[0].name.split("/")[-1].startswith("alpha")
    assert layer.input_spec.ndim == 4 and layer.input_spec.axes == {3: 5}
    with pytest.raises(ValueError, match="expected axis 3 of input shape to have value 5"):
        layer(Input(shape=(3, 4, 6)))
    # a shared axis may change size
    assert K.int_shape(layer(Input(shape=(7, 2, 5)))) == (None, 7, 2, 5)


def test_prelu_alpha_gradient_matches_numpy():
    x = data(4, 3, 2)
    inputs = Input(shape=(3, 2))
    layer = PReLU(alpha_initializer=keras.initializers.Constant(0.1), shared_axes=[1])
    outputs = layer(inputs)
    projection = data(4, 3, 2)
    loss = K.sum(outputs * K.constant(projection))
    gradient = K.gradients(loss, layer.trainable_weights)[0]
    got = K.function([inputs], [gradient])([x])[0]
    # d(sum(p * y)) / d(alpha) = sum over batch and shared axis of p * min(x, 0)
    expected = (projection * np.minimum(x, 0.0)).sum(axis=(0, 1), keepdims=True)[0]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_prelu_slope_is_learned_by_fit():
    x = data(64, 3)
    true_slopes = np.array([0.5, -0.25, 1.5], dtype="float32")
    y = np.where(x >= 0, x, true_slopes * x)
    model = Sequential([PReLU(input_shape=(3,))])
    model.compile(keras.optimizers.SGD(lr=0.5), "mse")
    assert np.all(model.get_weights()[0] == 0.0)
    history = model.fit(x, y, batch_size=16, epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.01 * history.history["loss"][0]
    np.testing.assert_allclose(model.get_weights()[0], true_slopes, atol=0.02)


def test_prelu_regularizer_and_constraint():
    layer = PReLU(alpha_initializer=keras.initializers.Constant(-0.5), alpha_regularizer=keras.regularizers.l2(0.1),
                  alpha_constraint="non_neg")
    layer.build((None, 4))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(K.eval(layer.losses[0]), 0.1 * 4 * 0.25, rtol=1e-6)
    model = Sequential([Dense(4, input_shape=(2,)), layer])
    model.compile("sgd", "mse")
    model.train_on_batch(data(5, 2), data(5, 4))
    assert np.all(layer.get_weights()[0] >= 0.0)   # the constraint projected the slopes


# ------------------------------------------------------------------ noise layers: off at test time
@pytest.mark.parametrize("layer_cls, kwargs", [
    (GaussianNoise, {"stddev": 0.5}),
    (GaussianDropout, {"rate": 0.4}),
    (AlphaDropout, {"rate": 0.2}),
    (AlphaDropout, {"rate": 0.3, "noise_shape": (None, 1, 5), "seed": 3}),
])
def test_noise_layers_are_identity_at_inference(layer_cls, kwargs):
    x = data(3, 4, 5)
    layer_test(layer_cls, kwargs=kwargs, input_data=x, expected_output=x)


@pytest.mark.parametrize("layer, expected_loss", [
    # mse(x + n, x) = E[n^2] = stddev^2
    (lambda: GaussianNoise(0.5), lambda x: 0.25),
    # mse(x * n, x) = E[x^2] * var(n) = E[x^2] * rate / (1 - rate)
    (lambda: GaussianDropout(0.2), lambda x: np.mean(x ** 2) * 0.25),
])
def test_noise_is_on_in_training_and_off_in_predict(layer, expected_loss):
    x = data(400, 50)
    inputs = Input(shape=(50,))
    model = Model(inputs, layer()(inputs))
    model.compile("sgd", "mse")
    np.testing.assert_array_equal(model.predict(x), x)
    assert model.test_on_batch(x, x) == pytest.approx(0.0, abs=1e-12)
    train_loss = model.train_on_batch(x, x)
    assert train_loss == pytest.approx(expected_loss(x), rel=0.1)
    history = model.fit(x, x, batch_size=400, epochs=2, verbose=0)
    assert all(loss == pytest.approx(expected_loss(x), rel=0.1) for loss in history.history["loss"])
    # evaluate runs in test mode: no noise
    assert model.evaluate(x, x, verbose=0) == pytest.approx(0.0, abs=1e-12)


def test_alpha_dropout_is_on_in_training_and_off_in_predict():
    x = RNG.standard_normal((200, 30)).astype("float32")
    model = Sequential([AlphaDropout(0.1, input_shape=(30,))])
    model.compile("sgd", "mse")
    np.testing.assert_array_equal(model.predict(x), x)
    assert model.train_on_batch(x, x) > 0.05
    assert model.evaluate(x, x, verbose=0) == pytest.approx(0.0, abs=1e-12)


# ------------------------------------------------------------------ noise layers: statistics in training
def training_output(layer, x, input_shape=None):
    inputs = Input(shape=input_shape or x.shape[1:])
    outputs = layer(inputs, training=True)
    return K.function([inputs], [outputs])([x])[0]


def test_gaussian_noise_statistics():
    x = data(300, 200)
    noise = training_output(GaussianNoise(0.3), x) - x
    assert abs(noise.mean()) < 0.01
    assert noise.std() == pytest.approx(0.3, rel=0.02)
    # and a fresh draw on the next call
    inputs = Input(shape=(200,))
    run = K.function([inputs], [GaussianNoise(0.3)(inputs, training=True)])
    assert not np.array_equal(run([x])[0], run([x])[0])


@pytest.mark.parametrize("rate", [0.2, 0.6])
def test_gaussian_dropout_statistics(rate):
    x = RNG.uniform(0.5, 2.0, size=(300, 200)).astype("float32")
    factor = training_output(GaussianDropout(rate), x) / x
    assert factor.mean() == pytest.approx(1.0, abs=0.03 * np.sqrt(rate / (1 - rate)) + 0.005)
    assert factor.std() == pytest.approx(np.sqrt(rate / (1.0 - rate)), rel=0.02)


@pytest.mark.parametrize("rate", [0.1, 0.4])
def test_alpha_dropout_keeps_selu_mean_and_variance(rate):
    x = RNG.standard_normal((400, 150)).astype("float32")   # SELU's fixed point: mean 0, variance 1
    got = training_output(AlphaDropout(rate, seed=7), x)
    assert abs(got.mean()) < 0.02
    assert got.var() == pytest.approx(1.0, abs=0.03)
    # a dropped unit takes one value, a * (-scale * alpha) + b; a kept one is a * x + b
    saturation = -SELU_ALPHA * SELU_SCALE
    a = ((1 - rate) * (1 + rate * saturation ** 2)) ** -0.5
    b = -a * saturation * rate
    dropped = np.isclose(got, a * saturation + b, atol=1e-5)
    assert dropped.mean() == pytest.approx(rate, abs=0.01)
    np.testing.assert_allclose(got[~dropped], a * x[~dropped] + b, rtol=1e-5, atol=1e-5)


def test_alpha_dropout_noise_shape_and_seed():
    x = RNG.standard_normal((60, 4, 7)).astype("float32")
    got = training_output(AlphaDropout(0.5, noise_shape=(None, 1, 7), seed=11), x)
    saturation = -SELU_ALPHA * SELU_SCALE
    a = (0.5 * (1 + 0.5 * saturation ** 2)) ** -0.5
    dropped = np.isclose(got, a * saturation - a * saturation * 0.5, atol=1e-5)
    # one draw per (sample, feature), shared over axis 1
    assert np.all(dropped == dropped[:, :1, :])
    assert 0.3 < dropped.mean() < 0.7
    # the same seed gives the same first draw in a function built afresh
    again = training_output(AlphaDropout(0.5, noise_shape=(None, 1, 7), seed=11), x)
    np.testing.assert_array_equal(got, again)


def test_noise_layers_leave_rate_zero_alone_and_pass_masks():
    x = data(3, 4)
    for layer in (GaussianDropout(0.0), AlphaDropout(0.0), AlphaDropout(1.0)):
        np.testing.assert_array_equal(training_output(layer, x), x)
    inputs = Input(shape=(4, 2))
    masked = Masking()(inputs)
    for layer in (GaussianNoise(0.1), GaussianDropout(0.1), AlphaDropout(0.1), LeakyReLU(), PReLU(), ELU(),
                  ThresholdedReLU(), Softmax()):
        assert layer(masked)._keras_mask is masked._keras_mask, layer.name


# ------------------------------------------------------------------ configs and legacy names
@pytest.mark.parametrize("layer, keys", [
    (LeakyReLU(0.1), {"alpha": 0.1}),
    (ELU(0.5), {"alpha": 0.5}),
    (ThresholdedReLU(0.25), {"theta": 0.25}),
    (Softmax(axis=1), {"axis": 1}),
    (PReLU(alpha_initializer="ones", alpha_regularizer="l1", alpha_constraint="non_neg", shared_axes=(1,)),
     {"shared_axes": [1]}),
    (GaussianNoise(0.3), {"stddev": 0.3}),
    (GaussianDropout(0.2), {"rate": 0.2}),
    (AlphaDropout(0.15), {"rate": 0.15}),
])
def test_config_round_trip(layer, keys):
    config = layer.get_config()
    assert set(config) == {"name", "trainable", "dtype"} | set(keys) | (
        {"alpha_initializer", "alpha_regularizer", "alpha_constraint"} if isinstance(layer, PReLU) else set())
    for key, value in keys.items():
        assert config[key] == pytest.approx(value) if isinstance(value, float) else config[key] == value
    serialized = keras.layers.serialize(layer)
    assert serialized["class_name"] == type(layer).__name__
    rebuilt = keras.layers.deserialize(serialized)
    assert type(rebuilt) is type(layer)
    assert rebuilt.get_config() == config


def test_prelu_config_serializes_its_objects():
    config = PReLU(alpha_initializer="ones", alpha_regularizer="l1", alpha_constraint="non_neg").get_config()
    assert config["alpha_initializer"]["class_name"] == "Ones"
    assert config["alpha_regularizer"]["class_name"] == "L1L2"
    assert config["alpha_constraint"]["class_name"] == "NonNeg"
    assert config["shared_axes"] is None


def test_keras1_argument_names():
    with pytest.warns(UserWarning, match=r"Update your `PReLU` call to the Keras 2 API"):
        layer = PReLU(init="ones")
    assert layer.get_config()["alpha_initializer"]["class_name"] == "Ones"
    with pytest.warns(UserWarning, match=r"Update your `GaussianNoise` call to the Keras 2 API"):
        assert GaussianNoise(sigma=0.2).stddev == 0.2
    with pytest.warns(UserWarning, match=r"Update your `GaussianDropout` call to the Keras 2 API"):
        assert GaussianDropout(p=0.3).rate == 0.3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GaussianNoise(0.2)
        PReLU("ones")


def test_imported_under_keras_paths():
    from keralite.layers.advanced_activations import PReLU as prelu_by_path
    from keralite.layers.noise import AlphaDropout as alpha_dropout_by_path
    assert prelu_by_path is keras.layers.PReLU and alpha_dropout_by_path is keras.layers.AlphaDropout


# ------------------------------------------------------------------ save and load
def test_sequential_model_saved_and_loaded(tmp_path):
    x = data(6, 4)
    model = Sequential([
        Dense(5, input_shape=(4,)),
        PReLU(alpha_initializer=keras.initializers.RandomUniform(0.1, 0.4, seed=1)),
        GaussianNoise(0.2),
        LeakyReLU(0.15),
        GaussianDropout(0.3),
        Dense(7),
        ELU(0.8),
        AlphaDropout(0.1),
        ThresholdedReLU(0.05),
        Dense(3),
        Softmax(),
    ])
    model.compile("adam", "categorical_crossentropy")
    model.fit(x, np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2]], epochs=2, verbose=0)
    expected = model.predict(x)
    # at test time the model is the numpy chain of its layers
    w = model.get_weights()
    h = x @ w[0] + w[1]
    h = leaky_relu_reference(np.where(h >= 0, h, w[2] * h), 0.15)
    h = elu_reference(h @ w[3] + w[4], 0.8)
    h = np.where(h > 0.05, h, 0.0)
    np.testing.assert_allclose(expected, softmax_reference(h @ w[5] + w[6], -1), rtol=1e-4, atol=1e-6)

    path = str(tmp_path / "activations_noise.h5")
    model.save(path)
    loaded = load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]
    assert loaded.layers[1].get_config() == model.layers[1].get_config()
    for saved, restored in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(saved, restored)
    np.testing.assert_array_equal(loaded.predict(x), expected)
    loaded.train_on_batch(x, np.eye(3, dtype="float32")[[2, 1, 0, 2, 1, 0]])
