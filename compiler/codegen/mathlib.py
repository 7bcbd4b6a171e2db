"""Branch-free transcendental functions emitted as `llvmlite.ir` instructions.

Every emitter takes an IRBuilder positioned inside a (loop) body and one scalar value of
type float (f32) or double (f64), and returns a value of the same type::

    y = emit_exp(builder, x)
    z = emit_pow(builder, x, y)
    v = emit_call(builder, "tanh", [x])

The code has no branches and no calls other than LLVM intrinsics that have vector forms
(`llvm.fma`, `llvm.rint`, `llvm.floor`, `llvm.fabs`, `llvm.copysign`, `llvm.sqrt`), plus
integer bit tricks on bitcasts, so the loop vectoriser widens a loop that calls them to
zmm code (no veclib is needed; LLVM 22 through llvmlite has none, see LLVMLITE.md §3).

Semantics follow numpy: nan in gives nan out; ±inf, ±0 (including the sign of zero)
and denormals are handled like numpy; overflow gives ±inf and underflow goes through
the denormal range to 0.  Measured accuracy (tests/compiler/test_mathlib.py, against
numpy float64 for f32 and numpy long double for f64): every function is within about
1.5 ulp: at most 1.7e-7 relative for f32 (all 2**32 inputs checked) and 3.2e-16 for f64
(the tests assert 2e-6 and 1e-14).  pow for f32 is computed in double and for f64 with
a double-double log, so it is within ~0.8 ulp.  sin/cos have an argument-size limit,
see `emit_sin`.

Flags: the polynomial parts and other plain arithmetic carry `target.FAST` (which
contains no nnan/ninf, so inf/nan semantics survive optimisation). Steps whose exact
rounding IS the algorithm (Cody-Waite range reduction, 2Sum / Fast2Sum error terms,
splitting 2**k into two factors, fdlibm's log combination) carry no flags: with
`reassoc` LLVM may legally fold e.g. (x - k*C1) - k*C2 into x - k*(C1+C2), or
(p*s1)*s2 into p*(s1*s2), which destroys the extra precision or underflows.
Divisions carry no `arcp` so they stay correctly rounded.
"""
import math
import struct
from decimal import Decimal, getcontext

from . import target  # sets the opaque-pointer mode before llvmlite is imported

from llvmlite import ir  # noqa: E402

FAST = target.FAST
EXACT = ()  # no fast-math flags: rounding of this step matters
DIV = tuple(f for f in FAST if f != "arcp")

F32 = ir.FloatType()
F64 = ir.DoubleType()

# ---------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------
getcontext().prec = 80
_PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494459230781640628")
_PIO2 = _PI / 2
PIO2_1 = float(_PIO2)                       # pi/2 = PIO2_1 + PIO2_2 + PIO2_3 (~2**-160)
PIO2_2 = float(_PIO2 - Decimal(PIO2_1))
PIO2_3 = float(_PIO2 - Decimal(PIO2_1) - Decimal(PIO2_2))
TWO_OVER_PI = float(2 / _PI)
LOG2E = 1.4426950408889634

# exp/expm1 range reduction x = k*ln2 + r.  f32: Cephes split (hi has 9 bits, so k*hi
# is exact); f64: fdlibm split (hi has 32 bits).
_LN2 = {
    False: (0.693359375, -2.12194440e-4),
    True: (6.93147180369123816490e-01, 1.90821492927058770002e-10),
}
# Clamp bounds for exp: below lo the result is 0 (also for denormal rounding), above hi
# it is inf; they keep k inside the range where 2**(k/2) is a normal number.
_EXP_CLAMP = {False: (-104.0, 89.0), True: (-746.0, 710.0)}
# expm1: below lo the result is -1 to working precision; above big, expm1 == exp.
_EXPM1_LO = {False: -25.0, True: -45.0}
_EXPM1_BIG = {False: 80.0, True: 700.0}
# tanh: |x| above this gives exactly ±1 after rounding.
_TANH_SAT = {False: 10.0, True: 20.0}

# expm1(r) = r + r**2 * P(r) on |r| <= ln2/2: Taylor terms 1/2! ... 1/7! (f32,
# truncation 3e-9 relative) and 1/2! ... 1/13! (f64, truncation 1e-17 relative).
_EXPM1_P = {
    False: [1.0 / math.factorial(n) for n in range(7, 1, -1)],
    True: [1.0 / math.factorial(n) for n in range(13, 1, -1)],
}
# Cephes logf: log(1+f) = f - f**2/2 + f**3 * P(f), f in [sqrt(.5)-1, sqrt(2)-1].
_LOGF_P = [7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
           1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
           3.3333331174E-1]
# fdlibm e_log.c: R(z) = z*(Lg1 + z*(Lg2 + ... Lg7)) with s = f/(2+f), z = s*s.
_LOG_LG = [1.479819860511658591e-01, 1.531383769920937332e-01, 1.818357216161805012e-01,
           2.222219843214978396e-01, 2.857142874366239149e-01, 3.999999999940941908e-01,
           6.666666666666735130e-01]
# Series of log(m) = 2 atanh(s) = 2s + (2/3) s**3 + s**5 * sum 2/(2j+5) z**j (the
# double-double log for pow; |s| <= 0.1716, terms up to s**23, truncation 6e-21).
_ATANH_P = [2.0 / n for n in range(23, 3, -2)]
_TWO_THIRDS_HI = 2.0 / 3.0
_TWO_THIRDS_LO = float(Decimal(2) / 3 - Decimal(_TWO_THIRDS_HI))
# Cephes sinf/cosf on |r| <= pi/4.
_SINF_P = [-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1]
_COSF_P = [2.443315711809948E-005, -1.388731625493765E-003, 4.166664568298827E-002]
# fdlibm k_sin.c / k_cos.c on |r| <= pi/4.
_SIN_S = [1.58969099521155010221e-10, -2.50507602534068634195e-08, 2.75573137070700676789e-06,
          -1.98412698298579493134e-04, 8.33333333332248946124e-03, -1.66666666666666324348e-01]
_COS_C = [-1.13596475577881948265e-11, 2.08757232129817482790e-09, -2.75573143513906633035e-07,
          2.48015872894767294178e-05, -1.38888888888741095749e-03, 4.16666666666666019037e-02]


def _float_bits(v, f64):
    if f64:
        return struct.unpack("<q", struct.pack("<d", v))[0]
    return struct.unpack("<i", struct.pack("<f", v))[0]


# ---------------------------------------------------------------------------------
# Small emission helper bound to (builder, float type)
# ---------------------------------------------------------------------------------
class _Em:
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


def _em(builder, x):
    return _Em(builder, x.type)


# ---------------------------------------------------------------------------------
# exp family
# ---------------------------------------------------------------------------------
def _exp_reduce(m, x, lo=None):
    """x (+ lo) = k*ln2 + r with |r| <~ ln2/2; returns (k as an integer, r).

    x must already be clamped so that k stays small.  k is converted to an integer with
    the 1.5*2**mbits shifter instead of fptosi, which is poison for nan."""
    hi_c, lo_c = _LN2[m.f64]
    k = m.rint(m.mul(x, m.c(LOG2E)))
    nk = m.neg(k)
    r = m.fma(nk, m.c(hi_c), x)       # exact: k*hi exact, x - k*hi Sterbenz
    r = m.fma(nk, m.c(lo_c), r)
    if lo is not None:
        r = m.add(r, lo, EXACT)
    shifter = 1.5 * 2.0 ** m.mbits
    kb = m.bits(m.add(k, m.c(shifter), EXACT))
    ki = m.b.sub(kb, m.ci(_float_bits(shifter, m.f64)))
    return ki, r


def _expm1_poly(m, r):
    """expm1(r) for |r| <= ln2/2, accurate relative to r (also for tiny/denormal r)."""
    r2 = m.mul(r, r)
    return m.fma(r2, m.horner(r, _EXPM1_P[m.f64]), r)


def _split_pow2(m, ki):
    """2**k = s1*s2 with both factors normal for every k that _EXP_CLAMP allows."""
    h = m.b.ashr(ki, m.ci(1))
    return m.pow2(h), m.pow2(m.b.sub(ki, h))


def _exp_core(m, x, lo=None):
    xc = m.clamp(x, *_EXP_CLAMP[m.f64])
    ki, r = _exp_reduce(m, xc, lo)
    p = m.add(_expm1_poly(m, r), m.c(1.0))
    s1, s2 = _split_pow2(m, ki)
    # two multiplies: one rounding into the denormal range, overflow to inf
    return m.mul(m.mul(p, s1, EXACT), s2, EXACT)


def _expm1_core(m, xc, allow_big=True):
    """expm1 of xc clamped to [_EXPM1_LO, _EXP_CLAMP hi] (nan allowed)."""
    ki, r = _exp_reduce(m, xc)
    q = _expm1_poly(m, r)
    s1, s2 = _split_pow2(m, ki)
    s = m.mul(s1, s2, EXACT)                                   # 2**k, exact
    # 2**k * (1 + q) - 1 = fma(2**k, q, 2**k - 1); 2**k - 1 is exact for small k
    small = m.fma(s, q, m.sub(s, m.c(1.0), EXACT))
    if not allow_big:
        return small
    big = m.mul(m.mul(m.add(q, m.c(1.0)), s1, EXACT), s2, EXACT)
    return m.sel(m.cmp(">", xc, m.c(_EXPM1_BIG[m.f64])), big, small)


def emit_exp(builder, x):
    """exp(x): Cody-Waite reduction by ln2, polynomial, 2**k as two exact factors."""
    return _exp_core(_em(builder, x), x)


def emit_expm1(builder, x):
    """exp(x) - 1, accurate near 0 (relative error) and for large |x|."""
    m = _em(builder, x)
    xc = m.clamp(x, _EXPM1_LO[m.f64], _EXP_CLAMP[m.f64][1])
    return m.copysign(_expm1_core(m, xc), x)          # sign(expm1 x) == sign x; -0 -> -0


def emit_tanh(builder, x):
    """tanh(x) = sign(x) * e/(e+2) with e = expm1(2|x|); exactly ±1 for large |x|."""
    m = _em(builder, x)
    ax = m.fabs(x)
    sat = _TANH_SAT[m.f64]
    axc = m.sel(m.cmp(">", ax, m.c(sat)), m.c(sat), ax)       # nan passes through
    e = _expm1_core(m, m.mul(axc, m.c(2.0)), allow_big=False)
    t = m.div(e, m.add(e, m.c(2.0)))
    return m.copysign(t, x)


def emit_sigmoid(builder, x):
    """1/(1+exp(-x)) without overflow: e = exp(-|x|); (x>=0 ? 1 : e) / (1 + e)."""
    m = _em(builder, x)
    e = _exp_core(m, m.neg(m.fabs(x)))
    num = m.sel(m.cmp(">=", x, m.c(0.0)), m.c(1.0), e)      # nan -> e (nan)
    return m.div(num, m.add(m.c(1.0), e))


def emit_softplus(builder, x):
    """log(1+exp(x)) = max(x, 0) + log1p(exp(-|x|))."""
    m = _em(builder, x)
    e = _exp_core(m, m.neg(m.fabs(x)))                        # in [0, 1] or nan
    lp = _log1p_core(m, e)
    pos = m.sel(m.cmp(">", x, m.c(0.0)), x, m.c(0.0))
    return m.add(pos, lp, EXACT)


# ---------------------------------------------------------------------------------
# log family
# ---------------------------------------------------------------------------------
_SQRTHALF = 0.7071067811865476


def _log_split(m, x, eadj=None):
    """x = 2**e * mant with mant in [sqrt(.5), sqrt(2)); returns (e as float, f = mant-1).

    x must be positive and normal (garbage otherwise, fixed by the callers' selects)."""
    one_b = _float_bits(1.0, m.f64)
    sqh_b = _float_bits(_SQRTHALF, m.f64)
    ix = m.b.add(m.bits(x), m.ci(one_b - sqh_b))
    e = m.b.sub(m.b.ashr(ix, m.ci(m.mbits)), m.ci(m.bias))
    if eadj is not None:
        e = m.b.add(e, eadj)
    mant = m.from_bits(m.b.add(m.b.and_(ix, m.ci((1 << m.mbits) - 1)), m.ci(sqh_b)))
    f = m.sub(mant, m.c(1.0), EXACT)                          # exact (Sterbenz)
    return m.b.sitofp(e, m.ty), f


def _log_core(m, x, eadj=None, extra=None):
    """log(x) + extra for positive normal x (extra: a small correction term)."""
    ef, f = _log_split(m, x, eadj)
    if not m.f64:
        # Cephes logf
        z = m.mul(f, f)
        y = m.mul(m.mul(f, z), m.horner(f, _LOGF_P))
        y = m.fma(ef, m.c(-2.12194440e-4), y)
        y = m.fma(m.c(-0.5), z, y)
        if extra is not None:
            y = m.add(y, extra, EXACT)
        r = m.add(f, y, EXACT)
        return m.fma(ef, m.c(0.693359375), r)
    # fdlibm __ieee754_log
    ln2_hi, ln2_lo = _LN2[True]
    s = m.div(f, m.add(f, m.c(2.0), EXACT))
    z = m.mul(s, s)
    big_r = m.mul(z, m.horner(z, _LOG_LG))
    hfsq = m.mul(m.mul(f, f), m.c(0.5))
    lo = m.mul(ef, m.c(ln2_lo), EXACT)
    if extra is not None:
        lo = m.add(lo, extra, EXACT)
    t = m.add(m.mul(s, m.add(hfsq, big_r, EXACT), EXACT), lo, EXACT)
    t = m.sub(m.sub(hfsq, t, EXACT), f, EXACT)
    return m.sub(m.mul(ef, m.c(ln2_hi), EXACT), t, EXACT)


def _log1p_core(m, x):
    """log(1+x) for x > -1 (finite): u = 1+x exactly as u + c (2Sum), log(u) + c/u."""
    one = m.c(1.0)
    u = m.add(one, x, EXACT)
    bb = m.sub(u, one, EXACT)
    c = m.add(m.sub(one, m.sub(u, bb, EXACT), EXACT), m.sub(x, bb, EXACT), EXACT)
    return _log_core(m, u, extra=m.div(c, u))


def _log_special(m, x, res, zero_at):
    """numpy edge cases: x < zero_at or nan -> nan, x == zero_at -> -inf, inf -> inf."""
    res = m.sel(m.cmpu("<", x, m.c(zero_at)), m.c(math.nan), res)
    res = m.sel(m.cmp("==", x, m.c(zero_at)), m.c(-math.inf), res)
    return m.sel(m.cmp("==", x, m.c(math.inf)), m.c(math.inf), res)


def emit_log(builder, x):
    """Natural log; denormals are scaled into the normal range first."""
    m = _em(builder, x)
    tiny = 2.0 ** (-1022 if m.f64 else -126)
    sh = 54 if m.f64 else 25
    den = m.cmp("<", x, m.c(tiny))
    xs = m.sel(den, m.mul(x, m.c(2.0 ** sh), EXACT), x)
    eadj = m.b.select(den, m.ci(-sh), m.ci(0))
    return _log_special(m, x, _log_core(m, xs, eadj), 0.0)


def emit_log1p(builder, x):
    """log(1+x), accurate for tiny x (returns x for |x| below eps)."""
    m = _em(builder, x)
    # sign(log1p x) == sign x (nan for x < -1 anyway); keeps log1p(-0) == -0
    return m.copysign(_log_special(m, x, _log1p_core(m, x), -1.0), x)


# ---------------------------------------------------------------------------------
# sin / cos
# ---------------------------------------------------------------------------------
def _sin_poly(m, r):
    z = m.mul(r, r)
    if not m.f64:
        return m.fma(m.mul(m.horner(z, _SINF_P), z), r, r)
    return m.fma(m.mul(z, r), m.horner(z, _SIN_S), r)        # r + r**3 * S(z)


def _cos_poly(m, r):
    z = m.mul(r, r)
    if not m.f64:
        y = m.mul(m.mul(m.horner(z, _COSF_P), z), z)
        return m.add(m.fma(m.c(-0.5), z, y), m.c(1.0))
    # fdlibm __kernel_cos: w = 1 - z/2 and its rounding error carried separately
    zr = m.mul(m.mul(z, z), m.horner(z, _COS_C))
    hz = m.mul(z, m.c(0.5))
    w = m.sub(m.c(1.0), hz, EXACT)
    corr = m.add(m.sub(m.sub(m.c(1.0), w, EXACT), hz, EXACT), zr, EXACT)
    return m.add(w, corr, EXACT)


def _sincos(builder, x, want_cos):
    m = _em(builder, x)
    md = m if m.f64 else _Em(builder, F64)
    xd = x if m.f64 else builder.fpext(x, F64)
    # Cody-Waite in double with fused multiply-adds: r = x - k*(PIO2_1 + PIO2_2).
    k = md.rint(md.mul(xd, md.c(TWO_OVER_PI)))
    nk = md.neg(k)
    if not m.f64:
        # float input: two fmas leave an error of ~|x|*7e-33, far below float's ulp
        r = md.fma(nk, md.c(PIO2_1), xd)
        r = md.fma(nk, md.c(PIO2_2), r)
    else:
        # x - k*PIO2_1 computed exactly as r1 + e1: the product as ph + pl (fma), x - ph
        # is exact (Sterbenz: x and ph are within a factor 2 for k != 0), then 2Sum.
        ph = md.mul(k, md.c(PIO2_1), EXACT)
        pl = md.fma(k, md.c(PIO2_1), md.neg(ph))
        r1, e1 = _two_sum(md, md.sub(xd, ph, EXACT), md.neg(pl))
        r = md.fma(nk, md.c(PIO2_2), r1)
        r = md.add(r, md.fma(nk, md.c(PIO2_3), e1), EXACT)
    # quadrant k mod 4, exact in floating point (no fptosi: k may be nan/huge)
    q = md.sub(k, md.mul(md.floor(md.mul(k, md.c(0.25), EXACT)), md.c(4.0), EXACT), EXACT)
    # |r| <= pi/4 + tiny for |x| < 2**47; beyond the bound r can be huge and the
    # polynomials would give inf - inf = nan, so keep r (and the result) bounded
    r = md.clamp(r, -4.0, 4.0)
    rr = r if m.f64 else builder.fptrunc(r, F32)
    s = _sin_poly(m, rr)
    c = _cos_poly(m, rr)
    eq = [md.cmp("==", q, md.c(float(i))) for i in range(4)]
    if want_cos:
        use_cos = builder.or_(eq[0], eq[2])
        negate = builder.or_(eq[1], eq[2])
    else:
        use_cos = builder.or_(eq[1], eq[3])
        negate = builder.or_(eq[2], eq[3])
    v = m.sel(use_cos, c, s)
    v = m.sel(negate, m.neg(v), v)
    v = m.clamp(v, -1.0, 1.0)
    if not want_cos:
        v = m.sel(m.cmp("==", x, m.c(0.0)), x, v)           # sin(-0) == -0
    return v


def emit_sin(builder, x):
    """sin(x).  Cody-Waite range reduction k = rint(x*2/pi), r = x - k*pi/2, done in
    double with pi/2 split into three doubles: for f32 input two fmas (error ~|x|*7e-33,
    far below a float ulp); for f64 input x - k*PIO2_1 is formed exactly (fma product
    split + Sterbenz + 2Sum), so r is good to about an ulp of r itself.

    Accuracy bound (measured): for |x| < 2**47 (~1.4e14) f32 is within ~1.5 ulp and f64
    within ~1.5 ulp (3e-16) relative, including next to the zeros of sin/cos.  Above
    that k = rint(x*2/pi) can be off by one so |r| leaves [-pi/4, pi/4]: the error grows
    to ~1e-13 (f64) / 2e-6 (f32) at 2**50 and the result is meaningless beyond ~2**52;
    it is clamped to [-1, 1] there.  inf/nan -> nan.
    """
    return _sincos(builder, x, want_cos=False)


def emit_cos(builder, x):
    """cos(x); same range reduction and accuracy bounds as `emit_sin`."""
    return _sincos(builder, x, want_cos=True)


# ---------------------------------------------------------------------------------
# pow, sqrt
# ---------------------------------------------------------------------------------
def _two_sum(m, a, b):
    s = m.add(a, b, EXACT)
    bb = m.sub(s, a, EXACT)
    err = m.add(m.sub(a, m.sub(s, bb, EXACT), EXACT), m.sub(b, bb, EXACT), EXACT)
    return s, err


def _fast_two_sum(m, a, b):
    """s + err = a + b exactly, when |a| >= |b| (or a == 0)."""
    s = m.add(a, b, EXACT)
    return s, m.sub(b, m.sub(s, a, EXACT), EXACT)


def _log_dd(m, ax):
    """log(ax) as hi + lo (absolute error ~1e-20) for f64 ax > 0; 0/inf/nan in hi."""
    tiny = 2.0 ** -1022
    den = m.cmp("<", ax, m.c(tiny))
    xs = m.sel(den, m.mul(ax, m.c(2.0 ** 54), EXACT), ax)
    eadj = m.b.select(den, m.ci(-54), m.ci(0))
    ef, f = _log_split(m, xs, eadj)
    two = m.c(2.0)
    t = m.add(two, f, EXACT)
    t_lo = m.add(m.sub(two, t, EXACT), f, EXACT)              # 2 + f = t + t_lo exactly
    s = m.div(f, t, EXACT)
    rem = m.fma(m.neg(s), t_lo, m.fma(m.neg(s), t, f))          # f - s*(t + t_lo)
    s_lo = m.div(rem, t, EXACT)                                 # s + s_lo = f/(2+f)
    # (2/3) s**3 carries ~1% of log(m), so it is formed in double-double too
    z = m.mul(s, s, EXACT)
    z_lo = m.fma(s, s, m.neg(z))
    s3 = m.mul(s, z, EXACT)
    s3_lo = m.add(m.fma(s, z, m.neg(s3)), m.mul(s, z_lo, EXACT), EXACT)
    c3 = m.mul(s3, m.c(_TWO_THIRDS_HI), EXACT)
    c3_lo = m.add(m.fma(s3, m.c(_TWO_THIRDS_HI), m.neg(c3)),
                  m.add(m.mul(s3, m.c(_TWO_THIRDS_LO), EXACT),
                        m.mul(s3_lo, m.c(_TWO_THIRDS_HI), EXACT), EXACT), EXACT)
    rest = m.mul(m.mul(s3, z), m.horner(z, _ATANH_P))          # s**5 * ..., < 6e-5
    ln2_hi, ln2_lo = _LN2[True]
    a = m.mul(ef, m.c(ln2_hi), EXACT)                           # exact (e has <= 11 bits)
    b2 = m.mul(s, two, EXACT)                                   # exact
    # d(2 atanh s)/ds = 2/(1 - s**2): s_lo enters as 2*s_lo*(1 + z + z**2)
    slo2 = m.mul(m.mul(s_lo, two), m.horner(z, [1.0, 1.0, 1.0]))
    small = m.add(m.add(slo2, m.add(c3_lo, rest, EXACT), EXACT),
                  m.mul(ef, m.c(ln2_lo), EXACT), EXACT)
    hi, err = _fast_two_sum(m, a, b2)                           # |a| > |b2| unless a == 0
    hi, err2 = _fast_two_sum(m, hi, c3)                         # |c3| < |b2| / 8
    hi, lo = _fast_two_sum(m, hi, m.add(m.add(err, err2, EXACT), small, EXACT))
    hi = m.sel(m.cmp("==", ax, m.c(0.0)), m.c(-math.inf), hi)
    hi = m.sel(m.cmp("==", ax, m.c(math.inf)), m.c(math.inf), hi)
    hi = m.sel(m.cmpu("!=", ax, ax), ax, hi)
    return hi, lo


def emit_pow(builder, x, y):
    """x**y with numpy (C99 pow) semantics.

    |x|**y = exp(y*log|x|). f32 computes log/exp in double and rounds once. f64 uses a
    double-double log (~2**-60) and y*log as hi+lo fed into exp's reduced argument.
    Signs and special cases: negative base with an odd integer exponent gives a negative
    result, a finite negative base with a finite non-integer exponent gives nan,
    x**0 == 1 and 1**y == 1 (even for nan), (-1)**±inf == 1, ±0 and ±inf as in C99.
    """
    if x.type != y.type:
        raise TypeError(f"mathlib.pow: operand types differ ({x.type} vs {y.type})")
    m = _em(builder, x)
    ax = m.fabs(x)
    if not m.f64:
        md = _Em(builder, F64)
        lg = emit_log(builder, builder.fpext(ax, F64))
        r = builder.fptrunc(emit_exp(builder, md.mul(builder.fpext(y, F64), lg)), F32)
    else:
        hi, lo = _log_dd(m, ax)
        zh = m.mul(y, hi, EXACT)
        zl = m.add(m.fma(y, hi, m.neg(zh)), m.mul(y, lo, EXACT), EXACT)
        zl = m.sel(m.cmp("<", m.fabs(zh), m.c(1024.0)), zl, m.c(0.0))  # beyond: 0 or inf
        r = _exp_core(m, zh, zl)
    zero, one, inf = m.c(0.0), m.c(1.0), m.c(math.inf)
    # y integer / odd integer (floor(±inf) == ±inf counts as an even integer)
    y_int = m.cmp("==", m.floor(y), y)
    half = m.mul(y, m.c(0.5), EXACT)
    y_odd = builder.and_(y_int, m.cmp("!=", m.floor(half), half))
    x_signbit = builder.icmp_signed("<", m.bits(x), m.ci(0))
    r = m.sel(builder.and_(x_signbit, y_odd), m.neg(r), r)
    x_neg_finite = builder.and_(m.cmp("<", x, zero), m.cmp("<", ax, inf))
    y_nonint_finite = builder.and_(m.cmp("<", m.fabs(y), inf), builder.not_(y_int))
    r = m.sel(builder.and_(x_neg_finite, y_nonint_finite), m.c(math.nan), r)
    is_one = builder.or_(m.cmp("==", y, zero), m.cmp("==", x, one))
    is_one = builder.or_(is_one, builder.and_(m.cmp("==", ax, one),
                                              m.cmp("==", m.fabs(y), inf)))
    return m.sel(is_one, one, r)


def emit_sqrt(builder, x):
    """sqrt via llvm.sqrt (correctly rounded vsqrtps/pd; no `afn`, which would allow
    an rsqrt estimate)."""
    return _em(builder, x).call("llvm.sqrt", [x])


# ---------------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------------
_EMITTERS = {
    "exp": emit_exp,
    "expm1": emit_expm1,
    "log": emit_log,
    "log1p": emit_log1p,
    "tanh": emit_tanh,
    "sigmoid": emit_sigmoid,
    "softplus": emit_softplus,
    "sin": emit_sin,
    "cos": emit_cos,
    "pow": emit_pow,
    "sqrt": emit_sqrt,
}
NAMES = tuple(_EMITTERS)
ARITY = {name: (2 if name == "pow" else 1) for name in NAMES}


def emit_call(builder, name, args):
    """Emit function `name` (one of NAMES) applied to the ir.Values `args`."""
    try:
        fn = _EMITTERS[name]
    except KeyError:
        raise ValueError(f"mathlib: unknown function {name!r}; known: {NAMES}") from None
    args = list(args)
    if len(args) != ARITY[name]:
        raise TypeError(f"mathlib.{name} takes {ARITY[name]} argument(s), got {len(args)}")
    return fn(builder, *args)
