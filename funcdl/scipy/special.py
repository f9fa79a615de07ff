"""``funcdl.scipy.special``: special functions as ``jax.scipy.special`` has them, composed from
``funcdl.numpy`` (so ``grad``, ``vmap`` and ``jit`` apply), with scipy's values.

>>> import numpy as np
>>> from funcdl.scipy.special import logsumexp, xlogy
>>> float(logsumexp(np.array([0.0, 0.0]), b=np.array([1.0, 3.0])))
1.3862943611198906
>>> float(xlogy(0.0, 0.0))
0.0
"""
import numpy as np

from .. import numpy as fnp
from .. import primitives as P
from ..nn.activations import log_softmax, sigmoid, softmax
from ..transforms import stop_gradient

__all__ = ["logsumexp", "erf", "erfc", "erfinv", "expit", "logit", "xlogy", "xlog1py", "entr",
           "ndtr", "ndtri", "log_ndtr", "softmax", "log_softmax", "gammaln", "loggamma", "digamma",
           "polygamma", "zeta", "gammainc", "gammaincc", "gamma", "gammasgn", "beta", "betaln", "betainc",
           "multigammaln", "factorial", "poch", "i0", "i0e", "i1", "i1e", "kl_div", "rel_entr"]

erf, erfc, erfinv = fnp.erf, fnp.erfc, fnp.erfinv
_SQRT_HALF = float(np.sqrt(0.5))
_LOG_SQRT_2PI = float(0.5 * np.log(2 * np.pi))


def _float(x, op):
    x = fnp.asarray(x)
    return x if x.dtype.kind == "f" else fnp.asarray(x, np.float64)


def _reduced_max(a, axis):
    """max of ``a`` over ``axis`` (keepdims), under stop_gradient, with non-finite maxima
    replaced by 0 so that all-``-inf`` slices stay ``-inf`` instead of nan."""
    m = stop_gradient(fnp.max(a, axis=axis, keepdims=True))
    return fnp.where(fnp.isfinite(m), m, 0)


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """``log(sum(b * exp(a)))`` over ``axis`` without overflow. With ``return_sign``,
    ``(log|sum|, sign(sum))`` (which allows negative ``b``); otherwise a negative sum
    gives nan, as scipy.

    >>> r, s = logsumexp(np.array([0.0, 0.0]), b=np.array([1.0, -2.0]), return_sign=True)
    >>> float(r), float(s)
    (0.0, -1.0)
    """
    a = _float(a, "logsumexp")
    if b is not None:
        a, b = fnp.broadcast_arrays(a, fnp.asarray(b, a.dtype))
        a = fnp.where(fnp.equal(b, 0), -np.inf, a)  # b = 0 terms vanish, even with a = inf
    m = _reduced_max(a, axis)
    terms = fnp.exp(fnp.subtract(a, m))
    if b is not None:
        terms = fnp.multiply(terms, b)
    total = fnp.sum(terms, axis=axis, keepdims=True)
    if return_sign:
        sign = fnp.sign(total)
        total = fnp.abs(total)
    out = fnp.add(fnp.log(total), m)
    if not keepdims:
        out = _squeeze(out, axis)
    if return_sign:
        return out, (sign if keepdims else _squeeze(sign, axis))
    return out


def _squeeze(x, axis):
    return fnp.reshape(x, ()) if axis is None else fnp.squeeze(x, axis=axis)


def expit(x):
    """The logistic sigmoid ``1 / (1 + exp(-x))``.

    >>> float(expit(0.0))
    0.5
    """
    return sigmoid(_float(x, "expit"))


def logit(p):
    """``log(p / (1 - p))``, the inverse of :func:`expit`.

    >>> float(logit(0.5))
    0.0
    """
    p = _float(p, "logit")
    return fnp.log(fnp.divide(p, fnp.subtract(1, p)))


def _zero_where_x_zero(x, y, f):
    """``x * f(y)``, and 0 where ``x == 0`` (also when ``f(y)`` is infinite), with a finite
    derivative there."""
    x, y = _float(x, "xlogy"), _float(y, "xlogy")
    dtype = fnp.result_type(x, y)
    x, y = fnp.broadcast_arrays(fnp.asarray(x, dtype), fnp.asarray(y, dtype))
    zero = fnp.equal(x, 0)
    safe_y = fnp.where(zero, 1.0, y)
    return fnp.where(zero, 0.0, fnp.multiply(x, f(safe_y)))


def xlogy(x, y):
    """``x * log(y)``, 0 where ``x == 0``.

    >>> xlogy(np.array([0.0, 2.0]), np.array([0.0, np.e]))
    array([0., 2.])
    """
    return _zero_where_x_zero(x, y, fnp.log)


def xlog1py(x, y):
    """``x * log1p(y)``, 0 where ``x == 0``.

    >>> float(xlog1py(0.0, -1.0))
    0.0
    """
    return _zero_where_x_zero(x, y, fnp.log1p)


def entr(x):
    """``-x log x`` for ``x > 0``, 0 at 0, ``-inf`` for ``x < 0``.

    >>> entr(np.array([0.0, 1.0, -1.0]))
    array([  0.,  -0., -inf])
    """
    x = _float(x, "entr")
    positive = fnp.greater(x, 0)
    safe = fnp.where(positive, x, 1.0)
    value = fnp.negative(fnp.multiply(safe, fnp.log(safe)))
    return fnp.where(positive, value, fnp.where(fnp.equal(x, 0), 0.0, -np.inf))


def ndtr(x):
    """The standard normal CDF, ``erfc(-x / sqrt(2)) / 2`` (accurate in both tails).

    >>> float(ndtr(0.0))
    0.5
    """
    x = _float(x, "ndtr")
    return fnp.multiply(fnp.erfc(fnp.multiply(x, -_SQRT_HALF)), 0.5)


def ndtri(p):
    """The inverse of :func:`ndtr` (the standard normal quantile function).

    >>> float(ndtri(0.5))
    0.0
    """
    p = _float(p, "ndtri")
    return fnp.multiply(fnp.erfinv(fnp.subtract(fnp.multiply(p, 2), 1)), float(np.sqrt(2.0)))


# the asymptotic series of x * Mills' ratio, in powers of 1/x²: (-1)^n (2n - 1)!!
_MILLS_SERIES = (1.0, -1.0, 3.0, -15.0, 105.0, -945.0, 10395.0, -135135.0, 2027025.0)


def log_ndtr(x):
    """``log(ndtr(x))``, accurate far into both tails: ``log1p(-ndtr(-x))`` above 0, the
    log of ``erfc`` down to -20 (-10 in float32), and the asymptotic series of Mills' ratio
    below.

    >>> round(float(log_ndtr(-40.0)), 10)
    -804.6084420138
    """
    x = _float(x, "log_ndtr")
    tail_below = -20.0 if x.dtype == np.float64 else -10.0  # where ndtr nears underflow
    upper = fnp.greater(x, 0)
    far = fnp.less(x, tail_below)
    mid_x = fnp.where(fnp.logical_or(upper, far), -1.0, x)
    up_x = fnp.where(upper, x, 1.0)
    far_x = fnp.where(far, x, tail_below - 1)
    mid = fnp.log(ndtr(mid_x))
    up = fnp.log1p(fnp.negative(ndtr(fnp.negative(up_x))))
    z = fnp.reciprocal(fnp.square(far_x))  # 1/x²: its 9th term is below 1e-16 (1e-9 in float32)
    series = 0.0
    for coefficient in _MILLS_SERIES[::-1]:
        series = coefficient + z * series
    tail = (fnp.multiply(fnp.square(far_x), -0.5) - fnp.log(fnp.negative(far_x)) - _LOG_SQRT_2PI
            + fnp.log(series))
    return fnp.where(upper, up, fnp.where(far, tail, mid))


# -- the gamma family and Bessel functions (primitives with scipy's values) --------------

def _floats(*args):
    """The arguments as arrays of one float dtype (integers become float64)."""
    arrays = [fnp.asarray(a) for a in args]
    dtype = fnp.result_type(*arrays)
    dtype = dtype if np.dtype(dtype).kind == "f" else np.float64
    return [fnp.asarray(a, dtype) for a in arrays]


def gammaln(x):
    """``log|Gamma(x)|`` (inf at the poles 0, -1, -2, ...); its derivative is digamma.

    >>> float(gammaln(5.0))  # log(24)
    3.1780538303479458
    """
    return P.unary("lgamma", _float(x, "gammaln"))


def loggamma(x):
    """``log(Gamma(x))`` for real ``x``: :func:`gammaln` for ``x > 0``, nan below (scipy's
    real-argument loggamma).

    >>> float(loggamma(1.0))
    0.0
    """
    x = _float(x, "loggamma")
    return fnp.where(fnp.less(x, 0), np.nan, gammaln(fnp.where(fnp.less(x, 0), 1.0, x)))


def digamma(x):
    """``d/dx log Gamma(x)``.

    >>> round(float(digamma(1.0)), 12)  # minus the Euler-Mascheroni constant
    -0.577215664902
    """
    return P.unary("digamma", _float(x, "digamma"))


def polygamma(n, x):
    """The ``n``-th derivative of :func:`digamma` (``n`` a non-negative integer; no derivative
    with respect to it).

    >>> round(float(polygamma(1, 1.0)), 12)  # pi**2 / 6
    1.644934066848
    """
    n, x = _floats(n, x)
    return P.binary("polygamma", *fnp.broadcast_arrays(n, x))


def zeta(x, q=None):
    """The Hurwitz zeta function ``sum_k (k + q) ** -x`` (Riemann's for ``q=None``), for
    ``x > 1``; differentiable in ``q``.

    >>> round(float(zeta(2.0)), 12)
    1.644934066848
    """
    x, q = _floats(x, 1.0 if q is None else q)
    return P.binary("zeta", *fnp.broadcast_arrays(x, q))


def gammainc(a, x):
    """The regularized lower incomplete gamma function ``P(a, x)``; differentiable in ``x``.

    >>> round(float(gammainc(1.0, 1.0)), 12)  # 1 - exp(-1)
    0.632120558829
    """
    a, x = _floats(a, x)
    return P.binary("igamma", *fnp.broadcast_arrays(a, x))


def gammaincc(a, x):
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``.

    >>> round(float(gammaincc(1.0, 1.0)), 12)  # exp(-1)
    0.367879441171
    """
    a, x = _floats(a, x)
    return P.binary("igammac", *fnp.broadcast_arrays(a, x))


def gammasgn(x):
    """The sign of ``Gamma(x)``: 1 for ``x > 0``, alternating between the negative poles.

    >>> gammasgn(np.array([2.0, -0.5, -1.5]))
    array([ 1., -1.,  1.])
    """
    x = _float(x, "gammasgn")
    odd = fnp.equal(fnp.remainder(fnp.floor(x), 2.0), 1.0)
    return fnp.where(fnp.greater(x, 0), 1.0, fnp.where(odd, -1.0, 1.0)).astype(x.dtype)


def gamma(x):
    """The gamma function, ``gammasgn(x) * exp(gammaln(x))``.

    >>> float(gamma(5.0))
    24.000000000000004
    """
    x = _float(x, "gamma")
    return fnp.multiply(gammasgn(x), fnp.exp(gammaln(x)))


def betaln(a, b):
    """``log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b)``.

    >>> round(float(betaln(1.0, 2.0)), 12)  # log(1/2)
    -0.69314718056
    """
    a, b = _floats(a, b)
    return gammaln(a) + gammaln(b) - gammaln(a + b)


def betainc(a, b, x):
    """The regularized incomplete beta function ``I_x(a, b)``; differentiable in ``x`` (as
    in JAX, not in ``a`` and ``b``).

    >>> round(float(betainc(2.0, 3.0, 0.4)), 12)
    0.5248
    """
    a, b, x = _floats(a, b, x)
    return P.ternary("betainc", *fnp.broadcast_arrays(a, b, x))


def beta(a, b):
    """The beta function ``Gamma(a) Gamma(b) / Gamma(a + b)``.

    >>> float(beta(1.0, 2.0))
    0.5
    """
    a, b = _floats(a, b)
    sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
    return fnp.multiply(sign, fnp.exp(betaln(a, b)))


def multigammaln(a, d):
    """The log of the multivariate gamma function of dimension ``d`` (a static int):
    ``d (d - 1) / 4 log(pi) + sum_j gammaln(a - j / 2)``, j = 0 .. d-1.

    >>> round(float(multigammaln(2.0, 1)), 12)
    0.0
    """
    if not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"multigammaln: d must be a positive int, got {d!r}")
    a = _float(a, "multigammaln")
    total = sum(gammaln(a - j / 2.0) for j in range(int(d)))
    return total + d * (d - 1) / 4.0 * float(np.log(np.pi))


def factorial(n, exact=False):
    """``n!`` as ``Gamma(n + 1)`` (0 for negative ``n``, as scipy); ``exact=True`` is not
    traceable and is not supported.

    >>> float(factorial(4))
    24.000000000000004
    """
    if exact:
        raise ValueError("factorial: exact=True needs Python integers; use math.factorial")
    n = _float(n, "factorial")
    return fnp.where(fnp.less(n, 0), 0.0, fnp.exp(gammaln(fnp.where(fnp.less(n, 0), 0.0, n) + 1.0)))


def poch(z, m):
    """The rising factorial ``Gamma(z + m) / Gamma(z)``.

    >>> round(float(poch(2.0, 3.0)), 10)  # 2 * 3 * 4
    24.0
    """
    z, m = _floats(z, m)
    sign = gammasgn(z + m) * gammasgn(z)
    return fnp.multiply(sign, fnp.exp(gammaln(z + m) - gammaln(z)))


def i0e(x):
    """The exponentially scaled modified Bessel function of order 0, ``exp(-|x|) I0(x)``.

    >>> float(i0e(0.0))
    1.0
    """
    return P.unary("i0e", _float(x, "i0e"))


def i1e(x):
    """The exponentially scaled modified Bessel function of order 1, ``exp(-|x|) I1(x)``.

    >>> float(i1e(0.0))
    0.0
    """
    return P.unary("i1e", _float(x, "i1e"))


def i0(x):
    """The modified Bessel function of order 0, ``i0e(x) * exp(|x|)``.

    >>> round(float(i0(1.0)), 12)
    1.266065877752
    """
    x = _float(x, "i0")
    return fnp.multiply(i0e(x), fnp.exp(fnp.abs(x)))


def i1(x):
    """The modified Bessel function of order 1, ``i1e(x) * exp(|x|)``.

    >>> round(float(i1(1.0)), 12)
    0.565159103992
    """
    x = _float(x, "i1")
    return fnp.multiply(i1e(x), fnp.exp(fnp.abs(x)))


def _divergence(p, q, with_mass):
    p, q = _floats(p, q)
    both = fnp.logical_and(fnp.greater(p, 0), fnp.greater(q, 0))
    safe_p, safe_q = fnp.where(both, p, 1.0), fnp.where(both, q, 1.0)
    value = safe_p * fnp.log(safe_p / safe_q)
    if with_mass:
        value = value - safe_p + safe_q
    at_zero = fnp.logical_and(fnp.equal(p, 0), fnp.greater_equal(q, 0))
    return fnp.where(both, value, fnp.where(at_zero, q if with_mass else 0.0, np.inf))


def rel_entr(p, q):
    """``p log(p / q)`` for ``p, q > 0``, 0 at ``p = 0 <= q``, inf elsewhere.

    >>> float(rel_entr(1.0, 1.0))
    0.0
    """
    return _divergence(p, q, False)


def kl_div(p, q):
    """``p log(p / q) - p + q`` for ``p, q > 0``, ``q`` at ``p = 0 <= q``, inf elsewhere.

    >>> float(kl_div(0.0, 2.0))
    2.0
    """
    return _divergence(p, q, True)
