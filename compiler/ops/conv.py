"""Convolution over 1 to 3 spatial axes, channels last: (batch, *spatial, channels).

- `patches` (a view): every window of an input, (N, *S, C) -> (N, *O, *K, C). It fuses
  into the loop that materializes it (im2col), which codegen splits over the batch.
- `scatter_patches` (opaque): the transpose of `patches` (col2im), adding every window
  back where it came from; the gradient of `patches`.
- `conv` (composite): expands, for 1-D and 2-D convolutions of at least
  MIN_DIRECT_CHANNELS output channels, into a kernel of its own: `conv_winograd`
  (Winograd F(2x2, 3x3), codegen/winograd.py) for 3x3 stride-1 windows over 16 to 256
  input channels, else `conv_direct` (register-blocked direct convolution,
  codegen/conv_kernel.py). Elsewhere (3-D, few output channels, KERALITE_CONV=gemm):
  zero padding, `patches`, then one GEMM of the (rows, K*C) window matrix with the kernel
  seen as a (K*C, O) matrix. Its gradient: dW by `conv_filter_grad`
  (codegen/conv_filter_grad.py) for 1-D and 2-D, else windows^T dy; dx of a stride-1
  convolution is itself a convolution (of dy by the flipped kernel), else
  scatter_patches(dy W^T) without the padding. passes/conv_epilogue.py then fuses a bias
  add and relu into the kernels' stores.
Pooling (ops/pool.py) shares the window arithmetic here. Padding is explicit everywhere ((before, after) per spatial axis); `same_padding` gives
TF's split, with the odd element after.
"""
import itertools
import os

import numpy as np
from llvmlite import ir

from ..codegen.conv_kernel import ConvGeometry, accumulator_count, emit_direct_conv, vector_type
from ..codegen.conv_filter_grad import emit_filter_grad, tile_count
from ..codegen import winograd
from ..codegen.loops import emit_fill
from ..codegen.scalar import const
from ..ir.shapes import (Sym, dim_at_least, dim_ceildiv, dim_floordiv, dim_max, dim_sum, dims_match, numel)
from .registry import OPS, Op, register, apply
from .shape import View, reshape, shift
from .linalg import matmul
from .source import array_constant

I64 = ir.IntType(64)
ZERO = ir.Constant(I64, 0)


# ---------------------------------------------------------------- window arithmetic
def dilated(window, dilation):
    """The extent of a window with `dilation - 1` holes between its taps."""
    return (window - 1) * dilation + 1


def window_count(size, window, stride, dilation, pad):
    """How many windows fit along one axis of `size` padded by pad = (before, after).
    For a size known only at run time (or a pad computed from it) the count is a
    derived size, checked to be at least 1 when the graph runs. Its message names no
    op: a pooling and its gradient must get the same derived size."""
    extent = dilated(window, dilation)
    if not any(isinstance(v, Sym) for v in (size,) + tuple(pad)):
        return (size + pad[0] + pad[1] - extent) // stride + 1
    padded = dim_sum(-extent, [(1, size), (1, pad[0]), (1, pad[1])])
    count = dim_sum(1, [(1, dim_floordiv(padded, stride))])
    if count == size:
        return size     # stride 1, padding of the window's extent minus one: the size itself
    return dim_at_least(count, 1, f"a convolution or pooling window of extent {extent} does not fit an axis "
                                  f"of run-time size padded by {_pad_text(pad)}: that axis needs at least "
                                  f"{extent - _int_or_0(pad[0]) - _int_or_0(pad[1])} elements")


def _pad_text(pad):
    return "(" + ", ".join("computed" if isinstance(p, Sym) else str(p) for p in pad) + ")"


def _int_or_0(p):
    return 0 if isinstance(p, Sym) else p


def same_padding(size, window, stride, dilation=1):
    """TF's 'same' padding: ceil(size / stride) outputs, the odd pad element after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + dilated(window, dilation) - size, 0)
    return (total // 2, total - total // 2)


def padding_pairs(mode, sizes, window, strides, dilation):
    """Explicit (before, after) pairs for 'valid', 'same' or 'causal' (1-D: all before).
    Over an axis of unknown size, 'same' padding with a stride above 1 depends on that
    size: its pads are then derived sizes, computed when the graph runs."""
    if mode == "valid":
        return tuple((0, 0) for _ in sizes)
    if mode == "same":
        pairs = []
        for s, k, st, d in zip(sizes, window, strides, dilation):
            if isinstance(s, Sym) and st == 1:
                total = dilated(k, d) - 1
                pairs.append((total // 2, total - total // 2))
            elif isinstance(s, Sym):
                pairs.append(_same_padding_of_unknown(s, k, st, d))
            else:
                pairs.append(same_padding(s, k, st, d))
        return tuple(pairs)
    if mode == "causal":
        return tuple((dilated(k, d) - 1, 0) for k, d in zip(window, dilation))
    raise ValueError("Invalid padding: " + str(mode))


def _same_padding_of_unknown(size, window, stride, dilation):
    """`same_padding` of a run-time size, as derived sizes."""
    out = dim_ceildiv(size, stride)
    total = dim_max(dim_sum(dilated(window, dilation) - stride, [(stride, out), (-1, size)]), 0)
    before = dim_floordiv(total, 2)
    return before, dim_sum(0, [(1, total), (-1, before)])


def _int_tuple(op, attrs, name, rank):
    value = tuple(attrs[name])
    if len(value) != rank or any(not isinstance(v, int) for v in value):
        op.error(f"needs {rank} integer {name}, got {value}")
    return value


def _spatial(op, x, rank, role="input"):
    """The spatial dims of a channels-last tensor of `rank` spatial axes (ints, or
    symbols for sizes known only at run time)."""
    if x.ndim != rank + 2:
        op.error(f"needs a {role} of rank {rank + 2} (batch, {rank} spatial axes, channels), got", x.shape)
    return tuple(x.shape[1:-1])


def _window_geometry(op, x, attrs, rank):
    """(spatial sizes, window, strides, dilation, pads, output counts), checked."""
    window = _int_tuple(op, attrs, "window", rank)
    strides = _int_tuple(op, attrs, "strides", rank)
    dilation = _int_tuple(op, attrs, "dilation", rank) if "dilation" in attrs else (1,) * rank
    pads = tuple(tuple(p) for p in attrs.get("pads", ((0, 0),) * rank))
    if len(pads) != rank or any(len(p) != 2 or min(_int_or_0(v) for v in p) < 0 for p in pads):
        op.error(f"needs {rank} (before, after) padding pairs of sizes >= 0, got {pads}")
    if min(window + strides + dilation) < 1:
        op.error(f"window {window}, strides {strides} and dilation {dilation} must be >= 1")
    sizes = _spatial(op, x, rank)
    counts = tuple(window_count(s, k, st, d, p) for s, k, st, d, p in zip(sizes, window, strides, dilation, pads))
    if any(not isinstance(c, Sym) and c < 1 for c in counts):
        extent = tuple(dilated(k, d) for k, d in zip(window, dilation))
        op.error(f"a window of extent {extent} does not fit the input padded by {pads}", x.shape)
    return sizes, window, strides, dilation, pads, counts


# ---------------------------------------------------------------- patches (im2col)
@register
class Patches(View):
    """(N, *S, C) -> (N, *O, *K, C): out[n, o, k, c] = x[n, o * stride + k * dilation, c]."""
    name = "patches"

    def infer(self, inputs, attrs):
        (x,) = inputs
        rank = len(attrs["window"])
        _, window, _, _, _, counts = _window_geometry(self, x, attrs, rank)
        return x.dtype, (x.shape[0],) + counts + window + (x.shape[-1],)

    def input_index(self, cx, node, index):
        b = cx.b
        rank = len(node.attr("window"))
        out_index, window_index = index[1:1 + rank], index[1 + rank:1 + 2 * rank]
        spatial = []
        for o, k, stride, dilation in zip(out_index, window_index, node.attr("strides"), node.attr("dilation")):
            spatial.append(b.add(_scaled(b, o, stride), _scaled(b, k, dilation)))
        return [index[0]] + spatial + [index[-1]]

    def grad(self, node, g):
        x = node.inputs[0]
        return [scatter_patches(g, x.shape[1:-1], node.attr("strides"), node.attr("dilation"))]


def _scaled(b, value, factor):
    return value if factor == 1 else b.mul(value, ir.Constant(I64, factor))


def patches(x, window, strides, dilation):
    return apply("patches", [x], window=tuple(window), strides=tuple(strides), dilation=tuple(dilation))


@register
class ScatterPatches(Op):
    """(N, *O, *K, C) windows -> (N, *S, C): each window added back at its place (col2im)."""
    name = "scatter_patches"
    kind = "opaque"

    def infer(self, inputs, attrs):
        (g,) = inputs
        sizes = tuple(attrs["spatial"])
        rank = len(sizes)
        if g.ndim != 2 * rank + 2:
            self.error(f"needs windows of rank {2 * rank + 2} (batch, {rank} window counts, "
                       f"{rank} window sizes, channels), got", g.shape)
        strides = _int_tuple(self, attrs, "strides", rank)
        dilation = _int_tuple(self, attrs, "dilation", rank)
        counts, window = g.shape[1:1 + rank], g.shape[1 + rank:1 + 2 * rank]
        for s, o, k, st, d in zip(sizes, counts, window, strides, dilation):
            if (o - 1) * st + dilated(k, d) > s:
                self.error(f"windows reach past the spatial size {sizes}", g.shape)
        return g.dtype, (g.shape[0],) + sizes + (g.shape[-1],)

    def grad(self, node, g):
        return [patches(g, node.inputs[0].shape[1 + len(node.attr("spatial")):-1],
                        node.attr("strides"), node.attr("dilation"))]

    def lower(self, kx, node):
        (g,) = node.inputs
        b = kx.b
        rank = len(node.attr("spatial"))
        dst, src = kx.pointer(node), kx.pointer(g)
        emit_fill(kx, dst, node.shape, const(node.dtype, 0))
        dst_strides = kx.strides(node.shape)
        src_strides = kx.strides(g.shape)
        with kx.loops([kx.dim(d) for d in g.shape[:-1]], name="w") as index:
            out_index, window_index = index[1:1 + rank], index[1 + rank:]
            src_base = _offset(b, index, src_strides)
            dst_base = b.mul(index[0], dst_strides[0])
            for i, (o, k) in enumerate(zip(out_index, window_index)):
                position = b.add(_scaled(b, o, node.attr("strides")[i]), _scaled(b, k, node.attr("dilation")[i]))
                dst_base = b.add(dst_base, b.mul(position, dst_strides[1 + i]))
            with kx.loop(kx.dim(g.shape[-1]), name="c") as c:
                total = b.fadd(kx.load(dst, b.add(dst_base, c), node.dtype),
                               kx.load(src, b.add(src_base, c), g.dtype))
                kx.store(total, dst, b.add(dst_base, c), node.dtype)


def scatter_patches(g, spatial, strides, dilation):
    return apply("scatter_patches", [g], spatial=tuple(spatial), strides=tuple(strides),
                 dilation=tuple(dilation))


def _offset(b, index, strides):
    total = ZERO
    for i, s in zip(index, strides):
        total = b.add(total, b.mul(i, s))
    return total


# ---------------------------------------------------------------- convolution
@register
class Conv(Op):
    """Cross-correlation (as TF): x (N, *S, C) with kernel (*K, C, O) -> (N, *O', O)."""
    name = "conv"
    kind = "composite"

    def infer(self, inputs, attrs):
        x, w = inputs
        if x.dtype is not w.dtype or not x.dtype.is_float:
            self.error(f"needs a float input and kernel of one dtype, got {x.dtype.name} and {w.dtype.name}")
        rank = x.ndim - 2
        if not 1 <= rank <= 3:
            self.error("needs an input of rank 3 to 5 (batch, spatial axes, channels), got", x.shape)
        if w.ndim != x.ndim:
            self.error(f"needs a kernel of rank {x.ndim} ({rank} window sizes, in, out channels) for",
                       x.shape, w.shape)
        if w.shape[-2] != x.shape[-1]:
            self.error("kernel input channels differ from the input's", x.shape, w.shape)
        window = tuple(w.shape[:rank])
        geometry = dict(attrs, window=window)
        _, _, _, _, _, counts = _window_geometry(self, x, geometry, rank)
        return x.dtype, (x.shape[0],) + counts + (w.shape[-1],)

    def expand(self, node):
        direct = _direct_conv(node)
        if direct is not None:
            return direct
        rows, _, kernel_matrix = _conv_pieces(node)
        return reshape(matmul(rows, kernel_matrix), node.shape)

    def grad(self, node, g):
        x, w = node.inputs
        rows, windows, kernel_matrix = _conv_pieces(node)
        g_rows = reshape(g, (-1, w.shape[-1]))
        # dW = windows^T dy, as the kernel's (*K, C, O) shape
        gw = _filter_gradient(node, g)
        if gw is None:
            gw = reshape(matmul(rows, g_rows, transpose_a=True), w.shape)
        gx = _data_gradient_as_conv(node, g)
        if gx is not None:
            return [gx, gw]
        # dx = the windows' gradient dy W^T added back into the (padded) input
        g_windows = matmul(g_rows, kernel_matrix, transpose_b=True)
        if windows is None:
            return [reshape(g_windows, x.shape), gw]
        padded = windows.inputs[0]
        gx = scatter_patches(reshape(g_windows, windows.shape), padded.shape[1:-1], node.attr("strides"),
                             node.attr("dilation"))
        pads = node.attr("pads")
        if any(p != (0, 0) for p in pads):
            starts = (0,) + tuple(lo for lo, _ in pads) + (0,)
            gx = apply("slice", [gx], starts=starts, steps=(1,) * x.ndim, sizes=x.shape)
        return [gx, gw]


def _data_gradient_as_conv(node, g):
    """dx of a stride-1 convolution as a convolution itself: dy padded by the window's
    extent minus the forward padding, by the kernel flipped in space with its channel
    axes swapped (dx[i] = sum_k dy[i + pad - k] W[k]^T). It then runs on the direct
    kernel, with no window matrix and no scatter. None where that does not hold (strides
    above 1, a pad beyond the window, the GEMM path asked for, 3-D)."""
    x, w = node.inputs
    rank = x.ndim - 2
    path = _conv_path()
    if rank > 2 or path == "gemm" or any(s != 1 for s in node.attr("strides")):
        return None
    if path == "auto" and x.shape[-1] < MIN_DIRECT_CHANNELS:
        return None         # dx has x's channels as its output channels
    window, dilation = w.shape[:rank], node.attr("dilation")
    pads = tuple((dilated(k, d) - 1 - lo, dilated(k, d) - 1 - hi)
                 for k, d, (lo, hi) in zip(window, dilation, node.attr("pads")))
    if any(min(p) < 0 for p in pads):
        return None
    swapped = apply("transpose", [w], perm=tuple(range(rank)) + (rank + 1, rank))
    flipped = apply("reverse", [swapped], axes=tuple(range(rank)))
    return conv(g, flipped, (1,) * rank, dilation, pads)


def _filter_gradient(node, g):
    """dW by the filter-gradient kernel (`conv_filter_grad`), for the 1-D and 2-D
    convolutions the direct kernel runs; None elsewhere (the GEMM of windows^T dy)."""
    x, w = node.inputs
    rank = x.ndim - 2
    if rank > 2 or _conv_path() == "gemm" or x.dtype.name not in ("float32", "float64"):
        return None
    strides, dilation, pads = node.attr("strides"), node.attr("dilation"), node.attr("pads")
    window = tuple(w.shape[:rank])
    if rank == 1:
        x, strides, dilation, pads = _as_2d(x, strides, dilation, pads)
        g, window = _height_1(g), (1,) + window
    gw = apply("conv_filter_grad", [x, g], window=window, strides=tuple(strides), dilation=tuple(dilation),
               pads=tuple(pads))
    return reshape(gw, w.shape) if rank == 1 else gw


def _conv_pieces(node):
    """(window rows (N*O', K*C), the patches node or None, kernel as a (K*C, O) matrix)."""
    x, w = node.inputs
    rank = x.ndim - 2
    window = tuple(w.shape[:rank])
    strides, dilation, pads = node.attr("strides"), node.attr("dilation"), node.attr("pads")
    kernel_matrix = reshape(w, (numel(w.shape[:-1]), w.shape[-1]))
    if all(k == 1 for k in window) and all(s == 1 for s in strides) and all(p == (0, 0) for p in pads):
        return reshape(x, (-1, x.shape[-1])), None, kernel_matrix
    padded = x
    if any(p != (0, 0) for p in pads):
        padded = apply("pad", [x], pads=((0, 0),) + tuple(pads) + ((0, 0),))
    windows = patches(padded, window, strides, dilation)
    return reshape(windows, (-1, kernel_matrix.shape[0])), windows, kernel_matrix


# ---------------------------------------------------------------- direct convolution
def _height_1(t):
    """A (N, L, C) tensor as (N, 1, L, C)."""
    return reshape(t, (t.shape[0], 1) + tuple(t.shape[1:]))


def _as_2d(x, strides, dilation, pads):
    """A 1-D convolution's input and geometry as those of a 2-D one of height 1 (the
    kernels are 2-D)."""
    return _height_1(x), (1,) + tuple(strides), (1,) + tuple(dilation), ((0, 0),) + tuple(pads)


def _conv_path():
    """From KERALITE_CONV: 'auto' (the measured choice per shape, the default), 'direct'
    (the direct kernel wherever it applies, never Winograd) or 'gemm' (pad + patches +
    GEMM everywhere, the former path): benchmarks and tests compare them."""
    path = os.environ.get("KERALITE_CONV", "auto")
    if path not in ("auto", "direct", "gemm"):
        raise ValueError(f"KERALITE_CONV must be auto, direct or gemm, got {path!r}")
    return path


def lowering_settings():
    """The environment settings that choose how convolutions are lowered, as text: a
    compile record (compiler/compile_record.py) made under other settings does not
    apply."""
    return f"conv={_conv_path()} winograd={os.environ.get('KERALITE_WINOGRAD', '1')}"


def _direct_conv(node):
    """The conv node as a `conv_direct` kernel (1-D convolutions as 2-D ones of height
    1), or None where the GEMM path is used: 3-D convolutions, and shapes where
    measurement showed the direct kernel is not faster."""
    x, w = node.inputs
    rank = x.ndim - 2
    path = _conv_path()
    if rank > 2 or path == "gemm" or x.dtype.name not in ("float32", "float64"):
        return None
    strides, dilation, pads = node.attr("strides"), node.attr("dilation"), node.attr("pads")
    if rank == 1:
        x, strides, dilation, pads = _as_2d(x, strides, dilation, pads)
        w = reshape(w, (1,) + tuple(w.shape))
    if path == "auto" and not _direct_conv_wins(x.shape, w.shape, strides):
        return None
    if _winograd_applies(x.shape, w.shape, strides, dilation, path):
        out = apply("conv_winograd", [x, _winograd_kernel(w)], pads=tuple(pads), activation="linear")
    else:
        out = apply("conv_direct", [x, w], strides=tuple(strides), dilation=tuple(dilation), pads=tuple(pads),
                    activation="linear")
    return reshape(out, node.shape) if rank == 1 else out


# Fewer output channels than this leave most vector lanes of the direct kernels idle
# (benchmarks/bench_conv_kernels.py: 10 channels ran at 0.83x of the GEMM path, 1 at
# 0.4-0.5x); such convolutions, and dx of inputs with that few channels, keep the GEMM.
MIN_DIRECT_CHANNELS = 16


def _direct_conv_wins(x_shape, w_shape, strides):
    """Where the direct kernel beats pad + im2col + GEMM (benchmarks/bench_conv_kernels.py:
    1.2-3.8x forward from 16 output channels up, batch 1 included)."""
    return w_shape[-1] >= MIN_DIRECT_CHANNELS


# Winograd F(2x2, 3x3) needs this many input channels to pay for its transforms
# (benchmarks/bench_conv_kernels.py), and at most winograd.MAX_CHANNELS (stack buffers).
MIN_WINOGRAD_CHANNELS = 16


def _winograd_applies(x_shape, w_shape, strides, dilation, path):
    if path == "direct" or os.environ.get("KERALITE_WINOGRAD", "1") == "0":
        return False
    return (tuple(w_shape[:2]) == (3, 3) and tuple(strides) == (1, 1) and tuple(dilation) == (1, 1)
            and MIN_WINOGRAD_CHANNELS <= x_shape[-1] <= winograd.MAX_CHANNELS)


def _winograd_kernel(w):
    """U = G g G^T for every (in, out) channel pair, as (16, C, O): one small GEMM by the
    constant Kronecker product G (x) G (16 x 9) of the kernel's 9 taps, which runs on
    every call (it is tiny next to the convolution; in an export, where the weights are
    constants, it is folded away)."""
    channels, filters = w.shape[2], w.shape[3]
    g = np.array(winograd.G)
    taps_to_tile = array_constant(np.kron(g, g), w.dtype)        # [xi*4+nu, i*3+j]
    return reshape(matmul(taps_to_tile, reshape(w, (9, channels * filters))), (16, channels, filters))


@register
class ConvWinograd(Op):
    """A 3x3, stride-1 2-D convolution by Winograd F(2x2, 3x3) (codegen/winograd.py): x
    (N, H, W, C) by the transformed kernel U (16, C, O), optionally plus a bias (O,) and
    followed by relu as it stores, and with `pool` by a 2x2 max pool of stride 2 (the
    output is then the pooled one). Built by `conv`'s expansion, after autodiff; the
    epilogues by the fuse_conv_epilogues pass."""
    name = "conv_winograd"
    kind = "opaque"
    differentiable = False
    ACTIVATIONS = ("linear", "relu")

    def infer(self, inputs, attrs):
        x, u = inputs[:2]
        if x.ndim != 4 or u.ndim != 3 or u.shape[0] != 16 or u.shape[1] != x.shape[-1] or u.dtype is not x.dtype:
            self.error("needs an input (N, H, W, C) and a transformed kernel (16, C, O) of one dtype",
                       x.shape, u.shape)
        if attrs.get("activation", "linear") not in self.ACTIVATIONS:
            self.error(f"fuses only the activations {self.ACTIVATIONS}, got {attrs.get('activation')!r}")
        if len(inputs) == 3 and (inputs[2].shape != (u.shape[-1],) or inputs[2].dtype is not x.dtype):
            self.error("needs a bias of one value per output channel", u.shape, inputs[2].shape)
        geometry = dict(window=(3, 3), strides=(1, 1), dilation=(1, 1), pads=attrs["pads"])
        _, _, _, _, _, counts = _window_geometry(self, x, geometry, 2)
        if attrs.get("pool", False):
            if not all(isinstance(d, int) for d in counts):
                self.error("fuses a max pool only over spatial sizes known when compiling, got", counts)
            counts = tuple(d // 2 for d in counts)
        return x.dtype, (x.shape[0],) + counts + (u.shape[-1],)

    def lower(self, kx, node):
        x, u = node.inputs[:2]
        bias = node.inputs[2] if len(node.inputs) == 3 else None
        geometry = winograd.WinogradGeometry(x.shape[1:3], x.shape[3], u.shape[2], node.attr("pads"),
                                             pool=node.attr("pool", False))
        element = node.dtype.llvm()
        slots = _accumulator_slots(kx, element)
        buffers = []
        with kx.at_entry():
            for size in winograd.buffer_sizes(geometry, element):
                buffer = kx.b.alloca(ir.ArrayType(element, size))
                buffer.type = ir.PointerType()
                buffers.append(buffer)
        activation = node.attr("activation")
        winograd.emit_winograd_conv(kx.b, geometry, element, kx.pointer(x), kx.pointer(u), kx.pointer(node),
                                    kx.lo, kx.hi, slots, *buffers,
                                    bias=kx.pointer(bias) if bias is not None else None,
                                    activation=None if activation == "linear" else activation)
        # tile rows (n, a pair of output rows) run in parallel
        return x.shape[0] * geometry.TH, geometry.macs_per_tile_row()


@register
class ConvDirect(Op):
    """A 2-D convolution run by the direct kernel of codegen/conv_kernel.py: x (N, H, W, C)
    by w (KH, KW, C, O), optionally plus a bias (O,) and followed by an activation, both
    applied as the kernel stores its output. Built by `conv`'s expansion (after autodiff),
    so it has no gradient rule of its own."""
    name = "conv_direct"
    kind = "opaque"
    differentiable = False
    ACTIVATIONS = ("linear", "relu")

    def infer(self, inputs, attrs):
        x, w = inputs[:2]
        if x.ndim != 4:
            self.error("needs an input of rank 4 (batch, height, width, channels), got", x.shape)
        if attrs.get("activation", "linear") not in self.ACTIVATIONS:
            self.error(f"fuses only the activations {self.ACTIVATIONS}, got {attrs.get('activation')!r}")
        if len(inputs) == 3:
            bias = inputs[2]
            if bias.shape != (w.shape[-1],) or bias.dtype is not x.dtype:
                self.error("needs a bias of one value per output channel", w.shape, bias.shape)
        return OPS["conv"].infer(inputs[:2], attrs)

    def lower(self, kx, node):
        x, w = node.inputs[:2]
        bias = node.inputs[2] if len(node.inputs) == 3 else None
        geometry = ConvGeometry(x.shape[1:3], x.shape[3], w.shape[:2], w.shape[3], node.attr("strides"),
                                node.attr("dilation"), node.attr("pads"))
        element = node.dtype.llvm()
        slots = _accumulator_slots(kx, element)
        activation = node.attr("activation")
        emit_direct_conv(kx.b, geometry, element, kx.pointer(x), kx.pointer(w), kx.pointer(node), kx.lo, kx.hi,
                         slots, bias=kx.pointer(bias) if bias is not None else None,
                         activation=None if activation == "linear" else activation)
        # rows (n, oh) run in parallel: batch 1 is split too
        return x.shape[0] * geometry.OH, geometry.macs_per_row()


@register
class ConvFilterGrad(Op):
    """dW of a 2-D convolution by the kernel of codegen/conv_filter_grad.py: x (N, H, W, C)
    and dy (N, OH, OW, O) -> (KH, KW, C, O), with no window matrix in memory."""
    name = "conv_filter_grad"
    kind = "opaque"
    differentiable = False

    def infer(self, inputs, attrs):
        x, g = inputs
        if x.ndim != 4 or g.ndim != 4 or x.dtype is not g.dtype:
            self.error("needs an input and an output gradient of rank 4 and one dtype", x.shape, g.shape)
        _, window, _, _, _, counts = _window_geometry(self, x, attrs, 2)
        if tuple(g.shape[1:3]) != counts or not dims_match(g.shape[0], x.shape[0]):
            self.error(f"the output gradient does not match the {counts} windows of the input", x.shape, g.shape)
        return x.dtype, window + (x.shape[-1], g.shape[-1])

    def lower(self, kx, node):
        x, g = node.inputs
        geometry = ConvGeometry(x.shape[1:3], x.shape[3], node.attr("window"), g.shape[3], node.attr("strides"),
                                node.attr("dilation"), node.attr("pads"))
        element = node.dtype.llvm()
        slots = _accumulator_slots(kx, element)
        emit_filter_grad(kx.b, geometry, element, kx.pointer(x), kx.pointer(g), kx.pointer(node),
                         kx.dim(x.shape[0]), kx.lo, kx.hi, slots)
        tiles = tile_count(geometry, vector_type(element).count)
        # tiles run in parallel; the work of one is its share of all multiply-adds
        return tiles, x.shape[0] * geometry.OH * geometry.OW * max(1, numel(node.shape) // tiles)


def _accumulator_slots(kx, element):
    """The vector allocas the conv kernels keep their tiles in (LLVM promotes them to
    registers)."""
    with kx.at_entry():
        slots = []
        for _ in range(accumulator_count()):
            slot = kx.b.alloca(vector_type(element))
            slot.type = ir.PointerType()    # opaque, so stores of vectors through it type-check
            slots.append(slot)
    return slots


def conv(x, w, strides, dilation, pads):
    """The convolution of x (N, *S, C) by w (*K, C, O); spatial axes of unknown size are
    handled by `_conv_unknown_axes`."""
    strides, dilation = tuple(strides), tuple(dilation)
    pads = tuple(tuple(p) for p in pads)
    if any(isinstance(d, Sym) for d in x.shape[1:-1]):
        return _conv_unknown_axes(x, w, strides, dilation, pads)
    return apply("conv", [x, w], strides=strides, dilation=dilation, pads=pads)


def _conv_unknown_axes(x, w, strides, dilation, pads):
    """A convolution whose input has spatial axes of unknown size (a time axis left None),
    as a sum over the taps of those axes: for each tap, x is moved along them so that the
    tap's input sits at every window start (a strided view; a shift where zeros of the
    padding enter), those axes are folded into the batch, and the known axes are
    convolved with that tap's slice of the kernel (a matmul when no known axis is left).
    The output length of such an axis is a derived size (ir/derived.py), computed and
    checked when the graph runs; so are the pads of TF's 'same' padding with a stride
    above 1, which depend on the size."""
    rank = x.ndim - 2
    window = w.shape[:rank]
    unknown = [a for a in range(rank) if isinstance(x.shape[1 + a], Sym)]
    known = [a for a in range(rank) if a not in unknown]
    counts = [window_count(x.shape[1 + a], window[a], strides[a], dilation[a], pads[a]) for a in unknown]
    # pads that depend on the size ('same' with a stride above 1), or that reach past the
    # window's extent, are added to x itself; the others enter by shifting
    explicit = [a for a in unknown if isinstance(pads[a][0], Sym) or isinstance(pads[a][1], Sym)
                or sum(pads[a]) > dilated(window[a], dilation[a]) - 1]
    if explicit:
        x = apply("pad", [x], pads=((0, 0),) + tuple(pads[a] if a in explicit else (0, 0) for a in range(rank))
                  + ((0, 0),))
        pads = tuple((0, 0) if a in explicit else pads[a] for a in range(rank))
    order = (0,) + tuple(1 + a for a in unknown + known) + (x.ndim - 1,)
    moved = _transpose(x, order)
    lead = (moved.shape[0],) + tuple(counts)
    rest = moved.shape[1 + len(unknown):]
    total = None
    for taps in itertools.product(*(range(window[a]) for a in unknown)):
        tap_input = _tap_input(moved, unknown, taps, counts, strides, dilation, pads)
        kernel = w
        for a, tap in zip(unknown, taps):
            kernel = apply("slice", [kernel], starts=tuple(tap if i == a else 0 for i in range(w.ndim)),
                           steps=(1,) * w.ndim,
                           sizes=tuple(1 if i == a else d for i, d in enumerate(kernel.shape)))
        kernel = reshape(kernel, tuple(d for i, d in enumerate(w.shape) if i not in unknown))
        folded = reshape(tap_input, (-1,) + rest)
        if known:
            term = conv(folded, kernel, tuple(strides[a] for a in known), tuple(dilation[a] for a in known),
                        tuple(pads[a] for a in known))
        else:
            term = matmul(folded, kernel)
        total = term if total is None else apply("add", [total, term])
    out = reshape(total, lead + total.shape[1:])
    inverse = tuple(sorted(range(len(order)), key=lambda i: order[i]))
    return _transpose(out, inverse)


def _tap_input(moved, unknown, taps, counts, strides, dilation, pads):
    """The input each output position of the unknown axes (moved to axes 1..) reads
    for the given taps: out[o] takes x[o * stride + tap * dilation - pad_before]. Without
    padding that is a strided view; with it, x is first shifted (zeros entering) so the
    view starts at 0 and stays inside the axis."""
    ndim = moved.ndim
    unpadded = all(pads[a] == (0, 0) for a in unknown)
    starts = [0] * ndim
    steps = [1] * ndim
    sizes = list(moved.shape)
    shifted = moved
    for position, (a, tap) in enumerate(zip(unknown, taps)):
        axis = 1 + position
        if unpadded:
            starts[axis] = tap * dilation[a]
        else:
            shifted = shift(shifted, axis, pads[a][0] - tap * dilation[a])
        steps[axis], sizes[axis] = strides[a], counts[position]
    if tuple(sizes) == shifted.shape and not any(starts):
        return shifted
    return apply("slice", [shifted], starts=tuple(starts), steps=tuple(steps), sizes=tuple(sizes))


def _transpose(x, perm):
    return x if perm == tuple(range(x.ndim)) else apply("transpose", [x], perm=perm)
