"""Training loops for functional models: ``fit``, ``evaluate``, ``predict``.

A model here is just a parameter pytree plus pure functions of it. ``fit`` runs epochs of
shuffled mini-batches through one (jitted) step — ``value_and_grad(loss_fn)``, then
``optimizer.update`` and ``optim.apply_updates`` — with a progress bar, per-epoch
validation and optional early stopping, and returns the final parameters, optimizer
state and a ``history`` of per-epoch lists (the functional counterpart of Keras's
``Model.fit``).

>>> import numpy as np
>>> x = np.arange(6, dtype=np.float32)
>>> evaluate(lambda p, b: ((b[0] * p) ** 2).mean(), np.float32(1.0), (x,), batch_size=4)
9.166666666666666
"""
import math
import sys
import time

import numpy as np

from . import data as _data
from . import tree_util

__all__ = ["EarlyStopping", "evaluate", "fit", "predict"]


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


def _apply_updates():
    """``optim.apply_updates``, or optax's definition while ``funcdl.optim`` is absent."""
    try:
        from . import optim
        return optim.apply_updates
    except ModuleNotFoundError as e:
        if e.name not in ("funcdl.optim",):
            raise
    from . import numpy as fnp

    def apply_updates(params, updates):
        return tree_util.tree_map(lambda p, u: fnp.asarray(p + u).astype(fnp.asarray(p).dtype),
                                  params, updates)
    return apply_updates


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
        self.stream = stream
        self.epochs = epochs
        try:
            self.tty = bool(stream.isatty())
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
        self._write(text + "\n")

    def _write(self, text):
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

    def _improved(self, value, best):
        if best is None:
            return not math.isnan(value)
        if self.mode == "min":
            return value < best - self.min_delta
        return value > best + self.min_delta


# ---------------------------------------------------------------------------
# evaluate / predict
# ---------------------------------------------------------------------------

def _jitted(fn, jit):
    if not jit:
        return fn
    from .transforms import jit as _jit
    return _jit(fn)


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
# fit
# ---------------------------------------------------------------------------

def fit(loss_fn, params, optimizer, train_data, *, epochs, batch_size, key, val_data=None,
        metrics=None, jit=True, progress=True, early_stopping=None, has_aux=None,
        drop_last=True, opt_state=None, val_batch_size=None):
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

    >>> import numpy as np, funcdl as fd
    >>> from funcdl import random
    >>> class SGD:  # any object with optax's init/update
    ...     init = staticmethod(lambda p: ())
    ...     update = staticmethod(lambda g, s, p=None: (fd.tree_map(lambda v: -0.1 * v, g), s))
    >>> x = np.ones((8, 1), np.float32); y = 3 * x[:, 0]
    >>> w, _, h = fit(lambda w, b: ((b[0][:, 0] * w - b[1]) ** 2).mean(), np.float32(0.0),
    ...               SGD(), (x, y), epochs=3, batch_size=4, key=random.key(0), jit=False,
    ...               progress=False)
    >>> sorted(h), len(h["loss"]), bool(h["loss"][-1] < h["loss"][0])
    (['loss', 'time'], 3, True)
    """
    from . import random
    from .transforms import value_and_grad

    if not (hasattr(optimizer, "init") and hasattr(optimizer, "update")):
        raise TypeError(f"train.fit: optimizer must be a GradientTransformation with init and "
                        f"update (e.g. optim.sgd(0.1)), got {type(optimizer).__name__}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"train.fit: epochs must be a non-negative int, got {epochs!r}")
    train_arrays, bare = _as_tuple(train_data, "train_data")
    train_arrays = tuple(np.asarray(a) for a in train_arrays)
    # Checks sizes now (and batch_size), before any compile.
    _data.batches(*train_arrays, batch_size=batch_size)
    n = train_arrays[0].shape[0]
    steps = _data.num_batches(n, batch_size, drop_last)
    if steps == 0:
        raise ValueError(f"train.fit: batch_size={batch_size} is larger than the {n} training "
                         f"examples, so drop_last=True leaves no batch; lower batch_size or pass "
                         f"drop_last=False")
    metrics = dict(metrics or {})
    for name, fn in metrics.items():
        if not isinstance(name, str) or name in ("loss", "time") or not callable(fn):
            raise ValueError(f"train.fit: metrics must map names (other than 'loss' and 'time') "
                             f"to functions fn(params, batch) -> scalar; got {name!r}: {fn!r}")
    if val_data is not None:
        val_arrays, val_bare = _as_tuple(val_data, "val_data")
        _data.batches(*val_arrays, batch_size=val_batch_size or batch_size)
    if isinstance(early_stopping, (int, np.integer)) and not isinstance(early_stopping, bool):
        early_stopping = EarlyStopping(int(early_stopping))
    if early_stopping is not None:
        if not isinstance(early_stopping, EarlyStopping):
            raise TypeError(f"train.fit: early_stopping must be an int patience or an "
                            f"EarlyStopping, got {early_stopping!r}")
        mon = early_stopping.monitor
        if mon.startswith("val_") and val_data is None:
            raise ValueError(f"train.fit: early stopping monitors {mon!r}, which needs val_data")
    stream = None if progress is False or progress is None else (
        sys.stderr if progress is True else progress)

    apply_updates = _apply_updates()
    loss_and_aux = _with_aux(loss_fn, has_aux)
    vg = value_and_grad(loss_and_aux, has_aux=True)

    def step(params, opt_state, batch):
        value, grads = vg(params, batch)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return apply_updates(params, updates), opt_state, value

    if jit:
        from .transforms import jit as _jit
        step = _jit(step)

    def eval_all(p, batch):
        out = {}
        if val_data is not None:
            out["loss"] = loss_and_aux(p, batch)[0]
        for name, fn in metrics.items():
            out[name] = fn(p, batch)
        return out

    if opt_state is None:
        opt_state = optimizer.init(params)
    history = {"loss": [], "time": []}
    bar = _Progress(stream, epochs) if stream is not None else None
    epoch_keys = random.split(key, epochs) if epochs else []
    best, best_value, waited = None, None, 0
    for epoch in range(epochs):
        t0 = time.perf_counter()
        total, aux_sums = 0.0, {}
        batch_iter = _data.batches(*train_arrays, batch_size=batch_size, key=epoch_keys[epoch],
                                   drop_last=drop_last)
        for i, batch in enumerate(batch_iter, 1):
            params, opt_state, (value, aux) = step(params, opt_state,
                                                   batch[0] if bare else batch)
            if isinstance(aux, dict):
                for k, v in aux.items():
                    if np.ndim(v) == 0:
                        aux_sums[k] = aux_sums.get(k, 0.0) + float(v)
            total += _scalar(value, "loss_fn")
            if bar is not None:
                bar.update(epoch + 1, i, steps, total / i, time.perf_counter() - t0)
        values = {"loss": total / steps}
        values.update({k: s / steps for k, s in aux_sums.items() if k not in ("loss", "time")})
        if val_data is not None or metrics:
            on_val = val_data is not None
            results = evaluate(eval_all, params,
                               (val_arrays[0] if val_bare else val_arrays) if on_val
                               else (train_arrays[0] if bare else train_arrays),
                               val_batch_size or batch_size)
            names = (["loss"] if on_val else []) + list(metrics)  # val_loss first, then as given
            values.update({("val_" if on_val else "") + k: results[k] for k in names})
        seconds = time.perf_counter() - t0
        for k, v in values.items():
            history.setdefault(k, []).append(v)
        history["time"].append(seconds)
        stop = False
        if early_stopping is not None:
            value = values.get(early_stopping.monitor)
            if value is None:
                raise ValueError(f"train.fit: early stopping monitors {early_stopping.monitor!r}, "
                                 f"which is not among {sorted(values)}")
            if early_stopping._improved(value, best_value):
                best, best_value, waited = (epoch, params, opt_state), value, 0
            else:
                waited += 1
                stop = waited >= early_stopping.patience
        if bar is not None:
            bar.end_epoch(epoch + 1, steps, values, seconds)
        if stop:
            if bar is not None:
                bar.message(f"Early stopping: {early_stopping.monitor} did not improve for "
                            f"{early_stopping.patience} epochs")
            break
    if early_stopping is not None and early_stopping.restore_best and best is not None \
            and best[0] != len(history["loss"]) - 1:
        _, params, opt_state = best
        if bar is not None:
            bar.message(f"Restored the params of epoch {best[0] + 1} "
                        f"({early_stopping.monitor} {_fmt_value(best_value)})")
    return params, opt_state, history
