"""numpy's questions about arrays and dtypes: closeness and equality tests (traceable,
returning boolean arrays) and the static ones (``ndim``, ``shape``, dtype predicates), which
read only shapes and dtypes and so work on traced values too."""
import numpy as np

from ..core import Tracer
from ._base import asarray, result_type
from ._math import abs, add, equal, isfinite, isnan, less_equal, logical_and, logical_or, multiply, subtract, where
from ._reductions import all
from ._shape import broadcast_arrays


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|a - b| <= atol + rtol * |b|``; infinities are close only to themselves,
    nan to nan only with ``equal_nan``.

    >>> isclose(np.array([1.0, np.inf, np.nan]), np.array([1.0 + 1e-9, np.inf, np.nan]))
    array([ True,  True, False])
    """
    a, b = broadcast_arrays(asarray(a), asarray(b))
    if a.dtype.kind not in "f" and b.dtype.kind not in "f":
        a, b = a.astype(np.float64), b.astype(np.float64)
    finite = logical_and(isfinite(a), isfinite(b))
    safe_a, safe_b = where(finite, a, 0), where(finite, b, 0)
    close = less_equal(abs(subtract(safe_a, safe_b)), add(atol, multiply(rtol, abs(safe_b))))
    out = where(finite, close, equal(a, b))
    if equal_nan:
        out = logical_or(out, logical_and(isnan(a), isnan(b)))
    return out


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether :func:`isclose` holds everywhere (a boolean scalar; traced under ``jit``).

    >>> bool(allclose(np.ones(3), np.ones(3) + 1e-9))
    True
    """
    return all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1, a2, equal_nan=False):
    """Whether the arrays have one shape and equal elements.

    >>> bool(array_equal(np.ones(2), np.ones(2))), bool(array_equal(np.ones(2), np.ones(3)))
    (True, False)
    """
    a1, a2 = asarray(a1), asarray(a2)
    if a1.shape != a2.shape:
        return np.False_
    same = equal(a1, a2)
    if equal_nan and result_type(a1, a2).kind == "f":
        same = logical_or(same, logical_and(isnan(a1), isnan(a2)))
    return all(same)


def array_equiv(a1, a2):
    """Whether the arrays are equal after broadcasting to one shape.

    >>> bool(array_equiv(np.ones(2), np.ones((3, 2))))
    True
    """
    a1, a2 = asarray(a1), asarray(a2)
    try:
        a1, a2 = broadcast_arrays(a1, a2)
    except ValueError:
        return np.False_
    return all(equal(a1, a2))


def ndim(a):
    """The number of dimensions.

    >>> ndim([[1, 2]])
    2
    """
    return a.ndim if isinstance(a, Tracer) else np.ndim(a)


def shape(a):
    """The shape, a tuple of ints.

    >>> shape(np.ones((2, 3)))
    (2, 3)
    """
    return a.shape if isinstance(a, Tracer) else np.shape(a)


def size(a, axis=None):
    """The number of elements (along ``axis`` when given).

    >>> size(np.ones((2, 3))), size(np.ones((2, 3)), 1)
    (6, 3)
    """
    s = shape(a)
    return int(np.prod(s, dtype=np.int64)) if axis is None else s[axis]


def isscalar(element):
    """Whether ``element`` is a scalar: a Python or numpy number, or a 0-d traced value (as
    ``jax.numpy.isscalar``).

    >>> isscalar(1.0), isscalar(np.ones(2))
    (True, False)
    """
    if isinstance(element, Tracer):
        return element.ndim == 0
    return bool(np.isscalar(element)) or (isinstance(element, np.ndarray) and element.ndim == 0)


def iscomplexobj(x):
    """Whether the dtype of ``x`` is complex.

    >>> iscomplexobj(np.ones(2))
    False
    """
    return np.dtype(getattr(x, "dtype", None) or np.asarray(x).dtype).kind == "c"


def isrealobj(x):
    """Whether the dtype of ``x`` is not complex.

    >>> isrealobj(np.ones(2))
    True
    """
    return not iscomplexobj(x)


issubdtype, promote_types, can_cast, finfo, iinfo = (np.issubdtype, np.promote_types, np.can_cast,
                                                    np.finfo, np.iinfo)


def isdtype(dtype, kind):
    """The array API's dtype classification: ``kind`` a dtype, a kind name (``'bool'``,
    ``'signed integer'``, ``'unsigned integer'``, ``'integral'``, ``'real floating'``,
    ``'complex floating'``, ``'numeric'``) or a tuple of them.

    >>> isdtype(np.float32, 'real floating'), isdtype(np.int8, ('bool', 'integral'))
    (True, True)
    """
    kinds = kind if isinstance(kind, tuple) else (kind,)
    dtype = np.dtype(dtype)
    names = {"bool": "b", "signed integer": "i", "unsigned integer": "u", "integral": "iu",
             "real floating": "f", "complex floating": "c", "numeric": "iufc"}
    for k in kinds:
        if isinstance(k, str):
            if k not in names:
                raise ValueError(f"isdtype: unknown kind {k!r}; expected one of {sorted(names)}")
            if dtype.kind in names[k]:
                return True
        elif dtype == np.dtype(k):
            return True
    return False
