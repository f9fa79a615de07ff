"""Walk the primitive table: ``vmap(f)`` equals stacking ``f`` over a Python loop, for
several ``in_axes`` (all arguments mapped, some mapped, mapped along the last axis)."""
import numpy as np
import pytest

import funcdl as fd
from funcdl.core import primitives
from primitive_table import CASES

BATCH = 3


def _variant(case, i, b):
    """Example ``b`` of the batched argument ``i``: floats (and complex values) are scaled, integers permuted (so
    indices stay in range and divisors nonzero), booleans flipped (all of them for ``b = 1``,
    at random for ``b = 2``); the case's ``batch_values`` take precedence."""
    if i in case.batch_values:
        return np.asarray(case.batch_values[i](b))
    x = np.asarray(case.args[i])
    if b == 0:
        return x
    if x.dtype.kind in "fc":
        return x * x.dtype.type(1 + 0.05 * b)
    rng = np.random.default_rng(b)
    if x.dtype.kind == "b":
        return ~x if b == 1 else x ^ (rng.random(x.shape) < 0.5)
    if x.size <= 1:  # a permutation would not change it
        return x + x.dtype.type(b)
    order = rng.permutation(x.size)
    if x.size > 1 and np.array_equal(order, np.arange(x.size)):
        order = np.roll(order, 1)
    return x.reshape(-1)[order].reshape(x.shape)


def _examples(case, in_axes):
    """The per-example arguments, unbatched ones (axis None) shared."""
    return [[_variant(case, i, b) if ax is not None else a
             for i, (a, ax) in enumerate(zip(case.args, in_axes))] for b in range(BATCH)]


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
    examples = _examples(case, in_axes)
    batched_args = [np.stack([ex[i] for ex in examples], axis=ax) if ax is not None else a
                    for i, (a, ax) in enumerate(zip(case.args, in_axes))]
    expected = [case.fun(*ex) for ex in examples]
    got = fd.vmap(case.fun, in_axes=in_axes)(*batched_args)
    got_leaves = fd.tree_util.tree_leaves(got)
    want_leaves = [np.stack(leaves) for leaves in zip(*[fd.tree_util.tree_leaves(e) for e in expected])]
    assert len(got_leaves) == len(want_leaves)
    for g, w in zip(got_leaves, want_leaves):
        assert np.shape(g) == np.shape(w) and np.asarray(g).dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-6 if w.dtype in (np.float32, np.complex64) else 1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_batched_arguments_differ_per_example(case):
    """Example 0 is the case's own arguments, every example keeps their shapes and dtypes,
    and non-empty integer and boolean arguments (indices, predicates) vary across the batch
    unless the case fixes their values itself (``batch_values``)."""
    examples = _examples(case, (0,) * len(case.args))
    for i, a in enumerate(case.args):
        column = [ex[i] for ex in examples]
        assert all(np.shape(v) == np.shape(a) and v.dtype == np.asarray(a).dtype for v in column)
        np.testing.assert_array_equal(column[0], a)
        if np.size(a) and np.asarray(a).dtype.kind in "biu" and i not in case.batch_values:
            assert any(not np.array_equal(v, column[0]) for v in column[1:]), (case.id, i)


def test_every_primitive_has_a_batching_rule():
    missing = [n for n, p in primitives.items() if not hasattr(p, "batch")]
    assert not missing, missing


def _scalar_loss(case):
    import funcdl.numpy as fnp

    def loss(*args):
        outs = fd.tree_util.tree_leaves(case.fun(*args))
        return sum(fnp.sum(fnp.real(fnp.sin(o))) for o in outs)
    return loss


@pytest.mark.parametrize("case", [c for c in CASES if c.diff and c.reverse_mode], ids=lambda c: c.id)
def test_vmap_of_grad_and_grad_of_vmap_match_loops(case):
    loss = _scalar_loss(case)
    argnums = case.diff
    examples = _examples(case, (0,) * len(case.args))
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
