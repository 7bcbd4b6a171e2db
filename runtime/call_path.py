"""The repeat-call path in C (csrc/python/call_path.c): built on first repeated use,
cached, and used when it loads.

A compiled function called again with inputs shaped like its last ones spends ~3.5 us
in Python per call (a batch-1 MLP predict runs ~21 us of native code); the extension
does the same bookkeeping in well under a microsecond. It is optional: without a C
compiler or Python's headers, or while it builds, `repeat_call_type()` returns None
and the Python path of runtime/executable.py runs instead, with the same behaviour.

The build uses the C runtime's compiler (runtime/native.py) and its cache directory
and checks, under a name keyed by the source, the compiler, the platform and the
interpreter's extension ABI. It runs on a background thread, started by the first
repeated call, so no call waits for it: a first result's time never includes it.
"""
from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
import sysconfig
import threading
from pathlib import Path

from . import native

_MODULE = "_keralite_call"
_CFLAGS = ("-O2", "-shared", "-fPIC", "-std=gnu11")

_lock = threading.Lock()
_type = None            # the RepeatCall type once loaded
_state = "idle"         # idle -> building -> ready | unavailable
_on_built = []          # callbacks to run when a background build succeeds
_builder = None         # the thread of that build, once started


def source_path() -> Path:
    return native.include_dir() / "python" / "call_path.c"


def _library_name(cc: list[str], source: bytes) -> str:
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    key = hashlib.sha256("\0\0".join([
        hashlib.sha256(source).hexdigest(), native._compiler_identity(cc), native._platform_identity(),
        sys.version, suffix, " ".join(_CFLAGS)]).encode()).hexdigest()
    return f"{_MODULE}-{key[:24]}{suffix}"


def _headers() -> list[str]:
    include = sysconfig.get_paths().get("include")
    if not include or not os.path.isfile(os.path.join(include, "Python.h")):
        raise RuntimeError("Python's C headers (Python.h) are not installed")
    return ["-I", include]


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(_MODULE, str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RepeatCall


def _build_and_load(build: bool):
    """The RepeatCall type from the cache; with `build`, compiled first when missing.
    None when it is missing and `build` is off."""
    source = source_path()
    cc = native.find_compiler()
    name = _library_name(cc, source.read_bytes())
    cached = native._cache_build_dir()
    if cached is not None and os.path.lexists(cached / name) and native._verified(cached / name):
        return _load(cached / name)
    if not build:
        return None
    directory = cached if cached is not None else native._private_build_dir()
    path = directory / name
    native.build_library([*cc, *_CFLAGS, *_headers(), str(source)], directory, path, "the C call path")
    return _load(path)


def _background_build():
    global _type, _state
    try:
        built = _build_and_load(build=True)
    except Exception:       # no compiler, no headers, a failed build: the Python path stays
        built = None
    with _lock:
        _type = built
        _state = "ready" if built is not None else "unavailable"
        waiting = list(_on_built)
        _on_built.clear()
    if built is not None:
        for callback in waiting:
            callback()


def repeat_call_type(on_built=None):
    """The C RepeatCall type, or None while it is unavailable. The first call loads it
    from the cache when it is there, else starts building it in the background;
    `on_built` (a callable, or None) is then called from the build's thread once the
    type can be had, so that a caller holding a Python path can make a C one."""
    global _type, _state, _builder
    if _state in ("ready", "unavailable"):
        return _type
    with _lock:
        if _state == "building":
            if on_built is not None:
                _on_built.append(on_built)
            return None
        if _state != "idle":
            return _type
        if os.environ.get("KERALITE_C_CALL_PATH", "1").strip().lower() in ("0", "false", "no", "off"):
            _state = "unavailable"
            return None
        try:
            _type = _build_and_load(build=False)
        except Exception:
            _type = None
        if _type is not None:
            _state = "ready"
            return _type
        _state = "building"
        if on_built is not None:
            _on_built.append(on_built)
        # not a daemon: a process ending meanwhile waits for the compiler, so no
        # half-written file is left behind (the write is atomic anyway)
        _builder = threading.Thread(target=_background_build, name="keralite-call-path-build", daemon=False)
        _builder.start()
    return None


def wait_until_built(timeout=None):
    """Blocks until a background build started by `repeat_call_type` is over (tests,
    benchmarks); returns the type or None."""
    if _builder is not None:
        _builder.join(timeout)
    return _type
