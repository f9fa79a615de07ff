"""Explicit, splittable random keys on the counter-based threefry-2x32 generator.

A key is a ``uint32`` array of shape ``(2,)``. The same key gives the same numbers
everywhere; to get fresh numbers, ``split`` the key. Every function is built from
primitives, so it traces under ``jit`` and ``vmap``.

The streams are JAX's (its default "partitionable" threefry): element ``i`` of a sample
hashes the counter ``(0, i)``, and the samplers turn those bits into numbers by JAX's
algorithms. Keys, bits, ``uniform``, ``bernoulli``, ``randint``, ``permutation`` and
``choice`` give JAX's exact numbers for the same key; ``normal`` uses XLA's float32
polynomial for the inverse error function and equals JAX's in about 99 % of draws (the rest
are 1 ulp away); samplers that go through ``exp``, ``log`` or ``tan`` (``gumbel``,
``exponential``, ...) agree with JAX's to an ulp or two, because XLA's float32 ``log`` is
not numpy's. For the same reason, those samplers can differ by an ulp between eager
evaluation and ``jit``; all others are bitwise the same in both. The gamma family
(``gamma``, ``loggamma``, ``beta``, ``dirichlet``, ``chisquare``, ``f``, ``t``, and
``generalized_normal`` and ``ball`` built on it) runs JAX's Marsaglia-Tsang rejection sampler
with JAX's keys per element, so it accepts the same proposals and agrees to a few ulps;
``poisson``, ``binomial`` and ``multinomial`` run JAX's loops over the whole sample and
give its counts (all but a rare draw that an ulp of ``log`` decides).

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
    """A new key derived from ``key`` and the integer ``data``. As in JAX, it is row
    ``data`` of ``split(key, n)`` (for any ``n > data``).

    >>> fold_in(key(0), 1).shape
    (2,)
    """
    k = _check_key(key, "fold_in")
    data = fnp.asarray(data)
    data = P.convert(data, np.uint32) if data.dtype != np.uint32 else data
    hi, lo = _hash(k, np.uint32(0), data)  # JAX's: the key of seed ``data`` as the counter
    return fnp.stack([hi, lo])


def _words(k, shape):
    """The two threefry words of the counters ``(0, i)``, ``i`` each element's row-major
    index (JAX's partitionable stream)."""
    n = int(np.prod(shape, dtype=np.int64))
    if n >= 2 ** 32:
        raise ValueError(f"random: a sample of shape {shape} has {n} elements; at most 2**32 - 1 "
                         "are supported")
    return _hash(k, np.zeros(shape, np.uint32), np.arange(n, dtype=np.uint32).reshape(shape))


def _bits(k, shape, width=32):
    """Uniformly random unsigned integers of ``width`` bits: the XOR of the two words (their
    concatenation for 64 bits), as JAX draws them."""
    hi, lo = _words(k, shape)
    if width == 64:
        return P.binary("add", P.binary("mul", P.convert(hi, np.uint64), np.uint64(2 ** 32)),
                        P.convert(lo, np.uint64))
    both = fnp.bitwise_xor(hi, lo)
    return both if width == 32 else P.convert(both, np.dtype(f"uint{width}"))


def bits(key, shape=(), dtype=np.uint32):
    """Uniformly random unsigned integers (all bits random), JAX's ``random.bits``.

    >>> bits(key(0), (2,))
    array([4070199207, 4202968722], dtype=uint32)
    """
    k = _check_key(key, "bits")
    dtype = np.dtype(dtype)
    if dtype.kind != "u":
        raise TypeError(f"random.bits: dtype must be an unsigned integer type, got {dtype.name}")
    return _bits(k, _shape(shape, "bits"), dtype.itemsize * 8)


def _float_dtype(dtype, op):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"random.{op}: dtype must be float32 or float64, got {dtype.name}")
    return dtype


def _unit_uniform(k, shape, dtype):
    """Uniform floats in [0, 1): the top mantissa-many random bits times one ulp of 1 (the
    same numbers as JAX's "bits or'ed into the mantissa of 1.0, minus 1")."""
    if dtype == np.float32:
        top = P.binary("div", _bits(k, shape), np.uint32(2 ** 9))  # 23 bits
        return P.binary("mul", P.convert(top, np.float32), np.float32(2.0 ** -23))
    hi, lo = _words(k, shape)  # the 64 bits are hi:lo; their top 52 are hi:(lo >> 12)
    top = P.binary("add", P.binary("mul", P.convert(hi, np.float64), np.float64(2.0 ** 20)),
                   P.convert(P.binary("div", lo, np.uint32(2 ** 12)), np.float64))
    return P.binary("mul", top, np.float64(2.0 ** -52))


def uniform(key, shape=(), dtype=np.float32, minval=0.0, maxval=1.0):
    """Uniform samples in ``[minval, maxval)``: JAX's numbers, except that a draw where
    ``u * (maxval - minval) + minval`` rounds up to ``maxval`` (JAX returns ``maxval``)
    becomes the largest float below it.

    >>> x = uniform(key(0), (1000,))
    >>> bool((x >= 0).all() and (x < 1).all())
    True
    """
    k = _check_key(key, "uniform")
    dtype = _float_dtype(dtype, "uniform")
    u = _unit_uniform(k, _shape(shape, "uniform"), dtype)
    lo, hi = fnp.asarray(minval, dtype), fnp.asarray(maxval, dtype)
    x = fnp.add(fnp.multiply(u, fnp.subtract(hi, lo)), lo)
    return fnp.maximum(lo, fnp.where(fnp.less(x, hi), x, _below(hi)))


def normal(key, shape=(), dtype=np.float32):
    """Standard normal samples (inverse-CDF method).

    >>> normal(key(0), (2, 3)).shape
    (2, 3)
    """
    k = _check_key(key, "normal")
    dtype = _float_dtype(dtype, "normal")
    lo = np.nextafter(dtype.type(-1), dtype.type(0))
    u = uniform(k, shape, dtype, lo, 1.0)
    return fnp.multiply(dtype.type(np.sqrt(2)), P.unary("erf_inv_xla", u))


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
    out = fnp.multiply(sqrt2, P.unary("erf_inv_xla", u))
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


def _probability(p):
    """``p`` as an array: float32 for a Python number or an integer array, as JAX's weak
    types give."""
    weak = type(p) in (int, float)
    p = fnp.asarray(p, np.float32) if weak else fnp.asarray(p)
    return p if p.dtype.kind == "f" else fnp.asarray(p, np.float32)


def bernoulli(key, p=0.5, shape=None):
    """Booleans that are True with probability ``p``.

    >>> bernoulli(key(0), 0.5, (4,)).dtype
    dtype('bool')
    """
    k = _check_key(key, "bernoulli")
    p = _probability(p)
    shape = p.shape if shape is None else _shape(shape, "bernoulli")
    return fnp.less(uniform(k, shape, p.dtype), p)


def _split2(k):
    pair = split(k)
    return pair[0], pair[1]


def randint(key, shape, minval, maxval, dtype=np.int32):
    """Integers uniform in ``[minval, maxval)`` (JAX's algorithm: two draws of random bits
    combined modulo the span, so large spans stay nearly unbiased).

    >>> x = randint(key(0), (100,), 0, 10)
    >>> int(x.min()) >= 0 and int(x.max()) < 10
    True
    """
    k = _check_key(key, "randint")
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        raise TypeError(f"random.randint: dtype must be an integer type, got {dtype.name}")
    shape = _shape(shape, "randint")
    info, nbits = np.iinfo(dtype), np.iinfo(dtype).bits
    unsigned = np.dtype(f"uint{nbits}")
    wide = np.uint64 if dtype == np.uint64 else np.int64
    lo_in, hi_in = (fnp.asarray(v) for v in (minval, maxval))
    lo_in, hi_in = (fnp.asarray(v, wide) if v.dtype.kind in "iub" else fnp.asarray(v).astype(wide)
                    for v in (lo_in, hi_in))
    out_of_range = fnp.greater(hi_in, wide(info.max))
    lo, hi = (fnp.clip(v, wide(info.min), wide(info.max)) for v in (lo_in, hi_in))
    lo, hi = fnp.broadcast_to(lo, shape), fnp.broadcast_to(hi, shape)
    k1, k2 = _split2(k)
    higher, lower = _bits(k1, shape, nbits), _bits(k2, shape, nbits)
    span = P.convert(fnp.subtract(hi, lo), unsigned)  # the difference modulo 2**nbits
    span = fnp.where(fnp.less_equal(hi, lo), unsigned.type(1), span)
    span = fnp.where(fnp.logical_and(out_of_range, fnp.greater(hi, lo)),
                     fnp.add(span, unsigned.type(1)), span)
    span = fnp.maximum(span, unsigned.type(1))  # [min, max + 1) wraps to 0; JAX divides by it
    # (a 2**n + b) mod q from a mod q, b mod q and 2**n mod q, with JAX's wrapping products
    multiplier = P.binary("rem", unsigned.type(2 ** (nbits // 2)), span)
    multiplier = P.binary("rem", _wrapping_mul(multiplier, multiplier), span)
    offset = _wrapping_add(_wrapping_mul(P.binary("rem", higher, span), multiplier),
                           P.binary("rem", lower, span))
    offset = P.binary("rem", offset, span)
    return fnp.add(P.convert(lo, dtype), P.convert(offset, dtype))


def _wrapping_mul(a, b):
    """``a * b`` modulo 2**bits of unsigned ``a`` (computed wider where it can be, so numpy
    does not warn about the wrap-around)."""
    if a.dtype == np.uint64:
        return P.binary("mul", a, b)
    return P.convert(P.binary("mul", P.convert(a, np.uint64), P.convert(b, np.uint64)), a.dtype)


def _wrapping_add(a, b):
    if a.dtype == np.uint64:
        return P.binary("add", a, b)
    return P.convert(P.binary("add", P.convert(a, np.uint64), P.convert(b, np.uint64)), a.dtype)


def permutation(key, x, axis=0, independent=False):
    """A random permutation of ``arange(x)`` (an int) or of ``x`` along ``axis``
    (``independent=True`` shuffles each slice along ``axis`` on its own).

    >>> sorted(permutation(key(0), 5).tolist())
    [0, 1, 2, 3, 4]
    """
    k = _check_key(key, "permutation")
    if isinstance(x, (int, np.integer)):
        x = np.arange(x, dtype=np.int32)  # JAX's default integer
    x = fnp.asarray(x)
    if x.ndim == 0:
        raise TypeError("random.permutation: x must be an int or an array with at least one axis")
    axis = axis % x.ndim
    if independent or x.ndim == 1:
        return _shuffle(k, x, axis)
    return fnp.take(x, _shuffle(k, fnp.arange(x.shape[axis], dtype=np.int32), 0), axis=axis)


def _shuffle(k, x, axis):
    """Sort ``x`` along ``axis`` by random 32-bit keys, in as many rounds as JAX uses to make
    ties negligible (one up to 1,625 elements)."""
    rounds = int(np.ceil(3 * np.log(max(1, x.size)) / np.log(2 ** 32 - 1)))
    for _ in range(rounds):
        k, sub = _split2(k)
        order = P.argsort(_bits(sub, x.shape), axis)
        x = fnp.take_along_axis(x, order, axis)
    return x


def choice(key, a, shape=(), replace=True, p=None, axis=0):
    """Samples from ``a`` (an array, or ``arange(a)`` for an int), with or without
    replacement, uniformly or with probabilities ``p`` (JAX's ``random.choice``).

    >>> choice(key(0), 5, (3,), replace=False).shape
    (3,)
    """
    k = _check_key(key, "choice")
    shape = _shape(shape, "choice")
    arr = fnp.asarray(a)
    if arr.ndim == 0:
        if isinstance(a, Tracer):
            raise TypeError("random.choice: an int `a` must be concrete (it sets the number of "
                            "choices); pass fnp.arange(a) instead")
        n_inputs = int(a)
    else:
        axis = axis % arr.ndim
        n_inputs = arr.shape[axis]
    n_draws = int(np.prod(shape, dtype=np.int64))
    if n_draws == 0:
        return fnp.zeros(shape, arr.dtype)
    if n_inputs <= 0:
        raise ValueError(f"random.choice: a must have at least one element to draw from, got {n_inputs}")
    if not replace and n_draws > n_inputs:
        raise ValueError(f"random.choice: cannot draw {n_draws} samples from {n_inputs} without "
                         "replacement; pass replace=True or a smaller shape")
    if p is None and not replace:
        population = n_inputs if arr.ndim == 0 else arr
        drawn = permutation(k, population, axis)
        result = fnp.take(drawn, fnp.arange(n_draws), axis=0 if arr.ndim == 0 else axis)
    else:
        if p is None:
            index = randint(k, shape, 0, n_inputs)
        else:
            index = _weighted_choice(k, fnp.asarray(p), shape, n_inputs, n_draws, replace)
        result = index if arr.ndim == 0 else fnp.take(arr, index, axis=axis)
    out_shape = shape if arr.ndim == 0 else arr.shape[:axis] + shape + arr.shape[axis + 1:]
    return fnp.reshape(result, out_shape)


def _weighted_choice(k, p, shape, n_inputs, n_draws, replace):
    if p.shape != (n_inputs,):
        raise ValueError(f"random.choice: p must be a vector of the {n_inputs} probabilities of "
                         f"the choices, got shape {p.shape}")
    p = _probability(p)
    if replace:
        cumulative = fnp.cumsum(p)
        r = fnp.multiply(cumulative[-1], fnp.subtract(p.dtype.type(1), uniform(k, shape, p.dtype)))
        return fnp.searchsorted(cumulative, r).astype(np.int32)
    noisy = fnp.add(gumbel(k, (n_inputs,), p.dtype), fnp.log(p))  # the Gumbel top-k trick
    from . import lax
    return lax.top_k(noisy, n_draws)[1].astype(np.int32)


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
    return fnp.argmax(fnp.add(logits, gumbel), axis=pos).astype(np.int32)


def _real_shape(shape, op, *params):
    """``shape``, or the broadcast shape of the parameters when it is None."""
    if shape is None:
        return np.broadcast_shapes(*[np.shape(q) for q in params])
    return _shape(shape, op)


def gumbel(key, shape=(), dtype=np.float32):
    """Standard Gumbel samples, ``-log(-log(u))``.

    >>> gumbel(key(0), (3,)).shape
    (3,)
    """
    k = _check_key(key, "gumbel")
    dtype = _float_dtype(dtype, "gumbel")
    u = uniform(k, shape, dtype, np.finfo(dtype).tiny, 1.0)
    return fnp.negative(fnp.log(fnp.negative(fnp.log(u))))


def exponential(key, shape=(), dtype=np.float32):
    """Standard exponential samples, ``-log1p(-u)``.

    >>> bool((exponential(key(0), (100,)) >= 0).all())
    True
    """
    k = _check_key(key, "exponential")
    u = uniform(k, shape, _float_dtype(dtype, "exponential"))
    return fnp.negative(fnp.log1p(fnp.negative(u)))


def cauchy(key, shape=(), dtype=np.float32):
    """Standard Cauchy samples, ``tan(pi (u - 1/2))``.

    >>> cauchy(key(0), (2,)).dtype
    dtype('float32')
    """
    k = _check_key(key, "cauchy")
    dtype = _float_dtype(dtype, "cauchy")
    u = uniform(k, shape, dtype, np.finfo(dtype).eps, 1.0)
    return fnp.tan(fnp.multiply(dtype.type(np.pi), fnp.subtract(u, dtype.type(0.5))))


def laplace(key, shape=(), dtype=np.float32):
    """Standard Laplace samples, ``sign(u) log1p(-|u|)`` for ``u`` uniform in ``(-1, 1)``.

    >>> laplace(key(0), (2,)).shape
    (2,)
    """
    k = _check_key(key, "laplace")
    dtype = _float_dtype(dtype, "laplace")
    u = uniform(k, shape, dtype, -1.0 + np.finfo(dtype).epsneg, 1.0)
    return fnp.multiply(fnp.sign(u), fnp.log1p(fnp.negative(fnp.abs(u))))


def logistic(key, shape=(), dtype=np.float32):
    """Standard logistic samples, ``log(u) - log1p(-u)``.

    >>> logistic(key(0), (2,)).shape
    (2,)
    """
    k = _check_key(key, "logistic")
    dtype = _float_dtype(dtype, "logistic")
    u = uniform(k, shape, dtype, np.finfo(dtype).tiny, 1.0)
    return fnp.subtract(fnp.log(u), fnp.log1p(fnp.negative(u)))


def pareto(key, b, shape=None, dtype=np.float32):
    """Pareto samples of shape parameter ``b``, ``exp(e / b)`` for exponential ``e``.

    >>> bool((pareto(key(0), 3.0, (100,)) >= 1).all())
    True
    """
    k = _check_key(key, "pareto")
    dtype = _float_dtype(dtype, "pareto")
    shape = _real_shape(shape, "pareto", b)
    return fnp.exp(fnp.divide(exponential(k, shape, dtype), fnp.asarray(b, dtype)))


def rademacher(key, shape=(), dtype=np.int32):
    """Samples of -1 and +1 with equal probability.

    >>> sorted(set(rademacher(key(0), (100,)).tolist()))
    [-1, 1]
    """
    k = _check_key(key, "rademacher")
    coin = bernoulli(k, 0.5, _shape(shape, "rademacher")).astype(dtype)
    return fnp.subtract(fnp.multiply(coin, np.dtype(dtype).type(2)), np.dtype(dtype).type(1))


def maxwell(key, shape=(), dtype=np.float32):
    """Maxwell samples: the norm of three standard normals.

    >>> bool((maxwell(key(0), (10,)) > 0).all())
    True
    """
    k = _check_key(key, "maxwell")
    normals = normal(k, _shape(shape, "maxwell") + (3,), _float_dtype(dtype, "maxwell"))
    return fnp.sqrt(fnp.sum(fnp.square(normals), axis=-1))


def double_sided_maxwell(key, loc, scale, shape=(), dtype=np.float32):
    """Double-sided Maxwell samples: a Maxwell magnitude with a random sign, scaled and
    shifted.

    >>> double_sided_maxwell(key(0), 0.0, 1.0, (4,)).shape
    (4,)
    """
    k = _check_key(key, "double_sided_maxwell")
    params = np.broadcast_shapes(np.shape(loc), np.shape(scale))
    shape = (_shape(shape, "double_sided_maxwell") or params) + params
    k_magnitude, k_sign = _split2(k)
    magnitude = maxwell(k_magnitude, shape, dtype)
    sign = rademacher(k_sign, shape, dtype)
    return fnp.add(fnp.multiply(fnp.multiply(sign, magnitude), scale), loc)


def weibull_min(key, scale, concentration, shape=(), dtype=np.float32):
    """Weibull samples, ``scale * (-log1p(-u)) ** (1 / concentration)``.

    >>> bool((weibull_min(key(0), 1.0, 2.0, (10,)) >= 0).all())
    True
    """
    k = _check_key(key, "weibull_min")
    dtype = _float_dtype(dtype, "weibull_min")
    u = uniform(k, shape, dtype)
    root = fnp.power(fnp.negative(fnp.log1p(fnp.negative(u))), fnp.divide(1.0, concentration))
    return fnp.multiply(root, scale).astype(dtype)


def rayleigh(key, scale, shape=None, dtype=np.float32):
    """Rayleigh samples, ``scale * sqrt(-2 log u)``.

    >>> bool((rayleigh(key(0), 1.0, (10,)) >= 0).all())
    True
    """
    k = _check_key(key, "rayleigh")
    dtype = _float_dtype(dtype, "rayleigh")
    shape = _real_shape(shape, "rayleigh", scale)
    u = uniform(k, shape, dtype)
    scale = fnp.broadcast_to(fnp.asarray(scale, dtype), shape)
    return fnp.multiply(scale, fnp.sqrt(fnp.multiply(fnp.log(u), dtype.type(-2))))


def wald(key, mean, shape=None, dtype=np.float32):
    """Wald (inverse Gaussian) samples of mean ``mean`` and unit shape parameter
    (Michael, Schucany and Haas' transformation).

    >>> bool((wald(key(0), 1.0, (10,)) > 0).all())
    True
    """
    k = _check_key(key, "wald")
    dtype = _float_dtype(dtype, "wald")
    shape = _real_shape(shape, "wald", mean)
    k1, k2 = _split2(k)
    mean = fnp.broadcast_to(fnp.asarray(mean, dtype), shape)
    v, z = normal(k1, shape, dtype), uniform(k2, shape, dtype)
    y = fnp.multiply(v, v)
    mean_sq = fnp.multiply(mean, mean)
    root = fnp.sqrt(fnp.add(fnp.multiply(fnp.multiply(dtype.type(4), mean), y),
                            fnp.multiply(mean_sq, fnp.multiply(y, y))))
    x = fnp.subtract(fnp.add(mean, fnp.divide(fnp.multiply(mean_sq, y), dtype.type(2))),
                     fnp.multiply(fnp.divide(mean, dtype.type(2)), root))
    return fnp.where(fnp.less_equal(z, fnp.divide(mean, fnp.add(mean, x))), x,
                     fnp.divide(mean_sq, x))


def geometric(key, p, shape=None, dtype=np.int32):
    """Geometric samples: the number of Bernoulli(``p``) trials up to the first success.

    >>> bool((geometric(key(0), 0.5, (10,)) >= 1).all())
    True
    """
    k = _check_key(key, "geometric")
    p = _probability(p)
    shape = _real_shape(shape, "geometric", p)
    u = uniform(k, shape, p.dtype)
    u = fnp.where(fnp.equal(u, 0), p.dtype.type(1), u)
    trials = fnp.divide(fnp.log(u), fnp.broadcast_to(fnp.log1p(fnp.negative(p)), shape))
    return fnp.add(fnp.floor(trials), p.dtype.type(1)).astype(dtype)


def triangular(key, left, mode, right, shape=None, dtype=np.float32):
    """Triangular samples on ``[left, right]`` with peak at ``mode`` (inverse CDF).

    >>> x = triangular(key(0), 0.0, 0.5, 1.0, (100,))
    >>> bool((x >= 0).all() and (x <= 1).all())
    True
    """
    k = _check_key(key, "triangular")
    dtype = _float_dtype(dtype, "triangular")
    shape = _real_shape(shape, "triangular", left, mode, right)
    left, mode, right = (fnp.broadcast_to(fnp.asarray(v, dtype), shape) for v in (left, mode, right))
    width = fnp.subtract(right, left)
    u = uniform(k, shape, dtype)
    rising = fnp.add(left, fnp.sqrt(fnp.multiply(fnp.multiply(u, width), fnp.subtract(mode, left))))
    falling = fnp.subtract(right, fnp.sqrt(fnp.multiply(
        fnp.multiply(fnp.subtract(dtype.type(1), u), width), fnp.subtract(right, mode))))
    return fnp.where(fnp.less(u, fnp.divide(fnp.subtract(mode, left), width)), rising, falling)


def lognormal(key, sigma=np.float32(1), shape=None, dtype=np.float32):
    """Log-normal samples, ``exp(sigma * normal)``.

    >>> bool((lognormal(key(0), 0.5, (10,)) > 0).all())
    True
    """
    k = _check_key(key, "lognormal")
    dtype = _float_dtype(dtype, "lognormal")
    shape = _real_shape(shape, "lognormal", sigma)
    return fnp.exp(fnp.multiply(normal(k, shape, dtype), fnp.asarray(sigma, dtype)))


def multivariate_normal(key, mean, cov, shape=None, dtype=None, method="cholesky"):
    """Samples of the normal distribution with mean ``mean`` (..., n) and covariance
    ``cov`` (..., n, n), through its Cholesky factor (or ``method="eigh"``/``"svd"``).

    >>> multivariate_normal(key(0), np.zeros(2), np.eye(2), (5,)).shape
    (5, 2)
    """
    k = _check_key(key, "multivariate_normal")
    if method not in ("cholesky", "eigh", "svd"):
        raise ValueError(f"random.multivariate_normal: method must be 'cholesky', 'eigh' or "
                         f"'svd', got {method!r}")
    mean, cov = fnp.asarray(mean), fnp.asarray(cov)
    dtype = np.result_type(mean.dtype, cov.dtype, np.float32) if dtype is None else dtype
    dtype = _float_dtype(dtype, "multivariate_normal")
    mean, cov = mean.astype(dtype), cov.astype(dtype)
    if mean.ndim < 1 or cov.ndim < 2 or cov.shape[-2:] != (mean.shape[-1],) * 2:
        raise ValueError(f"random.multivariate_normal: mean must be (..., n) and cov (..., n, n), "
                         f"got {mean.shape} and {cov.shape}")
    batch = np.broadcast_shapes(mean.shape[:-1], cov.shape[:-2])
    shape = batch if shape is None else _shape(shape, "multivariate_normal")
    if method == "svd":
        u, s, _ = fnp.linalg.svd(cov)
        factor = fnp.multiply(u, fnp.sqrt(s)[..., None, :])
    elif method == "eigh":
        w, v = fnp.linalg.eigh(cov)
        factor = fnp.multiply(v, fnp.sqrt(w)[..., None, :])
    else:
        factor = fnp.linalg.cholesky(cov)
    z = normal(k, shape + mean.shape[-1:], dtype)
    return fnp.add(mean, fnp.einsum("...ij,...j->...i", factor, z))


def orthogonal(key, n, shape=(), dtype=np.float32, m=None):
    """A random (semi-)orthogonal ``(*shape, n, m)`` matrix, uniform over the orthogonal
    group (the QR of a normal matrix with the signs of R's diagonal taken out).

    >>> q = orthogonal(key(0), 3)
    >>> bool(np.allclose(q @ q.T, np.eye(3), atol=1e-5))
    True
    """
    k = _check_key(key, "orthogonal")
    m = n if m is None else m
    shape = _shape(shape, "orthogonal")
    z = normal(k, shape + (max(n, m), min(n, m)), _float_dtype(dtype, "orthogonal"))
    q, r = fnp.linalg.qr(z)
    x = fnp.multiply(q, fnp.expand_dims(fnp.sign(fnp.diagonal(r, axis1=-2, axis2=-1)), -2))
    return fnp.swapaxes(x, -1, -2) if n < m else x


# -- the gamma family: JAX's Marsaglia-Tsang rejection sampler, one key per element ---------


def _gamma_one(k, alpha, log_space):
    """One Gamma(alpha) sample (its log with ``log_space``), drawn as JAX draws it: alphas
    below 1 are boosted to alpha + 1 and scaled back by ``u ** (1 / alpha)``."""
    from .control_flow import while_loop  # noqa: PLC0415
    t = alpha.dtype.type
    zero, one, third = t(0), t(1), t(1.0 / 3.0)
    boost = fnp.greater_equal(alpha, one)
    boosted = fnp.where(boost, alpha, fnp.add(alpha, one))
    d = fnp.subtract(boosted, third)
    c = fnp.divide(third, fnp.sqrt(d))

    def rejected(state):
        _, x2, v, u = state
        squeeze = fnp.greater_equal(u, fnp.subtract(one, fnp.multiply(t(0.0331), fnp.multiply(x2, x2))))
        bound = fnp.add(fnp.multiply(x2, t(0.5)), fnp.multiply(d, fnp.add(fnp.subtract(one, v), fnp.log(v))))
        return fnp.logical_and(squeeze, fnp.greater_equal(fnp.log(u), bound))

    def next_normal(state):
        kk, sub = split(state[0])
        x = normal(sub, (), alpha.dtype)
        return kk, x, fnp.add(one, fnp.multiply(x, c))

    def propose(state):
        kk, x_key, u_key = split(state[0], 3)
        _, x, v = while_loop(lambda s: fnp.less_equal(s[2], zero), next_normal, (x_key, zero, t(-1)))
        return kk, fnp.multiply(x, x), fnp.multiply(fnp.multiply(v, v), v), uniform(u_key, (), alpha.dtype)

    kk, sub = split(k)
    _, _, v, _ = while_loop(rejected, propose, (kk, zero, one, t(2)))
    if log_space:
        log_u = fnp.negative(exponential(sub, (), alpha.dtype))
        log_boost = fnp.where(fnp.logical_or(boost, fnp.equal(log_u, zero)), zero,
                              fnp.multiply(log_u, fnp.divide(one, alpha)))
        return fnp.add(fnp.add(fnp.log(d), fnp.log(v)), log_boost)
    u = fnp.subtract(one, uniform(sub, (), alpha.dtype))
    return fnp.multiply(fnp.multiply(d, v), fnp.where(boost, one, fnp.power(u, fnp.divide(one, alpha))))


def _gamma(k, a, shape, dtype, op, log_space):
    from .core import is_differentiated  # noqa: PLC0415
    from .transforms import vmap  # noqa: PLC0415
    dtype = _float_dtype(dtype, op)
    shape = _real_shape(shape, op, a)
    if is_differentiated(a):
        raise TypeError(f"random.{op}: the derivative of the samples with respect to the shape "
                        "parameter (JAX's implicit reparameterization, random_gamma_grad) is not "
                        "built yet; wrap it in stop_gradient")
    alphas = fnp.reshape(fnp.broadcast_to(fnp.asarray(a, dtype), shape), (-1,))
    n = alphas.shape[0]
    if n == 0:
        return fnp.zeros(shape, dtype)
    keys = split(k, n)
    return fnp.reshape(vmap(lambda kk, alpha: _gamma_one(kk, alpha, log_space))(keys, alphas), shape)


def gamma(key, a, shape=None, dtype=np.float32):
    """Gamma(a) samples (unit scale), JAX's numbers for the same key (to an ulp or two of
    float32 ``log``). Not differentiable in ``a`` yet.

    >>> bool((gamma(key(0), 0.5, (100,)) > 0).all())
    True
    """
    return _gamma(_check_key(key, "gamma"), a, shape, dtype, "gamma", False)


def loggamma(key, a, shape=None, dtype=np.float32):
    """The logs of Gamma(a) samples, computed in log space (accurate for small ``a``).

    >>> bool((loggamma(key(0), 0.01, (10,)) < 0).all())
    True
    """
    return _gamma(_check_key(key, "loggamma"), a, shape, dtype, "loggamma", True)


def beta(key, a, b, shape=None, dtype=np.float32):
    """Beta(a, b) samples: ``Ga / (Ga + Gb)`` from two log-gamma draws (JAX's numbers).

    >>> x = beta(key(0), 2.0, 3.0, (100,))
    >>> bool(((x > 0) & (x < 1)).all())
    True
    """
    k = _check_key(key, "beta")
    dtype = _float_dtype(dtype, "beta")
    shape = _real_shape(shape, "beta", a, b)
    key_a, key_b = split(k)
    log_a = loggamma(key_a, fnp.broadcast_to(fnp.asarray(a, dtype), shape), shape, dtype)
    log_b = loggamma(key_b, fnp.broadcast_to(fnp.asarray(b, dtype), shape), shape, dtype)
    top = fnp.maximum(log_a, log_b)
    ga, gb = fnp.exp(fnp.subtract(log_a, top)), fnp.exp(fnp.subtract(log_b, top))
    return fnp.divide(ga, fnp.add(ga, gb))


def dirichlet(key, alpha, shape=None, dtype=np.float32):
    """Dirichlet(alpha) samples over ``alpha``'s last axis: the softmax of log-gamma draws.

    >>> dirichlet(key(0), np.ones(3), (2,)).sum(-1).round(5)
    array([1., 1.], dtype=float32)
    """
    k = _check_key(key, "dirichlet")
    dtype = _float_dtype(dtype, "dirichlet")
    if np.ndim(alpha) < 1:
        raise ValueError(f"random.dirichlet: alpha needs at least one axis, got {np.ndim(alpha)}")
    shape = np.shape(alpha)[:-1] if shape is None else _shape(shape, "dirichlet")
    logs = loggamma(k, fnp.asarray(alpha, dtype), tuple(shape) + np.shape(alpha)[-1:], dtype)
    from .nn.activations import softmax  # noqa: PLC0415
    return softmax(logs, axis=-1)


def chisquare(key, df, shape=None, dtype=np.float32):
    """Chi-square(df) samples: ``2 exp(loggamma(df / 2))``.

    >>> bool((chisquare(key(0), 3.0, (10,)) > 0).all())
    True
    """
    k = _check_key(key, "chisquare")
    dtype = _float_dtype(dtype, "chisquare")
    half = fnp.divide(fnp.asarray(df, dtype), dtype.type(2))
    return fnp.multiply(fnp.exp(loggamma(k, half, _real_shape(shape, "chisquare", df), dtype)), dtype.type(2))


def f(key, dfnum, dfden, shape=None, dtype=np.float32):
    """F(dfnum, dfden) samples: the ratio of two scaled chi-square draws.

    >>> bool((f(key(0), 3.0, 5.0, (10,)) > 0).all())
    True
    """
    k = _check_key(key, "f")
    dtype = _float_dtype(dtype, "f")
    shape = _real_shape(shape, "f", dfnum, dfden)
    dfnum, dfden = fnp.asarray(dfnum, dtype), fnp.asarray(dfden, dtype)
    key_den, key_num = split(k)
    num = fnp.divide(chisquare(key_num, dfnum, shape, dtype), dfnum)
    return fnp.divide(num, fnp.divide(chisquare(key_den, dfden, shape, dtype), dfden))


def t(key, df, shape=None, dtype=np.float32):
    """Student's t(df) samples: ``normal * sqrt((df / 2) / gamma(df / 2))``.

    >>> t(key(0), 4.0, (3,)).shape
    (3,)
    """
    k = _check_key(key, "t")
    dtype = _float_dtype(dtype, "t")
    shape = _real_shape(shape, "t", df)
    key_n, key_g = split(k)
    n = normal(key_n, shape, dtype)
    half = fnp.divide(fnp.asarray(df, dtype), dtype.type(2))
    return fnp.multiply(n, fnp.sqrt(fnp.divide(half, gamma(key_g, half, shape, dtype))))


def generalized_normal(key, p, shape=(), dtype=np.float32):
    """Samples with density proportional to ``exp(-|x| ** p)`` (``p=1``: Laplace; ``p=2``: a
    normal of variance 1/2), as JAX draws them: a random sign times ``gamma(1/p) ** (1/p)``.

    >>> generalized_normal(key(0), 1.5, (3,)).shape
    (3,)
    """
    k = _check_key(key, "generalized_normal")
    dtype = _float_dtype(dtype, "generalized_normal")
    p = _positive_power(p, "generalized_normal")
    shape = _shape(shape, "generalized_normal")
    key_g, key_r = split(k)
    magnitude = fnp.power(gamma(key_g, 1 / p, shape, dtype), dtype.type(1 / p))
    return fnp.multiply(rademacher(key_r, shape, dtype), magnitude)


def ball(key, d, p=2, shape=(), dtype=np.float32):
    """Points drawn uniformly from the ``d``-dimensional unit ``p``-norm ball (shape
    ``shape + (d,)``), by JAX's construction: generalized-normal coordinates scaled by
    ``(sum |g| ** p + exponential) ** (1/p)``.

    >>> x = ball(key(0), 3, shape=(100,)); x.shape, bool((fnp.linalg.norm(x, axis=-1) <= 1).all())
    ((100, 3), True)
    """
    k = _check_key(key, "ball")
    dtype = _float_dtype(dtype, "ball")
    if not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"random.ball: d must be a positive int (the dimension), got {d!r}")
    p = _positive_power(p, "ball")
    shape = _shape(shape, "ball")
    key_g, key_e = split(k)
    g = generalized_normal(key_g, p, shape + (int(d),), dtype)
    e = exponential(key_e, shape, dtype)
    radius = fnp.power(fnp.add(fnp.sum(fnp.power(fnp.abs(g), dtype.type(p)), axis=-1), e), dtype.type(1 / p))
    return fnp.divide(g, radius[..., None])


def _positive_power(p, op):
    if isinstance(p, Tracer) or not np.ndim(p) == 0 or not float(p) > 0:
        raise ValueError(f"random.{op}: p must be a positive Python number (the norm's power), got {p!r}")
    return float(p)


def key_data(keys):
    """The ``uint32`` words of ``keys``: funcdl's keys are those words already (JAX's raw
    ``PRNGKey`` form), so this returns them (JAX compatibility).

    >>> key_data(key(3))
    array([0, 3], dtype=uint32)
    """
    return _check_keys(keys, "key_data")


def wrap_key_data(key_bits_array, *, impl=None):
    """A key from its ``uint32`` words (the inverse of :func:`key_data`); funcdl has one
    generator, threefry-2x32, so ``impl`` may only name it.

    >>> wrap_key_data(np.array([0, 7], np.uint32))
    array([0, 7], dtype=uint32)
    """
    if impl not in (None, "threefry2x32"):
        raise ValueError(f"random.wrap_key_data: funcdl's keys are threefry2x32 keys, got impl={impl!r}")
    return _check_keys(key_bits_array, "wrap_key_data")


def clone(key):
    """``key`` itself: funcdl's keys are immutable arrays, never donated (JAX compatibility).

    >>> clone(key(1))
    array([0, 1], dtype=uint32)
    """
    return _check_keys(key, "clone")


def _check_keys(keys, op):
    keys = fnp.asarray(keys)
    if keys.ndim < 1 or keys.shape[-1] != 2 or keys.dtype != np.uint32:
        raise TypeError(f"random.{op}: keys must be uint32 arrays whose last axis has size 2 "
                        f"(random.key, random.split), got {keys.dtype.name}{list(keys.shape)}")
    return keys


def poisson(key, lam, shape=None, dtype=np.int32):
    """Poisson(``lam``) counts, JAX's numbers for the same key: Knuth's product of uniforms
    where ``lam < 10``, Hormann's transformed rejection elsewhere (each a loop over the whole
    sample, as in JAX; ``lam`` is taken in float32, as JAX does). Integer samples: no
    derivative.

    >>> bool((poisson(key(0), 3.0, (100,)) >= 0).all())
    True
    """
    k = _check_key(key, "poisson")
    if np.dtype(dtype).kind not in "iu":
        raise TypeError(f"random.poisson: dtype must be an integer dtype, got {np.dtype(dtype).name}")
    shape = _real_shape(shape, "poisson", lam)
    lam = fnp.broadcast_to(fnp.asarray(lam).astype(np.float32), shape)
    small = fnp.logical_or(fnp.isnan(lam), fnp.less(lam, np.float32(10)))
    # both samplers run on every element: each gets a value for which the other finishes at once
    counts = fnp.where(small, _poisson_knuth(k, fnp.where(small, lam, np.float32(0)), shape),
                       _poisson_rejection(k, fnp.where(small, np.float32(1e5), lam), shape))
    return fnp.where(fnp.equal(lam, np.float32(0)), np.float32(0), counts).astype(dtype)


_POISSON_MAX_ITERS = np.int32(np.iinfo(np.int32).max)


def _poisson_knuth(k, lam, shape):
    """Count the uniforms whose running product stays above ``exp(-lam)``."""
    from .control_flow import while_loop  # noqa: PLC0415

    def more(state):
        i, _, _, log_prod = state
        return fnp.logical_and(fnp.any(fnp.greater(log_prod, fnp.negative(lam))), i < _POISSON_MAX_ITERS)

    def step(state):
        i, count, kk, log_prod = state
        kk, sub = split(kk)
        count = fnp.where(fnp.greater(log_prod, fnp.negative(lam)), fnp.add(count, np.float32(1)), count)
        return i + np.int32(1), count, kk, fnp.add(log_prod, fnp.log(uniform(sub, shape, np.float32)))

    zeros = fnp.zeros(shape, np.float32)
    _, count, _, _ = while_loop(more, step, (np.int32(0), zeros, k, zeros))
    return fnp.subtract(count, np.float32(1))


def _poisson_rejection(k, lam, shape):
    """Hormann's transformed rejection (PTRS), every element until it accepts."""
    from .scipy.special import gammaln  # noqa: PLC0415
    f = np.float32
    log_lam = fnp.log(lam)
    b = fnp.add(f(0.931), fnp.multiply(f(2.53), fnp.sqrt(lam)))
    a = fnp.add(f(-0.059), fnp.multiply(f(0.02483), b))
    inv_alpha = fnp.add(f(1.1239), fnp.divide(f(1.1328), fnp.subtract(b, f(3.4))))
    v_r = fnp.subtract(f(0.9277), fnp.divide(f(3.6224), fnp.subtract(b, f(2))))

    def propose(u, v, us):
        count = fnp.floor(fnp.add(fnp.add(fnp.multiply(fnp.add(fnp.divide(fnp.multiply(f(2), a), us), b), u), lam),
                                  f(0.43)))
        s = fnp.log(fnp.divide(fnp.multiply(v, inv_alpha), fnp.add(fnp.divide(a, fnp.multiply(us, us)), b)))
        t = fnp.subtract(fnp.add(fnp.negative(lam), fnp.multiply(count, log_lam)),
                         gammaln(fnp.add(count, f(1))))
        quick = fnp.logical_and(fnp.greater_equal(us, f(0.07)), fnp.less_equal(v, v_r))
        reject = fnp.logical_or(fnp.less(count, f(0)),
                                fnp.logical_and(fnp.less(us, f(0.013)), fnp.greater(v, us)))
        return count, fnp.logical_or(quick, fnp.logical_and(fnp.logical_not(reject), fnp.less_equal(s, t)))
    return _until_accepted(k, shape, np.dtype(np.float32), propose)


def _until_accepted(k, shape, dtype, propose):
    """The transformed-rejection loop of ``poisson`` and ``binomial`` (as JAX runs it): each
    round splits the key in three, draws ``u`` (centred) and ``v`` uniform, and keeps
    ``draw`` where ``propose(u, v, 0.5 - |u|)`` gives ``(draw, accept)``, until every
    element has accepted."""
    from .control_flow import while_loop  # noqa: PLC0415
    t = dtype.type

    def more(state):
        i, _, accepted, _ = state
        return fnp.logical_and(fnp.any(fnp.logical_not(accepted)), i < _POISSON_MAX_ITERS)

    def step(state):
        i, k_out, accepted, kk = state
        kk, key_u, key_v = split(kk, 3)
        u = fnp.subtract(uniform(key_u, shape, dtype), t(0.5))
        v = uniform(key_v, shape, dtype)
        draw, accept = propose(u, v, fnp.subtract(t(0.5), fnp.abs(u)))
        return (i + np.int32(1), fnp.where(accept, draw, k_out), fnp.logical_or(accepted, accept), kk)

    init = (np.int32(0), fnp.full(shape, t(-1)), fnp.zeros(shape, np.bool_), k)
    return while_loop(more, step, init)[1]


def binomial(key, n, p, shape=None, dtype=np.float32):
    """Binomial(``n``, ``p``) counts (as floats, as in JAX), JAX's numbers for the same key:
    sums of geometric gaps where ``n * min(p, 1 - p) <= 10``, the BTRS transformed rejection
    elsewhere (each a loop over the whole sample). ``n`` is floored; a nan or negative ``n``
    or an invalid ``p`` gives nan, an infinite ``n`` inf. No derivative.

    >>> bool((binomial(key(0), 10, 0.3, (100,)) <= 10).all())
    True
    """
    k = _check_key(key, "binomial")
    dtype = _float_dtype(dtype, "binomial")
    p = _probability(p)
    shape = _real_shape(shape, "binomial", n, p)
    count = fnp.broadcast_to(fnp.asarray(n).astype(p.dtype), shape)
    p = fnp.broadcast_to(p, shape)
    t = p.dtype.type
    # nan/inf inputs, and each sampler's logs of the other's values: eager numpy would warn
    with np.errstate(invalid="ignore", divide="ignore"):
        low = fnp.less(p, t(0.5))
        q = fnp.where(low, p, fnp.subtract(t(1), p))
        bad_count = fnp.logical_or(fnp.isnan(count), fnp.less(count, t(0)))
        infinite = fnp.isinf(count)
        nan_q = fnp.isnan(q)
        bad_q = fnp.logical_or(nan_q, fnp.less(q, t(0)))
        q = fnp.where(bad_q, t(0.01), q)
        inversion = fnp.logical_or(bad_count, fnp.less_equal(fnp.multiply(count, q), t(10)))
        count = fnp.floor(count)
        # both samplers run on every element: each gets values for which the other finishes at once
        samples = fnp.where(
            inversion, _binomial_inversion(k, fnp.where(inversion, count, t(0)), q, shape),
            _binomial_btrs(k, fnp.where(inversion, t(1e4), count), fnp.where(inversion, t(0.5), q), shape))
        invalid = fnp.logical_or(bad_q, bad_count)
        samples = fnp.where(invalid, t(np.nan), samples)
        samples = fnp.where(fnp.logical_and(infinite, fnp.logical_not(invalid)), t(np.inf), samples)
        keep = fnp.logical_or(fnp.logical_or(low, bad_count), fnp.logical_or(nan_q, infinite))
        return fnp.where(keep, samples, fnp.subtract(count, samples)).astype(dtype)


def _binomial_inversion(k, count, q, shape):
    """Count the geometric(q) gaps that fit in ``count`` trials."""
    from .control_flow import while_loop  # noqa: PLC0415
    t = q.dtype.type
    log1m_q = fnp.log1p(fnp.negative(q))

    def more(state):
        i, _, total, _ = state
        return fnp.logical_and(fnp.any(fnp.less_equal(total, count)), i < _POISSON_MAX_ITERS)

    def step(state):
        i, gaps, total, kk = state
        sub, kk = split(kk)
        gaps = fnp.where(fnp.less_equal(total, count), fnp.add(gaps, t(1)), gaps)
        gap = fnp.ceil(fnp.divide(fnp.log(uniform(sub, shape, q.dtype)), log1m_q))
        return i + np.int32(1), gaps, fnp.add(total, gap), kk

    zeros = fnp.zeros(shape, q.dtype)
    return fnp.subtract(while_loop(more, step, (np.int32(0), zeros, zeros, k))[1], t(1))


# log(k!) - Stirling's approximation of it, for k = 0 .. 9
_STIRLING_TAIL = np.array([0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                           0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                           0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                           0.00833056343336287])


def _stirling_tail(k):
    t = k.dtype.type
    kc = fnp.clip(k, t(0), t(9))
    kp1sq = fnp.multiply(fnp.add(kc, t(1)), fnp.add(kc, t(1)))
    series = fnp.divide(fnp.subtract(t(1.0 / 12), fnp.divide(fnp.subtract(t(1.0 / 360), fnp.divide(
        t(1.0 / 1260), kp1sq)), kp1sq)), fnp.add(kc, t(1)))
    table = fnp.take(_STIRLING_TAIL.astype(k.dtype), fnp.floor(kc).astype(np.int32))
    return fnp.where(fnp.less_equal(k, t(9)), table, series)


def _binomial_btrs(k, count, q, shape):
    """Hormann's BTRS transformed rejection, every element until it accepts."""
    t = q.dtype.type
    stddev = fnp.sqrt(fnp.multiply(fnp.multiply(count, q), fnp.subtract(t(1), q)))
    b = fnp.add(t(1.15), fnp.multiply(t(2.53), stddev))
    a = fnp.add(fnp.add(t(-0.0873), fnp.multiply(t(0.0248), b)), fnp.multiply(t(0.01), q))
    c = fnp.add(fnp.multiply(count, q), t(0.5))
    v_r = fnp.subtract(t(0.92), fnp.divide(t(4.2), b))
    r = fnp.divide(q, fnp.subtract(t(1), q))
    alpha = fnp.multiply(fnp.add(t(2.83), fnp.divide(t(5.1), b)), stddev)
    m = fnp.floor(fnp.multiply(fnp.add(count, t(1)), q))
    log, mul, add, sub, div = fnp.log, fnp.multiply, fnp.add, fnp.subtract, fnp.divide

    def propose(u, v, us):
        quick = fnp.logical_and(fnp.greater_equal(us, t(0.07)), fnp.less_equal(v, v_r))
        draw = fnp.floor(add(mul(add(div(mul(t(2), a), us), b), u), c))
        reject = fnp.logical_or(fnp.less(draw, t(0)), fnp.greater(draw, count))
        log_v = log(div(mul(v, alpha), add(div(a, mul(us, us)), b)))
        upper = add(add(add(mul(add(m, t(0.5)), log(div(add(m, t(1)), mul(r, add(sub(count, m), t(1)))))),
                            mul(add(count, t(1)), log(div(add(sub(count, m), t(1)), add(sub(count, draw), t(1)))))),
                        mul(add(draw, t(0.5)), log(div(mul(r, add(sub(count, draw), t(1))), add(draw, t(1)))))),
                    sub(sub(add(_stirling_tail(m), _stirling_tail(sub(count, m))), _stirling_tail(draw)),
                        _stirling_tail(sub(count, draw))))
        return draw, fnp.logical_or(quick, fnp.logical_and(fnp.logical_not(reject), fnp.less_equal(log_v, upper)))
    return _until_accepted(k, shape, q.dtype, propose)


def multinomial(key, n, p, *, shape=None, dtype=np.float32, unroll=1):
    """Multinomial(``n``, ``p``) counts over the last axis of ``p`` (as floats, as in JAX),
    JAX's numbers for the same key: a chain of binomials, each category taking its share of
    the trials still left (``lax.scan`` over the categories; ``unroll`` is accepted for JAX
    compatibility). ``shape`` defaults to ``p``'s; ``n`` broadcasts against ``shape[:-1]``.

    >>> multinomial(key(0), 20, np.array([0.2, 0.3, 0.5], np.float32)).sum()
    np.float32(20.0)
    """
    from .control_flow import scan  # noqa: PLC0415
    k = _check_key(key, "multinomial")
    dtype = _float_dtype(dtype, "multinomial")
    p = _probability(p)
    shape = tuple(p.shape) if shape is None else _shape(shape, "multinomial")
    if not shape:
        raise ValueError("random.multinomial: p needs a last axis of categories (shape (..., k))")
    n = fnp.broadcast_to(fnp.asarray(n).astype(p.dtype), shape[:-1])
    p = fnp.moveaxis(fnp.broadcast_to(p, shape), -1, 0)
    t = p.dtype.type
    left = fnp.flip(fnp.cumsum(fnp.flip(p, 0), axis=0), 0)  # the probability not yet assigned
    ratios = fnp.divide(p, fnp.where(fnp.equal(left, t(0)), t(1), left))

    def category(remaining, ratio_key):
        ratio, kk = ratio_key
        count = binomial(kk, remaining, fnp.clip(ratio, t(0), t(1)), dtype=p.dtype)
        return fnp.subtract(remaining, count), count

    with np.errstate(invalid="ignore", divide="ignore"):  # see binomial
        _, counts = scan(category, n, (ratios, split(k, shape[-1])))
    return fnp.moveaxis(counts, 0, -1).astype(dtype)
