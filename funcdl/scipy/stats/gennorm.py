"""The generalized normal distribution of shape ``beta`` (density proportional to
``exp(-|x| ** beta)``), as ``jax.scipy.stats.gennorm``.

>>> from funcdl.scipy.stats import gennorm
>>> round(float(gennorm.pdf(0.0, 2.0)), 12)  # the normal of variance 1/2 at 0
0.564189583548
"""
from ... import numpy as fnp
from .. import special
from ._base import floats


def logpdf(x, beta):
    """``log(beta / 2) - gammaln(1 / beta) - |x| ** beta``."""
    x, beta = floats(x, beta)
    return fnp.log(beta / 2.0) - special.gammaln(1.0 / beta) - fnp.power(fnp.abs(x), beta)


def pdf(x, beta):
    """The density."""
    return fnp.exp(logpdf(x, beta))


def cdf(x, beta):
    """``1/2 + sign(x) P(1 / beta, |x| ** beta) / 2``."""
    x, beta = floats(x, beta)
    return 0.5 + 0.5 * fnp.sign(x) * special.gammainc(1.0 / beta, fnp.power(fnp.abs(x), beta))
