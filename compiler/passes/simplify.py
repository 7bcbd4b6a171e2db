"""Algebraic simplification: tables of small rules, each with its one-line identity.

`RULES` are exact algebraic identities. `STABLE_RULES` choose numerically stable forms
(log of a softmax is a log-softmax; the cross-entropies Keras writes on a softmax or
sigmoid output become the stable forms on the logits); they run in this pass and,
through `stable_forms`, on a loss before autodiff, so gradients are stable too.
"""
from ..ir.constant import scalar_value
from ..ir.graph import Graph
from ..ops.registry import apply
from .rewrite import rewrite


def _filled(node):
    """The scalar node a tensor is filled with (broadcast_to of an immediate), or node."""
    return node.inputs[0] if node.op.name == "broadcast_to" else node


def _is(node, value):
    v = scalar_value(node)
    return v is not None and v == value and not isinstance(v, str)


def _same_type(node, x):
    """x can replace node only if it has the node's dtype and shape."""
    return x if (x.dtype is node.dtype and x.shape == node.shape) else None


def add_zero(n):
    # x + 0 -> x ; 0 + x -> x
    if n.op.name == "add":
        a, b = n.inputs
        if _is(b, 0):
            return _same_type(n, a)
        if _is(a, 0):
            return _same_type(n, b)


def sub_zero(n):
    # x - 0 -> x
    if n.op.name == "sub" and _is(n.inputs[1], 0):
        return _same_type(n, n.inputs[0])


def mul_one(n):
    # x * 1 -> x ; 1 * x -> x (1 a scalar, or a tensor filled with ones: a dropout mask
    # at predict time)
    if n.op.name == "mul":
        a, b = n.inputs
        if _is(_filled(b), 1):
            return _same_type(n, a)
        if _is(_filled(a), 1):
            return _same_type(n, b)


def div_one(n):
    # x / 1 -> x
    if n.op.name == "div" and _is(n.inputs[1], 1):
        return _same_type(n, n.inputs[0])


def double_neg(n):
    # -(-x) -> x
    if n.op.name == "neg" and n.inputs[0].op.name == "neg":
        return n.inputs[0].inputs[0]


def cast_same(n):
    # cast(x: T) to T -> x
    if n.op.name == "cast" and n.inputs[0].dtype is n.dtype:
        return n.inputs[0]


def reshape_same(n):
    # reshape(x, shape(x)) -> x ; reshape(reshape(x)) -> reshape(x)
    if n.op.name == "reshape":
        x = n.inputs[0]
        if x.shape == n.shape:
            return x
        if x.op.name == "reshape":
            return apply("reshape", [x.inputs[0]], shape=n.shape)


def transpose_identity(n):
    # transpose(x, (0,1,...)) -> x
    if n.op.name == "transpose" and tuple(n.attr("perm")) == tuple(range(n.ndim)):
        return n.inputs[0]


def broadcast_same(n):
    # broadcast_to(x, shape(x)) -> x
    if n.op.name == "broadcast_to" and n.inputs[0].shape == n.shape:
        return n.inputs[0]


def select_constant(n):
    # select(true, a, b) -> a ; select(false, a, b) -> b   (same shape only)
    if n.op.name == "select":
        c = scalar_value(n.inputs[0])
        if c is not None:
            return _same_type(n, n.inputs[1] if c else n.inputs[2])


# ---------------------------------------------------------------- stable forms
def _keras_guard(n):
    """The probability under Keras' guard clip(p, e, 1 - e) against log(0), else n."""
    if n.op.name == "clip":
        lo, hi = scalar_value(n.inputs[1]), scalar_value(n.inputs[2])
        if lo is not None and hi is not None and 0 < lo < 0.5 and hi == 1 - lo:
            return n.inputs[0]
    return n


def log_of_softmax(n):
    # log(softmax(x)) -> log_softmax(x) ; log(clip(softmax(x), e, 1-e)) -> log_softmax(x)
    # (the guard only keeps log away from 0, which log_softmax never reaches)
    if n.op.name == "log":
        p = _keras_guard(n.inputs[0])
        if p.op.name == "softmax":
            return _same_type(n, apply("log_softmax", [p.inputs[0]], axis=p.attr("axis")))


def softmax_normalised(n):
    # softmax(x) / sum(softmax(x), axis, keepdims) -> softmax(x)   (rows sum to 1)
    if n.op.name == "div":
        p, total = n.inputs
        if (p.op.name == "softmax" and total.op.name == "sum" and total.inputs[0] is p
                and tuple(total.attr("axes")) == (p.attr("axis"),) and total.attr("keepdims")):
            return _same_type(n, p)


def log_softmax_twice(n):
    # log_softmax(log_softmax(x)) -> log_softmax(x)   (its logsumexp is already 0)
    if n.op.name == "log_softmax":
        x = n.inputs[0]
        if x.op.name == "log_softmax" and x.attr("axis") == n.attr("axis"):
            return x


def logit_of_sigmoid(n):
    # log(p / (1 - p)) -> x  for p = sigmoid(x) or clip(sigmoid(x), e, 1-e)
    if n.op.name == "log" and n.inputs[0].op.name == "div":
        p, rest = n.inputs[0].inputs
        if rest.op.name == "sub" and rest.inputs[1] is p and _is(rest.inputs[0], 1):
            s = _keras_guard(p)
            if s.op.name == "sigmoid":
                return _same_type(n, s.inputs[0])


def _zeros_with_box(n):
    """(axis, start, value) when n writes `value` into one contiguous box along a single
    axis of a tensor of zeros (the gradient of a slice), else None."""
    if n.op.name != "slice_update":
        return None
    base, value = n.inputs
    if base.op.name != "broadcast_to" or not _is(base.inputs[0], 0) or any(s != 1 for s in n.attr("steps")):
        return None
    cut = [a for a, (d, v) in enumerate(zip(n.shape, value.shape)) if d != v]
    starts = n.attr("starts")
    if len(cut) != 1 or any(starts[a] for a in range(n.ndim) if a != cut[0]):
        return None
    return cut[0], starts[cut[0]], value


def _summands(n):
    if n.op.name == "add" and n.inputs[0].shape == n.shape and n.inputs[1].shape == n.shape:
        return _summands(n.inputs[0]) + _summands(n.inputs[1])
    return [n]


def slice_gradients_concatenate(n):
    # sum of slice gradients that tile one axis -> concatenate(values); as the gradient
    # of z[:, :u], z[:, u:2u], ... it writes each block once instead of a zeroed copy per block
    if n.op.name != "add":
        return None
    boxes = [_zeros_with_box(s) for s in _summands(n)]
    if len(boxes) < 2 or any(b is None for b in boxes) or len({b[0] for b in boxes}) != 1:
        return None
    axis = boxes[0][0]
    boxes.sort(key=lambda b: b[1])
    position = 0
    for _, start, value in boxes:
        if start != position or value.dtype is not n.dtype:
            return None
        position += value.shape[axis]
    if position != n.shape[axis]:
        return None
    return apply("concatenate", [value for _, _, value in boxes], axis=axis)


RULES = [select_constant, add_zero, sub_zero, mul_one, div_one, double_neg, cast_same, reshape_same,
         transpose_identity, broadcast_same, slice_gradients_concatenate]
STABLE_RULES = [softmax_normalised, log_of_softmax, log_softmax_twice, logit_of_sigmoid]


def _first_rule(rules):
    def rule(node):
        for r in rules:
            out = r(node)
            if out is not None and out is not node:
                return out
        return None
    return rule


def simplify(graph):
    return rewrite(graph, _first_rule(RULES + STABLE_RULES))


def stable_forms(nodes):
    """`nodes` with the stable-form rules applied (each result in the position of its
    node); autodiff differentiates these, so a loss written as Keras writes it gets the
    stable gradient of the form the compiled forward pass uses."""
    return rewrite(Graph([], list(nodes)), _first_rule(STABLE_RULES)).outputs
