"""The Cauchy distribution, as ``jax.scipy.stats.cauchy``.

>>> from funcdl.scipy.stats import cauchy
>>> float(cauchy.cdf(1.0)), round(float(cauchy.ppf(0.75)), 12)
(0.75, 1.0)
"""
import numpy as np

from ... import numpy as fnp
from ._base import floats, standardized

_LOG_PI = float(np.log(np.pi))


def logpdf(x, loc=0, scale=1):
    """``-log(pi scale (1 + z²))``."""
    z, scale = standardized(x, loc, scale)
    return fnp.negative(fnp.log1p(fnp.square(z))) - fnp.log(scale) - _LOG_PI


def pdf(x, loc=0, scale=1):
    """The density."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``1/2 + arctan(z) / pi``."""
    z, _ = standardized(x, loc, scale)
    return 0.5 + fnp.arctan(z) / np.pi


def logcdf(x, loc=0, scale=1):
    """``log cdf``."""
    return fnp.log(cdf(x, loc, scale))


def sf(x, loc=0, scale=1):
    """``1/2 - arctan(z) / pi``."""
    z, _ = standardized(x, loc, scale)
    return 0.5 - fnp.arctan(z) / np.pi


def logsf(x, loc=0, scale=1):
    """``log sf``."""
    return fnp.log(sf(x, loc, scale))


def ppf(q, loc=0, scale=1):
    """``loc + scale * tan(pi (q - 1/2))``."""
    q, loc, scale = floats(q, loc, scale)
    return loc + scale * fnp.tan(np.pi * (q - 0.5))


def isf(q, loc=0, scale=1):
    """``loc + scale * tan(pi (1/2 - q))``."""
    q, loc, scale = floats(q, loc, scale)
    return loc + scale * fnp.tan(np.pi * (0.5 - q))
