"""IR clean-up passes: exact algebraic rewrites, common-subexpression and dead-code
elimination.

>>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
>>> ir = fd.make_ir(lambda x: (fnp.sin(x) + fnp.sin(x), fnp.cos(x))[0])(np.ones(2))
>>> [e.prim.name for e in simplify(ir).eqns]
['sin', 'add']
"""
import numpy as np

from ..core import IR, Eqn, Literal, Var, primitives


def param_key(value):
    """A hashable key for an equation's params (unhashable values by identity)."""
    if isinstance(value, (list, tuple)):
        return tuple(param_key(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, param_key(v)) for k, v in value.items()))
    try:
        hash(value)
        return value
    except TypeError:
        return ("id", id(value))


def _atom_key(atom, rename):
    if isinstance(atom, Literal):
        return ("lit", atom.val.dtype.str, atom.val.item())
    return rename.get(atom, atom)


def cse(ir):
    """Merge equations that apply the same primitive to the same inputs and params."""
    rename, seen, eqns = {}, {}, []
    for eqn in ir.eqns:
        inputs = [rename.get(a, a) if isinstance(a, Var) else a for a in eqn.inputs]
        key = (eqn.prim, tuple(_atom_key(a, rename) for a in eqn.inputs), param_key(eqn.params))
        if key in seen:
            for old, new in zip(eqn.outputs, seen[key].outputs):
                rename[old] = new
            continue
        if inputs != eqn.inputs:
            eqn = type(eqn)(eqn.prim, inputs, eqn.outputs, eqn.params)
        seen[key] = eqn
        eqns.append(eqn)
    outs = [rename.get(v, v) if isinstance(v, Var) else v for v in ir.out_vars]
    return IR(ir.in_vars, ir.const_vars, ir.consts, eqns, outs)


def dce(ir):
    """Drop equations whose outputs are not needed, and constants nobody reads."""
    live = {v for v in ir.out_vars if isinstance(v, Var)}
    kept = []
    for eqn in reversed(ir.eqns):
        if any(v in live for v in eqn.outputs):
            kept.append(eqn)
            live.update(a for a in eqn.inputs if isinstance(a, Var))
    kept.reverse()
    consts = [(v, c) for v, c in zip(ir.const_vars, ir.consts) if v in live]
    return IR(ir.in_vars, [v for v, _ in consts], [c for _, c in consts], kept, ir.out_vars)


def fold_constants(ir, keep=()):
    """Evaluate, once, the equations whose inputs are all literals or constants (except
    the constant variables in ``keep``, whose values may change between runs, and
    constants that are traced values). Scalar results become literals."""
    keep = set(keep)
    values = {v: c for v, c in zip(ir.const_vars, ir.consts)
              if v not in keep and isinstance(c, np.ndarray)}
    rename, eqns, folded = {}, [], []
    for eqn in ir.eqns:
        inputs = [rename.get(a, a) if isinstance(a, Var) else a for a in eqn.inputs]
        if not eqn.prim.multiple_results and not eqn.prim.collective and all(
                isinstance(a, Literal) or a in values for a in inputs):  # (collectives: vmap's)
            value = np.asarray(eqn.prim.impl(*[a.val if isinstance(a, Literal) else values[a]
                                               for a in inputs], **eqn.params))
            out = eqn.outputs[0]
            if value.ndim == 0:
                rename[out] = Literal(value)
            else:
                values[out] = value
                folded.append(out)
            continue
        eqns.append(type(eqn)(eqn.prim, inputs, eqn.outputs, eqn.params) if inputs != eqn.inputs else eqn)
    outs = [rename.get(v, v) if isinstance(v, Var) else v for v in ir.out_vars]
    return dce(IR(ir.in_vars, ir.const_vars + folded, ir.consts + [values[v] for v in folded],
                  eqns, outs))


def merge_reshapes(ir):
    """``reshape(reshape(x))`` -> ``reshape(x)``, and reshapes to the source's own shape
    disappear."""
    source, rename, eqns = {}, {}, []
    for eqn in ir.eqns:
        inputs = [rename.get(a, a) if isinstance(a, Var) else a for a in eqn.inputs]
        if eqn.prim.name == "reshape" and isinstance(inputs[0], Var):
            x = source.get(inputs[0], inputs[0])
            out = eqn.outputs[0]
            if x.aval.shape == out.aval.shape:
                rename[out] = x
                continue
            source[out] = x
            inputs = [x]
        eqns.append(type(eqn)(eqn.prim, inputs, eqn.outputs, eqn.params) if inputs != eqn.inputs else eqn)
    outs = [rename.get(v, v) if isinstance(v, Var) else v for v in ir.out_vars]
    return IR(ir.in_vars, ir.const_vars, ir.consts, eqns, outs)


_NO_VALUE = object()


def _value(atom, known):
    """The scalar that every element of ``atom`` holds, when known (else ``_NO_VALUE``)."""
    if isinstance(atom, Literal):
        return atom.val.item()
    return known.get(atom, _NO_VALUE)


def _moves_only_unit_axes(shape, permutation):
    """Does this transpose keep the order of the axes longer than 1 (a reshape, then)?"""
    kept = [p for p in permutation if shape[p] != 1]
    return kept == sorted(kept)


def rewrite(ir):
    """Exact algebraic rewrites, which change no value bit: ``x * 1``, ``x / 1``, ``x - 0``,
    ``x ** 1`` -> ``x`` and integer ``x + 0`` -> ``x`` (when ``x`` has the result's dtype
    and shape); float ``x ** 2`` -> ``x * x`` (numpy's power gives x*x for exponent 2);
    ``x and False``, ``x or True`` are constants, which decide a ``select``; a transpose
    that moves only axes of size 1 is a reshape.

    >>> import funcdl as fd, numpy as np
    >>> ir = fd.make_ir(lambda x: (x * 1.0) ** 2.0)(np.ones(2))
    >>> [e.prim.name for e in rewrite(ir).eqns]
    ['mul']
    """
    rename, known, eqns = {}, {}, []
    for eqn in ir.eqns:
        inputs = [rename.get(a, a) if isinstance(a, Var) else a for a in eqn.inputs]
        name, out = eqn.prim.name, eqn.outputs[0]
        values = [_value(a, known) for a in inputs]

        def fits(a):  # can ``a`` stand for ``out``?
            return a.aval == out.aval and (isinstance(a, Var) or not out.aval.shape)

        def operand_beside(unit):  # the operand of a binary op whose other one is ``unit``
            for a, other in ((inputs[0], values[1]), (inputs[1], values[0])):
                if other is not _NO_VALUE and other == unit and fits(a):
                    return a
            return None

        replacement = None
        if len(inputs) == 2 and name in ("mul", "add"):
            if name == "mul" or out.aval.dtype.kind in "iu":
                replacement = operand_beside(1 if name == "mul" else 0)
        elif len(inputs) == 2 and name in ("div", "sub", "pow") and values[1] is not _NO_VALUE:
            if values[1] == (0 if name == "sub" else 1) and fits(inputs[0]):
                replacement = inputs[0]
            elif name == "pow" and values[1] == 2 and out.aval.dtype.kind == "f" and fits(inputs[0]):
                eqn = type(eqn)(primitives["mul"], [inputs[0], inputs[0]], eqn.outputs, {})
                inputs = eqn.inputs
        elif name in ("and", "or"):
            absorbing = name == "or"  # x and False is False; x or True is True
            if any(v is not _NO_VALUE and bool(v) == absorbing for v in values):
                known[out] = absorbing
                replacement = None if out.aval.shape else Literal(np.bool_(absorbing))
            else:
                replacement = operand_beside(not absorbing)
        elif name == "select":
            if values[0] is not _NO_VALUE:
                replacement = inputs[1] if values[0] else inputs[2]
            elif inputs[1] is inputs[2]:
                replacement = inputs[1]
            replacement = replacement if replacement is not None and fits(replacement) else None
        elif name == "transpose" and _moves_only_unit_axes(inputs[0].aval.shape, eqn.params["permutation"]):
            eqn = type(eqn)(primitives["reshape"], inputs, eqn.outputs, {"new_sizes": tuple(out.aval.shape)})
            inputs = eqn.inputs
        if replacement is not None:
            rename[out] = replacement
            continue
        eqns.append(type(eqn)(eqn.prim, inputs, eqn.outputs, eqn.params) if inputs != eqn.inputs else eqn)
    outs = [rename.get(v, v) if isinstance(v, Var) else v for v in ir.out_vars]
    return IR(ir.in_vars, ir.const_vars, ir.consts, eqns, outs)


def _computes_more(b, a):
    """Whether scan ``b`` runs on ``a``'s operands a body that returns everything ``a``'s
    body returns (first) and more."""
    if b.prim is not a.prim or len(b.outputs) <= len(a.outputs) or len(b.inputs) != len(a.inputs):
        return False
    if any(_atom_key(x, {}) != _atom_key(y, {}) for x, y in zip(b.inputs, a.inputs)):
        return False
    if any(b.params[k] != a.params[k] for k in a.params if k != "body"):
        return False
    body, prefix = b.params["body"], a.params["body"]
    n = len(prefix.out_vars)
    return dce(IR(body.in_vars, body.const_vars, body.consts, body.eqns, body.out_vars[:n])) == dce(prefix)


def share_loops(ir):
    """One scan instead of two where a scan's body computes another's, on the same
    operands, and more: reverse mode's loop that stores residuals replaces the primal loop.

    >>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
    >>> f = lambda x: fd.lax.scan(lambda c, x: (fnp.sin(c) * x, c), 0.5, x)[0]
    >>> ir = fd.make_ir(fd.value_and_grad(f))(np.ones(3))
    >>> count_primitives(ir, "scan")  # forward (with residuals) and backward
    2
    """
    scans = [i for i, e in enumerate(ir.eqns) if e.prim.name == "scan"]
    eqns, rename = list(ir.eqns), {}
    for i in scans:
        for j in scans:
            a, b = eqns[i], eqns[j]
            if a is not None and b is not None and i != j and _computes_more(b, a):
                rename.update(zip(a.outputs, b.outputs))
                # ``b`` takes the earlier place of the two: its operands are ``a``'s
                eqns[min(i, j)], eqns[max(i, j)] = b, None
                break
    if not rename:
        return ir
    new = lambda atom: rename.get(atom, atom) if isinstance(atom, Var) else atom  # noqa: E731
    eqns = [Eqn(e.prim, [new(x) for x in e.inputs], e.outputs, e.params) for e in eqns if e is not None]
    return IR(ir.in_vars, ir.const_vars, ir.consts, eqns, [new(v) for v in ir.out_vars])


def simplify(ir):
    """Exact rewrites, merge reshapes, shared loops, CSE, then DCE; inside the sub-programs
    of control flow first (not inside call programs, such as ``jit_call``'s, which stay as
    traced)."""
    return dce(cse(share_loops(merge_reshapes(rewrite(_simplify_sub_programs(ir))))))


def _simplify_sub_programs(ir):
    if not any(e.prim.sub_program_specs for e in ir.eqns):
        return ir
    eqns = [Eqn(e.prim, e.inputs, e.outputs, e.prim.map_programs(e.params, lambda _, sub: simplify(sub)))
            if e.prim.sub_program_specs else e for e in ir.eqns]
    return IR(ir.in_vars, ir.const_vars, ir.consts, eqns, ir.out_vars)


def count_primitives(ir, name):
    """How many equations of ``ir`` apply the primitive ``name``."""
    return sum(e.prim.name == name for e in ir.eqns)

