"""Layers as ``(init, apply)`` pairs, in the style of stax.

Convention. A layer is a small object built by a CamelCase constructor (``Dense(10)``,
``Relu()``) holding only its hyper-parameters; the arrays live outside it. ``params,
state = layer.init(key, input_shape)`` creates them for an input of shape ``input_shape``
(the full shape, batch axis included; shapes are inferred from it, and the batch size
itself is never used, so any placeholder such as -1 works), and ``y, state =
layer.apply(params, state, x, *, key=None, train=False)`` runs the layer, returning the new
state. ``params`` are what gradients are taken of: a dict with readable names
(``{"w": ..., "b": ...}``), float32 unless the initializers say otherwise. ``state`` holds
what is updated without gradients (BatchNorm's running statistics); layers without
parameters or state carry the empty tuple ``()`` for them. ``key`` is a
``funcdl.random`` key, needed only by stochastic layers when ``train=True``; ``train``
switches Dropout and BatchNorm between their training and evaluation behaviour (under
``jit`` pass it as a static argument). ``layer.output_shape(input_shape)`` gives the
output's shape without creating anything. Layers unpack like stax's pairs (``init, apply
= Dense(3)``), and the combinators ``serial`` and ``parallel`` build layers out of layers,
with tuples of the parts' params and states.

>>> import numpy as np
>>> from funcdl import random
>>> net = serial(Dense(16), Relu(), Dense(2))
>>> params, state = net.init(random.key(0), (-1, 3))
>>> y, state = net.apply(params, state, np.ones((5, 3), np.float32))
>>> y.shape, net.output_shape((5, 3))
((5, 2), (5, 2))
"""
import abc
import math

import numpy as np

from .. import lax
from .. import numpy as fnp
from .. import random
from ..transforms import stop_gradient
from . import activations as A
from .initializers import glorot_normal, ones, zeros

__all__ = ["Layer", "Dense", "Conv2D", "MaxPool", "AvgPool", "Flatten", "Dropout", "DropConnect",
           "BatchNorm", "LayerNorm", "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Gelu",
           "Softplus", "Silu", "Softmax", "LogSoftmax", "Identity", "FanOut", "FanInSum",
           "FanInConcat", "serial", "parallel"]

EMPTY = ()  # the params / state of layers that have none


class Layer(abc.ABC):
    """Base class of layers: subclasses define ``init``, ``apply`` and ``output_shape``
    (see the module docstring). Iterating gives ``(init, apply)``, as a stax pair.

    >>> init, apply = Relu()
    >>> apply((), (), np.array([-1.0, 1.0]))
    (array([0., 1.]), ())
    """

    @abc.abstractmethod
    def init(self, key, input_shape):
        """``(params, state)`` for inputs of ``input_shape`` (batch dimension included)."""

    @abc.abstractmethod
    def apply(self, params, state, x, *, key=None, train=False):
        """``(y, state)``: the layer applied to ``x``."""

    @abc.abstractmethod
    def output_shape(self, input_shape):
        """The shape of ``apply``'s output for inputs of ``input_shape``."""

    def __iter__(self):
        return iter((self.init, self.apply))

    def _config(self):
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self._config()})"


def _shape(input_shape, layer, min_ndim=1, ndim=None):
    try:
        shape = tuple(input_shape)
    except TypeError:
        raise TypeError(f"{layer}: input_shape must be a tuple of ints (batch axis included), "
                        f"got {input_shape!r}") from None
    if (ndim is not None and len(shape) != ndim) or len(shape) < min_ndim:
        want = f"{ndim} axes" if ndim is not None else f"at least {min_ndim} axes"
        raise ValueError(f"{layer}: expects inputs with {want}, got input_shape {shape}")
    return shape


def _pair(v, what, layer):
    if isinstance(v, (int, np.integer)):
        return (int(v), int(v))
    v = tuple(int(a) for a in v)
    if len(v) != 2:
        raise ValueError(f"{layer}: {what} must be an int or a pair, got {v}")
    return v


def _dropout(x, rate, key, layer):
    """Inverted dropout: zero each entry with probability ``rate``, scale survivors by
    ``1 / (1 - rate)``."""
    if key is None:
        raise ValueError(f"{layer}: training (train=True) needs a PRNG key: "
                         f"layer.apply(params, state, x, key=random.key(0), train=True); "
                         f"for evaluation pass train=False")
    x = fnp.asarray(x)
    if rate >= 1.0:
        return fnp.multiply(x, 0)
    keep = random.bernoulli(key, np.float32(1.0 - rate), x.shape)  # 23-bit uniforms suffice
    return fnp.where(keep, fnp.multiply(x, 1.0 / (1.0 - rate)), 0)


def _check_rate(rate, layer):
    rate = float(rate)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"{layer}: rate is the probability of dropping and must be in [0, 1], "
                         f"got {rate}")
    return rate


# ----------------------------------------------------------------------------------------
# Dense and convolutional layers
# ----------------------------------------------------------------------------------------

class Dense(Layer):
    """Fully connected layer ``y = x @ w + b`` on the last axis; params
    ``{"w": (in, features), "b": (features,)}``.

    >>> layer = Dense(3)
    >>> params, state = layer.init(random.key(0), (2, 4))
    >>> y, state = layer.apply(params, state, np.ones((2, 4), np.float32))
    >>> params["w"].shape, y.shape, layer.output_shape((2, 4))
    ((4, 3), (2, 3), (2, 3))
    """

    def __init__(self, features, w_init=glorot_normal(), b_init=zeros):
        self.features, self.w_init, self.b_init = int(features), w_init, b_init

    def _config(self):
        return str(self.features)

    def init(self, key, input_shape):
        shape = _shape(input_shape, repr(self))
        kw, kb = random.split(key)
        return {"w": self.w_init(kw, (shape[-1], self.features)),
                "b": self.b_init(kb, (self.features,))}, EMPTY

    def apply(self, params, state, x, *, key=None, train=False):
        return fnp.add(fnp.matmul(x, params["w"]), params["b"]), state

    def output_shape(self, input_shape):
        return _shape(input_shape, repr(self))[:-1] + (self.features,)


class DropConnect(Dense):
    """A Dense layer whose weights (not biases) are dropped while training: each entry of
    ``w`` is zeroed with probability ``rate`` and the survivors are scaled by
    ``1 / (1 - rate)``; one mask is drawn per call and shared by the batch. Without
    training it is exactly ``Dense``.

    >>> layer = DropConnect(3, rate=0.5)
    >>> params, state = layer.init(random.key(0), (2, 4))
    >>> y, _ = layer.apply(params, state, np.ones((2, 4), np.float32), key=random.key(1), train=True)
    >>> y.shape
    (2, 3)
    """

    def __init__(self, features, rate, w_init=glorot_normal(), b_init=zeros):
        super().__init__(features, w_init, b_init)
        self.rate = _check_rate(rate, "DropConnect")

    def _config(self):
        return f"{self.features}, rate={self.rate}"

    def apply(self, params, state, x, *, key=None, train=False):
        if train and self.rate > 0:
            params = dict(params, w=_dropout(params["w"], self.rate, key, repr(self)))
        return super().apply(params, state, x)


class Conv2D(Layer):
    """2-d convolution of NCHW inputs (``lax.conv``); params ``{"w": (out_channels,
    in_channels, kh, kw), "b": (out_channels,)}``. ``kernel_size`` and ``stride`` are ints
    or pairs; ``padding`` is "VALID", "SAME", an int or ((lo, hi), (lo, hi)).

    >>> layer = Conv2D(8, 3, padding="SAME")
    >>> params, state = layer.init(random.key(0), (2, 3, 5, 5))
    >>> y, _ = layer.apply(params, state, np.ones((2, 3, 5, 5), np.float32))
    >>> params["w"].shape, y.shape
    ((8, 3, 3, 3), (2, 8, 5, 5))
    """

    def __init__(self, out_channels, kernel_size, stride=1, padding="VALID", dilation=1,
                 w_init=glorot_normal(), b_init=zeros):
        self.out_channels = int(out_channels)
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv2D")
        self.stride = _pair(stride, "stride", "Conv2D")
        self.dilation = _pair(dilation, "dilation", "Conv2D")
        self.padding, self.w_init, self.b_init = padding, w_init, b_init

    def _config(self):
        return (f"{self.out_channels}, {self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding!r}")

    def init(self, key, input_shape):
        shape = _shape(input_shape, repr(self), ndim=4)
        kw, kb = random.split(key)
        return {"w": self.w_init(kw, (self.out_channels, shape[1]) + self.kernel_size),
                "b": self.b_init(kb, (self.out_channels,))}, EMPTY

    def apply(self, params, state, x, *, key=None, train=False):
        y = lax.conv(x, params["w"], self.stride, self.padding, self.dilation)
        return fnp.add(y, fnp.reshape(params["b"], (1, -1, 1, 1))), state

    def output_shape(self, input_shape):
        n, _, h, w = _shape(input_shape, repr(self), ndim=4)
        pads = lax.conv_padding(self.padding, (h, w), self.kernel_size, self.stride, self.dilation)
        out = tuple((size + lo + hi - (k - 1) * d - 1) // s + 1
                    for size, (lo, hi), k, s, d in zip((h, w), pads, self.kernel_size, self.stride,
                                                       self.dilation))
        return (n, self.out_channels) + out


class _Pool(Layer):
    _fn = None

    def __init__(self, window, stride=None, padding="VALID"):
        name = type(self).__name__
        self.window = _pair(window, "window", name)
        self.stride = self.window if stride is None else _pair(stride, "stride", name)
        self.padding = padding

    def _config(self):
        return f"{self.window}, stride={self.stride}"

    def init(self, key, input_shape):
        _shape(input_shape, repr(self), ndim=4)
        return EMPTY, EMPTY

    def apply(self, params, state, x, *, key=None, train=False):
        return type(self)._fn(x, self.window, self.stride, self.padding), state

    def output_shape(self, input_shape):
        n, c, h, w = _shape(input_shape, repr(self), ndim=4)
        pads = lax.conv_padding(self.padding, (h, w), self.window, self.stride, (1, 1))
        return (n, c) + tuple((size + lo + hi - k) // s + 1 for size, (lo, hi), k, s
                              in zip((h, w), pads, self.window, self.stride))


class MaxPool(_Pool):
    """Max over ``window`` patches of NCHW inputs (``stride`` defaults to the window).

    >>> MaxPool(2).apply((), (), np.arange(16.0).reshape(1, 1, 4, 4))[0][0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    _fn = staticmethod(lax.max_pool)


class AvgPool(_Pool):
    """Mean over ``window`` patches of NCHW inputs (``stride`` defaults to the window).

    >>> AvgPool(2).output_shape((1, 3, 5, 4))
    (1, 3, 2, 2)
    """
    _fn = staticmethod(lax.avg_pool)


class Flatten(Layer):
    """Flattens every axis but the first: ``(B, d1, d2, ...) -> (B, d1 * d2 * ...)``.

    >>> Flatten().output_shape((7, 2, 3, 4))
    (7, 24)
    """

    def init(self, key, input_shape):
        _shape(input_shape, repr(self))
        return EMPTY, EMPTY

    def apply(self, params, state, x, *, key=None, train=False):
        x = fnp.asarray(x)
        return fnp.reshape(x, (x.shape[0], math.prod(x.shape[1:]))), state

    def output_shape(self, input_shape):
        shape = _shape(input_shape, repr(self))
        return (shape[0], math.prod(shape[1:]))


# ----------------------------------------------------------------------------------------
# Regularisation and normalisation
# ----------------------------------------------------------------------------------------

class Dropout(Layer):
    """Inverted dropout: while training (``train=True``, with a ``key``) each entry is
    zeroed with probability ``rate`` and the survivors are scaled by ``1 / (1 - rate)``,
    so the expected output equals the input; otherwise the identity.

    >>> layer = Dropout(0.5)
    >>> y, _ = layer.apply((), (), np.ones(6), key=random.key(0), train=True)
    >>> sorted(set(y.tolist())) in ([0.0, 2.0], [2.0], [0.0])
    True
    >>> layer.apply((), (), np.ones(2))[0]
    array([1., 1.])
    """

    def __init__(self, rate):
        self.rate = _check_rate(rate, "Dropout")

    def _config(self):
        return str(self.rate)

    def init(self, key, input_shape):
        return EMPTY, EMPTY

    def apply(self, params, state, x, *, key=None, train=False):
        if not train or self.rate == 0.0:
            return x, state
        return _dropout(x, self.rate, key, repr(self)), state

    def output_shape(self, input_shape):
        return tuple(input_shape)


def _feature_shape(ndim):
    return (1, -1) + (1,) * (ndim - 2)


class BatchNorm(Layer):
    """Batch normalisation over every axis but axis 1 (features of ``(B, F)``, channels of
    NCHW): ``y = (x - mean) / sqrt(var + eps) * scale + offset``. Training uses the
    batch's mean and (biased) variance and updates the running statistics in ``state`` as
    ``r = momentum * r + (1 - momentum) * batch``; evaluation uses the running statistics.
    Params ``{"scale": ones, "offset": zeros}``; state ``{"mean": zeros, "var": ones}``,
    each of shape ``(features,)``.

    >>> layer = BatchNorm()
    >>> params, state = layer.init(random.key(0), (4, 2))
    >>> x = np.array([[1.0, 0.0], [3.0, 0.0], [1.0, 4.0], [3.0, 4.0]], np.float32)
    >>> y, state = layer.apply(params, state, x, train=True)
    >>> y.round(3)
    array([[-1., -1.],
           [ 1., -1.],
           [-1.,  1.],
           [ 1.,  1.]], dtype=float32)
    >>> state["mean"]
    array([0.2, 0.2], dtype=float32)
    """

    def __init__(self, momentum=0.9, eps=1e-5):
        self.momentum, self.eps = float(momentum), float(eps)

    def _config(self):
        return f"momentum={self.momentum}, eps={self.eps}"

    def init(self, key, input_shape):
        shape = _shape(input_shape, repr(self), min_ndim=2)
        c = (shape[1],)
        return ({"scale": ones(None, c), "offset": zeros(None, c)},
                {"mean": zeros(None, c), "var": ones(None, c)})

    def apply(self, params, state, x, *, key=None, train=False):
        x = fnp.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"{self!r}: expects inputs with at least 2 axes (features on axis 1), "
                             f"got shape {x.shape}")
        axes = (0,) + tuple(range(2, x.ndim))
        bshape = _feature_shape(x.ndim)
        if train:
            mean = fnp.mean(x, axis=axes)
            var = fnp.mean(fnp.square(fnp.subtract(x, fnp.reshape(mean, bshape))), axis=axes)
            state = {"mean": self._update(state["mean"], mean), "var": self._update(state["var"], var)}
        else:
            mean, var = state["mean"], state["var"]
        inv = fnp.divide(params["scale"], fnp.sqrt(fnp.add(var, self.eps)))
        y = fnp.add(fnp.multiply(fnp.subtract(x, fnp.reshape(mean, bshape)), fnp.reshape(inv, bshape)),
                    fnp.reshape(params["offset"], bshape))
        return y, state

    def _update(self, running, batch):
        """``m * running + (1 - m) * batch``, without gradient, in the running dtype (so
        that the state keeps its dtype from step to step)."""
        running = fnp.asarray(running)
        new = fnp.add(fnp.multiply(running, self.momentum),
                      fnp.multiply(stop_gradient(batch), 1.0 - self.momentum))
        return new.astype(running.dtype)

    def output_shape(self, input_shape):
        return tuple(input_shape)


class LayerNorm(Layer):
    """Layer normalisation over the last axis: ``(x - mean) / sqrt(var + eps) * scale +
    offset``; params ``{"scale": ones, "offset": zeros}`` of shape ``(features,)``.

    >>> layer = LayerNorm()
    >>> params, state = layer.init(random.key(0), (1, 2))
    >>> layer.apply(params, state, np.array([[1.0, 3.0]], np.float32))[0].round(3)
    array([[-1.,  1.]], dtype=float32)
    """

    def __init__(self, eps=1e-5):
        self.eps = float(eps)

    def _config(self):
        return f"eps={self.eps}"

    def init(self, key, input_shape):
        f = (_shape(input_shape, repr(self))[-1],)
        return {"scale": ones(None, f), "offset": zeros(None, f)}, EMPTY

    def apply(self, params, state, x, *, key=None, train=False):
        x = fnp.asarray(x)
        centred = fnp.subtract(x, fnp.mean(x, axis=-1, keepdims=True))
        var = fnp.mean(fnp.square(centred), axis=-1, keepdims=True)
        y = fnp.multiply(centred, fnp.divide(params["scale"], fnp.sqrt(fnp.add(var, self.eps))))
        return fnp.add(y, params["offset"]), state

    def output_shape(self, input_shape):
        return tuple(input_shape)


# ----------------------------------------------------------------------------------------
# Activation layers
# ----------------------------------------------------------------------------------------

class _Activation(Layer):
    """An elementwise (or per-axis) function as a layer without params or state."""
    _fn = None

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def _config(self):
        return ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())

    def init(self, key, input_shape):
        return EMPTY, EMPTY

    def apply(self, params, state, x, *, key=None, train=False):
        return type(self)._fn(x, **self.kwargs), state

    def output_shape(self, input_shape):
        return tuple(input_shape)


class Relu(_Activation):
    """``relu`` as a layer.

    >>> Relu().apply((), (), np.array([-1.0, 2.0]))[0]
    array([0., 2.])
    """
    _fn = staticmethod(A.relu)


class Sigmoid(_Activation):
    """``sigmoid`` as a layer.

    >>> Sigmoid().apply((), (), np.array([0.0]))[0]
    array([0.5])
    """
    _fn = staticmethod(A.sigmoid)


class Tanh(_Activation):
    """``tanh`` as a layer.

    >>> Tanh().apply((), (), np.array([0.0]))[0]
    array([0.])
    """
    _fn = staticmethod(A.tanh)


class Softplus(_Activation):
    """``softplus`` as a layer.

    >>> Softplus().apply((), (), np.array([0.0]))[0].round(4)
    array([0.6931])
    """
    _fn = staticmethod(A.softplus)


class Silu(_Activation):
    """``silu`` as a layer.

    >>> Silu().apply((), (), np.array([0.0]))[0]
    array([0.])
    """
    _fn = staticmethod(A.silu)


class LeakyRelu(_Activation):
    """``leaky_relu`` as a layer.

    >>> LeakyRelu(0.1).apply((), (), np.array([-1.0, 2.0]))[0]
    array([-0.1,  2. ])
    """
    _fn = staticmethod(A.leaky_relu)

    def __init__(self, negative_slope=0.01):
        super().__init__(negative_slope=negative_slope)


class Elu(_Activation):
    """``elu`` as a layer.

    >>> Elu().apply((), (), np.array([2.0]))[0]
    array([2.])
    """
    _fn = staticmethod(A.elu)

    def __init__(self, alpha=1.0):
        super().__init__(alpha=alpha)


class Gelu(_Activation):
    """``gelu`` as a layer.

    >>> Gelu(approximate=False).apply((), (), np.array([0.0]))[0]
    array([0.])
    """
    _fn = staticmethod(A.gelu)

    def __init__(self, approximate=True):
        super().__init__(approximate=approximate)


class Softmax(_Activation):
    """``softmax`` over ``axis`` as a layer.

    >>> Softmax().apply((), (), np.zeros((1, 2)))[0]
    array([[0.5, 0.5]])
    """
    _fn = staticmethod(A.softmax)

    def __init__(self, axis=-1):
        super().__init__(axis=axis)


class LogSoftmax(_Activation):
    """``log_softmax`` over ``axis`` as a layer.

    >>> np.exp(LogSoftmax().apply((), (), np.zeros((1, 2)))[0])
    array([[0.5, 0.5]])
    """
    _fn = staticmethod(A.log_softmax)

    def __init__(self, axis=-1):
        super().__init__(axis=axis)


# ----------------------------------------------------------------------------------------
# Combinators and fan-out / fan-in
# ----------------------------------------------------------------------------------------

def _check_layers(layers, combinator):
    for i, layer in enumerate(layers):
        if isinstance(layer, type) and issubclass(layer, Layer):
            raise TypeError(f"{combinator}: argument {i} is the layer constructor {layer.__name__}, "
                            f"not a layer; call it: {layer.__name__}()")
        if not isinstance(layer, Layer):
            raise TypeError(f"{combinator}: argument {i} must be a funcdl.nn layer (Dense(3), Relu(), "
                            f"...), got {layer!r}")
    return tuple(layers)


def _split(key, n):
    """``n`` keys from ``key`` (``None`` stays ``None``)."""
    if key is None:
        return (None,) * n
    keys = random.split(key, n)
    return tuple(keys[i] for i in range(n))


class serial(Layer):  # noqa: N801 - stax's name
    """Layers applied one after another; params and state are tuples with one entry per
    layer. ``init`` and ``apply`` split the key into one key per layer.

    >>> net = serial(Dense(4), Relu(), Dense(1))
    >>> params, state = net.init(random.key(0), (-1, 3))
    >>> len(params), params[1], net.output_shape((10, 3))
    (3, (), (10, 1))
    """

    def __init__(self, *layers):
        self.layers = _check_layers(layers, "serial")

    def _config(self):
        return ", ".join(map(repr, self.layers))

    def init(self, key, input_shape):
        params, states = [], []
        for layer, k in zip(self.layers, _split(key, len(self.layers))):
            p, s = layer.init(k, input_shape)
            input_shape = layer.output_shape(input_shape)
            params.append(p)
            states.append(s)
        return tuple(params), tuple(states)

    def apply(self, params, state, x, *, key=None, train=False):
        n = len(self.layers)
        if len(params) != n or len(state) != n:
            raise ValueError(f"serial: {n} layers need {n} params and states, got "
                             f"{len(params)} and {len(state)}")
        states = []
        for layer, p, s, k in zip(self.layers, params, state, _split(key, n)):
            x, s = layer.apply(p, s, x, key=k, train=train)
            states.append(s)
        return x, tuple(states)

    def output_shape(self, input_shape):
        for layer in self.layers:
            input_shape = layer.output_shape(input_shape)
        return input_shape


class parallel(Layer):  # noqa: N801 - stax's name
    """Layers applied side by side: a sequence of inputs in (one per layer), a tuple of
    outputs out; ``input_shape`` is a sequence of shapes. Combine with ``FanOut`` and
    ``FanInSum`` / ``FanInConcat`` for branches.

    >>> block = serial(FanOut(2), parallel(Dense(3), Identity()), FanInSum())
    >>> params, state = block.init(random.key(0), (2, 3))
    >>> block.apply(params, state, np.ones((2, 3), np.float32))[0].shape
    (2, 3)
    """

    def __init__(self, *layers):
        self.layers = _check_layers(layers, "parallel")

    def _config(self):
        return ", ".join(map(repr, self.layers))

    def _shapes(self, input_shape):
        shapes = tuple(input_shape)
        if len(shapes) != len(self.layers) or not all(isinstance(s, (tuple, list)) for s in shapes):
            raise ValueError(f"parallel: {len(self.layers)} layers need a sequence of "
                             f"{len(self.layers)} input shapes, got {input_shape!r}")
        return shapes

    def init(self, key, input_shape):
        shapes = self._shapes(input_shape)
        pairs = [layer.init(k, s) for layer, k, s in
                 zip(self.layers, _split(key, len(self.layers)), shapes)]
        return tuple(p for p, _ in pairs), tuple(s for _, s in pairs)

    def apply(self, params, state, x, *, key=None, train=False):
        n = len(self.layers)
        if len(x) != n:
            raise ValueError(f"parallel: {n} layers need a sequence of {n} inputs, got {len(x)}")
        outs = [layer.apply(p, s, xi, key=k, train=train) for layer, p, s, xi, k in
                zip(self.layers, params, state, x, _split(key, n))]
        return tuple(y for y, _ in outs), tuple(s for _, s in outs)

    def output_shape(self, input_shape):
        return tuple(layer.output_shape(s) for layer, s in zip(self.layers, self._shapes(input_shape)))


class Identity(Layer):
    """Passes its input through.

    >>> Identity().apply((), (), np.ones(2))[0]
    array([1., 1.])
    """

    def init(self, key, input_shape):
        return EMPTY, EMPTY

    def apply(self, params, state, x, *, key=None, train=False):
        return x, state

    def output_shape(self, input_shape):
        return input_shape


class FanOut(Layer):
    """Copies its input into a tuple of ``num`` inputs (for ``parallel``).

    >>> FanOut(2).output_shape((3, 4))
    ((3, 4), (3, 4))
    """

    def __init__(self, num):
        self.num = int(num)

    def _config(self):
        return str(self.num)

    def init(self, key, input_shape):
        return EMPTY, EMPTY

    def apply(self, params, state, x, *, key=None, train=False):
        return (x,) * self.num, state

    def output_shape(self, input_shape):
        return (tuple(input_shape),) * self.num


class FanInSum(Layer):
    """Sums a sequence of inputs of one shape.

    >>> FanInSum().apply((), (), (np.ones(2), np.ones(2)))[0]
    array([2., 2.])
    """

    def init(self, key, input_shape):
        return EMPTY, EMPTY

    def apply(self, params, state, x, *, key=None, train=False):
        total = x[0]
        for xi in x[1:]:
            total = fnp.add(total, xi)
        return total, state

    def output_shape(self, input_shape):
        return tuple(input_shape[0])


class FanInConcat(Layer):
    """Concatenates a sequence of inputs along ``axis``.

    >>> FanInConcat().output_shape(((5, 2), (5, 3)))
    (5, 5)
    """

    def __init__(self, axis=-1):
        self.axis = int(axis)

    def _config(self):
        return f"axis={self.axis}"

    def init(self, key, input_shape):
        return EMPTY, EMPTY

    def apply(self, params, state, x, *, key=None, train=False):
        return fnp.concatenate(list(x), axis=self.axis), state

    def output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        axis = self.axis % len(shapes[0])
        size = sum(s[axis] for s in shapes)
        return shapes[0][:axis] + (size,) + shapes[0][axis + 1:]
