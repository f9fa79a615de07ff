"""Testing helpers: ``check_grads`` compares derivatives with finite differences;
``flag`` sets a config flag for a block.

>>> import funcdl.numpy as fnp, numpy as np
>>> check_grads(lambda x: fnp.sum(fnp.sin(x) ** 2), (np.array([0.3, 1.2]),), order=2)
"""
import contextlib

import numpy as np

from . import tree_util
from .config import config
from .transforms.ad import jvp, vjp

DEFAULT_EPS = {np.dtype(np.float32): 2e-3, np.dtype(np.float64): 1e-5}
DEFAULT_TOL = {np.dtype(np.float32): 2e-2, np.dtype(np.float64): 1e-5}
# Complex values are checked as pairs of reals: tangents and cotangents get random real and
# imaginary parts, and (as in JAX) a vjp is the transpose of the jvp for the pairing
# <u, v> = Re(sum(u * v)), without conjugation.


@contextlib.contextmanager
def flag(name, value):
    """Set config flag ``name`` to ``value`` inside the block, restoring it after.

    >>> import funcdl as fd
    >>> with flag("debug_nans", True):
    ...     fd.config.debug_nans
    True
    """
    previous = getattr(config, name)
    config.update(name, value)
    try:
        yield
    finally:
        config.update(name, previous)


def _float_leaves(tree):
    return [np.asarray(x) for x in tree_util.tree_leaves(tree)]


def _random_like(tree, rng):
    def like(x):
        dtype = np.asarray(x).dtype
        if dtype.kind == "c":
            return np.asarray(rng.standard_normal(np.shape(x)) + 1j * rng.standard_normal(np.shape(x)), dtype)
        return np.asarray(rng.standard_normal(np.shape(x)), dtype=dtype)
    return tree_util.tree_map(like, tree)


def _wide(x):
    """``x`` in float64, or complex128 when complex."""
    x = np.asarray(x)
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def _axpy(a, x, y):
    return tree_util.tree_map(lambda xi, yi: np.asarray(yi + a * np.asarray(xi), np.asarray(yi).dtype), x, y)


def _inner(x, y):
    return sum(float(np.real(np.sum(_wide(a) * _wide(b))))
               for a, b in zip(tree_util.tree_leaves(x), tree_util.tree_leaves(y)))


def _assert_close(what, got, want, atol, rtol):
    for g, w in zip(tree_util.tree_leaves(got), tree_util.tree_leaves(want)):
        g, w = _wide(g), _wide(w)
        if np.shape(g) != np.shape(w) or not np.allclose(g, w, atol=atol, rtol=rtol):
            err = np.max(np.abs(g - w)) if np.shape(g) == np.shape(w) else "shape mismatch"
            raise AssertionError(f"check_grads: {what} differs from finite differences "
                                 f"(max abs error {err}, atol {atol}, rtol {rtol})\n"
                                 f"got:  {g}\nwant: {w}")


def _tolerances(args, eps, atol, rtol):
    dtypes = [x.dtype for x in _float_leaves(args)] or [np.dtype(np.float64)]
    single = {np.dtype(np.float32), np.dtype(np.complex64)}
    worst = np.dtype(np.float32) if single & set(dtypes) else np.dtype(np.float64)
    return (eps or DEFAULT_EPS[worst], DEFAULT_TOL[worst] if atol is None else atol,
            DEFAULT_TOL[worst] if rtol is None else rtol)


def check_jvp(f, args, eps=None, atol=None, rtol=None, seed=0):
    """Check ``jvp(f)`` along a random direction against central differences."""
    eps, atol, rtol = _tolerances(args, eps, atol, rtol)
    rng = np.random.default_rng(seed)
    tangents = _random_like(args, rng)
    _, t_out = jvp(f, args, tangents)
    plus = f(*_axpy(eps, tangents, args))
    minus = f(*_axpy(-eps, tangents, args))
    numeric = tree_util.tree_map(lambda p, m: (_wide(p) - _wide(m)) / (2 * eps), plus, minus)
    _assert_close("jvp", t_out, numeric, atol, rtol)


def check_vjp(f, args, eps=None, atol=None, rtol=None, seed=0):
    """Check ``vjp(f)`` by inner products: <u, J v> (finite differences) == <J^T u, v>."""
    eps, atol, rtol = _tolerances(args, eps, atol, rtol)
    rng = np.random.default_rng(seed + 1)
    v = _random_like(args, rng)
    out, f_vjp = vjp(f, *args)
    u = _random_like(out, rng)
    plus = f(*_axpy(eps, v, args))
    minus = f(*_axpy(-eps, v, args))
    numeric = (_inner(u, plus) - _inner(u, minus)) / (2 * eps)
    analytic = _inner(f_vjp(u), v)
    scale = max(1.0, abs(numeric))
    if not abs(analytic - numeric) <= atol * scale + rtol * abs(numeric):
        raise AssertionError(f"check_grads: vjp inner product {analytic} differs from finite "
                             f"differences {numeric} (atol {atol}, rtol {rtol})")


def check_grads(f, args, order=2, modes=("fwd", "rev"), atol=None, rtol=None, eps=None):
    """Check derivatives of ``f`` at ``args`` (a tuple) up to ``order`` against central
    finite differences, in forward (``"fwd"``) and/or reverse (``"rev"``) mode. Raises
    AssertionError naming the mode and the error."""
    args = tuple(args)
    for mode in modes:
        if mode not in ("fwd", "rev"):
            raise ValueError(f"check_grads: unknown mode {mode!r}; use 'fwd' and/or 'rev'")
    rng = np.random.default_rng(order)
    for mode in modes:
        check = check_jvp if mode == "fwd" else check_vjp
        check(f, args, eps, atol, rtol)
        if order > 1:
            direction = _random_like(args, rng)
            if mode == "fwd":
                def deriv(*a, direction=direction):
                    return jvp(f, a, direction)[1]
            else:
                out = f(*args)
                cotangent = _random_like(out, rng)

                def deriv(*a, cotangent=cotangent):
                    return vjp(f, *a)[1](cotangent)
            check_grads(deriv, args, order - 1, (mode,), atol, rtol, eps)
