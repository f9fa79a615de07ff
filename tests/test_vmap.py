"""vmap at the user level: axes, pytrees, nesting, composition with grad, errors."""
import collections

import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl.errors import ConcretizationError
from funcdl.transforms.simplify import count_primitives

rng = np.random.default_rng(0)


def test_batched_matmul_is_one_contraction():
    ir = fd.make_ir(fd.vmap(lambda w, x: x @ w, in_axes=(None, 0)))(np.ones((3, 2)), np.ones((7, 3)))
    assert [e.prim.name for e in ir.eqns] == ["dot_general"], str(ir)


def test_program_size_does_not_grow_with_the_batch():
    f = lambda w, x: fnp.sum(fnp.tanh(x @ w) ** 2)  # noqa: E731
    sizes = {len(fd.make_ir(fd.vmap(f, in_axes=(None, 0)))(np.ones((3, 2)), np.ones((b, 4, 3))).eqns)
             for b in (2, 16)}
    assert len(sizes) == 1


@pytest.mark.parametrize("in_axes, out_axes", [(0, 0), (1, 0), (-1, 1), ((None, 0), -1), ((1, 1), 0)])
def test_axes(in_axes, out_axes):
    x, y = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    f = lambda a, b: fnp.sin(a) * b  # noqa: E731
    got = fd.vmap(f, in_axes=in_axes, out_axes=out_axes)(x, y)
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes, in_axes)
    n = x.shape[axes[0] if axes[0] is not None else axes[1]]
    take = lambda a, ax, i: a if ax is None else np.take(a, i, axis=ax)  # noqa: E731
    want = np.stack([f(take(x, axes[0], i), take(y, axes[1], i)) for i in range(n)], axis=out_axes)
    np.testing.assert_allclose(got, want)


def test_pytree_in_axes_prefix_and_outputs():
    Params = collections.namedtuple("Params", "w b")
    params = Params(rng.standard_normal((3, 2)), rng.standard_normal(2))
    xs = rng.standard_normal((6, 3))
    f = lambda p, x: {"y": x @ p.w + p.b, "n": fnp.sum(x)}  # noqa: E731
    out = fd.vmap(f, in_axes=(Params(None, None), 0))(params, xs)
    np.testing.assert_allclose(out["y"], xs @ params.w + params.b)
    np.testing.assert_allclose(out["n"], xs.sum(1))
    out2 = fd.vmap(f, in_axes=(None, 0), out_axes={"y": 1, "n": 0})(params, xs)
    np.testing.assert_allclose(out2["y"], (xs @ params.w + params.b).T)


def test_nested_vmap_is_an_outer_product():
    a, b = rng.standard_normal(3), rng.standard_normal(4)
    got = fd.vmap(fd.vmap(lambda x, y: x * y, in_axes=(None, 0)), in_axes=(0, None))(a, b)
    np.testing.assert_allclose(got, np.outer(a, b))


def test_vmap_closing_over_arrays_and_axis_size():
    w = rng.standard_normal(3)
    np.testing.assert_allclose(fd.vmap(lambda x: x @ w)(np.eye(3)), w)
    out = fd.vmap(lambda: np.arange(2.0), axis_size=3)()
    np.testing.assert_allclose(out, np.tile(np.arange(2.0), (3, 1)))


def test_per_example_gradients():
    loss = lambda w, x, y: (fnp.tanh(x @ w) - y) ** 2  # noqa: E731
    w, xs, ys = rng.standard_normal(3), rng.standard_normal((8, 3)), rng.standard_normal(8)
    per = fd.vmap(fd.grad(loss), in_axes=(None, 0, 0))(w, xs, ys)
    np.testing.assert_allclose(per, np.stack([fd.grad(loss)(w, x, y) for x, y in zip(xs, ys)]))
    # grad of the vmapped (summed) loss is their sum
    total = fd.grad(lambda w: fnp.sum(fd.vmap(loss, in_axes=(None, 0, 0))(w, xs, ys)))(w)
    np.testing.assert_allclose(total, per.sum(0))


def test_jacobian_and_hessian_under_vmap():
    f = lambda x: fnp.sum(fnp.sin(x) * x)  # noqa: E731
    xs = rng.standard_normal((4, 3))
    got = fd.vmap(fd.hessian(f))(xs)
    np.testing.assert_allclose(got, np.stack([fd.hessian(f)(x) for x in xs]))


def test_python_branch_on_batched_value_raises():
    with pytest.raises(ConcretizationError, match="fnp.where"):
        fd.vmap(lambda x: x if x > 0 else -x)(np.arange(3.0))
    # branching on an unbatched argument is fine
    out = fd.vmap(lambda x, n: x * 2 if n > 1 else x, in_axes=(0, None))(np.arange(3.0), 2)
    np.testing.assert_allclose(out, np.arange(3.0) * 2)


def test_mismatched_sizes_name_the_sizes():
    with pytest.raises(ValueError, match="same size.*size 3.*size 4"):
        fd.vmap(lambda a, b: a + b)(np.ones(3), np.ones(4))


def test_bad_axes_errors():
    with pytest.raises(ValueError, match="out of range"):
        fd.vmap(lambda a: a, in_axes=2)(np.ones(3))
    with pytest.raises(ValueError, match="axis_size"):
        fd.vmap(lambda a: a, in_axes=None)(np.ones(3))
    with pytest.raises(ValueError, match="in_axes"):
        fd.vmap(lambda a, b: a, in_axes=(0,))(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="out_axes=None"):
        fd.vmap(lambda a: a, out_axes=None)(np.ones(3))


def test_vmap_of_random_keys():
    from funcdl import random
    keys = random.split(random.key(0), 4)
    got = fd.vmap(lambda k: random.normal(k, (3,)))(keys)
    np.testing.assert_allclose(got, np.stack([random.normal(k, (3,)) for k in keys]))
