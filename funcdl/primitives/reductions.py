"""Reductions over static axes, arg-reductions, cumulative sums and sorting."""
import math

import numpy as np

from ..core import Aval, Primitive, bind, shape_error
from .elementwise import binary, convert, select
from .lowering import dtype_ctor, literal, lowers, needs_cast, round_f16, round_f16_array
from .rules import (axis_batch, deflinear, div, dtype_of, move_axis, mul, no_derivative,
                    shape_of)
from .structural import broadcast_to, pad, reshape, rev, slice, transpose


def _check_axes(op, x, axes):
    if len(set(axes)) != len(axes) or any(not 0 <= a < x.ndim for a in axes):
        raise shape_error(op, f"axes {axes} are invalid for a {x.ndim}-d array", x.shape)


def _reduce_rule(name):
    def rule(x, *, axes):
        _check_axes(name, x, axes)
        if name in ("reduce_max", "reduce_min") and any(x.shape[a] == 0 for a in axes):
            raise shape_error(name, f"zero-size reduction over axes {axes} has no identity", x.shape)
        return Aval([d for i, d in enumerate(x.shape) if i not in axes], x.dtype)
    return rule


REDUCERS = {  # ufunc.reduce directly: numpy's np.sum/np.max wrappers cost microseconds
    "reduce_sum": lambda x, *, axes: np.add.reduce(x, axis=axes, dtype=x.dtype),
    "reduce_prod": lambda x, *, axes: np.multiply.reduce(x, axis=axes, dtype=x.dtype),
    "reduce_max": lambda x, *, axes: np.maximum.reduce(x, axis=axes),
    "reduce_min": lambda x, *, axes: np.minimum.reduce(x, axis=axes),
}
reduce_prims = {name: Primitive(name, impl, _reduce_rule(name)) for name, impl in REDUCERS.items()}
reduce_sum_p, reduce_prod_p = reduce_prims["reduce_sum"], reduce_prims["reduce_prod"]
reduce_max_p, reduce_min_p = reduce_prims["reduce_max"], reduce_prims["reduce_min"]


def reduce(name, x, axes):
    axes = tuple(sorted(int(a) for a in axes))
    return bind(reduce_prims[name], x, axes=axes) if axes else x


def expand_reduced(g, x_shape, axes):
    """``g`` (reduced over ``axes``) broadcast back to ``x_shape``."""
    kept = [1 if i in axes else d for i, d in enumerate(x_shape)]
    return broadcast_to(reshape(g, kept), x_shape)


def defreduction(prim, weights):
    """Declare the derivatives of the reduction ``prim``: ``weights(x, out, axes)`` is
    d out / d x elementwise (broadcast from the reduced output)."""
    def jvp(tangents, primals, out, *, axes):
        return reduce("reduce_sum", mul(tangents[0], weights(primals[0], out, axes)), axes)

    def vjp(g, x, *, out, axes):
        return [mul(expand_reduced(g, shape_of(x), axes), weights(x, out, axes))]
    prim.jvp, prim.vjp = jvp, vjp


def _extremum_weights(x, out, axes):
    """1/count at the positions that attain the max/min (ties share the gradient)."""
    hits = convert(binary("eq", x, expand_reduced(out, shape_of(x), axes)), dtype_of(x))
    count = reduce("reduce_sum", hits, axes)
    return div(hits, expand_reduced(count, shape_of(x), axes))


def _product_of_others(x, out, axes):
    """d prod(x) / d x_i = product of the other elements (no division: exact with zeros,
    and so are its own derivatives)."""
    shape = shape_of(x)
    rest = [i for i in range(len(shape)) if i not in axes]
    perm = list(axes) + rest
    moved = transpose(x, perm) if perm != sorted(perm) else x
    n = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    others = others_product(reshape(moved, (n,) + tuple(shape[i] for i in rest)))
    others = reshape(others, [shape[i] for i in perm])
    return transpose(others, np.argsort(perm)) if perm != sorted(perm) else others


def others_product(x, segments=None):
    """The product of the other rows (of the same segment) along axis 0, for each row."""
    prefix = _exclusive_cumprod(x, segments)
    flip = (lambda a: None if a is None else rev(a, (0,)))  # noqa: E731
    suffix = flip(_exclusive_cumprod(flip(x), flip(segments)))
    return mul(prefix, suffix)


def cumprod(x, axis):
    """Inclusive cumulative product along ``axis``, composed from multiplications (a
    polynomial in ``x``, so every derivative and batching rule applies; no division)."""
    front = move_axis(x, axis, 0)
    return move_axis(mul(_exclusive_cumprod(front), front), 0, axis)


def _exclusive_cumprod(x, segments=None):
    """``prod(x[j] for j < i)`` along axis 0 by doubling (log n multiplications, no
    division: a polynomial in ``x``, exact to every order). With sorted ``segments`` (one
    id per row) only rows of the same segment multiply."""
    n, ones = shape_of(x)[0], np.ones(shape_of(x), dtype_of(x))

    def same(s):  # row i - s is in row i's segment
        mask = binary("and", np.arange(n) >= s, binary("eq", segments, _shift_down(segments, s, 0)))
        return broadcast_to(reshape(mask, (n,) + (1,) * (len(shape_of(x)) - 1)), shape_of(x))

    def shifted(y, s):
        prev = _shift_down(y, s, 1)
        return prev if segments is None or s >= n else select(same(s), prev, ones)

    y, s = x, 1
    while s < n:
        y, s = mul(y, shifted(y, s)), 2 * s
    return shifted(y, 1)


def _shift_down(x, s, fill):
    """``y[i] = x[i - s]`` along axis 0, ``fill`` where ``i < s``."""
    shape = shape_of(x)
    if s >= shape[0]:
        return np.full(shape, fill, dtype_of(x))
    head = slice(x, (0,) * len(shape), (shape[0] - s,) + shape[1:])
    return pad(head, np.asarray(fill, dtype_of(x)), [(s, 0, 0)] + [(0, 0, 0)] * (len(shape) - 1))


@lowers(*reduce_prims.values())
def _reduce_lower(gen, eqn):
    (x,), out, axes = eqn.inputs, eqn.outputs[0], eqn.params["axes"]
    dtype, shape, name = out.aval.dtype, x.aval.shape, eqn.prim.name
    init, update = _reduce_init_update(gen, name, dtype)
    if not out.aval.shape:
        acc = gen.var(out)
        gen.emit(f"{acc} = {init}")
        gen.loop_nest(shape, lambda idx, d: gen.emit(
            f"{acc} = {dtype_ctor(dtype)}({update.format(acc=acc, v=gen.read(x, idx, shape))})"
            if needs_cast(name, dtype) or dtype.kind in "iu"
            else f"{acc} = {update.format(acc=acc, v=gen.read(x, idx, shape))}", d))
        round_f16_array(gen, acc, out.aval)  # float16 sums accumulate in float32, as numpy's
        return
    acc = gen.alloc(out, init)
    # adjacent reduced (or kept) axes that every operand reads alike become one loop
    boundaries = [k for k in range(1, len(shape)) if (k in axes) != (k - 1 in axes)]
    leaves = gen.leaf_shapes([gen.producer[x]]) if x in gen.inline else [shape]
    groups = gen.collapse_plan(shape, leaves, separate=boundaries)
    reduced = [g[0] in axes for g in groups]
    cshape = [math.prod(shape[d] for d in g) for g in groups]
    index, views, value = gen.collapsed(shape, groups, lambda: gen.read(x, None, shape))
    gen.emit_views(views)
    kept = [(g, i) for g, i, r in zip(groups, index, reduced) if not r]
    if all(sum(shape[d] != 1 for d in g) <= 1 for g, _ in kept):  # the accumulator as it is
        target = f"{acc}[{', '.join(i if shape[d] != 1 else '0' for g, i in kept for d in g)}]"
    else:
        target_view = gen.fresh("f")
        gen.emit(f"{target_view} = {acc}.reshape({tuple(c for c, r in zip(cshape, reduced) if not r)!r})")
        target = f"{target_view}[{', '.join(i for i, r in zip(index, reduced) if not r)}]"
    gen.emit_collapsed_loops(cshape, index, [f"{target} = {update.format(acc=target, v=value)}"])
    round_f16_array(gen, acc, out.aval)


def _reduce_init_update(gen, name, dtype):
    """The accumulator's initial value (code) and its update template (``{acc}``, ``{v}``)."""
    if name == "reduce_sum":
        return literal(0, dtype) if dtype != np.bool_ else "0", "{acc} + {v}"
    if name == "reduce_prod":
        return literal(1, dtype) if dtype != np.bool_ else "1", "{acc} * {v}"
    fn = "_max" if name == "reduce_max" else "_min"
    gen.helpers.add(fn)
    if dtype.kind == "f":
        init = literal(-np.inf if fn == "_max" else np.inf, dtype)
    elif dtype == np.bool_:
        init = "False" if fn == "_max" else "True"
    else:
        info = np.iinfo(dtype)
        init = literal(info.min if fn == "_max" else info.max, dtype)
    return init, fn + "({acc}, {v})"


deflinear(reduce_sum_p, lambda g, x, *, out, axes: [expand_reduced(g, shape_of(x), axes)])
defreduction(reduce_max_p, _extremum_weights)
defreduction(reduce_min_p, _extremum_weights)
defreduction(reduce_prod_p, _product_of_others)
for _prim in reduce_prims.values():
    _prim.batch = axis_batch(_prim, "axes")


# -- argmax / argmin ---------------------------------------------------------------------


def _arg_rule(name):
    def rule(x, *, axis):
        _check_axes(name, x, (axis,))
        if x.shape[axis] == 0:
            raise shape_error(name, f"attempt to get {name} of an empty axis {axis}", x.shape)
        return Aval([d for i, d in enumerate(x.shape) if i != axis], np.int64)
    return rule


argmax_p = Primitive("argmax", lambda x, *, axis: np.argmax(x, axis), _arg_rule("argmax"))
argmin_p = Primitive("argmin", lambda x, *, axis: np.argmin(x, axis), _arg_rule("argmin"))


def argmax(x, axis):
    return bind(argmax_p, x, axis=int(axis))


def argmin(x, axis):
    return bind(argmin_p, x, axis=int(axis))


@lowers(argmax_p, argmin_p)
def _arg_lower(gen, eqn):
    (x,), out = eqn.inputs, eqn.outputs[0]
    axis = eqn.params["axis"]
    shape = x.aval.shape
    better = ">" if eqn.prim.name == "argmax" else "<"
    outer = [d for k, d in enumerate(shape) if k != axis]
    res = gen.var(out)
    if outer:
        gen.alloc(out)

    def body(idx, d):
        full = list(idx)
        full.insert(axis, "0")
        best, bi, k = gen.fresh("b"), gen.fresh("j"), gen.fresh("k")
        gen.emit(f"{best} = {gen.var(x)}[{', '.join(full)}]", d)
        gen.emit(f"{bi} = 0", d)
        full[axis] = k
        v = gen.fresh("e")
        gen.emit(f"for {k} in range(1, {shape[axis]}):", d)
        gen.emit(f"{v} = {gen.var(x)}[{', '.join(full)}]", d + 1)
        gen.emit(f"if ({v} {better} {best} or ({v} != {v} and {best} == {best})):", d + 1)
        gen.emit(f"{best} = {v}", d + 2)
        gen.emit(f"{bi} = {k}", d + 2)
        target = f"{res}[{', '.join(idx)}]" if outer else res
        gen.emit(f"{target} = {bi}", d)
    gen.loop_nest(outer, body)


for _prim in (argmax_p, argmin_p):
    no_derivative(_prim)
    _prim.batch = axis_batch(_prim)


# -- cumsum ------------------------------------------------------------------------------


def _cumsum_rule(x, *, axis, reverse):
    _check_axes("cumsum", x, (axis,))
    return x


def _cumsum_impl(x, *, axis, reverse):
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis, dtype=x.dtype), axis)
    return np.cumsum(x, axis, dtype=x.dtype)


cumsum_p = Primitive("cumsum", _cumsum_impl, _cumsum_rule)


def cumsum(x, axis, reverse=False):
    return bind(cumsum_p, x, axis=int(axis), reverse=bool(reverse))


@lowers(cumsum_p)
def _cumsum_lower(gen, eqn):
    (x,), out = eqn.inputs, eqn.outputs[0]
    axis, reverse = eqn.params["axis"], eqn.params["reverse"]
    shape = x.aval.shape
    name = gen.alloc(out)
    outer = [d for k, d in enumerate(shape) if k != axis]
    ctor = dtype_ctor(out.aval.dtype)

    def body(idx, d):
        acc, k = gen.fresh("acc"), gen.fresh("k")
        gen.emit(f"{acc} = {ctor}(0)", d)
        order = f"range({shape[axis] - 1}, -1, -1)" if reverse else f"range({shape[axis]})"
        gen.emit(f"for {k} in {order}:", d)
        full = list(idx)
        full.insert(axis, k)
        total = round_f16(gen, out.aval.dtype, f"{ctor}({acc} + {gen.var(x)}[{', '.join(full)}])")
        gen.emit(f"{acc} = {total}", d + 1)
        gen.emit(f"{name}[{', '.join(full)}] = {acc}", d + 1)
    gen.loop_nest(outer, body)


deflinear(cumsum_p, lambda g, x, *, out, axis, reverse: [cumsum(g, axis, not reverse)])
cumsum_p.batch = axis_batch(cumsum_p)


# -- argsort (stable) --------------------------------------------------------------------


def _argsort_rule(x, *, axis):
    _check_axes("argsort", x, (axis,))
    return Aval(x.shape, np.int64)


argsort_p = Primitive("argsort", lambda x, *, axis: np.argsort(x, axis, kind="stable"),
                      _argsort_rule)


def argsort(x, axis):
    return bind(argsort_p, x, axis=int(axis))


@lowers(argsort_p)
def _argsort_lower(gen, eqn):
    (x,), out = eqn.inputs, eqn.outputs[0]
    axis = eqn.params["axis"]
    name = gen.alloc(out)
    outer = [d for k, d in enumerate(x.aval.shape) if k != axis]

    def body(idx, d):
        row = list(idx)
        row.insert(axis, ":")
        gen.emit(f"{name}[{', '.join(row)}] = np.argsort({gen.var(x)}[{', '.join(row)}], kind='mergesort')", d)
    gen.loop_nest(outer, body)


no_derivative(argsort_p)
argsort_p.batch = axis_batch(argsort_p)
