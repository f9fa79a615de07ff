"""What the distributions share: location-scale standardisation and dtype handling."""
import numpy as np

from ... import numpy as fnp


def floats(*args):
    """The arguments as arrays of one floating dtype (integers become float64)."""
    arrays = [fnp.asarray(a) for a in args]
    dtype = fnp.result_type(*arrays)
    if np.dtype(dtype).kind != "f":
        dtype = np.float64
    return [fnp.asarray(a, dtype) for a in arrays]


def standardized(x, loc, scale):
    """``((x - loc) / scale, scale)`` as arrays of one float dtype."""
    x, loc, scale = floats(x, loc, scale)
    return fnp.divide(fnp.subtract(x, loc), scale), scale


def outside(z, lo, hi):
    """Whether ``z`` lies outside ``[lo, hi]``."""
    return fnp.logical_or(fnp.less(z, lo), fnp.greater(z, hi))
