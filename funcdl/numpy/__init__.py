"""``funcdl.numpy``: numpy's API on primitives, so every function is traceable.

Outside any transform these functions take and return plain numpy arrays; inside one
they take and return traced values, which also get numpy's operators, methods,
indexing and the functional ``x.at[idx].set(v)`` updates.

>>> import funcdl.numpy as fnp, numpy as np
>>> fnp.sum(fnp.sin(np.zeros(3)) + 1.0)
np.float64(3.0)
"""
import numpy as _np

from ._arrange import (angle, astype, bartlett, blackman, block, broadcast_shapes, concat, conj,
                       conjugate, copy, diag_indices, diag_indices_from, empty, empty_like,
                       fill_diagonal, fliplr, flipud, geomspace, hamming, hanning, imag, indices,
                       iscomplex, isreal, ix_, kaiser, logspace, mask_indices, meshgrid,
                       permute_dims, real, resize, roll, rollaxis, rot90, select, tril_indices,
                       tril_indices_from, triu_indices, triu_indices_from, unstack)
from ._base import array, asarray, result_type
from ._creation import (arange, eye, full, full_like, linspace, ones, ones_like, zeros,
                        zeros_like)
from ._indexing import take, take_along_axis
from ._functional import (apply_along_axis, apply_over_axes, argpartition, array_repr, array_str,
                          choose, delete, frompyfunc, histogram, histogram2d, histogram_bin_edges,
                          histogramdd, insert, packbits, unpackbits, einsum_path, fromfunction, from_dlpack, frombuffer, fromfile,
                          fromiter, fromstring, get_printoptions, gradient, iterable, lexsort,
                          load, nanmedian, nanpercentile, nanquantile, partition, piecewise,
                          place, poly, polydiv, printoptions, put, put_along_axis,
                          ravel_multi_index, save, savez, set_printoptions, unravel_index, unwrap,
                          vander, vectorize)
from ._linalg import dot, einsum, matmul, outer, tensordot
from ._math import (abs, absolute, acos, acosh, add, arccos, arccosh, arcsin, arcsinh, arctan,
                    arctan2, arctanh, around, asin, asinh, atan, atan2, atanh, cbrt, ceil, clip,
                    copysign, cos, cosh, divide, equal, erf, erfc, erfinv, exp, exp2, expm1, fabs, fix,
                    floor, floor_divide, fmod, greater, greater_equal, hypot, isfinite, isnan,
                    less, less_equal, log, log1p, log2, log10, logaddexp, logical_and,
                    logical_not, logical_or, maximum, minimum, mod, multiply, negative,
                    not_equal, positive, pow, power, reciprocal, remainder, rint, round, sign,
                    sin, sinh, sqrt, square, subtract, tan, tanh, true_divide, trunc, where,
                    bitwise_and, bitwise_count, bitwise_invert, bitwise_left_shift, bitwise_not,
                    bitwise_or, bitwise_right_shift, bitwise_xor, gcd, invert, lcm, left_shift,
                    right_shift)
from ._math_composed import (deg2rad, degrees, divmod, float_power, fmax, fmin, frexp, heaviside, i0,
                             isinf, isneginf, isposinf, ldexp, logaddexp2, logical_xor, modf,
                             nan_to_num, nextafter, rad2deg, radians, signbit, sinc, spacing)
from ._reductions import (all, amax, amin, any, argmax, argmin, cumsum, max, mean, min, prod,
                          std, sum, var)
from ._shape import (broadcast_arrays, broadcast_to, concatenate, expand_dims, flip, moveaxis,
                     pad, ravel, repeat, reshape, split, squeeze, stack, swapaxes, tile,
                     transpose)
from ._matrices import (cross, diag, diagflat, diagonal, identity, inner, kron, matrix_transpose,
                        matvec, trace, tri, tril, triu, vdot, vecdot, vecmat)
from ._polynomials import (convolve, correlate, interp, polyadd, polyder, polyfit, polyint, roots,
                           polymul, polysub, polyval)
from ._predicates import (allclose, array_equal, array_equiv, can_cast, finfo, iinfo, isclose,
                          iscomplexobj, isdtype, isrealobj, isscalar, issubdtype, ndim,
                          promote_types, shape, size)
from ._statistics import (argsort, average, corrcoef, count_nonzero, cov, cumprod, cumulative_prod,
                          cumulative_sum, diff, digitize, ediff1d, median, nanargmax, nanargmin,
                          nancumprod, nancumsum, nanmax, nanmean, nanmin, nanprod, nanstd, nansum,
                          nanvar, percentile, ptp, quantile, searchsorted, sort, sort_complex, trapezoid)
from ._stacking import (append, array_split, atleast_1d, atleast_2d, atleast_3d, column_stack,
                        dsplit, dstack, hsplit, hstack, row_stack, vsplit, vstack)
from ._value_shapes import (argwhere, bincount, compress, extract, flatnonzero, intersect1d, isin,
                            nonzero, setdiff1d, setxor1d, trim_zeros, union1d, unique, unique_all,
                            unique_counts, unique_inverse, unique_values)
from ._tracer_methods import install as _install
from . import fft, linalg

float16, float32, float64 = _np.float16, _np.float32, _np.float64
complex64, complex128 = _np.complex64, _np.complex128
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
uint8, uint32, uint64 = _np.uint8, _np.uint32, _np.uint64
bool_ = _np.bool_
dtype, ndarray = _np.dtype, _np.ndarray
pi, e, inf, nan, newaxis = _np.pi, _np.e, _np.inf, _np.nan, None

_install()
