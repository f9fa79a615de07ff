"""Activation functions and friends, composed from ``funcdl.numpy`` so every transform
applies to them.

The numerics are explicit: nothing overflows for any finite input (``sigmoid`` only
exponentiates ``-|x|``, ``elu`` only ``min(x, 0)``, ``softplus`` goes through
``logaddexp``), ``logsumexp`` / ``softmax`` / ``log_softmax`` subtract the maximum under
``stop_gradient`` (the shift cancels, so its derivative is not needed), and every
``where`` feeds both branches finite values, so gradients never pick up ``0 * inf``.

>>> import numpy as np
>>> relu(np.array([-1.0, 2.0]))
array([0., 2.])
"""
import numpy as np

from .. import numpy as fnp
from ..transforms import stop_gradient

__all__ = ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "selu", "gelu", "softplus", "silu",
           "softmax", "log_softmax", "logsumexp", "one_hot"]

_SQRT_2_OVER_PI = float(np.sqrt(2.0 / np.pi))
_SQRT_HALF = float(np.sqrt(0.5))


def relu(x):
    """``max(x, 0)``; the derivative at 0 is 0.

    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    x = fnp.asarray(x)
    return fnp.where(fnp.greater(x, 0), x, 0)


def sigmoid(x):
    """The logistic function ``1 / (1 + exp(-x))``, exponentiating only ``-|x|`` so that no
    input overflows and tiny outputs keep their relative precision.

    >>> sigmoid(np.array([0.0, 1e4, -1e4]))
    array([0.5, 1. , 0. ])
    """
    x = fnp.asarray(x)
    positive = fnp.greater_equal(x, 0)
    z = fnp.exp(fnp.where(positive, fnp.negative(x), x))  # exp(-|x|) in (0, 1]
    one_plus_z = fnp.add(z, 1)
    return fnp.where(positive, fnp.divide(1, one_plus_z), fnp.divide(z, one_plus_z))


def tanh(x):
    """Hyperbolic tangent.

    >>> tanh(np.array([0.0]))
    array([0.])
    """
    return fnp.tanh(x)


def leaky_relu(x, negative_slope=0.01):
    """``x`` for ``x >= 0``, ``negative_slope * x`` below.

    >>> leaky_relu(np.array([-2.0, 3.0]), 0.1)
    array([-0.2,  3. ])
    """
    x = fnp.asarray(x)
    return fnp.where(fnp.greater_equal(x, 0), x, fnp.multiply(x, negative_slope))


def elu(x, alpha=1.0):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` below (``exp`` only ever sees
    ``min(x, 0)``).

    >>> elu(np.array([-1.0, 2.0])).round(4)
    array([-0.6321,  2.    ])
    """
    x = fnp.asarray(x)
    positive = fnp.greater(x, 0)
    negative_part = fnp.multiply(fnp.expm1(fnp.where(positive, 0, x)), alpha)
    return fnp.where(positive, x, negative_part)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x):
    """Scaled ELU: ``scale * elu(x, alpha)`` with the self-normalising constants
    (alpha ≈ 1.6733, scale ≈ 1.0507).

    >>> selu(np.array([-1.0, 1.0])).round(4)
    array([-1.1113,  1.0507])
    """
    return fnp.multiply(elu(x, _SELU_ALPHA), _SELU_SCALE)


def gelu(x, approximate=True):
    """Gaussian error linear unit ``x * Phi(x)``. ``approximate=True`` uses the tanh form
    ``x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))``; ``False`` the exact
    ``x/2 * (1 + erf(x / sqrt(2)))``.

    >>> gelu(np.array([1.0]), approximate=False).round(4)
    array([0.8413])
    """
    x = fnp.asarray(x)
    if approximate:
        inner = fnp.multiply(fnp.add(x, fnp.multiply(fnp.multiply(x, fnp.square(x)), 0.044715)),
                             _SQRT_2_OVER_PI)
        return fnp.multiply(fnp.multiply(x, 0.5), fnp.add(fnp.tanh(inner), 1))
    return fnp.multiply(fnp.multiply(x, 0.5), fnp.add(fnp.erf(fnp.multiply(x, _SQRT_HALF)), 1))


def softplus(x):
    """``log(1 + exp(x))``, as ``logaddexp(x, 0)`` so that it never overflows.

    >>> softplus(np.array([0.0, 1e4])).round(4)
    array([6.931e-01, 1.000e+04])
    """
    return fnp.logaddexp(fnp.asarray(x), 0)


def silu(x):
    """Sigmoid-weighted linear unit (swish) ``x * sigmoid(x)``.

    >>> silu(np.array([0.0, 1e4]))
    array([    0., 10000.])
    """
    x = fnp.asarray(x)
    return fnp.multiply(x, sigmoid(x))


def _shifted(x, axis):
    """``x - max(x)`` along ``axis`` with the maximum under ``stop_gradient`` (infinite
    maxima are replaced by 0 so that all ``-inf`` slices do not turn into NaN)."""
    x = fnp.asarray(x)
    m = stop_gradient(fnp.max(x, axis=axis, keepdims=True))
    m = fnp.where(fnp.isfinite(m), m, 0)
    return fnp.subtract(x, m), m


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x), axis))`` computed with the maximum shifted out.

    >>> float(logsumexp(np.array([1000.0, 1000.0])))
    1000.6931471805599
    """
    shifted, m = _shifted(x, axis)
    out = fnp.add(fnp.log(fnp.sum(fnp.exp(shifted), axis=axis, keepdims=True)), m)
    if keepdims:
        return out
    return fnp.squeeze(out, axis=axis) if axis is not None else fnp.reshape(out, ())


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis`` (the maximum is shifted out first).

    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    shifted, _ = _shifted(x, axis)
    e = fnp.exp(shifted)
    return fnp.divide(e, fnp.sum(e, axis=axis, keepdims=True))


def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` along ``axis``, computed from the max-shifted ``x``.

    >>> np.exp(log_softmax(np.array([0.0, np.log(3.0)])))
    array([0.25, 0.75])
    """
    shifted, _ = _shifted(x, axis)
    return fnp.subtract(shifted, fnp.log(fnp.sum(fnp.exp(shifted), axis=axis, keepdims=True)))


def one_hot(labels, num_classes, dtype=np.float32):
    """Integer ``labels`` of any shape as one-hot vectors along a new last axis of size
    ``num_classes`` (labels outside ``[0, num_classes)`` give all-zero rows).

    >>> one_hot(np.array([2, 0]), 3)
    array([[0., 0., 1.],
           [1., 0., 0.]], dtype=float32)
    """
    labels = fnp.asarray(labels)
    classes = np.arange(int(num_classes), dtype=labels.dtype if labels.dtype.kind in "iu" else None)
    hits = fnp.equal(fnp.expand_dims(labels, -1), classes)
    return hits.astype(dtype)
