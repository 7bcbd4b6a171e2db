"""Variables frozen into constants, for code whose weights never change.

An exported library's weights are read-only (they are part of the library), so every
value computed from weights alone is the same at every call: a Winograd filter transform,
a transposed kernel. Replacing the variables the graph does not update by constants
holding their current values lets constant folding compute those once, when the library
is built. The JIT keeps variables: training and `set_value` change them between calls.
"""
import numpy as np

from ..ops.source import array_constant
from .rewrite import replace_nodes


def freeze_variables(graph):
    """The graph with every variable it reads but does not update replaced by a
    constant holding a copy of the variable's current value."""
    updated = {v for v, _ in graph.updates}

    def frozen(node, inputs):
        if node.op.name != "variable" or node in updated:
            return None
        if node.payload is None:
            raise ValueError(f"variable %{node.id} has no value to freeze")
        return array_constant(np.array(node.payload, copy=True), node.dtype)
    return replace_nodes(graph, frozen)
