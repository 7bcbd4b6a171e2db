"""One record per elementwise op: the table the value, gradient and accuracy tests read.

A record holds, side by side, what each test needs to know of an op:
- `name`: the compiler op (and the test id); `k`: the K function that builds it (None
  for ops K does not offer, which only the mathlib accuracy tests see);
- `ref`: the numpy reference of the K function; `domain` / `int_domain`: hypothesis
  element strategies for value tests; `dtypes`; `rtol`: a looser value tolerance;
- `grad`: how to draw each input of the gradient test (`normal`, `positive`, ...), one
  sampler or one per input; None for ops without a gradient;
- `emitter`: the mathlib function the op lowers to, `accuracy`: its relative error
  bound per numpy float dtype over a dense sweep, and `precise`: the reference for that
  sweep when it differs from `ref` (evaluated on float64 / long double inputs).

Adding an op to the tests is adding one record here (tests/backend/test_math_ops.py,
tests/compiler/test_gradients.py and tests/compiler/test_mathlib.py read this table).
"""
import math
import operator
from collections import namedtuple

import numpy as np
from hypothesis import strategies as st

from keralite import backend as K
from keralite.compiler.codegen import mathlib

FLOATS = ("float32", "float64")
INTS = ("int32", "int64")


# ------------------------------------------------------------------ value domains
def _floats(lo, hi):
    def make(dtype):
        return st.floats(lo, hi, width=32 if dtype == "float32" else 64)
    return make


def _ints(lo, hi):
    return lambda dtype: st.integers(lo, hi)


def _choices(*values):
    return lambda dtype: st.sampled_from(values)


REAL = _floats(-10, 10)
POSITIVE = _floats(0.125, 10)
EXP_RANGE = _floats(-30, 30)
NEAR_ONE = _floats(0.75, 1.25)
HALVES = _choices(-2.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.5, 2.5, 3.25, -3.75)
TIES = _choices(-2.0, -1.0, 0.0, 1.0, 2.0)
SMALL_INT = _ints(-20, 20)
TINY_INT = _ints(-2, 2)
UNIT_INT = _ints(-1, 1)        # products of many stay in range
TRUTHS = _choices(0.0, 0.0, 1.0, -2.5)


def half_rounding_values(dtype):
    """Values for rounding to half precision: any float of `dtype` (nan, inf, its own
    subnormals), the half subnormal and overflow ranges, exact ties between neighbouring
    half values and values just beside them, signed zeros and the range's edges."""
    width = 32 if dtype == "float32" else 64
    finite_halves = np.arange(0x7C00, dtype=np.uint16).view(np.float16).astype(np.float64)
    # the tie past the largest half (65504) is 65520, which rounds to inf
    ties = np.append((finite_halves[:-1] + finite_halves[1:]) / 2, 65520.0)
    beside = 2.0 ** (-22 if width == 32 else -50)     # a few ulps of the tie's dtype

    def near_tie(index, sign, nudge):
        return float(np.dtype(dtype).type(sign * ties[index] * (1 + nudge * beside)))

    near_ties = st.builds(near_tie, st.integers(0, len(ties) - 1), st.sampled_from([1, -1]),
                          st.sampled_from([0, 0, 1, -1]))
    edges = st.sampled_from([0.0, -0.0, 65504.0, -(65520.0 - 2.0 ** -8), 65520.0, -65536.0, 2.0 ** -24,
                             -2.0 ** -25, 3 * 2.0 ** -25, 2.0 ** -14, float("inf"), float("-inf"), float("nan")])
    return st.one_of(st.floats(width=width), st.floats(-2.0 ** -13, 2.0 ** -13, width=width),
                     st.floats(-70000, 70000, width=width), near_ties, edges)


# ------------------------------------------------------------------ gradient domains
def normal(rng, shape):
    return rng.standard_normal(shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(rng, shape):
    """|x| in [0.3, 2] with random signs (for abs, relu, division, ...)."""
    return rng.uniform(0.3, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def probabilities(rng, shape):
    return rng.uniform(0.1, 0.9, shape)


def simplex(rng, shape):
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(axis=-1, keepdims=True)


def spread(rng, shape):
    """Distinct values at least 0.05 apart (no ties for max/min/maximum)."""
    n = int(np.prod(shape))
    values = (rng.permutation(n) * 0.05 + rng.uniform(0, 0.01, n)) - n * 0.025
    return values.reshape(shape)


# ------------------------------------------------------------------ references
def np_sigmoid(x):
    """1 / (1 + exp(-x)) without overflow warnings."""
    with np.errstate(all="ignore"):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def np_softplus(x):
    return np.logaddexp(np.zeros_like(x), x)


def np_sqrt_clipped(x):
    """K.sqrt clips negatives to 0, as Keras does."""
    return np.sqrt(np.maximum(x, 0))


def np_erf(x):
    """math.erf elementwise (numpy has no erf), computed in double and returned in the
    input's dtype."""
    x = np.asarray(x)
    out = np.vectorize(math.erf, otypes=[np.float64])(x.astype(np.float64)) if x.size else x
    return np.asarray(out).astype(x.dtype)


def through_float16(x):
    """x cast to float16 and back to its dtype: the K spelling of the round_half op."""
    return K.cast(K.cast(x, "float16"), K.dtype(x))


def np_round_half(x):
    """numpy's round trip through float16 (overflow to inf is expected)."""
    x = np.asarray(x)
    with np.errstate(over="ignore"):
        return x.astype(np.float16).astype(x.dtype)


# ------------------------------------------------------------------ the records
Record = namedtuple("Record", "name k ref domain dtypes int_domain rtol grad emitter accuracy precise",
                    defaults=(SMALL_INT, None, None, None, None, None))

# measured maxima of the mathlib functions are ~1.5 ulp (1.7e-7 / 3.2e-16), below these
MATHLIB = {np.float32: 2e-6, np.float64: 1e-14}

UNARY = [
    Record("square", K.square, np.square, REAL, FLOATS + INTS, grad=normal),
    Record("abs", K.abs, np.abs, REAL, FLOATS + INTS, grad=away_from_zero),
    Record("neg", operator.neg, np.negative, REAL, FLOATS + INTS, grad=normal),
    Record("sqrt", K.sqrt, np_sqrt_clipped, REAL, FLOATS, grad=positive,
           emitter=mathlib.emit_sqrt, accuracy=MATHLIB, precise=np.sqrt),
    Record("exp", K.exp, np.exp, EXP_RANGE, FLOATS, grad=normal, emitter=mathlib.emit_exp, accuracy=MATHLIB),
    Record("expm1", None, np.expm1, EXP_RANGE, FLOATS, emitter=mathlib.emit_expm1, accuracy=MATHLIB),
    Record("log", K.log, np.log, POSITIVE, FLOATS, grad=positive, emitter=mathlib.emit_log, accuracy=MATHLIB),
    Record("log1p", None, np.log1p, POSITIVE, FLOATS, emitter=mathlib.emit_log1p, accuracy=MATHLIB),
    Record("tanh", K.tanh, np.tanh, REAL, FLOATS, grad=normal, emitter=mathlib.emit_tanh, accuracy=MATHLIB),
    Record("sigmoid", K.sigmoid, np_sigmoid, REAL, FLOATS, grad=normal,
           emitter=mathlib.emit_sigmoid, accuracy=MATHLIB),
    Record("softplus", K.softplus, np_softplus, REAL, FLOATS, grad=normal,
           emitter=mathlib.emit_softplus, accuracy=MATHLIB),
    Record("softsign", K.softsign, lambda x: x / (1 + np.abs(x)), REAL, FLOATS, grad=away_from_zero),
    Record("sin", K.sin, np.sin, REAL, FLOATS, grad=normal, emitter=mathlib.emit_sin, accuracy=MATHLIB),
    Record("cos", K.cos, np.cos, REAL, FLOATS, grad=normal, emitter=mathlib.emit_cos, accuracy=MATHLIB),
    Record("erf", K.erf, np_erf, REAL, FLOATS, grad=normal, emitter=mathlib.emit_erf, accuracy=MATHLIB),
    Record("round", K.round, np.round, HALVES, FLOATS),                # half to even
    # exact, bit for bit up to nan payloads; its gradient (the identity) is tested in
    # tests/backend/test_float16_rounding.py, finite differences see a staircase
    Record("round_half", through_float16, np_round_half, half_rounding_values, FLOATS, rtol=0),
    Record("sign", K.sign, np.sign, REAL, FLOATS + INTS),
]

BINARY = [
    Record("add", operator.add, np.add, REAL, FLOATS + INTS, grad=normal),
    Record("sub", operator.sub, np.subtract, REAL, FLOATS + INTS, grad=normal),
    Record("mul", operator.mul, np.multiply, REAL, FLOATS + INTS, grad=normal),
    Record("div", operator.truediv, np.true_divide, POSITIVE, FLOATS, grad=[normal, away_from_zero]),
    Record("pow", K.pow, np.power, POSITIVE, FLOATS, rtol=5e-5, grad=[positive, normal],
           emitter=mathlib.emit_pow, accuracy=MATHLIB),
    Record("maximum", K.maximum, np.maximum, REAL, FLOATS + INTS, grad=spread),
    Record("minimum", K.minimum, np.minimum, REAL, FLOATS + INTS, grad=spread),
    Record("eq", K.equal, np.equal, TIES, FLOATS + INTS + ("bool",), TINY_INT),
    Record("ne", K.not_equal, np.not_equal, TIES, FLOATS + INTS + ("bool",), TINY_INT),
    Record("gt", K.greater, np.greater, TIES, FLOATS + INTS, TINY_INT),
    Record("ge", K.greater_equal, np.greater_equal, TIES, FLOATS + INTS, TINY_INT),
    Record("lt", K.less, np.less, TIES, FLOATS + INTS, TINY_INT),
    Record("le", K.less_equal, np.less_equal, TIES, FLOATS + INTS, TINY_INT),
]
COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}

ELEMENTWISE = UNARY + BINARY


def arity(record):
    return 2 if record in BINARY else 1


def with_k(records):
    """The records of ops that K offers (value and gradient tests go through K)."""
    return [r for r in records if r.k is not None]


def differentiable(records):
    return [r for r in records if r.k is not None and r.grad is not None]


def mathlib_records():
    return [r for r in ELEMENTWISE if r.emitter is not None]
