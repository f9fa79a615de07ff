"""``funcdl.lax``: control flow (``cond``, ``while_loop``, ``fori_loop``, ``scan``),
slices at traced offsets (``dynamic_slice``, ``dynamic_update_slice`` and their ``_in_dim``
forms), convolution and pooling windows.

>>> import numpy as np
>>> conv(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), padding="SAME")[0, 0, 0]
array([4., 6., 6., 4.])
"""
import numpy as np

from . import numpy as fnp
from . import primitives as P
from .control_flow import cond, fori_loop, scan, while_loop  # noqa: F401  (re-exported)
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
    total = max((out - 1) * stride + k_eff - size, 0)
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
        x = P.pad(x, np.zeros((), x.dtype), [(0, 0, 0), (0, 0, 0)] + [(min(lo, 0), min(hi, 0), 0) for lo, hi in pads])
        pads = tuple((max(lo, 0), max(hi, 0)) for lo, hi in pads)
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
