"""The Pareto distribution of shape ``b`` (support ``z >= 1``), as ``jax.scipy.stats.pareto``.

>>> from funcdl.scipy.stats import pareto
>>> round(float(pareto.pdf(1.0, 3.0)), 12)
3.0
"""
import numpy as np

from ... import numpy as fnp
from ._base import standardized


def logpdf(x, b, loc=0, scale=1):
    """``log b - (b + 1) log z - log(scale)`` for ``z >= 1``, ``-inf`` below."""
    z, scale = standardized(x, loc, scale)
    b = fnp.asarray(b, z.dtype)
    safe = fnp.where(fnp.less(z, 1), 1.0, z)
    value = fnp.log(b) - (b + 1.0) * fnp.log(safe) - fnp.log(scale)
    return fnp.where(fnp.less(z, 1), -np.inf, value)


def pdf(x, b, loc=0, scale=1):
    """The density."""
    return fnp.exp(logpdf(x, b, loc, scale))
