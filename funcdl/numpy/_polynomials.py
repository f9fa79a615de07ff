"""1-d convolution, polynomials (coefficients highest power first, as numpy's ``poly*``) and
piecewise-linear interpolation, composed from the convolution primitive, gathers and
elementwise arithmetic."""
import numpy as np

from .. import primitives as P
from ..errors import ConcretizationError
from ._base import asarray, cast, promote
from ._indexing import take
from ._math import add, clip, divide, multiply, remainder, subtract, where
from ._shape import concatenate, flip, pad, reshape
from ._statistics import argsort, searchsorted

_MODES = ("full", "same", "valid")


def _convolve_full(a, v):
    """The full convolution of 1-d ``a`` and ``v`` (length n + m - 1) through the 2-d
    convolution primitive, in float (integers are computed exactly up to 2**53)."""
    a, v = promote(asarray(a), asarray(v))
    dtype = a.dtype
    if dtype.kind == "c":  # (ar + i ai) * (vr + i vi), by four real convolutions
        (ar, ai), (vr, vi) = [(P.unary("real", x), P.unary("imag", x)) for x in (a, v)]
        return P.binary("complex", subtract(_convolve_full(ar, vr), _convolve_full(ai, vi)),
                        add(_convolve_full(ar, vi), _convolve_full(ai, vr)))
    if dtype.kind != "f":
        a, v = cast(a, np.float64), cast(v, np.float64)
    n, m = a.shape[0], v.shape[0]
    x = reshape(a, (1, 1, 1, n))
    w = reshape(flip(v, 0), (1, 1, 1, m))
    out = reshape(P.conv(x, w, (1, 1), ((0, 0), (m - 1, m - 1))), (n + m - 1,))
    if dtype.kind != "f":
        out = cast(P.unary("round", out), dtype)
    return out


def convolve(a, v, mode="full"):
    """The discrete linear convolution of two 1-d arrays (``mode`` "full", "same" or "valid").

    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    """
    a, v = asarray(a), asarray(v)
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"convolve: inputs must be 1-d, got shapes {a.shape} and {v.shape}")
    if mode not in _MODES:
        raise ValueError(f"convolve: mode must be one of {_MODES}, got {mode!r}")
    if a.shape[0] == 0 or v.shape[0] == 0:
        raise ValueError("convolve: inputs cannot be empty")
    if v.shape[0] > a.shape[0]:
        a, v = v, a
    n, m = a.shape[0], v.shape[0]
    full = _convolve_full(a, v)
    if mode == "full":
        return full
    start, length = ((m - 1) // 2, n) if mode == "same" else (m - 1, n - m + 1)
    return full[start:start + length]


def correlate(a, v, mode="valid"):
    """The cross-correlation ``c[k] = sum_n a[n + k] * conj(v[n])`` of two 1-d arrays.

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([3.5])
    """
    a, v = asarray(a), asarray(v)
    if v.dtype.kind == "c":
        v = P.unary("conj", v)
    if v.ndim == 1 and a.ndim == 1 and v.shape[0] > a.shape[0]:
        return flip(convolve(v, flip(a, 0), mode), 0)
    return convolve(a, flip(v, 0) if v.ndim == 1 else v, mode)


def polyval(p, x):
    """The polynomial with coefficients ``p`` (highest power first) at ``x``, by Horner's rule.

    >>> polyval(np.array([1.0, 0.0, -1.0]), np.array([2.0, 3.0]))
    array([3., 8.])
    """
    p, x = asarray(p), asarray(x)
    y = multiply(x, 0) if p.shape[0] == 0 else p[0] + multiply(x, 0)
    for i in range(1, p.shape[0]):
        y = add(multiply(y, x), p[i])
    return y


def _pad_front(p, length):
    return pad(p, [(length - p.shape[0], 0)]) if p.shape[0] < length else p


def polyadd(a1, a2):
    """The sum of two polynomials.

    >>> polyadd(np.array([1, 2]), np.array([1, 0, 0]))
    array([1, 1, 2])
    """
    a1, a2 = asarray(a1), asarray(a2)
    n = max(a1.shape[0], a2.shape[0])
    return add(_pad_front(a1, n), _pad_front(a2, n))


def polysub(a1, a2):
    """The difference of two polynomials.

    >>> polysub(np.array([1, 2]), np.array([1, 0, 0]))
    array([-1,  1,  2])
    """
    a1, a2 = asarray(a1), asarray(a2)
    n = max(a1.shape[0], a2.shape[0])
    return subtract(_pad_front(a1, n), _pad_front(a2, n))


def polymul(a1, a2):
    """The product of two polynomials.

    >>> polymul(np.array([1.0, 1.0]), np.array([1.0, -1.0]))
    array([ 1.,  0., -1.])
    """
    return convolve(asarray(a1), asarray(a2))


def polyder(p, m=1):
    """The ``m``-th derivative of a polynomial.

    >>> polyder(np.array([1.0, 2.0, 3.0]))
    array([2., 2.])
    """
    p = asarray(p)
    if m < 0:
        raise ValueError(f"polyder: order of derivative must be positive, got {m}")
    for _ in range(m):
        n = p.shape[0] - 1
        p = multiply(p[:-1], np.arange(n, 0, -1)) if n > 0 else multiply(p[:0], 0)
    return p


def polyint(p, m=1, k=None):
    """The ``m``-th antiderivative of a polynomial, with integration constants ``k`` (zeros by
    default; one per integration).

    >>> polyint(np.array([3.0, 2.0]))
    array([1.5, 2. , 0. ])
    """
    p = asarray(p)
    if m < 0:
        raise ValueError(f"polyint: order of integral must be positive, got {m}")
    constants = np.zeros(m) if k is None else np.broadcast_to(np.asarray(k, np.float64), (m,))
    p = p if p.dtype.kind == "f" else cast(p, np.float64)
    for i in range(m):
        n = p.shape[0]
        p = concatenate([divide(p, np.arange(n, 0, -1)), np.asarray([constants[i]], p.dtype)], 0)
    return p


def interp(x, xp, fp, left=None, right=None, period=None):
    """The piecewise-linear interpolant through ``(xp, fp)`` (``xp`` increasing) at ``x``;
    ``left``/``right`` (default ``fp[0]``/``fp[-1]``) outside, or periodic with ``period``.
    Complex ``fp`` interpolates the real and imaginary parts (as numpy).

    >>> interp(np.array([0.5, 2.5, 9.0]), np.array([0.0, 1.0, 3.0]), np.array([0.0, 10.0, 20.0]))
    array([ 5. , 17.5, 20. ])
    """
    x, xp, fp = asarray(x), asarray(xp), asarray(fp)
    if x.dtype.kind == "c" or xp.dtype.kind == "c":
        raise TypeError(f"interp: x and xp must be real, got {x.dtype.name} and {xp.dtype.name}")
    if fp.dtype.kind == "c":
        from ._arrange import imag, real  # noqa: PLC0415
        part = lambda v, f: None if v is None else f(asarray(v))  # noqa: E731
        return add(interp(x, xp, real(fp), part(left, real), part(right, real), period),
                   multiply(1j, interp(x, xp, imag(fp), part(left, imag), part(right, imag), period)))
    if xp.ndim != 1 or fp.ndim != 1 or xp.shape != fp.shape:
        raise ValueError(f"interp: xp and fp must be 1-d of one length, got {xp.shape} and {fp.shape}")
    x, xp, fp = (a if a.dtype.kind == "f" else cast(a, np.float64) for a in (x, xp, fp))
    if period is not None:
        if period == 0:
            raise ValueError("interp: period must be a non-zero value")
        period = abs(period)
        x, xp = remainder(x, period), remainder(xp, period)
        order = argsort(xp)
        xp, fp = take(xp, order), take(fp, order)
        xp = concatenate([xp[-1:] - period, xp, xp[:1] + period], 0)
        fp = concatenate([fp[-1:], fp, fp[:1]], 0)
        left = right = None
    n = xp.shape[0]
    i = clip(searchsorted(xp, x, side="right"), 1, n - 1)
    x0, x1, f0, f1 = take(xp, i - 1), take(xp, i), take(fp, i - 1), take(fp, i)
    span = subtract(x1, x0)
    slope = divide(subtract(f1, f0), where(span == 0, 1, span))
    out = add(f0, multiply(slope, subtract(x, x0)))
    out = where(x == x1, f1, out)  # exact at the knots (and at the last one)
    if period is None:
        out = where(x < xp[0], fp[0] if left is None else left, out)
        out = where(x > xp[-1], fp[-1] if right is None else right, out)
    return out


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """The least-squares polynomial of degree ``deg`` through the points ``(x, y)``, highest
    power first (``y`` may hold one data set per column), as numpy computes it: the
    Vandermonde columns are scaled to unit norm, then solved with ``linalg.lstsq``.
    ``full=True`` also returns ``(residuals, rank, singular_values, rcond)``; ``cov=True``
    (or "unscaled") ``(coefficients, covariance)``.

    >>> polyfit(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]), 1).round(6)
    array([2., 1.])
    """
    from . import linalg  # noqa: PLC0415 - linalg is built on this package's modules
    from ._functional import vander  # noqa: PLC0415
    from ._base import to_float  # noqa: PLC0415
    x, y = promote(to_float(x, "polyfit"), to_float(y, "polyfit"))
    order = int(deg) + 1
    if x.ndim != 1 or y.ndim not in (1, 2) or y.shape[0] != x.shape[0] or order < 1:
        raise P.structural.shape_error("polyfit", "needs a 1-D x, a y of x's length (1-D or 2-D) "
                                       "and deg >= 0", x.shape, y.shape)
    lhs, rhs = vander(x, order), y
    if w is not None:
        w = cast(asarray(w), x.dtype)
        lhs = lhs * w[:, None]
        rhs = rhs * (w if y.ndim == 1 else w[:, None])
    rcond = x.shape[0] * np.finfo(x.dtype).eps if rcond is None else rcond
    scale = multiply(lhs, lhs).sum(axis=0) ** 0.5
    c, resids, rank, s = linalg.lstsq(lhs / scale, rhs, rcond)
    c = divide(c.T, scale).T
    if full:
        return c, resids, rank, s, rcond
    if not cov:
        return c
    from ._linalg import outer  # noqa: PLC0415
    base = divide(linalg.inv(linalg.matmul((lhs / scale).T, lhs / scale)), outer(scale, scale))
    factor = 1.0 if cov == "unscaled" else resids / (x.shape[0] - order)
    return c, (base * factor if y.ndim == 1 else base[:, :, None] * factor)


def roots(p, *, strip_zeros=True):
    """The roots of the polynomial with coefficients ``p`` (highest power first), complex, as
    the eigenvalues of its companion matrix. ``strip_zeros`` drops leading zeros and turns
    trailing ones into zero roots, which needs concrete values (outside jit); with
    ``strip_zeros=False`` (jittable, as in JAX) the leading coefficient must be nonzero.
    Always complex (numpy returns floats when every root is real).

    >>> roots(np.array([1.0, -3.0, 2.0]))
    array([2.+0.j, 1.+0.j])
    """
    from . import linalg  # noqa: PLC0415 - linalg imports this module's neighbours
    from ._value_shapes import _known  # noqa: PLC0415
    p = asarray(p)
    if p.ndim != 1:
        raise ValueError(f"roots: needs a 1-d array of coefficients, got shape {p.shape}")
    p = p if p.dtype.kind in "fc" else cast(p, np.float64)
    trailing = 0
    if strip_zeros:
        values = _known(p, "roots")
        if values is None:
            raise ConcretizationError("roots: strip_zeros=True needs concrete coefficients (outside "
                                      "jit); pass strip_zeros=False under jit, as in JAX")
        nonzero = np.flatnonzero(values)
        if nonzero.size:
            trailing = p.shape[0] - 1 - nonzero[-1]
            p = p[nonzero[0]:nonzero[-1] + 1]
        else:
            p = p[:0]
    dtype = np.complex64 if p.dtype in (np.float32, np.complex64) else np.complex128
    zeros = np.zeros(trailing, dtype)
    n = p.shape[0] - 1
    if n < 1:
        return zeros
    top = reshape(divide(-p[1:], p[0]), (1, n))
    below = np.eye(n - 1, n, dtype=p.dtype)
    found = linalg.eigvals(concatenate([top, below], 0))
    return concatenate([found, zeros], 0) if trailing else found
