"""Derived symbols (compiler/ir/derived.py): sizes computed from other sizes when the
graph runs. The shape algebra (interning, simplification, solving), the compile cache
key, and compiled functions called with several run-time sizes, against numpy."""
import numpy as np
import pytest

from keralite import backend as K
from keralite.compiler.driver import canonical_text
from keralite.compiler.ir import derived
from keralite.compiler.ir.graph import Graph
from keralite.compiler.ir.shapes import (ConflictingDims, DerivedSizeError, Sym, dim_add, dim_at_least,
                                         dim_ceildiv, dim_floordiv, dim_same, dim_sum, solve, substitute,
                                         sym_dim)
from keralite.compiler.ops.registry import apply
from keralite.compiler.ops import conv as C

LENGTHS = (5, 9, 17)


def _name(d):
    assert isinstance(d, Sym) and d.coef == 1 and len(d.syms) == 1
    return d.syms[0]


# ------------------------------------------------------------------ the algebra
def test_the_same_expression_is_the_same_symbol():
    n = sym_dim()
    a = C.window_count(n, 3, 2, 1, (0, 0))
    b = C.window_count(n, 3, 2, 1, (0, 0))
    assert a == b and derived.is_derived(_name(a))
    assert C.window_count(n, 3, 1, 1, (0, 0)) != a


def test_sums_simplify_back_to_monomials_and_ints_fold():
    n = sym_dim()
    share = dim_floordiv(n, 4)
    rest = dim_sum(0, [(1, n), (-3, share)])
    assert dim_add(share, share, rest, share) == n
    assert dim_add(n, n) == 2 * n
    assert dim_floordiv(6 * n, 3) == 2 * n
    assert dim_sum(3, [(2, 4)]) == 11
    assert dim_ceildiv(10, 4) == 3
    # stride 1 'same' keeps the size itself, no derived symbol
    assert C.window_count(n, 3, 1, 1, (1, 1)) == n


def test_substitute_computes_a_derived_size_again():
    n, m = sym_dim(), sym_dim()
    count = C.window_count(n, 3, 2, 1, (0, 0))           # (n - 3) // 2 + 1
    assert substitute(count, {_name(n): 9}) == 4
    assert substitute(count * 5, {_name(n): 17}) == 40
    again = substitute(count, {_name(n): m})
    assert again == C.window_count(m, 3, 2, 1, (0, 0))
    with pytest.raises(DerivedSizeError, match="needs at least 3 elements"):
        substitute(count, {_name(n): 2})


def test_an_input_symbol_tied_to_a_derived_one_takes_the_computed_value():
    n, label = sym_dim(), sym_dim()
    count = C.window_count(n, 3, 2, 1, (0, 0))
    for equality in [(_name(label), count), (_name(count), label)]:
        solution = solve([equality])
        assert solution == {_name(label): count}


def test_two_derived_symbols_tied_together_are_checked_as_one():
    n = sym_dim()
    a = C.window_count(n, 3, 1, 1, (0, 0))
    b = C.window_count(C.window_count(n, 2, 1, 1, (0, 0)), 2, 1, 1, (0, 0))
    assert a != b
    solution = solve([(_name(a), b)])
    both = solution[_name(a)]
    assert solution[_name(b)] == both == dim_same(a, b)
    assert substitute(both, {_name(n): 7}) == 5
    k4 = C.window_count(n, 4, 1, 1, (0, 0))
    mismatch = solve([(_name(a), k4)])[_name(a)]
    with pytest.raises(ValueError, match="must be equal differ: 4 vs 5"):
        substitute(mismatch, {_name(n): 7})


def test_a_derived_size_tied_to_an_int_is_checked():
    n, label = sym_dim(), sym_dim()
    count = C.window_count(n, 3, 1, 1, (0, 0))
    solution = solve([(_name(count), 4), (_name(label), count)])
    assert solution[_name(label)] == 4
    assert substitute(solution[_name(count)], {_name(n): 6}) == 4
    with pytest.raises(ValueError, match="must be equal differ"):
        substitute(solution[_name(count)], {_name(n): 7})


def test_a_size_tied_to_one_computed_from_itself_is_an_error():
    n = sym_dim()
    with pytest.raises(ConflictingDims, match="computed from itself"):
        solve([(_name(n), C.window_count(n, 3, 1, 1, (0, 0)))])


def test_at_least_checks_ints_now():
    with pytest.raises(DerivedSizeError, match="too short"):
        dim_at_least(0, 1, "too short")


def test_canonical_text_holds_the_definitions():
    n = sym_dim()
    x = apply("placeholder", [], shape=(n, 4), dtype="float32", name="x", uid=1)
    texts = []
    for parts in (2, 3):
        sizes = (dim_floordiv(n, parts), 4)
        y = apply("slice", [x], starts=(0, 0), steps=(1, 1), sizes=sizes)
        texts.append(canonical_text(Graph([x], [y])))
    assert texts[0] != texts[1]
    assert "// 2" in texts[0] and "// 3" in texts[1]
    assert texts[0].splitlines()[:-1] == texts[1].splitlines()[:-1]


# ------------------------------------------------------------------ compiled functions
def _conv1d_reference(x, w, stride, pad_before, pad_after):
    padded = np.pad(x, ((0, 0), (pad_before, pad_after), (0, 0)))
    window = w.shape[0]
    count = (padded.shape[1] - window) // stride + 1
    return np.stack([np.einsum("nkc,kco->no", padded[:, o * stride:o * stride + window], w)
                     for o in range(count)], axis=1)


def _pool1d_reference(x, window, stride, pad_before, count, mode):
    out = []
    for o in range(count):
        lo = max(o * stride - pad_before, 0)
        hi = min(o * stride - pad_before + window, x.shape[1])
        part = x[:, lo:hi]
        out.append(part.max(axis=1) if mode == "max" else part.mean(axis=1))
    return np.stack(out, axis=1)


def test_one_function_runs_a_strided_valid_conv_for_every_length():
    rng = np.random.RandomState(0)
    x = K.placeholder((None, None, 3))
    w = rng.randn(3, 3, 4).astype("float32")
    y = K.conv1d(x, K.constant(w), strides=2, padding="valid")
    assert K.int_shape(y) == (None, None, 4)
    f = K.function([x], [y])
    for length in LENGTHS:
        xv = rng.randn(2, length, 3).astype("float32")
        np.testing.assert_allclose(f([xv])[0], _conv1d_reference(xv, w, 2, 0, 0), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="needs at least 3 elements"):
        f([np.zeros((2, 2, 3), "float32")])


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_same_pooling_with_stride_over_an_unknown_axis(mode):
    rng = np.random.RandomState(1)
    x = K.placeholder((None, None, 1, 2))
    y = K.pool2d(x, (3, 1), strides=(2, 1), padding="same", pool_mode=mode)
    grad = K.gradients(K.sum(y * y), [x])[0]
    f = K.function([x], [y, grad])
    for length in LENGTHS:
        xv = rng.randn(3, length, 1, 2).astype("float32")
        count = -(-length // 2)
        total = max((count - 1) * 2 + 3 - length, 0)
        want = _pool1d_reference(xv[:, :, 0], 3, 2, total // 2, count, mode)
        value, grad_value = f([xv])
        np.testing.assert_allclose(value[:, :, 0], want, rtol=1e-5, atol=1e-6)
        assert grad_value.shape == xv.shape


def test_strided_valid_conv_gradients_by_finite_differences():
    rng = np.random.RandomState(2)
    x = K.placeholder((None, None, 2), dtype="float64")
    w = K.placeholder((3, 2, 3), dtype="float64")
    r = K.placeholder((None, None, 3), dtype="float64")
    loss = K.sum(K.conv1d(x, w, strides=2, padding="valid") * r)
    f = K.function([x, w, r], [loss] + K.gradients(loss, [x, w]))
    xv, wv = rng.randn(2, 9, 2), rng.randn(3, 2, 3)
    rv = rng.randn(2, 4, 3)
    _, gx, gw = f([xv, wv, rv])
    eps = 1e-6
    for value, grad, position in [(xv, gx, (1, 4, 0)), (xv, gx, (0, 8, 1)), (wv, gw, (2, 1, 0))]:
        plus, minus = value.copy(), value.copy()
        plus[position] += eps
        minus[position] -= eps
        args = lambda v: [v if value is xv else xv, v if value is wv else wv, rv]
        numeric = (f(args(plus))[0] - f(args(minus))[0]) / (2 * eps)
        np.testing.assert_allclose(grad[position], numeric, rtol=1e-6, atol=1e-8)


def test_a_label_tied_to_a_computed_length_is_checked():
    x = K.placeholder((None, None, 3))
    label = K.placeholder((None, None, 4))
    w = K.constant(np.ones((3, 3, 4), "float32"))
    loss = K.mean(K.square(K.conv1d(x, w, strides=2) - label))
    f = K.function([x, label], [loss])
    xv = np.ones((2, 9, 3), "float32")
    assert np.isfinite(f([xv, np.zeros((2, 4, 4), "float32")])[0])
    with pytest.raises(ValueError, match="computes 4 for that axis"):
        f([xv, np.zeros((2, 5, 4), "float32")])


def test_two_branches_with_different_computed_lengths():
    x = K.placeholder((None, None, 2))
    ones = K.constant(np.ones((3, 2, 2), "float32"))
    twice = K.conv1d(K.conv1d(x, K.constant(np.ones((2, 2, 2), "float32"))),
                     K.constant(np.ones((2, 2, 2), "float32")))
    f = K.function([x], [K.conv1d(x, ones) + twice])
    assert f([np.ones((1, 6, 2), "float32")])[0].shape == (1, 4, 2)
    wide = K.conv1d(x, K.constant(np.ones((4, 2, 2), "float32")))
    g = K.function([x], [K.conv1d(x, ones) + wide])
    with pytest.raises(ValueError, match="must be equal differ"):
        g([np.ones((1, 6, 2), "float32")])


def test_concatenate_two_run_time_batches():
    a, b = K.placeholder((None, 3)), K.placeholder((None, 3))
    joined = K.concatenate([a, b * 2.0], axis=0)
    grads = K.gradients(K.sum(joined * joined), [a, b])
    f = K.function([a, b], [joined] + grads)
    for rows_a, rows_b in [(3, 5), (4, 1)]:
        av = np.random.rand(rows_a, 3).astype("float32")
        bv = np.random.rand(rows_b, 3).astype("float32")
        value, ga, gb = f([av, bv])
        np.testing.assert_allclose(value, np.concatenate([av, 2 * bv]), rtol=1e-6)
        np.testing.assert_allclose(ga, 2 * av, rtol=1e-6)
        np.testing.assert_allclose(gb, 8 * bv, rtol=1e-5)
    fixed = K.function([a], [K.concatenate([a, K.constant(np.ones((2, 3)))], axis=0)])
    assert fixed([np.zeros((4, 3), "float32")])[0].shape == (6, 3)
