"""Gather and scatter along the leading axis with an integer index array.

``gather(x, idx)[i...] = x[idx[i...]]`` (indices clamped into range, as under jit);
``scatter(x, idx, updates, mode)`` returns a copy of ``x`` with ``updates`` set, added
(duplicates accumulate) or multiplied at ``idx``; out-of-range indices are dropped.
"""
import numpy as np

from ..core import Aval, Primitive, bind, shape_error


def _check_indices(op, x, idx):
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got {idx.dtype.name}")
    if x.ndim == 0:
        raise shape_error(op, "cannot index a 0-d array", x.shape)


def _gather_rule(x, idx):
    _check_indices("gather", x, idx)
    if x.shape[0] == 0 and idx.size:
        raise shape_error("gather", "cannot gather from an empty axis", x.shape, idx.shape)
    return Aval(idx.shape + x.shape[1:], x.dtype)


def _gather_impl(x, idx):
    return np.take(x, idx, axis=0, mode="clip")


gather_p = Primitive("gather", _gather_impl, _gather_rule)

SCATTER_MODES = ("set", "add", "mul")


def _scatter_rule(x, idx, updates, *, mode):
    _check_indices("scatter", x, idx)
    if mode not in SCATTER_MODES:
        raise ValueError(f"scatter: mode must be one of {SCATTER_MODES}, got {mode!r}")
    if updates.shape != idx.shape + x.shape[1:] or updates.dtype != x.dtype:
        raise shape_error("scatter", f"updates must have shape indices.shape + x.shape[1:] = "
                          f"{idx.shape + x.shape[1:]} and dtype {x.dtype.name}",
                          x.shape, idx.shape, updates.shape)
    return x


def _scatter_impl(x, idx, updates, *, mode):
    out = np.array(x, copy=True)
    idx = np.asarray(idx).ravel()
    updates = np.asarray(updates).reshape((idx.size,) + out.shape[1:])
    keep = (idx >= 0) & (idx < out.shape[0])
    if not keep.all():
        idx, updates = idx[keep], updates[keep]
    if mode == "set":
        out[idx] = updates
    elif mode == "add":
        np.add.at(out, idx, updates)
    else:
        np.multiply.at(out, idx, updates)
    return out


scatter_p = Primitive("scatter", _scatter_impl, _scatter_rule)


def gather(x, idx):
    return bind(gather_p, x, idx)


def scatter(x, idx, updates, mode):
    return bind(scatter_p, x, idx, updates, mode=mode)
