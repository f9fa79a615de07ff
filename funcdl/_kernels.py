"""Precompiled numba kernels that generated programs call instead of inlining big loop
nests: they are compiled once per dtype signature and kept in numba's disk cache, so a
new program that uses them pays only for its own code."""
import numba
import numpy as np


@numba.njit(cache=True, error_model="numpy")
def conv2d(x, w, sh, sw, dh, dw, pt, pb, pl, pr, groups, ho, wo):
    """Grouped, strided, dilated 2-D convolution (NCHW input, OIHW kernel): im2col and
    one BLAS product per group."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    og = o // groups
    xp = np.zeros((n, c, h + pt + pb, wd + pl + pr), dtype=x.dtype)
    xp[:, :, pt:pt + h, pl:pl + wd] = x
    out = np.empty((n, o, ho, wo), dtype=x.dtype)
    cols = np.empty((n * ho * wo, cg * kh * kw), dtype=x.dtype)
    for g in range(groups):
        for ni in range(n):
            for ci in range(cg):
                for a in range(kh):
                    for b in range(kw):
                        col = (ci * kh + a) * kw + b
                        for hi in range(ho):
                            row = (ni * ho + hi) * wo
                            for wi in range(wo):
                                cols[row + wi, col] = xp[ni, g * cg + ci, hi * sh + a * dh, wi * sw + b * dw]
        wm = np.ascontiguousarray(w[g * og:(g + 1) * og].reshape((og, cg * kh * kw)).T)
        res = np.dot(cols, wm)
        for ni in range(n):
            for oi in range(og):
                for hi in range(ho):
                    for wi in range(wo):
                        out[ni, g * og + oi, hi, wi] = res[(ni * ho + hi) * wo + wi, oi]
    return out


@numba.njit(cache=True, error_model="numpy")
def conv2d_loops(x, w, sh, sw, dh, dw, pt, pb, pl, pr, groups, ho, wo):
    """The same convolution as direct loops (integer dtypes: no BLAS)."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    og = o // groups
    out = np.zeros((n, o, ho, wo), dtype=x.dtype)
    for ni in range(n):
        for oi in range(o):
            g = oi // og
            for ci in range(cg):
                for a in range(kh):
                    for b in range(kw):
                        for hi in range(ho):
                            r = hi * sh + a * dh - pt
                            if 0 <= r < h:
                                for wi in range(wo):
                                    s = wi * sw + b * dw - pl
                                    if 0 <= s < wd:
                                        out[ni, oi, hi, wi] += x[ni, g * cg + ci, r, s] * w[oi, ci, a, b]
    return out
