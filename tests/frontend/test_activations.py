"""keralite.activations: the ten Keras 2.1.6 activations against numpy formulas, the
softmax rank rule, and serialize / deserialize / get."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from keralite import activations
from keralite import backend as K

SETTINGS = settings(max_examples=8, deadline=None)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
COLUMNS = 7


def _softmax_ref(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _elu_ref(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


# name, keyword arguments, numpy reference
CASES = [
    ("softmax", {}, _softmax_ref),
    ("elu", {}, _elu_ref),
    ("elu", {"alpha": 0.3}, lambda x: _elu_ref(x, 0.3)),
    ("selu", {}, lambda x: SELU_SCALE * _elu_ref(x, SELU_ALPHA)),
    ("softplus", {}, lambda x: np.logaddexp(0, x)),
    ("softsign", {}, lambda x: x / (1 + np.abs(x))),
    ("relu", {}, lambda x: np.maximum(x, 0)),
    ("relu", {"alpha": 0.1, "max_value": 2.5}, lambda x: np.where(x > 0, np.minimum(x, 2.5), 0.1 * x)),
    ("tanh", {}, np.tanh),
    ("sigmoid", {}, lambda x: 1 / (1 + np.exp(-x))),
    ("hard_sigmoid", {}, lambda x: np.clip(0.2 * x + 0.5, 0, 1)),
    ("linear", {}, lambda x: x),
]

_compiled = {}


def _apply(name, kwargs, x):
    """activation(x) through one compiled function per case (the batch dim is free)."""
    key = (name, tuple(sorted(kwargs.items())))
    fn = _compiled.get(key)
    if fn is None:
        p = K.placeholder((None, COLUMNS))
        fn = _compiled[key] = K.function([p], [getattr(activations, name)(p, **kwargs)])
    return fn([x])[0]


@pytest.mark.parametrize("name, kwargs, reference", CASES, ids=[c[0] + str(c[1]) for c in CASES])
@SETTINGS
@given(x=hnp.arrays(np.float32, st.tuples(st.integers(1, 5), st.just(COLUMNS)),
                    elements=st.floats(-6, 6, width=32)))
def test_activation_values(name, kwargs, reference, x):
    out = _apply(name, kwargs, x)
    assert out.shape == x.shape
    np.testing.assert_allclose(out, reference(x.astype(np.float64)), rtol=2e-5, atol=2e-6)


def test_softmax_along_a_chosen_axis_of_a_3d_tensor():
    x = np.random.RandomState(0).randn(2, 3, 5).astype(np.float32)
    for axis in (1, -1):
        out = K.eval(activations.softmax(K.constant(x), axis=axis))
        np.testing.assert_allclose(out, _softmax_ref(x.astype(np.float64), axis), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("shape", [(5,), ()])
def test_softmax_rejects_1d_and_0d(shape):
    with pytest.raises(ValueError, match="Cannot apply softmax to a tensor that is 1D"):
        activations.softmax(K.constant(np.zeros(shape)))


def test_linear_returns_its_input():
    x = K.placeholder((None, 3))
    assert activations.linear(x) is x


NAMES = ["softmax", "elu", "selu", "softplus", "softsign", "relu", "tanh", "sigmoid",
         "hard_sigmoid", "linear"]


@pytest.mark.parametrize("name", NAMES)
def test_serialize_deserialize_get_round_trip(name):
    fn = getattr(activations, name)
    assert activations.serialize(fn) == name
    assert activations.deserialize(name) is fn
    assert activations.get(name) is fn
    assert activations.get(activations.serialize(fn)) is fn


def test_get_none_is_linear_and_callables_pass_through():
    assert activations.get(None) is activations.linear

    def swish(x):
        return x * K.sigmoid(x)
    assert activations.get(swish) is swish


def test_get_rejects_unknown_identifiers():
    with pytest.raises(ValueError, match="Could not interpret activation function identifier:"):
        activations.get(42)
    with pytest.raises(ValueError, match="Unknown activation function"):
        activations.get("no_such_activation")


def test_deserialize_with_custom_objects():
    def scaled_tanh(x):
        return 1.7159 * K.tanh(x * 2 / 3)
    assert activations.deserialize("scaled_tanh", custom_objects={"scaled_tanh": scaled_tanh}) is scaled_tanh


def test_get_warns_about_layer_instances():
    base_layer = pytest.importorskip("keralite.engine.base_layer")

    class PassThrough(base_layer.Layer):
        def call(self, inputs):
            return inputs
    layer = PassThrough()
    with pytest.warns(UserWarning, match="Do not pass a layer instance"):
        assert activations.get(layer) is layer
