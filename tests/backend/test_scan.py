"""The loop op through K: scan values against numpy loops written here, symbolic time
lengths (one compile, any length, zero included), masks and reverse order, and
gradients (a reverse scan) against central finite differences in float64."""
import numpy as np
import pytest

from keralite import backend as K
from keralite.backend.scan_ops import scan, rnn_loop

T, B, F, U = 5, 3, 4, 2


def _rnn_numpy(x, s, w, u, mask=None, backwards=False):
    """tanh RNN over (time, batch, feat); a masked row keeps its state and output."""
    outs, prev = [], np.zeros_like(s)
    steps = range(len(x))[::-1] if backwards else range(len(x))
    for t in steps:
        new = np.tanh(x[t] @ w + s @ u)
        if mask is not None:
            keep = mask[t][:, None]
            new_s, new_o = np.where(keep, new, s), np.where(keep, new, prev)
        else:
            new_s = new_o = new
        s, prev = new_s, new_o
        outs.append(new_o)
    return np.stack(outs), s


@pytest.fixture
def weights():
    rng = np.random.RandomState(0)
    return rng.randn(F, U).astype("f"), rng.randn(U, U).astype("f")


def _tanh_step(w, u):
    def step(values, states):
        h = K.tanh(K.dot(values[0], w) + K.dot(states[0], u))
        return [h], [h]
    return step


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_matches_a_numpy_loop_for_any_length(weights, reverse):
    wv, uv = weights
    w, u = K.variable(wv), K.variable(uv)
    x = K.placeholder((None, None, F))
    s0 = K.placeholder((None, U))
    stacked, last, final = scan(_tanh_step(w, u), [x], [s0], reverse=reverse)
    f = K.function([x, s0], [stacked[0], last[0], final[0]])
    rng = np.random.RandomState(1)
    for length in (T, 1, 7):
        xv, sv = rng.randn(length, B, F).astype("f"), rng.randn(B, U).astype("f")
        outs, s = _rnn_numpy(xv, sv, wv, uv, backwards=reverse)
        got_stacked, got_last, got_final = f([xv, sv])
        # stacked outputs sit at the position they were computed for
        np.testing.assert_allclose(got_stacked, outs[::-1] if reverse else outs, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got_last, outs[-1], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got_final, s, rtol=1e-5, atol=1e-6)


def test_scan_over_an_empty_sequence_keeps_the_initial_state(weights):
    w, u = (K.variable(v) for v in weights)
    x = K.placeholder((None, None, F))
    s0 = K.placeholder((None, U))
    stacked, last, final = scan(_tanh_step(w, u), [x], [s0])
    sv = np.random.RandomState(2).randn(B, U).astype("f")
    got_stacked, got_last, got_final = K.function([x, s0], [stacked[0], last[0], final[0]])(
        [np.zeros((0, B, F), "f"), sv])
    assert got_stacked.shape == (0, B, U)
    np.testing.assert_array_equal(got_last, np.zeros((B, U)))
    np.testing.assert_array_equal(got_final, sv)


def test_loop_invariant_work_is_captured_not_repeated(weights):
    from keralite.compiler.ops.control import ScanBody
    wv, uv = weights
    w, u = K.variable(wv), K.variable(uv)
    x = K.placeholder((None, None, F))
    s0 = K.placeholder((None, U))
    scaled = w * 2.0     # depends on no step value: computed once, outside the loop

    def step(values, states):
        h = K.tanh(K.dot(values[0], scaled) + K.dot(states[0], u))
        return [h], [h]

    _, _, final = scan(step, [x], [s0])
    scan_node = final[0].node.inputs[0]
    body = dict(scan_node.attrs)["body"]
    assert isinstance(body, ScanBody)
    assert scaled.node in scan_node.inputs
    assert all(n.op.name != "mul" or n.shape != scaled.node.shape for n in body.graph.nodes())


def test_rnn_loop_with_mask_and_go_backwards(weights):
    wv, uv = weights
    w, u = K.variable(wv), K.variable(uv)
    x = K.placeholder((None, None, F))          # (batch, time, feat) as K.rnn takes it
    m = K.placeholder((None, None), dtype="bool")
    s0 = K.placeholder((None, U))

    def step(x_t, states):
        h = K.tanh(K.dot(x_t, w) + K.dot(states[0], u))
        return h, [h]

    rng = np.random.RandomState(3)
    xv = rng.randn(B, T, F).astype("f")
    mv = rng.rand(B, T) > 0.3
    sv = rng.randn(B, U).astype("f")
    for backwards in (False, True):
        last, outs, states = rnn_loop(step, x, [s0], [], m, backwards)
        got_last, got_outs, got_state = K.function([x, m, s0], [last, outs, states[0]])([xv, mv, sv])
        ref_outs, ref_s = _rnn_numpy(xv.transpose(1, 0, 2), sv, wv, uv, mask=mv.T, backwards=backwards)
        np.testing.assert_allclose(got_outs, ref_outs.transpose(1, 0, 2), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got_last, ref_outs[-1], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got_state, ref_s, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_gradients_match_finite_differences(reverse):
    rng = np.random.RandomState(4)
    wv, uv = rng.randn(F, U) * 0.5, rng.randn(U, U) * 0.5
    xv, sv = rng.randn(T, B, F), rng.randn(B, U)
    r_out, r_last = rng.randn(T, B, U), rng.randn(B, U)
    w, u = K.variable(wv, dtype="float64"), K.variable(uv, dtype="float64")
    x = K.placeholder((None, None, F), dtype="float64")
    s0 = K.placeholder((None, U), dtype="float64")
    ro = K.placeholder((None, None, U), dtype="float64")
    rl = K.placeholder((None, U), dtype="float64")
    stacked, last, final = scan(_tanh_step(w, u), [x], [s0], reverse=reverse)
    loss = K.sum(stacked[0] * ro) + K.sum(last[0] * rl) + K.sum(K.square(final[0]))
    f = K.function([x, s0, ro, rl], [loss] + K.gradients(loss, [w, u, x, s0]))

    def numpy_loss(wv, uv, xv, sv):
        outs, s = _rnn_numpy(xv, sv, wv, uv, backwards=reverse)
        placed = outs[::-1] if reverse else outs
        return (placed * r_out).sum() + (outs[-1] * r_last).sum() + (s * s).sum()

    got = f([xv, sv, r_out, r_last])
    np.testing.assert_allclose(got[0], numpy_loss(wv, uv, xv, sv), rtol=1e-10)
    args = [wv.copy(), uv.copy(), xv.copy(), sv.copy()]
    for k in range(4):
        numeric = np.zeros_like(args[k])
        flat, out = args[k].reshape(-1), numeric.reshape(-1)
        for i in range(flat.size):
            keep = flat[i]
            flat[i] = keep + 1e-6
            up = numpy_loss(*args)
            flat[i] = keep - 1e-6
            down = numpy_loss(*args)
            flat[i] = keep
            out[i] = (up - down) / 2e-6
        np.testing.assert_allclose(got[k + 1], numeric, rtol=1e-5, atol=1e-7)


def test_scan_rejects_a_state_that_changes_shape(weights):
    x = K.placeholder((None, None, F))
    s0 = K.placeholder((None, U))

    def step(values, states):
        return [values[0]], [values[0]]      # a (batch, F) state from a (batch, U) one

    with pytest.raises(ValueError, match="scan: the body turns a state"):
        scan(step, [x], [s0])


def test_random_draws_in_a_loop_body_are_new_at_every_step_and_every_call():
    """As TF's random ops in a while loop: a draw inside the step gives new numbers at each
    step and each call; a seed reproduces them in a function built afresh; nested loops
    draw afresh at every (outer, inner) step; the loop still differentiates."""
    def build(seed):
        x = K.placeholder((None, 6, 3))

        def step(inputs, states):
            noise = K.random_uniform((1, 3), seed=seed)
            return inputs * 0 + noise, [states[0] + noise]

        _, outputs, states = K.rnn(step, x, [K.zeros((1, 3))])
        return K.function([x], [outputs, states[0]])

    ones = np.ones((2, 6, 3), "float32")
    f = build(seed=7)
    first, total = f([ones])
    assert len({tuple(row) for row in first[0]}) == 6           # six different steps
    np.testing.assert_array_equal(first[0], first[1])           # one draw of shape (1, 3)
    np.testing.assert_allclose(total[0], first[0].sum(0), rtol=1e-6)
    assert 0.0 <= first.min() and first.max() < 1.0
    second, _ = f([ones])
    assert not np.array_equal(first, second)                    # each call draws afresh
    np.testing.assert_array_equal(build(seed=7)([ones])[0], first)

    # nested: map_fn over rows inside a scan over time
    x = K.placeholder((4, 5))

    def outer(values, states):
        inner = K.map_fn(lambda row: row * 0 + K.random_normal((), seed=3), values[0])
        return [inner], states

    stacked, _, _ = scan(outer, [x], [])
    draws = K.function([x], [stacked[0]])([np.ones((4, 5), "float32")])[0]
    assert len(np.unique(draws)) == draws.size

    # gradients flow through a body that draws
    w = K.variable(np.full((3,), 0.5, "float32"))
    x = K.placeholder((None, 4, 3))

    def noisy(inputs, states):
        h = states[0] * w + inputs + K.random_normal((1, 3), stddev=1e-3, seed=1)
        return h, [h]

    last, _, _ = K.rnn(noisy, x, [K.zeros((1, 3))])
    grad = K.function([x], K.gradients(K.sum(last), [w]))([np.ones((1, 4, 3), "float32")])[0]
    # d/dw of h4 with h_t = w h_{t-1} + 1 (noise aside): 1 + 2w + 3w^2 at h0 = 0
    np.testing.assert_allclose(grad, np.full(3, 1 + 2 * 0.5 + 3 * 0.25), rtol=1e-2)
