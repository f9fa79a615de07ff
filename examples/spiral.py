"""The seeds' 3-class spiral: a 2-100-3 ReLU MLP, softmax cross-entropy, SGD with
momentum 0.9 and weight decay 0.001, batch 20; saves the decision boundary as a PNG when
matplotlib is installed.

    python examples/spiral.py [--epochs 200] [--out spiral.png]
"""
import argparse

import numpy as np

import funcdl.numpy as fnp
from funcdl import data, nn, optim, random, train


def init(key, sizes=(2, 100, 3)):
    keys = random.split(key, len(sizes) - 1)
    return [{"w": random.normal(k, (m, n)) * np.float32(np.sqrt(2.0 / m)), "b": np.zeros(n, np.float32)}
            for k, m, n in zip(keys, sizes[:-1], sizes[1:])]


def logits(params, x):
    h = fnp.maximum(x @ params[0]["w"] + params[0]["b"], 0.0)
    return h @ params[1]["w"] + params[1]["b"]


def loss(params, batch):
    x, y = batch
    return nn.softmax_cross_entropy_with_integer_labels(logits(params, x), y)


def accuracy(params, batch):
    x, y = batch
    return fnp.mean(fnp.argmax(logits(params, x), axis=1) == y)


def plot(params, x, y, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install 'funcdl[examples]')")
        return
    grid = np.linspace(-1.2, 1.2, 300, dtype=np.float32)
    gx, gy = np.meshgrid(grid, grid)
    classes = np.argmax(logits(params, np.stack([gx.ravel(), gy.ravel()], 1)), 1).reshape(gx.shape)
    plt.figure(figsize=(5, 5))
    plt.contourf(gx, gy, classes, alpha=0.3, cmap="brg")
    plt.scatter(x[:, 0], x[:, 1], c=y, s=12, cmap="brg")
    plt.title("funcdl: spiral decision boundary")
    plt.savefig(path, dpi=100)
    print(f"decision boundary saved to {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="spiral.png", help="PNG path ('' for no plot)")
    args = parser.parse_args(argv)
    data_key, init_key, train_key = random.split(random.key(args.seed), 3)
    x, y = data.spiral(100, 3, data_key)
    optimizer = optim.sgd(0.05, momentum=0.9, weight_decay=0.001)
    params, _, history = train.fit(loss, init(init_key), optimizer, (x, y), epochs=args.epochs,
                                   batch_size=20, key=train_key, metrics={"accuracy": accuracy},
                                   progress=False)
    for epoch in range(0, args.epochs, max(args.epochs // 10, 1)):
        print(f"epoch {epoch + 1:4d}  loss {history['loss'][epoch]:.4f}  accuracy {history['accuracy'][epoch]:.3f}")
    acc = float(accuracy(params, (x, y)))
    print(f"training accuracy {acc:.3f}  ({sum(history['time']):.1f} s)")
    if args.out:
        plot(params, x, y, args.out)
    return acc


if __name__ == "__main__":
    main()
