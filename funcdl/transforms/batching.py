"""``vmap``: vectorizing a function by rewriting its IR with batching rules.

The function is traced once at the per-example shapes; the IR is then evaluated with
every value carrying a batch dimension (an axis index, or ``None`` when unbatched).
Each primitive's ``batch(args, dims, **params) -> (outs, out_dims)`` rule (declared in its
definition block, ``funcdl/primitives``) moves batch dimensions instead of looping: a batched matmul becomes
one contraction, a batched convolution folds the batch into its batch or channel axis.
"""
import numpy as np

from .. import primitives as P
from .. import tree_util
from ..core import (_UNKNOWN, Literal, Trace, aval_of, batching_axis, bind_axis_name, check_arguments,
                    current_batching_axis, eqn_axis_names, is_weak_scalar)
from ..primitives.rules import move_axis, to_front


def batch_eval(ir, args, dims, size):
    """Evaluate ``ir`` on ``args`` whose batch dimensions are ``dims`` (None: unbatched).

    Returns ``(outs, out_dims)``. Under a named vmap (see :func:`vmap`), an equation that
    refers to its axis name (a collective, or a call whose program holds one) is batched
    even when none of its operands is: ``psum`` of an unbatched value is ``size * x``."""
    name = current_batching_axis()[0]
    env = dict(zip(ir.const_vars, [(c, None) for c in ir.consts]))
    env.update(zip(ir.in_vars, zip(args, dims)))

    def read(a):
        return (a.val, None) if isinstance(a, Literal) else env[a]

    for eqn in ir.eqns:
        vals, ds = zip(*[read(a) for a in eqn.inputs]) if eqn.inputs else ((), ())
        if all(d is None for d in ds) and (name is None or name not in eqn_axis_names(eqn)):
            outs = eqn.prim.bind(*vals, **eqn.params)
            out_dims = [None] * len(eqn.outputs) if eqn.prim.multiple_results else None
        else:
            if all(d is None for d in ds) and vals and not eqn.prim.collective:
                # a call whose program uses this axis name: batch it along a broadcast operand
                vals, ds = (to_front(vals[0], None, size),) + vals[1:], (0,) + ds[1:]
            outs, out_dims = eqn.prim.batch(list(vals), list(ds), size, **eqn.params)
        if eqn.prim.multiple_results:
            env.update(zip(eqn.outputs, zip(outs, out_dims)))
        else:
            env[eqn.outputs[0]] = (outs, out_dims)
    results = [read(a) for a in ir.out_vars]
    return [r[0] for r in results], [r[1] for r in results]


def _broadcast_prefix(prefix, tree, name):
    """``prefix`` (an int/None or a pytree prefix of ``tree``) expanded to one value per leaf."""
    if prefix is None or isinstance(prefix, int):
        return [prefix] * len(tree_util.tree_leaves(tree))
    try:
        subtrees = tree_util.tree_structure(prefix, is_leaf=lambda x: x is None).flatten_up_to(tree)
    except ValueError as e:
        raise ValueError(f"vmap: {name} must be an int, None, or a pytree prefix of the "
                         f"arguments; {e}") from None
    flat_prefix = tree_util.tree_leaves(prefix, is_leaf=lambda x: x is None)
    out = []
    for axis, sub in zip(flat_prefix, subtrees):
        out.extend([axis] * len(tree_util.tree_leaves(sub)))
    return out


def _normalize_axis(axis, ndim, what):
    if axis is None:
        return None
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"vmap: {what} must be ints or None, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"vmap: {what} {axis} is out of range for an argument of rank {ndim}")
    return int(axis) % ndim


def vmap(fun, in_axes=0, out_axes=0, axis_size=None, axis_name=None):
    """Map ``fun`` over an axis of its arguments, as if in a loop, but vectorized.

    ``in_axes``: an int, None (not mapped), or a pytree prefix of the argument tuple;
    ``out_axes`` likewise for the outputs. ``axis_size`` is needed only when no argument
    is mapped. ``axis_name`` (any hashable, usually a str) names the mapped axis inside
    ``fun``, for the collectives of :mod:`funcdl.lax` (``psum``, ``pmean``, ``pmax``,
    ``pmin``, ``all_gather``, ``axis_index``); an inner vmap's name shadows an equal outer one.

    >>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
    >>> fd.vmap(lambda w, x: x @ w, in_axes=(None, 0))(np.ones((3, 2)), np.ones((5, 3))).shape
    (5, 2)
    >>> fd.vmap(lambda x: x / fd.lax.psum(x, "i"), axis_name="i")(np.array([1.0, 3.0]))
    array([0.25, 0.75])
    """
    if axis_name is not None:
        try:
            hash(axis_name)
        except TypeError:
            raise TypeError(f"vmap: axis_name must be hashable (a str), got {axis_name!r}") from None
        if isinstance(axis_name, tuple):
            raise TypeError(f"vmap: axis_name must be one name, got the tuple {axis_name!r}")

    def batched(*args):
        check_arguments("vmap", args)
        if isinstance(in_axes, list):
            axes_spec = tuple(in_axes)
        else:
            axes_spec = in_axes
        if isinstance(axes_spec, tuple) and len(axes_spec) != len(args):
            raise ValueError(f"vmap: in_axes has {len(axes_spec)} entries for {len(args)} arguments")
        leaves, in_tree = tree_util.tree_flatten(list(args))
        flat_axes = _broadcast_prefix(list(axes_spec) if isinstance(axes_spec, tuple) else axes_spec,
                                      list(args), "in_axes")
        weak = [is_weak_scalar(x) for x in leaves]  # Python scalars keep promoting weakly
        leaves = [x if hasattr(x, "aval") or isinstance(x, np.ndarray) else np.asarray(x) for x in leaves]
        dims = [_normalize_axis(a, len(np.shape(x)) if not hasattr(x, "aval") else x.aval.ndim, "in_axes")
                for a, x in zip(flat_axes, leaves)]
        size = _batch_size(leaves, dims, flat_axes, axis_size, in_tree)
        per_example = [(*_unbatched_aval_value(x, d), w) for x, d, w in zip(leaves, dims, weak)]
        info = {}

        def flat_fun(*flat_args):
            out = fun(*tree_util.tree_unflatten(in_tree, list(flat_args)))
            out_leaves, info["out_tree"] = tree_util.tree_flatten(out)
            return out_leaves

        with bind_axis_name(axis_name, size):
            ir, _, _ = _trace_per_example(flat_fun, per_example)
            with batching_axis(axis_name, size):
                outs, out_dims = batch_eval(ir, leaves, dims, size)
        out_tree = info["out_tree"]
        flat_out_axes = _broadcast_prefix(out_axes, tree_util.tree_unflatten(out_tree, outs), "out_axes")
        results = []
        for x, d, target in zip(outs, out_dims, flat_out_axes):
            results.append(_place_batch_dim(x, d, target, size))
        return tree_util.tree_unflatten(out_tree, results)

    batched.__name__ = f"vmap({getattr(fun, '__name__', 'fun')})"
    return batched


def _batch_size(leaves, dims, flat_axes, axis_size, in_tree):
    sizes = {}
    for i, (x, d) in enumerate(zip(leaves, dims)):
        if d is not None:
            sizes.setdefault(int(np.shape(x)[d] if not hasattr(x, "aval") else x.aval.shape[d]), []).append(i)
    if len(sizes) > 1:
        detail = "; ".join(f"size {s} for argument leaves {idx}" for s, idx in sizes.items())
        raise ValueError(f"vmap: mapped axes must all have the same size, got {detail} "
                         f"(arguments {in_tree})")
    if sizes:
        size = next(iter(sizes))
        if axis_size is not None and axis_size != size:
            raise ValueError(f"vmap: axis_size={axis_size} but the mapped axes have size {size}")
        return size
    if axis_size is None:
        raise ValueError("vmap: no argument is mapped (all in_axes are None); pass axis_size")
    return int(axis_size)


def _unbatched_aval_value(x, d):
    """(aval of one example, its concrete value when the argument is not batched)."""
    aval = aval_of(x)
    if d is None:
        return aval, x
    shape = aval.shape[:d] + aval.shape[d + 1:]
    return type(aval)(shape, aval.dtype), _UNKNOWN


def _trace_per_example(flat_fun, per_example):
    with Trace(concrete=True) as trace:
        tracers = [trace.new_arg(aval, value, weak) for aval, value, weak in per_example]
        outs = flat_fun(*tracers)
        for x in outs:
            if not isinstance(x, (np.ndarray, np.generic, int, float, bool)) and not hasattr(x, "aval"):
                raise TypeError(f"vmap: the function must return arrays, got {type(x).__name__}")
        ir = trace.to_ir(outs)
    return ir, None, trace


def _place_batch_dim(x, d, target, size):
    if target is None:
        if d is not None:
            raise ValueError("vmap: out_axes=None for an output that depends on the mapped "
                             "axis (only outputs that are the same for every example can be unmapped)")
        return x
    if d is None:  # the same for every example: broadcast along the new axis
        x = x if hasattr(x, "aval") or isinstance(x, np.ndarray) else np.asarray(x)
        shape = tuple(np.shape(x)) if not hasattr(x, "aval") else x.aval.shape
        x = P.broadcast_to(P.reshape(x, (1,) + shape), (size,) + shape)
        d = 0
    ndim = x.aval.ndim if hasattr(x, "aval") else np.ndim(x)
    target = _normalize_axis(target, ndim, "out_axes")
    return move_axis(x, d, target)
