"""Stacking, splitting and dimension padding with numpy semantics, composed from
``reshape``, ``concatenate`` and ``split`` (so every transform applies to them)."""
import numpy as np

from ._base import asarray, normalize_axis
from ._shape import concatenate, ravel, reshape, split


def _atleast(arys, ndim, place):
    out = []
    for a in arys:
        x = asarray(a)
        out.append(x if x.ndim >= ndim else reshape(x, place(x.shape)))
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys):
    """Arrays with at least one dimension (one array, or a tuple of them).

    >>> atleast_1d(3.0)
    array([3.])
    """
    return _atleast(arys, 1, lambda s: s or (1,))


def atleast_2d(*arys):
    """Arrays with at least two dimensions: a vector ``(n,)`` becomes ``(1, n)``.

    >>> atleast_2d(np.ones(3)).shape
    (1, 3)
    """
    return _atleast(arys, 2, lambda s: (1,) * (2 - len(s)) + s)


def atleast_3d(*arys):
    """Arrays with at least three dimensions: ``(n,)`` becomes ``(1, n, 1)``, ``(m, n)``
    becomes ``(m, n, 1)``.

    >>> atleast_3d(np.ones((2, 3))).shape
    (2, 3, 1)
    """
    def place(s):
        return {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)]
    return _atleast(arys, 3, place)


def _as_list(arrays, op):
    if isinstance(arrays, np.ndarray) or hasattr(arrays, "aval"):
        raise TypeError(f"{op}: expected a sequence of arrays, got one array; pass "
                        f"list(x) to {op} its rows")
    return list(arrays)


def vstack(tup):
    """Stack arrays row-wise (along axis 0, after ``atleast_2d``).

    >>> vstack([np.ones(2), np.zeros(2)])
    array([[1., 1.],
           [0., 0.]])
    """
    return concatenate([atleast_2d(a) for a in _as_list(tup, "vstack")], 0)


row_stack = vstack


def hstack(tup):
    """Stack arrays column-wise (along axis 1; axis 0 for vectors).

    >>> hstack([np.ones(2), np.zeros(1)])
    array([1., 1., 0.])
    """
    arrays = [atleast_1d(a) for a in _as_list(tup, "hstack")]
    return concatenate(arrays, 0 if arrays and arrays[0].ndim == 1 else 1)


def dstack(tup):
    """Stack arrays depth-wise (along axis 2, after ``atleast_3d``).

    >>> dstack([np.ones(2), np.zeros(2)]).shape
    (1, 2, 2)
    """
    return concatenate([atleast_3d(a) for a in _as_list(tup, "dstack")], 2)


def column_stack(tup):
    """Stack vectors as columns of a matrix (2-d arrays are stacked as they are).

    >>> column_stack([np.ones(2), np.zeros(2)])
    array([[1., 0.],
           [1., 0.]])
    """
    arrays = [asarray(a) for a in _as_list(tup, "column_stack")]
    return concatenate([reshape(a, (-1, 1)) if a.ndim < 2 else a for a in arrays], 1)


def append(arr, values, axis=None):
    """``arr`` with ``values`` appended (both flattened when ``axis`` is None).

    >>> append(np.array([1, 2]), [[3], [4]])
    array([1, 2, 3, 4])
    """
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], 0)
    return concatenate([arr, values], axis)


def array_split(ary, indices_or_sections, axis=0):
    """``split`` that allows unequal sections: the first ``n % sections`` parts get one
    element more.

    >>> [p.shape for p in array_split(np.arange(7), 3)]
    [(3,), (2,), (2,)]
    """
    x = asarray(ary)
    if not isinstance(indices_or_sections, (int, np.integer)):
        return split(x, indices_or_sections, axis)
    sections = int(indices_or_sections)
    if sections <= 0:
        raise ValueError(f"array_split: number of sections must be larger than 0, got {sections}")
    n = x.shape[normalize_axis(axis, x.ndim, "array_split")]
    size, extra = divmod(n, sections)
    bounds = np.cumsum([size + 1] * extra + [size] * (sections - extra))[:-1]
    return split(x, [int(b) for b in bounds], axis)


def hsplit(ary, indices_or_sections):
    """``split`` along axis 1 (axis 0 for vectors).

    >>> [p.shape for p in hsplit(np.ones((2, 4)), 2)]
    [(2, 2), (2, 2)]
    """
    x = asarray(ary)
    if x.ndim == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(x, indices_or_sections, 1 if x.ndim > 1 else 0)


def vsplit(ary, indices_or_sections):
    """``split`` along axis 0 of an array of at least 2 dimensions.

    >>> [p.shape for p in vsplit(np.ones((4, 2)), 2)]
    [(2, 2), (2, 2)]
    """
    x = asarray(ary)
    if x.ndim < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(x, indices_or_sections, 0)


def dsplit(ary, indices_or_sections):
    """``split`` along axis 2 of an array of at least 3 dimensions.

    >>> [p.shape for p in dsplit(np.ones((1, 2, 4)), 2)]
    [(1, 2, 2), (1, 2, 2)]
    """
    x = asarray(ary)
    if x.ndim < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(x, indices_or_sections, 2)
