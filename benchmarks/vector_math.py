"""Transcendentals per element: a jitted ``fnp.<fn>(x)`` over 2**20 elements, beside
numpy's ufunc, numba's own ``np.<fn>`` in a loop (scalar libm: what generated code called
before ``funcdl._vmath``) and, when installed, JAX and PyTorch. Nanoseconds per element,
medians of interleaved blocks, 1 thread.

    python -m benchmarks vector_math
"""
import numba
import numpy as np

import funcdl as fd
import funcdl.numpy as fnp

from ._timing import compare

NAMES = ("exp", "expm1", "log", "log1p", "tanh")
SIZE = 1 << 20


def _operand(dtype):
    return np.random.default_rng(0).uniform(0.1, 3.0, SIZE).astype(dtype)


def _numba_libm(name):
    fn = getattr(np, name)

    @numba.njit(error_model="numpy")
    def apply(x, out):
        for i in range(x.size):
            out[i] = fn(x[i])
    return apply


def contenders(name, x):
    out = np.empty_like(x)
    funcdl_fn = fd.jit(getattr(fnp, name))
    libm = _numba_libm(name)
    found = {"funcdl jit": lambda: funcdl_fn(x), "numpy": lambda: getattr(np, name)(x, out=out),
             "numba libm loop": lambda: libm(x, out)}
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_platform_name", "cpu")
        jax.config.update("jax_enable_x64", x.dtype == np.float64)  # else float64 runs as float32
        jx, jfn = jnp.asarray(x), jax.jit(getattr(jnp, name))
        found["jax jit"] = lambda: jfn(jx).block_until_ready()
    except ImportError:
        pass
    try:
        import torch
        torch.set_num_threads(1)
        tx, tout = torch.from_numpy(x), torch.from_numpy(out)
        found["torch"] = lambda: getattr(torch, name)(tx, out=tout)
    except ImportError:
        pass
    return found


def main(argv=None):
    rows = []
    for dtype in (np.float32, np.float64):
        x = _operand(dtype)
        for name in NAMES:
            times = compare(contenders(name, x), repeat=9)
            rows.append((f"{name} {np.dtype(dtype).name}", times))
    columns = list(rows[0][1])
    print(f"nanoseconds per element over {SIZE:,} elements (ratios: funcdl / numpy)")
    print("| function | " + " | ".join(columns) + " | funcdl/numpy |")
    print("|---|" + "---|" * (len(columns) + 1))
    for label, times in rows:
        cells = [f"{times[c] / SIZE * 1e9:.2f}" if c in times else "-" for c in columns]
        print(f"| {label} | " + " | ".join(cells) + f" | {times['funcdl jit'] / times['numpy']:.2f} |")


if __name__ == "__main__":
    main()
