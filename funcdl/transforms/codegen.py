"""IR -> the source of one ``@numba.njit`` function.

Elementwise equations (and ``broadcast_to``) are fused: an elementwise value used once,
by an elementwise equation or a reduction over the same shape, is computed inline as a
scalar expression in its consumer's loop nest instead of being stored. Everything else
is materialized in a C-contiguous array by its primitive's lowering rule (``prim.lower``):
reductions and gathers are loops, contractions are ``np.dot`` on contiguous 2-D blocks,
convolution is im2col + ``np.dot``. Constants are typed (``np.float32(0.5)``), so
float32 programs stay float32.

Generated code reads like the IR it comes from: each variable is named as ``str(ir)``
prints it (``a``, ``b``, ..., ``ba``; a name that is a Python keyword or builtin, or a
global of the generated module such as ``np``, gets a trailing underscore, ``if_``), and
each loop nest or statement group starts with a comment holding the equations it
computes. A sub-program (cond branch, while condition or body, scan body) is printed by
``str(ir)`` with names of its own; in the code they are prefixed ``s<k>_``, ``k`` counting
the sub-programs in the order ``str(ir)`` prints them (``s1_c`` is ``c`` of the first).
Comments show the code's names, so inside a sub-program an input appears as the outer
value bound to it. Temporaries of the generator (loop indices, views, scalar locals) are
a letter prefix and a number (``i3``, ``f7``, ``x12``), which IR names never are.
"""
import builtins
import keyword
import math

import numpy as np

from .. import primitives as P
from ..core import IR, Absent, Eqn, Literal, Var, _format_param, _holds_ir, ir_names, primitives
from ..primitives.lowering import (assign_all, lowers, contiguous, dtype_ctor, element, fresh_copy, literal,
                                   needs_cast, offset, operand, round_f16, round_f16_array,
                                   scalar_identity, view)
from .simplify import dce

# names an IR variable must not take in generated code: they would shadow Python or a
# global of the generated module
RESERVED = (set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(builtins))
            | {"np", "math", "numba", "kernel"})
COMMENT_LINES, COMMENT_WIDTH = 8, 160  # the longest equation comment
MAX_INLINE_DEPTH = 40  # equations inlined into one expression, nested



class _Fusible:
    """The primitives computed inline in loop expressions: every elementwise primitive (its
    template is ``prim.lower``, declared with it) and the structural ones below."""

    OTHERS = ("select", "convert", "broadcast_to", "stop_gradient")

    def __contains__(self, name):
        return name in P.elementwise_prims or name in self.OTHERS


FUSIBLE = _Fusible()
REDUCTIONS = {"reduce_sum", "reduce_max", "reduce_min", "reduce_prod"}

HELPERS = {
    "_max": '''
@numba.njit(cache=True)
def _max(a, b):
    return a if (a >= b or a != a) else b
''',
    "_min": '''
@numba.njit(cache=True)
def _min(a, b):
    return a if (a <= b or a != a) else b
''',
    "_f16": '''
@numba.njit(cache=True)
def _f16(x):
    """x rounded to the nearest float16 (ties to even), held in a float32."""
    a = abs(np.float64(x))
    if a == 0.0 or not a < np.inf:
        return np.float32(x)
    q = max(math.frexp(a)[1] - 11, -24)  # the exponent of float16's last place at a
    r = math.ldexp(np.rint(math.ldexp(a, -q)), q)
    if r > 65504.0:
        r = np.inf
    return np.float32(r if x > 0 else -r)
''',
    "_floordiv": '''
@numba.njit(cache=True)
def _floordiv(a, b):
    if b == 0:
        return a - a  # numpy: 0 (of a's type)
    if b == -1:
        return -a  # wraps for the most negative value, as in numpy
    return a // b
''',
    "_intrem": '''
@numba.njit(cache=True)
def _intrem(a, b):
    if b == 0 or b == -1:
        return a - a  # numpy: 0
    return a % b
''',
    "_threefry": '''
@numba.njit(cache=True)
def _threefry(k0, k1, x0, x1):
    m = np.uint64(0xFFFFFFFF)
    ks0, ks1 = np.uint64(k0), np.uint64(k1)
    ks2 = ks0 ^ ks1 ^ np.uint64(0x1BD11BDA)
    ks = (ks0, ks1, ks2)
    a = (np.uint64(x0) + ks0) & m
    b = (np.uint64(x1) + ks1) & m
    rot = (13, 15, 26, 6, 17, 29, 16, 24)
    for block in range(5):
        for r in range(4):
            s = np.uint64(rot[(block % 2) * 4 + r])
            a = (a + b) & m
            b = ((b << s) | (b >> (np.uint64(32) - s))) & m
            b = b ^ a
        a = (a + ks[(block + 1) % 3]) & m
        b = (b + ks[(block + 2) % 3] + np.uint64(block + 1)) & m
    return np.uint32(a), np.uint32(b)
''',
}


CALLS = ("custom_vjp_call", "jit_call")  # call primitives: their program runs in place


def inline_calls(ir):
    """Replace call equations (``custom_vjp_call``, whose custom rule only matters to
    differentiation, and ``jit_call``) by their programs, also inside control-flow bodies;
    the programs' variables are renamed (a program may be called twice) and their constants
    join the program's constants."""
    if not _has_calls(ir):
        return ir
    const_vars, consts, eqns = list(ir.const_vars), list(ir.consts), []
    for eqn in ir.eqns:
        if eqn.prim.name not in CALLS:
            params = {k: _inline_in(v) for k, v in eqn.params.items()}
            eqns.append(Eqn(eqn.prim, eqn.inputs, eqn.outputs, params) if params != eqn.params else eqn)
            continue
        sub = inline_calls(eqn.params["call_ir"])
        rename = dict(zip(sub.in_vars, eqn.inputs))
        for v, c in zip(sub.const_vars, sub.consts):
            rename[v] = Var(v.aval)
            const_vars.append(rename[v])
            consts.append(c)
        atom = lambda a: rename.get(a, a) if isinstance(a, Var) else a  # noqa: E731
        for e in sub.eqns:
            outs = [rename.setdefault(v, Var(v.aval)) for v in e.outputs]
            eqns.append(Eqn(e.prim, [atom(a) for a in e.inputs], outs, e.params))
        for inner, outer in zip(sub.out_vars, eqn.outputs):  # alias outputs with a copy-free op
            eqns.append(Eqn(_identity(), [atom(inner)], [outer], {}))
    return IR(ir.in_vars, const_vars, consts, eqns, ir.out_vars)


def _has_calls(ir):
    return any(e.prim.name in CALLS or any(_has_calls(sub) for sub in _sub_programs(e))
               for e in ir.eqns)


def _sub_programs(eqn):
    return [v for value in eqn.params.values()
            for v in (value if isinstance(value, tuple) else (value,)) if isinstance(v, IR)]


def _inline_in(value):
    if isinstance(value, IR):
        return inline_calls(value)
    if isinstance(value, tuple) and any(isinstance(v, IR) for v in value):
        return tuple(inline_calls(v) if isinstance(v, IR) else v for v in value)
    return value


def hoist_constants(ir):
    """Constants of control-flow sub-programs become operands of their equation (and
    constants of the whole program), so generated code receives every array as an
    argument. Recursive; a no-op for programs without control flow."""
    if not any(e.prim.name in ("cond", "while", "scan") for e in ir.eqns):
        return ir
    const_vars, consts, eqns = list(ir.const_vars), list(ir.consts), []
    for eqn in ir.eqns:
        name, params = eqn.prim.name, dict(eqn.params)
        if name not in ("cond", "while", "scan"):
            eqns.append(eqn)
            continue
        subs = {k: v for k, v in params.items() if isinstance(v, IR) or
                (isinstance(v, tuple) and v and isinstance(v[0], IR))}
        for k, v in subs.items():
            params[k] = tuple(hoist_constants(b) for b in v) if isinstance(v, tuple) else hoist_constants(v)
        inputs = list(eqn.inputs)
        if name == "cond":  # every branch takes every branch's hoisted constants
            branches = params["branches"]
            hoisted = [[Var(c.aval) for c in b.const_vars] for b in branches]
            new_branches = []
            for j, b in enumerate(branches):
                pre = []
                for k, hv in enumerate(hoisted):
                    pre += list(b.const_vars) if k == j else [Var(v.aval) for v in hv]
                new_branches.append(IR(pre + b.in_vars, [], [], b.eqns, b.out_vars))
            for b, hv in zip(branches, hoisted):
                const_vars += hv
                consts += b.consts
            params["branches"] = tuple(new_branches)
            inputs = [inputs[0]] + [v for hv in hoisted for v in hv] + inputs[1:]
        elif name == "while":
            c, b = params["cond_ir"], params["body_ir"]
            cv, bv = [Var(v.aval) for v in c.const_vars], [Var(v.aval) for v in b.const_vars]
            n_cond, n_body = params["n_cond"], params["n_body"]
            params["cond_ir"] = IR(c.in_vars[:n_cond] + c.const_vars + c.in_vars[n_cond:], [], [], c.eqns, c.out_vars)
            params["body_ir"] = IR(b.in_vars[:n_body] + b.const_vars + b.in_vars[n_body:], [], [], b.eqns, b.out_vars)
            const_vars += cv + bv
            consts += c.consts + b.consts
            inputs = (inputs[:n_cond] + cv + inputs[n_cond:n_cond + n_body] + bv + inputs[n_cond + n_body:])
            params["n_cond"], params["n_body"] = n_cond + len(cv), n_body + len(bv)
        else:
            b = params["body"]
            n_consts = params["n_consts"]
            bv = [Var(v.aval) for v in b.const_vars]
            params["body"] = IR(b.in_vars[:n_consts] + b.const_vars + b.in_vars[n_consts:], [], [], b.eqns, b.out_vars)
            const_vars += bv
            consts += b.consts
            inputs = inputs[:n_consts] + bv + inputs[n_consts:]
            params["n_consts"] = n_consts + len(bv)
        eqns.append(Eqn(eqn.prim, inputs, eqn.outputs, params))
    return IR(ir.in_vars, const_vars, consts, eqns, ir.out_vars)


def _identity():
    from .. import primitives as P
    return P.stop_gradient_p


def number_sub_programs(ir, numbers):
    """Number ``ir``'s sub-programs (recursively, from ``len(numbers) + 1``) in the order
    ``format_ir`` prints them: ``numbers[id(sub)] = k``."""
    for e in ir.eqns:
        for value in e.params.values():
            for sub in (value if isinstance(value, tuple) else (value,)):
                if isinstance(sub, IR) and id(sub) not in numbers:
                    numbers[id(sub)] = len(numbers) + 1
                    number_sub_programs(sub, numbers)


def safe_name(name):
    """``name`` as an identifier that shadows nothing generated code uses."""
    return name + "_" if name in RESERVED else name


class Codegen:
    """Generates the source of ``def name(*inputs, *consts): ... return (*outputs,)``."""

    def __init__(self, ir, name="kernel", fuse=True, nan_checks=False, parent=None):
        if parent is None:
            ir = hoist_constants(inline_calls(ir))
            self.scopes = {}  # id(sub-program) -> its number k (names s<k>_...)
            number_sub_programs(ir, self.scopes)
            prefix = ""
        else:
            scopes = parent.root.scopes
            prefix = f"s{scopes.setdefault(id(ir), len(scopes) + 1)}_"
        # named before dead code goes, as str(ir) names them
        self.ir_names = {v: safe_name(prefix + n) for v, n in ir_names(ir).items()}
        self.ir = dce(ir)
        self.name = name
        self.fuse = fuse and not nan_checks
        self.nan_checks = nan_checks
        self.names = {}
        self.flat = None
        self.locals = {}
        self.base = {}  # array name -> the name of the buffer it is a view of
        if parent is None:  # the root owns the text and the counters
            self.root, self.lines, self.helpers, self.imports = self, [], set(), set()
            self.counter, self.indent = 0, 0
        else:  # a sub-program (loop body, branch): writes into its parent's text
            self.root, self.lines = parent.root, parent.lines
            self.helpers, self.imports = parent.helpers, parent.imports
            self.indent = parent.indent
        self._count_uses()

    # -- naming and uses --------------------------------------------------------------
    def fresh(self, prefix="t"):
        self.root.counter += 1
        return f"{prefix}{self.root.counter}"

    def var(self, v):
        if v not in self.names:
            name = self.ir_names.get(v) or self.fresh("v")
            self.names[v] = name + "_" if name == self.root.name else name
        return self.names[v]

    # -- comments: the equations each group of lines computes ---------------------------
    def computed_in(self, group):
        """``group`` and the equations inlined into it, in program order."""
        found, stack = {id(e): e for e in group}, list(group)
        while stack:
            for a in stack.pop().inputs:
                if isinstance(a, Var) and a in self.inline and id(self.producer[a]) not in found:
                    found[id(self.producer[a])] = self.producer[a]
                    stack.append(self.producer[a])
        return [e for e in self.ir.eqns if id(e) in found]

    def eqn_text(self, e):
        """``e`` as ``format_ir`` prints it, with the generated code's names."""
        outs = " ".join(f"{self.var(v)}:{v.aval.str_short()}" for v in e.outputs)
        params = ", ".join(f"{k}={_format_param(v)}" for k, v in e.params.items() if not _holds_ir(v))
        args = " ".join(repr(a.val.item()) if isinstance(a, Literal) else self.var(a) for a in e.inputs)
        text = f"{outs} = {e.prim.name}{f'[{params}]' if params else ''} {args}".rstrip()
        return text if len(text) <= COMMENT_WIDTH else text[:COMMENT_WIDTH - 3] + "..."

    def comment(self, group):
        """Comment lines naming the equations of ``group`` (long groups: the first and
        last few)."""
        texts = [self.eqn_text(e) for e in self.computed_in(group)]
        if len(texts) > COMMENT_LINES:
            hidden = len(texts) - COMMENT_LINES + 1
            texts = texts[:COMMENT_LINES - 2] + [f"... {hidden} more ..."] + texts[-1:]
        return ["    " * (1 + self.indent) + "# " + t for t in texts]

    def _count_uses(self):
        self.uses, self.consumer, self.users = {}, {}, {}
        for e in self.ir.eqns:
            for a in e.inputs:
                if isinstance(a, Var):
                    self.uses[a] = self.uses.get(a, 0) + 1
                    self.consumer[a] = e
                    self.users.setdefault(a, []).append(e)
        for v in self.ir.out_vars:
            if isinstance(v, Var):
                self.uses[v] = self.uses.get(v, 0) + 2  # outputs are always materialized
        self.inline, depth = set(), {}  # depth: of the expression inlined for a value
        if not self.fuse:
            return
        for e in self.ir.eqns:
            if e.prim.name not in FUSIBLE or e.prim.multiple_results:
                continue
            out = e.outputs[0]
            consumer = self.consumer.get(out)
            if self.uses.get(out) != 1 or consumer is None:
                continue
            d = 1 + max((depth.get(a, 0) for a in e.inputs if isinstance(a, Var)), default=0)
            if d > MAX_INLINE_DEPTH:  # Python's parser takes 200 nested parentheses at most
                continue
            if consumer.prim.name in FUSIBLE and consumer.outputs[0].aval.shape == out.aval.shape:
                self.inline.add(out)
            elif consumer.prim.name in REDUCTIONS and out.aval.shape:
                self.inline.add(out)
            depth[out] = d if out in self.inline else 0

    def used_only_in(self, var, group_ids):
        """Is ``var`` read only by the equations ``group_ids`` (directly or through
        expressions inlined into them), and not a program output?"""
        if var in self.ir.out_vars:
            return False
        for user in self.users.get(var, []):
            if id(user) in group_ids:
                continue
            out = user.outputs[0]
            if not (out in self.inline and self.used_only_in(out, group_ids)):
                return False
        return True

    def view_of(self, name, source):
        """Record that array ``name`` may share memory with ``source``."""
        self.base[name] = self.base.get(source, source)

    def emit(self, line, depth=1):
        self.lines.append("    " * (depth + self.indent) + line)

    # -- expressions ------------------------------------------------------------------
    def read(self, atom, idx, shape):
        """Expression for ``atom`` at loop indices ``idx`` of a loop over ``shape``
        (right-aligned broadcasting)."""
        if isinstance(atom, Literal):
            return literal(atom.val, atom.aval.dtype)
        if atom in self.locals:
            return self.locals[atom]
        if atom in self.inline:
            return self.expr(self.producer[atom], idx, shape)
        name = self.var(atom)
        s = atom.aval.shape
        if not s:
            return name
        if idx is None:  # collapsed mode: arrays read through views of merged dimensions
            return self.collapsed_read(name, s)
        offset = len(shape) - len(s)
        parts = ["0" if d == 1 and shape[offset + k] != 1 else idx[offset + k] for k, d in enumerate(s)]
        return f"{name}[{', '.join(parts)}]"

    def expr(self, eqn, idx, shape):
        """The scalar expression computing ``eqn``'s output at ``idx``."""
        name, out = eqn.prim.name, eqn.outputs[0]
        args = [self.read(a, idx, shape) for a in eqn.inputs]
        if name == "broadcast_to":
            return args[0]
        if name == "select":
            return f"({args[1]} if {args[0]} else {args[2]})"
        if name == "convert":
            if out.aval.dtype == np.bool_:
                return f"({args[0]} != 0)"
            if out.aval.dtype == np.float16:
                return round_f16(self, out.aval.dtype, f"np.float64({args[0]})")
            return f"{dtype_ctor(out.aval.dtype)}({args[0]})"
        integer = out.aval.dtype.kind in "iu"
        if name == "div":
            text = f"_floordiv({args[0]}, {args[1]})" if integer else f"({args[0]} / {args[1]})"
        elif name == "rem" and integer:
            text = f"_intrem({args[0]}, {args[1]})"
        else:
            text = eqn.prim.lower.format(*args)
        for h in ("_max", "_min", "_floordiv", "_intrem"):
            if h + "(" in text:
                self.helpers.add(h)
        if "_special." in text:
            self.imports.add("from funcdl import _special")
        if needs_cast(name, out.aval.dtype):
            return f"{dtype_ctor(out.aval.dtype)}({text})"
        if name not in ("stop_gradient", "neg", "abs", "max", "min"):  # those are exact
            return round_f16(self, out.aval.dtype, text)
        return text

    # -- loops ------------------------------------------------------------------------
    def loop_nest(self, shape, body, depth=1):
        """Emit nested loops over ``shape``; ``body(idx, depth)`` emits the innermost code.
        A dimension of size 1 has no loop: its index is ``"0"``."""
        idx = []
        for d in shape:
            if d == 1:
                idx.append("0")
                continue
            i = self.fresh("i")
            self.emit(f"for {i} in range({d}):", depth)
            idx.append(i)
            depth += 1
        body(idx, depth)

    def alloc(self, v, fill=None):
        name = self.var(v)
        shape = tuple(v.aval.shape)
        if fill is None:
            self.emit(f"{name} = np.empty({shape!r}, dtype={dtype_ctor(v.aval.dtype)})")
        else:
            self.emit(f"{name} = np.full({shape!r}, {fill}, dtype={dtype_ctor(v.aval.dtype)})")
        return name

    def materialize_elementwise(self, eqn):
        self.emit_group([eqn])

    def emit_group(self, group):
        """One loop nest computing every equation of ``group`` (elementwise, one output
        shape): each value is a scalar local, stored to its array once."""
        shape = group[0].outputs[0].aval.shape
        if not shape:
            for eqn in group:
                self.emit(f"{self.var(eqn.outputs[0])} = {self.expr(eqn, [], ())}")
            return
        members = []
        group_ids = {id(e) for e in group}
        for eqn in group:
            out = eqn.outputs[0]
            if eqn.prim.name == "stop_gradient" and isinstance(eqn.inputs[0], Var) \
                    and eqn.inputs[0] not in self.inline and len(group) == 1:
                self.names[out] = self.var(eqn.inputs[0])  # an alias: arrays are never mutated
                continue
            # a value read only inside this loop stays a scalar local: no array at all
            array = None if self.used_only_in(out, group_ids) else self.alloc(out)
            members.append((eqn, array, self.fresh("x")))
        if not members:
            return
        groups = self.collapse_plan(shape, self.leaf_shapes([m[0] for m in members]) + [shape])
        index, views, body = self.collapsed(shape, groups, lambda: self.member_lines(members, None, shape))
        self.emit_views(views)
        self.emit_collapsed_loops([math.prod(shape[d] for d in g) for g in groups], index, body)

    def member_lines(self, members, idx, shape):
        """Loop-body lines: each member's scalar, then its store."""
        lines, self.locals = [], {}
        try:
            for eqn, array, local in members:
                value = self.expr(eqn, idx, shape)
                if array is None and eqn.prim.name in ("stop_gradient", "broadcast_to"):
                    self.locals[eqn.outputs[0]] = value  # a read: no local needed
                    continue
                lines.append(f"{local} = {value}")
                self.locals[eqn.outputs[0]] = local
            for eqn, array, local in members:
                if array is None:
                    continue
                if idx is None:
                    lines.append(f"{self.collapsed_read(array, shape)} = {local}")
                else:
                    lines.append(f"{array}[{', '.join(idx)}] = {local}")
        finally:
            self.locals = {}
        return lines

    # -- collapsed loops: adjacent dimensions that every operand reads alike are merged --
    def leaf_shapes(self, eqns):
        """Shapes of the arrays read by the expressions of ``eqns`` (through inlined ones)."""
        shapes, stack = [], [a for e in eqns for a in e.inputs]
        produced = {e.outputs[0] for e in eqns}
        while stack:
            a = stack.pop()
            if isinstance(a, Literal) or a in produced or a in self.locals:
                continue
            if a in self.inline:
                stack.extend(self.producer[a].inputs)
            elif a.aval.shape:
                shapes.append(a.aval.shape)
        return shapes

    @staticmethod
    def collapse_plan(shape, leaf_shapes, separate=()):
        """Groups of adjacent dimensions of ``shape`` that can be merged: every leaf is
        either full or broadcast (1) on all of them; ``separate`` dims never merge with
        their left neighbour."""
        r = len(shape)
        padded = [(1,) * (r - len(p)) + tuple(p) for p in leaf_shapes]
        groups, pattern = [], None  # pattern: which leaves are full on the group's dims
        for k in range(r):
            here = None if shape[k] == 1 else tuple(p[k] == shape[k] for p in padded)
            if groups and k not in separate and (here is None or pattern is None or here == pattern):
                groups[-1].append(k)
            else:
                groups.append([k])
                pattern = None
            pattern = here if here is not None else pattern
        return groups

    def collapsed(self, shape, groups, make):
        """Run ``make()`` with reads collapsed to ``groups``: (index names, views, result)."""
        cshape = tuple(math.prod(shape[d] for d in g) for g in groups)
        self.flat = {"index": ["0" if c == 1 else self.fresh("i") for c in cshape], "views": {},
                     "shape": shape, "groups": groups, "cshape": cshape}
        try:
            result = make()
            return self.flat["index"], self.flat["views"], result
        finally:
            self.flat = None

    def collapsed_read(self, name, s):
        """``name[...]`` (an array of shape ``s``) in the collapsed loop: indexed directly
        when no group of merged dimensions spans two of its dimensions, else through a
        reshaped view."""
        flat = self.flat
        r = len(flat["shape"])
        padded = (1,) * (r - len(s)) + tuple(s)
        if all(sum(padded[d] != 1 for d in g) <= 1 for g in flat["groups"]):
            parts = ["0"] * r
            for g, i in zip(flat["groups"], flat["index"]):
                for d in g:
                    if padded[d] != 1:
                        parts[d] = i
            return f"{name}[{', '.join(parts[r - len(s):])}]"
        cs = tuple(math.prod(padded[d] for d in g) for g in flat["groups"])
        alias = flat["views"].get((name, cs))
        if alias is None:
            alias = flat["views"][(name, cs)] = self.fresh("f")
        parts = ["0" if c == 1 else i for c, i in zip(cs, flat["index"])]
        return f"{alias}[{', '.join(parts)}]"

    def emit_views(self, views):
        for (array, cs), alias in views.items():
            self.emit(f"{alias} = {array}.reshape({tuple(cs)!r})")

    def emit_collapsed_loops(self, cshape, index, body):
        depth = 1
        for i, c in zip(index, cshape):
            if i != "0":
                self.emit(f"for {i} in range({c}):", depth)
                depth += 1
        for line in body:
            self.emit(line, depth)

    def fusible_group(self, start, eqns, ready):
        """The elementwise equation ``eqns[start]`` and the later ones of the same output
        shape whose inputs are ready: they can share its loop."""
        first = eqns[start]
        shape = first.outputs[0].aval.shape
        group, members = [first], {first.outputs[0]}
        if self.nan_checks:
            return group
        for eqn in eqns[start + 1:]:
            out = eqn.outputs[0]
            if out in self.inline or eqn.prim.name not in FUSIBLE or out.aval.shape != shape \
                    or id(eqn) in self.emitted:
                continue
            if all(self.available(a, ready | members) for a in eqn.inputs):
                group.append(eqn)
                members.add(out)
        return group

    def available(self, atom, ready):
        if isinstance(atom, Literal) or atom in ready:
            return True
        if atom in self.inline:
            return all(self.available(a, ready) for a in self.producer[atom].inputs)
        return False

    # -- the whole function -----------------------------------------------------------
    def generate(self):
        ir = self.ir
        params = [self.var(v) for v in ir.in_vars + ir.const_vars]
        for v in ir.in_vars + ir.const_vars:  # 0-d inputs arrive as 0-d arrays
            if not v.aval.shape:
                self.emit(f"{self.var(v)} = {self.var(v)}[()]")
        self.emit_body()
        outs, returned = [], set()
        inputs = {self.var(v) for v in ir.in_vars + ir.const_vars}
        for v in ir.out_vars:
            if isinstance(v, Literal):
                outs.append(literal(v.val, v.aval.dtype))
                continue
            name = self.var(v)
            base = self.base.get(name, name)
            if v.aval.shape and (base in inputs or base in returned):
                name += ".copy()"  # outputs are fresh arrays: never views of inputs or each other
            returned.add(base)
            outs.append(name)
        self.emit(f"return ({', '.join(outs)}{',' if len(outs) == 1 else ''})")
        header = ["import math", "", "import numba", "import numpy as np", *sorted(self.imports), ""]
        for h in sorted(self.helpers):
            header.append(HELPERS[h])
        header.append("")
        return "\n".join(header + [f"def {self.name}({', '.join(params)}):"] + self.lines) + "\n"

    def sub_name(self, ir, v):
        """The name of variable ``v`` of sub-program ``ir`` in generated code."""
        scopes = self.root.scopes
        return safe_name(f"s{scopes.setdefault(id(ir), len(scopes) + 1)}_{ir_names(ir)[v]}")

    def sub_program(self, ir, inputs, depth, copied=None):
        """Emit sub-program ``ir`` (inputs bound to the expressions ``inputs``) at ``depth``
        below the current indentation; returns the expressions of its outputs. Array
        outputs that are inputs of the sub-program are copied (fresh, writable buffers),
        if ``copied`` (default: all) says so by position."""
        child = Codegen(ir, fuse=self.fuse, nan_checks=self.nan_checks, parent=self)
        child.indent = self.indent + depth - 1
        for v, expr in zip(ir.in_vars, inputs):
            child.names[v] = expr
        child.emit_body()
        outs = []
        for k, v in enumerate(ir.out_vars):
            if isinstance(v, Literal):
                outs.append(literal(v.val, v.aval.dtype))
            elif v.aval.shape and (copied is None or copied[k]) and (
                    v in ir.in_vars or child.base.get(child.var(v), child.var(v)) in set(inputs)):
                outs.append(f"{child.var(v)}.copy()")
            else:
                outs.append(child.var(v))
        return outs

    def emit_body(self):
        ir = self.ir
        self.producer = {v: e for e in ir.eqns for v in e.outputs}
        ready = set(ir.in_vars) | set(ir.const_vars)
        self.emitted = set()
        for k, eqn in enumerate(ir.eqns):
            if eqn.outputs[0] in self.inline or id(eqn) in self.emitted:
                continue
            start = len(self.lines)
            if eqn.prim.name in FUSIBLE:
                group = self.fusible_group(k, ir.eqns, ready)
                self.emit_group(group)
            else:
                group = [eqn]
                eqn.prim.lower(self, eqn)
            if len(self.lines) > start:  # (an alias emits nothing)
                self.lines[start:start] = self.comment(group)
            for e in group:
                self.emitted.add(id(e))
                ready.update(e.outputs)
                if self.nan_checks:
                    self.nan_check(e)

    def nan_check(self, eqn):
        for v in eqn.outputs:
            if v.aval.dtype.kind != "f":
                continue
            test = f"np.isnan({self.var(v)}).any()" if v.aval.shape else f"{self.var(v)} != {self.var(v)}"
            self.emit(f"if {test}:")
            self.emit(f"raise FloatingPointError('debug_nans: primitive `{eqn.prim.name}` produced a NaN')", 2)


def generate_source(ir, name="kernel", nan_checks=False):
    """The numba source for ``ir`` (see :class:`Codegen`)."""
    return Codegen(ir, name, nan_checks=nan_checks).generate()


# ----------------------------------------------------------------------------------------
# Emitters of the non-elementwise primitives: emitter(gen, eqn) appends code lines
# ----------------------------------------------------------------------------------------

def emitter(*names):
    """Declare ``fn(gen, eqn)`` the lowering of the primitives ``names`` (``lowers``)."""
    return lowers(*[primitives[n] for n in names])


# Primitives fused into loop expressions (by ``Codegen.expr``) or removed before codegen
P.select_p.lower = "({1} if {0} else {2})"
P.broadcast_to_p.lower = P.stop_gradient_p.lower = "{0}"
P.convert_p.lower = "a cast to the output dtype (Codegen.expr)"
primitives["custom_vjp_call"].lower = Absent("inlined into the program before code generation")


@emitter("reduce_sum", "reduce_prod", "reduce_max", "reduce_min")
def _reduce(gen, eqn):
    (x,), out, axes = eqn.inputs, eqn.outputs[0], eqn.params["axes"]
    dtype = out.aval.dtype
    shape = x.aval.shape
    name = eqn.prim.name
    if name == "reduce_sum":
        init, update = "0", "{acc} + {v}"
    elif name == "reduce_prod":
        init, update = "1", "{acc} * {v}"
    else:
        fn = "_max" if name == "reduce_max" else "_min"
        gen.helpers.add(fn)
        if dtype.kind == "f":
            init = f"{'-' if fn == '_max' else ''}np.inf"
        elif dtype == np.bool_:
            init = "False" if fn == "_max" else "True"
        else:
            info = np.iinfo(dtype)
            init = str(info.min if fn == "_max" else info.max)
        update = fn + "({acc}, {v})"
    init_lit = literal(eval(init, {"np": np}), dtype) if dtype != np.bool_ else init
    ctor = dtype_ctor(dtype)
    if not out.aval.shape:
        acc = gen.var(out)
        gen.emit(f"{acc} = {init_lit}")
        gen.loop_nest(shape, lambda idx, d: gen.emit(
            f"{acc} = {ctor}({update.format(acc=acc, v=gen.read(x, idx, shape))})" if needs_cast(name, dtype)
            or dtype.kind in "iu" else f"{acc} = {update.format(acc=acc, v=gen.read(x, idx, shape))}", d))
        round_f16_array(gen, acc, out.aval)  # float16 sums accumulate in float32, as numpy's
        return
    acc = gen.alloc(out, init_lit)
    # adjacent reduced (or kept) axes that every operand reads alike become one loop
    boundaries = [k for k in range(1, len(shape)) if (k in axes) != (k - 1 in axes)]
    leaves = gen.leaf_shapes([gen.producer[x]]) if x in gen.inline else [shape]
    groups = gen.collapse_plan(shape, leaves, separate=boundaries)
    reduced = [g[0] in axes for g in groups]
    cshape = [math.prod(shape[d] for d in g) for g in groups]
    index, views, value = gen.collapsed(shape, groups, lambda: gen.read(x, None, shape))
    gen.emit_views(views)
    kept = [(g, i) for g, i, r in zip(groups, index, reduced) if not r]
    if all(sum(shape[d] != 1 for d in g) <= 1 for g, _ in kept):  # the accumulator as it is
        target = f"{acc}[{', '.join(i if shape[d] != 1 else '0' for g, i in kept for d in g)}]"
    else:
        target_view = gen.fresh("f")
        gen.emit(f"{target_view} = {acc}.reshape({tuple(c for c, r in zip(cshape, reduced) if not r)!r})")
        target = f"{target_view}[{', '.join(i for i, r in zip(index, reduced) if not r)}]"
    gen.emit_collapsed_loops(cshape, index, [f"{target} = {update.format(acc=target, v=value)}"])
    round_f16_array(gen, acc, out.aval)


@emitter("reshape")
def _reshape(gen, eqn):
    (x,), out = eqn.inputs, eqn.outputs[0]
    name = gen.var(out)
    if not out.aval.shape:
        gen.emit(f"{name} = {contiguous(gen, x)}.reshape(1)[0]" if x.aval.shape else f"{name} = {gen.read(x, [], ())}")
        return
    if not x.aval.shape:
        gen.emit(f"{name} = np.full({tuple(out.aval.shape)!r}, {gen.read(x, [], ())}, dtype={dtype_ctor(out.aval.dtype)})")
        return
    gen.emit(f"{name} = {gen.var(x)}.reshape({tuple(out.aval.shape)!r})")
    gen.view_of(name, gen.var(x))


@emitter("transpose")
def _transpose(gen, eqn):
    (x,), out = eqn.inputs, eqn.outputs[0]
    perm = eqn.params["permutation"]
    if scalar_identity(gen, x, out):
        return
    name = gen.alloc(out)
    shape = out.aval.shape

    def body(idx, d):
        src = [None] * len(perm)
        for k, p in enumerate(perm):
            src[p] = idx[k]
        gen.emit(f"{name}[{', '.join(idx)}] = {gen.var(x)}[{', '.join(src)}]", d)
    gen.loop_nest(shape, body)


@emitter("slice")
def _slice(gen, eqn):
    (x,), out = eqn.inputs, eqn.outputs[0]
    p = eqn.params
    if scalar_identity(gen, x, out):
        return
    sl = ", ".join(f"{lo or ''}:{'' if hi == n else hi}{'' if st == 1 else f':{st}'}" for lo, hi, st, n in
                   zip(p["start_indices"], p["limit_indices"], p["strides"], x.aval.shape))
    gen.emit(f"{gen.var(out)} = {gen.var(x)}[{sl}].copy()")


@emitter("rev")
def _rev(gen, eqn):
    (x,), out = eqn.inputs, eqn.outputs[0]
    if scalar_identity(gen, x, out):
        return
    sl = ", ".join("::-1" if k in eqn.params["dimensions"] else ":" for k in range(x.aval.ndim))
    gen.emit(f"{gen.var(out)} = {gen.var(x)}[{sl}].copy()")


@emitter("pad")
def _pad(gen, eqn):
    """Fill with the padding value, then copy ``x`` in with a loop nest (numba compiles
    explicit loops far faster than multi-dimensional slice assignments)."""
    (x, value), out = eqn.inputs, eqn.outputs[0]
    config = eqn.params["padding_config"]
    if scalar_identity(gen, x, out):
        return
    name = gen.alloc(out, gen.read(value, [], ()))
    if not x.aval.size:
        return

    def body(idx, d):
        targets, conditions = [], []
        for i, (lo, hi, interior), size in zip(idx, config, out.aval.shape):
            t = offset(lo, i, interior + 1)
            targets.append(t)
            if lo < 0 or hi < 0:
                conditions.append(f"0 <= {t} < {size}")
        store = f"{name}[{', '.join(targets)}] = {gen.var(x)}[{', '.join(idx)}]"
        if conditions:
            gen.emit(f"if {' and '.join(conditions)}:", d)
            gen.emit(store, d + 1)
        else:
            gen.emit(store, d)
    gen.loop_nest(x.aval.shape, body)


@emitter("concatenate")
def _concatenate(gen, eqn):
    out = eqn.outputs[0]
    axis = eqn.params["dimension"]
    name = gen.alloc(out)
    # as (before, axis, after) blocks (without the blocks of size 1): at most three loops
    before, after = math.prod(out.aval.shape[:axis]), math.prod(out.aval.shape[axis + 1:])
    keep = [before != 1, True, after != 1]

    def blocks(size):
        return [d for d, k in zip((before, size, after), keep) if k]

    blocked = view(gen, name, out.aval.shape, blocks(out.aval.shape[axis]))
    start = 0
    for x in eqn.inputs:
        size = x.aval.shape[axis]
        if size and before and after:
            src = view(gen, gen.var(x), x.aval.shape, blocks(size))

            def body(idx, d, start=start, src=src):
                idx = [i for i, k in zip(idx, keep) if k]
                target = list(idx)
                target[int(keep[0])] = offset(start, target[int(keep[0])])  # the axis
                gen.emit(f"{blocked}[{', '.join(target)}] = {src}[{', '.join(idx)}]", d)
            gen.loop_nest((before, size, after), body)
        start += size


@emitter("argmax", "argmin")
def _argext(gen, eqn):
    (x,), out = eqn.inputs, eqn.outputs[0]
    axis = eqn.params["axis"]
    shape = x.aval.shape
    better = ">" if eqn.prim.name == "argmax" else "<"
    outer = [d for k, d in enumerate(shape) if k != axis]
    res = gen.var(out)
    if outer:
        gen.alloc(out)

    def body(idx, d):
        full = list(idx)
        full.insert(axis, "0")
        best, bi, k = gen.fresh("b"), gen.fresh("j"), gen.fresh("k")
        gen.emit(f"{best} = {gen.var(x)}[{', '.join(full)}]", d)
        gen.emit(f"{bi} = 0", d)
        full[axis] = k
        v = gen.fresh("e")
        gen.emit(f"for {k} in range(1, {shape[axis]}):", d)
        gen.emit(f"{v} = {gen.var(x)}[{', '.join(full)}]", d + 1)
        gen.emit(f"if ({v} {better} {best} or ({v} != {v} and {best} == {best})):", d + 1)
        gen.emit(f"{best} = {v}", d + 2)
        gen.emit(f"{bi} = {k}", d + 2)
        target = f"{res}[{', '.join(idx)}]" if outer else res
        gen.emit(f"{target} = {bi}", d)
    gen.loop_nest(outer, body)


@emitter("cumsum")
def _cumsum(gen, eqn):
    (x,), out = eqn.inputs, eqn.outputs[0]
    axis, reverse = eqn.params["axis"], eqn.params["reverse"]
    shape = x.aval.shape
    name = gen.alloc(out)
    outer = [d for k, d in enumerate(shape) if k != axis]
    ctor = dtype_ctor(out.aval.dtype)

    def body(idx, d):
        acc, k = gen.fresh("acc"), gen.fresh("k")
        gen.emit(f"{acc} = {ctor}(0)", d)
        order = f"range({shape[axis] - 1}, -1, -1)" if reverse else f"range({shape[axis]})"
        gen.emit(f"for {k} in {order}:", d)
        full = list(idx)
        full.insert(axis, k)
        total = round_f16(gen, out.aval.dtype, f"{ctor}({acc} + {gen.var(x)}[{', '.join(full)}])")
        gen.emit(f"{acc} = {total}", d + 1)
        gen.emit(f"{name}[{', '.join(full)}] = {acc}", d + 1)
    gen.loop_nest(outer, body)


@emitter("argsort")
def _argsort(gen, eqn):
    (x,), out = eqn.inputs, eqn.outputs[0]
    axis = eqn.params["axis"]
    shape = x.aval.shape
    name = gen.alloc(out)
    outer = [d for k, d in enumerate(shape) if k != axis]

    def body(idx, d):
        row = list(idx)
        row.insert(axis, ":")
        gen.emit(f"{name}[{', '.join(row)}] = np.argsort({gen.var(x)}[{', '.join(row)}], kind='mergesort')", d)
    gen.loop_nest(outer, body)


@emitter("dot_general")
def _dot_general(gen, eqn):
    (lhs, rhs), out = eqn.inputs, eqn.outputs[0]
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    ls, rs = lhs.aval.shape, rhs.aval.shape
    lf = [i for i in range(len(ls)) if i not in lc and i not in lb]
    rf = [i for i in range(len(rs)) if i not in rc and i not in rb]
    size = lambda axes, s: math.prod(s[i] for i in axes)  # noqa: E731
    nb, m, k, n = size(lb, ls), size(lf, ls), size(lc, ls), size(rf, rs)
    name = gen.var(out)
    if out.aval.dtype.kind != "f":
        _dot_general_loops(gen, eqn, lf, rf)
        return
    if _dot_2d(gen, lhs, rhs, (lf, lc), (rc, rf), (m, k, n), lb, name, out):
        round_f16_array(gen, name, out.aval)
        return
    a = _as_matrix_stack(gen, lhs, list(lb) + lf + list(lc), (nb, m, k))
    b = _as_matrix_stack(gen, rhs, list(rb) + list(rc) + rf, (nb, k, n))
    res = gen.fresh("r")
    gen.emit(f"{res} = np.empty(({nb}, {m}, {n}), dtype={dtype_ctor(out.aval.dtype)})")
    if k == 0:
        gen.emit(f"{res}[:] = 0")
    elif nb == 1:
        gen.emit(f"np.dot({a}[0], {b}[0], {res}[0])")
    else:
        bi = gen.fresh("i")
        gen.emit(f"for {bi} in range({nb}):")
        gen.emit(f"np.dot({a}[{bi}], {b}[{bi}], {res}[{bi}])", 2)
    if out.aval.shape:
        gen.emit(f"{name} = {res}.reshape({tuple(out.aval.shape)!r})")
    else:
        gen.emit(f"{name} = {res}[0, 0, 0]")
    round_f16_array(gen, name, out.aval)


def _dot_2d(gen, lhs, rhs, lhs_axes, rhs_axes, mkn, lb, name, out):
    """An unbatched product whose operands are matrices without a copy (their row axes,
    then their column axes, in memory order or the reverse): one ``np.dot`` on reshaped
    (transposed) views."""
    m, k, n = mkn
    if lb or 0 in mkn:
        return False
    # a vector operand stays a vector (np.dot takes matrix-vector and vector-vector products)
    a_vec, b_vec = _is_vector(lhs, lhs_axes[0]), _is_vector(rhs, rhs_axes[1])
    a = gen.var(lhs) if a_vec else _matrix(gen, lhs, *lhs_axes, (m, k))
    b = gen.var(rhs) if b_vec else _matrix(gen, rhs, *rhs_axes, (k, n))
    if a is None or b is None:
        return False
    result = (() if a_vec else (m,)) + (() if b_vec else (n,))
    if tuple(out.aval.shape) == result:
        gen.emit(f"{name} = np.dot({a}, {b})")
        return True
    res = gen.fresh("r")
    gen.emit(f"{res} = np.dot({a}, {b})")
    gen.emit(f"{name} = {res}.reshape({tuple(out.aval.shape)!r})" if out.aval.shape
             else f"{name} = {res}[{', '.join('0' * len(result))}]")
    return True


def _is_vector(atom, free):
    """Is ``atom`` a 1-D operand that is only contracted?"""
    return isinstance(atom, Var) and atom.aval.ndim == 1 and not free


def _matrix(gen, atom, rows, cols, shape2):
    """``atom`` as the matrix ``shape2`` of its axes ``rows`` by ``cols``, when that is a
    view (else None)."""
    if not isinstance(atom, Var) or not atom.aval.shape:  # 0-d values are scalars in the code
        return None
    order = list(range(atom.aval.ndim))
    if list(rows) + list(cols) == order:
        return view(gen, gen.var(atom), atom.aval.shape, shape2, "m")
    if list(cols) + list(rows) == order:
        return view(gen, gen.var(atom), atom.aval.shape, shape2[::-1], "m") + ".T"
    return None


def _as_matrix_stack(gen, atom, order, shape3):
    """``atom`` transposed to ``order`` and reshaped to ``shape3``, C-contiguous."""
    src = contiguous(gen, atom)
    name = gen.fresh("m")
    if list(order) == sorted(order):
        gen.emit(f"{name} = {src}.reshape({shape3!r})")
    else:
        gen.emit(f"{name} = np.ascontiguousarray(np.transpose({src}, {tuple(order)!r})).reshape({shape3!r})")
    return name


def _dot_general_loops(gen, eqn, lf, rf):
    """Integer contractions (no BLAS): explicit loops."""
    (lhs, rhs), out = eqn.inputs, eqn.outputs[0]
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    if out.aval.shape:
        name = gen.alloc(out, "0")
    else:
        name = gen.var(out)
        gen.emit(f"{name} = {dtype_ctor(out.aval.dtype)}(0)")
    ls = lhs.aval.shape
    loop_axes = [("b", i, ls[i]) for i in lb] + [("l", i, ls[i]) for i in lf] + \
                [("r", i, rhs.aval.shape[i]) for i in rf] + [("c", i, ls[i]) for i in lc]

    def body(idx, d):
        li, ri = [None] * lhs.aval.ndim, [None] * rhs.aval.ndim
        out_idx = []
        for (kind, axis, _), i in zip(loop_axes, idx):
            if kind == "b":
                li[axis] = i
                ri[rb[list(lb).index(axis)]] = i
                out_idx.append(i)
            elif kind == "l":
                li[axis] = i
                out_idx.append(i)
            elif kind == "r":
                ri[axis] = i
                out_idx.append(i)
            else:
                li[axis] = i
                ri[rc[list(lc).index(axis)]] = i
        target = f"{name}[{', '.join(out_idx)}]" if out_idx else name
        gen.emit(f"{target} += {element(gen, lhs, li)} * {element(gen, rhs, ri)}", d)
    gen.loop_nest([s for _, _, s in loop_axes], body)


@emitter("conv")
def _conv(gen, eqn):
    """A call of the precompiled im2col + BLAS kernel (loops for integer dtypes)."""
    (x, w), out = eqn.inputs, eqn.outputs[0]
    p = eqn.params
    (sh, sw), (dh, dw), ((pt, pb), (pl, pr)) = p["window_strides"], p["rhs_dilation"], p["padding"]
    ho, wo = out.aval.shape[2:]
    kernel = "conv2d" if out.aval.dtype.kind == "f" else "conv2d_loops"
    gen.imports.add("from funcdl import _kernels")
    gen.emit(f"{gen.var(out)} = _kernels.{kernel}({gen.var(x)}, {gen.var(w)}, {sh}, {sw}, {dh}, {dw}, "
             f"{pt}, {pb}, {pl}, {pr}, {p['feature_group_count']}, {ho}, {wo})")
    round_f16_array(gen, gen.var(out), out.aval)


@emitter("gather")
def _gather(gen, eqn):
    (x, idx), out = eqn.inputs, eqn.outputs[0]
    n = x.aval.shape[0]
    rest = math.prod(x.aval.shape[1:])
    count = idx.aval.size
    if not out.aval.shape:  # one element: a scalar
        k = f"min(max({gen.read(idx, [], ())}, 0), {n - 1})"
        gen.emit(f"{gen.var(out)} = {gen.var(x)}[{k}]")
        return
    name = gen.alloc(out)
    if not count or not rest:
        return
    flat_out = view(gen, name, out.aval.shape, _rows(count, rest), "fo")
    flat_x = view(gen, gen.var(x), x.aval.shape, _rows(n, rest), "fx")
    flat_idx = _flat_index(gen, idx, count)
    p, k = gen.fresh("p"), gen.fresh("k")
    gen.emit(f"for {p} in range({count}):")
    gen.emit(f"{k} = min(max({flat_idx}[{p}], 0), {n - 1})", 2)
    _column_loop(gen, rest, f"{flat_out}[{p}{{q}}] = {flat_x}[{k}{{q}}]", 2)


def _rows(n, rest):
    """The shape of ``n`` rows of ``rest`` elements (a vector for one-element rows)."""
    return (n,) if rest == 1 else (n, rest)


def _column_loop(gen, rest, line, depth):
    """``line`` (with ``{q}`` for the column index, ``, q``) for each of ``rest`` columns;
    rows of one element are vector elements (no column index)."""
    if rest == 1:
        gen.emit(line.format(q=""), depth)
        return
    q = gen.fresh("q")
    gen.emit(f"for {q} in range({rest}):", depth)
    gen.emit(line.format(q=f", {q}"), depth + 1)


def _flat_index(gen, idx, count):
    if isinstance(idx, Literal) or not idx.aval.shape:
        name = gen.fresh("ix")
        gen.emit(f"{name} = np.full(1, {gen.read(idx, [], ())}, dtype=np.int64)")
        return name
    return view(gen, gen.var(idx), idx.aval.shape, (count,), "ix")


@emitter("scatter")
def _scatter(gen, eqn):
    (x, idx, upd), out = eqn.inputs, eqn.outputs[0]
    mode = eqn.params["mode"]
    n = x.aval.shape[0]
    rest = math.prod(x.aval.shape[1:])
    count = idx.aval.size
    name = gen.var(out)
    gen.emit(f"{name} = {gen.var(x)}.copy()")
    if not count or not rest:
        return
    flat_out = view(gen, name, out.aval.shape, _rows(n, rest), "fo")
    flat_u = view(gen, contiguous(gen, upd), upd.aval.shape, _rows(count, rest), "fu")
    flat_idx = _flat_index(gen, idx, count)
    p, k = gen.fresh("p"), gen.fresh("k")
    target, update = f"{flat_out}[{k}{{q}}]", f"{flat_u}[{p}{{q}}]"
    if mode != "set":
        update = round_f16(gen, out.aval.dtype, f"{target} {'+' if mode == 'add' else '*'} {update}")
    gen.emit(f"for {p} in range({count}):")
    gen.emit(f"{k} = {flat_idx}[{p}]", 2)
    gen.emit(f"if 0 <= {k} < {n}:", 2)
    _column_loop(gen, rest, f"{target} = {update}", 3)


@emitter("threefry2x32")
def _threefry(gen, eqn):
    outs = eqn.outputs
    shape = outs[0].aval.shape
    gen.helpers.add("_threefry")
    a, b = gen.alloc(outs[0]), gen.alloc(outs[1])

    def body(idx, d):
        args = ", ".join(gen.read(x, idx, shape) for x in eqn.inputs)
        target = ", ".join(idx)
        if shape:
            gen.emit(f"{a}[{target}], {b}[{target}] = _threefry({args})", d)
        else:
            gen.emit(f"{a}, {b} = _threefry({args})", d)
    if shape:
        gen.loop_nest(shape, body)
    else:
        gen.lines.pop(), gen.lines.pop()  # scalars need no arrays
        body([], 1)


# ----------------------------------------------------------------------------------------
# Control flow: real loops and branches in the generated code
# ----------------------------------------------------------------------------------------


@emitter("cond")
def _cond(gen, eqn):
    pred, ops = eqn.inputs[0], eqn.inputs[1:]
    branches = eqn.params["branches"]
    names = [gen.var(v) for v in eqn.outputs]
    args = [operand(gen, a) for a in ops]
    gen.emit(f"if {operand(gen, pred)}:")
    for k, branch in ((1, branches[1]), (0, branches[0])):
        if k == 0:
            gen.emit("else:")
        outs = gen.sub_program(branch, args, 2)
        for n, o in zip(names, outs):
            gen.emit(f"{n} = {o}", 2)


@emitter("while")
def _while(gen, eqn):
    p = eqn.params
    n_cond, n_body = p["n_cond"], p["n_body"]
    cconsts = [operand(gen, a) for a in eqn.inputs[:n_cond]]
    bconsts = [operand(gen, a) for a in eqn.inputs[n_cond:n_cond + n_body]]
    carry = [gen.var(v) for v in eqn.outputs]
    for c, a in zip(carry, eqn.inputs[n_cond + n_body:]):
        gen.emit(f"{c} = {fresh_copy(gen, a)}")
    go = gen.fresh("go")
    (pred,) = gen.sub_program(p["cond_ir"], cconsts + carry, 1)
    gen.emit(f"{go} = {pred}")
    gen.emit(f"while {go}:")
    new = gen.sub_program(p["body_ir"], bconsts + carry, 2)
    assign_all(gen, carry, new, 2)
    (pred,) = gen.sub_program(p["cond_ir"], cconsts + carry, 2)
    gen.emit(f"{go} = {pred}", 2)


@emitter("scan")
def _scan(gen, eqn):
    p = eqn.params
    n_consts, n_carry, length, reverse = p["n_consts"], p["n_carry"], p["length"], p["reverse"]
    body = p["body"]
    consts = [operand(gen, a) for a in eqn.inputs[:n_consts]]
    xs = [operand(gen, a) for a in eqn.inputs[n_consts + n_carry:]]
    carry = [gen.var(v) for v in eqn.outputs[:n_carry]]
    ys = [gen.alloc(v) for v in eqn.outputs[n_carry:]]
    for c, a in zip(carry, eqn.inputs[n_consts:n_consts + n_carry]):
        gen.emit(f"{c} = {fresh_copy(gen, a)}")
    t = gen.fresh("t")
    if reverse:
        step = gen.fresh("k")
        gen.emit(f"for {step} in range({length}):")
        gen.emit(f"{t} = {length - 1} - {step}", 2)
    else:
        gen.emit(f"for {t} in range({length}):")
    x_t = []  # this step's slices, named as the body's inputs
    for x, v in zip(xs, body.in_vars[n_consts + n_carry:]):
        name = gen.sub_name(body, v)
        gen.emit(f"{name} = {x}[{t}]", 2)
        x_t.append(name)
    copied = [k < n_carry for k in range(len(body.out_vars))]  # ys are copied into their rows anyway
    outs = gen.sub_program(body, consts + carry + x_t, 2, copied)
    for y, o in zip(ys, outs[n_carry:]):  # before the carry moves on: a y may read it
        gen.emit(f"{y}[{t}] = {o}", 2)
    assign_all(gen, carry, outs[:n_carry], 2)
