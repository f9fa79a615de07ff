"""Per-call cost of eager ``funcdl.numpy`` calls next to the same numpy calls, and the
cost of tracing a function with ``make_ir``.

Eagerly, a ``fnp`` call on concrete arrays promotes its arguments, binds a primitive
and runs the primitive's numpy implementation, so its time is numpy's plus funcdl's
dispatch overhead; this benchmark measures that overhead for small arrays, where it
matters most. Each row times a funcdl callable and its numpy counterpart (checked to
compute the same values and dtype first), interleaving the two in alternating order,
and reports the median over repeats of the per-call time.

    python -m benchmarks eager_overhead                 # via the runner (1 thread)
    python -m benchmarks.eager_overhead --repeat 21     # alone, with options
"""
import argparse
import platform
import statistics
import sys
import time
import timeit

import numpy as np

import funcdl as fd
import funcdl.numpy as fnp

try:  # the thread settings, when run through the benchmarks package
    from . import thread_settings
except ImportError:  # run as a plain script
    def thread_settings():
        return "threads: not pinned"


def _twenty_ops(m):
    """A function of 20 elementwise/reduction ops, written once for both libraries.

    ``m`` is the namespace (``funcdl.numpy`` or ``numpy``); every line is one primitive.
    """
    def f(x):
        a = m.sin(x)                # 1
        b = m.multiply(a, x)        # 2
        c = m.add(b, 1.0)           # 3
        d = m.exp(c)                # 4
        e = m.subtract(d, a)        # 5
        g = m.tanh(e)               # 6
        h = m.maximum(g, 0.0)       # 7
        i = m.multiply(h, 2.0)      # 8
        j = m.cos(i)                # 9
        k = m.add(j, b)             # 10
        n = m.square(k)             # 11
        o = m.sqrt(n)               # 12
        p = m.log1p(o)              # 13
        q = m.divide(p, 3.0)        # 14
        r = m.negative(q)           # 15
        s = m.abs(r)                # 16
        t = m.minimum(s, k)         # 17
        u = m.subtract(t, 0.5)      # 18
        v = m.multiply(u, u)        # 19
        return m.sum(v)             # 20
    f.__name__ = "twenty_ops"
    return f


def cases():
    """``(name, funcdl_callable, numpy_callable)`` rows; each callable takes no argument."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(100).astype(np.float32)
    y = rng.standard_normal(100).astype(np.float32)
    a2 = rng.standard_normal((100, 100)).astype(np.float32)
    m1 = rng.standard_normal((64, 64)).astype(np.float32)
    m2 = rng.standard_normal((64, 64)).astype(np.float32)
    idx = np.array([1, 2])  # x[1:3] as a gather: eager x[1:3] on numpy arrays is numpy itself

    f_fd, f_np = _twenty_ops(fnp), _twenty_ops(np)
    ir = fd.make_ir(f_fd)(x)
    n_eqns = len(ir.eqns)
    make_ir = fd.make_ir

    return [
        ("add f32[100] + f32[100]", lambda: fnp.add(x, y), lambda: np.add(x, y)),
        ("add f32[100] + 2.0", lambda: fnp.add(x, 2.0), lambda: np.add(x, 2.0)),
        ("exp f32[100]", lambda: fnp.exp(x), lambda: np.exp(x)),
        ("sum f32[100,100] axis=0", lambda: fnp.sum(a2, axis=0), lambda: np.sum(a2, axis=0)),
        ("matmul f32[64,64] @ f32[64,64]", lambda: fnp.matmul(m1, m2),
         lambda: np.matmul(m1, m2)),
        ("reshape f32[100] -> (10,10)", lambda: fnp.reshape(x, (10, 10)),
         lambda: np.reshape(x, (10, 10))),
        ("take f32[100] [1,2] (x[1:3])", lambda: fnp.take(x, idx), lambda: np.take(x, idx)),
        (f"{n_eqns}-op fn: eager fnp vs np", lambda: f_fd(x), lambda: f_np(x)),
        (f"{n_eqns}-op fn: make_ir trace vs np", lambda: make_ir(f_fd)(x), lambda: f_np(x)),
        (f"{n_eqns}-op fn: IR eval vs np", lambda: ir(x)[0], lambda: f_np(x)),
    ]


def _check_same(name, fd_fn, np_fn):
    """Both sides compute the same thing (the trace row returns an IR: skip it)."""
    got, want = fd_fn(), np_fn()
    if isinstance(got, fd.IR):
        return
    got, want = np.asarray(got), np.asarray(want)
    if got.dtype != want.dtype or got.shape != want.shape:
        raise AssertionError(f"{name}: funcdl gives {got.dtype}{got.shape}, "
                             f"numpy {want.dtype}{want.shape}")
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=name)


def _calibrate(fn, min_time):
    """Calls per timing block so that one block lasts at least ``min_time`` seconds."""
    timer, number = timeit.Timer(fn), 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= min_time:
            return number
        # Aim a little past min_time, at most 10x more calls per step.
        wanted = int(number * 1.2 * min_time / max(elapsed, 1e-9))
        number = max(number + 1, min(number * 10, wanted))


def measure(fd_fn, np_fn, repeat, min_time):
    """Median seconds per call of each callable, timed in alternating interleaved blocks."""
    fns = {"funcdl": fd_fn, "numpy": np_fn}
    timers = {k: timeit.Timer(f) for k, f in fns.items()}
    numbers = {k: _calibrate(f, min_time) for k, f in fns.items()}
    times = {k: [] for k in fns}
    for r in range(repeat):
        for k in (("funcdl", "numpy") if r % 2 == 0 else ("numpy", "funcdl")):
            times[k].append(timers[k].timeit(numbers[k]) / numbers[k])
    return {k: statistics.median(v) for k, v in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.eager_overhead",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15,
                        help="timing blocks per callable; the median is reported (default 15)")
    parser.add_argument("--min-time", type=float, default=0.005, metavar="SECONDS",
                        help="minimum duration of one timing block (default 0.005)")
    args = parser.parse_args(argv)

    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"funcdl {fd.__version__}; {thread_settings()}")
    print(f"median of {args.repeat} interleaved blocks of >= {args.min_time * 1e3:g} ms "
          f"each; times in microseconds per call")
    start = time.perf_counter()
    rows = []
    for name, fd_fn, np_fn in cases():
        _check_same(name, fd_fn, np_fn)
        t = measure(fd_fn, np_fn, args.repeat, args.min_time)
        rows.append((name, t["funcdl"] * 1e6, t["numpy"] * 1e6))

    width = max(len(r[0]) for r in rows)
    header = (f"{'operation':<{width}}  {'funcdl us':>10}  {'numpy us':>9}  {'ratio':>7}  "
              f"{'+us/call':>9}")
    print(header)
    print("-" * len(header))
    for name, t_fd, t_np in rows:
        print(f"{name:<{width}}  {t_fd:10.2f}  {t_np:9.2f}  {t_fd / t_np:7.2f}  {t_fd - t_np:9.2f}")
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
