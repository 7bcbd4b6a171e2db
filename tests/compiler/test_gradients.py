"""K.gradients of every differentiable op reachable through K, against central finite
differences in float64 on a random projection: loss = sum(f(x) * r) with random r.

Single elementwise ops come from the shared op records (tests/op_records.py: how to
draw each input, away from kinks and poles); composite cases are records here: the
function of K tensors, how to draw each input, and the input shapes (never square). Each case compiles one function
that returns the loss and its gradients; the finite differences call the same function.
Also: a 2-layer MLP's loss against finite differences, one RMSprop step through
K.function updates against numpy, and the None/zero gradients of unconnected and
stop_gradient paths.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keralite import backend as K

from op_records import (BINARY, UNARY, away_from_zero, differentiable, normal, positive,
                        probabilities, simplex, spread)

EPS = 1e-6
RTOL = 1e-6
SETTINGS = settings(max_examples=4, deadline=None)


# ------------------------------------------------------------------ the check
def _fd_gradient(f, arrays, k, rv):
    """Central differences of the loss w.r.t. every element of arrays[k]."""
    base = [a.copy() for a in arrays]
    grad = np.zeros_like(arrays[k])
    flat = base[k].reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + EPS
        up = f(base + [rv])[0]
        flat[i] = keep - EPS
        down = f(base + [rv])[0]
        flat[i] = keep
        grad.reshape(-1)[i] = (up - down) / (2 * EPS)
    return grad


def check_gradients(fn, arrays, batch=False, wrt=None, seed=0):
    """Gradients of sum(fn(*inputs) * r) against central finite differences; `batch`
    (one flag, or one per input) makes an input's first dim symbolic."""
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a, np.float64) for a in arrays]
    batch = batch if isinstance(batch, (list, tuple)) else [batch] * len(arrays)
    inputs = [K.placeholder(shape=((None,) + a.shape[1:]) if b else a.shape, dtype="float64")
              for a, b in zip(arrays, batch)]
    out = fn(*inputs)
    assert K.dtype(out) == "float64", K.dtype(out)
    probe = K.function(inputs, [out])(arrays)[0]
    r = K.placeholder(shape=K.int_shape(out), dtype="float64")   # None where out's dim is symbolic
    loss = K.sum(out * r)
    wrt = range(len(arrays)) if wrt is None else wrt
    grads = K.gradients(loss, [inputs[k] for k in wrt])
    assert all(g is not None for g in grads)
    f = K.function(inputs + [r], [loss] + grads)
    rv = rng.standard_normal(np.shape(probe))
    analytic = f(arrays + [rv])[1:]
    for k, g in zip(wrt, analytic):
        assert g.shape == arrays[k].shape and g.dtype == np.float64
        numeric = _fd_gradient(f, arrays, k, rv)
        scale = max(1.0, np.abs(numeric).max())
        np.testing.assert_allclose(g, numeric, rtol=RTOL, atol=RTOL * scale,
                                   err_msg=f"gradient w.r.t. input {k}")


def _case(name, fn, shapes, domain=normal, batch=False, wrt=None):
    domains = domain if isinstance(domain, (list, tuple)) else [domain] * len(shapes)
    return pytest.param(fn, shapes, domains, batch, wrt, id=name)


# ------------------------------------------------------------------ elementwise
# one case per differentiable op record, then composites of K
ELEMENTWISE = [_case(r.name, r.k, [(3, 4)] * (2 if r in BINARY else 1), r.grad)
               for r in differentiable(UNARY + BINARY)] + [
    _case("hard_sigmoid", K.hard_sigmoid, [(3, 4)], away_from_zero),
    _case("relu", K.relu, [(3, 4)], away_from_zero),
    _case("leaky_relu", lambda x: K.relu(x, alpha=0.1), [(3, 4)], away_from_zero),
    _case("relu_max_value", lambda x: K.relu(x, max_value=1.0), [(3, 4)], away_from_zero),
    _case("elu", K.elu, [(3, 4)], away_from_zero),
    _case("pow_int", lambda x: K.pow(x, 3), [(3, 4)]),
    _case("pow_float", lambda x: K.pow(x, 2.5), [(3, 4)], positive),
    _case("pow_broadcast", lambda x, y: K.pow(x, y), [(3, 4), (4,)], [positive, normal]),
    _case("add_broadcast", lambda x, y: x + y, [(3, 4), (4,)]),
    _case("sub_broadcast", lambda x, y: x - y, [(3, 4), (3, 1)]),
    _case("mul_broadcast", lambda x, y: x * y, [(2, 3, 4), (3, 1)]),
    _case("div_broadcast", lambda x, y: x / y, [(1, 4), (3, 1)], [normal, away_from_zero]),
    _case("scalar_ops", lambda x: 2.0 - x * 3.0 + 1.0 / (x + 5.0), [(3, 4)], positive),
    _case("maximum_broadcast", K.maximum, [(3, 4), (4,)], spread),
    _case("clip", lambda x: K.clip(x, -0.5, 0.7), [(3, 4)], spread),
    _case("reused_input", lambda x: x * x + K.sin(x) * x, [(3, 4)]),
    _case("switch_elementwise", lambda x: K.switch(K.greater(x, 0.0), x * x, K.exp(x)), [(3, 4)],
          away_from_zero),
    _case("switch_scalar_cond", lambda x: K.switch(K.greater(K.sum(x), 0.0), x * 2.0, x * x), [(3, 4)]),
    _case("switch_two_inputs", lambda x, y: K.switch(K.greater(x, y), x * y, y - x), [(3, 4), (3, 4)],
          spread),
    _case("batch_elementwise", lambda x, y: K.tanh(x) * y - x, [(5, 3), (5, 3)], batch=True),
]


@pytest.mark.parametrize("fn, shapes, domains, batch, wrt", ELEMENTWISE)
def test_elementwise_gradients(fn, shapes, domains, batch, wrt):
    rng = np.random.default_rng(1)
    arrays = [d(rng, s) for d, s in zip(domains, shapes)]
    check_gradients(fn, arrays, batch=batch, wrt=wrt)


# ------------------------------------------------------------------ reductions and scans
REDUCTIONS = [
    ("sum", K.sum, normal), ("mean", K.mean, normal), ("prod", K.prod, positive),
    ("max", K.max, spread), ("min", K.min, spread), ("std", K.std, normal),
    ("var", K.var, normal), ("logsumexp", K.logsumexp, normal),
]
AXES = [None, 0, 1, -1, [0, 2], (1, 2)]


@pytest.mark.parametrize("name, reduce, domain", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@SETTINGS
@given(axis=st.sampled_from(AXES), keepdims=st.booleans())
def test_reduction_gradients(name, reduce, domain, axis, keepdims):
    rng = np.random.default_rng(2)
    check_gradients(lambda x: reduce(x, axis=axis, keepdims=keepdims), [domain(rng, (2, 3, 4))])


@pytest.mark.parametrize("name, reduce, domain", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_gradients_symbolic_batch(name, reduce, domain):
    rng = np.random.default_rng(3)
    check_gradients(lambda x: reduce(x, axis=0), [domain(rng, (5, 3))], batch=True)
    check_gradients(lambda x: reduce(x, axis=-1, keepdims=True), [domain(rng, (5, 3))], batch=True)


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("kind", ["cumsum", "cumprod"])
def test_scan_gradients(kind, axis):
    rng = np.random.default_rng(4)
    fn = getattr(K, kind)
    check_gradients(lambda x: fn(x, axis=axis), [positive(rng, (2, 3, 4))])


# ------------------------------------------------------------------ products
PRODUCTS = [
    _case("dot_2d", K.dot, [(3, 4), (4, 5)]),
    _case("dot_3d_2d", K.dot, [(2, 3, 4), (4, 5)]),
    _case("dot_3d_3d", K.dot, [(2, 3, 4), (5, 4, 2)]),
    _case("dot_vector", K.dot, [(3, 4), (4,)]),
    _case("dot_batch", K.dot, [(5, 4), (4, 3)], batch=[True, False]),
    _case("matmul_transposed", lambda x, y: K.dot(K.transpose(x), y), [(4, 3), (4, 5)]),
    _case("matmul_both_transposed", lambda x, y: K.dot(K.transpose(x), K.transpose(y)), [(4, 3), (5, 4)]),
    _case("batch_dot_default", K.batch_dot, [(2, 3, 4), (2, 4, 5)]),
    _case("batch_dot_2_2", lambda x, y: K.batch_dot(x, y, axes=(2, 2)), [(2, 3, 4), (2, 5, 4)]),
    _case("batch_dot_1_1", lambda x, y: K.batch_dot(x, y, axes=(1, 1)), [(2, 4, 3), (2, 4, 5)]),
    _case("batch_dot_1_2", lambda x, y: K.batch_dot(x, y, axes=(1, 2)), [(2, 4, 3), (2, 5, 4)]),
    _case("batch_dot_2d", lambda x, y: K.batch_dot(x, y, axes=1), [(3, 4), (3, 4)]),
    _case("batch_dot_2d_3d", lambda x, y: K.batch_dot(x, y, axes=(1, 1)), [(3, 4), (3, 4, 2)]),
]


@pytest.mark.parametrize("fn, shapes, domains, batch, wrt", PRODUCTS)
def test_product_gradients(fn, shapes, domains, batch, wrt):
    rng = np.random.default_rng(5)
    arrays = [d(rng, s) for d, s in zip(domains, shapes)]
    check_gradients(fn, arrays, batch=batch, wrt=wrt)


# ------------------------------------------------------------------ shape functions
def _gather_rows(x):
    return K.gather(x, np.array([2, 0, 2, 1], dtype=np.int32))


SHAPE_OPS = [
    _case("transpose", K.transpose, [(2, 3, 4)]),
    _case("permute", lambda x: K.permute_dimensions(x, (2, 0, 1)), [(2, 3, 4)]),
    _case("reshape", lambda x: K.reshape(x, (4, 6)), [(2, 3, 4)]),
    _case("reshape_batch", lambda x: K.reshape(x, (-1, 2, 6)), [(5, 3, 4)], batch=True),
    _case("flatten", K.flatten, [(2, 3, 4)]),
    _case("batch_flatten", K.batch_flatten, [(5, 3, 4)], batch=True),
    _case("expand_squeeze", lambda x: K.squeeze(K.expand_dims(x, 1), 1) * K.expand_dims(x, -1)[..., 0],
          [(3, 4)]),
    _case("concatenate_0", lambda x, y: K.concatenate([x, y, x], axis=0), [(2, 4), (3, 4)]),
    _case("concatenate_last", lambda x, y: K.concatenate([x, y], axis=-1), [(2, 3, 4), (2, 3, 1)]),
    _case("stack", lambda x, y: K.stack([x, y], axis=1), [(3, 4), (3, 4)]),
    _case("gather", _gather_rows, [(3, 4)]),
    _case("gather_3d", _gather_rows, [(3, 2, 5)]),
    _case("slice", lambda x: x[1:3, ::2], [(4, 5)]),
    _case("slice_index", lambda x: x[:, -1:] * x[0], [(3, 4)]),
    _case("slice_negative_step", lambda x: x[::-1, 1:], [(3, 4)]),
    _case("temporal_padding", lambda x: K.temporal_padding(x, (1, 2)), [(2, 3, 4)]),
    _case("spatial_2d_padding", lambda x: K.spatial_2d_padding(x, ((1, 0), (2, 1))), [(2, 3, 4, 2)]),
    _case("spatial_3d_padding", lambda x: K.spatial_3d_padding(x, ((1, 0), (0, 1), (1, 1))),
          [(1, 2, 3, 2, 2)]),
    _case("tile", lambda x: K.tile(x, (2, 3)), [(2, 3)]),
    _case("tile_3d", lambda x: K.tile(x, (1, 2, 1)), [(2, 3, 4)]),
    _case("repeat_elements", lambda x: K.repeat_elements(x, 3, axis=1), [(2, 3, 4)]),
    _case("repeat", lambda x: K.repeat(x, 3), [(2, 4)]),
    _case("reverse", lambda x: K.reverse(x, axes=[0, 2]), [(2, 3, 4)]),
    _case("resize_images", lambda x: K.resize_images(x, 2, 3, "channels_last"), [(1, 2, 3, 2)]),
]


@pytest.mark.parametrize("fn, shapes, domains, batch, wrt", SHAPE_OPS)
def test_shape_op_gradients(fn, shapes, domains, batch, wrt):
    rng = np.random.default_rng(6)
    arrays = [d(rng, s) for d, s in zip(domains, shapes)]
    check_gradients(fn, arrays, batch=batch, wrt=wrt)


# ------------------------------------------------------------------ softmax and losses
def _onehot(rng, shape):
    return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]


NN = [
    _case("softmax_last", K.softmax, [(3, 4)]),
    _case("softmax_axis0", lambda x: K.softmax(x, axis=0), [(3, 4)]),
    _case("softmax_axis1_3d", lambda x: K.softmax(x, axis=1), [(2, 3, 4)]),
    _case("log_softmax", lambda x: K.log(K.softmax(x)), [(3, 4)]),
    _case("log_softmax_axis0", lambda x: K.log(K.softmax(x, axis=0)), [(3, 4)]),
    _case("cce_softmax", lambda t, x: K.categorical_crossentropy(t, K.softmax(x)), [(3, 4), (3, 4)],
          [simplex, normal]),
    _case("cce_logits", lambda t, x: K.categorical_crossentropy(t, x, from_logits=True),
          [(3, 4), (3, 4)], [simplex, normal]),
    _case("cce_probabilities", lambda t, p: K.categorical_crossentropy(t, p), [(3, 4), (3, 4)],
          [simplex, probabilities]),
    _case("bce_sigmoid", lambda t, x: K.binary_crossentropy(t, K.sigmoid(x)), [(3, 4), (3, 4)],
          [probabilities, normal]),
    _case("bce_logits", lambda t, x: K.binary_crossentropy(t, x, from_logits=True), [(3, 4), (3, 4)],
          [probabilities, normal]),
    _case("bce_probabilities", lambda t, p: K.binary_crossentropy(t, p), [(3, 4), (3, 4)],
          [probabilities, probabilities]),
    _case("l2_normalize", lambda x: K.l2_normalize(x, axis=-1), [(3, 4)]),
    _case("bias_add", lambda x, b: K.bias_add(x, b), [(2, 3, 4), (4,)]),
    _case("bias_add_channels_first", lambda x, b: K.bias_add(x, b, data_format="channels_first"),
          [(2, 3, 4), (3,)]),
    _case("batch_normalization", lambda x, m, v, b, g: K.batch_normalization(x, m, v, b, g, 1e-3),
          [(3, 4), (4,), (4,), (4,), (4,)], [normal, normal, positive, normal, normal]),
]


@pytest.mark.parametrize("fn, shapes, domains, batch, wrt", NN)
def test_nn_gradients(fn, shapes, domains, batch, wrt):
    rng = np.random.default_rng(7)
    arrays = [d(rng, s) for d, s in zip(domains, shapes)]
    check_gradients(fn, arrays, batch=batch, wrt=wrt)


def test_sparse_categorical_crossentropy_gradient():
    rng = np.random.default_rng(8)
    labels = K.constant(np.array([[2], [0], [3]]), dtype="int32")
    check_gradients(lambda x: K.sparse_categorical_crossentropy(labels, K.softmax(x)), [normal(rng, (3, 4))])
    check_gradients(lambda x: K.sparse_categorical_crossentropy(labels, x, from_logits=True),
                    [normal(rng, (3, 4))])


def test_normalize_batch_in_training_gradient():
    rng = np.random.default_rng(9)
    gamma = K.constant(rng.uniform(0.5, 1.5, 4), dtype="float64")
    beta = K.constant(rng.standard_normal(4), dtype="float64")

    def fn(x):
        normed, mean, var = K.normalize_batch_in_training(x, gamma, beta, [0])
        return normed + K.sum(mean) + K.sum(var)
    check_gradients(fn, [normal(rng, (5, 4))])


# ------------------------------------------------------------------ casts, stop_gradient, None
def test_cast_between_floats_passes_gradient():
    x = K.placeholder((3, 4), dtype="float64")
    r = np.random.default_rng(10).standard_normal((3, 4)).astype(np.float32)
    loss = K.sum(K.cast(x, "float32") * K.constant(r))
    (g,) = K.gradients(loss, [x])
    assert K.dtype(g) == "float64"
    out = K.function([x], [g])([np.ones((3, 4))])[0]
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, r.astype(np.float64))
    # float32 -> float64 -> float32
    y = K.placeholder((3, 4), dtype="float32")
    (g32,) = K.gradients(K.sum(K.cast(y, "float64") * 2.0), [y])
    assert K.dtype(g32) == "float32"
    np.testing.assert_array_equal(K.function([y], [g32])([np.ones((3, 4))])[0], np.full((3, 4), 2.0))


def test_cast_to_int_has_no_gradient():
    x = K.placeholder((3, 4), dtype="float64")
    assert K.gradients(K.sum(K.cast(K.cast(x, "int32"), "float64")), [x]) == [None]


def test_stop_gradient():
    x = K.placeholder((3, 4), dtype="float64")
    assert K.gradients(K.sum(K.stop_gradient(x) * 3.0), [x]) == [None]
    loss = K.sum(x * K.stop_gradient(x))          # d/dx = stop(x), not 2x
    (g,) = K.gradients(loss, [x])
    xv = np.random.default_rng(12).standard_normal((3, 4))
    np.testing.assert_allclose(K.function([x], [g])([xv])[0], xv)
    a, b = K.stop_gradient([x, x * 2])
    assert K.gradients(K.sum(a + b), [x]) == [None]


def test_gradient_none_for_unused_variable():
    w = K.variable(np.ones((3, 2)))
    unused = K.variable(np.ones((2, 3)))
    x = K.placeholder((None, 3))
    loss = K.sum(K.dot(x, w))
    gw, gu = K.gradients(loss, [w, unused])
    assert gu is None and gw is not None
    out = K.function([x], [gw])([np.arange(6.0).reshape(2, 3)])[0]
    np.testing.assert_allclose(out, np.repeat(np.arange(6.0).reshape(2, 3).sum(0)[:, None], 2, 1))


def test_gradient_of_non_scalar_loss_sums():
    x = K.placeholder((3, 4), dtype="float64")
    (g,) = K.gradients(x * 3.0, [x])
    np.testing.assert_array_equal(K.function([x], [g])([np.zeros((3, 4))])[0], np.full((3, 4), 3.0))


# ------------------------------------------------------------------ an MLP
def _mlp_weights(rng, n_in=5, n_hidden=7, n_out=3):
    return [rng.standard_normal((n_in, n_hidden)) * 0.5, rng.standard_normal(n_hidden) * 0.1,
            rng.standard_normal((n_hidden, n_out)) * 0.5, rng.standard_normal(n_out) * 0.1]


def _mlp_loss(x, y, weights):
    w1, b1, w2, b2 = weights
    hidden = K.relu(K.dot(x, w1) + b1)
    probs = K.softmax(K.dot(hidden, w2) + b2)
    return K.mean(K.categorical_crossentropy(y, probs))


def _np_mlp_loss_and_grads(x, y, weights):
    """Forward and backward of dense-relu-dense-softmax-crossentropy, by hand."""
    w1, b1, w2, b2 = weights
    pre = x @ w1 + b1
    hidden = np.maximum(pre, 0)
    logits = hidden @ w2 + b2
    logits = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    n = x.shape[0]
    loss = -np.sum(y * np.log(probs)) / n
    d_logits = (probs - y) / n
    d_w2 = hidden.T @ d_logits
    d_b2 = d_logits.sum(0)
    d_pre = (d_logits @ w2.T) * (pre > 0)
    return loss, [x.T @ d_pre, d_pre.sum(0), d_w2, d_b2]


def test_mlp_gradients_against_finite_differences():
    rng = np.random.default_rng(13)
    K.set_floatx("float64")
    try:
        weights = [K.variable(w) for w in _mlp_weights(rng)]
        x = K.placeholder((None, 5))
        y = K.placeholder((None, 3))
    finally:
        K.set_floatx("float32")
    loss = _mlp_loss(x, y, weights)
    grads = K.gradients(loss, weights)
    f = K.function([x, y], [loss] + grads)
    xv = rng.standard_normal((6, 5))
    yv = _onehot(rng, (6, 3))
    out = f([xv, yv])
    ref_loss, ref_grads = _np_mlp_loss_and_grads(xv, yv, K.batch_get_value(weights))
    np.testing.assert_allclose(out[0], ref_loss, rtol=1e-12)
    for w, g, ref in zip(weights, out[1:], ref_grads):
        np.testing.assert_allclose(g, ref, rtol=1e-9, atol=1e-12)
        # finite differences through the variables themselves
        value = K.get_value(w)
        numeric = np.zeros_like(value)
        for i in range(value.size):
            for sign in (1, -1):
                moved = value.copy()
                moved.reshape(-1)[i] += sign * EPS
                K.set_value(w, moved)
                numeric.reshape(-1)[i] += sign * f([xv, yv])[0] / (2 * EPS)
        K.set_value(w, value)
        np.testing.assert_allclose(g, numeric, rtol=RTOL, atol=RTOL * max(1.0, np.abs(numeric).max()))


@pytest.mark.parametrize("floatx, rtol", [("float64", 1e-10), ("float32", 2e-5)])
def test_rmsprop_step_matches_numpy(floatx, rtol):
    lr, rho, eps = 0.01, 0.9, 1e-7
    rng = np.random.default_rng(14)
    init = _mlp_weights(rng)
    K.set_floatx(floatx)
    try:
        weights = [K.variable(w) for w in init]
        accumulators = [K.zeros(w.shape) for w in init]
        x = K.placeholder((None, 5))
        y = K.placeholder((None, 3))
        loss = _mlp_loss(x, y, weights)
        grads = K.gradients(loss, weights)
        updates = []
        for p, g, a in zip(weights, grads, accumulators):
            new_a = rho * a + (1.0 - rho) * K.square(g)
            updates.append(K.update(a, new_a))
            updates.append(K.update(p, p - lr * g / (K.sqrt(new_a) + eps)))
        train = K.function([x, y], [loss], updates=updates)
    finally:
        K.set_floatx("float32")
    xv = rng.standard_normal((8, 5))
    yv = _onehot(rng, (8, 3))
    params = [w.astype(floatx).astype(np.float64) for w in init]
    acc = [np.zeros_like(w) for w in init]
    for step in range(3):
        ref_loss, ref_grads = _np_mlp_loss_and_grads(xv, yv, params)
        got_loss = train([xv, yv])[0]
        np.testing.assert_allclose(got_loss, ref_loss, rtol=rtol)
        for i, g in enumerate(ref_grads):
            acc[i] = rho * acc[i] + (1 - rho) * g * g
            params[i] = params[i] - lr * g / (np.sqrt(acc[i]) + eps)
        for w, a, ref_w, ref_a in zip(weights, accumulators, params, acc):
            np.testing.assert_allclose(K.get_value(w), ref_w, rtol=rtol, atol=rtol * 1e-2)
            np.testing.assert_allclose(K.get_value(a), ref_a, rtol=rtol * 10, atol=1e-12)
