"""The standard normal truncated to ``[a, b]`` (then shifted and scaled), as
``jax.scipy.stats.truncnorm``. The mass of ``[a, b]`` is computed in log space, from the
tail nearer zero, so that far tails keep their precision.

>>> from funcdl.scipy.stats import truncnorm
>>> round(float(truncnorm.cdf(0.0, -1.0, 1.0)), 12)
0.5
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import floats, outside, standardized


def _log_mass(a, b):
    """``log(ndtr(b) - ndtr(a))`` for ``a < b``, from the upper tail when ``a > 0``."""
    upper = fnp.greater(a, 0)
    lo, hi = fnp.where(upper, fnp.negative(b), a), fnp.where(upper, fnp.negative(a), b)
    log_hi, log_lo = special.log_ndtr(hi), special.log_ndtr(lo)
    return log_hi + fnp.log1p(fnp.negative(fnp.exp(log_lo - log_hi)))


def logpdf(x, a, b, loc=0, scale=1):
    """``log phi(z) - log(scale) - log mass`` on ``[a, b]``, ``-inf`` outside."""
    z, scale = standardized(x, loc, scale)
    a, b = (fnp.asarray(v, z.dtype) for v in floats(a, b))
    value = -0.5 * z * z - 0.5 * float(np.log(2 * np.pi)) - fnp.log(scale) - _log_mass(a, b)
    return fnp.where(outside(z, a, b), -np.inf, value)


def pdf(x, a, b, loc=0, scale=1):
    """The density."""
    return fnp.exp(logpdf(x, a, b, loc, scale))


def logcdf(x, a, b, loc=0, scale=1):
    """``log((ndtr(z) - ndtr(a)) / mass)``: ``-inf`` below ``a``, 0 above ``b``."""
    z, _ = standardized(x, loc, scale)
    a, b = (fnp.asarray(v, z.dtype) for v in floats(a, b))
    inside = fnp.clip(z, a, b)
    safe = fnp.where(fnp.greater(inside, a), inside, b)  # log(0) at z = a is handled below
    value = _log_mass(a, safe) - _log_mass(a, b)
    return fnp.where(fnp.less_equal(z, a), -np.inf, fnp.where(fnp.greater_equal(z, b), 0.0, value))


def cdf(x, a, b, loc=0, scale=1):
    """The distribution function."""
    return fnp.exp(logcdf(x, a, b, loc, scale))


def logsf(x, a, b, loc=0, scale=1):
    """``log((ndtr(b) - ndtr(z)) / mass)``: 0 below ``a``, ``-inf`` above ``b``."""
    z, _ = standardized(x, loc, scale)
    a, b = (fnp.asarray(v, z.dtype) for v in floats(a, b))
    inside = fnp.clip(z, a, b)
    safe = fnp.where(fnp.less(inside, b), inside, a)
    value = _log_mass(safe, b) - _log_mass(a, b)
    return fnp.where(fnp.greater_equal(z, b), -np.inf, fnp.where(fnp.less_equal(z, a), 0.0, value))


def sf(x, a, b, loc=0, scale=1):
    """``1 - cdf``."""
    return fnp.exp(logsf(x, a, b, loc, scale))
