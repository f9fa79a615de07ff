"""Pytrees: nested containers whose leaves are arrays (or anything else).

A *pytree* is a nesting of ``tuple``, ``list``, ``dict`` (children in sorted
key order), ``None`` (a node with no children, not a leaf), namedtuples,
``collections.OrderedDict`` (insertion order), and classes registered with
:func:`register_pytree_node` or :func:`register_dataclass`. Container types are
matched exactly: a subclass of ``dict``/``list``/``tuple`` (other than a
namedtuple) that is not registered is a leaf. Every other object is a leaf.

Flattening a pytree gives its leaves in a fixed order and a :class:`PyTreeDef`,
an immutable, hashable description of the containers around them.

>>> leaves, treedef = tree_flatten({'b': (1, 2), 'a': [3, None]})
>>> leaves
[3, 1, 2]
>>> treedef
PyTreeDef({'a': [*, None], 'b': (*, *)})
>>> tree_unflatten(treedef, [30, 10, 20])
{'a': [30, None], 'b': (10, 20)}
"""

import collections as _collections
import dataclasses as _dataclasses
import functools as _functools

__all__ = [
    "PyTreeDef",
    "register_dataclass",
    "register_pytree_node",
    "tree_all",
    "tree_flatten",
    "tree_leaves",
    "tree_map",
    "tree_reduce",
    "tree_structure",
    "tree_unflatten",
]


# ---------------------------------------------------------------------------
# Node kinds
# ---------------------------------------------------------------------------


class _NodeKind:
    """How one container type is taken apart and put back together.

    ``flatten(x) -> (children iterable, aux)``; ``unflatten(aux, children list)
    -> x``; ``fmt(aux, child_strs) -> str`` renders the node in a repr;
    ``key(aux, i) -> str`` renders child ``i`` in an error path.
    """

    __slots__ = ("type", "flatten", "unflatten", "fmt", "key")

    def __init__(self, type_, flatten, unflatten, fmt, key):
        self.type = type_
        self.flatten = flatten
        self.unflatten = unflatten
        self.fmt = fmt
        self.key = key


def _index_key(aux, i):
    return f"[{i}]"


def _dict_key(aux, i):
    return f"[{aux[i]!r}]"


def _fmt_tuple(aux, cs):
    return f"({cs[0]},)" if len(cs) == 1 else "(" + ", ".join(cs) + ")"


def _fmt_dict_items(aux, cs):
    return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(aux, cs)) + "}"


def _flatten_dict(d):
    try:
        keys = tuple(sorted(d))
    except TypeError:
        raise TypeError(
            f"pytree dict keys must be mutually sortable to define the leaf order; "
            f"got keys {list(d)!r}"
        ) from None
    return [d[k] for k in keys], keys


def _flatten_ordered_dict(d):
    return list(d.values()), tuple(d)


_TUPLE = _NodeKind(
    tuple, lambda x: (x, None), lambda aux, ch: tuple(ch), _fmt_tuple, _index_key
)
_LIST = _NodeKind(
    list,
    lambda x: (x, None),
    lambda aux, ch: ch if type(ch) is list else list(ch),
    lambda aux, cs: "[" + ", ".join(cs) + "]",
    _index_key,
)
_DICT = _NodeKind(
    dict,
    _flatten_dict,
    lambda aux, ch: dict(zip(aux, ch)),
    _fmt_dict_items,
    _dict_key,
)
_NONE = _NodeKind(
    type(None), lambda x: ((), None), lambda aux, ch: None, lambda aux, cs: "None", _index_key
)
_ORDERED_DICT = _NodeKind(
    _collections.OrderedDict,
    _flatten_ordered_dict,
    lambda aux, ch: _collections.OrderedDict(zip(aux, ch)),
    lambda aux, cs: "OrderedDict(" + _fmt_dict_items(aux, cs) + ")",
    _dict_key,
)

# type -> _NodeKind for every registered container type (permanent).
_registry = {k.type: k for k in (_TUPLE, _LIST, _DICT, _NONE, _ORDERED_DICT)}

# type -> _NodeKind, or None for a leaf type. Filled lazily; reset whenever the
# registry changes (so a type once seen as a leaf can become a node) and when it
# grows past _KIND_CACHE_LIMIT types (bounds memory for dynamically made types).
_kind_cache = dict(_registry)
_MISSING = object()
_KIND_CACHE_LIMIT = 4096


def _namedtuple_kind(cls):
    fields = cls._fields
    return _NodeKind(
        cls,
        lambda x: (x, None),
        lambda aux, ch: cls(*ch),
        lambda aux, cs: f"{cls.__name__}(" + ", ".join(f"{f}={c}" for f, c in zip(fields, cs)) + ")",
        lambda aux, i: f".{fields[i]}",
    )


def _resolve_kind(t):
    """Slow path of the type -> kind lookup; caches its answer."""
    kind = _registry.get(t)
    if kind is None and issubclass(t, tuple) and isinstance(getattr(t, "_fields", None), tuple):
        kind = _namedtuple_kind(t)
    if len(_kind_cache) >= _KIND_CACHE_LIMIT:
        _kind_cache.clear()
        _kind_cache.update(_registry)
    _kind_cache[t] = kind
    return kind


def _kind_of(t, _get=_kind_cache.get):
    kind = _get(t, _MISSING)
    if kind is _MISSING:
        kind = _resolve_kind(t)
    return kind


# ---------------------------------------------------------------------------
# PyTreeDef
# ---------------------------------------------------------------------------


class PyTreeDef:
    """The structure of a pytree: its containers, with ``*`` for each leaf.

    Immutable (its state lives in private slots with no setters), hashable,
    and equal to another treedef iff both have the same node types, the same
    aux data (dict keys, namedtuple class, dataclass meta fields, ...) and the
    same children structures. Get one from
    :func:`tree_flatten` or :func:`tree_structure`.

    >>> td = tree_structure({'a': 1, 'b': (2, 3)})
    >>> td
    PyTreeDef({'a': *, 'b': (*, *)})
    >>> td.num_leaves
    3
    >>> td == tree_structure({'b': ('x', 'y'), 'a': 0})
    True
    """

    __slots__ = ("_type", "_aux", "_children", "_num_leaves", "_kind", "_hash")

    def __init__(self, kind, aux, children, num_leaves):
        # Internal: built by tree_flatten. ``kind`` is None for a leaf.
        self._kind = kind
        self._type = None if kind is None else kind.type
        self._aux = aux
        self._children = children
        self._num_leaves = num_leaves
        self._hash = None

    @property
    def num_leaves(self):
        """Number of leaves in trees of this structure.

        >>> tree_structure([1, (2, None)]).num_leaves
        2
        """
        return self._num_leaves

    def unflatten(self, leaves):
        """Build a tree of this structure from ``leaves`` (see :func:`tree_unflatten`).

        >>> tree_structure((0, [0])).unflatten(['a', 'b'])
        ('a', ['b'])
        """
        if type(leaves) is not list and type(leaves) is not tuple:
            leaves = list(leaves)
        if len(leaves) != self._num_leaves:
            raise ValueError(
                f"tree_unflatten: treedef {self!r} expects {self._num_leaves} "
                f"leaves, got {len(leaves)}"
            )
        return _unflatten(self, iter(leaves))

    def flatten_up_to(self, tree):
        """Flatten ``tree`` only down to this treedef's leaves.

        This treedef must be a prefix of ``tree``'s structure: each ``*`` here
        takes the whole corresponding subtree of ``tree`` as one value.
        Raises ``ValueError`` naming both structures if ``tree`` does not match.

        >>> tree_structure((0, 0)).flatten_up_to(([1, 2], {'a': 3}))
        [[1, 2], {'a': 3}]
        >>> tree_structure((0, 0)).flatten_up_to([1, 2])
        Traceback (most recent call last):
        ...
        ValueError: flatten_up_to: tree does not match the expected structure at root: expected tuple, got list.
          expected structure (prefix): PyTreeDef((*, *))
          got structure:               PyTreeDef([*, *])
        """
        out = []
        try:
            _flatten_up_to(self, tree, out)
        except _Mismatch as e:
            path = "".join(reversed(e.path)) or "root"
            raise ValueError(
                f"flatten_up_to: tree does not match the expected structure at {path}: "
                f"{e.detail}.\n"
                f"  expected structure (prefix): {self!r}\n"
                f"  got structure:               {tree_structure(tree)!r}"
            ) from None
        return out

    def __eq__(self, other):
        if self is other:
            return True
        if not isinstance(other, PyTreeDef):
            return NotImplemented
        return (
            self._type is other._type
            and self._num_leaves == other._num_leaves
            and (self._hash is None or other._hash is None or self._hash == other._hash)
            and self._aux == other._aux
            and self._children == other._children
        )

    def __hash__(self):
        h = self._hash
        if h is None:
            try:
                aux_hash = hash(self._aux)
            except TypeError as e:
                raise TypeError(
                    f"PyTreeDef is unhashable: the aux data {self._aux!r} of a "
                    f"{self._type.__name__} node is unhashable ({e}); aux data "
                    f"(e.g. dataclass meta fields) must be hashable"
                ) from None
            h = hash((self._type, aux_hash, self._children))
            self._hash = h
        return h

    def __repr__(self):
        return f"PyTreeDef({_fmt(self)})"

    def __reduce__(self):
        return (_rebuild_treedef, (self._type, self._aux, self._children, self._num_leaves))


_make = PyTreeDef  # internal constructor: PyTreeDef(kind, aux, children, num_leaves)
_LEAF = PyTreeDef(None, None, (), 1)
_NONE_TD = PyTreeDef(_NONE, None, (), 0)


def _rebuild_treedef(type_, aux, children, num_leaves):
    if type_ is None:
        return _LEAF
    kind = _kind_of(type_)
    if kind is None:
        raise ValueError(f"cannot rebuild PyTreeDef: {type_!r} is not a registered pytree node")
    return _make(kind, aux, children, num_leaves)


def _fmt(td):
    if td._kind is None:
        return "*"
    return td._kind.fmt(td._aux, [_fmt(c) for c in td._children])


# ---------------------------------------------------------------------------
# Core recursions
# ---------------------------------------------------------------------------


def _flatten(x, leaves, _get=_kind_cache.get, _missing=_MISSING, _leaf=_LEAF, _none=_NONE_TD):
    t = type(x)
    kind = _get(t, _missing)
    if kind is _missing:
        kind = _resolve_kind(t)
    if kind is None:
        leaves.append(x)
        return _leaf
    if kind is _NONE:
        return _none
    start = len(leaves)
    children, aux = kind.flatten(x)
    defs = []
    for c in children:
        ck = _get(type(c), _missing)
        if ck is None:  # leaf child: skip the recursive call
            leaves.append(c)
            defs.append(_leaf)
        else:
            defs.append(_flatten(c, leaves))
    return _make(kind, aux, tuple(defs), len(leaves) - start)


def _flatten_is_leaf(x, leaves, is_leaf):
    if is_leaf(x):
        leaves.append(x)
        return _LEAF
    kind = _kind_of(type(x))
    if kind is None:
        leaves.append(x)
        return _LEAF
    start = len(leaves)
    children, aux = kind.flatten(x)
    defs = tuple([_flatten_is_leaf(c, leaves, is_leaf) for c in children])
    return _make(kind, aux, defs, len(leaves) - start)


def _leaves(x, out, _get=_kind_cache.get, _missing=_MISSING):
    kind = _get(type(x), _missing)
    if kind is _missing:
        kind = _resolve_kind(type(x))
    if kind is None:
        out.append(x)
    elif kind is not _NONE:
        for c in kind.flatten(x)[0]:
            ck = _get(type(c), _missing)
            if ck is None:
                out.append(c)
            else:
                _leaves(c, out)


def _leaves_is_leaf(x, out, is_leaf):
    if is_leaf(x):
        out.append(x)
        return
    kind = _kind_of(type(x))
    if kind is None:
        out.append(x)
    else:
        for c in kind.flatten(x)[0]:
            _leaves_is_leaf(c, out, is_leaf)


def _unflatten(td, it):
    kind = td._kind
    if kind is None:
        return next(it)
    return kind.unflatten(
        td._aux, [next(it) if c._kind is None else _unflatten(c, it) for c in td._children]
    )


class _Mismatch(Exception):
    def __init__(self, detail):
        self.detail = detail
        self.path = []


def _describe(x):
    try:
        n = len(x)
    except TypeError:
        return type(x).__name__
    return f"{type(x).__name__} of length {n}"


def _flatten_up_to(td, x, out):
    kind = td._kind
    if kind is None:
        out.append(x)
        return
    if type(x) is not td._type:
        raise _Mismatch(f"expected {td._type.__name__}, got {type(x).__name__}")
    children, aux = kind.flatten(x)
    children = list(children)
    if aux != td._aux:
        if td._type is dict or td._type is _collections.OrderedDict:
            detail = f"expected keys {list(td._aux)!r}, got keys {list(aux)!r}"
        else:
            detail = f"expected {td._type.__name__} with aux data {td._aux!r}, got {aux!r}"
        raise _Mismatch(detail)
    if len(children) != len(td._children):
        raise _Mismatch(
            f"expected {td._type.__name__} with {len(td._children)} children, "
            f"got {_describe(x) if kind in (_TUPLE, _LIST) else len(children)}"
        )
    i = 0
    for c, ctd in zip(children, td._children):
        if ctd._kind is None:
            out.append(c)
        else:
            try:
                _flatten_up_to(ctd, c, out)
            except _Mismatch as e:
                e.path.append(kind.key(aux, i))
                raise
        i += 1


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def tree_flatten(tree, is_leaf=None):
    """Return ``(leaves, treedef)`` for ``tree``.

    ``is_leaf(x) -> bool``, if given, is asked about every subtree before its
    type is looked at; a ``True`` answer makes that subtree a leaf.

    >>> tree_flatten({'b': 2, 'a': (1, None)})
    ([1, 2], PyTreeDef({'a': (*, None), 'b': *}))
    >>> tree_flatten([(1, 2), 3], is_leaf=lambda x: isinstance(x, tuple))
    ([(1, 2), 3], PyTreeDef([*, *]))
    """
    leaves = []
    if is_leaf is None:
        treedef = _flatten(tree, leaves)
    else:
        treedef = _flatten_is_leaf(tree, leaves, is_leaf)
    return leaves, treedef


def tree_leaves(tree, is_leaf=None):
    """Return the leaves of ``tree`` as a list, in flattening order.

    >>> tree_leaves({'b': [2, 3], 'a': 1, 'c': None})
    [1, 2, 3]
    """
    out = []
    if is_leaf is None:
        _leaves(tree, out)
    else:
        _leaves_is_leaf(tree, out, is_leaf)
    return out


def tree_structure(tree, is_leaf=None):
    """Return the :class:`PyTreeDef` of ``tree``.

    >>> tree_structure((1, [2, {'k': 3}]))
    PyTreeDef((*, [*, {'k': *}]))
    """
    return tree_flatten(tree, is_leaf)[1]


def tree_unflatten(treedef, leaves):
    """Build a tree of structure ``treedef`` whose leaves are ``leaves``.

    Raises ``ValueError`` if ``leaves`` has the wrong length.

    >>> leaves, td = tree_flatten({'a': 1, 'b': [2, 3]})
    >>> tree_unflatten(td, [10, 20, 30])
    {'a': 10, 'b': [20, 30]}
    >>> tree_unflatten(td, [10])
    Traceback (most recent call last):
    ...
    ValueError: tree_unflatten: treedef PyTreeDef({'a': *, 'b': [*, *]}) expects 3 leaves, got 1
    """
    return treedef.unflatten(leaves)


def tree_map(f, tree, *rest, is_leaf=None):
    """Apply ``f`` leafwise: ``f(leaf, *matching_leaves_of_rest)``.

    Each tree in ``rest`` must have ``tree``'s structure, or one that
    ``tree``'s structure is a prefix of (then ``f`` gets whole subtrees);
    otherwise ``ValueError`` is raised naming both structures.

    >>> tree_map(lambda x: x * 2, {'a': 1, 'b': (2, None)})
    {'a': 2, 'b': (4, None)}
    >>> tree_map(lambda x, y: x + y, [1, 2], [10, 20])
    [11, 22]
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    if not rest:
        return _unflatten(treedef, iter([f(x) for x in leaves]))
    others = []
    for i, r in enumerate(rest, 1):
        try:
            others.append(treedef.flatten_up_to(r))
        except ValueError as e:
            raise ValueError(f"tree_map: tree argument {i} does not match the first tree: {e}") from None
    return _unflatten(treedef, iter([f(*xs) for xs in zip(leaves, *others)]))


def tree_all(tree, is_leaf=None):
    """Return ``True`` iff every leaf of ``tree`` is truthy.

    >>> tree_all([True, (1, None)])
    True
    >>> tree_all({'a': True, 'b': 0})
    False
    """
    return all(tree_leaves(tree, is_leaf))


_NO_INITIALIZER = object()


def tree_reduce(f, tree, initializer=_NO_INITIALIZER, is_leaf=None):
    """Fold ``f(acc, leaf)`` over the leaves of ``tree``, like ``functools.reduce``.

    >>> tree_reduce(lambda a, b: a + b, {'a': 1, 'b': [2, 3]})
    6
    >>> tree_reduce(max, [], initializer=0)
    0
    """
    leaves = tree_leaves(tree, is_leaf)
    if initializer is _NO_INITIALIZER:
        return _functools.reduce(f, leaves)
    return _functools.reduce(f, leaves, initializer)


def _register(kind):
    if kind.type in _registry:
        raise ValueError(f"{kind.type!r} is already registered as a pytree node type")
    _registry[kind.type] = kind
    _kind_cache.clear()
    _kind_cache.update(_registry)


def register_pytree_node(cls, flatten_fn, unflatten_fn):
    """Make instances of ``cls`` pytree nodes.

    ``flatten_fn(obj) -> (children, aux_data)``; ``unflatten_fn(aux_data,
    children) -> obj``. ``aux_data`` is stored in the treedef, so it must be
    hashable and comparable. Only exact instances of ``cls`` match (not
    subclasses). Registering a type twice raises ``ValueError``.

    >>> class Pair:
    ...     def __init__(self, a, b, name):
    ...         self.a, self.b, self.name = a, b, name
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), p.name),
    ...                      lambda name, ch: Pair(*ch, name))
    >>> leaves, td = tree_flatten(Pair(1, [2], 'p'))
    >>> leaves, td
    ([1, 2], PyTreeDef(Pair[aux='p'](*, [*])))
    >>> tree_unflatten(td, [5, 6]).b
    [6]
    """
    if not isinstance(cls, type):
        raise TypeError(f"register_pytree_node: expected a class, got {cls!r}")
    name = cls.__name__

    def fmt(aux, cs):
        return f"{name}[aux={aux!r}](" + ", ".join(cs) + ")"

    _register(_NodeKind(cls, flatten_fn, unflatten_fn, fmt, _index_key))


def register_dataclass(cls=None, data_fields=None, meta_fields=None):
    """Register a dataclass as a pytree node; usable as a decorator.

    ``data_fields`` are children (leaves or subtrees); ``meta_fields`` go in the
    treedef's aux data and must be hashable. By default every ``init`` field
    is a data field; if only one list is given, the other gets the remaining
    ``init`` fields. Rebuilding calls ``cls(**fields)``. Returns ``cls``.

    >>> import dataclasses
    >>> @register_dataclass
    ... @dataclasses.dataclass
    ... class Point:
    ...     x: object
    ...     y: object
    >>> tree_map(lambda v: v + 1, Point(1, 2))
    Point(x=2, y=3)
    >>> @dataclasses.dataclass
    ... class Layer:
    ...     w: object
    ...     act: str
    >>> _ = register_dataclass(Layer, data_fields=['w'], meta_fields=['act'])
    >>> tree_flatten(Layer(w=1.5, act='relu'))
    ([1.5], PyTreeDef(Layer(w=*, act='relu')))
    """
    if cls is None:
        return lambda c: register_dataclass(c, data_fields, meta_fields)
    if not (isinstance(cls, type) and _dataclasses.is_dataclass(cls)):
        raise TypeError(f"register_dataclass: {cls!r} is not a dataclass type")
    init_fields = [f.name for f in _dataclasses.fields(cls) if f.init]
    if data_fields is None and meta_fields is None:
        data_fields, meta_fields = init_fields, []
    elif data_fields is None:
        meta_fields = list(meta_fields)
        data_fields = [n for n in init_fields if n not in meta_fields]
    elif meta_fields is None:
        data_fields = list(data_fields)
        meta_fields = [n for n in init_fields if n not in data_fields]
    data_fields, meta_fields = tuple(data_fields), tuple(meta_fields)
    if set(data_fields) & set(meta_fields):
        raise ValueError(
            f"register_dataclass: fields {sorted(set(data_fields) & set(meta_fields))} "
            f"are both data and meta fields"
        )
    if sorted(data_fields + meta_fields) != sorted(init_fields) or len(set(data_fields + meta_fields)) != len(
        data_fields + meta_fields
    ):
        raise ValueError(
            f"register_dataclass: data_fields {list(data_fields)} + meta_fields "
            f"{list(meta_fields)} must list each init field of {cls.__name__} "
            f"exactly once: {init_fields}"
        )
    name = cls.__name__

    if meta_fields:

        def flatten(obj):
            meta = tuple([getattr(obj, n) for n in meta_fields])
            try:
                hash(meta)
            except TypeError:
                raise TypeError(
                    f"{name}: meta fields {list(meta_fields)} must be hashable, got {meta!r}"
                ) from None
            return [getattr(obj, n) for n in data_fields], meta

        def unflatten(meta, children):
            kwargs = dict(zip(data_fields, children))
            kwargs.update(zip(meta_fields, meta))
            return cls(**kwargs)

    else:

        def flatten(obj):
            return [getattr(obj, n) for n in data_fields], ()

        def unflatten(meta, children):
            return cls(**dict(zip(data_fields, children)))

    def fmt(meta, cs):
        parts = [f"{n}={c}" for n, c in zip(data_fields, cs)]
        parts += [f"{n}={v!r}" for n, v in zip(meta_fields, meta)]
        return f"{name}(" + ", ".join(parts) + ")"

    _register(_NodeKind(cls, flatten, unflatten, fmt, lambda meta, i: f".{data_fields[i]}"))
    return cls
