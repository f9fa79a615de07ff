"""Matrix decompositions and solves: cholesky, triangular_solve, solve, det, slogdet, eigh,
svd, qr, pinv, eig. Each works on the last two axes; leading axes are a batch (the operands of
a solve share theirs). Eager evaluation is numpy.linalg's; jit calls the precompiled
kernels of ``funcdl/_linalg_kernels.py`` (LAPACK through numba) on the stacked matrices.

All of them take complex matrices too (Hermitian ones for cholesky and eigh, whose
eigenvalues and singular values are real). cholesky and eigh read the lower triangle only,
as numpy's do: their derivative rules treat the operand as the symmetric (Hermitian)
matrix that triangle defines. The derivative rules are the standard matrix-calculus
results (Murray 2016 for cholesky, Townsend 2016 for the SVD) in JAX's forms; degenerate
eigenvalues give infinite eigenvector derivatives, as in JAX, and equal singular values
contribute none (JAX's convention). For real matrices the reverse rules are written out;
for complex ones they are the transposes of the forward rules, derived by funcdl's own
reverse mode (``ad.transpose_linear``), so the two cannot disagree.
"""
import math

import numpy as np

from .. import _numpy_calls
from ..core import Aval, Primitive, bind, shape_error
from .elementwise import complex_dtype, fnp, real_dtype
from .lowering import lowers, objmode_call
from .reductions import others_product
from .rules import instantiate, move_axis, to_front

# -- shapes and dtypes -------------------------------------------------------------------


def _check_matrix(op, x, square=True):
    if x.ndim < 2 or (square and x.shape[-1] != x.shape[-2]):
        what = "square matrices" if square else "matrices"
        raise shape_error(op, f"needs {what} in the last two axes (a stack of them for more axes)", x.shape)
    allowed = (np.float32, np.float64, np.complex64, np.complex128)
    if x.dtype not in allowed:
        raise TypeError(f"{op}: needs {' or '.join(np.dtype(d).name for d in allowed)} matrices, got "
                        f"{x.dtype.name} (funcdl.numpy.linalg casts integers to floats)")


def _check_rhs(op, a, b):
    _check_matrix(op, a)
    if b.ndim != a.ndim or b.shape[:-1] != a.shape[:-1] or b.dtype != a.dtype:
        raise shape_error(op, "the right-hand side must be (..., n, k) with the matrix's leading "
                          f"axes and dtype ({a.dtype.name})", a.shape, b.shape)
    return Aval(b.shape, b.dtype)


# -- matrix helpers for the rules (funcdl.numpy; the rules' results are programs) ---------


def _mT(x):
    return fnp.swapaxes(x, -1, -2)


def _mH(x):
    """The conjugate transpose (the transpose of a real matrix)."""
    return fnp.conj(_mT(x))


def _is_complex(x):
    return np.dtype(x.dtype).kind == "c"


def _mm(a, b):
    return fnp.matmul(a, b)


def _eye_like(x):
    return np.eye(x.shape[-1], dtype=x.dtype)


def _real_eye(x):
    """The identity of ``x``'s last axis's size, in ``x``'s real dtype."""
    return np.eye(x.shape[-1], dtype=real_dtype(x.dtype))


def _lower_symmetric(x):
    """The symmetric (Hermitian) matrix whose lower triangle is ``x``'s: what cholesky and
    eigh see (LAPACK ignores the imaginary parts of a Hermitian matrix's diagonal)."""
    if _is_complex(x):
        x = x - 1j * (fnp.imag(x) * _real_eye(x))
    return fnp.tril(x) + _mH(fnp.tril(x, -1))


def _lower_symmetric_transpose(g):
    """The cotangent of ``x`` for a cotangent ``g`` of :func:`_lower_symmetric` ``(x)``."""
    return fnp.tril(g) + fnp.tril(_mT(g), -1)


def _triangle(x, lower):
    return fnp.tril(x) if lower else fnp.triu(x)


def _reciprocal_gaps(w):
    """``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal, 0 where ``w[i] == w[j]``."""
    gaps = w[..., None, :] - w[..., :, None]
    equal = fnp.equal(gaps, 0)
    return fnp.where(equal, 0.0, 1.0 / fnp.where(equal, 1.0, gaps))


def _real_or_transposed(prim, real_vjp):
    """``prim``'s reverse rule: ``real_vjp`` for real operands; for complex ones the
    transpose of ``prim.jvp`` (linear in the tangents), derived by reverse mode."""
    def vjp(gs, *primals, out, **params):
        if not any(_is_complex(x) for x in primals):
            return real_vjp(gs, *primals, out=out, **params)
        from ..transforms.ad import transpose_linear  # noqa: PLC0415 (the transforms import us)
        outs = out if prim.multiple_results else [out]
        gs = gs if prim.multiple_results else [gs]

        def tangent_map(*tangents):
            result = prim.jvp(list(tangents), primals, out, **params)
            result = result if prim.multiple_results else [result]
            return [fnp.zeros_like(o) if t is None else t for t, o in zip(result, outs)]
        return transpose_linear(tangent_map, [Aval(x.shape, x.dtype) for x in primals], gs)
    return vjp


def _leading_batch(prim):
    """Batching: every operand's batch axis goes in front (a new leading batch axis)."""
    def rule(args, dims, size, **params):
        out = bind(prim, *[to_front(x, d, size) for x, d in zip(args, dims)], **params)
        return (out, [0] * len(out)) if prim.multiple_results else (out, 0)
    return rule


def _kernel_lowering(kernel, static=lambda eqn: ()):
    """The lowering that calls ``_linalg_kernels.<kernel>`` on the operands viewed as stacks
    of matrices, then views each result in its output's shape."""
    def lower(gen, eqn):
        batch = eqn.inputs[0].aval.shape[:-2]
        stacked = math.prod(batch)
        gen.imports.add("from funcdl import _linalg_kernels")
        args = [f"np.ascontiguousarray({gen.var(x)}).reshape({(stacked,) + x.aval.shape[-2:]})"
                for x in eqn.inputs]
        if kernel == "triangular_solve":  # it writes its result into its copied right-hand side
            args[1] = f"{gen.var(eqn.inputs[1])}.copy().reshape({(stacked,) + eqn.inputs[1].aval.shape[-2:]})"
        results = [gen.fresh("r") for _ in eqn.outputs]
        gen.emit(f"{', '.join(results)} = "
                 f"_linalg_kernels.{kernel}({', '.join(args + [repr(s) for s in static(eqn)])})")
        for v, r in zip(eqn.outputs, results):
            shape = v.aval.shape
            gen.emit(f"{gen.var(v)} = {r}.reshape({shape})" if shape else f"{gen.var(v)} = {r}[0]")
    return lower


# -- cholesky ------------------------------------------------------------------------------


def _cholesky_rule(a):
    _check_matrix("cholesky", a)
    return Aval(a.shape, a.dtype)


cholesky_p = Primitive("cholesky", lambda a: np.linalg.cholesky(a), _cholesky_rule)


def cholesky(a):
    """The lower Cholesky factor ``L`` (``L @ L^H`` is ``a``), reading ``a``'s lower triangle."""
    return bind(cholesky_p, a)


def _phi(x):
    """The lower triangle of ``x`` with its diagonal halved."""
    return fnp.tril(x) - 0.5 * (x * _eye_like(x))


def _cholesky_jvp(tangents, primals, out):
    lower = _lower_symmetric(tangents[0])
    x = triangular_solve(out, _mH(triangular_solve(out, lower, True, False)), True, False)
    return _mm(out, _phi(_mH(x)))  # L phi(L^-1 dA L^-H)


def _cholesky_vjp(g, a, *, out):
    p = _phi(_mm(_mT(out), g))
    s = _mT(triangular_solve(out, _mT(triangular_solve(out, p, True, True)), True, True))
    return [_lower_symmetric_transpose(s)]  # from L^-T phi(L^T g) L^-1


cholesky_p.jvp, cholesky_p.vjp = _cholesky_jvp, _real_or_transposed(cholesky_p, _cholesky_vjp)
cholesky_p.batch = _leading_batch(cholesky_p)
lowers(cholesky_p)(_kernel_lowering("cholesky"))

# -- triangular_solve: op(A) X = B -----------------------------------------------------------


def _triangular_solve_impl(a, b, *, lower, transpose_a):
    t = np.tril(a) if lower else np.triu(a)
    return np.linalg.solve(np.swapaxes(t, -1, -2) if transpose_a else t, b)


triangular_solve_p = Primitive(
    "triangular_solve", _triangular_solve_impl,
    lambda a, b, *, lower, transpose_a: _check_rhs("triangular_solve", a, b))


def triangular_solve(a, b, lower, transpose_a):
    """``X`` with ``op(A) @ X == B``, ``A`` triangular (only its ``lower`` or upper triangle
    is read), ``op`` the transpose when ``transpose_a``."""
    return bind(triangular_solve_p, a, b, lower=bool(lower), transpose_a=bool(transpose_a))


def _op(a, transpose_a):
    return _mT(a) if transpose_a else a


def _triangular_solve_jvp(tangents, primals, out, *, lower, transpose_a):
    (a, b), (ta, tb) = primals, tangents
    rhs = instantiate(tb, b)
    if ta is not None:
        rhs = rhs - _mm(_op(_triangle(ta, lower), transpose_a), out)
    return triangular_solve(a, rhs, lower, transpose_a)


def _triangular_solve_vjp(g, a, b, *, out, lower, transpose_a):
    gb = triangular_solve(a, g, lower, not transpose_a)
    ga = _mm(out, _mT(gb)) if transpose_a else _mm(gb, _mT(out))
    return [-_triangle(ga, lower), gb]


triangular_solve_p.jvp, triangular_solve_p.vjp = _triangular_solve_jvp, _triangular_solve_vjp
triangular_solve_p.batch = _leading_batch(triangular_solve_p)
lowers(triangular_solve_p)(_kernel_lowering(
    "triangular_solve", lambda eqn: (eqn.params["lower"], eqn.params["transpose_a"])))

# -- solve: A X = B ----------------------------------------------------------------------------

solve_p = Primitive("solve", lambda a, b: np.linalg.solve(a, b),
                    lambda a, b: _check_rhs("solve", a, b))


def solve(a, b):
    """``X`` with ``A @ X == B`` (``B`` of shape ``(..., n, k)``; real or complex)."""
    return bind(solve_p, a, b)


def _solve_jvp(tangents, primals, out):
    (a, b), (ta, tb) = primals, tangents
    rhs = instantiate(tb, b)
    if ta is not None:
        rhs = rhs - _mm(ta, out)
    return solve(a, rhs)


def _solve_vjp(g, a, b, *, out):
    gb = solve(_mT(a), g)
    return [-_mm(gb, _mT(out)), gb]


solve_p.jvp, solve_p.vjp = _solve_jvp, _solve_vjp
solve_p.batch = _leading_batch(solve_p)
lowers(solve_p)(_kernel_lowering("solve"))


def inverse(a):
    """``a``'s inverse, as the solve against the identity."""
    return solve(a, fnp.broadcast_to(_eye_like(a), a.shape))


# -- det and slogdet ---------------------------------------------------------------------------


def _batch_of_matrices(op):
    def rule(a):
        _check_matrix(op, a)
        return Aval(a.shape[:-2], a.dtype)
    return rule


det_p = Primitive("det", lambda a: np.linalg.det(a), _batch_of_matrices("det"))


def det(a):
    """The determinant of each matrix."""
    return bind(det_p, a)


def _cofactor(a):
    """The cofactor matrix (the adjugate's transpose, det(a) inv(a).T) from the SVD, so it is
    also right for singular matrices: ``det(U) det(V^H) conj(U diag(prod_{j != i} s_j) V^H)``."""
    u, s, vt = svd(a, False)
    sign = slogdet(u)[0] * slogdet(vt)[0]
    others = fnp.moveaxis(others_product(fnp.moveaxis(s, -1, 0)), 0, -1)
    return sign[..., None, None] * fnp.conj(_mm(u * others[..., None, :], vt))


def _det_jvp(tangents, primals, out):
    return fnp.sum(_cofactor(primals[0]) * tangents[0], axis=(-2, -1))


def _det_vjp(g, a, *, out):
    return [g[..., None, None] * _cofactor(a)]


det_p.jvp, det_p.vjp = _det_jvp, _det_vjp
det_p.batch = _leading_batch(det_p)
lowers(det_p)(_kernel_lowering("det"))

def _slogdet_rule(a):
    sign = _batch_of_matrices("slogdet")(a)
    return [sign, Aval(sign.shape, real_dtype(a.dtype))]


slogdet_p = Primitive("slogdet", lambda a: list(np.linalg.slogdet(a)), _slogdet_rule, multiple_results=True)


def slogdet(a):
    """``(sign, log|det|)`` of each matrix (the sign is ``det / |det|`` for complex ones)."""
    return bind(slogdet_p, a)


def _slogdet_jvp(tangents, primals, out):
    change = fnp.trace(solve(primals[0], tangents[0]), axis1=-2, axis2=-1)  # tr(A^-1 dA)
    if not _is_complex(change):
        return [None, change]
    return [out[0] * (1j * fnp.imag(change)), fnp.real(change)]


def _slogdet_vjp(gs, a, *, out):
    g = gs[1]
    return [None if g is None else g[..., None, None] * _mT(inverse(a))]


slogdet_p.jvp, slogdet_p.vjp = _slogdet_jvp, _real_or_transposed(slogdet_p, _slogdet_vjp)
slogdet_p.batch = _leading_batch(slogdet_p)
lowers(slogdet_p)(_kernel_lowering("slogdet"))

# -- eigh --------------------------------------------------------------------------------------


def _eigh_rule(a):
    _check_matrix("eigh", a)
    return [Aval(a.shape[:-1], real_dtype(a.dtype)), Aval(a.shape, a.dtype)]


eigh_p = Primitive("eigh", lambda a: list(np.linalg.eigh(a)), _eigh_rule, multiple_results=True)


def eigh(a):
    """``(w, v)``: ascending (real) eigenvalues and eigenvectors (columns of ``v``) of the
    symmetric (Hermitian) matrix ``a``'s lower triangle defines."""
    return bind(eigh_p, a)


def _eigh_jvp(tangents, primals, out):
    w, v = out
    x = _mm(_mH(v), _mm(_lower_symmetric(tangents[0]), v))
    gaps = w[..., None, :] - w[..., :, None]
    eye = _eye_like(w)
    f = 1.0 / (gaps + eye) - eye  # 1/(w_j - w_i) off the diagonal (inf where degenerate)
    return [fnp.real(fnp.diagonal(x, axis1=-2, axis2=-1)), _mm(v, f * x)]


def _eigh_vjp(gs, a, *, out):
    (gw, gv), (w, v) = gs, out
    inner = 0.0
    if gw is not None:
        inner = gw[..., :, None] * _eye_like(v)
    if gv is not None:
        eye = _eye_like(v)
        f = 1.0 / (w[..., None, :] - w[..., :, None] + eye) - eye
        inner = inner + f * _mm(_mT(v), gv)
    return [_lower_symmetric_transpose(_mm(v, _mm(inner, _mT(v))))]


eigh_p.jvp, eigh_p.vjp = _eigh_jvp, _real_or_transposed(eigh_p, _eigh_vjp)
eigh_p.batch = _leading_batch(eigh_p)
lowers(eigh_p)(_kernel_lowering("eigh"))

# -- svd ---------------------------------------------------------------------------------------


def _svd_rule(a, *, full_matrices):
    _check_matrix("svd", a, square=False)
    *batch, m, n = a.shape
    k = min(m, n)
    u_cols, v_rows = (m, n) if full_matrices else (k, k)
    return [Aval((*batch, m, u_cols), a.dtype), Aval((*batch, k), real_dtype(a.dtype)),
            Aval((*batch, v_rows, n), a.dtype)]


svd_p = Primitive("svd", lambda a, *, full_matrices: list(np.linalg.svd(a, full_matrices=full_matrices)),
                  _svd_rule, multiple_results=True)


def svd(a, full_matrices=False):
    """``(u, s, vt)`` with ``a == (u * s) @ vt``, singular values (real) descending."""
    return bind(svd_p, a, full_matrices=bool(full_matrices))


def _check_svd_derivative(a, full_matrices):
    m, n = a.shape[-2:]
    if full_matrices and m != n:
        raise TypeError(f"svd: the derivative of full_matrices=True is not defined for a non-square "
                        f"matrix ({m}x{n}): the extra singular vectors are not unique. Use "
                        "full_matrices=False")


def _svd_jvp(tangents, primals, out, *, full_matrices):
    (a,), (ta,) = primals, tangents
    _check_svd_derivative(a, full_matrices)
    u, s, vt = out
    v = _mH(vt)
    dp = _mm(_mH(u), _mm(ta, v))
    f = _reciprocal_gaps(s * s)
    du = _mm(u, f * (dp * s[..., None, :] + s[..., :, None] * _mH(dp)))
    dv = _mm(v, f * (s[..., :, None] * dp + _mH(dp) * s[..., None, :]))
    diagonal = fnp.diagonal(dp, axis1=-2, axis2=-1)
    if _is_complex(a):  # the phases: the imaginary part of U^H dA V's diagonal goes to U
        nonzero = fnp.where(fnp.equal(s, 0), 1.0, s)
        du = du + u * (1j * fnp.imag(diagonal) * fnp.where(fnp.equal(s, 0), 0.0, 1.0 / nonzero))[..., None, :]
    m, n = a.shape[-2:]
    if m > n:
        du = du + (_mm(ta, v) - _mm(u, dp)) / s[..., None, :]
    if n > m:
        dv = dv + (_mm(_mH(ta), u) - _mm(v, _mH(dp))) / s[..., None, :]
    return [du, fnp.real(diagonal), _mH(dv)]


def _svd_vjp(gs, a, *, out, full_matrices):
    _check_svd_derivative(a, full_matrices)
    (gu, gs_, gvt), (u, s, vt) = gs, out
    f = _reciprocal_gaps(s * s)
    inner = 0.0 if gs_ is None else gs_[..., :, None] * _eye_like(s)
    m, n = a.shape[-2:]
    extra = 0.0
    if gu is not None:
        utg = _mm(_mT(u), gu)
        inner = inner + (f * (utg - _mT(utg))) * s[..., None, :]
        if m > n:
            extra = _mm((gu - _mm(u, utg)) / s[..., None, :], vt)
    if gvt is not None:
        vtg = _mm(vt, _mT(gvt))  # V^T Vbar
        inner = inner + s[..., :, None] * (f * (vtg - _mT(vtg)))
        if n > m:
            extra = extra + _mm(u / s[..., None, :], gvt - _mm(_mT(vtg), vt))  # U S^-1 Vbar^T (I - V V^T)
    return [_mm(u, _mm(inner, vt)) + extra]


svd_p.jvp, svd_p.vjp = _svd_jvp, _real_or_transposed(svd_p, _svd_vjp)
svd_p.batch = _leading_batch(svd_p)
lowers(svd_p)(_kernel_lowering("svd", lambda eqn: (eqn.params["full_matrices"],)))

# -- qr ----------------------------------------------------------------------------------------


def _qr_rule(a):
    _check_matrix("qr", a, square=False)
    *batch, m, n = a.shape
    k = min(m, n)
    return [Aval((*batch, m, k), a.dtype), Aval((*batch, k, n), a.dtype)]


qr_p = Primitive("qr", lambda a: list(np.linalg.qr(a)), _qr_rule, multiple_results=True)


def qr(a):
    """The reduced QR decomposition ``(q, r)``: ``q`` with orthonormal columns, ``r`` upper
    triangular, ``a == q @ r``."""
    return bind(qr_p, a)


def _check_qr_derivative(a):
    m, n = a.shape[-2:]
    if m < n:
        raise TypeError(f"qr: the derivative is defined for matrices with at least as many rows "
                        f"as columns, got {m}x{n}")


def _times_r_inverse(x, r):
    """``x @ inv(r)`` for upper-triangular ``r``."""
    return _mT(triangular_solve(r, _mT(x), False, True))


def _qr_jvp(tangents, primals, out):
    (a,), (ta,) = primals, tangents
    _check_qr_derivative(a)
    q, r = out
    dx_rinv = _times_r_inverse(ta, r)
    c = _mm(_mH(q), dx_rinv)
    low = fnp.tril(c, -1)
    skew = low - _mH(low)  # Q^H dQ: skew-Hermitian, and R's diagonal stays real
    if _is_complex(c):
        skew = skew + 1j * (fnp.imag(c) * _real_eye(c))
    return [_mm(q, skew - c) + dx_rinv, _mm(c - skew, r)]


def _qr_vjp(gs, a, *, out):
    _check_qr_derivative(a)
    (gq, gr), (q, r) = gs, out
    gq = instantiate(gq, q)
    b = _mm(_mT(q), gq)
    if gr is not None:
        b = b - _mm(gr, _mT(r))
    k = fnp.tril(b - _mT(b), -1) - b
    total = _mm(q, k) + gq  # (Q K + Qbar) R^-T
    return [_mT(triangular_solve(r, _mT(total), False, False))]


qr_p.jvp, qr_p.vjp = _qr_jvp, _real_or_transposed(qr_p, _qr_vjp)
qr_p.batch = _leading_batch(qr_p)
lowers(qr_p)(_kernel_lowering("qr"))

# -- pinv ----------------------------------------------------------------------------------------


def _pinv_rule(a, *, rtol):
    _check_matrix("pinv", a, square=False)
    *batch, m, n = a.shape
    return Aval((*batch, n, m), a.dtype)


pinv_p = Primitive("pinv", lambda a, *, rtol: np.linalg.pinv(a, rcond=rtol), _pinv_rule)


def pinv(a, rtol):
    """The Moore-Penrose pseudo-inverse; singular values at most ``rtol`` times the largest
    count as zero. Its derivative is the closed form for a locally constant rank (Golub and
    Pereyra 1973), right also where singular values are equal."""
    return bind(pinv_p, a, rtol=float(rtol))


def _pinv_projectors(a, p):
    """``I - P A`` and ``I - A P``: the projectors onto the null spaces of ``a`` and ``a.T``."""
    return (np.eye(p.shape[-2], dtype=p.dtype) - _mm(p, a),
            np.eye(a.shape[-2], dtype=a.dtype) - _mm(a, p))


def _pinv_jvp(tangents, primals, out, *, rtol):
    (a,), (ta,), p = primals, tangents, out
    taT, pT = _mH(ta), _mH(p)
    left, right = _pinv_projectors(a, p)
    return (-_mm(p, _mm(ta, p)) + _mm(_mm(p, pT), _mm(taT, right))
            + _mm(left, _mm(taT, _mm(pT, p))))


def _pinv_vjp(g, a, *, out, rtol):
    p, pT, gT = out, _mT(out), _mT(g)
    left, right = _pinv_projectors(a, p)
    return [-_mm(pT, _mm(g, pT)) + _mm(right, _mm(gT, _mm(p, pT)))
            + _mm(_mm(pT, p), _mm(gT, left))]


pinv_p.jvp, pinv_p.vjp = _pinv_jvp, _real_or_transposed(pinv_p, _pinv_vjp)
pinv_p.batch = _leading_batch(pinv_p)
lowers(pinv_p)(_kernel_lowering("pinv", lambda eqn: (eqn.params["rtol"],)))


# -- eig: eigenvalues (and right eigenvectors) of general matrices ------------------------------


def _eig_rule(a, *, vectors):
    _check_matrix("eig", a)
    dtype = complex_dtype(a.dtype)
    values = Aval(a.shape[:-1], dtype)
    return [values, Aval(a.shape, dtype)] if vectors else [values]


eig_p = Primitive("eig", lambda a, *, vectors: list(_numpy_calls.eig(a, vectors)), _eig_rule,
                  multiple_results=True)


def eig(a, vectors=True):
    """``[w, v]`` (``[w]`` without ``vectors``): the complex eigenvalues and unit right
    eigenvectors (columns) of each square matrix, with ``a @ v == v * w``. Only the
    eigenvalues are differentiable (in reverse mode also when the eigenvectors are
    computed but not differentiated); a derivative reaching the eigenvectors raises, as
    JAX's does: without assumptions on ``a`` it is not defined."""
    return bind(eig_p, a, vectors=bool(vectors))


def _no_eigenvector_derivative(vectors):
    if vectors:
        raise TypeError("eig: the eigenvectors of a non-symmetric matrix have no derivative "
                        "funcdl (or JAX) can define without assumptions on the matrix; "
                        "differentiate eigvals, or use eigh for symmetric matrices")


def _eig_jvp(tangents, primals, out, *, vectors):
    _no_eigenvector_derivative(vectors)
    (a,), (ta,) = primals, tangents
    _, v = eig(a)
    ta = fnp.asarray(ta, v.dtype)
    return [fnp.sum(solve(v, ta) * _mT(v), axis=-1)]  # diag(v^-1 da v)


def _eig_vjp(gs, a, *, out, vectors):
    _no_eigenvector_derivative(vectors and gs[1] is not None)
    v = out[1] if vectors else eig(a)[1]
    ga = solve(_mT(v), gs[0][..., :, None] * _mT(v))  # v^-T diag(g) v^T
    return [ga if a.dtype.kind == "c" else fnp.real(ga)]


eig_p.jvp, eig_p.vjp = _eig_jvp, _eig_vjp
eig_p.batch = _leading_batch(eig_p)


@lowers(eig_p)
def _eig_lower(gen, eqn):
    objmode_call(gen, eqn, f"eig({gen.var(eqn.inputs[0])}, {eqn.params['vectors']!r})")
