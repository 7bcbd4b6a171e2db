"""Elementwise arithmetic: the base classes, then one scalar emitter per op next to its
shape and gradient rules (float functions such as exp are in ops/transcendental.py;
comparisons, logic and select in ops/logic.py).

Inputs broadcast as numpy does. Codegen (codegen/loops.py) owns the loops, the
broadcasting index arithmetic, vectorisation and fusion; an emitter only says what the
op is for one value.
"""
from llvmlite import ir

from ..codegen import mathlib
from ..codegen.scalar import FAST, I1, call_intrinsic, convert, intrinsic, select_max
from ..ir import dtypes
from ..ir.shapes import broadcast_shapes
from .registry import Op, register, apply
from .source import scalar


# ---------------------------------------------------------------- shape rules
def broadcast_infer(op, inputs):
    """The numpy broadcast of the inputs' shapes; a ShapeError naming op and shapes if none."""
    shape = ()
    for x in inputs:
        new = broadcast_shapes(shape, x.shape)
        if new is None:
            op.error("operands could not be broadcast together", shape, x.shape)
        shape = new
    return shape


def unbroadcast(g, shape):
    """Sum a gradient of a broadcast result back to an operand's shape (through the
    `sum` op by name, so this module needs nothing from ops/reduce.py)."""
    if g.shape == tuple(shape):
        return g
    extra = g.ndim - len(shape)
    axes = list(range(extra))
    for i, d in enumerate(shape):
        if d == 1 and g.shape[extra + i] != 1:
            axes.append(extra + i)
    if axes:
        g = apply("sum", [g], axes=tuple(axes), keepdims=False)
    if g.shape != tuple(shape):
        g = apply("reshape", [g], shape=tuple(shape))
    return g


class Elementwise(Op):
    kind = "elementwise"
    arity = 1
    # 'same' keeps the promoted input dtype, 'bool' gives bool, 'float' makes ints float
    result = "same"

    def infer(self, inputs, attrs):
        if len(inputs) != self.arity:
            raise TypeError(f"{self.name} takes {self.arity} inputs, got {len(inputs)}")
        dtype = inputs[0].dtype
        for x in inputs[1:]:
            dtype = dtypes.promote(dtype, x.dtype)
        if self.result == "bool":
            out = dtypes.bool_
        elif self.result == "float" and not dtype.is_float:
            out = dtypes.float32
        else:
            out = dtype
        return out, broadcast_infer(self, inputs)

    def operand_dtypes(self, node):
        """Per input, the dtype it is converted to before `emit` sees it."""
        if not node.inputs:
            return []
        return [self.operand_dtype(node)] * len(node.inputs)

    def operand_dtype(self, node):
        """The dtype inputs are converted to before `emit` sees them."""
        dtype = node.inputs[0].dtype
        for x in node.inputs[1:]:
            dtype = dtypes.promote(dtype, x.dtype)
        if self.result == "float" and not dtype.is_float:
            return node.dtype
        return dtype


def defun(name, base=Elementwise, **fields):
    """Register a subclass of `base` named `name` with `fields` (ops that differ only in
    a field, such as the comparisons' symbol)."""
    cls = type(name, (base,), dict(name=name, **fields))
    register(cls)
    return cls


def ew(name, *inputs, **attrs):
    """The node op_name(*inputs): the short form gradient rules are written in."""
    return apply(name, inputs, **attrs)


# ---------------------------------------------------------------- unary ops
@register
class Neg(Elementwise):
    name = "neg"

    def emit(self, cx, node, args):
        x = args[0]
        if node.dtype.is_float:
            return cx.b.fneg(x)
        return cx.b.neg(x)

    def grad(self, node, g):
        return [ew("neg", g)]


@register
class Abs(Elementwise):
    name = "abs"

    def emit(self, cx, node, args):
        x = args[0]
        if node.dtype.is_float:
            return cx.b.call(intrinsic(cx.b, "fabs", x.type), [x])
        if node.dtype.is_bool:
            return x
        neg = cx.b.icmp_signed("<", x, ir.Constant(x.type, 0))
        return cx.b.select(neg, cx.b.neg(x), x)

    def grad(self, node, g):
        return [ew("mul", g, ew("sign", node.inputs[0]))]


@register
class Sign(Elementwise):
    name = "sign"
    differentiable = False

    def emit(self, cx, node, args):
        x, b = args[0], cx.b
        if node.dtype.is_float:
            zero = ir.Constant(x.type, 0.0)
            pos = b.uitofp(b.fcmp_ordered(">", x, zero), x.type)
            neg = b.uitofp(b.fcmp_ordered("<", x, zero), x.type)
            s = b.fsub(pos, neg)
            return b.select(b.fcmp_unordered("uno", x, x), x, s)   # nan stays nan
        zero = ir.Constant(x.type, 0)
        pos = b.zext(b.icmp_signed(">", x, zero), x.type)
        neg = b.zext(b.icmp_signed("<", x, zero), x.type)
        return b.sub(pos, neg)

    def grad(self, node, g):
        return [None]


@register
class Square(Elementwise):
    name = "square"

    def emit(self, cx, node, args):
        x = args[0]
        return cx.b.fmul(x, x, flags=FAST) if node.dtype.is_float else cx.b.mul(x, x)

    def grad(self, node, g):
        x = node.inputs[0]
        return [ew("mul", g, ew("mul", x, scalar(2, x.dtype)))]


class _Rounding(Elementwise):
    differentiable = False
    intrinsic_name = None

    def emit(self, cx, node, args):
        x = args[0]
        if not node.dtype.is_float:
            return x
        return cx.b.call(intrinsic(cx.b, self.intrinsic_name, x.type), [x])

    def grad(self, node, g):
        return [None]


@register
class Round(_Rounding):
    name = "round"            # half to even, as numpy
    intrinsic_name = "rint"


@register
class Floor(_Rounding):
    name = "floor"
    intrinsic_name = "floor"


@register
class Ceil(_Rounding):
    name = "ceil"
    intrinsic_name = "ceil"


@register
class Cast(Elementwise):
    name = "cast"

    def infer(self, inputs, attrs):
        return dtypes.from_any(attrs["dtype"]), inputs[0].shape

    def operand_dtype(self, node):
        return node.inputs[0].dtype

    def emit(self, cx, node, args):
        return convert(cx.b, args[0], node.inputs[0].dtype, node.dtype)

    def grad(self, node, g):
        src = node.inputs[0].dtype
        if not (src.is_float and node.dtype.is_float):
            return [None]
        return [apply("cast", [g], dtype=src.name)]


@register
class RoundHalf(Elementwise):
    """float32 or float64 values rounded to the nearest IEEE half-precision value (ties
    to even), kept in their dtype: how float16 tensors, computed in float32, get float16
    values (a float64 value is rounded once, before it is narrowed to float32).

    Written with integer and float arithmetic rather than `fptrunc ... to half`, which
    becomes a library call on x86-64 without F16C that neither the JIT nor exported
    libraries resolve; this form has no calls and vectorises. The gradient is the
    identity, as a cast's is."""
    name = "round_half"

    # |x| at or past the tie between 65504 (the largest half) and 65536 becomes inf
    OVERFLOW = 65520.0
    SMALLEST_NORMAL = 2.0 ** -14      # below it half values are multiples of 2**-24
    SUBNORMAL_QUANTUM = 2.0 ** -24
    HALF_MANTISSA_BITS = 10

    def infer(self, inputs, attrs):
        if len(inputs) != 1:
            raise TypeError(f"round_half takes 1 input, got {len(inputs)}")
        dtype = inputs[0].dtype
        if dtype not in (dtypes.float32, dtypes.float64):
            raise TypeError(f"round_half: rounds float32 and float64 values only, got {dtype.name}")
        return dtype, inputs[0].shape

    def emit(self, cx, node, args):
        b, x = cx.b, args[0]
        width = 8 * node.dtype.itemsize
        mantissa_bits = {32: 23, 64: 52}[width]
        dropped = mantissa_bits - self.HALF_MANTISSA_BITS
        ity = ir.IntType(width)
        full = (1 << width) - 1

        def c(v):
            return ir.Constant(ity, v)

        bits = b.bitcast(x, ity)
        sign = b.and_(bits, c(1 << (width - 1)))
        magnitude_bits = b.and_(bits, c(full >> 1))
        magnitude = b.bitcast(magnitude_bits, x.type)
        # normal range: keep the top 10 mantissa bits, rounding the dropped ones to
        # nearest, ties to an even kept bit (a carry may bump the exponent, as it should)
        kept_lsb = b.and_(b.lshr(magnitude_bits, c(dropped)), c(1))
        bias = b.add(c((1 << (dropped - 1)) - 1), kept_lsb)
        normal = b.and_(b.add(magnitude_bits, bias), c(full & ~((1 << dropped) - 1)))
        # subnormal range: a multiple of 2**-24; both scalings are exact powers of two
        steps = call_intrinsic(b, "rint", b.fmul(magnitude, ir.Constant(x.type, 1 / self.SUBNORMAL_QUANTUM)))
        subnormal = b.bitcast(b.fmul(steps, ir.Constant(x.type, self.SUBNORMAL_QUANTUM)), ity)
        is_subnormal = b.fcmp_ordered("<", magnitude, ir.Constant(x.type, self.SMALLEST_NORMAL))
        rounded = b.select(is_subnormal, subnormal, normal)
        infinity = c(((1 << (width - mantissa_bits - 1)) - 1) << mantissa_bits)
        overflows = b.fcmp_ordered(">=", magnitude, ir.Constant(x.type, self.OVERFLOW))
        rounded = b.select(overflows, infinity, rounded)
        result = b.bitcast(b.or_(rounded, sign), x.type)      # the sign (of zeros too) kept
        return b.select(b.fcmp_unordered("uno", x, x), x, result)   # nan stays nan

    def grad(self, node, g):
        return [g]


# ---------------------------------------------------------------- binary ops
class Binary(Elementwise):
    arity = 2


@register
class Add(Binary):
    name = "add"

    def emit(self, cx, node, args):
        a, b = args
        if node.dtype.is_float:
            return cx.b.fadd(a, b, flags=FAST)
        if node.dtype.is_bool:
            return cx.b.or_(a, b)
        return cx.b.add(a, b)

    def grad(self, node, g):
        return [unbroadcast(g, x.shape) for x in node.inputs]


@register
class Sub(Binary):
    name = "sub"

    def emit(self, cx, node, args):
        a, b = args
        if node.dtype.is_float:
            return cx.b.fsub(a, b, flags=FAST)
        return cx.b.sub(a, b)

    def grad(self, node, g):
        a, b = node.inputs
        return [unbroadcast(g, a.shape), unbroadcast(ew("neg", g), b.shape)]


@register
class Mul(Binary):
    name = "mul"

    def emit(self, cx, node, args):
        a, b = args
        if node.dtype.is_float:
            return cx.b.fmul(a, b, flags=FAST)
        if node.dtype.is_bool:
            return cx.b.and_(a, b)
        return cx.b.mul(a, b)

    def grad(self, node, g):
        a, b = node.inputs
        return [unbroadcast(ew("mul", g, b), a.shape), unbroadcast(ew("mul", g, a), b.shape)]


@register
class Div(Binary):
    name = "div"
    result = "float"

    def emit(self, cx, node, args):
        a, b = args
        return cx.b.fdiv(a, b, flags=FAST)

    def grad(self, node, g):
        a, b = node.inputs
        ga = ew("div", g, b)
        gb = ew("neg", ew("mul", ga, node))
        return [unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)]


@register
class FloorDiv(Binary):
    name = "floordiv"
    differentiable = False

    def emit(self, cx, node, args):
        a, b = args
        bld = cx.b
        if node.dtype.is_float:
            q = bld.fdiv(a, b)
            return bld.call(intrinsic(bld, "floor", q.type), [q])
        zero, one = ir.Constant(a.type, 0), ir.Constant(a.type, 1)
        bz = bld.icmp_signed("==", b, zero)
        safe_b = bld.select(bz, one, b)
        q = bld.sdiv(a, safe_b)
        r = bld.srem(a, safe_b)
        # round toward -inf when the remainder's sign differs from the divisor's
        adjust = bld.and_(bld.icmp_signed("!=", r, zero),
                          bld.icmp_signed("<", bld.xor(r, safe_b), zero))
        q = bld.sub(q, bld.zext(adjust, a.type))
        return bld.select(bz, zero, q)

    def grad(self, node, g):
        return [None, None]


@register
class Pow(Binary):
    name = "pow"

    def emit(self, cx, node, args):
        a, b = args
        if node.dtype.is_float:
            return mathlib.emit_pow(cx.b, a, b)
        # integer power by repeated squaring over at most 64 steps (branch-free)
        bld = cx.b
        result = ir.Constant(a.type, 1)
        base, exp = a, b
        for _ in range(8 * node.dtype.itemsize - 1):
            bit = bld.trunc(bld.and_(exp, ir.Constant(a.type, 1)), I1)
            result = bld.select(bit, bld.mul(result, base), result)
            base = bld.mul(base, base)
            exp = bld.ashr(exp, ir.Constant(a.type, 1))
        neg = bld.icmp_signed("<", b, ir.Constant(a.type, 0))
        return bld.select(neg, ir.Constant(a.type, 0), result)

    def grad(self, node, g):
        a, b = node.inputs
        ga = ew("mul", g, ew("mul", b, ew("pow", a, ew("sub", b, scalar(1, b.dtype)))))
        # d/db a**b = a**b * log(a); zero where a == 0 (the limit used by autodiff tools)
        safe_log = ew("log", ew("select", ew("eq", a, scalar(0, a.dtype)), scalar(1, a.dtype), a))
        gb = ew("mul", g, ew("mul", node, safe_log))
        return [unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)]


@register
class Maximum(Binary):
    name = "maximum"

    def emit(self, cx, node, args):
        return select_max(cx.b, args[0], args[1], node.dtype.is_float, True)

    def grad(self, node, g):
        a, b = node.inputs
        mask = ew("cast", ew("ge", a, b), dtype=g.dtype.name)
        return [unbroadcast(ew("mul", g, mask), a.shape),
                unbroadcast(ew("mul", g, ew("sub", scalar(1, g.dtype), mask)), b.shape)]


@register
class Minimum(Binary):
    name = "minimum"

    def emit(self, cx, node, args):
        return select_max(cx.b, args[0], args[1], node.dtype.is_float, False)

    def grad(self, node, g):
        a, b = node.inputs
        mask = ew("cast", ew("le", a, b), dtype=g.dtype.name)
        return [unbroadcast(ew("mul", g, mask), a.shape),
                unbroadcast(ew("mul", g, ew("sub", scalar(1, g.dtype), mask)), b.shape)]


@register
class ClipOp(Elementwise):
    """clip(x, lo, hi) = min(max(x, lo), hi), gradient passes only inside [lo, hi]."""
    name = "clip"
    arity = 3

    def emit(self, cx, node, args):
        x, lo, hi = args
        f = node.dtype.is_float
        return select_max(cx.b, select_max(cx.b, x, lo, f, True), hi, f, False)

    def grad(self, node, g):
        x, lo, hi = node.inputs
        inside = ew("logical_and", ew("ge", x, lo), ew("le", x, hi))
        return [unbroadcast(ew("select", inside, g, scalar(0, g.dtype)), x.shape), None, None]
