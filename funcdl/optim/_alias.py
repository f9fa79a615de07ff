"""The optimizers: chains of the transformations in ``_transforms``.

``learning_rate`` is a float or a schedule ``step -> lr``; every optimizer ends with
``scale_by_learning_rate``, so its updates are the steps to *add* to the parameters.
"""
import numpy as np  # noqa: F401  (the examples use it)

from ._base import chain, identity
from ._transforms import (hyperparameter, is_zero, add_decayed_weights, scale_by_adadelta, scale_by_adam,
                          scale_by_learning_rate, scale_by_rms, scale_by_rss, scale_by_stddev,
                          trace)


def sgd(learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    """Stochastic gradient descent with optional momentum and (coupled) weight decay:

    ``g' = g + weight_decay * p``; ``v = momentum * v + g'``; ``p = p - lr * v``, or with
    ``nesterov``: ``p = p - lr * (g' + momentum * v)``. Without momentum, ``p = p - lr * g'``.
    (``momentum=None`` means 0.)

    >>> import funcdl.optim as optim
    >>> opt = sgd(0.1, momentum=0.9)
    >>> params = {'w': np.array([1.0, 2.0])}
    >>> updates, state = opt.update({'w': np.array([1.0, 1.0])}, opt.init(params))
    >>> optim.apply_updates(params, updates)
    {'w': array([0.9, 1.9])}
    """
    momentum = 0.0 if momentum is None else hyperparameter(momentum, "momentum")
    weight_decay = hyperparameter(weight_decay, "weight_decay")
    return chain(
        identity() if is_zero(weight_decay) else add_decayed_weights(weight_decay),
        identity() if is_zero(momentum) else trace(momentum, nesterov),
        scale_by_learning_rate(learning_rate))


def adagrad(learning_rate, initial_accumulator_value=0.1, eps=1e-7):
    """Adagrad (Duchi et al., 2011): ``s = s + g²`` (``s₀ = initial_accumulator_value``);
    ``p = p - lr * g / sqrt(s + eps)``.

    >>> opt = adagrad(1.0, initial_accumulator_value=0.0, eps=0.0)
    >>> opt.update({'w': np.array([3.0, -4.0])}, opt.init({'w': np.zeros(2)}))[0]
    {'w': array([-1.,  1.])}
    """
    return chain(scale_by_rss(initial_accumulator_value, eps), scale_by_learning_rate(learning_rate))


def adadelta(learning_rate=None, rho=0.9, eps=1e-6, weight_decay=0.0, weight_decay_mask=None):
    """Adadelta (Zeiler, 2012), with optional weight decay added to the gradient first:

    ``g' = g + weight_decay * p``; ``E[g²] = rho E[g²] + (1 - rho) g'²``;
    ``Δ = sqrt(E[Δ²] + eps) / sqrt(E[g²] + eps) * g'``; ``E[Δ²] = rho E[Δ²] + (1 - rho) Δ²``;
    ``p = p - lr * Δ``. ``learning_rate=None`` means 1 (Zeiler's method has none).

    >>> opt = adadelta(rho=0.5, eps=2.0)
    >>> u, _ = opt.update({'w': np.array([2.0])}, opt.init({'w': np.zeros(1)}))
    >>> np.round(u['w'], 4)
    array([-1.4142])
    """
    weight_decay = hyperparameter(weight_decay, "weight_decay")
    return chain(
        identity() if is_zero(weight_decay) else add_decayed_weights(weight_decay, weight_decay_mask),
        scale_by_adadelta(rho, eps),
        scale_by_learning_rate(1.0 if learning_rate is None else learning_rate))


def rmsprop(learning_rate, decay=0.9, eps=1e-8, initial_scale=0.0, centered=False,
            momentum=None, nesterov=False, eps_in_sqrt=True):
    """RMSProp (Hinton, 2012): ``v = decay v + (1 - decay) g²`` (``v₀ = initial_scale``),
    ``u = lr * g / sqrt(v + eps)``; ``centered`` (Graves, 2013) also tracks
    ``m = decay m + (1 - decay) g`` and uses ``sqrt(v - m² + eps)``. With ``momentum``:
    ``b = momentum * b + u`` and ``p = p - b`` (``p = p - (u + momentum * b)`` with
    ``nesterov``); otherwise ``p = p - u``.

    >>> opt = rmsprop(0.1, decay=0.75, eps=0.0)
    >>> opt.update({'w': np.array([2.0])}, opt.init({'w': np.zeros(1)}))[0]
    {'w': array([-0.2])}
    """
    scaling = scale_by_stddev if centered else scale_by_rms
    return chain(
        scaling(decay, eps, initial_scale, eps_in_sqrt),
        scale_by_learning_rate(learning_rate),
        trace(momentum, nesterov) if momentum is not None else identity())


def adam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, nesterov=False):
    """Adam (Kingma & Ba, 2014): ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g²``,
    ``p = p - lr * m̂ / (sqrt(v̂ + eps_root) + eps)`` with the bias-corrected
    ``m̂ = m / (1 - b1^t)``, ``v̂ = v / (1 - b2^t)`` (see :func:`scale_by_adam`).

    >>> opt = adam(0.1)
    >>> u, _ = opt.update({'w': np.array([0.3, -2.0])}, opt.init({'w': np.zeros(2)}))
    >>> np.round(u['w'], 6)
    array([-0.1,  0.1])
    """
    return chain(scale_by_adam(b1, b2, eps, eps_root, nesterov), scale_by_learning_rate(learning_rate))


def adamw(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, weight_decay=1e-4,
          mask=None, nesterov=False):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019):
    ``p = p - lr * (m̂ / (sqrt(v̂ + eps_root) + eps) + weight_decay * p)``.

    ``mask`` (a pytree of booleans like the parameters, or ``params -> mask``) limits the
    decay to the leaves where it is True (for example: weights, not biases).

    >>> opt = adamw(0.1, weight_decay=0.5)
    >>> p = {'w': np.array([1.0])}
    >>> u, _ = opt.update({'w': np.array([0.3])}, opt.init(p), p)
    >>> np.round(u['w'], 6)    # -0.1 * (1 + 0.5 * 1)
    array([-0.15])
    """
    return chain(
        scale_by_adam(b1, b2, eps, eps_root, nesterov),
        add_decayed_weights(weight_decay, mask),
        scale_by_learning_rate(learning_rate))


def nadam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0):
    """NAdam (Dozat, 2016): Adam with a Nesterov look-ahead on the first moment,
    ``m̂ = b1 m / (1 - b1^(t+1)) + (1 - b1) g / (1 - b1^t)`` (see :func:`scale_by_adam`).

    >>> opt = nadam(0.1)
    >>> u, _ = opt.update({'w': np.array([0.3, -2.0])}, opt.init({'w': np.zeros(2)}))
    >>> np.round(u['w'], 6)     # first step: -lr * (1 + b1 / (1 + b1)) * sign(g)
    array([-0.147368,  0.147368])
    """
    return chain(scale_by_adam(b1, b2, eps, eps_root, nesterov=True),
                 scale_by_learning_rate(learning_rate))
