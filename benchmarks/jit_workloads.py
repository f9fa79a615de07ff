"""The reference jit workloads, funcdl next to hand-written numpy and (when installed)
JAX and PyTorch, as medians and ratios to JAX (or numpy without JAX):

- W1: MNIST MLP 784-128-64-10, ReLU, softmax cross-entropy, batch 128, full Adam step
- W2: spiral MLP 2-100-3, batch 20, SGD-momentum step (overhead-bound)
- W3: per-example gradients, MLP 784-128-10, batch 64
- W4: CNN step: 64x1x28x28, conv 3x3x8, ReLU, max-pool 2, dense 10, SGD
- compile latency of W1: cold (empty cache) and a new process hitting the disk cache

    python -m benchmarks jit_workloads
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import lax

from ._timing import compare, settle, table
from .grad_mlp import make_problem as mlp_problem  # noqa: F401  (shared workloads)
from .grad_mlp import numpy_value_and_grad as numpy_mlp_grads

# ----------------------------------------------------------------------------------------
# funcdl programs
# ----------------------------------------------------------------------------------------


def mlp_logits(params, x):
    for w, b in params[:-1]:
        x = fnp.maximum(x @ w + b, 0.0)
    w, b = params[-1]
    return x @ w + b


def xent(logits, y):
    shift = fd.stop_gradient(fnp.max(logits, axis=-1, keepdims=True))
    lse = fnp.log(fnp.sum(fnp.exp(logits - shift), axis=-1, keepdims=True)) + shift
    return -fnp.mean(fnp.sum(y * (logits - lse), axis=-1))


def mlp_loss(params, x, y):
    return xent(mlp_logits(params, x), y)


def adam_step(params, state, x, y, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    loss, grads = fd.value_and_grad(mlp_loss)(params, x, y)
    m, v, t = state
    t = t + 1.0
    m = fd.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
    v = fd.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
    c1, c2 = 1 - b1 ** t, 1 - b2 ** t
    params = fd.tree_map(lambda p, m, v: p - lr * (m / c1) / (fnp.sqrt(v / c2) + eps), params, m, v)
    return params, (m, v, t), loss


def momentum_step(params, velocity, x, y, lr=0.1, momentum=0.9):
    loss, grads = fd.value_and_grad(mlp_loss)(params, x, y)
    velocity = fd.tree_map(lambda v, g: momentum * v + g, velocity, grads)
    params = fd.tree_map(lambda p, v: p - lr * v, params, velocity)
    return params, velocity, loss


def per_example_loss(params, x, y):
    return xent(mlp_logits(params, x[None]), y[None])


def cnn_loss(params, x, y):
    h = fnp.maximum(lax.conv(x, params["conv"]) + params["conv_b"][:, None, None], 0.0)
    h = lax.max_pool(h, 2)
    h = fnp.reshape(h, (h.shape[0], -1))
    return xent(h @ params["dense"] + params["dense_b"], y)


def cnn_step(params, x, y, lr=0.1):
    loss, grads = fd.value_and_grad(cnn_loss)(params, x, y)
    return fd.tree_map(lambda p, g: p - lr * g, params, grads), loss


# ----------------------------------------------------------------------------------------
# problems
# ----------------------------------------------------------------------------------------


def cnn_problem(seed=0):
    rng = np.random.default_rng(seed)
    params = {"conv": rng.standard_normal((8, 1, 3, 3)).astype(np.float32) * np.float32(0.3),
              "conv_b": np.zeros(8, np.float32),
              "dense": rng.standard_normal((8 * 13 * 13, 10)).astype(np.float32) * np.float32(0.02),
              "dense_b": np.zeros(10, np.float32)}
    x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)]
    return params, x, y


# ----------------------------------------------------------------------------------------
# hand-written numpy
# ----------------------------------------------------------------------------------------


def numpy_adam_step(params, state, x, y, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    loss, grads = numpy_mlp_grads(params, x, y)
    m, v, t = state
    t += 1
    c1, c2 = 1 - b1 ** t, 1 - b2 ** t
    new_params, new_m, new_v = [], [], []
    for (p, mp, vp, gp) in zip(params, m, v, grads):
        layer_p, layer_m, layer_v = [], [], []
        for pi, mi, vi, gi in zip(p, mp, vp, gp):
            mi = np.float32(b1) * mi + np.float32(1 - b1) * gi
            vi = np.float32(b2) * vi + np.float32(1 - b2) * gi * gi
            pi = pi - np.float32(lr) * (mi / np.float32(c1)) / (np.sqrt(vi / np.float32(c2)) + np.float32(eps))
            layer_p.append(pi), layer_m.append(mi), layer_v.append(vi)
        new_params.append(tuple(layer_p)), new_m.append(tuple(layer_m)), new_v.append(tuple(layer_v))
    return new_params, (new_m, new_v, t), loss


def numpy_momentum_step(params, velocity, x, y, lr=0.1, momentum=0.9):
    loss, grads = numpy_mlp_grads(params, x, y)
    velocity = [tuple(np.float32(momentum) * vi + gi for vi, gi in zip(v, g)) for v, g in zip(velocity, grads)]
    params = [tuple(pi - np.float32(lr) * vi for pi, vi in zip(p, v)) for p, v in zip(params, velocity)]
    return params, velocity, loss


# ----------------------------------------------------------------------------------------
# JAX and PyTorch contenders (optional)
# ----------------------------------------------------------------------------------------


def _jax():
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_platform_name", "cpu")

    def logits(params, x):
        for w, b in params[:-1]:
            x = jnp.maximum(x @ w + b, 0.0)
        w, b = params[-1]
        return x @ w + b

    def loss(params, x, y):
        return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(logits(params, x)), axis=-1))

    @jax.jit
    def adam(params, state, x, y, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        value, grads = jax.value_and_grad(loss)(params, x, y)
        m, v, t = state
        t = t + 1.0
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
        c1, c2 = 1 - b1 ** t, 1 - b2 ** t
        params = jax.tree_util.tree_map(lambda p, m, v: p - lr * (m / c1) / (jnp.sqrt(v / c2) + eps),
                                        params, m, v)
        return params, (m, v, t), value

    @jax.jit
    def momentum(params, velocity, x, y, lr=0.1, mu=0.9):
        value, grads = jax.value_and_grad(loss)(params, x, y)
        velocity = jax.tree_util.tree_map(lambda v, g: mu * v + g, velocity, grads)
        return jax.tree_util.tree_map(lambda p, v: p - lr * v, params, velocity), velocity, value

    per_example = jax.jit(jax.vmap(jax.grad(lambda p, x, y: loss(p, x[None], y[None])), in_axes=(None, 0, 0)))

    def cnn_loss(params, x, y):
        h = jax.lax.conv_general_dilated(x, params["conv"], (1, 1), "VALID")
        h = jnp.maximum(h + params["conv_b"][:, None, None], 0.0)
        h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
        h = h.reshape(h.shape[0], -1)
        return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(h @ params["dense"] + params["dense_b"]), -1))

    @jax.jit
    def cnn(params, x, y, lr=0.1):
        value, grads = jax.value_and_grad(cnn_loss)(params, x, y)
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads), value

    def run(f):
        return lambda *a: jax.block_until_ready(f(*a))
    return {"adam": run(adam), "momentum": run(momentum), "logits": logits,
            "per_example": run(per_example), "cnn": run(cnn),
            "tree": lambda t: jax.tree_util.tree_map(jnp.asarray, t)}


def _torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


# ----------------------------------------------------------------------------------------


def main(argv=None):
    jax_fns, torch = _jax(), _torch()
    rows = {}

    # W1
    params, x, y = mlp_problem((784, 128, 64, 10), 128)
    zeros = fd.tree_map(np.zeros_like, params)
    state = (zeros, zeros, np.float32(0.0))
    step = fd.jit(adam_step)
    new_fd = step(params, state, x, y)
    new_np = numpy_adam_step(params, (zeros, zeros, 0), x, y)
    np.testing.assert_allclose(new_fd[0][0][0], new_np[0][0][0], rtol=1e-4, atol=1e-6)
    settle(step, params, state, x, y)
    contenders = {"funcdl jit": lambda: step(params, state, x, y),
                  "numpy": lambda: numpy_adam_step(params, (zeros, zeros, 0), x, y)}
    if jax_fns:
        jp, js = jax_fns["tree"](params), jax_fns["tree"](state)
        contenders["jax jit"] = lambda: jax_fns["adam"](jp, js, x, y)
    if torch:
        contenders["torch eager"] = _torch_adam(torch, params, x, y)
    rows["W1 MNIST MLP Adam step b128"] = compare(contenders)

    # W2
    params, x, y = mlp_problem((2, 100, 3), 20)
    velocity = fd.tree_map(np.zeros_like, params)
    mstep = fd.jit(momentum_step)
    settle(mstep, params, velocity, x, y)
    contenders = {"funcdl jit": lambda: mstep(params, velocity, x, y),
                  "numpy": lambda: numpy_momentum_step(params, velocity, x, y)}
    if jax_fns:
        jp, jv = jax_fns["tree"](params), jax_fns["tree"](velocity)
        contenders["jax jit"] = lambda: jax_fns["momentum"](jp, jv, x, y)
    rows["W2 spiral MLP momentum step b20"] = compare(contenders)

    # W3
    params, x, y = mlp_problem((784, 128, 10), 64)
    pe = fd.jit(fd.vmap(fd.grad(per_example_loss), in_axes=(None, 0, 0)))
    settle(pe, params, x, y)
    contenders = {"funcdl jit": lambda: pe(params, x, y),
                  "funcdl eager": lambda: fd.vmap(fd.grad(per_example_loss), in_axes=(None, 0, 0))(params, x, y)}
    if jax_fns:
        jp = jax_fns["tree"](params)
        contenders["jax jit"] = lambda: jax_fns["per_example"](jp, x, y)
    rows["W3 per-example grads MLP b64"] = compare(contenders, repeat=7, min_time=0.05)

    # W4
    params, x, y = cnn_problem()
    cstep = fd.jit(cnn_step)
    settle(cstep, params, x, y)
    contenders = {"funcdl jit": lambda: cstep(params, x, y),
                  "funcdl eager": lambda: cnn_step(params, x, y)}
    if jax_fns:
        jp = jax_fns["tree"](params)
        contenders["jax jit"] = lambda: jax_fns["cnn"](jp, x, y)
    if torch:
        contenders["torch eager"] = _torch_cnn(torch, params, x, y)
    rows["W4 CNN SGD step b64"] = compare(contenders, repeat=7, min_time=0.05)

    columns = ["funcdl jit", "funcdl eager", "numpy", "jax jit", "torch eager"]
    baseline = "jax jit" if jax_fns else "numpy"
    print("jit workloads, median per call (1 thread unless --threads); ratios to", baseline)
    print(table({k: v for k, v in rows.items()}, columns, baseline, unit=1e-6, unit_name="us")
          .replace("| - |", "| - |"))
    print()
    print(compile_latency())


def _torch_adam(torch, params, x, y):
    tp = [torch.tensor(p, requires_grad=True) for layer in params for p in layer]
    opt = torch.optim.Adam(tp, lr=1e-3, fused=True) if hasattr(torch.optim.Adam, "__init__") else None
    tx, ty = torch.tensor(x), torch.tensor(y)

    def step():
        h = tx
        for i in range(0, len(tp) - 2, 2):
            h = torch.relu(h @ tp[i] + tp[i + 1])
        loss = -(ty * torch.log_softmax(h @ tp[-2] + tp[-1], dim=1)).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


def _torch_cnn(torch, params, x, y):
    conv = torch.tensor(params["conv"], requires_grad=True)
    conv_b = torch.tensor(params["conv_b"], requires_grad=True)
    dense = torch.tensor(params["dense"], requires_grad=True)
    dense_b = torch.tensor(params["dense_b"], requires_grad=True)
    tx, ty = torch.tensor(x), torch.tensor(y)
    opt = torch.optim.SGD([conv, conv_b, dense, dense_b], lr=0.1)

    def step():
        h = torch.relu(torch.nn.functional.conv2d(tx, conv, conv_b))
        h = torch.nn.functional.max_pool2d(h, 2).flatten(1)
        loss = -(ty * torch.log_softmax(h @ dense + dense_b, dim=1)).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


_LATENCY_SCRIPT = """
import time
start = time.perf_counter()
import numpy as np
import funcdl as fd
from benchmarks.jit_workloads import adam_step, mlp_problem
params, x, y = mlp_problem((784, 128, 64, 10), 128)
zeros = fd.tree_map(np.zeros_like, params)
fd.jit(adam_step)(params, (zeros, zeros, np.float32(0.0)), x, y)
print(time.perf_counter() - start)
"""


def compile_latency():
    """Seconds from process start to W1's first result: cold cache, then warm cache."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, FUNCDL_CACHE_DIR=tmp)
        times = []
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", _LATENCY_SCRIPT], env=env, cwd=root,
                                 capture_output=True, text=True, check=True)
            times.append(float(out.stdout.strip().splitlines()[-1]))
    return (f"W1 compile latency (new process to first result): cold cache {times[0]:.2f} s, "
            f"warm disk cache {times[1]:.2f} s")


if __name__ == "__main__":
    main()
