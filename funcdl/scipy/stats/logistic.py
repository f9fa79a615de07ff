"""The logistic distribution, as ``jax.scipy.stats.logistic``.

>>> from funcdl.scipy.stats import logistic
>>> float(logistic.cdf(0.0)), float(logistic.ppf(0.5))
(0.5, 0.0)
"""
from ... import numpy as fnp
from .. import special
from ._base import floats, standardized


def logpdf(x, loc=0, scale=1):
    """``-z - 2 log(1 + exp(-z)) - log(scale)`` with ``z = (x - loc) / scale``, written
    symmetrically in ``|z|`` so that neither tail overflows."""
    z, scale = standardized(x, loc, scale)
    a = fnp.abs(z)
    return fnp.negative(a) - 2 * fnp.log1p(fnp.exp(fnp.negative(a))) - fnp.log(scale)


def pdf(x, loc=0, scale=1):
    """The density."""
    return fnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    """``expit((x - loc) / scale)``."""
    z, _ = standardized(x, loc, scale)
    return special.expit(z)


def sf(x, loc=0, scale=1):
    """``P(X > x) = expit(-z)``."""
    z, _ = standardized(x, loc, scale)
    return special.expit(fnp.negative(z))


def ppf(q, loc=0, scale=1):
    """``loc + scale * logit(q)``."""
    q, loc, scale = floats(q, loc, scale)
    return fnp.add(fnp.multiply(special.logit(q), scale), loc)


def isf(q, loc=0, scale=1):
    """``loc - scale * logit(q)``."""
    q, loc, scale = floats(q, loc, scale)
    return fnp.subtract(loc, fnp.multiply(special.logit(q), scale))
