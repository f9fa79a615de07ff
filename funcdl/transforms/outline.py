"""Outlining: a generated program as a plain-Python driver that calls shared kernels.

The code generator emits one function body as a sequence of statement groups (one loop
nest, one contraction, one control-flow loop ...). Compiling that body as one numba
function costs time superlinear in its length and shares nothing between programs. Here
each group that does real work becomes a *kernel*: a small numba function whose text
depends only on the group's structure, because

- its inputs are parameters ``a0, a1, ...`` and its other names ``t0, t1, ...``, numbered
  in order of appearance, and
- the sizes in it (loop bounds, shapes, offsets) are parameters ``n0, n1, ...``,

so the same loop over other arrays or other shapes is the same kernel, compiled once and
kept on disk for every later program. What remains is a driver of cheap statements
(views, scalar reads, buffers to fill) and kernel calls, run by Python. The loop of a
``scan`` or ``while_loop`` stays in the driver and its body is outlined the same way, so
its kernels are shared too (a value a body group carries to its next iteration is one of
its outputs).

>>> groups = [["c = np.empty((4,), dtype=np.float64)", "for i1 in range(4):",
...            "    c[i1] = a[i1] + b[i1]"]]
>>> driver, kernels = outline(["a", "b"], groups, "return (c,)", {})
>>> driver[0]
'c, = k_1db504f17ae19cae(a, b, 4, 4)'
>>> print(kernels[0].source("@numba.njit"))
@numba.njit
def k_1db504f17ae19cae(a0, a1, n0, n1):
    t0 = np.empty((n0,), dtype=np.float64)
    for t1 in range(n1):
        t0[t1] = a0[t1] + a1[t1]
    return (t0,)
"""
import ast
import dataclasses
import hashlib

from ..primitives.lowering import CALLED_MODULES

# names a kernel reads as globals of its module, never as parameters
GLOBALS = frozenset({"np", "math", "numba", "range", "len", "min", "max", "abs", "float", "int",
                     "bool", "complex", "FloatingPointError", "_kernels", *CALLED_MODULES})
# constructors whose integer argument is a value, not a size
VALUE_CALLS = frozenset({"float16", "float32", "float64", "int8", "int16", "int32", "int64",
                         "uint8", "uint16", "uint32", "uint64", "bool_", "complex64", "complex128",
                         "complex"})


@dataclasses.dataclass(frozen=True)
class Kernel:
    """A kernel: its name (``k_`` and a hash of its text), parameters and body lines."""
    name: str
    params: tuple
    body: tuple

    def source(self, decorator):
        """The kernel's function definition under ``decorator``."""
        return "\n".join([decorator, f"def {self.name}({', '.join(self.params)}):",
                          *("    " + line for line in self.body)])


def _names(tree):
    """The Name nodes of ``tree`` in source order."""
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Name)]
    return sorted(nodes, key=lambda n: (n.lineno, n.col_offset))


def _loads_stores(tree):
    loads, stores = set(), set()
    for n in _names(tree):
        (stores if isinstance(n.ctx, ast.Store) else loads).add(n.id)
    return loads, stores


def _exposed_loads(tree):
    """The names ``tree`` reads before it assigns them: what a kernel of it takes as inputs.
    Only top-level assignments count as definite (a loop's body may not run); an augmented
    assignment reads its target."""
    exposed, assigned = set(), set()
    for stmt in tree.body:
        loads, stores = _loads_stores(stmt)
        if isinstance(stmt, ast.AugAssign):
            loads = loads | stores
        exposed |= loads - assigned
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            assigned |= stores
    return exposed


def _is_matrix(node):
    """A name or a transposed name (``x``, ``x.T``): an operand numpy's dot takes as is."""
    if isinstance(node, ast.Attribute) and node.attr == "T":
        node = node.value
    return isinstance(node, ast.Name)


def is_blas_product(call):
    """``np.dot(a, b.T)``: one BLAS call, which numpy makes through the same BLAS kernels as
    numba's ``np.dot`` (the same bits, ``tests/test_outline.py`` checks it) and which no
    compiled kernel would make faster."""
    f = call.func
    return (isinstance(f, ast.Attribute) and f.attr == "dot" and isinstance(f.value, ast.Name)
            and f.value.id == "np" and len(call.args) == 2 and not call.keywords
            and all(_is_matrix(a) for a in call.args))


# statements a driver runs itself: cheap in Python and exact (no float arithmetic, or one
# BLAS product)
def _is_cheap(stmt):
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return False
    target, v = stmt.targets[0], stmt.value
    if isinstance(target, ast.Tuple):  # a, b = (c, d): a loop's carry passed on
        return (isinstance(v, ast.Tuple) and len(v.elts) == len(target.elts)
                and all(isinstance(n, ast.Name) for n in target.elts + v.elts))
    if isinstance(target, ast.Subscript):  # ys[i] = y: a loop's output stored (a copy)
        return all(isinstance(n, ast.Name) for n in (target.value, target.slice, v))
    if not isinstance(target, ast.Name):
        return False
    if isinstance(v, ast.Name):  # an alias
        return True
    if isinstance(v, ast.Subscript) and isinstance(v.value, ast.Name):
        index = v.slice
        if isinstance(index, ast.Tuple) and not index.elts:
            return True  # x[()]: a 0-d array's value
        return isinstance(index, ast.Name)  # x[t]: a loop's row (a view)
    if isinstance(v, ast.BinOp) and isinstance(v.op, ast.Sub):  # n - 1 - k: a reverse scan's step
        return (isinstance(v.left, ast.Constant) and type(v.left.value) is int
                and isinstance(v.right, ast.Name))
    if not (isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute)):
        return False
    if is_blas_product(v):
        return True
    if isinstance(v.func.value, ast.Name) and v.func.value.id == "np" and v.func.attr == "empty":
        return True  # a buffer to fill
    return v.func.attr in ("reshape", "copy") and isinstance(v.func.value, ast.Name)


def _cheap_tail(statements):
    """The cheap statements that end ``statements`` (after the last one that is not)."""
    k = len(statements)
    while k and _is_cheap(statements[k - 1]):
        k -= 1
    return statements[k:]


class _Canonical(ast.NodeTransformer):
    """Renames a group's names (inputs ``a<k>``, locals ``t<k>``) and turns its sizes into
    parameters ``n<k>``."""

    def __init__(self, inputs, globals_):
        self.rename = {n: f"a{k}" for k, n in enumerate(inputs)}
        self.globals, self.sizes, self.locals, self._value_depth = globals_, [], 0, 0

    def visit_Name(self, node):
        if node.id in self.globals:
            return node
        if node.id not in self.rename:
            self.rename[node.id], self.locals = f"t{self.locals}", self.locals + 1
        return ast.copy_location(ast.Name(self.rename[node.id], node.ctx), node)

    def visit_Call(self, node):
        f = node.func
        value = isinstance(f, ast.Attribute) and f.attr in VALUE_CALLS
        self._value_depth += value
        self.generic_visit(node)
        self._value_depth -= value
        return node

    def visit_With(self, node):
        """``with numba.objmode(name='type'):`` declares the names it assigns: renamed too."""
        for item in node.items:
            for kw in getattr(item.context_expr, "keywords", ()):
                kw.arg = self.visit_Name(ast.Name(kw.arg, ast.Store())).id
        self.generic_visit(node)
        return node

    def visit_keyword(self, node):
        self._value_depth += 1  # dtype=..., axis=...: structure, never a size parameter
        self.generic_visit(node)  # (names in it are still renamed)
        self._value_depth -= 1
        return node

    def visit_Constant(self, node):
        if type(node.value) is int and node.value not in (0, 1) and not self._value_depth:
            self.sizes.append(node.value)
            return ast.copy_location(ast.Name(f"n{len(self.sizes) - 1}", ast.Load()), node)
        return node


def _kernel_of(group, inputs, outputs, globals_):
    """The kernel computing ``group`` and the text of its call."""
    tree = ast.parse("\n".join(group))
    canon = _Canonical(inputs, globals_)
    tree = ast.fix_missing_locations(canon.visit(tree))
    outs = [canon.rename[n] for n in outputs]
    body = ast.unparse(tree).splitlines()
    body.append(f"return ({', '.join(outs)}{',' if len(outs) == 1 else ''})")
    params = tuple(f"a{k}" for k in range(len(inputs))) + tuple(f"n{k}" for k in range(len(canon.sizes)))
    name = "k_" + hashlib.sha256("\n".join((",".join(params), *body)).encode()).hexdigest()[:16]
    kernel = Kernel(name, params, tuple(body))
    call = f"{name}({', '.join(list(inputs) + [str(s) for s in canon.sizes])})"
    return kernel, call


def _is_comment(line):
    return line.lstrip().startswith("#")


def _statements(lines):
    """``lines`` (a block at indentation 0) as its top-level statements, each with the
    comment lines before it."""
    statements, current = [], []
    for line in lines:
        top = not line.startswith((" ", "\t"))
        if top and any(not _is_comment(x) for x in current):
            statements.append(current)
            current = []
        current.append(line)
    if current:
        statements.append(current)
    return statements


def _loop_parts(statement):
    """(comments, header, body lines dedented) of a control-flow loop: a ``for``/``while``
    whose body holds equations of a sub-program (their comment lines), else None."""
    code = [k for k, line in enumerate(statement) if not _is_comment(line)]
    head = statement[code[0]] if code else ""
    body = [line[4:] for line in statement[code[0] + 1:]] if code else []
    if (head.startswith(("for ", "while ")) and head.endswith(":")
            and any(_is_comment(line) and not line.startswith((" ", "\t")) for line in body)):
        return statement[:code[0]], head, body
    return None


def _parts(lines):
    """A block as a list of parts: ("code", lines) runs of plain statements and
    ("loop", comments, header, body) control-flow loops, whose bodies are outlined too."""
    parts = []
    for statement in _statements(lines):
        loop = _loop_parts(statement)
        if loop is not None:
            parts.append(("loop", *loop))
        elif parts and parts[-1][0] == "code" and not _is_comment(statement[0]):
            parts[-1][1].extend(statement)  # (a statement of the equation group before it)
        else:
            parts.append(("code", list(statement)))
    return parts


def _part_text(part):
    return part[1] if part[0] == "code" else [part[2]] + ["    " + line for line in part[3]]


class _Outliner:
    """Builds the driver lines and the kernels of one program."""

    def __init__(self, scalars, globals_):
        self.scalars, self.globals, self.driver, self.kernels = scalars, globals_, [], {}

    def block(self, parts, defined, live_out, depth, loop_loads=None):
        """Outline ``parts`` run in order; ``defined``: the names bound before them. In a loop
        body ``loop_loads`` is the set of names its header reads (parts then feed each
        other across iterations too)."""
        texts = [_part_text(p) for p in parts]
        trees = [ast.parse("\n".join(x for x in t if not _is_comment(x))) for t in texts]
        flows = [_loads_stores(t) for t in trees]
        for k, (part, tree) in enumerate(zip(parts, trees)):
            loads, stores = flows[k]
            in_loop = loop_loads is not None
            later = set(live_out) | set(loop_loads or ())
            for j, (l_j, _) in enumerate(flows):
                if j > k or (in_loop and j != k):
                    later |= l_j
            if in_loop:  # a value this part carries to its own next iteration
                elsewhere = set(defined).union(*(s for j, (_, s) in enumerate(flows) if j != k))
                later |= loads & elsewhere
            if part[0] == "loop":
                self.loop(part, defined, later, depth)
            else:
                available = set(defined)
                if in_loop:
                    available.update(*(s for j, (_, s) in enumerate(flows) if j > k))
                self.code(part[1], tree, available, later, depth)
            defined = set(defined) | stores
        return defined

    def loop(self, part, defined, live_out, depth):
        _, comments, header, body = part
        self.driver += ["    " * depth + line for line in comments]
        self.driver.append("    " * depth + header)
        head = ast.parse(header + "\n    pass").body[0]
        loads, targets = _loads_stores(head)
        inner = set(defined) | targets
        self.block(_parts(body), inner, live_out, depth + 1, loads)

    def code(self, group, tree, defined, live, depth):
        pad = "    " * depth
        comments = [pad + line for line in group if _is_comment(line)]
        loads, stores = _loads_stores(tree)
        if all(_is_cheap(s) for s in tree.body):
            self.driver += [pad + line for line in group]
            return
        tail = _cheap_tail(tree.body)
        if tail:  # (stores and aliases that end a group: numba's array stores cost it 0.4 s)
            tree = ast.Module(tree.body[:-len(tail)], [])
            loads, stores = _loads_stores(tree)
            live = set(live) | set().union(*(_loads_stores(t)[0] for t in tail))
            group = [line for line in group if _is_comment(line)] + ast.unparse(tree).splitlines()
        order = [n.id for n in _names(tree)]
        inputs = sorted((_exposed_loads(tree) & defined) - self.globals, key=order.index)
        outputs = sorted(stores & live, key=order.index)
        code = [line for line in group if not _is_comment(line)]
        kernel, call = _kernel_of(code, inputs, outputs, self.globals)
        self.kernels[kernel.name] = kernel
        self.driver += comments
        targets = f"{', '.join(outputs)}{',' if len(outputs) == 1 else ''} = " if outputs else ""
        self.driver.append(pad + targets + call)
        self.driver += [f"{pad}{n} = {self.scalars[n]}({n})" for n in outputs if n in self.scalars]
        self.driver += [pad + ast.unparse(t) for t in tail]


def outline(params, groups, return_line, scalars, globals_=GLOBALS):
    """Split a function body into a driver and its kernels.

    ``params``: the function's parameter names; ``groups``: the statement groups of its
    body (lists of lines, unindented; comment lines are kept in the driver);
    ``return_line``: its last line; ``scalars``: name -> constructor (``"np.float32"``) of
    the 0-d values the body computes (a kernel returns them as Python numbers: the driver
    casts them back, so the next kernel sees the same type). A control-flow loop (a
    ``for``/``while`` whose body holds equations) stays in the driver and its body is
    outlined in turn. Returns (driver lines, kernels).
    """
    out = _Outliner(scalars, globals_)
    parts = []
    for group in groups:
        parts += _parts(group)
    out.block(parts, set(params), _loads_stores(ast.parse(return_line.strip()))[0], 0)
    out.driver.append(return_line.strip())
    return out.driver, list(out.kernels.values())
