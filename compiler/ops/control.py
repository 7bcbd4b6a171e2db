"""Ops about gradients and control: stop_gradient."""
from .registry import register
from .elementwise import Elementwise


@register
class StopGradient(Elementwise):
    """The identity, with no gradient flowing through it."""
    name = "stop_gradient"
    differentiable = False

    def operand_dtypes(self, node):
        return [node.dtype]

    def emit(self, cx, node, args):
        return args[0]

    def grad(self, node, g):
        return [None]
