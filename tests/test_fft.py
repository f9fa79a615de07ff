"""funcdl.numpy.fft and lax.fft beyond the tables (which check values against numpy and
explicit DFT matrices, jit, vmap and finite differences): JAX's derivative values, the
errors, and jit agreeing with eager bitwise (both call pocketfft)."""
import enum

import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import lax

Z = np.array([1 + 2j, 0.5 - 1j, -0.3 + 0.25j, 2 - 0.5j])
X = np.array([0.3, -1.2, 2.0, 0.7, -0.4])
C = np.array([1 - 1j, 2 + 0.5j, -0.5 + 1j])
W = np.arange(6.0) - 2.5


# (function of one argument, argument, JAX 0.10.2's gradient in x64 on the same inputs)
JAX_GRADIENTS = [
    (lambda z: fnp.sum(fnp.fft.irfft(z, 6) * W), Z,
     [0, -1 - 1.73205081j, -1 - 0.57735027j, -0.5]),
    (lambda x: fnp.sum(fnp.real(fnp.fft.rfft(x) * C)), X,
     [2.5, 3.085856, -1.42970638, -0.1153786, 0.95922898]),
    (lambda z: fnp.sum(fnp.abs(fnp.fft.fft(z))), Z,
     [1.77039656 - 2.23829763j, 0.57290087 + 1.42480496j, -0.68862608 - 0.02113113j, 2.23979389 - 0.07814149j]),
    (lambda z: fnp.sum(fnp.imag(fnp.fft.ifft2(z.reshape(2, 2), norm="ortho")) ** 2), Z,
     [-4j, 2j, -0.5j, 1j]),
    (lambda z: fnp.sum(fnp.fft.hfft(z, 5) * W[:5]), Z,
     [-2.5, -5 + 6.8819096j, -5 + 1.62459848j, 0]),
    (lambda x: fnp.sum(fnp.real(fnp.fft.ihfft(x) * C)), X,
     [0.5, 0.1918458, -0.02307572, -0.28594128, 0.6171712]),
]


@pytest.mark.parametrize("f, x, want", JAX_GRADIENTS)
def test_gradients_are_jaxs(f, x, want):
    np.testing.assert_allclose(fd.grad(f)(x), want, atol=1e-7)
    np.testing.assert_allclose(fd.jit(fd.grad(f))(x), want, atol=1e-7)


def test_jit_equals_eager_bitwise_and_composes():
    x = np.random.default_rng(0).normal(size=(3, 8))

    def f(x):
        return fnp.fft.irfft(fnp.fft.rfft(x) * fnp.exp(-fnp.fft.rfftfreq(8) ** 2), 8)
    assert np.array_equal(fd.jit(f)(x), f(x))
    np.testing.assert_allclose(fd.vmap(f)(x), np.stack([f(r) for r in x]), rtol=1e-13)
    g = fd.jit(fd.vmap(fd.grad(lambda r: fnp.sum(f(r) ** 2))))(x)
    np.testing.assert_allclose(g, np.stack([fd.grad(lambda r: fnp.sum(f(r) ** 2))(r) for r in x]), rtol=1e-12)


def test_round_trips_and_dtypes():
    x = np.random.default_rng(1).normal(size=(4, 6)).astype(np.float32)
    assert fnp.fft.fft(x).dtype == np.complex64 and fnp.fft.irfft(fnp.fft.rfft(x), 6).dtype == np.float32
    np.testing.assert_allclose(fnp.fft.irfftn(fnp.fft.rfftn(x), x.shape), x, atol=1e-6)
    assert fnp.fft.fft(np.arange(4)).dtype == np.complex128  # integers: float64's precision
    assert fnp.fft.rfft(np.ones(4, np.float16)).dtype == np.complex64


def test_lax_fft_takes_names_in_any_case_and_enums():
    FftType = enum.IntEnum("FftType", "FFT IFFT RFFT IRFFT")
    x = np.arange(4.0)
    np.testing.assert_array_equal(lax.fft(x, "rfft", (4,)), np.fft.rfft(x))
    np.testing.assert_array_equal(lax.fft(x + 0j, FftType.IFFT, [4]), np.fft.ifft(x))


@pytest.mark.parametrize("call, error, match", [
    (lambda: fnp.fft.rfft(Z), TypeError, "rfft: needs a real input, got complex128; use fft"),
    (lambda: fnp.fft.fft(X, norm="unitary"), ValueError, "fft: invalid norm 'unitary'"),
    (lambda: fnp.fft.hfft(Z, norm="x"), ValueError, "hfft: invalid norm"),
    (lambda: fnp.fft.fft(X, n=0), ValueError, "fft: invalid number of FFT data points"),
    (lambda: fnp.fft.irfft(np.ones(1)), ValueError, "irfft: invalid number of FFT data points"),
    (lambda: fnp.fft.fftn(np.ones((2, 2)), axes=(0, 0)), ValueError, "fftn: repeated axes"),
    (lambda: fnp.fft.fft2(np.ones((2, 2)), s=(2,)), ValueError, "fft2: s .* and axes .* one length each"),
    (lambda: fnp.fft.fft(np.ones(3), axis=1), np.exceptions.AxisError, "fft: axis 1 is out of bounds"),
    (lambda: lax.fft(X, "FFT", (5,)), TypeError, "fft: FFT needs complex64 or complex128 operands, got float64"),
    (lambda: lax.fft(Z, "IRFFT", (4,)), ValueError, r"IRFFT of lengths \(4,\) needs trailing axes \(3,\)"),
    (lambda: lax.fft(Z, "FFT", (3,)), ValueError, r"FFT of lengths \(3,\) needs trailing axes \(3,\)"),
    (lambda: lax.fft(Z, "DCT", (4,)), ValueError, "fft: unknown fft_type 'DCT'"),
])
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()
