"""The jvp and vjp rules of the elementwise primitives, built from the derivative each
declares (``defunary`` / ``defbinary`` in ``primitives/elementwise.py``). Declarations are
written with ``funcdl.numpy`` (it promotes and takes Python scalars), which is built on
the primitives: so these rules live at the transform level. Every other primitive's rules
are in its definition block.

Cotangents of broadcast operands are summed back to the operand's shape (``unbroadcast``).
"""
from .. import numpy as fnp
from .. import primitives as P
from ..primitives.rules import no_derivative, shape_of, unbroadcast


def _unary_rules(name, derivative):
    def jvp(tangents, primals, out):
        t = _scale(tangents[0], derivative(primals[0], out))
        # a real function of a complex operand (abs): d is declared so that dy = Re(d dx)
        return P.unary("real", t) if t.dtype.kind == "c" and out.dtype.kind != "c" else t

    def vjp(g, x, *, out):
        return [_scale(g, derivative(x, out))]
    return jvp, vjp


def no_derivative_error(name, operand):
    """The error for a derivative asked of an operand that has none (polygamma's order, ...)."""
    return TypeError(f"{name}: operand {operand} has no derivative (JAX defines none either); "
                     "differentiate with respect to the other operands only, or wrap this one in "
                     "stop_gradient")


def _is_constant(x):
    """A literal operand (a Python/numpy scalar) needs no cotangent."""
    return not hasattr(x, "aval")


def _scale(g, d):
    """``g * d`` without an equation when ``d`` is the constant 1 or -1."""
    if isinstance(d, float) and d in (1.0, -1.0):
        return g if d == 1.0 else fnp.negative(g)
    return fnp.multiply(g, d)


def _nary_rules(name, partials, differentiable):
    """Rules from ``partials(*operands, out, *needed) -> one dout/d(operand) each`` (None:
    not needed): binary and ternary primitives."""
    def jvp(tangents, primals, out):
        for i, t in enumerate(tangents):
            if t is not None and i not in differentiable:
                raise no_derivative_error(name, i)
        ds = partials(*primals, out, *[t is not None for t in tangents])
        terms = [_scale(t, d) for t, d in zip(tangents, ds) if t is not None]
        total = terms[0]
        for term in terms[1:]:
            total = fnp.add(total, term)
        return total if shape_of(total) == shape_of(out) else fnp.broadcast_to(total, shape_of(out))

    def vjp(g, *operands, out):
        ds = partials(*operands, out, *[not _is_constant(x) for x in operands])
        return [None if d is None else unbroadcast(_scale(g, d), shape_of(x)) for x, d in zip(operands, ds)]
    return jvp, vjp


def elementwise_rules(prim):
    """jvp and vjp of an elementwise primitive, from the derivative its definition declares."""
    if prim.derivative == P.ZERO:
        no_derivative(prim)
        return {"jvp": prim.jvp, "vjp": prim.vjp}
    if isinstance(prim.derivative, P.Linear):
        return {"jvp": prim.derivative.jvp, "vjp": prim.derivative.vjp}
    jvp, vjp = (_unary_rules(prim.name, prim.derivative) if prim.arity == 1
                else _nary_rules(prim.name, prim.derivative, prim.differentiable))
    return {"jvp": jvp, "vjp": vjp}


def install_elementwise():
    """Build every elementwise primitive's rules now (instead of on first use)."""
    for prim in P.elementwise_prims.values():
        for slot, rule in elementwise_rules(prim).items():
            setattr(prim, slot, rule)
