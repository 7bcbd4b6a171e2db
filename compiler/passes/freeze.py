"""Variables frozen into constants, for code whose weights never change.

An exported library's weights are read-only (they are part of the library), so every
value computed from weights alone is the same at every call: a Winograd filter transform,
a transposed kernel. Replacing the variables the graph does not update by constants
holding their current values lets constant folding compute those once, when the library
is built. The JIT keeps variables: training and `set_value` change them between calls.
"""
import numpy as np

from ..ops.source import array_constant
from ..ir.graph import Graph
from .rewrite import rebuild


def freeze_variables(graph):
    """The graph with every variable it reads but does not update replaced by a
    constant holding a copy of the variable's current value."""
    updated = {v for v, _ in graph.updates}
    mapping = {}
    for n in graph.nodes():
        if n.op.name == "variable" and n not in updated:
            if n.payload is None:
                raise ValueError(f"variable %{n.id} has no value to freeze")
            mapping[n] = array_constant(np.array(n.payload, copy=True), n.dtype)
        else:
            mapping[n] = rebuild(n, [mapping[i] for i in n.inputs])
    return Graph(graph.inputs, [mapping[o] for o in graph.outputs],
                 [(v, mapping[x]) for v, x in graph.updates])
