"""Elementwise functions of numpy composed from the primitive ones (conversions between
units, IEEE predicates, and the functions numpy defines through others), with numpy's
dtypes and special values."""
import numpy as np

from .. import primitives as P
from ._base import asarray, result_type, to_float
from ._math import (copysign, divide, equal, floor_divide, greater, isfinite,
                    isnan, less, logaddexp, logical_and, logical_not, logical_or,
                    maximum, minimum, multiply, not_equal, power, remainder, sin, subtract,
                    trunc, where)

_DEG = 180.0 / np.pi
_LN2 = float(np.log(2.0))


def deg2rad(x):
    """Degrees to radians.

    >>> deg2rad(180.0)
    np.float64(3.141592653589793)
    """
    return multiply(to_float(x, "deg2rad"), np.pi / 180.0)


def rad2deg(x):
    """Radians to degrees.

    >>> rad2deg(np.pi)
    np.float64(180.0)
    """
    return multiply(to_float(x, "rad2deg"), _DEG)


radians, degrees = deg2rad, rad2deg


def sinc(x):
    """``sin(pi x) / (pi x)``, 1 at 0 (and smooth there: the derivative at 0 is 0).

    >>> sinc(np.array([0.0, 0.5]))
    array([1.        , 0.63661977])
    """
    x = to_float(x, "sinc")
    zero = equal(x, 0)
    safe = multiply(where(zero, 1.0, x), np.pi)
    return where(zero, 1.0, divide(sin(safe), safe))


def i0(x):
    """The modified Bessel function of order 0, ``exp(|x|) i0e(x)`` (``i0e`` is a primitive).

    >>> round(float(i0(1.0)), 12)
    1.266065877752
    """
    from .. import primitives as P
    from ._math import abs as absolute, exp
    x = to_float(x, "i0")
    return multiply(P.unary("i0e", x), exp(absolute(x)))


def heaviside(x1, x2):
    """0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0`` (nan stays nan).

    >>> heaviside(np.array([-1.0, 0.0, 2.0]), 0.5)
    array([0. , 0.5, 1. ])
    """
    x1 = to_float(x1, "heaviside")
    dtype = result_type(x1, x2)
    step = where(less(x1, 0), 0.0, where(equal(x1, 0), x2, 1.0))
    return asarray(where(isnan(x1), x1, step)).astype(dtype)


def fmax(x1, x2):
    """Elementwise maximum that ignores nan (nan only where both are nan).

    >>> fmax(np.array([1.0, np.nan]), np.array([np.nan, np.nan]))
    array([ 1., nan])
    """
    return where(isnan(x2), x1, where(isnan(x1), x2, maximum(x1, x2)))


def fmin(x1, x2):
    """Elementwise minimum that ignores nan (nan only where both are nan).

    >>> fmin(np.array([1.0, np.nan]), 0.0)
    array([0., 0.])
    """
    return where(isnan(x2), x1, where(isnan(x1), x2, minimum(x1, x2)))


def float_power(x1, x2):
    """``x1 ** x2`` computed in float64 (float32 inputs included), as numpy.

    >>> float_power(2, -1)
    np.float64(0.5)
    """
    return power(asarray(x1).astype(np.float64), asarray(x2).astype(np.float64))


def logaddexp2(x1, x2):
    """``log2(2**x1 + 2**x2)`` without overflow.

    >>> logaddexp2(3.0, 3.0)
    np.float64(4.0)
    """
    return divide(logaddexp(multiply(to_float(x1, "logaddexp2"), _LN2),
                            multiply(to_float(x2, "logaddexp2"), _LN2)), _LN2)


def signbit(x):
    """Whether the sign bit is set (``-0.0`` and negative nan included).

    >>> signbit(np.array([-0.0, 0.0, -2.0]))
    array([ True, False,  True])
    """
    x = asarray(x)
    if x.dtype.kind in "iu":
        return less(x, 0)
    return less(copysign(1.0, to_float(x, "signbit")), 0)


def isinf(x):
    """Whether each element is +inf or -inf.

    >>> isinf(np.array([np.inf, -np.inf, np.nan, 1.0]))
    array([ True,  True, False, False])
    """
    x = asarray(x)
    if x.dtype.kind not in "fc":
        return not_equal(x, x)  # integers are never infinite
    if x.dtype.kind == "c":  # either part infinite
        return logical_or(isinf(P.unary("real", x)), isinf(P.unary("imag", x)))
    return logical_not(logical_or(isfinite(x), isnan(x)))


def isposinf(x):
    """Whether each element is +inf.

    >>> isposinf(np.array([np.inf, -np.inf]))
    array([ True, False])
    """
    return logical_and(isinf(x), greater(x, 0))


def isneginf(x):
    """Whether each element is -inf.

    >>> isneginf(np.array([np.inf, -np.inf]))
    array([False,  True])
    """
    return logical_and(isinf(x), less(x, 0))


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """nan replaced by ``nan``, infinities by ``posinf``/``neginf`` (the largest finite
    values of the dtype by default).

    >>> nan_to_num(np.array([np.nan, np.inf, -1.0]), posinf=9.0)
    array([ 0.,  9., -1.])
    """
    x = asarray(x)
    if x.dtype.kind == "c":  # each part on its own
        parts = [nan_to_num(P.unary(p, x), copy, nan, posinf, neginf) for p in ("real", "imag")]
        return P.binary("complex", *parts)
    if x.dtype.kind != "f":
        return x
    info = np.finfo(x.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = where(isnan(x), nan, x)
    out = where(isposinf(x), posinf, out)
    return where(isneginf(x), neginf, out).astype(x.dtype)


def logical_xor(x1, x2):
    """Elementwise exclusive or of the truth values.

    >>> logical_xor(np.array([True, True]), np.array([True, False]))
    array([False,  True])
    """
    return not_equal(asarray(x1).astype(bool), asarray(x2).astype(bool))


def divmod(x1, x2):  # noqa: A001 - numpy name
    """``(floor_divide(x1, x2), remainder(x1, x2))``.

    >>> divmod(np.array([7, -7]), 2)
    (array([ 3, -4]), array([1, 1]))
    """
    return floor_divide(x1, x2), remainder(x1, x2)


def modf(x):
    """``(fractional part, integral part)``, both with the sign of ``x``.

    >>> modf(np.array([-1.5, 2.25]))
    (array([-0.5 ,  0.25]), array([-1.,  2.]))
    """
    x = to_float(x, "modf")
    infinite = isinf(x)
    finite_x = where(infinite, 0.0, x)
    frac = where(infinite, copysign(0.0, x), subtract(finite_x, trunc(finite_x)))
    return frac, trunc(x)


def ldexp(x1, x2):
    """``x1 * 2 ** x2`` for integer exponents ``x2``.

    >>> ldexp(3.0, 2)
    np.float64(12.0)
    """
    x1 = to_float(x1, "ldexp")
    x2 = asarray(x2)
    if x2.dtype.kind not in "iub":
        raise TypeError(f"ldexp: the exponent must be an integer array, got {x2.dtype.name}")
    # two factors, each a power of two that is exactly representable for any useful exponent
    half = floor_divide(x2, 2)
    two = np.asarray(2.0, x1.dtype)
    return multiply(multiply(x1, power(two, half.astype(x1.dtype))),
                    power(two, subtract(x2, half).astype(x1.dtype)))
