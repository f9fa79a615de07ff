"""Losses: ``loss(predictions, targets, ..., reduction="mean")``, predictions first.

``reduction="none"`` returns optax's unreduced values: elementwise losses (``mse``, ``mae``,
``huber``, the binary cross-entropies, ``hinge``) give one value per element, of the
predictions' shape; class-axis losses (``categorical_cross_entropy``, the softmax
cross-entropies, ``multiclass_hinge``) reduce the last (class) axis, giving one value per
example, of shape ``predictions.shape[:-1]``. ``"sum"`` is the sum of those values and
``"mean"`` (the default) their mean, so for elementwise losses ``"mean"`` averages over every
element. Probabilities are clipped to ``[1e-7, 1 - 1e-7]`` before taking logarithms.

>>> import numpy as np
>>> float(mse(np.array([1.0, 2.0]), np.array([1.0, 4.0])))
2.0
"""
import numpy as np

from .. import numpy as fnp
from .. import tree_util
from .activations import log_softmax, softplus

__all__ = ["mse", "mae", "huber", "binary_cross_entropy", "sigmoid_binary_cross_entropy",
           "categorical_cross_entropy", "softmax_cross_entropy",
           "softmax_cross_entropy_with_integer_labels", "hinge", "multiclass_hinge",
           "l1_penalty", "l2_penalty"]

EPS = 1e-7  # probabilities are clipped to [EPS, 1 - EPS]


def _float(x):
    """Predictions as floats (integers become float64, as numpy's true division)."""
    x = fnp.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _like(targets, predictions):
    """Integer or boolean targets (labels 0/1, -1/+1, one-hot counts) take the predictions'
    float dtype, so that integer labels do not promote float32 losses to float64."""
    t = fnp.asarray(targets)
    return t if t.dtype.kind == "f" else t.astype(predictions.dtype)


def _reduce(values, reduction, op):
    if reduction == "mean":
        return fnp.mean(values)
    if reduction == "sum":
        return fnp.sum(values)
    if reduction == "none":
        return values
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_shapes(op, a, b):
    if a.shape != b.shape:
        raise ValueError(f"{op}: predictions and targets must have the same shape, got "
                         f"{a.shape} and {b.shape}")


def mse(predictions, targets, reduction="mean"):
    """Mean squared error ``mean((predictions - targets)^2)``; ``"none"`` gives the squared
    error of each element.

    >>> mse(np.array([[1.0, 2.0], [0.0, 0.0]]), np.zeros((2, 2)), reduction="none")
    array([[1., 4.],
           [0., 0.]])
    """
    p = _float(predictions)
    t = _like(targets, p)
    _check_shapes("mse", p, t)
    return _reduce(fnp.square(fnp.subtract(p, t)), reduction, "mse")


def mae(predictions, targets, reduction="mean"):
    """Mean absolute error ``mean(|predictions - targets|)``.

    >>> float(mae(np.array([1.0, -3.0]), np.zeros(2)))
    2.0
    """
    p = _float(predictions)
    t = _like(targets, p)
    _check_shapes("mae", p, t)
    return _reduce(fnp.abs(fnp.subtract(p, t)), reduction, "mae")


def huber(predictions, targets, delta=1.0, reduction="mean"):
    """Huber loss: ``e^2 / 2`` for ``|e| <= delta``, ``delta * (|e| - delta / 2)`` beyond,
    with ``e = predictions - targets``.

    >>> huber(np.array([0.5, 3.0]), np.zeros(2), reduction="none")
    array([0.125, 2.5  ])
    """
    p = _float(predictions)
    t = _like(targets, p)
    _check_shapes("huber", p, t)
    err = fnp.abs(fnp.subtract(p, t))
    quadratic = fnp.minimum(err, delta)
    linear = fnp.subtract(err, quadratic)
    values = fnp.add(fnp.multiply(fnp.square(quadratic), 0.5), fnp.multiply(linear, delta))
    return _reduce(values, reduction, "huber")


def _clip_probs(p):
    return fnp.clip(p, EPS, 1 - EPS)


def binary_cross_entropy(probs, targets, reduction="mean"):
    """``-(t log p + (1 - t) log(1 - p))`` for probabilities ``p`` (clipped) and targets
    ``t`` in [0, 1].

    >>> binary_cross_entropy(np.array([0.5, 0.9]), np.array([1.0, 1.0]), reduction="none").round(4)
    array([0.6931, 0.1054])
    """
    p = _clip_probs(_float(probs))
    t = _like(targets, p)
    _check_shapes("binary_cross_entropy", p, t)
    values = fnp.negative(fnp.add(fnp.multiply(t, fnp.log(p)),
                                  fnp.multiply(fnp.subtract(1, t), fnp.log(fnp.subtract(1, p)))))
    return _reduce(values, reduction, "binary_cross_entropy")


def sigmoid_binary_cross_entropy(logits, targets, reduction="mean"):
    """Binary cross-entropy of ``sigmoid(logits)``, computed from the logits as
    ``softplus(x) - t x`` (exact and finite for any logit).

    >>> sigmoid_binary_cross_entropy(np.array([0.0, 1e4]), np.array([1.0, 1.0]), reduction="none").round(4)
    array([0.6931, 0.    ])
    """
    x = _float(logits)
    t = _like(targets, x)
    _check_shapes("sigmoid_binary_cross_entropy", x, t)
    values = fnp.subtract(softplus(x), fnp.multiply(t, x))
    return _reduce(values, reduction, "sigmoid_binary_cross_entropy")


def _check_classes(op, scores, targets):
    if scores.ndim < 1 or scores.shape != targets.shape:
        raise ValueError(f"{op}: predictions and one-hot targets must have the same shape "
                         f"(..., num_classes), got {scores.shape} and {targets.shape}")


def categorical_cross_entropy(probs, one_hot, reduction="mean"):
    """``-sum(t log p)`` over the last axis, for probabilities ``p`` (clipped) and target
    distributions ``t``.

    >>> categorical_cross_entropy(np.array([[0.25, 0.75]]), np.array([[0.0, 1.0]]), reduction="none").round(4)
    array([0.2877])
    """
    p = _clip_probs(_float(probs))
    t = _like(one_hot, p)
    _check_classes("categorical_cross_entropy", p, t)
    values = fnp.negative(fnp.sum(fnp.multiply(t, fnp.log(p)), axis=-1))
    return _reduce(values, reduction, "categorical_cross_entropy")


def softmax_cross_entropy(logits, one_hot, reduction="mean"):
    """``-sum(t * log_softmax(logits))`` over the last axis.

    >>> softmax_cross_entropy(np.array([[0.0, np.log(3.0)]]), np.array([[0.0, 1.0]])).round(4)
    np.float64(0.2877)
    """
    x = _float(logits)
    t = _like(one_hot, x)
    _check_classes("softmax_cross_entropy", x, t)
    values = fnp.negative(fnp.sum(fnp.multiply(t, log_softmax(x)), axis=-1))
    return _reduce(values, reduction, "softmax_cross_entropy")


def _check_labels(op, scores, labels):
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{op}: labels must be integers, got dtype {labels.dtype}")
    if scores.ndim < 1 or scores.shape[:-1] != labels.shape:
        raise ValueError(f"{op}: scores of shape (..., num_classes) need labels of shape (...), "
                         f"got {scores.shape} and {labels.shape}")


def _pick(x, labels):
    """``x[..., labels]`` elementwise over the leading axes."""
    return fnp.squeeze(fnp.take_along_axis(x, fnp.expand_dims(labels, -1), axis=-1), axis=-1)


def softmax_cross_entropy_with_integer_labels(logits, labels, reduction="mean"):
    """``-log_softmax(logits)[label]`` for integer class labels.

    >>> softmax_cross_entropy_with_integer_labels(np.array([[0.0, np.log(3.0)]]), np.array([1])).round(4)
    np.float64(0.2877)
    """
    x, y = _float(logits), fnp.asarray(labels)
    _check_labels("softmax_cross_entropy_with_integer_labels", x, y)
    values = fnp.negative(_pick(log_softmax(x), y))
    return _reduce(values, reduction, "softmax_cross_entropy_with_integer_labels")


def hinge(scores, labels_pm1, reduction="mean"):
    """Binary hinge loss ``max(0, 1 - y s)`` for labels ``y`` in {-1, +1}.

    >>> hinge(np.array([2.0, 0.5, -1.0]), np.array([1.0, 1.0, 1.0]), reduction="none")
    array([0. , 0.5, 2. ])
    """
    s = _float(scores)
    y = _like(labels_pm1, s)
    _check_shapes("hinge", s, y)
    values = fnp.maximum(fnp.subtract(1, fnp.multiply(y, s)), 0)
    return _reduce(values, reduction, "hinge")


def multiclass_hinge(scores, labels, reduction="mean"):
    """Multiclass SVM loss: per example ``sum over j != y of max(0, s_j - s_y + 1)`` for
    integer labels ``y``.

    >>> multiclass_hinge(np.array([[3.0, 1.0, 2.5]]), np.array([0]), reduction="none")
    array([0.5])
    """
    s, y = _float(scores), fnp.asarray(labels)
    _check_labels("multiclass_hinge", s, y)
    correct = fnp.expand_dims(_pick(s, y), -1)
    margins = fnp.maximum(fnp.add(fnp.subtract(s, correct), 1), 0)
    is_label = fnp.equal(fnp.expand_dims(y, -1), np.arange(s.shape[-1]))
    values = fnp.sum(fnp.where(is_label, 0, margins), axis=-1)
    return _reduce(values, reduction, "multiclass_hinge")


def l1_penalty(params):
    """``sum |p|`` over every leaf of a parameter pytree.

    >>> float(l1_penalty({"w": np.array([1.0, -2.0]), "b": np.array([0.5])}))
    3.5
    """
    leaves = [fnp.sum(fnp.abs(p)) for p in tree_util.tree_leaves(params)]
    return sum(leaves[1:], leaves[0]) if leaves else 0.0


def l2_penalty(params):
    """``sum p^2 / 2`` over every leaf of a parameter pytree.

    >>> float(l2_penalty({"w": np.array([1.0, -2.0]), "b": np.array([2.0])}))
    4.5
    """
    leaves = [fnp.sum(fnp.square(p)) for p in tree_util.tree_leaves(params)]
    return fnp.multiply(sum(leaves[1:], leaves[0]), 0.5) if leaves else 0.0
