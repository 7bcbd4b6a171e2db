"""keralite.metrics: the accuracies against numpy (Keras 2.1.6 definitions), the losses
usable as metrics under the same names and aliases, and serialize/deserialize/get."""
import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keralite import backend as K
from keralite import losses, metrics

SETTINGS = settings(max_examples=8, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ numpy references
def ref_binary_accuracy(t, p):
    return np.mean(t == np.round(p), axis=-1)


def ref_categorical_accuracy(t, p):
    return (np.argmax(t, axis=-1) == np.argmax(p, axis=-1)).astype(np.float64)


def ref_sparse_categorical_accuracy(t, p):
    return (np.max(t, axis=-1) == np.argmax(p, axis=-1)).astype(np.float64)


def _in_top_k(p, target, k):
    """Whether each row's target score is among its k largest (ties count as in)."""
    target_score = p[np.arange(len(p)), target]
    return np.sum(p > target_score[:, None], axis=-1) < k


def ref_top_k(t, p, k=5):
    return np.mean(_in_top_k(p, np.argmax(t, axis=-1), k))


def ref_sparse_top_k(t, p, k=5):
    return np.mean(_in_top_k(p, np.max(t, axis=-1).astype(np.int64), k))


# ------------------------------------------------------------------ inputs
@st.composite
def batches(draw):
    """(batch, classes) never square, with a seed; >= 6 classes so k=5 is a real cut."""
    classes = draw(st.sampled_from([6, 9]))     # the top-k metrics compile once per count
    batch = draw(st.integers(1, 10).filter(lambda b: b != classes))
    return batch, classes, draw(st.integers(0, 2 ** 31 - 1))


def scores(rng, shape):
    return rng.normal(size=shape)


def one_hot(rng, shape):
    return np.eye(shape[-1])[rng.integers(0, shape[-1], size=shape[0])]


def labels(rng, shape):
    return rng.integers(0, shape[-1], size=(shape[0], 1)).astype(np.float64)


_compiled = {}


def run(metric, y_true, y_pred, pred_shape=None, key=None):
    """metric over placeholders of unknown shape (compiled once per `key`)."""
    pred_shape = pred_shape or (None,) * y_pred.ndim
    cache_key = None if key is None else (key, y_true.dtype.name, y_pred.dtype.name, pred_shape)
    if cache_key not in _compiled:
        t = K.placeholder((None,) * y_true.ndim, dtype=y_true.dtype.name)
        p = K.placeholder(pred_shape, dtype=y_pred.dtype.name)
        function = K.function([t, p], [metric(t, p)])
        if cache_key is None:
            return np.asarray(function([y_true, y_pred])[0])
        _compiled[cache_key] = function
    return np.asarray(_compiled[cache_key]([y_true, y_pred])[0])


# ------------------------------------------------------------------ accuracies
@SETTINGS
@given(case=batches())
def test_binary_accuracy(case):
    batch, classes, seed = case
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, size=(batch, classes)).astype("float32")
    y_pred = rng.uniform(0, 1, size=(batch, classes)).astype("float32")
    got = run(metrics.binary_accuracy, y_true, y_pred, key="binary")
    assert got.shape == (batch,)
    np.testing.assert_allclose(got, ref_binary_accuracy(y_true, y_pred), rtol=1e-6)


def test_binary_accuracy_rounds_half_to_even():
    """K.round rounds ties to even (tf.round), so 0.5 predicts 0 and 1.5 predicts 2."""
    y_true = np.array([[0.0, 2.0, 1.0]], "float32")
    y_pred = np.array([[0.5, 1.5, 0.5]], "float32")
    np.testing.assert_allclose(run(metrics.binary_accuracy, y_true, y_pred), [2.0 / 3.0], rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@SETTINGS
@given(case=batches())
def test_categorical_accuracy(dtype, case):
    batch, classes, seed = case
    rng = np.random.default_rng(seed)
    y_true = one_hot(rng, (batch, classes)).astype(dtype)
    y_pred = scores(rng, (batch, classes)).astype(dtype)
    got = run(metrics.categorical_accuracy, y_true, y_pred, key="categorical")
    assert got.shape == (batch,)
    assert got.dtype == np.dtype(K.floatx())
    np.testing.assert_array_equal(got, ref_categorical_accuracy(y_true, y_pred))


@SETTINGS
@given(case=batches())
def test_sparse_categorical_accuracy(case):
    batch, classes, seed = case
    rng = np.random.default_rng(seed)
    y_true = labels(rng, (batch, classes)).astype("float32")
    y_pred = scores(rng, (batch, classes)).astype("float32")
    got = run(metrics.sparse_categorical_accuracy, y_true, y_pred, key="sparse")
    assert got.shape == (batch,)
    np.testing.assert_array_equal(got, ref_sparse_categorical_accuracy(y_true, y_pred))


@pytest.mark.parametrize("k", [5, 2])
@SETTINGS
@given(case=batches())
def test_top_k_categorical_accuracy(k, case):
    batch, classes, seed = case
    rng = np.random.default_rng(seed)
    y_true = one_hot(rng, (batch, classes)).astype("float32")
    y_pred = scores(rng, (batch, classes)).astype("float32")
    metric = metrics.top_k_categorical_accuracy if k == 5 else \
        functools.partial(metrics.top_k_categorical_accuracy, k=k)
    got = run(metric, y_true, y_pred, pred_shape=(None, classes), key=("top_k", k))
    assert got.shape == ()          # Keras 2.1.6 averages over the batch here
    np.testing.assert_allclose(got, ref_top_k(y_true, y_pred, k), rtol=1e-6)


@pytest.mark.parametrize("k", [5, 3])
@SETTINGS
@given(case=batches())
def test_sparse_top_k_categorical_accuracy(k, case):
    batch, classes, seed = case
    rng = np.random.default_rng(seed)
    y_true = labels(rng, (batch, classes)).astype("float32")
    y_pred = scores(rng, (batch, classes)).astype("float32")
    metric = metrics.sparse_top_k_categorical_accuracy if k == 5 else \
        functools.partial(metrics.sparse_top_k_categorical_accuracy, k=k)
    got = run(metric, y_true, y_pred, pred_shape=(None, classes), key=("sparse_top_k", k))
    assert got.shape == ()
    np.testing.assert_allclose(got, ref_sparse_top_k(y_true, y_pred, k), rtol=1e-6)


def test_top_k_with_k_larger_than_classes_is_always_right():
    y_true = np.eye(4, dtype="float32")[[1, 3, 0]]
    y_pred = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    assert run(metrics.top_k_categorical_accuracy, y_true, y_pred, pred_shape=(None, 4)) == 1.0


# ------------------------------------------------------------------ losses as metrics
LOSS_NAMES = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
              "mean_squared_logarithmic_error", "squared_hinge", "hinge", "categorical_hinge",
              "logcosh", "categorical_crossentropy", "sparse_categorical_crossentropy",
              "binary_crossentropy", "kullback_leibler_divergence", "poisson", "cosine_proximity"]
ALIASES = {"mse": "mean_squared_error", "MSE": "mean_squared_error",
           "mae": "mean_absolute_error", "MAE": "mean_absolute_error",
           "mape": "mean_absolute_percentage_error", "MAPE": "mean_absolute_percentage_error",
           "msle": "mean_squared_logarithmic_error", "MSLE": "mean_squared_logarithmic_error",
           "kld": "kullback_leibler_divergence", "KLD": "kullback_leibler_divergence",
           "cosine": "cosine_proximity"}
ACCURACIES = ["binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
              "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"]


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_every_loss_is_a_metric(name):
    fn = getattr(losses, name)
    assert metrics.get(name) is fn
    assert getattr(metrics, name) is fn
    assert metrics.serialize(fn) == name


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_loss_aliases_are_metric_names(alias):
    assert metrics.get(alias) is getattr(losses, ALIASES[alias])
    assert getattr(metrics, alias) is getattr(losses, ALIASES[alias])


def test_a_loss_as_metric_computes_the_loss():
    rng = np.random.default_rng(0)
    y_true = rng.normal(size=(3, 4)).astype("float32")
    y_pred = rng.normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(run(metrics.get("mae"), y_true, y_pred),
                               np.mean(np.abs(y_pred - y_true), axis=-1), rtol=1e-6)


# ------------------------------------------------------------------ lookup
@pytest.mark.parametrize("name", ACCURACIES)
def test_get_serialize_deserialize_accuracies(name):
    fn = getattr(metrics, name)
    assert metrics.get(name) is fn
    assert metrics.serialize(fn) == name
    assert metrics.deserialize(name) is fn


def test_get_passes_callables_through_and_finds_custom_objects():
    def my_metric(y_true, y_pred):
        return K.mean(y_pred, axis=-1)

    assert metrics.get(my_metric) is my_metric
    assert metrics.deserialize("my_metric", custom_objects={"my_metric": my_metric}) is my_metric


@pytest.mark.parametrize("identifier", ["accuracy_of_sorts", "K", "serialize", "ALL_METRICS"])
def test_unknown_metric_name_raises(identifier):
    with pytest.raises(ValueError, match="Unknown metric function"):
        metrics.get(identifier)


def test_uninterpretable_metric_identifier_raises():
    with pytest.raises(ValueError, match="Could not interpret metric function identifier"):
        metrics.get(7)
