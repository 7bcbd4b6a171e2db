"""What every mathlib emitter shares: fast-math flag sets, float types, bit patterns and
`Emitter`, a small helper bound to (builder, float type) that names constants,
intrinsics, arithmetic with explicit flags, compares, selects and bit casts."""
import struct
from decimal import Decimal

from .. import target  # sets the opaque-pointer mode before llvmlite is imported

from llvmlite import ir  # noqa: E402

FAST = target.FAST
EXACT = ()  # no fast-math flags: rounding of this step matters
DIV = tuple(f for f in FAST if f != "arcp")

F32 = ir.FloatType()
F64 = ir.DoubleType()
LOG2E = 1.4426950408889634
PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494459230781640628")
# ln2 = hi + lo for Cody-Waite reductions x - k*ln2. f32: Cephes split (hi has 9 bits,
# so k*hi is exact); f64: fdlibm split (hi has 32 bits).
LN2 = {
    False: (0.693359375, -2.12194440e-4),
    True: (6.93147180369123816490e-01, 1.90821492927058770002e-10),
}


def float_bits(v, f64):
    """The integer bit pattern of v as a double (f64) or a float."""
    if f64:
        return struct.unpack("<q", struct.pack("<d", v))[0]
    return struct.unpack("<i", struct.pack("<f", v))[0]


class Emitter:
    """Emission helpers for one float type (float or double) at one builder."""

    def __init__(self, builder, ty):
        if isinstance(ty, ir.DoubleType):
            self.f64 = True
        elif isinstance(ty, ir.FloatType):
            self.f64 = False
        else:
            raise TypeError(f"mathlib: expected float or double, got {ty}")
        self.b = builder
        self.ty = ty
        self.ity = ir.IntType(64 if self.f64 else 32)
        self.mbits = 52 if self.f64 else 23
        self.bias = 1023 if self.f64 else 127

    # constants
    def c(self, v):
        return ir.Constant(self.ty, float(v))

    def ci(self, v):
        return ir.Constant(self.ity, int(v))

    # intrinsics
    def _intrinsic(self, name, nargs):
        module = self.b.module
        full = f"{name}.{'f64' if self.f64 else 'f32'}"
        fn = module.globals.get(full)
        if fn is None:
            fnty = ir.FunctionType(self.ty, [self.ty] * nargs)
            fn = module.declare_intrinsic(name, [self.ty], fnty=fnty)
        return fn

    def call(self, name, args):
        return self.b.call(self._intrinsic(name, len(args)), list(args))

    def fma(self, a, b, c):
        return self.call("llvm.fma", [a, b, c])

    def rint(self, a):
        return self.call("llvm.rint", [a])

    def floor(self, a):
        return self.call("llvm.floor", [a])

    def fabs(self, a):
        return self.call("llvm.fabs", [a])

    def copysign(self, mag, sign):
        return self.call("llvm.copysign", [mag, sign])

    # arithmetic
    def add(self, a, b, flags=FAST):
        return self.b.fadd(a, b, flags=flags)

    def sub(self, a, b, flags=FAST):
        return self.b.fsub(a, b, flags=flags)

    def mul(self, a, b, flags=FAST):
        return self.b.fmul(a, b, flags=flags)

    def div(self, a, b, flags=DIV):
        return self.b.fdiv(a, b, flags=flags)

    def neg(self, a):
        return self.b.fneg(a)

    def horner(self, x, coeffs):
        """coeffs[0]*x**(n-1) + ... + coeffs[-1], with fused multiply-adds."""
        acc = self.c(coeffs[0])
        for cf in coeffs[1:]:
            acc = self.fma(acc, x, self.c(cf))
        return acc

    # comparisons (ordered: false when either side is nan) and selects
    def cmp(self, op, a, b):
        return self.b.fcmp_ordered(op, a, b)

    def cmpu(self, op, a, b):
        return self.b.fcmp_unordered(op, a, b)

    def sel(self, cond, a, b):
        return self.b.select(cond, a, b)

    def clamp(self, x, lo, hi):
        """min(max(x, lo), hi) that keeps nan (fcmp is false for nan, so x passes)."""
        x = self.sel(self.cmp(">", x, self.c(hi)), self.c(hi), x)
        return self.sel(self.cmp("<", x, self.c(lo)), self.c(lo), x)

    # bit casts
    def bits(self, a):
        return self.b.bitcast(a, self.ity)

    def from_bits(self, i):
        return self.b.bitcast(i, self.ty)

    def pow2(self, ki):
        """2**ki for an integer ki in the normal exponent range."""
        e = self.b.add(ki, self.ci(self.bias))
        return self.from_bits(self.b.shl(e, self.ci(self.mbits)))


def emitter_for(builder, x):
    return Emitter(builder, x.type)


def emitter_for(builder, x):
    """An Emitter for x's float type."""
    return Emitter(builder, x.type)


# error-free transformations
def two_sum(m, a, b):
    """s + err = a + b exactly (2Sum)."""
    s = m.add(a, b, EXACT)
    bb = m.sub(s, a, EXACT)
    err = m.add(m.sub(a, m.sub(s, bb, EXACT), EXACT), m.sub(b, bb, EXACT), EXACT)
    return s, err


def fast_two_sum(m, a, b):
    """s + err = a + b exactly, when |a| >= |b| (or a == 0)."""
    s = m.add(a, b, EXACT)
    return s, m.sub(b, m.sub(s, a, EXACT), EXACT)
