"""Student's t distribution with ``df`` degrees of freedom, as ``jax.scipy.stats.t``.

>>> from funcdl.scipy.stats import t
>>> round(float(t.pdf(0.0, 1.0)), 12)  # the Cauchy density at 0
0.318309886184
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import standardized


def logpdf(x, df, loc=0, scale=1):
    """``gammaln((df+1)/2) - gammaln(df/2) - log(pi df)/2 - (df+1)/2 log1p(z**2/df) - log(scale)``."""
    z, scale = standardized(x, loc, scale)
    df = fnp.asarray(df, z.dtype)
    half = (df + 1.0) / 2.0
    return (special.gammaln(half) - special.gammaln(df / 2.0) - 0.5 * fnp.log(np.pi * df)
            - half * fnp.log1p(z * z / df) - fnp.log(scale))


def pdf(x, df, loc=0, scale=1):
    """The density."""
    return fnp.exp(logpdf(x, df, loc, scale))
