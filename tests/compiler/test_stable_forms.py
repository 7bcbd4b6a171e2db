"""The stable-form rules of compiler/passes/simplify.py: a graph before, the graph
expected after (compared structurally), and, through K, that losses written as Keras
writes them on softmax / sigmoid outputs get finite values and gradients when saturated.
"""
import numpy as np
import pytest

from keralite import backend as K
from keralite.compiler.passes.simplify import simplify, stable_forms

from graph_helpers import graph, assert_same_structure

X = "%0:f32[n0,5] = placeholder(dtype=float32, shape=(n0,5), uid=201)\n"
GUARD = ("%e:f32[] = constant(dtype=float32, shape=(), value=1e-07)\n"
         "%h:f32[] = constant(dtype=float32, shape=(), value=0.9999999)\n")
LOG_SOFTMAX = X + "%1:f32[n0,5] = log_softmax(%0, axis=1)\ninputs: %0\noutputs: %1\n"


@pytest.mark.parametrize("body", [
    # log(softmax(x))
    "%1:f32[n0,5] = softmax(%0, axis=1)\n%2:f32[n0,5] = log(%1)",
    # log(clip(softmax(x), e, 1-e)): Keras' guard against log(0)
    "%1:f32[n0,5] = softmax(%0, axis=1)\n" + GUARD + "%2:f32[n0,5] = clip(%1, %e, %h)\n"
    "%3:f32[n0,5] = log(%2)",
    # log(clip(softmax(x) / sum(softmax(x)), e, 1-e)): categorical cross-entropy's form
    "%1:f32[n0,5] = softmax(%0, axis=1)\n%2:f32[n0,1] = sum(%1, axes=(1,), keepdims=True)\n"
    "%3:f32[n0,5] = div(%1, %2)\n" + GUARD + "%4:f32[n0,5] = clip(%3, %e, %h)\n%5:f32[n0,5] = log(%4)",
    # log_softmax(log(clip(softmax(x), e, 1-e))): sparse categorical cross-entropy's form
    "%1:f32[n0,5] = softmax(%0, axis=1)\n" + GUARD + "%2:f32[n0,5] = clip(%1, %e, %h)\n"
    "%3:f32[n0,5] = log(%2)\n%4:f32[n0,5] = log_softmax(%3, axis=1)",
])
def test_log_of_a_softmax_becomes_log_softmax(body):
    out = body.strip().splitlines()[-1].split(":")[0]
    before = graph(X + body + f"\ninputs: %0\noutputs: {out}\n")
    assert_same_structure(simplify(before), graph(LOG_SOFTMAX), before)


def test_logit_of_a_guarded_sigmoid_is_its_input():
    # log(p / (1 - p)) with p = clip(sigmoid(x), e, 1-e) -> x
    before = graph(X + "%1:f32[n0,5] = sigmoid(%0)\n" + GUARD + "%2:f32[n0,5] = clip(%1, %e, %h)\n"
                   "%o:f32[] = constant(dtype=float32, shape=(), value=1.0)\n"
                   "%3:f32[n0,5] = sub(%o, %2)\n%4:f32[n0,5] = div(%2, %3)\n%5:f32[n0,5] = log(%4)\n"
                   "inputs: %0\noutputs: %5\n")
    assert_same_structure(simplify(before), graph(X + "inputs: %0\noutputs: %0\n"), before)


def test_other_clips_and_axes_are_kept():
    # clip(softmax(x), 0.1, 0.8) is not Keras' guard, and a sum over another axis is not
    # softmax's normaliser: both must stay
    body = ("%1:f32[n0,5] = softmax(%0, axis=1)\n"
            "%a:f32[] = constant(dtype=float32, shape=(), value=0.1)\n"
            "%b:f32[] = constant(dtype=float32, shape=(), value=0.8)\n"
            "%2:f32[n0,5] = clip(%1, %a, %b)\n%3:f32[n0,5] = log(%2)\n"
            "%4:f32[1,5] = sum(%1, axes=(0,), keepdims=True)\n%5:f32[n0,5] = div(%1, %4)\n"
            "%6:f32[n0,5] = add(%3, %5)\ninputs: %0\noutputs: %6\n")
    before = graph(X + body)
    ops = [n.op.name for n in simplify(before).nodes()]
    assert "log_softmax" not in ops and "clip" in ops and "div" in ops


def test_stable_forms_keeps_positions():
    g = graph(X + "%1:f32[n0,5] = softmax(%0, axis=1)\n%2:f32[n0,5] = log(%1)\n"
              "%3:f32[n0,5] = exp(%0)\ninputs: %0\noutputs: %2, %3\n")
    log_p, e = stable_forms(g.outputs)
    assert log_p.op.name == "log_softmax" and e is g.outputs[1]


SATURATED = np.array([[100.0, -100.0, 0.0], [-80.0, 80.0, 1.0]], "float32")
ONE_HOT = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], "float32")


def _log_softmax(z):
    z = z.astype(np.float64)
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def _loss_and_gradient(loss_fn, target):
    z = K.placeholder((2, 3))
    loss = K.sum(loss_fn(K.constant(target), z))
    return K.function([z], [loss] + K.gradients(loss, [z]))([SATURATED])


def test_saturated_categorical_crossentropy_is_the_log_softmax_one():
    loss, grad = _loss_and_gradient(lambda t, z: K.categorical_crossentropy(t, K.softmax(z)), ONE_HOT)
    want = -(ONE_HOT * _log_softmax(SATURATED)).sum()
    np.testing.assert_allclose(loss, want, rtol=1e-6)
    p = np.exp(_log_softmax(SATURATED))
    np.testing.assert_allclose(grad, p - ONE_HOT, atol=1e-6)


def test_saturated_sparse_categorical_crossentropy_is_the_log_softmax_one():
    labels = np.array([1, 0], "float32")
    loss, grad = _loss_and_gradient(lambda t, z: K.sparse_categorical_crossentropy(t, K.softmax(z)), labels)
    np.testing.assert_allclose(loss, -(ONE_HOT * _log_softmax(SATURATED)).sum(), rtol=1e-6)
    np.testing.assert_allclose(grad, np.exp(_log_softmax(SATURATED)) - ONE_HOT, atol=1e-6)


def test_saturated_binary_crossentropy_is_the_logits_one():
    target = (SATURATED < 0).astype("float32")
    loss, grad = _loss_and_gradient(lambda t, z: K.binary_crossentropy(t, K.sigmoid(z)), target)
    z = SATURATED.astype(np.float64)
    want = np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z)))
    np.testing.assert_allclose(loss, want.sum(), rtol=1e-6)
    np.testing.assert_allclose(grad, 1 / (1 + np.exp(-z)) - target, atol=1e-6)


def test_gradient_with_respect_to_a_softmax_output_keeps_the_softmax():
    z = K.placeholder((2, 3))
    p = K.softmax(z)
    (g,) = K.gradients(K.sum(K.log(p)), [p])
    p_value, g_value = K.function([z], [p, g])([np.zeros((2, 3), "float32")])
    np.testing.assert_allclose(g_value, 1 / p_value, rtol=1e-6)
