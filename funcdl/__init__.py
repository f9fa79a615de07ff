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

__version__ = "0.1.0"
__all__ = ["config", "custom_vjp", "errors", "grad", "hessian", "IR", "jacfwd", "jacrev", "jit", "jvp",
           "load", "make_ir", "numpy", "optim", "primitives", "random", "save", "stop_gradient", "tree_map",
           "tree", "tree_util", "value_and_grad", "vjp", "vmap"]
