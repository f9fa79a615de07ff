"""The gamma distribution of shape ``a`` (scaled and shifted), as ``jax.scipy.stats.gamma``.

>>> from funcdl.scipy.stats import gamma
>>> round(float(gamma.pdf(1.0, 1.0)), 12), round(float(gamma.cdf(1.0, 1.0)), 12)
(0.367879441171, 0.632120558829)
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import standardized


def logpdf(x, a, loc=0, scale=1):
    """``(a - 1) log z - z - gammaln(a) - log(scale)`` for ``z >= 0``, ``-inf`` below."""
    z, scale = standardized(x, loc, scale)
    a = fnp.asarray(a, z.dtype)
    safe = fnp.where(fnp.less(z, 0), 1.0, z)
    value = special.xlogy(a - 1.0, safe) - safe - special.gammaln(a) - fnp.log(scale)
    return fnp.where(fnp.less(z, 0), -np.inf, value)


def pdf(x, a, loc=0, scale=1):
    """The density."""
    return fnp.exp(logpdf(x, a, loc, scale))


def cdf(x, a, loc=0, scale=1):
    """``P(a, z)``, the regularized lower incomplete gamma function (0 below 0)."""
    z, _ = standardized(x, loc, scale)
    return special.gammainc(fnp.asarray(a, z.dtype), fnp.maximum(z, 0))


def logcdf(x, a, loc=0, scale=1):
    """``log cdf``."""
    return fnp.log(cdf(x, a, loc, scale))


def sf(x, a, loc=0, scale=1):
    """``Q(a, z) = 1 - cdf`` (accurate in the upper tail)."""
    z, _ = standardized(x, loc, scale)
    return special.gammaincc(fnp.asarray(a, z.dtype), fnp.maximum(z, 0))


def logsf(x, a, loc=0, scale=1):
    """``log sf``."""
    return fnp.log(sf(x, a, loc, scale))
