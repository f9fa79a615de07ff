"""train.fit under real faults: SIGINT (Ctrl-C) and kill -9 of a child process running it.

Each test runs ``fit`` in a child Python, waits for a given epoch's progress line on the
child's stderr, then signals it; the parent checks what the child returned or left on disk.
"""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import funcdl as fd
from funcdl import train

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Shared by the children and the parent (exec'd in both), so both train the same thing.
PROBLEMS = r'''
import time
import numpy as np
import funcdl as fd, funcdl.numpy as fnp
from funcdl import data, optim, random, train


class Walk:
    """Adds 1 to the parameter each step, counting steps in its state: after a whole
    number of steps, w == count."""
    init = staticmethod(lambda params: np.int32(0))
    update = staticmethod(lambda grads, count, params=None:
                          (fd.tree_map(lambda g: fnp.ones_like(g), grads), count + 1))


def walk_loss(w, batch):
    return (w - 3.0) ** 2 + 0 * fnp.sum(batch[0])


def mlp_problem(sleep=0.0):
    """A 2-8-3 MLP on a small spiral with Adam; the metric sleeps to slow epochs down."""
    x, y = data.spiral(20, 3, random.key(0))
    k1, k2 = random.split(random.key(1))
    params = [{"w": random.normal(k1, (2, 8)), "b": np.zeros(8, np.float32)},
              {"w": random.normal(k2, (8, 3)) * np.float32(0.3), "b": np.zeros(3, np.float32)}]

    def apply(p, x):
        return fnp.tanh(x @ p[0]["w"] + p[0]["b"]) @ p[1]["w"] + p[1]["b"]

    def xent(p, batch):
        logits = apply(p, batch[0])
        m = fnp.max(logits, axis=1, keepdims=True)
        lse = fnp.log(fnp.sum(fnp.exp(logits - m), axis=1)) + m[:, 0]
        one_hot = (batch[1][:, None] == fnp.arange(3)[None, :]).astype(np.float32)
        return fnp.mean(lse - fnp.sum(logits * one_hot, axis=1))

    def acc(p, batch):
        time.sleep(sleep)
        return fnp.mean((fnp.argmax(apply(p, batch[0]), axis=1) == batch[1]).astype(np.float32))

    kw = dict(epochs=6, batch_size=10, key=random.key(2), val_data=(x, y), val_batch_size=60,
              metrics={"acc": acc})
    return xent, params, optim.adam(0.05), (x, y), kw
'''

SIGINT_CHILD = PROBLEMS + r'''
import json, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if the parent ignores it
x = np.zeros((64, 1), np.float32)
w, count, h = train.fit(walk_loss, np.float32(0.0), Walk(), (x,), epochs=100000, batch_size=1,
                        key=random.key(0), jit=sys.argv[1] == "jit", progress=sys.stderr)
print(json.dumps({"w": float(w), "count": int(count), "epochs": len(h["loss"]),
                  "interrupted": h.get("interrupted")}))
'''

KILL_CHILD = PROBLEMS + r'''
import sys
loss, params, opt, train_data, kw = mlp_problem(sleep=0.1)
train.fit(loss, params, opt, train_data, jit=sys.argv[1] == "jit", checkpoint=sys.argv[2],
          progress=sys.stderr, **kw)
print("finished")
'''


def _epoch_line(epoch):
    """A predicate for the progress line of epoch ``epoch``, e.g. 'Epoch   3/100  64/64 ...'."""
    def match(line):
        parts = line.split()
        return len(parts) > 1 and parts[0] == "Epoch" and parts[1].split("/")[0] == str(epoch)
    return match


def _run_until(source, args, at_line, sig, delay=0.0, timeout=30):
    """Run ``source`` in a child; send ``sig`` ``delay`` seconds after the first stderr line
    with ``at_line(line)``. Returns ``(returncode, stdout, stderr)``."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-c", source, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    try:
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if at_line(line):
                time.sleep(delay)
                proc.send_signal(sig)
                break
        out, err = proc.communicate(timeout=timeout)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert any(at_line(ln) for ln in seen), "".join(seen[-20:]) + err
    return proc.returncode, out, "".join(seen) + err


@pytest.mark.parametrize("jit", ["eager", "jit"])
def test_sigint_returns_a_consistent_state(jit):
    rc, out, err = _run_until(SIGINT_CHILD, [jit], _epoch_line(3), signal.SIGINT,
                              delay=0.015)  # in the middle of an epoch's steps, mostly
    assert rc == 0, err
    got = json.loads(out)
    assert got["interrupted"] is True and got["epochs"] >= 3
    # a step is applied whole or not at all: params and optimizer state agree
    assert got["w"] == got["count"]
    assert 64 * got["epochs"] <= got["count"] <= 64 * (got["epochs"] + 1)
    last = err.strip().splitlines()[-1]
    assert last.startswith("fit: interrupted ") and "returning the parameters" in last, err
    m = re.match(r"fit: interrupted in epoch (\d+), step (\d+)/64;", last)
    if m:  # the step in progress when the signal came: the state is after the one before
        assert int(m.group(1)) == got["epochs"] + 1
        assert got["count"] == 64 * got["epochs"] + int(m.group(2)) - 1, last


@pytest.mark.parametrize("jit", ["eager", "jit"])
def test_kill_9_then_resume_is_bit_for_bit(tmp_path, jit):
    path = str(tmp_path / "mlp.ckpt")
    rc, out, err = _run_until(KILL_CHILD, [jit, path], _epoch_line(3), signal.SIGKILL)
    assert rc == -signal.SIGKILL and "finished" not in out, err
    assert 3 <= fd.load(path)["epoch"] < 6  # saved before its progress line is printed
    ns = {}
    exec(PROBLEMS, ns)
    loss, params, opt, train_data, kw = ns["mlp_problem"]()
    resumed = train.fit(loss, params, opt, train_data, jit=jit == "jit", checkpoint=path,
                        resume=True, progress=False, **kw)
    ref = train.fit(loss, params, opt, train_data, jit=jit == "jit", progress=False, **kw)
    (p1, s1, h1), (p2, s2, h2) = resumed, ref
    assert fd.tree_util.tree_structure((p1, s1)) == fd.tree_util.tree_structure((p2, s2))
    for a, b in zip(fd.tree_util.tree_leaves((p1, s1)), fd.tree_util.tree_leaves((p2, s2))):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()
    assert h1["loss"] == h2["loss"] and h1["val_acc"] == h2["val_acc"] and len(h1["loss"]) == 6
    # the killed writer's temporary files (if any) are gone after the next saves
    assert os.listdir(tmp_path) == ["mlp.ckpt"]
