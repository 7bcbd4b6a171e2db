"""Convolution and pooling ops (compiler/ops/conv.py through K) against numpy references
written here: a convolution summed tap by tap over the kernel, pooling over explicit
window ranges. Shapes, strides, dilation and padding come from hypothesis; gradients are
checked against central finite differences in float64. Shapes are never square.
"""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, HealthCheck
from hypothesis import strategies as st

from keralite import backend as K
from keralite.compiler.ops.registry import ShapeError, apply
from keralite.compiler.ops import conv as C

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ numpy references
def tf_pads(mode, sizes, window, strides, dilation):
    """TF's padding, computed here independently of the code under test."""
    pads = []
    for size, k, s, d in zip(sizes, window, strides, dilation):
        extent = (k - 1) * d + 1
        if mode == "valid":
            pads.append((0, 0))
        elif mode == "causal":
            pads.append((extent - 1, 0))
        else:
            out = int(np.ceil(size / s))
            total = max((out - 1) * s + extent - size, 0)
            pads.append((total // 2, total - total // 2))
    return pads


def ref_conv(x, w, strides, dilation, pads):
    """Channels-last cross-correlation: for each kernel tap, a strided slice of the padded
    input times that tap's (in, out) matrix."""
    rank = x.ndim - 2
    x = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    window = w.shape[:rank]
    counts = [(x.shape[1 + i] - (window[i] - 1) * dilation[i] - 1) // strides[i] + 1 for i in range(rank)]
    out = np.zeros((x.shape[0],) + tuple(counts) + (w.shape[-1],))
    for tap in itertools.product(*[range(k) for k in window]):
        index = tuple(slice(t * d, t * d + (o - 1) * s + 1, s) for t, d, o, s in zip(tap, dilation, counts, strides))
        out += x[(slice(None),) + index + (slice(None),)] @ w[tap]
    return out


def ref_pool(x, window, strides, pads, mode):
    """Channels-last pooling over the valid part of each window (TF's rule)."""
    rank = x.ndim - 2
    sizes = x.shape[1:-1]
    counts = [(sizes[i] + pads[i][0] + pads[i][1] - window[i]) // strides[i] + 1 for i in range(rank)]
    out = np.zeros((x.shape[0],) + tuple(counts) + (x.shape[-1],))
    for position in itertools.product(*[range(c) for c in counts]):
        index = []
        for p, k, s, (lo, _), size in zip(position, window, strides, pads, sizes):
            start = p * s - lo
            index.append(slice(max(start, 0), min(start + k, size)))
        block = x[(slice(None),) + tuple(index) + (slice(None),)]
        axes = tuple(range(1, rank + 1))
        out[(slice(None),) + position + (slice(None),)] = block.max(axes) if mode == "max" else block.mean(axes)
    return out


def run(fn, *arrays):
    inputs = [K.placeholder(shape=a.shape, dtype=str(a.dtype)) for a in arrays]
    return K.function(inputs, [fn(*inputs)])(list(arrays))[0]


# ------------------------------------------------------------------ forward values
@st.composite
def conv_cases(draw):
    rank = draw(st.integers(1, 3))
    window = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    modes = ["valid", "same"] + (["causal"] if rank == 1 else [])
    padding = draw(st.sampled_from(modes))
    sizes = tuple(draw(st.integers((k - 1) * d + 1, (k - 1) * d + 5)) for k, d in zip(window, dilation))
    batch, channels, filters = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 5))
    return rank, (batch,) + sizes + (channels,), window + (channels, filters), strides, dilation, padding


def _conv_fn(rank):
    return {1: K.conv1d, 2: K.conv2d, 3: K.conv3d}[rank]


@SETTINGS
@given(case=conv_cases(), seed=st.integers(0, 2 ** 16))
def test_conv_matches_tap_by_tap_reference(case, seed):
    rank, x_shape, w_shape, strides, dilation, padding = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    conv = _conv_fn(rank)
    got = run(lambda a, b: conv(a, b, strides if rank > 1 else strides[0], padding, "channels_last",
                                dilation if rank > 1 else dilation[0]), x, w)
    pads = tf_pads(padding, x_shape[1:-1], w_shape[:rank], strides, dilation)
    expected = ref_conv(x.astype(np.float64), w.astype(np.float64), strides, dilation, pads)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_conv2d_same_padding_is_asymmetric_as_tf():
    # 6 wide, window 2, stride 2 needs no padding; 5 wide, window 4, stride 1 pads (1, 2)
    assert C.same_padding(6, 2, 2) == (0, 0)
    assert C.same_padding(5, 4, 1) == (1, 2)
    x = np.arange(5, dtype=np.float32).reshape(1, 1, 5, 1)
    w = np.zeros((1, 4, 1, 1), np.float32)
    w[0, 0, 0, 0] = 1.0          # picks the first element of each window
    got = run(lambda a, b: K.conv2d(a, b, padding="same"), x, w)
    np.testing.assert_array_equal(got.ravel(), [0, 0, 1, 2, 3])


def test_conv_with_symbolic_batch_and_channels_first():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 2, 7, 5)).astype(np.float32)       # channels first
    w = rng.standard_normal((3, 2, 2, 4)).astype(np.float32)
    xp = K.placeholder(shape=(None, 2, 7, 5))
    y = K.conv2d(xp, K.constant(w), strides=(2, 1), padding="same", data_format="channels_first")
    assert K.int_shape(y) == (None, 4, 4, 5)
    got = K.function([xp], [y])([x])[0]
    pads = tf_pads("same", (7, 5), (3, 2), (2, 1), (1, 1))
    expected = ref_conv(x.transpose(0, 2, 3, 1).astype(np.float64), w, (2, 1), (1, 1), pads).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_float64_conv_stays_float64():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 6, 3)), rng.standard_normal((2, 3, 2))
    got = run(lambda a, b: K.conv1d(a, b, padding="causal", dilation_rate=2), x, w)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, ref_conv(x, w, (1,), (2,), [(2, 0)]), rtol=1e-12)


@st.composite
def pool_cases(draw):
    rank = draw(st.integers(2, 3))
    window = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    sizes = tuple(draw(st.integers(k, k + 4)) for k in window)
    shape = (draw(st.integers(1, 3)),) + sizes + (draw(st.integers(1, 3)),)
    return rank, shape, window, strides, draw(st.sampled_from(["valid", "same"])), draw(st.sampled_from(["max", "avg"]))


@SETTINGS
@given(case=pool_cases(), seed=st.integers(0, 2 ** 16))
def test_pooling_matches_reference(case, seed):
    rank, shape, window, strides, padding, mode = case
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    pool = K.pool2d if rank == 2 else K.pool3d
    got = run(lambda a: pool(a, window, strides, padding, "channels_last", mode), x)
    expected = ref_pool(x.astype(np.float64), window, strides, tf_pads(padding, shape[1:-1], window, strides,
                                                                       (1,) * rank), mode)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_avg_pool_same_counts_only_valid_elements():
    x = np.ones((1, 3, 5, 1), np.float32)
    got = run(lambda a: K.pool2d(a, (2, 2), (2, 2), "same", pool_mode="avg"), x)
    np.testing.assert_array_equal(got, np.ones((1, 2, 3, 1)))    # no zeros averaged in
    neg = -np.arange(15, dtype=np.float32).reshape(1, 3, 5, 1) - 1
    got = run(lambda a: K.pool2d(a, (3, 3), (1, 1), "same", pool_mode="max"), neg)
    assert got.max() < 0                                          # padding is not a 0 candidate


def test_pool_channels_first():
    x = np.random.default_rng(5).standard_normal((2, 3, 5, 4)).astype(np.float32)
    got = run(lambda a: K.pool2d(a, (2, 3), (1, 2), "valid", "channels_first", "max"), x)
    expected = ref_pool(x.transpose(0, 2, 3, 1), (2, 3), (1, 2), [(0, 0), (0, 0)], "max").transpose(0, 3, 1, 2)
    np.testing.assert_allclose(got, expected)


# ------------------------------------------------------------------ the other conv functions
def test_depthwise_and_separable_conv2d():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 6, 5, 3))
    dw = rng.standard_normal((3, 2, 3, 2))        # depth multiplier 2
    pw = rng.standard_normal((1, 1, 6, 4))
    pads = tf_pads("same", (6, 5), (3, 2), (2, 1), (1, 1))
    # depthwise: each channel c with its own (3, 2, 1, 2) kernel, outputs c*2 + m
    expected = np.concatenate([ref_conv(x[..., c:c + 1], dw[:, :, c:c + 1, :], (2, 1), (1, 1), pads)
                               for c in range(3)], axis=-1)
    got = run(lambda a, b: K.depthwise_conv2d(a, b, (2, 1), "same"), x, dw)
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    got = run(lambda a, b, c: K.separable_conv2d(a, b, c, (2, 1), "same"), x, dw, pw)
    np.testing.assert_allclose(got, expected @ pw[0, 0], rtol=1e-10)
    one = rng.standard_normal((2, 3, 3, 1))      # depth multiplier 1
    got = run(lambda a, b: K.depthwise_conv2d(a, b), x, one)
    expected = np.concatenate([ref_conv(x[..., c:c + 1], one[:, :, c:c + 1, :], (1, 1), (1, 1),
                                        [(0, 0), (0, 0)]) for c in range(3)], axis=-1)
    np.testing.assert_allclose(got, expected, rtol=1e-10)


@pytest.mark.parametrize("padding, strides, out_size", [("valid", (2, 1), (9, 6)), ("same", (2, 3), (8, 12)),
                                                         ("valid", (1, 2), (6, 9))])
def test_conv2d_transpose_is_the_adjoint_of_conv2d(padding, strides, out_size):
    """<conv2d(y, W), x> == <y, conv2d_transpose(x, W)> for every x, y."""
    rng = np.random.default_rng(7)
    w = rng.standard_normal((3, 2, 2, 4))          # (rows, cols, out channels, in channels)
    y = rng.standard_normal((2,) + out_size + (2,))
    forward = run(lambda a, b: K.conv2d(a, b, strides, padding), y, w)
    x = rng.standard_normal(forward.shape)
    back = run(lambda a, b: K.conv2d_transpose(a, b, (2,) + out_size + (2,), strides, padding), x, w)
    assert back.shape == y.shape
    np.testing.assert_allclose(np.sum(forward * x), np.sum(y * back), rtol=1e-10)


def test_conv2d_transpose_checks_the_output_shape():
    x = K.placeholder((None, 4, 5, 3))
    w = K.constant(np.ones((3, 3, 2, 3)))
    with pytest.raises(ValueError, match="conv2d_transpose: an output of spatial size"):
        K.conv2d_transpose(x, w, (None, 9, 9, 2), (2, 2), "valid")
    assert K.int_shape(K.conv2d_transpose(x, w, (None, 9, 11, 2), (2, 2), "valid")) == (None, 9, 11, 2)


def test_local_conv1d_and_2d():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 7, 3))
    kernel = rng.standard_normal((3, 2 * 3, 4))          # output length 3 for window 2 stride 2
    expected = np.stack([x[:, 2 * i:2 * i + 2, :].reshape(2, -1) @ kernel[i] for i in range(3)], axis=1)
    np.testing.assert_allclose(run(lambda a, b: K.local_conv1d(a, b, (2,), (2,)), x, kernel), expected,
                               rtol=1e-10)
    x2 = rng.standard_normal((2, 3, 3, 5))                 # channels first: 3 channels, 3 x 5
    kernel2 = rng.standard_normal((2 * 2, 3 * 2 * 2, 5))   # (out rows*cols, C*kh*kw, filters)
    out = np.zeros((2, 5, 2, 2))
    for i, j in itertools.product(range(2), range(2)):
        patch = x2[:, :, i:i + 2, 2 * j:2 * j + 2].reshape(2, -1)
        out[:, :, i, j] = patch @ kernel2[i * 2 + j]
    got = run(lambda a, b: K.local_conv2d(a, b, (2, 2), (1, 2), (2, 2), "channels_first"), x2, kernel2)
    np.testing.assert_allclose(got, out, rtol=1e-10)


# ------------------------------------------------------------------ gradients
def check_gradients(fn, arrays, seed=0, eps=1e-6, unknown_axes=()):
    """K.gradients of sum(fn(*inputs) * r) against central differences, in float64;
    `unknown_axes` of the first input (and of the output) are left None in the graph."""
    rng = np.random.default_rng(seed)
    shapes = [a.shape for a in arrays]
    shapes[0] = tuple(None if i in unknown_axes else d for i, d in enumerate(shapes[0]))
    inputs = [K.placeholder(shape=s, dtype="float64") for s in shapes]
    out = fn(*inputs)
    out_shape = K.function(inputs, [out])(arrays)[0].shape
    r = K.placeholder(shape=tuple(None if d is None else out_shape[i] for i, d in enumerate(K.int_shape(out))),
                      dtype="float64")
    loss = K.sum(out * r)
    f = K.function(inputs + [r], [loss] + K.gradients(loss, inputs))
    rv = rng.standard_normal(out_shape)
    analytic = f(arrays + [rv])[1:]
    for k, a in enumerate(arrays):
        numeric = np.zeros_like(a)
        for i in range(a.size):
            probe = [b.copy() for b in arrays]
            probe[k].reshape(-1)[i] += eps
            up = f(probe + [rv])[0]
            probe[k].reshape(-1)[i] -= 2 * eps
            down = f(probe + [rv])[0]
            numeric.reshape(-1)[i] = (up - down) / (2 * eps)
        np.testing.assert_allclose(analytic[k], numeric, rtol=1e-6, atol=1e-6 * max(1.0, np.abs(numeric).max()),
                                   err_msg=f"gradient w.r.t. input {k}")


CONV_GRADIENTS = [
    pytest.param(lambda x, w: K.conv2d(x, w), [(2, 5, 4, 3), (3, 2, 3, 2)], id="conv2d_valid"),
    pytest.param(lambda x, w: K.conv2d(x, w, (2, 1), "same"), [(2, 5, 4, 3), (3, 2, 3, 2)], id="conv2d_same_strided"),
    pytest.param(lambda x, w: K.conv2d(x, w, padding="same", dilation_rate=(2, 1)), [(1, 5, 4, 2), (2, 3, 2, 3)],
                 id="conv2d_dilated"),
    pytest.param(lambda x, w: K.conv2d(x, w, data_format="channels_first"), [(2, 3, 4, 5), (1, 1, 3, 2)],
                 id="conv2d_1x1_channels_first"),
    pytest.param(lambda x, w: K.conv1d(x, w, padding="causal", dilation_rate=2), [(2, 6, 2), (2, 2, 3)],
                 id="conv1d_causal"),
    pytest.param(lambda x, w: K.conv3d(x, w, (1, 2, 1), "same"), [(1, 3, 4, 2, 2), (2, 2, 1, 2, 3)], id="conv3d"),
    pytest.param(lambda x, w: K.conv2d_transpose(x, w, (2, 7, 4, 2), (2, 1), "valid"), [(2, 3, 3, 3), (3, 2, 2, 3)],
                 id="conv2d_transpose"),
    pytest.param(lambda x, w: K.depthwise_conv2d(x, w, padding="same"), [(2, 4, 3, 2), (2, 3, 2, 2)],
                 id="depthwise_conv2d"),
    pytest.param(lambda x, w, p: K.separable_conv2d(x, w, p, (1, 2)), [(1, 4, 5, 2), (2, 2, 2, 1), (1, 1, 2, 3)],
                 id="separable_conv2d"),
]


@pytest.mark.parametrize("fn, shapes", CONV_GRADIENTS)
def test_conv_gradients(fn, shapes):
    rng = np.random.default_rng(9)
    check_gradients(fn, [rng.standard_normal(s) for s in shapes])


UNKNOWN_AXIS_CONVS = [
    pytest.param(1, lambda x, w: K.conv1d(x, w, padding="causal", dilation_rate=2), [(2, 6, 2), (2, 2, 3)], (1,),
                 id="conv1d_causal_unknown_time"),
    pytest.param(2, lambda x, w: K.conv2d(x, w, (2, 1), "same"), [(2, 5, 4, 3), (3, 2, 3, 2)], (2,),
                 id="conv2d_same_unknown_width"),
    pytest.param(3, lambda x, w: K.conv3d(x, w, padding="same", dilation_rate=(2, 1, 1)),
                 [(1, 5, 3, 2, 2), (2, 3, 2, 2, 3)], (1, 3), id="conv3d_same_unknown_time_and_width"),
]


@pytest.mark.parametrize("rank, fn, shapes, unknown", UNKNOWN_AXIS_CONVS)
def test_conv_over_axes_of_unknown_size(rank, fn, shapes, unknown):
    """A spatial axis left None (a time axis) is convolved as a sum of shifted taps; values
    against the tap-by-tap reference, gradients against finite differences, and one
    compiled function runs for several sizes of that axis."""
    rng = np.random.default_rng(11)
    w = rng.standard_normal(shapes[1])
    x_shape = tuple(None if i in unknown else d for i, d in enumerate(shapes[0]))
    x = K.placeholder(shape=x_shape, dtype="float64")
    kernel = K.placeholder(shape=w.shape, dtype="float64")
    out = fn(x, kernel)
    assert all(K.int_shape(out)[i] is None for i in unknown)
    f = K.function([x, kernel], [out])
    for grow in (0, 2):
        xv = rng.standard_normal(tuple(d + grow if i in unknown else d for i, d in enumerate(shapes[0])))
        known = run(fn, xv, w)
        np.testing.assert_allclose(f([xv, w])[0], known, rtol=1e-10, atol=1e-10)
    strides = {1: (1,), 2: (2, 1), 3: (1, 1, 1)}[rank]
    dilation = {1: (2,), 2: (1, 1), 3: (2, 1, 1)}[rank]
    mode = "causal" if rank == 1 else "same"
    pads = tf_pads(mode, xv.shape[1:-1], w.shape[:rank], strides, dilation)
    np.testing.assert_allclose(f([xv, w])[0], ref_conv(xv, w, strides, dilation, pads), rtol=1e-10, atol=1e-10)
    check_gradients(fn, [rng.standard_normal(s) for s in shapes], unknown_axes=unknown)


@pytest.mark.parametrize("padding, strides", [("valid", 1), ("same", 2), ("valid", 3)])
def test_conv_over_an_unknown_axis_with_any_padding_and_stride(padding, strides):
    rng = np.random.default_rng(5)
    x = K.placeholder((None, None, 3), dtype="float64")
    wv = rng.standard_normal((3, 3, 2))
    f = K.function([x], [K.conv1d(x, K.constant(wv, dtype="float64"), strides=strides, padding=padding)])
    for length in (5, 8):
        xv = rng.standard_normal((2, length, 3))
        pads = tf_pads(padding, (length,), (3,), (strides,), (1,))
        np.testing.assert_allclose(f([xv])[0], ref_conv(xv, wv, (strides,), (1,), pads), rtol=1e-10, atol=1e-10)


def spread(rng, shape):
    """Distinct values at least 0.05 apart (no ties in a max)."""
    n = int(np.prod(shape))
    return ((rng.permutation(n) * 0.05 + rng.uniform(0, 0.01, n)) - n * 0.025).reshape(shape)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("padding, window, strides", [("valid", (2, 3), (2, 1)), ("same", (3, 2), (2, 2)),
                                                      ("same", (2, 2), (1, 1))])
def test_pool_gradients(mode, padding, window, strides):
    rng = np.random.default_rng(10)
    check_gradients(lambda x: K.pool2d(x, window, strides, padding, pool_mode=mode), [spread(rng, (2, 5, 4, 3))])


def test_pool3d_gradient():
    rng = np.random.default_rng(11)
    check_gradients(lambda x: K.pool3d(x, (2, 2, 1), (1, 2, 1), "same", pool_mode="max"),
                    [spread(rng, (1, 3, 4, 2, 2))])


def test_max_pool_gradient_goes_to_the_first_maximum():
    x = K.placeholder((1, 2, 4, 1))
    y = K.pool2d(x, (2, 2), (2, 2))
    (g,) = K.gradients(K.sum(y * K.constant(np.array([1.0, 10.0]).reshape(1, 1, 2, 1))), [x])
    got = K.function([x], [g])([np.ones((1, 2, 4, 1), np.float32)])[0]
    np.testing.assert_array_equal(got[0, :, :, 0], [[1, 0, 10, 0], [0, 0, 0, 0]])


def test_avg_pool_grad_has_its_own_gradient():
    """avg_pool_grad is linear in g; its gradient is avg_pool (second derivatives of an
    avg-pooled loss go through it)."""
    g = K.placeholder((1, 2, 2, 1), dtype="float64")
    dx = K.placeholder((1, 3, 4, 1), dtype="float64")
    back = apply("avg_pool_grad", [g.node], spatial=(3, 4), window=(2, 3), strides=(1, 1), pads=((0, 0), (0, 0)))
    from keralite.backend import Tensor
    loss = K.sum(Tensor(back) * dx)
    (gg,) = K.gradients(loss, [g])
    rng = np.random.default_rng(12)
    dv = rng.standard_normal((1, 3, 4, 1))
    got = K.function([g, dx], [gg])([np.zeros((1, 2, 2, 1)), dv])[0]
    np.testing.assert_allclose(got, ref_pool(dv, (2, 3), (1, 1), [(0, 0), (0, 0)], "avg"), rtol=1e-12)


# ------------------------------------------------------------------ shape errors and the graph
def test_shape_errors_name_the_op_and_shapes():
    x = K.placeholder((None, 5, 4, 3))
    channels = r"conv: kernel input channels differ from the input's \(\[n\d+,5,4,3\] and \[3,3,2,8\]\)"
    with pytest.raises(ShapeError, match=channels):
        K.conv2d(x, K.placeholder((3, 3, 2, 8)))
    with pytest.raises(ShapeError, match=r"conv: a window of extent \(7, 1\) does not fit"):
        K.conv2d(x, K.placeholder((4, 1, 3, 8)), dilation_rate=(2, 1))
    with pytest.raises(ShapeError, match="conv: needs a float input and kernel of one dtype"):
        K.conv2d(x, K.placeholder((1, 1, 3, 2), dtype="float64"))
    with pytest.raises(ShapeError, match=r"max_pool: a window of extent \(6, 2\)"):
        K.pool2d(x, (6, 2))
    with pytest.raises(ValueError, match="Invalid padding: full"):
        K.conv2d(x, K.placeholder((1, 1, 3, 2)), padding="full")
    with pytest.raises(ValueError, match="Unknown data_format: nhwc"):
        K.pool2d(x, (2, 2), data_format="nhwc")
    with pytest.raises(ValueError, match="Invalid pooling mode: min"):
        K.pool2d(x, (2, 2), pool_mode="min")
    with pytest.raises(ValueError, match="conv2d: expected an input of rank 4"):
        K.conv2d(K.placeholder((None, 5, 3)), K.placeholder((1, 1, 3, 2)))


def test_conv_expands_into_patches_and_one_gemm(monkeypatch):
    from keralite.compiler.ir.graph import Graph
    from keralite.compiler.passes.composites import expand_composites
    monkeypatch.setenv("KERALITE_CONV", "gemm")     # the im2col path (else: the direct kernel)
    x = K.placeholder((None, 6, 5, 2))
    y = K.conv2d(x, K.placeholder((3, 2, 2, 4)), padding="same")
    assert y.node.op.name == "conv"
    ops = [n.op.name for n in expand_composites(Graph([x.node], [y.node])).nodes()]
    assert ops.count("matmul") == 1 and ops.count("patches") == 1 and ops.count("pad") == 1
    one = K.conv2d(x, K.placeholder((1, 1, 2, 4)))          # a 1x1 conv is the GEMM alone
    ops = [n.op.name for n in expand_composites(Graph([x.node], [one.node])).nodes()]
    assert "patches" not in ops and ops.count("matmul") == 1
