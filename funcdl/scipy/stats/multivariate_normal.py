"""The multivariate normal distribution, as ``jax.scipy.stats.multivariate_normal``:
``x`` (..., n), ``mean`` (..., n), ``cov`` (..., n, n), through the Cholesky factor.

>>> import numpy as np
>>> from funcdl.scipy.stats import multivariate_normal
>>> round(float(multivariate_normal.logpdf(np.zeros(2), np.zeros(2), np.eye(2))), 12)
-1.837877066409
"""
import numpy as np

from ... import numpy as fnp
from ._base import floats


def logpdf(x, mean, cov, allow_singular=None):
    """``-(d^T cov^-1 d) / 2 - log det(cov) / 2 - n log(2 pi) / 2`` with ``d = x - mean``
    (``allow_singular`` is accepted for compatibility; a singular ``cov`` gives nan)."""
    x, mean, cov = floats(x, mean, cov)
    n = x.shape[-1] if x.ndim else 1
    if cov.ndim == 0:
        cov = fnp.multiply(cov, fnp.eye(n, dtype=cov.dtype))
    elif cov.ndim == 1:
        cov = fnp.multiply(fnp.eye(n, dtype=cov.dtype), cov)
    if cov.shape[-2:] != (n, n):
        raise ValueError(f"multivariate_normal.logpdf: cov must be (..., {n}, {n}) for x "
                         f"{x.shape}, got {cov.shape}")
    factor = fnp.linalg.cholesky(cov)
    d = fnp.subtract(x, mean)
    y = fnp.linalg.solve(factor, d[..., None])[..., 0]
    log_det = fnp.sum(fnp.log(fnp.diagonal(factor, axis1=-2, axis2=-1)), axis=-1)
    return -0.5 * fnp.sum(y * y, axis=-1) - log_det - 0.5 * n * float(np.log(2 * np.pi))


def pdf(x, mean, cov, allow_singular=None):
    """The density."""
    return fnp.exp(logpdf(x, mean, cov, allow_singular))
