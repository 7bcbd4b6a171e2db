"""The math functions of K (frontend/backend/math_ops.py) against numpy.

One table of op records (name, K function, numpy reference, input domain, dtypes)
drives one hypothesis test per family: elementwise unary and binary ops (broadcasting
included; their records are shared with the gradient and mathlib tests in
tests/op_records.py, plus the Python operator spellings here), reductions, scans and
arg-reductions. Products (dot, batch_dot), transpose,
gather, Python operators mixed with scalars and numpy arrays, nan/inf propagation,
zero-size batches and the shape errors have tests of their own.

Every value goes in one of four ways (`FEEDS`): through placeholders with a static
shape, through placeholders whose batch dim is None, and through `K.eval` on constants
and on variables. Shapes come from a small set (distinct graphs compile native code)
and are never square, so a swapped axis shows.
"""
import builtins
import operator
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from keralite import backend as K

from op_records import (BINARY as BINARY_OPS, COMPARISONS as COMPARISON_OPS, FLOATS, INTS,
                        NEAR_ONE, POSITIVE, REAL, SMALL_INT, TIES, TINY_INT, TRUTHS, UNARY as UNARY_OPS,
                        UNIT_INT, EXP_RANGE, Record as Rec, with_k)

SETTINGS = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FEEDS = ("static", "batch", "constant", "variable")
RTOL = {"float32": 2e-5, "float64": 1e-12}


# ------------------------------------------------------------------ evaluation helpers
def evaluate(fn, arrays, feed, batched=None):
    """fn(*tensors) with the arrays fed as `feed` says; returns a numpy array.

    `batched[i]` says whether input i gets a None first dim in the 'batch' feed
    (default: inputs of the highest rank whose first dim is not 1).
    """
    arrays = [np.asarray(a) for a in arrays]
    if feed in ("static", "batch"):
        if batched is None:
            top = builtins.max(a.ndim for a in arrays)
            batched = [a.ndim == top and a.ndim > 0 and a.shape[0] != 1 for a in arrays]
        holders = []
        for a, b in zip(arrays, batched):
            shape = tuple(a.shape)
            if feed == "batch" and b:
                shape = (None,) + shape[1:]
            holders.append(K.placeholder(shape, dtype=a.dtype.name))
        out = K.function(holders, [fn(*holders)])(arrays)[0]
    elif feed == "constant":
        out = K.eval(fn(*[K.constant(a, dtype=a.dtype.name) for a in arrays]))
    elif feed == "variable":
        out = K.eval(fn(*[K.variable(a, dtype=a.dtype.name) for a in arrays]))
    else:
        raise ValueError(feed)
    return np.asarray(out)


def assert_close(got, want, dtype, rtol=None, scale=1.0, check_dtype=None):
    """Values (nan matching nan, inf matching inf) and the shape; atol is rtol * scale."""
    want = np.asarray(want)
    assert got.shape == want.shape, f"shape {got.shape} != expected {want.shape}"
    if check_dtype is not None:
        assert got.dtype == np.dtype(check_dtype), f"dtype {got.dtype} != expected {check_dtype}"
    if got.dtype.kind in "biu" and want.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want)
        return
    rtol = rtol if rtol is not None else RTOL.get(str(np.dtype(dtype)), 1e-12)
    np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64),
                               rtol=rtol, atol=rtol * scale, equal_nan=True)


# ------------------------------------------------------------------ input domains
def arrays_of(dtype, shape, domain, int_domain=SMALL_INT):
    if dtype == "bool":
        return hnp.arrays(np.bool_, shape)
    elements = domain(dtype) if dtype in FLOATS else int_domain(dtype)
    return hnp.arrays(np.dtype(dtype), shape, elements=elements)


# ------------------------------------------------------------------ elementwise records
# one record per op (tests/op_records.py), plus the Python operator spellings of K's ops
UNARY = with_k(UNARY_OPS) + [Rec("abs()", builtins.abs, np.abs, REAL, FLOATS + INTS)]
# small, and wide enough for vector loops with a remainder (16 floats per AVX-512 register)
UNARY_SHAPES = [(3, 5), (2, 3, 19), (37,)]


@pytest.mark.parametrize("rec", UNARY, ids=lambda r: r.name)
@SETTINGS
@given(data=st.data())
def test_unary(rec, data):
    dtype = data.draw(st.sampled_from(rec.dtypes), "dtype")
    shape = data.draw(st.sampled_from(UNARY_SHAPES), "shape")
    feed = data.draw(st.sampled_from(FEEDS), "feed")
    x = data.draw(arrays_of(dtype, shape, rec.domain, rec.int_domain), "x")
    got = evaluate(rec.k, [x], feed)
    want = rec.ref(x)
    assert_close(got, want, dtype, rec.rtol, scale=1e-30, check_dtype=dtype)


BINARY = with_k(BINARY_OPS) + [
    Rec("pow_op", operator.pow, np.power, NEAR_ONE, FLOATS),
    Rec("lt_op", operator.lt, np.less, TIES, FLOATS + INTS, TINY_INT),
    Rec("le_op", operator.le, np.less_equal, TIES, FLOATS + INTS, TINY_INT),
    Rec("gt_op", operator.gt, np.greater, TIES, FLOATS + INTS, TINY_INT),
    Rec("ge_op", operator.ge, np.greater_equal, TIES, FLOATS + INTS, TINY_INT),
]
BINARY_SHAPES = [((3, 37), (3, 37)), ((3, 5), (5,)), ((2, 1, 19), (3, 1)), ((1, 5), (3, 5)), ((3, 5), ())]
COMPARISONS = COMPARISON_OPS | {"lt_op", "le_op", "gt_op", "ge_op"}


@pytest.mark.parametrize("rec", BINARY, ids=lambda r: r.name)
@SETTINGS
@given(data=st.data())
def test_binary(rec, data):
    dtype = data.draw(st.sampled_from(rec.dtypes), "dtype")
    shape_a, shape_b = data.draw(st.sampled_from(BINARY_SHAPES), "shapes")
    feed = data.draw(st.sampled_from(FEEDS), "feed")
    a = data.draw(arrays_of(dtype, shape_a, rec.domain, rec.int_domain), "a")
    b = data.draw(arrays_of(dtype, shape_b, rec.domain, rec.int_domain), "b")
    got = evaluate(rec.k, [a, b], feed)
    want = rec.ref(a, b)
    expected_dtype = "bool" if rec.name in COMPARISONS else dtype
    assert_close(got, want, dtype, rec.rtol, scale=1e-30, check_dtype=expected_dtype)


@SETTINGS
@given(data=st.data())
def test_clip(data):
    dtype = data.draw(st.sampled_from(FLOATS + INTS), "dtype")
    shape = data.draw(st.sampled_from(UNARY_SHAPES), "shape")
    feed = data.draw(st.sampled_from(FEEDS), "feed")
    lo, hi = data.draw(st.sampled_from([(-1, 2), (0, 5), (3, -3), (-4, -4)]), "bounds")
    x = data.draw(arrays_of(dtype, shape, REAL), "x")
    got = evaluate(lambda t: K.clip(t, lo, hi), [x], feed)
    want = np.clip(x, lo, builtins.max(lo, hi))       # max < min means max = min (Keras)
    assert_close(got, want, dtype, check_dtype=dtype)


# ------------------------------------------------------------------ reductions
REDUCTIONS = [
    Rec("max", K.max, np.max, REAL, FLOATS + INTS),
    Rec("min", K.min, np.min, REAL, FLOATS + INTS),
    Rec("sum", K.sum, np.sum, REAL, FLOATS + INTS),
    Rec("prod", K.prod, np.prod, NEAR_ONE, FLOATS + INTS, UNIT_INT),
    Rec("mean", K.mean, np.mean, REAL, FLOATS + INTS + ("bool",)),
    Rec("var", K.var, np.var, REAL, FLOATS, rtol={"float32": 1e-4, "float64": 1e-11}),
    Rec("std", K.std, np.std, REAL, FLOATS, rtol={"float32": 1e-4, "float64": 1e-11}),
    Rec("any", K.any, np.any, TRUTHS, FLOATS + INTS + ("bool",), TINY_INT),
    Rec("all", K.all, np.all, TRUTHS, FLOATS + INTS + ("bool",), TINY_INT),
    Rec("logsumexp", K.logsumexp, None, EXP_RANGE, FLOATS),
]
REDUCE_SHAPES = [(3, 5), (2, 5, 19)]
AXES = [None, 0, 1, -1, -2, [0, -1], [1], (0, 1)]


def np_logsumexp(x, axis=None, keepdims=False):
    """Shifted by the max where it is finite (so a row holding +inf gives inf), as TF does."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _np_axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _reduce_dtype(name, dtype):
    if name in ("any", "all"):
        return "bool"
    if name in ("mean", "var", "std", "logsumexp") and dtype not in FLOATS:
        return "float32"      # Keras casts bools to floatx; keralite also makes int means float
    return dtype


@pytest.mark.parametrize("rec", REDUCTIONS, ids=lambda r: r.name)
@settings(SETTINGS, max_examples=16)
@given(data=st.data())
def test_reduction(rec, data):
    dtype = data.draw(st.sampled_from(rec.dtypes), "dtype")
    shape = data.draw(st.sampled_from(REDUCE_SHAPES), "shape")
    feed = data.draw(st.sampled_from(FEEDS), "feed")
    axis = data.draw(st.sampled_from(AXES), "axis")
    keepdims = data.draw(st.booleans(), "keepdims")
    x = data.draw(arrays_of(dtype, shape, rec.domain, rec.int_domain), "x")
    got = evaluate(lambda t: rec.k(t, axis=axis, keepdims=keepdims), [x], feed)
    ref = rec.ref or np_logsumexp
    # means and logsumexp against float64 (a float32 reference is less accurate than K)
    want = ref(x.astype(np.float64) if rec.name in ("mean", "var", "std", "logsumexp") else x,
               axis=_np_axis(axis), keepdims=keepdims)
    rtol = rec.rtol[dtype] if isinstance(rec.rtol, dict) and dtype in rec.rtol else None
    if dtype not in FLOATS and rec.name in ("mean", "var", "std"):
        rtol = RTOL["float32"]
    if rec.name in ("max", "min", "prod"):
        scale = 1e-30
    elif rec.name == "logsumexp":
        # max + log(sum) with sum >= 1: an error of an ulp of the sum is absolute, and
        # relatively large where the result is near 0
        scale = np.abs(x).max() + 1
    else:
        scale = np.abs(x).sum() + 1
    assert_close(got, want, dtype, rtol, scale=scale, check_dtype=_reduce_dtype(rec.name, dtype))


SCANS = [
    Rec("cumsum", K.cumsum, np.cumsum, REAL, FLOATS + INTS),
    Rec("cumprod", K.cumprod, np.cumprod, NEAR_ONE, FLOATS + INTS, UNIT_INT),
]


@pytest.mark.parametrize("rec", SCANS, ids=lambda r: r.name)
@settings(SETTINGS, max_examples=16)
@given(data=st.data())
def test_scan(rec, data):
    dtype = data.draw(st.sampled_from(rec.dtypes), "dtype")
    shape = data.draw(st.sampled_from(REDUCE_SHAPES), "shape")
    feed = data.draw(st.sampled_from(FEEDS), "feed")
    axis = data.draw(st.sampled_from([0, 1, -1]), "axis")
    x = data.draw(arrays_of(dtype, shape, rec.domain, rec.int_domain), "x")
    got = evaluate(lambda t: rec.k(t, axis=axis), [x], feed)
    want = rec.ref(x, axis=axis).astype(x.dtype)
    assert_close(got, want, dtype, scale=np.abs(x).sum() + 1, check_dtype=dtype)


def test_scan_default_axis_is_zero():
    x = np.arange(1, 16, dtype="float32").reshape(3, 5)
    assert_close(K.eval(K.cumsum(K.constant(x))), np.cumsum(x, axis=0), "float32")
    assert_close(K.eval(K.cumprod(K.constant(x))), np.cumprod(x, axis=0), "float32")


ARGS = [Rec("argmax", K.argmax, np.argmax, TIES, FLOATS + INTS, TINY_INT),
        Rec("argmin", K.argmin, np.argmin, TIES, FLOATS + INTS, TINY_INT)]


@pytest.mark.parametrize("rec", ARGS, ids=lambda r: r.name)
@settings(SETTINGS, max_examples=16)
@given(data=st.data())
def test_arg_reduction(rec, data):
    """Ties are frequent (values from a set of five): the first occurrence wins."""
    dtype = data.draw(st.sampled_from(rec.dtypes), "dtype")
    shape = data.draw(st.sampled_from(REDUCE_SHAPES), "shape")
    feed = data.draw(st.sampled_from(FEEDS), "feed")
    axis = data.draw(st.sampled_from([-1, 0, 1]), "axis")
    x = data.draw(arrays_of(dtype, shape, rec.domain, rec.int_domain), "x")
    got = evaluate(lambda t: rec.k(t, axis=axis), [x], feed)
    assert_close(got, rec.ref(x, axis=axis), dtype, check_dtype="int64")


def test_arg_reduction_default_axis_is_last():
    x = np.array([[1, 3, 3, 0], [2, 2, 1, 2], [0, 5, 1, 5]], "float32")
    assert_close(K.eval(K.argmax(K.constant(x))), [1, 0, 1], "float32")
    assert_close(K.eval(K.argmin(K.constant(x))), [3, 2, 0], "float32")


# ------------------------------------------------------------------ products
DOT_SHAPES = [
    ((3, 4), (4, 5)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (6, 4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 4, 5)),
    ((4,), (4,)),
    ((2, 17, 33), (33, 9)),
    ((37,), (37, 3)),
]


def _dot_batched(xs, ys):
    """Which operand gets a None first dim in the 'batch' feed: never a contracted dim."""
    return [len(xs) >= 2, len(ys) >= 3]


@SETTINGS
@given(data=st.data())
def test_dot(data):
    dtype = data.draw(st.sampled_from(FLOATS + INTS), "dtype")
    xs, ys = data.draw(st.sampled_from(DOT_SHAPES), "shapes")
    feed = data.draw(st.sampled_from(FEEDS), "feed")
    x = data.draw(arrays_of(dtype, xs, REAL), "x")
    y = data.draw(arrays_of(dtype, ys, REAL), "y")
    got = evaluate(K.dot, [x, y], feed, batched=_dot_batched(xs, ys))
    want = np.dot(x, y)
    assert want.shape == (xs[:-1] + ys[:-2] + ys[-1:] if len(ys) >= 2 else xs[:-1])
    scale = np.abs(x).max(initial=0) * np.abs(y).max(initial=0) * xs[-1] + 1
    assert_close(got, want, dtype, scale=scale, check_dtype=dtype)


@SETTINGS
@given(data=st.data())
def test_matmul_operator(data):
    """`x @ y`, with numpy arrays on either side."""
    side = data.draw(st.sampled_from(["both", "array_left", "array_right"]), "side")
    x = data.draw(arrays_of("float32", (3, 4), REAL), "x")
    y = data.draw(arrays_of("float32", (4, 5), REAL), "y")
    if side == "both":
        out = K.constant(x) @ K.constant(y)
    elif side == "array_left":
        out = x @ K.constant(y)
    else:
        out = K.constant(x) @ y
    assert_close(K.eval(out), x @ y, "float32", scale=4 * 100 + 1, check_dtype="float32")


def np_batch_dot(x, y, axes):
    """Per batch item, contract x[i]'s axis axes[0]-1 with y[i]'s axis axes[1]-1 (the
    Keras 2.1.6 semantics for operands of rank <= 3); rank-1 results get an axis."""
    out = np.stack([np.tensordot(x[i], y[i], axes=(axes[0] - 1, axes[1] - 1)) for i in range(len(x))])
    return out[:, None] if out.ndim == 1 else out


BATCH_DOT_CASES = [
    # x shape, y shape, axes as given to K, the same axes normalised, Keras' result shape
    ((4, 5), (4, 5), 1, (1, 1), (4, 1)),
    ((4, 5), (4, 5), (1, 1), (1, 1), (4, 1)),
    ((4, 5), (4, 5), -1, (1, 1), (4, 1)),
    ((3, 4, 1), (3, 5, 4), (1, 2), (1, 2), (3, 1, 5)),   # the Keras docs example, scaled down
    ((3, 4, 5), (3, 5, 2), None, (2, 1), (3, 4, 2)),
    ((3, 4, 5), (3, 5, 2), (2, 1), (2, 1), (3, 4, 2)),
    ((3, 5, 4), (3, 5, 2), (1, 1), (1, 1), (3, 4, 2)),
    ((3, 4, 5), (3, 2, 5), (2, 2), (2, 2), (3, 4, 2)),
    ((3, 4, 5), (3, 2, 5), -1, (2, 2), (3, 4, 2)),
    ((3, 5, 4), (3, 2, 5), (1, 2), (1, 2), (3, 4, 2)),
    ((3, 5), (3, 5, 2), (1, 1), (1, 1), (3, 2)),
    ((3, 4, 5), (3, 5), (2, 1), (2, 1), (3, 4)),
    ((3, 4, 5), (3, 4), (1, 1), (1, 1), (3, 5)),
    ((3, 5), (3, 4, 5), (1, 2), (1, 2), (3, 4)),
    ((3, 17, 33), (3, 33, 9), None, (2, 1), (3, 17, 9)),
    ((3, 37), (3, 37), 1, (1, 1), (3, 1)),
]


@settings(SETTINGS, max_examples=25)
@given(data=st.data())
def test_batch_dot(data):
    xs, ys, axes, norm_axes, out_shape = data.draw(st.sampled_from(BATCH_DOT_CASES), "case")
    dtype = data.draw(st.sampled_from(FLOATS + INTS), "dtype")
    feed = data.draw(st.sampled_from(FEEDS), "feed")
    x = data.draw(arrays_of(dtype, xs, REAL), "x")
    y = data.draw(arrays_of(dtype, ys, REAL), "y")
    got = evaluate(lambda a, b: K.batch_dot(a, b, axes=axes), [x, y], feed, batched=[True, True])
    want = np_batch_dot(x, y, norm_axes)
    assert want.shape == out_shape
    assert_close(got, want, dtype, scale=100 * 37 + 1, check_dtype=dtype)


def test_batch_dot_docs_shapes():
    """The examples of the Keras 2.1.6 docs, shapes as given there."""
    x = K.ones(shape=(32, 20, 1))
    y = K.ones(shape=(32, 30, 20))
    assert K.int_shape(K.batch_dot(x, y, axes=[1, 2])) == (32, 1, 30)
    out = K.batch_dot(K.ones((32, 20)), K.ones((32, 20)), axes=1)
    assert K.int_shape(out) == (32, 1)
    np.testing.assert_array_equal(K.eval(out), np.full((32, 1), 20.0, "float32"))
    a = K.placeholder((None, 20, 1))
    assert K.int_shape(K.batch_dot(a, K.placeholder((None, 30, 20)), axes=(1, 2))) == (None, 1, 30)


def test_batch_dot_rank4_batches_over_leading_dims():
    """Keras 2.1.6 lowers rank >= 3 to a batched matmul over every leading dim."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 5))
    y = rng.standard_normal((2, 3, 5, 6))
    got = K.eval(K.batch_dot(K.constant(x, "float64"), K.constant(y, "float64")))
    assert_close(got, np.matmul(x, y), "float64")
    got = K.eval(K.batch_dot(K.constant(x, "float64"), K.constant(y.swapaxes(-1, -2), "float64"), axes=(3, 3)))
    assert_close(got, np.matmul(x, y), "float64")


@SETTINGS
@given(data=st.data())
def test_transpose(data):
    dtype = data.draw(st.sampled_from(FLOATS + INTS + ("bool",)), "dtype")
    shape = data.draw(st.sampled_from(UNARY_SHAPES), "shape")
    feed = data.draw(st.sampled_from(FEEDS), "feed")
    x = data.draw(arrays_of(dtype, shape, REAL), "x")
    got = evaluate(K.transpose, [x], feed)
    assert_close(got, np.transpose(x), dtype, check_dtype=dtype)


GATHER_CASES = [((5, 3), (4,)), ((5, 3), (2, 3)), ((6,), (4,)), ((5, 2, 3), (3,))]


@SETTINGS
@given(data=st.data())
def test_gather(data):
    dtype = data.draw(st.sampled_from(FLOATS + INTS), "dtype")
    ref_shape, idx_shape = data.draw(st.sampled_from(GATHER_CASES), "shapes")
    idx_dtype = data.draw(st.sampled_from(INTS), "index_dtype")
    feed = data.draw(st.sampled_from(FEEDS), "feed")
    reference = data.draw(arrays_of(dtype, ref_shape, REAL), "reference")
    indices = data.draw(hnp.arrays(np.dtype(idx_dtype), idx_shape,
                                   elements=st.integers(0, ref_shape[0] - 1)), "indices")
    got = evaluate(K.gather, [reference, indices], feed, batched=[False, True])
    assert_close(got, reference[indices], dtype, check_dtype=dtype)


def test_gather_with_python_and_numpy_indices():
    reference = np.arange(15, dtype="float32").reshape(5, 3)
    t = K.constant(reference)
    assert_close(K.eval(K.gather(t, [4, 0, 4])), reference[[4, 0, 4]], "float32")
    assert_close(K.eval(K.gather(t, np.array([[1, 2], [3, 0]]))), reference[[[1, 2], [3, 0]]], "float32")


# ------------------------------------------------------------------ Python operators and mixing
OPERATORS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "**": operator.pow, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
OTHERS = {
    "int": lambda shape: 2,
    "float": lambda shape: 1.5,
    "negative float": lambda shape: -0.75,
    "f64 array": lambda shape: np.linspace(0.5, 2.0, shape[-1]),
    "f32 array": lambda shape: np.linspace(0.5, 2.0, shape[-1]).astype("float32"),
    "f64 0-d array": lambda shape: np.float64(1.25),
    "f32 scalar": lambda shape: np.float32(0.5),
    "int array": lambda shape: np.arange(1, shape[-1] + 1),
    "0-d array": lambda shape: np.array(0.25),
}


@settings(SETTINGS, max_examples=25)
@given(data=st.data())
def test_operators_mixed_with_python_and_numpy(data):
    """`t op other` and `other op t` for Python scalars and numpy arrays; the tensor's
    float dtype wins, as TensorFlow converts the other operand to it."""
    symbol = data.draw(st.sampled_from(sorted(OPERATORS)), "operator")
    kind = data.draw(st.sampled_from(sorted(OTHERS)), "other")
    tensor_left = data.draw(st.booleans(), "tensor_left")
    dtype = data.draw(st.sampled_from(FLOATS), "dtype")
    feed = data.draw(st.sampled_from(FEEDS), "feed")
    x = data.draw(arrays_of(dtype, (3, 5), POSITIVE), "x")
    other = OTHERS[kind](x.shape)
    op = OPERATORS[symbol]
    fn = (lambda t: op(t, other)) if tensor_left else (lambda t: op(other, t))
    got = evaluate(fn, [x], feed)
    other_same = np.asarray(other).astype(dtype)
    want = op(x, other_same) if tensor_left else op(other_same, x)
    expected_dtype = "bool" if symbol in ("<", "<=", ">", ">=") else dtype
    assert_close(got, want, dtype, rtol=5e-5 if dtype == "float32" else None, scale=1e-30,
                 check_dtype=expected_dtype)


@pytest.mark.parametrize("symbol", ["+", "-", "*", "**", "<", ">="])
@pytest.mark.parametrize("tensor_left", [True, False])
def test_int_tensor_with_python_int_stays_int(symbol, tensor_left):
    x = np.array([[1, 2, 3], [4, 0, 5]], "int32")
    op = OPERATORS[symbol]
    t = K.constant(x, "int32")
    got = K.eval(op(t, 2) if tensor_left else op(2, t))
    want = op(x, 2) if tensor_left else op(2, x)
    assert got.dtype == (np.bool_ if symbol in ("<", ">=") else np.int32)
    np.testing.assert_array_equal(got, want)


def test_int_division_is_float():
    x = np.array([[1, -2, 3], [4, 0, -1]], "int32")
    got = K.eval(K.constant(x, "int32") / 2)
    assert got.dtype.kind == "f"
    np.testing.assert_allclose(got, x / 2)


def test_unary_operators_keep_dtype():
    x = np.array([[1.5, -2.0, 0.0], [4.0, -0.5, 3.0]], "float64")
    t = K.constant(x, "float64")
    assert_close(K.eval(-t), -x, "float64", check_dtype="float64")
    assert_close(K.eval(abs(t)), np.abs(x), "float64", check_dtype="float64")
    assert_close(K.eval(+t), x, "float64", check_dtype="float64")


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.5, 0])
def test_pow_with_python_exponent(exponent):
    x = np.linspace(0.25, 3.0, 12).reshape(3, 4).astype("float32")
    assert_close(K.eval(K.pow(K.constant(x), exponent)), np.power(x, exponent), "float32",
                 check_dtype="float32")
    assert_close(K.eval(K.constant(x) ** exponent), np.power(x, exponent), "float32")


def test_pow_of_negative_bases():
    """Integral exponents of negative bases are real; others are nan (as C's pow)."""
    x = np.array([[-2.0, -1.5, -0.5], [-3.0, 2.0, 0.0]])
    for exponent in (2.0, 3.0, -1.0, 0.0, 1.5):
        e = np.full(x.shape, exponent)
        with np.errstate(all="ignore"):
            want = np.power(x, e)
        got = K.eval(K.pow(K.constant(x, "float64"), exponent))
        assert_close(got, want, "float64")


def test_clip_with_none_bounds():
    x = np.array([[-5.0, 0.5, 7.0], [2.0, -1.0, 3.0]], "float32")
    assert_close(K.eval(K.clip(K.constant(x), None, 2.0)), np.minimum(x, 2.0), "float32")
    assert_close(K.eval(K.clip(K.constant(x), 0.0, None)), np.maximum(x, 0.0), "float32")
    xi = x.astype("int32")
    got = K.eval(K.clip(K.constant(xi, "int32"), None, 2))
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.minimum(xi, 2))


def test_pow_of_ints():
    x = np.array([[0, 1, -2], [3, -1, 2]], "int32")
    got = K.eval(K.pow(K.constant(x, "int32"), 3))
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, x ** 3)


# ------------------------------------------------------------------ nan and inf
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -2.5, 1e30, 88.0, -1e-3],
                   "float64")
SPECIAL_UNARY = [r for r in UNARY if r.name not in ("abs()",)]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("rec", SPECIAL_UNARY, ids=lambda r: r.name)
def test_unary_special_values(rec, dtype):
    x = SPECIAL.astype(dtype).reshape(1, -1)
    if rec.name in ("sin", "cos"):
        x = x[np.abs(x) < 1e14][None, :]   # the documented accuracy range of mathlib's sin/cos
    with np.errstate(all="ignore"):
        want = rec.ref(x)
    got = evaluate(rec.k, [x], "static")
    assert_close(got, want, dtype, scale=1e-30, check_dtype=dtype)


SPECIAL_BINARY = [r for r in BINARY if not r.name.endswith("_op") and r.name != "pow_op"]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("rec", SPECIAL_BINARY, ids=lambda r: r.name)
def test_binary_special_values(rec, dtype):
    """Every pair of special values, e.g. maximum(nan, 1) is nan and nan != nan."""
    a = SPECIAL.astype(dtype)[:, None]
    b = SPECIAL.astype(dtype)[None, :]
    with np.errstate(all="ignore"):
        want = rec.ref(a, b)
    got = evaluate(rec.k, [a, b], "static")
    assert_close(got, want, dtype, rtol=RTOL[dtype], scale=1e-30)


ROWS_WITH_SPECIALS = np.array([
    [1.0, np.nan, 3.0, -2.0, 0.5],
    [np.inf, 1.0, -1.0, 2.0, 0.0],
    [-np.inf, 1.0, np.inf, 2.0, 3.0],
    [1.0, 2.0, 3.0, np.nan, np.inf],
])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["max", "min", "sum", "prod", "mean", "any", "all",
                                  "argmax", "argmin", "cumsum", "logsumexp"])
@pytest.mark.parametrize("axis", [-1, 0])
def test_reduction_special_values(name, axis, dtype):
    """nan and inf propagate as in numpy: a row with nan has max nan, sum nan, etc."""
    x = ROWS_WITH_SPECIALS.astype(dtype)
    k_fn = getattr(K, name)
    ref = np_logsumexp if name == "logsumexp" else getattr(np, name)
    with np.errstate(all="ignore"):
        want = ref(x, axis=axis)
    got = evaluate(lambda t: k_fn(t, axis=axis), [x], "batch")
    assert_close(got, want, dtype, scale=1e-30)


@pytest.mark.parametrize("name", ["max", "min", "sum", "argmax", "argmin"])
def test_wide_reduction_with_nan_in_the_vector_body(name):
    """A nan in the middle of a 45-wide row (vector lanes plus a remainder) still wins."""
    x = np.tile(np.linspace(-3.0, 3.0, 45, dtype="float32"), (3, 1))
    x[0, 20] = np.nan
    x[1, 44] = np.nan
    x[2, 7] = np.inf
    want = getattr(np, name)(x, axis=-1)
    got = evaluate(lambda t: getattr(K, name)(t, axis=-1), [x], "static")
    assert_close(got, want, "float32", scale=1e-30)


def test_arg_reduction_of_rows_of_one_value():
    x = np.array([[-np.inf, -np.inf, -np.inf], [np.inf, np.inf, np.inf], [2.0, 2.0, 2.0]], "float32")
    for name in ("argmax", "argmin"):
        got = evaluate(lambda t: getattr(K, name)(t, axis=-1), [x], "static")
        np.testing.assert_array_equal(got, getattr(np, name)(x, axis=-1))


@pytest.mark.parametrize("dtype", FLOATS)
def test_clip_special_values(dtype):
    x = SPECIAL.astype(dtype).reshape(1, -1)
    got = evaluate(lambda t: K.clip(t, -1.0, 2.0), [x], "static")
    assert_close(got, np.clip(x, -1.0, 2.0), dtype, scale=1e-30, check_dtype=dtype)


def test_logsumexp_is_stable():
    x = np.array([[1000.0, 1000.0, 999.0], [-1000.0, -1001.0, -1000.5]], "float32")
    want = np_logsumexp(x.astype(np.float64), axis=-1)
    assert_close(K.eval(K.logsumexp(K.constant(x), axis=-1)), want, "float32")
    assert_close(K.eval(K.logsumexp(K.constant(x))), np_logsumexp(x.astype(np.float64)), "float32")


def test_sqrt_clips_negatives_to_zero():
    x = np.array([[-4.0, -0.0, 0.0, 4.0], [-1e-30, 9.0, -np.inf, 2.0]], "float32")
    np.testing.assert_array_equal(K.eval(K.sqrt(K.constant(x))), np.sqrt(np.maximum(x, 0)))


# ------------------------------------------------------------------ zero-size batches
EMPTY_CASES = [
    ("exp", lambda t: K.exp(t), lambda x: np.exp(x)),
    ("add", lambda t: t + 1.0, lambda x: x + 1.0),
    ("sum0", lambda t: K.sum(t, axis=0), lambda x: np.sum(x, axis=0)),
    ("sum-1", lambda t: K.sum(t, axis=-1), lambda x: np.sum(x, axis=-1)),
    ("sum_all", lambda t: K.sum(t), lambda x: np.sum(x)),
    ("prod0", lambda t: K.prod(t, axis=0), lambda x: np.prod(x, axis=0)),
    ("mean0", lambda t: K.mean(t, axis=0), lambda x: np.full(x.shape[1:], np.nan, x.dtype)),
    ("mean-1", lambda t: K.mean(t, axis=-1), lambda x: np.zeros(x.shape[:1], x.dtype)),
    ("max0", lambda t: K.max(t, axis=0), lambda x: np.full(x.shape[1:], -np.inf, x.dtype)),  # as TF
    ("min0", lambda t: K.min(t, axis=0), lambda x: np.full(x.shape[1:], np.inf, x.dtype)),
    ("max-1", lambda t: K.max(t, axis=-1, keepdims=True), lambda x: np.zeros((0, 1), x.dtype)),
    ("any0", lambda t: K.any(t, axis=0), lambda x: np.any(x, axis=0)),
    ("all0", lambda t: K.all(t, axis=0), lambda x: np.all(x, axis=0)),
    ("argmax-1", lambda t: K.argmax(t, axis=-1), lambda x: np.zeros((0,), "int64")),
    ("cumsum0", lambda t: K.cumsum(t, axis=0), lambda x: np.cumsum(x, axis=0)),
    ("transpose", K.transpose, np.transpose),
    ("dot", lambda t: K.dot(t, K.constant(np.ones((5, 3)))), lambda x: x @ np.ones((5, 3), x.dtype)),
    ("std-1", lambda t: K.std(t, axis=-1), lambda x: np.zeros((0,), x.dtype)),
    ("logsumexp-1", lambda t: K.logsumexp(t, axis=-1), lambda x: np.zeros((0,), x.dtype)),
]


@pytest.mark.parametrize("case", EMPTY_CASES, ids=lambda c: c[0])
def test_zero_size_batch(case):
    """A placeholder (None, 5) fed a (0, 5) array."""
    _, fn, ref = case
    x = np.zeros((0, 5), "float32")
    p = K.placeholder((None, 5))
    got = np.asarray(K.function([p], [fn(p)])([x])[0])
    with np.errstate(all="ignore"):
        want = ref(x)
    assert_close(got, want, "float32", scale=1e-30)


def test_zero_size_batch_dot_and_gather():
    x = K.placeholder((None, 4, 5))
    y = K.placeholder((None, 5, 2))
    out = K.function([x, y], [K.batch_dot(x, y, axes=(2, 1))])([np.zeros((0, 4, 5), "float32"),
                                                                  np.zeros((0, 5, 2), "float32")])[0]
    assert out.shape == (0, 4, 2)
    i = K.placeholder((None,), dtype="int32")
    ref = np.arange(15, dtype="float32").reshape(5, 3)
    out = K.function([i], [K.gather(K.constant(ref), i)])([np.zeros((0,), "int32")])[0]
    assert out.shape == (0, 3)


# ------------------------------------------------------------------ errors
def _mentions(message, shape):
    """The message names `shape` (as (3, 4), (3,4) or [3,4])."""
    pattern = r"[\(\[]" + r",\s?".join(str(d) for d in shape) + r",?[\)\]]"
    return re.search(pattern, message) is not None


@pytest.mark.parametrize("xs, ys", [((3, 4), (5, 6)), ((2, 3, 4), (5, 6)), ((3, 4), (2, 5, 6)), ((3, 4), (5,))])
def test_dot_shape_mismatch_names_both_shapes(xs, ys):
    with pytest.raises(ValueError) as info:
        K.dot(K.placeholder(xs), K.placeholder(ys))
    message = str(info.value)
    assert "dot" in message and _mentions(message, xs) and _mentions(message, ys), message


def test_dot_shape_mismatch_with_batch_dim():
    with pytest.raises(ValueError) as info:
        K.dot(K.placeholder((None, 4)), K.placeholder((5, 6)))
    message = str(info.value)
    assert "dot" in message and _mentions(message, (5, 6)) and re.search(r"4[\)\]]", message), message


def test_dot_binds_an_unknown_contracted_dim():
    """x (3, None) . y (4, 5): the None dim must be 4, which the call checks."""
    x, y = K.placeholder((3, None)), K.placeholder((4, 5))
    f = K.function([x, y], [K.dot(x, y)])
    a, b = np.arange(12, dtype="float32").reshape(3, 4), np.ones((4, 5), "float32")
    assert_close(f([a, b])[0], a @ b, "float32")
    with pytest.raises(ValueError):
        f([np.ones((3, 6), "float32"), b])


@pytest.mark.parametrize("xs, ys", [((3, 5), (4, 5)), ((2, 3), (3, 2)), ((3, 5), (4,))])
def test_add_broadcast_mismatch_names_op_and_shapes(xs, ys):
    with pytest.raises(ValueError) as info:
        K.placeholder(xs) + K.placeholder(ys)
    message = str(info.value)
    assert "add" in message and _mentions(message, xs) and _mentions(message, ys), message


@pytest.mark.parametrize("xs, ys, axes", [
    ((3, 4, 5), (3, 6, 2), (2, 1)),      # contracted sizes differ
    ((3, 4, 5), (2, 5, 2), (2, 1)),      # batch sizes differ
    ((3, 4, 5), (3, 5, 2), (0, 0)),      # the batch axis
    ((3, 4, 5), (3, 5, 2), (3, 1)),      # out of range
    ((2, 3, 4, 5), (2, 3, 4, 5), 1),     # rank 4 contracts one of the last two axes
])
def test_batch_dot_errors(xs, ys, axes):
    with pytest.raises(ValueError, match="batch_dot"):
        K.batch_dot(K.placeholder(xs), K.placeholder(ys), axes=axes)


@pytest.mark.parametrize("fn", [
    lambda t: K.argmax(t, axis=2), lambda t: K.argmin(t, axis=-3), lambda t: K.cumsum(t, axis=2),
    lambda t: K.sum(t, axis=2), lambda t: K.max(t, axis=[0, 2]), lambda t: K.logsumexp(t, axis=-3),
])
def test_axis_out_of_range_raises(fn):
    with pytest.raises(ValueError, match="out of range"):
        fn(K.placeholder((3, 5)))


def test_gather_index_out_of_range_fails_the_call():
    with pytest.raises(ValueError, match="index out of range"):
        K.eval(K.gather(K.constant(np.ones((5, 3))), [0, 5]))


def test_int_mean_is_floatx():
    x = np.array([[1, 2], [4, 4], [0, 7]], "int32")
    got = K.eval(K.mean(K.constant(x, "int32"), axis=0))
    assert got.dtype == np.dtype(K.floatx())
    assert_close(got, np.mean(x, axis=0), "float32")
