"""The table of ``funcdl.numpy`` functions composed from primitives, which
``test_function_table`` walks through every transform.

Each :class:`Fn` calls one function, written once against a numpy-like module ``m``
(``numpy`` is the reference, ``funcdl.numpy`` the subject), on example arguments.
``diff`` lists the argument positions to differentiate (floats, in a smooth region); an
empty ``diff`` means the function is checked for values only (integer or piecewise-constant
results). ``vmap=False`` skips the batching check where the example arguments cannot take a
batch axis (a function of a shape, say). Adding a function means adding a row here.
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


def lax(m):
    """funcdl.lax for funcdl.numpy, the numpy references for numpy."""
    return funcdl.lax if m is fnp else NumpyLax


@dataclasses.dataclass
class Fn:
    name: str
    call: Callable
    args: tuple
    diff: tuple = ()
    note: str = ""
    vmap: bool = True
    rtol: float = 1e-12

    @property
    def id(self):
        shapes = ",".join("x".join(map(str, np.shape(a))) or "s" for a in self.args)
        return f"{self.name}[{shapes}]{self.note}"


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
SQUARE = floats((4, 4), 5)

FUNCTIONS = [
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
    # -- scipy.stats
    *[Fn(f"stats.{dist}.{fn}", lambda m, x, loc, scale, dist=dist, fn=fn:
         getattr(getattr(sp(m).stats, dist), fn)(x, loc, scale), (x, V[:3], positive((3,))),
         (0, 1, 2), rtol=1e-10)
      for dist, fns, x in [("norm", ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"), A[:, :3] * 3),
                           ("logistic", ("logpdf", "pdf", "cdf", "sf"), A[:, :3] * 5),
                           ("laplace", ("logpdf", "pdf", "cdf"), A[:, :3] + 0.01),
                           ("cauchy", ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"), A[:, :3] * 3),
                           ("expon", ("logpdf", "pdf", "cdf", "sf"), positive((3, 3)) + 2.0)]
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
    Fn("corrcoef", lambda m, x: m.corrcoef(x), (A,), (0,)),
]
