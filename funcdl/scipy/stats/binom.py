"""The binomial distribution of ``n`` trials with success probability ``p``, as
``jax.scipy.stats.binom``.

>>> from funcdl.scipy.stats import binom
>>> round(float(binom.pmf(1, 2, 0.5)), 12)
0.5
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import floats


def logpmf(k, n, p, loc=0):
    """``log C(n, k) + k log p + (n - k) log(1 - p)`` for integers ``0 <= k <= n``."""
    k, n, p, loc = floats(k, n, p, loc)
    k = k - loc
    valid = fnp.logical_and(fnp.logical_and(fnp.greater_equal(k, 0), fnp.less_equal(k, n)),
                            fnp.equal(fnp.floor(k), k))
    safe = fnp.where(valid, k, 0.0)
    log_choose = special.gammaln(n + 1.0) - special.gammaln(safe + 1.0) - special.gammaln(n - safe + 1.0)
    value = log_choose + special.xlogy(safe, p) + special.xlog1py(n - safe, fnp.negative(p))
    return fnp.where(valid, value, -np.inf)


def pmf(k, n, p, loc=0):
    """The probability of ``k`` successes."""
    return fnp.exp(logpmf(k, n, p, loc))
