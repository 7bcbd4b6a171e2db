"""Call overhead of a compiled function on tiny inputs: 1 op, 50 elementwise ops (fused
into one loop) and 50 ops that cannot fuse (50 kernels), against numpy doing the same
ops eagerly.

    python benchmarks/bench_call_overhead.py
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _timing import best_time  # noqa: E402

from keralite import backend as K  # noqa: E402


def main():
    a = np.random.rand(2, 4).astype("float32")
    x = K.placeholder((None, 4))

    one = K.function([x], [x * 2.0])

    y = x
    for i in range(50):
        y = K.sin(y) if i % 2 else y * 1.01
    fused = K.function([x], [y])

    z = x
    for i in range(25):
        z = z - K.max(z, axis=1, keepdims=True)   # a reduction and an elementwise kernel
    kernels = K.function([x], [z])

    def numpy_50():
        v = a
        for i in range(50):
            v = np.sin(v) if i % 2 else v * 1.01
        return v

    rows = [("1 op", one), ("50 ops, fused", fused), ("50 ops, 50 kernels", kernels)]
    base = None
    print("call overhead, (2, 4) float32 input, best of 7 x 20000 calls")
    for label, f in rows:
        f([a])
        t = best_time(lambda: f([a]), repeat=7, number=20000)
        base = base or t
        print(f"  keralite {label:20s} {t * 1e6:7.2f} us   ({t / base:4.2f}x the 1-op call)")
    t_np = best_time(numpy_50, repeat=7, number=2000)
    print(f"  numpy    50 ops, eager         {t_np * 1e6:7.2f} us")


if __name__ == "__main__":
    main()
