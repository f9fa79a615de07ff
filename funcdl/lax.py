"""``funcdl.lax``: control flow (``cond``, ``while_loop``, ``fori_loop``, ``scan``),
slices at traced offsets (``dynamic_slice``, ``dynamic_update_slice`` and their ``_in_dim``
forms), convolution and pooling windows, and the collectives over a ``vmap``'s named axis
(``psum``, ``pmean``, ``pmax``, ``pmin``, ``all_gather``, ``axis_index``, ``axis_size``).

>>> import numpy as np
>>> conv(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), padding="SAME")[0, 0, 0]
array([4., 6., 6., 4.])
"""
import builtins
import enum
import typing
from collections.abc import Sequence

import numpy as np

from . import numpy as fnp
from . import primitives as P
from . import _lax_linalg as linalg  # noqa: F401  (funcdl.lax.linalg)
from ._lax_ops import *  # noqa: F401,F403  (JAX's array operations under their lax names)
from .control_flow import cond, fori_loop, scan, while_loop  # noqa: F401  (re-exported)
from ._lax_collectives import (all_gather, all_to_all, axis_index, axis_size, pbroadcast,  # noqa: F401
                               pmax, pmean, pmin, ppermute, pshuffle, psum, psum_scatter, pswapaxes)
from .numpy._base import promote


def _pair(v, name):
    if isinstance(v, (int, np.integer)):
        return (int(v), int(v))
    v = tuple(int(a) for a in v)
    if len(v) != 2:
        raise ValueError(f"conv: {name} must be an int or a pair, got {v}")
    return v


def _same_padding(size, kernel, stride, dilation):
    """TensorFlow/JAX 'SAME': output size ceil(size / stride), extra padding at the end."""
    k_eff = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = builtins.max((out - 1) * stride + k_eff - size, 0)
    return (total // 2, total - total // 2)


def conv_padding(padding, spatial, kernel, strides, dilation):
    """Explicit ((lo, hi), (lo, hi)) padding from "VALID", "SAME", an int or pairs."""
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return ((0, 0), (0, 0))
        if mode == "SAME":
            return tuple(_same_padding(spatial[i], kernel[i], strides[i], dilation[i]) for i in range(2))
        raise ValueError(f"conv: padding must be 'VALID', 'SAME', an int or pairs, got {padding!r}")
    if isinstance(padding, (int, np.integer)):
        return ((int(padding),) * 2,) * 2
    pads = tuple(_pair(p, "padding") for p in padding)
    if len(pads) != 2:
        raise ValueError(f"conv: padding needs one (low, high) pair per spatial axis, got {padding}")
    return pads


def conv(x, w, stride=1, padding="VALID", dilation=1, feature_group_count=1):
    """2-D convolution (cross-correlation, as in deep learning) of NCHW inputs with OIHW
    kernels. ``padding``: "VALID", "SAME", an int, or ((lo, hi), (lo, hi)).

    >>> conv(np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3)), stride=2).shape
    (2, 4, 2, 2)
    """
    x, w = promote(fnp.asarray(x), fnp.asarray(w))
    if x.ndim != 4 or w.ndim != 4:
        raise P.structural.shape_error("conv", "needs a 4-d NCHW input and a 4-d OIHW kernel",
                                       x.shape, w.shape)
    strides, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    pads = conv_padding(padding, x.shape[2:], w.shape[2:], strides, dilation)
    if any(lo < 0 or hi < 0 for lo, hi in pads):
        x = P.pad(x, np.zeros((), x.dtype), [(0, 0, 0), (0, 0, 0)] + [(builtins.min(lo, 0), builtins.min(hi, 0), 0) for lo, hi in pads])
        pads = tuple((builtins.max(lo, 0), builtins.max(hi, 0)) for lo, hi in pads)
    return P.conv(x, w, strides, pads, dilation, feature_group_count)


def _windows(x, window, strides, padding, pad_value):
    """The stack of strided views of ``x`` (N, C, H, W), one per window offset:
    shape (KH*KW, N, C, HO, WO)."""
    window, strides = _pair(window, "window"), _pair(strides, "stride")
    pads = conv_padding(padding, x.shape[2:], window, strides, (1, 1))
    if any(lo or hi for lo, hi in pads):
        x = P.pad(x, np.asarray(pad_value, x.dtype), [(0, 0, 0), (0, 0, 0)] + [(lo, hi, 0) for lo, hi in pads])
    n, c, h, w = x.shape
    ho, wo = (h - window[0]) // strides[0] + 1, (w - window[1]) // strides[1] + 1
    if ho <= 0 or wo <= 0:
        raise P.structural.shape_error("pool", f"window {window} is larger than the (padded) input",
                                       x.shape)
    views = []
    for i in range(window[0]):
        for j in range(window[1]):
            view = P.slice(x, (0, 0, i, j), (n, c, i + (ho - 1) * strides[0] + 1, j + (wo - 1) * strides[1] + 1),
                           (1, 1) + strides)
            views.append(P.reshape(view, (1, n, c, ho, wo)))
    return P.concatenate(views, 0)


def max_pool(x, window, stride=None, padding="VALID"):
    """Max over ``window`` patches of NCHW ``x`` (stride defaults to the window).
    Ties share the gradient.

    >>> max_pool(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x = fnp.asarray(x)
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    return P.reduce("reduce_max", _windows(x, window, window if stride is None else stride, padding, low), (0,))


def sum_pool(x, window, stride=None, padding="VALID"):
    """Sum over ``window`` patches of NCHW ``x`` (stride defaults to the window).

    >>> sum_pool(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    x = fnp.asarray(x)
    return P.reduce("reduce_sum", _windows(x, window, window if stride is None else stride, padding, 0), (0,))


def avg_pool(x, window, stride=None, padding="VALID"):
    """Mean over ``window`` patches of NCHW ``x`` (padding counts as zeros).

    >>> avg_pool(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x = fnp.asarray(x)
    x = x if x.dtype.kind == "f" else fnp.asarray(x, np.float64)
    views = _windows(x, window, window if stride is None else stride, padding, 0)
    return fnp.divide(P.reduce("reduce_sum", views, (0,)), views.shape[0])


# -- slices at traced offsets ------------------------------------------------------------


def _axis(axis, ndim, op):
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for a {ndim}-d operand")
    return int(axis) % ndim


def _from_the_end(start, dim):
    """A negative ``start`` counted from the end of an axis of size ``dim``, as in numpy."""
    if isinstance(start, (int, np.integer)):
        return start + dim if start < 0 else start
    start = fnp.asarray(start)
    if start.dtype.kind == "u":
        return start
    return fnp.where(start < 0, start + np.asarray(dim, start.dtype), start)


def _starts(op, operand, start_indices, allow_negative_indices):
    """The start indices, negative ones counted from the end when allowed (JAX's default)."""
    if not isinstance(start_indices, (tuple, list)) and np.ndim(start_indices) == 1:
        start_indices = [start_indices[k] for k in range(np.shape(start_indices)[0])]
    if (not allow_negative_indices or not isinstance(start_indices, (tuple, list))
            or len(start_indices) != operand.ndim):
        return start_indices  # (the primitive checks and explains a wrong kind or number)
    return [_from_the_end(s, d) for s, d in zip(start_indices, operand.shape)]


def dynamic_slice(operand, start_indices, slice_sizes, *, allow_negative_indices=True):
    """The window ``operand[s0:s0 + n0, s1:s1 + n1, ...]`` of static ``slice_sizes`` ``n``
    at ``start_indices`` ``s``: integer scalars, one per axis, that may be traced (a loop
    index under ``jit``). A negative start counts from the end of its axis (unless
    ``allow_negative_indices=False``); then each start is clamped into ``[0, dim - n]``, so
    the window always lies inside ``operand``, as in JAX.

    >>> dynamic_slice(np.arange(10), (8,), (3,))  # 8 clamps to 7
    array([7, 8, 9])
    >>> dynamic_slice(np.arange(10), (-4,), (2,))
    array([6, 7])
    """
    operand = fnp.asarray(operand)
    starts = _starts("dynamic_slice", operand, start_indices, allow_negative_indices)
    return P.dynamic_slice(operand, starts, slice_sizes)


def dynamic_slice_in_dim(operand, start_index, slice_size, axis=0, *, allow_negative_indices=True):
    """:func:`dynamic_slice` along one ``axis``, whole along the others.

    >>> dynamic_slice_in_dim(np.arange(12).reshape(3, 4), 1, 2, axis=1)
    array([[ 1,  2],
           [ 5,  6],
           [ 9, 10]])
    """
    operand = fnp.asarray(operand)
    axis = _axis(axis, operand.ndim, "dynamic_slice_in_dim")
    starts = [0] * operand.ndim
    starts[axis] = start_index
    sizes = list(operand.shape)
    sizes[axis] = slice_size
    return dynamic_slice(operand, starts, sizes, allow_negative_indices=allow_negative_indices)


def dynamic_update_slice(operand, update, start_indices, *, allow_negative_indices=True):
    """A copy of ``operand`` with the window of ``update``'s shape at ``start_indices``
    (integer scalars, one per axis, possibly traced; counted and clamped as in
    :func:`dynamic_slice`) set to ``update``, which has ``operand``'s rank and dtype.

    >>> dynamic_update_slice(np.zeros(5), np.ones(2), (4,))  # 4 clamps to 3
    array([0., 0., 0., 1., 1.])
    """
    operand = fnp.asarray(operand)
    starts = _starts("dynamic_update_slice", operand, start_indices, allow_negative_indices)
    return P.dynamic_update_slice(operand, fnp.asarray(update), starts)


def dynamic_update_slice_in_dim(operand, update, start_index, axis, *, allow_negative_indices=True):
    """:func:`dynamic_update_slice` at ``start_index`` along ``axis`` (0 along the others).

    >>> dynamic_update_slice_in_dim(np.zeros((2, 3)), np.ones((2, 1)), 1, axis=1)
    array([[0., 1., 0.],
           [0., 1., 0.]])
    """
    operand = fnp.asarray(operand)
    axis = _axis(axis, operand.ndim, "dynamic_update_slice_in_dim")
    starts = [0] * operand.ndim
    starts[axis] = start_index
    return dynamic_update_slice(operand, update, starts, allow_negative_indices=allow_negative_indices)


def dynamic_index_in_dim(operand, index, axis=0, keepdims=True):
    """The slice of size 1 at a (possibly traced) ``index`` along ``axis``; the axis is
    dropped unless ``keepdims``.

    >>> dynamic_index_in_dim(np.arange(6).reshape(2, 3), 2, axis=1, keepdims=False)
    array([2, 5])
    """
    out = dynamic_slice_in_dim(operand, index, 1, axis)
    return out if keepdims else fnp.squeeze(out, axis=axis)


# -- JAX's lax operations on whole arrays ------------------------------------------------


class Precision(enum.Enum):
    """The precision argument of JAX's contractions. funcdl always computes in the operands'
    dtype (float32 products accumulate in float32 through BLAS), which is ``HIGHEST``; the
    argument is accepted for compatibility and does not change results."""
    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2


def _check_precision(precision):
    if precision is None or isinstance(precision, (Precision, str)):
        return
    if isinstance(precision, (tuple, list)) and all(isinstance(p, (Precision, str, type(None)))
                                                    for p in precision):
        return
    raise TypeError(f"precision must be None, a lax.Precision, a string or a pair of them, "
                    f"got {precision!r}")


def select(pred, on_true, on_false):
    """``on_true`` where ``pred`` else ``on_false``, elementwise. As in JAX, the branches
    have one shape and dtype, and ``pred`` is boolean with their shape (or a scalar).

    >>> select(np.array([True, False]), np.ones(2), np.zeros(2))
    array([1., 0.])
    """
    pred, on_true, on_false = fnp.asarray(pred), fnp.asarray(on_true), fnp.asarray(on_false)
    if on_true.shape != on_false.shape or on_true.dtype != on_false.dtype:
        raise TypeError(f"select: on_true and on_false must have one shape and dtype, got "
                        f"{on_true.dtype.name}{list(on_true.shape)} and "
                        f"{on_false.dtype.name}{list(on_false.shape)}; use fnp.where to broadcast")
    if pred.dtype != np.bool_ or pred.shape not in ((), on_true.shape):
        raise TypeError(f"select: pred must be boolean with the branches' shape "
                        f"{on_true.shape} or a scalar, got {pred.dtype.name}{list(pred.shape)}")
    return P.select(pred, on_true, on_false)


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None):
    """The general contraction ``dimension_numbers = ((lhs_contract, rhs_contract),
    (lhs_batch, rhs_batch))``: output axes are the batch axes, then ``lhs``'s free axes, then
    ``rhs``'s. ``preferred_element_type`` is the dtype to compute and return in.

    >>> dot_general(np.ones((2, 3, 4)), np.ones((2, 4, 5)), (((2,), (1,)), ((0,), (0,)))).shape
    (2, 3, 5)
    """
    _check_precision(precision)
    lhs, rhs = fnp.asarray(lhs), fnp.asarray(rhs)
    if preferred_element_type is not None:
        lhs, rhs = lhs.astype(preferred_element_type), rhs.astype(preferred_element_type)
    else:
        lhs, rhs = promote(lhs, rhs)
    return P.dot_general(lhs, rhs, dimension_numbers)


class ConvDimensionNumbers(tuple):
    """``(lhs_spec, rhs_spec, out_spec)``, each a tuple of axis indices: for the input and
    output (batch, feature, spatial...), for the kernel (out feature, in feature, spatial...)."""

    def __new__(cls, lhs_spec, rhs_spec, out_spec):
        return super().__new__(cls, (tuple(lhs_spec), tuple(rhs_spec), tuple(out_spec)))

    lhs_spec = property(lambda self: self[0])
    rhs_spec = property(lambda self: self[1])
    out_spec = property(lambda self: self[2])


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers):
    """:class:`ConvDimensionNumbers` from ``None`` (NCHW, OIHW, NCHW), layout strings such as
    ``('NHWC', 'HWIO', 'NHWC')``, or dimension numbers (returned as they are).

    >>> conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ('NHWC', 'HWIO', 'NHWC'))
    ((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    """
    ndim = len(lhs_shape)
    if len(rhs_shape) != ndim:
        raise TypeError(f"conv: input and kernel must have the same rank, got shapes {tuple(lhs_shape)} "
                        f"and {tuple(rhs_shape)}")
    if dimension_numbers is None:
        default = tuple(range(ndim))
        return ConvDimensionNumbers(default, default, default)
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    lhs, rhs, out = dimension_numbers
    if all(isinstance(s, str) for s in dimension_numbers):
        if any(len(s) != ndim for s in dimension_numbers):
            raise ValueError(f"conv: layouts {tuple(dimension_numbers)} must name each of the {ndim} axes")
        return ConvDimensionNumbers(*conv_general_permutations(dimension_numbers))
    return ConvDimensionNumbers(lhs, rhs, out)


def conv_general_permutations(dimension_numbers):
    """The axis permutations ``(lhs_perm, rhs_perm, out_perm)`` of layout strings: the two
    named axes (N, C; or O, I for the kernel), then the spatial axes in the kernel's order.

    >>> conv_general_permutations(("NHWC", "HWIO", "NHWC"))
    ((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
    """
    lhs, rhs, out = dimension_numbers
    for layout, leading in ((lhs, "NC"), (rhs, "OI"), (out, "NC")):
        spatial = [c for c in layout if c not in leading]
        if (len(set(layout)) != len(layout) or not set(leading) <= set(layout)
                or sorted(spatial) != sorted(c for c in rhs if c not in "OI")):
            raise ValueError(f"conv: layout {layout!r} must name each axis once, with {leading[0]!r} and "
                             f"{leading[1]!r} and the kernel's spatial axes (dimension_numbers "
                             f"{tuple(dimension_numbers)})")

    def permutation(layout, leading):
        spatial = sorted((i for i, c in enumerate(layout) if c not in leading), key=lambda i: rhs.index(layout[i]))
        return (layout.index(leading[0]), layout.index(leading[1]), *spatial)
    return permutation(lhs, "NC"), permutation(rhs, "OI"), permutation(out, "NC")


def conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None, rhs_dilation=None,
                         dimension_numbers=None, feature_group_count=1, batch_group_count=1,
                         precision=None, preferred_element_type=None):
    """JAX's general convolution over one or two spatial axes: any layouts
    (``dimension_numbers``, e.g. ``('NHWC', 'HWIO', 'NHWC')``), ``padding`` "VALID", "SAME"
    or (lo, hi) pairs, input dilation (``lhs_dilation``, the transposed convolution) and
    kernel dilation, grouped features.

    >>> x, w = np.ones((1, 4, 4, 2)), np.ones((3, 3, 2, 5))
    >>> conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")).shape
    (1, 4, 4, 5)
    """
    _check_precision(precision)
    lhs, rhs = fnp.asarray(lhs), fnp.asarray(rhs)
    dn = conv_dimension_numbers(lhs.shape, rhs.shape, dimension_numbers)
    if lhs.ndim == 3:  # one spatial axis: convolve with a second one of size 1
        one = ConvDimensionNumbers(*(spec + (3,) for spec in dn))
        padding = padding if isinstance(padding, str) else [tuple(padding[0]), (0, 0)]
        widen = lambda v: None if v is None else (*(v if isinstance(v, Sequence) else (v,)), 1)  # noqa: E731
        return conv_general_dilated(lhs[..., None], rhs[..., None], widen(window_strides), padding,
                                    widen(lhs_dilation), widen(rhs_dilation), one, feature_group_count,
                                    batch_group_count, precision, preferred_element_type)[..., 0]
    if lhs.ndim != 4:
        raise ValueError(f"conv_general_dilated: funcdl convolves over one or two spatial dimensions; "
                         f"got a {lhs.ndim}-d input")
    if batch_group_count != 1:
        raise ValueError("conv_general_dilated: batch_group_count other than 1 is not supported; "
                         "split the batch and use feature_group_count")
    if preferred_element_type is not None:
        lhs, rhs = lhs.astype(preferred_element_type), rhs.astype(preferred_element_type)
    x = fnp.transpose(lhs, dn.lhs_spec)  # NCHW
    w = fnp.transpose(rhs, dn.rhs_spec)  # OIHW
    lhs_dilation = _pair(1 if lhs_dilation is None else lhs_dilation, "lhs_dilation")
    rhs_dilation = _pair(1 if rhs_dilation is None else rhs_dilation, "rhs_dilation")
    strides = _pair(window_strides, "window_strides")
    pads = conv_padding(padding, x.shape[2:], w.shape[2:], strides, rhs_dilation)
    if lhs_dilation != (1, 1):  # the input's elements spread apart by zeros
        x = P.pad(x, np.zeros((), x.dtype), [(0, 0, 0), (0, 0, 0)] + [(0, 0, d - 1) for d in lhs_dilation])
    y = conv(x, w, stride=strides, padding=pads, dilation=rhs_dilation,
             feature_group_count=feature_group_count)
    return fnp.transpose(y, np.argsort(dn.out_spec))


def conv_with_general_padding(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation, precision=None,
                              preferred_element_type=None):
    """:func:`conv_general_dilated` in the NCHW/OIHW layout.

    >>> conv_with_general_padding(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), (1, 1), "VALID", None, None).shape
    (1, 1, 2, 2)
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                                precision=precision, preferred_element_type=preferred_element_type)


def _conv_transpose_padding(k, s, padding):
    """The (lo, hi) padding of the dilated input that makes a transposed convolution the
    gradient of the strided one ("SAME": output size ``s`` times the input's)."""
    mode = padding.upper()
    if mode == "SAME":
        total = k + s - 2
        lo = k - 1 if s > k - 1 else -(-total // 2)
    elif mode == "VALID":
        total = k + s - 2 + builtins.max(k - s, 0)
        lo = k - 1
    else:
        raise ValueError(f"conv_transpose: padding must be 'SAME', 'VALID' or (lo, hi) pairs, got {padding!r}")
    return lo, total - lo


def _transpose_pads(kernel_spatial, strides, padding, rhs_dilation):
    dilation = (1,) * len(kernel_spatial) if rhs_dilation is None else tuple(rhs_dilation)
    effective = [(k - 1) * d + 1 for k, d in zip(kernel_spatial, dilation)]
    if isinstance(padding, str):
        return [_conv_transpose_padding(k, s, padding) for k, s in zip(effective, strides)]
    return [tuple(p) for p in padding]


def conv_transpose(lhs, rhs, strides, padding, rhs_dilation=None, dimension_numbers=None,
                   transpose_kernel=False, precision=None, preferred_element_type=None):
    """The transposed (fractionally strided) convolution, as JAX's: the input dilated by
    ``strides`` and convolved with stride 1. Layouts default to TensorFlow's (NHWC, HWIO);
    ``transpose_kernel=True`` flips the kernel's spatial axes and swaps its feature axes
    (the exact gradient of ``conv_general_dilated``).

    >>> conv_transpose(np.ones((1, 3, 3, 2)), np.ones((3, 3, 2, 4)), (2, 2), "SAME").shape
    (1, 6, 6, 4)
    """
    lhs, rhs = fnp.asarray(lhs), fnp.asarray(rhs)
    if dimension_numbers is None and lhs.ndim in (3, 4):
        dimension_numbers = ("NHWC", "HWIO", "NHWC") if lhs.ndim == 4 else ("NHC", "HIO", "NHC")
    dn = conv_dimension_numbers(lhs.shape, rhs.shape, dimension_numbers)
    kernel_spatial = [rhs.shape[i] for i in dn.rhs_spec[2:]]
    pads = _transpose_pads(kernel_spatial, strides, padding, rhs_dilation)
    if transpose_kernel:
        rhs = fnp.swapaxes(fnp.flip(rhs, dn.rhs_spec[2:]), dn.rhs_spec[0], dn.rhs_spec[1])
    return conv_general_dilated(lhs, rhs, (1,) * len(kernel_spatial), pads, strides, rhs_dilation, dn,
                                precision=precision, preferred_element_type=preferred_element_type)


def conv_general_dilated_patches(lhs, filter_shape, window_strides, padding, lhs_dilation=None,
                                 rhs_dilation=None, dimension_numbers=None, precision=None,
                                 preferred_element_type=None):
    """The patches a convolution with a ``filter_shape`` kernel would see, one output
    feature per (input feature, kernel position), in that order: the convolution with an
    identity kernel (grouped by input feature).

    >>> conv_general_dilated_patches(np.ones((1, 2, 4, 4)), (3, 3), (1, 1), "VALID").shape
    (1, 18, 2, 2)
    """
    lhs = fnp.asarray(lhs)
    filter_shape = tuple(int(k) for k in filter_shape)
    dn = conv_dimension_numbers(lhs.shape, (1, 1) + filter_shape, dimension_numbers)
    channels, size = lhs.shape[dn.lhs_spec[1]], int(np.prod(filter_shape))
    eye = np.eye(size, dtype=lhs.dtype if preferred_element_type is None else preferred_element_type)
    kernel = np.broadcast_to(eye, (channels, size, size)).reshape((channels * size, 1) + filter_shape)  # OIHW
    oihw = ConvDimensionNumbers(dn.lhs_spec, tuple(range(kernel.ndim)), dn.out_spec)
    return conv_general_dilated(lhs, kernel, window_strides, padding, lhs_dilation, rhs_dilation, oihw,
                                feature_group_count=channels, precision=precision,
                                preferred_element_type=preferred_element_type)


# -- shapes of convolutions and windows (pure functions of shapes) -----------------------------


def padtype_to_pads(in_shape, window_shape, window_strides, padding):
    """Explicit (lo, hi) pads for "SAME" (the extra one at the end), "SAME_LOWER" (at the
    start) or "VALID".

    >>> padtype_to_pads((5, 6), (3, 2), (2, 2), "SAME")
    [(1, 1), (0, 0)]
    """
    mode = getattr(padding, "name", padding).upper()
    if mode == "VALID":
        return [(0, 0)] * len(in_shape)
    if mode not in ("SAME", "SAME_LOWER"):
        raise ValueError(f"padtype_to_pads: padding must be 'SAME', 'SAME_LOWER' or 'VALID', got {padding!r}")
    pads = []
    for n, k, s in zip(in_shape, window_shape, window_strides):
        total = builtins.max((-(-int(n) // int(s)) - 1) * int(s) + int(k) - int(n), 0)
        small, large = total // 2, total - total // 2
        pads.append((small, large) if mode == "SAME" else (large, small))
    return pads


def conv_shape_tuple(lhs_shape, rhs_shape, strides, pads, batch_group_count=1):
    """The output shape of an NCHW/OIHW convolution with explicit ``pads`` (or a padding
    name).

    >>> conv_shape_tuple((2, 3, 9, 8), (4, 3, 3, 2), (2, 1), ((1, 1), (0, 0)))
    (2, 4, 5, 7)
    """
    if isinstance(pads, str):
        pads = padtype_to_pads(lhs_shape[2:], rhs_shape[2:], strides, pads)
    spatial = [builtins.max((int(n) + lo + hi - int(k)) // int(s) + 1, 0)
               for n, k, s, (lo, hi) in zip(lhs_shape[2:], rhs_shape[2:], strides, pads)]
    return (int(lhs_shape[0]) // batch_group_count, int(rhs_shape[0]), *spatial)


def _in_layouts(lhs_shape, rhs_shape, dimension_numbers):
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    return dn, [lhs_shape[i] for i in dn.lhs_spec], [rhs_shape[i] for i in dn.rhs_spec]


def _out_layout(shape, dn):
    return tuple(int(shape[i]) for i in np.argsort(dn.out_spec))


def conv_general_shape_tuple(lhs_shape, rhs_shape, window_strides, padding, dimension_numbers):
    """The output shape of :func:`conv_general_dilated` (without dilation).

    >>> conv_general_shape_tuple((2, 9, 8, 3), (3, 2, 3, 4), (2, 1), "SAME", ("NHWC", "HWIO", "NHWC"))
    (2, 5, 8, 4)
    """
    dn, lhs, rhs = _in_layouts(lhs_shape, rhs_shape, dimension_numbers)
    return _out_layout(conv_shape_tuple(lhs, rhs, window_strides, padding), dn)


def conv_transpose_shape_tuple(lhs_shape, rhs_shape, window_strides, padding, dimension_numbers):
    """The output shape of :func:`conv_transpose`.

    >>> conv_transpose_shape_tuple((2, 9, 8, 3), (3, 2, 3, 4), (2, 3), "VALID", ("NHWC", "HWIO", "NHWC"))
    (2, 19, 24, 4)
    """
    dn, lhs, rhs = _in_layouts(lhs_shape, rhs_shape, dimension_numbers)
    pads = _transpose_pads(rhs[2:], window_strides, padding, None)
    spatial = [(int(n) - 1) * int(s) - int(k) + 2 + lo + hi
               for n, k, s, (lo, hi) in zip(lhs[2:], rhs[2:], window_strides, pads)]
    return _out_layout((lhs[0], rhs[0], *spatial), dn)


def reduce_window_shape_tuple(operand_shape, window_dimensions, window_strides, padding, base_dilation=None,
                              window_dilation=None):
    """The output shape of :func:`reduce_window` with explicit (lo, hi) ``padding``.

    >>> reduce_window_shape_tuple((5, 6), (2, 3), (1, 2), ((1, 0), (0, 1)))
    (5, 3)
    """
    ones = (1,) * len(operand_shape)
    base = ones if base_dilation is None else base_dilation
    dilation = ones if window_dilation is None else window_dilation
    out = []
    for n, k, s, (lo, hi), b, d in zip(operand_shape, window_dimensions, window_strides, padding, base, dilation):
        padded = (int(n) - 1) * int(b) + 1 + lo + hi
        size = (padded - ((int(k) - 1) * int(d) + 1)) // int(s) + 1
        if size < 0:
            raise ValueError(f"reduce_window_shape_tuple: window {tuple(window_dimensions)} is larger than "
                             f"the padded operand {tuple(operand_shape)}")
        out.append(size)
    return tuple(out)


# JAX's type aliases of these arguments
ConvGeneralDilatedDimensionNumbers = typing.Union[None, ConvDimensionNumbers, tuple[str, str, str]]
DotDimensionNumbers = tuple[tuple[Sequence[int], Sequence[int]], tuple[Sequence[int], Sequence[int]]]
PrecisionLike = typing.Union[None, str, Precision, tuple[str, str], tuple[Precision, Precision]]

_REDUCERS = {"add": ("reduce_sum", 0), "max": ("reduce_max", None), "min": ("reduce_min", None)}


def _reducer_name(computation):
    name = getattr(computation, "__name__", "")
    for key, names in (("add", ("add", "sum")), ("max", ("max", "maximum", "amax")),
                       ("min", ("min", "minimum", "amin"))):
        if name in names:
            return key
    raise ValueError(f"reduce_window: computation must be an add, max or min function (lax.add, "
                     f"fnp.maximum...), got {computation!r}")


def reduce_window(operand, init_value, computation, window_dimensions, window_strides=None,
                  padding="VALID", base_dilation=None, window_dilation=None):
    """Reduce each window of ``window_dimensions`` (one size per axis) with ``computation``
    (an add, max or min: ``lax.add``, ``fnp.maximum``...), starting from ``init_value``;
    ``padding`` "VALID", "SAME" or (lo, hi) per axis, padded with ``init_value``.

    >>> reduce_window(np.arange(6.0).reshape(2, 3), -np.inf, fnp.maximum, (1, 2), (1, 1))
    array([[1., 2.],
           [4., 5.]])
    """
    x = fnp.asarray(operand)
    window = tuple(int(k) for k in window_dimensions)
    strides = (1,) * x.ndim if window_strides is None else tuple(int(s) for s in window_strides)
    if len(window) != x.ndim or len(strides) != x.ndim:
        raise ValueError(f"reduce_window: window_dimensions {window} and window_strides {strides} "
                         f"need one entry per axis of the {x.ndim}-d operand")
    if any(d not in (None, 1) and tuple(d) != (1,) * x.ndim for d in (base_dilation, window_dilation)):
        raise ValueError("reduce_window: dilations other than 1 are not supported")
    reducer = _REDUCERS[_reducer_name(computation)][0]
    if isinstance(padding, str):
        pads = [(0, 0)] * x.ndim if padding.upper() == "VALID" else \
            [_same_padding(n, k, s, 1) for n, k, s in zip(x.shape, window, strides)]
    else:
        pads = [tuple(p) for p in padding]
    init = np.asarray(init_value, x.dtype)
    if any(lo or hi for lo, hi in pads):
        x = P.pad(x, init, [(lo, hi, 0) for lo, hi in pads])
    out_shape = [(n - k) // s + 1 for n, k, s in zip(x.shape, window, strides)]
    if any(n <= 0 for n in out_shape):
        raise P.structural.shape_error("reduce_window", f"window {window} is larger than the "
                                       "(padded) operand", x.shape)
    views = []
    for offset in np.ndindex(*window):
        limit = [o + (n - 1) * s + 1 for o, n, s in zip(offset, out_shape, strides)]
        views.append(P.reshape(P.slice(x, offset, limit, strides), [1] + out_shape))
    out = P.reduce(reducer, P.concatenate(views, 0), (0,))
    if reducer == "reduce_sum" and float(init) != 0:
        out = fnp.add(out, init)
    return out
