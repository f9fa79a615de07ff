"""Collection rules for the doctests in funcdl/ (the test suite's own setup is tests/conftest.py)."""
import importlib.util

# funcdl.distributed needs the optional extra funcdl[mpi]; without it its doctests cannot run
# (tests/test_distributed.py reports the skip with the reason).
collect_ignore = [] if importlib.util.find_spec("mpi4py") else ["funcdl/distributed.py"]
