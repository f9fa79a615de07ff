"""Automatic differentiation as IR rewrites: forward mode (jvp) and reverse mode (vjp).

Every primitive has two rules, declared in its definition block (``funcdl/primitives``;
the elementwise ones are built in ``ad_rules``):

- ``prim.jvp(tangents, primals, out, **params)`` -> output tangent(s), ``None`` for zero;
- ``prim.vjp(cotangent, *primals, out, **params)`` -> one cotangent (or ``None``) per input.

Both are written with primitives, so their results are programs again: they can be
printed, differentiated once more, batched and jitted.

Reverse mode extends the traced forward program with its backward equations (walking
the equations in reverse and applying each ``vjp`` rule), then removes dead and
duplicate equations. Outside ``jit`` the forward values computed while tracing (for
Python control flow) are reused, not recomputed.
"""
import collections

import numpy as np

from .. import numpy as fnp
from .. import primitives as P
from .. import tree_util
from ..core import (IR, Aval, Literal, Trace, Var, aval_of, bind, check_arguments, current_trace, eval_ir,
                    trace_to_ir)
from ..core import _normalize_argnums  # shared argnum validation
from ..primitives import rules
from . import ad_rules
from .batching import vmap
from .simplify import dce, fold_constants, simplify

ad_rules.install_elementwise()


def is_float(aval):
    """Floating-point or complex (the values that carry derivatives)."""
    return aval.dtype.kind in "fc"


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return rules.add_any(a, b)


# ----------------------------------------------------------------------------------------
# Forward mode
# ----------------------------------------------------------------------------------------


def jvp_eval(ir, primals, tangents, known=None):
    """Evaluate ``ir`` on ``primals`` pushing ``tangents`` (None = zero) forward.

    Returns ``(outputs, output_tangents)``; output tangents are None where zero."""
    env = dict(known or {})
    env.update(zip(ir.const_vars, ir.consts))
    env.update(zip(ir.in_vars, primals))
    tangent_env = {v: t for v, t in zip(ir.in_vars, tangents) if t is not None}

    def read(a):
        return a.val if isinstance(a, Literal) else env[a]

    for eqn in ir.eqns:
        ins = [read(a) for a in eqn.inputs]
        ts = [tangent_env.get(a) if isinstance(a, Var) else None for a in eqn.inputs]
        with_primal = getattr(eqn.prim, "jvp_with_primal", None)
        if with_primal is not None and any(t is not None for t in ts):
            outs, out_ts = with_primal(ts, ins, **eqn.params)  # loops: one pass for both
            env.update(zip(eqn.outputs, outs))
            for v, t in zip(eqn.outputs, out_ts):
                if t is not None and is_float(v.aval):
                    tangent_env[v] = t
            continue
        if not all(v in env for v in eqn.outputs):
            outs = eqn.prim.bind(*ins, **eqn.params)
            env.update(zip(eqn.outputs, outs if eqn.prim.multiple_results else [outs]))
        if all(t is None for t in ts):
            continue
        out = [env[v] for v in eqn.outputs]
        out_ts = eqn.prim.jvp(ts, ins, out if eqn.prim.multiple_results else out[0], **eqn.params)
        out_ts = out_ts if eqn.prim.multiple_results else [out_ts]
        for v, t in zip(eqn.outputs, out_ts):
            if t is not None and is_float(v.aval):
                tangent_env[v] = cast_like(t, v.aval) if aval_of(t).dtype != v.aval.dtype else t
    outs = [read(a) for a in ir.out_vars]
    out_ts = [tangent_env.get(a) if isinstance(a, Var) else None for a in ir.out_vars]
    return outs, out_ts


def zeros_like_aval(aval):
    return np.zeros(aval.shape, aval.dtype)


# ----------------------------------------------------------------------------------------
# Reverse mode
# ----------------------------------------------------------------------------------------


def _active_vars(ir, wrt):
    """Float variables that depend differentiably on the inputs ``wrt`` (not through a
    primitive whose derivative is zero, such as stop_gradient)."""
    active = {v for v in wrt if is_float(v.aval)}
    for eqn in ir.eqns:
        if getattr(eqn.prim, "no_derivative", False) is True:
            continue
        if any(isinstance(a, Var) and a in active for a in eqn.inputs):
            active.update(v for v in eqn.outputs if is_float(v.aval))
    return active


def backward_ir(ir, wrt, seed_ones=False):
    """Extend ``ir`` with its backward pass.

    ``wrt``: indices of the inputs to differentiate. The new program takes ``ir``'s
    inputs, then (unless ``seed_ones``, which seeds the single output with 1) one
    cotangent input per float output; it returns ``ir``'s outputs followed by the
    cotangents of the ``wrt`` inputs.
    """
    wrt_vars = [ir.in_vars[i] for i in wrt]
    active = _active_vars(ir, wrt_vars)
    with Trace.extending(ir) as trace:
        if seed_ones:
            out_cotangents = [np.ones((), ir.out_vars[0].aval.dtype)] + [None] * (len(ir.out_vars) - 1)
        else:
            out_cotangents = [trace.new_arg(v.aval) if is_float(v.aval) else None
                              for v in ir.out_vars]
        cts = {}
        for v, ct in zip(ir.out_vars, out_cotangents):
            if isinstance(v, Var) and v in active and ct is not None:
                cts[v] = _add(cts.get(v), ct)
        for eqn in reversed(ir.eqns):
            gs = [cts.pop(v, None) for v in eqn.outputs]
            if all(g is None for g in gs):
                continue
            primals = [trace.tracer_of(a) for a in eqn.inputs]
            out = [trace.tracer_of(v) for v in eqn.outputs]
            if eqn.prim.multiple_results:
                in_cts = eqn.prim.vjp(gs, *primals, out=out, **eqn.params)
            else:
                in_cts = eqn.prim.vjp(gs[0], *primals, out=out[0], **eqn.params)
            differentiable = getattr(eqn.prim, "differentiable", range(len(eqn.inputs)))
            for i, (a, ct) in enumerate(zip(eqn.inputs, in_cts)):
                if isinstance(a, Var) and a in active and i not in differentiable:
                    raise ad_rules.no_derivative_error(eqn.prim.name, i)
                if ct is not None and isinstance(a, Var) and a in active:
                    if aval_of(ct) != a.aval:
                        ct = _fit_cotangent(eqn, a, ct)
                    cts[a] = _add(cts.get(a), ct)
        grads = [cts.get(v) if cts.get(v) is not None else zeros_like_aval(v.aval)
                 for v in wrt_vars]
        outs = [trace.tracer_of(v) for v in ir.out_vars]
        return simplify(trace.to_ir(outs + grads))


def _fit_cotangent(eqn, var, ct):
    """A rule's cotangent must match its primal's aval; cast a dtype slip, reject the rest."""
    ct_aval = aval_of(ct)
    if ct_aval.shape != var.aval.shape:
        raise TypeError(f"internal error: the vjp rule of {eqn.prim.name} returned a cotangent "
                        f"{ct_aval} for an operand {var.aval}")
    return P.convert(ct, var.aval.dtype)


class BackwardProgram:
    """A cached backward program for every forward program of one structure.

    ``run`` evaluates it for a forward ``ir`` of that structure: the forward program's
    constants and known values are mapped onto the template's variables by position.
    """

    def __init__(self, ir, wrt, seed_ones):
        self.joint = simplify(fold_constants(backward_ir(ir, wrt, seed_ones), keep=ir.const_vars))
        self._forward_consts = {id(v): i for i, v in enumerate(ir.const_vars)}
        self._programs = {}  # skip -> (program, where each of its constants comes from)
        self.forward_vars = _vars_in_order(ir)

    def program(self, skip=0):
        """The joint program without its first ``skip`` outputs (and what only they need)."""
        if skip not in self._programs:
            j = self.joint
            prog = dce(IR(j.in_vars, j.const_vars, j.consts, j.eqns, j.out_vars[skip:])) if skip else j
            sources = [self._forward_consts.get(id(v)) for v in prog.const_vars]
            self._programs[skip] = prog, sources
        return self._programs[skip]

    def run(self, ir, args, known=None, skip=0):
        """Outputs (the first ``skip`` ones are not computed: None) and the environment."""
        prog, sources = self.program(skip)
        consts = [c if i is None else ir.consts[i] for c, i in zip(prog.consts, sources)]
        mapped = None
        if known:
            mapped = {t: known[v] for v, t in zip(_vars_in_order(ir), self.forward_vars) if v in known}
        outs, env = eval_ir(prog, args, consts, known=mapped, return_env=True)
        return [None] * skip + list(outs), env


def _vars_in_order(ir):
    return ir.in_vars + ir.const_vars + [v for e in ir.eqns for v in e.outputs]


def fingerprint(ir):
    """A hashable key that is equal for programs of the same structure (primitives,
    params, wiring, literals and abstract values), whatever their constants' values;
    sub-programs of control flow compare structurally."""
    return ir.structure_key()


_BACKWARD_CACHE = collections.OrderedDict()
_BACKWARD_CACHE_SIZE = 256


def backward_program(ir, wrt, seed_ones):
    """The (cached) :class:`BackwardProgram` of ``ir``."""
    key = (fingerprint(ir), tuple(wrt), seed_ones)
    prog = _BACKWARD_CACHE.get(key)
    if prog is None:
        prog = _BACKWARD_CACHE[key] = BackwardProgram(ir, wrt, seed_ones)
        if len(_BACKWARD_CACHE) > _BACKWARD_CACHE_SIZE:
            _BACKWARD_CACHE.popitem(last=False)
    else:
        _BACKWARD_CACHE.move_to_end(key)
    return prog


def transpose_linear(linear, in_avals, cotangents):
    """Apply the transpose of ``linear`` to ``cotangents``: one cotangent per argument.

    ``linear`` takes arrays of ``in_avals`` and returns a list of arrays, linearly (a jvp
    rule's tangent map); ``cotangents`` has one entry per output (None: zero). The
    transpose is ``linear``'s reverse-mode derivative, for the pairing Re sum(u * v) of
    every rule, so a vjp rule built on it agrees with its jvp rule by construction. Its
    equations are recorded in the current trace.

    >>> transpose_linear(lambda x: [3.0 * x], [Aval((), np.dtype("float64"))], [2.0])
    [np.float64(6.0)]
    """
    ir, _, _ = trace_to_ir(lambda *xs: list(linear(*xs)), list(in_avals), name="transpose_linear")
    joint = backward_ir(ir, range(len(in_avals)))
    n_out = len(ir.out_vars)
    program = dce(IR(joint.in_vars, joint.const_vars, joint.consts, joint.eqns, joint.out_vars[n_out:]))
    cts = [zeros_like_aval(v.aval) if ct is None else ct
           for v, ct in zip(ir.out_vars, cotangents) if is_float(v.aval)]
    return eval_ir(program, [zeros_like_aval(a) for a in in_avals] + cts)


def _seed(trace):
    """Concrete forward values to reuse: only when evaluating eagerly."""
    return trace.known if current_trace() is None else None


# ----------------------------------------------------------------------------------------
# Public transforms
# ----------------------------------------------------------------------------------------


def _check_diff_input(fn_name, i, x, holomorphic=None):
    """Differentiated inputs are floating-point or complex; complex only with
    ``holomorphic=True`` (``holomorphic=None``: either)."""
    aval = aval_of(x)
    if not is_float(aval):
        raise TypeError(f"{fn_name} requires floating-point inputs to differentiate, but argument "
                        f"{i} has dtype {aval.dtype.name} (shape {aval.shape}); cast it with "
                        ".astype(np.float32) or leave it out of argnums")
    if holomorphic and aval.dtype.kind != "c":
        raise TypeError(f"{fn_name} with holomorphic=True requires complex inputs, but argument {i} "
                        f"has dtype {aval.dtype.name}; cast it with .astype(np.complex64)")
    if holomorphic is False and aval.dtype.kind == "c" and fn_name == "jacfwd":
        raise TypeError(f"jacfwd requires real inputs, but argument {i} has dtype {aval.dtype.name}; "
                        "pass holomorphic=True for a holomorphic function, or use jvp directly")


def _flat_wrt(args, argnums, fn_name, holomorphic=None):
    """Leaf indices (into the flattened args) of each differentiated argument, in the
    order of ``argnums``."""
    ranges, start = [], 0
    for a in args:
        n = len(tree_util.tree_leaves(a))
        ranges.append(list(range(start, start + n)))
        start += n
    for i in argnums:
        for x in tree_util.tree_leaves(args[i]):
            _check_diff_input(fn_name, i, x, holomorphic)
    return [ranges[i] for i in argnums]


def value_and_grad(fun, argnums=0, has_aux=False, holomorphic=False):
    """``(value, gradient)`` of a scalar function (``((value, aux), gradient)`` with
    ``has_aux``). The gradient has the structure and dtypes of the arguments at ``argnums``.
    The output must be real, unless ``holomorphic`` (complex inputs and output: the
    gradient is the complex derivative). For a real function of a complex ``z`` the
    gradient is, as in JAX, the conjugate of the steepest-ascent direction.

    >>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
    >>> fd.value_and_grad(lambda x: fnp.sum(x ** 2))(np.array([1.0, 2.0]))
    (np.float64(5.0), array([2., 4.]))
    """
    return _value_and_grad(fun, argnums, has_aux, need_value=True, holomorphic=holomorphic)


def _value_and_grad(fun, argnums, has_aux, need_value, holomorphic=False):
    """value_and_grad; without ``need_value`` the value may be left out (None)."""
    single = isinstance(argnums, int)

    def wrapped(*args):
        check_arguments("grad", args)
        nums = _normalize_argnums(argnums, len(args), "grad")
        wrt_groups = _flat_wrt(args, nums, "grad", holomorphic)
        flat_fun, out_info = _flatten_outputs(fun, has_aux)
        wrt = [i for group in wrt_groups for i in group]
        ir, _, trace = trace_to_ir(flat_fun, args, concrete=True, diff=wrt, name="grad")
        _check_scalar_output("grad", ir.out_vars[0].aval, holomorphic)
        prog = backward_program(ir, wrt, seed_ones=True)
        leaves = [_leaf(x) for x in tree_util.tree_leaves(list(args))]
        # traced (make_ir, jit, vmap), a dropped value is not recorded; eager, it is computed
        # (debug_nans checks it)
        skip = 0 if need_value or current_trace() is None else 1
        results, _ = prog.run(ir, leaves, known=_seed(trace), skip=skip)
        n_out = len(ir.out_vars)
        value, aux_leaves, grads = results[0], results[1:n_out], results[n_out:]
        grad_trees, pos = [], 0
        for i, group in zip(nums, wrt_groups):
            tree = tree_util.tree_structure(args[i])
            grad_trees.append(tree_util.tree_unflatten(tree, grads[pos:pos + len(group)]))
            pos += len(group)
        grad = grad_trees[0] if single else tuple(grad_trees)
        if has_aux:
            return (value, tree_util.tree_unflatten(out_info["aux_tree"], aux_leaves)), grad
        return value, grad

    wrapped.__name__ = f"value_and_grad({getattr(fun, '__name__', 'fun')})"
    return wrapped


def grad(fun, argnums=0, has_aux=False, holomorphic=False):
    """The gradient of a real scalar-valued function w.r.t. the arguments at ``argnums``
    (complex-valued with ``holomorphic=True``; see :func:`value_and_grad`).

    >>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
    >>> fd.grad(lambda x: fnp.sum(fnp.sin(x)))(np.zeros(2))
    array([1., 1.])
    >>> fd.grad(lambda z: z * z, holomorphic=True)(1j)
    np.complex128(2j)
    """
    vg = _value_and_grad(fun, argnums, has_aux, need_value=False,  # the value is dead
                         holomorphic=holomorphic)

    def wrapped(*args):
        (value_aux, g) = vg(*args)
        return (g, value_aux[1]) if has_aux else g

    wrapped.__name__ = f"grad({getattr(fun, '__name__', 'fun')})"
    return wrapped


def _flatten_outputs(fun, has_aux):
    """``fun`` returning a flat list: [value] (+ aux leaves when has_aux)."""
    info = {}

    def flat(*args):
        out = fun(*args)
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError("with has_aux=True the function must return a pair (value, aux), "
                                f"got {type(out).__name__}")
            out, aux = out
            aux_leaves, info["aux_tree"] = tree_util.tree_flatten(aux)
        else:
            aux_leaves = []
        leaves = tree_util.tree_leaves(out)
        if len(leaves) != 1:
            raise TypeError(f"grad requires a function returning one scalar, got a pytree with "
                            f"{len(leaves)} leaves")
        return [leaves[0]] + aux_leaves

    return flat, info


def _check_scalar_output(fn_name, aval, holomorphic=False):
    if aval.shape != () or not is_float(aval):
        raise TypeError(f"{fn_name} requires a real scalar output (float, shape ()), but the "
                        f"function returned {aval.dtype.name}{list(aval.shape)}; reduce it (e.g. "
                        "fnp.sum) or use vjp/jacrev for non-scalar outputs")
    if holomorphic and aval.dtype.kind != "c":
        raise TypeError(f"{fn_name} with holomorphic=True requires a complex output, got "
                        f"{aval.dtype.name}")
    if not holomorphic and aval.dtype.kind == "c":
        raise TypeError(f"{fn_name} requires a real scalar output, but the function returned "
                        f"{aval.dtype.name}; pass holomorphic=True for a holomorphic function, take "
                        "fnp.real or fnp.abs of the output, or use vjp")


def vjp(fun, *primals, has_aux=False):
    """``(out, vjp_fn)``: ``vjp_fn(cotangent)`` returns a tuple with one cotangent per primal.
    ``vjp_fn`` is a function of the values at the time of this call: it holds private
    copies of the numpy inputs and constants it needs (mutating them later changes nothing).

    >>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
    >>> out, f_vjp = fd.vjp(lambda x: x * 3.0, np.ones(2))
    >>> f_vjp(np.array([1.0, 2.0]))
    (array([3., 6.]),)
    """
    check_arguments("vjp", primals)
    flat_fun, info = _flatten_any_outputs(fun, has_aux)
    for i, p in enumerate(primals):
        for x in tree_util.tree_leaves(p):
            _check_diff_input("vjp", i, x)
    raw, in_tree = tree_util.tree_flatten(list(primals))
    snapshot = [_private(x) for x in raw]
    ir, _, trace = trace_to_ir(flat_fun, tuple(tree_util.tree_unflatten(in_tree, snapshot)),
                               concrete=True, diff=range(len(raw)), name="vjp")
    ir = IR(ir.in_vars, ir.const_vars, [_private(c) for c in ir.consts], ir.eqns, ir.out_vars)
    n_out = info["n_out"]
    leaves = [_leaf(x) for x in snapshot]
    outs, env = eval_ir(ir, leaves, known=_seed(trace), return_env=True)
    env = _detach(env, raw + list(trace.consts))
    primal_ir = IR(ir.in_vars, ir.const_vars, ir.consts, ir.eqns, ir.out_vars[:n_out])
    prog = backward_program(primal_ir, list(range(len(leaves))), seed_ones=False)
    out_tree, out_avals = info["out_tree"], [v.aval for v in primal_ir.out_vars]
    in_trees = [tree_util.tree_structure(p) for p in primals]
    out = tree_util.tree_unflatten(out_tree, [_private(o) for o in outs[:n_out]])

    def vjp_fn(cotangent):
        cts = _check_cotangents(cotangent, out_tree, out_avals)
        results, _ = prog.run(primal_ir, leaves + cts, known=env)
        grads, trees = iter(results[n_out:]), []
        for tree in in_trees:
            trees.append(tree_util.tree_unflatten(tree, [next(grads) for _ in range(tree.num_leaves)]))
        return tuple(trees)

    if has_aux:
        return out, vjp_fn, tree_util.tree_unflatten(info["aux_tree"], [_private(o) for o in outs[n_out:]])
    return out, vjp_fn


def _private(x):
    """A private copy of a numpy array (that its owner might mutate later); others as is."""
    return x.copy() if isinstance(x, np.ndarray) else x


def _detach(env, user_arrays):
    """``env`` with the values that are views of the caller's arrays copied."""
    owners = {id(x) for x in user_arrays if isinstance(x, np.ndarray)}

    def root(x):
        while isinstance(x.base, np.ndarray):
            x = x.base
        return x
    return {v: x.copy() if isinstance(x, np.ndarray) and (id(x) in owners or id(root(x)) in owners)
            else x for v, x in env.items()}


def _check_cotangents(cotangent, out_tree, out_avals):
    """The float cotangent leaves, checked against the outputs' structure and shapes and
    cast to the outputs' dtypes (as JAX does)."""
    ct_leaves, ct_tree = tree_util.tree_flatten(cotangent)
    if ct_tree != out_tree:
        raise ValueError(f"vjp_fn: the cotangent must have the output's structure {out_tree}, "
                         f"got {ct_tree}")
    cts = []
    for c, aval in zip(ct_leaves, out_avals):
        if tuple(np.shape(c) if not hasattr(c, "aval") else c.aval.shape) != aval.shape:
            raise ValueError(f"vjp_fn: cotangent shape {aval_of(c).shape} does not match the "
                             f"output shape {aval.shape}")
        if is_float(aval):
            if aval_of(c).dtype.kind not in ("fiuc" if aval.dtype.kind == "c" else "fiu"):
                raise ValueError(f"vjp_fn: cotangent dtype {aval_of(c).dtype.name} for a "
                                 f"{aval} output; pass a real array (it is cast to {aval.dtype.name})")
            cts.append(cast_like(c, aval))
    return cts


def cast_like(x, aval):
    """``x`` (a cotangent, tangent or seed) as an array of ``aval``'s dtype."""
    if hasattr(x, "aval"):
        return x if x.aval.dtype == aval.dtype else P.convert(x, aval.dtype)
    return np.asarray(x, dtype=aval.dtype)


def _flatten_any_outputs(fun, has_aux):
    info = {}

    def flat(*args):
        out = fun(*args)
        aux_leaves = []
        if has_aux:
            out, aux = out
            aux_leaves, info["aux_tree"] = tree_util.tree_flatten(aux)
        leaves, info["out_tree"] = tree_util.tree_flatten(out)
        info["n_out"] = len(leaves)
        return leaves + aux_leaves

    return flat, info


def jvp(fun, primals, tangents):
    """``(out, tangent_out)``: forward-mode derivative of ``fun`` at ``primals`` along
    ``tangents`` (sequences of pytrees of matching structure, shapes and dtypes).

    >>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
    >>> fd.jvp(fnp.sin, (np.zeros(2),), (np.ones(2),))
    (array([0., 0.]), array([1., 1.]))
    """
    primals, tangents = tuple(primals), tuple(tangents)
    check_arguments("jvp", primals)
    check_arguments("jvp (tangents)", tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals and {len(tangents)} tangents")
    p_leaves, p_tree = tree_util.tree_flatten(list(primals))
    t_leaves, t_tree = tree_util.tree_flatten(list(tangents))
    if p_tree != t_tree:
        raise ValueError(f"jvp: primals and tangents must have one structure, got {p_tree} and {t_tree}")
    for p, t in zip(p_leaves, t_leaves):
        pa, ta = aval_of(p), aval_of(t)
        real_kinds = "fiuc" if pa.dtype.kind == "c" else "fiu"
        if pa.shape != ta.shape or (is_float(pa) and ta.dtype.kind not in real_kinds):
            raise ValueError(f"jvp: tangent {ta} does not match its primal {pa} (the same shape "
                             "and a real dtype; it is cast to the primal's dtype)")
    info = {}

    def flat(*args):
        leaves, info["out_tree"] = tree_util.tree_flatten(fun(*args))
        return leaves

    ts = [cast_like(t, aval_of(p)) if is_float(aval_of(p)) else None for p, t in zip(p_leaves, t_leaves)]
    ir, _, trace = trace_to_ir(flat, primals, concrete=True, name="jvp",
                               diff=[i for i, t in enumerate(ts) if t is not None])
    outs, out_ts = jvp_eval(ir, [_leaf(x) for x in p_leaves], ts, known=_seed(trace))
    out_ts = [t if t is not None else zeros_like_aval(aval_of(o)) for t, o in zip(out_ts, outs)]
    tree = info["out_tree"]
    return tree_util.tree_unflatten(tree, outs), tree_util.tree_unflatten(tree, out_ts)


def _leaf(x):
    return x if hasattr(x, "aval") or isinstance(x, np.ndarray) else np.asarray(x)


def _basis_map(f, x, like):
    """``f`` (a function of a one-hot array of ``x``'s shape, returning one array per leaf of
    ``like``) over every one-hot array, by vmap: each result gets a leading axis of ``x.size``."""
    if not np.size(x):
        return [np.zeros((0,) + np.shape(v), aval_of(v).dtype) for v in like]
    return vmap(f)(one_hot_basis(x))


def one_hot_basis(x):
    """The one-hot arrays of ``x``'s shape and dtype, stacked: shape ``(x.size,) + x.shape``."""
    x = _leaf(x)
    return np.eye(x.size, dtype=x.dtype).reshape((x.size,) + np.shape(x))


def jacfwd(fun, argnums=0, holomorphic=False):
    """The Jacobian by forward mode, laid out as JAX: ``out.shape + in.shape`` per leaf
    (inputs are real unless ``holomorphic``: then inputs and outputs are complex).

    >>> import funcdl as fd, numpy as np
    >>> fd.jacfwd(lambda x: x * 2.0)(np.ones(2))
    array([[2., 0.],
           [0., 2.]])
    """
    return _jacobian(fun, argnums, "jacfwd", holomorphic)


def jacrev(fun, argnums=0, holomorphic=False):
    """The Jacobian by reverse mode, laid out as JAX: ``out.shape + in.shape`` per leaf
    (outputs are real unless ``holomorphic``: then inputs and outputs are complex).

    >>> import funcdl as fd, numpy as np
    >>> fd.jacrev(lambda x: x[::-1] * 1.0)(np.arange(2.0))
    array([[0., 1.],
           [1., 0.]])
    """
    return _jacobian(fun, argnums, "jacrev", holomorphic)


def _jacobian(fun, argnums, mode, holomorphic):
    single = isinstance(argnums, int)

    def wrapped(*args):
        check_arguments(mode, args)
        nums = _normalize_argnums(argnums, len(args), mode)
        diff_args = [args[i] for i in nums]

        def partial(*dargs):
            full = list(args)
            for i, a in zip(nums, dargs):
                full[i] = a
            return fun(*full)

        in_leaves, in_tree = tree_util.tree_flatten(diff_args)
        for x in in_leaves:
            _check_diff_input(mode, 0, x, holomorphic)
        in_leaves = [_leaf(x) for x in in_leaves]
        if mode == "jacrev":
            out, f_vjp = vjp(partial, *diff_args)
            out_leaves, out_tree = tree_util.tree_flatten(out)
            for o in out_leaves:
                _check_jacobian_output(mode, aval_of(o), holomorphic)
            blocks = {}
            for k, o in enumerate(out_leaves):  # one vmapped pullback per output leaf
                rows = _basis_map(lambda e, k=k: tree_util.tree_leaves(f_vjp(tree_util.tree_unflatten(
                    out_tree, [e if i == k else np.zeros(np.shape(v), aval_of(v).dtype)
                               for i, v in enumerate(out_leaves)]))), o, in_leaves)
                for j, (r, x) in enumerate(zip(rows, in_leaves)):
                    blocks[(k, j)] = fnp.reshape(r, np.shape(o) + np.shape(x))
        else:
            out_leaves, out_tree = tree_util.tree_flatten(partial(*diff_args))
            for o in out_leaves:
                _check_jacobian_output(mode, aval_of(o), holomorphic)
            blocks = {}
            for j, x in enumerate(in_leaves):  # one vmapped jvp per input leaf
                cols = _basis_map(lambda e, j=j: tree_util.tree_leaves(jvp(partial, tuple(diff_args), tuple(
                    tree_util.tree_unflatten(in_tree, [e if i == j else np.zeros(np.shape(v), aval_of(v).dtype)
                                                       for i, v in enumerate(in_leaves)])))[1]), x, out_leaves)
                for k, (c, o) in enumerate(zip(cols, out_leaves)):
                    blocks[(k, j)] = fnp.reshape(fnp.moveaxis(c, 0, -1), np.shape(o) + np.shape(x))
        result = []
        for k in range(len(out_leaves)):
            per_in = tree_util.tree_unflatten(in_tree, [blocks[(k, j)] for j in range(len(in_leaves))])
            result.append(per_in[0] if single else tuple(per_in))
        return tree_util.tree_unflatten(out_tree, result)

    wrapped.__name__ = f"{mode}({getattr(fun, '__name__', 'fun')})"
    return wrapped


def _check_jacobian_output(mode, aval, holomorphic):
    """jacrev needs floating outputs (real ones unless holomorphic); holomorphic Jacobians
    complex ones."""
    if holomorphic and aval.dtype.kind != "c":
        raise TypeError(f"{mode} with holomorphic=True requires complex outputs, got {aval.dtype.name}")
    if mode == "jacrev" and (not is_float(aval) or (aval.dtype.kind == "c" and not holomorphic)):
        raise TypeError(f"jacrev requires floating-point outputs (real ones unless holomorphic), got {aval.dtype.name}"
                        f"{list(aval.shape)}; use jacfwd, cast the output, or pass holomorphic=True "
                        "for a holomorphic function")


def hessian(fun, argnums=0, holomorphic=False):
    """The Hessian, ``jacfwd(jacrev(fun))``.

    >>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
    >>> fd.hessian(lambda x: fnp.sum(x ** 3))(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    return jacfwd(jacrev(fun, argnums, holomorphic), argnums, holomorphic)


def stop_gradient(x):
    """The identity, with a zero derivative.

    >>> import funcdl as fd, numpy as np
    >>> fd.grad(lambda x: x * fd.stop_gradient(x))(3.0)
    np.float64(3.0)
    """
    return tree_util.tree_map(_stop_gradient_leaf, x)


def _stop_gradient_leaf(x):
    x = fnp.asarray(x)
    return bind(P.stop_gradient_p, x) if x.dtype.kind == "f" else x
