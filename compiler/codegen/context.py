"""KernelContext: what a kernel body sees while it is being emitted.

A kernel is an LLVM function `void k(ptr ctx, i64 lo, i64 hi)`; ctx points at
`{ptr buffers, ptr dims, ptr status}`. The context turns IR dims into LLVM values, IR
nodes into base pointers (through the memory plan) and offers loop builders.
"""
import contextlib

from llvmlite import ir

from ..ir.shapes import Sym

I8 = ir.IntType(8)
I32 = ir.IntType(32)
I64 = ir.IntType(64)
PTR = ir.PointerType()
KERNEL_TYPE = ir.FunctionType(ir.VoidType(), [PTR, I64, I64])


class KernelContext:
    def __init__(self, module, function, plan, symbol_index):
        self.module = module
        self.function = function
        self.plan = plan                      # memory plan: storage of every materialized value
        self.symbol_index = symbol_index      # symbol name -> index into dims[]
        entry = function.append_basic_block("entry")
        self.b = ir.IRBuilder(entry)
        ctx, self.lo, self.hi = function.args
        for arg in (ctx,):
            arg.add_attribute("noalias")
        self.buffers = self.b.load(ctx, typ=PTR, name="buffers")
        self.dims_ptr = self.b.load(self.b.gep(ctx, [ir.Constant(I64, 1)], source_etype=PTR), typ=PTR, name="dims")
        self.status_ptr = self.b.load(self.b.gep(ctx, [ir.Constant(I64, 2)], source_etype=PTR), typ=PTR, name="status")
        self._sym_values = {}
        self._pointers = {}

    # ------------------------------------------------------------ dims and pointers
    def symbol(self, name):
        v = self._sym_values.get(name)
        if v is None:
            with self.at_entry():
                slot = self.b.gep(self.dims_ptr, [ir.Constant(I64, self.symbol_index[name])], source_etype=I64)
                v = self.b.load(slot, typ=I64, name=name)
            self._sym_values[name] = v
        return v

    def dim(self, d):
        """An IR dim (int or Sym) as an i64 value."""
        if isinstance(d, Sym):
            value = ir.Constant(I64, d.coef)
            for s in d.syms:
                value = self.b.mul(value, self.symbol(s))
            return value
        return ir.Constant(I64, int(d))

    def numel(self, shape):
        value = ir.Constant(I64, 1)
        for d in shape:
            if d != 1:
                value = self.b.mul(value, self.dim(d)) if not isinstance(value, ir.Constant) or value.constant != 1 else self.dim(d)
        return value

    def strides(self, shape):
        """Row-major element strides of a contiguous tensor, as i64 values."""
        strides = [None] * len(shape)
        acc = ir.Constant(I64, 1)
        for i in range(len(shape) - 1, -1, -1):
            strides[i] = acc
            d = shape[i]
            if d != 1:
                acc = self.dim(d) if isinstance(acc, ir.Constant) and acc.constant == 1 else self.b.mul(acc, self.dim(d))
        return strides

    def pointer(self, key):
        """Base pointer of a materialized value (a node or a planner key)."""
        p = self._pointers.get(key)
        if p is None:
            with self.at_entry():
                p = self.plan.emit_pointer(self, key)
            self._pointers[key] = p
        return p

    def gep(self, base, offset, dtype):
        return self.b.gep(base, [offset], source_etype=dtype.llvm())

    def load(self, base, offset, dtype):
        return self.b.load(self.gep(base, offset, dtype), typ=dtype.llvm())

    def store(self, value, base, offset, dtype):
        self.b.store(value, self.gep(base, offset, dtype))

    def fail(self, code):
        """Record an error code for the runtime (the call then raises)."""
        self.b.store(ir.Constant(I32, code), self.status_ptr)

    @contextlib.contextmanager
    def at_entry(self):
        """Emit loop-invariant loads in the entry block, before its terminator."""
        saved = self.b.block
        entry = self.function.entry_basic_block
        if saved is entry:
            yield
            return
        with self.b.goto_block(entry):
            if entry.terminator is not None:
                self.b.position_before(entry.terminator)
            yield

    # ------------------------------------------------------------ loops
    @contextlib.contextmanager
    def loop(self, count, start=None, name="i"):
        """for (i = start; i < count; ++i) { body }  -- yields i."""
        b = self.b
        start = start if start is not None else ir.Constant(I64, 0)
        pre = b.block
        head = b.append_basic_block(f"{name}.head")
        body = b.append_basic_block(f"{name}.body")
        done = b.append_basic_block(f"{name}.done")
        b.branch(head)
        b.position_at_end(head)
        i = b.phi(I64, name=name)
        i.add_incoming(start, pre)
        b.cbranch(b.icmp_signed("<", i, count), body, done)
        b.position_at_end(body)
        yield i
        nxt = b.add(i, ir.Constant(I64, 1), flags=("nsw", "nuw"))
        i.add_incoming(nxt, b.block)
        b.branch(head)
        b.position_at_end(done)

    @contextlib.contextmanager
    def loops(self, counts, name="i"):
        """A loop nest over `counts` (outermost first); yields the index list."""
        with contextlib.ExitStack() as stack:
            index = [stack.enter_context(self.loop(c, name=f"{name}{k}")) for k, c in enumerate(counts)]
            yield index

    def finish(self):
        self.b.ret_void()
