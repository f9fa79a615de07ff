"""The beta distribution on ``[loc, loc + scale]``, as ``jax.scipy.stats.beta``.

>>> from funcdl.scipy.stats import beta
>>> float(beta.pdf(0.5, 2.0, 2.0)), round(float(beta.cdf(0.5, 2.0, 2.0)), 12)
(1.5, 0.5)
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import floats, outside, standardized


def logpdf(x, a, b, loc=0, scale=1):
    """``(a-1) log z + (b-1) log(1-z) - betaln(a, b) - log(scale)`` on ``[0, 1]``."""
    z, scale = standardized(x, loc, scale)
    a, b = floats(a, b)
    a, b = fnp.asarray(a, z.dtype), fnp.asarray(b, z.dtype)
    value = (special.xlogy(a - 1.0, z) + special.xlog1py(b - 1.0, fnp.negative(z))
             - special.betaln(a, b) - fnp.log(scale))
    return fnp.where(outside(z, 0.0, 1.0), -np.inf, value)


def pdf(x, a, b, loc=0, scale=1):
    """The density."""
    return fnp.exp(logpdf(x, a, b, loc, scale))


def _clipped(x, a, b, loc, scale):
    z, _ = standardized(x, loc, scale)
    a, b = floats(a, b)
    return fnp.asarray(a, z.dtype), fnp.asarray(b, z.dtype), fnp.clip(z, 0.0, 1.0)


def cdf(x, a, b, loc=0, scale=1):
    """``I_z(a, b)``, the regularized incomplete beta function (0 below, 1 above the support)."""
    a, b, z = _clipped(x, a, b, loc, scale)
    return special.betainc(a, b, z)


def logcdf(x, a, b, loc=0, scale=1):
    """``log cdf``."""
    return fnp.log(cdf(x, a, b, loc, scale))


def sf(x, a, b, loc=0, scale=1):
    """``1 - cdf = I_{1-z}(b, a)`` (accurate in the upper tail)."""
    a, b, z = _clipped(x, a, b, loc, scale)
    return special.betainc(b, a, 1.0 - z)


def logsf(x, a, b, loc=0, scale=1):
    """``log sf``."""
    return fnp.log(sf(x, a, b, loc, scale))
