"""The seeds' Boston-housing regressions on the bundled 404/102 split: the price from the
number of rooms (RM) alone with a linear model and with a linear -> sigmoid -> linear
model, then an MLP on all twelve standardized features, trained with MSE and with Huber
loss; prints each model's test RMSE and saves the two RM curves as a PNG when matplotlib
is installed.

    python examples/housing_regression.py [--epochs 200] [--out housing.png]
"""
import argparse

import numpy as np

from funcdl import data, nn, optim, random, train


def models(price_mean, hidden):
    """name -> (uses only RM?, network, loss). Every network ends in a Dense(1) whose bias
    starts at the mean training price, so training starts from the baseline."""
    def head():
        return nn.Dense(1, b_init=nn.constant(price_mean))

    def mlp():
        return nn.serial(nn.Dense(64), nn.Relu(), nn.Dense(32), nn.Relu(), head())

    return {"linear, RM": (True, nn.serial(head()), nn.mse),
            "linear-sigmoid-linear, RM": (True, nn.serial(nn.Dense(hidden), nn.Sigmoid(), head()), nn.mse),
            "MLP (MSE), all features": (False, mlp(), nn.mse),
            "MLP (Huber), all features": (False, mlp(), nn.huber)}


def fit(key, net, loss, x, y, *, epochs, lr, jit):
    """Adam on mini-batches of 32; returns ``predict(x) -> prices``."""
    init_key, train_key = random.split(key)
    params, state = net.init(init_key, (-1, x.shape[1]))

    def predict(params, x):
        return net.apply(params, state, x)[0][:, 0]

    def objective(params, batch):
        xb, yb = batch
        return loss(predict(params, xb), yb)

    params, _, _ = train.fit(objective, params, optim.adam(lr), (x, y), epochs=epochs,
                             batch_size=32, key=train_key, jit=jit, progress=False)
    return lambda x: np.asarray(predict(params, x))


def rmse(pred, y):
    return float(np.sqrt(np.mean((pred - y) ** 2)))


def plot(rm, price, curves, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install 'funcdl[examples]')")
        return
    plt.figure(figsize=(6, 4.5))
    plt.scatter(rm, price, s=8, alpha=0.5, label="training data")
    for name, (grid, fitted) in curves.items():
        plt.plot(grid, fitted, lw=2, label=name)
    plt.xlabel("RM (average rooms per dwelling)")
    plt.ylabel("median price ($1000s)")
    plt.title("funcdl: Boston housing, price vs rooms")
    plt.legend()
    plt.savefig(path, dpi=100)
    print(f"fitted curves saved to {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200, help="for the RM models")
    parser.add_argument("--mlp-epochs", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=8, help="sigmoid units of the RM model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="housing.png", help="PNG path ('' for no plot)")
    parser.add_argument("--no-jit", action="store_true", help="train eagerly")
    args = parser.parse_args(argv)

    (x_train, y_train), (x_test, y_test), names = data.boston_housing()
    mean, std = x_train.mean(0), x_train.std(0)  # training statistics only
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    rm = names.index("RM")
    print(f"Boston housing: {len(x_train)} training, {len(x_test)} test houses, {len(names)} features")

    results = {"predict the training mean": rmse(np.full_like(y_test, y_train.mean()), y_test)}
    curves = {}
    grid = np.linspace(x_train[:, rm].min(), x_train[:, rm].max(), 200, dtype=np.float32)[:, None]
    keys = random.split(random.key(args.seed), 4)
    for key, (name, (rm_only, net, loss)) in zip(keys, models(float(y_train.mean()), args.hidden).items()):
        cols = [rm] if rm_only else slice(None)
        predict = fit(key, net, loss, x_train[:, cols], y_train, jit=not args.no_jit,
                      epochs=args.epochs if rm_only else args.mlp_epochs, lr=0.05 if rm_only else 3e-3)
        results[name] = rmse(predict(x_test[:, cols]), y_test)
        if rm_only:
            curves[name] = (grid[:, 0] * std[rm] + mean[rm], predict(grid))

    print(f"\n{'model':<28} test RMSE ($1000s)")
    for name, value in results.items():
        print(f"{name:<28} {value:8.3f}")
    if args.out:
        plot(x_train[:, rm] * std[rm] + mean[rm], y_train, curves, args.out)
    return results


if __name__ == "__main__":
    main()
