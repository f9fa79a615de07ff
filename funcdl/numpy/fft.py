"""``funcdl.numpy.fft``: jax.numpy.fft's functions with numpy's semantics, on the ``fft``
primitive (``funcdl/primitives/fft.py``), so each one is differentiable, vmappable and
jittable.

>>> import funcdl.numpy as fnp, numpy as np
>>> fnp.fft.rfft(np.array([1.0, 2.0, 3.0, 4.0]))
array([10.+0.j, -2.+2.j, -2.+0.j])

Each transform crops or zero-pads its axes to the lengths asked for (``n`` or ``s``), moves
them last, calls the primitive and moves them back. Integers and booleans are computed in
float64 (complex128), float16 in float32 (complex64), as numpy does; ``norm`` is
``"backward"`` (the default), ``"ortho"`` or ``"forward"``.
"""
import math

import numpy as np

from .. import primitives as P
from . import _base
from ._arrange import conj, roll

__all__ = ["fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifft2", "ifftn",
           "ifftshift", "ihfft", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq", "rfftn"]

_NORMS = ("backward", "ortho", "forward")
_SWAPPED = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def _input(a, fft_type, op):
    """``a`` in the dtype the transform needs: real for RFFT, complex for the others."""
    a = _base.to_float(a, op)
    if a.dtype == np.float16:
        a = _base.cast(a, np.float32)
    if fft_type == "RFFT":
        if a.dtype.kind == "c":
            raise TypeError(f"{op}: needs a real input, got {a.dtype.name}; use {op[1:]} for "
                            "complex inputs")
        return a
    return a if a.dtype.kind == "c" else _base.cast(a, P.complex_dtype(a.dtype))


def _axes_and_lengths(a, s, axes, fft_type, op):
    """The axes to transform (non-negative) and their transform lengths."""
    ndim = len(np.shape(a))
    if axes is None:
        axes = range(ndim) if s is None else range(ndim - len(s), ndim)
    axes = [_base.normalize_axis(ax, ndim, op) for ax in axes]
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: repeated axes {tuple(axes)} are not supported")
    if not axes:
        raise ValueError(f"{op}: needs at least one axis to transform")
    shape = np.shape(a)
    if s is None:
        s = [shape[ax] for ax in axes]
        if fft_type == "IRFFT":
            s[-1] = 2 * (shape[axes[-1]] - 1)
    s = [int(n) for n in s]
    if len(s) != len(axes):
        raise ValueError(f"{op}: s {tuple(s)} and axes {tuple(axes)} must have one length each")
    if any(n < 1 for n in s):
        raise ValueError(f"{op}: invalid number of FFT data points {tuple(s)}; every length must "
                         "be at least 1")
    return axes, s


def _fit(a, axis, n):
    """``a`` cropped or zero-padded at the end of ``axis`` to length ``n``."""
    shape = np.shape(a)
    if shape[axis] > n:
        return P.slice(a, [0] * len(shape), shape[:axis] + (n,) + shape[axis + 1:])
    if shape[axis] < n:
        config = [(0, 0, 0)] * len(shape)
        config[axis] = (0, n - shape[axis], 0)
        return P.pad(a, np.zeros((), _base.asarray(a).dtype), config)
    return a


def _checked_norm(norm, op):
    norm = "backward" if norm is None else norm
    if norm not in _NORMS:
        raise ValueError(f'{op}: invalid norm {norm!r}; use "backward", "ortho" or "forward"')
    return norm


def _scale(norm, fft_type, lengths, op):
    """The factor ``norm`` puts on the primitive's result (which divides by the size in the
    inverse direction)."""
    norm = _checked_norm(norm, op)
    size = math.prod(lengths)
    inverse = fft_type in ("IFFT", "IRFFT")
    return {"backward": 1.0, "ortho": math.sqrt(size) if inverse else 1 / math.sqrt(size),
            "forward": size if inverse else 1 / size}[norm]


def _transform(a, fft_type, s, axes, norm, op):
    a = _input(a, fft_type, op)
    axes, lengths = _axes_and_lengths(a, s, axes, fft_type, op)
    fitted = list(lengths)
    if fft_type == "IRFFT":
        fitted[-1] = lengths[-1] // 2 + 1
    for ax, n in zip(axes, fitted):
        a = _fit(a, ax, n)
    ndim = len(np.shape(a))
    order = [ax for ax in range(ndim) if ax not in axes] + axes
    moved = order != list(range(ndim))
    out = P.fft(P.transpose(a, order) if moved else a, fft_type, lengths)
    if moved:
        out = P.transpose(out, list(np.argsort(order)))
    scale = _scale(norm, fft_type, lengths, op)
    return out if scale == 1.0 else out * scale


def _one_axis(fft_type, name, doc):
    def transform(a, n=None, axis=-1, norm=None):
        return _transform(a, fft_type, None if n is None else [n], [axis], norm, name)
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = doc
    return transform


def _many_axes(fft_type, name, default_axes, doc):
    def transform(a, s=None, axes=default_axes, norm=None):
        return _transform(a, fft_type, s, axes, norm, name)
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = doc
    return transform


fft = _one_axis("FFT", "fft", """The discrete Fourier transform along ``axis``, of length ``n``.

    >>> fft(np.array([1.0, 0.0, -1.0, 0.0]))
    array([0.+0.j, 2.+0.j, 0.+0.j, 2.+0.j])
    """)
ifft = _one_axis("IFFT", "ifft", """The inverse discrete Fourier transform along ``axis``.

    >>> ifft(np.array([0.0, 2.0, 0.0, 2.0]))
    array([ 1.+0.j,  0.+0.j, -1.+0.j,  0.+0.j])
    """)
rfft = _one_axis("RFFT", "rfft", """The transform of a real input along ``axis``: its first
    ``n // 2 + 1`` terms (the rest are their conjugates).

    >>> rfft(np.array([1.0, 0.0, -1.0, 0.0]))
    array([0.+0.j, 2.+0.j, 0.+0.j])
    """)
irfft = _one_axis("IRFFT", "irfft", """The real inverse of :func:`rfft`: ``n`` (default
    ``2 * (m - 1)``) real values from ``m`` terms along ``axis``.

    >>> irfft(np.array([0.0, 2.0, 0.0]))
    array([ 1.,  0., -1.,  0.])
    """)
fft2 = _many_axes("FFT", "fft2", (-2, -1), """:func:`fftn` over the last two axes.

    >>> fft2(np.ones((2, 2)))
    array([[4.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j]])
    """)
ifft2 = _many_axes("IFFT", "ifft2", (-2, -1), """:func:`ifftn` over the last two axes.

    >>> ifft2(np.array([[4.0, 0.0], [0.0, 0.0]]))
    array([[1.+0.j, 1.+0.j],
           [1.+0.j, 1.+0.j]])
    """)
rfft2 = _many_axes("RFFT", "rfft2", (-2, -1), """:func:`rfftn` over the last two axes.

    >>> rfft2(np.ones((2, 2)))
    array([[4.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j]])
    """)
irfft2 = _many_axes("IRFFT", "irfft2", (-2, -1), """:func:`irfftn` over the last two axes.

    >>> irfft2(np.array([[4.0, 0.0], [0.0, 0.0]]))
    array([[1., 1.],
           [1., 1.]])
    """)
fftn = _many_axes("FFT", "fftn", None, """The n-dimensional transform over ``axes`` (all
    axes by default, the last ``len(s)`` when only ``s`` is given), of lengths ``s``.

    >>> fftn(np.ones((2, 2)))
    array([[4.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j]])
    """)
ifftn = _many_axes("IFFT", "ifftn", None, """The n-dimensional inverse transform.

    >>> ifftn(np.array([[4.0, 0.0], [0.0, 0.0]]))
    array([[1.+0.j, 1.+0.j],
           [1.+0.j, 1.+0.j]])
    """)
rfftn = _many_axes("RFFT", "rfftn", None, """The n-dimensional transform of a real input; the
    last axis keeps its first ``s[-1] // 2 + 1`` terms.

    >>> rfftn(np.ones((2, 2)))
    array([[4.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j]])
    """)
irfftn = _many_axes("IRFFT", "irfftn", None, """The real inverse of :func:`rfftn` (the last
    length defaults to ``2 * (m - 1)``).

    >>> irfftn(np.array([[4.0, 0.0], [0.0, 0.0]]))
    array([[1., 1.],
           [1., 1.]])
    """)


def hfft(a, n=None, axis=-1, norm=None):
    """The transform of a signal with Hermitian symmetry, given by its first half: ``n``
    real values (default ``2 * (m - 1)``).

    >>> hfft(np.array([1.0, 2.0, 1.0]))
    array([ 6.,  0., -2.,  0.])
    """
    norm = _SWAPPED[_checked_norm(norm, "hfft")]
    return irfft(conj(_input(a, "IRFFT", "hfft")), n, axis, norm)


def ihfft(a, n=None, axis=-1, norm=None):
    """The inverse of :func:`hfft`: the first ``n // 2 + 1`` terms of the Hermitian
    spectrum of a real signal.

    >>> ihfft(np.array([6.0, 0.0, -2.0, 0.0]))
    array([1.-0.j, 2.-0.j, 1.-0.j])
    """
    norm = _SWAPPED[_checked_norm(norm, "ihfft")]
    return conj(rfft(a, n, axis, norm))


def _frequencies(counts, n, d, dtype):
    out = np.asarray(counts, np.float64) / n
    out = out if dtype is None else out.astype(dtype)
    return out / d if isinstance(d, _base.ARRAY_TYPES) else out / float(d)


def fftfreq(n, d=1.0, *, dtype=None, device=None):
    """The frequencies of :func:`fft`'s terms for ``n`` samples ``d`` apart.

    >>> fftfreq(4, 0.5)
    array([ 0. ,  0.5, -1. , -0.5])
    """
    del device
    n = int(n)
    return _frequencies(np.concatenate([np.arange((n + 1) // 2), np.arange(-(n // 2), 0)]), n, d, dtype)


def rfftfreq(n, d=1.0, *, dtype=None, device=None):
    """The frequencies of :func:`rfft`'s terms for ``n`` samples ``d`` apart.

    >>> rfftfreq(4, 0.5)
    array([0. , 0.5, 1. ])
    """
    del device
    n = int(n)
    return _frequencies(np.arange(n // 2 + 1), n, d, dtype)


def _shift(x, axes, sign):
    shape = np.shape(x)
    axes = range(len(shape)) if axes is None else [axes] if isinstance(axes, int) else axes
    axes = list(axes)
    return roll(x, [sign * (shape[ax] // 2) for ax in axes], axes)


def fftshift(x, axes=None):
    """``x`` rolled so that the zero frequency is in the middle of each of ``axes``.

    >>> fftshift(fftfreq(4))
    array([-0.5 , -0.25,  0.  ,  0.25])
    """
    return _shift(x, axes, 1)


def ifftshift(x, axes=None):
    """The inverse of :func:`fftshift`.

    >>> ifftshift(np.array([-0.5, -0.25, 0.0, 0.25]))
    array([ 0.  ,  0.25, -0.5 , -0.25])
    """
    return _shift(x, axes, -1)
