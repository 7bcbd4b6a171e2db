"""The C API under bad input (error codes and messages, never a crash), valgrind, and the
instructions each --target allows."""
import shutil
import subprocess

import numpy as np
import pytest

from export_helpers import build_c, random_inputs, run_c, save_inputs

VALGRIND = ["valgrind", "--error-exitcode=1", "--leak-check=full"]


@pytest.fixture(scope="module")
def programs(tmp_path_factory, mlp_x86_export, mlp_fixed_export):
    out = tmp_path_factory.mktemp("c_api")
    e = mlp_x86_export
    return {
        "check_errors": build_c(e.dir, e.name, "check_errors", out / "check_errors"),
        "check_errors_fixed": build_c(mlp_fixed_export.dir, mlp_fixed_export.name, "check_errors",
                                      out / "check_errors_fixed"),
        "run_model": build_c(e.dir, e.name, "run_model", out / "run_model"),
    }


def test_bad_calls_return_codes_and_messages(programs):
    for program in ("check_errors", "check_errors_fixed"):
        proc = run_c(programs[program])
        assert "all error checks passed" in proc.stdout, proc.stdout
        assert "FAIL" not in proc.stdout
    assert "no input is named \"no such input\" (the model's inputs: dense" in proc.stdout
    assert "batch size 5, but this model was compiled for batch size 4" in proc.stdout


def test_errors_through_the_python_loader(mlp_export):
    from keralite.runtime.library import ExportRunError
    lib = mlp_export.lib
    ffi, c = lib.ffi, lib.lib
    with pytest.raises(ExportRunError, match='mlp_find_input: no input is named "nope"') as info:
        lib.input_index("nope")
    assert info.value.status == c.KL_ERROR_UNKNOWN_NAME
    with pytest.raises(ExportRunError) as info:
        lib.predict({"nope": np.zeros((1, 20), "float32")})
    assert info.value.status == c.KL_ERROR_UNKNOWN_NAME
    with pytest.raises(ValueError, match=r"has shape \(2, 21\), expected \(batch, 20\)"):
        lib.predict(np.zeros((2, 21), "float32"))
    with pytest.raises(ValueError, match="takes 1 inputs"):
        lib.predict([np.zeros((2, 20), "float32")] * 2)
    # the raw C function, straight from Python: NULL pointers are refused
    ctx = lib.new_context()
    out = np.zeros((1, 10), "float32")
    outs = ffi.new("void *[]", [ffi.from_buffer(out)])
    assert c.mlp_run_batch(ctx._handle, 1, ffi.NULL, outs) == c.KL_ERROR_NULL_ARGUMENT
    assert "input pointers is NULL" in ffi.string(c.mlp_last_error()).decode()
    ins = ffi.new("void *[]", [ffi.NULL])
    assert c.mlp_run_batch(ctx._handle, 1, ins, outs) == c.KL_ERROR_NULL_ARGUMENT
    message = ffi.string(c.mlp_last_error()).decode()
    assert message.startswith("mlp_run_batch: input 0 (") and message.endswith(") is NULL")
    assert c.mlp_run_batch(ffi.NULL, 1, ins, outs) == c.KL_ERROR_NULL_ARGUMENT
    assert c.mlp_input_info(3) == ffi.NULL
    # and the context still works
    x = np.ones((1, 20), "float32")
    np.testing.assert_allclose(ctx.predict(x), mlp_export.model.predict(x), rtol=0, atol=1e-6)


def _instructions(path):
    return subprocess.run(["objdump", "-d", "--no-show-raw-insn", path], capture_output=True, text=True,
                          check=True).stdout


def test_x86_64_target_has_no_avx512(mlp_x86_export):
    code = _instructions(mlp_x86_export.path("libmlp_x86.so"))
    assert "zmm" not in code and "ymm" not in code   # baseline x86-64: SSE2 at most
    assert "xmm" in code


def test_host_target_uses_the_cpu(mlp_export):
    flags = open("/proc/cpuinfo").read()
    if " avx512f" not in flags:
        pytest.skip("this CPU has no AVX-512")
    assert "zmm" in _instructions(mlp_export.path("libmlp.so"))


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_c_examples_run_clean_under_valgrind(tmp_path, programs, mlp_x86_export):
    proc = subprocess.run([*VALGRIND, programs["check_errors"]], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # a batch large enough for the thread pool to start workers, two threads with two contexts
    x = random_inputs(mlp_x86_export.lib.inputs, 1000, seed=1)[0]
    np.save(tmp_path / "y.npy", mlp_x86_export.model.predict(x))
    proc = subprocess.run([*VALGRIND, programs["run_model"], *save_inputs(tmp_path, [x]),
                           "--expect", tmp_path / "y.npy", "--threads", "2", "--two-threads"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "same outputs" in proc.stdout
    assert "ERROR SUMMARY: 0 errors" in proc.stderr


@pytest.fixture(scope="module")
def gather_export(tmp_path_factory):
    from export_helpers import gather_model
    from keralite.export import export_model
    from keralite.runtime import load_library
    model = gather_model()
    directory = tmp_path_factory.mktemp("export_gather")
    export_model(model, str(directory), name="lookup")
    return model, load_library(str(directory))


def test_int_inputs_constants_and_bool_outputs(gather_export):
    model, lib = gather_export
    assert [t["dtype"] for t in lib.inputs] == ["int32"]
    assert [t["dtype"] for t in lib.outputs] == ["float32", "bool"]
    ids = np.array([[1, 2, 3], [9, 0, 4], [5, 5, 5]], "int32")
    got, want = lib.predict(ids), model.predict(ids)
    np.testing.assert_allclose(got[0], want[0], rtol=0, atol=1e-6)
    assert got[1].dtype == np.bool_ and (got[1] == want[1]).all()


def test_a_failing_graph_returns_an_error(gather_export):
    from keralite.runtime.library import ExportRunError
    model, lib = gather_export
    with pytest.raises(ExportRunError, match="lookup_run_batch: gather: index out of range") as info:
        lib.predict(np.array([[1, 2, 11]], "int32"))
    assert info.value.status == lib.lib.KL_ERROR_COMPUTE
    # the context is fine afterwards
    ids = np.array([[0, 1, 2]], "int32")
    np.testing.assert_allclose(lib.predict(ids)[0], model.predict(ids)[0], rtol=0, atol=1e-6)


def test_sizes_other_than_the_batch_must_be_fixed(tmp_path):
    from keralite.export import ExportError, export_model
    from keralite.layers import Input, Dense
    from keralite.models import Model
    x = Input((None, 4))
    model = Model(x, Dense(3)(x))
    with pytest.raises(ExportError, match="time axis .axis 1. of unknown length.*--seq-len N"):
        export_model(model, str(tmp_path), name="seq")
    export = export_model(model, str(tmp_path), name="seq", seq_len=5)
    assert export.metadata["inputs"][0]["shape"] == [-1, 5, 4]
