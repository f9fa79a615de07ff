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


# -- the gamma family and Bessel functions ----------------------------------------------
# Each is float64 scalar code (exact to ~1e-15 relative away from zeros and poles) with
# scipy.special's values at the edges: poles give inf, undefined points nan.

_EPS = 2.220446049250313e-16


@numba.njit(cache=True)
def lgamma(x):
    """``log|Gamma(x)|`` (inf at the poles 0, -1, -2, ...)."""
    x = np.float64(x)
    if x <= 0.0 and math.floor(x) == x:
        return np.inf
    return math.lgamma(x)


@numba.njit(cache=True)
def digamma(x):
    """``d/dx log Gamma(x)``: reflection below 0, the recurrence up to 10, then the
    asymptotic series (to x**-14)."""
    x = np.float64(x)
    if math.isnan(x):
        return x
    if x <= 0.0 and math.floor(x) == x:
        return -math.copysign(np.inf, x) if x == 0.0 else np.nan
    result = 0.0
    if x < 0.0:
        result = -math.pi / math.tan(math.pi * x)
        x = 1.0 - x
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    series = f * (-1.0 / 12 + f * (1.0 / 120 + f * (-1.0 / 252 + f * (
        1.0 / 240 + f * (-1.0 / 132 + f * (691.0 / 32760 + f * (-1.0 / 12)))))))
    return result + math.log(x) - 0.5 / x + series


# B_2j / (2j)! for j = 1..12: the Euler-Maclaurin corrections of the Hurwitz zeta function
_ZETA_CORRECTIONS = (1.0 / 12, -1.0 / 720, 1.0 / 30240, -1.0 / 1209600, 1.0 / 47900160,
                     -691.0 / 1307674368000, 1.0 / 74724249600, -3617.0 / 10670622842880000,
                     43867.0 / 5109094217170944000, -174611.0 / 802857662698291200000,
                     77683.0 / 14101100039391805440000,
                     -236364091.0 / 1693824136731743669452800000)


@numba.njit(cache=True)
def zeta(s, q):
    """The Hurwitz zeta function ``sum_k (k + q) ** -s`` for ``s > 1`` (nan below, inf at
    1 and at the poles q = 0, -1, ...), by Euler-Maclaurin summation after 9 terms."""
    s, q = np.float64(s), np.float64(q)
    if math.isnan(s) or math.isnan(q):
        return np.nan
    if s == 1.0:
        return np.inf
    if s < 1.0:
        return np.nan
    total = 0.0
    if q <= 0.0:
        if math.floor(q) == q:
            return np.inf
        if math.floor(s) != s:
            return np.nan  # (q + k) ** -s is complex for the negative terms
        while q <= 0.0:
            total += (q) ** -s
            q += 1.0
    for k in range(9):
        total += (q + k) ** -s
    w = q + 9.0
    total += w ** (1.0 - s) / (s - 1.0) + 0.5 * w ** -s
    rising = s  # s (s + 1) ... (s + 2j - 2)
    power = w ** (-s - 1.0)
    for j in range(12):
        term = _ZETA_CORRECTIONS[j] * rising * power
        total += term
        if abs(term) <= _EPS * abs(total):
            break
        rising *= (s + 2 * j + 1) * (s + 2 * j + 2)
        power /= w * w
    return total


@numba.njit(cache=True)
def polygamma(n, x):
    """The ``n``-th derivative of digamma: ``(-1)**(n+1) n! zeta(n + 1, x)`` (nan for ``n``
    not a non-negative integer)."""
    n, x = np.float64(n), np.float64(x)
    if n < 0.0 or math.floor(n) != n:
        return np.nan
    if n == 0.0:
        return digamma(x)
    sign = 1.0 if int(n) % 2 == 1 else -1.0
    return sign * math.exp(math.lgamma(n + 1.0)) * zeta(n + 1.0, x)


@numba.njit(cache=True)
def _igamma_prefactor(a, x):
    return math.exp(a * math.log(x) - x - math.lgamma(a))


@numba.njit(cache=True)
def _igamma_series(a, x):
    """P(a, x) by its power series (converges fast for x < a + 1)."""
    term = 1.0 / a
    total = term
    for n in range(1, 100000):
        term *= x / (a + n)
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * _igamma_prefactor(a, x)


@numba.njit(cache=True)
def _igammac_fraction(a, x):
    """Q(a, x) by its continued fraction (modified Lentz; for x >= a + 1)."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < tiny:
            d = tiny
        c = b + an / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h * _igamma_prefactor(a, x)


@numba.njit(cache=True)
def _igamma_edge(a, x):
    """P(a, x) at the edges of its domain, or -1.0 inside it."""
    if math.isnan(a) or math.isnan(x) or a < 0.0 or x < 0.0 or (a == 0.0 and x == 0.0):
        return np.nan
    if a == 0.0 or math.isinf(x):
        return 1.0
    if x == 0.0:
        return 0.0
    return -1.0


@numba.njit(cache=True)
def igamma(a, x):
    """The regularized lower incomplete gamma function ``P(a, x)`` (scipy's gammainc)."""
    a, x = np.float64(a), np.float64(x)
    edge = _igamma_edge(a, x)
    if edge != -1.0:
        return edge
    return _igamma_series(a, x) if x < a + 1.0 else 1.0 - _igammac_fraction(a, x)


@numba.njit(cache=True)
def igammac(a, x):
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``."""
    a, x = np.float64(a), np.float64(x)
    edge = _igamma_edge(a, x)
    if edge != -1.0:
        return edge if math.isnan(edge) else 1.0 - edge
    return 1.0 - _igamma_series(a, x) if x < a + 1.0 else _igammac_fraction(a, x)


@numba.njit(cache=True)
def _betainc_fraction(a, b, x):
    """The continued fraction of ``I_x(a, b)`` (modified Lentz; converges fast for
    ``x < (a + 1) / (a + b + 2)``), without its prefactor ``x^a (1-x)^b / (a B(a, b))``."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) >= tiny else tiny)
    h = d
    for m in range(1, 100000):
        for aa in (m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m)),
                   -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1.0))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) >= tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) >= tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            break
    return h


@numba.njit(cache=True)
def betainc(a, b, x):
    """The regularized incomplete beta function ``I_x(a, b)`` (scipy's betainc): the
    continued fraction, on the side of ``x`` where it converges fast."""
    a, b, x = np.float64(a), np.float64(b), np.float64(x)
    if math.isnan(a) or math.isnan(b) or math.isnan(x) or a < 0.0 or b < 0.0 or x < 0.0 or x > 1.0 \
            or (a == 0.0 and b == 0.0):
        return np.nan
    if a == 0.0 or x == 1.0:
        return 1.0
    if b == 0.0 or x == 0.0:
        return 0.0
    log_front = a * math.log(x) + b * math.log1p(-x) - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betainc_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betainc_fraction(b, a, 1.0 - x) / b


@numba.njit(cache=True)
def _bessel_ie(nu, x):
    """``exp(-|x|) I_nu(|x|)`` for nu in {0, 1}: the power series up to 20, the asymptotic
    series above (its smallest term there is below 1e-17)."""
    ax = abs(x)
    if ax <= 20.0:
        y = 0.25 * ax * ax
        term = 1.0 if nu == 0 else 0.5 * ax
        total = term
        for k in range(1, 500):
            term *= y / (k * (k + nu))
            total += term
            if term < total * 1e-17:
                break
        return total * math.exp(-ax)
    mu = 4.0 * nu * nu
    term = 1.0
    total = 1.0
    for k in range(1, 60):
        factor = -(mu - (2 * k - 1) ** 2) / (8.0 * k * ax)
        if abs(factor) >= 1.0:
            break
        term *= factor
        total += term
        if abs(term) < abs(total) * 1e-17:
            break
    return total / math.sqrt(2.0 * math.pi * ax)


@numba.njit(cache=True)
def i0e(x):
    """The exponentially scaled modified Bessel function of order 0, ``exp(-|x|) I0(x)``."""
    x = np.float64(x)
    if math.isnan(x):
        return x
    return 0.0 if math.isinf(x) else _bessel_ie(0, x)


@numba.njit(cache=True)
def i1e(x):
    """The exponentially scaled modified Bessel function of order 1, ``exp(-|x|) I1(x)``."""
    x = np.float64(x)
    if math.isnan(x):
        return x
    return 0.0 if math.isinf(x) else math.copysign(_bessel_ie(1, x), x)


@functools.cache
def _ufunc(name):
    scalar = {"erf": erf, "erfc": erfc, "erfinv": erfinv, "erfinv_xlaf": erfinv_xlaf,
              "lgamma": lgamma, "digamma": digamma, "i0e": i0e, "i1e": i1e}.get(name)
    if name == "betainc":
        return numba.vectorize(["float32(float32, float32, float32)", "float64(float64, float64, float64)"],
                               cache=True)(lambda a, b, x: betainc(a, b, x))
    if scalar is None:  # binary
        scalar2 = {"zeta": zeta, "polygamma": polygamma, "igamma": igamma, "igammac": igammac}[name]
        return numba.vectorize(["float32(float32, float32)", "float64(float64, float64)"],
                               cache=True)(lambda x, y: scalar2(x, y))
    return numba.vectorize(["float32(float32)", "float64(float64)"], cache=True)(lambda x: scalar(x))


def apply(name, *operands):
    """Eager ``name`` on arrays: the compiled scalar code, rounded to the operands' dtype.

    >>> float(apply("erfinv", np.float64(0.5)))
    0.4769362762044699
    >>> float(apply("zeta", np.float64(2.0), np.float64(1.0)))  # pi**2 / 6
    1.6449340668482264
    """
    operands = [np.asarray(x) for x in operands]
    out = _ufunc(name)(*operands)
    dtype = operands[0].dtype
    return out.astype(dtype) if out.dtype != dtype else out
