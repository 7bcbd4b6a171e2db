"""The convolution kernels of codegen/conv_kernel.py and codegen/conv_filter_grad.py
(ops `conv_direct`, `conv_filter_grad`, dx as a convolution) and the epilogue pass
passes/conv_epilogue.py, against numpy references written here: the convolution summed
tap by tap (tests/compiler/test_conv_ops.py's `ref_conv`), and its two adjoints, also tap
by tap. Shapes, strides, dilations, padding, channel counts (1 to 70) and batch come from
hypothesis; both float dtypes. KERALITE_CONV=direct forces the kernels on where the
automatic choice would keep the GEMM path.
"""
import contextlib
import itertools
import os

import numpy as np
import pytest
from hypothesis import assume, given, settings, HealthCheck
from hypothesis import strategies as st

from keralite import backend as K
from keralite.compiler.ir.graph import Graph
from keralite.compiler.ops.registry import ShapeError, apply
from keralite.compiler.passes.composites import expand_composites
from keralite.compiler.passes.conv_epilogue import fuse_conv_epilogues
from keralite.compiler.codegen.conv_kernel import ConvGeometry, column_blocks, pixels_per_tile

from test_conv_ops import ref_conv, tf_pads    # the reference convolution and TF padding

SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextlib.contextmanager
def conv_path(path):
    saved = os.environ.get("KERALITE_CONV")
    os.environ["KERALITE_CONV"] = path
    try:
        yield
    finally:
        if saved is None:
            del os.environ["KERALITE_CONV"]
        else:
            os.environ["KERALITE_CONV"] = saved


# ------------------------------------------------------------------ numpy adjoints
def _taps(x_shape, w_shape, strides, dilation, pads):
    """(padded input sizes, output counts, per tap: its index slices into the padded input)."""
    rank = len(x_shape) - 2
    sizes = [x_shape[1 + i] + sum(pads[i]) for i in range(rank)]
    counts = [(sizes[i] - (w_shape[i] - 1) * dilation[i] - 1) // strides[i] + 1 for i in range(rank)]
    for tap in itertools.product(*[range(k) for k in w_shape[:rank]]):
        index = tuple(slice(t * d, t * d + (o - 1) * s + 1, s) for t, d, o, s in zip(tap, dilation, counts, strides))
        yield tap, (slice(None),) + index + (slice(None),)


def ref_filter_grad(x, g, w_shape, strides, dilation, pads):
    """dW[tap] = windows(tap)^T dy, summed over batch and positions."""
    padded = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    dw = np.zeros(w_shape)
    for tap, index in _taps(x.shape, w_shape, strides, dilation, pads):
        window = padded[index]
        dw[tap] = window.reshape(-1, x.shape[-1]).T @ g.reshape(-1, w_shape[-1])
    return dw


def ref_data_grad(g, w, x_shape, strides, dilation, pads):
    """dx: each tap's dy W[tap]^T added back where the tap read, padding cut off."""
    rank = len(x_shape) - 2
    padded = np.zeros((x_shape[0],) + tuple(x_shape[1 + i] + sum(pads[i]) for i in range(rank)) + (x_shape[-1],))
    for tap, index in _taps(x_shape, w.shape, strides, dilation, pads):
        padded[index] += g @ w[tap].T
    inner = tuple(slice(lo, lo + x_shape[1 + i]) for i, (lo, _) in enumerate(pads))
    return padded[(slice(None),) + inner + (slice(None),)]


# ------------------------------------------------------------------ cases
@st.composite
def conv_cases(draw, max_channels=70):
    rank = draw(st.integers(1, 2))
    window = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    padding = draw(st.sampled_from(["valid", "same"] + (["causal"] if rank == 1 else [])))
    sizes = tuple(draw(st.integers((k - 1) * d + 1, (k - 1) * d + 17)) for k, d in zip(window, dilation))
    batch = draw(st.sampled_from([1, 2, 3]))
    channels, filters = draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    dtype = draw(st.sampled_from(["float32", "float64"]))
    return rank, (batch,) + sizes + (channels,), window + (channels, filters), strides, dilation, padding, dtype


def _conv(rank, strides, padding, dilation):
    if rank == 1:
        return lambda a, b: K.conv1d(a, b, strides[0], padding, "channels_last", dilation[0])
    return lambda a, b: K.conv2d(a, b, strides, padding, "channels_last", dilation)


def _tolerance(dtype, scale):
    return dict(rtol=1e-4, atol=1e-4 * scale) if dtype == "float32" else dict(rtol=1e-10, atol=1e-10 * scale)


def _ops_after_expansion(outputs, inputs):
    graph = expand_composites(Graph([i.node for i in inputs], [o.node for o in outputs]))
    return [n.op.name for n in graph.nodes()]


@SETTINGS
@given(case=conv_cases(), seed=st.integers(0, 2 ** 16))
def test_direct_conv_matches_tap_by_tap_reference(case, seed):
    rank, x_shape, w_shape, strides, dilation, padding, dtype = case
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    with conv_path("direct"):
        xp, wp = K.placeholder(shape=x_shape, dtype=dtype), K.placeholder(shape=w_shape, dtype=dtype)
        y = _conv(rank, strides, padding, dilation)(xp, wp)
        assert "conv_direct" in _ops_after_expansion([y], [xp, wp])
        got = K.function([xp, wp], [y])([x, w])[0]
    pads = tf_pads(padding, x_shape[1:-1], w_shape[:rank], strides, dilation)
    expected = ref_conv(x.astype(np.float64), w.astype(np.float64), strides, dilation, pads)
    assert got.dtype == np.dtype(dtype) and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, **_tolerance(dtype, np.sqrt(np.prod(w_shape[:-1]))))


@SETTINGS
@given(case=conv_cases(max_channels=40), seed=st.integers(0, 2 ** 16))
def test_gradient_kernels_match_numpy_adjoints(case, seed):
    rank, x_shape, w_shape, strides, dilation, padding, dtype = case
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    pads = tf_pads(padding, x_shape[1:-1], w_shape[:rank], strides, dilation)
    projection = rng.standard_normal(ref_conv(x, w, strides, dilation, pads).shape).astype(dtype)
    with conv_path("direct"):
        xp, wp = K.placeholder(shape=x_shape, dtype=dtype), K.placeholder(shape=w_shape, dtype=dtype)
        y = _conv(rank, strides, padding, dilation)(xp, wp)
        gx, gw = K.gradients(K.sum(y * K.constant(projection, dtype=dtype)), [xp, wp])
        ops = _ops_after_expansion([gx, gw], [xp, wp])
        assert "conv_filter_grad" in ops
        if all(s == 1 for s in strides):
            assert "scatter_patches" not in ops        # dx is a convolution of dy
        got_x, got_w = K.function([xp, wp], [gx, gw])([x, w])
    x64, w64, p64 = x.astype(np.float64), w.astype(np.float64), projection.astype(np.float64)
    scale = np.sqrt(np.prod(projection.shape[1:]))
    np.testing.assert_allclose(got_w, ref_filter_grad(x64, p64, w_shape, strides, dilation, pads),
                               **_tolerance(dtype, scale * np.sqrt(x_shape[0])))
    np.testing.assert_allclose(got_x, ref_data_grad(p64, w64, x_shape, strides, dilation, pads),
                               **_tolerance(dtype, scale))


def _relu_conv_graph(x_shape, w_shape, dtype="float64"):
    xp, wp = K.placeholder(shape=x_shape, dtype=dtype), K.placeholder(shape=w_shape, dtype=dtype)
    bp = K.placeholder(shape=(w_shape[-1],), dtype=dtype)
    return xp, wp, bp, K.relu(K.bias_add(K.conv2d(xp, wp, padding="same"), bp))


def test_bias_and_relu_fuse_into_the_kernel_and_match_numpy():
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((2, 9, 7, 5)), rng.standard_normal((3, 2, 5, 19)), rng.standard_normal(19)
    with conv_path("direct"):
        xp, wp, bp, y = _relu_conv_graph(x.shape, w.shape)
        graph = fuse_conv_epilogues(expand_composites(Graph([xp.node, wp.node, bp.node], [y.node])))
        (fused,) = [n for n in graph.nodes() if n.op.name == "conv_direct"]
        assert fused.attr("activation") == "relu" and len(fused.inputs) == 3
        assert not any(n.op.name in ("add", "select", "le") for n in graph.nodes())
        got = K.function([xp, wp, bp], [y])([x, w, b])[0]
    pads = tf_pads("same", x.shape[1:-1], w.shape[:2], (1, 1), (1, 1))
    np.testing.assert_allclose(got, np.maximum(ref_conv(x, w, (1, 1), (1, 1), pads) + b, 0), rtol=1e-12, atol=1e-12)


def test_fused_relu_keeps_its_gradient_by_finite_differences():
    rng = np.random.default_rng(8)
    x, w, b = rng.standard_normal((2, 6, 5, 3)), rng.standard_normal((3, 3, 3, 17)), rng.standard_normal(17) * 0.5
    projection = rng.standard_normal((2, 6, 5, 17))
    with conv_path("direct"):
        xp, wp, bp, y = _relu_conv_graph(x.shape, w.shape)
        loss = K.sum(y * K.constant(projection, dtype="float64"))
        grads = K.function([xp, wp, bp], K.gradients(loss, [xp, wp, bp]))([x, w, b])
        value = K.function([xp, wp, bp], [loss])
    direction = [rng.standard_normal(a.shape) for a in (x, w, b)]
    eps = 1e-6
    plus = value([a + eps * d for a, d in zip((x, w, b), direction)])[0]
    minus = value([a - eps * d for a, d in zip((x, w, b), direction)])[0]
    numeric = (plus - minus) / (2 * eps)
    analytic = sum(float(np.sum(g * d)) for g, d in zip(grads, direction))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5)


def test_batch_one_large_conv_splits_rows_and_matches():
    # enough work that the entry hands the rows of a single image to the thread pool
    rng = np.random.default_rng(9)
    x, w = rng.standard_normal((1, 26, 26, 32)).astype("float32"), rng.standard_normal((3, 3, 32, 64)).astype("float32")
    xp = K.placeholder(shape=(None, 26, 26, 32))
    got = K.function([xp], [K.conv2d(xp, K.constant(w))])([x])[0]
    np.testing.assert_allclose(got, ref_conv(x.astype(np.float64), w, (1, 1), (1, 1), [(0, 0), (0, 0)]),
                               rtol=1e-4, atol=1e-3)


def test_automatic_choice_keeps_the_gemm_for_few_output_channels():
    xp = K.placeholder(shape=(None, 9, 8, 4))
    with conv_path("auto"):
        wide = K.conv2d(xp, K.placeholder(shape=(3, 3, 4, 16)))
        narrow = K.conv2d(xp, K.placeholder(shape=(3, 3, 4, 3)))
        assert "conv_direct" in _ops_after_expansion([wide], [xp])
        assert "conv_direct" not in _ops_after_expansion([narrow], [xp])
    with conv_path("gemm"):
        assert "conv_direct" not in _ops_after_expansion([K.conv2d(xp, K.placeholder(shape=(3, 3, 4, 16)))], [xp])


def test_bad_settings_and_shapes_raise_clear_errors():
    x, w = K.placeholder(shape=(2, 5, 5, 3)).node, K.placeholder(shape=(3, 3, 3, 4)).node
    with pytest.raises(ShapeError, match="conv_direct: fuses only the activations"):
        apply("conv_direct", [x, w], strides=(1, 1), dilation=(1, 1), pads=((0, 0), (0, 0)), activation="tanh")
    with pytest.raises(ShapeError, match="conv_direct: needs a bias of one value per output channel"):
        apply("conv_direct", [x, w, K.placeholder(shape=(3,)).node], strides=(1, 1), dilation=(1, 1),
              pads=((0, 0), (0, 0)), activation="linear")
    with pytest.raises(ShapeError, match="conv_filter_grad: the output gradient does not match"):
        apply("conv_filter_grad", [x, K.placeholder(shape=(2, 4, 3, 4)).node], window=(3, 3), strides=(1, 1),
              dilation=(1, 1), pads=((0, 0), (0, 0)))
    with conv_path("fast"), pytest.raises(ValueError, match="KERALITE_CONV must be auto, direct or gemm"):
        _ops_after_expansion([K.conv2d(K.placeholder(shape=(2, 5, 5, 3)), K.placeholder(shape=(3, 3, 3, 16)))], [])


def test_tile_geometry():
    # a row of 24 pixels with 4 channel vectors: tiles of 6 (24 accumulators + 4 + 1)
    assert pixels_per_tile(4) == 6 and pixels_per_tile(1) == 14
    assert column_blocks(0, 26, 14) == (13, 2, 0)       # two equal blocks, not 14 + 12
    assert column_blocks(1, 24, 6) == (6, 3, 5)
    g = ConvGeometry((7, 9), 3, (3, 3), 8, (1, 2), (1, 1), ((1, 1), (1, 1)))
    assert (g.OH, g.OW) == (7, 5) and g.interior_columns() == (1, 4) and g.valid_taps(0) == [1, 2]


def test_relu_mask_moves_onto_the_pooled_gradient_by_finite_differences():
    rng = np.random.default_rng(10)
    x, w, b = rng.standard_normal((2, 8, 6, 3)), rng.standard_normal((3, 3, 3, 16)), rng.standard_normal(16) * 0.5
    projection = rng.standard_normal((2, 4, 3, 16))
    with conv_path("direct"):
        xp, wp, bp, y = _relu_conv_graph(x.shape, w.shape)
        loss = K.sum(K.pool2d(y, (2, 2), (2, 2)) * K.constant(projection, dtype="float64"))
        grads = K.gradients(loss, [xp, wp, bp])
        graph = fuse_conv_epilogues(expand_composites(Graph([xp.node, wp.node, bp.node], [g.node for g in grads])))
        masks = [n for n in graph.nodes() if n.op.name == "le"]
        assert masks and all(m.inputs[0].op.name == "max_pool" for m in masks)
        got = K.function([xp, wp, bp], grads)([x, w, b])
        value = K.function([xp, wp, bp], [loss])
    direction = [rng.standard_normal(a.shape) for a in (x, w, b)]
    eps = 1e-6
    plus = value([a + eps * d for a, d in zip((x, w, b), direction)])[0]
    minus = value([a - eps * d for a, d in zip((x, w, b), direction)])[0]
    analytic = sum(float(np.sum(g * d)) for g, d in zip(got, direction))
    np.testing.assert_allclose(analytic, (plus - minus) / (2 * eps), rtol=1e-5)


@st.composite
def winograd_cases(draw):
    sizes = (draw(st.integers(3, 14)), draw(st.integers(3, 14)))
    channels, filters = draw(st.integers(16, 40)), draw(st.integers(16, 70))
    return ((draw(st.sampled_from([1, 2])),) + sizes + (channels,), (3, 3, channels, filters),
            draw(st.sampled_from(["valid", "same"])), draw(st.sampled_from(["float32", "float64"])))


@SETTINGS
@given(case=winograd_cases(), seed=st.integers(0, 2 ** 16))
def test_winograd_conv_matches_reference_with_its_epilogue(case, seed):
    x_shape, w_shape, padding, dtype = case
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[-1]).astype(dtype)
    with conv_path("auto"):
        xp, wp = K.placeholder(shape=x_shape, dtype=dtype), K.placeholder(shape=w_shape, dtype=dtype)
        bp = K.placeholder(shape=b.shape, dtype=dtype)
        plain = K.conv2d(xp, wp, padding=padding)
        fused = K.relu(K.bias_add(plain, bp))
        graph = fuse_conv_epilogues(expand_composites(Graph([xp.node, wp.node, bp.node], [fused.node])))
        assert [n.attr("activation") for n in graph.nodes() if n.op.name == "conv_winograd"] == ["relu"]
        got_plain, got_fused = K.function([xp, wp, bp], [plain, fused])([x, w, b])
    pads = tf_pads(padding, x_shape[1:-1], (3, 3), (1, 1), (1, 1))
    expected = ref_conv(x.astype(np.float64), w.astype(np.float64), (1, 1), (1, 1), pads)
    tolerance = _tolerance(dtype, np.sqrt(9 * x_shape[-1]))
    np.testing.assert_allclose(got_plain, expected, **tolerance)
    np.testing.assert_allclose(got_fused, np.maximum(expected + b, 0), **tolerance)


@SETTINGS
@given(case=winograd_cases(), seed=st.integers(0, 2 ** 16), nan=st.booleans())
def test_winograd_conv_with_a_fused_max_pool_matches_the_unfused_graph(case, seed, nan):
    x_shape, w_shape, padding, dtype = case
    assume(padding == "same" or min(x_shape[1:3]) >= 4)       # a window to pool
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[-1]).astype(dtype)
    if nan:
        x[0, x_shape[1] // 2, x_shape[2] // 2, 0] = np.nan     # a nan in a window shows in its maximum
    with conv_path("auto"):
        xp, wp = K.placeholder(shape=x_shape, dtype=dtype), K.placeholder(shape=w_shape, dtype=dtype)
        bp = K.placeholder(shape=b.shape, dtype=dtype)
        conv = K.relu(K.bias_add(K.conv2d(xp, wp, padding=padding), bp))
        pooled = K.pool2d(conv, (2, 2), strides=(2, 2))
        graph = fuse_conv_epilogues(expand_composites(Graph([xp.node, wp.node, bp.node], [pooled.node])))
        assert [n.attr("pool") for n in graph.nodes() if n.op.name == "conv_winograd"] == [True]
        assert "max_pool" not in [n.op.name for n in graph.nodes()]
        got_conv, got = K.function([xp, wp, bp], [conv, pooled])([x, w, b])  # the conv read: not fused
        got_fused = K.function([xp, wp, bp], [pooled])([x, w, b])[0]
    np.testing.assert_array_equal(got_fused, got)
    pads = tf_pads(padding, x_shape[1:-1], (3, 3), (1, 1), (1, 1))
    expected = np.maximum(ref_conv(x.astype(np.float64), w.astype(np.float64), (1, 1), (1, 1), pads) + b, 0)
    n, oh, ow, o = expected.shape
    windows = expected[:, :oh // 2 * 2, :ow // 2 * 2].reshape(n, oh // 2, 2, ow // 2, 2, o)
    np.testing.assert_allclose(got_fused, windows.max(axis=(2, 4)), **_tolerance(dtype, np.sqrt(9 * x_shape[-1])))


def test_winograd_data_gradient_matches_numpy_adjoint():
    rng = np.random.default_rng(11)
    x, w = rng.standard_normal((2, 7, 10, 24)), rng.standard_normal((3, 3, 24, 20))
    projection = rng.standard_normal((2, 7, 10, 20))
    with conv_path("auto"):
        xp, wp = K.placeholder(shape=x.shape, dtype="float64"), K.placeholder(shape=w.shape, dtype="float64")
        gx = K.gradients(K.sum(K.conv2d(xp, wp, padding="same") * K.constant(projection, dtype="float64")), [xp])[0]
        assert "conv_winograd" in _ops_after_expansion([gx], [xp, wp])
        got = K.function([xp, wp], [gx])([x, w])[0]
    pads = tf_pads("same", x.shape[1:-1], (3, 3), (1, 1), (1, 1))
    np.testing.assert_allclose(got, ref_data_grad(projection, w, x.shape, (1, 1), (1, 1), pads), rtol=1e-10,
                               atol=1e-10)
