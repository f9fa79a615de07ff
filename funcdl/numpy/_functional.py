"""numpy functions that take functions (``vectorize``, ``apply_along_axis``, ``piecewise``),
the functional forms of numpy's in-place updates (``put``, ``put_along_axis``, ``place``:
they return a new array, as in JAX), index conversions, and the remaining numerical
helpers (``gradient``, ``unwrap``, ``vander``, ``lexsort``, partitions, nan quantiles,
polynomial division and construction)."""
import numpy as np

from ._base import asarray, cast, normalize_axis, real_only
from ._indexing import at, take, take_along_axis
from ._math import (abs, add, divide, equal, greater, less, logical_and, logical_or, multiply,
                    not_equal, remainder, subtract, where)
from ._reductions import sum
from ._polynomials import convolve
from ._shape import (broadcast_arrays, broadcast_to, concatenate, expand_dims, moveaxis, ravel, reshape,
                     stack)
from ._statistics import _quantile, argsort, sort


def vectorize(pyfunc, otypes=None, doc=None, excluded=None, cache=False, signature=None):
    """``pyfunc`` of scalars mapped over the broadcast elements of its array arguments
    with ``vmap`` (so it is traced once, not called per element). ``excluded``: positions or
    names of arguments passed as they are. ``signature`` (core dimensions) is not supported.

    >>> vectorize(lambda a, b: a * b + 1)(np.arange(3.0), 2.0)
    array([1., 3., 5.])
    """
    if signature is not None:
        raise ValueError("vectorize: signature= is not supported; vmap over the core dimensions "
                         "with fd.vmap instead")
    excluded = set(excluded or ())

    def wrapped(*args, **kwargs):
        from ..transforms import vmap
        mapped = [i for i in range(len(args)) if i not in excluded]
        arrays = broadcast_arrays(*[asarray(args[i]) for i in mapped]) if mapped else []
        shape = arrays[0].shape if arrays else ()
        flat = [ravel(a) for a in arrays]

        def scalar_fun(*scalars):
            full = list(args)
            for i, s in zip(mapped, scalars):
                full[i] = s
            return pyfunc(*full, **kwargs)
        if not mapped:
            return pyfunc(*args, **kwargs)
        out = vmap(scalar_fun)(*flat)
        from ..tree_util import tree_map
        return tree_map(lambda o: reshape(o, shape + o.shape[1:]), out)
    wrapped.__name__ = getattr(pyfunc, "__name__", "vectorized")
    wrapped.__doc__ = doc or pyfunc.__doc__
    return wrapped


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """``func1d`` applied to every 1-d slice of ``arr`` along ``axis`` (with ``vmap``).

    >>> apply_along_axis(lambda v: v[0] + v[-1], 1, np.arange(6.0).reshape(2, 3))
    array([2., 8.])
    """
    from ..transforms import vmap
    x = asarray(arr)
    axis = normalize_axis(axis, x.ndim, "apply_along_axis")
    moved = moveaxis(x, axis, -1)
    batch = moved.shape[:-1]
    flat = reshape(moved, (-1, moved.shape[-1]))
    out = vmap(lambda v: asarray(func1d(v, *args, **kwargs)))(flat)
    out = reshape(out, batch + out.shape[1:])
    # numpy puts the function's output axes where ``axis`` was
    extra = out.ndim - len(batch)
    return moveaxis(out, list(range(len(batch), out.ndim)), list(range(axis, axis + extra))) if extra else out


def apply_over_axes(func, a, axes):
    """``func(a, axis)`` applied for each axis in turn, keeping the result's dimensions.

    >>> apply_over_axes(lambda x, axis: x.sum(axis), np.ones((2, 3)), [0, 1])
    array([[6.]])
    """
    x = asarray(a)
    for axis in ([axes] if np.ndim(axes) == 0 else axes):
        out = asarray(func(x, axis))
        if out.ndim != x.ndim:
            out = expand_dims(out, axis)
        if out.ndim != x.ndim:
            raise ValueError("apply_over_axes: function is not returning an array of the correct shape")
        x = out
    return x


def piecewise(x, condlist, funclist, *args, **kw):
    """``funclist[i](x)`` where ``condlist[i]`` holds (a constant in place of a function is
    that value; one extra function is the default where no condition holds).

    >>> piecewise(np.array([-1.0, 2.0]), [np.array([True, False])], [lambda v: -v, lambda v: v * 10])
    array([ 1., 20.])
    """
    x = asarray(x)
    conds = [asarray(c) for c in (condlist if isinstance(condlist, (list, tuple)) else [condlist])]
    if len(funclist) not in (len(conds), len(conds) + 1):
        raise ValueError(f"piecewise: with {len(conds)} condition(s), funclist must have {len(conds)} "
                         f"or {len(conds) + 1} items, got {len(funclist)}")
    dtype = x.dtype

    def value(f):
        return asarray(f(x, *args, **kw)) if callable(f) else asarray(f)
    out = value(funclist[-1]) if len(funclist) == len(conds) + 1 else np.zeros((), dtype)
    for cond, f in reversed(list(zip(conds, funclist))):
        out = where(cond, value(f), out)
    return cast(asarray(out) + np.zeros(x.shape, dtype), dtype)


def choose(a, choices, out=None, mode="raise"):
    """``choices[a[i]][i]`` elementwise (``mode`` "clip" or "wrap" for indices out of range;
    "raise" checks concrete indices).

    >>> choose(np.array([0, 1, 0]), [np.array([1, 2, 3]), np.array([10, 20, 30])])
    array([ 1, 20,  3])
    """
    if out is not None:
        raise TypeError("choose: out= is not supported (arrays are immutable in funcdl)")
    idx = asarray(a)
    n = len(choices)
    if mode == "clip":
        idx = where(less(idx, 0), 0, where(greater(idx, n - 1), n - 1, idx))
    elif mode == "wrap":
        idx = remainder(idx, n)
    elif mode == "raise":
        if not hasattr(idx, "aval") and (np.any(idx < 0) or np.any(idx >= n)):
            raise ValueError(f"choose: invalid entry in choice array (indices must be in [0, {n}))")
    else:
        raise ValueError(f"choose: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    stacked = stack(broadcast_arrays(*[asarray(c) for c in choices], idx)[:-1], 0)
    idx = broadcast_arrays(idx, stacked[0])[0]
    return take_along_axis(stacked, reshape(idx, (1,) + idx.shape), 0)[0]


def fromfunction(function, shape, *, dtype=float, **kwargs):
    """``function(*indices(shape))``: the function called once on the index grids.

    >>> fromfunction(lambda i, j: i + 10 * j, (2, 2))
    array([[ 0., 10.],
           [ 1., 11.]])
    """
    return function(*np.indices(shape, dtype), **kwargs)


def put_along_axis(arr, indices, values, axis, inplace=False, *, mode=None):
    """A copy of ``arr`` with ``values`` at ``indices`` along ``axis`` (the functional
    ``numpy.put_along_axis``; ``inplace=True`` is an error, as in JAX).

    >>> put_along_axis(np.zeros((2, 2)), np.array([[1], [0]]), 5.0, axis=1)
    array([[0., 5.],
           [5., 0.]])
    """
    if inplace:
        raise ValueError("put_along_axis: inplace=True is not supported (funcdl arrays are "
                         "immutable); use the returned array")
    x = asarray(arr)
    axis = normalize_axis(axis, x.ndim, "put_along_axis")
    idx = asarray(indices)
    grids = list(np.ix_(*[np.arange(n) for n in idx.shape]))
    index = tuple(idx if d == axis else np.broadcast_to(grids[d], idx.shape) for d in range(x.ndim))
    return at(x)[index].set(values)


def put(a, ind, v, mode=None, *, inplace=False):
    """A copy of ``a`` with the flat positions ``ind`` set to ``v`` (repeated as needed).

    >>> put(np.zeros(4), np.array([0, 2]), np.array([7.0, 8.0]))
    array([7., 0., 8., 0.])
    """
    if inplace:
        raise ValueError("put: inplace=True is not supported (funcdl arrays are immutable); use "
                         "the returned array")
    x = asarray(a)
    ind = ravel(asarray(ind))
    if mode == "clip":
        ind = where(less(ind, 0), 0, where(greater(ind, x.size - 1), x.size - 1, ind))
    elif mode == "wrap":
        ind = remainder(ind, x.size)
    v = ravel(asarray(v))
    v = take(v, np.arange(ind.shape[0]) % max(v.shape[0], 1))
    return reshape(at(ravel(x))[ind].set(v), x.shape)


def place(arr, mask, vals, *, inplace=False):
    """A copy of ``arr`` with the positions where ``mask`` is True set to the successive
    ``vals`` (repeated as needed); traceable in all three.

    >>> place(np.zeros(4), np.array([True, False, True, True]), np.array([1.0, 2.0]))
    array([1., 0., 2., 1.])
    """
    if inplace:
        raise ValueError("place: inplace=True is not supported (funcdl arrays are immutable); use "
                         "the returned array")
    from ._reductions import cumsum
    x = asarray(arr)
    m = ravel(asarray(mask)).astype(bool)
    v = ravel(asarray(vals))
    nth = remainder(subtract(cumsum(m), 1), max(v.shape[0], 1))  # which value the k-th True takes
    return reshape(where(m, cast(take(v, nth), x.dtype), ravel(x)), x.shape)


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """Flat indices of the coordinate arrays ``multi_index`` into an array of shape ``dims``.

    >>> ravel_multi_index((np.array([1, 0]), np.array([2, 1])), (2, 3))
    array([5, 1])
    """
    if order not in ("C", "F"):
        raise ValueError(f"ravel_multi_index: order must be 'C' or 'F', got {order!r}")
    coords = [asarray(c) for c in multi_index]
    dims = tuple(int(d) for d in dims)
    strides = np.cumprod((dims[1:] + (1,))[::-1])[::-1] if order == "C" else np.cumprod((1,) + dims[:-1])
    flat = 0
    for c, n, stride in zip(coords, dims, strides):
        if mode == "clip":
            c = where(less(c, 0), 0, where(greater(c, n - 1), n - 1, c))
        elif mode == "wrap":
            c = remainder(c, n)
        elif not hasattr(c, "aval") and (np.any(c < 0) or np.any(c >= n)):
            raise ValueError("ravel_multi_index: invalid entry in coordinates array")
        flat = add(flat, multiply(c, int(stride)))
    return asarray(flat).astype(np.int64)


def unravel_index(indices, shape):
    """The coordinate arrays of flat ``indices`` into an array of ``shape``.

    >>> unravel_index(np.array([5, 1]), (2, 3))
    (array([1, 0]), array([2, 1]))
    """
    idx = asarray(indices)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)
    strides = np.cumprod((shape[1:] + (1,))[::-1])[::-1]
    return tuple(remainder(idx // int(s), n) if n else idx * 0 for s, n in zip(strides, shape))


def gradient(f, *varargs, axis=None, edge_order=1):
    """Second-order central differences inside, first-order one-sided ones at the edges (as
    numpy with ``edge_order=1``); spacing scalars or coordinate arrays in ``varargs``.

    >>> gradient(np.array([1.0, 2.0, 4.0, 7.0]))
    array([1. , 1.5, 2.5, 3. ])
    """
    if edge_order != 1:
        raise ValueError("gradient: only edge_order=1 is supported")
    y = asarray(f)
    y = y if y.dtype.kind in "fc" else cast(y, np.float64)
    axes = list(range(y.ndim)) if axis is None else (
        [normalize_axis(axis, y.ndim, "gradient")] if np.ndim(axis) == 0 else
        [normalize_axis(a, y.ndim, "gradient") for a in axis])
    spacings = list(varargs) if varargs else [1.0]
    if len(spacings) == 1:
        spacings = spacings * len(axes)
    if len(spacings) != len(axes):
        raise TypeError(f"gradient: expected 0, 1 or {len(axes)} spacings, got {len(varargs)}")
    out = [_gradient_along(y, ax, h) for ax, h in zip(axes, spacings)]
    return out[0] if len(out) == 1 else tuple(out)


def _gradient_along(y, axis, h):
    n = y.shape[axis]
    if n < 2:
        raise ValueError("gradient: the shape of each axis must be at least 2 (edge_order + 1)")

    def part(start, stop):
        index = [slice(None)] * y.ndim
        index[axis] = slice(start, stop)
        return y[tuple(index)]
    if np.ndim(h) == 0:
        inner = divide(subtract(part(2, n), part(0, n - 2)), 2.0 * h)
        first = divide(subtract(part(1, 2), part(0, 1)), h)
        last = divide(subtract(part(n - 1, n), part(n - 2, n - 1)), h)
        return concatenate([first, inner, last], axis) if n > 2 else concatenate([first, last], axis)
    x = asarray(h).astype(y.dtype)
    shape = [1] * y.ndim
    shape[axis] = n
    dx = subtract(x[1:], x[:-1])
    d1, d2 = reshape(dx[:-1], shape[:axis] + [n - 2] + shape[axis + 1:]), \
        reshape(dx[1:], shape[:axis] + [n - 2] + shape[axis + 1:])
    inner = divide(add(subtract(multiply(part(2, n), d1 * d1), multiply(part(0, n - 2), d2 * d2)),
                       multiply(part(1, n - 1), subtract(d2 * d2, d1 * d1))),
                   multiply(multiply(d1, d2), add(d1, d2)))
    first = divide(subtract(part(1, 2), part(0, 1)), dx[0])
    last = divide(subtract(part(n - 1, n), part(n - 2, n - 1)), dx[-1])
    return concatenate([first, inner, last], axis) if n > 2 else concatenate([first, last], axis)


def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    """``p`` with jumps larger than ``discont`` (half the period by default) along ``axis``
    replaced by their complement modulo ``period``.

    >>> np.round(unwrap(np.array([0.0, 3.0, -3.0])), 4)
    array([0.    , 3.    , 3.2832])
    """
    x = asarray(p)
    x = x if x.dtype.kind == "f" else cast(x, np.float64)
    axis = normalize_axis(axis, x.ndim, "unwrap")
    discont = period / 2 if discont is None else discont
    n = x.shape[axis]
    index = [slice(None)] * x.ndim
    head, tail = list(index), list(index)
    head[axis], tail[axis] = slice(1, n), slice(0, n - 1)
    dd = subtract(x[tuple(head)], x[tuple(tail)])
    half = period / 2
    ddmod = subtract(remainder(add(dd, half), period), half)
    ddmod = where(logical_and(equal(ddmod, -half), greater(dd, 0)), half, ddmod)
    correction = where(less(abs(dd), discont), 0.0, subtract(ddmod, dd))
    from ._reductions import cumsum
    first = [slice(None)] * x.ndim
    first[axis] = slice(0, 1)
    zero = multiply(x[tuple(first)], 0)
    return add(x, concatenate([zero, cumsum(correction, axis=axis)], axis))


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of the 1-d ``x``: columns ``x ** (N - 1)`` down to ``x ** 0``
    (up with ``increasing``).

    >>> vander(np.array([2, 3]), 3)
    array([[4, 2, 1],
           [9, 3, 1]])
    """
    x = asarray(x)
    if x.ndim != 1:
        raise ValueError(f"vander: x must be a one-dimensional array, got shape {x.shape}")
    n = x.shape[0] if N is None else int(N)
    powers = np.arange(n) if increasing else np.arange(n - 1, -1, -1)
    columns = [multiply(x, 0) + 1 if k == 0 else _power_int(x, int(k)) for k in powers]
    return stack(columns, axis=1) if columns else reshape(x[:0], (x.shape[0], 0))


def _power_int(x, k):
    out = x
    for _ in range(k - 1):
        out = multiply(out, x)
    return out


def lexsort(keys, axis=-1):
    """Indices that sort by the last key, ties broken by the one before, and so on.

    >>> lexsort((np.array([2, 1, 3]), np.array([0, 1, 0])))
    array([0, 2, 1])
    """
    keys = [asarray(k) for k in keys]
    if not keys:
        raise TypeError("lexsort: need a sequence of keys with at least one key")
    order = argsort(keys[0], axis=axis)
    for key in keys[1:]:
        order = take_along_axis(order, argsort(take_along_axis(key, order, axis), axis=axis), axis)
    return order


def partition(a, kth, axis=-1, kind="introselect", order=None):
    """``a`` rearranged along ``axis`` so that each ``kth`` element is where sorting would put
    it, smaller ones before and larger ones after (here: fully sorted, a valid partition).

    >>> partition(np.array([3, 1, 2]), 1)[1]
    np.int64(2)
    """
    return sort(a, axis=axis)


def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """Indices that :func:`partition` ``a`` (here: the sorting order, a valid partition).

    >>> int(argpartition(np.array([3, 1, 2]), 1)[1])
    2
    """
    return argsort(a, axis=axis)


@real_only
def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """:func:`quantile` of the elements that are not nan (nan for all-nan slices).

    >>> nanquantile(np.array([1.0, np.nan, 3.0]), 0.5)
    np.float64(2.0)
    """
    if out is not None:
        raise TypeError("nanquantile: out= is not supported (arrays are immutable in funcdl)")
    return _quantile(a, q, axis, method, keepdims, ignore_nan=True)


@real_only
def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False):
    """:func:`nanquantile` with ``q`` in percent.

    >>> nanpercentile(np.array([1.0, np.nan, 3.0]), 100)
    np.float64(3.0)
    """
    return nanquantile(a, divide(asarray(q), 100), axis, out, overwrite_input, method, keepdims)


@real_only
def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median of the elements that are not nan.

    >>> nanmedian(np.array([1.0, np.nan, 3.0, 10.0]))
    np.float64(3.0)
    """
    return nanquantile(a, 0.5, axis, out, overwrite_input, "linear", keepdims)


def poly(seq_of_zeros):
    """The coefficients of the monic polynomial with the given (real) roots; of a square
    matrix's characteristic polynomial is not supported yet.

    >>> poly(np.array([1.0, 2.0]))
    array([ 1., -3.,  2.])
    """
    roots = asarray(seq_of_zeros)
    if roots.ndim != 1:
        raise ValueError("poly: funcdl takes a 1-d sequence of roots (the characteristic "
                         "polynomial of a matrix needs eigenvalues, which funcdl lacks yet)")
    coefficients = np.ones(1, roots.dtype if roots.dtype.kind == "f" else np.float64)
    for i in range(roots.shape[0]):
        coefficients = convolve(coefficients, concatenate([np.ones(1, coefficients.dtype),
                                                           -roots[i:i + 1].astype(coefficients.dtype)], 0))
    return coefficients


def polydiv(u, v):
    """``(quotient, remainder)`` of polynomial long division of ``u`` by ``v``.

    >>> polydiv(np.array([1.0, -3.0, 2.0]), np.array([1.0, -1.0]))
    (array([ 1., -2.]), array([0.]))
    """
    u, v = asarray(u), asarray(v)
    u = u if u.dtype.kind == "f" else cast(u, np.float64)
    v = cast(v, u.dtype)
    m, n = u.shape[0] - 1, v.shape[0] - 1
    scale = divide(1.0, v[0])
    q = [None] * max(m - n + 1, 1)
    r = u
    for k in range(0, m - n + 1):
        d = multiply(scale, r[k])
        q[k] = d
        r = concatenate([r[:k], subtract(r[k:k + n + 1], multiply(d, v)), r[k + n + 1:]], 0)
    quotient = stack(q, 0) if m >= n else np.zeros(1, u.dtype)
    if hasattr(r, "aval"):  # traced: the remainder keeps its static length
        return quotient, r[max(m - n + 1, 0):] if m >= n else r
    while np.allclose(r[0], 0, rtol=1e-14) and r.shape[-1] > 1:  # numpy strips leading zeros
        r = r[1:]
    return quotient, r


_NO_PICKLE = "funcdl never loads pickled objects (they can run code); save plain arrays"


def load(file, *args, allow_pickle=False, **kwargs):
    """numpy's ``load`` of ``.npy``/``.npz`` files, never unpickling objects.

    >>> import io; buffer = io.BytesIO(); save(buffer, np.ones(2)); _ = buffer.seek(0)
    >>> load(buffer)
    array([1., 1.])
    """
    if allow_pickle:
        raise ValueError(f"load: allow_pickle=True is not supported: {_NO_PICKLE}")
    return np.load(file, *args, allow_pickle=False, **kwargs)


def save(file, arr, allow_pickle=False, **kwargs):
    """numpy's ``save`` of one array (object arrays are refused: they would need pickling)."""
    if allow_pickle:
        raise ValueError(f"save: allow_pickle=True is not supported: {_NO_PICKLE}")
    return np.save(file, np.asarray(arr), allow_pickle=False, **kwargs)


savez = np.savez
iterable, array_repr, array_str = np.iterable, np.array_repr, np.array_str
printoptions, get_printoptions, set_printoptions = np.printoptions, np.get_printoptions, np.set_printoptions
frombuffer, fromfile, fromiter, fromstring, from_dlpack = (np.frombuffer, np.fromfile, np.fromiter,
                                                           np.fromstring, np.from_dlpack)
einsum_path = np.einsum_path


def frompyfunc(func, /, nin, nout, *, identity=None):
    """A function applying ``func`` (of ``nin`` scalars, returning ``nout`` values) to the
    broadcast elements of its arguments (traced once, with :func:`vectorize`).

    >>> frompyfunc(lambda a, b: a + 2 * b, 2, 1)(np.arange(3.0), 1.0)
    array([2., 3., 4.])
    """
    vectorized = vectorize(func)

    def ufunc(*args):
        if len(args) != nin:
            raise TypeError(f"frompyfunc: the function takes {nin} argument(s), got {len(args)}")
        out = vectorized(*args)
        if nout > 1 and (not isinstance(out, tuple) or len(out) != nout):
            raise TypeError(f"frompyfunc: the function must return {nout} values")
        return out
    ufunc.__name__ = getattr(func, "__name__", "ufunc")
    return ufunc


def _static_indices(obj, n, op):
    """``obj`` (an int, a slice or integers) as sorted non-negative positions in ``[0, n)``."""
    if isinstance(obj, slice):
        return np.arange(n)[obj]
    idx = np.asarray(obj)
    if idx.dtype == np.bool_:
        if idx.shape != (n,):
            raise ValueError(f"{op}: a boolean index must have the axis' length {n}, got {idx.shape}")
        return np.nonzero(idx)[0]
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, a slice or booleans, got {idx.dtype.name}")
    idx = np.where(idx < 0, idx + n, idx).ravel()
    if np.any((idx < 0) | (idx >= n)):
        raise IndexError(f"{op}: index out of bounds for an axis of size {n}")
    return idx


def delete(arr, obj, axis=None, *, assume_unique_indices=False):
    """``arr`` without the entries ``obj`` (static indices) along ``axis`` (flattened when None).

    >>> delete(np.array([1, 2, 3, 4]), [0, 2])
    array([2, 4])
    """
    x = asarray(arr)
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis(axis, x.ndim, "delete")
    n = x.shape[axis]
    keep = np.setdiff1d(np.arange(n), _static_indices(obj, n, "delete"))
    return take(x, keep, axis=axis)


def insert(arr, obj, values, axis=None):
    """``arr`` with ``values`` inserted before the positions ``obj`` (static) along ``axis``
    (flattened when None); a scalar ``obj`` inserts ``values`` as one block, as numpy.

    >>> insert(np.array([1, 2, 3]), 1, 9)
    array([1, 9, 2, 3])
    """
    x = asarray(arr)
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis(axis, x.ndim, "insert")
    n = x.shape[axis]
    positions = np.arange(n + 1)[obj] if isinstance(obj, slice) else np.asarray(obj)
    block = positions.ndim == 0
    positions = np.atleast_1d(np.where(positions < 0, positions + n, positions))
    if positions.dtype.kind not in "iu" or np.any((positions < 0) | (positions > n)):
        raise IndexError(f"insert: indices must be integers within [-{n}, {n}], got {obj!r}")
    v = cast(asarray(values), x.dtype)
    v = reshape(v, (1,) * (x.ndim - v.ndim) + v.shape)  # numpy's ndmin=arr.ndim
    if block:
        v = moveaxis(v, 0, axis)
    k = v.shape[axis] if block else positions.shape[0]
    target = x.shape[:axis] + (k,) + x.shape[axis + 1:]
    inserted = moveaxis(broadcast_to(v, target), axis, 0)
    if block:
        new_rows = positions[0] + np.arange(k)
    else:
        order = np.argsort(positions, kind="stable")
        inserted = take(inserted, order, axis=0)
        new_rows = positions[order] + np.arange(k)
    source = np.empty(n + k, np.int64)  # the row of [arr; inserted] each output row takes
    source[np.setdiff1d(np.arange(n + k), new_rows)] = np.arange(n)
    source[new_rows] = n + np.arange(k)
    combined = concatenate([moveaxis(x, axis, 0), inserted], 0)
    return moveaxis(take(combined, source, axis=0), 0, axis)


def histogram_bin_edges(a, bins=10, range=None, weights=None):
    """The edges of :func:`histogram`'s bins: ``bins + 1`` evenly spaced over ``range`` (the
    data's min and max by default), or ``bins`` itself when it is a sequence of edges.

    >>> histogram_bin_edges(np.array([0.0, 1.0, 4.0]), 4)
    array([0., 1., 2., 3., 4.])
    """
    from ._creation import linspace
    from ._reductions import max, min
    x = ravel(asarray(a))
    if np.ndim(bins) == 1:
        return asarray(bins)
    if range is None:
        lo, hi = min(x), max(x)
    else:
        lo, hi = range
    same = equal(lo, hi)  # numpy widens an empty range by 0.5 on each side
    lo, hi = where(same, subtract(lo, 0.5), lo), where(same, add(hi, 0.5), hi)
    dtype = np.result_type(x.dtype, np.float64) if x.dtype.kind != "f" else x.dtype
    return linspace(cast(asarray(lo), dtype), cast(asarray(hi), dtype), int(bins) + 1)


def _bin_index(x, edges):
    """Bin ``b`` with ``edges[b] <= x < edges[b + 1]`` (the last bin includes its right edge),
    or -1 outside the edges."""
    from ._statistics import searchsorted
    n = edges.shape[0]
    idx = subtract(searchsorted(edges, x, side="right"), 1)
    idx = where(equal(x, edges[-1]), n - 2, idx)
    return where(logical_and(greater(idx, -1), less(idx, n - 1)), idx, -1)


@real_only
def histogram(a, bins=10, range=None, weights=None, density=None):
    """``(counts, edges)``: the number (or summed ``weights``) of elements in each bin;
    ``density`` normalises to a density (the integral over the range is 1).

    >>> histogram(np.array([0.0, 1.0, 1.5, 4.0]), 4)
    (array([1, 2, 0, 1]), array([0., 1., 2., 3., 4.]))
    """
    x = ravel(asarray(a))
    edges = histogram_bin_edges(x, bins, range)
    counts = _counts(reshape(_bin_index(x, edges), (-1,)), edges.shape[0] - 1, weights)
    if density:
        widths = subtract(edges[1:], edges[:-1])
        counts = divide(divide(counts, sum(counts)), widths)
    return counts, edges


def _counts(flat_bins, length, weights):
    """How many entries (or the sum of ``weights``) fall in each of ``length`` bins (-1: none)."""
    from ._value_shapes import bincount
    valid = greater(flat_bins, -1)
    safe = where(valid, flat_bins, 0)
    if weights is None:
        w = valid.astype(np.int64)
    else:
        w = where(valid, ravel(asarray(weights)), 0)
    return bincount(safe, w, length=length)


@real_only
def histogramdd(sample, bins=10, range=None, weights=None, density=None):
    """The ``D``-dimensional histogram of ``N`` points (``sample`` of shape ``(N, D)``):
    ``(counts, [edges per dimension])``.

    >>> counts, edges = histogramdd(np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]]), 2)
    >>> counts
    array([[1., 0.],
           [1., 1.]])
    """
    s = asarray(sample)
    if s.ndim == 1:
        s = reshape(s, (-1, 1))
    d = s.shape[1]
    bins_per_dim = [bins] * d if np.ndim(bins) == 0 else list(bins)
    ranges = [None] * d if range is None else list(range)
    edges = [histogram_bin_edges(s[:, k], b, r) for k, (b, r) in enumerate(zip(bins_per_dim, ranges))]
    index = [_bin_index(s[:, k], e) for k, e in enumerate(edges)]
    sizes = tuple(e.shape[0] - 1 for e in edges)
    outside = None
    for i in index:
        outside = less(i, 0) if outside is None else logical_or(outside, less(i, 0))
    flat = ravel_multi_index(tuple(where(outside, 0, i) for i in index), sizes)
    counts = _counts(where(outside, -1, flat), int(np.prod(sizes)), weights)
    counts = reshape(counts, sizes).astype(np.float64) if weights is None else reshape(counts, sizes)
    if density:
        volume = None
        for k, e in enumerate(edges):
            w = subtract(e[1:], e[:-1])
            shape = [1] * d
            shape[k] = sizes[k]
            w = reshape(w, shape)
            volume = w if volume is None else multiply(volume, w)
        counts = divide(divide(counts, sum(counts)), volume)
    return counts, list(edges)


@real_only
def histogram2d(x, y, bins=10, range=None, weights=None, density=None):
    """The 2-d histogram of points ``(x, y)``: ``(counts, xedges, yedges)``.

    >>> h, xe, ye = histogram2d(np.array([0.0, 1.0]), np.array([0.0, 1.0]), 2)
    >>> h
    array([[1., 0.],
           [0., 1.]])
    """
    counts, (xedges, yedges) = histogramdd(stack([ravel(asarray(x)), ravel(asarray(y))], 1), bins,
                                           range, weights, density)
    return counts, xedges, yedges


def unpackbits(a, axis=None, count=None, bitorder="big"):
    """The bits of a uint8 array as a uint8 array of 0s and 1s (8 per element, along ``axis``;
    flattened when None), most significant first unless ``bitorder='little'``.

    >>> unpackbits(np.array([5], np.uint8))
    array([0, 0, 0, 0, 0, 1, 0, 1], dtype=uint8)
    """
    from ._math import bitwise_and, right_shift
    x = asarray(a)
    if x.dtype != np.uint8:
        raise TypeError(f"unpackbits: expected an input array of unsigned byte data type, got {x.dtype.name}")
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis(axis, x.ndim, "unpackbits")
    shifts = np.arange(7, -1, -1, dtype=np.uint8) if bitorder == "big" else np.arange(8, dtype=np.uint8)
    bits = bitwise_and(right_shift(expand_dims(x, axis + 1), reshape(shifts, (8,) + (1,) * (x.ndim - axis - 1))),
                       np.uint8(1))
    shape = list(x.shape)
    shape[axis] *= 8
    out = reshape(bits, shape)
    if count is not None:
        index = [slice(None)] * x.ndim
        index[axis] = slice(0, count)
        out = out[tuple(index)]
    return out


def packbits(a, axis=None, bitorder="big"):
    """Pack an array of 0/1 (or booleans) into uint8, 8 elements per byte along ``axis``
    (flattened when None; the last byte padded with zeros).

    >>> packbits(np.array([1, 0, 1]))
    array([160], dtype=uint8)
    """
    from ._math import left_shift
    x = asarray(a)
    if x.dtype.kind not in "biu":
        raise TypeError(f"packbits: expected an input array of integer or boolean data type, got {x.dtype.name}")
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis(axis, x.ndim, "packbits")
    bits = not_equal(x, 0).astype(np.uint8)
    n = bits.shape[axis]
    if n % 8:
        from ._shape import pad
        widths = [(0, 0)] * x.ndim
        widths[axis] = (0, 8 - n % 8)
        bits = pad(bits, widths)
    shape = list(bits.shape)
    shape[axis:axis + 1] = [shape[axis] // 8, 8]
    grouped = reshape(bits, shape)
    shifts = np.arange(7, -1, -1, dtype=np.uint8) if bitorder == "big" else np.arange(8, dtype=np.uint8)
    weights = reshape(shifts, (8,) + (1,) * (x.ndim - axis - 1))
    return sum(left_shift(grouped, weights), axis=axis + 1, dtype=np.uint8)
