"""Products: dot, matmul, tensordot, einsum, outer — all on ``dot_general``."""
import numpy as np

import functools

from .. import primitives as P
from ..core import shape_error
from ._base import asarray, cast, normalize_axis, promote
from ._math import multiply
from ._shape import broadcast_to, ravel, reshape, transpose


def _operands(a, b):
    return promote(asarray(a), asarray(b))


def _boolean_as_count(fn):
    """numpy's products of booleans are ``any(a & b)``: count in int32, then test > 0."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        ops = [asarray(x) for x in args if not isinstance(x, str)]
        if not ops or any(x.dtype != np.bool_ for x in ops):
            return fn(*args, **kwargs)
        args = [x if isinstance(x, str) else cast(asarray(x), np.int32) for x in args]
        out = fn(*args, **kwargs)
        return P.binary("ne", out, cast(0, out.dtype))
    return wrapper


@_boolean_as_count
def dot(a, b):
    """``numpy.dot``: inner product for 1-D, matrix product for 2-D, and in general a sum
    over the last axis of ``a`` and the second-to-last of ``b``.

    >>> dot(np.ones((2, 3)), np.ones(3))
    array([3., 3.])
    """
    a, b = _operands(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    rc = max(b.ndim - 2, 0)
    if a.shape[-1] != b.shape[rc]:
        raise P.structural.shape_error("dot", f"shapes are not aligned (axis {a.ndim - 1} of the "
                                       f"first vs axis {rc} of the second)", a.shape, b.shape)
    return P.dot_general(a, b, (((a.ndim - 1,), (rc,)), ((), ())))


@_boolean_as_count
def matmul(a, b):
    """``numpy.matmul`` (the ``@`` operator), with broadcast batch dimensions.

    >>> matmul(np.ones((5, 2, 3)), np.ones((3, 4))).shape
    (5, 2, 4)
    """
    a, b = _operands(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul: input operand does not have enough dimensions (0-d)")
    if a.shape[-1] != b.shape[max(b.ndim - 2, 0)]:
        raise P.structural.shape_error("matmul", "the contracted dimensions differ",
                                       a.shape, b.shape)
    if b.ndim <= 2:  # no batch on the right: one contraction
        return P.dot_general(a, b, (((a.ndim - 1,), (0,)), ((), ())))
    if a.ndim == 1:
        out = P.dot_general(a, b, (((0,), (b.ndim - 2,)), ((), ())))  # (...batch, n)
        return out
    try:
        batch = P.broadcast_shapes("matmul", a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise shape_error("matmul", "the batch dimensions cannot be broadcast together",
                          a.shape, b.shape) from None
    a = broadcast_to(a, batch + a.shape[-2:])
    b = broadcast_to(b, batch + b.shape[-2:])
    nb = len(batch)
    return P.dot_general(a, b, (((nb + 1,), (nb,)), (tuple(range(nb)), tuple(range(nb)))))


@_boolean_as_count
def tensordot(a, b, axes=2):
    """Sum products over the given axes (an int: the last ``axes`` of ``a`` with the
    first of ``b``; or a pair of axis sequences).

    >>> tensordot(np.ones((2, 3, 4)), np.ones((3, 4, 5)), axes=2).shape
    (2, 5)
    """
    a, b = _operands(a, b)
    if isinstance(axes, (int, np.integer)):
        la, lb = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        la, lb = ([axes_] if isinstance(axes_, (int, np.integer)) else list(axes_) for axes_ in axes)
    la = [normalize_axis(i, a.ndim, "tensordot") for i in la]
    lb = [normalize_axis(i, b.ndim, "tensordot") for i in lb]
    if len(la) != len(lb) or any(a.shape[i] != b.shape[j] for i, j in zip(la, lb)):
        raise shape_error("tensordot", f"shape mismatch for sum over axes {la} and {lb}",
                          a.shape, b.shape)
    return P.dot_general(a, b, ((tuple(la), tuple(lb)), ((), ())))


def outer(a, b):
    """Outer product of two flattened arrays.

    >>> outer(np.array([1, 2]), np.array([1, 10, 100])).shape
    (2, 3)
    """
    a, b = ravel(a), ravel(b)
    return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))


def _parse_einsum(subscripts, operands):
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        inputs, output = subscripts.split("->")
    else:
        inputs, output = subscripts, None
    specs = inputs.split(",")
    if len(specs) != len(operands):
        raise ValueError(f"einsum: {len(specs)} operand specs for {len(operands)} operands")
    pool = iter(ch for ch in "ZYXWVUTSRQPONMLKJIHGFEDCBA" if ch not in subscripts)
    ell = []
    for spec, x in zip(specs, operands):
        n = x.ndim - (len(spec) - 3 if "..." in spec else len(spec))
        if n < 0 or (n and "..." not in spec):
            raise ValueError(f"einsum: spec {spec!r} does not match operand shape {x.shape}")
        while len(ell) < n:
            ell.insert(0, next(pool))
    specs = [s.replace("...", "".join(ell[len(ell) - (x.ndim - len(s) + 3):])) if "..." in s else s
             for s, x in zip(specs, operands)]
    if output is None:
        counts = {}
        for s in specs:
            for ch in s:
                counts[ch] = counts.get(ch, 0) + 1
        output = "".join(ell) + "".join(sorted(ch for ch, c in counts.items() if c == 1 and ch not in ell))
    else:
        output = output.replace("...", "".join(ell))
    return specs, output


def _diagonal(x, spec):
    """Take the diagonal over every label repeated within ``spec`` (``'ii' -> 'i'``)."""
    from ._indexing import getitem
    for ch in dict.fromkeys(spec):
        where_ = [i for i, c in enumerate(spec) if c == ch]
        if len(where_) == 1:
            continue
        sizes = {x.shape[i] for i in where_}
        if len(sizes) > 1:
            raise shape_error("einsum", f"repeated label {ch!r} has sizes {sorted(sizes)}",
                              x.shape)
        rest = [i for i in range(x.ndim) if i not in where_]
        x = transpose(x, rest + where_)
        diag = np.arange(sizes.pop())
        x = getitem(x, (Ellipsis,) + (diag,) * len(where_))
        spec = "".join(spec[i] for i in rest) + ch
    return x, spec


def _sublist_labels(sublist):
    """numpy's sublist ``[0, 1, Ellipsis]`` as subscripts ``'AB...'`` (0-25: A-Z, 26-51: a-z)."""
    out = []
    for v in sublist:
        if v is Ellipsis:
            out.append("...")
        elif not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise TypeError(f"einsum: sublist entries must be ints or Ellipsis, got {v!r}")
        elif not 0 <= v < 52:
            raise ValueError(f"einsum: sublist label {v} is not in the valid range [0, 52)")
        else:
            out.append(chr(ord("A") + v) if v < 26 else chr(ord("a") + v - 26))
    return "".join(out)


def _from_sublists(args):
    """``(op0, sub0, op1, sub1, ..., [sub_out])`` as ``(subscripts, operands)``."""
    operands, specs = args[0:len(args) - len(args) % 2:2], args[1::2]
    subscripts = ",".join(_sublist_labels(s) for s in specs)
    if len(args) % 2:
        subscripts += "->" + _sublist_labels(args[-1])
    return subscripts, operands


def einsum(*args):
    """Einstein summation, as ``numpy.einsum``: explicit (``'ij,jk->ik'``) or implicit
    output (``'ij,jk'``), ``...`` for broadcast dimensions, repeated labels within an
    operand for diagonals (``'ii'`` is the trace), size-1 dimensions broadcast. numpy's
    sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` (ints label axes, ``Ellipsis``
    allowed, the output sublist optional) is accepted too. Computed as pairwise
    ``dot_general`` contractions from left to right.

    >>> einsum("bij,bjk->bik", np.ones((2, 3, 4)), np.ones((2, 4, 5))).shape
    (2, 3, 5)
    >>> float(einsum("ii", np.eye(3)))
    3.0
    >>> einsum(np.ones((2, 3)), [0, 1], [1, 0]).shape
    (3, 2)
    """
    if not args:
        raise TypeError("einsum: missing the subscripts and operands")
    if isinstance(args[0], str):
        return _einsum(*args)
    subscripts, operands = _from_sublists(args)
    return _einsum(subscripts, *operands)


@_boolean_as_count
def _einsum(subscripts, *operands):
    ops = promote(*[asarray(x) for x in operands])
    specs, output = _parse_einsum(subscripts, ops)
    if len(set(output)) != len(output):
        raise ValueError(f"einsum: output subscript {output!r} repeats a label")
    ops, specs = map(list, zip(*[_diagonal(x, s) for x, s in zip(ops, specs)]))
    sizes = {}
    for s, x in zip(specs, ops):
        for ch, d in zip(s, x.shape):
            if sizes.get(ch, 1) == 1:
                sizes[ch] = d
            elif d not in (1, sizes[ch]):
                raise shape_error("einsum", f"label {ch!r} has sizes {sizes[ch]} and {d}",
                                  *[o.shape for o in operands])
    ops = [broadcast_to(x, [sizes[ch] for ch in s]) for x, s in zip(ops, specs)]
    # sum out labels used by one operand only and absent from the output
    terms = []
    for k, (s, x) in enumerate(zip(specs, ops)):
        others = set(output).union(*[set(t) for j, t in enumerate(specs) if j != k])
        drop = [i for i, ch in enumerate(s) if ch not in others]
        if drop:
            x = P.reduce("reduce_sum", x, drop)
            s = "".join(ch for ch in s if ch in others)
        terms.append((s, x))
    s, x = terms[0]
    for k in range(1, len(terms)):
        t, y = terms[k]
        later = set(output).union(*[set(u) for u, _ in terms[k + 1:]])
        common = [ch for ch in s if ch in t]
        batch = [ch for ch in common if ch in later]
        contract = [ch for ch in common if ch not in later]
        dims = ((tuple(s.index(c) for c in contract), tuple(t.index(c) for c in contract)),
                (tuple(s.index(c) for c in batch), tuple(t.index(c) for c in batch)))
        x = P.dot_general(x, y, dims)
        s = "".join(batch) + "".join(ch for ch in s if ch not in common) + \
            "".join(ch for ch in t if ch not in common)
    extra = [i for i, ch in enumerate(s) if ch not in output]
    if extra:
        x = P.reduce("reduce_sum", x, extra)
        s = "".join(ch for ch in s if ch in output)
    if set(output) - set(s):
        raise ValueError(f"einsum: output labels {sorted(set(output) - set(s))} not in any input")
    return transpose(x, [s.index(ch) for ch in output])
