"""The exp and log families: exp, expm1, tanh, sigmoid, softplus, log, log1p.

exp: Cody-Waite reduction x = k*ln2 + r, a polynomial for expm1(r), 2**k as two exact
factors (so results go through the denormal range). log: x = 2**e * m with m in
[sqrt(.5), sqrt(2)), Cephes logf (f32) / fdlibm's log (f64) for log(m).
"""
import math

from .core import EXACT, LN2, LOG2E, emitter_for, float_bits

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


def _exp_reduce(m, x, lo=None):
    """x (+ lo) = k*ln2 + r with |r| <~ ln2/2; returns (k as an integer, r).

    x must already be clamped so that k stays small.  k is converted to an integer with
    the 1.5*2**mbits shifter instead of fptosi, which is poison for nan."""
    hi_c, lo_c = LN2[m.f64]
    k = m.rint(m.mul(x, m.c(LOG2E)))
    nk = m.neg(k)
    r = m.fma(nk, m.c(hi_c), x)       # exact: k*hi exact, x - k*hi Sterbenz
    r = m.fma(nk, m.c(lo_c), r)
    if lo is not None:
        r = m.add(r, lo, EXACT)
    shifter = 1.5 * 2.0 ** m.mbits
    kb = m.bits(m.add(k, m.c(shifter), EXACT))
    ki = m.b.sub(kb, m.ci(float_bits(shifter, m.f64)))
    return ki, r


def _expm1_poly(m, r):
    """expm1(r) for |r| <= ln2/2, accurate relative to r (also for tiny/denormal r)."""
    r2 = m.mul(r, r)
    return m.fma(r2, m.horner(r, _EXPM1_P[m.f64]), r)


def _split_pow2(m, ki):
    """2**k = s1*s2 with both factors normal for every k that _EXP_CLAMP allows."""
    h = m.b.ashr(ki, m.ci(1))
    return m.pow2(h), m.pow2(m.b.sub(ki, h))


def exp_core(m, x, lo=None):
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
    return exp_core(emitter_for(builder, x), x)


def emit_expm1(builder, x):
    """exp(x) - 1, accurate near 0 (relative error) and for large |x|."""
    m = emitter_for(builder, x)
    xc = m.clamp(x, _EXPM1_LO[m.f64], _EXP_CLAMP[m.f64][1])
    return m.copysign(_expm1_core(m, xc), x)          # sign(expm1 x) == sign x; -0 -> -0


def emit_tanh(builder, x):
    """tanh(x) = sign(x) * e/(e+2) with e = expm1(2|x|); exactly ±1 for large |x|."""
    m = emitter_for(builder, x)
    ax = m.fabs(x)
    sat = _TANH_SAT[m.f64]
    axc = m.sel(m.cmp(">", ax, m.c(sat)), m.c(sat), ax)       # nan passes through
    e = _expm1_core(m, m.mul(axc, m.c(2.0)), allow_big=False)
    t = m.div(e, m.add(e, m.c(2.0)))
    return m.copysign(t, x)


def emit_sigmoid(builder, x):
    """1/(1+exp(-x)) without overflow: e = exp(-|x|); (x>=0 ? 1 : e) / (1 + e)."""
    m = emitter_for(builder, x)
    e = exp_core(m, m.neg(m.fabs(x)))
    num = m.sel(m.cmp(">=", x, m.c(0.0)), m.c(1.0), e)      # nan -> e (nan)
    return m.div(num, m.add(m.c(1.0), e))


def emit_softplus(builder, x):
    """log(1+exp(x)) = max(x, 0) + log1p(exp(-|x|))."""
    m = emitter_for(builder, x)
    e = exp_core(m, m.neg(m.fabs(x)))                        # in [0, 1] or nan
    lp = _log1p_core(m, e)
    pos = m.sel(m.cmp(">", x, m.c(0.0)), x, m.c(0.0))
    return m.add(pos, lp, EXACT)


_SQRTHALF = 0.7071067811865476


def log_split(m, x, eadj=None):
    """x = 2**e * mant with mant in [sqrt(.5), sqrt(2)); returns (e as float, f = mant-1).

    x must be positive and normal (garbage otherwise, fixed by the callers' selects)."""
    one_b = float_bits(1.0, m.f64)
    sqh_b = float_bits(_SQRTHALF, m.f64)
    ix = m.b.add(m.bits(x), m.ci(one_b - sqh_b))
    e = m.b.sub(m.b.ashr(ix, m.ci(m.mbits)), m.ci(m.bias))
    if eadj is not None:
        e = m.b.add(e, eadj)
    mant = m.from_bits(m.b.add(m.b.and_(ix, m.ci((1 << m.mbits) - 1)), m.ci(sqh_b)))
    f = m.sub(mant, m.c(1.0), EXACT)                          # exact (Sterbenz)
    return m.b.sitofp(e, m.ty), f


def _log_core(m, x, eadj=None, extra=None):
    """log(x) + extra for positive normal x (extra: a small correction term)."""
    ef, f = log_split(m, x, eadj)
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
    ln2_hi, ln2_lo = LN2[True]
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
    m = emitter_for(builder, x)
    tiny = 2.0 ** (-1022 if m.f64 else -126)
    sh = 54 if m.f64 else 25
    den = m.cmp("<", x, m.c(tiny))
    xs = m.sel(den, m.mul(x, m.c(2.0 ** sh), EXACT), x)
    eadj = m.b.select(den, m.ci(-sh), m.ci(0))
    return _log_special(m, x, _log_core(m, xs, eadj), 0.0)


def emit_log1p(builder, x):
    """log(1+x), accurate for tiny x (returns x for |x| below eps)."""
    m = emitter_for(builder, x)
    # sign(log1p x) == sign x (nan for x < -1 anyway); keeps log1p(-0) == -0
    return m.copysign(_log_special(m, x, _log1p_core(m, x), -1.0), x)
