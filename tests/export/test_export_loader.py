"""keralite.runtime.load_library runs an export in a process where llvmlite and
keralite.compiler cannot be imported."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from export_helpers import random_inputs

BLOCK = textwrap.dedent("""
    import importlib.abc
    import sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "llvmlite" or name.startswith("keralite.compiler"):
                raise ImportError("blocked for this test: " + name)
            return None

    sys.meta_path.insert(0, Block())

    def check_nothing_loaded():
        loaded = [m for m in sys.modules if m.split(".")[0] == "llvmlite" or m.startswith("keralite.compiler")]
        assert not loaded, loaded
""")


def _run(code):
    proc = subprocess.run([sys.executable, "-c", BLOCK + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_hook_blocks_the_compiler():
    proc = subprocess.run([sys.executable, "-c", BLOCK + "import keralite.compiler.driver"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "blocked for this test" in proc.stderr


def test_load_library_without_llvmlite(tmp_path, multi_io_export):
    xs = random_inputs(multi_io_export.lib.inputs, 5, seed=7)
    for k, x in enumerate(xs):
        np.save(tmp_path / f"x{k}.npy", x)
    _run(f"""
        import numpy as np
        from keralite.runtime import load_library
        model = load_library({str(multi_io_export.path('libmulti_io.so'))!r})
        assert model.input_names == ["image", "meta"] and model.batch_size is None
        ys = model.predict([np.load({str(tmp_path / 'x0.npy')!r}), np.load({str(tmp_path / 'x1.npy')!r})])
        for k, y in enumerate(ys):
            np.save({str(tmp_path)!r} + "/y%d.npy" % k, y)
        check_nothing_loaded()
    """)
    want = multi_io_export.model.predict(xs)
    for k, w in enumerate(want):
        np.testing.assert_allclose(np.load(tmp_path / f"y{k}.npy"), w, rtol=0, atol=1e-6)


def test_cli_run_of_an_export_without_llvmlite(tmp_path, mlp_export):
    x = random_inputs(mlp_export.lib.inputs, 3, seed=8)[0]
    np.save(tmp_path / "x.npy", x)
    _run(f"""
        from keralite.cli import main
        status = main(["run", {mlp_export.dir!r}, "--input", {str(tmp_path / 'x.npy')!r},
                       "--output", {str(tmp_path / 'y.npy')!r}])
        assert status == 0
        check_nothing_loaded()
    """)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), mlp_export.model.predict(x), rtol=0, atol=1e-6)


def test_a_json_that_does_not_match_its_library_is_refused(tmp_path, mlp_export):
    import json
    import shutil
    from keralite.runtime import load_library
    copy = tmp_path / "edited"
    shutil.copytree(mlp_export.dir, copy)
    meta_path = copy / "mlp.json"
    meta = json.loads(meta_path.read_text())
    meta["inputs"][0]["shape"] = [-1, 1]          # would make predict pass too small buffers
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"mlp.json: input 0 is described as .* \[-1, 1\], but libmlp.so has"):
        load_library(str(copy))
    meta["inputs"] = meta["inputs"] * 2
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="lists 2 inputs, but libmlp.so has 1"):
        load_library(str(copy))


@pytest.mark.parametrize("bad", [np.array([["a"] * 20], dtype=object), np.array([["x"] * 20]),
                                 np.ones((1, 20), dtype=complex)])
def test_predict_refuses_arrays_that_are_not_numbers(mlp_export, bad):
    with pytest.raises(TypeError, match="an exported model takes arrays of numbers"):
        mlp_export.lib.predict(bad)
