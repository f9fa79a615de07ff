"""Contractions: dot_general and 2-D convolution (NCHW inputs, OIHW kernels)."""
import numpy as np

from ..core import Aval, Primitive, bind, shape_error

# -- dot_general -------------------------------------------------------------------------
# dimension_numbers = ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch));
# output axes: batch, lhs free, rhs free (in their original order).


def _free_axes(ndim, *used):
    used = set().union(*used)
    return [i for i in range(ndim) if i not in used]


def _dot_general_rule(lhs, rhs, *, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    shapes = (lhs.shape, rhs.shape)
    if lhs.dtype != rhs.dtype:
        raise TypeError(f"dot_general: operands must have one dtype, got {lhs.dtype.name} and "
                        f"{rhs.dtype.name}")
    if len(lc) != len(rc) or len(lb) != len(rb):
        raise shape_error("dot_general", f"bad dimension numbers {dimension_numbers}", *shapes)
    for axes, x in ((lc + lb, lhs), (rc + rb, rhs)):
        if len(set(axes)) != len(axes) or any(not 0 <= a < x.ndim for a in axes):
            raise shape_error("dot_general", f"bad dimension numbers {dimension_numbers}", *shapes)
    for a, b in zip(lc + lb, rc + rb):
        if lhs.shape[a] != rhs.shape[b]:
            raise shape_error("dot_general", f"contracted/batch axes differ in size "
                              f"(lhs axis {a} vs rhs axis {b})", *shapes)
    out = ([lhs.shape[i] for i in lb] + [lhs.shape[i] for i in _free_axes(lhs.ndim, lc, lb)]
           + [rhs.shape[i] for i in _free_axes(rhs.ndim, rc, rb)])
    return Aval(out, lhs.dtype)


def _dot_general_impl(lhs, rhs, *, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    lhs, rhs = np.asarray(lhs), np.asarray(rhs)
    if not lb and lhs.ndim == 2 and rhs.ndim == 2 and len(lc) == 1:  # 2-D: one BLAS call
        a = lhs if lc == (1,) else lhs.T
        b = rhs if rc == (0,) else rhs.T
        return np.dot(a, b)
    lf, rf = _free_axes(lhs.ndim, lc, lb), _free_axes(rhs.ndim, rc, rb)
    batch = [lhs.shape[i] for i in lb]
    nb, nk = int(np.prod(batch, dtype=np.int64)), int(np.prod([lhs.shape[i] for i in lc], dtype=np.int64))
    m = int(np.prod([lhs.shape[i] for i in lf], dtype=np.int64))
    n = int(np.prod([rhs.shape[i] for i in rf], dtype=np.int64))
    a = np.transpose(lhs, list(lb) + lf + list(lc)).reshape(nb, m, nk)
    b = np.transpose(rhs, list(rb) + list(rc) + rf).reshape(nb, nk, n)
    if nk == 1:  # outer products: a broadcast multiply beats a batched matmul with K = 1
        out = a * b
    else:
        out = np.matmul(a, b) if nb != 1 else np.dot(a[0], b[0])[None]
    return out.reshape(batch + [lhs.shape[i] for i in lf] + [rhs.shape[i] for i in rf])


dot_general_p = Primitive("dot_general", _dot_general_impl, _dot_general_rule)


def dot_general(lhs, rhs, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    dims = ((tuple(map(int, lc)), tuple(map(int, rc))), (tuple(map(int, lb)), tuple(map(int, rb))))
    return bind(dot_general_p, lhs, rhs, dimension_numbers=dims)


# -- conv --------------------------------------------------------------------------------
# lhs (N, C, H, W), rhs (O, C // groups, KH, KW); padding ((lo, hi), (lo, hi)), non-negative.


def conv_output_size(size, kernel, stride, lo, hi, dilation):
    return (size + lo + hi - (kernel - 1) * dilation - 1) // stride + 1


def _conv_rule(lhs, rhs, *, window_strides, padding, rhs_dilation, feature_group_count):
    shapes = (lhs.shape, rhs.shape)
    if lhs.dtype != rhs.dtype:
        raise TypeError(f"conv: input and kernel must have one dtype, got {lhs.dtype.name} and "
                        f"{rhs.dtype.name}")
    if lhs.ndim != 4 or rhs.ndim != 4:
        raise shape_error("conv", "needs a 4-d NCHW input and a 4-d OIHW kernel", *shapes)
    g = feature_group_count
    if lhs.shape[1] != rhs.shape[1] * g or rhs.shape[0] % g:
        raise shape_error("conv", f"input channels must equal kernel in-channels x groups ({g}) "
                          "and out-channels must divide by groups", *shapes)
    if any(lo < 0 or hi < 0 for lo, hi in padding) or any(s < 1 for s in window_strides):
        raise shape_error("conv", f"bad padding {padding} or strides {window_strides}", *shapes)
    spatial = [conv_output_size(lhs.shape[2 + i], rhs.shape[2 + i], window_strides[i],
                                *padding[i], rhs_dilation[i]) for i in range(2)]
    if any(s < 0 for s in spatial):
        raise shape_error("conv", "the (dilated) kernel is larger than the padded input", *shapes)
    return Aval([lhs.shape[0], rhs.shape[0]] + [max(s, 0) for s in spatial], lhs.dtype)


def _conv_impl(lhs, rhs, *, window_strides, padding, rhs_dilation, feature_group_count):
    lhs, rhs = np.asarray(lhs), np.asarray(rhs)
    (sh, sw), (dh, dw), g = window_strides, rhs_dilation, feature_group_count
    o, cg, kh, kw = rhs.shape
    x = np.pad(lhs, ((0, 0), (0, 0)) + tuple(padding))
    windows = np.lib.stride_tricks.sliding_window_view(x, ((kh - 1) * dh + 1, (kw - 1) * dw + 1),
                                                       axis=(2, 3))
    windows = windows[:, :, ::sh, ::sw, ::dh, ::dw]  # (N, C, HO, WO, KH, KW)
    outs = []
    for k in range(g):
        win = windows[:, k * cg:(k + 1) * cg]
        ker = rhs[k * (o // g):(k + 1) * (o // g)]
        outs.append(np.tensordot(win, ker, axes=([1, 4, 5], [1, 2, 3])))  # (N, HO, WO, O/g)
    out = outs[0] if g == 1 else np.concatenate(outs, axis=3)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


conv_p = Primitive("conv", _conv_impl, _conv_rule)


def conv(lhs, rhs, window_strides=(1, 1), padding=((0, 0), (0, 0)), rhs_dilation=(1, 1),
         feature_group_count=1):
    return bind(conv_p, lhs, rhs, window_strides=tuple(map(int, window_strides)),
                padding=tuple((int(lo), int(hi)) for lo, hi in padding),
                rhs_dilation=tuple(map(int, rhs_dilation)),
                feature_group_count=int(feature_group_count))
