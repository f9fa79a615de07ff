"""The table of ``funcdl.numpy`` functions composed from primitives, which
``test_function_table`` walks through every transform.

Each :class:`Fn` calls one function, written once against a numpy-like module ``m``
(``numpy`` is the reference, ``funcdl.numpy`` the subject), on example arguments.
``diff`` lists the argument positions to differentiate (floats, in a smooth region); an
empty ``diff`` means the function is checked for values only (integer or piecewise-constant
results). ``vmap=False`` skips the batching check where the example arguments cannot take a
batch axis (a function of a shape, say); ``jit=False`` skips jit (and vmap) for functions
whose output shape depends on the values, called without ``size=``. Adding a function means
adding a row here.
"""
import dataclasses
from typing import Callable

import numpy as np
import scipy
import scipy.special
import scipy.stats

import funcdl.lax
import funcdl.numpy as fnp
import funcdl.scipy


def sp(m):
    """The scipy of the module ``m``: scipy itself for numpy, funcdl.scipy for funcdl.numpy."""
    return funcdl.scipy if m is fnp else scipy


class NumpyLax:
    """Direct numpy references for the ``funcdl.lax`` functions in the table."""

    @staticmethod
    def conv_general_dilated(x, w, strides, padding, lhs_dilation=(1, 1), rhs_dilation=(1, 1),
                             dimension_numbers=None, feature_group_count=1):
        lhs, rhs, out = dimension_numbers or ("NCHW", "OIHW", "NCHW")
        x = np.transpose(x, [lhs.index(c) for c in "NHWC"])
        w = np.transpose(w, [rhs.index(c) for c in "HWIO"])
        if lhs_dilation != (1, 1):
            n, h, wd, c = x.shape
            spread = np.zeros((n, (h - 1) * lhs_dilation[0] + 1, (wd - 1) * lhs_dilation[1] + 1, c))
            spread[:, ::lhs_dilation[0], ::lhs_dilation[1]] = x
            x = spread
        if rhs_dilation != (1, 1):
            kh, kw, i, o = w.shape
            spread = np.zeros(((kh - 1) * rhs_dilation[0] + 1, (kw - 1) * rhs_dilation[1] + 1, i, o))
            spread[::rhs_dilation[0], ::rhs_dilation[1]] = w
            w = spread
        x = np.pad(x, ((0, 0), *padding, (0, 0)))
        kh, kw, _, o = w.shape
        ho, wo = (x.shape[1] - kh) // strides[0] + 1, (x.shape[2] - kw) // strides[1] + 1
        y = np.zeros((x.shape[0], ho, wo, o))
        for i in range(ho):
            for j in range(wo):
                patch = x[:, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw]
                y[:, i, j] = np.einsum("nhwc,hwco->no", patch, w)
        return np.transpose(y, ["NHWC".index(c) for c in out])

    @staticmethod
    def reduce_window(x, init, reducer, window, strides, padding):
        x = np.pad(x, padding, constant_values=init)
        out_shape = [(n - k) // s + 1 for n, k, s in zip(x.shape, window, strides)]
        out = np.empty(out_shape)
        for idx in np.ndindex(*out_shape):
            box = tuple(slice(i * s, i * s + k) for i, s, k in zip(idx, strides, window))
            out[idx] = reducer(x[box])
        return out


class NumpyLaxLinalg:
    """numpy references for ``funcdl.lax.linalg``."""

    @staticmethod
    def triangular_solve(a, b, left_side=False, lower=False, transpose_a=False, conjugate_a=False,
                         unit_diagonal=False):
        t = np.tril(a) if lower else np.triu(a)
        t = np.conj(t) if conjugate_a else t
        if unit_diagonal:
            t = t - np.diag(np.diag(t)) + np.eye(len(t))
        t = t.T if transpose_a else t
        return np.linalg.solve(t, b) if left_side else np.linalg.solve(t.T, b.T).T

    @staticmethod
    def eigh(x):
        w, v = np.linalg.eigh(x)
        return v, w

    @staticmethod
    def qr(x, full_matrices=True):
        return tuple(np.linalg.qr(x, "complete" if full_matrices else "reduced"))


NumpyLax.linalg = NumpyLaxLinalg


def _np_fill(a, val, wrap=False):
    """numpy's in-place fill_diagonal, on a copy."""
    out = np.array(a, copy=True)
    np.fill_diagonal(out, val, wrap)
    return out


def padded(arrays, size, fill):
    """numpy results cut or padded to ``size`` with ``fill`` (JAX's ``size=`` semantics)."""
    def pad(a):
        a = np.asarray(a)[:size]
        return np.concatenate([a, np.full(size - a.shape[0], fill, a.dtype)])
    return tuple(pad(a) for a in arrays) if isinstance(arrays, tuple) else pad(arrays)


def _np_put_along(a, idx, v, axis):
    out = np.array(a, copy=True)
    np.put_along_axis(out, idx, v, axis)
    return out


def _np_put(a, ind, v):
    out = np.array(a, copy=True)
    np.put(out, ind, v)
    return out


def _np_place(a, mask, v):
    out = np.array(a, copy=True)
    np.place(out, mask, v)
    return out


def _round_half_away(x):
    """Rounding half away from zero, element by element with decimal arithmetic."""
    import decimal
    half_up = [float(decimal.Decimal(float(v)).quantize(decimal.Decimal(1), decimal.ROUND_HALF_UP)) for v in x]
    return np.copysign(np.array(half_up), x)


def lax(m):
    """funcdl.lax for funcdl.numpy, the numpy references for numpy."""
    return funcdl.lax if m is fnp else NumpyLax


def _patches(x, filter_shape, strides):
    """What lax.conv_general_dilated_patches computes (NCHW, no padding), by slicing."""
    (kh, kw), (sh, sw) = filter_shape, strides
    n, c, h, w = x.shape
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((n, c * kh * kw, ho, wo))
    for ch in range(c):
        for a in range(kh):
            for b in range(kw):
                out[:, ch * kh * kw + a * kw + b] = x[:, ch, a:a + (ho - 1) * sh + 1:sh, b:b + (wo - 1) * sw + 1:sw]
    return out


def _mulhi64(x, y):
    """The high 64 bits of exact (Python integer) products."""
    return np.array([(int(a) * int(b)) >> 64 for a, b in zip(x.ravel(), y.ravel())]).astype(np.int64).reshape(x.shape)


def _clz32(x):
    return np.array([32 - int(v).bit_length() for v in x.ravel().view(np.uint32)], np.int32).reshape(x.shape)


@dataclasses.dataclass
class Fn:
    name: str
    call: Callable
    args: tuple
    diff: tuple = ()
    note: str = ""
    vmap: bool = True
    rtol: float = 1e-12
    jit: bool = True  # False for value-dependent shapes without size= (they need concrete values)

    @property
    def id(self):
        shapes = ",".join("x".join(map(str, np.shape(a))) or "s" for a in self.args)
        return f"{self.name}[{shapes}]{self.note}"


def _column_signs_fixed(m, w, v):
    """Eigenvectors with each column's first entry positive (LAPACK's upper- and
    lower-triangle routines may pick other signs)."""
    return w, v * m.conj(m.sign(v[..., :1, :]))


def _svd_phases_fixed(m, u, s, vh):
    """The SVD with each left singular vector's first entry real and positive (and the
    right ones turned to match): LAPACK's phases are arbitrary."""
    signs = m.sign(u[..., :1, :])
    return u * m.conj(signs), s, vh * m.swapaxes(signs[..., :s.shape[-1]], -1, -2)


def _with_nans(z):
    """``z`` with a nan in its first row's real part and one in its last row's imaginary part."""
    z = z.copy()
    z[0, 1], z[-1, 2] = complex(np.nan, 1.0), complex(1.0, np.nan)
    return z


def floats(shape, seed=0, lo=-2.0, hi=2.0):
    return np.random.default_rng(seed).uniform(lo, hi, size=shape)


def unit(shape, seed=0):
    return floats(shape, seed, -0.9, 0.9)


def positive(shape, seed=0):
    return floats(shape, seed, 0.5, 3.0)


def distinct(shape, seed=0):
    n = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(n).reshape(shape) * 0.37 - n * 0.15 + 0.05


A, B, V, W = floats((3, 4), 1), floats((3, 4), 2), floats((4,), 3), floats((4,), 4)
I1 = np.random.default_rng(30).integers(-60, 61, (3, 4)).astype(np.int32)
I2 = np.random.default_rng(31).integers(-60, 61, (3, 4)).astype(np.int32)
SHIFTS = np.random.default_rng(32).integers(-2, 40, (3, 4)).astype(np.int32)
SQUARE = floats((4, 4), 5)
# matrices for numpy.linalg: well conditioned, positive definite, symmetric, stacked, singular
WELL = SQUARE + 4 * np.eye(4)
SPD = SQUARE @ SQUARE.T + 4 * np.eye(4)
SYMMETRIC = SQUARE + SQUARE.T
STACK = floats((2, 3, 3), 6) + 3 * np.eye(3)
SPD_STACK = STACK @ np.swapaxes(STACK, -1, -2)
TALL, WIDE = floats((5, 3), 7), floats((3, 5), 8)
RANK2 = floats((4, 2), 9) @ floats((2, 4), 10)
SINGULAR = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
Z, Z3 = A + 1j * B, floats((2, 3, 4), 11) + 1j * floats((2, 3, 4), 12)
# complex ones: well conditioned, Hermitian (positive definite), stacked, tall
WELL_C = WELL + 1j * SQUARE.T
HERMITIAN = WELL_C + WELL_C.conj().T
HPD = WELL_C @ WELL_C.conj().T
STACK_C = STACK + 1j * STACK[::-1]
TALL_C = TALL + 1j * floats((5, 3), 20)

FUNCTIONS = [
    # -- numpy.linalg
    Fn("linalg.cholesky", lambda m, a: m.linalg.cholesky(a), (SPD,), (0,)),
    Fn("linalg.cholesky", lambda m, a: m.linalg.cholesky(a), (SPD_STACK,), (0,), "stack"),
    Fn("linalg.eigh", lambda m, a: tuple(m.linalg.eigh(a)), (SYMMETRIC,), (0,)),
    Fn("linalg.eigh", lambda m, a: _column_signs_fixed(m, *m.linalg.eigh(a, "U")), (SPD,), (0,), "upper"),
    Fn("linalg.eigvalsh", lambda m, a: m.linalg.eigvalsh(a), (SPD_STACK,), (0,)),
    Fn("linalg.svd", lambda m, a: tuple(m.linalg.svd(a, full_matrices=False)), (TALL,), (0,)),
    Fn("linalg.svd", lambda m, a: tuple(m.linalg.svd(a, full_matrices=False)), (WIDE,), (0,), "wide"),
    Fn("linalg.svd", lambda m, a: tuple(m.linalg.svd(a)), (WELL,), (0,), "full"),
    Fn("linalg.svd", lambda m, a: tuple(m.linalg.svd(a)), (WIDE,), (), "full-wide"),
    Fn("linalg.svd", lambda m, a: m.linalg.svd(a, compute_uv=False), (STACK,), (0,), "values"),
    Fn("linalg.svd", lambda m, a: tuple(m.linalg.svd(a, hermitian=True)), (SYMMETRIC,), (0,), "hermitian"),
    Fn("linalg.svdvals", lambda m, a: m.linalg.svdvals(a), (WIDE,), (0,)),
    Fn("linalg.qr", lambda m, a: tuple(m.linalg.qr(a)), (TALL,), (0,)),
    Fn("linalg.qr", lambda m, a: m.linalg.qr(a, mode="r"), (STACK,), (0,), "r"),
    Fn("linalg.qr", lambda m, a: tuple(m.linalg.qr(a, mode="complete")), (WIDE,), (), "complete-wide"),
    Fn("linalg.solve", lambda m, a, b: m.linalg.solve(a, b), (WELL, SQUARE[0]), (0, 1), "vector"),
    Fn("linalg.solve", lambda m, a, b: m.linalg.solve(a, b), (STACK, floats((2, 3, 2), 11)), (0, 1)),
    Fn("linalg.solve", lambda m, a, b: m.linalg.solve(a, b), (STACK, floats((3, 2), 12)), (0, 1), "broadcast"),
    Fn("linalg.inv", lambda m, a: m.linalg.inv(a), (WELL,), (0,)),
    Fn("linalg.inv", lambda m, a: m.linalg.inv(a), (STACK,), (0,), "stack"),
    Fn("linalg.eigvals", lambda m, a: m.linalg.eigvals(a) if m is fnp else np.linalg.eigvals(a).astype(complex),
       (SQUARE,), (0,)),
    Fn("linalg.eigvals", lambda m, a: m.linalg.eigvals(a), (STACK + 1j * STACK[::-1],), (0,), "complex"),
    Fn("linalg.eig", lambda m, a: tuple(x.astype(complex) for x in m.linalg.eig(a)), (SQUARE,)),
    Fn("linalg.solve", lambda m, a, b: m.linalg.solve(a, b), (WELL + 1j * SQUARE.T, Z.T), (0, 1), "complex"),
    Fn("linalg.inv", lambda m, a: m.linalg.inv(a), (WELL + 1j * SQUARE.T,), (0,), "complex"),
    Fn("linalg.cholesky", lambda m, a: m.linalg.cholesky(a), (HPD,), (0,), "complex"),
    Fn("linalg.cholesky", lambda m, a: m.linalg.cholesky(a, upper=True), (HPD,), (0,), "complex-upper"),
    Fn("linalg.eigh", lambda m, a: _column_signs_fixed(m, *m.linalg.eigh(a)), (HERMITIAN,), (0,), "complex"),
    Fn("linalg.eigh", lambda m, a: _column_signs_fixed(m, *m.linalg.eigh(a, "U")), (HPD,), (0,), "complex-upper"),
    Fn("linalg.eigvalsh", lambda m, a: m.linalg.eigvalsh(a), (HERMITIAN,), (0,), "complex"),
    Fn("linalg.svd", lambda m, a: _svd_phases_fixed(m, *m.linalg.svd(a, full_matrices=False)), (TALL_C,), (0,),
       "complex"),
    Fn("linalg.svd", lambda m, a: _svd_phases_fixed(m, *m.linalg.svd(a)), (WELL_C,), (0,), "complex-full"),
    Fn("linalg.svd", lambda m, a: m.linalg.svd(a, compute_uv=False), (STACK_C,), (0,), "complex-values"),
    Fn("linalg.svd", lambda m, a: _svd_phases_fixed(m, *m.linalg.svd(a, hermitian=True)), (HERMITIAN,), (0,),
       "complex-hermitian"),
    Fn("linalg.qr", lambda m, a: tuple(m.linalg.qr(a)), (TALL_C,), (0,), "complex"),
    Fn("linalg.det", lambda m, a: m.linalg.det(a), (STACK_C,), (0,), "complex"),
    Fn("linalg.slogdet", lambda m, a: tuple(m.linalg.slogdet(a)), (WELL_C,), (0,), "complex"),
    Fn("linalg.pinv", lambda m, a: m.linalg.pinv(a), (TALL_C,), (0,), "complex"),
    Fn("linalg.pinv", lambda m, a: m.linalg.pinv(a, hermitian=True), (HPD,), (0,), "complex-hermitian"),
    Fn("linalg.lstsq", lambda m, a, b: m.linalg.lstsq(a, b)[0], (TALL_C, floats(5, 21) + 1j), (0, 1), "complex"),
    Fn("linalg.lstsq", lambda m, a, b: m.linalg.lstsq(a, b)[1], (TALL_C, floats(5, 21) + 1j), (0, 1),
       "complex-residuals"),
    Fn("linalg.matrix_rank", lambda m, a: m.linalg.matrix_rank(a), (TALL_C @ TALL_C[:2].T,), note="complex"),
    Fn("linalg.cond", lambda m, a: m.linalg.cond(a), (WELL_C,), (0,), "complex"),
    *[Fn("linalg.norm", lambda m, a, o=o: m.linalg.norm(a, o), (WELL_C,), (0,), f"complex-matrix-{o}")
      for o in ("nuc", 2, -2)],
    Fn("linalg.tensorsolve", lambda m, a, b: m.linalg.tensorsolve(a, b), (WELL_C.reshape(2, 2, 4), floats((2, 2), 22)),
       (0, 1), "complex"),
    Fn("lax.linalg.triangular_solve", lambda m, a, b: lax(m).linalg.triangular_solve(
        a, b, left_side=True, lower=True, transpose_a=True, conjugate_a=True), (WELL_C, TALL_C[:4] * 1j), (0, 1),
       "complex-conjugate"),
    Fn("roots", lambda m, p: m.roots(p, strip_zeros=False) if m is fnp else np.roots(p).astype(complex),
       (np.array([2.0, -3.0, -5.0, 6.0]),), (0,)),
    Fn("linalg.det", lambda m, a: m.linalg.det(a), (STACK,), (0,)),
    Fn("linalg.det", lambda m, a: m.linalg.det(a), (SINGULAR,), (0,), "singular"),
    Fn("linalg.slogdet", lambda m, a: tuple(m.linalg.slogdet(a)), (WELL,), (0,)),
    Fn("linalg.pinv", lambda m, a: m.linalg.pinv(a), (TALL,), (0,)),
    Fn("linalg.pinv", lambda m, a: m.linalg.pinv(a), (np.diag([1.0, 1.0, 2.0]),), (0,), "equal-singular-values"),
    Fn("linalg.pinv", lambda m, a: m.linalg.pinv(a, hermitian=True), (SPD,), (0,), "hermitian"),
    Fn("linalg.lstsq", lambda m, a, b: m.linalg.lstsq(a, b)[0], (TALL, floats(5, 13)), (0, 1)),
    Fn("linalg.lstsq", lambda m, a, b: tuple(m.linalg.lstsq(a, b)[1:]), (TALL, floats((5, 2), 14)), (),
       "residuals-rank-s"),
    Fn("linalg.lstsq", lambda m, a, b: m.linalg.lstsq(a, b)[1], (TALL, floats(5, 13)), (0, 1), "residuals-vector"),
    Fn("linalg.matrix_rank", lambda m, a: m.linalg.matrix_rank(a), (RANK2,)),
    Fn("linalg.matrix_rank", lambda m, a: m.linalg.matrix_rank(a, tol=0.5), (STACK,), note="tol"),
    Fn("linalg.matrix_power", lambda m, a: m.linalg.matrix_power(a, 5), (SQUARE / 4,), (0,)),
    Fn("linalg.matrix_power", lambda m, a: m.linalg.matrix_power(a, -2), (WELL,), (0,), "negative"),
    Fn("linalg.matrix_power", lambda m, a: m.linalg.matrix_power(a, 0), (STACK,), (0,), "zero"),
    Fn("linalg.multi_dot", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), (SQUARE[0], SQUARE, WELL[:, 1]),
       (0, 1, 2)),
    Fn("linalg.cond", lambda m, a: m.linalg.cond(a), (WELL,), (0,)),
    Fn("linalg.cond", lambda m, a: m.linalg.cond(a, 1), (WELL,), (0,), "p1"),
    Fn("linalg.cond", lambda m, a: m.linalg.cond(a, -2), (STACK,), (0,), "p-2"),
    Fn("linalg.tensorinv", lambda m, a: m.linalg.tensorinv(a, ind=1), (WELL.reshape(4, 2, 2),), (0,)),
    Fn("linalg.tensorsolve", lambda m, a, b: m.linalg.tensorsolve(a, b), (WELL.reshape(2, 2, 4), floats((2, 2), 15)),
       (0, 1)),
    *[Fn("linalg.norm", lambda m, a, o=o: m.linalg.norm(a, o), (WELL,), (0,), f"matrix-{o}")
      for o in (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)],
    *[Fn("linalg.norm", lambda m, a, o=o: m.linalg.norm(a, o, axis=1, keepdims=True), (SQUARE,), (0,) if o else (),
         f"vector-{o}") for o in (None, 0, 1, 2, 3, 0.5, np.inf, -np.inf)],
    Fn("linalg.norm", lambda m, a: m.linalg.norm(a, axis=(0, 2)), (STACK,), (0,), "axes02"),
    Fn("linalg.norm", lambda m, a: m.linalg.norm(a, 2, axis=(2, 0), keepdims=True), (STACK,), (0,), "axes20-2"),
    Fn("linalg.norm", lambda m, a: m.linalg.norm(a), (STACK,), (0,), "flat"),
    Fn("linalg.vector_norm", lambda m, a: m.linalg.vector_norm(a, ord=3, axis=(0, 1)), (STACK,), (0,)),
    Fn("linalg.vector_norm", lambda m, a: m.linalg.vector_norm(a, keepdims=True), (STACK,), (0,), "all"),
    Fn("linalg.matrix_norm", lambda m, a: m.linalg.matrix_norm(a, ord="nuc"), (STACK,), (0,)),
    Fn("linalg.diagonal", lambda m, a: m.linalg.diagonal(a, offset=1), (STACK,), (0,)),
    Fn("linalg.trace", lambda m, a: m.linalg.trace(a, offset=-1), (STACK,), (0,)),
    Fn("linalg.cross", lambda m, a, b: m.linalg.cross(a, b), (floats((2, 3), 16), floats((2, 3), 17)), (0, 1)),
    Fn("linalg.outer", lambda m, a, b: m.linalg.outer(a, b), (SQUARE[0], SQUARE[1]), (0, 1)),
    Fn("linalg.matmul", lambda m, a, b: m.linalg.matmul(a, b), (STACK, SPD_STACK), (0, 1)),
    Fn("linalg.tensordot", lambda m, a, b: m.linalg.tensordot(a, b, axes=1), (STACK, WIDE), (0, 1)),
    Fn("linalg.vecdot", lambda m, a, b: m.linalg.vecdot(a, b), (STACK, SPD_STACK), (0, 1)),
    Fn("linalg.matrix_transpose", lambda m, a: m.linalg.matrix_transpose(a), (STACK,), (0,)),
    *[Fn("lax.linalg.triangular_solve", lambda m, a, b, k=k: lax(m).linalg.triangular_solve(
        a, b, left_side=k[0], lower=k[1], transpose_a=k[2], unit_diagonal=k[3]), (WELL, SQUARE[:, :2] if k[0] else SQUARE[:2]),
        (0, 1), "-".join(f"{n}{int(v)}" for n, v in zip(("left", "lower", "trans", "unit"), k)))
      for k in [(True, True, False, False), (False, False, False, False), (True, False, True, True),
                (False, True, True, False)]],
    Fn("lax.linalg.eigh", lambda m, a: lax(m).linalg.eigh(a), (SYMMETRIC,), (0,)),
    Fn("lax.linalg.qr", lambda m, a: lax(m).linalg.qr(a), (WELL,), (0,)),
    Fn("lax.linalg.qr", lambda m, a: lax(m).linalg.qr(a, full_matrices=False), (TALL,), (0,), "reduced"),
    Fn("polyfit", lambda m, x, y: m.polyfit(x, y, 2), (floats(6, 18), floats(6, 19)), (0, 1)),
    Fn("polyfit", lambda m, x, y, w: m.polyfit(x, y, 3, w=w), (floats(6, 18), floats((6, 2), 19), unit(6, 20)),
       (0, 1, 2), "2d-weighted"),
    Fn("polyfit", lambda m, x, y: m.polyfit(x, y, 2, full=True), (floats(6, 18), floats(6, 19)), (), "full"),
    Fn("polyfit", lambda m, x, y: m.polyfit(x, y, 2, cov=True), (floats(6, 18), floats(6, 19)), (0, 1), "cov"),
    Fn("polyfit", lambda m, x, y: m.polyfit(x, y, 1, cov="unscaled"), (floats(5, 21), floats((5, 2), 22)),
       (0, 1), "cov-unscaled"),
    # -- stacking and splitting
    Fn("vstack", lambda m, a, b: m.vstack([a, b]), (A, B), (0, 1)),
    Fn("vstack", lambda m, a, b: m.vstack([a, b]), (V, W), (0, 1), "vectors"),
    Fn("hstack", lambda m, a, b: m.hstack([a, b]), (A, B), (0, 1)),
    Fn("hstack", lambda m, a, b: m.hstack([a, b]), (V, W), (0, 1), "vectors"),
    Fn("dstack", lambda m, a, b: m.dstack([a, b]), (A, B), (0, 1)),
    Fn("column_stack", lambda m, a, b: m.column_stack([a, b]), (V, W), (0, 1)),
    Fn("row_stack", lambda m, a, b: m.vstack([a, b]), (V, W), (0, 1)),
    Fn("atleast_1d", lambda m, a: m.atleast_1d(a), (np.float64(2.0),), (0,), vmap=False),
    Fn("atleast_2d", lambda m, a: m.atleast_2d(a), (V,), (0,)),
    Fn("atleast_3d", lambda m, a: m.atleast_3d(a), (A,), (0,)),
    Fn("atleast_2d", lambda m, a, b: m.atleast_2d(a, b), (V, A), (0, 1), "two"),
    Fn("append", lambda m, a, b: m.append(a, b), (A, V), (0, 1)),
    Fn("append", lambda m, a, b: m.append(a, b, axis=0), (A, B), (0, 1), "axis0"),
    Fn("array_split", lambda m, a: m.array_split(a, 3, axis=1), (A,), (0,)),
    Fn("hsplit", lambda m, a: m.hsplit(a, 2), (A,), (0,)),
    Fn("vsplit", lambda m, a: m.vsplit(a, [1]), (A,), (0,)),
    Fn("dsplit", lambda m, a: m.dsplit(a, 2), (floats((2, 3, 4)),), (0,)),
    # -- elementwise, composed
    Fn("deg2rad", lambda m, a: m.deg2rad(a), (A,), (0,)),
    Fn("rad2deg", lambda m, a: m.rad2deg(a), (A,), (0,)),
    Fn("radians", lambda m, a: m.radians(a), (A,), (0,)),
    Fn("degrees", lambda m, a: m.degrees(a), (A,), (0,)),
    Fn("sinc", lambda m, a: m.sinc(a), (A,), (0,)),
    Fn("i0", lambda m, a: m.i0(a * 5), (A,), (0,), rtol=1e-13),
    Fn("sinc", lambda m, a: m.sinc(a), (np.array([0.0, 1.0, -0.5]),), (0,), "at0"),
    Fn("heaviside", lambda m, a: m.heaviside(a, 0.5), (np.array([-1.0, 0.0, 2.0, np.nan]),)),
    Fn("heaviside", lambda m, a: m.heaviside(a.astype(np.float32), 0.5), (A,), note="f32"),
    Fn("fmax", lambda m, a, b: m.fmax(a, b), (np.array([1.0, np.nan, 2.0, np.nan]),
                                               np.array([np.nan, np.nan, 3.0, 0.5]))),
    Fn("fmax", lambda m, a, b: m.fmax(a, b), (A, B), (0, 1), "smooth"),
    Fn("fmin", lambda m, a, b: m.fmin(a, b), (A, B), (0, 1)),
    Fn("float_power", lambda m, a, b: m.float_power(a, b), (positive((3,)), V[:3]), (0, 1)),
    Fn("float_power", lambda m, a, b: m.float_power(a.astype(np.float32), b), (positive((3,)), V[:3]),
       note="f32"),
    Fn("logaddexp2", lambda m, a, b: m.logaddexp2(a, b), (A, B), (0, 1)),
    Fn("signbit", lambda m, a: m.signbit(a), (np.array([-0.0, 0.0, -2.0, 3.0, -np.inf]),)),
    Fn("isinf", lambda m, a: m.isinf(a), (np.array([np.inf, -np.inf, np.nan, 1.0]),)),
    Fn("isposinf", lambda m, a: m.isposinf(a), (np.array([np.inf, -np.inf, np.nan, 1.0]),)),
    Fn("isneginf", lambda m, a: m.isneginf(a), (np.array([np.inf, -np.inf, np.nan, 1.0]),)),
    Fn("nan_to_num", lambda m, a: m.nan_to_num(a), (np.array([np.nan, np.inf, -np.inf, 1.5]),)),
    Fn("nan_to_num", lambda m, a: m.nan_to_num(a, nan=1.0, posinf=2.0, neginf=-2.0), (A,), (0,), "args"),
    Fn("logical_xor", lambda m, a, b: m.logical_xor(a > 0, b > 0), (A, B)),
    Fn("divmod", lambda m, a, b: m.divmod(a, b), (A, positive((4,))), (0,)),
    Fn("divmod", lambda m, a, b: m.divmod((a * 5).astype(np.int64), 3), (A, B), note="int"),
    Fn("modf", lambda m, a: m.modf(a), (A * 3,), (0,)),
    Fn("frexp", lambda m, a: m.frexp(a), (A * 300,), (0,)),
    Fn("frexp", lambda m, a: m.frexp(a), (np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -3e-310, 1.7e308]),),
       note="special"),
    Fn("frexp", lambda m, a: m.frexp(a), (np.array([0.0, 1e-40, -3.5, 3e38], np.float32),), note="float32"),
    Fn("nextafter", lambda m, a, b: m.nextafter(a, b), (A, B), (0, 1)),
    Fn("nextafter", lambda m, a, b: m.nextafter(a, b), (np.array([0.0, 0.0, -0.0, 1.0, np.nan, np.inf, -np.inf, 2.0]),
                                                       np.array([1.0, -1.0, 0.0, 1.0, 1.0, 0.0, 0.0, np.inf])),
       note="special"),
    Fn("nextafter", lambda m, a, b: m.nextafter(a, b), (A.astype(np.float32), np.float32(0.5)), note="float32"),
    Fn("spacing", lambda m, a: m.spacing(a), (A * 1e5,), (0,)),
    Fn("spacing", lambda m, a: m.spacing(a), (np.array([0.0, -0.0, np.inf, np.nan, -1e-320, 1.7e308]),), note="special"),
    Fn("lax.bitcast_convert_type", lambda m, a: (funcdl.lax.bitcast_convert_type(a, np.int32) if m is fnp
                                                 else a.view(np.int32).reshape(3, 4, 2)), (A,)),
    Fn("lax.nextafter", lambda m, a, b: funcdl.lax.nextafter(a, b) if m is fnp else np.nextafter(a, b), (A, B), (0, 1)),
    Fn("modf", lambda m, a: m.modf(a), (np.array([np.inf, -np.inf, -2.5, 0.25]),), note="inf"),
    Fn("ldexp", lambda m, a: m.ldexp(a, np.array([1, -2, 3, 0])), (A,), (0,)),
    Fn("fmod", lambda m, a, b: m.fmod((a * 5).astype(np.int64), (b * 3 + 7).astype(np.int64)), (A, B),
       note="int"),
    Fn("fabs", lambda m, a: m.fabs(a), (floats((3, 4), 9),), (0,)),
    Fn("rint", lambda m, a: m.rint(a), (np.array([0.5, 1.5, -2.5, 3.2]),)),
    Fn("trunc", lambda m, a: m.trunc(a), (A * 3,)),
    # -- scipy.special
    Fn("special.logsumexp", lambda m, a: sp(m).special.logsumexp(a), (A,), (0,)),
    Fn("special.logsumexp", lambda m, a: sp(m).special.logsumexp(a, axis=1, keepdims=True), (A,), (0,), "axis"),
    Fn("special.logsumexp", lambda m, a, b: sp(m).special.logsumexp(a, axis=0, b=b), (A, positive((3, 4))),
       (0, 1), "b"),
    Fn("special.logsumexp", lambda m, a, b: sp(m).special.logsumexp(a, axis=1, b=b, return_sign=True),
       (A, B), (0,), "sign"),
    Fn("special.logsumexp", lambda m, a: sp(m).special.logsumexp(a, b=np.array([0.0, 1.0, 2.0])),
       (np.array([np.inf, 1.0, 2.0]),), note="b0_inf"),
    Fn("special.expit", lambda m, a: sp(m).special.expit(a * 10), (A,), (0,)),
    Fn("special.logit", lambda m, a: sp(m).special.logit(a), (floats((3, 4), 6, 0.05, 0.95),), (0,)),
    Fn("special.xlogy", lambda m, a, b: sp(m).special.xlogy(a, b), (A, positive((4,))), (0, 1)),
    Fn("special.xlogy", lambda m, a, b: sp(m).special.xlogy(a, b), (np.array([0.0, 0.0, 2.0]),
                                                                    np.array([0.0, 3.0, 0.5])), note="zeros"),
    Fn("special.xlog1py", lambda m, a, b: sp(m).special.xlog1py(a, b), (A, positive((4,))), (0, 1)),
    Fn("special.entr", lambda m, a: sp(m).special.entr(a), (positive((3, 4)),), (0,)),
    Fn("special.entr", lambda m, a: sp(m).special.entr(a), (np.array([0.0, -1.0, 2.0]),), note="edges"),
    Fn("special.erfc", lambda m, a: sp(m).special.erfc(a * 3), (A,), (0,), rtol=1e-10),
    Fn("special.ndtr", lambda m, a: sp(m).special.ndtr(a * 5), (A,), (0,), rtol=1e-10),
    Fn("special.ndtri", lambda m, a: sp(m).special.ndtri(a), (floats((3, 4), 7, 0.01, 0.99),), (0,),
       rtol=1e-10),
    Fn("special.log_ndtr", lambda m, a: sp(m).special.log_ndtr(a),
       (np.array([-45.0, -30.0, -20.5, -19.5, -8.0, -1.0, 0.5, 4.0, 12.0]),), (0,), rtol=1e-14),
    Fn("special.log_ndtr", lambda m, a: sp(m).special.log_ndtr(a.astype(np.float32)).astype(np.float64),
       (np.array([-45.0, -15.0, -10.5, -9.5, -3.0, 0.5, 4.0]),), note="f32", rtol=3e-7),
    Fn("special.softmax", lambda m, a: sp(m).special.softmax(a, axis=1), (A,), (0,)),
    Fn("special.log_softmax", lambda m, a: sp(m).special.log_softmax(a, axis=0), (A,), (0,)),
    Fn("special.gammaln", lambda m, a: sp(m).special.gammaln(a * 3 + 0.01), (A,), (0,), rtol=1e-11),
    Fn("special.loggamma", lambda m, a: sp(m).special.loggamma(a), (positive((3, 4)),), (0,), rtol=1e-11),
    Fn("special.digamma", lambda m, a: sp(m).special.digamma(a), (positive((3, 4)) - 0.3,), (0,), rtol=1e-11),
    Fn("special.digamma", lambda m, a: sp(m).special.digamma(a * 3 + 0.01), (A,), note="negative", rtol=1e-9),
    Fn("special.polygamma", lambda m, x: sp(m).special.polygamma(np.array([0.0, 1.0, 2.0, 3.0]), x),
       (positive((3, 4)) - 0.2,), (0,), rtol=1e-11),
    Fn("special.zeta", lambda m, x, q: sp(m).special.zeta(x, q), (positive((3, 4)) + 1.0, positive((4,), 5)),
       (1,), rtol=1e-12),
    Fn("special.zeta", lambda m, x: sp(m).special.zeta(x), (positive((4,)) + 1.0,), note="riemann", rtol=1e-12),
    Fn("special.gammainc", lambda m, a, x: sp(m).special.gammainc(a, x), (positive((3, 4)), positive((4,), 6) * 2),
       (1,), rtol=1e-11),
    Fn("special.gammaincc", lambda m, a, x: sp(m).special.gammaincc(a, x), (positive((3, 4)), positive((4,), 6) * 2),
       (1,), rtol=1e-11),
    Fn("special.betainc", lambda m, a, b, x: sp(m).special.betainc(a, b, x),
       (positive((3, 4)), positive((4,), 7) * 4, floats((3, 1), 8, 0.02, 0.98)), (2,), rtol=1e-11),
    Fn("lax.betainc", lambda m, a, b, x: (funcdl.lax.betainc(a, b, x) if m is fnp else scipy.special.betainc(a, b, x)),
       (positive((4,)), np.float64(0.5), floats((4,), 9, 0.0, 1.0)), (2,), rtol=1e-11),
    Fn("special.gamma", lambda m, a: sp(m).special.gamma(a * 3 + 0.01), (A,), (0,), rtol=1e-11),
    Fn("special.gammasgn", lambda m, a: sp(m).special.gammasgn(a * 3 + 0.01), (A,)),
    Fn("special.beta", lambda m, a, b: sp(m).special.beta(a, b), (positive((3, 4)), positive((4,), 7)), (0, 1),
       rtol=1e-11),
    Fn("special.betaln", lambda m, a, b: sp(m).special.betaln(a, b), (positive((3, 4)), positive((4,), 7)),
       (0, 1), rtol=1e-11),
    Fn("special.multigammaln", lambda m, a: sp(m).special.multigammaln(a, 3), (positive((4,)) + 1.0,), (0,),
       rtol=1e-11),
    Fn("special.factorial", lambda m, n: sp(m).special.factorial(n), (np.array([0.0, 1.0, 2.0, 5.0, -1.0]),),
       rtol=1e-11),
    Fn("special.poch", lambda m, z, k: sp(m).special.poch(z, k), (positive((3, 4)), positive((4,), 8)), (0, 1),
       rtol=1e-11),
    *[Fn(f"special.{name}", lambda m, a, name=name: getattr(sp(m).special, name)(a * 12), (A,), (0,), rtol=1e-13)
      for name in ("i0e", "i1e", "i0", "i1")],
    Fn("special.i1e", lambda m, a: sp(m).special.i1e(a), (np.array([0.0, -1e-8, 25.0, -40.0]),), (0,),
       "edges", rtol=1e-13),
    Fn("special.kl_div", lambda m, p, q: sp(m).special.kl_div(p, q), (positive((3, 4)), positive((4,), 9)), (0, 1)),
    Fn("special.kl_div", lambda m, p, q: sp(m).special.kl_div(p, q), (np.array([0.0, 0.0, 1.0, -1.0]),
                                                                      np.array([2.0, -1.0, 0.0, 1.0])), note="edges"),
    Fn("special.rel_entr", lambda m, p, q: sp(m).special.rel_entr(p, q), (positive((3, 4)), positive((4,), 9)),
       (0, 1)),
    Fn("special.rel_entr", lambda m, p, q: sp(m).special.rel_entr(p, q), (np.array([0.0, 0.0, 1.0, -1.0]),
                                                                          np.array([2.0, -1.0, 0.0, 1.0])),
       note="edges"),
    # -- scipy.stats
    *[Fn(f"stats.{dist}.{fn}", lambda m, x, loc, scale, dist=dist, fn=fn:
         getattr(getattr(sp(m).stats, dist), fn)(x, loc, scale), (x, V[:3], positive((3,))),
         (0, 1, 2), rtol=1e-10)
      for dist, fns, x in [("norm", ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"), A[:, :3] * 3),
                           ("logistic", ("logpdf", "pdf", "cdf", "sf"), A[:, :3] * 5),
                           ("laplace", ("logpdf", "pdf", "cdf"), A[:, :3] + 0.01),
                           ("cauchy", ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"), A[:, :3] * 3),
                           ("expon", ("logpdf", "pdf", "cdf", "sf", "logcdf", "logsf"), positive((3, 3)) + 2.0)]
      for fn in fns],
    *[Fn(f"stats.{dist}.{fn}", lambda m, q, loc, scale, dist=dist, fn=fn:
         getattr(getattr(sp(m).stats, dist), fn)(q, loc, scale),
         (floats((3, 3), 8, 0.05, 0.95), V[:3], positive((3,))), (0, 1, 2), rtol=1e-10)
      for dist, fns in [("norm", ("ppf", "isf")), ("logistic", ("ppf", "isf")), ("cauchy", ("ppf", "isf")),
                        ("expon", ("ppf",)), ("uniform", ("ppf",))]
      for fn in fns],
    Fn("stats.uniform.logpdf", lambda m, x: sp(m).stats.uniform.logpdf(x, -1.0, 2.5), (A,)),
    Fn("stats.uniform.logpdf", lambda m, x, s: sp(m).stats.uniform.logpdf(x, -1.0, s), (A * 0.2, positive((4,)) + 2),
       (0, 1), "inside"),
    Fn("stats.uniform.pdf", lambda m, x: sp(m).stats.uniform.pdf(x, -1.0, 2.5), (A,)),
    Fn("stats.uniform.cdf", lambda m, x: sp(m).stats.uniform.cdf(x, -1.0, 2.5), (A,)),
    Fn("stats.uniform.ppf", lambda m, q: sp(m).stats.uniform.ppf(q, 1.0, 2.0), (np.array([-0.5, 0.0, 0.3, 1.0, 1.5]),),
       note="outside"),
    Fn("stats.bernoulli.logpmf", lambda m, p: sp(m).stats.bernoulli.logpmf(np.array([0, 1, 2, -1]), p),
       (np.array([0.3]),)),
    Fn("stats.bernoulli.logpmf", lambda m, p: sp(m).stats.bernoulli.logpmf(np.array([0, 1, 1]), p),
       (np.array([0.3]),), (0,), "support"),
    Fn("stats.bernoulli.pmf", lambda m, p: sp(m).stats.bernoulli.pmf(np.array([0, 1, 2]), p), (np.array([0.3]),), (0,)),
    Fn("stats.bernoulli.cdf", lambda m, p: sp(m).stats.bernoulli.cdf(np.array([-1, 0, 0.5, 1, 3]), p),
       (np.array([0.3]),), (0,)),
    Fn("stats.bernoulli.ppf", lambda m, q: sp(m).stats.bernoulli.ppf(q, 0.3), (np.array([0.1, 0.7, 0.71, 1.0]),)),
    Fn("stats.geom.logpmf", lambda m, p: sp(m).stats.geom.logpmf(np.array([1, 2, 5, 0, 1.5]), p), (np.array([0.3]),)),
    Fn("stats.geom.logpmf", lambda m, p: sp(m).stats.geom.logpmf(np.array([1, 2, 5]), p), (np.array([0.3]),), (0,),
       "support"),
    Fn("stats.geom.pmf", lambda m, p: sp(m).stats.geom.pmf(np.array([1, 2, 5]), p), (np.array([0.3]),), (0,)),
    *[Fn(f"stats.{dist}.{fn}", lambda m, x, a, loc, scale, dist=dist, fn=fn:
         getattr(getattr(sp(m).stats, dist), fn)(x, a, loc, scale),
         (positive((3, 3)) + 2.0, positive((3,), 4) + 0.5, V[:3], positive((3,), 5)), diff, rtol=1e-10)
      for dist, fns in [("gamma", ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")),
                        ("chi2", ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")), ("t", ("logpdf", "pdf"))]
      for fn in fns
      for diff in [(0, 1, 2, 3) if "pdf" in fn else (0, 2, 3)]],  # no derivative in the shape of a cdf
    Fn("stats.gamma.logpdf", lambda m, x: sp(m).stats.gamma.logpdf(x, 2.0), (A,), note="support"),
    *[Fn(f"stats.beta.{fn}", lambda m, x, a, b, fn=fn: getattr(sp(m).stats.beta, fn)(x, a, b),
         (floats((3, 3), 8, 0.05, 0.95), positive((3,), 4), positive((3,), 5)), (0, 1, 2), rtol=1e-10)
      for fn in ("logpdf", "pdf")],
    Fn("stats.beta.logpdf", lambda m, x: sp(m).stats.beta.logpdf(x, 2.0, 3.0, -1.0, 2.0), (A,), note="support"),
    *[Fn(f"stats.beta.{fn}", lambda m, x, a, b, fn=fn: getattr(sp(m).stats.beta, fn)(x, a, b, -0.5, 2.0),
         (floats((3, 3), 8, -0.4, 1.4), positive((3,), 4), positive((3,), 5)), (0,), rtol=1e-10)
      for fn in ("cdf", "logcdf", "sf", "logsf")],
    Fn("stats.beta.cdf", lambda m, x: sp(m).stats.beta.cdf(x, 2.0, 3.0), (A,), note="support"),
    *[Fn(f"stats.pareto.{fn}", lambda m, x, b, fn=fn: getattr(sp(m).stats.pareto, fn)(x, b, 0.5, 1.5),
         (positive((3, 3)) + 1.5, positive((3,), 4)), (0, 1), rtol=1e-11)
      for fn in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")],
    Fn("stats.pareto.ppf", lambda m, q, b: sp(m).stats.pareto.ppf(q, b, 0.5, 1.5),
       (floats((3, 3), 8, 0.05, 0.95), positive((3,), 4)), (0, 1), rtol=1e-11),
    Fn("stats.pareto.cdf", lambda m, x: sp(m).stats.pareto.cdf(x, 3.0), (A,), note="support"),
    Fn("stats.pareto.logpdf", lambda m, x: sp(m).stats.pareto.logpdf(x, 3.0), (A,), note="support"),
    *[Fn(f"stats.poisson.{fn}", lambda m, mu, fn=fn: getattr(sp(m).stats.poisson, fn)(
        np.array([0.0, 1.0, 3.0, 7.0, 2.0, 4.0]), mu), (positive((6,)) * 2,), (0,), rtol=1e-10)
      for fn in ("logpmf", "pmf", "cdf")],
    *[Fn(f"stats.poisson.{fn}", lambda m, mu, fn=fn: getattr(sp(m).stats.poisson, fn)(
        np.array([0.0, -1.0, 2.5, 3.0]), mu), (positive((4,)) * 2,), note="support", rtol=1e-10)
      for fn in ("logpmf", "cdf")],
    *[Fn(f"stats.{dist}.{fn}", lambda m, p, dist=dist, fn=fn: getattr(getattr(sp(m).stats, dist), fn)(
        np.array([0.0, 1.0, 3.0, 5.0, 2.0, 4.0]), 5.0, p), (floats((6,), 9, 0.1, 0.9),), (0,), rtol=1e-10)
      for dist in ("binom", "nbinom") for fn in ("logpmf", "pmf")],
    *[Fn(f"stats.{dist}.logpmf", lambda m, p, dist=dist: getattr(sp(m).stats, dist).logpmf(
        np.array([-1.0, 6.0, 2.5, 1.0]), 5.0, p), (floats((4,), 9, 0.1, 0.9),), note="support", rtol=1e-10)
      for dist in ("binom", "nbinom")],
    *[Fn(f"stats.dirichlet.{fn}", lambda m, alpha, fn=fn: getattr(sp(m).stats.dirichlet, fn)(
        np.array([[0.2, 0.5], [0.3, 0.25], [0.5, 0.25]]), alpha), (positive((3,)),), (0,), vmap=False, rtol=1e-10)
      for fn in ("logpdf", "pdf")],
    *[Fn(f"stats.multivariate_normal.{fn}", lambda m, x, mean, fn=fn: getattr(sp(m).stats.multivariate_normal, fn)(
        x, mean, np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.5]])),
        (floats((4, 3), 10), floats((3,), 11)), (0, 1), rtol=1e-10) for fn in ("logpdf", "pdf")],
    Fn("stats.multivariate_normal.logpdf", lambda m, x, c: sp(m).stats.multivariate_normal.logpdf(
        x, np.zeros(2), c @ c.T + np.eye(2)), (floats((5, 2), 12), floats((2, 2), 13)), (0, 1), "cov",
       vmap=False, rtol=1e-10),
    *[Fn(f"stats.{dist}.{fn}", lambda m, x, loc, scale, dist=dist, fn=fn:
         getattr(getattr(sp(m).stats, dist), fn)(x, loc, scale), (A[:, :3] * 2, V[:3], positive((3,))),
         (0, 1, 2), rtol=1e-10)
      for dist in ("gumbel_r", "gumbel_l") for fn in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")],
    *[Fn(f"stats.{dist}.ppf", lambda m, q, loc, scale, dist=dist: getattr(sp(m).stats, dist).ppf(q, loc, scale),
         (floats((3, 3), 8, 0.05, 0.95), V[:3], positive((3,))), (0, 1, 2), rtol=1e-10)
      for dist in ("gumbel_r", "gumbel_l")],
    *[Fn(f"stats.gennorm.{fn}", lambda m, x, beta, fn=fn: getattr(sp(m).stats.gennorm, fn)(x, beta),
         (A[:, :3] * 2 + 0.01, positive((3,), 4)), (0, 1) if fn != "cdf" else (0,), rtol=1e-10)
      for fn in ("logpdf", "pdf", "cdf")],
    *[Fn(f"stats.truncnorm.{fn}", lambda m, x, a, b, fn=fn: getattr(sp(m).stats.truncnorm, fn)(x, a, b, 0.5, 1.5),
         (floats((3, 3), 9, -1.0, 2.0), np.array([-1.5, -1.2, -3.0]), np.array([2.5, 2.0, 1.5])), (0, 1, 2),
         rtol=1e-9)
      for fn in ("logpdf", "pdf", "logcdf", "cdf", "logsf", "sf")],
    Fn("stats.truncnorm.logpdf", lambda m, x: sp(m).stats.truncnorm.logpdf(x, 6.0, 9.0),
       (np.array([6.5, 7.0, 8.9, 5.0]),), note="far_tail", rtol=1e-9),
    *[Fn(f"stats.truncnorm.{fn}", lambda m, x, fn=fn: getattr(sp(m).stats.truncnorm, fn)(x, -1.0, 0.5),
         (np.array([-2.0, -1.0, 0.0, 0.5, 1.0]),), note="support", rtol=1e-9)
      for fn in ("logpdf", "logcdf", "logsf")],
    Fn("stats.multinomial.logpmf", lambda m: sp(m).stats.multinomial.logpmf(
        np.array([[2.0, 2.0, 1.0], [-1.0, 4.0, 3.0], [1.5, 1.5, 3.0]]), 6.0, np.array([0.2, 0.3, 0.5])), (),
       note="support", vmap=False),
    *[Fn(f"stats.betabinom.{fn}", lambda m, a, b, fn=fn: getattr(sp(m).stats.betabinom, fn)(
        np.array([0.0, 1.0, 3.0, 5.0, 2.0]), 5.0, a, b), (positive((5,)), positive((5,), 3)), (0, 1), rtol=1e-10)
      for fn in ("logpmf", "pmf")],
    Fn("stats.betabinom.logpmf", lambda m, a: sp(m).stats.betabinom.logpmf(np.array([-1.0, 6.0, 2.5, 1.0]), 5.0, a, 2.0),
       (positive((4,)),), note="support", rtol=1e-10),
    *[Fn(f"stats.multinomial.{fn}", lambda m, p, fn=fn: getattr(sp(m).stats.multinomial, fn)(
        np.array([[1.0, 2.0, 3.0], [0.0, 6.0, 0.0], [2.0, 2.0, 2.0]]), 6.0, p / p.sum()), (positive((3,)),), (0,),
        vmap=False, rtol=1e-10) for fn in ("logpmf", "pmf")],
    *[Fn(f"stats.vonmises.{fn}", lambda m, x, kappa, fn=fn: getattr(sp(m).stats.vonmises, fn)(x, kappa),
         (floats((3, 3), 10, -3.0, 3.0), positive((3,), 5) * 3), (0, 1), rtol=1e-10) for fn in ("logpdf", "pdf")],
    *[Fn(f"stats.wrapcauchy.{fn}", lambda m, x, c, fn=fn: getattr(sp(m).stats.wrapcauchy, fn)(x, c),
         (floats((3, 3), 11, 0.1, 6.0), floats((3,), 12, 0.1, 0.9)), (0, 1), rtol=1e-10) for fn in ("logpdf", "pdf")],
    # -- lax
    Fn("lax.conv_general_dilated", lambda m, x, w: lax(m).conv_general_dilated(
        x, w, (1, 2), ((1, 1), (0, 1)), dimension_numbers=("NHWC", "HWIO", "NHWC")),
       (floats((2, 5, 6, 3), 10), floats((3, 2, 3, 4), 11)), (0, 1), "nhwc"),
    Fn("lax.conv_general_dilated", lambda m, x, w: lax(m).conv_general_dilated(
        x, w, (1, 1), ((2, 2), (1, 1)), lhs_dilation=(2, 2), dimension_numbers=("NCHW", "OIHW", "NCHW")),
       (floats((1, 2, 3, 3), 12), floats((3, 2, 3, 2), 13)), (0, 1), "transposed"),
    Fn("lax.conv_general_dilated", lambda m, x, w: lax(m).conv_general_dilated(
        x, w, (1, 1), ((0, 0), (0, 0)), rhs_dilation=(2, 1), dimension_numbers=("NHWC", "OIHW", "NCHW")),
       (floats((2, 6, 4, 2), 14), floats((3, 2, 2, 2), 15)), (0, 1), "rhs_dilated"),
    Fn("lax.conv_general_dilated", lambda m, x, w: (
        funcdl.lax.conv_general_dilated(x, w, (2,), ((1, 1),), (1,), (2,), ("NHC", "HIO", "NHC")) if m is fnp else
        NumpyLax.conv_general_dilated(x[:, :, None], w[:, None], (2, 1), ((1, 1), (0, 0)), rhs_dilation=(2, 1),
                                      dimension_numbers=("NHWC", "HWIO", "NHWC"))[:, :, 0]),
       (floats((2, 7, 3), 17), floats((3, 3, 4), 18)), (0, 1), "1d"),
    # conv_transpose: the input dilated by the strides, padded by JAX's rule (SAME, k=3, s=2: (2, 1);
    # VALID, k=3, s=2: (2, 2); k=2, s=3: (1, 2)), then convolved
    Fn("lax.conv_transpose", lambda m, x, w: (
        funcdl.lax.conv_transpose(x, w, (2, 2), "SAME") if m is fnp else
        NumpyLax.conv_general_dilated(x, w, (1, 1), ((2, 1), (2, 1)), lhs_dilation=(2, 2),
                                      dimension_numbers=("NHWC", "HWIO", "NHWC"))),
       (floats((1, 3, 3, 2), 19), floats((3, 3, 2, 3), 20)), (0, 1), "same"),
    Fn("lax.conv_transpose", lambda m, x, w: (
        funcdl.lax.conv_transpose(x, w, (2, 3), "VALID", dimension_numbers=("NCHW", "OIHW", "NCHW"),
                                  transpose_kernel=True) if m is fnp else
        NumpyLax.conv_general_dilated(x, np.swapaxes(w[:, :, ::-1, ::-1], 0, 1), (1, 1), ((2, 2), (1, 2)),
                                      lhs_dilation=(2, 3))),
       (floats((1, 2, 3, 3), 21), floats((2, 4, 3, 2), 22)), (0, 1), "valid-transpose_kernel"),
    Fn("lax.conv_general_dilated_patches", lambda m, x: (
        funcdl.lax.conv_general_dilated_patches(x, (2, 3), (1, 2), "VALID") if m is fnp else _patches(x, (2, 3), (1, 2))),
       (floats((2, 2, 4, 7), 23),), (0,)),
    Fn("lax.conv_with_general_padding", lambda m, x, w: (
        funcdl.lax.conv_with_general_padding(x, w, (1, 1), ((1, 0), (2, 1)), (2, 1), (1, 2)) if m is fnp else
        NumpyLax.conv_general_dilated(x, w, (1, 1), ((1, 0), (2, 1)), (2, 1), (1, 2))),
       (floats((1, 3, 4, 3), 24), floats((2, 3, 2, 2), 25)), (0, 1)),
    Fn("lax.reduce_window", lambda m, x: lax(m).reduce_window(
        x, -np.inf, m.maximum if m is fnp else np.max, (2, 2), (1, 2), ((0, 1), (1, 0))),
       (distinct((4, 5)),), (0,), "max"),
    Fn("lax.reduce_window", lambda m, x: lax(m).reduce_window(
        x, 0.0, fnp.add if m is fnp else np.sum, (1, 2, 3), (1, 1, 2), ((0, 0), (1, 1), (0, 0))),
       (floats((2, 3, 7), 16),), (0,), "add"),
    # -- matrices and products
    Fn("diagonal", lambda m, a: m.diagonal(a), (SQUARE,), (0,)),
    Fn("diagonal", lambda m, a: m.diagonal(a, -1, 2, 0), (floats((3, 2, 4), 17),), (0,), "axes"),
    Fn("diagonal", lambda m, a: m.diagonal(a, 5), (SQUARE,), note="empty"),
    Fn("trace", lambda m, a: m.trace(a, 1), (A,), (0,)),
    Fn("diag", lambda m, v: m.diag(v, -1), (V,), (0,)),
    Fn("diag", lambda m, a: m.diag(a, 1), (A,), (0,), "2d"),
    Fn("diagflat", lambda m, a: m.diagflat(a), (A[:2, :2],), (0,)),
    Fn("tril", lambda m, a: m.tril(a, -1), (A,), (0,)),
    Fn("triu", lambda m, a: m.triu(a, 1), (floats((2, 3, 4), 18),), (0,)),
    Fn("tri", lambda m: m.tri(3, 4, 1), (), vmap=False),
    Fn("identity", lambda m: m.identity(3, dtype=np.int32), (), vmap=False),
    Fn("vdot", lambda m, a, b: m.vdot(a, b), (A, B), (0, 1)),
    Fn("inner", lambda m, a, b: m.inner(a, b), (A, B), (0, 1)),
    Fn("inner", lambda m, a, b: m.inner(a, b), (A, np.float64(2.0)), (0, 1), "scalar", vmap=False),
    Fn("kron", lambda m, a, b: m.kron(a, b), (A[:2, :3], B[:3, :2]), (0, 1)),
    Fn("kron", lambda m, a, b: m.kron(a, b), (V, A), (0, 1), "ranks"),
    Fn("cross", lambda m, a, b: m.cross(a, b), (A[:, :3], B[:, :3]), (0, 1)),
    Fn("cross", lambda m, a, b: m.cross(a, b, axis=0), (A[:3, :2], B[:3, :2]), (0, 1), "axis0"),
    Fn("cross", lambda m, a, b: m.cross(a, b), (A[:, :2], B[:, :2]), (0, 1), "2d"),
    Fn("matrix_transpose", lambda m, a: m.matrix_transpose(a), (floats((2, 3, 4), 19),), (0,)),
    Fn("matvec", lambda m, a, v: m.matvec(a, v), (A, V), (0, 1)),
    Fn("vecmat", lambda m, v, a: m.vecmat(v, a), (V[:3], A), (0, 1)),
    Fn("vecdot", lambda m, a, b: m.vecdot(a, b), (A, B), (0, 1)),
    # -- predicates
    Fn("isclose", lambda m, a, b: m.isclose(a, b), (np.array([1.0, np.inf, np.nan, 1.0, -np.inf]),
                                                     np.array([1.0 + 1e-9, np.inf, np.nan, 1.1, np.inf]))),
    Fn("isclose", lambda m, a, b: m.isclose(a, b, equal_nan=True), (np.array([np.nan, 1.0]),
                                                                      np.array([np.nan, 2.0])), note="nan"),
    Fn("isclose", lambda m, a, b: m.isclose(a, b, rtol=0.1, atol=0.0), (A, A * 1.05), note="rtol"),
    Fn("allclose", lambda m, a, b: m.allclose(a, b), (A, A + 1e-10)),
    Fn("allclose", lambda m, a, b: m.allclose(a, b), (A, B), note="false"),
    Fn("array_equal", lambda m, a, b: m.array_equal(a, b), (A, A.copy())),
    Fn("array_equal", lambda m, a: m.array_equal(a, a[:2]), (A,), note="shapes", vmap=False),
    Fn("array_equal", lambda m, a: m.array_equal(a, a, equal_nan=True), (np.array([np.nan, 1.0]),), note="nan"),
    Fn("array_equiv", lambda m, a, b: m.array_equiv(a, b), (V, np.stack([V, V]))),
    Fn("ndim", lambda m, a: np.int64(m.ndim(a)), (A,), vmap=False),
    Fn("shape", lambda m, a: np.array(m.shape(a)), (A,), vmap=False),
    Fn("size", lambda m, a: np.int64(m.size(a, 1)), (A,), vmap=False),
    Fn("isscalar", lambda m, a: np.bool_(m.isscalar(a)), (np.float64(1.0),), vmap=False),
    Fn("iscomplexobj", lambda m, a: np.bool_(m.iscomplexobj(a)), (A,), vmap=False),
    Fn("isrealobj", lambda m, a: np.bool_(m.isrealobj(a)), (A,), vmap=False),
    Fn("isdtype", lambda m, a: np.bool_(m.isdtype(a.dtype, "real floating")), (A,), vmap=False),
    Fn("issubdtype", lambda m, a: np.bool_(m.issubdtype(a.dtype, np.floating)), (A,), vmap=False),
    Fn("promote_types", lambda m, a: np.bool_(m.promote_types(a.dtype, np.int32) == np.float64), (A,),
       vmap=False),
    Fn("can_cast", lambda m, a: np.bool_(m.can_cast(a.dtype, np.float32)), (A,), vmap=False),
    Fn("finfo", lambda m, a: np.float64(m.finfo(a.dtype).eps), (A,), vmap=False),
    Fn("iinfo", lambda m: np.int64(m.iinfo(np.int8).max), (), vmap=False),
    # -- sorting and order statistics
    Fn("sort", lambda m, a: m.sort(a), (distinct((3, 4)),), (0,)),
    Fn("sort", lambda m, a: m.sort(a, axis=0), (distinct((3, 4)),), (0,), "axis0"),
    Fn("sort", lambda m, a: m.sort(a, axis=None), (distinct((3, 4)),), (0,), "flat"),
    Fn("sort_complex", lambda m, a: m.sort_complex(a), (distinct((3, 4)) + 1j * B,), (0,)),
    Fn("sort_complex", lambda m, a: m.sort_complex(a), (np.round(Z) + 0.1j * np.arange(12).reshape(3, 4),),
       note="real-ties"),
    Fn("sort_complex", lambda m, a: m.sort_complex(a), (I1.astype(np.int16),), note="int16"),
    Fn("sign", lambda m, a: m.sign(a), (np.concatenate([Z[0], [0j]]),), note="complex"),
    Fn("sign", lambda m, a: m.sign(a), (Z,), (0,), "complex"),
    Fn("sort", lambda m, a: m.sort(a), (np.array([2.0, np.nan, -1.0, 2.0]),), note="nan"),
    Fn("argsort", lambda m, a: m.argsort(a), (np.array([[3, 1, 2, 1], [0, 0, 5, 4]]),), note="ties"),
    Fn("argsort", lambda m, a: m.argsort(a, axis=0), (distinct((3, 4)),), note="axis0"),
    Fn("argsort", lambda m, a: np.argsort(-a, kind="stable") if m is np else m.argsort(a, descending=True),
       (np.array([3, 1, 3, 2]),), note="descending"),
    Fn("quantile", lambda m, a: m.quantile(a, 0.3), (distinct((3, 4)),), (0,)),
    Fn("quantile", lambda m, a: m.quantile(a, np.array([0.0, 0.25, 1.0]), axis=1), (distinct((3, 4)),), (0,),
       "q_array"),
    Fn("quantile", lambda m, a: m.quantile(a, 0.4, axis=0, keepdims=True), (distinct((3, 4)),), (0,), "keepdims"),
    *[Fn("quantile", lambda m, a, method=method: m.quantile(a, np.array([0.3, 0.5, 0.75]), axis=1, method=method),
         (distinct((3, 5)),), (0,), method) for method in ("lower", "higher", "midpoint", "nearest")],
    Fn("quantile", lambda m, a: m.quantile(a, 0.5), (np.array([1.0, np.nan, 3.0]),), note="nan"),
    Fn("percentile", lambda m, a: m.percentile(a, 80, axis=(0, 1)), (distinct((2, 3, 4)),), (0,)),
    Fn("median", lambda m, a: m.median(a, axis=1), (distinct((3, 4)),), (0,)),
    Fn("median", lambda m, a: m.median(a), (distinct((5,)),), (0,), "odd"),
    Fn("searchsorted", lambda m, a, v: m.searchsorted(a, v), (np.array([1.0, 2.0, 2.0, 3.0]), np.array([0.5, 2.0, 4.0])),
       vmap=False),
    Fn("searchsorted", lambda m, v: m.searchsorted(np.array([1, 2, 2, 3]), v, side="right"), (np.array([[2, 5], [1, 0]]),),
       note="right"),
    Fn("digitize", lambda m, x: m.digitize(x, np.array([1.0, 2.0, 3.0])), (A * 2,)),
    Fn("digitize", lambda m, x: m.digitize(x, np.array([3.0, 2.0, 1.0]), right=True), (np.array([0.5, 2.0, 3.0, 4.0]),),
       note="decreasing"),
    # -- reductions ignoring nan
    *[Fn(name, lambda m, a, name=name: getattr(m, name)(a, axis=1), (np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, 5.0]]),))
      for name in ("nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanargmax", "nanargmin",
                   "nancumsum", "nancumprod")],
    *[Fn(name, lambda m, a, name=name: getattr(m, name)(a), (A,), (0,), "smooth")
      for name in ("nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nancumsum", "nancumprod")],
    Fn("nanmax", lambda m, a: m.nanmax(a, axis=0), (np.array([[np.nan, 1.0], [np.nan, 2.0]]),), note="all_nan"),
    Fn("cumprod", lambda m, a: m.cumprod(a, axis=1), (A,), (0,)),
    Fn("cumprod", lambda m, a: m.cumprod(a), (np.array([[1, 2], [3, 4]]),), note="int"),
    Fn("cumulative_sum", lambda m, a: m.cumulative_sum(a, axis=1, include_initial=True), (A,), (0,)),
    Fn("cumulative_prod", lambda m, a: m.cumulative_prod(a, include_initial=True), (V,), (0,)),
    # -- differences, averages and moments
    Fn("diff", lambda m, a: m.diff(a), (A,), (0,)),
    Fn("diff", lambda m, a: m.diff(a, n=2, axis=0, prepend=0.5, append=a[:1]), (A,), (0,), "edges"),
    Fn("ediff1d", lambda m, a: m.ediff1d(a, to_begin=np.array([1.0, 2.0]), to_end=3.0), (A,), (0,)),
    Fn("average", lambda m, a: m.average(a, axis=1), (A,), (0,)),
    Fn("average", lambda m, a, w: m.average(a, axis=1, weights=w), (A, positive((4,))), (0, 1), "weights"),
    Fn("average", lambda m, a, w: m.average(a, weights=w, returned=True), (A, positive((3, 4))), (0, 1), "returned"),
    Fn("average", lambda m, a: m.average(a, axis=0, returned=True), (A,), (0,), "count"),
    Fn("ptp", lambda m, a: m.ptp(a, axis=1), (distinct((3, 4)),), (0,)),
    Fn("count_nonzero", lambda m, a: m.count_nonzero(a, axis=0), (np.array([[0, 1], [2, 3], [0, 0]]),)),
    Fn("trapezoid", lambda m, y: m.trapezoid(y), (A,), (0,)),
    Fn("trapezoid", lambda m, y, x: m.trapezoid(y, x, axis=1), (A, np.cumsum(positive((4,)))), (0, 1), "x"),
    Fn("cov", lambda m, x: m.cov(x), (A,), (0,)),
    Fn("cov", lambda m, x, y: m.cov(x, y, rowvar=False), (A, B[:, :2]), (0, 1), "y_columns"),
    Fn("cov", lambda m, x: m.cov(x, bias=True, fweights=np.array([1, 2, 1, 3]), aweights=np.array([0.5, 1.0, 2.0, 1.0])),
       (A,), (0,), "weights"),
    Fn("cov", lambda m, x: m.cov(x), (V,), (0,), "vector"),
    Fn("cov", lambda m, x: m.cov(x, aweights=np.array([0.5, 1.0, 2.0, 1.0])), (Z,), (0,), "complex"),
    Fn("corrcoef", lambda m, x: m.corrcoef(x), (Z,), (0,), "complex"),
    Fn("nanmean", lambda m, x: m.nanmean(x, axis=1), (_with_nans(Z),), (0,), "complex"),
    Fn("nanvar", lambda m, x: m.nanvar(x, axis=0, ddof=1), (_with_nans(Z),), (0,), "complex"),
    Fn("nanstd", lambda m, x: m.nanstd(x), (_with_nans(Z),), (0,), "complex"),
    Fn("nanvar", lambda m, x: m.nanvar(x, axis=1), (_with_nans(Z).real,), (0,), "real-with-nans"),
    Fn("corrcoef", lambda m, x: m.corrcoef(x), (A,), (0,)),
    # -- rearranging, grids and constructors
    Fn("roll", lambda m, a: m.roll(a, 2), (A,), (0,)),
    Fn("roll", lambda m, a: m.roll(a, -1, axis=1), (A,), (0,), "axis"),
    Fn("roll", lambda m, a: m.roll(a, (1, 2), axis=(0, 1)), (A,), (0,), "axes"),
    Fn("rot90", lambda m, a: m.rot90(a), (A,), (0,)),
    *[Fn("rot90", lambda m, a, k=k: m.rot90(a, k, axes=(1, 2)), (floats((2, 3, 4), 20),), (0,), f"k{k}")
      for k in (2, 3, -1)],
    Fn("fliplr", lambda m, a: m.fliplr(a), (A,), (0,)),
    Fn("flipud", lambda m, a: m.flipud(a), (A,), (0,)),
    Fn("rollaxis", lambda m, a: m.rollaxis(a, 2, 1), (floats((2, 3, 4), 21),), (0,)),
    Fn("rollaxis", lambda m, a: m.rollaxis(a, 0, 3), (floats((2, 3, 4), 21),), (0,), "forward"),
    Fn("permute_dims", lambda m, a: m.permute_dims(a, (2, 0, 1)), (floats((2, 3, 4), 22),), (0,)),
    Fn("concat", lambda m, a, b: m.concat([a, b], axis=1), (A, B), (0, 1)),
    Fn("unstack", lambda m, a: m.unstack(a, axis=1), (A,), (0,)),
    Fn("resize", lambda m, a: m.resize(a, (3, 5)), (V,), (0,)),
    Fn("meshgrid", lambda m, a, b: m.meshgrid(a, b), (V, V[:3]), (0, 1)),
    Fn("meshgrid", lambda m, a, b: m.meshgrid(a, b, indexing="ij", sparse=True), (V, V[:3]), (0, 1), "ij_sparse"),
    Fn("indices", lambda m: m.indices((2, 3)), (), vmap=False),
    Fn("ix_", lambda m: m.ix_(np.array([0, 1]), np.array([2, 0, 1])), (), vmap=False),
    Fn("broadcast_shapes", lambda m: np.array(m.broadcast_shapes((2, 1), (3,))), (), vmap=False),
    Fn("diag_indices", lambda m: m.diag_indices(3), (), vmap=False),
    Fn("diag_indices_from", lambda m, a: m.diag_indices_from(a), (SQUARE,), vmap=False),
    Fn("tril_indices", lambda m: m.tril_indices(3, 1), (), vmap=False),
    Fn("tril_indices_from", lambda m, a: m.tril_indices_from(a, -1), (A,), vmap=False),
    Fn("triu_indices", lambda m: m.triu_indices(3), (), vmap=False),
    Fn("triu_indices_from", lambda m, a: m.triu_indices_from(a), (A,), vmap=False),
    Fn("mask_indices", lambda m: m.mask_indices(3, np.triu), (), vmap=False),
    Fn("fill_diagonal", lambda m, a: (m.fill_diagonal(a, 7.0) if m is fnp else _np_fill(a, 7.0)), (A,), (0,)),
    Fn("fill_diagonal", lambda m, a, v: (m.fill_diagonal(a, v, wrap=True) if m is fnp else _np_fill(a, v, True)),
       (floats((7, 3), 23), V[:2]), (0, 1), "wrap"),
    Fn("block", lambda m, a, b: m.block([[a, b[:, :1]], [b[:1], np.zeros((1, 1))]]), (A, B), (0, 1)),
    Fn("empty", lambda m: m.empty((2, 3)) * 0, (), vmap=False),
    Fn("empty_like", lambda m, a: m.empty_like(a) * 0, (A,), vmap=False),
    Fn("copy", lambda m, a: m.copy(a), (A,), (0,)),
    Fn("astype", lambda m, a: m.astype(a * 3, np.int32), (A,)),
    Fn("logspace", lambda m: m.logspace(0, 3, 4, base=2.0), (), vmap=False),
    Fn("geomspace", lambda m: m.geomspace(1, 256, 5), (), vmap=False),
    Fn("select", lambda m, a, b: m.select([a > 0.5, a > -0.5], [a, b], -1.0), (A, B), (0, 1)),
    *[Fn(name, lambda m, name=name: getattr(m, name)(5), (), vmap=False)
      for name in ("bartlett", "blackman", "hamming", "hanning")],
    Fn("kaiser", lambda m: m.kaiser(5, 3.0), (), vmap=False),
    Fn("real", lambda m, a: m.real(a), (A,), (0,)),
    Fn("imag", lambda m, a: m.imag(a), (A,)),
    Fn("conj", lambda m, a: m.conj(a), (A,), (0,)),
    Fn("conjugate", lambda m, a: m.conjugate(a), (A,), (0,)),
    Fn("angle", lambda m, a: m.angle(a), (np.array([-2.0, -0.0, 0.0, 3.0, np.nan]),)),
    Fn("angle", lambda m, a: m.angle(a, deg=True), (A,), note="deg"),
    Fn("iscomplex", lambda m, a: m.iscomplex(a), (A,)),
    Fn("isreal", lambda m, a: m.isreal(a), (A,)),
    # -- convolution, polynomials, interpolation
    *[Fn("convolve", lambda m, a, v, mode=mode: m.convolve(a, v, mode), (V, W[:3]), (0, 1), mode)
      for mode in ("full", "same", "valid")],
    Fn("convolve", lambda m, a, v: m.convolve(a, v, "same"), (V[:2], W), (0, 1), "short_first"),
    Fn("convolve", lambda m: m.convolve(np.array([1, 2, 3]), np.array([4, 5])), (), note="int", vmap=False),
    *[Fn("correlate", lambda m, a, v, mode=mode: m.correlate(a, v, mode), (V, W[:3]), (0, 1), mode)
      for mode in ("full", "same", "valid")],
    Fn("correlate", lambda m, a, v: m.correlate(a, v, "full"), (V[:2], W), (0, 1), "short_first"),
    *[Fn(name, lambda m, a, v, name=name, mode=mode: getattr(m, name)(a, v, mode), (Z[0], Z[1, :3].conj()), (0, 1),
         f"complex-{mode}") for name in ("convolve", "correlate") for mode in ("full", "valid")],
    Fn("correlate", lambda m, a, v: m.correlate(a, v, "same"), (V, Z[2, :3]), (0, 1), "complex-real-mix"),
    Fn("round", lambda m, a: m.round(a, 1), (Z * 3.3,), note="complex"),
    Fn("polyval", lambda m, p, x: m.polyval(p, x), (V, A), (0, 1)),
    Fn("polyadd", lambda m, a, b: m.polyadd(a, b), (V[:2], W), (0, 1)),
    Fn("polysub", lambda m, a, b: m.polysub(a, b), (V, W[:3]), (0, 1)),
    Fn("polymul", lambda m, a, b: m.polymul(a, b), (V, W[:3]), (0, 1)),
    Fn("polyder", lambda m, p: m.polyder(p, 2), (V,), (0,)),
    Fn("polyint", lambda m, p: m.polyint(p, 2, k=[1.0, 2.0]), (V,), (0,)),
    Fn("interp", lambda m, x, fp: m.interp(x, np.array([-1.0, 0.0, 0.5, 1.5]), fp), (A * 1.2, V), (0, 1)),
    Fn("interp", lambda m, x, fp: m.interp(x, np.array([-1.0, 0.0, 0.5, 1.5]), fp, right=2j), (A * 1.2, Z[0]), (0, 1),
       "complex"),
    Fn("interp", lambda m, x: m.interp(x, np.array([0.0, 1.0, 2.0]), np.array([0.0, 5.0, 1.0]), left=-1.0, right=9.0),
       (np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0]),), note="edges"),
    Fn("interp", lambda m, x: m.interp(x, np.array([350.0, 10.0, 90.0]), np.array([1.0, 2.0, 3.0]), period=360),
       (np.array([-30.0, 0.0, 50.0, 400.0]),), note="period"),
    # -- value-dependent shapes: concrete, and with size= (static shapes, so jit and vmap work)
    Fn("nonzero", lambda m, a: m.nonzero(a), (np.array([[0, 3, 0], [4, 0, 5]]),), vmap=False, jit=False),
    Fn("nonzero", lambda m, a: m.nonzero(a, size=4, fill_value=-1) if m is fnp else padded(np.nonzero(a), 4, -1),
       (np.array([[0, 3, 0], [4, 0, 5]]),), note="size"),
    Fn("nonzero", lambda m, a: m.nonzero(a, size=2) if m is fnp else padded(np.nonzero(a), 2, 0),
       (np.array([0, 3, 7, 9]),), note="size_cut"),
    Fn("where", lambda m, a: m.where(a > 0.5), (A,), vmap=False, jit=False, note="one_arg"),
    Fn("flatnonzero", lambda m, a: m.flatnonzero(a), (np.array([[0, 3], [4, 0]]),), vmap=False, jit=False),
    Fn("argwhere", lambda m, a: m.argwhere(a), (np.array([[0, 3], [4, 0]]),), vmap=False, jit=False),
    Fn("argwhere", lambda m, a: m.argwhere(a), (np.float64(2.0),), vmap=False, jit=False, note="0d"),
    Fn("extract", lambda m, a: m.extract(a > 0, a), (A,), (0,), vmap=False, jit=False),
    Fn("extract", lambda m, a: m.extract(a > 0, a, size=12) if m is fnp else padded(np.extract(a > 0, a), 12, 0.0),
       (A,), (0,), "size"),
    Fn("compress", lambda m, a: m.compress(np.array([True, False, True]), a, axis=0), (A,), (0,)),
    Fn("compress", lambda m, a: m.compress(a[:, 0] > 0, a, axis=0), (A,), (0,), "values", vmap=False, jit=False),
    Fn("unique", lambda m, a: m.unique(a, return_index=True, return_inverse=True, return_counts=True),
       (np.array([3, 1, 3, 2, 1, 1]),), vmap=False, jit=False),
    Fn("unique", lambda m, a: m.unique(a), (np.array([2.0, -1.0, 2.0, 0.5]),), (), "float", vmap=False, jit=False),
    Fn("unique", lambda m, a: m.unique(a), (np.array([2.0, -1.0, 0.5]),), (0,), "distinct", vmap=False, jit=False),
    Fn("unique", lambda m, a: (m.unique(a, size=5, fill_value=-9, return_index=True, return_inverse=True,
                                        return_counts=True) if m is fnp else
                               (*padded(np.unique(a, return_index=True, return_counts=True)[:2], 5, -9)[:1],
                                padded(np.unique(a, return_index=True)[1], 5, 0),
                                np.unique(a, return_inverse=True)[1].ravel(),
                                padded(np.unique(a, return_counts=True)[1], 5, 0))),
       (np.array([3, 1, 3, 2, 1, 1]),), note="size"),
    Fn("unique", lambda m, a: m.unique(a, size=4) if m is fnp else padded(np.unique(a), 4, np.unique(a)[0]),
       (np.array([2.0, -1.0, 2.0, 0.5]),), (), "size_float"),
    Fn("unique", lambda m, a: m.unique(a, size=4) if m is fnp else padded(np.unique(a), 4, np.unique(a)[0]),
       (np.array([2.0, -1.0, 0.5]),), (0,), "size_distinct"),
    Fn("unique_values", lambda m, a: m.unique_values(a), (np.array([2, 1, 2]),), vmap=False, jit=False),
    Fn("unique_counts", lambda m, a: tuple(m.unique_counts(a)), (np.array([2, 1, 2]),), vmap=False, jit=False),
    Fn("unique_inverse", lambda m, a: tuple(m.unique_inverse(a)), (np.array([[2, 1], [2, 2]]),), vmap=False, jit=False),
    Fn("unique_all", lambda m, a: tuple(m.unique_all(a)), (np.array([2, 1, 2]),), vmap=False, jit=False),
    Fn("isin", lambda m, a: m.isin(a, np.array([3, 1])), (np.array([[1, 2], [3, 4]]),)),
    Fn("isin", lambda m, a: m.isin(a, np.array([3, 1]), invert=True), (np.array([1, 2, 3]),), note="invert"),
    Fn("union1d", lambda m, a, b: m.union1d(a, b), (np.array([3, 1]), np.array([2, 1])), vmap=False, jit=False),
    Fn("union1d", lambda m, a, b: m.union1d(a, b, size=5) if m is fnp else padded(np.union1d(a, b), 5, 1),
       (np.array([3, 1]), np.array([2, 1])), note="size"),
    Fn("intersect1d", lambda m, a, b: m.intersect1d(a, b), (np.array([3, 1, 2, 3]), np.array([2, 3, 5])),
       vmap=False, jit=False),
    Fn("intersect1d", lambda m, a, b: m.intersect1d(a, b, size=3, fill_value=0) if m is fnp else
       padded(np.intersect1d(a, b), 3, 0), (np.array([3, 1, 2, 3]), np.array([2, 3, 5])), note="size"),
    Fn("setdiff1d", lambda m, a, b: m.setdiff1d(a, b), (np.array([3, 1, 2, 1]), np.array([2])), vmap=False, jit=False),
    Fn("setdiff1d", lambda m, a, b: m.setdiff1d(a, b, size=4, fill_value=-1) if m is fnp else
       padded(np.setdiff1d(a, b), 4, -1), (np.array([3, 1, 2, 1]), np.array([2])), note="size"),
    Fn("setxor1d", lambda m, a, b: m.setxor1d(a, b), (np.array([1, 2, 3]), np.array([3, 4])), vmap=False, jit=False),
    Fn("setxor1d", lambda m, a, b: m.setxor1d(a, b, size=4, fill_value=0) if m is fnp else
       padded(np.setxor1d(a, b), 4, 0), (np.array([1, 2, 3, 3]), np.array([3, 4])), note="size"),
    Fn("trim_zeros", lambda m, a: m.trim_zeros(a), (np.array([0.0, 1.0, 0.0, 2.0, 0.0]),), vmap=False, jit=False),
    Fn("trim_zeros", lambda m, a: m.trim_zeros(a, "b"), (np.array([0, 1, 0, 2, 0]),), vmap=False, jit=False, note="b"),
    Fn("bincount", lambda m, a: m.bincount(a), (np.array([0, 2, 2, 5]),), vmap=False, jit=False),
    Fn("bincount", lambda m, a, w: m.bincount(a, w, length=7) if m is fnp else np.bincount(a, w, minlength=7),
       (np.array([0, 2, 2, 5]), V), (1,), "weights"),
    # -- functions of functions, functional updates, index conversions, numerics
    Fn("vectorize", lambda m, a, b: m.vectorize(lambda x, y: x * y + m.sin(x))(a, b), (A, V), (0, 1)),
    Fn("vectorize", lambda m, a: m.vectorize(lambda x, k: x * k, excluded={1})(a, 3.0), (A,), (0,), "excluded"),
    Fn("apply_along_axis", lambda m, a: m.apply_along_axis(lambda v: v[0] * v[-1], 1, a), (A,), (0,)),
    Fn("apply_along_axis", lambda m, a: m.apply_along_axis(lambda v: m.stack([v.sum(), v.max()]), 0, a), (A,), (0,),
       "vector_out"),
    Fn("apply_over_axes", lambda m, a: m.apply_over_axes(m.sum, a, [0, 2]), (floats((2, 3, 4), 24),), (0,)),
    Fn("piecewise", lambda m, x: m.piecewise(x, [x < 0, x > 1], [lambda v: -v, lambda v: v * v, 0.5]), (A,), (0,)),
    Fn("choose", lambda m, a, b: m.choose(np.array([[0, 1, 1, 0]] * 3), [a, b]), (A, B), (0, 1)),
    Fn("choose", lambda m: m.choose(np.array([3, -1, 1]), [np.arange(3), np.arange(3) * 10], mode="clip"), (),
       note="clip", vmap=False),
    Fn("choose", lambda m: m.choose(np.array([3, -1, 1]), [np.arange(3), np.arange(3) * 10], mode="wrap"), (),
       note="wrap", vmap=False),
    Fn("fromfunction", lambda m: m.fromfunction(lambda i, j: i * 3 + j, (2, 3)), (), vmap=False),
    Fn("put_along_axis", lambda m, a, v: (m.put_along_axis(a, np.array([[1], [0], [3]]), v, axis=1) if m is fnp
                                          else _np_put_along(a, np.array([[1], [0], [3]]), v, 1)),
       (A, V[:3, None]), (0, 1)),
    Fn("put", lambda m, a, v: m.put(a, np.array([0, 5, 7]), v) if m is fnp else _np_put(a, np.array([0, 5, 7]), v),
       (A, V[:2]), (0, 1)),
    Fn("place", lambda m, a, v: m.place(a, a > 0, v) if m is fnp else _np_place(a, a > 0, v), (A, V[:2]), (1,)),
    Fn("ravel_multi_index", lambda m, i, j: m.ravel_multi_index((i, j), (3, 4)), (np.array([2, 0, 1]), np.array([3, 1, 0]))),
    Fn("ravel_multi_index", lambda m, i, j: m.ravel_multi_index((i, j), (3, 4), mode="wrap", order="F"),
       (np.array([5, 0, -1]), np.array([3, 9, 0])), note="wrap_F"),
    Fn("unravel_index", lambda m, i: m.unravel_index(i, (3, 4)), (np.array([11, 0, 5]),)),
    Fn("gradient", lambda m, a: m.gradient(a), (A,), (0,)),
    Fn("gradient", lambda m, y, x: m.gradient(y, x, axis=1), (Z, np.cumsum(positive((4,)))), (0, 1), "complex"),
    Fn("gradient", lambda m, a: m.gradient(a, 0.5, axis=1), (A,), (0,), "spacing"),
    Fn("gradient", lambda m, y, x: m.gradient(y, x), (V, np.cumsum(positive((4,)))), (0, 1), "coordinates"),
    Fn("unwrap", lambda m, p: m.unwrap(p), (np.array([0.0, 3.0, -3.0, 2.5, -2.9]),), (0,)),
    Fn("unwrap", lambda m, p: m.unwrap(p, axis=0, period=4.0), (A * 3,), (0,), "period"),
    Fn("vander", lambda m, x: m.vander(x), (V,), (0,)),
    Fn("vander", lambda m, x: m.vander(x, 3, increasing=True), (V,), (0,), "increasing"),
    Fn("lexsort", lambda m, a, b: m.lexsort((a, b)), (np.array([2, 1, 3, 1]), np.array([0, 1, 0, 1]))),
    Fn("partition", lambda m, a: m.partition(a, 2)[2], (distinct((5,)),), (0,)),
    Fn("argpartition", lambda m, a: a[m.argpartition(a, 1)[1]], (distinct((5,)),)),
    Fn("nanquantile", lambda m, a: m.nanquantile(a, np.array([0.25, 0.5]), axis=1),
       (np.array([[1.0, np.nan, 3.0, 4.0], [np.nan, np.nan, np.nan, np.nan], [2.0, 0.0, 1.0, np.nan]]),)),
    Fn("nanquantile", lambda m, a: m.nanquantile(a, 0.3), (distinct((3, 4)),), (0,), "no_nan"),
    Fn("nanmedian", lambda m, a: m.nanmedian(a, axis=0), (np.array([[1.0, np.nan], [3.0, 2.0], [7.0, np.nan]]),)),
    Fn("nanpercentile", lambda m, a: m.nanpercentile(a, 40), (np.array([1.0, np.nan, 3.0, 10.0]),)),
    Fn("poly", lambda m, r: m.poly(r), (V,), (0,)),
    Fn("polydiv", lambda m, u, v: m.polydiv(u, v), (floats((5,), 25), floats((2,), 26) + 3), (0, 1), vmap=False),
    Fn("polydiv", lambda m: m.polydiv(np.array([1.0, -3.0, 2.0]), np.array([1.0, -1.0])), (), note="exact",
       vmap=False),
    # -- bitwise operations (integers; booleans take the logical ones)
    *[Fn(name, lambda m, a, b, name=name: getattr(m, name)(a, b), (I1, I2), note="int")
      for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm")],
    *[Fn(name, lambda m, a, b, name=name: getattr(m, name)(a > 0, b > 0), (I1, I2), note="bool")
      for name in ("bitwise_and", "bitwise_or", "bitwise_xor")],
    Fn("bitwise_and", lambda m, a: m.bitwise_and(a.astype(np.uint8), np.uint8(0xF0)), (I1,), note="uint8"),
    *[Fn(name, lambda m, a, s, name=name: getattr(m, name)(a, s), (I1, SHIFTS))
      for name in ("left_shift", "right_shift", "bitwise_left_shift", "bitwise_right_shift")],
    Fn("left_shift", lambda m, a, s: m.left_shift(a.astype(np.int64), s.astype(np.int64) + 30), (I1, SHIFTS),
       note="int64"),
    Fn("right_shift", lambda m, a, s: m.right_shift(a.astype(np.uint16), s.astype(np.uint16)), (np.abs(I1), np.abs(SHIFTS)),
       note="uint16"),
    *[Fn(name, lambda m, a, name=name: getattr(m, name)(a), (I1,))
      for name in ("invert", "bitwise_not", "bitwise_invert", "bitwise_count")],
    Fn("invert", lambda m, a: m.invert(a > 0), (I1,), note="bool"),
    Fn("invert", lambda m, a: m.invert(a.astype(np.uint8)), (I1,), note="uint8"),
    Fn("bitwise_count", lambda m, a: m.bitwise_count(a.astype(np.int64) * 1234567), (I1,), note="int64"),
    # -- insertion and deletion, histograms, bit packing, Python functions
    Fn("delete", lambda m, a: m.delete(a, [0, 2], axis=1), (A,), (0,)),
    Fn("delete", lambda m, a: m.delete(a, slice(1, None, 2)), (A,), (0,), "slice_flat"),
    Fn("delete", lambda m, a: m.delete(a, -1, axis=0), (A,), (0,), "negative"),
    Fn("insert", lambda m, a: m.insert(a, 1, 9.0), (V,), (0,)),
    Fn("insert", lambda m, a, v: m.insert(a, [2, 0, 2], v, axis=1), (A, V[:3]), (0, 1), "many"),
    Fn("insert", lambda m, a, v: m.insert(a, 1, v, axis=0), (A, V), (0, 1), "row"),
    Fn("insert", lambda m, a, v: m.insert(a, 3, v, axis=1), (A, V[:3, None]), (0, 1), "column_block"),
    Fn("histogram", lambda m, a: m.histogram(a, 5), (A,), vmap=False),
    Fn("histogram", lambda m, a: m.histogram(a, 4, range=(-1.0, 1.0), density=True), (A,), vmap=False, note="density"),
    Fn("histogram", lambda m, a, w: m.histogram(a, np.array([-2.0, 0.0, 0.5, 2.0]), weights=w), (A, B), (1,),
       "edges_weights"),
    Fn("histogram_bin_edges", lambda m, a: m.histogram_bin_edges(a, 3), (A,), vmap=False),
    Fn("histogram_bin_edges", lambda m: m.histogram_bin_edges(np.ones(3), 2), (), note="flat", vmap=False),
    Fn("histogram2d", lambda m, x, y: m.histogram2d(x, y, bins=3), (V, W), vmap=False),
    Fn("histogramdd", lambda m, s: m.histogramdd(s, bins=(2, 3), range=[(-2, 2), (-1, 1)]), (A[:, :2],),
       vmap=False),
    Fn("histogramdd", lambda m, s, w: m.histogramdd(s, bins=2, weights=w, density=True), (A[:, :2], positive((3,))),
       vmap=False, note="density"),
    Fn("unpackbits", lambda m, a: m.unpackbits(a.astype(np.uint8), axis=1), (I1 + 60,)),
    Fn("unpackbits", lambda m, a: m.unpackbits(a.astype(np.uint8), count=13, bitorder="little"), (I1 + 60,),
       note="little"),
    Fn("packbits", lambda m, a: m.packbits(a > 0, axis=1), (I1,)),
    Fn("packbits", lambda m, a: m.packbits(a > 0, bitorder="little"), (I1,), note="little"),
    Fn("frompyfunc", lambda m, a, b: (m.frompyfunc(lambda x, y: x * y + 1.0, 2, 1)(a, b) if m is fnp
                                      else np.frompyfunc(lambda x, y: x * y + 1.0, 2, 1)(a, b).astype(np.float64)),
       (A, V), (0, 1)),
    # -- lax's array operations (each row: funcdl.lax against a numpy expression)
    Fn("lax.round", lambda m, x: funcdl.lax.round(x) if m is fnp else _round_half_away(x),
       (np.array([0.5, 1.5, -2.5, 0.49999999999999994, 2.7, -0.2]),)),
    Fn("lax.round", lambda m, x: funcdl.lax.round(x, 1) if m is fnp else np.rint(x), (np.array([0.5, 1.5, -2.5]),),
       note="even"),
    Fn("lax.clamp", lambda m, x: funcdl.lax.clamp(-0.5, x, 0.5) if m is fnp else np.clip(x, -0.5, 0.5), (A,), (0,)),
    Fn("lax.integer_pow", lambda m, x: funcdl.lax.integer_pow(x, -3) if m is fnp else x ** -3.0, (positive((3,)),), (0,)),
    Fn("lax.integer_pow", lambda m, x: funcdl.lax.integer_pow(x, 5) if m is fnp else x ** 5, (A,), (0,), "5"),
    Fn("lax.broadcast_in_dim", lambda m, x: (funcdl.lax.broadcast_in_dim(x, (2, 3, 4), (0, 2)) if m is fnp
                                             else np.broadcast_to(x[:, None, :], (2, 3, 4))), (A[:2],), (0,)),
    Fn("lax.broadcast", lambda m, x: funcdl.lax.broadcast(x, (2,)) if m is fnp else np.broadcast_to(x, (2,) + x.shape),
       (A,), (0,)),
    Fn("lax.reshape", lambda m, x: funcdl.lax.reshape(x, (4, 3), (1, 0)) if m is fnp else x.T.reshape(4, 3), (A,), (0,)),
    Fn("lax.rev", lambda m, x: funcdl.lax.rev(x, (0, 1)) if m is fnp else x[::-1, ::-1], (A,), (0,)),
    Fn("lax.pad", lambda m, x: (funcdl.lax.pad(x, 0.0, [(1, -1, 1), (0, 2, 0)]) if m is fnp else
                                np.pad(np.insert(x, [1, 2], 0.0, axis=0), ((1, 0), (0, 2)))[:-1]),
       (A,), (0,)),
    Fn("lax.slice", lambda m, x: funcdl.lax.slice(x, (0, 1), (3, 4), (2, 2)) if m is fnp else x[0:3:2, 1:4:2], (A,), (0,)),
    Fn("lax.slice_in_dim", lambda m, x: funcdl.lax.slice_in_dim(x, -3, None, 2, axis=1) if m is fnp else x[:, -3::2],
       (A,), (0,)),
    Fn("lax.index_in_dim", lambda m, x: funcdl.lax.index_in_dim(x, -1, 1, False) if m is fnp else x[:, -1], (A,), (0,)),
    Fn("lax.dynamic_update_index_in_dim", lambda m, x, u: (funcdl.lax.dynamic_update_index_in_dim(x, u, 1, 0)
                                                           if m is fnp else np.concatenate([x[:1], u[None], x[2:]])),
       (A, V), (0, 1)),
    Fn("lax.iota", lambda m: funcdl.lax.iota(np.int32, 4) if m is fnp else np.arange(4, dtype=np.int32), (), vmap=False),
    Fn("lax.broadcasted_iota", lambda m: (funcdl.lax.broadcasted_iota(np.int32, (2, 3), 0) if m is fnp
                                          else np.indices((2, 3), np.int32)[0]), (), vmap=False),
    Fn("lax.reduce_sum", lambda m, x: funcdl.lax.reduce_sum(x, (0,)) if m is fnp else x.sum(0), (A,), (0,)),
    Fn("lax.reduce_max", lambda m, x: funcdl.lax.reduce_max(x, (0, 1)) if m is fnp else x.max(), (distinct((3, 4)),), (0,)),
    Fn("lax.reduce_xor", lambda m, x: funcdl.lax.reduce_xor(x > 0, (1,)) if m is fnp else
       np.logical_xor.reduce(x > 0, axis=1), (A,)),
    Fn("lax.argmax", lambda m, x: funcdl.lax.argmax(x, 1, np.int32) if m is fnp else x.argmax(1).astype(np.int32),
       (distinct((3, 4)),)),
    Fn("lax.cumsum", lambda m, x: funcdl.lax.cumsum(x, 1, reverse=True) if m is fnp else x[:, ::-1].cumsum(1)[:, ::-1],
       (A,), (0,)),
    Fn("lax.cummax", lambda m, x: funcdl.lax.cummax(x, 0) if m is fnp else np.maximum.accumulate(x, 0), (distinct((5, 3)),),
       (0,)),
    Fn("lax.cummin", lambda m, x: funcdl.lax.cummin(x, 1, reverse=True) if m is fnp else
       np.minimum.accumulate(x[:, ::-1], 1)[:, ::-1], (distinct((3, 5)),), (0,)),
    Fn("lax.cummax", lambda m, x: funcdl.lax.cummax(x, 0) if m is fnp else np.maximum.accumulate(x, 0), (I1,), note="int"),
    Fn("lax.cumlogsumexp", lambda m, x: funcdl.lax.cumlogsumexp(x, 1) if m is fnp else np.logaddexp.accumulate(x, 1),
       (A * 300,), (0,)),
    Fn("lax.cumprod", lambda m, x: funcdl.lax.cumprod(x, 0) if m is fnp else x.cumprod(0), (A,), (0,)),
    Fn("lax.sort", lambda m, k, v: (funcdl.lax.sort((k, v), num_keys=1) if m is fnp else
                                    (np.sort(k, kind="stable"), np.take_along_axis(v, np.argsort(k, kind="stable"), -1))),
       (distinct((3, 4)), A), (1,)),
    Fn("lax.sort_key_val", lambda m, k, v: (funcdl.lax.sort_key_val(k, v, 0) if m is fnp else
                                            (np.sort(k, 0), np.take_along_axis(v, np.argsort(k, 0, kind="stable"), 0))),
       (distinct((3, 4)), A), (1,)),
    Fn("lax.top_k", lambda m, x: (funcdl.lax.top_k(x, 2) if m is fnp else
                                  (-np.sort(-x)[..., :2], np.argsort(-x, kind="stable")[..., :2].astype(np.int32))),
       (distinct((3, 4)),), (0,)),
    Fn("lax.dot", lambda m, a, b: funcdl.lax.dot(a, b) if m is fnp else a @ b, (A, B.T), (0, 1)),
    Fn("lax.batch_matmul", lambda m, a, b: funcdl.lax.batch_matmul(a, b) if m is fnp else a @ b,
       (floats((2, 3, 4), 27), floats((2, 4, 2), 28)), (0, 1)),
    Fn("lax.map", lambda m, x: funcdl.lax.map(lambda r: r * r.sum(), x) if m is fnp else x * x.sum(1, keepdims=True),
       (A,), (0,)),
    Fn("lax.switch", lambda m, i, x: (funcdl.lax.switch(i, [lambda v: v + 1, lambda v: v * 2, lambda v: -v], x)
                                      if m is fnp else [x + 1, x * 2, -x][min(max(int(i), 0), 2)]),
       (np.int32(1), V), (1,), vmap=False),
    Fn("lax.switch", lambda m, i, x: (funcdl.lax.switch(i, [lambda v: v + 1, lambda v: v * 2], x)
                                      if m is fnp else [x + 1, x * 2][min(max(int(i), 0), 1)]),
       (np.int32(7), V), (1,), "clamped", vmap=False),
    Fn("lax.associative_scan", lambda m, x: (funcdl.lax.associative_scan(fnp.multiply, x, axis=1) if m is fnp
                                             else np.cumprod(x, 1)), (A,), (0,)),
    Fn("lax.associative_scan", lambda m, x: (funcdl.lax.associative_scan(fnp.add, x, reverse=True) if m is fnp
                                             else np.cumsum(x[::-1], 0)[::-1]), (floats((5, 2), 29),), (0,), "reverse"),
    Fn("lax.shift_right_arithmetic", lambda m, x, s: (funcdl.lax.shift_right_arithmetic(x, s) if m is fnp
                                                      else np.right_shift(x, s)), (I1, SHIFTS)),
    Fn("lax.population_count", lambda m, x: funcdl.lax.population_count(x) if m is fnp else np.bitwise_count(x), (I1,)),
    Fn("lax.convert_element_type", lambda m, x: (funcdl.lax.convert_element_type(x, np.float32) if m is fnp
                                                 else x.astype(np.float32)), (A,)),
    Fn("lax.full_like", lambda m, x: funcdl.lax.full_like(x, 3.0) if m is fnp else np.full_like(x, 3.0), (A,)),
    Fn("lax.stack", lambda m, a, b: funcdl.lax.stack([a, b], 1) if m is fnp else np.stack([a, b], 1), (A, B), (0, 1)),
    Fn("lax.unstack", lambda m, x: funcdl.lax.unstack(x, 1) if m is fnp else tuple(x[:, i] for i in range(4)), (A,), (0,)),
    Fn("lax.split", lambda m, x: (funcdl.lax.split(x, (1, 0, 3), 1) if m is fnp else
                                  (x[:, :1], x[:, 1:1], x[:, 1:])), (A,), (0,)),
    Fn("lax.collapse", lambda m, x: funcdl.lax.collapse(x, 0, 2) if m is fnp else x.reshape(6, 4),
       (floats((2, 3, 4), 30),), (0,)),
    Fn("lax.broadcast_like", lambda m, v, a: funcdl.lax.broadcast_like(v, a) if m is fnp else np.broadcast_to(v, a.shape),
       (V, A), (0,)),
    Fn("lax.index_take", lambda m, x: (funcdl.lax.index_take(x, (np.array([3, 1, 0]), np.array([0, 2, 2])), (2, 0))
                                       if m is fnp else np.moveaxis(x, (2, 0), (0, 1))[[3, 1, 0], [0, 2, 2]]),
       (floats((3, 2, 4), 31),), (0,)),
    Fn("lax.select_n", lambda m, w, a, b: (funcdl.lax.select_n(w, a, b, a * 2) if m is fnp else np.choose(w, [a, b, a * 2])),
       (np.random.default_rng(33).integers(0, 3, (3, 4)).astype(np.int32), A, B), (1, 2)),
    Fn("lax.select_n", lambda m, w, a, b: funcdl.lax.select_n(w, a, b) if m is fnp else np.where(w, b, a),
       (A > 0, A, B), (1, 2), "bool"),
    Fn("lax.shift_right_logical", lambda m, x, s: (funcdl.lax.shift_right_logical(x, s) if m is fnp else np.where(
        (s < 0) | (s >= 32), 0, x.view(np.uint32) >> np.clip(s, 0, 31).astype(np.uint32)).astype(np.uint32).view(np.int32)),
       (I1 * 1000, SHIFTS)),
    Fn("lax.clz", lambda m, x: funcdl.lax.clz(x) if m is fnp else _clz32(x), (I1 * 1000,)),
    Fn("lax.mulhi", lambda m, x, y: (funcdl.lax.mulhi(x, y) if m is fnp else
                                     ((x.astype(np.int64) * y) >> 32).astype(np.int32)), (I1 * 10 ** 7, I2 * 10 ** 7)),
    Fn("lax.mulhi", lambda m, x, y: funcdl.lax.mulhi(x, y) if m is fnp else _mulhi64(x, y),
       (I1.astype(np.int64) * 10 ** 16, I2.astype(np.int64) * -10 ** 16 + 7), note="int64"),
    Fn("lax.approx_max_k", lambda m, x: (tuple(funcdl.lax.approx_max_k(x, 2, 0)) if m is fnp else
                                         (-np.sort(-x, 0)[:2], np.argsort(-x, 0, kind="stable")[:2].astype(np.int32))),
       (distinct((3, 4)),), (0,)),
    Fn("lax.approx_min_k", lambda m, x: (tuple(funcdl.lax.approx_min_k(x, 3)) if m is fnp else
                                         (np.sort(x)[..., :3], np.argsort(x, kind="stable")[..., :3].astype(np.int32))),
       (distinct((3, 4)),), (0,)),
    Fn("lax.reduce", lambda m, x: funcdl.lax.reduce(x, 1.0, funcdl.lax.mul, (1,)) if m is fnp else x.prod(1),
       (floats((3, 5), 34),), (0,)),
    Fn("lax.reduce", lambda m, x, i: (funcdl.lax.reduce(
        (x, i), (np.inf, np.int32(0)), lambda a, b: (fnp.minimum(a[0], b[0]), fnp.where(a[0] <= b[0], a[1], b[1])), (0,))
        if m is fnp else (x.min(0), np.take_along_axis(i, x.argmin(0)[None], 0)[0])),
       (distinct((5, 3)), np.arange(15, dtype=np.int32).reshape(5, 3)), (0,), "argmin-pairs"),
    # -- numpy.fft (complex arguments: Z, Z3)
    *[Fn(f"fft.{name}", lambda m, a, name=name, kw=kw: getattr(m.fft, name)(a, **kw), (arg,), (0,), note)
      for name, arg, kw, note in [
          ("fft", floats((8,), 40), {}, ""), ("fft", Z, dict(n=8, axis=0, norm="ortho"), "n-axis-ortho"),
          ("ifft", Z, dict(n=3, norm="forward"), "crop-forward"), ("rfft", floats((7,), 41), {}, "odd"),
          ("rfft", A, dict(n=6, axis=0), "pad-axis0"), ("irfft", Z, {}, ""),
          ("irfft", Z, dict(n=7, axis=0, norm="ortho"), "odd-axis0-ortho"), ("hfft", Z, dict(n=5), ""),
          ("ihfft", floats((6,), 42), dict(norm="ortho"), ""), ("fft2", Z3, {}, ""),
          ("ifft2", Z3, dict(s=(4, 4)), "pad"), ("rfft2", floats((2, 3, 4), 43), {}, ""),
          ("irfft2", Z3, dict(s=(3, 5)), "odd"), ("fftn", A, {}, "real-input"),
          ("ifftn", Z3, dict(axes=(0, 2)), "axes02"), ("rfftn", floats((2, 3, 4), 44), dict(s=(2, 6), axes=(0, 2)), ""),
          ("irfftn", Z3, {}, ""), ("fftshift", A, {}, ""), ("ifftshift", A, dict(axes=0), "axis0")]],
    Fn("fft.fftfreq", lambda m, d: m.fft.fftfreq(5, d), (np.float64(0.3),), (0,)),
    Fn("fft.rfftfreq", lambda m, d: m.fft.rfftfreq(6, d), (np.float64(0.3),), (0,)),
]
