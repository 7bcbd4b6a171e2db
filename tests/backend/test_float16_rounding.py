"""float16 values rounded to half precision inside compiled code (backend/narrow_dtypes.py,
the `round_half` op): variable updates, casts, elementwise ops and a float16 training
step give the numbers numpy (and TensorFlow) give in float16, not float32's.

The references are numpy float16 arithmetic, which, like TensorFlow's half kernels,
computes each op in float32 and rounds its result to half precision.
"""
import numpy as np
import pytest

from keralite import backend as K
from keralite.layers import Dense
from keralite.models import Sequential
from keralite.optimizers import SGD


def is_half_exact(values):
    """Whether float32 values are all float16 values (nan and inf included)."""
    values = np.asarray(values, np.float32)
    with np.errstate(over="ignore"):
        return np.array_equal(values.astype(np.float16).astype(np.float32), values, equal_nan=True)


def assert_bits_equal(got, want):
    """Equal bit for bit (signed zeros apart; any nan matches any nan)."""
    got, want = np.asarray(got, np.float32), np.asarray(want, np.float32)
    assert got.shape == want.shape
    same = (got.view(np.uint32) == want.view(np.uint32)) | (np.isnan(got) & np.isnan(want))
    assert same.all(), f"differ at {np.flatnonzero(~same)[:8]}: got {got[~same][:8]}, want {want[~same][:8]}"


# ------------------------------------------------------------------ variable updates
START = np.array([0.0, 1.0, -3.3, 100.0, 2000.0], np.float16)
STEPS = 60


def test_update_add_rounds_at_every_step():
    v = K.variable(START, dtype="float16")
    step = K.function([], [], updates=[K.update_add(v, 0.1)])
    want = START.copy()
    for _ in range(STEPS):
        step([])
        want = want + np.float16(0.1)
    got = K.get_value(v)
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got, want)
    # the variable's float32 storage holds float16 values between calls ...
    assert is_half_exact(v.value)
    # ... and float32 accumulation would have ended elsewhere: the test can tell them apart
    in_float32 = START.astype(np.float32)
    for _ in range(STEPS):
        in_float32 = in_float32 + np.float32(0.1)
    assert not np.array_equal(in_float32.astype(np.float16), want)


@pytest.mark.parametrize("kind", ["update", "update_sub", "moving_average_update", "pair"])
def test_every_update_form_rounds(kind):
    v = K.variable(START, dtype="float16")
    target = np.array([0.7, 0.3, 5.0, -1.0, 1234.5], np.float16)
    if kind == "update":
        updates = [K.update(v, v * 1.01 + 0.01)]
        numpy_step = lambda w: w * np.float16(1.01) + np.float16(0.01)      # noqa: E731
    elif kind == "update_sub":
        updates = [K.update_sub(v, 0.03)]
        numpy_step = lambda w: w - np.float16(0.03)                          # noqa: E731
    elif kind == "moving_average_update":
        updates = [K.moving_average_update(v, K.constant(target, dtype="float16"), 0.9)]
        numpy_step = lambda w: w * np.float16(0.9) + target * np.float16(1 - 0.9)    # noqa: E731
    else:
        # a pair built by hand whose value is float32: the function rounds it when it stores it
        updates = [(v, K.cast(v, "float32") * 1.01)]
        numpy_step = lambda w: (w.astype(np.float32) * np.float32(1.01)).astype(np.float16)   # noqa: E731
    step = K.function([], [], updates=updates)
    want = START.copy()
    for _ in range(20):
        step([])
        want = numpy_step(want)
    np.testing.assert_array_equal(K.get_value(v), want)
    assert is_half_exact(v.value)


def test_narrow_integer_updates_still_wrap():
    v = K.variable(np.array([120, -120, 5]), dtype="int8")
    step = K.function([], [], updates=[K.update_add(v, K.constant(np.array([10, -10, 1]), dtype="int8"))])
    step([])
    np.testing.assert_array_equal(K.get_value(v), np.array([130, -130, 6]).astype(np.int8))


# ------------------------------------------------------------------ casts
def test_cast_to_float16_rounds_float32_float64_and_integers():
    tie_neighbour = 1 + 2.0 ** -11 + 2.0 ** -40     # just above a half tie; a float32 detour makes it the tie
    x64 = np.array([tie_neighbour, -65519.0, 65520.0, 1e-8, -3e-8, 0.1, np.nan, -0.0], np.float64)
    x32 = np.array([1.0005, 2.0 ** -25, 3 * 2.0 ** -25, -7e4, np.inf, 1 / 3, -0.0], np.float32)
    ints = np.array([2049, 2051, -70000, 65519, 7], np.int32)
    holders = [K.placeholder(a.shape, dtype=a.dtype.name) for a in (x64, x32, ints)]
    outputs = [K.cast(h, "float16") for h in holders]
    assert all(K.dtype(o) == "float16" for o in outputs)
    got = K.function(holders, outputs)([x64, x32, ints])
    with np.errstate(over="ignore"):
        for g, a in zip(got, (x64, x32, ints)):
            assert g.dtype == np.float16
            assert_bits_equal(g.astype(np.float32), a.astype(np.float16).astype(np.float32))
    # rounded once, from float64 directly: not 1.0, as float64 -> float32 -> float16 gives
    assert got[0][0] == np.float16(1 + 2.0 ** -10)


def test_cast_keeps_values_inside_the_function():
    """The rounding happens in the compiled code, not only when the output is read."""
    x = K.placeholder((4,), dtype="float32")
    back = K.cast(K.cast(x, "float16"), "float32")
    assert K.dtype(back) == "float32"
    values = np.array([0.1, 1000.3, 1e-6, 70000.0], np.float32)
    got = K.function([x], [back])([values])[0]
    assert got.dtype == np.float32
    with np.errstate(over="ignore"):
        assert_bits_equal(got, values.astype(np.float16).astype(np.float32))


def test_round_half_passes_gradients_straight_through():
    x = K.placeholder((3,), dtype="float32")
    weights = K.constant(np.array([2.0, -1.0, 0.5]), dtype="float32")
    loss = K.sum(K.cast(K.cast(x * 1.0, "float16"), "float32") * weights)
    grad = K.gradients(loss, [x])[0]
    got = K.function([x], [grad])([np.array([0.1, 0.2, 0.3], np.float32)])[0]
    np.testing.assert_array_equal(got, [2.0, -1.0, 0.5])


# ------------------------------------------------------------------ elementwise ops
def test_elementwise_chain_rounds_each_op():
    rng = np.random.RandomState(0)
    a = (rng.randn(3, 7) * 10).astype(np.float16)
    b = (rng.rand(3, 7) + 0.5).astype(np.float16)
    pa, pb = K.placeholder((3, 7), dtype="float16"), K.placeholder((3, 7), dtype="float16")
    chains = [
        (lambda x, y: (x * y + x) / y - 0.1 * x, lambda x, y: (x * y + x) / y - np.float16(0.1) * x),
        (lambda x, y: K.square(x - y) * 3.7 + 1000.1,
         lambda x, y: np.square(x - y) * np.float16(3.7) + np.float16(1000.1)),
        (lambda x, y: K.maximum(x, y) * 1.1 - K.abs(x), lambda x, y: np.maximum(x, y) * np.float16(1.1) - np.abs(x)),
        # numbers and arrays meeting a float16 tensor take its precision first
        (lambda x, y: x * np.full(7, 0.3) + 2049.0, lambda x, y: x * np.full(7, 0.3, np.float16) + np.float16(2049)),
    ]
    got = K.function([pa, pb], [c(pa, pb) for c, _ in chains])([a, b])
    for g, (_, reference) in zip(got, chains):
        assert g.dtype == np.float16
        np.testing.assert_array_equal(g, reference(a, b))


def test_transcendental_results_are_half_values():
    x = K.placeholder((50,), dtype="float16")
    out = K.exp(x) * 1.0
    assert K.dtype(out) == "float16"
    values = np.linspace(-3, 3, 50).astype(np.float16)
    got = K.function([x], [K.cast(K.exp(x), "float32")])([values])[0]
    assert is_half_exact(got)
    np.testing.assert_allclose(got, np.exp(values), rtol=1e-3)


def test_mixed_float16_and_float32_operands_are_not_rounded():
    h = K.placeholder((2,), dtype="float16")
    f = K.placeholder((2,), dtype="float32")
    out = h * f
    assert K.dtype(out) == "float32"
    got = K.function([h, f], [out])([np.array([1.0, 3.0], np.float16), np.array([0.1, 0.1], np.float32)])[0]
    np.testing.assert_array_equal(got, np.array([1.0, 3.0], np.float32) * np.float32(0.1))


# ------------------------------------------------------------------ products and reductions
def test_products_and_reductions_accumulate_in_float32_and_round_once():
    """Multiples of 1/8 make every product and partial sum exact in float32, so the
    only rounding is the final one to half precision, which the results show."""
    rng = np.random.RandomState(3)
    a = (rng.randint(-40, 40, (3, 40)) / 8).astype(np.float16)
    b = (rng.randint(-40, 40, (40, 5)) / 8).astype(np.float16)
    c = (rng.randint(-40, 40, (3, 40, 2)) / 8).astype(np.float16)
    d = (rng.randint(-40, 40, (2, 3, 40)) / 8).astype(np.float16)
    pa, pb, pc, pd = (K.placeholder(v.shape, dtype="float16") for v in (a, b, c, d))
    outputs = [K.dot(pa, pb), K.dot(pd, pb), K.sum(pa, axis=1), K.batch_dot(pa, pc, axes=(1, 1)),
               K.max(pa, axis=0), K.mean(pa, axis=1)]
    assert [K.dtype(o) for o in outputs] == ["float16"] * len(outputs)
    # read back as float32, so values the graph left unrounded would show
    got = K.function([pa, pb, pc, pd], [K.cast(o, "float32") for o in outputs])([a, b, c, d])
    a64, b64, c64, d64 = (v.astype(np.float64) for v in (a, b, c, d))
    exact = [a64 @ b64, d64 @ b64, a64.sum(axis=1), np.einsum("bk,bkn->bn", a64, c64), a64.max(axis=0)]
    for g, want in zip(got, exact):
        assert g.dtype == np.float32
        np.testing.assert_array_equal(g, want.astype(np.float16).astype(np.float32))
    assert not np.array_equal((a64 @ b64).astype(np.float32), got[0])     # the rounding shows
    assert is_half_exact(got[-1])
    np.testing.assert_allclose(got[-1], a64.mean(axis=1).astype(np.float16), rtol=1e-3)


# ------------------------------------------------------------------ a float16 training step
def _numpy_sgd_steps(x, y, kernel, bias, lr, steps):
    """A Dense layer trained with MSE and SGD in float16 as TensorFlow does it: each
    forward op rounded to half, the product accumulated in float32 then rounded, the
    gradient taken from those half values, the update rounded."""
    h = np.float16
    losses = []
    for _ in range(steps):
        out = (x.astype(np.float32) @ kernel.astype(np.float32)).astype(h) + bias
        err = out - y
        losses.append(np.mean(np.mean(np.square(err), axis=-1)))
        # d mean(mean((out - y)^2)) / d out, from the float16 error
        d_out = 2.0 * err.astype(np.float64) / err.size
        g_kernel = x.astype(np.float64).T @ d_out
        g_bias = d_out.sum(axis=0)
        kernel = kernel - (h(lr) * g_kernel.astype(h))
        bias = bias - (h(lr) * g_bias.astype(h))
    return kernel, bias, losses


def test_sgd_train_step_matches_a_numpy_float16_reference(float16_floatx):
    rng = np.random.RandomState(1)
    x = rng.randn(8, 5).astype(np.float16)
    y = rng.randn(8, 3).astype(np.float16)
    model = Sequential([Dense(3, input_shape=(5,))])
    model.compile(SGD(lr=0.1), "mse")
    kernel, bias = model.get_weights()
    assert kernel.dtype == np.float16
    losses = [model.train_on_batch(x, y) for _ in range(3)]
    want_kernel, want_bias, want_losses = _numpy_sgd_steps(x, y, kernel, bias, 0.1, 3)
    got_kernel, got_bias = model.get_weights()
    # one or two half ulps apart at most: the gradient is computed in float32 here
    np.testing.assert_allclose(got_kernel, want_kernel, rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(got_bias, want_bias, rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(losses, want_losses, rtol=5e-3)
    for w in model.trainable_weights:
        assert is_half_exact(w.value), f"{w.name} holds values float16 cannot"


# ------------------------------------------------------------------ exports
def test_float16_model_exports_for_plain_x86_64(float16_floatx, tmp_path):
    """The rounding needs no half-precision instructions or libcalls: a library built for
    any x86-64 CPU (no F16C) loads and predicts what the model predicts."""
    from keralite.export import export_model
    from keralite.runtime import load_library
    np.random.seed(0)
    model = Sequential([Dense(6, activation="tanh", input_shape=(5,)), Dense(2)])
    export_model(model, str(tmp_path), name="half_mlp", target="x86-64")
    library = load_library(str(tmp_path))
    x = np.random.RandomState(2).randn(4, 5).astype(np.float16)
    got = np.asarray(library.predict(x.astype(np.float32)))
    assert is_half_exact(got)
    np.testing.assert_array_equal(got, model.predict(x).astype(np.float32))


def test_float16_convolution_and_average_pool_round_their_results_once():
    rng = np.random.RandomState(5)
    x = rng.randn(2, 9, 9, 3).astype(np.float16)
    w = (rng.randn(3, 3, 3, 4) * 0.3).astype(np.float16)
    xp = K.placeholder((2, 9, 9, 3), dtype="float16")
    wp = K.placeholder((3, 3, 3, 4), dtype="float16")
    conv = K.conv2d(xp, wp)
    pooled = K.pool2d(conv, (2, 2), strides=(2, 2), pool_mode="avg")
    assert K.dtype(conv) == "float16" and K.dtype(pooled) == "float16"
    # read back through a float32 cast, so values not rounded inside would show
    got_conv, got_pool = K.function([xp, wp], [K.cast(conv, "float32"), K.cast(pooled, "float32")])([x, w])
    assert is_half_exact(got_conv) and is_half_exact(got_pool)
    wide = K.function([xp, wp], [K.conv2d(K.cast(xp, "float32"), K.cast(wp, "float32"))])([x, w])[0]
    assert_bits_equal(got_conv, wide.astype(np.float16).astype(np.float32))
