"""The two thread-pool functions exports rely on: a per-thread thread count
(kl_set_local_num_threads, what a context's num_threads sets) and stopping the workers
(kl_shutdown_workers, run when an export is unloaded)."""
import threading

import pytest

from keralite.runtime import native


@pytest.fixture(scope="module")
def rt():
    runtime = native.load()
    yield runtime
    native.set_num_threads(0)


def _chunks(rt, n, grain=1):
    ffi = rt.ffi
    seen = []

    @ffi.callback("kl_body_fn")
    def body(ctx, lo, hi):
        seen.append((lo, hi))

    rt.lib.kl_parallel_for(body, ffi.NULL, n, grain)
    return sorted(seen)


def test_local_thread_count_overrides_the_pool_size_for_this_thread(rt):
    native.set_num_threads(4)
    try:
        assert len(_chunks(rt, 1000)) == 4
        previous = rt.lib.kl_set_local_num_threads(1)
        assert previous == 0
        assert _chunks(rt, 1000) == [(0, 1000)]          # inline on the caller
        assert rt.lib.kl_set_local_num_threads(3) == 1
        assert len(_chunks(rt, 1000)) == 3
        # another thread still uses the pool size
        counts = []
        t = threading.Thread(target=lambda: counts.append(len(_chunks(rt, 1000))))
        t.start()
        t.join()
        assert counts == [4]
        assert rt.lib.kl_set_local_num_threads(0) == 3
        assert len(_chunks(rt, 1000)) == 4
    finally:
        rt.lib.kl_set_local_num_threads(0)


def test_shutdown_stops_the_workers_and_the_next_loop_restarts_them(rt):
    native.set_num_threads(3)
    assert len(_chunks(rt, 999)) == 3
    before = threading.active_count()
    assert rt.lib.kl_shutdown_workers() == 0
    assert rt.lib.kl_shutdown_workers() == 0          # nothing left to stop
    chunks = _chunks(rt, 999)
    assert len(chunks) == 3 and chunks[0][0] == 0 and chunks[-1][1] == 999
    assert threading.active_count() == before         # pool threads are not Python threads
