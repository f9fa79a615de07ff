"""Functions whose output shape depends on the input's values (``nonzero``, ``unique``,
``argwhere``, the set operations...).

When the values are known (eagerly, and under ``grad`` outside ``jit``) the indices are
computed from them and the data is gathered, so derivatives flow through the data. When
they are abstract (inside ``jit`` or ``vmap``), JAX's ``size=`` (and ``fill_value=``) give a
static output shape: the first ``size`` results, padded with ``fill_value``; without it a
ConcretizationError says so.
"""
import numpy as np

from ..core import Tracer
from ..errors import ConcretizationError
from ._base import asarray, real_only
from ._math import equal, greater, less, logical_and, logical_not, not_equal, subtract, where
from ._reductions import any, cumsum, sum
from ._shape import concatenate, ravel, reshape
from ._statistics import argsort, sort


def _known(x, op):
    """The concrete numpy value of ``x``, or None when it is abstract (inside jit/vmap)."""
    if not isinstance(x, Tracer):
        return np.asarray(x)
    try:
        return np.asarray(x.concrete_value(op))
    except ConcretizationError:
        return None


def _needs_size(op):
    return ConcretizationError(
        f"{op}: the output shape depends on the values, which are abstract here (inside jit or "
        f"vmap). Fix: pass size=N (and fill_value=...) for a static shape, as in JAX, or call "
        f"{op} outside jit")


def _first_true(mask, size, fill_value):
    """Flat positions of the first ``size`` True elements of the 1-d ``mask`` (in order),
    padded with ``fill_value``; traceable (a stable argsort puts the True ones first)."""
    n = mask.shape[0]
    order = argsort(logical_not(mask))
    if size > n:
        order = concatenate([order, np.zeros(size - n, order.dtype)], 0)
    positions = order[:size]
    valid = less(np.arange(size), sum(mask))
    return where(valid, positions, fill_value)


def nonzero(a, *, size=None, fill_value=None):
    """The indices of the nonzero elements, one array per dimension.

    >>> nonzero(np.array([[0, 3], [4, 0]]))
    (array([0, 1]), array([1, 0]))
    >>> nonzero(np.array([0, 5, 6]), size=3, fill_value=-1)
    (array([ 1,  2, -1]),)
    """
    x = asarray(a)
    if x.ndim == 0:
        raise ValueError("nonzero: calling nonzero on 0d arrays is not allowed; use atleast_1d")
    known = _known(x, "nonzero")
    if known is not None and size is None:
        return tuple(np.asarray(i, np.int64) for i in np.nonzero(known))
    if size is None:
        raise _needs_size("nonzero")
    flat = _first_true(not_equal(ravel(x), 0), size, 0 if fill_value is None else -1)
    fills = np.broadcast_to(np.asarray(0 if fill_value is None else fill_value), (x.ndim,))
    valid = less(np.arange(size), sum(not_equal(x, 0)))
    coords, strides = [], np.cumprod((x.shape[1:] + (1,))[::-1])[::-1]
    for d, (n, stride) in enumerate(zip(x.shape, strides)):
        coord = (flat // int(stride)) % max(int(n), 1)
        coords.append(where(valid, coord, int(fills[d])).astype(np.int64))
    return tuple(coords)


def flatnonzero(a, *, size=None, fill_value=None):
    """The indices of the nonzero elements of the flattened array.

    >>> flatnonzero(np.array([[0, 3], [4, 0]]))
    array([1, 2])
    """
    return nonzero(ravel(asarray(a)), size=size, fill_value=fill_value)[0]


def argwhere(a, *, size=None, fill_value=None):
    """The indices of the nonzero elements as rows, shape ``(count, ndim)``.

    >>> argwhere(np.array([[0, 3], [4, 0]]))
    array([[0, 1],
           [1, 0]])
    """
    x = asarray(a)
    if x.ndim == 0:  # numpy: one empty row if nonzero, none otherwise
        rows = nonzero(reshape(x, (1,)), size=size, fill_value=fill_value)[0]
        return reshape(rows, (-1, 1))[:, :0]
    return _stack_columns(nonzero(x, size=size, fill_value=fill_value))


def _stack_columns(coords):
    from ._shape import stack
    return stack(coords, axis=1)


def extract(condition, arr, *, size=None, fill_value=0):
    """The elements of the flattened ``arr`` where the flattened ``condition`` is nonzero.

    >>> extract(np.array([True, False, True]), np.array([1.0, 2.0, 3.0]))
    array([1., 3.])
    """
    arr = ravel(asarray(arr))
    cond = ravel(asarray(condition))
    idx = nonzero(cond, size=size, fill_value=-1 if size is not None else None)[0]
    picked = arr[where(less(idx, 0), 0, idx) if size is not None else idx]
    return where(less(idx, 0), fill_value, picked) if size is not None else picked


def compress(condition, a, axis=None, *, size=None, fill_value=0):
    """The slices of ``a`` along ``axis`` (the flattened array when None) where the 1-d
    ``condition`` is True.

    >>> compress(np.array([False, True]), np.array([[1, 2], [3, 4]]), axis=0)
    array([[3, 4]])
    """
    from ._indexing import take
    x = asarray(a)
    if axis is None:
        x, axis = ravel(x), 0
    cond = asarray(condition)
    if cond.ndim != 1:
        raise ValueError(f"compress: condition must be 1-d, got shape {cond.shape}")
    cond = cond[:x.shape[axis]]
    idx = nonzero(cond, size=size, fill_value=-1 if size is not None else None)[0]
    if size is None:
        return take(x, idx, axis=axis)
    picked = take(x, where(less(idx, 0), 0, idx), axis=axis)
    shape = [1] * x.ndim
    shape[axis] = size
    return where(reshape(less(idx, 0), shape), fill_value, picked)


def _unique_known(x, equal_nan):
    """Sorted unique values' first indices, the inverse and the counts, from concrete ``x``."""
    values, first, inverse, counts = np.unique(x, return_index=True, return_inverse=True,
                                               return_counts=True, equal_nan=equal_nan)
    return first, inverse.reshape(-1), counts


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, size=None, fill_value=None):
    """The sorted unique elements of the flattened ``ar``, and optionally the index of each
    one's first occurrence, the inverse (``values[inverse]`` rebuilds ``ar``) and counts.

    >>> unique(np.array([3, 1, 3, 2]), return_counts=True)
    (array([1, 2, 3]), array([1, 1, 2]))
    >>> unique(np.array([3.0, 1.0, 3.0]), size=3, fill_value=0.0)
    array([1., 3., 0.])
    """
    if axis is not None:
        raise ValueError("unique: axis= is not supported (funcdl finds the unique elements of the "
                         "flattened array)")
    x = ravel(asarray(ar))
    known = _known(x, "unique")
    if known is not None and size is None:
        first, inverse, counts = _unique_known(known, equal_nan)
        values = x[first] if isinstance(x, Tracer) else known[first]
        return _unique_result(values, first, inverse, counts, return_index, return_inverse, return_counts)
    if size is None:
        raise _needs_size("unique")
    return _unique_traced(x, size, fill_value, return_index, return_inverse, return_counts)


def _unique_result(values, first, inverse, counts, return_index, return_inverse, return_counts):
    out = (values,) + ((first,) if return_index else ()) + ((inverse,) if return_inverse else ()) \
        + ((counts,) if return_counts else ())
    return out[0] if len(out) == 1 else out


def _unique_traced(x, size, fill_value, return_index, return_inverse, return_counts):
    n = x.shape[0]
    order = argsort(x)
    s = x[order]
    starts = concatenate([np.ones(1, bool), not_equal(s[1:], s[:-1])], 0) if n else np.zeros(0, bool)
    count = sum(starts)
    positions = _first_true(starts, size, n)  # the start of each run, n when past the end
    safe = where(less(positions, n), positions, 0)
    values = s[safe] if n else np.zeros(size, x.dtype)
    valid = less(np.arange(size), count)
    fill = (s[0] if n else 0) if fill_value is None else fill_value
    values = where(valid, values, fill)
    out = [values]
    if return_index:
        out.append(where(valid, order[safe], 0))
    if return_inverse:
        run_of_sorted = subtract(cumsum(starts), 1)
        inverse = np.zeros(n, np.int64) + run_of_sorted[argsort(order)] if n else np.zeros(0, np.int64)
        out.append(inverse)
    if return_counts:
        ends = concatenate([positions[1:], np.full(1, n, np.int64)], 0)
        ends = where(less(np.arange(size) + 1, count), ends, n)
        out.append(where(valid, subtract(ends, positions), 0))
    return out[0] if len(out) == 1 else tuple(out)


def unique_values(x):
    """The array API's sorted unique values.

    >>> unique_values(np.array([2, 1, 2]))
    array([1, 2])
    """
    return unique(x)


def unique_counts(x):
    """``(values, counts)`` of the unique elements.

    >>> unique_counts(np.array([2, 1, 2]))
    (array([1, 2]), array([1, 2]))
    """
    return unique(x, return_counts=True)


def unique_inverse(x):
    """``(values, inverse)``, the inverse shaped like ``x``.

    >>> unique_inverse(np.array([[2, 1], [2, 2]]))[1]
    array([[1, 0],
           [1, 1]])
    """
    values, inverse = unique(x, return_inverse=True)
    return values, reshape(inverse, asarray(x).shape)


def unique_all(x):
    """``(values, indices, inverse_indices, counts)``.

    >>> unique_all(np.array([2, 1, 2]))[1]
    array([1, 0])
    """
    values, index, inverse, counts = unique(x, return_index=True, return_inverse=True, return_counts=True)
    return values, index, reshape(inverse, asarray(x).shape), counts


def isin(element, test_elements, assume_unique=False, invert=False):
    """Whether each element of ``element`` occurs in ``test_elements`` (a static output shape:
    traceable anywhere).

    >>> isin(np.array([1, 2, 3]), np.array([3, 1]))
    array([ True, False,  True])
    """
    e, t = asarray(element), ravel(asarray(test_elements))
    found = any(equal(reshape(e, e.shape + (1,)), t), axis=-1) if t.shape[0] else \
        np.zeros(e.shape, bool)
    return logical_not(found) if invert else found


def union1d(ar1, ar2, *, size=None, fill_value=None):
    """The sorted unique elements of either array.

    >>> union1d(np.array([3, 1]), np.array([2, 1]))
    array([1, 2, 3])
    """
    return unique(concatenate([ravel(asarray(ar1)), ravel(asarray(ar2))], 0), size=size, fill_value=fill_value)


def intersect1d(ar1, ar2, assume_unique=False, return_indices=False, *, size=None, fill_value=None):
    """The sorted unique elements of both arrays.

    >>> intersect1d(np.array([3, 1, 2]), np.array([2, 3, 5]))
    array([2, 3])
    """
    if return_indices:
        raise ValueError("intersect1d: return_indices=True is not supported; use isin and nonzero")
    return _unique_where(ar1, lambda v: isin(v, ar2), size, fill_value, "intersect1d")


def setdiff1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    """The sorted unique elements of ``ar1`` that are not in ``ar2``.

    >>> setdiff1d(np.array([3, 1, 2, 1]), np.array([2]))
    array([1, 3])
    """
    return _unique_where(ar1, lambda v: isin(v, ar2, invert=True), size, fill_value, "setdiff1d")


def setxor1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
    """The sorted unique elements in exactly one of the arrays.

    >>> setxor1d(np.array([1, 2, 3]), np.array([3, 4]))
    array([1, 2, 4])
    """
    pool = concatenate([ravel(asarray(ar1)), ravel(asarray(ar2))], 0)
    return _unique_where(pool, lambda v: not_equal(isin(v, ar1), isin(v, ar2)), size, fill_value, "setxor1d")


def _unique_where(pool, keep, size, fill_value, op):
    """The sorted unique elements ``v`` of ``pool`` for which ``keep(v)`` holds."""
    pool = ravel(asarray(pool))
    if size is None:
        values = unique(pool)
        mask = _known(keep(values), op)
        if mask is None:
            raise _needs_size(op)
        return values[np.nonzero(mask)[0]]
    n = pool.shape[0]
    values, counts = unique(pool, size=max(n, 1), return_counts=True)
    mask = logical_and(greater(counts, 0), keep(values))
    positions = _first_true(mask, size, 0)
    valid = less(np.arange(size), sum(mask))
    picked = values[positions]
    fill = picked[0] if fill_value is None else fill_value
    return where(valid, picked, fill)


def trim_zeros(filt, trim="fb"):
    """``filt`` without its leading (``'f'``) and/or trailing (``'b'``) zeros (concrete only).

    >>> trim_zeros(np.array([0, 1, 0, 2, 0]))
    array([1, 0, 2])
    """
    x = asarray(filt)
    known = _known(x, "trim_zeros")
    if known is None:
        raise _needs_size("trim_zeros")
    nz = np.nonzero(known)[0]
    if nz.size == 0:
        return x[:0]
    lo = nz[0] if "f" in trim.lower() else 0
    hi = nz[-1] + 1 if "b" in trim.lower() else known.shape[0]
    return x[lo:hi]


@real_only
def bincount(x, weights=None, minlength=0, *, length=None):
    """The number of occurrences of each value in the non-negative integer array ``x`` (or the
    sum of ``weights`` at them); ``length`` fixes the output size (needed under ``jit``).

    >>> bincount(np.array([0, 2, 2]))
    array([1, 0, 2])
    """
    x = ravel(asarray(x))
    if x.dtype.kind not in "iub":
        raise TypeError(f"bincount: x must be an array of non-negative integers, got {x.dtype.name}")
    if length is None:
        known = _known(x, "bincount")
        if known is None:
            raise ConcretizationError("bincount: the output length depends on the values, which are "
                                      "abstract here; pass length=N, as in JAX")
        length = max(int(known.max()) + 1 if known.size else 0, minlength)
    hits = equal(reshape(x, (-1, 1)), np.arange(length))
    if weights is None:
        return sum(hits, axis=0).astype(np.int64)
    w = ravel(asarray(weights))
    return sum(where(hits, reshape(w, (-1, 1)), 0), axis=0)
