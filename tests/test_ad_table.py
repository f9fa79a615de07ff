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
    return all(np.asarray(a).dtype in (np.float64, np.complex128) for a in arrays)


def _restricted(case):
    """The case's function of its differentiable arguments only."""
    def f(*diff_args):
        args = list(case.args)
        for i, a in zip(case.diff, diff_args):
            args[i] = a
        return case.fun(*args)
    return f, tuple(case.args[i] for i in case.diff)


# Known wrong derivatives outside this file's reach: case id -> minimal repro.
KNOWN_WRONG = {}  # case id -> why its derivative is known to be wrong (xfail, strict)


def _grad_params():
    for case in GRAD_CASES:
        reason = KNOWN_WRONG.get(case.id)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", list(_grad_params()))
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
        check_grads(f, args, order=case.grad_order, modes=(mode,))
    else:  # float32 somewhere: first order, with float32 finite-difference tolerances
        check_grads(f, args, order=1, modes=(mode,), eps=1e-3, atol=2e-3, rtol=2e-3)


# Registered primitives that no finite-difference check applies to, and why.
NOT_GRADIENT_CHECKED = {
    **dict.fromkeys(["eq", "ne", "lt", "le", "gt", "ge", "and", "or", "logical_not", "isnan",
                     "isfinite"], "boolean output: no derivative"),
    **dict.fromkeys(["argmax", "argmin", "argsort"], "integer output: no derivative"),
    **dict.fromkeys(["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "popcount", "shift_left",
                     "shift_right", "gcd", "lcm"], "integer operands and output: no derivative"),
    "threefry2x32": "uint32 random bits: no derivative",
    "bitcast": "a value's bits: zero derivative by declaration (as JAX's bitcast_convert_type)",
    "stop_gradient": "zero derivative by definition (not the finite difference of the "
                     "identity); tested in test_autodiff.test_stop_gradient",
    **dict.fromkeys(["psum", "all_gather"], "a named-axis collective (only under vmap(f, axis_name=...)): "
                    "derivatives checked in tests/test_collectives.py against finite differences and JAX"),
    **dict.fromkeys(["pmax", "pmin"], "no differentiation rule inside vmap, as in JAX (tests/test_collectives.py)"),
    "axis_index": "int32 output: no derivative",
}


def _completeness_problems(registered, cases):
    """Primitives neither gradient-checked by a table case nor exempt, and stale exemptions."""
    checked = {c.prim for c in cases if c.diff}
    unchecked = sorted(set(registered) - checked - set(NOT_GRADIENT_CHECKED))
    stale = sorted((set(NOT_GRADIENT_CHECKED) & checked) | (set(NOT_GRADIENT_CHECKED) - set(registered)))
    return unchecked, stale


def test_every_primitive_is_gradient_checked_or_exempt():
    from funcdl.core import primitives
    unchecked, stale = _completeness_problems(primitives, CASES)
    assert not unchecked, f"primitives without a differentiable table case or an exemption: {unchecked}"
    assert not stale, f"exempt primitives that are checked after all or no longer registered: {stale}"


def test_completeness_check_can_fail():
    from funcdl.core import primitives
    without_sin = [c for c in CASES if c.prim != "sin"]
    assert _completeness_problems(primitives, without_sin) == (["sin"], [])
    assert _completeness_problems(list(primitives) + ["new_op"], CASES) == (["new_op"], [])
    assert _completeness_problems([p for p in primitives if p != "argmax"], CASES) == ([], ["argmax"])


def test_every_primitive_has_ad_rules():
    from funcdl.core import primitives
    missing = [n for n, p in primitives.items() if not (hasattr(p, "jvp") and hasattr(p, "vjp"))]
    assert not missing, missing


@pytest.mark.parametrize("case", [c for c in GRAD_CASES if not _all_float64(c)], ids=lambda c: c.id)
def test_gradients_keep_the_dtype_of_their_inputs(case):
    import funcdl as fd
    import funcdl.numpy as fnp
    f, args = _restricted(case)
    loss = lambda *a: sum(fnp.sum(fnp.real(o)) for o in fd.tree_util.tree_leaves(f(*a)))  # noqa: E731
    grads = fd.grad(loss, argnums=tuple(range(len(args))))(*args)
    for g, a in zip(grads, args):
        assert np.asarray(g).dtype == np.asarray(a).dtype, (case.id, np.asarray(g).dtype)
