"""Per-example gradients of an MLP 784-128-10 (tanh, softmax cross-entropy) on a batch
of 64: funcdl's ``vmap(grad)`` against a Python loop over ``grad``, eagerly, and JAX's
``vmap(grad)`` / ``torch.func.vmap(grad)`` when installed.

    python -m benchmarks per_example_grads
"""
import numpy as np

import funcdl as fd
import funcdl.numpy as fnp

from ._timing import compare, table

BATCH, SIZES = 64, (784, 128, 10)


def loss(params, x, y):
    (w1, b1), (w2, b2) = params
    logits = fnp.tanh(x @ w1 + b1) @ w2 + b2
    shift = fd.stop_gradient(fnp.max(logits))
    return fnp.log(fnp.sum(fnp.exp(logits - shift))) + shift - fnp.sum(logits * y)


def problem(seed=0):
    rng = np.random.default_rng(seed)
    params = [(rng.standard_normal((m, n)).astype(np.float32) / np.float32(np.sqrt(m)),
               np.zeros(n, np.float32)) for m, n in zip(SIZES[:-1], SIZES[1:])]
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH)]
    return params, x, y


def _jax(params, x, y):
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None

    def jloss(params, x, y):
        (w1, b1), (w2, b2) = params
        logits = jnp.tanh(x @ w1 + b1) @ w2 + b2
        return jax.nn.logsumexp(logits) - jnp.sum(logits * y)
    f = jax.jit(jax.vmap(jax.grad(jloss), in_axes=(None, 0, 0)))
    p = jax.tree_util.tree_map(jnp.asarray, params)
    return lambda: jax.block_until_ready(f(p, x, y))


def _torch(params, x, y):
    try:
        import torch
        from torch.func import grad, vmap
    except ImportError:
        return None
    torch.set_num_threads(1)
    tp = [(torch.tensor(w), torch.tensor(b)) for w, b in params]
    tx, ty = torch.tensor(x), torch.tensor(y)

    def tloss(params, x, y):
        (w1, b1), (w2, b2) = params
        logits = torch.tanh(x @ w1 + b1) @ w2 + b2
        return torch.logsumexp(logits, 0) - (logits * y).sum()
    f = vmap(grad(tloss), in_dims=(None, 0, 0))
    return lambda: f(tp, tx, ty)


def main(argv=None):
    params, x, y = problem()
    per_example = fd.vmap(fd.grad(loss), in_axes=(None, 0, 0))
    single = fd.grad(loss)
    got = per_example(params, x, y)
    want = [single(params, x[i], y[i]) for i in range(BATCH)]
    np.testing.assert_allclose(got[0][0], np.stack([w[0][0] for w in want]), rtol=1e-4, atol=1e-6)
    contenders = {"loop over grad": lambda: [single(params, x[i], y[i]) for i in range(BATCH)],
                  "vmap(grad)": lambda: per_example(params, x, y)}
    for name, make in (("jax jit(vmap(grad))", _jax), ("torch.func vmap(grad)", _torch)):
        fn = make(params, x, y)
        if fn is not None:
            contenders[name] = fn
    times = compare(contenders, repeat=7, min_time=0.05)
    print(f"per-example gradients, MLP {'-'.join(map(str, SIZES))}, batch {BATCH}; median per call")
    print(table({"per-example grads": times}, list(contenders), "vmap(grad)", unit=1e-3, unit_name="ms"))


if __name__ == "__main__":
    main()
