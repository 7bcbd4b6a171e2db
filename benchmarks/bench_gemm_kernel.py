"""sgemm of compiler/codegen/gemm.py against numpy (OpenBLAS) `A @ B`, float32.

    python benchmarks/bench_gemm_kernel.py                   # sizes 256 512 1024
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_gemm_kernel.py
    python benchmarks/bench_gemm_kernel.py --layouts --nn    # also transposed operands, NN shapes

Timings are the best over several rounds; each round times ours and numpy back to back
(a short pause between them lets OpenBLAS's spinning threads go idle), so both see the same
background load.  Prints the compile time of the emitted gemm too.
"""
import argparse
import ctypes
import os
import subprocess
import sys
import tempfile
import time

import cffi
import numpy as np

from keralite.compiler.codegen import gemm, target  # first: selects opaque llvmlite.ir pointers
from llvmlite import ir  # noqa: E402

ffi = cffi.FFI()

# Stand-in for the runtime's pool while keralite.runtime.native is missing: one persistent
# worker thread that spins briefly between jobs (like a real pool), two chunks per call.
_STUB_SOURCE = r"""
#include <pthread.h>
#include <stdint.h>
#include <stdatomic.h>
typedef void (*kl_body)(void *, int64_t, int64_t);
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static _Atomic long posted, finished;
static kl_body job_body; static void *job_ctx; static int64_t job_lo, job_hi;
static int started;
static void *worker(void *arg) {
    long seen = 0; (void)arg;
    for (;;) {
        for (long spin = 0; atomic_load_explicit(&posted, memory_order_acquire) == seen; spin++)
            if (spin > 100000) {
                pthread_mutex_lock(&mu);
                while (atomic_load(&posted) == seen) pthread_cond_wait(&cv, &mu);
                pthread_mutex_unlock(&mu);
            }
        seen = atomic_load(&posted);
        job_body(job_ctx, job_lo, job_hi);
        atomic_store_explicit(&finished, seen, memory_order_release);
    }
    return 0;
}
void kl_parallel_for(kl_body body, void *ctx, int64_t n, int64_t grain) {
    if (grain < 1) grain = 1;
    if (n < 2 * grain) { if (n > 0) body(ctx, 0, n); return; }
    if (!started) { pthread_t t; pthread_create(&t, 0, worker, 0); started = 1; }
    job_body = body; job_ctx = ctx; job_lo = n / 2; job_hi = n;
    pthread_mutex_lock(&mu);
    long seq = atomic_fetch_add(&posted, 1) + 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    body(ctx, 0, n / 2);
    while (atomic_load_explicit(&finished, memory_order_acquire) != seq) ;
}
"""
_keep = []


def parallel_for_address():
    """(address, where from) of kl_parallel_for: the runtime's, else a compiled stub."""
    try:
        from keralite.runtime import native
    except ImportError:
        native = None
    if native is not None:
        return native.symbol_address("kl_parallel_for"), "keralite.runtime.native"
    tmp = tempfile.mkdtemp(prefix="kl_gemm_bench_")
    src, lib = os.path.join(tmp, "stub.c"), os.path.join(tmp, "stub.so")
    with open(src, "w") as f:
        f.write(_STUB_SOURCE)
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-pthread", "-o", lib, src], check=True)
    handle = ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)
    _keep.append(handle)
    return ctypes.cast(handle.kl_parallel_for, ctypes.c_void_p).value, "pthread stub (benchmark)"


def build(dtype="float32", **overrides):
    c0 = time.process_time()
    t0 = time.perf_counter()
    module = ir.Module(name="bench_gemm")
    fn = gemm.emit_gemm(module, dtype, **overrides)
    text = str(module)
    t1 = time.perf_counter()
    tm = target.target_machine()
    mod = target.parse_and_optimize(text, tm)
    t2 = time.perf_counter()
    obj = target.emit_object(mod, tm)
    t3 = time.perf_counter()
    c3 = time.process_time()
    addr = target.load_object(obj, [fn.name])[fn.name]
    t = {"float32": "float", "float64": "double"}[dtype]
    sig = f"void(*)(int64_t,int64_t,int64_t,{t}*,int64_t,int64_t,{t}*,int64_t,int64_t,{t}*,int64_t,int32_t)"
    times = dict(build_ir=t1 - t0, parse_opt=t2 - t1, codegen=t3 - t2, cpu=c3 - c0,
                 obj_kb=len(obj) / 1024)
    return ffi.cast(sig, addr), times


def bound_call(fn, A, B, C):
    """A zero-argument callable running C = A @ B through `fn` (pointers cast once)."""
    t = "float*" if A.dtype == np.float32 else "double*"
    es = A.itemsize
    (M, K), (_, N) = A.shape, B.shape
    args = (M, N, K, ffi.cast(t, A.ctypes.data), A.strides[0] // es, A.strides[1] // es,
            ffi.cast(t, B.ctypes.data), B.strides[0] // es, B.strides[1] // es,
            ffi.cast(t, C.ctypes.data), C.strides[0] // es, 0)
    return lambda: fn(*args)


def best_time(f, budget):
    """Best single-call time over `budget` seconds (at least 3 calls)."""
    best, spent, n = float("inf"), 0.0, 0
    while n < 3 or spent < budget:
        t = time.perf_counter()
        f()
        dt = time.perf_counter() - t
        best, spent, n = min(best, dt), spent + dt, n + 1
    return best


def compare(fn, A, B, rounds, budget):
    C = np.empty((A.shape[0], B.shape[1]), A.dtype)
    ours = bound_call(fn, A, B, C)
    ours()
    ref = A.astype(np.float64) @ B.astype(np.float64)
    err = np.abs(C - ref).max() / (np.abs(ref).max() + 1e-30)
    assert err < 1e-4, f"wrong result: relative error {err}"
    theirs = lambda: A @ B  # noqa: E731
    t_ours = t_np = float("inf")
    for _ in range(rounds):
        t_np = min(t_np, best_time(theirs, budget))
        time.sleep(0.05)
        t_ours = min(t_ours, best_time(ours, budget))
        time.sleep(0.05)
    flops = 2.0 * A.shape[0] * A.shape[1] * B.shape[1]
    return flops / t_ours / 1e9, flops / t_np / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[256, 512, 1024])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--budget", type=float, default=0.15, help="seconds per timing batch")
    ap.add_argument("--layouts", action="store_true", help="also A^T, B^T, A^T B^T")
    ap.add_argument("--nn", action="store_true", help="also a few dense-layer shapes")
    args = ap.parse_args()

    addr, source = parallel_for_address()
    target.add_symbol("kl_parallel_for", addr)
    fn, times = build()
    env = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")}
    print(f"cpu {target.host_cpu()[0]}, {os.cpu_count()} cpus; kl_parallel_for from {source}")
    print(f"numpy {np.__version__}, env {env}")
    print("gemm f32 compile (wall): build IR {build_ir:.3f}s  parse+O3 {parse_opt:.3f}s  codegen "
          "{codegen:.3f}s; CPU time of all three {cpu:.3f}s ({obj_kb:.0f} KB object)".format(**times))
    print(f"config {gemm.CONFIGS['float32']}")

    rng = np.random.default_rng(0)
    print(f"\n{'case':>22} {'ours GF/s':>10} {'numpy GF/s':>11} {'ratio':>6}")

    def row(label, A, B):
        g_ours, g_np = compare(fn, A, B, args.rounds, args.budget)
        print(f"{label:>22} {g_ours:10.1f} {g_np:11.1f} {g_ours / g_np:6.2f}", flush=True)

    for n in args.sizes:
        A = rng.standard_normal((n, n), dtype=np.float32)
        B = rng.standard_normal((n, n), dtype=np.float32)
        row(f"{n}^3", A, B)
        if args.layouts:
            row(f"{n}^3 A^T", np.ascontiguousarray(A.T).T, B)
            row(f"{n}^3 B^T", A, np.ascontiguousarray(B.T).T)
            row(f"{n}^3 A^T B^T", np.ascontiguousarray(A.T).T, np.ascontiguousarray(B.T).T)
    if args.nn:
        for M, K, N in [(32, 784, 128), (128, 784, 512), (128, 512, 10), (1, 4096, 4096),
                        (256, 1024, 1024), (64, 2304, 256)]:
            A = rng.standard_normal((M, K), dtype=np.float32)
            B = rng.standard_normal((K, N), dtype=np.float32)
            row(f"{M}x{K} @ {K}x{N}", A, B)
    return 0


if __name__ == "__main__":
    sys.exit(main())
