"""Fusion: turn a graph into a list of kernels.

Elementwise ops and views are inlined into the single consumer that needs them
(elementwise chains, broadcasts and transposes become one loop; an elementwise prologue
feeds a reduction in the same loop). A value is materialized when several nodes use it,
when an opaque op (matmul, gather, ...) or a reshape needs it in memory, or when it is an
output. Scalar constants are immediates and never materialized.
"""
from ..ir.graph import topological_order
from ..ir.shapes import numel, shape_str
from ..ir.constant import scalar_value

LOOP_KINDS = ("elementwise", "view", "reduce")


class Kernel:
    """One loop nest (kind 'loop'), one opaque op (kind 'opaque') or one loop over a
    subgraph (kind 'control': a scan, whose results are its extras; the driver attaches
    the compiled body as `body_program` and `body_plan`).

    `node` is the value computed (for a loop: the root of the inlined expression);
    `target` is the key of the storage it is written to (the node itself, or a
    ('output', i) / ('update', i) / ('temp', i) key); `reads` are the materialized
    values it loads.
    """

    def __init__(self, kind, node, target, inlined=(), reads=(), overrides=None):
        self.kind = kind
        self.node = node
        self.target = target
        self.inlined = list(inlined)
        self.reads = list(reads)
        self.overrides = overrides or {}   # node -> key it is read from in this kernel
        self.extras = []                   # [node, target]: more values this loop stores

    def stores(self):
        """(node, target) of every value the kernel writes, the root first."""
        return [(self.node, self.target)] + [tuple(e) for e in self.extras]

    def retarget(self, node, key):
        """Write `node` (the root or an extra) to `key` instead."""
        if node is self.node:
            self.target = key
            return
        for extra in self.extras:
            if extra[0] is node:
                extra[1] = key
                return
        raise KeyError(node)

    def target_of(self, node):
        return dict((n.id, t) for n, t in self.stores())[node.id]

    @property
    def is_reduce(self):
        return self.kind == "loop" and self.node.op.kind == "reduce"

    def describe(self, names):
        def ref(key):
            if isinstance(key, tuple):
                return f"{key[0]}{key[1]}"
            return f"%{names.get(key.id, key.id)}"
        ops = " ".join(n.op.name for n in self.inlined) or self.node.op.name
        reads = ", ".join(ref(r) for r in self.reads)
        stores = ", ".join(ref(t) for _, t in self.stores())
        return (f"{self.kind:6s} {stores}:{self.node.dtype.short}{shape_str(self.node.shape)} "
                f"<- [{ops}]({reads})")


class Program:
    """A scheduled graph: kernels in execution order and where outputs/updates land."""

    def __init__(self, graph, kernels, output_keys, update_keys, materialized, relocated):
        self.graph = graph
        self.relocated = relocated
        self.kernels = kernels
        self.output_keys = output_keys
        self.update_keys = update_keys
        self.materialized = materialized

    def location(self, node):
        """The storage key a materialized node is read from (outputs from their buffer)."""
        return self.relocated.get(node, node)

    def listing(self):
        names = {n.id: k for k, n in enumerate(self.graph.nodes())}
        return "\n".join(f"k{i}: {k.describe(names)}" for i, k in enumerate(self.kernels)) + "\n"


def iteration_shape(node):
    return node.inputs[0].shape if node.op.kind == "reduce" else node.shape


def is_immediate(node):
    return scalar_value(node) is not None


def choose_materialized(graph):
    """The set of nodes that live in memory (everything else is inlined)."""
    nodes = graph.nodes()
    users = {}
    for n in nodes:
        for i in set(n.inputs):
            users.setdefault(i, []).append(n)
    update_refs = {}
    for _, v in graph.updates:
        update_refs[v] = update_refs.get(v, 0) + 1
    outputs = set(graph.outputs)
    materialized = set()
    for n in nodes:
        if is_immediate(n):
            continue
        kind = n.op.kind
        if kind not in ("elementwise", "view"):
            materialized.add(n)
            continue
        consumers = users.get(n, [])
        if n in outputs or len(consumers) + update_refs.get(n, 0) != 1:
            materialized.add(n)
            continue
        if update_refs.get(n):
            continue  # computed straight into its update kernel
        user = consumers[0]
        if user.op.kind not in LOOP_KINDS or numel(n.shape) != numel(iteration_shape(user)):
            materialized.add(n)
    return materialized


def _expression(top, materialized, root):
    """Walk an expression from `top` down to materialized values: (the nodes computed
    inline, the materialized values read). Immediates are neither."""
    inlined, reads, stack, seen = [], [], list(top), set()
    while stack:
        n = stack.pop()
        if n.id in seen:
            continue
        seen.add(n.id)
        if is_immediate(n):
            continue
        if n in materialized and n is not root:
            reads.append(n)
            continue
        inlined.append(n)
        stack.extend(n.inputs)
    if root.op.kind == "reduce":
        inlined.append(root)
    return inlined, reads


def loop_kernel(root, target, materialized):
    top = [root.inputs[0]] if root.op.kind == "reduce" else [root]
    inlined, reads = _expression(top, materialized, root)
    return Kernel("loop", root, target, inlined, reads)


def schedule(graph):
    """Graph -> Program."""
    materialized = choose_materialized(graph)
    kernels = []
    for n in graph.nodes():
        if n not in materialized:
            continue
        kind = n.op.kind
        if kind in ("source", "alias"):
            continue
        if kind in ("opaque", "control"):
            kernels.append(Kernel(kind, n, n, [n], [i for i in n.inputs if not is_immediate(i)]))
        elif kind == "result":
            # stored by the kernel of the node it is a result of (a scan's loop)
            producer = next(k for k in reversed(kernels) if k.node is n.inputs[0])
            producer.extras.append([n, n])
        else:
            kernels.append(loop_kernel(n, n, materialized))

    # values read by the output copies and update kernels added below must stay stored
    needed = {_storage_root(n) for n in list(graph.outputs) + [v for _, v in graph.updates]}
    for _, value in graph.updates:
        if value not in materialized and not is_immediate(value):
            needed |= {_storage_root(r) for r in loop_kernel(value, None, materialized).reads}
    kernels = merge_multi_output(kernels, needed)

    # Outputs: computed values are written straight into their output buffer.
    by_target = {node: k for k in kernels for node, target in k.stores() if target is node}
    output_keys, claimed, relocated = [], set(), {}
    copies = []
    for i, out in enumerate(graph.outputs):
        key = ("output", i)
        kernel = by_target.get(out)
        if kernel is not None and out not in claimed:
            kernel.retarget(out, key)
            claimed.add(out)
            relocated[out] = key
        else:
            copies.append(Kernel("loop", out, key, [] if out in materialized else [out],
                                 [out] if out in materialized else []))
        output_keys.append(key)
    kernels.extend(copies)

    # Updates run last. One that would overwrite a variable a later update still reads
    # goes through a temporary and a final copy.
    update_kernels = []
    for i, (var, value) in enumerate(graph.updates):
        if value in materialized or is_immediate(value):
            k = Kernel("loop", value, ("update", i), [] if is_immediate(value) else [],
                       [value] if value in materialized else [])
        else:
            k = loop_kernel(value, ("update", i), materialized)
        update_kernels.append(k)
    in_place = _in_place_updates(graph, kernels, update_kernels, by_target)
    for i, producer in in_place.items():
        value = graph.updates[i][1]
        producer.retarget(value, ("update", i))
        relocated[value] = ("update", i)
    final_copies = []
    update_keys = []
    for i, (var, value) in enumerate(graph.updates):
        update_keys.append(("update", i))
        if i in in_place:
            continue
        k = update_kernels[i]
        later_reads = any(var in other.reads for other in update_kernels[i + 1:])
        self_unsafe = var in k.reads and (k.is_reduce or any(n.op.kind == "view" for n in k.inlined))
        if later_reads or self_unsafe:
            k.target = ("temp", i)
            final_copies.append(Kernel("loop", var, ("update", i), [], [("temp", i)],
                                       overrides={var: ("temp", i)}))
    kernels.extend(k for i, k in enumerate(update_kernels) if i not in in_place)
    kernels.extend(final_copies)
    # an update that reads another update's new value element for element takes that
    # value's loop in (RMSprop, Adam: the accumulator's update and the weight's, one
    # pass over the gradient and the state instead of two); the update kernels now read
    # what they read themselves, so only outputs and update values must stay stored
    results = {_storage_root(n) for n in list(graph.outputs) + [v for _, v in graph.updates]}
    kernels = merge_multi_output(kernels, results)
    return Program(graph, kernels, output_keys, update_keys, materialized, relocated)


def _in_place_updates(graph, kernels, update_kernels, by_target):
    """Updates whose value's own kernel can write straight into the variable.

    {update index: producing kernel} for values that are materialized by a kernel of
    their own (and are not outputs) when nothing after that kernel reads the variable's
    old value, and the kernel itself reads it, if at all, element for element.
    """
    targets = [var for var, _ in graph.updates]
    values = [value for _, value in graph.updates]
    chosen = {}
    for i, (var, value) in enumerate(graph.updates):
        producer = by_target.get(value)
        if producer is None or producer.target_of(value) is not value:
            continue
        if targets.count(var) != 1 or values.count(value) != 1:
            continue
        position = kernels.index(producer)
        later = kernels[position + 1:] + [k for j, k in enumerate(update_kernels) if j != i]
        if any(var in k.reads for k in later):
            continue
        if var in producer.reads and not _reads_element_for_element(producer, var):
            continue
        chosen[i] = producer
    return chosen


def merge_multi_output(kernels, needed):
    """Fold a loop kernel into the first kernel that reads a value it stores, when that
    kernel is a same-shaped elementwise loop reading it element for element: one loop
    then computes and stores both (a bias add and the relu after it; a dropout mask and
    the masked values; an optimizer's accumulator and the weight update reading its new
    value), saving a pass over memory and a kernel to compile. A value the merged loop
    reads itself, that no other kernel reads, is no longer stored unless it is in
    `needed` (outputs, update values) or goes to a buffer of its own."""
    merged = list(kernels)
    for producer in list(merged):
        if producer.kind != "loop" or producer.is_reduce or producer.overrides:
            continue
        # its root and the values it computes: an output copy of a variable merged into
        # it stores the variable too, but whoever reads the variable reads its own buffer
        stores = [(n, t) for k, (n, t) in enumerate(producer.stores()) if k == 0 or n.op.kind != "source"]
        stored = {n for n, _ in stores}
        readers = [k for k in merged if k is not producer and any(_storage_root(r) in stored for r in k.reads)]
        if not readers:
            continue
        first = readers[0]
        # every value the producer stores moves to `first`: none may be read before it
        if any(any(_storage_root(r) in stored for r in k.reads)
               for k in merged[merged.index(producer) + 1:merged.index(first)]):
            continue
        read = [n for n, _ in stores if n in first.reads]
        body = first.inlined + [first.node]
        if (first.kind != "loop" or first.is_reduce or first.overrides or not read
                or merged.index(first) < merged.index(producer)
                or any(first.node.shape != v.shape for v in read)
                or any(n.op.kind == "view" for n in body)
                or any(v in n.inputs and n.shape != v.shape for v in read for n in body)):
            continue
        for value, target in producer.stores():
            read_elsewhere = any(_storage_root(r) is value for k in readers[1:] for r in k.reads)
            if value not in read or read_elsewhere or value in needed or target is not value:
                first.extras.append([value, target])
        first.inlined += [n for n in producer.inlined if n not in first.inlined]
        # values now computed in the loop are no longer read; variables still are
        inline = {n for n in stored if n.op.kind != "source"}
        first.reads = [r for r in first.reads if r not in inline] + \
            [r for r in producer.reads if r not in first.reads]
        merged.remove(producer)
    return merged


def _storage_root(node):
    """The value whose storage a read uses: reshapes alias their input."""
    while not isinstance(node, tuple) and node.op.kind == "alias":
        node = node.inputs[0]
    return node


def _reads_element_for_element(kernel, var):
    """True when a loop reads `var` only at the index it writes (so it may overwrite it):
    every inlined value computed from var is an elementwise op of var's shape."""
    if kernel.kind != "loop" or kernel.is_reduce:
        return False
    dependents = set()
    for n in topological_order([s for s, _ in kernel.stores()]):
        if n is var or not any(i is var or i in dependents for i in n.inputs):
            continue
        if n not in kernel.inlined and all(n is not s for s, _ in kernel.stores()):
            continue
        if n.op.kind != "elementwise" or n.shape != var.shape:
            return False
        dependents.add(n)
    return True
