"""Array creation. Results are concrete numpy arrays (constants when traced), except
where a value argument is traced (``full``/``*_like``'s fill value, ``linspace``'s and
``arange``'s bounds): then the result is traced and differentiable in it."""
import math

import numpy as np

from ._base import _contains_tracer, asarray, cast, is_traced, result_type
from ._math import add, floor, multiply, subtract
from ._shape import broadcast_to, concatenate, moveaxis, reshape


def _shape_of(shape):
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)


def zeros(shape, dtype=None):
    """An array of zeros (float64 by default).

    >>> zeros((2, 1))
    array([[0.],
           [0.]])
    """
    return np.zeros(_shape_of(shape), dtype=dtype)


def ones(shape, dtype=None):
    """An array of ones (float64 by default).

    >>> ones(2, dtype=np.int32)
    array([1, 1], dtype=int32)
    """
    return np.ones(_shape_of(shape), dtype=dtype)


def _traced(x):
    return is_traced(x) or (isinstance(x, (list, tuple)) and _contains_tracer(x))


def full(shape, fill_value, dtype=None):
    """An array filled with ``fill_value`` (which may be traced).

    >>> full(2, 7.0)
    array([7., 7.])
    """
    if _traced(fill_value):
        value = asarray(fill_value) if dtype is None else cast(asarray(fill_value), dtype)
        return broadcast_to(value, _shape_of(shape))
    return np.full(_shape_of(shape), fill_value, dtype=dtype)


def zeros_like(a, dtype=None):
    """Zeros with the shape and dtype of ``a``.

    >>> zeros_like(np.ones(2, np.float32))
    array([0., 0.], dtype=float32)
    """
    a = asarray(a)
    return np.zeros(a.shape, dtype=dtype or a.dtype)


def ones_like(a, dtype=None):
    """Ones with the shape and dtype of ``a``.

    >>> ones_like(np.zeros(2, np.int32))
    array([1, 1], dtype=int32)
    """
    a = asarray(a)
    return np.ones(a.shape, dtype=dtype or a.dtype)


def full_like(a, fill_value, dtype=None):
    """``fill_value`` with the shape and dtype of ``a``.

    >>> full_like(np.zeros(2, np.float32), 3)
    array([3., 3.], dtype=float32)
    """
    a = asarray(a)
    return full(a.shape, fill_value, dtype=dtype or a.dtype)


def _concrete(x, op):
    """The value of a (possibly traced) bound, for a size that must be known."""
    return x.concrete_value(f"{op} with a traced bound (its length depends on the value)") \
        if is_traced(x) else x


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values ``start + i * step`` in ``[start, stop)``. The length must be
    known (concrete bounds); traced float bounds are differentiable (``d/dstart = 1``,
    ``d/dstep = i``).

    >>> arange(3)
    array([0, 1, 2])
    """
    if stop is None:
        start, stop = 0, start
    bounds = (start, stop, step)
    values = np.arange(*[_concrete(b, "arange") for b in bounds], dtype=dtype)
    if values.dtype.kind != "f" or not any(is_traced(b) for b in bounds):
        return values
    i = np.arange(values.shape[0], dtype=values.dtype)
    return add(cast(start, values.dtype), multiply(i, cast(step, values.dtype)))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (numpy's formula
    ``start + i * (stop - start) / div``); differentiable in traced bounds.

    >>> linspace(0, 1, 3)
    array([0. , 0.5, 1. ])
    """
    num = int(num)
    if not (_traced(start) or _traced(stop)):
        out = np.linspace(start, stop, num, endpoint, retstep, dtype, axis)
        out[0] if retstep else out
        return out
    if num < 0:
        raise ValueError(f"linspace: number of samples, {num}, must be non-negative")
    dt = result_type(start, stop, float(num))
    start, stop = cast(asarray(start), dt), cast(asarray(stop), dt)
    delta = subtract(stop, start)
    div = num - 1 if endpoint else num
    step = delta / div if div > 0 else math.nan
    i = np.arange(num, dtype=dt).reshape((num,) + (1,) * delta.ndim)
    y = add(multiply(i, step if div > 0 else delta), start)
    if endpoint and num > 1:
        y = concatenate([y[:-1], reshape(broadcast_to(stop, delta.shape), (1,) + delta.shape)])
    y = moveaxis(y, 0, axis) if axis != 0 else y
    if dtype is not None:
        y = cast(floor(y) if np.dtype(dtype).kind in "iu" else y, dtype)
    return (y, step) if retstep else y


def eye(N, M=None, k=0, dtype=float):
    """The identity matrix (ones on diagonal ``k``).

    >>> eye(2)
    array([[1., 0.],
           [0., 1.]])
    """
    return np.eye(N, M, k, dtype=dtype)
