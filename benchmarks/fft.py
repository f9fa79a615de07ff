"""Fourier transforms: jitted funcdl.numpy.fft programs beside numpy and, when installed,
JAX and PyTorch. Microseconds per call, medians of interleaved blocks, 1 thread.

- ``lowpass``: ``irfft(rfft(x) * h)`` of 64 signals of 1,024 samples (a filter);
- ``spectral_grad``: the gradient of ``sum |m * fft2(x)|**2`` in a 64 x 64 image (a
  spectral loss); numpy's column is the hand-written gradient ``2 N Re ifft2(m**2 fft2(x))``;
- ``small_fft``: the FFT of 16 complex values (the cost of calling out of generated code).

    python -m benchmarks fft
"""
import numpy as np

import funcdl as fd
import funcdl.numpy as fnp

from ._timing import print_library_table


def _problems():
    rng = np.random.default_rng(0)
    signals, image = rng.normal(size=(64, 1024)), rng.normal(size=(64, 64))
    response = np.exp(-np.linspace(0, 8, 513) ** 2)
    mask = np.exp(-np.add.outer(np.fft.fftfreq(64) ** 2, np.fft.fftfreq(64) ** 2) * 40)
    small = rng.normal(size=16) + 1j * rng.normal(size=16)
    return {"lowpass": (signals, response), "spectral_grad": (image, mask), "small_fft": (small,)}


def _lowpass(m):
    return lambda x, h: m.fft.irfft(m.fft.rfft(x) * h, 1024)


def _spectral_loss(m):
    return lambda x, mask: m.sum(m.abs(mask * m.fft.fft2(x)) ** 2)


def _spectral_grad_numpy(x, mask):
    return 2 * x.size * np.real(np.fft.ifft2(mask ** 2 * np.fft.fft2(x)))


FUNCDL = {"lowpass": _lowpass(fnp), "spectral_grad": fd.grad(_spectral_loss(fnp)), "small_fft": fnp.fft.fft}
NUMPY = {"lowpass": _lowpass(np), "spectral_grad": _spectral_grad_numpy, "small_fft": np.fft.fft}


def _jax(name, args):
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_platform_name", "cpu")
    jax.config.update("jax_enable_x64", True)
    fn = {"lowpass": _lowpass(jnp), "spectral_grad": jax.grad(_spectral_loss(jnp)), "small_fft": jnp.fft.fft}[name]
    jitted, jargs = jax.jit(fn), [jnp.asarray(a) for a in args]
    return lambda: jax.block_until_ready(jitted(*jargs))


def _torch(name, args):
    import torch
    torch.set_num_threads(1)
    targs = [torch.from_numpy(a) for a in args]
    if name == "spectral_grad":
        def step():
            x = targs[0].clone().requires_grad_()
            loss = (torch.abs(targs[1] * torch.fft.fft2(x)) ** 2).sum()
            return torch.autograd.grad(loss, x)
        return step
    if name == "lowpass":
        return lambda: torch.fft.irfft(torch.fft.rfft(targs[0]) * targs[1], 1024)
    return lambda: torch.fft.fft(targs[0])


def main(argv=None):
    print("float64 / complex128")
    args = _problems()["spectral_grad"]
    np.testing.assert_allclose(FUNCDL["spectral_grad"](*args), NUMPY["spectral_grad"](*args), rtol=1e-9)
    print_library_table(_problems(), FUNCDL, NUMPY, {"jax jit": _jax, "torch": _torch})


if __name__ == "__main__":
    main()
