"""keralite.regularizers and keralite.constraints: penalties and projections against
numpy formulas, configs, aliases and lookups (Keras 2.1.6 behaviour)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from keralite import backend as K
from keralite import constraints, regularizers

SETTINGS = settings(max_examples=8, deadline=None)
EPS = 1e-7   # K.epsilon() by default

_compiled = {}


def _run(key, build, x):
    """build(placeholder) evaluated on x, compiled once per key and shape."""
    key = (key, x.shape)
    fn = _compiled.get(key)
    if fn is None:
        p = K.placeholder(x.shape)
        fn = _compiled[key] = K.function([p], [build(p)])
    return fn([x])[0]


def weights(shape):
    return hnp.arrays(np.float32, shape, elements=st.floats(-3, 3, width=32))


# ---------------------------------------------------------------- regularizers
REGULARIZERS = [
    ("l1", lambda: regularizers.l1(0.03), 0.03, 0.),
    ("l2", lambda: regularizers.l2(0.2), 0., 0.2),
    ("l1_l2", lambda: regularizers.l1_l2(0.05, 0.4), 0.05, 0.4),
    ("L1L2", lambda: regularizers.L1L2(l1=0.1, l2=0.02), 0.1, 0.02),
]


@pytest.mark.parametrize("name, make, l1, l2", REGULARIZERS, ids=[r[0] for r in REGULARIZERS])
@SETTINGS
@given(w=weights((3, 5)))
def test_regularizer_penalty(name, make, l1, l2, w):
    penalty = _run(("reg", name), make(), w)
    assert np.ndim(penalty) == 0
    w64 = w.astype(np.float64)
    expected = l1 * np.abs(w64).sum() + l2 * np.square(w64).sum()
    np.testing.assert_allclose(penalty, expected, rtol=1e-5, atol=1e-6)


def test_regularizer_on_a_variable_and_zero_regularizer():
    w = np.arange(-6, 6, dtype=np.float32).reshape(4, 3) / 4
    v = K.variable(w)
    np.testing.assert_allclose(K.eval(regularizers.l1_l2(0.01, 0.02)(v)),
                               0.01 * np.abs(w).sum() + 0.02 * np.square(w).sum(), rtol=1e-6)
    assert K.eval(regularizers.L1L2()(v)) == 0
    assert regularizers.Regularizer()(v) == 0


def test_regularizer_defaults_and_config():
    assert regularizers.l1().get_config() == {"l1": pytest.approx(0.01), "l2": 0.0}
    assert regularizers.l2().get_config() == {"l1": 0.0, "l2": pytest.approx(0.01)}
    assert regularizers.l1_l2().get_config() == {"l1": pytest.approx(0.01), "l2": pytest.approx(0.01)}
    config = regularizers.serialize(regularizers.L1L2(l1=0.5, l2=0.25))
    assert config == {"class_name": "L1L2", "config": {"l1": 0.5, "l2": 0.25}}
    again = regularizers.deserialize(config)
    assert isinstance(again, regularizers.L1L2) and again.get_config() == {"l1": 0.5, "l2": 0.25}


def test_regularizer_get():
    assert regularizers.get(None) is None
    assert regularizers.get("l2").get_config() == {"l1": 0.0, "l2": pytest.approx(0.01)}
    assert regularizers.get("l1_l2").get_config()["l1"] == pytest.approx(0.01)
    later = regularizers.get({"class_name": "L2", "config": {"l2": 0.125}})
    assert isinstance(later, regularizers.L1L2) and later.get_config() == {"l1": 0.0, "l2": 0.125}
    later = regularizers.get({"class_name": "L1", "config": {"l1": 0.25}})
    assert later.get_config() == {"l1": 0.25, "l2": 0.0}

    def custom(x):
        return K.sum(x)
    assert regularizers.get(custom) is custom
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier"):
        regularizers.get(0.01)
    with pytest.raises(ValueError, match="Unknown regularizer"):
        regularizers.get("l3")


# ---------------------------------------------------------------- constraints
def _norms(w, axis):
    return np.sqrt(np.square(w).sum(axis=axis, keepdims=True))


def max_norm_ref(w, max_value, axis):
    norms = _norms(w, axis)
    return w * (np.clip(norms, 0, max_value) / (EPS + norms))


def min_max_norm_ref(w, min_value, max_value, rate, axis):
    norms = _norms(w, axis)
    desired = rate * np.clip(norms, min_value, max_value) + (1 - rate) * norms
    return w * (desired / (EPS + norms))


CONSTRAINTS = [
    ("max_norm", lambda: constraints.MaxNorm(2.5), (3, 5), lambda w: max_norm_ref(w, 2.5, 0)),
    ("max_norm_axis1", lambda: constraints.MaxNorm(1.0, axis=1), (3, 5), lambda w: max_norm_ref(w, 1.0, 1)),
    ("max_norm_conv", lambda: constraints.MaxNorm(3.0, axis=[0, 1, 2]), (2, 3, 4, 5),
     lambda w: max_norm_ref(w, 3.0, (0, 1, 2))),
    ("non_neg", lambda: constraints.NonNeg(), (3, 5), lambda w: w * (w >= 0)),
    ("unit_norm", lambda: constraints.UnitNorm(), (3, 5), lambda w: w / (EPS + _norms(w, 0))),
    ("unit_norm_axis1", lambda: constraints.UnitNorm(axis=-1), (4, 3),
     lambda w: w / (EPS + _norms(w, -1))),
    ("min_max_norm", lambda: constraints.MinMaxNorm(0.5, 2.0), (3, 5),
     lambda w: min_max_norm_ref(w, 0.5, 2.0, 1.0, 0)),
    ("min_max_norm_rate", lambda: constraints.MinMaxNorm(1.0, 1.5, rate=0.3, axis=1), (3, 5),
     lambda w: min_max_norm_ref(w, 1.0, 1.5, 0.3, 1)),
]


@pytest.mark.parametrize("name, make, shape, reference", CONSTRAINTS, ids=[c[0] for c in CONSTRAINTS])
def test_constraint_values(name, make, shape, reference):
    @SETTINGS
    @given(w=weights(shape))
    def check(w):
        out = _run(("constraint", name), make(), w)
        assert out.shape == shape
        np.testing.assert_allclose(out, reference(w.astype(np.float64)), rtol=1e-5, atol=1e-6)
    check()


def test_constraint_on_a_variable():
    w = np.array([[3., 0.], [4., -1.], [0., 0.5]], dtype=np.float32)   # column norms 5, ~1.12
    out = K.eval(constraints.max_norm(2.)(K.variable(w)))
    np.testing.assert_allclose(out, max_norm_ref(w.astype(np.float64), 2., 0), rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [2., np.sqrt(1.25)], rtol=1e-5)
    assert constraints.Constraint()(w) is w


CONSTRAINT_OBJECTS = [constraints.MaxNorm(3, axis=1), constraints.NonNeg(), constraints.UnitNorm(axis=[0, 1]),
                      constraints.MinMaxNorm(0.1, 0.9, rate=0.5, axis=2)]


@pytest.mark.parametrize("constraint", CONSTRAINT_OBJECTS, ids=[type(c).__name__ for c in CONSTRAINT_OBJECTS])
def test_constraint_serialize_round_trip(constraint):
    config = constraints.serialize(constraint)
    assert config == {"class_name": type(constraint).__name__, "config": constraint.get_config()}
    again = constraints.deserialize(config)
    assert type(again) is type(constraint) and again.get_config() == constraint.get_config()


def test_constraint_defaults_aliases_and_get():
    assert constraints.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert constraints.UnitNorm().get_config() == {"axis": 0}
    assert constraints.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}
    assert constraints.NonNeg().get_config() == {}
    for alias, cls in [("max_norm", constraints.MaxNorm), ("non_neg", constraints.NonNeg),
                       ("unit_norm", constraints.UnitNorm), ("min_max_norm", constraints.MinMaxNorm),
                       ("maxnorm", constraints.MaxNorm), ("nonneg", constraints.NonNeg),
                       ("unitnorm", constraints.UnitNorm), ("MaxNorm", constraints.MaxNorm)]:
        assert getattr(constraints, alias) is cls
        assert isinstance(constraints.get(alias), cls)
    assert constraints.get(None) is None
    assert isinstance(constraints.get({"class_name": "MaxNorm", "config": {"max_value": 4, "axis": 0}}),
                      constraints.MaxNorm)

    def clip_weights(w):
        return K.clip(w, -1, 1)
    assert constraints.get(clip_weights) is clip_weights
    with pytest.raises(ValueError, match="Could not interpret constraint identifier"):
        constraints.get(7)
    with pytest.raises(ValueError, match="Unknown constraint"):
        constraints.get("no_such_constraint")
