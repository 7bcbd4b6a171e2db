"""A compile's outcome, stored under the graph as it was given, before any pass.

The compile key (driver.py) hashes the graph after its passes, so that graphs the
passes make equal share code; but then every compile runs the passes before it can
look in the cache, and for the CNN's train step they took ~18 ms of the 0.1 s a warm
first result may take (bench_compile). A record is keyed on the graph as given,
constant values included (the passes fold them), and holds what compile_graph returns
besides code:

- the key after the passes, which finds the code in the cache;
- the signature (plain data already);
- for every variable and constant slot, where its buffer comes from: a node of the
  given graph, by its position in `graph.nodes()`; a constant the passes made, whose
  array the record stores; or a variable the passes made (a weight cache, passes/
  weight_cache.py), made anew, zeroed, with the recorded dtype and shape (the prologue
  fills it before it is read);
- the same for the prologue, which shares those new variables.

A record that does not fit the graph it is read for (another node count, a position
that is not a variable or constant of the recorded shape) is a miss, never an error.
"""
import io

import numpy as np

from .codegen import kernel_cache
from .ops.source import array_constant, boxed_scalar
from .passes.weight_cache import cache_variable

KIND = "record"


class _Unrecordable(Exception):
    """A slot's buffer comes from somewhere a record cannot name."""


def describe(graph, compiled):
    """(meta, arrays) recording `compiled` (with its prologue) as compiled from `graph`,
    or None when it cannot be recorded."""
    positions = {n: k for k, n in enumerate(graph.nodes())}
    made, arrays = {}, []

    def variable(v):
        if v in positions:
            return ["graph", positions[v]]
        if not all(isinstance(d, int) for d in v.shape):
            raise _Unrecordable()
        return ["new", made.setdefault(v, len(made))]

    def constant(c):
        if c in positions:
            return ["graph", positions[c]]
        arrays.append(np.asarray(c.payload))
        return ["array", len(arrays) - 1, c.dtype.name]

    def part(c):
        return {"key": c.key, "signature": c.signature,
                "variables": [variable(v) for v in c.variables], "constants": [constant(n) for n in c.constants]}
    try:
        meta = {"nodes": len(positions), "main": part(compiled),
                "prologue": part(compiled.prologue) if compiled.prologue is not None else None}
    except _Unrecordable:
        return None
    meta["made"] = [[v.dtype.name, list(v.shape)] for v in sorted(made, key=made.get)]
    return meta, arrays


def pack(meta, arrays):
    """The bytes a record is stored as: its meta, then its arrays as one .npz."""
    buffer = io.BytesIO()
    np.savez(buffer, *arrays)
    return kernel_cache.pack(meta, buffer.getvalue())


def unpack(payload):
    """(meta, arrays) of stored bytes, or None when they are not a record."""
    unpacked = kernel_cache.unpack(payload)
    if unpacked is None:
        return None
    meta, blob = unpacked
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as stored:
            arrays = [stored[f"arr_{k}"] for k in range(len(stored.files))]
    except (OSError, ValueError, KeyError):
        return None
    return meta, arrays


def slots(meta, arrays, graph):
    """[(part, variables, constants)] for the main graph and the prologue (part None
    when there is none): the nodes whose buffers fill each slot, read from `graph` and
    made anew as recorded; None when the record does not fit `graph`."""
    try:
        nodes = graph.nodes()
        if meta["nodes"] != len(nodes):
            return None
        made = [cache_variable(tuple(shape), dtype) for dtype, shape in meta["made"]]

        def node_at(k, kind):
            node = nodes[k]
            return node if node.op.name == kind else None

        result = []
        for part in (meta["main"], meta["prologue"]):
            if part is None:
                result.append((None, None, None))
                continue
            variables = [node_at(k, "variable") if where == "graph" else made[k] for where, k in part["variables"]]
            constants = []
            for entry in part["constants"]:
                if entry[0] == "graph":
                    constants.append(node_at(entry[1], "constant"))
                else:
                    array, dtype = arrays[entry[1]], entry[2]
                    constants.append(boxed_scalar(array, dtype) if array.ndim == 0 else array_constant(array, dtype))
            if any(n is None for n in variables + constants):
                return None
            specs = part["signature"]["variables"]
            if len(specs) != len(variables) or part["signature"]["constants"] != len(constants):
                return None
            for v, spec in zip(variables, specs):
                fixed = all(isinstance(d, int) for d in spec["shape"])
                if v.dtype.name != spec["dtype"] or (fixed and tuple(v.shape) != tuple(spec["shape"])):
                    return None
            result.append((part, variables, constants))
        return result
    except (KeyError, IndexError, TypeError, ValueError):
        return None
