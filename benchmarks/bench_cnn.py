"""The model of Keras' mnist_cnn example: Conv2D(32, 3x3, relu) on 28x28x1 -> Conv2D(64,
3x3, relu) -> MaxPooling2D(2) -> Dropout(0.25) -> Flatten -> Dense(128, relu) ->
Dropout(0.5) -> Dense(10, softmax), Adadelta, categorical cross-entropy.

Measures, each library in a process of its own (thread pools spin after a call), as
medians after warm-up:
- one train step at batch 128;
- inference (predict) at batch 1 and at batch 256;
and, in the same run, the machine's FP32 FMA peak on 2 threads (a register-only FMA loop
compiled through LLVM, run on the runtime's thread pool), against which keralite's batch
256 inference is given in GFLOP/s.

Peers (optional; each runs when importable): JAX (jit, lax.conv), PyTorch eager and
torch.compile, tf_keras, ONNX Runtime (inference only, a graph built with onnx.helper).
A peer installed in another environment runs there when KERALITE_BENCH_PYTHON names that
environment's python. Every library runs `--rounds` times (default 2: the machine is
shared), round-robin, and the better median is kept.

    KERALITE_BENCH_PYTHON=/tmp/venv-torch/bin/python python benchmarks/bench_cnn.py
    python benchmarks/bench_cnn.py --only keralite       # one library, JSON
    python benchmarks/bench_cnn.py --peers keralite,keralite-im2col   # before / after

`keralite-im2col` is keralite with KERALITE_CONV=gemm: every convolution on the former
path (pad + im2col + GEMM), for a before/after comparison under the same conditions.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

TRAIN_BATCH, BIG_BATCH, ROWS, COLS, CLASSES = 128, 256, 28, 28, 10
LR, RHO, EPS = 1.0, 0.95, 1e-7      # Keras 2's Adadelta defaults (epsilon = K.epsilon())


def flops_per_image():
    """Multiply-adds x 2 of one forward pass (convolutions and dense layers)."""
    conv1 = 26 * 26 * 3 * 3 * 1 * 32
    conv2 = 24 * 24 * 3 * 3 * 32 * 64
    dense = 12 * 12 * 64 * 128 + 128 * CLASSES
    return 2 * (conv1 + conv2 + dense)


def data(batch, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.rand(batch, ROWS, COLS, 1).astype("float32")
    y = np.eye(CLASSES, dtype="float32")[rng.randint(0, CLASSES, batch)]
    return x, y


def median_time(fn, repeat=15, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _measure(train_step, predict):
    """The three figures, given a train step (on a batch of 128) and predict(x)."""
    x, y = data(TRAIN_BATCH)
    x1, xb = data(1)[0], data(BIG_BATCH)[0]
    return {"train": median_time(lambda: train_step(x, y)),
            "infer_b1": median_time(lambda: predict(x1), repeat=300, warmup=30),
            "infer_b256": median_time(lambda: predict(xb), repeat=15, warmup=3)}


# ------------------------------------------------------------------ keralite
def run_keralite():
    from keralite.models import Sequential
    from keralite.layers import Conv2D, MaxPooling2D, Dropout, Flatten, Dense
    from keralite.optimizers import Adadelta
    model = Sequential([Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(ROWS, COLS, 1)),
                        Conv2D(64, (3, 3), activation="relu"), MaxPooling2D(pool_size=(2, 2)), Dropout(0.25),
                        Flatten(), Dense(128, activation="relu"), Dropout(0.5),
                        Dense(CLASSES, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer=Adadelta(), metrics=["accuracy"])
    result = _measure(model.train_on_batch, model.predict_on_batch)
    result["peak"] = fma_peak()
    # memory: the train step's arena at batch 128 against the activations a Keras model
    # keeps for its backward pass (the input and every layer's output, float32)
    result["arena_bytes"] = model.train_function.arena_bytes()
    result["activation_bytes"] = 4 * TRAIN_BATCH * sum(
        int(np.prod(shape[1:])) for shape in [model.input_shape] + [layer.output_shape for layer in model.layers])
    return result


def fma_peak(seconds=0.3):
    """FP32 FLOP/s of a loop of independent vector FMAs on 2 threads of the runtime's pool
    (the machine's arithmetic limit: no memory traffic, no dependences between FMAs)."""
    import ctypes
    from llvmlite import ir
    from keralite.compiler.codegen import target
    from keralite.runtime import native
    lanes, chains = 16, 24          # 24 accumulators cover the FMA latency of any core
    vec = ir.VectorType(ir.FloatType(), lanes)
    i64, ptr = ir.IntType(64), ir.PointerType()
    module = ir.Module(name="fma_peak")
    fma = ir.Function(module, ir.FunctionType(vec, [vec] * 3), f"llvm.fma.v{lanes}f32")
    body = ir.Function(module, ir.FunctionType(ir.VoidType(), [ptr, i64, i64]), "fma_peak_body")
    b = ir.IRBuilder(body.append_basic_block("entry"))
    ctx = body.args[0]
    iterations = b.load(ctx, typ=i64)
    loop, done = body.append_basic_block("loop"), body.append_basic_block("done")
    start = b.block
    b.branch(loop)
    b.position_at_end(loop)
    i = b.phi(i64)
    i.add_incoming(ir.Constant(i64, 0), start)
    accs = []
    for k in range(chains):
        acc = b.phi(vec)
        acc.add_incoming(ir.Constant(vec, [float(k)] * lanes), start)
        accs.append(acc)
    scale, shift = ir.Constant(vec, [0.999] * lanes), ir.Constant(vec, [1e-3] * lanes)
    new = [b.call(fma, [acc, scale, shift]) for acc in accs]
    for acc, value in zip(accs, new):
        acc.add_incoming(value, loop)
    nxt = b.add(i, ir.Constant(i64, 1))
    i.add_incoming(nxt, loop)
    b.cbranch(b.icmp_signed("<", nxt, iterations), loop, done)
    b.position_at_end(done)
    total = new[0]
    for value in new[1:]:
        total = b.fadd(total, value)
    out = b.gep(ctx, [ir.Constant(i64, 8)], source_etype=ir.IntType(8))
    b.store(b.extract_element(total, ir.Constant(ir.IntType(32), 0)), out)
    b.ret_void()
    tm = target.target_machine()
    obj = target.emit_object(target.parse_and_optimize(str(module), tm), tm)
    address = target.load_object(obj, ["fma_peak_body"])["fma_peak_body"]
    parallel_for = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64)(
        native.symbol_address("kl_parallel_for"))
    threads = 2
    ctx_buffer = (ctypes.c_int64 * 2)()

    def run(iterations):
        ctx_buffer[0] = iterations
        began = time.perf_counter()
        parallel_for(address, ctypes.addressof(ctx_buffer), threads, 1)
        return time.perf_counter() - began

    iterations = 1 << 16
    while run(iterations) < seconds / 5:
        iterations *= 2
    best = min(run(iterations) for _ in range(5))
    return threads * iterations * chains * lanes * 2 / best


# ------------------------------------------------------------------ JAX
def run_jax():
    import jax
    import jax.numpy as jnp
    key = jax.random.PRNGKey(0)
    k = jax.random.split(key, 4)

    def glorot(rng, shape, fan_in, fan_out):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return jax.random.uniform(rng, shape, minval=-limit, maxval=limit)

    params = {"c1": glorot(k[0], (3, 3, 1, 32), 9, 288), "b1": jnp.zeros(32),
              "c2": glorot(k[1], (3, 3, 32, 64), 288, 576), "b2": jnp.zeros(64),
              "d1": glorot(k[2], (9216, 128), 9216, 128), "e1": jnp.zeros(128),
              "d2": glorot(k[3], (128, CLASSES), 128, CLASSES), "e2": jnp.zeros(CLASSES)}
    dims = ("NHWC", "HWIO", "NHWC")

    def forward(p, x, rng=None):
        h = jax.nn.relu(jax.lax.conv_general_dilated(x, p["c1"], (1, 1), "VALID", dimension_numbers=dims) + p["b1"])
        h = jax.nn.relu(jax.lax.conv_general_dilated(h, p["c2"], (1, 1), "VALID", dimension_numbers=dims) + p["b2"])
        h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        if rng is not None:
            r1, r2 = jax.random.split(rng)
            h = h * jax.random.bernoulli(r1, 0.75, h.shape) / 0.75
        h = jax.nn.relu(h.reshape(h.shape[0], -1) @ p["d1"] + p["e1"])
        if rng is not None:
            h = h * jax.random.bernoulli(r2, 0.5, h.shape) / 0.5
        return jax.nn.softmax(h @ p["d2"] + p["e2"])

    def loss_fn(p, x, y, rng):
        out = jnp.clip(forward(p, x, rng), 1e-7, 1 - 1e-7)
        return -jnp.mean(jnp.sum(y * jnp.log(out), axis=-1))

    state = {n: (jnp.zeros_like(v), jnp.zeros_like(v)) for n, v in params.items()}

    @jax.jit
    def train(p, s, x, y, rng):
        loss, g = jax.value_and_grad(loss_fn)(p, x, y, rng)
        new_p, new_s = {}, {}
        for n in p:
            acc, delta = s[n]
            acc = RHO * acc + (1 - RHO) * g[n] ** 2
            update = g[n] * jnp.sqrt(delta + EPS) / jnp.sqrt(acc + EPS)
            new_p[n] = p[n] - LR * update
            new_s[n] = (acc, RHO * delta + (1 - RHO) * update ** 2)
        return new_p, new_s, loss

    predict_jit = jax.jit(forward)
    carry = [params, state]

    def train_step(x, y):
        carry[0], carry[1], loss = train(carry[0], carry[1], jnp.asarray(x), jnp.asarray(y), key)
        loss.block_until_ready()

    def predict(x):
        return np.asarray(predict_jit(carry[0], jnp.asarray(x)))
    return _measure(train_step, predict)


# ------------------------------------------------------------------ PyTorch (eager and compiled)
def _torch_model(torch, compiled):
    nn = torch.nn
    torch.manual_seed(0)
    torch.set_num_threads(2)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(128, CLASSES))
    opt = torch.optim.Adadelta(model.parameters(), lr=LR, rho=RHO, eps=EPS)
    loss_fn = nn.CrossEntropyLoss()
    forward = torch.compile(model) if compiled else model

    def train_step(x, y):
        model.train()
        opt.zero_grad()
        loss = loss_fn(forward(torch.from_numpy(x.transpose(0, 3, 1, 2))), torch.from_numpy(y.argmax(1)))
        loss.backward()
        opt.step()
        return loss.item()

    def predict(x):
        model.eval()
        with torch.inference_mode():
            return torch.softmax(forward(torch.from_numpy(x.transpose(0, 3, 1, 2))), 1).numpy()
    return train_step, predict


def run_torch_eager():
    import torch
    return _measure(*_torch_model(torch, False))


def run_torch_compile():
    import torch
    train_step, predict = _torch_model(torch, True)
    x, y = data(TRAIN_BATCH)
    for _ in range(15):            # inductor's compile workers stay busy for a while
        train_step(x, y)
        predict(data(1)[0])
        predict(data(BIG_BATCH)[0])
    return _measure(train_step, predict)


# ------------------------------------------------------------------ tf_keras
def run_tf_keras():
    import tf_keras as tfk
    layers = tfk.layers
    model = tfk.models.Sequential([layers.Conv2D(32, (3, 3), activation="relu", input_shape=(ROWS, COLS, 1)),
                                   layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)),
                                   layers.Dropout(0.25), layers.Flatten(), layers.Dense(128, activation="relu"),
                                   layers.Dropout(0.5), layers.Dense(CLASSES, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer=tfk.optimizers.Adadelta(learning_rate=LR, rho=RHO),
                  metrics=["accuracy"])
    return _measure(model.train_on_batch, model.predict_on_batch)


# ------------------------------------------------------------------ ONNX Runtime (inference)
def run_onnxruntime():
    from onnx import helper, TensorProto
    import onnxruntime as ort
    rng = np.random.RandomState(0)
    weights = {"c1": rng.randn(32, 1, 3, 3) * 0.3, "b1": np.zeros(32), "c2": rng.randn(64, 32, 3, 3) * 0.05,
               "b2": np.zeros(64), "d1": rng.randn(9216, 128) * 0.01, "e1": np.zeros(128),
               "d2": rng.randn(128, CLASSES) * 0.1, "e2": np.zeros(CLASSES),
               "shape": np.array([-1, 9216])}
    inits = [helper.make_tensor(n, TensorProto.INT64 if n == "shape" else TensorProto.FLOAT, a.shape,
                                a.ravel().astype("int64" if n == "shape" else "float32"))
             for n, a in weights.items()]
    node = helper.make_node
    nodes = [node("Transpose", ["x"], ["xt"], perm=[0, 3, 1, 2]),          # the Keras NHWC input
             node("Conv", ["xt", "c1", "b1"], ["h1"]), node("Relu", ["h1"], ["r1"]),
             node("Conv", ["r1", "c2", "b2"], ["h2"]), node("Relu", ["h2"], ["r2"]),
             node("MaxPool", ["r2"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             node("Transpose", ["p"], ["pt"], perm=[0, 2, 3, 1]),          # Keras' flatten order
             node("Reshape", ["pt", "shape"], ["f"]),
             node("Gemm", ["f", "d1", "e1"], ["g1"]), node("Relu", ["g1"], ["r3"]),
             node("Gemm", ["r3", "d2", "e2"], ["g2"]), node("Softmax", ["g2"], ["y"], axis=1)]
    graph = helper.make_graph(nodes, "mnist_cnn",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", ROWS, COLS, 1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", CLASSES])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    x1, xb = data(1)[0], data(BIG_BATCH)[0]
    return {"infer_b1": median_time(lambda: session.run(None, {"x": x1}), repeat=300, warmup=30),
            "infer_b256": median_time(lambda: session.run(None, {"x": xb}), repeat=15, warmup=3)}


def run_keralite_im2col():
    """keralite with every convolution on the former path (pad + im2col + GEMM)."""
    os.environ["KERALITE_CONV"] = "gemm"
    return run_keralite()


PEERS = {"keralite": (None, run_keralite), "keralite-im2col": (None, run_keralite_im2col), "jax": ("jax", run_jax), "pytorch": ("torch", run_torch_eager),
         "torch.compile": ("torch", run_torch_compile), "tf_keras": ("tf_keras", run_tf_keras),
         "onnxruntime": ("onnxruntime", run_onnxruntime)}
COLUMNS = (("train", "train b128"), ("infer_b1", "predict b1"), ("infer_b256", "predict b256"))


def _interpreter(module):
    """The python that can import `module`: this one, or KERALITE_BENCH_PYTHON's; None."""
    if module is None:
        return sys.executable
    import importlib.util
    if importlib.util.find_spec(module) is not None:
        return sys.executable
    other = os.environ.get("KERALITE_BENCH_PYTHON")
    if other and subprocess.run([other, "-c", f"import {module}"], capture_output=True).returncode == 0:
        return other
    return None


def _run_once(name, python):
    proc = subprocess.run([python, __file__, "--only", name], capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"{name}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_all(names, rounds):
    """{library: figures}: every library runs once per round, the rounds one after the
    other (so on a shared machine each library meets the same spread of load), and the
    better figure of the rounds is kept (the larger peak)."""
    pythons = {name: _interpreter(PEERS[name][0]) for name in names}
    best = {}
    for _ in range(rounds):
        for name in names:
            if pythons[name] is None:
                continue
            result = _run_once(name, pythons[name])
            if result is None:
                pythons[name] = None
                best.pop(name, None)
                continue
            figures = best.setdefault(name, {})
            for key, value in result.items():
                pick = max if key == "peak" else min
                figures[key] = pick(figures.get(key, value), value)
    return best


def report(results):
    print(f"mnist_cnn: milliseconds, medians, better of the rounds; each library in its own process")
    print(f"{'':16s}" + "".join(f"{title:>14s}" for _, title in COLUMNS))
    for name, r in results.items():
        print(f"{name:16s}" + "".join(f"{r[k] * 1e3:14.3f}" if k in r else f"{'-':>14s}" for k, _ in COLUMNS))
    ours = results.get("keralite")
    if not ours:
        return
    for name, r in results.items():
        if name != "keralite":
            parts = [f"{title} {r[k] / ours[k]:.2f}x" for k, title in COLUMNS if k in r and k in ours]
            print(f"keralite vs {name}: " + ", ".join(parts) + " (above 1: keralite faster)")
    achieved = flops_per_image() * BIG_BATCH / ours["infer_b256"]
    print(f"keralite predict b256: {flops_per_image() * BIG_BATCH / 1e9:.2f} GFLOP in "
          f"{ours['infer_b256'] * 1e3:.1f} ms = {achieved / 1e9:.0f} GFLOP/s; measured FP32 FMA peak "
          f"(2 threads) {ours['peak'] / 1e9:.0f} GFLOP/s: {100 * achieved / ours['peak']:.0f}% of it")
    if "arena_bytes" in ours:
        print(f"keralite train step b{TRAIN_BATCH}: arena {ours['arena_bytes'] / 2**20:.1f} MiB for every "
              f"intermediate value; the input and layer outputs Keras keeps: "
              f"{ours['activation_bytes'] / 2**20:.1f} MiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(PEERS), help="run one library here and print its JSON")
    parser.add_argument("--rounds", type=int, default=2, help="processes per library (the better is kept)")
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated libraries to run")
    args = parser.parse_args()
    if args.only:
        print(json.dumps(PEERS[args.only][1]()))
        return
    report(run_all(args.peers.split(","), args.rounds))


if __name__ == "__main__":
    main()
