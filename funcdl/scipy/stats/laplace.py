"""The Laplace (double exponential) distribution, as ``jax.scipy.stats.laplace``.

>>> from funcdl.scipy.stats import laplace
>>> float(laplace.pdf(0.0)), float(laplace.cdf(0.0))
(0.5, 0.5)
"""
import numpy as np

from ... import numpy as fnp
from ._base import standardized

_LOG_2 = float(np.log(2.0))


def logpdf(x, loc=0, scale=1):
    """``-|z| - log(2 scale)``."""
    z, scale = standardized(x, loc, scale)
    return fnp.negative(fnp.abs(z)) - fnp.log(scale) - _LOG_2


def pdf(x, loc=0, scale=1):
    """The density ``exp(-|x - loc| / scale) / (2 scale)``."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``exp(z) / 2`` below ``loc``, ``1 - exp(-z) / 2`` above."""
    z, _ = standardized(x, loc, scale)
    half_tail = 0.5 * fnp.exp(fnp.negative(fnp.abs(z)))
    return fnp.where(fnp.less(z, 0), half_tail, 1 - half_tail)
