"""Algebraic simplification: a table of small rules, each with its one-line identity."""
from ..ops.elementwise import scalar_value
from .rewrite import rewrite


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
    # x * 1 -> x ; 1 * x -> x
    if n.op.name == "mul":
        a, b = n.inputs
        if _is(b, 1):
            return _same_type(n, a)
        if _is(a, 1):
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
            from ..ops.registry import apply
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


RULES = [select_constant, add_zero, sub_zero, mul_one, div_one, double_neg, cast_same, reshape_same,
         transpose_identity, broadcast_same]


def simplify(graph):
    def rule(node):
        for r in RULES:
            out = r(node)
            if out is not None and out is not node:
                return out
        return None
    return rewrite(graph, rule)
