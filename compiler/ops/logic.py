"""Comparisons, logic, nan tests and select: elementwise ops that give or take bools
(stored as i8 0/1), with no gradient except select's."""
from llvmlite import ir

from ..codegen.scalar import I8, convert, truth
from ..ir import dtypes
from .registry import register
from .elementwise import Elementwise, Binary, broadcast_infer, defun, unbroadcast, ew
from .source import scalar


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
    defun(_name, Compare, symbol=_sym)


class Logical(Binary):
    result = "bool"
    differentiable = False

    def emit(self, cx, node, args):
        src = self.operand_dtype(node)
        a, b = (convert(cx.b, x, src, dtypes.bool_) for x in args)
        return cx.b.and_(a, b) if self.name == "logical_and" else cx.b.or_(a, b)

    def grad(self, node, g):
        return [None, None]


defun("logical_and", Logical)
defun("logical_or", Logical)


@register
class Select(Elementwise):
    """select(cond, a, b): a where cond is true, else b (cond is bool)."""
    name = "select"
    arity = 3

    def infer(self, inputs, attrs):
        cond, a, b = inputs
        if not cond.dtype.is_bool:
            self.error(f"condition must be bool, got {cond.dtype.name}")
        return dtypes.promote(a.dtype, b.dtype), broadcast_infer(self, inputs)

    def operand_dtypes(self, node):
        return [dtypes.bool_, node.dtype, node.dtype]

    def emit(self, cx, node, args):
        return cx.b.select(truth(cx.b, args[0]), args[1], args[2])

    def grad(self, node, g):
        cond, a, b = node.inputs
        zero = scalar(0, g.dtype)
        return [None, unbroadcast(ew("select", cond, g, zero), a.shape),
                unbroadcast(ew("select", cond, zero, g), b.shape)]
