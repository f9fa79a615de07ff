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
           "softmax", "log_softmax", "logsumexp", "one_hot", "celu", "glu", "hard_sigmoid",
           "hard_silu", "hard_swish", "hard_tanh", "identity", "log1mexp", "log_sigmoid",
           "logmeanexp", "mish", "relu6", "soft_sign", "sparse_plus", "sparse_sigmoid",
           "squareplus", "standardize", "swish", "dot_product_attention"]

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


# -- the rest of jax.nn's activations --------------------------------------------------------

def identity(x):
    """``x`` itself.

    >>> identity(np.array([1.5]))
    array([1.5])
    """
    return fnp.asarray(x)


swish = silu


def relu6(x):
    """``min(max(x, 0), 6)``; the derivative is 0 at both kinks (as JAX's).

    >>> relu6(np.array([-1.0, 3.0, 9.0]))
    array([0., 3., 6.])
    """
    x = fnp.asarray(x)
    return fnp.where(fnp.greater(x, 0), fnp.where(fnp.less(x, 6), x, 6), 0)


def hard_sigmoid(x):
    """``relu6(x + 3) / 6``.

    >>> hard_sigmoid(np.array([-4.0, 0.0, 4.0]))
    array([0. , 0.5, 1. ])
    """
    return fnp.divide(relu6(fnp.add(fnp.asarray(x), 3)), 6)


def hard_silu(x):
    """``x * hard_sigmoid(x)``.

    >>> hard_silu(np.array([1.0]))
    array([0.66666667])
    """
    x = fnp.asarray(x)
    return fnp.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def hard_tanh(x):
    """``x`` clipped to [-1, 1].

    >>> hard_tanh(np.array([-2.0, 0.5, 3.0]))
    array([-1. ,  0.5,  1. ])
    """
    x = fnp.asarray(x)
    return fnp.where(fnp.greater(x, 1), 1, fnp.where(fnp.less(x, -1), -1, x))


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``max(x, 0) + alpha * min(expm1(x / alpha), 0)``.

    >>> celu(np.array([-1.0, 2.0])).round(4)
    array([-0.6321,  2.    ])
    """
    x = fnp.asarray(x)
    positive = fnp.greater(x, 0)
    return fnp.where(positive, x, fnp.multiply(fnp.expm1(fnp.divide(fnp.where(positive, 0, x), alpha)), alpha))


def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``, without overflow.

    >>> [round(float(v), 4) for v in log_sigmoid(np.array([0.0, -1000.0]))]
    [-0.6931, -1000.0]
    """
    return fnp.negative(softplus(fnp.negative(fnp.asarray(x))))


def log1mexp(x):
    """``log(1 - exp(-x))`` for ``x > 0``, accurate for small and large ``x``.

    >>> float(log1mexp(np.float64(1e-20)))
    -46.051701859880914
    """
    x = fnp.asarray(x)
    small = fnp.less(x, float(np.log(2.0)))
    return fnp.where(small, fnp.log(fnp.negative(fnp.expm1(fnp.negative(x)))),
                     fnp.log1p(fnp.negative(fnp.exp(fnp.negative(x)))))


def logmeanexp(x, axis=None, keepdims=False):
    """``log(mean(exp(x)))`` over ``axis``, without overflow.

    >>> float(logmeanexp(np.array([1000.0, 1000.0])))
    1000.0
    """
    x = fnp.asarray(x)
    count = x.size if axis is None else int(np.prod([x.shape[a] for a in np.atleast_1d(axis)]))
    return fnp.subtract(logsumexp(x, axis=axis, keepdims=keepdims), float(np.log(count)))


def mish(x):
    """``x * tanh(softplus(x))``.

    >>> mish(np.array([0.0, 1.0])).round(4)
    array([0.    , 0.8651])
    """
    x = fnp.asarray(x)
    return fnp.multiply(x, fnp.tanh(softplus(x)))


def soft_sign(x):
    """``x / (|x| + 1)``.

    >>> soft_sign(np.array([-3.0, 1.0]))
    array([-0.75,  0.5 ])
    """
    x = fnp.asarray(x)
    return fnp.divide(x, fnp.add(fnp.abs(x), 1))


def sparse_plus(x):
    """0 below -1, ``x`` above 1, ``(x + 1)² / 4`` between (a smooth ReLU).

    >>> sparse_plus(np.array([-2.0, 0.0, 2.0]))
    array([0.  , 0.25, 2.  ])
    """
    x = fnp.asarray(x)
    return fnp.where(fnp.less_equal(x, -1), 0, fnp.where(fnp.greater_equal(x, 1), x,
                                                          fnp.divide(fnp.square(fnp.add(x, 1)), 4)))


def sparse_sigmoid(x):
    """0 below -1, 1 above 1, ``(x + 1) / 2`` between.

    >>> sparse_sigmoid(np.array([-2.0, 0.0, 2.0]))
    array([0. , 0.5, 1. ])
    """
    x = fnp.asarray(x)
    return fnp.where(fnp.less_equal(x, -1), 0, fnp.where(fnp.greater_equal(x, 1), 1,
                                                          fnp.divide(fnp.add(x, 1), 2)))


def squareplus(x, b=4):
    """``(x + sqrt(x² + b)) / 2``, a smooth ReLU.

    >>> squareplus(np.array([0.0]))
    array([1.])
    """
    x = fnp.asarray(x)
    return fnp.divide(fnp.add(x, fnp.sqrt(fnp.add(fnp.square(x), b))), 2)


def glu(x, axis=-1):
    """The gated linear unit: the first half of ``x`` along ``axis`` times the sigmoid of
    the second half.

    >>> glu(np.array([2.0, 0.0]))
    array([1.])
    """
    a, b = fnp.split(fnp.asarray(x), 2, axis=axis)
    return fnp.multiply(a, sigmoid(b))


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5):
    """``(x - mean) / sqrt(variance + epsilon)`` with the statistics over ``axis`` (computed
    when not given; the variance as ``E[x²] - E[x]²``, as JAX).

    >>> np.round(standardize(np.array([1.0, 3.0])), 3)
    array([-1.,  1.])
    """
    x = fnp.asarray(x)
    if mean is None:
        mean = fnp.mean(x, axis, keepdims=True)
    if variance is None:
        variance = fnp.subtract(fnp.mean(fnp.square(x), axis, keepdims=True), fnp.square(mean))
    return fnp.divide(fnp.subtract(x, mean), fnp.sqrt(fnp.add(variance, epsilon)))


def dot_product_attention(query, key, value, bias=None, mask=None, *, scale=None, is_causal=False,
                          query_seq_lengths=None, key_value_seq_lengths=None, local_window_size=None,
                          implementation=None):
    """Scaled dot-product attention, as ``jax.nn.dot_product_attention``: ``query`` of shape
    ``(B, T, N, H)`` (or ``(T, N, H)``), ``key``/``value`` ``(B, S, K, H)`` with ``N`` a
    multiple of ``K`` (grouped heads); ``softmax(scale * q k^T + bias)`` over ``S`` (``mask``:
    True keeps a score; ``is_causal`` keeps ``s <= t``), then the weighted sum of values.

    >>> q = np.ones((1, 2, 1, 4)); kv = np.ones((1, 3, 1, 4))
    >>> dot_product_attention(q, kv, kv).shape
    (1, 2, 1, 4)
    """
    if query_seq_lengths is not None or key_value_seq_lengths is not None or local_window_size is not None:
        raise ValueError("dot_product_attention: sequence lengths and local windows are not "
                         "supported; pass a mask")
    q, k, v = fnp.asarray(query), fnp.asarray(key), fnp.asarray(value)
    unbatched = q.ndim == 3
    if unbatched:
        q, k, v = q[None], k[None], v[None]
    n, heads_kv = q.shape[2], k.shape[2]
    if n % heads_kv:
        raise ValueError(f"dot_product_attention: query heads ({n}) must be a multiple of key heads ({heads_kv})")
    if n != heads_kv:
        k, v = fnp.repeat(k, n // heads_kv, axis=2), fnp.repeat(v, n // heads_kv, axis=2)
    scale = 1.0 / float(np.sqrt(q.shape[-1])) if scale is None else scale
    logits = fnp.multiply(fnp.einsum("btnh,bsnh->bnts", q, k), scale)
    if bias is not None:
        logits = fnp.add(logits, bias)
    keep = None if mask is None else fnp.asarray(mask)
    if is_causal:
        t, s = logits.shape[-2:]
        causal = np.tril(np.ones((t, s), bool))
        keep = causal if keep is None else fnp.logical_and(keep, causal)
    if keep is not None:
        logits = fnp.where(keep, logits, np.finfo(np.dtype(logits.dtype)).min)
    weights = softmax(logits, axis=-1)
    out = fnp.einsum("bnts,bsnh->btnh", weights.astype(v.dtype), v)
    return out[0] if unbatched else out
