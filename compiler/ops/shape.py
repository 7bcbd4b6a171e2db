"""Shape ops: reshape (an alias), views that fuse as address arithmetic (transpose,
broadcast_to, slice, reverse) and copies (shift, concatenate, pad, gather, scatter_add)."""
from llvmlite import ir

from ..ir import dtypes
from ..ir.shapes import Sym, dim_ceildiv, dim_max, dim_sum, dims_match, numel, shape_str
from ..codegen.loops import Evaluator, emit_copy, emit_fill, emit_gather, emit_scatter_add
from ..codegen.scalar import const
from .registry import Op, register, apply
from .elementwise import unbroadcast
from .source import scalar

I64 = ir.IntType(64)


@register
class Reshape(Op):
    """Same elements, new shape: shares the input's storage."""
    name = "reshape"
    kind = "alias"

    def infer(self, inputs, attrs):
        (x,) = inputs
        shape = tuple(attrs["shape"])
        # the element counts agree as written; or, where symbols must be tied, dims pair
        # up at the same rank (an unbroadcast gradient of [n0,3] into [n1,n2]), or the
        # counts can be made equal
        same = numel(shape) == numel(x.shape) or \
            (len(shape) == x.ndim and all(map(dims_match, x.shape, shape))) or \
            dims_match(numel(shape), numel(x.shape))
        if not same:
            self.error("cannot reshape", x.shape, shape)
        return x.dtype, shape

    def grad(self, node, g):
        return [apply("reshape", [g], shape=node.inputs[0].shape)]


def reshape(x, shape):
    """Reshape with one -1 allowed; symbolic dims are solved by exact division."""
    shape = list(shape)
    if shape.count(-1) > 1:
        raise ValueError(f"reshape: only one -1 is allowed in {shape}")
    if -1 in shape:
        known = numel([d for d in shape if d != -1])
        total = numel(x.shape)
        if isinstance(total, Sym):
            rest = total.divide(known)
        elif isinstance(known, Sym):
            rest = None
        else:
            rest = total // known if known and total % known == 0 else None
        if rest is None:
            raise ValueError(f"reshape: cannot reshape {shape_str(x.shape)} into {shape}")
        shape[shape.index(-1)] = rest
    shape = tuple(shape)
    if shape == x.shape:
        return x
    return apply("reshape", [x], shape=shape)


class View(Op):
    kind = "view"


@register
class Transpose(View):
    name = "transpose"

    def infer(self, inputs, attrs):
        (x,) = inputs
        perm = tuple(attrs["perm"])
        if sorted(perm) != list(range(x.ndim)):
            self.error(f"perm {perm} is not a permutation of the axes of", x.shape)
        return x.dtype, tuple(x.shape[p] for p in perm)

    def input_index(self, cx, node, index):
        perm = node.attr("perm")
        out = [None] * len(perm)
        for i, p in enumerate(perm):
            out[p] = index[i]
        return out

    def grad(self, node, g):
        perm = node.attr("perm")
        inverse = tuple(sorted(range(len(perm)), key=lambda i: perm[i]))
        return [apply("transpose", [g], perm=inverse)]


@register
class BroadcastTo(View):
    name = "broadcast_to"

    def infer(self, inputs, attrs):
        (x,) = inputs
        shape = tuple(attrs["shape"])
        extra = len(shape) - x.ndim
        if extra < 0 or any(d != 1 and not dims_match(d, shape[extra + i]) for i, d in enumerate(x.shape)):
            self.error("cannot broadcast", x.shape, shape)
        return x.dtype, shape

    def input_index(self, cx, node, index):
        x = node.inputs[0]
        extra = node.ndim - x.ndim
        return [ir.Constant(I64, 0) if d == 1 else index[extra + i] for i, d in enumerate(x.shape)]

    def grad(self, node, g):
        return [unbroadcast(g, node.inputs[0].shape)]


@register
class Slice(View):
    """x[start_i : start_i + size_i*step_i : step_i] on every axis (static starts)."""
    name = "slice"

    def infer(self, inputs, attrs):
        (x,) = inputs
        return x.dtype, tuple(attrs["sizes"])

    def input_index(self, cx, node, index):
        out = []
        for i, (start, step) in enumerate(zip(node.attr("starts"), node.attr("steps"))):
            v = index[i]
            if step != 1:
                v = cx.b.mul(v, ir.Constant(I64, step))
            if start:
                v = cx.b.add(v, cx.dim(start))     # a start may be a run-time size (a pad's gradient)
            out.append(v)
        return out

    def grad(self, node, g):
        x = node.inputs[0]
        zeros = apply("broadcast_to", [scalar(0, g.dtype)], shape=x.shape)
        return [apply("slice_update", [zeros, g], starts=node.attr("starts"), steps=node.attr("steps"))]


def slice_axis(x, axis, start, stop, step=1):
    """A Python slice on one axis with numpy's clipping rules."""
    d = x.shape[axis]
    if isinstance(d, Sym):
        if (start in (None, 0)) and stop is None and step in (None, 1):
            return x
        return _slice_symbolic_axis(x, axis, start, stop, step)
    begin, end, stride = slice(start, stop, step).indices(d)
    size = max(0, len(range(begin, end, stride)))
    starts = [0] * x.ndim
    steps = [1] * x.ndim
    sizes = list(x.shape)
    starts[axis], steps[axis], sizes[axis] = (begin if size else 0), stride, size
    if size == d and stride == 1:
        return x
    return apply("slice", [x], starts=tuple(starts), steps=tuple(steps), sizes=tuple(sizes))


def symbolic_slice(size, start, stop, step, what):
    """(start, step, result size) of `[start:stop:step]` on an axis of run-time size n,
    for a start counted from the front and a stop from the back (`x[2:-1]`, Cropping's
    slices): the size is max(ceil((n - start - from_back) / step), 0), a derived size
    (ir/derived.py). `what` names the axis in the error for other slices."""
    start, step = start or 0, step or 1
    if start < 0 or step < 1 or (stop is not None and stop >= 0):
        raise NotImplementedError(
            f"slicing {what} is supported with a start counted from the front, a stop from the back and a "
            f"positive step (x[2:-1]), got {start}:{stop}:{step}")
    from_back = 0 if stop is None else -stop
    return start, step, dim_max(dim_ceildiv(dim_sum(-start - from_back, [(1, size)]), step), 0)


def _slice_symbolic_axis(x, axis, start, stop, step):
    starts, steps, sizes = [0] * x.ndim, [1] * x.ndim, list(x.shape)
    starts[axis], steps[axis], sizes[axis] = symbolic_slice(
        x.shape[axis], start, stop, step, f"the symbolic axis {axis} of a {shape_str(x.shape)} tensor")
    return apply("slice", [x], starts=tuple(starts), steps=tuple(steps), sizes=tuple(sizes))


@register
class Reverse(View):
    name = "reverse"

    def infer(self, inputs, attrs):
        return inputs[0].dtype, inputs[0].shape

    def input_index(self, cx, node, index):
        axes = node.attr("axes")
        x = node.inputs[0]
        out = list(index)
        for a in axes:
            last = cx.b.sub(cx.dim(x.shape[a]), ir.Constant(I64, 1))
            out[a] = cx.b.sub(last, index[a])
        return out

    def grad(self, node, g):
        return [apply("reverse", [g], axes=node.attr("axes"))]


@register
class Shift(Op):
    """out[..., i, ...] = x[..., i - offset, ...] along `axis`, zero where that index falls
    outside x: a shift that keeps the shape, so it also works on an axis whose size is
    only known when the graph runs (a convolution over an unknown time axis is a sum of
    shifted copies, where padding would need a dim of size `n + 2`)."""
    name = "shift"
    kind = "opaque"

    def infer(self, inputs, attrs):
        (x,) = inputs
        axis, offset = attrs["axis"], attrs["offset"]
        if not (isinstance(axis, int) and 0 <= axis < x.ndim) or not isinstance(offset, int):
            self.error(f"needs an integer axis in [0, {x.ndim}) and an integer offset, got axis {axis!r} "
                       f"and offset {offset!r} for", x.shape)
        return x.dtype, x.shape

    def grad(self, node, g):
        return [shift(g, node.attr("axis"), -node.attr("offset"))]

    def lower(self, kx, node):
        x = node.inputs[0]
        b = kx.b
        axis, offset = node.attr("axis"), node.attr("offset")
        size = kx.dim(x.shape[axis])
        zero, last = ir.Constant(I64, 0), b.sub(size, ir.Constant(I64, 1))
        ev = Evaluator(kx)
        dst = kx.pointer(node)
        strides = kx.strides(node.shape)
        with kx.loops([kx.dim(d) for d in node.shape], name="s") as index:
            source = b.sub(index[axis], ir.Constant(I64, offset))
            inside = b.and_(b.icmp_signed(">=", source, zero), b.icmp_signed("<", source, size))
            # read a clamped (always valid) element, then keep it only when inside
            clamped = b.select(b.icmp_signed("<", source, zero), zero,
                               b.select(b.icmp_signed(">", source, last), last, source))
            value = ev.value(x, list(index[:axis]) + [clamped] + list(index[axis + 1:]))
            off = zero
            for i, s in zip(index, strides):
                off = b.add(off, b.mul(i, s))
            kx.store(b.select(inside, value, const(node.dtype, 0)), dst, off, node.dtype)


def shift(x, axis, offset):
    """x shifted by `offset` along `axis` (zeros enter); x itself when offset is 0."""
    if offset == 0:
        return x
    return apply("shift", [x], axis=int(axis), offset=int(offset))


# ---------------------------------------------------------------- copies
@register
class SliceUpdate(Op):
    """A copy of `base` with a strided box replaced by `value` (the gradient of slice)."""
    name = "slice_update"
    kind = "opaque"

    def infer(self, inputs, attrs):
        base, value = inputs
        return base.dtype, base.shape

    def grad(self, node, g):
        base, value = node.inputs
        starts, steps = node.attr("starts"), node.attr("steps")
        hole = apply("slice_update", [g, apply("broadcast_to", [scalar(0, g.dtype)], shape=value.shape)],
                     starts=starts, steps=steps)
        return [hole, apply("slice", [g], starts=starts, steps=steps, sizes=value.shape)]

    def lower(self, kx, node):
        base, value = node.inputs
        emit_copy(kx, base, kx.pointer(node), node.shape)
        strides = kx.strides(node.shape)
        offset = ir.Constant(I64, 0)
        dst_strides = []
        for s, start, step in zip(strides, node.attr("starts"), node.attr("steps")):
            offset = kx.b.add(offset, kx.b.mul(s, ir.Constant(I64, start)))
            dst_strides.append(kx.b.mul(s, ir.Constant(I64, step)))
        emit_copy(kx, value, kx.gep(kx.pointer(node), offset, node.dtype), value.shape, dst_strides)


def _same_dim(a, b):
    """a == b, where two batch symbols may be the same size (the graph's compile
    solves that equality and the runtime checks the sizes agree)."""
    return a == b or (isinstance(a, Sym) and isinstance(b, Sym) and dims_match(a, b))


@register
class Concatenate(Op):
    name = "concatenate"
    kind = "opaque"

    def infer(self, inputs, attrs):
        axis = attrs["axis"]
        first = inputs[0]
        dtype = first.dtype
        total = 0
        for x in inputs:
            if x.ndim != first.ndim or any(not _same_dim(a, b) for i, (a, b) in enumerate(zip(x.shape, first.shape))
                                           if i != axis):
                self.error(f"shapes do not match outside axis {axis}", first.shape, x.shape)
            dtype = dtypes.promote(dtype, x.dtype)
            if isinstance(x.shape[axis], Sym):
                raise NotImplementedError("concatenate along a symbolic (batch) axis is not supported")
            total += x.shape[axis]
        shape = list(first.shape)
        shape[axis] = total
        return dtype, tuple(shape)

    def grad(self, node, g):
        axis = node.attr("axis")
        out, start = [], 0
        for x in node.inputs:
            size = x.shape[axis]
            out.append(slice_axis(g, axis, start, start + size))
            start += size
        return out

    def lower(self, kx, node):
        axis = node.attr("axis")
        strides = kx.strides(node.shape)
        start = 0
        for x in node.inputs:
            offset = kx.b.mul(strides[axis], ir.Constant(I64, start))
            emit_copy(kx, x, kx.gep(kx.pointer(node), offset, node.dtype), x.shape, strides, node.dtype)
            start += x.shape[axis]


@register
class Pad(Op):
    """Zero padding: `pads` is ((before, after), ...) per axis."""
    name = "pad"
    kind = "opaque"

    def infer(self, inputs, attrs):
        (x,) = inputs
        pads = attrs["pads"]
        if len(pads) != x.ndim:
            self.error(f"needs one (before, after) pair per axis, got {len(pads)} for", x.shape)
        shape = []
        for d, (lo, hi) in zip(x.shape, pads):
            if isinstance(d, Sym) or isinstance(lo, Sym) or isinstance(hi, Sym):
                # a size computed at run time (ir/derived.py); pads may be such sizes too
                shape.append(dim_sum(0, [(1, d), (1, lo), (1, hi)]))
            else:
                shape.append(d + lo + hi)
        return x.dtype, tuple(shape)

    def grad(self, node, g):
        x = node.inputs[0]
        starts = tuple(lo for lo, _ in node.attr("pads"))
        return [apply("slice", [g], starts=starts, steps=(1,) * x.ndim, sizes=x.shape)]

    def lower(self, kx, node):
        x = node.inputs[0]
        emit_fill(kx, kx.pointer(node), node.shape, const(node.dtype, 0))
        strides = kx.strides(node.shape)
        offset = ir.Constant(I64, 0)
        for s, (lo, _) in zip(strides, node.attr("pads")):
            offset = kx.b.add(offset, kx.b.mul(s, kx.dim(lo)))
        emit_copy(kx, x, kx.gep(kx.pointer(node), offset, node.dtype), x.shape, strides, node.dtype)


@register
class Gather(Op):
    """params[indices] along axis 0; an out-of-range index makes the call fail."""
    name = "gather"
    kind = "opaque"
    may_fail = True

    def infer(self, inputs, attrs):
        params, indices = inputs
        if not indices.dtype.is_int:
            self.error(f"indices must be integers, got {indices.dtype.name}")
        if params.ndim < 1:
            self.error("params must have at least one axis", params.shape)
        return params.dtype, tuple(indices.shape) + tuple(params.shape[1:])

    def grad(self, node, g):
        params, indices = node.inputs
        return [apply("scatter_add", [g, indices], shape=params.shape), None]

    def lower(self, kx, node):
        emit_gather(kx, node)


@register
class ScatterAdd(Op):
    """zeros(shape) with updates[i] added at row indices[i] (the gradient of gather)."""
    name = "scatter_add"
    kind = "opaque"
    may_fail = True

    def infer(self, inputs, attrs):
        updates, indices = inputs
        return updates.dtype, tuple(attrs["shape"])

    def grad(self, node, g):
        updates, indices = node.inputs
        return [apply("gather", [g, indices]), None]

    def lower(self, kx, node):
        emit_scatter_add(kx, node)
