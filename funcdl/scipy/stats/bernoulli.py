"""The Bernoulli distribution, as ``jax.scipy.stats.bernoulli``.

>>> import numpy as np
>>> from funcdl.scipy.stats import bernoulli
>>> bernoulli.pmf(np.array([0, 1, 2]), 0.25)
array([0.75, 0.25, 0.  ])
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import floats


def logpmf(k, p, loc=0):
    """``log p`` at 1, ``log(1 - p)`` at 0, ``-inf`` elsewhere (``k`` shifted by ``loc``)."""
    k, p, loc = floats(k, p, loc)
    k = k - loc
    value = special.xlogy(k, p) + special.xlog1py(1 - k, fnp.negative(p))
    return fnp.where(fnp.logical_or(fnp.equal(k, 0), fnp.equal(k, 1)), value, -np.inf)


def pmf(k, p, loc=0):
    """The probability of ``k``."""
    return fnp.exp(logpmf(k, p, loc))


def cdf(k, p, loc=0):
    """0 below 0, ``1 - p`` on ``[0, 1)``, 1 from 1."""
    k, p, loc = floats(k, p, loc)
    k = k - loc
    return fnp.where(fnp.less(k, 0), 0.0, fnp.where(fnp.less(k, 1), 1 - p, 1.0))


def ppf(q, p):
    """The smallest ``k`` with ``cdf(k) >= q``."""
    q, p = floats(q, p)
    return fnp.where(fnp.logical_or(fnp.less(q, 0), fnp.greater(q, 1)), np.nan,
                     fnp.where(fnp.greater(q, 1 - p), 1.0, 0.0))
