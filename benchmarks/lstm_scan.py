"""An LSTM training step (sequence 20, batch 32, input 16, hidden 64, SGD) under jit:
the recurrence as ``lax.scan`` (one loop in the IR and in the generated code) versus the
same cell unrolled by a Python loop; compile time and step time, next to JAX
(``lax.scan``) and PyTorch (``nn.LSTM``) when installed.

    python -m benchmarks lstm_scan [--unrolled-steps 5]
"""
import argparse
import os
import tempfile
import time

import numpy as np

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import lax, nn, random

from ._timing import compare, settle, table

T, B, F, H = 20, 32, 16, 64


def make(steps):
    layer = nn.LSTM(H)
    params, _ = layer.init(random.key(0), (B, steps, F))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, steps, F)).astype(np.float32)
    y = rng.standard_normal((B, H)).astype(np.float32)
    return layer, params, x, y


def scan_step(layer):
    def loss(params, x, y):
        out, _ = layer.apply(params, (), x)
        return fnp.mean((out[:, -1] - y) ** 2)

    def step(params, x, y):
        value, grads = fd.value_and_grad(loss)(params, x, y)
        return fd.tree_map(lambda p, g: p - 0.1 * g, params, grads), value
    return step


def unrolled_step(layer):
    def loss(params, x, y):
        xw = x @ params["w"] + params["b"]
        carry = layer.initial_carry(x.shape[0], xw.dtype)
        for t in range(x.shape[1]):
            carry, out = layer.cell(params, carry, xw[:, t])
        return fnp.mean((out - y) ** 2)

    def step(params, x, y):
        value, grads = fd.value_and_grad(loss)(params, x, y)
        return fd.tree_map(lambda p, g: p - 0.1 * g, params, grads), value
    return step


def timed_compile(step, *args):
    """Seconds for the first call with an empty compile cache."""
    old = os.environ.get("FUNCDL_CACHE_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FUNCDL_CACHE_DIR"] = tmp
        try:
            jitted = fd.jit(step)
            start = time.perf_counter()
            jitted(*args)
            return time.perf_counter() - start, jitted
        finally:
            if old is None:
                os.environ.pop("FUNCDL_CACHE_DIR", None)
            else:
                os.environ["FUNCDL_CACHE_DIR"] = old


def _torch(x, y):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    lstm = torch.nn.LSTM(F, H, batch_first=True)
    opt = torch.optim.SGD(lstm.parameters(), lr=0.1)
    tx, ty = torch.tensor(x), torch.tensor(y)

    def step():
        out, _ = lstm(tx)
        loss = ((out[:, -1] - ty) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def jax_step(params):
    """JAX's version of ``scan_step`` and the parameters as JAX arrays."""
    import jax
    import jax.numpy as jnp

    def loss(p, x, y):
        xw = jnp.swapaxes(x @ p["w"] + p["b"], 0, 1)

        def cell(c, xt):
            h, cs = c
            z = xt + h @ p["u"]
            i, f, g, o = jnp.split(z, 4, axis=1)
            cs = jax.nn.sigmoid(f) * cs + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(cs)
            return (h, cs), h
        (h, _), _ = jax.lax.scan(cell, (jnp.zeros((B, H)), jnp.zeros((B, H))), xw)
        return jnp.mean((h - y) ** 2)

    @jax.jit
    def step(p, x, y):
        value, grads = jax.value_and_grad(loss)(p, x, y)
        return jax.tree_util.tree_map(lambda a, g: a - 0.1 * g, p, grads), value
    return step, {k: jnp.asarray(v) for k, v in params.items() if k in ("w", "u", "b")}


def _jax(params, x, y):
    try:
        import jax
    except ImportError:
        return None
    step, jp = jax_step(params)
    start = time.perf_counter()
    jax.block_until_ready(step(jp, x, y))
    compile_s = time.perf_counter() - start
    return compile_s, lambda: jax.block_until_ready(step(jp, x, y))


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--unrolled-steps", type=int, default=5,
                        help="sequence length of the unrolled variant (its compile time grows fast)")
    args = parser.parse_args(argv)
    layer, params, x, y = make(T)
    scan_compile, scan_jit = timed_compile(scan_step(layer), params, x, y)
    lay5, params5, x5, y5 = make(args.unrolled_steps)
    scan5_compile, _ = timed_compile(scan_step(lay5), params5, x5, y5)
    unrolled_compile, unrolled_jit = timed_compile(unrolled_step(lay5), params5, x5, y5)
    settle(scan_jit, params, x, y)
    contenders = {"funcdl jit scan": lambda: scan_jit(params, x, y),
                  "funcdl eager scan": lambda: scan_step(layer)(params, x, y)}
    compiles = {"funcdl jit scan": scan_compile}
    jax_result = _jax(params, x, y)
    if jax_result:
        compiles["jax jit scan"], contenders["jax jit scan"] = jax_result
    torch_step = _torch(x, y)
    if torch_step:
        contenders["torch nn.LSTM"] = torch_step
    times = compare(contenders, repeat=7, min_time=0.05)
    print(f"LSTM train step, T={T} B={B} F={F} H={H}; median step time")
    print(table({"step": times}, list(contenders), "funcdl jit scan", unit=1e-3, unit_name="ms"))
    print("compile (empty cache): " + ", ".join(f"{k} {v:.1f} s" for k, v in compiles.items()))
    print(f"compile at T={args.unrolled_steps}: scan {scan5_compile:.1f} s, Python-unrolled "
          f"{unrolled_compile:.1f} s (the unrolled program grows with T; the scan does not)")


if __name__ == "__main__":
    main()
