"""Parameter initializers. An initializer is a function ``init(key, shape, dtype=float32)``
returning a numpy array; ``zeros`` and ``ones`` are initializers themselves, the rest are
factories that return one (``glorot_normal()(key, (3, 4))``).

Fans. The variance-scaling family scales by the number of inputs (``fan_in``) and/or
outputs (``fan_out``) of a unit, read off the shape in funcdl's layouts: a 2-d shape is a
dense ``(in, out)`` matrix; a shape with more axes is a convolution kernel
``(out_channels, in_channels, *window)`` (OIHW), whose window size multiplies both fans
(``fan_in = in_channels * kh * kw``); a 1-d shape ``(n,)`` has both fans ``n``.
``in_axis`` / ``out_axis`` name other layouts explicitly (the remaining axes then form the
receptive field).

>>> from funcdl import random
>>> w = he_normal()(random.key(0), (256, 128))
>>> w.shape, w.dtype
((256, 128), dtype('float32'))
"""
import math

import numpy as np

from .. import numpy as fnp
from .. import random

__all__ = ["zeros", "ones", "constant", "normal", "uniform", "truncated_normal",
           "variance_scaling", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
           "lecun_normal", "lecun_uniform", "xavier_normal", "xavier_uniform", "kaiming_normal",
           "kaiming_uniform", "orthogonal"]

# The standard deviation of a standard normal truncated to (-2, 2): dividing by it gives
# the truncated samples the requested variance.
_TRUNCATED_STDDEV = 0.87962566103423978


def _shape(shape):
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)


def zeros(key, shape, dtype=np.float32):
    """All zeros (``key`` is ignored).

    >>> zeros(None, (2,))
    array([0., 0.], dtype=float32)
    """
    return np.zeros(_shape(shape), dtype)


def ones(key, shape, dtype=np.float32):
    """All ones (``key`` is ignored).

    >>> ones(None, (2,))
    array([1., 1.], dtype=float32)
    """
    return np.ones(_shape(shape), dtype)


def constant(value):
    """An initializer filling every entry with ``value``.

    >>> constant(0.5)(None, (2,))
    array([0.5, 0.5], dtype=float32)
    """
    def init(key, shape, dtype=np.float32):
        return np.full(_shape(shape), value, dtype)
    return init


def normal(stddev=1e-2):
    """Normal samples with mean 0 and standard deviation ``stddev``.

    >>> normal(1.0)(random.key(0), (3, 2)).shape
    (3, 2)
    """
    def init(key, shape, dtype=np.float32):
        return fnp.asarray(random.normal(key, _shape(shape), dtype) * np.dtype(dtype).type(stddev))
    return init


def uniform(scale=1e-2):
    """Uniform samples in ``[0, scale)`` (as ``jax.nn.initializers.uniform``).

    >>> x = uniform(1.0)(random.key(0), (1000,))
    >>> bool(x.min() >= 0 and x.max() < 1)
    True
    """
    def init(key, shape, dtype=np.float32):
        return fnp.asarray(random.uniform(key, _shape(shape), dtype, 0.0, scale))
    return init


def truncated_normal(stddev=1e-2, lower=-2.0, upper=2.0):
    """Normal samples truncated to ``(lower, upper)`` standard deviations, then multiplied
    by ``stddev`` (no variance correction).

    >>> bool(abs(truncated_normal(1.0)(random.key(0), (100,))).max() < 2)
    True
    """
    def init(key, shape, dtype=np.float32):
        t = random.truncated_normal(key, lower, upper, _shape(shape), dtype)
        return fnp.asarray(t * np.dtype(dtype).type(stddev))
    return init


def _fans(shape, in_axis, out_axis):
    """``(fan_in, fan_out)`` of ``shape`` (see the module docstring for the layouts)."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if in_axis is None and out_axis is None:
        in_axis, out_axis = (0, 1) if len(shape) == 2 else (1, 0)
    elif in_axis is None or out_axis is None:
        raise ValueError("variance_scaling: give both in_axis and out_axis, or neither")
    in_axis, out_axis = in_axis % len(shape), out_axis % len(shape)
    if in_axis == out_axis:
        raise ValueError(f"variance_scaling: in_axis and out_axis are the same axis ({in_axis})")
    receptive = math.prod(s for i, s in enumerate(shape) if i not in (in_axis, out_axis))
    return shape[in_axis] * receptive, shape[out_axis] * receptive


def variance_scaling(scale, mode, distribution, in_axis=None, out_axis=None):
    """Samples with variance ``scale / n``, where ``n`` is ``fan_in``, ``fan_out`` or
    their mean (``mode`` = ``"fan_in"``, ``"fan_out"``, ``"fan_avg"``). ``distribution``:
    ``"truncated_normal"`` (within 2 standard deviations, rescaled by 1/0.8796... so the
    variance is exact), ``"normal"`` or ``"uniform"`` (on ``±sqrt(3 scale / n)``).

    >>> w = variance_scaling(2.0, "fan_in", "uniform")(random.key(0), (50, 10))
    >>> bool(abs(w).max() <= np.sqrt(3 * 2.0 / 50))
    True
    """
    if mode not in ("fan_in", "fan_out", "fan_avg"):
        raise ValueError(f"variance_scaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise ValueError("variance_scaling: distribution must be 'truncated_normal', 'normal' or "
                         f"'uniform', got {distribution!r}")

    def init(key, shape, dtype=np.float32):
        shape = _shape(shape)
        fan_in, fan_out = _fans(shape, in_axis, out_axis)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        variance = scale / max(n, 1)
        typ = np.dtype(dtype).type
        if distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return fnp.asarray(random.uniform(key, shape, dtype, -limit, limit))
        if distribution == "normal":
            return fnp.asarray(random.normal(key, shape, dtype) * typ(math.sqrt(variance)))
        t = random.truncated_normal(key, -2.0, 2.0, shape, dtype)
        return fnp.asarray(t * typ(math.sqrt(variance) / _TRUNCATED_STDDEV))
    return init


def glorot_normal(in_axis=None, out_axis=None):
    """Glorot / Xavier normal: variance ``2 / (fan_in + fan_out)``, truncated normal.

    >>> glorot_normal()(random.key(0), (4, 3)).shape
    (4, 3)
    """
    return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis, out_axis)


def glorot_uniform(in_axis=None, out_axis=None):
    """Glorot / Xavier uniform on ``±sqrt(6 / (fan_in + fan_out))``.

    >>> glorot_uniform()(random.key(0), (4, 3)).shape
    (4, 3)
    """
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis)


def he_normal(in_axis=None, out_axis=None):
    """He / Kaiming normal: variance ``2 / fan_in``, truncated normal.

    >>> he_normal()(random.key(0), (8, 3, 3, 3)).shape
    (8, 3, 3, 3)
    """
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis)


def he_uniform(in_axis=None, out_axis=None):
    """He / Kaiming uniform on ``±sqrt(6 / fan_in)``.

    >>> he_uniform()(random.key(0), (4, 3)).shape
    (4, 3)
    """
    return variance_scaling(2.0, "fan_in", "uniform", in_axis, out_axis)


def lecun_normal(in_axis=None, out_axis=None):
    """LeCun normal: variance ``1 / fan_in``, truncated normal.

    >>> lecun_normal()(random.key(0), (4, 3)).shape
    (4, 3)
    """
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis, out_axis)


def lecun_uniform(in_axis=None, out_axis=None):
    """LeCun uniform on ``±sqrt(3 / fan_in)``.

    >>> lecun_uniform()(random.key(0), (4, 3)).shape
    (4, 3)
    """
    return variance_scaling(1.0, "fan_in", "uniform", in_axis, out_axis)


xavier_normal, xavier_uniform = glorot_normal, glorot_uniform
kaiming_normal, kaiming_uniform = he_normal, he_uniform


def orthogonal(scale=1.0, column_axis=-1):
    """A (semi-)orthogonal matrix times ``scale``: the axis ``column_axis`` gives the
    columns and the other axes, flattened, the rows; the smaller side is orthonormal
    (``W.T @ W = I`` when there are at least as many rows as columns, else ``W @ W.T = I``).
    Built from the QR decomposition (``numpy.linalg.qr``, in float64) of a normal matrix,
    with signs fixed so that the result is uniformly distributed.

    >>> w = orthogonal()(random.key(0), (5, 3))
    >>> bool(np.allclose(w.T @ w, np.eye(3), atol=1e-6))
    True
    """
    def init(key, shape, dtype=np.float32):
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError(f"orthogonal: needs a shape with at least 2 axes, got {shape}")
        axis = column_axis % len(shape)
        cols = shape[axis]
        rows = math.prod(shape) // cols if cols else 0
        a = np.asarray(random.normal(key, (max(rows, cols), min(rows, cols)), np.float64))
        q, r = np.linalg.qr(a)
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)  # a unique, Haar-distributed Q
        if rows < cols:
            q = q.T
        rest = shape[:axis] + shape[axis + 1:]
        w = np.moveaxis(q.reshape(rest + (cols,)), -1, axis)
        return (scale * w).astype(dtype)
    return init
