"""The numpy functions that primitives without a numba kernel call: eager evaluation
directly, generated code from inside ``numba.objmode`` (``lowering.objmode_call``). Both
paths run the same function, so jit and eager results agree bitwise.

- ``fft``: numpy's pocketfft (a numba radix-2 + Bluestein kernel measured 2.4-11x slower);
- ``eig``: LAPACK's geev through numpy (numba's ``np.linalg.eig`` refuses real matrices
  with complex eigenvalues).

>>> import numpy as np
>>> fft(np.array([1.0, 0.0, 0.0, 0.0]), "RFFT", (4,))
array([1.+0.j, 1.+0.j, 1.+0.j])
"""
import numpy as np

_COMPLEX = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128,
            np.dtype(np.complex64): np.complex64, np.dtype(np.complex128): np.complex128}
_REAL = {np.dtype(np.complex64): np.float32, np.dtype(np.complex128): np.float64}


_ONE_AXIS = {"FFT": np.fft.fft, "IFFT": np.fft.ifft, "RFFT": np.fft.rfft, "IRFFT": np.fft.irfft}
_AXES = {"FFT": np.fft.fftn, "IFFT": np.fft.ifftn, "RFFT": np.fft.rfftn, "IRFFT": np.fft.irfftn}


def fft(x, fft_type, fft_lengths):
    """The ``fft_type`` transform (FFT, IFFT, RFFT, IRFFT) of ``x``'s last
    ``len(fft_lengths)`` axes, C-contiguous, in ``x``'s precision."""
    x = np.asarray(x)
    if len(fft_lengths) == 1:  # numpy's n-d functions cost 6 us more per call
        out = _ONE_AXIS[fft_type](x, fft_lengths[0] if fft_type == "IRFFT" else None)
    else:
        lengths = fft_lengths if fft_type == "IRFFT" else None
        out = _AXES[fft_type](x, lengths, tuple(range(-len(fft_lengths), 0)))
    dtype = (_REAL if fft_type == "IRFFT" else _COMPLEX)[x.dtype]
    return np.ascontiguousarray(out, dtype=dtype)


def eig(a, vectors):
    """Eigenvalues (and right eigenvectors, unit columns, if ``vectors``) of each matrix,
    complex always, C-contiguous, in ``a``'s precision.

    >>> eig(np.array([[0.0, -1.0], [1.0, 0.0]]), False)
    (array([0.+1.j, 0.-1.j]),)
    """
    a = np.asarray(a)
    dtype = _COMPLEX[a.dtype]
    if not vectors:
        return (np.ascontiguousarray(np.linalg.eigvals(a), dtype=dtype),)
    w, v = np.linalg.eig(a)
    return np.ascontiguousarray(w, dtype=dtype), np.ascontiguousarray(v, dtype=dtype)
