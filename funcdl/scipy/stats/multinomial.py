"""The multinomial distribution of ``n`` draws over the categories of ``p`` (last axis), as
``jax.scipy.stats.multinomial``.

>>> import numpy as np
>>> from funcdl.scipy.stats import multinomial
>>> float(multinomial.pmf(np.array([1.0, 1.0]), 2, np.array([0.5, 0.5])))
0.5
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import floats


def logpmf(x, n, p):
    """``gammaln(n + 1) + sum(x log p - gammaln(x + 1))`` where the counts ``x`` are
    non-negative integers summing to ``n``, ``-inf`` elsewhere."""
    x, n, p = floats(x, n, p)
    value = special.gammaln(n + 1.0) + fnp.sum(special.xlogy(x, p) - special.gammaln(x + 1.0), axis=-1)
    counts = fnp.all(fnp.logical_and(fnp.greater_equal(x, 0), fnp.equal(fnp.floor(x), x)), axis=-1)
    valid = fnp.logical_and(counts, fnp.equal(fnp.sum(x, axis=-1), n))
    return fnp.where(valid, value, -np.inf)


def pmf(x, n, p):
    """The probability of the counts ``x``."""
    return fnp.exp(logpmf(x, n, p))
