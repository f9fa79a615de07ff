"""The jvp and vjp rule of every primitive, written with primitives.

``jvp(tangents, primals, out, **params)``: ``tangents`` has ``None`` for zero tangents;
returns the output tangent (a list for multi-output primitives), ``None`` for zero.
``vjp(g, *primals, out, **params)``: returns one cotangent or ``None`` per input.
Cotangents of broadcast operands are summed back to the operand's shape (``unbroadcast``).
"""
import numpy as np

from .. import numpy as fnp
from .. import primitives as P
from ..core import bind
from ..primitives.rules import dtype_of, instantiate, shape_of, unbroadcast, zeros_like

# ----------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------


def _linear_jvp(prim, zero_args=False):
    """jvp of a primitive linear in all its operands: apply it to the tangents."""
    def jvp(tangents, primals, out, **params):
        ts = [instantiate(t, p) for t, p in zip(tangents, primals)]
        return bind(prim, *ts, **params)
    return jvp


def _no_derivative(prim):
    def jvp(tangents, primals, out, **params):
        return [None] * len(out) if prim.multiple_results else None

    def vjp(g, *primals, out, **params):
        return [None] * len(primals)
    prim.jvp, prim.vjp = jvp, vjp
    prim.no_derivative = True


# ----------------------------------------------------------------------------------------
# Elementwise
# ----------------------------------------------------------------------------------------

def _unary_rules(name, derivative):
    def jvp(tangents, primals, out):
        return _scale(tangents[0], derivative(primals[0], out))

    def vjp(g, x, *, out):
        return [_scale(g, derivative(x, out))]
    return jvp, vjp


def _is_constant(x):
    """A literal operand (a Python/numpy scalar) needs no cotangent."""
    return not hasattr(x, "aval")


def _scale(g, d):
    """``g * d`` without an equation when ``d`` is the constant 1 or -1."""
    if isinstance(d, float) and d in (1.0, -1.0):
        return g if d == 1.0 else fnp.negative(g)
    return fnp.multiply(g, d)


def _binary_rules(partials):
    """Rules from ``partials(x, y, out) -> (dout/dx, dout/dy)`` (None: not needed)."""
    def jvp(tangents, primals, out):
        x, y = primals
        dx, dy = partials(x, y, out, tangents[0] is not None, tangents[1] is not None)
        terms = [_scale(t, d) for t, d in zip(tangents, (dx, dy)) if t is not None]
        total = terms[0] if len(terms) == 1 else fnp.add(*terms)
        return total if shape_of(total) == shape_of(out) else fnp.broadcast_to(total, shape_of(out))

    def vjp(g, x, y, *, out):
        dx, dy = partials(x, y, out, not _is_constant(x), not _is_constant(y))
        return [None if dx is None else unbroadcast(_scale(g, dx), shape_of(x)),
                None if dy is None else unbroadcast(_scale(g, dy), shape_of(y))]
    return jvp, vjp


def elementwise_rules(prim):
    """jvp and vjp of an elementwise primitive, from the derivative its definition declares."""
    if prim.derivative == P.ZERO:
        _no_derivative(prim)
        return {"jvp": prim.jvp, "vjp": prim.vjp}
    jvp, vjp = (_unary_rules(prim.name, prim.derivative) if prim.arity == 1
                else _binary_rules(prim.derivative))
    return {"jvp": jvp, "vjp": vjp}


def _install_elementwise():
    for prim in P.elementwise_prims.values():
        for slot, rule in elementwise_rules(prim).items():
            setattr(prim, slot, rule)


_install_elementwise()


def _select_jvp(tangents, primals, out):
    pred, a, b = primals
    _, ta, tb = tangents
    return P.select(pred, fnp.broadcast_to(instantiate(ta, a), shape_of(out)),
                    fnp.broadcast_to(instantiate(tb, b), shape_of(out)))


def _select_vjp(g, pred, a, b, *, out):
    zero = np.zeros((), dtype_of(g))
    return [None, unbroadcast(P.select(pred, g, zero), shape_of(a)),
            unbroadcast(P.select(pred, zero, g), shape_of(b))]


P.select_p.jvp, P.select_p.vjp = _select_jvp, _select_vjp


def _convert_jvp(tangents, primals, out, *, new_dtype):
    if np.dtype(new_dtype).kind != "f" or dtype_of(primals[0]).kind != "f":
        return None
    return P.convert(tangents[0], new_dtype)


def _convert_vjp(g, x, *, out, new_dtype):
    if np.dtype(new_dtype).kind != "f" or dtype_of(x).kind != "f":
        return [None]
    return [P.convert(g, dtype_of(x))]


P.convert_p.jvp, P.convert_p.vjp = _convert_jvp, _convert_vjp

# ----------------------------------------------------------------------------------------
# Shape primitives (all linear)
# ----------------------------------------------------------------------------------------


def _def_linear(prim, vjp):
    prim.jvp, prim.vjp = _linear_jvp(prim), vjp


_def_linear(P.broadcast_to_p, lambda g, x, *, out, shape: [unbroadcast(g, shape_of(x))])
_def_linear(P.reshape_p, lambda g, x, *, out, new_sizes: [P.reshape(g, shape_of(x))])
_def_linear(P.transpose_p, lambda g, x, *, out, permutation:
            [P.transpose(g, np.argsort(permutation))])
_def_linear(P.rev_p, lambda g, x, *, out, dimensions: [P.rev(g, dimensions)])


def _slice_vjp(g, x, *, out, start_indices, limit_indices, strides):
    config = []
    for lo, size, st, d in zip(start_indices, shape_of(g), strides, shape_of(x)):
        if size == 0:
            return [zeros_like(x)]
        last = lo + (size - 1) * st
        config.append((lo, d - last - 1, st - 1))
    return [P.pad(g, np.zeros((), dtype_of(g)), config)]


_def_linear(P.slice_p, _slice_vjp)


def _pad_vjp(g, x, value, *, out, padding_config):
    grown = P.pad(g, np.zeros((), dtype_of(g)),
                  [(max(-lo, 0), max(-hi, 0), 0) for lo, hi, _ in padding_config])
    starts, limits, strides = [], [], []
    for d, (lo, hi, interior) in zip(shape_of(x), padding_config):
        start = max(lo, 0)
        starts.append(start)
        limits.append(start + (d - 1) * (interior + 1) + 1 if d else start)
        strides.append(interior + 1)
    g_x = P.slice(grown, starts, limits, strides)
    g_value = fnp.subtract(fnp.sum(g), fnp.sum(g_x))
    return [g_x, g_value]


_def_linear(P.pad_p, _pad_vjp)


def _concatenate_vjp(g, *xs, out, dimension):
    cts, start = [], 0
    for x in xs:
        size = shape_of(x)[dimension]
        lo = [0] * len(shape_of(g))
        hi = list(shape_of(g))
        lo[dimension], hi[dimension] = start, start + size
        cts.append(P.slice(g, lo, hi))
        start += size
    return cts


_def_linear(P.concatenate_p, _concatenate_vjp)

# ----------------------------------------------------------------------------------------
# Reductions
# ----------------------------------------------------------------------------------------


def _expand_reduced(g, x_shape, axes):
    kept = [1 if i in axes else d for i, d in enumerate(x_shape)]
    return P.broadcast_to(P.reshape(g, kept), x_shape)


P.reduce_prims["reduce_sum"].jvp = _linear_jvp(P.reduce_prims["reduce_sum"])
P.reduce_prims["reduce_sum"].vjp = lambda g, x, *, out, axes: [_expand_reduced(g, shape_of(x), axes)]


def _extremum_weights(x, out, axes):
    """1/count at the positions that attain the max/min (ties share the gradient)."""
    hits = P.convert(P.binary("eq", x, _expand_reduced(out, shape_of(x), axes)), dtype_of(x))
    count = P.reduce("reduce_sum", hits, axes)
    return fnp.divide(hits, _expand_reduced(count, shape_of(x), axes))


def _def_extremum(prim):
    def jvp(tangents, primals, out, *, axes):
        w = _extremum_weights(primals[0], out, axes)
        return P.reduce("reduce_sum", fnp.multiply(tangents[0], w), axes)

    def vjp(g, x, *, out, axes):
        return [fnp.multiply(_expand_reduced(g, shape_of(x), axes), _extremum_weights(x, out, axes))]
    prim.jvp, prim.vjp = jvp, vjp


_def_extremum(P.reduce_prims["reduce_max"])
_def_extremum(P.reduce_prims["reduce_min"])


def _shift_down(x, s, fill):
    """``y[i] = x[i - s]`` along axis 0, ``fill`` where ``i < s``."""
    shape = shape_of(x)
    if s >= shape[0]:
        return np.full(shape, fill, dtype_of(x))
    head = P.slice(x, (0,) * len(shape), (shape[0] - s,) + shape[1:])
    return P.pad(head, np.asarray(fill, dtype_of(x)), [(s, 0, 0)] + [(0, 0, 0)] * (len(shape) - 1))


def _exclusive_cumprod(x, segments=None):
    """``prod(x[j] for j < i)`` along axis 0 by doubling (log n multiplications, no
    division: a polynomial in ``x``, exact to every order). With sorted ``segments`` (one
    id per row) only rows of the same segment multiply."""
    n, ones = shape_of(x)[0], np.ones(shape_of(x), dtype_of(x))

    def same(s):  # row i - s is in row i's segment
        mask = fnp.logical_and(np.arange(n) >= s, fnp.equal(segments, _shift_down(segments, s, 0)))
        return fnp.broadcast_to(P.reshape(mask, (n,) + (1,) * (len(shape_of(x)) - 1)), shape_of(x))

    def shifted(y, s):
        prev = _shift_down(y, s, 1)
        return prev if segments is None or s >= n else P.select(same(s), prev, ones)

    y, s = x, 1
    while s < n:
        y, s = fnp.multiply(y, shifted(y, s)), 2 * s
    return shifted(y, 1)


def _others_product(x, segments=None):
    """The product of the other rows (of the same segment) along axis 0, for each row."""
    prefix = _exclusive_cumprod(x, segments)
    rev = (lambda a: None if a is None else P.rev(a, (0,)))
    suffix = rev(_exclusive_cumprod(rev(x), rev(segments)))
    return fnp.multiply(prefix, suffix)


def _product_of_others(x, out, axes):
    """d prod(x) / d x_i = product of the other elements (no division: exact with zeros,
    and so are its own derivatives)."""
    shape = shape_of(x)
    rest = [i for i in range(len(shape)) if i not in axes]
    perm = list(axes) + rest
    moved = P.transpose(x, perm) if perm != sorted(perm) else x
    n = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    others = _others_product(P.reshape(moved, (n,) + tuple(shape[i] for i in rest)))
    others = P.reshape(others, [shape[i] for i in perm])
    return P.transpose(others, np.argsort(perm)) if perm != sorted(perm) else others


def _prod_jvp(tangents, primals, out, *, axes):
    return P.reduce("reduce_sum", fnp.multiply(tangents[0], _product_of_others(primals[0], out, axes)), axes)


def _prod_vjp(g, x, *, out, axes):
    return [fnp.multiply(_expand_reduced(g, shape_of(x), axes), _product_of_others(x, out, axes))]


P.reduce_prims["reduce_prod"].jvp = _prod_jvp
P.reduce_prims["reduce_prod"].vjp = _prod_vjp

for _prim in (P.argmax_p, P.argmin_p, P.argsort_p, P.threefry2x32_p):
    _no_derivative(_prim)

P.cumsum_p.jvp = _linear_jvp(P.cumsum_p)
P.cumsum_p.vjp = lambda g, x, *, out, axis, reverse: [P.cumsum(g, axis, not reverse)]

# ----------------------------------------------------------------------------------------
# Contractions
# ----------------------------------------------------------------------------------------


def _bilinear_jvp(prim):
    def jvp(tangents, primals, out, **params):
        a, b = primals
        ta, tb = tangents
        terms = []
        if ta is not None:
            terms.append(bind(prim, ta, b, **params))
        if tb is not None:
            terms.append(bind(prim, a, tb, **params))
        return terms[0] if len(terms) == 1 else fnp.add(*terms)
    return jvp


def _free(ndim, *used):
    used = set().union(*used)
    return [i for i in range(ndim) if i not in used]


def _dot_general_vjp(g, lhs, rhs, *, out, dimension_numbers):
    (lc, rc), (lb, rb) = dimension_numbers
    nl, nr = len(shape_of(lhs)), len(shape_of(rhs))
    lf, rf = _free(nl, lc, lb), _free(nr, rc, rb)
    nb = len(lb)
    g_batch = tuple(range(nb))
    g_lfree = tuple(range(nb, nb + len(lf)))
    g_rfree = tuple(range(nb + len(lf), nb + len(lf) + len(rf)))
    # d lhs contracts g's rhs-free axes with rhs's free axes; d rhs likewise. Each can be
    # computed with either operand first; take the order whose result needs no transpose.
    from_rhs = [lc[list(rc).index(r)] for r in sorted(rc)]
    from_lhs = [rc[list(lc).index(c)] for c in sorted(lc)]
    d_lhs = _contract_in_order(
        (g, rhs, ((g_rfree, tuple(rf)), (g_batch, tuple(rb))), list(lb) + lf + from_rhs),
        (rhs, g, ((tuple(rf), g_rfree), (tuple(rb), g_batch)), list(lb) + from_rhs + lf))
    d_rhs = _contract_in_order(
        (lhs, g, ((tuple(lf), g_lfree), (tuple(lb), g_batch)), list(rb) + from_lhs + rf),
        (g, lhs, ((g_lfree, tuple(lf)), (g_batch, tuple(lb))), list(rb) + rf + from_lhs))
    return [d_lhs, d_rhs]


def _contract_in_order(*options):
    """dot_general of the first option whose result axes are already in order (else the
    first one, transposed); each option is (a, b, dimension_numbers, result axes)."""
    for a, b, dims, axes in options:
        if axes == sorted(axes):
            return P.dot_general(a, b, dims)
    a, b, dims, axes = options[0]
    return P.transpose(P.dot_general(a, b, dims), np.argsort(axes))


P.dot_general_p.jvp, P.dot_general_p.vjp = _bilinear_jvp(P.dot_general_p), _dot_general_vjp


def _conv_vjp(g, x, w, *, out, window_strides, padding, rhs_dilation, feature_group_count):
    return [_conv_input_grad(g, x, w, window_strides, padding, rhs_dilation, feature_group_count),
            _conv_kernel_grad(g, x, w, window_strides, padding, rhs_dilation, feature_group_count)]


def _conv_input_grad(g, x, w, strides, padding, dilation, groups):
    """The transposed convolution: dilate and pad the cotangent, convolve with the
    flipped kernel whose in/out channels are swapped (per group)."""
    o, cg, kh, kw = shape_of(w)
    og = o // groups
    wt = P.reshape(w, (groups, og, cg, kh, kw))
    wt = P.transpose(wt, (0, 2, 1, 3, 4))
    wt = P.rev(P.reshape(wt, (groups * cg, og, kh, kw)), (2, 3))
    config = [(0, 0, 0), (0, 0, 0)]
    for i in range(2):
        k_eff = (shape_of(w)[2 + i] - 1) * dilation[i] + 1
        size, out_size = shape_of(x)[2 + i], shape_of(g)[2 + i]
        lo = k_eff - 1 - padding[i][0]
        hi = size + k_eff - 1 - lo - ((out_size - 1) * strides[i] + 1)
        config.append((lo, hi, strides[i] - 1))
    g_padded = P.pad(g, np.zeros((), dtype_of(g)), config)
    return P.conv(g_padded, wt, (1, 1), ((0, 0), (0, 0)), dilation, groups)


def _conv_kernel_grad(g, x, w, strides, padding, dilation, groups):
    """Correlate the (padded) input with the cotangent, batch as the contracted channel."""
    o, cg, kh, kw = shape_of(w)
    og = o // groups
    xp = P.pad(x, np.zeros((), dtype_of(x)), [(0, 0, 0), (0, 0, 0)] + [(lo, hi, 0) for lo, hi in padding])
    parts = []
    for k in range(groups):
        xs = P.slice(xp, (0, k * cg, 0, 0), (shape_of(xp)[0], (k + 1) * cg) + shape_of(xp)[2:])
        gs = P.slice(g, (0, k * og, 0, 0), (shape_of(g)[0], (k + 1) * og) + shape_of(g)[2:])
        lhs = P.transpose(xs, (1, 0, 2, 3))  # (Cg, N, H, W)
        rhs = P.transpose(gs, (1, 0, 2, 3))  # (Og, N, HO, WO)
        dk = P.conv(lhs, rhs, dilation, ((0, 0), (0, 0)), strides, 1)  # (Cg, Og, >=KH, >=KW)
        dk = P.slice(dk, (0, 0, 0, 0), (cg, og, kh, kw))
        parts.append(P.transpose(dk, (1, 0, 2, 3)))
    return parts[0] if groups == 1 else P.concatenate(parts, 0)


P.conv_p.jvp, P.conv_p.vjp = _bilinear_jvp(P.conv_p), _conv_vjp

# ----------------------------------------------------------------------------------------
# Gather / scatter
# ----------------------------------------------------------------------------------------


def _clamped(idx, n):
    return fnp.clip(idx, 0, n - 1)


def _in_range(idx, n, like):
    mask = fnp.logical_and(fnp.greater_equal(idx, 0), fnp.less(idx, n))
    extra = (1,) * (len(shape_of(like)) - len(shape_of(idx)))
    return P.convert(P.reshape(mask, shape_of(idx) + extra), dtype_of(like))


def _gather_jvp(tangents, primals, out):
    return P.gather(tangents[0], primals[1])


def _gather_vjp(g, x, idx, *, out):
    n = shape_of(x)[0]
    return [P.scatter(zeros_like(x), _clamped(idx, n), g, "add"), None]


P.gather_p.jvp, P.gather_p.vjp = _gather_jvp, _gather_vjp


def _scatter_mul_others(idx, u):
    """For each update of a scatter-multiply, the product of the other updates at its
    index (1 when indices are unique): the derivative without dividing by ``u``."""
    k = int(np.prod(shape_of(idx), dtype=np.int64))
    flat_idx, flat_u = P.reshape(idx, (k,)), P.reshape(u, (k,) + shape_of(u)[len(shape_of(idx)):])
    order = P.argsort(flat_idx, 0)
    others = _others_product(P.gather(flat_u, order), P.gather(flat_idx, order))
    return P.reshape(P.gather(others, P.argsort(order, 0)), shape_of(u))


def _scatter_jvp(tangents, primals, out, *, mode):
    x, idx, u = primals
    tx, _, tu = tangents
    if mode in ("add", "set"):
        return P.scatter(instantiate(tx, x), idx, instantiate(tu, u), mode)
    # mul: out = x * prod(u at idx)
    d = P.scatter(instantiate(tx, x), idx, u, "mul")
    if tu is not None:
        rel = P.scatter(zeros_like(x), idx, fnp.multiply(tu, _scatter_mul_others(idx, u)), "add")
        d = fnp.add(d, fnp.multiply(x, rel))
    return d


def _scatter_vjp(g, x, idx, u, *, out, mode):
    n = shape_of(x)[0]
    keep = _in_range(idx, n, u)
    if mode == "add":
        return [g, None, fnp.multiply(P.gather(g, _clamped(idx, n)), keep)]
    if mode == "set":
        g_x = P.scatter(g, idx, zeros_like(u), "set")
        return [g_x, None, fnp.multiply(P.gather(g, _clamped(idx, n)), keep)]
    g_x = P.scatter(g, idx, u, "mul")
    g_u = fnp.multiply(P.gather(fnp.multiply(g, x), _clamped(idx, n)), _scatter_mul_others(idx, u))
    return [g_x, None, fnp.multiply(g_u, keep)]


P.scatter_p.jvp, P.scatter_p.vjp = _scatter_jvp, _scatter_vjp

# ----------------------------------------------------------------------------------------
# stop_gradient
# ----------------------------------------------------------------------------------------

_no_derivative(P.stop_gradient_p)


def stop_gradient(x):
    x = fnp.asarray(x)
    return bind(P.stop_gradient_p, x) if x.dtype.kind == "f" else x
