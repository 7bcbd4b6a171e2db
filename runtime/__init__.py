"""keralite.runtime: runs compiled code (buffers, calls, caches) and loads exported models.

Nothing here imports llvmlite or keralite.compiler, so a process that only serves an
exported model (`load_library`) needs numpy and cffi alone.
"""


def __getattr__(name):
    if name in ("load_library", "ExportedModel", "ExportRunError"):
        from . import library
        return getattr(library, name)
    raise AttributeError(f"module 'keralite.runtime' has no attribute {name!r}")
