"""``funcdl.lax``'s collectives over named axes, with JAX's semantics under ``vmap``.

``vmap(f, axis_name="i")`` binds the name ``"i"`` to its mapped axis while ``f`` runs; inside,
``psum(x, "i")`` is the sum of ``x`` over the examples (the same for each), ``all_gather`` every
example's ``x``, ``axis_index("i")`` each example's position. ``axis_name`` may be a tuple of
names (of nested vmaps) to work over all of them at once. Operands are pytrees of arrays.
A value that does not depend on the mapped axis counts once per example:
``psum(1.0, "i")`` is the axis size. ``psum_scatter``, ``ppermute``, ``pshuffle``,
``pbroadcast``, ``all_to_all`` and ``pswapaxes`` are composed of those three (and slicing).

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
from .primitives.dynamic_slicing import dynamic_slice

__all__ = ["all_gather", "all_to_all", "axis_index", "axis_size", "pbroadcast", "pmax", "pmean",
           "pmin", "ppermute", "pshuffle", "psum", "psum_scatter", "pswapaxes"]


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


# -- composed collectives: each a few ops on psum / all_gather / axis_index, so their
#    derivatives and batching are those of the pieces ------------------------------------------


def _no_groups(op, axis_index_groups):
    if axis_index_groups is not None:
        raise ValueError(f"{op}: axis_index_groups is not supported under vmap (nor is it in JAX); "
                         f"split the mapped axis with a nested vmap and name the inner one instead")


def _chunk(x, index, size, axis):
    """``x[..., index * size : (index + 1) * size, ...]`` along ``axis`` (``index`` traced)."""
    shape = aval_of(x).shape
    starts = [np.int32(0)] * len(shape)
    starts[axis] = index * np.int32(size)
    sizes = list(shape)
    sizes[axis] = size
    return dynamic_slice(x, starts, sizes)


def _split_size(op, shape, axis, n, tiled):
    """The chunk size when ``shape[axis]`` is split over ``n`` examples (checked)."""
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"{op}: axis {axis} is out of range for an operand of shape {shape}")
    d = shape[axis]
    if tiled and d % n or not tiled and d != n:
        need = f"a multiple of the axis size {n}" if tiled else f"the axis size {n} (or pass tiled=True)"
        raise ValueError(f"{op}: axis {axis} of the operand (shape {shape}) has size {d}; it must be {need}")
    return d // n if tiled else 1


def psum_scatter(x, axis_name, *, scatter_dimension=0, axis_index_groups=None, tiled=False):
    """``psum(x)`` left scattered over the examples: example ``i`` keeps the ``i``-th slice of
    the sum along ``scatter_dimension`` (whose size must be the axis size; with ``tiled=True``
    a multiple of it, each example keeping its block).

    >>> import funcdl as fd, numpy as np
    >>> fd.vmap(lambda x: fd.lax.psum_scatter(x, "i"), axis_name="i")(np.arange(4.0).reshape(2, 2))
    array([2., 4.])
    """
    _no_groups("lax.psum_scatter", axis_index_groups)
    n, i = axis_size(axis_name), axis_index(axis_name)

    def one(leaf):
        leaf = _leaf(leaf)
        shape = aval_of(leaf).shape
        size = _split_size("lax.psum_scatter", shape, scatter_dimension, n, tiled)
        d = scatter_dimension % len(shape)
        part = _chunk(psum(leaf, axis_name), i, size, d)
        return part if tiled else fnp.squeeze(part, d)
    return tree_util.tree_map(one, x)


def ppermute(x, axis_name, perm):
    """Each example ``dst`` receives the ``x`` of example ``src`` for every pair ``(src, dst)``
    of ``perm`` (each source and destination at most once); examples no pair sends to
    receive zeros.

    >>> import funcdl as fd, numpy as np
    >>> shift = lambda x: fd.lax.ppermute(x, "i", [(0, 1), (1, 2), (2, 0)])
    >>> fd.vmap(shift, axis_name="i")(np.array([1.0, 2.0, 3.0]))
    array([3., 1., 2.])
    """
    n = axis_size(axis_name)
    pairs = [tuple(int(k) for k in pair) for pair in perm]
    sources = np.full(n, -1, np.int32)
    for src, dst in pairs:
        if not (0 <= src < n and 0 <= dst < n):
            raise ValueError(f"lax.ppermute: the pair {(src, dst)} of perm is out of range for the "
                             f"axis size {n}")
        if sources[dst] >= 0 or sum(s == src for s, _ in pairs) > 1:
            raise ValueError(f"lax.ppermute: perm {pairs} sends from or to an example more than once; "
                             f"each index may be a source once and a destination once")
        sources[dst] = src
    src = fnp.squeeze(_chunk(sources, axis_index(axis_name), 1, 0), 0)  # this example's source

    def one(leaf):
        leaf = _leaf(leaf)
        got = fnp.squeeze(_chunk(all_gather(leaf, axis_name), fnp.maximum(src, 0), 1, 0), 0)
        return got if (sources >= 0).all() else fnp.where(src >= 0, got, fnp.zeros_like(got))
    return tree_util.tree_map(one, x)


def pshuffle(x, axis_name, perm):
    """Example ``i`` receives the ``x`` of example ``perm[i]`` (``perm``: a permutation of the
    axis's indices).

    >>> import funcdl as fd, numpy as np
    >>> fd.vmap(lambda x: fd.lax.pshuffle(x, "i", [2, 0, 1]), axis_name="i")(np.array([1.0, 2.0, 3.0]))
    array([3., 1., 2.])
    """
    perm = [int(k) for k in perm]
    if sorted(perm) != list(range(axis_size(axis_name))):
        raise ValueError(f"lax.pshuffle: perm {perm} is not a permutation of the "
                         f"{axis_size(axis_name)} indices of axis {axis_name!r}")
    return ppermute(x, axis_name, [(src, dst) for dst, src in enumerate(perm)])


def pbroadcast(x, axis_name, source):
    """Every example receives the ``x`` of example ``source``.

    >>> import funcdl as fd, numpy as np
    >>> fd.vmap(lambda x: fd.lax.pbroadcast(x, "i", 1), axis_name="i")(np.array([1.0, 2.0, 3.0]))
    array([2., 2., 2.])
    """
    n = axis_size(axis_name)
    if not 0 <= int(source) < n:
        raise ValueError(f"lax.pbroadcast: source {source} is out of range for the axis size {n}")
    return tree_util.tree_map(lambda leaf: all_gather(_leaf(leaf), axis_name)[int(source)], x)


def all_to_all(x, axis_name, split_axis, concat_axis, *, axis_index_groups=None, tiled=False):
    """Exchange blocks between the examples: ``x``'s ``split_axis`` is split into one block per
    example (its size must be the axis size, or a multiple with ``tiled=True``); example ``i``
    receives block ``i`` of every example, stacked in example order as a new axis at
    ``concat_axis`` in place of the split one (``tiled``: concatenated along ``concat_axis``).

    >>> import funcdl as fd, numpy as np
    >>> swap = lambda x: fd.lax.all_to_all(x, "i", 0, 0)
    >>> fd.vmap(swap, axis_name="i")(np.arange(4.0).reshape(2, 2))  # a transpose
    array([[0., 2.],
           [1., 3.]])
    """
    _no_groups("lax.all_to_all", axis_index_groups)
    n, i = axis_size(axis_name), axis_index(axis_name)

    def one(leaf):
        leaf = _leaf(leaf)
        shape = aval_of(leaf).shape
        size = _split_size("lax.all_to_all", shape, split_axis, n, tiled)
        split = split_axis % len(shape)
        if not -len(shape) <= concat_axis < len(shape):
            raise ValueError(f"lax.all_to_all: concat_axis {concat_axis} is out of range for an "
                             f"operand of shape {shape}")
        concat = concat_axis % len(shape)
        blocks = _chunk(all_gather(leaf, axis_name), i, size, split + 1)  # (n,) + block shape
        if not tiled:
            return fnp.moveaxis(fnp.squeeze(blocks, split + 1), 0, concat)
        block = aval_of(blocks).shape[1:]
        joined = fnp.moveaxis(blocks, 0, concat)
        return fnp.reshape(joined, block[:concat] + (n * block[concat],) + block[concat + 1:])
    return tree_util.tree_map(one, x)


def pswapaxes(x, axis_name, axis, *, axis_index_groups=None):
    """Swap the mapped axis with the operand's ``axis`` (whose size must be the axis size):
    ``all_to_all(x, axis_name, axis, axis)``.

    >>> import funcdl as fd, numpy as np
    >>> fd.vmap(lambda x: fd.lax.pswapaxes(x, "i", 0), axis_name="i")(np.arange(4.0).reshape(2, 2))
    array([[0., 2.],
           [1., 3.]])
    """
    _no_groups("lax.pswapaxes", axis_index_groups)
    return all_to_all(x, axis_name, axis, axis)
