"""The shape functions of K (frontend/backend/shape_ops.py) against numpy: values on
random shapes and dtypes, static and symbolic batch dims, error cases, and gradients
(the gradient of sum(f(x) * w) w.r.t. x is the adjoint of f applied to w)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keralite import backend as K

SETTINGS = settings(max_examples=20, deadline=None)
FEW = settings(max_examples=12, deadline=None)      # the 4D/5D padding and resizing graphs
DTYPES = ["float32", "float64", "int32", "int64", "bool"]
_RANK = {"bool": 0, "int32": 1, "int64": 2, "float32": 3, "float64": 4}


# ------------------------------------------------------------------ helpers
def _array(seed, shape, dtype):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype.startswith("int"):
        return rng.integers(-50, 50, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _placeholder(array, batch):
    """A placeholder for `array`; with batch=True its first dim is symbolic (None)."""
    shape = array.shape
    if batch:
        shape = (None,) + shape[1:]
    return K.placeholder(shape=shape, dtype=array.dtype.name)


def _evaluate(build, arrays, batch=False):
    """Compile build(*placeholders) and run it on arrays; returns (values, tensors)."""
    inputs = [_placeholder(a, batch) for a in arrays]
    outputs = build(*inputs)
    single = not isinstance(outputs, (list, tuple))
    outputs = [outputs] if single else list(outputs)
    values = K.function(inputs, outputs)(arrays)
    return (values[0], outputs[0]) if single else (values, outputs)


def _check(value, tensor, expected, batch=False):
    """Exact value, dtype and static shape (batch dim None when symbolic)."""
    expected = np.asarray(expected)
    assert value.shape == expected.shape, (value.shape, expected.shape)
    assert value.dtype == expected.dtype, (value.dtype, expected.dtype)
    np.testing.assert_array_equal(value, expected)
    want = expected.shape
    if batch and want:
        want = (None,) + want[1:]
    assert K.int_shape(tensor) == want
    assert K.ndim(tensor) == expected.ndim


def _promoted(names):
    """The promotion rule of the IR: the widest kind wins, a float side decides the width."""
    floats = [n for n in names if n.startswith("float")]
    if floats:
        return "float64" if "float64" in floats else "float32"
    return max(names, key=_RANK.__getitem__)


seeds = st.integers(0, 2 ** 31 - 1)
dtypes = st.sampled_from(DTYPES)


# ------------------------------------------------------------------ concatenate, stack
@SETTINGS
@given(base=st.sampled_from([(2, 3, 4), (3, 5), (2, 1, 3, 2)]), data=st.data(), seed=seeds)
def test_concatenate(base, data, seed):
    rank = len(base)
    axis = data.draw(st.integers(-rank, rank - 1), "axis")
    n = data.draw(st.integers(1, 3), "n")
    names = [data.draw(dtypes, "dtype") for _ in range(n)]
    arrays = []
    for i, name in enumerate(names):
        shape = list(base)
        shape[axis] = data.draw(st.integers(1, 3), "size")
        arrays.append(_array(seed + i, tuple(shape), name))
    batch = axis % rank != 0
    value, tensor = _evaluate(lambda *xs: K.concatenate(list(xs), axis=axis), arrays, batch)
    out = _promoted(names)
    expected = np.concatenate([a.astype(out) for a in arrays], axis=axis)
    _check(value, tensor, expected, batch)


def test_concatenate_two_batch_inputs_checks_the_sizes_agree():
    x, y = K.placeholder(shape=(None, 2)), K.placeholder(shape=(None, 3))
    f = K.function([x, y], [K.concatenate([x, y])])
    a, b = _array(18, (4, 2), "float32"), _array(19, (4, 3), "float32")
    np.testing.assert_array_equal(f([a, b])[0], np.concatenate([a, b], axis=1))
    with pytest.raises(ValueError, match="agree"):
        f([a, b[:3]])


@SETTINGS
@given(shape=st.sampled_from([(2, 3), (3, 4, 2), (4,)]), n=st.integers(1, 3), data=st.data(),
       dtype=dtypes, seed=seeds)
def test_stack(shape, n, data, dtype, seed):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), "axis")
    arrays = [_array(seed + i, shape, dtype) for i in range(n)]
    batch = len(shape) > 1 and axis % (len(shape) + 1) != 0
    value, tensor = _evaluate(lambda *xs: K.stack(list(xs), axis=axis), arrays, batch)
    _check(value, tensor, np.stack(arrays, axis=axis), batch)


# ------------------------------------------------------------------ reshape family
RESHAPES = [((6, 4), (3, 8)), ((6, 4), (-1,)), ((2, 3, 4), (4, -1)), ((2, 3, 4), (3, 2, 4)),
            ((2, 3, 4), (2, 1, 12)), ((5, 2), (2, 5, 1, 1)), ((3, 4, 2), (-1, 3, 2))]


@SETTINGS
@given(pair=st.sampled_from(RESHAPES), dtype=dtypes, seed=seeds)
def test_reshape_static(pair, dtype, seed):
    shape, target = pair
    x = _array(seed, shape, dtype)
    value, tensor = _evaluate(lambda t: K.reshape(t, target), [x])
    _check(value, tensor, x.reshape(target))


@SETTINGS
@given(shape=st.sampled_from([(3, 4, 2), (2, 6), (4, 3, 1, 2)]), batch_size=st.sampled_from([0, 1, 3]),
       style=st.sampled_from(["keras_reshape_layer", "minus_one_first", "shape_items", "whole_shape"]),
       dtype=dtypes, seed=seeds)
def test_reshape_symbolic_batch(shape, batch_size, style, dtype, seed):
    x = _array(seed, (batch_size,) + shape[1:], dtype)
    rest = shape[1:]
    flat = int(np.prod(rest))
    if style == "keras_reshape_layer":        # as keras.layers.Reshape calls it
        build, target = (lambda t: K.reshape(t, (K.shape(t)[0], -1, rest[-1]))), \
            (batch_size, flat // rest[-1], rest[-1])
    elif style == "minus_one_first":
        build, target = (lambda t: K.reshape(t, (-1, flat))), (batch_size, flat)
    elif style == "shape_items":
        build, target = (lambda t: K.reshape(t, [K.shape(t)[0], flat])), (batch_size, flat)
    else:
        build, target = (lambda t: K.reshape(K.batch_flatten(t), K.shape(t))), x.shape
    value, tensor = _evaluate(build, [x], batch=True)
    _check(value, tensor, x.reshape(target), batch=True)


@SETTINGS
@given(shape=st.sampled_from([(3, 4, 2), (2, 5), (2, 3, 1, 2), (7,)]), dtype=dtypes, seed=seeds,
       batch_size=st.sampled_from([0, 2]))
def test_flatten_and_batch_flatten(shape, dtype, seed, batch_size):
    x = _array(seed, shape, dtype)
    value, tensor = _evaluate(K.flatten, [x])
    _check(value, tensor, x.ravel())
    if len(shape) > 1:
        xb = _array(seed, (batch_size,) + shape[1:], dtype)
        value, tensor = _evaluate(K.batch_flatten, [xb], batch=True)
        _check(value, tensor, xb.reshape(batch_size, int(np.prod(shape[1:]))), batch=True)


@SETTINGS
@given(shape=st.sampled_from([(3, 4), (2, 1, 3), (5,)]), data=st.data(), dtype=dtypes, seed=seeds)
def test_expand_dims_and_squeeze(shape, data, dtype, seed):
    rank = len(shape)
    axis = data.draw(st.integers(-rank - 1, rank), "axis")
    x = _array(seed, shape, dtype)
    batch = rank > 1 and axis % (rank + 1) != 0
    value, tensor = _evaluate(lambda t: K.expand_dims(t, axis), [x], batch)
    expected = np.expand_dims(x, axis)
    _check(value, tensor, expected, batch)
    # squeezing the new axis back gives x
    value, tensor = _evaluate(lambda t: K.squeeze(K.expand_dims(t, axis), axis), [x], batch)
    _check(value, tensor, x, batch)


def test_expand_dims_default_axis_and_squeeze_existing_axis():
    x = _array(1, (2, 1, 3), "float32")
    value, tensor = _evaluate(lambda t: K.expand_dims(t), [x])
    _check(value, tensor, x[..., None])
    value, tensor = _evaluate(lambda t: K.squeeze(t, -2), [x], batch=True)
    _check(value, tensor, x[:, 0, :], batch=True)


@SETTINGS
@given(shape=st.sampled_from([(2, 3, 4), (3, 5), (2, 3, 1, 4)]), data=st.data(), dtype=dtypes, seed=seeds)
def test_permute_dimensions(shape, data, dtype, seed):
    pattern = tuple(data.draw(st.permutations(range(len(shape))), "pattern"))
    x = _array(seed, shape, dtype)
    batch = pattern[0] == 0
    value, tensor = _evaluate(lambda t: K.permute_dimensions(t, pattern), [x], batch)
    _check(value, tensor, np.transpose(x, pattern), batch)


# ------------------------------------------------------------------ repeats and tiles
@SETTINGS
@given(shape=st.sampled_from([(2, 3, 4), (3, 5), (4,)]), data=st.data(), rep=st.integers(1, 3),
       dtype=dtypes, seed=seeds, batch=st.booleans())
def test_repeat_elements(shape, data, rep, dtype, seed, batch):
    rank = len(shape)
    axis = data.draw(st.integers(-rank, rank - 1), "axis")
    x = _array(seed, shape, dtype)
    value, tensor = _evaluate(lambda t: K.repeat_elements(t, rep, axis), [x], batch)
    _check(value, tensor, np.repeat(x, rep, axis=axis), batch)


@SETTINGS
@given(shape=st.sampled_from([(2, 3), (4, 1), (0, 3)]), n=st.integers(1, 4), dtype=dtypes, seed=seeds)
def test_repeat(shape, n, dtype, seed):
    x = _array(seed, shape, dtype)
    value, tensor = _evaluate(lambda t: K.repeat(t, n), [x], batch=True)
    _check(value, tensor, np.repeat(x[:, None, :], n, axis=1), batch=True)


@SETTINGS
@given(shape=st.sampled_from([(2, 3), (3, 1, 2), (4,)]), data=st.data(), dtype=dtypes, seed=seeds)
def test_tile(shape, data, dtype, seed):
    as_int = data.draw(st.booleans(), "int n")
    if as_int:
        n = data.draw(st.integers(1, 3), "n")
    else:
        n = data.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape)), "n")
    x = _array(seed, shape, dtype)
    value, tensor = _evaluate(lambda t: K.tile(t, n), [x])
    _check(value, tensor, np.tile(x, n))


@pytest.mark.parametrize("n", [[1, 3], [2, 1], (3, 2)])
def test_tile_symbolic_batch(n):
    x = _array(3, (2, 3), "float32")
    value, tensor = _evaluate(lambda t: K.tile(t, n), [x], batch=True)
    _check(value, tensor, np.tile(x, n), batch=True)


# ------------------------------------------------------------------ arange, one_hot
@SETTINGS
@given(start=st.integers(-6, 6), stop=st.one_of(st.none(), st.integers(-6, 9)),
       step=st.sampled_from([1, 2, 3, -1, -2]), dtype=st.sampled_from(["int32", "int64", "float32", "float64"]))
def test_arange(start, stop, step, dtype):
    value = K.eval(K.arange(start, stop, step, dtype=dtype))
    if stop is None:
        expected = np.arange(0, max(start, 0), step).astype(dtype)   # tf.range(start, None, step)
    else:
        expected = np.arange(start, stop, step).astype(dtype)
    assert value.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(value, expected)


def test_arange_defaults_and_float_args():
    value = K.eval(K.arange(5))
    assert value.dtype == np.int32
    np.testing.assert_array_equal(value, np.arange(5))
    value = K.eval(K.arange(0.5, 3.0, 0.5, dtype="float32"))
    np.testing.assert_array_equal(value, np.arange(0.5, 3.0, 0.5).astype("float32"))
    assert K.eval(K.arange(-3)).shape == (0,)


@SETTINGS
@given(shape=st.sampled_from([(5,), (2, 3), (2, 1, 3)]), classes=st.integers(1, 6),
       dtype=st.sampled_from(["int32", "int64"]), seed=seeds)
def test_one_hot(shape, classes, dtype, seed):
    idx = np.random.default_rng(seed).integers(0, classes, size=shape).astype(dtype)
    value, tensor = _evaluate(lambda t: K.one_hot(t, classes), [idx], batch=len(shape) > 1)
    expected = np.eye(classes, dtype=K.floatx())[idx]
    _check(value, tensor, expected, batch=len(shape) > 1)


# ------------------------------------------------------------------ reverse
@SETTINGS
@given(shape=st.sampled_from([(2, 3, 4), (3, 5), (4,)]), data=st.data(), dtype=dtypes, seed=seeds)
def test_reverse(shape, data, dtype, seed):
    rank = len(shape)
    if data.draw(st.booleans(), "int axes"):
        axes = data.draw(st.integers(-rank, rank - 1), "axes")
        np_axes = (axes,)
    else:
        np_axes = data.draw(st.lists(st.integers(0, rank - 1), min_size=1, max_size=rank, unique=True), "axes")
        axes = [a - rank if i % 2 else a for i, a in enumerate(np_axes)]
    x = _array(seed, shape, dtype)
    batch = rank > 1 and data.draw(st.booleans(), "batch")
    value, tensor = _evaluate(lambda t: K.reverse(t, axes), [x], batch)
    _check(value, tensor, np.flip(x, tuple(np_axes)), batch)


# ------------------------------------------------------------------ padding
pads = st.tuples(st.integers(0, 2), st.integers(0, 3))


@SETTINGS
@given(padding=pads, dtype=dtypes, seed=seeds, batch_size=st.sampled_from([0, 2]))
def test_temporal_padding(padding, dtype, seed, batch_size):
    x = _array(seed, (batch_size, 3, 2), dtype)
    value, tensor = _evaluate(lambda t: K.temporal_padding(t, padding), [x], batch=True)
    _check(value, tensor, np.pad(x, [(0, 0), padding, (0, 0)]), batch=True)


def test_temporal_padding_default():
    x = _array(5, (2, 3, 4), "float32")
    value, tensor = _evaluate(K.temporal_padding, [x])
    _check(value, tensor, np.pad(x, [(0, 0), (1, 1), (0, 0)]))


@FEW
@given(padding=st.tuples(pads, pads), data_format=st.sampled_from(["channels_first", "channels_last"]),
       dtype=dtypes, seed=seeds)
def test_spatial_2d_padding(padding, data_format, dtype, seed):
    x = _array(seed, (2, 3, 4, 5), dtype)
    value, tensor = _evaluate(lambda t: K.spatial_2d_padding(t, padding, data_format), [x], batch=True)
    if data_format == "channels_first":
        spec = [(0, 0), (0, 0), padding[0], padding[1]]
    else:
        spec = [(0, 0), padding[0], padding[1], (0, 0)]
    _check(value, tensor, np.pad(x, spec), batch=True)


@FEW
@given(padding=st.tuples(pads, pads, pads), data_format=st.sampled_from(["channels_first", "channels_last"]),
       dtype=dtypes, seed=seeds)
def test_spatial_3d_padding(padding, data_format, dtype, seed):
    x = _array(seed, (2, 3, 2, 4, 1), dtype)
    value, tensor = _evaluate(lambda t: K.spatial_3d_padding(t, padding, data_format), [x], batch=True)
    if data_format == "channels_first":
        spec = [(0, 0), (0, 0)] + list(padding)
    else:
        spec = [(0, 0)] + list(padding) + [(0, 0)]
    _check(value, tensor, np.pad(x, spec), batch=True)


def test_padding_default_data_format_is_image_data_format():
    x = _array(6, (2, 3, 4, 5), "float32")
    assert K.image_data_format() == "channels_last"
    value, tensor = _evaluate(lambda t: K.spatial_2d_padding(t), [x])
    _check(value, tensor, np.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)]))
    x = _array(6, (2, 3, 4, 5, 2), "float32")
    value, tensor = _evaluate(lambda t: K.spatial_3d_padding(t), [x])
    _check(value, tensor, np.pad(x, [(0, 0), (1, 1), (1, 1), (1, 1), (0, 0)]))


# ------------------------------------------------------------------ resizing
@FEW
@given(factors=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       data_format=st.sampled_from(["channels_first", "channels_last"]), dtype=dtypes, seed=seeds)
def test_resize_images(factors, data_format, dtype, seed):
    x = _array(seed, (2, 3, 4, 5), dtype)
    value, tensor = _evaluate(lambda t: K.resize_images(t, factors[0], factors[1], data_format), [x], batch=True)
    axes = (2, 3) if data_format == "channels_first" else (1, 2)
    expected = np.repeat(np.repeat(x, factors[0], axes[0]), factors[1], axes[1])
    _check(value, tensor, expected, batch=True)


@FEW
@given(factors=st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 2)),
       data_format=st.sampled_from(["channels_first", "channels_last"]), dtype=dtypes, seed=seeds)
def test_resize_volumes(factors, data_format, dtype, seed):
    x = _array(seed, (2, 3, 2, 4, 1), dtype)
    value, tensor = _evaluate(lambda t: K.resize_volumes(t, *factors, data_format), [x], batch=True)
    axes = (2, 3, 4) if data_format == "channels_first" else (1, 2, 3)
    expected = x
    for factor, axis in zip(factors, axes):
        expected = np.repeat(expected, factor, axis)
    _check(value, tensor, expected, batch=True)


# ------------------------------------------------------------------ indexing
@st.composite
def index_keys(draw, shape):
    """A numpy basic index: ints (maybe out of range), slices, None and one Ellipsis."""
    n = draw(st.integers(0, len(shape)))
    key = []
    for d in shape[:n]:
        if draw(st.booleans()):
            key.append(draw(st.integers(-d - 1, d)))
        else:
            bound = st.one_of(st.none(), st.integers(-d - 2, d + 2))
            step = draw(st.sampled_from([None, 1, 2, 3, -1, -2]))
            key.append(slice(draw(bound), draw(bound), step))
    for _ in range(draw(st.integers(0, 2))):
        key.insert(draw(st.integers(0, len(key))), None)
    if draw(st.booleans()):
        key.insert(draw(st.integers(0, len(key))), Ellipsis)
    if len(key) == 1 and draw(st.booleans()):
        return key[0]
    return tuple(key)


@settings(max_examples=25, deadline=None)
@given(data=st.data(), shape=st.sampled_from([(3, 4, 5), (4, 2), (5,)]), dtype=dtypes, seed=seeds)
def test_getitem_matches_numpy(data, shape, dtype, seed):
    key = data.draw(index_keys(shape), "key")
    x = _array(seed, shape, dtype)
    try:
        expected = x[key]
    except IndexError:
        with pytest.raises(IndexError):
            K.placeholder(shape=shape, dtype=dtype)[key]
        return
    value, tensor = _evaluate(lambda t: t[key], [x])
    _check(value, tensor, expected)


@pytest.mark.parametrize("key, keeps_batch", [
    ((slice(None), 1), True), ((Ellipsis, -1), True), ((slice(None), slice(None, None, -1)), True),
    ((slice(None), slice(1, None, 2), None), True), ((Ellipsis, None), True),
    ((slice(None), -2, slice(3, 0, -1)), True), (slice(None, None, -1), True),
    ((None, Ellipsis, 2), True), (0, False), (-1, False), ((-2, Ellipsis, 1), False),
])
def test_getitem_symbolic_batch(key, keeps_batch):
    x = _array(7, (3, 4, 5), "float32")
    value, tensor = _evaluate(lambda t: t[key], [x], batch=True)
    expected = x[key]
    np.testing.assert_array_equal(value, expected)
    want = expected.shape
    if keeps_batch:
        axis = 1 if isinstance(key, tuple) and key[0] is None else 0
        want = want[:axis] + (None,) + want[axis + 1:]
    assert K.int_shape(tensor) == want


def test_getitem_integer_on_symbolic_batch_checks_range_at_run_time():
    x = K.placeholder(shape=(None, 3))
    f = K.function([x], [x[2], x[-1]])
    a = _array(8, (4, 3), "float32")
    first, last = f([a])
    np.testing.assert_array_equal(first, a[2])
    np.testing.assert_array_equal(last, a[-1])
    with pytest.raises(ValueError):
        f([a[:2]])


def test_getitem_integers_on_two_symbolic_axes_and_their_gradient():
    x = K.placeholder(shape=(None, None, 3))
    w = np.arange(1.0, 4.0, dtype="float32")
    picked = [x[0, -1], x[-1, :, 2], x[:, 1]]
    loss = K.sum(picked[0] * w) + 2 * K.sum(picked[1]) + K.sum(picked[2])
    f = K.function([x], picked + K.gradients(loss, [x]))
    a = _array(13, (4, 5, 3), "float32")
    *values, grad = f([a])
    for got, want in zip(values, [a[0, -1], a[-1, :, 2], a[:, 1]]):
        np.testing.assert_array_equal(got, want)
    expected = np.zeros_like(a)
    expected[0, -1] += w
    expected[-1, :, 2] += 2
    expected[:, 1] += 1
    np.testing.assert_allclose(grad, expected)
    assert K.int_shape(picked[1]) == (None,)


def test_slice_bounds_from_static_shape_items():
    x = K.placeholder(shape=(None, 5, 3))
    y = K.placeholder(shape=(None, 2))
    z = x[:, :K.shape(y)[1], 1:]
    a = _array(17, (2, 5, 3), "float32")
    value = K.function([x, y], [z])([a, np.zeros((2, 2), "float32")])[0]
    np.testing.assert_array_equal(value, a[:, :2, 1:])


def test_getitem_zero_size_batch():
    x = _array(9, (0, 4, 3), "float64")
    value, tensor = _evaluate(lambda t: t[:, 1:, ::-2], [x], batch=True)
    _check(value, tensor, x[:, 1:, ::-2], batch=True)


@pytest.mark.parametrize("key, message", [
    ((0, 0, 0), "too many indices"),
    ((slice(None), 3), "out of bounds"),
    ((Ellipsis, -4), "out of bounds"),
    ((Ellipsis, Ellipsis), "single ellipsis"),
])
def test_getitem_errors(key, message):
    x = K.placeholder(shape=(2, 3))
    with pytest.raises(IndexError, match=message):
        x[key]


def test_reshape_to_numpy_and_constant_shapes():
    x = K.placeholder(shape=(2, 3))
    a = _array(14, (2, 3), "int64")
    ys = [K.reshape(x, np.array([3, 2])), K.reshape(x, K.constant([1, 3, 2], "int32")), K.reshape(x, 6),
          K.reshape(x, [np.int64(3), None])]
    values = K.function([x], ys)([a])
    for got, want in zip(values, [a.reshape(3, 2), a.reshape(1, 3, 2), a.ravel(), a.reshape(3, 2)]):
        np.testing.assert_array_equal(got, want)


def test_stack_of_shape_items_and_ints_stays_int32():
    x = K.placeholder(shape=(None, 3, 4))
    target = K.stack([K.shape(x)[0], 12])
    y = K.reshape(x, target)
    a = _array(15, (2, 3, 4), "float32")
    shape_value, y_value = K.function([x], [target, y])([a])
    assert shape_value.dtype == np.int32
    np.testing.assert_array_equal(shape_value, [2, 12])
    np.testing.assert_array_equal(y_value, a.reshape(2, 12))
    assert K.int_shape(y) == (None, 12)


def test_reshape_to_computed_shapes_of_shape_items():
    x = K.placeholder(shape=(None, 3, 4))
    a = _array(10, (2, 3, 4), "float32")
    y = K.reshape(x, (K.shape(x)[0], 12))
    assert K.int_shape(y) == (None, 12)
    np.testing.assert_array_equal(K.function([x], [y])([a])[0], a.reshape(2, 12))
    z = K.reshape(x, K.concatenate([K.shape(x)[:1], K.shape(x)[2:], K.shape(x)[1:2]]))
    assert K.int_shape(z) == (None, 4, 3)
    np.testing.assert_array_equal(K.function([x], [z])([a])[0], a.reshape(2, 4, 3))
    w = K.reshape(x, K.stack([K.shape(x)[0], K.shape(x)[2], K.shape(x)[1]]))
    assert K.int_shape(w) == (None, 4, 3)
    np.testing.assert_array_equal(K.function([x], [w])([a])[0], a.reshape(2, 4, 3))


@pytest.mark.parametrize("dtype", DTYPES)
def test_long_axes_take_the_vectorised_paths(dtype):
    """Axes longer than a vector (and not a multiple of it) through the copy and view kernels."""
    x = _array(16, (3, 37, 19), dtype)

    def build(t):
        return [t[:, 3:-2:2, ::-3], K.reverse(t, [1, 2]),
                K.spatial_2d_padding(K.expand_dims(t), ((1, 2), (3, 4))),
                K.concatenate([t, t[:, :, ::-1]], -1), K.permute_dimensions(t, (2, 0, 1)),
                K.repeat_elements(t, 3, 2), K.tile(t, [1, 2, 3]), K.batch_flatten(t)]

    values, tensors = _evaluate(build, [x], batch=True)
    expected = [x[:, 3:-2:2, ::-3], x[:, ::-1, ::-1], np.pad(x[..., None], [(0, 0), (1, 2), (3, 4), (0, 0)]),
                np.concatenate([x, x[:, :, ::-1]], -1), x.transpose(2, 0, 1), np.repeat(x, 3, 2),
                np.tile(x, [1, 2, 3]), x.reshape(3, -1)]
    for value, want in zip(values, expected):
        assert value.dtype == want.dtype
        np.testing.assert_array_equal(value, want)


# ------------------------------------------------------------------ shape, int_shape, ndim
@pytest.mark.parametrize("batch_size", [0, 1, 5])
def test_shape_int_shape_ndim(batch_size):
    x = K.placeholder(shape=(None, 3, 2))
    assert K.int_shape(x) == (None, 3, 2)
    assert K.ndim(x) == 3
    s = K.shape(x)
    assert K.dtype(s) == "int32"
    assert K.int_shape(s) == (3,)
    value = K.function([x], [s])([np.zeros((batch_size, 3, 2), "float32")])[0]
    assert value.dtype == np.int32
    np.testing.assert_array_equal(value, [batch_size, 3, 2])
    item = K.function([x], [K.shape(x)[0]])([np.zeros((batch_size, 3, 2), "float32")])[0]
    assert int(item) == batch_size


def test_shape_of_static_tensors():
    v = K.variable(np.zeros((4, 3, 2)))
    np.testing.assert_array_equal(K.eval(K.shape(v)), [4, 3, 2])
    assert K.eval(K.shape(v)).dtype == np.int32
    assert K.int_shape(v) == (4, 3, 2)
    assert K.ndim(v) == 3
    c = K.constant(np.ones((2, 5)))
    np.testing.assert_array_equal(K.eval(K.shape(c)), [2, 5])
    assert K.int_shape(K.concatenate([c, c])) == (2, 10)
    assert K.ndim(K.expand_dims(c, 0)) == 3


def test_zero_size_batch_through_several_ops():
    x = _array(11, (0, 3, 4), "float32")

    def build(t):
        y = K.permute_dimensions(t, (0, 2, 1))
        y = K.concatenate([y, y], axis=-1)
        y = K.repeat_elements(y, 2, axis=1)
        y = K.temporal_padding(y, (1, 2))
        return K.batch_flatten(y)

    value, tensor = _evaluate(build, [x], batch=True)
    assert value.shape == (0, 11 * 6)
    assert K.int_shape(tensor) == (None, 66)


# ------------------------------------------------------------------ error cases
def test_reshape_incompatible_size_names_shapes():
    x = K.placeholder(shape=(2, 3))
    with pytest.raises(ValueError, match=r"2.*3.*4.*2"):
        K.reshape(x, (4, 2))
    with pytest.raises(ValueError, match="reshape"):
        K.reshape(x, (4, -1))
    with pytest.raises(ValueError, match="-1"):
        K.reshape(x, (-1, -1))


def test_concatenate_mismatched_shapes():
    a, b = K.placeholder(shape=(2, 3)), K.placeholder(shape=(3, 3))
    with pytest.raises(ValueError, match=r"concatenate.*\[2,3\].*\[3,3\]"):
        K.concatenate([a, b], axis=1)
    c = K.placeholder(shape=(2, 3, 1))
    with pytest.raises(ValueError, match="concatenate"):
        K.concatenate([a, c], axis=0)
    with pytest.raises(ValueError, match="axis"):
        K.concatenate([a, a], axis=2)


def test_squeeze_non_unit_axis():
    x = K.placeholder(shape=(2, 3))
    with pytest.raises(ValueError, match=r"squeeze.*\(2, 3\)"):
        K.squeeze(x, 1)


def test_bad_data_format():
    x = K.placeholder(shape=(2, 3, 4, 5))
    with pytest.raises(ValueError, match="Unknown data_format"):
        K.spatial_2d_padding(x, data_format="channels_middle")
    with pytest.raises(ValueError, match="Invalid data_format"):
        K.resize_images(x, 2, 2, "channels_middle")


def test_unsupported_symbolic_cases_say_so():
    x = K.placeholder(shape=(None, 6))
    with pytest.raises(NotImplementedError, match="symbolic axis 0"):
        x[-2:]          # a start counted from the back of a run-time size
    with pytest.raises(ValueError, match=r"reshape.*\[-1, 4\]"):
        K.reshape(x, (-1, 4))          # 6n/4 is not a whole multiple of the batch symbol


def test_reverse_and_expand_dims_bad_axes():
    x = K.placeholder(shape=(2, 3))
    with pytest.raises(ValueError, match="more than once"):
        K.reverse(x, [0, -2])
    with pytest.raises(ValueError, match="out of range"):
        K.reverse(x, 2)
    with pytest.raises(ValueError, match="out of range"):
        K.expand_dims(x, 3)
    with pytest.raises(ValueError, match="out of range"):
        K.squeeze(x, -3)


def test_permute_with_a_bad_pattern():
    x = K.placeholder(shape=(2, 3))
    with pytest.raises(ValueError, match="transpose|permut"):
        K.permute_dimensions(x, (0, 0))


# ------------------------------------------------------------------ gradients
def _pad(a, spec):
    """np.pad with zeros; on an index array (see _adjoint) with -1, "no source"."""
    return np.pad(a, spec, constant_values=-1 if a.dtype.kind == "i" else 0)


# name, input shapes, K function of the inputs, the same function in numpy
GRADIENTS = [
    ("concatenate", [(2, 3), (2, 4)], lambda a, b: K.concatenate([a, b], axis=-1),
     lambda a, b: np.concatenate([a, b], axis=-1)),
    ("concatenate_axis0_self", [(2, 3)], lambda a: K.concatenate([a, a[::-1]], axis=0),
     lambda a: np.concatenate([a, a[::-1]], axis=0)),
    ("reshape", [(2, 3, 4)], lambda a: K.reshape(a, (4, 6)), lambda a: a.reshape(4, 6)),
    ("permute", [(2, 3, 4)], lambda a: K.permute_dimensions(a, (2, 0, 1)), lambda a: a.transpose(2, 0, 1)),
    ("repeat_elements", [(2, 3, 4)], lambda a: K.repeat_elements(a, 3, 1), lambda a: np.repeat(a, 3, 1)),
    ("repeat", [(2, 5)], lambda a: K.repeat(a, 3), lambda a: np.repeat(a[:, None], 3, 1)),
    ("tile", [(2, 3)], lambda a: K.tile(a, [3, 2]), lambda a: np.tile(a, [3, 2])),
    ("temporal_padding", [(2, 3, 4)], lambda a: K.temporal_padding(a, (1, 2)),
     lambda a: _pad(a, [(0, 0), (1, 2), (0, 0)])),
    ("spatial_2d_padding", [(2, 3, 4, 5)],
     lambda a: K.spatial_2d_padding(a, ((0, 2), (1, 0)), "channels_first"),
     lambda a: _pad(a, [(0, 0), (0, 0), (0, 2), (1, 0)])),
    ("spatial_3d_padding", [(2, 3, 2, 4, 1)],
     lambda a: K.spatial_3d_padding(a, ((1, 0), (0, 1), (2, 1)), "channels_last"),
     lambda a: _pad(a, [(0, 0), (1, 0), (0, 1), (2, 1), (0, 0)])),
    ("resize_images", [(2, 3, 4, 1)], lambda a: K.resize_images(a, 2, 3, "channels_last"),
     lambda a: np.repeat(np.repeat(a, 2, 1), 3, 2)),
    ("slice_steps", [(5, 6)], lambda a: a[1::2, ::-2], lambda a: a[1::2, ::-2]),
    ("slice_int_none", [(3, 4, 5)], lambda a: a[:, -1, None, 1:4], lambda a: a[:, -1, None, 1:4]),
    ("reverse", [(3, 4, 2)], lambda a: K.reverse(a, [0, -1]), lambda a: a[::-1, :, ::-1]),
    ("stack", [(3, 4), (3, 4)], lambda a, b: K.stack([a, b], axis=1), lambda a, b: np.stack([a, b], 1)),
    ("flatten", [(3, 4)], K.flatten, np.ravel),
    ("expand_squeeze", [(3, 1, 4)], lambda a: K.expand_dims(K.squeeze(a, 1), -1),
     lambda a: a[:, 0, :, None]),
]


def _adjoint(np_fn, shapes, w):
    """The adjoint of a linear index map applied to w: each output element sends its
    weight to the input element it was copied from (-1: a padding zero)."""
    sizes = [int(np.prod(s)) for s in shapes]
    offsets = np.cumsum([0] + sizes)
    indices = [np.arange(o, o + n).reshape(s) for o, n, s in zip(offsets, sizes, shapes)]
    source = np.asarray(np_fn(*indices))
    keep = source >= 0
    total = np.bincount(source[keep], weights=w[keep], minlength=offsets[-1])
    return [total[o:o + n].reshape(s) for o, n, s in zip(offsets, sizes, shapes)]


@pytest.mark.parametrize("name, shapes, k_fn, np_fn", GRADIENTS, ids=[g[0] for g in GRADIENTS])
def test_gradient_is_the_adjoint(name, shapes, k_fn, np_fn):
    rng = np.random.default_rng(len(name))
    xs = [K.placeholder(shape=s, dtype="float64") for s in shapes]
    y = k_fn(*xs)
    w = K.placeholder(shape=y.shape, dtype="float64")
    grads = K.gradients(K.sum(y * w), xs)
    values = [rng.standard_normal(s) for s in shapes]
    w_value = rng.standard_normal(y.shape)
    out = K.function(xs + [w], [y] + grads)(values + [w_value])
    np.testing.assert_array_equal(out[0], np_fn(*values))
    for got, want in zip(out[1:], _adjoint(np_fn, shapes, w_value)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_gradient_through_symbolic_batch_slice_and_concat_float32():
    x = K.placeholder(shape=(None, 3, 4))
    y = K.concatenate([x[:, ::-1, 1:], K.reverse(x, 1)], axis=-1)
    loss = K.sum(K.square(y))
    (g,) = K.gradients(loss, [x])
    a = _array(12, (2, 3, 4), "float32")
    grad = K.function([x], [g])([a])[0]
    # y holds x[:, :, 1:] once and all of x once (both reversed on axis 1)
    expected = 2 * a + 2 * np.concatenate([np.zeros_like(a[..., :1]), a[..., 1:]], axis=-1)
    np.testing.assert_allclose(grad, expected, rtol=1e-6)


def test_gradient_finite_differences_of_a_chain():
    """A nonlinear chain of shape ops, checked by central differences in float64."""
    rng = np.random.default_rng(0)
    x = K.placeholder(shape=(2, 3, 4), dtype="float64")
    proj = rng.standard_normal((2, 4, 6))

    def np_fn(a):
        t = np.concatenate([np.repeat(a, 2, axis=0)[:, ::-1], np.tile(a[:, :1], (2, 1, 1))], axis=1)
        t = np.pad(t[:, :, 1:] ** 2, [(0, 0), (0, 0), (1, 2)])
        return np.sum(np.transpose(t.reshape(2, 2, 4, 6), (1, 0, 2, 3))[0] * proj)

    def k_fn(a):
        t = K.concatenate([K.repeat_elements(a, 2, axis=0)[:, ::-1], K.tile(a[:, :1], (2, 1, 1))], axis=1)
        t = K.temporal_padding(K.permute_dimensions(K.square(t[:, :, 1:]), (0, 2, 1)), (1, 2))
        t = K.permute_dimensions(t, (0, 2, 1))
        t = K.permute_dimensions(K.reshape(t, (2, 2, 4, 6)), (1, 0, 2, 3))[0]
        return K.sum(t * K.constant(proj, "float64"))

    a = rng.standard_normal((2, 3, 4))
    loss = k_fn(x)
    f = K.function([x], [loss] + K.gradients(loss, [x]))
    value, grad = f([a])
    np.testing.assert_allclose(value, np_fn(a), rtol=1e-12)
    eps = 1e-6
    numeric = np.zeros_like(a)
    for i in np.ndindex(*a.shape):
        d = np.zeros_like(a)
        d[i] = eps
        numeric[i] = (np_fn(a + d) - np_fn(a - d)) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)
