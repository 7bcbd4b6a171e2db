"""ResNet50 and MobileNet (keras.applications) at 224x224, batch 1: how long a model
takes to build, to compile and give its first prediction from an empty compile cache,
and then to predict.

    python benchmarks/bench_applications.py [--models ResNet50,MobileNet] [--runs 20]

Each model runs in a fresh Python process whose KERALITE_CACHE_DIR is a new temporary
folder, so "compile + first predict" includes everything a user meets the first time
(the graph passes, LLVM code generation, the native support libraries). Latency is the
median of `--runs` batch-1 predictions after two warm-up calls. Wall times are what a
user waits; process CPU time (children included) is the steadier figure on a shared
machine. weights=None: the timings do not depend on the weight values.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, statistics, sys, time

def cpu():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

import numpy as np
import keralite.applications as applications
from keralite.backend import execution

records = []
original = execution.compile_graph
def recording(*args, **kwargs):
    compiled = original(*args, **kwargs)
    records.append(compiled)
    return compiled
execution.compile_graph = recording

name, runs = sys.argv[1], int(sys.argv[2])
wall0, cpu0 = time.perf_counter(), cpu()
model = getattr(applications, name)(weights=None, input_shape=(224, 224, 3))
wall1, cpu1 = time.perf_counter(), cpu()
records.clear()
image = applications.imagenet_utils.preprocess_input(
    np.random.RandomState(0).uniform(0, 255, (1, 224, 224, 3)).astype("float32"), mode="tf")
prediction = model.predict(image)
wall2, cpu2 = time.perf_counter(), cpu()
stages = {}
for compiled in records:
    for stage, seconds in compiled.timings.items():
        stages[stage] = stages.get(stage, 0.0) + seconds
for _ in range(2):
    model.predict(image)
latencies = []
for _ in range(runs):
    start = time.perf_counter()
    model.predict(image)
    latencies.append(time.perf_counter() - start)
print(json.dumps({"params": model.count_params(), "build": [wall1 - wall0, cpu1 - cpu0],
                  "first": [wall2 - wall1, cpu2 - cpu1], "stages": stages,
                  "latency_median": statistics.median(latencies), "latency_min": min(latencies),
                  "finite": bool(np.isfinite(prediction).all())}))
"""


def run_model(name, runs):
    cache_dir = tempfile.mkdtemp(prefix="keralite-bench-apps-")
    env = dict(os.environ, KERALITE_CACHE_DIR=cache_dir)
    try:
        result = subprocess.run([sys.executable, "-c", CHILD, name, str(runs)], env=env, capture_output=True,
                                text=True, check=False)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    if result.returncode != 0:
        raise RuntimeError(name + " failed:\n" + result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="ResNet50,MobileNet")
    parser.add_argument("--runs", type=int, default=20, help="timed batch-1 predictions per model")
    args = parser.parse_args()
    print("model        params      build s (cpu)    compile+first predict s (cpu)   "
          "batch-1 latency ms (median / min)")
    for name in args.models.split(","):
        record = run_model(name, args.runs)
        print("%-11s %11d   %6.2f (%6.2f)      %8.1f (%8.1f)               %8.2f / %.2f" % (
            name, record["params"], record["build"][0], record["build"][1], record["first"][0],
            record["first"][1], record["latency_median"] * 1e3, record["latency_min"] * 1e3))
        stages = sorted(record["stages"].items(), key=lambda item: -item[1])[:6]
        print("    compile stages (wall s): " + ", ".join("%s %.1f" % item for item in stages))
        if not record["finite"]:
            print("    WARNING: the prediction has non-finite values")


if __name__ == "__main__":
    main()
