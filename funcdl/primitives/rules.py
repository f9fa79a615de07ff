"""The toolkit of derivative and batching rules, written with primitives.

Derivative rules: ``jvp(tangents, primals, out, **params)`` gets ``None`` for a zero
tangent and returns the output tangent (``None`` for zero); ``vjp(g, *primals, out,
**params)`` returns one cotangent (or ``None``) per input. Batching rules:
``batch(args, dims, size, **params) -> (out, out_dim)``, ``dims[i]`` the batch axis of
``args[i]`` or ``None``.
"""
import numpy as np

from ..core import aval_of
from . import elementwise, reductions, structural


def shape_of(x):
    return aval_of(x).shape


def dtype_of(x):
    return aval_of(x).dtype


def zeros_like(x):
    return np.zeros(shape_of(x), dtype_of(x))


def instantiate(t, like):
    """A tangent as an array (symbolic zeros become zeros)."""
    return zeros_like(like) if t is None else t


def add_any(a, b):
    return elementwise.binary("add", a, b)


def unbroadcast(g, shape):
    """Sum ``g`` over the axes that broadcasting added to an operand of ``shape``."""
    g_shape = shape_of(g)
    if g_shape == tuple(shape):
        return g
    lead = len(g_shape) - len(shape)
    axes = list(range(lead)) + [lead + i for i, d in enumerate(shape) if d == 1 and g_shape[lead + i] != 1]
    g = reductions.reduce("reduce_sum", g, axes)
    return structural.reshape(g, shape)


def ndim_of(x):
    return aval_of(x).ndim


def move_axis(x, src, dst):
    """Move axis ``src`` of ``x`` to position ``dst`` (a transpose, or nothing)."""
    if src == dst:
        return x
    perm = [i for i in range(ndim_of(x)) if i != src]
    perm.insert(dst, src)
    return structural.transpose(x, perm)


def to_front(x, d, size):
    """``x`` with its batch axis first (unbatched values are broadcast along a new one)."""
    if d is None:
        shape = shape_of(x)
        return structural.broadcast_to(structural.reshape(x, (1,) + shape), (size,) + shape)
    return move_axis(x, d, 0)
