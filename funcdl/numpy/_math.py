"""Elementwise math, comparisons and logic with numpy semantics."""
import numpy as np

from .. import primitives as P
from ._base import asarray, cast, promote, to_float


def _unary_float(name, doc_example):
    def fn(x):
        return P.unary(name, to_float(x))
    fn.__name__ = {"neg": "negative", "erf_inv": "erfinv"}.get(name, name)
    fn.__doc__ = f"Elementwise ``{fn.__name__}`` (integers become float64).\n\n{doc_example}"
    return fn


def _binary_arith(name, numpy_name):
    def fn(x, y):
        return P.binary(name, *promote(x, y))
    fn.__name__ = numpy_name
    fn.__doc__ = (f"Elementwise ``{numpy_name}`` with broadcasting and numpy promotion.\n\n"
                  f">>> {numpy_name}(np.array([4., 6.]), 2.0)\n"
                  f"array({getattr(np, numpy_name)(np.array([4., 6.]), 2.0).tolist()})")
    return fn


def _comparison(name, numpy_name):
    def fn(x, y):
        return P.binary(name, *promote(x, y))
    fn.__name__ = numpy_name
    fn.__doc__ = (f"Elementwise ``{numpy_name}`` as booleans.\n\n>>> {numpy_name}(1.0, 2.0)\n"
                  f"{getattr(np, numpy_name)(1.0, 2.0)!r}")
    return fn


exp = _unary_float("exp", ">>> exp(0.0)\nnp.float64(1.0)")
log = _unary_float("log", ">>> log(1.0)\nnp.float64(0.0)")
log1p = _unary_float("log1p", ">>> log1p(0.0)\nnp.float64(0.0)")
expm1 = _unary_float("expm1", ">>> expm1(0.0)\nnp.float64(0.0)")
sqrt = _unary_float("sqrt", ">>> sqrt(4.0)\nnp.float64(2.0)")
sin = _unary_float("sin", ">>> sin(0.0)\nnp.float64(0.0)")
cos = _unary_float("cos", ">>> cos(0.0)\nnp.float64(1.0)")
tan = _unary_float("tan", ">>> tan(0.0)\nnp.float64(0.0)")
tanh = _unary_float("tanh", ">>> tanh(0.0)\nnp.float64(0.0)")
sinh = _unary_float("sinh", ">>> sinh(0.0)\nnp.float64(0.0)")
cosh = _unary_float("cosh", ">>> cosh(0.0)\nnp.float64(1.0)")
arctan = _unary_float("arctan", ">>> arctan(0.0)\nnp.float64(0.0)")
floor = _unary_float("floor", ">>> floor(1.5)\nnp.float64(1.0)")
ceil = _unary_float("ceil", ">>> ceil(1.5)\nnp.float64(2.0)")
erf = _unary_float("erf", ">>> erf(0.0)\nnp.float64(0.0)")
erfinv = _unary_float("erf_inv", ">>> erfinv(0.0)\nnp.float64(0.0)")

add = _binary_arith("add", "add")
subtract = _binary_arith("sub", "subtract")
multiply = _binary_arith("mul", "multiply")
maximum = _binary_arith("max", "maximum")
minimum = _binary_arith("min", "minimum")
power = _binary_arith("pow", "power")
remainder = mod = _binary_arith("rem", "remainder")

equal = _comparison("eq", "equal")
not_equal = _comparison("ne", "not_equal")
less = _comparison("lt", "less")
less_equal = _comparison("le", "less_equal")
greater = _comparison("gt", "greater")
greater_equal = _comparison("ge", "greater_equal")


def divide(x, y):
    """True division (integers become float64), as ``numpy.divide``.

    >>> divide(1, 2)
    np.float64(0.5)
    """
    x, y = promote(x, y)
    if x.dtype.kind != "f":
        x, y = cast(x, np.float64), cast(y, np.float64)
    return P.binary("div", x, y)


true_divide = divide


def floor_divide(x, y):
    """Floor division, as ``numpy.floor_divide``.

    >>> floor_divide(7, 2)
    np.int64(3)
    """
    x, y = promote(x, y)
    q = P.binary("div", x, y)
    return q if x.dtype.kind != "f" else P.unary("floor", q)


def negative(x):
    """Elementwise negation.

    >>> negative(np.array([1, -2]))
    array([-1,  2])
    """
    return P.unary("neg", asarray(x))


def positive(x):
    """Identity on arrays (``+x``)."""
    return asarray(x)


def abs(x):  # noqa: A001 - numpy name
    """Elementwise absolute value.

    >>> abs(np.array([-1.5, 2.0]))
    array([1.5, 2. ])
    """
    x = asarray(x)
    return x if x.dtype == np.bool_ else P.unary("abs", x)


absolute = abs


def sign(x):
    """Elementwise sign (-1, 0 or 1).

    >>> sign(np.array([-3.0, 0.0, 2.0]))
    array([-1.,  0.,  1.])
    """
    return P.unary("sign", asarray(x))


def square(x):
    """``x * x``.

    >>> square(3.0)
    np.float64(9.0)
    """
    x = asarray(x)
    return P.binary("mul", x, x)


def reciprocal(x):
    """``1 / x`` (floats).

    >>> reciprocal(4.0)
    np.float64(0.25)
    """
    x = to_float(x)
    return P.binary("div", cast(1, x.dtype), x)


def round(x, decimals=0):  # noqa: A001 - numpy name
    """Round half to even, as ``numpy.round``.

    >>> round(np.array([0.5, 1.5, 1.234]), 1)
    array([0.5, 1.5, 1.2])
    """
    x = asarray(x)
    if x.dtype.kind != "f":
        return x
    if decimals == 0:
        return P.unary("round", x)
    scale = cast(10.0 ** decimals, x.dtype)
    return P.binary("div", P.unary("round", P.binary("mul", x, scale)), scale)


around = round


def clip(x, a_min=None, a_max=None):
    """Clamp ``x`` into ``[a_min, a_max]`` (either may be None).

    >>> clip(np.array([-2.0, 0.5, 3.0]), 0.0, 1.0)
    array([0. , 0.5, 1. ])
    """
    x = asarray(x)
    if a_min is not None:
        x = maximum(x, a_min)
    if a_max is not None:
        x = minimum(x, a_max)
    return x


def where(condition, x=None, y=None):
    """Select ``x`` where ``condition`` else ``y``, broadcasting all three.

    >>> where(np.array([True, False]), 1.0, 0.0)
    array([1., 0.])
    """
    if x is None or y is None:
        raise TypeError("fnp.where(condition) with one argument has a data-dependent shape and "
                        "is not supported; pass both x and y: fnp.where(condition, x, y)")
    x, y = promote(x, y)
    return P.select(to_bool(condition), x, y)


def to_bool(x):
    """``x != 0`` as booleans (booleans pass through)."""
    x = asarray(x)
    return x if x.dtype == np.bool_ else P.binary("ne", x, cast(0, x.dtype))


def logical_and(x, y):
    """Elementwise logical and.

    >>> logical_and(np.array([True, True]), np.array([True, False]))
    array([ True, False])
    """
    return P.binary("and", to_bool(x), to_bool(y))


def logical_or(x, y):
    """Elementwise logical or.

    >>> logical_or(np.array([False, False]), np.array([True, False]))
    array([ True, False])
    """
    return P.binary("or", to_bool(x), to_bool(y))


def logical_not(x):
    """Elementwise logical not.

    >>> logical_not(np.array([True, False]))
    array([False,  True])
    """
    return P.unary("logical_not", to_bool(x))


def isnan(x):
    """Elementwise NaN test.

    >>> isnan(np.array([1.0, np.nan]))
    array([False,  True])
    """
    x = asarray(x)
    return P.unary("isnan", x) if x.dtype.kind == "f" else P.binary("ne", x, x)


def isfinite(x):
    """Elementwise test for finite values.

    >>> isfinite(np.array([1.0, np.inf, np.nan]))
    array([ True, False, False])
    """
    x = asarray(x)
    return P.unary("isfinite", x) if x.dtype.kind == "f" else P.binary("eq", x, x)


def logaddexp(x, y):
    """``log(exp(x) + exp(y))`` computed without overflow.

    >>> logaddexp(np.log(1.0), np.log(3.0))
    np.float64(1.3862943611198906)
    """
    x, y = promote(to_float(x), to_float(y))
    big = maximum(x, y)
    diff = where(equal(x, y), cast(0, x.dtype), subtract(x, y))
    return add(big, log1p(exp(negative(abs(diff)))))
