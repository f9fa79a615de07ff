"""optax's loss functions: unreduced (one value per element, or per example for the losses
over a class axis), so callers take the mean or sum they want, as in optax.

>>> import numpy as np
>>> l2_loss(np.array([1.0, 3.0]), np.array([0.0, 1.0]))
array([0.5, 2. ])
"""
import numpy as np

from .. import numpy as fnp
from ..nn.activations import log_softmax, sigmoid, softmax, softplus
from ..transforms import stop_gradient

__all__ = ["l2_loss", "squared_error", "huber_loss", "log_cosh", "sigmoid_binary_cross_entropy",
           "sigmoid_focal_loss", "softmax_cross_entropy", "softmax_cross_entropy_with_integer_labels",
           "poly_loss_cross_entropy", "hinge_loss", "cosine_similarity", "cosine_distance",
           "kl_divergence", "convex_kl_divergence", "smooth_labels"]

_LOG_2 = float(np.log(2.0))


def _errors(predictions, targets):
    predictions = fnp.asarray(predictions)
    return predictions if targets is None else fnp.subtract(predictions, targets)


def squared_error(predictions, targets=None):
    """``(predictions - targets)²`` (``predictions²`` without targets).

    >>> squared_error(np.array([3.0]), np.array([1.0]))
    array([4.])
    """
    return fnp.square(_errors(predictions, targets))


def l2_loss(predictions, targets=None):
    """Half the squared error, ``0.5 (predictions - targets)²``.

    >>> l2_loss(np.array([2.0]))
    array([2.])
    """
    return fnp.multiply(squared_error(predictions, targets), 0.5)


def huber_loss(predictions, targets=None, delta=1.0):
    """Quadratic within ``delta`` of the target, linear beyond:
    ``0.5 min(|e|, delta)² + delta (|e| - min(|e|, delta))``.

    >>> huber_loss(np.array([0.5, 3.0]), np.array([0.0, 0.0]))
    array([0.125, 2.5  ])
    """
    abs_errors = fnp.abs(_errors(predictions, targets))
    quadratic = fnp.minimum(abs_errors, delta)
    return 0.5 * fnp.square(quadratic) + delta * (abs_errors - quadratic)


def log_cosh(predictions, targets=None):
    """``log(cosh(predictions - targets))``, computed without overflow.

    >>> np.round(log_cosh(np.array([1000.0])), 4)
    array([999.3069])
    """
    e = _errors(predictions, targets)
    return fnp.logaddexp(e, fnp.negative(e)) - _LOG_2


def sigmoid_binary_cross_entropy(logits, labels):
    """The cross-entropy of sigmoid probabilities with (soft) binary ``labels``:
    ``-labels log sigmoid(logits) - (1 - labels) log sigmoid(-logits)``.

    >>> np.round(sigmoid_binary_cross_entropy(np.array([0.0]), np.array([1.0])), 4)
    array([0.6931])
    """
    logits = fnp.asarray(logits)
    log_p, log_not_p = fnp.negative(softplus(fnp.negative(logits))), fnp.negative(softplus(logits))
    return fnp.negative(labels * log_p) - (1 - fnp.asarray(labels)) * log_not_p


def sigmoid_focal_loss(logits, labels, alpha=None, gamma=2.0):
    """The focal loss: the sigmoid cross-entropy weighted by ``(1 - p_t) ** gamma`` (and by
    ``alpha`` for positives, ``1 - alpha`` for negatives when given).

    >>> float(sigmoid_focal_loss(np.array([0.0]), np.array([1.0]))[0]) < 0.6931
    True
    """
    logits, labels = fnp.asarray(logits), fnp.asarray(labels)
    p = sigmoid(logits)
    p_t = p * labels + (1 - p) * (1 - labels)
    loss = sigmoid_binary_cross_entropy(logits, labels) * (1 - p_t) ** gamma
    if alpha is not None:
        loss = (alpha * labels + (1 - alpha) * (1 - labels)) * loss
    return loss


def softmax_cross_entropy(logits, labels, axis=-1):
    """``-sum(labels * log_softmax(logits))`` over ``axis`` (one value per example).

    >>> np.round(softmax_cross_entropy(np.zeros((1, 4)), np.eye(4)[:1]), 4)
    array([1.3863])
    """
    return fnp.negative(fnp.sum(labels * log_softmax(logits, axis=axis), axis=axis))


def softmax_cross_entropy_with_integer_labels(logits, labels, axis=-1):
    """:func:`softmax_cross_entropy` with class indices ``labels`` instead of one-hot vectors.

    >>> np.round(softmax_cross_entropy_with_integer_labels(np.zeros((2, 4)), np.array([0, 3])), 4)
    array([1.3863, 1.3863])
    """
    logits = fnp.asarray(logits)
    labels = fnp.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"softmax_cross_entropy_with_integer_labels: labels must be integers, got "
                        f"{labels.dtype.name}; use softmax_cross_entropy for one-hot or soft labels")
    axis = axis % logits.ndim
    shifted = logits - stop_gradient(fnp.max(logits, axis=axis, keepdims=True))
    label_logits = fnp.take_along_axis(shifted, fnp.expand_dims(labels, axis), axis=axis)
    log_normalizers = fnp.log(fnp.sum(fnp.exp(shifted), axis=axis))
    return log_normalizers - fnp.squeeze(label_logits, axis=axis)


def poly_loss_cross_entropy(logits, labels, epsilon=2.0):
    """PolyLoss: softmax cross-entropy plus ``epsilon * (1 - p_t)``, with ``p_t`` the
    probability mass on the labels.

    >>> np.round(poly_loss_cross_entropy(np.zeros((1, 2)), np.eye(2)[:1]), 4)
    array([1.6931])
    """
    one_minus_pt = fnp.sum(labels * (1 - softmax(logits)), axis=-1)
    return softmax_cross_entropy(logits, labels) + epsilon * one_minus_pt


def hinge_loss(predictor_outputs, targets):
    """``max(0, 1 - predictor_outputs * targets)`` for targets in {-1, 1}.

    >>> hinge_loss(np.array([0.5, 2.0]), np.array([1.0, -1.0]))
    array([0.5, 3. ])
    """
    return fnp.maximum(0, 1 - fnp.asarray(predictor_outputs) * targets)


def cosine_similarity(predictions, targets, epsilon=0.0):
    """The cosine of the angle between ``predictions`` and ``targets`` along the last axis
    (each norm bounded below by ``epsilon``).

    >>> float(cosine_similarity(np.array([1.0, 0.0]), np.array([1.0, 1.0])))
    0.7071067811865475
    """
    predictions, targets = fnp.asarray(predictions), fnp.asarray(targets)
    p_norm = fnp.maximum(fnp.sqrt(fnp.sum(fnp.square(predictions), axis=-1)), epsilon)
    t_norm = fnp.maximum(fnp.sqrt(fnp.sum(fnp.square(targets), axis=-1)), epsilon)
    return fnp.sum(predictions * targets, axis=-1) / (p_norm * t_norm)


def cosine_distance(predictions, targets, epsilon=0.0):
    """``1 - cosine_similarity``.

    >>> float(cosine_distance(np.array([1.0, 0.0]), np.array([2.0, 0.0])))
    0.0
    """
    return 1 - cosine_similarity(predictions, targets, epsilon)


def kl_divergence(log_predictions, targets):
    """``sum(targets * (log targets - log_predictions))`` over the last axis (terms with
    ``targets == 0`` are 0).

    >>> float(kl_divergence(np.log(np.array([0.5, 0.5])), np.array([1.0, 0.0])))
    0.6931471805599453
    """
    targets = fnp.asarray(targets)
    positive = fnp.greater(targets, 0)
    log_targets = fnp.log(fnp.where(positive, targets, 1.0))
    loss = fnp.where(positive, targets * (log_targets - log_predictions), 0.0)
    return fnp.sum(loss, axis=-1)


def convex_kl_divergence(log_predictions, targets):
    """:func:`kl_divergence` plus ``sum(exp(log_predictions) - targets)``, convex in both.

    >>> float(convex_kl_divergence(np.log(np.array([0.5, 0.5])), np.array([0.5, 0.5])))
    0.0
    """
    return kl_divergence(log_predictions, targets) + fnp.sum(fnp.exp(log_predictions) - targets, axis=-1)


def smooth_labels(labels, alpha):
    """``(1 - alpha) * labels + alpha / num_classes`` (labels one-hot on the last axis).

    >>> smooth_labels(np.array([0.0, 1.0]), 0.2)
    array([0.1, 0.9])
    """
    labels = fnp.asarray(labels)
    return (1.0 - alpha) * labels + alpha / labels.shape[-1]
