"""The exponential distribution (rate ``1 / scale``, shifted by ``loc``), as
``jax.scipy.stats.expon``.

>>> from funcdl.scipy.stats import expon
>>> float(expon.pdf(0.0)), round(float(expon.cdf(1.0)), 6)
(1.0, 0.632121)
"""
import numpy as np

from ... import numpy as fnp
from ._base import floats, standardized


def logpdf(x, loc=0, scale=1):
    """``-z - log(scale)`` for ``z >= 0``, ``-inf`` below."""
    z, scale = standardized(x, loc, scale)
    return fnp.where(fnp.less(z, 0), -np.inf, fnp.negative(z) - fnp.log(scale))


def pdf(x, loc=0, scale=1):
    """The density."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``1 - exp(-z)`` for ``z >= 0``, 0 below."""
    z, _ = standardized(x, loc, scale)
    return fnp.negative(fnp.expm1(fnp.negative(fnp.maximum(z, 0))))


def sf(x, loc=0, scale=1):
    """``exp(-z)`` for ``z >= 0``, 1 below."""
    z, _ = standardized(x, loc, scale)
    return fnp.exp(fnp.negative(fnp.maximum(z, 0)))


def ppf(q, loc=0, scale=1):
    """``loc - scale * log(1 - q)``."""
    q, loc, scale = floats(q, loc, scale)
    return loc - scale * fnp.log1p(fnp.negative(q))


def logcdf(x, loc=0, scale=1):
    """``log(1 - exp(-z))``, accurate for small ``z``."""
    z, _ = standardized(x, loc, scale)
    return fnp.log(fnp.negative(fnp.expm1(fnp.negative(fnp.maximum(z, 0)))))


def logsf(x, loc=0, scale=1):
    """``-z`` for ``z >= 0``, 0 below."""
    z, _ = standardized(x, loc, scale)
    return fnp.negative(fnp.maximum(z, 0))
