"""Reductions over static axes, arg-reductions, cumulative sums and sorting."""
import numpy as np

from ..core import Aval, Primitive, bind, shape_error


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


# -- argsort (stable) --------------------------------------------------------------------


def _argsort_rule(x, *, axis):
    _check_axes("argsort", x, (axis,))
    return Aval(x.shape, np.int64)


argsort_p = Primitive("argsort", lambda x, *, axis: np.argsort(x, axis, kind="stable"),
                      _argsort_rule)


def argsort(x, axis):
    return bind(argsort_p, x, axis=int(axis))
