"""``bitcast``: reinterpret the bits of each element as another dtype, as
``lax.bitcast_convert_type``. Between dtypes of one width the shape stays; to a narrower
dtype a trailing axis of the width ratio is added, to a wider one the trailing axis (of
that ratio) is consumed. Its derivative is zero, as JAX declares it.

>>> bitcast(np.float32(1.0), np.dtype(np.uint32))
np.uint32(1065353216)
"""
import math

import numpy as np

from ..core import Aval, Primitive, bind, shape_error
from .lowering import lowers
from .rules import no_derivative, to_front


def _bitcast_rule(x, *, new_dtype):
    new_dtype = np.dtype(new_dtype)
    for dtype in (x.dtype, new_dtype):
        if dtype.kind not in "iuf" or dtype == np.float16:
            raise TypeError(f"bitcast_convert_type: needs integer, float32 or float64 dtypes (jitted code "
                            f"has no float16 arrays), got {x.dtype.name} to {new_dtype.name}")
    old, new = x.dtype.itemsize, new_dtype.itemsize
    if old == new:
        return Aval(x.shape, new_dtype)
    if old > new:
        return Aval(x.shape + (old // new,), new_dtype)
    if not x.shape or x.shape[-1] * old != new:
        raise shape_error("bitcast_convert_type", f"{x.dtype.name} to the wider {new_dtype.name} needs a "
                          f"last axis of {new // old}", x.shape)
    return Aval(x.shape[:-1], new_dtype)


def _bitcast_impl(x, *, new_dtype):
    out = _bitcast_rule(Aval(np.shape(x), np.asarray(x).dtype), new_dtype=new_dtype)
    return np.ascontiguousarray(x).reshape(-1).view(out.dtype).reshape(out.shape)


bitcast_p = Primitive("bitcast", _bitcast_impl, _bitcast_rule)


def bitcast(x, new_dtype):
    """``x``'s bits read as ``new_dtype``."""
    return bind(bitcast_p, x, new_dtype=np.dtype(new_dtype))


no_derivative(bitcast_p)


def _bitcast_batch(args, dims, size, *, new_dtype):
    return bind(bitcast_p, to_front(args[0], dims[0], size), new_dtype=new_dtype), 0


bitcast_p.batch = _bitcast_batch


@lowers(bitcast_p)
def _bitcast_lower(gen, eqn):
    x, out = eqn.inputs[0], eqn.outputs[0]
    source = gen.var(x)
    flat = (f"np.ascontiguousarray({source}).reshape({math.prod(x.aval.shape)})" if x.aval.shape
            else f"np.array([{source}], dtype=np.{x.aval.dtype.name})")
    view = f"{flat}.view(np.{out.aval.dtype.name})"
    gen.emit(f"{gen.var(out)} = {view}.reshape({out.aval.shape})" if out.aval.shape else f"{gen.var(out)} = {view}[0]")
