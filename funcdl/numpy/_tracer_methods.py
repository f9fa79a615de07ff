"""Operators, properties and methods of traced values (installed on ``Tracer``)."""
import numpy as np

from ..core import Tracer
from . import _indexing, _linalg, _math, _reductions, _shape
from ._base import asarray, cast


def _swap(fn):
    return lambda self, other: fn(other, self)


def _invert(x):
    if x.dtype != np.bool_:
        raise TypeError(f"~ is only supported on boolean traced arrays, got {x.dtype.name}")
    return _math.logical_not(x)


def _logical(fn, op):
    def method(self, other):
        if asarray(self).dtype != np.bool_ or asarray(other).dtype != np.bool_:
            raise TypeError(f"{op} is only supported between boolean traced arrays; use "
                            "fnp.logical_and / fnp.logical_or")
        return fn(self, other)
    return method


def _reshape_method(self, *shape, order="C"):
    return _shape.reshape(self, shape[0] if len(shape) == 1 else shape, order)


def _transpose_method(self, *axes):
    return _shape.transpose(self, None if not axes else axes[0] if len(axes) == 1 else axes)


OPERATORS = {
    "__add__": _math.add, "__radd__": _swap(_math.add),
    "__sub__": _math.subtract, "__rsub__": _swap(_math.subtract),
    "__mul__": _math.multiply, "__rmul__": _swap(_math.multiply),
    "__truediv__": _math.divide, "__rtruediv__": _swap(_math.divide),
    "__floordiv__": _math.floor_divide, "__rfloordiv__": _swap(_math.floor_divide),
    "__mod__": _math.remainder, "__rmod__": _swap(_math.remainder),
    "__pow__": _math.power, "__rpow__": _swap(_math.power),
    "__matmul__": _linalg.matmul, "__rmatmul__": _swap(_linalg.matmul),
    "__lt__": _math.less, "__le__": _math.less_equal,
    "__gt__": _math.greater, "__ge__": _math.greater_equal,
    "__eq__": _math.equal, "__ne__": _math.not_equal,
    "__and__": _logical(_math.logical_and, "&"), "__rand__": _logical(_math.logical_and, "&"),
    "__or__": _logical(_math.logical_or, "|"), "__ror__": _logical(_math.logical_or, "|"),
    "__neg__": _math.negative, "__pos__": _math.positive, "__abs__": _math.abs,
    "__invert__": _invert,
    "__getitem__": _indexing.getitem,
}

METHODS = {
    "sum": _reductions.sum, "mean": _reductions.mean, "max": _reductions.max,
    "min": _reductions.min, "prod": _reductions.prod, "var": _reductions.var,
    "std": _reductions.std, "argmax": _reductions.argmax, "argmin": _reductions.argmin,
    "all": _reductions.all, "any": _reductions.any, "cumsum": _reductions.cumsum,
    "reshape": _reshape_method, "transpose": _transpose_method, "ravel": _shape.ravel,
    "flatten": _shape.ravel, "squeeze": _shape.squeeze, "swapaxes": _shape.swapaxes,
    "clip": _math.clip, "round": _math.round, "dot": _linalg.dot, "take": _indexing.take,
    "astype": lambda self, dtype: cast(self, np.dtype(dtype)),
    "item": lambda self, *index: np.asarray(self.converted_value("x.item()")).item(*index),
}

PROPERTIES = {
    "T": lambda self: _shape.transpose(self),
    "at": _indexing.at,
}


def install():
    for name, fn in {**OPERATORS, **METHODS}.items():
        setattr(Tracer, name, fn)
    for name, fn in PROPERTIES.items():
        setattr(Tracer, name, property(fn))
