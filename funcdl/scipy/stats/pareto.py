"""The Pareto distribution of shape ``b`` (support ``z >= 1``), as ``jax.scipy.stats.pareto``.

>>> from funcdl.scipy.stats import pareto
>>> round(float(pareto.pdf(1.0, 3.0)), 12)
3.0
"""
import numpy as np

from ... import numpy as fnp
from ._base import floats, standardized


def logpdf(x, b, loc=0, scale=1):
    """``log b - (b + 1) log z - log(scale)`` for ``z >= 1``, ``-inf`` below."""
    z, scale = standardized(x, loc, scale)
    b = fnp.asarray(b, z.dtype)
    safe = fnp.where(fnp.less(z, 1), 1.0, z)
    value = fnp.log(b) - (b + 1.0) * fnp.log(safe) - fnp.log(scale)
    return fnp.where(fnp.less(z, 1), -np.inf, value)


def pdf(x, b, loc=0, scale=1):
    """The density."""
    return fnp.exp(logpdf(x, b, loc, scale))


def logsf(x, b, loc=0, scale=1):
    """``-b log z`` for ``z >= 1``, 0 below."""
    z, _ = standardized(x, loc, scale)
    return fnp.negative(fnp.asarray(b, z.dtype) * fnp.log(fnp.maximum(z, 1.0)))


def sf(x, b, loc=0, scale=1):
    """``z ** -b`` for ``z >= 1``, 1 below."""
    return fnp.exp(logsf(x, b, loc, scale))


def cdf(x, b, loc=0, scale=1):
    """``1 - z ** -b`` for ``z >= 1``, 0 below."""
    return fnp.negative(fnp.expm1(logsf(x, b, loc, scale)))


def logcdf(x, b, loc=0, scale=1):
    """``log cdf``."""
    return fnp.log(cdf(x, b, loc, scale))


def ppf(q, b, loc=0, scale=1):
    """``loc + scale (1 - q) ** (-1 / b)``."""
    q, b, loc, scale = floats(q, b, loc, scale)
    return loc + scale * fnp.power(1.0 - q, -1.0 / b)
