"""float32 matmul through K.dot at 256^3, 512^3 and 1024^3: GFLOP/s of keralite against
numpy/OpenBLAS (and PyTorch when installed), measured in one run.

    python benchmarks/bench_matmul.py

The environment of this machine sets OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for old
OpenBLAS builds; they slow a current numpy. To compare with numpy at its best, run:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_matmul.py
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _timing import best_time, optional  # noqa: E402

from keralite import backend as K  # noqa: E402


def main():
    rng = np.random.RandomState(0)
    torch = optional("torch")
    print("float32 matmul, GFLOP/s (best of 7)")
    print(f"{'size':>6} {'numpy':>9} {'keralite':>9} {'ratio':>7}" + (f" {'torch':>9}" if torch else ""))
    for n in (256, 512, 1024):
        a = rng.randn(n, n).astype("float32")
        b = rng.randn(n, n).astype("float32")
        x, y = K.placeholder((None, n)), K.placeholder((n, n))
        f = K.function([x, y], [K.dot(x, y)])
        got = f([a, b])[0]
        ref = a.astype(np.float64) @ b.astype(np.float64)
        err = np.max(np.abs(got - ref)) / np.max(np.abs(ref))
        assert err < 1e-4, err
        flops = 2.0 * n ** 3
        number = max(1, int(2e9 // flops))
        # Each library's worker threads spin for a while after a call and would steal the
        # other's cores: let them go idle between the measurements.
        time.sleep(0.3)
        t_k = best_time(lambda: f([a, b]), number=number)
        time.sleep(0.3)
        t_np = best_time(lambda: a @ b, number=number)
        time.sleep(0.3)
        line = f"{n:>6} {flops / t_np / 1e9:9.1f} {flops / t_k / 1e9:9.1f} {t_np / t_k:7.2f}"
        if torch:
            ta, tb = torch.from_numpy(a), torch.from_numpy(b)
            t_t = best_time(lambda: ta @ tb, number=number)
            line += f" {flops / t_t / 1e9:9.1f}"
        print(line)


if __name__ == "__main__":
    main()
