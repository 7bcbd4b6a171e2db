"""Numerically delicate composites with their own stable gradients:
softmax, log_softmax and logsumexp along one axis.

They stay single ops through autodiff (so the gradient is the stable closed form) and
are expanded into max / exp / sum loops before fusion.
"""
from .registry import Op, register, apply
from .elementwise import ew
from .source import scalar
from .shape import reshape
from . import reduce as R


class AxisComposite(Op):
    kind = "composite"

    def infer(self, inputs, attrs):
        (x,) = inputs
        if not x.dtype.is_float:
            self.error(f"needs a float input, got {x.dtype.name}")
        if not -x.ndim <= attrs["axis"] < x.ndim:
            self.error(f"axis {attrs['axis']} out of range for", x.shape)
        return x.dtype, self.out_shape(x, attrs)

    def out_shape(self, x, attrs):
        return x.shape


def _shifted(x, axis):
    """x - max(x, axis) with the max kept as a broadcastable value (no gradient needed)."""
    m = R.reduce("max", x, [axis], keepdims=True)
    # an all -inf row would give nan; shift by 0 there instead
    finite = ew("select", ew("isnan", ew("sub", m, m)), scalar(0, x.dtype), m)
    return ew("sub", x, apply("stop_gradient", [finite]))


@register
class Softmax(AxisComposite):
    name = "softmax"

    def expand(self, node):
        x = node.inputs[0]
        e = ew("exp", _shifted(x, node.attr("axis")))
        s = R.reduce("sum", e, [node.attr("axis")], keepdims=True)
        return ew("div", e, s)

    def grad(self, node, g):
        # dx = y * (g - sum(g * y))
        axis = node.attr("axis")
        gy = R.reduce("sum", ew("mul", g, node), [axis], keepdims=True)
        return [ew("mul", node, ew("sub", g, gy))]


@register
class LogSoftmax(AxisComposite):
    name = "log_softmax"

    def expand(self, node):
        axis = node.attr("axis")
        z = _shifted(node.inputs[0], axis)
        lse = ew("log", R.reduce("sum", ew("exp", z), [axis], keepdims=True))
        return ew("sub", z, lse)

    def grad(self, node, g):
        # dx = g - softmax(x) * sum(g)
        axis = node.attr("axis")
        gs = R.reduce("sum", g, [axis], keepdims=True)
        return [ew("sub", g, ew("mul", ew("exp", node), gs))]


@register
class LogSumExp(AxisComposite):
    name = "logsumexp"

    def out_shape(self, x, attrs):
        axis = attrs["axis"] % x.ndim
        if attrs["keepdims"]:
            return tuple(1 if i == axis else d for i, d in enumerate(x.shape))
        return tuple(d for i, d in enumerate(x.shape) if i != axis)

    def expand(self, node):
        x = node.inputs[0]
        axis = node.attr("axis") % x.ndim
        m = R.reduce("max", x, [axis], keepdims=True)
        m = apply("stop_gradient", [ew("select", ew("isnan", ew("sub", m, m)), scalar(0, x.dtype), m)])
        s = R.reduce("sum", ew("exp", ew("sub", x, m)), [axis], keepdims=True)
        out = ew("add", ew("log", s), m)
        if not node.attr("keepdims"):
            out = reshape(out, node.shape)
        return out

    def grad(self, node, g):
        x = node.inputs[0]
        axis = node.attr("axis") % x.ndim
        y, gk = node, g
        if not node.attr("keepdims"):
            keep = tuple(1 if i == axis else d for i, d in enumerate(x.shape))
            y = apply("reshape", [node], shape=keep)
            gk = apply("reshape", [g], shape=keep)
        return [ew("mul", apply("broadcast_to", [gk], shape=x.shape), ew("exp", ew("sub", x, y)))]
