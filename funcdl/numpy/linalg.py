"""``funcdl.numpy.linalg``: jax.numpy.linalg's functions with numpy's semantics, on the
decomposition primitives (``funcdl/primitives/decompositions.py``), so each one is
differentiable, batched over leading axes, vmappable and jittable.

>>> import funcdl.numpy as fnp, numpy as np
>>> round(float(fnp.linalg.det(np.array([[2.0, 1.0], [1.0, 3.0]]))), 9)
5.0

Integer and boolean matrices are computed in float64 (numpy's choice), float16 ones in
float32; complex64 and complex128 matrices work everywhere (Hermitian ones where numpy
asks for symmetric ones: ``cholesky``, ``eigh``, ``hermitian=True``). ``eig`` calls LAPACK's geev through numpy,
also from generated code (numba's own ``eig`` refuses real matrices with complex
eigenvalues). Not here: ``qr(mode="complete")`` of a tall matrix (numba's LAPACK binding
has only the reduced factorization).
"""
import collections
import math

import numpy as np

from .. import primitives as P
from ..primitives import decompositions as D
from . import _base
from ._linalg import matmul, outer, tensordot
from ._matrices import cross as _cross
from ._matrices import diagonal as _diagonal
from ._matrices import matrix_transpose, vecdot
from ._matrices import trace as _trace

EigResult = collections.namedtuple("EigResult", "eigenvalues eigenvectors")
EighResult = collections.namedtuple("EighResult", "eigenvalues eigenvectors")
QRResult = collections.namedtuple("QRResult", "Q R")
SlogdetResult = collections.namedtuple("SlogdetResult", "sign logabsdet")
SVDResult = collections.namedtuple("SVDResult", "U S Vh")

__all__ = ["cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh", "inv",
           "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose",
           "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve", "svd", "svdvals", "tensordot",
           "tensorinv", "tensorsolve", "trace", "vecdot", "vector_norm", "EigResult", "EighResult",
           "QRResult", "SlogdetResult", "SVDResult", "LinAlgError"]

LinAlgError = np.linalg.LinAlgError


def _float(x):
    """``x`` as an array of a LAPACK dtype (float32, float64, complex64 or complex128)."""
    x = _base.asarray(x)
    if x.dtype.kind == "c":
        return x
    if x.dtype == np.float16:
        return _base.cast(x, np.float32)
    return x if x.dtype.kind == "f" else _base.cast(x, np.float64)


def _magnitudes(x):
    """|x| for complex ``x`` (what vector norms and most matrix norms see); others as is."""
    x = _base.asarray(x)
    return P.unary("abs", x) if x.dtype.kind == "c" else x


def _matrices(x, op, square=True):
    x = _float(x)
    if x.ndim < 2 or (square and x.shape[-1] != x.shape[-2]):
        what = "square matrices" if square else "matrices"
        raise P.structural.shape_error(f"linalg.{op}", f"needs {what} in the last two axes "
                                       "(a stack of them for more axes)", x.shape)
    return x


def _mT(x):
    return matrix_transpose(x)


def _mH(x):
    from ._arrange import conj  # noqa: PLC0415
    return conj(matrix_transpose(x))


def _symmetrized(a):
    """The symmetric (Hermitian, for complex ``a``) part of ``a``."""
    return (a + _mH(a)) * 0.5


def _eye(n, like):
    return np.eye(n, dtype=like.dtype)


# -- decompositions ------------------------------------------------------------------------


def cholesky(a, *, upper=False, symmetrize_input=True):
    """The Cholesky factor of a symmetric (Hermitian) positive-definite matrix: lower
    (``L @ L^H == a``), or upper (``L^H``) with ``upper=True``. The input is symmetrized first (as in JAX); with
    ``symmetrize_input=False`` only its lower triangle is read (as in numpy).

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
    array([[2., 0.],
           [1., 1.]])
    """
    a = _matrices(a, "cholesky")
    factor = D.cholesky(_symmetrized(a) if symmetrize_input else a)
    return _mH(factor) if upper else factor


def eigh(a, UPLO=None, symmetrize_input=True):
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric (Hermitian) matrix, as
    ``EighResult(eigenvalues, eigenvectors)``. The input is symmetrized first (as in JAX);
    otherwise ``UPLO`` ("L", the default, or "U") says which triangle is read.

    >>> eigh(np.array([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
    array([1., 3.])
    """
    a = _matrices(a, "eigh")
    if UPLO not in (None, "L", "U"):
        raise ValueError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    if symmetrize_input:
        a = _symmetrized(a)
    elif UPLO == "U":
        a = _mH(a)
    return EighResult(*D.eigh(a))


def eig(a):
    """``EigResult(eigenvalues, eigenvectors)``: the complex eigenvalues and unit right
    eigenvectors (columns) of a square matrix, ``a @ v == v * w``. Only the eigenvalues are
    differentiable (as in JAX); use :func:`eigvals` to differentiate them.

    >>> eig(np.array([[0.0, -1.0], [1.0, 0.0]])).eigenvalues
    array([0.+1.j, 0.-1.j])
    """
    return EigResult(*D.eig(_matrices(a, "eig")))


def eigvals(a):
    """The complex eigenvalues of a square matrix (differentiable where they are distinct).

    >>> eigvals(np.array([[2.0, 1.0], [0.0, 3.0]]))
    array([2.+0.j, 3.+0.j])
    """
    return D.eig(_matrices(a, "eigvals"), vectors=False)[0]


def eigvalsh(a, UPLO="L", *, symmetrize_input=True):
    """The eigenvalues of a symmetric matrix, ascending.

    >>> eigvalsh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    array([1., 3.])
    """
    return eigh(a, UPLO, symmetrize_input).eigenvalues


def svd(a, full_matrices=True, compute_uv=True, hermitian=False, subset_by_index=None):
    """The singular value decomposition ``SVDResult(U, S, Vh)`` with ``a == (U[..., :k] * S) @
    Vh[..., :k, :]`` and ``S`` descending; only ``S`` when ``compute_uv=False``. The derivative
    of ``full_matrices=True`` is defined for square matrices only (pass False otherwise).

    >>> svd(np.array([[3.0, 0.0], [0.0, 4.0]]), compute_uv=False)
    array([4., 3.])
    """
    a = _matrices(a, "svd", square=False)
    if hermitian:
        u, s, vh = _hermitian_svd(a)
    else:
        u, s, vh = D.svd(a, full_matrices and compute_uv)
    if subset_by_index is not None:
        start, end = subset_by_index
        u, s, vh = u[..., start:end], s[..., start:end], vh[..., start:end, :]
    return SVDResult(u, s, vh) if compute_uv else s


def _hermitian_svd(a):
    """The SVD of a symmetric (Hermitian) matrix from its eigendecomposition."""
    from ._indexing import take_along_axis  # noqa: PLC0415
    from ._statistics import argsort  # noqa: PLC0415
    from ._math import sign  # noqa: PLC0415
    from ._shape import flip  # noqa: PLC0415
    w, v = D.eigh(_symmetrized(a))
    s = abs(w)
    order = flip(argsort(s, axis=-1), -1)  # descending, ties in numpy's order
    u = take_along_axis(v, order[..., None, :], axis=-1)
    vh = _mH(u * take_along_axis(sign(w), order, axis=-1)[..., None, :])
    return u, take_along_axis(s, order, axis=-1), vh


def svdvals(x):
    """The singular values of ``x``, descending.

    >>> svdvals(np.diag([1.0, 5.0]))
    array([5., 1.])
    """
    return svd(x, full_matrices=False, compute_uv=False)


def qr(a, mode="reduced"):
    """The QR decomposition ``QRResult(Q, R)`` (``R`` alone for ``mode="r"``): ``Q`` with
    orthonormal columns, ``R`` upper triangular, ``a == Q @ R``.

    >>> qr(np.array([[3.0, 1.0], [4.0, 2.0]])).R.shape
    (2, 2)
    """
    a = _matrices(a, "qr", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    if mode == "complete" and a.shape[-2] > a.shape[-1]:
        raise ValueError(f"linalg.qr: mode='complete' of a tall matrix {a.shape[-2:]} is not "
                         "available (numba's LAPACK binding has only the reduced factorization); "
                         "use mode='reduced'")
    q, r = D.qr(a)
    return r if mode == "r" else QRResult(q, r)


# -- solves, inverses, determinants ---------------------------------------------------------


def solve(a, b):
    """``x`` with ``a @ x == b``; ``b`` is a vector (1-D) or a stack of matrices, and leading
    axes broadcast.

    >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 2.0]))
    array([1. , 0.5])
    """
    a = _matrices(a, "solve")
    a, b = _base.promote(a, _float(b))
    if b.ndim == 1:
        return solve(a, b[:, None])[..., 0]
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise P.structural.shape_error("linalg.solve", "b must be (n,) or (..., n, k) for an "
                                       "(..., n, n) matrix", a.shape, b.shape)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    from ._shape import broadcast_to  # noqa: PLC0415
    return D.solve(broadcast_to(a, batch + a.shape[-2:]), broadcast_to(b, batch + b.shape[-2:]))


def inv(a):
    """The inverse of each square matrix.

    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    return D.inverse(_matrices(a, "inv"))


def det(a):
    """The determinant of each square matrix (differentiable also where it is singular).

    >>> round(float(det(np.array([[1.0, 2.0], [3.0, 4.0]]))), 9)
    -2.0
    """
    return D.det(_matrices(a, "det"))


def slogdet(a, *, method=None):
    """``SlogdetResult(sign, logabsdet)`` of each square matrix.

    >>> slogdet(np.eye(2) * 2.0).logabsdet.round(6)
    np.float64(1.386294)
    """
    if method not in (None, "lu"):
        raise ValueError(f"linalg.slogdet: method must be None or 'lu', got {method!r}")
    return SlogdetResult(*D.slogdet(_matrices(a, "slogdet")))


def pinv(a, rtol=None, hermitian=False, *, rcond=None):
    """The Moore-Penrose pseudo-inverse. Singular values at most ``rtol`` (default ``10 *
    max(m, n) * eps``; ``rcond`` is its older name) times the largest count as zero.

    >>> pinv(np.array([[2.0], [0.0]]))
    array([[0.5, 0. ]])
    """
    a = _matrices(a, "pinv", square=False)
    rtol = rcond if rtol is None else rtol
    if rtol is None:
        rtol = 10 * max(a.shape[-2:]) * np.finfo(a.dtype).eps
    return D.pinv(_symmetrized(a) if hermitian else a, float(rtol))


def lstsq(a, b, rcond=None, *, numpy_resid=False):
    """The least-squares solution of ``a @ x ≈ b``: ``(x, residuals, rank, s)``. ``residuals``
    are the squared 2-norms of ``b - a @ x`` per column (numpy gives an empty array when the
    rank is below n or m <= n; ``numpy_resid=True`` asks for that, eagerly only).

    >>> lstsq(np.array([[1.0], [1.0]]), np.array([1.0, 3.0]))[0]
    array([2.])
    """
    a = _matrices(a, "lstsq", square=False)
    a, b = _base.promote(a, _float(b))
    if a.ndim != 2 or b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise P.structural.shape_error("linalg.lstsq", "needs an (m, n) matrix and a (m,) or "
                                       "(m, k) right-hand side", a.shape, b.shape)
    m, n = a.shape
    if rcond is None:
        rcond = np.finfo(a.dtype).eps * max(m, n)
    s = svdvals(a)
    x = matmul(D.pinv(a, float(rcond)), b)
    rank = _base.cast(matrix_rank(a, tol=s[0] * rcond), np.int32) if min(m, n) else np.int32(0)
    residual = _magnitudes(b - matmul(a, x))
    resid = _reductions().sum(residual * residual, axis=0)
    resid = resid.reshape(1) if b.ndim == 1 else resid  # numpy's shape for a vector b
    if numpy_resid:
        rank_value = rank.concrete_value("lstsq(numpy_resid=True)") if _base.is_traced(rank) else rank
        full = int(rank_value) == n and m > n
        resid = resid if full else np.zeros((0,), resid.dtype)
    return x, resid, rank, s


def _reductions():
    from . import _reductions  # noqa: PLC0415
    return _reductions


def matrix_rank(M, rtol=None, *, tol=None):
    """The number of singular values above ``tol`` (default: ``rtol`` times the largest, and
    ``rtol`` defaults to ``max(m, n) * eps``).

    >>> int(matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]])))
    1
    """
    M = _float(M)
    if M.ndim < 2:
        return _reductions().any(M != 0).astype(np.int64)
    s = svdvals(M)
    if tol is None:
        rtol = max(M.shape[-2:]) * np.finfo(M.dtype).eps if rtol is None else rtol
        tol = _reductions().max(s, axis=-1, keepdims=True) * rtol
    else:
        tol = _base.asarray(tol)[..., None]
    return _reductions().sum(s > tol, axis=-1)


def matrix_power(a, n):
    """``a`` multiplied by itself ``n`` times (``n`` an integer; negative powers invert).

    >>> matrix_power(np.array([[1.0, 1.0], [0.0, 1.0]]), 3)
    array([[1., 3.],
           [0., 1.]])
    """
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg.matrix_power: the exponent must be an integer, got {n!r}")
    a = _base.asarray(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise P.structural.shape_error("linalg.matrix_power", "needs square matrices", a.shape)
    if n == 0:
        from ._shape import broadcast_to  # noqa: PLC0415
        return broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
    if n < 0:
        a, n = inv(a), -n
    result, base = None, a
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def multi_dot(arrays, *, precision=None):
    """The product of a chain of matrices; the first may be a vector (a row), the last a
    vector (a column), as in numpy.

    >>> multi_dot([np.ones(2), np.eye(2), np.ones(2)])
    np.float64(2.0)
    """
    arrays = [_base.asarray(x) for x in arrays]
    if len(arrays) < 2:
        raise ValueError("linalg.multi_dot: needs at least two arrays")
    result = arrays[0]
    for x in arrays[1:]:
        result = matmul(result, x)
    return result


def cond(x, p=None):
    """The condition number of each matrix in the norm ``p`` (default 2: the ratio of the
    largest to the smallest singular value).

    >>> float(cond(np.diag([1.0, 4.0])))
    4.0
    """
    x = _matrices(x, "cond", square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = svdvals(x)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))


def tensorinv(a, ind=2):
    """The inverse of ``a`` seen as a linear map of its first ``ind`` axes.

    >>> tensorinv(np.eye(4).reshape(4, 2, 2), ind=1).shape
    (2, 2, 4)
    """
    a = _float(a)
    rows = math.prod(a.shape[:ind])
    if rows != math.prod(a.shape[ind:]):
        raise P.structural.shape_error("linalg.tensorinv", f"the first {ind} axes and the rest "
                                       "must have equal sizes", a.shape)
    return inv(a.reshape(rows, rows)).reshape(a.shape[ind:] + a.shape[:ind])


def tensorsolve(a, b, axes=None):
    """``x`` with ``tensordot(a, x, x.ndim) == b``.

    >>> tensorsolve(np.eye(4).reshape(2, 2, 4), np.ones((2, 2))).shape
    (4,)
    """
    a, b = _float(a), _float(b)
    if axes is not None:
        from ._shape import moveaxis  # noqa: PLC0415
        axes = [ax % a.ndim for ax in axes]
        a = moveaxis(a, axes, list(range(a.ndim - len(axes), a.ndim)))
    x_shape = a.shape[b.ndim:]
    size = math.prod(x_shape)
    if math.prod(a.shape[:b.ndim]) != size or a.shape[:b.ndim] != b.shape:
        raise P.structural.shape_error("linalg.tensorsolve", "a's leading axes must be b's shape "
                                       "and have the size of the rest", a.shape, b.shape)
    return solve(a.reshape(size, size), b.reshape(size)).reshape(x_shape)


# -- norms ------------------------------------------------------------------------------------


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """The vector ``ord``-norm over ``axis`` (all axes, flattened, by default).

    >>> float(vector_norm(np.array([3.0, 4.0])))
    5.0
    """
    x = _float(_magnitudes(x))
    if axis is None:
        out = _vector_norm(x.reshape(-1), ord, 0)
        return out.reshape((1,) * x.ndim) if keepdims else out
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if len(axes) != 1:
        from ._shape import moveaxis  # noqa: PLC0415
        axes = _base.normalize_axes(axes, x.ndim, "linalg.vector_norm")
        moved = moveaxis(x, axes, list(range(x.ndim - len(axes), x.ndim)))
        out = _vector_norm(moved.reshape(moved.shape[:x.ndim - len(axes)] + (-1,)), ord, -1)
        return _keep(out, x.ndim, axes) if keepdims else out
    return _vector_norm(x, ord, axes[0], keepdims)


def _keep(out, ndim, axes):
    shape = list(out.shape)
    for ax in sorted(a % ndim for a in axes):
        shape.insert(ax, 1)
    return out.reshape(shape)


def _vector_norm(x, ord, axis, keepdims=False):
    r = _reductions()
    mag = abs(x)
    if ord is None or ord == 2:
        return _base.asarray(r.sum(x * x, axis=axis, keepdims=keepdims)) ** 0.5
    if ord == np.inf:
        return r.max(mag, axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return r.min(mag, axis=axis, keepdims=keepdims)
    if ord == 0:
        return r.sum(x != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
    if ord == 1:
        return r.sum(mag, axis=axis, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"linalg.norm: invalid norm order {ord!r} for vectors")
    return _base.asarray(r.sum(mag ** ord, axis=axis, keepdims=keepdims)) ** (1.0 / ord)


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """The matrix ``ord``-norm of the last two axes: "fro", "nuc", 1, -1, 2, -2, inf, -inf.

    >>> float(matrix_norm(np.diag([3.0, 4.0]), ord=2))
    4.0
    """
    return norm(x, ord, axis=(-2, -1), keepdims=keepdims)


def _matrix_norm(x, ord, axes, keepdims):
    r = _reductions()
    row, col = axes
    if ord in (None, "fro"):
        return _base.asarray(r.sum(x * x, axis=axes, keepdims=keepdims)) ** 0.5
    if ord in ("nuc", 2, -2):
        from ._shape import moveaxis  # noqa: PLC0415
        s = svdvals(moveaxis(x, (row, col), (-2, -1)))
        out = {"nuc": r.sum, 2: r.max, -2: r.min}[ord](s, axis=-1)
        return _keep(out, x.ndim, axes) if keepdims else out
    if ord in (1, -1, np.inf, -np.inf):
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        sums = r.sum(abs(x), axis=summed, keepdims=True)
        out = (r.max if ord > 0 else r.min)(sums, axis=other, keepdims=True)
        return out if keepdims else out.reshape([d for i, d in enumerate(x.shape) if i not in (row, col)])
    raise ValueError(f"linalg.norm: invalid norm order {ord!r} for matrices")


def norm(x, ord=None, axis=None, keepdims=False):
    """numpy's ``linalg.norm``: the vector or matrix norm ``ord`` over ``axis`` (an int: vector
    norms; a pair: matrix norms; None: the 2-norm of the flattened array, or the norm of a 1-D
    or 2-D ``x`` when ``ord`` is given).

    >>> float(norm(np.array([[1.0, 2.0], [2.0, 4.0]]), "fro"))
    5.0
    """
    x = _base.asarray(x)
    matrix = (axis is None and x.ndim == 2 and ord is not None) or (axis is not None and np.ndim(axis) == 1
                                                                    and len(axis) == 2)
    if not (matrix and ord in (2, -2, "nuc")):  # these norms depend on |x| alone
        x = _magnitudes(x)
    x = _float(x)
    if axis is None:
        if ord is None or (ord == "fro" and x.ndim == 2) or (ord == 2 and x.ndim == 1):
            out = _vector_norm(x.reshape(-1), None, 0)
            return out.reshape((1,) * x.ndim) if keepdims else out
        if x.ndim not in (1, 2):
            raise ValueError(f"linalg.norm: ord={ord!r} needs a 1-D or 2-D array without axis, "
                             f"got {x.ndim}-D")
        axis = tuple(range(x.ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = _base.normalize_axes(axes, x.ndim, "linalg.norm")
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError(f"linalg.norm: axis must be an int or a pair, got {axis!r}")


# -- aliases with the array API's signatures --------------------------------------------------


def diagonal(x, /, *, offset=0):
    """The diagonals of the last two axes.

    >>> diagonal(np.eye(2))
    array([1., 1.])
    """
    return _diagonal(x, offset, -2, -1)


def trace(x, /, *, offset=0, dtype=None):
    """The sums of the diagonals of the last two axes.

    >>> float(trace(np.eye(3)))
    3.0
    """
    return _trace(x, offset, -2, -1, dtype)


def cross(x1, x2, /, *, axis=-1):
    """The cross product of 3-vectors along ``axis``.

    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    return _cross(x1, x2, axis=axis)

