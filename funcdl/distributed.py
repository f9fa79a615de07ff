"""Data parallelism across processes on MPI (``pip install "funcdl[mpi]"``).

Launch one process per core or machine with ``mpiexec -n N python script.py`` (add
``-f hostfile`` for several machines). Every process runs the same program on the same
data; the collectives here combine pytrees of arrays across the processes, packing each
pytree into one contiguous buffer per dtype per call (mpi4py's buffer methods, in place).

- ``initialize()``, ``process_index()``, ``process_count()``: JAX's names.
- ``psum``, ``pmean``, ``all_gather``, ``broadcast``: host-level collectives.
- ``data_parallel(fn)``: each process evaluates ``fn`` on its shard of the global batch and
  gets the average over all shards (one collective per call).

Failures never hang: every collective waits at most ``timeout`` seconds (``initialize``;
``FUNCDL_DISTRIBUTED_TIMEOUT`` in the environment; default 300), then raises
:class:`DistributedError` naming the process and the collective; an exception that reaches
the top of a process aborts all of them (MPI's ``Abort``) after printing which process
failed and why; a process that exits tells the others, and those waiting for it raise
within seconds. Processes that pass different pytree structures, shapes or dtypes to a
collective get a ``ValueError`` listing what each one passed, at the first such call.

>>> from funcdl import distributed
>>> distributed.process_count() >= 1
True
>>> distributed.pmean({"w": np.ones(2)})["w"]  # the same on every process here
array([1., 1.])
"""
import atexit
import os
import sys
import time
import zlib

import numpy as np

try:
    from mpi4py import MPI
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError("funcdl.distributed needs mpi4py and an MPI library: install the extra "
                      "with  pip install \"funcdl[mpi]\"  (mpi4py and MPICH from PyPI)") from e

from . import tree_util
from .config import config

__all__ = ["DistributedError", "all_gather", "broadcast", "data_parallel", "initialize",
           "pmean", "process_count", "process_index", "psum"]

DEFAULT_TIMEOUT = 300.0


class DistributedError(RuntimeError):
    """A collective did not complete: another process failed, exited or is stuck."""


class _Job:
    """This process's view of the MPI job (set up once by :func:`initialize`)."""
    comm = None          # collectives on data
    check_comm = None    # structure checks (a separate context: never matched with data)
    timeout = DEFAULT_TIMEOUT
    checked = set()      # (collective, treedef, extra, leaf dtypes and shapes) agreed on
    wire = {}            # dtype -> the reusable buffer collectives pack into
    previous_hook = None
    exit_comm = None     # exit notices: a process leaving tells the others
    exit_notice = None   # the rank of a process that left, once exit_request completes
    exit_request = None


def initialize(coordinator_address=None, num_processes=None, process_id=None, *,
               timeout=None):
    """Join the MPI job this process was started in (``mpiexec``); idempotent.

    The collectives call it themselves. ``num_processes``/``process_id``, when given, are
    checked against MPI's (JAX's arguments; MPI's launcher decides them, and
    ``coordinator_address`` is not needed). ``timeout``: seconds a collective waits for
    the other processes before raising :class:`DistributedError`.

    >>> initialize(timeout=60.0); process_index() < process_count()
    True
    """
    if _Job.comm is None:
        _Job.comm = MPI.COMM_WORLD.Dup()
        _Job.check_comm = MPI.COMM_WORLD.Dup()
        env = os.environ.get("FUNCDL_DISTRIBUTED_TIMEOUT")
        _Job.timeout = _positive(float(env), "FUNCDL_DISTRIBUTED_TIMEOUT") if env else DEFAULT_TIMEOUT
        if _Job.comm.Get_size() > 1:
            _Job.previous_hook, sys.excepthook = sys.excepthook, _abort_on_uncaught
            _listen_for_exits()
    if timeout is not None:
        _Job.timeout = _positive(timeout, "timeout")
    for given, actual, name in ((num_processes, _Job.comm.Get_size(), "num_processes"),
                                (process_id, _Job.comm.Get_rank(), "process_id")):
        if given is not None and given != actual:
            raise ValueError(f"distributed.initialize: {name}={given}, but MPI started this "
                             f"process as {actual}; set the process count with mpiexec -n")


def _positive(value, name):
    if not value > 0:
        raise ValueError(f"distributed.initialize: {name} must be a positive number of "
                         f"seconds, got {value!r}")
    return float(value)


def process_index():
    """This process's index in ``0 .. process_count() - 1`` (its MPI rank).

    >>> process_index() >= 0
    True
    """
    initialize()
    return _Job.comm.Get_rank()


def process_count():
    """How many processes the job has (``mpiexec -n``; 1 when run without it).

    >>> process_count() >= 1
    True
    """
    initialize()
    return _Job.comm.Get_size()


def _listen_for_exits():
    """Post the receive of an exit notice, and send one to every other process when this
    one exits (normally or by ``sys.exit``), so that a process waiting in a collective for
    it learns at once that it will never come (see :func:`_wait`)."""
    _Job.exit_comm = MPI.COMM_WORLD.Dup()
    _Job.exit_notice = np.full(1, -1, np.int64)
    _Job.exit_request = _Job.exit_comm.Irecv(_Job.exit_notice, source=MPI.ANY_SOURCE)
    atexit.register(_announce_exit)  # runs before mpi4py's MPI_Finalize (registered earlier)


def _announce_exit():
    if MPI.Is_finalized():
        return
    comm, me = _Job.exit_comm, _Job.exit_comm.Get_rank()
    mine = np.array([me], np.int64)
    sends = [comm.Isend(mine, dest=r) for r in range(comm.Get_size()) if r != me]
    deadline = time.monotonic() + 1.0  # tiny messages: sent at once unless a peer is gone
    while not MPI.Request.Testall(sends) and time.monotonic() < deadline:
        time.sleep(1e-4)
    if not _Job.exit_request.Test():
        _Job.exit_request.Cancel()
        _Job.exit_request.Wait()


def _left():
    """The rank of a process that has exited, or None."""
    return int(_Job.exit_notice[0]) if _Job.exit_request is not None and _Job.exit_request.Test() else None


ABORT_GRACE_SECONDS = 1.0  # lets mpiexec forward the report before the abort ends the job


def _abort_on_uncaught(kind, value, tb):
    """``sys.excepthook`` of a multi-process job: report, then abort every process."""
    _Job.previous_hook(kind, value, tb)
    rank, size = _Job.comm.Get_rank(), _Job.comm.Get_size()
    sys.stderr.write(f"funcdl.distributed: process {rank} of {size} failed with "
                     f"{kind.__name__}: {value}; aborting all {size} processes\n")
    sys.stderr.flush()
    time.sleep(ABORT_GRACE_SECONDS)  # the launcher forwards output asynchronously
    MPI.COMM_WORLD.Abort(1)


# ---------------------------------------------------------------------------
# waiting with a timeout, and structure checks
# ---------------------------------------------------------------------------

SPIN_SECONDS = 0.25  # poll without pausing this long: MPI moves data only while polled


def _wait(request, what):
    """Complete ``request`` or raise :class:`DistributedError` after the timeout.

    MPI progresses a non-blocking collective only inside MPI calls, so the wait polls
    continuously at first (as MPI's blocking calls do) and only a long wait (another
    process compiling, or failed) pauses between polls, up to 1 ms."""
    start = time.monotonic()
    spin_until, deadline, pause = start + SPIN_SECONDS, start + _Job.timeout, 1e-5
    polls, gone = 0, None
    while not request.Test():
        polls += 1
        if polls % 64:
            continue
        now = time.monotonic()
        if now > deadline:
            raise _timed_out(what) if gone is None else _exited(what, gone)
        if now > spin_until:
            time.sleep(pause)
            pause = min(2 * pause, 1e-3)
        if gone is None:
            gone = _left()
            if gone is not None:  # a collective it completed before leaving may still be
                deadline = min(deadline, now + EXIT_GRACE_SECONDS)  # completing here


def _together(what):
    """Return once every process has reached this collective (or raise after the timeout).

    The data then moves with MPI's blocking calls, which cannot time out but need no
    polling loop of ours: they start only when every process is there to complete them."""
    if _Job.comm.Get_size() > 1:
        _wait(_Job.check_comm.Ibarrier(), what)


EXIT_GRACE_SECONDS = 2.0


def _exited(what, rank):
    me, size = _Job.comm.Get_rank(), _Job.comm.Get_size()
    return DistributedError(
        f"distributed.{what}: process {rank} of {size} exited while process {me} waited for it "
        f"in this collective; every process must make the same collective calls (did its "
        f"script end early, or call sys.exit?)")


def _timed_out(what):
    rank, size = _Job.comm.Get_rank(), _Job.comm.Get_size()
    return DistributedError(
        f"distributed.{what}: process {rank} of {size} waited {_Job.timeout:g} s for "
        f"the other processes to join the collective; one of them failed, exited or "
        f"is stuck (its own error, if any, is in its output). Raise the limit with "
        f"distributed.initialize(timeout=...) if a step legitimately takes longer")


def _describe(leaves, treedef):
    shapes = ", ".join(f"{a.dtype.name}{list(a.shape)}" for a in leaves)
    return f"{treedef!r} with leaves [{shapes}]"


def _gather_texts(text, what):
    """Every process's ``text`` (utf-8 over the check communicator, no pickling)."""
    comm = _Job.check_comm
    data = np.frombuffer(text.encode("utf-8"), np.uint8)
    lengths = np.empty(comm.Get_size(), np.int64)
    _wait(comm.Iallgather(np.array([data.size], np.int64), lengths), what)
    everything = np.empty(int(lengths.sum()), np.uint8)
    _wait(comm.Iallgatherv(data, (everything, lengths)), what)
    ends = np.cumsum(lengths)
    return [bytes(everything[e - n:e]).decode("utf-8") for n, e in zip(lengths, ends)]


def _check_same(what, signature):
    """Raise ``ValueError`` unless every process passes the same ``signature``."""
    if _Job.comm.Get_size() == 1:
        return
    texts = _gather_texts(signature, what)
    if any(t != texts[0] for t in texts):
        listing = "; ".join(f"process {r}: {t}" for r, t in enumerate(texts))
        raise ValueError(f"distributed.{what}: the processes passed different pytrees ({listing}); "
                         f"every process must pass the same structure, shapes and dtypes")


def _flatten(tree, what, extra=""):
    """The leaves of ``tree`` as numpy arrays, its treedef, after the structure check."""
    initialize()
    leaves, treedef = tree_util.tree_flatten(tree)
    arrays = []
    for x in leaves:
        if hasattr(x, "aval") and not isinstance(x, np.ndarray):
            raise TypeError(f"distributed.{what} is a host-level collective on concrete arrays; "
                            f"it got a traced value (inside jit/grad/vmap). Call it outside the "
                            f"transform, or use lax.{what}(x, axis_name) under "
                            f"vmap(..., axis_name=...)")
        arrays.append(np.asarray(x))
    key = (what, treedef, extra, tuple((a.dtype, a.shape) for a in arrays))
    if key not in _Job.checked:  # a structure every process agreed on is not sent again
        _check_same(what, _describe(arrays, treedef) + extra)
        if len(_Job.checked) > 10_000:  # (every process clears at the same call)
            _Job.checked.clear()
        _Job.checked.add(key)
    return arrays, treedef


# ---------------------------------------------------------------------------
# packing: one contiguous buffer per dtype
# ---------------------------------------------------------------------------

_WIRE = {np.dtype(np.bool_): np.dtype(np.int64), np.dtype(np.float16): np.dtype(np.float32)}


def _wire_buffer(dtype, size):
    """A ``size``-element view of this process's reusable buffer of ``dtype``.

    MPI moves a buffer it has seen before about 5x faster than fresh memory (MPICH,
    100k floats between two processes: 60 us against 300 us), so the packed buffers persist
    between calls, at the memory of the largest pytree reduced; results are copied out."""
    buffer = _Job.wire.get(dtype)
    if buffer is None or buffer.size < size:
        buffer = _Job.wire[dtype] = np.empty(size, dtype)
    return buffer[:size]


def _pack(arrays):
    """``{wire dtype: (buffer, [(leaf index, offset), ...])}``, the dtypes in a fixed order;
    the buffers are reused by the next call (see :func:`_wire_buffer`)."""
    groups = {}
    for i, a in enumerate(arrays):
        groups.setdefault(_WIRE.get(a.dtype, a.dtype), []).append(i)
    packed = {}
    for dtype in sorted(groups, key=lambda d: d.str):
        index = groups[dtype]
        offsets = np.cumsum([0] + [arrays[i].size for i in index])
        buffer = _wire_buffer(dtype, int(offsets[-1]))
        for i, lo, hi in zip(index, offsets[:-1], offsets[1:]):
            buffer[lo:hi] = arrays[i].ravel()
        packed[dtype] = (buffer, list(zip(index, offsets[:-1])))
    return packed


def _sum_dtype(a):
    """The dtype of a sum of ``a`` over processes: ``a``'s, or int64 for bools (numpy's)."""
    return np.dtype(np.int64) if a.dtype == np.bool_ else a.dtype


def _unpack(packed, arrays, result_dtype=_sum_dtype):
    out = [None] * len(arrays)
    for buffer, layout in packed.values():
        for i, lo in layout:
            a = arrays[i]
            out[i] = buffer[lo:lo + a.size].reshape(a.shape).astype(result_dtype(a))  # a copy
    return out


def _allreduce_packed(packed, what, scale=None):
    """Sum every buffer over the processes, in place; ``scale`` first multiplies the
    floating-point buffers of this process (a weighted sum)."""
    if scale is not None:
        for buffer, _ in packed.values():
            if buffer.dtype.kind in "fc":
                buffer *= buffer.dtype.type(scale)
    if _Job.comm.Get_size() > 1:
        _together(what)
        for buffer, _ in packed.values():
            _Job.comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)


# ---------------------------------------------------------------------------
# collectives
# ---------------------------------------------------------------------------

def psum(tree):
    """The elementwise sum of ``tree`` over all processes (a pytree of numpy arrays; bools
    sum as integers, as in numpy).

    >>> psum([np.float32(2.0), np.arange(3)])[1] // process_count()
    array([0, 1, 2])
    """
    arrays, treedef = _flatten(tree, "psum")
    packed = _pack(arrays)
    _allreduce_packed(packed, "psum")
    return treedef.unflatten(_unpack(packed, arrays, _sum_dtype))


def pmean(tree):
    """The elementwise mean of ``tree`` over all processes (integers give float64).

    >>> pmean({"g": np.float32(3.0)})["g"]
    array(3., dtype=float32)
    """
    arrays, treedef = _flatten(tree, "pmean")
    packed = _pack(arrays)
    _allreduce_packed(packed, "pmean")
    n = _Job.comm.Get_size()
    means = [np.asarray(s / np.asarray(n, s.dtype if s.dtype.kind in "fc" else np.float64))
             for s in _unpack(packed, arrays, _sum_dtype)]
    return treedef.unflatten(means)


def all_gather(tree):
    """Every process's ``tree``, each leaf stacked along a new leading axis in process
    order (shape ``(process_count(),) + leaf.shape``), as JAX's ``process_allgather``.

    >>> all_gather(np.arange(2)).shape == (process_count(), 2)
    True
    """
    arrays, treedef = _flatten(tree, "all_gather")
    size = _Job.comm.Get_size()
    mine = _bytes_of(arrays)
    everyone = np.empty((size, mine.size), np.uint8)
    if size > 1:
        _together("all_gather")
        _Job.comm.Allgather(mine, everyone)
    else:
        everyone[0] = mine
    out, offset = [], 0
    for a in arrays:
        rows = everyone[:, offset:offset + a.nbytes].copy()
        out.append(rows.view(a.dtype).reshape((size,) + a.shape))
        offset += a.nbytes
    return treedef.unflatten(out)


def broadcast(tree, root=0):
    """Process ``root``'s ``tree`` on every process; the others pass a pytree of the same
    structure, shapes and dtypes (JAX's ``broadcast_one_to_all``).

    >>> broadcast({"w": np.arange(3.0)})["w"]
    array([0., 1., 2.])
    """
    size = process_count()
    if not (isinstance(root, (int, np.integer)) and 0 <= root < size):
        raise ValueError(f"distributed.broadcast: root must be a process index in "
                         f"0..{size - 1}, got {root!r}")
    arrays, treedef = _flatten(tree, "broadcast", f" from root {int(root)}")
    buffer = _bytes_of(arrays)
    if size > 1:
        _together("broadcast")
        _Job.comm.Bcast(buffer, root=int(root))
    out, offset = [], 0
    for a in arrays:
        out.append(buffer[offset:offset + a.nbytes].copy().view(a.dtype).reshape(a.shape))
        offset += a.nbytes
    return treedef.unflatten(out)


def _bytes_of(arrays):
    """All leaves' bytes, concatenated (gather and broadcast move bytes, whatever the dtype)."""
    parts = [np.ascontiguousarray(a).reshape(-1).view(np.uint8) for a in arrays]
    return np.concatenate(parts) if parts else np.empty(0, np.uint8)


def broadcast_bytes(data, root=0):
    """Process ``root``'s ``data`` (bytes, or None) on every process; the others pass None.

    >>> broadcast_bytes(b"ok")
    b'ok'
    """
    initialize()
    comm = _Job.check_comm
    n = np.array([-1 if data is None else len(data)], np.int64)
    if comm.Get_size() > 1:
        _wait(comm.Ibcast(n, root=root), "broadcast_bytes")
    if n[0] < 0:
        return None
    buffer = np.frombuffer(data, np.uint8).copy() if comm.Get_rank() == root else np.empty(int(n[0]), np.uint8)
    if comm.Get_size() > 1:
        _wait(comm.Ibcast(buffer, root=root), "broadcast_bytes")
    return buffer.tobytes()


def check_identical(tree, what):
    """Raise ``DistributedError`` unless ``tree`` is bitwise the same on every process
    (a CRC32 of each leaf, gathered; for debugging data-parallel training).

    >>> check_identical({"w": np.ones(3)}, "the params")
    """
    arrays, _ = _flatten(tree, "check_identical")
    crcs = np.array([zlib.crc32(np.ascontiguousarray(a).view(np.uint8)) for a in arrays], np.int64)
    everyone = all_gather(crcs)
    differ = [r for r in range(len(everyone)) if not np.array_equal(everyone[r], everyone[0])]
    if differ:
        leaves = sorted({int(i) for r in differ for i in np.flatnonzero(everyone[r] != everyone[0])})
        raise DistributedError(f"distributed: {what} differ across processes: processes {differ} "
                               f"differ from process 0 in leaves {leaves}; every process must "
                               f"start from the same values and apply the same updates")


# ---------------------------------------------------------------------------
# data parallelism
# ---------------------------------------------------------------------------

def shard_bounds(n, what="data_parallel"):
    """``(lo, hi)``: the rows of a global batch of ``n`` this process takes (contiguous,
    sizes differing by at most one).

    >>> shard_bounds(10) if process_count() == 1 else (0, 10)
    (0, 10)
    """
    rank, size = process_index(), process_count()
    if n < size:
        raise ValueError(f"distributed.{what}: a global batch of {n} examples cannot be split "
                         f"over {size} processes; use a batch of at least {size}")
    return rank * n // size, (rank + 1) * n // size


def _batch_rows(batch, what):
    leaves = tree_util.tree_leaves(batch)
    sizes = {np.shape(x)[0] if np.ndim(x) else None for x in leaves}
    if len(sizes) != 1 or None in sizes:
        raise ValueError(f"distributed.{what}: the batch argument must be a pytree of arrays "
                         f"with one leading (example) size, got shapes "
                         f"{[np.shape(x) for x in leaves]}")
    return sizes.pop()


def data_parallel(fn, batch_argnum=-1):
    """Run ``fn`` on this process's shard of a global batch and average the results.

    ``fn(*args)`` takes the batch (a pytree of arrays with a leading example axis) at
    position ``batch_argnum``; every process passes the same global batch (e.g. from
    ``data.batches`` with the same key) and evaluates ``fn`` on its contiguous share of the
    rows. The floating-point outputs (a loss and its gradients, say, from
    ``jit(value_and_grad(loss))``) are averaged over the shards, weighted by their sizes,
    in one collective: for a loss that is a mean over the batch, that is the global batch's
    loss and gradient, the same on every process, so an optimizer update that follows
    keeps the params identical everywhere. Integer outputs (counts) are summed. With
    ``fd.config.update("distributed_check_every", K)`` every K-th call also checks that the
    other arguments (the params) are bitwise identical on every process.

    >>> import funcdl as fd, funcdl.numpy as fnp
    >>> loss = lambda w, batch: fnp.mean((batch[0] * w - batch[1]) ** 2)
    >>> step = data_parallel(fd.jit(fd.value_and_grad(loss)))
    >>> x = np.arange(4.0); value, g = step(1.0, (x, 2 * x))
    >>> float(value), float(g)
    (3.5, -7.0)
    """
    calls = [0]

    def sharded(*args):
        pos = batch_argnum % len(args) if args else 0
        if not args:
            raise TypeError("data_parallel: the wrapped function needs a batch argument")
        n = _batch_rows(args[pos], "data_parallel")
        lo, hi = shard_bounds(n)
        every = config.distributed_check_every
        calls[0] += 1
        if every and calls[0] % every == 1 % every:
            others = [a for i, a in enumerate(args) if i != pos]
            check_identical(others, f"the arguments of data_parallel (call {calls[0]})")
        shard = tree_util.tree_map(lambda x: x[lo:hi], args[pos])
        out = fn(*args[:pos], shard, *args[pos + 1:])
        return _weighted_sum(out, (hi - lo) / n)

    sharded.__name__ = f"data_parallel({getattr(fn, '__name__', 'fn')})"
    return sharded


def _weighted_sum(tree, weight):
    """``sum over processes of weight * tree`` for floating leaves, plain sums for the rest."""
    arrays, treedef = _flatten(tree, "data_parallel")
    packed = _pack(arrays)
    _allreduce_packed(packed, "data_parallel", scale=weight)
    return treedef.unflatten(_unpack(packed, arrays, _sum_dtype))
