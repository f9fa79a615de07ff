"""The benchmark scripts stay runnable: each imports and has its ``main`` (the benchmarks
themselves are run by hand, ``python -m benchmarks``, not timed in the suite)."""
import importlib
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import benchmarks  # noqa: E402


@pytest.mark.parametrize("name", benchmarks.benchmark_names())
def test_benchmark_imports_and_has_main(name):
    module = importlib.import_module(f"benchmarks.{name}")
    assert callable(module.main), f"benchmarks/{name}.py needs a main(argv=None)"
