"""The support library: large routines every graph shares (the GEMMs), compiled once.

Graph modules only declare these functions; the support objects are built once per
machine (cached on disk like graph objects, keyed by the emitter sources, the CPU and
the toolchain) and JIT-loaded once per process before any graph that calls them, so a
graph with a matmul does not pay the GEMM's compile time again. There is one object per
dtype: a float32 model never waits for the float64 GEMM.

On a machine where the disk cache has no float32 GEMM yet, importing the compiler starts
building it on a thread (`start_background_build`): LLVM runs outside the GIL, so it
compiles on the other core while this process goes on importing and building the model,
and the first graph with a matmul finds it ready or nearly so.
"""
import ctypes
import hashlib
import os
import threading

from llvmlite import ir

from ..fingerprint import compiler_fingerprint
from . import gemm, target
from .scalar import declare

DTYPES = ("float32", "float64")
_lock = threading.Lock()
_loaded = set()          # dtypes whose GEMM this process has JIT-loaded
_background = None       # the thread building the float32 GEMM, once started
_runtime_ready = False


def declare_gemm(module, dtype):
    """An external declaration of the support library's GEMM for `dtype`."""
    i64, ptr = ir.IntType(64), ir.PointerType()
    fnty = ir.FunctionType(ir.VoidType(), [i64, i64, i64, ptr, i64, i64, ptr, i64, i64, ptr, i64, ir.IntType(32)])
    return declare(module, gemm.gemm_name(dtype), fnty)


def symbols(dtypes=DTYPES):
    return [gemm.gemm_name(d) for d in dtypes]


def build_module(name="keralite_support", dtypes=DTYPES):
    module = ir.Module(name=name)
    for dtype in dtypes:
        gemm.emit_gemm(module, dtype)
    return module


def _key(cpu, features, dtypes, jit):
    digest = hashlib.sha256("\n".join([compiler_fingerprint(), cpu, features, target.versions(),
                                       ",".join(dtypes)]).encode()).hexdigest()
    return digest + ("-jit" if jit else "-pic")


def object_code(cpu=None, features=None, jit=True, dtypes=DTYPES):
    """Object code of the GEMMs of `dtypes` for a CPU (cached on disk). LLVM's unroller
    stays off: the GEMM spells out its register blocking, and unrolling its packing loops
    made no measurable difference (bench_matmul) while costing a third of the build."""
    from ...runtime import cache
    if cpu is None:
        cpu, features = target.host_cpu()
    key = _key(cpu, features, tuple(dtypes), jit)
    obj = cache.get("support", key)
    if obj is None:
        tm = target.target_machine(cpu, features, jit=jit)
        llmod = target.parse_and_optimize(str(build_module(dtypes=dtypes)), tm)
        obj = target.emit_object(llmod, tm)
        cache.put("support", key, obj)
    return obj


def start_background_build():
    """Start building the float32 GEMM on a thread when the disk cache does not hold it
    (first use on a machine); nothing otherwise. With the disk cache off, a process
    builds what it needs when it needs it."""
    global _background
    from ...runtime import cache
    if _background is not None or "float32" in _loaded or not cache.disk_cache_enabled():
        return
    cpu, features = target.host_cpu()
    entry = cache.entry_path("support", _key(cpu, features, ("float32",), True))
    if entry is None or entry.exists():
        return
    # not a daemon: the interpreter waits for it at exit (a fraction of a second), since
    # a process that ends while this thread is inside LLVM crashes in LLVM's teardown
    _background = threading.Thread(target=_build_quietly, name="keralite-support-build", daemon=False)
    _background.start()


def _build_quietly():
    try:
        object_code(dtypes=("float32",))
    except Exception:       # the process then builds it when it needs it, and sees why
        pass


def wait_for_background_build():
    """Block until a background build (if any) has finished: before a fork, and before
    the process reads the object itself."""
    thread = _background
    if thread is not None and thread is not threading.current_thread():
        thread.join()


if hasattr(os, "register_at_fork"):
    # a child forked while the thread is inside LLVM would inherit LLVM's lock held
    os.register_at_fork(before=wait_for_background_build)


# LLVM turns a loop that fills or copies memory into a call of these; the JIT's linker
# does not search the C library by itself, and an unresolved call would jump to address 0.
_LIBC_SYMBOLS = ("memset", "memcpy", "memmove")


def ensure_runtime():
    """Make the C runtime's thread pool, and the C library's memory routines LLVM may
    call, visible to graph code (every graph may call them)."""
    global _runtime_ready
    if _runtime_ready:
        return
    with _lock:
        if not _runtime_ready:
            from ...runtime import native
            target.add_symbol("kl_parallel_for", native.symbol_address("kl_parallel_for"))
            libc = ctypes.CDLL(None)
            for name in _LIBC_SYMBOLS:
                target.add_symbol(name, ctypes.cast(getattr(libc, name), ctypes.c_void_p).value)
            _runtime_ready = True


def provide(names):
    """Make visible what an object about to be JIT-loaded uses, by the names it leaves
    undefined: the runtime always, and the GEMMs it calls (a graph without a matmul
    never waits for the GEMM's background build)."""
    ensure_loaded([d for d in DTYPES if gemm.gemm_name(d) in names])


def ensure_loaded(dtypes=DTYPES):
    """JIT-load the GEMMs of `dtypes` once and make their symbols visible to graph code."""
    ensure_runtime()
    for dtype in dtypes:
        if dtype in _loaded:
            continue
        wait_for_background_build()
        with _lock:
            if dtype in _loaded:
                continue
            addresses = target.load_object(object_code(dtypes=(dtype,)), symbols((dtype,)))
            for name, address in addresses.items():
                target.add_symbol(name, address)
            _loaded.add(dtype)
