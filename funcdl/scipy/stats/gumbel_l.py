"""The left-skewed Gumbel distribution (of minima), as ``jax.scipy.stats.gumbel_l``: the
mirror image of gumbel_r.

>>> from funcdl.scipy.stats import gumbel_l
>>> round(float(gumbel_l.sf(0.0)), 12)  # exp(-1)
0.367879441171
"""
from ... import numpy as fnp
from . import _gumbel
from ._base import floats, standardized


def logpdf(x, loc=0, scale=1):
    """``z - exp(z) - log(scale)``."""
    z, scale = standardized(x, loc, scale)
    return _gumbel.logpdf_z(fnp.negative(z)) - fnp.log(scale)


def pdf(x, loc=0, scale=1):
    """The density."""
    return fnp.exp(logpdf(x, loc, scale))


def logsf(x, loc=0, scale=1):
    """``-exp(z)``."""
    return _gumbel.logcdf_z(fnp.negative(standardized(x, loc, scale)[0]))


def sf(x, loc=0, scale=1):
    """``exp(-exp(z))``."""
    return fnp.exp(logsf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``1 - exp(-exp(z))``."""
    return _gumbel.sf_z(fnp.negative(standardized(x, loc, scale)[0]))


def logcdf(x, loc=0, scale=1):
    """``log cdf``."""
    return fnp.log(cdf(x, loc, scale))


def ppf(q, loc=0, scale=1):
    """``loc + scale log(-log(1 - q))``."""
    q, loc, scale = floats(q, loc, scale)
    return loc - scale * _gumbel.ppf_z(1.0 - q)
