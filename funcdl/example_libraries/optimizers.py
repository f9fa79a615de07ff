"""``jax.example_libraries.optimizers`` on funcdl: the ``(init, update, get_params)`` triple.

An optimizer is built from three functions of one array (``init(x0) -> state``,
``update(i, g, state) -> state``, ``get_params(state) -> x``); :func:`optimizer` lifts them
to pytrees of parameters. The state is a pytree (:class:`OptimizerState`), so
``opt_update`` runs inside ``fd.jit`` with a traced step ``i``. ``step_size`` is a float
or a schedule ``i -> step size`` (:func:`make_schedule`).

>>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
>>> from funcdl.example_libraries import optimizers
>>> opt_init, opt_update, get_params = optimizers.adam(0.1)
>>> state = opt_init({'w': np.zeros(2, np.float32)})
>>> loss = lambda p: fnp.sum((p['w'] - 3.0) ** 2)
>>> for i in range(200):
...     state = opt_update(i, fd.grad(loss)(get_params(state)), state)
>>> np.round(get_params(state)['w'], 2)
array([3., 3.], dtype=float32)
"""
import functools
from typing import Any, Callable, NamedTuple

import numpy as np

from .. import numpy as fnp
from ..tree_util import register_pytree_node, tree_flatten, tree_leaves, tree_map, tree_unflatten

__all__ = ["Optimizer", "OptimizerState", "JoinPoint", "optimizer", "make_schedule",
           "constant", "exponential_decay", "inverse_time_decay", "polynomial_decay",
           "piecewise_constant", "sgd", "momentum", "nesterov", "adagrad", "rmsprop",
           "rmsprop_momentum", "adam", "adamax", "sm3", "l2_norm", "clip_grads",
           "unpack_optimizer_state", "pack_optimizer_state"]


class Optimizer(NamedTuple):
    """What an optimizer factory returns; unpacks as ``opt_init, opt_update, get_params``."""
    init_fn: Callable
    update_fn: Callable
    params_fn: Callable


class OptimizerState(NamedTuple):
    """The state of a tree optimizer: each parameter leaf's state, flattened
    (``packed_state``), with the parameters' structure and each leaf state's structure.
    A pytree whose leaves are the state arrays."""
    packed_state: Any
    tree_def: Any
    subtree_defs: Any


register_pytree_node(
    OptimizerState,
    lambda s: ((s.packed_state,), (s.tree_def, s.subtree_defs)),
    lambda aux, children: OptimizerState(children[0], *aux))


def optimizer(opt_maker):
    """Lift an optimizer over single arrays to one over pytrees of arrays.

    ``opt_maker(*args) -> (init, update, get_params)``, each on one array (the state of
    one array may be any pytree). The result takes the same arguments and returns an
    :class:`Optimizer` over pytrees.

    >>> @optimizer
    ... def halve():
    ...     return (lambda x: x), (lambda i, g, x: x / 2), (lambda x: x)
    >>> init, update, get = halve()
    >>> get(update(0, [0, 0], init([np.ones(1), 4.0])))
    [array([0.5]), 2.0]
    """
    @functools.wraps(opt_maker)
    def tree_opt_maker(*args, **kwargs):
        init, update, get_params = opt_maker(*args, **kwargs)

        def tree_init(x0_tree):
            x0_flat, tree = tree_flatten(x0_tree)
            packed, subtrees = _flatten_each([init(x0) for x0 in x0_flat])
            return OptimizerState(packed, tree, subtrees)

        def tree_update(i, grad_tree, opt_state):
            packed, tree, subtrees = opt_state
            grads = _grads_like(grad_tree, tree)
            states = [tree_unflatten(s, leaves) for s, leaves in zip(subtrees, packed)]
            new_packed, new_subtrees = _flatten_each(
                [update(i, g, state) for g, state in zip(grads, states)])
            if new_subtrees != subtrees:
                raise TypeError(f"{opt_maker.__name__}: update changed the structure of a "
                                f"parameter's state (from {subtrees} to {new_subtrees})")
            return OptimizerState(new_packed, tree, subtrees)

        def tree_get_params(opt_state):
            packed, tree, subtrees = opt_state
            return tree_unflatten(tree, [get_params(tree_unflatten(s, leaves))
                                         for s, leaves in zip(subtrees, packed)])

        return Optimizer(tree_init, tree_update, tree_get_params)
    return tree_opt_maker


def _flatten_each(states):
    flat = [tree_flatten(s) for s in states]
    return [leaves for leaves, _ in flat], tuple(tree for _, tree in flat)


def _grads_like(grad_tree, tree):
    """The gradient's leaves, after checking that it has the parameters' structure."""
    grads, grad_def = tree_flatten(grad_tree)
    if grad_def != tree:
        raise TypeError(f"opt_update: the gradient's structure {grad_def} differs from the "
                        f"parameters' {tree}")
    return grads


# -- schedules ----------------------------------------------------------------------------


def constant(step_size):
    """``schedule(i) = step_size``.

    >>> constant(0.1)(7)
    0.1
    """
    return lambda i: step_size


def exponential_decay(step_size, decay_steps, decay_rate):
    """``schedule(i) = step_size * decay_rate ** (i / decay_steps)``.

    >>> float(exponential_decay(1.0, 10, 0.5)(20))
    0.25
    """
    return lambda i: step_size * decay_rate ** (i / decay_steps)


def inverse_time_decay(step_size, decay_steps, decay_rate, staircase=False):
    """``schedule(i) = step_size / (1 + decay_rate * i / decay_steps)`` (``i / decay_steps``
    floored when ``staircase``).

    >>> float(inverse_time_decay(1.0, 10, 1.0, staircase=True)(19))
    0.5
    """
    if staircase:
        return lambda i: step_size / (1 + decay_rate * fnp.floor(i / decay_steps))
    return lambda i: step_size / (1 + decay_rate * i / decay_steps)


def polynomial_decay(step_size, decay_steps, final_step_size, power=1.0):
    """From ``step_size`` to ``final_step_size`` over ``decay_steps`` steps along
    ``(1 - i / decay_steps) ** power``; ``final_step_size`` after that.

    >>> float(polynomial_decay(1.0, 10, 0.0)(5)), float(polynomial_decay(1.0, 10, 0.0)(50))
    (0.5, 0.0)
    """
    def schedule(i):
        fraction = 1 - fnp.minimum(i, decay_steps) / decay_steps
        return fraction ** power * (step_size - final_step_size) + final_step_size
    return schedule


def piecewise_constant(boundaries, values):
    """``values[k]`` for ``boundaries[k-1] < i <= boundaries[k]`` (one more value than
    boundaries).

    >>> s = piecewise_constant([10, 20], [1.0, 0.5, 0.1])
    >>> float(s(10)), float(s(11)), float(s(25))
    (1.0, 0.5, 0.1)
    """
    boundaries, values = np.asarray(boundaries), np.asarray(values)
    if values.shape[0] != boundaries.shape[0] + 1:
        raise ValueError(f"piecewise_constant: needs one more value than boundaries, got "
                         f"{values.shape[0]} values and {boundaries.shape[0]} boundaries")
    return lambda i: fnp.take(values, fnp.sum(fnp.greater(i, boundaries)))


def make_schedule(scalar_or_schedule):
    """A schedule from a schedule (returned as is) or a number (a constant schedule).

    >>> make_schedule(0.1)(3)
    0.1
    """
    if callable(scalar_or_schedule):
        return scalar_or_schedule
    if np.ndim(scalar_or_schedule) == 0 and np.asarray(scalar_or_schedule).dtype.kind in "fiu":
        return constant(scalar_or_schedule)
    raise TypeError(f"make_schedule: expected a number or a callable, got "
                    f"{type(scalar_or_schedule).__name__}")


# -- optimizers ---------------------------------------------------------------------------


def _step(step_size, i, x):
    """The step size at step ``i`` in the dtype of the parameter ``x`` (a schedule of a traced
    int32 step computes in float64 under numpy's promotion; parameters keep their dtype)."""
    return fnp.asarray(step_size(i), x.dtype)


def _bias_power(decay, i, like):
    """``decay ** (i + 1)`` in the dtype of ``like`` (the number of steps taken, as a float)."""
    return decay ** fnp.asarray(i + 1, like.dtype)


@optimizer
def sgd(step_size):
    """Plain gradient descent: ``x -= step_size(i) * g``."""
    step_size = make_schedule(step_size)
    return (lambda x0: x0,
            lambda i, g, x: x - _step(step_size, i, x) * g,
            lambda x: x)


@optimizer
def momentum(step_size, mass):
    """Heavy-ball momentum: ``v = mass * v + g; x -= step_size(i) * v``."""
    step_size = make_schedule(step_size)

    def update(i, g, state):
        x, velocity = state
        velocity = mass * velocity + g
        return x - _step(step_size, i, x) * velocity, velocity
    return (lambda x0: (x0, fnp.zeros_like(x0)), update, lambda state: state[0])


@optimizer
def nesterov(step_size, mass):
    """Nesterov momentum: ``v = mass * v + g; x -= step_size(i) * (mass * v + g)``."""
    step_size = make_schedule(step_size)

    def update(i, g, state):
        x, velocity = state
        velocity = mass * velocity + g
        return x - _step(step_size, i, x) * (mass * velocity + g), velocity
    return (lambda x0: (x0, fnp.zeros_like(x0)), update, lambda state: state[0])


def _inverse_sqrt(accumulated):
    """``1 / sqrt(a)`` where ``a > 0``, else 0."""
    positive = accumulated > 0
    return fnp.where(positive, 1.0 / fnp.sqrt(fnp.where(positive, accumulated, 1.0)), 0.0)


@optimizer
def adagrad(step_size, momentum=0.9):
    """Adagrad with momentum on the scaled gradient: ``G += g²;
    m = (1 - momentum) * g / sqrt(G) + momentum * m; x -= step_size(i) * m``."""
    step_size = make_schedule(step_size)

    def update(i, g, state):
        x, g_sq, m = state
        g_sq = g_sq + fnp.square(g)
        m = (1.0 - momentum) * (g * _inverse_sqrt(g_sq)) + momentum * m
        return x - _step(step_size, i, x) * m, g_sq, m
    return (lambda x0: (x0, fnp.zeros_like(x0), fnp.zeros_like(x0)), update,
            lambda state: state[0])


@optimizer
def rmsprop(step_size, gamma=0.9, eps=1e-8):
    """RMSProp: ``s = gamma * s + (1 - gamma) * g²; x -= step_size(i) * g / sqrt(s + eps)``."""
    step_size = make_schedule(step_size)

    def update(i, g, state):
        x, avg_sq_grad = state
        avg_sq_grad = avg_sq_grad * gamma + fnp.square(g) * (1.0 - gamma)
        return x - _step(step_size, i, x) * g / fnp.sqrt(avg_sq_grad + eps), avg_sq_grad
    return (lambda x0: (x0, fnp.zeros_like(x0)), update, lambda state: state[0])


@optimizer
def rmsprop_momentum(step_size, gamma=0.9, eps=1e-8, momentum=0.9):
    """RMSProp whose scaled steps accumulate in a momentum buffer:
    ``m = momentum * m + step_size(i) * g / sqrt(s + eps); x -= m``."""
    step_size = make_schedule(step_size)

    def update(i, g, state):
        x, avg_sq_grad, mom = state
        avg_sq_grad = avg_sq_grad * gamma + fnp.square(g) * (1.0 - gamma)
        mom = momentum * mom + _step(step_size, i, x) * g / fnp.sqrt(avg_sq_grad + eps)
        return x - mom, avg_sq_grad, mom
    return (lambda x0: (x0, fnp.zeros_like(x0), fnp.zeros_like(x0)), update,
            lambda state: state[0])


@optimizer
def adam(step_size, b1=0.9, b2=0.999, eps=1e-8):
    """Adam: bias-corrected moments, ``x -= step_size(i) * m̂ / (sqrt(v̂) + eps)``."""
    step_size = make_schedule(step_size)

    def update(i, g, state):
        x, m, v = state
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * fnp.square(g) + b2 * v
        m_hat = m / (1 - _bias_power(b1, i, m))
        v_hat = v / (1 - _bias_power(b2, i, m))
        return x - _step(step_size, i, x) * m_hat / (fnp.sqrt(v_hat) + eps), m, v
    return (lambda x0: (x0, fnp.zeros_like(x0), fnp.zeros_like(x0)), update,
            lambda state: state[0])


@optimizer
def adamax(step_size, b1=0.9, b2=0.999, eps=1e-8):
    """Adamax: Adam with the infinity norm, ``u = max(b2 * u, |g|)``."""
    step_size = make_schedule(step_size)

    def update(i, g, state):
        x, m, u = state
        m = (1 - b1) * g + b1 * m
        u = fnp.maximum(b2 * u, fnp.abs(g))
        return x - (_step(step_size, i, x) / (1 - _bias_power(b1, i, m))) * m / (u + eps), m, u
    return (lambda x0: (x0, fnp.zeros_like(x0), fnp.zeros_like(x0)), update,
            lambda state: state[0])


@optimizer
def sm3(step_size, momentum=0.9):
    """SM3 (memory-efficient adaptive steps): one accumulator per axis of each parameter;
    a coordinate's accumulator is the minimum over the axes' accumulators plus ``g²``."""
    step_size = make_schedule(step_size)

    def init(x0):
        x0 = fnp.asarray(x0)
        return x0, fnp.zeros_like(x0), [fnp.zeros(n, x0.dtype) for n in fnp.atleast_1d(x0).shape]

    def update(i, g, state):
        x, m, accumulators = state
        g1 = fnp.atleast_1d(g)
        along = [_along_axis(a, axis, g1.ndim) for axis, a in enumerate(accumulators)]
        accumulated = functools.reduce(fnp.minimum, along) + fnp.square(g1)
        m = (1.0 - momentum) * fnp.reshape(g1 * _inverse_sqrt(accumulated), x.shape) + momentum * m
        accumulators = [fnp.max(accumulated, axis=tuple(a for a in range(g1.ndim) if a != axis))
                        for axis in range(g1.ndim)]
        return x - _step(step_size, i, x) * m, m, accumulators
    return init, update, lambda state: state[0]


def _along_axis(v, axis, ndim):
    """A vector ``v`` shaped to broadcast along ``axis`` of an ``ndim``-d array."""
    return fnp.reshape(v, tuple(-1 if a == axis else 1 for a in range(ndim)))


# -- utilities ----------------------------------------------------------------------------


def l2_norm(tree):
    """The Euclidean norm of all the leaves of ``tree`` together.

    >>> float(l2_norm([np.array([3.0]), np.array(4.0)]))
    5.0
    """
    leaves = tree_leaves(tree)
    return fnp.sqrt(sum(fnp.sum(fnp.square(x)) for x in leaves))


def clip_grads(grad_tree, max_norm):
    """``grad_tree`` rescaled to norm ``max_norm`` when its :func:`l2_norm` is larger.

    >>> clip_grads([np.array([3.0, 4.0])], 1.0)
    [array([0.6, 0.8])]
    """
    norm = l2_norm(grad_tree)
    return tree_map(lambda g: fnp.where(norm < max_norm, g, g * (max_norm / norm)), grad_tree)


class JoinPoint:
    """A marker leaf of :func:`unpack_optimizer_state`: one parameter's state subtree."""

    def __init__(self, subtree):
        self.subtree = subtree

    def __iter__(self):
        return iter((self.subtree,))

    def __repr__(self):
        return f"JoinPoint({self.subtree!r})"


def unpack_optimizer_state(opt_state):
    """The state as a pytree of the parameters' structure whose leaves are
    :class:`JoinPoint`\\ s holding each parameter's state (for saving it).

    >>> init, _, get = sgd(0.1)
    >>> pack_optimizer_state(unpack_optimizer_state(init({'a': 1.0}))).tree_def
    PyTreeDef({'a': *})
    """
    packed, tree, subtrees = opt_state
    states = [JoinPoint(tree_unflatten(s, leaves)) for s, leaves in zip(subtrees, packed)]
    return tree_unflatten(tree, states)


def pack_optimizer_state(marked_pytree):
    """The inverse of :func:`unpack_optimizer_state`."""
    states, tree = tree_flatten(marked_pytree, is_leaf=lambda x: isinstance(x, JoinPoint))
    if not all(isinstance(s, JoinPoint) for s in states):
        raise TypeError("pack_optimizer_state: expected a pytree whose leaves are the JoinPoints "
                        "of unpack_optimizer_state")
    packed, subtrees = _flatten_each([s.subtree for s in states])
    return OptimizerState(packed, tree, subtrees)
