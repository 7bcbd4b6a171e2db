"""Pooling over 1 to 3 spatial axes, channels last: (batch, *spatial, channels).

`max_pool` / `avg_pool` (opaque) are direct loops over the valid part of each window, so
TF's 'same' padding holds (max ignores the padding, avg divides by the count of valid
elements); `max_pool_grad` sends each output's gradient to the first maximum of its
window, `avg_pool_grad` spreads it evenly. Window arithmetic (counts, padding, derived
sizes over axes of unknown length) is shared with the convolutions (ops/conv.py). A
2x2 max pool after a Winograd convolution is fused into it by passes/conv_epilogue.py.
"""
import contextlib

from llvmlite import ir

from ..codegen.loops import emit_fill
from ..codegen.scalar import const, select_max
from ..ir.shapes import numel
from .registry import Op, register, apply
from .conv import I64, ZERO, _int_or_0, _offset, _scaled, _window_geometry


class _Pool(Op):
    kind = "opaque"

    def infer(self, inputs, attrs):
        x = inputs[0]
        if not x.dtype.is_float:
            self.error(f"needs a float input, got {x.dtype.name}")
        rank = len(attrs["window"])
        if not 1 <= rank <= 3:
            self.error(f"pools over 1 to 3 axes, got a window {attrs['window']}")
        _, window, _, _, pads, counts = _window_geometry(self, x, attrs, rank)
        if any(_int_or_0(lo) >= k or _int_or_0(hi) >= k for (lo, hi), k in zip(pads, window)):
            self.error(f"padding {pads} must be smaller than the window {window}")
        return x.dtype, (x.shape[0],) + counts + (x.shape[-1],)

    def _attrs(self, node):
        return dict(window=node.attr("window"), strides=node.attr("strides"), pads=node.attr("pads"))


@register
class MaxPool(_Pool):
    name = "max_pool"

    def grad(self, node, g):
        return [apply("max_pool_grad", [node.inputs[0], g], **self._attrs(node))]

    def lower(self, kx, node):
        return _lower_window_fold(kx, node, _max_keep_nan)


def _lower_window_fold(kx, node, combine):
    """Each output element becomes combine(itself, element) over its window's elements
    (it starts as what _each_window fills it with); batch items run in parallel."""
    x = node.inputs[0]
    b = kx.b
    dtype = node.dtype
    src, dst = kx.pointer(x), kx.pointer(node)
    with _each_window(kx, node, x) as (out_base, in_base, _):
        with kx.loop(kx.dim(x.shape[-1]), name="c") as c:
            acc = kx.load(dst, b.add(out_base, c), dtype)
            v = kx.load(src, b.add(in_base, c), dtype)
            kx.store(combine(b, acc, v), dst, b.add(out_base, c), dtype)
    return x.shape[0], numel(x.shape[1:])


def _max_keep_nan(b, acc, v):
    """max(acc, v) where a nan in v wins (so a nan in a window shows, as in TF)."""
    return select_max(b, v, acc, True, True)


@register
class AvgPool(_Pool):
    name = "avg_pool"

    def grad(self, node, g):
        return [apply("avg_pool_grad", [g], spatial=node.inputs[0].shape[1:-1], **self._attrs(node))]

    def lower(self, kx, node):
        return _lower_window_fold(kx, node, lambda b, total, v: b.fadd(total, v))


@register
class MaxPoolGrad(_Pool):
    """dx of max_pool: each output's gradient goes to the first maximum of its window."""
    name = "max_pool_grad"

    def infer(self, inputs, attrs):
        x, g = inputs
        dtype, shape = super().infer([x], attrs)
        if g.shape != shape or g.dtype is not x.dtype:
            self.error("gradient does not match the pooled shape", shape, g.shape)
        return x.dtype, x.shape

    def lower(self, kx, node):
        # Per window: a running maximum and its offset for every channel (stack arrays),
        # updated window position by window position with the channel loop innermost,
        # so the search vectorizes over channels; then one scatter of the gradients.
        x, g = node.inputs
        b = kx.b
        dtype = node.dtype
        rank = len(node.attr("window"))
        src, grad_src, dst = kx.pointer(x), kx.pointer(g), kx.pointer(node)
        channels = kx.dim(x.shape[-1])
        with kx.at_entry():
            best = b.alloca(dtype.llvm(), size=channels, name="best")
            where = b.alloca(I64, size=channels, name="where")
        emit_fill(kx, dst, node.shape, const(dtype, 0))
        with _output_positions(kx, g, rank) as (n, out_index, out_base):
            ranges = _window_ranges(kx, node, out_index, x)
            first = _input_offset(kx, x, n, [start for start, _ in ranges])
            with kx.loop(channels, name="i") as c:
                b.store(const(dtype, float("-inf")), b.gep(best, [c]))
                b.store(b.add(first, c), b.gep(where, [c]))
            with _window_loops(kx, ranges) as position:
                base = _input_offset(kx, x, n, position)
                with kx.loop(channels, name="c") as c:
                    offset = b.add(base, c)
                    v = kx.load(src, offset, dtype)
                    best_c, where_c = b.gep(best, [c]), b.gep(where, [c])
                    so_far = b.load(best_c, typ=dtype.llvm())
                    better = b.fcmp_ordered(">", v, so_far)
                    b.store(b.select(better, v, so_far), best_c)
                    b.store(b.select(better, offset, b.load(where_c, typ=I64)), where_c)
            with kx.loop(channels, name="s") as c:
                arg = b.load(b.gep(where, [c]), typ=I64)
                total = b.fadd(kx.load(dst, arg, dtype), kx.load(grad_src, b.add(out_base, c), dtype))
                kx.store(total, dst, arg, dtype)


@register
class AvgPoolGrad(_Pool):
    """dx of avg_pool: each output's gradient spread evenly over the valid part of its window."""
    name = "avg_pool_grad"

    def infer(self, inputs, attrs):
        (g,) = inputs
        sizes = tuple(attrs["spatial"])
        like = _Shaped(g.dtype, (g.shape[0],) + sizes + (g.shape[-1],))
        dtype, shape = super().infer([like], attrs)
        if g.shape != shape:
            self.error(f"gradient does not match the pooled shape of spatial size {sizes}", shape, g.shape)
        return g.dtype, like.shape

    def grad(self, node, g):
        attrs = self._attrs(node)
        return [apply("avg_pool", [g], **attrs)]

    def lower(self, kx, node):
        (g,) = node.inputs
        b = kx.b
        dtype = node.dtype
        rank = len(node.attr("window"))
        grad_src, dst = kx.pointer(g), kx.pointer(node)
        emit_fill(kx, dst, node.shape, const(dtype, 0))
        with _output_positions(kx, g, rank) as (n, out_index, out_base):
            ranges = _window_ranges(kx, node, out_index, node)
            scale = b.fdiv(const(dtype, 1.0), b.sitofp(_range_count(b, ranges), dtype.llvm()))
            with _window_loops(kx, ranges) as position:
                in_base = _input_offset(kx, node, n, position)
                with kx.loop(kx.dim(g.shape[-1]), name="c") as c:
                    share = b.fmul(kx.load(grad_src, b.add(out_base, c), dtype), scale)
                    total = b.fadd(kx.load(dst, b.add(in_base, c), dtype), share)
                    kx.store(total, dst, b.add(in_base, c), dtype)


class _Shaped:
    """A stand-in input (dtype and shape only) for reusing a shape rule."""

    def __init__(self, dtype, shape):
        self.dtype, self.shape = dtype, tuple(shape)

    @property
    def ndim(self):
        return len(self.shape)


# ---------------------------------------------------------------- pooling loop helpers
@contextlib.contextmanager
def _output_positions(kx, pooled, rank, split=False):
    """Loops over the batch and the output positions of a (N, *O, C) tensor; yields
    (n, output index, offset of channel 0). With `split`, the batch loop covers the
    kernel's [lo, hi) chunk, so the entry can spread batch items over the thread pool."""
    b = kx.b
    strides = kx.strides(pooled.shape)
    counts = [kx.dim(d) for d in pooled.shape[:-1]]
    with contextlib.ExitStack() as stack:
        if split:
            first = stack.enter_context(kx.loop(kx.hi, start=kx.lo, name="p0"))
            index = [first] + stack.enter_context(kx.loops(counts[1:], name="p"))
        else:
            index = stack.enter_context(kx.loops(counts, name="p"))
        yield index[0], index[1:1 + rank], _offset(b, index, strides[:-1])


def _window_ranges(kx, node, out_index, spatial_of):
    """[start, stop) of the valid part of the window along each spatial axis."""
    b = kx.b
    ranges = []
    for o, k, stride, (lo, _), size in zip(out_index, node.attr("window"), node.attr("strides"),
                                          node.attr("pads"), spatial_of.shape[1:-1]):
        first = b.sub(_scaled(b, o, stride), kx.dim(lo))
        stop = b.add(first, ir.Constant(I64, k))
        start = b.select(b.icmp_signed("<", first, ZERO), ZERO, first)
        limit = kx.dim(size)
        stop = b.select(b.icmp_signed(">", stop, limit), limit, stop)
        ranges.append((start, stop))
    return ranges


def _range_count(b, ranges):
    count = ir.Constant(I64, 1)
    for start, stop in ranges:
        count = b.mul(count, b.sub(stop, start))
    return count


@contextlib.contextmanager
def _window_loops(kx, ranges):
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(kx.loop(stop, start=start, name=f"k{i}"))
               for i, (start, stop) in enumerate(ranges)]


def _input_offset(kx, x, n, position):
    """Offset of channel 0 at batch n and a spatial position of a (N, *S, C) tensor."""
    strides = kx.strides(x.shape)
    return _offset(kx.b, [n] + list(position), strides[:-1])


@contextlib.contextmanager
def _each_window(kx, node, x):
    """For max/avg pooling: initialises each output row (-inf or 0), yields inside the
    window loops, and for avg divides by the count of valid elements afterwards."""
    b = kx.b
    dtype = node.dtype
    dst = kx.pointer(node)
    rank = len(node.attr("window"))
    is_max = node.op.name == "max_pool"
    channels = kx.dim(x.shape[-1])
    with _output_positions(kx, node, rank, split=True) as (n, out_index, out_base):
        init = const(dtype, float("-inf") if is_max else 0.0)
        with kx.loop(channels, name="i") as c:
            kx.store(init, dst, b.add(out_base, c), dtype)
        ranges = _window_ranges(kx, node, out_index, x)
        with _window_loops(kx, ranges) as position:
            yield out_base, _input_offset(kx, x, n, position), position
        if not is_max:
            scale = b.fdiv(const(dtype, 1.0), b.sitofp(_range_count(b, ranges), dtype.llvm()))
            with kx.loop(channels, name="s") as c:
                kx.store(b.fmul(kx.load(dst, b.add(out_base, c), dtype), scale), dst, b.add(out_base, c), dtype)


def pool(kind, x, window, strides, pads):
    """kind 'max' or 'avg' pooling of a channels-last x with explicit padding."""
    return apply(kind + "_pool", [x], window=tuple(window), strides=tuple(strides),
                 pads=tuple(tuple(p) for p in pads))
