"""Registry completeness: every primitive fills every rule slot (or declares it absent), every
public funcdl.numpy function is tested, and one definition block is enough for a new
elementwise primitive to work through every transform."""
import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import primitives as P
from funcdl.core import Absent, Primitive, primitives
from funcdl.primitives import elementwise


@pytest.mark.parametrize("name", sorted(primitives))
def test_every_rule_slot_is_filled_or_declared_absent(name):
    prim = primitives[name]
    assert not prim.missing_rules(), f"{name} lacks rules {prim.missing_rules()}"
    for slot in Primitive.RULES:
        rule = getattr(prim, slot)
        if isinstance(rule, Absent):
            assert rule.reason, f"{name}.{slot} is absent without a reason"
        else:
            assert callable(rule) or (slot == "lower" and isinstance(rule, str)), (name, slot, rule)


@pytest.mark.parametrize("name", sorted(P.elementwise_prims))
def test_elementwise_declarations_are_complete(name):
    prim = P.elementwise_prims[name]
    assert prim.derivative == P.ZERO or callable(prim.derivative) or isinstance(prim.derivative, P.Linear)
    assert len(prim.domain) == prim.arity
    assert all("{%d}" % i in prim.lower for i in range(prim.arity)), prim.lower


def test_the_completeness_check_can_fail():
    prim = Primitive("registry_probe", np.negative, lambda x: x)
    try:
        assert prim.missing_rules() == ["jvp", "vjp", "batch", "lower"]
        prim.jvp = prim.vjp = prim.batch = Absent("probe")
        prim.lower = "(-{0})"
        assert prim.missing_rules() == []
    finally:
        del primitives["registry_probe"]


# -- every public funcdl.numpy function has a test-table entry ------------------------------

def _strings(obj, out, depth=0):
    if isinstance(obj, str):
        out.add(obj)
    elif isinstance(obj, (list, tuple)) and depth < 4:
        for o in obj:
            _strings(o, out, depth + 1)
    elif isinstance(obj, dict) and depth < 4:
        for k, v in obj.items():
            _strings(k, out, depth + 1)
            _strings(v, out, depth + 1)


def _public_fnp_functions():
    return sorted(n for n in dir(fnp) if not n.startswith("_") and callable(getattr(fnp, n))
                  and not isinstance(getattr(fnp, n), type))


def _tested_names():
    """Names in tests/test_numpy.py's tables ("pad_int" tests pad) and in its test names
    ("test_result_type" tests result_type): every underscore-separated prefix, and for test
    names every part ("test_erf_erfinv_match_scipy" tests erf and erfinv)."""
    import test_numpy
    labels, names = set(), set()
    for key, value in vars(test_numpy).items():
        if key.isupper():
            _strings(value, labels)
        elif key.startswith("test_"):
            labels.add(key[len("test_"):])
            names.update(key[len("test_"):].split("_"))
    for label in labels:
        parts = label.split("_")
        names.update("_".join(parts[:k]) for k in range(1, len(parts) + 1))
    import function_table  # the composed functions' table, walked through every transform
    names.update(fn.name for fn in function_table.FUNCTIONS)
    return names


def test_every_public_numpy_function_is_in_a_test_table():
    untested = [n for n in _public_fnp_functions() if n not in _tested_names()]
    assert not untested, f"funcdl.numpy functions without a test in tests/test_numpy.py or tests/function_table.py: {untested}"


# -- one definition block is all a new elementwise primitive needs -------------------------

def test_a_new_elementwise_primitive_needs_one_block():
    """``cube`` is defined by one ``defunary`` call; eager, grad, jvp, vmap and jit (with its
    gradient) then work without touching any other module."""
    prim = elementwise.defunary("cube_probe", lambda x: x * x * x, elementwise.FLOAT,
                                derivative=lambda x, y: 3.0 * x * x, numba="({0} * {0} * {0})")
    cube = lambda x: P.unary("cube_probe", x)  # noqa: E731
    x = np.array([0.5, -1.5, 2.0])
    try:
        np.testing.assert_allclose(cube(x), x ** 3)
        np.testing.assert_allclose(fd.grad(lambda x: fnp.sum(cube(x)))(x), 3 * x ** 2)
        np.testing.assert_allclose(fd.jvp(cube, (x,), (np.ones(3),))[1], 3 * x ** 2)
        np.testing.assert_allclose(fd.vmap(cube)(x[:, None]), (x ** 3)[:, None])
        np.testing.assert_allclose(fd.jit(lambda x: fnp.sum(cube(x) * 2.0))(x), 2 * np.sum(x ** 3))
        np.testing.assert_allclose(fd.jit(fd.grad(lambda x: fnp.sum(cube(x))))(x), 3 * x ** 2)
        import primitive_table
        assert ("cube_probe", ) == tuple(r[0] for r in primitive_table._rows(1) if r[0] == "cube_probe")
    finally:
        del primitives["cube_probe"], P.elementwise_prims["cube_probe"]
    assert prim.name not in primitives
