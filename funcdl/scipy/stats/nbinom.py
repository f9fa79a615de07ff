"""The negative binomial distribution (failures before the ``n``-th success, success
probability ``p``), as ``jax.scipy.stats.nbinom``.

>>> from funcdl.scipy.stats import nbinom
>>> float(nbinom.pmf(0, 1, 0.5))
0.5
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import floats


def logpmf(k, n, p, loc=0):
    """``log C(k + n - 1, k) + n log p + k log(1 - p)`` for integers ``k >= 0``."""
    k, n, p, loc = floats(k, n, p, loc)
    k = k - loc
    valid = fnp.logical_and(fnp.greater_equal(k, 0), fnp.equal(fnp.floor(k), k))
    safe = fnp.where(valid, k, 0.0)
    log_choose = special.gammaln(safe + n) - special.gammaln(safe + 1.0) - special.gammaln(n)
    value = log_choose + special.xlogy(n, p) + special.xlog1py(safe, fnp.negative(p))
    return fnp.where(valid, value, -np.inf)


def pmf(k, n, p, loc=0):
    """The probability of ``k`` failures."""
    return fnp.exp(logpmf(k, n, p, loc))
