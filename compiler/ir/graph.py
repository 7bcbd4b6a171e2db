"""A graph: inputs, outputs and variable updates over interned nodes.

Also the readable listing (one line per node, `%7:f32[n,512] = relu(%6)`) and the
Graphviz DOT export.
"""
import networkx as nx

from .shapes import shape_str


class Graph:
    """What `K.function` compiles: outputs and updates computed from inputs."""

    def __init__(self, inputs, outputs, updates=()):
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.updates = list(updates)     # (variable node, new value node)

    def roots(self):
        return list(self.outputs) + [v for _, v in self.updates] + [v for v, _ in self.updates]

    def nodes(self):
        """Every node reachable from the outputs and updates, in topological order."""
        return topological_order(self.roots() + self.inputs)

    def consumers(self):
        """node -> list of nodes that use it (with repeats when used twice)."""
        users = {}
        for node in self.nodes():
            for i in node.inputs:
                users.setdefault(i, []).append(node)
        return users

    def listing(self):
        return listing(self)

    def to_networkx(self):
        g = nx.DiGraph()
        for node in self.nodes():
            g.add_node(node.id, label=f"%{node.id} {node.op.name}\n{node.dtype.short}{shape_str(node.shape)}")
            for i in node.inputs:
                g.add_edge(i.id, node.id)
        return g

    def to_dot(self):
        """The graph in Graphviz DOT text."""
        g = self.to_networkx()
        lines = ["digraph keralite {", "  node [shape=box, fontname=monospace];"]
        for n, data in g.nodes(data=True):
            label = data["label"].replace('"', '\\"').replace("\n", "\\n")
            lines.append(f'  n{n} [label="{label}"];')
        for a, b in g.edges():
            lines.append(f"  n{a} -> n{b};")
        lines.append("}")
        return "\n".join(lines) + "\n"


def topological_order(roots):
    order, seen = [], set()
    for root in roots:
        if root.id in seen:
            continue
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if node.id in seen:
                continue
            seen.add(node.id)
            stack.append((node, True))
            for i in reversed(node.inputs):
                if i.id not in seen:
                    stack.append((i, False))
    return order


def format_attr(value):
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        return "(" + ",".join(format_attr(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return str(value)


def node_line(node, names):
    """One listing line; `names` maps node ids to their printed numbers."""
    args = ", ".join(f"%{names[i.id]}" for i in node.inputs)
    attrs = ", ".join(f"{k}={format_attr(v)}" for k, v in node.attrs)
    inner = ", ".join(p for p in (args, attrs) if p)
    return f"%{names[node.id]}:{node.dtype.short}{shape_str(node.shape)} = {node.op.name}({inner})"


def listing(graph):
    """The graph as text, numbered from 0 in topological order (stable across processes)."""
    nodes = graph.nodes()
    names = {n.id: k for k, n in enumerate(nodes)}
    lines = [node_line(n, names) for n in nodes]
    lines.append("inputs: " + ", ".join(f"%{names[i.id]}" for i in graph.inputs))
    lines.append("outputs: " + ", ".join(f"%{names[o.id]}" for o in graph.outputs))
    if graph.updates:
        lines.append("updates: " + ", ".join(f"%{names[v.id]} <- %{names[x.id]}" for v, x in graph.updates))
    return "\n".join(lines) + "\n"
