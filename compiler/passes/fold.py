"""Constant folding: evaluate constant subgraphs with the compiler's own kernels.

A node is constant when every input is a constant and the op is pure. The constant
nodes that feed the rest of the graph are compiled as a graph of their own (with
folding off), run once, and replaced by constants, so a folded graph gives the numbers
the unfolded one would. The evaluator is handed in by the driver, which owns compiling
and running, so this pass imports neither. Ops that expand their inputs (broadcast_to a
big shape, iota) are left alone: a scalar broadcast costs nothing inside a fused loop
and would cost memory as a constant; other ops fold when their result is at most
EXPANSION times the size of their inputs together (a Winograd filter transform, 16/9 of
its 3x3 kernel, folds when the kernel is a constant: weights frozen into an export).
"""
import numpy as np

from ..ir.shapes import numel
from ..ops.source import scalar, array_constant
from .rewrite import rewrite


def _is_constant_source(n):
    return n.op.name == "constant"


def _static_numel(n):
    count = numel(n.shape)
    return count if isinstance(count, int) else None


# Ops whose result may be much larger than their inputs: folded only when it is not.
_EXPANDING = ("broadcast_to",)
EXPANSION = 4


def _foldable(n, constant):
    # loops are never run at compile time: a scan's results live in its kernel
    if not n.inputs or not n.op.pure or n.op.kind in ("source", "control", "result"):
        return False
    if not all(i in constant for i in n.inputs):
        return False
    size = _static_numel(n)
    if size is None:
        return False
    sizes = [_static_numel(i) or 0 for i in n.inputs]
    if n.op.name in _EXPANDING:
        return size <= max(max(sizes), 1)
    return size <= EXPANSION * max(sum(sizes), 1)


def fold_constants(graph, evaluate):
    """The graph with its constant subgraphs replaced by their values;
    `evaluate(nodes) -> [numpy array]` computes the values of constant nodes."""
    constant = set()
    for n in graph.nodes():
        if _is_constant_source(n) or _foldable(n, constant):
            constant.add(n)
    users = graph.consumers()
    roots = set(graph.outputs) | {v for _, v in graph.updates}
    frontier = [n for n in graph.nodes() if n in constant and not _is_constant_source(n)
                and (n in roots or any(u not in constant for u in users.get(n, [])))]
    if not frontier:
        return graph
    values = [np.asarray(v) for v in evaluate(frontier)]
    replacement = {}
    for n, value in zip(frontier, values):
        replacement[n] = scalar(value.item(), n.dtype) if n.shape == () else array_constant(value, n.dtype)
    return rewrite(graph, lambda n: replacement.get(n))

