"""Branch-free transcendental functions emitted as `llvmlite.ir` instructions.

Every emitter takes an IRBuilder positioned inside a (loop) body and one scalar value of
type float (f32) or double (f64), and returns a value of the same type::

    y = emit_exp(builder, x)
    z = emit_pow(builder, x, y)

Ops bind these functions by object (`emitter = mathlib.emit_exp`), so an op whose
emitter is missing fails when its module is imported. The families live in modules of
their own (exp_log, trig, power, erf, over the shared helpers of core); this package
is their one public face.

The code has no branches and no calls other than LLVM intrinsics that have vector forms
(`llvm.fma`, `llvm.rint`, `llvm.floor`, `llvm.fabs`, `llvm.copysign`, `llvm.sqrt`), plus
integer bit tricks on bitcasts and erf's loads from a constant coefficient table (which
become gathers), so the loop vectoriser widens a loop that calls them to zmm code (no
veclib is needed; LLVM 22 through llvmlite has none, see LLVMLITE.md §3).

Semantics follow numpy: nan in gives nan out; ±inf, ±0 (including the sign of zero)
and denormals are handled like numpy; overflow gives ±inf and underflow goes through
the denormal range to 0.  Measured accuracy (tests/compiler/test_mathlib.py, against
numpy float64 for f32 and numpy long double for f64): every function is within about
1.5 ulp: at most 1.7e-7 relative for f32 (all 2**32 inputs checked) and 3.2e-16 for f64
(the tests assert 2e-6 and 1e-14); erf measures 1.6e-7 and 3.9e-16 against math.erf.
pow for f32 is computed in double and for f64 with a double-double log, so it is within
~0.8 ulp.  sin/cos have an argument-size limit,
see `emit_sin`.

Flags: the polynomial parts and other plain arithmetic carry `target.FAST` (which
contains no nnan/ninf, so inf/nan semantics survive optimisation). Steps whose exact
rounding IS the algorithm (Cody-Waite range reduction, 2Sum / Fast2Sum error terms,
splitting 2**k into two factors, fdlibm's log combination) carry no flags: with
`reassoc` LLVM may legally fold e.g. (x - k*C1) - k*C2 into x - k*(C1+C2), or
(p*s1)*s2 into p*(s1*s2), which destroys the extra precision or underflows.
Divisions carry no `arcp` so they stay correctly rounded.
"""
from .exp_log import emit_exp, emit_expm1, emit_log, emit_log1p, emit_sigmoid, emit_softplus, emit_tanh
from .trig import emit_cos, emit_sin
from .power import emit_pow, emit_sqrt
from .erf import emit_erf

EMITTERS = (emit_exp, emit_expm1, emit_log, emit_log1p, emit_sigmoid, emit_softplus, emit_tanh,
            emit_cos, emit_sin, emit_pow, emit_sqrt, emit_erf)
