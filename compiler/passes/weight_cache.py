"""Values computed from weights alone, computed once per change of the weights.

A graph that reads weights without updating them (a model's predict or evaluate
function) may do work on the weights themselves at every call: the Winograd transform
of a 3x3 kernel is a GEMM by a constant, then the convolution reads its result. Between
two calls the weights rarely change, so that work is moved out: each such value becomes
a variable of its own (a cache), computed by a *prologue* graph that the caller runs
only when a weight it reads was written since the last run (runtime/executable.py keeps
the write counts of variable buffers; compiled updates and set_value record theirs).

Only GEMM and layout work is moved (a matmul or a transpose somewhere in the value's
computation): the elementwise work on small weight vectors (a batch normalisation's
scale) is cheaper to redo in the fused loops than to check for. A graph that updates a
weight keeps everything it computes from it.
"""
import itertools

from ..ops.registry import apply
from ..ir.shapes import numel
from ...runtime.executable import aligned_empty, storage_dtype
from .rewrite import replace_nodes

_WORTH = ("matmul", "transpose")
_uids = itertools.count()


def hoist_weight_transforms(graph):
    """(graph, prologue): the graph with each value computed from unchanging weights
    (and constants) by GEMM or layout work replaced by a new variable, and the
    (variable, value) pairs the prologue computes."""
    updated = {v for v, _ in graph.updates}
    fixed, worth = {}, {}
    nodes = graph.nodes()
    for n in nodes:
        if n.op.kind == "source":
            fixed[n] = n.op.name == "constant" or (n.op.name == "variable" and n not in updated)
            worth[n] = False
            continue
        fixed[n] = (n.op.pure and n.op.kind != "control" and bool(n.inputs)
                    and all(fixed[i] for i in n.inputs) and isinstance(numel(n.shape), int))
        worth[n] = fixed[n] and (n.op.name in _WORTH or any(worth[i] for i in n.inputs))
    users = graph.consumers()
    hoisted = {n for n in nodes if worth[n] and any(not fixed[u] for u in users.get(n, []))}
    if not hoisted:
        return graph, []
    prologue = []

    def cached(node, inputs):
        if node not in hoisted:
            return None
        cache = cache_variable(node.shape, node.dtype.name)
        prologue.append((cache, node))
        return cache
    return replace_nodes(graph, cached), prologue


def cache_variable(shape, dtype):
    """A new variable holding a weight-derived value (zeros until the prologue runs), in
    a 64-byte aligned buffer as every variable's (the kernels read it with vector loads)."""
    buffer = aligned_empty(shape, storage_dtype(dtype))
    buffer[...] = 0
    return apply("variable", [], payload=buffer, uid=f"weight-cache-{next(_uids)}", shape=tuple(shape), dtype=dtype)
