"""keralite's on-disk cache of compiled objects.

Entries are addressed by ``(kind, key)``: ``kind`` is a short name for the sort
of object (``"obj"``, ``"native"``, ...), ``key`` a string describing exactly
what was compiled from what (graph hash, compiler version, target, flags...).

Layout: ``cache_dir()/<kind>/<sha256(kind, key)>``. Each file is::

    magic      8 bytes   b"KLCACHE\\x00"
    version    u32 LE    FORMAT_VERSION
    kind_len   u32 LE
    key_len    u32 LE
    data_len   u64 LE
    sha256     32 bytes  of the payload
    kind       kind_len bytes (UTF-8)
    key        key_len bytes (UTF-8)
    payload    data_len bytes

``get`` checks all of it and treats anything that does not validate (truncated,
foreign, another key that hashed to the same name, bit rot) as a miss, deleting
the file. Writes go to a temporary file in the same directory and are renamed
into place, so readers never see half-written entries and racing writers are
harmless. The cache is a pure optimisation: no OSError ever reaches the caller.

Environment:
    KERALITE_CACHE_DIR            use this directory
    XDG_CACHE_HOME                else $XDG_CACHE_HOME/keralite, else ~/.cache/keralite
    KERALITE_DISABLE_DISK_CACHE   "1" (or true/yes/on) disables the cache

This module must not import llvmlite or keralite.compiler.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import struct
import tempfile
import warnings
from pathlib import Path

__all__ = [
    "FORMAT_VERSION",
    "cache_dir",
    "disk_cache_enabled",
    "entry_path",
    "get",
    "put",
]

MAGIC = b"KLCACHE\x00"
FORMAT_VERSION = 1
_HEADER = struct.Struct("<8sIIIQ32s")  # magic, version, kind_len, key_len, data_len, sha256
_KIND_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_TRUE = {"1", "true", "yes", "on"}


class CacheDirWarning(UserWarning):
    """The cache directory cannot be used safely; disk caching is off."""


_warned: set[str] = set()


def _warn(message: str) -> None:
    # Once per distinct problem per process: get/put call cache_dir() each time.
    if message in _warned:
        return
    _warned.add(message)
    warnings.warn(message, CacheDirWarning, stacklevel=4)


def disk_cache_enabled() -> bool:
    """False when ``KERALITE_DISABLE_DISK_CACHE`` is set to a true value."""
    return os.environ.get("KERALITE_DISABLE_DISK_CACHE", "").strip().lower() not in _TRUE


def _configured_dir() -> Path:
    env = os.environ.get("KERALITE_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "keralite"
    return Path.home() / ".cache" / "keralite"


def _secure_dir(path: Path) -> bool:
    """Create ``path`` (mode 0700) or check an existing one: it must be a
    directory owned by us; looser permissions are tightened to 0700.
    Returns False (after a warning) when it cannot be used."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.stat(path)
    except OSError as exc:
        _warn(
            f"keralite: cannot use cache directory {str(path)!r} ({exc}); "
            "compiled code will not be cached on disk"
        )
        return False
    if not stat.S_ISDIR(st.st_mode):
        _warn(
            f"keralite: cache path {str(path)!r} is not a directory; "
            "compiled code will not be cached on disk"
        )
        return False
    getuid = getattr(os, "getuid", None)
    if getuid is not None and st.st_uid != getuid():
        _warn(
            f"keralite: cache directory {str(path)!r} is owned by another user "
            f"(uid {st.st_uid}); refusing to use it, compiled code will not be "
            "cached on disk (set KERALITE_CACHE_DIR to a directory of your own)"
        )
        return False
    if getuid is not None and stat.S_IMODE(st.st_mode) & 0o077:
        try:
            os.chmod(path, 0o700)
        except OSError as exc:
            _warn(
                f"keralite: cannot restrict permissions of cache directory "
                f"{str(path)!r} ({exc}); compiled code will not be cached on disk"
            )
            return False
    return True


def cache_dir() -> Path | None:
    """The cache directory, created (mode 0700) if needed; None when disk
    caching is disabled or the directory cannot be used safely."""
    if not disk_cache_enabled():
        return None
    path = _configured_dir()
    if not _secure_dir(path):
        return None
    return path


def trusted_dir(path: Path) -> bool:
    """A subdirectory of the cache may be used: a real directory (not a symlink), ours;
    looser permissions than 0700 are tightened. Otherwise warned about (once)."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    getuid = getattr(os, "getuid", None)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode) or \
            (getuid is not None and st.st_uid != getuid()):
        _warn(f"keralite: cache subdirectory {str(path)!r} is a link, not a directory or not ours; "
              "ignoring what it holds")
        return False
    if stat.S_IMODE(st.st_mode) & 0o077:
        try:
            os.chmod(path, 0o700)
        except OSError:
            return False
    return True


def trusted_file(path: Path) -> bool:
    """A cache entry may be read or loaded: a regular file reached without a symlink,
    owned by us and writable by nobody else. An entry that is not is reported (once) and
    removed, so it is rebuilt: a damaged entry never costs more than a rebuild."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    getuid = getattr(os, "getuid", None)
    if stat.S_ISREG(st.st_mode) and (getuid is None or st.st_uid == getuid()) and \
            not stat.S_IMODE(st.st_mode) & 0o022:
        return True
    _warn(f"keralite: cache entry {str(path)!r} is a link, not a regular file, not ours, or "
          "writable by others; ignoring it and building it again")
    _unlink_quietly(path)
    return False


def _check_kind(kind: str) -> str:
    if not isinstance(kind, str) or not _KIND_RE.match(kind):
        raise ValueError(f"invalid cache kind {kind!r}: use 1-64 characters of [A-Za-z0-9_.-]")
    return kind


def _key_bytes(key: str | bytes) -> bytes:
    if isinstance(key, bytes):
        return key
    if isinstance(key, str):
        return key.encode("utf-8", "surrogatepass")
    raise TypeError(f"cache key must be str or bytes, not {type(key).__name__}")


def _filename(kind_b: bytes, key_b: bytes) -> str:
    h = hashlib.sha256()
    h.update(struct.pack("<Q", len(kind_b)))
    h.update(kind_b)
    h.update(struct.pack("<Q", len(key_b)))
    h.update(key_b)
    return h.hexdigest()


def entry_path(kind: str, key: str | bytes) -> Path | None:
    """Where the entry for (kind, key) lives (whether or not it exists);
    None when the disk cache is off."""
    kind = _check_kind(kind)
    base = cache_dir()
    if base is None:
        return None
    return base / kind / _filename(kind.encode(), _key_bytes(key))


def _unlink_quietly(path: Path | str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def get(kind: str, key: str | bytes) -> bytes | None:
    """The payload stored for (kind, key), or None on a miss, on an invalid
    entry (which is deleted) or on any I/O error."""
    kind = _check_kind(kind)
    kind_b, key_b = kind.encode(), _key_bytes(key)
    base = cache_dir()
    if base is None:
        return None
    path = base / kind / _filename(kind_b, key_b)
    if not os.path.lexists(path) or not trusted_dir(base / kind) or not trusted_file(path):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            blob = f.read()
    except FileNotFoundError:
        return None
    except OSError:
        return None
    payload = _decode(blob, kind_b, key_b)
    if payload is None:
        _unlink_quietly(path)
    return payload


def _decode(blob: bytes, kind_b: bytes, key_b: bytes) -> bytes | None:
    hs = _HEADER.size
    if len(blob) < hs:
        return None
    magic, version, kind_len, key_len, data_len, digest = _HEADER.unpack_from(blob, 0)
    if magic != MAGIC or version != FORMAT_VERSION:
        return None
    if len(blob) != hs + kind_len + key_len + data_len:
        return None
    off = hs
    if blob[off : off + kind_len] != kind_b:
        return None
    off += kind_len
    if blob[off : off + key_len] != key_b:
        return None
    off += key_len
    payload = blob[off:]
    if hashlib.sha256(payload).digest() != digest:
        return None
    return payload


def _encode(kind_b: bytes, key_b: bytes, data: bytes) -> bytes:
    header = _HEADER.pack(
        MAGIC,
        FORMAT_VERSION,
        len(kind_b),
        len(key_b),
        len(data),
        hashlib.sha256(data).digest(),
    )
    return b"".join((header, kind_b, key_b, data))


def put(kind: str, key: str | bytes, data: bytes) -> None:
    """Store ``data`` for (kind, key), atomically, file mode 0600. Does nothing
    when the cache is off or on any I/O error."""
    kind = _check_kind(kind)
    kind_b, key_b = kind.encode(), _key_bytes(key)
    data = bytes(data)
    base = cache_dir()
    if base is None:
        return
    sub = base / kind
    tmp = None
    try:
        sub.mkdir(mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=sub)
        try:
            f = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            raise
        with f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), 0o600)
            f.write(_encode(kind_b, key_b, data))
        os.replace(tmp, sub / _filename(kind_b, key_b))
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            _unlink_quietly(tmp)
