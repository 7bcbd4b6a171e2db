"""Load a model exported by `keralite compile` and run it from Python, without the compiler.

    model = load_library("out/")            # or out/libNAME.so, or out/NAME.json
    y = model.predict(x)                    # or predict([x1, x2]) for several inputs

The library is opened with cffi in ABI mode (`ffi.dlopen`); its declarations are read from
the KL_CDEF regions of the export's own headers (keralite_model.h and NAME.h), and its
inputs and outputs from NAME.json. This module imports neither llvmlite nor
keralite.compiler: a serving process needs only numpy and cffi.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

import cffi
import numpy as np

__all__ = ["load_library", "ExportedModel", "Context", "ExportRunError"]

_CDEF_BEGIN = "/* KL_CDEF_BEGIN */"
_CDEF_END = "/* KL_CDEF_END */"
_STORAGE = {"bool": np.dtype("uint8")}
_DTYPE_CODES = {1: "float32", 2: "float64", 3: "int32", 4: "int64", 5: "bool"}   # enum kl_dtype


class ExportRunError(RuntimeError):
    """A call into an exported library failed; `status` is its kl_status code."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _storage(dtype):
    return _STORAGE.get(dtype, np.dtype(dtype))


def _cdef_region(path):
    text = Path(path).read_text()
    try:
        begin = text.index(_CDEF_BEGIN) + len(_CDEF_BEGIN)
        end = text.index(_CDEF_END, begin)
    except ValueError:
        raise RuntimeError(f"{path} lacks the {_CDEF_BEGIN} ... {_CDEF_END} region") from None
    return text[begin:end]


def find_metadata(path):
    """NAME.json for a directory (holding one export), a NAME.json or a libNAME.so path."""
    path = Path(path)
    if path.is_dir():
        found = sorted(p for p in path.glob("*.json") if _is_export(p))
        if len(found) != 1:
            what = "no exported model" if not found else f"{len(found)} exported models"
            raise FileNotFoundError(f"{path} holds {what}; pass the path of one libNAME.so or NAME.json")
        return found[0]
    if path.suffix == ".json":
        return path
    if path.suffix == ".so" and path.name.startswith("lib"):
        candidate = path.with_name(path.name[3:-3] + ".json")
        if candidate.is_file():
            return candidate
        raise FileNotFoundError(f"{path}: its description {candidate.name} is missing "
                                "(keralite compile writes it next to the library)")
    raise FileNotFoundError(f"{path} is not an exported model (a directory, libNAME.so or NAME.json)")


def _is_export(path):
    try:
        return json.loads(path.read_text()).get("format") == "keralite-export"
    except (OSError, ValueError, AttributeError):
        return False


def load_library(path, num_threads=0):
    """An ExportedModel for a directory written by `keralite compile` (or its .so / .json).

    num_threads: threads for the model's parallel loops (0: KERALITE_NUM_THREADS, else
    every CPU available)."""
    meta_path = find_metadata(path)
    if not meta_path.is_file():
        raise FileNotFoundError(f"no such file: {meta_path}")
    meta = json.loads(meta_path.read_text())
    if meta.get("format") != "keralite-export":
        raise ValueError(f"{meta_path} does not describe a keralite export")
    return ExportedModel(meta_path.parent, meta, num_threads, json_path=meta_path)


class ExportedModel:
    """An exported model: its metadata (`name`, `batch_size`, `inputs`, `outputs`) and
    `predict`. Calls go through one default context (serialised by a lock); for calls
    from several threads at once, give each thread its own `new_context()`."""

    def __init__(self, directory, meta, num_threads=0, json_path=None):
        self.directory = Path(directory)
        self.meta = meta
        self.name = meta["name"]
        self.batch_size = meta["batch"]           # None: any batch size
        self.inputs = meta["inputs"]
        self.outputs = meta["outputs"]
        self.input_names = [t["name"] for t in self.inputs]
        self.output_names = [t["name"] for t in self.outputs]
        ffi = cffi.FFI()
        ffi.cdef(_cdef_region(self.directory / "keralite_model.h"))
        ffi.cdef(_cdef_region(self.directory / meta.get("header", f"{self.name}.h")))
        self.ffi = ffi
        self.path = self.directory / meta.get("library", f"lib{self.name}.so")
        self.lib = ffi.dlopen(str(self.path.resolve()))
        self._fn = {fn: getattr(self.lib, f"{self.name}_{fn}") for fn in
                    ("create", "destroy", "run_batch", "last_error", "find_input", "find_output")}
        self._check_metadata(json_path or self.directory / f"{self.name}.json")
        self._in_dtypes = [_storage(t["dtype"]) for t in self.inputs]
        self._item_shapes = [tuple(t["shape"][1:]) for t in self.inputs]
        self._out_dtypes = [_storage(t["dtype"]) for t in self.outputs]
        self._batched_outputs = all(t["shape"] and t["shape"][0] in (-1, self.batch_size) for t in self.outputs)
        self._lock = threading.Lock()
        self._default = None
        self._num_threads = num_threads

    def _check_metadata(self, json_path):
        """NAME.json must describe the library it names: the library's own tables (counts,
        names, dtypes, shapes) are the truth, and an edited or mismatched JSON is refused
        rather than trusted with buffer sizes."""
        for kind, specs in (("input", self.inputs), ("output", self.outputs)):
            count = getattr(self.lib, f"{self.name}_num_{kind}s")()
            if count != len(specs):
                raise ValueError(f"{json_path}: lists {len(specs)} {kind}s, but {self.path.name} has {count}")
            info = getattr(self.lib, f"{self.name}_{kind}_info")
            for k, spec in enumerate(specs):
                entry = info(k)
                name = self.ffi.string(entry.name).decode()
                dtype = _DTYPE_CODES.get(entry.dtype)
                shape = [int(entry.shape[a]) for a in range(entry.rank)]
                described = (spec.get("name"), spec.get("dtype"), list(spec.get("shape", [])))
                if described != (name, dtype, shape):
                    raise ValueError(f"{json_path}: {kind} {k} is described as {described[0]!r} {described[1]} "
                                     f"{described[2]}, but {self.path.name} has {name!r} {dtype} {shape}")

    def __repr__(self):
        batch = "dynamic" if self.batch_size is None else self.batch_size
        return f"<keralite ExportedModel {self.name!r} batch={batch} from {str(self.path)!r}>"

    # ---------------------------------------------------------------- errors
    def _message(self):
        return self.ffi.string(self._fn["last_error"]()).decode("utf-8", "replace")

    def check(self, status):
        """Raise ExportRunError for a non-zero kl_status (with the library's message)."""
        if status:
            raise ExportRunError(int(status), self._message())

    # ---------------------------------------------------------------- contexts
    def new_context(self, num_threads=None):
        """A Context of its own (scratch memory for one call at a time)."""
        return Context(self, self._num_threads if num_threads is None else num_threads)

    def _context(self):
        if self._default is None:
            self._default = self.new_context()
        return self._default

    def input_index(self, name):
        index = self.ffi.new("int *")
        self.check(self._fn["find_input"](name.encode(), index))
        return index[0]

    def output_index(self, name):
        index = self.ffi.new("int *")
        self.check(self._fn["find_output"](name.encode(), index))
        return index[0]

    # ---------------------------------------------------------------- running
    def predict(self, x):
        """Outputs for inputs `x` (an array, a list of arrays in input order, or a dict by
        input name): one array, or a list for several outputs. A fixed-batch export runs
        the items in batches of its size (the last one padded)."""
        with self._lock:
            return self._context().predict(x)

    def run(self, inputs, batch=None):
        """One call of the C function on exactly these arrays (no batching); a list of outputs."""
        with self._lock:
            return self._context().run(inputs, batch)

    def close(self):
        """Free the default context (the library stays loaded while the object lives)."""
        with self._lock:
            if self._default is not None:
                self._default.close()
                self._default = None

    def _plain_input(self, x):
        """Whether x is, as it is, the one input of a one-input model."""
        return (len(self.inputs) == 1 and x.dtype == self._in_dtypes[0] and x.ndim == len(self.inputs[0]["shape"])
                and x.shape[1:] == self._item_shapes[0] and x.flags.c_contiguous)

    def _arrays(self, x):
        if isinstance(x, dict):
            unknown = [k for k in x if k not in self.input_names]
            if unknown:
                self.input_index(unknown[0])   # raises with the library's message
            missing = [n for n in self.input_names if n not in x]
            if missing:
                raise ValueError(f"no value given for input {missing[0]!r}")
            x = [x[n] for n in self.input_names]
        elif type(x) is np.ndarray or not isinstance(x, (list, tuple)):
            x = [x]
        if len(x) != len(self.inputs):
            raise ValueError(f"model {self.name!r} takes {len(self.inputs)} inputs "
                             f"({', '.join(self.input_names)}), got {len(x)}")
        arrays = []
        for k, (value, spec) in enumerate(zip(x, self.inputs)):
            kind = np.asarray(value).dtype.kind
            if kind not in "biuf":
                raise TypeError(f"input {k} ({spec['name']}) is an array of {np.asarray(value).dtype}; "
                                "an exported model takes arrays of numbers (bool, int or float)")
            array = value
            if type(value) is not np.ndarray or value.dtype != self._in_dtypes[k] or not value.flags.c_contiguous:
                array = np.ascontiguousarray(value, dtype=self._in_dtypes[k])
            shape = spec["shape"]
            # axis 0 is the batch: any size here (a fixed-batch export's predict splits it)
            if array.ndim != len(shape) or array.shape[1:] != self._item_shapes[k]:
                want = "(" + ", ".join("batch" if d == -1 else str(d) for d in shape) + ")"
                raise ValueError(f"input {k} ({spec['name']}) has shape {array.shape}, expected {want}")
            arrays.append(array)
        return arrays


class Context:
    """A context of an exported model: runs one call at a time. Independent contexts run
    concurrently (the call releases the GIL)."""

    def __init__(self, model, num_threads=0):
        self.model = model
        ffi = model.ffi
        handle = ffi.new(f"{model.name}_context **")
        model.check(model._fn["create"](handle, int(num_threads)))
        self._handle = ffi.gc(handle[0], model._fn["destroy"])
        self._run_batch = model._fn["run_batch"]
        self._pointers = ffi.typeof("void *[]")
        self._output_shapes = {}    # batch -> output shapes (the last few)
        # output shapes with the batch axis to fill in, and their dtypes
        self._outputs = [([None if d == -1 else d for d in spec["shape"]], dtype)
                         for spec, dtype in zip(model.outputs, model._out_dtypes)]
        self._bool_outputs = [spec["dtype"] == "bool" for spec in model.outputs]
        # the common case, one array in and one out, takes a short path (batch-1 latency)
        self._simple = (len(model.inputs) == 1 and len(model.outputs) == 1 and not self._bool_outputs[0]
                        and model.outputs[0]["shape"][:1] == [-1] and model.batch_size is None)
        if self._simple:
            self._simple_output = (tuple(model.outputs[0]["shape"][1:]), model._out_dtypes[0])

    def close(self):
        if self._handle is not None:
            self.model.ffi.release(self._handle)
            self._handle = None

    def run(self, inputs, batch=None):
        """One call on exactly these arrays (batch: axis 0 of the first input); a list of outputs."""
        arrays = self.model._arrays(inputs)
        if batch is None:
            batch = arrays[0].shape[0] if arrays and arrays[0].ndim else (self.model.batch_size or 1)
        return self._call(arrays, batch)

    def _call(self, arrays, batch):
        if self._handle is None:
            raise RuntimeError("this context is closed")
        model = self.model
        for k, array in enumerate(arrays):
            if array.ndim and model.inputs[k]["shape"][0] == -1 and array.shape[0] != batch:
                raise ValueError(f"input {k} ({model.input_names[k]}) has {array.shape[0]} items, "
                                 f"but the batch size is {batch}")
        shapes = self._output_shapes.get(batch)
        if shapes is None:
            if len(self._output_shapes) > 8:
                self._output_shapes.clear()
            shapes = self._output_shapes[batch] = [(tuple(batch if d is None else d for d in shape), dtype)
                                                   for shape, dtype in self._outputs]
        outputs = [np.empty(shape, dtype) for shape, dtype in shapes]
        ffi = model.ffi
        # pointer tables per call: a context shared by two threads by mistake then gets
        # KL_ERROR_BUSY from the library, never another call's arrays
        status = self._run_batch(self._handle, batch, ffi.new(self._pointers, [ffi.from_buffer(a) for a in arrays]),
                                 ffi.new(self._pointers, [ffi.from_buffer(o) for o in outputs]))
        if status:
            model.check(status)
        if any(self._bool_outputs):
            outputs = [o.view(np.bool_) if b else o for o, b in zip(outputs, self._bool_outputs)]
        return outputs

    def _call_simple(self, x):
        item_shape, dtype = self._simple_output
        y = np.empty((x.shape[0],) + item_shape, dtype)
        ffi = self.model.ffi
        status = self._run_batch(self._handle, x.shape[0], ffi.new(self._pointers, [ffi.from_buffer(x)]),
                                 ffi.new(self._pointers, [ffi.from_buffer(y)]))
        if status:
            self.model.check(status)
        return y

    def predict(self, x):
        """Outputs for `x` (see ExportedModel.predict)."""
        model = self.model
        if type(x) is np.ndarray and model._plain_input(x):
            if self._simple and x.shape[0] > 0 and self._handle is not None:
                return self._call_simple(x)
            arrays = [x]    # one input array as the library takes it: nothing to convert
        else:
            arrays = model._arrays(x)
        total = arrays[0].shape[0] if arrays and arrays[0].ndim else None
        fixed = model.batch_size
        if total == 0 and model._batched_outputs:
            outs = [np.empty([0 if d is None else d for d in shape], dtype) for shape, dtype in self._outputs]
        elif fixed is None or total == fixed or total is None or not model._batched_outputs:
            outs = self._call(arrays, total if total is not None else (fixed or 1))
        else:
            outs = self._run_in_batches(arrays, total, fixed)
        return outs[0] if len(outs) == 1 else outs

    def _run_in_batches(self, arrays, total, fixed):
        pieces = [[] for _ in self.model.outputs]
        for start in range(0, total, fixed):
            chunk = [a[start:start + fixed] for a in arrays]
            n = chunk[0].shape[0]
            if n < fixed:
                chunk = [np.concatenate([c, np.zeros((fixed - n,) + c.shape[1:], c.dtype)]) for c in chunk]
            for k, out in enumerate(self._call(chunk, fixed)):
                pieces[k].append(out[:n])
        return [np.concatenate(p) for p in pieces]
