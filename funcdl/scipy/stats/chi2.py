"""The chi-squared distribution with ``df`` degrees of freedom (a gamma distribution of
shape ``df / 2`` and scale 2), as ``jax.scipy.stats.chi2``.

>>> from funcdl.scipy.stats import chi2
>>> round(float(chi2.cdf(2.0, 2.0)), 12)  # 1 - exp(-1)
0.632120558829
"""
from . import gamma
from ._base import floats


def _gamma_args(df, loc, scale):
    df, loc, scale = floats(df, loc, scale)
    return df / 2.0, loc, scale * 2.0


def logpdf(x, df, loc=0, scale=1):
    """The log density."""
    return gamma.logpdf(x, *_gamma_args(df, loc, scale))


def pdf(x, df, loc=0, scale=1):
    """The density."""
    return gamma.pdf(x, *_gamma_args(df, loc, scale))


def cdf(x, df, loc=0, scale=1):
    """The distribution function."""
    return gamma.cdf(x, *_gamma_args(df, loc, scale))


def logcdf(x, df, loc=0, scale=1):
    """``log cdf``."""
    return gamma.logcdf(x, *_gamma_args(df, loc, scale))


def sf(x, df, loc=0, scale=1):
    """``1 - cdf``."""
    return gamma.sf(x, *_gamma_args(df, loc, scale))


def logsf(x, df, loc=0, scale=1):
    """``log sf``."""
    return gamma.logsf(x, *_gamma_args(df, loc, scale))
