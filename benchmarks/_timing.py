"""Shared timing: interleave the contenders, report medians per call.

Each contender is called in blocks of enough calls to last ``min_time``; the blocks of
all contenders alternate (in rotating order) ``repeat`` times, so a noisy neighbour
slows them all alike. The result is the median time per call of each contender.
"""
import statistics
import time


def _calls_per_block(fn, min_time):
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - start >= min_time or n >= 1 << 20:
            return n
        n *= 2


def settle(jitted, *args, seconds=10.0):
    """Call the funcdl ``jitted(*args)`` until its program stops changing: an outlined
    program is timed over its first calls and may be promoted to one function compiled
    in the background (``funcdl.transforms.jit_compiler``); steady-state timings start
    after that (at most ``seconds``)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        jitted(*args)
        programs = list(jitted._cache.values())
        if programs and all(p.trial is None and p.successor is None for p in programs):
            return
        time.sleep(0.002)  # leave the core to the compiling worker


def compare(contenders, repeat=15, min_time=0.02):
    """``{name: fn}`` -> ``{name: median seconds per call}``, interleaved."""
    names = list(contenders)
    for fn in contenders.values():  # warm up (and compile, for jitted contenders)
        fn()
    counts = {n: _calls_per_block(contenders[n], min_time) for n in names}
    samples = {n: [] for n in names}
    for r in range(repeat):
        order = names[r % len(names):] + names[:r % len(names)]
        for n in order:
            fn, count = contenders[n], counts[n]
            start = time.perf_counter()
            for _ in range(count):
                fn()
            samples[n].append((time.perf_counter() - start) / count)
    return {n: statistics.median(s) for n, s in samples.items()}


def table(rows, columns, baseline, unit=1e-6, unit_name="us"):
    """Markdown-style table of ``rows`` ({row: {column: seconds}}) with ratios to
    ``baseline``."""
    header = ["workload"] + [f"{c} ({unit_name})" for c in columns] + \
             [f"{c}/{baseline}" for c in columns if c != baseline]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row, times in rows.items():
        cells = [row] + [f"{times[c] / unit:.1f}" if c in times else "-" for c in columns]
        cells += [f"{times[c] / times[baseline]:.2f}" if c in times and baseline in times else "-"
                  for c in columns if c != baseline]  # a row may lack the baseline
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _library_contenders(jitted, eager, numpy_fn, others, name, args):
    start = time.perf_counter()
    jitted(*args)
    first = time.perf_counter() - start
    settle(jitted, *args)
    found = {"funcdl jit": lambda: jitted(*args), "funcdl eager": lambda: eager(*args),
             "numpy": lambda: numpy_fn(*args)}
    for label, make in others.items():
        try:
            found[label] = make(name, args)
        except ImportError:
            pass
    return found, first


def print_library_table(problems, funcdl, numpy, others, repeat=9):
    """Print microseconds per call of each workload ``name -> args`` of ``problems``: funcdl's
    function ``funcdl[name]`` jitted and eager, ``numpy[name]``, and each optional contender
    ``others[label](name, args) -> fn`` whose library imports (JAX, PyTorch), with the
    jit/numpy ratio and the first jitted call's time (compile or cache load)."""
    import funcdl as fd  # noqa: PLC0415 - the package must not import numpy itself
    rows = []
    for name, args in problems.items():
        found, first = _library_contenders(fd.jit(funcdl[name]), funcdl[name], numpy[name], others, name, args)
        rows.append((name, compare(found, repeat=repeat), first))
    columns = list(rows[0][1])
    print("microseconds per call (ratios: funcdl jit / numpy; first call: compile or load)")
    print("| workload | " + " | ".join(columns) + " | jit/numpy | first call (s) |")
    print("|---|" + "---|" * (len(columns) + 2))
    for name, times, first in rows:
        cells = [f"{times[c] * 1e6:.1f}" if c in times else "-" for c in columns]
        print(f"| {name} | " + " | ".join(cells)
              + f" | {times['funcdl jit'] / times['numpy']:.2f} | {first:.2f} |")
