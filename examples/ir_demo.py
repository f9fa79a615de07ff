"""Trace a small function into funcdl's IR and print it, then evaluate the IR.

    python examples/ir_demo.py
"""
import numpy as np

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import random


def predict(params, x):
    hidden = fnp.tanh(x @ params["w1"] + params["b1"])
    return hidden @ params["w2"] + params["b2"]


def loss(params, x, y):
    return fnp.mean((predict(params, x) - y) ** 2)


def main():
    k1, k2, k3 = random.split(random.key(0), 3)
    params = {"w1": random.normal(k1, (2, 8)), "b1": np.zeros(8, np.float32),
              "w2": random.normal(k2, (8, 1)), "b2": np.zeros(1, np.float32)}
    x = random.uniform(k3, (16, 2))
    y = np.sin(x.sum(axis=1, keepdims=True))
    ir = fd.make_ir(loss)(params, x, y)
    print("The IR of an MLP's mean-squared-error loss:\n")
    print(ir)
    leaves = fd.tree_util.tree_leaves((params, x, y))
    (value,) = ir(*leaves)
    print(f"\nevaluating the IR: loss = {float(value):.6f}; eager funcdl.numpy: "
          f"{float(loss(params, x, y)):.6f}")


if __name__ == "__main__":
    main()
