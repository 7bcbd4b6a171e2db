"""A hash of the compiler's own sources.

Object code cached by another version of the code generator (whose memory layout or
calling convention may differ) must never be reused, so every cache key of compiled code
(graphs and the support library) includes this hash. It imports nothing of the compiler,
so any layer may use it.
"""
import hashlib
import os

_fingerprint = None


def compiler_fingerprint():
    """16 hex digits that change whenever any .py file under compiler/ changes."""
    global _fingerprint
    if _fingerprint is None:
        root = os.path.dirname(os.path.abspath(__file__))
        h = hashlib.sha256()
        for folder, dirs, files in sorted(os.walk(root)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    h.update(os.path.relpath(path, root).encode())
                    with open(path, "rb") as f:
                        h.update(f.read())
        _fingerprint = h.hexdigest()[:16]
    return _fingerprint
