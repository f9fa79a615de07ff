"""The beta-binomial distribution (``n`` trials with a Beta(``a``, ``b``) success
probability), as ``jax.scipy.stats.betabinom``.

>>> from funcdl.scipy.stats import betabinom
>>> round(float(betabinom.pmf(1, 2, 1.0, 1.0)), 12)  # uniform on 0, 1, 2
0.333333333333
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import floats


def logpmf(k, n, a, b, loc=0):
    """``log C(n, k) + betaln(k + a, n - k + b) - betaln(a, b)`` for integers ``0 <= k <= n``."""
    k, n, a, b, loc = floats(k, n, a, b, loc)
    k = k - loc
    valid = fnp.logical_and(fnp.logical_and(fnp.greater_equal(k, 0), fnp.less_equal(k, n)),
                            fnp.equal(fnp.floor(k), k))
    safe = fnp.where(valid, k, 0.0)
    log_choose = special.gammaln(n + 1.0) - special.gammaln(safe + 1.0) - special.gammaln(n - safe + 1.0)
    value = log_choose + special.betaln(safe + a, n - safe + b) - special.betaln(a, b)
    return fnp.where(valid, value, -np.inf)


def pmf(k, n, a, b, loc=0):
    """The probability of ``k`` successes."""
    return fnp.exp(logpmf(k, n, a, b, loc))
