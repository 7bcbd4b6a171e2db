"""A chain of 8 elementwise ops over 10^7 float32 values: keralite vs numpy (and
PyTorch when installed), measured in one run.

    python benchmarks/bench_elementwise.py

keralite fuses the chain into one vectorised loop split over the thread pool; numpy
makes a pass over memory (and a temporary) per op.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _timing import best_time, optional  # noqa: E402

from keralite import backend as K  # noqa: E402

N = 10 ** 7


def chain_numpy(x):
    y = x * 1.5
    y = y + 0.25
    y = np.tanh(y)
    y = y * y
    y = np.exp(-y)
    y = y - 0.5
    y = np.abs(y)
    return np.sqrt(y)


def chain_k(x):
    y = x * 1.5
    y = y + 0.25
    y = K.tanh(y)
    y = y * y
    y = K.exp(-y)
    y = y - 0.5
    y = K.abs(y)
    return K.sqrt(y)


def main():
    rng = np.random.RandomState(0)
    a = rng.randn(N).astype("float32")
    x = K.placeholder((None,))
    f = K.function([x], [chain_k(x)])
    ours = f([a])[0]
    ref = chain_numpy(a)
    err = np.max(np.abs(ours - ref))
    t_numpy = best_time(lambda: chain_numpy(a))
    t_ours = best_time(lambda: f([a]))
    print(f"8 elementwise ops over 10^7 float32 (max abs diff vs numpy {err:.1e})")
    print(f"  numpy      {t_numpy * 1e3:8.2f} ms")
    print(f"  keralite   {t_ours * 1e3:8.2f} ms   {t_numpy / t_ours:5.2f}x numpy")
    torch = optional("torch")
    if torch is not None:
        ta = torch.from_numpy(a)

        def chain_torch():
            y = ta * 1.5 + 0.25
            y = torch.tanh(y)
            y = torch.exp(-(y * y))
            return torch.sqrt(torch.abs(y - 0.5))
        t_torch = best_time(chain_torch)
        print(f"  torch      {t_torch * 1e3:8.2f} ms   keralite is {t_torch / t_ours:5.2f}x torch")


if __name__ == "__main__":
    main()
