"""Walk the function table (``function_table.py``) through every transform:

* eagerly, ``funcdl.numpy`` gives numpy's values, shapes and dtypes;
* ``jit`` gives the eager values (the generated code runs bounds-checked);
* ``vmap`` over a batch of examples equals a Python loop over them;
* ``grad`` (reverse and forward mode, through ``check_grads``) equals finite differences
  for the differentiable arguments.
"""
import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl.test_util import check_grads
from function_table import FUNCTIONS

BATCH = 3


def _leaves(out):
    return [np.asarray(x) for x in fd.tree_util.tree_leaves(out)]


def _assert_same(got, want, rtol=1e-12):
    got, want = _leaves(got), _leaves(want)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        assert g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol)


def _funcdl(fn):
    def f(*args):
        return fn.call(fnp, *args)
    f.__name__ = fn.name
    return f


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda fn: fn.id)
def test_eager_matches_numpy(fn):
    _assert_same(fn.call(fnp, *fn.args), fn.call(np, *fn.args), fn.rtol)


CHUNK = 24  # rows compiled together as one jitted program (numba's fixed cost per function)


def _chunks(rows):
    return [rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK)]


def _combined(chunk):
    """One function computing every row of ``chunk`` from the rows' arguments, concatenated."""
    def program(*flat_args):
        outs, pos = [], 0
        for fn in chunk:
            outs.append(fn.call(fnp, *flat_args[pos:pos + len(fn.args)]))
            pos += len(fn.args)
        return outs
    return program


@pytest.mark.parametrize("chunk", _chunks([f for f in FUNCTIONS if f.jit]),
                         ids=lambda ch: f"{ch[0].id}..{ch[-1].id}")
def test_jit_matches_eager(chunk):
    flat_args = [a for fn in chunk for a in fn.args]
    with fd.test_util.flag("jit_boundscheck", True):
        outs = fd.jit(_combined(chunk))(*flat_args)
    for fn, got in zip(chunk, outs):
        try:
            _assert_same(got, fn.call(fnp, *fn.args))
        except AssertionError as e:
            raise AssertionError(f"{fn.id}: {e}") from None


def _example(x, b):
    x = np.asarray(x)
    return x * (1 + 0.05 * b) if x.dtype.kind in "fc" else x


@pytest.mark.parametrize("fn", [f for f in FUNCTIONS if f.vmap and f.jit], ids=lambda fn: fn.id)
def test_vmap_matches_a_loop(fn):
    examples = [[_example(a, b) for a in fn.args] for b in range(BATCH)]
    batched = [np.stack([ex[i] for ex in examples]) for i in range(len(fn.args))]
    got = fd.vmap(_funcdl(fn))(*batched)
    looped = [fn.call(fnp, *ex) for ex in examples]
    want = fd.tree_util.tree_map(lambda *xs: np.stack(xs), *looped)
    _assert_same(got, want)


@pytest.mark.parametrize("fn", [f for f in FUNCTIONS if f.diff], ids=lambda fn: fn.id)
def test_grad_matches_finite_differences(fn):
    fixed = list(fn.args)

    def of_diff_args(*diff_args):
        args = list(fixed)
        for i, a in zip(fn.diff, diff_args):
            args[i] = a
        return fn.call(fnp, *args)

    check_grads(of_diff_args, tuple(np.asarray(fn.args[i], np.complex128 if np.iscomplexobj(fn.args[i])
                                               else np.float64) for i in fn.diff), order=1)


@pytest.mark.parametrize("fn", [f for f in FUNCTIONS if not f.jit], ids=lambda fn: fn.id)
def test_value_dependent_shapes_need_size_under_jit(fn):
    with pytest.raises(fd.errors.ConcretizationError, match="size=|length="):
        fd.jit(_funcdl(fn))(*fn.args)
