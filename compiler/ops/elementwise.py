"""Elementwise ops: one scalar emitter each, plus their shape and gradient rules.

Inputs broadcast as numpy does. Codegen (codegen/loops.py) owns the loops, the
broadcasting index arithmetic, vectorisation and fusion; an emitter only says what the
op is for one value. Booleans are stored and passed as i8 0/1.
"""
import numpy as np
from llvmlite import ir

from ..ir import dtypes
from ..ir.shapes import broadcast_shapes
from .registry import Op, register, apply
from . import reduce as R  # noqa: F401  (gradients reduce over broadcast dims)

FAST = ("contract", "reassoc", "nsz", "arcp", "afn")
I1 = ir.IntType(1)
I8 = ir.IntType(8)


# ---------------------------------------------------------------- scalar helpers
def const(dtype, value):
    """An LLVM constant of an IR dtype."""
    dtype = dtypes.from_any(dtype)
    if dtype.is_float:
        return ir.Constant(dtype.llvm(), float(value))
    return ir.Constant(dtype.llvm(), int(value))


def convert(b, value, src, dst):
    """Convert a scalar between IR dtypes with numpy's casting semantics."""
    src, dst = dtypes.from_any(src), dtypes.from_any(dst)
    if src is dst:
        return value
    if dst.is_bool:
        if src.is_float:
            nz = b.fcmp_unordered("!=", value, ir.Constant(value.type, 0.0))
        else:
            nz = b.icmp_signed("!=", value, ir.Constant(value.type, 0))
        return b.zext(nz, I8)
    if src.is_bool:
        if dst.is_float:
            return b.uitofp(value, dst.llvm())
        return b.zext(value, dst.llvm())
    if src.is_float and dst.is_float:
        return b.fpext(value, dst.llvm()) if dst.itemsize > src.itemsize else b.fptrunc(value, dst.llvm())
    if src.is_int and dst.is_int:
        return b.sext(value, dst.llvm()) if dst.itemsize > src.itemsize else b.trunc(value, dst.llvm())
    if src.is_int:
        return b.sitofp(value, dst.llvm())
    # float -> int truncates toward zero; nan and out-of-range give 0 rather than
    # LLVM's poison (numpy gives an unspecified value with a warning).
    t = dst.llvm()
    limit = float(2 ** (8 * dst.itemsize - 1))
    ok = b.and_(b.fcmp_ordered(">=", value, ir.Constant(value.type, -limit)),
                b.fcmp_ordered("<", value, ir.Constant(value.type, limit)))
    safe = b.select(ok, value, ir.Constant(value.type, 0.0))
    return b.fptosi(safe, t)


def truth(b, value):
    """An i1 from a stored bool (i8)."""
    return b.icmp_unsigned("!=", value, ir.Constant(value.type, 0))


def intrinsic(b, name, value_type, nargs=1):
    mod = b.module
    full = f"llvm.{name}.{'f32' if value_type == ir.FloatType() else 'f64'}"
    fn = mod.globals.get(full)
    if fn is None:
        fn = ir.Function(mod, ir.FunctionType(value_type, [value_type] * nargs), full)
    return fn


def _math(b, name, *args):
    from ..codegen import mathlib
    return mathlib.emit_call(b, name, list(args))


# ---------------------------------------------------------------- shape rules
def _broadcast_infer(op, inputs):
    shape = ()
    for x in inputs:
        new = broadcast_shapes(shape, x.shape)
        if new is None:
            op.error("operands could not be broadcast together", shape, x.shape)
        shape = new
    return shape


def unbroadcast(g, shape):
    """Sum a gradient of a broadcast result back to an operand's shape."""
    if g.shape == tuple(shape):
        return g
    extra = g.ndim - len(shape)
    axes = list(range(extra))
    for i, d in enumerate(shape):
        if d == 1 and g.shape[extra + i] != 1:
            axes.append(extra + i)
    if axes:
        g = R.reduce("sum", g, axes, keepdims=False)
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
        self.check_dtype(dtype, inputs)
        if self.result == "bool":
            out = dtypes.bool_
        elif self.result == "float" and not dtype.is_float:
            out = dtypes.float32
        else:
            out = dtype
        return out, _broadcast_infer(self, inputs)

    def check_dtype(self, dtype, inputs):
        pass

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


class FloatUnary(Elementwise):
    """A unary float function (ints are computed in float32)."""
    result = "float"
    fn = None

    def emit(self, cx, node, args):
        return _math(cx.b, self.fn or self.name, args[0])


def _defun(name, base=Elementwise, **fields):
    cls = type(name, (base,), dict(name=name, **fields))
    register(cls)
    return cls


def _ew(name, *inputs, **attrs):
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
        return [_ew("neg", g)]


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
        return [_ew("mul", g, _ew("sign", node.inputs[0]))]


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
        return [_ew("mul", g, _ew("mul", x, scalar(2, x.dtype)))]


@register
class Sqrt(FloatUnary):
    name = "sqrt"

    def emit(self, cx, node, args):
        return cx.b.call(intrinsic(cx.b, "sqrt", args[0].type), [args[0]])

    def grad(self, node, g):
        return [_ew("div", g, _ew("mul", node, scalar(2, node.dtype)))]


@register
class Exp(FloatUnary):
    name = "exp"

    def grad(self, node, g):
        return [_ew("mul", g, node)]


@register
class Expm1(FloatUnary):
    name = "expm1"

    def grad(self, node, g):
        return [_ew("mul", g, _ew("exp", node.inputs[0]))]


@register
class Log(FloatUnary):
    name = "log"

    def grad(self, node, g):
        return [_ew("div", g, node.inputs[0])]


@register
class Log1p(FloatUnary):
    name = "log1p"

    def grad(self, node, g):
        x = node.inputs[0]
        return [_ew("div", g, _ew("add", x, scalar(1, x.dtype)))]


@register
class Tanh(FloatUnary):
    name = "tanh"

    def grad(self, node, g):
        one = scalar(1, node.dtype)
        return [_ew("mul", g, _ew("sub", one, _ew("square", node)))]


@register
class Sigmoid(FloatUnary):
    name = "sigmoid"

    def grad(self, node, g):
        one = scalar(1, node.dtype)
        return [_ew("mul", g, _ew("mul", node, _ew("sub", one, node)))]


@register
class Softplus(FloatUnary):
    name = "softplus"

    def grad(self, node, g):
        return [_ew("mul", g, _ew("sigmoid", node.inputs[0]))]


@register
class Softsign(FloatUnary):
    name = "softsign"

    def emit(self, cx, node, args):
        x, b = args[0], cx.b
        ax = b.call(intrinsic(b, "fabs", x.type), [x])
        return b.fdiv(x, b.fadd(ax, ir.Constant(x.type, 1.0), flags=FAST), flags=FAST)

    def grad(self, node, g):
        x = node.inputs[0]
        den = _ew("add", _ew("abs", x), scalar(1, node.dtype))
        return [_ew("div", g, _ew("square", den))]


@register
class Sin(FloatUnary):
    name = "sin"

    def grad(self, node, g):
        return [_ew("mul", g, _ew("cos", node.inputs[0]))]


@register
class Cos(FloatUnary):
    name = "cos"

    def grad(self, node, g):
        return [_ew("neg", _ew("mul", g, _ew("sin", node.inputs[0])))]


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
class LogicalNot(Elementwise):
    name = "logical_not"
    result = "bool"
    differentiable = False

    def emit(self, cx, node, args):
        x = convert(cx.b, args[0], self.operand_dtype(node), dtypes.bool_)
        return cx.b.xor(x, ir.Constant(I8, 1))

    def grad(self, node, g):
        return [None]


@register
class IsNan(Elementwise):
    name = "isnan"
    result = "bool"
    differentiable = False

    def emit(self, cx, node, args):
        x = args[0]
        if not self.operand_dtype(node).is_float:
            return ir.Constant(I8, 0)
        return cx.b.zext(cx.b.fcmp_unordered("uno", x, x), I8)

    def grad(self, node, g):
        return [None]


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
        return [unbroadcast(g, a.shape), unbroadcast(_ew("neg", g), b.shape)]


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
        return [unbroadcast(_ew("mul", g, b), a.shape), unbroadcast(_ew("mul", g, a), b.shape)]


@register
class Div(Binary):
    name = "div"
    result = "float"

    def emit(self, cx, node, args):
        a, b = args
        return cx.b.fdiv(a, b, flags=FAST)

    def grad(self, node, g):
        a, b = node.inputs
        ga = _ew("div", g, b)
        gb = _ew("neg", _ew("mul", ga, node))
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
            return _math(cx.b, "pow", a, b)
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
        ga = _ew("mul", g, _ew("mul", b, _ew("pow", a, _ew("sub", b, scalar(1, b.dtype)))))
        # d/db a**b = a**b * log(a); zero where a == 0 (the limit used by autodiff tools)
        safe_log = _ew("log", _ew("select", _ew("eq", a, scalar(0, a.dtype)), scalar(1, a.dtype), a))
        gb = _ew("mul", g, _ew("mul", node, safe_log))
        return [unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)]


def _select_max(b, x, y, is_float, greater):
    """max/min that propagates nan like numpy's maximum/minimum."""
    if is_float:
        cmp = b.fcmp_ordered(">" if greater else "<", x, y)
        keep_x = b.or_(cmp, b.fcmp_unordered("uno", x, x))
        return b.select(keep_x, x, y)
    cmp = b.icmp_signed(">" if greater else "<", x, y)
    return b.select(cmp, x, y)


@register
class Maximum(Binary):
    name = "maximum"

    def emit(self, cx, node, args):
        return _select_max(cx.b, args[0], args[1], node.dtype.is_float, True)

    def grad(self, node, g):
        a, b = node.inputs
        mask = _ew("cast", _ew("ge", a, b), dtype=g.dtype.name)
        return [unbroadcast(_ew("mul", g, mask), a.shape),
                unbroadcast(_ew("mul", g, _ew("sub", scalar(1, g.dtype), mask)), b.shape)]


@register
class Minimum(Binary):
    name = "minimum"

    def emit(self, cx, node, args):
        return _select_max(cx.b, args[0], args[1], node.dtype.is_float, False)

    def grad(self, node, g):
        a, b = node.inputs
        mask = _ew("cast", _ew("le", a, b), dtype=g.dtype.name)
        return [unbroadcast(_ew("mul", g, mask), a.shape),
                unbroadcast(_ew("mul", g, _ew("sub", scalar(1, g.dtype), mask)), b.shape)]


class Compare(Binary):
    result = "bool"
    differentiable = False
    symbol = None

    def emit(self, cx, node, args):
        a, b = args
        dtype = self.operand_dtype(node)
        if dtype.is_float:
            if self.symbol == "!=":
                r = cx.b.fcmp_unordered("!=", a, b)
            else:
                r = cx.b.fcmp_ordered(self.symbol, a, b)
        elif dtype.is_bool:
            r = cx.b.icmp_unsigned(self.symbol, a, b)
        else:
            r = cx.b.icmp_signed(self.symbol, a, b)
        return cx.b.zext(r, I8)

    def grad(self, node, g):
        return [None, None]


for _name, _sym in (("eq", "=="), ("ne", "!="), ("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
    _defun(_name, Compare, symbol=_sym)


class Logical(Binary):
    result = "bool"
    differentiable = False

    def emit(self, cx, node, args):
        src = self.operand_dtype(node)
        a, b = (convert(cx.b, x, src, dtypes.bool_) for x in args)
        return cx.b.and_(a, b) if self.name == "logical_and" else cx.b.or_(a, b)

    def grad(self, node, g):
        return [None, None]


_defun("logical_and", Logical)
_defun("logical_or", Logical)


@register
class Select(Elementwise):
    """select(cond, a, b): a where cond is true, else b (cond is bool)."""
    name = "select"
    arity = 3

    def infer(self, inputs, attrs):
        cond, a, b = inputs
        if not cond.dtype.is_bool:
            self.error(f"condition must be bool, got {cond.dtype.name}")
        return dtypes.promote(a.dtype, b.dtype), _broadcast_infer(self, inputs)

    def operand_dtypes(self, node):
        return [dtypes.bool_, node.dtype, node.dtype]

    def emit(self, cx, node, args):
        return cx.b.select(truth(cx.b, args[0]), args[1], args[2])

    def grad(self, node, g):
        cond, a, b = node.inputs
        zero = scalar(0, g.dtype)
        return [None, unbroadcast(_ew("select", cond, g, zero), a.shape),
                unbroadcast(_ew("select", cond, zero, g), b.shape)]


@register
class ClipOp(Elementwise):
    """clip(x, lo, hi) = min(max(x, lo), hi), gradient passes only inside [lo, hi]."""
    name = "clip"
    arity = 3

    def emit(self, cx, node, args):
        x, lo, hi = args
        f = node.dtype.is_float
        return _select_max(cx.b, _select_max(cx.b, x, lo, f, True), hi, f, False)

    def grad(self, node, g):
        x, lo, hi = node.inputs
        inside = _ew("logical_and", _ew("ge", x, lo), _ew("le", x, hi))
        return [unbroadcast(_ew("select", inside, g, scalar(0, g.dtype)), x.shape), None, None]


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
        relu = _select_max(b, x, zero, True, True)
        ax = b.call(intrinsic(b, "fabs", x.type), [x])
        tail = _math(b, "log1p", _math(b, "exp", b.fneg(ax)))
        return b.fadd(b.fsub(relu, b.fmul(x, z, flags=FAST), flags=FAST), tail, flags=FAST)

    def grad(self, node, g):
        x, z = node.inputs
        gx = _ew("mul", g, _ew("sub", _ew("sigmoid", x), z))
        gz = _ew("mul", g, _ew("neg", x))
        return [unbroadcast(gx, x.shape), unbroadcast(gz, z.shape)]


# ---------------------------------------------------------------- sources of values
@register
class Iota(Elementwise):
    """The index along `axis` of each element of a tensor of `shape`."""
    name = "iota"
    arity = 0
    differentiable = False

    def infer(self, inputs, attrs):
        return dtypes.from_any(attrs["dtype"]), tuple(attrs["shape"])

    def operand_dtypes(self, node):
        return []

    def emit(self, cx, node, args):
        i = cx.index[node.attr("axis")]
        return convert(cx.b, i, dtypes.int64, node.dtype)

    def grad(self, node, g):
        return []


@register
class DimSize(Elementwise):
    """The product of some (symbolic) dims, as an int64 scalar: read from the call's dims,
    so it fuses into the loops that use it (a mean's 1/n)."""
    name = "dim_size"
    arity = 0
    differentiable = False

    def infer(self, inputs, attrs):
        return dtypes.int64, ()

    def emit(self, cx, node, args):
        value = ir.Constant(ir.IntType(64), 1)
        for d in node.attr("dims"):
            value = cx.b.mul(value, cx.kx.dim(d))
        return value

    def grad(self, node, g):
        return []


@register
class Constant(Op):
    """A constant: scalars are immediates in the code, arrays are runtime buffers."""
    name = "constant"
    kind = "source"
    differentiable = False

    def infer(self, inputs, attrs):
        return dtypes.from_any(attrs["dtype"]), tuple(attrs["shape"])

    def grad(self, node, g):
        return []


def scalar(value, dtype):
    """A scalar constant node."""
    dtype = dtypes.from_any(dtype)
    v = bool(value) if dtype.is_bool else (float(value) if dtype.is_float else int(value))
    if dtype.is_float and np.isnan(v):
        v = "nan"  # nan != nan would defeat interning; store it as text
    return apply("constant", [], value=v, dtype=dtype.name, shape=())


def scalar_value(node):
    """The Python value of a scalar constant node, else None."""
    if node.op.name != "constant" or node.shape != () or node.attr("value") is None:
        return None
    v = node.attr("value")
    return float("nan") if v == "nan" else v


def boxed_scalar(value, dtype):
    """A scalar constant held in a runtime buffer rather than in the code (e.g. a seed),
    so graphs that differ only in this value share compiled code."""
    import hashlib
    dtype = dtypes.from_any(dtype)
    arr = np.asarray(value, dtype=dtype.np).reshape(())
    digest = hashlib.sha1(arr.tobytes()).hexdigest()[:16]
    return apply("constant", [], payload=arr, digest=digest, dtype=dtype.name, shape=())


def array_constant(array, dtype=None):
    """A constant node holding a numpy array (bound to a runtime buffer)."""
    import hashlib
    dtype = dtypes.from_any(dtype or array.dtype)
    arr = np.ascontiguousarray(np.asarray(array, dtype=dtype.np))
    if arr.ndim == 0:
        return scalar(arr.item(), dtype)
    digest = hashlib.sha1(arr.tobytes()).hexdigest()[:16]
    return apply("constant", [], payload=arr, digest=digest, dtype=dtype.name, shape=arr.shape)
