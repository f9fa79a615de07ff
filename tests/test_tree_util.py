"""Tests for funcdl.tree_util and fd.tree: flatten/unflatten round trips, treedef identity, key paths,
transpose, errors."""

import collections
import dataclasses
import doctest
import pickle
import typing

import numpy as np
import pytest

import funcdl as fd
from hypothesis import given, settings
from hypothesis import strategies as st

from funcdl import tree_util as tu
from funcdl.tree_util import (
    DictKey,
    FlattenedIndexKey,
    GetAttrKey,
    PyTreeDef,
    SequenceKey,
    keystr,
    register_dataclass,
    register_pytree_node,
    register_pytree_with_keys,
    tree_all,
    tree_flatten,
    tree_flatten_with_path,
    tree_leaves,
    tree_leaves_with_path,
    tree_map,
    tree_map_with_path,
    tree_reduce,
    tree_structure,
    tree_transpose,
    tree_unflatten,
)

Point = collections.namedtuple("Point", ["x", "y"])


class Pair3(typing.NamedTuple):
    a: object
    b: object
    c: object


@register_dataclass
@dataclasses.dataclass
class Params:
    w: object
    b: object


@dataclasses.dataclass
class Layer:
    w: object
    act: str
    size: int


register_dataclass(Layer, data_fields=["w"], meta_fields=["act", "size"])


class Box:
    """A registered custom node: children (a, b), aux = label."""

    def __init__(self, a, b, label):
        self.a, self.b, self.label = a, b, label

    def __eq__(self, other):
        return type(other) is Box and (self.a, self.b, self.label) == (other.a, other.b, other.label)

    def __repr__(self):
        return f"Box({self.a!r}, {self.b!r}, {self.label!r})"


register_pytree_node(Box, lambda x: ((x.a, x.b), x.label), lambda label, ch: Box(ch[0], ch[1], label))


def same(a, b):
    """Structural equality that also checks container types exactly."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, collections.OrderedDict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, dict):  # unflatten rebuilds plain dicts in sorted key order
        return sorted(a) == sorted(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, (Params,)):
        return same(a.w, b.w) and same(a.b, b.b)
    if isinstance(a, Layer):
        return same(a.w, b.w) and (a.act, a.size) == (b.act, b.size)
    if isinstance(a, Box):
        return same(a.a, b.a) and same(a.b, b.b) and a.label == b.label
    return a == b


# ---------------------------------------------------------------------------
# Random trees
# ---------------------------------------------------------------------------

class Marked:
    """An unregistered class: always a leaf."""

    def __init__(self, value):
        self.value = value


leaf_values = st.one_of(
    st.integers(-5, 5),
    st.floats(allow_nan=False, width=32),
    st.text(max_size=3),
    st.booleans(),
)
keys = st.text(alphabet="abcdef", min_size=1, max_size=2)


def containers(children):
    return st.one_of(
        st.tuples(children, children),
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(keys, children, max_size=3),
        st.dictionaries(keys, children, max_size=3).map(collections.OrderedDict),
        st.tuples(children, children).map(lambda t: Point(*t)),
        st.tuples(children, children).map(lambda t: Params(*t)),
        st.tuples(children, st.sampled_from(["relu", "tanh"]), st.integers(0, 3)).map(lambda t: Layer(*t)),
        st.tuples(children, children, st.sampled_from(["p", "q"])).map(lambda t: Box(*t)),
    )


trees = st.recursive(st.one_of(leaf_values, st.none()), containers, max_leaves=12)
fast = settings(max_examples=100, deadline=None, database=None)


@fast
@given(trees)
def test_roundtrip_random(tree):
    leaves, td = tree_flatten(tree)
    assert td.num_leaves == len(leaves)
    assert leaves == tree_leaves(tree)
    assert same(tree_unflatten(td, leaves), tree)
    # the treedef is stable: same tree -> equal treedef and hash
    td2 = tree_structure(tree)
    assert td == td2 and hash(td) == hash(td2)
    # a tree is flattenable up to its own structure, giving its leaves
    assert td.flatten_up_to(tree) == leaves
    # replacing the leaves keeps the structure
    mapped = tree_map(Marked, tree)
    assert tree_structure(mapped) == td
    assert [m.value for m in tree_leaves(mapped)] == leaves
    # pickling keeps equality
    assert pickle.loads(pickle.dumps(td)) == td


@settings(max_examples=50, deadline=None, database=None)
@given(trees, trees)
def test_treedef_eq_matches_structure(a, b):
    ta, tb = tree_structure(a), tree_structure(b)
    if ta == tb:
        assert hash(ta) == hash(tb)
        assert repr(ta) == repr(tb)
        tb.unflatten(tree_leaves(a))  # interchangeable
    else:
        assert ta != tb


# ---------------------------------------------------------------------------
# Node kinds
# ---------------------------------------------------------------------------


def test_leaves_of_each_kind():
    arr = np.arange(3)
    for leaf in [arr, 1, 2.5, True, 1j, np.float32(3), "s", b"b", object()]:
        leaves, td = tree_flatten(leaf)
        assert leaves[0] is leaf and len(leaves) == 1
        assert repr(td) == "PyTreeDef(*)"
        assert tree_unflatten(td, ["new"]) == "new"


def test_none_is_empty_node():
    leaves, td = tree_flatten(None)
    assert leaves == [] and td.num_leaves == 0
    assert repr(td) == "PyTreeDef(None)"
    assert tree_unflatten(td, []) is None
    assert tree_leaves([1, None, (None, 2)]) == [1, 2]
    assert tree_map(lambda x: x + 1, {"a": None, "b": 1}) == {"a": None, "b": 2}
    assert tree_structure(None) != tree_structure(1)
    assert tree_structure(None) != tree_structure(())


@pytest.mark.parametrize("empty", [(), [], {}, collections.OrderedDict()])
def test_empty_containers(empty):
    leaves, td = tree_flatten(empty)
    assert leaves == [] and td.num_leaves == 0
    out = tree_unflatten(td, [])
    assert type(out) is type(empty) and out == empty
    assert same(tree_unflatten(*reversed(tree_flatten([empty, empty]))), [empty, empty])


def test_empty_containers_are_distinct():
    structs = [tree_structure(x) for x in [(), [], {}, None, collections.OrderedDict()]]
    assert len(set(structs)) == 5


def test_nested_mix_roundtrip():
    tree = {
        "z": [1, (2, None), Point(3, [4])],
        "a": collections.OrderedDict([("q", 5), ("b", Params(6, {"k": 7}))]),
        "m": Layer(w=np.ones(2), act="relu", size=2),
        "c": Box(8, (9,), "lbl"),
    }
    leaves, td = tree_flatten(tree)
    assert leaves[:6] == [5, 6, 7, 8, 9, leaves[5]]
    assert leaves[6:] == [1, 2, 3, 4]
    assert same(tree_unflatten(td, leaves), tree)
    assert td.num_leaves == 10


def test_dict_sorted_keys():
    leaves, td = tree_flatten({"b": 1, "a": 2, "c": 3})
    assert leaves == [2, 1, 3]
    out = tree_unflatten(td, [20, 10, 30])
    assert list(out) == ["a", "b", "c"] and out == {"a": 20, "b": 10, "c": 30}
    assert tree_structure({"b": 1, "a": 2}) == tree_structure({"a": 0, "b": 0})
    assert tree_leaves({2: "x", 1: "y"}) == ["y", "x"]


def test_dict_unsortable_keys():
    with pytest.raises(TypeError, match="sortable"):
        tree_flatten({1: "a", "b": 2})


def test_ordered_dict_keeps_insertion_order():
    od = collections.OrderedDict([("b", 1), ("a", 2)])
    leaves, td = tree_flatten(od)
    assert leaves == [1, 2]
    out = tree_unflatten(td, [10, 20])
    assert type(out) is collections.OrderedDict and list(out.items()) == [("b", 10), ("a", 20)]
    assert td != tree_structure({"b": 1, "a": 2})
    assert td != tree_structure(collections.OrderedDict([("a", 1), ("b", 2)]))


def test_namedtuple_keeps_class():
    leaves, td = tree_flatten(Point(1, (2, 3)))
    assert leaves == [1, 2, 3]
    out = tree_unflatten(td, [4, 5, 6])
    assert type(out) is Point and out == Point(4, (5, 6))
    assert repr(td) == "PyTreeDef(Point(x=*, y=(*, *)))"
    assert type(tree_map(str, Pair3(1, 2, 3))) is Pair3
    assert tree_structure(Point(1, 2)) != tree_structure((1, 2))
    Other = collections.namedtuple("Other", ["x", "y"])
    assert tree_structure(Point(1, 2)) != tree_structure(Other(1, 2))


def test_unregistered_subclasses_are_leaves():
    class MyDict(dict):
        pass

    class MyList(list):
        pass

    d, lst = MyDict(a=1), MyList([1, 2])
    assert tree_leaves([d, lst]) == [d, lst]


def test_repr():
    assert repr(tree_structure({"a": 1, "b": (2, 3)})) == "PyTreeDef({'a': *, 'b': (*, *)})"
    assert repr(tree_structure([(1,), []])) == "PyTreeDef([(*,), []])"
    assert repr(tree_structure(Layer(1, "relu", 3))) == "PyTreeDef(Layer(w=*, act='relu', size=3))"
    assert repr(tree_structure(Box(1, 2, "l"))) == "PyTreeDef(Box[aux='l'](*, *))"
    assert repr(tree_structure(collections.OrderedDict(b=1))) == "PyTreeDef(OrderedDict({'b': *}))"


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------


def test_register_pytree_node_roundtrip():
    box = Box([1, 2], {"k": 3}, "label")
    leaves, td = tree_flatten(box)
    assert leaves == [1, 2, 3]
    out = tree_unflatten(td, [10, 20, 30])
    assert out == Box([10, 20], {"k": 30}, "label")
    assert tree_structure(Box(1, 2, "x")) != tree_structure(Box(1, 2, "y"))
    assert tree_structure(Box(1, 2, "x")) == tree_structure(Box(5, 6, "x"))


def test_register_twice_raises():
    class Fresh:
        pass

    register_pytree_node(Fresh, lambda x: ((), None), lambda aux, ch: Fresh())
    with pytest.raises(ValueError, match="already registered"):
        register_pytree_node(Fresh, lambda x: ((), None), lambda aux, ch: Fresh())
    for builtin in (tuple, list, dict, type(None), collections.OrderedDict):
        with pytest.raises(ValueError):
            register_pytree_node(builtin, lambda x: ((), None), lambda aux, ch: None)
    with pytest.raises(ValueError):
        register_dataclass(Params)


def test_registering_a_type_seen_as_leaf():
    class Late:
        def __init__(self, v):
            self.v = v

    x = Late(1)
    assert tree_leaves([x]) == [x]  # cached as a leaf type
    register_pytree_node(Late, lambda o: ([o.v], None), lambda aux, ch: Late(ch[0]))
    assert tree_leaves([x]) == [1]


def test_custom_flatten_may_return_generator():
    class Gen:
        def __init__(self, *xs):
            self.xs = xs

    register_pytree_node(Gen, lambda g: ((x for x in g.xs), len(g.xs)), lambda n, ch: Gen(*ch))
    leaves, td = tree_flatten(Gen(1, (2, 3)))
    assert leaves == [1, 2, 3]
    assert tree_unflatten(td, [4, 5, 6]).xs == (4, (5, 6))
    assert tree_structure(Gen(0, 0)).flatten_up_to(Gen("a", [1])) == ["a", [1]]


def test_register_dataclass_all_data_fields():
    p = Params(w=np.ones(2), b=3.0)
    leaves, td = tree_flatten(p)
    assert leaves[0] is p.w and leaves[1] == 3.0
    out = tree_unflatten(td, ["W", "B"])
    assert type(out) is Params and (out.w, out.b) == ("W", "B")
    assert repr(td) == "PyTreeDef(Params(w=*, b=*))"


def test_register_dataclass_meta_fields():
    layer = Layer(w=[1, 2], act="relu", size=2)
    leaves, td = tree_flatten(layer)
    assert leaves == [1, 2]
    out = tree_unflatten(td, [3, 4])
    assert out == Layer(w=[3, 4], act="relu", size=2)
    same_meta = tree_structure(Layer(w=[0, 0], act="relu", size=2))
    assert td == same_meta and hash(td) == hash(same_meta)
    assert td != tree_structure(Layer(w=[1, 2], act="tanh", size=2))
    assert td != tree_structure(Layer(w=[1, 2], act="relu", size=3))
    assert tree_map(lambda x: x * 10, layer) == Layer(w=[10, 20], act="relu", size=2)


def test_register_dataclass_variants():
    @register_dataclass(meta_fields=["name"])
    @dataclasses.dataclass(frozen=True)
    class Frozen:
        x: object
        name: str = "f"

    assert tree_leaves(Frozen(1)) == [1]
    assert tree_unflatten(tree_structure(Frozen(1)), [2]) == Frozen(2)

    @dataclasses.dataclass
    class WithDerived:
        x: object
        double: object = dataclasses.field(init=False)

        def __post_init__(self):
            self.double = 2

    register_dataclass(WithDerived)
    assert tree_leaves(WithDerived(5)) == [5]

    @dataclasses.dataclass
    class Bad:
        x: object
        y: object

    with pytest.raises(ValueError, match="exactly once"):
        register_dataclass(Bad, data_fields=["x"], meta_fields=[])
    with pytest.raises(ValueError, match="both"):
        register_dataclass(Bad, data_fields=["x", "y"], meta_fields=["y"])
    with pytest.raises(TypeError, match="not a dataclass"):
        register_dataclass(Box)


def test_unhashable_meta_field():
    @dataclasses.dataclass
    class M:
        x: object
        opts: object

    register_dataclass(M, data_fields=["x"], meta_fields=["opts"])
    with pytest.raises(TypeError, match="hashable"):
        tree_flatten(M(1, ["unhashable"]))


# ---------------------------------------------------------------------------
# is_leaf
# ---------------------------------------------------------------------------


def test_is_leaf():
    tree = {"a": (1, 2), "b": [3, (4, 5)]}
    is_tuple = lambda x: isinstance(x, tuple)  # noqa: E731
    leaves, td = tree_flatten(tree, is_leaf=is_tuple)
    assert leaves == [(1, 2), 3, (4, 5)]
    assert tree_unflatten(td, leaves) == tree
    assert tree_leaves(tree, is_leaf=is_tuple) == leaves
    assert tree_map(lambda t: sum(t) if isinstance(t, tuple) else t, tree, is_leaf=is_tuple) == {
        "a": 3,
        "b": [3, 9],
    }
    # checked at the root and before node lookup: None can become a leaf
    assert tree_leaves(tree, is_leaf=lambda x: x is tree) == [tree]
    assert tree_leaves([None, 1], is_leaf=lambda x: x is None) == [None, 1]
    assert tree_structure((1, 2), is_leaf=lambda x: True) == tree_structure(0)
    assert tree_all([0, 1], is_leaf=lambda x: isinstance(x, list)) is True
    is_int_list = lambda x: isinstance(x, list) and x and isinstance(x[0], int)  # noqa: E731
    assert tree_reduce(lambda a, b: a + len(b), [[1, 2], [3]], 0, is_leaf=is_int_list) == 3


# ---------------------------------------------------------------------------
# tree_map, tree_all, tree_reduce
# ---------------------------------------------------------------------------


def test_tree_map_multiple_trees():
    a = {"x": [1, 2], "y": Point(3, None)}
    b = {"x": [10, 20], "y": Point(30, None)}
    c = {"x": [100, 200], "y": Point(300, None)}
    out = tree_map(lambda p, q, r: p + q + r, a, b, c)
    assert out == {"x": [111, 222], "y": Point(333, None)}
    assert type(out["y"]) is Point


def test_tree_map_prefix_rest():
    # rest trees may have deeper structure below the first tree's leaves
    out = tree_map(lambda a, b: (a, b), {"k": 1, "m": 2}, {"k": [1, 2], "m": (3,)})
    assert out == {"k": (1, [1, 2]), "m": (2, (3,))}


def test_tree_map_arrays():
    tree = {"w": np.ones((2, 2)), "b": np.zeros(2)}
    out = tree_map(lambda x, y: x + y, tree, tree)
    np.testing.assert_array_equal(out["w"], 2 * np.ones((2, 2)))
    assert tree_structure(out) == tree_structure(tree)


@pytest.mark.parametrize(
    "first, other, fragment",
    [
        ((1, 2), [1, 2], "expected tuple, got list"),
        ((1, 2), (1, 2, 3), "2 children"),
        ({"a": 1}, {"b": 1}, "keys"),
        ([1, {"a": 1}], [1, {"a": 1, "b": 2}], "[1]"),
        (Point(1, 2), (1, 2), "expected Point"),
        ({"a": 1}, collections.OrderedDict(a=1), "expected dict, got OrderedDict"),
        (None, 1, "expected NoneType"),
        (Layer(1, "relu", 2), Layer(1, "tanh", 2), "aux data"),
        ((1, [2, 3]), (1, [2, (3, 4), 5]), "[1]"),
    ],
)
def test_tree_map_mismatch(first, other, fragment):
    with pytest.raises(ValueError) as info:
        tree_map(lambda *xs: xs, first, other)
    msg = str(info.value)
    assert fragment in msg
    assert repr(tree_structure(first)) in msg
    assert repr(tree_structure(other)) in msg


def test_mismatch_path():
    with pytest.raises(ValueError, match=r"at \['b'\]\[1\]\.y"):
        tree_structure({"a": 1, "b": [2, Point(3, (4,))]}).flatten_up_to(
            {"a": 1, "b": [2, Point(3, (4, 5))]}
        )


def test_tree_all_and_reduce():
    assert tree_all({"a": True, "b": [1, (2,)]})
    assert not tree_all({"a": True, "b": [1, (0,)]})
    assert tree_all([]) and tree_all(None)
    assert tree_reduce(lambda a, b: a + b, {"a": 1, "b": [2, 3]}) == 6
    assert tree_reduce(lambda a, b: a + b, {"a": 1, "b": [2, 3]}, initializer=10) == 16
    assert tree_reduce(lambda a, b: a + b, [], initializer=None) is None
    with pytest.raises(TypeError):
        tree_reduce(lambda a, b: a + b, [])


# ---------------------------------------------------------------------------
# PyTreeDef identity, flatten_up_to, errors
# ---------------------------------------------------------------------------


def test_treedef_hash_eq():
    t1 = tree_structure({"a": [1, 2], "b": (3, None)})
    t2 = tree_structure({"b": ("x", None), "a": [np.ones(2), 0]})
    assert t1 == t2 and hash(t1) == hash(t2)
    assert {t1: "v"}[t2] == "v"
    unequal = [
        {"a": [1, 2], "c": (3, None)},  # different key
        {"a": (1, 2), "b": (3, None)},  # list vs tuple
        {"a": [1, 2], "b": (3, 4)},  # None vs leaf
        {"a": [1, 2], "b": (3,)},  # fewer children
        collections.OrderedDict([("a", [1, 2]), ("b", (3, None))]),  # dict type
        {"a": [1, 2], "b": Point(3, None)},  # namedtuple vs tuple
    ]
    for other in unequal:
        assert t1 != tree_structure(other), other
    assert t1 != "not a treedef" and not (t1 == 3)
    assert isinstance(t1, PyTreeDef)


def test_treedef_immutable():
    td = tree_structure([1, 2])
    with pytest.raises(AttributeError):
        td.num_leaves = 5
    with pytest.raises(AttributeError):
        td.extra = 1


def test_flatten_up_to():
    td = tree_structure({"a": 0, "b": (0, 0)})
    got = td.flatten_up_to({"a": [1, 2], "b": ({"k": 3}, None)})
    assert got == [[1, 2], {"k": 3}, None]
    assert tree_structure(0).flatten_up_to({"x": (1, 2)}) == [{"x": (1, 2)}]
    assert tree_structure(None).flatten_up_to(None) == []
    layer_td = tree_structure(Layer(0, "relu", 1))
    assert layer_td.flatten_up_to(Layer((1, 2), "relu", 1)) == [(1, 2)]
    with pytest.raises(ValueError, match=r"expected structure.*\n.*got structure"):
        td.flatten_up_to({"a": 1})


def test_unflatten_wrong_leaf_count():
    td = tree_structure({"a": 1, "b": [2, 3]})
    with pytest.raises(ValueError, match="expects 3 leaves, got 2"):
        tree_unflatten(td, [1, 2])
    with pytest.raises(ValueError, match="expects 3 leaves, got 4"):
        td.unflatten([1, 2, 3, 4])
    with pytest.raises(ValueError, match="expects 0 leaves, got 1"):
        tree_unflatten(tree_structure(None), [1])
    assert tree_unflatten(td, iter([1, 2, 3])) == {"a": 1, "b": [2, 3]}  # any iterable


# ---------------------------------------------------------------------------
# Key paths
# ---------------------------------------------------------------------------


class Span:
    """A custom node registered with keys (and no separate flatten)."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi


register_pytree_with_keys(
    Span, lambda s: ([(GetAttrKey("lo"), s.lo), (GetAttrKey("hi"), s.hi)], "span"), lambda aux, ch: Span(*ch)
)


class Tagged:
    """A custom node registered through register_pytree_node with flatten_with_keys_fn."""

    def __init__(self, items):
        self.items = dict(items)


register_pytree_node(
    Tagged,
    lambda t: ([t.items[k] for k in sorted(t.items)], tuple(sorted(t.items))),
    lambda keys, ch: Tagged(zip(keys, ch)),
    lambda t: ([(DictKey(k), t.items[k]) for k in sorted(t.items)], tuple(sorted(t.items))),
)


def follow(tree, path):
    """The subtree of ``tree`` at key path ``path``, found without funcdl."""
    for k in path:
        if type(k) is SequenceKey:
            tree = tree[k.idx]
        elif type(k) is DictKey:
            tree = tree.items[k.key] if type(tree) is Tagged else tree[k.key]
        elif type(k) is GetAttrKey:
            tree = getattr(tree, k.name)
        elif type(k) is FlattenedIndexKey:
            assert type(tree) is Box
            tree = (tree.a, tree.b)[k.key]
        else:
            raise AssertionError(k)
    return tree


@fast
@given(trees)
def test_with_path_agrees_with_flatten(tree):
    pairs, td = tree_flatten_with_path(tree)
    leaves, td0 = tree_flatten(tree)
    assert td == td0 and [x for _, x in pairs] == leaves
    assert tree_leaves_with_path(tree) == pairs
    paths = [p for p, _ in pairs]
    assert len(set(paths)) == len(paths)  # distinct leaves have distinct paths
    for p, x in pairs:
        assert follow(tree, p) is x
    # the general (is_leaf) branch of the recursion agrees with the fast one
    assert tree_flatten(tree, is_leaf=lambda x: False) == (leaves, td)
    mapped = tree_map_with_path(lambda p, x: Marked((p, x)), tree)
    assert tree_structure(mapped) == td
    assert [m.value for m in tree_leaves(mapped)] == pairs


def test_key_paths_of_each_kind():
    od = collections.OrderedDict([("z", 1), ("a", 2)])
    tree = {
        "d": {"b": 1, "a": 2},
        "l": [3, None, (4,)],
        "nt": Point(5, 6),
        "od": od,
        "dc": Params(w=7, b=8),
        "meta": Layer(w=9, act="relu", size=1),
        "box": Box(10, [11], "lbl"),
        "span": Span(12, 13),
        "tag": Tagged({"q": 14, "p": 15}),
    }
    got = [(keystr(p), x) for p, x in tree_leaves_with_path(tree)]
    assert got == [
        ("['box'][<flat index 0>]", 10),
        ("['box'][<flat index 1>][0]", 11),
        ("['d']['a']", 2),
        ("['d']['b']", 1),
        ("['dc'].w", 7),
        ("['dc'].b", 8),
        ("['l'][0]", 3),
        ("['l'][2][0]", 4),
        ("['meta'].w", 9),
        ("['nt'].x", 5),
        ("['nt'].y", 6),
        ("['od']['z']", 1),
        ("['od']['a']", 2),
        ("['span'].lo", 12),
        ("['span'].hi", 13),
        ("['tag']['p']", 15),
        ("['tag']['q']", 14),
    ]
    pairs, _ = tree_flatten_with_path(tree)
    assert pairs[0][0] == (DictKey("box"), FlattenedIndexKey(0))
    assert pairs[6][0] == (DictKey("l"), SequenceKey(0))
    assert pairs[9][0] == (DictKey("nt"), GetAttrKey("x"))


def test_key_paths_root_leaf_none_and_empty():
    assert tree_flatten_with_path(3) == ([((), 3)], tree_structure(3))
    assert tree_flatten_with_path(None) == ([], tree_structure(None))
    assert tree_leaves_with_path([(), {}, None]) == []
    assert tree_leaves_with_path({1: "a", 0: "b"}) == [((DictKey(0),), "b"), ((DictKey(1),), "a")]
    with pytest.raises(TypeError, match="sortable"):
        tree_flatten_with_path({1: "a", "b": 2})


def test_custom_node_with_keys_roundtrip():
    leaves, td = tree_flatten([Span(1, (2, 3))])
    assert leaves == [1, 2, 3]
    out = tree_unflatten(td, [4, 5, 6])[0]
    assert type(out) is Span and (out.lo, out.hi) == (4, (5, 6))
    assert repr(td) == "PyTreeDef([Span[aux='span'](*, (*, *))])"
    assert tree_map(lambda x: -x, Tagged({"b": 1, "a": 2})).items == {"a": -2, "b": -1}
    with pytest.raises(ValueError, match="already registered"):
        register_pytree_with_keys(Span, lambda s: ([], None), lambda aux, ch: Span(0, 0))


def test_register_with_keys_separate_flatten():
    class Cell:
        calls = []

        def __init__(self, v):
            self.v = v

    def flatten(c):
        Cell.calls.append("plain")
        return [c.v], None

    def flatten_with_keys(c):
        Cell.calls.append("keys")
        return [(GetAttrKey("v"), c.v)], None

    register_pytree_with_keys(Cell, flatten_with_keys, lambda aux, ch: Cell(ch[0]), flatten)
    assert tree_leaves(Cell(1)) == [1] and Cell.calls == ["plain"]
    assert tree_leaves_with_path(Cell(1)) == [((GetAttrKey("v"),), 1)] and Cell.calls == ["plain", "keys"]


def test_is_leaf_with_path():
    tree = {"a": (1, 2), "b": [3, (4, 5)]}
    is_tuple = lambda x: isinstance(x, tuple)  # noqa: E731
    pairs, td = tree_flatten_with_path(tree, is_leaf=is_tuple)
    assert [(keystr(p), x) for p, x in pairs] == [("['a']", (1, 2)), ("['b'][0]", 3), ("['b'][1]", (4, 5))]
    assert td == tree_structure(tree, is_leaf=is_tuple)
    assert tree_leaves_with_path(tree, is_leaf=lambda x: x is tree) == [((), tree)]
    assert tree_leaves_with_path([None, 1], is_leaf=lambda x: x is None) == [
        ((SequenceKey(0),), None), ((SequenceKey(1),), 1)]
    # is_leaf_takes_path: decide by position rather than by value
    seen = []

    def by_path(path, x):
        seen.append(path)
        return path == (DictKey("b"),)

    got = tree_leaves_with_path(tree, is_leaf=by_path, is_leaf_takes_path=True)
    assert got == [((DictKey("a"), SequenceKey(0)), 1), ((DictKey("a"), SequenceKey(1)), 2),
                   ((DictKey("b"),), [3, (4, 5)])]
    assert seen[0] == () and (DictKey("a"), SequenceKey(1)) in seen
    out = tree_map_with_path(lambda p, x: len(p), tree, is_leaf=by_path, is_leaf_takes_path=True)
    assert out == {"a": (2, 2), "b": 1}


def test_tree_map_with_path():
    params = {"w": np.ones(2), "b": np.zeros(2), "bn": Point(x=1.0, y=None)}
    decayed = tree_map_with_path(lambda p, x: x * (0.5 if keystr(p).startswith("['w']") else 1), params)
    np.testing.assert_array_equal(decayed["w"], 0.5 * np.ones(2))
    assert type(decayed["bn"]) is Point and decayed["bn"] == Point(1.0, None)
    out = tree_map_with_path(lambda p, x, y, z: (keystr(p), x + y + z), [1, (2,)], [10, (20,)], [100, (200,)])
    assert out == [("[0]", 111), (("[1][0]", 222),)]
    # rest trees may be deeper below the first tree's leaves, as in tree_map
    assert tree_map_with_path(lambda p, a, b: b, {"k": 1}, {"k": [1, 2]}) == {"k": [1, 2]}


def test_tree_map_with_path_mismatch():
    with pytest.raises(ValueError) as info:
        tree_map_with_path(lambda p, x, y: x, {"a": [1, 2]}, {"a": [1, 2, 3]})
    msg = str(info.value)
    assert msg.startswith("tree_map_with_path: tree argument 1 does not match")
    assert "at ['a']" in msg and "2 children" in msg


def test_mismatch_path_through_custom_nodes():
    with pytest.raises(ValueError, match=r"at \[<flat index 1>\]\[0\]: expected tuple"):
        tree_structure(Box(1, ((2,),), "l")).flatten_up_to(Box(1, ([2],), "l"))
    with pytest.raises(ValueError, match=r"at \.hi: expected list"):
        tree_structure(Span(1, [2])).flatten_up_to(Span(1, (2,)))


def test_key_entries():
    assert [repr(k) for k in (SequenceKey(0), DictKey("a"), GetAttrKey("x"), FlattenedIndexKey(2))] == [
        "SequenceKey(idx=0)", "DictKey(key='a')", "GetAttrKey(name='x')", "FlattenedIndexKey(key=2)"]
    assert [str(k) for k in (SequenceKey(0), DictKey("a"), DictKey(1), GetAttrKey("x"), FlattenedIndexKey(2))] == [
        "[0]", "['a']", "[1]", ".x", "[<flat index 2>]"]
    assert SequenceKey(1) == SequenceKey(1) and hash(DictKey("k")) == hash(DictKey("k"))
    assert SequenceKey(0) != FlattenedIndexKey(0) and DictKey(0) != SequenceKey(0)
    assert len({DictKey("a"), DictKey("a"), GetAttrKey("a")}) == 2
    assert SequenceKey(0).idx == 0 and DictKey("a").key == "a" and GetAttrKey("n").name == "n"
    with pytest.raises(AttributeError):
        SequenceKey(0).idx = 1
    assert pickle.loads(pickle.dumps(DictKey("a"))) == DictKey("a")


def test_keystr():
    path = (DictKey("layers"), SequenceKey(1), GetAttrKey("w"), FlattenedIndexKey(0))
    assert keystr(path) == "['layers'][1].w[<flat index 0>]"
    assert keystr(path, simple=True) == "layers1w0"
    assert keystr(path, simple=True, separator="/") == "layers/1/w/0"
    assert keystr(path, separator=" ") == "['layers'] [1] .w [<flat index 0>]"
    assert keystr((DictKey("a"), SequenceKey(0))) == "['a'][0]"
    assert keystr(()) == "" and keystr((), simple=True) == ""
    assert keystr(("raw", 3), separator="/") == "raw/3"  # any str-able object
    with pytest.raises(TypeError):
        keystr(path, True)  # simple and separator are keyword-only


# ---------------------------------------------------------------------------
# tree_transpose and fd.tree
# ---------------------------------------------------------------------------


def test_tree_transpose():
    outer, inner = tree_structure([0, 0]), tree_structure((0, 0, 0))
    assert tree_transpose(outer, inner, [(1, 2, 3), (4, 5, 6)]) == ([1, 4], [2, 5], [3, 6])
    assert tree_transpose(outer, None, [(1, 2, 3), (4, 5, 6)]) == ([1, 4], [2, 5], [3, 6])
    # dicts and namedtuples on either side; transposing back gives the original
    batch = {"x": Point(1, 2), "y": Point(3, 4)}
    t = tree_transpose(tree_structure({"x": 0, "y": 0}), tree_structure(Point(0, 0)), batch)
    assert t == Point({"x": 1, "y": 3}, {"x": 2, "y": 4}) and type(t) is Point
    assert tree_transpose(tree_structure(Point(0, 0)), tree_structure({"x": 0, "y": 0}), t) == batch
    # arrays stay leaves; empty outer structure with an explicit inner
    a = np.ones(2)
    assert tree_transpose(tree_structure((0,)), None, ((a, None),))[0][0] is a
    assert tree_transpose(tree_structure([]), inner, []) == ([], [], [])


def test_tree_transpose_errors():
    outer, inner = tree_structure([0, 0]), tree_structure((0, 0))
    with pytest.raises(TypeError, match="outer leaf 1"):
        tree_transpose(outer, inner, [(1, 2), (3, 4, 5)])
    with pytest.raises(TypeError, match="outer leaf 0"):
        tree_transpose(outer, inner, [(1, (2, 3)), (4, 5)])  # inner leaves must be leaves
    with pytest.raises(TypeError, match="outer structure"):
        tree_transpose(outer, inner, ((1, 2), (3, 4)))
    with pytest.raises(ValueError, match="infer"):
        tree_transpose(tree_structure([]), None, [])


def test_fd_tree_namespace():
    names = ["map", "leaves", "structure", "flatten", "unflatten", "transpose", "reduce", "all",
             "map_with_path", "leaves_with_path", "flatten_with_path"]
    assert sorted(fd.tree.__all__) == sorted(names)
    for name in names:
        assert getattr(fd.tree, name) is getattr(tu, "tree_" + name), name
    assert fd.tree_util.tree_transpose is tree_transpose
    tree = {"b": [1, 2], "a": (3, None)}
    leaves, td = fd.tree.flatten(tree)
    assert fd.tree.unflatten(td, leaves) == tree and fd.tree.leaves(tree) == leaves == [3, 1, 2]
    assert fd.tree.structure(tree) == td
    assert fd.tree.map(lambda x, y: x * y, tree, tree) == {"b": [1, 4], "a": (9, None)}
    assert fd.tree.reduce(lambda a, b: a * b, tree, initializer=2) == 12
    assert fd.tree.all(tree) and not fd.tree.all([1, 0])
    assert fd.tree.transpose(fd.tree.structure([0, 0]), None, [{"k": 1}, {"k": 2}]) == {"k": [1, 2]}
    assert fd.tree.leaves_with_path(tree)[0] == ((DictKey("a"), SequenceKey(0)), 3)
    assert fd.tree.flatten_with_path(tree)[1] == td
    assert fd.tree.map_with_path(lambda p, x: keystr(p, simple=True, separator="."), tree) == {
        "b": ["b.0", "b.1"], "a": ("a.0", None)}


def test_doctests():
    failures, attempted = doctest.testmod(tu, optionflags=doctest.ELLIPSIS)
    assert attempted > 30 and failures == 0
    failures, attempted = doctest.testmod(fd.tree, optionflags=doctest.ELLIPSIS)
    assert attempted >= 10 and failures == 0


# -- flattening plans (jit's dispatch fast path) -------------------------------------------

_plain_trees = st.recursive(
    st.integers(0, 9) | st.just(None) | st.builds(np.zeros, st.integers(0, 2)),
    lambda children: st.lists(children, max_size=3) | st.tuples(children, children)
    | st.dictionaries(st.sampled_from("abc"), children, max_size=3),
    max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(_plain_trees, _plain_trees)
def test_flattening_plan_agrees_with_tree_flatten_and_rejects_other_structures(tree, other):
    leaves, treedef = tree_flatten(tree)
    plan = tu.plan_for(treedef)
    assert plan is not None and plan.treedef is treedef
    assert plan.flatten(tree) is not None and all(a is b for a, b in zip(plan.flatten(tree), leaves))
    assert tree_structure(plan.unflatten(leaves)) == treedef
    other_leaves, other_def = tree_flatten(other)
    got = plan.flatten(other)
    if other_def == treedef:
        assert got is not None and all(a is b for a, b in zip(got, other_leaves))
    else:
        assert got is None


def test_flattening_plan_only_for_built_in_containers():
    Point = collections.namedtuple("Point", "x y")
    assert tu.plan_for(tree_structure(Point(1, 2))) is None
    assert tu.plan_for(tree_structure([collections.OrderedDict(a=1)])) is None
    plan = tu.plan_for(tree_structure((1, [2, None])))
    assert plan.flatten((1, [Point(2, 3), None])) is None  # a node where a leaf was
    assert plan.flatten((1, (2, None))) is None and plan.flatten([1, [2, None]]) is None
