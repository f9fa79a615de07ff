"""Eager ``value_and_grad`` of the seeds' MLPs against hand-written numpy backprop,
and autograd / PyTorch eager when they are installed.

Workloads (float32, ReLU hidden layers, softmax cross-entropy on one-hot labels):
the spiral MLP 2-100-3 at batch 20, and the MNIST MLP 784-128-64-10 at batch 128.

    python -m benchmarks grad_mlp
"""
import numpy as np

import funcdl as fd
import funcdl.numpy as fnp

from ._timing import compare, table

WORKLOADS = {"spiral 2-100-3 b20": ((2, 100, 3), 20), "mnist 784-128-64-10 b128": ((784, 128, 64, 10), 128)}


def make_problem(sizes, batch, seed=0):
    rng = np.random.default_rng(seed)
    params = [(rng.standard_normal((m, n)).astype(np.float32) * np.float32(np.sqrt(2 / m)),
               np.zeros(n, np.float32)) for m, n in zip(sizes[:-1], sizes[1:])]
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], batch)]
    return params, x, y


def funcdl_loss(params, x, y):
    h = x
    for w, b in params[:-1]:
        h = fnp.maximum(h @ w + b, 0.0)
    w, b = params[-1]
    logits = h @ w + b
    shift = fd.stop_gradient(fnp.max(logits, axis=1, keepdims=True))
    log_probs = logits - shift - fnp.log(fnp.sum(fnp.exp(logits - shift), axis=1, keepdims=True))
    return -fnp.mean(fnp.sum(y * log_probs, axis=1))


def numpy_value_and_grad(params, x, y):
    """Hand-written forward and backward pass."""
    hs, h = [x], x
    for w, b in params[:-1]:
        h = np.maximum(h @ w + b, 0)
        hs.append(h)
    w, b = params[-1]
    logits = h @ w + b
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.sum(y * (shifted - np.log(s)), axis=1))
    g = (e / s - y) / np.float32(x.shape[0])
    grads = []
    for i in range(len(params) - 1, -1, -1):
        w, _ = params[i]
        grads.append((hs[i].T @ g, g.sum(axis=0)))
        if i:
            g = (g @ w.T) * (hs[i] > 0)
    return loss, grads[::-1]


def _autograd_contender(params, x, y):
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None

    def loss(params, x, y):
        h = x
        for w, b in params[:-1]:
            h = anp.maximum(anp.dot(h, w) + b, 0.0)
        w, b = params[-1]
        logits = anp.dot(h, w) + b
        shift = anp.max(logits, axis=1, keepdims=True)
        lp = logits - shift - anp.log(anp.sum(anp.exp(logits - shift), axis=1, keepdims=True))
        return -anp.mean(anp.sum(y * lp, axis=1))
    vg = autograd.value_and_grad(loss)
    return lambda: vg(params, x, y)


def _torch_contender(params, x, y):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    tp = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)) for w, b in params]
    tx, ty = torch.tensor(x), torch.tensor(y)

    def step():
        h = tx
        for w, b in tp[:-1]:
            h = torch.relu(h @ w + b)
        w, b = tp[-1]
        loss = -(ty * torch.log_softmax(h @ w + b, dim=1)).sum(dim=1).mean()
        return torch.autograd.grad(loss, [p for pair in tp for p in pair])
    return step


def check_agreement(params, x, y):
    value, grads = fd.value_and_grad(funcdl_loss)(params, x, y)
    ref_value, ref_grads = numpy_value_and_grad(params, x, y)
    np.testing.assert_allclose(value, ref_value, rtol=1e-4)
    for (gw, gb), (rw, rb) in zip(grads, ref_grads):
        np.testing.assert_allclose(gw, rw, rtol=1e-3, atol=1e-5)
        np.testing.assert_allclose(gb, rb, rtol=1e-3, atol=1e-5)


def main(argv=None):
    rows = {}
    columns = ["numpy", "funcdl", "autograd", "torch"]
    vg = fd.value_and_grad(funcdl_loss)
    for name, (sizes, batch) in WORKLOADS.items():
        params, x, y = make_problem(sizes, batch)
        check_agreement(params, x, y)
        contenders = {"numpy": lambda: numpy_value_and_grad(params, x, y),
                      "funcdl": lambda: vg(params, x, y)}
        for label, make in (("autograd", _autograd_contender), ("torch", _torch_contender)):
            fn = make(params, x, y)
            if fn is not None:
                contenders[label] = fn
        rows[name] = compare(contenders)
    print("eager value_and_grad, median per call (1 thread unless --threads)")
    print(table(rows, columns, "numpy"))


if __name__ == "__main__":
    main()
