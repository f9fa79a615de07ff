"""The right-skewed Gumbel distribution (of maxima), as ``jax.scipy.stats.gumbel_r``.

>>> from funcdl.scipy.stats import gumbel_r
>>> round(float(gumbel_r.cdf(0.0)), 12)  # exp(-1)
0.367879441171
"""
from ... import numpy as fnp
from . import _gumbel
from ._base import floats, standardized


def logpdf(x, loc=0, scale=1):
    """``-z - exp(-z) - log(scale)``."""
    z, scale = standardized(x, loc, scale)
    return _gumbel.logpdf_z(z) - fnp.log(scale)


def pdf(x, loc=0, scale=1):
    """The density."""
    return fnp.exp(logpdf(x, loc, scale))


def logcdf(x, loc=0, scale=1):
    """``-exp(-z)``."""
    return _gumbel.logcdf_z(standardized(x, loc, scale)[0])


def cdf(x, loc=0, scale=1):
    """``exp(-exp(-z))``."""
    return fnp.exp(logcdf(x, loc, scale))


def sf(x, loc=0, scale=1):
    """``1 - cdf``."""
    return _gumbel.sf_z(standardized(x, loc, scale)[0])


def logsf(x, loc=0, scale=1):
    """``log sf``."""
    return fnp.log(sf(x, loc, scale))


def ppf(q, loc=0, scale=1):
    """``loc - scale log(-log q)``."""
    q, loc, scale = floats(q, loc, scale)
    return loc + scale * _gumbel.ppf_z(q)
