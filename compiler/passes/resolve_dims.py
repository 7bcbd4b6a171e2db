"""Solve the symbolic dims of one graph: the first pass of every compile.

Shape rules accept dims that must be equal but are written differently (two batch
symbols; a None dim meeting a known 10) and only report the equality (ir/shapes.py).
This pass re-runs every node's rule to collect the equalities of THIS graph, solves
them, and rebuilds the nodes whose dims or shape attributes change, placeholders
included, so the runtime checks the sizes the solution ties together. Nodes are never
mutated: another function built from the same nodes sees none of this graph's facts.
"""
from ..ir.graph import Graph
from ..ir.shapes import Sym, recording_equalities, solve, substitute, shape_str, ConflictingDims
from ..ops.control import ScanBody
from ..ops.registry import ShapeError, apply


def graph_equalities(graph):
    """Every (symbol, dim) equality the shape rules of the graph's nodes assume,
    loop bodies included."""
    found = []
    for node in graph.nodes():
        with recording_equalities() as assumed:
            node.op.infer(node.inputs, dict(node.attrs))
        found.extend((node, eq) for eq in assumed)
        for _, value in node.attrs:
            if isinstance(value, ScanBody):
                found.extend(graph_equalities(value.graph))
    return found


def _substituted(value, solution):
    if isinstance(value, Sym):
        return substitute(value, solution)
    if isinstance(value, tuple):
        return tuple(_substituted(v, solution) for v in value)
    if isinstance(value, ScanBody):
        graph = _substitute_graph(value.graph, solution)
        same = all(a is b for a, b in zip(graph.inputs + graph.outputs, value.graph.inputs + value.graph.outputs))
        return value if same else value.with_graph(graph)
    return value


def resolve_dims(graph):
    """The graph with its symbolic dims solved (the same graph when nothing changes)."""
    found = graph_equalities(graph)
    if not found:
        return graph
    try:
        solution = solve([eq for _, eq in found])
    except ConflictingDims as e:
        culprits = ", ".join(f"%{n.id} {n.op.name}{shape_str(n.shape)}" for n, _ in found[:6])
        raise ShapeError(f"the shapes in this function do not agree ({e}); nodes that tie sizes "
                         f"together: {culprits}") from None
    if not solution:
        return graph
    return _substitute_graph(graph, solution)


def _substitute_graph(graph, solution):
    mapping = {}
    for node in graph.nodes():
        inputs = [mapping[i] for i in node.inputs]
        attrs = {k: _substituted(v, solution) for k, v in node.attrs}
        if all(a is b for a, b in zip(inputs, node.inputs)) and all(attrs[k] is v or attrs[k] == v
                                                                    for k, v in node.attrs):
            mapping[node] = node
            continue
        mapping[node] = apply(node.op.name, inputs, payload=node.payload, **attrs)
    return Graph([mapping[i] for i in graph.inputs], [mapping[o] for o in graph.outputs],
                 [(mapping[v], mapping[x]) for v, x in graph.updates])


def fix_input_dims(graph, sizes):
    """The graph with some input dims fixed: `sizes` maps (input index, axis) to an int.
    The symbol on that axis takes that size everywhere in the graph (an export that
    runs a model for one sequence length, say)."""
    solution = {}
    for (k, axis), size in sizes.items():
        d = graph.inputs[k].shape[axis]
        if not isinstance(d, Sym) or d.coef != 1 or len(d.syms) != 1:
            raise ValueError(f"input {k} has the size {d!r} on axis {axis}, not a size of its own to fix")
        solution[d.syms[0]] = int(size)
    return resolve_dims(_substitute_graph(graph, solution)) if solution else graph
