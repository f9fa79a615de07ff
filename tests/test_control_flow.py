"""``lax.cond``, ``lax.while_loop``, ``lax.fori_loop`` and ``lax.scan`` beyond the
primitive table (tests/primitive_table.py): values against Python loops, the errors,
gradients (also of nested constructs), vmap, and jit (loops stay loops).

Every distinct jitted program costs a numba compile on a cold cache, so the jitted
programs are few (see ``_JIT_*`` below and the compile-time test) and each is reused."""
import time

import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import control_flow, lax
from funcdl.core import IR
from funcdl.test_util import check_grads
from funcdl.transforms.simplify import count_primitives

rng = np.random.default_rng(0)
OUTER = rng.standard_normal(3)  # an outer array the branches and bodies close over


def _leaves(tree):
    return fd.tree_util.tree_leaves(tree)


def _assert_tree_close(got, want, rtol=1e-12, atol=1e-12):
    g_leaves, g_def = fd.tree_util.tree_flatten(got)
    w_leaves, w_def = fd.tree_util.tree_flatten(want)
    assert g_def == w_def, (g_def, w_def)
    for g, w in zip(g_leaves, w_leaves):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape, (g.shape, w.shape)
        assert g.dtype == w.dtype, (g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def _prim_names(ir):
    """Names of the primitives of ``ir`` and of its sub-programs (branches, bodies)."""
    names = []
    for e in ir.eqns:
        names.append(e.prim.name)
        for v in e.params.values():
            for sub in (v if isinstance(v, tuple) else (v,)):
                if isinstance(sub, IR):
                    names += _prim_names(sub)
    return names


def _finite_diff(f, x, eps=1e-6):
    """Central differences of the scalar ``f`` at the float64 array ``x``."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


# ---------------------------------------------------------------------------------------
# The functions under test, with their Python references
# ---------------------------------------------------------------------------------------

def cond_pytree(p, x, y):
    """Pytree operands ({"x", "y"} and a traced closure value z) and a pytree output;
    the true branch also closes over the outer array OUTER."""
    z = x * y
    return lax.cond(p,
                    lambda a, b: {"u": fnp.sin(a["x"]) * b + OUTER, "v": (a["y"] * 2.0,)},
                    lambda a, b: {"u": a["x"] - b * z, "v": (fnp.cos(a["y"]),)},
                    {"x": x, "y": y}, z)


def cond_pytree_ref(p, x, y):
    z = x * y
    if p:
        return {"u": np.sin(x) * z + OUTER, "v": (y * 2.0,)}
    return {"u": x - z * z, "v": (np.cos(y),)}


def while_pytree(x):
    """Doubling until a limit (a data-dependent trip count), counting the steps and
    accumulating the visited values."""
    def body(c):
        i, s = c
        return i + 1, {"a": s["a"] * 2.0 + 0.5, "b": s["b"] + s["a"]}
    return lax.while_loop(lambda c: c[1]["a"] < 10.0, body, (np.int64(0), {"a": x, "b": np.float64(0.0)}))


def while_pytree_ref(x):
    i, a, b = 0, x, 0.0
    while a < 10.0:
        i, a, b = i + 1, a * 2.0 + 0.5, b + a
    return i, a, b


def fori_body(i, c):
    return c * 1.5 + i


def fori_ref(lo, hi, c):
    for i in range(lo, hi):
        c = fori_body(i, c)
    return c


def scan_step(c, x):
    """Pytree carry (array, int counter) and xs ({"a": rows, "b": pairs}); pytree ys."""
    h, k = c
    h2 = fnp.tanh(h * 0.5 + x["a"] * x["b"][0] + OUTER[:2])
    return (h2, k + 1), {"h": h2, "s": (fnp.sum(h2) * x["b"][1],)}


def scan_step_ref(c, x):
    h, k = c
    h2 = np.tanh(h * 0.5 + x["a"] * x["b"][0] + OUTER[:2])
    return (h2, k + 1), {"h": h2, "s": (np.sum(h2) * x["b"][1],)}


def python_scan(step, carry, xs, length=None, reverse=False):
    """The reference loop: JAX scan semantics with numpy values."""
    n = length if xs is None else len(_leaves(xs)[0])
    ys = [None] * n
    order = range(n - 1, -1, -1) if reverse else range(n)
    for t in order:
        x = None if xs is None else fd.tree_util.tree_map(lambda a: a[t], xs)
        carry, ys[t] = step(carry, x)
    if n == 0 or ys[0] is None:
        return carry, None
    return carry, fd.tree_util.tree_map(lambda *a: np.stack(a), *ys)


def scan_pytree(c, xs):
    return lax.scan(scan_step, (c, np.int64(0)), xs)


def _scan_xs(n=5, seed=1):
    r = np.random.default_rng(seed)
    return {"a": r.standard_normal((n, 2)), "b": r.standard_normal((n, 2))}


# ---------------------------------------------------------------------------------------
# cond: values
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [True, False])
def test_cond_pytree_operands_and_outputs(p):
    x, y = rng.standard_normal(3), rng.standard_normal(3)
    _assert_tree_close(cond_pytree(np.bool_(p), x, y), cond_pytree_ref(p, x, y))
    _assert_tree_close(cond_pytree(p, x, y), cond_pytree_ref(p, x, y))  # a Python bool


@pytest.mark.parametrize("p, taken", [(np.int64(3), True), (np.int64(0), False), (-1, True), (0, False),
                                      (np.int32(1), True)])
def test_cond_integer_predicate_means_nonzero(p, taken):
    x = rng.standard_normal(4)
    got = lax.cond(p, lambda a: a * 2.0, lambda a: a - 1.0, x)
    np.testing.assert_allclose(got, x * 2.0 if taken else x - 1.0)
    # a traced integer predicate too
    got = fd.grad(lambda a, k: fnp.sum(lax.cond(k, lambda b: b ** 2, lambda b: b * 3.0, a)))(x, p)
    np.testing.assert_allclose(got, 2 * x if taken else np.full(4, 3.0))


def test_cond_without_operands_and_with_closures_over_traced_values():
    assert lax.cond(True, lambda: 1.0, lambda: 2.0) == 1.0
    # the branches close over x and over an intermediate of the differentiated function
    def f(x, y):
        z = fnp.exp(y) * x
        return lax.cond(x > 0, lambda: z * y, lambda: z + x * x)
    for x in (1.5, -0.5):
        y = 0.3
        gx, gy = fd.grad(f, argnums=(0, 1))(x, y)
        if x > 0:  # x e^y y
            want = (np.exp(y) * y, x * np.exp(y) * (1 + y))
        else:  # x e^y + x^2
            want = (np.exp(y) + 2 * x, x * np.exp(y))
        np.testing.assert_allclose((gx, gy), want, rtol=1e-12)


def test_cond_gradient_closing_over_a_traced_array():
    x, y = rng.standard_normal(3), rng.standard_normal(3)

    def f(x, y):
        z = x * y  # traced, closed over by both branches
        return lax.cond(fnp.sum(x) > 0, lambda a: fnp.sum(fnp.sin(a) * z), lambda a: fnp.sum(a * a * y), x)

    for xv in (np.abs(x), -np.abs(x)):
        gx, gy = fd.grad(f, argnums=(0, 1))(xv, y)
        if xv.sum() > 0:  # sum(sin(x) x y)
            want = ((np.cos(xv) * xv + np.sin(xv)) * y, np.sin(xv) * xv)
        else:  # sum(x^2 y)
            want = (2 * xv * y, xv * xv)
        np.testing.assert_allclose(gx, want[0], rtol=1e-12)
        np.testing.assert_allclose(gy, want[1], rtol=1e-12)


def test_cond_gradient_ignores_the_branch_not_taken():
    # sqrt of a negative number would give nan gradients if the other branch leaked in
    f = lambda x: lax.cond(x > 0, lambda a: fnp.sqrt(a), lambda a: a * 2.0, x)  # noqa: E731
    with np.errstate(all="ignore"):
        assert fd.grad(f)(-1.0) == 2.0
        assert fd.grad(f)(4.0) == 0.25


# ---------------------------------------------------------------------------------------
# while_loop / fori_loop: values
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("x", [0.1, 3.0, 9.9, 10.0, 25.0])
def test_while_loop_pytree_carry_data_dependent_trip_count(x):
    i, s = while_pytree(np.float64(x))
    ri, ra, rb = while_pytree_ref(x)
    assert int(i) == ri
    np.testing.assert_allclose([s["a"], s["b"]], [ra, rb], rtol=1e-14)


def test_while_loop_array_carry():
    # Newton's iteration for sqrt on a vector until every lane converged
    a = np.array([2.0, 9.0, 0.5])

    def body(c):
        k, x = c
        return k + 1, 0.5 * (x + a / x)
    k, x = lax.while_loop(lambda c: fnp.max(fnp.abs(c[1] * c[1] - a)) > 1e-12, body, (0, np.ones(3)))
    rk, rx = 0, np.ones(3)
    while np.max(np.abs(rx * rx - a)) > 1e-12:
        rk, rx = rk + 1, 0.5 * (rx + a / rx)
    assert int(k) == rk and rk > 2
    np.testing.assert_allclose(x, rx, rtol=1e-15)


@pytest.mark.parametrize("lo, hi", [(0, 6), (2, 5), (5, 5), (7, 3)])
def test_fori_loop_static_bounds_is_a_scan(lo, hi):
    x = np.float64(0.7)
    np.testing.assert_allclose(lax.fori_loop(lo, hi, fori_body, x), fori_ref(lo, hi, 0.7), rtol=1e-14)
    names = _prim_names(fd.make_ir(lambda c: lax.fori_loop(lo, hi, fori_body, c))(x))
    assert "scan" in names and "while" not in names, names


def test_fori_loop_traced_bounds_is_a_while_loop():
    f = lambda c, n: lax.fori_loop(1, n, fori_body, c)  # noqa: E731
    names = _prim_names(fd.make_ir(f)(np.float64(0.7), np.int64(4)))
    assert "while" in names and "scan" not in names, names
    for n in (0, 1, 4):
        np.testing.assert_allclose(f(np.float64(0.7), np.int64(n)), fori_ref(1, n, 0.7), rtol=1e-14)


# ---------------------------------------------------------------------------------------
# scan: values
# ---------------------------------------------------------------------------------------

def test_scan_pytree_carry_and_xs():
    c, xs = rng.standard_normal(2), _scan_xs()
    (h, k), ys = scan_pytree(c, xs)
    (rh, rk), rys = python_scan(scan_step_ref, (c, 0), xs)
    assert int(k) == rk == 5
    np.testing.assert_allclose(h, rh, rtol=1e-13)
    _assert_tree_close(ys, rys, rtol=1e-13)


def test_scan_xs_none_with_length_and_y_none():
    carry, ys = lax.scan(lambda c, _: (c * 2.0 + 1.0, c), np.float64(0.5), None, length=4)
    rc, rys = python_scan(lambda c, _: (c * 2.0 + 1.0, c), 0.5, None, length=4)
    np.testing.assert_allclose(carry, rc)
    np.testing.assert_allclose(ys, rys)
    carry, ys = lax.scan(lambda c, x: (c + x, None), np.zeros(2), np.arange(6.0).reshape(3, 2))
    assert ys is None
    np.testing.assert_allclose(carry, [6.0, 9.0])


def test_scan_reverse_stacks_ys_in_input_order():
    xs = np.arange(1.0, 5.0)
    step = lambda c, x: (c * 10.0 + x, c)  # noqa: E731
    carry, ys = lax.scan(step, np.float64(0.0), xs, reverse=True)
    # visits 4, 3, 2, 1: carries 4, 43, 432, 4321; ys[t] = the carry before visiting xs[t]
    assert carry == 4321.0
    np.testing.assert_array_equal(ys, [432.0, 43.0, 4.0, 0.0])
    rc, rys = python_scan(step, 0.0, xs, reverse=True)
    np.testing.assert_array_equal(ys, rys)


def test_scan_zero_steps():
    c = rng.standard_normal(2)
    carry, ys = lax.scan(lambda c, x: (c + x, c * x), c, np.zeros((0, 2)))
    np.testing.assert_array_equal(carry, c)
    assert np.shape(ys) == (0, 2) and np.asarray(ys).dtype == np.float64
    carry, ys = lax.scan(lambda c, _: (c + 1.0, {"y": c}), c, None, length=0)
    np.testing.assert_array_equal(carry, c)
    assert np.shape(ys["y"]) == (0, 2)


# ---------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------

_MISMATCHED = {
    "structure": (lambda a: a, lambda a: (a,)),
    "dict keys": (lambda a: {"p": a}, lambda a: {"q": a}),
    "shape": (lambda a: a, lambda a: a[:2]),
    "dtype": (lambda a: a, lambda a: a.astype(np.float32)),
    "rank": (lambda a: a, lambda a: fnp.reshape(a, (1, 3))),
}


@pytest.mark.parametrize("kind", sorted(_MISMATCHED))
@pytest.mark.parametrize("pred", [True, False, np.int64(1), "traced"])
def test_cond_branches_must_agree_whatever_the_predicate(kind, pred):
    true_fun, false_fun = _MISMATCHED[kind]
    x = np.arange(3.0)
    with pytest.raises(TypeError, match="cond"):
        if pred == "traced":
            fd.make_ir(lambda a: lax.cond(a[0] > 0, true_fun, false_fun, a))(x)
        else:
            lax.cond(pred, true_fun, false_fun, x)


def test_scan_body_must_keep_the_carry_type():
    with pytest.raises(TypeError, match="scan"):
        lax.scan(lambda c, x: (fnp.stack([c, c]), x), np.float64(0.0), np.zeros(3))
    with pytest.raises(TypeError, match="scan"):
        lax.scan(lambda c, x: (c.astype(np.float32), x), np.float64(0.0), np.zeros(3))
    with pytest.raises(TypeError, match="scan"):
        lax.scan(lambda c, x: ((c, c), x), np.float64(0.0), np.zeros(3))


def test_scan_mismatched_lengths():
    with pytest.raises(ValueError, match="scan"):
        lax.scan(lambda c, x: (c, x), 0.0, (np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match="scan"):
        lax.scan(lambda c, x: (c, x), 0.0, np.zeros(3), length=4)
    with pytest.raises(ValueError, match="scan"):
        lax.scan(lambda c, x: (c, x), 0.0, None)  # neither xs nor length


def test_while_loop_cond_must_return_a_boolean_scalar():
    with pytest.raises(TypeError, match="while_loop"):
        lax.while_loop(lambda c: c < 3.0, lambda c: c + 1.0, np.zeros(3))  # a vector
    with pytest.raises(TypeError, match="while_loop"):
        lax.while_loop(lambda c: c, lambda c: c - 1, np.int64(3))  # not a boolean
    with pytest.raises(TypeError, match="while_loop"):
        lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1], c[1]), (np.int64(0), 1.0))
    with pytest.raises(TypeError, match="while_loop"):
        lax.while_loop(lambda c: c < 3, lambda c: (c + 1).astype(np.int32), np.int64(0))


def _while_power(x):
    """x ** 8 by repeated squaring in a while_loop."""
    return lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * c[1]), (0, x))[1]


def test_while_loop_reverse_mode_raises_but_forward_mode_works():
    for rev in (fd.grad, fd.jacrev):
        with pytest.raises(TypeError, match=r"(?s)[Rr]everse.*while_loop.*(scan|fori_loop)"):
            rev(_while_power)(1.1)
    x = np.array([1.1, -0.7])
    _, t = fd.jvp(_while_power, (x,), (np.ones(2),))
    np.testing.assert_allclose(t, 8 * x ** 7, rtol=1e-13)
    np.testing.assert_allclose(fd.jacfwd(_while_power)(x), np.diag(8 * x ** 7), rtol=1e-13)


# ---------------------------------------------------------------------------------------
# Gradients
# ---------------------------------------------------------------------------------------

def test_check_grads_cond_both_branches():
    def f(x, y):
        return lax.cond(fnp.sum(x) > 0, lambda a, b: fnp.sin(a) * b + OUTER,
                        lambda a, b: a * fnp.exp(b) - b ** 3, x, y)
    x, y = np.abs(rng.standard_normal(3)), rng.standard_normal(3)
    check_grads(f, (x, y), order=2)
    check_grads(f, (-x, y), order=2)


def test_check_grads_scan():
    c, xs = rng.standard_normal(2), _scan_xs(4, seed=2)
    check_grads(lambda c, xs: scan_pytree(c, xs), (c, xs), order=2)
    rev = lambda c, xs: lax.scan(lambda h, x: (fnp.sin(h) * x + OUTER, h * x), c, xs, reverse=True)  # noqa: E731
    check_grads(rev, (rng.standard_normal(3), rng.standard_normal((4, 3))), order=2)


def test_check_grads_fori_loop_static():
    f = lambda x, w: lax.fori_loop(0, 4, lambda i, c: fnp.sin(c * w) + i * 0.1, x)  # noqa: E731
    check_grads(f, (rng.standard_normal(3), np.float64(0.8)), order=2)


def test_check_grads_while_forward_mode():
    def f(x, s):
        return lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, fnp.sin(c[1]) * s), (0, x))[1]
    args = (rng.standard_normal(3), np.float64(1.3))
    check_grads(f, args, order=1, modes=("fwd",))
    check_grads(f, args, order=2, modes=("fwd",))


def _cond_in_scan(w, xs):
    def body(c, x):
        c2 = lax.cond(x > 0, lambda c: c * w, lambda c: fnp.sin(c) + w, c)
        return c2, c2 * x
    c, ys = lax.scan(body, np.float64(1.0), xs)
    return c + fnp.sum(ys)


def _cond_in_scan_ref(w, xs):
    c, s = 1.0, 0.0
    for x in xs:
        c = c * w if x > 0 else np.sin(c) + w
        s += c * x
    return c + s


def _scan_in_cond(w, xs, p):
    return lax.cond(p > 0,
                    lambda w: lax.scan(lambda c, x: (fnp.tanh(c * w + x), None), np.float64(0.1), xs)[0],
                    lambda w: w * w * 3.0, w)


def _scan_in_cond_ref(w, xs, p):
    if p <= 0:
        return w * w * 3.0
    c = 0.1
    for x in xs:
        c = np.tanh(c * w + x)
    return c


def test_grad_of_nested_constructs():
    xs = np.array([0.5, -1.0, 2.0, -0.3, 0.8, 1.2])
    w = 0.7
    g = fd.grad(_cond_in_scan, argnums=(0, 1))(w, xs)
    np.testing.assert_allclose(g[0], _finite_diff(lambda v: _cond_in_scan_ref(v[()], xs), np.array(w)), rtol=1e-7)
    np.testing.assert_allclose(g[1], _finite_diff(lambda v: _cond_in_scan_ref(w, v), xs), rtol=1e-6, atol=1e-8)
    check_grads(_cond_in_scan, (w, xs), order=2)
    for p in (1.0, -1.0):
        g = fd.grad(_scan_in_cond, argnums=(0, 1))(w, xs, p)
        np.testing.assert_allclose(g[0], _finite_diff(lambda v: _scan_in_cond_ref(v[()], xs, p), np.array(w)),
                                   rtol=1e-7)
        np.testing.assert_allclose(g[1], _finite_diff(lambda v: _scan_in_cond_ref(w, v, p), xs),
                                   rtol=1e-6, atol=1e-8)
        check_grads(lambda w, xs: _scan_in_cond(w, xs, p), (w, xs), order=2)


def rnn_loss(W, xs, bias=0.0):
    """h = tanh(W h + x) over the steps; the scan body closes over the parameter W."""
    h, hs = lax.scan(lambda h, x: (fnp.tanh(W @ h + x + bias),) * 2, np.zeros(W.shape[0]), xs)
    return fnp.sum(h ** 2) + fnp.sum(hs * OUTER)


def rnn_loss_ref(W, xs, bias=0.0):
    h, total = np.zeros(W.shape[0]), 0.0
    for x in xs:
        h = np.tanh(W @ h + x + bias)
        total += np.sum(h * OUTER)
    return np.sum(h ** 2) + total


def test_rnn_gradient_wrt_closed_over_weights():
    W, xs = rng.standard_normal((3, 3)) * 0.6, rng.standard_normal((10, 3))
    np.testing.assert_allclose(rnn_loss(W, xs), rnn_loss_ref(W, xs), rtol=1e-13)
    gW = fd.grad(rnn_loss)(W, xs)
    np.testing.assert_allclose(gW, _finite_diff(lambda v: rnn_loss_ref(v, xs), W), rtol=1e-6, atol=1e-8)
    gxs = fd.grad(rnn_loss, argnums=1)(W, xs)
    np.testing.assert_allclose(gxs, _finite_diff(lambda v: rnn_loss_ref(W, v), xs), rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------------------
# vmap
# ---------------------------------------------------------------------------------------

def _cond_example(p, x):
    return lax.cond(p, lambda a: fnp.sin(a) * 2.0 + OUTER, lambda a: a - 1.0, x)


def _cond_example_ref(p, x):
    return np.sin(x) * 2.0 + OUTER if p else x - 1.0


def test_vmap_cond_batched_predicate_selects_per_example():
    P, X = np.array([True, False, True, False]), rng.standard_normal((4, 3))
    want = np.stack([_cond_example_ref(p, x) for p, x in zip(P, X)])
    np.testing.assert_allclose(fd.vmap(_cond_example)(P, X), want, rtol=1e-14)
    # an integer predicate, and a batched predicate over an unbatched operand
    np.testing.assert_allclose(fd.vmap(_cond_example)(np.array([2, 0, -1, 0]), X), want, rtol=1e-14)
    want = np.stack([_cond_example_ref(p, X[0]) for p in P])
    np.testing.assert_allclose(fd.vmap(_cond_example, in_axes=(0, None))(P, X[0]), want, rtol=1e-14)


@pytest.mark.parametrize("p", [True, False])
def test_vmap_cond_unbatched_predicate_stays_a_cond(p):
    X = rng.standard_normal((4, 3))
    f = fd.vmap(_cond_example, in_axes=(None, 0))
    np.testing.assert_allclose(f(p, X), np.stack([_cond_example_ref(p, x) for x in X]), rtol=1e-14)
    assert "cond" in _prim_names(fd.make_ir(f)(np.bool_(p), X))


def _count_to(n, x):
    """A trip count given per example: (n steps, x after n steps of x * 1.5 + 1)."""
    return lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 1.5 + 1.0), (0, x))


def test_vmap_while_batched_trip_count():
    N, X = np.array([0, 3, 1, 5]), rng.standard_normal(4)
    i, x = fd.vmap(_count_to)(N, X)
    np.testing.assert_array_equal(i, N)
    want = []
    for n, x0 in zip(N, X):
        for _ in range(n):
            x0 = x0 * 1.5 + 1.0
        want.append(x0)
    np.testing.assert_allclose(x, want, rtol=1e-14)
    # data-dependent: lanes finish at different times
    X = np.array([0.1, 3.0, 20.0, 9.9])
    i, s = fd.vmap(while_pytree)(X)
    refs = [while_pytree_ref(x) for x in X]
    np.testing.assert_array_equal(i, [r[0] for r in refs])
    np.testing.assert_allclose(s["a"], [r[1] for r in refs], rtol=1e-14)
    np.testing.assert_allclose(s["b"], [r[2] for r in refs], rtol=1e-14)
    # the trip count batched through a constant of cond_fun only; the body's constant
    got = fd.vmap(lambda lim: lax.while_loop(lambda c: c < lim, lambda c: c + 1.5, 0.0))(np.array([1.0, 5.0, 0.0]))
    np.testing.assert_allclose(got, [1.5, 6.0, 0.0])
    got = fd.vmap(lambda s: lax.while_loop(lambda c: c < 5.0, lambda c: c + s, 0.0))(np.array([1.0, 2.0, 6.0]))
    np.testing.assert_allclose(got, [5.0, 6.0, 6.0])


def test_vmap_fori_loop_static_and_traced_bounds():
    X = rng.standard_normal(4)
    np.testing.assert_allclose(fd.vmap(lambda x: lax.fori_loop(1, 4, fori_body, x))(X),
                               [fori_ref(1, 4, x) for x in X], rtol=1e-14)
    N = np.array([3, 0, 5, 1])
    np.testing.assert_allclose(fd.vmap(lambda n, x: lax.fori_loop(0, n, fori_body, x))(N, X),
                               [fori_ref(0, n, x) for n, x in zip(N, X)], rtol=1e-14)


def _ema(c, xs):
    return lax.scan(lambda c, x: (c * 0.9 + x, c * x), c, xs)


def _ema_ref(c, xs, reverse=False):
    return python_scan(lambda c, x: (c * 0.9 + x, c * x), c, xs, reverse=reverse)


@pytest.mark.parametrize("in_axes", [(None, 0), (0, None), (0, 0), (None, 1)])
def test_vmap_scan(in_axes):
    C, XS = rng.standard_normal((4, 2)), rng.standard_normal((4, 5, 2))
    if in_axes == (None, 1):
        XS = XS.transpose(1, 0, 2)  # the batch on axis 1 of xs, the scan on axis 0
    take = lambda a, ax, i: a[0] if ax is None else np.take(a, i, axis=ax)  # noqa: E731
    refs = [_ema_ref(take(C, in_axes[0], i), take(XS, in_axes[1], i)) for i in range(4)]
    carry, ys = fd.vmap(_ema, in_axes=in_axes)(C if in_axes[0] is not None else C[0],
                                               XS if in_axes[1] is not None else XS[0])
    np.testing.assert_allclose(carry, np.stack([r[0] for r in refs]), rtol=1e-14)
    np.testing.assert_allclose(ys, np.stack([r[1] for r in refs]), rtol=1e-14)


def test_vmap_scan_pytree_and_reverse():
    C, XS = rng.standard_normal((3, 2)), {"a": rng.standard_normal((3, 5, 2)), "b": rng.standard_normal((3, 5, 2))}
    (h, k), ys = fd.vmap(scan_pytree)(C, XS)
    for i in range(3):
        (rh, rk), rys = python_scan(scan_step_ref, (C[i], 0), fd.tree_util.tree_map(lambda a: a[i], XS))
        np.testing.assert_allclose(h[i], rh, rtol=1e-13)
        assert k[i] == rk
        _assert_tree_close(fd.tree_util.tree_map(lambda a: a[i], ys), rys, rtol=1e-13)
    rev = lambda c, xs: lax.scan(lambda c, x: (c * 0.5 + x, c * x), c, xs, reverse=True)  # noqa: E731
    carry, ys = fd.vmap(rev)(C[:, 0], XS["a"][:, :, 0])
    for i in range(3):
        rc, rys = python_scan(lambda c, x: (c * 0.5 + x, c * x), C[i, 0], XS["a"][i, :, 0], reverse=True)
        np.testing.assert_allclose(carry[i], rc, rtol=1e-14)
        np.testing.assert_allclose(ys[i], rys, rtol=1e-14)


def test_vmap_of_grad_of_scan():
    Ws, XS = rng.standard_normal((4, 3, 3)) * 0.5, rng.standard_normal((4, 6, 3))
    got = fd.vmap(fd.grad(rnn_loss))(Ws, XS)
    for i in range(4):
        np.testing.assert_allclose(got[i], fd.grad(rnn_loss)(Ws[i], XS[i]), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got[0], _finite_diff(lambda v: rnn_loss_ref(v, XS[0]), Ws[0]), rtol=1e-6, atol=1e-8)


def test_vmap_grad_cond_batched_predicate():
    f = lambda x: lax.cond(x > 0, lambda a: a * a, lambda a: -a * 3.0, x)  # noqa: E731
    np.testing.assert_allclose(fd.vmap(fd.grad(f))(np.array([1.0, -2.0, 3.0])), [2.0, -3.0, 6.0])


# ---------------------------------------------------------------------------------------
# jit: few programs, each reused
# ---------------------------------------------------------------------------------------

@fd.jit
def _jit_cond_and_loops(p, x, y, s, n):
    """cond with pytrees (an integer predicate); while_loop with a pytree carry, fori_loop
    with traced and static bounds, and the forward-mode derivative of a while_loop."""
    return (cond_pytree(p, x, y),
            (while_pytree(s), lax.fori_loop(0, n, fori_body, s), lax.fori_loop(1, 4, fori_body, s),
             fd.jvp(_while_power, (s,), (np.float64(1.0),))))


def _cond_and_loops_args(p=0, s=0.1, n=3, seed=5):
    r = np.random.default_rng(seed)
    return np.int64(p), r.standard_normal(3), r.standard_normal(3), np.float64(s), np.int64(n)


@fd.jit
def _jit_scans(c, xs):
    return (scan_pytree(c, xs),
            lax.scan(lambda c, x: (c * 0.9 + x, c - x), c, xs["a"], reverse=True),
            lax.scan(lambda c, _: (c * 2.0, None), c, None, length=3),
            lax.scan(lambda c, x: (c + x, c * x), c, xs["a"][:0]))  # 0 steps


@fd.jit
def _jit_vmapped(P, X, N):
    return (fd.vmap(_cond_example)(P, X), fd.vmap(_count_to)(N, X[:, 0]),
            fd.vmap(while_pytree)(X[:, 1]), fd.vmap(_ema, in_axes=(None, 0))(X[0, :2], X[:, None, :2]))


_jit_grad_cond_in_scan = fd.jit(fd.grad(_cond_in_scan, argnums=(0, 1)))


@pytest.mark.parametrize("p", [2, 0, -1])
def test_jit_cond_equals_eager(p):
    args = _cond_and_loops_args(p=p)
    got = _jit_cond_and_loops(*args)[0]
    _assert_tree_close(got, _jit_cond_and_loops.fun(*args)[0])
    _assert_tree_close(got, cond_pytree_ref(p != 0, *args[1:3]))
    src = _jit_cond_and_loops.lower(*args).source
    assert "if " in src and "else:" in src


@pytest.mark.parametrize("s, n", [(0.1, 3), (30.0, 0), (9.0, 1)])
def test_jit_loops_equal_eager(s, n):
    args = _cond_and_loops_args(s=s, n=n)
    got = _jit_cond_and_loops(*args)[1]
    (i, c), fori_traced, fori_static, (pw, dpw) = got
    ri, ra, rb = while_pytree_ref(s)
    assert int(i) == ri
    np.testing.assert_allclose([c["a"], c["b"]], [ra, rb], rtol=1e-14)
    np.testing.assert_allclose(fori_traced, fori_ref(0, n, s), rtol=1e-14)
    np.testing.assert_allclose(fori_static, fori_ref(1, 4, s), rtol=1e-14)
    np.testing.assert_allclose((pw, dpw), (s ** 8, 8 * s ** 7), rtol=1e-13)
    eager = _jit_cond_and_loops.fun(*args)[1]
    for g, w in zip(_leaves(got), _leaves(eager)):
        np.testing.assert_allclose(g, w, rtol=1e-14)


def test_jit_loops_are_loops_in_the_source():
    lowered = _jit_cond_and_loops.lower(*_cond_and_loops_args())
    src = lowered.source
    # the pytree while, the traced fori, and the jvp'd while (whose primal loop may stay too)
    assert src.count("while ") >= 3
    assert "for " in src and "range(3)" in src  # the static fori is a 3-step scan
    names = _prim_names(lowered.ir)
    assert names.count("while") >= 3 and names.count("scan") == 1 and names.count("cond") == 1, names


def test_jit_scans_equal_eager():
    c, xs = rng.standard_normal(2), _scan_xs()
    got = _jit_scans(c, xs)
    _assert_tree_close(got, _jit_scans.fun(c, xs), rtol=1e-14, atol=1e-15)
    (hk, ys), rev, doubled, empty = got
    rhk, rys = python_scan(scan_step_ref, (c, 0), xs)
    np.testing.assert_allclose(hk[0], rhk[0], rtol=1e-13)
    assert hk[1] == 5
    _assert_tree_close(ys, rys, rtol=1e-13)
    rc, rys = python_scan(lambda c, x: (c * 0.9 + x, c - x), c, xs["a"], reverse=True)
    np.testing.assert_allclose(rev[0], rc, rtol=1e-14)
    np.testing.assert_allclose(rev[1], rys, rtol=1e-14)
    np.testing.assert_allclose(doubled[0], c * 8.0)
    assert doubled[1] is None
    np.testing.assert_array_equal(empty[0], c)
    assert empty[1].shape == (0, 2)


def test_jit_vmapped_constructs_equal_eager():
    P, X, N = np.array([True, False, False, True]), rng.standard_normal((4, 3)), np.array([2, 0, 4, 1])
    got = _jit_vmapped(P, X, N)
    _assert_tree_close(got, _jit_vmapped.fun(P, X, N), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(got[0], np.stack([_cond_example_ref(p, x) for p, x in zip(P, X)]), rtol=1e-14)
    np.testing.assert_array_equal(got[1][0], N)
    np.testing.assert_array_equal(got[2][0], [while_pytree_ref(x)[0] for x in X[:, 1]])


def test_jit_grad_of_cond_in_scan_equals_eager():
    xs = np.array([0.5, -1.0, 2.0, -0.3, 0.8, 1.2])
    for w in (0.7, -0.4):
        got = _jit_grad_cond_in_scan(np.float64(w), xs)
        want = fd.grad(_cond_in_scan, argnums=(0, 1))(np.float64(w), xs)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-13)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-13)


def _unused_operands(x, y, xs):
    # the true branch ignores y and the scan body ignores its x: the cotangents there are
    # constant zero arrays, held by the branch / backward body as constants
    branch = fnp.sum(lax.cond(x[0] > 0, lambda a, b: a * 2.0, lambda a, b: a * b, x, y))
    loop = fnp.sum(lax.scan(lambda c, row: (fnp.sin(c) * 2.0, None), y, xs)[0])
    return branch + loop


def test_jit_grad_with_constants_inside_sub_programs():
    x, y, xs = np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.5, 2.0]), rng.standard_normal((4, 3))
    grad = fd.grad(_unused_operands, argnums=(0, 1, 2))
    _assert_tree_close(fd.jit(grad)(x, y, xs), grad(x, y, xs), rtol=1e-13, atol=1e-15)


def test_long_scan_is_not_unrolled(tmp_path, monkeypatch):
    """A 1,000-step scan generates the same code as a 10-step one (only the bound
    differs) and compiles in about the same time. Separate cache directories keep the
    disk cache from hiding the compiles; the bias makes these programs unique to this test."""
    W = rng.standard_normal((3, 3)) * 0.5
    # the first numba compile of a loop writing rows of an output (any scan) in a process
    # pays a warm-up of a few seconds: not timed
    monkeypatch.setenv("FUNCDL_CACHE_DIR", str(tmp_path / "warmup"))
    fd.jit(lambda h, xs: lax.scan(lambda c, x: (c * x + 0.125, c), h, xs))(np.ones(3), W)
    times, sources = {}, {}
    for n in (10, 1000):
        xs = rng.standard_normal((n, 3)) * 0.1
        monkeypatch.setenv("FUNCDL_CACHE_DIR", str(tmp_path / f"cache{n}"))
        f = fd.jit(lambda W, xs: rnn_loss(W, xs, 0.25))
        lowered = f.lower(W, xs)
        sources[n] = lowered.source
        assert len(lowered.ir.eqns) < 30 and "scan" in _prim_names(lowered.ir)
        start = time.perf_counter()
        got = f(W, xs)
        times[n] = time.perf_counter() - start
        np.testing.assert_allclose(got, rnn_loss_ref(W, xs, 0.25), rtol=1e-12)
        assert f"range({n})" in sources[n]
    assert len(sources[1000].splitlines()) == len(sources[10].splitlines())
    assert abs(len(sources[1000]) - len(sources[10])) < 40, (len(sources[10]), len(sources[1000]))
    assert times[1000] < 3 * times[10] + 1.0, times


# ---------------------------------------------------------------------------------------
# The printed IR
# ---------------------------------------------------------------------------------------

def test_printed_ir_indents_nested_bodies():
    text = str(fd.make_ir(_scan_in_cond)(np.float64(0.7), np.zeros(4), np.float64(1.0)))
    lines = text.splitlines()
    indent = lambda line: len(line) - len(line.lstrip())  # noqa: E731
    cond_line = next(i for i, line in enumerate(lines) if "= cond " in line)
    branch_line = next(i for i, line in enumerate(lines) if "branches[1]=" in line)
    scan_line = next(i for i, line in enumerate(lines) if "= scan[" in line)
    body_line = next(i for i, line in enumerate(lines) if "body=" in line)
    tanh_line = next(i for i, line in enumerate(lines) if "= tanh " in line)
    assert cond_line < branch_line < scan_line < body_line < tanh_line, text
    levels = [indent(lines[i]) for i in (cond_line, branch_line, scan_line, body_line, tanh_line)]
    assert levels == sorted(levels) and len(set(levels)) == 5, text
    assert indent(lines[cond_line]) > 0


def test_python_scalar_carries_are_weak_like_python_scalars_elsewhere():
    c, ys = lax.scan(lambda c, x: (c * x, c), 1.0, np.ones(3, np.float32))
    assert c.dtype == np.float32 and ys.dtype == np.float32
    assert lax.fori_loop(0, 3, lambda i, x: x * np.float32(2), 1.0).dtype == np.float32
    assert lax.while_loop(lambda x: x < 10, lambda x: x * np.float32(2), 1.0).dtype == np.float32
    c, _ = lax.scan(lambda c, x: (c + x, None), 0.0, np.arange(3.0))  # float64 stays float64
    assert c.dtype == np.float64 and float(c) == 3.0


# ---------------------------------------------------------------------------------------
# The protocol: named operand groups and sub-programs (core.HigherOrderPrimitive)
# ---------------------------------------------------------------------------------------

# a constant of rule-built sub-programs; its own generator: drawing from ``rng`` at import
# would change the data every test above draws at run time
W = np.random.default_rng(13).standard_normal(3)


def _programs_with_constants():
    """One IR per control-flow primitive whose sub-programs hold constants (as programs
    built by rules do: trace_program keeps closed-over arrays as constants)."""
    from funcdl.control_flow import cond_p, scan_p, trace_program, while_p
    from funcdl.core import Aval

    v = Aval((3,), np.float64)
    s = Aval((), np.float64)

    def scan_fn(c, xs):
        body = trace_program(lambda k, c, x: [c * W + k + x, c * x], [v, v, s])
        out = scan_p.bind_groups({"consts": [c], "carry": [c], "xs": [xs]}, body=body, length=4, reverse=False)
        return out.carry[0] + fnp.sum(out.ys[0])

    def while_fn(c, xs):
        cond_ir = trace_program(lambda k, c: [fnp.sum(c * W) < k], [s, v])
        body_ir = trace_program(lambda k, c: [c + W * k], [s, v])
        out = while_p.bind_groups({"cond_consts": [fnp.sum(xs)], "body_consts": [xs[0]], "carry": [c]},
                                  cond_ir=cond_ir, body_ir=body_ir)
        return out.carry[0]

    def cond_fn(c, xs):
        false_ir = trace_program(lambda c: [c - W], [v])
        true_ir = trace_program(lambda c: [c * W * 2.0], [v])
        return cond_p.bind_groups({"pred": [xs[0] > 0], "operands": [c]},
                                  branches=(false_ir, true_ir)).outputs[0]

    args = (np.abs(W) + 1.0, np.array([0.5, -1.0, 2.0, 0.25]))
    return {name: (fd.make_ir(f)(*args), args)
            for name, f in (("scan", scan_fn), ("while", while_fn), ("cond", cond_fn))}


@pytest.mark.parametrize("name", ["scan", "while", "cond"])
def test_groups_cut_operands_and_sub_program_inputs_consistently(name):
    ir, _ = _programs_with_constants()[name]
    (eqn,) = [e for e in ir.eqns if e.prim.name == name]
    prim = eqn.prim
    groups = prim.split(eqn.inputs, eqn.params)
    assert list(groups) == list(prim.operands) and groups.flat() == eqn.inputs
    assert prim.split_outputs(eqn.outputs, eqn.params).flat() == eqn.outputs
    assert prim.length_params(groups) == {k: v for k, v in eqn.params.items() if k.startswith("n_")}
    for spec, sub in prim.programs(eqn.params):
        ins = prim.sub_inputs(spec.param, sub.in_vars, eqn.params)
        assert [len(ins[g]) for g in spec.receives] == [len(groups[g]) for g in spec.receives]
        assert prim.sub_outputs(spec.param, sub.out_vars, eqn.params).flat() == sub.out_vars


@pytest.mark.parametrize("name", ["scan", "while", "cond"])
def test_one_generic_pass_hoists_the_constants_of_every_kind_of_sub_program(name):
    from funcdl.core import eval_ir, sub_programs, typecheck_ir
    from funcdl.transforms.codegen import hoist_constants

    ir, args = _programs_with_constants()[name]
    assert any(sub.consts for e in ir.eqns for _, sub in sub_programs(e))
    hoisted = hoist_constants(ir)
    typecheck_ir(hoisted)
    assert not any(sub.consts for e in hoisted.eqns for _, sub in sub_programs(e))
    assert sum(c is W for c in hoisted.consts) == sum(c is W for c in ir.consts) + (2 if name != "scan" else 1)
    np.testing.assert_allclose(eval_ir(hoisted, list(args)), eval_ir(ir, list(args)), rtol=1e-13)


def test_typecheck_rejects_a_sub_program_that_does_not_fit_its_groups():
    from funcdl.core import Eqn, Var, typecheck_ir

    ir, _ = _programs_with_constants()["scan"]
    (k,) = [i for i, e in enumerate(ir.eqns) if e.prim.name == "scan"]
    eqn = ir.eqns[k]
    body = eqn.params["body"]
    longer = IR(body.in_vars + [Var(body.in_vars[0].aval)], body.const_vars, body.consts, body.eqns, body.out_vars)
    bad = Eqn(eqn.prim, eqn.inputs, eqn.outputs, dict(eqn.params, body=longer))
    with pytest.raises(TypeError, match="scan's body takes 4 inputs, its groups"):
        typecheck_ir(IR(ir.in_vars, ir.const_vars, ir.consts, ir.eqns[:k] + [bad] + ir.eqns[k + 1:], ir.out_vars))


def test_simplify_reaches_into_scan_bodies_and_cond_branches():
    from funcdl.transforms.simplify import simplify

    def f(c, xs):
        def step(h, x):
            return h * 1.0 + fnp.sin(x) + fnp.sin(x), x ** 2.0
        h, ys = lax.scan(step, c, xs)
        return lax.cond(h > 0, lambda y: y ** 2.0 - 0.0, lambda y: y, ys)

    args = (np.float64(0.3), np.array([0.5, -1.0, 2.0]))
    ir = fd.make_ir(f)(*args)
    simple = simplify(ir)
    names = _prim_names(simple)
    assert names.count("sin") == 1 and "pow" not in names and "sub" not in names, names
    assert names.count("mul") == 2, simple  # x ** 2.0 -> x * x, twice; h * 1.0 is gone
    np.testing.assert_array_equal(simple(*args)[0], ir(*args)[0])


def _rnn_loss(w, h0, xs):
    def step(h, x):
        h = fnp.tanh(h @ w + x)
        return h, fnp.sum(h * h)
    h, ys = lax.scan(step, h0, xs)
    return fnp.sum(ys) + fnp.sum(h)


def _scan_bodies(ir):
    return [e.params["body"] for e in ir.eqns if e.prim.name == "scan"]


def test_scan_reverse_mode_runs_the_forward_loop_once_and_stores_products():
    """value_and_grad of a scan: one forward loop (the primal one, also storing residuals)
    and one backward loop, which reads the stored product ``h @ w`` instead of computing it
    again (its only products are the two of the backward pass); grads still match."""
    w, h0, xs = rng.standard_normal((3, 3)) * 0.5, rng.standard_normal(3), rng.standard_normal((5, 3))
    ir = fd.make_ir(fd.value_and_grad(_rnn_loss, argnums=(0, 1, 2)))(w, h0, xs)
    forward, backward = _scan_bodies(ir)
    assert [count_primitives(b, "dot_general") for b in (forward, backward)] == [1, 2]
    assert ir.eqns[[e.prim.name for e in ir.eqns].index("scan")].params["reverse"] is False
    check_grads(_rnn_loss, (w, h0, xs), order=2)


def test_scan_residuals_are_recomputed_when_elementwise():
    """What the backward step reads that is elementwise in stored values (tanh here) is
    computed again, not stored: the residuals are the carry and the product."""
    body = fd.make_ir(lambda w, h, x: (fnp.tanh(h @ w + x),))(np.ones((3, 3)), np.ones(3), np.ones(3))
    res = control_flow.Residuals(body, [True, True, True], given=[0, 2])
    assert [v.aval.shape for v in res.stored] == [(3,), (3,)]
    assert count_primitives(res.backward, "tanh") == 1 and count_primitives(res.backward, "dot_general") == 2
