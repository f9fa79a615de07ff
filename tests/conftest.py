import os
import sys

import pytest

import funcdl as fd

sys.path.insert(0, os.path.dirname(__file__))  # the shared test tables (primitive_table.py)

# Every IR built anywhere in the suite (tracing, each transform, each simplification pass)
# is typechecked when it is constructed.
fd.config.update("check_ir", True)

# These modules' generated code runs with numba's bounds checking on: an out-of-range index
# raises IndexError instead of silently reading garbage. (The other jit tests run the
# unchecked code that users get; each program is compiled once per mode.)
BOUNDS_CHECKED = {"test_jit_table", "test_fuzz", "test_correctness_jit", "test_outline"}


@pytest.fixture(autouse=True)
def _jit_boundscheck(request):
    module = getattr(request, "module", None)
    checked = module is not None and module.__name__.rsplit(".", 1)[-1] in BOUNDS_CHECKED
    if not checked:
        yield
        return
    fd.config.update("jit_boundscheck", True)
    try:
        yield
    finally:
        fd.config.update("jit_boundscheck", False)
