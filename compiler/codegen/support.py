"""The support library: large routines every graph shares (the GEMMs), compiled once.

Graph modules only declare these functions; the support object is built once per
machine (cached on disk like graph objects, keyed by the emitter sources, the CPU and
the toolchain) and JIT-loaded once per process before any graph that calls it, so a
graph with a matmul does not pay the GEMM's compile time again.
"""
import ctypes
import hashlib
import subprocess
import sys
import threading

from llvmlite import ir

from ..fingerprint import compiler_fingerprint
from . import gemm, target
from .scalar import declare

_DTYPES = ("float32", "float64")
_lock = threading.Lock()
_loaded = False
_background = None      # the process prefetch() started (False: none will be)
_runtime_ready = False


def declare_gemm(module, dtype):
    """An external declaration of the support library's GEMM for `dtype`."""
    i64, ptr = ir.IntType(64), ir.PointerType()
    fnty = ir.FunctionType(ir.VoidType(), [i64, i64, i64, ptr, i64, i64, ptr, i64, i64, ptr, i64, ir.IntType(32)])
    return declare(module, gemm.gemm_name(dtype), fnty)


def symbols():
    return [gemm.gemm_name(d) for d in _DTYPES]


def build_module(name="keralite_support"):
    module = ir.Module(name=name)
    for dtype in _DTYPES:
        gemm.emit_gemm(module, dtype)
    return module


def _key(cpu, features):
    return hashlib.sha256("\n".join([compiler_fingerprint(), cpu, features,
                                     target.versions()]).encode()).hexdigest()


def object_code(cpu=None, features=None, jit=True):
    """Object code of the support library for a CPU (cached on disk)."""
    from ...runtime import cache
    if cpu is None:
        cpu, features = target.host_cpu()
    key = _key(cpu, features) + ("-jit" if jit else "-pic")
    obj = cache.get("support", key)
    if obj is None:
        tm = target.target_machine(cpu, features, jit=jit)
        llmod = target.parse_and_optimize(str(build_module()), tm)
        obj = target.emit_object(llmod, tm)
        cache.put("support", key, obj)
    return obj


def prefetch():
    """On a machine whose disk cache has no support library yet, start building it in a
    process of its own, so that it compiles on the other core while this process compiles
    the first graph (LLVM serialises compiles within a process); `ensure_loaded` then
    finds it in the cache. Does nothing when it is cached, loaded or the cache is off."""
    global _background
    from ...runtime import cache
    if _loaded or _background is not None or not cache.disk_cache_enabled():
        return
    cpu, features = target.host_cpu()
    entry = cache.entry_path("support", _key(cpu, features) + "-jit")
    if entry is not None and entry.exists():
        _background = False       # decided once: ensure_loaded reads (and checks) it
        return
    code = "from keralite.compiler.codegen import support; support.object_code()"
    try:
        _background = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        _background = False       # build it here instead, when it is needed


def _wait_for_prefetch():
    global _background
    if _background:
        try:
            _background.wait(timeout=600)
        except subprocess.TimeoutExpired:
            _background.kill()
    _background = False


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


def ensure_loaded():
    """JIT-load the support library once and make its symbols visible to graph code."""
    global _loaded
    if _loaded:
        return
    ensure_runtime()
    with _lock:
        if _loaded:
            return
        _wait_for_prefetch()      # a failed prefetch only means object_code() builds it here
        addresses = target.load_object(object_code(), symbols())
        for name, address in addresses.items():
            target.add_symbol(name, address)
        _loaded = True
