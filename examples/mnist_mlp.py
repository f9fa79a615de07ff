"""The seeds' MNIST MLP (784-128-64-10) on the bundled 4,000/1,000 split: mini-batches, a
jitted training step, per-epoch validation accuracy and time.

    python examples/mnist_mlp.py                       # ReLU + Adam (the main demo)
    python examples/mnist_mlp.py --activation sigmoid --optimizer sgd --lr 0.5
    mpiexec -n 2 python examples/mnist_mlp.py --distributed   # data-parallel on 2 processes
"""
import argparse

import numpy as np

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import data, nn, optim, random, train

ACTIVATIONS = {"relu": lambda x: fnp.maximum(x, 0.0),
               "sigmoid": lambda x: 1.0 / (1.0 + fnp.exp(-x))}


def init(key, sizes):
    """He-scaled normal weights, zero biases (float32)."""
    keys = random.split(key, len(sizes) - 1)
    return [{"w": random.normal(k, (m, n)) * np.float32(np.sqrt(2.0 / m)), "b": np.zeros(n, np.float32)}
            for k, m, n in zip(keys, sizes[:-1], sizes[1:])]


def make_model(activation):
    act = ACTIVATIONS[activation]

    def logits(params, x):
        h = fnp.reshape(x, (x.shape[0], -1))
        for layer in params[:-1]:
            h = act(h @ layer["w"] + layer["b"])
        return h @ params[-1]["w"] + params[-1]["b"]

    def loss(params, batch):
        x, y = batch
        return nn.softmax_cross_entropy_with_integer_labels(logits(params, x), y)

    def accuracy(params, batch):
        x, y = batch
        return fnp.mean(fnp.argmax(logits(params, x), axis=1) == y)

    return loss, accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu")
    parser.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    parser.add_argument("--lr", type=float, default=None, help="default: 1e-3 (adam), 0.1 (sgd)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-jit", action="store_true", help="train eagerly")
    parser.add_argument("--background", action="store_true",
                        help="start training at once on the IR interpreter while the step compiles "
                             "(config jit_background; results then differ in the last bits)")
    parser.add_argument("--distributed", action="store_true",
                        help="train data-parallel across the processes of mpiexec -n N "
                             "(pip install \"funcdl[mpi]\"); --batch-size stays the global batch")
    args = parser.parse_args(argv)
    fd.config.update("jit_background", args.background)

    say = print
    if args.distributed:  # one line of output from the job, not one per process
        from funcdl import distributed
        say = print if distributed.process_index() == 0 else (lambda *a: None)
    (x_train, y_train), (x_test, y_test) = data.mnist()
    say(f"MNIST subset: {len(x_train)} training, {len(x_test)} test images")
    loss, accuracy = make_model(args.activation)
    if args.optimizer == "adam":
        optimizer = optim.adam(args.lr or 1e-3)
    else:
        optimizer = optim.sgd(args.lr or 0.1, momentum=0.9)
    init_key, train_key = random.split(random.key(args.seed))
    params = init(init_key, [784, 128, 64, 10])
    params, _, history = train.fit(loss, params, optimizer, (x_train, y_train), epochs=args.epochs,
                                   batch_size=args.batch_size, key=train_key,
                                   val_data=(x_test, y_test), metrics={"accuracy": accuracy},
                                   jit=not args.no_jit, distributed=args.distributed)
    test_acc = train.evaluate(accuracy, params, (x_test, y_test), batch_size=500)
    say(f"test accuracy {test_acc:.4f}  (total training time {sum(history['time']):.1f} s)")
    return test_acc


if __name__ == "__main__":
    main()
