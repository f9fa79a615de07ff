"""``funcdl.optim``: stateless optimizers with optax's semantics.

An optimizer is a :class:`GradientTransformation`, a pair of pure functions::

    state = opt.init(params)
    updates, state = opt.update(grads, state, params)   # params: needed for weight decay
    params = optim.apply_updates(params, updates)      # params + updates

States are pytrees of arrays (NamedTuples; step counters are int32 arrays), so a whole
training step, optimizer included, compiles with ``fd.jit``. Optimizers (``sgd``,
``adam``...) are ``chain``s of small transformations (``scale_by_adam``, ``trace``,
``add_decayed_weights``, ``scale_by_learning_rate``...), and ``learning_rate`` is a float
or a schedule ``step -> lr`` evaluated at the number of updates made so far.

>>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
>>> from funcdl import optim
>>> loss = lambda p: fnp.sum((p['w'] - 3.0) ** 2)
>>> params = {'w': np.zeros(2)}
>>> opt = optim.adam(0.1)
>>> state = opt.init(params)
>>> for _ in range(300):
...     updates, state = opt.update(fd.grad(loss)(params), state, params)
...     params = optim.apply_updates(params, updates)
>>> np.round(params['w'], 3)
array([3., 3.])
"""
from typing import Any

from ._alias import adadelta, adagrad, adam, adamw, nadam, rmsprop, sgd
from ._base import (EmptyState, GradientTransformation, MaskedState, apply_updates, chain,
                    global_norm, identity, masked, safe_increment, zero_count)
from ._inject import InjectHyperparamsState, inject_hyperparams
from ._losses import (convex_kl_divergence, cosine_distance, cosine_similarity, hinge_loss,
                      huber_loss, kl_divergence, l2_loss, log_cosh, poly_loss_cross_entropy,
                      sigmoid_binary_cross_entropy, sigmoid_focal_loss, smooth_labels,
                      softmax_cross_entropy, softmax_cross_entropy_with_integer_labels,
                      squared_error)
from ._schedules import (constant_schedule, cosine_decay_schedule, exponential_decay,
                         join_schedules, linear_schedule, piecewise_constant_schedule,
                         polynomial_schedule, warmup_cosine_decay_schedule)
from ._transforms import (ScaleByAdaDeltaState, ScaleByAdamState, ScaleByRmsState,
                          ScaleByRssState, ScaleByRStdDevState, ScaleByScheduleState, TraceState,
                          add_decayed_weights, clip, clip_by_global_norm, scale,
                          scale_by_adadelta, scale_by_adam, scale_by_learning_rate, scale_by_rms,
                          scale_by_rss, scale_by_schedule, scale_by_stddev, trace)

__all__ = [
    # the abstraction
    "GradientTransformation", "EmptyState", "MaskedState", "apply_updates", "chain", "identity",
    "masked", "global_norm", "safe_increment", "zero_count",
    # optimizers
    "sgd", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "nadam",
    # building blocks
    "scale", "scale_by_schedule", "scale_by_learning_rate", "trace", "add_decayed_weights",
    "clip", "clip_by_global_norm", "scale_by_adam", "scale_by_rms", "scale_by_stddev",
    "scale_by_rss", "scale_by_adadelta",
    "ScaleByAdamState", "ScaleByRmsState", "ScaleByRStdDevState", "ScaleByRssState",
    "ScaleByAdaDeltaState", "ScaleByScheduleState", "TraceState",
    # hyperparameters in the state
    "inject_hyperparams", "InjectHyperparamsState",
    # optax's losses (unreduced)
    "l2_loss", "squared_error", "huber_loss", "log_cosh", "sigmoid_binary_cross_entropy",
    "sigmoid_focal_loss", "softmax_cross_entropy", "softmax_cross_entropy_with_integer_labels",
    "poly_loss_cross_entropy", "hinge_loss", "cosine_similarity", "cosine_distance",
    "kl_divergence", "convex_kl_divergence", "smooth_labels",
    # type aliases
    "Params", "Updates", "OptState",
    # schedules
    "constant_schedule", "exponential_decay", "polynomial_schedule", "linear_schedule",
    "join_schedules", "cosine_decay_schedule", "warmup_cosine_decay_schedule",
    "piecewise_constant_schedule",
]

# optax's type aliases: parameters, updates and optimizer states are pytrees of arrays
Params = Updates = OptState = Any
