"""The Poisson distribution of mean ``mu``, as ``jax.scipy.stats.poisson``.

>>> from funcdl.scipy.stats import poisson
>>> round(float(poisson.pmf(2, 2.0)), 12), round(float(poisson.cdf(0, 2.0)), 12)
(0.270670566473, 0.135335283237)
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import floats


def _integral(k):
    return fnp.logical_and(fnp.greater_equal(k, 0), fnp.equal(fnp.floor(k), k))


def logpmf(k, mu, loc=0):
    """``k log(mu) - mu - gammaln(k + 1)`` for integers ``k >= 0``, ``-inf`` elsewhere."""
    k, mu, loc = floats(k, mu, loc)
    k = k - loc
    safe = fnp.where(_integral(k), k, 0.0)
    value = special.xlogy(safe, mu) - mu - special.gammaln(safe + 1.0)
    return fnp.where(_integral(k), value, -np.inf)


def pmf(k, mu, loc=0):
    """The probability of ``k``."""
    return fnp.exp(logpmf(k, mu, loc))


def cdf(k, mu, loc=0):
    """``Q(floor(k) + 1, mu)`` for ``k >= 0``, 0 below."""
    k, mu, loc = floats(k, mu, loc)
    k = k - loc
    below = fnp.less(k, 0)
    value = special.gammaincc(fnp.floor(fnp.where(below, 0.0, k)) + 1.0, mu)
    return fnp.where(below, 0.0, value)
