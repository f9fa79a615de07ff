"""``fd.tree``: short names for the pytree utilities, as ``jax.tree``.

Each name is the :mod:`funcdl.tree_util` function it stands for (same
signature, semantics and docstring): ``map`` is ``tree_map``, ``leaves`` is
``tree_leaves``, ``structure``, ``flatten``, ``unflatten``, ``transpose``,
``reduce``, ``all``, ``map_with_path``, ``leaves_with_path`` and
``flatten_with_path`` likewise.

>>> import funcdl as fd
>>> fd.tree.map(lambda x: x * 2, {'a': 1, 'b': (2, None)})
{'a': 2, 'b': (4, None)}
>>> leaves, td = fd.tree.flatten({'b': 2, 'a': [1]})
>>> leaves, td, fd.tree.unflatten(td, [10, 20])
([1, 2], PyTreeDef({'a': [*], 'b': *}), {'a': [10], 'b': 20})
>>> fd.tree.leaves([1, (2, None)]), fd.tree.structure((0, [0]))
([1, 2], PyTreeDef((*, [*])))
>>> fd.tree.transpose(fd.tree.structure([0, 0]), None, [(1, 2), (3, 4)])
([1, 3], [2, 4])
>>> fd.tree.reduce(lambda a, b: a + b, [1, 2, 3], initializer=10), fd.tree.all([1, (True,)])
(16, True)
>>> fd.tree.map_with_path(lambda p, x: fd.tree_util.keystr(p), {'w': [0]})
{'w': ["['w'][0]"]}
>>> fd.tree.leaves_with_path({'w': 5})
[((DictKey(key='w'),), 5)]
>>> fd.tree.flatten_with_path((7,))
([((SequenceKey(idx=0),), 7)], PyTreeDef((*,)))
"""

from .tree_util import (
    tree_all as all,  # noqa: A004  (jax.tree's names shadow builtins on purpose)
    tree_flatten as flatten,
    tree_flatten_with_path as flatten_with_path,
    tree_leaves as leaves,
    tree_leaves_with_path as leaves_with_path,
    tree_map as map,  # noqa: A004
    tree_map_with_path as map_with_path,
    tree_reduce as reduce,
    tree_structure as structure,
    tree_transpose as transpose,
    tree_unflatten as unflatten,
)

__all__ = [
    "all",
    "flatten",
    "flatten_with_path",
    "leaves",
    "leaves_with_path",
    "map",
    "map_with_path",
    "reduce",
    "structure",
    "transpose",
    "unflatten",
]
