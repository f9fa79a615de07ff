"""Systematic tests of ``funcdl.numpy`` against numpy.

Every case is a function ``fn(m, *args)`` written once against a numpy-like module ``m``;
it is run with ``m = numpy`` (the reference) and ``m = funcdl.numpy``:

* eagerly: values, shape and dtype equal numpy's (numpy 2 / NEP 50 promotion);
* traced: ``fd.make_ir`` over the array arguments, then evaluating the IR gives the same
  values, and the IR's output avals give numpy's shapes and dtypes;
* the inputs are never mutated;
* when numpy raises, funcdl raises the same kind of error (TypeError / ValueError /
  IndexError).

Tables (parametrised): creation, unary and binary elementwise ops (with broadcasting,
weak Python scalars, several dtypes and domains), reductions over every kind of axis,
products, shape functions, indexing and ``.at[]`` updates, traced-value operators and
methods, and error cases. A few hypothesis tests draw random broadcastable shapes.
"""
import operator
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcdl as fd
import funcdl.numpy as fnp
from funcdl.errors import ShapeError

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

F16, F32, F64, I32, I64, BOOL = (np.dtype(t) for t in
                                 (np.float16, np.float32, np.float64, np.int32, np.int64, np.bool_))
RTOL = {F16: 2e-3, F32: 2e-6, F64: 1e-12}

# ---------------------------------------------------------------------------------------
# Test data
# ---------------------------------------------------------------------------------------


def rand(shape, dtype=F64, domain="real", seed=0):
    """A deterministic random array of ``shape`` and ``dtype`` in ``domain``.

    Domains: ``real`` (any), ``pos`` (> 0), ``nonneg``, ``nonzero``, ``unit`` (|x| < 1),
    ``halves`` (many exact .5 values, for rounding), ``special`` (nan, inf mixed in),
    ``small`` (small magnitudes, for powers).
    """
    rng = np.random.default_rng(seed + 17 * len(shape) + int(np.prod(shape)))
    dtype = np.dtype(dtype)
    if dtype == BOOL:
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        lo, hi = {"pos": (1, 6), "nonneg": (0, 4), "small": (0, 4), "unit": (-1, 2),
                  "nonzero": (1, 6)}.get(domain, (-5, 6))
        x = rng.integers(lo, hi, shape)
        if domain == "nonzero":
            x = x * rng.choice([-1, 1], shape)
        return x.astype(dtype)
    if domain == "pos":
        x = rng.uniform(0.2, 3.0, shape)
    elif domain in ("nonneg", "small"):
        x = rng.uniform(0.0, 2.0, shape)
    elif domain == "unit":
        x = rng.uniform(-0.9, 0.9, shape)
    elif domain == "nonzero":
        x = rng.uniform(0.5, 3.0, shape) * rng.choice([-1, 1], shape)
    elif domain == "halves":
        x = np.where(rng.random(shape) < 0.6, rng.integers(-6, 7, shape) / 2,
                     rng.normal(0, 3, shape))
    elif domain == "special":
        x = rng.normal(0, 2, shape)
        x = np.where(rng.random(shape) < 0.3, rng.choice([np.nan, np.inf, -np.inf], shape), x)
    else:
        x = rng.normal(0, 2, shape)
    return np.asarray(x, dtype=dtype)


# ---------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------


def _leaves(out):
    if isinstance(out, (list, tuple)):
        return [leaf for o in out for leaf in _leaves(o)]
    return [out]


def assert_same(actual, expected, rtol=None, atol=None, what=""):
    """Equal values (to a dtype-dependent tolerance for floats), shape and dtype."""
    a, e = np.asarray(actual), np.asarray(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != numpy's {e.shape}"
    assert a.dtype == e.dtype, f"{what}: dtype {a.dtype} != numpy's {e.dtype}"
    if e.dtype.kind in "fc":
        tol = RTOL[e.dtype] if rtol is None else rtol
        finite = np.abs(e[np.isfinite(e)]).astype(np.float64)
        scale = max(1.0, float(finite.max())) if finite.size else 1.0
        np.testing.assert_allclose(a, e, rtol=tol, atol=tol * scale if atol is None else atol,
                                   equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(a, e, err_msg=what)


def _error_kind(exc):
    """The broad class a funcdl error must share with numpy's."""
    kinds = tuple(k for k in (TypeError, ValueError, IndexError) if isinstance(exc, k))
    return kinds or (type(exc),)


def check(fn, *args, traced=None, eager=True, np_fn=None, rtol=None, atol=None):
    """Compare ``fn(fnp, *args)`` with ``fn(np, *args)`` (or ``np_fn(*args)``) eagerly and
    under ``make_ir``, tracing the arguments at positions ``traced`` (default: every
    numpy-array argument)."""
    if traced is None:
        traced = [i for i, a in enumerate(args) if isinstance(a, np.ndarray)]
    snapshot = [np.copy(a) if isinstance(a, np.ndarray) else None for a in args]
    try:
        with np.errstate(all="ignore"):
            expected = np_fn(*args) if np_fn is not None else fn(np, *args)
    except Exception as exc:  # numpy rejects it: funcdl must reject it the same way
        kinds = _error_kind(exc)
        if eager:
            with pytest.raises(kinds):
                fn(fnp, *args)
        with pytest.raises(kinds):
            _trace(fn, args, traced)
        return
    expected = _leaves(expected)
    if eager:
        with np.errstate(all="ignore"):
            actual = _leaves(fn(fnp, *args))
        assert len(actual) == len(expected)
        for k, (a, e) in enumerate(zip(actual, expected)):
            assert not fd.core.is_tracer(a)
            assert_same(a, e, rtol, atol, f"eager output {k}")
    ir = _trace(fn, args, traced)
    assert len(ir.out_avals) == len(expected)
    for k, (aval, e) in enumerate(zip(ir.out_avals, expected)):
        e = np.asarray(e)
        assert (aval.shape, aval.dtype) == (e.shape, e.dtype), \
            f"traced output {k}: aval {aval} but numpy gives {e.dtype}{list(e.shape)}"
    with np.errstate(all="ignore"):
        outs = ir(*[args[i] for i in traced])
    for k, (a, e) in enumerate(zip(outs, expected)):
        assert_same(a, e, rtol, atol, f"IR output {k}")
    for a, s in zip(args, snapshot):
        if s is not None:
            np.testing.assert_array_equal(a, s, err_msg="an input was mutated")


def _trace(fn, args, traced):
    def f(*tracers):
        full = list(args)
        for i, t in zip(traced, tracers):
            full[i] = t
        return fn(fnp, *full)
    ir = fd.make_ir(f)(*[args[i] for i in traced])
    fd.core.typecheck_ir(ir)  # every equation agrees with its primitive's shape rule
    assert str(ir)
    return ir


def ids(cases):
    return [c[0] for c in cases]


# ---------------------------------------------------------------------------------------
# Creation
# ---------------------------------------------------------------------------------------

X23_F32 = rand((2, 3), F32)
X23_I32 = rand((2, 3), I32)

CREATION = [
    ("zeros", lambda m: m.zeros((2, 3))),
    ("zeros_int_shape", lambda m: m.zeros(3, dtype=m.int32)),
    ("zeros_empty", lambda m: m.zeros((0, 2), dtype=m.float32)),
    ("ones_bool", lambda m: m.ones((2,), dtype=m.bool_)),
    ("ones_0d", lambda m: m.ones(())),
    ("full", lambda m: m.full((2, 3), 1.5)),
    ("full_int_value", lambda m: m.full(3, 7)),
    ("full_dtype", lambda m: m.full((2,), 7, dtype=m.float32)),
    ("full_np_scalar", lambda m: m.full((2,), np.float32(2.5))),
    ("zeros_like", lambda m: m.zeros_like(X23_F32)),
    ("zeros_like_dtype", lambda m: m.zeros_like(X23_F32, dtype=m.int32)),
    ("ones_like", lambda m: m.ones_like(X23_I32)),
    ("ones_like_list", lambda m: m.ones_like([1.0, 2.0])),
    ("full_like", lambda m: m.full_like(X23_F32, 3)),
    ("full_like_trunc", lambda m: m.full_like(X23_I32, 2.7)),
    ("full_like_dtype", lambda m: m.full_like(X23_I32, 2.5, dtype=m.float64)),
    ("arange", lambda m: m.arange(5)),
    ("arange_start_stop_step", lambda m: m.arange(2, 11, 3)),
    ("arange_float", lambda m: m.arange(0.0, 1.0, 0.25)),
    ("arange_negative_step", lambda m: m.arange(10, 2, -2)),
    ("arange_dtype", lambda m: m.arange(5, dtype=m.float32)),
    ("arange_empty", lambda m: m.arange(3, 1)),
    ("linspace", lambda m: m.linspace(0, 1, 5)),
    ("linspace_no_endpoint", lambda m: m.linspace(-1.0, 1.0, 4, endpoint=False)),
    ("linspace_dtype", lambda m: m.linspace(0, 1, 3, dtype=m.float32)),
    ("linspace_one", lambda m: m.linspace(2, 3, 1)),
    ("eye", lambda m: m.eye(3)),
    ("eye_rect_k", lambda m: m.eye(2, 4, k=1)),
    ("eye_neg_k", lambda m: m.eye(3, k=-1, dtype=m.int32)),
    ("array_list", lambda m: m.array([1, 2, 3])),
    ("array_nested_dtype", lambda m: m.array([[1.0, 2.0]], dtype=m.float32)),
    ("array_copy", lambda m: m.array(X23_F32)),
    ("asarray", lambda m: m.asarray(X23_I32)),
    ("asarray_dtype", lambda m: m.asarray(X23_I32, dtype=m.float32)),
    ("asarray_scalar", lambda m: m.asarray(2.0)),
    ("asarray_bool_list", lambda m: m.asarray([True, False])),
]


@pytest.mark.parametrize("name,fn", CREATION, ids=ids(CREATION))
def test_creation(name, fn):
    check(fn)


def test_array_copies():
    x = np.ones(3)
    y = fnp.array(x)
    y[0] = 5.0
    assert x[0] == 1.0


TRACED_CREATION = [
    ("full_traced_fill", lambda m, v: m.full((2, 3), v), (np.float32(1.5),)),
    ("full_traced_fill_dtype", lambda m, v: m.full((2,), v, dtype=m.float64), (np.float32(1.5),)),
    ("full_like_traced_fill", lambda m, x, v: m.full_like(x, v), (X23_F32, np.float64(2.0))),
    ("zeros_like_traced", lambda m, x: m.zeros_like(x), (X23_F32,)),
    ("ones_like_traced_dtype", lambda m, x: m.ones_like(x, dtype=m.bool_), (X23_I32,)),
    ("array_of_traced", lambda m, a, b: m.array([a, b]),
     (rand((3,), F32), rand((3,), F32, seed=1))),
    ("asarray_nested_traced", lambda m, a: m.asarray([[a, a], [a, a]]), (np.float64(3.0),)),
    ("array_traced_dtype", lambda m, a: m.array(a, dtype=m.int32), (rand((3,), F64),)),
    ("asarray_traced", lambda m, a: m.asarray(a), (X23_I32,)),
]


@pytest.mark.parametrize("name,fn,args", TRACED_CREATION, ids=ids(TRACED_CREATION))
def test_creation_traced(name, fn, args):
    check(fn, *(np.asarray(a) for a in args))


# ---------------------------------------------------------------------------------------
# Elementwise unary
# ---------------------------------------------------------------------------------------

UNARY = [  # (name, domain)
    ("negative", "real"), ("abs", "special"), ("absolute", "real"), ("sign", "special"),
    ("square", "real"), ("sqrt", "nonneg"), ("exp", "real"), ("log", "pos"), ("log1p", "nonneg"),
    ("expm1", "real"), ("sin", "real"), ("cos", "real"), ("tan", "unit"), ("tanh", "real"),
    ("sinh", "real"), ("cosh", "real"), ("arctan", "real"), ("arcsinh", "real"), ("reciprocal", "nonzero"),
    ("floor", "halves"), ("ceil", "halves"), ("round", "halves"), ("logical_not", "real"),
    ("isnan", "special"), ("isfinite", "special"), ("positive", "real"),
    ("arcsin", "unit"), ("asin", "unit"), ("arccos", "unit"), ("acos", "unit"), ("arctanh", "unit"),
    ("atanh", "unit"), ("arccosh", "pos"), ("acosh", "pos"), ("asinh", "real"), ("atan", "real"),
    ("log2", "pos"), ("log10", "pos"), ("exp2", "real"), ("cbrt", "real"), ("trunc", "halves"),
    ("fix", "halves"), ("rint", "halves"), ("fabs", "real"),
]
UNARY_SHAPES = [(), (3,), (2, 3), (1, 4, 1), (0,), (2, 0)]
DTYPES = [F32, F64, I32, BOOL]


@pytest.mark.parametrize("name,domain", UNARY, ids=ids(UNARY))
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
def test_unary(name, domain, dtype, shape):
    if name == "reciprocal" and dtype.kind in "ib":
        pytest.skip("numpy's integer reciprocal truncates (1/x in integers); fnp gives floats")
    check(lambda m, x: getattr(m, name)(x), rand(shape, dtype, domain))


UNARY_EXTRA = [
    ("round_decimals_1", lambda m, x: m.round(x, 1), rand((7,), F64, "real")),
    ("round_decimals_2_f32", lambda m, x: m.round(x, 2), rand((7,), F32, "real")),
    ("round_decimals_neg", lambda m, x: m.round(x * 100, -1), rand((7,), F64, "real")),
    ("round_int_decimals_neg", lambda m, x: m.round(x * 37, -1), rand((7,), I32)),
    ("around", lambda m, x: m.around(x), rand((5,), F64, "halves")),
    ("sqrt_negative_nan", lambda m, x: m.sqrt(x), np.array([-1.0, 4.0])),
    ("log_zero_inf", lambda m, x: m.log(x), np.array([0.0, 1.0, -1.0])),
    ("scalar_input", lambda m, x: m.exp(x), np.float32(1.5)),
    ("python_scalar", lambda m: m.sin(0.5), None),
    ("list_input", lambda m: m.tanh([0.5, -1.0]), None),
    ("int_abs_min", lambda m, x: m.abs(x), np.array([-7, 0, 3], np.int32)),
    ("clip_both", lambda m, x: m.clip(x, -1.0, 1.0), rand((2, 3), F32)),
    ("clip_lower_only", lambda m, x: m.clip(x, 0.0, None), rand((2, 3), F64)),
    ("clip_upper_only", lambda m, x: m.clip(x, None, 1), rand((2, 3), I32)),
    ("clip_int_float_bounds", lambda m, x: m.clip(x, 0.5, 2.5), rand((2, 3), I32)),
    ("clip_array_bounds", lambda m, x: m.clip(x, np.zeros(3), np.ones((2, 1))), rand((2, 3), F64)),
    ("where_python_scalars", lambda m, c: m.where(c, 1.0, 0.0), rand((2, 3), BOOL)),
    ("where_int_cond", lambda m, c: m.where(c, 1, -1), rand((2, 3), I32)),
]


@pytest.mark.parametrize("name,fn,arg", UNARY_EXTRA, ids=ids(UNARY_EXTRA))
def test_unary_extra(name, fn, arg):
    if arg is None:
        check(fn)
    else:
        check(fn, np.asarray(arg) if isinstance(arg, np.generic) else arg)


# ---------------------------------------------------------------------------------------
# Elementwise binary (and ternary where/clip)
# ---------------------------------------------------------------------------------------

BINARY = [  # (name, x domain, y domain)
    ("add", "real", "real"), ("subtract", "real", "real"), ("multiply", "real", "real"),
    ("divide", "real", "nonzero"), ("true_divide", "real", "nonzero"),
    ("floor_divide", "real", "nonzero"), ("remainder", "real", "nonzero"),
    ("mod", "real", "nonzero"), ("power", "pos", "small"), ("maximum", "special", "special"),
    ("minimum", "special", "special"), ("logaddexp", "real", "real"),
    ("equal", "unit", "unit"), ("not_equal", "unit", "unit"), ("less", "unit", "unit"),
    ("less_equal", "unit", "unit"), ("greater", "unit", "unit"),
    ("greater_equal", "unit", "unit"), ("logical_and", "unit", "unit"),
    ("logical_or", "unit", "unit"), ("arctan2", "real", "real"), ("atan2", "real", "real"),
    ("hypot", "real", "real"), ("copysign", "real", "real"), ("fmod", "real", "nonzero"),
    ("pow", "pos", "small"),
]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((3,), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)),
                 ((), (2, 3)), ((2, 3), ()), ((1,), (0,)), ((2, 0), (1, 0)), ((4, 1, 3), (2, 1))]
BINARY_DTYPES = [(F32, F32), (F64, F64), (F32, F64), (I32, I32), (I32, F32), (I32, F64),
                 (BOOL, BOOL), (BOOL, I32), (F32, BOOL), (I64, I32)]
PY_SCALARS = [(F32, 2.0), (F32, 3), (I32, 3), (I32, 2.5), (BOOL, True), (BOOL, 2), (F64, -1.5),
              (I32, True), (2.0, F32), (3, I32), (-2, F32)]


@pytest.mark.parametrize("name,dx,dy", BINARY, ids=ids(BINARY))
@pytest.mark.parametrize("sx,sy", BINARY_SHAPES, ids=str)
def test_binary_shapes(name, dx, dy, sx, sy):
    check(lambda m, x, y: getattr(m, name)(x, y), rand(sx, F64, dx), rand(sy, F64, dy, seed=1))


@pytest.mark.parametrize("name,dx,dy", BINARY, ids=ids(BINARY))
@pytest.mark.parametrize("tx,ty", BINARY_DTYPES, ids=str)
def test_binary_dtypes(name, dx, dy, tx, ty):
    check(lambda m, x, y: getattr(m, name)(x, y), rand((2, 1), tx, dx), rand((3,), ty, dy, seed=1))


def _scalar(dtype_or_value, domain):
    """A Python scalar stays as is; a dtype becomes a random array of it."""
    if isinstance(dtype_or_value, np.dtype):
        return rand((2, 3), dtype_or_value, domain)
    if domain == "nonzero" and not dtype_or_value:
        return 2
    return dtype_or_value


@pytest.mark.parametrize("name,dx,dy", BINARY, ids=ids(BINARY))
@pytest.mark.parametrize("x,y", PY_SCALARS, ids=str)
def test_binary_python_scalars(name, dx, dy, x, y):
    """Python scalars are weak: they never widen an array's dtype (NEP 50)."""
    if name == "power" and isinstance(y, (int, float)) and y < 0 and not isinstance(x, float):
        y = -y
    check(lambda m, a, b: getattr(m, name)(a, b), _scalar(x, dx), _scalar(y, dy))


def test_float_floor_divide_matches_numpy_exactly():
    x = np.array([1.0, -1.0, 7.0, -7.0, 0.3, 5.0, 1e300, 0.0, -0.0])
    y = np.array([0.1, 0.1, 0.7, 0.7, 0.1, -0.5, 1e-10, 3.0, 3.0])
    check(lambda m, a, b: m.floor_divide(a, b), x, y, rtol=0, atol=0)
    check(lambda m, a, b: m.remainder(a, b), x, y, rtol=0, atol=0)


def test_float_floor_divide_by_zero_and_inf():
    x = np.array([1.0, -1.0, 0.0, np.inf, 3.0, np.nan])
    y = np.array([0.0, 0.0, 0.0, 2.0, np.inf, 1.0])
    check(lambda m, a, b: m.floor_divide(a, b), x, y)


def test_logaddexp_extremes():
    x = np.array([-np.inf, np.inf, -np.inf, 1000.0, -1000.0, 0.0, np.nan])
    y = np.array([-np.inf, np.inf, 3.0, 1000.0, -1001.0, 0.0, 1.0])
    check(lambda m, a, b: m.logaddexp(a, b), x, y)


def test_integer_power_and_division_edge_cases():
    x = np.array([-3, -2, 0, 2, 7], np.int32)
    y = np.array([2, 3, 1, -3, 2], np.int32)
    check(lambda m, a, b: m.floor_divide(a, b), x, y)
    check(lambda m, a, b: m.remainder(a, b), x, y)
    check(lambda m, a, b: m.power(a, b), x, np.abs(y))


WHERE_CASES = [
    ("where_broadcast", (2, 1), BOOL, (3,), F32, (2, 3), F32),
    ("where_promote", (2, 3), BOOL, (2, 3), I32, (), F64),
    ("where_0d_cond", (), BOOL, (2, 3), F64, (2, 3), F64),
    ("where_float_cond", (3,), F64, (3,), F32, (3,), F32),
    ("where_bool_values", (2, 3), BOOL, (2, 3), BOOL, (3,), BOOL),
]


@pytest.mark.parametrize("name,sc,dc,sx,dx,sy,dy", WHERE_CASES, ids=ids(WHERE_CASES))
def test_where(name, sc, dc, sx, dx, sy, dy):
    check(lambda m, c, x, y: m.where(c, x, y), rand(sc, dc), rand(sx, dx, seed=1),
          rand(sy, dy, seed=2))


@pytest.mark.parametrize("args", [(F32, 2.0), (I32, 2.5), (BOOL, 1), (F32, I32), (I64, F16),
                                  (2, 3.0), (F32, np.float64(1.0))], ids=str)
def test_result_type(args):
    args = [np.ones(2, a) if isinstance(a, np.dtype) else a for a in args]
    assert fnp.result_type(*args) == np.result_type(*args)


def test_erf_erfc_erfinv_match_scipy():
    import scipy.special
    for x in (rand((2, 3), F32, "unit"), rand((4,), F64, "unit"), rand((3,), I32, "unit")):
        check(lambda m, a: fnp.erf(a), x, np_fn=scipy.special.erf)
        check(lambda m, a: fnp.erfc(a), x, np_fn=scipy.special.erfc)
        check(lambda m, a: fnp.erfinv(a), x, np_fn=scipy.special.erfinv)
    big = np.array([3.0, 6.0, 20.0, 27.0, -5.0])  # where 1 - erf(x) would lose every digit
    np.testing.assert_allclose(fnp.erfc(big), scipy.special.erfc(big), rtol=1e-14, atol=1e-300)


def test_where_weak_scalar_keeps_dtype():
    check(lambda m, c, x: m.where(c, x, 0.0), rand((2, 3), BOOL), rand((2, 3), F32))
    check(lambda m, c, x: m.where(c, 2, x), rand((3,), BOOL), rand((3,), I32))


# --- hypothesis: random broadcastable shapes -------------------------------------------

# small and fast by default; FUNCDL_HYPOTHESIS_EXAMPLES=1000 for a long exploratory run
HYPOTHESIS_SETTINGS = settings(max_examples=int(os.environ.get("FUNCDL_HYPOTHESIS_EXAMPLES", 15)),
                               deadline=None, suppress_health_check=list(HealthCheck))
_HYP_OPS = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "power",
            "floor_divide", "remainder", "logaddexp", "less", "equal", "logical_or"]
_HYP_DOMAINS = {name: (dx, dy) for name, dx, dy in BINARY}


@HYPOTHESIS_SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                min_side=0, max_side=3),
       name=st.sampled_from(_HYP_OPS), dtypes=st.sampled_from(BINARY_DTYPES),
       seed=st.integers(0, 2**16))
def test_binary_broadcasting_hypothesis(shapes, name, dtypes, seed):
    (sx, sy), _ = shapes
    dx, dy = _HYP_DOMAINS[name]
    check(lambda m, x, y: getattr(m, name)(x, y), rand(sx, dtypes[0], dx, seed),
          rand(sy, dtypes[1], dy, seed + 1))


@HYPOTHESIS_SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3,
                                                max_side=3),
       seed=st.integers(0, 2**16))
def test_where_broadcasting_hypothesis(shapes, seed):
    (sc, sx, sy), _ = shapes
    check(lambda m, c, x, y: m.where(c, x, y), rand(sc, BOOL, seed=seed),
          rand(sx, F32, seed=seed + 1), rand(sy, F64, seed=seed + 2))


@HYPOTHESIS_SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                max_side=3),
       name=st.sampled_from(["add", "less", "multiply"]))
def test_incompatible_shapes_hypothesis(shapes, name):
    """Shapes that numpy rejects raise a ShapeError naming the op (eager and traced)."""
    (sx, sy), _ = shapes
    sx = sx + (4,)
    sy = sy + (5,)
    x, y = rand(sx), rand(sy)
    for fn in (lambda: getattr(fnp, name)(x, y),
               lambda: fd.make_ir(getattr(fnp, name))(x, y)):
        with pytest.raises(ShapeError, match=f"^{name}: .*{sx}.*{sy}"):
            fn()


# ---------------------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------------------

REDUCTIONS = ["sum", "mean", "max", "min", "prod", "var", "std", "all", "any"]
REDUCTION_AXES = [((2, 3, 4), None), ((2, 3, 4), 0), ((2, 3, 4), 2), ((2, 3, 4), -1),
                  ((2, 3, 4), -3), ((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, 0)),
                  ((2, 3, 4), (0, 1, 2)), ((2, 3, 4), ()), ((), None), ((), ()),
                  ((5,), 0), ((1, 3), 0), ((2, 0), 1), ((2, 0), 0), ((2, 0), None)]


def _red_tol(name, dtype):
    if name in ("var", "std"):  # two-pass formulas legitimately differ a little
        return {F32: 2e-5, F16: 5e-3}.get(np.dtype(dtype), 1e-11)
    if name == "mean" and dtype == F32:
        return 1e-5
    return None


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("shape,axis", REDUCTION_AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True], ids=["", "keepdims"])
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_reduction(name, shape, axis, keepdims, dtype):
    domain = "pos" if name == "prod" else "real"
    x = rand(shape, dtype, domain)
    check(lambda m, a: getattr(m, name)(a, axis=axis, keepdims=keepdims), x,
          rtol=_red_tol(name, dtype))


ARG_REDUCTIONS = [((2, 3, 4), None), ((2, 3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -1),
                  ((5,), 0), ((5,), None), ((), None), ((1, 3), 0), ((2, 0), 0), ((0,), None)]


@pytest.mark.parametrize("name", ["argmax", "argmin", "cumsum"])
@pytest.mark.parametrize("shape,axis", ARG_REDUCTIONS, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_arg_reduction_and_cumsum(name, shape, axis, dtype):
    x = rand(shape, dtype)
    if dtype.kind == "f" and x.size > 3:
        x.flat[2] = x.flat[1]  # a tie: the first one wins
    check(lambda m, a: getattr(m, name)(a, axis=axis), x)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [None, 1, -1])
def test_arg_reduction_keepdims(name, axis):
    check(lambda m, a: getattr(m, name)(a, axis=axis, keepdims=True), rand((2, 3, 4)))


REDUCTION_EXTRA = [
    ("sum_dtype", lambda m, x: m.sum(x, axis=0, dtype=m.float32), rand((3, 4), I32)),
    ("sum_float32_weak", lambda m, x: m.sum(x * 2.0), rand((3, 4), F32)),
    ("mean_dtype", lambda m, x: m.mean(x, axis=1, dtype=m.float32), rand((3, 4), F64)),
    ("var_ddof", lambda m, x: m.var(x, axis=1, ddof=1), rand((3, 4), F64)),
    ("std_ddof_keepdims", lambda m, x: m.std(x, axis=(0, 1), ddof=1, keepdims=True),
     rand((3, 4, 2), F64)),
    ("cumsum_dtype", lambda m, x: m.cumsum(x, axis=0, dtype=m.float32), rand((3, 2), I32)),
    ("max_nan", lambda m, x: m.max(x, axis=0), np.array([[1.0, np.nan], [2.0, 0.0]])),
    ("min_inf", lambda m, x: m.min(x), np.array([np.inf, -np.inf, 0.0])),
    ("argmax_nan", lambda m, x: m.argmax(x), np.array([1.0, np.nan, 3.0])),
    ("any_nan", lambda m, x: m.any(x), np.array([0.0, np.nan])),
    ("all_list", lambda m, x: m.all([[True, False], [True, True]], axis=1), None),
    ("sum_python_list", lambda m, x: m.sum([1, 2, 3]), None),
    ("mean_python_scalar", lambda m, x: m.mean(3), None),
    ("amax", lambda m, x: m.amax(x, axis=1), rand((3, 4), F64)),
    ("amin", lambda m, x: m.amin(x, axis=0), rand((3, 4), I32)),
]


@pytest.mark.parametrize("name,fn,arg", REDUCTION_EXTRA, ids=ids(REDUCTION_EXTRA))
def test_reduction_extra(name, fn, arg):
    if arg is None:
        check(lambda m: fn(m, None))
    else:
        check(fn, arg, rtol=1e-11 if arg.dtype == F64 else None)


# ---------------------------------------------------------------------------------------
# Linear algebra
# ---------------------------------------------------------------------------------------

DOT_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
              ((2, 3, 4), (4,)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (5, 4, 2)),
              ((), (3,)), ((2, 3), ()), ((0, 3), (3, 2)), ((2, 0), (0, 3)), ((1, 3), (3, 1))]
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((3,), (5, 3, 4)), ((5, 2, 3), (3,)),
                 ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)),
                 ((0, 2, 3), (3, 4)), ((2, 0), (0, 3)),
                 ((), (3,)), ((2, 3), (4, 5)), ((5, 2, 3), (4, 3, 2))]
PRODUCT_DTYPES = [(F32, F32), (F64, F64), (I32, I32), (F32, I32), (F32, F64), (BOOL, BOOL)]


@pytest.mark.parametrize("sx,sy", DOT_SHAPES, ids=str)
@pytest.mark.parametrize("tx,ty", PRODUCT_DTYPES, ids=str)
def test_dot(sx, sy, tx, ty):
    check(lambda m, a, b: m.dot(a, b), rand(sx, tx), rand(sy, ty, seed=1))


@pytest.mark.parametrize("sx,sy", MATMUL_SHAPES, ids=str)
@pytest.mark.parametrize("tx,ty", PRODUCT_DTYPES, ids=str)
def test_matmul(sx, sy, tx, ty):
    x, y = rand(sx, tx), rand(sy, ty, seed=1)
    check(lambda m, a, b: m.matmul(a, b), x, y)
    check(lambda m, a, b: a @ b, x, y, eager=False, traced=[0])  # Tracer @ ndarray
    check(lambda m, a, b: a @ b, x, y, eager=False, traced=[1])  # ndarray @ Tracer
    check(lambda m, a, b: a @ b, x, y, eager=False)


TENSORDOT = [((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 4), 1), ((2, 3), (4,), 0),
             ((2, 3, 4), (4, 3, 5), ([1, 2], [1, 0])), ((2, 3, 4), (4, 5), (-1, 0)),
             ((2, 3), (2, 3), ((0, 1), (0, 1))), ((3,), (3,), 1), ((2, 3), (3, 2), ([1], [0]))]


@pytest.mark.parametrize("sx,sy,axes", TENSORDOT, ids=str)
@pytest.mark.parametrize("tx,ty", [(F64, F64), (F32, I32)], ids=str)
def test_tensordot(sx, sy, axes, tx, ty):
    check(lambda m, a, b: m.tensordot(a, b, axes), rand(sx, tx), rand(sy, ty, seed=1))


@pytest.mark.parametrize("sx,sy", [((3,), (4,)), ((2, 3), (2,)), ((), (3,)), ((0,), (2,))], ids=str)
@pytest.mark.parametrize("tx,ty", [(F64, F64), (F32, I32), (BOOL, BOOL)], ids=str)
def test_outer(sx, sy, tx, ty):
    check(lambda m, a, b: m.outer(a, b), rand(sx, tx), rand(sy, ty, seed=1))


EINSUM = [
    ("ij,jk->ik", (2, 3), (3, 4)),
    ("ij,jk", (2, 3), (3, 4)),
    ("ij->ji", (2, 3)),
    ("ji", (2, 3)),
    ("ij", (2, 3)),
    ("ij->", (2, 3)),
    ("ij->j", (2, 3)),
    ("i,i", (3,), (3,)),
    ("i,i->i", (3,), (3,)),
    ("i,j->ij", (3,), (4,)),
    ("i,j", (3,), (4,)),
    ("ij,ij->i", (2, 3), (2, 3)),
    ("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
    ("bij,bkj->bik", (2, 3, 4), (2, 5, 4)),
    ("ijk,ikl->jl", (2, 3, 4), (2, 4, 5)),
    ("ij,jk,kl->il", (2, 3), (3, 4), (4, 5)),
    ("ij,jk,ki->", (2, 3), (3, 4), (4, 2)),
    ("ab,cd->dcba", (2, 3), (4, 1)),
    ("...ij,...jk->...ik", (2, 3, 4), (4, 5)),
    ("...ij,...jk", (6, 2, 3, 4), (2, 4, 5)),
    ("...i,...i->...", (2, 3), (3,)),
    ("i...->...", (3, 2, 4)),
    ("...,...", (2, 3), (2, 3)),
    ("ij...,jk...->ik...", (2, 3, 5), (3, 4, 5)),
    ("ii", (3, 3)),
    ("ii->i", (3, 3)),
    ("iij->j", (2, 2, 3)),
    ("ij,jj->i", (2, 3), (3, 3)),
    ("...ii->...i", (4, 3, 3)),
    ("i, i ->", (3,), (3,)),
    ("...i,...i->...", (1, 3), (2, 3)),
    ("ij,jk->ik", (2, 1), (3, 4)),
]


@pytest.mark.parametrize("spec_shapes", EINSUM, ids=[e[0] + ":" + str(e[1:]) for e in EINSUM])
@pytest.mark.parametrize("dtype", [F64, F32, I32], ids=str)
def test_einsum(spec_shapes, dtype):
    spec, *shapes = spec_shapes
    args = [rand(s, dtype, seed=k) for k, s in enumerate(shapes)]
    check(lambda m, *xs: m.einsum(spec, *xs), *args)


def test_einsum_mixed_dtypes():
    check(lambda m, a, b: m.einsum("ij,j->i", a, b), rand((2, 3), F32), rand((3,), I32))


# ---------------------------------------------------------------------------------------
# Shape functions
# ---------------------------------------------------------------------------------------

X234 = rand((2, 3, 4), F32)
X134 = rand((1, 3, 1), F64)
XI = rand((2, 3), I32)
X6 = rand((6,), F64)
X23 = rand((2, 3), F64, seed=3)

SHAPE_OPS = [
    ("reshape", lambda m, x: m.reshape(x, (3, -1)), X234),
    ("reshape_int", lambda m, x: m.reshape(x, -1), X234),
    ("reshape_same", lambda m, x: m.reshape(x, (2, 3, 4)), X234),
    ("reshape_0d", lambda m, x: m.reshape(x, ()), rand((1, 1))),
    ("reshape_empty", lambda m, x: m.reshape(x, (-1, 3)), rand((0, 3))),
    ("reshape_bad", lambda m, x: m.reshape(x, (5, -1)), X234),
    ("reshape_bad_size", lambda m, x: m.reshape(x, (5, 5)), X234),
    ("ravel", lambda m, x: m.ravel(x), X234),
    ("ravel_0d", lambda m, x: m.ravel(x), np.array(3.0)),
    ("transpose", lambda m, x: m.transpose(x), X234),
    ("transpose_axes", lambda m, x: m.transpose(x, (1, 0, 2)), X234),
    ("transpose_neg_axes", lambda m, x: m.transpose(x, (-1, 0, 1)), X234),
    ("transpose_bad_axes", lambda m, x: m.transpose(x, (0, 0, 1)), X234),
    ("swapaxes", lambda m, x: m.swapaxes(x, 0, 2), X234),
    ("swapaxes_neg", lambda m, x: m.swapaxes(x, -1, 0), X234),
    ("moveaxis", lambda m, x: m.moveaxis(x, 0, -1), X234),
    ("moveaxis_multi", lambda m, x: m.moveaxis(x, [0, 1], [-1, -3]), X234),
    ("moveaxis_multi2", lambda m, x: m.moveaxis(x, (2, 0), (0, 1)), X234),
    ("expand_dims_0", lambda m, x: m.expand_dims(x, 0), XI),
    ("expand_dims_neg", lambda m, x: m.expand_dims(x, -1), XI),
    ("expand_dims_tuple", lambda m, x: m.expand_dims(x, (0, 2)), XI),
    ("expand_dims_tuple_neg", lambda m, x: m.expand_dims(x, (-1, 1)), XI),
    ("expand_dims_0d", lambda m, x: m.expand_dims(x, 0), np.array(1.5)),
    ("squeeze", lambda m, x: m.squeeze(x), X134),
    ("squeeze_axis", lambda m, x: m.squeeze(x, 0), X134),
    ("squeeze_axes", lambda m, x: m.squeeze(x, (0, -1)), X134),
    ("squeeze_bad", lambda m, x: m.squeeze(x, 1), X134),
    ("squeeze_0d", lambda m, x: m.squeeze(x), np.array(2.0)),
    ("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3)), rand((3,))),
    ("broadcast_to_lead", lambda m, x: m.broadcast_to(x, (4, 2, 3)), XI),
    ("broadcast_to_size1", lambda m, x: m.broadcast_to(x, (2, 3, 5)), X134[0]),
    ("broadcast_to_scalar", lambda m, x: m.broadcast_to(x, 3), np.array(1.0)),
    ("broadcast_to_bad", lambda m, x: m.broadcast_to(x, (3, 2)), XI),
    ("broadcast_arrays", lambda m, x: m.broadcast_arrays(x, X134[0]), XI),
    ("concatenate", lambda m, x: m.concatenate([x, x]), XI),
    ("concatenate_axis1", lambda m, x: m.concatenate([x, XI], axis=1), rand((2, 2), F32)),
    ("concatenate_neg_axis", lambda m, x: m.concatenate((x, x, x), axis=-1), X234),
    ("concatenate_none", lambda m, x: m.concatenate([x, X6], axis=None), XI),
    ("concatenate_promote", lambda m, x: m.concatenate([x, rand((1, 3), F32)]), XI),
    ("concatenate_single", lambda m, x: m.concatenate([x]), XI),
    ("concatenate_empty_part", lambda m, x: m.concatenate([x, rand((0, 3))]), X23),
    ("concatenate_bad", lambda m, x: m.concatenate([x, rand((2, 4))]), rand((1, 3))),
    ("stack", lambda m, x: m.stack([x, x]), XI),
    ("stack_axis1", lambda m, x: m.stack([x, x + 1, x], axis=1), XI),
    ("stack_neg", lambda m, x: m.stack([x, X23], axis=-1), XI),
    ("stack_0d", lambda m, x: m.stack([x, x]), np.array(1.0)),
    ("stack_bad", lambda m, x: m.stack([x, X6]), XI),
    ("split_sections", lambda m, x: m.split(x, 3), X6),
    ("split_indices", lambda m, x: m.split(x, [1, 4]), X6),
    ("split_neg_index", lambda m, x: m.split(x, [-2]), X6),
    ("split_decreasing", lambda m, x: m.split(x, [4, 1, 9]), X6),
    ("split_axis", lambda m, x: m.split(x, 2, axis=1), rand((2, 4, 3))),
    ("split_neg_axis", lambda m, x: m.split(x, [1], axis=-1), X234),
    ("split_uneven", lambda m, x: m.split(x, 4), X6),
    ("pad_int", lambda m, x: m.pad(x, 1), XI),
    ("pad_pair", lambda m, x: m.pad(x, (1, 2)), XI),
    ("pad_per_axis", lambda m, x: m.pad(x, ((1, 0), (0, 2))), X23),
    ("pad_per_axis_single", lambda m, x: m.pad(x, ((1,), (2,))), X23),
    ("pad_value", lambda m, x: m.pad(x, 1, constant_values=2.5), X23),
    ("pad_int_value_float", lambda m, x: m.pad(x, 1, constant_values=2.5), XI),
    ("pad_f32", lambda m, x: m.pad(x, (0, 1), constant_values=-1), rand((3,), F32)),
    ("pad_edge", lambda m, x: m.pad(x, ((1, 2), (2, 1)), mode="edge"), X23),
    ("pad_zero", lambda m, x: m.pad(x, 0), X23),
    ("pad_negative", lambda m, x: m.pad(x, -1), X23),
    ("flip", lambda m, x: m.flip(x), X234),
    ("flip_axis", lambda m, x: m.flip(x, 1), X234),
    ("flip_neg_axis", lambda m, x: m.flip(x, -1), X234),
    ("flip_axes", lambda m, x: m.flip(x, (0, 2)), X234),
    ("tile", lambda m, x: m.tile(x, 2), XI),
    ("tile_pair", lambda m, x: m.tile(x, (2, 1)), XI),
    ("tile_more_dims", lambda m, x: m.tile(x, (2, 1, 3)), XI),
    ("tile_zero", lambda m, x: m.tile(x, 0), XI),
    ("tile_0d", lambda m, x: m.tile(x, 3), np.array(2.0)),
    ("repeat", lambda m, x: m.repeat(x, 2), XI),
    ("repeat_axis", lambda m, x: m.repeat(x, 3, axis=0), XI),
    ("repeat_neg_axis", lambda m, x: m.repeat(x, 2, axis=-1), XI),
    ("repeat_array", lambda m, x: m.repeat(x, [1, 0, 2], axis=1), XI),
    ("repeat_array_flat", lambda m, x: m.repeat(x, np.arange(6)), XI),
    ("repeat_zero", lambda m, x: m.repeat(x, 0, axis=1), XI),
    ("take", lambda m, x: m.take(x, [0, 2]), X234),
    ("take_axis", lambda m, x: m.take(x, [2, 0, 2], axis=1), X234),
    ("take_neg_axis", lambda m, x: m.take(x, np.array([[0, -1], [1, 3]]), axis=-1), X234),
    ("take_neg_index", lambda m, x: m.take(x, [-1, -24]), X234),
    ("take_scalar", lambda m, x: m.take(x, 1, axis=2), X234),
    ("take_out_of_range", lambda m, x: m.take(x, [0, 3], axis=1), X234),
    ("take_bad_axis", lambda m, x: m.take(x, [0], axis=3), X234),
    ("take_along_axis", lambda m, x: m.take_along_axis(x, np.argsort(X234, 1), axis=1), X234),
    ("take_along_axis_neg", lambda m, x: m.take_along_axis(x, np.argsort(X234, -1)[..., :2],
                                                           axis=-1), X234),
    ("take_along_axis_broadcast", lambda m, x: m.take_along_axis(x, np.array([[2], [0]]), 1),
     XI),
    ("take_along_axis_none", lambda m, x: m.take_along_axis(x, np.array([5, 0, -1]), None), XI),
]


@pytest.mark.parametrize("name,fn,x", SHAPE_OPS, ids=ids(SHAPE_OPS))
def test_shape_op(name, fn, x):
    check(fn, x)


def test_shape_functions_on_lists_and_scalars():
    check(lambda m: m.reshape([[1, 2], [3, 4]], -1))
    check(lambda m: m.concatenate([[1, 2], [3.5]]))
    check(lambda m: m.stack([1, 2.5]))
    check(lambda m: m.expand_dims(3, 0))


# ---------------------------------------------------------------------------------------
# Indexing on traced values
# ---------------------------------------------------------------------------------------

X = rand((4, 5, 6), F64)
MASK_45 = rand((4, 5), BOOL, seed=5)

INDICES = [
    ("int", np.s_[1]),
    ("neg_int", np.s_[-1]),
    ("np_int", np.int64(2)),
    ("two_ints", np.s_[1, -2]),
    ("all_ints", np.s_[3, 4, 5]),
    ("slice", np.s_[1:3]),
    ("slice_step", np.s_[::2, 1::2]),
    ("slice_neg_step", np.s_[::-1]),
    ("slice_neg_step2", np.s_[:, ::-2]),
    ("slice_neg_start_stop", np.s_[3:0:-2, -1:-6:-2]),
    ("slice_out_of_range", np.s_[10:, 2:100]),
    ("slice_empty", np.s_[3:1]),
    ("slice_neg_empty", np.s_[1:3:-1]),
    ("none", np.s_[None]),
    ("none_middle", np.s_[:, None, 1]),
    ("ellipsis", np.s_[..., 2]),
    ("ellipsis_none", np.s_[..., None]),
    ("ellipsis_middle", np.s_[1, ..., 1:]),
    ("ellipsis_step_none", np.s_[..., ::2, None]),
    ("empty_tuple", ()),
    ("int_list", [0, 2, -1]),
    ("int_array_2d", np.array([[0, 1], [2, 3]])),
    ("int_array_0d", np.array(2)),
    ("int_array_empty", np.array([], dtype=np.int64)),
    ("empty_list", []),
    ("int_array_int32", np.array([3, 0], np.int32)),
    ("second_axis", np.s_[:, [1, 2, 1]]),
    ("last_axis", np.s_[..., [5, -6]]),
    ("contiguous_pair", np.s_[:, [0, 1], [2, 3]]),
    ("broadcast_pair", np.s_[[[0], [1]], [0, 1, 2]]),
    ("separated_pair", np.s_[[0, 1], :, [2, 3]]),
    ("int_then_array", np.s_[1, :, [0, 2]]),
    ("slice_int_array", np.s_[:, 1, [0, 2]]),
    ("int_array_adjacent", np.s_[1, [0, 2]]),
    ("array_with_none", np.s_[None, [0, 1], :, [2, 3]]),
    ("none_then_array", np.s_[None, [0, 1]]),
    ("none_between_arrays", np.s_[[0, 1], None, [2, 3]]),
    ("ellipsis_array_int", np.s_[..., [0, 1], 0]),
    ("int_array_int", np.s_[[2, 0], 1, [1, 5]]),
    ("array_neg_slice", np.s_[::-1, [4, 0]]),
    ("mask_first", np.array([True, False, True, True])),
    ("mask_list", [True, False, True, False]),
    ("mask_2d", MASK_45),
    ("mask_second", np.s_[:, np.array([False, True, True, False, True])]),
    ("mask_all_false", np.zeros(4, bool)),
    ("mask_full", X > 0),
    ("mask_and_int", np.s_[np.array([True, False, True, False]), 2]),
    ("mask_and_slice", np.s_[1:3, MASK_45[0]]),
]


@pytest.mark.parametrize("name,idx", INDICES, ids=ids(INDICES))
def test_getitem(name, idx):
    check(lambda m, x: x[idx], X, eager=False)
    check(lambda m, x: x.at[idx].get(), X, eager=False, np_fn=lambda x: x[idx])


BAD_INDICES = [
    ("int_out_of_range", np.s_[4], IndexError),
    ("neg_int_out_of_range", np.s_[-5], IndexError),
    ("second_int_out_of_range", np.s_[0, 5], IndexError),
    ("array_out_of_range", np.s_[[0, 4]], IndexError),
    ("neg_array_out_of_range", np.s_[:, [-6]], IndexError),
    ("too_many", np.s_[0, 0, 0, 0], IndexError),
    ("two_ellipses", np.s_[..., 0, ...], IndexError),
    ("float_index", np.s_[1.0], IndexError),
    ("float_array", np.array([1.0]), IndexError),
    ("mask_wrong_shape", np.array([True, False]), IndexError),
    ("arrays_not_broadcastable", np.s_[[0, 1], [0, 1, 2]], IndexError),
]


@pytest.mark.parametrize("name,idx,error", BAD_INDICES, ids=ids(BAD_INDICES))
def test_getitem_errors(name, idx, error):
    with pytest.raises(error):
        X[idx]
    with pytest.raises(error):
        fd.make_ir(lambda x: x[idx])(X)


TRACED_INDEX = [
    ("vector", (4, 5), np.array([3, 0, 3, -1])),
    ("matrix", (4, 5), np.array([[1, -4], [2, 2]])),
    ("scalar", (4, 5), np.array(-2)),
    ("int32", (4,), np.array([1, 2], np.int32)),
    ("int8_long_axis", (300,), np.array([-1, 5, 127], np.int8)),
]


@pytest.mark.parametrize("name,shape,idx", TRACED_INDEX, ids=ids(TRACED_INDEX))
def test_getitem_traced_index(name, shape, idx):
    x = rand(shape)
    check(lambda m, a, i: a[i], x, idx, eager=False)
    check(lambda m, a, i: a[:, i] if a.ndim > 1 else a[i], x, idx, eager=False)
    check(lambda m, a, i: m.take(a, i, axis=0), x, idx, eager=False)


def test_getitem_traced_index_mixed_with_concrete():
    x = rand((4, 5, 6))
    i = np.array([0, 3, 2])
    check(lambda m, a, i: a[i, :, [1, 2, 5]], x, i, eager=False)
    check(lambda m, a, i: a[1:, i[:2], ::-1], x, i, eager=False)


def test_take_along_axis_traced_indices():
    x = rand((3, 4))
    idx = np.argsort(x, axis=1)
    check(lambda m, a, i: m.take_along_axis(a, i, axis=1), x, idx)
    check(lambda m, a, i: m.take_along_axis(a, i, axis=0), x, np.argsort(x, axis=0))


# --- functional updates -----------------------------------------------------------------

def _np_update(x, idx, v, mode):
    y = np.array(x, copy=True)
    if mode == "set":
        y[idx] = v
    elif mode == "add":
        np.add.at(y, idx, v)
    else:
        np.multiply.at(y, idx, v)
    return y


UPDATES = [
    ("int", np.s_[2], 5.0),
    ("neg_int", np.s_[-1], np.arange(6.0)),
    ("slice", np.s_[1:3], 2.0),
    ("slice_neg_step", np.s_[::-2, 0], np.array([1.0, 2.0])),
    ("ellipsis_last", np.s_[..., 1], 3.0),
    ("duplicates", np.array([0, 2, 0, 0]), 1.5),
    ("duplicates_values", np.array([1, 1, 3]), np.array([[1.0], [2.0], [3.0]])),
    ("neg_duplicates", np.array([-1, 3]), 2.0),
    ("second_axis_dups", np.s_[:, [1, 1, 3]], np.arange(12.0).reshape(4, 3)),
    ("pair", np.s_[[0, 0, 1], [2, 2, 3]], np.array([1.0, 2.0, 3.0])),
    ("mask", MASK_45, 7.0),
    ("mask_values", MASK_45[0], np.arange(6.0)),
    ("none", np.s_[None, 1], 3.0),
    ("all", np.s_[...], 0.5),
]


@pytest.mark.parametrize("mode", ["set", "add", "multiply"])
@pytest.mark.parametrize("name,idx,v", UPDATES, ids=ids(UPDATES))
def test_at_update(name, idx, v, mode):
    x = rand((4, 5, 6))
    np_mode = {"multiply": "mul"}.get(mode, mode)
    if name in ("duplicates", "duplicates_values", "neg_duplicates", "pair",
                "second_axis_dups") and mode == "set":
        pytest.skip("set with duplicate indices: which write wins is unspecified")
    v = np.asarray(v)
    check(lambda m, a: getattr(a.at[idx], mode)(v), x, eager=False,
          np_fn=lambda a: _np_update(a, idx, v, np_mode))
    if v.ndim:  # the values traced as well
        check(lambda m, a, b: getattr(a.at[idx], mode)(b), x, v, eager=False,
              np_fn=lambda a, b: _np_update(a, idx, b, np_mode))


def test_at_update_traced_index_duplicates_accumulate():
    x = rand((5, 3))
    idx = np.array([0, 4, 0, -1, 2])
    v = rand((5, 3), seed=3)
    check(lambda m, a, i, b: a.at[i].add(b), x, idx, v, eager=False,
          np_fn=lambda a, i, b: _np_update(a, i, b, "add"))
    check(lambda m, a, i, b: a.at[i].multiply(b), x, idx, v, eager=False,
          np_fn=lambda a, i, b: _np_update(a, i, b, "mul"))
    check(lambda m, a, i: a.at[i].set(9.0), x, np.array([3, 1]), eager=False,
          np_fn=lambda a, i: _np_update(a, i, 9.0, "set"))


def test_at_update_dtypes():
    """Values are cast to the array's dtype (the input keeps its dtype)."""
    xi, xf, xb = rand((4,), I32), rand((4,), F32), rand((4,), BOOL)
    check(lambda m, a: a.at[1].set(2.7), xi, eager=False,
          np_fn=lambda a: _np_update(a, 1, 2.7, "set"))
    check(lambda m, a: a.at[[0, 0]].add(np.float64(1.5)), xf, eager=False,
          np_fn=lambda a: _np_update(a, [0, 0], np.float32(1.5), "add"))
    check(lambda m, a: a.at[2].set(True), xb, eager=False,
          np_fn=lambda a: _np_update(a, 2, True, "set"))


def test_at_update_does_not_mutate_and_errors():
    x = np.zeros((3, 2))
    with pytest.raises(IndexError):
        fd.make_ir(lambda a: a.at[3].set(1.0))(x)
    with pytest.raises(IndexError):
        fd.make_ir(lambda a: a.at[[0, -4]].add(1.0))(x)
    with pytest.raises(ShapeError):
        fd.make_ir(lambda a: a.at[0].set(np.ones(3)))(x)
    ir = fd.make_ir(lambda a: (a.at[0].set(1.0), a))(x)
    new, old = ir(x)
    np.testing.assert_array_equal(old, np.zeros((3, 2)))
    np.testing.assert_array_equal(new[0], [1.0, 1.0])
    np.testing.assert_array_equal(x, np.zeros((3, 2)))


# ---------------------------------------------------------------------------------------
# Operators, methods and properties of traced values
# ---------------------------------------------------------------------------------------

BINOPS = [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
          ("truediv", operator.truediv), ("floordiv", operator.floordiv), ("mod", operator.mod),
          ("pow", operator.pow), ("lt", operator.lt), ("le", operator.le), ("gt", operator.gt),
          ("ge", operator.ge), ("eq", operator.eq), ("ne", operator.ne)]
# (x, y, which are traced)
OPERANDS = [
    ("tracer_tracer", rand((2, 3), F32, "pos"), rand((3,), F32, "pos", 1), [0, 1]),
    ("tracer_ndarray", rand((2, 3), F32, "pos"), rand((2, 1), F64, "pos", 1), [0]),
    ("ndarray_tracer", rand((2, 3), F64, "pos"), rand((3,), F32, "pos", 1), [1]),
    ("tracer_pyfloat", rand((2, 3), F32, "pos"), 2.0, [0]),
    ("pyfloat_tracer", 2.0, rand((2, 3), F32, "pos"), [1]),
    ("tracer_pyint", rand((2, 3), I32, "pos"), 3, [0]),
    ("pyint_tracer", 3, rand((2, 3), I32, "pos"), [1]),
    ("pyint_f32tracer", 2, rand((3,), F32, "pos"), [1]),
    ("tracer_npscalar", rand((2, 3), F32, "pos"), np.float64(2.0), [0]),
    ("npscalar_tracer", np.float32(2.0), rand((2, 3), F64, "pos"), [1]),
    ("int_tracer_float_ndarray", rand((2, 3), I32, "pos"), rand((3,), F32, "pos"), [0]),
    ("0d_tracer_ndarray", np.array(1.5, F32), rand((2, 3), F32, "pos"), [0]),
]


@pytest.mark.parametrize("opname,op", BINOPS, ids=ids(BINOPS))
@pytest.mark.parametrize("name,x,y,traced", OPERANDS, ids=ids(OPERANDS))
def test_operator(opname, op, name, x, y, traced):
    check(lambda m, a, b: op(a, b), x, y, traced=traced, eager=False)


def test_matmul_operator_mixed():
    W, x = rand((4, 3)), rand((3,), seed=1)
    check(lambda m, w, v: w @ v, W, x, traced=[1], eager=False)  # W @ x, x traced
    check(lambda m, w, v: v @ w.T, W, x, traced=[1], eager=False)
    check(lambda m, w, v: [[1.0, 2.0, 3.0]] @ v, W, x, traced=[1], eager=False,
          np_fn=lambda w, v: np.array([[1.0, 2.0, 3.0]]) @ v)


UNOPS = [("neg", operator.neg), ("pos", operator.pos), ("abs", abs),
         ("invert_bool", operator.invert)]


@pytest.mark.parametrize("opname,op", UNOPS, ids=ids(UNOPS))
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_unary_operator(opname, op, dtype):
    if opname == "invert_bool" and dtype != BOOL:
        pytest.skip("bitwise ~ on numbers is not part of the contract")
    check(lambda m, a: op(a), rand((2, 3), dtype), eager=False)


def test_logical_operators_on_bools():
    a, b = rand((2, 3), BOOL), rand((3,), BOOL, seed=1)
    for op in (operator.and_, operator.or_):
        check(lambda m, x, y: op(x, y), a, b, eager=False)
        check(lambda m, x, y: op(x, y), a, b, traced=[1], eager=False)
    check(lambda m, x: (x > 0) & (x < 1), rand((5,)), eager=False)


METHODS = [
    ("sum", lambda x: x.sum()),
    ("sum_axis_keepdims", lambda x: x.sum(axis=0, keepdims=True)),
    ("sum_positional_axis", lambda x: x.sum(1)),
    ("mean", lambda x: x.mean()),
    ("mean_axis", lambda x: x.mean(axis=(0, 1))),
    ("max", lambda x: x.max()),
    ("max_axis", lambda x: x.max(axis=-1)),
    ("min", lambda x: x.min(0)),
    ("min_keepdims", lambda x: x.min(axis=1, keepdims=True)),
    ("reshape_args", lambda x: x.reshape(3, 8)),
    ("reshape_tuple", lambda x: x.reshape((4, -1))),
    ("reshape_flat", lambda x: x.reshape(-1)),
    ("transpose", lambda x: x.transpose()),
    ("transpose_args", lambda x: x.transpose(1, 0, 2)),
    ("transpose_tuple", lambda x: x.transpose((2, 0, 1))),
    ("T", lambda x: x.T),
    ("astype_int", lambda x: x.astype(np.int32)),
    ("astype_str", lambda x: x.astype("float32")),
    ("astype_bool", lambda x: x.astype(bool)),
    ("chained", lambda x: (x * 2.0 + 1).sum(axis=0).T),
    ("prod", lambda x: x.prod(axis=1)),
    ("var", lambda x: x.var(axis=(0, 2))),
    ("std", lambda x: x.std()),
    ("argmax", lambda x: x.argmax(axis=1)),
    ("argmin", lambda x: x.argmin()),
    ("all", lambda x: x.all(axis=0)),
    ("any", lambda x: x.any()),
    ("cumsum", lambda x: x.cumsum(axis=-1)),
    ("ravel", lambda x: x.ravel()),
    ("flatten", lambda x: x.flatten()),
    ("squeeze", lambda x: x[:1].squeeze(0)),
    ("swapaxes", lambda x: x.swapaxes(0, 2)),
    ("clip", lambda x: x.clip(-1, 1)),
    ("round", lambda x: (x / 3).round(1)),
    ("dot", lambda x: x.dot(np.ones(4, x.dtype))),
    ("take", lambda x: x.take([1, 0], axis=1)),
]


@pytest.mark.parametrize("name,fn", METHODS, ids=ids(METHODS))
@pytest.mark.parametrize("dtype", [F64, F32, I32], ids=str)
def test_method(name, fn, dtype):
    check(lambda m, x: fn(x), rand((2, 3, 4), dtype), eager=False)


def test_properties():
    x = rand((2, 3, 4), F32)

    def f(t):
        assert t.shape == x.shape and t.dtype == x.dtype
        assert t.ndim == x.ndim and t.size == x.size and len(t) == len(x)
        assert t.T.shape == x.T.shape
        assert isinstance(t.shape, tuple) and isinstance(t.size, int)
        return t

    fd.make_ir(f)(x)
    fd.make_ir(lambda t: [t_i for t_i in t])(x)


# ---------------------------------------------------------------------------------------
# Error cases
# ---------------------------------------------------------------------------------------

SHAPE_ERRORS = [  # (op name the message must mention, function, args); operators traced only
    ("add", lambda a, b: fnp.add(a, b), ((2,), (3,))),
    ("multiply", lambda a, b: a * b, ((2, 3), (3, 2))),
    ("less", lambda a, b: a < b, ((2, 3), (3, 2))),
    ("matmul", lambda a, b: fnp.matmul(a, b), ((2, 3), (4, 5))),
    ("matmul", lambda a, b: a @ b, ((5, 2, 3), (4, 3, 2))),
    ("dot", lambda a, b: fnp.dot(a, b), ((2, 3), (4,))),
    ("concatenate", lambda a, b: fnp.concatenate([a, b]), ((2, 3), (2, 4))),
    ("stack", lambda a, b: fnp.stack([a, b]), ((2, 3), (3,))),
    ("reshape", lambda a, b: fnp.reshape(a, b.shape), ((2, 3), (4, 4))),
    ("broadcast_to", lambda a, b: fnp.broadcast_to(a, b.shape), ((2, 3), (3, 3))),
    ("einsum", lambda a, b: fnp.einsum("ij,jk", a, b), ((2, 3), (4, 5))),
    ("where", lambda a, b: fnp.where(a > 0, a, b), ((2, 3), (4,))),
    ("tensordot", lambda a, b: fnp.tensordot(a, b, 1), ((2, 3), (4, 5))),
]


@pytest.mark.parametrize("op,fn,shapes", SHAPE_ERRORS, ids=[s[0] for s in SHAPE_ERRORS])
@pytest.mark.parametrize("traced", [False, True], ids=["eager", "traced"])
def test_shape_error(op, fn, shapes, traced):
    a, b = rand(shapes[0]), rand(shapes[1])
    if not traced and (op in ("multiply", "less") or shapes[0] == (5, 2, 3)):
        pytest.skip("an operator on two numpy arrays is numpy's own")
    with pytest.raises(ShapeError) as info:
        fd.make_ir(fn)(a, b) if traced else fn(a, b)
    message = str(info.value)
    assert message.startswith(op + ":"), message
    assert str(shapes[0]) in message and str(shapes[1]) in message, message


AXIS_ERRORS = [
    ("sum", lambda x: fnp.sum(x, axis=2)),
    ("sum_tuple", lambda x: fnp.sum(x, axis=(0, -3))),
    ("sum_repeated", lambda x: fnp.sum(x, axis=(0, 0))),
    ("mean", lambda x: fnp.mean(x, axis=-3)),
    ("max", lambda x: fnp.max(x, axis=5)),
    ("var", lambda x: fnp.var(x, axis=2)),
    ("all", lambda x: fnp.all(x, axis=2)),
    ("argmax", lambda x: fnp.argmax(x, axis=2)),
    ("cumsum", lambda x: fnp.cumsum(x, axis=-3)),
    ("concatenate", lambda x: fnp.concatenate([x, x], axis=2)),
    ("stack", lambda x: fnp.stack([x, x], axis=4)),
    ("expand_dims", lambda x: fnp.expand_dims(x, 3)),
    ("squeeze", lambda x: fnp.squeeze(x, 2)),
    ("swapaxes", lambda x: fnp.swapaxes(x, 0, 2)),
    ("moveaxis", lambda x: fnp.moveaxis(x, 0, 2)),
    ("flip", lambda x: fnp.flip(x, 2)),
    ("take", lambda x: fnp.take(x, [0], axis=2)),
    ("take_along_axis", lambda x: fnp.take_along_axis(x, np.zeros((1, 1), int), axis=2)),
    ("split", lambda x: fnp.split(x, 1, axis=2)),
    ("repeat", lambda x: fnp.repeat(x, 2, axis=2)),
    ("transpose", lambda x: fnp.transpose(x, (0, 2))),
]


@pytest.mark.parametrize("name,fn", AXIS_ERRORS, ids=ids(AXIS_ERRORS))
@pytest.mark.parametrize("traced", [False, True], ids=["eager", "traced"])
def test_bad_axis(name, fn, traced):
    x = rand((2, 3))
    with pytest.raises((np.exceptions.AxisError, ValueError)):
        fd.make_ir(fn)(x) if traced else fn(x)


def test_dtype_errors():
    with pytest.raises(TypeError):
        fnp.negative(np.array([True]))
    with pytest.raises(TypeError):
        fnp.subtract(np.array([True]), np.array([False]))
    with pytest.raises(TypeError):
        fd.make_ir(lambda x: x ** 2 & x)(np.ones(2))


def test_concrete_value_errors():
    with pytest.raises(fd.errors.ConcretizationError):
        fd.make_ir(lambda x: x[x > 0])(np.ones(3))
    with pytest.raises(TypeError, match="both x and y"):
        fnp.where(np.ones(2) > 0, 1.0)
    with pytest.raises(fd.errors.ConcretizationError, match="size="):
        fd.jit(lambda x: fnp.where(x > 0))(np.ones(3))


def test_dtype_constants():
    assert fnp.float32 is np.float32 and fnp.float64 is np.float64
    assert fnp.int32 is np.int32 and fnp.int64 is np.int64 and fnp.bool_ is np.bool_


# numpy's own functions that funcdl.numpy re-exports for JAX parity (files, buffers,
# printing): they act on concrete arrays, as jax.numpy's do
NUMPY_PASSTHROUGH = ["load", "save", "savez", "frombuffer", "fromfile", "fromiter", "fromstring",
                     "from_dlpack", "iterable", "array_repr", "array_str", "einsum_path",
                     "printoptions", "get_printoptions", "set_printoptions"]


def test_numpy_passthrough_functions(tmp_path):
    for name in NUMPY_PASSTHROUGH:
        assert callable(getattr(fnp, name)), name
    x = np.arange(4.0)
    fnp.save(tmp_path / "x.npy", x)
    np.testing.assert_array_equal(fnp.load(tmp_path / "x.npy"), x)
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        fnp.load(tmp_path / "objects.npy")  # never unpickles
    with pytest.raises(ValueError, match="allow_pickle"):
        fnp.load(tmp_path / "x.npy", allow_pickle=True)
    fnp.savez(tmp_path / "xs.npz", a=x)
    np.testing.assert_array_equal(fnp.load(tmp_path / "xs.npz")["a"], x)
    np.testing.assert_array_equal(fnp.frombuffer(x.tobytes()), x)
    x.tofile(tmp_path / "raw")
    np.testing.assert_array_equal(fnp.fromfile(tmp_path / "raw"), x)
    np.testing.assert_array_equal(fnp.fromiter(range(3), float), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(fnp.fromstring("1 2", sep=" "), [1.0, 2.0])
    np.testing.assert_array_equal(fnp.from_dlpack(x), x)
    assert fnp.iterable([1]) and not fnp.iterable(1)
    assert fnp.array_repr(x) == np.array_repr(x) and fnp.array_str(x) == np.array_str(x)
    assert fnp.einsum_path("ij,jk", np.ones((2, 3)), np.ones((3, 4)))[0][0] == "einsum_path"
    with fnp.printoptions(precision=2):
        assert fnp.get_printoptions()["precision"] == 2
    old = fnp.get_printoptions()["precision"]
    fnp.set_printoptions(precision=old)
