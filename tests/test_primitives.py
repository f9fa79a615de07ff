"""Walk the primitive table: eager == numpy reference, traced == eager, shape rules
agree with the computed results, and every registered primitive is covered."""
import numpy as np
import pytest

import funcdl as fd
from funcdl.core import primitives
from primitive_table import CASES, TESTED_ELSEWHERE


def _assert_close(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    if want.dtype.kind in "fc":
        tol = 1e-6 if want.dtype in (np.float32, np.complex64) else 1e-12
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    else:
        np.testing.assert_array_equal(got, want)


def _outputs(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_eager_matches_numpy(case):
    got, want = _outputs(case.fun(*case.args)), _outputs(case.ref(*case.args))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        _assert_close(g, w)
        assert np.asarray(g).dtype == np.asarray(w).dtype


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_traced_matches_eager_and_shape_rule(case):
    ir = fd.make_ir(case.fun)(*case.args)
    assert any(e.prim.name == case.prim for e in ir.eqns), str(ir)
    fd.core.typecheck_ir(ir)
    outs = ir(*case.args)
    for got, want, aval in zip(outs, _outputs(case.fun(*case.args)), ir.out_avals):
        _assert_close(got, want)
        assert (np.shape(got), np.asarray(got).dtype) == (aval.shape, aval.dtype)


def test_every_primitive_has_a_case():
    covered = {c.prim for c in CASES}
    missing = sorted(set(primitives) - covered - set(TESTED_ELSEWHERE))
    assert not missing, f"primitives without a test-table case: {missing}"
    stale = sorted((set(TESTED_ELSEWHERE) & covered) | (set(TESTED_ELSEWHERE) - set(primitives)))
    assert not stale, f"TESTED_ELSEWHERE lists primitives with a table case or no longer registered: {stale}"
