"""A graph's entry point, with its kernels in the same module or compiled on their own.

    int32_t ENTRY(void **buffers, const int64_t *dims, void *runtime)

Kernels are functions `void k(ptr ctx, i64 lo, i64 hi)`; the body of a loop (scan) is an
internal entry of its own that the loop's kernel calls once per step. The entry runs them
in order, handing the large ones to the C thread pool (`kl_parallel_for`) and calling
small ones directly, and returns 0 or the first error code a kernel recorded.

Every graph is built by `build_entry_module`: kernels are portable (portable.py), each a
module of its own that reaches its values through a table the entry fills, so the entry
module holds little more than the calls. The JIT compiles and caches them one text at a
time (kernel_cache.py), so a kernel another graph already compiled costs nothing; an
exported library links the same texts into the entry's module (driver.py), so it runs
the very code the JIT runs.
"""
from llvmlite import ir

from ..ir.shapes import Sym, numel
from ..passes.schedule import iteration_shape
from .context import KernelContext, KERNEL_TYPE, I32, I64, PTR
from .loops import emit_loop_kernel
from .control_flow import emit_scan_kernel
from .portable import PortableKernelContext, PLACEHOLDER, storage_place
from .scalar import declare

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


# A loop kernel of at most this many iterations (all sizes known) gains nothing from
# vectorisation (LLVM's vector loop takes 64 floats per turn), so it is compiled without:
# half the compile time of a vectorised kernel.
LIGHT_ELEMENTS = 64


class PortableKernel:
    """A kernel emitted on its own (see portable.py): `text` is its module's IR with the
    kernel named PLACEHOLDER; the entry calls it under the name `symbol`; a `light`
    kernel is too small to be worth vectorising."""

    def __init__(self, text, symbol, light=False):
        self.text = text
        self.symbol = symbol
        self.light = light


def is_light(kernel):
    """A loop kernel whose iteration count is known and at most LIGHT_ELEMENTS."""
    if kernel.kind != "loop":
        return False
    shape = iteration_shape(kernel.node)
    return all(isinstance(d, int) for d in shape) and numel(shape) <= LIGHT_ELEMENTS


def build_entry_module(program, plan, symbol_index, entry_name, symbol_of):
    """The graph as an entry module that calls portable kernels compiled elsewhere.

    Returns (module, kernels): the module holds the entry (and any loop over a subgraph,
    which stays a graph kernel); `kernels` lists the PortableKernel each call needs,
    `symbol_of(text, light)` naming each one."""
    module = ir.Module(name=entry_name)
    kernels = []

    def portable(text, kernel):
        light = is_light(kernel)
        kernels.append(PortableKernel(text, symbol_of(text, light), light))
        return kernels[-1].symbol
    add_entry(module, program, plan, symbol_index, entry_name, portable=portable)
    return module, kernels


def _emit_portable(kernel, plan, symbol_index):
    """The kernel in a module of its own; returns (IR text, context)."""
    module = ir.Module(name="kernel")
    fn = ir.Function(module, KERNEL_TYPE, PLACEHOLDER)
    kx = PortableKernelContext(module, fn, plan, symbol_index)
    ranges = _emit_body(kx, kernel)
    kx.finish()
    return str(module), kx, ranges


def _emit_body(kx, kernel):
    if kernel.kind == "opaque":
        # a lowering that loops over [lo, hi) of its outer axis returns
        # (outer count, inner work) and is split over the pool like a loop kernel
        return kernel.node.op.lower(kx, kernel.node) or (1, 0)
    return emit_loop_kernel(kx, kernel)


class _EntryPointers:
    """Addresses of values in the entry (the memory plan computes them), each computed
    once however many kernels take it."""

    def __init__(self, builder, buffers, dims, plan):
        self.b = builder
        self.buffers = buffers
        self.symbol = dims.symbol
        self.plan = plan
        self.values = {}          # storage place -> pointer

    def pointer(self, key):
        place = storage_place(self.plan, key)
        p = self.values.get(place)
        if p is None:
            p = self.values[place] = self.plan.emit_pointer(self, key)
        return p


def _entry_alloca(b, typ, count, name):
    with b.goto_entry_block():
        b.position_at_start(b.function.entry_basic_block)
        return b.alloca(typ, size=count, name=name)


def _portable_context(b, kx, pointers, dims, status):
    """The context a portable kernel runs with: its pointer table, its dims table and
    the entry's status (built at the call, in the entry)."""
    table = _entry_alloca(b, PTR, max(len(kx.arguments), 1), "pointers")
    for position, key in enumerate(kx.arguments):
        b.store(pointers.pointer(key), b.gep(table, [ir.Constant(I64, position)], source_etype=PTR))
    sizes = _entry_alloca(b, I64, max(len(kx.symbols_used), 1), "sizes")
    for position, name in enumerate(kx.symbols_used):
        b.store(dims.symbol(name), b.gep(sizes, [ir.Constant(I64, position)], source_etype=I64))
    ctx = _entry_alloca(b, PTR, 3, "kctx")
    for i, value in enumerate((table, sizes, status)):
        b.store(value, b.gep(ctx, [ir.Constant(I64, i)], source_etype=PTR))
    return ctx


def add_entry(module, program, plan, symbol_index, entry_name, internal=False, portable=None):
    """Emit the kernels of `program` and the entry that runs them into `module`;
    returns the entry function. Loop bodies (scans) become internal entries of their
    own, added by this same function. With `portable` ((text, kernel) -> symbol), kernels
    other than loops over subgraphs (their bodies' kernels included) are emitted on their
    own and only declared here."""
    parallel_for = declare(module, PARALLEL_FOR, ir.FunctionType(ir.VoidType(), [PTR, PTR, I64, I64]))
    kernels = []
    for k, kernel in enumerate(program.kernels):
        if portable is not None and kernel.kind != "control":
            text, kx, ranges = _emit_portable(kernel, plan, symbol_index)
            name = portable(text, kernel)
            fn = declare(module, name, KERNEL_TYPE)
            kernels.append((fn, ranges, kernel, kx))
            continue
        fn = ir.Function(module, KERNEL_TYPE, f"{entry_name}_k{k}")
        fn.linkage = "internal"
        # a kernel is called directly and through the thread pool: inlining it into the
        # entry would compile its loops twice
        fn.attributes.add("noinline")
        kx = KernelContext(module, fn, plan, symbol_index)
        if kernel.kind == "control":
            ranges = emit_scan_kernel(kx, kernel, f"{entry_name}_k{k}_body",
                                      lambda body_name: add_entry(module, kernel.body_program, kernel.body_plan,
                                                                  symbol_index, body_name, internal=True,
                                                                  portable=portable))
        else:
            ranges = _emit_body(kx, kernel)
        kx.finish()
        kernels.append((fn, ranges, kernel, None))

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
    pointers = _EntryPointers(b, buffers, dims, plan)
    fail = entry.append_basic_block("fail")
    for fn, (outer, inner), kernel, portable_kx in kernels:
        call_ctx = ctx
        if portable_kx is not None:
            call_ctx = _portable_context(b, portable_kx, pointers, dims, status)
        outer_v = dims.dim(outer)
        if inner == 0:
            b.call(fn, [call_ctx, ir.Constant(I64, 0), outer_v])
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
                    b.call(parallel_for, [fn, call_ctx, outer_v, grain])
                with otherwise:
                    b.call(fn, [call_ctx, ir.Constant(I64, 0), outer_v])
        if getattr(kernel.node.op, "may_fail", False):
            ok = entry.append_basic_block("ok")
            b.cbranch(b.icmp_signed("!=", b.load(status, typ=I32), ir.Constant(I32, 0)), fail, ok)
            b.position_at_end(ok)
    b.ret(ir.Constant(I32, 0))
    b.position_at_end(fail)
    b.ret(b.load(status, typ=I32))
    return entry
