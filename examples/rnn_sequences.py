"""Recurrent networks reading MNIST digits row by row: each 28x28 image is a sequence of 28
steps of 28 pixels; an Elman RNN (SimpleRNN), an LSTM (plain or with peepholes) or a GRU
runs over it and a Dense layer classifies the last hidden state. Bundled 4,000/1,000 split,
Adam, a jitted step (the first run compiles each cell's step for 30-45 s).

    python examples/rnn_sequences.py                     # the LSTM
    python examples/rnn_sequences.py --cell all          # all four, side by side
    python examples/rnn_sequences.py --cell gru --hidden 32 --epochs 3 --no-jit
"""
import argparse

import numpy as np

import funcdl.numpy as fnp
from funcdl import data, nn, optim, random, train

CELLS = {"rnn": lambda h: nn.SimpleRNN(h, return_sequences=False),
         "lstm": lambda h: nn.LSTM(h, return_sequences=False),
         "peephole": lambda h: nn.LSTM(h, peephole=True, return_sequences=False),
         "gru": lambda h: nn.GRU(h, return_sequences=False)}


def build(key, cell, hidden):
    """recurrent cell over (N, 28, 28) -> last hidden state -> Dense(10) logits; returns the
    initial params and the loss and accuracy functions."""
    net = nn.serial(CELLS[cell](hidden), nn.Dense(10))
    params, state = net.init(key, (-1, 28, 28))

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
    parser.add_argument("--cell", choices=list(CELLS) + ["all"], default="lstm")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--train-size", type=int, default=None, help="train on N random images")
    parser.add_argument("--test-size", type=int, default=None, help="test on N random images")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-jit", action="store_true", help="train eagerly")
    args = parser.parse_args(argv)

    data_key, init_key, train_key = random.split(random.key(args.seed), 3)
    (x_train, y_train), (x_test, y_test) = data.mnist()  # (N, 28, 28): 28 steps of 28 features
    x_train, y_train = subset(data_key, x_train, y_train, args.train_size)
    x_test, y_test = subset(data_key, x_test, y_test, args.test_size)
    print(f"MNIST subset: {len(x_train)} training, {len(x_test)} test images, "
          f"read as 28 steps of 28 pixels")

    results = {}
    for cell in list(CELLS) if args.cell == "all" else [args.cell]:
        print(f"\n{cell}: {CELLS[cell](args.hidden)!r} -> Dense(10)")
        params, loss, accuracy = build(init_key, cell, args.hidden)
        params, _, history = train.fit(loss, params, optim.adam(args.lr), (x_train, y_train),
                                       epochs=args.epochs, batch_size=args.batch_size, key=train_key,
                                       val_data=(x_test, y_test), metrics={"accuracy": accuracy},
                                       jit=not args.no_jit)
        results[cell] = (train.evaluate(accuracy, params, (x_test, y_test), batch_size=500),
                         sum(history["time"]))

    print(f"\n{'cell':<10} test accuracy  training time")
    for cell, (acc, seconds) in results.items():
        print(f"{cell:<10} {acc:13.4f}  {seconds:11.1f} s")
    return results[args.cell][0] if args.cell != "all" else {c: a for c, (a, _) in results.items()}


if __name__ == "__main__":
    main()
