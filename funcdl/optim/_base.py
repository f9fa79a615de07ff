"""The optimizer abstraction: ``GradientTransformation(init, update)`` and how to compose them.

Every function here is pure: ``init`` builds a state from the parameters, ``update`` maps
``(updates, state, params)`` to ``(new_updates, new_state)``. States are pytrees of arrays
(NamedTuples), so ``update`` traces under ``grad``/``vmap`` and compiles under ``jit``.
"""
from typing import Any, Callable, NamedTuple

import numpy as np

from .. import numpy as fnp
from ..tree_util import tree_leaves, tree_map


class GradientTransformation(NamedTuple):
    """A pair of pure functions that together define an optimizer (or a piece of one).

    ``state = init(params)``; ``updates, state = update(grads, state, params=None)``. The
    updates are *added* to the parameters by :func:`apply_updates`.

    >>> from funcdl.optim import scale
    >>> t = scale(-0.5)
    >>> updates, _ = t.update({'w': np.array([2.0])}, t.init({'w': np.zeros(1)}))
    >>> updates
    {'w': array([-1.])}
    """
    init: Callable[[Any], Any]
    update: Callable[..., Any]


class EmptyState(NamedTuple):
    """The state of a stateless transformation (a pytree with no leaves).

    >>> EmptyState()
    EmptyState()
    """


_INT32_MAX = int(np.iinfo(np.int32).max)


def zero_count():
    """A step counter: an int32 0-d array holding 0.

    >>> zero_count()
    array(0, dtype=int32)
    """
    return np.zeros((), np.int32)


def safe_increment(count):
    """``count + 1``, saturating at the int32 maximum instead of wrapping around.

    >>> safe_increment(zero_count())
    np.int32(1)
    """
    return fnp.where(count < _INT32_MAX, count + 1, _INT32_MAX)


def identity():
    """The transformation that returns the updates unchanged.

    >>> identity().update({'w': np.array([1.0])}, EmptyState())[0]
    {'w': array([1.])}
    """
    def init(params):
        del params
        return EmptyState()

    def update(updates, state, params=None):
        del params
        return updates, state

    return GradientTransformation(init, update)


def chain(*transforms):
    """Apply ``transforms`` one after the other; the state is the tuple of their states.

    ``chain(f, g).update(u) = g.update(f.update(u))`` (each also sees ``params``).

    >>> from funcdl.optim import scale
    >>> opt = chain(scale(2.0), scale(-0.25))
    >>> opt.update({'w': np.array([4.0])}, opt.init({'w': np.zeros(1)}))[0]
    {'w': array([-2.])}
    """
    transforms = tuple(transforms)
    for i, t in enumerate(transforms):
        if not isinstance(t, GradientTransformation):
            raise TypeError(f"chain: argument {i} is a {type(t).__name__}, expected a "
                            "GradientTransformation (for example optim.scale(-0.1))")

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(updates, state, params=None):
        if len(state) != len(transforms):
            raise ValueError(f"chain: the state has {len(state)} entries for {len(transforms)} "
                             "transformations; was it made by this optimizer's init?")
        new_state = []
        for t, s in zip(transforms, state):
            updates, s = t.update(updates, s, params)
            new_state.append(s)
        return updates, tuple(new_state)

    return GradientTransformation(init, update)


def apply_updates(params, updates):
    """``params + updates`` leafwise, each result keeping its parameter's dtype.

    >>> apply_updates({'w': np.array([1.0], np.float32)}, {'w': np.array([0.5])})
    {'w': array([1.5], dtype=float32)}
    """
    def add(p, u):
        if u is None:
            return p
        p = fnp.asarray(p)
        return fnp.asarray(p + u, dtype=p.dtype)
    return tree_map(add, params, updates)


def global_norm(tree):
    """The Euclidean norm of all leaves together: ``sqrt(sum_leaves sum(x**2))``.

    >>> float(global_norm({'a': np.array([3.0]), 'b': np.array([[4.0]])}))
    5.0
    """
    leaves = tree_leaves(tree)
    if not leaves:
        return np.float64(0.0)
    total = fnp.sum(fnp.square(leaves[0]))
    for x in leaves[1:]:
        total = total + fnp.sum(fnp.square(x))
    return fnp.sqrt(total)


class MaskedState(NamedTuple):
    """The state of :func:`masked`: the inner transformation's state on the masked leaves."""
    inner_state: Any


def _full_mask(mask, tree):
    """The mask (a pytree of bools, a prefix of ``tree``, or ``tree -> mask``) with one
    Python bool per leaf of ``tree``."""
    mask_tree = mask(tree) if callable(mask) else mask

    def expand(m, sub):
        if not isinstance(m, (bool, np.bool_)):
            raise TypeError(f"masked: mask leaves must be Python or numpy booleans, got "
                            f"{type(m).__name__}; a mask selects parameters statically")
        return tree_map(lambda _: bool(m), sub)

    try:
        return tree_map(expand, mask_tree, tree)
    except ValueError as e:
        raise ValueError(f"masked: the mask does not match the parameters' structure: {e}") from None


def _select(full_mask, tree):
    """``tree`` with the leaves where the mask is False replaced by ``None`` (no leaf)."""
    return tree_map(lambda m, x: x if m else None, full_mask, tree)


def masked(inner, mask):
    """Apply ``inner`` only to the leaves where ``mask`` is True; other updates pass unchanged.

    ``mask`` is a pytree of booleans with the parameters' structure (or a prefix of it), or
    a function ``params -> such a pytree``. The inner transformation sees (and keeps state
    for) only the selected leaves.

    >>> from funcdl.optim import scale
    >>> opt = masked(scale(0.0), {'w': True, 'b': False})
    >>> g = {'w': np.array([1.0]), 'b': np.array([1.0])}
    >>> opt.update(g, opt.init(g))[0]
    {'b': array([1.]), 'w': array([0.])}
    """
    def init(params):
        return MaskedState(inner.init(_select(_full_mask(mask, params), params)))

    def update(updates, state, params=None):
        full = _full_mask(mask, updates)
        sub_params = None if params is None else _select(full, params)
        new_sub, inner_state = inner.update(_select(full, updates), state.inner_state, sub_params)
        merged = tree_map(lambda m, new, old: new if m else old, full, new_sub, updates)
        return merged, MaskedState(inner_state)

    return GradientTransformation(init, update)
