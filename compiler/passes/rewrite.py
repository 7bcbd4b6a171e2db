"""The one graph walker every rewriting pass uses."""
from ..ir.graph import Graph
from ..ops.registry import apply


def rebuild(node, inputs):
    """node with new inputs (the same interned node when nothing changed)."""
    if all(a is b for a, b in zip(inputs, node.inputs)):
        return node
    return apply(node.op.name, inputs, payload=node.payload, **dict(node.attrs))


def rewrite(graph, rule):
    """Apply `rule(node) -> replacement or None` bottom-up until no rule fires on a node.

    Returns a new Graph; inputs and variables are never rewritten.
    """
    mapping = {}
    for node in graph.nodes():
        new = rebuild(node, [mapping[i] for i in node.inputs])
        for _ in range(16):  # a rule may enable another on the same node
            out = rule(new) if new.op.kind != "source" else None
            if out is None or out is new:
                break
            new = out
        mapping[node] = new
    return Graph(graph.inputs, [mapping[o] for o in graph.outputs],
                 [(v, mapping[x]) for v, x in graph.updates])


def replace_nodes(graph, plan):
    """One pass over the graph, original node by original node: `plan(node, inputs)`
    (inputs already rebuilt) gives a node's replacement, or None to keep it with those
    inputs. Unlike `rewrite`, sources may be replaced too (a variable by a constant)."""
    mapping = {}
    for node in graph.nodes():
        inputs = [mapping[i] for i in node.inputs]
        mapping[node] = plan(node, inputs) or rebuild(node, inputs)
    return Graph(graph.inputs, [mapping[o] for o in graph.outputs], [(v, mapping[x]) for v, x in graph.updates])
