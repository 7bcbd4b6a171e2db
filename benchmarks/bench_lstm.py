"""The model of Keras' imdb_lstm example: Embedding(20000, 128, input_length=80) ->
LSTM(128, dropout=0.2, recurrent_dropout=0.2, recurrent_activation='hard_sigmoid',
implementation=2) -> Dense(1, sigmoid), Adam, binary cross-entropy, batch 32.

Measures, each library in a process of its own (thread pools spin after a call):
- one train step (median of repeats after warm-up);
- the first result: a new process with an empty compile cache builds the model,
  compiles it and runs its first train step (import time excluded);
- LSTM inference at batch 1 (latency of predict), against ONNX Runtime when installed.

Peers (optional; each runs when importable): JAX (jit + lax.scan, a hand-written cell),
PyTorch eager and torch.compile (nn.LSTM has no hard sigmoid: a hand-written cell),
tf_keras, ONNX Runtime (inference only, its LSTM op). A peer installed in another
environment runs there when KERALITE_BENCH_PYTHON names that environment's python.

    python benchmarks/bench_lstm.py
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

BATCH, STEPS, VOCAB, EMBED, UNITS = 32, 80, 20000, 128, 128


def data(seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randint(1, VOCAB, size=(BATCH, STEPS)).astype("int32")
    y = rng.randint(0, 2, size=(BATCH, 1)).astype("float32")
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


# ------------------------------------------------------------------ keralite
def keralite_model():
    from keralite.models import Sequential
    from keralite.layers import Embedding, LSTM, Dense
    model = Sequential([Embedding(VOCAB, EMBED, input_length=STEPS),
                        LSTM(UNITS, dropout=0.2, recurrent_dropout=0.2, recurrent_activation="hard_sigmoid",
                             implementation=2),
                        Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def run_keralite():
    import keralite.models, keralite.layers  # noqa: F401,E401  (imports are not part of the first result)
    x, y = data()
    start = time.perf_counter()
    model = keralite_model()
    model.train_on_batch(x, y)
    first = time.perf_counter() - start
    step = median_time(lambda: model.train_on_batch(x, y))
    x1 = x[:1]
    model.predict(x1)
    infer = median_time(lambda: model.predict_on_batch(x1), repeat=200, warmup=10)
    return {"train": step, "first": first, "infer_b1": infer}


# ------------------------------------------------------------------ JAX
def run_jax():
    import jax
    import jax.numpy as jnp
    x, y = data()
    start = time.perf_counter()
    key = jax.random.PRNGKey(0)
    k = jax.random.split(key, 6)
    params = {"emb": jax.random.uniform(k[0], (VOCAB, EMBED), minval=-0.05, maxval=0.05),
              "w": jax.random.normal(k[1], (EMBED, 4 * UNITS)) * 0.05,
              "u": jax.random.normal(k[2], (UNITS, 4 * UNITS)) * 0.05,
              "b": jnp.zeros(4 * UNITS), "wd": jax.random.normal(k[3], (UNITS, 1)) * 0.05, "bd": jnp.zeros(1)}

    def hard_sigmoid(v):
        return jnp.clip(0.2 * v + 0.5, 0.0, 1.0)

    def loss_fn(p, xb, yb, rng):
        r1, r2 = jax.random.split(rng)
        e = p["emb"][xb]                                   # (B, T, E)
        keep_x = jax.random.bernoulli(r1, 0.8, (BATCH, EMBED)) / 0.8
        keep_h = jax.random.bernoulli(r2, 0.8, (BATCH, UNITS)) / 0.8
        proj = jnp.einsum("bte,eg->tbg", e * keep_x[:, None, :], p["w"]) + p["b"]

        def step(carry, z_x):
            h, c = carry
            z = z_x + (h * keep_h) @ p["u"]
            i, f, g, o = jnp.split(z, 4, axis=-1)
            c = hard_sigmoid(f) * c + hard_sigmoid(i) * jnp.tanh(g)
            h = hard_sigmoid(o) * jnp.tanh(c)
            return (h, c), None

        zeros = jnp.zeros((BATCH, UNITS))
        (h, _), _ = jax.lax.scan(step, (zeros, zeros), proj)
        out = jax.nn.sigmoid(h @ p["wd"] + p["bd"])
        out = jnp.clip(out, 1e-7, 1 - 1e-7)
        return -jnp.mean(yb * jnp.log(out) + (1 - yb) * jnp.log(1 - out))

    state = {n: (jnp.zeros_like(v), jnp.zeros_like(v)) for n, v in params.items()}

    @jax.jit
    def train(p, s, t, xb, yb, rng):
        loss, g = jax.value_and_grad(loss_fn)(p, xb, yb, rng)
        t = t + 1
        new_p, new_s = {}, {}
        for n in p:
            m, v = s[n]
            m = 0.9 * m + 0.1 * g[n]
            v = 0.999 * v + 0.001 * g[n] ** 2
            lr = 0.001 * jnp.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
            new_p[n] = p[n] - lr * m / (jnp.sqrt(v) + 1e-7)
            new_s[n] = (m, v)
        return new_p, new_s, t, loss

    carry = [params, state, 0.0]
    xb, yb = jnp.asarray(x), jnp.asarray(y)

    def one():
        carry[0], carry[1], carry[2], loss = train(carry[0], carry[1], carry[2], xb, yb, key)
        loss.block_until_ready()

    one()
    first = time.perf_counter() - start
    return {"train": median_time(one), "first": first}


# ------------------------------------------------------------------ ONNX Runtime (inference)
def run_onnxruntime():
    import onnx
    from onnx import helper, TensorProto
    import onnxruntime as ort
    rng = np.random.RandomState(0)
    emb = rng.uniform(-0.05, 0.05, (VOCAB, EMBED)).astype("f")
    w = (rng.randn(1, 4 * UNITS, EMBED) * 0.05).astype("f")
    r = (rng.randn(1, 4 * UNITS, UNITS) * 0.05).astype("f")
    b = np.zeros((1, 8 * UNITS), "f")
    wd = (rng.randn(UNITS, 1) * 0.05).astype("f")
    inits = [helper.make_tensor(n, TensorProto.FLOAT, a.shape, a.ravel()) for n, a in
             (("emb", emb), ("W", w), ("R", r), ("B", b), ("wd", wd))]
    nodes = [helper.make_node("Gather", ["emb", "x"], ["e"]),                       # (B, T, E)
             helper.make_node("Transpose", ["e"], ["et"], perm=[1, 0, 2]),           # (T, B, E)
             helper.make_node("LSTM", ["et", "W", "R", "B"], ["", "h", ""], hidden_size=UNITS,
                              activations=["HardSigmoid", "Tanh", "Tanh"],
                              activation_alpha=[0.2, 1.0, 1.0], activation_beta=[0.5, 0.0, 0.0]),
             helper.make_node("Squeeze", ["h", "axes"], ["h2"]),
             helper.make_node("MatMul", ["h2", "wd"], ["z"]),
             helper.make_node("Sigmoid", ["z"], ["y"])]
    inits.append(helper.make_tensor("axes", TensorProto.INT64, (1,), [0]))
    graph = helper.make_graph(nodes, "imdb_lstm", [helper.make_tensor_value_info("x", TensorProto.INT32, [1, STEPS])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    x1 = data()[0][:1]
    return {"infer_b1": median_time(lambda: session.run(None, {"x": x1}), repeat=200, warmup=10)}


# ------------------------------------------------------------------ PyTorch (eager and compiled)
def _torch_step(torch, compiled):
    nn = torch.nn
    torch.manual_seed(0)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(VOCAB, EMBED)
            self.w = nn.Linear(EMBED, 4 * UNITS)
            self.u = nn.Linear(UNITS, 4 * UNITS, bias=False)
            self.out = nn.Linear(UNITS, 1)

        def forward(self, xb):
            e = self.emb(xb)
            keep_x = torch.bernoulli(torch.full((BATCH, 1, EMBED), 0.8)) / 0.8
            keep_h = torch.bernoulli(torch.full((BATCH, UNITS), 0.8)) / 0.8
            proj = self.w(e * keep_x)
            h = torch.zeros(BATCH, UNITS)
            c = torch.zeros(BATCH, UNITS)
            for t in range(STEPS):
                z = proj[:, t] + self.u(h * keep_h)
                i, f, g, o = z.chunk(4, 1)
                c = torch.nn.functional.hardsigmoid(f) * c + torch.nn.functional.hardsigmoid(i) * torch.tanh(g)
                h = torch.nn.functional.hardsigmoid(o) * torch.tanh(c)
            return torch.sigmoid(self.out(h))

    model = Model()
    opt = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
    loss_fn = nn.BCELoss()
    forward = torch.compile(model) if compiled else model
    x, y = data()
    xb, yb = torch.from_numpy(x.astype("int64")), torch.from_numpy(y)

    def one():
        opt.zero_grad()
        loss = loss_fn(forward(xb), yb)
        loss.backward()
        opt.step()
        return loss.item()
    return one


def run_torch_eager():
    import torch
    torch.set_num_threads(2)
    start = time.perf_counter()
    one = _torch_step(torch, False)
    one()
    first = time.perf_counter() - start
    return {"train": median_time(one), "first": first}


def run_torch_compile():
    import torch
    torch.set_num_threads(2)
    start = time.perf_counter()
    one = _torch_step(torch, True)
    one()
    first = time.perf_counter() - start
    # inductor's compile workers stay busy for a while after the first call
    return {"train": median_time(one, repeat=20, warmup=15), "first": first}


def run_tf_keras():
    import tf_keras as tfk
    x, y = data()
    start = time.perf_counter()
    model = tfk.models.Sequential([tfk.layers.Embedding(VOCAB, EMBED, input_length=STEPS),
                                   tfk.layers.LSTM(UNITS, dropout=0.2, recurrent_dropout=0.2,
                                                   recurrent_activation="hard_sigmoid", implementation=2),
                                   tfk.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.train_on_batch(x, y)
    first = time.perf_counter() - start
    return {"train": median_time(lambda: model.train_on_batch(x, y)), "first": first}


PEERS = {"keralite": (None, run_keralite), "jax": ("jax", run_jax), "pytorch": ("torch", run_torch_eager),
         "torch.compile": ("torch", run_torch_compile), "tf_keras": ("tf_keras", run_tf_keras),
         "onnxruntime": ("onnxruntime", run_onnxruntime)}


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


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--only":
        print(json.dumps(PEERS[sys.argv[2]][1]()))
        return
    results = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, KERALITE_CACHE_DIR=cache)       # every process starts cold
        for name, (module, _) in PEERS.items():
            python = _interpreter(module)
            if python is None:
                continue
            proc = subprocess.run([python, __file__, "--only", name], env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{name}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"imdb_lstm (batch {BATCH}, {STEPS} steps, LSTM {UNITS}): milliseconds, medians; each in its own process")
    print(f"{'':16s} {'train step':>11s} {'first result':>13s} {'predict b1':>11s}")
    for name, r in results.items():
        cells = [f"{r[k] * 1e3:11.2f}" if k in r else f"{'-':>11s}" for k in ("train", "first", "infer_b1")]
        print(f"{name:16s} {cells[0]} {cells[1]:>13s} {cells[2]}")
    ours = results.get("keralite")
    if ours:
        for name, r in results.items():
            if name == "keralite":
                continue
            parts = [f"{what} {r[k] / ours[k]:.2f}x" for what, k in (("train", "train"), ("predict b1", "infer_b1"))
                     if k in r and k in ours]
            print(f"keralite vs {name}: " + ", ".join(parts) + " (above 1: keralite faster)")


if __name__ == "__main__":
    main()
