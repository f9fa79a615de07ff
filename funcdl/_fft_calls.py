"""numpy's pocketfft as the ``fft`` primitive calls it: eager evaluation directly, generated
code from inside ``numba.objmode`` (one call out per transform). Both paths run this one
function, so jit and eager results agree bitwise.

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
