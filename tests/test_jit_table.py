"""Walk the primitive table under jit: the compiled program equals eager evaluation for
every case, and so does the compiled gradient program of every differentiable case.

Cases are compiled in chunks (one generated function each) to keep numba's compile time
down; a mismatch names the case."""
import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from primitive_table import CASES, combined_program

CHUNK = 20


def _chunks(cases):
    return [cases[i:i + CHUNK] for i in range(0, len(cases), CHUNK)]


def _run_all(cases, make_fun):
    program, funs, flat_args = combined_program(cases, make_fun)
    return fd.jit(program)(*flat_args), [f(*c.args) for c, f in zip(cases, funs)]


def _single_precision(case):
    arrays = list(case.args) + fd.tree_util.tree_leaves(case.fun(*case.args))
    return any(np.asarray(a).dtype in (np.float32, np.complex64) for a in arrays)


def _compare(cases, got, want):
    for case, g, w in zip(cases, got, want):
        for gl, wl in zip(fd.tree_util.tree_leaves(g), fd.tree_util.tree_leaves(w)):
            gl, wl = np.asarray(gl), np.asarray(wl)
            assert gl.shape == wl.shape and gl.dtype == wl.dtype, (case.id, gl.shape, wl.shape, gl.dtype, wl.dtype)
            tol = 2e-5 if _single_precision(case) else 1e-11
            np.testing.assert_allclose(gl, wl, rtol=tol, atol=tol, err_msg=case.id)


@pytest.mark.parametrize("chunk", _chunks(CASES), ids=lambda ch: f"{ch[0].id}..{ch[-1].id}")
def test_jit_matches_eager(chunk):
    got, want = _run_all(chunk, lambda c: c.fun)
    _compare(chunk, got, want)


def _grad_of(case):
    def loss(*args):
        outs = fd.tree_util.tree_leaves(case.fun(*args))
        return sum(fnp.sum(fnp.real(fnp.sin(o))) for o in outs if o.dtype.kind in "fc")
    return fd.grad(loss, argnums=case.diff)


GRAD_CASES = [c for c in CASES if c.diff and c.reverse_mode]


@pytest.mark.parametrize("chunk", _chunks(GRAD_CASES), ids=lambda ch: f"{ch[0].id}..{ch[-1].id}")
def test_jit_of_gradient_programs_matches_eager(chunk):
    got, want = _run_all(chunk, _grad_of)
    _compare(chunk, got, want)


def test_every_primitive_can_be_lowered():
    from funcdl.core import primitives
    from funcdl.transforms.codegen import CALLS, FUSIBLE
    missing = [n for n, p in primitives.items()
               if not callable(p.lower) and n not in FUSIBLE and n not in CALLS]
    assert not missing, missing
