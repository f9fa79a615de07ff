"""A small convolutional network on the bundled 4,000/1,000 MNIST split: Conv2D + ReLU +
MaxPool + Dense layers from ``funcdl.nn``, softmax cross-entropy, Adam, a jitted step.

    python examples/mnist_cnn.py                  # first run: ~40 s of numba compilation
    python examples/mnist_cnn.py --channels 8 --epochs 2 --train-size 500 --no-jit
"""
import argparse

import numpy as np

import funcdl.numpy as fnp
from funcdl import data, nn, optim, random, train


def build(key, channels):
    """Two blocks of 3x3 conv -> relu -> 2x2 max-pool (``channels``, then twice as many),
    then dense 10 (logits), on (N, 1, 28, 28) images: 28 -> 26 -> 13 -> 11 -> 5. Returns the
    initial params and the loss and accuracy functions."""
    net = nn.serial(nn.Conv2D(channels, 3), nn.Relu(), nn.MaxPool(2),
                    nn.Conv2D(2 * channels, 3), nn.Relu(), nn.MaxPool(2),
                    nn.Flatten(), nn.Dense(10))
    params, state = net.init(key, (-1, 1, 28, 28))  # no layer here has state: it stays ()

    def logits(params, x):
        return net.apply(params, state, x)[0]

    def loss(params, batch):
        x, y = batch
        return nn.softmax_cross_entropy_with_integer_labels(logits(params, x), y)

    def accuracy(params, batch):
        x, y = batch
        return fnp.mean(fnp.argmax(logits(params, x), axis=1) == y)

    return params, loss, accuracy


def subset(key, x, y, n):
    """``n`` random examples (all when ``n`` is None); the bundled split is sorted by label."""
    if n is None:
        return x, y
    idx = np.asarray(random.permutation(key, len(x)))[:n]
    return x[idx], y[idx]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--train-size", type=int, default=None, help="train on N random images")
    parser.add_argument("--test-size", type=int, default=None, help="test on N random images")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-jit", action="store_true", help="train eagerly")
    args = parser.parse_args(argv)

    data_key, init_key, train_key = random.split(random.key(args.seed), 3)
    (x_train, y_train), (x_test, y_test) = data.mnist()
    x_train, x_test = x_train[:, None], x_test[:, None]  # NCHW, one channel
    x_train, y_train = subset(data_key, x_train, y_train, args.train_size)
    x_test, y_test = subset(data_key, x_test, y_test, args.test_size)
    print(f"MNIST subset: {len(x_train)} training, {len(x_test)} test images")

    params, loss, accuracy = build(init_key, args.channels)
    params, _, history = train.fit(loss, params, optim.adam(args.lr), (x_train, y_train),
                                   epochs=args.epochs, batch_size=args.batch_size, key=train_key,
                                   val_data=(x_test, y_test), metrics={"accuracy": accuracy},
                                   jit=not args.no_jit)
    test_acc = train.evaluate(accuracy, params, (x_test, y_test), batch_size=500)
    print(f"test accuracy {test_acc:.4f}  (total training time {sum(history['time']):.1f} s)")
    return test_acc


if __name__ == "__main__":
    main()
