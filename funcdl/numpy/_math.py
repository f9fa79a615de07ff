"""Elementwise math, comparisons and logic with numpy semantics.

Every function asks numpy which loop its ufunc would run on the operands
(:func:`~funcdl.numpy._base.ufunc_dtypes`: NEP 50 promotion with weak Python scalars),
casts the operands to that loop's dtype and binds the primitive, so results have numpy's
dtypes exactly: ``sin`` of booleans is float16, ``divide`` of integers float64, ``floor``
of integers stays integer, ``add`` of booleans is a logical or.
"""
import numpy as np

from .. import primitives as P
from ..core import bind
from ._base import ARRAY_TYPES, as_array, asarray, cast, promote, to_float, ufunc_dtypes

_SCALARS = (bool, int, float, complex)


def _operands(op, ufunc, *args):
    """``args`` cast to the input dtypes of numpy's ``ufunc`` loop for them, and the
    loop's output dtype. Broadcasting is checked here so a ShapeError names ``op``."""
    args = [a if isinstance(a, ARRAY_TYPES + _SCALARS) else as_array(a, None, op) for a in args]
    ins, out = ufunc_dtypes(op, ufunc, *args)
    xs = [cast(a, d) for a, d in zip(args, ins)]
    if len(xs) > 1:
        P.broadcast_shapes(op, *[x.shape for x in xs])
    return xs, out


def _unary_ufunc(name, ufunc, numpy_name, doc_example):
    def fn(x):
        (x,), _ = _operands(numpy_name, ufunc, x)
        return P.unary(name, x)
    fn.__name__ = numpy_name
    fn.__doc__ = (f"Elementwise ``{numpy_name}``, with numpy's result dtype (integers give "
                  f"float64, booleans float16).\n\n{doc_example}")
    return fn


_BOOL_ARITH = {"add": "or", "mul": "and"}  # numpy's boolean add / multiply


def _binary_ufunc(name, ufunc, numpy_name):
    def fn(x, y):
        (x, y), _ = _operands(numpy_name, ufunc, x, y)
        prim = _BOOL_ARITH.get(name, name) if x.dtype == np.bool_ else name
        return P.binary(prim, x, y)
    fn.__name__ = numpy_name
    fn.__doc__ = (f"Elementwise ``{numpy_name}`` with broadcasting and numpy promotion.\n\n"
                  f">>> {numpy_name}(np.array([4., 6.]), 2.0)\n"
                  f"{getattr(np, numpy_name)(np.array([4., 6.]), 2.0)!r}")
    return fn


def _comparison(name, ufunc, numpy_name):
    def fn(x, y):
        (x, y), _ = _operands(numpy_name, ufunc, x, y)
        if x.dtype == np.bool_ and name not in ("eq", "ne"):  # order False < True as 0 < 1
            x, y = cast(x, np.int8), cast(y, np.int8)
        return P.binary(name, x, y)
    fn.__name__ = numpy_name
    fn.__doc__ = (f"Elementwise ``{numpy_name}`` as booleans.\n\n>>> {numpy_name}(1.0, 2.0)\n"
                  f"{getattr(np, numpy_name)(1.0, 2.0)!r}")
    return fn


exp = _unary_ufunc("exp", np.exp, "exp", ">>> exp(0.0)\nnp.float64(1.0)")
log = _unary_ufunc("log", np.log, "log", ">>> log(1.0)\nnp.float64(0.0)")
log1p = _unary_ufunc("log1p", np.log1p, "log1p", ">>> log1p(0.0)\nnp.float64(0.0)")
expm1 = _unary_ufunc("expm1", np.expm1, "expm1", ">>> expm1(0.0)\nnp.float64(0.0)")
sqrt = _unary_ufunc("sqrt", np.sqrt, "sqrt", ">>> sqrt(4.0)\nnp.float64(2.0)")
sin = _unary_ufunc("sin", np.sin, "sin", ">>> sin(0.0)\nnp.float64(0.0)")
cos = _unary_ufunc("cos", np.cos, "cos", ">>> cos(0.0)\nnp.float64(1.0)")
tan = _unary_ufunc("tan", np.tan, "tan", ">>> tan(0.0)\nnp.float64(0.0)")
tanh = _unary_ufunc("tanh", np.tanh, "tanh", ">>> tanh(0.0)\nnp.float64(0.0)")
sinh = _unary_ufunc("sinh", np.sinh, "sinh", ">>> sinh(0.0)\nnp.float64(0.0)")
cosh = _unary_ufunc("cosh", np.cosh, "cosh", ">>> cosh(0.0)\nnp.float64(1.0)")
arctan = _unary_ufunc("arctan", np.arctan, "arctan", ">>> arctan(0.0)\nnp.float64(0.0)")
arcsinh = _unary_ufunc("arcsinh", np.arcsinh, "arcsinh", ">>> arcsinh(0.0)\nnp.float64(0.0)")
erf = _unary_ufunc("erf", np.sin, "erf",  # np.sin: the same dtype rules as scipy's erf
                    ">>> erf(0.0)\nnp.float64(0.0)")
erfinv = _unary_ufunc("erf_inv", np.sin, "erfinv",
                      ">>> erfinv(0.0)\nnp.float64(0.0)")
erfc = _unary_ufunc("erfc", np.sin, "erfc", ">>> erfc(0.0)\nnp.float64(1.0)")
arcsin = asin = _unary_ufunc("arcsin", np.arcsin, "arcsin", ">>> arcsin(0.0)\nnp.float64(0.0)")
arccos = acos = _unary_ufunc("arccos", np.arccos, "arccos", ">>> arccos(1.0)\nnp.float64(0.0)")
arctanh = atanh = _unary_ufunc("arctanh", np.arctanh, "arctanh", ">>> arctanh(0.0)\nnp.float64(0.0)")
arccosh = acosh = _unary_ufunc("arccosh", np.arccosh, "arccosh", ">>> arccosh(1.0)\nnp.float64(0.0)")
log2 = _unary_ufunc("log2", np.log2, "log2", ">>> log2(8.0)\nnp.float64(3.0)")
log10 = _unary_ufunc("log10", np.log10, "log10", ">>> log10(100.0)\nnp.float64(2.0)")
exp2 = _unary_ufunc("exp2", np.exp2, "exp2", ">>> exp2(3.0)\nnp.float64(8.0)")
cbrt = _unary_ufunc("cbrt", np.cbrt, "cbrt", ">>> cbrt(27.0)\nnp.float64(3.0)")
rint = _unary_ufunc("round", np.rint, "rint", ">>> rint(2.5)\nnp.float64(2.0)")
atan, asinh = arctan, arcsinh


def _rounding(name, ufunc, doc_example):
    def fn(x):
        (x,), _ = _operands(name, ufunc, x)
        return x if x.dtype.kind != "f" else P.unary(name, x)  # integers are already whole
    fn.__name__ = name
    fn.__doc__ = f"Elementwise ``{name}`` (integers and booleans are returned as they are).\n\n" \
                 f"{doc_example}"
    return fn


floor = _rounding("floor", np.floor, ">>> floor(1.5)\nnp.float64(1.0)")
ceil = _rounding("ceil", np.ceil, ">>> ceil(1.5)\nnp.float64(2.0)")
trunc = fix = _rounding("trunc", np.trunc, ">>> trunc(-1.5)\nnp.float64(-1.0)")

add = _binary_ufunc("add", np.add, "add")
subtract = _binary_ufunc("sub", np.subtract, "subtract")
multiply = _binary_ufunc("mul", np.multiply, "multiply")
maximum = _binary_ufunc("max", np.maximum, "maximum")
minimum = _binary_ufunc("min", np.minimum, "minimum")
power = _binary_ufunc("pow", np.power, "power")
remainder = mod = _binary_ufunc("rem", np.remainder, "remainder")
arctan2 = atan2 = _binary_ufunc("arctan2", np.arctan2, "arctan2")
hypot = _binary_ufunc("hypot", np.hypot, "hypot")
copysign = _binary_ufunc("copysign", np.copysign, "copysign")


def fmod(x, y):
    """The remainder of C's ``fmod``: the sign of ``x`` (``remainder`` takes ``y``'s).

    >>> fmod(np.array([-7, 7]), 3)
    array([-1,  1])
    """
    (x, y), _ = _operands("fmod", np.fmod, x, y)
    if x.dtype.kind == "f":
        return P.binary("fmod", x, y)
    r = P.binary("rem", x, y)  # integers: move remainder's result to x's side
    wrong_side = P.binary("and", P.binary("ne", r, cast(0, r.dtype)),
                          P.binary("ne", P.binary("lt", r, cast(0, r.dtype)),
                                   P.binary("lt", x, cast(0, x.dtype))))
    return P.select(wrong_side, P.binary("sub", r, y), r)


pow = power  # noqa: A001 - the array API's name

equal = _comparison("eq", np.equal, "equal")
not_equal = _comparison("ne", np.not_equal, "not_equal")
less = _comparison("lt", np.less, "less")
less_equal = _comparison("le", np.less_equal, "less_equal")
greater = _comparison("gt", np.greater, "greater")
greater_equal = _comparison("ge", np.greater_equal, "greater_equal")


def divide(x, y):
    """True division (integers become float64), as ``numpy.divide``.

    >>> divide(1, 2)
    np.float64(0.5)
    """
    (x, y), _ = _operands("divide", np.divide, x, y)
    return P.binary("div", x, y)


true_divide = divide


def floor_divide(x, y):
    """Floor division, as ``numpy.floor_divide`` (and Python's ``//``).

    For floats the quotient is ``(x - remainder(x, y)) / y`` rounded to the nearest
    integer, as numpy computes it: exact where ``floor(x / y)`` is not
    (``1.0 // 0.1 == 9.0``).

    >>> floor_divide(7, 2)
    np.int64(3)
    >>> float(floor_divide(1.0, 0.1))
    9.0
    """
    (x, y), _ = _operands("floor_divide", np.floor_divide, x, y)
    if x.dtype.kind != "f":
        return P.binary("div", x, y)  # integer floor division
    dtype = x.dtype
    r = P.binary("rem", x, y)
    q = P.binary("div", P.binary("sub", x, r), y)  # an integer, up to rounding
    fl = P.unary("floor", q)
    q = P.select(P.binary("gt", P.binary("sub", q, fl), cast(0.5, dtype)),
                 P.binary("add", fl, cast(1, dtype)), fl)
    q = P.select(P.binary("eq", y, cast(0, dtype)), P.binary("div", x, y), q)  # +-inf or nan
    # finite x over an infinite y of the other sign: x - r is infinite, the quotient is -1
    inf_y = P.binary("and", P.unary("logical_not", P.unary("isfinite", y)),
                     P.unary("logical_not", P.unary("isnan", y)))
    other_sign = P.binary("and", P.binary("and", inf_y, P.unary("isfinite", x)),
                          P.binary("ne", r, x))
    return P.select(other_sign, cast(-1, dtype), q)


def negative(x):
    """Elementwise negation (booleans are rejected, as numpy does).

    >>> negative(np.array([1, -2]))
    array([-1,  2])
    """
    (x,), _ = _operands("negative", np.negative, x)
    return P.unary("neg", x)


def positive(x):
    """Identity on numeric arrays (``+x``; booleans are rejected, as numpy does)."""
    (x,), _ = _operands("positive", np.positive, x)
    return x


def abs(x):  # noqa: A001 - numpy name
    """Elementwise absolute value.

    >>> abs(np.array([-1.5, 2.0]))
    array([1.5, 2. ])
    """
    (x,), _ = _operands("abs", np.absolute, x)
    return x if x.dtype == np.bool_ else P.unary("abs", x)


absolute = abs
fabs = _unary_ufunc("abs", np.fabs, "fabs", ">>> fabs(-2)\nnp.float64(2.0)")


def sign(x):
    """Elementwise sign (-1, 0 or 1; nan stays nan); of complex values ``z / |z|`` (0 at 0),
    as numpy 2.

    >>> sign(np.array([-3.0, 0.0, 2.0]))
    array([-1.,  0.,  1.])
    >>> sign(np.array([3 + 4j, 0j]))
    array([0.6+0.8j, 0. +0.j ])
    """
    (x,), _ = _operands("sign", np.sign, x)
    if x.dtype.kind != "c":
        return P.unary("sign", x)
    zero = equal(x, 0)
    return where(zero, 0, divide(x, where(zero, 1, abs(x))))


def square(x):
    """``x * x`` (booleans give int8, as numpy).

    >>> square(3.0)
    np.float64(9.0)
    """
    (x,), _ = _operands("square", np.square, x)
    return P.binary("mul", x, x)


def reciprocal(x):
    """``1 / x``. Integers and booleans become float64 (unlike numpy, whose integer
    reciprocal truncates to 0 for ``|x| > 1``).

    >>> reciprocal(4.0)
    np.float64(0.25)
    """
    x = to_float(x)
    return P.binary("div", cast(1, x.dtype), x)


def round(x, decimals=0):  # noqa: A001 - numpy name
    """Round half to even to ``decimals`` places, as ``numpy.round``: ``x * 10**d`` is
    rounded and scaled back (for ``d < 0``: ``x / 10**-d`` rounded, times ``10**-d``).
    Integers are rounded only when ``decimals < 0``; complex values part by part.

    >>> round(np.array([0.5, 1.5, 1.234]), 1)
    array([0.5, 1.5, 1.2])
    >>> round(np.array([15, 25, -37]), -1)
    array([ 20,  20, -40])
    """
    x = asarray(x)
    decimals = int(decimals)
    if x.dtype.kind == "c":
        return P.binary("complex", round(P.unary("real", x), decimals), round(P.unary("imag", x), decimals))
    if x.dtype == np.bool_:
        if decimals:
            raise TypeError("round: booleans can only be rounded with decimals=0")
        return P.unary("round", cast(x, np.float16))  # numpy's rint of booleans is float16
    if x.dtype.kind != "f":
        if decimals >= 0:
            return x
        return cast(round(cast(x, np.float64), decimals), x.dtype)
    if decimals == 0:
        return P.unary("round", x)
    if decimals > 0:
        scale = cast(10.0 ** decimals, x.dtype)
        return P.binary("div", P.unary("round", P.binary("mul", x, scale)), scale)
    scale = cast(10.0 ** -decimals, x.dtype)
    return P.binary("mul", P.unary("round", P.binary("div", x, scale)), scale)


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


def where(condition, x=None, y=None, *, size=None, fill_value=None):
    """Select ``x`` where ``condition`` else ``y``, broadcasting all three. With only
    ``condition``, ``nonzero(condition)`` (``size``/``fill_value`` as there).

    >>> where(np.array([True, False]), 1.0, 0.0)
    array([1., 0.])
    >>> where(np.array([0, 7, 7]))
    (array([1, 2]),)
    """
    if x is None and y is None:
        from ._value_shapes import nonzero
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise TypeError("where: pass both x and y (where(condition, x, y)), or neither "
                        "(where(condition) is nonzero(condition))")
    condition, (x, y) = to_bool(condition), promote(x, y)
    P.broadcast_shapes("where", condition.shape, x.shape, y.shape)
    return P.select(condition, x, y)


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
    if x.dtype.kind == "c":  # both parts finite
        return P.binary("and", isfinite(P.unary("real", x)), isfinite(P.unary("imag", x)))
    return P.unary("isfinite", x) if x.dtype.kind == "f" else P.binary("eq", x, x)


def logaddexp(x, y):
    """``log(exp(x) + exp(y))`` computed without overflow.

    >>> logaddexp(np.log(1.0), np.log(3.0))
    np.float64(1.3862943611198908)
    """
    (x, y), _ = _operands("logaddexp", np.logaddexp, x, y)
    big = bind(P.stop_gradient_p, maximum(x, y))  # a constant shift: every derivative stays smooth
    big = where(isfinite(big), big, cast(0, x.dtype))
    # exp(x - big) + exp(y - big) - 1, with the term that is exp(0) written as expm1 (exact)
    x_wins = greater_equal(x, y)
    rest = add(where(x_wins, exp(subtract(y, big)), exp(subtract(x, big))),
               where(x_wins, expm1(subtract(x, big)), expm1(subtract(y, big))))
    return add(big, log1p(rest))


# -- bitwise operations on integers (booleans take the logical ones, as numpy) -------------

def _bitwise(name, ufunc, numpy_name, on_bool):
    def fn(x1, x2):
        (x1, x2), _ = _operands(numpy_name, ufunc, x1, x2)
        if x1.dtype == np.bool_:
            return P.binary(on_bool, x1, x2)
        return P.binary(name, x1, x2)
    fn.__name__ = numpy_name
    fn.__doc__ = (f"Elementwise ``{numpy_name}`` of integers (of booleans: the logical "
                  f"operation).\n\n>>> {numpy_name}(np.array([12, 10]), 6)\n"
                  f"{getattr(np, numpy_name)(np.array([12, 10]), 6)!r}")
    return fn


bitwise_and = _bitwise("bitwise_and", np.bitwise_and, "bitwise_and", "and")
bitwise_or = _bitwise("bitwise_or", np.bitwise_or, "bitwise_or", "or")
bitwise_xor = _bitwise("bitwise_xor", np.bitwise_xor, "bitwise_xor", "ne")


def _shift(name, ufunc, numpy_name):
    def fn(x1, x2):
        (x1, x2), _ = _operands(numpy_name, ufunc, x1, x2)
        return P.binary(name, x1, x2)
    fn.__name__ = numpy_name
    fn.__doc__ = (f"Elementwise ``{numpy_name}`` of integers (shifts outside the width give "
                  f"numpy's results).\n\n>>> {numpy_name}(np.array([8, -8]), 2)\n"
                  f"{getattr(np, numpy_name)(np.array([8, -8]), 2)!r}")
    return fn


left_shift = bitwise_left_shift = _shift("shift_left", np.left_shift, "left_shift")
right_shift = bitwise_right_shift = _shift("shift_right", np.right_shift, "right_shift")
gcd = _shift("gcd", np.gcd, "gcd")
lcm = _shift("lcm", np.lcm, "lcm")
gcd.__doc__ = ">>> gcd(np.array([12, -18]), 8)\narray([4, 2])\n\nThe greatest common divisor."
lcm.__doc__ = ">>> lcm(np.array([4, -6]), 6)\narray([12,  6])\n\nThe least common multiple."


def invert(x):
    """Elementwise bitwise not (``~x``; of booleans, logical not).

    >>> invert(np.array([0, 5], np.uint8))
    array([255, 250], dtype=uint8)
    """
    (x,), _ = _operands("invert", np.invert, x)
    return P.unary("logical_not" if x.dtype == np.bool_ else "invert", x)


bitwise_not = bitwise_invert = invert


def bitwise_count(x):
    """The number of 1 bits in the absolute value of each integer (uint8).

    >>> bitwise_count(np.array([7, -1, 0]))
    array([3, 1, 0], dtype=uint8)
    """
    (x,), _ = _operands("bitwise_count", np.bitwise_count, x)
    return P.unary("popcount", x if x.dtype != np.bool_ else cast(x, np.uint8))
