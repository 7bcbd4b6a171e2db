"""A graph: inputs, outputs and variable updates over interned nodes.

Also the readable listing (one line per node, `%7:f32[n,512] = relu(%6)`) and the
Graphviz DOT export.
"""
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
        """Every node reachable from the outputs and updates, in topological order.

        Passes ask for it many times per graph (a CNN train step's compile did 53 walks);
        nodes are immutable, so the order is kept, keyed by the roots and inputs it was
        computed from (a caller that swaps an output gets a new walk)."""
        roots = self.roots() + self.inputs
        key = tuple(map(id, roots))
        cached = self.__dict__.get("_order")
        if cached is None or cached[0] != key:
            cached = self._order = (key, topological_order(roots))
        return list(cached[1])

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
        import networkx as nx   # here, not at import: only dumps need it (~0.1 s to import)
        g = nx.DiGraph()
        for node in self.nodes():
            g.add_node(node.id, label=f"%{node.id} {node.op.name}\n{node.dtype.short}{shape_str(node.shape)}")
            for i in node.inputs:
                g.add_edge(i.id, node.id)
        return g

    def to_dot(self):
        """The graph in Graphviz DOT text; a loop's body is a cluster beside the loop,
        joined to it by a dashed edge."""
        lines = ["digraph keralite {", "  node [shape=box, fontname=monospace];"]
        _dot_lines(self, lines, "n", "  ")
        lines.append("}")
        return "\n".join(lines) + "\n"


def _dot_lines(graph, lines, prefix, indent):
    g = graph.to_networkx()
    for n, data in g.nodes(data=True):
        label = data["label"].replace('"', '\\"').replace("\n", "\\n")
        lines.append(f'{indent}{prefix}{n} [label="{label}"];')
    for a, b in g.edges():
        lines.append(f"{indent}{prefix}{a} -> {prefix}{b};")
    for node in graph.nodes():
        for _, value in node.attrs:
            if is_subgraph(value):
                inner = f"{prefix}{node.id}_"
                lines.append(f"{indent}subgraph cluster_{inner} {{")
                lines.append(f'{indent}  label="body of %{node.id} {node.op.name}";')
                _dot_lines(value.graph, lines, inner, indent + "  ")
                lines.append(f"{indent}}}")
                first = value.graph.outputs[0] if value.graph.outputs else value.graph.inputs[0]
                lines.append(f"{indent}{inner}{first.id} -> {prefix}{node.id} [style=dashed];")


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


def is_subgraph(value):
    """An attribute that holds a graph of its own (a loop body): it has `graph` and
    `header()` (the counts that say how its inputs and outputs split)."""
    return hasattr(value, "graph") and hasattr(value, "header")


def format_attr(value, bodies=None):
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        return "(" + ",".join(format_attr(v, bodies) for v in value) + ("," if len(value) == 1 else "") + ")"
    if bodies is not None and is_subgraph(value):
        return f"@{bodies[id(value)]}"
    return str(value)


def node_line(node, names, bodies=None):
    """One listing line; `names` maps node ids to their printed numbers."""
    args = ", ".join(f"%{names[i.id]}" for i in node.inputs)
    attrs = ", ".join(f"{k}={format_attr(v, bodies)}" for k, v in node.attrs)
    inner = ", ".join(p for p in (args, attrs) if p)
    return f"%{names[node.id]}:{node.dtype.short}{shape_str(node.shape)} = {node.op.name}({inner})"


def listing(graph):
    """The graph as text, numbered from 0 in topological order (stable across processes).

    A loop body is printed before the graph as a block `body @k (counts) { ... }` with
    its own numbering, and the loop refers to it as `body=@k`, as HLO prints the
    computations a while loop calls before the loop."""
    lines, bodies = [], {}
    _listing_lines(graph, lines, bodies, "")
    return "\n".join(lines) + "\n"


def _listing_lines(graph, lines, bodies, indent):
    nodes = graph.nodes()
    for n in nodes:
        for _, value in n.attrs:
            if is_subgraph(value) and id(value) not in bodies:
                bodies[id(value)] = len(bodies)
                lines.append(f"{indent}body @{bodies[id(value)]} ({value.header()}) {{")
                _listing_lines(value.graph, lines, bodies, indent + "  ")
                lines.append(f"{indent}}}")
    names = {n.id: k for k, n in enumerate(nodes)}
    lines.extend(indent + node_line(n, names, bodies) for n in nodes)
    lines.append(indent + "inputs: " + ", ".join(f"%{names[i.id]}" for i in graph.inputs))
    lines.append(indent + "outputs: " + ", ".join(f"%{names[o.id]}" for o in graph.outputs))
    if graph.updates:
        lines.append(indent + "updates: " + ", ".join(f"%{names[v.id]} <- %{names[x.id]}" for v, x in graph.updates))
