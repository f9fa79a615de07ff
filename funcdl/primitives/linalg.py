"""Contractions: dot_general and 2-D convolution (NCHW inputs, OIHW kernels)."""
import math

import numpy as np

from ..core import Aval, Primitive, Var, bind, shape_error
from .lowering import contiguous, dtype_ctor, element, lowers, round_f16_array, view
from .rules import defbilinear, dtype_of, move_axis, ndim_of, shape_of
from .structural import concatenate, pad, reshape, rev, slice, transpose

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


def _dot_lhs_transpose(g, lhs, rhs, *, dimension_numbers):
    """d lhs contracts g's rhs-free axes with rhs's free axes."""
    (lc, rc), (lb, rb) = dimension_numbers
    g_batch, g_lfree, g_rfree, lf, rf = _dot_axes(lhs, rhs, dimension_numbers)
    from_rhs = [lc[list(rc).index(r)] for r in sorted(rc)]
    return _contract_in_order(
        (g, rhs, ((g_rfree, tuple(rf)), (g_batch, tuple(rb))), list(lb) + lf + from_rhs),
        (rhs, g, ((tuple(rf), g_rfree), (tuple(rb), g_batch)), list(lb) + from_rhs + lf))


def _dot_rhs_transpose(g, lhs, rhs, *, dimension_numbers):
    """d rhs contracts lhs's free axes with g's lhs-free axes."""
    (lc, rc), (lb, rb) = dimension_numbers
    g_batch, g_lfree, g_rfree, lf, rf = _dot_axes(lhs, rhs, dimension_numbers)
    from_lhs = [rc[list(lc).index(c)] for c in sorted(lc)]
    return _contract_in_order(
        (lhs, g, ((tuple(lf), g_lfree), (tuple(lb), g_batch)), list(rb) + from_lhs + rf),
        (g, lhs, ((g_lfree, tuple(lf)), (g_batch, tuple(lb))), list(rb) + rf + from_lhs))


def _dot_axes(lhs, rhs, dimension_numbers):
    """The output's batch, lhs-free and rhs-free axes; the lhs's and rhs's free axes."""
    (lc, rc), (lb, rb) = dimension_numbers
    lf, rf = _free_axes(ndim_of(lhs), lc, lb), _free_axes(ndim_of(rhs), rc, rb)
    nb, nl = len(lb), len(lb) + len(lf)
    return tuple(range(nb)), tuple(range(nb, nl)), tuple(range(nl, nl + len(rf))), lf, rf


def _contract_in_order(*options):
    """dot_general of the first option whose result axes are already in order (else the
    first one, transposed): each option is (a, b, dimension_numbers, result axes). Either
    operand can come first; the order whose result needs no transpose wins."""
    for a, b, dims, axes in options:
        if axes == sorted(axes):
            return dot_general(a, b, dims)
    a, b, dims, axes = options[0]
    return transpose(dot_general(a, b, dims), np.argsort(axes))


def _dot_general_batch(args, dims, size, *, dimension_numbers):
    (lhs, rhs), (dl, dr) = args, dims
    (lc, rc), (lb, rb) = dimension_numbers
    shift = lambda axes: tuple(a + 1 for a in axes)  # noqa: E731
    if dl is not None and dr is not None:  # a new batch dimension of the contraction
        lhs, rhs = move_axis(lhs, dl, 0), move_axis(rhs, dr, 0)
        dims_ = ((shift(lc), shift(rc)), ((0,) + shift(lb), (0,) + shift(rb)))
        return dot_general(lhs, rhs, dims_), 0
    if dl is not None:  # a free dimension of the lhs: one bigger contraction
        lhs = move_axis(lhs, dl, 0)
        return dot_general(lhs, rhs, ((shift(lc), rc), (shift(lb), rb))), len(lb)
    rhs = move_axis(rhs, dr, 0)
    lhs_free = ndim_of(lhs) - len(lc) - len(lb)
    return dot_general(lhs, rhs, ((lc, shift(rc)), (lb, shift(rb)))), len(lb) + lhs_free


@lowers(dot_general_p)
def _dot_general_lower(gen, eqn):
    (lhs, rhs), out = eqn.inputs, eqn.outputs[0]
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    ls, rs = lhs.aval.shape, rhs.aval.shape
    lf, rf = _free_axes(len(ls), lc, lb), _free_axes(len(rs), rc, rb)
    size = lambda axes, s: math.prod(s[i] for i in axes)  # noqa: E731
    nb, m, k, n = size(lb, ls), size(lf, ls), size(lc, ls), size(rf, rs)
    name = gen.var(out)
    if out.aval.dtype.kind not in "fc":  # BLAS has float and complex products only
        _dot_general_loops(gen, eqn, lf, rf)
        return
    if _dot_2d(gen, lhs, rhs, (lf, lc), (rc, rf), (m, k, n), lb, name, out):
        round_f16_array(gen, name, out.aval)
        return
    a = _as_matrix_stack(gen, lhs, list(lb) + lf + list(lc), (nb, m, k))
    b = _as_matrix_stack(gen, rhs, list(rb) + list(rc) + rf, (nb, k, n))
    res = gen.fresh("r")
    gen.emit(f"{res} = np.empty(({nb}, {m}, {n}), dtype={dtype_ctor(out.aval.dtype)})")
    if k == 0:
        gen.emit(f"{res}[:] = 0")
    elif nb == 1:
        gen.emit(f"np.dot({a}[0], {b}[0], {res}[0])")
    else:
        bi = gen.fresh("i")
        gen.emit(f"for {bi} in range({nb}):")
        gen.emit(f"np.dot({a}[{bi}], {b}[{bi}], {res}[{bi}])", 2)
    if out.aval.shape:
        gen.emit(f"{name} = {res}.reshape({tuple(out.aval.shape)!r})")
    else:
        gen.emit(f"{name} = {res}[0, 0, 0]")
    round_f16_array(gen, name, out.aval)


def _dot_2d(gen, lhs, rhs, lhs_axes, rhs_axes, mkn, lb, name, out):
    """An unbatched product whose operands are matrices without a copy (their row axes,
    then their column axes, in memory order or the reverse): one ``np.dot`` on reshaped
    (transposed) views."""
    m, k, n = mkn
    if lb or 0 in mkn:
        return False
    # a vector operand stays a vector (np.dot takes matrix-vector and vector-vector products)
    a_vec, b_vec = _is_vector(lhs, lhs_axes[0]), _is_vector(rhs, rhs_axes[1])
    a = gen.var(lhs) if a_vec else _matrix(gen, lhs, *lhs_axes, (m, k))
    b = gen.var(rhs) if b_vec else _matrix(gen, rhs, *rhs_axes, (k, n))
    if a is None or b is None:
        return False
    result = (() if a_vec else (m,)) + (() if b_vec else (n,))
    if tuple(out.aval.shape) == result:
        gen.emit(f"{name} = np.dot({a}, {b})")
        return True
    res = gen.fresh("r")
    gen.emit(f"{res} = np.dot({a}, {b})")
    gen.emit(f"{name} = {res}.reshape({tuple(out.aval.shape)!r})" if out.aval.shape
             else f"{name} = {res}[{', '.join('0' * len(result))}]")
    return True


def _is_vector(atom, free):
    """Is ``atom`` a 1-D operand that is only contracted?"""
    return isinstance(atom, Var) and atom.aval.ndim == 1 and not free


def _matrix(gen, atom, rows, cols, shape2):
    """``atom`` as the matrix ``shape2`` of its axes ``rows`` by ``cols``, when that is a
    view (else None)."""
    if not isinstance(atom, Var) or not atom.aval.shape:  # 0-d values are scalars in the code
        return None
    order = list(range(atom.aval.ndim))
    if list(rows) + list(cols) == order:
        return view(gen, gen.var(atom), atom.aval.shape, shape2, "m")
    if list(cols) + list(rows) == order:
        return view(gen, gen.var(atom), atom.aval.shape, shape2[::-1], "m") + ".T"
    return None


def _as_matrix_stack(gen, atom, order, shape3):
    """``atom`` transposed to ``order`` and reshaped to ``shape3``, C-contiguous."""
    src = contiguous(gen, atom)
    name = gen.fresh("m")
    if list(order) == sorted(order):
        gen.emit(f"{name} = {src}.reshape({shape3!r})")
    else:
        gen.emit(f"{name} = np.ascontiguousarray(np.transpose({src}, {tuple(order)!r})).reshape({shape3!r})")
    return name


def _dot_general_loops(gen, eqn, lf, rf):
    """Integer contractions (no BLAS): explicit loops."""
    (lhs, rhs), out = eqn.inputs, eqn.outputs[0]
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    if out.aval.shape:
        name = gen.alloc(out, "0")
    else:
        name = gen.var(out)
        gen.emit(f"{name} = {dtype_ctor(out.aval.dtype)}(0)")
    ls = lhs.aval.shape
    loop_axes = [("b", i, ls[i]) for i in lb] + [("l", i, ls[i]) for i in lf] + \
                [("r", i, rhs.aval.shape[i]) for i in rf] + [("c", i, ls[i]) for i in lc]

    def body(idx, d):
        li, ri = [None] * lhs.aval.ndim, [None] * rhs.aval.ndim
        out_idx = []
        for (kind, axis, _), i in zip(loop_axes, idx):
            if kind == "b":
                li[axis] = i
                ri[rb[list(lb).index(axis)]] = i
                out_idx.append(i)
            elif kind == "l":
                li[axis] = i
                out_idx.append(i)
            elif kind == "r":
                ri[axis] = i
                out_idx.append(i)
            else:
                li[axis] = i
                ri[rc[list(lc).index(axis)]] = i
        target = f"{name}[{', '.join(out_idx)}]" if out_idx else name
        gen.emit(f"{target} += {element(gen, lhs, li)} * {element(gen, rhs, ri)}", d)
    gen.loop_nest([s for _, _, s in loop_axes], body)


defbilinear(dot_general_p, _dot_lhs_transpose, _dot_rhs_transpose)
dot_general_p.batch = _dot_general_batch


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


def _conv_lhs_transpose(g, x, w, *, window_strides, padding, rhs_dilation, feature_group_count):
    """The transposed convolution: dilate and pad the cotangent, convolve with the
    flipped kernel whose in/out channels are swapped (per group)."""
    o, cg, kh, kw = shape_of(w)
    groups = feature_group_count
    og = o // groups
    wt = transpose(reshape(w, (groups, og, cg, kh, kw)), (0, 2, 1, 3, 4))
    wt = rev(reshape(wt, (groups * cg, og, kh, kw)), (2, 3))
    config = [(0, 0, 0), (0, 0, 0)]
    for i in range(2):
        k_eff = (shape_of(w)[2 + i] - 1) * rhs_dilation[i] + 1
        size, out_size = shape_of(x)[2 + i], shape_of(g)[2 + i]
        lo = k_eff - 1 - padding[i][0]
        hi = size + k_eff - 1 - lo - ((out_size - 1) * window_strides[i] + 1)
        config.append((lo, hi, window_strides[i] - 1))
    g_padded = pad(g, np.zeros((), dtype_of(g)), config)
    return conv(g_padded, wt, (1, 1), ((0, 0), (0, 0)), rhs_dilation, groups)


def _conv_rhs_transpose(g, x, w, *, window_strides, padding, rhs_dilation, feature_group_count):
    """Correlate the (padded) input with the cotangent, batch as the contracted channel."""
    o, cg, kh, kw = shape_of(w)
    groups = feature_group_count
    og = o // groups
    xp = pad(x, np.zeros((), dtype_of(x)), [(0, 0, 0), (0, 0, 0)] + [(lo, hi, 0) for lo, hi in padding])
    parts = []
    for k in range(groups):
        xs = slice(xp, (0, k * cg, 0, 0), (shape_of(xp)[0], (k + 1) * cg) + shape_of(xp)[2:])
        gs = slice(g, (0, k * og, 0, 0), (shape_of(g)[0], (k + 1) * og) + shape_of(g)[2:])
        lhs = transpose(xs, (1, 0, 2, 3))  # (Cg, N, H, W)
        rhs = transpose(gs, (1, 0, 2, 3))  # (Og, N, HO, WO)
        dk = conv(lhs, rhs, rhs_dilation, ((0, 0), (0, 0)), window_strides, 1)  # (Cg, Og, >=KH, >=KW)
        dk = slice(dk, (0, 0, 0, 0), (cg, og, kh, kw))
        parts.append(transpose(dk, (1, 0, 2, 3)))
    return parts[0] if groups == 1 else concatenate(parts, 0)


def _conv_batch(args, dims, size, *, window_strides, padding, rhs_dilation, feature_group_count):
    (x, w), (dx, dw) = args, dims
    params = dict(window_strides=window_strides, padding=padding, rhs_dilation=rhs_dilation)
    g = feature_group_count
    if dw is None:  # fold the batch into the images' batch axis
        x = move_axis(x, dx, 0)
        b, n = shape_of(x)[:2]
        out = conv(reshape(x, (b * n,) + shape_of(x)[2:]), w, feature_group_count=g, **params)
        return reshape(out, (b, n) + shape_of(out)[1:]), 0
    w = move_axis(w, dw, 0)
    b, o, cg = shape_of(w)[:3]
    k = shape_of(w)[3:]
    if dx is None:  # fold the batch into the output channels (respecting the groups)
        og = o // g
        wf = reshape(transpose(reshape(w, (b, g, og, cg) + k), (1, 0, 2, 3, 4, 5)), (g * b * og, cg) + k)
        out = conv(x, wf, feature_group_count=g, **params)  # channels ordered (g, b, og)
        n, _, ho, wo = shape_of(out)
        out = transpose(reshape(out, (n, g, b, og, ho, wo)), (0, 2, 1, 3, 4, 5))
        return reshape(out, (n, b, o, ho, wo)), 1
    # both batched: the batch becomes more feature groups
    x = move_axis(x, dx, 1)  # (N, B, C, H, W)
    n, _, c = shape_of(x)[:3]
    xf = reshape(x, (n, b * c) + shape_of(x)[3:])
    wf = reshape(w, (b * o, cg) + k)
    out = conv(xf, wf, feature_group_count=g * b, **params)
    return reshape(out, (n, b, o) + shape_of(out)[2:]), 1


@lowers(conv_p)
def _conv_lower(gen, eqn):
    """A call of the precompiled im2col + BLAS kernel (loops for integer dtypes)."""
    (x, w), out = eqn.inputs, eqn.outputs[0]
    p = eqn.params
    (sh, sw), (dh, dw), ((pt, pb), (pl, pr)) = p["window_strides"], p["rhs_dilation"], p["padding"]
    ho, wo = out.aval.shape[2:]
    kernel = "conv2d" if out.aval.dtype.kind == "f" else "conv2d_loops"
    gen.imports.add("from funcdl import _kernels")
    gen.emit(f"{gen.var(out)} = _kernels.{kernel}({gen.var(x)}, {gen.var(w)}, {sh}, {sw}, {dh}, {dw}, "
             f"{pt}, {pb}, {pl}, {pr}, {p['feature_group_count']}, {ho}, {wo})")
    round_f16_array(gen, gen.var(out), out.aval)


defbilinear(conv_p, _conv_lhs_transpose, _conv_rhs_transpose)
conv_p.batch = _conv_batch
