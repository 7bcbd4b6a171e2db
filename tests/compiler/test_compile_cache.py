"""Kernels compiled one text at a time (codegen/portable.py, kernel_cache.py) and on two
cores (codegen/forked.py): the same numbers as a graph compiled as one module, a kernel
shared by two graphs (or two sizes) compiled once, on disk for the next process with
the cache's trust checks, and a failing second process that costs only its share."""
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from keralite import backend as K
from keralite.compiler import driver
from keralite.compiler.codegen import forked, kernel_cache, target

RNG = np.random.RandomState(7)


def _unique():
    """A constant no other test (or earlier run) put in a kernel: fresh kernel texts."""
    return float(np.float32(1.0 + (time.time_ns() % 1_000_003) / 1e7))


def _model_function(c, w0):
    x = K.placeholder((None, 13))
    w = K.variable(w0)
    acc = K.variable(np.zeros((13, 6), "float32"))
    h = K.relu(K.dot(x, w) + c)
    loss = K.mean(K.square(h)) + K.sum(K.exp(-x * c), axis=None) * 1e-3
    grad = K.gradients(loss, [w])[0]
    new_acc = 0.9 * acc + 0.1 * K.square(grad)
    updates = [K.update(acc, new_acc), K.update(w, w - 0.01 * grad / (K.sqrt(new_acc) + 1e-7))]
    outputs = [loss, K.softmax(h), K.sum(x, axis=0), K.max(h, axis=1)]
    return K.function([x], outputs, updates=updates), w


def _run(monkeypatch, split, c, x, w0):
    monkeypatch.setenv("KERALITE_KERNEL_CACHE", "1" if split else "0")
    f, w = _model_function(c, w0)
    outs = [f([x]) for _ in range(3)]
    return outs, K.get_value(w), f.compiled


def test_split_kernels_give_the_numbers_of_one_module(monkeypatch):
    c = _unique()
    x = RNG.rand(29, 13).astype("float32")
    w0 = RNG.randn(13, 6).astype("float32")
    split, w_split, compiled_split = _run(monkeypatch, True, c, x, w0)
    whole, w_whole, compiled_whole = _run(monkeypatch, False, c, x, w0)
    assert compiled_split.kernels and not compiled_whole.kernels
    for a_step, b_step in zip(split, whole):
        for a, b in zip(a_step, b_step):
            # the same kernel IR; LLVM may contract a multiply-add differently per module
            np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(w_split, w_whole, rtol=2e-6, atol=1e-7)


def test_a_kernel_is_compiled_once_for_two_graphs_and_two_sizes():
    c = _unique()
    a = K.placeholder((5, 7))
    b = K.placeholder((11, 3))
    # one elementwise chain at two sizes in one graph: one kernel text
    f = K.function([a, b], [K.tanh(a * c) + 1.0, K.tanh(b * c) + 1.0])
    assert len(f.compiled.kernels) == 1
    (shared, batch), = f.compiled.kernels
    memory_before = kernel_cache.stats["memory"]
    # another graph with that kernel takes it as compiled (same batch: not compiled again)
    g = K.function([b], [K.tanh(b * c) + 1.0, K.sum(b)])
    assert [shared, batch] in g.compiled.kernels and len(g.compiled.kernels) == 2
    assert kernel_cache.stats["memory"] > memory_before
    av, bv = RNG.rand(5, 7).astype("float32"), RNG.rand(11, 3).astype("float32")
    out_a, out_b = f([av, bv])
    np.testing.assert_allclose(out_a, np.tanh(av * np.float32(c)) + 1, rtol=2e-6)
    np.testing.assert_allclose(out_b, np.tanh(bv * np.float32(c)) + 1, rtol=2e-6)
    np.testing.assert_allclose(g([bv])[1], bv.sum(), rtol=1e-5)


CHILD = r"""
import json, sys
import numpy as np
from keralite import backend as K
from keralite.compiler.codegen import kernel_cache
c, which = float(sys.argv[1]), sys.argv[2]
x, y = K.placeholder((None, 9)), K.placeholder((None, 4))
outs = [K.exp(x * c) - 1.0, K.sum(K.square(x * c), axis=1)]
if which == "second":
    outs.append(K.relu(y - c))      # a new graph that shares its other kernels with the first
f = K.function([x, y], outs)
xv = np.linspace(-1, 1, 27, dtype="float32").reshape(3, 9)
got = f([xv, np.ones((3, 4), "float32")])
ok = np.allclose(got[0], np.exp(xv * np.float32(c)) - 1, rtol=2e-6) and \
    np.allclose(got[1], (np.square(xv * np.float32(c))).sum(1), rtol=2e-6)
print(json.dumps({"ok": bool(ok), "stats": kernel_cache.stats, "kernels": f.compiled.kernels}))
"""


def _child(cache_dir, c, which):
    env = dict(os.environ, KERALITE_CACHE_DIR=str(cache_dir))
    out = subprocess.run([sys.executable, "-c", CHILD, repr(c), which], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    import json
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_kernels_on_disk_serve_a_new_graph_in_a_new_process(tmp_path):
    c = _unique()
    first = _child(tmp_path, c, "first")
    assert first["ok"] and first["stats"]["disk"] == 0 and first["stats"]["compiled"] >= 2
    second = _child(tmp_path, c, "second")
    assert second["ok"]
    # what it shares came from disk (one index entry leads to the batch holding both)
    assert second["stats"]["disk"] >= 1
    assert second["stats"]["disk"] + second["stats"]["memory"] == len(first["kernels"])
    assert second["stats"]["compiled"] == len(second["kernels"]) - len(first["kernels"]) == 1
    batches = list((tmp_path / "kernels").iterdir())
    assert batches and all(oct(p.stat().st_mode & 0o777) == "0o600" for p in batches)


def test_damaged_or_planted_kernel_entries_are_rebuilt_not_loaded(tmp_path):
    c = _unique()
    assert _child(tmp_path, c, "first")["ok"]
    batches = sorted((tmp_path / "kernels").iterdir())
    index = sorted((tmp_path / "kernel").iterdir())
    # every batch damaged (bad digest), every index entry replaced by a link to a copy
    for batch in batches:
        batch.write_bytes(batch.read_bytes()[:-9] + b"corrupted")
    for k, entry in enumerate(index):
        copy = tmp_path / f"elsewhere{k}"
        copy.write_bytes(entry.read_bytes())
        entry.unlink()
        entry.symlink_to(copy)
    again = _child(tmp_path, c, "first")
    assert again["ok"]
    assert again["stats"]["compiled"] == len(again["kernels"]) and again["stats"]["disk"] == 0
    assert not any(entry.is_symlink() for entry in index)
    assert not any(batch.read_bytes().endswith(b"corrupted") for batch in batches if batch.exists())


def _two_kernel_function(c):
    """A function whose graph has two kernels (so a share can go to a child)."""
    x = K.placeholder((None, 8))
    f = K.function([x], [K.exp(x * c), K.sqrt(K.abs(x) + c)])
    return f


def test_forked_compile_matches_in_process_compile():
    texts = [_LOOP % (name, scale) for name, scale in (("ka", 2.0), ("kb", 3.0))]
    tm = target.target_machine()
    job = forked.ForkedCompile(texts, tm)
    assert job.pid is not None
    obj = job.result()
    assert obj == target.emit_object(target.link_and_optimize(texts, tm), tm)
    assert job.pid is None                    # reaped


_LOOP = """
define void @"%s"(ptr %%out, ptr %%in, i64 %%n) {
entry:
  br label %%head
head:
  %%i = phi i64 [0, %%entry], [%%next, %%body]
  %%more = icmp slt i64 %%i, %%n
  br i1 %%more, label %%body, label %%done
body:
  %%src = getelementptr float, ptr %%in, i64 %%i
  %%v = load float, ptr %%src
  %%w = fmul float %%v, %s
  %%dst = getelementptr float, ptr %%out, i64 %%i
  store float %%w, ptr %%dst
  %%next = add i64 %%i, 1
  br label %%head
done:
  ret void
}
"""


def _gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_failing_child_falls_back_and_is_reaped(monkeypatch):
    def crash(texts, tm):
        raise RuntimeError("simulated compile failure in the child")
    monkeypatch.setattr(forked, "_compile_in_child", crash)
    job = forked.ForkedCompile([_LOOP % ("kc", 4.0)], target.target_machine())
    pid = job.pid
    assert job.result() is None and _gone(pid)


def test_a_late_child_is_killed_and_reaped(monkeypatch):
    monkeypatch.setattr(forked, "_compile_in_child", lambda texts, tm: time.sleep(60) or b"x")
    job = forked.ForkedCompile([_LOOP % ("kd", 5.0)], target.target_machine())
    pid = job.pid
    began = time.monotonic()
    assert job.result(timeout=0.5) is None
    assert time.monotonic() - began < 10 and _gone(pid)


@pytest.mark.parametrize("failure", ["child", "fork"])
def test_graph_compiles_when_the_second_process_fails(monkeypatch, failure):
    monkeypatch.setenv("KERALITE_KERNEL_CACHE", "1")
    monkeypatch.setenv("KERALITE_PARALLEL_COMPILE", "1")
    monkeypatch.setattr(forked, "MIN_TEXT", 0)      # fork even for this small graph
    if failure == "child":
        def crash(texts, tm):
            raise RuntimeError("simulated compile failure in the child")
        monkeypatch.setattr(forked, "_compile_in_child", crash)
    else:
        def refuse():
            raise OSError("simulated: fork refused")
        monkeypatch.setattr(forked.os, "fork", refuse)
    started, fell_back = forked.stats["forked"], forked.stats["fell_back"]
    c = _unique()
    f = _two_kernel_function(c)
    if failure == "child":
        assert forked.stats["forked"] == started + 1 and forked.stats["fell_back"] == fell_back + 1
    else:
        assert forked.stats["forked"] == started
    xv = RNG.rand(4, 8).astype("float32")
    a, b = f([xv])
    np.testing.assert_allclose(a, np.exp(xv * np.float32(c)), rtol=2e-6)
    np.testing.assert_allclose(b, np.sqrt(np.abs(xv) + np.float32(c)), rtol=2e-6)


def test_parallel_compile_is_on_with_two_cpus_unless_turned_off(monkeypatch):
    monkeypatch.delenv("KERALITE_PARALLEL_COMPILE", raising=False)
    monkeypatch.setattr(forked.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert forked.enabled() == hasattr(os, "fork")
    monkeypatch.setattr(forked.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert not forked.enabled()
    monkeypatch.setattr(forked.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    for off in ("0", "false", "off"):
        monkeypatch.setenv("KERALITE_PARALLEL_COMPILE", off)
        assert not forked.enabled()
        assert forked.compile_later(["x" * forked.MIN_TEXT], target.target_machine()) is None


def test_a_forked_share_is_used_when_it_succeeds(monkeypatch):
    monkeypatch.setenv("KERALITE_KERNEL_CACHE", "1")
    monkeypatch.setenv("KERALITE_PARALLEL_COMPILE", "1")
    monkeypatch.setattr(forked, "MIN_TEXT", 0)
    started, fell_back = forked.stats["forked"], forked.stats["fell_back"]
    c = _unique()
    f = _two_kernel_function(c)
    assert forked.stats["forked"] == started + 1 and forked.stats["fell_back"] == fell_back
    xv = RNG.rand(3, 8).astype("float32")
    np.testing.assert_allclose(f([xv])[0], np.exp(xv * np.float32(c)), rtol=2e-6)


def test_export_keeps_every_kernel_in_one_object():
    from keralite.backend.execution import build_graph
    x = K.placeholder((None, 6))
    graph, _ = build_graph([x], [K.tanh(x) * 2.0])
    compiled = driver.compile_graph(graph, name="export_like", jit=False)
    assert compiled.kernels == [] and compiled.obj[:4] == b"\x7fELF"


def test_memory_routines_llvm_may_call_are_resolvable():
    # LLVM rewrites a zero-filling loop into a memset call; unresolved, the JIT would
    # call address 0 (a kernel compiled without vectorisation did, before this)
    import llvmlite.binding as llvm
    from keralite.compiler.codegen import support
    support.ensure_runtime()
    for name in ("memset", "memcpy", "memmove"):
        assert llvm.address_of_symbol(name)


def test_a_process_ending_during_the_first_use_build_exits_cleanly(tmp_path):
    """On first use the support library builds on a thread started at import; a program
    that ends meanwhile must wait for it (a process ending inside LLVM crashed), and the
    library is then in the cache."""
    for attempt in range(3):
        cache_dir = tmp_path / f"cache{attempt}"
        env = dict(os.environ, KERALITE_CACHE_DIR=str(cache_dir), HOME=str(tmp_path))
        done = subprocess.run([sys.executable, "-c", "from keralite import backend"], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        assert any((cache_dir / "support").iterdir())


_WITH_MATMUL = """
import numpy as np
from keralite import backend as K
x = K.placeholder((None, 5))
w = K.variable(np.ones((5, 3)))
out = K.function([x], [K.dot(x, w), K.sum(x * 3.0, axis=1)])([np.ones((2, 5))])
assert np.allclose(out[1], 15.0), out
"""

_WITHOUT_MATMUL = """
import numpy as np
from keralite import backend as K
from keralite.compiler.codegen import kernel_cache
x = K.placeholder((None, 5))
out = K.function([x], [K.sum(x * 3.0, axis=1)])([np.ones((2, 5))])
assert np.allclose(out[0], 15.0), out
assert kernel_cache.stats["disk"] >= 1, kernel_cache.stats      # the kernel came from the first batch
print("ok")
"""


def test_a_kernel_reused_from_a_batch_whose_other_kernels_call_the_gemm(tmp_path):
    """A process that calls one kernel of a batch compiled for another graph loads the
    whole batch: the GEMM another kernel of it calls must be loaded first (it crashed)."""
    env = dict(os.environ, KERALITE_CACHE_DIR=str(tmp_path / "cache"), KERALITE_KERNEL_CACHE="1")
    for code in (_WITH_MATMUL, _WITHOUT_MATMUL):
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
