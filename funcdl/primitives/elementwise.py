"""Elementwise primitives: one table row each.

Binary and ternary elementwise primitives broadcast their operands like numpy, but
require equal dtypes (``funcdl.numpy`` promotes before binding).
"""
import numpy as np

from ..core import Aval, Primitive, bind

# ---------------------------------------------------------------------------------------
# Shape/dtype rules
# ---------------------------------------------------------------------------------------


def broadcast_shapes(op, *shapes):
    """numpy broadcasting of ``shapes``, raising a ShapeError that names ``op``."""
    first = shapes[0]
    if all(s == first for s in shapes):
        return first
    ndim = max(len(s) for s in shapes)
    out = []
    for dims in zip(*[(1,) * (ndim - len(s)) + tuple(s) for s in shapes]):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            from ..core import shape_error
            raise shape_error(op, "operands cannot be broadcast together", *shapes)
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def _same_dtype(op, avals):
    dtype = avals[0].dtype
    for a in avals[1:]:
        if a.dtype != dtype:
            got = ", ".join(a.dtype.name for a in avals)
            raise TypeError(f"{op}: operands must have one dtype, got {got}; "
                            "cast with .astype() (funcdl.numpy promotes automatically)")
    return dtype


def _check_kind(op, dtype, kinds, what):
    if dtype.kind not in kinds:
        raise TypeError(f"{op}: needs {what} operands, got {dtype.name}")


FLOAT, NUMERIC, BOOL, INTEGER = "f", "fiu", "b", "iu"
_KIND_NAMES = {FLOAT: "floating-point", NUMERIC: "numeric", BOOL: "boolean",
               INTEGER: "integer", NUMERIC + BOOL: "numeric or boolean"}


def _elementwise_rule(name, kinds, out_dtype):
    def rule(*avals):
        dtype = _same_dtype(name, avals)
        _check_kind(name, dtype, kinds, _KIND_NAMES[kinds])
        shape = broadcast_shapes(name, *[a.shape for a in avals])
        return Aval(shape, dtype if out_dtype is None else out_dtype)
    return rule


# ---------------------------------------------------------------------------------------
# The table. Each entry: name -> (numpy implementation, operand kinds, output dtype
# (None: same as operands)). The other rules (jvp, batching, numba templates) are
# keyed by the same names in the transforms.
# ---------------------------------------------------------------------------------------


def _erf(x):
    from .._special import apply  # numba code shared with jit: same numbers in and out of jit
    return apply("erf", x)


def _erf_inv(x):
    from .._special import apply
    return apply("erfinv", x)


def _int_or_true_divide(x, y):
    return np.floor_divide(x, y) if x.dtype.kind in "iu" else np.true_divide(x, y)


UNARY = {
    "neg": (np.negative, NUMERIC, None),
    "sign": (np.sign, NUMERIC, None),
    "abs": (np.abs, NUMERIC, None),
    "floor": (np.floor, FLOAT, None),
    "ceil": (np.ceil, FLOAT, None),
    "round": (np.round, FLOAT, None),
    "exp": (np.exp, FLOAT, None),
    "log": (np.log, FLOAT, None),
    "log1p": (np.log1p, FLOAT, None),
    "expm1": (np.expm1, FLOAT, None),
    "sqrt": (np.sqrt, FLOAT, None),
    "sin": (np.sin, FLOAT, None),
    "cos": (np.cos, FLOAT, None),
    "tan": (np.tan, FLOAT, None),
    "tanh": (np.tanh, FLOAT, None),
    "sinh": (np.sinh, FLOAT, None),
    "cosh": (np.cosh, FLOAT, None),
    "arctan": (np.arctan, FLOAT, None),
    "erf": (_erf, FLOAT, None),
    "erf_inv": (_erf_inv, FLOAT, None),
    "isnan": (np.isnan, FLOAT, np.dtype(bool)),
    "isfinite": (np.isfinite, FLOAT, np.dtype(bool)),
    "logical_not": (np.logical_not, BOOL, None),
}

BINARY = {
    "add": (np.add, NUMERIC, None),
    "sub": (np.subtract, NUMERIC, None),
    "mul": (np.multiply, NUMERIC, None),
    "div": (_int_or_true_divide, NUMERIC, None),
    "rem": (np.remainder, NUMERIC, None),
    "pow": (np.power, NUMERIC, None),
    "max": (np.maximum, NUMERIC + BOOL, None),
    "min": (np.minimum, NUMERIC + BOOL, None),
    "eq": (np.equal, NUMERIC + BOOL, np.dtype(bool)),
    "ne": (np.not_equal, NUMERIC + BOOL, np.dtype(bool)),
    "lt": (np.less, NUMERIC, np.dtype(bool)),
    "le": (np.less_equal, NUMERIC, np.dtype(bool)),
    "gt": (np.greater, NUMERIC, np.dtype(bool)),
    "ge": (np.greater_equal, NUMERIC, np.dtype(bool)),
    "and": (np.logical_and, BOOL, None),
    "or": (np.logical_or, BOOL, None),
}

elementwise_prims = {}
for _name, (_fn, _kinds, _out) in {**UNARY, **BINARY}.items():
    elementwise_prims[_name] = Primitive(_name, _fn, _elementwise_rule(_name, _kinds, _out))
globals().update({f"{n}_p": p for n, p in elementwise_prims.items()})


def _select_rule(pred, on_true, on_false):
    if pred.dtype != np.bool_:
        raise TypeError(f"select: the predicate must be boolean, got {pred.dtype.name}")
    dtype = _same_dtype("select", [on_true, on_false])
    return Aval(broadcast_shapes("select", pred.shape, on_true.shape, on_false.shape), dtype)


select_p = Primitive("select", np.where, _select_rule)


def _convert_rule(x, *, new_dtype):
    return Aval(x.shape, new_dtype)


def _convert_impl(x, *, new_dtype):
    return np.asarray(x).astype(new_dtype)


convert_p = Primitive("convert", _convert_impl, _convert_rule)


stop_gradient_p = Primitive("stop_gradient", lambda x: x, lambda x: x)  # identity; zero derivative

# ---------------------------------------------------------------------------------------
# Binding helpers (the "lax" level: no promotion, exact dtypes)
# ---------------------------------------------------------------------------------------


def unary(name, x):
    return bind(elementwise_prims[name], x)


def binary(name, x, y):
    return bind(elementwise_prims[name], x, y)


def select(pred, on_true, on_false):
    return bind(select_p, pred, on_true, on_false)


def convert(x, dtype):
    """Cast ``x`` to ``dtype`` (a no-op equation is not recorded when equal)."""
    dtype = np.dtype(dtype)
    if getattr(x, "dtype", None) == dtype:
        return x
    return bind(convert_p, x, new_dtype=dtype)
