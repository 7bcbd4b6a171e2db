"""CMakeLists.txt builds the runtime and the C examples against an export, and ctest passes:
with no options (the build exports a demo model itself), and against a given export."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from export_helpers import REPO, parse_outputs, random_inputs, run_c, save_inputs

pytestmark = pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake is not installed")


def _cmake(build, *options):
    env = dict(os.environ)
    steps = [["cmake", "-S", REPO, "-B", str(build), f"-DPython3_EXECUTABLE={sys.executable}", *options],
             ["cmake", "--build", str(build), "-j", "2"],
             ["ctest", "--test-dir", str(build), "--output-on-failure"]]
    results = []
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
        assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        results.append(proc)
    return results


def test_cmake_build_exports_a_demo_model_and_ctest_passes(tmp_path):
    _, _, ctest = _cmake(tmp_path / "build")
    assert "100% tests passed" in ctest.stdout
    for test in ("check_errors", "run_model", "run_model_static", "run_lstm_model"):
        assert test in ctest.stdout
    if shutil.which("valgrind"):
        assert "run_model_valgrind" in ctest.stdout
    assert (tmp_path / "build" / "libkeralite_runtime.a").is_file()


def test_cmake_against_an_existing_export(tmp_path, multi_io_export):
    xs = random_inputs(multi_io_export.lib.inputs, 4, seed=2)
    paths = save_inputs(tmp_path, xs)
    build = tmp_path / "build"
    _, _, ctest = _cmake(build, f"-DKERALITE_EXPORT_DIR={multi_io_export.dir}",
                         f"-DKERALITE_EXAMPLE_INPUTS={';'.join(paths)}")
    assert "100% tests passed" in ctest.stdout
    # the program CMake built prints the numbers model.predict gives
    printed = parse_outputs(run_c(build / "run_model", *paths).stdout)
    for got, want in zip(printed, multi_io_export.model.predict(xs)):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
