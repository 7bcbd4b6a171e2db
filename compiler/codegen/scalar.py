"""Scalar emission helpers: what the ops' emitters and the loop builders share to build
one value's LLVM code (constants, dtype conversions, bools, intrinsics, nan-aware max),
and the two module-level pieces every hand-written kernel needs (a function declared
once, a loop LLVM must leave scalar).

They live below the ops so the loop builders (codegen/loops.py) and the ops' lowerings
use one definition of numpy's casting and nan rules without importing each other.
Booleans are stored and passed as i8 0/1.
"""
from . import target  # first: selects opaque llvmlite.ir pointers

from llvmlite import ir  # noqa: E402
from llvmlite.ir import values as ir_values  # noqa: E402

from ..ir import dtypes  # noqa: E402

FAST = target.FAST
REDUCTION_FAST = target.REDUCTION_FAST
I1 = ir.IntType(1)
I8 = ir.IntType(8)


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


def declare(module, name, fnty):
    """The function `name` of type `fnty` in `module`, declared on first use."""
    fn = module.globals.get(name)
    return fn if fn is not None else ir.Function(module, fnty, name)


def scalar_loop_id(module, unroll=False):
    """A fresh `!llvm.loop` id for a loop LLVM must not vectorise (its code is vector code
    already, or it is cold: trying only costs compile time) and, unless `unroll`, must
    not unroll."""
    hints = [module.add_metadata([ir.MetaDataString(module, "llvm.loop.vectorize.enable"), ir.Constant(I1, 0)])]
    if not unroll:
        hints.append(module.add_metadata([ir.MetaDataString(module, "llvm.loop.unroll.disable")]))
    # a loop id is a distinct node that refers to itself, so it is built by hand (the
    # module's metadata cache would unify equal nodes)
    node = ir_values.MDValue(module, [], name=str(len(module.metadata)))
    node.operands = (node, *hints)
    return node


def intrinsic(b, name, value_type, nargs=1):
    """The declaration of `llvm.<name>.f32|f64` in the builder's module (declared once)."""
    full = f"llvm.{name}.{'f32' if value_type == ir.FloatType() else 'f64'}"
    return declare(b.module, full, ir.FunctionType(value_type, [value_type] * nargs))


def call_intrinsic(b, name, *args):
    """llvm.<name> applied to float scalars of one type (fabs, sqrt, floor, rint, ...)."""
    return b.call(intrinsic(b, name, args[0].type, len(args)), list(args))


def select_max(b, x, y, is_float, greater):
    """max (greater=True) or min of two scalars that propagates nan like numpy's
    maximum/minimum."""
    if is_float:
        cmp = b.fcmp_ordered(">" if greater else "<", x, y)
        keep_x = b.or_(cmp, b.fcmp_unordered("uno", x, x))
        return b.select(keep_x, x, y)
    cmp = b.icmp_signed(">" if greater else "<", x, y)
    return b.select(cmp, x, y)
