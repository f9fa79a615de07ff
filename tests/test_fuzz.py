"""Differential fuzzing (issue 11): random programs through every transform, each checked
against an independent answer.

Programs come from ``fuzz_programs`` (expression DAGs over ``xp``/``lax``/``at``, printed as
Python source). The checks: eager funcdl.numpy against numpy; ``jit`` against eager;
``vmap`` (random ``in_axes``, ``None`` and negative included) against a Python loop;
``jvp``/``vjp``/``grad`` against central differences of the numpy program in float64;
``jit(grad)`` against ``grad``; ``vmap(grad)`` against a loop; ``grad(grad)`` against central
differences of ``grad``.

The quick profile runs in the normal suite, derandomized (the same programs every run; the
``jit`` ones are then compile-cache hits after the first run). ``FUNCDL_FUZZ=long`` runs
the long profile (over 5,000 programs, fresh ones each run; ``FUNCDL_FUZZ_SEED=n`` pins
them). ``FUNCDL_FUZZ_KNOWN=1`` also generates the features of ``KNOWN_BUGS``.

A failure prints the program as source (the ``Case`` line, also after "minimized:");
pasting it into ``REGRESSIONS`` makes it a regression test.
"""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, note, seed, settings

import fuzz_programs as fp

LONG = os.environ.get("FUNCDL_FUZZ") == "long"

# The known bugs of issue 11 that the fuzzer finds: item -> (what, checks it breaks, the
# program features (``Op.tags``) that trigger it). Each has a case in REGRESSIONS, which
# fails on e0308ec (before the fixes).
BUGS = {
    1: ("jit: broadcasting a size-1 dimension that sits between others reads out of bounds",
        {"jit", "jit_grad"}, {"broadcast_mid_size1"}),
    2: ("jit: .at[i] with a traced 0-d integer index fails to compile",
        {"jit", "jit_grad"}, {"at_traced_scalar_index"}),
    3: ("jit: out-of-range .at indices are clamped instead of dropped", {"jit"}, {"at_oor"}),
    4: ("jit: integer tensordot with a 0-d operand emits invalid source",
        {"jit", "jit_grad"}, {"tensordot_0d"}),
    5: ("jit: float16 is not supported", {"jit"}, {"float16"}),
    8: ("the derivative of power(x, 0) is NaN at x = 0",
        {"derivatives", "vmap_grad", "grad_grad", "jit_grad"}, {"pow_zero_exponent"}),
    9: ("derivatives of scatter-multiply are NaN where the update is 0",
        {"derivatives", "vmap_grad", "grad_grad", "jit_grad"}, {"at_multiply_zero"}),
    # found by the fuzzer (not on the list):
    "N1": ("vmap: a Python scalar argument (in_axes None) loses its weak type: float32 + 0.0 gives float64",
           {"vmap", "vmap_grad"}, {"python_scalar_arg"}),
}
# The items of BUGS still unfixed: their features are not generated for the checks they
# break, and their REGRESSIONS cases are strict xfails (so a fix that lands is noticed).
# Items 1-9 were all fixed in the working tree when the fuzzer was written; add one back
# (say KNOWN_BUGS = {1, 3, "N1"}) to exclude its feature while it is being fixed.
KNOWN_BUGS = set()
RUN_KNOWN = os.environ.get("FUNCDL_FUZZ_KNOWN") == "1"


def excluded(check):
    """The program features not generated for ``check`` (those of KNOWN_BUGS)."""
    if RUN_KNOWN:
        return frozenset()
    return frozenset().union(*(BUGS[i][2] for i in KNOWN_BUGS if check in BUGS[i][1]))


# check -> (examples in the quick profile, in the long profile, strategy arguments). Repeated
# programs are skipped, so the quick profile checks about 60 % as many distinct programs
# (about 600 in all). Each new jit program is a numba compilation (about 0.3-3 s), so jit
# runs fewer, smaller programs.
PROFILE = {
    "eager": (300, 3500, dict(mode="full")),
    "vmap": (200, 1500, dict(mode="full")),
    "derivatives": (200, 1800, dict(mode="smooth")),
    "vmap_grad": (80, 400, dict(mode="smooth")),
    "grad_grad": (80, 400, dict(mode="smooth")),
    "jit": (50, 250, dict(mode="full", min_ops=2, max_ops=6, for_jit=True)),
    "jit_grad": (10, 30, dict(mode="smooth", min_ops=2, max_ops=4)),
}


CHECKED = {}  # check -> distinct programs checked in this process (for reporting)


def fuzz(check):
    """A hypothesis test running ``fp.CHECKS[check]`` on the profile's programs."""
    quick, long, kwargs = PROFILE[check]
    strategy = fp.vmap_cases if check in ("vmap", "vmap_grad") else fp.cases
    if strategy is fp.vmap_cases:
        kwargs = {k: v for k, v in kwargs.items() if k != "for_jit"}
    seen = set()
    # reverse mode through lax.while_loop raises by design (check_derivatives checks that)
    forward_only = {"while_loop"} if check in ("vmap_grad", "grad_grad", "jit_grad") else set()
    compiles = check.startswith("jit")  # shrinking would compile hundreds of programs: minimize instead

    @settings(max_examples=long if LONG else quick, derandomize=not LONG, database=None, deadline=None,
              print_blob=False, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                       HealthCheck.filter_too_much],
              phases=[Phase.explicit, Phase.generate] if compiles else list(Phase),
              report_multiple_bugs=not compiles)
    @given(case=strategy(exclude=excluded(check) | forward_only, **kwargs))
    def test(case):
        # Different draws can build the same program (draws spent on rejected ops): a
        # passed program and shapes are not checked again (hypothesis may replay examples,
        # so this can't be an assume()).
        key = (case.program_source, tuple((np.shape(a), np.asarray(a).dtype) for a in case.args))
        if key in seen:
            return
        note(case.to_source())
        try:
            fp.CHECKS[check](case)
        except Exception:
            if _final_run():
                note("minimized:\n" + fp.minimize(case, fp.CHECKS[check]).to_source())
            raise
        seen.add(key)
        CHECKED[check] = len(seen)
    if LONG and os.environ.get("FUNCDL_FUZZ_SEED"):
        test = seed(int(os.environ["FUNCDL_FUZZ_SEED"]))(test)
    test.__name__ = f"test_fuzz_{check}"
    test.__doc__ = fp.CHECKS[check].__doc__
    return test


def _final_run():
    """Whether hypothesis is replaying the shrunk failure (minimize only then: it is slow)."""
    try:
        from hypothesis.control import current_build_context
        return current_build_context().is_final
    except Exception:  # noqa: BLE001 - an internal of hypothesis; without it, don't minimize
        return False


test_fuzz_eager = fuzz("eager")
test_fuzz_vmap = fuzz("vmap")
test_fuzz_derivatives = fuzz("derivatives")
test_fuzz_vmap_grad = fuzz("vmap_grad")
test_fuzz_grad_grad = fuzz("grad_grad")
test_fuzz_jit = fuzz("jit")
test_fuzz_jit_grad = fuzz("jit_grad")


# --- shrunk failures found by the fuzzer: (check, item of BUGS, source) ----------------------

REGRESSIONS = [
    ("jit", 1, """def program(x0):
    v0 = xp.repeat(x0, 3, axis=-1)
    return (v0,)

args = (np.array([[-1], [-4], [-2]], np.int64), )"""),
    ("jit", 1, """def program(x0, x1, x2):
    v0 = xp.where(x0, x1, x2)
    return (v0,)

args = (np.array(True), np.array([[[[-0.875]], [[0.625]], [[1.875]]], [[[1.5]], [[0.875]], [[1.875]]]],
                                 np.float32), np.array([0.625, 1.125], np.float64), )"""),
    ("jit", 2, """def program(x0, x1):
    v0 = at(x0)[x1].set(True)
    return (v0,)

args = (np.array([False, True], np.bool), np.array(0, np.int32), )"""),
    ("jit", 3, """def program(x0, x1):
    v0 = at(x0)[x1].set(2.0)
    return (v0,)

args = (np.array([[1.375, -1.375], [-1.75, -1.5]], np.float32), np.array([3, 0], np.int64), )
tags = ('at_oor',)"""),
    ("jit", 4, """def program(x0, x1):
    v0 = xp.tensordot(x0, x1, axes=0)
    return (v0,)

args = (np.array([[-2, -1, 0], [-2, 2, 3]], np.int32), np.array(2, np.int32), )"""),
    ("jit", 5, """def program(x0):
    v0 = xp.cos(x0)
    return (v0,)

args = (np.array([True, False, False], np.bool), )"""),
    ("derivatives", 8, """def program(x0):
    v0 = xp.power(x0, 0)
    return (v0,)

args = (np.array([2.0, 0.0, -0.125]), )
diff = (0,)"""),
    ("vmap", "N1", """def program(x0, x1):
    v0 = x0 + x1
    return (v0,)

args = (np.zeros((2, 3), np.float32), 0.0, )
in_axes, out_axes = (0, None), 0"""),
    ("derivatives", 9, """def program(x0, x1, x2):
    v0 = at(x0)[x1].multiply(x2)
    return (v0,)

args = (np.array([1.375, 2.0, -1.625]), np.array([0, 2], np.int32), np.array([0.0, 1.5]), )
diff = (0, 2)"""),
]


def _regression_params():
    for check, item, source in REGRESSIONS:
        marks = ()
        if item is not None and item in KNOWN_BUGS:
            marks = pytest.mark.xfail(strict=True, reason=f"known bug {item}: {BUGS[item][0]}")
        yield pytest.param(check, source, marks=marks, id=f"{check}-{item}-{len(source)}")


@pytest.mark.parametrize("check, source", list(_regression_params()))
def test_regression(check, source):
    case = fp.Case.from_source(source)
    fp.CHECKS[check](case)


# --- the fuzzer itself -----------------------------------------------------------------------

def test_checks_catch_planted_bugs(monkeypatch):
    """Each comparison fails on a wrong answer (the fuzz tests could fail)."""
    import funcdl.numpy as fnp
    case = fp.Case.from_source("def program(x0):\n    v0 = xp.cumsum(xp.sin(x0), axis=0)\n"
                               "    return (v0,)\n\nargs = (np.array([0.5, 1.0, -1.5], np.float32), )")
    cumsum = fnp.cumsum
    off = lambda x, axis=None: cumsum(x, axis=axis) * np.float32(1.001)  # noqa: E731
    monkeypatch.setattr(fnp, "cumsum", off)
    with pytest.raises(AssertionError, match="eager funcdl vs numpy"):
        fp.check_eager(case)
    with pytest.raises(AssertionError, match="dtype"):
        fp.assert_same("t", (np.zeros(2, np.float64),), (np.zeros(2, np.float32),))
    with pytest.raises(AssertionError, match="differs"):
        fp.assert_same("t", (np.array([1, 2]),), (np.array([1, 3]),))
    with pytest.raises(AssertionError, match="differs"):
        fp.assert_same("t", (np.array([np.nan, 1.0]),), (np.array([1.0, 1.0]),))
    fp.assert_same("t", (np.array([np.nan, 1.0]),), (np.array([np.nan, 1.0 + 1e-12]),))
    with pytest.raises(AssertionError, match="finite differences"):
        fp.assert_derivative("t", np.array([1.0, 2.0]), np.array([1.0, 2.1]), np.zeros(2))


def test_generator_covers_the_feature_list():
    """The quick profile's programs use every feature the fuzzer promises, and a printed case
    runs back to the same result."""
    seen, cases = set(), []

    @settings(max_examples=600, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=fp.cases(mode="full") | fp.cases(mode="full", for_jit=True))
    def collect(case):
        cases.append(case)
        src = case.program_source
        seen.update(f for f in FEATURES if f in src)
        seen.update(f"tag:{t}" for t in case.tags)
        for a in case.args:
            if isinstance(a, (float, int)):
                seen.add("weak python scalar")
            else:
                seen.add(f"dtype:{a.dtype}")
                seen.update({"0-d"} if a.ndim == 0 else set())
                seen.update({"size-0"} if a.size == 0 else set())
                seen.update({"size-1 dim"} if 1 in a.shape else set())
        seen.add(f"ops:{min(src.count(chr(10) + '    v'), 6)}")
    collect()
    expected = set(FEATURES) | {"weak python scalar", "0-d", "size-0", "size-1 dim", "ops:1", "ops:6",
                                "tag:at_oor", "tag:at_traced_scalar_index", "tag:tensordot_0d"}
    expected |= {f"dtype:{d}" for d in ("float32", "float64", "int32", "int64", "bool")}
    assert expected <= seen, sorted(expected - seen)
    for case in cases[::25]:
        again = fp.Case.from_source(case.to_source())
        want = fp.quiet(case.function(fp.numpy_env()), *case.args)
        fp.assert_same("round trip", fp.quiet(again.function(fp.numpy_env()), *again.args), want)


FEATURES = ["xp.sin", "xp.exp", "xp.tanh", "xp.log", "xp.sqrt", "xp.abs", "xp.square", "xp.negative",
            "xp.add", "xp.subtract", "xp.multiply", "xp.divide", "xp.maximum", "xp.minimum",
            "xp.power", "xp.where", "sum(", "mean(", "max(", "min(", "xp.prod", "keepdims",
            "reshape", "xp.transpose", "xp.broadcast_to", "xp.expand_dims", "xp.squeeze",
            "xp.concatenate", "xp.flip", "xp.pad", "xp.tile", "xp.repeat", "at(", ".set(", ".add(",
            ".multiply(", "xp.dot", "xp.matmul", "xp.einsum", "xp.tensordot", "xp.cumsum", "lax.cond",
            "lax.scan", "lax.fori_loop", "lax.while_loop", " < ", "...", "None", "xp.fft."]
