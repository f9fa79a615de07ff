"""The transforms, one module each: ``ad`` (grad, vjp, jvp, jacobians), ``custom``
(custom_vjp), ``batching`` (vmap), ``jit_compiler`` (jit) with ``codegen`` and ``disk_cache``, ``simplify`` (IR clean-up)."""
from .ad import (grad, hessian, jacfwd, jacrev, jvp, stop_gradient, value_and_grad, vjp)
from .batching import vmap
from .custom import custom_vjp
from .jit_compiler import jit

__all__ = ["custom_vjp", "grad", "hessian", "jacfwd", "jacrev", "jvp", "stop_gradient",
           "jit", "value_and_grad", "vjp", "vmap"]
