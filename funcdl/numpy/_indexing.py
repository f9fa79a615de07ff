"""numpy indexing on traced values: basic slicing, ``None``/``...``, integer-array and
static boolean-mask gathers, and functional updates ``x.at[idx].set/add/multiply``.

Basic indices become ``slice``/``rev``/``reshape`` primitives; integer arrays become one
``gather`` on the indexed axes flattened together; updates become one ``scatter`` on the
flattened array.
"""
import numpy as np

from .. import primitives as P
from ..core import Tracer
from ._base import asarray, cast, normalize_axis
from ._math import add, greater_equal, less, logical_and, multiply, where
from ._shape import broadcast_arrays, broadcast_to, ravel, reshape

_INDEX_TYPES = (int, np.integer, slice, type(None), type(Ellipsis))


def _is_int_array(e):
    return isinstance(e, (Tracer, np.ndarray)) and e.dtype.kind in "iu"


def _expand_index(x, idx):
    """The index as a list with one entry per axis of ``x`` (plus Nones), boolean masks
    turned into integer arrays, lists into arrays."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    entries, masks = [], []
    for e in idx:
        if isinstance(e, (list, Tracer, np.ndarray)) and not isinstance(e, _INDEX_TYPES):
            if isinstance(e, list) and not e:
                e = np.zeros(0, np.int64)  # numpy reads [] as an empty integer index
            e = asarray(e)
            if e.dtype == np.bool_:
                mask = np.asarray(e) if isinstance(e, Tracer) else e  # needs a concrete mask
                if mask.ndim == 0:
                    raise IndexError("indexing with a 0-d boolean is not supported")
                masks.append((len(entries), mask))
                entries.extend(np.nonzero(mask))
                continue
            if e.dtype.kind not in "iu":
                raise IndexError(f"indexing: arrays used as indices must be integers or booleans, "
                                 f"got {e.dtype.name}")
        elif isinstance(e, (bool, np.bool_)):
            raise IndexError("indexing with a Python bool scalar is not supported")
        elif not isinstance(e, _INDEX_TYPES):
            raise IndexError(f"indexing: only integers, slices, None, ..., and integer or boolean "
                             f"arrays are valid indices, got {type(e).__name__}")
        entries.append(e)
    if sum(e is Ellipsis for e in entries) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(e is not None and e is not Ellipsis for e in entries)
    if used > x.ndim:
        raise IndexError(f"too many indices for array: array is {x.ndim}-dimensional, but {used} "
                         "were indexed")
    fill = [slice(None)] * (x.ndim - used)
    ellipsis = next((i for i, e in enumerate(entries) if e is Ellipsis), None)
    if ellipsis is not None:
        entries[ellipsis:ellipsis + 1] = fill
    else:
        entries += fill
    for position, mask in masks:  # each mask must match the axes it covers
        if ellipsis is not None and position > ellipsis:
            position += len(fill) - 1
        axis = sum(e is not None for e in entries[:position])
        covered = x.shape[axis:axis + mask.ndim]
        if covered != mask.shape:
            raise IndexError(f"boolean index of shape {mask.shape} does not match the indexed "
                             f"dimensions {covered} (axes {axis}..{axis + mask.ndim - 1} of an "
                             f"array of shape {x.shape})")
    return entries


def _check_int(i, size, axis):
    if not -size <= i < size:
        raise IndexError(f"index {i} is out of bounds for axis {axis} with size {size}")
    return i % size


def _normalize_index_array(e, size, axis):
    if isinstance(e, Tracer):  # negative indices wrap; out-of-range ones are clamped
        if np.iinfo(e.dtype).max < size:  # e.g. int8 indices into a long axis
            e = cast(e, np.int64)
        return where(less(e, 0), add(e, cast(size, e.dtype)), e)
    e = np.asarray(e, dtype=np.int64)
    if e.size and (e.min() < -size or e.max() >= size):
        bad = e[(e < -size) | (e >= size)].flat[0]
        raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {size}")
    return np.where(e < 0, e + size, e)


def getitem(x, idx):
    """``x[idx]`` with numpy semantics, built from primitives.

    >>> getitem(np.arange(10).reshape(2, 5), (1, slice(None, None, 2)))
    array([5, 7, 9])
    """
    x = asarray(x)
    entries = _expand_index(x, idx)
    # None: insert size-1 axes, then treat them as full slices
    if any(e is None for e in entries):
        dims = iter(x.shape)
        x = P.reshape(x, [1 if e is None else next(dims) for e in entries])
        entries = [slice(None) if e is None else e for e in entries]
    advanced = any(_is_int_array(e) for e in entries)
    starts, limits, strides, flips, squeeze = [], [], [], [], []
    for axis, (e, size) in enumerate(zip(entries, x.shape)):
        if isinstance(e, slice):
            lo, hi, st = e.indices(size)
            if st < 0:  # the same elements in increasing order, then reversed
                n = len(range(lo, hi, st))
                lo, hi, st = (lo + (n - 1) * st, lo + 1, -st) if n else (0, 0, 1)
                flips.append(axis)
            starts.append(lo), limits.append(max(lo, hi)), strides.append(st)
        elif not advanced and isinstance(e, (int, np.integer)):
            i = _check_int(int(e), size, axis)
            starts.append(i), limits.append(i + 1), strides.append(1), squeeze.append(axis)
        else:
            starts.append(0), limits.append(size), strides.append(1)
    x = P.rev(P.slice(x, starts, limits, strides), flips)
    if squeeze:
        x = P.reshape(x, [d for i, d in enumerate(x.shape) if i not in squeeze])
    if advanced:
        x = _gather_advanced(x, entries)
    return x


def _gather_advanced(x, entries):
    """Integer-array indexing on the axes where ``entries`` holds arrays or ints."""
    axes = [i for i, e in enumerate(entries) if not isinstance(e, slice)]
    arrays = [_normalize_index_array(asarray(entries[i]), x.shape[i], i) for i in axes]
    sizes = [x.shape[i] for i in axes]
    strides = np.cumprod([1] + sizes[:0:-1])[::-1]
    try:
        P.broadcast_shapes("indexing", *[np.shape(a) for a in arrays])
    except ValueError:
        raise IndexError(f"shape mismatch: indexing arrays could not be broadcast together with "
                         f"shapes {[np.shape(a) for a in arrays]}") from None
    if any(isinstance(a, Tracer) for a in arrays):
        flat = None
        for a, stride in zip(broadcast_arrays(*arrays), strides):
            term = cast(a, np.int64) if stride == 1 else multiply(cast(a, np.int64), int(stride))
            flat = term if flat is None else add(flat, term)
    else:  # all indices are concrete: compute the flat index with numpy
        flat = sum(a * int(s) for a, s in zip(np.broadcast_arrays(*arrays), strides))
    rest = [i for i in range(x.ndim) if i not in axes]
    y = P.transpose(x, axes + rest)
    y = P.reshape(y, [int(np.prod(sizes, dtype=np.int64))] + [x.shape[i] for i in rest])
    out = P.gather(y, flat)
    contiguous = axes == list(range(axes[0], axes[-1] + 1))
    if contiguous and axes[0] > 0:  # numpy keeps the index dims in place
        k, n = flat.ndim, axes[0]
        out = P.transpose(out, list(range(k, k + n)) + list(range(k)) + list(range(k + n, out.ndim)))
    return out


class _IndexUpdateHelper:
    """``x.at[idx]``: functional updates (the input is never mutated)."""

    __slots__ = ("x",)

    def __init__(self, x):
        self.x = x

    def __getitem__(self, idx):
        return _IndexUpdateRef(self.x, idx)


class _IndexUpdateRef:
    __slots__ = ("x", "idx")

    def __init__(self, x, idx):
        self.x, self.idx = x, idx

    def get(self):
        """``x[idx]``."""
        return getitem(self.x, self.idx)

    def set(self, values):
        """A copy of ``x`` with ``x[idx] = values``."""
        return _scatter(self.x, self.idx, values, "set")

    def add(self, values):
        """A copy of ``x`` with ``values`` added at ``idx`` (duplicate indices accumulate)."""
        return _scatter(self.x, self.idx, values, "add")

    def multiply(self, values):
        """A copy of ``x`` with ``x[idx]`` multiplied by ``values`` (duplicates accumulate)."""
        return _scatter(self.x, self.idx, values, "mul")


def _scatter(x, idx, values, mode):
    """One ``scatter`` on the flattened ``x``. Traced indices out of range are dropped (as
    in JAX): they point at a sentinel row of the position table, past the last element."""
    x = asarray(x)
    positions = np.arange(x.size, dtype=np.int64).reshape(x.shape)
    entries, padded = _drop_out_of_range(_expand_index(x, idx), x.shape)
    if padded:
        widths = [(0, 1 if axis in padded else 0) for axis in range(x.ndim)]
        positions = np.pad(positions, widths, constant_values=x.size)
    positions = getitem(positions, tuple(entries))  # numpy when idx is concrete, traced otherwise
    values = broadcast_to(cast(asarray(values), x.dtype), positions.shape)
    out = P.scatter(ravel(x), ravel(positions), ravel(values), mode)
    return reshape(out, x.shape)


def _drop_out_of_range(entries, shape):
    """Traced integer indices wrapped into ``[0, n)``, or ``n`` (the sentinel) when out of
    range; returns the new entries and the axes that need a sentinel row."""
    out, padded, axis = [], set(), 0
    for e in entries:
        if e is None:
            out.append(e)
            continue
        if isinstance(e, Tracer) and e.dtype.kind in "iu":
            n = shape[axis]
            e = cast(e, np.int64)
            valid = logical_and(greater_equal(e, -n), less(e, n))
            e = where(valid, where(less(e, 0), add(e, n), e), n)
            padded.add(axis)
        out.append(e)
        axis += 1
    return out, padded


def at(x):
    """The ``.at`` property of traced values: ``x.at[idx].set(v)`` and friends."""
    return _IndexUpdateHelper(x)


def take(a, indices, axis=None):
    """Elements of ``a`` at ``indices`` along ``axis`` (flattened when None).

    >>> take(np.array([10, 20, 30]), np.array([2, 0]))
    array([30, 10])
    """
    x = asarray(a)
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis(axis, x.ndim, "take")
    return getitem(x, (slice(None),) * axis + (asarray(indices),))


def take_along_axis(arr, indices, axis):
    """Pick values along ``axis`` at matching ``indices`` (as ``numpy.take_along_axis``).

    >>> take_along_axis(np.array([[10, 20], [30, 40]]), np.array([[1], [0]]), axis=1)
    array([[20],
           [30]])
    """
    x, indices = asarray(arr), asarray(indices)
    if axis is None:
        x, axis = ravel(x), 0
    if indices.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices ({indices.ndim}-d) and array ({x.ndim}-d) "
                         "must have the same number of dimensions")
    axis = normalize_axis(axis, x.ndim, "take_along_axis")
    index = []
    for i in range(x.ndim):
        if i == axis:
            index.append(indices)
        else:
            shape = [1] * x.ndim
            shape[i] = x.shape[i]
            index.append(np.arange(x.shape[i]).reshape(shape))
    return getitem(x, tuple(index))
