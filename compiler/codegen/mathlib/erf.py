"""erf: Taylor polynomials about the multiples of a quarter, coefficients derived from
the definition (in 80-digit decimals, on first use) and read from a constant table."""
import functools
from decimal import Decimal, localcontext

from llvmlite import ir

from .core import EXACT, PI, emitter_for

# erf(|x|) is a Taylor polynomial about the nearest multiple c of _ERF_STEP (|x - c| <=
# _ERF_STEP/2); piece 0 is the odd Maclaurin series, so erf(x) ~ 2x/sqrt(pi) keeps its
# relative accuracy down to the denormals. Beyond the last centre erf rounds to 1
# (1 - erf(4) = 1.5e-8 < 2**-25, 1 - erf(6) = 2e-17 < 2**-54). Terms: the truncation
# bound of `_erf_taylor` stays below 2e-9 (f32) / 3e-18 (f64) relative on every piece.
_ERF_STEP = 0.25
_ERF_LAST = {False: 16, True: 24}
_ERF_TERMS = {False: 9, True: 15}


def _erf_decimal(c):
    """erf(c) to ~60 digits: 2/sqrt(pi) e^-c^2 sum 2^n c^(2n+1) / (1*3*...*(2n+1)), a
    series of positive terms (no cancellation, unlike the alternating Maclaurin one)."""
    term = c
    total = Decimal(0)
    n = 0
    while term > Decimal(10) ** -70 * (total + 1):
        total += term
        n += 1
        term = term * 2 * c * c / (2 * n + 1)
    return 2 / PI.sqrt() * (-c * c).exp() * total


@functools.lru_cache(maxsize=None)
def _erf_taylor(f64):
    """Per piece j, the Taylor coefficients of erf about c = j*_ERF_STEP, lowest first:
    a_0 = erf(c), a_k = 2/sqrt(pi) e^-c^2 (-1)^(k-1) H_(k-1)(c) / k! (physicists' Hermite
    polynomials, since d^n/dx^n e^-x^2 = (-1)^n H_n(x) e^-x^2). Built on first use, so
    importing the compiler does not pay for it."""
    table = []
    with localcontext() as ctx:
        ctx.prec = 80
        for j in range(_ERF_LAST[f64] + 1):
            c = Decimal(j) * Decimal(_ERF_STEP)
            scale = 2 / PI.sqrt() * (-c * c).exp()
            coeffs = [_erf_decimal(c)]
            h_prev, h = Decimal(0), Decimal(1)                    # H_-1 (unused), H_0
            factorial = Decimal(1)
            for k in range(1, _ERF_TERMS[f64]):
                factorial *= k
                coeffs.append(scale * (-1) ** (k - 1) * h / factorial)
                h_prev, h = h, 2 * c * h - 2 * (k - 1) * h_prev   # H_k from H_(k-1), H_(k-2)
            table.extend(float(a) for a in coeffs)
    return table


def _erf_table(m):
    """The coefficient table as a constant global of the builder's module (one per
    module and float type)."""
    name = f"keralite.erf_taylor.{'f64' if m.f64 else 'f32'}"
    table = m.b.module.globals.get(name)
    if table is None:
        values = _erf_taylor(m.f64)
        array_type = ir.ArrayType(m.ty, len(values))
        table = ir.GlobalVariable(m.b.module, array_type, name)
        table.global_constant = True
        table.linkage = "internal"
        table.initializer = ir.Constant(array_type, [m.c(v) for v in values])
    return table


def emit_erf(builder, x):
    """erf(x): a Taylor polynomial of the nearest piece (coefficients loaded from a
    table, which the vectoriser turns into gathers); erf(+-inf) = +-1, erf(-0) = -0,
    nan -> nan."""
    m = emitter_for(builder, x)
    terms = _ERF_TERMS[m.f64]
    end = (_ERF_LAST[m.f64] + 0.5) * _ERF_STEP
    ax = m.fabs(x)
    inside = m.cmp("<", ax, m.c(end))                        # false for nan and beyond
    xa = m.sel(inside, ax, m.c(0.0))
    jf = m.rint(m.mul(xa, m.c(1.0 / _ERF_STEP), EXACT))
    t = m.sub(xa, m.mul(jf, m.c(_ERF_STEP), EXACT), EXACT)  # exact (Sterbenz)
    i64 = ir.IntType(64)
    first = builder.mul(builder.fptosi(jf, i64), ir.Constant(i64, terms))
    table = _erf_table(m)

    def coefficient(k):
        slot = builder.gep(table, [builder.add(first, ir.Constant(i64, k))], source_etype=m.ty)
        return builder.load(slot, typ=m.ty)

    acc = coefficient(terms - 1)
    for k in range(terms - 2, -1, -1):
        acc = m.fma(acc, t, coefficient(k))
    r = m.sel(inside, acc, m.c(1.0))
    r = m.copysign(r, x)
    return m.sel(m.cmpu("uno", x, x), x, r)
