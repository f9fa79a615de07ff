"""The uniform distribution on ``[loc, loc + scale]``, as ``jax.scipy.stats.uniform``.

>>> from funcdl.scipy.stats import uniform
>>> float(uniform.pdf(0.5, 0, 2)), float(uniform.ppf(0.25, 0, 2))
(0.5, 0.5)
"""
import numpy as np

from ... import numpy as fnp
from ._base import floats, outside, standardized


def logpdf(x, loc=0, scale=1):
    """``-log(scale)`` inside the interval, ``-inf`` outside."""
    z, scale = standardized(x, loc, scale)
    return fnp.where(outside(z, 0, 1), -np.inf, fnp.negative(fnp.log(scale)))


def pdf(x, loc=0, scale=1):
    """``1 / scale`` inside the interval, 0 outside."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``clip((x - loc) / scale, 0, 1)``."""
    z, _ = standardized(x, loc, scale)
    return fnp.clip(z, 0, 1)


def ppf(q, loc=0, scale=1):
    """``loc + q * scale`` for ``q`` in ``[0, 1]``, nan outside."""
    q, loc, scale = floats(q, loc, scale)
    return fnp.where(outside(q, 0, 1), np.nan, loc + q * scale)
