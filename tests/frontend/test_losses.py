"""keralite.losses against numpy formulas written here (Keras 2.1.6 definitions).

Each loss is compiled once per dtype over placeholders of unknown shape, then fed
random (never square) batches drawn by hypothesis, so many shapes cost one compile.
A few losses also have their gradient checked against central finite differences in
float64.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keralite import backend as K
from keralite import losses

SETTINGS = settings(max_examples=6, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
EPS = 1e-7
RTOL = {"float32": 2e-5, "float64": 1e-11}


# ------------------------------------------------------------------ numpy references
def _clip(x, lo, hi=np.inf):
    return np.minimum(np.maximum(x, lo), hi)


def _softplus(x):
    return np.logaddexp(0.0, x)


def ref_mse(t, p):
    return np.mean((p - t) ** 2, axis=-1)


def ref_mae(t, p):
    return np.mean(np.abs(p - t), axis=-1)


def ref_mape(t, p):
    return 100.0 * np.mean(np.abs((t - p) / _clip(np.abs(t), EPS)), axis=-1)


def ref_msle(t, p):
    return np.mean((np.log(_clip(p, EPS) + 1.0) - np.log(_clip(t, EPS) + 1.0)) ** 2, axis=-1)


def ref_squared_hinge(t, p):
    return np.mean(np.maximum(1.0 - t * p, 0.0) ** 2, axis=-1)


def ref_hinge(t, p):
    return np.mean(np.maximum(1.0 - t * p, 0.0), axis=-1)


def ref_categorical_hinge(t, p):
    pos = np.sum(t * p, axis=-1)
    neg = np.max((1.0 - t) * p, axis=-1)
    return np.maximum(0.0, neg - pos + 1.0)


def ref_logcosh(t, p):
    return np.mean(np.log(np.cosh(p - t)), axis=-1)


def ref_categorical_crossentropy(t, p):
    p = p / np.sum(p, axis=-1, keepdims=True)
    return -np.sum(t * np.log(_clip(p, EPS, 1 - EPS)), axis=-1)


def ref_sparse_categorical_crossentropy(t, p):
    labels = t.reshape(p.shape[:-1]).astype(np.int64)
    q = _clip(p, EPS, 1 - EPS)
    q = q / np.sum(q, axis=-1, keepdims=True)
    return -np.log(np.take_along_axis(q, labels[..., None], axis=-1)[..., 0])


def ref_binary_crossentropy(t, p):
    q = _clip(p, EPS, 1 - EPS)
    return np.mean(-(t * np.log(q) + (1 - t) * np.log(1 - q)), axis=-1)


def ref_kld(t, p):
    t = _clip(t, EPS, 1)
    p = _clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), axis=-1)


def ref_poisson(t, p):
    return np.mean(p - t * np.log(p + EPS), axis=-1)


def ref_cosine(t, p):
    def unit(x):
        return x / np.sqrt(np.maximum(np.sum(x * x, axis=-1, keepdims=True), 1e-12))
    return -np.sum(unit(t) * unit(p), axis=-1)


# ------------------------------------------------------------------ input domains
def reals(rng, shape):
    return rng.normal(size=shape) * 2.0


def signs(rng, shape):
    return rng.choice([-1.0, 1.0], size=shape)


def probabilities(rng, shape):
    x = np.exp(rng.normal(size=shape))
    return x / x.sum(axis=-1, keepdims=True)


def one_hot(rng, shape):
    return np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[:-1])]


def unit_interval(rng, shape):
    return rng.uniform(0.02, 0.98, size=shape)


def positives(rng, shape):
    return rng.uniform(0.1, 4.0, size=shape)


def counts(rng, shape):
    return rng.integers(0, 6, size=shape).astype(np.float64)


def labels(rng, shape):
    return rng.integers(0, shape[-1], size=shape[:-1] + (1,)).astype(np.float64)


# name -> (loss function, numpy reference, y_true domain, y_pred domain)
LOSSES = {
    "mean_squared_error": (losses.mean_squared_error, ref_mse, reals, reals),
    "mean_absolute_error": (losses.mean_absolute_error, ref_mae, reals, reals),
    "mean_absolute_percentage_error": (losses.mean_absolute_percentage_error, ref_mape, reals, reals),
    "mean_squared_logarithmic_error": (losses.mean_squared_logarithmic_error, ref_msle, reals, reals),
    "squared_hinge": (losses.squared_hinge, ref_squared_hinge, signs, reals),
    "hinge": (losses.hinge, ref_hinge, signs, reals),
    "categorical_hinge": (losses.categorical_hinge, ref_categorical_hinge, one_hot, reals),
    "logcosh": (losses.logcosh, ref_logcosh, reals, reals),
    "categorical_crossentropy": (losses.categorical_crossentropy, ref_categorical_crossentropy,
                                 probabilities, probabilities),
    "sparse_categorical_crossentropy": (losses.sparse_categorical_crossentropy,
                                        ref_sparse_categorical_crossentropy, labels, probabilities),
    "binary_crossentropy": (losses.binary_crossentropy, ref_binary_crossentropy,
                            unit_interval, unit_interval),
    "kullback_leibler_divergence": (losses.kullback_leibler_divergence, ref_kld,
                                    probabilities, probabilities),
    "poisson": (losses.poisson, ref_poisson, counts, positives),
    "cosine_proximity": (losses.cosine_proximity, ref_cosine, reals, reals),
}

ALIASES = {"mse": "mean_squared_error", "MSE": "mean_squared_error",
           "mae": "mean_absolute_error", "MAE": "mean_absolute_error",
           "mape": "mean_absolute_percentage_error", "MAPE": "mean_absolute_percentage_error",
           "msle": "mean_squared_logarithmic_error", "MSLE": "mean_squared_logarithmic_error",
           "kld": "kullback_leibler_divergence", "KLD": "kullback_leibler_divergence",
           "cosine": "cosine_proximity"}

_compiled = {}


def compiled_loss(name, dtype, shape):
    """K.function([y_true, y_pred], [loss]) over placeholders of unknown shape (the
    sparse cross-entropy needs the number of classes: see the report on K)."""
    pred_shape = (None,) * len(shape)
    if name == "sparse_categorical_crossentropy":
        pred_shape = pred_shape[:-1] + shape[-1:]
    key = (name, dtype, pred_shape)
    if key not in _compiled:
        y_true = K.placeholder(ndim=len(shape), dtype=dtype)
        y_pred = K.placeholder(pred_shape, dtype=dtype)
        _compiled[key] = K.function([y_true, y_pred], [LOSSES[name][0](y_true, y_pred)])
    return _compiled[key]


def non_square_shape(draw, ndim):
    # few class counts: the sparse cross-entropy compiles once per count
    classes = draw(st.sampled_from([3, 4, 7]))
    batch = draw(st.integers(1, 6).filter(lambda b: b != classes))
    if ndim == 2:
        return (batch, classes)
    steps = draw(st.integers(2, 4).filter(lambda s: s not in (batch, classes)))
    return (batch, steps, classes)


@st.composite
def loss_cases(draw, ndim=2):
    return non_square_shape(draw, ndim), draw(st.integers(0, 2 ** 31 - 1))


# ------------------------------------------------------------------ values
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(LOSSES))
@SETTINGS
@given(case=loss_cases())
def test_loss_matches_numpy(name, dtype, case):
    shape, seed = case
    _, reference, true_domain, pred_domain = LOSSES[name]
    rng = np.random.default_rng(seed)
    y_true = true_domain(rng, shape).astype(dtype)
    y_pred = pred_domain(rng, shape).astype(dtype)
    got = np.asarray(compiled_loss(name, dtype, shape)([y_true, y_pred])[0])
    want = reference(y_true.astype(np.float64), y_pred.astype(np.float64))
    assert got.shape == shape[:-1]
    assert got.dtype == np.dtype(dtype)
    scale = max(1.0, float(np.max(np.abs(want))))
    np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=RTOL[dtype] * scale)


@pytest.mark.parametrize("name", ["mean_squared_error", "logcosh", "categorical_crossentropy",
                                  "binary_crossentropy", "cosine_proximity", "hinge"])
@settings(max_examples=3, deadline=None, derandomize=True)
@given(case=loss_cases(ndim=3))
def test_loss_on_sequences_is_per_timestep(name, case):
    """A 3-D batch gives one loss per (sample, timestep), as Keras' temporal losses."""
    shape, seed = case
    _, reference, true_domain, pred_domain = LOSSES[name]
    rng = np.random.default_rng(seed)
    y_true = true_domain(rng, shape).astype("float32")
    y_pred = pred_domain(rng, shape).astype("float32")
    got = np.asarray(compiled_loss(name, "float32", shape)([y_true, y_pred])[0])
    assert got.shape == shape[:-1]
    np.testing.assert_allclose(got, reference(y_true.astype(np.float64), y_pred.astype(np.float64)),
                               rtol=2e-5, atol=2e-5)


def test_logcosh_is_finite_for_large_errors():
    f = compiled_loss("logcosh", "float32", (1, 3))
    y_pred = np.array([[200.0, -300.0, 0.5]], "float32")
    got = f([np.zeros_like(y_pred), y_pred])[0]
    want = np.mean(np.abs(y_pred.astype(np.float64)) - np.log(2.0)
                   + np.log1p(np.exp(-2 * np.abs(y_pred.astype(np.float64)))), axis=-1)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_sparse_categorical_crossentropy_accepts_flat_int_labels():
    y_true = K.placeholder((None,), dtype="int32")
    y_pred = K.placeholder((None, 4))
    f = K.function([y_true, y_pred], [losses.sparse_categorical_crossentropy(y_true, y_pred)])
    p = probabilities(np.random.default_rng(3), (3, 4)).astype("float32")
    t = np.array([0, 3, 1], "int32")
    np.testing.assert_allclose(f([t, p])[0], ref_sparse_categorical_crossentropy(t, p.astype(np.float64)),
                               rtol=2e-5)


# ------------------------------------------------------------------ gradients
GRADIENT_CASES = ["mean_squared_error", "logcosh", "categorical_crossentropy",
                  "binary_crossentropy", "kullback_leibler_divergence", "cosine_proximity",
                  "poisson", "mean_squared_logarithmic_error"]


@pytest.mark.parametrize("name", GRADIENT_CASES)
def test_loss_gradient_matches_finite_differences(name):
    """d(sum(loss * r))/d(y_pred) for a random projection r, in float64."""
    _, reference, true_domain, pred_domain = LOSSES[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    shape = (3, 5)
    y_true_value = true_domain(rng, shape)
    y_pred_value = pred_domain(rng, shape)
    projection = rng.normal(size=shape[:-1])

    y_true = K.placeholder(shape, dtype="float64")
    y_pred = K.placeholder(shape, dtype="float64")
    objective = K.sum(LOSSES[name][0](y_true, y_pred) * K.constant(projection, dtype="float64"))
    grad = K.gradients(objective, [y_pred])[0]
    got = K.function([y_true, y_pred], [grad])([y_true_value, y_pred_value])[0]

    def f(p):
        return np.sum(reference(y_true_value, p) * projection)

    step = 1e-6
    want = np.zeros(shape)
    for index in np.ndindex(*shape):
        up, down = y_pred_value.copy(), y_pred_value.copy()
        up[index] += step
        down[index] -= step
        want[index] = (f(up) - f(down)) / (2 * step)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


# ------------------------------------------------------------------ lookup
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_get_serialize_deserialize_by_name(name):
    fn = LOSSES[name][0]
    assert losses.get(name) is fn
    assert losses.serialize(fn) == name
    assert losses.deserialize(name) is fn
    assert getattr(losses, name) is fn


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_aliases(alias):
    assert losses.get(alias) is getattr(losses, ALIASES[alias])
    assert getattr(losses, alias) is getattr(losses, ALIASES[alias])


def test_get_passes_callables_and_none_through():
    def my_loss(y_true, y_pred):
        return K.mean(y_pred - y_true, axis=-1)

    assert losses.get(my_loss) is my_loss
    assert losses.get(None) is None


def test_deserialize_finds_custom_objects():
    def my_loss(y_true, y_pred):
        return K.mean(y_pred - y_true, axis=-1)

    assert losses.deserialize("my_loss", custom_objects={"my_loss": my_loss}) is my_loss


@pytest.mark.parametrize("identifier", ["not_a_loss", "K", "np", "serialize", "_clip"])
def test_unknown_name_raises(identifier):
    with pytest.raises(ValueError, match="Unknown loss function"):
        losses.get(identifier)


def test_uninterpretable_identifier_raises():
    with pytest.raises(ValueError, match="Could not interpret loss function identifier"):
        losses.get(3.5)
