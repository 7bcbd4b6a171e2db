"""The whole graph as ONE LLVM module with one entry point.

    int32_t ENTRY(void **buffers, const int64_t *dims, void *runtime)

Kernels are internal functions `void k(ptr ctx, i64 lo, i64 hi)`; the body of a loop
(scan) is an internal entry of its own that the loop's kernel calls once per step. The entry runs them in
order, handing the large ones to the C thread pool (`kl_parallel_for`) and calling small
ones directly, and returns 0 or the first error code a kernel recorded.
"""
from llvmlite import ir

from ..ir.shapes import Sym
from .context import KernelContext, KERNEL_TYPE, I32, I64, PTR
from .loops import emit_loop_kernel
from .control_flow import emit_scan_kernel

PARALLEL_FOR = "kl_parallel_for"
# Work below this many elements runs on the calling thread: waking a worker costs more.
PARALLEL_THRESHOLD = 1 << 15
CHUNK = 1 << 13


class EntryDims:
    """Dims as i64 values inside the entry function."""

    def __init__(self, builder, dims_ptr, symbol_index):
        self.b = builder
        self.dims_ptr = dims_ptr
        self.symbol_index = symbol_index
        self.cache = {}

    def symbol(self, name):
        if name not in self.cache:
            slot = self.b.gep(self.dims_ptr, [ir.Constant(I64, self.symbol_index[name])], source_etype=I64)
            self.cache[name] = self.b.load(slot, typ=I64, name=name)
        return self.cache[name]

    def dim(self, d):
        if isinstance(d, Sym):
            v = ir.Constant(I64, d.coef)
            for s in d.syms:
                v = self.b.mul(v, self.symbol(s))
            return v
        return ir.Constant(I64, int(d))


def build_module(program, plan, symbol_index, entry_name):
    module = ir.Module(name=entry_name)
    add_entry(module, program, plan, symbol_index, entry_name)
    return module


def add_entry(module, program, plan, symbol_index, entry_name, internal=False):
    """Emit the kernels of `program` and the entry that runs them into `module`;
    returns the entry function. Loop bodies (scans) become internal entries of their
    own, added by this same function."""
    parallel_for = module.globals.get(PARALLEL_FOR)
    if parallel_for is None:
        parallel_for = ir.Function(module, ir.FunctionType(ir.VoidType(), [PTR, PTR, I64, I64]), PARALLEL_FOR)
    kernels = []
    for k, kernel in enumerate(program.kernels):
        fn = ir.Function(module, KERNEL_TYPE, f"{entry_name}_k{k}")
        fn.linkage = "internal"
        # a kernel is called directly and through the thread pool: inlining it into the
        # entry would compile its loops twice
        fn.attributes.add("noinline")
        kx = KernelContext(module, fn, plan, symbol_index)
        if kernel.kind == "control":
            ranges = emit_scan_kernel(kx, kernel, f"{entry_name}_k{k}_body",
                                      lambda body_name: add_entry(module, kernel.body_program, kernel.body_plan,
                                                                  symbol_index, body_name, internal=True))
        elif kernel.kind == "opaque":
            # a lowering that loops over [lo, hi) of its outer axis returns
            # (outer count, inner work) and is split over the pool like a loop kernel
            ranges = kernel.node.op.lower(kx, kernel.node) or (1, 0)
        else:
            ranges = emit_loop_kernel(kx, kernel)
        kx.finish()
        kernels.append((fn, ranges, kernel))

    entry = ir.Function(module, ir.FunctionType(I32, [PTR, PTR, PTR]), entry_name)
    if internal:
        entry.linkage = "internal"
    buffers, dims_ptr, _runtime = entry.args
    b = ir.IRBuilder(entry.append_basic_block("entry"))
    status = b.alloca(I32, name="status")
    b.store(ir.Constant(I32, 0), status)
    # alloca gives a typed pointer in llvmlite.ir, so index it without source_etype
    ctx = b.alloca(PTR, size=3, name="ctx")
    for i, value in enumerate((buffers, dims_ptr, status)):
        b.store(value, b.gep(ctx, [ir.Constant(I64, i)], source_etype=PTR))
    dims = EntryDims(b, dims_ptr, symbol_index)
    fail = entry.append_basic_block("fail")
    for fn, (outer, inner), kernel in kernels:
        outer_v = dims.dim(outer)
        if inner == 0:
            b.call(fn, [ctx, ir.Constant(I64, 0), outer_v])
        else:
            inner_v = dims.dim(inner)
            total = b.mul(outer_v, inner_v)
            big = b.and_(b.icmp_signed(">=", total, ir.Constant(I64, PARALLEL_THRESHOLD)),
                         b.icmp_signed(">", outer_v, ir.Constant(I64, 1)))
            with b.if_else(big, likely=False) as (then, otherwise):
                with then:
                    safe_inner = b.select(b.icmp_signed(">", inner_v, ir.Constant(I64, 0)), inner_v, ir.Constant(I64, 1))
                    grain = b.sdiv(ir.Constant(I64, CHUNK), safe_inner)
                    grain = b.select(b.icmp_signed("<", grain, ir.Constant(I64, 1)), ir.Constant(I64, 1), grain)
                    b.call(parallel_for, [fn, ctx, outer_v, grain])
                with otherwise:
                    b.call(fn, [ctx, ir.Constant(I64, 0), outer_v])
        if getattr(kernel.node.op, "may_fail", False):
            ok = entry.append_basic_block("ok")
            b.cbranch(b.icmp_signed("!=", b.load(status, typ=I32), ir.Constant(I32, 0)), fail, ok)
            b.position_at_end(ok)
    b.ret(ir.Constant(I32, 0))
    b.position_at_end(fail)
    b.ret(b.load(status, typ=I32))
    return entry
