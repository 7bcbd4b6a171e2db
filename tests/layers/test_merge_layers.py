"""keralite.layers.merge: every merge layer against numpy on random shapes and dtypes,
broadcasting of inputs of different ranks, Concatenate and Dot on several axes, masks,
configs, the functional forms, training through merges, a save/load round trip and
Keras 2.1.6's error messages."""
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import keralite as keras
from keralite import backend as K
from keralite.layers import (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, Dense,
                             Embedding, Input, add, subtract, multiply, average, maximum, minimum,
                             concatenate, dot)
from keralite.models import Model, Sequential, load_model

RNG = np.random.RandomState(23)


def data(*shape, dtype="float32"):
    if np.dtype(dtype).kind == "i":
        return RNG.randint(-9, 10, size=shape).astype(dtype)
    return RNG.uniform(-1.0, 1.0, size=shape).astype(dtype)


def merge_model(layer, arrays):
    """A functional model of one merge layer on Inputs shaped like `arrays` (batch free)."""
    inputs = [Input(shape=a.shape[1:], dtype=a.dtype.name) for a in arrays]
    return Model(inputs, layer(inputs))


def check_merge(layer, arrays, expected, rtol=1e-5):
    """The layer's output in a model, its static shape, and the same after a config round
    trip of the model; returns the output."""
    model = merge_model(layer, arrays)
    got = model.predict(arrays)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-6)
    static = model.outputs[0]._keras_shape
    assert static[0] is None and tuple(static[1:]) == expected.shape[1:]
    assert layer.compute_output_shape([(None,) + a.shape[1:] for a in arrays]) == static
    rebuilt = Model.from_config(model.get_config())
    np.testing.assert_allclose(rebuilt.predict(arrays), got, rtol=rtol, atol=1e-6)
    return got


def np_average(*xs):
    return sum(xs) / len(xs)


ELEMENTWISE = [
    (Add, lambda *xs: sum(xs)),
    (Multiply, lambda *xs: np.prod(np.stack(np.broadcast_arrays(*xs)), axis=0)),
    (Average, np_average),
    (Maximum, lambda *xs: np.maximum.reduce(np.broadcast_arrays(*xs))),
    (Minimum, lambda *xs: np.minimum.reduce(np.broadcast_arrays(*xs))),
]


# ------------------------------------------------------------------ elementwise merges
@settings(max_examples=8, deadline=None)
@given(case=st.sampled_from(ELEMENTWISE), n_inputs=st.integers(2, 3),
       feature_shape=st.sampled_from([(5,), (3, 4), (2, 3, 5)]),
       batch=st.integers(1, 4), dtype=st.sampled_from(["float32", "float64", "int32"]))
def test_elementwise_merges_against_numpy(case, n_inputs, feature_shape, batch, dtype):
    layer_cls, reference = case
    if layer_cls is Average and dtype == "int32":
        dtype = "float64"        # an average of integers is not an integer
    arrays = [data(batch, *feature_shape, dtype=dtype) for _ in range(n_inputs)]
    got = check_merge(layer_cls(), arrays, reference(*arrays))
    assert got.dtype == np.dtype(dtype)


@settings(max_examples=4, deadline=None)
@given(batch=st.integers(1, 4), dtype=st.sampled_from(["float32", "int32"]))
def test_subtract_against_numpy(batch, dtype):
    a, b = data(batch, 3, 5, dtype=dtype), data(batch, 3, 5, dtype=dtype)
    check_merge(Subtract(), [a, b], a - b)


@pytest.mark.parametrize("layer_cls, reference", ELEMENTWISE)
def test_inputs_of_different_ranks_broadcast_on_trailing_axes(layer_cls, reference):
    # (batch, 5) is seen as (batch, 1, 5), then (batch, 1, 1, 5)
    vector, matrix, cube = data(3, 5), data(3, 4, 5), data(3, 2, 4, 5)
    expected = reference(vector[:, None, None, :], matrix[:, None, :, :], cube)
    check_merge(layer_cls(), [vector, matrix, cube], expected)


def test_size_one_axes_broadcast():
    a, b = data(2, 1, 5), data(2, 3, 1)
    got = check_merge(Add(), [a, b], a + b)
    assert got.shape == (2, 3, 5)


def test_functional_forms():
    a, b, c = data(4, 6), data(4, 6), data(4, 6)
    inputs = [Input(shape=(6,)) for _ in range(3)]
    outputs = [add(inputs), subtract(inputs[:2]), multiply(inputs), average(inputs), maximum(inputs),
               minimum(inputs), concatenate(inputs[:2], axis=1), dot(inputs[:2], axes=1, normalize=True),
               add(inputs, name="named_sum")]
    model = Model(inputs, outputs)
    got = model.predict([a, b, c])
    unit = lambda v: v / np.linalg.norm(v, axis=1, keepdims=True)   # noqa: E731
    expected = [a + b + c, a - b, a * b * c, (a + b + c) / 3, np.maximum(np.maximum(a, b), c),
                np.minimum(np.minimum(a, b), c), np.concatenate([a, b], axis=1),
                np.sum(unit(a) * unit(b), axis=1, keepdims=True), a + b + c]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    assert [type(layer).__name__ for layer in model.layers[3:]] == [
        "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot", "Add"]
    assert model.get_layer("named_sum") is not None
    assert keras.layers.add is add and keras.layers.Concatenate is Concatenate


# ------------------------------------------------------------------ Concatenate
@pytest.mark.parametrize("axis", [-1, 1, 2, -2])
def test_concatenate_on_an_axis(axis):
    # the inputs differ in size on the concatenation axis only
    sizes = [2, 3, 5]
    arrays = []
    for size in sizes:
        shape = [4, 3, 6]
        shape[axis] = size
        arrays.append(data(*shape))
    check_merge(Concatenate(axis=axis), arrays, np.concatenate(arrays, axis=axis))


def test_concatenate_of_integers_and_shapes_with_unknown_dims():
    a, b = data(2, 3, dtype="int32"), data(2, 4, dtype="int32")
    got = check_merge(Concatenate(), [a, b], np.concatenate([a, b], axis=-1))
    assert got.dtype == np.int32
    layer = Concatenate(axis=1)
    assert layer.compute_output_shape([(None, 3, 2), (None, 4, 2)]) == (None, 7, 2)
    assert layer.compute_output_shape([(None, None, 2), (None, 4, 2)]) == (None, None, 2)


# ------------------------------------------------------------------ Dot
def np_batch_dot(x, y, axes):
    """Per sample, contract axis axes[0] of x with axis axes[1] of y (numpy tensordot)."""
    out = np.stack([np.tensordot(xi, yi, axes=(axes[0] - 1, axes[1] - 1)) for xi, yi in zip(x, y)])
    return out[:, None] if out.ndim == 1 else out


@pytest.mark.parametrize("shape1, shape2, axes, np_axes", [
    ((4, 6), (4, 6), -1, (1, 1)),
    ((4, 6), (4, 6), 1, (1, 1)),
    ((4, 3, 5), (4, 6, 5), (2, 2), (2, 2)),
    ((4, 3, 5), (4, 6, 5), -1, (2, 2)),
    ((4, 3, 5), (4, 3, 2), (1, 1), (1, 1)),
    ((4, 3, 5), (4, 5, 2), (2, 1), (2, 1)),
    ((4, 3, 5), (4, 5, 2), (-1, -2), (2, 1)),
])
def test_dot_against_numpy(shape1, shape2, axes, np_axes):
    x, y = data(*shape1), data(*shape2)
    check_merge(Dot(axes=axes), [x, y], np_batch_dot(x, y, np_axes), rtol=1e-4)


def test_dot_normalize_gives_cosine_similarity():
    x, y = data(5, 3, 4), data(5, 3, 2)
    unit_x = x / np.linalg.norm(x, axis=1, keepdims=True)
    unit_y = y / np.linalg.norm(y, axis=1, keepdims=True)
    got = check_merge(Dot(axes=1, normalize=True), [x, y], np_batch_dot(unit_x, unit_y, (1, 1)), rtol=1e-4)
    assert np.all(np.abs(got) <= 1.0 + 1e-5)


def test_dot_output_shapes():
    assert Dot(axes=-1).compute_output_shape([(None, 6), (None, 6)]) == (None, 1)
    assert Dot(axes=(1, 2)).compute_output_shape([(None, 3, 5), (None, 4, 3)]) == (None, 5, 4)
    assert Dot(axes=[2, 2]).compute_output_shape([(None, 3, 5), (None, 6, 5)]) == (None, 3, 6)


# ------------------------------------------------------------------ configs
@pytest.mark.parametrize("layer, keys", [
    (Add(name="sum_of_three"), {}),
    (Subtract(), {}),
    (Multiply(trainable=False), {}),
    (Average(), {}),
    (Maximum(), {}),
    (Minimum(), {}),
    (Concatenate(axis=2), {"axis": 2}),
    (Dot(axes=(1, 2), normalize=True), {"axes": (1, 2), "normalize": True}),
    (Dot(axes=-1), {"axes": -1, "normalize": False}),
])
def test_config_round_trip(layer, keys):
    config = layer.get_config()
    assert set(config) == {"name", "trainable", "dtype"} | set(keys)
    for key, value in keys.items():
        assert config[key] == value
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert keras.layers.deserialize({"class_name": type(layer).__name__, "config": config}).get_config() == config


# ------------------------------------------------------------------ masks
def masked_inputs(lengths=(7, 7)):
    """Two token inputs through Embedding(mask_zero=True) and their masks' values."""
    tokens = [Input(shape=(length,), dtype="int32") for length in lengths]
    embedded = [Embedding(9, 4, mask_zero=True)(t) for t in tokens]
    return tokens, embedded


def mask_values(tokens, tensor, arrays):
    return K.function(tokens, [tensor._keras_mask])(arrays)[0]


def test_elementwise_merge_mask_is_the_and_of_the_masks():
    tokens, embedded = masked_inputs()
    a = np.array([[1, 2, 0, 3, 0, 4, 5], [0, 1, 1, 1, 1, 0, 2]], dtype="int32")
    b = np.array([[1, 0, 0, 3, 2, 4, 5], [2, 2, 1, 0, 1, 0, 2]], dtype="int32")
    for layer_cls in (Add, Subtract, Multiply, Average, Maximum, Minimum):
        merged = layer_cls()(embedded)
        np.testing.assert_array_equal(mask_values(tokens, merged, [a, b]), (a != 0) & (b != 0))
    unmasked = Input(shape=(7, 4))
    merged = Add()([embedded[0], unmasked])
    got = K.function([tokens[0], unmasked], [merged._keras_mask])([a, np.zeros((2, 7, 4), "float32")])[0]
    np.testing.assert_array_equal(got, a != 0)
    # Dot drops the mask; merges of unmasked inputs have none
    assert Dot(axes=2)(embedded)._keras_mask is None
    plain = [Input(shape=(3,)), Input(shape=(3,))]
    assert Add()(plain)._keras_mask is None


def test_concatenate_mask_along_the_time_and_feature_axes():
    tokens, embedded = masked_inputs(lengths=(5, 3))
    a = np.array([[1, 0, 2, 3, 0], [0, 0, 1, 1, 4]], dtype="int32")
    b = np.array([[0, 5, 6], [7, 0, 8]], dtype="int32")
    joined = Concatenate(axis=1)(embedded)
    assert joined._keras_shape == (None, 8, 4)
    np.testing.assert_array_equal(mask_values(tokens, joined, [a, b]), np.concatenate([a != 0, b != 0], axis=1))
    # along the features: an unmasked input counts as all-kept
    token, = [Input(shape=(5,), dtype="int32")]
    masked = Embedding(9, 4, mask_zero=True)(token)
    dense_features = Input(shape=(5, 2))
    side_by_side = Concatenate(axis=-1)([masked, dense_features])
    got = K.function([token, dense_features], [side_by_side._keras_mask])([a, data(2, 5, 2)])[0]
    np.testing.assert_array_equal(got, a != 0)


def test_mask_argument_checks():
    x = K.placeholder(shape=(2, 3))
    m = K.placeholder(shape=(2,), dtype="bool")
    with pytest.raises(ValueError, match="`mask` should be a list."):
        Add().compute_mask([x, x], m)
    with pytest.raises(ValueError, match="`inputs` should be a list."):
        Add().compute_mask(x, [m, m])
    with pytest.raises(ValueError, match="The lists `inputs` and `mask` should have the same length."):
        Concatenate().compute_mask([x, x], [m])
    assert Add().compute_mask([x, x], [None, None]) is None


# ------------------------------------------------------------------ models and training
def test_training_through_merges_lowers_the_loss():
    a_in, b_in = Input(shape=(6,)), Input(shape=(4,))
    a, b = Dense(5, activation="tanh")(a_in), Dense(5, activation="tanh")(b_in)
    merged = concatenate([add([a, b]), multiply([a, b]), maximum([a, b]), subtract([a, b]),
                          dot([a, b], axes=1)])
    out = Dense(2)(merged)
    model = Model([a_in, b_in], out)
    model.compile("adam", "mse")
    xa, xb = data(32, 6), data(32, 4)
    target = np.stack([np.sin(xa.sum(axis=1)), np.cos(xb.sum(axis=1))], axis=1).astype("float32")
    first = model.train_on_batch([xa, xb], target)
    for _ in range(40):
        last = model.train_on_batch([xa, xb], target)
    assert last < 0.7 * first


def test_sequential_branches_merged():
    left = Sequential([Dense(3, input_shape=(5,), kernel_initializer="ones")])
    right = Sequential([Dense(3, input_shape=(2,), kernel_initializer="ones")])
    x_left, x_right = Input(shape=(5,)), Input(shape=(2,))
    head = Sequential([Dense(1, input_shape=(3,), kernel_initializer="ones")])
    model = Model([x_left, x_right], head(Average()([left(x_left), right(x_right)])))
    a, b = data(4, 5), data(4, 2)
    expected = 3 * (a.sum(axis=1, keepdims=True) + b.sum(axis=1, keepdims=True)) / 2
    np.testing.assert_allclose(model.predict([a, b]), expected, rtol=1e-5, atol=1e-6)


def test_save_and_load_a_model_of_merges(tmp_path):
    inputs = [Input(shape=(3, 4)), Input(shape=(3, 4))]
    outputs = [Dot(axes=(1, 1), normalize=True)(inputs), Concatenate(axis=1)(inputs), Minimum()(inputs)]
    model = Model(inputs, outputs)
    path = str(tmp_path / "merges.h5")
    model.save(path)
    with pytest.warns(UserWarning, match="No training configuration found in save file"):
        loaded = load_model(path)
    arrays = [data(2, 3, 4), data(2, 3, 4)]
    for got, expected in zip(loaded.predict(arrays), model.predict(arrays)):
        np.testing.assert_array_equal(got, expected)
    assert loaded.layers[2].get_config()["axes"] == [1, 1]


# ------------------------------------------------------------------ errors
def test_merges_need_a_list_of_at_least_two_inputs():
    x = Input(shape=(3,))
    with pytest.raises(ValueError, match="A merge layer should be called on a list of inputs."):
        Add()(x)
    with pytest.raises(ValueError, match="A merge layer should be called on a list of inputs."):
        Maximum()([x])
    with pytest.raises(ValueError, match="A merge layer should be called on a list of at least 2 inputs. "
                                         "Got 1 inputs."):
        Add().build([(None, 3)])
    with pytest.raises(ValueError, match="A `Subtract` layer should be called on exactly 2 inputs"):
        Subtract()([x, x, x])
    with pytest.raises(ValueError, match="A `Concatenate` layer should be called on a list of at least 2 inputs"):
        Concatenate()([x])
    with pytest.raises(ValueError, match="A `Dot` layer should be called on a list of 2 inputs."):
        Dot(axes=1)([x, x, x])


def test_incompatible_shapes():
    with pytest.raises(ValueError, match=re.escape("Operands could not be broadcast together with shapes (4,) (5,)")):
        Add()([Input(shape=(4,)), Input(shape=(5,))])
    with pytest.raises(ValueError, match=re.escape("Operands could not be broadcast together with shapes "
                                                   "(3, 4) (2, 4)")):
        Multiply()([Input(shape=(3, 4)), Input(shape=(2, 4))])
    with pytest.raises(ValueError, match="Can not merge tensors with different batch sizes. "
                                         r"Got tensors with shapes : \[\(2, 3\), \(5, 3\)\]"):
        Add()([Input(batch_shape=(2, 3)), Input(batch_shape=(5, 3))])
    with pytest.raises(ValueError, match=re.escape("A `Concatenate` layer requires inputs with matching shapes "
                                                   "except for the concat axis. Got inputs shapes: "
                                                   "[(None, 3, 4), (None, 2, 5)]")):
        Concatenate(axis=-1)([Input(shape=(3, 4)), Input(shape=(2, 5))])
    with pytest.raises(ValueError, match=re.escape("Dimension incompatibility 4 != 5. Layer shapes: "
                                                   "(None, 3, 4), (None, 3, 5)")):
        Dot(axes=-1)([Input(shape=(3, 4)), Input(shape=(3, 5))])


def test_dot_axes_validation():
    with pytest.raises(TypeError, match="Invalid type for `axes` - should be a list or an int."):
        Dot(axes="last")
    with pytest.raises(ValueError, match="Invalid format for `axes` - should contain two elements."):
        Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match='Invalid format for `axes` - list elements should be "int".'):
        Dot(axes=(1, 2.0))
