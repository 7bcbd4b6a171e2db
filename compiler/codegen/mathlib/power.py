"""pow and sqrt. pow is exp(y*log|x|) with C99's signs and special cases; for f64 the
log is a double-double (~2**-60) so the product keeps its low bits."""
import math
from decimal import Decimal, localcontext

from .core import EXACT, F32, F64, LN2, Emitter, emitter_for, fast_two_sum
from .exp_log import emit_exp, emit_log, exp_core, log_split

# Series of log(m) = 2 atanh(s) = 2s + (2/3) s**3 + s**5 * sum 2/(2j+5) z**j (the
# double-double log for pow; |s| <= 0.1716, terms up to s**23, truncation 6e-21).
_ATANH_P = [2.0 / n for n in range(23, 3, -2)]
_TWO_THIRDS_HI = 2.0 / 3.0
with localcontext() as _ctx:
    _ctx.prec = 80
    _TWO_THIRDS_LO = float(Decimal(2) / 3 - Decimal(_TWO_THIRDS_HI))


def _log_dd(m, ax):
    """log(ax) as hi + lo (absolute error ~1e-20) for f64 ax > 0; 0/inf/nan in hi."""
    tiny = 2.0 ** -1022
    den = m.cmp("<", ax, m.c(tiny))
    xs = m.sel(den, m.mul(ax, m.c(2.0 ** 54), EXACT), ax)
    eadj = m.b.select(den, m.ci(-54), m.ci(0))
    ef, f = log_split(m, xs, eadj)
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
    ln2_hi, ln2_lo = LN2[True]
    a = m.mul(ef, m.c(ln2_hi), EXACT)                           # exact (e has <= 11 bits)
    b2 = m.mul(s, two, EXACT)                                   # exact
    # d(2 atanh s)/ds = 2/(1 - s**2): s_lo enters as 2*s_lo*(1 + z + z**2)
    slo2 = m.mul(m.mul(s_lo, two), m.horner(z, [1.0, 1.0, 1.0]))
    small = m.add(m.add(slo2, m.add(c3_lo, rest, EXACT), EXACT),
                  m.mul(ef, m.c(ln2_lo), EXACT), EXACT)
    hi, err = fast_two_sum(m, a, b2)                           # |a| > |b2| unless a == 0
    hi, err2 = fast_two_sum(m, hi, c3)                         # |c3| < |b2| / 8
    hi, lo = fast_two_sum(m, hi, m.add(m.add(err, err2, EXACT), small, EXACT))
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
    m = emitter_for(builder, x)
    ax = m.fabs(x)
    if not m.f64:
        md = Emitter(builder, F64)
        lg = emit_log(builder, builder.fpext(ax, F64))
        r = builder.fptrunc(emit_exp(builder, md.mul(builder.fpext(y, F64), lg)), F32)
    else:
        hi, lo = _log_dd(m, ax)
        zh = m.mul(y, hi, EXACT)
        zl = m.add(m.fma(y, hi, m.neg(zh)), m.mul(y, lo, EXACT), EXACT)
        zl = m.sel(m.cmp("<", m.fabs(zh), m.c(1024.0)), zl, m.c(0.0))  # beyond: 0 or inf
        r = exp_core(m, zh, zl)
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
    return emitter_for(builder, x).call("llvm.sqrt", [x])
