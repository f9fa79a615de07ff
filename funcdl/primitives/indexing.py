"""Gather and scatter along the leading axis with an integer index array.

``gather(x, idx)[i...] = x[idx[i...]]`` (indices clamped into range, as under jit);
``scatter(x, idx, updates, mode)`` returns a copy of ``x`` with ``updates`` set, added
(duplicates accumulate) or multiplied at ``idx``; out-of-range indices are dropped.
"""
import math

import numpy as np

from ..core import Aval, Literal, Primitive, bind, shape_error
from .elementwise import binary, convert, select
from .lowering import contiguous, lowers, round_f16, view
from .reductions import argsort, others_product
from .rules import (add_any, clip, const, dtype_of, instantiate, move_axis, mul, ndim_of, shape_of,
                    to_front, zeros_like)
from .structural import reshape


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


def _in_bounds(idx, n):
    """``0 <= idx < n``."""
    return binary("and", binary("ge", idx, const(0, idx)), binary("lt", idx, const(n, idx)))


def _in_range(idx, n, like):
    """1 where ``idx`` is in range, in ``like``'s dtype, broadcast against ``like``."""
    extra = (1,) * (ndim_of(like) - ndim_of(idx))
    return convert(reshape(_in_bounds(idx, n), shape_of(idx) + extra), dtype_of(like))


# -- gather ------------------------------------------------------------------------------


def _gather_jvp(tangents, primals, out):
    return gather(tangents[0], primals[1])


def _gather_vjp(g, x, idx, *, out):
    return [scatter(zeros_like(x), clip(idx, 0, shape_of(x)[0] - 1), g, "add"), None]


def _gather_batch(args, dims, size):
    (x, idx), (dx, di) = args, dims
    if di is None:  # the batch is just another trailing axis of x
        return gather(move_axis(x, dx, 1), idx), ndim_of(idx)
    idx = move_axis(idx, di, 0)
    if dx is None:
        return gather(x, idx), 0
    x = move_axis(x, dx, 0)
    n = shape_of(x)[1]
    clamped = binary("max", binary("min", idx, const(n - 1, idx)), const(0, idx))  # per example
    flat_x = reshape(x, (size * n,) + shape_of(x)[2:])
    return gather(flat_x, binary("add", clamped, _example_offsets(idx, size, n))), 0


def _example_offsets(idx, size, n):
    """``b * n`` for example ``b`` of a batch-first ``idx``: rows of the flattened batch."""
    offsets = np.arange(size, dtype=dtype_of(idx)) * n
    return offsets.reshape((size,) + (1,) * (ndim_of(idx) - 1))


@lowers(gather_p)
def _gather_lower(gen, eqn):
    (x, idx), out = eqn.inputs, eqn.outputs[0]
    n = x.aval.shape[0]
    rest = math.prod(x.aval.shape[1:])
    count = idx.aval.size
    if not out.aval.shape:  # one element: a scalar
        k = f"min(max({gen.read(idx, [], ())}, 0), {n - 1})"
        gen.emit(f"{gen.var(out)} = {gen.var(x)}[{k}]")
        return
    name = gen.alloc(out)
    if not count or not rest:
        return
    flat_out = view(gen, name, out.aval.shape, _rows(count, rest), "fo")
    flat_x = view(gen, gen.var(x), x.aval.shape, _rows(n, rest), "fx")
    flat_idx = _flat_index(gen, idx, count)
    p, k = gen.fresh("p"), gen.fresh("k")
    gen.emit(f"for {p} in range({count}):")
    gen.emit(f"{k} = min(max({flat_idx}[{p}], 0), {n - 1})", 2)
    _column_loop(gen, rest, f"{flat_out}[{p}{{q}}] = {flat_x}[{k}{{q}}]", 2)


def _rows(n, rest):
    """The shape of ``n`` rows of ``rest`` elements (a vector for one-element rows)."""
    return (n,) if rest == 1 else (n, rest)


def _column_loop(gen, rest, line, depth):
    """``line`` (with ``{q}`` for the column index, ``, q``) for each of ``rest`` columns;
    rows of one element are vector elements (no column index)."""
    if rest == 1:
        gen.emit(line.format(q=""), depth)
        return
    q = gen.fresh("q")
    gen.emit(f"for {q} in range({rest}):", depth)
    gen.emit(line.format(q=f", {q}"), depth + 1)


def _flat_index(gen, idx, count):
    if isinstance(idx, Literal) or not idx.aval.shape:
        name = gen.fresh("ix")
        gen.emit(f"{name} = np.full(1, {gen.read(idx, [], ())}, dtype=np.int64)")
        return name
    return view(gen, gen.var(idx), idx.aval.shape, (count,), "ix")


gather_p.jvp, gather_p.vjp, gather_p.batch = _gather_jvp, _gather_vjp, _gather_batch

# -- scatter -----------------------------------------------------------------------------


def _scatter_mul_others(idx, u):
    """For each update of a scatter-multiply, the product of the other updates at its
    index (1 when indices are unique): the derivative without dividing by ``u``."""
    k = int(np.prod(shape_of(idx), dtype=np.int64))
    flat_idx, flat_u = reshape(idx, (k,)), reshape(u, (k,) + shape_of(u)[ndim_of(idx):])
    order = argsort(flat_idx, 0)
    others = others_product(gather(flat_u, order), gather(flat_idx, order))
    return reshape(gather(others, argsort(order, 0)), shape_of(u))


def _scatter_jvp(tangents, primals, out, *, mode):
    (x, idx, u), (tx, _, tu) = primals, tangents
    if mode in ("add", "set"):
        return scatter(instantiate(tx, x), idx, instantiate(tu, u), mode)
    # mul: out = x * prod(u at idx)
    d = scatter(instantiate(tx, x), idx, u, "mul")
    if tu is not None:
        rel = scatter(zeros_like(x), idx, mul(tu, _scatter_mul_others(idx, u)), "add")
        d = add_any(d, mul(x, rel))
    return d


def _scatter_vjp(g, x, idx, u, *, out, mode):
    n = shape_of(x)[0]
    keep = _in_range(idx, n, u)
    if mode == "mul":
        g_x = scatter(g, idx, u, "mul")
        g_u = mul(gather(mul(g, x), clip(idx, 0, n - 1)), _scatter_mul_others(idx, u))
        return [g_x, None, mul(g_u, keep)]
    g_x = g if mode == "add" else scatter(g, idx, zeros_like(u), "set")
    return [g_x, None, mul(gather(g, clip(idx, 0, n - 1)), keep)]


def _scatter_batch(args, dims, size, *, mode):
    """Per-example indices become offsets into the flattened batch (out-of-range ones
    stay out of range)."""
    (x, idx, u), (dx, di, du) = args, dims
    x = to_front(x, dx, size)
    n = shape_of(x)[1]
    if di is None:  # same indices for every example: scatter along axis 1 via a transpose
        u = move_axis(to_front(u, du, size), 0, ndim_of(idx))  # (*idx, B, rest)
        return move_axis(scatter(move_axis(x, 0, 1), idx, u, mode), 1, 0), 0
    idx, u = to_front(idx, di, size), to_front(u, du, size)
    flat_x = reshape(x, (size * n,) + shape_of(x)[2:])
    outside = const(-1 if dtype_of(idx).kind == "i" else size * n, idx)
    flat_idx = select(_in_bounds(idx, n), binary("add", idx, _example_offsets(idx, size, n)), outside)
    return reshape(scatter(flat_x, flat_idx, u, mode), shape_of(x)), 0


@lowers(scatter_p)
def _scatter_lower(gen, eqn):
    (x, idx, upd), out = eqn.inputs, eqn.outputs[0]
    mode = eqn.params["mode"]
    n = x.aval.shape[0]
    rest = math.prod(x.aval.shape[1:])
    count = idx.aval.size
    name = gen.var(out)
    gen.emit(f"{name} = {gen.var(x)}.copy()")
    if not count or not rest:
        return
    flat_out = view(gen, name, out.aval.shape, _rows(n, rest), "fo")
    flat_u = view(gen, contiguous(gen, upd), upd.aval.shape, _rows(count, rest), "fu")
    flat_idx = _flat_index(gen, idx, count)
    p, k = gen.fresh("p"), gen.fresh("k")
    target, update = f"{flat_out}[{k}{{q}}]", f"{flat_u}[{p}{{q}}]"
    if mode != "set":
        update = round_f16(gen, out.aval.dtype, f"{target} {'+' if mode == 'add' else '*'} {update}")
    gen.emit(f"for {p} in range({count}):")
    gen.emit(f"{k} = {flat_idx}[{p}]", 2)
    gen.emit(f"if 0 <= {k} < {n}:", 2)
    _column_loop(gen, rest, f"{target} = {update}", 3)


scatter_p.jvp, scatter_p.vjp, scatter_p.batch = _scatter_jvp, _scatter_vjp, _scatter_batch
