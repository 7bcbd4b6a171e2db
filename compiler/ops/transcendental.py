"""Float functions (exp, log, tanh, erf, ...) and the sigmoid cross-entropy: elementwise
ops whose scalar code is a mathlib emitter, named by object (`emitter =
mathlib.emit_exp`), so an op without an emitter fails when this module is imported.
"""
import math

from llvmlite import ir

from ..codegen import mathlib
from ..codegen.scalar import FAST, intrinsic, select_max
from .registry import register
from .elementwise import Elementwise, Binary, unbroadcast, ew
from .source import scalar


class FloatUnary(Elementwise):
    """A unary float function (ints are computed in float32) whose scalar code is a
    mathlib emitter `emitter(builder, x)`."""
    result = "float"
    emitter = None

    def __init__(self):
        # ops are instantiated when registered, so a missing emitter fails at import
        if self.emitter is None and type(self).emit is FloatUnary.emit:
            raise TypeError(f"op {self.name!r} has no mathlib emitter")

    def emit(self, cx, node, args):
        return self.emitter(cx.b, args[0])


@register
class Sqrt(FloatUnary):
    name = "sqrt"
    emitter = staticmethod(mathlib.emit_sqrt)

    def grad(self, node, g):
        return [ew("div", g, ew("mul", node, scalar(2, node.dtype)))]


@register
class Exp(FloatUnary):
    name = "exp"
    emitter = staticmethod(mathlib.emit_exp)

    def grad(self, node, g):
        return [ew("mul", g, node)]


@register
class Expm1(FloatUnary):
    name = "expm1"
    emitter = staticmethod(mathlib.emit_expm1)

    def grad(self, node, g):
        return [ew("mul", g, ew("exp", node.inputs[0]))]


@register
class Log(FloatUnary):
    name = "log"
    emitter = staticmethod(mathlib.emit_log)

    def grad(self, node, g):
        return [ew("div", g, node.inputs[0])]


@register
class Log1p(FloatUnary):
    name = "log1p"
    emitter = staticmethod(mathlib.emit_log1p)

    def grad(self, node, g):
        x = node.inputs[0]
        return [ew("div", g, ew("add", x, scalar(1, x.dtype)))]


@register
class Tanh(FloatUnary):
    name = "tanh"
    emitter = staticmethod(mathlib.emit_tanh)

    def grad(self, node, g):
        one = scalar(1, node.dtype)
        return [ew("mul", g, ew("sub", one, ew("square", node)))]


@register
class Sigmoid(FloatUnary):
    name = "sigmoid"
    emitter = staticmethod(mathlib.emit_sigmoid)

    def grad(self, node, g):
        one = scalar(1, node.dtype)
        return [ew("mul", g, ew("mul", node, ew("sub", one, node)))]


@register
class Softplus(FloatUnary):
    name = "softplus"
    emitter = staticmethod(mathlib.emit_softplus)

    def grad(self, node, g):
        return [ew("mul", g, ew("sigmoid", node.inputs[0]))]


@register
class Softsign(FloatUnary):
    name = "softsign"

    def emit(self, cx, node, args):
        x, b = args[0], cx.b
        ax = b.call(intrinsic(b, "fabs", x.type), [x])
        return b.fdiv(x, b.fadd(ax, ir.Constant(x.type, 1.0), flags=FAST), flags=FAST)

    def grad(self, node, g):
        x = node.inputs[0]
        den = ew("add", ew("abs", x), scalar(1, node.dtype))
        return [ew("div", g, ew("square", den))]


@register
class Sin(FloatUnary):
    name = "sin"
    emitter = staticmethod(mathlib.emit_sin)

    def grad(self, node, g):
        return [ew("mul", g, ew("cos", node.inputs[0]))]


@register
class Cos(FloatUnary):
    name = "cos"
    emitter = staticmethod(mathlib.emit_cos)

    def grad(self, node, g):
        return [ew("neg", ew("mul", g, ew("sin", node.inputs[0])))]


@register
class Erf(FloatUnary):
    name = "erf"
    emitter = staticmethod(mathlib.emit_erf)

    def grad(self, node, g):
        # d/dx erf(x) = 2/sqrt(pi) * exp(-x**2)
        x = node.inputs[0]
        slope = ew("mul", ew("exp", ew("neg", ew("square", x))), scalar(2 / math.sqrt(math.pi), node.dtype))
        return [ew("mul", g, slope)]


@register
class SigmoidCrossEntropy(Binary):
    """Stable binary cross-entropy from logits: max(x,0) - x*z + log1p(exp(-|x|))."""
    name = "sigmoid_xent"

    def infer(self, inputs, attrs):
        dtype, shape = super().infer(inputs, attrs)
        if not dtype.is_float:
            self.error("needs float operands")
        return dtype, shape

    def emit(self, cx, node, args):
        x, z = args
        b = cx.b
        zero = ir.Constant(x.type, 0.0)
        relu = select_max(b, x, zero, True, True)
        ax = b.call(intrinsic(b, "fabs", x.type), [x])
        tail = mathlib.emit_log1p(b, mathlib.emit_exp(b, b.fneg(ax)))
        return b.fadd(b.fsub(relu, b.fmul(x, z, flags=FAST), flags=FAST), tail, flags=FAST)

    def grad(self, node, g):
        x, z = node.inputs
        gx = ew("mul", g, ew("sub", ew("sigmoid", x), z))
        gz = ew("mul", g, ew("neg", x))
        return [unbroadcast(gx, x.shape), unbroadcast(gz, z.shape)]
