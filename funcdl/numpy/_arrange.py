"""Rearranging arrays (rolls, rotations, axis permutations, tiling into blocks), index grids,
and the constructors numpy has beside ``zeros``/``ones``; composed from the shape primitives
(or computed with numpy when they depend only on static arguments)."""
import builtins

import numpy as np

from .. import primitives as P
from ..core import Tracer
from ._base import asarray, cast, normalize_axes, normalize_axis
from ._creation import zeros_like
from ._indexing import take
from ._math import arctan2, equal, multiply, not_equal, power, remainder, subtract, where
from ._shape import concatenate, flip, moveaxis, ravel, reshape, stack, transpose


def roll(a, shift, axis=None):
    """Elements shifted by ``shift`` along ``axis`` (the flattened array when None), those
    falling off the end coming back at the start; ``shift`` may be traced.

    >>> roll(np.arange(5), 2)
    array([3, 4, 0, 1, 2])
    """
    x = asarray(a)
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), x.shape)
    if isinstance(shift, Tracer) or np.ndim(shift) == 0 and np.ndim(axis) == 0:
        pairs = [(shift, axis)]
    else:
        pairs = list(np.broadcast(shift, axis))
    for s, ax in pairs:
        ax = normalize_axis(ax, x.ndim, "roll")
        n = x.shape[ax]
        if n == 0:
            continue
        if isinstance(s, Tracer):  # a gather at traced offsets
            x = take(x, remainder(subtract(np.arange(n), s), n), axis=ax)
        elif int(s) % n:
            s = int(s) % n
            head, tail = [slice(None)] * x.ndim, [slice(None)] * x.ndim
            head[ax], tail[ax] = slice(n - s, n), slice(0, n - s)
            x = concatenate([x[tuple(head)], x[tuple(tail)]], ax)
    return x


def rot90(m, k=1, axes=(0, 1)):
    """``m`` rotated by ``k`` quarter turns in the plane of ``axes`` (from the first toward
    the second).

    >>> rot90(np.array([[1, 2], [3, 4]]))
    array([[2, 4],
           [1, 3]])
    """
    x = asarray(m)
    a0, a1 = (normalize_axis(a, x.ndim, "rot90") for a in axes)
    if a0 == a1:
        raise ValueError("rot90: the axes must be different")
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return flip(flip(x, a0), a1)
    perm = list(range(x.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    return transpose(flip(x, a1), perm) if k == 1 else flip(transpose(x, perm), a1)


def fliplr(m):
    """Reverse the columns (axis 1).

    >>> fliplr(np.array([[1, 2]]))
    array([[2, 1]])
    """
    return flip(m, 1)


def flipud(m):
    """Reverse the rows (axis 0).

    >>> flipud(np.array([1, 2]))
    array([2, 1])
    """
    return flip(m, 0)


def rollaxis(a, axis, start=0):
    """Move ``axis`` to before position ``start`` (numpy's older form of ``moveaxis``).

    >>> rollaxis(np.ones((2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    x = asarray(a)
    axis = normalize_axis(axis, x.ndim, "rollaxis")
    start = start + x.ndim if start < 0 else start
    if not 0 <= start <= x.ndim:
        raise ValueError(f"rollaxis: start {start} is out of range for a {x.ndim}-d array")
    if axis < start:
        start -= 1
    return moveaxis(x, axis, start)


def permute_dims(a, axes=None):
    """The array API's ``transpose``.

    >>> permute_dims(np.ones((2, 3)), (1, 0)).shape
    (3, 2)
    """
    return transpose(a, axes)


def concat(arrays, /, *, axis=0):
    """The array API's ``concatenate``.

    >>> concat([np.ones(2), np.zeros(1)])
    array([1., 1., 0.])
    """
    return concatenate(arrays, axis)


def unstack(x, /, *, axis=0):
    """The slices of ``x`` along ``axis``, as a tuple.

    >>> [a.tolist() for a in unstack(np.array([[1, 2], [3, 4]]))]
    [[1, 2], [3, 4]]
    """
    x = asarray(x)
    moved = moveaxis(x, normalize_axis(axis, x.ndim, "unstack"), 0)
    return tuple(moved[i] for i in range(moved.shape[0]))


def resize(a, new_shape):
    """An array of ``new_shape`` filled with the elements of ``a`` repeated in order.

    >>> resize(np.array([1, 2, 3]), (2, 2))
    array([[1, 2],
           [3, 1]])
    """
    x = ravel(asarray(a))
    shape = (new_shape,) if isinstance(new_shape, (int, np.integer)) else tuple(new_shape)
    total = int(np.prod(shape, dtype=np.int64))
    if x.shape[0] == 0 or total == 0:
        return np.zeros(shape, x.dtype)
    return reshape(x[np.arange(total) % x.shape[0]], shape)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """Coordinate arrays from 1-d coordinate vectors (``indexing='xy'``: the first two
    outputs' axes are swapped, as in matplotlib).

    >>> [g.shape for g in meshgrid(np.arange(3), np.arange(2))]
    [(2, 3), (2, 3)]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    vectors = [ravel(asarray(x)) for x in xi]
    n = len(vectors)
    shapes = [[1] * n for _ in vectors]
    for i, v in enumerate(vectors):
        shapes[i][i] = v.shape[0]
    if indexing == "xy" and n >= 2:
        for s in shapes:
            s[0], s[1] = s[1], s[0]
    grids = [reshape(v, s) for v, s in zip(vectors, shapes)]
    if sparse:
        return tuple(grids)
    full = tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))
    from ._shape import broadcast_to
    return tuple(broadcast_to(g, full) for g in grids)


def indices(dimensions, dtype=int, sparse=False):
    """The index grid of an array of shape ``dimensions`` (a leading axis per dimension).

    >>> indices((2, 2))[1]
    array([[0, 1],
           [0, 1]])
    """
    return np.indices(dimensions, dtype, sparse)


ix_, broadcast_shapes = np.ix_, np.broadcast_shapes
diag_indices, tril_indices, triu_indices, mask_indices = (np.diag_indices, np.tril_indices,
                                                           np.triu_indices, np.mask_indices)


def diag_indices_from(arr):
    """:func:`diag_indices` for the (square) shape of ``arr``.

    >>> diag_indices_from(np.ones((2, 2)))
    (array([0, 1]), array([0, 1]))
    """
    x = asarray(arr)
    if x.ndim < 2 or len(set(x.shape)) != 1:
        raise ValueError(f"diag_indices_from: input must be an array of at least 2 dimensions with "
                         f"equal lengths, got shape {x.shape}")
    return np.diag_indices(x.shape[0], x.ndim)


def tril_indices_from(arr, k=0):
    """:func:`tril_indices` for the last two axes of ``arr``.

    >>> tril_indices_from(np.ones((2, 2)))
    (array([0, 1, 1]), array([0, 0, 1]))
    """
    shape = asarray(arr).shape
    return np.tril_indices(shape[-2], k, shape[-1])


def triu_indices_from(arr, k=0):
    """:func:`triu_indices` for the last two axes of ``arr``.

    >>> triu_indices_from(np.ones((2, 2)))
    (array([0, 0, 1]), array([0, 1, 1]))
    """
    shape = asarray(arr).shape
    return np.triu_indices(shape[-2], k, shape[-1])


def fill_diagonal(a, val, wrap=False, *, inplace=False):
    """A copy of ``a`` with its main diagonal set to ``val`` (repeated along it when shorter),
    as numpy's ``fill_diagonal``; funcdl arrays are immutable, so ``inplace=True`` is an
    error, as in JAX.

    >>> fill_diagonal(np.zeros((2, 2)), 5.0)
    array([[5., 0.],
           [0., 5.]])
    """
    if inplace:
        raise ValueError("fill_diagonal: inplace=True is not supported (funcdl arrays are immutable); "
                         "use the returned array")
    x = asarray(a)
    if x.ndim < 2 or (x.ndim > 2 and len(set(x.shape)) != 1):
        raise ValueError(f"fill_diagonal: array must be at least 2-d, with equal lengths beyond 2-d, "
                         f"got shape {x.shape}")
    if x.ndim == 2:  # numpy's flat stride through the diagonal
        step, end = x.shape[1] + 1, None if wrap else x.shape[1] * x.shape[1]
    else:
        step, end = 1 + int(np.cumprod(x.shape[:-1]).sum()), None
    positions = np.arange(x.size)[:end:step]
    mask = np.zeros(x.size, bool)
    mask[positions] = True
    values = ravel(asarray(val))
    source = np.zeros(x.size, np.int64)
    source[positions] = np.arange(positions.size) % builtins.max(values.shape[0], 1)
    return where(reshape(mask, x.shape), reshape(cast(values[source], x.dtype), x.shape), x)


def block(arrays):
    """Assemble an array from nested lists of blocks (the innermost lists join along the last
    axis, the next ones along the axis before).

    >>> block([[np.ones((1, 2)), np.zeros((1, 1))], [np.zeros((1, 3))]])
    array([[1., 1., 0.],
           [0., 0., 0.]])
    """
    def depth(x):
        return 1 + depth(x[0]) if isinstance(x, list) and x else 0
    levels = depth(arrays)

    def ndim_of(x):
        return max(ndim_of(e) for e in x) if isinstance(x, list) else asarray(x).ndim
    ndim = max(ndim_of(arrays), levels)

    def assemble(x, level):
        if not isinstance(x, list):
            x = asarray(x)
            return reshape(x, (1,) * (ndim - x.ndim) + x.shape)
        return concatenate([assemble(e, level + 1) for e in x], ndim - levels + level)
    return assemble(arrays, 0)


def empty(shape, dtype=None):
    """An array of ``shape`` (zeros: funcdl never returns uninitialised memory).

    >>> empty(2)
    array([0., 0.])
    """
    return np.zeros(shape, np.float64 if dtype is None else dtype)


def empty_like(prototype, dtype=None, shape=None):
    """:func:`empty` with the shape and dtype of ``prototype``.

    >>> empty_like(np.ones(2, np.int32))
    array([0, 0], dtype=int32)
    """
    x = asarray(prototype)
    return np.zeros(x.shape if shape is None else shape, x.dtype if dtype is None else dtype)


def copy(a, order="K"):
    """A copy of ``a`` (traced values are immutable, so they are returned as they are).

    >>> copy(np.ones(2))
    array([1., 1.])
    """
    return a if isinstance(a, Tracer) else np.array(a, copy=True)


def astype(x, dtype, /, *, copy=False):
    """``x`` cast to ``dtype`` (the array API's function form of ``x.astype``).

    >>> astype(np.array([1.7, -1.7]), np.int32)
    array([ 1, -1], dtype=int32)
    """
    return cast(asarray(x), np.dtype(dtype))


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``.

    >>> logspace(0, 2, 3)
    array([  1.,  10., 100.])
    """
    from ._creation import linspace
    exponents = linspace(start, stop, num, endpoint, axis=axis)
    out = power(np.asarray(base, np.float64), exponents)
    return out if dtype is None else cast(out, dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Numbers spaced evenly on a log scale from ``start`` to ``stop`` (both included with
    ``endpoint``), of one sign.

    >>> geomspace(1, 1000, 4)
    array([   1.,   10.,  100., 1000.])
    """
    start, stop = np.asarray(start, np.float64), np.asarray(stop, np.float64)
    if np.any(start == 0) or np.any(stop == 0):
        raise ValueError("geomspace: start and stop must be nonzero")
    return np.geomspace(start, stop, num, endpoint, dtype, axis)


def select(condlist, choicelist, default=0):
    """The element of the first choice whose condition holds, ``default`` where none does.

    >>> select([np.array([True, False]), np.array([True, True])], [np.ones(2), np.zeros(2)], -1.0)
    array([1., 0.])
    """
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: list of cases must be same length as list of conditions "
                         f"({len(condlist)} conditions, {len(choicelist)} choices)")
    if not condlist:
        raise ValueError("select: select with an empty condition list is not possible")
    out = asarray(default)
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        cond = asarray(cond)
        if cond.dtype != np.bool_:
            raise TypeError(f"select: invalid entry in condlist: should be boolean ndarray, got "
                            f"{cond.dtype.name}")
        out = where(cond, choice, out)
    return out


def _window(name, fn):
    def window(M):
        return fn(M)
    window.__name__ = name
    window.__doc__ = f"numpy's {name} window of ``M`` points (a constant array).\n\n" \
                     f">>> {name}(3).shape\n(3,)"
    return window


bartlett, blackman, hamming, hanning = (_window(n, getattr(np, n)) for n in
                                        ("bartlett", "blackman", "hamming", "hanning"))


def kaiser(M, beta):
    """numpy's Kaiser window of ``M`` points with shape parameter ``beta`` (constant).

    >>> kaiser(3, 5.0).shape
    (3,)
    """
    return np.kaiser(M, beta)


def _is_complex(x):
    return x.dtype.kind == "c"


def real(val):
    """The real part (a real array itself).

    >>> real(np.array([1.5 + 2j]))
    array([1.5])
    """
    x = asarray(val)
    return P.unary("real", x) if _is_complex(x) else x


def imag(val):
    """The imaginary part (zeros for real arrays).

    >>> imag(np.array([1.5 + 2j]))
    array([2.])
    """
    x = asarray(val)
    return P.unary("imag", x) if _is_complex(x) else zeros_like(x)


def conj(x):
    """The complex conjugate (a real array itself).

    >>> conj(np.array([2.0 + 1j]))
    array([2.-1.j])
    """
    x = asarray(x)
    return P.unary("conj", x) if _is_complex(x) else x


conjugate = conj


def angle(z, deg=False):
    """The argument ``arctan2(imag, real)`` of each element: for reals 0, or pi (180 with
    ``deg``) for negative numbers and -0.0.

    >>> angle(np.array([-2.0, 1j]))
    array([3.14159265, 1.57079633])
    """
    x = asarray(z)
    if _is_complex(x):
        out = arctan2(P.unary("imag", x), P.unary("real", x))
    else:
        x = x if x.dtype.kind == "f" else cast(x, np.float64)
        out = arctan2(np.zeros((), x.dtype), x)
    return multiply(out, 180.0 / np.pi) if deg else out


def iscomplex(x):
    """Whether each element has a nonzero imaginary part.

    >>> iscomplex(np.array([1.0, 1j]))
    array([False,  True])
    """
    x = asarray(x)
    return not_equal(imag(x), 0) if _is_complex(x) else np.zeros(x.shape, bool)


def isreal(x):
    """Whether each element has a zero imaginary part.

    >>> isreal(np.array([1.0, 1j]))
    array([ True, False])
    """
    x = asarray(x)
    return equal(imag(x), 0) if _is_complex(x) else np.ones(x.shape, bool)
