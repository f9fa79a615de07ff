"""The normal distribution, as ``jax.scipy.stats.norm`` (``loc`` is the mean, ``scale`` the
standard deviation).

>>> import numpy as np
>>> from funcdl.scipy.stats import norm
>>> float(norm.logpdf(0.0)), round(float(norm.ppf(0.975)), 12)
(-0.9189385332046727, 1.95996398454)
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import floats, standardized

_LOG_SQRT_2PI = float(0.5 * np.log(2 * np.pi))


def logpdf(x, loc=0, scale=1):
    """``log N(x; loc, scale²)``."""
    z, scale = standardized(x, loc, scale)
    return fnp.subtract(fnp.multiply(fnp.square(z), -0.5), fnp.add(fnp.log(scale), _LOG_SQRT_2PI))


def pdf(x, loc=0, scale=1):
    """The density ``N(x; loc, scale²)``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``P(X <= x)``."""
    z, _ = standardized(x, loc, scale)
    return special.ndtr(z)


def logcdf(x, loc=0, scale=1):
    """``log P(X <= x)``, accurate in the lower tail."""
    z, _ = standardized(x, loc, scale)
    return special.log_ndtr(z)


def sf(x, loc=0, scale=1):
    """``P(X > x)``, accurate in the upper tail."""
    z, _ = standardized(x, loc, scale)
    return special.ndtr(fnp.negative(z))


def logsf(x, loc=0, scale=1):
    """``log P(X > x)``."""
    z, _ = standardized(x, loc, scale)
    return special.log_ndtr(fnp.negative(z))


def ppf(q, loc=0, scale=1):
    """The quantile function: ``x`` with ``cdf(x) = q``."""
    q, loc, scale = floats(q, loc, scale)
    return fnp.add(fnp.multiply(special.ndtri(q), scale), loc)


def isf(q, loc=0, scale=1):
    """The inverse survival function: ``x`` with ``sf(x) = q``."""
    q, loc, scale = floats(q, loc, scale)
    return fnp.subtract(loc, fnp.multiply(special.ndtri(q), scale))
