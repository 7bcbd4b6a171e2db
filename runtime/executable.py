"""Executable: calls one compiled entry point with numpy arrays.

It knows nothing of the compiler: it takes the entry's address and its signature (plain
data: dtypes, shapes in terms of the `dims` array, slot layout, arena size) and binds
inputs, outputs, runtime-owned variable buffers, constants and the arena to the
`buffers` table of the C ABI `int32_t entry(void **buffers, const int64_t *dims, void *rt)`.
"""
import threading

import cffi
import numpy as np

_ffi = cffi.FFI()
_ENTRY = "int32_t(*)(void **, int64_t *, void *)"

_STORAGE = {"bool": np.dtype("uint8")}


def storage_dtype(name):
    """The numpy dtype of a buffer holding IR dtype `name` (bool is stored as uint8)."""
    return _STORAGE.get(name, np.dtype(name))


class Executable:
    def __init__(self, address, signature, variables=(), constants=()):
        self.signature = signature
        self._entry = _ffi.cast(_ENTRY, address)
        self._inputs = signature["inputs"]
        self._outputs = signature["outputs"]
        self._n_in = len(self._inputs)
        self._n_out = len(self._outputs)
        self._n_sym = signature["symbols"]
        self._arena_terms = signature["arena"]
        self._errors = signature.get("errors", {})
        self._in_dtypes = [storage_dtype(i["dtype"]) for i in self._inputs]
        self._out_dtypes = [storage_dtype(o["dtype"]) for o in self._outputs]
        self._out_bool = [o["dtype"] == "bool" for o in self._outputs]
        self._static_out = [all(isinstance(d, int) for d in o["shape"]) for o in self._outputs]
        self._arenas = {}
        self._lock = threading.Lock()
        self._fixed = {}
        base = self._n_in + self._n_out
        if len(variables) != len(signature["variables"]):
            raise ValueError(f"compiled function needs {len(signature['variables'])} variables, got {len(variables)}")
        for i, (arr, spec) in enumerate(zip(variables, signature["variables"])):
            self._check_buffer(arr, spec, "variable")
            self._fixed[base + i] = arr
        base += len(variables)
        for i, arr in enumerate(constants):
            self._fixed[base + i] = np.ascontiguousarray(arr)
        self._arena_slot = signature["slots"] - 1

    @staticmethod
    def _check_buffer(arr, spec, what):
        if not isinstance(arr, np.ndarray) or not arr.flags.c_contiguous:
            raise TypeError(f"{what} buffer must be a C-contiguous numpy array")
        if arr.dtype != storage_dtype(spec["dtype"]):
            raise TypeError(f"{what} buffer has dtype {arr.dtype}, expected {spec['dtype']}")

    # ---------------------------------------------------------------- binding
    def _bind_input(self, k, value, pending):
        spec = self._inputs[k]
        want = self._in_dtypes[k]
        arr = value
        if not isinstance(arr, np.ndarray):
            try:
                arr = np.asarray(arr)
            except Exception as exc:
                raise ValueError(f"input {k} cannot be converted to an array: {exc}") from None
        if arr.dtype != want:
            if arr.dtype.kind not in "biuf":
                raise ValueError(f"input {k} has dtype {arr.dtype}, expected {spec['dtype']}")
            arr = arr.astype(want)
        shape = spec["shape"]
        if arr.ndim != len(shape):
            raise ValueError(f"input {k}{_name(spec)} has shape {arr.shape}, expected {_show(shape)}")
        for axis, (got, d) in enumerate(zip(arr.shape, shape)):
            if isinstance(d, int):
                if got != d:
                    raise ValueError(f"input {k}{_name(spec)} has shape {arr.shape}, expected {_show(shape)}")
            else:
                pending.append((k, axis, got, d))
        if not arr.flags.c_contiguous:
            arr = np.ascontiguousarray(arr)
        return arr

    def _solve_dims(self, pending):
        """The symbol sizes from input sizes `coef * s1 * s2 ...` = got (input order first,
        so the first input that sets a symbol is the one an error names)."""
        dims = [-1] * self._n_sym
        bound_by = [None] * self._n_sym
        sizes = {(k, axis): got for k, axis, got, _ in pending}
        progress = True
        while pending and progress:
            progress, waiting = False, []
            for k, axis, got, (coef, syms) in pending:
                unknown = [s for s in syms if dims[s] < 0]
                if len(unknown) > 1:
                    waiting.append((k, axis, got, (coef, syms)))
                    continue
                progress = True
                known = coef
                for s in syms:
                    if dims[s] >= 0:
                        known *= dims[s]
                if unknown:
                    s = unknown[0]
                    if known == 0 or got % known:
                        if known == 0 and got == 0:
                            dims[s], bound_by[s] = 0, (k, axis)
                            continue
                        raise ValueError(f"input {k}{_name(self._inputs[k])} has size {got} on axis {axis}, "
                                         f"which is not a multiple of {known}")
                    dims[s], bound_by[s] = got // known, (k, axis)
                elif known != got:
                    first = min(bound_by[s] for s in syms)
                    raise ValueError(f"input {k}{_name(self._inputs[k])} has size {got} on axis {axis}, but input "
                                     f"{first[0]} has size {sizes[first]} on axis {first[1]}; "
                                     f"they must agree")
            pending = waiting
        if pending:
            k, axis = pending[0][:2]
            raise ValueError(f"input {k}{_name(self._inputs[k])}: cannot infer the sizes of axis {axis}")
        return dims

    @staticmethod
    def _eval(spec, dims):
        coef, syms = spec
        for s in syms:
            coef *= dims[s]
        return coef

    def _shape(self, shape, dims):
        return tuple(d if isinstance(d, int) else self._eval(d, dims) for d in shape)

    def __call__(self, inputs):
        if len(inputs) != self._n_in:
            raise ValueError(f"compiled function takes {self._n_in} inputs, got {len(inputs)}")
        pending = []
        arrays = [self._bind_input(k, x, pending) for k, x in enumerate(inputs)]
        dims = self._solve_dims(pending) if pending or self._n_sym else []
        key = tuple(dims)
        outputs = []
        for k, spec in enumerate(self._outputs):
            shape = tuple(spec["shape"]) if self._static_out[k] else self._shape(spec["shape"], dims)
            outputs.append(np.empty(shape, self._out_dtypes[k]))
        with self._lock:
            call = self._arenas.get(key)
            if call is None:
                call = self._prepare(key)
            buffers, dims_c, _arena = call
            for k, arr in enumerate(arrays):
                buffers[k] = _ffi.from_buffer(arr)
            for k, arr in enumerate(outputs):
                buffers[self._n_in + k] = _ffi.from_buffer(arr)
            status = self._entry(buffers, dims_c, _ffi.NULL)
        if status:
            message = self._errors.get(str(status), f"error code {status}")
            raise ValueError(f"compiled function failed: {message}")
        return [o.view(np.bool_) if b else o for o, b in zip(outputs, self._out_bool)]

    def arena_bytes(self):
        """Bytes of the largest arena prepared so far (one per set of dims called with)."""
        with self._lock:
            return max((len(arena) for _, _, arena in self._arenas.values()), default=0)

    def _prepare(self, dims):
        """Buffers table and arena for one set of dims (cached)."""
        buffers = _ffi.new("void *[]", max(1, self.signature["slots"]))
        for slot, arr in self._fixed.items():
            buffers[slot] = _ffi.from_buffer(arr)
        # arena slots start on 64-byte boundaries (the code computes the same offsets)
        size = sum(-(-self._eval(t, dims) // 64) * 64 for t in self._arena_terms)
        arena = np.empty(max(size, 64) + 64, np.uint8)
        # 64-byte align the arena base
        offset = (-arena.ctypes.data) % 64
        arena = arena[offset:]
        buffers[self._arena_slot] = _ffi.from_buffer(arena)
        dims_c = _ffi.new("int64_t[]", max(1, len(dims)))
        for i, d in enumerate(dims):
            dims_c[i] = d
        if len(self._arenas) > 16:
            self._arenas.clear()
        # the arena lives as long as the buffers table that points into it
        self._arenas[dims] = (buffers, dims_c, arena)
        return self._arenas[dims]


def _name(spec):
    return f" ({spec['name']})" if spec.get("name") else ""


def _show(shape):
    return "(" + ", ".join(str(d) if isinstance(d, int) else "None" for d in shape) + ")"
