"""Structured control flow as higher-order primitives: ``cond``, ``while_loop``, ``scan``
(and ``fori_loop`` on top). Their params hold sub-programs (closed IRs: the constants a
sub-function closes over are passed as leading operands), so loops stay loops in the IR.

All rules of these primitives live here: eval, shape, jvp, vjp, batching (the numba
lowering is in ``transforms.codegen``).
"""
import numpy as np

from . import primitives as P
from . import tree_util
from .core import IR, Primitive, Var, aval_of, bind, eval_ir, is_weak_scalar, trace_to_ir

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
    return aval.dtype.kind == "f"


def _with_extra_inputs(ir, before=(), after=()):
    """``ir`` taking unused extra inputs (avals) before/after its own."""
    from .core import Var as _Var
    pre = [_Var(a) for a in before]
    post = [_Var(a) for a in after]
    return IR(pre + ir.in_vars + post, ir.const_vars, ir.consts, ir.eqns, ir.out_vars)


# ----------------------------------------------------------------------------------------
# cond
# ----------------------------------------------------------------------------------------


def _cond_impl(pred, *ops, branches):
    return eval_ir(branches[int(bool(pred))], list(ops))


def _cond_shape(pred, *ops, branches):
    if pred.shape != () or pred.dtype != np.bool_:
        raise TypeError(f"cond: the predicate must be a boolean scalar, got {pred}")
    return branches[0].out_avals


cond_p = Primitive("cond", _cond_impl, _cond_shape, multiple_results=True)


def cond(pred, true_fun, false_fun, *operands):
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, as one primitive:
    both branches are traced (they must return the same pytree, shapes and dtypes), only
    the taken one runs. Differentiable, batchable (a batched ``pred`` selects), jittable.

    >>> import numpy as np
    >>> cond(np.float64(2.0) > 0, lambda x: x * 2.0, lambda x: -x, np.float64(3.0))
    np.float64(6.0)
    """
    from . import numpy as fnp
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
    nf, nt = len(consts_f), len(consts_t)
    branch_f = IR(ir_f.in_vars[:nf] + [Var(a) for a in _avals(consts_t)] + ir_f.in_vars[nf:],
                  [], [], ir_f.eqns, ir_f.out_vars)
    branch_t = IR([Var(a) for a in _avals(consts_f)] + ir_t.in_vars, [], [], ir_t.eqns, ir_t.out_vars)
    outs = bind(cond_p, pred, *consts_f, *consts_t, *leaves, branches=(branch_f, branch_t))
    return tree_util.tree_unflatten(tree_t, outs)


def jvp_program(ir, float_in):
    """A closed IR computing ``(outs, tangents of the float outs)`` from
    ``(inputs, tangents of the inputs flagged in float_in)``."""
    from .transforms.ad import jvp_eval
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


def backward_program(ir, float_in):
    """A closed IR computing the cotangents of the float inputs from ``(inputs,
    cotangents of the float outputs)``."""
    from .transforms.ad import backward_ir
    from .transforms.simplify import dce
    wrt = [i for i, f in enumerate(float_in) if f]
    joint = backward_ir(ir, wrt)
    n_out = len(ir.out_vars)
    grads_only = IR(joint.in_vars, joint.const_vars, joint.consts, joint.eqns, joint.out_vars[n_out:])
    return dce(grads_only)


def _cond_jvp(tangents, primals, *, branches):
    pred, ops = primals[0], primals[1:]
    float_in = [_is_float(aval_of(o)) for o in ops]
    ts = [t if t is not None else _zeros(aval_of(o))
          for t, o, f in zip(tangents[1:], ops, float_in) if f]
    progs = [jvp_program(b, float_in) for b in branches]
    res = bind(cond_p, pred, *ops, *ts, branches=tuple(p for p, _ in progs))
    n = len(branches[0].out_vars)
    float_out = progs[0][1]
    it = iter(res[n:])
    return res[:n], [next(it) if f else None for f in float_out]


def _cond_vjp(gs, pred, *ops, out, branches):
    float_in = [_is_float(aval_of(o)) for o in ops]
    float_out = [_is_float(aval_of(o)) for o in out]
    cts = [g if g is not None else _zeros(aval_of(o)) for g, o, f in zip(gs, out, float_out) if f]
    progs = tuple(backward_program(b, float_in) for b in branches)
    grads = iter(bind(cond_p, pred, *ops, *cts, branches=progs))
    return [None] + [next(grads) if f else None for f in float_in]


def _cond_batch(args, dims, size, *, branches):
    from .transforms.batching import batch_eval
    from .transforms.batching_rules import to_front
    pred, ops = args[0], args[1:]
    dpred, dops = dims[0], dims[1:]
    if dpred is None:  # one branch for the whole batch: batch the branches
        ops = [o if d is None else to_front(o, d, size) for o, d in zip(ops, dops)]
        dops = [None if d is None else 0 for d in dops]
        progs = tuple(_batched_program(b, ops, dops, size) for b in branches)
        return bind(cond_p, pred, *ops, branches=progs), [0] * len(branches[0].out_vars)
    # a per-example predicate: run both branches, select per example
    results = []
    for b in branches:
        outs, out_dims = batch_eval(b, ops, dops, size)
        results.append([to_front(o, d, size) for o, d in zip(outs, out_dims)])
    pred = to_front(pred, dpred, size)
    outs = []
    for f_out, t_out in zip(*results):
        p = P.reshape(pred, (size,) + (1,) * (aval_of(t_out).ndim - 1))
        outs.append(P.select(p, t_out, f_out))
    return outs, [0] * len(outs)


def _batched_program(ir, ops, dims, size):
    """``ir`` batched: inputs with ``dims`` (0 or None), every output batched at 0."""
    from .transforms.batching import batch_eval
    from .transforms.batching_rules import to_front

    def f(*args):
        outs, out_dims = batch_eval(ir, list(args), dims, size)
        return [to_front(o, d, size) for o, d in zip(outs, out_dims)]
    return trace_program(f, _avals(ops))


cond_p.vjp, cond_p.batch = _cond_vjp, _cond_batch
cond_p.jvp_with_primal = _cond_jvp

# ----------------------------------------------------------------------------------------
# while_loop
# ----------------------------------------------------------------------------------------


def _while_impl(*ops, cond_ir, body_ir, n_cond, n_body):
    cconsts, bconsts, carry = ops[:n_cond], ops[n_cond:n_cond + n_body], list(ops[n_cond + n_body:])
    while bool(eval_ir(cond_ir, list(cconsts) + carry)[0]):
        carry = eval_ir(body_ir, list(bconsts) + carry)
    return carry


def _while_shape(*avals, cond_ir, body_ir, n_cond, n_body):
    return list(avals[n_cond + n_body:])


while_p = Primitive("while", _while_impl, _while_shape, multiple_results=True)


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
    outs = bind(while_p, *cconsts, *bconsts, *leaves, cond_ir=cond_ir, body_ir=body_ir,
                n_cond=len(cconsts), n_body=len(bconsts))
    return tree_util.tree_unflatten(tree, outs)


def _while_jvp(tangents, primals, *, cond_ir, body_ir, n_cond, n_body):
    cconsts, bconsts = primals[:n_cond], primals[n_cond:n_cond + n_body]
    carry = primals[n_cond + n_body:]
    float_in = [_is_float(aval_of(x)) for x in list(bconsts) + list(carry)]
    prog, _ = jvp_program(body_ir, float_in)
    nb = len(bconsts)
    fb = float_in[:nb]
    fc = float_in[nb:]
    t_b = [t if t is not None else _zeros(aval_of(x)) for t, x, f in
           zip(tangents[n_cond:n_cond + n_body], bconsts, fb) if f]
    t_c = [t if t is not None else _zeros(aval_of(x)) for t, x, f in
           zip(tangents[n_cond + n_body:], carry, fc) if f]
    # new loop: consts (bconsts, const tangents), carry (carry, carry tangents)
    new_body = _reorder_body(prog, len(bconsts), len(t_b), len(carry), len(t_c))
    new_cond = _with_extra_inputs(cond_ir, after=_avals(t_c))
    outs = bind(while_p, *cconsts, *bconsts, *t_b, *carry, *t_c, cond_ir=new_cond, body_ir=new_body,
                n_cond=n_cond, n_body=len(bconsts) + len(t_b))
    it = iter(outs[len(carry):])
    return outs[:len(carry)], [next(it) if f else None for f in fc]


def _reorder_body(prog, n_consts, n_const_t, n_carry, n_carry_t):
    """``prog`` takes (consts, carry, const tangents, carry tangents) and returns (carry',
    carry tangents'); the loop wants (consts, const tangents, carry, carry tangents)."""
    v = prog.in_vars
    consts, carry = v[:n_consts], v[n_consts:n_consts + n_carry]
    const_t = v[n_consts + n_carry:n_consts + n_carry + n_const_t]
    carry_t = v[n_consts + n_carry + n_const_t:]
    return IR(consts + const_t + carry + carry_t, prog.const_vars, prog.consts, prog.eqns, prog.out_vars)


def _while_vjp(gs, *primals, out, **params):
    raise TypeError("Reverse-mode differentiation does not work for lax.while_loop (the number "
                    "of iterations is not known in advance). Use lax.fori_loop with static "
                    "bounds or lax.scan, or forward mode (jvp, jacfwd).")


def _while_batch(args, dims, size, *, cond_ir, body_ir, n_cond, n_body):
    from .transforms.batching import batch_eval
    from .transforms.batching_rules import to_front
    cconsts, bconsts = args[:n_cond], args[n_cond:n_cond + n_body]
    dc, db = dims[:n_cond], dims[n_cond:n_cond + n_body]
    carry = [to_front(x, d, size) for x, d in zip(args[n_cond + n_body:], dims[n_cond + n_body:])]
    cconsts = [x if d is None else to_front(x, d, size) for x, d in zip(cconsts, dc)]
    bconsts = [x if d is None else to_front(x, d, size) for x, d in zip(bconsts, db)]
    dc = [None if d is None else 0 for d in dc]
    db = [None if d is None else 0 for d in db]
    n_carry = len(carry)

    def batched_pred(cc, c):
        (p,), (d,) = batch_eval(cond_ir, list(cc) + list(c), dc + [0] * n_carry, size)
        return to_front(p, d, size)

    def new_cond(*a):
        from . import numpy as fnp
        return [fnp.any(batched_pred(a[:n_cond], a[n_cond:]))]

    def new_body(*a):  # lanes whose predicate is false keep their value
        cc, bc, c = a[:n_cond], a[n_cond:n_cond + n_body], a[n_cond + n_body:]
        pred = batched_pred(cc, c)
        outs, out_dims = batch_eval(body_ir, list(bc) + list(c), db + [0] * n_carry, size)
        result = []
        for new, old, d in zip(outs, c, out_dims):
            new = to_front(new, d, size)
            p = P.reshape(pred, (size,) + (1,) * (aval_of(old).ndim - 1))
            result.append(P.select(p, new, old))
        return result
    cond_prog = trace_program(new_cond, _avals(cconsts) + _avals(carry))
    body_prog = trace_program(new_body, _avals(cconsts) + _avals(bconsts) + _avals(carry))
    outs = bind(while_p, *cconsts, *cconsts, *bconsts, *carry, cond_ir=cond_prog, body_ir=body_prog,
                n_cond=n_cond, n_body=n_cond + n_body)
    return outs, [0] * n_carry


while_p.vjp, while_p.batch = _while_vjp, _while_batch
while_p.jvp_with_primal = _while_jvp

# ----------------------------------------------------------------------------------------
# scan
# ----------------------------------------------------------------------------------------


def _scan_impl(*ops, body, length, reverse, n_consts, n_carry):
    consts, carry = list(ops[:n_consts]), list(ops[n_consts:n_consts + n_carry])
    xs = ops[n_consts + n_carry:]
    y_avals = body.out_avals[n_carry:]
    ys = [np.empty((length,) + a.shape, a.dtype) for a in y_avals]
    for step in range(length):
        t = length - 1 - step if reverse else step
        outs = eval_ir(body, consts + carry + [x[t] for x in xs])
        carry = outs[:n_carry]
        for y, v in zip(ys, outs[n_carry:]):
            y[t] = v
    return list(carry) + ys


def _scan_shape(*avals, body, length, reverse, n_consts, n_carry):
    from .core import Aval
    xs = avals[n_consts + n_carry:]
    for x in xs:
        if not x.shape or x.shape[0] != length:
            raise TypeError(f"scan: every xs leaf needs a leading axis of length {length}, got {x}")
    return list(avals[n_consts:n_consts + n_carry]) + [Aval((length,) + a.shape, a.dtype)
                                                       for a in body.out_avals[n_carry:]]


scan_p = Primitive("scan", _scan_impl, _scan_shape, multiple_results=True)


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
    from .core import Aval
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
    n_carry = len(c_leaves)
    _check_same("scan", c_tree, _avals(c_leaves), info["carry_tree"], body.out_avals[:n_carry],
                ("init", "f's carry"))
    outs = bind(scan_p, *consts, *c_leaves, *x_leaves, body=body, length=n, reverse=bool(reverse),
                n_consts=len(consts), n_carry=n_carry)
    return (tree_util.tree_unflatten(c_tree, outs[:n_carry]),
            tree_util.tree_unflatten(info["y_tree"], outs[n_carry:]))


def _trace_with_weak_carry(trace, leaves):
    """Trace a loop body whose initial carry may hold Python scalars. They are weak (like
    ``x * 2.0``): a Python float carry that meets float32 values becomes float32. The body
    is traced with them weak; if that changes their dtype (within its kind: an int carry
    never becomes float), once more with the new dtype. The same rule holds eagerly and
    under jit (where a Python scalar argument is a weak traced value).
    Returns (program, constants, the carry leaves as arrays)."""
    from .numpy._base import cast
    program, consts, _ = trace(leaves)
    weak = {i: a.dtype for i, (x, a) in enumerate(zip(leaves, program.out_avals))
            if is_weak_scalar(x) and a.dtype.kind == aval_of(x).dtype.kind}
    arrays = [cast(x, weak[i]) if i in weak else
              x if hasattr(x, "aval") or isinstance(x, np.ndarray) else np.asarray(x)
              for i, x in enumerate(leaves)]
    if any(aval_of(leaves[i]).dtype != d for i, d in weak.items()):
        program, consts, _ = trace(arrays)
    return program, consts, arrays


def _split_scan(ops, n_consts, n_carry):
    return list(ops[:n_consts]), list(ops[n_consts:n_consts + n_carry]), list(ops[n_consts + n_carry:])


def _scan_jvp(tangents, primals, *, body, length, reverse, n_consts, n_carry):
    consts, carry, xs = _split_scan(primals, n_consts, n_carry)
    t_consts, t_carry, t_xs = _split_scan(tangents, n_consts, n_carry)
    x_avals = body.in_avals[n_consts + n_carry:]
    fc = [_is_float(aval_of(c)) for c in consts]
    fcarry = [_is_float(aval_of(c)) for c in carry]
    fx = [_is_float(a) for a in x_avals]
    prog, float_out = jvp_program(body, fc + fcarry + fx)
    # prog inputs: consts, carry, xs, t_consts, t_carry, t_xs -> carry', ys, t_carry', t_ys
    inst = lambda ts, xs_, fl: [t if t is not None else _zeros(aval_of(x)) for t, x, f in zip(ts, xs_, fl) if f]  # noqa: E731
    tc, tk, tx = inst(t_consts, consts, fc), inst(t_carry, carry, fcarry), inst(t_xs, xs, fx)
    v = prog.in_vars
    k = [n_consts, n_carry, len(xs), len(tc), len(tk), len(tx)]
    starts = np.cumsum([0] + k)
    parts = [v[starts[i]:starts[i + 1]] for i in range(6)]
    n_y = len(body.out_vars) - n_carry
    float_carry_out = float_out[:n_carry]
    float_y = float_out[n_carry:]
    outs = prog.out_vars
    carry_out, y_out = outs[:n_carry], outs[n_carry:n_carry + n_y]
    t_out = outs[n_carry + n_y:]
    t_carry_out, t_y_out = t_out[:sum(float_carry_out)], t_out[sum(float_carry_out):]
    new_body = IR(parts[0] + parts[3] + parts[1] + parts[4] + parts[2] + parts[5], prog.const_vars,
                  prog.consts, prog.eqns, carry_out + t_carry_out + y_out + t_y_out)
    res = bind(scan_p, *consts, *tc, *carry, *tk, *xs, *tx, body=new_body, length=length,
               reverse=reverse, n_consts=n_consts + len(tc), n_carry=n_carry + len(tk))
    res_tk = iter(res[n_carry:n_carry + len(tk)])
    rest = res[n_carry + len(tk):]
    res_ty = iter(rest[n_y:])
    carry_ts = [next(res_tk) if f else None for f in float_carry_out]
    y_ts = [next(res_ty) if f else None for f in float_y]
    return list(res[:n_carry]) + list(rest[:n_y]), carry_ts + y_ts


def _scan_vjp(gs, *primals, out, body, length, reverse, n_consts, n_carry):
    """Recompute the forward loop keeping each step's incoming carry, then run the step
    cotangents backwards through a reversed scan (each step's forward is recomputed by its
    backward program)."""
    consts, carry, xs = _split_scan(primals, n_consts, n_carry)
    n_x = len(xs)
    n_y = len(body.out_vars) - n_carry
    in_avals = body.in_avals
    float_in = [_is_float(a) for a in in_avals]
    float_out = [_is_float(a) for a in body.out_avals]
    fc, fk, fx = float_in[:n_consts], float_in[n_consts:n_consts + n_carry], float_in[n_consts + n_carry:]
    # 1. forward again, also emitting the carry each step starts from
    def fwd_step(*a):
        outs = eval_ir(body, list(a))
        return outs + list(a[n_consts:n_consts + n_carry])
    fwd = trace_program(fwd_step, in_avals)
    res = bind(scan_p, *consts, *carry, *xs, body=fwd, length=length, reverse=reverse,
               n_consts=n_consts, n_carry=n_carry)
    carries = res[n_carry + n_y:]
    # 2. backward: carry (ct of the float carry, accumulated ct of the float consts)
    back = backward_program(body, float_in)  # (consts, carry, x, ct carry', ct y) -> grads
    ct_carry = [g if g is not None else _zeros(aval_of(o))
                for g, o, f in zip(gs[:n_carry], out[:n_carry], float_out[:n_carry]) if f]
    ct_ys = [g if g is not None else _zeros(aval_of(o))
             for g, o, f in zip(gs[n_carry:], out[n_carry:], float_out[n_carry:]) if f]
    acc = [_zeros(aval_of(c)) for c, f in zip(consts, fc) if f]
    n_fk, n_fc, n_fx = sum(fk), sum(fc), sum(fx)
    carry_avals = [aval_of(c) for c in carry]
    ct_y_avals = [a for a, f in zip(body.out_avals[n_carry:], float_out[n_carry:]) if f]
    x_avals = in_avals[n_consts + n_carry:]

    def back_step(*a):
        k = 0
        cs = list(a[k:k + n_consts]); k += n_consts
        g_carry = list(a[k:k + n_fk]); k += n_fk
        g_acc = list(a[k:k + n_fc]); k += n_fc
        c_t = list(a[k:k + n_carry]); k += n_carry
        x_t = list(a[k:k + n_x]); k += n_x
        g_y = list(a[k:]);
        # cotangents of the step's float outputs: carry' (float ones) then y (float ones)
        carry_ct_iter = iter(g_carry)
        step_cts = [next(carry_ct_iter) for f in float_out[:n_carry] if f] + g_y
        grads = eval_ir(back, cs + c_t + x_t + step_cts)
        gi = iter(grads)
        g_consts = [next(gi) for f in fc if f]
        g_prev = [next(gi) for f in fk if f]
        g_x = [next(gi) for f in fx if f]
        return g_prev + [P.binary("add", a_, b_) for a_, b_ in zip(g_acc, g_consts)] + g_x

    back_avals = (_avals(consts) + [a for a, f in zip(carry_avals, fk) if f]
                  + [aval_of(c) for c, f in zip(consts, fc) if f] + carry_avals + list(x_avals) + ct_y_avals)
    back_prog = trace_program(back_step, back_avals)
    res = bind(scan_p, *consts, *ct_carry, *acc, *carries, *xs, *ct_ys, body=back_prog, length=length,
               reverse=not reverse, n_consts=n_consts, n_carry=n_fk + n_fc)
    g_init = iter(res[:n_fk])
    g_consts = iter(res[n_fk:n_fk + n_fc])
    g_xs = iter(res[n_fk + n_fc:])
    return ([next(g_consts) if f else None for f in fc] + [next(g_init) if f else None for f in fk]
            + [next(g_xs) if f else None for f in fx])


def _scan_batch(args, dims, size, *, body, length, reverse, n_consts, n_carry):
    from .transforms.batching import batch_eval
    from .transforms.batching_rules import move_axis, to_front
    consts, carry, xs = _split_scan(args, n_consts, n_carry)
    dc, dk, dx = _split_scan(dims, n_consts, n_carry)
    consts = [c if d is None else to_front(c, d, size) for c, d in zip(consts, dc)]
    dc = [None if d is None else 0 for d in dc]
    carry = [to_front(c, d, size) for c, d in zip(carry, dk)]  # carries: always batched
    xs = [x if d is None else move_axis(x, d, 1) for x, d in zip(xs, dx)]
    dxs = [None if d is None else 0 for d in dx]  # per step, the batch axis comes first

    def step(*a):
        outs, out_dims = batch_eval(body, list(a), dc + [0] * n_carry + dxs, size)
        return [to_front(o, d, size) for o, d in zip(outs, out_dims)]
    from .core import Aval
    x_step_avals = [Aval(aval_of(x).shape[1:], aval_of(x).dtype) for x in xs]
    prog = trace_program(step, _avals(consts) + _avals(carry) + x_step_avals)
    outs = bind(scan_p, *consts, *carry, *xs, body=prog, length=length, reverse=reverse,
                n_consts=n_consts, n_carry=n_carry)
    return outs, [0] * n_carry + [1] * (len(outs) - n_carry)


scan_p.vjp, scan_p.batch = _scan_vjp, _scan_batch
scan_p.jvp_with_primal = _scan_jvp

for _prim in (cond_p, while_p, scan_p):  # one loop computes primal and tangent outputs
    _prim.jvp = lambda tangents, primals, out, _rule=_prim.jvp_with_primal, **params: \
        _rule(tangents, primals, **params)[1]

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
    from . import numpy as fnp
    lo, hi = fnp.asarray(lower), fnp.asarray(upper)

    def cond_fun(carry):
        return fnp.less(carry[0], carry[1])

    def body(carry):
        i, n, val = carry
        return fnp.add(i, 1), n, body_fun(i, val)
    _, _, val = while_loop(cond_fun, body, (lo, hi, init_val))
    return val
