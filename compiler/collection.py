"""Python's cyclic garbage collector, paused while a graph compiles.

A compile allocates tens of thousands of short-lived objects (every pass rebuilds
nodes, shapes and attribute tuples) that reference counting frees: the compile leaves
a few hundred behind and no cycles. Allocating them still counts towards the
collector's thresholds, and on a Keras-sized process one full collection scans
~50,000 objects, about 20 ms on this VM: a fifth of the 0.1 s a warm model's first
result may take (bench_compile). Pausing the collector for the compile skips that
scan; what the compile leaves behind is collected as usual afterwards.
"""
import contextlib
import gc
import threading

_lock = threading.Lock()
_depth = 0          # compiles running (nested or on other threads)
_resume = False     # whether the collector was on when the first of them started


@contextlib.contextmanager
def collection_paused():
    """Runs the body with the cyclic collector off, restoring its state when the last
    of the bodies running at once ends (an exception included)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
