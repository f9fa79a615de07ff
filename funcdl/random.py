"""Explicit, splittable random keys on the counter-based threefry-2x32 generator.

A key is a ``uint32`` array of shape ``(2,)``. The same key gives the same numbers
everywhere; to get fresh numbers, ``split`` the key. Every function is built from
primitives, so it traces under ``jit`` and ``vmap``.

>>> import funcdl.random as random
>>> k1, k2 = random.split(random.key(0))
>>> random.uniform(k1, (2,)).dtype
dtype('float32')
"""
import numpy as np

from . import numpy as fnp
from . import primitives as P
from .core import Tracer

_MASK32 = 0xFFFFFFFF


def key(seed):
    """A new key from an integer seed.

    >>> key(42)
    array([ 0, 42], dtype=uint32)
    """
    if isinstance(seed, Tracer):
        seed = fnp.asarray(seed)
        if seed.dtype.kind not in "iu" or seed.ndim:
            raise TypeError(f"random.key: seed must be a scalar integer, got {seed.aval}")
        # Same words as the concrete path: the seed's 64-bit two's complement, high word
        # first (an int64 -> uint64 conversion wraps negative seeds modulo 2**64).
        wide = P.convert(P.convert(seed, np.int64 if seed.dtype.kind == "i" else np.uint64),
                         np.uint64)
        base = np.uint64(2 ** 32)
        high = P.convert(P.binary("div", wide, base), np.uint32)
        low = P.convert(P.binary("rem", wide, base), np.uint32)
        return fnp.stack([high, low])
    if not isinstance(seed, int) and not (np.ndim(seed) == 0
                                          and np.asarray(seed).dtype.kind in "iu"):
        raise TypeError(f"random.key: seed must be a scalar integer, got {seed!r}")
    seed = int(seed)
    return np.array([(seed >> 32) & _MASK32, seed & _MASK32], dtype=np.uint32)


PRNGKey = key


def _check_key(k, op):
    k = fnp.asarray(k)
    if k.shape != (2,) or k.dtype != np.uint32:
        raise TypeError(f"random.{op}: key must be a uint32 array of shape (2,) (from "
                        f"random.key(seed) or random.split), got {k.dtype.name}{list(k.shape)}")
    return k


def _shape(shape, op):
    if shape is None:
        return ()
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(not isinstance(d, (int, np.integer)) or d < 0 for d in shape):
        raise TypeError(f"random.{op}: shape must be a tuple of non-negative ints, got {shape}")
    return tuple(int(d) for d in shape)


def _hash(k, counters_hi, counters_lo):
    return P.threefry2x32(k[0], k[1], counters_hi, counters_lo)


def split(key, num=2):
    """``num`` new independent keys, as an array of shape ``(num, 2)``.

    >>> split(key(0), 3).shape
    (3, 2)
    """
    k = _check_key(key, "split")
    hi, lo = _hash(k, np.zeros(num, np.uint32), np.arange(num, dtype=np.uint32))
    return fnp.stack([hi, lo], axis=1)


def fold_in(key, data):
    """A new key derived from ``key`` and the integer ``data``.

    >>> fold_in(key(0), 1).shape
    (2,)
    """
    k = _check_key(key, "fold_in")
    data = fnp.asarray(data)
    data = P.convert(data, np.uint32) if data.dtype != np.uint32 else data
    hi, lo = _hash(k, np.uint32(0x5EED), data)
    return fnp.stack([hi, lo])


def _bits(k, shape, words=1):
    """``words`` arrays of uniformly random uint32 of ``shape``."""
    n = int(np.prod(shape, dtype=np.int64)) * words
    half = (n + 1) // 2
    hi, lo = _hash(k, np.zeros(half, np.uint32), np.arange(half, dtype=np.uint32))
    bits = fnp.concatenate([hi, lo])[:n] if n else np.zeros(0, np.uint32)
    return [fnp.reshape(bits[i * (n // words):(i + 1) * (n // words)], shape) for i in range(words)]


def _bits64(k, shape):
    hi, lo = _bits(k, shape, 2)
    return P.binary("add", P.binary("mul", P.convert(hi, np.uint64), np.uint64(2 ** 32)),
                    P.convert(lo, np.uint64))


def _float_dtype(dtype, op):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"random.{op}: dtype must be float32 or float64, got {dtype.name}")
    return dtype


def _unit_uniform(k, shape, dtype):
    """Uniform floats in [0, 1) with every mantissa bit random."""
    if dtype == np.float32:
        (b,) = _bits(k, shape)
        top = P.binary("div", b, np.uint32(2 ** 9))  # 23 random bits
        return P.binary("mul", P.convert(top, np.float32), np.float32(2.0 ** -23))
    hi, lo = _bits(k, shape, 2)
    top = P.convert(P.binary("div", hi, np.uint32(2 ** 11)), np.float64)  # 21 bits
    both = P.binary("add", P.binary("mul", top, np.float64(2.0 ** 32)), P.convert(lo, np.float64))
    return P.binary("mul", both, np.float64(2.0 ** -53))


def uniform(key, shape=(), dtype=np.float32, minval=0.0, maxval=1.0):
    """Uniform samples in ``[minval, maxval)``.

    >>> x = uniform(key(0), (1000,))
    >>> bool((x >= 0).all() and (x < 1).all())
    True
    """
    k = _check_key(key, "uniform")
    dtype = _float_dtype(dtype, "uniform")
    u = _unit_uniform(k, _shape(shape, "uniform"), dtype)
    lo, hi = fnp.asarray(minval, dtype), fnp.asarray(maxval, dtype)
    x = fnp.add(lo, fnp.multiply(u, fnp.subtract(hi, lo)))
    # lo + u * (hi - lo) can round up to ``hi`` (for about 1 in 2**23 float32 draws on
    # many ranges); such draws become the largest float below ``hi``.
    x = fnp.where(fnp.less(x, hi), x, _below(hi))
    return fnp.maximum(lo, x)


def normal(key, shape=(), dtype=np.float32):
    """Standard normal samples (inverse-CDF method).

    >>> normal(key(0), (2, 3)).shape
    (2, 3)
    """
    k = _check_key(key, "normal")
    dtype = _float_dtype(dtype, "normal")
    lo = np.nextafter(dtype.type(-1), dtype.type(0))
    u = uniform(k, shape, dtype, lo, 1.0)
    return fnp.multiply(fnp.erfinv(u), dtype.type(np.sqrt(2)))


def truncated_normal(key, lower=-2.0, upper=2.0, shape=None, dtype=np.float32):
    """Standard normal samples truncated to ``(lower, upper)``.

    >>> x = truncated_normal(key(0), -1.0, 1.0, (100,))
    >>> bool((abs(x) < 1).all())
    True
    """
    k = _check_key(key, "truncated_normal")
    dtype = _float_dtype(dtype, "truncated_normal")
    lower, upper = fnp.asarray(lower, dtype), fnp.asarray(upper, dtype)
    if shape is None:
        shape = np.broadcast_shapes(lower.shape, upper.shape)
    sqrt2 = dtype.type(np.sqrt(2))
    a, b = fnp.erf(fnp.divide(lower, sqrt2)), fnp.erf(fnp.divide(upper, sqrt2))
    u = uniform(k, shape, dtype, a, b)
    out = fnp.multiply(fnp.erfinv(u), sqrt2)
    return fnp.clip(out, -_below(-lower), _below(upper))


def _below(bound):
    """A float a little below ``bound`` (1-2 ulps for normal floats, ``bound - tiny`` near
    zero); infinities are kept.

    The same IEEE operations on concrete (numpy) and traced bounds, so both give the
    same value:

    >>> bool(_below(np.float32(1.0)) < 1.0 and _below(np.float32(0.0)) < 0.0)
    True
    """
    if not isinstance(bound, Tracer):
        bound = np.asarray(bound)
        info = np.finfo(bound.dtype)
        finite = np.isfinite(bound)
        safe = np.where(finite, bound, bound.dtype.type(0))
        step = np.minimum(safe - np.abs(safe) * info.eps, safe - info.tiny)
        return np.where(finite, step, bound)
    info = np.finfo(bound.dtype)
    finite = fnp.isfinite(bound)
    safe = fnp.where(finite, bound, bound.dtype.type(0))
    step = fnp.minimum(fnp.subtract(safe, fnp.multiply(fnp.abs(safe), info.eps)),
                       fnp.subtract(safe, info.tiny))
    return fnp.where(finite, step, bound)


def bernoulli(key, p=0.5, shape=None):
    """Booleans that are True with probability ``p``.

    >>> bernoulli(key(0), 0.5, (4,)).dtype
    dtype('bool')
    """
    k = _check_key(key, "bernoulli")
    weak = type(p) in (int, float)  # a Python probability draws float32, like the default
    p = fnp.asarray(p, np.float32) if weak else fnp.asarray(p)
    shape = p.shape if shape is None else _shape(shape, "bernoulli")
    dtype = p.dtype if p.dtype.kind == "f" else np.float32
    return fnp.less(uniform(k, shape, dtype), p)


def randint(key, shape, minval, maxval, dtype=np.int32):
    """Integers uniform in ``[minval, maxval)``.

    >>> x = randint(key(0), (100,), 0, 10)
    >>> int(x.min()) >= 0 and int(x.max()) < 10
    True
    """
    k = _check_key(key, "randint")
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        raise TypeError(f"random.randint: dtype must be an integer type, got {dtype.name}")
    shape = _shape(shape, "randint")
    lo = fnp.broadcast_to(fnp.asarray(minval, np.int64), shape)
    hi = fnp.broadcast_to(fnp.asarray(maxval, np.int64), shape)
    span = P.convert(fnp.maximum(fnp.subtract(hi, lo), np.int64(1)), np.uint64)
    offset = P.convert(P.binary("rem", _bits64(k, shape), span), np.int64)
    return fnp.add(lo, offset).astype(dtype)


def permutation(key, x, axis=0):
    """A random permutation of ``arange(x)`` (an int) or of ``x`` along ``axis``.

    >>> sorted(permutation(key(0), 5).tolist())
    [0, 1, 2, 3, 4]
    """
    k = _check_key(key, "permutation")
    if isinstance(x, (int, np.integer)):
        x = np.arange(x)
    x = fnp.asarray(x)
    if x.ndim == 0:
        raise TypeError("random.permutation: x must be an int or an array with at least one axis")
    order = P.argsort(_bits64(k, (x.shape[axis],)), 0)
    return fnp.take(x, order, axis=axis)


def categorical(key, logits, axis=-1, shape=None):
    """Samples of class indices with log-probabilities ``logits`` (Gumbel-max).

    >>> int(categorical(key(0), np.log(np.array([0.0, 1.0, 0.0]) + 1e-30)))
    1
    """
    k = _check_key(key, "categorical")
    logits = fnp.asarray(logits)
    axis = axis % logits.ndim
    batch = logits.shape[:axis] + logits.shape[axis + 1:]
    shape = batch if shape is None else _shape(shape, "categorical")
    try:
        ok = len(shape) >= len(batch) and np.broadcast_shapes(shape, batch) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"random.categorical: shape {shape} must end with (or broadcast) "
                         f"the batch shape {batch} of logits {logits.shape} (axis={axis})")
    dtype = logits.dtype if logits.dtype.kind == "f" else np.float32
    tiny = np.finfo(dtype).tiny
    pos = len(shape) - len(batch) + axis  # where the class axis goes in the noise shape
    full = shape[:pos] + (logits.shape[axis],) + shape[pos:]
    u = uniform(k, full, dtype, tiny, 1.0)
    gumbel = fnp.negative(fnp.log(fnp.negative(fnp.log(u))))
    return fnp.argmax(fnp.add(logits, gumbel), axis=pos)
