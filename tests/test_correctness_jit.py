"""Regression tests for wrong results and crashes under jit (issue 11, items 1-7)."""
import sys
import warnings

import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import nn, random
from funcdl.test_util import flag
from funcdl.transforms.outline import Kernel


def _same(jitted, eager):
    np.testing.assert_array_equal(np.asarray(jitted), np.asarray(eager))
    assert np.asarray(jitted).dtype == np.asarray(eager).dtype


# -- 1: loop collapsing must not merge dimensions across a broadcast size-1 dimension ------

BROADCAST_CASES = [
    ("broadcast_to", lambda x: fnp.broadcast_to(x, (2, 1, 2)), (2, 1, 1)),
    ("broadcast_to large", lambda x: fnp.broadcast_to(x, (200, 1, 300)), (200, 1, 1)),
    ("add a row", lambda x: x + np.array([1.0, 2.0]), (4, 1, 1)),
    ("repeat", lambda x: fnp.repeat(x, 2, axis=1), (2, 1, 4)),
    ("tile", lambda x: fnp.tile(x, (2, 1, 3)), (2, 1, 4)),
    ("pad edge", lambda x: fnp.pad(x, 1, mode="edge"), (2, 1, 4)),
    ("where", lambda x: fnp.where(x > 2, x, np.ones((2, 1, 1))), (2, 1, 4)),
    ("middle size-1", lambda x: x * np.ones((3, 1, 1, 2)), (1, 1, 5, 1)),
    ("sum over broadcast", lambda x: fnp.sum(x + np.ones((1, 1, 3)), axis=(0, 2)), (2, 1, 1)),
]


@pytest.mark.parametrize("name,f,shape", BROADCAST_CASES, ids=[c[0] for c in BROADCAST_CASES])
def test_broadcast_of_size_one_dimensions(name, f, shape):
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    _same(fd.jit(f)(x), f(x))


def test_grad_of_max_over_a_size_one_dimension():
    f = lambda x: fnp.sum(fnp.max(x, axis=0) * np.array([1.0, 2.0]))  # noqa: E731
    x = np.arange(4.0).reshape(2, 1, 2)
    _same(fd.jit(fd.grad(f))(x), fd.grad(f)(x))
    np.testing.assert_array_equal(fd.jit(fd.grad(f))(x).ravel(), [0, 0, 1, 2])


def test_grad_of_max_pool_under_jit():
    pool = nn.MaxPool(2)
    x = np.random.RandomState(0).randn(3, 2, 6, 6)
    f = lambda x: fnp.sum(pool.apply((), (), x)[0] ** 2)  # noqa: E731
    np.testing.assert_allclose(fd.jit(fd.grad(f))(x), fd.grad(f)(x), rtol=1e-12)


# -- 2, 3: .at[] with traced indices -------------------------------------------------------

def test_at_with_a_traced_scalar_index():
    x = np.zeros(3)
    _same(fd.jit(lambda x, i: x.at[i].set(5.0))(x, np.int64(1)), [0.0, 5.0, 0.0])
    _same(fd.jit(lambda x, i: x.at[i].add(2.0))(x, np.int64(-1)), [0.0, 0.0, 2.0])
    _same(fd.jit(lambda x, i: x[i])(np.arange(3.0), np.int64(2)), np.float64(2.0))


@pytest.mark.parametrize("jit", [False, True])
def test_out_of_range_traced_indices_are_dropped(jit):
    def traced(f):  # runs f on traced values (vmap over a size-1 axis), without jit
        return lambda *args: fd.tree_map(lambda y: y[0], fd.vmap(f, in_axes=None, axis_size=1)(*args))
    wrap = fd.jit if jit else traced
    x, idx, v = np.arange(4.0), np.array([5, -1, -9, 1]), np.array([1.0, 2.0, 3.0, 4.0])
    set_ = wrap(fd.vmap(lambda x, i: x.at[i].set(7.0), in_axes=(None, 0)))  # traced by vmap
    np.testing.assert_array_equal(set_(x, idx), [[0, 1, 2, 3], [0, 1, 2, 7], [0, 1, 2, 3], [0, 7, 2, 3]])
    add = wrap(lambda x, i, v: x.at[i].add(v))
    np.testing.assert_array_equal(add(x, idx, v), [0.0, 5.0, 2.0, 5.0])
    f = lambda x, i, v: fnp.sum(x.at[i].add(v) ** 2)  # noqa: E731
    gx, gv = wrap(fd.grad(f, argnums=(0, 2)))(x, idx, v)
    np.testing.assert_array_equal(gx, [0.0, 10.0, 4.0, 10.0])
    np.testing.assert_array_equal(gv, [0.0, 10.0, 0.0, 10.0])  # dropped updates: zero gradient
    rows = wrap(lambda x, i: x.at[i, 1:].set(7.0))(np.zeros((3, 3)), np.array([0, 3]))
    np.testing.assert_array_equal(rows, [[0, 7, 7], [0, 0, 0], [0, 0, 0]])


# -- 4: integer contractions with 0-d operands; no half-loaded module -------------------

@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_contractions_with_scalars(dtype):
    a, b = np.array(2, dtype), np.arange(3).astype(dtype)
    for f in (lambda a, b: fnp.tensordot(a, b, 0), lambda a, b: fnp.einsum(",i->i", a, b),
              lambda a, b: fnp.tensordot(a, a, 0)):
        _same(fd.jit(f)(a, b), f(a, b))


def test_failed_module_load_leaves_nothing_registered(monkeypatch):
    jit_module = sys.modules["funcdl.transforms.jit_compiler"]
    monkeypatch.setattr(jit_module, "generate_source",
                        lambda ir, nan_checks=False: "def kernel(:\n    pass\n")
    f = fd.jit(lambda x: x + 1.0)
    with flag("jit_outline", False):
        for _ in range(2):  # the same clear error twice, not an AttributeError the second time
            with pytest.raises(SyntaxError):
                f(np.ones(2))
    assert not [m for m in sys.modules if m.startswith("funcdl_jit_") and
                getattr(sys.modules[m], "kernel", None) is None]


def test_failed_kernel_load_leaves_nothing_registered(monkeypatch):
    jit_module = sys.modules["funcdl.transforms.jit_compiler"]
    broken = Kernel("k_" + "0" * 16, ("a0",), ("return (a0 +",))
    monkeypatch.setattr(jit_module, "generate_outlined",
                        lambda ir, nan_checks=False: (f"def kernel(a0):\n    return {broken.name}(a0)\n",
                                                      [(broken, ("import numpy as np",))], {}))
    f = fd.jit(lambda x: x + 1.0)
    with flag("jit_outline", True):
        for _ in range(2):
            with pytest.raises(SyntaxError):
                f(np.ones(2))
    assert not [m for m in sys.modules if m.startswith("funcdl_k_") and
                not any(n.startswith("k_") for n in vars(sys.modules[m]))]


# -- 5: float16 -----------------------------------------------------------------------------

FLOAT16_CASES = [
    ("sin of bool", lambda x: fnp.sin(x > 0)),
    ("arithmetic", lambda x: (x * 3.3 + 1.7) / 0.7 - x * x),
    ("exp overflow", lambda x: fnp.exp(x * 4.0)),
    ("tiny", lambda x: x * 1e-6),
    ("sum", lambda x: fnp.sum(x * 1.1, axis=0)),
    ("max", lambda x: fnp.max(x, axis=1)),
    ("matmul", lambda x: x @ x.T),
    ("cumsum", lambda x: fnp.cumsum(x * 1.3, axis=1)),
    ("cast", lambda x: (x * 1000.0).astype(np.int32)),
]


@pytest.mark.parametrize("name,f", FLOAT16_CASES, ids=[c[0] for c in FLOAT16_CASES])
def test_float16_follows_numpy(name, f):
    x = (np.random.RandomState(1).randn(4, 5) * 3).astype(np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = f(x)
    got = fd.jit(f)(x)
    assert np.asarray(got).dtype == np.asarray(expected).dtype
    if name in ("sum", "matmul", "cumsum"):  # summation order differs: a few float16 ulps
        np.testing.assert_allclose(got.astype(np.float32), expected.astype(np.float32), rtol=4e-3, atol=1e-2)
    else:
        np.testing.assert_array_equal(got, expected)


def test_float16_grad_under_jit():
    f = lambda x: fnp.sum(fnp.tanh(x) ** 2)  # noqa: E731
    x = np.linspace(-1, 1, 7).astype(np.float16)
    g = fd.jit(fd.grad(f))(x)
    assert g.dtype == np.float16
    np.testing.assert_allclose(g.astype(np.float32), fd.grad(f)(x).astype(np.float32), rtol=2e-3)


# -- 6: integer division and remainder edge cases ---------------------------------------

@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8, np.uint8, np.uint64])
def test_integer_division_edge_cases(dtype):
    info = np.iinfo(dtype)
    neg = -1 if info.min < 0 else 1
    a = np.array([info.min, 5, 7, 7 * neg, 0, 3, info.min, info.max], dtype)
    b = np.array([neg, 0, neg, 2, 0, 0, 3, neg], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in (lambda a, b: a // b, lambda a, b: a % b, lambda a, b: fnp.divmod(a, b)[0]
                  if hasattr(fnp, "divmod") else a // b):
            _same(fd.jit(f)(a, b), f(a, b))


# -- 7: random numbers are the same inside and outside jit ------------------------------

SAMPLERS = [
    ("normal", lambda k, d: random.normal(k, (50, 40), d)),
    ("uniform", lambda k, d: random.uniform(k, (50, 40), d, -2.0, 3.0)),
    ("truncated_normal", lambda k, d: random.truncated_normal(k, -1.5, 2.0, (50, 40), d)),
    ("bernoulli", lambda k, d: random.bernoulli(k, 0.3, (50, 40))),
    ("randint", lambda k, d: random.randint(k, (50, 40), -5, 17)),
    ("permutation", lambda k, d: random.permutation(k, 100)),
    ("categorical", lambda k, d: random.categorical(k, np.log(np.linspace(0.1, 1, 7)).astype(d), shape=(300,))),
    ("split", lambda k, d: random.split(k, 5)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,sample", SAMPLERS, ids=[c[0] for c in SAMPLERS])
def test_samplers_are_bitwise_identical_under_jit(name, sample, dtype):
    k = random.key(42)
    eager = sample(k, dtype)
    jitted = fd.jit(lambda k: sample(k, dtype))(k)
    assert np.asarray(eager).tobytes() == np.asarray(jitted).tobytes()


# -- the safety net: bounds-checked generated code in the test suite ---------------------

def test_bounds_checking_is_on_here_and_catches_a_bad_read(monkeypatch):
    from funcdl.transforms.codegen import Codegen
    assert fd.config.jit_boundscheck  # set by conftest for this module

    def merge_everything(shape, leaf_shapes, separate=()):  # the old collapsing bug, worse
        return [list(range(len(shape)))]
    monkeypatch.setattr(Codegen, "collapse_plan", staticmethod(merge_everything))
    with pytest.raises(IndexError):
        fd.jit(lambda x: fnp.broadcast_to(x, (2, 1, 2)) * 2.0)(np.arange(2.0).reshape(2, 1, 1))
