"""keras.legacy.layers against numpy: every Merge mode, Highway and MaxoutDense with
their own weights, Atrous convolutions as dilated ones, and save/load round trips."""
import warnings

import numpy as np
import pytest

import keralite as keras
from keralite import backend as K
from keralite.layers import Input, Dense
from keralite.legacy import layers as legacy
from keralite.legacy.models import needs_legacy_support, legacy_sequential_layers
from keralite.models import Model, Sequential, load_model

RNG = np.random.RandomState(0)
A = RNG.rand(4, 3).astype("float32")
B = RNG.rand(4, 3).astype("float32")
C = RNG.rand(4, 3).astype("float32")


def _merged_model(mode, inputs=(A, B), **kwargs):
    tensors = [Input(shape=x.shape[1:]) for x in inputs]
    with pytest.warns(UserWarning, match="The `merge` function is deprecated"):
        out = legacy.merge(tensors, mode=mode, **kwargs)
    return Model(tensors, out)


@pytest.mark.parametrize("mode,expected", [
    ("sum", A + B + C), ("mul", A * B * C), ("ave", (A + B + C) / 3), ("max", np.maximum(np.maximum(A, B), C)),
    ("concat", np.concatenate([A, B, C], axis=-1))])
def test_elementwise_and_concat_modes(mode, expected):
    model = _merged_model(mode, (A, B, C))
    np.testing.assert_allclose(model.predict([A, B, C]), expected, rtol=1e-6)


def test_concat_axis_and_dot_and_cos():
    x, y = RNG.rand(2, 3, 4).astype("float32"), RNG.rand(2, 5, 4).astype("float32")
    model = _merged_model("concat", (x, y), concat_axis=1)
    np.testing.assert_allclose(model.predict([x, y]), np.concatenate([x, y], axis=1), rtol=1e-6)

    model = _merged_model("dot", (A, B), dot_axes=1)
    assert model.output_shape == (None, 1)
    np.testing.assert_allclose(model.predict([A, B]), (A * B).sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-6)

    model = _merged_model("dot", (x, y), dot_axes=(2, 2))
    np.testing.assert_allclose(model.predict([x, y]), np.einsum("bik,bjk->bij", x, y), rtol=1e-5, atol=1e-6)

    model = _merged_model("cos", (A, B), dot_axes=1)
    cosine = (A * B).sum(1) / np.sqrt((A * A).sum(1) * (B * B).sum(1))
    assert model.output_shape == (None, 1)
    np.testing.assert_allclose(model.predict([A, B]), cosine[:, None], rtol=1e-5, atol=1e-6)


def test_callable_mode_with_output_shape_and_arguments():
    def weighted(tensors, scale):
        return K.concatenate([tensors[0] * scale, tensors[1]], axis=-1)[:, :4]
    model = _merged_model(weighted, (A, B), output_shape=(4,), arguments={"scale": 2.0})
    assert model.output_shape == (None, 4)
    np.testing.assert_allclose(model.predict([A, B]), np.concatenate([2 * A, B], axis=-1)[:, :4], rtol=1e-6)
    with pytest.raises(ValueError, match="cannot infer its output shape"):
        _merged_model(lambda t: t[0], (A, B))


def test_output_mask_and_node_tensor_indices():
    ids = Input(shape=(3,))
    embedded = keras.layers.Embedding(5, 2, mask_zero=True)(ids)
    other = Input(shape=(3, 2))
    with pytest.warns(UserWarning):
        merged = legacy.Merge(mode=lambda t: t[0] + t[1], output_shape=lambda s: s[0],
                              output_mask=lambda masks: masks[0])([embedded, other])
    assert merged._keras_mask is not None
    # node_indices / tensor_indices pick which call of a shared layer is merged
    shared = Dense(3, kernel_initializer="ones")
    first, second = Input(shape=(2,)), Input(shape=(2,))
    shared(first), shared(second)
    with pytest.warns(UserWarning):
        layer = legacy.Merge([shared, shared], mode="concat", node_indices=[1, 0], tensor_indices=[0, 0])
    model = Model([first, second], layer._inbound_nodes[0].output_tensors[0])
    x1, x2 = np.ones((1, 2), "float32"), 2 * np.ones((1, 2), "float32")
    # inputs are ordered [first, second]; the merge puts the second call's output first
    np.testing.assert_allclose(model.predict([x1, x2]), [[4, 4, 4, 2, 2, 2]])


def test_invalid_modes_and_shapes():
    with pytest.raises(ValueError, match="Invalid merge mode: nope"):
        legacy.Merge(mode="nope")
    x, y = Input(shape=(3,)), Input(shape=(4,))
    with pytest.raises(ValueError, match="Only layers of same output shape can be merged using sum mode"):
        legacy.merge([x, y], mode="sum")
    with pytest.raises(ValueError, match="Dimension incompatibility using dot mode"):
        legacy.merge([x, y], mode="dot", dot_axes=1)


def test_merge_of_sequential_models_trains_and_orders_weights():
    left = Sequential([Dense(2, input_shape=(3,))])
    right = Sequential([Dense(2, input_shape=(4,))])
    model = Sequential()
    with pytest.warns(UserWarning, match="The `Merge` layer is deprecated"):
        model.add(legacy.Merge([left, right], mode="concat"))
    model.add(Dense(1))
    assert needs_legacy_support(model)
    assert legacy_sequential_layers(model) == [left.layers[0], right.layers[0], model.layers[1]]
    model.compile("sgd", "mse")
    rng = np.random.RandomState(7)
    x1, x2, y = rng.rand(6, 3), rng.rand(6, 4), rng.rand(6, 1)
    first = model.train_on_batch([x1, x2], y)
    for _ in range(3):
        last = model.train_on_batch([x1, x2], y)
    assert last < first
    k1, b1 = left.layers[0].get_weights()
    k2, b2 = right.layers[0].get_weights()
    k3, b3 = model.layers[1].get_weights()
    expected = np.concatenate([x1 @ k1 + b1, x2 @ k2 + b2], axis=1) @ k3 + b3
    np.testing.assert_allclose(model.predict([x1, x2]), expected, rtol=1e-5, atol=1e-5)


def test_highway_against_numpy():
    x = RNG.rand(5, 3).astype("float32")
    with pytest.warns(UserWarning, match="The `Highway` layer is deprecated"):
        layer = legacy.Highway(activation="tanh", input_dim=3, init="uniform")
    model = Sequential([layer])
    w, w_carry, b, b_carry = layer.get_weights()
    assert [v.shape for v in (w, w_carry, b, b_carry)] == [(3, 3), (3, 3), (3,), (3,)]
    np.testing.assert_array_equal(b_carry, np.ones(3))
    layer.set_weights([w, w_carry, RNG.rand(3), RNG.rand(3)])
    w, w_carry, b, b_carry = layer.get_weights()
    gate = 1 / (1 + np.exp(-(x @ w_carry + b_carry)))
    expected = np.tanh(x @ w + b) * gate + (1 - gate) * x
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)


def test_maxout_dense_against_numpy():
    x = RNG.rand(5, 3).astype("float32")
    with pytest.warns(UserWarning, match="The `MaxoutDense` layer is deprecated"):
        layer = legacy.MaxoutDense(2, nb_feature=4, input_dim=3)
    model = Sequential([layer])
    w, b = layer.get_weights()
    assert w.shape == (4, 3, 2) and b.shape == (4, 2)
    layer.set_weights([w, RNG.rand(4, 2)])
    w, b = layer.get_weights()
    expected = (np.einsum("ni,fio->nfo", x, w) + b).max(axis=1)
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)
    model.compile("sgd", "mse")
    model.train_on_batch(x, expected + 1)


def test_atrous_convolutions_are_dilated_convs():
    with pytest.warns(UserWarning, match="`AtrousConvolution1D` layer  has been deprecated"):
        conv1 = legacy.AtrousConvolution1D(2, 3, atrous_rate=2, input_shape=(9, 2))
    with pytest.warns(UserWarning, match="`AtrousConvolution2D` layer  has been deprecated"):
        conv2 = legacy.AtrousConvolution2D(2, 2, 2, atrous_rate=(2, 1), border_mode="valid", input_shape=(6, 5, 1))
    assert isinstance(conv1, keras.layers.Conv1D) and conv1.dilation_rate == (2,)
    assert isinstance(conv2, keras.layers.Conv2D) and conv2.dilation_rate == (2, 1)
    x = RNG.rand(2, 9, 2).astype("float32")
    model = Sequential([conv1])
    kernel, bias = conv1.get_weights()
    expected = np.stack([sum(x[:, t + 2 * k, :] @ kernel[k] for k in range(3)) for t in range(5)], axis=1)
    np.testing.assert_allclose(model.predict(x), expected + bias, rtol=1e-5, atol=1e-6)
    y = RNG.rand(1, 6, 5, 1).astype("float32")
    model = Sequential([conv2])
    kernel, bias = conv2.get_weights()
    expected = np.zeros((1, 4, 4, 2))
    for i in range(4):
        for j in range(4):
            patch = y[:, i:i + 3:2, j:j + 2, :]
            expected[:, i, j, :] = np.einsum("nrcC,rcCf->nf", patch, kernel)
    np.testing.assert_allclose(model.predict(y), expected + bias, rtol=1e-5, atol=1e-6)


def test_save_and_load_model_with_merge_highway_maxout(tmp_path):
    a, b = Input(shape=(3,)), Input(shape=(3,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        merged = legacy.merge([a, b], mode="concat", name="legacy_merge")
        summed = legacy.merge([a, b], mode="cos", dot_axes=1)
        highway = legacy.Highway(activation="relu")(merged)
        maxout = legacy.MaxoutDense(2, nb_feature=3)(highway)
    out = keras.layers.concatenate([maxout, summed])
    model = Model([a, b], out)
    model.compile("adam", "mse")
    model.train_on_batch([A, B], np.ones((4, 3)))
    path = str(tmp_path / "legacy.h5")
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers].count("Merge") == 2
    np.testing.assert_allclose(loaded.predict([A, B]), model.predict([A, B]), rtol=1e-5, atol=1e-6)
    loaded.train_on_batch([A, B], np.ones((4, 3)))


def test_json_round_trip_of_function_mode():
    a, b = Input(shape=(3,)), Input(shape=(3,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = legacy.merge([a, b], mode=_halves, output_shape=(3,))
        model = Model([a, b], out)
        rebuilt = keras.models.model_from_json(model.to_json(), custom_objects={"_halves": _halves})
    np.testing.assert_allclose(rebuilt.predict([A, B]), (A + B) / 2, rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lambda_model = Model([a, b], legacy.merge([a, b], mode=lambda t: t[0] - t[1], output_shape=(3,)))
        with pytest.raises(ValueError, match="stores its mode as Python bytecode"):
            keras.models.model_from_json(lambda_model.to_json())


def _halves(tensors):
    return (tensors[0] + tensors[1]) / 2


def test_legacy_layers_are_exported_by_keras_layers_as_in_keras_2_1_6():
    import keralite.layers as layers
    import keralite.legacy.layers as legacy
    for name in ("Merge", "merge", "Highway", "MaxoutDense", "AtrousConvolution1D", "AtrousConvolution2D"):
        assert getattr(layers, name) is getattr(legacy, name)
