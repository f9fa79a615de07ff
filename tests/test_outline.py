"""Outlined programs (``jit_outline``): a Python driver calling shared, shape-agnostic
kernels. Every primitive-table case (and its gradient) gives bitwise the same result
outlined as compiled whole; kernels are shared across shapes and programs."""
import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl.test_util import flag
from funcdl.transforms.outline import outline
from primitive_table import CASES, combined_program

CHUNK = 6  # small: a whole program's compile time grows faster than its size


@pytest.fixture
def outlined():
    with flag("jit_outline", True):
        yield


def _grad_of(case):
    def loss(*args):
        outs = fd.tree_util.tree_leaves(case.fun(*args))
        return sum(fnp.sum(fnp.real(fnp.sin(o))) for o in outs if o.dtype.kind in "fc")
    return fd.grad(loss, argnums=case.diff)


def _bitwise_equal(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and (
        np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def _chunks(cases):
    return [cases[i:i + CHUNK] for i in range(0, len(cases), CHUNK)]


GRAD_CASES = [c for c in CASES if c.diff and c.reverse_mode]


@pytest.mark.parametrize("chunk,make", [(ch, lambda c: c.fun) for ch in _chunks(CASES)]
                         + [(ch, _grad_of) for ch in _chunks(GRAD_CASES)],
                         ids=lambda v: f"{v[0].id}..{v[-1].id}" if isinstance(v, list) else v.__name__)
def test_outlined_equals_whole_program_bitwise(chunk, make):
    program, _, args = combined_program(chunk, make)
    # The one-function form runs without bounds checks: its statements are the outlined
    # kernels' statements (renamed, sizes as parameters), which run bounds-checked here and
    # in the jit table, and checks double its compile time (52 s against 24 s for a chunk).
    with flag("jit_outline", False), flag("jit_boundscheck", False):
        whole = fd.tree_util.tree_leaves(fd.jit(program)(*args))
    with flag("jit_outline", True):
        parts = fd.tree_util.tree_leaves(fd.jit(program)(*args))
    assert len(whole) == len(parts)
    for case_out, (w, p) in enumerate(zip(whole, parts)):
        assert _bitwise_equal(w, p), (case_out, w, p)


def _mlp_step(params, x):
    def loss(params):
        h = x
        for w, b in params:
            h = fnp.tanh(h @ w + b)
        return fnp.mean(h ** 2)
    g = fd.grad(loss)(params)
    return fd.tree_map(lambda p, d: p - 0.1 * d, params, g)


def _mlp(sizes, batch, seed=0):
    rng = np.random.default_rng(seed)
    params = [(rng.standard_normal((a, b)).astype(np.float32), np.zeros(b, np.float32))
              for a, b in zip(sizes[:-1], sizes[1:])]
    return params, rng.standard_normal((batch, sizes[0])).astype(np.float32)


def _kernels_of(f):
    (compiled,) = f._cache.values()
    return {m.name for m in compiled.modules}


def test_kernels_are_shared_across_shapes_and_programs(outlined):
    first = fd.jit(_mlp_step)
    first(*_mlp((6, 5, 3), 4))
    other = fd.jit(_mlp_step)  # another batch size and width: the same loops
    other(*_mlp((7, 9, 3), 8))
    assert _kernels_of(other) == _kernels_of(first)



def _forward(params, x):
    for w, b in params:
        x = fnp.tanh(x @ w + b)
    return x


def test_a_deeper_chain_of_layers_needs_no_new_kernel(outlined):
    shallow = fd.jit(_forward)
    shallow(*_mlp((6, 5, 4), 3))
    deep = fd.jit(_forward)  # twice the layers, other widths: the same two kernels
    deep(*_mlp((6, 9, 8, 7, 4), 3))
    assert _kernels_of(deep) == _kernels_of(shallow) and len(_kernels_of(deep)) <= 2


def test_outlined_source_shows_driver_and_kernels(outlined):
    params, x = _mlp((4, 3), 2)
    f = fd.jit(_mlp_step)
    f(params, x)
    (compiled,) = f._cache.values()
    text = compiled.lowered.source
    assert "def kernel(" in text and "@numba.njit(" in text
    assert text.count("\ndef k_") == len(compiled.modules)


def test_outline_renames_and_turns_sizes_into_parameters():
    g1 = ["y = np.empty((4, 5), dtype=np.float32)", "for i1 in range(4):", "    for i2 in range(5):",
          "        y[i1, i2] = a[i1, i2] * np.float32(2.0)"]
    g2 = ["zz = np.empty((8, 3), dtype=np.float32)", "for i7 in range(8):", "    for i9 in range(3):",
          "        zz[i7, i9] = b[i7, i9] * np.float32(2.0)"]
    driver, kernels = outline(["a", "b"], [g1, g2], "return (y, zz)", {})
    assert len(kernels) == 1, kernels  # one kernel: the loops differ only in names and sizes
    (k,) = kernels
    assert k.params == ("a0", "n0", "n1", "n2", "n3") and "np.float32(2.0)" in "\n".join(k.body)
    assert driver[0] == f"y, = {k.name}(a, 4, 5, 4, 5)" and driver[1] == f"zz, = {k.name}(b, 8, 3, 8, 3)"


def test_outline_keeps_cheap_statements_and_casts_scalars():
    groups = [["r = a.reshape((2, 3))"],
              ["s = np.float32(0.0)", "for i1 in range(6):", "    s = s + a[i1]"],
              ["unused = np.empty((1,), dtype=np.float64)", "for i2 in range(3):", "    unused[0] = s"]]
    driver, kernels = outline(["a"], groups, "return (r, s)", {"s": "np.float32"})
    assert driver[0] == "r = a.reshape((2, 3))"  # a view stays in the driver
    assert driver[2] == "s = np.float32(s)"  # a kernel's 0-d result keeps its dtype
    assert driver[3].startswith("k_") and "=" not in driver[3]  # nothing of it is read later
    assert len(kernels) == 2


def test_blas_products_run_in_the_driver():
    groups = [["m = a.reshape((2, 3))", "p = np.dot(m.T, b)"], ["q = np.dot(p, p, p)"]]
    driver, kernels = outline(["a", "b"], groups, "return (p, q)", {})
    assert driver[:2] == ["m = a.reshape((2, 3))", "p = np.dot(m.T, b)"]  # no kernel to compile
    assert len(kernels) == 1  # a dot into an output buffer is not a plain product


def test_stores_and_aliases_ending_a_group_run_in_the_driver():
    group = ["y = np.empty((3,), dtype=np.float64)", "for i1 in range(3):",
             "    y[i1] = c[i1] + 1.0", "ys[i] = y", "c, d = (y, c)"]
    driver, kernels = outline(["c", "ys", "i"], [group], "return (c, d, ys)", {})
    (k,) = kernels
    assert driver == [f"y, = {k.name}(c, 3, 3)", "ys[i] = y", "c, d = (y, c)", "return (c, d, ys)"]
    assert not any("ys" in line or "a1[" in line for line in k.body)  # no array store in numba


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_and_numba_dot_give_the_same_bits(dtype):
    # the driver's products (numpy) must equal the one-function form's (numba): both reach
    # the same BLAS kernels; this fails if the two BLAS builds ever diverge
    import numba
    rng = np.random.default_rng(0)
    products = {"nn": lambda a, b: np.dot(a, b), "tn": lambda a, b: np.dot(a.T, b),
                "nt": lambda a, b: np.dot(a, b.T)}
    shapes = {"nn": lambda m, k, n: ((m, k), (k, n)), "tn": lambda m, k, n: ((k, m), (k, n)),
              "nt": lambda m, k, n: ((m, k), (n, k))}
    for name, product in products.items():
        compiled = numba.njit(product)
        for m, k, n in [(128, 784, 128), (200, 33, 17), (1, 300, 1), (5, 7, 1)]:
            a, b = (rng.standard_normal(s).astype(dtype) for s in shapes[name](m, k, n))
            assert np.array_equal(product(a, b), compiled(a, b)), (name, m, k, n)
    vector = numba.njit(lambda u, v: np.dot(u, v))
    a, v = rng.standard_normal((64, 33)).astype(dtype), rng.standard_normal(33).astype(dtype)
    for u, w in [(a, v), (v, a.T.copy()), (v, v)]:  # matrix-vector, vector-matrix, vector-vector
        assert np.array_equal(np.dot(u, w), vector(u, w))


def test_overhead_bound_programs_are_promoted_to_one_function(outlined):
    from funcdl.transforms.jit_compiler import PROMOTION_CALLS
    tiny = fd.jit(lambda x, y: (fnp.tanh(x) + y, fnp.sum(x * y), fnp.max(x - y)))
    args = (np.ones(3), np.full(3, 0.5))
    want = [np.asarray(v) for v in tiny(*args)]  # (the first call)
    outs = [tiny(*args) for _ in range(PROMOTION_CALLS)]
    (outlined_program,) = tiny._cache.values()
    promoted = outlined_program.successor  # compiled by a worker meanwhile
    assert promoted is not None and promoted.driver_env is None  # one numba function
    assert outlined_program.driver_env is not None  # still called until that is ready
    promoted.pending.wait(timeout=300)
    outs += [tiny(*args) for _ in range(PROMOTION_CALLS + 1)]  # the rival's trial
    assert tiny._cache[next(iter(tiny._cache))] is promoted and promoted.verified  # faster: kept
    outs.append(tiny(*args))
    for got in outs:
        for g, w in zip(got, want):
            assert _bitwise_equal(np.asarray(g), w)


def test_compute_bound_programs_stay_outlined(outlined):
    from funcdl.transforms.jit_compiler import PROMOTION_CALLS
    big = fd.jit(lambda a, b: fnp.tanh(a @ b) @ b)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((300, 300)), rng.standard_normal((300, 300))
    for _ in range(PROMOTION_CALLS + 1):
        big(a, b)
    (compiled,) = big._cache.values()
    assert compiled.driver_env is not None and compiled.trial is None  # decided: stays


def test_keyword_arguments_keep_their_integers_but_rename_their_names():
    group = ["s = np.sum(a, axis=2)", "for i1 in range(5):", "    s = np.maximum(s, a[0, 0, i1], out=s)"]
    driver, (k,) = outline(["a"], [group], "return (s,)", {})
    body = "\n".join(k.body)
    assert "axis=2" in body and "out=t0" in body and "out=s" not in body


def _loops(w, xs, h0, n):
    def step(h, x):
        def inner(c, row):
            return c * 0.5 + fnp.tanh(row @ w), fnp.sum(c)
        h2, sums = fd.lax.scan(inner, h, x[None] * fnp.ones((3, 1, 1), np.float32))
        return fnp.tanh(x @ w + h2 * 0.5), fnp.sum(sums)
    h, ys = fd.lax.scan(step, h0, xs, reverse=True)
    k, acc = fd.lax.fori_loop(0, n, lambda i, c: (c[0] + 1, c[1] * 0.9 + fnp.sum(h)), (0, fnp.float32(0.0)))
    return ys, h, acc


def test_loop_bodies_are_outlined_into_shared_kernels_bitwise(outlined):
    rng = np.random.default_rng(4)
    args = (rng.standard_normal((3, 3)).astype(np.float32), rng.standard_normal((5, 2, 3)).astype(np.float32),
            np.zeros((2, 3), np.float32), np.int32(4))  # n traced: a while loop
    f = fd.jit(_loops)
    got = f(*args)
    (compiled,) = f._cache.values()
    driver = compiled.lowered.driver
    assert "    for " in driver and "        for " in driver and "while " in driver  # loops stay
    assert compiled.kernel_calls > 5 * 3  # counted per iteration
    with flag("jit_outline", False):
        want = fd.jit(_loops)(*args)
    for g, w in zip(fd.tree_util.tree_leaves(got), fd.tree_util.tree_leaves(want)):
        assert _bitwise_equal(g, w), (g, w)
    grads = fd.jit(fd.grad(lambda w, xs, h0: fnp.sum(_loops(w, xs, h0, 2)[0])))(*args[:3])
    with flag("jit_outline", False):
        whole = fd.jit(fd.grad(lambda w, xs, h0: fnp.sum(_loops(w, xs, h0, 2)[0])))(*args[:3])
    assert _bitwise_equal(grads, whole)


def test_a_kernel_takes_only_the_names_it_reads_before_assigning():
    """A reduction's accumulator is assigned, then read: it is no input of its kernel, even
    where an enclosing loop has bound it on an earlier iteration (a kernel that took it
    failed on the first iteration: a nested while_loop under vmap)."""
    group = ["s = False", "for i1 in range(3):", "    s = _max(s, a[i1] < b[i1])"]
    driver, (kernel,) = outline(["a", "b"], [group], "return (s,)", {"s": "np.bool_"})
    assert kernel.params == ("a0", "a1", "n0")

    def nested(a):
        def outer(s):
            x, y = fd.lax.while_loop(lambda q: q[1] < s[1] + a, lambda q: (q[0] + 1.0, q[1] * 2.0), s)
            return x, y + 1.0
        return fd.lax.while_loop(lambda s: s[1] < 10.0 * a, outer, (0.0, 1.0))[0]
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(fd.jit(fd.vmap(nested))(x), fd.vmap(nested)(x))
