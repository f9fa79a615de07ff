"""Programs that tests/test_distributed.py runs under ``mpiexec -n 2``:

    mpiexec -n 2 python tests/mpi_programs.py PROGRAM OUT_DIR [ARGS...]

Each process writes its results to ``OUT_DIR/<program>-<rank>.npz`` (or .txt). The
programs' inputs depend only on the rank, so the test can compute the expected values
with numpy in its own process.
"""
import os
import sys

import numpy as np

import funcdl.numpy as fnp
from funcdl import nn, optim, random, train


def rank_tree(rank):
    """The pytree process ``rank`` contributes to the collectives (several dtypes)."""
    return {"f64": np.arange(6.0).reshape(2, 3) + rank,
            "f32": np.float32([1.5, -2.0]) * (rank + 1),
            "i32": np.int32(10 * rank + 3),
            "bool": np.array([True, rank == 1]),
            "f16": np.float16([0.5 * (rank + 1)]),
            "c128": np.complex128([1 + 2j]) * (rank + 1)}


def collectives(out):
    from funcdl import distributed as dist
    rank = dist.process_index()
    t = rank_tree(rank)
    results = {"count": np.int64(dist.process_count())}
    for name, value in [("psum", dist.psum(t)), ("pmean", dist.pmean(t)),
                        ("all_gather", dist.all_gather(t)), ("broadcast", dist.broadcast(t, root=1))]:
        results.update({f"{name}/{k}": v for k, v in value.items()})
    try:
        dist.psum({"w": np.ones(3 + rank, np.float32)})
    except ValueError as e:
        results["mismatch"] = np.str_(str(e))
    try:
        dist.check_identical({"w": np.float32([rank])}, "the test params")
    except dist.DistributedError as e:
        results["differ"] = np.str_(str(e))
    np.savez(os.path.join(out, f"collectives-{rank}.npz"), **results)


# ---------------------------------------------------------------------------
# train.fit: a small MLP (jitted) and a linear model (eager, for fault injection)
# ---------------------------------------------------------------------------

def classification_data(n=256, features=12, classes=4):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, features)).astype(np.float32)
    y = (x[:, :classes] @ rng.normal(size=(classes, classes))).argmax(1).astype(np.int32)
    return x, y


def mlp_fit(distributed, checkpoint=None, progress=False):
    """3 epochs of Adam on a 12-16-4 MLP, global batch 64; returns ``(params, history)``."""
    k1, k2 = random.split(random.key(1))
    params = {"w1": random.normal(k1, (12, 16)) * np.float32(0.3), "b1": np.zeros(16, np.float32),
              "w2": random.normal(k2, (16, 4)) * np.float32(0.3), "b2": np.zeros(4, np.float32)}
    logits = lambda p, x: fnp.maximum(x @ p["w1"] + p["b1"], 0.0) @ p["w2"] + p["b2"]
    loss = lambda p, b: nn.softmax_cross_entropy_with_integer_labels(logits(p, b[0]), b[1])
    accuracy = lambda p, b: fnp.mean(fnp.argmax(logits(p, b[0]), axis=1) == b[1])
    x, y = classification_data()
    params, _, history = train.fit(loss, params, optim.adam(1e-2), (x, y), epochs=3,
                                   batch_size=64, key=random.key(2), val_data=(x[:100], y[:100]),
                                   metrics={"accuracy": accuracy}, progress=progress,
                                   checkpoint=checkpoint, distributed=distributed)
    return params, history


def fit(out):
    from funcdl import distributed as dist
    rank = dist.process_index()
    with open(os.path.join(out, f"progress-{rank}.txt"), "w") as bar:
        params, history = mlp_fit(True, os.path.join(out, "fit.ckpt"), progress=bar)
    leaves = {f"p{i}": a for i, a in enumerate(_leaves(params))}
    np.savez(os.path.join(out, f"fit-{rank}.npz"), val_loss=history["val_loss"],
             loss=history["loss"], val_accuracy=history["val_accuracy"], **leaves)


def linear_fit(epochs, checkpoint, resume=False, fail_at_call=None):
    """Eager SGD on a linear softmax model; process 1's loss raises at its call
    ``fail_at_call`` (a failure in the middle of an epoch)."""
    from funcdl import distributed as dist
    calls = [0]

    def loss(w, batch):
        calls[0] += 1
        if dist.process_index() == 1 and calls[0] == fail_at_call:
            raise RuntimeError(f"injected failure at call {calls[0]}")
        return nn.softmax_cross_entropy_with_integer_labels(batch[0] @ w, batch[1])
    x, y = classification_data(n=128)
    w = np.zeros((12, 4), np.float32)
    w, _, history = train.fit(loss, w, optim.sgd(0.1), (x, y), epochs=epochs, batch_size=32,
                              key=random.key(3), jit=False, progress=False,
                              checkpoint=checkpoint, resume=resume, distributed=True)
    return w, history


def faulty(out, epochs, fail_at_call, resume):
    from funcdl import distributed as dist
    w, history = linear_fit(int(epochs), os.path.join(out, "linear.ckpt"), resume == "resume",
                            int(fail_at_call) or None)
    np.savez(os.path.join(out, f"linear-{dist.process_index()}.npz"), w=w,
             epochs=len(history["loss"]))


def stuck(out):
    """Process 1 sleeps past the timeout before joining a collective."""
    import time
    from funcdl import distributed as dist
    dist.initialize(timeout=2.0)
    if dist.process_index() == 1:
        time.sleep(20)
    dist.psum(np.ones(3))


def dies(out, how):
    """Process 1 leaves between two collectives: ``exit`` (sys.exit(3): its exit notice
    ends the other's wait) or ``killed`` (SIGKILL, as by the OOM killer: mpiexec ends the
    job); neither waits for the (long) timeout."""
    import signal
    from funcdl import distributed as dist
    dist.initialize(timeout=60.0)
    dist.psum(np.ones(3))
    if dist.process_index() == 1:
        sys.exit(3) if how == "exit" else os.kill(os.getpid(), signal.SIGKILL)
    dist.psum(np.ones(3))


def _leaves(tree):
    from funcdl import tree_util
    return tree_util.tree_leaves(tree)


if __name__ == "__main__":
    program, out, *args = sys.argv[1:]
    {"collectives": collectives, "fit": fit, "faulty": faulty, "stuck": stuck, "dies": dies}[program](out, *args)
