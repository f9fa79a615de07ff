"""Array creation. Results are concrete numpy arrays (constants when traced), except
that ``full``/``*_like`` with a traced fill value broadcast it."""
import numpy as np

from ._base import asarray, cast, is_traced
from ._shape import broadcast_to


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


def full(shape, fill_value, dtype=None):
    """An array filled with ``fill_value`` (which may be traced).

    >>> full(2, 7.0)
    array([7., 7.])
    """
    if is_traced(fill_value):
        value = fill_value if dtype is None else cast(fill_value, dtype)
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
    return full(a.shape, fill_value if not is_traced(fill_value) else cast(fill_value, dtype or a.dtype),
                dtype=dtype or a.dtype)


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in ``[start, stop)`` (static bounds).

    >>> arange(3)
    array([0, 1, 2])
    """
    return np.arange(start, stop, step, dtype=dtype) if stop is not None else \
        np.arange(start, dtype=dtype)


def linspace(start, stop, num=50, endpoint=True, dtype=None):
    """``num`` evenly spaced values from ``start`` to ``stop`` (static bounds).

    >>> linspace(0, 1, 3)
    array([0. , 0.5, 1. ])
    """
    return np.linspace(start, stop, num, endpoint=endpoint, dtype=dtype)


def eye(N, M=None, k=0, dtype=float):
    """The identity matrix (ones on diagonal ``k``).

    >>> eye(2)
    array([[1., 0.],
           [0., 1.]])
    """
    return np.eye(N, M, k, dtype=dtype)
