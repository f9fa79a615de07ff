"""The von Mises distribution of concentration ``kappa`` on ``[-pi, pi]``, as
``jax.scipy.stats.vonmises``.

>>> from funcdl.scipy.stats import vonmises
>>> round(float(vonmises.pdf(0.0, 0.0)), 12)  # uniform on the circle
0.159154943092
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import floats


def logpdf(x, kappa):
    """``kappa (cos x - 1) - log(2 pi i0e(kappa))`` on ``[-pi, pi]``, ``-inf`` outside."""
    x, kappa = floats(x, kappa)
    value = kappa * (fnp.cos(x) - 1.0) - fnp.log(2 * np.pi * special.i0e(kappa))
    return fnp.where(fnp.greater(fnp.abs(x), np.pi), -np.inf, value)


def pdf(x, kappa):
    """The density."""
    return fnp.exp(logpdf(x, kappa))
