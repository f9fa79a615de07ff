"""Reductions with ``axis`` (None, int or tuple) and ``keepdims``, numpy semantics."""
import numpy as np

from .. import primitives as P
from ._base import as_array, asarray, cast, normalize_axes, normalize_axis, to_float
from ._math import subtract, sqrt, square, to_bool


def _keep(y, x_shape, axes, keepdims):
    if not keepdims:
        return y
    return P.reshape(y, [1 if i in axes else d for i, d in enumerate(x_shape)])


def _accumulator_dtype(dtype):
    if dtype == np.bool_ or (dtype.kind == "i" and dtype.itemsize < 8):
        return np.dtype(np.int64)
    if dtype.kind == "u" and dtype.itemsize < 8:
        return np.dtype(np.uint64)
    return dtype


def _reducer(name, op, fix_dtype):
    def fn(a, axis=None, keepdims=False, dtype=None, out=None):
        if out is not None:
            raise TypeError(f"{op}: out= is not supported (arrays are immutable in funcdl); "
                            "use the returned value")
        x = as_array(a, None, op)
        axes = normalize_axes(axis, x.ndim, op)
        if dtype is not None:
            x = cast(x, dtype)
        elif fix_dtype:
            x = cast(x, _accumulator_dtype(x.dtype))
        return _keep(P.reduce(name, x, axes), x.shape, axes, keepdims)
    fn.__name__ = op
    example = getattr(np, op)(np.array([[1, 2], [3, 4]]), axis=0)
    fn.__doc__ = (f"``numpy.{op}`` over ``axis`` (None: all axes), optionally keeping dims.\n\n"
                  f">>> {op}(np.array([[1, 2], [3, 4]]), axis=0)\n{example!r}")
    return fn


sum = _reducer("reduce_sum", "sum", True)  # noqa: A001 - numpy name
prod = _reducer("reduce_prod", "prod", True)
max = _reducer("reduce_max", "max", False)  # noqa: A001
min = _reducer("reduce_min", "min", False)  # noqa: A001
amax, amin = max, min


def all(a, axis=None, keepdims=False):  # noqa: A001
    """True where every element along ``axis`` is nonzero.

    >>> all(np.array([[True, False], [True, True]]), axis=1)
    array([False,  True])
    """
    x = to_bool(a)
    axes = normalize_axes(axis, x.ndim, "all")
    if any_zero(x.shape, axes):
        return _empty_logical(x, axes, keepdims, True)
    return _keep(P.reduce("reduce_min", x, axes), x.shape, axes, keepdims)


def any(a, axis=None, keepdims=False):  # noqa: A001
    """True where some element along ``axis`` is nonzero.

    >>> any(np.array([[True, False], [False, False]]), axis=1)
    array([ True, False])
    """
    x = to_bool(a)
    axes = normalize_axes(axis, x.ndim, "any")
    if any_zero(x.shape, axes):
        return _empty_logical(x, axes, keepdims, False)
    return _keep(P.reduce("reduce_max", x, axes), x.shape, axes, keepdims)


def any_zero(shape, axes):
    return 0 in [shape[i] for i in axes]


def _empty_logical(x, axes, keepdims, value):
    shape = [1 if i in axes else d for i, d in enumerate(x.shape)] if keepdims else \
        [d for i, d in enumerate(x.shape) if i not in axes]
    return np.full(shape, value)


def mean(a, axis=None, keepdims=False, dtype=None):
    """Arithmetic mean over ``axis`` (integers averaged in float64).

    >>> mean(np.array([[1, 2], [3, 4]]), axis=1)
    array([1.5, 3.5])
    """
    x = to_float(a, "mean") if dtype is None else cast(as_array(a, None, "mean"), dtype)
    axes = normalize_axes(axis, x.ndim, "mean")
    count = int(np.prod([x.shape[i] for i in axes], dtype=np.int64))
    total = P.reduce("reduce_sum", x, axes)
    return _keep(P.binary("div", total, cast(count, x.dtype)), x.shape, axes, keepdims)


def var(a, axis=None, keepdims=False, ddof=0):
    """Variance over ``axis``: ``mean(|x - mean(x)|**2)`` with ``ddof`` correction.

    >>> var(np.array([1.0, 2.0, 3.0, 4.0]))
    np.float64(1.25)
    """
    x = to_float(a, "var")
    axes = normalize_axes(axis, x.ndim, "var")
    count = int(np.prod([x.shape[i] for i in axes], dtype=np.int64))
    centered = subtract(x, mean(x, axes, keepdims=True))
    if x.dtype.kind == "c":  # |x - mean|**2, real (as numpy)
        centered = P.unary("abs", centered)
    total = P.reduce("reduce_sum", square(centered), axes)
    out = P.binary("div", total, cast(count - ddof, total.dtype))
    return _keep(out, x.shape, axes, keepdims)


def std(a, axis=None, keepdims=False, ddof=0):
    """Standard deviation over ``axis``.

    >>> std(np.array([1.0, 3.0]))
    np.float64(1.0)
    """
    return sqrt(var(a, axis, keepdims, ddof))


def _arg_reducer(prim_fn, op):
    def fn(a, axis=None, keepdims=False):
        x = as_array(a, None, op)
        if axis is None:
            out = prim_fn(P.reshape(x, (x.size,)), 0)
            return P.reshape(out, (1,) * x.ndim) if keepdims else out
        ax = normalize_axis(axis, x.ndim, op)
        return _keep(prim_fn(x, ax), x.shape, (ax,), keepdims)
    fn.__name__ = op
    fn.__doc__ = (f"Index of the {'largest' if 'max' in op else 'smallest'} element along "
                  f"``axis`` (flattened when None; first one on ties).\n\n"
                  f">>> {op}(np.array([[1, 5], [7, 2]]), axis=1)\n"
                  f"{getattr(np, op)(np.array([[1, 5], [7, 2]]), axis=1)!r}")
    return fn


argmax = _arg_reducer(P.argmax, "argmax")
argmin = _arg_reducer(P.argmin, "argmin")


def cumsum(a, axis=None, dtype=None):
    """Cumulative sum along ``axis`` (flattened when None).

    >>> cumsum(np.array([1, 2, 3]))
    array([1, 3, 6])
    """
    x = as_array(a, None, "cumsum")
    x = cast(x, dtype if dtype is not None else _accumulator_dtype(x.dtype))
    if axis is None:
        return P.cumsum(P.reshape(x, (x.size,)), 0)
    return P.cumsum(x, normalize_axis(axis, x.ndim, "cumsum"))
