"""Special functions compiled with numba, shared by eager evaluation and generated code.

Eager ``erf``/``erf_inv`` call the same compiled scalar code as jitted programs, so both
round alike and samplers built on them (``random.normal``, ``random.truncated_normal``)
give bitwise the same numbers inside and outside ``jit``.
"""
import functools
import math

import numba
import numpy as np


@numba.njit(cache=True)
def erf(x):
    """The error function, in float64."""
    return math.erf(np.float64(x))


@numba.njit(cache=True)
def erfc(x):
    """The complementary error function ``1 - erf(x)``, in float64 (accurate where it is
    tiny, unlike ``1 - erf``)."""
    return math.erfc(np.float64(x))


@numba.njit(cache=True)
def log2(x):
    """``log2(x)`` computed in float64 (numba's ``np.log2`` cannot be called on float64 and
    float32 values in one function)."""
    return math.log2(np.float64(x))


@numba.njit(cache=True)
def exp2(x):
    """``2 ** x`` computed in float64 (see :func:`log2`)."""
    return 2.0 ** np.float64(x)


@numba.njit(cache=True)
def shift_left(x, s, bits):
    """``x << s`` with numpy's result for shifts outside ``[0, bits)``: 0."""
    if s < 0 or s >= bits:
        return x - x
    return x << s


@numba.njit(cache=True)
def shift_right(x, s, bits):
    """Arithmetic ``x >> s`` with numpy's result for shifts outside ``[0, bits)``: the sign
    (-1 for negative ``x``, else 0)."""
    if s < 0 or s >= bits:
        return x - x - 1 if x < 0 else x - x
    return x >> s


@numba.njit(cache=True)
def popcount(x):
    """The number of 1 bits of ``|x|`` (numpy's ``bitwise_count``)."""
    u = np.uint64(x) if x >= 0 else np.uint64(-(x + 1)) + np.uint64(1)
    n = 0
    while u:
        u &= u - np.uint64(1)
        n += 1
    return n


@numba.njit(cache=True)
def gcd(a, b):
    """The greatest common divisor of ``|a|`` and ``|b|`` (0 for two zeros)."""
    a, b = abs(a), abs(b)
    while b:
        a, b = b, a % b
    return a


@numba.njit(cache=True)
def lcm(a, b):
    """The least common multiple of ``|a|`` and ``|b|`` (0 if either is 0)."""
    if a == 0 or b == 0:
        return a - a
    return abs(a // gcd(a, b) * b)


@numba.njit(cache=True)
def erfinv(y):
    """The inverse error function, in float64: a rational first guess refined by two
    Newton steps on ``erf(x) = y`` (full double precision)."""
    y = np.float64(y)
    if y <= -1.0:
        return -np.inf if y == -1.0 else np.nan
    if y >= 1.0:
        return np.inf if y == 1.0 else np.nan
    w = -math.log((1.0 - y) * (1.0 + y))
    if w < 5.0:
        w = w - 2.5
        p = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
            p = c + p * w
    else:
        w = math.sqrt(w) - 3.0
        p = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                  -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
            p = c + p * w
    x = p * y
    for _ in range(2):
        x -= (math.erf(x) - y) / (2.0 / math.sqrt(math.pi) * math.exp(-x * x))
    return x


# XLA's float32 erf_inv: a degree-8 polynomial in w = -log1p(-x*x) - 2.5 below w = 5, in
# sqrt(w) - 3 above (Giles, "Approximating the erfinv function", 2010)
_XLA_ERF_INV_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                        0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_XLA_ERF_INV_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                     0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


@numba.njit(cache=True)
def _fma32(a, b, c):
    """``a * b + c`` of float32 values rounded once (the product is exact in float64)."""
    return np.float32(np.float64(a) * np.float64(b) + np.float64(c))


@numba.njit(cache=True)
def erfinv_xlaf(x):
    """The inverse error function of a float32 as XLA evaluates it (its polynomial, with
    fused multiply-adds), so that samplers give JAX's numbers; within a few float32 ulps of
    the exact value. (The float64 version, ``erfinv_xla``, is :func:`erfinv`.)"""
    x = np.float32(x)
    if abs(x) >= np.float32(1.0):
        return np.float32(x * np.inf) if abs(x) == np.float32(1.0) else np.float32(np.nan)
    w = -np.float32(math.log1p(np.float64(-(x * x))))
    if w < np.float32(5.0):
        w = w - np.float32(2.5)
        coefficients = _XLA_ERF_INV_CENTRAL
    else:
        w = np.float32(math.sqrt(np.float64(w))) - np.float32(3.0)
        coefficients = _XLA_ERF_INV_TAIL
    p = np.float32(coefficients[0])
    for c in coefficients[1:]:
        p = _fma32(p, w, np.float32(c))
    return p * x


erfinv_xla = erfinv


@functools.cache
def _ufunc(name):
    scalar = {"erf": erf, "erfc": erfc, "erfinv": erfinv, "erfinv_xlaf": erfinv_xlaf}[name]
    return numba.vectorize(["float32(float32)", "float64(float64)"], cache=True)(lambda x: scalar(x))


def apply(name, x):
    """Eager ``name`` on an array: the compiled scalar code, rounded to ``x``'s dtype.

    >>> float(apply("erfinv", np.float64(0.5)))
    0.4769362762044699
    """
    x = np.asarray(x)
    out = _ufunc(name)(x)
    return out.astype(x.dtype) if out.dtype != x.dtype else out
