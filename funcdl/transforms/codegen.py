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
from ..core import IR, Eqn, Literal, Var, _format_param, _holds_ir, ir_names, map_sub_programs, sub_programs
from ..primitives.lowering import CALLED_MODULES, HELPERS, dtype_ctor, helper_source, literal, needs_cast, round_f16
from .compile_workers import type_spec
from .outline import GLOBALS, outline
from .simplify import dce

# names an IR variable must not take in generated code: they would shadow Python or a
# global of the generated module
RESERVED = (set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(builtins))
            | {"np", "math", "numba", "kernel"})
COMMENT_LINES, COMMENT_WIDTH = 8, 160  # the longest equation comment
MAX_INLINE_DEPTH = 40  # equations inlined into one expression, nested


class _Fusible:
    """The primitives computed inline in loop expressions: every elementwise primitive (its
    template is ``prim.lower``, declared with it) and the ones in ``OTHERS``."""

    OTHERS = ("select", "convert", "broadcast_to", "stop_gradient")

    def __contains__(self, name):
        return name in P.elementwise_prims or name in self.OTHERS


FUSIBLE = _Fusible()
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
            params = _inline_in(eqn.params)
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
    return any(e.prim.name in CALLS or any(_has_calls(sub) for _, sub in sub_programs(e))
               for e in ir.eqns)


def _inline_in(params):
    return map_sub_programs(params, inline_calls)


def hoist_constants(ir):
    """Constants of sub-programs become operands of their equation (and constants of the
    whole program), so generated code receives every array as an argument. A hoisted
    constant joins the first operand group its sub-program receives (see
    ``core.HigherOrderPrimitive``); every other sub-program receiving that group gets an
    unused input for it. Recursive; a no-op for programs without sub-programs."""
    if not any(e.prim.sub_program_specs for e in ir.eqns):
        return ir
    const_vars, consts, eqns = list(ir.const_vars), list(ir.consts), []
    for eqn in ir.eqns:
        if eqn.prim.sub_program_specs:
            eqn, hoisted = _hoist_eqn(eqn)
            const_vars += [outer for outer, _ in hoisted]
            consts += [value for _, value in hoisted]
        eqns.append(eqn)
    return IR(ir.in_vars, const_vars, consts, eqns, ir.out_vars)


def _hoist_eqn(eqn):
    """``eqn`` with its sub-programs' constants as operands, and the ``(variable, value)``
    pairs of the new operands."""
    prim = eqn.prim
    params = prim.map_programs(eqn.params, lambda spec, sub: hoist_constants(sub))
    programs = prim.programs(params)
    outer = [[Var(v.aval) for v in sub.const_vars] for _, sub in programs]  # new operands
    joins = {}  # operand group -> the sub-programs (indices) whose constants join it
    for k, (spec, _) in enumerate(programs):
        joins.setdefault(spec.receives[0], []).append(k)
    groups = prim.split(eqn.inputs, params)
    for group, ks in joins.items():
        groups[group] = _joined(prim, groups[group], [v for k in ks for v in outer[k]])
    new_programs = []
    for k, (spec, sub) in enumerate(programs):  # its own constants, unused inputs for others'
        ins = prim.sub_inputs(spec.param, sub.in_vars, params)
        for group in spec.receives:
            extra = [v for j in joins.get(group, ())
                     for v in (sub.const_vars if j == k else [Var(u.aval) for u in outer[j]])]
            ins[group] = _joined(prim, ins[group], extra)
        new_programs.append(IR(ins.flat(), [], [], sub.eqns, sub.out_vars))
    replaced = iter(new_programs)
    params = prim.map_programs(params, lambda spec, sub: next(replaced))
    params.update(prim.length_params(groups))
    hoisted = [(v, c) for (_, sub), vs in zip(programs, outer) for v, c in zip(vs, sub.consts)]
    return Eqn(prim, groups.flat(), eqn.outputs, params), hoisted


def _joined(prim, members, hoisted):
    return hoisted + members if prim.constants_first else members + hoisted


def _identity():
    return P.stop_gradient_p


def number_sub_programs(ir, numbers):
    """Number ``ir``'s sub-programs (recursively, from ``len(numbers) + 1``) in the order
    ``format_ir`` prints them: ``numbers[id(sub)] = k``."""
    for e in ir.eqns:
        for _, sub in sub_programs(e):
            if id(sub) not in numbers:
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
            self.counter, self.indent, self.avals = 0, 0, {}
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
            if isinstance(v, Var):
                self.root.avals[self.names[v]] = v.aval  # (sub-programs' names too)
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
            elif consumer.prim.name in P.reduce_prims and out.aval.shape:
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
            source = args[0]
            if eqn.inputs[0].aval.dtype.kind == "c" and out.aval.dtype.kind != "c":
                source = f"{source}.real"
            if out.aval.dtype == np.float16:
                return round_f16(self, out.aval.dtype, f"np.float64({source})")
            return f"{dtype_ctor(out.aval.dtype)}({source})"
        integer = out.aval.dtype.kind in "iu"
        if name == "div":
            text = f"_floordiv({args[0]}, {args[1]})" if integer else f"({args[0]} / {args[1]})"
        elif name == "rem" and integer:
            text = f"_intrem({args[0]}, {args[1]})"
        else:
            template = eqn.prim.lower
            if eqn.inputs[0].aval.dtype.kind == "c":
                template = getattr(eqn.prim, "lower_complex", template)
            text = template.format(*args, f="f" if out.aval.dtype == np.float32 else "",
                                   bits=8 * eqn.inputs[0].aval.dtype.itemsize)
        for h in ("_max", "_min", "_floordiv", "_intrem"):
            if h + "(" in text:
                self.helpers.add(h)
        for module in CALLED_MODULES:
            if module + "." in text:
                self.imports.add(f"from funcdl import {module}")
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
        """The source of the program as one function (numba compiles it as a whole)."""
        header, params, segments, ret = self.function_parts()
        body = [line for segment in segments for line in segment] + ["    " + ret]
        return "\n".join(header + [f"def {self.name}({', '.join(params)}):"] + body) + "\n"

    def function_parts(self):
        """(module header lines, parameter names, body segments, return statement): the
        segments are the body's lines (indented one level), one list per top-level group
        of statements (one loop nest, contraction or control-flow construct, with its
        comment lines) or run of lines between groups."""
        ir = self.ir
        params = [self.var(v) for v in ir.in_vars + ir.const_vars]
        for v in ir.in_vars + ir.const_vars:  # 0-d inputs arrive as 0-d arrays
            if not v.aval.shape:
                self.emit(f"{self.var(v)} = {self.var(v)}[()]")
        self.segment_starts = [0]
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
        ret = f"return ({', '.join(outs)}{',' if len(outs) == 1 else ''})"
        header = ["import math", "", "import numba", "import numpy as np", *sorted(self.imports), ""]
        for h in sorted(self.helpers):
            header.append(helper_source(h))
        header.append("")
        bounds = sorted(set(self.segment_starts + [len(self.lines)]))
        segments = [self.lines[a:b] for a, b in zip(bounds, bounds[1:])]
        return header, params, segments, ret

    def value_types(self):
        """name -> how the program's values (sub-programs' too) reach a kernel (a type spec)."""
        return {name: type_spec(a.dtype, len(a.shape)) for name, a in self.avals.items()}

    def scalar_types(self):
        """name -> numba constructor of the program's 0-d values (sub-programs' too)."""
        return {name: dtype_ctor(a.dtype) for name, a in self.avals.items() if not a.shape}

    def sub_name(self, ir, v):
        """The name of variable ``v`` of sub-program ``ir`` in generated code."""
        scopes = self.root.scopes
        name = safe_name(f"s{scopes.setdefault(id(ir), len(scopes) + 1)}_{ir_names(ir)[v]}")
        self.root.avals[name] = v.aval
        return name

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
            if self is self.root:
                self.segment_starts.append(start)
            if eqn.prim.name in FUSIBLE:
                group = self.fusible_group(k, ir.eqns, ready)
                self.emit_group(group)
            else:
                group = [eqn]
                eqn.prim.lower(self, eqn)
            if len(self.lines) > start:  # (an alias emits nothing)
                self.lines[start:start] = self.comment(group)
            if self is self.root:
                self.segment_starts.append(len(self.lines))
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


def generate_outlined(ir, name="kernel", nan_checks=False):
    """``ir`` as a Python driver and the kernels it calls (see ``outline``): (driver source,
    [(kernel, the module header it needs)], the type specs of the driver's values)."""
    gen = Codegen(ir, name, nan_checks=nan_checks)
    header, params, segments, ret = gen.function_parts()
    groups = [[line[4:] for line in segment] for segment in segments]
    driver, kernels = outline(params, groups, ret, gen.scalar_types(), GLOBALS | set(HELPERS))
    source = "\n".join([f"def {name}({', '.join(params)}):", *("    " + line for line in driver)])
    return ("import numpy as np\n\n\n" + source + "\n", [(k, _header_for(k, header)) for k in kernels],
            gen.value_types())


def _header_for(kernel, header):
    """The lines of ``header`` that ``kernel`` needs: imports and the helpers it calls."""
    text = "\n".join(kernel.body)
    lines = ["import math", "", "import numba", "import numpy as np"]
    lines += [line for line in header if line.startswith("from funcdl import ")
              and line.split()[-1] + "." in text]
    used = [h for h in sorted(HELPERS) if h + "(" in text]
    if used:
        lines.append(f"from funcdl._kernels import {', '.join(used)}")
    lines.append("")
    return lines

