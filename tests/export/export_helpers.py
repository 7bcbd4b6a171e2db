"""Helpers of the export tests: the models, building the C examples against an export,
reading what they print."""
import os
import subprocess
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES_C = os.path.join(REPO, "examples", "c")
FIXTURE_DIRS = [os.path.join(REPO, "tests", "data", "keras-h5"), "/work/shared/fixtures/keras-h5"]


def mlp_model(seed=0):
    """The MLP of Keras' mnist_mlp example, smaller: Dense/Dropout, softmax."""
    from keralite.models import Sequential
    from keralite.layers import Dense, Dropout
    np.random.seed(seed)
    return Sequential([Dense(48, activation="relu", input_shape=(20,)), Dropout(0.3),
                       Dense(40, activation="relu"), Dropout(0.3), Dense(10, activation="softmax")])


def multi_io_model(seed=0):
    """Two inputs, three outputs: one mixes both inputs, one depends on the second only."""
    from keralite.layers import Input, Dense, Dropout, Activation, Lambda
    from keralite.models import Model
    np.random.seed(seed)
    image = Input((12,), name="image")
    meta = Input((5,), name="meta")
    h = Dense(16, activation="relu")(image)
    g = Dense(16, activation="tanh")(meta)
    mixed = Lambda(lambda t: t[0] * t[1] + t[0])([h, g])
    label = Dense(3, activation="softmax", name="label")(mixed)
    score = Dense(1, name="score")(Dropout(0.5)(mixed))
    gate = Activation("sigmoid", name="gate")(g)
    return Model([image, meta], [label, score, gate])


def random_inputs(model_inputs, batch, seed=0):
    """Float32 arrays for the inputs described by load_library metadata."""
    rng = np.random.RandomState(seed)
    return [rng.randn(batch, *[d for d in t["shape"][1:]]).astype("float32") for t in model_inputs]


def as_list(y):
    return y if isinstance(y, list) else [y]


def build_c(export_dir, name, program, out, static=False, extra=()):
    """Compile examples/c/PROGRAM.c against the export NAME in export_dir; its path."""
    cmd = ["cc", "-O1", "-Wall", "-Werror", f"-DMODEL={name}", "-I", export_dir, "-I", EXAMPLES_C,
           os.path.join(EXAMPLES_C, f"{program}.c")]
    if static:
        cmd += [os.path.join(export_dir, f"{name}.o")]
    else:
        cmd += ["-L", export_dir, f"-l{name}", f"-Wl,-rpath,{export_dir}"]
    cmd += ["-lm", "-pthread", "-o", str(out), *extra]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return str(out)


def run_c(binary, *args, timeout=120, check=True):
    proc = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{binary} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def parse_outputs(stdout):
    """The arrays run_model prints: 'output K NAME shape (...)' then one line per item."""
    outputs, rows = [], None
    for line in stdout.splitlines():
        if line.startswith("output "):
            rows = []
            outputs.append(rows)
        elif rows is not None and line.strip():
            rows.append([float(v) for v in line.split()])
    return [np.array(r, dtype=np.float64) for r in outputs]


def save_inputs(directory, arrays, prefix="x"):
    paths = []
    for k, a in enumerate(arrays):
        path = os.path.join(str(directory), f"{prefix}{k}.npy")
        np.save(path, a)
        paths.append(path)
    return paths


def fixture_files():
    """The Keras 2 .h5 fixtures (name -> path), from tests/data or the shared copy."""
    for d in FIXTURE_DIRS:
        if os.path.isdir(d):
            names = sorted(f[:-3] for f in os.listdir(d) if f.endswith(".h5"))
            if names:
                return {n: os.path.join(d, n + ".h5") for n in names}
    return {}


def python_command(code):
    return [sys.executable, "-c", code]


def gather_model():
    """An int32 input indexing a constant table (an array constant of the graph, which the
    graph checks at run time), and a bool output."""
    from keralite import backend as K
    from keralite.layers import Input, Lambda, Flatten, Dense
    from keralite.models import Model
    np.random.seed(2)
    table = np.arange(20, dtype="float32").reshape(10, 2) / 7.0
    ids = Input((3,), dtype="int32", name="ids")
    rows = Lambda(lambda t: K.gather(K.constant(table), t), output_shape=(3, 2))(ids)
    flat = Flatten()(rows)
    big = Lambda(lambda t: K.greater(t, 1.0), name="big")(flat)
    return Model(ids, [Dense(4, name="dense_out")(flat), big])
