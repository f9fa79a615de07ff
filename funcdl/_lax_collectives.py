"""``funcdl.lax``'s collectives over named axes, with JAX's semantics under ``vmap``.

``vmap(f, axis_name="i")`` binds the name ``"i"`` to its mapped axis while ``f`` runs; inside,
``psum(x, "i")`` is the sum of ``x`` over the examples (the same for each), ``all_gather`` every
example's ``x``, ``axis_index("i")`` each example's position. ``axis_name`` may be a tuple of
names (of nested vmaps) to work over all of them at once. Operands are pytrees of arrays.
A value that does not depend on the mapped axis counts once per example:
``psum(1.0, "i")`` is the axis size.

>>> import funcdl as fd, numpy as np
>>> fd.vmap(lambda x: x - fd.lax.pmean(x, "i"), axis_name="i")(np.array([1.0, 2.0, 6.0]))
array([-2., -1.,  3.])
"""
import math

import numpy as np

from . import numpy as fnp
from . import tree_util
from .core import aval_of, axis_size as _bound_size, bind
from .primitives.collectives import all_gather_p, axis_index_p, pmax_p, pmin_p, psum_p

__all__ = ["all_gather", "axis_index", "axis_size", "pmax", "pmean", "pmin", "psum"]


def _names(op, axis_name):
    """``axis_name`` as a tuple of names, each bound by an enclosing vmap (else NameError)."""
    names = tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)
    for name in names:
        _bound_size(name, op)
    return names


def _leaf(x):
    return x if hasattr(x, "aval") else fnp.asarray(x)


def _reduce_over(prim, op, x, axis_name):
    names = _names(op, axis_name)

    def one(leaf):
        leaf = _leaf(leaf)
        for name in names:
            leaf = bind(prim, leaf, axis_name=name)
        return leaf
    return tree_util.tree_map(one, x)


def axis_size(axis_name):
    """The size of the mapped axis bound to ``axis_name`` (a tuple of names: the product).

    >>> import funcdl as fd, numpy as np
    >>> fd.vmap(lambda x: x * fd.lax.axis_size("i"), axis_name="i")(np.ones(3))
    array([3., 3., 3.])
    """
    return math.prod(_bound_size(n, "lax.axis_size") for n in _names("lax.axis_size", axis_name))


def psum(x, axis_name):
    """The sum of ``x`` (a pytree) over the mapped axis ``axis_name`` (or a tuple of names):
    every example gets the total. A value that is the same for every example is summed once
    per example (``axis_size * x``). Linear, and its own transpose (as in JAX).

    >>> import funcdl as fd, numpy as np
    >>> fd.vmap(lambda x: fd.lax.psum(x, "i"), axis_name="i")(np.array([1.0, 2.0, 3.0]))
    array([6., 6., 6.])
    """
    return _reduce_over(psum_p, "lax.psum", x, axis_name)


def pmean(x, axis_name):
    """The mean of ``x`` (a pytree) over the mapped axis or axes: ``psum(x) / axis_size``.

    >>> import funcdl as fd, numpy as np
    >>> fd.vmap(lambda x: fd.lax.pmean(x, "i"), axis_name="i")(np.array([1.0, 2.0, 6.0]))
    array([3., 3., 3.])
    """
    n = math.prod(_bound_size(name, "lax.pmean") for name in _names("lax.pmean", axis_name))
    return tree_util.tree_map(lambda s: fnp.true_divide(s, n), psum(x, axis_name))


def pmax(x, axis_name):
    """The maximum of ``x`` (a pytree) over the mapped axis or axes. Differentiable, inside
    the vmap and out: tied examples share the derivative (JAX has no derivative here).

    >>> import funcdl as fd, numpy as np
    >>> fd.vmap(lambda x: fd.lax.pmax(x, "i"), axis_name="i")(np.array([1.0, 5.0, 3.0]))
    array([5., 5., 5.])
    """
    return _reduce_over(pmax_p, "lax.pmax", x, axis_name)


def pmin(x, axis_name):
    """The minimum of ``x`` (a pytree) over the mapped axis or axes (see :func:`pmax`).

    >>> import funcdl as fd, numpy as np
    >>> fd.vmap(lambda x: fd.lax.pmin(x, "i"), axis_name="i")(np.array([4.0, 2.0, 3.0]))
    array([2., 2., 2.])
    """
    return _reduce_over(pmin_p, "lax.pmin", x, axis_name)


def all_gather(x, axis_name, *, axis=0, tiled=False):
    """Every example's ``x`` (a pytree), stacked along a new axis ``axis`` in example order
    (over a tuple of names: the first name is the major one), or concatenated along the
    existing ``axis`` with ``tiled=True``. Linear; its transpose gives each example its slice
    of the summed cotangent.

    >>> import funcdl as fd, numpy as np
    >>> fd.vmap(lambda x: fd.lax.all_gather(x, "i"), axis_name="i")(np.array([1.0, 2.0]))
    array([[1., 2.],
           [1., 2.]])
    >>> fd.vmap(lambda x: fd.lax.all_gather(x, "i", tiled=True), axis_name="i")(np.ones((2, 3))).shape
    (2, 6)
    """
    names = _names("lax.all_gather", axis_name)
    sizes = [_bound_size(n, "lax.all_gather") for n in names]

    def one(leaf):
        leaf = _leaf(leaf)
        shape = aval_of(leaf).shape
        ndim = len(shape)
        limit = ndim if tiled else ndim + 1
        if not -limit <= axis < limit:
            raise ValueError(f"lax.all_gather: axis {axis} is out of range for an operand of shape {shape}"
                             f"{' (tiled)' if tiled else ''}")
        ax = axis % limit
        out = leaf
        for name, size in reversed(list(zip(names, sizes))):  # the first name ends up major
            out = bind(all_gather_p, out, axis_name=name, axis=ax, axis_size=size)
        total = math.prod(sizes)
        if tiled:
            return fnp.reshape(out, shape[:ax] + (total * shape[ax],) + shape[ax + 1:])
        if len(names) > 1:
            return fnp.reshape(out, shape[:ax] + (total,) + shape[ax:])
        return out
    return tree_util.tree_map(one, x)


def axis_index(axis_name):
    """Each example's index (int32) along the mapped axis ``axis_name``; over a tuple of names,
    the index into their flattened product (the first name major).

    >>> import funcdl as fd, numpy as np
    >>> fd.vmap(lambda x: fd.lax.axis_index("i"), axis_name="i")(np.zeros(3))
    array([0, 1, 2], dtype=int32)
    """
    names = _names("lax.axis_index", axis_name)
    index = None
    for name in names:
        i = bind(axis_index_p, axis_name=name)
        index = i if index is None else index * np.int32(_bound_size(name, "lax.axis_index")) + i
    return index
