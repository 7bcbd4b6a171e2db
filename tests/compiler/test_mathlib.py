"""Accuracy and vectorisation tests for keralite.compiler.codegen.mathlib.

The functions, their references and their accuracy bounds come from the op records
(tests/op_records.py): every record with an `emitter` is tested here. Each (function,
dtype) is compiled once into a loop kernel
    void k(ptr noalias x, [ptr noalias x2,] ptr noalias y, i64 n)
and compared with numpy: float32 kernels against numpy float64, float64 kernels against
numpy long double (80-bit on x86), both evaluated on the exact same inputs.

Error metric: |y - ref| / |ref| <= rtol (the record's accuracy: 2e-6 for float32, 1e-14
for float64), except
that a difference of at most the smallest denormal always passes (results in the
denormal range can only be within half a denormal ulp, so relative error is
meaningless there), and nan must match nan.  Values beyond the largest finite number
(inf included) are compared as "just past overflow", so FLT_MAX against a true value
that rounds to inf, or vice versa, counts by its relative error; inf against a finite
moderate value fails.  Relative error is the right metric near the zeros of expm1,
log1p, tanh and sin at 0: those are computed without cancellation, so they get no
absolute floor.

sin/cos: no absolute floor either.  Near a zero of sin/cos at a large argument
(x close to k*pi/2) relative error is only achievable because the range reduction
keeps r = x - k*pi/2 accurate to about an ulp of r (reduction in double for float32,
an exact x - k*PIO2_1 for float64), which the k*pi sweep below checks. The accuracy
bound holds for |x| < TRIG_MAX = 1e14 (see emit_sin); beyond it only |result| <= 1 is
checked.
"""
import ctypes

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from keralite.compiler.codegen import mathlib, target
from llvmlite import ir

from op_records import arity, mathlib_records

DTYPES = {np.float32: ir.FloatType(), np.float64: ir.DoubleType()}
RECORDS = {r.name: r for r in mathlib_records()}
UNARY = [name for name, r in RECORDS.items() if arity(r) == 1]
# sin/cos: argument range where the accuracy bound holds (see emit_sin)
TRIG_MAX = {np.float32: 1e14, np.float64: 1e14}

_cache = {}


def _build(name, dtype):
    """Compile a loop kernel applying the record's emitter elementwise; returns
    (callable, ModuleRef)."""
    key = (name, dtype)
    if key in _cache:
        return _cache[key]
    fty = DTYPES[dtype]
    rec = RECORDS[name]
    nin = arity(rec)
    mod = ir.Module(name=f"mathlib_{name}_{np.dtype(dtype).name}")
    ptr = ir.PointerType()
    i64 = ir.IntType(64)
    fn = ir.Function(mod, ir.FunctionType(ir.VoidType(), [ptr] * (nin + 1) + [i64]), "k")
    for a in fn.args[:-1]:
        a.add_attribute("noalias")
    n = fn.args[-1]
    entry, loop, done = (fn.append_basic_block(s) for s in ("entry", "loop", "done"))
    b = ir.IRBuilder(entry)
    b.cbranch(b.icmp_signed(">", n, ir.Constant(i64, 0)), loop, done)
    b.position_at_end(loop)
    i = b.phi(i64)
    i.add_incoming(ir.Constant(i64, 0), entry)
    args = [b.load(b.gep(p, [i], source_etype=fty), typ=fty) for p in fn.args[:nin]]
    res = rec.emitter(b, *args)
    b.store(res, b.gep(fn.args[nin], [i], source_etype=fty))
    inext = b.add(i, ir.Constant(i64, 1))
    i.add_incoming(inext, loop)
    b.cbranch(b.icmp_signed("<", inext, n), loop, done)
    b.position_at_end(done)
    b.ret_void()

    tm = target.target_machine()
    llmod = target.parse_and_optimize(str(mod), tm)
    addr = target.load_object(target.emit_object(llmod, tm), ["k"])["k"]
    cfn = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * (nin + 1), ctypes.c_int64)(addr)

    def run(*xs):
        xs = [np.ascontiguousarray(np.broadcast_to(x, np.broadcast_shapes(*[np.shape(v) for v in xs])),
                                   dtype=dtype) for x in xs]
        out = np.empty_like(xs[0])
        cfn(*[x.ctypes.data for x in xs], out.ctypes.data, out.size)
        return out

    _cache[key] = (run, llmod)
    return _cache[key]


def kernel(name, dtype):
    return _build(name, dtype)[0]


# ------------------------------------------------------------------------ references
WIDE = {np.float32: np.float64, np.float64: np.longdouble}


def precise(name):
    rec = RECORDS[name]
    return rec.precise or rec.ref


def reference(name, dtype, *xs):
    with np.errstate(all="ignore"):
        return precise(name)(*[np.asarray(x, dtype=WIDE[dtype]) for x in xs])


def rel_errors(y, ref, dtype):
    """Per-element error / allowed scale; inf where nan/inf classification differs."""
    fi = np.finfo(dtype)
    wide = WIDE[dtype]
    big = wide(fi.max) * (1 + wide(fi.eps) / 2)  # just past the overflow threshold
    y = np.asarray(y, dtype=wide)
    ref = np.asarray(ref, dtype=wide)
    nan_y, nan_r = np.isnan(y), np.isnan(ref)
    yy = np.clip(np.nan_to_num(y, nan=0.0), -big, big)
    rr = np.clip(np.nan_to_num(ref, nan=0.0), -big, big)
    diff = np.abs(yy - rr)
    scale = np.abs(rr)
    with np.errstate(all="ignore"):
        err = np.where(diff <= wide(fi.smallest_subnormal), 0.0, diff / scale)
    err = np.where(nan_y | nan_r, np.where(nan_y == nan_r, 0.0, np.inf), err)
    return np.asarray(err, dtype=np.float64)


def check(name, dtype, *xs, rtol=None):
    xs = [np.asarray(x, dtype=dtype) for x in xs]
    y = kernel(name, dtype)(*xs)
    ref = reference(name, dtype, *xs)
    err = rel_errors(y, ref, dtype)
    rtol = rtol or RECORDS[name].accuracy[dtype]
    bad = np.flatnonzero(~(err <= rtol))
    if bad.size:
        j = bad[np.argmax(np.where(np.isnan(err[bad]), np.inf, err[bad]))]
        where = ", ".join(f"{repr(x.ravel()[j])}" for x in xs)
        raise AssertionError(f"{name}[{np.dtype(dtype).name}]({where}) = {y.ravel()[j]!r}, "
                             f"expected {ref.ravel()[j]!r} (rel err {err[j]:.3g} > {rtol:g}; "
                             f"{bad.size} bad of {err.size})")
    return float(np.max(err)) if err.size else 0.0


# ------------------------------------------------------------------------ inputs
def sweep(dtype, n=20000):
    """Dense sweep over the whole range plus special values and interesting regions."""
    fi = np.finfo(dtype)
    with np.errstate(all="ignore"):
        pos = np.geomspace(float(fi.smallest_subnormal), float(fi.max), n).astype(dtype)
    lin = np.linspace(-30, 30, n).astype(dtype)
    eps = np.geomspace(float(fi.eps) / 4, 0.5, 2000)
    around = np.concatenate([1 + eps, 1 - eps, -1 + eps, -1 - eps]).astype(dtype)
    special = np.array([0.0, -0.0, fi.smallest_subnormal, fi.smallest_normal, fi.max,
                        np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, 2.0, np.log(2.0),
                        np.pi / 2, np.pi, 88.72283, 88.7229, -87.33655, -103.972, -103.98,
                        709.782712893384, 709.79, -745.1332191019411, -745.14, 9.0, 9.1,
                        19.0, 20.0], dtype=dtype)
    with np.errstate(all="ignore"):
        special = np.concatenate([special, -special, np.nextafter(special, dtype(np.inf)),
                                  np.nextafter(special, dtype(-np.inf))])
    return np.concatenate([pos, -pos, lin, around, special])


def _trig_inputs(dtype, xs):
    return xs[np.abs(xs) <= TRIG_MAX[dtype]]


PARAMS = [(n, d) for n in UNARY for d in (np.float32, np.float64)]
IDS = [f"{n}-{np.dtype(d).name}" for n, d in PARAMS]


@pytest.mark.parametrize("name,dtype", PARAMS, ids=IDS)
def test_sweep(name, dtype):
    xs = sweep(dtype)
    if name in ("sin", "cos"):
        xs = _trig_inputs(dtype, xs)
    check(name, dtype, xs)


@pytest.mark.parametrize("name,dtype", PARAMS, ids=IDS)
def test_special_values_exact(name, dtype):
    """nan/±inf/±0 give exactly numpy's answer (incl. the signs of zero and infinity)."""
    xs = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], dtype=dtype)
    y = kernel(name, dtype)(xs)
    with np.errstate(all="ignore"):
        ref = precise(name)(xs).astype(dtype)
    np.testing.assert_array_equal(y, ref)
    num = ~np.isnan(ref)
    np.testing.assert_array_equal(np.signbit(y[num]), np.signbit(ref[num]))


def _float_arrays(dtype, **kw):
    width = 32 if dtype == np.float32 else 64
    special = not kw  # nan/inf only without bounds
    return hnp.arrays(dtype, st.integers(1, 64),
                      elements=st.floats(width=width, allow_nan=special,
                                         allow_infinity=special, **kw))


HYP = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("name,dtype", PARAMS, ids=IDS)
@HYP
@given(data=st.data())
def test_hypothesis(name, dtype, data):
    if name in ("sin", "cos"):
        lim = float(dtype(TRIG_MAX[dtype]))
        xs = data.draw(_float_arrays(dtype, min_value=-lim, max_value=lim))
    else:
        xs = data.draw(_float_arrays(dtype))
    check(name, dtype, xs)


@pytest.mark.parametrize("name", ["sin", "cos"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_trig_near_zeros(name, dtype):
    """x = the float nearest to (j + offset)*pi for j up to 1e12: results are tiny, and
    must still be relatively accurate (cancellation in the range reduction)."""
    rng = np.random.default_rng(0)
    pi = np.longdouble("3.14159265358979323846264338327950288")
    off = 0.5 if name == "cos" else 0.0
    for jmax in (1e3, 1e6, 1e9, 1e12):
        j = rng.integers(1, int(jmax), 3000).astype(np.longdouble)
        xs = ((j + off) * pi).astype(dtype)
        check(name, dtype, np.concatenate([xs, np.nextafter(xs, dtype(np.inf))]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_trig_beyond_bound_is_bounded(dtype):
    fi = np.finfo(dtype)
    with np.errstate(all="ignore"):
        xs = np.geomspace(TRIG_MAX[dtype], float(fi.max), 5000).astype(dtype)
    xs = np.concatenate([xs, -xs])
    for name in ("sin", "cos"):
        y = kernel(name, dtype)(xs)
        assert np.all(np.abs(y) <= 1), name


# ------------------------------------------------------------------------ pow
def _pow_grid(dtype):
    fi = np.finfo(dtype)
    with np.errstate(all="ignore"):
        xb = np.geomspace(float(fi.smallest_subnormal), float(fi.max), 300)
    xb = np.concatenate([xb, np.linspace(0, 4, 81), 1 + np.geomspace(float(fi.eps), 0.1, 20)])
    xs = np.concatenate([xb, -xb, [np.inf, -np.inf, np.nan, -0.0]]).astype(dtype)
    yb = np.concatenate([np.arange(0, 12), [0.5, 1.5, 2.5, 1 / 3, 0.1, 7.25, 30, 31, 100, 127.5,
                                            1e3, 1e5, 2.0 ** 24 + 1, 2.0 ** 53 + 2, 1e30],
                         np.geomspace(1e-6, 1e6, 40)])
    ys = np.concatenate([yb, -yb, [np.inf, -np.inf, np.nan, -0.0]]).astype(dtype)
    X, Y = np.meshgrid(xs, ys)
    return X.ravel(), Y.ravel()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow_grid(dtype):
    check("pow", dtype, *_pow_grid(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow_special_values_exact(dtype):
    vals = np.array([0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, -3.0, np.inf, -np.inf,
                     np.nan, 2.5, -2.5], dtype=dtype)
    X, Y = (a.ravel() for a in np.meshgrid(vals, vals))
    z = kernel("pow", dtype)(X, Y)
    with np.errstate(all="ignore"):
        ref = np.power(X, Y)
    # exact where the answer is 0, ±1, ±inf or nan (incl. sign of zero); else accurate
    exact = ~np.isfinite(ref) | (ref == 0) | (np.abs(ref) == 1)
    np.testing.assert_array_equal(z[exact], ref[exact])
    num = exact & ~np.isnan(ref)  # (the sign of nan is not specified)
    np.testing.assert_array_equal(np.signbit(z[num]), np.signbit(ref[num]))
    check("pow", dtype, X[~exact], Y[~exact])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@HYP
@given(data=st.data())
def test_pow_hypothesis(dtype, data):
    xs = data.draw(_float_arrays(dtype))
    ys = data.draw(hnp.arrays(dtype, xs.shape, elements=st.one_of(
        st.floats(width=32 if dtype == np.float32 else 64),
        st.integers(-300, 300).map(float), st.floats(-50, 50))))
    check("pow", dtype, xs, ys)


# ------------------------------------------------------------------------ codegen
def test_exp_f32_is_vectorised():
    if "+avx512f" not in target.host_cpu()[1]:
        pytest.skip("host has no AVX-512")
    _, llmod = _build("exp", np.float32)
    asm = target.emit_assembly(llmod, target.target_machine())
    assert "zmm" in asm
    assert "call" not in asm


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_all_vectorise_without_calls(name):
    if "+avx512f" not in target.host_cpu()[1]:
        pytest.skip("host has no AVX-512")
    _, llmod = _build(name, np.float32)
    asm = target.emit_assembly(llmod, target.target_machine())
    assert "zmm" in asm
    assert "call" not in asm


def test_every_emitter_has_a_record():
    assert set(mathlib.EMITTERS) == {r.emitter for r in RECORDS.values()}


def test_declarations_are_shared_and_types_checked():
    mod = ir.Module()
    fn = ir.Function(mod, ir.FunctionType(ir.FloatType(), [ir.FloatType()]), "f")
    b = ir.IRBuilder(fn.append_basic_block())
    with pytest.raises(TypeError):
        mathlib.emit_exp(b, ir.Constant(ir.IntType(32), 1))
    with pytest.raises(TypeError):
        mathlib.emit_pow(b, fn.args[0], ir.Constant(ir.DoubleType(), 1.0))
    # intrinsic declarations and the erf table are shared, not duplicated
    mathlib.emit_exp(b, fn.args[0])
    mathlib.emit_exp(b, fn.args[0])
    mathlib.emit_erf(b, fn.args[0])
    b.ret(mathlib.emit_erf(b, mathlib.emit_tanh(b, fn.args[0])))
    names = [g.name for g in mod.global_values]
    assert len(names) == len(set(names))
    target.parse_and_optimize(str(mod), target.target_machine())
