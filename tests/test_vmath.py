"""Accuracy of the vectorizable transcendentals (``funcdl._vmath``).

float32: a dense stride through every bit pattern (one in 127: 34 million values; set
``FUNCDL_EXHAUSTIVE=1`` for all 2**32), plus the special values and the overflow and
underflow boundaries, against the correctly rounded result (numpy's float64 function,
rounded: numpy's own float32 functions are up to 4 ulp off, e.g. ``log(0.7830257)``).
float64: random bit patterns over the whole range and dense samples where each function is
delicate, within 2 ulp of numpy's float64 function. Special values and signed zeros exact.
"""
import functools
import os

import numba
import numpy as np
import pytest

from funcdl import _vmath

NAMES = ("exp", "expm1", "log", "log1p", "tanh")
BOUND_ULP = 2


@functools.cache
def compiled(name, dtype):
    """``name`` over an array of ``dtype`` (rounded back to it), as generated code calls it:
    float32 through its own ``<name>f``."""
    fn = getattr(_vmath, name + ("f" if dtype == "float32" else ""))
    ctor = {"float32": np.float32, "float64": np.float64}[dtype]

    @numba.njit(error_model="numpy")
    def apply(x, out):
        for i in range(x.size):
            out[i] = ctor(fn(x[i]))
    return apply


def evaluate(name, x):
    out = np.empty_like(x)
    compiled(name, x.dtype.name)(x, out)
    return out


def ulp_distance(a, b):
    """|a - b| in units in the last place: the count of floats between them (inf where
    exactly one is NaN, 0 where both are)."""
    ints = {np.float32: np.int32, np.float64: np.int64}[a.dtype.type]
    ia, ib = (v.view(ints) for v in (a, b))
    same_sign = (ia < 0) == (ib < 0)
    magnitude = np.iinfo(ints).max
    ma, mb = ((i & magnitude).astype(np.int64) for i in (ia, ib))  # ordered like |value|
    d = np.where(same_sign, np.abs(ma - mb).astype(np.float64), ma.astype(np.float64) + mb)
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    return np.where(nan_a & nan_b, 0.0, np.where(nan_a | nan_b, np.inf, d))


def reference(name, x):
    """The correctly rounded result for float32 (numpy in float64, rounded); numpy's
    float64 function (within 1 ulp) for float64."""
    with np.errstate(all="ignore"):
        return getattr(np, name)(x.astype(np.float64)).astype(x.dtype)


def assert_close_to_numpy(name, x):
    want = reference(name, x)
    got = evaluate(name, x)
    d = ulp_distance(got, want)
    worst = int(np.argmax(d))
    bound = BOUND_ULP
    assert d[worst] <= bound, (f"{name}({x[worst]!r}) = {got[worst]!r}, reference: {want[worst]!r} "
                               f"({d[worst]} ulp, {x.dtype.name})")
    zeros = want == 0
    assert np.array_equal(np.signbit(got[zeros]), np.signbit(want[zeros])), f"{name}: sign of zero"


def float32_patterns(start, stride):
    return np.arange(start, 2 ** 32, stride, dtype=np.uint64).astype(np.uint32).view(np.float32)


SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, 2.0, 1e-45, -1e-45, 1e-38, 3.4e38,
           -3.4e38, 88.72, 88.73, -87.3, -103.9, -104.0, 709.78, 709.79, -745.13, -745.14, 20.0,
           -20.0, 9.0, -9.0, 1e-300, 5e-324, -5e-324, 1.7e308, -0.999999, -1.0000001, 1e16]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_special_values_and_boundaries(name, dtype):
    with np.errstate(over="ignore"):
        x = np.array(SPECIAL, dtype)
    neighbours = [np.nextafter(x, np.inf, dtype=dtype), np.nextafter(x, -np.inf, dtype=dtype)]
    assert_close_to_numpy(name, np.concatenate([x, *neighbours]))


@pytest.mark.parametrize("name", NAMES)
def test_float32_every_127th_bit_pattern(name):
    """34 million float32 values; with FUNCDL_EXHAUSTIVE=1 all 2**32, in 64 slices."""
    exhaustive = bool(os.environ.get("FUNCDL_EXHAUSTIVE"))
    stride = 64 if exhaustive else 127
    for start in range(stride) if exhaustive else [0]:
        assert_close_to_numpy(name, float32_patterns(start, stride))


@pytest.mark.parametrize("name", NAMES)
def test_float64_random_bit_patterns_and_delicate_ranges(name):
    rng = np.random.default_rng(0)
    patterns = rng.integers(0, 2 ** 64, 2_000_000, dtype=np.uint64).view(np.float64)
    dense = {"exp": (-745.2, 709.8), "expm1": (-2.0, 2.0), "log": (0.25, 4.0),
             "log1p": (-0.75, 2.0), "tanh": (-3.0, 3.0)}[name]
    near = rng.uniform(*dense, 1_000_000)
    tiny = rng.uniform(-1, 1, 200_000) * 10.0 ** rng.uniform(-320, -1, 200_000)
    assert_close_to_numpy(name, np.concatenate([patterns, near, tiny]))
