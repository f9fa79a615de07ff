"""Correctness of differentiation at its edges (issue 11): conversions that would drop a
derivative, derivatives at special points, pullbacks as values, cotangent dtypes,
rejected complex and non-array inputs, eager loop checks, cached backward programs."""
import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import lax
from funcdl.errors import ConcretizationError

# ----------------------------------------------------------------------------------------
# 8. concrete conversions never silently drop a derivative
# ----------------------------------------------------------------------------------------

CONVERSIONS = {
    "float(x)": lambda x: float(x) * 2.0,
    "int(x)": lambda x: int(x) * 2.0,
    "np.asarray(x)": lambda x: np.asarray(x) * 2.0,
    "x.item()": lambda x: x.item() * 2.0,
    "__index__": lambda x: [1.0, 2.0, 3.0][x] * x,
    "derived value": lambda x: float(fnp.sin(x) * 3.0) + x,
}


@pytest.mark.parametrize("name", CONVERSIONS)
def test_conversion_of_differentiated_value_raises_under_grad(name):
    with pytest.raises(ConcretizationError, match="stop_gradient"):
        fd.grad(CONVERSIONS[name])(1.0)


@pytest.mark.parametrize("transform", ["jvp", "vjp", "jacfwd", "jacrev"])
def test_conversion_raises_under_every_differentiating_transform(transform):
    f = lambda x: np.asarray(x) * 2.0  # noqa: E731
    x = np.array([1.0, 2.0])
    with pytest.raises(ConcretizationError, match=r"np\.asarray\(x\)"):
        if transform == "jvp":
            fd.jvp(f, (x,), (x,))
        elif transform == "vjp":
            fd.vjp(f, x)
        else:
            getattr(fd, transform)(f)(x)


def test_conversions_that_lose_nothing_stay_allowed():
    def f(x, n):
        scale = float(fd.stop_gradient(x))  # explicitly a constant
        k = int(n)  # an integer input carries no derivative
        if x > 0 and bool(x < 10):  # Python control flow on values
            return x * scale * k
        return x
    assert fd.grad(f)(3.0, 2) == pytest.approx(6.0)
    assert fd.grad(lambda x, y: x * float(y))(2.0, 5.0) == 5.0  # y is not differentiated
    assert fd.grad(lambda x: x * int(fnp.floor(x)))(2.5) == 2.0  # floor has no derivative
    assert fd.grad(lambda x: x * int((x > 1).astype(np.int32)))(2.5) == 1.0


def test_conversion_of_outer_differentiated_value_in_nested_transforms():
    with pytest.raises(ConcretizationError, match="float"):
        fd.grad(lambda x: fd.grad(lambda y: y * float(x))(1.0))(2.0)
    with pytest.raises(ConcretizationError, match="float"):
        fd.grad(lambda x: fnp.sum(fd.vmap(lambda y: y * float(x), in_axes=0)(np.ones(2))))(2.0)
    # an outer value that is not differentiated is fine to convert
    assert fd.grad(lambda x, n: fd.grad(lambda y: y * x * float(n))(1.0))(2.0, 3.0) == 3.0


def test_creation_functions_are_differentiable_in_their_float_arguments():
    assert fd.grad(lambda x: fnp.sum(fnp.linspace(x, 3.0, 4)))(0.5) == pytest.approx(2.0)
    assert fd.grad(lambda x: fnp.sum(fnp.linspace(0.0, x, 5)))(0.5) == pytest.approx(2.5)
    assert fd.grad(lambda x: fnp.sum(fnp.linspace(0.0, x, 4, endpoint=False)))(2.0) \
        == pytest.approx(1.5)
    assert fd.grad(lambda x: fnp.sum(fnp.arange(x, 3.0)))(0.5) == pytest.approx(3.0)
    assert fd.grad(lambda s: fnp.sum(fnp.arange(0.0, 3.0, s)))(0.5) == pytest.approx(15.0)
    assert fd.grad(lambda x: fnp.sum(fnp.full((2, 3), x)))(0.5) == pytest.approx(6.0)
    assert fd.grad(lambda x: fnp.sum(fnp.full_like(np.ones(4, np.float32), x)))(0.5) \
        == pytest.approx(4.0)
    assert fd.grad(lambda x: fnp.sum(fnp.array([x, 2.0 * x])))(0.5) == pytest.approx(3.0)


def test_traced_linspace_matches_numpy():
    for args, kw in [((0.5, 3.0, 4), {}), ((0.0, 1.0, 1), {}), ((0.0, 1.0, 0), {}),
                     ((1.0, 2.0, 5), {"endpoint": False}), ((0.0, 9.0, 4), {"dtype": np.int64}),
                     ((np.zeros(2), np.array([1.0, 2.0]), 3), {"axis": 1})]:
        expected = np.linspace(*args, **kw)
        traced = fd.make_ir(lambda a, b: fnp.linspace(a, b, args[2], **kw))(args[0], args[1])
        got, = traced(np.asarray(args[0]), np.asarray(args[1]))
        np.testing.assert_allclose(got, expected, rtol=1e-15)
        assert got.shape == expected.shape and got.dtype == expected.dtype
    y, step = fd.jit(lambda a: fnp.linspace(a, 1.0, 5, retstep=True))(0.0)  # jit: traced bounds
    assert step == 0.25 and y[-1] == 1.0


# ----------------------------------------------------------------------------------------
# 9. derivatives at special points where the function is smooth
# ----------------------------------------------------------------------------------------

def _d(f, order):
    for _ in range(order):
        f = fd.grad(f)
    return f


@pytest.mark.parametrize("y, x, first, second", [
    (0.0, 0.0, 0.0, 0.0), (0.0, 2.0, 0.0, 0.0), (1.0, 0.0, 1.0, 0.0), (2.0, 0.0, 0.0, 2.0),
    (3.0, 0.0, 0.0, 0.0), (2.0, -1.5, -3.0, 2.0)])
def test_power_derivative_in_the_base_at_special_points(y, x, first, second):
    f = lambda x: fnp.power(x, y)  # noqa: E731
    for order, expected in ((1, first), (2, second)):
        assert _d(f, order)(x) == expected
    assert fd.jvp(f, (x,), (1.0,))[1] == first


def test_power_special_points_under_jit():
    f = fd.jit(fd.vmap(fd.grad(fd.grad(lambda x, y: fnp.power(x, y)))))
    np.testing.assert_array_equal(f(np.array([0.0, 0.0, 0.0]), np.array([0.0, 1.0, 2.0])), [0, 0, 2])


def test_power_derivative_in_the_exponent_at_a_zero_base():
    assert fd.grad(lambda y: fnp.power(0.0, y))(2.0) == 0.0
    assert _d(lambda y: fnp.power(0.0, y), 2)(2.0) == 0.0
    assert fd.grad(lambda y: fnp.power(2.0, y))(3.0) == pytest.approx(8 * np.log(2.0))
    # the mixed second derivative d/dx d/dy x**y = x**(y-1) (1 + y log x), finite at x = 0
    mixed = fd.grad(lambda x: fd.grad(lambda y: fnp.power(x, y))(2.0))
    assert mixed(0.0) == 0.0 and mixed(3.0) == pytest.approx(3.0 * (1 + 2 * np.log(3.0)))


def test_scatter_multiply_derivatives_with_zero_updates():
    f = lambda u, x: fnp.sum(x.at[0].multiply(u))  # noqa: E731
    ones = np.ones(3)
    assert fd.grad(f)(0.0, ones) == 1.0
    assert fd.grad(fd.grad(f))(0.0, ones) == 0.0
    assert fd.jvp(f, (0.0, ones), (1.0, np.zeros(3)))[1] == 1.0
    # duplicate indices: out[1] = x1 * u0 * u2 * u3; every derivative is a product of the others
    x, idx = np.array([1.5, 2.0, -1.0]), np.array([1, 0, 1, 1])
    u = np.array([0.0, 2.0, 3.0, 0.0])
    g = lambda u, x: fnp.sum(x.at[idx].multiply(u))  # noqa: E731
    np.testing.assert_array_equal(fd.grad(g)(u, x), [0.0, 1.5, 0.0, 0.0])
    expected = np.zeros((4, 4))
    expected[0, 3] = expected[3, 0] = 2.0 * 3.0  # x1 * u2
    hess = fd.hessian(g, argnums=(0, 1))  # x traced too, so that it has .at
    np.testing.assert_array_equal(hess(u, x)[0][0], expected)
    np.testing.assert_array_equal(fd.jit(hess)(u, x)[0][0], expected)
    u = np.array([0.5, 2.0, 3.0, -1.0])
    _, t = fd.jvp(g, (u, x), (np.array([1.0, 0.0, 2.0, 0.0]), np.zeros(3)))
    assert t == pytest.approx(2.0 * (3.0 * -1.0 + 2 * 0.5 * -1.0))


def test_prod_derivatives_with_zeros_to_second_order():
    hess = fd.hessian(lambda x: fnp.prod(x))
    np.testing.assert_array_equal(hess(np.array([0.0, 2.0, 3.0])), [[0, 3, 2], [3, 0, 0], [2, 0, 0]])
    np.testing.assert_array_equal(hess(np.array([0.0, 0.0, 3.0])), [[0, 3, 0], [3, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(fd.grad(lambda x: fnp.prod(x))(np.array([0.0, 0.0, 3.0])), [0, 0, 0])
    x = np.array([[0.0, 2.0], [3.0, 4.0], [5.0, 0.0]])
    g = fd.grad(lambda x: fnp.sum(fnp.prod(x, axis=0)) + fnp.sum(fnp.prod(x, axis=1)))(x)
    np.testing.assert_array_equal(g, [[15 + 2, 0], [0 + 4, 0 + 3], [0 + 0, 8 + 5]])


@pytest.mark.parametrize("x", [0.4, -3.0, 20.0])
def test_logaddexp_derivatives_at_and_away_from_ties(x):
    f = lambda x: fnp.logaddexp(x, 0.4)  # noqa: E731
    s = 1.0 / (1.0 + np.exp(0.4 - x))  # d/dx = sigmoid(x - 0.4), d2 = s (1 - s)
    assert _d(f, 1)(x) == pytest.approx(s, rel=1e-12)
    assert _d(f, 2)(x) == pytest.approx(s * (1 - s), rel=1e-9)
    assert fd.jvp(fd.grad(f), (x,), (1.0,))[1] == pytest.approx(s * (1 - s), rel=1e-9)


def test_logaddexp_second_derivative_under_jit():
    assert fd.jit(_d(lambda x: fnp.logaddexp(x, 0.4), 2))(0.4) == pytest.approx(0.25, rel=1e-12)


def test_logaddexp_values_match_numpy_at_extremes():
    pairs = [(0.0, -50.0), (-50.0, 0.0), (np.inf, 1.0), (-np.inf, -np.inf), (np.inf, np.inf),
             (np.nan, 1.0), (3.0, 3.0), (1e300, -1e300), (-800.0, -801.0)]
    with np.errstate(all="ignore"):
        for a, b in pairs:
            np.testing.assert_array_equal(fnp.logaddexp(a, b), np.logaddexp(a, b))
            np.testing.assert_array_equal(fnp.logaddexp(np.float32(a), np.float32(b)),
                                          np.logaddexp(np.float32(a), np.float32(b)))


def test_max_min_ties_share_the_gradient_and_have_zero_curvature():
    for fn in (fnp.maximum, fnp.minimum):
        assert fd.grad(lambda x: fn(x, 1.0))(1.0) == 0.5
        assert _d(lambda x: fn(x, 1.0), 2)(1.0) == 0.0
        assert fd.grad(lambda x: fn(x, x))(1.0) == 1.0


# ----------------------------------------------------------------------------------------
# 10. a pullback is a function of the values at the time of the vjp call
# ----------------------------------------------------------------------------------------

def test_pullback_ignores_later_mutation_of_its_inputs():
    x = np.array([1.0, 2.0])
    out, f_vjp = fd.vjp(lambda x: fnp.sum(x ** 2), x)
    x[:] = 100.0
    np.testing.assert_array_equal(f_vjp(1.0)[0], [2.0, 4.0])
    assert out == 5.0


def test_pullback_ignores_later_mutation_of_closed_over_constants_and_views():
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = np.array([0.5, -1.0])
    expected = w @ np.cos(w.T @ x)
    out, f_vjp = fd.vjp(lambda x: fnp.sum(fnp.sin(w.T @ x)), x)  # w.T: a view of w
    w[:] = 0.0
    x[:] = 7.0
    np.testing.assert_allclose(f_vjp(1.0)[0], expected, rtol=1e-14)
    params = {"a": np.array([1.0, 3.0])}
    out, f_vjp = fd.vjp(lambda p: p["a"] * p["a"], params)  # the output aliases nothing
    params["a"][:] = 0.0
    out[:] = 0.0
    np.testing.assert_array_equal(f_vjp(np.ones(2))[0]["a"], [2.0, 6.0])


def test_pullback_of_identity_is_independent_of_the_returned_output():
    x = np.array([1.0, 2.0])
    out, f_vjp = fd.vjp(lambda x: fnp.exp(x[::-1]), x)
    out[:] = 0.0
    np.testing.assert_allclose(f_vjp(np.ones(2))[0], np.exp([1.0, 2.0]), rtol=1e-14)


# ----------------------------------------------------------------------------------------
# 11. cotangents and tangents are cast to the dtype of their output / primal
# ----------------------------------------------------------------------------------------

def test_vmap_of_pullback_with_float32_cotangent_for_float64_output():
    out, f_vjp = fd.vjp(lambda x: x * 2, np.ones(3))
    expected = np.full((2, 3), 2.0)
    for fn in (fd.vmap(f_vjp), fd.jit(fd.vmap(f_vjp))):
        (g,) = fn(np.ones((2, 3), np.float32))
        np.testing.assert_array_equal(g, expected)
        assert g.dtype == np.float64
    assert f_vjp(np.ones(3, np.float32))[0].dtype == np.float64


def test_pullback_of_float32_output_with_float64_cotangent_stays_float32():
    out, f_vjp = fd.vjp(lambda x: fnp.sin(x), np.ones(3, np.float32))
    assert f_vjp(np.ones(3))[0].dtype == np.float32
    assert fd.vmap(f_vjp)(np.ones((2, 3)))[0].dtype == np.float32
    assert f_vjp(1.0 + np.zeros(3))[0].dtype == np.float32
    with pytest.raises(ValueError, match="dtype"):
        f_vjp(np.ones(3, np.bool_))


def test_jvp_tangents_are_cast_to_the_primal_dtype():
    out, t = fd.jvp(fnp.sin, (np.float32(1.0),), (1.0,))  # a Python-scalar tangent
    assert t.dtype == np.float32
    out, t = fd.jvp(fnp.sin, (np.ones(2),), (np.ones(2, np.float32),))
    assert t.dtype == np.float64
    batched = fd.vmap(lambda v: fd.jvp(fnp.sin, (np.ones(2),), (v,))[1])
    for fn in (batched, fd.jit(batched)):
        t = fn(np.ones((3, 2), np.float32))
        assert t.dtype == np.float64 and t.shape == (3, 2)
        np.testing.assert_allclose(t, np.cos(1.0))


def test_grad_of_float32_function_is_float32_under_vmap_and_jit():
    f = lambda x: fnp.sum(fnp.sin(x) * 2.0)  # noqa: E731
    x = np.ones((2, 3), np.float32)
    for fn in (fd.vmap(fd.grad(f)), fd.jit(fd.vmap(fd.grad(f)))):
        assert fn(x).dtype == np.float32


# ----------------------------------------------------------------------------------------
# 13. complex values are accepted everywhere (conventions: tests/test_complex.py)
# ----------------------------------------------------------------------------------------

Z = np.array([1 + 2j, 3 + 1j])
COMPLEX_CASES = {
    "mean": lambda: fnp.mean(Z),
    "sum": lambda: fnp.sum(Z),
    "sin": lambda: fnp.sin(Z),
    "multiply": lambda: fnp.multiply(np.ones(2), 1j),
    "reshape": lambda: fnp.reshape(Z, (2, 1)),
    "asarray": lambda: fnp.asarray(Z),
    "zeros": lambda: fnp.zeros(2, np.complex64),
    "full": lambda: fnp.full(2, 1j),
    "astype": lambda: fd.jit(lambda x: x.astype(np.complex64))(np.ones(2)),
    "grad": lambda: fd.grad(lambda x: fnp.sum(fnp.abs(x * 1j)))(np.ones(2)),
    "vjp": lambda: fd.vjp(lambda x: x, Z),
    "jvp": lambda: fd.jvp(lambda x: x, (Z,), (Z,)),
    "jacfwd": lambda: fd.jacfwd(lambda x: x, holomorphic=True)(Z),
    "jacrev": lambda: fd.jacrev(lambda x: x, holomorphic=True)(Z),
    "vmap": lambda: fd.vmap(lambda x: x)(Z),
    "jit": lambda: fd.jit(lambda x: x)(Z),
    "make_ir": lambda: [Z] if "complex128" in str(fd.make_ir(lambda x: x)(Z)) else [],
    "lax.cond": lambda: lax.cond(True, lambda x: x, lambda x: x, Z),
    "lax.scan": lambda: lax.scan(lambda c, x: (c, x), 0.0, Z),
}


@pytest.mark.parametrize("name", COMPLEX_CASES)
def test_complex_values_pass_through_every_entry_point(name):
    out = COMPLEX_CASES[name]()
    leaves = [np.asarray(x) for x in fd.tree_util.tree_leaves(out) if not callable(x)]
    assert leaves and all(np.all(np.isfinite(x)) for x in leaves)


# ----------------------------------------------------------------------------------------
# 14. non-array arguments to transforms raise, naming the argument
# ----------------------------------------------------------------------------------------

NON_ARRAYS = {"a type": int, "a string": "abc", "an object": object(), "a function": len}
TRANSFORMS = {
    "grad": lambda f: fd.grad(f),
    "value_and_grad": lambda f: fd.value_and_grad(f),
    "vjp": lambda f: lambda *a: fd.vjp(f, *a),
    "jvp": lambda f: lambda x, s: fd.jvp(f, (x, s), (x, s)),
    "jacfwd": lambda f: fd.jacfwd(f),
    "jacrev": lambda f: fd.jacrev(f),
    "hessian": lambda f: fd.hessian(f),
    "vmap": lambda f: fd.vmap(f, in_axes=(0, None)),
    "jit": lambda f: fd.jit(f),
    "make_ir": lambda f: fd.make_ir(f),
}


@pytest.mark.parametrize("value", NON_ARRAYS, ids=list(NON_ARRAYS))
@pytest.mark.parametrize("transform", TRANSFORMS)
def test_non_array_arguments_raise_a_clear_type_error(transform, value):
    seen = []

    def f(x, s):
        seen.append(s)
        return fnp.sum(x)
    obj = NON_ARRAYS[value]
    path = r"args\[1\]"
    with pytest.raises(TypeError, match=path + ".*" + type(obj).__name__ + ".*functools.partial"):
        TRANSFORMS[transform](f)(np.ones(2), obj)
    assert not seen  # raised before the function ran


def test_non_array_leaf_inside_a_pytree_names_its_path_and_none_leaves_still_work():
    with pytest.raises(TypeError, match=r"args\[0\]\['k'\]\[1\] has type type"):
        fd.make_ir(lambda p: p["k"][0])({"k": (1.0, str)})
    assert fd.grad(lambda p: p["w"] * 2.0)({"w": 1.0, "none": None}) == {"w": 2.0, "none": None}
    assert fd.jit(lambda x, n: x if n is None else x * 2)(1.0, None) == 1.0
    assert fd.vmap(lambda x, n: x * 2)(np.ones(2), None).shape == (2,)
    # the documented ways to pass a non-array
    assert fd.jit(lambda x, t: x.astype(t), static_argnums=1)(1.0, np.float32).dtype == np.float32
    assert fd.grad(lambda x: x * 3.0 if isinstance(int, type) else x)(1.0) == 3.0


# ----------------------------------------------------------------------------------------
# 15. loops check the carry's type eagerly exactly as under jit
# ----------------------------------------------------------------------------------------

CARRY_CHANGES = {
    "while int->float": lambda c: lax.while_loop(lambda c: c < 3, lambda c: c + 1.5, c),
    "fori int->float": lambda c: lax.fori_loop(0, 3, lambda i, c: c + 1.5, c),
    "scan int->float": lambda c: lax.scan(lambda c, x: (c + x, None), c, np.ones(3))[0],
    "while shape": lambda c: lax.while_loop(lambda c: fnp.all(c < 3), lambda c: c + np.ones(2), c),
    "scan structure": lambda c: lax.scan(lambda c, x: ((c, c), None), c, np.ones(3))[0],
    "cond dtypes": lambda c: lax.cond(c > 0, lambda c: c, lambda c: c * 1.5, c),
    "cond structure": lambda c: lax.cond(c > 0, lambda c: (c, c), lambda c: c, c),
}


@pytest.mark.parametrize("name", CARRY_CHANGES)
@pytest.mark.parametrize("init", [0, np.int64(0)], ids=["python int", "numpy int"])
def test_loop_carry_type_changes_raise_eagerly_and_under_jit(name, init):
    f = CARRY_CHANGES[name]
    for fn in (f, fd.jit(f), fd.vmap(f, in_axes=None, axis_size=2)):
        with pytest.raises(TypeError, match="must return the same"):
            fn(init)


def test_weak_carries_still_adopt_the_precision_of_their_kind():
    f = lambda c: lax.while_loop(lambda c: c < 10, lambda c: c * np.float32(2), c)  # noqa: E731
    assert f(1.0).dtype == np.float32 and fd.jit(f)(1.0).dtype == np.float32
    g = lambda c: lax.fori_loop(0, 3, lambda i, c: c + np.int32(1), c)  # noqa: E731
    assert g(0).dtype == np.int32 and fd.jit(g)(0).dtype == np.int32
    assert lax.while_loop(lambda c: c < 3, lambda c: c + 1, 0) == 3


# ----------------------------------------------------------------------------------------
# 16. IRs compare structurally, so backward programs of control flow are reused
# ----------------------------------------------------------------------------------------

def _scan_fn(x):
    c, ys = lax.scan(lambda c, x: (c * fnp.sin(x), c + x), 1.0, x)
    return c + fnp.sum(ys)


def _cond_fn(x):
    return lax.cond(x[0] > 0, lambda x: fnp.sum(x ** 2), lambda x: fnp.sum(fnp.sin(x)), x)


def _fori_fn(x):
    return lax.fori_loop(0, 3, lambda i, c: c * 1.5 + fnp.sum(x), 0.0)


@pytest.mark.parametrize("fn", [_scan_fn, _cond_fn, _fori_fn], ids=["scan", "cond", "fori_loop"])
def test_repeated_grad_calls_of_control_flow_reuse_one_backward_program(fn):
    from funcdl.transforms import ad
    ad._BACKWARD_CACHE.clear()  # the cache is bounded: count entries from empty
    before = len(ad._BACKWARD_CACHE)
    grads = [fd.grad(fn)(np.arange(3.0) + i) for i in range(5)]
    assert len(ad._BACKWARD_CACHE) - before == 1
    for i, g in enumerate(grads):  # and each call used its own values
        np.testing.assert_allclose(g, fd.jacfwd(fn)(np.arange(3.0) + i), rtol=1e-12)
    ad._BACKWARD_CACHE.clear()  # the cache is bounded: count entries from empty
    before = len(ad._BACKWARD_CACHE)
    for i in range(3):
        fd.vjp(fn, np.arange(3.0) + i)[1](1.0)
    assert len(ad._BACKWARD_CACHE) - before == 1


def test_ir_structural_equality_and_hashing():
    a, b = fd.make_ir(_scan_fn)(np.ones(3)), fd.make_ir(_scan_fn)(np.zeros(3))
    assert a is not b and a == b and hash(a) == hash(b)
    assert a != fd.make_ir(_scan_fn)(np.ones(4))  # other avals
    assert a != fd.make_ir(_scan_fn)(np.ones(3, np.float32))
    assert fd.make_ir(lambda x: x * 2.0)(1.0) != fd.make_ir(lambda x: x * 3.0)(1.0)  # literals
    assert fd.make_ir(lambda x: x * 0.0)(1.0) != fd.make_ir(lambda x: x * -0.0)(1.0)
    assert fd.make_ir(lambda x, y: x - y)(1.0, 2.0) != fd.make_ir(lambda x, y: y - x)(1.0, 2.0)
    small, big = np.arange(3.0), np.arange(100.0)
    assert fd.make_ir(lambda x: x + small)(np.ones(3)) == fd.make_ir(lambda x: x + small.copy())(np.ones(3))
    assert fd.make_ir(lambda x: x + small)(np.ones(3)) != fd.make_ir(lambda x: x + small[::-1])(np.ones(3))
    assert fd.make_ir(lambda x: x + big)(np.ones(100)) == fd.make_ir(lambda x: x + big)(np.ones(100))
    assert fd.make_ir(lambda x: x + big)(np.ones(100)) != fd.make_ir(lambda x: x + big.copy())(np.ones(100))
    # sub-programs: branches that differ make different programs
    c1 = fd.make_ir(lambda x: lax.cond(x > 0, lambda x: x, lambda x: -x, x))(1.0)
    c2 = fd.make_ir(lambda x: lax.cond(x > 0, lambda x: x, lambda x: x * 2.0, x))(1.0)
    assert c1 != c2 and c1 == fd.make_ir(lambda x: lax.cond(x > 0, lambda y: y, lambda y: -y, x))(1.0)


def test_pow_derivative_in_the_exponent_at_zero():
    # d/dy of d/dx x**y at y = 0 is 1/x: only x = y = 0 is special-cased in pow's rule
    f = lambda y: fd.grad(lambda x: fnp.power(x, y))(1.5)  # noqa: E731
    np.testing.assert_allclose(fd.grad(f)(0.0), 1 / 1.5, rtol=1e-12)
    np.testing.assert_allclose(fd.jit(fd.grad(f))(0.0), 1 / 1.5, rtol=1e-12)
    assert fd.grad(fd.grad(lambda x: fnp.power(x, 0.0)))(0.0) == 0.0


def test_jit_names_a_non_array_argument():
    with pytest.raises(TypeError, match=r"jit: argument .*str"):
        fd.jit(lambda x, s: x)(1.0, "relu")
    assert fd.jit(lambda x, s: x * 2, static_argnums=1)(1.0, "relu") == 2.0


def test_vmap_keeps_python_scalar_arguments_weak():
    # found by the fuzzer: an unmapped Python scalar promoted float32 to float64 under vmap
    f = fd.vmap(lambda x, s: x + s, in_axes=(0, None))
    assert f(np.zeros((2, 3), np.float32), 0.0).dtype == np.float32
    assert f(np.zeros((2, 3), np.int32), 1).dtype == np.int32
    assert fd.jit(f)(np.zeros((2, 3), np.float32), 0.5).dtype == np.float32
