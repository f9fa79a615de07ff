"""``funcdl.nn``: activations, initializers, losses and stax-style layers.

Everything is composed from ``funcdl.numpy``, so ``grad``, ``vmap`` and ``jit`` apply to
every function here and to every layer's ``apply``. Layers follow the convention at the
top of :mod:`funcdl.nn.layers`; initializers live in ``funcdl.nn.initializers`` (also
reachable as ``nn.glorot_normal`` etc.).

>>> import numpy as np
>>> from funcdl import nn, random
>>> net = nn.serial(nn.Dense(8), nn.Relu(), nn.Dense(3), nn.LogSoftmax())
>>> params, state = net.init(random.key(0), (-1, 4))
>>> logp, state = net.apply(params, state, np.ones((2, 4), np.float32))
>>> float(nn.softmax_cross_entropy_with_integer_labels(logp, np.array([0, 2]))) > 0
True
"""
from .. import lax as _lax
from . import initializers
from .activations import (celu, dot_product_attention, elu, gelu, glu, hard_sigmoid, hard_silu,
                          hard_swish, hard_tanh, identity, leaky_relu, log1mexp, log_sigmoid,
                          log_softmax, logmeanexp, logsumexp, mish, one_hot, relu, relu6, selu,
                          sigmoid, silu, soft_sign, softmax, softplus, sparse_plus,
                          sparse_sigmoid, squareplus, standardize, swish, tanh)
from .initializers import (constant, glorot_normal, glorot_uniform, he_normal, he_uniform,
                           kaiming_normal, kaiming_uniform, lecun_normal, lecun_uniform, normal,
                           ones, orthogonal, truncated_normal, uniform, variance_scaling,
                           xavier_normal, xavier_uniform, zeros)
from .layers import (AvgPool, BatchNorm, Conv2D, Dense, DropConnect, Dropout, Elu, FanInConcat,
                     FanInSum, FanOut, Flatten, Gelu, Identity, Layer, LayerNorm, LeakyRelu,
                     LogSoftmax, MaxPool, Relu, Sigmoid, Silu, Softmax, Softplus, Tanh, parallel,
                     serial)
from .losses import (binary_cross_entropy, categorical_cross_entropy, hinge, huber,
                     l1_penalty, l2_penalty, mae, mse, multiclass_hinge,
                     sigmoid_binary_cross_entropy, softmax_cross_entropy,
                     softmax_cross_entropy_with_integer_labels)
from .recurrent import GRU, LSTM, JordanRNN, SimpleRNN

max_pool, avg_pool = _lax.max_pool, _lax.avg_pool  # the functional pooling ops
