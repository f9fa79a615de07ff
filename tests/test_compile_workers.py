"""Worker processes compile kernels: in parallel for a new program (the caller then loads
numba's cache), and with ``jit_background`` while calls run on the IR interpreter. A
worker that fails or dies costs time, never a result."""
import io
import itertools
import json
import subprocess
import sys

import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl.test_util import flag
from funcdl.transforms import compile_workers, disk_cache


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch, tmp_path):
    """An empty compile cache for each test."""
    monkeypatch.setenv("FUNCDL_CACHE_DIR", str(tmp_path / "cache"))


def _new_mlp():
    """A loss with a kernel no earlier test compiled (its chain of sines is longer)."""
    sines = 2 + next(_SERIAL)

    def mlp(params, x):
        for w, b in params[:-1]:
            x = fnp.tanh(x @ w + b)
        w, b = params[-1]
        z = x @ w + b
        for _ in range(sines):
            z = fnp.sin(z) * 1.5
        return fnp.sum(z)
    return mlp


_SERIAL = itertools.count()


def _problem(seed):
    rng = np.random.default_rng(seed)
    sizes = [5, 7, 3]
    params = [(rng.standard_normal((m, n)).astype(np.float32), rng.standard_normal(n).astype(np.float32))
              for m, n in zip(sizes, sizes[1:])]
    return params, rng.standard_normal((4, 5)).astype(np.float32)


def _hits(compiled):
    return sum(sum(m.fn.stats.cache_hits.values()) for m in compiled.modules)


def test_a_new_programs_kernels_are_compiled_by_the_caller_and_the_workers():
    params, x = _problem(0)
    loss = _new_mlp()
    f = fd.jit(fd.grad(loss))
    with flag("jit_outline", True), flag("jit_compile_workers", 1):
        got = f(params, x)
    (compiled,) = f._cache.values()
    assert len(compiled.modules) > 1
    assert _hits(compiled) >= 1  # loaded from the cache a worker wrote (the caller did the rest)
    for m in compiled.modules:
        assert disk_cache.has_numba_files(disk_cache.numba_cache_folder(m.fn, m.path), m.name)
    with flag("jit_outline", True), flag("jit_compile_workers", 0):
        want = fd.jit(fd.grad(loss))(params, x)
    for a, b in zip(fd.tree_util.tree_leaves(got), fd.tree_util.tree_leaves(want)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("outline", [True, False], ids=["outlined", "whole"])
def test_background_calls_run_interpreted_then_switch_to_compiled_code(outline):
    params, x = _problem(1)
    loss = _new_mlp()
    f = fd.jit(fd.value_and_grad(loss), background=True)
    with flag("jit_outline", outline):
        first = f(params, x)
        (compiled,) = f._cache.values()
        assert compiled.pending is not None and not compiled.verified
        compiled.pending.wait(timeout=300)
        assert compiled.pending.compiled == compiled.pending.total >= 1
        later = f(params, x)
    assert compiled.verified  # the compiled code ran
    with flag("jit_outline", outline):
        plain = fd.jit(fd.value_and_grad(loss))(params, x)
    for a, b, c in zip(*map(fd.tree_util.tree_leaves, (first, later, plain))):
        np.testing.assert_allclose(a, c, rtol=2e-5, atol=1e-6)  # interpreter: float tolerance
        np.testing.assert_array_equal(b, c)  # compiled: the same code, bit for bit


def test_background_is_the_flag_default_and_off_unless_asked():
    f = fd.jit(lambda x: x * 2.0)
    assert not f._background()
    with flag("jit_background", True):
        assert f._background()
        assert not fd.jit(lambda x: x, background=False)._background()


def test_a_dead_worker_costs_time_not_a_result(monkeypatch):
    params, x = _problem(2)
    loss = _new_mlp()
    compile_workers.shutdown()
    monkeypatch.setattr(compile_workers, "_spawn", _dying_worker)
    try:
        with flag("jit_outline", True), flag("jit_compile_workers", 2):
            f = fd.jit(fd.grad(loss), background=True)
            f(params, x)
            (compiled,) = f._cache.values()
            assert compiled.pending.wait(timeout=60) == 0 and compiled.pending.errors
            got = f(params, x)  # compiled by this process instead
    finally:
        compile_workers.shutdown()
    assert compiled.verified
    want = fd.grad(loss)(params, x)
    for a, b in zip(fd.tree_util.tree_leaves(got), fd.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)


def test_workers_are_replaced_after_their_quota_of_jobs(monkeypatch, tmp_path):
    monkeypatch.setattr(compile_workers, "RECYCLE_AFTER", 1)
    spawned = []

    def counting_spawn(real=compile_workers._spawn):
        spawned.append(1)
        return real()
    jobs = []
    for k in range(3):
        name = f"funcdl_k_quota{k}_{id(spawned)}"
        text = f"import numba\n\n@numba.njit(cache=True)\ndef f(x):\n    return x + {k}\n"
        jobs.append({"name": name, "path": str(tmp_path / f"{name}.py"), "text": text, "attr": "f",
                     "signatures": [[["scalar", "float64"]]]})
    compile_workers.shutdown()
    monkeypatch.setattr(compile_workers, "_spawn", counting_spawn)
    try:
        with flag("jit_compile_workers", 1):
            batch = compile_workers.submit(jobs, waiting=False)
            assert batch.wait(timeout=300) == 3, batch.errors
    finally:
        compile_workers.shutdown()
    assert len(spawned) == 3  # one process per job
    for j in jobs:
        assert disk_cache.has_numba_files(str(tmp_path / "__pycache__"), j["name"])


def test_a_promotion_whose_worker_dies_keeps_the_outlined_program(monkeypatch):
    from funcdl.transforms.jit_compiler import PROMOTION_CALLS
    tiny = fd.jit(lambda x: (fnp.tanh(x) * 1.25 + x, fnp.sum(x * 0.75)))
    x = np.ones(3)
    want = [np.asarray(v) for v in tiny(x)]
    compile_workers.shutdown()
    monkeypatch.setattr(compile_workers, "_spawn", _dying_worker)
    try:
        with flag("jit_outline", True):
            outs = [tiny(x) for _ in range(PROMOTION_CALLS)]
            (outlined,) = tiny._cache.values()
            assert outlined.successor is not None  # a worker was asked for the one-function form
            assert outlined.successor.pending.wait(timeout=60) == 0
            outs += [tiny(x) for _ in range(3)]
    finally:
        compile_workers.shutdown()
    assert tiny._cache[next(iter(tiny._cache))] is outlined and outlined.trial is None
    assert outlined.successor is None  # given up, not compiled in this process
    for got in outs:
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)


def _dying_worker():
    """A worker that reads its first job and exits without answering."""
    return subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)


def test_a_failing_job_is_reported_not_raised():
    out = io.StringIO()
    bad = {"name": "funcdl_k_bad", "path": "/nonexistent/dir/funcdl_k_bad.py",
           "text": "def f(:\n", "attr": "f", "signatures": []}
    compile_workers.worker_main([json.dumps(bad) + "\n"], out)
    reply = json.loads(out.getvalue())
    assert "ok" not in reply and reply["error"]


def test_call_signatures_come_from_the_drivers_value_types():
    driver = "def kernel(a, b):\n    c, = k_1(a, b, 3)\n    d, = k_2(c, zz)\n    return (d,)\n"
    types = {"a": ("array", "float32", 2), "b": ("scalar", "float64"), "c": ("array", "float32", 1)}
    sigs = compile_workers.call_signatures(driver, types)
    assert sigs == {"k_1": {(("array", "float32", 2), ("scalar", "float64"), ("int",))}}
    assert compile_workers.type_spec(np.float16, 0) == ("scalar", "float32")
    assert compile_workers.type_spec(np.bool_, 0, scalar=False) == ("array", "bool", 0)
