"""The README's tour runs as written."""
import pathlib
import re


def test_readme_tour_runs(capsys):
    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()
    code = re.search(r"## A 30-line tour\n\n```python\n(.*?)```", readme, re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "dot_general" in out and "@numba.njit" in out
    assert float(namespace["value"]) < 0.05  # the jitted Adam steps fitted the toy data


def test_readme_jax_port_runs(capsys):
    readme = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()
    code = re.search(r"## Porting JAX code\n.*?```python\n(.*?)```", readme, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    accuracy = float(re.search(r"train accuracy ([\d.]+)", capsys.readouterr().out).group(1))
    assert accuracy > 0.9
