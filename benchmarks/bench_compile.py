"""Compile time of a 2-layer MLP's train step (loss, gradients, RMSprop updates):
cold (empty disk cache) and warm (a new process reusing the disk cache).

    python benchmarks/bench_compile.py

Each measurement runs in a fresh Python process; the figure is the time of
`K.function(...)` alone (imports excluded), plus the first call.
"""
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, time
import numpy as np
from keralite import backend as K

def build():
    x, y = K.placeholder((None, 784)), K.placeholder((None, 10))
    params = [K.variable(np.random.randn(784, 512) * 0.05), K.variable(np.zeros(512)),
              K.variable(np.random.randn(512, 10) * 0.05), K.variable(np.zeros(10))]
    w1, b1, w2, b2 = params
    h = K.relu(K.dot(x, w1) + b1)
    loss = K.mean(K.categorical_crossentropy(y, K.softmax(K.dot(h, w2) + b2)))
    updates = []
    for p, g in zip(params, K.gradients(loss, params)):
        acc = K.zeros(K.int_shape(p))
        new_acc = 0.9 * acc + 0.1 * K.square(g)
        updates += [K.update(acc, new_acc), K.update(p, p - 0.001 * g / (K.sqrt(new_acc) + 1e-7))]
    return [x, y], [loss], updates

start = time.perf_counter()
inputs, outputs, updates = build()
built = time.perf_counter()
f = K.function(inputs, outputs, updates=updates)
compiled = time.perf_counter()
f([np.zeros((32, 784), 'f'), np.zeros((32, 10), 'f')])
called = time.perf_counter()
print(json.dumps({"build": built - start, "compile": compiled - built, "first_call": called - compiled}))
"""


def run(cache_dir):
    env = dict(os.environ, KERALITE_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    with tempfile.TemporaryDirectory() as cache_dir:
        first = run(cache_dir)  # also builds the C runtime and the support library (GEMMs)
        for name in os.listdir(cache_dir):
            if name not in ("native", "support"):
                subprocess.run(["rm", "-rf", os.path.join(cache_dir, name)], check=True)
        cold = run(cache_dir)
        warm = run(cache_dir)
    print("2-layer MLP train step (784-512-10, loss + gradients + RMSprop updates)")
    print("(the C runtime and the GEMM support library are built once per machine: the first line)")
    for label, r in (("first use on this machine", first), ("cold (graph not cached)", cold),
                     ("warm (disk cache, new process)", warm)):
        print(f"  {label:32s} K.function {r['compile']:6.3f} s   graph build {r['build']:6.3f} s   "
              f"first call {r['first_call'] * 1e3:6.1f} ms")


if __name__ == "__main__":
    main()
