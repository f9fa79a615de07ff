"""``funcdl.lax``: control flow (``cond``, ``while_loop``, ``fori_loop``, ``scan``),
convolution and pooling windows.

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
