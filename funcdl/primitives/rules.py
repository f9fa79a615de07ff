"""The toolkit of derivative and batching rules, written with primitives.

Derivative rules: ``jvp(tangents, primals, out, **params)`` gets ``None`` for a zero
tangent and returns the output tangent (``None`` for zero); ``vjp(g, *primals, out,
**params)`` returns one cotangent (or ``None``) per input. Batching rules:
``batch(args, dims, size, **params) -> (out, out_dim)``, ``dims[i]`` the batch axis of
``args[i]`` or ``None``.

Every module of the package declares its primitives' rules with these helpers, so the
helpers reach the other primitives through the package namespace ``P`` at call time.
Arithmetic here is the primitives' own: operands of one dtype, constants made with
:func:`const` (``funcdl.numpy`` is built on the primitives, so rules cannot use it).
"""
import numpy as np

from .. import primitives as P
from ..core import aval_of, bind

# -- values ------------------------------------------------------------------------------


def shape_of(x):
    return aval_of(x).shape


def dtype_of(x):
    return aval_of(x).dtype


def ndim_of(x):
    return aval_of(x).ndim


def zeros_like(x):
    return np.zeros(shape_of(x), dtype_of(x))


def const(value, like):
    """The 0-d constant ``value`` in the dtype of ``like``."""
    return np.asarray(value, dtype_of(like))


def instantiate(t, like):
    """A tangent as an array (symbolic zeros become zeros)."""
    return zeros_like(like) if t is None else t


def instantiate_to(t, like, shape):
    """A tangent of ``like`` as an array broadcast to ``shape``."""
    return P.broadcast_to(instantiate(t, like), shape)


# -- same-dtype arithmetic ---------------------------------------------------------------


def add_any(a, b):
    return P.binary("add", a, b)


def sub(a, b):
    return P.binary("sub", a, b)


def mul(a, b):
    return P.binary("mul", a, b)


def div(a, b):
    return P.binary("div", a, b)


def clip(x, lo, hi):
    """``x`` clamped into ``[lo, hi]`` (Python numbers, in ``x``'s dtype)."""
    return P.binary("min", P.binary("max", x, const(lo, x)), const(hi, x))


def total(x):
    """The sum of all elements of ``x``."""
    return P.reduce("reduce_sum", x, range(ndim_of(x)))


def unbroadcast(g, shape):
    """Sum ``g`` over the axes that broadcasting added to an operand of ``shape``."""
    g_shape = shape_of(g)
    if g_shape == tuple(shape):
        return g
    lead = len(g_shape) - len(shape)
    axes = list(range(lead)) + [lead + i for i, d in enumerate(shape) if d == 1 and g_shape[lead + i] != 1]
    g = P.reduce("reduce_sum", g, axes)
    return P.reshape(g, shape)


# -- derivative declarations -------------------------------------------------------------


def no_derivative(prim):
    """Declare every derivative of ``prim`` zero (integer results, random bits)."""
    def jvp(tangents, primals, out, **params):
        return [None] * len(out) if prim.multiple_results else None

    def vjp(g, *primals, out, **params):
        return [None] * len(primals)
    prim.jvp, prim.vjp = jvp, vjp
    prim.no_derivative = True


def deflinear(prim, transpose):
    """Declare ``prim`` linear in all its operands: its jvp applies it to the tangents, its
    vjp is ``transpose(g, *primals, out, **params)``."""
    def jvp(tangents, primals, out, **params):
        return bind(prim, *[instantiate(t, p) for t, p in zip(tangents, primals)], **params)
    prim.jvp, prim.vjp = jvp, transpose


def defbilinear(prim, lhs_transpose, rhs_transpose):
    """Declare ``prim(lhs, rhs)`` linear in each operand: the jvp is the sum of ``prim``
    applied to each tangent with the other primal; ``*_transpose(g, lhs, rhs, **params)``
    give the cotangents."""
    def jvp(tangents, primals, out, **params):
        (a, b), (ta, tb) = primals, tangents
        terms = []
        if ta is not None:
            terms.append(bind(prim, ta, b, **params))
        if tb is not None:
            terms.append(bind(prim, a, tb, **params))
        return terms[0] if len(terms) == 1 else add_any(*terms)

    def vjp(g, lhs, rhs, *, out, **params):
        return [lhs_transpose(g, lhs, rhs, **params), rhs_transpose(g, lhs, rhs, **params)]
    prim.jvp, prim.vjp = jvp, vjp


# -- batching ----------------------------------------------------------------------------


def move_axis(x, src, dst):
    """Move axis ``src`` of ``x`` to position ``dst`` (a transpose, or nothing)."""
    if src == dst:
        return x
    perm = [i for i in range(ndim_of(x)) if i != src]
    perm.insert(dst, src)
    return P.transpose(x, perm)


def to_front(x, d, size):
    """``x`` with its batch axis first (unbatched values are broadcast along a new one)."""
    if d is None:
        shape = shape_of(x)
        return P.broadcast_to(P.reshape(x, (1,) + shape), (size,) + shape)
    return move_axis(x, d, 0)


def elementwise_batch(prim):
    """The batching rule of a broadcasting elementwise primitive: per-example ranks are
    aligned, the batch axis stays in front."""
    def rule(args, dims, size, **params):
        rank = max(ndim_of(a) - (d is not None) for a, d in zip(args, dims))
        aligned = []
        for a, d in zip(args, dims):
            if d is None:
                aligned.append(a)  # right-aligned broadcasting leaves the batch axis alone
            else:
                a = move_axis(a, d, 0)
                extra = rank - (ndim_of(a) - 1)
                aligned.append(P.reshape(a, (size,) + (1,) * extra + shape_of(a)[1:]) if extra else a)
        out = bind(prim, *aligned, **params)
        return (out, [0] * len(out)) if prim.multiple_results else (out, 0)
    return rule


def axis_batch(prim, param="axis"):
    """The batching rule of a unary primitive whose ``param`` (an axis or a tuple of axes)
    says where it works: the batch axis goes first and the axes move past it."""
    def rule(args, dims, size, **params):
        axes = params[param]
        params[param] = axes + 1 if isinstance(axes, int) else tuple(a + 1 for a in axes)
        return bind(prim, move_axis(args[0], dims[0], 0), **params), 0
    return rule
