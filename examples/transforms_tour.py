"""The seeds' automatic-differentiation walkthrough, the funcdl way: one small function,
``y = sin(x1) + x1 * x2``, through every transform. ``grad`` (checked against the closed
form), the traced IR of the function and of its gradient, the computation graph as
Graphviz DOT text, forward mode (``jvp``), the ``hessian``, ``vmap`` over many points, and
the numba source that ``jit`` generates.

    python examples/transforms_tour.py [--x1 2.0 --x2 5.0] [--out graph.dot]
"""
import argparse
import itertools
import string

import numpy as np

import funcdl as fd
import funcdl.numpy as fnp


def f(x1, x2):
    return fnp.sin(x1) + x1 * x2


def names():
    """a, b, ..., z, aa, ab, ...: the variable names of the printed IR."""
    for n in itertools.count(1):
        yield from ("".join(p) for p in itertools.product(string.ascii_lowercase, repeat=n))


def to_dot(ir, title="f", labels=()):
    """The IR as a Graphviz digraph: one ellipse per variable (named as ``str(ir)`` names
    them, with its type), one box per equation (primitive and params), edges from
    inputs to equations to outputs; the program's outputs have a double outline.
    ``labels`` names the inputs (e.g. ``("x1", "x2")``)."""
    fresh, ids, lines = names(), {}, [f"digraph {title} {{", "  rankdir=LR;"]

    def declare(v, extra=""):
        ids[v] = next(fresh)
        lines.append(f'  {ids[v]} [label="{ids[v]}{extra}: {v.aval}"];')

    def node(v, key):  # a variable's node, or a fresh plaintext node for a literal
        if v in ids:
            return ids[v]
        if hasattr(v, "val"):  # a literal constant written inline in the IR
            lines.append(f'  {key} [shape=plaintext, label="{v.val.item()}"];')
            return key
        raise ValueError(f"to_dot: {v} is used before it is defined")

    for v in ir.const_vars:
        declare(v, " (const)")
    for v, label in itertools.zip_longest(ir.in_vars, labels[:len(ir.in_vars)]):
        declare(v, f" ({label})" if label else "")
    for i, eqn in enumerate(ir.eqns):
        params = ", ".join(f"{k}={v}" for k, v in eqn.params.items() if not hasattr(v, "eqns"))
        label = (eqn.prim.name + (f"[{params}]" if params else "")).replace('"', r'\"')
        lines.append(f'  eqn{i} [shape=box, label="{label}"];')
        for j, v in enumerate(eqn.inputs):
            lines.append(f"  {node(v, f'lit{i}_{j}')} -> eqn{i};")
        for v in eqn.outputs:
            declare(v)
            lines.append(f"  eqn{i} -> {ids[v]};")
    for k, v in enumerate(ir.out_vars):
        lines.append(f"  {node(v, f'out{k}')} [peripheries=2];")
    return "\n".join(lines + ["}"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--x1", type=float, default=2.0)
    parser.add_argument("--x2", type=float, default=5.0)
    parser.add_argument("--out", default="", help="also write the graph's DOT text to this path")
    args = parser.parse_args(argv)
    x1, x2 = np.float32(args.x1), np.float32(args.x2)

    print(f"y = sin(x1) + x1 * x2 at x1 = {x1}, x2 = {x2}:  y = {f(x1, x2):.6f}")
    df = fd.grad(f, argnums=(0, 1))
    g1, g2 = df(x1, x2)
    print(f"grad:         dy/dx1 = {g1:.6f}  (closed form cos(x1) + x2 = {np.cos(x1) + x2:.6f})")
    print(f"              dy/dx2 = {g2:.6f}  (closed form x1 = {x1:.6f})")

    ir = fd.make_ir(f)(x1, x2)
    print(f"\nThe traced program (make_ir):\n{ir}")
    print(f"\nIts gradient program (make_ir of grad), the backward pass after the forward one:\n"
          f"{fd.make_ir(df)(x1, x2)}")

    dot = to_dot(ir, labels=("x1", "x2"))
    print(f"\nThe computation graph as Graphviz DOT (render with `dot -Tpng`):\n{dot}")
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(dot + "\n")
        print(f"DOT text written to {args.out}")

    one, zero = np.float32(1.0), np.float32(0.0)
    y, dy1 = fd.jvp(f, (x1, x2), (one, zero))
    _, dy2 = fd.jvp(f, (x1, x2), (zero, one))
    print(f"\njvp (forward mode, one pass per input direction): y = {float(y):.6f}, "
          f"dy/dx1 = {float(dy1):.6f}, dy/dx2 = {float(dy2):.6f}")

    hess = np.array(fd.hessian(f, argnums=(0, 1))(x1, x2), dtype=np.float32)
    print(f"hessian (closed form [[-sin(x1), 1], [1, 0]]):\n{hess}")

    xs = np.linspace(0.0, np.pi, 5, dtype=np.float32)
    dx1, dx2 = fd.vmap(df, in_axes=(0, None))(xs, x2)
    print(f"vmap(grad) over x1 = {xs.round(3)} (x2 fixed):\n  dy/dx1 = {dx1.round(4)}\n"
          f"  dy/dx2 = {dx2.round(4)}")

    lowered = fd.jit(df).lower(x1, x2)
    print(f"\njit(grad(f)).lower(x1, x2).source, the numba code jit compiles:\n{lowered.source}")
    return float(g1), float(g2)


if __name__ == "__main__":
    main()
