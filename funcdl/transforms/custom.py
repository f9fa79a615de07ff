"""``custom_vjp``: a function with a user-defined reverse-mode rule (JAX semantics).

>>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
>>> @fd.custom_vjp
... def clip_gradient(x):
...     return x
>>> clip_gradient.defvjp(lambda x: (x, None), lambda res, g: (fnp.clip(g, -1.0, 1.0),))
>>> float(fd.grad(lambda x: 5.0 * clip_gradient(x))(2.0))
1.0
"""
import functools

from .. import tree_util
from ..core import (Absent, Primitive, Tracer, aval_of, bind, current_batching_axis, current_trace, eval_ir,
                    trace_to_ir)
from ..primitives.rules import move_axis, zeros_like
from .batching import vmap


def _call_impl(*args, call_ir, **_):
    return eval_ir(call_ir, args)


def _call_shape_rule(*avals, call_ir, **_):
    if list(avals) != call_ir.in_avals:
        raise TypeError(f"custom_vjp_call: operands {list(avals)} do not match {call_ir.in_avals}")
    return call_ir.out_avals


custom_vjp_call_p = Primitive("custom_vjp_call", _call_impl, _call_shape_rule, multiple_results=True)


def _call_jvp(tangents, primals, out, **params):
    raise TypeError(f"can't apply forward-mode differentiation (jvp, jacfwd, hessian) to the "
                    f"custom_vjp function {params['name']!r}: it only defines a reverse rule. "
                    "Use grad/vjp/jacrev, or define the function without custom_vjp.")


def _call_vjp(gs, *primals, out, call_ir, fwd, bwd, in_tree, out_tree, name):
    args = tree_util.tree_unflatten(in_tree, list(primals))
    result = fwd(*args)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"custom_vjp {name!r}: fwd must return a pair (output, residuals), "
                        f"got {type(result).__name__}")
    _, residuals = result
    cts = [g if g is not None else zeros_like(o) for g, o in zip(gs, out)]
    in_cts = bwd(residuals, tree_util.tree_unflatten(out_tree, cts))
    if not isinstance(in_cts, tuple) or len(in_cts) != len(args):
        raise TypeError(f"custom_vjp {name!r}: bwd must return a tuple with one cotangent per "
                        f"argument ({len(args)}), got {type(in_cts).__name__}"
                        f"{'' if not isinstance(in_cts, tuple) else ' of length %d' % len(in_cts)}")
    leaves = []
    for i, (arg, ct) in enumerate(zip(args, in_cts)):
        arg_tree = tree_util.tree_structure(arg)
        if ct is None:
            leaves.extend([None] * arg_tree.num_leaves)
            continue
        for primal, c in zip(tree_util.tree_leaves(arg), arg_tree.flatten_up_to(ct)):
            if c is not None and aval_of(c).shape != aval_of(primal).shape:
                raise TypeError(f"custom_vjp {name!r}: bwd returned a cotangent of shape "
                                f"{aval_of(c).shape} for argument {i} of shape {aval_of(primal).shape}")
            leaves.append(c)
    return leaves


custom_vjp_call_p.jvp, custom_vjp_call_p.vjp = _call_jvp, _call_vjp


class custom_vjp:  # noqa: N801 - JAX's name
    """Wrap ``fun`` so that reverse mode uses ``fwd``/``bwd`` given to :meth:`defvjp`:
    ``fwd(*args) -> (out, residuals)`` and ``bwd(residuals, out_cotangent) -> tuple`` with
    one cotangent per argument."""

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.fun, self.fwd, self.bwd = fun, None, None

    def defvjp(self, fwd, bwd):
        """Set the forward (``fwd(*args) -> (out, residuals)``) and backward
        (``bwd(residuals, g) -> tuple of cotangents``) rules."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args):
        name = getattr(self.fun, "__name__", "fun")
        if self.fwd is None:
            raise TypeError(f"custom_vjp function {name!r} has no rule: call "
                            f"{name}.defvjp(fwd, bwd) before using it")
        if current_trace() is None:
            return self.fun(*args)
        leaves, in_tree = tree_util.tree_flatten(list(args))
        call_ir, out_tree, _ = trace_to_ir(self.fun, args, name="custom_vjp")
        if any(isinstance(c, Tracer) for c in call_ir.consts):
            raise TypeError(f"custom_vjp function {name!r} closes over a traced value; pass it "
                            "as an argument instead, so that its cotangent is defined")
        outs = bind(custom_vjp_call_p, *leaves, call_ir=call_ir, fwd=self.fwd, bwd=self.bwd,
                    in_tree=tree_util.tree_structure(args), out_tree=out_tree, name=name)
        return tree_util.tree_unflatten(out_tree, outs)


def _call_batch(args, dims, size, *, call_ir, fwd, bwd, in_tree, out_tree, name):
    """A batched custom_vjp call is a custom_vjp call of the vmapped function, whose
    rules are the vmapped ``fwd`` and ``bwd`` (cotangents of unbatched arguments are
    summed over the batch)."""
    args = [a if d is None else move_axis(a, d, 0) for a, d in zip(args, dims)]
    axes = [None if d is None else 0 for d in dims]
    axis_name = current_batching_axis()[0]  # the vmaps below batch the same (named) axis
    in_axes = tuple(tree_util.tree_unflatten(in_tree, axes))

    def fun(*a):
        return tree_util.tree_unflatten(out_tree, eval_ir(call_ir, tree_util.tree_leaves(a)))

    def batched_bwd(residuals, g):
        cts = vmap(bwd, in_axes=(0, 0), axis_name=axis_name)(residuals, g)
        summed = []
        for ct, arg_axes in zip(cts, in_axes):
            summed.append(tree_util.tree_map(
                lambda c, ax: c if ax == 0 else c.sum(axis=0), ct,
                tree_util.tree_unflatten(tree_util.tree_structure(ct), tree_util.tree_leaves(
                    arg_axes, is_leaf=lambda x: x is None)))
                if ct is not None else None)
        return tuple(summed)

    batched = custom_vjp(vmap(fun, in_axes=in_axes, axis_size=size, axis_name=axis_name))
    batched.fun.__name__ = name
    batched.defvjp(vmap(fwd, in_axes=in_axes, axis_size=size, axis_name=axis_name), batched_bwd)
    outs = tree_util.tree_leaves(batched(*tree_util.tree_unflatten(in_tree, args)))
    return outs, [0] * len(outs)


custom_vjp_call_p.batch = _call_batch
custom_vjp_call_p.lower = Absent("inlined into the program before code generation")
