"""The neural-network functions of K (frontend/backend/nn_ops.py) against numpy.

Activations come from one table of records (name, K function, numpy reference, input
domain, kinks); cross-entropies, l2_normalize, in_top_k, bias_add, dropout and the
batch-normalisation functions have tests of their own. Gradients of the activations and
of the three cross-entropies are checked in float64 against central differences of a
random projection of the output. References are computed in float64 from the very
inputs fed; shapes come from a small set (each distinct graph compiles native code) and
are never square, so a swapped axis shows.
"""
from collections import namedtuple

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from keralite import backend as K

SETTINGS = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(SETTINGS, max_examples=8)
FLOATS = ("float32", "float64")
RTOL = {"float32": 2e-5, "float64": 1e-12}
ATOL = {"float32": 1e-6, "float64": 1e-13}
SHAPES = [(3, 5), (2, 3, 4), (7,)]
EPS = 1e-7   # K.epsilon()


# ------------------------------------------------------------------ helpers
def run(fn, arrays, batch=True):
    """fn(*placeholders) on `arrays`; placeholders get a None first dim when `batch`."""
    holders = []
    for a in arrays:
        shape = tuple(a.shape)
        if batch and a.ndim:
            shape = (None,) + shape[1:]
        holders.append(K.placeholder(shape, dtype=a.dtype.name))
    out = fn(*holders)
    single = not isinstance(out, (list, tuple))
    got = K.function(holders, [out] if single else list(out))(list(arrays))
    return got[0] if single else got


def check_gradient(fn, arrays, wrt=0, h=1e-5, rtol=1e-6, atol=1e-7):
    """K.gradients of sum(fn(...) * w) w.r.t. arrays[wrt] against central differences."""
    arrays = [np.asarray(a, np.float64) for a in arrays]
    holders = [K.placeholder(a.shape, dtype="float64") for a in arrays]
    out = fn(*holders)
    proj = np.random.RandomState(1).uniform(0.5, 1.5, K.int_shape(out))
    loss = K.sum(out * K.constant(proj, dtype="float64"))
    grad = K.gradients(loss, [holders[wrt]])[0]
    f = K.function(holders, [loss, grad])
    analytic = f(arrays)[1]
    x = arrays[wrt]
    numeric = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        values = []
        for step in (h, -h):
            moved = list(arrays)
            moved[wrt] = x.copy()
            moved[wrt][idx] += step
            values.append(f(moved)[0])
        numeric[idx] = (values[0] - values[1]) / (2 * h)
    assert np.all(np.isfinite(analytic))
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol)


def away_from(x, kinks, gap=0.02):
    """x with values within `gap` of a kink moved past it (finite differences need
    a smooth neighbourhood)."""
    x = np.array(x)
    for k in kinks:
        near = np.abs(x - k) < gap
        x[near] = k + 2 * gap
    return x


def arrays(dtype, shape, lo, hi):
    return hnp.arrays(dtype, shape, elements=st.floats(lo, hi, width=32))


# ------------------------------------------------------------------ numpy references
def np_sigmoid(x):
    with np.errstate(over="ignore"):
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def np_log_softmax(x, axis=-1):
    z = x - x.max(axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis, keepdims=True))


def np_relu(x, alpha=0.0, max_value=None):
    y = np.maximum(x, 0)
    if max_value is not None:
        y = np.minimum(y, max_value)
    return y - alpha * np.maximum(-x, 0)


def np_elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def np_sigmoid_xent(x, t):
    return np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))


Act = namedtuple("Act", "name fn ref lo hi kinks")
ACTIVATIONS = [
    Act("relu", K.relu, np_relu, -10, 10, [0]),
    Act("relu_alpha", lambda x: K.relu(x, alpha=0.1), lambda x: np_relu(x, 0.1), -10, 10, [0]),
    Act("relu_max", lambda x: K.relu(x, max_value=2.5), lambda x: np_relu(x, 0, 2.5), -10, 10, [0, 2.5]),
    Act("relu_alpha_max", lambda x: K.relu(x, alpha=0.3, max_value=1.5),
        lambda x: np_relu(x, 0.3, 1.5), -10, 10, [0, 1.5]),
    Act("elu", K.elu, np_elu, -20, 20, [0]),
    Act("elu_alpha", lambda x: K.elu(x, 0.7), lambda x: np_elu(x, 0.7), -20, 20, [0]),
    Act("softplus", K.softplus, lambda x: np.logaddexp(0, x), -30, 30, []),
    Act("softsign", K.softsign, lambda x: x / (1 + np.abs(x)), -30, 30, [0]),
    Act("sigmoid", K.sigmoid, np_sigmoid, -30, 30, []),
    Act("hard_sigmoid", K.hard_sigmoid, lambda x: np.clip(0.2 * x + 0.5, 0, 1), -5, 5, [-2.5, 2.5]),
    Act("tanh", K.tanh, np.tanh, -20, 20, []),
    Act("softmax", K.softmax, np_softmax, -30, 30, []),
]
ACT_IDS = [a.name for a in ACTIVATIONS]


# ------------------------------------------------------------------ activations
@pytest.mark.parametrize("act", ACTIVATIONS, ids=ACT_IDS)
@SETTINGS
@given(data=st.data())
def test_activation_values(act, data):
    dtype = data.draw(st.sampled_from(FLOATS))
    shape = data.draw(st.sampled_from(SHAPES))
    x = data.draw(arrays(dtype, shape, act.lo, act.hi))
    got = run(act.fn, [x])
    assert got.dtype == np.dtype(dtype) and got.shape == x.shape
    np.testing.assert_allclose(got, act.ref(x.astype(np.float64)), rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("act", ACTIVATIONS, ids=ACT_IDS)
@FEW
@given(data=st.data())
def test_activation_gradients(act, data):
    x = data.draw(arrays("float64", (3, 4), max(act.lo, -6), min(act.hi, 6)))
    check_gradient(act.fn, [away_from(x, act.kinks)])


@pytest.mark.parametrize("dtype", FLOATS)
def test_activations_saturate_finite(dtype):
    x = np.array([[-100, -30, -1, 0, 1, 30, 100]], dtype)
    xd = x.astype(np.float64)
    for act in ACTIVATIONS:
        got = run(act.fn, [x])
        assert np.all(np.isfinite(got)), act.name
        np.testing.assert_allclose(got, act.ref(xd), rtol=RTOL[dtype], atol=ATOL[dtype], err_msg=act.name)
    # gradients at saturated inputs stay finite (and are the limits)
    for act in ACTIVATIONS:
        xp = K.placeholder(x.shape, dtype=dtype)
        g = K.function([xp], K.gradients(K.sum(act.fn(xp)), [xp]))([x])[0]
        assert np.all(np.isfinite(g)), act.name
    xp = K.placeholder(x.shape, dtype=dtype)
    grads = K.function([xp], K.gradients(K.sum(K.elu(xp)) + K.sum(K.sigmoid(xp)), [xp]))([x])[0]
    np.testing.assert_allclose(grads[0, [0, -1]], [0, 1], atol=1e-6)


def test_relu_gradient_at_zero_and_nan():
    """As TF: the gradient of relu at exactly 0 is 0, and relu(nan) is nan."""
    x = np.array([[0.0, -1.0, 2.0, np.nan]], "float64")
    xp = K.placeholder((None, 4), dtype="float64")
    for kwargs, grad in [({}, [0, 0, 1]), ({"alpha": 0.1}, [0, 0.1, 1]), ({"alpha": 0.1, "max_value": 2.0}, [0, 0.1, 1])]:
        y = K.relu(xp, **kwargs)
        value, g = K.function([xp], [y] + K.gradients(K.sum(y), [xp]))([x])
        np.testing.assert_allclose(g[0, :3], grad)
        assert np.isnan(value[0, 3])


@pytest.mark.parametrize("dtype", FLOATS)
@SETTINGS
@given(data=st.data())
def test_softmax_any_axis(dtype, data):
    shape = data.draw(st.sampled_from([(3, 5), (2, 3, 4)]))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(arrays(dtype, shape, -50, 50))
    got = run(lambda t: K.softmax(t, axis=axis), [x])
    np.testing.assert_allclose(got, np_softmax(x.astype(np.float64), axis), rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(got.sum(axis), 1, rtol=1e-5)


@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_large_and_infinite_entries(dtype):
    x = np.array([[1e4, 0, -1e4, 5, 3], [1e4, 1e4, -1e4, -1e4, 0], [-np.inf, 0, 1, -np.inf, 2]], dtype)
    got = run(K.softmax, [x])
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, np_softmax(x.astype(np.float64)), rtol=RTOL[dtype], atol=ATOL[dtype])
    # documented choice: a row of -inf has no probability vector and gives nan, as TF
    ninf = np.full((2, 3), -np.inf, dtype)
    ninf[1] = [0, 1, 2]
    got = run(K.softmax, [ninf])
    assert np.all(np.isnan(got[0]))
    np.testing.assert_allclose(got[1], np_softmax(np.array([0.0, 1, 2])), rtol=1e-6)


def test_softmax_of_scalar_raises():
    with pytest.raises(ValueError):
        K.softmax(K.placeholder(()))


# ------------------------------------------------------------------ cross-entropies
def prob_rows(rng, shape, dtype):
    """Unnormalised non-negative rows (some exact zeros), none all-zero."""
    p = rng.uniform(0, 1, shape)
    p[rng.uniform(size=shape) < 0.2] = 0
    p[..., 0] += (p.sum(-1) == 0)
    return p.astype(dtype)


def clip_eps(p, dtype):
    """p clipped to [eps, 1 - eps] with the bounds rounded to `dtype`, as K does
    (1 - 1e-7 is 1 - 1.19e-7 in float32)."""
    lo, hi = np.asarray(EPS, dtype), np.asarray(1 - EPS, dtype)
    return np.clip(p, lo.astype(np.float64), hi.astype(np.float64))


def np_cce_probs(t, p, dtype):
    p = p / p.sum(-1, keepdims=True)
    return -(t * np.log(clip_eps(p, dtype))).sum(-1)


def np_sparse_probs(labels, p, dtype):
    lp = np.log(clip_eps(p, dtype))
    return -np.take_along_axis(np_log_softmax(lp), labels[..., None], -1)[..., 0]


def np_bce_probs(t, p, dtype):
    p = clip_eps(p, dtype)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


CE_SHAPES = [(4, 3), (2, 5, 3)]
MODES = ("logits", "softmax", "probs")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@SETTINGS
@given(data=st.data())
def test_categorical_crossentropy(mode, dtype, data):
    shape = data.draw(st.sampled_from(CE_SHAPES))
    rng = np.random.RandomState(data.draw(st.integers(0, 2 ** 31)))
    t = np_softmax(rng.randn(*shape) * 2).astype(dtype)
    if data.draw(st.booleans()):
        t = np.eye(shape[-1], dtype=dtype)[rng.randint(0, shape[-1], shape[:-1])]
    if mode == "probs":
        o = prob_rows(rng, shape, dtype)
        got = run(lambda a, b: K.categorical_crossentropy(a, b), [t, o])
        want = np_cce_probs(t.astype(np.float64), o.astype(np.float64), dtype)
    else:
        o = (rng.randn(*shape) * data.draw(st.sampled_from([1.0, 10.0, 100.0]))).astype(dtype)
        fn = ((lambda a, b: K.categorical_crossentropy(a, b, from_logits=True)) if mode == "logits"
              else (lambda a, b: K.categorical_crossentropy(a, K.softmax(b))))
        got = run(fn, [t, o])
        want = -(t.astype(np.float64) * np_log_softmax(o.astype(np.float64))).sum(-1)
    assert got.shape == shape[:-1] and got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype] * 5, atol=ATOL[dtype] * 10)


@pytest.mark.parametrize("mode", MODES)
@settings(SETTINGS, max_examples=10)
@given(data=st.data())
def test_sparse_categorical_crossentropy(mode, data):
    dtype = data.draw(st.sampled_from(FLOATS))
    shape = data.draw(st.sampled_from(CE_SHAPES))
    target_dtype = data.draw(st.sampled_from(["float32", "int32", "int64"]))
    trailing_one = data.draw(st.booleans())
    rng = np.random.RandomState(data.draw(st.integers(0, 2 ** 31)))
    labels = rng.randint(0, shape[-1], shape[:-1])
    target = labels[..., None] if trailing_one else labels
    target = target.astype(target_dtype)
    if mode == "probs":
        o = prob_rows(rng, shape, dtype)
        got = run(lambda a, b: K.sparse_categorical_crossentropy(a, b), [target, o])
        want = np_sparse_probs(labels, o.astype(np.float64), dtype)
    else:
        o = (rng.randn(*shape) * data.draw(st.sampled_from([1.0, 10.0, 100.0]))).astype(dtype)
        fn = ((lambda a, b: K.sparse_categorical_crossentropy(a, b, from_logits=True)) if mode == "logits"
              else (lambda a, b: K.sparse_categorical_crossentropy(a, K.softmax(b))))
        got = run(fn, [target, o])
        want = -np.take_along_axis(np_log_softmax(o.astype(np.float64)), labels[..., None], -1)[..., 0]
    assert got.shape == shape[:-1] and got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype] * 5, atol=ATOL[dtype] * 10)


def test_sparse_categorical_crossentropy_target_layouts():
    """Flat labels for a 3-D output, and Keras' (None, None) target placeholders."""
    rng = np.random.RandomState(3)
    o = rng.randn(2, 5, 3).astype("float32")
    labels = rng.randint(0, 3, (2, 5))
    want = -np.take_along_axis(np_log_softmax(o.astype(np.float64)), labels[..., None], -1)[..., 0]
    got = run(lambda a, b: K.sparse_categorical_crossentropy(a, b, from_logits=True),
              [labels.reshape(-1).astype("int32"), o], batch=False)
    np.testing.assert_allclose(got, want, rtol=1e-5)
    o2 = o[0]
    t = K.placeholder(ndim=2)
    p = K.placeholder((None, 3))
    loss = K.sparse_categorical_crossentropy(t, K.softmax(p))
    got = K.function([t, p], [loss])([labels[0][:, None].astype("float32"), o2])[0]
    np.testing.assert_allclose(got, want[0], rtol=1e-5)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS)
@SETTINGS
@given(data=st.data())
def test_binary_crossentropy(mode, dtype, data):
    shape = data.draw(st.sampled_from(CE_SHAPES))
    rng = np.random.RandomState(data.draw(st.integers(0, 2 ** 31)))
    t = rng.uniform(0, 1, shape)
    if data.draw(st.booleans()):
        t = np.round(t)
    t = t.astype(dtype)
    if mode == "probs":
        o = rng.uniform(0, 1, shape)
        o[rng.uniform(size=shape) < 0.2] = 0
        o[rng.uniform(size=shape) < 0.2] = 1
        o = o.astype(dtype)
        got = run(lambda a, b: K.binary_crossentropy(a, b), [t, o])
        want = np_bce_probs(t.astype(np.float64), o.astype(np.float64), dtype)
        tol = dict(rtol=1e-4, atol=2e-6) if dtype == "float32" else dict(rtol=1e-9, atol=1e-12)
    else:
        o = (rng.randn(*shape) * data.draw(st.sampled_from([1.0, 10.0, 100.0]))).astype(dtype)
        fn = ((lambda a, b: K.binary_crossentropy(a, b, from_logits=True)) if mode == "logits"
              else (lambda a, b: K.binary_crossentropy(a, K.sigmoid(b))))
        got = run(fn, [t, o])
        want = np_sigmoid_xent(o.astype(np.float64), t.astype(np.float64))
        tol = dict(rtol=RTOL[dtype] * 5, atol=ATOL[dtype] * 10)
    assert got.shape == shape and got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, want, **tol)


@pytest.mark.parametrize("dtype", FLOATS)
def test_crossentropies_of_saturated_outputs(dtype):
    """Softmax / sigmoid outputs at logits of +-100 give finite, exact losses and
    gradients (the stable logits forms are used)."""
    x = np.array([[100, -100, 0], [-100, 100, 3], [100, 100, -100], [0.5, -100, 100]], dtype)
    t = np.eye(3, dtype=dtype)[[1, 1, 2, 0]]
    xd, td = x.astype(np.float64), t.astype(np.float64)
    xp, tp = K.placeholder((None, 3), dtype=dtype), K.placeholder((None, 3), dtype=dtype)
    lp = K.placeholder((None,), dtype="int32")
    cases = [
        (K.categorical_crossentropy(tp, K.softmax(xp)), -(td * np_log_softmax(xd)).sum(-1),
         np_softmax(xd) - td),
        (K.sparse_categorical_crossentropy(lp, K.softmax(xp)), -(td * np_log_softmax(xd)).sum(-1),
         np_softmax(xd) - td),
        (K.binary_crossentropy(tp, K.sigmoid(xp)), np_sigmoid_xent(xd, td), np_sigmoid(xd) - td),
    ]
    for loss, want, want_grad in cases:
        f = K.function([tp, lp, xp], [loss] + K.gradients(K.sum(loss), [xp]))
        got, grad = f([t, t.argmax(-1).astype("int32"), x])
        assert np.all(np.isfinite(got)) and np.all(np.isfinite(grad))
        np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=ATOL[dtype])
        np.testing.assert_allclose(grad, want_grad, rtol=RTOL[dtype], atol=ATOL[dtype])


def test_crossentropies_of_plain_probabilities_are_clipped():
    p = np.array([[1, 0, 0], [0.5, 0.5, 0]], "float64")
    t = np.array([[0, 1, 0], [0, 0, 1]], "float64")
    got = run(lambda a, b: K.categorical_crossentropy(a, b), [t, p])
    np.testing.assert_allclose(got, [-np.log(EPS)] * 2, rtol=1e-12)
    got = run(lambda a, b: K.binary_crossentropy(a, b), [t, p])
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got[0], [-np.log(EPS), -np.log(EPS), 0 - np.log(1 - EPS)], rtol=1e-9)


CE_GRADS = [
    ("cce_logits_wrt_output", lambda t, o: K.categorical_crossentropy(t, o, from_logits=True), 1, "soft"),
    ("cce_logits_wrt_target", lambda t, o: K.categorical_crossentropy(t, o, from_logits=True), 0, "soft"),
    ("cce_softmax", lambda t, o: K.categorical_crossentropy(t, K.softmax(o)), 1, "soft"),
    ("cce_probs", lambda t, o: K.categorical_crossentropy(t, o), 1, "prob"),
    ("sparse_logits", lambda t, o: K.sparse_categorical_crossentropy(t, o, from_logits=True), 1, "label"),
    ("sparse_softmax", lambda t, o: K.sparse_categorical_crossentropy(t, K.softmax(o)), 1, "label"),
    ("sparse_probs", lambda t, o: K.sparse_categorical_crossentropy(t, o), 1, "label_prob"),
    ("bce_logits_wrt_output", lambda t, o: K.binary_crossentropy(t, o, from_logits=True), 1, "soft"),
    ("bce_logits_wrt_target", lambda t, o: K.binary_crossentropy(t, o, from_logits=True), 0, "soft"),
    ("bce_sigmoid", lambda t, o: K.binary_crossentropy(t, K.sigmoid(o)), 1, "soft"),
    ("bce_probs", lambda t, o: K.binary_crossentropy(t, o), 1, "prob"),
]


@pytest.mark.parametrize("name,fn,wrt,kind", CE_GRADS, ids=[c[0] for c in CE_GRADS])
@settings(FEW, max_examples=5)
@given(seed=st.integers(0, 2 ** 31), shape=st.sampled_from(CE_SHAPES))
def test_crossentropy_gradients(name, fn, wrt, kind, seed, shape):
    rng = np.random.RandomState(seed)
    if kind.startswith("label"):
        t = rng.randint(0, shape[-1], shape[:-1]).astype(np.float64)
    else:
        t = rng.uniform(0, 1, shape)
    # probabilities stay inside [eps, 1 - eps] where the clipped formula is smooth
    o = rng.uniform(0.05, 0.95, shape) if kind.endswith("prob") else rng.randn(*shape) * 3
    check_gradient(fn, [t, o], wrt=wrt)


# ------------------------------------------------------------------ l2_normalize
@pytest.mark.parametrize("dtype", FLOATS)
@SETTINGS
@given(data=st.data())
def test_l2_normalize(dtype, data):
    shape = data.draw(st.sampled_from([(3, 5), (2, 3, 4)]))
    axis = data.draw(st.sampled_from([None, 0, 1, -1]))
    x = data.draw(arrays(dtype, shape, -10, 10))
    if data.draw(st.booleans()):
        x[0] = 0    # a zero row stays zero (the norm is floored at sqrt(1e-12))
    got = run(lambda t: K.l2_normalize(t, axis=axis), [x])
    xd = x.astype(np.float64)
    want = xd / np.sqrt(np.maximum((xd ** 2).sum(axis=axis, keepdims=True), 1e-12))
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype] * 5, atol=ATOL[dtype])


# ------------------------------------------------------------------ in_top_k
@SETTINGS
@given(data=st.data())
def test_in_top_k_counts_ties_as_in(data):
    rows, classes = 6, 4
    pred = data.draw(hnp.arrays("float32", (rows, classes), elements=st.sampled_from([0.0, 0.25, 0.5, 1.0])))
    targets = data.draw(hnp.arrays("int32", (rows,), elements=st.integers(0, classes - 1)))
    k = data.draw(st.integers(1, classes))
    got = run(lambda p, t: K.in_top_k(p, t, k), [pred, targets])
    above = (pred > pred[np.arange(rows), targets][:, None]).sum(-1)
    assert got.dtype == np.bool_
    np.testing.assert_array_equal(got, above < k)


def test_in_top_k_non_finite_and_out_of_range():
    pred = np.array([[0.1, 0.9, 0.3], [np.nan, 0.9, 0.3], [0.1, np.inf, 0.3], [0.1, 0.9, 0.3],
                     [0.1, 0.9, 0.3]], "float32")
    targets = np.array([1, 1, 1, 3, -1], "int64")
    got = run(lambda p, t: K.in_top_k(p, t, 2), [pred, targets])
    np.testing.assert_array_equal(got, [True, False, False, False, False])


# ------------------------------------------------------------------ bias_add
def np_bias_add(x, b, data_format):
    if data_format == "channels_last" or x.ndim == 2:
        return x + (b if b.ndim == 1 else b[None])
    if b.ndim == 1:
        return x + b.reshape((1, -1) + (1,) * (x.ndim - 2))
    # Keras reshapes (not transposes) an (ndim-1)-D bias into (1, C) + other dims
    return x + b.reshape((1, b.shape[-1]) + b.shape[:-1])


BIAS_SHAPES = [(4, 3), (2, 5, 3), (2, 3, 4, 5), (2, 3, 2, 4, 5)]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@SETTINGS
@given(data=st.data())
def test_bias_add(data_format, data):
    dtype = data.draw(st.sampled_from(FLOATS))
    shape = data.draw(st.sampled_from(BIAS_SHAPES))
    full_bias = data.draw(st.booleans())
    x = data.draw(arrays(dtype, shape, -10, 10))
    if full_bias:   # one value per position and channel, laid out channels last
        b_shape = shape[2:] + shape[1:2] if data_format == "channels_first" and len(shape) > 2 else shape[1:]
    else:
        b_shape = (shape[1] if data_format == "channels_first" and len(shape) > 2 else shape[-1],)
    b = data.draw(arrays(dtype, b_shape, -10, 10))
    bv = K.variable(b, dtype=dtype)
    got = run(lambda t: K.bias_add(t, bv, data_format=data_format), [x])
    np.testing.assert_allclose(got, np_bias_add(x, b, data_format), rtol=RTOL[dtype])


def test_bias_add_default_format_and_errors():
    x = K.placeholder((None, 3, 4, 5))
    with pytest.raises(ValueError, match="Unexpected bias dimensions 2, expect to be 1 or 4 dimensions"):
        K.bias_add(x, K.variable(np.zeros((4, 5))))
    with pytest.raises(ValueError, match="Unknown data_format"):
        K.bias_add(x, K.variable(np.zeros(5)), data_format="channels_middle")
    with pytest.raises(ValueError):
        K.bias_add(x, K.variable(np.zeros(4)), data_format="channels_last")
    xv = np.random.RandomState(0).randn(2, 3, 4, 5).astype("float32")
    b = np.arange(5, dtype="float32")
    got = run(lambda t: K.bias_add(t, K.constant(b)), [xv])
    np.testing.assert_allclose(got, xv + b, rtol=1e-6)


# ------------------------------------------------------------------ dropout
@pytest.mark.parametrize("level", [0.1, 0.5, 0.8])
def test_dropout_fraction_and_scale(level):
    rng = np.random.RandomState(0)
    x = rng.uniform(1, 2, (200, 250)).astype("float32")
    got = run(lambda t: K.dropout(t, level, seed=3), [x])
    zeros = got == 0
    n = x.size
    assert abs(zeros.mean() - level) < 5 * np.sqrt(level * (1 - level) / n)
    np.testing.assert_allclose(got[~zeros], x[~zeros] / (1 - level), rtol=1e-6)


def test_dropout_seed_reproducible_and_calls_differ():
    x = np.ones((30, 40), "float64")
    first = [run(lambda t: K.dropout(t, 0.5, seed=11), [x]) for _ in range(2)]
    np.testing.assert_array_equal(first[0], first[1])       # two fresh functions, same seed
    other = run(lambda t: K.dropout(t, 0.5, seed=12), [x])
    assert (other != first[0]).any()
    p = K.placeholder((None, 40), dtype="float64")
    f = K.function([p], [K.dropout(p, 0.5, seed=11)])
    calls = [f([x])[0] for _ in range(3)]
    np.testing.assert_array_equal(calls[0], first[0])       # its first call is that mask
    assert (calls[0] != calls[1]).any() and (calls[1] != calls[2]).any()
    assert got_level(calls[1]) == pytest.approx(0.5, abs=0.1)


def got_level(out):
    return float((out == 0).mean())


def test_dropout_noise_shape_broadcasts():
    x = np.ones((6, 7, 5), "float32")
    got = run(lambda t: K.dropout(t, 0.5, noise_shape=(None, 1, None), seed=5), [x])
    np.testing.assert_array_equal(got, np.broadcast_to(got[:, :1, :], got.shape))
    assert 0 < (got == 0).mean() < 1
    # noise_shape from K.shape(x) items, as Keras' Dropout layer builds it
    got = run(lambda t: K.dropout(t, 0.5, noise_shape=(K.shape(t)[0], 1, K.shape(t)[2]), seed=5), [x])
    np.testing.assert_array_equal(got, np.broadcast_to(got[:, :1, :], got.shape))
    got = run(lambda t: K.dropout(t, 0.5, noise_shape=(1, 7, 1), seed=5), [x])
    np.testing.assert_array_equal(got, np.broadcast_to(got[:1, :, :1], got.shape))


def test_dropout_level_errors_and_zero():
    x = K.placeholder((None, 4))
    for level in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="Dropout level"):
            K.dropout(x, level)
    with pytest.raises(ValueError):
        K.dropout(x, 0.5, noise_shape=(None, 3))
    v = np.random.RandomState(0).randn(3, 4).astype("float32")
    np.testing.assert_array_equal(run(lambda t: K.dropout(t, 0.0), [v]), v)


# ------------------------------------------------------------------ batch normalisation
@pytest.mark.parametrize("dtype", FLOATS)
@SETTINGS
@given(data=st.data())
def test_batch_normalization(dtype, data):
    shape = (4, 3, 5)
    pshape = data.draw(st.sampled_from([(5,), (1, 3, 1), (3, 5)]))
    with_gamma, with_beta = data.draw(st.booleans()), data.draw(st.booleans())
    x = data.draw(arrays(dtype, shape, -10, 10))
    rng = np.random.RandomState(data.draw(st.integers(0, 2 ** 31)))
    mean, var, beta, gamma = (rng.randn(*pshape).astype(dtype), rng.uniform(0.1, 3, pshape).astype(dtype),
                              rng.randn(*pshape).astype(dtype), rng.randn(*pshape).astype(dtype))

    def fn(t, m, v, b, g):
        return K.batch_normalization(t, m, v, b if with_beta else None, g if with_gamma else None, epsilon=1e-3)
    got = run(fn, [x, mean, var, beta, gamma], batch=False)
    d = [a.astype(np.float64) for a in (x, mean, var, beta, gamma)]
    want = (d[0] - d[1]) / np.sqrt(d[2] + 1e-3)
    if with_gamma:
        want = want * d[4]
    if with_beta:
        want = want + d[3]
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype] * 5, atol=ATOL[dtype] * 10)


@pytest.mark.parametrize("dtype", FLOATS)
@SETTINGS
@given(data=st.data())
def test_normalize_batch_in_training(dtype, data):
    shape, axes = data.draw(st.sampled_from([((6, 3, 4), [0]), ((6, 3, 4), [0, 1]), ((6, 3, 4), [0, 2]),
                                             ((6, 3, 4), [1]), ((2, 3, 4, 5), [0, 1, 2]),
                                             ((2, 3, 4, 5), [0, 2, 3])]))
    with_params = data.draw(st.booleans())
    x = data.draw(arrays(dtype, shape, -10, 10))
    kept = tuple(d for i, d in enumerate(shape) if i not in axes)
    rng = np.random.RandomState(data.draw(st.integers(0, 2 ** 31)))
    gamma, beta = rng.randn(*kept).astype(dtype), rng.randn(*kept).astype(dtype)

    def fn(t, g, b):
        return K.normalize_batch_in_training(t, g if with_params else None, b if with_params else None,
                                             axes, epsilon=1e-3)
    normed, mean, var = run(fn, [x, gamma, beta], batch=False)
    xd = x.astype(np.float64)
    m = xd.mean(axis=tuple(axes), keepdims=True)
    v = xd.var(axis=tuple(axes), keepdims=True)     # biased variance
    bshape = tuple(1 if i in axes else d for i, d in enumerate(shape))
    want = (xd - m) / np.sqrt(v + 1e-3)
    if with_params:
        want = want * gamma.astype(np.float64).reshape(bshape) + beta.astype(np.float64).reshape(bshape)
    assert mean.shape == kept and var.shape == kept
    np.testing.assert_allclose(mean, m.reshape(kept), rtol=RTOL[dtype] * 5, atol=ATOL[dtype] * 10)
    np.testing.assert_allclose(var, v.reshape(kept), rtol=RTOL[dtype] * 5, atol=ATOL[dtype] * 10)
    # x - mean carries a rounding error of a few ulp of |x|, which the division by
    # sqrt(var + eps) (>= sqrt(1e-3)) amplifies: near-constant inputs need that bound
    scale = np.max(np.abs(gamma)) if with_params else 1.0
    amplified = 8 * np.finfo(dtype).eps * np.max(np.abs(xd)) * scale / np.sqrt(v.min() + 1e-3)
    np.testing.assert_allclose(normed, want, rtol=RTOL[dtype] * 5, atol=ATOL[dtype] * 50 + amplified)


def test_normalize_batch_in_training_symbolic_batch():
    x = np.random.RandomState(2).randn(7, 3, 4).astype("float32")
    normed, mean, var = run(lambda t: K.normalize_batch_in_training(t, None, None, [0, 1]), [x])
    np.testing.assert_allclose(mean, x.mean((0, 1)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(var, x.var((0, 1)), rtol=1e-5)
    np.testing.assert_allclose(normed, (x - x.mean((0, 1))) / np.sqrt(x.var((0, 1)) + 1e-3), rtol=1e-4, atol=1e-5)
