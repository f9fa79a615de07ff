"""Precompiled numba kernels that generated programs call instead of inlining big loop
nests: they are compiled once per dtype signature and kept in numba's disk cache, so a
new program that uses them pays only for its own code."""
import math

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
        _im2col(xp, cols, g * cg, cg, kh, kw, ho, wo, sh, sw, dh, dw)
        wm = np.ascontiguousarray(w[g * og:(g + 1) * og].reshape((og, cg * kh * kw)).T)
        res = np.dot(cols, wm)
        for ni in range(n):
            for oi in range(og):
                for hi in range(ho):
                    for wi in range(wo):
                        out[ni, g * og + oi, hi, wi] = res[(ni * ho + hi) * wo + wi, oi]
    return out


@numba.njit(cache=True, error_model="numpy")
def _im2col(xp, cols, c0, cg, kh, kw, ho, wo, sh, sw, dh, dw):
    """``cols[(ni, hi, wi), (ci, a, b)] = xp[ni, c0 + ci, hi*sh + a*dh, wi*sw + b*dw]``. The
    inner loop runs along whichever of a row or a column of ``cols`` is longer, so that
    its stores are contiguous when the kernel is large (the weight gradient of a
    convolution is a convolution with an image-sized kernel: W4's took 1.0 ms, now 0.56)."""
    n = xp.shape[0]
    if cg * kh * kw <= n * ho * wo:  # few kernel taps: a column per tap
        for ni in range(n):
            for ci in range(cg):
                for a in range(kh):
                    for b in range(kw):
                        col = (ci * kh + a) * kw + b
                        for hi in range(ho):
                            row = (ni * ho + hi) * wo
                            for wi in range(wo):
                                cols[row + wi, col] = xp[ni, c0 + ci, hi * sh + a * dh, wi * sw + b * dw]
        return
    for ni in range(n):  # few output positions: a row per position
        for hi in range(ho):
            for wi in range(wo):
                row = (ni * ho + hi) * wo + wi
                for ci in range(cg):
                    for a in range(kh):
                        col = (ci * kh + a) * kw
                        r = hi * sh + a * dh
                        for b in range(kw):
                            cols[row, col + b] = xp[ni, c0 + ci, r, wi * sw + b * dw]


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


# -- scalar helpers of generated code (``primitives.lowering.HELPERS``) ---------------------

@numba.njit(cache=True)
def _max(a, b):
    return a if (a >= b or a != a) else b


@numba.njit(cache=True)
def _min(a, b):
    return a if (a <= b or a != a) else b


@numba.njit(cache=True)
def _f16(x):
    """x rounded to the nearest float16 (ties to even), held in a float32."""
    a = abs(np.float64(x))
    if a == 0.0 or not a < np.inf:
        return np.float32(x)
    q = max(math.frexp(a)[1] - 11, -24)  # the exponent of float16's last place at a
    r = math.ldexp(np.rint(math.ldexp(a, -q)), q)
    if r > 65504.0:
        r = np.inf
    return np.float32(r if x > 0 else -r)


@numba.njit(cache=True)
def _floordiv(a, b):
    if b == 0:
        return a - a  # numpy: 0 (of a's type)
    if b == -1:
        return -a  # wraps for the most negative value, as in numpy
    return a // b


@numba.njit(cache=True)
def _intrem(a, b):
    if b == 0 or b == -1:
        return a - a  # numpy: 0
    return a % b


# the cipher in numba, on one element (uint64 arithmetic masked to 32 bits)
@numba.njit(cache=True)
def _threefry(k0, k1, x0, x1):
    m = np.uint64(0xFFFFFFFF)
    ks0, ks1 = np.uint64(k0), np.uint64(k1)
    ks2 = ks0 ^ ks1 ^ np.uint64(0x1BD11BDA)
    ks = (ks0, ks1, ks2)
    a = (np.uint64(x0) + ks0) & m
    b = (np.uint64(x1) + ks1) & m
    rot = (13, 15, 26, 6, 17, 29, 16, 24)
    for block in range(5):
        for r in range(4):
            s = np.uint64(rot[(block % 2) * 4 + r])
            a = (a + b) & m
            b = ((b << s) | (b >> (np.uint64(32) - s))) & m
            b = b ^ a
        a = (a + ks[(block + 1) % 3]) & m
        b = (b + ks[(block + 2) % 3] + np.uint64(block + 1)) & m
    return np.uint32(a), np.uint32(b)
