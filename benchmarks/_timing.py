"""Shared timing helper for the benchmark scripts: best of several repeats."""
import time


def best_time(fn, repeat=7, number=1, warmup=1):
    """Seconds per call of fn(), the best of `repeat` runs of `number` calls."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def optional(module):
    """Import a peer library if it is installed, else None."""
    try:
        return __import__(module)
    except ImportError:
        return None
