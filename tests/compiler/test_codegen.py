"""Codegen, dumps and caching: what the compiler emits and where it keeps it."""
import os
import subprocess
import sys

import numpy as np

from keralite.compiler.driver import compile_graph

from graph_helpers import graph, run

CHAIN = ("%0:f32[n0] = placeholder(dtype=float32, shape=(n0,), uid=201)\n"
         "%1:f32[] = constant(dtype=float32, shape=(), value=1.5)\n"
         "%2:f32[n0] = mul(%0, %1)\n%3:f32[n0] = tanh(%2)\n%4:f32[n0] = exp(%3)\n"
         "inputs: %0\noutputs: %4\n")


def test_fused_loop_is_vectorised(monkeypatch, capfd, tmp_path):
    monkeypatch.setenv("KERALITE_DUMP", "asm")
    compile_graph(graph(CHAIN), name="vectorised")
    err = capfd.readouterr().err
    assert "emit_object" in err
    assert "zmm" in err or "ymm" in err          # AVX-512 (or AVX2) registers
    assert "expf" not in err and "tanhf" not in err   # exp and tanh are inline polynomials


def test_dump_stages(monkeypatch, capfd):
    monkeypatch.setenv("KERALITE_DUMP", "graph,fused,llvm")
    compile_graph(graph(CHAIN), name="dumped")
    err = capfd.readouterr().err
    for title in ("01-input", "simplify", "schedule", "plan_memory", "codegen", "optimize"):
        assert title in err
    assert "define" in err and "i32 @kl_" in err


def test_dump_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("KERALITE_DUMP", "graph,fused")
    monkeypatch.setenv("KERALITE_DUMP_DIR", str(tmp_path))
    compile_graph(graph(CHAIN), name="files")
    names = sorted(os.listdir(tmp_path))
    assert names[0].startswith("files-01-input") and any("schedule" in n for n in names)


def test_results_match_numpy_for_several_batch_sizes():
    g = graph(CHAIN)
    for n in (0, 1, 7, 100_003):
        x = np.random.RandomState(n).randn(n).astype("f")
        np.testing.assert_allclose(run(g, [x])[0], np.exp(np.tanh(x * 1.5)), rtol=2e-6)


CHILD = """
import numpy as np, time
from keralite.compiler.driver import compile_graph
from keralite.compiler.parse import parse_graph
g = parse_graph('''%s''')
t = time.perf_counter()
c = compile_graph(g)
print(c.key, time.perf_counter() - t)
""" % CHAIN.replace("uid=201", "uid=7")


def _child(cache_dir):
    env = dict(os.environ, KERALITE_CACHE_DIR=str(cache_dir))
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    key, seconds = out.stdout.split()
    return key, float(seconds)


def test_disk_cache_is_used_and_corrupt_entries_rebuilt(tmp_path):
    key1, _ = _child(tmp_path)
    objects = tmp_path / "object"
    files = list(objects.iterdir())
    assert len(files) == 1
    assert oct(os.stat(tmp_path).st_mode & 0o777) == "0o700"
    key2, _ = _child(tmp_path)
    assert key1 == key2
    assert list(objects.iterdir()) == files          # nothing new written: it was a hit
    files[0].write_bytes(b"garbage")                 # a corrupt entry is ignored and rebuilt
    key3, _ = _child(tmp_path)
    assert key3 == key1
    assert files[0].read_bytes() != b"garbage"


def test_masking_next_to_a_huge_constant_keeps_the_value():
    # x + (1 - m) * -1e30 with m == 1 is x: elementwise code must not reassociate it into
    # (x - 1e30) + m * 1e30, which rounds x away (reductions may still reorder their sums)
    from keralite import backend as K
    x = K.placeholder((None, 7))
    m = K.placeholder((None, 7))
    f = K.function([x, m], [x + (1.0 - m) * (-1e30), K.sum(x * m, axis=1)])
    xv = np.full((2, 7), -3.0, "float32")
    mv = (np.arange(14).reshape(2, 7) % 3 == 0).astype("float32")
    masked, total = f([xv, mv])
    np.testing.assert_array_equal(masked, np.where(mv == 1, -3.0, -1e30).astype("float32"))
    np.testing.assert_allclose(total, (xv * mv).sum(axis=1))
