"""Every example runs on a reduced budget and reaches its metric (with margin)."""
import importlib.util
import pathlib

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
