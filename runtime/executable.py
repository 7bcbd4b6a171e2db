"""Executable: calls one compiled entry point with numpy arrays.

It knows nothing of the compiler: it takes the entry's address and its signature (plain
data: dtypes, shapes in terms of the `dims` array, slot layout, arena size) and binds
inputs, outputs, runtime-owned variable buffers, constants and the arena to the
`buffers` table of the C ABI `int32_t entry(void **buffers, const int64_t *dims, void *rt)`.
"""
import mmap
import threading
import weakref

import cffi
import numpy as np

from . import call_path

_ffi = cffi.FFI()
_ENTRY = "int32_t(*)(void **, int64_t *, void *)"

_STORAGE = {"bool": np.dtype("uint8")}


# id(buffer) -> (weak reference to it, how many times it was written): how a cache of
# values computed from weights (compiler/passes/weight_cache.py) knows they changed. No
# lock: two threads writing one buffer at once may count one write, which still
# changes the count, and that is all a reader compares.
_writes = {}


def note_written(buffer):
    """Record that a variable's buffer was written (a compiled update, `set_value`, an
    MPI broadcast into it): values cached from it are computed again at their next use."""
    key = id(buffer)
    entry = _writes.get(key)
    if entry is None or entry[0]() is not buffer:
        entry = (weakref.ref(buffer, lambda _, key=key: _writes.pop(key, None)), 0)
    _writes[key] = (entry[0], entry[1] + 1)


def write_counts(buffers):
    """How many times each buffer was written (0 for one never recorded)."""
    counts = []
    for buffer in buffers:
        entry = _writes.get(id(buffer))
        counts.append(entry[1] if entry is not None and entry[0]() is buffer else 0)
    return tuple(counts)


def storage_dtype(name):
    """The numpy dtype of a buffer holding IR dtype `name` (bool is stored as uint8)."""
    return _STORAGE.get(name, np.dtype(name))


class Executable:
    """Calls a compiled entry point with numpy arrays. `notes_writes`: record the writes
    of the variables the graph updates (`note_written`); off for a prologue, whose
    variables are caches nobody else derives values from."""

    def __init__(self, address, signature, variables=(), constants=(), notes_writes=True):
        self.signature = signature
        self._entry = _ffi.cast(_ENTRY, address)
        self._inputs = signature["inputs"]
        self._outputs = signature["outputs"]
        self._n_in = len(self._inputs)
        self._n_out = len(self._outputs)
        self._n_sym = signature["symbols"]
        self._derived = signature.get("derived", [])
        self._derived_index = {index for index, _, _ in self._derived}
        self._arena_terms = signature["arena"]
        self._errors = signature.get("errors", {})
        self._in_dtypes = [storage_dtype(i["dtype"]) for i in self._inputs]
        self._out_dtypes = [storage_dtype(o["dtype"]) for o in self._outputs]
        self._out_bool = [o["dtype"] == "bool" for o in self._outputs]
        self._static_out = [all(isinstance(d, int) for d in o["shape"]) for o in self._outputs]
        self._arenas = {}
        self._lock = threading.Lock()
        # a call with the input shapes of the last call that needed no conversion skips
        # binding and solving: `_repeat_call` (see _repeat_path), or None
        self._repeat_call = None
        self._fixed = {}
        base = self._n_in + self._n_out
        if len(variables) != len(signature["variables"]):
            raise ValueError(f"compiled function needs {len(signature['variables'])} variables, got {len(variables)}")
        for i, (arr, spec) in enumerate(zip(variables, signature["variables"])):
            self._check_buffer(arr, spec, "variable")
            self._fixed[base + i] = arr
        self._written = [variables[i] for i in signature.get("updated", [])] if notes_writes else []
        self._finish = _finisher(self._written, self._errors)
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
        so the first input that sets a symbol is the one an error names). Derived
        symbols (sizes the graph computes from others: the length after a strided
        convolution, a share of the batch) are computed once their bases are known, and
        inputs whose sizes use them are checked against the computed value."""
        dims = [0] * self._n_sym
        known = [False] * self._n_sym
        bound_by = [None] * self._n_sym
        sizes = {(k, axis): got for k, axis, got, _ in pending}
        progress = True
        while pending and progress:
            progress, waiting = False, []
            for k, axis, got, (coef, syms) in pending:
                unknown = [s for s in syms if not known[s]]
                if len(unknown) > 1 or any(s in self._derived_index for s in unknown):
                    waiting.append((k, axis, got, (coef, syms)))
                    continue
                progress = True
                product = coef
                for s in syms:
                    if known[s]:
                        product *= dims[s]
                if unknown:
                    s = unknown[0]
                    if product == 0 or got % product:
                        if product == 0 and got == 0:
                            dims[s], known[s], bound_by[s] = 0, True, (k, axis)
                            continue
                        raise ValueError(f"input {k}{_name(self._inputs[k])} has size {got} on axis {axis}, "
                                         f"which is not a multiple of {product}")
                    dims[s], known[s], bound_by[s] = got // product, True, (k, axis)
                elif product != got:
                    raise ValueError(self._mismatch(k, axis, got, product, syms, bound_by, sizes))
            pending = waiting
            if not progress:
                progress = self._compute_derived(dims, known)
        if pending:
            k, axis = pending[0][:2]
            raise ValueError(f"input {k}{_name(self._inputs[k])}: cannot infer the sizes of axis {axis}")
        self._compute_derived(dims, known)
        if not all(known):
            raise ValueError("compiled function: the inputs do not set every size the graph needs")
        return dims

    def _mismatch(self, k, axis, got, expected, syms, bound_by, sizes):
        """The message for an input size that differs from the one other inputs imply."""
        where = f"input {k}{_name(self._inputs[k])} has size {got} on axis {axis}"
        if any(s in self._derived_index for s in syms):
            return (f"{where}, but the graph computes {expected} for that axis from the sizes of the "
                    f"other inputs; they must agree")
        first = min(bound_by[s] for s in syms)
        return (f"{where}, but input {first[0]} has size {sizes[first]} on axis {first[1]}; "
                f"they must agree")

    def _compute_derived(self, dims, known):
        """Computes every derived symbol whose bases are known (in signature order, bases
        first); returns whether any was computed. A negative size, or a size the graph
        checks (an input shorter than a convolution's window), raises ValueError."""
        computed = False
        for index, spec, is_size in self._derived:
            if known[index]:
                continue
            try:
                value = _evaluate(spec, dims, known)
            except _NotYetKnown:
                continue
            if is_size and value < 0:
                raise ValueError(f"compiled function: the input sizes give a size of {value} to a value of "
                                 "the graph, which is negative")
            dims[index], known[index] = value, True
            computed = True
        return computed

    @staticmethod
    def _eval(spec, dims):
        coef, syms = spec
        for s in syms:
            coef *= dims[s]
        return coef

    def _shape(self, shape, dims):
        return tuple(d if isinstance(d, int) else self._eval(d, dims) for d in shape)

    def __call__(self, inputs):
        repeat = self._repeat_call
        if repeat is not None:
            outputs = repeat(inputs)
            if outputs is not None:
                return outputs
        if len(inputs) != self._n_in:
            raise ValueError(f"compiled function takes {self._n_in} inputs, got {len(inputs)}")
        pending = []
        arrays = [self._bind_input(k, x, pending) for k, x in enumerate(inputs)]
        dims = self._solve_dims(pending) if pending or self._n_sym else []
        key = tuple(dims)
        out_shapes = [tuple(spec["shape"]) if self._static_out[k] else self._shape(spec["shape"], dims)
                      for k, spec in enumerate(self._outputs)]
        outputs = [np.empty(shape, dtype) for shape, dtype in zip(out_shapes, self._out_dtypes)]
        with self._lock:
            call = self._arenas.get(key)
            if call is None:
                call = self._prepare(key)
            buffers, dims_c, _arena = call
            status = _call_entry(self._entry, buffers, dims_c, arrays, outputs)
        self._finish(status)
        if all(a is x for a, x in zip(arrays, inputs)):
            self._repeat_call = self._repeat_path(tuple(a.shape for a in arrays), tuple(out_shapes), call)
        return [o.view(np.bool_) if b else o for o, b in zip(outputs, self._out_bool)]

    def _repeat_path(self, shapes, out_shapes, call):
        """The call for inputs like the last ones: every input a C-contiguous ndarray of
        its dtype with the same shape, so that every check of a first call holds again
        and the sizes, output shapes and buffers table are those of that call. It returns
        None for any other inputs (the full path then runs). At batch 1 Python's share of
        a call is what is left to cut (an MLP's 784-512-512-10 predict runs ~21 us of
        native code): the C path (runtime/call_path.py) adds well under a microsecond,
        the Python one, used until it is built or where it cannot be, ~3.5 us."""
        # a bool output is allocated as bool: the kernels write its bytes as 0 and 1
        made = tuple((shape, np.dtype(np.bool_) if b else dtype)
                     for shape, dtype, b in zip(out_shapes, self._out_dtypes, self._out_bool))
        buffers, dims_c, _arena = call
        writes = bool(self._written)
        native = call_path.repeat_call_type(on_built=self._forget_repeat_path)
        if native is not None:
            checks = tuple((shape, memoryview(np.empty(0, dtype)).format, dtype.itemsize)
                           for shape, dtype in zip(shapes, self._in_dtypes))
            address = lambda cdata: int(_ffi.cast("uintptr_t", cdata))  # noqa: E731
            return native(address(self._entry), address(buffers), address(dims_c), checks, made, np.ndarray,
                          np.empty, self._lock, self._finish, writes, call)
        return _python_repeat_path(self._entry, buffers, dims_c, tuple(zip(shapes, self._in_dtypes)), made,
                                   self._lock, self._finish, writes)

    def _forget_repeat_path(self):
        """Called once the C path is built: the next call makes its repeat path anew."""
        self._repeat_call = None

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
        arena = _arena(max(size, 64))
        buffers[self._arena_slot] = _ffi.from_buffer(arena)
        dims_c = _ffi.new("int64_t[]", max(1, len(dims)))
        for i, d in enumerate(dims):
            dims_c[i] = d
        if len(self._arenas) > 16:
            self._arenas.clear()
        # the arena lives as long as the buffers table that points into it
        self._arenas[dims] = (buffers, dims_c, arena)
        return self._arenas[dims]


def _call_entry(entry, buffers, dims_c, arrays, outputs):
    """Binds the input and output arrays to the buffers table, in that order, and runs
    the entry (the caller holds the table's lock); returns its status."""
    k = 0
    for arr in arrays:
        buffers[k] = _ffi.from_buffer(arr)
        k += 1
    for arr in outputs:
        buffers[k] = _ffi.from_buffer(arr)
        k += 1
    return entry(buffers, dims_c, _ffi.NULL)


def _finisher(written, errors):
    """What follows every call: the writes of the variables the graph updates recorded,
    and a failure raised with the graph's message for its code. A closure over the two
    (not a method), so that a repeat path holding it does not hold its Executable."""
    def finish(status):
        for buffer in written:
            note_written(buffer)
        if status:
            message = errors.get(str(status), f"error code {status}")
            raise ValueError(f"compiled function failed: {message}")
    return finish


def _python_repeat_path(entry, buffers, dims_c, checks, made, lock, finish, writes):
    """The repeat path in Python (see Executable._repeat_path), its values bound as locals."""
    n_in, empty, ndarray = len(checks), np.empty, np.ndarray

    def repeat(inputs):
        if len(inputs) != n_in:
            return None
        for x, (shape, dtype) in zip(inputs, checks):
            if type(x) is not ndarray or x.shape != shape or x.dtype != dtype or not x.flags.c_contiguous:
                return None
        outputs = [empty(shape, dtype) for shape, dtype in made]
        with lock:
            status = _call_entry(entry, buffers, dims_c, inputs, outputs)
        if status or writes:
            finish(status)
        return outputs
    return repeat


class _NotYetKnown(Exception):
    """A derived size's bases are not all known yet."""


def _evaluate(spec, dims, known):
    """The value of a derived size's expression (JSON from the compiler: ints,
    ["dim", coef, [symbol indices]], ["sum", const, [[coef, expr], ...]],
    ["floordiv", expr, k], ["max", expr, ...], ["atleast", expr, minimum, message],
    ["same", expr, ...])."""
    if isinstance(spec, int):
        return spec
    op = spec[0]
    if op == "dim":
        value = spec[1]
        for s in spec[2]:
            if not known[s]:
                raise _NotYetKnown()
            value *= dims[s]
        return value
    if op == "sum":
        return spec[1] + sum(coef * _evaluate(e, dims, known) for coef, e in spec[2])
    if op == "floordiv":
        return _evaluate(spec[1], dims, known) // spec[2]
    if op == "max":
        return max(_evaluate(e, dims, known) for e in spec[1:])
    if op == "atleast":
        value = _evaluate(spec[1], dims, known)
        if value < spec[2]:
            raise ValueError(f"the input sizes do not fit the graph: {spec[3]} (it would be {value})")
        return value
    if op == "same":
        values = [_evaluate(e, dims, known) for e in spec[1:]]
        if len(set(values)) > 1:
            raise ValueError("the input sizes do not fit the graph: sizes it computes that must be equal "
                             f"differ ({' vs '.join(map(str, values))})")
        return values[0]
    raise ValueError(f"compiled function: unknown size expression {op!r}")


# An arena this big is a mapping of its own with every page faulted in before the first
# call.
POPULATED_ARENA = 4 << 20


def _arena(size):
    """A zeroed, 64-byte aligned scratch buffer of `size` bytes.

    A big one is an anonymous mapping made with MAP_POPULATE: a first call would
    otherwise fault its pages in one by one as the kernels first touch them, which on
    this VM cost the CNN's first train step (80 MiB of arena) 37 ms against the
    mapping's 27 ms. Transparent huge pages populate the same arena in 7 ms when the
    memory was freed moments before, but in 30 to 180 ms after a few idle seconds (the
    VM hands free 2 MiB blocks back to its host, which must fault them in again), so
    the arena stays in 4 KiB pages, whose cost does not depend on what ran before."""
    flags = getattr(mmap, "MAP_POPULATE", 0)
    if size >= POPULATED_ARENA and flags:
        try:
            mapping = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | flags)
        except (OSError, ValueError):
            mapping = None
        if mapping is not None:
            return np.frombuffer(mapping, np.uint8)     # page-aligned; the array keeps it mapped
    return aligned_empty((size,), np.uint8)


def aligned_empty(shape, dtype, alignment=64):
    """An uninitialised C-contiguous array whose data starts on an `alignment`-byte
    boundary (a view into a slightly larger allocation, which it keeps alive)."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape, dtype=np.int64))
    raw = np.empty(count * dtype.itemsize + alignment, np.uint8)
    start = (-raw.ctypes.data) % alignment
    return raw[start:start + count * dtype.itemsize].view(dtype).reshape(shape)


def _name(spec):
    return f" ({spec['name']})" if spec.get("name") else ""


def _show(shape):
    return "(" + ", ".join(str(d) if isinstance(d, int) else "None" for d in shape) + ")"
