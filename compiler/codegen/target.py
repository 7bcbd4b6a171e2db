"""The LLVM target: host CPU selection, the O3 pipeline, JIT engines and object emission.

Everything that touches llvmlite.binding's global state lives here, so the rest of the
code generator only builds `llvmlite.ir` modules.
"""
import contextlib
import ctypes
import os
import threading

# Opaque pointers in llvmlite.ir (`ptr`), matching what the binding layer parses.
os.environ.setdefault("LLVMLITE_ENABLE_IR_LAYER_TYPED_POINTERS", "0")

import llvmlite  # noqa: E402
import llvmlite.binding as llvm  # noqa: E402

from . import elf  # noqa: E402

# Fast-math flags for elementwise arithmetic: contraction (FMA) but no nnan/ninf, so inf
# and nan propagate as numpy's do, and no reassociation: with it LLVM may distribute
# `x + (1 - m) * -1e30` into `(x - 1e30) + m * 1e30`, which loses x next to the huge
# constant that masking code relies on.
FAST = ("contract", "nsz", "arcp", "afn")
# A reduction's accumulation may be reordered (that is what vectorises a sum).
REDUCTION_FAST = FAST + ("reassoc",)

_lock = threading.RLock()
_initialized = False
_machines = {}
_engines = []  # keep every JIT engine alive for the life of the process


def _initialize():
    global _initialized
    if not _initialized:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        _initialized = True


_host = None


def host_cpu():
    """(cpu name, feature string) of this machine, as LLVM names them (asked once: LLVM
    reads the CPU's identification each time, ~0.4 ms, and every compile and load asks)."""
    global _host
    if _host is None:
        _initialize()
        _host = (llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten())
    return _host


def target_machine(cpu=None, features=None, jit=True):
    """A cached TargetMachine; `jit=False` gives PIC + small code model for shared libraries."""
    _initialize()
    if cpu is None:
        cpu, features = host_cpu()
    key = (cpu, features, jit)
    with _lock:
        tm = _machines.get(key)
        if tm is None:
            target = llvm.Target.from_triple(llvm.get_process_triple())
            if jit:
                tm = target.create_target_machine(cpu=cpu, features=features or "", opt=3,
                                                  reloc="default", codemodel="jitdefault", jit=True)
            else:
                tm = target.create_target_machine(cpu=cpu, features=features or "", opt=3,
                                                  reloc="pic", codemodel="default")
            _machines[key] = tm
    return tm


def parse_and_optimize(ir_text, tm, unroll=False):
    """Parse IR text, verify it and run the O3 pipeline with loop and SLP vectorisation."""
    return link_and_optimize([ir_text], tm, unroll=unroll)


def link_and_optimize(ir_texts, tm, speed=3, vectorize=True, unroll=False, private=()):
    """Parse several IR texts, link them into one module (internal names that clash are
    renamed), verify it and run the pipeline of `speed` (O3 by default): one pipeline and
    one object for many kernels costs less than one each. Code without loops worth
    vectorising (a graph entry that only calls kernels) takes a lighter pipeline.

    LLVM's loop unroller is off unless asked for: it halved neither the elementwise chain's
    nor the CNN's run time measurably, yet doubled the object code and with it both the
    optimisation and the emission time of every kernel (a CNN train step's kernels 866 ->
    407 ms). The vectoriser still interleaves its vector loops, and the kernels that need
    register blocking (GEMM, convolutions) spell it out in their IR. Functions named in
    `private` become internal to the linked module (kernels linked into an export)."""
    with _lock:
        mod = llvm.parse_assembly(ir_texts[0])
        for text in ir_texts[1:]:
            mod.link_in(llvm.parse_assembly(text))
        for name in private:
            mod.get_function(name).linkage = "internal"
        mod.triple = tm.triple
        mod.data_layout = str(tm.target_data)
        mod.verify()
        pto = llvm.create_pipeline_tuning_options(speed_level=speed)
        pto.loop_vectorization = vectorize
        pto.slp_vectorization = vectorize
        pto.loop_unrolling = unroll
        pb = llvm.create_pass_builder(tm, pto)
        pb.getModulePassManager().run(mod, pb)
        return mod


@contextlib.contextmanager
def exclusive():
    """Hold every lock around LLVM (ours and llvmlite's own), so no other thread is inside
    LLVM meanwhile: what a fork needs, since the child could never release a lock it
    inherited held."""
    ffi_lock = getattr(getattr(llvm.ffi, "lib", None), "_lock", None)
    with _lock, (ffi_lock if ffi_lock is not None else contextlib.nullcontext()):
        yield


def emit_object(mod, tm):
    with _lock:
        return tm.emit_object(mod)


def emit_assembly(mod, tm):
    with _lock:
        return tm.emit_assembly(mod)


def add_symbol(name, address):
    """Make an external C symbol (e.g. the thread pool) visible to JIT-compiled code."""
    _initialize()
    llvm.add_symbol(name, address)


_process = None


def _resolvable(name):
    """Whether the JIT's linker finds `name`: a symbol added with `add_symbol` (the
    runtime, the support library, kernels) or one the process has loaded (the C library)."""
    global _process
    if llvm.address_of_symbol(name):
        return True
    if _process is None:
        _process = ctypes.CDLL(None)
    try:
        getattr(_process, name)
    except AttributeError:
        return False
    return True


def load_object(obj_bytes, symbols, provide=None):
    """JIT-load an object file; returns {symbol: address}. `provide(names)`, when given,
    is first handed the names the object uses but does not define, to load what defines
    them (support.provide: the runtime, the GEMMs). A name still unresolvable then raises
    (MCJIT would make it address 0 and the code crash), as does one of `symbols` the
    object does not define."""
    tm = target_machine()
    undefined = elf.undefined_symbols(obj_bytes)
    if provide is not None:
        provide(undefined)
    missing = [name for name in undefined if not _resolvable(name)]
    if missing:
        raise RuntimeError(f"compiled object uses {', '.join(sorted(missing))}, which nothing loaded in "
                           "this process defines")
    with _lock:
        ee = llvm.create_mcjit_compiler(llvm.parse_assembly(""), tm)
        object_ref = llvm.ObjectFileRef.from_data(obj_bytes)
        ee.add_object_file(object_ref)
        ee.finalize_object()
        # the engine, the object and its bytes live as long as the process: the code and
        # LLVM's view of the object may point into any of them
        _engines.append((ee, object_ref, obj_bytes))
        addresses = {}
        for name in symbols:
            addr = ee.get_function_address(name)
            if not addr:
                raise RuntimeError(f"compiled object has no symbol {name!r}")
            addresses[name] = addr
        return addresses


def versions():
    """The parts of the toolchain that change generated code (for cache keys)."""
    return f"llvmlite-{llvmlite.__version__}-llvm-{'.'.join(map(str, llvm.llvm_version_info))}"
