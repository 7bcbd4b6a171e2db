"""keralite.layers.embeddings and keralite.layers.normalization against numpy: Embedding's
lookup, its mask (mask_zero) as it propagates into later layers and the loss, its
scatter-add gradient, Keras 1 names; BatchNormalization in training and inference,
its moving statistics after fit as Keras 2.1.6's update rule gives them, channels-first
broadcasting, weight order, configs, and both layers saved to .h5 and loaded back."""
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import keralite as keras
from keralite import backend as K
from keralite.layers import Embedding, BatchNormalization, Dense, Flatten, Input, Add
from keralite.models import Sequential, Model, load_model
from keralite.utils.test_utils import layer_test

RNG = np.random.RandomState(31)


def data(*shape, scale=1.0, shift=0.0):
    return (RNG.uniform(-scale, scale, size=shape) + shift).astype("float32")


def tokens(*shape, vocabulary=7, dtype="int32"):
    return RNG.randint(0, vocabulary, size=shape).astype(dtype)


# ================================================================== Embedding
@settings(max_examples=6, deadline=None)
@given(index_shape=st.sampled_from([(3, 5), (4, 2, 3), (2, 7)]),
       dtype=st.sampled_from(["int32", "int64", "float32"]), output_dim=st.integers(2, 6))
def test_embedding_lookup_against_numpy(index_shape, dtype, output_dim):
    vocabulary = 9
    indices = tokens(*index_shape, vocabulary=vocabulary, dtype=dtype)
    table = data(vocabulary, output_dim)
    layer = Embedding(vocabulary, output_dim, weights=[table], input_shape=index_shape[1:], dtype="float32")
    model = Sequential([layer])
    got = model.predict(indices)
    np.testing.assert_array_equal(got, table[indices.astype("int64")])
    assert model.output_shape == (None,) + index_shape[1:] + (output_dim,)


def test_embedding_through_the_layer_test_helper():
    indices = tokens(3, 5)
    table = layer_test(Embedding, kwargs={"input_dim": 7, "output_dim": 4, "input_length": 5},
                       input_data=indices, expected_output_dtype="float32")
    assert table.shape == (3, 5, 4)
    layer_test(Embedding, kwargs={"input_dim": 7, "output_dim": 2, "embeddings_initializer": "ones"},
               input_data=indices, expected_output=np.ones((3, 5, 2), "float32"), expected_output_dtype="float32")


def test_embedding_output_shapes_and_input_length():
    assert Embedding(5, 3).compute_output_shape((None, 6)) == (None, 6, 3)
    assert Embedding(5, 3, input_length=6).compute_output_shape((None, 6)) == (None, 6, 3)
    assert Embedding(5, 3, input_length=(None, 4)).compute_output_shape((None, 2, 4)) == (None, 2, 4, 3)
    assert Embedding(5, 3).batch_input_shape == (None, None)
    assert Embedding(5, 3, input_length=6).batch_input_shape == (None, 6)
    with pytest.raises(ValueError, match=re.escape('"input_length" is 6, but received input has shape (None, 5)')):
        Embedding(5, 3, input_length=6).compute_output_shape((None, 5))
    with pytest.raises(ValueError, match='"input_length" is'):
        Embedding(5, 3, input_length=6).compute_output_shape((None, 6, 2))


def test_embedding_config_round_trip_and_weights():
    layer = Embedding(input_dim=11, output_dim=3, embeddings_regularizer="l2", embeddings_constraint="unit_norm",
                      mask_zero=True, input_length=4, name="words")
    config = layer.get_config()
    assert sorted(config) == sorted(["name", "trainable", "dtype", "batch_input_shape", "input_dim", "output_dim",
                                     "embeddings_initializer", "embeddings_regularizer", "activity_regularizer",
                                     "embeddings_constraint", "mask_zero", "input_length"])
    assert config["embeddings_initializer"] == {"class_name": "RandomUniform",
                                                "config": {"minval": -0.05, "maxval": 0.05, "seed": None}}
    assert config["embeddings_constraint"]["class_name"] == "UnitNorm"
    assert config["mask_zero"] is True and config["input_length"] == 4
    assert Embedding.from_config(config).get_config() == config
    layer.build((None, 4))
    assert [w.name for w in layer.weights] == ["words/embeddings"] and layer.get_weights()[0].shape == (11, 3)
    assert np.all(np.abs(layer.get_weights()[0]) <= 0.05)
    assert len(layer.losses) == 1


def test_embedding_out_of_range_index_is_an_error():
    model = Sequential([Embedding(4, 3, input_length=2)])
    with pytest.raises(ValueError, match="index out of range"):
        model.predict(np.array([[1, 4]], dtype="int32"))


def test_embedding_keras1_names():
    expected = '`Embedding(input_dim=6, output_dim=2, embeddings_initializer="zero"'
    with pytest.warns(UserWarning, match=re.escape("Update your `Embedding` call to the Keras 2 API: " + expected)):
        layer = Embedding(input_dim=6, output_dim=2, init="zero", W_regularizer="l1", W_constraint="non_neg")
    assert type(layer.embeddings_initializer).__name__ == "Zeros"
    assert layer.get_config()["embeddings_regularizer"]["class_name"] == "L1L2"
    assert layer.get_config()["embeddings_constraint"]["class_name"] == "NonNeg"
    with pytest.warns(UserWarning, match="The `dropout` argument is no longer support in `Embedding`"):
        Embedding(6, 2, dropout=0.2)
    with pytest.raises(TypeError, match="`Embedding` can accept only 2 positional arguments"):
        Embedding(6, 2, "uniform")


# ------------------------------------------------------------------ masks
PADDED = np.array([[0, 0, 3, 1, 2, 5], [4, 4, 1, 0, 0, 0], [2, 0, 6, 0, 1, 1]], dtype="int32")


def test_mask_zero_gives_the_nonzero_positions_and_propagates():
    ids = Input(shape=(6,), dtype="int32")
    embedded = Embedding(7, 4, mask_zero=True)(ids)
    projected = Dense(3)(embedded)            # Dense passes the mask on
    added = Add()([projected, Dense(3)(embedded)])
    masks = K.function([ids], [embedded._keras_mask, projected._keras_mask, added._keras_mask])([PADDED])
    for mask in masks:
        assert mask.dtype == np.bool_
        np.testing.assert_array_equal(mask, PADDED != 0)
    assert Embedding(7, 4)(ids)._keras_mask is None
    with pytest.raises(TypeError, match="does not support masking, but was passed an input_mask"):
        Flatten()(embedded)


def test_masked_positions_do_not_train():
    """With mask_zero, the loss ignores padded steps: row 0 (padding) gets no gradient,
    whatever the targets at those steps."""
    model = Sequential([Embedding(7, 3, mask_zero=True, input_length=6),
                        Dense(2, kernel_initializer="ones")])
    model.compile(keras.optimizers.SGD(lr=0.5), "mse")
    before = model.layers[0].get_weights()[0]
    targets = np.where((PADDED != 0)[..., None], 0.0, 1e3).astype("float32") * np.ones((1, 1, 2), "float32")
    for _ in range(3):
        model.train_on_batch(PADDED, targets)
    after = model.layers[0].get_weights()[0]
    np.testing.assert_array_equal(after[0], before[0])
    assert np.all(np.isfinite(after)) and np.abs(after[1:] - before[1:]).max() > 1e-3


# ------------------------------------------------------------------ gradient and training
def test_one_sgd_step_matches_a_numpy_scatter_add():
    lr = 0.3
    table = data(6, 3)
    indices = np.array([[1, 4, 1, 1, 0], [5, 4, 4, 1, 2]], dtype="int32")     # row 3 unused, 1 and 4 repeated
    target = data(2, 5, 3)
    model = Sequential([Embedding(6, 3, input_length=5, weights=[table])])
    model.compile(keras.optimizers.SGD(lr=lr), "mse")
    loss = model.train_on_batch(indices, target)
    difference = table[indices] - target
    np.testing.assert_allclose(loss, np.mean(difference ** 2), rtol=1e-5)
    gradient = np.zeros_like(table)
    np.add.at(gradient, indices, 2.0 * difference / difference.size)
    np.testing.assert_allclose(model.get_weights()[0], table - lr * gradient, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(model.get_weights()[0][3], table[3])


def test_training_an_embedding_classifier_lowers_the_loss():
    # the label is whether token 5 occurs in the sequence
    sequences = tokens(64, 8, vocabulary=10)
    labels = (sequences == 5).any(axis=1).astype("float32")
    ids = Input(shape=(8,), dtype="int32")
    summed = keras.layers.Lambda(lambda t: K.sum(t, axis=1), output_shape=(6,))(Embedding(10, 6)(ids))
    model = Model(ids, Dense(1, activation="sigmoid")(summed))
    model.compile(keras.optimizers.Adam(lr=0.05), "binary_crossentropy")
    history = model.fit(sequences, labels, batch_size=16, epochs=15, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]


# ================================================================== BatchNormalization
EPSILON = 1e-3


def bn_reference(x, axes, mean, variance, gamma, beta, epsilon=EPSILON):
    """Normalise x with per-feature statistics of the feature axes `axes`."""
    shape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]
    y = (x - mean.reshape(shape)) / np.sqrt(variance.reshape(shape) + epsilon)
    if gamma is not None:
        y = y * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y


def batch_statistics(x, axes):
    reduce = tuple(a for a in range(x.ndim) if a not in axes)
    return x.astype("float64").mean(axis=reduce), x.astype("float64").var(axis=reduce), \
        int(np.prod([x.shape[a] for a in reduce]))


def random_bn_weights(layer, features):
    """gamma, beta, moving mean and variance (those the layer has), set on the layer."""
    values = {"gamma": data(*features, scale=0.5, shift=1.0), "beta": data(*features),
              "moving_mean": data(*features), "moving_variance": data(*features, scale=0.4, shift=1.0)}
    kept = [values[w.name.split("/")[-1]] for w in layer.weights]
    layer.set_weights(kept)
    return values


@pytest.mark.parametrize("shape, axis, feature_axes", [
    ((5, 4), -1, [1]),
    ((3, 4, 5), 1, [1]),
    ((2, 3, 4, 5), 1, [1]),           # channels_first
    ((2, 3, 4, 5), -1, [3]),
    ((2, 3, 4, 5), [1, 3], [1, 3]),   # several feature axes, as newer Keras allows
])
def test_inference_and_training_outputs(shape, axis, feature_axes):
    x = data(*shape, scale=2.0, shift=0.5)
    features = tuple(shape[a] for a in feature_axes)
    inputs = Input(shape=shape[1:])
    layer = BatchNormalization(axis=axis)
    inferred, trained = layer(inputs, training=False), layer(inputs, training=True)
    values = random_bn_weights(layer, features)
    got_inferred, got_trained = K.function([inputs], [inferred, trained])([x])
    np.testing.assert_allclose(got_inferred, bn_reference(x, feature_axes, values["moving_mean"],
                                                          values["moving_variance"], values["gamma"],
                                                          values["beta"]), rtol=1e-4, atol=1e-5)
    mean, variance, _ = batch_statistics(x, feature_axes)
    np.testing.assert_allclose(got_trained, bn_reference(x, feature_axes, mean.reshape(features),
                                                         variance.reshape(features), values["gamma"],
                                                         values["beta"]), rtol=1e-4, atol=1e-4)


def test_layer_test_helper_at_inference():
    x = data(4, 3, 5, shift=3.0)
    layer_test(BatchNormalization, kwargs={"axis": 1, "momentum": 0.5}, input_data=x,
               expected_output=x / np.sqrt(1.0 + EPSILON))
    layer_test(BatchNormalization, kwargs={"center": False, "scale": False}, input_data=x,
               expected_output=x / np.sqrt(1.0 + EPSILON))


def expected_moving_statistics(batches, axes, momentum, epsilon=EPSILON, features=None):
    """Keras 2.1.6's rule: moving <- momentum * moving + (1 - momentum) * batch value, with
    the batch variance made unbiased by n / (n - (1 + epsilon))."""
    moving_mean = np.zeros(features)
    moving_variance = np.ones(features)
    for batch in batches:
        mean, variance, n = batch_statistics(batch, axes)
        variance = variance * n / (n - (1.0 + epsilon))
        moving_mean = momentum * moving_mean + (1.0 - momentum) * mean.reshape(features)
        moving_variance = momentum * moving_variance + (1.0 - momentum) * variance.reshape(features)
    return moving_mean, moving_variance


@pytest.mark.parametrize("shape, axis, feature_axes, momentum", [
    ((12, 4), -1, [1], 0.8),
    ((9, 3, 2, 5), 1, [1], 0.6),      # channels_first: statistics over batch, height, width
])
def test_moving_statistics_after_fit_follow_the_keras_update(shape, axis, feature_axes, momentum):
    x = data(*shape, scale=2.0, shift=1.5)
    features = tuple(shape[a] for a in feature_axes)
    model = Sequential([BatchNormalization(axis=axis, momentum=momentum, input_shape=shape[1:])])
    model.compile(keras.optimizers.SGD(lr=0.05), "mse")
    batch_size = shape[0] // 3
    model.fit(x, np.zeros_like(x), batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    batches = [x[i:i + batch_size] for i in range(0, shape[0], batch_size)]
    expected_mean, expected_variance = expected_moving_statistics(batches, feature_axes, momentum,
                                                                  features=features)
    layer = model.layers[0]
    gamma, beta, moving_mean, moving_variance = layer.get_weights()
    np.testing.assert_allclose(moving_mean, expected_mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(moving_variance, expected_variance, rtol=1e-5, atol=1e-6)
    # predict normalises with the moving statistics, and leaves them alone
    np.testing.assert_allclose(model.predict(x), bn_reference(x, feature_axes, moving_mean, moving_variance,
                                                              gamma, beta), rtol=1e-4, atol=1e-5)
    model.evaluate(x, np.zeros_like(x), verbose=0)
    np.testing.assert_array_equal(layer.get_weights()[2], moving_mean)


def test_frozen_layer_keeps_its_moving_statistics_but_trains_on_batch_statistics():
    x = data(8, 3, shift=2.0)
    layer = BatchNormalization(input_shape=(3,), trainable=False)
    model = Sequential([layer, Dense(1)])
    model.compile("sgd", "mse")
    before = layer.get_weights()
    assert len(layer.updates) == 0 and len(layer._updates) > 0
    model.fit(x, np.ones((8, 1), "float32"), batch_size=4, epochs=2, verbose=0)
    for got, expected in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(got, expected)


def test_weights_order_and_trainability():
    full = BatchNormalization(axis=1, name="bn")
    full.build((None, 3, 7))
    assert [w.name for w in full.weights] == ["bn/gamma", "bn/beta", "bn/moving_mean", "bn/moving_variance"]
    assert [w.name for w in full.trainable_weights] == ["bn/gamma", "bn/beta"]
    assert [w.name for w in full.non_trainable_weights] == ["bn/moving_mean", "bn/moving_variance"]
    assert [w.shape for w in full.get_weights()] == [(3,)] * 4
    np.testing.assert_array_equal(full.get_weights()[3], np.ones(3))
    for center, scale, names in [(False, True, ["gamma"]), (True, False, ["beta"]), (False, False, [])]:
        layer = BatchNormalization(center=center, scale=scale, name="part")
        layer.build((None, 7, 3))
        assert [w.name for w in layer.weights] == ["part/" + n for n in names + ["moving_mean", "moving_variance"]]
        assert len(layer.trainable_weights) == len(names)


def test_batchnorm_config_round_trip():
    layer = BatchNormalization(axis=[1], momentum=0.9, epsilon=0.01, center=False,
                               gamma_initializer="glorot_uniform", gamma_regularizer="l2",
                               beta_constraint="max_norm", moving_variance_initializer="zeros")
    config = layer.get_config()
    assert sorted(config) == sorted(["name", "trainable", "dtype", "axis", "momentum", "epsilon", "center",
                                     "scale", "beta_initializer", "gamma_initializer", "moving_mean_initializer",
                                     "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
                                     "beta_constraint", "gamma_constraint"])
    assert config["axis"] == 1 and config["momentum"] == 0.9 and config["epsilon"] == 0.01
    assert config["center"] is False and config["scale"] is True
    assert config["moving_variance_initializer"]["class_name"] == "Zeros"
    assert config["gamma_regularizer"]["class_name"] == "L1L2"
    assert BatchNormalization.from_config(config).get_config() == config
    assert BatchNormalization(axis=[1, 3]).get_config()["axis"] == [1, 3]


def test_batchnorm_errors_and_keras1_names():
    with pytest.raises(ValueError, match=re.escape("Axis -1 of input tensor should have a defined dimension but "
                                                   "the layer received an input with shape (None, 4, None).")):
        BatchNormalization()(Input(shape=(4, None)))
    with pytest.raises(ValueError, match="expected axis 1 of input shape to have value 3"):
        layer = BatchNormalization(axis=1)
        layer(Input(shape=(3, 2)))
        layer(Input(shape=(4, 2)))
    with pytest.raises(TypeError, match="The `BatchNormalization` layer does not accept positional arguments. "
                                        "Use keyword arguments instead."):
        BatchNormalization(1)
    with pytest.raises(TypeError, match="`mode=1` and `mode=2` are no longer supported."):
        BatchNormalization(mode=1)
    with pytest.warns(UserWarning, match="Update your `BatchNormalization` call to the Keras 2 API"):
        layer = BatchNormalization(mode=0, beta_init="ones", gamma_init="zeros")
    assert type(layer.beta_initializer).__name__ == "Ones" and type(layer.gamma_initializer).__name__ == "Zeros"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BatchNormalization(axis=1, momentum=0.5)


def test_training_with_batchnorm_lowers_the_loss():
    x = data(64, 5, scale=3.0, shift=4.0)
    y = (np.tanh(x - 4.0) @ np.array([[1.0], [-2.0], [0.5], [1.5], [-1.0]])).astype("float32")
    model = Sequential([Dense(8, input_shape=(5,)), BatchNormalization(), keras.layers.Activation("relu"),
                        Dense(1)])
    model.compile(keras.optimizers.Adam(lr=0.02), "mse")
    history = model.fit(x, y, batch_size=16, epochs=25, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    moving_mean = model.layers[1].get_weights()[2]
    assert np.abs(moving_mean).max() > 0.1        # the moving statistics moved


# ================================================================== both, saved and loaded
def test_model_with_embedding_and_batchnorm_round_trips_through_h5(tmp_path):
    ids = Input(shape=(6,), dtype="int32", name="ids")
    embedded = Embedding(7, 4, mask_zero=True, name="emb")(ids)
    normed = BatchNormalization(axis=2, momentum=0.5, name="bn")(embedded)
    out = Dense(2, name="out")(normed)
    model = Model(ids, out)
    model.compile("rmsprop", "mse")
    model.fit(PADDED, data(3, 6, 2), epochs=2, verbose=0)
    path = str(tmp_path / "embedding_batchnorm.h5")
    model.save(path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(PADDED), model.predict(PADDED))
    for got, expected in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, expected)
    assert [w.name for w in loaded.get_layer("bn").weights] == ["bn/gamma", "bn/beta", "bn/moving_mean",
                                                                "bn/moving_variance"]
    mask = K.function([loaded.inputs[0]], [loaded.outputs[0]._keras_mask])([PADDED])[0]
    np.testing.assert_array_equal(mask, PADDED != 0)
