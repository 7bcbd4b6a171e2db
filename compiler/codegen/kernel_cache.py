"""Portable kernels compiled once per text, for every graph of every process.

A graph's compile time is mostly LLVM optimising and emitting its kernels, and many of
them recur: the predict and train graphs of a model share their forward kernels, and an
optimizer's update is one kernel text for every weight (portable.py keeps sizes and
buffer places out of the text). Here a kernel's text names it (`symbol_of`); kernels
not yet known are compiled together as one *batch* (one LLVM module and one object, since
a pipeline and an object per kernel cost more), stored on disk, and JIT-loaded once per
process with their symbols made visible to graph entries.

On disk (runtime/cache.py, so every entry is digest-checked, never read through a link
and only if ours): kind "kernels" holds batch objects, kind "kernel" maps a kernel
symbol to the batch that defines it.

A batch holds the kernels one graph needed, and a later graph may call only one of them:
loading the batch still links all of them, so what any of them calls (a GEMM of the
support library) is loaded first, found from the batch object's undefined symbols.
"""
import hashlib
import json
import struct
import threading

from ..fingerprint import compiler_fingerprint
from . import support, target
from .portable import PLACEHOLDER

_lock = threading.RLock()
_batch_objects = {}     # batch id -> object code (compiled here or read from disk)
_batch_symbols = {}     # batch id -> the kernel symbols it defines
_symbol_batch = {}      # kernel symbol -> a batch id that defines it
_loaded_symbols = set()
# where the kernels graphs asked for came from, for tests and benchmarks
stats = {"compiled": 0, "memory": 0, "disk": 0, "batches_loaded": 0}

_LENGTH = struct.Struct("<I")


def pack(meta, blob):
    """`meta` (JSON-able) and bytes as one cache payload."""
    header = json.dumps(meta, sort_keys=True).encode()
    return _LENGTH.pack(len(header)) + header + bytes(blob)


def unpack(payload):
    """(meta, bytes) of a `pack`ed payload, or None when it is not one."""
    if payload is None or len(payload) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack_from(payload, 0)
    end = _LENGTH.size + length
    if end > len(payload):
        return None
    try:
        meta = json.loads(payload[_LENGTH.size:end].decode())
    except ValueError:
        return None
    return meta, payload[end:]


def symbol_of(text, cpu, features, light=False):
    """The name a kernel's code goes by: a digest of its text and of everything else
    the machine code depends on (CPU, toolchain, compiler sources, the pipeline: a
    `light` kernel is compiled without vectorisation)."""
    digest = hashlib.sha256("\n".join([cpu, features, target.versions(), compiler_fingerprint(),
                                       "light" if light else "full", text]).encode()).hexdigest()
    return "klk_" + digest[:40]


def named_text(kernel):
    """A PortableKernel's IR with the kernel under its symbol (external linkage)."""
    return kernel.text.replace(f'@"{PLACEHOLDER}"', f'@"{kernel.symbol}"')


def _cache():
    try:
        from ...runtime import cache
    except ImportError:     # the cache is an optimisation: without it, compile
        return None
    return cache


def _read_batch(batch_id):
    """Bring a batch's object from disk into memory; False when it is not there or does
    not validate."""
    if batch_id in _batch_objects:
        return True
    cache = _cache()
    unpacked = unpack(cache.get("kernels", batch_id)) if cache is not None else None
    if unpacked is None:
        return False
    meta, obj = unpacked
    symbols = meta.get("symbols") if isinstance(meta, dict) else None
    if not isinstance(symbols, list) or not obj:
        return False
    _batch_objects[batch_id] = obj
    _batch_symbols[batch_id] = list(symbols)
    for symbol in symbols:
        _symbol_batch.setdefault(symbol, batch_id)
    return True


def find(kernels):
    """The kernels (PortableKernel) that neither this process nor the disk cache has,
    each symbol once; the others are recorded as known."""
    missing, seen = [], set()
    with _lock:
        for kernel in kernels:
            if kernel.symbol in seen:
                continue
            seen.add(kernel.symbol)
            if kernel.symbol in _symbol_batch:
                stats["memory"] += 1
                continue
            cache = _cache()
            index = cache.get("kernel", kernel.symbol) if cache is not None else None
            batch_id = index.decode("ascii", "replace") if index else None
            if batch_id and _read_batch(batch_id) and kernel.symbol in _batch_symbols[batch_id]:
                _symbol_batch[kernel.symbol] = batch_id
                stats["disk"] += 1
                continue
            missing.append(kernel)
    return missing


def batch_id_of(kernels):
    return hashlib.sha256("\n".join(sorted(k.symbol for k in kernels)).encode()).hexdigest()


def add_batch(kernels, obj):
    """Record the object code of a batch of kernels (in memory and on disk); returns
    its id."""
    batch_id = batch_id_of(kernels)
    symbols = [k.symbol for k in kernels]
    with _lock:
        _batch_objects[batch_id] = obj
        _batch_symbols[batch_id] = symbols
        for symbol in symbols:
            _symbol_batch[symbol] = batch_id
        stats["compiled"] += len(symbols)
    cache = _cache()
    if cache is not None:
        cache.put("kernels", batch_id, pack({"symbols": symbols}, obj))
        for symbol in symbols:
            cache.put("kernel", symbol, batch_id.encode("ascii"))
    return batch_id


def placement(kernels):
    """[symbol, batch id] for each distinct kernel of a graph (all must be known)."""
    out, seen = [], set()
    with _lock:
        for kernel in kernels:
            if kernel.symbol not in seen:
                seen.add(kernel.symbol)
                out.append([kernel.symbol, _symbol_batch[kernel.symbol]])
    return out


def available(pairs):
    """Whether the code of every [symbol, batch id] is in memory or readable from disk
    (a graph cached on disk is only usable if its kernels still are)."""
    with _lock:
        for symbol, batch_id in pairs:
            if symbol in _loaded_symbols or symbol in _symbol_batch:
                continue
            if not _read_batch(batch_id) or symbol not in _batch_symbols[batch_id]:
                return False
            _symbol_batch[symbol] = batch_id
    return True


def load(pairs):
    """JIT-load what a graph's entry calls: every batch holding one of its kernels not
    loaded yet, its symbols then visible to the entry's object."""
    with _lock:
        for symbol, placed in pairs:
            if symbol in _loaded_symbols:
                continue
            batch_id = _symbol_batch.get(symbol, placed)
            if batch_id is None or not _read_batch(batch_id):
                raise RuntimeError(f"kernel {symbol} is not compiled in this process nor in the disk cache")
            symbols = _batch_symbols[batch_id]
            addresses = target.load_object(_batch_objects[batch_id], symbols, provide=support.provide)
            for name, address in addresses.items():
                target.add_symbol(name, address)
            _loaded_symbols.update(symbols)
            stats["batches_loaded"] += 1
