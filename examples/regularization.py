"""One MNIST MLP (784-256-128-10, ReLU, Adam) trained five ways on the bundled 4,000/1,000
split: without regularization, with an L2 penalty, with Dropout, with DropConnect and with
BatchNorm; prints training and test accuracy side by side (on this small split the test
accuracies end within about a point of each other).

Stochastic layers get a fresh key each step and run with ``train=True``; evaluation uses
``train=False`` (no dropping, BatchNorm's running statistics). BatchNorm's statistics are
layer *state*, so the training step is written out here rather than using ``train.fit``:
it returns the new state next to the new params.

    python examples/regularization.py [--epochs 20] [--no-jit]
"""
import argparse
import time

import numpy as np

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import data, nn, optim, random, train


def variants(h1, h2, rate, weight_decay):
    """name -> (network, L2 coefficient)."""
    return {
        "none": (nn.serial(nn.Dense(h1), nn.Relu(), nn.Dense(h2), nn.Relu(), nn.Dense(10)), 0.0),
        "L2": (nn.serial(nn.Dense(h1), nn.Relu(), nn.Dense(h2), nn.Relu(), nn.Dense(10)), weight_decay),
        "Dropout": (nn.serial(nn.Dense(h1), nn.Relu(), nn.Dropout(rate),
                              nn.Dense(h2), nn.Relu(), nn.Dropout(rate), nn.Dense(10)), 0.0),
        "DropConnect": (nn.serial(nn.DropConnect(h1, rate), nn.Relu(),
                                  nn.DropConnect(h2, rate), nn.Relu(), nn.Dense(10)), 0.0),
        "BatchNorm": (nn.serial(nn.Dense(h1), nn.BatchNorm(), nn.Relu(),
                                nn.Dense(h2), nn.BatchNorm(), nn.Relu(), nn.Dense(10)), 0.0),
    }


def train_variant(net, weight_decay, x, y, key, *, epochs, batch_size, lr, jit):
    """Adam on shuffled mini-batches; returns the params, the final layer state and the
    accuracy function ``accuracy(params, state, batch)``."""
    init_key, key = random.split(key)
    params, state = net.init(init_key, (-1, x.shape[1]))
    optimizer = optim.adam(lr)
    opt_state = optimizer.init(params)

    def loss(params, state, x, y, key):
        logits, state = net.apply(params, state, x, key=key, train=True)
        value = nn.softmax_cross_entropy_with_integer_labels(logits, y)
        return value + weight_decay * nn.l2_penalty(params), state

    def step(params, state, opt_state, x, y, key):
        (value, state), grads = fd.value_and_grad(loss, has_aux=True)(params, state, x, y, key)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optim.apply_updates(params, updates), state, opt_state, value

    if jit:
        step = fd.jit(step)
    for epoch_key in random.split(key, epochs):
        shuffle_key, step_key = random.split(epoch_key)
        for i, (xb, yb) in enumerate(data.batches(x, y, batch_size=batch_size, key=shuffle_key,
                                                  drop_last=True)):
            params, state, opt_state, _ = step(params, state, opt_state, xb, yb,
                                               random.fold_in(step_key, i))

    def accuracy(params, batch):
        xb, yb = batch
        logits, _ = net.apply(params, state, xb, train=False)
        return fnp.mean(fnp.argmax(logits, axis=1) == yb)

    return params, accuracy


def subset(key, x, y, n):
    """``n`` random examples (all when ``n`` is None); the bundled split is sorted by label."""
    if n is None:
        return x, y
    idx = np.asarray(random.permutation(key, len(x)))[:n]
    return x[idx], y[idx]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--hidden", type=int, nargs=2, default=[256, 128], metavar=("H1", "H2"))
    parser.add_argument("--rate", type=float, default=0.5, help="Dropout / DropConnect rate")
    parser.add_argument("--weight-decay", type=float, default=1e-3, help="L2 coefficient")
    parser.add_argument("--train-size", type=int, default=None, help="train on N random images")
    parser.add_argument("--test-size", type=int, default=None, help="test on N random images")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-jit", action="store_true", help="train eagerly")
    args = parser.parse_args(argv)

    data_key, train_key = random.split(random.key(args.seed))
    (x_train, y_train), (x_test, y_test) = data.mnist()
    x_train, x_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    x_train, y_train = subset(data_key, x_train, y_train, args.train_size)
    x_test, y_test = subset(data_key, x_test, y_test, args.test_size)
    print(f"MNIST subset: {len(x_train)} training, {len(x_test)} test images")

    results = {}
    for name, (net, weight_decay) in variants(*args.hidden, args.rate, args.weight_decay).items():
        t0 = time.perf_counter()
        params, accuracy = train_variant(net, weight_decay, x_train, y_train, train_key,
                                         epochs=args.epochs, batch_size=args.batch_size,
                                         lr=args.lr, jit=not args.no_jit)
        seconds = time.perf_counter() - t0
        results[name] = (train.evaluate(accuracy, params, (x_train, y_train), batch_size=500),
                         train.evaluate(accuracy, params, (x_test, y_test), batch_size=500))
        print(f"{name}: trained in {seconds:.1f} s")

    print(f"\n{'regularization':<14} {'train acc':>9} {'test acc':>9} {'gap':>7}")
    for name, (train_acc, test_acc) in results.items():
        print(f"{name:<14} {train_acc:9.4f} {test_acc:9.4f} {train_acc - test_acc:7.4f}")
    return results


if __name__ == "__main__":
    main()
