"""Linear algebra: jitted funcdl.numpy.linalg programs beside numpy and, when installed,
JAX and PyTorch. Microseconds per call, medians of interleaved blocks, 1 thread.

- ``solve``: 64 systems of 32 equations (batched ``linalg.solve``);
- ``gauss_nll_grad``: the gradient of a Gaussian negative log-likelihood in the
  covariance (cholesky, two triangular solves, log-determinant), 16 x 16, 64 samples;
  numpy's column is the hand-written gradient;
- ``eigh``: eigendecomposition of a 64 x 64 symmetric matrix.

    python -m benchmarks linalg
"""
import numpy as np

import funcdl as fd
import funcdl.numpy as fnp

from ._timing import print_library_table


def _problems():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(64, 32, 32)) + 8 * np.eye(32)
    b = rng.normal(size=(64, 32, 1))
    m = rng.normal(size=(16, 16))
    cov = m @ m.T + 16 * np.eye(16)
    x = rng.normal(size=(64, 16))
    s = rng.normal(size=(64, 64))
    return {"solve": (a, b), "gauss_nll_grad": (cov, x), "eigh": (s + s.T,)}


def _nll(m):
    def nll(cov, x):
        chol = m.linalg.cholesky(cov)
        z = m.linalg.solve(chol, x.T)
        return 0.5 * m.sum(z * z) + x.shape[0] * m.sum(m.log(m.diagonal(chol)))
    return nll


def _nll_grad_numpy(cov, x):
    inv = np.linalg.inv(cov)
    return 0.5 * (x.shape[0] * inv - inv @ x.T @ x @ inv)


FUNCDL = {"solve": fnp.linalg.solve, "gauss_nll_grad": fd.grad(_nll(fnp)),
          "eigh": lambda s: tuple(fnp.linalg.eigh(s))}
NUMPY = {"solve": np.linalg.solve, "gauss_nll_grad": _nll_grad_numpy, "eigh": np.linalg.eigh}


def _jax(name, args):
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_platform_name", "cpu")
    jax.config.update("jax_enable_x64", True)
    fn = {"solve": jnp.linalg.solve, "gauss_nll_grad": jax.grad(_nll(jnp)),
          "eigh": jnp.linalg.eigh}[name]
    jitted, jargs = jax.jit(fn), [jnp.asarray(a) for a in args]
    return lambda: jax.block_until_ready(jitted(*jargs))


def _torch(name, args):
    import torch
    torch.set_num_threads(1)
    targs = [torch.from_numpy(a) for a in args]
    if name == "gauss_nll_grad":
        def step():
            cov = targs[0].clone().requires_grad_()
            chol = torch.linalg.cholesky(cov)
            z = torch.linalg.solve_triangular(chol, targs[1].T, upper=False)
            loss = 0.5 * (z * z).sum() + targs[1].shape[0] * torch.log(torch.diagonal(chol)).sum()
            return torch.autograd.grad(loss, cov)
        return step
    fn = {"solve": torch.linalg.solve, "eigh": torch.linalg.eigh}[name]
    return lambda: fn(*targs)


def main(argv=None):
    print("float64")
    print_library_table(_problems(), FUNCDL, NUMPY, {"jax jit": _jax, "torch": _torch})


if __name__ == "__main__":
    main()
