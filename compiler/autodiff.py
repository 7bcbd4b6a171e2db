"""Reverse-mode autodiff as a graph transform: each op's `grad` rule builds the
derivative nodes; this module only walks the graph backwards and sums contributions.

The loss is first rewritten into its stable forms (passes/simplify.py `stable_forms`),
so a cross-entropy written on a softmax output is differentiated as a log-softmax.

Ops with several results (a scan) are differentiated as a whole: the gradients of their
`result`-kind nodes are collected, and the op's `grad_results(node, result_grads, vjp)`
turns them into gradients of its inputs, with this module's `vjp` to differentiate
its body.
"""
from .ir.graph import topological_order
from .ir.shapes import dims_match
from .ops.source import scalar
from .ops.registry import apply
from .passes.simplify import stable_forms


def _accumulate(grads, node, g):
    if g is None:
        return
    if g.dtype is not node.dtype and node.dtype.is_float:
        g = apply("cast", [g], dtype=node.dtype.name)
    if g.shape != node.shape and len(g.shape) == len(node.shape) and all(map(dims_match, g.shape, node.shape)):
        # the same sizes under symbols the graph's compile will tie (ir/shapes.py)
        g = apply("reshape", [g], shape=node.shape)
    if g.shape != node.shape:
        raise ValueError(f"gradient rule produced shape {g.shape} for a node of shape {node.shape}")
    prev = grads.get(node)
    grads[node] = g if prev is None else apply("add", [prev, g])


def _stable_loss(loss, wrt):
    """The loss in its stable forms, unless a rewrite removed a node of `wrt` that the loss
    depends on (a gradient w.r.t. a softmax output needs the softmax kept)."""
    (stable,) = stable_forms([loss])
    if stable is loss:
        return loss
    before, after = set(topological_order([loss])), set(topological_order([stable]))
    if any(w in before and w not in after for w in wrt):
        return loss
    return stable


def _backprop(seeds, wrt):
    """Pull the (node, cotangent) seeds back to every node of `wrt`."""
    order = topological_order([n for n, _ in seeds])
    wanted = set(wrt)
    # only walk nodes that lie on a path from some w to a seeded node
    on_path = set()
    for n in order:
        if n in wanted or any(i in on_path for i in n.inputs):
            on_path.add(n)
    grads = {}
    for n, seed in seeds:
        _accumulate(grads, n, seed)
    result_grads = {}      # multi-result op -> {result node: gradient}
    for node in reversed(order):
        if node not in on_path or not node.inputs:
            continue
        if node.op.kind == "result":
            g = grads.get(node)
            if g is not None:
                result_grads.setdefault(node.inputs[0], {})[node] = g
            continue
        if getattr(node.op, "multi_result", False):
            collected = result_grads.get(node)
            if not collected:
                continue
            input_grads = node.op.grad_results(node, collected, vjp)
        else:
            g = grads.get(node)
            if g is None or node.op.name == "stop_gradient" or not node.dtype.is_float:
                continue
            input_grads = node.op.grad(node, g)
        if len(input_grads) != len(node.inputs):
            raise RuntimeError(f"gradient rule of {node.op.name!r} returned {len(input_grads)} values "
                               f"for {len(node.inputs)} inputs")
        for x, gx in zip(node.inputs, input_grads):
            if x in on_path and x.dtype.is_float:
                _accumulate(grads, x, gx)
    return [grads.get(w) for w in wrt]


def gradients(loss, wrt, seed=None):
    """d(sum(loss))/d(w) for each w in `wrt`; None where the loss does not depend on w."""
    loss = _stable_loss(loss, wrt)
    if seed is None:
        seed = apply("broadcast_to", [scalar(1, loss.dtype)], shape=loss.shape) if loss.shape else scalar(1, loss.dtype)
    return _backprop([(loss, seed)], wrt)


def vjp(outputs, cotangents, wrt):
    """The vector-Jacobian product: sum over outputs of cotangent . d(output)/d(w), for
    each w; a None cotangent stands for zero, a None result for no dependence."""
    seeds = [(o, c) for o, c in zip(outputs, cotangents) if c is not None]
    if not seeds:
        return [None] * len(wrt)
    return _backprop(seeds, wrt)
