"""Benchmarks of funcdl, run with ``python -m benchmarks`` (see ``__main__.py``).

Every module in this folder whose name does not start with ``_`` is a benchmark script
with a ``main(argv=None)`` function that prints its results. ``python -m benchmarks``
runs them all; ``python -m benchmarks NAME ...`` runs some; ``python -m benchmarks.NAME``
runs one on its own (with its own options, ``--help``).

Measurements are single-threaded by default: BLAS/OpenMP thread pools are sized when
numpy is first imported, so the thread count has to be in the environment before that.
Importing this package (which happens before any benchmark module is imported) sets
``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` and
``NUMBA_NUM_THREADS`` to 1 when none of them is set (unset ones take the value of a set
one otherwise); ``python -m benchmarks --threads N`` sets them all to N.

This module must not import numpy (or funcdl) itself.
"""
import os
import pkgutil
import sys

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "NUMBA_NUM_THREADS")


def set_threads(n, override=True):
    """Put the thread count ``n`` in the environment for numpy/BLAS/numba.

    Returns False (and changes nothing it cannot honour) when numpy is already imported:
    its BLAS thread pool is then already sized.
    """
    if "numpy" in sys.modules:
        return False
    if not override:  # complete a partial setting from the user's own value
        n = next((os.environ[v] for v in THREAD_VARS if os.environ.get(v)), n)
    for var in THREAD_VARS:
        if override or not os.environ.get(var):
            os.environ[var] = str(int(n))
    return True


def thread_settings():
    """A one-line description of the thread environment, for report headers."""
    return " ".join(f"{v}={os.environ.get(v, '(unset)')}" for v in THREAD_VARS)


def benchmark_names():
    """The benchmark scripts in this folder, sorted by name."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__)
                  if not m.name.startswith("_"))


set_threads(1, override=False)
