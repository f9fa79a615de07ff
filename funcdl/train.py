"""Training loops for functional models: ``fit``, ``evaluate``, ``predict``.

A model here is just a parameter pytree plus pure functions of it. ``fit`` runs epochs of
shuffled mini-batches through one (jitted) step — ``value_and_grad(loss_fn)``, then
``optimizer.update`` and ``optim.apply_updates`` — with a progress bar, per-epoch
validation and optional early stopping, and returns the final parameters, optimizer
state and a ``history`` of per-epoch lists (the functional counterpart of Keras's
``Model.fit``). Ctrl-C returns what was trained so far, a non-finite loss stops training
with :class:`NonFiniteLossError`, ``checkpoint=``/``resume=`` let a killed run continue
bit-for-bit, and ``distributed=True`` trains data-parallel across MPI processes.

>>> import numpy as np
>>> x = np.arange(6, dtype=np.float32)
>>> evaluate(lambda p, b: ((b[0] * p) ** 2).mean(), np.float32(1.0), (x,), batch_size=4)
9.166666666666666
"""
import io
import math
import os
import sys
import time
from typing import Any, NamedTuple

import numpy as np

from . import data as _data
from . import optim, random, transforms, tree_util
from . import checkpoint as checkpoints  # (fit's parameter is named checkpoint)

__all__ = ["EarlyStopping", "NonFiniteLossError", "evaluate", "fit", "predict"]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def _as_tuple(data, name):
    """``data`` as a tuple of arrays, plus whether the caller passed a bare array."""
    if isinstance(data, (tuple, list)):
        if not data:
            raise ValueError(f"train: {name} is empty; pass a tuple of arrays such as (x, y)")
        return tuple(data), False
    if isinstance(data, np.ndarray):
        return (data,), True
    raise TypeError(f"train: {name} must be a tuple of arrays such as (x, y) (or one array), "
                    f"got {type(data).__name__}")


def _scalar(x, what):
    try:
        return float(np.asarray(x))
    except (TypeError, ValueError):
        raise TypeError(f"train: {what} must return a scalar, got {type(x).__name__} "
                        f"{getattr(x, 'shape', '')}") from None


def _with_aux(loss_fn, has_aux):
    """``loss_fn`` as a function returning ``(loss, aux)``. Its output is taken as that pair
    when ``has_aux`` is True, or when it is None and the output is a pair (seen at trace
    time); otherwise the output is the loss and ``aux`` is None."""
    def loss_and_aux(params, batch):
        out = loss_fn(params, batch)
        if has_aux or (has_aux is None and isinstance(out, (tuple, list)) and len(out) == 2):
            return out
        return out, None
    return loss_and_aux


def _fmt_time(seconds):
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.2f}s" if seconds < 10 else f"{seconds:.1f}s"
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}m{s:02d}s" if m < 60 else f"{m // 60}h{m % 60:02d}m{s:02d}s"


def _fmt_value(v):
    return f"{v:.4g}" if (v != 0 and (abs(v) >= 1e4 or abs(v) < 1e-3)) else f"{v:.4f}"


class _Progress:
    """One line per epoch; on a TTY also a live bar redrawn in place (at most ~10 times a
    second), never any ``\\r`` on a file or pipe."""

    def __init__(self, stream, epochs):
        self.stream = stream  # None: silent
        self.epochs = epochs
        try:
            self.tty = stream is not None and bool(stream.isatty())
        except (AttributeError, ValueError):
            self.tty = False
        self.width = len(str(epochs))
        self.last_draw = -math.inf
        self.drawn = 0

    def _prefix(self, epoch, i, n):
        w = len(str(n))
        return f"Epoch {epoch:>{self.width}}/{self.epochs}  {i:>{w}}/{n}"

    def update(self, epoch, i, n, loss, elapsed):
        if not self.tty:
            return
        now = time.perf_counter()
        if i != n and now - self.last_draw < 0.1:
            return
        self.last_draw = now
        filled = int(20 * i / max(n, 1))
        bar = "=" * filled + (">" if filled < 20 else "") + "." * (19 - filled)
        self._write("\r" + self._pad(f"{self._prefix(epoch, i, n)} [{bar}] loss {_fmt_value(loss)}"
                                     f"  {_fmt_time(elapsed)}"))

    def _pad(self, line):
        padded = line.ljust(self.drawn)
        self.drawn = len(line)
        return padded

    def end_epoch(self, epoch, n, values, seconds):
        parts = [self._prefix(epoch, n, n)]
        parts += [f"{k} {_fmt_value(v)}" for k, v in values.items()]
        parts.append(_fmt_time(seconds))
        line = "  ".join(parts)
        self._write(("\r" + self._pad(line) if self.tty else line) + "\n")
        self.drawn = 0

    def message(self, text):
        """One line of its own (after a newline ending a half-drawn bar)."""
        self._write(("\n" if self.drawn else "") + text + "\n")
        self.drawn = 0

    def _write(self, text):
        if self.stream is None:
            return
        self.stream.write(text)
        self.stream.flush()


class EarlyStopping:
    """Stop ``fit`` when ``monitor`` has not improved for ``patience`` epochs.

    An epoch improves when its value beats the best so far by more than ``min_delta``
    (lower is better for ``mode="min"``). With ``restore_best`` (the default), ``fit``
    returns the parameters and optimizer state of the best epoch instead of the last.
    ``fit(..., early_stopping=3)`` is short for ``EarlyStopping(patience=3)``.

    >>> EarlyStopping(patience=2)
    EarlyStopping(monitor='val_loss', patience=2, min_delta=0.0, mode='min', restore_best=True)
    """

    def __init__(self, patience=5, *, monitor="val_loss", min_delta=0.0, mode="min",
                 restore_best=True):
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be a non-negative int, got {patience!r}")
        self.monitor, self.patience, self.min_delta = monitor, patience, float(min_delta)
        self.mode, self.restore_best = mode, restore_best

    def __repr__(self):
        return (f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, "
                f"min_delta={self.min_delta}, mode={self.mode!r}, restore_best={self.restore_best})")

    def improved(self, value, best):
        """Whether ``value`` improves on ``best`` (``None``: nothing yet) by ``min_delta``."""
        if best is None:
            return not math.isnan(value)
        if self.mode == "min":
            return value < best - self.min_delta
        return value > best + self.min_delta


# ---------------------------------------------------------------------------
# evaluate / predict
# ---------------------------------------------------------------------------

def _jitted(fn, jit):
    return transforms.jit(fn) if jit else fn


def evaluate(fn, params, data, batch_size, *, jit=False):
    """The average of ``fn(params, batch)`` over the examples of ``data``.

    ``data`` is a tuple of arrays (or one array, then each batch is an array); ``fn``
    returns a scalar, or a dict (pytree) of scalars to average several metrics in one pass.
    Batches are weighted by their size, so the result is the per-example mean whatever
    ``batch_size`` is, as long as ``fn`` is itself a mean over its batch. ``jit=True``
    compiles ``fn`` (twice when the last batch is smaller).

    >>> x = np.array([0., 0., 0., 3.], np.float32)
    >>> evaluate(lambda p, b: b[0].mean(), None, (x,), batch_size=3)  # (0 * 3 + 3 * 1) / 4
    0.75
    """
    arrays, bare = _as_tuple(data, "data")
    fn_ = _jitted(fn, jit)
    total, count = None, 0
    for batch in _data.batches(*arrays, batch_size=batch_size):
        m = len(batch[0])
        out = fn_(params, batch[0] if bare else batch)
        out = tree_util.tree_map(lambda v: _scalar(v, "evaluate's fn") * m, out)
        total = out if total is None else tree_util.tree_map(lambda a, b: a + b, total, out)
        count += m
    if count == 0:
        raise ValueError("train.evaluate: data has no examples")
    return tree_util.tree_map(lambda t: t / count, total)


def predict(apply_fn, params, x, batch_size, *, jit=False):
    """``apply_fn(params, x)`` computed over batches of ``x`` and concatenated.

    ``x`` is an array (or a tuple of arrays, passed as a tuple); ``apply_fn`` may return an
    array or a pytree of arrays, each with the batch as its leading axis.

    >>> predict(lambda w, xb: xb * w, np.float32(2), np.arange(5, dtype=np.float32), 2)
    array([0., 2., 4., 6., 8.], dtype=float32)
    """
    arrays, bare = _as_tuple(x, "x")
    fn_ = _jitted(apply_fn, jit)
    outs = [fn_(params, b[0] if bare else b) for b in _data.batches(*arrays, batch_size=batch_size)]
    if not outs:
        raise ValueError("train.predict: x has no examples")
    return tree_util.tree_map(lambda *parts: np.concatenate([np.asarray(p) for p in parts]), *outs)


# ---------------------------------------------------------------------------
# fit: its pieces
# ---------------------------------------------------------------------------

class NonFiniteLossError(FloatingPointError):
    """``fit`` met a NaN or infinite training loss (with ``on_nan="raise"``, the default).

    Usual causes: a learning rate too large, a ``log``/``sqrt``/division of a value that
    reaches 0 or below, or NaN in the data. Training stops before applying the step whose
    loss was not finite; the error carries what was trained up to there: ``params`` and
    ``opt_state`` (the state that step started from, or the one before if that is not
    finite: an overflowing update can precede the first non-finite loss), ``history`` (the
    completed epochs), and ``epoch``, ``step`` (1-based, in the epoch) and ``loss``.
    Pass ``on_nan="ignore"`` to train on regardless.

    >>> err = NonFiniteLossError("loss is nan", params=1.0, opt_state=(), history={},
    ...                          epoch=2, step=3, loss=float("nan"))
    >>> isinstance(err, FloatingPointError), err.epoch, err.step
    (True, 2, 3)
    """

    def __init__(self, message, *, params, opt_state, history, epoch, step, loss):
        super().__init__(message)
        self.params, self.opt_state, self.history = params, opt_state, history
        self.epoch, self.step, self.loss = epoch, step, loss


class _Config(NamedTuple):
    """What ``fit`` was asked to do, checked and normalised (fixed for the whole run)."""
    epochs: int
    steps: int               # steps per epoch
    batch_size: int
    drop_last: bool
    train: tuple             # the training arrays
    bare: bool               # train_data was one array: batches are arrays, not tuples
    eval_data: Any           # what the epoch-end evaluation averages over, or None
    eval_batch_size: int
    on_val: bool             # eval_data is val_data (names get a ``val_`` prefix)
    metrics: dict
    early_stopping: Any      # an EarlyStopping or None
    check_nan: bool
    checkpoint: Any          # a path or None
    checkpoint_every: int
    key: np.ndarray
    epoch_keys: Any
    dist: Any                # funcdl.distributed in a distributed run, else None
    writes: bool             # this process prints and writes checkpoints (process 0)


class _Run:
    """What one ``fit`` has done so far (everything a checkpoint holds) and where it is."""

    def __init__(self, params, opt_state):
        self.state = (params, opt_state)  # after the last completed step; replaced whole
        self.prev = self.state            # the state before that step
        self.epoch = 0                    # completed epochs
        self.steps = 0                    # steps of the completed epochs
        self.history = {"loss": [], "time": []}
        self.best = None                  # (epoch index, state) of the best epoch (early stopping)
        self.best_value = None
        self.waited = 0
        self.stopped = False              # early stopping ended the run
        self.done = 0                     # completed steps of the epoch in progress
        self.phase = "training"           # or "validating", "saving", "between epochs"
        self.snapshot = None              # the checkpoint of the last completed epoch
        self.saved = 0                    # the epoch whose checkpoint is on disk


def _is_count(v, low):
    return not isinstance(v, bool) and isinstance(v, (int, np.integer)) and v >= low


def _check_fit_args(optimizer, epochs, metrics, early_stopping, val_data, on_nan,
                    checkpoint, checkpoint_every, resume):
    """The checked ``metrics`` dict and ``EarlyStopping`` (or None)."""
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        raise TypeError(f"train.fit: optimizer must be a GradientTransformation with init and "
                        f"update (e.g. optim.sgd(0.1)), got {type(optimizer).__name__}")
    if not _is_count(epochs, 0):
        raise ValueError(f"train.fit: epochs must be a non-negative int, got {epochs!r}")
    metrics = dict(metrics or {})
    for name, fn in metrics.items():
        if not isinstance(name, str) or name in ("loss", "time") or not callable(fn):
            raise ValueError(f"train.fit: metrics must map names (other than 'loss' and 'time') "
                             f"to functions fn(params, batch) -> scalar; got {name!r}: {fn!r}")
    if isinstance(early_stopping, (int, np.integer)) and not isinstance(early_stopping, bool):
        early_stopping = EarlyStopping(int(early_stopping))
    if early_stopping is not None:
        if not isinstance(early_stopping, EarlyStopping):
            raise TypeError(f"train.fit: early_stopping must be an int patience or an "
                            f"EarlyStopping, got {early_stopping!r}")
        mon = early_stopping.monitor
        if mon.startswith("val_") and val_data is None:
            raise ValueError(f"train.fit: early stopping monitors {mon!r}, which needs val_data")
    if on_nan not in ("raise", "ignore"):
        raise ValueError(f"train.fit: on_nan must be 'raise' or 'ignore', got {on_nan!r}")
    if not _is_count(checkpoint_every, 1):
        raise ValueError(f"train.fit: checkpoint_every must be a positive int (epochs), "
                         f"got {checkpoint_every!r}")
    if resume and checkpoint is None:
        raise ValueError("train.fit: resume=True needs checkpoint=PATH, the file to resume from")
    return metrics, early_stopping


def _training_arrays(train_data, batch_size, drop_last):
    """``(arrays, bare, steps per epoch)``, checked before anything is compiled."""
    arrays, bare = _as_tuple(train_data, "train_data")
    arrays = tuple(np.asarray(a) for a in arrays)
    _data.batches(*arrays, batch_size=batch_size)  # checks the sizes and batch_size
    n = arrays[0].shape[0]
    steps = _data.num_batches(n, batch_size, drop_last)
    if steps == 0:
        raise ValueError(f"train.fit: batch_size={batch_size} is larger than the {n} training "
                         f"examples, so drop_last=True leaves no batch; lower batch_size or pass "
                         f"drop_last=False")
    return arrays, bare, steps


def _make_step(loss_and_aux, optimizer, jit, dist):
    """The training step ``(params, opt_state, batch) -> (params, opt_state, (loss, aux))``:
    ``value_and_grad``, ``optimizer.update``, ``apply_updates``. It is pure, so a call that
    is interrupted or fails leaves the caller's state as it was. In a distributed run the
    loss, aux and gradients of each process's shard of the batch are averaged (one
    collective) between the two jitted halves."""
    vg = transforms.value_and_grad(loss_and_aux, has_aux=True)

    def update(params, opt_state, grads):
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optim.apply_updates(params, updates), opt_state

    def step(params, opt_state, batch):
        value, grads = vg(params, batch)
        return update(params, opt_state, grads) + (value,)
    if dist is None:
        return _jitted(step, jit)
    averaged_vg, update = dist.data_parallel(_jitted(vg, jit), batch_argnum=1), _jitted(update, jit)

    def distributed_step(params, opt_state, batch):
        value, grads = averaged_vg(params, batch)
        return update(params, opt_state, grads) + (value,)
    return distributed_step


def _make_eval(loss_and_aux, metrics, with_loss):
    """The epoch-end evaluation ``(params, batch) -> {name: scalar}``."""
    def eval_all(p, batch):
        out = {"loss": loss_and_aux(p, batch)[0]} if with_loss else {}
        for name, fn in metrics.items():
            out[name] = fn(p, batch)
        return out
    return eval_all


def _train_epoch(cfg, run, step, bar, t0):
    """Run one epoch of steps, replacing ``run.state`` after each; returns the epoch means
    of the loss and of the scalar entries of a dict ``aux``."""
    run.phase, run.done = "training", 0
    total, aux_sums = 0.0, {}
    steps, bare, check_nan, epoch = cfg.steps, cfg.bare, cfg.check_nan, run.epoch + 1
    batches = _data.batches(*cfg.train, batch_size=cfg.batch_size,
                            key=cfg.epoch_keys[run.epoch], drop_last=cfg.drop_last)
    for i, batch in enumerate(batches, 1):
        params, opt_state, (value, aux) = step(*run.state, batch[0] if bare else batch)
        loss = _scalar(value, "loss_fn")  # fetched anyway, so checking it costs ~50 ns
        if check_nan and not math.isfinite(loss):
            raise _non_finite(run, i, steps, loss)
        run.prev = run.state
        run.state = (params, opt_state)  # one store: a step is applied whole or not at all
        run.done = i
        total += loss
        if isinstance(aux, dict):
            for k, v in aux.items():
                if np.ndim(v) == 0:
                    aux_sums[k] = aux_sums.get(k, 0.0) + float(v)
        bar.update(epoch, i, steps, total / i, time.perf_counter() - t0)
    values = {"loss": total / steps}
    values.update({k: s / steps for k, s in aux_sums.items() if k not in ("loss", "time")})
    return values


def _all_finite(tree):
    return all(np.isfinite(v).all() for v in tree_util.tree_leaves(tree)
               if np.asarray(v).dtype.kind in "fc")


def _non_finite(run, i, steps, loss):
    """The error for a non-finite loss at step ``i``, carrying the last finite state: the
    one step ``i`` started from or, if its update overflowed first, the one before."""
    epoch = run.epoch + 1
    state, when = run.state, "before that step"
    if not _all_finite(state) and _all_finite(run.prev):
        state, when = run.prev, "before the step before it, whose update was not finite"
    return NonFiniteLossError(
        f"train.fit: the training loss is {loss} in epoch {epoch}, step {i}/{steps}; training "
        f"stopped (the error's params and opt_state are the last finite ones, from {when}; its "
        f"history has the completed epochs). Lower the learning rate, or check the loss and "
        f"data for log/sqrt/division of non-positive values or NaN; on_nan='ignore' trains on",
        params=state[0], opt_state=state[1],
        history={k: list(v) for k, v in run.history.items()}, epoch=epoch, step=i, loss=loss)


def _validate(cfg, run, eval_all):
    """The epoch-end metrics (``val_loss``, ``val_<name>`` or ``<name>``), or ``{}``."""
    if cfg.eval_data is None:
        return {}
    run.phase = "validating"
    def average(params, data):
        return evaluate(eval_all, params, data, cfg.eval_batch_size)
    if cfg.dist is not None:  # each process its share of the examples, then the weighted mean
        average = cfg.dist.data_parallel(average, batch_argnum=1)
    results = {k: float(v) for k, v in average(run.state[0], cfg.eval_data).items()}
    names = (["loss"] if cfg.on_val else []) + list(cfg.metrics)  # val_loss first, then as given
    return {("val_" if cfg.on_val else "") + k: results[k] for k in names}


def _early_stop(es, run, values):
    """Track the best epoch for ``es``; True when it says to stop."""
    value = values.get(es.monitor)
    if value is None:
        raise ValueError(f"train.fit: early stopping monitors {es.monitor!r}, "
                         f"which is not among {sorted(values)}")
    if es.improved(value, run.best_value):
        run.best, run.best_value, run.waited = (run.epoch, run.state), value, 0
        return False
    run.waited += 1
    return run.waited >= es.patience


def _end_epoch(cfg, run, values, seconds, bar):
    """Record the epoch, update early stopping, checkpoint, then print the epoch's line."""
    for k, v in values.items():
        run.history.setdefault(k, []).append(v)
    run.history["time"].append(seconds)
    if cfg.early_stopping is not None:
        run.stopped = _early_stop(cfg.early_stopping, run, values)
    run.epoch += 1
    run.steps += cfg.steps
    if cfg.checkpoint is not None:
        run.snapshot = _snapshot(cfg, run)
        if run.epoch % cfg.checkpoint_every == 0 or run.epoch == cfg.epochs or run.stopped:
            run.phase = "saving the checkpoint"
            _save_snapshot(cfg, run)
    run.phase = "between epochs"
    bar.end_epoch(run.epoch, cfg.steps, values, seconds)


def _epoch_loop(cfg, run, step, eval_all, bar):
    """Train from ``run.epoch`` until ``cfg.epochs`` or early stopping."""
    while run.epoch < cfg.epochs and not run.stopped:
        t0 = time.perf_counter()
        values = _train_epoch(cfg, run, step, bar, t0)
        values.update(_validate(cfg, run, eval_all))
        _end_epoch(cfg, run, values, time.perf_counter() - t0, bar)
        if run.stopped:
            es = cfg.early_stopping
            bar.message(f"Early stopping: {es.monitor} did not improve for {es.patience} epochs")


def _interrupted(cfg, run, bar):
    """Ctrl-C: keep what was trained, save the last completed epoch if it is not on disk yet."""
    if run.phase == "training":
        where = f"in epoch {run.epoch + 1}, step {run.done + 1}/{cfg.steps}"
    elif run.phase == "validating":
        where = f"in epoch {run.epoch + 1}, while validating"
    else:
        where = f"after epoch {run.epoch}, {run.phase}"
    saved = ""
    if run.snapshot is not None:
        if run.snapshot["epoch"] > run.saved:
            _save_snapshot(cfg, run)
        saved = f" (checkpoint of epoch {run.saved}: {os.fspath(cfg.checkpoint)})"
    bar.message(f"fit: interrupted {where}; returning the parameters after the last completed "
                f"step{saved}")
    for k in list(run.history):  # the completed epochs only, even if stopped while recording
        del run.history[k][run.epoch:]
        if not run.history[k] and k not in ("loss", "time"):
            del run.history[k]
    run.history["interrupted"] = True


def _best_state(es, run, bar):
    """The state ``fit`` returns: the best epoch's when early stopping restores it."""
    if es is None or not es.restore_best or run.best is None \
            or run.best[0] == len(run.history["loss"]) - 1:
        return run.state
    bar.message(f"Restored the params of epoch {run.best[0] + 1} "
                f"({es.monitor} {_fmt_value(run.best_value)})")
    return run.best[1]


# ---------------------------------------------------------------------------
# fit: checkpoints
# ---------------------------------------------------------------------------

_CKPT_FORMAT, _CKPT_VERSION = "funcdl.train.fit", 1


def _flat(state):
    """``[params leaves, opt_state leaves]`` and their structures (as text)."""
    flat = [tree_util.tree_flatten(s) for s in state]
    return [leaves for leaves, _ in flat], [repr(td) for _, td in flat]


def _snapshot(cfg, run):
    """The checkpoint of ``run`` as it is now, at the end of an epoch (a copy)."""
    (params, opt_state), structure = _flat(run.state)
    best = None
    if run.best is not None:
        (best_params, best_opt_state), _ = _flat(run.best[1])
        best = {"epoch": run.best[0], "params": best_params, "opt_state": best_opt_state}
    return {"format": _CKPT_FORMAT, "version": _CKPT_VERSION, "epoch": run.epoch,
            "steps": run.steps, "stopped": run.stopped, "key": cfg.key,
            "history": {k: list(v) for k, v in run.history.items()}, "structure": structure,
            "params": params, "opt_state": opt_state, "best": best,
            "best_value": run.best_value, "waited": run.waited}


def _save_snapshot(cfg, run):
    if cfg.writes:
        checkpoints.save(cfg.checkpoint, run.snapshot)
    run.saved = run.snapshot["epoch"]


def _describe_leaf(x):
    return f"{np.asarray(x).dtype.name}{list(np.shape(x))}"


def _refill(path, what, leaves, structure, template):
    """``template``'s pytree structure with the checkpoint's ``leaves``, which must match
    it in number, shape and dtype (a Python-scalar template leaf takes any dtype)."""
    t_leaves, treedef = tree_util.tree_flatten(template)
    if structure != repr(treedef) or len(leaves) != len(t_leaves):
        raise ValueError(f"train.fit: the checkpoint {path!r} does not fit this model: its {what} "
                         f"have the structure {structure}, the {what} of this call have "
                         f"{treedef!r} (written by a different model or optimizer?)")
    for i, (a, t) in enumerate(zip(leaves, t_leaves)):
        weak = type(t) in (bool, int, float, complex)
        if np.shape(a) != np.shape(t) or (not weak and np.asarray(a).dtype != np.asarray(t).dtype):
            raise ValueError(f"train.fit: the checkpoint {path!r} does not fit this model: leaf "
                             f"{i} of its {what} is {_describe_leaf(a)}, that of the {what} of "
                             f"this call is {_describe_leaf(t)} (in {treedef!r})")
    return treedef.unflatten(leaves)


def _load_run(path, source, key, params, opt_state):
    """The ``_Run`` saved at ``path`` (read from ``source``, the path or an open file);
    ``params``/``opt_state`` give the structures."""
    ck = checkpoints.load(source)  # ValueError if corrupted or not a funcdl checkpoint
    if not (isinstance(ck, dict) and ck.get("format") == _CKPT_FORMAT):
        raise ValueError(f"train.fit: {path!r} is a funcdl checkpoint but not one written by "
                         f"train.fit(checkpoint=...), so it cannot be resumed from")
    if ck.get("version") != _CKPT_VERSION:
        raise ValueError(f"train.fit: {path!r} has fit checkpoint version {ck.get('version')!r}; "
                         f"this funcdl resumes version {_CKPT_VERSION}")
    try:
        if not np.array_equal(ck["key"], key):
            raise ValueError(f"train.fit: the checkpoint {path!r} was written by a run with key "
                             f"{np.asarray(ck['key']).tolist()}, not the key {key.tolist()} passed "
                             f"now; resume with the same key, or delete the file to start afresh")
        p_struct, s_struct = ck["structure"]
        run = _Run(_refill(path, "params", ck["params"], p_struct, params),
                   _refill(path, "opt_state", ck["opt_state"], s_struct, opt_state))
        run.epoch = run.saved = int(ck["epoch"])
        run.steps, run.stopped = int(ck["steps"]), bool(ck["stopped"])
        run.history = {k: list(v) for k, v in ck["history"].items()}
        run.best_value, run.waited = ck["best_value"], int(ck["waited"])
        if ck["best"] is not None:
            b = ck["best"]
            run.best = (int(b["epoch"]), (_refill(path, "params", b["params"], p_struct, params),
                                          _refill(path, "opt_state", b["opt_state"], s_struct,
                                                  opt_state)))
    except (KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"train.fit: the fit checkpoint {path!r} is malformed "
                         f"({type(e).__name__}: {e})") from e
    return run


def _start(cfg, params, opt_state, resume, bar):
    """A fresh ``_Run``, or with ``resume`` the one in ``cfg.checkpoint`` if that exists."""
    if not resume:
        return _Run(params, opt_state)
    path = os.fspath(cfg.checkpoint)
    try:
        run = _load_run(path, _checkpoint_source(cfg, path), cfg.key, params, opt_state)
    except FileNotFoundError:
        bar.message(f"fit: no checkpoint at {path!r} yet; starting from epoch 1")
        return _Run(params, opt_state)
    if run.epoch > cfg.epochs:
        raise ValueError(f"train.fit: the checkpoint {path!r} holds {run.epoch} epochs, more "
                         f"than epochs={cfg.epochs}")
    bar.message(f"fit: resuming from {path!r} after epoch {run.epoch}/{cfg.epochs}")
    return run


def _checkpoint_source(cfg, path):
    """What to load the checkpoint from: its path or, in a distributed run, the bytes
    process 0 read from it, on every process (raises FileNotFoundError on all of them)."""
    if cfg.dist is None:
        return path
    data = None
    if cfg.dist.process_index() == 0:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            pass
    data = cfg.dist.broadcast_bytes(data)
    if data is None:
        raise FileNotFoundError(path)
    return io.BytesIO(data)


# ---------------------------------------------------------------------------
# fit: distributed
# ---------------------------------------------------------------------------

def _distributed(on):
    """``funcdl.distributed``, joined, for ``distributed=True``; else None."""
    if not on:
        return None
    from . import distributed as dist  # ImportError naming the extra without mpi4py
    dist.initialize()
    return dist


def _check_replicas(cfg, run):
    """Every process must start from the same params, optimizer state and data."""
    cfg.dist.check_identical(run.state, "train.fit(distributed=True): the initial params and "
                                        "optimizer state (use the same key on every process)")
    cfg.dist.check_identical(cfg.train, "train.fit(distributed=True): the training arrays (load "
                                        "the same data on every process)")


# ---------------------------------------------------------------------------
# fit
# ---------------------------------------------------------------------------

def fit(loss_fn, params, optimizer, train_data, *, epochs, batch_size, key, val_data=None,
        metrics=None, jit=True, progress=True, early_stopping=None, has_aux=None,
        drop_last=True, opt_state=None, val_batch_size=None, on_nan="raise",
        checkpoint=None, checkpoint_every=1, resume=False, distributed=False):
    """Train ``params`` by minimising ``loss_fn`` with ``optimizer``; returns
    ``(params, opt_state, history)``.

    - ``loss_fn(params, batch) -> loss`` or ``(loss, aux)``, where ``batch`` is a tuple of
      mini-batches of the arrays in ``train_data`` (e.g. ``(x, y)``). A pair is read as
      ``(loss, aux)`` (``has_aux=None``, the default, detects it; ``True`` requires it,
      ``False`` forbids it); ``history["loss"]`` records the loss part, and when ``aux`` is a
      dict of scalars each entry's epoch mean is recorded under its name (other aux values
      are ignored).
    - ``optimizer``: an optax-style ``GradientTransformation`` (``init``, ``update``);
      ``opt_state`` resumes from a previous state instead of ``optimizer.init(params)``.
    - Each epoch shuffles ``train_data`` with its own key from ``random.split(key, epochs)``
      and runs one step per mini-batch: ``value_and_grad`` + ``optimizer.update`` +
      ``optim.apply_updates``, compiled once with ``fd.jit`` when ``jit=True``. The
      training batches use ``drop_last=True`` by default, so every step has the same shapes
      and the step compiles exactly once; the dropped examples change every epoch. With
      ``drop_last=False`` a smaller last batch costs a second compile.
    - At each epoch's end: ``val_loss`` (when ``val_data`` is given) and every
      ``metrics[name](params, batch) -> scalar`` averaged over ``val_data`` (recorded as
      ``val_<name>``) or, without ``val_data``, over ``train_data`` (recorded as ``<name>``),
      all in one eager pass of ``val_batch_size`` (default ``batch_size``) examples a batch.
    - ``history``: per-epoch lists ``loss`` (mean batch loss), ``time`` (seconds, validation
      included; the first epoch's includes compiling the step), ``val_loss``,
      ``val_<name>`` / ``<name>``.
    - ``progress``: ``True`` writes to ``sys.stderr``, or pass a file; ``False`` is silent.
      A terminal gets a live bar (epoch, batch i/n, running loss, elapsed); every stream
      gets one line per epoch with its metrics and time.
    - ``early_stopping``: an :class:`EarlyStopping` or an int patience (on ``val_loss``);
      training stops when the monitored value stops improving and, by default, the best
      epoch's params and optimizer state are returned.
    - Ctrl-C (``KeyboardInterrupt``) stops training and returns the params and optimizer
      state after the last completed step (a step is applied whole or not at all) with the
      completed epochs' history and ``history["interrupted"] = True``, saying so in one line
      on the progress stream. Early stopping's best epoch is not restored then.
    - ``on_nan="raise"`` (default): a NaN or infinite training loss raises
      :class:`NonFiniteLossError` (a ``FloatingPointError``) naming the epoch and step, with
      the params, optimizer state and history before that step on the error;
      ``"ignore"`` trains on.
    - ``checkpoint=PATH`` saves the run (params, optimizer state, history, epoch, step count,
      key and early-stopping state) with ``fd.save`` (atomically) every ``checkpoint_every``
      epochs, after the last epoch, and on Ctrl-C (the last completed epoch). ``resume=True``
      continues from ``PATH`` if it exists, else starts afresh; the run then ends bit-for-bit
      as an uninterrupted one would. ``params`` and ``opt_state`` (or ``optimizer.init(params)``)
      serve as templates: the saved ones must match their structure, shapes and dtypes, and
      ``key`` must be the saved one (else ``ValueError``, as for a corrupted file). ``epochs``
      may be raised on resume to train further; a run that early stopping ended stays ended.
    - ``distributed=True`` (launched with ``mpiexec -n N``, ``pip install "funcdl[mpi]"``):
      every process runs ``fit`` with the same arguments and takes its share of each
      shuffled batch (``batch_size`` stays the global batch); the loss, aux and gradients
      are averaged over the processes each step, as are the epoch-end metrics (each process
      evaluates its share of the examples), so N processes train as one does, to float
      tolerance, with identical params on all of them. ``loss_fn`` must be a mean over its
      batch. Only process 0 prints and writes the checkpoint; ``resume`` reads process 0's
      file on every process. See :mod:`funcdl.distributed`.

    >>> import numpy as np, funcdl as fd
    >>> from funcdl import random
    >>> class SGD:  # any object with optax's init/update
    ...     init = staticmethod(lambda p: ())
    ...     update = staticmethod(lambda g, s, p=None: (fd.tree_map(lambda v: -0.1 * v, g), s))
    >>> x = np.ones((8, 1), np.float32); y = 3 * x[:, 0]
    >>> loss = lambda w, b: ((b[0][:, 0] * w - b[1]) ** 2).mean()
    >>> w, _, h = fit(loss, np.float32(0.0), SGD(), (x, y), epochs=3, batch_size=4,
    ...               key=random.key(0), jit=False, progress=False)
    >>> sorted(h), len(h["loss"]), bool(h["loss"][-1] < h["loss"][0])
    (['loss', 'time'], 3, True)
    >>> import os, tempfile  # 2 epochs with a checkpoint, then resumed up to 3: the same w
    >>> path = os.path.join(tempfile.mkdtemp(), "run.ckpt")
    >>> kw = dict(batch_size=4, key=random.key(0), jit=False, progress=False, checkpoint=path)
    >>> _ = fit(loss, np.float32(0.0), SGD(), (x, y), epochs=2, **kw)
    >>> w2, _, h2 = fit(loss, np.float32(0.0), SGD(), (x, y), epochs=3, resume=True, **kw)
    >>> bool(w2 == w), h2["loss"] == h["loss"]
    (True, True)
    """
    metrics, early_stopping = _check_fit_args(optimizer, epochs, metrics, early_stopping,
                                              val_data, on_nan, checkpoint, checkpoint_every,
                                              resume)
    train_arrays, bare, steps = _training_arrays(train_data, batch_size, drop_last)
    eval_data = None
    if val_data is not None:
        val_arrays, val_bare = _as_tuple(val_data, "val_data")
        _data.batches(*val_arrays, batch_size=val_batch_size or batch_size)
        eval_data = val_arrays[0] if val_bare else val_arrays
    elif metrics:
        eval_data = train_arrays[0] if bare else train_arrays
    key = np.asarray(key)
    dist = _distributed(distributed)
    cfg = _Config(epochs=int(epochs), steps=steps, batch_size=batch_size, drop_last=drop_last,
                  train=train_arrays, bare=bare, eval_data=eval_data,
                  eval_batch_size=val_batch_size or batch_size, on_val=val_data is not None,
                  metrics=metrics, early_stopping=early_stopping, check_nan=on_nan == "raise",
                  checkpoint=checkpoint, checkpoint_every=int(checkpoint_every), key=key,
                  epoch_keys=random.split(key, epochs) if epochs else [], dist=dist,
                  writes=dist is None or dist.process_index() == 0)
    bar = _Progress(None if progress is False or progress is None or not cfg.writes else
                    sys.stderr if progress is True else progress, epochs)
    loss_and_aux = _with_aux(loss_fn, has_aux)
    step = _make_step(loss_and_aux, optimizer, jit, dist)
    eval_all = _make_eval(loss_and_aux, metrics, val_data is not None)
    run = _start(cfg, params, optimizer.init(params) if opt_state is None else opt_state,
                 resume, bar)
    if dist is not None:
        _check_replicas(cfg, run)
    try:
        _epoch_loop(cfg, run, step, eval_all, bar)
    except KeyboardInterrupt:
        _interrupted(cfg, run, bar)
        return run.state + (run.history,)
    return _best_state(early_stopping, run, bar) + (run.history,)
