"""Shape manipulation with numpy semantics."""
import numpy as np

from .. import primitives as P
from ._base import asarray, cast, normalize_axis, normalize_axes, promote


def reshape(a, newshape, order="C"):
    """Reshape (one ``-1`` allowed; C order only).

    >>> reshape(np.arange(6), (2, -1)).shape
    (2, 3)
    """
    if order != "C":
        raise ValueError(f"reshape: only order='C' is supported, got {order!r}")
    x = asarray(a)
    shape = (newshape,) if isinstance(newshape, (int, np.integer)) else tuple(newshape)
    if list(shape).count(-1) > 1:
        raise ValueError(f"reshape: can only specify one unknown dimension, got {shape}")
    if -1 in shape:
        known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
        if known == 0 or x.size % known:
            raise P.structural.shape_error("reshape", f"cannot reshape into {shape}", x.shape)
        shape = tuple(x.size // known if d == -1 else d for d in shape)
    return P.reshape(x, shape)


def ravel(a):
    """Flatten to 1-D.

    >>> ravel(np.ones((2, 3))).shape
    (6,)
    """
    x = asarray(a)
    return P.reshape(x, (x.size,))


def transpose(a, axes=None):
    """Permute axes (reverse them when ``axes`` is None).

    >>> transpose(np.ones((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    """
    x = asarray(a)
    if axes is None:
        perm = tuple(reversed(range(x.ndim)))
    else:
        perm = tuple(normalize_axis(i, x.ndim, "transpose") for i in axes)
        if sorted(perm) != list(range(x.ndim)):
            raise ValueError(f"transpose: axes {axes} don't match an array of {x.ndim} dims")
    return P.transpose(x, perm)


def swapaxes(a, axis1, axis2):
    """Swap two axes.

    >>> swapaxes(np.ones((2, 3)), 0, 1).shape
    (3, 2)
    """
    x = asarray(a)
    perm = list(range(x.ndim))
    i, j = normalize_axis(axis1, x.ndim, "swapaxes"), normalize_axis(axis2, x.ndim, "swapaxes")
    perm[i], perm[j] = perm[j], perm[i]
    return P.transpose(x, perm)


def moveaxis(a, source, destination):
    """Move axes to new positions.

    >>> moveaxis(np.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    x = asarray(a)
    src = [normalize_axis(s, x.ndim, "moveaxis") for s in np.atleast_1d(source)]
    dst = [normalize_axis(d, x.ndim, "moveaxis") for d in np.atleast_1d(destination)]
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination need the same number of axes")
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"moveaxis: repeated axis in source {source} or destination "
                         f"{destination}")
    order = [i for i in range(x.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return P.transpose(x, order)


def expand_dims(a, axis):
    """Insert size-1 axes at ``axis`` (int or tuple).

    >>> expand_dims(np.ones(3), (0, 2)).shape
    (1, 3, 1)
    """
    x = asarray(a)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    ndim = x.ndim + len(axes)
    axes = normalize_axes(axes, ndim, "expand_dims")
    dims = iter(x.shape)
    return P.reshape(x, [1 if i in axes else next(dims) for i in range(ndim)])


def squeeze(a, axis=None):
    """Remove size-1 axes (all of them, or those in ``axis``).

    >>> squeeze(np.ones((1, 3, 1))).shape
    (3,)
    """
    x = asarray(a)
    if axis is None:
        axes = [i for i, d in enumerate(x.shape) if d == 1]
    else:
        axes = normalize_axes(axis, x.ndim, "squeeze")
        if any(x.shape[i] != 1 for i in axes):
            raise ValueError(f"squeeze: cannot select an axis to squeeze out which has size not "
                             f"equal to one (axes {axis}, shape {x.shape})")
    return P.reshape(x, [d for i, d in enumerate(x.shape) if i not in axes])


def broadcast_to(a, shape):
    """Broadcast to ``shape`` with numpy rules.

    >>> broadcast_to(np.ones(3), (2, 3)).shape
    (2, 3)
    """
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return P.broadcast_to(asarray(a), shape)


def broadcast_arrays(*args):
    """Broadcast arrays against each other.

    >>> [a.shape for a in broadcast_arrays(np.ones(3), np.ones((2, 1)))]
    [(2, 3), (2, 3)]
    """
    arrays = [asarray(a) for a in args]
    shape = P.broadcast_shapes("broadcast_arrays", *[a.shape for a in arrays])
    return [P.broadcast_to(a, shape) for a in arrays]


def concatenate(arrays, axis=0):
    """Join arrays along an existing axis (``axis=None`` flattens them first).

    >>> concatenate([np.ones(2), np.zeros(3)]).shape
    (5,)
    """
    arrays = promote(*[asarray(a) for a in arrays]) if len(arrays) else []
    if not arrays:
        raise ValueError("concatenate: need at least one array to concatenate")
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    if arrays[0].ndim == 0:
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    return P.concatenate(arrays, normalize_axis(axis, arrays[0].ndim, "concatenate"))


def stack(arrays, axis=0):
    """Join arrays along a new axis.

    >>> stack([np.ones(2), np.zeros(2)], axis=1).shape
    (2, 2)
    """
    arrays = [asarray(a) for a in arrays]
    if not arrays:
        raise ValueError("stack: need at least one array to stack")
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise P.structural.shape_error("stack", "all input arrays must have the same shape",
                                       *[a.shape for a in arrays])
    axis = normalize_axis(axis, arrays[0].ndim + 1, "stack")
    return concatenate([expand_dims(a, axis) for a in arrays], axis)


def split(a, indices_or_sections, axis=0):
    """Split into sub-arrays along ``axis`` (equal sections or at indices).

    >>> [p.shape for p in split(np.arange(6), 3)]
    [(2,), (2,), (2,)]
    """
    x = asarray(a)
    axis = normalize_axis(axis, x.ndim, "split")
    n = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        if indices_or_sections <= 0:
            raise ValueError(f"split: number of sections must be larger than 0, got "
                             f"{indices_or_sections}")
        if n % indices_or_sections:
            raise ValueError(f"split: array split does not result in an equal division "
                             f"({n} into {indices_or_sections})")
        step = n // indices_or_sections
        bounds = [i * step for i in range(indices_or_sections + 1)]
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):  # x[lo:hi] along axis, as Python slices
        lo, hi, _ = slice(lo, hi).indices(n)
        start = [0] * x.ndim
        limit = list(x.shape)
        start[axis], limit[axis] = lo, max(lo, hi)
        out.append(P.slice(x, start, limit))
    return out


def flip(a, axis=None):
    """Reverse the order of elements along ``axis`` (all axes when None).

    >>> flip(np.array([1, 2, 3]))
    array([3, 2, 1])
    """
    x = asarray(a)
    return P.rev(x, normalize_axes(axis, x.ndim, "flip"))


def _pad_widths(pad_width, ndim):
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (ndim, 2))
    if (widths < 0).any():
        raise ValueError(f"pad: pad widths must be non-negative, got {pad_width}")
    return [tuple(int(v) for v in w) for w in widths]


def pad(array, pad_width, mode="constant", constant_values=0):
    """Pad with a constant (``mode='constant'``) or the edge values (``mode='edge'``).

    >>> pad(np.array([1, 2]), (1, 2))
    array([0, 1, 2, 0, 0])
    """
    x = asarray(array)
    widths = _pad_widths(pad_width, x.ndim)
    if mode == "constant":  # the result keeps x's dtype: the value is cast to it
        value = asarray(constant_values)
        if value.ndim:
            raise ValueError("pad: constant_values must be a scalar")
        return P.pad(x, cast(value, x.dtype), [(lo, hi, 0) for lo, hi in widths])
    if mode == "edge":
        for axis, (lo, hi) in enumerate(widths):
            if (lo or hi) and x.shape[axis] == 0:
                raise ValueError("pad: can't extend an empty axis with mode='edge'")
            parts = [repeat(_take_edge(x, axis, 0), lo, axis)] if lo else []
            parts.append(x)
            if hi:
                parts.append(repeat(_take_edge(x, axis, x.shape[axis] - 1), hi, axis))
            x = concatenate(parts, axis) if len(parts) > 1 else x
        return x
    raise ValueError(f"pad: mode {mode!r} is not supported; use 'constant' or 'edge'")


def _take_edge(x, axis, i):
    start = [0] * x.ndim
    limit = list(x.shape)
    start[axis], limit[axis] = i, i + 1
    return P.slice(x, start, limit)


def tile(a, reps):
    """Repeat the whole array ``reps`` times along each axis.

    >>> tile(np.array([1, 2]), 2)
    array([1, 2, 1, 2])
    """
    x = asarray(a)
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    ndim = max(x.ndim, len(reps))
    reps = (1,) * (ndim - len(reps)) + reps
    x = P.reshape(x, (1,) * (ndim - x.ndim) + x.shape)
    big = P.broadcast_to(P.reshape(x, [v for d in x.shape for v in (1, d)]),
                         [v for r, d in zip(reps, x.shape) for v in (r, d)])
    return P.reshape(big, [r * d for r, d in zip(reps, x.shape)])


def repeat(a, repeats, axis=None):
    """Repeat each element ``repeats`` times (an int) along ``axis`` (flattened when None).

    >>> repeat(np.array([1, 2]), 2)
    array([1, 1, 2, 2])
    """
    x = asarray(a)
    if not isinstance(repeats, (int, np.integer)):
        reps = np.asarray(repeats)
        if reps.ndim == 0:
            repeats = int(reps)
        else:
            from ._indexing import take
            axis_ = 0 if axis is None else axis
            x_ = ravel(x) if axis is None else x
            return take(x_, np.repeat(np.arange(x_.shape[normalize_axis(axis_, x_.ndim, 'repeat')]),
                                      reps), axis=axis_)
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis(axis, x.ndim, "repeat")
    shape = list(x.shape)
    y = P.reshape(x, shape[:axis + 1] + [1] + shape[axis + 1:])
    y = P.broadcast_to(y, shape[:axis + 1] + [int(repeats)] + shape[axis + 1:])
    shape[axis] *= int(repeats)
    return P.reshape(y, shape)
