"""Questions the Keras side asks about a graph, answered where the IR is known.

The backend (K) decides Keras-level matters (is this tensor a value already? which
inputs were never fed? which random draws must advance each call?) through these
functions, so it never reads op names or node inputs and the IR can change under it.
"""
import numpy as np

from .ir.constant import scalar_value
from .ir.graph import Graph, topological_order
from .passes.rewrite import rebuild


def is_constant(node):
    """Whether the node is a constant (its value is known when the graph is built)."""
    return node.op.name == "constant"


def is_placeholder(node):
    """Whether the node is a placeholder (an input fed at each call)."""
    return node.op.name == "placeholder"


def node_label(node):
    """A name for a value that has none: its op and node id (`add_12`)."""
    return f"{node.op.name}_{node.id}"


def constant_value(node):
    """A fresh numpy array holding a constant node's value, in the node's dtype."""
    if not is_constant(node):
        raise ValueError(f"{node} is not a constant")
    value = node.payload if node.payload is not None else scalar_value(node)
    return np.array(value, dtype=node.dtype.np, copy=True)


def constant_view(node):
    """A read-only view of a constant node's value, without copying it (for a caller that
    copies it anyway, as a new variable does with its initial value)."""
    if not is_constant(node):
        raise ValueError(f"{node} is not a constant")
    if node.payload is None:
        return constant_value(node)
    view = node.payload.view()
    view.flags.writeable = False
    return view


def unfed_placeholders(graph):
    """The placeholders the graph reads that are not among its inputs, in graph order."""
    given = set(graph.inputs)
    return [n for n in graph.nodes() if is_placeholder(n) and n not in given]


def random_counters(graph):
    """The call-counter variables of the graph's random draws, each once, in graph order.

    A draw seeded with a tensor reads a constant counter, and is left out: its caller
    changes the seed instead."""
    counters = []
    for counter in _draw_counters(graph):
        if counter.op.name == "variable" and counter not in counters:
            counters.append(counter)
    return counters


def _draw_counters(graph):
    """The counter input of every random draw, those of draws inside loop bodies (nested
    too) followed out to the loop's input that feeds them."""
    found = []
    for node in graph.nodes():
        if node.op.name == "random":
            found.append(node.inputs[0])
        elif node.op.name == "scan":
            body = node.attr("body").graph
            outer = dict(zip(body.inputs, node.inputs))
            found += [outer[c] for c in _draw_counters(body) if c in outer]
    return found


def substitute(graph, replacements, inputs):
    """The graph with the nodes of `replacements` (sources included) replaced, over new
    inputs; update targets stay the variables they are."""
    mapping = {}
    for node in topological_order(graph.roots()):
        new = replacements.get(node)
        if new is None:
            new = rebuild(node, [mapping[i] for i in node.inputs])
        mapping[node] = new
    return Graph(inputs, [mapping[o] for o in graph.outputs],
                 [(v, mapping[x]) for v, x in graph.updates])
