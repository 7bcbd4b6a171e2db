"""Loop-nest kernels: fused elementwise expressions, reductions and the copy helpers
that opaque ops use.

An expression is evaluated at an index (one i64 per axis of the node): elementwise ops
map the index onto each input with numpy broadcasting, views remap it, and materialized
values are loaded at their row-major offset. When every read is either the full shape or
a scalar, the kernel is one flat loop (the common case, and the fastest to vectorise).
"""
from llvmlite import ir

from ..ir import dtypes
from ..ir.shapes import numel
from ..ir.constant import scalar_value
from .scalar import convert, const

I64 = ir.IntType(64)
ZERO = ir.Constant(I64, 0)


class EmitContext:
    """What an elementwise emitter may use: the builder, the index, the flat index."""

    def __init__(self, kx, node, index, flat):
        self.kx = kx
        self.b = kx.b
        self.module = kx.module
        self.node = node
        self.index = index
        self._flat = flat

    @property
    def flat_index(self):
        if self._flat is None:
            strides = self.kx.strides(self.node.shape)
            v = ZERO
            for i, s in zip(self.index, strides):
                v = self.b.add(v, self.b.mul(i, s))
            self._flat = v
        return self._flat


class Evaluator:
    """Evaluates an inlined expression at an index, loading materialized leaves."""

    def __init__(self, kx, kernel=None, flat=False):
        self.kx = kx
        self.kernel = kernel
        self.inlined = set(kernel.inlined) if kernel is not None else set()
        self.overrides = kernel.overrides if kernel is not None else {}
        self.flat = flat
        self.memo = {}

    def value(self, node, index):
        # the key holds the index values themselves: ids of dead objects get reused
        key = (node.id, tuple(index))
        v = self.memo.get(key)
        if v is None:
            v = self._value(node, index)
            self.memo[key] = v
        return v

    def _value(self, node, index):
        imm = scalar_value(node)
        source = node
        while imm is None and source.op.kind == "alias":
            # a reshape of an immediate scalar has no storage of its own: it is the immediate
            source = source.inputs[0]
            imm = scalar_value(source)
        if imm is not None:
            return const(node.dtype, imm)
        if node not in self.inlined:
            return self.load(node, index)
        kind = node.op.kind
        if kind == "elementwise":
            args = []
            for x, dt in zip(node.inputs, node.op.operand_dtypes(node)):
                v = self.value(x, self.broadcast_index(index, node.shape, x.shape))
                args.append(convert(self.kx.b, v, x.dtype, dt))
            flat = index[0] if self.flat and index else (ZERO if self.flat else None)
            return node.op.emit(EmitContext(self.kx, node, index, flat), node, args)
        if kind == "view":
            return self.value(node.inputs[0], node.op.input_index(self.kx, node, index))
        raise RuntimeError(f"cannot inline op {node.op.name!r} into a loop")

    def broadcast_index(self, index, out_shape, in_shape):
        if self.flat:
            return index if numel(in_shape) != 1 else []
        extra = len(out_shape) - len(in_shape)
        return [ZERO if d == 1 else index[extra + i] for i, d in enumerate(in_shape)]

    def load(self, node, index):
        key = self.overrides.get(node, node)
        base = self.kx.pointer(key)
        return self.kx.load(base, self.offset(index, node.shape), node.dtype)

    def offset(self, index, shape):
        if self.flat:
            return index[0] if index else ZERO
        b = self.kx.b
        strides = self.kx.strides(shape)
        total = None
        for i, d, s in zip(index, shape, strides):
            if d == 1:
                continue
            term = i if (isinstance(s, ir.Constant) and s.constant == 1) else b.mul(i, s)
            total = term if total is None else b.add(total, term)
        return total if total is not None else ZERO


def is_flat(kernel):
    """True when every value in the expression is read at its own flat index or is a scalar."""
    if kernel.is_reduce:
        return False
    shape_n = numel(kernel.node.shape)
    for n in kernel.inlined:
        kind = n.op.kind
        if kind == "view" or n.op.name == "iota":
            return False
        for x in n.inputs:
            if scalar_value(x) is not None:
                continue
            if x.shape != n.shape and numel(x.shape) != 1:
                return False
        if numel(n.shape) != shape_n:
            return False
    return True


# ---------------------------------------------------------------- loop kernels
def emit_loop_kernel(kx, kernel):
    """Emit the body of a loop kernel; returns (outer count, inner work) as IR dims."""
    if kernel.is_reduce:
        return _emit_reduce(kx, kernel)
    node = kernel.node
    stores = [(n, kx.pointer(t)) for n, t in kernel.stores()]
    if numel(node.shape) == 1:
        # one value: straight-line code, no loop for LLVM to vectorise
        ev = Evaluator(kx, kernel)
        _store_all(kx, stores, [ev.value(n, [ZERO] * n.ndim) for n, _ in stores], ZERO)
        return 1, 0
    if is_flat(kernel):
        ev = Evaluator(kx, kernel, flat=True)
        with kx.loop(kx.hi, start=kx.lo) as i:
            _store_all(kx, stores, [ev.value(n, [i]) for n, _ in stores], i)
        return numel(node.shape), 1
    ev = Evaluator(kx, kernel)
    shape = node.shape
    with kx.loop(kx.hi, start=kx.lo, name="o") as first:
        with kx.loops([kx.dim(d) for d in shape[1:]]) as rest:
            index = [first] + rest
            offset = ev.offset(index, shape)
            _store_all(kx, stores, [ev.value(n, index) for n, _ in stores], offset)
    return shape[0], numel(shape[1:])


def _store_all(kx, stores, values, offset):
    """Store a loop's values at one index, after all of them are computed: a merged loop
    may write in place a variable that another of its values reads at that index (an
    optimizer's accumulator and the weight update reading it), and every value must see
    what the buffers held before this index was written."""
    for (n, dest), value in zip(stores, values):
        kx.store(value, dest, offset, n.dtype)


def _emit_reduce(kx, kernel):
    node = kernel.node
    op = node.op
    x = node.inputs[0]
    axes = set(node.attr("axes"))
    keep = node.attr("keepdims")
    shape = x.shape
    out_strides_full = kx.strides(node.shape)
    # the output stride that each input axis moves by (None on reduced axes)
    out_strides, j = [], 0
    for i in range(len(shape)):
        if i in axes:
            out_strides.append(None)
            if keep:
                j += 1
        else:
            out_strides.append(out_strides_full[j])
            j += 1
    dest = kx.pointer(kernel.target)
    b = kx.b
    dtype = node.dtype
    split = len(shape) > 0 and 0 not in axes
    # 1. initialise this chunk's outputs
    if split:
        start = b.mul(kx.lo, out_strides[0])
        stop = b.mul(kx.hi, out_strides[0])
    else:
        start, stop = ZERO, kx.numel(node.shape)
    with kx.loop(stop, start=start, name="init") as i:
        kx.store(op.identity(dtype), dest, i, dtype)
    # 2. accumulate: loops up to the last kept axis, then a register accumulator
    kept = [i for i in range(len(shape)) if i not in axes]
    last_kept = kept[-1] if kept else -1
    ev = Evaluator(kx, kernel)
    with kx.at_entry():
        acc_slot = b.alloca(dtype.llvm(), name="acc")
    counts = [kx.dim(d) for d in shape]
    index = []

    def outer_loops(level):
        if level > last_kept:
            out_off = ZERO
            for i, s in zip(index, out_strides):
                if s is not None:
                    out_off = b.add(out_off, b.mul(i, s))
            b.store(kx.load(dest, out_off, dtype), acc_slot)
            inner_loops(level)
            kx.store(b.load(acc_slot, typ=dtype.llvm()), dest, out_off, dtype)
            return
        if level == 0 and split:
            cm = kx.loop(kx.hi, start=kx.lo, name="a0")
        else:
            cm = kx.loop(counts[level], name=f"a{level}")
        with cm as i:
            index.append(i)
            outer_loops(level + 1)
            index.pop()

    def inner_loops(level):
        if level == len(shape):
            v = convert(b, ev.value(x, list(index)), x.dtype, dtype)
            acc = b.load(acc_slot, typ=dtype.llvm())
            b.store(op.combine(b, acc, v, dtype), acc_slot)
            return
        with kx.loop(counts[level], name=f"r{level}") as i:
            index.append(i)
            inner_loops(level + 1)
            index.pop()

    outer_loops(0)
    if split:
        return shape[0], numel(shape[1:])
    return 1, numel(shape)


# ---------------------------------------------------------------- helpers for opaque ops
def emit_copy(kx, src, dst_ptr, shape, dst_strides=None, dst_dtype=None):
    """dst[sum(i*dst_strides)] = src[i] over `shape` (src is a materialized node)."""
    ev = Evaluator(kx)
    dst_dtype = dst_dtype or src.dtype
    dst_strides = dst_strides or kx.strides(shape)
    with kx.loops([kx.dim(d) for d in shape], name="c") as index:
        off = ZERO
        for i, d, s in zip(index, shape, dst_strides):
            if d != 1:
                off = kx.b.add(off, kx.b.mul(i, s))
        v = convert(kx.b, ev.value(src, index), src.dtype, dst_dtype)
        kx.store(v, dst_ptr, off, dst_dtype)


def emit_fill(kx, ptr, shape, value):
    with kx.loop(kx.numel(shape), name="f") as i:
        kx.b.store(value, kx.b.gep(ptr, [i], source_etype=value.type))


def _collapse(kx, shape, axis):
    return kx.numel(shape[:axis]), kx.dim(shape[axis]), kx.numel(shape[axis + 1:])


def _row_index(kx, indices, i, rows):
    """indices[i] as i64, checked against [-rows, rows); records an error if outside."""
    b = kx.b
    idx = convert(b, kx.load(kx.pointer(indices), i, indices.dtype), indices.dtype, dtypes.int64)
    idx = b.select(b.icmp_signed("<", idx, ZERO), b.add(idx, rows), idx)
    bad = b.or_(b.icmp_signed("<", idx, ZERO), b.icmp_signed(">=", idx, rows))
    with b.if_then(bad, likely=False):
        kx.fail(1)
    return b.select(bad, ZERO, idx)


def emit_gather(kx, node):
    params, indices = node.inputs
    b = kx.b
    rows = kx.dim(params.shape[0])
    row = kx.numel(params.shape[1:])
    src, dst = kx.pointer(params), kx.pointer(node)
    with kx.loop(kx.numel(indices.shape), name="g") as i:
        idx = _row_index(kx, indices, i, rows)
        with kx.loop(row, name="j") as j:
            v = kx.load(src, b.add(b.mul(idx, row), j), params.dtype)
            kx.store(v, dst, b.add(b.mul(i, row), j), params.dtype)


def emit_scatter_add(kx, node):
    updates, indices = node.inputs
    b = kx.b
    rows = kx.dim(node.shape[0])
    row = kx.numel(node.shape[1:])
    dst, src = kx.pointer(node), kx.pointer(updates)
    emit_fill(kx, dst, node.shape, const(node.dtype, 0))
    with kx.loop(kx.numel(indices.shape), name="s") as i:
        idx = _row_index(kx, indices, i, rows)
        with kx.loop(row, name="j") as j:
            off = b.add(b.mul(idx, row), j)
            total = b.fadd(kx.load(dst, off, node.dtype), kx.load(src, b.add(b.mul(i, row), j), node.dtype))
            kx.store(total, dst, off, node.dtype)


def emit_argreduce(kx, node):
    x = node.inputs[0]
    axis, greater = node.attr("axis"), node.attr("kind") == "max"
    b = kx.b
    outer, n, inner = _collapse(kx, x.shape, axis)
    src, dst = kx.pointer(x), kx.pointer(node)
    t = x.dtype.llvm()
    with kx.at_entry():
        best_slot = b.alloca(t, name="best")
        arg_slot = b.alloca(I64, name="arg")
    with kx.loop(outer, name="o") as o:
        with kx.loop(inner, name="q") as q:
            base = b.mul(o, b.mul(n, inner))
            b.store(kx.load(src, b.add(base, q), x.dtype), best_slot)
            b.store(ZERO, arg_slot)
            with kx.loop(n, start=ir.Constant(I64, 1), name="k") as k:
                v = kx.load(src, b.add(base, b.add(b.mul(k, inner), q)), x.dtype)
                best = b.load(best_slot, typ=t)
                if x.dtype.is_float:
                    better = b.fcmp_ordered(">" if greater else "<", v, best)
                    nan_first = b.and_(b.fcmp_unordered("uno", v, v), b.fcmp_ordered("ord", best, best))
                    better = b.or_(better, nan_first)
                else:
                    better = b.icmp_signed(">" if greater else "<", v, best)
                b.store(b.select(better, v, best), best_slot)
                b.store(b.select(better, k, b.load(arg_slot, typ=I64)), arg_slot)
            kx.store(b.load(arg_slot, typ=I64), dst, b.add(b.mul(o, inner), q), dtypes.int64)


def emit_scan(kx, node):
    x = node.inputs[0]
    axis = node.attr("axis")
    b = kx.b
    outer, n, inner = _collapse(kx, x.shape, axis)
    src, dst = kx.pointer(x), kx.pointer(node)
    dtype = node.dtype
    is_sum = node.attr("kind") == "sum"
    with kx.loop(outer, name="o") as o:
        base = b.mul(o, b.mul(n, inner))
        with kx.loop(n, name="k") as k:
            row = b.add(base, b.mul(k, inner))
            prev_row = b.sub(row, inner)
            first = b.icmp_signed("==", k, ZERO)
            with kx.loop(inner, name="q") as q:
                v = convert(b, kx.load(src, b.add(row, q), x.dtype), x.dtype, dtype)
                prev = kx.load(dst, b.select(first, b.add(row, q), b.add(prev_row, q)), dtype)
                prev = b.select(first, const(dtype, 0 if is_sum else 1), prev)
                if dtype.is_float:
                    r = b.fadd(prev, v) if is_sum else b.fmul(prev, v)
                else:
                    r = b.add(prev, v) if is_sum else b.mul(prev, v)
                kx.store(r, dst, b.add(row, q), dtype)
