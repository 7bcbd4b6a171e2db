"""An export computes what model.predict computes: from Python (load_library) and from C
(the run_model example, linked with the shared library and with the object file)."""
import json
import os
import subprocess

import numpy as np
import pytest

from export_helpers import as_list, build_c, parse_outputs, random_inputs, run_c, save_inputs

TOL = 1e-6


@pytest.fixture(scope="module")
def c_programs(tmp_path_factory, mlp_export, mlp_fixed_export, multi_io_export):
    """run_model built against each export (shared library), and statically for the MLP."""
    out = tmp_path_factory.mktemp("c_programs")
    built = {}
    for e in (mlp_export, mlp_fixed_export, multi_io_export):
        built[e.name] = build_c(e.dir, e.name, "run_model", out / f"run_{e.name}")
    built["mlp_static"] = build_c(mlp_export.dir, "mlp", "run_model", out / "run_mlp_static", static=True)
    return built


@pytest.mark.parametrize("batch", [1, 7, 64])
def test_mlp_matches_predict(mlp_export, batch):
    x = random_inputs(mlp_export.lib.inputs, batch, seed=batch)[0]
    np.testing.assert_allclose(mlp_export.lib.predict(x), mlp_export.model.predict(x), rtol=0, atol=TOL)


@pytest.mark.parametrize("batch", [4, 3, 10])
def test_fixed_batch_predict_runs_in_batches(mlp_fixed_export, batch):
    # 3 and 10 are not multiples of 4: the last batch is padded, the padding dropped
    x = random_inputs(mlp_fixed_export.lib.inputs, batch, seed=batch)[0]
    got = mlp_fixed_export.lib.predict(x)
    assert got.shape == (batch, 10)
    np.testing.assert_allclose(got, mlp_fixed_export.model.predict(x), rtol=0, atol=TOL)


def test_fixed_batch_run_rejects_other_batch_sizes(mlp_fixed_export):
    from keralite.runtime.library import ExportRunError
    x = random_inputs(mlp_fixed_export.lib.inputs, 3)[0]
    with pytest.raises(ExportRunError, match="compiled for batch size 4") as info:
        mlp_fixed_export.lib.run([x])
    assert info.value.status == mlp_fixed_export.lib.lib.KL_ERROR_BATCH_SIZE


@pytest.mark.parametrize("batch", [1, 9])
def test_multi_input_multi_output_matches_predict(multi_io_export, batch):
    xs = random_inputs(multi_io_export.lib.inputs, batch, seed=batch)
    got = multi_io_export.lib.predict(xs)
    want = multi_io_export.model.predict(xs)
    assert len(got) == len(want) == 3
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=0, atol=TOL)
    # the same by input name
    by_name = multi_io_export.lib.predict({"meta": xs[1], "image": xs[0]})
    for g, w in zip(by_name, want):
        np.testing.assert_allclose(g, w, rtol=0, atol=TOL)


def test_metadata_describes_inputs_and_outputs(multi_io_export, mlp_fixed_export):
    meta = json.load(open(multi_io_export.path("multi_io.json")))
    assert meta["batch"] is None
    assert [t["name"] for t in meta["inputs"]] == ["image", "meta"]
    assert [t["shape"] for t in meta["inputs"]] == [[-1, 12], [-1, 5]]
    assert [t["name"] for t in meta["outputs"]] == ["label", "score", "gate"]
    assert [t["shape"] for t in meta["outputs"]] == [[-1, 3], [-1, 1], [-1, 16]]
    lib = multi_io_export.lib.lib
    assert lib.multi_io_num_inputs() == 2 and lib.multi_io_num_outputs() == 3
    assert lib.multi_io_batch_size() == -1
    info = lib.multi_io_output_info(2)
    assert multi_io_export.lib.ffi.string(info.name) == b"gate"
    assert (info.dtype, info.itemsize, info.rank) == (lib.KL_FLOAT32, 4, 2)
    assert [info.shape[0], info.shape[1]] == [-1, 16]
    assert mlp_fixed_export.lib.lib.mlp4_batch_size() == 4
    header = open(mlp_fixed_export.path("mlp4.h")).read()
    assert "#define mlp4_BATCH_SIZE 4" in header and "#define mlp4_INPUT0_ITEM_SIZE 20" in header


def test_c_program_prints_predict_outputs(tmp_path, c_programs, mlp_export, mlp_fixed_export, multi_io_export):
    for e in (mlp_export, mlp_fixed_export, multi_io_export):
        xs = random_inputs(e.lib.inputs, 6, seed=3)
        printed = parse_outputs(run_c(c_programs[e.name], *save_inputs(tmp_path, xs, e.name)).stdout)
        want = as_list(e.model.predict(xs if len(xs) > 1 else xs[0]))
        assert len(printed) == len(want)
        for g, w in zip(printed, want):
            np.testing.assert_allclose(g, w, rtol=0, atol=TOL)


def test_statically_linked_c_program(tmp_path, c_programs, mlp_export):
    x = random_inputs(mlp_export.lib.inputs, 5, seed=4)[0]
    np.save(tmp_path / "y.npy", mlp_export.model.predict(x))
    proc = run_c(c_programs["mlp_static"], *save_inputs(tmp_path, [x]), "--expect", tmp_path / "y.npy")
    assert "max abs difference" in proc.stdout
    # no dependency on the shared library
    deps = subprocess.run(["ldd", c_programs["mlp_static"]], capture_output=True, text=True).stdout
    assert "libmlp" not in deps


def test_two_threads_two_contexts_in_c(tmp_path, c_programs, multi_io_export):
    xs = random_inputs(multi_io_export.lib.inputs, 33, seed=5)
    proc = run_c(c_programs["multi_io"], *save_inputs(tmp_path, xs), "--two-threads")
    assert "same outputs" in proc.stdout


def test_two_threads_two_contexts_in_python(mlp_export):
    from thread_helpers import run_on_threads
    lib = mlp_export.lib
    inputs = [random_inputs(lib.inputs, 300, seed=s)[0] for s in (10, 11)]
    want = [mlp_export.model.predict(x) for x in inputs]
    results = {}

    def work(i):
        ctx = lib.new_context(num_threads=2)
        for _ in range(30):
            results[i] = ctx.predict(inputs[i])
            np.testing.assert_allclose(results[i], want[i], rtol=0, atol=TOL)
        ctx.close()
    run_on_threads(work, 2)
    assert len(results) == 2


def test_library_exports_only_the_api(mlp_export):
    from keralite.export.toolchain import api_symbols
    out = subprocess.run(["nm", "-D", "--defined-only", mlp_export.path("libmlp.so")],
                         capture_output=True, text=True, check=True).stdout
    exported = sorted(line.split()[-1] for line in out.splitlines() if line.strip())
    assert exported == sorted(api_symbols("mlp"))
    # the object for static linking keeps the same API global, nothing else defined globally
    out = subprocess.run(["nm", "--defined-only", "-g", mlp_export.path("mlp.o")],
                         capture_output=True, text=True, check=True).stdout
    assert sorted(line.split()[-1] for line in out.splitlines() if line.strip()) == sorted(api_symbols("mlp"))


def test_weights_are_embedded(mlp_export, tmp_path):
    # the library alone (moved away from the model and the keralite cache) still gives the outputs
    import shutil
    moved = tmp_path / "moved"
    shutil.copytree(mlp_export.dir, moved)
    from keralite.runtime import load_library
    lib = load_library(str(moved / "libmlp.so"))
    x = random_inputs(lib.inputs, 2)[0]
    np.testing.assert_allclose(lib.predict(x), mlp_export.model.predict(x), rtol=0, atol=TOL)
    size = os.path.getsize(moved / "libmlp.so")
    weights = sum(w.size * 4 for w in mlp_export.model.get_weights())
    assert size > weights
