"""The Dirichlet distribution of concentrations ``alpha`` (K,), as
``jax.scipy.stats.dirichlet``: ``x`` has the K categories on its first axis.

>>> import numpy as np
>>> from funcdl.scipy.stats import dirichlet
>>> float(dirichlet.pdf(np.array([0.5, 0.5]), np.array([1.0, 1.0])))
1.0
"""
import numpy as np

from ... import numpy as fnp
from .. import special
from ._base import floats


def logpdf(x, alpha):
    """``sum((alpha - 1) log x) - sum(gammaln(alpha)) + gammaln(sum(alpha))`` on the simplex
    (the K entries of ``x`` non-negative and summing to 1 within 1e-6), ``-inf`` off it."""
    x, alpha = floats(x, alpha)
    if alpha.ndim != 1 or x.shape[:1] != alpha.shape:
        raise ValueError(f"dirichlet.logpdf: alpha must be (K,) and x (K, ...), got alpha "
                         f"{alpha.shape} and x {x.shape}")
    a = fnp.reshape(alpha, alpha.shape + (1,) * (x.ndim - 1))
    log_norm = fnp.sum(special.gammaln(alpha)) - special.gammaln(fnp.sum(alpha))
    value = fnp.sum(special.xlogy(a - 1.0, x), axis=0) - log_norm
    on_simplex = fnp.logical_and(fnp.all(fnp.greater_equal(x, 0), axis=0),
                                 fnp.less(fnp.abs(fnp.sum(x, axis=0) - 1.0), 1e-6))
    return fnp.where(on_simplex, value, -np.inf)


def pdf(x, alpha):
    """The density."""
    return fnp.exp(logpdf(x, alpha))
