"""End-to-end training time of each example on its default budget (the numba compile
cache is used when warm; the first run of a program includes its compilation).

    python -m benchmarks examples_e2e
"""
import contextlib
import importlib.util
import io
import pathlib
import time

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
RUNS = [  # (example, argv, metric name)
    ("mnist_mlp", [], "test accuracy"),
    ("mnist_cnn", [], "test accuracy"),
    ("rnn_sequences", ["--cell", "lstm"], "LSTM test accuracy"),
    ("housing_regression", ["--out", ""], "MLP (Huber) test RMSE"),
    ("spiral", ["--out", ""], "training accuracy"),
]


def _load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _summary(value):
    if isinstance(value, dict):
        value = list(value.values())[-1]
    try:
        return f"{float(value):.4f}"
    except (TypeError, ValueError):
        return str(value)


def main(argv=None):
    lines = ["| example | metric | value | wall time (s) |", "|---|---|---|---|"]
    for name, args, metric in RUNS:
        module = _load(name)
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            value = module.main(args)
        lines.append(f"| {name} {' '.join(args)} | {metric} | {_summary(value)} | "
                     f"{time.perf_counter() - start:.1f} |")
    print("examples, end to end (default budgets)")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
