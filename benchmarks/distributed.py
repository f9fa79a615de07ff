"""Data-parallel training on 2 MPI processes against 1 process, on this machine.

The Adam training step of an MLP (softmax cross-entropy, float32) at global batches of
16 to 1,024: the MNIST MLP 784-128-64-10 (W1) and a wide 784-1024-1024-10, whose
7.5 MB of gradients make communication matter. The benchmark launches itself under
``mpiexec -n 2`` (one thread per process) and interleaves, in rotating order, blocks of

- **1 process**: process 0 runs the whole step (``jit`` of value_and_grad + Adam, as
  ``train.fit`` does) on the global batch while process 1 idles (sleeping, not spinning);
- **2 processes**: both run ``data_parallel(jit(value_and_grad))`` on their half of the
  batch, then the jitted Adam update (as ``train.fit(distributed=True)`` does);
- **collective**: both only ``psum`` the gradient pytree (the collective's share of a
  step).

It prints medians per step, samples per second, the speed-up and scaling efficiency
(speed-up / 2), and the smallest batch from which 2 processes pay. Needs the extra
``funcdl[mpi]``; without it the benchmark says so and exits.

    python -m benchmarks distributed
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

from ._timing import settle

MODELS = {"W1 784-128-64-10": (784, 128, 64, 10), "wide 784-1024-1024-10": (784, 1024, 1024, 10)}
BATCHES = (16, 32, 64, 128, 256, 512, 1024)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.distributed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9, help="interleaved blocks per contender")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.repeat)
    return launch(args.repeat)


def launch(repeat):
    """Run this benchmark under ``mpiexec -n 2`` and print what process 0 reports."""
    mpiexec = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        mpiexec = None
    if mpiexec is None:
        print("skipped: needs mpi4py and mpiexec (pip install \"funcdl[mpi]\")")
        return 0
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        env[var] = "1"  # one core per process
    proc = subprocess.run([mpiexec, "-n", "2", sys.executable, "-m", "benchmarks.distributed",
                           "--worker", "--repeat", str(repeat)], env=env, cwd=root,
                          stdout=subprocess.PIPE, text=True)
    print(proc.stdout, end="")  # through this process's stdout, for --markdown
    return proc.returncode


def worker(repeat):
    import numpy as np
    from mpi4py import MPI

    from funcdl import distributed as dist

    comm = MPI.COMM_WORLD
    rank = dist.process_index()
    say = print if rank == 0 else (lambda *a, **k: None)
    library = " ".join(MPI.Get_library_version().split()[:3])  # e.g. "MPICH Version: 5.0.2"
    say(f"2 MPI processes ({library}), 1 thread each; "
        f"median of {repeat} interleaved blocks per contender")
    for label, sizes in MODELS.items():
        say(f"\n{label}: Adam step, ms per step (1 proc = fused local step on process 0)\n")
        say("| global batch | 1 proc (ms) | 2 procs (ms) | collective (ms) | samples/s 1 proc "
            "| samples/s 2 procs | speed-up | efficiency |")
        say("|---|---|---|---|---|---|---|---|")
        pays_from = None
        for batch in BATCHES:
            t1, t2, tc = measure(sizes, batch, repeat, comm, np)
            speedup = t1 / t2
            if speedup > 1 and pays_from is None:
                pays_from = batch
            elif speedup <= 1:
                pays_from = None
            say(f"| {batch} | {t1 * 1e3:.2f} | {t2 * 1e3:.2f} | {tc * 1e3:.2f} | {batch / t1:,.0f} "
                f"| {batch / t2:,.0f} | {speedup:.2f} | {speedup / 2:.0%} |")
        say(f"\n2 processes pay from a global batch of {pays_from} on" if pays_from else
            "\n2 processes do not pay at any batch measured")
    return 0


def measure(sizes, batch, repeat, comm, np):
    """Median seconds per step: (1 process, 2 processes, the gradient psum alone)."""
    import funcdl as fd
    from funcdl import distributed as dist
    from funcdl import optim

    params, x, y = problem(sizes, batch, np)
    optimizer = optim.adam(1e-3)
    opt_state = optimizer.init(params)
    vg = fd.value_and_grad(loss)

    def update(p, s, g):
        updates, s = optimizer.update(g, s, p)
        return optim.apply_updates(p, updates), s

    def step(p, s, b):
        value, g = vg(p, b)
        return update(p, s, g) + (value,)

    local_step = fd.jit(step)
    jit_vg, jit_update = fd.jit(vg), fd.jit(update)
    sharded_vg = dist.data_parallel(jit_vg)
    grads = vg(params, (x, y))[1]
    lo, hi = dist.shard_bounds(batch)
    for jitted, args in ((local_step, (params, opt_state, (x, y))),
                         (jit_vg, (params, (x[lo:hi], y[lo:hi]))),
                         (jit_update, (params, opt_state, grads))):
        settle(jitted, *args)  # compiled, and any background promotion finished

    def one_process():
        if comm.Get_rank() == 0:
            local_step(params, opt_state, (x, y))

    def two_processes():
        jit_update(params, opt_state, sharded_vg(params, (x, y))[1])

    def collective():
        dist.psum(grads)

    contenders = {"1": one_process, "2": two_processes, "c": collective}
    for fn in contenders.values():  # compile and warm up
        fn()
        fn()
        idle_barrier(comm)
    count = calls_per_block(two_processes, comm)
    samples = {name: [] for name in contenders}
    for r in range(repeat):
        names = list(contenders)[r % 3:] + list(contenders)[:r % 3]
        for name in names:
            idle_barrier(comm)
            start = time.perf_counter()
            for _ in range(count):
                contenders[name]()
            samples[name].append((time.perf_counter() - start) / count)
    idle_barrier(comm)
    medians = [statistics.median(samples[name]) for name in contenders]
    return tuple(comm.bcast(medians, root=0))  # process 0's clock


def calls_per_block(fn, comm, min_time=0.05):
    """Calls of ``fn`` lasting ``min_time``, agreed by both processes."""
    start = time.perf_counter()
    fn()
    from mpi4py import MPI
    once = comm.allreduce(time.perf_counter() - start, op=MPI.MAX)
    return max(1, int(min_time / max(once, 1e-6)))


def idle_barrier(comm):
    """Wait for the other process without spinning (its core stays free)."""
    request = comm.Ibarrier()
    while not request.Test():
        time.sleep(2e-4)


def problem(sizes, batch, np, seed=0):
    rng = np.random.default_rng(seed)  # the same on both processes
    params = [(rng.standard_normal((m, n)).astype(np.float32) * np.float32(np.sqrt(2 / m)),
               np.zeros(n, np.float32)) for m, n in zip(sizes[:-1], sizes[1:])]
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], batch)]
    return params, x, y


def loss(params, batch):
    import funcdl.nn as nn
    import funcdl.numpy as fnp
    x, y = batch
    h = x
    for w, b in params[:-1]:
        h = fnp.maximum(h @ w + b, 0.0)
    w, b = params[-1]
    return -fnp.mean(fnp.sum(y * nn.log_softmax(h @ w + b), axis=1))


if __name__ == "__main__":
    sys.exit(main())
