"""Precompiled numba kernels of the matrix decompositions: each takes a stack of matrices
(shape ``(batch, m, n)``) and applies numba's LAPACK-backed ``np.linalg`` function to
every one (real or complex; eigenvalues, singular values and log-determinants are
real). Compiled once per dtype and kept in numba's disk cache, so a program that
uses them pays only for its own code (``np.linalg`` costs 0.3-1 s of compile time per
function and dtype)."""
import numba
import numpy as np


@numba.njit(cache=True)
def cholesky(a):
    """Lower Cholesky factors (each matrix's lower triangle is read)."""
    out = np.empty_like(a)
    for b in range(a.shape[0]):
        out[b] = np.linalg.cholesky(a[b])
    return out


@numba.njit(cache=True)
def triangular_solve(a, x, lower, transpose_a):
    """``op(A) X = B`` solved in place of ``x`` (a copy of B) by substitution; ``op`` is the
    transpose when ``transpose_a``; only A's ``lower`` (or upper) triangle is read."""
    n, k = x.shape[1], x.shape[2]
    forward = lower != transpose_a  # L X = B and U^T X = B run from the first row down
    for b in range(x.shape[0]):
        for step in range(n):
            i = step if forward else n - 1 - step
            lo, hi = (0, i) if forward else (i + 1, n)
            for j in range(k):
                acc = x[b, i, j]
                for t in range(lo, hi):
                    coef = a[b, t, i] if transpose_a else a[b, i, t]
                    acc -= coef * x[b, t, j]
                x[b, i, j] = acc / a[b, i, i]
    return x


@numba.njit(cache=True)
def solve(a, rhs):
    """``A X = B`` for each pair of matrices (LU with partial pivoting)."""
    out = np.empty_like(rhs)
    for b in range(a.shape[0]):
        out[b] = np.linalg.solve(a[b], rhs[b])
    return out


@numba.njit(cache=True)
def det(a):
    out = np.empty(a.shape[0], dtype=a.dtype)
    for b in range(a.shape[0]):
        out[b] = np.linalg.det(a[b])
    return out


@numba.njit(cache=True)
def slogdet(a):
    sign, logdet = np.empty(a.shape[0], dtype=a.dtype), np.empty(a.shape[0], dtype=a.real.dtype)
    for b in range(a.shape[0]):
        sign[b], logdet[b] = np.linalg.slogdet(a[b])
    return sign, logdet


@numba.njit(cache=True)
def eigh(a):
    """Ascending eigenvalues and eigenvectors (columns); each lower triangle is read."""
    n = a.shape[1]
    w, v = np.empty((a.shape[0], n), dtype=a.real.dtype), np.empty_like(a)
    for b in range(a.shape[0]):
        w[b], v[b] = np.linalg.eigh(a[b])
    return w, v


@numba.njit(cache=True)
def svd(a, full_matrices):
    m, n = a.shape[1], a.shape[2]
    k = min(m, n)
    ucols, vrows = (m, n) if full_matrices else (k, k)
    u = np.empty((a.shape[0], m, ucols), dtype=a.dtype)
    s = np.empty((a.shape[0], k), dtype=a.real.dtype)
    vt = np.empty((a.shape[0], vrows, n), dtype=a.dtype)
    for b in range(a.shape[0]):
        u[b], s[b], vt[b] = np.linalg.svd(a[b], full_matrices=full_matrices)
    return u, s, vt


@numba.njit(cache=True)
def qr(a):
    """Reduced QR: ``q`` of shape (m, k), ``r`` of shape (k, n), ``k = min(m, n)``."""
    m, n = a.shape[1], a.shape[2]
    k = min(m, n)
    q, r = np.empty((a.shape[0], m, k), dtype=a.dtype), np.empty((a.shape[0], k, n), dtype=a.dtype)
    for b in range(a.shape[0]):
        q[b], r[b] = np.linalg.qr(a[b])
    return q, r


@numba.njit(cache=True)
def pinv(a, rtol):
    out = np.empty((a.shape[0], a.shape[2], a.shape[1]), dtype=a.dtype)
    for b in range(a.shape[0]):
        out[b] = np.linalg.pinv(a[b], rcond=rtol)
    return out
