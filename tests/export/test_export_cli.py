"""The `keralite` command: compile / inspect / run, help on every subcommand, one-line errors."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from export_helpers import mlp_model


def keralite(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "keralite", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """An MLP saved three ways: .h5, JSON + weights, and a module:function."""
    d = tmp_path_factory.mktemp("cli_models")
    model = mlp_model(seed=3)
    model.save(str(d / "digits-mlp.h5"))
    (d / "arch.json").write_text(model.to_json())
    model.save_weights(str(d / "weights.h5"))
    (d / "make_model.py").write_text(textwrap.dedent("""
        def build():
            import numpy as np
            from keralite.models import Sequential
            from keralite.layers import Dense
            np.random.seed(5)
            return Sequential([Dense(3, activation="sigmoid", input_shape=(4,))])
    """))
    x = np.random.RandomState(0).rand(6, 20).astype("float32")
    np.save(d / "x.npy", x)
    np.save(d / "y.npy", model.predict(x))
    return d


@pytest.mark.parametrize("command", [[], ["compile"], ["inspect"], ["run"]])
def test_help(command):
    proc = keralite(*command, "--help")
    assert proc.returncode == 0
    assert "usage: keralite" in proc.stdout


def test_compile_h5_and_run_it(saved_model, tmp_path):
    out = tmp_path / "export"
    proc = keralite("compile", saved_model / "digits-mlp.h5", "-o", out)
    assert proc.returncode == 0, proc.stderr
    # the default name comes from the file name, made a C identifier
    for f in ("libdigits_mlp.so", "digits_mlp.o", "digits_mlp.h", "digits_mlp.json", "keralite_model.h"):
        assert (out / f).is_file(), f
    meta = json.loads((out / "digits_mlp.json").read_text())
    assert meta["batch"] is None and meta["target"] == "host"
    proc = keralite("run", out, "--input", saved_model / "x.npy", "--output", tmp_path / "y.npy")
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), np.load(saved_model / "y.npy"), rtol=0, atol=1e-6)
    # `run` on the model file gives the same, and prints when no --output is given
    proc = keralite("run", saved_model / "digits-mlp.h5", "--input", saved_model / "x.npy")
    assert proc.returncode == 0, proc.stderr
    assert "output 0" in proc.stdout and "shape (6, 10)" in proc.stdout
    # --labels: the accuracy of the arg-max (here against the model's own predictions)
    np.save(tmp_path / "labels.npy", np.load(saved_model / "y.npy").argmax(axis=1))
    proc = keralite("run", out, "--input", saved_model / "x.npy", "--labels", tmp_path / "labels.npy")
    assert proc.returncode == 0 and "accuracy: 1.0000 (6 of 6)" in proc.stdout


def test_compile_json_with_weights_fixed_batch_x86_64(saved_model, tmp_path):
    out = tmp_path / "export"
    proc = keralite("compile", saved_model / "arch.json", "--weights", saved_model / "weights.h5", "-o", out,
                    "--name", "arch", "--batch", "2", "--target", "x86-64")
    assert proc.returncode == 0, proc.stderr
    meta = json.loads((out / "arch.json").read_text())
    assert meta["batch"] == 2 and meta["target"] == "x86-64"
    proc = keralite("run", out / "libarch.so", "--input", saved_model / "x.npy", "--output", tmp_path / "y.npz")
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_allclose(np.load(tmp_path / "y.npz")["y0"], np.load(saved_model / "y.npy"), rtol=0, atol=1e-6)


def test_compile_module_function(saved_model, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(saved_model) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = keralite("compile", "make_model:build", "-o", tmp_path / "e", env=env)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "e" / "libbuild.so").is_file()
    proc = keralite("compile", f"{saved_model / 'make_model.py'}:build", "-o", tmp_path / "f", "--name", "tiny")
    assert proc.returncode == 0, proc.stderr
    proc = keralite("inspect", tmp_path / "f")
    assert proc.returncode == 0 and "input 0" in proc.stdout and "(batch, 4)" in proc.stdout


def test_compile_float64(saved_model, tmp_path):
    proc = keralite("compile", f"{saved_model / 'make_model.py'}:build", "-o", tmp_path, "--name", "tiny64",
                    "--dtype", "float64")
    assert proc.returncode == 0, proc.stderr
    meta = json.loads((tmp_path / "tiny64.json").read_text())
    assert meta["inputs"][0]["dtype"] == meta["outputs"][0]["dtype"] == "float64"
    x = np.random.RandomState(1).rand(3, 4)
    np.save(tmp_path / "x.npy", x)
    proc = keralite("run", tmp_path, "--input", tmp_path / "x.npy", "--output", tmp_path / "y.npy")
    assert proc.returncode == 0, proc.stderr
    y = np.load(tmp_path / "y.npy")
    assert y.dtype == np.float64 and y.shape == (3, 3) and ((0 < y) & (y < 1)).all()


def test_inspect_prints_summary_graph_and_kernels(saved_model):
    proc = keralite("inspect", saved_model / "digits-mlp.h5", "--llvm")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "Total params" in text
    assert "==== optimised graph ====" in text and "= matmul(" in text
    assert "schedule ====" in text and "arena:" in text
    assert "define " in text          # LLVM IR
    proc = keralite("inspect", saved_model / "digits-mlp.h5", "--asm")
    assert proc.returncode == 0 and "predict_graph:" in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["compile", "missing.h5", "-o", "out"], "no such file: missing.h5"),
    (["compile", "{model}", "-o", "{tmp}/o", "--batch", "zero"], "--batch must be a positive integer or 'dynamic'"),
    (["compile", "{model}", "-o", "{tmp}/o", "--name", "9lives"], "must be a C identifier"),
    (["compile", "{json}", "-o", "{tmp}/o"], "give its weights with --weights"),
    (["compile", "nosuchmodule_xyz:build", "-o", "{tmp}/o"], "cannot import nosuchmodule_xyz"),
    (["run", "{model}", "--input", "{tmp}/nothing.npy"], "no such file"),
    (["run", "{model}", "--input", "{model}"], "error:"),
    (["compile", "{model}"], "the following arguments are required: -o/--output"),
    (["compile", "{model}", "-o", "{tmp}/o", "--target", "arm"], "invalid choice: 'arm'"),
])
def test_errors_are_one_line(saved_model, tmp_path, args, message):
    fill = {"model": saved_model / "digits-mlp.h5", "json": saved_model / "arch.json", "tmp": tmp_path}
    proc = keralite(*[a.format(**fill) for a in args], cwd=tmp_path)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert message in lines[0] and "Traceback" not in proc.stderr
    assert lines[0].startswith("keralite")
