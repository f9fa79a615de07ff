"""Gradient transformations: the building blocks that the optimizers in ``_alias`` chain.

Notation: ``g`` is the incoming update (the gradient, for the first transformation of a
chain), ``p`` the parameter, ``t`` the step number counted from 1. All arithmetic is
leafwise and written with ``funcdl.numpy`` so it traces under ``jit``; hyperparameters are
Python floats (weak scalars), so float32 updates stay float32, or 0-d arrays (from
``inject_hyperparams``).
"""
from typing import Any, NamedTuple

import numpy as np

from .. import numpy as fnp
from ..core import Tracer
from ..tree_util import tree_map
from ._base import (EmptyState, GradientTransformation, global_norm, masked, safe_increment,
                    zero_count)


def hyperparameter(x, name):
    """A hyperparameter as a Python float (a weak scalar: it keeps the updates' dtype), or a
    0-d array as it is (``inject_hyperparams`` passes arrays, traced ones under ``jit``)."""
    if isinstance(x, (np.ndarray, Tracer)) and np.ndim(x) == 0 and x.dtype.kind == "f":
        return x
    try:
        return float(x)
    except TypeError:
        raise TypeError(f"{name} must be a number, got {type(x).__name__}") from None


def is_zero(x):
    """Whether a hyperparameter is the Python number 0 (arrays, possibly traced, never are:
    the transformation they parametrize stays in the chain)."""
    return isinstance(x, float) and x == 0.0


def _scalar_times(c, g):
    """``c * g`` with ``c`` cast to ``g``'s dtype (``c`` a Python float or any array)."""
    if type(c) is float:  # not np.float64, a float subclass but a strong dtype
        return c * g
    return fnp.asarray(c, dtype=fnp.asarray(g).dtype) * g


def _zeros_like_tree(params):
    return tree_map(fnp.zeros_like, params)


def _stateless(update_leaves):
    """A stateless transformation from ``update_leaves(updates, params) -> updates``."""
    def init(params):
        del params
        return EmptyState()

    def update(updates, state, params=None):
        return update_leaves(updates, params), state

    return GradientTransformation(init, update)


# -- scaling -----------------------------------------------------------------------------

def scale(step_size):
    """Multiply the updates by a constant: ``u = step_size * g``.

    >>> opt = scale(-0.1)
    >>> opt.update({'w': np.array([1.0, 2.0])}, opt.init(None))[0]
    {'w': array([-0.1, -0.2])}
    """
    step_size = step_size if not isinstance(step_size, (int, float, np.number)) else float(step_size)
    return _stateless(lambda updates, params: tree_map(lambda g: _scalar_times(step_size, g), updates))


class ScaleByScheduleState(NamedTuple):
    """The step counter of :func:`scale_by_schedule` (int32, 0 before the first update)."""
    count: Any


def scale_by_schedule(step_size_fn):
    """Multiply the updates by a scheduled factor: ``u = step_size_fn(t - 1) * g``.

    The schedule is called with the number of updates made so far (an int32 array, traced
    under ``jit``), so it must be written with ``funcdl.numpy`` operations.

    >>> opt = scale_by_schedule(lambda count: 1.0 / (count + 1))
    >>> state = opt.init({'w': np.zeros(1)})
    >>> u, state = opt.update({'w': np.array([1.0])}, state)
    >>> u, state = opt.update({'w': np.array([1.0])}, state)
    >>> u
    {'w': array([0.5])}
    """
    if not callable(step_size_fn):
        raise TypeError(f"scale_by_schedule: expected a function step -> step size, got "
                        f"{type(step_size_fn).__name__}; use scale() for a constant")

    def init(params):
        del params
        return ScaleByScheduleState(zero_count())

    def update(updates, state, params=None):
        del params
        step_size = step_size_fn(state.count)
        updates = tree_map(lambda g: _scalar_times(step_size, g), updates)
        return updates, ScaleByScheduleState(safe_increment(state.count))

    return GradientTransformation(init, update)


def scale_by_learning_rate(learning_rate, flip_sign=True):
    """Scale by ``-learning_rate`` (``+`` with ``flip_sign=False``); a float or a schedule.

    >>> opt = scale_by_learning_rate(0.1)
    >>> opt.update({'w': np.array([2.0])}, opt.init(None))[0]
    {'w': array([-0.2])}
    """
    sign = -1.0 if flip_sign else 1.0
    if callable(learning_rate):
        return scale_by_schedule(lambda count: sign * learning_rate(count))
    return scale(sign * hyperparameter(learning_rate, "learning_rate"))


# -- momentum and weight decay -------------------------------------------------------------

class TraceState(NamedTuple):
    """The momentum buffer of :func:`trace`."""
    trace: Any


def trace(decay, nesterov=False):
    """Momentum: ``v = decay * v + g``; ``u = v``, or ``u = g + decay * v`` with ``nesterov``.

    >>> opt = trace(0.5)
    >>> state = opt.init({'w': np.zeros(1)})
    >>> u, state = opt.update({'w': np.array([1.0])}, state)
    >>> u, state = opt.update({'w': np.array([1.0])}, state)
    >>> u
    {'w': array([1.5])}
    """
    decay = hyperparameter(decay, "decay")

    def init(params):
        return TraceState(_zeros_like_tree(params))

    def update(updates, state, params=None):
        del params
        new_trace = tree_map(lambda g, v: g + decay * v, updates, state.trace)
        if nesterov:
            updates = tree_map(lambda g, v: g + decay * v, updates, new_trace)
        else:
            updates = new_trace
        return updates, TraceState(new_trace)

    return GradientTransformation(init, update)


def _need_params(name, params):
    if params is None:
        raise ValueError(f"{name} needs the parameters: call opt.update(grads, state, params)")


def add_decayed_weights(weight_decay=0.0, mask=None):
    """Add decoupled weight decay: ``u = g + weight_decay * p``.

    ``mask`` (a pytree of booleans like the parameters, a prefix of it, or a function
    ``params -> mask``) limits the decay to the leaves where it is True.

    >>> opt = add_decayed_weights(0.1)
    >>> p = {'w': np.array([2.0])}
    >>> opt.update({'w': np.array([1.0])}, opt.init(p), p)[0]
    {'w': array([1.2])}
    """
    weight_decay = hyperparameter(weight_decay, "weight_decay")

    def decay(updates, params):
        _need_params("add_decayed_weights", params)
        return tree_map(lambda g, p: g + weight_decay * p, updates, params)

    t = _stateless(decay)
    return t if mask is None else masked(t, mask)


# -- clipping ------------------------------------------------------------------------------

def clip(max_delta):
    """Clip every update element into ``[-max_delta, max_delta]``.

    >>> opt = clip(1.0)
    >>> opt.update({'w': np.array([-3.0, 0.5, 2.0])}, opt.init(None))[0]
    {'w': array([-1. ,  0.5,  1. ])}
    """
    max_delta = hyperparameter(max_delta, "max_delta")
    return _stateless(lambda updates, params: tree_map(
        lambda g: fnp.clip(g, -max_delta, max_delta), updates))


def clip_by_global_norm(max_norm):
    """Rescale all updates together so their global norm is at most ``max_norm``:
    ``u = g`` if ``||g|| < max_norm`` else ``g / ||g|| * max_norm``, with ``||g||`` the
    Euclidean norm over every leaf (:func:`global_norm`).

    >>> opt = clip_by_global_norm(1.0)
    >>> opt.update({'a': np.array([3.0]), 'b': np.array([4.0])}, opt.init(None))[0]
    {'a': array([0.6]), 'b': array([0.8])}
    """
    max_norm = hyperparameter(max_norm, "max_norm")

    def clip_all(updates, params):
        norm = global_norm(updates)
        small = norm < max_norm

        def one(g):
            g = fnp.asarray(g)
            return fnp.where(small, g, g / fnp.asarray(norm, dtype=g.dtype) * max_norm)
        return tree_map(one, updates)

    return _stateless(clip_all)


# -- adaptive scalings -----------------------------------------------------------------------

def _ema(decay, moment, x):
    """``decay * moment + (1 - decay) * x``: an exponential moving average."""
    return (1.0 - decay) * x + decay * moment


def _debias(moment, decay, count):
    """``moment / (1 - decay**count)`` (Adam's bias correction), in the moment's dtype."""
    correction = 1.0 - fnp.power(decay, count)
    return tree_map(lambda m: m / fnp.asarray(correction, dtype=m.dtype), moment)


class ScaleByAdamState(NamedTuple):
    """Adam's state: the step ``count`` (int32) and the moments ``mu`` and ``nu``."""
    count: Any
    mu: Any
    nu: Any


def scale_by_adam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, nesterov=False):
    """Adam's scaling (Kingma & Ba, 2014), without the learning rate:

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g²``, ``m̂ = m / (1 - b1^t)``,
    ``v̂ = v / (1 - b2^t)``, ``u = m̂ / (sqrt(v̂ + eps_root) + eps)``. With ``nesterov``
    (NAdam, Dozat 2016): ``m̂ = b1 m / (1 - b1^(t+1)) + (1 - b1) g / (1 - b1^t)``.

    >>> opt = scale_by_adam()
    >>> u, _ = opt.update({'w': np.array([0.3, -2.0])}, opt.init({'w': np.zeros(2)}))
    >>> np.round(u['w'], 6)     # the first step is about sign(g)
    array([ 1., -1.])
    """
    b1, b2 = hyperparameter(b1, "b1"), hyperparameter(b2, "b2")
    eps, eps_root = hyperparameter(eps, "eps"), hyperparameter(eps_root, "eps_root")

    def init(params):
        return ScaleByAdamState(zero_count(), _zeros_like_tree(params), _zeros_like_tree(params))

    def update(updates, state, params=None):
        del params
        mu = tree_map(lambda g, m: _ema(b1, m, g), updates, state.mu)
        nu = tree_map(lambda g, v: _ema(b2, v, fnp.square(g)), updates, state.nu)
        count = safe_increment(state.count)
        if nesterov:
            mu_hat = tree_map(lambda m, g: b1 * m + (1.0 - b1) * g,
                              _debias(mu, b1, safe_increment(count)), _debias(updates, b1, count))
        else:
            mu_hat = _debias(mu, b1, count)
        nu_hat = _debias(nu, b2, count)
        updates = tree_map(lambda m, v: m / (fnp.sqrt(v + eps_root) + eps), mu_hat, nu_hat)
        return updates, ScaleByAdamState(count, mu, nu)

    return GradientTransformation(init, update)


class ScaleByRmsState(NamedTuple):
    """RMSProp's running mean of squared updates ``nu``."""
    nu: Any


def scale_by_rms(decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt=True):
    """RMSProp's scaling (Hinton, 2012): ``v = decay v + (1 - decay) g²`` (``v₀ =
    initial_scale``), ``u = g / sqrt(v + eps)`` (or ``g / (sqrt(v) + eps)`` when
    ``eps_in_sqrt=False``).

    >>> opt = scale_by_rms(decay=0.75, eps=0.0)
    >>> opt.update({'w': np.array([2.0])}, opt.init({'w': np.zeros(1)}))[0]
    {'w': array([2.])}
    """
    decay, eps, initial_scale = (hyperparameter(decay, "decay"), hyperparameter(eps, "eps"),
                                 hyperparameter(initial_scale, "initial_scale"))

    def init(params):
        return ScaleByRmsState(tree_map(lambda p: fnp.full_like(p, initial_scale), params))

    def update(updates, state, params=None):
        del params
        nu = tree_map(lambda g, v: _ema(decay, v, fnp.square(g)), updates, state.nu)
        if eps_in_sqrt:
            updates = tree_map(lambda g, v: g / fnp.sqrt(v + eps), updates, nu)
        else:
            updates = tree_map(lambda g, v: g / (fnp.sqrt(v) + eps), updates, nu)
        return updates, ScaleByRmsState(nu)

    return GradientTransformation(init, update)


class ScaleByRStdDevState(NamedTuple):
    """Centered RMSProp's running means of the updates ``mu`` and of their squares ``nu``."""
    mu: Any
    nu: Any


def scale_by_stddev(decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt=True):
    """Centered RMSProp's scaling (Graves, 2013): ``m = decay m + (1 - decay) g``,
    ``v = decay v + (1 - decay) g²``, ``u = g / sqrt(v - m² + eps)`` (or
    ``g / (sqrt(v - m²) + eps)`` when ``eps_in_sqrt=False``).

    >>> opt = scale_by_stddev(decay=0.5, eps=0.0)
    >>> opt.update({'w': np.array([2.0])}, opt.init({'w': np.zeros(1)}))[0]
    {'w': array([2.])}
    """
    decay, eps, initial_scale = (hyperparameter(decay, "decay"), hyperparameter(eps, "eps"),
                                 hyperparameter(initial_scale, "initial_scale"))

    def init(params):
        return ScaleByRStdDevState(_zeros_like_tree(params),
                                   tree_map(lambda p: fnp.full_like(p, initial_scale), params))

    def update(updates, state, params=None):
        del params
        mu = tree_map(lambda g, m: _ema(decay, m, g), updates, state.mu)
        nu = tree_map(lambda g, v: _ema(decay, v, fnp.square(g)), updates, state.nu)
        if eps_in_sqrt:
            updates = tree_map(lambda g, m, v: g / fnp.sqrt(v - fnp.square(m) + eps), updates, mu, nu)
        else:
            updates = tree_map(lambda g, m, v: g / (fnp.sqrt(v - fnp.square(m)) + eps),
                               updates, mu, nu)
        return updates, ScaleByRStdDevState(mu, nu)

    return GradientTransformation(init, update)


class ScaleByRssState(NamedTuple):
    """Adagrad's running sum of squared updates."""
    sum_of_squares: Any


def scale_by_rss(initial_accumulator_value=0.1, eps=1e-7):
    """Adagrad's scaling (Duchi et al., 2011): ``s = s + g²`` (``s₀ =
    initial_accumulator_value``), ``u = g / sqrt(s + eps)`` where ``s > 0``, else 0.

    >>> opt = scale_by_rss(initial_accumulator_value=0.0, eps=0.0)
    >>> opt.update({'w': np.array([-3.0, 0.0])}, opt.init({'w': np.zeros(2)}))[0]
    {'w': array([-1.,  0.])}
    """
    initial, eps = (hyperparameter(initial_accumulator_value, "initial_accumulator_value"),
                    hyperparameter(eps, "eps"))

    def init(params):
        return ScaleByRssState(tree_map(lambda p: fnp.full_like(p, initial), params))

    def update(updates, state, params=None):
        del params
        sos = tree_map(lambda g, s: s + fnp.square(g), updates, state.sum_of_squares)

        def one(g, s):
            # the inner where keeps the unused branch finite (no 0/0 when s == 0)
            return fnp.where(s > 0, g / fnp.sqrt(fnp.where(s > 0, s, 1.0) + eps), 0.0)
        return tree_map(one, updates, sos), ScaleByRssState(sos)

    return GradientTransformation(init, update)


class ScaleByAdaDeltaState(NamedTuple):
    """Adadelta's running means of squared updates ``e_g`` and squared steps ``e_x``."""
    e_g: Any
    e_x: Any


def scale_by_adadelta(rho=0.9, eps=1e-6):
    """Adadelta's scaling (Zeiler, 2012): ``E[g²] = rho E[g²] + (1 - rho) g²``,
    ``u = sqrt(E[Δx²] + eps) / sqrt(E[g²] + eps) * g``, then
    ``E[Δx²] = rho E[Δx²] + (1 - rho) u²``.

    >>> opt = scale_by_adadelta(rho=0.5, eps=2.0)   # sqrt(2) / sqrt(0.5 * 4 + 2) * 2
    >>> u, _ = opt.update({'w': np.array([2.0])}, opt.init({'w': np.zeros(1)}))
    >>> np.round(u['w'], 4)
    array([1.4142])
    """
    rho, eps = hyperparameter(rho, "rho"), hyperparameter(eps, "eps")

    def init(params):
        return ScaleByAdaDeltaState(_zeros_like_tree(params), _zeros_like_tree(params))

    def update(updates, state, params=None):
        del params
        e_g = tree_map(lambda g, e: _ema(rho, e, fnp.square(g)), updates, state.e_g)
        updates = tree_map(lambda g, eg, ex: fnp.sqrt(ex + eps) / fnp.sqrt(eg + eps) * g,
                           updates, e_g, state.e_x)
        e_x = tree_map(lambda u, e: _ema(rho, e, fnp.square(u)), updates, state.e_x)
        return updates, ScaleByAdaDeltaState(e_g, e_x)

    return GradientTransformation(init, update)
