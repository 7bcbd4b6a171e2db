"""One convolution at a time, the direct kernels (KERALITE_CONV=direct) against pad +
im2col + GEMM (KERALITE_CONV=gemm), float32: milliseconds (medians) and GFLOP/s of the
forward pass, the data gradient (dx) and the filter gradient (dW), each its own function. Each path runs in a process of its own, twice, keeping the better median; the
shapes are the layers of Keras' mnist_cnn and a few others.

    python benchmarks/bench_conv_kernels.py
"""
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

# (batch, height, width, in channels, window, out channels, strides, padding)
SHAPES = [(1, 28, 28, 1, 3, 32, 1, "valid"), (1, 26, 26, 32, 3, 64, 1, "valid"),
          (256, 28, 28, 1, 3, 32, 1, "valid"), (256, 26, 26, 32, 3, 64, 1, "valid"),
          (128, 24, 24, 64, 3, 32, 1, "same"),
          (32, 56, 56, 64, 3, 64, 1, "same"), (32, 56, 56, 64, 1, 256, 1, "valid"),
          (32, 28, 28, 128, 3, 128, 2, "same"), (8, 224, 224, 3, 7, 64, 2, "same"),
          (64, 100, 1, 16, 5, 10, 1, "valid")]


PARTS = ("forward", "dx", "dW")


def measure(shape, part):
    from keralite import backend as K
    n, h, w, c, k, o, s, padding = shape
    rng = np.random.RandomState(0)
    x = rng.rand(n, h, w, c).astype("float32")
    kernel = rng.rand(k, k if w > 1 else 1, c, o).astype("float32")
    xp, kp = K.placeholder(shape=x.shape), K.placeholder(shape=kernel.shape)
    y = K.conv2d(xp, kp, strides=(s, s if w > 1 else 1), padding=padding)
    if part != "forward":
        y = K.gradients(K.sum(y * K.constant(rng.rand(*K.int_shape(y)).astype("float32"))),
                        [xp if part == "dx" else kp])[0]
    f = K.function([xp, kp], [y])
    f([x, kernel])
    times = []
    for _ in range(max(5, min(200, int(0.3 / max(1e-6, _once(f, x, kernel)))))):
        times.append(_once(f, x, kernel))
    return statistics.median(times)


def _once(f, x, kernel):
    start = time.perf_counter()
    f([x, kernel])
    return time.perf_counter() - start


def flops(shape):
    n, h, w, c, k, o, s, padding = shape
    kw = k if w > 1 else 1
    oh = -(-h // s) if padding == "same" else (h - k) // s + 1
    ow = -(-w // s) if padding == "same" else (w - kw) // s + 1
    return 2 * n * oh * ow * k * kw * c * o


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--child":
        print(json.dumps([measure(shape, part) for shape in SHAPES for part in PARTS]))
        return
    best = {}
    for path in ("gemm", "direct"):
        for _ in range(2):
            proc = subprocess.run([sys.executable, __file__, "--child"], env=dict(os.environ, KERALITE_CONV=path),
                                  capture_output=True, text=True, check=True)
            times = json.loads(proc.stdout.strip().splitlines()[-1])
            best[path] = [min(a, b) for a, b in zip(best.get(path, times), times)]
    print(f"{'shape (n, h, w, c, k, o, stride, pad)':44s} {'':8s} {'gemm ms':>9s} {'direct ms':>10s} "
          f"{'GFLOP/s':>8s} {'speed-up':>8s}")
    cases = [(shape, part) for shape in SHAPES for part in PARTS]
    for (shape, part), g, d in zip(cases, best["gemm"], best["direct"]):
        print(f"{str(shape) if part == 'forward' else '':44s} {part:8s} {g * 1e3:9.3f} {d * 1e3:10.3f} "
              f"{flops(shape) / d / 1e9:8.1f} {g / d:8.2f}")


if __name__ == "__main__":
    main()
