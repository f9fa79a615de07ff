"""Matrix construction and extraction (diagonals, triangles, traces) and the products
numpy defines beside ``dot``: composed from gathers, selects and contractions, so every
transform applies."""
import numpy as np

from ._base import asarray, normalize_axis, result_type
from ._linalg import dot, matmul, tensordot
from ._math import multiply, where
from ._reductions import sum
from ._shape import concatenate, moveaxis, reshape, stack, transpose


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal of ``a`` over ``axis1``/``axis2`` (``offset`` above it when positive),
    as a new last axis.

    >>> diagonal(np.arange(9).reshape(3, 3), 1)
    array([1, 5])
    """
    x = asarray(a)
    if x.ndim < 2:
        raise ValueError(f"diagonal requires an array of at least two dimensions, got shape {x.shape}")
    axis1, axis2 = normalize_axis(axis1, x.ndim, "diagonal"), normalize_axis(axis2, x.ndim, "diagonal")
    if axis1 == axis2:
        raise ValueError("diagonal: axis1 and axis2 cannot be the same")
    x = moveaxis(x, (axis1, axis2), (-2, -1))
    n, m = x.shape[-2:]
    rows = np.arange(max(0, -offset), min(n, m - offset))
    return x[..., rows, rows + offset] if rows.size else reshape(x[..., :0, 0], x.shape[:-2] + (0,))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None):
    """The sum of the diagonal (see :func:`diagonal`).

    >>> trace(np.eye(3))
    np.float64(3.0)
    """
    d = diagonal(a, offset, axis1, axis2)
    return sum(d, axis=-1, dtype=dtype)


def diag(v, k=0):
    """The ``k``-th diagonal of a 2-d ``v``, or a 2-d array with the 1-d ``v`` on its ``k``-th
    diagonal.

    >>> diag(np.array([1, 2]), 1)
    array([[0, 1, 0],
           [0, 0, 2],
           [0, 0, 0]])
    """
    v = asarray(v)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError(f"diag: input must be 1-d or 2-d, got shape {v.shape}")
    n = v.shape[0] + abs(k)
    rows = np.arange(v.shape[0]) + max(0, -k)
    source = np.full((n, n), v.shape[0])  # index into v, or into the zero after it
    source[rows, rows + k] = np.arange(v.shape[0])
    return concatenate([v, np.zeros(1, v.dtype)])[source]


def diagflat(v, k=0):
    """:func:`diag` of the flattened ``v``.

    >>> diagflat(np.array([[1, 2]]))
    array([[1, 0],
           [0, 2]])
    """
    return diag(reshape(asarray(v), (-1,)), k)


def tri(N, M=None, k=0, dtype=np.float64):
    """The ``N x M`` array with ones at and below the ``k``-th diagonal.

    >>> tri(2, 3, dtype=int)
    array([[1, 0, 0],
           [1, 1, 0]])
    """
    return np.tri(N, M, k, dtype)


def _triangle(a, k, lower, op):
    x = asarray(a)
    if x.ndim < 2:
        raise ValueError(f"{op}: input must have at least two dimensions, got shape {x.shape}")
    n, m = x.shape[-2:]
    mask = np.tri(n, m, k, bool) if lower else ~np.tri(n, m, k - 1, bool)
    return where(mask, x, np.zeros((), x.dtype))


def tril(m, k=0):
    """``m`` with the elements above the ``k``-th diagonal zeroed (over the last two axes).

    >>> tril(np.ones((2, 2)))
    array([[1., 0.],
           [1., 1.]])
    """
    return _triangle(m, k, True, "tril")


def triu(m, k=0):
    """``m`` with the elements below the ``k``-th diagonal zeroed (over the last two axes).

    >>> triu(np.ones((2, 2)))
    array([[1., 1.],
           [0., 1.]])
    """
    return _triangle(m, k, False, "triu")


def identity(n, dtype=None):
    """The ``n x n`` identity matrix.

    >>> identity(2, dtype=int)
    array([[1, 0],
           [0, 1]])
    """
    return np.identity(n, dtype)


def vdot(a, b):
    """The dot product of the flattened arrays.

    >>> vdot(np.ones((2, 2)), np.arange(4.0))
    np.float64(6.0)
    >>> vdot(np.array([1j]), np.array([1j]))
    np.complex128(1+0j)
    """
    from ._arrange import conj  # complex first operands are conjugated, as numpy's vdot
    return dot(reshape(conj(asarray(a)), (-1,)), reshape(asarray(b), (-1,)))


def inner(a, b):
    """The sum of products over the last axes of ``a`` and ``b`` (scalars multiply).

    >>> inner(np.ones((2, 3)), np.ones(3))
    array([3., 3.])
    """
    a, b = asarray(a), asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    return tensordot(a, b, ([-1], [-1]))


def kron(a, b):
    """The Kronecker product: blocks ``a[i, j] * b``.

    >>> kron(np.eye(2), np.array([[1, 2]]))
    array([[1., 2., 0., 0.],
           [0., 0., 1., 2.]])
    """
    a, b = asarray(a), asarray(b)
    ndim = max(a.ndim, b.ndim)
    a = reshape(a, (1,) * (ndim - a.ndim) + a.shape)
    b = reshape(b, (1,) * (ndim - b.ndim) + b.shape)
    # interleave the axes: (a0, b0, a1, b1, ...) then merge each pair
    outer_ab = multiply(reshape(a, tuple(d for n in a.shape for d in (n, 1))),
                                  reshape(b, tuple(d for n in b.shape for d in (1, n))))
    return reshape(outer_ab, tuple(n * m for n, m in zip(a.shape, b.shape)))


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (2-vectors give the z component) along the given axes.

    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(asarray(a), axisa, -1), moveaxis(asarray(b), axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError(f"cross: incompatible dimensions for cross product (dimension must be 2 "
                         f"or 3), got {a.shape[-1]} and {b.shape[-1]}")
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return multiply(a[..., 0], b[..., 1]) - multiply(a[..., 1], b[..., 0])
    a0, a1 = a[..., 0], a[..., 1]
    b0, b1 = b[..., 0], b[..., 1]
    a2 = a[..., 2] if a.shape[-1] == 3 else np.zeros((), result_type(a))
    b2 = b[..., 2] if b.shape[-1] == 3 else np.zeros((), result_type(b))
    c = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return moveaxis(c, -1, axisc)


def matrix_transpose(x):
    """Swap the last two axes.

    >>> matrix_transpose(np.ones((2, 3, 4))).shape
    (2, 4, 3)
    """
    x = asarray(x)
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: needs at least two dimensions, got shape {x.shape}")
    return transpose(x, tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))


def matvec(x1, x2):
    """Matrix-vector products over the last axes, with broadcast batch axes.

    >>> matvec(np.eye(2), np.array([3.0, 4.0]))
    array([3., 4.])
    """
    x2 = asarray(x2)
    return matmul(x1, x2[..., None])[..., 0]


def vecmat(x1, x2):
    """Vector-matrix products over the last axes, with broadcast batch axes.

    >>> vecmat(np.array([3.0, 4.0]), np.eye(2))
    array([3., 4.])
    """
    x1 = asarray(x1)
    return matmul(x1[..., None, :], x2)[..., 0, :]


def vecdot(x1, x2, axis=-1):
    """Dot products of vectors along ``axis``, with broadcasting.

    >>> vecdot(np.ones((2, 3)), np.arange(3.0))
    array([3., 3.])
    """
    return sum(multiply(asarray(x1), asarray(x2)), axis=axis)
