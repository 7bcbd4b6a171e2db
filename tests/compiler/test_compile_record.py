"""Compile records (compiler/compile_record.py): a graph compiled before, in this process
or an earlier one, skips its passes, and still gives the numbers of a full compile,
with its own weight caches, the constants its passes fold, and the seeds it was given."""
import os
import subprocess
import sys
import textwrap

import numpy as np

from keralite import backend as K
from keralite.compiler import compile_record
from keralite.compiler import driver


def _from_record(f):
    return "record" in f.compiled.timings


def test_the_same_graph_twice_comes_from_its_record_with_caches_of_its_own():
    x = K.placeholder((None, 6))
    w = K.variable(np.random.RandomState(0).rand(5, 6).astype("float32"))
    out = K.dot(x, K.transpose(w)) + 1.0            # a weight transform: the prologue's work
    first, second = K.function([x], [out]), K.function([x], [out])
    assert not _from_record(first) and _from_record(second)
    assert second.compiled.prologue is not None
    assert second.compiled._graph is None           # making the function ran no pass
    cache_first = {id(v) for v in first.compiled.prologue.variables}
    assert not cache_first & {id(v) for v in second.compiled.variables if v.payload is not None}
    a = np.random.RandomState(1).rand(3, 6).astype("float32")
    for f in (first, second):
        np.testing.assert_allclose(f([a])[0], a @ K.get_value(w).T + 1.0, rtol=1e-5)
    K.set_value(w, np.ones((5, 6), "float32"))      # both prologues see the write
    for f in (first, second):
        np.testing.assert_allclose(f([a])[0], a @ np.ones((6, 5)) + 1.0, rtol=1e-5)


def test_a_record_gives_the_graph_after_its_passes_on_demand():
    x = K.placeholder((None, 4))
    out = K.relu(x * 2.0 + 1.0)
    first, second = K.function([x], [out]), K.function([x], [out])
    assert _from_record(second)
    assert second.compiled.graph.listing() == first.compiled.graph.listing()


def test_folded_constants_follow_the_values_of_the_graph():
    x = K.placeholder((None, 3))
    results = []
    for scale in (1.0, 5.0):
        c = K.constant(np.arange(3, dtype="float32") * scale)
        f = K.function([x], [x + c * 2.0])                # c * 2 folds into a new constant
        assert not _from_record(f)                        # the value is part of the key
        results.append(f([np.zeros((2, 3), "float32")])[0])
    np.testing.assert_allclose(results[0], [[0, 2, 4]] * 2)
    np.testing.assert_allclose(results[1], [[0, 10, 20]] * 2)


def test_seeds_share_a_record_and_keep_their_numbers():
    shape = (4, 5)
    draws = [K.function([], [K.random_uniform(shape, seed=seed)]) for seed in (11, 12)]
    assert _from_record(draws[1])
    again = K.function([], [K.random_uniform(shape, seed=12)])
    np.testing.assert_array_equal(draws[1]([])[0], again([])[0])
    assert not np.array_equal(draws[0]([])[0], draws[1]([])[0])


def test_a_damaged_record_is_a_miss(tmp_path, monkeypatch):
    monkeypatch.setenv("KERALITE_CACHE_DIR", str(tmp_path))
    x = K.placeholder((None, 2))
    out = K.exp(x) - 3.0
    K.function([x], [out])
    driver._records.clear()
    from keralite.runtime import cache
    entries = list((tmp_path / compile_record.KIND).iterdir())
    assert entries
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:40] + b"\0garbage")
    f = K.function([x], [out])
    assert not _from_record(f)
    np.testing.assert_allclose(f([np.zeros((1, 2), "float32")])[0], [[-2.0, -2.0]])
    assert cache.get(compile_record.KIND, "not a key") is None


def test_a_record_that_does_not_fit_is_a_miss():
    x = K.placeholder((None, 2))
    graph, _ = K.execution.build_graph([x], [x * 3.0])
    compiled = driver.compile_graph(graph)
    meta, arrays = compile_record.describe(graph, compiled)
    assert compile_record.slots(meta, arrays, graph) is not None
    other, _ = K.execution.build_graph([x], [x * 3.0 + x])
    assert compile_record.slots(meta, arrays, other) is None
    meta["main"]["variables"] = [["graph", 0]]      # position 0 is not a variable
    assert compile_record.slots(meta, arrays, graph) is None
    assert compile_record.unpack(b"\x00\x01") is None


def test_a_new_process_finds_the_record(tmp_path):
    program = textwrap.dedent("""
        import numpy as np
        from keralite.models import Sequential
        from keralite.layers import Dense
        np.random.seed(0)
        model = Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(3)])
        model.compile(loss="mse", optimizer="sgd")
        x = np.linspace(0, 1, 20, dtype="float32").reshape(5, 4)
        y = np.ones((5, 3), "float32")
        print(float(model.train_on_batch(x, y)))
        print("record" in model.train_function.compiled.timings)
    """)
    env = dict(os.environ, KERALITE_CACHE_DIR=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True)
            for _ in range(2)]
    (loss0, hit0), (loss1, hit1) = (r.stdout.split() for r in runs)
    assert (hit0, hit1) == ("False", "True")
    assert loss0 == loss1      # the same numbers as the full compile of the first process


def test_settings_that_change_the_lowering_are_part_of_the_key(monkeypatch):
    x = K.placeholder((2, 8, 8, 16))
    w = K.variable(np.random.RandomState(2).rand(3, 3, 16, 16).astype("float32"))
    out = K.conv2d(x, w, padding="same")
    a = np.random.RandomState(3).rand(2, 8, 8, 16).astype("float32")
    want = K.function([x], [out])([a])[0]
    monkeypatch.setenv("KERALITE_CONV", "gemm")
    f = K.function([x], [out])
    assert not _from_record(f)
    np.testing.assert_allclose(f([a])[0], want, rtol=1e-4, atol=1e-4)
