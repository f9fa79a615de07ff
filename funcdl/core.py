"""The core: abstract values, the IR, primitives, tracing and the IR interpreter.

A function over arrays is *traced* into an :class:`IR`: a list of equations, each
applying a :class:`Primitive` to variables or literals. Every interpretation of a
primitive (eager evaluation, shape rule, and in the transforms: jvp, transpose,
batching, numba lowering) is a rule registered on the primitive itself.

Tracing is a stack of :class:`Trace` objects. ``bind`` records an equation into
the innermost active trace, or evaluates the primitive eagerly when no trace is
active. ``eval_ir`` simply binds each equation again, so evaluating a (rewritten)
program while another trace is active records it into that trace: this is how
transforms nest.

A trace may be *concrete*: its inputs' values are known (grad/vjp/jvp outside jit),
and values of traced intermediates are computed lazily, only when Python asks for
them (``if x > 0``). An abstract trace (``make_ir``, ``jit``) raises
:class:`~funcdl.errors.ConcretizationError` instead.
"""
from __future__ import annotations

import contextlib
import itertools
import math
import threading
from typing import NamedTuple

import numpy as np

from . import tree_util
from .config import config
from .errors import ConcretizationError, ShapeError, UnexpectedTracerError

# ----------------------------------------------------------------------------------------
# Abstract values
# ----------------------------------------------------------------------------------------

_SHORT_DTYPE = {
    "float16": "f16", "float32": "f32", "float64": "f64",
    "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint8": "u8", "uint16": "u16", "uint32": "u32", "uint64": "u64", "bool": "bool",
}


class Aval:
    """The abstract value of an array: its shape and dtype.

    >>> Aval((2, 3), np.float32)
    f32[2,3]
    """

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = shape if type(shape) is tuple else tuple(int(d) for d in shape)
        self.dtype = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: math.prod(self.shape))

    def __eq__(self, other):
        return isinstance(other, Aval) and self.shape == other.shape and self.dtype == other.dtype

    def __hash__(self):
        return hash((self.shape, self.dtype))

    def str_short(self):
        return f"{_SHORT_DTYPE.get(self.dtype.name, self.dtype.name)}[{','.join(map(str, self.shape))}]"

    __repr__ = str_short


def aval_of(x):
    """The :class:`Aval` of an array, scalar or tracer."""
    if isinstance(x, Tracer):
        return x.aval
    if isinstance(x, Aval):
        return x
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    return Aval(x.shape, x.dtype)


# ----------------------------------------------------------------------------------------
# The IR: variables, literals, equations, programs
# ----------------------------------------------------------------------------------------


class Var:
    """A variable of the IR; it holds one array of abstract value ``aval``."""

    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"Var({self.aval})"


class Literal:
    """A scalar constant written inline in the IR."""

    __slots__ = ("val", "aval")

    def __init__(self, val):
        self.val = np.asarray(val)
        self.aval = Aval((), self.val.dtype)

    def __repr__(self):
        return f"Literal({self.val!r})"


class Eqn:
    """One equation: ``outputs = primitive[params](*inputs)``."""

    __slots__ = ("prim", "inputs", "outputs", "params")

    def __init__(self, prim, inputs, outputs, params):
        self.prim, self.inputs, self.outputs, self.params = prim, inputs, outputs, params


class IR:
    """A traced program: ``in_vars`` and ``const_vars`` (with values ``consts``) in,
    equations, ``out_vars`` (variables or literals) out.

    ``str(ir)`` prints it like a jaxpr:

    >>> import funcdl as fd, funcdl.numpy as fnp
    >>> print(fd.make_ir(lambda x: fnp.sum(fnp.sin(x)))(np.ones(3, np.float32)))
    { lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[] = reduce_sum[axes=(0,)] b in (c) }
    """

    def __init__(self, in_vars, const_vars, consts, eqns, out_vars):
        self.in_vars = list(in_vars)
        self.const_vars = list(const_vars)
        self.consts = list(consts)
        self.eqns = list(eqns)
        self.out_vars = list(out_vars)
        self._key = self._hash = None
        if config.check_ir:
            typecheck_ir(self)

    def structure_key(self):
        """A canonical key, equal for programs of the same structure whatever their
        constants' values: primitives, params (sub-programs compared structurally), wiring
        (variables numbered by first occurrence), literals and abstract values. Computed
        once (an IR is never mutated)."""
        if self._key is None:
            self._key = _structure_key(self)
        return self._key

    def __eq__(self, other):
        """Structural equality: the same structure and the same constants (small arrays
        by content, others by identity)."""
        if self is other:
            return True
        if not isinstance(other, IR) or hash(self) != hash(other):
            return False
        return (self.structure_key() == other.structure_key()
                and [_const_key(c) for c in self.consts] == [_const_key(c) for c in other.consts])

    def __hash__(self):
        if self._hash is None:
            self._hash = hash(self.structure_key())
        return self._hash

    @property
    def in_avals(self):
        return [v.aval for v in self.in_vars]

    @property
    def out_avals(self):
        return [v.aval for v in self.out_vars]

    def __call__(self, *args):
        """Evaluate the program on ``args`` (see :func:`eval_ir`)."""
        return eval_ir(self, args)

    def __str__(self):
        return format_ir(self)

    __repr__ = __str__


class _Identity:
    """A key part that compares an object by identity (and keeps it alive, so that its id
    is not reused while the key exists)."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __eq__(self, other):
        return isinstance(other, _Identity) and other.obj is self.obj

    def __hash__(self):
        return id(self.obj)


_SMALL_CONST = 64  # constants with at most this many elements are compared by content


def _const_key(c):
    if isinstance(c, np.ndarray) and c.size <= _SMALL_CONST:
        return (c.dtype.str, c.shape, c.tobytes())
    return _Identity(c)


def _param_key(v):
    """A hashable key of a param value: sub-programs compare structurally (IR.__eq__),
    unhashable values by identity."""
    if isinstance(v, (list, tuple)):
        return (type(v).__name__,) + tuple(_param_key(x) for x in v)
    if isinstance(v, dict):
        return ("dict",) + tuple(sorted((k, _param_key(x)) for k, x in v.items()))
    if isinstance(v, np.ndarray):
        return _const_key(v)
    try:
        hash(v)
    except TypeError:
        return _Identity(v)
    return v


def _structure_key(ir):
    ids = {}
    for v in ir.in_vars + ir.const_vars:
        ids[v] = len(ids)

    def atom(a):
        if isinstance(a, Literal):
            return ("lit", a.val.dtype.str, a.val.tobytes())
        return ids[a] if a in ids else ("free", a.aval)  # (a free variable: by aval)

    parts = [tuple(v.aval for v in ir.in_vars), tuple(v.aval for v in ir.const_vars)]
    for e in ir.eqns:
        parts.append((e.prim.name, tuple(atom(a) for a in e.inputs),
                      tuple(sorted((k, _param_key(v)) for k, v in e.params.items())),
                      tuple(v.aval for v in e.outputs)))
        for v in e.outputs:
            ids[v] = len(ids)
    parts.append(tuple(atom(a) for a in ir.out_vars))
    return tuple(parts)


def _var_names():
    for n in itertools.count(1):
        s = ""
        while n:
            n, r = divmod(n - 1, 26)
            s = chr(ord("a") + r) + s
        yield s


def _format_param(v):
    if isinstance(v, IR):
        return "{...}"
    if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
        return np.dtype(v).name
    if callable(v):
        return getattr(v, "__name__", type(v).__name__)
    return repr(v)


def _holds_ir(v):
    return isinstance(v, IR) or (isinstance(v, tuple) and any(isinstance(x, IR) for x in v))


def sub_programs(eqn):
    """``(label, program)`` for every program among ``eqn``'s params, in param order, as
    :func:`format_ir` prints them (a tuple param: ``name[j]`` for each element)."""
    found = []
    for k, v in eqn.params.items():
        if isinstance(v, IR):
            found.append((k, v))
        elif isinstance(v, tuple):
            found += [(f"{k}[{j}]", sub) for j, sub in enumerate(v) if isinstance(sub, IR)]
    return found


def map_sub_programs(params, fn):
    """``params`` with every program among them (alone or in a tuple) replaced by ``fn(program)``."""
    def apply(v):
        if isinstance(v, IR):
            return fn(v)
        if isinstance(v, tuple) and any(isinstance(x, IR) for x in v):
            return tuple(fn(x) if isinstance(x, IR) else x for x in v)
        return v
    return {k: apply(v) for k, v in params.items()}


def ir_names(ir):
    """The names :func:`format_ir` gives ``ir``'s variables (its sub-programs are printed
    with names of their own): ``a, b, ..., z, ba, ...`` in order of appearance, constants,
    inputs, then each equation's outputs."""
    order = [*ir.const_vars, *ir.in_vars, *(v for e in ir.eqns for v in [*e.outputs, *e.inputs]),
             *ir.out_vars]
    names, fresh = {}, _var_names()
    for v in order:
        if isinstance(v, Var) and v not in names:
            names[v] = next(fresh)
    return names


def format_ir(ir, indent=0, multiline=False):
    """Readable text of ``ir``: one line when short, else one equation per line."""
    names = ir_names(ir)

    def name(v):
        return repr(v.val.item()) if isinstance(v, Literal) else names[v]

    def decl(v):
        return f"{name(v)}:{v.aval.str_short()}"

    consts = " ".join(decl(v) for v in ir.const_vars)
    ins = " ".join(decl(v) for v in ir.in_vars)
    lines, nested = [], False
    for e in ir.eqns:
        outs = " ".join(decl(v) for v in e.outputs)
        params = ", ".join(f"{k}={_format_param(v)}" for k, v in e.params.items()
                           if not isinstance(v, (IR, tuple)) or not _holds_ir(v))
        params = f"[{params}]" if params else ""
        args = " ".join(name(v) for v in e.inputs)
        lines.append(f"{outs} = {e.prim.name}{params} {args}".rstrip())
        for label, sub in sub_programs(e):  # indented under their equation
            nested = True
            text = format_ir(sub, 0, multiline=True).splitlines()
            lines.append(f"  {label}=" + text[0])
            lines.extend("  " + t for t in text[1:])
    outs = "(" + ", ".join(name(v) for v in ir.out_vars) + ")"
    head = f"{{ lambda {consts}; {ins}. let" if consts else f"{{ lambda ; {ins}. let"
    one_line = f"{head} {'; '.join(lines)} in {outs} }}" if lines else f"{head} in {outs} }}"
    if len(one_line) <= 100 and not nested and not multiline:
        return one_line
    pad = " " * indent
    body = "".join(f"\n{pad}    {line}" for line in lines)
    return f"{pad}{head}{body}\n{pad}  in {outs} }}"


def typecheck_ir(ir):
    """Check ``ir`` and, recursively, its sub-programs: every variable is defined once,
    before use; constants match their variables; every equation's output avals agree with
    its primitive's shape rule; sub-programs take as many inputs as the operand groups
    they receive. Raises TypeError naming the equation otherwise.
    (``fd.config.update("check_ir", True)`` runs this on every IR when it is built.)"""
    defined = set()

    def define(v, where):
        if not isinstance(v, Var) or v in defined:
            raise TypeError(f"IR typecheck: {where} defines {v!r} twice or is not a variable")
        defined.add(v)

    for v in ir.in_vars:
        define(v, "an input")
    if len(ir.consts) != len(ir.const_vars):
        raise TypeError(f"IR typecheck: {len(ir.const_vars)} constant variables, {len(ir.consts)} values")
    for v, c in zip(ir.const_vars, ir.consts):
        define(v, "a constant")
        if aval_of(c) != v.aval:
            raise TypeError(f"IR typecheck: a constant of aval {aval_of(c)} is bound to a {v.aval} variable")
    for e in ir.eqns:
        for v in e.inputs:
            if isinstance(v, Var) and v not in defined:
                raise TypeError(f"IR typecheck: {e.prim.name} uses an undefined variable {v}")
            if isinstance(v, Literal) and v.aval != Aval((), v.val.dtype):
                raise TypeError(f"IR typecheck: {e.prim.name} has a malformed literal {v!r}")
        for _, sub in sub_programs(e):
            typecheck_ir(sub)
        e.prim.check_sub_programs(e)
        avals = e.prim.abstract_eval(*[v.aval for v in e.inputs], **e.params)
        avals = avals if e.prim.multiple_results else [avals]
        if list(avals) != [v.aval for v in e.outputs]:
            raise TypeError(f"IR typecheck: {e.prim.name} outputs {[v.aval for v in e.outputs]}, "
                            f"its shape rule says {avals}")
        for v in e.outputs:
            define(v, f"equation {e.prim.name}")
    for v in ir.out_vars:
        if isinstance(v, Var) and v not in defined:
            raise TypeError(f"IR typecheck: output {v} is undefined")


# ----------------------------------------------------------------------------------------
# Primitives
# ----------------------------------------------------------------------------------------

primitives: dict[str, "Primitive"] = {}


class Absent:
    """A rule a primitive lacks on purpose, with the reason (``Primitive.vjp = Absent(...)``)."""

    def __init__(self, reason):
        self.reason = reason

    def __bool__(self):
        return False

    def __repr__(self):
        return f"Absent({self.reason!r})"


_SHAPE_MEMO_SIZE = 4096  # per primitive; cleared when full


class Primitive:
    """A named operation and its rules. Every rule has a slot here; each is filled in the
    primitive's definition block, in the module that defines it (elementwise primitives
    declare everything in one call; the others use the helpers of ``primitives/rules.py``
    and ``primitives/lowering.py``, see CONTRIBUTING.md), or set to :class:`Absent`:

    - ``impl(*arrays, **params)``: eager evaluation with numpy;
    - ``shape_rule(*avals, **params)``: output aval(s), raising ShapeError;
    - ``jvp(tangents, primals, out, **params)``: forward mode (``None`` tangents are zero);
    - ``vjp(g, *primals, out, **params)``: reverse mode, one cotangent (or None) per input
      (for a linear primitive, its transpose: ``rules.deflinear``);
    - ``batch(args, dims, size, **params) -> (out, out_dims)``: vmap;
    - ``lower``: how jit emits it (a numba expression template, or an emitter function);
    - ``domain``: where its inputs are sampled in the primitive table's tests (optional).

    ``no_derivative`` marks primitives whose derivatives are all zero (comparisons,
    ``floor``, ``stop_gradient``): their jvp/vjp rules then say so.
    """

    RULES = ("impl", "shape_rule", "jvp", "vjp", "batch", "lower")
    no_derivative = False
    collective = False  # a named-axis collective (its param ``axis_name``): resolved by vmap

    def __init__(self, name, impl, shape_rule, multiple_results=False):
        if name in primitives:
            raise ValueError(f"primitive {name!r} is already registered")
        self.name = name
        self.impl = impl
        self.shape_rule = shape_rule
        self.multiple_results = multiple_results
        self.jvp = self.vjp = self.batch = self.lower = None  # filled by the definition block
        self.domain = None
        self._shape_memo = {}
        primitives[name] = self

    def missing_rules(self):
        """The rule slots neither filled nor declared :class:`Absent`."""
        return [r for r in self.RULES if getattr(self, r) is None]

    def abstract_eval(self, *avals, **params):
        """The output aval(s), memoized by (avals, params) when the params are hashable: a
        shape rule is a pure function of them, and tracing asks the same questions often."""
        if self.sub_program_specs:  # params hold sub-programs: not worth keeping alive
            return self.shape_rule(*avals, **params)
        try:
            key = (avals, tuple(params.items()))
            out = self._shape_memo.get(key)
        except TypeError:  # an unhashable param
            return self.shape_rule(*avals, **params)
        if out is None:
            out = self.shape_rule(*avals, **params)
            if len(self._shape_memo) >= _SHAPE_MEMO_SIZE:
                self._shape_memo.clear()
            self._shape_memo[key] = out
        return list(out) if self.multiple_results else out

    sub_program_specs = ()  # see HigherOrderPrimitive

    def check_sub_programs(self, eqn):
        """(HigherOrderPrimitive: raise TypeError when a sub-program does not fit.)"""

    def bind(self, *args, **params):
        return bind(self, *args, **params)

    def __repr__(self):
        return self.name


# ----------------------------------------------------------------------------------------
# Higher-order primitives: named operand groups and sub-programs
# ----------------------------------------------------------------------------------------


class Groups(dict):
    """Operands (or outputs, or a sub-program's inputs) cut into named groups, in order;
    a group reads as an attribute too (``groups.carry``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def flat(self):
        return [x for group in self.values() for x in group]


def split_groups(names, items, lengths):
    """``items`` cut into the groups ``names``; ``lengths`` gives the length of each
    group but one at most, which takes the rest."""
    rest = len(items) - sum(lengths[n] for n in names if n in lengths)
    groups, start = Groups(), 0
    for name in names:
        end = start + lengths.get(name, rest)
        groups[name] = list(items[start:end])
        start = end
    if start != len(items) or rest < 0:
        raise TypeError(f"{len(items)} items do not fall into the groups {names} of lengths {lengths}")
    return groups


class SubProgram(NamedTuple):
    """How a higher-order primitive uses the sub-program in its param ``param`` (a tuple of
    programs, such as cond's branches, shares one spec): the operand groups it receives
    and the groups it returns, in order. Hoisted constants (``codegen.hoist_constants``)
    join the first group it receives."""

    param: str
    receives: tuple
    returns: tuple


class HigherOrderPrimitive(Primitive):
    """A primitive whose params hold sub-programs (``cond``, ``while``, ``scan``), declared
    once so that passes and rules read operands by group name, never by offsets:

    - ``operands`` / ``outputs``: the names of its operand and output groups, in order;
    - ``lengths``: group name -> the param holding its length (or a fixed length); the
      one group of a sequence that is not listed takes the rest;
    - ``sub_program_specs``: a :class:`SubProgram` per param holding sub-programs;
    - ``constants_first``: hoisted constants go before the operands of their group (cond,
      whose operands start with the branches' closed-over constants), else after them.
    """

    def __init__(self, name, impl, shape_rule, *, operands, outputs, lengths, sub_programs,
                 constants_first=False):
        super().__init__(name, impl, shape_rule, multiple_results=True)
        self.operands, self.outputs, self.lengths = tuple(operands), tuple(outputs), dict(lengths)
        self.sub_program_specs, self.constants_first = tuple(sub_programs), constants_first

    def group_lengths(self, params):
        return {g: params[n] if isinstance(n, str) else n for g, n in self.lengths.items()}

    def length_params(self, groups):
        """The params holding the lengths of the operand ``groups`` (a dict of lists)."""
        return {n: len(groups[g]) for g, n in self.lengths.items() if isinstance(n, str)}

    def split(self, operands, params):
        return split_groups(self.operands, operands, self.group_lengths(params))

    def split_outputs(self, outputs, params):
        return split_groups(self.outputs, outputs, self.group_lengths(params))

    def spec(self, param):
        return next(s for s in self.sub_program_specs if s.param == param)

    def sub_inputs(self, param, items, params):
        """``items`` (one per input of the sub-program in ``param``) by group."""
        return split_groups(self.spec(param).receives, items, self.group_lengths(params))

    def sub_outputs(self, param, items, params):
        """``items`` (one per output of the sub-program in ``param``) by group."""
        return split_groups(self.spec(param).returns, items, self.group_lengths(params))

    def programs(self, params):
        """``(spec, program)`` for each sub-program (each branch of a tuple param)."""
        return [(s, p) for s in self.sub_program_specs
                for p in (params[s.param] if isinstance(params[s.param], tuple) else (params[s.param],))]

    def map_programs(self, params, fn):
        """``params`` with each sub-program replaced by ``fn(spec, program)``."""
        new = dict(params)
        for s in self.sub_program_specs:
            v = params[s.param]
            new[s.param] = tuple(fn(s, p) for p in v) if isinstance(v, tuple) else fn(s, v)
        return new

    def bind_groups(self, groups, **params):
        """Apply the primitive to operands given by group (a dict of lists; the length
        params are derived from them): returns its outputs by group."""
        params.update(self.length_params(groups))
        outs = bind(self, *[x for g in self.operands for x in groups[g]], **params)
        return self.split_outputs(outs, params)

    def check_sub_programs(self, eqn):
        groups = self.split(eqn.inputs, eqn.params)
        for spec, program in self.programs(eqn.params):
            expected = sum(len(groups[g]) for g in spec.receives)
            if len(program.in_vars) != expected:
                raise TypeError(f"IR typecheck: {self.name}'s {spec.param} takes {len(program.in_vars)} "
                                f"inputs, its groups {spec.receives} hold {expected} operands")


def shape_error(op, message, *shapes):
    """A ShapeError whose message names ``op`` and the operand ``shapes``."""
    got = ", ".join(str(tuple(s)) for s in shapes)
    return ShapeError(f"{op}: {message} (got shapes {got})")


# ----------------------------------------------------------------------------------------
# Named axes: vmap(f, axis_name=...) and the collectives of funcdl.lax
# ----------------------------------------------------------------------------------------

class _AxisEnv(threading.local):
    def __init__(self):
        self.bound = []  # (name, size) of the enclosing named vmaps, innermost last
        self.batching = []  # (name or None, size) of the vmaps whose batching runs, innermost last


_axis_env = _AxisEnv()


@contextlib.contextmanager
def bind_axis_name(name, size):
    """Bind the axis ``name`` to a mapped axis of ``size`` while the block runs (nothing for
    ``name=None``); an inner binding of a name shadows an outer one."""
    if name is None:
        yield
        return
    _axis_env.bound.append((name, int(size)))
    try:
        yield
    finally:
        _axis_env.bound.pop()


@contextlib.contextmanager
def batching_axis(name, size):
    """Mark the batching of the vmap over the axis ``name`` (None: anonymous) as running:
    the collectives over ``name`` that it meets are resolved on its batch dimension."""
    _axis_env.batching.append((name, int(size)))
    try:
        yield
    finally:
        _axis_env.batching.pop()


def current_batching_axis():
    """``(name, size)`` of the innermost running batching, or ``(None, None)``."""
    return _axis_env.batching[-1] if _axis_env.batching else (None, None)


def axis_size(name, op="lax.axis_size"):
    """The size of the mapped axis bound to ``name``; NameError (naming ``op`` and the fix)
    when no enclosing vmap binds it."""
    for bound, size in reversed(_axis_env.bound):
        if bound == name:
            return size
    raise unbound_axis_error(op, name)


def unbound_axis_error(op, name):
    bound = sorted({n for n, _ in _axis_env.bound}, key=str)
    known = f" (the bound axis names are {', '.join(map(repr, bound))})" if bound else ""
    return NameError(f"{op}: unbound axis name {name!r}{known}: call it inside "
                     f"vmap(f, axis_name={name!r}), which binds the name to the mapped axis")


def ir_axis_names(ir):
    """The axis names the collectives of ``ir`` (and of its sub-programs) refer to."""
    names = getattr(ir, "_axis_names", None)
    if names is None:
        names = frozenset(n for e in ir.eqns for n in eqn_axis_names(e))
        ir._axis_names = names  # an IR is never mutated
    return names


def eqn_axis_names(eqn):
    """The axis names the collectives of ``eqn`` (and of its sub-programs) refer to."""
    if eqn.prim.collective:
        return frozenset((eqn.params["axis_name"],))
    names = frozenset()
    for _, sub in sub_programs(eqn):
        names |= ir_axis_names(sub)
    return names


# ----------------------------------------------------------------------------------------
# Tracing
# ----------------------------------------------------------------------------------------

class _TraceState(threading.local):
    def __init__(self):
        self.stack = []  # the active traces, innermost last (one stack per thread)


_state = _TraceState()


def _trace_stack():
    return _state.stack


def current_trace():
    """The innermost active trace, or None when evaluating eagerly."""
    stack = _state.stack
    return stack[-1] if stack else None


_UNKNOWN = object()


class Tracer:
    """A traced array: a variable of the trace being built.

    It has the array interface of ``funcdl.numpy`` (operators, ``.shape``,
    ``.dtype``, indexing, ``.at[]``), installed by ``funcdl.numpy``.
    """

    __slots__ = ("trace", "ir_var", "aval", "weak", "__weakref__")
    __array_priority__ = 1000
    __array_ufunc__ = None  # numpy defers to our reflected operators

    def __init__(self, trace, var, weak=False):
        self.trace, self.ir_var, self.aval = trace, var, var.aval
        self.weak = weak  # a Python scalar argument: promotes weakly, like the scalar

    shape = property(lambda self: self.aval.shape)
    dtype = property(lambda self: self.aval.dtype)
    ndim = property(lambda self: len(self.aval.shape))
    size = property(lambda self: self.aval.size)

    def __len__(self):
        if not self.aval.shape:
            raise TypeError("len() of a 0-d traced array")
        return self.aval.shape[0]

    def __iter__(self):
        if not self.aval.shape:
            raise TypeError("iteration over a 0-d traced array")
        return (self[i] for i in range(self.aval.shape[0]))

    def concrete_value(self, what="this operation"):
        """The concrete numpy value, or ConcretizationError when it is abstract."""
        if not self.trace.active:
            raise _escaped_error(self)
        value = self.trace.value_of(self.ir_var)
        if value is _UNKNOWN:
            index = self.trace._producer.get(self.ir_var)
            origin = (f" (the output of `{self.trace.eqns[index].prim.name}`)"
                      if index is not None else " (an input)")
            raise ConcretizationError(
                f"{what} needs a concrete value, but got an abstract traced array "
                f"{self.aval}{origin} "
                "(inside jit, make_ir or vmap only shapes and dtypes are known). "
                "Fix: pass the argument as static (jit(f, static_argnums=...)), select with "
                "fnp.where(cond, a, b), or branch with lax.cond(pred, true_fun, false_fun, *operands).")
        return value

    def converted_value(self, what):
        """The concrete value for a conversion to a Python/numpy value (``what``); raises
        when the value is being differentiated, as converting it would drop the derivative."""
        if self.trace.active and is_differentiated(self):
            raise ConcretizationError(
                f"{what} would drop the derivative of a value being differentiated "
                f"({self.aval}): the result would be a constant and its gradient silently zero. "
                "Fix: use fnp operations on the traced value; wrap it in fd.stop_gradient(x) "
                "if you mean to drop the derivative.")
        return self.concrete_value(what)

    def __bool__(self):
        return bool(self.concrete_value("bool(x) (a Python `if`/`while` on a traced value)"))

    def __int__(self):
        return int(self.converted_value("int(x)"))

    def __float__(self):
        return float(self.converted_value("float(x)"))

    def __index__(self):
        return int(self.converted_value("using a traced value as a Python index (__index__)"))

    def __array__(self, dtype=None, copy=None):
        value = np.asarray(self.converted_value("np.asarray(x) (converting a traced value to numpy)"))
        return value if dtype is None else value.astype(dtype)

    def __hash__(self):
        raise TypeError("traced arrays are unhashable (they cannot be static arguments or dict keys)")

    def __repr__(self):
        state = "" if self.trace.active else ", escaped"
        return f"Tracer<{self.aval}{state}>"


def is_differentiated(x):
    """Whether ``x`` is a traced float value that depends on an input being differentiated
    (by grad/vjp/jvp), so that converting it to a constant would lose a derivative."""
    return isinstance(x, Tracer) and x.ir_var in x.trace.diff_vars


def _escaped_error(tracer):
    return UnexpectedTracerError(
        f"a traced value {tracer.aval} was used after the transform that created it ended "
        "(it escaped, e.g. stored in a global or on an object). Return it from the "
        "function instead of storing it.")


class Trace:
    """An IR under construction. Use as a context manager around the traced call.

    ``concrete=True`` lets traced values be read (lazily evaluated) when their
    inputs' values are known; otherwise the trace is abstract.
    """

    _levels = itertools.count()

    def __init__(self, concrete=False):
        self.concrete = concrete
        self.active = False
        self.level = next(Trace._levels)
        self.eqns: list[Eqn] = []
        self.in_vars: list[Var] = []
        self.const_vars: list[Var] = []
        self.consts: list = []  # numpy arrays, or tracers of an outer trace
        self._const_ids: dict[int, Var] = {}
        self._producer: dict[Var, int] = {}
        self.known: dict[Var, object] = {}
        self.diff_vars: set[Var] = set()  # float variables depending on differentiated inputs
        self._evaluated = 0  # eqns[:_evaluated] have been tried for values

    def __enter__(self):
        self.active = True
        _trace_stack().append(self)
        return self

    def __exit__(self, *exc):
        stack = _trace_stack()
        assert stack and stack[-1] is self, "trace stack corrupted"
        stack.pop()
        self.active = False
        return False

    @classmethod
    def extending(cls, ir):
        """A trace that continues ``ir``: its variables stay valid (``tracer_of``) and new
        equations are appended after ``ir``'s."""
        trace = cls(concrete=False)
        trace.in_vars, trace.eqns = list(ir.in_vars), list(ir.eqns)
        for var, value in zip(ir.const_vars, ir.consts):
            trace._const(value, var.aval, var)
        trace._producer = {v: i for i, e in enumerate(ir.eqns) for v in e.outputs}
        return trace

    def tracer_of(self, atom):
        """A tracer (or literal value) of this trace for an existing variable."""
        return atom.val if isinstance(atom, Literal) else Tracer(self, atom)

    # -- building ---------------------------------------------------------------------
    def new_arg(self, aval, value=_UNKNOWN, weak=False, differentiated=False):
        """A new input variable; ``value`` is its concrete value when known; ``weak`` for
        Python scalars (they keep numpy's weak promotion); ``differentiated`` when a
        transform takes derivatives w.r.t. it (an outer differentiated tracer counts too)."""
        var = Var(aval)
        self.in_vars.append(var)
        if is_inexact(aval.dtype) and (differentiated or is_differentiated(value)):
            self.diff_vars.add(var)
        if value is not _UNKNOWN:
            if isinstance(value, Tracer):  # an outer tracer: its value, if concrete
                value = _outer_value(value)
            if value is not _UNKNOWN:
                self.known[var] = value
        return Tracer(self, var, weak)

    def to_atom(self, x):
        """The IR atom (Var or Literal) for an operand of a primitive in this trace."""
        if isinstance(x, Tracer):
            if x.trace is self:
                return x.ir_var
            if not x.trace.active:
                raise _escaped_error(x)
            return self._const(x, x.aval)  # a value of an enclosing trace
        if isinstance(x, np.ndarray):
            if x.ndim == 0:
                return Literal(x)
            return self._const(x, Aval(x.shape, x.dtype))
        if isinstance(x, (np.generic, bool, int, float)):
            return Literal(x)
        raise TypeError(f"{type(x).__name__} is not a valid array operand: {x!r}")

    def _const(self, x, aval, var=None):
        existing = self._const_ids.get(id(x))
        if existing is not None:
            return existing
        var = self._const_ids[id(x)] = var or Var(aval)
        if is_differentiated(x):
            self.diff_vars.add(var)
        self.const_vars.append(var)
        self.consts.append(x)
        return var

    def add_eqn(self, prim, atoms, params):
        avals = prim.abstract_eval(*[a.aval for a in atoms], **params)
        outs = [Var(a) for a in avals] if prim.multiple_results else [Var(avals)]
        index = len(self.eqns)
        self.eqns.append(Eqn(prim, atoms, outs, params))
        producer = self._producer
        for v in outs:
            producer[v] = index
        diff_vars = self.diff_vars
        if diff_vars and not prim.no_derivative and not diff_vars.isdisjoint(atoms):
            diff_vars.update(v for v in outs if is_inexact(v.aval.dtype))
        if prim.multiple_results:
            return [Tracer(self, v) for v in outs]
        return Tracer(self, outs[0])

    def to_ir(self, outputs):
        """Close the trace into an IR whose outputs are ``outputs`` (tracers or values)."""
        return IR(self.in_vars, self.const_vars, self.consts, self.eqns,
                  [self.to_atom(x) for x in outputs])

    # -- lazy concrete values ---------------------------------------------------------
    def value_of(self, var):
        """The concrete value of ``var`` or _UNKNOWN (evaluating equations lazily)."""
        if var in self.known:
            return self.known[var]
        if not self.concrete:
            return _UNKNOWN
        if var in self._producer:
            self._evaluate_upto(self._producer[var])
        elif var in self.const_vars:
            x = self.consts[self.const_vars.index(var)]
            value = _outer_value(x) if isinstance(x, Tracer) else x
            if value is not _UNKNOWN:
                self.known[var] = value
        return self.known.get(var, _UNKNOWN)

    def _evaluate_upto(self, index):
        for i in range(self._evaluated, index + 1):
            eqn = self.eqns[i]
            ins = [a.val if isinstance(a, Literal) else self.value_of(a) for a in eqn.inputs]
            if any(v is _UNKNOWN for v in ins):
                continue
            if _axis_env.bound and eqn_axis_names(eqn):
                continue  # a collective's value depends on the other examples of its vmap
            outs = eqn.prim.impl(*ins, **eqn.params)
            outs = outs if eqn.prim.multiple_results else [outs]
            for var, val in zip(eqn.outputs, outs):
                self.known[var] = val
        self._evaluated = max(self._evaluated, index + 1)


def _outer_value(tracer):
    if not tracer.trace.active:
        raise _escaped_error(tracer)
    return tracer.trace.value_of(tracer.ir_var)


def bind(prim, *args, **params):
    """Apply ``prim`` to ``args``: record it in the innermost trace, or evaluate it."""
    stack = _state.stack
    if not stack:
        try:
            out = prim.impl(*args, **params)
        except Exception:
            _explain_eager_failure(prim, args, params)
            raise
        if config.debug_nans:
            check_nans(prim, out)
        return _scalars(prim, out)
    trace = stack[-1]
    return trace.add_eqn(prim, [trace.to_atom(x) for x in args], params)


def _scalars(prim, out):
    """0-d results as numpy scalars (as numpy's own functions return them)."""
    if prim.multiple_results:
        return [o[()] if type(o) is np.ndarray and o.ndim == 0 else o for o in out]
    return out[()] if type(out) is np.ndarray and out.ndim == 0 else out


def _explain_eager_failure(prim, args, params):
    """Raise the shape rule's clear error (or the escaped-tracer error) if it has one."""
    for x in args:
        if isinstance(x, Tracer):
            raise _escaped_error(x)
    prim.abstract_eval(*[aval_of(x) for x in args], **params)


def is_tracer(x):
    return isinstance(x, Tracer)


# ----------------------------------------------------------------------------------------
# Evaluating an IR
# ----------------------------------------------------------------------------------------


def eval_ir(ir, args, consts=None, known=None, return_env=False):
    """Evaluate ``ir`` on ``args`` (a sequence, one per input variable).

    With no active trace this computes numpy arrays; inside a trace it records the
    program's equations into that trace (inlining it). ``known`` maps variables to
    values already computed (they are not recomputed). With ``return_env`` the
    mapping of every variable to its value is returned too.
    """
    env = dict(known) if known else {}
    consts = ir.consts if consts is None else consts
    if len(args) != len(ir.in_vars):
        raise TypeError(f"IR takes {len(ir.in_vars)} arguments, got {len(args)}")
    env.update(zip(ir.const_vars, consts))
    env.update(zip(ir.in_vars, args))

    def read(a):
        return a.val if isinstance(a, Literal) else env[a]

    eager = not _trace_stack()
    for eqn in ir.eqns:
        if known and all(v in env for v in eqn.outputs):
            continue
        ins = [read(a) for a in eqn.inputs]
        if eager:
            try:
                outs = eqn.prim.impl(*ins, **eqn.params)
            except Exception:
                _explain_eager_failure(eqn.prim, ins, eqn.params)
                raise
            if config.debug_nans:
                check_nans(eqn.prim, outs)
            outs = _scalars(eqn.prim, outs)
        else:
            outs = bind(eqn.prim, *ins, **eqn.params)
        if eqn.prim.multiple_results:
            env.update(zip(eqn.outputs, outs))
        else:
            env[eqn.outputs[0]] = outs
    outs = [read(a) for a in ir.out_vars]
    return (outs, env) if return_env else outs


def check_nans(prim, outs):
    """``debug_nans``: raise FloatingPointError if ``prim`` produced a NaN."""
    for out in (outs if prim.multiple_results else [outs]):
        if isinstance(out, (np.ndarray, np.generic)) and out.dtype.kind == "f" and np.isnan(out).any():
            raise FloatingPointError(f"debug_nans: primitive `{prim.name}` produced a NaN "
                                     f"(output {np.shape(out)} {out.dtype.name})")


# ----------------------------------------------------------------------------------------
# make_ir: tracing a Python function over pytrees
# ----------------------------------------------------------------------------------------


def is_inexact(dtype):
    """Floating-point or complex: the dtypes that carry derivatives."""
    return dtype.kind in "fc"


_NUMERIC_KINDS = "biufc"


def check_arguments(fn_name, args, skip=()):
    """Every leaf of the arguments ``args`` (a tuple; positions in ``skip`` are static) must
    be a numeric array or scalar: raise a TypeError naming the argument otherwise (a type, a
    string or an arbitrary object would become a meaningless traced value)."""
    for i, arg in enumerate(args):
        if i in skip:
            continue
        for x in tree_util.tree_leaves(arg):
            kind = _leaf_kind(x)
            if kind not in _NUMERIC_KINDS:
                raise TypeError(
                    f"{fn_name}: argument {_argument_path(arg, x, i)} has {_describe_leaf(x)}, "
                    "not an array or a numeric scalar; transforms trace only arrays. Pass other "
                    "values through a closure or functools.partial (or, for jit, static_argnums/"
                    "static_argnames)")


def _leaf_kind(x):
    if isinstance(x, (Tracer, Aval, np.ndarray, np.generic)):
        return x.dtype.kind
    if type(x) in (bool, int, float, complex):
        return np.asarray(x).dtype.kind
    if isinstance(x, (str, bytes, type)) or not hasattr(x, "__array__"):
        return "O"
    try:
        return np.asarray(x).dtype.kind
    except Exception:  # an object that cannot become an array
        return "O"


def _describe_leaf(x):
    if isinstance(x, np.ndarray):
        return f"dtype {x.dtype.name}"
    text = repr(x)
    return f"type {type(x).__name__} ({text if len(text) <= 60 else text[:57] + '...'})"


def _path_of(tree, leaf, prefix):
    """Where ``leaf`` sits in ``tree`` (through lists, tuples and dicts): ``prefix[...]``."""
    if tree is leaf:
        return prefix
    if isinstance(tree, dict):
        items = tree.items()
    elif isinstance(tree, (list, tuple)):
        items = enumerate(tree)
    else:
        return None
    for key, sub in items:
        found = _path_of(sub, leaf, f"{prefix}[{key!r}]")
        if found is not None:
            return found
    return None


def _argument_path(arg, leaf, i):
    return _path_of(arg, leaf, f"args[{i}]") or f"args[{i}] (a leaf inside it)"


def is_weak_scalar(x):
    """Python scalars (and weak traced values) promote weakly: ``x * 2.0`` keeps x's dtype."""
    return type(x) in (int, float, bool) or (isinstance(x, Tracer) and x.weak)


def _as_array(x):
    """A leaf as a numpy array or tracer (lists/scalars converted); avals stay abstract."""
    if isinstance(x, (Tracer, np.ndarray, Aval)):
        return x
    return np.asarray(x)


def trace_to_ir(fun, args, *, concrete=False, static_argnums=(), diff=(), name="jit/make_ir"):
    """Trace ``fun(*args)`` into an IR over the flattened non-static arguments.

    Returns ``(ir, out_tree, trace)``. Leaves of ``args`` may be arrays, scalars or
    tracers of an enclosing trace; with ``concrete=True`` their values (when known)
    are available to Python control flow. ``diff``: indices of the flat leaves being
    differentiated (converting values that depend on them to constants raises). ``name``
    names the transform in errors about the arguments.
    """
    static_argnums = _normalize_argnums(static_argnums, len(args), "make_ir")
    check_arguments(name, args, static_argnums)
    dynamic = [a for i, a in enumerate(args) if i not in static_argnums]
    leaves, in_tree = tree_util.tree_flatten(dynamic)
    weak = [is_weak_scalar(x) for x in leaves]
    leaves = [_as_array(x) for x in leaves]
    with Trace(concrete=concrete) as trace:
        diff = set(diff)
        tracers = [trace.new_arg(aval_of(x), x if concrete and not isinstance(x, Aval) else _UNKNOWN, w,
                                 differentiated=i in diff)
                   for i, (x, w) in enumerate(zip(leaves, weak))]
        dyn_args = iter(tree_util.tree_unflatten(in_tree, tracers))
        full = [a if i in static_argnums else next(dyn_args) for i, a in enumerate(args)]
        out = fun(*full)
        out_leaves, out_tree = tree_util.tree_flatten(out)
        for x in out_leaves:
            _check_output_leaf(x)
        ir = trace.to_ir(out_leaves)
    return ir, out_tree, trace


def _check_output_leaf(x):
    if isinstance(x, (Tracer, np.ndarray, np.generic, bool, int, float)):
        return
    raise TypeError(f"a traced function must return arrays or scalars (in any pytree), "
                    f"got a {type(x).__name__}: {x!r}")


def _normalize_argnums(argnums, nargs, fn_name):
    argnums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    out = []
    for i in argnums:
        j = i + nargs if i < 0 else i
        if not 0 <= j < nargs:
            raise ValueError(f"{fn_name}: argnum {i} is out of range for {nargs} positional arguments")
        out.append(j)
    return tuple(out)


def make_ir(fun, static_argnums=()):
    """Return a function that traces ``fun`` at the given arguments and returns its IR.

    Tracing is abstract (only shapes and dtypes), as under ``jit``.

    >>> import funcdl as fd, funcdl.numpy as fnp
    >>> print(fd.make_ir(lambda x, y: x * y + 1.0)(np.float32(2), np.float32(3)))
    { lambda ; a:f32[] b:f32[]. let c:f32[] = mul a b; d:f32[] = add c 1.0 in (d) }
    """

    def traced(*args):
        ir, _, _ = trace_to_ir(fun, args, static_argnums=static_argnums, name="make_ir")
        return ir

    traced.__name__ = f"make_ir({getattr(fun, '__name__', 'fun')})"
    return traced
