"""Compile latency: seconds to the first result of a program (trace + compile + run), each
in a new process with an empty compile cache, funcdl beside JAX (when installed), 1 thread.

- W1 MNIST MLP Adam step b128, W4 small CNN SGD step b64, the LSTM step over ``lax.scan``
  (T=20 B=32 F=16 H=64): first call, funcdl / JAX;
- reuse: in the process that compiled W1, the first call of W1 at batch 64, of the
  evaluation step (logits) and of an MLP of another width (784-256-64-10);
- scaling: a chain of N small layers (about 4 equations each), 100 and 1,000 equations;
- warm: a new process whose disk cache holds W1: process start to W1's first result.

    python -m benchmarks compile_latency [--repeat 1]

Each figure is the median over ``--repeat`` fresh processes. Imports are not counted
except in the warm-process row (where they are the point).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Run in a child process: `python -c CHILD <contender> <program>`; prints a JSON dict of
# seconds. Programs are built from the benchmark modules so both contenders share inputs.
CHILD = r"""
import json, sys, time
t_start = time.perf_counter()
import numpy as np
contender, program = sys.argv[1], sys.argv[2]
if contender != "jax":
    import funcdl as fd
    import funcdl.numpy as fnp
    from benchmarks import jit_workloads as W, lstm_scan as L
    from benchmarks.compile_latency import chain_funcdl
    fd.config.update("jit_outline", contender != "whole")
    fd.config.update("jit_compile_workers", 0 if contender in ("whole", "serial") else 1)
    fd.config.update("jit_background", contender == "background")
else:
    import jax
    jax.config.update("jax_platform_name", "cpu")
    import jax.numpy as jnp
    from benchmarks import jit_workloads as W, lstm_scan as L
    from benchmarks.compile_latency import chain_jax
    J = W._jax()
t_import = time.perf_counter()


def first(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    if contender == "jax":
        jax.block_until_ready(out)
    return time.perf_counter() - t


def mlp(sizes, batch):
    params, x, y = W.mlp_problem(sizes, batch)
    zeros = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    state = (zeros, zeros, np.float32(0.0))
    if contender == "jax":
        params, state = J["tree"](params), J["tree"](state)
    return params, state, x, y


res = {}
if program == "w1":
    res["first"] = first(J["adam"] if contender == "jax" else fd.jit(W.adam_step), *mlp((784, 128, 64, 10), 128))
    res["since_start"] = time.perf_counter() - t_start
elif program == "reuse":
    step = J["adam"] if contender == "jax" else fd.jit(W.adam_step)
    res["first"] = first(step, *mlp((784, 128, 64, 10), 128))
    res["batch64"] = first(step, *mlp((784, 128, 64, 10), 64))
    p, _, x, _ = mlp((784, 128, 64, 10), 128)
    logits = jax.jit(J["logits"]) if contender == "jax" else fd.jit(W.mlp_logits)
    res["eval"] = first(logits, p, x)
    res["width256"] = first(step, *mlp((784, 256, 64, 10), 128))
elif program == "cnn":
    params, x, y = W.cnn_problem()
    if contender != "jax":
        res["first"] = first(fd.jit(W.cnn_step), params, x, y)
    else:
        res["first"] = first(J["cnn"], J["tree"](params), x, y)
elif program == "lstm":
    layer, params, x, y = L.make(L.T)
    if contender != "jax":
        res["first"] = first(fd.jit(L.scan_step(layer)), params, x, y)
    else:
        step, jparams = L.jax_step(params)
        res["first"] = first(step, jparams, x, y)
elif program.startswith("chain"):
    n = int(program[5:])
    make = chain_jax if contender == "jax" else chain_funcdl
    fn, args, eqns = make(n)
    res["first"], res["eqns"] = first(fn, *args), eqns
print(json.dumps(res))
"""

LAYER_EQNS = 4  # equations per chain layer: dot_general, add, tanh, mul


def _chain_args(n_layers):
    import numpy as np
    rng = np.random.default_rng(0)
    ws = [rng.standard_normal((16, 16)).astype(np.float32) * np.float32(0.25) for _ in range(n_layers)]
    return ws, rng.standard_normal((8, 16)).astype(np.float32)


def _chain(tanh):
    """``n`` small layers ``h = 0.5 * tanh(h @ w + h)``, one per weight in ``ws``."""
    def chain(ws, h):
        for w in ws:
            h = 0.5 * tanh(h @ w + h)
        return h
    return chain


def chain_funcdl(n_eqns):
    """A jitted chain of ``n_eqns // 4`` layers (see ``_chain``)."""
    import funcdl as fd
    import funcdl.numpy as fnp
    chain, (ws, h) = _chain(fnp.tanh), _chain_args(n_eqns // LAYER_EQNS)
    return fd.jit(chain), (ws, h), len(fd.make_ir(chain)(ws, h).eqns)


def chain_jax(n_eqns):
    import jax
    import jax.numpy as jnp
    chain, (ws, h) = _chain(jnp.tanh), _chain_args(n_eqns // LAYER_EQNS)
    return jax.jit(chain), (ws, h), len(jax.make_jaxpr(chain)(ws, h).jaxpr.eqns)


def _have_jax():
    try:
        import jax  # noqa: F401  (only whether it imports)
    except ImportError:
        return False
    return True


def run(contender, program, cache_dir):
    env = dict(os.environ, FUNCDL_CACHE_DIR=cache_dir, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", CHILD, contender, program], env=env, cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{contender} {program} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(contender, program, repeat, warm=False):
    """Median figures over ``repeat`` new processes, each with an empty cache (``warm``:
    a cache filled by one earlier process)."""
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            if warm:
                run(contender, program, cache)
            runs.append(run(contender, program, cache))
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


# funcdl's contenders: one numba function; outlined kernels compiled by the caller alone,
# or by the caller and a worker process in parallel (the default); and with jit_background
# (the figure is the time to the first, interpreted, result)
FUNCDL = ("whole", "serial", "parallel", "background")


def _row(label, figures, jax):
    cells = [f"{x:.2f}" for x in figures] + [f"{jax:.2f}" if jax else "-"]
    cells += [f"{figures[k] / jax:.2f}" if jax else "-" for k in (0, 2, 3)]
    return f"| {label} | {' | '.join(cells)} |"


def _all(program, repeat, warm=False, key="first"):
    """The figure of every funcdl contender for ``program``."""
    return [measure(c, program, repeat, warm)[key] for c in FUNCDL]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks compile_latency")
    parser.add_argument("--repeat", type=int, default=1, help="new processes per figure (median)")
    parser.add_argument("--programs", default="w1,cnn,lstm,reuse,chain,warm")
    args = parser.parse_args(argv)
    jax = _have_jax()
    wanted = args.programs.split(",")
    print("compile latency: seconds from the first call to its result, new process, empty cache,"
          " 1 thread. funcdl: one numba function (whole); outlined into shared kernels compiled"
          " by the caller (serial) or by the caller and a worker process (parallel, the default); with"
          " jit_background (background: the first result is the IR interpreter's)")
    print("| program | whole | serial | parallel | background | jax | whole/jax | parallel/jax"
          " | background/jax |")
    print("|---|---|---|---|---|---|---|---|---|")
    for program, label in (("w1", "W1 MNIST MLP Adam step b128"), ("cnn", "W4 CNN SGD step b64"),
                           ("lstm", "LSTM step over lax.scan T=20")):
        if program in wanted:
            j = measure("jax", program, args.repeat)["first"] if jax else 0
            print(_row(label, _all(program, args.repeat), j), flush=True)
    if "reuse" in wanted:
        f = [measure(c, "reuse", args.repeat) for c in FUNCDL]
        j = measure("jax", "reuse", args.repeat) if jax else {}
        for key, label in (("batch64", "after W1: W1 at batch 64"), ("eval", "after W1: the eval step"),
                           ("width256", "after W1: MLP 784-256-64-10")):
            print(_row(label, [r[key] for r in f], j.get(key, 0)), flush=True)
    if "chain" in wanted:
        rows = {}
        for n in (100, 1000):
            runs = [measure(c, f"chain{n}", args.repeat) for c in FUNCDL]
            j = measure("jax", f"chain{n}", args.repeat)["first"] if jax else 0
            rows[n] = [r["first"] for r in runs] + [j]
            print(_row(f"chain of {runs[0]['eqns']} equations", rows[n][:-1], j), flush=True)
        growth = [b / a if a else 0 for a, b in zip(rows[100], rows[1000])]
        print("| growth, 10x the equations | " + " | ".join(f"{g:.1f}x" for g in growth[:-1])
              + " | " + (f"{growth[-1]:.1f}x" if jax else "-") + " | | | |", flush=True)
    if "warm" in wanted:
        j = measure("jax", "w1", args.repeat)["since_start"] if jax else 0
        print(_row("new process to W1's first result, warm cache (jax: cold)",
                   _all("w1", args.repeat, warm=True, key="since_start"), j), flush=True)


if __name__ == "__main__":
    main()
