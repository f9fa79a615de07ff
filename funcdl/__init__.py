"""funcdl: a functional, JAX-style deep-learning library on numpy + numba.

>>> import funcdl as fd, funcdl.numpy as fnp, numpy as np
>>> print(fd.make_ir(lambda x: fnp.sum(fnp.sin(x)))(np.ones(3, np.float32)))
{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[] = reduce_sum[axes=(0,)] b in (c) }
"""
from . import errors, tree_util
from . import tree  # fd.tree, as jax.tree
from .config import config
from .core import IR, make_ir
from .tree_util import tree_map

from . import lax, numpy, optim, primitives, random  # noqa: E402  (after the core)
from .transforms import (custom_vjp, grad, hessian, jacfwd, jacrev, jvp, stop_gradient,
                         jit, value_and_grad, vjp, vmap)
from .checkpoint import load, save  # noqa: E402
from ._compat import (Array, block_until_ready, default_backend, device_count, device_put,
                      devices, local_devices)

make_jaxpr = make_ir  # JAX's name

__version__ = "0.1.0"
__all__ = ["Array", "block_until_ready", "config", "custom_vjp", "data", "default_backend",
           "device_count", "device_put", "devices", "errors", "example_libraries", "grad",
           "hessian", "IR", "jacfwd", "jacrev", "jit", "jvp", "lax", "load", "local_devices",
           "make_ir", "make_jaxpr", "nn", "numpy", "optim", "primitives", "random", "save",
           "scipy", "stop_gradient", "train", "tree", "tree_map", "tree_util", "typing",
           "value_and_grad", "vjp", "vmap"]

# Imported on first use (``fd.nn`` works after ``import funcdl``, as in JAX), so that
# ``import funcdl`` stays as fast as its core.
_LAZY_SUBMODULES = ("data", "example_libraries", "nn", "scipy", "train", "typing")


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'funcdl' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))
