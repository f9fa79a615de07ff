"""Transcendentals that vectorize: the code generator's exp, log, log1p, expm1 and tanh
(float64; ``expf``, ``logf``, ``tanhf``, ``expm1f``, ``log1pf`` for float32).

numba lowers ``np.exp`` and friends in a loop to one scalar libm call per element, which
no loop vectorizer can widen (float32 ``np.tanh``: 21 ns/element against numpy's 0.26 ns).
These functions are plain arithmetic instead — a range reduction, a Taylor polynomial, a
scaling by a power of two assembled from its bits — with selects for the special values,
so that LLVM inlines them and vectorizes the loop around them. ``expf``, ``logf`` and
``tanhf`` compute in float32 (16 lanes, shorter polynomials); ``expm1f`` and ``log1pf``
in float64, rounded once.

Accuracy (``tests/test_vmath.py``): float64 within 2 ulp of numpy's functions (sampled
over all bit patterns and densely where each function is delicate); float32 within 2 ulp
of the correctly rounded result (a stride through every bit pattern; all 2**32 with
``FUNCDL_EXHAUSTIVE=1``). Special values follow C99 (and numpy): ``exp(inf) = inf``,
``exp(-inf) = 0``, ``log(0) = -inf``, ``log(x < 0) = nan``, ``tanh(±0) = ±0``, NaN in,
NaN out.

    >>> float(exp(0.0)), float(log1p(-1.0)), float(tanh(-0.0))
    (1.0, -inf, -0.0)
"""
import math

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

_jit = numba.njit(cache=True, error_model="numpy")
# The entry points carry LLVM's ``alwaysinline``: its inliner gives up on the larger ones
# (expm1, log1p, tanh) by itself, and a call left in a loop keeps the loop scalar (8-10
# ns/element, not 1-2). Measured: inlining in LLVM costs a kernel about as much compile
# time as a libm call (+0.02 s per tanh); numba's own ``inline="always"`` costs 0.2-0.3 s.
_inlined = numba.njit(cache=True, error_model="numpy", forceinline=True)

LN2_HI = 6.93147180369123816490e-01  # ln 2 rounded to 32 bits: n * LN2_HI is exact
LN2_LO = 1.90821492927058770002e-10  # ln 2 - LN2_HI
LOG2E = 1.4426950408889634
SQRT2 = 1.4142135623730951
INF = math.inf
NAN = math.nan


@intrinsic
def _from_bits(typingctx, bits):
    """The float64 whose IEEE-754 bits are the int64 ``bits`` (a bitcast)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@intrinsic
def _to_bits(typingctx, x):
    """The IEEE-754 bits of the float64 ``x`` as an int64 (a bitcast)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


@_jit
def _pow2(n):
    """2**n for an int64 ``n`` in [-1022, 1023], exactly."""
    return _from_bits((n + np.int64(1023)) << np.int64(52))


@_jit
def _exp_reduced(r):
    """exp(r) - 1 for |r| <= ln(2)/2: Taylor to degree 13 (truncation < 2**-60)."""
    p = 1.0 / 6227020800.0
    for k in (479001600.0, 39916800.0, 3628800.0, 362880.0, 40320.0, 5040.0, 720.0, 120.0,
              24.0, 6.0, 2.0):
        p = p * r + 1.0 / k
    return r + r * (r * p)


@_jit
def _split(x):
    """x = n ln 2 + r with an integer n and |r| <= ln(2)/2 (Cody-Waite); x is finite and
    |x| < 2**20."""
    n = np.rint(x * LOG2E)
    return n, (x - n * LN2_HI) - n * LN2_LO


@_inlined
def exp(x):
    """e**x in float64 (a float32 ``x`` is widened).

    >>> float(exp(0.0))
    1.0
    """
    x = np.float64(x)
    clamped = 0.0 if x != x else min(max(x, -746.0), 710.0)
    n, r = _split(clamped)
    k = np.int64(n)
    half = k >> np.int64(1)  # two factors keep each power of two normal, and round once
    y = (1.0 + _exp_reduced(r)) * _pow2(half) * _pow2(k - half)
    return x if x != x else y


@_inlined
def expm1(x):
    """e**x - 1 in float64, accurate near 0.

    >>> float(expm1(1e-20))
    1e-20
    """
    x = np.float64(x)
    clamped = 0.0 if x != x else min(max(x, -40.0), 710.0)
    n, r = _split(clamped)
    k = np.int64(n)
    half = k >> np.int64(1)
    em = _exp_reduced(r)
    t = _pow2(min(k, np.int64(60)))  # past 2**53 the - 1 does not matter
    y = em if k == 0 else (t * em + (t - 1.0) if k < 60 else (1.0 + em) * _pow2(half) * _pow2(k - half))
    return x if (x != x or x == 0.0) else y  # NaN, and the sign of zero


@_jit
def _log_reduced(f):
    """log(1 + f) for 1 + f in [sqrt(1/2), sqrt(2)): with s = f / (2 + f), log(1 + f) =
    2 atanh(s) = f - f**2/2 + s (f**2/2 + R), R = sum_k 2 s**(2k) / (2k + 1)."""
    s = f / (2.0 + f)
    z = s * s
    r = 2.0 / 23.0
    for k in (21.0, 19.0, 17.0, 15.0, 13.0, 11.0, 9.0, 7.0, 5.0, 3.0):
        r = r * z + 2.0 / k
    r = r * z
    hfsq = 0.5 * f * f
    return f - (hfsq - s * (hfsq + r))


@_jit
def _log_parts(x):
    """x = 2**e * (1 + f) with 1 + f in [sqrt(1/2), sqrt(2)), for a finite x > 0."""
    tiny = x < 2.2250738585072014e-308
    x = x * 18014398509481984.0 if tiny else x  # subnormals: scaled by 2**54
    bits = _to_bits(x)
    e = (bits >> np.int64(52)) - np.int64(1077 if tiny else 1023)
    m = _from_bits((bits & np.int64(0xFFFFFFFFFFFFF)) | np.int64(0x3FF0000000000000))
    big = m > SQRT2
    return np.float64(e + (1 if big else 0)), (0.5 * m if big else m) - 1.0


@_inlined
def log(x):
    """The natural logarithm in float64.

    >>> float(log(1.0)), float(log(0.0))
    (0.0, -inf)
    """
    x = np.float64(x)
    ordinary = x > 0.0 and x < INF
    e, f = _log_parts(x if ordinary else 1.0)
    y = e * LN2_HI + (_log_reduced(f) + e * LN2_LO)
    special = -INF if x == 0.0 else (x if x == INF else NAN)
    return y if ordinary else special


@_inlined
def log1p(x):
    """log(1 + x) in float64, accurate near 0.

    >>> float(log1p(1e-20))
    1e-20
    """
    x = np.float64(x)
    u = 1.0 + x
    ordinary = u > 0.0 and u < INF
    e, f = _log_parts(u if ordinary else 1.0)
    # u = 1 + x rounded: (x - (u - 1)) / u corrects for the rounding, and is 0 past 2**53
    c = (x - (u - 1.0)) / u if e < 54.0 else 0.0
    y = e * LN2_HI + ((_log_reduced(f) + c) + e * LN2_LO)
    special = -INF if u == 0.0 else (x if x == INF else NAN)
    return x if x == 0.0 else (y if ordinary else special)


# the Taylor coefficients of tanh, of x**3, x**5, ..., x**29 (from its Bernoulli-number series)
TANH_TAYLOR = (-0.3333333333333333, 0.13333333333333333, -0.05396825396825397,
               0.021869488536155203, -0.008863235529902197, 0.003592128036572481,
               -0.0014558343870513183, 0.000590027440945586, -0.00023912911424355248,
               9.691537956929451e-05, -3.927832388331683e-05, 1.5918905069328964e-05,
               -6.451689215655431e-06, 2.6147711512907546e-06)


@_inlined
def tanh(x):
    """The hyperbolic tangent in float64: its Taylor series below 0.4 in magnitude
    (truncation < 2**-59), else expm1(2|x|) / (expm1(2|x|) + 2), signed.

    >>> float(tanh(0.0)), float(tanh(-30.0))
    (0.0, -1.0)
    """
    x = np.float64(x)
    a = min(abs(x), 20.0)  # tanh(20) rounds to 1
    z = a * a
    p = TANH_TAYLOR[13]
    for k in range(12, -1, -1):
        p = p * z + TANH_TAYLOR[k]
    e = expm1(2.0 * a)
    y = a + a * (z * p) if a < 0.4 else e / (e + 2.0)
    return x if x != x else math.copysign(y, x)


# -- float32: float32 arithmetic (16 lanes), shorter polynomials ---------------------------

F0, F1, F2, HALF = np.float32(0.0), np.float32(1.0), np.float32(2.0), np.float32(0.5)
LN2_HI_F = np.float32(0.693145751953125)  # 16 significant bits: n * LN2_HI_F is exact
LN2_LO_F = np.float32(1.4286068203094173e-06)  # ln 2 - LN2_HI_F
LOG2E_F = np.float32(1.4426950408889634)
SQRT2_F = np.float32(1.4142135623730951)
TINY_F = np.float32(1.1754943508222875e-38)  # the smallest normal float32
EXP_TAYLOR_F = tuple(np.float32(1.0 / math.factorial(k)) for k in range(2, 9))  # 1/2! .. 1/8!
LOG_SERIES_F = tuple(np.float32(2.0 / k) for k in (3, 5, 7, 9))
TANH_TAYLOR_F = tuple(np.float32(c) for c in TANH_TAYLOR[:10])  # x**3 .. x**21


@intrinsic
def _from_bits32(typingctx, bits):
    """The float32 whose bits are the low 32 bits of the int64 ``bits``."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(builder.trunc(args[0], ir.IntType(32)), ir.FloatType())
    return types.float32(types.int64), codegen


@intrinsic
def _to_bits32(typingctx, x):
    """The bits of the float32 ``x``, as a non-negative int64."""
    def codegen(context, builder, signature, args):
        return builder.zext(builder.bitcast(args[0], ir.IntType(32)), ir.IntType(64))
    return types.int64(types.float32), codegen


@_jit
def _pow2f(n):
    """2**n as a float32 for an int64 ``n`` in [-126, 127], exactly."""
    return _from_bits32((n + np.int64(127)) << np.int64(23))


@_inlined
def expf(x):
    """e**x in float32 arithmetic: Cody-Waite reduction, Taylor to degree 8.

    >>> float(expf(np.float32(0.0)))
    1.0
    """
    x = np.float32(x)
    c = F0 if x != x else min(max(x, np.float32(-104.0)), np.float32(89.0))
    n = np.rint(c * LOG2E_F)
    r = (c - n * LN2_HI_F) - n * LN2_LO_F
    p = EXP_TAYLOR_F[6]
    for k in range(5, -1, -1):
        p = p * r + EXP_TAYLOR_F[k]
    k = np.int64(n)
    half = k >> np.int64(1)
    y = (F1 + (r + r * (r * p))) * _pow2f(half) * _pow2f(k - half)
    return x if x != x else y


@_inlined
def logf(x):
    """The natural logarithm in float32 arithmetic (the reduction of :func:`log`).

    >>> float(logf(np.float32(1.0)))
    0.0
    """
    x = np.float32(x)
    ordinary = x > F0 and x < np.float32(INF)
    v = x if ordinary else F1
    tiny = v < TINY_F
    v = v * np.float32(33554432.0) if tiny else v  # subnormals: scaled by 2**25
    bits = _to_bits32(v)
    e = (bits >> np.int64(23)) - np.int64(152 if tiny else 127)
    m = _from_bits32((bits & np.int64(0x7FFFFF)) | np.int64(0x3F800000))
    big = m > SQRT2_F
    f = (HALF * m if big else m) - F1
    ef = np.float32(e + (1 if big else 0))
    s = f / (F2 + f)
    z = s * s
    r = LOG_SERIES_F[3]
    for k in range(2, -1, -1):
        r = r * z + LOG_SERIES_F[k]
    hfsq = HALF * f * f
    y = ef * LN2_HI_F + ((f - (hfsq - s * (hfsq + r * z))) + ef * LN2_LO_F)
    special = -np.float32(INF) if x == F0 else (x if x == np.float32(INF) else np.float32(NAN))
    return y if ordinary else special


@_inlined
def tanhf(x):
    """tanh in float32 arithmetic: Taylor below 0.625 in magnitude, else
    1 - 2 / (e**(2|x|) + 1), signed.

    >>> float(tanhf(np.float32(-0.0)))
    -0.0
    """
    x = np.float32(x)
    a = min(abs(x), np.float32(10.0))  # tanh(10) rounds to 1
    z = a * a
    p = TANH_TAYLOR_F[9]
    for k in range(8, -1, -1):
        p = p * z + TANH_TAYLOR_F[k]
    y = a + a * (z * p) if a < np.float32(0.625) else F1 - F2 / (expf(F2 * a) + F1)
    return x if x != x else np.float32(math.copysign(y, x))


@_inlined
def expm1f(x):
    """e**x - 1 for float32 (computed in float64, rounded once)."""
    return np.float32(expm1(np.float64(x)))


@_inlined
def log1pf(x):
    """log(1 + x) for float32 (computed in float64, rounded once)."""
    return np.float32(log1p(np.float64(x)))
