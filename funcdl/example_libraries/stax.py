"""``jax.example_libraries.stax`` on funcdl: layers as ``(init_fun, apply_fun)`` pairs.

``init_fun(rng, input_shape) -> (output_shape, params)`` and
``apply_fun(params, inputs, **kwargs) -> outputs`` (``rng=`` for ``Dropout``). Layers
without parameters are pairs themselves (``Relu``, ``Flatten``, ``LogSoftmax``), the others
are made by calling a constructor (``Dense(10)``, ``Conv(32, (3, 3))``). Images are NHWC,
kernels HWIO, as in stax. Unlike :mod:`funcdl.nn`'s layers, there is no layer state:
``BatchNorm`` always normalises with the batch's statistics.

>>> import numpy as np
>>> from funcdl import random
>>> from funcdl.example_libraries import stax
>>> init_fun, apply_fun = stax.serial(stax.Dense(8), stax.Relu, stax.Dense(3), stax.LogSoftmax)
>>> out_shape, params = init_fun(random.PRNGKey(0), (-1, 4))
>>> out_shape, apply_fun(params, np.ones((2, 4), np.float32)).shape
((-1, 3), (2, 3))
"""
import functools
import math

import numpy as np

from .. import lax
from .. import numpy as fnp
from .. import random
from ..nn import activations
from ..nn.activations import (elu, gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, softplus,
                              standardize)
from ..nn.initializers import glorot_normal, normal, ones, zeros

__all__ = ["Dense", "GeneralConv", "Conv", "GeneralConvTranspose", "ConvTranspose", "Conv1DTranspose", "BatchNorm", "elementwise", "Tanh", "Relu", "Exp",
           "LogSoftmax", "Softmax", "Softplus", "Sigmoid", "Elu", "LeakyRelu", "Selu", "Gelu",
           "MaxPool", "SumPool", "AvgPool", "Flatten", "Identity", "FanOut", "FanInSum",
           "FanInConcat", "Dropout", "serial", "parallel", "shape_dependent",
           "relu", "log_softmax", "logsoftmax", "softmax", "softplus", "sigmoid", "elu",
           "leaky_relu", "selu", "gelu", "standardize"]

selu = activations.selu
logsoftmax = log_softmax  # stax's older name


# -- layers with parameters ---------------------------------------------------------------


def Dense(out_dim, W_init=glorot_normal(), b_init=normal()):
    """A fully connected layer: ``inputs @ W + b``, ``W`` of shape (in, out_dim).

    >>> _, (W, b) = Dense(3)[0](random.PRNGKey(0), (5, 2))
    >>> W.shape, b.shape
    ((2, 3), (3,))
    """
    def init_fun(rng, input_shape):
        output_shape = tuple(input_shape[:-1]) + (out_dim,)
        k1, k2 = random.split(rng)
        return output_shape, (W_init(k1, (input_shape[-1], out_dim)), b_init(k2, (out_dim,)))

    def apply_fun(params, inputs, **kwargs):
        W, b = params
        return fnp.dot(inputs, W) + b
    return init_fun, apply_fun


def _check_spec(spec, letters, what):
    if sorted(spec) != sorted(letters) or len(spec) != 4:
        raise ValueError(f"GeneralConv: the {what} layout must be a permutation of "
                         f"{letters!r} (two spatial dimensions), got {spec!r}")


def _conv_output_shape(lhs_shape, kernel_hw, strides, pads, out_chan, lhs_spec, out_spec):
    n, c = lhs_shape[lhs_spec.index("N")], out_chan
    spatial = [lhs_shape[lhs_spec.index(d)] for d in "HW"]
    out = [(s + lo + hi - k) // st + 1 for s, k, st, (lo, hi) in zip(spatial, kernel_hw, strides, pads)]
    sizes = {"N": n, "C": c, "H": out[0], "W": out[1]}
    return tuple(sizes[d] for d in out_spec)


def GeneralConv(dimension_numbers, out_chan, filter_shape, strides=None, padding="VALID",
                W_init=None, b_init=normal(1e-6)):
    """A 2-D convolution with the layouts ``dimension_numbers = (lhs, rhs, out)``, for
    example ``('NHWC', 'HWIO', 'NHWC')``; ``padding`` "VALID", "SAME" or (lo, hi) pairs.

    >>> init_fun, apply_fun = GeneralConv(('NCHW', 'OIHW', 'NCHW'), 4, (3, 3))
    >>> init_fun(random.PRNGKey(0), (2, 3, 8, 8))[0]
    (2, 4, 6, 6)
    """
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    for spec, what in ((lhs_spec, "input"), (out_spec, "output")):
        _check_spec(spec, "NCHW", what)
    _check_spec(rhs_spec, "OIHW", "kernel")
    filter_shape = tuple(filter_shape)
    strides = (1,) * len(filter_shape) if strides is None else tuple(strides)
    W_init = W_init or glorot_normal(rhs_spec.index("I"), rhs_spec.index("O"))

    def init_fun(rng, input_shape):
        sizes = {"I": input_shape[lhs_spec.index("C")], "O": out_chan,
                 "H": filter_shape[0], "W": filter_shape[1]}
        kernel_shape = tuple(sizes[d] for d in rhs_spec)
        pads = _conv_pads(padding, input_shape, lhs_spec, filter_shape, strides)
        output_shape = _conv_output_shape(input_shape, filter_shape, strides, pads, out_chan,
                                          lhs_spec, out_spec)
        bias_shape = tuple(out_chan if d == "C" else 1 for d in out_spec)
        k1, k2 = random.split(rng)
        return output_shape, (W_init(k1, kernel_shape), b_init(k2, bias_shape))

    def apply_fun(params, inputs, **kwargs):
        W, b = params
        x = fnp.transpose(inputs, [lhs_spec.index(d) for d in "NCHW"])
        w = fnp.transpose(W, [rhs_spec.index(d) for d in "OIHW"])
        pads = _conv_pads(padding, inputs.shape, lhs_spec, filter_shape, strides)
        y = lax.conv(x, w, stride=strides, padding=pads)
        return fnp.transpose(y, ["NCHW".index(d) for d in out_spec]) + b
    return init_fun, apply_fun


def _conv_pads(padding, input_shape, lhs_spec, window, strides):
    spatial = [input_shape[lhs_spec.index(d)] for d in "HW"]
    return lax.conv_padding(padding, spatial, window, strides, (1, 1))


Conv = functools.partial(GeneralConv, ("NHWC", "HWIO", "NHWC"))
Conv.__doc__ = """``GeneralConv`` with NHWC inputs and outputs and HWIO kernels.

>>> Conv(8, (3, 3), padding='SAME')[0](random.PRNGKey(0), (1, 5, 5, 3))[0]
(1, 5, 5, 8)
"""


def GeneralConvTranspose(dimension_numbers, out_chan, filter_shape, strides=None, padding="VALID",
                         W_init=None, b_init=normal(1e-6)):
    """A transposed convolution (``lax.conv_transpose``) with the layouts
    ``dimension_numbers = (lhs, rhs, out)``, over one or two spatial axes.

    >>> GeneralConvTranspose(('NHWC', 'HWIO', 'NHWC'), 4, (3, 3), (2, 2), 'SAME')[0](random.PRNGKey(0), (1, 5, 5, 3))[0]
    (1, 10, 10, 4)
    """
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    filter_shape = tuple(filter_shape)
    strides = (1,) * len(filter_shape) if strides is None else tuple(strides)
    W_init = W_init or glorot_normal(rhs_spec.index("I"), rhs_spec.index("O"))

    def init_fun(rng, input_shape):
        spatial = iter(filter_shape)
        kernel_shape = tuple(out_chan if d == "O" else input_shape[lhs_spec.index("C")] if d == "I" else next(spatial)
                             for d in rhs_spec)
        output_shape = lax.conv_transpose_shape_tuple(input_shape, kernel_shape, strides, padding, dimension_numbers)
        bias_shape = tuple(out_chan if d == "C" else 1 for d in out_spec)
        k1, k2 = random.split(rng)
        return output_shape, (W_init(k1, kernel_shape), b_init(k2, bias_shape))

    def apply_fun(params, inputs, **kwargs):
        W, b = params
        return lax.conv_transpose(inputs, W, strides, padding, dimension_numbers=dimension_numbers) + b
    return init_fun, apply_fun


ConvTranspose = functools.partial(GeneralConvTranspose, ("NHWC", "HWIO", "NHWC"))
ConvTranspose.__doc__ = """``GeneralConvTranspose`` with NHWC inputs and outputs and HWIO kernels.

>>> ConvTranspose(8, (3, 3), (2, 2))[0](random.PRNGKey(0), (1, 5, 5, 3))[0]
(1, 11, 11, 8)
"""
Conv1DTranspose = functools.partial(GeneralConvTranspose, ("NHC", "HIO", "NHC"))
Conv1DTranspose.__doc__ = """``GeneralConvTranspose`` over one spatial axis: NHC inputs and outputs, HIO kernels.

>>> Conv1DTranspose(8, (3,), (2,), 'SAME')[0](random.PRNGKey(0), (1, 5, 3))[0]
(1, 10, 8)
"""


def BatchNorm(axis=(0, 1, 2), epsilon=1e-5, center=True, scale=True, beta_init=zeros,
              gamma_init=ones):
    """Normalise over ``axis`` with the batch's statistics, then scale by ``gamma`` and shift
    by ``beta`` (shaped like the remaining axes). No running averages (as stax).

    >>> init_fun, apply_fun = BatchNorm()
    >>> _, (beta, gamma) = init_fun(random.PRNGKey(0), (4, 2, 2, 3))
    >>> beta.shape, apply_fun((beta, gamma), np.ones((4, 2, 2, 3))).shape
    ((3,), (4, 2, 2, 3))
    """
    axis = (axis,) if np.isscalar(axis) else tuple(axis)

    def init_fun(rng, input_shape):
        shape = tuple(d for i, d in enumerate(input_shape) if i not in axis)
        k1, k2 = random.split(rng)
        beta = beta_init(k1, shape) if center else ()
        gamma = gamma_init(k2, shape) if scale else ()
        return input_shape, (beta, gamma)

    def apply_fun(params, x, **kwargs):
        beta, gamma = params
        axes = tuple(a % x.ndim for a in axis)
        expand = tuple(None if i in axes else slice(None) for i in range(x.ndim))
        z = standardize(x, axes, epsilon=epsilon)
        if scale:
            z = gamma[expand] * z
        if center:
            z = z + beta[expand]
        return z
    return init_fun, apply_fun


# -- layers without parameters -------------------------------------------------------------


def elementwise(fun, **fun_kwargs):
    """A layer applying ``fun(inputs, **fun_kwargs)``.

    >>> elementwise(fnp.square)[1]((), np.array([3.0]))
    array([9.])
    """
    def init_fun(rng, input_shape):
        return input_shape, ()

    def apply_fun(params, inputs, **kwargs):
        return fun(inputs, **fun_kwargs)
    return init_fun, apply_fun


Tanh = elementwise(fnp.tanh)
Relu = elementwise(relu)
Exp = elementwise(fnp.exp)
LogSoftmax = elementwise(log_softmax, axis=-1)
Softmax = elementwise(softmax, axis=-1)
Softplus = elementwise(softplus)
Sigmoid = elementwise(sigmoid)
Elu = elementwise(elu)
LeakyRelu = elementwise(leaky_relu)
Selu = elementwise(selu)
Gelu = elementwise(gelu)


def _pool_layer(name, reducer, rescale=None):
    def PoolingLayer(window_shape, strides=None, padding="VALID", spec=None):
        window_shape = tuple(window_shape)
        strides = (1,) * len(window_shape) if strides is None else tuple(strides)
        layout = "NHWC" if spec is None else spec
        _check_pool_spec(name, layout)
        to_nchw = [layout.index(d) for d in "NCHW"]
        from_nchw = ["NCHW".index(d) for d in layout]

        def init_fun(rng, input_shape):
            nchw = [input_shape[i] for i in to_nchw]
            pads = lax.conv_padding(padding, nchw[2:], window_shape, strides, (1, 1))
            out = [(s + lo + hi - k) // st + 1
                   for s, k, st, (lo, hi) in zip(nchw[2:], window_shape, strides, pads)]
            sizes = dict(zip("NCHW", nchw[:2] + out))
            return tuple(sizes[d] for d in layout), ()

        def apply_fun(params, inputs, **kwargs):
            x = fnp.transpose(inputs, to_nchw)
            y = reducer(x, window_shape, strides, padding)
            if rescale is not None:
                y = rescale(y, x.shape, window_shape, strides, padding)
            return fnp.transpose(y, from_nchw)
        return init_fun, apply_fun
    PoolingLayer.__name__ = name
    PoolingLayer.__doc__ = (f"{name} pooling over ``window_shape`` windows of NHWC inputs (or "
                            "the layout ``spec``); ``strides`` default to 1, as in stax.")
    return PoolingLayer


def _check_pool_spec(name, spec):
    if len(spec) != 4 or sorted(spec) != sorted("NCHW"):
        raise ValueError(f"{name}: funcdl pools over two spatial dimensions; spec must be a "
                         f"permutation of 'NHWC', got {spec!r}")


def _by_window_counts(y, x_shape, window, strides, padding):
    """Divide sums by the number of unpadded elements in each window."""
    counts = lax.sum_pool(np.ones((1, 1) + tuple(x_shape[2:])), window, strides, padding)
    return y / np.asarray(counts, y.dtype)


MaxPool = _pool_layer("MaxPool", lax.max_pool)
SumPool = _pool_layer("SumPool", lax.sum_pool)
AvgPool = _pool_layer("AvgPool", lax.sum_pool, rescale=_by_window_counts)


def _flatten_init(rng, input_shape):
    return (input_shape[0], math.prod(input_shape[1:])), ()


def _flatten_apply(params, inputs, **kwargs):
    return fnp.reshape(inputs, (inputs.shape[0], -1))


Flatten = (_flatten_init, _flatten_apply)
Identity = (lambda rng, input_shape: (input_shape, ()), lambda params, inputs, **kwargs: inputs)


def FanOut(num):
    """A layer that copies its input into a list of ``num`` inputs (for ``parallel``)."""
    return (lambda rng, input_shape: ([input_shape] * num, ()),
            lambda params, inputs, **kwargs: [inputs] * num)


FanInSum = (lambda rng, input_shape: (input_shape[0], ()),
            lambda params, inputs, **kwargs: sum(inputs))


def FanInConcat(axis=-1):
    """A layer that concatenates a list of inputs along ``axis``."""
    def init_fun(rng, input_shape):
        ax = axis % len(input_shape[0])
        concat_size = sum(shape[ax] for shape in input_shape)
        return input_shape[0][:ax] + (concat_size,) + input_shape[0][ax + 1:], ()

    def apply_fun(params, inputs, **kwargs):
        return fnp.concatenate(inputs, axis)
    return init_fun, apply_fun


def Dropout(rate, mode="train"):
    """Keep each input with probability ``rate`` (stax's convention: ``rate`` is the *keep*
    probability) and scale the survivors by ``1 / rate``; identity unless ``mode == 'train'``.
    ``apply_fun`` needs ``rng=``.

    >>> Dropout(0.5)[1]((), np.ones(4), rng=random.PRNGKey(0)).shape
    (4,)
    """
    def init_fun(rng, input_shape):
        return input_shape, ()

    def apply_fun(params, inputs, **kwargs):
        rng = kwargs.get("rng", None)
        if rng is None:
            raise ValueError("Dropout: apply_fun needs a PRNG key: call it as "
                             "apply_fun(params, inputs, rng=key) (serial passes rng= to every "
                             "layer)")
        if mode != "train":
            return inputs
        keep = random.bernoulli(rng, rate, inputs.shape)
        return fnp.where(keep, inputs / rate, 0)
    return init_fun, apply_fun


# -- combinators ------------------------------------------------------------------------------


def serial(*layers):
    """Layers in sequence; ``init_fun`` splits ``rng`` once per layer and ``apply_fun``
    splits ``rng=`` (when given) into one key per layer.

    >>> init_fun, apply_fun = serial(Dense(2), Relu)
    >>> init_fun(random.PRNGKey(0), (1, 3))[0]
    (1, 2)
    """
    init_funs, apply_funs = zip(*layers) if layers else ((), ())

    def init_fun(rng, input_shape):
        params = []
        for init in init_funs:
            rng, layer_rng = random.split(rng)
            input_shape, param = init(layer_rng, input_shape)
            params.append(param)
        return input_shape, params

    def apply_fun(params, inputs, **kwargs):
        rng = kwargs.pop("rng", None)
        rngs = random.split(rng, len(layers)) if rng is not None else (None,) * len(layers)
        for fun, param, layer_rng in zip(apply_funs, params, rngs):
            inputs = fun(param, inputs, rng=layer_rng, **kwargs)
        return inputs
    return init_fun, apply_fun


def parallel(*layers):
    """Layers side by side: a sequence of inputs in (one per layer), a list of outputs out."""
    init_funs, apply_funs = zip(*layers) if layers else ((), ())

    def init_fun(rng, input_shape):
        rngs = random.split(rng, len(layers))
        results = [init(r, shape) for init, r, shape in zip(init_funs, rngs, input_shape)]
        return tuple(s for s, _ in results), tuple(p for _, p in results)

    def apply_fun(params, inputs, **kwargs):
        rng = kwargs.pop("rng", None)
        rngs = random.split(rng, len(layers)) if rng is not None else (None,) * len(layers)
        return [f(p, x, rng=r, **kwargs) for f, p, x, r in zip(apply_funs, params, inputs, rngs)]
    return init_fun, apply_fun


def shape_dependent(make_layer):
    """A layer built by ``make_layer(input_shape)`` once the input shape is known (the
    shape is passed to ``apply_fun`` as ``inputs.shape``)."""
    def init_fun(rng, input_shape):
        return make_layer(input_shape)[0](rng, input_shape)

    def apply_fun(params, inputs, **kwargs):
        return make_layer(inputs.shape)[1](params, inputs, **kwargs)
    return init_fun, apply_fun
