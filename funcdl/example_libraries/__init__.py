"""JAX's ``jax.example_libraries`` on funcdl: :mod:`.stax` (layers as ``(init_fun,
apply_fun)`` pairs) and :mod:`.optimizers` (``(opt_init, opt_update, get_params)``), with
the same names, signatures and conventions, so that code written for them runs by changing
its imports.

>>> from funcdl.example_libraries import optimizers, stax
>>> opt_init, opt_update, get_params = optimizers.sgd(0.1)
>>> init_fun, apply_fun = stax.serial(stax.Dense(2), stax.Relu)
"""
from . import optimizers, stax

__all__ = ["optimizers", "stax"]
