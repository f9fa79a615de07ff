"""Recurrent layers, following the layer convention of :mod:`funcdl.nn.layers`.

Inputs are batch-first ``(B, T, F)``; the output holds every step's output ``(B, T, H)``,
or only the last step's ``(B, H)`` with ``return_sequences=False``. The recurrence starts
from zeros. Each layer is written as a step function ``cell(params, carry, x_t) -> (carry,
y_t)``, where ``x_t`` is the step's input already multiplied by the input weights (that
product is one matrix multiplication for all steps, before the loop); ``lax.scan`` runs the
cell over time, so the loop stays one loop in the IR and in compiled code. Params are dicts; the gates of LSTM and GRU
share one matrix each, ``w: (F, G * H)`` for the inputs and ``u: (H, G * H)`` for the
recurrence, with the gates side by side in the documented order. Initializers: ``w``
glorot normal, ``u`` orthogonal, biases zero.

>>> import numpy as np
>>> from funcdl import random
>>> rnn = LSTM(8)
>>> params, state = rnn.init(random.key(0), (2, 5, 3))
>>> y, state = rnn.apply(params, state, np.ones((2, 5, 3), np.float32))
>>> y.shape, rnn.output_shape((2, 5, 3))
((2, 5, 8), (2, 5, 8))
"""
import numpy as np

from .. import lax
from .. import numpy as fnp
from .. import random
from . import activations as A
from .initializers import glorot_normal, orthogonal, zeros
from .layers import EMPTY, Layer, _shape

__all__ = ["SimpleRNN", "JordanRNN", "LSTM", "GRU"]


def _gates(z, n, hidden):
    return [z[:, k * hidden:(k + 1) * hidden] for k in range(n)]


class _Recurrent(Layer):
    """Shared driver: project the inputs, scan the cell over time, pick the outputs."""
    gates = 1  # blocks of ``hidden`` columns in ``w``, ``u`` and ``b``

    def __init__(self, hidden, return_sequences=True, w_init=glorot_normal(),
                 u_init=orthogonal(), b_init=zeros):
        self.hidden, self.return_sequences = int(hidden), bool(return_sequences)
        self.w_init, self.u_init, self.b_init = w_init, u_init, b_init

    def _config(self):
        return f"{self.hidden}" + ("" if self.return_sequences else ", return_sequences=False")

    @property
    def _outputs(self):
        return self.hidden

    def init(self, key, input_shape):
        f = _shape(input_shape, repr(self), ndim=3)[2]
        kw, ku, kb, kx = random.split(key, 4)
        g = self.gates * self.hidden
        params = {"w": self.w_init(kw, (f, g)), "u": self.u_init(ku, (self._feedback, g)),
                  "b": self.b_init(kb, (g,))}
        params.update(self._extra_params(kx))
        return params, EMPTY

    @property
    def _feedback(self):
        return self.hidden  # the size of the fed-back vector

    def _extra_params(self, key):
        return {}

    def initial_carry(self, batch, dtype):
        return fnp.zeros((batch, self.hidden), dtype)

    def apply(self, params, state, x, *, key=None, train=False):
        x = fnp.asarray(x)
        if x.ndim != 3 or x.shape[1] == 0:
            raise ValueError(f"{self!r}: expects batch-first inputs (B, T, F) with T >= 1, "
                             f"got shape {x.shape}")
        xw = fnp.add(fnp.matmul(x, params["w"]), params["b"])  # (B, T, G*H), all steps at once
        carry = self.initial_carry(x.shape[0], xw.dtype)
        _, ys = lax.scan(lambda c, xt: self.cell(params, c, xt), carry, fnp.swapaxes(xw, 0, 1))
        return (fnp.swapaxes(ys, 0, 1) if self.return_sequences else ys[-1]), state

    def output_shape(self, input_shape):
        b, t, _ = _shape(input_shape, repr(self), ndim=3)
        return (b, t, self._outputs) if self.return_sequences else (b, self._outputs)


class SimpleRNN(_Recurrent):
    """Elman network: ``h_t = tanh(x_t w + h_{t-1} u + b)``; params ``{"w": (F, H),
    "u": (H, H), "b": (H,)}``; outputs the hidden states.

    >>> rnn = SimpleRNN(4, return_sequences=False)
    >>> params, state = rnn.init(random.key(0), (2, 3, 5))
    >>> rnn.apply(params, state, np.ones((2, 3, 5), np.float32))[0].shape
    (2, 4)
    """

    def cell(self, params, h, xw_t):
        h = A.tanh(fnp.add(xw_t, fnp.matmul(h, params["u"])))
        return h, h


class JordanRNN(_Recurrent):
    """Jordan network, feeding back its previous output: ``h_t = tanh(x_t w + y_{t-1} u +
    b)``, ``y_t = h_t v + c`` (``y_0 = 0``); params ``{"w": (F, H), "u": (O, H), "b": (H,),
    "v": (H, O), "c": (O,)}``; outputs the ``y_t``, shape ``(B, T, outputs)``.

    >>> rnn = JordanRNN(4, 2)
    >>> params, state = rnn.init(random.key(0), (2, 3, 5))
    >>> rnn.apply(params, state, np.ones((2, 3, 5), np.float32))[0].shape
    (2, 3, 2)
    """

    def __init__(self, hidden, outputs, return_sequences=True, w_init=glorot_normal(),
                 u_init=orthogonal(), b_init=zeros, v_init=glorot_normal()):
        super().__init__(hidden, return_sequences, w_init, u_init, b_init)
        self.outputs, self.v_init = int(outputs), v_init

    def _config(self):
        return f"{self.hidden}, {self.outputs}" + ("" if self.return_sequences
                                                    else ", return_sequences=False")

    @property
    def _outputs(self):
        return self.outputs

    @property
    def _feedback(self):
        return self.outputs

    def _extra_params(self, key):
        kv, kc = random.split(key)
        return {"v": self.v_init(kv, (self.hidden, self.outputs)),
                "c": self.b_init(kc, (self.outputs,))}

    def initial_carry(self, batch, dtype):
        return fnp.zeros((batch, self.outputs), dtype)

    def cell(self, params, y_prev, xw_t):
        h = A.tanh(fnp.add(xw_t, fnp.matmul(y_prev, params["u"])))
        y = fnp.add(fnp.matmul(h, params["v"]), params["c"])
        return y, y


class LSTM(_Recurrent):
    """Long short-term memory, gates in the order (i, f, g, o) in ``w: (F, 4H)``,
    ``u: (H, 4H)``, ``b: (4H,)``::

        i = sigmoid(x w_i + h u_i + b_i [+ p_i * c_{t-1}])
        f = sigmoid(x w_f + h u_f + b_f [+ p_f * c_{t-1}])
        g = tanh(x w_g + h u_g + b_g)
        c_t = f * c_{t-1} + i * g
        o = sigmoid(x w_o + h u_o + b_o [+ p_o * c_t])
        h_t = o * tanh(c_t)

    The bracketed peephole terms (diagonal weights ``p_i, p_f, p_o`` of shape ``(H,)``,
    initialised to zero) are there with ``peephole=True``. The forget-gate bias starts at
    ``forget_bias`` (1 by default, so that memory is kept early in training).
    Outputs the ``h_t``.

    >>> rnn = LSTM(4, peephole=True)
    >>> params, _ = rnn.init(random.key(0), (2, 3, 5))
    >>> sorted(params), params["u"].shape
    (['b', 'p_f', 'p_i', 'p_o', 'u', 'w'], (4, 16))
    """
    gates = 4

    def __init__(self, hidden, peephole=False, return_sequences=True, w_init=glorot_normal(),
                 u_init=orthogonal(), b_init=zeros, forget_bias=1.0):
        super().__init__(hidden, return_sequences, w_init, u_init, b_init)
        self.peephole, self.forget_bias = bool(peephole), float(forget_bias)

    def _config(self):
        return super()._config() + (", peephole=True" if self.peephole else "")

    def init(self, key, input_shape):
        params, state = super().init(key, input_shape)
        h, b = self.hidden, params["b"]
        shift = np.zeros(4 * h, b.dtype)
        shift[h:2 * h] = self.forget_bias
        params["b"] = fnp.add(b, shift)
        return params, state

    def _extra_params(self, key):
        if not self.peephole:
            return {}
        return {name: zeros(None, (self.hidden,)) for name in ("p_i", "p_f", "p_o")}

    def initial_carry(self, batch, dtype):
        return (fnp.zeros((batch, self.hidden), dtype), fnp.zeros((batch, self.hidden), dtype))

    def cell(self, params, carry, xw_t):
        h, c = carry
        zi, zf, zg, zo = _gates(fnp.add(xw_t, fnp.matmul(h, params["u"])), 4, self.hidden)
        if self.peephole:
            zi = fnp.add(zi, fnp.multiply(params["p_i"], c))
            zf = fnp.add(zf, fnp.multiply(params["p_f"], c))
        c = fnp.add(fnp.multiply(A.sigmoid(zf), c), fnp.multiply(A.sigmoid(zi), A.tanh(zg)))
        if self.peephole:
            zo = fnp.add(zo, fnp.multiply(params["p_o"], c))
        h = fnp.multiply(A.sigmoid(zo), A.tanh(c))
        return (h, c), h


class GRU(_Recurrent):
    """Gated recurrent unit (Cho et al., 2014), gates in the order (z, r, n) in
    ``w: (F, 3H)``, ``u: (H, 3H)``, ``b: (3H,)``::

        z = sigmoid(x w_z + h u_z + b_z)            (update)
        r = sigmoid(x w_r + h u_r + b_r)            (reset)
        n = tanh(x w_n + (r * h) u_n + b_n)         (candidate)
        h_t = z * h_{t-1} + (1 - z) * n

    Outputs the ``h_t``.

    >>> rnn = GRU(4)
    >>> params, _ = rnn.init(random.key(0), (2, 3, 5))
    >>> params["w"].shape, rnn.output_shape((2, 3, 5))
    ((5, 12), (2, 3, 4))
    """
    gates = 3

    def cell(self, params, h, xw_t):
        hid = self.hidden
        u = params["u"]
        xz, xr, xn = _gates(xw_t, 3, hid)
        hz, hr = _gates(fnp.matmul(h, u[:, :2 * hid]), 2, hid)
        z = A.sigmoid(fnp.add(xz, hz))
        r = A.sigmoid(fnp.add(xr, hr))
        n = A.tanh(fnp.add(xn, fnp.matmul(fnp.multiply(r, h), u[:, 2 * hid:])))
        h = fnp.add(fnp.multiply(z, h), fnp.multiply(fnp.subtract(1, z), n))
        return h, h
