"""Windows at runtime offsets: dynamic_slice and dynamic_update_slice.

``dynamic_slice(x, *starts, slice_sizes)`` is ``x[s0:s0 + n0, s1:s1 + n1, ...]`` and
``dynamic_update_slice(x, u, *starts)`` a copy of ``x`` with that window (of ``u``'s
shape) set to ``u``. The starts are integer scalars, one per axis, known only at run time
under ``jit``; each is clamped so that the window stays inside ``x``:
``s = clip(start, 0, dim - size)`` (negative starts clamp to 0). Both primitives are
linear in their array operands, each the other's transpose; the starts have no derivative.
Batched starts become flat element indices into the operand (a gather or a scatter).
"""
import builtins
import math

import numpy as np

from ..core import Aval, Literal, Primitive, aval_of, bind, shape_error
from .elementwise import binary, convert
from .indexing import gather, scatter
from .lowering import lowers, offset, scalar_identity
from .rules import clip, const, dtype_of, instantiate, move_axis, ndim_of, shape_of, to_front, zeros_like
from .structural import reshape


def _check_starts(op, x, starts, *shapes):
    if len(starts) != x.ndim:
        raise shape_error(op, f"needs one start index per axis of the {x.ndim}-d operand, got "
                          f"{len(starts)}; pass a sequence of {x.ndim} integer scalars", *shapes)
    for k, s in enumerate(starts):
        if s.shape != () or s.dtype.kind not in "iu":
            raise TypeError(f"{op}: start indices must be integer scalars (0-d), but index {k} "
                            f"is {s.str_short()} (operand {x.str_short()}); pass Python ints or "
                            f"0-d integer arrays, e.g. i.astype(np.int32), one per axis")


def _clamped(starts, shape, sizes):
    """The starts of an in-bounds window, as Python ints."""
    return [min(max(int(s), 0), d - n) for s, d, n in zip(starts, shape, sizes)]


def _window(starts, shape, sizes):
    return tuple(builtins.slice(a, a + n) for a, n in zip(_clamped(starts, shape, sizes), sizes))


def _as_starts(op, start_indices):
    """``start_indices`` (a sequence of scalars, or a 1-d array) as a tuple of operands."""
    if hasattr(start_indices, "aval") or isinstance(start_indices, np.ndarray):
        if np.ndim(start_indices) != 1:
            raise TypeError(f"{op}: start_indices must be a sequence of integer scalars (one per "
                            f"axis) or a 1-d array of them, got shape {np.shape(start_indices)}")
        return tuple(start_indices[k] for k in range(np.shape(start_indices)[0]))
    if not isinstance(start_indices, (tuple, list)):
        raise TypeError(f"{op}: start_indices must be a sequence of integer scalars, one per axis, "
                        f"got {start_indices!r}; write (i,) for a 1-d operand")
    return tuple(s if hasattr(s, "aval") else np.asarray(s) for s in start_indices)


def _window_indices(starts, dims, size, shape, sizes):
    """Per-example flat (row-major) indices of the clamped windows of batched ``starts``
    into an operand of per-example ``shape``: an int64 array of shape ``(size, *sizes)``."""
    strides = [math.prod(shape[k + 1:]) for k in range(len(shape))]
    flat = None
    for k, (s, d) in enumerate(zip(starts, dims)):
        s = to_front(s, d, size)  # (size,)
        hi = shape[k] - sizes[k]
        if dtype_of(s) == np.uint64:  # clamped before it could wrap around in int64
            s = binary("min", s, const(hi, s))
        s = clip(convert(s, np.int64), 0, hi)
        ones = [1] * len(shape)
        pos = binary("add", reshape(s, [size] + ones),
                     np.arange(sizes[k], dtype=np.int64).reshape([1] + ones[:k] + [sizes[k]] + ones[k + 1:]))
        term = binary("mul", pos, const(strides[k], pos)) if strides[k] != 1 else pos
        flat = term if flat is None else binary("add", flat, term)
    return flat


def _example_rows(flat, size, per_example):
    """``flat`` indices moved to example ``b``'s block of a flattened batch."""
    rows = np.arange(size, dtype=np.int64).reshape((size,) + (1,) * (ndim_of(flat) - 1)) * per_example
    return binary("add", flat, rows)


def _start_texts(gen, starts, shape, sizes):
    """Code for the clamped starts: ints where known, else names of emitted locals."""
    texts = []
    for s, d, n in zip(starts, shape, sizes):
        hi = d - n
        if hi == 0 or isinstance(s, Literal):
            texts.append(0 if hi == 0 else _clamped([s.val], [d], [n])[0])
            continue
        name, v = gen.fresh("s"), gen.read(s, [], ())
        if s.aval.dtype == np.uint64:  # (numba's min of uint64 and int64 is a float)
            gen.emit(f"{name} = np.int64(min({v}, np.uint64({hi})))")
        elif s.aval.dtype.kind == "u":
            gen.emit(f"{name} = min(np.int64({v}), {hi})")
        else:
            gen.emit(f"{name} = min(max(np.int64({v}), 0), {hi})")
        texts.append(name)
    return texts


# -- dynamic_slice -----------------------------------------------------------------------


def _dynamic_slice_rule(x, *starts, slice_sizes):
    _check_starts("dynamic_slice", x, starts, x.shape)
    if len(slice_sizes) != x.ndim or any(not 0 <= n <= d for n, d in zip(slice_sizes, x.shape)):
        raise shape_error("dynamic_slice", f"slice_sizes {tuple(slice_sizes)} must give one size per "
                          f"axis, each between 0 and the operand's dimension; slice at most "
                          f"{x.shape}", x.shape)
    return Aval(slice_sizes, x.dtype)


def _dynamic_slice_impl(x, *starts, slice_sizes):
    _dynamic_slice_rule(aval_of(x), *[aval_of(s) for s in starts], slice_sizes=slice_sizes)
    x = np.asarray(x)
    return x[_window(starts, x.shape, slice_sizes)]


dynamic_slice_p = Primitive("dynamic_slice", _dynamic_slice_impl, _dynamic_slice_rule)


def dynamic_slice(x, start_indices, slice_sizes):
    starts = _as_starts("dynamic_slice", start_indices)
    slice_sizes = tuple(int(n) for n in slice_sizes)
    _dynamic_slice_rule(aval_of(x), *[aval_of(s) for s in starts], slice_sizes=slice_sizes)
    if slice_sizes == tuple(np.shape(x)):  # every start clamps to 0
        return x
    return bind(dynamic_slice_p, x, *starts, slice_sizes=slice_sizes)


def _dynamic_slice_jvp(tangents, primals, out, *, slice_sizes):
    t = tangents[0]
    return None if t is None else dynamic_slice(t, primals[1:], slice_sizes)


def _dynamic_slice_vjp(g, x, *starts, out, slice_sizes):
    return [dynamic_update_slice(zeros_like(x), g, starts)] + [None] * len(starts)


def _dynamic_slice_batch(args, dims, size, *, slice_sizes):
    (x, *starts), (dx, *ds) = args, dims
    if all(d is None for d in ds):  # one window for all: the batch axis is taken whole
        return dynamic_slice(move_axis(x, dx, 0), (0, *starts), (size, *slice_sizes)), 0
    shape = shape_of(x) if dx is None else shape_of(x)[:dx] + shape_of(x)[dx + 1:]
    flat = _window_indices(starts, ds, size, shape, slice_sizes)
    if dx is None:
        return gather(reshape(x, (math.prod(shape),)), flat), 0
    flat = _example_rows(flat, size, math.prod(shape))
    return gather(reshape(move_axis(x, dx, 0), (size * math.prod(shape),)), flat), 0


@lowers(dynamic_slice_p)
def _dynamic_slice_lower(gen, eqn):
    """A view when the window is contiguous in memory (size-1 axes, then one cut axis, then
    whole axes: ``x[s0, s1:s1 + n1]``, reshaped), else a loop copying it."""
    (x, *starts), out = eqn.inputs, eqn.outputs[0]
    sizes, shape = eqn.params["slice_sizes"], x.aval.shape
    if scalar_identity(gen, x, out):
        return
    if not out.aval.size:
        gen.alloc(out)
        return
    at = _start_texts(gen, starts, shape, sizes)
    name, src = gen.var(out), gen.var(x)
    cut = max((k for k, (n, d) in enumerate(zip(sizes, shape)) if n != d), default=None)
    if cut is None:  # the whole operand
        gen.emit(f"{name} = {src}")
        gen.view_of(name, src)
        return
    if all(n == 1 for n in sizes[:cut]):
        a, n = at[cut], sizes[cut]
        parts = [str(a) for a in at[:cut]] + [f"{a}:{a + n if isinstance(a, int) else f'{a} + {n}'}"]
        view = f"{src}[{', '.join(parts)}]"
        gen.emit(f"{name} = {view}" if cut == 0 else f"{name} = {view}.reshape({tuple(sizes)!r})")
        gen.view_of(name, src)
        return
    gen.alloc(out)
    gen.loop_nest(sizes, lambda idx, d: gen.emit(
        f"{name}[{', '.join(idx)}] = {src}[{', '.join(offset(a, i) for a, i in zip(at, idx))}]", d))


dynamic_slice_p.jvp, dynamic_slice_p.vjp = _dynamic_slice_jvp, _dynamic_slice_vjp
dynamic_slice_p.batch = _dynamic_slice_batch


# -- dynamic_update_slice ----------------------------------------------------------------


def _dynamic_update_slice_rule(x, update, *starts):
    op = "dynamic_update_slice"
    _check_starts(op, x, starts, x.shape, update.shape)
    if update.dtype != x.dtype:
        raise TypeError(f"{op}: the update's dtype {update.dtype.name} differs from the operand's "
                        f"{x.dtype.name}; convert it, e.g. update.astype(np.{x.dtype.name})")
    if update.ndim != x.ndim or any(u > d for u, d in zip(update.shape, x.shape)):
        raise shape_error(op, f"the update must have the operand's rank ({x.ndim}) and fit inside "
                          f"it, axis by axis; slice or reshape the update to at most {x.shape}",
                          x.shape, update.shape)
    return x


def _dynamic_update_slice_impl(x, update, *starts):
    _dynamic_update_slice_rule(aval_of(x), aval_of(update), *[aval_of(s) for s in starts])
    out = np.array(x, copy=True)
    out[_window(starts, out.shape, np.shape(update))] = update
    return out


dynamic_update_slice_p = Primitive("dynamic_update_slice", _dynamic_update_slice_impl,
                                   _dynamic_update_slice_rule)


def dynamic_update_slice(x, update, start_indices):
    starts = _as_starts("dynamic_update_slice", start_indices)
    _dynamic_update_slice_rule(aval_of(x), aval_of(update), *[aval_of(s) for s in starts])
    if np.shape(update) == np.shape(x):  # the whole operand is replaced
        return update
    return bind(dynamic_update_slice_p, x, update, *starts)


def _dynamic_update_slice_jvp(tangents, primals, out):
    (x, u, *starts), (tx, tu) = primals, tangents[:2]
    if tx is None and tu is None:
        return None
    return dynamic_update_slice(instantiate(tx, x), instantiate(tu, u), starts)


def _dynamic_update_slice_vjp(g, x, u, *starts, out):
    return [dynamic_update_slice(g, zeros_like(u), starts),
            dynamic_slice(g, starts, shape_of(u))] + [None] * len(starts)


def _dynamic_update_slice_batch(args, dims, size):
    (x, u, *starts), (dx, du, *ds) = args, dims
    x, u = to_front(x, dx, size), to_front(u, du, size)
    if all(d is None for d in ds):
        return dynamic_update_slice(x, u, (0, *starts)), 0
    shape = shape_of(x)[1:]
    flat = _example_rows(_window_indices(starts, ds, size, shape, shape_of(u)[1:]), size, math.prod(shape))
    out = scatter(reshape(x, (size * math.prod(shape),)), flat, u, "set")  # windows do not overlap
    return reshape(out, shape_of(x)), 0


@lowers(dynamic_update_slice_p)
def _dynamic_update_slice_lower(gen, eqn):
    """A copy of the operand, then a loop writing the update into its window."""
    (x, u, *starts), out = eqn.inputs, eqn.outputs[0]
    if scalar_identity(gen, u, out):
        return
    name = gen.var(out)
    gen.emit(f"{name} = {gen.var(x)}.copy()")
    if not u.aval.size:
        return
    at = _start_texts(gen, starts, x.aval.shape, u.aval.shape)
    gen.loop_nest(u.aval.shape, lambda idx, d: gen.emit(
        f"{name}[{', '.join(offset(a, i) for a, i in zip(at, idx))}] = {gen.var(u)}[{', '.join(idx)}]", d))


dynamic_update_slice_p.jvp, dynamic_update_slice_p.vjp = _dynamic_update_slice_jvp, _dynamic_update_slice_vjp
dynamic_update_slice_p.batch = _dynamic_update_slice_batch
