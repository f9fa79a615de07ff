"""Elementwise functions of numpy composed from the primitive ones (conversions between
units, IEEE predicates, and the functions numpy defines through others), with numpy's
dtypes and special values."""
import numpy as np

from .. import primitives as P
from ._base import asarray, result_type, to_float
from ._math import (abs, copysign, divide, equal, floor_divide, greater, isfinite,
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


# -- a float's bits (the bitcast primitive) --------------------------------------------------


def _float_layout(x, op):
    """``x`` as floats, with the unsigned dtype of their width, and the mantissa width and
    exponent bias of their dtype."""
    x = to_float(x, op)
    info = np.finfo(x.dtype)
    return x, np.dtype(f"u{x.dtype.itemsize}"), info.nmant, 1 - info.minexp


def _bits(x, dtype, mask, shift=0):
    from ._math import bitwise_and, right_shift  # noqa: PLC0415
    bits = P.bitcast(x, dtype)
    return bitwise_and(right_shift(bits, np.asarray(shift, dtype)) if shift else bits, np.asarray(mask, dtype))


def frexp(x):
    """``(mantissa, exponent)`` with ``x == mantissa * 2**exponent``, ``0.5 <= |mantissa| < 1``
    (0, inf and nan come back as they are, with exponent 0). The mantissa is
    differentiable: ``2**-exponent``.

    >>> frexp(np.array([8.0, -0.75, 0.0]))
    (array([ 0.5 , -0.75,  0.  ]), array([4, 0, 0], dtype=int32))
    """
    x = to_float(x, "frexp")
    if x.dtype == np.float16:  # its values and mantissas are float32's
        mantissa, exponent = frexp(x.astype(np.float32))
        return mantissa.astype(np.float16), exponent
    x, unsigned, nmant, bias = _float_layout(x, "frexp")
    tiny = np.finfo(x.dtype).tiny
    subnormal = logical_and(not_equal(x, 0), less(abs(x), tiny))
    scaled = where(subnormal, multiply(x, np.asarray(2.0 ** nmant, x.dtype)), x)  # now a normal number
    field = _bits(scaled, unsigned, (1 << (8 * x.dtype.itemsize - 1 - nmant)) - 1, nmant)
    exponent = subtract(subtract(field.astype(np.int32), np.int32(bias - 1)), where(subnormal, np.int32(nmant), np.int32(0)))
    special = logical_or(equal(x, 0), logical_not(isfinite(x)))
    exponent = where(special, np.int32(0), exponent)
    return where(special, x, ldexp(x, -exponent)), exponent


def nextafter(x1, x2):
    """The float after ``x1`` in the direction of ``x2`` (``x2`` itself when they are equal;
    nan when either is). Its derivative is 1 in ``x1`` (the step is constant) and 0 in ``x2``.

    >>> bool(nextafter(1.0, 2.0) - 1.0 == np.finfo(np.float64).eps)
    True
    """
    from ..transforms import stop_gradient  # noqa: PLC0415
    from ._math import add  # noqa: PLC0415
    dtype = result_type(to_float(x1, "nextafter"), to_float(x2, "nextafter"))
    if dtype == np.float16:
        raise TypeError("nextafter: float16 is not supported (jitted code has no float16 arrays); "
                        "use float32")
    x1, x2 = asarray(x1).astype(dtype), asarray(x2).astype(dtype)
    signed = np.dtype(f"i{dtype.itemsize}")
    bits = P.bitcast(x1, signed)
    away_from_zero = equal(greater(x2, x1), greater(x1, 0))
    stepped = P.bitcast(add(bits, where(away_from_zero, signed.type(1), signed.type(-1))), dtype)
    smallest = copysign(P.bitcast(np.asarray(1, signed), dtype), x2)  # from zero: the smallest subnormal
    after = where(equal(x1, 0), smallest, stepped)
    after = where(logical_or(isnan(x1), isnan(x2)), np.asarray(np.nan, dtype), where(equal(x1, x2), x2, after))
    finite = logical_and(isfinite(x1), isfinite(after))
    return where(finite, add(x1, stop_gradient(subtract(where(finite, after, 0), where(finite, x1, 0)))), after)


def spacing(x):
    """The distance from ``x`` to the next float away from zero (negative for negative
    ``x``; nan for inf and nan), as numpy.

    >>> bool(spacing(1.0) == np.finfo(np.float64).eps)
    True
    """
    from ..transforms import stop_gradient  # noqa: PLC0415
    x = to_float(x, "spacing")
    away = where(less(x, 0), np.asarray(-np.inf, x.dtype), np.asarray(np.inf, x.dtype))  # up from -0.0 too
    return stop_gradient(subtract(nextafter(x, away), x))
