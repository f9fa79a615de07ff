"""Shape primitives: broadcast_to, reshape, transpose, slice, rev, pad, concatenate."""
import builtins
import math

import numpy as np

from ..core import Aval, Primitive, bind, shape_error

# -- broadcast_to ------------------------------------------------------------------------


def _broadcast_to_rule(x, *, shape):
    lead = len(shape) - x.ndim
    if lead < 0 or any(d not in (1, s) for d, s in zip(x.shape, shape[lead:])):
        raise shape_error("broadcast_to", f"cannot broadcast to shape {tuple(shape)}", x.shape)
    return Aval(shape, x.dtype)


broadcast_to_p = Primitive("broadcast_to", lambda x, *, shape: np.broadcast_to(x, shape),
                           _broadcast_to_rule)


def broadcast_to(x, shape):
    shape = tuple(int(d) for d in shape)
    if np.shape(x) == shape:
        return x
    return bind(broadcast_to_p, x, shape=shape)


# -- reshape -----------------------------------------------------------------------------


def _reshape_rule(x, *, new_sizes):
    if math.prod(new_sizes) != x.size or any(d < 0 for d in new_sizes):
        raise shape_error("reshape", f"cannot reshape an array of size {x.size} into shape "
                          f"{tuple(new_sizes)}", x.shape)
    return Aval(new_sizes, x.dtype)


reshape_p = Primitive("reshape", lambda x, *, new_sizes: np.asarray(x).reshape(new_sizes),
                      _reshape_rule)


def reshape(x, new_sizes):
    new_sizes = tuple(int(d) for d in new_sizes)
    if np.shape(x) == new_sizes:
        return x
    return bind(reshape_p, x, new_sizes=new_sizes)


# -- transpose ---------------------------------------------------------------------------


def _transpose_rule(x, *, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise shape_error("transpose", f"permutation {permutation} is not a permutation of the "
                          f"{x.ndim} axes", x.shape)
    return Aval([x.shape[p] for p in permutation], x.dtype)


transpose_p = Primitive("transpose", lambda x, *, permutation: np.asarray(x).transpose(permutation),
                        _transpose_rule)


def transpose(x, permutation):
    permutation = tuple(int(p) for p in permutation)
    if permutation == tuple(range(len(permutation))):
        return x
    return bind(transpose_p, x, permutation=permutation)


# -- slice (static, positive strides) ----------------------------------------------------


def _slice_rule(x, *, start_indices, limit_indices, strides):
    if not len(start_indices) == len(limit_indices) == len(strides) == x.ndim:
        raise shape_error("slice", f"needs one start/limit/stride per axis, got starts "
                          f"{start_indices}, limits {limit_indices}, strides {strides}", x.shape)
    for lo, hi, st, d in zip(start_indices, limit_indices, strides, x.shape):
        if not (0 <= lo <= hi <= d and st >= 1):
            raise shape_error("slice", f"slice {lo}:{hi}:{st} is out of bounds", x.shape)
    shape = [max(0, -(-(hi - lo) // st)) for lo, hi, st in zip(start_indices, limit_indices, strides)]
    return Aval(shape, x.dtype)


def _slice_impl(x, *, start_indices, limit_indices, strides):
    return x[tuple(builtins.slice(lo, hi, st) for lo, hi, st in zip(start_indices, limit_indices, strides))]


slice_p = Primitive("slice", _slice_impl, _slice_rule)


def slice(x, start_indices, limit_indices, strides=None):  # noqa: A001 - lax name
    start_indices = tuple(int(i) for i in start_indices)
    limit_indices = tuple(int(i) for i in limit_indices)
    strides = (1,) * len(start_indices) if strides is None else tuple(int(s) for s in strides)
    if start_indices == (0,) * len(start_indices) and limit_indices == np.shape(x) \
            and strides == (1,) * len(strides):
        return x
    return bind(slice_p, x, start_indices=start_indices, limit_indices=limit_indices,
                strides=strides)


# -- rev ---------------------------------------------------------------------------------


def _rev_rule(x, *, dimensions):
    if any(not 0 <= d < x.ndim for d in dimensions):
        raise shape_error("rev", f"axes {dimensions} out of range", x.shape)
    return x


rev_p = Primitive("rev", lambda x, *, dimensions: np.flip(x, dimensions), _rev_rule)


def rev(x, dimensions):
    dimensions = tuple(int(d) for d in dimensions)
    return bind(rev_p, x, dimensions=dimensions) if dimensions else x


# -- pad: (low, high, interior) per axis; low/high may be negative -----------------------


def _pad_rule(x, padding_value, *, padding_config):
    if padding_value.shape != () or padding_value.dtype != x.dtype:
        raise TypeError(f"pad: the padding value must be a scalar of dtype {x.dtype.name}, got "
                        f"{padding_value}")
    if len(padding_config) != x.ndim:
        raise shape_error("pad", f"needs one (low, high, interior) per axis, got {padding_config}",
                          x.shape)
    shape = []
    for d, (lo, hi, interior) in zip(x.shape, padding_config):
        size = lo + hi + d + max(d - 1, 0) * interior
        if interior < 0 or size < 0:
            raise shape_error("pad", f"invalid padding {padding_config}", x.shape)
        shape.append(size)
    return Aval(shape, x.dtype)


def _pad_impl(x, padding_value, *, padding_config):
    x = np.asarray(x)
    grown = [max(lo, 0) + max(hi, 0) + d + max(d - 1, 0) * i
             for d, (lo, hi, i) in zip(x.shape, padding_config)]
    out = np.full(grown, padding_value, dtype=x.dtype)
    inner = tuple(np.s_[max(lo, 0): max(lo, 0) + d + max(d - 1, 0) * i: i + 1]
                  for d, (lo, hi, i) in zip(x.shape, padding_config))
    out[inner] = x
    crop = tuple(np.s_[max(-lo, 0): g - max(-hi, 0)] for g, (lo, hi, _) in zip(grown, padding_config))
    return out[crop]


pad_p = Primitive("pad", _pad_impl, _pad_rule)


def pad(x, padding_value, padding_config):
    padding_config = tuple((int(lo), int(hi), int(i)) for lo, hi, i in padding_config)
    if all(c == (0, 0, 0) for c in padding_config):
        return x
    return bind(pad_p, x, padding_value, padding_config=padding_config)


# -- concatenate -------------------------------------------------------------------------


def _concatenate_rule(*xs, dimension):
    first = xs[0]
    if not 0 <= dimension < first.ndim:
        raise shape_error("concatenate", f"axis {dimension} out of range", *[x.shape for x in xs])
    for x in xs:
        if x.dtype != first.dtype:
            raise TypeError(f"concatenate: operands must have one dtype, got "
                            f"{[a.dtype.name for a in xs]}")
        if x.ndim != first.ndim or any(a != b for i, (a, b) in enumerate(zip(x.shape, first.shape))
                                       if i != dimension):
            raise shape_error("concatenate", f"shapes must agree except along axis {dimension}",
                              *[x.shape for x in xs])
    shape = list(first.shape)
    shape[dimension] = sum(x.shape[dimension] for x in xs)
    return Aval(shape, first.dtype)


concatenate_p = Primitive("concatenate", lambda *xs, dimension: np.concatenate(xs, dimension),
                          _concatenate_rule)


def concatenate(xs, dimension):
    xs = list(xs)
    return xs[0] if len(xs) == 1 else bind(concatenate_p, *xs, dimension=int(dimension))
