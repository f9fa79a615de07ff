"""Per-example gradients with ``vmap(grad(loss))``, used as DP-SGD uses them: each
example's gradient is clipped to a maximum norm, then they are averaged and noised.

    python examples/per_example_gradients.py [--steps 200] [--clip 1.0] [--noise 0.5]
"""
import argparse

import numpy as np

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import random


def init(key, sizes):
    keys = random.split(key, len(sizes) - 1)
    return [{"w": random.normal(k, (m, n)) * np.float32(np.sqrt(2.0 / m)), "b": np.zeros(n, np.float32)}
            for k, m, n in zip(keys, sizes[:-1], sizes[1:])]


def predict(params, x):
    for layer in params[:-1]:
        x = fnp.tanh(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def example_loss(params, x, y):
    """Softmax cross-entropy of one example (x: features, y: integer label)."""
    logits = predict(params, x)
    return fnp.log(fnp.sum(fnp.exp(logits - fnp.max(logits)))) + fnp.max(logits) - logits[y]


per_example_grads = fd.vmap(fd.grad(example_loss), in_axes=(None, 0, 0))


def private_gradient(params, xs, ys, key, clip, noise):
    """Clip every example's gradient to norm ``clip``, average, add Gaussian noise."""
    grads = per_example_grads(params, xs, ys)
    leaves = fd.tree_util.tree_leaves(grads)
    norms = np.sqrt(sum(np.sum(g.reshape(len(xs), -1) ** 2, axis=1) for g in leaves))
    scale = np.minimum(1.0, clip / np.maximum(norms, 1e-12)).astype(np.float32)
    keys = iter(random.split(key, len(leaves)))
    clipped_mean = fd.tree_map(
        lambda g: (np.tensordot(scale, g, axes=1) + noise * clip * random.normal(next(keys), g.shape[1:]))
        / len(xs), grads)
    return clipped_mean, norms


def make_data(key, n=512):
    """Two interleaved half-moons."""
    k1, k2 = random.split(key)
    t = random.uniform(k1, (n,)) * np.float32(np.pi)
    labels = (random.uniform(k2, (n,)) > 0.5).astype(np.int64)
    x = np.stack([np.cos(t) + labels, np.sin(t) * (1 - 2 * labels) + 0.3 * labels], axis=1)
    return x.astype(np.float32), labels


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--noise", type=float, default=0.5)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    key = random.key(args.seed)
    key, data_key, init_key = random.split(key, 3)
    x, y = make_data(data_key)
    params = init(init_key, [2, 32, 2])
    for step in range(args.steps):
        key, batch_key, noise_key = random.split(key, 3)
        idx = random.randint(batch_key, (args.batch,), 0, len(x))
        grad, norms = private_gradient(params, x[idx], y[idx], noise_key, args.clip, args.noise)
        params = fd.tree_map(lambda p, g: p - np.float32(args.lr) * g, params, grad)
        if step % 50 == 0 or step == args.steps - 1:
            acc = float(np.mean(np.argmax(predict(params, x), axis=1) == y))
            print(f"step {step:4d}  median per-example grad norm {np.median(norms):.3f}  "
                  f"clipped {np.mean(norms > args.clip):.0%}  accuracy {acc:.3f}")
    return float(np.mean(np.argmax(predict(params, x), axis=1) == y))


if __name__ == "__main__":
    main()
