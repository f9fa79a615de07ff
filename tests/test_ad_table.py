"""Walk the primitive table: jvp and vjp of every differentiable case against central
finite differences in float64, first and second order."""
import numpy as np
import pytest

from funcdl.test_util import check_grads
from primitive_table import CASES

GRAD_CASES = [c for c in CASES if c.diff]


def _all_float64(case):
    import funcdl as fd
    arrays = [case.args[i] for i in case.diff] + fd.tree_util.tree_leaves(case.ref(*case.args))
    return all(np.asarray(a).dtype == np.float64 for a in arrays)


def _restricted(case):
    """The case's function of its differentiable arguments only."""
    def f(*diff_args):
        args = list(case.args)
        for i, a in zip(case.diff, diff_args):
            args[i] = a
        return case.fun(*args)
    return f, tuple(case.args[i] for i in case.diff)


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c.id for c in GRAD_CASES])
@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_derivatives_match_finite_differences(case, mode):
    f, args = _restricted(case)
    if case.prim == "custom_vjp_call" and mode == "fwd":  # reverse rule only, as in JAX
        with pytest.raises(TypeError, match="forward-mode"):
            check_grads(f, args, order=1, modes=(mode,))
    elif not case.reverse_mode and mode == "rev":  # e.g. while_loop: forward mode only
        with pytest.raises(TypeError, match="Reverse-mode"):
            check_grads(f, args, order=1, modes=(mode,))
    elif _all_float64(case):
        check_grads(f, args, order=2, modes=(mode,))
    else:  # float32 somewhere: first order, with float32 finite-difference tolerances
        check_grads(f, args, order=1, modes=(mode,), eps=1e-3, atol=2e-3, rtol=2e-3)


def test_every_differentiable_primitive_is_checked():
    from funcdl.core import primitives
    checked = {c.prim for c in GRAD_CASES}
    differentiable = {name for name, p in primitives.items()
                      if name not in ("custom_vjp_call", "stop_gradient")
                      and any(c.prim == name and c.diff for c in CASES)}
    assert differentiable <= checked, sorted(differentiable - checked)


def test_every_primitive_has_ad_rules():
    from funcdl.core import primitives
    missing = [n for n, p in primitives.items() if not (hasattr(p, "jvp") and hasattr(p, "vjp"))]
    assert not missing, missing


@pytest.mark.parametrize("case", [c for c in GRAD_CASES if not _all_float64(c)], ids=lambda c: c.id)
def test_gradients_keep_the_dtype_of_their_inputs(case):
    import funcdl as fd
    import funcdl.numpy as fnp
    f, args = _restricted(case)
    loss = lambda *a: sum(fnp.sum(o) for o in fd.tree_util.tree_leaves(f(*a)))  # noqa: E731
    grads = fd.grad(loss, argnums=tuple(range(len(args))))(*args)
    for g, a in zip(grads, args):
        assert np.asarray(g).dtype == np.asarray(a).dtype, (case.id, np.asarray(g).dtype)
