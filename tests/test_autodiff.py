"""User-level tests of the autodiff transforms: grad, value_and_grad, vjp, jvp, jacfwd,
jacrev, hessian, stop_gradient and custom_vjp, on composite functions, pytrees of
parameters, nesting/composition, Python control flow, the IR of backward programs,
error messages and debug_nans.

Per-primitive rules are covered by test_ad_table.py; here the functions are built the
way users write them and checked against finite differences (``check_grads``) or
closed-form derivatives.
"""
import collections
import math

import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import lax
from funcdl.test_util import check_grads


def rng(seed=0):
    return np.random.default_rng(seed)


def randn(*shape, seed=0, dtype=np.float64):
    return rng(seed).standard_normal(shape).astype(dtype)


def assert_close(got, want, atol=1e-9, rtol=1e-9):
    gl, gt = fd.tree_util.tree_flatten(got)
    wl, wt = fd.tree_util.tree_flatten(want)
    assert gt == wt, (gt, wt)
    for g, w in zip(gl, wl):
        assert np.shape(g) == np.shape(w), (np.shape(g), np.shape(w))
        np.testing.assert_allclose(np.asarray(g, np.float64), np.asarray(w, np.float64),
                                   atol=atol, rtol=rtol)


def numeric_grad(f, x, eps=1e-6):
    """Central differences of scalar ``f`` at array ``x`` (float64)."""
    x = np.asarray(x, np.float64)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        g.flat[i] = (float(f(x + e)) - float(f(x - e))) / (2 * eps)
    return g


def via_ir(f):
    """``f`` evaluated through its traced IR: numpy arrays have no ``.at``, so a function
    using ``x.at[...]`` can only run on traced values (finite differences call it eagerly)."""
    def run(*args):
        out = fd.make_ir(f)(*args)(*fd.tree_util.tree_leaves(list(args)))
        assert len(out) == 1
        return out[0]
    return run


# ----------------------------------------------------------------------------------------
# Composite functions, as users write them
# ----------------------------------------------------------------------------------------


def softmax(x, axis=-1):
    z = x - fd.stop_gradient(fnp.max(x, axis=axis, keepdims=True))
    e = fnp.exp(z)
    return e / fnp.sum(e, axis=axis, keepdims=True)


def logsumexp(x, axis=-1):
    m = fd.stop_gradient(fnp.max(x, axis=axis, keepdims=True))
    return fnp.squeeze(m, axis) + fnp.log(fnp.sum(fnp.exp(x - m), axis=axis))


def layer_norm(x, gamma, beta, eps=1e-5):
    mu = fnp.mean(x, axis=-1, keepdims=True)
    var = fnp.var(x, axis=-1, keepdims=True)
    return gamma * (x - mu) / fnp.sqrt(var + eps) + beta


def mlp_init(seed=0, sizes=(4, 5, 3)):
    r = rng(seed)
    return [{"w": r.standard_normal((m, n)) / np.sqrt(m), "b": 0.1 * r.standard_normal(n)}
            for m, n in zip(sizes[:-1], sizes[1:])]


def mlp_loss(params, x, labels):
    h = x
    for layer in params[:-1]:
        h = fnp.tanh(h @ layer["w"] + layer["b"])
    logits = h @ params[-1]["w"] + params[-1]["b"]
    logp = logits - logsumexp(logits)[:, None]
    picked = fnp.take_along_axis(logp, labels[:, None], axis=1)[:, 0]
    return -fnp.mean(picked)


MLP_X = randn(6, 4, seed=1)
MLP_Y = np.array([0, 2, 1, 1, 0, 2])


def test_softmax_matches_finite_differences():
    x = randn(3, 4)
    check_grads(lambda x: softmax(x), (x,), order=2)
    check_grads(lambda x: softmax(x, axis=0), (x,), order=2)


def test_softmax_rows_sum_to_one_so_jacobian_rows_sum_to_zero():
    x = randn(5)
    J = fd.jacrev(softmax)(x)
    s = softmax(x)
    assert_close(J, np.diag(s) - np.outer(s, s), atol=1e-12)
    assert_close(J.sum(axis=0), np.zeros(5), atol=1e-12)


def test_logsumexp_with_stop_gradient_shift():
    x = randn(3, 4)
    check_grads(lambda x: logsumexp(x), (x,), order=2)
    # the gradient of logsumexp is softmax, even though the shift is stop_gradient'ed
    g = fd.grad(lambda x: fnp.sum(logsumexp(x)))(x)
    e = np.exp(x - x.max(-1, keepdims=True))
    assert_close(g, e / e.sum(-1, keepdims=True), atol=1e-12)


def test_logsumexp_shift_makes_large_inputs_finite():
    x = np.array([1000.0, 1000.0, 999.0])
    g = fd.grad(logsumexp)(x)
    assert np.all(np.isfinite(g))
    e = np.exp(x - 1000.0)
    assert_close(g, e / e.sum(), atol=1e-12)


def test_layer_norm():
    x, gamma, beta = randn(3, 5), randn(5, seed=2), randn(5, seed=3)
    check_grads(lambda x, g, b: layer_norm(x, g, b), (x, gamma, beta), order=2)
    # normalisation is invariant to shifting a row, so the gradient of a sum of outputs
    # w.r.t. x sums to zero along the normalised axis
    g = fd.grad(lambda x: fnp.sum(layer_norm(x, gamma, beta) * randn(3, 5, seed=4)))(x)
    assert_close(g.sum(axis=-1), np.zeros(3), atol=1e-10)


def test_mlp_loss_gradients():
    params = mlp_init()
    check_grads(lambda p: mlp_loss(p, MLP_X, MLP_Y), (params,), order=2)
    g = fd.grad(mlp_loss)(params, MLP_X, MLP_Y)
    # compare one leaf with element-wise finite differences
    w0 = params[0]["w"]

    def f(w):
        p = [dict(params[0], w=w), params[1]]
        return mlp_loss(p, MLP_X, MLP_Y)

    assert_close(g[0]["w"], numeric_grad(f, w0), atol=1e-7, rtol=1e-6)


def test_mlp_loss_with_integer_indexing():
    params = mlp_init(3)

    def loss(p, x, y):
        h = fnp.tanh(x @ p[0]["w"] + p[0]["b"])
        logits = h @ p[1]["w"] + p[1]["b"]
        logp = logits - logsumexp(logits)[:, None]
        return -fnp.mean(logp[np.arange(len(y)), y])

    want = fd.grad(mlp_loss)(params, MLP_X, MLP_Y)
    assert_close(fd.grad(loss)(params, MLP_X, MLP_Y), want, atol=1e-12)
    check_grads(lambda p: loss(p, MLP_X, MLP_Y), (params,), order=1)


def test_conv_maxpool_dense_loss():
    r = rng(5)
    x = r.standard_normal((2, 1, 6, 6))
    params = {"k": 0.5 * r.standard_normal((2, 1, 3, 3)), "w": 0.3 * r.standard_normal((8, 3)),
              "b": np.zeros(3)}
    labels = np.array([2, 0])

    def loss(p, x):
        h = fnp.tanh(lax.conv(x, p["k"], padding="VALID"))          # (2, 2, 4, 4)
        h = lax.max_pool(h, 2)                                      # (2, 2, 2, 2)
        logits = fnp.reshape(h, (2, 8)) @ p["w"] + p["b"]
        logp = logits - logsumexp(logits)[:, None]
        return -fnp.mean(fnp.take_along_axis(logp, labels[:, None], axis=1))

    check_grads(loss, (params, x), order=1)
    check_grads(lambda p: loss(p, x), (params,), order=2, modes=("rev",))


def test_conv_same_padding_stride_avg_pool():
    r = rng(6)
    x, k = r.standard_normal((1, 2, 5, 5)), r.standard_normal((3, 2, 3, 3))

    def f(x, k):
        y = lax.conv(x, k, stride=2, padding="SAME")
        return fnp.sum(lax.avg_pool(y, 2, stride=1) ** 2)

    check_grads(f, (x, k), order=2)


def test_at_add_functional_update():
    x = randn(5)
    idx = np.array([0, 2, 2, 4])

    def f(x, v):
        y = x.at[idx].add(v)  # duplicate index 2 accumulates
        return fnp.sum(fnp.sin(y) * fnp.arange(5.0))

    v = randn(4, seed=1)
    check_grads(via_ir(f), (x, v), order=2)
    gx, gv = fd.grad(f, argnums=(0, 1))(x, v)
    y = x.copy()
    np.add.at(y, idx, v)
    dy = np.cos(y) * np.arange(5.0)
    assert_close(gx, dy, atol=1e-12)
    assert_close(gv, dy[idx], atol=1e-12)


def test_at_set_gradient_is_zero_for_overwritten_entries():
    def f(x):
        return fnp.sum(x.at[1].set(7.0) ** 2)

    x = np.array([1.0, 2.0, 3.0])
    assert_close(fd.grad(f)(x), np.array([2.0, 0.0, 6.0]))
    assert_close(x, np.array([1.0, 2.0, 3.0]))  # input never mutated


def test_where_guarded_sqrt_has_finite_gradient():
    # the "double where" trick: the unselected branch must not poison the gradient
    def safe_sqrt(x):
        pos = x > 0
        return fnp.where(pos, fnp.sqrt(fnp.where(pos, x, 1.0)), 0.0)

    x = np.array([-1.0, 0.0, 4.0])
    g = fd.grad(lambda x: fnp.sum(safe_sqrt(x)))(x)
    assert_close(g, np.array([0.0, 0.0, 0.25]))
    check_grads(lambda x: fnp.sum(safe_sqrt(x)), (np.array([-1.0, 0.5, 4.0]),), order=2)


def test_where_selects_gradient():
    x, y = np.array([1.0, -2.0, 3.0]), np.array([5.0, 6.0, 7.0])
    gx, gy = fd.grad(lambda x, y: fnp.sum(fnp.where(x > 0, x * y, y)), argnums=(0, 1))(x, y)
    assert_close(gx, np.array([5.0, 0.0, 7.0]))
    assert_close(gy, np.array([1.0, 1.0, 3.0]))


def test_power_maximum_clip():
    x = np.array([-1.5, -0.3, 0.4, 2.0])
    assert_close(fd.grad(lambda x: fnp.sum(x ** 2))(x), 2 * x)
    assert_close(fd.grad(lambda x: fnp.sum(x ** 3.0))(x), 3 * x ** 2)
    assert_close(fd.grad(lambda x: fnp.sum(fnp.maximum(x, 0)))(x), (x > 0).astype(float))
    assert_close(fd.grad(lambda x: fnp.sum(fnp.maximum(x, 0.0) ** 2))(x), 2 * np.maximum(x, 0))
    assert_close(fd.grad(lambda x: fnp.sum(fnp.clip(x, -1.0, 1.0)))(x),
                 np.array([0.0, 1.0, 1.0, 0.0]))
    assert_close(fd.grad(lambda x: fnp.sum(x.clip(-1.0, 1.0) * x))(x),
                 np.array([-1.0, -0.6, 0.8, 1.0]))
    for f in (lambda x: x ** 2, lambda x: fnp.maximum(x, 0.0) * x,
              lambda x: fnp.clip(x, -1.0, 1.0) * fnp.sin(x), lambda x: fnp.power(fnp.abs(x), 1.5)):
        check_grads(f, (x,), order=2)


def test_einsum_contraction():
    r = rng(7)
    a, b, c = r.standard_normal((2, 3)), r.standard_normal((3, 4)), r.standard_normal((4,))

    def f(a, b, c):
        return fnp.einsum("ij,jk,k->i", a, b, c)

    check_grads(f, (a, b, c), order=2)
    g = fd.grad(lambda a, b, c: fnp.sum(f(a, b, c)), argnums=(0, 1, 2))(a, b, c)
    assert_close(g[0], np.outer(np.ones(2), b @ c))
    assert_close(g[1], np.outer(a.sum(0), c))
    assert_close(g[2], a.sum(0) @ b)
    check_grads(lambda a: fnp.einsum("ij,ij->", a, a), (a,), order=2)
    check_grads(lambda a, b: fnp.einsum("ij,jk->ki", a, b), (a, b), order=2)


@pytest.mark.parametrize("reduction", ["var", "std", "mean", "max", "min", "sum", "prod"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 2)])
def test_reductions_with_axis(reduction, axis):
    x = randn(2, 3, 4, seed=8) + 0.5
    fn = getattr(fnp, reduction)
    check_grads(lambda x: fn(x, axis=axis), (x,), order=2)
    check_grads(lambda x: fn(x, axis=axis, keepdims=True), (x,), order=1)


def test_reduction_methods_and_closed_forms():
    x = randn(3, 4, seed=9)
    n = x.shape[1]
    g = fd.grad(lambda x: fnp.sum(x.var(axis=1)))(x)
    assert_close(g, 2 * (x - x.mean(1, keepdims=True)) / n, atol=1e-12)
    g = fd.grad(lambda x: fnp.sum(fnp.std(x, axis=1)))(x)
    assert_close(g, (x - x.mean(1, keepdims=True)) / (n * x.std(1, keepdims=True)), atol=1e-12)
    g = fd.grad(lambda x: fnp.sum(x.max(axis=0)))(x)
    assert_close(g, (x == x.max(0, keepdims=True)).astype(float))
    assert_close(fd.grad(lambda x: x.mean())(x), np.full_like(x, 1 / x.size))


def test_max_ties_split_or_pick_gradient_consistently():
    # a subgradient: the total gradient mass of max over tied entries must be 1
    x = np.array([1.0, 3.0, 3.0, 0.0])
    g = fd.grad(fnp.max)(x)
    assert g[0] == 0 and g[3] == 0
    assert math.isclose(g[1] + g[2], 1.0)


# ----------------------------------------------------------------------------------------
# Pytrees of parameters
# ----------------------------------------------------------------------------------------

Params = collections.namedtuple("Params", ["w", "b"])


def _sq_loss(p):
    return sum(fnp.sum(fnp.sin(leaf) ** 2) for leaf in fd.tree_util.tree_leaves(p))


def _expected_sq_grad(p):
    return fd.tree_map(lambda v: 2 * np.sin(v) * np.cos(v), p)


@pytest.mark.parametrize("kind", ["dict", "list", "tuple", "namedtuple", "nested", "ordereddict"])
def test_gradient_has_the_params_structure(kind):
    a, b, c = randn(2, 3), randn(3, seed=1), np.float64(0.7)
    params = {
        "dict": {"w": a, "b": b},
        "list": [a, b, c],
        "tuple": (a, b),
        "namedtuple": Params(a, b),
        "nested": {"layers": [Params(a, b), {"scale": c, "none": None}], "extra": (b,)},
        "ordereddict": collections.OrderedDict([("z", a), ("a", b)]),
    }[kind]
    g = fd.grad(_sq_loss)(params)
    assert fd.tree_util.tree_structure(g) == fd.tree_util.tree_structure(params)
    assert type(g) is type(params)
    assert_close(g, _expected_sq_grad(params), atol=1e-12)
    for gl, pl in zip(fd.tree_util.tree_leaves(g), fd.tree_util.tree_leaves(params)):
        assert np.shape(gl) == np.shape(pl)
        assert np.asarray(gl).dtype == np.asarray(pl).dtype


def test_registered_dataclass_and_custom_node_params():
    import dataclasses

    @dataclasses.dataclass
    class Linear:
        w: object
        b: object
        name: str = "lin"

    fd.tree_util.register_dataclass(Linear, data_fields=["w", "b"], meta_fields=["name"])

    class Box:
        def __init__(self, a, b):
            self.a, self.b = a, b

    fd.tree_util.register_pytree_node(Box, lambda x: ((x.a, x.b), None),
                                      lambda _, children: Box(*children))

    g = fd.grad(lambda p: fnp.sum(p.w ** 2) + p.b)(Linear(np.array([1.0, 2.0]), 1.0, "first"))
    assert isinstance(g, Linear) and g.name == "first"
    assert_close(g.w, np.array([2.0, 4.0]))
    assert float(g.b) == 1.0
    box = Box(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    gb = fd.grad(lambda p: fnp.sum(p.a * p.b))(box)
    assert isinstance(gb, Box)
    assert_close((gb.a, gb.b), (box.b, box.a))
    _, t = fd.jvp(lambda p: p.a * p.b, (box,), (Box(np.ones(2), np.zeros(2)),))
    assert_close(t, box.b)
    J = fd.jacrev(lambda p: p.a * p.b)(box)
    assert isinstance(J, Box)
    assert_close(J.a, np.diag(box.b))
    (gx,) = fd.vjp(lambda x: Box(x, x * 2.0), np.ones(2))[1](Box(np.ones(2), np.ones(2)))
    assert_close(gx, np.full(2, 3.0))


def test_empty_and_zero_size_params():
    assert fd.grad(lambda p, x: fnp.sum(x))({}, np.ones(2)) == {}
    g = fd.grad(lambda p, x: fnp.sum(x) + fnp.sum(p["w"]))({"w": np.ones((0, 3))}, np.ones(2))
    assert g["w"].shape == (0, 3)
    assert fd.jacrev(lambda x: x * 2.0)(np.ones(0)).shape == (0, 0)
    assert fd.jacfwd(lambda x: x * 2.0)(np.ones(0)).shape == (0, 0)


def test_float32_params_give_float32_grads():
    params = {"w": randn(3, 2, dtype=np.float32), "b": np.zeros(2, np.float32),
              "d": randn(2, dtype=np.float64)}
    x = randn(4, 3, dtype=np.float32, seed=2)

    def loss(p):
        return fnp.sum(fnp.tanh(x @ p["w"] + p["b"]) * 2.0) + fnp.sum(p["d"] ** 2)

    value, g = fd.value_and_grad(loss)(params)
    assert g["w"].dtype == np.float32 and g["b"].dtype == np.float32
    assert g["d"].dtype == np.float64
    check_grads(loss, (params,), order=1, modes=("rev",))


def test_float32_scalar_and_weak_python_scalars():
    x = np.float32(0.5)
    g = fd.grad(lambda x: x * 3.0 + fnp.sin(x))(x)
    assert np.asarray(g).dtype == np.float32
    assert math.isclose(float(g), 3.0 + math.cos(0.5), rel_tol=1e-6)


def test_python_float_argument():
    assert math.isclose(float(fd.grad(lambda x: x ** 3)(2.0)), 12.0)
    assert math.isclose(float(fd.grad(fnp.sin)(0.0)), 1.0)


def test_argnums_int_and_tuple():
    def f(x, y, z):
        return fnp.sum(x * y ** 2) + z

    x, y, z = np.array([1.0, 2.0]), np.array([3.0, 4.0]), 5.0
    assert_close(fd.grad(f)(x, y, z), y ** 2)
    assert_close(fd.grad(f, argnums=1)(x, y, z), 2 * x * y)
    gy = fd.grad(f, argnums=(1,))(x, y, z)
    assert isinstance(gy, tuple) and len(gy) == 1
    assert_close(gy[0], 2 * x * y)
    gx, gz = fd.grad(f, argnums=(0, 2))(x, y, z)
    assert_close(gx, y ** 2)
    assert float(gz) == 1.0
    assert_close(fd.grad(f, argnums=-2)(x, y, z), 2 * x * y)


def test_argnums_tuple_order_is_respected():
    def f(x, y, z):
        return fnp.sum(x * y ** 2) + z

    x, y, z = np.array([1.0, 2.0]), np.array([3.0, 4.0]), 5.0
    gz, gx = fd.grad(f, argnums=(2, 0))(x, y, z)  # JAX: in the order asked
    assert np.shape(gz) == () and float(gz) == 1.0
    assert_close(gx, y ** 2)
    # with pytrees of different structure the leaves end up in the wrong containers
    g = fd.grad(lambda a, b: fnp.sum(a["w"]) * b[0], argnums=(1, 0))({"w": np.ones(2)}, (2.0,))
    assert isinstance(g[0], tuple) and isinstance(g[1], dict)
    # jacobians already respect the order
    jr = fd.jacrev(lambda x, y: x * 2.0 + y * 3.0, argnums=(1, 0))(1.0, 1.0)
    assert_close(jr, (np.array(3.0), np.array(2.0)))


def test_has_aux_with_grad_and_value_and_grad():
    def loss(w, x):
        pred = x @ w
        return fnp.mean(pred ** 2), {"pred": pred, "n": x.shape[0]}

    w, x = randn(3), randn(4, 3, seed=1)
    (value, aux), g = fd.value_and_grad(loss, has_aux=True)(w, x)
    assert math.isclose(float(value), float(np.mean((x @ w) ** 2)))
    assert_close(aux["pred"], x @ w)
    assert aux["n"] == 4
    assert_close(g, 2 * x.T @ (x @ w) / 4)
    g2, aux2 = fd.grad(loss, has_aux=True)(w, x)
    assert_close(g2, g)
    assert_close(aux2["pred"], x @ w)
    # aux values are concrete arrays, not tracers
    assert isinstance(aux2["pred"], np.ndarray)


def test_has_aux_requires_a_pair():
    with pytest.raises(TypeError, match="pair"):
        fd.grad(lambda x: x * 2.0, has_aux=True)(1.0)


def test_value_and_grad_tuple_argnums_with_pytrees():
    def f(p, q):
        return fnp.sum(p["a"] * q[0]) + q[1] ** 2

    p, q = {"a": np.array([1.0, 2.0])}, (np.array([3.0, 4.0]), 0.5)
    v, (gp, gq) = fd.value_and_grad(f, argnums=(0, 1))(p, q)
    assert math.isclose(float(v), 11.25)
    assert_close(gp, {"a": np.array([3.0, 4.0])})
    assert isinstance(gq, tuple)
    assert_close(gq[0], np.array([1.0, 2.0]))
    assert math.isclose(float(gq[1]), 1.0)


def test_vjp_with_pytree_outputs():
    def f(x, p):
        return {"s": fnp.sin(x) * p["k"], "pair": (x ** 2, fnp.sum(x))}

    x, p = randn(3), {"k": np.float64(2.0)}
    out, f_vjp = fd.vjp(f, x, p)
    assert_close(out["s"], np.sin(x) * 2.0)
    ct = {"s": np.ones(3), "pair": (np.array([1.0, 0.0, 2.0]), np.float64(3.0))}
    gx, gp = f_vjp(ct)
    assert_close(gx, np.cos(x) * 2.0 + 2 * x * np.array([1.0, 0.0, 2.0]) + 3.0)
    assert_close(gp, {"k": np.sum(np.sin(x))})
    # vjp_fn can be called repeatedly with different cotangents
    ct2 = fd.tree_map(lambda c: 2 * np.asarray(c), ct)
    gx2, _ = f_vjp(ct2)
    assert_close(gx2, 2 * gx)


def test_vjp_has_aux():
    def f(x):
        y = fnp.exp(x)
        return y, {"mean": fnp.mean(y)}

    x = randn(3)
    out, f_vjp, aux = fd.vjp(f, x, has_aux=True)
    assert_close(out, np.exp(x))
    assert math.isclose(float(aux["mean"]), float(np.exp(x).mean()))
    (g,) = f_vjp(np.ones(3))
    assert_close(g, np.exp(x))


def test_vjp_matches_grad_for_scalar_output():
    params = mlp_init(1)
    out, f_vjp = fd.vjp(lambda p: mlp_loss(p, MLP_X, MLP_Y), params)
    (g,) = f_vjp(np.float64(1.0))
    assert_close(g, fd.grad(mlp_loss)(params, MLP_X, MLP_Y), atol=1e-12)
    assert math.isclose(float(out), float(mlp_loss(params, MLP_X, MLP_Y)))


def test_jvp_with_pytree_primals_and_tangents():
    def f(p, x):
        return {"y": fnp.tanh(x @ p.w + p.b), "norm": fnp.sum(p.w ** 2)}

    p, x = Params(randn(3, 2), randn(2, seed=1)), randn(4, 3, seed=2)
    tp = Params(randn(3, 2, seed=3), randn(2, seed=4))
    tx = randn(4, 3, seed=5)
    out, t_out = fd.jvp(f, (p, x), (tp, tx))
    assert set(out) == {"y", "norm"} and set(t_out) == {"y", "norm"}
    z = x @ p.w + p.b
    dz = tx @ p.w + x @ tp.w + tp.b
    assert_close(t_out["y"], (1 - np.tanh(z) ** 2) * dz)
    assert_close(t_out["norm"], np.sum(2 * p.w * tp.w))
    check_grads(f, (p, x), order=2)


def test_jvp_integer_primal_gets_no_tangent():
    def f(x, n):
        return x * n

    x, n = np.array([1.0, 2.0]), np.array([3, 4])
    out, t = fd.jvp(f, (x, n), (np.ones(2), np.zeros(2, int)))
    assert_close(t, np.array([3.0, 4.0]))


# ----------------------------------------------------------------------------------------
# custom_vjp
# ----------------------------------------------------------------------------------------


@fd.custom_vjp
def clip_gradient(x):
    return x


clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (fnp.clip(g, -1.0, 1.0),))


@fd.custom_vjp
def log1pexp(x):
    return fnp.log1p(fnp.exp(x))


def _log1pexp_fwd(x):
    return log1pexp(x), x


def _log1pexp_bwd(x, g):
    # sigmoid(x), computed without overflow
    return (g * fnp.where(x >= 0, 1.0 / (1.0 + fnp.exp(-fnp.abs(x))),
                          fnp.exp(-fnp.abs(x)) / (1.0 + fnp.exp(-fnp.abs(x)))),)


log1pexp.defvjp(_log1pexp_fwd, _log1pexp_bwd)


def test_custom_vjp_clipped_gradient_identity():
    assert float(clip_gradient(3.0)) == 3.0
    assert float(fd.grad(lambda x: 5.0 * clip_gradient(x))(2.0)) == 1.0
    assert float(fd.grad(lambda x: 0.5 * clip_gradient(x))(2.0)) == 0.5
    g = fd.grad(lambda x: fnp.sum(clip_gradient(x) * np.array([-3.0, 0.2, 4.0])))(np.ones(3))
    assert_close(g, np.array([-1.0, 0.2, 1.0]))


def test_custom_vjp_log1pexp_is_stable():
    x = np.array([-800.0, -3.0, 0.0, 2.5, 800.0])
    with np.errstate(over="ignore"):  # the forward log1p(exp(800)) is inf; the rule is not
        g = fd.grad(lambda x: fnp.sum(log1pexp(x)))(x)
    assert np.all(np.isfinite(g))
    assert_close(g, 1 / (1 + np.exp(-np.clip(x, -50, 50))), atol=1e-12)
    xs = np.array([-3.0, 0.3, 2.5])
    check_grads(lambda x: log1pexp(x), (xs,), order=1, modes=("rev",))


def test_custom_vjp_composes_with_vjp_jacrev_and_outer_grad():
    x = np.array([-1.0, 0.5, 2.0])
    J = fd.jacrev(log1pexp)(x)
    assert_close(J, np.diag(1 / (1 + np.exp(-x))), atol=1e-12)
    # a custom rule inside a larger function, with other arguments
    f = lambda w, x: fnp.sum(log1pexp(w * x) * w)  # noqa: E731
    gw = fd.grad(f)(np.float64(0.7), x)
    s = 1 / (1 + np.exp(-0.7 * x))
    assert math.isclose(float(gw), float(np.sum(s * x * 0.7 + np.log1p(np.exp(0.7 * x)))),
                        rel_tol=1e-10)


def test_custom_vjp_with_pytree_args_and_multiple_inputs():
    @fd.custom_vjp
    def scaled(p, x):
        return p["a"] * x

    def fwd(p, x):
        return scaled(p, x), (p, x)

    def bwd(res, g):
        p, x = res
        return {"a": fnp.sum(g * x) * 10.0}, g * p["a"]  # deliberately scaled for p

    scaled.defvjp(fwd, bwd)
    p, x = {"a": np.float64(2.0)}, np.array([1.0, 3.0])
    gp, gx = fd.grad(lambda p, x: fnp.sum(scaled(p, x)), argnums=(0, 1))(p, x)
    assert math.isclose(float(gp["a"]), 40.0)
    assert_close(gx, np.array([2.0, 2.0]))


def test_custom_vjp_bwd_with_wrong_shape_raises():
    @fd.custom_vjp
    def double(x):
        return x * 2.0

    double.defvjp(lambda x: (x * 2.0, None), lambda _, g: (fnp.ones(5),))
    with pytest.raises((ValueError, TypeError), match="shape"):
        fd.grad(lambda x: fnp.sum(double(x)))(np.ones(3))


def test_custom_vjp_bwd_with_wrong_arity_raises():
    @fd.custom_vjp
    def mul(x, y):
        return x * y

    mul.defvjp(lambda x, y: (x * y, (x, y)), lambda r, g: (g * r[1],))
    with pytest.raises(TypeError, match="one cotangent per argument"):
        fd.grad(mul)(2.0, 3.0)


def test_custom_vjp_fwd_must_return_pair():
    @fd.custom_vjp
    def double(x):
        return x * 2.0

    double.defvjp(lambda x: x * 2.0, lambda _, g: (g * 2.0,))
    with pytest.raises(TypeError, match="pair"):
        fd.grad(double)(1.0)


def test_custom_vjp_higher_order_and_integer_args():
    @fd.custom_vjp
    def cube(x):
        return x ** 3

    cube.defvjp(lambda x: (x ** 3, x), lambda x, g: (3.0 * x * x * g,))
    assert math.isclose(float(fd.grad(cube)(3.0)), 27.0)
    assert math.isclose(float(fd.grad(fd.grad(cube))(3.0)), 18.0)   # bwd is differentiable
    assert math.isclose(float(fd.grad(fd.grad(fd.grad(cube)))(3.0)), 6.0)
    # closure: d/dx [d/dy cube(x y)]_{y=1} = d/dx 3 x^3 = 9 x^2
    assert math.isclose(float(fd.grad(lambda x: fd.grad(lambda y: cube(y * x))(1.0))(2.0)), 36.0)

    @fd.custom_vjp
    def powi(x, n):
        return x ** n

    powi.defvjp(lambda x, n: (x ** n, (x, n)), lambda r, g: (g * r[1] * r[0] ** (r[1] - 1), None))
    assert math.isclose(float(fd.grad(powi)(2.0, 3)), 12.0)


def test_custom_vjp_closing_over_traced_value_raises():
    def make(x):
        @fd.custom_vjp
        def f(y):
            return y * x

        f.defvjp(lambda y: (y * x, None), lambda _, g: (g * x,))
        return f

    with pytest.raises(TypeError, match="closes over"):
        fd.grad(lambda x: make(x)(3.0))(2.0)


def test_custom_vjp_without_defvjp_raises():
    @fd.custom_vjp
    def f(x):
        return x * 2.0

    with pytest.raises(TypeError, match="defvjp"):
        fd.grad(f)(1.0)


def test_jvp_of_custom_vjp_raises_type_error():
    with pytest.raises(TypeError, match="log1pexp"):
        fd.jvp(log1pexp, (np.array([0.5]),), (np.array([1.0]),))
    with pytest.raises(TypeError):
        fd.jacfwd(clip_gradient)(np.ones(2))
    with pytest.raises(TypeError):
        fd.hessian(lambda x: fnp.sum(log1pexp(x)))(np.ones(2))


# ----------------------------------------------------------------------------------------
# stop_gradient, hessian, jacobians
# ----------------------------------------------------------------------------------------


def test_stop_gradient():
    assert float(fd.grad(lambda x: x * fd.stop_gradient(x))(3.0)) == 3.0
    assert float(fd.grad(lambda x: fd.stop_gradient(x ** 2))(3.0)) == 0.0
    tree = fd.stop_gradient({"a": np.ones(2), "b": (np.float64(1.0),)})
    assert set(tree) == {"a", "b"}
    g = fd.grad(lambda p: fnp.sum(p["a"] * fd.stop_gradient(p)["a"]))({"a": np.array([2.0, 3.0])})
    assert_close(g["a"], np.array([2.0, 3.0]))
    # forward mode too
    _, t = fd.jvp(lambda x: x * fd.stop_gradient(x), (np.float64(3.0),), (np.float64(1.0),))
    assert float(t) == 3.0
    # and the second derivative
    assert float(fd.grad(fd.grad(lambda x: x ** 2 * fd.stop_gradient(x)))(3.0)) == 6.0


def test_hessian_of_quadratic():
    r = rng(11)
    A = r.standard_normal((4, 4))
    b = r.standard_normal(4)
    x = r.standard_normal(4)

    def q(x):
        return 0.5 * x @ (A @ x) + b @ x

    assert_close(fd.grad(q)(x), 0.5 * (A + A.T) @ x + b, atol=1e-12)
    assert_close(fd.hessian(q)(x), 0.5 * (A + A.T), atol=1e-12)
    S = A + A.T

    def qs(x):
        return 0.5 * x @ (S @ x) + b @ x

    assert_close(fd.hessian(qs)(x), S, atol=1e-12)


def test_hessian_layout_for_matrix_input():
    x = randn(2, 3)
    H = fd.hessian(lambda x: fnp.sum(x ** 3))(x)
    assert H.shape == (2, 3, 2, 3)
    assert_close(H.reshape(6, 6), np.diag(6 * x.ravel()), atol=1e-12)


def test_jacfwd_equals_jacrev_on_vector_function():
    def f(x):
        return fnp.stack([fnp.sum(fnp.sin(x)), x[0] * x[1], fnp.prod(x)])[:, None] * x

    x = np.array([0.3, -1.2, 2.0])
    Jf, Jr = fd.jacfwd(f)(x), fd.jacrev(f)(x)
    assert Jf.shape == (3, 3, 3) == Jr.shape
    assert_close(Jf, Jr, atol=1e-12)
    # JAX layout: J[i, j] = d out[i] / d in[j]
    g = lambda x: x[:2] * fnp.sum(x)  # noqa: E731
    J = fd.jacrev(g)(x)
    want = np.diag([x.sum()] * 3)[:2] + x[:2, None]
    assert J.shape == (2, 3)
    assert_close(J, want)
    assert_close(fd.jacfwd(g)(x), want)


def test_jacobians_with_pytree_inputs_and_outputs():
    def f(p):
        return {"u": p["w"] @ p["v"], "s": fnp.sum(p["v"] ** 2)}

    p = {"w": randn(2, 3), "v": randn(3, seed=1)}
    Jf, Jr = fd.jacfwd(f)(p), fd.jacrev(f)(p)
    assert Jf["u"]["w"].shape == (2, 2, 3)
    assert Jf["u"]["v"].shape == (2, 3)
    assert Jf["s"]["w"].shape == (2, 3)
    assert Jf["s"]["v"].shape == (3,)
    assert_close(Jf, Jr, atol=1e-12)
    assert_close(Jf["u"]["v"], p["w"])
    assert_close(Jf["s"]["v"], 2 * p["v"])


def test_jacobians_with_argnums_tuple():
    def f(x, y, n):
        return fnp.sin(x) * y[:, None] * n

    x, y = randn(2, 2), randn(2, seed=1)
    Jf = fd.jacfwd(f, argnums=(0, 1))(x, y, 3)
    Jr = fd.jacrev(f, argnums=(0, 1))(x, y, 3)
    assert isinstance(Jf, tuple) and len(Jf) == 2
    assert Jf[0].shape == (2, 2, 2, 2) and Jf[1].shape == (2, 2, 2)
    assert_close(Jf, Jr, atol=1e-12)
    assert_close(Jf[1], np.einsum("ij,ik->ijk", 3 * np.sin(x), np.eye(2)))
    Jy = fd.jacrev(f, argnums=1)(x, y, 3)
    assert_close(Jy, Jf[1])


def test_jacobian_of_scalar_and_of_scalar_input():
    x = randn(3)
    assert_close(fd.jacrev(lambda x: fnp.sum(x ** 2))(x), 2 * x)
    assert_close(fd.jacfwd(lambda x: fnp.sum(x ** 2))(x), 2 * x)
    j = fd.jacfwd(lambda t: fnp.stack([fnp.cos(t), fnp.sin(t)]))(np.float64(0.5))
    assert j.shape == (2,)
    assert_close(j, np.array([-np.sin(0.5), np.cos(0.5)]))
    assert_close(fd.jacrev(lambda t: fnp.stack([fnp.cos(t), fnp.sin(t)]))(np.float64(0.5)), j)


# ----------------------------------------------------------------------------------------
# Composition
# ----------------------------------------------------------------------------------------


def test_higher_derivatives_of_sin():
    d1 = fd.grad(fnp.sin)
    d2 = fd.grad(d1)
    d3 = fd.grad(d2)
    d4 = fd.grad(d3)
    for x in (0.0, 0.7, -2.1):
        assert math.isclose(float(d1(x)), math.cos(x), abs_tol=1e-12)
        assert math.isclose(float(d2(x)), -math.sin(x), abs_tol=1e-12)
        assert math.isclose(float(d3(x)), -math.cos(x), abs_tol=1e-12)
        assert math.isclose(float(d4(x)), math.sin(x), abs_tol=1e-12)


def test_grad_of_value_and_grad():
    f = lambda x: x ** 4  # noqa: E731
    # differentiate the gradient part of value_and_grad
    g2 = fd.grad(lambda x: fd.value_and_grad(f)(x)[1])(2.0)
    assert math.isclose(float(g2), 48.0)
    # and the value part
    g1 = fd.grad(lambda x: fd.value_and_grad(f)(x)[0])(2.0)
    assert math.isclose(float(g1), 32.0)
    # and the sum of both
    g = fd.grad(lambda x: sum(fd.value_and_grad(f)(x)))(2.0)
    assert math.isclose(float(g), 80.0)


def test_jacfwd_of_jacrev_equals_hessian():
    def f(x):
        return fnp.sum(fnp.exp(x[0] * x) * fnp.sin(x))

    x = np.array([0.3, -0.5, 1.1])
    H = fd.hessian(f)(x)
    assert_close(fd.jacfwd(fd.jacrev(f))(x), H, atol=1e-12)
    assert_close(fd.jacrev(fd.jacrev(f))(x), H, atol=1e-12)
    assert_close(fd.jacrev(fd.jacfwd(f))(x), H, atol=1e-12)
    assert_close(fd.jacfwd(fd.grad(f))(x), H, atol=1e-12)
    assert_close(H, H.T, atol=1e-12)
    for i in range(3):
        gi = lambda x, i=i: fd.grad(f)(x)[i]  # noqa: E731
        assert_close(H[i], numeric_grad(gi, x), atol=1e-6)


def test_hessian_vector_product_forward_over_reverse():
    r = rng(12)
    A = r.standard_normal((3, 3))
    f = lambda x: fnp.sum(fnp.tanh(A @ x) ** 2)  # noqa: E731
    x, v = r.standard_normal(3), r.standard_normal(3)
    _, hvp = fd.jvp(fd.grad(f), (x,), (v,))
    assert_close(hvp, fd.hessian(f)(x) @ v, atol=1e-10)
    # reverse over reverse
    hvp2 = fd.grad(lambda x: fnp.sum(fd.grad(f)(x) * v))(x)
    assert_close(hvp2, hvp, atol=1e-10)


def test_grad_in_a_python_training_loop():
    params = mlp_init(4)
    loss0 = float(mlp_loss(params, MLP_X, MLP_Y))
    for _ in range(25):
        g = fd.grad(mlp_loss)(params, MLP_X, MLP_Y)
        params = fd.tree_map(lambda p, g: p - 0.5 * g, params, g)
    assert float(mlp_loss(params, MLP_X, MLP_Y)) < 0.7 * loss0
    # per-parameter loop, gradient w.r.t. each leaf separately
    leaves = fd.tree_util.tree_leaves(params)
    full = fd.tree_util.tree_leaves(fd.grad(mlp_loss)(params, MLP_X, MLP_Y))
    tree = fd.tree_util.tree_structure(params)
    for i in range(len(leaves)):
        def loss_i(leaf, i=i):
            ls = list(leaves)
            ls[i] = leaf
            return mlp_loss(fd.tree_util.tree_unflatten(tree, ls), MLP_X, MLP_Y)
        assert_close(fd.grad(loss_i)(leaves[i]), full[i], atol=1e-12)


def test_python_control_flow_on_concrete_values():
    def f(x):
        if fnp.sum(x) > 0:
            y = x * 2.0
        else:
            y = -x
        n = 0
        while fnp.max(fnp.abs(y)) > 1.0:
            y = y / 2.0
            n += 1
        return fnp.sum(y ** 2) * (n + 1)

    xp, xn = np.array([3.0, 3.5]), np.array([-3.0, 1.0])

    def ref(x):
        y = x * 2.0 if x.sum() > 0 else -x
        n = 0
        while np.abs(y).max() > 1.0:
            y, n = y / 2.0, n + 1
        return np.sum(y ** 2) * (n + 1)

    for x in (xp, xn):
        assert_close(fd.grad(f)(x), numeric_grad(ref, x), atol=1e-6)
        out, f_vjp = fd.vjp(f, x)
        assert_close(f_vjp(np.float64(1.0))[0], numeric_grad(ref, x), atol=1e-6)
        _, t = fd.jvp(f, (x,), (np.array([1.0, 0.0]),))
        assert math.isclose(float(t), float(numeric_grad(ref, x)[0]), rel_tol=1e-6)
        assert_close(fd.jacfwd(f)(x), fd.jacrev(f)(x), atol=1e-12)


def test_python_control_flow_on_intermediate_and_float_conversion():
    def f(x):
        y = fnp.sin(x)
        const = fd.stop_gradient(y)
        scale = float(const) if const > 0 else 1.0  # concrete Python float
        return y * scale

    # d/dx sin(x) * float(stop_gradient(sin(x))) treats the float as a constant
    assert math.isclose(float(fd.grad(f)(1.0)), math.cos(1.0) * math.sin(1.0))
    assert math.isclose(float(fd.grad(f)(-1.0)), math.cos(-1.0))


def test_python_control_flow_under_nested_transforms():
    def f(x):
        if x > 0:
            return x ** 3
        return -x ** 2

    assert float(fd.grad(fd.grad(f))(2.0)) == 12.0
    assert float(fd.grad(fd.grad(f))(-2.0)) == -2.0
    _, t = fd.jvp(fd.grad(f), (2.0,), (1.0,))
    assert float(t) == 12.0
    h = fd.hessian(lambda x: fnp.sum(x ** 3) if fnp.sum(x) > 0 else fnp.sum(x ** 2))
    assert_close(h(np.array([1.0, 2.0])), np.diag([6.0, 12.0]))
    assert_close(h(np.array([-1.0, -2.0])), np.diag([2.0, 2.0]))


def test_differentiating_through_a_while_loop_of_newton_steps():
    def newton_sqrt(a):
        y = a
        while fnp.abs(y * y - a) > 1e-12:
            y = 0.5 * (y + a / y)
        return y

    assert math.isclose(float(fd.grad(newton_sqrt)(4.0)), 0.25, rel_tol=1e-9)
    assert math.isclose(float(fd.grad(fd.grad(newton_sqrt))(4.0)), -1 / 32, rel_tol=1e-9)


def test_recursion_with_python_control_flow():
    def power(x, n):
        if n == 0:
            return fnp.ones_like(x)
        half = power(x, n // 2)
        return half * half * (x if n % 2 else 1.0)

    assert math.isclose(float(fd.grad(power)(1.5, 7)), 7 * 1.5 ** 6)
    assert math.isclose(float(fd.grad(fd.grad(power))(1.5, 7)), 42 * 1.5 ** 5)


def test_closure_over_outer_traced_value():
    # d/dx [ d/dy (x * y^2) at y = x ] = d/dx [2 x^2] = 4x
    assert math.isclose(float(fd.grad(lambda x: fd.grad(lambda y: x * y ** 2)(x))(3.0)), 12.0)
    # the inner function closes over x but differentiates w.r.t. a different point
    g = fd.grad(lambda x: fd.grad(lambda y: fnp.sin(x * y))(2.0))(0.5)
    # inner: x cos(x*2); d/dx = cos(2x) - 2x sin(2x)
    assert math.isclose(float(g), math.cos(1.0) - 1.0 * math.sin(1.0), rel_tol=1e-12)


def test_differentiate_wrt_value_closed_over_by_inner_grad():
    # the optimum of an inner problem depends on an outer parameter (a one-step unroll)
    def inner_loss(w, a):
        return fnp.sum((w - a) ** 2)

    def outer(a):
        w0 = np.zeros(2)
        w1 = w0 - 0.25 * fd.grad(lambda w: inner_loss(w, a))(w0)   # closes over a
        return fnp.sum(w1 ** 2)

    a = np.array([1.0, -2.0])
    # w1 = 0.5 a, outer = 0.25 |a|^2, grad = 0.5 a
    assert_close(fd.grad(outer)(a), 0.5 * a, atol=1e-12)
    _, t = fd.jvp(outer, (a,), (np.array([1.0, 0.0]),))
    assert math.isclose(float(t), 0.5)


def test_closures_mixing_vjp_and_jvp():
    x = np.float64(0.8)
    # grad of a function that calls jvp inside
    g = fd.grad(lambda x: fd.jvp(lambda y: fnp.exp(x * y), (x,), (np.float64(1.0),))[1])(x)
    # jvp gives x * exp(x^2); derivative exp(x^2) + 2x^2 exp(x^2)
    assert math.isclose(float(g), math.exp(0.64) * (1 + 2 * 0.64), rel_tol=1e-12)
    # grad of vjp
    def h(x):
        _, f_vjp = fd.vjp(lambda y: fnp.sin(y) * x, x)
        return f_vjp(np.float64(1.0))[0]   # x cos(x)
    assert math.isclose(float(fd.grad(h)(x)), math.cos(0.8) - 0.8 * math.sin(0.8), rel_tol=1e-12)


# ----------------------------------------------------------------------------------------
# IR of backward programs
# ----------------------------------------------------------------------------------------


def test_make_ir_of_grad_shows_backward_equations():
    x = np.ones(3, np.float32)
    f = lambda x: fnp.sum(fnp.sin(x))  # noqa: E731
    text = str(fd.make_ir(fd.grad(f))(x))
    assert "cos" in text
    assert text.startswith("{ lambda")
    assert "f32[3]" in text
    # the IR of grad evaluates to the gradient
    ir = fd.make_ir(fd.grad(f))(x)
    out = ir(x)
    out = out[0] if isinstance(out, (list, tuple)) else out
    assert_close(out, np.cos(x), atol=1e-6)


def test_make_ir_of_grad_of_grad():
    f = lambda x: fnp.sin(x) * x  # noqa: E731
    ir = fd.make_ir(fd.grad(fd.grad(f)))(np.float64(0.5))
    text = str(ir)
    assert "sin" in text and "cos" in text
    out = ir(np.float64(0.5))
    out = out[0] if isinstance(out, (list, tuple)) else out
    # (x sin x)'' = 2 cos x - x sin x
    assert math.isclose(float(out), 2 * math.cos(0.5) - 0.5 * math.sin(0.5), rel_tol=1e-12)


def test_make_ir_of_jvp_and_vjp():
    f = lambda x: fnp.exp(x) * 2.0  # noqa: E731
    text = str(fd.make_ir(lambda x, t: fd.jvp(f, (x,), (t,)))(np.ones(2), np.ones(2)))
    assert "exp" in text
    text = str(fd.make_ir(lambda x, c: fd.vjp(f, x)[1](c))(np.ones(2), np.ones(2)))
    assert "exp" in text and "mul" in text


def test_python_branch_under_make_ir_of_grad_raises_concretization_error():
    def f(x):
        return x if x > 0 else -x

    with pytest.raises(fd.errors.ConcretizationError):
        fd.make_ir(fd.grad(f))(np.float64(1.0))


# ----------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------


def test_grad_of_non_scalar_output_raises():
    with pytest.raises(TypeError, match=r"\[3\]|\(3,\)"):
        fd.grad(lambda x: x * 2.0)(np.ones(3))
    with pytest.raises(TypeError, match=r"\[2, 3\]|\(2, 3\)"):
        fd.value_and_grad(lambda x: x * 2.0)(np.ones((2, 3)))


def test_grad_of_integer_output_raises():
    with pytest.raises(TypeError, match="int"):
        fd.grad(lambda x: fnp.argmax(x))(np.ones(3))
    with pytest.raises(TypeError, match="bool"):
        fd.grad(lambda x: fnp.sum(x) > 0)(np.ones(3))


def test_grad_wrt_integer_input_raises():
    with pytest.raises(TypeError, match="int64"):
        fd.grad(lambda x: fnp.sum(x * 2.0))(np.arange(3))
    with pytest.raises(TypeError, match="int32"):
        fd.grad(lambda x, y: fnp.sum(x * y), argnums=1)(np.ones(3), np.arange(3, dtype=np.int32))
    with pytest.raises(TypeError, match="int"):
        fd.grad(lambda x: x * 2.0)(3)  # a Python int
    with pytest.raises(TypeError, match="int"):
        fd.grad(lambda p: fnp.sum(p["a"]) * 1.0)({"a": np.arange(2)})
    with pytest.raises(TypeError, match="int"):
        fd.vjp(lambda x: x * 2.0, np.arange(3))
    with pytest.raises(TypeError, match="int"):
        fd.jacrev(lambda x: x * 2.0)(np.arange(3))


def test_argnums_out_of_range_raises():
    f = lambda x, y: fnp.sum(x * y)  # noqa: E731
    with pytest.raises(ValueError, match="argnum"):
        fd.grad(f, argnums=2)(1.0, 2.0)
    with pytest.raises(ValueError, match="argnum"):
        fd.grad(f, argnums=(0, 5))(1.0, 2.0)
    with pytest.raises(ValueError, match="argnum"):
        fd.value_and_grad(f, argnums=-3)(1.0, 2.0)
    with pytest.raises(ValueError, match="argnum"):
        fd.jacfwd(f, argnums=2)(1.0, 2.0)
    with pytest.raises(ValueError, match="argnum"):
        fd.jacrev(f, argnums=3)(1.0, 2.0)


def test_vjp_fn_with_wrong_cotangent_raises():
    _, f_vjp = fd.vjp(lambda x: x * 2.0, np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        f_vjp(np.ones(4))
    with pytest.raises(ValueError):
        f_vjp(np.ones((3, 1)))
    with pytest.raises(ValueError):
        f_vjp((np.ones(3), np.ones(3)))
    _, f_vjp = fd.vjp(lambda x: {"a": x, "b": x * 2.0}, np.ones(2))
    with pytest.raises(ValueError):
        f_vjp({"a": np.ones(2)})


def test_jvp_with_mismatched_tangents_raises():
    f = lambda x: fnp.sin(x)  # noqa: E731
    with pytest.raises(ValueError, match="tangent"):
        fd.jvp(f, (np.ones(3),), (np.ones(2),))
    with pytest.raises(ValueError):
        fd.jvp(f, (np.ones(3),), (np.ones(3), np.ones(3)))
    with pytest.raises(ValueError):
        fd.jvp(lambda p: p["a"], ({"a": np.ones(2)},), ({"b": np.ones(2)},))
    with pytest.raises(ValueError, match="dtype"):
        fd.jvp(f, (np.ones(3),), (np.ones(3, np.bool_),))


def test_leaked_tracer_raises_unexpected_tracer_error():
    store = []

    def leak(x):
        store.append(x * 2.0)
        return fnp.sum(x)

    fd.grad(leak)(np.ones(2))
    with pytest.raises(fd.errors.UnexpectedTracerError):
        store[0] + 1.0


def test_vjp_fn_escaping_its_outer_transform_raises_unexpected_tracer_error():
    saved = {}

    def f(x):
        _, saved["vjp_fn"] = fd.vjp(lambda y: y * x, np.array([1.0]))
        return fnp.sum(x)

    fd.grad(f)(np.array([2.0]))
    with pytest.raises(fd.errors.UnexpectedTracerError):
        saved["vjp_fn"](np.array([1.0]))


def test_errors_are_raised_under_nesting_too():
    with pytest.raises(TypeError):
        fd.grad(lambda x: fd.grad(lambda y: y * x)(np.ones(2)))(1.0)


# ----------------------------------------------------------------------------------------
# Integer arguments and integer intermediates
# ----------------------------------------------------------------------------------------


def test_integer_arguments_not_in_argnums_are_fine():
    def f(x, n, idx):
        return fnp.sum(x[idx] ** n)

    x = np.array([1.0, 2.0, 3.0])
    g = fd.grad(f)(x, 3, np.array([0, 2, 2]))
    assert_close(g, np.array([3.0, 0.0, 54.0]))
    v, g = fd.value_and_grad(f, argnums=0)(x, np.int32(2), np.array([1]))
    assert float(v) == 4.0
    assert_close(g, np.array([0.0, 4.0, 0.0]))


def test_integer_intermediates_carry_no_gradient():
    def f(x):
        i = fnp.argmax(x)
        mask = (x > 0.5).astype(np.float64)
        count = fnp.sum(x > 0.0)          # integer count
        return x[i] * 2.0 + fnp.sum(mask * x) + count * 1.0

    x = np.array([0.2, 1.5, 0.9, -0.1])
    assert_close(fd.grad(f)(x), np.array([0.0, 3.0, 1.0, 0.0]))
    _, t = fd.jvp(f, (x,), (np.ones(4),))
    assert math.isclose(float(t), 4.0)
    assert_close(fd.jacfwd(f)(x), fd.jacrev(f)(x))


def test_float_to_int_cast_blocks_gradient():
    def f(x):
        return x * fnp.floor(x) + x.astype(np.int64).astype(np.float64)

    assert math.isclose(float(fd.grad(f)(2.5)), 2.0)


def test_vjp_with_integer_output_leaf():
    out, f_vjp = fd.vjp(lambda x: (x * 2.0, fnp.argmax(x)), np.array([1.0, 3.0]))
    assert int(out[1]) == 1
    (g,) = f_vjp((np.ones(2), np.zeros((), np.int64)))
    assert_close(g, np.array([2.0, 2.0]))


# ----------------------------------------------------------------------------------------
# debug_nans
# ----------------------------------------------------------------------------------------


@pytest.fixture
def debug_nans():
    old = fd.config.debug_nans
    fd.config.update("debug_nans", True)
    try:
        with np.errstate(all="ignore"):  # the NaNs below are intended
            yield
    finally:
        fd.config.update("debug_nans", old)


def test_debug_nans_eager(debug_nans):
    with pytest.raises(FloatingPointError, match="log"):
        fnp.log(-1.0)
    with pytest.raises(FloatingPointError, match="sqrt"):
        fnp.sqrt(np.array([1.0, -1.0]))
    # inf is not a NaN
    with np.errstate(divide="ignore"):
        assert np.isinf(fnp.log(0.0))


def test_debug_nans_under_grad(debug_nans):
    with pytest.raises(FloatingPointError, match="log"):
        fd.grad(lambda x: fnp.sum(fnp.log(x)))(np.array([1.0, -1.0]))
    # a NaN produced only by the backward pass (0 * inf)
    with pytest.raises(FloatingPointError):
        fd.grad(lambda x: fnp.sum(fnp.sqrt(x) * 0.0 + x))(np.array([0.0, 1.0]))


def test_debug_nans_allows_where_guarded_gradients_and_inf(debug_nans):
    def safe_sqrt(x):
        pos = x > 0
        return fnp.where(pos, fnp.sqrt(fnp.where(pos, x, 1.0)), 0.0)

    g = fd.grad(lambda x: fnp.sum(safe_sqrt(x)))(np.array([-1.0, 0.0, 4.0]))
    assert_close(g, np.array([0.0, 0.0, 0.25]))
    with np.errstate(divide="ignore"):
        g = fd.grad(lambda x: fnp.sum(fnp.log(x)))(np.array([0.0, 1.0]))
    assert np.isinf(g[0]) and g[1] == 1.0


def test_debug_nans_under_vjp_and_jvp(debug_nans):
    with pytest.raises(FloatingPointError, match="log"):
        fd.vjp(fnp.log, np.array([-2.0]))
    with pytest.raises(FloatingPointError, match="log"):
        fd.jvp(fnp.log, (np.array([-2.0]),), (np.ones(1),))
    # NaN only in the tangent / cotangent (0 * inf): named after the primitive that made it
    with pytest.raises(FloatingPointError, match="mul"):
        fd.jvp(fnp.sqrt, (np.array([0.0]),), (np.array([0.0]),))
    _, f_vjp = fd.vjp(fnp.sqrt, np.array([0.0]))
    with pytest.raises(FloatingPointError, match="mul"):
        f_vjp(np.array([0.0]))
    with pytest.raises(FloatingPointError):
        fd.grad(fd.grad(lambda x: fnp.sqrt(x) * 0.0))(0.0)


def test_debug_nans_off_returns_nan():
    assert not fd.config.debug_nans
    with np.errstate(invalid="ignore"):
        assert np.isnan(fnp.log(-1.0))
        g = fd.grad(lambda x: fnp.sum(fnp.sqrt(x)))(np.array([-1.0, 4.0]))
    assert np.isnan(g[0]) and g[1] == 0.25


def test_debug_nans_flag_is_restored():
    try:
        fd.config.update("debug_nans", True)
        assert fd.config.debug_nans
    finally:
        fd.config.update("debug_nans", False)
    assert fd.config.debug_nans is False


@pytest.mark.parametrize("name", ["polygamma", "zeta", "gammainc", "gammaincc"])
def test_operands_without_a_derivative_raise(name):
    # polygamma's order, zeta's exponent and the incomplete gamma's shape have no derivative:
    # asking for one raises (in both modes), the other operand differentiates.
    import funcdl.scipy.special as special
    f = getattr(special, name)
    with pytest.raises(TypeError, match="operand 0 has no derivative"):
        fd.grad(f)(2.0, 1.5)
    with pytest.raises(TypeError, match="operand 0 has no derivative"):
        fd.jvp(lambda a: f(a, 1.5), (2.0,), (1.0,))
    assert np.isfinite(fd.grad(f, argnums=1)(2.0, 1.5))
    assert np.isfinite(fd.grad(lambda a, x: f(fd.lax.stop_gradient(a), x))(2.0, 1.5))
