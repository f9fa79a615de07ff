"""The geometric distribution on 1, 2, 3, ..., as ``jax.scipy.stats.geom``.

>>> from funcdl.scipy.stats import geom
>>> float(geom.pmf(2, 0.5))
0.25
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import floats


def logpmf(k, p, loc=0):
    """``(k - 1) log(1 - p) + log p`` for integers ``k >= 1``, ``-inf`` elsewhere."""
    k, p, loc = floats(k, p, loc)
    k = k - loc
    value = special.xlog1py(k - 1, fnp.negative(p)) + fnp.log(p)
    valid = fnp.logical_and(fnp.greater_equal(k, 1), fnp.equal(fnp.floor(k), k))
    return fnp.where(valid, value, -np.inf)


def pmf(k, p, loc=0):
    """The probability of ``k``."""
    return fnp.exp(logpmf(k, p, loc))
