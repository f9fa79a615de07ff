"""Compiling generated modules in worker processes: several kernels at once (numba's
compiler holds the GIL, so threads in one process would not overlap), and with
``jit_background`` while the caller goes on.

A worker is ``python -m funcdl.transforms.compile_workers``. It reads jobs as JSON lines
on stdin: a module's name, path and text, the function to compile and its argument
types. It executes the text it was sent (never a file it reads), compiles the function
for those types, lets numba save its cache files, lists them in the manifest
(:mod:`.disk_cache`) and answers one JSON line. The caller then loads numba's cache,
which takes milliseconds. A job whose worker fails or dies is reported as not compiled;
the caller's numba then compiles that function itself on its first call, so a worker
problem costs time, never a result.

>>> batch = submit([])  # nothing to compile
>>> batch.done(), batch.wait()
(True, 0)
"""
import ast
import itertools
import json
import os
import queue
import subprocess
import sys
import threading

import numpy as np

from ..config import config
from . import disk_cache

_JOBS = queue.PriorityQueue()  # (priority, order, job, batch): a caller waiting goes first
_ORDER = itertools.count()
_FEEDERS = []
_START_LOCK = threading.Lock()


class Batch:
    """Jobs submitted together: ``done()`` polls, ``wait()`` blocks and returns how many
    were compiled."""

    def __init__(self, count):
        self.total, self._left, self.compiled, self.errors = count, count, 0, []
        self._lock, self._event = threading.Lock(), threading.Event()
        if count == 0:
            self._event.set()

    def _finish(self, ok, error=None):
        with self._lock:
            self.compiled += bool(ok)
            if error:
                self.errors.append(error)
            self._left -= 1
            if self._left == 0:
                self._event.set()

    def done(self):
        return self._event.is_set()

    def wait(self, timeout=None):
        self._event.wait(timeout)
        return self.compiled


def job(module, signatures):
    """The job compiling ``module``'s function (a ``jit_compiler._Module``) for each of
    ``signatures`` (lists of type specs, see :func:`type_spec`)."""
    return {"name": module.name, "path": module.path, "text": module.text, "attr": module.attr,
            "signatures": [list(s) for s in signatures]}


def submit(jobs, waiting=True):
    """Queue ``jobs`` for the workers (started on first use); returns their :class:`Batch`.
    Jobs a caller is ``waiting`` for go before background ones."""
    batch = Batch(len(jobs))
    if jobs:
        _start_workers(minimum=0 if waiting else 1)
        for j in jobs:
            _JOBS.put((0 if waiting else 1, next(_ORDER), j, batch))
    return batch


def run(jobs):
    """Compile ``jobs`` now, the caller taking queued jobs too while the workers compile
    theirs; returns how many were compiled.

    >>> run([])
    0
    """
    batch = submit(jobs)
    while not batch.done():
        try:
            item = _JOBS.get_nowait()
        except queue.Empty:
            break
        if item[0] != 0:  # a background job or a shutdown: the workers' business
            _JOBS.put(item)
            break
        _, _, j, owner = item
        try:
            _compile(j)
            owner._finish(True)
        except Exception as e:  # noqa: BLE001 - the program's first call raises it properly
            owner._finish(False, f"{type(e).__name__}: {e}")
    return batch.wait()


def type_spec(dtype, ndim, scalar=True):
    """How a value reaches a kernel: a C-contiguous array or, 0-d and ``scalar``, a number.
    numba has no float16: generated code holds it in float32."""
    name = "float32" if np.dtype(dtype) == np.float16 else np.dtype(dtype).name
    return ("scalar", name) if scalar and not ndim else ("array", name, ndim)


def call_signatures(driver, value_types):
    """kernel name -> the argument type specs of its calls in the outlined ``driver``
    source, from ``value_types`` (a driver name -> its type spec; integer constants are
    sizes). A call with an argument of unknown type gets no signature (numba then types
    it at the call)."""
    found, tree = {}, ast.parse(driver)
    value_types = dict(value_types)
    for node in ast.walk(tree):  # loop indices and the indices computed from them
        if (isinstance(node, ast.For) and isinstance(node.target, ast.Name)
                and isinstance(node.iter, ast.Call) and getattr(node.iter.func, "id", "") == "range"):
            value_types[node.target.id] = ("int",)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.BinOp)
                and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            value_types.setdefault(node.targets[0].id, ("int",))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id.startswith("k_")):
            continue
        specs = []
        for a in node.args:
            if isinstance(a, ast.Name) and a.id in value_types:
                specs.append(tuple(value_types[a.id]))
            elif isinstance(a, ast.Constant) and type(a.value) is int:
                specs.append(("int",))
            else:
                break
        else:
            found.setdefault(node.func.id, set()).add(tuple(specs))
    return found


# -- the caller's side: one feeder thread per worker process -----------------------------

def _start_workers(minimum):
    with _START_LOCK:
        while len(_FEEDERS) < max(minimum, config.jit_compile_workers):
            feeder = threading.Thread(target=_feed, name=f"funcdl-compile-{len(_FEEDERS)}", daemon=True)
            _FEEDERS.append(feeder)
            feeder.start()


def _spawn():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                            text=True, bufsize=1)


def shutdown():
    """Stop the worker processes once the queued jobs are done (they start again on use).

    >>> shutdown()
    """
    with _START_LOCK:
        for _ in _FEEDERS:
            _JOBS.put((2, next(_ORDER), None, None))
        for feeder in _FEEDERS:
            feeder.join()
        _FEEDERS.clear()


RECYCLE_AFTER = 200  # jobs per worker process (numba never frees compiled code)


def _stop(proc):
    if proc is not None:
        proc.stdin.close()
        proc.wait()


def _feed():
    """Send queued jobs to one worker process, one at a time; restart it if it dies, and
    replace it after ``RECYCLE_AFTER`` jobs so that its memory stays bounded."""
    proc, served = None, 0
    while True:
        _, _, j, batch = _JOBS.get()
        if j is None:  # shutdown
            _stop(proc)
            return
        try:
            if served >= RECYCLE_AFTER:
                _stop(proc)
                proc = None
            if proc is None or proc.poll() is not None:
                proc, served = _spawn(), 0
            proc.stdin.write(json.dumps(j) + "\n")
            proc.stdin.flush()
            reply = json.loads(proc.stdout.readline() or "{}")
            served += 1
        except (OSError, ValueError) as e:
            reply = {"error": f"compile worker failed: {e}"}
        if not reply:
            reply = {"error": "compile worker exited"}
            proc = None
        batch._finish(reply.get("ok", False), reply.get("error"))


# -- the worker's side --------------------------------------------------------------------

def _numba_type(spec):
    import numba  # noqa: PLC0415 - numba is imported by workers and on the first jit only

    if spec[0] == "int":
        return numba.types.int64
    dtype = numba.from_dtype(np.dtype(spec[1]))
    return dtype if spec[0] == "scalar" else numba.types.Array(dtype, spec[2], "C")


def _compile(j):
    fn = disk_cache.load_function(j["name"], j["path"], j["text"], attr=j["attr"])
    folder = disk_cache.numba_cache_folder(fn, j["path"])
    disk_cache.verify_numba_files(folder, j["name"])
    for signature in j["signatures"]:
        fn.compile(tuple(_numba_type(s) for s in signature))
    disk_cache.record_numba_files(folder, j["name"])


def worker_main(lines=sys.stdin, out=sys.stdout):
    """Compile the jobs read from ``lines``, answering each on ``out``."""
    for line in lines:
        try:
            _compile(json.loads(line))
            reply = {"ok": True}
        except Exception as e:  # noqa: BLE001 - reported to the caller, who compiles itself
            reply = {"error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    worker_main()
