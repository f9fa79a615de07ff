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
(views, scalar reads) and kernel calls, run by Python.

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

# names a kernel reads as globals of its module, never as parameters
GLOBALS = frozenset({"np", "math", "numba", "range", "len", "min", "max", "abs", "float", "int",
                     "bool", "FloatingPointError", "_special", "_kernels"})
# constructors whose integer argument is a value, not a size
VALUE_CALLS = frozenset({"float16", "float32", "float64", "int8", "int16", "int32", "int64",
                         "uint8", "uint16", "uint32", "uint64", "bool_"})


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


# statements a driver runs itself: cheap in Python and exact (no arithmetic)
def _is_cheap(stmt):
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)):
        return False
    v = stmt.value
    if isinstance(v, ast.Name):  # an alias
        return True
    if isinstance(v, ast.Subscript) and isinstance(v.slice, ast.Tuple) and not v.slice.elts:
        return True  # x[()]: a 0-d array's value
    return (isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute)
            and v.func.attr in ("reshape", "copy") and isinstance(v.func.value, ast.Name))


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


def outline(params, groups, return_line, scalars, globals_=GLOBALS):
    """Split a function body into a driver and its kernels.

    ``params``: the function's parameter names; ``groups``: the statement groups of its
    body (lists of lines, unindented; comment lines are kept in the driver);
    ``return_line``: its last line; ``scalars``: name -> constructor (``"np.float32"``) of
    the 0-d values the body computes (a kernel returns them as Python numbers: the driver
    casts them back, so the next kernel sees the same type). Returns (driver lines, kernels).
    """
    parsed = [ast.parse("\n".join(l for l in g if not l.lstrip().startswith("#"))) for g in groups]
    loads_after = [set() for _ in groups]
    later = _loads_stores(ast.parse(return_line.strip()))[0]
    for k in range(len(groups) - 1, -1, -1):
        loads_after[k] = set(later)
        later |= _loads_stores(parsed[k])[0]
    defined, driver, kernels = set(params), [], {}
    for group, tree, after in zip(groups, parsed, loads_after):
        comments = [line for line in group if line.lstrip().startswith("#")]
        loads, stores = _loads_stores(tree)
        if all(_is_cheap(s) for s in tree.body):
            driver += group
        else:
            order = [n.id for n in _names(tree)]
            inputs = sorted((loads & defined) - globals_, key=order.index)
            outputs = sorted(stores & after, key=order.index)
            code = [line for line in group if not line.lstrip().startswith("#")]
            kernel, call = _kernel_of(code, inputs, outputs, globals_)
            kernels[kernel.name] = kernel
            driver += comments
            driver.append(f"{', '.join(outputs)}{',' if len(outputs) == 1 else ''} = {call}" if outputs else call)
            driver += [f"{n} = {scalars[n]}({n})" for n in outputs if n in scalars]
        defined |= stores
    driver.append(return_line.strip())
    return driver, list(kernels.values())
