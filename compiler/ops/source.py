"""Values bound by the runtime: placeholders (inputs) and variables (runtime-owned state)."""
from ..ir import dtypes
from .registry import Op, register, apply


class Source(Op):
    kind = "source"
    differentiable = False

    def infer(self, inputs, attrs):
        return dtypes.from_any(attrs["dtype"]), tuple(attrs["shape"])

    def grad(self, node, g):
        return []


@register
class Placeholder(Source):
    name = "placeholder"


@register
class Variable(Source):
    name = "variable"
    pure = False


def placeholder(uid, shape, dtype):
    return apply("placeholder", [], uid=uid, shape=tuple(shape), dtype=dtypes.from_any(dtype).name)


def variable(uid, shape, dtype):
    return apply("variable", [], uid=uid, shape=tuple(shape), dtype=dtypes.from_any(dtype).name)
