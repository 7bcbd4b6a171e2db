"""Build and load keralite's native C runtime (the thread pool and friends).

On first use the C sources shipped in ``keralite.csrc`` (``*.c``) are compiled
into one shared library::

    $CC -O2 -shared -fPIC -pthread -std=gnu11 -I<csrc> <csrc>/*.c -lm -o lib.so

stored in the user cache (``cache.cache_dir()/native``) under a name keyed by a
hash of the sources, the compiler and the platform, so later processes just
load it. Writes are atomic (temporary file + ``os.replace``): processes racing
to build it are harmless. With the disk cache off or unusable the library is
built into a private temporary directory removed at exit.

The library is loaded with cffi in ABI mode (``ffi.dlopen``); the declarations
come from the ``KL_CDEF_BEGIN``/``KL_CDEF_END`` region of keralite_runtime.h.

This module must not import llvmlite or keralite.compiler: the runtime has to
work in processes without them (e.g. serving an exported model).
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from . import cache

__all__ = [
    "NativeRuntime",
    "get_num_threads",
    "include_dir",
    "library_path",
    "load",
    "set_num_threads",
    "symbol_address",
]

# Bump when the build recipe changes in a way the hash below cannot see.
_RECIPE_VERSION = 1
_CFLAGS = ("-O2", "-shared", "-fPIC", "-pthread", "-std=gnu11")
_LDLIBS = ("-lm",)
_LIB_PREFIX = "libkeralite_rt"
_HEADER = "keralite_runtime.h"
_CDEF_BEGIN = "/* KL_CDEF_BEGIN */"
_CDEF_END = "/* KL_CDEF_END */"
_COMPILE_TIMEOUT = 600

_NO_COMPILER_HELP = (
    "keralite needs a C compiler to build its native runtime (a small C library "
    "compiled once on first use and cached), but none was found{detail}. "
    "Install one, e.g. `sudo apt-get install gcc` (Debian/Ubuntu), "
    "`sudo dnf install gcc` (Fedora/RHEL), `apk add build-base` (Alpine), "
    "`xcode-select --install` (macOS) or `conda install c-compiler`, "
    "or point the CC environment variable at a C compiler."
)


class NativeRuntime:
    """The loaded runtime: ``ffi`` (cffi.FFI), ``lib`` (its dlopen'ed library)
    and ``path`` (the shared library file)."""

    __slots__ = ("ffi", "lib", "path")

    def __init__(self, ffi, lib, path: Path):
        self.ffi = ffi
        self.lib = lib
        self.path = path

    def __repr__(self) -> str:
        return f"<keralite NativeRuntime {str(self.path)!r}>"


_lock = threading.RLock()
_runtime: NativeRuntime | None = None
_background: threading.Thread | None = None
_ctypes_lib: ctypes.CDLL | None = None
_private_dir: Path | None = None


# --------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------


def include_dir() -> Path:
    """The directory holding the runtime's C sources and keralite_runtime.h."""
    # keralite/runtime and keralite/csrc are siblings both in the source tree
    # (runtime/, csrc/) and in an installed wheel.
    here = Path(__file__).resolve().parent.parent / "csrc"
    if (here / _HEADER).is_file():
        return here
    import importlib.util

    spec = importlib.util.find_spec("keralite.csrc")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        if (Path(loc) / _HEADER).is_file():
            return Path(loc)
    raise RuntimeError(f"keralite: cannot find the runtime C sources ({_HEADER}) of keralite.csrc")


def source_files(src: Path) -> tuple[list[Path], list[Path]]:
    """The C sources and headers of the C runtime in `src` (an export builds them too)."""
    c_files = sorted(src.glob("*.c"))
    h_files = sorted(src.glob("*.h"))
    if not c_files:
        raise RuntimeError(f"keralite: no C sources found in {src}")
    return c_files, h_files


def _source_hash(files: list[Path]) -> str:
    h = hashlib.sha256()
    h.update(b"keralite-runtime-recipe-%d\0" % _RECIPE_VERSION)
    for f in files:
        data = f.read_bytes()
        h.update(f.name.encode() + b"\0" + str(len(data)).encode() + b"\0")
        h.update(data)
    return h.hexdigest()


def _cdef_text(src: Path) -> str:
    text = (src / _HEADER).read_text()
    try:
        begin = text.index(_CDEF_BEGIN) + len(_CDEF_BEGIN)
        end = text.index(_CDEF_END, begin)
    except ValueError:
        raise RuntimeError(
            f"keralite: {_HEADER} lacks the {_CDEF_BEGIN} ... {_CDEF_END} region"
        ) from None
    return text[begin:end]


# --------------------------------------------------------------------------
# Compiler
# --------------------------------------------------------------------------


def find_compiler() -> list[str]:
    """argv prefix of the C compiler: $CC (may hold arguments), else cc, gcc,
    clang on PATH. Raises RuntimeError with install hints when none is found."""
    env = os.environ.get("CC", "").strip()
    if env:
        try:
            argv = shlex.split(env)
        except ValueError:
            argv = []
        exe = shutil.which(argv[0]) if argv else None
        if exe is None:
            raise RuntimeError(_NO_COMPILER_HELP.format(detail=f" (CC={env!r} is not an executable)"))
        return [exe, *argv[1:]]
    for name in ("cc", "gcc", "clang"):
        exe = shutil.which(name)
        if exe:
            return [exe]
    raise RuntimeError(_NO_COMPILER_HELP.format(detail=" (looked for $CC, cc, gcc and clang on PATH)"))


def _compiler_identity(argv: list[str]) -> str:
    """Changes when the compiler is replaced or upgraded (no subprocess)."""
    exe = argv[0]
    try:
        real = os.path.realpath(exe)
        st = os.stat(real)
        stamp = f"{real}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        stamp = exe
    return "\0".join([stamp, *argv])


def _platform_identity() -> str:
    return "\0".join([sys.platform, platform.machine(), platform.system(), os.name])


# --------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------


def _private_build_dir() -> Path:
    global _private_dir
    if _private_dir is None:
        d = Path(tempfile.mkdtemp(prefix="keralite-rt-"))
        atexit.register(shutil.rmtree, str(d), True)
        _private_dir = d
    return _private_dir


def _cache_build_dir() -> Path | None:
    base = cache.cache_dir()
    if base is None:
        return None
    d = base / "native"
    try:
        d.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    return d if cache.trusted_dir(d) else None


def _compile(cc: list[str], src: Path, c_files: list[Path], out_dir: Path, final: Path) -> None:
    build_library([*cc, *_CFLAGS, "-I", str(src), *[str(f) for f in c_files], *_LDLIBS], out_dir, final,
                  "the native runtime")


def build_library(command: list[str], out_dir: Path, final: Path, what: str) -> None:
    """Run a compiler `command` (all but its `-o` output) into a temporary file in
    `out_dir`, then record its digest and move it to `final` atomically: a process
    killed meanwhile leaves no half-written library where a loader would find it.
    Raises RuntimeError naming `what` when the compiler fails or cannot run."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=final.suffix, dir=out_dir)
    os.close(fd)
    try:
        cmd = [*command, "-o", tmp]
        try:
            proc = subprocess.run(
                cmd,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=_COMPILE_TIMEOUT,
            )
        except FileNotFoundError:
            raise RuntimeError(_NO_COMPILER_HELP.format(detail=f" ({command[0]!r} could not be run)")) from None
        except subprocess.TimeoutExpired:
            raise RuntimeError(
                f"keralite: building {what} timed out after {_COMPILE_TIMEOUT}s: " + shlex.join(cmd)
            ) from None
        if proc.returncode != 0 or not os.path.getsize(tmp):
            output = (proc.stderr or "") + (proc.stdout or "")
            raise RuntimeError(
                f"keralite: building {what} failed "
                f"(exit code {proc.returncode}):\n  {shlex.join(cmd)}\n{output.strip()}"
            )
        os.chmod(tmp, 0o700)
        _write_digest(Path(tmp), final)
        os.replace(tmp, final)
        tmp = None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _digest_path(library: Path) -> Path:
    return library.with_name(library.name + ".sha256")


def _file_digest(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _write_digest(built: Path, final: Path) -> None:
    """Record the digest of a library just built, beside where it will live."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".sha256", dir=final.parent)
    with os.fdopen(fd, "w") as f:
        f.write(_file_digest(built))
    os.chmod(tmp, 0o600)
    os.replace(tmp, _digest_path(final))


def _verified(path: Path) -> bool:
    """A cached library may be loaded only when it, and the digest recorded when it was
    built, are files of ours that nobody else can write, reached without a symlink, and
    its bytes still have that digest; anything else is removed (and then rebuilt), never
    loaded: loading a library runs its code."""
    record = _digest_path(path)
    if not (cache.trusted_file(path) and cache.trusted_file(record)):
        for p in (path, record):     # unlinking a symlink removes the link, not its target
            try:
                os.unlink(p)
            except OSError:
                pass
        return False
    try:
        expected = record.read_text().strip()
        ok = _file_digest(path) == expected
    except OSError:
        ok = False
    if not ok:
        cache._warn(f"keralite: the cached native runtime {str(path)!r} does not match the digest "
                    "recorded when it was built; building it again")
        for p in (path, record):
            try:
                os.unlink(p)
            except OSError:
                pass
    return ok


def _dlopen(path: Path, cdef: str) -> NativeRuntime:
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(cdef)
    lib = ffi.dlopen(str(path))
    return NativeRuntime(ffi, lib, path)


def _build_and_load() -> NativeRuntime:
    src = include_dir()
    c_files, h_files = source_files(src)
    cdef = _cdef_text(src)
    src_hash = _source_hash(c_files + h_files)

    cache_dir = _cache_build_dir()
    try:
        cc = find_compiler()
    except RuntimeError:
        # No compiler: a library built earlier from these very sources (by any
        # compiler) will do.
        for d in (cache_dir, _private_dir):
            if d is None:
                continue
            for candidate in sorted(d.glob(f"{_LIB_PREFIX}-{src_hash[:16]}-*.so")):
                if not _verified(candidate):
                    continue
                try:
                    return _dlopen(candidate, cdef)
                except OSError:
                    continue
        raise

    full = hashlib.sha256(
        "\0\0".join([src_hash, _compiler_identity(cc), _platform_identity(), " ".join(_CFLAGS + _LDLIBS)]).encode()
    ).hexdigest()
    name = f"{_LIB_PREFIX}-{src_hash[:16]}-{full[:16]}.so"

    dirs = [d for d in (cache_dir,) if d is not None]
    dirs.append(_private_build_dir)  # a callable: only created when needed
    last_error: OSError | None = None
    for d in dirs:
        if callable(d):
            d = d()
        path = d / name
        if os.path.lexists(path) and _verified(path):
            try:
                return _dlopen(path, cdef)
            except OSError:
                # Damaged or foreign: rebuild it.
                try:
                    os.unlink(path)
                except OSError:
                    pass
        try:
            _compile(cc, src, c_files, d, path)
        except OSError as exc:  # unwritable directory and such: try the next one
            last_error = exc
            continue
        try:
            return _dlopen(path, cdef)
        except OSError as exc:  # e.g. a noexec mount: try the next directory
            last_error = exc
            continue
    raise RuntimeError(f"keralite: could not build or load the native runtime: {last_error}")


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def load() -> NativeRuntime:
    """The native runtime, built if needed; loaded once per process."""
    global _runtime
    rt = _runtime
    if rt is not None:
        return rt
    with _lock:
        if _runtime is None:
            _runtime = _build_and_load()
        return _runtime


def start_background_load() -> None:
    """Build (if needed) and load the runtime on a thread, so that a first use on a
    machine compiles the C sources while the program goes on importing; `load` then
    waits for it (its lock) or, if the thread failed, tries again and raises."""
    global _background
    if _runtime is not None or _background is not None:
        return

    def quietly():
        try:
            load()
        except Exception:   # load() raises it again, in the caller's thread
            pass
    # not a daemon: a process ending meanwhile waits for the build to finish, so a
    # half-written library is never left behind nor a dlopen cut short
    _background = threading.Thread(target=quietly, name="keralite-runtime-build", daemon=False)
    _background.start()


def library_path() -> Path:
    """Path of the runtime shared library (built if needed)."""
    return load().path


def symbol_address(name: str) -> int:
    """Address of an exported runtime function or variable, e.g. for
    registering it with the JIT. Raises LookupError if there is no such symbol."""
    global _ctypes_lib
    rt = load()
    try:
        obj = getattr(rt.lib, name)
    except AttributeError:
        obj = None
    ffi = rt.ffi
    if isinstance(obj, ffi.CData) and ffi.typeof(obj).kind in ("function", "pointer"):
        return int(ffi.cast("uintptr_t", obj))
    if obj is not None:  # a declared global variable: take its address
        try:
            return int(ffi.cast("uintptr_t", ffi.addressof(rt.lib, name)))
        except (AttributeError, TypeError, ffi.error):
            pass
    # Not declared to cffi: plain dlsym.
    with _lock:
        if _ctypes_lib is None:
            _ctypes_lib = ctypes.CDLL(str(rt.path))
    try:
        fn = getattr(_ctypes_lib, name)
    except AttributeError:
        raise LookupError(f"keralite runtime {str(rt.path)!r} exports no symbol {name!r}") from None
    return int(ctypes.cast(fn, ctypes.c_void_p).value)


def set_num_threads(n: int) -> None:
    """Threads (workers + caller) that parallel loops may use; n <= 0 restores
    the default (KERALITE_NUM_THREADS, else the CPUs available to the process)."""
    load().lib.kl_set_num_threads(int(n))


def get_num_threads() -> int:
    """Threads (workers + caller) that parallel loops may use."""
    return int(load().lib.kl_get_num_threads())
