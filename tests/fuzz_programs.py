"""Random programs for the differential fuzzer in ``test_fuzz.py``.

A program is data: input specs and a list of :class:`Op`, each one Python expression over
earlier values and three names, ``xp`` (a numpy-like namespace), ``lax`` (control flow)
and ``at`` (functional index updates, ``at(x)[i].add(v)``). :meth:`Program.source` prints
it as a Python function, and that source is the only semantics: it is executed once with
``numpy`` and the reference helpers below (``numpy_env``) and once with ``funcdl``
(``funcdl_env``), so a shrunk failure is also a ready-made regression test.

Programs are built bottom-up by hypothesis: each op picks earlier values (recent ones
first, for depth) or makes new inputs with broadcast-compatible shapes, and is kept only
if numpy accepts it on the concrete inputs. ``mode="smooth"`` keeps float64 values and
ops that are differentiable everywhere they are evaluated (guarded domains such as
``log(x*x + 0.5)``, predicates computed from non-differentiated bool/int inputs) so
derivatives can be compared with central differences.
"""
import dataclasses
import warnings

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

MAX_SIZE = 48  # elements per value
MAX_NDIM = 4
FLOAT_DTYPES = ("float32", "float64")


# ----------------------------------------------------------------------------- data

@dataclasses.dataclass(frozen=True)
class Input:
    """A program argument: an array (``dtype`` a numpy name) or a Python scalar
    (``dtype`` "pyfloat"/"pyint"); values are drawn from [lo, hi]."""
    name: str
    shape: tuple
    dtype: str
    lo: float = -2.0
    hi: float = 2.0
    diff: bool = False  # differentiated in the derivative checks
    oor: bool = False  # an index array with an out-of-range entry

    @property
    def is_scalar(self):
        return self.dtype.startswith("py")


@dataclasses.dataclass(frozen=True)
class Op:
    """``out = expr``; ``args`` are the names ``expr`` reads, ``tags`` name the features
    it exercises (``KNOWN_BUGS`` in test_fuzz.py excludes programs by tag)."""
    out: str
    expr: str
    args: tuple
    tags: frozenset = frozenset()


@dataclasses.dataclass(frozen=True)
class Program:
    inputs: tuple
    ops: tuple
    outputs: tuple

    @property
    def tags(self):
        scalar = {"python_scalar_arg"} if any(i.is_scalar for i in self.inputs) else set()
        return frozenset().union(scalar, *(op.tags for op in self.ops))

    def prune(self, outputs):
        """The program computing only ``outputs`` (unused ops and inputs dropped)."""
        live, ops = set(outputs), []
        for op in reversed(self.ops):
            if op.out in live:
                ops.append(op)
                live.update(op.args)
        inputs = tuple(i for i in self.inputs if i.name in live) or self.inputs[:1]
        return Program(inputs, tuple(reversed(ops)), tuple(outputs))

    def source(self):
        lines = [f"def program({', '.join(i.name for i in self.inputs)}):"]
        lines += [f"    {op.out} = {op.expr}" for op in self.ops]
        lines.append(f"    return ({', '.join(self.outputs)},)")
        return "\n".join(lines)


def literal(value):
    """Python source that rebuilds ``value`` exactly (inputs are dyadic, so it is short)."""
    if isinstance(value, (bool, int, float)):
        return repr(value)
    a = np.asarray(value)
    if a.size == 0:
        return f"np.zeros({a.shape}, np.{a.dtype.name})"
    return f"np.array({a.tolist()!r}, np.{a.dtype.name})"


class Case:
    """A program with concrete arguments, printable as a self-contained test case.

    ``in_axes``/``out_axes`` are set for vmap cases (``args`` are then batched); ``diff``
    lists the argument numbers that derivative checks differentiate."""

    def __init__(self, program_source, args, tags=frozenset(), in_axes=None, out_axes=0, diff=(),
                 program=None):
        self.program_source, self.args, self.tags = program_source, tuple(args), frozenset(tags)
        self.in_axes, self.out_axes, self.diff, self.program = in_axes, out_axes, tuple(diff), program

    def replace(self, program):
        """This case with a smaller ``program`` over a subset of the same inputs."""
        keep = [k for k, i in enumerate(self.program.inputs) if i in program.inputs]
        pick = lambda seq: tuple(seq[k] for k in keep)  # noqa: E731
        return Case(program.source(), pick(self.args), program.tags,
                    None if self.in_axes is None else pick(self.in_axes), self.out_axes,
                    tuple(keep.index(k) for k in self.diff if k in keep), program)

    def to_source(self):
        text = [self.program_source, "", f"args = ({''.join(literal(a) + ', ' for a in self.args)})"]
        if self.in_axes is not None:
            text.append(f"in_axes, out_axes = {self.in_axes!r}, {self.out_axes!r}")
        if self.diff:
            text.append(f"diff = {self.diff!r}")
        if self.tags:
            text.append(f"tags = {tuple(sorted(self.tags))!r}")
        return "\n".join(text)

    __repr__ = to_source

    @classmethod
    def from_source(cls, source):
        """The inverse of :meth:`to_source` (for regression cases)."""
        ns = {"np": np}
        exec(source, ns)  # noqa: S102 - test programs written by this module
        prog = source.split("\n\nargs = ")[0]
        return cls(prog, ns["args"], frozenset(ns.get("tags", ())), ns.get("in_axes"), ns.get("out_axes", 0),
                   ns.get("diff", ()))

    def function(self, env):
        """``program`` with its free names bound to ``env``."""
        ns = dict(env)
        exec(self.program_source, ns)  # noqa: S102
        return ns["program"]


# ------------------------------------------------------------ reference semantics

class _RefUpdate:
    def __init__(self, x, idx):
        self.x, self.idx = np.array(x), idx

    def _apply(self, values, ufunc):
        out, idx = self.x.copy(), self.idx
        values = np.asarray(values).astype(out.dtype)
        if isinstance(idx, np.ndarray) and idx.dtype.kind in "iu":  # may be out of range: dropped
            n = out.shape[0]
            keep = (idx >= -n) & (idx < n)
            values = np.broadcast_to(values, idx.shape + out.shape[1:])[keep]
            idx = idx[keep]
        if ufunc is None:
            out[idx] = values
        else:
            ufunc.at(out, idx, values)
        return out

    def set(self, values):
        return self._apply(values, None)

    def add(self, values):
        return self._apply(values, np.add)

    def multiply(self, values):
        return self._apply(values, np.multiply)


class _RefAt:
    def __init__(self, x):
        self.x = x

    def __getitem__(self, idx):
        return _RefUpdate(self.x, idx)


class RefLax:
    """funcdl.lax in plain Python loops over numpy."""

    @staticmethod
    def cond(pred, true_fun, false_fun, *operands):
        return true_fun(*operands) if bool(pred) else false_fun(*operands)

    @staticmethod
    def fori_loop(lower, upper, body_fun, init_val):
        val = init_val
        for i in range(int(lower), int(upper)):
            val = body_fun(i, val)
        return val

    @staticmethod
    def while_loop(cond_fun, body_fun, init_val):
        val = init_val
        while bool(cond_fun(val)):
            val = body_fun(val)
        return val

    @staticmethod
    def scan(f, init, xs=None, length=None, reverse=False):
        n = length if xs is None else len(xs)
        carry, ys = init, []
        for i in (reversed(range(n)) if reverse else range(n)):
            carry, y = f(carry, None if xs is None else xs[i])
            ys.append(np.asarray(y))
        if reverse:
            ys.reverse()
        if not ys:  # the shape of y from one step on zeros
            x0 = None if xs is None else np.zeros(np.shape(xs)[1:], np.asarray(xs).dtype)
            y = np.asarray(f(init, x0)[1])
            return carry, np.zeros((0,) + y.shape, y.dtype)
        return carry, np.stack(ys)


def weights(shape):
    """Fixed, irregular float64 weights that make a scalar loss of an output."""
    n = int(np.prod(shape, dtype=np.int64))
    return np.cos(np.arange(n) * 1.7 + 0.4).reshape(shape)


def numpy_env():
    return {"np": np, "xp": np, "lax": RefLax, "at": _RefAt, "weights": weights}


def funcdl_env():
    import funcdl.numpy as fnp
    from funcdl import lax
    from funcdl.numpy._indexing import at  # concrete numpy arrays have no ``.at``
    return {"np": np, "xp": fnp, "lax": lax, "at": at, "weights": weights}


# --------------------------------------------------------------------- op tables
# (name, template, smooth): smooth ops are differentiable at every value they can see.

UNARY = [
    ("sin", "xp.sin({})", True), ("exp", "xp.exp({})", True), ("tanh", "xp.tanh({})", True),
    ("square", "xp.square({})", True), ("neg", "-{}", True), ("cos", "xp.cos({})", True),
    ("log", "xp.log(xp.square({}) + 0.5)", True), ("sqrt", "xp.sqrt(xp.square({}) + 0.25)", True),
    ("pow2", "{} ** 2", True), ("negative", "xp.negative({})", True),
    ("arctan", "xp.arctan({})", True), ("expm1", "xp.expm1({})", True),
    ("log1p", "xp.log1p(xp.square({}))", True), ("sinh", "xp.sinh({})", True),
    ("cosh", "xp.cosh({})", True), ("tan", "xp.tan(xp.tanh({}))", True),
    ("reciprocal", "xp.reciprocal(xp.square({}) + 0.5)", True),
    ("pow_lit", "xp.power(xp.square({}) + 0.5, 1.5)", True),
    ("pow3", "{} ** 3", True), ("pow0", "xp.power({}, 0)", True), ("pow1", "{} ** 1", True),
    ("abs", "xp.abs({})", False), ("log_abs", "xp.log(xp.abs({}) + 0.5)", False),
    ("log_raw", "xp.log({})", False), ("sqrt_raw", "xp.sqrt({})", False),
    ("sign", "xp.sign({})", False), ("floor", "xp.floor({})", False),
    ("ceil", "xp.ceil({})", False), ("round", "xp.round({})", False),
    ("clip", "xp.clip({}, -1.0, 1.5)", False), ("isnan", "xp.isnan({})", False),
    ("isfinite", "xp.isfinite({})", False), ("not", "xp.logical_not({})", False),
    ("to_f32", "{}.astype(xp.float32)", False), ("to_f64", "{}.astype(xp.float64)", False),
    ("to_bool", "{}.astype(xp.bool_)", False),
]

BINARY = [
    ("add", "{} + {}", True), ("mul", "{} * {}", True), ("sub", "{} - {}", True),
    ("xp.add", "xp.add({}, {})", True), ("xp.multiply", "xp.multiply({}, {})", True),
    ("xp.subtract", "xp.subtract({}, {})", True),
    ("div", "{} / (xp.square({}) + 0.5)", True), ("logaddexp", "xp.logaddexp({}, {})", True),
    ("pow", "xp.power(xp.square({}) + 0.5, xp.tanh({}))", True),
    ("maximum", "xp.maximum({}, {})", False), ("minimum", "xp.minimum({}, {})", False),
    ("div_abs", "xp.divide({}, xp.abs({}) + 1)", False), ("div_raw", "{} / {}", False),
    ("floordiv", "{} // (xp.abs({}) + 1)", False), ("mod", "{} % (xp.abs({}) + 1)", False),
    ("lt", "{} < {}", False), ("ge", "{} >= {}", False), ("eq", "xp.equal({}, {})", False),
    ("ne", "{} != {}", False), ("gt", "xp.greater({}, {})", False),
    ("and", "xp.logical_and({}, {})", False), ("or", "xp.logical_or({}, {})", False),
]

REDUCTIONS = [("sum", True), ("mean", True), ("prod", True), ("max", False), ("min", False),
              ("var", True), ("std", False), ("argmax", False), ("argmin", False),
              ("all", False), ("any", False)]

CATEGORIES = ["unary", "binary", "binary", "reduce", "shape", "index", "where", "at",
              "contract", "cumsum", "control", "unary", "binary", "shape", "index", "compare"]
# jit programs are few (each is a compilation): more of what code generation can get wrong
# (broadcasting, indexing, updates, contractions, loops, calls out of generated code), less of
# what eager runs already cover.
JIT_CATEGORIES = ["binary", "at", "where", "contract", "index", "shape", "reduce", "control",
                  "binary", "at", "unary", "contract", "cumsum", "compare", "where", "shape", "fft"]


# ------------------------------------------------------------------------ builder

class _Reject(Exception):
    pass


def _size(shape):
    return int(np.prod(shape, dtype=np.int64))


def _kept_then_broadcast(shape, out):
    """A size-1 dimension kept (after a non-trivial one) right before a broadcast one: the
    pattern of known bug 1 (e.g. (2, 1, 1) -> (2, 1, 2))."""
    shape = (1,) * (len(out) - len(shape)) + tuple(shape)
    return any(shape[i] == out[i] == 1 and shape[i + 1] == 1 < out[i + 1] and any(d > 1 for d in out[:i])
               for i in range(len(out) - 1))


def _atom(text):
    """``text`` parenthesised if an operator could bind into it."""
    return f"({text})" if text.startswith("-") or (" " in text and not text.startswith(("(", "xp."))) else text


class _DtypeWatch:
    """numpy, recording the dtypes its functions return (to spot float16 intermediates)."""

    def __init__(self):
        self.dtypes = set()

    def __getattr__(self, name):
        f = getattr(np, name)
        if not callable(f) or isinstance(f, type):
            return f

        def watched(*args, **kwargs):
            out = f(*args, **kwargs)
            self.dtypes.update(getattr(o, "dtype", np.dtype(object)).name for o in _as_tuple(out))
            return out
        return watched


class Builder:
    """Builds one program from hypothesis draws, evaluating every op with numpy."""

    def __init__(self, draw, mode="full", exclude=frozenset(), max_ops=8, for_jit=False, min_ops=1):
        self.draw, self.mode, self.exclude, self.max_ops = draw, mode, frozenset(exclude), max_ops
        self.min_ops = min_ops
        self.smooth = mode == "smooth"
        self.categories = JIT_CATEGORIES if for_jit else CATEGORIES
        self.for_jit = for_jit  # out-of-range .at indices (compared with numpy's drop semantics)
        self.inputs, self.ops, self.values = [], [], {}
        self.env = numpy_env()

    # -- drawing helpers
    def int(self, lo, hi):
        return self.draw(st.integers(lo, hi))

    def flag(self, p_true=0.5):
        return self.draw(st.integers(0, 99)) < 100 * p_true

    def choice(self, seq):
        return self.draw(st.sampled_from(list(seq)))

    def shape(self, ndim=None):
        ndim = self.choice([1, 2, 0, 3, 1, 2, 4]) if ndim is None else ndim
        dims = [self.choice([2, 3, 1, 2, 1, 3]) if self.int(0, 19) else 0 for _ in range(ndim)]
        while _size(dims) > MAX_SIZE:
            dims.pop(0)
        return tuple(dims)

    def dtype(self):
        if self.smooth:
            return "float64"
        return self.choice(["float32", "float64", "float32", "int32", "int64", "bool", "float64"])

    def values_for(self, inp, shape=None):
        """Draw values for ``inp`` (dyadic floats, so the printed source is exact and short)."""
        shape = inp.shape if shape is None else shape
        n = _size(shape)
        if inp.dtype in ("bool",):
            flat = self.draw(st.lists(st.booleans(), min_size=n, max_size=n))
            return np.array(flat, dtype=bool).reshape(shape)
        if inp.dtype in ("int32", "int64", "pyint"):
            flat = self.draw(st.lists(st.integers(int(inp.lo), int(inp.hi)), min_size=n, max_size=n))
            if inp.oor and n:  # indices into an axis of size hi - 1: make one out of range
                flat[0] = int(inp.hi) if flat[0] >= 0 else int(inp.lo)
            if inp.is_scalar:
                return int(flat[0])
            return np.array(flat, dtype=inp.dtype).reshape(shape)
        lo, hi = int(inp.lo * 8), int(inp.hi * 8)
        flat = [k / 8 for k in self.draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))]
        if inp.is_scalar:
            return float(flat[0])
        return np.array(flat, dtype=inp.dtype).reshape(shape)

    # -- values
    def new_input(self, shape=None, dtype=None, lo=None, hi=None, diff=None, scalar_ok=True, oor=False):
        shape = self.shape() if shape is None else tuple(shape)
        dtype = self.dtype() if dtype is None else dtype
        if (shape == () and scalar_ok and not self.smooth and dtype != "bool" and self.int(0, 5) == 0
                and "python_scalar_arg" not in self.exclude):
            dtype = "pyfloat" if dtype in FLOAT_DTYPES else "pyint"  # a weak Python scalar
        if dtype in ("int32", "int64", "pyint"):
            lo = -4 if lo is None else lo
            hi = 4 if hi is None else hi
        lo = -2.0 if lo is None else lo
        hi = 2.0 if hi is None else hi
        diff = self.smooth and dtype == "float64" if diff is None else diff
        inp = Input(f"x{len(self.inputs)}", shape, dtype, lo, hi, diff, oor)
        self.inputs.append(inp)
        self.values[inp.name] = self.values_for(inp)
        return inp.name

    def pick(self, pred=lambda v: True):
        """An existing value satisfying ``pred``, recent ones first (None if there is none)."""
        names = [n for n, v in self.values.items() if pred(v)]
        if not names:
            return None
        if self.flag(0.6):  # mostly the newest, which makes programs deep
            return names[-1]
        return names[len(names) - 1 - self.int(0, len(names) - 1)]

    def usable(self, v):
        """Whether ``v`` may be an operand (in smooth mode only floats are)."""
        a = np.asarray(v)
        return a.dtype.kind == "f" if self.smooth else True

    def operand(self, pred=None):
        """An existing value (or a new input) to start an op from."""
        pred = pred or self.usable
        name = self.pick(pred) if self.values and self.int(0, 5) else None
        return name if name is not None else self.new_input()

    def compatible_shape(self, shape):
        """A random shape that broadcasts with ``shape``."""
        out = []
        for d in shape:
            r = self.int(0, 5)
            out.append(1 if r == 0 else (self.choice([2, 3, 0]) if d == 1 and r == 1 else d))
        if out and self.int(0, 3) == 0:
            out = out[self.int(1, len(out)):]
        if len(out) < MAX_NDIM and self.int(0, 4) == 0:
            out = [self.choice([2, 1, 3])] + out
        return tuple(out)

    def second(self, a, pred=None, literal_ok=True):
        """A second operand for a broadcasting op with ``a``: an existing broadcast-compatible
        value, a new input, or a weak Python scalar."""
        sa = np.shape(self.values[a])
        r = self.int(0, 5)
        if literal_ok and r == 0:
            kind = np.asarray(self.values[a]).dtype.kind
            if kind == "f" or self.smooth:
                return self.choice(["0.5", "2.0", "-1.5", "3.0", "0.25"])
            return self.choice(["2", "-1", "3", "True", "1.5"])
        if r <= 2:
            def ok(v):
                try:
                    np.broadcast_shapes(np.shape(v), sa)
                except ValueError:
                    return False
                return (pred or self.usable)(v)
            name = self.pick(ok)
            if name is not None:
                return name
        return self.new_input(self.compatible_shape(sa))

    def bool_value(self, shape_like=None):
        """A bool value: in smooth mode a non-differentiated input, otherwise also a comparison."""
        shape = self.compatible_shape(np.shape(self.values[shape_like])) if shape_like else self.shape()
        name = self.pick(lambda v: np.asarray(v).dtype == bool and self._bcast_ok(v, shape))
        if name is not None and self.int(0, 2):
            return name, ()
        if self.smooth or self.int(0, 1):
            return self.new_input(shape, "bool", diff=False), ()
        x = self.operand()
        return f"{x} > {self.choice(['0.0', '0.5', '-0.25'])}", (x,)

    @staticmethod
    def _bcast_ok(v, shape):
        try:
            np.broadcast_shapes(np.shape(v), shape)
            return True
        except ValueError:
            return False

    def add(self, expr, args, tags=(), broadcasting=False):
        """Evaluate ``expr`` with numpy; keep it as a new op if it is a valid value."""
        g = dict(self.env, xp=_DtypeWatch())
        g.update(self.values)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                value = eval(expr, g)  # noqa: S307 - generated here
            except Exception as e:
                raise _Reject(str(e))
        if "float16" in g["xp"].dtypes:  # numpy's float ufuncs make float16 of bool
            tags = tuple(tags) + ("float16",)
        a = np.asarray(value)
        if isinstance(value, (list, tuple)) or a.dtype.name not in (
                "float16", "float32", "float64", "int32", "int64", "bool"):
            raise _Reject(f"dtype {a.dtype}")
        if a.size > MAX_SIZE or a.ndim > MAX_NDIM:
            raise _Reject("too big")
        if self.smooth and (a.dtype != np.float64 or not np.all(np.isfinite(a))
                            or np.any(np.abs(a) > 1e4)):
            raise _Reject("not smooth")
        tags = frozenset(tags) | (self.broadcast_tags(args, a.shape) if broadcasting else frozenset())
        if tags & self.exclude:
            raise _Reject(f"excluded {tags & self.exclude}")
        name = f"v{len(self.ops)}"
        self.ops.append(Op(name, expr, tuple(args), tags))
        self.values[name] = value
        return name

    def broadcast_tags(self, args, out_shape):
        tags = set()
        for a in args:
            s = np.shape(self.values[a]) if a in self.values else None
            if s is not None and len(s) <= len(out_shape) and _kept_then_broadcast(s, tuple(out_shape)):
                tags.add("broadcast_mid_size1")
        return tags

    # -- program
    def build(self):
        for _ in range(self.int(0, 1 if self.smooth else 2)):
            self.new_input()
        n_ops = self.int(min(self.min_ops, self.max_ops), self.max_ops)
        attempts = 0
        while len(self.ops) < n_ops and attempts < 4 * n_ops + 8:
            attempts += 1
            n_inputs, n_values = len(self.inputs), dict(self.values)
            try:
                getattr(self, "op_" + self.choice(self.categories))()
            except _Reject:
                del self.inputs[n_inputs:]  # forget inputs made for the rejected op
                self.values = n_values
        if not self.ops:
            x = self.new_input()
            self.add(f"xp.sin({x})" if np.asarray(self.values[x]).dtype.kind == "f" else f"{x} | True", (x,))
        used = {a for op in self.ops for a in op.args}
        sinks = [op.out for op in self.ops if op.out not in used]  # includes the last op
        return self.finish(sinks[-3:])

    def finish(self, outputs):
        """Drop ops and inputs the outputs don't read."""
        prog = Program(tuple(self.inputs), tuple(self.ops), tuple(outputs)).prune(outputs)
        return prog, tuple(self.values[i.name] for i in prog.inputs)

    # -- op generators (each raises _Reject or appends ops)
    def unary_template(self, x):
        kind = np.asarray(self.values[x]).dtype.kind
        table = [u for u in UNARY if u[2] or not self.smooth]
        name, tpl, _ = self.choice(table)
        if kind == "f" and name == "to_bool" and self.smooth:
            raise _Reject("")
        return tpl.format(x)

    def op_unary(self):
        x = self.operand()
        text = self.unary_template(x)
        self.add(text, (x,), ("pow_zero_exponent",) if text.endswith(", 0)") else ())

    def op_binary(self):
        a = self.operand()
        table = [b for b in BINARY if b[2] or not self.smooth]
        name, tpl, _ = self.choice(table)
        b = self.second(a)
        args = tuple(n for n in (a, b) if n in self.values)
        first, second = (b, a) if self.int(0, 3) == 0 else (a, b)  # literals on either side
        self.add(tpl.format(first, second), args, broadcasting=True)

    def op_compare(self):
        if self.smooth:
            raise _Reject("")
        a = self.operand()
        b = self.second(a)
        op = self.choice(["<", ">=", "==", "!=", ">", "<="])
        self.add(f"{a} {op} {b}", tuple(n for n in (a, b) if n in self.values), broadcasting=True)

    def op_where(self):
        a = self.operand()
        b = self.second(a)
        c, cargs = self.bool_value(a)
        args = tuple(n for n in (c, a, b) if n in self.values) + cargs
        self.add(f"xp.where({c}, {a}, {b})", args, broadcasting=True)

    def axis_arg(self, ndim, tuples=True):
        r = self.int(0, 5)
        if r == 0 or ndim == 0:
            return None
        if r == 1 and tuples and ndim >= 2:
            axes = sorted(set(self.int(-ndim, ndim - 1) % ndim for _ in range(2)))
            return tuple(a - ndim if self.flag(0.3) else a for a in axes)
        return self.int(-ndim, ndim - 1)

    def op_reduce(self):
        x = self.operand()
        ndim = np.ndim(self.values[x])
        name = self.choice([r for r, smooth in REDUCTIONS if smooth or not self.smooth])
        arg = name in ("argmax", "argmin")
        axis = self.axis_arg(ndim, tuples=not arg)
        keep = self.flag(0.3)
        kw = "" if axis is None and not self.int(0, 2) else f", axis={axis!r}"
        kw += ", keepdims=True" if keep else ""
        if self.int(0, 3) == 0 and name in ("sum", "mean", "max", "min") and not keep:
            self.add(f"{x}.{name}({kw[2:]})", (x,))
        else:
            self.add(f"xp.{name}({x}{kw})", (x,))

    def op_cumsum(self):
        x = self.operand()
        axis = self.axis_arg(np.ndim(self.values[x]), tuples=False)
        self.add(f"xp.cumsum({x}, axis={axis!r})" if axis is not None or self.flag() else f"xp.cumsum({x})",
                 (x,))

    def op_fft(self):
        """A transform with a real result: the real or imaginary part of an FFT, or a
        filtered round trip through rfft and irfft (linear: smooth everywhere)."""
        x = self.operand()
        v = np.asarray(self.values[x])
        if v.ndim == 0 or v.dtype == np.float16:
            raise _Reject("fft of a 0-d or float16 value")
        axis = self.int(-v.ndim, v.ndim - 1)
        n = self.choice(["", ", n=1", ", n=3", ", n=4"])
        part = self.choice(["real", "imag"])
        self.add(self.choice([
            f"xp.{part}(xp.fft.fft({x}{n}, axis={axis}))",
            f"xp.{part}(xp.fft.ifft({x}{n}, axis={axis}, norm='ortho'))",
            f"xp.fft.irfft(xp.fft.rfft({x}, axis={axis}) * 0.5{n}, axis={axis})",
            f"xp.{part}(xp.fft.fftn({x}))",
        ]), (x,))

    def random_factor_shape(self, n):
        if n == 0:
            return tuple(self.choice([[0], [0, 3], [2, 0], [1, 0, 2]]))
        dims, rest = [], n
        for p in (2, 3, 5, 7):
            while rest % p == 0:
                rest //= p
                if dims and self.flag(0.5):
                    dims[self.int(0, len(dims) - 1)] *= p
                else:
                    dims.append(p)
        if rest > 1:
            dims.append(rest)
        while len(dims) < MAX_NDIM and self.flag(0.25):
            dims.insert(self.int(0, len(dims)), 1)
        dims = dims[:MAX_NDIM] if _size(dims[:MAX_NDIM]) == n else [n]
        perm = self.draw(st.permutations(dims))
        return tuple(perm)

    def op_shape(self):
        x = self.operand()
        s = np.shape(self.values[x])
        nd = len(s)
        kind = self.choice(["reshape", "transpose", "broadcast_to", "expand_dims", "squeeze",
                            "concatenate", "flip", "pad", "tile", "repeat", "swapaxes", "moveaxis",
                            "ravel", "stack", "split", "T"])
        if kind == "reshape":
            new = list(self.random_factor_shape(_size(s)))
            if new and _size(s) and self.flag(0.3):
                new[self.int(0, len(new) - 1)] = -1
            form = self.int(0, 2)
            expr = (f"{x}.reshape({tuple(new)!r})" if form == 0 else f"xp.reshape({x}, {tuple(new)!r})")
            self.add(expr, (x,))
        elif kind in ("transpose", "T"):
            if kind == "T" or nd < 2 or self.flag(0.2):
                self.add(f"{x}.T" if kind == "T" else f"xp.transpose({x})", (x,))
            else:
                perm = tuple(self.draw(st.permutations(range(nd))))
                self.add(f"xp.transpose({x}, {perm!r})", (x,))
        elif kind == "broadcast_to":
            target = [self.choice([2, 3, 0]) if d == 1 and self.flag(0.6) else d for d in s]
            while len(target) < MAX_NDIM and self.flag(0.4):
                target.insert(0, self.choice([2, 1, 3]))
            self.add(f"xp.broadcast_to({x}, {tuple(target)!r})", (x,), ("broadcast_to",), broadcasting=True)
        elif kind == "expand_dims":
            axis = self.int(-nd - 1, nd)
            if self.flag(0.25) and nd < 3:
                axis = tuple(sorted({axis % (nd + 2), self.int(0, nd + 1)}))
            self.add(f"xp.expand_dims({x}, {axis!r})", (x,))
        elif kind == "squeeze":
            ones = [i for i, d in enumerate(s) if d == 1]
            if ones and self.flag(0.7):
                ax = self.choice(ones)
                self.add(f"xp.squeeze({x}, axis={ax - nd if self.flag(0.3) else ax})", (x,))
            else:
                self.add(f"xp.squeeze({x})", (x,))
        elif kind in ("concatenate", "stack"):
            if kind == "concatenate" and nd == 0:
                raise _Reject("")
            axis = self.int(-nd, nd - 1) if kind == "concatenate" else self.int(-nd - 1, nd)
            parts = [x]
            for _ in range(self.int(1, 2)):
                shp = list(s)
                if kind == "concatenate":
                    shp[axis] = self.choice([1, 2, 0, 3])
                name = self.pick(lambda v: np.shape(v) == tuple(shp) and self.usable(v))
                parts.append(name if name is not None and self.flag() else self.new_input(shp))
            self.add(f"xp.{kind}([{', '.join(parts)}], axis={axis})", tuple(parts))
        elif kind == "flip":
            axis = self.axis_arg(nd)
            self.add(f"xp.flip({x})" if axis is None else f"xp.flip({x}, axis={axis!r})", (x,))
        elif kind == "pad":
            widths = tuple((self.int(0, 2), self.int(0, 2)) for _ in range(nd))
            mode = self.choice(["", "", ", mode='edge'", ", constant_values=1.5"])
            if mode.startswith(", c") and np.asarray(self.values[x]).dtype.kind != "f":
                mode = ", constant_values=2"
            if self.flag(0.2):
                widths = self.int(0, 2)
            self.add(f"xp.pad({x}, {widths!r}{mode})", (x,), ("pad",))
        elif kind == "tile":
            reps = tuple(self.int(1, 3) if self.int(0, 5) else 0 for _ in range(self.int(1, 3)))
            self.add(f"xp.tile({x}, {reps[0] if len(reps) == 1 else reps!r})", (x,), ("tile",))
        elif kind == "repeat":
            reps = self.int(0, 3)
            axis = None if nd == 0 or self.flag(0.3) else self.int(-nd, nd - 1)
            if axis is not None and self.flag(0.3) and s[axis] > 0:
                reps = [self.int(0, 2) for _ in range(s[axis])]
            self.add(f"xp.repeat({x}, {reps!r}, axis={axis!r})", (x,), ("repeat",))
        elif kind in ("swapaxes", "moveaxis"):
            if nd == 0:
                raise _Reject("")
            a, b = self.int(-nd, nd - 1), self.int(-nd, nd - 1)
            self.add(f"xp.{kind}({x}, {a}, {b})", (x,))
        elif kind == "ravel":
            self.add(f"xp.ravel({x})", (x,))
        elif kind == "split":
            if nd == 0:
                raise _Reject("")
            axis = self.int(0, nd - 1)
            if self.flag() and s[axis] > 0:
                sections = [d for d in (1, 2, 3) if s[axis] % d == 0]
                k = self.choice(sections)
                self.add(f"xp.split({x}, {k}, axis={axis})[{self.int(0, k - 1)}]", (x,))
            else:
                cut = sorted({self.int(0, s[axis]), self.int(0, s[axis])})
                self.add(f"xp.split({x}, {cut!r}, axis={axis})[{self.int(0, len(cut))}]", (x,))

    def index_entry(self, n, allow_array=True):
        """One index entry for an axis of size ``n`` as source text (and the names it reads)."""
        r = self.int(0, 6)
        if r == 0 and n > 0:
            return str(self.int(-n, n - 1)), (), "int"
        if r in (1, 2):
            def bound():
                return None if self.flag(0.4) else self.int(-n - 1, n + 1)
            start, stop = bound(), bound()
            step = self.choice([None, 1, 2, -1, -2, None])
            text = (f"{'' if start is None else start}:{'' if stop is None else stop}"
                    + ("" if step is None else f":{step}"))
            return text, (), "slice"
        if r == 3 and allow_array and n > 0:
            idx = [self.int(-n, n - 1) for _ in range(self.int(1, 3))]
            return repr(idx), (), "array"
        if r == 4 and allow_array and n > 0:
            shape = self.choice([(self.int(1, 3),), (), (2, 2)])
            name = self.new_input(shape, self.choice(["int32", "int64"]), lo=-n, hi=n - 1,
                                  diff=False, scalar_ok=False)
            return name, (name,), ("traced_scalar_index" if shape == () else "traced_index")
        if r == 5 and allow_array and n > 0:
            mask = [bool(self.int(0, 1)) for _ in range(n)]
            return f"np.array({mask!r})", (), "mask"
        return ":", (), "slice"

    def index(self, shape, allow_array=True):
        """A random index expression for ``shape``: (text, names read, kinds)."""
        nd = len(shape)
        k = self.int(0, nd) if nd else 0
        ellipsis = self.int(0, 6) if k < nd else 0  # 1: "..." first (entries index the last dims), 2: last
        entries, names, kinds = [], [], []
        arrays = 0
        for d in (shape[nd - k:] if ellipsis == 1 else shape[:k]):
            text, ns, kind = self.index_entry(d, allow_array and arrays < 1)
            arrays += kind in ("array", "traced_index", "traced_scalar_index", "mask")
            entries.append(text)
            names += ns
            kinds.append(kind)
        if not entries or self.flag(0.15):
            entries.insert(self.int(0, len(entries)), "None")
        if ellipsis in (1, 2):
            entries.insert(0 if ellipsis == 1 else len(entries), "...")
        if len(entries) == 1 and self.flag(0.3) and entries[0] != "...":
            return entries[0], tuple(names), kinds
        return ", ".join(entries), tuple(names), kinds

    def op_index(self):
        x = self.operand()
        if np.ndim(self.values[x]) == 0:
            raise _Reject("")
        text, names, kinds = self.index(np.shape(self.values[x]))
        tags = {"traced_index"} if names else set()
        self.add(f"{x}[{text}]", (x,) + names, tags)

    def op_at(self):
        x = self.operand()
        shape = np.shape(self.values[x])
        if not shape:
            raise _Reject("")
        n = shape[0]
        how = self.choice(["index", "traced", "index", "scalar", "oor"])
        if how == "oor" and self.for_jit:  # traced indices, maybe out of range (dropped)
            name = self.new_input((self.int(1, 3),), "int64", lo=-n - 2, hi=n + 1, diff=False, scalar_ok=False,
                                  oor=True)
            text, names, kinds = name, (name,), ["oor"]
        elif how in ("traced", "scalar") and n > 0:  # a traced index (array or 0-d) into axis 0
            name = self.new_input(() if how == "scalar" else (self.int(1, 3),), self.choice(["int32", "int64"]),
                                  lo=-n, hi=n - 1, diff=False, scalar_ok=False)
            text = name
            if len(shape) > 1 and self.flag(0.4):
                text = f"{name}, {self.index_entry(shape[1], False)[0]}"
            names, kinds = (name,), ["traced_scalar_index" if how == "scalar" else "traced_index"]
        else:
            text, names, kinds = self.index(shape)
        mode = self.choice(["set", "add", "multiply"])
        if "oor" in kinds:
            positions = np.zeros(np.shape(self.values[name]) + shape[1:])
        else:
            try:
                positions = np.asarray(eval(f"__p[{text}]", dict(  # noqa: S307
                    self.env, **self.values, __p=np.arange(_size(shape)).reshape(shape))))
            except IndexError as e:
                raise _Reject(str(e))
        if "oor" in kinds:  # only the in-range indices count
            idx = self.values[name]
            in_range = idx[(idx >= -shape[0]) & (idx < shape[0])] % shape[0]
            duplicates = np.unique(in_range).size < in_range.size
        else:
            duplicates = np.unique(positions).size < positions.size
        if mode == "set" and duplicates:
            raise _Reject("duplicate positions in set")
        kind = np.asarray(self.values[x]).dtype.kind
        nonzero = mode == "multiply" and "at_multiply_zero" in self.exclude
        if self.flag(0.3):
            lits = {"f": ["2.0", "-0.5", "0.0"], "b": ["True", "False"]}.get(kind, ["2", "-1", "0"])
            v, vargs = self.choice([t for t in lits if not (nonzero and t in ("0.0", "0", "False"))]), ()
        else:
            target = tuple(p if self.int(0, 3) else 1 for p in positions.shape)
            target = target[self.int(0, len(target)) if self.flag(0.3) else 0:]
            lo = {"f": 0.25, "i": 1}.get(kind) if nonzero else None  # known item: zero updates
            v = self.new_input(target, np.asarray(self.values[x]).dtype.name, lo=lo, scalar_ok=False)
            vargs = (v,)
        tags = {"at"}
        if "traced_scalar_index" in kinds:
            tags.add("at_traced_scalar_index")
        if "oor" in kinds:
            tags.add("at_oor")
        if mode == "multiply":
            tags.add("at_multiply")
        if names:
            tags.add("traced_index")
        self.add(f"at({x})[{text}].{mode}({v})", (x,) + names + vargs, tags, broadcasting=True)

    def op_contract(self):
        x = self.operand()
        s = list(np.shape(self.values[x]))
        kind = self.choice(["matmul", "dot", "einsum", "tensordot", "matmul_op", "outer"])
        dtype = np.asarray(self.values[x]).dtype.name if self.int(0, 3) else self.dtype()
        tags = {"contract"}
        if kind in ("matmul", "matmul_op"):
            if not s:
                raise _Reject("")
            r = self.int(0, 3)
            if len(s) == 1:
                other = [s[0]] if r == 0 else [s[0], self.int(0, 3)] if r == 1 else [2, s[0], self.int(1, 3)]
            else:
                batch = list(self.compatible_shape(tuple(s[:-2]))) if self.flag() else []
                other = [s[-1]] if r == 0 else batch + [s[-1], self.int(0, 3)]
            y = self.operand_of_shape(tuple(other), dtype)
            expr = f"xp.matmul({x}, {y})" if kind == "matmul" else f"{x} @ {y}"
            if self.flag(0.2):
                expr = f"xp.matmul({y}, {x})" if kind == "matmul" else f"{y} @ {x}"
        elif kind == "dot":
            if not s:
                other = list(self.shape())
            elif len(s) == 1:
                other = self.choice([[s[0]], [s[0], self.int(1, 3)], [2, s[0], self.int(1, 3)]])
            else:
                other = self.choice([[s[-1]], [s[-1], self.int(0, 3)], [2, s[-1], self.int(1, 3)]])
            y = self.operand_of_shape(tuple(other), dtype)
            expr = f"xp.dot({x}, {y})"
        elif kind == "outer":
            y = self.operand_of_shape(self.shape(self.int(0, 2)), dtype)
            expr = f"xp.outer({x}, {y})"
        elif kind == "tensordot":
            k = self.int(0, min(len(s), 2))
            if self.flag(0.4) and s:
                ax_a = sorted(set(self.int(0, len(s) - 1) for _ in range(k or 1)))
                extra = list(self.shape(self.int(0, 1)))
                pos = list(range(len(ax_a) + len(extra)))
                order = self.draw(st.permutations(pos))
                other = [None] * len(pos)
                for j, a in enumerate(ax_a):
                    other[order[j]] = s[a]
                rest = iter(extra)
                other = [d if d is not None else next(rest) for d in other]
                ax_b = [order[j] for j in range(len(ax_a))]
                y = self.operand_of_shape(tuple(other), dtype)
                expr = f"xp.tensordot({x}, {y}, axes=({ax_a!r}, {ax_b!r}))"
            else:
                other = s[len(s) - k:] + list(self.shape(self.int(0, 2)))
                if k == 0 and self.flag(0.3):
                    other = []
                y = self.operand_of_shape(tuple(other), dtype)
                expr = f"xp.tensordot({x}, {y}, axes={k})"
            if np.ndim(self.values[y]) == 0 or not s:
                tags.add("tensordot_0d")
        else:  # einsum over random labels
            letters = "ijklmn"
            la = letters[:len(s)]
            if self.flag(0.3) or not s:
                out = "".join(self.draw(st.permutations(la)))[:self.int(0, len(la))]
                self.add(f"xp.einsum('{la}->{out}', {x})", (x,), tags | {"einsum"})
                return
            shared = [c for c in la if self.flag()]
            new = letters[len(s):len(s) + self.int(0, 2)]
            lb = "".join(self.draw(st.permutations(shared + list(new))))
            sizes = dict(zip(la, s))
            for c in new:
                sizes[c] = self.int(1, 3)
            y = self.operand_of_shape(tuple(sizes[c] for c in lb), dtype)
            labels = sorted(set(la) | set(lb))
            out = "".join(self.draw(st.permutations(labels)))[:self.int(0, len(labels))]
            expr = f"xp.einsum('{la},{lb}->{out}', {x}, {y})"
            tags.add("einsum")
            if np.ndim(self.values[y]) == 0:
                tags.add("tensordot_0d")
        args = (x, y)
        if np.asarray(self.values[x]).dtype.kind != "f" or np.asarray(self.values[y]).dtype.kind != "f":
            tags.add("int_contract")
        self.add(expr, args, tags)

    def operand_of_shape(self, shape, dtype):
        if self.smooth:
            dtype = "float64"
        name = self.pick(lambda v: np.shape(v) == tuple(shape) and self.usable(v))
        if name is not None and self.flag(0.4):
            return name
        return self.new_input(shape, dtype, scalar_ok=False)

    # -- control flow: bodies are lambdas whose result keeps the carry's shape and dtype
    def body_expr(self, local_values, target, extra_leaves=(), depth=None, hidden=()):
        """An elementwise expression over the lambda parameters ``local_values`` ({name: value}),
        ``extra_leaves`` (source text over them) and closed-over values, with the shape and
        dtype of the parameter ``target``, checked with numpy; falls back to ``target``."""
        want = np.asarray(local_values[target])
        closure = [n for n, v in self.values.items() if self._fits(v, want)]
        pool = [n for n in local_values if n not in hidden] + list(extra_leaves) + closure
        for _ in range(4):
            text = self._expr(pool, target, self.int(1, 3) if depth is None else depth)
            g = dict(self.env, **self.values)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    got = np.asarray(eval(text, g, dict(local_values)))  # noqa: S307
                except Exception:
                    continue
            if got.shape == want.shape and got.dtype == want.dtype:
                return text, [n for n in closure if n in text]
        return target, []

    def _fits(self, v, want):
        a = np.asarray(v)
        try:
            return (np.broadcast_shapes(a.shape, want.shape) == want.shape
                    and np.result_type(a, want) == want.dtype)
        except ValueError:
            return False

    def _expr(self, names, target, depth):
        if depth == 0:
            return target if self.flag(0.6) else self.choice(names + ["0.5"])
        if self.flag(0.5):
            tpl = self.choice([u[1] for u in UNARY if u[2] and u[0] != "pow0"])
            text = tpl.format(_atom(self._expr(names, target, depth - 1)))
            return f"({text})" if tpl.startswith("-") or "**" in tpl else text
        tpl = self.choice([b[1] for b in BINARY if b[2]])
        text = tpl.format(*(_atom(self._expr(names, target, depth - 1)) for _ in range(2)))
        return f"({text})" if tpl.startswith("{}") else text


    def predicate(self, value_ok=True):
        """A 0-d bool predicate (text, names): from a non-differentiated input in smooth mode."""
        if self.smooth or not value_ok or self.flag(0.3):
            name = self.pick(lambda v: np.asarray(v).dtype == bool and np.ndim(v) == 0)
            if name is None or self.flag(0.3):
                name = self.new_input((), "bool", diff=False, scalar_ok=False)
            return name, (name,)
        x = self.operand()
        return f"xp.sum({x}) > {self.choice(['0.0', '1.0', '-0.5'])}", (x,)

    def op_control(self):
        kind = self.choice(["cond", "scan", "fori_loop", "while_loop"])
        if kind == "cond":
            a = self.operand()
            pred, pargs = self.predicate()
            ops = [a]
            if self.flag(0.5):
                ops.append(self.operand())
            params = ["p", "q"][:len(ops)]
            leaves = {p: self.values[o] for p, o in zip(params, ops)}
            t1, c1 = self.body_expr(leaves, "p")
            t2, c2 = self.body_expr(leaves, "p")
            lam = f"lambda {', '.join(params)}: "
            self.add(f"lax.cond({pred}, {lam}{t1}, {lam}{t2}, {', '.join(ops)})",
                     pargs + tuple(ops) + tuple(c1) + tuple(c2), {"cond"})
        elif kind == "scan":
            c = self.operand()
            sc = np.shape(self.values[c])
            length = self.choice([2, 3, 1, 0])
            if self.flag(0.2):
                xs, x_val = None, None
            else:
                suffix = sc[len(sc) - self.int(0, len(sc)):] if sc else ()
                xs = self.operand_of_shape((length,) + tuple(suffix), np.asarray(self.values[c]).dtype.name)
                x_val = np.zeros(np.shape(self.values[xs])[1:], np.asarray(self.values[xs]).dtype)
                if length:
                    x_val = np.asarray(self.values[xs])[0]
            leaves = {"c": self.values[c]} if xs is None else {"c": self.values[c], "x": x_val}
            tc, cc = self.body_expr(leaves, "c")
            ty, cy = self.body_expr(leaves, "c")
            rev = ", reverse=True" if self.flag(0.3) else ""
            which = self.int(0, 1)
            if xs is None:
                expr = f"lax.scan(lambda c, x: ({tc}, {ty}), {c}, None, length={length}{rev})[{which}]"
            else:
                expr = f"lax.scan(lambda c, x: ({tc}, {ty}), {c}, {xs}{rev})[{which}]"
            self.add(expr, (c,) + ((xs,) if xs else ()) + tuple(cc) + tuple(cy), {"scan"})
        elif kind == "fori_loop":
            c = self.operand()
            cval = self.values[c]
            text, closure = self.body_expr({"c": cval, "i": 0}, "c", ["xp.asarray(i, c.dtype)"], hidden=("i",))
            lo, hi = self.int(0, 2), self.int(0, 4)
            tags, args = {"fori_loop"}, (c,) + tuple(closure)
            if not self.smooth and self.flag(0.25):  # traced bounds: a while loop
                n = self.new_input((), self.choice(["int32", "int64"]), lo=0, hi=3, diff=False, scalar_ok=False)
                hi, args = n, args + (n,)
                tags.add("while_loop")
            self.add(f"lax.fori_loop({lo}, {hi}, lambda i, c: {text}, {c})", args, tags)
        else:
            c = self.operand()
            body, closure = self.body_expr({"c": self.values[c]}, "c")
            n = self.int(0, 3)
            cond = f"s[0] < {n}"
            args = (c,) + tuple(closure)
            if not self.smooth and self.flag(0.4):
                cond = f"xp.logical_and(s[0] < {n + 1}, xp.sum(s[1]) < 2.0)"
            self.add(f"lax.while_loop(lambda s: {cond}, lambda s: (s[0] + 1, (lambda c: {body})(s[1])), "
                     f"(0, {c}))[1]", args, {"while_loop"})


# --------------------------------------------------------------------- strategies

@st.composite
def programs(draw, mode="full", exclude=frozenset(), max_ops=8, for_jit=False, min_ops=1):
    """(Program, args) from the builder."""
    return Builder(draw, mode, exclude, max_ops, for_jit, min_ops).build()


def _case(prog, args, **kw):
    return Case(prog.source(), tuple(args), prog.tags, program=prog, **kw)


@st.composite
def cases(draw, mode="full", exclude=frozenset(), max_ops=8, for_jit=False, min_ops=1):
    """A program with arguments (``diff`` set in smooth mode)."""
    prog, args = draw(programs(mode, exclude, max_ops, for_jit, min_ops))
    diff = tuple(k for k, i in enumerate(prog.inputs) if i.diff) if mode == "smooth" else ()
    assume(diff or mode != "smooth")
    return _case(prog, args, diff=diff)


@st.composite
def vmap_cases(draw, mode="full", exclude=frozenset(), max_ops=8, min_ops=1):
    """A program with batched arguments and random in_axes (None and negative included)."""
    b = Builder(draw, mode, exclude, max_ops, min_ops=min_ops)
    prog, args = b.build()
    size = draw(st.sampled_from([2, 3, 1]))
    axes, batched = [], []
    for inp, val in zip(prog.inputs, args):
        nd = len(inp.shape)
        ax = None if inp.is_scalar or draw(st.integers(0, 3)) == 0 else draw(st.integers(-nd - 1, nd))
        axes.append(ax)
        if ax is None:
            batched.append(val)
        else:
            pos = ax % (nd + 1)
            shape = inp.shape[:pos] + (size,) + inp.shape[pos:]
            batched.append(b.values_for(inp, shape))
    if all(a is None for a in axes):  # vmap needs one mapped argument
        k = next((k for k, i in enumerate(prog.inputs) if not i.is_scalar), None)
        if k is None:
            assume(False)
        axes[k] = 0
        batched[k] = b.values_for(prog.inputs[k], (size,) + prog.inputs[k].shape)
    diff = tuple(k for k, i in enumerate(prog.inputs) if i.diff) if mode == "smooth" else ()
    assume(diff or mode != "smooth")
    return _case(prog, batched, in_axes=tuple(axes), out_axes=draw(st.sampled_from([0, -1, 0])), diff=diff)


def _failure(check, case):
    try:
        check(case)
    except Exception as e:  # noqa: BLE001 - any failure is a finding
        return type(e), str(e).split(":")[0]
    return None


def minimize(case, check):
    """A smaller case failing ``check`` the same way (exception type and message head): one
    output, then the shortest prefix of the program. Hypothesis shrinks the draws; this
    shrinks the program structure, which its draws can't express."""
    want = _failure(check, case)
    if want is None or case.program is None:
        return case
    progress = True
    while progress:
        progress = False
        prog = case.program
        candidates = [prog.prune((o,)) for o in prog.outputs] if len(prog.outputs) > 1 else []
        candidates += [prog.prune((op.out,)) for op in prog.ops[:-1]]
        for cand in sorted(candidates, key=lambda p: len(p.ops)):
            if len(cand.ops) >= len(prog.ops) and len(cand.outputs) >= len(prog.outputs):
                continue
            smaller = case.replace(cand)
            if smaller.in_axes is not None and all(a is None for a in smaller.in_axes):
                continue
            if _failure(check, smaller) == want:
                case, progress = smaller, True
                break
    return case


# ----------------------------------------------------------------------- compare

TOLERANCE = {np.dtype("float16"): (1e-2, 1e-3), np.dtype("float32"): (2e-4, 2e-5),
             np.dtype("float64"): (1e-7, 1e-9)}


def _as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def assert_same(what, got, want, slack=None, check_dtype=True):
    """Outputs equal: same shapes and dtypes, integers and bools exactly, floats within a
    per-dtype tolerance (plus ``slack``, the reference's own sensitivity, where given; inf
    means the reference can't decide that element), NaN where the other has NaN."""
    got, want = _as_tuple(got), _as_tuple(want)
    if len(got) != len(want):
        raise AssertionError(f"{what}: {len(got)} outputs, expected {len(want)}")
    slack = slack or (None,) * len(want)
    for k, (g, w, s) in enumerate(zip(got, want, slack)):
        g, w = np.asarray(g), np.asarray(w)
        if g.shape != w.shape:
            raise AssertionError(f"{what}: output {k} has shape {g.shape}, expected {w.shape}")
        if check_dtype and g.dtype != w.dtype:
            raise AssertionError(f"{what}: output {k} has dtype {g.dtype}, expected {w.dtype}")
        decided = np.ones(w.shape, bool) if s is None else ~np.isinf(s)
        if w.dtype.kind not in "fc" and g.dtype.kind not in "fc":
            bad = (g != w) & decided
            if bad.any():
                raise AssertionError(f"{what}: output {k} differs at {np.argwhere(bad)[:4].tolist()}:\n"
                                     f"got  {g}\nwant {w}")
            continue
        rtol, atol = TOLERANCE.get(w.dtype, TOLERANCE[np.dtype("float64")])
        g64, w64 = g.astype(np.float64), w.astype(np.float64)
        finite = np.isfinite(w64)
        scale = max(1.0, float(np.max(np.abs(w64[finite]), initial=0.0)))
        with np.errstate(all="ignore"):
            err = np.abs(g64 - w64)
            allowed = atol * scale + rtol * np.abs(w64) + (0.0 if s is None else np.where(decided, s, 0.0))
            ok = np.where(finite, err <= allowed, (g64 == w64) | (np.isnan(g64) & np.isnan(w64)))
        bad = ~ok & decided
        if bad.any():
            where = tuple(np.argwhere(bad)[0])
            raise AssertionError(f"{what}: output {k} differs at {len(np.argwhere(bad))} positions, first "
                                 f"{where}: got {g64[where] if g.ndim else g64}, want "
                                 f"{w64[where] if w.ndim else w64}\ngot  {g}\nwant {w}")


def quiet(fun, *args):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fun(*args)


def reference(case, args=None):
    """numpy's outputs and their sensitivity: how far they move when the float inputs move by
    a few ulps or float32 inputs are computed in float64 (inf where a bool/int/NaN flips)."""
    args = case.args if args is None else args
    fun = case.function(numpy_env())
    want = tuple(np.asarray(o) for o in quiet(fun, *args))
    variants = []
    rng = np.random.default_rng(0)
    for trial in range(3):
        moved = []
        for a in args:
            if isinstance(a, float) or (isinstance(a, np.ndarray) and a.dtype.kind == "f"):
                arr = np.asarray(a)
                if trial == 2:
                    arr = arr.astype(np.float64)
                else:
                    eps = np.finfo(arr.dtype).eps
                    arr = (arr * (1 + 4 * eps * rng.uniform(-1, 1, arr.shape))).astype(arr.dtype)
                moved.append(float(arr) if isinstance(a, float) else arr)
            else:
                moved.append(a)
        try:
            variants.append(tuple(np.asarray(o) for o in quiet(fun, *moved)))
        except Exception:
            continue
    slack = []
    for k, w in enumerate(want):
        s = np.zeros(w.shape)
        for v in variants:
            if k >= len(v) or v[k].shape != w.shape:
                continue
            vk = v[k]
            with np.errstate(all="ignore"):
                w64, v64 = w.astype(np.float64), vk.astype(np.float64)
                same_kind = (np.isnan(w64) == np.isnan(v64)) & (np.isinf(w64) == np.isinf(v64))
                d = np.where(np.isfinite(w64) & np.isfinite(v64), np.abs(w64 - v64), 0.0)
                if w.dtype.kind not in "fc":
                    d = np.where(w64 != v64, np.inf, 0.0)
            s = np.maximum(s, np.where(same_kind, 4 * d, np.inf))
        slack.append(s)
    return want, tuple(slack)


# ------------------------------------------------------------------------- checks

def check_eager(case):
    """funcdl.numpy, eagerly, equals numpy (values, shapes and dtypes)."""
    want, slack = reference(case)
    got = quiet(case.function(funcdl_env()), *case.args)
    assert_same("eager funcdl vs numpy", got, want, slack)


def check_jit(case):
    """``jit(program)`` equals the eager program (numpy where an index is out of range)."""
    import funcdl as fd
    fun = case.function(funcdl_env())
    got = quiet(fd.jit(fun), *case.args)
    want, slack = reference(case)
    if "at_oor" not in case.tags:  # eagerly, concrete out-of-range indices raise
        want = quiet(fun, *case.args)
    assert_same("jit vs eager", got, want, slack)


def _unbatch(case, i):
    return tuple(a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(case.args, case.in_axes))


def _batch_size(case):
    return next(np.shape(a)[ax] for a, ax in zip(case.args, case.in_axes) if ax is not None)


def _stack(outs, axis):
    return tuple(np.stack([np.asarray(o[k]) for o in outs], axis=axis) for k in range(len(outs[0])))


def check_vmap(case):
    """``vmap(program, in_axes, out_axes)`` equals a Python loop over the batch."""
    import funcdl as fd
    fun = case.function(funcdl_env())
    n = _batch_size(case)
    loop = [quiet(fun, *_unbatch(case, i)) for i in range(n)]
    refs = [reference(case, _unbatch(case, i)) for i in range(n)]
    want = _stack(loop, case.out_axes)
    slack = tuple(np.stack([r[1][k] for r in refs], axis=case.out_axes) for k in range(len(want)))
    got = quiet(fd.vmap(fun, in_axes=case.in_axes, out_axes=case.out_axes), *case.args)
    assert_same("vmap vs loop", got, want, slack)


# -- derivatives, in float64 on smooth programs

def _split(case, fun):
    """``f(*diff_args)`` with the other arguments fixed, and the differentiated values."""
    args = list(case.args)

    def f(*d):
        full = list(args)
        for k, v in zip(case.diff, d):
            full[k] = v
        return fun(*full)
    return f, tuple(np.asarray(case.args[k], np.float64) for k in case.diff)


def loss_of(fun):
    """A scalar loss: the outputs weighted by :func:`weights` and summed."""
    def loss(*a):
        total = 0.0
        for o in _as_tuple(fun(*a)):
            total = total + (o * weights(np.shape(o))).sum()
        return total
    return loss


def _richardson(g, h=1e-3):
    """Central difference of scalar-or-array-valued ``g`` at 0 along a line, extrapolated:
    (estimate, error estimate)."""
    d1 = (np.asarray(g(h), np.float64) - np.asarray(g(-h), np.float64)) / (2 * h)
    d2 = (np.asarray(g(h / 2), np.float64) - np.asarray(g(-h / 2), np.float64)) / h
    return (4 * d2 - d1) / 3, np.abs(d2 - d1)


def numeric_grad(f, xs):
    """Per-element central differences of scalar ``f`` at ``xs`` (a tuple of arrays)."""
    grads, errs = [], []
    for k, x in enumerate(xs):
        gk, ek = np.zeros(x.shape), np.zeros(x.shape)
        for idx in np.ndindex(x.shape):
            def line(t, k=k, idx=idx):
                moved = [np.array(v, copy=True) for v in xs]
                moved[k][idx] += t
                return f(*moved)
            gk[idx], ek[idx] = _richardson(line)
        grads.append(gk)
        errs.append(ek)
    return tuple(grads), tuple(errs)


def assert_derivative(what, got, want, err):
    got, want, err = _as_tuple(got), _as_tuple(want), _as_tuple(err)
    for k, (g, w, e) in enumerate(zip(got, want, err)):
        g, w = np.asarray(g), np.asarray(w, np.float64)
        if g.shape != w.shape:
            raise AssertionError(f"{what}: derivative {k} has shape {g.shape}, expected {w.shape}")
        if g.dtype != np.float64:
            raise AssertionError(f"{what}: derivative {k} has dtype {g.dtype}, expected float64")
        scale = max(1.0, float(np.max(np.abs(w), initial=0.0)))
        bad = ~(np.abs(g - w) <= 1e-6 * scale + 1e-5 * np.abs(w) + 8 * np.asarray(e))
        if bad.any():
            where = tuple(np.argwhere(bad)[0])
            raise AssertionError(f"{what}: derivative {k} differs from finite differences at "
                                 f"{len(np.argwhere(bad))} positions, first {where}: got "
                                 f"{g[where] if g.ndim else g}, want {w[where] if w.ndim else w}"
                                 f"\ngot  {g}\nwant {w}")


def _flat(outs):
    """All outputs as one float64 vector."""
    return np.concatenate([np.ravel(np.asarray(o, np.float64)) for o in _as_tuple(outs)] + [np.zeros(0)])


def reverse_ok(case):
    return "while_loop" not in case.tags


def _direction(xs, seed):
    rng = np.random.default_rng(seed)
    return tuple(rng.standard_normal(x.shape) for x in xs)


def check_derivatives(case):
    """jvp, vjp and grad of a smooth float64 program against central differences of numpy."""
    import funcdl as fd
    f, xs = _split(case, case.function(funcdl_env()))
    f_np, _ = _split(case, case.function(numpy_env()))
    if not xs:
        return
    v = _direction(xs, 0)
    out, tan = fd.jvp(f, xs, v)
    assert_same("jvp primal vs numpy", out, f_np(*xs))
    num, err = _richardson(lambda t: _flat(f_np(*(x + t * d for x, d in zip(xs, v)))))
    assert_derivative("jvp", _flat(tan), num, err)
    if not reverse_ok(case):
        try:
            fd.grad(loss_of(f), argnums=tuple(range(len(xs))))(*xs)
        except TypeError as e:
            assert "while_loop" in str(e), e
            return
        raise AssertionError("grad through lax.while_loop did not raise TypeError")
    outs = _as_tuple(f_np(*xs))
    us = tuple(weights(np.shape(o)) * 0.5 + 0.25 for o in outs)
    _, pullback = fd.vjp(f, *xs)
    cts = pullback(tuple(us))

    def inner(*a):
        return sum(float(np.sum(np.asarray(o, np.float64) * u)) for o, u in zip(_as_tuple(f_np(*a)), us))
    want, err = numeric_grad(inner, xs)
    assert_derivative("vjp", cts, want, err)
    g = fd.grad(loss_of(f), argnums=tuple(range(len(xs))))(*xs)
    want, err = numeric_grad(loss_of(f_np), xs)
    assert_derivative("grad", g, want, err)


def _grad_fun(case, fun):
    f, xs = _split(case, fun)
    return fd_grad(loss_of(f), len(xs)), xs


def fd_grad(f, n):
    import funcdl as fd
    return fd.grad(f, argnums=tuple(range(n)))


def check_jit_grad(case):
    """``jit(grad(loss))`` equals ``grad(loss)``."""
    import funcdl as fd
    g, xs = _grad_fun(case, case.function(funcdl_env()))
    if not xs or not reverse_ok(case):
        return
    assert_same("jit(grad) vs grad", fd.jit(g)(*xs), g(*xs))


def check_vmap_grad(case):
    """``vmap(grad(loss))`` over all arguments equals a loop of ``grad(loss)``."""
    import funcdl as fd
    fun = case.function(funcdl_env())
    if not case.diff or not reverse_ok(case):
        return

    def g(*args):
        full = list(args)

        def loss(*d):
            for k, v in zip(case.diff, d):
                full[k] = v
            return loss_of(fun)(*full)
        return fd_grad(loss, len(case.diff))(*(args[k] for k in case.diff))
    n = _batch_size(case)
    want = _stack([g(*_unbatch(case, i)) for i in range(n)], case.out_axes)
    got = fd.vmap(g, in_axes=case.in_axes, out_axes=case.out_axes)(*case.args)
    assert_same("vmap(grad) vs loop", got, want)


def check_grad_grad(case):
    """``grad(<grad(loss), v>)`` (a Hessian-vector product by reverse over reverse) against
    central differences of ``grad(loss)``."""
    import funcdl as fd
    g, xs = _grad_fun(case, case.function(funcdl_env()))
    if not xs or not reverse_ok(case):
        return
    v = _direction(xs, 1)

    def along(*a):
        total = 0.0
        for gi, vi in zip(g(*a), v):
            total = total + (gi * vi).sum()
        return total
    hvp = fd_grad(along, len(xs))(*xs)
    num, err = _richardson(lambda t: _flat(g(*(x + t * d for x, d in zip(xs, v)))))
    assert_derivative("grad(grad)", _flat(hvp), num, err)


def _quietly(check):
    """``check`` without numpy's floating-point warnings (NaN and inf are compared instead)."""
    def run(case):
        return quiet(check, case)
    run.__name__, run.__doc__ = check.__name__, check.__doc__
    return run


CHECKS = {name: _quietly(check) for name, check in [
    ("eager", check_eager), ("jit", check_jit), ("vmap", check_vmap), ("derivatives", check_derivatives),
    ("jit_grad", check_jit_grad), ("vmap_grad", check_vmap_grad), ("grad_grad", check_grad_grad)]}
