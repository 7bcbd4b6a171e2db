"""The random functions of K (frontend/backend/random_ops.py, compiler/ops/random.py).

The generator is Philox4x32-10 in generated code: element i of call c of a random op
with seed s is Philox(counter=(i_lo, i_hi, c_lo, c_hi), key=(s_lo, s_hi)). A numpy
Philox (checked first against the Random123 known-answer vectors) is the reference
for the bits; the distributions are checked statistically on 10^5 draws (moments within
a few standard errors, histograms by chi-square with a loose bound), and the seeding
semantics (a seed reproduces across separately built functions, each call draws anew)
directly. Shapes are never square.
"""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keralite import backend as K

SETTINGS = settings(max_examples=6, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
FLOATS = ("float32", "float64")
N = 100_000
SHAPE = (250, 400)      # N draws, not square
Z = 5.0                 # tolerance in standard errors


# ------------------------------------------------------------------ numpy Philox
M0, M1 = 0xD2511F53, 0xCD9E8D57
W0, W1 = 0x9E3779B9, 0xBB67AE85
MASK = 0xFFFFFFFF


def philox(counter, key):
    """Philox4x32-10 on arrays of 32-bit counter words and two key words (numpy uint64)."""
    c = [np.asarray(w, np.uint64) & np.uint64(MASK) for w in counter]
    k0, k1 = np.uint64(key[0] & MASK), np.uint64(key[1] & MASK)
    for _ in range(10):
        p0 = c[0] * np.uint64(M0)
        p1 = c[2] * np.uint64(M1)
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ k0, p1 & np.uint64(MASK),
             (p0 >> np.uint64(32)) ^ c[3] ^ k1, p0 & np.uint64(MASK)]
        k0 = (k0 + np.uint64(W0)) & np.uint64(MASK)
        k1 = (k1 + np.uint64(W1)) & np.uint64(MASK)
    return c


def test_reference_philox_known_answers():
    vectors = [((0, 0, 0, 0), (0, 0), "6627e8d5 e169c58d bc57ac4c 9b00dbd8"),
               ((MASK,) * 4, (MASK, MASK), "408f276d 41c83b0e a20bc7c6 6d5451fd"),
               ((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0),
                "d16cfe09 94fdcceb 5001e420 24126ea1")]
    for counter, key, want in vectors:
        got = " ".join("%08x" % int(w) for w in philox(counter, key))
        assert got == want


def reference_uniform(n, seed, call, dtype):
    i = np.arange(n, dtype=np.uint64)
    w = philox((i & np.uint64(MASK), i >> np.uint64(32), call & MASK, call >> 32), (seed & MASK, seed >> 32))
    if dtype == "float32":
        return ((w[0] >> np.uint64(8)).astype(np.float64) * 2.0 ** -24).astype(np.float32)
    hi = (w[0] >> np.uint64(5)).astype(np.float64)
    lo = (w[1] >> np.uint64(6)).astype(np.float64)
    return (hi * 2.0 ** 26 + lo) * 2.0 ** -53


@pytest.mark.parametrize("dtype", FLOATS)
def test_uniform_bits_are_philox(dtype):
    seed = 0x1234_5678_9A
    f = K.function([], [K.random_uniform((37, 29), dtype=dtype, seed=seed)])
    for call in range(3):
        got = f([])[0]
        want = reference_uniform(37 * 29, seed, call, dtype).reshape(37, 29)
        np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------------ statistics
def normal_cdf(x):
    return 0.5 * (1 + np.vectorize(math.erf)(np.asarray(x, np.float64) / math.sqrt(2)))


def assert_histogram(sample, edges, cdf):
    """Chi-square of the histogram of `sample` against `cdf` under a loose bound."""
    sample = np.ravel(sample)
    counts = np.histogram(sample, edges)[0]
    expected = sample.size * np.diff(cdf(edges))
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    df = len(counts) - 1
    assert chi2 < df + Z * math.sqrt(2 * df), (chi2, df)


def assert_moments(x, mean, std):
    x = x.astype(np.float64)
    assert abs(x.mean() - mean) < Z * std / math.sqrt(x.size), (x.mean(), mean)
    # the sample std of N draws has a standard error of about std * sqrt(kurtosis/4N)
    assert abs(x.std() - std) < Z * std * math.sqrt(1.0 / x.size), (x.std(), std)


@pytest.mark.parametrize("dtype", FLOATS)
@SETTINGS
@given(mean=st.sampled_from([0.0, -3.0, 2.5]), stddev=st.sampled_from([1.0, 0.1, 4.0]), seed=st.integers(0, 10 ** 7))
def test_random_normal_statistics(dtype, mean, stddev, seed):
    x = K.eval(K.random_normal(SHAPE, mean=mean, stddev=stddev, dtype=dtype, seed=seed))
    assert x.shape == SHAPE and x.dtype == np.dtype(dtype)
    assert_moments(x, mean, stddev)
    z = (x.astype(np.float64) - mean) / stddev
    edges = np.array([-np.inf, -2.5, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2.5, np.inf])
    assert_histogram(z, edges, normal_cdf)


@pytest.mark.parametrize("dtype", FLOATS)
@SETTINGS
@given(bounds=st.sampled_from([(0.0, 1.0), (-2.0, 3.0), (5.0, 5.5)]), seed=st.integers(0, 10 ** 7))
def test_random_uniform_statistics(dtype, bounds, seed):
    lo, hi = bounds
    x = K.eval(K.random_uniform(SHAPE, minval=lo, maxval=hi, dtype=dtype, seed=seed))
    assert x.shape == SHAPE and x.dtype == np.dtype(dtype)
    assert x.min() >= lo and x.max() <= hi
    if bounds == (0.0, 1.0):
        assert x.max() < 1.0
    assert_moments(x, (lo + hi) / 2, (hi - lo) / math.sqrt(12))
    edges = np.linspace(lo, hi, 21)
    assert_histogram(x.astype(np.float64), edges, lambda e: np.clip((e - lo) / (hi - lo), 0, 1))


TRUNC_STD = math.sqrt(1 - 4 * math.exp(-2) / math.sqrt(2 * math.pi) / math.erf(2 / math.sqrt(2)))


@pytest.mark.parametrize("dtype", FLOATS)
@SETTINGS
@given(mean=st.sampled_from([0.0, 1.5]), stddev=st.sampled_from([1.0, 0.05, 3.0]), seed=st.integers(0, 10 ** 7))
def test_truncated_normal_statistics(dtype, mean, stddev, seed):
    x = K.eval(K.truncated_normal(SHAPE, mean=mean, stddev=stddev, dtype=dtype, seed=seed))
    assert x.shape == SHAPE and x.dtype == np.dtype(dtype)
    z = (x.astype(np.float64) - mean) / stddev
    assert np.abs(z).max() <= 2 * (1 + 1e-6)
    assert_moments(x, mean, stddev * TRUNC_STD)
    # redrawn values are not piled on the bounds
    assert (np.abs(z) > 1.9999).mean() < 1e-4
    edges = np.linspace(-2, 2, 17)
    inside = normal_cdf(2) - normal_cdf(-2)
    assert_histogram(np.clip(z, -2, 2), edges, lambda e: (normal_cdf(e) - normal_cdf(-2)) / inside)


@pytest.mark.parametrize("dtype", FLOATS)
@SETTINGS
@given(p=st.sampled_from([0.5, 0.1, 0.93]), seed=st.integers(0, 10 ** 7))
def test_random_binomial_statistics(dtype, p, seed):
    x = K.eval(K.random_binomial(SHAPE, p=p, dtype=dtype, seed=seed))
    assert x.shape == SHAPE and x.dtype == np.dtype(dtype)
    assert set(np.unique(x)) <= {0.0, 1.0}
    assert abs(x.mean() - p) < Z * math.sqrt(p * (1 - p) / x.size)


def test_random_binomial_extremes():
    assert K.eval(K.random_binomial((30, 20), p=0.0, seed=1)).sum() == 0
    assert K.eval(K.random_binomial((30, 20), p=1.0, seed=1)).min() == 1


@pytest.mark.parametrize("dtype", FLOATS)
def test_draws_are_uncorrelated(dtype):
    """Neighbouring elements, successive calls and different seeds are uncorrelated."""
    f = K.function([], [K.random_normal((N,), dtype=dtype, seed=21), K.random_normal((N,), dtype=dtype, seed=22)])
    a, b = f([])
    c = f([])[0]
    bound = Z / math.sqrt(N)
    for u, v in ((a[:-1], a[1:]), (a, b), (a, c)):
        assert abs(np.corrcoef(u.astype(np.float64), v.astype(np.float64))[0, 1]) < bound


# ------------------------------------------------------------------ seeding semantics
DRAWS = [("normal", K.random_normal), ("uniform", K.random_uniform),
         ("truncated", K.truncated_normal), ("binomial", lambda s, **kw: K.random_binomial(s, p=0.5, **kw))]


@pytest.mark.parametrize("name,draw", DRAWS, ids=[d[0] for d in DRAWS])
@pytest.mark.parametrize("dtype", FLOATS)
def test_seed_reproduces_across_functions(name, draw, dtype):
    shape = (40, 30)
    first = K.function([], [draw(shape, dtype=dtype, seed=123)])
    second = K.function([], [draw(shape, dtype=dtype, seed=123)])
    a1, a2 = first([])[0], first([])[0]
    b1, b2 = second([])[0], second([])[0]
    np.testing.assert_array_equal(a1, b1)      # same seed, functions built separately
    np.testing.assert_array_equal(a2, b2)      # and the same sequence of calls
    assert (a1 != a2).any()                     # each call draws anew
    other = K.function([], [draw(shape, dtype=dtype, seed=124)])([])[0]
    assert (other != a1).any()


def test_unseeded_draws_differ_and_follow_numpy_seed():
    assert (K.eval(K.random_normal((20, 30))) != K.eval(K.random_normal((20, 30)))).any()
    np.random.seed(7)
    a = K.eval(K.random_uniform((20, 30)))
    np.random.seed(7)
    b = K.eval(K.random_uniform((20, 30)))
    np.testing.assert_array_equal(a, b)


def test_eval_draws_anew_and_ops_with_one_seed_in_one_function():
    t = K.random_uniform((20, 30), seed=5)
    assert (K.eval(t) != K.eval(t)).any()
    u = K.random_uniform((20, 30), seed=5)
    a, b = K.function([], [t, u])([])
    assert a.shape == b.shape == (20, 30)


def test_random_shape_from_k_shape():
    x = K.placeholder((None, 3))
    r = K.random_normal(K.shape(x), seed=1)
    s = K.random_uniform((K.shape(x)[0], 4), seed=2)
    f = K.function([x], [x + r, s])
    a, b = f([np.zeros((5, 3), "float32")])
    assert a.shape == (5, 3) and b.shape == (5, 4)
    a, b = f([np.zeros((9, 3), "float32")])
    assert a.shape == (9, 3) and b.shape == (9, 4)
    assert (a != 0).all()


def test_random_shape_errors():
    with pytest.raises(ValueError):
        K.random_normal((None, 3))
    with pytest.raises(ValueError):
        K.random_uniform((3, 4), dtype="int32")


def test_floatx_is_the_default_dtype():
    assert K.eval(K.random_normal((3, 4), seed=1)).dtype == np.float32
    K.set_floatx("float64")
    try:
        assert K.eval(K.random_uniform((3, 4), seed=1)).dtype == np.float64
    finally:
        K.set_floatx("float32")


# ------------------------------------------------------------------ random variables
@pytest.mark.parametrize("dtype", [None, "float64"])
def test_random_uniform_variable(dtype):
    v = K.random_uniform_variable(SHAPE, -1.5, 2.0, dtype=dtype, seed=3)
    x = K.get_value(v)
    assert x.shape == SHAPE and x.dtype == np.dtype(dtype or "float32")
    assert x.min() >= -1.5 and x.max() <= 2.0
    assert_moments(x, 0.25, 3.5 / math.sqrt(12))
    np.testing.assert_array_equal(x, K.get_value(K.random_uniform_variable(SHAPE, -1.5, 2.0, dtype=dtype, seed=3)))
    assert (x != K.get_value(K.random_uniform_variable(SHAPE, -1.5, 2.0, dtype=dtype, seed=4))).any()
    np.testing.assert_array_equal(K.eval(v), x)   # a variable keeps its value


@pytest.mark.parametrize("dtype", [None, "float64"])
def test_random_normal_variable(dtype):
    v = K.random_normal_variable(SHAPE, 0.5, 2.0, dtype=dtype, seed=3)
    x = K.get_value(v)
    assert x.shape == SHAPE and x.dtype == np.dtype(dtype or "float32")
    assert_moments(x, 0.5, 2.0)
    np.testing.assert_array_equal(x, K.get_value(K.random_normal_variable(SHAPE, 0.5, 2.0, dtype=dtype, seed=3)))
    np.testing.assert_array_equal(K.get_value(v), x)


def test_tensor_seed_draws_depend_on_the_seed_alone():
    # a tensor seed reads no call counter: each call with seed s gives the first draw of
    # a function seeded with the number s, so one compiled function serves every seed
    seed = K.placeholder((), dtype="int64")
    draw = K.function([seed], [K.random_normal((30, 7), 0.5, 2.0, seed=seed)])
    first, again, other = (draw([np.int64(s)])[0] for s in (11, 11, 12))
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, K.eval(K.random_normal((30, 7), 0.5, 2.0, seed=11)))
    assert (first != other).any()
    with pytest.raises(ValueError, match="scalar integer"):
        K.random_uniform((3, 2), seed=K.placeholder((2,), dtype="int64"))


def test_a_test_mode_function_does_not_advance_dropout_draws():
    # predicting runs no dropout draw (as TF's predict runs no dropout op): a predict
    # function updates nothing, and the training stream is where it would be without it
    def masks(predict_calls):
        K.clear_session()
        x = K.placeholder((2, 64))
        y = K.in_train_phase(K.dropout(x, 0.5, seed=3), x)
        train = K.function([x], [y], learning_phase=1)
        test = K.function([x], [y])
        assert not test.compiled.graph.updates
        ones = np.ones((2, 64), "float32")
        first = train([ones])[0]
        for _ in range(predict_calls):
            np.testing.assert_array_equal(test([ones])[0], ones)
        return first, train([ones])[0]
    without, with_predicts = masks(0), masks(3)
    np.testing.assert_array_equal(without[0], with_predicts[0])
    np.testing.assert_array_equal(without[1], with_predicts[1])
    assert not np.array_equal(without[0], without[1])
