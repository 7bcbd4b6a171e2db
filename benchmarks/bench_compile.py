"""Time to first result: how long a new process takes from a model's code to its first
answer, and where that time goes.

    python benchmarks/bench_compile.py [--repeat N] [--workloads mlp_predict,mlp_train,cnn_train]

Workloads are Keras' mnist_mlp (784-512-512-10, dropout, RMSprop) first predict and
first train step, and Keras' mnist_cnn (Conv2D 32 -> Conv2D 64 -> MaxPool -> Dropout ->
Flatten -> Dense 128 -> Dropout -> Dense 10, Adadelta) first train step. Each runs in a
fresh Python process, in three states of the disk cache:

- first use: an empty cache (the C runtime and the GEMM support library are built too);
- cold: the support libraries are built, the graph is new (the state a user meets when
  running a new model on a machine where keralite ran before);
- warm: the graph's code is on disk from an earlier process.

The breakdown sums `CompiledGraph.timings` over every graph compiled for the step (the
train function, initialisers, folded constants...): graph passes (every stage up to the
memory plan), IR emission (codegen), LLVM optimisation, object emission and JIT loading.
Wall time is what a user waits; process CPU time (children included) is what the
compile costs, and is the steadier figure on a shared machine. Import time is measured
with and without bytecode writing (a CI machine writes bytecode; PYTHONDONTWRITEBYTECODE
changes what a first import costs).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = r"""
import json, os, resource, sys, time

def cpu():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

wall0, cpu0 = time.perf_counter(), cpu()
import numpy as np
import keralite
from keralite import backend as K
from keralite.backend import execution
wall1, cpu1 = time.perf_counter(), cpu()

records = []
original = execution.compile_graph
def recording(*args, **kwargs):
    compiled = original(*args, **kwargs)
    records.append(compiled)
    return compiled
execution.compile_graph = recording

def mlp():
    from keralite.models import Sequential
    from keralite.layers import Dense, Dropout
    model = Sequential([Dense(512, activation="relu", input_shape=(784,)), Dropout(0.2),
                        Dense(512, activation="relu"), Dropout(0.2), Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model, np.random.rand(128, 784).astype("float32"), np.eye(10, dtype="float32")[np.arange(128) % 10]

def cnn():
    from keralite.models import Sequential
    from keralite.layers import Conv2D, MaxPooling2D, Dropout, Flatten, Dense
    from keralite.optimizers import Adadelta
    model = Sequential([Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(28, 28, 1)),
                        Conv2D(64, (3, 3), activation="relu"), MaxPooling2D(pool_size=(2, 2)), Dropout(0.25),
                        Flatten(), Dense(128, activation="relu"), Dropout(0.5), Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer=Adadelta(), metrics=["accuracy"])
    return model, np.random.rand(128, 28, 28, 1).astype("float32"), np.eye(10, dtype="float32")[np.arange(128) % 10]

workload = sys.argv[1]
model, x, y = (cnn if workload.startswith("cnn") else mlp)()
wall2, cpu2 = time.perf_counter(), cpu()
if workload.endswith("predict"):
    model.predict_on_batch(x)
else:
    model.train_on_batch(x, y)
wall3, cpu3 = time.perf_counter(), cpu()
stages, cpu_stages = {}, {}
for compiled in records:
    for total, timings in ((stages, compiled.timings), (cpu_stages, compiled.cpu_timings)):
        for name, seconds in timings.items():
            total[name] = total.get(name, 0.0) + seconds
print(json.dumps({"import": [wall1 - wall0, cpu1 - cpu0], "build": [wall2 - wall1, cpu2 - cpu1],
                  "first": [wall3 - wall2, cpu3 - cpu2], "stages": stages, "cpu_stages": cpu_stages, "graphs": len(records)}))
"""

IMPORT = r"""
import time
t0, c0 = time.perf_counter(), time.process_time()
import keralite.backend, keralite.models, keralite.layers
print(time.perf_counter() - t0, time.process_time() - c0)
"""

# Stages of driver.PIPELINE grouped as the report shows them; anything else is a pass.
GROUPS = [("passes", None), ("codegen", ("codegen",)), ("optimize", ("optimize",)),
          ("emit", ("emit_object",)), ("load", ("load",))]


def grouped(stages):
    out = {name: 0.0 for name, _ in GROUPS}
    named = {s for _, members in GROUPS if members for s in members}
    for stage, seconds in stages.items():
        for name, members in GROUPS:
            if members and stage in members:
                out[name] += seconds
                break
        else:
            if stage not in named:
                out["passes"] += seconds
    return out


def child(workload, cache_dir, extra_env):
    env = dict(os.environ, KERALITE_CACHE_DIR=cache_dir, **(extra_env or {}))
    out = subprocess.run([sys.executable, "-c", CHILD, workload], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{workload} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def drop_graph_entries(cache_dir):
    """Keep the C runtime and the support library, forget every graph's code."""
    for name in os.listdir(cache_dir):
        if name not in ("native", "support"):
            shutil.rmtree(os.path.join(cache_dir, name), ignore_errors=True)


def import_time(bytecode, extra_env):
    """Wall and CPU seconds of `import keralite` in a new process whose bytecode cache
    is empty; with `bytecode` the interpreter writes .pyc files (then a second import is
    measured, as every later process meets it)."""
    with tempfile.TemporaryDirectory() as prefix:
        env = dict(os.environ, PYTHONPYCACHEPREFIX=prefix, **extra_env)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if not bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        runs = []
        for _ in range(2 if bytecode else 1):
            out = subprocess.run([sys.executable, "-c", IMPORT], env=env, capture_output=True, text=True,
                                 check=True)
            runs.append([float(v) for v in out.stdout.split()])
        return runs


def line(label, r):
    wall, cpu = grouped(r["stages"]), grouped(r["cpu_stages"])
    first = r["first"]
    return (f"  {label:6s} {first[0]:7.3f} {first[1]:7.3f}  " +
            " ".join(f"{f'{wall[name] * 1e3:.0f}/{cpu[name] * 1e3:.0f}':>10s}" for name, _ in GROUPS) +
            f"  {r['graphs']:3d}")


def median_run(runs):
    """The run whose first-result CPU time is the median."""
    return sorted(runs, key=lambda r: r["first"][1])[len(runs) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per state (the median is shown)")
    parser.add_argument("--workloads", default="mlp_predict,mlp_train,cnn_train")
    parser.add_argument("--json", help="also write the raw figures to this file")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="set in every measured process, e.g. KERALITE_KERNEL_CACHE=0 (each graph one "
                             "module, as before kernels were cached one by one)")
    args = parser.parse_args()
    extra_env = dict(item.split("=", 1) for item in args.env)
    workloads = args.workloads.split(",")
    results = {}
    with tempfile.TemporaryDirectory() as cache_dir:
        results["first use"] = {"mlp_predict": child("mlp_predict", cache_dir, extra_env)}
        failed = {}
        for workload in workloads:
            cold, warm = [], []
            try:
                for _ in range(args.repeat):
                    drop_graph_entries(cache_dir)
                    cold.append(child(workload, cache_dir, extra_env))
                    warm.append(child(workload, cache_dir, extra_env))
            except RuntimeError as exc:     # one broken workload does not hide the others
                failed[workload] = str(exc).strip().splitlines()[-1]
                continue
            results.setdefault("cold", {})[workload] = median_run(cold)
            results.setdefault("warm", {})[workload] = median_run(warm)
    imports = {"no bytecode": import_time(False, extra_env), "bytecode (1st, 2nd)": import_time(True, extra_env)}
    print("Time to first result, each in a new process: seconds wall and CPU; per stage ms wall/CPU, "
          "summed over every graph compiled for the step")
    header = f"  {'':6s} {'wall':>7s} {'cpu':>7s}  " + " ".join(f"{n:>10s}" for n, _ in GROUPS) + "  graphs"
    r = results["first use"]["mlp_predict"]
    print(f"first use on this machine (empty cache): import {r['import'][0]:.3f} s, model {r['build'][0]:.3f} s, "
          f"first MLP predict {r['first'][0]:.3f} s wall / {r['first'][1]:.3f} s CPU; "
          f"import + first predict {r['import'][0] + r['build'][0] + r['first'][0]:.3f} s")
    for workload in workloads:
        if workload in failed:
            print(f"{workload}: FAILED ({failed[workload]})")
            continue
        print(f"{workload}:")
        print(header)
        for state in ("cold", "warm"):
            print(line(state, results[state][workload]))
    for label, runs in imports.items():
        print(f"import keralite, {label}: " + ", ".join(f"{w:.3f} s wall / {c:.3f} s CPU" for w, c in runs))
    if args.json:
        from keralite.utils.io_utils import atomic_path
        with atomic_path(args.json) as path, open(path, "w") as f:
            json.dump({"results": results, "imports": imports}, f, indent=1)


if __name__ == "__main__":
    main()
