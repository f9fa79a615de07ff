"""Elementwise primitives: one table row each.

Binary and ternary elementwise primitives broadcast their operands like numpy, but
require equal dtypes (``funcdl.numpy`` promotes before binding).
"""
import functools

import numpy as np

from ..core import Aval, Primitive, aval_of, bind
from .rules import dtype_of, elementwise_batch, instantiate_to, no_derivative, shape_of, unbroadcast

# ---------------------------------------------------------------------------------------
# Shape/dtype rules
# ---------------------------------------------------------------------------------------


def broadcast_shapes(op, *shapes):
    """numpy broadcasting of ``shapes``, raising a ShapeError that names ``op``."""
    first = shapes[0]
    if all(s == first for s in shapes):
        return first
    out = _broadcast(tuple(map(tuple, shapes)))
    if out is None:
        from ..core import shape_error
        raise shape_error(op, "operands cannot be broadcast together", *shapes)
    return out


@functools.lru_cache(maxsize=4096)
def _broadcast(shapes):
    """The broadcast shape of ``shapes`` (tuples), or None when they do not broadcast."""
    ndim = max(len(s) for s in shapes)
    out = []
    for dims in zip(*[(1,) * (ndim - len(s)) + s for s in shapes]):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            return None
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def _same_dtype(op, avals):
    dtype = avals[0].dtype
    for a in avals[1:]:
        if a.dtype != dtype:
            got = ", ".join(a.dtype.name for a in avals)
            raise TypeError(f"{op}: operands must have one dtype, got {got}; "
                            "cast with .astype() (funcdl.numpy promotes automatically)")
    return dtype


def _check_kind(op, dtype, kinds, what):
    if dtype.kind not in kinds:
        raise TypeError(f"{op}: needs {what} operands, got {dtype.name}")


# Operand kinds. INEXACT and NUMBER admit complex operands; FLOAT and NUMERIC do not.
FLOAT, INEXACT, NUMERIC, NUMBER, BOOL, INTEGER = "f", "fc", "fiu", "fiuc", "b", "iu"
_KIND_NAMES = {FLOAT: "real floating-point", INEXACT: "floating-point or complex", NUMERIC: "real numeric",
               NUMBER: "numeric", BOOL: "boolean", INTEGER: "integer", NUMERIC + BOOL: "real numeric or boolean",
               NUMBER + BOOL: "numeric or boolean", "c": "complex"}


def real_dtype(dtype):
    """The real dtype of the parts of ``dtype`` (complex64 -> float32); others unchanged."""
    dtype = np.dtype(dtype)
    return np.dtype(f"f{dtype.itemsize // 2}") if dtype.kind == "c" else dtype


def complex_dtype(dtype):
    """The complex dtype with parts of ``dtype`` (float32 -> complex64)."""
    dtype = np.dtype(dtype)
    return dtype if dtype.kind == "c" else np.dtype(f"c{2 * dtype.itemsize}")


# Output dtypes other than the operands': a fixed dtype, or one of these rules.
REAL_PART, COMPLEX_OF = real_dtype, complex_dtype


def _elementwise_rule(name, kinds, out_dtype):
    def rule(*avals):
        dtype = _same_dtype(name, avals)
        _check_kind(name, dtype, kinds, _KIND_NAMES[kinds])
        shape = broadcast_shapes(name, *[a.shape for a in avals])
        if callable(out_dtype):
            return Aval(shape, out_dtype(dtype))
        return Aval(shape, dtype if out_dtype is None else out_dtype)
    return rule


# ---------------------------------------------------------------------------------------
# Definition blocks: one call declares every rule of an elementwise primitive
# ---------------------------------------------------------------------------------------


class _LazyNumpy:
    """``funcdl.numpy``, imported on first use: derivative rules are written with it, and it
    is itself built on these primitives."""

    def __getattr__(self, name):
        from .. import numpy
        return getattr(numpy, name)


fnp = _LazyNumpy()

# Derivative declarations. ``ZERO``: the derivative is zero wherever it exists (piecewise
# constant, or a boolean result); the transforms then record no tangent for it.
ZERO = "zero derivative"

# Test domains (where the primitive table samples inputs): an interval (lo, hi), or one of
# "nonzero" (|x| in [0.5, 2], random signs), "distinct" (no ties), "off_grid" (no integers
# or half-integers), "rounded" (small integers, so equality happens), "bool", "with_nan",
# "with_inf", "ints" (int32 in [-50, 50]), "shifts" (int32 shift counts in [-2, 40]).
REAL = (-2.0, 2.0)

elementwise_prims = {}


def defunary(name, impl, kinds, out_dtype=None, *, derivative, numba, domain=REAL, numba_complex=None):
    """Define the unary elementwise primitive ``name``: numpy ``impl``, operand ``kinds``,
    ``derivative(x, y) -> dy/dx`` (in funcdl.numpy; ``y`` is the output) or ``ZERO``, the
    numba expression template ``numba`` (``{0}`` is the operand; ``numba_complex`` for
    complex operands, when it differs), and the test ``domain``. Batching is elementwise
    (``rules.elementwise_batch``); jvp/vjp come from ``derivative``, which for a complex
    operand is the complex derivative (the primitive is holomorphic there)."""
    return _define(name, impl, kinds, out_dtype, derivative, numba, (domain,), numba_complex)


def defbinary(name, impl, kinds, out_dtype=None, *, partials, numba, domain=(REAL, REAL),
              differentiable=(0, 1), numba_complex=None):
    """Define a broadcasting binary elementwise primitive; ``partials(x, y, out, need_x,
    need_y) -> (d/dx, d/dy)`` (entries may be None when not needed) or ``ZERO``. An operand
    left out of ``differentiable`` has no derivative: ``partials`` raises when it is needed."""
    prim = _define(name, impl, kinds, out_dtype, partials, numba, domain, numba_complex)
    prim.differentiable = differentiable
    return prim


def defternary(name, impl, kinds, *, partials, numba, domain, differentiable=(0, 1, 2)):
    """Define a broadcasting ternary elementwise primitive, as :func:`defbinary`:
    ``partials(a, b, c, out, need_a, need_b, need_c)`` gives the three derivatives."""
    prim = _define(name, impl, kinds, None, partials, numba, domain)
    prim.differentiable = differentiable
    return prim


def _real_operands_only(name, impl, kinds):
    """``impl`` refusing complex operands when ``kinds`` excludes them: eager evaluation
    does not run the shape rule, and numpy would compute what jit rejects (``sign``,
    ``maximum`` ...)."""
    if "c" in kinds:
        return impl

    def checked(*args):
        for a in args:
            if getattr(a, "dtype", None) is not None and a.dtype.kind == "c":
                _check_kind(name, a.dtype, kinds, _KIND_NAMES[kinds])
        return impl(*args)
    return checked


def _define(name, impl, kinds, out_dtype, derivative, numba, domain, numba_complex=None):
    prim = Primitive(name, _real_operands_only(name, impl, kinds), _elementwise_rule(name, kinds, out_dtype))
    prim.kinds, prim.lower_complex = kinds, numba_complex or numba
    prim.derivative = derivative
    prim.differentiable = tuple(range(len(domain)))
    prim.no_derivative = derivative == ZERO
    prim.lower, prim.domain, prim.arity, prim.out_dtype = numba, domain, len(domain), out_dtype
    prim.jvp = _Deferred(prim, "jvp", "ad_rules", "elementwise_rules")
    prim.vjp = _Deferred(prim, "vjp", "ad_rules", "elementwise_rules")
    prim.batch = elementwise_batch(prim)
    elementwise_prims[name] = prim
    return prim


class _Deferred:
    """A rule that a transform module builds from the declaration (the transforms import
    these primitives, so they are asked on first use): ``module.builder(prim)`` returns a
    dict of rules, which replace the deferred ones on the primitive. The derivative rules
    are built so (``ad_rules.elementwise_rules``): declarations are written with
    ``funcdl.numpy``."""

    def __init__(self, prim, slot, module, builder):
        self.prim, self.slot, self.module, self.builder = prim, slot, module, builder

    def __call__(self, *args, **kwargs):
        import importlib
        module = importlib.import_module(f"funcdl.transforms.{self.module}")
        for slot, rule in getattr(module, self.builder)(self.prim).items():
            setattr(self.prim, slot, rule)
        return getattr(self.prim, self.slot)(*args, **kwargs)


def _erf(x):
    from .._special import apply  # numba code shared with jit: same numbers in and out of jit
    return apply("erf", x)


def _erf_inv(x):
    from .._special import apply
    return apply("erfinv", x)


def _erf_inv_xla(x):
    from .._special import apply
    return apply("erfinv_xlaf" if np.asarray(x).dtype == np.float32 else "erfinv", x)


def _special_impl(name):
    def impl(*operands):
        from .._special import apply
        return apply(name, *operands)
    impl.__name__ = name
    return impl


def _bessel_ie_derivatives(order):
    """d/dx of exp(-|x|) I0(x) is i1e - sign(x) i0e; of exp(-|x|) I1(x) it is
    i0e - i1e (sign(x) + 1/x), which is 1/2 at 0."""
    if order == 0:
        return lambda x, y: unary("i1e", x) - fnp.sign(x) * y
    def d_i1e(x, y):
        zero = fnp.equal(x, 0.0)
        safe = fnp.where(zero, 1.0, x)
        return fnp.where(zero, 0.5, unary("i0e", x) - y * (fnp.sign(x) + fnp.reciprocal(safe)))
    return d_i1e


# (the first operands of polygamma, zeta and igamma are not differentiable: the transforms
# raise if a derivative with respect to them is asked for)
def _polygamma_partials(n, x, out, need_n, need_x):
    return None, binary("polygamma", n + 1.0, x)


def _zeta_partials(s, q, out, need_s, need_q):
    return None, -s * binary("zeta", s + 1.0, q)


def _igamma_partials(sign):
    """d/dx P(a, x) = x**(a-1) exp(-x) / Gamma(a) (and minus that for Q)."""
    def partials(a, x, out, need_a, need_x):
        positive = fnp.greater(x, 0.0)
        safe = fnp.where(positive, x, 1.0)
        density = fnp.exp((a - 1.0) * fnp.log(safe) - safe - unary("lgamma", a))
        return None, sign * fnp.where(positive, density, 0.0)
    return partials


def _betainc_partials(a, b, x, out, need_a, need_b, need_x):
    """d/dx I_x(a, b) = x^(a-1) (1-x)^(b-1) / B(a, b) (a and b have none, as in JAX)."""
    inside = fnp.logical_and(fnp.greater(x, 0.0), fnp.less(x, 1.0))
    safe = fnp.where(inside, x, 0.5)
    log_beta = unary("lgamma", a) + unary("lgamma", b) - unary("lgamma", a + b)
    density = fnp.exp((a - 1.0) * fnp.log(safe) + (b - 1.0) * fnp.log1p(-safe) - log_beta)
    return None, None, fnp.where(inside, density, 0.0)


def _erfc(x):
    from .._special import apply
    return apply("erfc", x)


_LN2, _LN10 = float(np.log(2.0)), float(np.log(10.0))
_TWO_OVER_SQRT_PI = float(2.0 / np.sqrt(np.pi))


def _abs_derivative(x, y):
    """sign(x) for real x; for complex x, conj(x) / |x| (the jvp takes the real part of
    ``t * d``: |x| is a real function of a complex operand), 0 at 0."""
    if dtype_of(x).kind != "c":
        return fnp.sign(x)
    zero = fnp.equal(y, 0.0)
    return fnp.where(zero, 0.0, fnp.conj(x) / fnp.where(zero, 1.0, y))


def _int_or_true_divide(x, y):
    return np.floor_divide(x, y) if x.dtype.kind in "iu" else np.true_divide(x, y)


neg_p = defunary("neg", np.negative, NUMBER, derivative=lambda x, y: -1.0, numba="(-{0})")
sign_p = defunary("sign", np.sign, NUMERIC, derivative=ZERO, numba="np.sign({0})", domain="nonzero")
abs_p = defunary("abs", np.abs, NUMBER, REAL_PART, derivative=_abs_derivative, numba="abs({0})",
                 domain="nonzero")
floor_p = defunary("floor", np.floor, FLOAT, derivative=ZERO, numba="np.floor({0})", domain="off_grid")
ceil_p = defunary("ceil", np.ceil, FLOAT, derivative=ZERO, numba="np.ceil({0})", domain="off_grid")
round_p = defunary("round", np.round, FLOAT, derivative=ZERO, numba="np.rint({0})", domain="off_grid")
exp_p = defunary("exp", np.exp, INEXACT, derivative=lambda x, y: y, numba="_vmath.exp{f}({0})",
                 numba_complex="np.exp({0})")
log_p = defunary("log", np.log, INEXACT, derivative=lambda x, y: fnp.reciprocal(x), numba="_vmath.log{f}({0})",
                 numba_complex="np.log({0})",
                 domain=(0.5, 3.0))
log1p_p = defunary("log1p", np.log1p, INEXACT, derivative=lambda x, y: fnp.reciprocal(x + 1.0),
                   numba="_vmath.log1p{f}({0})", numba_complex="np.log1p({0})", domain=(-0.5, 3.0))
expm1_p = defunary("expm1", np.expm1, INEXACT, derivative=lambda x, y: y + 1.0, numba="_vmath.expm1{f}({0})",
                   numba_complex="np.expm1({0})")
sqrt_p = defunary("sqrt", np.sqrt, INEXACT, derivative=lambda x, y: 0.5 / y, numba="np.sqrt({0})",
                  domain=(0.5, 3.0))
sin_p = defunary("sin", np.sin, INEXACT, derivative=lambda x, y: fnp.cos(x), numba="np.sin({0})")
cos_p = defunary("cos", np.cos, INEXACT, derivative=lambda x, y: -fnp.sin(x), numba="np.cos({0})")
tan_p = defunary("tan", np.tan, INEXACT, derivative=lambda x, y: 1.0 + y * y, numba="np.tan({0})",
                 domain=(-1.2, 1.2))
tanh_p = defunary("tanh", np.tanh, INEXACT, derivative=lambda x, y: 1.0 - y * y, numba="_vmath.tanh{f}({0})",
                  numba_complex="np.tanh({0})")
sinh_p = defunary("sinh", np.sinh, INEXACT, derivative=lambda x, y: fnp.cosh(x), numba="np.sinh({0})")
cosh_p = defunary("cosh", np.cosh, INEXACT, derivative=lambda x, y: fnp.sinh(x), numba="np.cosh({0})")
arctan_p = defunary("arctan", np.arctan, INEXACT, derivative=lambda x, y: fnp.reciprocal(x * x + 1.0),
                    numba="np.arctan({0})")
arcsinh_p = defunary("arcsinh", np.arcsinh, INEXACT, derivative=lambda x, y: fnp.reciprocal(fnp.sqrt(x * x + 1.0)),
                     numba="np.arcsinh({0})")
erf_p = defunary("erf", _erf, FLOAT, derivative=lambda x, y: float(2.0 / np.sqrt(np.pi)) * fnp.exp(-(x * x)),
                 numba="_special.erf({0})")  # Python-float constants stay weak
erf_inv_p = defunary("erf_inv", _erf_inv, FLOAT, derivative=lambda x, y: float(np.sqrt(np.pi) / 2.0) * fnp.exp(y * y),
                     numba="_special.erfinv({0})", domain=(-0.9, 0.9))
lgamma_p = defunary("lgamma", _special_impl("lgamma"), FLOAT, derivative=lambda x, y: unary("digamma", x),
                    numba="_special.lgamma({0})", domain=(0.2, 4.0))
digamma_p = defunary("digamma", _special_impl("digamma"), FLOAT,
                     derivative=lambda x, y: binary("polygamma", dtype_of(x).type(1), x),
                     numba="_special.digamma({0})", domain=(0.2, 4.0))
i0e_p = defunary("i0e", _special_impl("i0e"), FLOAT, derivative=_bessel_ie_derivatives(0),
                 numba="_special.i0e({0})")
i1e_p = defunary("i1e", _special_impl("i1e"), FLOAT, derivative=_bessel_ie_derivatives(1),
                 numba="_special.i1e({0})")
# erf_inv as XLA computes float32 (a few ulps from exact): what random.normal uses, for JAX's numbers
erf_inv_xla_p = defunary("erf_inv_xla", _erf_inv_xla, FLOAT,
                         derivative=lambda x, y: float(np.sqrt(np.pi) / 2.0) * fnp.exp(y * y),
                         numba="_special.erfinv_xla{f}({0})", domain=(-0.9, 0.9))
erfc_p = defunary("erfc", _erfc, FLOAT, derivative=lambda x, y: -_TWO_OVER_SQRT_PI * fnp.exp(-(x * x)),
                  numba="_special.erfc({0})")
arcsin_p = defunary("arcsin", np.arcsin, INEXACT, derivative=lambda x, y: fnp.reciprocal(fnp.sqrt(1.0 - x * x)),
                    numba="np.arcsin({0})", domain=(-0.9, 0.9))
arccos_p = defunary("arccos", np.arccos, INEXACT, derivative=lambda x, y: -fnp.reciprocal(fnp.sqrt(1.0 - x * x)),
                    numba="np.arccos({0})", domain=(-0.9, 0.9))
arctanh_p = defunary("arctanh", np.arctanh, INEXACT, derivative=lambda x, y: fnp.reciprocal(1.0 - x * x),
                     numba="np.arctanh({0})", domain=(-0.9, 0.9))
arccosh_p = defunary("arccosh", np.arccosh, INEXACT, derivative=lambda x, y: fnp.reciprocal(fnp.sqrt(x * x - 1.0)),
                     numba="np.arccosh({0})", domain=(1.2, 3.0))
log2_p = defunary("log2", np.log2, INEXACT, derivative=lambda x, y: fnp.reciprocal(x * _LN2), numba="_special.log2({0})",
                  numba_complex="np.log2({0})",
                  domain=(0.5, 3.0))
log10_p = defunary("log10", np.log10, INEXACT, derivative=lambda x, y: fnp.reciprocal(x * _LN10),
                   numba="np.log10({0})", domain=(0.5, 3.0))
exp2_p = defunary("exp2", np.exp2, INEXACT, derivative=lambda x, y: y * _LN2, numba="_special.exp2({0})",
                  numba_complex="np.exp2({0})")
cbrt_p = defunary("cbrt", np.cbrt, FLOAT, derivative=lambda x, y: fnp.reciprocal(3.0 * y * y),
                  numba="np.cbrt({0})", domain="nonzero")
trunc_p = defunary("trunc", np.trunc, FLOAT, derivative=ZERO, numba="np.trunc({0})", domain="off_grid")
isnan_p = defunary("isnan", np.isnan, FLOAT, np.dtype(bool), derivative=ZERO, numba="np.isnan({0})",
                   domain="with_nan")
isfinite_p = defunary("isfinite", np.isfinite, FLOAT, np.dtype(bool), derivative=ZERO,
                      numba="np.isfinite({0})", domain="with_inf")
invert_p = defunary("invert", np.invert, INTEGER, derivative=ZERO, numba="(~{0})", domain="ints")
popcount_p = defunary("popcount", np.bitwise_count, INTEGER, np.dtype(np.uint8), derivative=ZERO,
                      numba="_special.popcount({0})", domain="ints")
logical_not_p = defunary("logical_not", np.logical_not, BOOL, derivative=ZERO, numba="(not {0})",
                         domain="bool")


def _max_min_partials(compare):
    """1 where an operand wins, 1/2 on ties (the gradient is shared), else 0. Written with
    converts, not selects: numpy's ``where`` is slow on unpredictable masks."""
    def partials(x, y, out, need_x, need_y):
        dtype = aval_of(x).dtype
        ties = fnp.multiply(convert(binary("eq", x, y), dtype), 0.5)
        dx = fnp.add(convert(binary(compare, x, y), dtype), ties) if need_x else None
        dy = fnp.add(convert(binary(compare, y, x), dtype), ties) if need_y else None
        return dx, dy
    return partials


def _pow_partials(x, y, out, need_x, need_y):
    """``y * x**(y-1)`` and ``log(x) * x**y``, finite (and finitely differentiable) where the
    function is smooth: ``d/dx x**0 = 0`` also at ``x = 0``, and ``d/dy = 0`` at ``x = 0``.
    Only the point ``x = y = 0`` is special-cased, so ``d/dy (y * x**(y-1))`` stays right at
    ``y = 0``; unselected branches are evaluated at safe points, so no NaN leaks into
    higher derivatives."""
    dx = dy = None
    if need_x:
        both_zero = fnp.logical_and(fnp.equal(x, 0.0), fnp.equal(y, 0.0))
        safe_x = fnp.where(both_zero, 1.0, x)
        dx = fnp.where(both_zero, 0.0, fnp.multiply(y, fnp.power(safe_x, fnp.subtract(y, 1.0))))
    if need_y:
        x_zero = fnp.equal(x, 0.0)
        safe_x = fnp.where(x_zero, 1.0, x)
        dy = fnp.where(x_zero, 0.0, fnp.multiply(fnp.log(safe_x), fnp.power(safe_x, y)))
    return dx, dy


add_p = defbinary("add", np.add, NUMBER, partials=lambda x, y, out, nx, ny: (1.0, 1.0), numba="({0} + {1})")
sub_p = defbinary("sub", np.subtract, NUMBER, partials=lambda x, y, out, nx, ny: (1.0, -1.0),
                  numba="({0} - {1})")
mul_p = defbinary("mul", np.multiply, NUMBER, partials=lambda x, y, out, nx, ny: (y, x), numba="({0} * {1})")
div_p = defbinary("div", _int_or_true_divide, NUMBER, numba="({0} / {1})", domain=(REAL, "nonzero"),
                  partials=lambda x, y, out, nx, ny: (fnp.reciprocal(y), fnp.negative(fnp.divide(out, y))))
rem_p = defbinary("rem", np.remainder, NUMERIC, numba="({0} % {1})", domain=(REAL, "nonzero"),
                  partials=lambda x, y, out, nx, ny: (1.0, fnp.negative(fnp.floor(fnp.divide(x, y)))))
pow_p = defbinary("pow", np.power, NUMBER, partials=_pow_partials, numba="({0} ** {1})",
                  domain=((0.5, 2.0), REAL))
max_p = defbinary("max", np.maximum, NUMERIC + BOOL, partials=_max_min_partials("gt"), numba="_max({0}, {1})",
                  domain=("distinct", "distinct"))
min_p = defbinary("min", np.minimum, NUMERIC + BOOL, partials=_max_min_partials("lt"), numba="_min({0}, {1})",
                  domain=("distinct", "distinct"))
eq_p = defbinary("eq", np.equal, NUMBER + BOOL, np.dtype(bool), partials=ZERO, numba="({0} == {1})",
                 domain=("rounded", "rounded"))
ne_p = defbinary("ne", np.not_equal, NUMBER + BOOL, np.dtype(bool), partials=ZERO, numba="({0} != {1})",
                 domain=("rounded", "rounded"))
lt_p = defbinary("lt", np.less, NUMERIC, np.dtype(bool), partials=ZERO, numba="({0} < {1})")
le_p = defbinary("le", np.less_equal, NUMERIC, np.dtype(bool), partials=ZERO, numba="({0} <= {1})")
gt_p = defbinary("gt", np.greater, NUMERIC, np.dtype(bool), partials=ZERO, numba="({0} > {1})")
ge_p = defbinary("ge", np.greater_equal, NUMERIC, np.dtype(bool), partials=ZERO, numba="({0} >= {1})")
arctan2_p = defbinary("arctan2", np.arctan2, FLOAT, numba="np.arctan2({0}, {1})",
                      domain=("nonzero", "nonzero"),
                      partials=lambda y, x, out, ny, nx: (x / (x * x + y * y), -y / (x * x + y * y)))
hypot_p = defbinary("hypot", np.hypot, FLOAT, numba="np.hypot({0}, {1})", domain=("nonzero", "nonzero"),
                    partials=lambda x, y, out, nx, ny: (x / out, y / out))
copysign_p = defbinary("copysign", np.copysign, FLOAT, numba="np.copysign({0}, {1})",
                       domain=("nonzero", "nonzero"),
                       partials=lambda x, y, out, nx, ny: (fnp.copysign(1.0, x) * fnp.copysign(1.0, y), 0.0))
fmod_p = defbinary("fmod", np.fmod, FLOAT, numba="np.fmod({0}, {1})", domain=(REAL, "nonzero"),
                   partials=lambda x, y, out, nx, ny: (1.0, -fnp.trunc(x / y)))
polygamma_p = defbinary("polygamma", _special_impl("polygamma"), FLOAT, partials=_polygamma_partials,
                        numba="_special.polygamma({0}, {1})", domain=("orders", (0.3, 4.0)),
                        differentiable=(1,))
zeta_p = defbinary("zeta", _special_impl("zeta"), FLOAT, partials=_zeta_partials,
                   numba="_special.zeta({0}, {1})", domain=((1.5, 4.0), (0.3, 4.0)), differentiable=(1,))
igamma_p = defbinary("igamma", _special_impl("igamma"), FLOAT, partials=_igamma_partials(1.0),
                     numba="_special.igamma({0}, {1})", domain=((0.5, 3.0), (0.2, 4.0)),
                     differentiable=(1,))
igammac_p = defbinary("igammac", _special_impl("igammac"), FLOAT, partials=_igamma_partials(-1.0),
                      numba="_special.igammac({0}, {1})", domain=((0.5, 3.0), (0.2, 4.0)),
                      differentiable=(1,))
betainc_p = defternary("betainc", _special_impl("betainc"), FLOAT, partials=_betainc_partials,
                       numba="_special.betainc({0}, {1}, {2})",
                       domain=((0.5, 3.0), (0.5, 3.0), (0.05, 0.95)), differentiable=(2,))
bitwise_and_p = defbinary("bitwise_and", np.bitwise_and, INTEGER, partials=ZERO, numba="({0} & {1})",
                          domain=("ints", "ints"))
bitwise_or_p = defbinary("bitwise_or", np.bitwise_or, INTEGER, partials=ZERO, numba="({0} | {1})",
                         domain=("ints", "ints"))
bitwise_xor_p = defbinary("bitwise_xor", np.bitwise_xor, INTEGER, partials=ZERO, numba="({0} ^ {1})",
                          domain=("ints", "ints"))
shift_left_p = defbinary("shift_left", np.left_shift, INTEGER, partials=ZERO, domain=("ints", "shifts"),
                         numba="_special.shift_left({0}, {1}, {bits})")
shift_right_p = defbinary("shift_right", np.right_shift, INTEGER, partials=ZERO, domain=("ints", "shifts"),
                          numba="_special.shift_right({0}, {1}, {bits})")
gcd_p = defbinary("gcd", np.gcd, INTEGER, partials=ZERO, numba="_special.gcd({0}, {1})", domain=("ints", "ints"))
lcm_p = defbinary("lcm", np.lcm, INTEGER, partials=ZERO, numba="_special.lcm({0}, {1})", domain=("ints", "ints"))
and_p = defbinary("and", np.logical_and, BOOL, partials=ZERO, numba="({0} and {1})", domain=("bool", "bool"))
or_p = defbinary("or", np.logical_or, BOOL, partials=ZERO, numba="({0} or {1})", domain=("bool", "bool"))


# Complex parts and construction: linear, and not holomorphic, so they declare their own
# jvp and vjp (``Linear``). With JAX's convention the vjp is the transpose of the jvp for
# the real pairing <a, b> = Re(sum(a * b)): real's is g + 0i, imag's is -i g, conj's is
# conj(g), complex's is (Re g, -Im g).
class Linear:
    """The derivative declaration of a linear elementwise primitive: its ``jvp(tangents,
    primals, out)`` and ``vjp(g, *primals, out)`` rules (None tangents are zeros)."""

    def __init__(self, jvp, vjp):
        self.jvp, self.vjp = jvp, vjp


def _complex_impl(x, y):
    x, y = np.asarray(x), np.asarray(y)
    out = np.empty(np.broadcast_shapes(x.shape, y.shape), complex_dtype(x.dtype))
    out.real, out.imag = x, y
    return out[()] if out.ndim == 0 else out


def _zeros_of(x, like_shape=None):
    return np.zeros(shape_of(x) if like_shape is None else like_shape, dtype_of(x))


def _complex_jvp(tangents, primals, out):
    shape = shape_of(out)
    tx, ty = (instantiate_to(t, p, shape) for t, p in zip(tangents, primals))
    return binary("complex", tx, ty)


def _complex_vjp(g, x, y, *, out):
    return [unbroadcast(unary("real", g), shape_of(x)),
            unbroadcast(unary("neg", unary("imag", g)), shape_of(y))]


real_p = defunary("real", np.real, "c", REAL_PART, numba="{0}.real", domain="complex", derivative=Linear(
    lambda ts, xs, out: unary("real", ts[0]),
    lambda g, x, *, out: [binary("complex", g, _zeros_of(g))]))
imag_p = defunary("imag", np.imag, "c", REAL_PART, numba="{0}.imag", domain="complex", derivative=Linear(
    lambda ts, xs, out: unary("imag", ts[0]),
    lambda g, x, *, out: [binary("complex", _zeros_of(g), unary("neg", g))]))
conj_p = defunary("conj", np.conj, "c", numba="{0}.conjugate()", domain="complex", derivative=Linear(
    lambda ts, xs, out: unary("conj", ts[0]),
    lambda g, x, *, out: [unary("conj", g)]))
complex_p = defbinary("complex", _complex_impl, FLOAT, COMPLEX_OF, numba="complex({0}, {1})",
                      partials=Linear(_complex_jvp, _complex_vjp))


# ---------------------------------------------------------------------------------------
# Binding helpers (the "lax" level: no promotion, exact dtypes)
# ---------------------------------------------------------------------------------------


def unary(name, x):
    return bind(elementwise_prims[name], x)


def binary(name, x, y):
    return bind(elementwise_prims[name], x, y)


def ternary(name, a, b, c):
    return bind(elementwise_prims[name], a, b, c)


# ---------------------------------------------------------------------------------------
# select, convert, stop_gradient: elementwise too (batched and fused alike), with rules
# of their own
# ---------------------------------------------------------------------------------------


def _select_rule(pred, on_true, on_false):
    if pred.dtype != np.bool_:
        raise TypeError(f"select: the predicate must be boolean, got {pred.dtype.name}")
    dtype = _same_dtype("select", [on_true, on_false])
    return Aval(broadcast_shapes("select", pred.shape, on_true.shape, on_false.shape), dtype)


select_p = Primitive("select", np.where, _select_rule)


def select(pred, on_true, on_false):
    return bind(select_p, pred, on_true, on_false)


def _select_jvp(tangents, primals, out):
    (pred, a, b), (_, ta, tb) = primals, tangents
    return select(pred, instantiate_to(ta, a, shape_of(out)), instantiate_to(tb, b, shape_of(out)))


def _select_vjp(g, pred, a, b, *, out):
    zero = np.zeros((), dtype_of(g))
    return [None, unbroadcast(select(pred, g, zero), shape_of(a)),
            unbroadcast(select(pred, zero, g), shape_of(b))]


select_p.jvp, select_p.vjp, select_p.batch = _select_jvp, _select_vjp, elementwise_batch(select_p)
select_p.lower = "({1} if {0} else {2})"  # fused (Codegen.expr)


def _convert_rule(x, *, new_dtype):
    return Aval(x.shape, new_dtype)


def _convert_impl(x, *, new_dtype):
    x = np.asarray(x)
    if x.dtype.kind == "c" and np.dtype(new_dtype).kind not in "cb":
        x = x.real  # complex to real keeps the real part (as JAX, without numpy's warning)
    return x.astype(new_dtype)


convert_p = Primitive("convert", _convert_impl, _convert_rule)


def convert(x, dtype):
    """Cast ``x`` to ``dtype`` (a no-op equation is not recorded when equal)."""
    dtype = np.dtype(dtype)
    if getattr(x, "dtype", None) == dtype:
        return x
    return bind(convert_p, x, new_dtype=dtype)


def _between_floats(x, new_dtype):
    """Only casts between floating (or complex) dtypes carry derivatives: float to complex
    embeds (its vjp takes the real part), complex to float takes the real part."""
    return np.dtype(new_dtype).kind in "fc" and dtype_of(x).kind in "fc"


def _convert_jvp(tangents, primals, out, *, new_dtype):
    return convert(tangents[0], new_dtype) if _between_floats(primals[0], new_dtype) else None


def _convert_vjp(g, x, *, out, new_dtype):
    return [convert(g, dtype_of(x)) if _between_floats(x, new_dtype) else None]


convert_p.jvp, convert_p.vjp, convert_p.batch = _convert_jvp, _convert_vjp, elementwise_batch(convert_p)
convert_p.lower = "a cast to the output dtype (Codegen.expr)"

stop_gradient_p = Primitive("stop_gradient", lambda x: x, lambda x: x)  # identity; zero derivative
no_derivative(stop_gradient_p)
stop_gradient_p.batch = elementwise_batch(stop_gradient_p)
stop_gradient_p.lower = "{0}"  # fused: a read of the operand
