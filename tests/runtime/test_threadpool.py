"""Tests of keralite's native thread pool (csrc/threadpool.c) and of its
builder/loader keralite.runtime.native."""

import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keralite.runtime import native


@pytest.fixture(scope="module")
def cache_root(tmp_path_factory):
    """A private cache dir for this module (never the user's real cache)."""
    d = tmp_path_factory.mktemp("klcache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KERALITE_CACHE_DIR", str(d))
        mp.delenv("KERALITE_DISABLE_DISK_CACHE", raising=False)
        yield d


@pytest.fixture(scope="module")
def rt(cache_root):
    yield native.load()
    native.set_num_threads(0)


@pytest.fixture
def threads(rt):
    """Set the pool size for one test; restores the default afterwards."""
    yield native.set_num_threads
    native.set_num_threads(0)


class Recorder:
    """A cffi callback body that records the (lo, hi) chunks it is given; the
    ctx argument is a handle to the list to record into."""

    def __init__(self, rt):
        self.rt = rt
        ffi = rt.ffi

        @ffi.callback("kl_body_fn")
        def body(ctx, lo, hi):
            ffi.from_handle(ctx).append((lo, hi))

        self.body = body

    def run(self, n, grain):
        chunks = []
        handle = self.rt.ffi.new_handle(chunks)
        self.rt.lib.kl_parallel_for(self.body, handle, n, grain)
        return chunks


@pytest.fixture(scope="module")
def rec(rt):
    return Recorder(rt)


def check_partition(chunks, n, grain, nthreads=None):
    chunks = sorted(chunks)
    if n <= 0:
        assert chunks == []
        return
    g = max(grain, 1)
    assert chunks[0][0] == 0 and chunks[-1][1] == n
    for (lo, hi), (lo2, _) in zip(chunks, chunks[1:]):
        assert hi == lo2
    sizes = [hi - lo for lo, hi in chunks]
    assert all(s > 0 for s in sizes)
    if len(chunks) > 1:
        assert min(sizes) >= g
        assert max(sizes) - min(sizes) <= 1
    if nthreads is not None:
        assert len(chunks) <= nthreads
        assert len(chunks) <= max(n // g, 1)


# -- chunking ----------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(min_value=-3, max_value=100_000),
    grain=st.integers(min_value=-2, max_value=20_000),
    nthreads=st.integers(min_value=1, max_value=6),
)
def test_chunks_partition(rt, rec, n, grain, nthreads):
    native.set_num_threads(nthreads)  # restored by the module's `rt` fixture
    assert native.get_num_threads() == nthreads
    chunks = rec.run(n, grain)
    check_partition(chunks, n, grain, nthreads)
    if n > 0:
        # Nobody else is using the pool: the split is exactly as wide as allowed.
        assert len(chunks) == max(1, min(nthreads, n // max(grain, 1)))


@pytest.mark.parametrize("n,grain", [(1, 1), (5, 6), (10, 10), (19, 10), (100, 1000), (7, 2**62)])
def test_small_loops_run_as_one_chunk(rec, threads, n, grain):
    threads(4)
    assert rec.run(n, grain) == [(0, n)]


def test_empty_and_negative(rec, threads):
    threads(4)
    assert rec.run(0, 1) == []
    assert rec.run(-5, 1) == []


def test_large_n(rec, threads):
    threads(3)
    n = 2**40 + 7
    check_partition(rec.run(n, 1), n, 1, 3)
    assert len(rec.run(n, 2**39)) == 2


def test_num_threads(rt, threads):
    default = native.get_num_threads()
    assert default >= 1
    threads(5)
    assert native.get_num_threads() == 5
    threads(1)
    assert native.get_num_threads() == 1
    threads(-3)
    assert native.get_num_threads() == default
    threads(0)
    assert native.get_num_threads() == default


def test_one_thread_is_one_chunk(rec, threads):
    threads(1)
    assert rec.run(10_000, 1) == [(0, 10_000)]


def test_chunks_run_on_several_threads(rt, threads):
    threads(2)
    ffi = rt.ffi
    seen = set()

    @ffi.callback("kl_body_fn")
    def body(ctx, lo, hi):
        seen.add(threading.get_ident())
        time.sleep(0.002)  # long enough for a sleeping worker to wake up

    for _ in range(10):
        rt.lib.kl_parallel_for(body, ffi.NULL, 100, 1)
    assert threading.get_ident() in seen
    # The caller takes the chunks no worker has started yet, so a worker may
    # miss a loop, but not ten 2 ms long ones.
    assert len(seen) >= 2


def test_nested_loops_run_inline(rt, threads):
    threads(3)
    ffi = rt.ffi
    inner = []
    outer = []

    @ffi.callback("kl_body_fn")
    def inner_body(ctx, lo, hi):
        ffi.from_handle(ctx).append((lo, hi))

    @ffi.callback("kl_body_fn")
    def outer_body(ctx, lo, hi):
        outer.append((lo, hi))
        got = []
        rt.lib.kl_parallel_for(inner_body, ffi.new_handle(got), 1000, 1)
        inner.append(got)

    done = threading.Event()

    def run():
        rt.lib.kl_parallel_for(outer_body, ffi.NULL, 300, 1)
        done.set()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    assert done.wait(30), "nested kl_parallel_for deadlocked"
    check_partition(outer, 300, 1, 3)
    assert len(outer) == 3
    assert inner == [[(0, 1000)]] * 3


def test_concurrent_python_callers(rt, threads):
    threads(4)
    ffi = rt.ffi
    errors = []

    @ffi.callback("kl_body_fn")
    def body(ctx, lo, hi):
        acc = ffi.from_handle(ctx)
        acc.append((lo, hi, sum(range(lo, hi))))

    def worker(tid):
        try:
            for i in range(150):
                n = 500 + 37 * tid + i
                grain = 1 + (i % 5) * 40
                acc = []
                rt.lib.kl_parallel_for(body, ffi.new_handle(acc), n, grain)
                check_partition([(lo, hi) for lo, hi, _ in acc], n, grain, 4)
                assert sum(s for _, _, s in acc) == n * (n - 1) // 2
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    ts = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert not any(t.is_alive() for t in ts), "concurrent callers hung"
    assert errors == []


def test_aligned_alloc(rt):
    lib, ffi = rt.lib, rt.ffi
    for size in (0, 1, 63, 64, 65, 1000, 1 << 20):
        p = lib.kl_aligned_alloc(size)
        assert p != ffi.NULL
        assert int(ffi.cast("uintptr_t", p)) % 64 == 0
        ffi.memmove(p, b"\xab" * size, size)
        lib.kl_aligned_free(p)
    assert lib.kl_aligned_alloc(-1) == ffi.NULL
    lib.kl_aligned_free(ffi.NULL)


# -- loader -----------------------------------------------------------------


def test_load_is_cached(rt, cache_root):
    assert native.load() is rt
    path = native.library_path()
    assert path == rt.path and path.is_file()
    # Built into this module's private cache, unless another test module
    # already loaded the runtime in this process.
    if str(path).startswith(str(cache_root)):
        assert path.parent == cache_root / "native"
        assert oct(path.stat().st_mode & 0o777) == oct(0o700)
        assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp")]


def test_symbol_address(rt):
    import ctypes

    dll = ctypes.CDLL(str(rt.path))
    for name in ("kl_parallel_for", "kl_get_num_threads", "kl_set_num_threads",
                 "kl_aligned_alloc", "kl_aligned_free"):
        addr = native.symbol_address(name)
        assert addr == ctypes.cast(getattr(dll, name), ctypes.c_void_p).value
    with pytest.raises(LookupError):
        native.symbol_address("kl_no_such_symbol")


def test_include_dir():
    d = native.include_dir()
    assert (d / "keralite_runtime.h").is_file()
    assert (d / "threadpool.c").is_file()


def _python(code, env_update, timeout=120):
    env = dict(os.environ)
    env.update(env_update)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


_CHUNKS_SCRIPT = """
    import sys
    from keralite.runtime import native
    rt = native.load()
    ffi = rt.ffi
    chunks = []

    @ffi.callback("kl_body_fn")
    def body(ctx, lo, hi):
        chunks.append((lo, hi))

    rt.lib.kl_parallel_for(body, ffi.NULL, 1000, 1)
    print(native.get_num_threads(), len(chunks), 'llvmlite' in sys.modules)
"""


@pytest.mark.parametrize("nthreads", [1, 3])
def test_env_num_threads(rt, cache_root, nthreads):
    r = _python(_CHUNKS_SCRIPT, {"KERALITE_NUM_THREADS": str(nthreads),
                                 "KERALITE_CACHE_DIR": str(cache_root)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(nthreads), str(nthreads), "False"]


def test_missing_compiler_is_a_clear_error(tmp_path):
    r = _python(
        "from keralite.runtime import native; native.load()",
        {"CC": str(tmp_path / "no-such-cc"), "KERALITE_CACHE_DIR": str(tmp_path / "c")},
    )
    assert r.returncode != 0
    assert "RuntimeError" in r.stderr
    assert "C compiler" in r.stderr


def test_missing_compiler_uses_prebuilt_library(rt, cache_root):
    # Built earlier from the same sources: no compiler needed to load it.
    if not str(rt.path).startswith(str(cache_root)):
        pytest.skip("runtime was loaded from another cache by an earlier test")
    r = _python(
        "from keralite.runtime import native; print(native.library_path())",
        {"CC": "/nonexistent/cc", "KERALITE_CACHE_DIR": str(cache_root)},
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith(str(cache_root / "native"))


def test_disabled_cache_builds_privately(tmp_path):
    r = _python(
        "from keralite.runtime import native; print(native.library_path()); "
        "print(native.get_num_threads())",
        {"KERALITE_DISABLE_DISK_CACHE": "1", "KERALITE_CACHE_DIR": str(tmp_path / "c")},
    )
    assert r.returncode == 0, r.stderr
    path = r.stdout.split()[0]
    assert not path.startswith(str(tmp_path))
    assert not os.path.exists(path)  # removed at exit
    assert not (tmp_path / "c").exists()


def test_damaged_library_is_rebuilt(tmp_path):
    env = {"KERALITE_CACHE_DIR": str(tmp_path / "c")}
    code = "from keralite.runtime import native; print(native.library_path())"
    r = _python(code, env)
    assert r.returncode == 0, r.stderr
    path = r.stdout.strip()
    with open(path, "wb") as f:
        f.write(b"not a shared library")
    r = _python(code + "; print(native.get_num_threads())", env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0] == path
    with open(path, "rb") as f:
        assert f.read(4) == b"\x7fELF" or sys.platform == "darwin"


# -- C level -----------------------------------------------------------------

PSUM_C = r"""/* Parallel-sum stress test of keralite's thread pool (no Python involved). */
#include "keralite_runtime.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 10007
static int64_t data[N];

typedef struct {
    const int64_t *a;
    _Atomic int64_t sum, sumsq;
    _Atomic int64_t chunks;
    int nested;
} Job;

static void sum_body(void *ctx, int64_t lo, int64_t hi)
{
    Job *j = (Job *)ctx;
    if (j->nested) {
        /* A loop started from inside a body must run inline, not deadlock. */
        Job inner = {j->a + lo, 0, 0, 0, 0};
        kl_parallel_for(sum_body, &inner, hi - lo, 1);
        if (atomic_load(&inner.chunks) != 1) {
            printf("FAIL nested loop was split\n");
            exit(1);
        }
        atomic_fetch_add(&j->sum, atomic_load(&inner.sum));
        atomic_fetch_add(&j->sumsq, atomic_load(&inner.sumsq));
        atomic_fetch_add(&j->chunks, 1);
        return;
    }
    int64_t s = 0, q = 0;
    for (int64_t i = lo; i < hi; i++) {
        s += j->a[i];
        q += j->a[i] * j->a[i];
    }
    atomic_fetch_add(&j->sum, s);
    atomic_fetch_add(&j->sumsq, q);
    atomic_fetch_add(&j->chunks, 1);
}

static int check(int64_t n, int64_t grain, int nested, long *bad)
{
    Job j = {data, 0, 0, 0, nested};
    kl_parallel_for(sum_body, &j, n, grain);
    int64_t s = 0, q = 0;
    for (int64_t i = 0; i < n; i++) {
        s += data[i];
        q += data[i] * data[i];
    }
    int64_t g = grain < 1 ? 1 : grain;
    int64_t maxc = n / g < 1 ? 1 : n / g;
    int64_t c = atomic_load(&j.chunks);
    if (atomic_load(&j.sum) != s || atomic_load(&j.sumsq) != q || c < (n > 0) || c > (n > 0 ? maxc : 0) ||
        c > kl_get_num_threads()) {
        if (*bad < 5)
            printf("FAIL n=%ld grain=%ld sum=%ld/%ld chunks=%ld\n", (long)n, (long)grain,
                   (long)atomic_load(&j.sum), (long)s, (long)c);
        (*bad)++;
        return 0;
    }
    return 1;
}

static void *thread_main(void *arg)
{
    long *bad = (long *)arg;
    for (int it = 0; it < 2000; it++)
        check(N - (it % 101), 64 + it % 7, 0, bad);
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 0;
    kl_set_num_threads(threads);
    for (int64_t i = 0; i < N; i++)
        data[i] = (i * 7919) % 1009 - 500;

    long bad = 0, iters = 0;
    /* 10000 parallel sums of varying sizes and grains. */
    for (int it = 0; it < 10000; it++, iters++)
        check(N - (it % 997), 1 + (it % 13) * 37, 0, &bad);
    /* Tiny loops: inline path. */
    for (int it = 0; it < 1000; it++, iters++)
        check(it % 5, 3, 0, &bad);
    /* Nested loops. */
    for (int it = 0; it < 200; it++, iters++)
        check(N, 100, 1, &bad);

    /* Several threads dispatching at once. */
    pthread_t th[4];
    long tbad[4] = {0, 0, 0, 0};
    for (int t = 0; t < 4; t++)
        pthread_create(&th[t], NULL, thread_main, &tbad[t]);
    for (int t = 0; t < 4; t++) {
        pthread_join(th[t], NULL);
        bad += tbad[t];
        iters += 2000;
    }

    /* Aligned allocation. */
    for (int64_t sz = 0; sz < 5000; sz += 333) {
        void *p = kl_aligned_alloc(sz);
        if (p == NULL || ((uintptr_t)p & 63) != 0) {
            printf("FAIL aligned_alloc(%ld)\n", (long)sz);
            bad++;
        }
        kl_aligned_free(p);
    }
    if (kl_aligned_alloc(-1) != NULL) {
        printf("FAIL aligned_alloc(-1)\n");
        bad++;
    }

    if (bad) {
        printf("FAIL %ld of %ld\n", bad, iters);
        return 1;
    }
    printf("OK %ld loops, %d threads\n", iters, kl_get_num_threads());
    return 0;
}
"""


def _cc():
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    return cc.split()


@pytest.fixture(scope="module")
def psum_exe(rt, tmp_path_factory):
    d = tmp_path_factory.mktemp("psum")
    (d / "psum.c").write_text(PSUM_C)
    lib = str(rt.path)
    exe = d / "psum"
    cmd = [*_cc(), "-std=gnu11", "-O2", "-pthread", "-I", str(native.include_dir()),
           str(d / "psum.c"), lib, "-Wl,-rpath," + os.path.dirname(lib), "-o", str(exe)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return exe


@pytest.mark.parametrize("nthreads,spin", [(0, None), (2, None), (4, None), (3, "0"), (1, None)])
def test_c_parallel_sum(psum_exe, nthreads, spin):
    env = dict(os.environ)
    if spin is not None:
        env["KERALITE_SPIN_US"] = spin  # block at once: exercises the futex path
    r = subprocess.run([str(psum_exe), str(nthreads)], capture_output=True, text=True,
                       timeout=60, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    want = nthreads or int(os.environ.get("KERALITE_NUM_THREADS") or len(os.sched_getaffinity(0)))
    assert r.stdout.strip() == f"OK 19200 loops, {want} threads"
