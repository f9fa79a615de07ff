"""The table of primitives that every transform's tests walk.

Each :class:`Case` applies one primitive (through its binding helper in
``funcdl.primitives``) to example arguments, with an independent numpy reference.
``diff`` lists the arguments that are differentiable (floating point, in a smooth region).
``grad_order`` caps the order of the finite-difference check (1 at ties and kinks, where
central differences match the first derivative's even split but not the second).
``batch_values`` optionally maps an argument's position to ``b -> example b`` of that argument
for the vmap table (``b = 0`` gives the case's own value), where the default variants (see
``test_vmap_table``) would not differ across the batch or would leave the valid range.
Adding a primitive means adding its cases here; ``test_primitives`` fails for a
registered primitive without a case.
"""
import dataclasses
from typing import Callable

import numpy as np
import scipy.special

import funcdl as fd
from funcdl import primitives as P


@dataclasses.dataclass
class Case:
    prim: str
    fun: Callable
    args: tuple
    ref: Callable
    diff: tuple = ()
    note: str = ""
    reverse_mode: bool = True  # False: reverse-mode differentiation must raise TypeError
    grad_order: int = 2
    batch_values: dict = dataclasses.field(default_factory=dict)

    @property
    def id(self):
        shapes = ",".join("x".join(map(str, np.shape(a))) or "s" for a in self.args)
        dtypes = ",".join(np.asarray(a).dtype.name for a in self.args)
        return f"{self.prim}[{shapes}|{dtypes}]{self.note}"


def _rng(seed):
    return np.random.default_rng(seed)


def floats(shape, seed=0, lo=-2.0, hi=2.0, dtype=np.float64):
    return _rng(seed).uniform(lo, hi, size=shape).astype(dtype)


def away_from_zero(shape, seed=0, dtype=np.float64):
    """Values in [0.5, 2] with random signs (no kinks or poles near them)."""
    r = _rng(seed)
    return (r.uniform(0.5, 2.0, size=shape) * r.choice([-1, 1], size=shape)).astype(dtype)


def distinct(shape, seed=0, dtype=np.float64):
    """Values without ties (so max/min/argmax have a unique answer)."""
    n = int(np.prod(shape))
    return (_rng(seed).permutation(n).reshape(shape) * 0.37 - n * 0.15 + 0.05).astype(dtype)


BROADCAST_PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((4, 1, 3), (2, 1))]
BROADCAST_TRIPLES = [((3,), (3,), (3,)), ((2, 3), (3,), ()), ((2, 1), (1, 3), (2, 3)), ((), (), (4,))]

# Elementwise primitives declare where their inputs live (``prim.domain``, see
# funcdl/primitives/elementwise.py); these generators sample those domains.
DOMAINS = {
    "nonzero": away_from_zero,
    "distinct": distinct,
    "off_grid": lambda s, k: floats(s, k) + 0.01,
    "rounded": lambda s, k: np.round(floats(s, k)),
    "bool": lambda s, k: floats(s, k) > 0,
    "with_nan": lambda s, k: np.where(floats(s, k) > 1, np.nan, floats(s, k)),
    "with_inf": lambda s, k: np.where(floats(s, k) > 1, np.inf, floats(s, k)),
    "ints": lambda s, k: _rng(k).integers(-50, 51, size=s).astype(np.int32),
    "shifts": lambda s, k: _rng(k).integers(-2, 41, size=s).astype(np.int32),
    "orders": lambda s, k: _rng(k).integers(0, 4, size=s).astype(np.float64),  # polygamma's n
    "complex": lambda s, k: complexify(floats(s, k), k),
}


def complexify(x, seed):
    """``x`` plus an imaginary part of 0.2 to 0.6 in size (random signs): clear of the branch
    cuts on the real axis (and, for arctan/arcsinh, of the poles at +-i)."""
    r = _rng(seed + 100)
    if x.dtype == np.bool_:
        return x
    imag = r.uniform(0.2, 0.6, size=np.shape(x)) * r.choice([-1, 1], size=np.shape(x))
    if np.all(x == np.round(x)):  # "rounded" values: equal parts make equal numbers happen
        imag = np.round(imag * 5)
    return (x + 1j * imag).astype(np.complex64 if x.dtype == np.float32 else np.complex128)
INTEGER_DOMAINS = ("ints", "shifts")
# independent references where the implementation is not numpy's own function
REFERENCES = {"erf": scipy.special.erf, "erfc": scipy.special.erfc, "erf_inv": scipy.special.erfinv,
              "erf_inv_xla": scipy.special.erfinv, "lgamma": scipy.special.gammaln,
              "digamma": scipy.special.digamma, "i0e": scipy.special.i0e, "i1e": scipy.special.i1e,
              "polygamma": scipy.special.polygamma, "zeta": scipy.special.zeta,
              "igamma": scipy.special.gammainc, "igammac": scipy.special.gammaincc,
              "betainc": scipy.special.betainc,
              "div": np.true_divide, "complex": lambda x, y: x + 1j * y}


def sampler(domain, offset=0):
    """An input generator ``(shape, seed) -> array`` for a declared domain."""
    if isinstance(domain, tuple):
        lo, hi = domain
        return lambda s, k: floats(s, k + offset, lo, hi)
    gen = DOMAINS[domain]
    if domain == "distinct" and offset:  # no ties with the first operand either
        return lambda s, k: gen(s, k + offset) + 0.0123
    return (lambda s, k: gen(s, k + offset)) if offset else gen


def _rows(arity):
    """(name, generators, reference, differentiated operands) of every elementwise primitive
    (those with float outputs are gradient-checked, piecewise-constant ones included, in the
    operands they declare differentiable)."""
    return [(p.name, [sampler(d, 7 * i) for i, d in enumerate(p.domain)],
             REFERENCES.get(p.name, p.impl),
             p.differentiable if (p.out_dtype is None or callable(p.out_dtype))
             and not set(p.domain) & {"bool", *INTEGER_DOMAINS} else ())
            for p in P.elementwise_prims.values() if p.arity == arity]


UNARY = [(name, gens[0], ref, diff) for name, gens, ref, diff in _rows(1)]
BINARY = [(name, gens[0], gens[1], ref, diff) for name, gens, ref, diff in _rows(2)]
TERNARY = _rows(3)


def _takes_complex(name):
    """Whether the primitive takes complex operands besides real ones."""
    prim = P.elementwise_prims[name]
    return "c" in prim.kinds and len(prim.kinds) > 1


def _elementwise_cases():
    cases = []
    for name, gen, ref, diff in UNARY:
        for k, shape in enumerate([(), (3,), (2, 3), (0, 2)]):
            x = gen(shape, k)
            cases.append(Case(name, lambda x, name=name: P.unary(name, x), (x,), ref, diff))
        if not set(P.elementwise_prims[name].domain) & {"bool", *INTEGER_DOMAINS}:
            x = gen((3,), 9).astype(np.float32 if gen((), 0).dtype.kind == "f" else np.complex64)
            cases.append(Case(name, lambda x, name=name: P.unary(name, x), (x,), ref, diff))
        if _takes_complex(name):  # the complex operands too: float64 and float32 parts
            for k, (shape, dtype) in enumerate([((2, 3), np.float64), ((3,), np.float32)]):
                x = complexify(gen(shape, k + 11).astype(dtype), k)
                cases.append(Case(name, lambda x, name=name: P.unary(name, x), (x,), ref, diff, "complex"))
    for name, gen_x, gen_y, ref, diff in BINARY:
        for k, (sx, sy) in enumerate(BROADCAST_PAIRS):
            x, y = gen_x(sx, k), gen_y(sy, k + 3)
            cases.append(Case(name, lambda x, y, name=name: P.binary(name, x, y), (x, y), ref, diff))
        if _takes_complex(name):
            for k, ((sx, sy), dtype) in enumerate([(((2, 3), (3,)), np.float64), (((3,), (3,)), np.float32)]):
                x, y = complexify(gen_x(sx, k + 11).astype(dtype), k), complexify(gen_y(sy, k + 13).astype(dtype), k + 1)
                cases.append(Case(name, lambda x, y, name=name: P.binary(name, x, y), (x, y), ref, diff, "complex"))
    for name, gens, ref, diff in TERNARY:
        for k, shapes in enumerate(BROADCAST_TRIPLES):
            args = tuple(gen(shape, k + 5 * i) for i, (gen, shape) in enumerate(zip(gens, shapes)))
            cases.append(Case(name, lambda *xs, name=name: P.ternary(name, *xs), args, ref, diff))
        args = tuple(gen((3,), 9 + i).astype(np.float32) for i, gen in enumerate(gens))
        cases.append(Case(name, lambda *xs, name=name: P.ternary(name, *xs), args, ref, diff))
    ints = [("add", np.add), ("mul", np.multiply), ("div", np.floor_divide), ("rem", np.remainder),
            ("max", np.maximum), ("lt", np.less), ("eq", np.equal)]
    for name, ref in ints:
        x = _rng(1).integers(-5, 6, (2, 3)).astype(np.int32)
        y = _rng(2).integers(1, 4, (3,)).astype(np.int32)
        cases.append(Case(name, lambda x, y, name=name: P.binary(name, x, y), (x, y), ref, (),
                          "int"))
    for shapes in [((2, 3), (2, 3), (2, 3)), ((3,), (2, 3), ()), ((2, 1), (1, 3), (3,))]:
        p = floats(shapes[0], 4) > 0
        cases.append(Case("select", P.select, (p, floats(shapes[1], 5), floats(shapes[2], 6)),
                          np.where, (1, 2)))
    for src, dst in [(np.float64, np.float32), (np.float32, np.float64), (np.float64, np.int32),
                     (np.int32, np.float64), (np.bool_, np.float32), (np.float64, np.complex128),
                     (np.float32, np.complex64), (np.complex128, np.complex64), (np.complex128, np.float64),
                     (np.complex64, np.int32)]:
        x = (floats((2, 3), 7) * 3).astype(src)
        if np.dtype(src).kind == "c":
            x = complexify(x.real, 7).astype(src)
        cases.append(Case("convert", lambda x, dst=dst: P.convert(x, dst), (x,),
                          lambda x, dst=dst: np.real(x).astype(dst) if np.dtype(dst).kind != "c" else x.astype(dst),
                          (0,) if np.dtype(src).kind in "fc" and np.dtype(dst).kind in "fc" else (),
                          f"->{np.dtype(dst).name}"))
    return cases


def _structural_cases():
    x23, x234 = floats((2, 3), 1), floats((2, 3, 4), 2)
    c = []
    c += [Case("broadcast_to", lambda x, s=s: P.broadcast_to(x, s), (x,),
               lambda x, s=s: np.broadcast_to(x, s), (0,))
          for x, s in [(floats((3,), 1), (2, 3)), (floats((2, 1), 2), (4, 2, 5)), (np.float64(1.5), (2,))]]
    c += [Case("reshape", lambda x, s=s: P.reshape(x, s), (x,), lambda x, s=s: np.reshape(x, s), (0,))
          for x, s in [(x23, (3, 2)), (x234, (4, 6)), (floats((1,), 3), ()), (x23, (6,))]]
    c += [Case("transpose", lambda x, p=p: P.transpose(x, p), (x,),
               lambda x, p=p: np.transpose(x, p), (0,))
          for x, p in [(x23, (1, 0)), (x234, (2, 0, 1))]]
    c += [Case("slice", lambda x, a=a, b=b, s=s: P.slice(x, a, b, s), (x,),
               lambda x, a=a, b=b, s=s: x[tuple(slice(*t) for t in zip(a, b, s))], (0,))
          for x, a, b, s in [(x23, (0, 1), (2, 3), (1, 1)), (x234, (1, 0, 1), (2, 3, 4), (1, 2, 2)),
                             (floats((7,), 4), (1,), (7,), (3,))]]
    c += [Case("rev", lambda x, d=d: P.rev(x, d), (x,), lambda x, d=d: np.flip(x, d), (0,))
          for x, d in [(x23, (1,)), (x234, (0, 2))]]
    c += [Case("pad", lambda x, v, cfg=cfg: P.pad(x, v, cfg), (x, np.float64(0.5)),
               lambda x, v, cfg=cfg: _pad_ref(x, v, cfg), (0, 1))
          for x, cfg in [(x23, ((1, 2, 0), (0, 1, 0))), (x23, ((0, 0, 1), (2, 0, 2))),
                         (floats((5,), 6), ((-1, -2, 0),)), (floats((3,), 5), ((-1, 2, 1),))]]
    c += [Case("concatenate", lambda *xs, d=d: P.concatenate(xs, d), xs,
               lambda *xs, d=d: np.concatenate(xs, d), tuple(range(len(xs))))
          for xs, d in [((x23, floats((2, 2), 3)), 1), ((floats((1, 3), 4), x23, floats((3, 3), 5)), 0)]]
    return c


def _pad_ref(x, value, config):
    """Independent reference for lax-style padding (low, high, interior; negatives crop)."""
    for axis, (lo, hi, interior) in enumerate(config):
        n = x.shape[axis]
        if interior and n > 1:
            idx = np.repeat(np.arange(1, n), interior)
            x = np.insert(x, idx, value, axis=axis)
        pad = [(0, 0)] * x.ndim
        pad[axis] = (max(lo, 0), max(hi, 0))
        x = np.pad(x, pad, constant_values=value)
        x = np.take(x, np.arange(max(-lo, 0), x.shape[axis] - max(-hi, 0)), axis=axis)
    return x


def _reduction_cases():
    c = []
    refs = {"reduce_sum": np.sum, "reduce_prod": np.prod, "reduce_max": np.max, "reduce_min": np.min}
    for name, ref in refs.items():
        gen = distinct if name in ("reduce_max", "reduce_min") else floats
        for shape, axes in [((5,), (0,)), ((2, 3), (1,)), ((2, 3, 4), (0, 2)), ((2, 3), (0, 1))]:
            c.append(Case(name, lambda x, name=name, axes=axes: P.reduce(name, x, axes), (gen(shape, 1),),
                          lambda x, ref=ref, axes=axes: ref(x, axis=axes), (0,)))
    c.append(Case("reduce_sum", lambda x: P.reduce("reduce_sum", x, (0,)),
                  (np.arange(6, dtype=np.int32).reshape(3, 2),),
                  lambda x: np.sum(x, 0, dtype=np.int32), (), "int"))
    for name, ref in (("argmax", np.argmax), ("argmin", np.argmin)):
        for shape, axis in [((5,), 0), ((3, 4), 1), ((3, 4), 0)]:
            c.append(Case(name, lambda x, f=getattr(P, name), a=axis: f(x, a), (distinct(shape, 2),),
                          lambda x, ref=ref, a=axis: ref(x, a)))
    for shape, axis, reverse in [((5,), 0, False), ((3, 4), 1, True), ((3, 4), 0, False)]:
        c.append(Case("cumsum", lambda x, a=axis, r=reverse: P.cumsum(x, a, r), (floats(shape, 3),),
                      lambda x, a=axis, r=reverse: np.flip(np.cumsum(np.flip(x, a), a), a) if r
                      else np.cumsum(x, a), (0,)))
    for shape, axis in [((6,), 0), ((3, 4), 1)]:
        c.append(Case("argsort", lambda x, a=axis: P.argsort(x, a), (distinct(shape, 4),),
                      lambda x, a=axis: np.argsort(x, a)))
    return c


def _contraction_cases():
    c = []
    dot_specs = [  # (lhs shape, rhs shape, dimension numbers, einsum reference)
        ((2, 3), (3, 4), (((1,), (0,)), ((), ())), "ij,jk->ik"),
        ((3,), (3,), (((0,), (0,)), ((), ())), "i,i->"),
        ((5, 2, 3), (5, 3, 4), (((2,), (1,)), ((0,), (0,))), "bij,bjk->bik"),
        ((2, 3, 4), (4, 3), (((1, 2), (1, 0)), ((), ())), "ijk,kj->i"),
        ((3, 2), (3, 2, 5), (((0,), (0,)), ((1,), (1,))), "ib,ibk->bk"),
        ((2, 3), (4,), (((), ()), ((), ())), "ij,k->ijk"),
    ]
    for k, (sa, sb, dims, spec) in enumerate(dot_specs):
        c.append(Case("dot_general", lambda a, b, d=dims: P.dot_general(a, b, d),
                      (floats(sa, k), floats(sb, k + 10)),
                      lambda a, b, s=spec: np.einsum(s, a, b), (0, 1)))
    c.append(Case("dot_general", lambda a, b: P.dot_general(a, b, (((1,), (0,)), ((), ()))),
                  (floats((2, 3), 1, dtype=np.float32), floats((3, 2), 2, dtype=np.float32)),
                  lambda a, b: a @ b, (0, 1)))
    for k, (sa, sb, dims, spec) in enumerate(dot_specs[:4]):  # complex operands: BLAS's zgemm/cgemm
        dtype = np.float32 if k == 3 else np.float64
        c.append(Case("dot_general", lambda a, b, d=dims: P.dot_general(a, b, d),
                      (complexify(floats(sa, k + 20, dtype=dtype), k), complexify(floats(sb, k + 30, dtype=dtype), k + 1)),
                      lambda a, b, s=spec: np.einsum(s, a, b), (0, 1), "-complex"))
    conv_specs = [  # (x shape, w shape, strides, padding, dilation, groups)
        ((2, 3, 6, 5), (4, 3, 3, 2), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),
        ((1, 2, 7, 7), (3, 2, 3, 3), (2, 2), ((1, 1), (2, 0)), (1, 1), 1),
        ((1, 2, 8, 6), (2, 2, 2, 2), (1, 2), ((0, 1), (1, 1)), (2, 1), 1),
        ((2, 4, 5, 5), (6, 2, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 2),
    ]
    for k, (sx, sw, st, pad, dil, g) in enumerate(conv_specs):
        c.append(Case("conv", lambda x, w, st=st, pad=pad, dil=dil, g=g: P.conv(x, w, st, pad, dil, g),
                      (floats(sx, k), floats(sw, k + 5)),
                      lambda x, w, st=st, pad=pad, dil=dil, g=g: _conv_ref(x, w, st, pad, dil, g), (0, 1)))
    return c


def _conv_ref(x, w, strides, padding, dilation, groups):
    """Direct loop reference for grouped, strided, dilated NCHW/OIHW convolution."""
    x = np.pad(x, ((0, 0), (0, 0)) + tuple(padding))
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    ho = (h - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    wo = (wd - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    out = np.zeros((n, o, ho, wo), x.dtype)
    og = o // groups
    for oc in range(o):
        g = oc // og
        for i in range(ho):
            for j in range(wo):
                for a in range(kh):
                    for b in range(kw):
                        xi = i * strides[0] + a * dilation[0]
                        xj = j * strides[1] + b * dilation[1]
                        out[:, oc, i, j] += x[:, g * cg:(g + 1) * cg, xi, xj] @ w[oc, :, a, b]
    return out


def _spd(n, seed, batch=(), dtype=np.float64):
    """Well-conditioned symmetric positive definite matrices."""
    m = floats(batch + (n, n), seed)
    return (m @ np.swapaxes(m, -1, -2) + n * np.eye(n)).astype(dtype)


def _conditioned(shape, seed, dtype=np.float64):
    """Matrices with the identity's multiple added: far from singular."""
    return (floats(shape, seed) + 3.0 * np.eye(shape[-1])).astype(dtype)


def _hpd(n, seed, batch=(), dtype=np.complex128):
    """Well-conditioned Hermitian positive definite matrices."""
    m = complexify(floats(batch + (n, n), seed), seed)
    return (m @ np.conj(np.swapaxes(m, -1, -2)) + n * np.eye(n)).astype(dtype)


def _column_signs(x, m):
    """Turn each column of ``x`` so its first row is real and positive (fixes the signs or
    phases of eigenvectors)."""
    return x * m.conj(m.sign(x[..., :1, :]))


def _eigh_fixed(m, eigh):
    def f(a):
        w, v = eigh(a)
        return w, _column_signs(v, m)
    return f


def _svd_fixed(m, svd, **kw):
    def f(a):
        u, s, vt = svd(a, **kw)
        signs = m.sign(u[..., :1, :])
        return u * m.conj(signs), s, vt * m.swapaxes(signs[..., :s.shape[-1]], -1, -2)
    return f


def _decomposition_cases():
    lin = np.linalg
    c = [Case("cholesky", P.decompositions.cholesky, (a,), lin.cholesky, (0,), note)
         for a, note in [(_spd(3, 1), ""), (_spd(3, 2, (2,)), "-batch"),
                         (_spd(3, 3, dtype=np.float32), "")]]
    for lower in (True, False):
        for trans in (True, False):
            tri = np.tril if lower else np.triu
            ref = (lambda a, b, tri=tri, t=trans: lin.solve(np.swapaxes(tri(a), -1, -2) if t else tri(a), b))
            c += [Case("triangular_solve", lambda a, b, lo=lower, t=trans: P.decompositions.triangular_solve(a, b, lo, t),
                       (_conditioned(sa, 4), floats(sb, 5)), ref, (0, 1), f"-lower{lower}-trans{trans}")
                  for sa, sb in [((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1))]]
    solve = P.decompositions.solve
    c += [Case("solve", solve, (_conditioned(sa, 6), floats(sb, 7)), lin.solve, (0, 1))
          for sa, sb in [((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2))]]
    c.append(Case("solve", solve, (_conditioned((3, 3), 8, np.float32), floats((3, 1), 9).astype(np.float32)),
                  lin.solve, (0, 1)))
    singular = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])  # rank 2
    c += [Case("det", P.decompositions.det, (a,), lin.det, (0,), note, grad_order=order)
          for a, note, order in [(floats((3, 3), 10), "", 2), (floats((2, 3, 3), 11), "-batch", 2),
                                 (singular, "-singular", 1)]]
    c += [Case("slogdet", P.decompositions.slogdet, (a,), lambda a: list(lin.slogdet(a)), (0,), note)
          for a, note in [(_conditioned((3, 3), 12), ""), (_conditioned((2, 3, 3), 13), "-batch")]]
    c += [Case("eigh", _eigh_fixed(fd.numpy, P.decompositions.eigh), (a,), _eigh_fixed(np, lin.eigh), (0,), note)
          for a, note in [(_spd(3, 14), ""), (floats((3, 3), 15), "-lower-triangle"),
                          (_spd(3, 16, (2,)), "-batch"), (_spd(3, 17, dtype=np.float32), "")]]
    svd = P.decompositions.svd
    c += [Case("svd", _svd_fixed(fd.numpy, svd, full_matrices=full), (floats(s, 18 + k),),
               _svd_fixed(np, lin.svd, full_matrices=full), (0,) if diff else (), note)
          for k, (s, full, diff, note) in enumerate([
              ((4, 3), False, True, "-tall"), ((3, 4), False, True, "-wide"), ((3, 3), True, True, "-full"),
              ((2, 3, 2), False, True, "-batch"), ((4, 2), True, False, "-full-tall")])]
    c += [Case("qr", P.decompositions.qr, (floats(s, 24 + k),), lambda a: list(lin.qr(a)),
               (0,) if s[-2] >= s[-1] else (), note)
          for k, (s, note) in enumerate([((4, 3), "-tall"), ((3, 3), ""), ((2, 3, 2), "-batch"),
                                         ((2, 4), "-wide")])]
    eig = P.decompositions.eig
    def complex_of(x, a):
        return x.astype(np.complex64 if a.dtype in (np.float32, np.complex64) else np.complex128)
    c += [Case("eig", lambda a: eig(a, False), (a,), lambda a: [complex_of(np.linalg.eigvals(a), a)], (0,), note,
               grad_order=1)  # the first derivative's rule uses the eigenvectors, which have none
          for a, note in [(floats((3, 3), 31), "-complex-pairs"), (floats((2, 3, 3), 32), "-batch"),
                          (complexify(floats((3, 3), 33), 33), "-complex"),
                          (floats((3, 3), 34, dtype=np.float32), "")]]
    c.append(Case("eig", lambda a: eig(a)[0], (floats((3, 3), 35),), lambda a: complex_of(np.linalg.eig(a)[0], a), (),
                  "-vectors"))
    c += [Case("solve", solve, (complexify(_conditioned((3, 3), 36), 36), complexify(floats((3, 2), 37), 37)),
               lin.solve, (0, 1), "-complex")]
    pinv = P.decompositions.pinv
    c += [Case("pinv", lambda a: pinv(a, 1e-12), (a,), lambda a: lin.pinv(a, rcond=1e-12), (0,), note)
          for a, note in [(floats((4, 3), 28), "-tall"), (floats((2, 3), 29), "-wide"),
                          (np.eye(3), "-equal-singular-values"), (floats((2, 3, 2), 30), "-batch")]]
    return c + _complex_decomposition_cases()


def _complex_decomposition_cases():
    """Complex matrices: Hermitian ones for cholesky and eigh (whose derivative rules must
    ignore the upper triangle and the imaginary parts of the diagonal)."""
    lin, D = np.linalg, P.decompositions
    c = [Case("cholesky", D.cholesky, (a,), lin.cholesky, (0,), note)
         for a, note in [(_hpd(3, 40), "-complex"), (_hpd(3, 41, (2,), np.complex64), "-complex-batch")]]
    c += [Case("triangular_solve", lambda a, b, t=trans: D.triangular_solve(a, b, True, t),
               (complexify(_conditioned((3, 3), 42), 42), complexify(floats((3, 2), 43), 43)),
               lambda a, b, t=trans: lin.solve(np.swapaxes(np.tril(a), -1, -2) if t else np.tril(a), b),
               (0, 1), f"-complex-trans{trans}") for trans in (True, False)]
    c += [Case("det", D.det, (a,), lin.det, (0,), "-complex")
          for a in [complexify(floats((3, 3), 44), 44), complexify(floats((2, 3, 3), 45), 45)]]
    c += [Case("slogdet", D.slogdet, (complexify(_conditioned((3, 3), 46), 46),),
               lambda a: list(lin.slogdet(a)), (0,), "-complex")]
    hermitian_lower = np.tril(complexify(floats((3, 3), 47), 47)) + 3 * np.eye(3)  # upper part and imag diagonal ignored
    c += [Case("eigh", _eigh_fixed(fd.numpy, D.eigh), (a,), _eigh_fixed(np, lin.eigh), (0,), note)
          for a, note in [(_hpd(3, 48), "-complex"), (hermitian_lower, "-complex-lower-triangle"),
                          (_hpd(3, 49, (2,), np.complex64), "-complex-batch")]]
    c += [Case("svd", _svd_fixed(fd.numpy, D.svd, full_matrices=full), (complexify(floats(s, 50 + k), 50 + k),),
               _svd_fixed(np, lin.svd, full_matrices=full), (0,), note)
          for k, (s, full, note) in enumerate([((4, 3), False, "-complex-tall"), ((3, 4), False, "-complex-wide"),
                                               ((3, 3), True, "-complex-full")])]
    c += [Case("qr", D.qr, (complexify(floats(s, 54 + k), 54 + k),), lambda a: list(lin.qr(a)), (0,), note)
          for k, (s, note) in enumerate([((4, 3), "-complex-tall"), ((2, 3, 3), "-complex-batch")])]
    c += [Case("pinv", lambda a: D.pinv(a, 1e-12), (complexify(floats((4, 3), 56), 56),),
               lambda a: lin.pinv(a, rcond=1e-12), (0,), "-complex")]
    return c


def _indexing_cases():
    c = []
    x = floats((5, 3), 1)
    for idx in [np.array([4, 0, 2, 2]), np.array([[1, 3], [0, 0]]), np.array(2), np.array([7, -1])]:
        c.append(Case("gather", P.gather, (x, idx),
                      lambda x, i: x[np.clip(i, 0, x.shape[0] - 1)], (0,),
                      batch_values={1: lambda b, i=idx: i + b} if idx.size == 1 else {}))
    upd_specs = [(np.array([4, 0, 2]), (3, 3)), (np.array([[1, 1], [3, 1]]), (2, 2, 3))]
    for mode in ("add", "set", "mul"):
        for k, (idx, ushape) in enumerate(upd_specs):
            if mode == "set" and len(np.unique(idx)) != idx.size:
                continue  # 'set' with duplicate indices has no unique derivative
            c.append(Case("scatter", lambda x, i, u, m=mode: P.scatter(x, i, u, m),
                          (x, idx, floats(ushape, k + 3)),
                          lambda x, i, u, m=mode: _scatter_ref(x, i, u, m), (0, 2), f"-{mode}"))
    c.append(Case("scatter", lambda x, i, u: P.scatter(x, i, u, "add"),
                  (x, np.array([1, 9, -1]), floats((3, 3), 8)),
                  lambda x, i, u: _scatter_ref(x, i[:1], u[:1], "add"), (0, 2), "-drop-out-of-range"))
    return c


def _dynamic_slice_ref(x, *starts, sizes):
    """The window by Python slicing, its starts clamped into range."""
    at = [min(max(int(s), 0), d - n) for s, d, n in zip(starts, x.shape, sizes)]
    return x[tuple(slice(a, a + n) for a, n in zip(at, sizes))]


def _dynamic_update_slice_ref(x, u, *starts):
    at = [min(max(int(s), 0), d - n) for s, d, n in zip(starts, x.shape, u.shape)]
    out = x.copy()
    out[tuple(slice(a, a + n) for a, n in zip(at, u.shape))] = u
    return out


def _starts(*specs):
    """0-d start indices ``(value, dtype, step)`` and their ``batch_values`` (example ``b``
    moves a start by ``step * b``, out of range too, so that batched starts differ), for
    arguments from position ``first`` on."""
    def make(first):
        args = tuple(np.array(v, dt) for v, dt, _ in specs)
        batch = {first + k: (lambda b, v=v, dt=dt, st=st: np.array(v + st * b, dt))
                 for k, (v, dt, st) in enumerate(specs)}
        return args, batch
    return make


def _dynamic_slicing_cases():
    c = []
    i64, i32, u8 = np.int64, np.int32, np.uint8
    slices = [  # (operand, starts, slice sizes, note)
        (floats((5, 3), 1), _starts((2, i64, 2), (0, i64, 1)), (2, 3), "-rows"),  # a contiguous view
        (floats((4, 5), 2), _starts((1, i64, -1), (1, u8, 2)), (2, 3), "-window"),
        (floats((6,), 3), _starts((9, i64, -4)), (3,), "-clamped-high"),
        (floats((6,), 4), _starts((-2, i64, 3)), (4,), "-clamped-low"),
        (floats((2, 3, 4), 5), _starts((1, i32, -1), (7, i64, -3), (-1, i32, 1)), (1, 2, 4),
         "-leading-size1-clamped"),
        (floats((3, 4), 6, dtype=np.float32), _starts((1, i64, 1), (2, i32, -1)), (2, 2), ""),
    ]
    for x, make, sizes, note in slices:
        starts, batch = make(1)
        c.append(Case("dynamic_slice", lambda x, *s, n=sizes: P.dynamic_slice(x, s, n), (x,) + starts,
                      lambda x, *s, n=sizes: _dynamic_slice_ref(x, *s, sizes=n), (0,), note,
                      batch_values=batch))
    updates = [  # (operand, update shape, starts, note)
        (floats((5, 3), 1), (2, 3), _starts((2, i64, 2), (0, i64, 1)), "-rows"),
        (floats((4, 5), 2), (2, 2), _starts((3, i64, -2), (-1, i32, 2)), "-clamped"),
        (floats((6,), 3), (3,), _starts((10, i64, -4)), "-clamped-high"),
        (floats((2, 3, 4), 4), (1, 2, 4), _starts((1, i32, -1), (0, u8, 1), (0, i64, 2)), "-3d"),
    ]
    for k, (x, ushape, make, note) in enumerate(updates):
        starts, batch = make(2)
        c.append(Case("dynamic_update_slice", lambda x, u, *s: P.dynamic_update_slice(x, u, s),
                      (x, floats(ushape, 10 + k)) + starts, _dynamic_update_slice_ref, (0, 1), note,
                      batch_values=batch))
    return c


def _scatter_ref(x, idx, updates, mode):
    out = x.copy()
    for i, u in zip(idx.reshape(-1), updates.reshape((-1,) + x.shape[1:])):
        if mode == "add":
            out[i] += u
        elif mode == "mul":
            out[i] *= u
        else:
            out[i] = u
    return out


def _threefry_reference(k0, k1, x0, x1):
    """Threefry-2x32, 20 rounds, written with Python ints (independent of the numpy impl)."""
    mask = 0xFFFFFFFF
    rot = [13, 15, 26, 6, 17, 29, 16, 24]
    ks = [k0, k1, k0 ^ k1 ^ 0x1BD11BDA]
    x = [(x0 + ks[0]) & mask, (x1 + ks[1]) & mask]
    for r in range(20):
        x[0] = (x[0] + x[1]) & mask
        x[1] = ((x[1] << rot[r % 8]) | (x[1] >> (32 - rot[r % 8]))) & mask
        x[1] ^= x[0]
        if r % 4 == 3:
            s = r // 4 + 1
            x[0] = (x[0] + ks[s % 3]) & mask
            x[1] = (x[1] + ks[(s + 1) % 3] + s) & mask
    return x


def _threefry_ref_arrays(k0, k1, x0, x1):
    arrays = np.broadcast_arrays(k0, k1, x0, x1)
    out = [np.zeros(arrays[0].shape, np.uint32) for _ in range(2)]
    for i in np.ndindex(arrays[0].shape):
        y = _threefry_reference(*[int(a[i]) for a in arrays])
        out[0][i], out[1][i] = y
    return out


def _u32_args(shapes, seed):
    r = _rng(seed)
    return tuple(r.integers(0, 2 ** 32, size=s, dtype=np.uint64).astype(np.uint32) for s in shapes)


def _random_cases():
    cases = []
    for k, shapes in enumerate([((), (), (4,), (4,)), ((2, 1), (1,), (3,), (2, 3))]):
        draws = lambda b, shapes=shapes, k=k: _u32_args(shapes, 5 + 10 * k + b)  # noqa: E731
        cases.append(Case("threefry2x32", lambda *a: list(P.threefry2x32(*a)), draws(0),
                          _threefry_ref_arrays,
                          batch_values={i: lambda b, i=i, d=draws: d(b)[i] for i in range(4)}))
    return cases


def _bitcast_cases():
    """Each width change (same, narrower: a trailing axis; wider: consuming it), scalars too;
    the references read the bits with numpy's ``view``."""
    special = np.array([0.0, -0.0, np.inf, -np.nan, 1e-310, -2.5])
    cases = [Case("bitcast", lambda x, d=d: P.bitcast(x, d), (x,), lambda x, d=d: np.ascontiguousarray(x).view(d).reshape(
        x.shape + (x.itemsize // np.dtype(d).itemsize,) if np.dtype(d).itemsize < x.itemsize else x.shape), (), note)
        for x, d, note in [(special, np.int64, "-same"), (floats((2, 3), 60).astype(np.float32), np.uint16, "-narrower"),
                           (np.float64(1.5), np.uint64, "-scalar"), (special.astype(np.float32), np.uint8, "-bytes")]]
    wide = _rng(61).integers(0, 2 ** 16, (3, 2)).astype(np.uint16)
    cases.append(Case("bitcast", lambda x: P.bitcast(x, np.float32), (wide,),
                      lambda x: np.ascontiguousarray(x).view(np.float32).reshape(3), (), "-wider"))
    return cases


def _custom_sin_mul():
    import funcdl as fd
    import funcdl.numpy as fnp

    @fd.custom_vjp
    def sin_mul(x, y):
        return fnp.sin(x) * y

    def fwd(x, y):
        return sin_mul(x, y), (x, y)

    def bwd(res, g):
        x, y = res
        return (P.binary("mul", g, P.binary("mul", fnp.cos(x), y)), fnp.sum(g * fnp.sin(x), axis=0))

    sin_mul.defvjp(fwd, bwd)
    return sin_mul


def _jit_call_case(x, y, n):
    """One ``jit_call`` of a program with a float and an integer output (bound directly, so
    that eager evaluation goes through the primitive's impl too)."""
    import sys
    import funcdl as fd
    import funcdl.numpy as fnp
    jit = sys.modules["funcdl.transforms.jit_compiler"]
    program = fd.make_ir(lambda x, y, n: (fnp.tanh(x) * y + fnp.sum(x, axis=0), n * 2))
    ir = program(*[jit.aval_of(a) for a in (x, y, n)])
    return jit.bind(jit.jit_call_p, x, y, n, call_ir=ir, name="tanh_mul")


def _transform_cases():
    sin_mul = _custom_sin_mul()
    return [
        Case("custom_vjp_call", sin_mul, (floats((2, 3), 1), floats((3,), 2)),
             lambda x, y: np.sin(x) * y, (0, 1)),
        Case("stop_gradient", fd.stop_gradient, (floats((2, 3), 3),), lambda x: x),
        Case("jit_call", _jit_call_case, (floats((2, 3), 4), floats((3,), 5), np.arange(3, dtype=np.int32)),
             lambda x, y, n: [np.tanh(x) * y + np.sum(x, axis=0), n * 2], (0, 1)),
    ]


def _control_flow_cases():
    from funcdl import lax
    import funcdl.numpy as fnp

    def cond_case(p, x, y):
        return lax.cond(p, lambda a, b: fnp.sin(a) * b, lambda a, b: a - b ** 2, x, y)

    def while_case(x):
        return lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, fnp.sin(c[1]) * 1.5 + 0.1),
                              (np.int64(0), x))[1]

    def scan_case(c, xs):
        return lax.scan(lambda h, x: (fnp.tanh(h * 0.7 + x), h * x), c, xs)

    def scan_reverse_case(c, xs):
        return lax.scan(lambda h, x: (h * fnp.cos(x), h + x), c, xs, reverse=True)

    def ref_scan(c, xs, step, reverse=False):
        ys = [None] * len(xs)
        order = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
        for t in order:
            c, ys[t] = step(c, xs[t])
        return c, np.stack(ys)

    return [
        Case("cond", cond_case, (np.bool_(True), floats((2, 3), 1), floats((3,), 2)),
             lambda p, x, y: np.sin(x) * y if p else x - y ** 2, (1, 2), "-true"),
        Case("cond", cond_case, (np.bool_(False), floats((2, 3), 3), floats((3,), 4)),
             lambda p, x, y: np.sin(x) * y if p else x - y ** 2, (1, 2), "-false"),
        Case("while", while_case, (floats((3,), 5),),
             lambda x: np.sin(np.sin(np.sin(x) * 1.5 + 0.1) * 1.5 + 0.1) * 1.5 + 0.1, (0,),
             reverse_mode=False),
        Case("scan", scan_case, (floats((2,), 6), floats((4, 2), 7)),
             lambda c, xs: ref_scan(c, xs, lambda h, x: (np.tanh(h * 0.7 + x), h * x)), (0, 1)),
        Case("scan", scan_reverse_case, (floats((), 8), floats((3,), 9)),
             lambda c, xs: ref_scan(c, xs, lambda h, x: (h * np.cos(x), h + x), reverse=True), (0, 1),
             "-reverse"),
    ]


def _quiet(ref):
    """``ref`` without numpy's warnings (special values divide by zero on purpose)."""
    def quiet(*args):
        with np.errstate(all="ignore"):
            return ref(*args)
    return quiet


def ties(shape, seed=0):
    """Values in {-0.75, 0, 0.75}, so that many are equal."""
    return np.round(floats(shape, seed, -1.0, 1.0)) * 0.75


_UNARY_REFS = {"neg": np.negative, "erf": scipy.special.erf, "erfc": scipy.special.erfc,
               "erf_inv": scipy.special.erfinv}


def _unary(name, x, diff, note, order=2):
    ref = _UNARY_REFS.get(name) or getattr(np, name)
    return Case(name, lambda x: P.unary(name, x), (x,), _quiet(ref), (0,) if diff else (), note,
                grad_order=order)


def _binary(name, x, y, ref, diff, note, order=2):
    return Case(name, lambda x, y: P.binary(name, x, y), (x, y), _quiet(ref), diff, note,
                grad_order=order)


def _reduce(name, x, axes, ref, diff, note, order=2):
    return Case(name, lambda x: P.reduce(name, x, axes), (x,), lambda x: ref(x, axis=axes), diff,
                f"{note}-axes{axes}", grad_order=order)


def _special_zero_cases():
    """Zeros (and signed zeros) where functions have kinks, poles or 0 * inf traps."""
    z, signed = np.zeros((2, 3)), np.array([-0.0, 0.0])
    smooth = ["neg", "exp", "log1p", "expm1", "sin", "cos", "tan", "tanh", "sinh", "cosh",
              "arctan", "erf", "erf_inv", "round"]
    c = [_unary(name, z, True, "-zeros") for name in smooth]
    c += [_unary(name, signed, False, "-signed-zeros") for name in ["sign", "floor", "ceil", "sqrt", "log"]]
    c.append(_unary("abs", z, True, "-zeros", order=1))  # a kink: central differences give 0
    x, pos, by_zero = away_from_zero((2, 3), 1), floats((3,), 2, 0.5, 2.0), np.array([1.0, -1.0, 0.0])
    c += [_binary("mul", z, x, np.multiply, (0, 1), "-zeros"),
          _binary("div", z, x, np.true_divide, (0, 1), "-zero-numerator"),
          _binary("div", by_zero, np.zeros(3), np.true_divide, (), "-by-zero"),
          _binary("rem", by_zero, np.zeros(3), np.remainder, (), "-by-zero"),
          _binary("pow", np.zeros(3), np.array([2.0, 3.0, 0.5]), np.power, (1,), "-zero-base"),
          _binary("pow", np.zeros(3), np.zeros(3), np.power, (), "-zero-to-zero"),
          _binary("pow", pos, np.zeros(3), np.power, (0, 1), "-zero-exponent")]
    rows = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.5], [1.0, 2.0, 0.5]])  # one, two and no zeros
    c += [_reduce("reduce_prod", rows, a, np.prod, (0,), "-zeros") for a in [(1,), (0, 1)]]
    return c


def _special_tie_cases():
    """Equal arguments and tied extremes: gradients split evenly, indices take the first."""
    x, c = ties((2, 3), 1), []
    for name, ref in (("max", np.maximum), ("min", np.minimum)):
        c += [_binary(name, x, x.copy(), ref, (0, 1), "-equal", order=1),
              _binary(name, ties((2, 3), 2), ties((3,), 3), ref, (0, 1), "-ties-broadcast", order=1)]
    base = floats((2, 3), 4, 0.5, 2.0)
    c.append(_binary("pow", base, base.copy(), np.power, (0, 1), "-equal"))
    c += [_binary(name, x, x.copy(), ref, (), "-equal")
          for name, ref in (("lt", np.less), ("le", np.less_equal), ("gt", np.greater),
                            ("ge", np.greater_equal), ("eq", np.equal), ("ne", np.not_equal))]
    pairs = np.array([[1.0, 2.0, 2.0], [3.0, -1.0, 3.0], [0.5, 0.5, -2.0]])  # two tied extremes a row
    for name, ref, sign in (("reduce_max", np.max, 1), ("reduce_min", np.min, -1)):
        # with exactly two ties, central differences equal the even split (not with three)
        c += [_reduce(name, sign * pairs, (1,), ref, (0,), "-two-ties", order=1),
              _reduce(name, np.full((2, 2), 1.5), (0, 1), ref, (), "-all-equal")]
    t = ties((4, 5), 5)
    for name, ref in (("argmax", np.argmax), ("argmin", np.argmin)):
        c += [Case(name, lambda x, f=getattr(P, name), a=a: f(x, a), (t,),
                   lambda x, ref=ref, a=a: ref(x, a), (), f"-ties-axis{a}") for a in (0, 1)]
    c += [Case("argsort", lambda x, a=a: P.argsort(x, a), (t,),
               lambda x, a=a: np.argsort(x, a, kind="stable"), (), f"-ties-axis{a}") for a in (0, 1)]
    return c


def _special_structural_cases():
    """Size-1 axes (broadcast, squeezed, transposed) and size-0 dimensions."""
    c = [Case("broadcast_to", lambda x, s=s: P.broadcast_to(x, s), (x,),
              lambda x, s=s: np.broadcast_to(x, s), (0,), "-size1")
         for x, s in [(floats((2, 1, 1), 1), (2, 1, 2)), (floats((1,), 2), (1, 3)),
                      (floats((1, 1), 3), (3, 1)), (floats((0, 1), 4), (0, 3))]]
    c += [Case("reshape", lambda x, s=s: P.reshape(x, s), (x,), lambda x, s=s: np.reshape(x, s),
               (0,), "-size1")
          for x, s in [(floats((1, 3, 1), 1), (3,)), (floats((3,), 2), (1, 3, 1)),
                       (floats((0, 3), 3), (3, 0))]]
    c += [Case("transpose", lambda x, p=p: P.transpose(x, p), (x,),
               lambda x, p=p: np.transpose(x, p), (0,), "-size1")
          for x, p in [(floats((1, 3, 1), 1), (2, 0, 1)), (floats((0, 3), 2), (1, 0))]]
    cfg = ((1, 0, 2), (0, 1, 1))
    c += [Case("rev", lambda x: P.rev(x, (0, 1)), (floats((1, 3), 3),),
               lambda x: np.flip(x, (0, 1)), (0,), "-size1"),
          Case("slice", lambda x: P.slice(x, (0, 1), (1, 1), (1, 1)), (floats((1, 3), 4),),
               lambda x: x[0:1, 1:1], (0,), "-empty"),
          Case("pad", lambda x, v: P.pad(x, v, cfg), (floats((1, 0), 5), np.float64(0.5)),
               lambda x, v: _pad_ref(x, v, cfg), (0, 1), "-size1-size0"),
          Case("concatenate", lambda *xs: P.concatenate(xs, 1),
               (floats((2, 1), 6), floats((2, 0), 7), floats((2, 1), 8)),
               lambda *xs: np.concatenate(xs, 1), (0, 1, 2), "-size1-size0")]
    c += [_binary("add", floats(sx, 1), floats(sy, 2), np.add, (0, 1), "-size1-size0")
          for sx, sy in [((1,), (2, 1)), ((1, 1), (1, 1)), ((0, 3), (3,)), ((0, 1), (1, 2))]]
    c += [_unary("exp", floats((1, 0, 2), 3), True, "-size0"),
          Case("select", P.select, (floats((1, 1), 4) > 0, floats((2, 3), 5), floats((1, 3), 6)),
               np.where, (1, 2), "-size1"),
          Case("select", P.select, (floats((0, 2), 4) > 0, floats((0, 2), 5), floats((2,), 6)),
               np.where, (1, 2), "-size0"),
          Case("convert", lambda x: P.convert(x, np.float32), (floats((0, 2), 7),),
               lambda x: x.astype(np.float32), (), "-size0")]
    return c


def _special_reduction_cases():
    """Reductions over size-1 axes, over non-empty axes of empty arrays, and empty
    reductions (the identity) for sum and product."""
    c = []
    for name, ref in [("reduce_sum", np.sum), ("reduce_prod", np.prod), ("reduce_max", np.max),
                      ("reduce_min", np.min)]:
        specs = [((3, 1), (1,)), ((1, 1), (0, 1)), ((0, 3), (1,))]
        if name in ("reduce_sum", "reduce_prod"):
            specs += [((0, 3), (0,)), ((2, 0), (0, 1))]
        c += [_reduce(name, floats(s, 1), a, ref, (0,), "-size1-size0") for s, a in specs]
    c += [Case(name, lambda x, f=getattr(P, name), a=a: f(x, a), (floats(s, 2),),
               lambda x, ref=ref, a=a: ref(x, a), (), "-size1-size0")
          for name, ref in (("argmax", np.argmax), ("argmin", np.argmin))
          for s, a in [((3, 1), 1), ((0, 3), 1)]]
    c += [Case("argsort", lambda x, a=a: P.argsort(x, a), (floats(s, 3),),
               lambda x, a=a: np.argsort(x, a, kind="stable"), (), "-size1-size0")
          for s, a in [((3, 1), 1), ((0,), 0)]]
    c += [Case("cumsum", lambda x, a=a, r=r: P.cumsum(x, a, r), (floats(s, 4),),
               lambda x, a=a, r=r: np.flip(np.cumsum(np.flip(x, a), a), a) if r else np.cumsum(x, a),
               (0,), f"-size1-size0{'-reverse' if r else ''}")
          for s, a, r in [((2, 1), 1, False), ((2, 1), 1, True), ((0,), 0, True), ((2, 0), 1, False)]]
    return c


def _special_contraction_and_indexing_cases():
    c = [Case("dot_general", lambda a, b, d=d: P.dot_general(a, b, d), (floats(sa, 1), floats(sb, 2)),
              lambda a, b, s=spec: np.einsum(s, a, b), (0, 1), "-size1-size0")
         for sa, sb, d, spec in [((1, 3), (3, 1), (((1,), (0,)), ((), ())), "ij,jk->ik"),
                                 ((1, 2, 3), (1, 3, 4), (((2,), (1,)), ((0,), (0,))), "bij,bjk->bik"),
                                 ((2, 0), (0, 3), (((1,), (0,)), ((), ())), "ij,jk->ik"),
                                 ((0, 2), (2, 3), (((1,), (0,)), ((), ())), "ij,jk->ik")]]
    valid = ((1, 1), ((0, 0), (0, 0)), (1, 1), 1)  # strides, padding, dilation, groups
    c.append(Case("conv", lambda x, w: P.conv(x, w, *valid),
                  (floats((2, 3, 1, 4), 3), floats((2, 3, 1, 2), 4)),
                  lambda x, w: _conv_ref(x, w, *valid), (0, 1), "-size1"))
    x13, no_index = floats((1, 3), 5), np.zeros(0, np.int64)
    only_index = {1: lambda b: np.array([0, 0])}  # 0 is the only valid index of a size-1 axis
    add = lambda x, i, u: P.scatter(x, i, u, "add")  # noqa: E731
    add_ref = lambda x, i, u: _scatter_ref(x, i, u, "add")  # noqa: E731
    c += [Case("gather", P.gather, (x13, np.array([0, 0])), lambda x, i: x[i], (0,), "-size1",
               batch_values=only_index),
          Case("gather", P.gather, (floats((3, 2), 6), no_index), lambda x, i: x[i], (0,), "-size0"),
          Case("scatter", add, (x13, np.array([0, 0]), floats((2, 3), 7)), add_ref, (0, 2), "-size1",
               batch_values=only_index),
          Case("scatter", add, (floats((3, 2), 8), no_index, floats((0, 2), 9)), add_ref, (0, 2), "-size0")]
    starts, batch = _starts((1, np.int64, 1), (5, np.int64, -2))(1)
    c += [Case("dynamic_slice", lambda x, *s: P.dynamic_slice(x, s, (0, 2)), (floats((3, 2), 10),) + starts,
               lambda x, *s: _dynamic_slice_ref(x, *s, sizes=(0, 2)), (0,), "-size0", batch_values=batch),
          Case("dynamic_slice", lambda x, *s: P.dynamic_slice(x, s, (1, 1)), (floats((1, 3), 11),) + starts,
               lambda x, *s: _dynamic_slice_ref(x, *s, sizes=(1, 1)), (0,), "-size1", batch_values=batch)]
    starts, batch = _starts((2, np.int64, 1), (-1, np.int64, 2))(2)
    c += [Case("dynamic_update_slice", lambda x, u, *s: P.dynamic_update_slice(x, u, s),
               (floats((3, 2), 12), floats((0, 2), 13)) + starts, _dynamic_update_slice_ref, (0, 1),
               "-size0", batch_values=batch)]
    return c


def _dft_matrix(n, inverse=False):
    k = np.arange(n)
    return np.exp((2j if inverse else -2j) * np.pi * np.outer(k, k) / n) / (n if inverse else 1)


def _dft_ref(fft_type, lengths):
    """The transform by explicit DFT matrices over the trailing axes (independent of
    pocketfft), in the primitive's output dtype."""
    def apply(x, axis, matrix):
        return np.moveaxis(np.tensordot(matrix, np.moveaxis(x, axis, 0), axes=(1, 0)), 0, axis)

    def ref(x):
        k, single = len(lengths), x.dtype in (np.float32, np.complex64)
        y = x.astype(np.complex128)
        last = lengths[-1]
        for i, n in enumerate(lengths):
            if fft_type == "IRFFT" and i == k - 1:  # complete the last axis's Hermitian spectrum
                y = np.concatenate([y, np.conj(y[..., 1:last - last // 2][..., ::-1])], axis=-1)
            y = apply(y, x.ndim - k + i, _dft_matrix(n, fft_type in ("IFFT", "IRFFT")))
        if fft_type == "RFFT":
            y = y[..., :last // 2 + 1]
        if fft_type == "IRFFT":
            return y.real.astype(np.float32 if single else np.float64)
        return y.astype(np.complex64 if single else np.complex128)
    return ref


def _fft_cases():
    def z(shape, seed, dtype=np.float64):
        return complexify(floats(shape, seed, dtype=dtype), seed)
    specs = [("FFT", z((5,), 1), (5,)), ("FFT", z((2, 3, 4), 2), (3, 4)), ("IFFT", z((2, 4), 3), (4,)),
             ("IFFT", z((3, 2), 4), (3, 2)), ("RFFT", floats((2, 6), 5), (6,)), ("RFFT", floats((5,), 6), (5,)),
             ("RFFT", floats((2, 3, 4), 7), (3, 4)), ("IRFFT", z((2, 4), 8), (6,)), ("IRFFT", z((3,), 9), (5,)),
             ("IRFFT", z((3, 3), 10), (3, 4)), ("FFT", z((1,), 11), (1,)), ("IRFFT", z((2, 1), 12), (1,)),
             ("FFT", z((3, 4), 13, np.float32), (4,)), ("RFFT", floats((4,), 14, dtype=np.float32), (4,)),
             ("IRFFT", z((2, 3), 15, np.float32), (5,))]
    return [Case("fft", lambda x, t=t, n=n: P.fft(x, t, n), (x,), _dft_ref(t, n), (0,), f"-{t}{len(n)}d")
            for t, x, n in specs]


CASES = (_control_flow_cases() + _transform_cases() + _elementwise_cases() + _structural_cases()
         + _reduction_cases() + _contraction_cases() + _decomposition_cases() + _indexing_cases()
         + _dynamic_slicing_cases() + _fft_cases()
         + _random_cases() + _bitcast_cases())
# Special values: zeros, ties, size-1 axes, size-0 dimensions.
SPECIAL_CASES = (_special_zero_cases() + _special_tie_cases() + _special_structural_cases()
                 + _special_reduction_cases() + _special_contraction_and_indexing_cases())
CASES += SPECIAL_CASES

# Registered primitives that the table cannot express, and where they are tested instead. A
# named-axis collective means something only inside ``vmap(f, axis_name=...)``, whose batching
# turns it into ordinary primitives: eagerly (``case.fun(*args)``) it raises NameError, and the
# traced program of any function that runs it holds no collective any more.
_COLLECTIVES = ("tests/test_collectives.py: a collective exists only under vmap(f, axis_name=...), which "
                "resolves it (against numpy, JAX's recorded derivatives and finite differences there)")
TESTED_ELSEWHERE = dict.fromkeys(["psum", "pmax", "pmin", "all_gather", "axis_index"], _COLLECTIVES)


def combined_program(cases, make_fun):
    """One program computing ``make_fun(case)`` of every case (each on its own arguments):
    (program, the per-case functions, the program's flat arguments)."""
    funs = [make_fun(c) for c in cases]

    def program(*flat):
        out, k = [], 0
        for c, f in zip(cases, funs):
            out.append(f(*flat[k:k + len(c.args)]))
            k += len(c.args)
        return out
    return program, funs, [a for c in cases for a in c.args]
