"""Sorting, order statistics, nan-ignoring reductions, differences and moments, composed
from the stable ``argsort`` primitive, gathers and reductions: ``sort``'s derivative is the
gather's, so every transform applies."""
import builtins

import numpy as np

from .. import primitives as P
from ._base import as_array, asarray, cast, normalize_axes, normalize_axis, real_only
from ._indexing import take_along_axis
from ._linalg import dot
from ._math import (abs, add, ceil, divide, equal, floor, greater, isnan, less, less_equal,
                    logical_not, multiply, not_equal, sqrt, subtract, where)
from ._matrices import diag
from ._reductions import _accumulator_dtype, all, any, argmax, argmin, max, mean, min, sum
from ._shape import broadcast_to, concatenate, flip, moveaxis, ravel, reshape, squeeze


def _flat_or(x, axis):
    """``(x, axis)`` with ``x`` flattened when ``axis`` is None."""
    x = asarray(x)
    return (ravel(x), 0) if axis is None else (x, normalize_axis(axis, x.ndim, "sort"))


def argsort(a, axis=-1, kind=None, order=None, *, stable=True, descending=False):
    """Indices that sort ``a`` along ``axis`` (stably: equal elements keep their order;
    nan last, as numpy); ``descending`` reverses the order, ties still in index order.

    >>> argsort(np.array([3, 1, 2, 1]))
    array([1, 3, 2, 0])
    """
    if order is not None:
        raise TypeError("argsort: order= (structured arrays) is not supported")
    x, axis = _flat_or(a, axis)
    if not descending:
        return P.argsort(x, axis)
    n = x.shape[axis]
    reversed_order = P.argsort(flip(x, axis), axis)
    return flip(subtract(np.int64(n - 1), reversed_order), axis)


def sort(a, axis=-1, kind=None, order=None, *, stable=True, descending=False):
    """``a`` sorted along ``axis`` (flattened when None); nan sorts last.

    >>> sort(np.array([[3, 1], [0, 2]]), axis=0)
    array([[0, 1],
           [3, 2]])
    """
    x, ax = _flat_or(a, axis)
    return take_along_axis(x, argsort(x, ax, descending=descending), ax)


def sort_complex(a):
    """``a`` sorted along its last axis by real part, then imaginary part, as complex
    values (numpy's dtypes: complex64 for 8- and 16-bit integers, else complex128).

    >>> sort_complex(np.array([1 + 2j, 1 - 1j, -3 + 0j]))
    array([-3.+0.j,  1.-1.j,  1.+2.j])
    """
    x = as_array(a, None, "sort_complex")
    if x.dtype.kind != "c":
        x = cast(x, np.complex64 if x.dtype.char in "bhBH" else np.complex128)
    return sort(x)


_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


@real_only
def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """The ``q``-quantiles (``q`` in [0, 1], a number or an array whose shape leads the
    result) along ``axis``, interpolated by ``method`` as numpy; nan where a slice has nan.

    >>> quantile(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.25, 0.5]))
    array([1.75, 2.5 ])
    """
    if out is not None:
        raise TypeError("quantile: out= is not supported (arrays are immutable in funcdl)")
    return _quantile(a, q, axis, method, keepdims, ignore_nan=False)


def _quantile(a, q, axis, method, keepdims, ignore_nan):
    """quantile; with ``ignore_nan`` over each slice's non-nan elements (sorted first)."""
    if method not in _QUANTILE_METHODS:
        raise ValueError(f"quantile: method must be one of {_QUANTILE_METHODS}, got {method!r}")
    x = as_array(a, None, "quantile")
    if x.dtype.kind != "f":
        x = cast(x, np.float64)
    axes = tuple(range(x.ndim)) if axis is None else normalize_axes(axis, x.ndim, "quantile")
    rest = [i for i in range(x.ndim) if i not in axes]
    moved = reshape(P.transpose(x, rest + list(axes)), [x.shape[i] for i in rest] + [-1])
    n = moved.shape[-1]
    s = sort(moved, axis=-1)
    q = cast(asarray(q), x.dtype)
    if ignore_nan:  # nan sorts last: index into the first `count` elements of each slice
        count = sum(logical_not(isnan(moved)), axis=-1).astype(x.dtype)
        position = multiply(_expand(q, q.ndim + count.ndim), subtract(count, 1))
        position = where(less(position, 0), 0, position)
    else:
        position = multiply(q, n - 1)  # the virtual index into each sorted slice
    lo_i, hi_i = floor(position), ceil(position)
    if method == "lower":
        hi_i = lo_i
    elif method == "higher":
        lo_i = hi_i
    elif method == "nearest":
        lo_i = hi_i = P.unary("round", position)
    pick = lambda i: _take_last(s, i.astype(np.int64), q.ndim)  # noqa: E731
    lo, hi = pick(lo_i), pick(hi_i)
    if method == "midpoint":
        out_ = multiply(add(lo, hi), 0.5)
    elif method == "linear":
        out_ = add(lo, multiply(subtract(hi, lo), _expand(subtract(position, lo_i), lo.ndim)))
    else:
        out_ = lo
    bad = (all if ignore_nan else any)(isnan(moved), axis=-1)
    out_ = where(_expand_front(bad, q.ndim), np.nan, out_)
    if keepdims:
        kept = [1 if i in axes else d for i, d in enumerate(x.shape)]
        out_ = reshape(out_, q.shape + tuple(kept))
    return out_


def _take_last(s, idx, q_ndim):
    """``out[i..., b...] = s[b..., idx[i..., b...]]`` for ``s`` of shape ``batch + (n,)`` and
    ``idx`` of shape ``q.shape`` (the same index for every slice) or ``q.shape + batch``."""
    batch = s.shape[:-1]
    q_shape = idx.shape[:q_ndim]
    idx = broadcast_to(reshape(idx, idx.shape + (1,) * (q_ndim + len(batch) - idx.ndim)), q_shape + batch)
    k = int(np.prod(q_shape, dtype=np.int64))
    per_slice = reshape(moveaxis(reshape(idx, (k,) + batch), 0, -1), batch + (k,))
    picked = take_along_axis(s, per_slice, -1)  # batch + (k,)
    return reshape(moveaxis(picked, -1, 0), q_shape + batch)


def _expand(frac, ndim):
    """``frac`` (shaped like q) broadcast against a result of ``ndim`` dims with q's dims first."""
    return reshape(frac, frac.shape + (1,) * (ndim - frac.ndim))


def _expand_front(mask, q_ndim):
    return reshape(mask, (1,) * q_ndim + mask.shape)


@real_only
def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """:func:`quantile` with ``q`` in percent.

    >>> percentile(np.arange(5.0), 50)
    np.float64(2.0)
    """
    return quantile(a, divide(asarray(q), 100), axis, out, overwrite_input, method, keepdims)


@real_only
def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median along ``axis`` (the mean of the two middle values for even counts).

    >>> median(np.array([3.0, 1.0, 2.0, 10.0]))
    np.float64(2.5)
    """
    return quantile(a, 0.5, axis, out, overwrite_input, "linear", keepdims)


@real_only
def searchsorted(a, v, side="left", sorter=None, *, method=None):
    """Where ``v``'s elements would be inserted into the sorted 1-d ``a`` to keep it sorted
    (before equal elements for ``side='left'``, after them for ``'right'``).

    >>> searchsorted(np.array([1, 2, 2, 3]), np.array([2, 5]), side="right")
    array([3, 4])
    """
    a, v = asarray(a), asarray(v)
    if a.ndim != 1:
        raise ValueError(f"searchsorted: a must be 1-d, got shape {a.shape}")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if sorter is not None:
        a = take_along_axis(a, asarray(sorter), 0)
    before = less if side == "left" else less_equal
    counted = before(reshape(a, (1,) * v.ndim + a.shape), reshape(v, v.shape + (1,)))
    return sum(counted, axis=-1).astype(np.int64)


@real_only
def digitize(x, bins, right=False):
    """The index of the bin of each element of ``x`` (``bins`` increasing or decreasing).

    >>> digitize(np.array([0.5, 1.0, 2.5]), np.array([1.0, 2.0, 3.0]))
    array([0, 1, 2])
    """
    bins = asarray(bins)
    side = "left" if right else "right"
    increasing = searchsorted(bins, x, side=side)
    decreasing = subtract(np.int64(bins.shape[0]), searchsorted(flip(bins, 0), x, side=side))
    return where(greater(bins[-1], bins[0]) if bins.shape[0] > 1 else True, increasing, decreasing)


# -- reductions that ignore nan ------------------------------------------------------------

def _without_nan(a, fill):
    x = as_array(a, None, "nan reduction")
    return (x, where(isnan(x), fill, x)) if x.dtype.kind in "fc" else (x, x)


def nansum(a, axis=None, dtype=None, keepdims=False):
    """:func:`sum` treating nan as 0.

    >>> nansum(np.array([1.0, np.nan, 2.0]))
    np.float64(3.0)
    """
    return sum(_without_nan(a, 0)[1], axis=axis, dtype=dtype, keepdims=keepdims)


def nanprod(a, axis=None, dtype=None, keepdims=False):
    """``prod`` treating nan as 1.

    >>> nanprod(np.array([2.0, np.nan, 3.0]))
    np.float64(6.0)
    """
    from ._reductions import prod
    return prod(_without_nan(a, 1)[1], axis=axis, dtype=dtype, keepdims=keepdims)


def _count(x, axis, keepdims):
    valid = logical_not(isnan(x)) if x.dtype.kind in "fc" else equal(x, x)
    return sum(valid, axis=axis, keepdims=keepdims)


def nanmean(a, axis=None, dtype=None, keepdims=False):
    """:func:`mean` over the elements that are not nan (nan for all-nan slices).

    >>> nanmean(np.array([1.0, np.nan, 3.0]))
    np.float64(2.0)
    """
    x, filled = _without_nan(a, 0)
    total = sum(filled, axis=axis, dtype=dtype, keepdims=keepdims)
    count = _count(x, axis, keepdims)
    return divide(total, count).astype(total.dtype if total.dtype.kind in "fc" else np.float64)


def nanvar(a, axis=None, dtype=None, keepdims=False, ddof=0):
    """:func:`var` over the elements that are not nan (the mean of ``|x - mean|**2``, real,
    for complex ``a``).

    >>> nanvar(np.array([1.0, np.nan, 3.0]))
    np.float64(1.0)
    """
    x, filled = _without_nan(a, 0)
    centered = subtract(filled, nanmean(x, axis=axis, keepdims=True))
    if x.dtype.kind in "fc":  # zero at the nans before squaring: no nan reaches the derivative
        centered = where(isnan(x), 0, centered)
    squares = _squared_magnitudes(centered)
    count = _count(x, axis, keepdims)
    return divide(sum(squares, axis=axis, keepdims=keepdims), subtract(count, ddof))


def _squared_magnitudes(x):
    from ._arrange import conj, real  # noqa: PLC0415
    return real(multiply(x, conj(x))) if x.dtype.kind == "c" else multiply(x, x)


def nanstd(a, axis=None, dtype=None, keepdims=False, ddof=0):
    """:func:`std` over the elements that are not nan.

    >>> nanstd(np.array([1.0, np.nan, 3.0]))
    np.float64(1.0)
    """
    return sqrt(nanvar(a, axis, dtype, keepdims, ddof))


def _nan_extreme(reducer, fill):
    def fn(a, axis=None, keepdims=False):
        x, filled = _without_nan(a, fill)
        out = reducer(filled, axis=axis, keepdims=keepdims)
        if x.dtype.kind != "f":
            return out
        return where(all(isnan(x), axis=axis, keepdims=keepdims), np.nan, out)
    return fn


nanmax = _nan_extreme(max, -np.inf)
nanmax.__name__, nanmax.__doc__ = "nanmax", """:func:`max` ignoring nan (nan for all-nan slices).

    >>> nanmax(np.array([1.0, np.nan, 3.0]))
    np.float64(3.0)
    """
nanmin = _nan_extreme(min, np.inf)
nanmin.__name__, nanmin.__doc__ = "nanmin", """:func:`min` ignoring nan (nan for all-nan slices).

    >>> nanmin(np.array([1.0, np.nan, 3.0]))
    np.float64(1.0)
    """


def _nan_arg(reducer, fill):
    def fn(a, axis=None, keepdims=False):
        x, filled = _without_nan(a, fill)
        return reducer(filled, axis=axis, keepdims=keepdims)
    return fn


nanargmax = _nan_arg(argmax, -np.inf)
nanargmax.__name__, nanargmax.__doc__ = "nanargmax", """:func:`argmax` ignoring nan.

    >>> nanargmax(np.array([1.0, np.nan, 3.0]))
    np.int64(2)
    """
nanargmin = _nan_arg(argmin, np.inf)
nanargmin.__name__, nanargmin.__doc__ = "nanargmin", """:func:`argmin` ignoring nan.

    >>> nanargmin(np.array([1.0, np.nan, 3.0]))
    np.int64(0)
    """


def nancumsum(a, axis=None, dtype=None):
    """Cumulative sum treating nan as 0.

    >>> nancumsum(np.array([1.0, np.nan, 2.0]))
    array([1., 1., 3.])
    """
    from ._reductions import cumsum
    return cumsum(_without_nan(a, 0)[1], axis=axis, dtype=dtype)


def cumprod(a, axis=None, dtype=None):
    """Cumulative product along ``axis`` (flattened when None).

    >>> cumprod(np.array([1, 2, 3]))
    array([1, 2, 6])
    """
    x = as_array(a, None, "cumprod")
    x = cast(x, dtype if dtype is not None else _accumulator_dtype(x.dtype))
    if axis is None:
        return P.cumprod(ravel(x), 0)
    return P.cumprod(x, normalize_axis(axis, x.ndim, "cumprod"))


def nancumprod(a, axis=None, dtype=None):
    """Cumulative product treating nan as 1.

    >>> nancumprod(np.array([2.0, np.nan, 3.0]))
    array([2., 2., 6.])
    """
    return cumprod(_without_nan(a, 1)[1], axis=axis, dtype=dtype)


def _cumulative(fn, x, axis, dtype, include_initial, initial, op):
    x = as_array(x, None, op)
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"{op}: axis must be given for arrays of more than one dimension")
        axis = 0
    out = fn(x, axis=axis, dtype=dtype)
    if not include_initial:
        return out
    axis = normalize_axis(axis, x.ndim, op)
    shape = list(out.shape)
    shape[axis] = 1
    return concatenate([np.full(shape, initial, out.dtype), out], axis)


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    """The array API's cumulative sum (``include_initial`` prepends a 0).

    >>> cumulative_sum(np.array([1, 2, 3]), include_initial=True)
    array([0, 1, 3, 6])
    """
    from ._reductions import cumsum
    return _cumulative(cumsum, x, axis, dtype, include_initial, 0, "cumulative_sum")


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    """The array API's cumulative product (``include_initial`` prepends a 1).

    >>> cumulative_prod(np.array([1, 2, 3]), include_initial=True)
    array([1, 1, 2, 6])
    """
    return _cumulative(cumprod, x, axis, dtype, include_initial, 1, "cumulative_prod")


# -- differences, averages, moments ------------------------------------------------------

def diff(a, n=1, axis=-1, prepend=None, append=None):
    """The ``n``-th discrete difference along ``axis``.

    >>> diff(np.array([1, 4, 9, 16]), n=2)
    array([2, 2])
    """
    x = asarray(a)
    axis = normalize_axis(axis, x.ndim, "diff")

    def edge(e):  # a scalar edge is broadcast to one slice along axis
        e = asarray(e)
        if e.ndim:
            return e
        shape = list(x.shape)
        shape[axis] = 1
        return broadcast_to(e, shape)
    parts = [edge(prepend)] * (prepend is not None) + [x] + [edge(append)] * (append is not None)
    if len(parts) > 1:
        x = concatenate(parts, axis)
    for _ in range(n):
        count = x.shape[axis]
        x = subtract(_slice(x, axis, 1, count), _slice(x, axis, 0, count - 1))
    return x


def _slice(x, axis, start, stop):
    index = [slice(None)] * x.ndim
    index[axis] = slice(start, stop)
    return x[tuple(index)]


def ediff1d(ary, to_end=None, to_begin=None):
    """The differences of the flattened array, with ``to_begin``/``to_end`` attached.

    >>> ediff1d(np.array([1, 2, 4]), to_begin=-9)
    array([-9,  1,  2])
    """
    d = diff(ravel(asarray(ary)))
    parts = [ravel(asarray(p)).astype(d.dtype) for p in (to_begin,) if p is not None]
    parts += [d] + [ravel(asarray(p)).astype(d.dtype) for p in (to_end,) if p is not None]
    return concatenate(parts, 0) if len(parts) > 1 else d


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """The (weighted) mean along ``axis``; with ``returned``, also the sum of the weights.

    >>> average(np.array([1.0, 3.0]), weights=np.array([3.0, 1.0]))
    np.float64(1.5)
    """
    x = asarray(a)
    if weights is None:
        avg = mean(x, axis=axis, keepdims=keepdims)
        count = np.full(avg.shape, x.size / builtins.max(avg.size, 1), avg.dtype)
        return (avg, count) if returned else avg
    w = asarray(weights)
    dtype = np.result_type(x.dtype, w.dtype)
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
    if w.shape != x.shape:
        ax = None if axis is None else normalize_axis(axis, x.ndim, "average")
        if ax is None or w.ndim != 1 or x.shape[ax] != w.shape[0]:
            raise ValueError(f"average: weights of shape {w.shape} do not fit a of shape {x.shape} "
                             f"along axis {axis}")
        w = reshape(w, [w.shape[0] if i == ax else 1 for i in range(x.ndim)])
    w = broadcast_to(cast(w, dtype), x.shape)
    w_sum = sum(w, axis=axis, keepdims=keepdims)
    avg = divide(sum(multiply(cast(x, dtype), w), axis=axis, keepdims=keepdims), w_sum)
    return (avg, w_sum) if returned else avg


def ptp(a, axis=None, keepdims=False):
    """The range ``max - min`` along ``axis``.

    >>> ptp(np.array([[1, 5], [2, 0]]), axis=1)
    array([4, 2])
    """
    return subtract(max(a, axis=axis, keepdims=keepdims), min(a, axis=axis, keepdims=keepdims))


def count_nonzero(a, axis=None, keepdims=False):
    """The number of nonzero (True) elements along ``axis``.

    >>> count_nonzero(np.array([[0, 1], [2, 3]]), axis=0)
    array([1, 2])
    """
    return sum(not_equal(asarray(a), 0), axis=axis, keepdims=keepdims)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of ``y`` (samples at ``x``, or spaced by ``dx``) by the trapezoid rule.

    >>> trapezoid(np.array([1.0, 2.0, 3.0]))
    np.float64(4.0)
    """
    y = asarray(y)
    axis = normalize_axis(axis, y.ndim, "trapezoid")
    n = y.shape[axis]
    mid = multiply(add(_slice(y, axis, 1, n), _slice(y, axis, 0, n - 1)), 0.5)
    if x is None:
        return multiply(sum(mid, axis=axis), dx)
    d = diff(asarray(x), axis=-1 if asarray(x).ndim == 1 else axis)
    if d.ndim == 1 and y.ndim > 1:
        shape = [1] * y.ndim
        shape[axis] = d.shape[0]
        d = reshape(d, shape)
    return sum(multiply(mid, d), axis=axis)


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of ``m`` (columns when not
    ``rowvar``), optionally weighted by integer ``fweights`` and ``aweights``; for complex
    variables, ``E[(x - mean) conj(y - mean)]`` (as numpy).

    >>> cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    x = asarray(m)
    if x.ndim > 2:
        raise ValueError(f"cov: m has more than 2 dimensions (shape {x.shape})")
    x = reshape(x, (1, -1)) if x.ndim < 2 else x
    x = x if rowvar or x.shape[0] == 1 and x.ndim == 2 and asarray(m).ndim == 1 else moveaxis(x, 0, 1)
    if y is not None:
        yy = asarray(y)
        yy = reshape(yy, (1, -1)) if yy.ndim < 2 else yy
        yy = yy if rowvar or asarray(y).ndim == 1 else moveaxis(yy, 0, 1)
        x = concatenate([x, yy], 0)
    x = x if x.dtype.kind in "fc" else x.astype(np.float64)
    ddof = (0 if bias else 1) if ddof is None else ddof
    from ._arrange import conj  # noqa: PLC0415
    w = None
    for weights in (fweights, aweights):
        if weights is not None:
            weights = asarray(weights).astype(x.dtype)
            w = weights if w is None else multiply(w, weights)
    if w is None:
        avg = mean(x, axis=1, keepdims=True)
        fact = x.shape[1] - ddof
        centered = subtract(x, avg)
        c = divide(dot(centered, conj(moveaxis(centered, 0, 1))), fact)
    else:
        w_sum = sum(w)
        avg = divide(sum(multiply(x, w), axis=1, keepdims=True), w_sum)
        fact = w_sum - ddof if aweights is None else \
            w_sum - ddof * sum(multiply(w, asarray(aweights).astype(x.dtype))) / w_sum
        centered = subtract(x, avg)
        c = divide(dot(multiply(centered, w), conj(moveaxis(centered, 0, 1))), fact)
    return squeeze(c) if c.shape == (1, 1) else c


def corrcoef(x, y=None, rowvar=True):
    """Pearson correlation coefficients: :func:`cov` normalised by the standard deviations
    (clipped to [-1, 1], each part for complex ones).

    >>> corrcoef(np.array([[0.0, 1.0, 2.0], [0.0, 2.0, 4.0]]))
    array([[1., 1.],
           [1., 1.]])
    """
    from ._arrange import imag, real  # noqa: PLC0415
    c = cov(x, y, rowvar)
    if c.ndim == 0:
        return divide(c, c)
    d = sqrt(real(diag(c)))
    c = divide(divide(c, reshape(d, (-1, 1))), reshape(d, (1, -1)))
    clip = lambda v: where(greater(v, 1), 1.0, where(less(v, -1), -1.0, v)).astype(v.dtype)  # noqa: E731
    return add(clip(real(c)), multiply(1j, clip(imag(c)))) if c.dtype.kind == "c" else clip(c)
