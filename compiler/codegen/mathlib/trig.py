"""sin and cos: Cody-Waite reduction by pi/2 in double, then the Cephes (f32) or
fdlibm (f64) kernels on |r| <= pi/4; see `emit_sin` for the accuracy bound."""
from decimal import Decimal, localcontext

from .core import EXACT, F32, F64, PI, Emitter, emitter_for, two_sum

with localcontext() as _ctx:
    _ctx.prec = 80
    _PIO2 = PI / 2
    PIO2_1 = float(_PIO2)                       # pi/2 = PIO2_1 + PIO2_2 + PIO2_3 (~2**-160)
    PIO2_2 = float(_PIO2 - Decimal(PIO2_1))
    PIO2_3 = float(_PIO2 - Decimal(PIO2_1) - Decimal(PIO2_2))
    TWO_OVER_PI = float(2 / PI)
# Cephes sinf/cosf on |r| <= pi/4.
_SINF_P = [-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1]
_COSF_P = [2.443315711809948E-005, -1.388731625493765E-003, 4.166664568298827E-002]
# fdlibm k_sin.c / k_cos.c on |r| <= pi/4.
_SIN_S = [1.58969099521155010221e-10, -2.50507602534068634195e-08, 2.75573137070700676789e-06,
          -1.98412698298579493134e-04, 8.33333333332248946124e-03, -1.66666666666666324348e-01]
_COS_C = [-1.13596475577881948265e-11, 2.08757232129817482790e-09, -2.75573143513906633035e-07,
          2.48015872894767294178e-05, -1.38888888888741095749e-03, 4.16666666666666019037e-02]


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
    m = emitter_for(builder, x)
    md = m if m.f64 else Emitter(builder, F64)
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
        r1, e1 = two_sum(md, md.sub(xd, ph, EXACT), md.neg(pl))
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
