"""JAX's ``lax`` operations on whole arrays under their lax names and signatures
(``reduce_sum(operand, axes)``, ``broadcast_in_dim``, ``slice``, ``iota``, ``cumsum(operand,
axis, reverse)``, ``top_k``...), composed from funcdl's primitives and ``funcdl.numpy``; the
elementwise ones promote like ``funcdl.numpy``. Re-exported by :mod:`funcdl.lax`.

>>> import numpy as np
>>> from funcdl import lax
>>> lax.broadcast_in_dim(np.array([1, 2]), (3, 2), (1,)).shape
(3, 2)
"""
import builtins

import numpy as np

from . import numpy as fnp
from . import primitives as P


__all__ = [
    "abs",
    "acos",
    "acosh",
    "add",
    "approx_max_k",
    "approx_min_k",
    "argmax",
    "argmin",
    "asin",
    "asinh",
    "associative_scan",
    "atan",
    "atan2",
    "atanh",
    "batch_matmul",
    "bessel_i0e",
    "bitcast_convert_type",
    "betainc",
    "bessel_i1e",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "broadcast",
    "broadcast_in_dim",
    "broadcast_like",
    "broadcast_shapes",
    "broadcast_to_rank",
    "broadcasted_iota",
    "cbrt",
    "ceil",
    "clamp",
    "clz",
    "collapse",
    "complex",
    "concatenate",
    "conj",
    "convert_element_type",
    "cos",
    "cosh",
    "cumlogsumexp",
    "cummax",
    "cummin",
    "cumprod",
    "cumsum",
    "digamma",
    "div",
    "dot",
    "dtype",
    "dynamic_update_index_in_dim",
    "empty",
    "eq",
    "erf",
    "erf_inv",
    "erfc",
    "exp",
    "exp2",
    "expand_dims",
    "expm1",
    "fft",
    "floor",
    "full",
    "full_like",
    "ge",
    "gt",
    "igamma",
    "igammac",
    "imag",
    "index_in_dim",
    "index_take",
    "integer_pow",
    "iota",
    "is_finite",
    "le",
    "lgamma",
    "log",
    "log1p",
    "logistic",
    "lt",
    "map",
    "max",
    "min",
    "mul",
    "mulhi",
    "ne",
    "neg",
    "nextafter",
    "pad",
    "polygamma",
    "population_count",
    "pow",
    "real",
    "reciprocal",
    "reduce",
    "reduce_and",
    "reduce_max",
    "reduce_min",
    "reduce_or",
    "reduce_prod",
    "reduce_sum",
    "reduce_xor",
    "rem",
    "reshape",
    "rev",
    "round",
    "rsqrt",
    "select_n",
    "shift_left",
    "shift_right_arithmetic",
    "shift_right_logical",
    "sign",
    "sin",
    "sinh",
    "slice",
    "slice_in_dim",
    "sort",
    "sort_key_val",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "stop_gradient",
    "sub",
    "switch",
    "tan",
    "tanh",
    "tile",
    "top_k",
    "transpose",
    "unstack",
    "zeta",
]

# elementwise, under lax's names
add, sub, mul, div, rem = fnp.add, fnp.subtract, fnp.multiply, fnp.divide, fnp.fmod
max, min, pow = fnp.maximum, fnp.minimum, fnp.power  # noqa: A001 - lax's names
neg, abs, sign, floor, ceil = fnp.negative, fnp.abs, fnp.sign, fnp.floor, fnp.ceil  # noqa: A001
exp, exp2, log, log1p, expm1 = fnp.exp, fnp.exp2, fnp.log, fnp.log1p, fnp.expm1
sin, cos, tan, tanh, sinh, cosh = fnp.sin, fnp.cos, fnp.tan, fnp.tanh, fnp.sinh, fnp.cosh
asin, acos, atan, asinh, acosh, atanh = fnp.arcsin, fnp.arccos, fnp.arctan, fnp.arcsinh, fnp.arccosh, fnp.arctanh
atan2, sqrt, cbrt, square, reciprocal = fnp.arctan2, fnp.sqrt, fnp.cbrt, fnp.square, fnp.reciprocal
erf, erfc, erf_inv, is_finite = fnp.erf, fnp.erfc, fnp.erfinv, fnp.isfinite


def _special(name):
    def fn(*args):
        from .scipy import special
        return getattr(special, name)(*args)
    fn.__name__ = name
    fn.__doc__ = f"lax's name for ``funcdl.scipy.special.{name}``."
    return fn


lgamma, digamma, polygamma, zeta = (_special(n) for n in ("gammaln", "digamma", "polygamma", "zeta"))
igamma, igammac = _special("gammainc"), _special("gammaincc")
betainc = _special("betainc")
bessel_i0e, bessel_i1e = _special("i0e"), _special("i1e")
eq, ne, lt, le, gt, ge = (fnp.equal, fnp.not_equal, fnp.less, fnp.less_equal, fnp.greater,
                          fnp.greater_equal)
bitwise_and, bitwise_or, bitwise_xor, bitwise_not = (fnp.bitwise_and, fnp.bitwise_or,
                                                     fnp.bitwise_xor, fnp.bitwise_not)
shift_left, shift_right_arithmetic, population_count = fnp.left_shift, fnp.right_shift, fnp.bitwise_count
real, imag, conj = fnp.real, fnp.imag, fnp.conj


def complex(x, y):  # noqa: A001 - lax's name
    """``x + i y`` from real arrays of one dtype (float32 parts give complex64).

    >>> complex(np.float32(1.0), np.float32(2.0))
    np.complex64(1+2j)
    """
    x, y = fnp.asarray(x), fnp.asarray(y)
    if x.dtype.kind != "f":
        x, y = fnp.asarray(x, np.float64), fnp.asarray(y, np.float64)
    return P.binary("complex", x, fnp.asarray(y, x.dtype))


def fft(x, fft_type, fft_lengths):
    """The ``fft_type`` transform (``"FFT"``, ``"IFFT"``, ``"RFFT"``, ``"IRFFT"``, in any case,
    or an enum member of those names) of the last ``len(fft_lengths)`` axes of ``x``, which
    must have those lengths (IRFFT: ``n // 2 + 1`` terms in the last).

    >>> fft(np.array([1.0, 0.0, 0.0, 0.0]), "rfft", (4,))
    array([1.+0.j, 1.+0.j, 1.+0.j])
    """
    name = str(getattr(fft_type, "name", fft_type)).upper()
    return P.fft(fnp.asarray(x), name, fft_lengths)


def rsqrt(x):
    """``1 / sqrt(x)``.

    >>> rsqrt(4.0)
    np.float64(0.5)
    """
    return fnp.reciprocal(fnp.sqrt(x))


def logistic(x):
    """The logistic sigmoid ``1 / (1 + exp(-x))``, computed without overflow.

    >>> logistic(0.0)
    np.float64(0.5)
    """
    from .nn.activations import sigmoid
    return sigmoid(x)


def round(x, rounding_method=0):  # noqa: A001 - lax's name
    """Round to the nearest integer: halves away from zero (``rounding_method=0``, lax's
    default) or to even (``1``).

    >>> round(np.array([0.5, 1.5, -2.5]))
    array([ 1.,  2., -3.])
    """
    x = fnp.asarray(x)
    if rounding_method in (1, "TO_NEAREST_EVEN"):
        return fnp.rint(x)
    magnitude = fnp.abs(x)
    whole = fnp.floor(magnitude)
    up = fnp.greater_equal(magnitude - whole, 0.5)  # the fraction is exact
    return fnp.copysign(fnp.where(up, whole + 1, whole), x)


def clamp(min, x, max):  # noqa: A002 - lax's parameter names
    """``x`` limited to ``[min, max]``.

    >>> clamp(0.0, np.array([-1.0, 0.5, 2.0]), 1.0)
    array([0. , 0.5, 1. ])
    """
    return fnp.minimum(fnp.maximum(x, min), max)


def integer_pow(x, y):
    """``x ** y`` for a static integer ``y``, by repeated multiplication.

    >>> integer_pow(np.array([2.0, 3.0]), 3)
    array([ 8., 27.])
    """
    x = fnp.asarray(x)
    if y == 0:
        return fnp.ones_like(x)
    result, base, n = None, x, builtins.abs(int(y))
    while n:
        if n & 1:
            result = base if result is None else fnp.multiply(result, base)
        n >>= 1
        if n:
            base = fnp.multiply(base, base)
    return fnp.reciprocal(result) if y < 0 else result


def convert_element_type(operand, new_dtype):
    """``operand`` cast to ``new_dtype``.

    >>> convert_element_type(np.array([1.7]), np.int32)
    array([1], dtype=int32)
    """
    return fnp.astype(operand, new_dtype)


# -- shapes --------------------------------------------------------------------------------

def reshape(operand, new_sizes, dimensions=None):
    """``operand`` (transposed by ``dimensions`` first, when given) with shape ``new_sizes``.

    >>> reshape(np.arange(6), (2, 3)).shape
    (2, 3)
    """
    x = fnp.asarray(operand)
    if dimensions is not None:
        x = fnp.transpose(x, dimensions)
    return fnp.reshape(x, tuple(new_sizes))


def broadcast(operand, sizes):
    """``operand`` with new leading dimensions ``sizes``.

    >>> broadcast(np.ones(2), (3,)).shape
    (3, 2)
    """
    x = fnp.asarray(operand)
    return fnp.broadcast_to(x, tuple(sizes) + x.shape)


def broadcast_in_dim(operand, shape, broadcast_dimensions):
    """``operand`` broadcast to ``shape``, its axis ``i`` becoming axis
    ``broadcast_dimensions[i]`` of the result.

    >>> broadcast_in_dim(np.array([1, 2, 3]), (3, 2), (0,)).tolist()
    [[1, 1], [2, 2], [3, 3]]
    """
    x = fnp.asarray(operand)
    dims = tuple(broadcast_dimensions)
    if len(dims) != x.ndim or list(dims) != sorted(dims):
        raise ValueError(f"broadcast_in_dim: broadcast_dimensions {dims} must give each of the "
                         f"operand's {x.ndim} axes an increasing position in the result")
    expanded = [1] * len(shape)
    for axis, d in zip(dims, x.shape):
        expanded[axis] = d
    return fnp.broadcast_to(fnp.reshape(x, expanded), tuple(shape))


def broadcast_to_rank(x, rank):
    """``x`` with leading size-1 axes up to ``rank`` dimensions.

    >>> broadcast_to_rank(np.ones(3), 3).shape
    (1, 1, 3)
    """
    x = fnp.asarray(x)
    return fnp.reshape(x, (1,) * builtins.max(rank - x.ndim, 0) + x.shape)


def expand_dims(array, dimensions):
    """``array`` with size-1 axes inserted at ``dimensions``.

    >>> expand_dims(np.ones(3), (0, 2)).shape
    (1, 3, 1)
    """
    return fnp.expand_dims(array, tuple(dimensions))


def squeeze(array, dimensions):
    """``array`` without the size-1 axes ``dimensions``.

    >>> squeeze(np.ones((1, 3, 1)), (0,)).shape
    (3, 1)
    """
    return fnp.squeeze(array, tuple(dimensions))


def transpose(operand, permutation):
    """``operand`` with its axes permuted.

    >>> transpose(np.ones((2, 3)), (1, 0)).shape
    (3, 2)
    """
    return fnp.transpose(operand, tuple(permutation))


def rev(operand, dimensions):
    """``operand`` reversed along ``dimensions``.

    >>> rev(np.arange(3), (0,))
    array([2, 1, 0])
    """
    return fnp.flip(operand, tuple(dimensions))


def concatenate(operands, dimension):
    """The operands joined along ``dimension``.

    >>> concatenate([np.ones(2), np.zeros(1)], 0)
    array([1., 1., 0.])
    """
    return fnp.concatenate(list(operands), dimension)


def pad(operand, padding_value, padding_config):
    """``operand`` padded with ``padding_value``: ``(low, high, interior)`` per axis (negative
    low/high crop).

    >>> pad(np.array([1, 2]), 0, [(1, 2, 1)])
    array([0, 1, 0, 2, 0, 0])
    """
    x = fnp.asarray(operand)
    return P.pad(x, np.asarray(padding_value, x.dtype), [tuple(c) for c in padding_config])


def slice(operand, start_indices, limit_indices, strides=None):  # noqa: A001 - lax's name
    """The static window ``operand[start:limit:stride]`` on every axis.

    >>> slice(np.arange(10), (2,), (8,), (3,))
    array([2, 5])
    """
    x = fnp.asarray(operand)
    return P.slice(x, tuple(start_indices), tuple(limit_indices),
                   None if strides is None else tuple(strides))


def slice_in_dim(operand, start_index, limit_index, stride=1, axis=0):
    """:func:`slice` along one axis (``None`` bounds are the axis' ends, negative ones count
    from the end).

    >>> slice_in_dim(np.arange(12).reshape(3, 4), 1, 3, axis=1).shape
    (3, 2)
    """
    x = fnp.asarray(operand)
    axis = axis % x.ndim
    start, stop, _ = builtins.slice(start_index, limit_index).indices(x.shape[axis])
    starts, limits, strides = [0] * x.ndim, list(x.shape), [1] * x.ndim
    starts[axis], limits[axis], strides[axis] = start, builtins.max(start, stop), stride
    return P.slice(x, tuple(starts), tuple(limits), tuple(strides))


def index_in_dim(operand, index, axis=0, keepdims=True):
    """The slice at static ``index`` along ``axis`` (the axis dropped unless ``keepdims``).

    >>> index_in_dim(np.arange(6).reshape(2, 3), 1, axis=1, keepdims=False)
    array([1, 4])
    """
    x = fnp.asarray(operand)
    index = index + x.shape[axis] if index < 0 else index
    out = slice_in_dim(x, index, index + 1, 1, axis)
    return out if keepdims else fnp.squeeze(out, axis)


def dynamic_update_index_in_dim(operand, update, index, axis):
    """``operand`` with the slice at (possibly traced) ``index`` along ``axis`` set to
    ``update`` (which may lack that axis).

    >>> dynamic_update_index_in_dim(np.zeros((2, 2)), np.ones(2), 1, 0)
    array([[0., 0.],
           [1., 1.]])
    """
    from .lax import dynamic_update_slice_in_dim
    x, u = fnp.asarray(operand), fnp.asarray(update)
    if u.ndim == x.ndim - 1:
        u = fnp.expand_dims(u, axis)
    return dynamic_update_slice_in_dim(x, u, index, axis)


def iota(dtype, size):
    """``0, 1, ..., size - 1`` in ``dtype``.

    >>> iota(np.int32, 3)
    array([0, 1, 2], dtype=int32)
    """
    return np.arange(size, dtype=dtype)


def broadcasted_iota(dtype, shape, dimension):
    """The index along ``dimension`` at each position of an array of ``shape``.

    >>> broadcasted_iota(np.int32, (2, 3), 1).tolist()
    [[0, 1, 2], [0, 1, 2]]
    """
    index = np.arange(shape[dimension], dtype=dtype)
    return np.broadcast_to(index.reshape([-1 if d == dimension else 1 for d in range(len(shape))]), shape).copy()


def full(shape, fill_value, dtype=None):
    """An array of ``shape`` filled with ``fill_value``.

    >>> full((2,), 7, np.int8)
    array([7, 7], dtype=int8)
    """
    return fnp.full(shape, fill_value, dtype)


def full_like(x, fill_value, dtype=None, shape=None):
    """An array like ``x`` (or of ``shape``) filled with ``fill_value``.

    >>> full_like(np.ones(2, np.float32), 3)
    array([3., 3.], dtype=float32)
    """
    x = fnp.asarray(x)
    return fnp.full(x.shape if shape is None else shape, fill_value, x.dtype if dtype is None else dtype)


def tile(operand, multiples):
    """``operand`` repeated ``multiples`` times along each axis.

    >>> tile(np.array([1, 2]), (2,))
    array([1, 2, 1, 2])
    """
    return fnp.tile(operand, tuple(multiples))


# -- reductions, scans, sorting ------------------------------------------------------------

def _reduce(fn):
    def reduce(operand, axes):
        return fn(operand, axis=tuple(axes))
    return reduce


reduce_sum, reduce_prod, reduce_max, reduce_min = (_reduce(fnp.sum), _reduce(fnp.prod),
                                                   _reduce(fnp.max), _reduce(fnp.min))
reduce_and, reduce_or = _reduce(fnp.all), _reduce(fnp.any)
reduce_sum.__doc__ = """Sum over ``axes``.

>>> reduce_sum(np.ones((2, 3)), (0,))
array([2., 2., 2.])
"""


def reduce_xor(operand, axes):
    """Exclusive or of booleans over ``axes`` (parity of the True count).

    >>> reduce_xor(np.array([True, True, True]), (0,))
    np.True_
    """
    x = fnp.asarray(operand)
    return fnp.equal(fnp.remainder(fnp.sum(x.astype(np.int64), axis=tuple(axes)), 2), 1)


def argmax(operand, axis, index_dtype):
    """The index of the maximum along ``axis``, in ``index_dtype``.

    >>> argmax(np.array([1, 5, 2]), 0, np.int32)
    np.int32(1)
    """
    return fnp.argmax(operand, axis=axis).astype(index_dtype)


def argmin(operand, axis, index_dtype):
    """The index of the minimum along ``axis``, in ``index_dtype``.

    >>> argmin(np.array([1, 5, 0]), 0, np.int32)
    np.int32(2)
    """
    return fnp.argmin(operand, axis=axis).astype(index_dtype)


def _scan(fn):
    def cumulative(operand, axis=0, reverse=False):
        x = fnp.asarray(operand)
        if reverse:
            return fnp.flip(fn(fnp.flip(x, axis), axis), axis)
        return fn(x, axis)
    return cumulative


def _running(compare):
    def running(x, axis):
        """The running max/min along ``axis`` by doubling (log n steps of compare-and-shift)."""
        n, out, shift = x.shape[axis], x, 1
        while shift < n:
            pad_cfg = [(0, 0, 0)] * x.ndim
            pad_cfg[axis] = (shift, 0, 0)
            starts, limits = [0] * x.ndim, list(x.shape)
            limits[axis] = n - shift
            previous = P.pad(P.slice(out, tuple(starts), tuple(limits)), _identity(compare, x.dtype), pad_cfg)
            out = compare(out, previous)
            shift *= 2
        return out
    return running


def _identity(compare, dtype):
    """The value that never wins ``compare``: the lowest for max, the highest for min."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        low, high = -np.inf, np.inf
    elif dtype.kind == "b":
        low, high = False, True
    else:
        low, high = np.iinfo(dtype).min, np.iinfo(dtype).max
    return np.asarray(low if compare is fnp.maximum else high, dtype)


cumsum = _scan(lambda x, axis: fnp.cumsum(x, axis=axis))
cumprod = _scan(lambda x, axis: fnp.cumprod(x, axis=axis))
cummax = _scan(_running(fnp.maximum))
cummin = _scan(_running(fnp.minimum))
cumlogsumexp = _scan(lambda x, axis: associative_scan(fnp.logaddexp, x, axis=axis))
cumsum.__doc__ = """Cumulative sum along ``axis`` (from the end with ``reverse``).

>>> cumsum(np.array([1, 2, 3]), reverse=True)
array([6, 5, 3])
"""


def sort(operand, dimension=-1, is_stable=True, num_keys=1):
    """``operand`` sorted along ``dimension`` (a tuple of arrays sorts by the first
    ``num_keys`` and permutes the others alike).

    >>> sort(np.array([3, 1, 2]))
    array([1, 2, 3])
    """
    if isinstance(operand, (tuple, list)):
        arrays = [fnp.asarray(a) for a in operand]
        keys = arrays[:num_keys]
        order = fnp.lexsort(keys[::-1], axis=dimension)
        return tuple(fnp.take_along_axis(a, order, dimension) for a in arrays)
    return fnp.sort(operand, axis=dimension)


def sort_key_val(keys, values, dimension=-1, is_stable=True):
    """``(keys, values)`` sorted by ``keys`` along ``dimension``.

    >>> sort_key_val(np.array([3, 1]), np.array([10, 20]))
    (array([1, 3]), array([20, 10]))
    """
    return sort((keys, values), dimension, is_stable, 1)


def top_k(operand, k):
    """``(values, indices)`` of the ``k`` largest entries along the last axis, largest first
    (ties: lower index first).

    >>> top_k(np.array([1.0, 5.0, 3.0]), 2)
    (array([5., 3.]), array([1, 2], dtype=int32))
    """
    x = fnp.asarray(operand)
    order = fnp.argsort(x, axis=-1, descending=True)[..., :k]
    return fnp.take_along_axis(x, order, -1), order.astype(np.int32)


def dot(lhs, rhs, precision=None, preferred_element_type=None):
    """Vector/matrix products: ``lhs @ rhs`` contracting ``lhs``'s last axis with ``rhs``'s
    first.

    >>> dot(np.ones((2, 3)), np.ones(3))
    array([3., 3.])
    """
    lhs, rhs = fnp.asarray(lhs), fnp.asarray(rhs)
    if preferred_element_type is not None:
        lhs, rhs = lhs.astype(preferred_element_type), rhs.astype(preferred_element_type)
    return fnp.tensordot(lhs, rhs, ([lhs.ndim - 1], [0]))


def batch_matmul(lhs, rhs, precision=None):
    """Matrix products over matching leading (batch) dimensions.

    >>> batch_matmul(np.ones((4, 2, 3)), np.ones((4, 3, 5))).shape
    (4, 2, 5)
    """
    return fnp.matmul(lhs, rhs)


def stop_gradient(x):
    """The identity, with a zero derivative (as ``fd.stop_gradient``).

    >>> stop_gradient(np.ones(1))
    array([1.])
    """
    from .transforms import stop_gradient as stop
    return stop(x)


def map(f, xs):  # noqa: A001 - lax's name
    """``f`` applied to each slice of ``xs`` (a pytree) along its leading axis, sequentially
    (a ``scan``), results stacked.

    >>> map(lambda x: x * 2, np.arange(3))
    array([0, 2, 4])
    """
    from .control_flow import scan
    _, ys = scan(lambda carry, x: (carry, f(x)), (), xs)
    return ys


def switch(index, branches, *operands):
    """``branches[index](*operands)`` with ``index`` clamped into range (possibly traced:
    each branch is traced, as ``lax.cond``).

    >>> switch(1, [lambda x: x + 1, lambda x: x * 10], 2.0)
    20.0
    """
    from .control_flow import cond
    branches = list(branches)
    if not branches:
        raise ValueError("switch: needs at least one branch")
    if not hasattr(index, "aval"):
        i = builtins.min(builtins.max(int(index), 0), len(branches) - 1)
        return branches[i](*operands)
    index = clamp(0, fnp.asarray(index), len(branches) - 1)

    def select_from(k):
        if k == len(branches) - 1:
            return branches[k]
        return lambda *ops: cond(fnp.equal(index, k), branches[k], select_from(k + 1), *ops)
    return select_from(0)(*operands)


def associative_scan(fn, elems, reverse=False, axis=0):
    """The inclusive scan of an associative ``fn`` along ``axis`` (Hillis-Steele doubling:
    log n applications of ``fn`` on shifted slices).

    >>> associative_scan(fnp.add, np.arange(1, 5))
    array([ 1,  3,  6, 10])
    """
    from .tree_util import tree_flatten, tree_unflatten
    leaves, tree = tree_flatten(elems)
    leaves = [fnp.asarray(x) for x in leaves]
    if reverse:
        leaves = [fnp.flip(x, axis) for x in leaves]
    n = leaves[0].shape[axis]
    out, shift = leaves, 1
    while shift < n:
        previous = [slice_in_dim(x, 0, n - shift, 1, axis) for x in out]
        current = [slice_in_dim(x, shift, n, 1, axis) for x in out]
        combined = tree_flatten(fn(tree_unflatten(tree, previous), tree_unflatten(tree, current)))[0]
        out = [fnp.concatenate([slice_in_dim(x, 0, shift, 1, axis), c], axis) for x, c in zip(out, combined)]
        shift *= 2
    if reverse:
        out = [fnp.flip(x, axis) for x in out]
    return tree_unflatten(tree, out)


# -- structure -------------------------------------------------------------------------------


def stack(operands, axis=0):
    """The operands (one shape) stacked along a new ``axis``.

    >>> stack([np.ones(2), np.zeros(2)], 1).shape
    (2, 2)
    """
    return fnp.stack(operands, axis)


def unstack(x, axis=0):
    """The tuple of ``x``'s slices along ``axis`` (the inverse of :func:`stack`).

    >>> [a.shape for a in unstack(np.ones((5, 3)), 1)]
    [(5,), (5,), (5,)]
    """
    x = fnp.asarray(x)
    return tuple(index_in_dim(x, i, axis, keepdims=False) for i in range(x.shape[axis]))


def split(operand, sizes, axis=0):
    """``operand`` cut along ``axis`` into consecutive pieces of ``sizes`` (which add up to
    that axis's length).

    >>> [a.shape for a in split(np.ones((5, 3)), (2, 3))]
    [(2, 3), (3, 3)]
    """
    x = fnp.asarray(operand)
    sizes = [int(n) for n in sizes]
    if builtins.sum(sizes) != x.shape[axis] or builtins.min(sizes, default=0) < 0:
        raise P.structural.shape_error("split", f"sizes {sizes} must be nonnegative and add up to the "
                                       f"length of axis {axis}", x.shape)
    starts = np.cumsum([0] + sizes)
    return [slice_in_dim(x, int(a), int(b), 1, axis) for a, b in zip(starts[:-1], starts[1:])]


def collapse(operand, start_dimension, stop_dimension=None):
    """``operand`` with the axes ``start_dimension:stop_dimension`` merged into one.

    >>> collapse(np.ones((2, 3, 4, 5)), 1, 3).shape
    (2, 12, 5)
    """
    x = fnp.asarray(operand)
    start, stop, _ = builtins.slice(start_dimension, stop_dimension).indices(x.ndim)
    return fnp.reshape(x, x.shape[:start] + (-1,) + x.shape[stop:])


def broadcast_like(arr, like_arr):
    """``arr`` broadcast to ``like_arr``'s shape.

    >>> broadcast_like(np.ones(3), np.zeros((2, 3))).shape
    (2, 3)
    """
    return fnp.broadcast_to(arr, np.shape(like_arr))


def index_take(src, idxs, axes):
    """``src`` indexed by the integer arrays ``idxs`` along ``axes`` (one each): the
    indexed axes become one leading axis, the others follow in order.

    >>> index_take(np.arange(24).reshape(2, 3, 4), (np.array([0, 1]), np.array([2, 0])), (0, 2))
    array([[ 2,  6, 10],
           [12, 16, 20]])
    """
    x = fnp.asarray(src)
    axes = [int(a) % x.ndim for a in axes]
    moved = fnp.moveaxis(x, axes, list(range(len(axes))))
    return moved[tuple(fnp.asarray(i) for i in idxs)]


def select_n(which, *cases):
    """``cases[which]`` elementwise: ``which`` is boolean (two cases) or an integer array
    (or scalar) indexing the cases, which share one shape and dtype.

    >>> select_n(np.array([0, 2, 1]), np.zeros(3), np.ones(3), np.full(3, 2.0))
    array([0., 2., 1.])
    """
    which = fnp.asarray(which)
    cases = [fnp.asarray(c) for c in cases]
    if not cases or any(c.shape != cases[0].shape or c.dtype != cases[0].dtype for c in cases):
        raise TypeError("select_n: needs at least one case, all of one shape and dtype, got "
                        + ", ".join(f"{c.dtype.name}{list(c.shape)}" for c in cases))
    if which.shape not in ((), cases[0].shape) or (which.dtype == np.bool_ and len(cases) > 2) \
            or which.dtype.kind not in "biu":
        raise TypeError(f"select_n: which must be boolean (for two cases) or integer, of the cases' "
                        f"shape {cases[0].shape} or a scalar, got {which.dtype.name}{list(which.shape)}")
    out = cases[-1]
    for k in range(len(cases) - 2, -1, -1):
        out = fnp.where(fnp.equal(which, k) if which.dtype != np.bool_ else fnp.logical_not(which), cases[k], out)
    return out


def empty(shape, dtype, *, out_sharding=None):
    """An array of ``shape`` and ``dtype`` (zeros: funcdl's arrays have no uninitialized state).

    >>> empty((2,), np.float32)
    array([0., 0.], dtype=float32)
    """
    return fnp.zeros(shape, dtype)


def dtype(x):
    """The dtype of an array, scalar or dtype-like ``x`` (Python scalars: int64, float64,
    complex128, bool, as numpy).

    >>> dtype(1.0), dtype(np.float32)
    (dtype('float64'), dtype('float32'))
    """
    if isinstance(x, (type, np.dtype, str)):
        return np.dtype(x)
    return fnp.asarray(x).dtype


def broadcast_shapes(*shapes):
    """The shape the ``shapes`` broadcast to (numpy's rules).

    >>> broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))


# -- bits -----------------------------------------------------------------------------------


def _unsigned(x):
    return np.dtype(f"u{x.dtype.itemsize}")


def shift_right_logical(x, y):
    """``x >> y`` shifting in zeros (for signed ``x`` too); 0 for shifts of at least the
    bit width.

    >>> shift_right_logical(np.array([-8], np.int32), np.array([1], np.int32))
    array([2147483644], dtype=int32)
    """
    x, y = fnp.asarray(x), fnp.asarray(y)
    if x.dtype.kind not in "iu":
        raise TypeError(f"shift_right_logical: needs integers, got {x.dtype.name}")
    if x.dtype.kind == "u":
        return fnp.right_shift(x, y)
    u = _unsigned(x)
    return fnp.right_shift(x.astype(u), y.astype(u)).astype(x.dtype)


def clz(x):
    """The number of leading zero bits of each integer (its width for 0).

    >>> clz(np.array([0, 1, -1, 255], np.int32))
    array([32, 31,  0, 24], dtype=int32)
    """
    x = fnp.asarray(x)
    if x.dtype.kind not in "iu":
        raise TypeError(f"clz: needs integers, got {x.dtype.name}")
    u = x.astype(_unsigned(x))
    bits = 8 * x.dtype.itemsize
    count = fnp.zeros(x.shape, x.dtype)
    step = bits // 2
    while step:  # binary search for the highest set bit
        high = fnp.equal(fnp.right_shift(u, np.asarray(bits - step, u.dtype)), 0)
        count = count + fnp.where(high, step, 0).astype(x.dtype)
        u = fnp.where(high, fnp.left_shift(u, np.asarray(step, u.dtype)), u)
        step //= 2
    return count + fnp.equal(u, 0).astype(x.dtype)


def mulhi(x, y, /):
    """The high half of the double-width product of two integers of one dtype (as XLA's).

    >>> mulhi(np.array([-3], np.int32), np.array([5], np.int32))
    array([-1], dtype=int32)
    """
    x, y = fnp.asarray(x), fnp.asarray(y)
    if x.dtype != y.dtype or x.dtype.kind not in "iu":
        raise TypeError(f"mulhi: needs integers of one dtype, got {x.dtype.name} and {y.dtype.name}")
    bits = 8 * x.dtype.itemsize
    if bits < 64:
        wide = np.dtype(f"{x.dtype.kind}{2 * x.dtype.itemsize}")
        return fnp.right_shift(x.astype(wide) * y.astype(wide), np.asarray(bits, wide)).astype(x.dtype)
    u64, half, mask = np.dtype(np.uint64), np.uint64(32), np.uint64(0xFFFFFFFF)
    a, b = x.astype(u64), y.astype(u64)
    low = lambda v: fnp.bitwise_and(v, mask)  # noqa: E731
    a_lo, a_hi, b_lo, b_hi = low(a), fnp.right_shift(a, half), low(b), fnp.right_shift(b, half)
    lo_lo, hi_lo, lo_hi = a_lo * b_lo, a_hi * b_lo, a_lo * b_hi
    middle = fnp.right_shift(lo_lo, half) + low(hi_lo) + low(lo_hi)
    high = a_hi * b_hi + fnp.right_shift(hi_lo, half) + fnp.right_shift(lo_hi, half) + fnp.right_shift(middle, half)
    if x.dtype.kind == "i":  # two's complement: subtract the other operand for each negative one
        high = high - fnp.where(fnp.less(x, 0), b, np.uint64(0)) - fnp.where(fnp.less(y, 0), a, np.uint64(0))
    return high.astype(x.dtype)


# -- reductions -----------------------------------------------------------------------------


def _approx_k(operand, k, reduction_dimension, descending):
    x = fnp.moveaxis(fnp.asarray(operand), reduction_dimension, -1)
    order = fnp.argsort(x, axis=-1, descending=descending)[..., :k]
    values = fnp.take_along_axis(x, order, -1)
    return [fnp.moveaxis(values, -1, reduction_dimension),
            fnp.moveaxis(order.astype(np.int32), -1, reduction_dimension)]


def approx_max_k(operand, k, reduction_dimension=-1, recall_target=0.95, reduction_input_size_override=-1,
                 aggregate_to_topk=True):
    """``[values, indices]`` of the ``k`` largest entries along ``reduction_dimension``,
    largest first. Exact (as JAX's on a CPU): ``recall_target`` is met with recall 1.

    >>> approx_max_k(np.array([1.0, 5.0, 3.0]), 2)
    [array([5., 3.]), array([1, 2], dtype=int32)]
    """
    return _approx_k(operand, k, reduction_dimension, True)


def approx_min_k(operand, k, reduction_dimension=-1, recall_target=0.95, reduction_input_size_override=-1,
                 aggregate_to_topk=True):
    """``[values, indices]`` of the ``k`` smallest entries along ``reduction_dimension``,
    smallest first (exact, as :func:`approx_max_k`).

    >>> approx_min_k(np.array([1.0, 5.0, 3.0]), 2)
    [array([1., 3.]), array([0, 2], dtype=int32)]
    """
    return _approx_k(operand, k, reduction_dimension, False)


def reduce(operands, init_values, computation, dimensions, out_sharding=None):
    """Reduce ``operands`` (an array or a pytree of arrays of one shape) over ``dimensions``
    with the associative and commutative ``computation(a, b)`` (on pytrees like
    ``operands``), starting from ``init_values``. Applied pairwise: log2(n) vectorized
    calls of ``computation``.

    >>> reduce(np.arange(6.0).reshape(2, 3), 1.0, mul, (1,))
    array([ 0., 60.])
    """
    from .tree_util import tree_flatten, tree_unflatten
    leaves, tree = tree_flatten(operands)
    inits, init_tree = tree_flatten(init_values)
    if init_tree != tree:
        raise TypeError(f"reduce: init_values must have the structure of operands ({tree}), got {init_tree}")
    leaves = [fnp.asarray(x) for x in leaves]
    shape = leaves[0].shape
    if any(x.shape != shape for x in leaves):
        raise TypeError(f"reduce: the operands must have one shape, got {[x.shape for x in leaves]}")
    dims = sorted(int(d) % len(shape) for d in dimensions)
    kept = [n for i, n in enumerate(shape) if i not in dims]
    flat = [fnp.reshape(fnp.moveaxis(x, dims, list(range(len(dims)))), (-1, *kept)) for x in leaves]

    def combine(a, b):
        return tree_flatten(computation(tree_unflatten(tree, a), tree_unflatten(tree, b)))[0]
    while flat[0].shape[0] > 1:
        n = flat[0].shape[0]
        half = n // 2
        paired = combine([x[:half] for x in flat], [x[half:2 * half] for x in flat])
        flat = [fnp.concatenate([p, x[2 * half:]], 0) for p, x in zip(paired, flat)]
    inits = [fnp.broadcast_to(fnp.asarray(v, x.dtype), kept) for v, x in zip(inits, leaves)]
    if flat[0].shape[0] == 0:
        out = inits
    else:
        out = combine(inits, [x[0] for x in flat])
    return tree_unflatten(tree, [fnp.asarray(o).astype(x.dtype) for o, x in zip(out, leaves)])


def bitcast_convert_type(operand, new_dtype):
    """``operand``'s bits read as ``new_dtype`` (integer or float; a narrower dtype adds a
    trailing axis, a wider one consumes it). Its derivative is zero, as in JAX.

    >>> bitcast_convert_type(np.float32(1.0), np.int32)
    np.int32(1065353216)
    """
    return P.bitcast(fnp.asarray(operand), new_dtype)


def nextafter(x1, x2):
    """lax's name for ``funcdl.numpy.nextafter``: the float after ``x1`` towards ``x2``.

    >>> float(nextafter(np.float32(1.0), np.float32(2.0)))
    1.0000001192092896
    """
    return fnp.nextafter(x1, x2)
