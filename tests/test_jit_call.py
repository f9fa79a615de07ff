"""jit as a call primitive: under grad, vjp, jvp, vmap and an outer jit, a jitted function
is one ``jit_call`` equation whose program the transform rewrites, and the result is
compiled (counted here) instead of run op by op."""
import sys

import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import lax

jit_module = sys.modules["funcdl.transforms.jit_compiler"]


@pytest.fixture
def compiles(monkeypatch):
    """The programs compiled during the test (by ``compile_ir``), in order."""
    seen = []
    real = jit_module.compile_ir

    def counting(ir, *args, **kwargs):
        seen.append(ir)
        return real(ir, *args, **kwargs)
    monkeypatch.setattr(jit_module, "compile_ir", counting)
    jit_module._PROGRAMS.clear()
    return seen


X = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
W = np.linspace(-0.5, 0.7, 6).reshape(3, 2)


def loss(x, w):
    return fnp.sum(fnp.tanh(x @ w) ** 2)


def test_grad_of_jit_compiles_the_forward_and_backward_programs(compiles):
    f = fd.jit(loss)
    g = fd.grad(f, argnums=1)
    np.testing.assert_allclose(g(X, W), fd.grad(loss, argnums=1)(X, W), rtol=1e-12)
    assert len(compiles) == 2  # the forward program and its backward program
    g(X, W * 2)
    assert len(compiles) == 2  # reused: same structure, shapes and dtypes
    assert "jit_call" in str(fd.make_ir(g)(X, W))


def test_vmap_jvp_and_vjp_of_jit_compile(compiles):
    f = fd.jit(loss)
    xs = np.stack([X, 2 * X, -X])
    np.testing.assert_allclose(fd.vmap(f, in_axes=(0, None))(xs, W), [loss(x, W) for x in xs], rtol=1e-12)
    assert len(compiles) == 1
    out, t = fd.jvp(lambda w: f(X, w), (W,), (np.ones_like(W),))
    _, t_ref = fd.jvp(lambda w: loss(X, w), (W,), (np.ones_like(W),))
    np.testing.assert_allclose(t, t_ref, rtol=1e-12)
    out, pullback = fd.vjp(f, X, W)
    for got, want in zip(pullback(1.0), fd.vjp(loss, X, W)[1](1.0)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    assert len(compiles) >= 3


def test_compositions_agree():
    f = fd.jit(loss)
    ref = fd.grad(loss, argnums=1)(X, W)
    for g in (fd.grad(f, argnums=1), fd.jit(fd.grad(f, argnums=1)), fd.grad(fd.jit(f), argnums=1)):
        np.testing.assert_allclose(g(X, W), ref, rtol=1e-12)
    h = fd.hessian(lambda w: f(X, w))(W)
    np.testing.assert_allclose(h, fd.hessian(lambda w: loss(X, w))(W), rtol=1e-10)
    per_example = fd.vmap(fd.grad(f, argnums=1), in_axes=(0, None))(X[:, None], W)
    np.testing.assert_allclose(per_example[0], fd.grad(loss, argnums=1)(X[:1], W), rtol=1e-12)


def test_a_jitted_function_called_twice_inside_grad_and_jit():
    f = fd.jit(loss)
    both = lambda w: f(X, w) + f(X, 2.0 * w)  # noqa: E731  (the same backward program twice)
    ref = fd.grad(lambda w: loss(X, w) + loss(X, 2.0 * w))(W)
    np.testing.assert_allclose(fd.grad(both)(W), ref, rtol=1e-12)
    np.testing.assert_allclose(fd.jit(fd.grad(both))(W), ref, rtol=1e-12)


def test_integer_arguments_and_outputs_and_control_flow_inside():
    @fd.jit
    def f(x, n):
        y = lax.fori_loop(0, 3, lambda i, c: c * 0.5 + fnp.sin(c), x)
        return fnp.sum(y) * n, n + 1
    g = fd.grad(lambda x: f(x, np.int32(3))[0])(X)
    ref = fd.grad(lambda x: fnp.sum(lax.fori_loop(0, 3, lambda i, c: c * 0.5 + fnp.sin(c), x)) * 3)(X)
    np.testing.assert_allclose(g, ref, rtol=1e-12)
    out = fd.vmap(f, in_axes=(0, None))(np.stack([X, X]), np.int32(2))
    assert out[1].dtype == np.int32 and out[1].tolist() == [3, 3]


def test_python_control_flow_on_values_inside_jit_raises_under_grad_too():
    @fd.jit
    def f(x):
        return x * 2.0 if x > 0 else -x
    with pytest.raises(fd.errors.ConcretizationError):
        fd.grad(f)(1.0)
