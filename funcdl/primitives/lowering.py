"""The toolkit of numba lowering rules: ``prim.lower(gen, eqn)`` appends code lines.

A primitive's lowering is declared in its definition block with :func:`lowers`; the code
generator (``funcdl.transforms.codegen.Codegen``, passed in as ``gen``) calls it for every
equation it does not fuse into a loop expression. ``gen`` gives names (``gen.var``,
``gen.fresh``), reads (``gen.read``), allocation (``gen.alloc``), loops (``gen.loop_nest``)
and sub-programs (``gen.sub_program``); the helpers here build the text around them.
"""
import inspect
import math

import numpy as np

from ..core import Literal


def lowers(*prims):
    """Declare ``fn(gen, eqn)`` the numba lowering of ``prims``.

    >>> @lowers(my_p)                                   # doctest: +SKIP
    ... def _my(gen, eqn):
    ...     gen.emit(f"{gen.var(eqn.outputs[0])} = {operand(gen, eqn.inputs[0])}")
    """
    def register(fn):
        for prim in prims:
            prim.lower = fn
        return fn
    return register


# The numba helper functions generated code may call, by name: a lowering adds the name to
# ``gen.helpers``. They are real functions in ``funcdl/_kernels.py``: a program compiled as
# one function carries their source, an outlined kernel imports them.
HELPERS = ("_max", "_min", "_f16", "_floordiv", "_intrem", "_threefry")


def helper_source(name):
    """The source of numba helper ``name``, to put in front of a generated function."""
    from .. import _kernels  # noqa: PLC0415 - numba is imported on the first jit, not by funcdl
    return "\n" + inspect.getsource(getattr(_kernels, name).py_func)


# numba keeps float32 and float64 through these operations on operands of one dtype;
# integers narrower than 64 bits (and the float64-valued math.erf) need an explicit cast.
# Every cast costs compile time, so only those are emitted. (Templates name float32
# variants with ``{f}``: ``_vmath.exp{f}`` is ``_vmath.expf`` for float32 operands, and
# ``{bits}`` is the first operand's width in bits.)
PROMOTING = {"erf", "erf_inv", "pow", "rem", "sign", "lgamma", "digamma", "i0e", "i1e", "polygamma",
             "zeta", "igamma", "igammac", "betainc"}

# Modules of numba functions that lowering templates call as ``module.fn(...)``.
CALLED_MODULES = ("_special", "_vmath", "_linalg_kernels", "_numpy_calls")


def _array_type(aval):
    """numba's name of a C-contiguous array type of ``aval``'s dtype and rank (rank >= 1)."""
    return f"{aval.dtype.name}[{', '.join([':'] * (len(aval.shape) - 1) + ['::1'])}]"


def objmode_call(gen, eqn, call):
    """Emit ``eqn``'s outputs as ``_numpy_calls.<call>`` (a Python expression over the
    generated names), run by the interpreter inside ``numba.objmode``: a call out of
    generated code for what numba cannot compile. The function returns C-contiguous arrays
    of the outputs' dtypes (a tuple of them for a primitive with multiple results)."""
    gen.imports.add("from funcdl import _numpy_calls")
    if not eqn.prim.multiple_results:
        name = gen.var(eqn.outputs[0])
        gen.emit(f"with numba.objmode({name}={_array_type(eqn.outputs[0].aval)!r}):")
        gen.emit(f"{name} = _numpy_calls.{call}", depth=2)
        return
    # one tuple out of the block: numba refuses annotated names that are not used after it
    result = gen.fresh("r")
    types = "".join(_array_type(v.aval) + ", " for v in eqn.outputs)
    gen.emit(f"with numba.objmode({result}={f'Tuple(({types}))'!r}):")
    gen.emit(f"{result} = _numpy_calls.{call}", depth=2)
    gen.emit(f"{''.join(gen.var(v) + ', ' for v in eqn.outputs)}= {result}")


def needs_cast(prim_name, dtype):
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return False
    if dtype.kind in "iu":
        return dtype.itemsize < 8 or dtype.kind == "u"
    if dtype == np.complex64:
        return True  # numba computes some complex64 operations in complex128
    return dtype == np.float32 and prim_name in PROMOTING


def dtype_ctor(dtype):
    """The numba constructor of ``dtype``; float16 values are held in float32 (numba has no
    float16), rounded to float16 after every operation, as numpy computes them."""
    dtype = np.dtype(dtype)
    if dtype == np.float16:
        return "np.float32"
    return f"np.{dtype.name}" if dtype != np.bool_ else "np.bool_"


def round_f16(gen, dtype, text):
    """``text`` rounded to float16 when ``dtype`` is float16."""
    if np.dtype(dtype) != np.float16:
        return text
    gen.helpers.add("_f16")
    return f"_f16({text})"


def round_f16_array(gen, name, aval):
    """Round a float16 array (held in float32) that BLAS or a kernel computed."""
    if aval.dtype != np.float16 or not aval.shape:
        if aval.dtype == np.float16:
            gen.emit(f"{name} = {round_f16(gen, aval.dtype, name)}")
        return
    flat, i = gen.fresh("f"), gen.fresh("i")
    gen.emit(f"{flat} = {name}.reshape({aval.size})")
    gen.emit(f"for {i} in range({aval.size}):")
    gen.emit(f"{flat}[{i}] = {round_f16(gen, aval.dtype, f'{flat}[{i}]')}", 2)


def literal(value, dtype):
    value = np.asarray(value, dtype).item()
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return repr(bool(value))
    if dtype.kind == "f":
        return f"{dtype_ctor(dtype)}({_float_text(value)})"
    if dtype.kind == "c":
        return f"{dtype_ctor(dtype)}(complex({_float_text(value.real)}, {_float_text(value.imag)}))"
    return f"{dtype_ctor(dtype)}({int(value)})"


def _float_text(value):
    if math.isnan(value):
        return "np.nan"
    if math.isinf(value):
        return f"{'-' if value < 0 else ''}np.inf"
    return repr(value)


def contiguous(gen, atom):
    """A C-contiguous array expression for ``atom`` (0-d atoms become 1-element arrays)."""
    if isinstance(atom, Literal) or not atom.aval.shape:
        value = gen.read(atom, [], ())
        return f"np.full((), {value}, dtype={dtype_ctor(atom.aval.dtype)})"
    return gen.var(atom)


def scalar_identity(gen, x, out):
    """Shape operations on 0-d values (scalars in generated code) are the identity."""
    if out.aval.shape:
        return False
    gen.emit(f"{gen.var(out)} = {gen.read(x, [], ())}")
    return True


def element(gen, atom, parts):
    """The expression of ``atom[parts]``; 0-d atoms are scalars already."""
    return f"{gen.var(atom)}[{', '.join(parts)}]" if atom.aval.shape else gen.read(atom, [], ())


def view(gen, name, shape, new_shape, prefix="f"):
    """``name`` (of ``shape``) viewed as ``new_shape``: itself when they agree."""
    if tuple(shape) == tuple(new_shape):
        return name
    view = gen.fresh(prefix)
    gen.emit(f"{view} = {name}.reshape({tuple(new_shape)!r})")
    return view


def offset(start, i, step=1):
    """The index text ``start + i * step``, without its zero or unit parts."""
    if i == "0":
        return str(start)
    term = i if step == 1 else f"{i} * {step}"
    return term if start == 0 else f"{start} + {term}"


def operand(gen, atom):
    """An expression for a whole operand (array name, scalar name or literal)."""
    return gen.read(atom, [], ()) if isinstance(atom, Literal) or not atom.aval.shape else gen.var(atom)


def fresh_copy(gen, atom):
    """A writable, C-contiguous starting value for a loop-carried variable."""
    return f"{operand(gen, atom)}.copy()" if not isinstance(atom, Literal) and atom.aval.shape \
        else operand(gen, atom)


def assign_all(gen, targets, values, depth):
    """Simultaneous assignment (a new carry may read the old value of another one)."""
    if targets:
        gen.emit(f"{', '.join(targets)} = {', '.join(values)}", depth)
