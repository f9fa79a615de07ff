"""Shape primitives: broadcast_to, reshape, transpose, slice, rev, pad, concatenate.

All are linear: each block declares the transpose (the vjp), the batching rule and the
numba lowering next to the definition."""
import builtins
import math

import numpy as np

from ..core import Aval, Primitive, bind, shape_error
from .elementwise import select
from .lowering import contiguous, dtype_ctor, lowers, offset, scalar_identity, view
from .rules import (deflinear, dtype_of, move_axis, shape_of, sub, to_front, total, unbroadcast,
                    zeros_like)

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


def _broadcast_to_batch(args, dims, size, *, shape):
    (x,), (d,) = args, dims
    x = move_axis(x, d, 0)
    per_example = shape_of(x)[1:]
    x = reshape(x, (size,) + (1,) * (len(shape) - len(per_example)) + per_example)
    return broadcast_to(x, (size,) + tuple(shape)), 0


deflinear(broadcast_to_p, lambda g, x, *, out, shape: [unbroadcast(g, shape_of(x))])
broadcast_to_p.batch = _broadcast_to_batch
broadcast_to_p.lower = "{0}"  # fused: a read of the operand (Codegen.expr)


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


def _reshape_batch(args, dims, size, *, new_sizes):
    return reshape(move_axis(args[0], dims[0], 0), (size,) + tuple(new_sizes)), 0


@lowers(reshape_p)
def _reshape_lower(gen, eqn):
    (x,), out = eqn.inputs, eqn.outputs[0]
    name = gen.var(out)
    if not out.aval.shape:
        gen.emit(f"{name} = {contiguous(gen, x)}.reshape(1)[0]" if x.aval.shape else f"{name} = {gen.read(x, [], ())}")
        return
    if not x.aval.shape:
        gen.emit(f"{name} = np.full({tuple(out.aval.shape)!r}, {gen.read(x, [], ())}, dtype={dtype_ctor(out.aval.dtype)})")
        return
    gen.emit(f"{name} = {gen.var(x)}.reshape({tuple(out.aval.shape)!r})")
    gen.view_of(name, gen.var(x))


deflinear(reshape_p, lambda g, x, *, out, new_sizes: [reshape(g, shape_of(x))])
reshape_p.batch = _reshape_batch


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


def _transpose_batch(args, dims, size, *, permutation):
    x = move_axis(args[0], dims[0], 0)
    return transpose(x, (0,) + tuple(p + 1 for p in permutation)), 0


@lowers(transpose_p)
def _transpose_lower(gen, eqn):
    (x,), out = eqn.inputs, eqn.outputs[0]
    perm = eqn.params["permutation"]
    if scalar_identity(gen, x, out):
        return
    name = gen.alloc(out)
    shape = out.aval.shape

    def body(idx, d):
        src = [None] * len(perm)
        for k, p in enumerate(perm):
            src[p] = idx[k]
        gen.emit(f"{name}[{', '.join(idx)}] = {gen.var(x)}[{', '.join(src)}]", d)
    gen.loop_nest(shape, body)


deflinear(transpose_p, lambda g, x, *, out, permutation: [transpose(g, np.argsort(permutation))])
transpose_p.batch = _transpose_batch


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


def _slice_transpose(g, x, *, out, start_indices, limit_indices, strides):
    config = []
    for lo, size, st, d in zip(start_indices, shape_of(g), strides, shape_of(x)):
        if size == 0:
            return [zeros_like(x)]
        last = lo + (size - 1) * st
        config.append((lo, d - last - 1, st - 1))
    return [pad(g, np.zeros((), dtype_of(g)), config)]


def _slice_batch(args, dims, size, *, start_indices, limit_indices, strides):
    x = move_axis(args[0], dims[0], 0)
    return slice(x, (0,) + start_indices, (size,) + limit_indices, (1,) + strides), 0


@lowers(slice_p)
def _slice_lower(gen, eqn):
    (x,), out = eqn.inputs, eqn.outputs[0]
    p = eqn.params
    if scalar_identity(gen, x, out):
        return
    sl = ", ".join(f"{lo or ''}:{'' if hi == n else hi}{'' if st == 1 else f':{st}'}" for lo, hi, st, n in
                   zip(p["start_indices"], p["limit_indices"], p["strides"], x.aval.shape))
    gen.emit(f"{gen.var(out)} = {gen.var(x)}[{sl}].copy()")


deflinear(slice_p, _slice_transpose)
slice_p.batch = _slice_batch


# -- rev ---------------------------------------------------------------------------------


def _rev_rule(x, *, dimensions):
    if any(not 0 <= d < x.ndim for d in dimensions):
        raise shape_error("rev", f"axes {dimensions} out of range", x.shape)
    return x


rev_p = Primitive("rev", lambda x, *, dimensions: np.flip(x, dimensions), _rev_rule)


def rev(x, dimensions):
    dimensions = tuple(int(d) for d in dimensions)
    return bind(rev_p, x, dimensions=dimensions) if dimensions else x


def _rev_batch(args, dims, size, *, dimensions):
    x = move_axis(args[0], dims[0], 0)
    return rev(x, tuple(d + 1 for d in dimensions)), 0


@lowers(rev_p)
def _rev_lower(gen, eqn):
    (x,), out = eqn.inputs, eqn.outputs[0]
    if scalar_identity(gen, x, out):
        return
    sl = ", ".join("::-1" if k in eqn.params["dimensions"] else ":" for k in range(x.aval.ndim))
    gen.emit(f"{gen.var(out)} = {gen.var(x)}[{sl}].copy()")


deflinear(rev_p, lambda g, x, *, out, dimensions: [rev(g, dimensions)])
rev_p.batch = _rev_batch


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


def _pad_transpose(g, x, value, *, out, padding_config):
    grown = pad(g, np.zeros((), dtype_of(g)), [(max(-lo, 0), max(-hi, 0), 0) for lo, hi, _ in padding_config])
    starts, limits, strides = [], [], []
    for d, (lo, hi, interior) in zip(shape_of(x), padding_config):
        start = max(lo, 0)
        starts.append(start)
        limits.append(start + (d - 1) * (interior + 1) + 1 if d else start)
        strides.append(interior + 1)
    g_x = slice(grown, starts, limits, strides)
    return [g_x, sub(total(g), total(g_x))]


def _pad_batch(args, dims, size, *, padding_config):
    (x, value), (dx, dv) = args, dims
    config = ((0, 0, 0),) + tuple(padding_config)
    if dv is None:
        return pad(to_front(x, dx, size), value, config), 0
    # a per-example padding value: pad with zeros, then select the value where padded
    x = to_front(x, dx, size)
    padded = pad(x, np.zeros((), dtype_of(x)), config)
    mask = pad(np.zeros(shape_of(x)[1:], bool), np.ones((), bool), padding_config)
    value = reshape(move_axis(value, dv, 0), (size,) + (1,) * len(padding_config))
    return select(mask, value, padded), 0


@lowers(pad_p)
def _pad_lower(gen, eqn):
    """Fill with the padding value, then copy ``x`` in with a loop nest (numba compiles
    explicit loops far faster than multi-dimensional slice assignments)."""
    (x, value), out = eqn.inputs, eqn.outputs[0]
    config = eqn.params["padding_config"]
    if scalar_identity(gen, x, out):
        return
    name = gen.alloc(out, gen.read(value, [], ()))
    if not x.aval.size:
        return

    def body(idx, d):
        targets, conditions = [], []
        for i, (lo, hi, interior), size in zip(idx, config, out.aval.shape):
            t = offset(lo, i, interior + 1)
            targets.append(t)
            if lo < 0 or hi < 0:
                conditions.append(f"0 <= {t} < {size}")
        store = f"{name}[{', '.join(targets)}] = {gen.var(x)}[{', '.join(idx)}]"
        if conditions:
            gen.emit(f"if {' and '.join(conditions)}:", d)
            gen.emit(store, d + 1)
        else:
            gen.emit(store, d)
    gen.loop_nest(x.aval.shape, body)


deflinear(pad_p, _pad_transpose)
pad_p.batch = _pad_batch


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


def _concatenate_transpose(g, *xs, out, dimension):
    cts, start = [], 0
    for x in xs:
        size = shape_of(x)[dimension]
        lo, hi = [0] * len(shape_of(g)), list(shape_of(g))
        lo[dimension], hi[dimension] = start, start + size
        cts.append(slice(g, lo, hi))
        start += size
    return cts


def _concatenate_batch(args, dims, size, *, dimension):
    return concatenate([to_front(a, d, size) for a, d in zip(args, dims)], dimension + 1), 0


@lowers(concatenate_p)
def _concatenate_lower(gen, eqn):
    out = eqn.outputs[0]
    axis = eqn.params["dimension"]
    name = gen.alloc(out)
    # as (before, axis, after) blocks (without the blocks of size 1): at most three loops
    before, after = math.prod(out.aval.shape[:axis]), math.prod(out.aval.shape[axis + 1:])
    keep = [before != 1, True, after != 1]

    def blocks(size):
        return [d for d, k in zip((before, size, after), keep) if k]

    blocked = view(gen, name, out.aval.shape, blocks(out.aval.shape[axis]))
    start = 0
    for x in eqn.inputs:
        size = x.aval.shape[axis]
        if size and before and after:
            src = view(gen, gen.var(x), x.aval.shape, blocks(size))

            def body(idx, d, start=start, src=src):
                idx = [i for i, k in zip(idx, keep) if k]
                target = list(idx)
                target[int(keep[0])] = offset(start, target[int(keep[0])])  # the axis
                gen.emit(f"{blocked}[{', '.join(target)}] = {src}[{', '.join(idx)}]", d)
            gen.loop_nest((before, size, after), body)
        start += size


deflinear(concatenate_p, _concatenate_transpose)
concatenate_p.batch = _concatenate_batch
