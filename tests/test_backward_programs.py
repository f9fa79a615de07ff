"""The backward programs are clean: exactly the contractions they need, no dead or
duplicated equations, cached per program structure."""
import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl.transforms import ad
from funcdl.transforms.simplify import count_primitives


def _mlp_loss(params, x, y):
    h = x
    for w, b in params[:-1]:
        h = fnp.tanh(h @ w + b)
    w, b = params[-1]
    return fnp.mean((h @ w + b - y) ** 2)


def _problem(layers, seed=0):
    rng = np.random.default_rng(seed)
    sizes = [5] + [7] * (layers - 1) + [3]
    params = [(rng.standard_normal((m, n)), rng.standard_normal(n)) for m, n in zip(sizes, sizes[1:])]
    return params, rng.standard_normal((4, 5)), rng.standard_normal((4, 3))


@pytest.mark.parametrize("layers", [1, 2, 3, 5])
def test_mlp_gradient_has_exactly_the_matmuls_it_needs(layers):
    params, x, y = _problem(layers)
    ir = fd.make_ir(fd.grad(_mlp_loss))(params, x, y)
    # one forward and one weight-gradient matmul per layer, one input-gradient matmul per
    # layer except the first (nobody asked for the gradient of x)
    assert count_primitives(ir, "dot_general") == 3 * layers - 1, str(ir)


def test_gradient_wrt_the_input_adds_one_matmul():
    params, x, y = _problem(3)
    ir = fd.make_ir(fd.grad(_mlp_loss, argnums=(0, 1)))(params, x, y)
    assert count_primitives(ir, "dot_general") == 3 * 3


def test_backward_program_is_cached_by_structure():
    params, x, y = _problem(2)
    fd.grad(_mlp_loss)(params, x, y)
    size = len(ad._BACKWARD_CACHE)
    params2, x2, y2 = _problem(2, seed=1)  # new values, same structure: cache hit
    g2 = fd.grad(_mlp_loss)(params2, x2, y2)
    assert len(ad._BACKWARD_CACHE) == size
    # and the cached program uses the new values (constants included)
    w = np.linspace(0, 1, 7)
    f = lambda p: fnp.sum(fnp.sin(p[0][0] @ w))  # noqa: E731  (closes over w)
    g_a = fd.grad(f)(params2)
    w[:] = np.linspace(2.0, -1.0, 7)
    g_b = fd.grad(f)(params2)
    assert not np.allclose(g_a[0][0], g_b[0][0])
    np.testing.assert_allclose(g_b[0][0], np.cos(params2[0][0] @ w)[:, None] * w[None, :])
    assert all(np.isfinite(leaf).all() for leaf in fd.tree_util.tree_leaves(g2))


def test_no_duplicate_equations_in_backward_programs():
    ir = fd.make_ir(fd.grad(lambda x: fnp.sum(fnp.sin(x) * fnp.sin(x))))(np.ones(3))
    assert count_primitives(ir, "sin") == 1 and count_primitives(ir, "cos") == 1


def test_constant_folding_leaves_no_scalar_arithmetic():
    prog = ad.backward_program(fd.make_ir(lambda x: fnp.mean(x * x))(np.ones(4)), [0], True)
    assert all(any(hasattr(a, "aval") and not hasattr(a, "val") for a in e.inputs)
               for e in prog.joint.eqns), str(prog.joint)
