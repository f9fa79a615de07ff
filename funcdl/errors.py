"""Errors raised by funcdl, one class per user mistake.

Each message names the operation, what it got and what to do instead.
"""


class ConcretizationError(TypeError):
    """A traced value was used where Python needs a concrete one.

    Cause: inside ``jit`` (or on a value batched by ``vmap``) values are abstract:
    only shapes and dtypes are known, so ``if x > 0:``, ``int(x)`` or
    ``np.asarray(x)`` cannot be answered.

    Fix: mark the argument static (``jit(f, static_argnums=...)``), select with
    ``fnp.where``, or branch with ``lax.cond``.

    >>> import funcdl as fd
    >>> def f(x):
    ...     return x if x > 0 else -x
    >>> fd.make_ir(f)(1.0)
    Traceback (most recent call last):
    ...
    funcdl.errors.ConcretizationError: ...
    """


class ShapeError(ValueError):
    """An operation got operands of incompatible shapes (raised at trace time).

    The message names the operation and the shapes it got.

    >>> import funcdl.numpy as fnp, numpy as np
    >>> fnp.add(np.ones(2), np.ones(3))
    Traceback (most recent call last):
    ...
    funcdl.errors.ShapeError: add: ...
    """


class UnexpectedTracerError(Exception):
    """A traced value escaped the transform that created it.

    Cause: a tracer was stored outside the traced function (a global, a list,
    ``self``) and used after its trace ended.

    Fix: return the value from the function instead of storing it.
    """
