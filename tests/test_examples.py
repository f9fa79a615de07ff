"""Every example runs on a reduced budget and reaches its metric (with margin)."""
import importlib.util
import pathlib

import funcdl as fd

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ir_demo_prints_the_ir(capsys):
    load("ir_demo").main()
    out = capsys.readouterr().out
    assert "dot_general" in out and "tanh" in out


def test_per_example_gradients_trains():
    assert load("per_example_gradients").main(["--steps", "40"]) > 0.8


# The examples below train with jit=True by default; their tests pass --no-jit (eager is
# fast on these tiny budgets, and a cold numba compile of a CNN or RNN step takes 10-40 s).

def test_mnist_cnn_learns():
    acc = load("mnist_cnn").main(["--channels", "8", "--epochs", "2", "--train-size", "600",
                                  "--test-size", "200", "--lr", "3e-3", "--no-jit"])
    assert acc > 0.5  # chance is 0.1


def test_housing_regression_beats_the_mean(tmp_path, capsys):
    results = load("housing_regression").main(["--epochs", "20", "--mlp-epochs", "20", "--no-jit",
                                               "--out", str(tmp_path / "housing.png")])
    import math
    assert len(results) == 5 and all(math.isfinite(v) for v in results.values())
    baseline = results["predict the training mean"]
    assert results["MLP (MSE), all features"] < 0.8 * baseline
    assert results["MLP (Huber), all features"] < 0.8 * baseline
    assert "test RMSE" in capsys.readouterr().out


def test_rnn_sequences_lstm_learns():
    acc = load("rnn_sequences").main(["--cell", "lstm", "--hidden", "16", "--epochs", "1",
                                      "--train-size", "1000", "--test-size", "200",
                                      "--batch-size", "16", "--lr", "1e-2", "--no-jit"])
    assert acc > 0.25  # chance is 0.1


def test_regularization_table(capsys):
    results = load("regularization").main(["--epochs", "3", "--train-size", "500", "--test-size",
                                           "300", "--hidden", "64", "32", "--lr", "3e-3", "--no-jit"])
    out = capsys.readouterr().out
    assert list(results) == ["none", "L2", "Dropout", "DropConnect", "BatchNorm"]
    for name, (train_acc, test_acc) in results.items():
        assert name in out
        assert train_acc > 0.25 and test_acc > 0.25, name  # chance is 0.1


def test_transforms_tour(capsys):
    import numpy as np
    g1, g2 = load("transforms_tour").main(["--x1", "0.7", "--x2", "-1.5"])
    out = capsys.readouterr().out
    assert "digraph" in out and "cos" in out and "sin" in out
    np.testing.assert_allclose([g1, g2], [np.cos(0.7) - 1.5, 0.7], rtol=1e-5)


def test_spiral_trains():
    assert load("spiral").main(["--epochs", "60", "--out", ""]) > 0.9


def test_mnist_mlp_main_demo_trains():
    assert load("mnist_mlp").main(["--epochs", "1"]) > 0.8


def test_mnist_mlp_trains_with_background_compilation():
    try:
        assert load("mnist_mlp").main(["--epochs", "1", "--background"]) > 0.8
    finally:
        fd.config.update("jit_background", False)
