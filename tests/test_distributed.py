"""funcdl.distributed under ``mpiexec -n 2`` (the programs are in tests/mpi_programs.py):
each collective against numpy, a 2-process ``fit`` against a 1-process one, a process
that raises or is stuck, and resuming after a failure."""
import importlib.util
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

import mpi_programs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAMS = os.path.join(ROOT, "tests", "mpi_programs.py")
MPIEXEC = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
HAVE_MPI4PY = importlib.util.find_spec("mpi4py") is not None

needs_mpi = pytest.mark.skipif(
    not (HAVE_MPI4PY and MPIEXEC),
    reason="funcdl.distributed needs the extra funcdl[mpi] (mpi4py and an mpiexec); "
           "install it with  pip install -e \".[dev,mpi]\"")


def mpirun(program, out, *args, timeout=120, check=True):
    """Run ``tests/mpi_programs.py program out args`` on 2 processes; ``(rc, output, seconds)``."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1", FUNCDL_DISTRIBUTED_TIMEOUT="60")
    start = time.monotonic()
    proc = subprocess.run([MPIEXEC, "-n", "2", sys.executable, PROGRAMS, program, str(out),
                           *map(str, args)], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=timeout)
    seconds = time.monotonic() - start
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.returncode, proc.stdout + proc.stderr, seconds


def results(out, name):
    return [dict(np.load(os.path.join(out, f"{name}-{r}.npz"))) for r in range(2)]


@needs_mpi
def test_collectives_agree_with_numpy(tmp_path):
    mpirun("collectives", tmp_path)
    trees = [mpi_programs.rank_tree(r) for r in range(2)]
    for rank, got in enumerate(results(tmp_path, "collectives")):
        assert got["count"] == 2
        for k in trees[0]:
            a, b = trees[0][k], trees[1][k]
            total = np.asarray(a.astype(np.int64) + b if a.dtype == np.bool_ else a + b)
            np.testing.assert_array_equal(got[f"psum/{k}"], total)
            assert got[f"psum/{k}"].dtype == total.dtype
            mean = total / 2 if total.dtype.kind in "fc" else total / np.float64(2)
            np.testing.assert_allclose(got[f"pmean/{k}"], mean, rtol=1e-6)
            assert got[f"pmean/{k}"].dtype == mean.dtype
            np.testing.assert_array_equal(got[f"all_gather/{k}"], np.stack([a, b]))
            np.testing.assert_array_equal(got[f"broadcast/{k}"], b)
            assert got[f"broadcast/{k}"].dtype == b.dtype
        # mismatched shapes: a clear error on both processes, naming what each passed
        assert "process 0: " in str(got["mismatch"]) and "float32[3]" in str(got["mismatch"])
        assert "process 1: " in str(got["mismatch"]) and "float32[4]" in str(got["mismatch"])
        assert "processes [1] differ from process 0" in str(got["differ"])


@needs_mpi
def test_two_process_fit_equals_one_process_fit(tmp_path):
    mpirun("fit", tmp_path)
    ranks = results(tmp_path, "fit")
    params, history = mpi_programs.mlp_fit(distributed=False)
    expected = mpi_programs._leaves(params)
    for got in ranks:
        for i, want in enumerate(expected):
            np.testing.assert_allclose(got[f"p{i}"], want, rtol=2e-5, atol=2e-6)
        np.testing.assert_allclose(got["loss"], history["loss"], rtol=1e-5)
        np.testing.assert_allclose(got["val_loss"], history["val_loss"], rtol=1e-5)
        np.testing.assert_allclose(got["val_accuracy"], history["val_accuracy"], rtol=1e-6)
    for i in range(len(expected)):  # the replicas stay bitwise identical
        assert ranks[0][f"p{i}"].tobytes() == ranks[1][f"p{i}"].tobytes()
    # process 0 prints and checkpoints; process 1 is silent
    assert "Epoch" in (tmp_path / "progress-0.txt").read_text()
    assert (tmp_path / "progress-1.txt").read_text() == ""
    assert (tmp_path / "fit.ckpt").exists()


@needs_mpi
def test_a_failing_process_ends_the_job_and_the_run_resumes(tmp_path):
    whole, failed = tmp_path / "whole", tmp_path / "failed"
    whole.mkdir(), failed.mkdir()
    mpirun("faulty", whole, 4, 0, "fresh")
    # process 1 raises in epoch 3 (its loss's 10th call, 4 steps an epoch): both end, fast
    rc, output, seconds = mpirun("faulty", failed, 4, 10, "fresh", check=False)
    assert rc != 0
    assert "process 1 of 2 failed with RuntimeError: injected failure at call 10" in output
    assert seconds < 60, f"the job took {seconds:.0f} s to end after the failure"
    assert (failed / "linear.ckpt").exists() and not (failed / "linear-0.npz").exists()
    # resuming from process 0's checkpoint (epoch 2) ends where the whole run did, bit for bit
    mpirun("faulty", failed, 4, 0, "resume")
    for want, got in zip(results(whole, "linear"), results(failed, "linear")):
        assert got["epochs"] == 4
        assert got["w"].tobytes() == want["w"].tobytes()


@needs_mpi
def test_a_stuck_process_times_out_with_a_clear_error(tmp_path):
    rc, output, seconds = mpirun("stuck", tmp_path, check=False)
    assert rc != 0
    assert "distributed.psum: process 0 of 2 waited 2 s" in output
    assert "process 0 of 2 failed with DistributedError" in output
    assert seconds < 18, f"the job took {seconds:.0f} s to end"


@needs_mpi
def test_a_process_that_exits_or_is_killed_ends_the_job(tmp_path):
    rc, output, seconds = mpirun("dies", tmp_path, "exit", check=False)
    assert rc != 0 and "process 0 of 2 failed with DistributedError" in output
    assert "distributed.psum: process 1 of 2 exited while process 0 waited for it" in output
    assert seconds < 18, f"the job took {seconds:.0f} s to end"
    rc, output, seconds = mpirun("dies", tmp_path, "killed", check=False)
    assert rc != 0 and "Killed (signal 9)" in output
    assert seconds < 18, f"the job took {seconds:.0f} s to end"


def test_import_without_mpi4py_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    monkeypatch.delitem(sys.modules, "funcdl.distributed", raising=False)
    with pytest.raises(ImportError, match=r"funcdl\[mpi\]"):
        importlib.import_module("funcdl.distributed")


def test_fit_distributed_without_mpi4py_names_the_extra(monkeypatch):
    import funcdl
    from funcdl import optim, random, train
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    monkeypatch.delitem(sys.modules, "funcdl.distributed", raising=False)
    monkeypatch.delattr(funcdl, "distributed", raising=False)  # as if never imported
    x = np.ones((4, 2), np.float32)
    with pytest.raises(ImportError, match=r"pip install \"funcdl\[mpi\]\""):
        train.fit(lambda w, b: (b[0] @ w).mean(), np.ones(2, np.float32), optim.sgd(0.1), (x,),
                  epochs=1, batch_size=2, key=random.key(0), distributed=True)


@needs_mpi
def test_the_mnist_example_trains_on_two_processes():
    env = dict(os.environ, OMP_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    proc = subprocess.run([MPIEXEC, "-n", "2", sys.executable, "examples/mnist_mlp.py",
                           "--distributed", "--epochs", "1"], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    reports = [line for line in proc.stdout.splitlines() if "test accuracy" in line]
    assert len(reports) == 1, proc.stdout  # process 0 alone prints
    assert float(reports[0].split()[2]) > 0.8
