"""The batching rule of every primitive.

``prim.batch(args, dims, size, **params) -> (out, out_dim)`` (lists for multi-output
primitives): ``dims[i]`` is the batch axis of ``args[i]`` or ``None``. Rules move batch
axes (usually to the front) and rewrite params; none of them loops over the batch.
"""
import numpy as np

from .. import primitives as P
from ..core import aval_of, bind, primitives
from ..primitives.rules import move_axis, ndim_of, shape_of, to_front


# ----------------------------------------------------------------------------------------
# Elementwise: align per-example ranks, keep the batch axis in front
# ----------------------------------------------------------------------------------------


def _elementwise_batch(prim):
    def rule(args, dims, size, **params):
        rank = max(ndim_of(a) - (d is not None) for a, d in zip(args, dims))
        aligned = []
        for a, d in zip(args, dims):
            if d is None:
                aligned.append(a)  # right-aligned broadcasting leaves the batch axis alone
            else:
                a = move_axis(a, d, 0)
                extra = rank - (ndim_of(a) - 1)
                aligned.append(P.reshape(a, (size,) + (1,) * extra + shape_of(a)[1:]) if extra else a)
        out = bind(prim, *aligned, **params)
        return (out, [0] * len(out)) if prim.multiple_results else (out, 0)
    return rule


def elementwise_rules(prim):
    """The batching rule of an elementwise primitive (see ``primitives/elementwise.py``)."""
    return {"batch": _elementwise_batch(prim)}


for _name in list(P.elementwise_prims) + ["select", "convert", "stop_gradient", "threefry2x32"]:
    primitives[_name].batch = _elementwise_batch(primitives[_name])

# ----------------------------------------------------------------------------------------
# Shape primitives
# ----------------------------------------------------------------------------------------


def _broadcast_to_batch(args, dims, size, *, shape):
    (x,), (d,) = args, dims
    x = move_axis(x, d, 0)
    per_example = shape_of(x)[1:]
    x = P.reshape(x, (size,) + (1,) * (len(shape) - len(per_example)) + per_example)
    return P.broadcast_to(x, (size,) + tuple(shape)), 0


def _reshape_batch(args, dims, size, *, new_sizes):
    return P.reshape(move_axis(args[0], dims[0], 0), (size,) + tuple(new_sizes)), 0


def _transpose_batch(args, dims, size, *, permutation):
    x = move_axis(args[0], dims[0], 0)
    return P.transpose(x, (0,) + tuple(p + 1 for p in permutation)), 0


def _slice_batch(args, dims, size, *, start_indices, limit_indices, strides):
    x = move_axis(args[0], dims[0], 0)
    return P.slice(x, (0,) + start_indices, (size,) + limit_indices, (1,) + strides), 0


def _rev_batch(args, dims, size, *, dimensions):
    x = move_axis(args[0], dims[0], 0)
    return P.rev(x, tuple(d + 1 for d in dimensions)), 0


def _pad_batch(args, dims, size, *, padding_config):
    (x, value), (dx, dv) = args, dims
    config = ((0, 0, 0),) + tuple(padding_config)
    if dv is None:
        return P.pad(to_front(x, dx, size), value, config), 0
    # a per-example padding value: pad with zeros, then select the value where padded
    x = to_front(x, dx, size)
    padded = P.pad(x, np.zeros((), aval_of(x).dtype), config)
    mask = P.pad(np.zeros(shape_of(x)[1:], bool), np.ones((), bool), padding_config)
    value = P.reshape(move_axis(value, dv, 0), (size,) + (1,) * len(padding_config))
    return P.select(mask, value, padded), 0


def _concatenate_batch(args, dims, size, *, dimension):
    return P.concatenate([to_front(a, d, size) for a, d in zip(args, dims)], dimension + 1), 0


P.broadcast_to_p.batch = _broadcast_to_batch
P.reshape_p.batch = _reshape_batch
P.transpose_p.batch = _transpose_batch
P.slice_p.batch = _slice_batch
P.rev_p.batch = _rev_batch
P.pad_p.batch = _pad_batch
P.concatenate_p.batch = _concatenate_batch

# ----------------------------------------------------------------------------------------
# Reductions and axis-wise primitives: shift the axes past the batch axis
# ----------------------------------------------------------------------------------------


def _reduce_batch(prim):
    def rule(args, dims, size, *, axes):
        x = move_axis(args[0], dims[0], 0)
        return bind(prim, x, axes=tuple(a + 1 for a in axes)), 0
    return rule


for _prim in P.reduce_prims.values():
    _prim.batch = _reduce_batch(_prim)


def _axis_batch(prim):
    def rule(args, dims, size, *, axis, **params):
        x = move_axis(args[0], dims[0], 0)
        return bind(prim, x, axis=axis + 1, **params), 0
    return rule


for _prim in (P.argmax_p, P.argmin_p, P.cumsum_p, P.argsort_p):
    _prim.batch = _axis_batch(_prim)

# ----------------------------------------------------------------------------------------
# Contractions
# ----------------------------------------------------------------------------------------


def _dot_general_batch(args, dims, size, *, dimension_numbers):
    (lhs, rhs), (dl, dr) = args, dims
    (lc, rc), (lb, rb) = dimension_numbers
    shift = lambda axes: tuple(a + 1 for a in axes)  # noqa: E731
    if dl is not None and dr is not None:  # a new batch dimension of the contraction
        lhs, rhs = move_axis(lhs, dl, 0), move_axis(rhs, dr, 0)
        dims_ = ((shift(lc), shift(rc)), ((0,) + shift(lb), (0,) + shift(rb)))
        return P.dot_general(lhs, rhs, dims_), 0
    if dl is not None:  # a free dimension of the lhs: one bigger contraction
        lhs = move_axis(lhs, dl, 0)
        return P.dot_general(lhs, rhs, ((shift(lc), rc), (shift(lb), rb))), len(lb)
    rhs = move_axis(rhs, dr, 0)
    lhs_free = ndim_of(lhs) - len(lc) - len(lb)
    return P.dot_general(lhs, rhs, ((lc, shift(rc)), (lb, shift(rb)))), len(lb) + lhs_free


P.dot_general_p.batch = _dot_general_batch


def _conv_batch(args, dims, size, *, window_strides, padding, rhs_dilation, feature_group_count):
    (x, w), (dx, dw) = args, dims
    params = dict(window_strides=window_strides, padding=padding, rhs_dilation=rhs_dilation)
    g = feature_group_count
    if dw is None:  # fold the batch into the images' batch axis
        x = move_axis(x, dx, 0)
        b, n = shape_of(x)[:2]
        out = P.conv(P.reshape(x, (b * n,) + shape_of(x)[2:]), w, feature_group_count=g, **params)
        return P.reshape(out, (b, n) + shape_of(out)[1:]), 0
    w = move_axis(w, dw, 0)
    b, o, cg = shape_of(w)[:3]
    k = shape_of(w)[3:]
    if dx is None:  # fold the batch into the output channels (respecting the groups)
        og = o // g
        wf = P.reshape(P.transpose(P.reshape(w, (b, g, og, cg) + k), (1, 0, 2, 3, 4, 5)),
                       (g * b * og, cg) + k)
        out = P.conv(x, wf, feature_group_count=g, **params)  # channels ordered (g, b, og)
        n, _, ho, wo = shape_of(out)
        out = P.transpose(P.reshape(out, (n, g, b, og, ho, wo)), (0, 2, 1, 3, 4, 5))
        return P.reshape(out, (n, b, o, ho, wo)), 1
    # both batched: the batch becomes more feature groups
    x = move_axis(x, dx, 1)  # (N, B, C, H, W)
    n, _, c = shape_of(x)[:3]
    xf = P.reshape(x, (n, b * c) + shape_of(x)[3:])
    wf = P.reshape(w, (b * o, cg) + k)
    out = P.conv(xf, wf, feature_group_count=g * b, **params)
    return P.reshape(out, (n, b, o) + shape_of(out)[2:]), 1


P.conv_p.batch = _conv_batch

# ----------------------------------------------------------------------------------------
# Gather / scatter: per-example indices become offsets into the flattened batch
# ----------------------------------------------------------------------------------------


def _flat_offsets(idx, size, n):
    """``idx`` (batch first) plus ``b * n`` for example ``b``, so that indices address
    the batch flattened into the leading axis; out-of-range indices stay out of range."""
    offsets = np.arange(size, dtype=aval_of(idx).dtype) * n
    offsets = offsets.reshape((size,) + (1,) * (ndim_of(idx) - 1))
    inside = P.binary("and", P.binary("ge", idx, np.zeros((), aval_of(idx).dtype)),
                      P.binary("lt", idx, np.full((), n, aval_of(idx).dtype)))
    shifted = P.binary("add", idx, offsets)
    return P.select(inside, shifted, np.full((), -1, aval_of(idx).dtype) if aval_of(idx).dtype.kind == "i"
                    else np.full((), size * n, aval_of(idx).dtype))


def _gather_batch(args, dims, size):
    (x, idx), (dx, di) = args, dims
    if di is None:  # the batch is just another trailing axis of x
        x = move_axis(x, dx, 1)
        return P.gather(x, idx), ndim_of(idx)
    idx = move_axis(idx, di, 0)
    if dx is None:
        return P.gather(x, idx), 0
    x = move_axis(x, dx, 0)
    n = shape_of(x)[1]
    clamped = P.binary("max", P.binary("min", idx, np.full((), n - 1, aval_of(idx).dtype)),
                       np.zeros((), aval_of(idx).dtype))  # gather clamps per example
    flat_x = P.reshape(x, (size * n,) + shape_of(x)[2:])
    offsets = (np.arange(size, dtype=aval_of(idx).dtype) * n).reshape((size,) + (1,) * (ndim_of(idx) - 1))
    return P.gather(flat_x, P.binary("add", clamped, offsets)), 0


def _scatter_batch(args, dims, size, *, mode):
    (x, idx, u), (dx, di, du) = args, dims
    x = to_front(x, dx, size)
    n = shape_of(x)[1]
    if di is None:  # same indices for every example: scatter along axis 1 via a transpose
        u = to_front(u, du, size)  # (B, *idx, rest)
        k = ndim_of(idx)
        u = move_axis(u, 0, k)  # (*idx, B, rest)
        out = P.scatter(move_axis(x, 0, 1), idx, u, mode)
        return move_axis(out, 1, 0), 0
    idx = to_front(idx, di, size)
    u = to_front(u, du, size)
    flat = P.scatter(P.reshape(x, (size * n,) + shape_of(x)[2:]), _flat_offsets(idx, size, n), u, mode)
    return P.reshape(flat, shape_of(x)), 0


P.gather_p.batch = _gather_batch
P.scatter_p.batch = _scatter_batch
