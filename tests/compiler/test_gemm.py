"""keralite_gemm_<f32|f64> (compiler/codegen/gemm.py) against numpy, over sizes, strides
(transposed and sliced operands), accumulate and the threaded path."""
import ctypes
import functools
import os
import subprocess
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

cffi = pytest.importorskip("cffi")
# target first: it selects opaque pointers before llvmlite is imported
from keralite.compiler.codegen import gemm, target  # noqa: E402
import llvmlite.binding as llvm  # noqa: E402
from llvmlite import ir  # noqa: E402

ffi = cffi.FFI()

# Stand-in for the runtime's thread pool while keralite.runtime.native is missing:
# kl_parallel_for with one extra pthread per call (two chunks).
_STUB_SOURCE = r"""
#include <pthread.h>
#include <stdint.h>
typedef void (*kl_body)(void *, int64_t, int64_t);
struct job { kl_body body; void *ctx; int64_t lo, hi; };
static void *run(void *p) { struct job *j = p; j->body(j->ctx, j->lo, j->hi); return 0; }
void kl_parallel_for(kl_body body, void *ctx, int64_t n, int64_t grain) {
    if (grain < 1) grain = 1;
    if (n < 2 * grain) { if (n > 0) body(ctx, 0, n); return; }
    struct job j = { body, ctx, n / 2, n };
    pthread_t t;
    if (pthread_create(&t, 0, run, &j) != 0) { body(ctx, 0, n); return; }
    body(ctx, 0, n / 2);
    pthread_join(t, 0);
}
"""
_keep = []


def _parallel_for_address():
    try:
        from keralite.runtime import native
    except ImportError:
        native = None
    if native is not None:
        return native.symbol_address("kl_parallel_for")
    tmp = tempfile.mkdtemp(prefix="kl_gemm_stub_")
    src, lib = os.path.join(tmp, "stub.c"), os.path.join(tmp, "stub.so")
    with open(src, "w") as f:
        f.write(_STUB_SOURCE)
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-pthread", "-o", lib, src], check=True)
    handle = ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)
    _keep.append(handle)
    return ctypes.cast(handle.kl_parallel_for, ctypes.c_void_p).value


_CTYPE = {"float32": "float", "float64": "double"}


@functools.lru_cache(maxsize=None)
def compiled(dtype):
    """Compile a module holding the gemm for `dtype` once per session; returns the cffi function."""
    target.add_symbol("kl_parallel_for", _parallel_for_address())
    module = ir.Module(name=f"test_gemm_{dtype}")
    fn = gemm.emit_gemm(module, dtype)
    tm = target.target_machine()
    mod = target.parse_and_optimize(str(module), tm)
    addr = target.load_object(target.emit_object(mod, tm), [fn.name])[fn.name]
    t = _CTYPE[dtype]
    sig = f"void(*)(int64_t,int64_t,int64_t,{t}*,int64_t,int64_t,{t}*,int64_t,int64_t,{t}*,int64_t,int32_t)"
    return ffi.cast(sig, addr)


def run_gemm(A, B, C, accumulate):
    dtype = A.dtype.name
    t = _CTYPE[dtype] + "*"
    es = A.itemsize
    (M, K), (_, N) = A.shape, B.shape
    assert all(s % es == 0 for s in A.strides + B.strides + C.strides)
    compiled(dtype)(M, N, K,
                    ffi.cast(t, A.ctypes.data), A.strides[0] // es, A.strides[1] // es,
                    ffi.cast(t, B.ctypes.data), B.strides[0] // es, B.strides[1] // es,
                    ffi.cast(t, C.ctypes.data), C.strides[0] // es, int(accumulate))


def operand(rng, rows, cols, layout, dtype):
    """A rows x cols view: 0 row-major, 1 transposed (column-major), 2 strided both ways."""
    if layout == 0:
        return rng.standard_normal((rows, cols)).astype(dtype)
    if layout == 1:
        return rng.standard_normal((cols, rows)).astype(dtype).T
    return rng.standard_normal((rows * 2 + 1, cols * 3 + 1)).astype(dtype)[1::2, ::3][:rows, :cols]


def check(M, N, K, layout_a, layout_b, accumulate, dtype, seed=0):
    rng = np.random.default_rng(seed)
    A = operand(rng, M, K, layout_a, dtype)
    B = operand(rng, K, N, layout_b, dtype)
    pad = 3
    store = rng.standard_normal((M, N + pad)).astype(dtype)
    C = store[:, :N]  # ldc = N + pad
    before = store.copy()
    if not accumulate:
        C[...] = np.nan  # must never be read
    run_gemm(A, B, C, accumulate)
    ref = A.astype(np.float64) @ B.astype(np.float64)
    if accumulate:
        ref += before[:, :N]
    scale = max(K, 1) * (np.abs(A).max(initial=0) * np.abs(B).max(initial=0) + 1e-30)
    if dtype == "float32":
        np.testing.assert_allclose(C, ref, rtol=1e-4, atol=2e-6 * scale)
    else:
        np.testing.assert_allclose(C, ref, rtol=1e-12, atol=1e-14 * scale)
    # the padding columns of C are untouched
    np.testing.assert_array_equal(store[:, N:], before[:, N:])


DTYPES = ["float32", "float64"]
_settings = settings(max_examples=120, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("dtype", DTYPES)
@_settings
@given(M=st.integers(0, 70), N=st.integers(0, 70), K=st.integers(0, 70),
       la=st.integers(0, 2), lb=st.integers(0, 2), acc=st.booleans(), seed=st.integers(0, 2**16))
def test_small_random(dtype, M, N, K, la, lb, acc, seed):
    check(M, N, K, la, lb, acc, dtype, seed)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [
    (0, 0, 0), (0, 5, 3), (4, 0, 3), (3, 4, 0), (1, 1, 1), (1, 1, 300), (1, 300, 17),
    (300, 1, 17), (8, 32, 16), (16, 64, 256), (7, 33, 257),
    (129, 257, 67), (300, 33, 513), (33, 300, 100), (20, 2100, 30), (513, 40, 9),
    (1, 70, 1000), (3, 1000, 70), (20, 65, 130), (40, 100, 600), (2, 17, 5), (64, 48, 40),
    # matrix-vector-like: row blocks of 4, 2 and 1 rows, column panels, vectors and a tail
    (4, 401, 90), (3, 135, 9), (2, 129, 300), (1, 512, 128), (5, 131, 7),
    (1, 250, 33), (2, 117, 40), (3, 250, 17), (4, 60, 9),
])
@pytest.mark.parametrize("la,lb", [(0, 0), (1, 0), (0, 1), (1, 1), (2, 2)])
@pytest.mark.parametrize("acc", [False, True])
def test_shapes(dtype, shape, la, lb, acc):
    check(*shape, la, lb, acc, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_large_square(dtype):
    check(256, 256, 256, 0, 0, False, dtype)
    check(200, 190, 700, 1, 1, True, dtype)


def test_emit_once_and_both_dtypes_share_a_module():
    module = ir.Module(name="two")
    free = ir.Function(module, ir.FunctionType(ir.VoidType(), [ir.PointerType()]), "free")
    f32 = gemm.emit_gemm(module, "float32")
    assert gemm.emit_gemm(module, np.dtype("float32")) is f32
    f64 = gemm.emit_gemm(module, "float64")
    assert f64.name == "keralite_gemm_f64" and f32.name == "keralite_gemm_f32"
    assert module.globals["free"] is free
    target.target_machine()  # initialises LLVM
    llvm.parse_assembly(str(module)).verify()
    with pytest.raises(ValueError):
        gemm.emit_gemm(module, "int32")
