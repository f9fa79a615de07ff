"""Pytrees: nested containers whose leaves are arrays (or anything else).

A *pytree* is a nesting of ``tuple``, ``list``, ``dict`` (children in sorted
key order), ``None`` (a node with no children, not a leaf), namedtuples,
``collections.OrderedDict`` (insertion order), and classes registered with
:func:`register_pytree_node`, :func:`register_pytree_with_keys` or
:func:`register_dataclass`. Container types are matched exactly: a subclass of
``dict``/``list``/``tuple`` (other than a namedtuple) that is not registered is a
leaf. Every other object is a leaf.

Flattening a pytree gives its leaves in a fixed order and a :class:`PyTreeDef`,
an immutable, hashable description of the containers around them.

>>> leaves, treedef = tree_flatten({'b': (1, 2), 'a': [3, None]})
>>> leaves
[3, 1, 2]
>>> treedef
PyTreeDef({'a': [*, None], 'b': (*, *)})
>>> tree_unflatten(treedef, [30, 10, 20])
{'a': [30, None], 'b': (10, 20)}

Each leaf also has a *key path*, the tuple of keys leading to it from the root
(JAX's key-path API): :class:`SequenceKey` for tuple and list positions,
:class:`DictKey` for dict keys, :class:`GetAttrKey` for namedtuple and
dataclass fields, :class:`FlattenedIndexKey` for the children of custom nodes
registered without keys. :func:`keystr` renders one.

>>> [keystr(p) for p, _ in tree_leaves_with_path({'b': (1, 2), 'a': [3, None]})]
["['a'][0]", "['b'][0]", "['b'][1]"]

Internally every container type has one entry in a table of node kinds (how to
take it apart, with or without keys, and how to rebuild it), and one recursion,
:func:`_walk`, takes every tree apart for all the flattening functions.
"""

import collections as _collections
import dataclasses as _dataclasses
import functools as _functools

__all__ = [
    "DictKey",
    "FlattenedIndexKey",
    "GetAttrKey",
    "PyTreeDef",
    "SequenceKey",
    "keystr",
    "register_dataclass",
    "register_pytree_node",
    "register_pytree_with_keys",
    "tree_all",
    "tree_flatten",
    "tree_flatten_with_path",
    "tree_leaves",
    "tree_leaves_with_path",
    "tree_map",
    "tree_map_with_path",
    "tree_reduce",
    "tree_structure",
    "tree_transpose",
    "tree_unflatten",
]


# ---------------------------------------------------------------------------
# Key path entries
# ---------------------------------------------------------------------------


@_dataclasses.dataclass(frozen=True, slots=True)
class SequenceKey:
    """The key of a tuple's or list's child: its position. Renders as ``[idx]``.

    >>> SequenceKey(0), str(SequenceKey(0))
    (SequenceKey(idx=0), '[0]')
    """

    idx: int

    def __str__(self):
        return f"[{self.idx!r}]"


@_dataclasses.dataclass(frozen=True, slots=True)
class DictKey:
    """The key of a dict's or OrderedDict's child. Renders as ``[key!r]``.

    >>> DictKey('w'), str(DictKey('w'))
    (DictKey(key='w'), "['w']")
    """

    key: object

    def __str__(self):
        return f"[{self.key!r}]"


@_dataclasses.dataclass(frozen=True, slots=True)
class GetAttrKey:
    """The key of a namedtuple's or dataclass's field. Renders as ``.name``.

    >>> GetAttrKey('mu'), str(GetAttrKey('mu'))
    (GetAttrKey(name='mu'), '.mu')
    """

    name: str

    def __str__(self):
        return f".{self.name}"


@_dataclasses.dataclass(frozen=True, slots=True)
class FlattenedIndexKey:
    """The key of a child of a custom node registered without keys: its index
    among the node's children. Renders as ``[<flat index key>]``.

    >>> FlattenedIndexKey(1), str(FlattenedIndexKey(1))
    (FlattenedIndexKey(key=1), '[<flat index 1>]')
    """

    key: int

    def __str__(self):
        return f"[<flat index {self.key}>]"


_SIMPLE_STR = {
    SequenceKey: lambda k: str(k.idx),
    DictKey: lambda k: str(k.key),
    GetAttrKey: lambda k: k.name,
    FlattenedIndexKey: lambda k: str(k.key),
}


def keystr(keys, *, simple=False, separator=""):
    """Render a key path (a tuple of key entries) as a string.

    Each key is rendered by ``str`` (``['a']``, ``[0]``, ``.name``) and joined
    with ``separator``. ``simple=True`` renders the bare key instead (``a``,
    ``0``, ``name``): more compact, but ambiguous (``0`` may be a position or a
    dict key). Other objects in ``keys`` are rendered by ``str``.

    >>> keystr((DictKey('a'), SequenceKey(0), GetAttrKey('mu')))
    "['a'][0].mu"
    >>> keystr((DictKey('a'), SequenceKey(0)), simple=True, separator='/')
    'a/0'
    >>> keystr(())
    ''
    """
    if simple:
        return separator.join(_SIMPLE_STR.get(type(k), str)(k) for k in keys)
    return separator.join([str(k) for k in keys])


# ---------------------------------------------------------------------------
# Node kinds: the table of container types
# ---------------------------------------------------------------------------


class _NodeKind:
    """How one container type is taken apart and put back together.

    ``flatten(x) -> (children iterable, aux)``; ``flatten_with_keys(x) ->
    (list of (key, child), aux)``, the same children in the same order;
    ``unflatten(aux, children list) -> x``; ``fmt(aux, child_strs) -> str``
    renders the node in a treedef's repr. ``seq`` is true when ``flatten(x)`` is
    ``(x, None)`` (tuples, lists, namedtuples), which lets plain flattening skip
    the call.
    """

    __slots__ = ("type", "flatten", "flatten_with_keys", "unflatten", "fmt", "seq")

    def __init__(self, type_, flatten, flatten_with_keys, unflatten, fmt):
        self.type = type_
        self.flatten = flatten
        self.flatten_with_keys = flatten_with_keys
        self.unflatten = unflatten
        self.fmt = fmt
        self.seq = flatten is _flatten_sequence


def _kind(type_, flatten, unflatten, fmt, keys):
    """A node kind whose keys follow from its aux data: ``keys(aux, n)`` gives
    the keys of a node with ``n`` children."""

    def flatten_with_keys(x):
        children, aux = flatten(x)
        children = list(children)
        return list(zip(keys(aux, len(children)), children)), aux

    return _NodeKind(type_, flatten, flatten_with_keys, unflatten, fmt)


def _sequence_keys(aux, n):
    return map(SequenceKey, range(n))


def _dict_keys(aux, n):
    return map(DictKey, aux)


def _flat_index_keys(aux, n):
    return map(FlattenedIndexKey, range(n))


def _attr_keys(names):
    keys = tuple(map(GetAttrKey, names))
    return lambda aux, n: keys


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
    return list(map(d.__getitem__, keys)), keys


def _flatten_ordered_dict(d):
    return list(d.values()), tuple(d)


def _flatten_sequence(x):
    return x, None


_TUPLE = _kind(tuple, _flatten_sequence, lambda aux, ch: tuple(ch), _fmt_tuple, _sequence_keys)
_LIST = _kind(
    list,
    _flatten_sequence,
    lambda aux, ch: ch if type(ch) is list else list(ch),
    lambda aux, cs: "[" + ", ".join(cs) + "]",
    _sequence_keys,
)
_DICT = _kind(dict, _flatten_dict, lambda aux, ch: dict(zip(aux, ch)), _fmt_dict_items, _dict_keys)
_NONE = _kind(type(None), lambda x: ((), None), lambda aux, ch: None, lambda aux, cs: "None", _sequence_keys)
_ORDERED_DICT = _kind(
    _collections.OrderedDict,
    _flatten_ordered_dict,
    lambda aux, ch: _collections.OrderedDict(zip(aux, ch)),
    lambda aux, cs: "OrderedDict(" + _fmt_dict_items(aux, cs) + ")",
    _dict_keys,
)

# type -> _NodeKind for every registered container type (permanent).
_registry = {k.type: k for k in (_TUPLE, _LIST, _DICT, _NONE, _ORDERED_DICT)}

# type -> _NodeKind, or None for a leaf type. Filled lazily; reset whenever the
# registry changes (so a type once seen as a leaf can become a node) and when it
# grows past _KIND_CACHE_LIMIT types (bounds memory for dynamically made types).
# Never rebound: the recursions below hold its ``get`` as a default argument.
_kind_cache = dict(_registry)
_MISSING = object()
_KIND_CACHE_LIMIT = 4096


def _namedtuple_kind(cls):
    fields = cls._fields
    return _kind(
        cls,
        _flatten_sequence,
        lambda aux, ch: cls(*ch),
        lambda aux, cs: f"{cls.__name__}(" + ", ".join(f"{f}={c}" for f, c in zip(fields, cs)) + ")",
        _attr_keys(fields),
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


def node_kind(t, _get=_kind_cache.get):
    """The registered pytree kind of type ``t``, or None for a leaf type."""
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
        # Internal: built by _walk. ``kind`` is None for a leaf.
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
        Raises ``ValueError`` naming the key path of the first difference and
        both structures if ``tree`` does not match.

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
            path = keystr(reversed(e.path)) or "root"
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
    kind = node_kind(type_)
    if kind is None:
        raise ValueError(f"cannot rebuild PyTreeDef: {type_!r} is not a registered pytree node")
    return _make(kind, aux, children, num_leaves)


def _fmt(td):
    if td._kind is None:
        return "*"
    return td._kind.fmt(td._aux, [_fmt(c) for c in td._children])


# ---------------------------------------------------------------------------
# The recursions: taking a tree apart, rebuilding it, matching it to a treedef
# ---------------------------------------------------------------------------


def _walk(x, leaves, opts=None, path=(),
          _get=_kind_cache.get, _missing=_MISSING, _leaf=_LEAF, _none=_NONE_TD, _none_kind=_NONE):
    """Take ``x`` apart: append its leaves to ``leaves`` and return its treedef.

    This is the one recursion behind every flattening function. ``opts`` is
    ``None`` for plain flattening, or ``(is_leaf, paths)``: ``is_leaf`` (or
    ``None``) is asked about every subtree before its type is looked at, and if
    ``paths`` is a list the key path of each leaf (``path`` is that of ``x``) is
    appended to it and ``is_leaf`` is called as ``is_leaf(path, x)``. Plain
    flattening is jit's dispatch path, so it costs one test per node, skips the
    flatten call of tuples and lists, and appends leaf children without a call.
    """
    if opts is None:
        t = type(x)
        kind = _get(t, _missing)
        if kind is _missing:
            kind = _resolve_kind(t)
        if kind is None:
            leaves.append(x)
            return _leaf
        if kind is _none_kind:
            return _none
        start = len(leaves)
        if kind.seq:
            children, aux = x, None
        else:
            children, aux = kind.flatten(x)
        defs = []
        for c in children:
            if _get(type(c), _missing) is None:  # a leaf child: no recursive call
                leaves.append(c)
                defs.append(_leaf)
            else:
                defs.append(_walk(c, leaves))
        return _make(kind, aux, tuple(defs), len(leaves) - start)
    is_leaf, paths = opts
    if is_leaf is not None and (is_leaf(x) if paths is None else is_leaf(path, x)):
        kind = None
    else:
        kind = _get(type(x), _missing)
        if kind is _missing:
            kind = _resolve_kind(type(x))
    if kind is None:
        leaves.append(x)
        if paths is not None:
            paths.append(path)
        return _leaf
    start = len(leaves)
    if paths is None:
        children, aux = kind.flatten(x)
        defs = [_walk(c, leaves, opts) for c in children]
    else:
        keyed, aux = kind.flatten_with_keys(x)
        defs = [_walk(c, leaves, opts, path + (k,)) for k, c in keyed]
    return _make(kind, aux, tuple(defs), len(leaves) - start)


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
        self.path = []  # key entries, innermost first


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
    for i, (c, ctd) in enumerate(zip(children, td._children)):
        if ctd._kind is None:
            out.append(c)
        else:
            try:
                _flatten_up_to(ctd, c, out)
            except _Mismatch as e:
                e.path.append(kind.flatten_with_keys(x)[0][i][0])
                raise


def _map_leaves(name, f, treedef, columns, rest):
    """``f`` over the zipped ``columns`` (lists with one entry per leaf of
    ``treedef``) and the matching values of each tree in ``rest``; the results
    in ``treedef``'s shape."""
    if not rest and len(columns) == 1:
        return _unflatten(treedef, iter([f(x) for x in columns[0]]))
    others = []
    for i, r in enumerate(rest, 1):
        try:
            others.append(treedef.flatten_up_to(r))
        except ValueError as e:
            raise ValueError(f"{name}: tree argument {i} does not match the first tree: {e}") from None
    return _unflatten(treedef, iter([f(*xs) for xs in zip(*columns, *others)]))


def _path_is_leaf(is_leaf, is_leaf_takes_path):
    """``is_leaf`` as ``_walk`` calls it when collecting paths: ``(path, x) -> bool``."""
    if is_leaf is None or is_leaf_takes_path:
        return is_leaf
    return lambda path, x: is_leaf(x)


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
    return leaves, _walk(tree, leaves, None if is_leaf is None else (is_leaf, None))


def tree_leaves(tree, is_leaf=None):
    """Return the leaves of ``tree`` as a list, in flattening order.

    >>> tree_leaves({'b': [2, 3], 'a': 1, 'c': None})
    [1, 2, 3]
    """
    return tree_flatten(tree, is_leaf)[0]


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


class FlatteningPlan:
    """``flatten`` and ``unflatten`` specialised to one treedef of built-in containers
    (tuples, lists, dicts, None): jit's dispatch path, where taking the same structure
    apart on every call through the general recursion costs more than the call itself.

    ``flatten(tree)`` returns the leaves, or None when ``tree`` does not have exactly
    this structure (then flatten it the general way). ``plan_for`` builds one, or None
    for treedefs with other node kinds.

    >>> plan = plan_for(tree_structure(([1, 2], {'a': 3})))
    >>> plan.flatten(([4, 5], {'a': 6})), plan.flatten(([4], {'a': 6}))
    ([4, 5, 6], None)
    >>> plan.unflatten([7, 8, 9])
    ([7, 8], {'a': 9})
    """

    def __init__(self, treedef, flatten, unflatten):
        self.treedef, self.flatten, self.unflatten = treedef, flatten, unflatten


_PLANNED = {_TUPLE: "tuple", _LIST: "list", _DICT: "dict", _NONE: None}


def plan_for(treedef):
    """The :class:`FlatteningPlan` of ``treedef``, or None if it holds other node kinds."""
    checks, leaves, keys = [], [], []

    def take(td, expr, depth):  # the checks of the node at ``expr``; its rebuilding expression
        kind = td._kind
        if kind is None:
            name = f"v{len(leaves)}"
            checks.append(f"{name} = {expr}")
            checks.append(f"if _get(type({name}), _missing) is not None: return None")
            leaves.append(name)
            return f"l[{len(leaves) - 1}]"
        if kind not in _PLANNED:
            raise LookupError
        if kind is _NONE:
            checks.append(f"if {expr} is not None: return None")
            return "None"
        node = f"n{depth}_{len(checks)}"
        n = len(td._children)
        checks.append(f"{node} = {expr}")
        checks.append(f"if type({node}) is not {_PLANNED[kind]} or len({node}) != {n}: return None")
        if kind is _DICT:
            parts = []
            for key, child in zip(td._aux, td._children):
                keys.append(key)
                k = f"K[{len(keys) - 1}]"
                checks.append(f"if {k} not in {node}: return None")
                parts.append(f"{k}: {take(child, f'{node}[{k}]', depth + 1)}")
            return "{" + ", ".join(parts) + "}"
        parts = [take(child, f"{node}[{i}]", depth + 1) for i, child in enumerate(td._children)]
        if kind is _TUPLE:
            return "(" + "".join(p + ", " for p in parts) + ")"
        return "[" + ", ".join(parts) + "]"

    try:
        rebuilt = take(treedef, "t", 0)
    except LookupError:
        return None
    source = ("def flatten(t):\n" + "".join(f"    {line}\n" for line in checks)
              + f"    return [{', '.join(leaves)}]\n\ndef unflatten(l):\n    return {rebuilt}\n")
    namespace = {"_get": _kind_cache.get, "_missing": _MISSING, "K": keys}
    exec(compile(source, f"<flattening plan {treedef!r}>", "exec"), namespace)  # noqa: S102 - our own text
    return FlatteningPlan(treedef, namespace["flatten"], namespace["unflatten"])


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
    return _map_leaves("tree_map", f, treedef, [leaves], rest)


def tree_flatten_with_path(tree, is_leaf=None, is_leaf_takes_path=False):
    """Like :func:`tree_flatten`, but pair each leaf with its key path.

    Returns ``([(key_path, leaf), ...], treedef)``; a key path is a tuple of
    :class:`SequenceKey`, :class:`DictKey`, :class:`GetAttrKey` and
    :class:`FlattenedIndexKey` entries (``()`` for a leaf at the root). With
    ``is_leaf_takes_path=True``, ``is_leaf`` is called as ``is_leaf(path, x)``.

    >>> pairs, td = tree_flatten_with_path([1, {'x': 3}])
    >>> pairs
    [((SequenceKey(idx=0),), 1), ((SequenceKey(idx=1), DictKey(key='x')), 3)]
    >>> td
    PyTreeDef([*, {'x': *}])
    """
    leaves, paths = [], []
    treedef = _walk(tree, leaves, (_path_is_leaf(is_leaf, is_leaf_takes_path), paths))
    return list(zip(paths, leaves)), treedef


def tree_leaves_with_path(tree, is_leaf=None, is_leaf_takes_path=False):
    """Like :func:`tree_leaves`, but return ``[(key_path, leaf), ...]``.

    >>> [(keystr(p), x) for p, x in tree_leaves_with_path({'w': [5, 6], 'b': None})]
    [("['w'][0]", 5), ("['w'][1]", 6)]
    """
    return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def tree_map_with_path(f, tree, *rest, is_leaf=None, is_leaf_takes_path=False):
    """Like :func:`tree_map`, but call ``f(key_path, leaf, *matching_leaves_of_rest)``.

    >>> tree_map_with_path(lambda p, x: keystr(p) + '=' + str(x), {'a': 1, 'b': (2,)})
    {'a': "['a']=1", 'b': ("['b'][0]=2",)}
    >>> tree_map_with_path(lambda p, x, y: x + y, [1, 2], [10, 20])
    [11, 22]
    """
    leaves, paths = [], []
    treedef = _walk(tree, leaves, (_path_is_leaf(is_leaf, is_leaf_takes_path), paths))
    return _map_leaves("tree_map_with_path", f, treedef, [paths, leaves], rest)


def tree_transpose(outer_treedef, inner_treedef, pytree_to_transpose):
    """Turn a tree of structure ``outer`` of trees of structure ``inner`` into
    a tree of structure ``inner`` of trees of structure ``outer``.

    ``inner_treedef=None`` takes the inner structure from the first subtree.
    Raises ``TypeError`` if ``pytree_to_transpose`` is not exactly ``outer``
    with an ``inner`` tree at each of its leaves.

    >>> outer, inner = tree_structure([0, 0]), tree_structure((0, 0, 0))
    >>> tree_transpose(outer, inner, [(1, 2, 3), (4, 5, 6)])
    ([1, 4], [2, 5], [3, 6])
    >>> tree_transpose(outer, None, [{'a': 1}, {'a': 2}])
    {'a': [1, 2]}
    """
    try:
        subtrees = outer_treedef.flatten_up_to(pytree_to_transpose)
    except ValueError as e:
        raise TypeError(f"tree_transpose: the tree does not have the outer structure: {e}") from None
    if inner_treedef is None:
        if not subtrees:
            raise ValueError(
                f"tree_transpose: cannot infer the inner structure: the outer structure "
                f"{outer_treedef!r} has no leaves; pass inner_treedef"
            )
        inner_treedef = tree_structure(subtrees[0])
    rows = []
    for i, sub in enumerate(subtrees):
        leaves = []
        if _walk(sub, leaves) != inner_treedef:
            raise TypeError(
                f"tree_transpose: outer leaf {i} has structure {tree_structure(sub)!r}, "
                f"expected the inner structure {inner_treedef!r}"
            )
        rows.append(leaves)
    columns = [outer_treedef.unflatten(col) for col in zip(*rows)] if rows else [
        outer_treedef.unflatten([]) for _ in range(inner_treedef.num_leaves)
    ]
    return inner_treedef.unflatten(columns)


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


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------


def _register(kind):
    if kind.type in _registry:
        raise ValueError(f"{kind.type!r} is already registered as a pytree node type")
    _registry[kind.type] = kind
    _kind_cache.clear()
    _kind_cache.update(_registry)


def _custom_fmt(name):
    return lambda aux, cs: f"{name}[aux={aux!r}](" + ", ".join(cs) + ")"


def register_pytree_node(cls, flatten_fn, unflatten_fn, flatten_with_keys_fn=None):
    """Make instances of ``cls`` pytree nodes.

    ``flatten_fn(obj) -> (children, aux_data)``; ``unflatten_fn(aux_data,
    children) -> obj``. ``aux_data`` is stored in the treedef, so it must be
    hashable and comparable. Only exact instances of ``cls`` match (not
    subclasses). Registering a type twice raises ``ValueError``.
    ``flatten_with_keys_fn(obj) -> ([(key, child), ...], aux_data)``, if given,
    names the children in key paths (same children, order and aux as
    ``flatten_fn``); without it they are ``FlattenedIndexKey(i)``.

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
    >>> keystr(tree_leaves_with_path(Pair(1, [2], 'p'))[1][0])
    '[<flat index 1>][0]'
    """
    if not isinstance(cls, type):
        raise TypeError(f"register_pytree_node: expected a class, got {cls!r}")
    if flatten_with_keys_fn is None:
        kind = _kind(cls, flatten_fn, unflatten_fn, _custom_fmt(cls.__name__), _flat_index_keys)
    else:
        kind = _NodeKind(cls, flatten_fn, flatten_with_keys_fn, unflatten_fn, _custom_fmt(cls.__name__))
    _register(kind)


def register_pytree_with_keys(nodetype, flatten_with_keys, unflatten_func, flatten_func=None):
    """Make instances of ``nodetype`` pytree nodes whose children have keys.

    ``flatten_with_keys(obj) -> ([(key, child), ...], aux_data)``; the keys
    appear in key paths (any object with a ``str``; usually :class:`GetAttrKey`
    or :class:`DictKey`). ``flatten_func(obj) -> (children, aux_data)``, if
    given, is used where no keys are needed and must agree with it. Otherwise
    as :func:`register_pytree_node`.

    >>> class Span:
    ...     def __init__(self, lo, hi):
    ...         self.lo, self.hi = lo, hi
    >>> register_pytree_with_keys(
    ...     Span, lambda s: ([(GetAttrKey('lo'), s.lo), (GetAttrKey('hi'), s.hi)], None),
    ...     lambda aux, ch: Span(*ch))
    >>> [keystr(p) for p, _ in tree_leaves_with_path({'s': Span(0, 9)})]
    ["['s'].lo", "['s'].hi"]
    >>> tree_map(lambda x: x + 1, Span(0, 9)).hi
    10
    """
    if flatten_func is None:

        def flatten_func(obj):
            keyed, aux = flatten_with_keys(obj)
            return [c for _, c in keyed], aux

    register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys)


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
    >>> tree_leaves_with_path(Layer(w=1.5, act='relu'))
    [((GetAttrKey(name='w'),), 1.5)]
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

    _register(_kind(cls, flatten, unflatten, fmt, _attr_keys(data_fields)))
    return cls
