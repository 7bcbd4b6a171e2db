"""Numerically delicate composites with their own stable gradients:
softmax, log_softmax and logsumexp along one axis.

They stay single ops through autodiff (so the gradient is the stable closed form) and
are expanded into max / exp / sum loops before fusion.
"""
from .registry import Op, register, apply
from . import elementwise as E
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
    finite = E._ew("select", E._ew("isnan", E._ew("sub", m, m)), E.scalar(0, x.dtype), m)
    return E._ew("sub", x, apply("stop_gradient", [finite]))


@register
class Softmax(AxisComposite):
    name = "softmax"

    def expand(self, node):
        x = node.inputs[0]
        e = E._ew("exp", _shifted(x, node.attr("axis")))
        s = R.reduce("sum", e, [node.attr("axis")], keepdims=True)
        return E._ew("div", e, s)

    def grad(self, node, g):
        # dx = y * (g - sum(g * y))
        axis = node.attr("axis")
        gy = R.reduce("sum", E._ew("mul", g, node), [axis], keepdims=True)
        return [E._ew("mul", node, E._ew("sub", g, gy))]


@register
class LogSoftmax(AxisComposite):
    name = "log_softmax"

    def expand(self, node):
        axis = node.attr("axis")
        z = _shifted(node.inputs[0], axis)
        lse = E._ew("log", R.reduce("sum", E._ew("exp", z), [axis], keepdims=True))
        return E._ew("sub", z, lse)

    def grad(self, node, g):
        # dx = g - softmax(x) * sum(g)
        axis = node.attr("axis")
        gs = R.reduce("sum", g, [axis], keepdims=True)
        return [E._ew("sub", g, E._ew("mul", E._ew("exp", node), gs))]


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
        m = apply("stop_gradient", [E._ew("select", E._ew("isnan", E._ew("sub", m, m)), E.scalar(0, x.dtype), m)])
        s = R.reduce("sum", E._ew("exp", E._ew("sub", x, m)), [axis], keepdims=True)
        out = E._ew("add", E._ew("log", s), m)
        if not node.attr("keepdims"):
            from .shape import reshape
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
        return [E._ew("mul", apply("broadcast_to", [gk], shape=x.shape), E._ew("exp", E._ew("sub", x, y)))]
