"""Named-axis collectives: ``psum``, ``pmax``, ``pmin``, ``all_gather``, ``axis_index``.

Each names one mapped axis (param ``axis_name``) bound by an enclosing
``vmap(f, axis_name=...)`` (``funcdl.lax`` builds tuples of names, ``pmean`` and tiled
gathers from them). A collective is traced into the per-example program like any primitive;
its meaning exists only over the batch, so its *batching rule* is where it is computed: when
the vmap over its axis batches the program (``core.current_batching_axis``), the rule turns it
into ordinary primitives on the batch dimension (a ``reduce_sum``, a transpose, an iota). The
batching of another vmap passes it through, applied to each example. Once batched, no
collective is left: ``grad``, ``jit`` and every other transform then see ordinary primitives
(``grad(vmap(f))``, ``jit(vmap(f))``), and the collectives' own derivative rules serve the
transforms traced inside the vmap (``vmap(grad(f))``). Their ``impl`` and lowering are
reached only by a collective that no vmap resolves: both raise the unbound-name NameError.

Derivatives are JAX's: psum is linear and its own transpose, all_gather's transpose is the
summed cotangent's slice of each example (psum_scatter), axis_index has none; pmax/pmin
(which JAX does not differentiate) share the derivative among the examples that attain
the extremum, as ``reduce_max`` does.
"""
import numpy as np

from ..core import Aval, Primitive, axis_size, bind, current_batching_axis, shape_error
from .dynamic_slicing import dynamic_slice
from .reductions import reduce
from .elementwise import binary, convert
from .rules import (const, deflinear, div, dtype_of, instantiate, move_axis, mul, ndim_of,
                    no_derivative, shape_of)
from .structural import broadcast_to, reshape

PUBLIC = {"psum": "lax.psum", "pmax": "lax.pmax", "pmin": "lax.pmin", "all_gather": "lax.all_gather",
          "axis_index": "lax.axis_index"}


def _impl(name):
    def impl(*args, axis_name, **params):
        axis_size(axis_name, PUBLIC[name])  # NameError when no vmap binds the name
        raise RuntimeError(f"{name}[axis_name={axis_name!r}] was evaluated outside the batching of the "
                           "vmap that binds its name (collectives are computed by vmap's batching)")
    return impl


def _never_lowered(gen, eqn):
    """Collectives are resolved by vmap before any program is compiled: one that reaches the
    code generator is used outside a vmap binding its name."""
    name = eqn.params["axis_name"]
    try:
        axis_size(name, PUBLIC[eqn.prim.name])
    except NameError as e:
        raise NameError(f"{e} (jit met `{eqn.prim.name}` in a program to compile)") from None
    raise NameError(f"{PUBLIC[eqn.prim.name]}: axis name {name!r} reached jit's code generator unresolved; "
                    f"a collective is computed by the batching of vmap(f, axis_name={name!r})")


def _resolving(axis_name):
    """Whether the batching running now is the vmap over ``axis_name``."""
    return current_batching_axis()[0] == axis_name


def _collective(name, shape_rule):
    prim = Primitive(name, _impl(name), shape_rule)
    prim.collective = True
    prim.lower = _never_lowered
    return prim


def _same_aval(x, *, axis_name):
    return x


# -- psum, pmax, pmin: reductions over the mapped axis -------------------------------------------


def _defreducer(name, reducer, of_unbatched):
    """A reduction over the mapped axis: ``reducer`` over the batch dimension when batched,
    ``of_unbatched(x, size)`` for a value that is the same for every example."""
    prim = _collective(name, _same_aval)

    def batch(args, dims, size, *, axis_name):
        (x,), (d,) = args, dims
        if not _resolving(axis_name):  # another vmap's axis: the collective of each example
            return bind(prim, x, axis_name=axis_name), d
        if d is None:
            return of_unbatched(x, size), None
        return reduce(reducer, x, (d,)), None
    prim.batch = batch
    return prim


psum_p = _defreducer("psum", "reduce_sum", lambda x, n: mul(x, const(n, x)))
deflinear(psum_p, lambda g, x, *, out, axis_name: [bind(psum_p, g, axis_name=axis_name)])

pmax_p = _defreducer("pmax", "reduce_max", lambda x, n: x)
pmin_p = _defreducer("pmin", "reduce_min", lambda x, n: x)


def _extremum_weights(x, out, axis_name):
    """1/count for the examples that attain the max/min, 0 for the others (ties share the
    derivative, as in ``reduce_max``)."""
    hits = convert(binary("eq", x, out), dtype_of(x))
    return div(hits, bind(psum_p, hits, axis_name=axis_name))


def _defextremum_derivatives(prim):
    """d pmax(x) = psum(w * dx) with the weights above; its transpose gives each example
    ``w * psum(g)``. (JAX has no derivative for pmax/pmin; this one is reduce_max's.)"""
    def jvp(tangents, primals, out, *, axis_name):
        w = _extremum_weights(primals[0], out, axis_name)
        return bind(psum_p, mul(instantiate(tangents[0], primals[0]), w), axis_name=axis_name)

    def vjp(g, x, *, out, axis_name):
        return [mul(_extremum_weights(x, out, axis_name), bind(psum_p, g, axis_name=axis_name))]
    prim.jvp, prim.vjp = jvp, vjp


for _prim in (pmax_p, pmin_p):
    _defextremum_derivatives(_prim)


# -- all_gather: every example's value, stacked along a new axis ----------------------------------


def _all_gather_rule(x, *, axis_name, axis, axis_size):
    if not 0 <= axis <= x.ndim:
        raise shape_error("all_gather", f"axis {axis} is out of range for a {x.ndim}-d operand", x.shape)
    return Aval(x.shape[:axis] + (axis_size,) + x.shape[axis:], x.dtype)


all_gather_p = _collective("all_gather", _all_gather_rule)


def _all_gather_batch(args, dims, size, *, axis_name, axis, axis_size):
    (x,), (d,) = args, dims
    if not _resolving(axis_name):
        return bind(all_gather_p, move_axis(x, d, 0), axis_name=axis_name, axis=axis + 1,
                    axis_size=axis_size), 0
    if d is None:  # the same value from every example
        s = shape_of(x)
        return broadcast_to(reshape(x, s[:axis] + (1,) + s[axis:]), s[:axis] + (size,) + s[axis:]), None
    return move_axis(x, d, axis), None  # the batch axis is the gathered axis


def _all_gather_transpose(g, x, *, out, axis_name, axis, axis_size):
    """Each example's cotangent is its slice of the cotangents summed over the examples."""
    total = bind(psum_p, g, axis_name=axis_name)
    starts = [np.int32(0)] * ndim_of(g)
    starts[axis] = bind(axis_index_p, axis_name=axis_name)
    sizes = list(shape_of(g))
    sizes[axis] = 1
    return [reshape(dynamic_slice(total, starts, sizes), shape_of(x))]


all_gather_p.batch = _all_gather_batch
deflinear(all_gather_p, _all_gather_transpose)


# -- axis_index: each example's position along the mapped axis ------------------------------------

axis_index_p = _collective("axis_index", lambda *, axis_name: Aval((), np.int32))


def _axis_index_batch(args, dims, size, *, axis_name):
    if not _resolving(axis_name):
        return bind(axis_index_p, axis_name=axis_name), None
    return np.arange(size, dtype=np.int32), 0


axis_index_p.batch = _axis_index_batch
no_derivative(axis_index_p)
