"""Conversion and dtype promotion shared by every ``funcdl.numpy`` function.

Arrays (numpy or traced) and numpy scalars have strong dtypes; Python scalars are weak
(``x * 2.0`` keeps ``x``'s float32), exactly numpy 2's NEP 50 rules.
"""
import functools

import numpy as np

from .. import primitives as P
from ..core import Tracer

ARRAY_TYPES = (Tracer, np.ndarray, np.generic)


def real_only(fn):
    """Decorate a function not built for complex values yet: complex array arguments raise a
    TypeError naming it (rather than returning numbers with the imaginary part lost)."""
    @functools.wraps(fn)
    def checked(*args, **kwargs):
        for a in list(args) + list(kwargs.values()):
            if isinstance(a, complex) or getattr(getattr(a, "dtype", None), "kind", None) == "c":
                raise TypeError(f"{fn.__name__}: complex inputs are not supported yet (got "
                                f"{np.asarray(a).dtype.name if isinstance(a, complex) else a.dtype.name}); "
                                "pass the real and imaginary parts separately")
        return fn(*args, **kwargs)
    return checked


def is_traced(x):
    return isinstance(x, Tracer)


def _contains_tracer(seq):
    return any(is_traced(e) or (isinstance(e, (list, tuple)) and _contains_tracer(e)) for e in seq)


def asarray(x, dtype=None):
    """Convert ``x`` to an array (a traced value stays traced).

    >>> asarray([1, 2], dtype=np.float32)
    array([1., 2.], dtype=float32)
    """
    return as_array(x, dtype, "asarray")


def as_array(x, dtype=None, op="asarray"):
    """:func:`asarray` for the function ``op`` (named when ``x`` is complex)."""
    if isinstance(x, Tracer):
        return x if dtype is None else cast(x, dtype)
    if isinstance(x, (list, tuple)) and _contains_tracer(x):
        from ._shape import stack
        return as_array(stack([as_array(e, None, op) for e in x]), dtype, op)
    if not (isinstance(x, np.ndarray) and (dtype is None or x.dtype == dtype)):
        x = np.asarray(x, dtype=dtype)
    return x


def array(x, dtype=None, copy=True):
    """Like ``numpy.array``; a traced value or a list holding one gives a traced value.

    >>> array([[1, 2]]).shape
    (1, 2)
    """
    if isinstance(x, Tracer) or (isinstance(x, (list, tuple)) and _contains_tracer(x)):
        return asarray(x, dtype)
    return np.array(x, dtype=dtype, copy=copy)


_WEAK_STAND_IN = {"f": 0.0, "i": 0, "b": False, "c": 0j}


def _dtype_or_weak(x):
    if isinstance(x, Tracer) and x.weak:  # a traced Python scalar argument stays weak
        return _WEAK_STAND_IN[x.dtype.kind]
    if isinstance(x, ARRAY_TYPES):
        return x.dtype
    if isinstance(x, (bool, int, float, complex)):
        return x  # weak: numpy's result_type treats Python scalars weakly
    return np.asarray(x).dtype


def result_type(*args):
    """The promoted dtype of ``args`` (Python scalars are weak).

    >>> result_type(np.ones(2, np.float32), 2.0)
    dtype('float32')
    """
    return np.result_type(*[_dtype_or_weak(a) for a in args])


def _ufunc_operand(x):
    """What numpy's loop resolution sees: a dtype, or the type of a weak Python scalar."""
    if isinstance(x, Tracer) and x.weak and x.dtype.kind != "b":
        return type(_WEAK_STAND_IN[x.dtype.kind])
    if isinstance(x, ARRAY_TYPES):
        return x.dtype
    if isinstance(x, bool):
        return np.dtype(np.bool_)  # bool is the lowest kind: strong and weak agree
    if isinstance(x, (int, float, complex)):
        return type(x)
    return np.asarray(x).dtype


@functools.lru_cache(maxsize=None)
def _resolve(ufunc, operands, op):
    try:
        dtypes = ufunc.resolve_dtypes(operands + (None,) * ufunc.nout)
    except TypeError as e:
        names = ", ".join(getattr(o, "name", getattr(o, "__name__", str(o))) for o in operands)
        raise TypeError(f"{op}: not supported for operands of dtype {names} (as in numpy: {e})") \
            from None
    return dtypes


def ufunc_dtypes(op, ufunc, *args):
    """``(input dtypes, output dtype)`` of the numpy loop ``ufunc`` would run on ``args``
    (NEP 50: Python scalars are weak), or a TypeError naming ``op`` when numpy has none.

    >>> ufunc_dtypes("sin", np.sin, np.ones(2, np.bool_))
    ((dtype('float16'),), dtype('float16'))
    """
    operands = tuple(_ufunc_operand(a) for a in args)
    if all(isinstance(o, type) for o in operands):  # only weak scalars: numpy's defaults
        operands = tuple(np.dtype(o) for o in operands)
    dtypes = _resolve(ufunc, operands, op)
    return dtypes[:ufunc.nin], dtypes[ufunc.nin]


def cast(x, dtype):
    """``x`` as an array of ``dtype`` (Python scalars become 0-d numpy arrays)."""
    if isinstance(x, Tracer):
        return P.convert(x, dtype)
    if isinstance(x, np.ndarray):
        return x if x.dtype == dtype else x.astype(dtype)
    return np.asarray(x, dtype=dtype)


def promote(*args):
    """Convert ``args`` to arrays of one promoted dtype."""
    dtype = result_type(*args)
    return [cast(a, dtype) for a in args]


def to_float(x, op="asarray"):
    """``x`` as an inexact array (integers and booleans become float64, as numpy; complex
    stays complex)."""
    x = as_array(x, None, op)
    return x if x.dtype.kind in "fc" else cast(x, np.float64)


def normalize_axis(axis, ndim, op):
    """A non-negative axis, or an AxisError-style ValueError naming ``op``."""
    a = int(axis)
    if not -ndim <= a < ndim:
        raise np.exceptions.AxisError(f"{op}: axis {axis} is out of bounds for an array of "
                                      f"dimension {ndim}")
    return a % ndim if ndim else 0


def normalize_axes(axis, ndim, op):
    """A sorted tuple of axes from ``None`` (all), an int or a sequence."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = tuple(normalize_axis(a, ndim, op) for a in axes)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(out))
