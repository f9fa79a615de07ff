"""Run the benchmark scripts of this folder.

    python -m benchmarks                  # every benchmark, single-threaded
    python -m benchmarks --threads 4      # let BLAS/OpenMP/numba use 4 threads
    python -m benchmarks eager_overhead   # only the named benchmark(s)
    python -m benchmarks --list           # list the benchmarks

The thread count goes into OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS and
NUMBA_NUM_THREADS before numpy is imported (the default, 1, overrides values already in
the environment, so results are comparable between machines and runs).
"""
import argparse
import contextlib
import importlib
import io
import sys
import time

from . import benchmark_names, set_threads, thread_settings


def main(argv=None):
    names = benchmark_names()
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="threads for BLAS/OpenMP/numba (default: 1)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--markdown", metavar="PATH",
                        help="also write every table to this Markdown file (e.g. for the README)")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default: all of {', '.join(names)})")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(names))
        return 0
    unknown = [n for n in args.names if n not in names]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(names)}")
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    if not set_threads(args.threads):
        print("warning: numpy was imported before the thread count could be set; "
              "results may be multi-threaded", file=sys.stderr)

    start = time.perf_counter()
    report = io.StringIO()
    for name in args.names or names:
        module = importlib.import_module(f"{__package__}.{name}")
        print(f"=== {name}")
        captured = io.StringIO()
        with contextlib.redirect_stdout(_Tee(sys.stdout, captured)):
            module.main([])
        report.write(f"### {name}\n\n{captured.getvalue()}\n")
        print()
    print(f"all benchmarks: {time.perf_counter() - start:.1f} s")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(f"# funcdl benchmarks\n\n{thread_settings()}\n\n{report.getvalue()}")
        print(f"tables written to {args.markdown}")
    return 0


class _Tee(io.TextIOBase):
    """Write to several streams at once."""

    def __init__(self, *streams):
        self.streams = streams

    def write(self, text):
        for s in self.streams:
            s.write(text)
        return len(text)


if __name__ == "__main__":
    sys.exit(main())
