"""The beta distribution on ``[loc, loc + scale]``, as ``jax.scipy.stats.beta`` (its cdf
needs the incomplete beta function, which funcdl does not have yet).

>>> from funcdl.scipy.stats import beta
>>> float(beta.pdf(0.5, 2.0, 2.0))
1.5
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import floats, outside, standardized


def logpdf(x, a, b, loc=0, scale=1):
    """``(a-1) log z + (b-1) log(1-z) - betaln(a, b) - log(scale)`` on ``[0, 1]``."""
    z, scale = standardized(x, loc, scale)
    a, b = floats(a, b)
    a, b = fnp.asarray(a, z.dtype), fnp.asarray(b, z.dtype)
    value = (special.xlogy(a - 1.0, z) + special.xlog1py(b - 1.0, fnp.negative(z))
             - special.betaln(a, b) - fnp.log(scale))
    return fnp.where(outside(z, 0.0, 1.0), -np.inf, value)


def pdf(x, a, b, loc=0, scale=1):
    """The density."""
    return fnp.exp(logpdf(x, a, b, loc, scale))
