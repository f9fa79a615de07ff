"""``funcdl.numpy``: numpy's API on primitives, so every function is traceable.

Outside any transform these functions take and return plain numpy arrays; inside one
they take and return traced values, which also get numpy's operators, methods,
indexing and the functional ``x.at[idx].set(v)`` updates.

>>> import funcdl.numpy as fnp, numpy as np
>>> fnp.sum(fnp.sin(np.zeros(3)) + 1.0)
np.float64(3.0)
"""
import numpy as _np

from ._base import array, asarray, result_type
from ._creation import (arange, eye, full, full_like, linspace, ones, ones_like, zeros,
                        zeros_like)
from ._indexing import take, take_along_axis
from ._linalg import dot, einsum, matmul, outer, tensordot
from ._math import (abs, absolute, add, arcsinh, arctan, around, ceil, clip, cos, cosh, divide, equal,
                    erf, erfinv, exp, expm1, floor, floor_divide, greater, greater_equal, isfinite,
                    isnan, less, less_equal, log, log1p, logaddexp, logical_and, logical_not,
                    logical_or, maximum, minimum, mod, multiply, negative, not_equal, positive,
                    power, reciprocal, remainder, round, sign, sin, sinh, sqrt, square, subtract,
                    tan, tanh, true_divide, where)
from ._reductions import (all, amax, amin, any, argmax, argmin, cumsum, max, mean, min, prod,
                          std, sum, var)
from ._shape import (broadcast_arrays, broadcast_to, concatenate, expand_dims, flip, moveaxis,
                     pad, ravel, repeat, reshape, split, squeeze, stack, swapaxes, tile,
                     transpose)
from ._tracer_methods import install as _install

float16, float32, float64 = _np.float16, _np.float32, _np.float64
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
uint8, uint32, uint64 = _np.uint8, _np.uint32, _np.uint64
bool_ = _np.bool_
dtype, ndarray = _np.dtype, _np.ndarray
pi, e, inf, nan, newaxis = _np.pi, _np.e, _np.inf, _np.nan, None

_install()
