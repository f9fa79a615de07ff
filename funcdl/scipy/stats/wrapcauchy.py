"""The wrapped Cauchy distribution of shape ``c`` (0 < c < 1) on ``[0, 2 pi]``, as
``jax.scipy.stats.wrapcauchy``.

>>> from funcdl.scipy.stats import wrapcauchy
>>> round(float(wrapcauchy.pdf(0.0, 0.5)), 12)  # (1 + c) / (2 pi (1 - c))
0.477464829276
"""
import numpy as np

from ... import numpy as fnp
from ._base import floats, outside


def logpdf(x, c):
    """``log((1 - c**2) / (2 pi (1 + c**2 - 2 c cos x)))`` on ``[0, 2 pi]``."""
    x, c = floats(x, c)
    value = fnp.log1p(fnp.negative(c * c)) - fnp.log(2 * np.pi * (1.0 + c * c - 2.0 * c * fnp.cos(x)))
    return fnp.where(outside(x, 0.0, 2 * np.pi), -np.inf, value)


def pdf(x, c):
    """The density."""
    return fnp.exp(logpdf(x, c))
