"""``funcdl.lax.linalg``: the decompositions under jax.lax.linalg's names and conventions
(eigenvectors before eigenvalues, ``full_matrices=True`` by default, right-side triangular
solves by default). They are the primitives of ``funcdl/primitives/decompositions.py``.

>>> import funcdl.lax as lax, numpy as np
>>> lax.linalg.cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
array([[2., 0.],
       [1., 1.]])
"""
import numpy as np

from . import numpy as fnp
from .numpy import linalg as _linalg
from .primitives import decompositions as D


def cholesky(x, *, symmetrize_input=True):
    """The lower Cholesky factor of each symmetric positive-definite matrix.

    >>> cholesky(np.eye(2) * 4.0)
    array([[2., 0.],
           [0., 2.]])
    """
    return _linalg.cholesky(x, symmetrize_input=symmetrize_input)


def eigh(x, *, lower=True, symmetrize_input=True, sort_eigenvalues=True, subset_by_index=None):
    """``(v, w)``: the eigenvectors (columns) and ascending eigenvalues of each symmetric
    matrix (``lower`` says which triangle is read when the input is not symmetrized).

    >>> eigh(np.diag([2.0, 1.0]))[1]
    array([1., 2.])
    """
    w, v = _linalg.eigh(x, "L" if lower else "U", symmetrize_input)
    if subset_by_index is not None:
        start, end = subset_by_index
        w, v = w[..., start:end], v[..., start:end]
    return v, w


def svd(x, *, full_matrices=True, compute_uv=True, subset_by_index=None, algorithm=None):
    """``(u, s, vh)`` (``s`` alone without ``compute_uv``), singular values descending.

    >>> svd(np.diag([1.0, 3.0]), compute_uv=False)
    array([3., 1.])
    """
    return _linalg.svd(x, full_matrices, compute_uv, subset_by_index=subset_by_index)


def qr(x, *, pivoting=False, full_matrices=True, use_magma=None):
    """``(q, r)`` with ``x == q @ r`` (``full_matrices=False``: the reduced factorization).

    >>> qr(np.eye(2))[1]
    array([[1., 0.],
           [0., 1.]])
    """
    if pivoting:
        raise ValueError("lax.linalg.qr: pivoting=True is not available (numba's LAPACK binding "
                         "has no pivoted QR)")
    return tuple(_linalg.qr(x, "complete" if full_matrices else "reduced"))


def triangular_solve(a, b, *, left_side=False, lower=False, transpose_a=False, conjugate_a=False,
                     unit_diagonal=False):
    """``x`` with ``op(a) @ x == b`` (``left_side``) or ``x @ op(a) == b``, ``a`` triangular
    (only its ``lower`` or upper triangle is read; its diagonal is taken as ones with
    ``unit_diagonal``); ``op`` transposes when ``transpose_a`` and conjugates when
    ``conjugate_a``.

    >>> triangular_solve(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([[2.0], [3.0]]),
    ...                  left_side=True, lower=True)
    array([[1.],
           [2.]])
    """
    a, b = fnp.asarray(a), fnp.asarray(b)
    a, b = _linalg._base.promote(_linalg._float(a), b)
    if conjugate_a:
        a = fnp.conj(a)
    if unit_diagonal:
        eye = np.eye(a.shape[-1], dtype=a.dtype)
        a = a * (1 - eye) + eye
    if left_side:
        return D.triangular_solve(a, b, lower, transpose_a)
    return fnp.swapaxes(D.triangular_solve(a, fnp.swapaxes(b, -1, -2), lower, not transpose_a), -1, -2)
