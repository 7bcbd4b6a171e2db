"""Ahead-of-time export: a Keras model -> a native library with a C API.

    export_model(model, "out", name="digits", batch=None, target="host")

writes into `out/`:

    libdigits.so      the model, weights embedded; exports only the digits_* API
    digits.o          the same as one relocatable object, for static linking
    digits.h          the C API (create / run / run_batch / destroy / last_error / introspection)
    keralite_model.h  the types digits.h uses (status codes, dtypes, kl_tensor_info)
    digits.json       inputs and outputs, read by keralite.runtime.load_library

The library runs model.predict's graph: the compiler's object code for the target CPU, the
GEMM support library, the C runtime (csrc/: the thread pool) and the C API
(csrc/export/model_api.c with the model's tables), linked by the system C compiler.
"""
import json
import os
import re
import shutil
import tempfile
import time

from keralite.runtime import native
from keralite.utils.io_utils import atomic_path

from . import sources, toolchain
from .graph import CompiledExport, ExportError, predict_graph
from .toolchain import ToolchainError

__all__ = ["export_model", "ExportError", "ToolchainError", "Export", "predict_graph", "default_name"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED = {"kl", "keralite"}


class Export:
    """What export_model wrote: the paths, and how long it took."""

    def __init__(self, directory, name, metadata, seconds):
        self.directory = directory
        self.name = name
        self.metadata = metadata
        self.seconds = seconds   # {"compile": LLVM codegen, "build": cc + objcopy}
        self.library = os.path.join(directory, f"lib{name}.so")
        self.object = os.path.join(directory, f"{name}.o")
        self.header = os.path.join(directory, f"{name}.h")
        self.json = os.path.join(directory, f"{name}.json")

    def __repr__(self):
        return f"<keralite Export {self.name!r} in {self.directory!r}>"


def default_name(text):
    """A C identifier made from a file or model name ('digits-mlp.h5' -> 'digits_mlp')."""
    stem = os.path.splitext(os.path.basename(str(text)))[0]
    name = re.sub(r"[^A-Za-z0-9_]", "_", stem).strip("_") or "model"
    if name[0].isdigit():
        name = "model_" + name
    return name


def check_name(name):
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise ExportError(f"the export name {name!r} must be a C identifier (letters, digits, _), "
                          "because it prefixes the C functions")
    if name.lower() in _RESERVED:
        raise ExportError(f"the export name {name!r} is reserved; choose another")
    return name


def parse_batch(value):
    """--batch: a positive int, or 'dynamic' / None for any batch size."""
    if value is None or (isinstance(value, str) and value.lower() in ("dynamic", "none", "any")):
        return None
    try:
        batch = int(value)
    except (TypeError, ValueError):
        raise ExportError(f"--batch must be a positive integer or 'dynamic', got {value!r}") from None
    if batch < 1:
        raise ExportError(f"--batch must be a positive integer or 'dynamic', got {value!r}")
    return batch


def export_model(model, directory, name=None, batch=None, target="host", dump=None, seq_len=None):
    """Compile `model` (its predict graph) into `directory`; returns an Export.

    batch: an int, or None for a dynamic batch size; target: 'host' (every feature of this
    CPU), 'x86-64' (any x86-64 CPU), 'x86-64-v3' (AVX2) or 'x86-64-v4' (AVX-512);
    seq_len: the time length of a recurrent model whose inputs leave it unknown."""
    name = check_name(name or default_name(getattr(model, "name", None) or "model"))
    batch = parse_batch(batch)
    start = time.perf_counter()
    compiled = CompiledExport(model, name, batch, target, dump=dump, seq_len=seq_len)
    compiled_at = time.perf_counter()
    os.makedirs(directory, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"keralite-export-{name}-") as build_dir:
        blob_path = os.path.join(build_dir, f"{name}_weights.bin")
        with open(blob_path, "wb") as f:
            offsets, weights_bytes = compiled.write_weights(f)
        _write(build_dir, f"{name}.h", sources.header(compiled))
        model_c = _write(build_dir, f"{name}_model.c", sources.model_source(compiled, offsets))
        weights_s = _write(build_dir, f"{name}_weights.S", sources.weights_assembly(name, blob_path))
        graph_o = os.path.join(build_dir, f"{name}_graph.o")
        with open(graph_o, "wb") as f:
            f.write(compiled.object_code)
        support_o = os.path.join(build_dir, "keralite_support.o")
        with open(support_o, "wb") as f:
            f.write(_support_object(compiled.cpu, compiled.features))
        object_tmp = os.path.join(build_dir, f"{name}.o")
        library_tmp = os.path.join(build_dir, f"lib{name}.so")
        toolchain.build(build_dir, name, model_c, weights_s, [graph_o, support_o], object_tmp, library_tmp)

        metadata = compiled.metadata()
        metadata.update({"library": f"lib{name}.so", "object": f"{name}.o", "header": f"{name}.h",
                         "weights_bytes": weights_bytes, "keralite_version": _version()})
        _write(build_dir, f"{name}.json", json.dumps(metadata, indent=2) + "\n")
        for filename in (f"lib{name}.so", f"{name}.o", f"{name}.h", f"{name}.json"):
            # replace, never overwrite in place: a running program may have the old library
            # mapped, and an interrupted export must leave the previous one whole
            with atomic_path(os.path.join(directory, filename)) as tmp:
                shutil.copyfile(os.path.join(build_dir, filename), tmp)
            if filename.endswith(".so"):
                os.chmod(os.path.join(directory, filename), 0o755)
    with atomic_path(os.path.join(directory, "keralite_model.h")) as tmp:
        shutil.copyfile(os.path.join(native.include_dir(), "keralite_model.h"), tmp)
    done = time.perf_counter()
    return Export(directory, name, metadata, {"compile": compiled_at - start, "build": done - compiled_at})


def _support_object(cpu, features):
    from keralite.compiler.codegen import support
    return support.object_code(cpu, features, jit=False)


def _write(directory, filename, text):
    path = os.path.join(directory, filename)
    with open(path, "w") as f:
        f.write(text)
    return path


def _version():
    import keralite
    return keralite.__version__
