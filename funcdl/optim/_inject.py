"""``inject_hyperparams``: an optimizer whose numeric hyperparameters live in its state, so
that they can be read, changed between steps, scheduled, or differentiated (meta-learning).

>>> import numpy as np
>>> from funcdl import optim
>>> opt = optim.inject_hyperparams(optim.sgd)(learning_rate=0.1)
>>> state = opt.init({'w': np.zeros(1, np.float32)})
>>> state.hyperparams['learning_rate'] = np.float32(0.5)
>>> opt.update({'w': np.ones(1, np.float32)}, state)[0]
{'w': array([-0.5], dtype=float32)}
"""
import functools
import inspect
from typing import Any, NamedTuple

import numpy as np

from .. import numpy as fnp
from ..core import Tracer
from ._base import GradientTransformation, safe_increment, zero_count


class InjectHyperparamsState(NamedTuple):
    """``count`` (int32 steps so far), ``hyperparams`` (a dict of 0-d arrays: the values the
    last update used, or the initial ones) and the inner optimizer's state."""
    count: Any
    hyperparams: Any
    inner_state: Any


def _is_numeric(value):
    if isinstance(value, (bool, str)) or value is None:
        return False
    return isinstance(value, (int, float, np.number, Tracer)) or (
        isinstance(value, np.ndarray) and value.ndim == 0)


def _as_hyperparam(value, dtype):
    """A 0-d array: Python numbers and float arrays in ``dtype`` (float32 unless given, as
    JAX without x64); integer arrays as they are."""
    array = fnp.asarray(value)
    if isinstance(value, (int, float)) or array.dtype.kind == "f":
        return array.astype(np.float32 if dtype is None else dtype)
    return array


def inject_hyperparams(inner_factory, static_args=(), hyperparam_dtype=None):
    """Wrap an optimizer factory (``optim.adam``...) so that its numeric hyperparameters are
    held in the state (``state.hyperparams``) and its schedules are evaluated at the state's
    step count; other arguments (strings, booleans, ``static_args``) stay fixed.

    Returns a factory with ``inner_factory``'s signature.

    >>> from funcdl import optim
    >>> opt = optim.inject_hyperparams(optim.adam)(learning_rate=lambda step: 0.1 / (1 + step))
    >>> float(opt.update({'w': np.ones(1)}, opt.init({'w': np.zeros(1)}))[1].hyperparams['learning_rate'])
    0.10000000149011612
    """
    static_args = {static_args} if isinstance(static_args, str) else set(static_args)
    signature = inspect.signature(inner_factory)

    @functools.wraps(inner_factory)
    def wrapped_factory(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        schedules, numeric, other = {}, {}, {}
        for name, value in bound.arguments.items():
            if name in static_args or not (callable(value) or _is_numeric(value)):
                other[name] = value
            elif callable(value):
                schedules[name] = value
            else:
                numeric[name] = value

        def hyperparams_at(count, stored):
            values = {name: _as_hyperparam(v, hyperparam_dtype) for name, v in stored.items()}
            values.update({name: _as_hyperparam(f(count), hyperparam_dtype) for name, f in schedules.items()})
            return values

        def init(params):
            count = zero_count()
            hyperparams = hyperparams_at(count, numeric)
            inner = inner_factory(**other, **hyperparams)
            return InjectHyperparamsState(count, hyperparams, inner.init(params))

        def update(updates, state, params=None):
            numeric_now = {k: v for k, v in state.hyperparams.items() if k not in schedules}
            hyperparams = hyperparams_at(state.count, numeric_now)
            inner = inner_factory(**other, **hyperparams)
            updates, inner_state = inner.update(updates, state.inner_state, params)
            return updates, InjectHyperparamsState(safe_increment(state.count), hyperparams, inner_state)

        return GradientTransformation(init, update)
    return wrapped_factory
