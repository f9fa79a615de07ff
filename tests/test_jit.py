"""``fd.jit`` beyond the per-primitive table (tests/test_jit_table.py): calling semantics,
retracing and static arguments, composition with the other transforms, the config flags,
whole training programs against eager evaluation, the on-disk cache (including corrupted
cache files) and the shape of the generated source.

Every distinct compiled program costs a numba compile on a cold cache, so the programs
below are few and small, and each is reused for several assertions."""
import collections
import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import lax
from funcdl.test_util import flag

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
F32_TOL = dict(rtol=1e-5, atol=1e-5)

Dense = collections.namedtuple("Dense", "w b")
AdamState = collections.namedtuple("AdamState", "m v t")


def _rng(seed=0):
    return np.random.default_rng(seed)


def _f32(*shape, seed=0):
    return _rng(seed).standard_normal(shape).astype(np.float32)


def _assert_tree_close(got, want, **tol):
    g_leaves, g_def = fd.tree_util.tree_flatten(got)
    w_leaves, w_def = fd.tree_util.tree_flatten(want)
    assert g_def == w_def
    for g, w in zip(g_leaves, w_leaves):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, **tol)


def _tree_copy(tree):
    return fd.tree_util.tree_map(lambda a: np.array(a, copy=True), tree)


# ---------------------------------------------------------------------------------------
# Calling semantics
# ---------------------------------------------------------------------------------------

@fd.jit
def _pytree_program(layer, batch):
    """namedtuple + dict in; dict holding an array and a tuple of 0-d values out."""
    y = fnp.tanh(batch["x"] @ layer.w + layer.b)
    return {"y": y,
            "stats": (fnp.sum(y), fnp.max(batch["labels"]), fnp.any(y > 0.5))}


def _pytree_args():
    layer = Dense(_f32(3, 2, seed=1), _f32(2, seed=2))
    batch = {"x": _f32(4, 3, seed=3), "labels": np.array([0, 2, 1, 2], np.int32)}
    return layer, batch


def test_decorator_pytrees_and_scalar_outputs():
    layer, batch = _pytree_args()
    out = _pytree_program(layer, batch)
    want = _pytree_program.fun(layer, batch)  # eager
    assert callable(_pytree_program) and hasattr(_pytree_program, "lower")
    assert _pytree_program.__name__ == "_pytree_program"  # functools.wraps-like
    assert set(out) == {"y", "stats"} and isinstance(out["stats"], tuple)
    _assert_tree_close(out, want, **F32_TOL)
    assert out["y"].dtype == np.float32 and type(out["y"]) is np.ndarray
    total, top, any_big = out["stats"]
    # 0-d outputs are numpy scalars (not 0-d arrays) of the eager dtype
    assert type(total) is np.float32
    assert type(top) is np.int32 and top == 2
    assert type(any_big) is np.bool_
    for got, ref in zip(out["stats"], want["stats"]):
        assert np.asarray(got).dtype == np.asarray(ref).dtype


def test_outputs_are_fresh_and_inputs_untouched():
    layer, batch = _pytree_args()
    before = _tree_copy((layer, batch))
    first = _pytree_program(layer, batch)
    expected_y = first["y"].copy()
    first["y"][...] = 123.0  # scribble on an output ...
    second = _pytree_program(layer, batch)  # ... the next call is unaffected
    np.testing.assert_array_equal(second["y"], expected_y)
    assert not np.shares_memory(first["y"], second["y"])
    _assert_tree_close((layer, batch), before, rtol=0, atol=0)


def test_passthrough_output_is_a_copy():
    x = np.arange(3.0)
    out = fd.jit(lambda a: (a, a * 2.0))(x)
    assert not np.shares_memory(out[0], x)
    out[0][0] = 99.0
    assert x[0] == 0.0


def test_view_output_does_not_alias_input():
    x = np.arange(6.0)
    out = fd.jit(lambda a: fnp.reshape(a, (2, 3)))(x)
    out[0, 0] = 100.0
    assert x[0] == 0.0


def test_distinct_outputs_do_not_alias():
    x = np.arange(3.0)
    a, b = fd.jit(lambda v: (v * 2.0, v * 2.0))(x)
    a[0] = 100.0
    assert b[0] == 0.0


_scale = fd.jit(lambda x, s: x * s)


def test_python_scalar_arguments():
    # Python scalars are traced arguments (not baked in): new values reuse the program
    assert _scale(2.0, 3.0) == 6.0
    assert _scale(4.0, 0.5) == 2.0
    assert len(_scale._cache) == 1
    r = _scale(2.0, 3.0)
    assert type(r) is type(_scale.fun(np.float64(2.0), np.float64(3.0)))
    # an int scalar is an int program
    assert _scale(2, 3) == 6 and np.asarray(_scale(2, 3)).dtype.kind == "i"


def test_python_scalar_argument_is_weak():
    x = np.ones(3, np.float32)
    assert _scale.fun(x, 2.0).dtype == np.float32  # eager: weak scalar
    assert _scale(x, 2.0).dtype == np.float32


def test_float32_stays_float32():
    layer, batch = _pytree_args()
    out = _pytree_program(layer, batch)
    assert all(np.asarray(v).dtype == np.float32 for v in (out["y"], out["stats"][0]))
    src = _pytree_program.lower(layer, batch).source
    assert "np.float64(" not in src and "float64" not in src


# ---------------------------------------------------------------------------------------
# Retracing and static arguments
# ---------------------------------------------------------------------------------------

def test_new_shape_or_dtype_retraces_same_shape_reuses():
    traces = []

    def f(x):
        traces.append(x.shape)
        return x * 2.0 + 1.0

    jf = fd.jit(f)
    a3 = np.arange(3, dtype=np.float32)
    np.testing.assert_allclose(jf(a3), a3 * 2 + 1)
    jf(a3 + 1)
    assert len(jf._cache) == 1 and len(traces) == 1
    r4 = jf(np.arange(4, dtype=np.float32))
    assert r4.shape == (4,) and len(jf._cache) == 2
    r64 = jf(np.arange(3, dtype=np.float64))
    assert r64.dtype == np.float64 and len(jf._cache) == 3
    jf(a3)
    jf(np.arange(4, dtype=np.float32))
    assert len(jf._cache) == 3 and len(traces) == 3
    # non-contiguous input of a known shape reuses the entry and gives the right answer
    strided = np.arange(6, dtype=np.float32)[::2]
    np.testing.assert_allclose(jf(strided), strided * 2 + 1)
    assert len(jf._cache) == 3


def test_non_native_byte_order_input():
    jf = fd.jit(lambda x: x * 2.0)
    big = np.arange(3, dtype=">f4")
    np.testing.assert_allclose(jf(big), [0.0, 2.0, 4.0])


def _loop_scale(x, n, negate=False):
    for _ in range(n):  # Python loop over a static int
        x = x * 2.0
    return -x if negate else x  # Python branch on a static flag


_loop_jit = fd.jit(_loop_scale, static_argnums=1, static_argnames="negate")


def test_static_argnums_and_argnames():
    x = np.ones(2)
    np.testing.assert_allclose(_loop_jit(x, 2), [4.0, 4.0])
    np.testing.assert_allclose(_loop_jit(x, 3), [8.0, 8.0])
    np.testing.assert_allclose(_loop_jit(x, 2, negate=True), [-4.0, -4.0])
    assert len(_loop_jit._cache) == 3
    np.testing.assert_allclose(_loop_jit(x + 1, 2), [8.0, 8.0])
    np.testing.assert_allclose(_loop_jit(x, 2, negate=False), [4.0, 4.0])
    assert len(_loop_jit._cache) <= 4  # negate=False explicitly may or may not share an entry
    n_mul = sum(e.prim.name == "mul" for e in _loop_jit.lower(x, 3).ir.eqns)
    assert n_mul == 3  # the static n unrolled the loop


def test_unhashable_static_arg_raises_naming_it():
    x = np.ones(2)
    with pytest.raises(ValueError, match="static argument 1"):
        _loop_jit(x, [1, 2])
    with pytest.raises(ValueError, match="'negate'"):
        _loop_jit(x, 1, negate=[True])


def test_static_argname_passed_positionally():
    np.testing.assert_allclose(_loop_jit(np.ones(2), 2, True), [-4.0, -4.0])


def test_static_argnum_passed_by_keyword():
    np.testing.assert_allclose(_loop_jit(np.ones(2), n=2), [4.0, 4.0])


def test_branch_on_traced_value_raises_concretization_error():
    def f(x):
        if fnp.sum(x) > 0:
            return x
        return -x

    with pytest.raises(fd.errors.ConcretizationError, match="static_argnums"):
        fd.jit(f)(np.ones(3))


# ---------------------------------------------------------------------------------------
# Composition with the other transforms
# ---------------------------------------------------------------------------------------

def _small_loss(w, x):
    return fnp.sum(fnp.tanh(x @ w) ** 2)


def test_composition_with_other_transforms():
    w, x = _f32(3, 2, seed=4), _f32(5, 3, seed=5)
    jf = fd.jit(_small_loss)
    g = fd.grad(_small_loss)

    _assert_tree_close(fd.jit(g)(w, x), g(w, x), **F32_TOL)
    _assert_tree_close(fd.grad(jf)(w, x), g(w, x), **F32_TOL)

    per_row = fd.vmap(_small_loss, in_axes=(None, 0))
    want_rows = np.stack([_small_loss(w, x[i]) for i in range(len(x))])
    _assert_tree_close(per_row(w, x), want_rows, **F32_TOL)
    _assert_tree_close(fd.jit(per_row)(w, x), want_rows, **F32_TOL)
    _assert_tree_close(fd.vmap(jf, in_axes=(None, 0))(w, x), want_rows, **F32_TOL)

    want_grads = np.stack([g(w, x[i]) for i in range(len(x))])
    got_grads = fd.jit(fd.vmap(g, in_axes=(None, 0)))(w, x)
    assert got_grads.shape == (5, 3, 2)
    _assert_tree_close(got_grads, want_grads, **F32_TOL)

    elementwise = lambda v: fnp.tanh(v) * fnp.sin(v)
    v = _f32(4, seed=6)
    _assert_tree_close(fd.jacfwd(fd.jit(elementwise))(v), fd.jacfwd(elementwise)(v), **F32_TOL)
    _assert_tree_close(fd.jacfwd(jf)(w, x), fd.jacfwd(_small_loss)(w, x), **F32_TOL)

    # a jitted function with a static argument, differentiated from outside
    gl = fd.grad(lambda v: fnp.sum(_loop_jit(v, 3, negate=True)))(np.ones(2))
    np.testing.assert_allclose(gl, [-8.0, -8.0])


# ---------------------------------------------------------------------------------------
# Config flags
# ---------------------------------------------------------------------------------------

def test_disable_jit_runs_eagerly():
    calls = []

    def f(x):
        calls.append(type(x))
        return fnp.cos(x) + 1.0

    jf = fd.jit(f)
    x = np.linspace(0, 1, 5)
    fd.config.update("disable_jit", True)
    try:
        eager1, eager2 = jf(x), jf(x)
        assert len(calls) == 2 and all(t is np.ndarray for t in calls)  # ran on concrete arrays
        assert len(jf._cache) == 0
    finally:
        fd.config.update("disable_jit", False)
    np.testing.assert_allclose(eager1, np.cos(x) + 1)
    np.testing.assert_array_equal(eager1, eager2)
    compiled1, compiled2 = jf(x), jf(x)
    assert len(calls) == 3  # traced once, then cached
    np.testing.assert_allclose(compiled1, eager1, rtol=1e-12)
    np.testing.assert_array_equal(compiled1, compiled2)


def test_debug_nans_under_jit():
    g = fd.jit(lambda x: fnp.log(x) * 2.0 + 1.0)
    fd.config.update("debug_nans", True)
    try:
        with pytest.raises(FloatingPointError, match="log"):
            g(np.array([1.0, -1.0], np.float32))
        r = g(np.array([1.0, 0.0], np.float32))  # -inf is not a NaN: no error
        assert r[0] == 1.0 and r[1] == -np.inf and r.dtype == np.float32
    finally:
        fd.config.update("debug_nans", False)
    assert len(g._cache) == 1
    with np.errstate(invalid="ignore"):
        r = g(np.array([1.0, -1.0], np.float32))  # flag off: a different program, NaN passes
    assert np.isnan(r[1]) and len(g._cache) == 2


# ---------------------------------------------------------------------------------------
# Composite programs vs eager
# ---------------------------------------------------------------------------------------

def _logsumexp(z):
    m = fnp.max(z, axis=-1, keepdims=True)
    return fnp.log(fnp.sum(fnp.exp(z - m), axis=-1)) + fnp.squeeze(m, axis=-1)


def _mlp_loss(params, x, y_onehot):
    h = fnp.maximum(x @ params[0].w + params[0].b, 0.0)
    logits = h @ params[1].w + params[1].b
    return fnp.mean(_logsumexp(logits) - fnp.sum(logits * y_onehot, axis=-1))


def _mlp_data(seed=10, n=6):
    params = (Dense(_f32(4, 8, seed=seed) * 0.5, _f32(8, seed=seed + 1) * 0.1),
              Dense(_f32(8, 3, seed=seed + 2) * 0.5, np.zeros(3, np.float32)))
    x = _f32(n, 4, seed=seed + 3)
    y = np.eye(3, dtype=np.float32)[_rng(seed).integers(0, 3, n)]
    return params, x, y


def _adam_step(params, state, x, y, lr=0.01, b1=0.9, b2=0.999, eps=1e-8):
    loss, g = fd.value_and_grad(_mlp_loss)(params, x, y)
    tm = fd.tree_util.tree_map
    t = state.t + 1.0
    m = tm(lambda m_, g_: b1 * m_ + (1.0 - b1) * g_, state.m, g)
    v = tm(lambda v_, g_: b2 * v_ + (1.0 - b2) * g_ * g_, state.v, g)
    mc, vc = 1.0 - b1 ** t, 1.0 - b2 ** t
    new = tm(lambda p, m_, v_: p - lr * (m_ / mc) / (fnp.sqrt(v_ / vc) + eps), params, m, v)
    return new, AdamState(m, v, t), loss


def test_mlp_adam_train_step_matches_eager():
    params, x, y = _mlp_data()
    zeros = fd.tree_util.tree_map(np.zeros_like, params)
    state = AdamState(zeros, zeros, np.float32(0.0))
    step = fd.jit(_adam_step)
    p_j, s_j = params, state
    p_e, s_e = params, state
    snapshot = _tree_copy((params, state, x, y))
    losses = []
    for _ in range(3):
        p_j, s_j, loss_j = step(p_j, s_j, x, y)
        p_e, s_e, loss_e = _adam_step(p_e, s_e, x, y)
        assert type(loss_j) is np.float32
        np.testing.assert_allclose(loss_j, loss_e, **F32_TOL)
        _assert_tree_close((p_j, s_j), (p_e, s_e), **F32_TOL)
        losses.append(loss_j)
    assert isinstance(p_j[0], Dense) and isinstance(s_j, AdamState)
    assert all(a.dtype == np.float32 for a in fd.tree_util.tree_leaves((p_j, s_j)))
    assert losses[-1] < losses[0]
    assert len(step._cache) == 1  # the same structure/shapes every step
    _assert_tree_close((params, state, x, y), snapshot, rtol=0, atol=0)  # inputs untouched


def _cnn_loss(params, x, y_onehot):
    h = lax.conv(x, params["conv"], padding="SAME") + params["conv_b"][None, :, None, None]
    h = lax.max_pool(fnp.maximum(h, 0.0), 2)
    h = fnp.reshape(h, (h.shape[0], -1))
    logits = h @ params["dense"].w + params["dense"].b
    return fnp.mean(_logsumexp(logits) - fnp.sum(logits * y_onehot, axis=-1))


def test_cnn_loss_and_grad_match_eager():
    params = {"conv": _f32(3, 2, 3, 3, seed=20) * 0.3, "conv_b": _f32(3, seed=21) * 0.1,
              "dense": Dense(_f32(12, 4, seed=22) * 0.3, _f32(4, seed=23) * 0.1)}
    x = _f32(2, 2, 4, 4, seed=24)
    y = np.eye(4, dtype=np.float32)[[1, 3]]
    vg = fd.value_and_grad(_cnn_loss)
    got = fd.jit(vg)(params, x, y)
    want = vg(params, x, y)
    _assert_tree_close(got, want, **F32_TOL)
    assert type(got[0]) is np.float32
    assert set(got[1]) == {"conv", "conv_b", "dense"} and isinstance(got[1]["dense"], Dense)


def test_per_example_gradients():
    params, x, y = _mlp_data(seed=30, n=5)
    per_example = fd.jit(fd.vmap(fd.grad(_mlp_loss), in_axes=(None, 0, 0)))
    got = per_example(params, x, y)
    g = fd.grad(_mlp_loss)
    want = [g(params, x[i], y[i]) for i in range(len(x))]
    want = fd.tree_util.tree_map(lambda *rows: np.stack(rows), *want)
    _assert_tree_close(got, want, **F32_TOL)
    assert got[0].w.shape == (5, 4, 8) and got[1].b.shape == (5, 3)
    # the batch-mean loss's gradient is the mean of the per-example gradients
    _assert_tree_close(fd.tree_util.tree_map(lambda a: a.mean(0), got), g(params, x, y), **F32_TOL)


# ---------------------------------------------------------------------------------------
# Generated source
# ---------------------------------------------------------------------------------------

def test_lowered_source_is_typed_numba():
    x = _f32(3, seed=40)
    lo = fd.jit(lambda v: fnp.sin(v) * 2.0 + 0.5).lower(x)
    assert "@numba.njit(" in lo.source and "error_model='numpy'" in lo.source
    assert "np.float32(" in lo.source and "float64" not in lo.source
    assert "sin" in str(lo.ir) and os.path.isfile(lo.path)
    with open(lo.path) as f:
        assert f.read() == lo.source
    lo64 = fd.jit(lambda v: fnp.sin(v) * 2.0 + 0.5).lower(x.astype(np.float64))
    assert "np.float32(" not in lo64.source and lo64.path != lo.path


def _chain10(x, y):
    z = fnp.sin(x)         # 1
    z = z * 2.0            # 2
    z = z + y              # 3
    z = -z                 # 4
    z = fnp.exp(z)         # 5
    z = fnp.tanh(z)        # 6
    z = z - 0.5            # 7
    z = fnp.abs(z)         # 8
    z = fnp.sqrt(z)        # 9
    return z * y           # 10


def _loop_lines(source):
    return [ln for ln in source.splitlines() if ln.lstrip().startswith("for ")]


def test_elementwise_chain_fuses_into_one_loop_nest():
    x, y = _f32(3, 4, seed=41), _f32(3, 4, seed=42)
    lo = fd.jit(_chain10).lower(x, y)
    assert len(lo.ir.eqns) >= 10
    _assert_one_loop_nest(lo.source, x.ndim)
    assert lo.source.count("np.empty(") == 1  # only the output is allocated
    # followed by a full reduction, the chain is computed inside the reduction's loop
    lo_sum = fd.jit(lambda a, b: fnp.sum(_chain10(a, b))).lower(x, y)
    _assert_one_loop_nest(lo_sum.source, x.ndim)
    assert "np.empty(" not in lo_sum.source


def _assert_one_loop_nest(source, ndim):
    """At most ``ndim`` loops (a nest may be flattened), each inside the previous one."""
    loops = _loop_lines(source)
    assert 1 <= len(loops) <= ndim, loops
    indents = [len(ln) - len(ln.lstrip()) for ln in loops]
    assert indents == sorted(set(indents)), loops


def _ir_lines(ir):
    """The equation lines of ``ir`` as ``str(ir)`` prints them (one per equation)."""
    text = fd.core.format_ir(ir, multiline=True).splitlines()[1:-1]
    return [ln.strip() for ln in text]


def test_source_names_and_comments_follow_the_ir():
    x, y = _f32(3, 4, seed=43), _f32(4, seed=44)
    f = fd.jit(lambda a, b: (fnp.sum(fnp.exp(a) * b, axis=0), fnp.tanh(a @ b)))
    lo = f.lower(x, y)
    assert "def kernel(a, b):" in lo.source
    comments = {ln.strip()[2:] for ln in lo.source.splitlines() if ln.strip().startswith("# ")}
    assert set(_ir_lines(lo.ir)) <= comments, (str(lo.ir), comments)
    # arrays and products are assigned under the IR's names
    stored = [ln.split(" = ")[0].strip() for ln in lo.source.splitlines()
              if " = np.empty(" in ln or " = np.full(" in ln or " = np.dot(" in ln]
    assert sorted(stored) == ["e", "f", "g"], lo.source
    _assert_tree_close(f(x, y), f.fun(x, y), **F32_TOL)


def test_reserved_ir_names_get_a_safe_spelling():
    """A program long enough for the IR names ``as``, ``if``, ``in``, ``np``: generated
    code (run here as plain Python, no numba) renames them and stays valid, unfused (every
    value a statement) and fused (an expression chain longer than Python's nesting limit
    is split)."""
    import keyword

    from funcdl.transforms.codegen import Codegen

    def chain(s, v):
        for k in range(200):
            s = s * 0.999 + (0.001 * k)
        for _ in range(300):
            v = fnp.sin(v)
        return s, v

    s, v = np.float64(0.5), np.linspace(-1.0, 1.0, 3)
    want = chain(s, v)
    lo = fd.jit(chain).lower(s, v)
    assert {"as", "if", "in", "np"} <= set(fd.core.ir_names(lo.ir).values())
    for fuse in (False, True):
        source = Codegen(lo.ir, fuse=fuse).generate()
        assigned = {ln.split(" = ")[0].strip() for ln in source.splitlines()
                    if " = " in ln and not ln.strip().startswith("#")}
        assert not any(keyword.iskeyword(n) or n in ("np", "math", "numba", "kernel") for n in assigned)
        if not fuse:
            assert {"as_", "if_", "in_", "np_"} <= assigned
        namespace = {}
        exec(compile(source, "<generated>", "exec"), namespace)  # noqa: S102
        got = namespace["kernel"](np.array(s), v)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-13)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-13)


def _nested_bodies(h, xs, k):
    """A scan whose body holds a cond and a small loop: three sub-programs whose own
    ``a, b, c ...`` names meet the outer ones in one function."""
    def step(c, x):
        d = lax.cond(fnp.sum(x) > 0.0, lambda u, w: u * w + 1.0, lambda u, w: u - w * 2.0, c, x)
        e = lax.fori_loop(0, 2, lambda i, t: t * 0.5 + d, d)
        return e + fnp.tanh(c), fnp.sum(e * x)
    a, b = lax.scan(step, h, xs)
    return a * k, b + k[0]


def test_sub_program_names_do_not_collide():
    h, xs, k = _f32(3, seed=45), _f32(4, 3, seed=46), _f32(3, seed=47)
    f = fd.jit(_nested_bodies)
    lo = f.lower(h, xs, k)
    src = lo.source
    assert all(f"s{j}_" in src for j in (1, 2, 3)), src
    # every sub-program's names are its own ``s<k>_`` spelling of str(ir)'s names
    assigned = {n.strip(" ,").split("[")[0] for ln in src.splitlines()
                if " = " in ln and not ln.strip().startswith("#") for n in ln.split(" = ")[0].split(",")}
    scoped = {n for n in assigned if n.startswith("s") and "_" in n}
    assert scoped and all(n.split("_", 1)[0][1:].isdigit() and n.split("_", 1)[1].isalpha()
                          for n in scoped), scoped
    _assert_tree_close(f(h, xs, k), f.fun(h, xs, k), **F32_TOL)


def _shapes_of_names(ir):
    return {n: v.aval.shape for v, n in fd.core.ir_names(ir).items()}


def _unit_dims_program(x, idx, u, img):
    g = x[idx] * 2.0                                    # gather
    s = fd.numpy._indexing.at(x)[idx].add(u)            # scatter (x.at[idx] when traced)
    c = fnp.concatenate([x[None], x[None] * 3.0])       # concatenate along a unit axis
    t = fnp.transpose(img, (1, 0, 2, 3))                # moves a unit axis only
    p = fnp.pad(img, ((0, 0), (0, 0), (1, 1), (0, 2)))
    m = lax.max_pool(img, 2)
    return g, s, c, fnp.sum(t, axis=(2, 3)), p, m


def test_source_has_no_unit_loops_or_identity_views():
    import re
    x, idx, u = _f32(5, 4, seed=48), np.array([0, 3, 4], np.int32), _f32(3, 4, seed=49)
    img = _f32(2, 1, 4, 4, seed=50)
    f = fd.jit(_unit_dims_program)
    lo = f.lower(x, idx, u, img)
    assert "range(1)" not in lo.source and "range(0)" not in lo.source
    assert "0 + " not in lo.source and ":1]" not in lo.source and "transpose" not in _ir_text(lo)
    shapes = _shapes_of_names(lo.ir)
    for name, new in re.findall(r"= ([a-z]+_?)\.reshape\(\(?([0-9, ]*?),?\)?\)", lo.source):
        new = tuple(int(d) for d in new.split(",") if d.strip())
        assert shapes.get(name.rstrip("_")) != new, (name, new)
    _assert_tree_close(f(x, idx, u, img), f.fun(x, idx, u, img), **F32_TOL)


def _ir_text(lowered):
    return "\n".join(_ir_lines(lowered.ir))


# ---------------------------------------------------------------------------------------
# The disk cache, across processes
# ---------------------------------------------------------------------------------------

_CHILD = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import funcdl as fd, funcdl.numpy as fnp
    fd.config.update("jit_outline", os.environ["FUNCDL_TEST_OUTLINE"] == "1")
    f = fd.jit(lambda x: fnp.sum(fnp.exp(x) * 3.0 - x))
    r = f(np.arange(4, dtype=np.float32))
    (compiled,) = f._cache.values()
    stats = [m.fn.stats for m in compiled.modules]
    print(json.dumps({"r": float(r), "dtype": str(np.asarray(r).dtype),
                      "paths": [m.path for m in compiled.modules],
                      "texts": [m.text for m in compiled.modules],
                      "hits": sum(sum(s.cache_hits.values()) for s in stats),
                      "misses": sum(sum(s.cache_misses.values()) for s in stats)}))
""")
_CHILD_EXPECTED = float(np.sum(np.exp(np.arange(4, dtype=np.float32)) * np.float32(3) - np.arange(4)))


def _run_child(cache_dir, outline):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env["FUNCDL_CACHE_DIR"] = str(cache_dir)
    env["FUNCDL_TEST_OUTLINE"] = "1" if outline else "0"
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", _CHILD], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["dtype"] == "float32"
    np.testing.assert_allclose(out["r"], _CHILD_EXPECTED, rtol=1e-6)
    return out


def _numba_files(cache_dir):
    pyc = os.path.join(cache_dir, "__pycache__")
    if not os.path.isdir(pyc):
        return {}
    return {n: os.stat(os.path.join(pyc, n)).st_mtime_ns for n in os.listdir(pyc)
            if n.endswith((".nbi", ".nbc"))}


@pytest.fixture(scope="module", params=[False, True], ids=["whole", "outlined"])
def warm_cache(request, tmp_path_factory):
    """A cache directory after one cold run of the child program, compiled as one function
    or outlined into shared kernels: (directory, child's report, outline)."""
    d = tmp_path_factory.mktemp("funcdl_cache")
    return d, _run_child(d, request.param), request.param


def test_disk_cache_reused_by_a_new_process(warm_cache):
    d, first, outline = warm_cache
    n = len(first["paths"])
    assert n >= 1 and first["misses"] == n and first["hits"] == 0  # cold: numba compiled
    for path, text in zip(first["paths"], first["texts"]):
        assert os.path.isfile(path) and os.path.dirname(path) == str(d)
        with open(path) as f:
            assert f.read() == text
    files = _numba_files(d)
    assert any(n.endswith(".nbi") for n in files) and any(n.endswith(".nbc") for n in files)
    source_mtimes = [os.stat(p).st_mtime_ns for p in first["paths"]]

    second = _run_child(d, outline)
    assert second["paths"] == first["paths"]
    assert second["hits"] == n and second["misses"] == 0  # loaded, not compiled
    assert _numba_files(d) == files  # nothing rewritten
    assert [os.stat(p).st_mtime_ns for p in first["paths"]] == source_mtimes


def test_corrupted_generated_module_is_repaired(warm_cache, tmp_path):
    src, first, outline = warm_cache
    d = tmp_path / "cache"
    shutil.copytree(src, d)
    paths = [d / os.path.basename(p) for p in first["paths"]]
    for path in paths:
        path.write_text("this is not python(")
    out = _run_child(d, outline)
    assert out["paths"] == [str(p) for p in paths]
    assert [p.read_text() for p in paths] == first["texts"]


def test_corrupted_numba_cache_is_recovered(warm_cache, tmp_path):
    src, _, outline = warm_cache
    d = tmp_path / "cache"
    shutil.copytree(src, d)
    files = _numba_files(d)
    assert files
    for name in files:
        open(d / "__pycache__" / name, "w").close()  # truncate
    _run_child(d, outline)


def test_specialisations_are_bounded_and_clear_cache_releases_them():
    f = fd.jit(lambda x: x * 3.0 - 1.0)
    with flag("jit_cache_size", 2), flag("jit_outline", False):
        for n in range(1, 6):
            np.testing.assert_array_equal(f(np.ones(n)), np.full(n, 2.0))
        assert len(f._cache) == 2  # the two most recently used shapes
        np.testing.assert_array_equal(f(np.ones(1)), [2.0])  # evicted: loaded again
        names = {os.path.splitext(os.path.basename(c.lowered.path))[0] for c in f._cache.values()}
        assert names <= set(sys.modules)
        f.clear_cache()
        assert not f._cache and not names & set(sys.modules)
        np.testing.assert_array_equal(f(np.ones(3)), np.full(3, 2.0))
    with pytest.raises(ValueError, match="integer >= 1"):
        fd.config.update("jit_cache_size", 0)


def test_outlined_specialisations_are_bounded_and_share_their_kernels():
    f = fd.jit(lambda x: x * 3.0 - 1.0)
    with flag("jit_cache_size", 2), flag("jit_outline", True):
        for n in range(1, 6):
            np.testing.assert_array_equal(f(np.ones(n)), np.full(n, 2.0))
        assert len(f._cache) == 2
        (a, b) = [c.modules for c in f._cache.values()]
        assert [m.name for m in a] == [m.name for m in b]  # one kernel for every shape
        f.clear_cache()
        assert not f._cache and {m.name for m in a} <= set(sys.modules)  # shared: kept
        np.testing.assert_array_equal(f(np.ones(3)), np.full(3, 2.0))


def test_donate_argnums_is_validated_and_never_reuses_a_buffer():
    step = fd.jit(lambda p, g: p - 0.1 * g, donate_argnums=(0,))
    p, g = np.ones(4), np.full(4, 2.0)
    out = step(p, g)
    np.testing.assert_array_equal(out, np.full(4, 0.8))
    np.testing.assert_array_equal(p, np.ones(4))  # the donated input is left as it was
    with pytest.raises(TypeError, match="donate_argnums must be ints"):
        fd.jit(lambda x: x, donate_argnums=("x",))
    with pytest.raises(ValueError, match="both static_argnums and donate_argnums"):
        fd.jit(lambda x, n: x, static_argnums=1, donate_argnums=(1,))


def test_argument_structures_alternating_between_calls_each_get_their_program():
    """The dispatch fast path (a flattening plan of the last structure) must notice every
    change of structure: container types, lengths, dict keys, None, a node for a leaf."""
    f = fd.jit(lambda t: fd.tree_map(lambda x: x * 2, t))
    a, b = np.ones(2), np.full(3, 2.0)
    calls = [(a, b), [a, b], (a, b), {"x": a, "y": b}, {"x": a, "z": b}, (a, None), (a, (b,)),
             (a, [b, b]), (a, b)]
    for tree in calls * 2:
        got, want = f(tree), fd.tree_map(lambda x: x * 2, tree)
        assert fd.tree_util.tree_structure(got) == fd.tree_util.tree_structure(want)
        for g, w in zip(fd.tree_util.tree_leaves(got), fd.tree_util.tree_leaves(want)):
            np.testing.assert_array_equal(g, w)
