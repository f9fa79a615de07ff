"""Walk the primitive table: ``vmap(f)`` equals stacking ``f`` over a Python loop, for
several ``in_axes`` (all arguments mapped, some mapped, mapped along the last axis)."""
import numpy as np
import pytest

import funcdl as fd
from funcdl.core import primitives
from primitive_table import CASES

BATCH = 3


def _variant(x, b):
    """Example ``b`` of a batched argument: floats are scaled, other dtypes repeat."""
    x = np.asarray(x)
    return x * x.dtype.type(1 + 0.05 * b) if x.dtype.kind == "f" else x


def _axes_choices(case):
    n = len(case.args)
    choices = [(0,) * n]
    if n > 1:
        choices += [(0,) + (None,) * (n - 1), (None,) * (n - 1) + (0,)]
    last = tuple(-1 if np.ndim(a) >= 1 else 0 for a in case.args)
    if last != choices[0]:
        choices.append(last)
    return choices


def _params():
    for case in CASES:
        for axes in _axes_choices(case):
            yield pytest.param(case, axes, id=f"{case.id}-in_axes{axes}")


@pytest.mark.parametrize("case, in_axes", list(_params()))
def test_vmap_matches_a_loop(case, in_axes):
    examples = [[_variant(a, b) if ax is not None else a for a, ax in zip(case.args, in_axes)]
                for b in range(BATCH)]
    batched_args = [np.stack([ex[i] for ex in examples], axis=ax) if ax is not None else a
                    for i, (a, ax) in enumerate(zip(case.args, in_axes))]
    expected = [case.fun(*ex) for ex in examples]
    got = fd.vmap(case.fun, in_axes=in_axes)(*batched_args)
    got_leaves = fd.tree_util.tree_leaves(got)
    want_leaves = [np.stack(leaves) for leaves in zip(*[fd.tree_util.tree_leaves(e) for e in expected])]
    assert len(got_leaves) == len(want_leaves)
    for g, w in zip(got_leaves, want_leaves):
        assert np.shape(g) == np.shape(w) and np.asarray(g).dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-6 if w.dtype == np.float32 else 1e-12, atol=1e-12)


def test_every_primitive_has_a_batching_rule():
    missing = [n for n, p in primitives.items() if not hasattr(p, "batch")]
    assert not missing, missing


def _scalar_loss(case):
    import funcdl.numpy as fnp

    def loss(*args):
        outs = fd.tree_util.tree_leaves(case.fun(*args))
        return sum(fnp.sum(fnp.sin(o)) for o in outs)
    return loss


@pytest.mark.parametrize("case", [c for c in CASES if c.diff and c.reverse_mode], ids=lambda c: c.id)
def test_vmap_of_grad_and_grad_of_vmap_match_loops(case):
    loss = _scalar_loss(case)
    argnums = case.diff
    examples = [[_variant(a, b) for a in case.args] for b in range(BATCH)]
    batched = [np.stack([ex[i] for ex in examples]) for i in range(len(case.args))]
    per_example = [fd.grad(loss, argnums=argnums)(*ex) for ex in examples]
    got = fd.vmap(fd.grad(loss, argnums=argnums))(*batched)
    for k in range(len(argnums)):
        np.testing.assert_allclose(got[k], np.stack([g[k] for g in per_example]), rtol=1e-6, atol=1e-9)
    # grad of the summed vmapped loss equals the stacked per-example gradients too
    total = lambda *a: fd.numpy.sum(fd.vmap(loss)(*a))  # noqa: E731
    got2 = fd.grad(total, argnums=argnums)(*batched)
    for k in range(len(argnums)):
        np.testing.assert_allclose(got2[k], np.stack([g[k] for g in per_example]), rtol=1e-6, atol=1e-9)
