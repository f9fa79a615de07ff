"""Structured control flow as higher-order primitives: ``cond``, ``while_loop``, ``scan``
(and ``fori_loop`` on top). Their params hold sub-programs (closed IRs: the constants a
sub-function closes over are passed as leading operands), so loops stay loops in the IR.

Each primitive declares its named operand groups and which of them its sub-programs
receive (:class:`~funcdl.core.HigherOrderPrimitive`): scan has ``consts, carry, xs ->
carry, ys``, while ``cond_consts, body_consts, carry -> carry``, cond ``pred, operands ->
outputs``. All their rules live here and read operands by group: eval, shape, jvp, vjp,
batching and the numba lowering.
"""
import numpy as np

from . import numpy as fnp
from . import primitives as P
from . import tree_util
from .core import (IR, Aval, Groups, HigherOrderPrimitive, SubProgram, Var, aval_of, eval_ir, is_inexact,
                   is_weak_scalar, trace_to_ir)
from .numpy._base import cast
from .primitives.lowering import assign_all, fresh_copy, lowers, operand
from .primitives.rules import move_axis, to_front
from .transforms.ad import backward_ir, jvp_eval
from .transforms.batching import batch_eval
from .transforms.simplify import dce

# ----------------------------------------------------------------------------------------
# Closed sub-programs
# ----------------------------------------------------------------------------------------


def trace_closed(fun, arg_avals, name="lax"):
    """Trace ``fun`` at abstract arguments (a tuple of pytrees of avals): returns the IR with
    its constants as leading inputs, the constant values, and the output tree."""
    ir, out_tree, _ = trace_to_ir(fun, arg_avals, name=name)
    closed = IR(ir.const_vars + ir.in_vars, [], [], ir.eqns, ir.out_vars)
    return closed, list(ir.consts), out_tree


def trace_program(fun, avals):
    """Trace ``fun(*flat_args) -> list`` at flat avals into an IR (for programs built by
    rules; their constants are concrete arrays created by the rules)."""
    ir, _, _ = trace_to_ir(lambda *a: list(fun(*a)), tuple(avals))
    return ir


def _check_same(what, tree_a, avals_a, tree_b, avals_b, names=("true_fun", "false_fun")):
    if tree_a != tree_b:
        raise TypeError(f"{what}: {names[0]} and {names[1]} must return the same pytree "
                        f"structure, got {tree_a} and {tree_b}")
    if list(avals_a) != list(avals_b):
        raise TypeError(f"{what}: {names[0]} and {names[1]} must return the same shapes and "
                        f"dtypes, got {list(avals_a)} and {list(avals_b)}")


def _avals(xs):
    return [aval_of(x) for x in xs]


def _zeros(aval):
    return np.zeros(aval.shape, aval.dtype)


def _is_float(aval):
    return is_inexact(aval.dtype)


def _float_flags(groups, names):
    """Which members of the groups ``names`` of ``groups`` are floats, by group."""
    return Groups((n, [_is_float(aval_of(x)) for x in groups[n]]) for n in names)


def _float_members(values, likes, flags):
    """The (co)tangents ``values`` of the float members (``flags``) of ``likes``, symbolic
    zeros (None) instantiated."""
    return [v if v is not None else _zeros(aval_of(x)) for v, x, f in zip(values, likes, flags) if f]


def _spread(values, flags):
    """One entry per flag: the next of ``values`` where it is set, else None."""
    it = iter(values)
    return [next(it) if f else None for f in flags]


def _cut(items, *lengths):
    """``items`` cut into lists of ``lengths``, then the rest."""
    pieces, start = [], 0
    for n in lengths:
        pieces.append(list(items[start:start + n]))
        start += n
    return pieces + [list(items[start:])]


def _with_extra_inputs(ir, after):
    """``ir`` taking unused extra inputs (of avals ``after``) after its own."""
    return IR(ir.in_vars + [Var(a) for a in after], ir.const_vars, ir.consts, ir.eqns, ir.out_vars)


def jvp_program(ir, float_in):
    """A closed IR computing ``(outs, tangents of the float outs)`` from
    ``(inputs, tangents of the inputs flagged in float_in)``."""
    in_avals = ir.in_avals
    t_avals = [a for a, f in zip(in_avals, float_in) if f]
    float_out = [_is_float(a) for a in ir.out_avals]

    def f(*args):
        primals, ts = list(args[:len(in_avals)]), iter(args[len(in_avals):])
        full = [next(ts) if fl else None for fl in float_in]
        outs, out_ts = jvp_eval(ir, primals, full)
        out_ts = [t if t is not None else _zeros(aval_of(o))
                  for t, o, fl in zip(out_ts, outs, float_out) if fl]
        return list(outs) + out_ts
    return trace_program(f, in_avals + t_avals), float_out


def tangent_sub_program(ir, float_in, split_outputs):
    """The jvp of sub-program ``ir`` as a sub-program: it takes each input group of ``ir``
    (``float_in``: the float flags of its inputs, by group) followed by the tangents of
    its float members, and returns each output group (``split_outputs`` cuts a list of
    ``ir``'s outputs into them) followed by the tangents of its float members. Returns the
    program and the float flags of the outputs, by group."""
    prog, float_out = jvp_program(ir, float_in.flat())
    float_out = split_outputs(float_out)
    ins, outs = _tangents_after_groups(prog.in_vars, float_in), _tangents_after_groups(prog.out_vars, float_out)
    return IR(ins, prog.const_vars, prog.consts, prog.eqns, outs), float_out


def _tangents_after_groups(items, flags):
    """``items`` (the members of every group, then the tangents of the float ones)
    reordered: each group followed by its tangents."""
    n = sum(len(group) for group in flags.values())
    members, tangents = iter(items[:n]), iter(items[n:])
    out = []
    for group in flags.values():
        out += [next(members) for _ in group] + [next(tangents) for f in group if f]
    return out


def backward_program(ir, float_in):
    """A closed IR computing the cotangents of the float inputs from ``(inputs,
    cotangents of the float outputs)``."""
    wrt = [i for i, f in enumerate(float_in) if f]
    joint = backward_ir(ir, wrt)
    n_out = len(ir.out_vars)
    grads_only = IR(joint.in_vars, joint.const_vars, joint.consts, joint.eqns, joint.out_vars[n_out:])
    return dce(grads_only)


def _batched_program(ir, ops, dims, size):
    """``ir`` batched: inputs with ``dims`` (0 or None), every output batched at 0."""
    def f(*args):
        outs, out_dims = batch_eval(ir, list(args), dims, size)
        return [to_front(o, d, size) for o, d in zip(outs, out_dims)]
    return trace_program(f, _avals(ops))


def _front_if_batched(xs, dims, size):
    """``xs`` with their batch axes first (unbatched ones as they are), and their dims."""
    return ([x if d is None else to_front(x, d, size) for x, d in zip(xs, dims)],
            [None if d is None else 0 for d in dims])


def _select_per_example(pred, if_true, if_false, size):
    """``if_true`` where the batched scalar ``pred`` holds, else ``if_false`` (batched at 0)."""
    p = P.reshape(pred, (size,) + (1,) * (aval_of(if_false).ndim - 1))
    return P.select(p, if_true, if_false)


# ----------------------------------------------------------------------------------------
# cond
# ----------------------------------------------------------------------------------------


def _cond_impl(*ops, **params):
    g = cond_p.split(ops, params)
    return eval_ir(params["branches"][int(bool(g.pred[0]))], g.operands)


def _cond_shape(*avals, **params):
    (pred,) = cond_p.split(avals, params).pred
    if pred.shape != () or pred.dtype != np.bool_:
        raise TypeError(f"cond: the predicate must be a boolean scalar, got {pred}")
    return params["branches"][0].out_avals


cond_p = HigherOrderPrimitive(
    "cond", _cond_impl, _cond_shape, operands=("pred", "operands"), outputs=("outputs",),
    lengths={"pred": 1}, sub_programs=[SubProgram("branches", ("operands",), ("outputs",))],
    constants_first=True)


def cond(pred, true_fun, false_fun, *operands):
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, as one primitive:
    both branches are traced (they must return the same pytree, shapes and dtypes), only
    the taken one runs. Differentiable, batchable (a batched ``pred`` selects), jittable.

    >>> import numpy as np
    >>> cond(np.float64(2.0) > 0, lambda x: x * 2.0, lambda x: -x, np.float64(3.0))
    np.float64(6.0)
    """
    pred = fnp.asarray(pred)
    if pred.shape != ():
        raise TypeError(f"cond: the predicate must be a scalar, got shape {pred.shape}; for "
                        "elementwise selection use fnp.where")
    if pred.dtype != np.bool_:
        pred = fnp.not_equal(pred, 0)
    leaves, in_tree = tree_util.tree_flatten(list(operands))
    leaves = [x if hasattr(x, "aval") or isinstance(x, np.ndarray) else np.asarray(x) for x in leaves]
    arg_avals = tuple(tree_util.tree_unflatten(in_tree, _avals(leaves)))
    ir_t, consts_t, tree_t = trace_closed(true_fun, arg_avals, "lax.cond")
    ir_f, consts_f, tree_f = trace_closed(false_fun, arg_avals, "lax.cond")
    _check_same("cond", tree_t, ir_t.out_avals, tree_f, ir_f.out_avals)
    # both branches take (consts_f, consts_t, *operands)
    nf = len(consts_f)
    branch_f = IR(ir_f.in_vars[:nf] + [Var(a) for a in _avals(consts_t)] + ir_f.in_vars[nf:],
                  [], [], ir_f.eqns, ir_f.out_vars)
    branch_t = IR([Var(a) for a in _avals(consts_f)] + ir_t.in_vars, [], [], ir_t.eqns, ir_t.out_vars)
    outs = cond_p.bind_groups({"pred": [pred], "operands": consts_f + consts_t + leaves},
                              branches=(branch_f, branch_t))
    return tree_util.tree_unflatten(tree_t, outs.outputs)


def _cond_jvp(tangents, primals, **params):
    p, t = cond_p.split(primals, params), cond_p.split(tangents, params)
    float_in = _float_flags(p, cond_p.spec("branches").receives)
    progs = [tangent_sub_program(b, float_in, lambda o: cond_p.sub_outputs("branches", o, params))
             for b in params["branches"]]
    ts = _float_members(t.operands, p.operands, float_in.operands)
    res = cond_p.bind_groups({"pred": p.pred, "operands": p.operands + ts},
                             branches=tuple(prog for prog, _ in progs))
    float_out = progs[0][1].outputs
    outs, out_ts = _cut(res.outputs, len(float_out))
    return outs, _spread(out_ts, float_out)


def _cond_vjp(gs, *primals, out, **params):
    p = cond_p.split(primals, params)
    float_in = [_is_float(aval_of(o)) for o in p.operands]
    float_out = [_is_float(aval_of(o)) for o in out]
    cts = _float_members(gs, out, float_out)
    progs = tuple(backward_program(b, float_in) for b in params["branches"])
    grads = cond_p.bind_groups({"pred": p.pred, "operands": p.operands + cts}, branches=progs)
    return [None] * len(p.pred) + _spread(grads.outputs, float_in)


def _cond_batch(args, dims, size, **params):
    a, d = cond_p.split(args, params), cond_p.split(dims, params)
    branches = params["branches"]
    (pred,), (dpred,) = a.pred, d.pred
    if dpred is None:  # one branch for the whole batch: batch the branches
        ops, dops = _front_if_batched(a.operands, d.operands, size)
        progs = tuple(_batched_program(b, ops, dops, size) for b in branches)
        outs = cond_p.bind_groups({"pred": [pred], "operands": ops}, branches=progs).outputs
        return outs, [0] * len(outs)
    # a per-example predicate: run both branches, select per example
    results = []
    for b in branches:
        outs, out_dims = batch_eval(b, a.operands, d.operands, size)
        results.append([to_front(o, dd, size) for o, dd in zip(outs, out_dims)])
    pred = to_front(pred, dpred, size)
    outs = [_select_per_example(pred, t_out, f_out, size) for f_out, t_out in zip(*results)]
    return outs, [0] * len(outs)


cond_p.vjp, cond_p.batch = _cond_vjp, _cond_batch
cond_p.jvp_with_primal = _cond_jvp

# ----------------------------------------------------------------------------------------
# while_loop
# ----------------------------------------------------------------------------------------


def _while_impl(*ops, cond_ir, body_ir, **lengths):
    g = while_p.split(ops, lengths)
    carry = g.carry
    while bool(eval_ir(cond_ir, g.cond_consts + carry)[0]):
        carry = eval_ir(body_ir, g.body_consts + carry)
    return carry


def _while_shape(*avals, cond_ir, body_ir, **lengths):
    return while_p.split(avals, lengths).carry


while_p = HigherOrderPrimitive(
    "while", _while_impl, _while_shape, operands=("cond_consts", "body_consts", "carry"),
    outputs=("carry",), lengths={"cond_consts": "n_cond", "body_consts": "n_body"},
    sub_programs=[SubProgram("cond_ir", ("cond_consts", "carry"), ("pred",)),
                  SubProgram("body_ir", ("body_consts", "carry"), ("carry",))])


def while_loop(cond_fun, body_fun, init_val):
    """``while cond_fun(val): val = body_fun(val)`` as one primitive. Forward-mode
    differentiable; reverse mode raises (use ``scan`` or ``fori_loop`` with static bounds).

    >>> import numpy as np
    >>> while_loop(lambda x: x < 10, lambda x: x * 2, np.int64(1))
    np.int64(16)
    """
    leaves, tree = tree_util.tree_flatten(init_val)
    info = {}

    def trace_body(leaves):
        carry = tree_util.tree_unflatten(tree, [x if is_weak_scalar(x) else aval_of(x) for x in leaves])
        body_ir, bconsts, info["btree"] = trace_closed(body_fun, (carry,), "lax.while_loop")
        return body_ir, bconsts, None

    body_ir, bconsts, leaves = _trace_with_weak_carry(trace_body, leaves)
    btree = info["btree"]
    avals = tuple([tree_util.tree_unflatten(tree, _avals(leaves))])
    cond_ir, cconsts, ctree = trace_closed(cond_fun, avals, "lax.while_loop")
    if len(cond_ir.out_vars) != 1 or cond_ir.out_avals[0].shape != () or \
            cond_ir.out_avals[0].dtype != np.bool_:
        raise TypeError(f"while_loop: cond_fun must return a boolean scalar, got {cond_ir.out_avals}")
    _check_same("while_loop", tree, _avals(leaves), btree, body_ir.out_avals,
                ("init_val", "body_fun's result"))
    outs = while_p.bind_groups({"cond_consts": cconsts, "body_consts": bconsts, "carry": leaves},
                               cond_ir=cond_ir, body_ir=body_ir)
    return tree_util.tree_unflatten(tree, outs.carry)


def _while_jvp(tangents, primals, **params):
    p, t = while_p.split(primals, params), while_p.split(tangents, params)
    float_in = _float_flags(p, while_p.spec("body_ir").receives)
    body, _ = tangent_sub_program(params["body_ir"], float_in,
                                  lambda o: while_p.sub_outputs("body_ir", o, params))
    t_consts = _float_members(t.body_consts, p.body_consts, float_in.body_consts)
    t_carry = _float_members(t.carry, p.carry, float_in.carry)
    # the new loop's body consts: (consts, their tangents); carry: (carry, its tangents)
    cond_ir = _with_extra_inputs(params["cond_ir"], after=_avals(t_carry))
    outs = while_p.bind_groups({"cond_consts": p.cond_consts, "body_consts": p.body_consts + t_consts,
                                "carry": p.carry + t_carry}, cond_ir=cond_ir, body_ir=body)
    carry, carry_ts = _cut(outs.carry, len(p.carry))
    return carry, _spread(carry_ts, float_in.carry)


def _while_vjp(gs, *primals, out, **params):
    raise TypeError("Reverse-mode differentiation does not work for lax.while_loop (the number "
                    "of iterations is not known in advance). Use lax.fori_loop with static "
                    "bounds or lax.scan, or forward mode (jvp, jacfwd).")


def _while_batch(args, dims, size, *, cond_ir, body_ir, **lengths):
    a, d = while_p.split(args, lengths), while_p.split(dims, lengths)
    carry = [to_front(x, dd, size) for x, dd in zip(a.carry, d.carry)]  # carries: always batched
    cconsts, dc = _front_if_batched(a.cond_consts, d.cond_consts, size)
    bconsts, db = _front_if_batched(a.body_consts, d.body_consts, size)
    n_carry = len(carry)

    def batched_pred(cc, c):
        (p,), (dp,) = batch_eval(cond_ir, cc + c, dc + [0] * n_carry, size)
        return to_front(p, dp, size)

    def new_cond(*ins):
        cc, c = _cut(ins, len(cconsts))
        return [fnp.any(batched_pred(cc, c))]

    def new_body(*ins):  # lanes whose predicate is false keep their value
        cc, bc, c = _cut(ins, len(cconsts), len(bconsts))
        pred = batched_pred(cc, c)
        outs, out_dims = batch_eval(body_ir, bc + c, db + [0] * n_carry, size)
        return [_select_per_example(pred, to_front(new, dd, size), old, size)
                for new, old, dd in zip(outs, c, out_dims)]
    cond_prog = trace_program(new_cond, _avals(cconsts) + _avals(carry))
    body_prog = trace_program(new_body, _avals(cconsts) + _avals(bconsts) + _avals(carry))
    outs = while_p.bind_groups({"cond_consts": cconsts, "body_consts": cconsts + bconsts, "carry": carry},
                               cond_ir=cond_prog, body_ir=body_prog)
    return outs.carry, [0] * n_carry


while_p.vjp, while_p.batch = _while_vjp, _while_batch
while_p.jvp_with_primal = _while_jvp

# ----------------------------------------------------------------------------------------
# scan
# ----------------------------------------------------------------------------------------


def _scan_impl(*ops, body, length, reverse, **lengths):
    g = scan_p.split(ops, lengths)
    y_avals = scan_p.sub_outputs("body", body.out_avals, lengths).ys
    ys = [np.empty((length,) + a.shape, a.dtype) for a in y_avals]
    carry = g.carry
    for step in range(length):
        t = length - 1 - step if reverse else step
        outs = scan_p.sub_outputs("body", eval_ir(body, g.consts + carry + [x[t] for x in g.xs]), lengths)
        carry = outs.carry
        for y, v in zip(ys, outs.ys):
            y[t] = v
    return carry + ys


def _scan_shape(*avals, body, length, reverse, **lengths):
    g = scan_p.split(avals, lengths)
    for x in g.xs:
        if not x.shape or x.shape[0] != length:
            raise TypeError(f"scan: every xs leaf needs a leading axis of length {length}, got {x}")
    y_avals = scan_p.sub_outputs("body", body.out_avals, lengths).ys
    return g.carry + [Aval((length,) + a.shape, a.dtype) for a in y_avals]


scan_p = HigherOrderPrimitive(
    "scan", _scan_impl, _scan_shape, operands=("consts", "carry", "xs"), outputs=("carry", "ys"),
    lengths={"consts": "n_consts", "carry": "n_carry"},
    sub_programs=[SubProgram("body", ("consts", "carry", "xs"), ("carry", "ys"))])


def scan(f, init, xs=None, length=None, reverse=False):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs`` (JAX semantics):
    returns the final carry and the stacked ``ys`` (in input order, also when
    ``reverse=True``). ``xs=None`` with ``length`` loops without inputs; ``y`` may be None.

    >>> import numpy as np
    >>> scan(lambda c, x: (c + x, c * x), np.float64(0.0), np.arange(4.0))
    (np.float64(6.0), array([0., 0., 2., 9.]))
    """
    x_leaves, x_tree = tree_util.tree_flatten(xs)
    x_leaves = [x if hasattr(x, "aval") or isinstance(x, np.ndarray) else np.asarray(x) for x in x_leaves]
    lengths = {aval_of(x).shape[0] if aval_of(x).shape else None for x in x_leaves}
    if None in lengths:
        raise TypeError("scan: every xs leaf needs a leading axis to scan over (got a 0-d leaf)")
    if length is not None:
        lengths.add(int(length))
    if len(lengths) != 1:
        raise ValueError(f"scan: xs leaves and length disagree on the number of steps: "
                         f"{sorted(lengths)}" if lengths else "scan: pass xs or length")
    n = lengths.pop()
    c_leaves, c_tree = tree_util.tree_flatten(init)
    x_avals = [Aval(aval_of(x).shape[1:], aval_of(x).dtype) for x in x_leaves]
    info = {}

    def step(carry, x):
        out = f(carry, x)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError("scan: f must return a pair (carry, y)")
        new_carry, y = out
        carry_leaves, info["carry_tree"] = tree_util.tree_flatten(new_carry)
        y_leaves, info["y_tree"] = tree_util.tree_flatten(y)
        return carry_leaves + y_leaves

    def trace(leaves):
        carry = tree_util.tree_unflatten(c_tree, [x if is_weak_scalar(x) else aval_of(x) for x in leaves])
        return trace_closed(step, (carry, tree_util.tree_unflatten(x_tree, x_avals)), "lax.scan")

    body, consts, c_leaves = _trace_with_weak_carry(trace, c_leaves)
    _check_same("scan", c_tree, _avals(c_leaves), info["carry_tree"], body.out_avals[:len(c_leaves)],
                ("init", "f's carry"))
    outs = scan_p.bind_groups({"consts": consts, "carry": c_leaves, "xs": x_leaves},
                              body=body, length=n, reverse=bool(reverse))
    return (tree_util.tree_unflatten(c_tree, outs.carry),
            tree_util.tree_unflatten(info["y_tree"], outs.ys))


def _trace_with_weak_carry(trace, leaves):
    """Trace a loop body whose initial carry may hold Python scalars. They are weak (like
    ``x * 2.0``): a Python float carry that meets float32 values becomes float32. The body
    is traced with them weak; if that changes their dtype (within its kind: an int carry
    never becomes float), once more with the new dtype. The same rule holds eagerly and
    under jit (where a Python scalar argument is a weak traced value).
    Returns (program, constants, the carry leaves as arrays)."""
    program, consts, _ = trace(leaves)
    weak = {i: a.dtype for i, (x, a) in enumerate(zip(leaves, program.out_avals))
            if is_weak_scalar(x) and a.dtype.kind == aval_of(x).dtype.kind}
    arrays = [cast(x, weak[i]) if i in weak else
              x if hasattr(x, "aval") or isinstance(x, np.ndarray) else np.asarray(x)
              for i, x in enumerate(leaves)]
    if any(aval_of(leaves[i]).dtype != d for i, d in weak.items()):
        program, consts, _ = trace(arrays)
    return program, consts, arrays


def _scan_jvp(tangents, primals, **params):
    p, t = scan_p.split(primals, params), scan_p.split(tangents, params)
    float_in = _float_flags(p, scan_p.spec("body").receives)
    body, float_out = tangent_sub_program(params["body"], float_in,
                                          lambda o: scan_p.sub_outputs("body", o, params))
    t_consts, t_carry, t_xs = (_float_members(t[g], p[g], float_in[g]) for g in ("consts", "carry", "xs"))
    # the new loop: each group followed by the tangents of its float members
    res = scan_p.bind_groups({"consts": p.consts + t_consts, "carry": p.carry + t_carry, "xs": p.xs + t_xs},
                             body=body, length=params["length"], reverse=params["reverse"])
    carry, carry_ts = _cut(res.carry, len(p.carry))
    ys, y_ts = _cut(res.ys, len(float_out.ys))
    return carry + ys, _spread(carry_ts, float_out.carry) + _spread(y_ts, float_out.ys)


# Reverse mode of a loop body stores, per step, what its backward pass reads, except what
# is cheaper to compute again than to store and load: elementwise and slicing equations,
# recomputed from the stored values in the backward step (the policy of
# ``jax.checkpoint_policies.dots_saveable``: products, reductions and the like are stored).
RECOMPUTED = frozenset(P.elementwise_prims) | {"select", "convert", "stop_gradient", "broadcast_to",
                                               "reshape", "slice", "squeeze", "expand_dims"}


class Residuals:
    """A loop body's reverse mode split at its residuals (see ``RECOMPUTED``).

    ``forward``: the body's inputs -> its outputs, then ``stored`` (the values the backward
    step needs that it cannot recompute cheaply: some of the body's own inputs, then
    values it computes). ``backward``: (``given``: the body inputs it reads directly,
    i.e. all but ``stored`` ones; then ``stored``; then one cotangent per float output)
    -> the cotangents of the float inputs (``float_in``).

    >>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
    >>> body = fd.make_ir(lambda w, c: (fnp.tanh(c @ w),))(np.ones((2, 2)), np.ones(2))
    >>> [v.aval.shape for v in Residuals(body, [True, True], given=[0]).stored]  # c, c @ w
    [(2,), (2,)]
    """

    def __init__(self, ir, float_in, given):
        joint = backward_ir(ir, [i for i, f in enumerate(float_in) if f])
        n_in, n_out = len(ir.in_vars), len(ir.out_vars)
        inputs, cotangents = joint.in_vars[:n_in], joint.in_vars[n_in:]
        tainted, forward, backward = set(cotangents), [], []
        for eqn in joint.eqns:  # the equations that read cotangents, and the others
            if any(isinstance(a, Var) and a in tainted for a in eqn.inputs):
                tainted.update(eqn.outputs)
                backward.append(eqn)
            else:
                forward.append(eqn)
        defined_by = {v: e for e in forward for v in e.outputs}
        reads = [a for e in backward for a in e.inputs] + joint.out_vars[n_out:]
        wanted, recompute, stored = [a for a in reads if isinstance(a, Var) and a not in tainted], set(), []
        while wanted:  # walk back from what the backward step reads
            v = wanted.pop()
            eqn = defined_by.get(v)
            if eqn is not None and eqn.prim.name in RECOMPUTED:
                if id(eqn) not in recompute:
                    recompute.add(id(eqn))
                    wanted += [a for a in eqn.inputs if isinstance(a, Var)]
            elif (eqn is not None or v in inputs) and v not in stored:
                stored.append(v)
        self.given = [inputs[i] for i in given]
        stored = [v for v in inputs if v in stored and v not in self.given] + \
                 [v for e in forward for v in e.outputs if v in stored]
        self.stored = stored
        self.forward = dce(IR(inputs, joint.const_vars, joint.consts, forward, joint.out_vars[:n_out] + stored))
        again = [e for e in forward if id(e) in recompute]
        self.backward = dce(IR(self.given + stored + cotangents, joint.const_vars, joint.consts,
                               again + backward, joint.out_vars[n_out:]))


def _scan_vjp(gs, *primals, out, **params):
    """Run the forward loop again, storing each step's residuals (``Residuals``), then the
    cotangents backwards through a reversed scan that reads them. The simplifier
    (``simplify.share_loops``) then lets the residual loop stand in for the primal one, so
    the forward work is done once."""
    body, length, reverse = params["body"], params["length"], params["reverse"]
    p = scan_p.split(primals, params)
    g, o = scan_p.split_outputs(gs, params), scan_p.split_outputs(out, params)
    float_in = scan_p.sub_inputs("body", [_is_float(a) for a in body.in_avals], params)
    float_out = scan_p.sub_outputs("body", [_is_float(a) for a in body.out_avals], params)
    positions = scan_p.sub_inputs("body", list(range(len(body.in_vars))), params)
    res = Residuals(body, float_in.flat(), given=positions.consts + positions.xs)
    n_ys = len(body.out_vars) - len(p.carry)
    stored = scan_p.bind_groups(p, body=res.forward, length=length, reverse=reverse).ys[n_ys:]
    # backward, carrying the cotangents of the float carry and the accumulated cotangents
    # of the float consts
    ct_carry = _float_members(g.carry, o.carry, float_out.carry)
    ct_ys = _float_members(g.ys, o.ys, float_out.ys)
    acc = [_zeros(aval_of(c)) for c, f in zip(p.consts, float_in.consts) if f]

    def back_step(*ins):
        consts, ct_next, acc_t, stored_t, x_t, ct_y = _cut(
            ins, len(p.consts), len(ct_carry), len(acc), len(stored), len(p.xs))
        grads = eval_ir(res.backward, consts + x_t + stored_t + ct_next + ct_y)
        g_consts, g_carry, g_xs = _cut(grads, len(acc), len(ct_carry))
        return g_carry + [P.binary("add", a, b) for a, b in zip(acc_t, g_consts)] + g_xs

    step_ys = scan_p.sub_outputs("body", body.out_avals, params).ys
    back_avals = (_avals(p.consts) + _avals(ct_carry) + _avals(acc) + [v.aval for v in res.stored]
                  + [v.aval for v in res.given[len(p.consts):]] + [a for a, f in zip(step_ys, float_out.ys) if f])
    back = scan_p.bind_groups({"consts": p.consts, "carry": ct_carry + acc, "xs": stored + p.xs + ct_ys},
                              body=trace_program(back_step, back_avals), length=length, reverse=not reverse)
    g_init, g_consts = _cut(back.carry, len(ct_carry))
    return (_spread(g_consts, float_in.consts) + _spread(g_init, float_in.carry)
            + _spread(back.ys, float_in.xs))


def _scan_batch(args, dims, size, *, body, length, reverse, **lengths):
    a, d = scan_p.split(args, lengths), scan_p.split(dims, lengths)
    consts, dc = _front_if_batched(a.consts, d.consts, size)
    carry = [to_front(c, dd, size) for c, dd in zip(a.carry, d.carry)]  # carries: always batched
    xs = [x if dd is None else move_axis(x, dd, 1) for x, dd in zip(a.xs, d.xs)]
    dxs = [None if dd is None else 0 for dd in d.xs]  # per step, the batch axis comes first

    def step(*ins):
        outs, out_dims = batch_eval(body, list(ins), dc + [0] * len(carry) + dxs, size)
        return [to_front(o, dd, size) for o, dd in zip(outs, out_dims)]
    x_step_avals = [Aval(aval_of(x).shape[1:], aval_of(x).dtype) for x in xs]
    prog = trace_program(step, _avals(consts) + _avals(carry) + x_step_avals)
    outs = scan_p.bind_groups({"consts": consts, "carry": carry, "xs": xs},
                              body=prog, length=length, reverse=reverse)
    return outs.flat(), [0] * len(outs.carry) + [1] * len(outs.ys)


scan_p.vjp, scan_p.batch = _scan_vjp, _scan_batch
scan_p.jvp_with_primal = _scan_jvp

for _prim in (cond_p, while_p, scan_p):  # one loop computes primal and tangent outputs
    _prim.jvp = lambda tangents, primals, out, _rule=_prim.jvp_with_primal, **params: \
        _rule(tangents, primals, **params)[1]

# ----------------------------------------------------------------------------------------
# Numba lowering: real loops and branches in the generated code
# ----------------------------------------------------------------------------------------


@lowers(cond_p)
def _lower_cond(gen, eqn):
    g = cond_p.split(eqn.inputs, eqn.params)
    names = [gen.var(v) for v in eqn.outputs]
    args = [operand(gen, a) for a in g.operands]
    gen.emit(f"if {operand(gen, g.pred[0])}:")
    false_branch, true_branch = eqn.params["branches"]
    for k, branch in enumerate((true_branch, false_branch)):
        if k == 1:
            gen.emit("else:")
        outs = gen.sub_program(branch, args, 2)
        for n, o in zip(names, outs):
            gen.emit(f"{n} = {o}", 2)


@lowers(while_p)
def _lower_while(gen, eqn):
    p = eqn.params
    g = while_p.split(eqn.inputs, p)
    cond_consts = [operand(gen, a) for a in g.cond_consts]
    body_consts = [operand(gen, a) for a in g.body_consts]
    carry = [gen.var(v) for v in eqn.outputs]
    for c, a in zip(carry, g.carry):
        gen.emit(f"{c} = {fresh_copy(gen, a)}")
    go = gen.fresh("go")
    (pred,) = gen.sub_program(p["cond_ir"], cond_consts + carry, 1)
    gen.emit(f"{go} = {pred}")
    gen.emit(f"while {go}:")
    new = gen.sub_program(p["body_ir"], body_consts + carry, 2)
    assign_all(gen, carry, new, 2)
    (pred,) = gen.sub_program(p["cond_ir"], cond_consts + carry, 2)
    gen.emit(f"{go} = {pred}", 2)


@lowers(scan_p)
def _lower_scan(gen, eqn):
    p = eqn.params
    length, body = p["length"], p["body"]
    g, out = scan_p.split(eqn.inputs, p), scan_p.split_outputs(eqn.outputs, p)
    consts = [operand(gen, a) for a in g.consts]
    xs = [operand(gen, a) for a in g.xs]
    carry = [gen.var(v) for v in out.carry]
    ys = [gen.alloc(v) for v in out.ys]
    for c, a in zip(carry, g.carry):
        gen.emit(f"{c} = {fresh_copy(gen, a)}")
    t = gen.fresh("t")
    if p["reverse"]:
        step = gen.fresh("k")
        gen.emit(f"for {step} in range({length}):")
        gen.emit(f"{t} = {length - 1} - {step}", 2)
    else:
        gen.emit(f"for {t} in range({length}):")
    x_t = []  # this step's slices, named as the body's inputs
    for x, v in zip(xs, scan_p.sub_inputs("body", body.in_vars, p).xs):
        name = gen.sub_name(body, v)
        gen.emit(f"{name} = {x}[{t}]", 2)
        x_t.append(name)
    copied = [True] * len(carry) + [False] * len(ys)  # ys are copied into their rows anyway
    outs = scan_p.sub_outputs("body", gen.sub_program(body, consts + carry + x_t, 2, copied), p)
    for y, o in zip(ys, outs.ys):  # before the carry moves on: a y may read it
        gen.emit(f"{y}[{t}] = {o}", 2)
    assign_all(gen, carry, outs.carry, 2)

# ----------------------------------------------------------------------------------------
# fori_loop
# ----------------------------------------------------------------------------------------


def fori_loop(lower, upper, body_fun, init_val):
    """``for i in range(lower, upper): val = body_fun(i, val)``. With Python-int bounds it
    is a ``scan`` (reverse-differentiable); traced bounds make it a ``while_loop``.

    >>> import numpy as np
    >>> fori_loop(0, 4, lambda i, x: x + i, np.float64(0.0))
    np.float64(6.0)
    """
    for name, bound in (("lower", lower), ("upper", upper)):
        kind = np.asarray(bound).dtype.kind if not hasattr(bound, "aval") else bound.aval.dtype.kind
        if kind not in "iu":
            raise TypeError(f"fori_loop: {name} must be an integer, got {bound!r}")
    if isinstance(lower, (int, np.integer)) and isinstance(upper, (int, np.integer)):
        start = np.asarray(lower, np.int64)

        def step(carry, _):
            i, val = carry
            return (P.binary("add", i, np.int64(1)), body_fun(i, val)), None
        (_, val), _ = scan(step, (start, init_val), None, length=max(int(upper) - int(lower), 0))
        return val
    lo, hi = fnp.asarray(lower), fnp.asarray(upper)

    def cond_fun(carry):
        return fnp.less(carry[0], carry[1])

    def body(carry):
        i, n, val = carry
        return fnp.add(i, 1), n, body_fun(i, val)
    _, _, val = while_loop(cond_fun, body, (lo, hi, init_val))
    return val
