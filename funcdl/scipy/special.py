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
from ..nn.activations import log_softmax, sigmoid, softmax
from ..transforms import stop_gradient

__all__ = ["logsumexp", "erf", "erfc", "erfinv", "expit", "logit", "xlogy", "xlog1py", "entr",
           "ndtr", "ndtri", "log_ndtr", "softmax", "log_softmax"]

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
