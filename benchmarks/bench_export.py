"""The exported MLP of Keras' mnist_mlp example (784-512-512-10, relu, softmax): predict
latency at batch 1 and 256, called from C (examples/c/run_model.c) and from Python through
keralite.runtime.load_library, against ONNX Runtime on the same weights (the ONNX graph is
written by hand with the onnx package) and keralite's own JIT, in one run, as ratios.

    python benchmarks/bench_export.py [--threads N] [--target host|x86-64|x86-64-v3|x86-64-v4]

Every runner gets the same thread count (default: every CPU). Timings are the best of
several rounds, the runners interleaved, so a busy machine hurts them alike.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _timing import best_time, optional  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCHES = (1, 256)
CALLS = {1: 400, 256: 10}


def keralite_model():
    from keralite.models import Sequential
    from keralite.layers import Dense, Dropout
    np.random.seed(0)
    return Sequential([Dense(512, activation="relu", input_shape=(784,)), Dropout(0.2),
                       Dense(512, activation="relu"), Dropout(0.2), Dense(10, activation="softmax")])


def onnx_session(model, threads):
    """An ONNX Runtime session of the same MLP: Gemm/Relu x2, Gemm, Softmax."""
    onnx = optional("onnx")
    ort = optional("onnxruntime")
    if onnx is None or ort is None:
        return None
    from onnx import TensorProto, helper, numpy_helper
    weights = model.get_weights()
    nodes, initializers, previous = [], [], "x"
    for i in range(3):
        kernel, bias = weights[2 * i], weights[2 * i + 1]
        initializers += [numpy_helper.from_array(kernel, f"w{i}"), numpy_helper.from_array(bias, f"b{i}")]
        nodes.append(helper.make_node("Gemm", [previous, f"w{i}", f"b{i}"], [f"h{i}"]))
        if i < 2:
            nodes.append(helper.make_node("Relu", [f"h{i}"], [f"r{i}"]))
            previous = f"r{i}"
    nodes.append(helper.make_node("Softmax", ["h2"], ["y"], axis=-1))
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 784])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 10])], initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    proto.ir_version = 8
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session, ort.__version__


def build_c_runner(export_dir, name, out):
    examples = os.path.join(REPO, "examples", "c")
    subprocess.run(["cc", "-O2", f"-DMODEL={name}", "-I", export_dir, "-I", examples,
                    os.path.join(examples, "run_model.c"), "-L", export_dir, f"-l{name}",
                    f"-Wl,-rpath,{export_dir}", "-lm", "-pthread", "-o", out], check=True)
    return out


def c_latency(runner, x_path, calls, threads):
    proc = subprocess.run([runner, x_path, "--bench", str(calls), "--threads", str(threads)],
                          capture_output=True, text=True, check=True)
    return float(re.search(r"latency_us: ([0-9.]+)", proc.stdout).group(1)) * 1e-6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--target", default="host")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    threads = args.threads
    os.environ["KERALITE_NUM_THREADS"] = str(threads)   # keralite's JIT pool

    from keralite.export import export_model
    from keralite.runtime import load_library
    model = keralite_model()
    work = tempfile.mkdtemp(prefix="keralite-bench-export-")
    start = time.perf_counter()
    export = export_model(model, work, name="mlp", target=args.target)
    seconds = time.perf_counter() - start
    size = os.path.getsize(export.library)
    print(f"export: {seconds:.2f} s (LLVM {export.seconds['compile']:.2f} s, cc {export.seconds['build']:.2f} s), "
          f"libmlp.so {size / 1e6:.2f} MB, target {args.target}; {threads} thread(s)")

    lib = load_library(work, num_threads=threads)
    runner = build_c_runner(work, "mlp", os.path.join(work, "run_model"))
    model._make_predict_function()
    jit = model.predict_function
    ort = onnx_session(model, threads)

    rng = np.random.RandomState(0)
    inputs = {b: rng.rand(b, 784).astype("float32") for b in BATCHES}
    paths = {}
    for b, x in inputs.items():
        paths[b] = os.path.join(work, f"x{b}.npy")
        np.save(paths[b], x)
        want = model.predict(x, batch_size=b)
        np.testing.assert_allclose(lib.predict(x), want, rtol=0, atol=1e-6)
        if ort is not None:
            np.testing.assert_allclose(ort[0].run(None, {"x": x})[0], want, rtol=1e-4, atol=1e-5)

    runners = {
        "export, from C": lambda b: c_latency(runner, paths[b], CALLS[b], threads),
        "export, load_library": lambda b: best_time(lambda: lib.predict(inputs[b]), repeat=5, number=CALLS[b]),
        "keralite JIT (K.function)": lambda b: best_time(lambda: jit([inputs[b]]), repeat=5, number=CALLS[b]),
    }
    if ort is not None:
        runners[f"onnxruntime {ort[1]} (Python)"] = \
            lambda b: best_time(lambda: ort[0].run(None, {"x": inputs[b]}), repeat=5, number=CALLS[b])
    else:
        print("onnxruntime / onnx not installed (pip install onnxruntime onnx): no ONNX Runtime column")
    best = {(name, b): float("inf") for name in runners for b in BATCHES}
    for _ in range(args.rounds):
        for b in BATCHES:
            for name, run in runners.items():
                best[name, b] = min(best[name, b], run(b))

    ort_name = next((n for n in runners if n.startswith("onnxruntime")), None)
    header = f"{'latency (us)':32s}" + "".join(f"{f'batch {b}':>14s}" for b in BATCHES)
    if ort_name:
        header += "".join(f"{f'ort/this b{b}':>14s}" for b in BATCHES)
    print(header)
    for name in runners:
        row = f"{name:32s}" + "".join(f"{best[name, b] * 1e6:14.1f}" for b in BATCHES)
        if ort_name:
            row += "".join(f"{best[ort_name, b] / best[name, b]:13.2f}x" for b in BATCHES)
        print(row)
    if ort_name:
        print("ort/this > 1: faster than ONNX Runtime. ONNX Runtime is timed through its Python API, "
              "so compare it with load_library; 'from C' has no Python in the call.")


if __name__ == "__main__":
    main()
