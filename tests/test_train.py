"""funcdl.train: fit (one jitted spiral run; the rest mostly eager, with jit variants where it
 matters), Ctrl-C, NaN losses, checkpoints and resume, evaluate, predict."""
import io
import time

import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import data, random, train


class _SGD:
    """A minimal optax-compatible SGD (used when funcdl.optim is not available)."""

    def __init__(self, learning_rate):
        self.lr = np.float32(learning_rate)

    def init(self, params):
        return ()

    def update(self, grads, state, params=None):
        return fd.tree_map(lambda g: -self.lr * g, grads), state


def sgd(learning_rate):
    try:
        from funcdl import optim
    except ImportError:
        return _SGD(learning_rate)
    return optim.sgd(learning_rate)


class Walk:
    """An 'optimizer' that ignores gradients and adds 1 to every parameter each step, with
    its step count as state: it makes the parameter trajectory known in advance."""

    def init(self, params):
        return np.int32(0)

    def update(self, grads, count, params=None):
        return fd.tree_map(lambda g: fnp.ones_like(g), grads), count + 1


# ---------------------------------------------------------------------------
# An MLP on the spiral, written with fnp
# ---------------------------------------------------------------------------

def mlp_init(key, sizes=(2, 32, 3)):
    keys = random.split(key, len(sizes) - 1)
    return [{"w": random.normal(k, (m, n)) * np.float32(1 / np.sqrt(m)),
             "b": np.zeros(n, np.float32)} for k, m, n in zip(keys, sizes[:-1], sizes[1:])]


def mlp_apply(params, x):
    for layer in params[:-1]:
        x = fnp.tanh(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def xent(params, batch):
    x, y = batch
    logits = mlp_apply(params, x)
    m = fnp.max(logits, axis=1, keepdims=True)
    lse = fnp.log(fnp.sum(fnp.exp(logits - m), axis=1)) + m[:, 0]
    one_hot = (y[:, None] == fnp.arange(logits.shape[1])[None, :]).astype(np.float32)
    return fnp.mean(lse - fnp.sum(logits * one_hot, axis=1))


def accuracy(params, batch):
    x, y = batch
    return fnp.mean((fnp.argmax(mlp_apply(params, x), axis=1) == y).astype(np.float32))


def test_fit_spiral_jitted_reaches_95_percent():
    """The suite's one jitted fit: 2-32-3 tanh MLP, plain SGD, float32."""
    x, y = data.spiral(100, 3, random.key(0))
    params = mlp_init(random.key(1))
    t0 = time.perf_counter()
    params, opt_state, history = train.fit(xent, params, sgd(1.0), (x, y), epochs=150,
                                           batch_size=30, key=random.key(2), progress=False)
    seconds = time.perf_counter() - t0
    acc = train.evaluate(accuracy, params, (x, y), batch_size=100)
    assert acc >= 0.95, (acc, history["loss"][-5:])
    assert params[0]["w"].dtype == np.float32 and params[1]["b"].shape == (3,)
    assert sorted(history) == ["loss", "time"] and len(history["loss"]) == 150
    assert history["loss"][-1] < 0.3 < history["loss"][0]
    # after the first epoch (which compiles the step once) epochs are fast
    assert sum(history["time"][1:]) < 5.0, (seconds, history["time"][:3])


# ---------------------------------------------------------------------------
# Everything else eager (jit=False)
# ---------------------------------------------------------------------------

def _linear_problem(n=64):
    x = np.linspace(-1, 1, n, dtype=np.float32)[:, None]
    y = (3 * x[:, 0] - 1).astype(np.float32)
    return x, y


def mse(w, batch):
    x, y = batch
    return fnp.mean((x[:, 0] * w["a"] + w["b"] - y) ** 2)


def abs_err(w, batch):
    x, y = batch
    return fnp.mean(fnp.abs(x[:, 0] * w["a"] + w["b"] - y))


W0 = {"a": np.float32(0.0), "b": np.float32(0.0)}


def test_fit_history_with_validation_and_metrics():
    x, y = _linear_problem()
    params, opt_state, h = train.fit(mse, W0, sgd(0.3), (x, y), epochs=4, batch_size=16,
                                     key=random.key(0), val_data=(x[:10], y[:10]),
                                     metrics={"mae": abs_err}, jit=False, progress=False)
    assert sorted(h) == ["loss", "time", "val_loss", "val_mae"]
    assert all(len(v) == 4 for v in h.values())
    assert all(isinstance(v, float) for vs in h.values() for v in vs)
    assert h["loss"][-1] < h["loss"][0] and all(t > 0 for t in h["time"])
    assert h["val_loss"][-1] == pytest.approx(float(mse(params, (x[:10], y[:10]))), rel=1e-5)
    assert h["val_mae"][-1] == pytest.approx(float(abs_err(params, (x[:10], y[:10]))), rel=1e-5)
    # without val_data, metrics are measured on the training data
    _, _, h2 = train.fit(mse, W0, sgd(0.3), (x, y), epochs=2, batch_size=16, key=random.key(0),
                         metrics={"mae": abs_err}, jit=False, progress=False)
    assert sorted(h2) == ["loss", "mae", "time"]


def test_fit_is_deterministic_and_shuffles_per_epoch():
    x, y = _linear_problem(40)
    seen = []

    def loss(w, batch):
        seen.append(np.asarray(batch[0][:, 0]).copy())
        return mse(w, batch)

    kw = dict(epochs=2, batch_size=8, jit=False, progress=False)
    p1, _, h1 = train.fit(loss, W0, sgd(0.1), (x, y), key=random.key(5), **kw)
    first, seen[:] = list(seen), []
    p2, _, h2 = train.fit(loss, W0, sgd(0.1), (x, y), key=random.key(5), **kw)
    assert h1["loss"] == h2["loss"] and p1 == p2
    assert all(np.array_equal(a, b) for a, b in zip(first, seen))
    epoch1, epoch2 = np.concatenate(first[:5]), np.concatenate(first[5:])
    assert sorted(epoch1.tolist()) == sorted(x[:, 0].tolist())  # each epoch sees every example
    assert not np.array_equal(epoch1, epoch2)  # ... in a new order
    assert not np.array_equal(epoch1, x[:, 0])


def test_fit_drop_last_and_step_count():
    x, y = _linear_problem(10)
    w = np.float32(0.0)
    loss = lambda w, b: fnp.mean((b[0][:, 0] * w - b[1]) ** 2)  # noqa: E731
    kw = dict(epochs=3, batch_size=4, key=random.key(0), jit=False, progress=False)
    _, count, _ = train.fit(loss, w, Walk(), (x, y), **kw)
    assert int(count) == 3 * 2  # the last partial batch (2 examples) is dropped
    _, count, _ = train.fit(loss, w, Walk(), (x, y), drop_last=False, **kw)
    assert int(count) == 3 * 3
    with pytest.raises(ValueError, match="larger than the 10 training"):
        train.fit(loss, w, Walk(), (x, y), epochs=1, batch_size=11, key=random.key(0),
                  jit=False, progress=False)
    # resuming from a given optimizer state
    _, count, _ = train.fit(loss, w, Walk(), (x, y), opt_state=np.int32(100), **kw)
    assert int(count) == 106


def test_fit_has_aux_records_dict_entries():
    x, y = _linear_problem(32)

    def loss(w, batch):
        value = mse(w, batch)
        return value, {"half": value / 2, "ignored_vector": fnp.zeros(3)}

    _, _, h = train.fit(loss, W0, sgd(0.1), (x, y), epochs=2, batch_size=8, key=random.key(0),
                        has_aux=True, val_data=(x, y), jit=False, progress=False)
    assert sorted(h) == ["half", "loss", "time", "val_loss"]
    assert h["half"] == pytest.approx([v / 2 for v in h["loss"]], rel=1e-5)


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_fit_detects_loss_aux_pairs(jit):
    """API.md 8: ``loss_fn`` may return ``(loss, aux)`` without ``has_aux``; the loss part
    drives training and ``history["loss"]``, exactly as the bare loss does."""
    x, y = _linear_problem(32)
    kw = dict(epochs=3, batch_size=8, key=random.key(0), val_data=(x, y), jit=jit,
              progress=False)

    def with_aux(w, batch):
        return mse(w, batch), {"mae": abs_err(w, batch), "pred": x[:, 0] * w["a"]}

    w_ref, _, h_ref = train.fit(mse, W0, sgd(0.1), (x, y), **kw)
    w_aux, _, h_aux = train.fit(with_aux, W0, sgd(0.1), (x, y), **kw)
    fd.tree_map(np.testing.assert_array_equal, w_aux, w_ref)
    assert h_aux["loss"] == h_ref["loss"] and h_aux["val_loss"] == h_ref["val_loss"]
    assert sorted(h_aux) == ["loss", "mae", "time", "val_loss"]
    assert all(0 < m for m in h_aux["mae"])
    with pytest.raises(TypeError, match="one scalar"):  # has_aux=False forbids the pair
        train.fit(with_aux, W0, sgd(0.1), (x, y), has_aux=False, **kw)
    with pytest.raises(TypeError, match="pair"):  # has_aux=True requires it
        train.fit(mse, W0, sgd(0.1), (x, y), has_aux=True, **kw)


def test_fit_argument_errors():
    x, y = _linear_problem(16)
    kw = dict(epochs=1, batch_size=4, key=random.key(0), jit=False, progress=False)
    with pytest.raises(ValueError, match="same leading size"):
        train.fit(mse, W0, sgd(0.1), (x, y[:-1]), **kw)
    with pytest.raises(TypeError, match="GradientTransformation"):
        train.fit(mse, W0, lambda g: g, (x, y), **kw)
    with pytest.raises(ValueError, match="metrics"):
        train.fit(mse, W0, sgd(0.1), (x, y), metrics={"loss": abs_err}, **kw)
    with pytest.raises(ValueError, match="needs val_data"):
        train.fit(mse, W0, sgd(0.1), (x, y), early_stopping=2, **kw)
    with pytest.raises(TypeError, match="tuple of arrays"):
        train.fit(mse, W0, sgd(0.1), {"x": x, "y": y}, **kw)


def test_progress_output_one_line_per_epoch_when_not_a_tty():
    x, y = _linear_problem(32)
    out = io.StringIO()
    train.fit(mse, W0, sgd(0.1), (x, y), epochs=3, batch_size=8, key=random.key(0),
              val_data=(x, y), metrics={"mae": abs_err}, jit=False, progress=out)
    text = out.getvalue()
    lines = text.splitlines()
    assert "\r" not in text and len(lines) == 3
    for i, line in enumerate(lines, 1):
        assert line.startswith(f"Epoch {i}/3") and " 4/4 " in line
        assert "loss " in line and "val_loss " in line and "val_mae " in line
        assert line.rstrip().endswith("s")  # epoch time, e.g. 12ms or 1.50s


def test_progress_defaults_to_stderr_and_can_be_silenced(capsys):
    x, y = _linear_problem(16)
    kw = dict(epochs=2, batch_size=8, key=random.key(0), jit=False)
    train.fit(mse, W0, sgd(0.1), (x, y), **kw)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("Epoch") == 2
    train.fit(mse, W0, sgd(0.1), (x, y), progress=False, **kw)
    assert capsys.readouterr() == ("", "")


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_tty_redraws_in_place():
    x, y = _linear_problem(32)
    out = _Tty()
    slow = lambda w, b: (time.sleep(0.03), mse(w, b))[1]  # noqa: E731  (lets the bar redraw)
    train.fit(slow, W0, sgd(0.1), (x, y), epochs=2, batch_size=8, key=random.key(0),
              jit=False, progress=out)
    text = out.getvalue()
    assert text.count("\n") == 2 and "\r" in text and "[" in text and "=" in text
    finals = [seg.split("\r")[-1] for seg in text.split("\n")[:2]]
    assert finals[0].startswith("Epoch 1/2  4/4  loss") and "[" not in finals[0]
    assert "Epoch 1/2  1/4 [" in text or "Epoch 1/2  2/4 [" in text  # mid-epoch bar


def test_early_stopping_restores_best_params():
    # Walk adds 1 to the parameter after each step; one batch per epoch, so after epoch e
    # (1-based) w = e; val_loss = (w - 3)^2 is best at epoch 3 and worse afterwards.
    x = np.zeros((4, 1), np.float32)
    loss = lambda w, b: (w - 3.0) ** 2 + 0 * fnp.sum(b[0])  # noqa: E731
    out = io.StringIO()
    w, count, h = train.fit(loss, np.float32(0.0), Walk(), (x,), epochs=20, batch_size=4,
                            key=random.key(0), val_data=(x,), early_stopping=2, jit=False,
                            progress=out)
    assert h["val_loss"] == [4.0, 1.0, 0.0, 1.0, 4.0]  # stopped after 2 epochs without progress
    assert float(w) == 3.0 and int(count) == 3  # the best epoch's params and optimizer state
    assert "Early stopping" in out.getvalue() and "epoch 3 (val_loss 0.0000)" in out.getvalue()
    # restore_best=False keeps the last params; monitor/mode choose what counts as better
    es = train.EarlyStopping(1, monitor="val_neg", mode="max", restore_best=False)
    w, _, h = train.fit(loss, np.float32(0.0), Walk(), (x,), epochs=20, batch_size=4,
                        key=random.key(0), val_data=(x,), early_stopping=es, jit=False,
                        metrics={"neg": lambda w, b: -(w - 3.0) ** 2}, progress=False)
    assert len(h["val_neg"]) == 4 and float(w) == 4.0
    # training that ends while still patient also returns the best epoch
    w, _, h = train.fit(loss, np.float32(0.0), Walk(), (x,), epochs=5, batch_size=4,
                        key=random.key(0), val_data=(x,), early_stopping=10, jit=False,
                        progress=False)
    assert len(h["val_loss"]) == 5 and float(w) == 3.0


def test_evaluate_weights_batches_by_size():
    x = np.array([1.0, 1.0, 1.0, 1.0, 10.0], np.float32)
    mean = lambda p, b: fnp.mean(b[0])  # noqa: E731
    # batches [1,1],[1,1],[10]: weighted (2 + 2 + 10) / 5 = 2.8, unweighted would be 4.0
    assert train.evaluate(mean, None, (x,), batch_size=2) == pytest.approx(2.8)
    assert train.evaluate(mean, None, (x,), batch_size=5) == pytest.approx(2.8)
    both = train.evaluate(lambda p, b: {"m": fnp.mean(b[0]), "mx": p * fnp.max(b[0])}, 2.0,
                          (x,), batch_size=4)
    assert both == pytest.approx({"m": 2.8, "mx": 2.0 * (4 * 1 + 1 * 10) / 5})
    assert train.evaluate(lambda p, xb: fnp.mean(xb), None, x, batch_size=3) == pytest.approx(2.8)
    with pytest.raises(ValueError, match="no examples"):
        train.evaluate(mean, None, (x[:0],), batch_size=2)


def test_predict_concatenates_batches():
    x, y = data.spiral(7, 3, random.key(0))
    params = mlp_init(random.key(1))
    out = train.predict(mlp_apply, params, x, batch_size=4)
    np.testing.assert_allclose(out, mlp_apply(params, x), rtol=1e-5, atol=1e-6)
    assert out.shape == (21, 3) and out.dtype == np.float32
    pair = train.predict(lambda p, b: {"x": b[0], "y": b[1] * 2}, None, (x, y), batch_size=5)
    np.testing.assert_array_equal(pair["y"], y * 2)


# ---------------------------------------------------------------------------
# Ctrl-C, NaN losses, checkpoints and resuming (issue 12)
# ---------------------------------------------------------------------------

def _walk_loss(stop_at=None):
    """A loss for Walk (w = number of steps done) that raises KeyboardInterrupt on its
    ``stop_at``-th call (eager: one call per step, so inside that step; plus one per
    validation batch)."""
    calls = [0]

    def loss(w, batch):
        calls[0] += 1
        if calls[0] == stop_at:
            raise KeyboardInterrupt
        w = fd.tree_util.tree_leaves(w)[0]  # w or {"w": w}
        return (w - 3.0) ** 2 + 0 * fnp.sum(batch[0])
    return loss


def _fit_interrupted(*args, **kwargs):
    """``train.fit`` where a KeyboardInterrupt is expected to be caught by fit itself (one
    escaping would otherwise stop the whole pytest session)."""
    try:
        return train.fit(*args, **kwargs)
    except KeyboardInterrupt:
        pytest.fail("the KeyboardInterrupt escaped train.fit")


def test_keyboard_interrupt_mid_step_returns_the_last_completed_step():
    # 4 steps an epoch; the 11th step (epoch 3, step 3) is interrupted inside loss_fn
    x = np.zeros((8, 1), np.float32)
    out = _Tty()
    w, count, h = _fit_interrupted(_walk_loss(stop_at=11), np.float32(0.0), Walk(), (x,),
                                   epochs=5, batch_size=2, key=random.key(0), jit=False,
                                   progress=out)
    assert float(w) == 10.0 and int(count) == 10  # 10 completed steps, params and state agree
    assert h["interrupted"] is True and len(h["loss"]) == len(h["time"]) == 2
    text = out.getvalue()
    last = text.split("\n")[-2]  # a line of its own, after the half-drawn bar
    assert last == ("fit: interrupted in epoch 3, step 3/4; returning the parameters after "
                    "the last completed step"), text
    assert "\nfit: interrupted" in text
    # an uninterrupted run has no "interrupted" entry
    _, _, h = train.fit(_walk_loss(), np.float32(0.0), Walk(), (x,), epochs=1, batch_size=2,
                        key=random.key(0), jit=False, progress=False)
    assert "interrupted" not in h


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_keyboard_interrupt_during_validation(jit):
    x = np.zeros((8, 1), np.float32)
    calls = [0]

    def metric(w, batch):  # called once per epoch (one validation batch)
        calls[0] += 1
        if calls[0] == 3:
            raise KeyboardInterrupt
        return w

    out = io.StringIO()
    w, count, h = _fit_interrupted(_walk_loss(), np.float32(0.0), Walk(), (x,), epochs=5,
                                   batch_size=4, key=random.key(0), val_data=(x,),
                                   val_batch_size=8, metrics={"w": metric}, jit=jit,
                                   progress=out)
    assert float(w) == 6.0 and int(count) == 6  # all of epoch 3's steps were done
    assert h["val_w"] == [2.0, 4.0] and h["interrupted"] is True
    assert out.getvalue().splitlines()[-1].startswith("fit: interrupted in epoch 3, while "
                                                      "validating; returning")


def test_keyboard_interrupt_between_epochs(tmp_path):
    class Stream(io.StringIO):  # Ctrl-C while printing epoch 2's line, once
        def write(self, text):
            if text.startswith("Epoch 2/") and "Epoch 2/" not in self.getvalue():
                super().write(text)
                raise KeyboardInterrupt
            return super().write(text)

    x = np.zeros((8, 1), np.float32)
    out, path = Stream(), tmp_path / "c.ckpt"
    w, count, h = _fit_interrupted(_walk_loss(), np.float32(0.0), Walk(), (x,), epochs=5,
                                   batch_size=4, key=random.key(0), jit=False, progress=out,
                                   checkpoint=path)
    assert float(w) == 4.0 and int(count) == 4 and len(h["loss"]) == 2 and h["interrupted"]
    assert out.getvalue().splitlines()[-1] == (
        f"fit: interrupted after epoch 2, between epochs; returning the parameters after the "
        f"last completed step (checkpoint of epoch 2: {path})")


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_nan_loss_raises_with_the_last_finite_state(jit, request):
    # w = steps done; sqrt(5.5 - w) is finite up to w = 5, NaN from the 7th step (w = 6),
    # which is epoch 2, step 3 of 4
    x = np.zeros((8, 1), np.float32)
    loss = lambda w, b: fnp.sqrt(5.5 - w) + 0 * fnp.sum(b[0])  # noqa: E731
    kw = dict(epochs=4, batch_size=2, key=random.key(0), jit=jit, progress=False)
    np_errors = np.seterr(invalid="ignore")
    request.addfinalizer(lambda: np.seterr(**np_errors))
    with pytest.raises(FloatingPointError, match=r"loss is nan in epoch 2, step 3/4") as info:
        train.fit(loss, np.float32(0.0), Walk(), (x,), **kw)
    err = info.value
    assert isinstance(err, train.NonFiniteLossError)
    assert float(err.params) == 6.0 and int(err.opt_state) == 6  # before the failing step
    assert (err.epoch, err.step) == (2, 3) and np.isnan(err.loss)
    assert len(err.history["loss"]) == 1 and np.isfinite(err.history["loss"][0])
    assert "on_nan='ignore'" in str(err)
    w, count, h = train.fit(loss, np.float32(0.0), Walk(), (x,), on_nan="ignore", **kw)
    assert float(w) == 16.0 and int(count) == 16 and np.isnan(h["loss"][1:]).all()


def test_infinite_loss_raises_too():
    x, y = _linear_problem(16)
    # a learning rate this large makes the loss overflow float32 within a few steps
    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(FloatingPointError, match=r"loss is (inf|nan) in epoch \d+") as info:
            train.fit(lambda w, b: mse(w, b) * np.float32(1e30), W0, sgd(1e10), (x, y),
                      epochs=5, batch_size=4, key=random.key(0), jit=False, progress=False)
    assert all(np.isfinite(v) for v in fd.tree_util.tree_leaves(info.value.params))
    assert "from before the step before it, whose update was not finite" in str(info.value)


def _ckpt_problem():
    """A 2-8-3 MLP on a small spiral with Adam (namedtuple optimizer states), validation,
    a metric and early stopping: everything a checkpoint has to carry."""
    from funcdl import optim
    x, y = data.spiral(20, 3, random.key(0))
    params = mlp_init(random.key(1), (2, 8, 3))
    return params, optim.adam(0.05), (x, y), dict(
        batch_size=10, key=random.key(2), val_data=(x[::2], y[::2]), val_batch_size=30,
        metrics={"acc": accuracy},
        early_stopping=train.EarlyStopping(10, monitor="val_loss"), progress=False)


def _assert_runs_equal(a, b):
    (pa, sa, ha), (pb, sb, hb) = a, b
    assert fd.tree_util.tree_structure(pa) == fd.tree_util.tree_structure(pb)
    assert fd.tree_util.tree_structure(sa) == fd.tree_util.tree_structure(sb)  # same types
    for u, v in zip(fd.tree_util.tree_leaves((pa, sa)), fd.tree_util.tree_leaves((pb, sb))):
        assert np.asarray(u).dtype == np.asarray(v).dtype
        assert np.asarray(u).tobytes() == np.asarray(v).tobytes()  # bit for bit
    assert sorted(ha) == sorted(hb)
    for k in ha:
        if k != "time":
            assert ha[k] == hb[k], k


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_interrupted_run_resumes_bit_for_bit(tmp_path, jit):
    params, opt, train_data, kw = _ckpt_problem()
    ref = train.fit(xent, params, opt, train_data, epochs=6, jit=jit, **kw)
    assert type(ref[1][0]).__name__ == "ScaleByAdamState"
    path = tmp_path / "run.ckpt"
    calls = [0]

    def acc_then_interrupt(p, batch):  # one validation batch an epoch: stop in epoch 4
        calls[0] += 1
        if calls[0] == 4:
            raise KeyboardInterrupt
        return accuracy(p, batch)

    kw1 = dict(kw, metrics={"acc": acc_then_interrupt})
    _, _, h = _fit_interrupted(xent, params, opt, train_data, epochs=6, jit=jit,
                               checkpoint=path, **kw1)
    assert h["interrupted"] and len(h["loss"]) == 3 and fd.load(path)["epoch"] == 3
    out = io.StringIO()
    resumed = train.fit(xent, params, opt, train_data, epochs=6, jit=jit, checkpoint=path,
                        resume=True, **dict(kw, progress=out))
    _assert_runs_equal(resumed, ref)
    assert type(resumed[1][0]) is type(ref[1][0])
    lines = out.getvalue().splitlines()
    assert lines[0] == f"fit: resuming from {str(path)!r} after epoch 3/6"
    assert [ln.split()[1] for ln in lines[1:4]] == ["4/6", "5/6", "6/6"]
    assert all(ln.startswith("Restored the params of epoch") for ln in lines[4:])
    # resuming a finished run trains nothing and returns the same
    again = train.fit(xent, params, opt, train_data, epochs=6, jit=jit, checkpoint=path,
                      resume=True, **kw)
    _assert_runs_equal(again, ref)
    # ... and raising epochs trains on, as a longer run from the start would
    longer = train.fit(xent, params, opt, train_data, epochs=8, jit=jit, checkpoint=path,
                       resume=True, **kw)
    _assert_runs_equal(longer, train.fit(xent, params, opt, train_data, epochs=8, jit=jit, **kw))


def test_resume_keeps_the_early_stopping_state(tmp_path):
    # as in test_early_stopping_restores_best_params: val_loss is best at epoch 3 and
    # training stops after epoch 5; an interruption in epoch 4 must not change that
    x = np.zeros((4, 1), np.float32)
    loss = lambda w, b: (w - 3.0) ** 2 + 0 * fnp.sum(b[0])  # noqa: E731
    kw = dict(epochs=20, batch_size=4, key=random.key(0), val_data=(x,), early_stopping=2,
              jit=False, progress=False, checkpoint=tmp_path / "es.ckpt")
    # (the loss runs once per step and once per validation: call 7 is epoch 4's step)
    _, _, h = _fit_interrupted(_walk_loss(stop_at=7), np.float32(0.0), Walk(), (x,), **kw)
    assert h["interrupted"] and h["val_loss"] == [4.0, 1.0, 0.0]
    w, count, h = train.fit(loss, np.float32(0.0), Walk(), (x,), resume=True, **kw)
    assert h["val_loss"] == [4.0, 1.0, 0.0, 1.0, 4.0] and float(w) == 3.0 and int(count) == 3
    ck = fd.load(tmp_path / "es.ckpt")
    assert ck["stopped"] and ck["epoch"] == 5 and ck["best"]["epoch"] == 2
    # a run that early stopping ended stays ended: resuming it calls no loss at all
    never = lambda w, b: 1 / 0  # noqa: E731
    w2, count2, h2 = train.fit(never, np.float32(0.0), Walk(), (x,), resume=True, **kw)
    assert float(w2) == 3.0 and int(count2) == 3 and h2["val_loss"] == h["val_loss"]


def test_checkpoint_every_and_what_a_checkpoint_holds(tmp_path, monkeypatch):
    x = np.zeros((8, 1), np.float32)
    path = tmp_path / "walk.ckpt"
    kw = dict(batch_size=4, key=random.key(7), jit=False, progress=False, checkpoint=path,
              checkpoint_every=2)
    saved, real_save = [], fd.checkpoint.save
    monkeypatch.setattr(fd.checkpoint, "save",
                        lambda p, tree: (saved.append(tree["epoch"]), real_save(p, tree)))
    train.fit(_walk_loss(), np.float32(0.0), Walk(), (x,), epochs=5, **kw)
    assert saved == [2, 4, 5]  # every 2 epochs, and the last one
    ck = fd.load(path)
    assert ck["epoch"] == 5 and ck["steps"] == 10 and not ck["stopped"]
    assert ck["key"].tolist() == random.key(7).tolist() and len(ck["history"]["loss"]) == 5
    assert [float(v) for v in ck["params"]] == [10.0]
    assert [int(v) for v in ck["opt_state"]] == [10]
    # Ctrl-C in epoch 4 saves epoch 3, which checkpoint_every=2 had not saved yet
    saved[:] = []
    out = io.StringIO()
    _fit_interrupted(_walk_loss(stop_at=8), np.float32(0.0), Walk(), (x,), epochs=5,
                     **dict(kw, progress=out))
    assert saved == [2, 3] and fd.load(path)["epoch"] == 3
    assert out.getvalue().splitlines()[-1].endswith(f"(checkpoint of epoch 3: {path})")


def test_resume_without_a_file_starts_afresh(tmp_path):
    x = np.zeros((8, 1), np.float32)
    out = io.StringIO()
    path = tmp_path / "new.ckpt"
    w, _, h = train.fit(_walk_loss(), np.float32(0.0), Walk(), (x,), epochs=2, batch_size=4,
                        key=random.key(0), jit=False, progress=out, checkpoint=path, resume=True)
    assert float(w) == 4.0 and len(h["loss"]) == 2 and path.exists()
    assert out.getvalue().startswith(f"fit: no checkpoint at {str(path)!r} yet; starting from "
                                     f"epoch 1\nEpoch 1/2")


def test_bad_checkpoints_are_refused(tmp_path):
    x = np.zeros((8, 1), np.float32)
    path = tmp_path / "c.ckpt"
    kw = dict(batch_size=4, key=random.key(0), jit=False, progress=False, checkpoint=path)
    train.fit(_walk_loss(), {"w": np.float32(0.0)}, Walk(), (x,), epochs=2, **kw)
    good = path.read_bytes()

    def resume(params=None, optimizer=None, **over):
        return train.fit(_walk_loss(), {"w": np.float32(0.0)} if params is None else params,
                         optimizer or Walk(), (x,), epochs=4, resume=True, **dict(kw, **over))

    # corrupted: fd.load's ValueError, not a silent fresh start
    bad = bytearray(good)
    i = good.index(b"leaf_0.npy") + 200
    bad[i] ^= 0xFF
    path.write_bytes(bytes(bad))
    with pytest.raises(ValueError, match="not a valid funcdl checkpoint"):
        resume()
    path.write_bytes(good[: len(good) // 2])  # truncated
    with pytest.raises(ValueError, match="not a valid funcdl checkpoint"):
        resume()
    fd.save(path, {"w": np.float32(1.0)})  # a checkpoint, but not fit's
    with pytest.raises(ValueError, match="not one written by train.fit"):
        resume()
    path.write_bytes(good)
    with pytest.raises(ValueError, match=r"does not fit this model: its params have the "
                                         r"structure PyTreeDef\(\{'w': \*\}\)"):
        resume(params={"v": np.float32(0.0)})
    with pytest.raises(ValueError, match=r"leaf 0 of its params is float32\[\], that of the "
                                         r"params of this call is float32\[2\]"):
        resume(params={"w": np.zeros(2, np.float32)})
    with pytest.raises(ValueError, match=r"leaf 0 of its params is float32\[\].*float64\[\]"):
        resume(params={"w": np.float64(0.0)})
    from funcdl import optim
    with pytest.raises(ValueError, match=r"its opt_state have the structure PyTreeDef\(\*\), "
                                         r"the opt_state of this call have PyTreeDef\(\("):
        resume(optimizer=optim.adam(0.1))
    with pytest.raises(ValueError, match="written by a run with key"):
        resume(key=random.key(1))
    w, _, h = resume()  # the good file still resumes
    assert float(w["w"]) == 8.0 and len(h["loss"]) == 4


def test_fit_new_argument_errors():
    x, y = _linear_problem(16)
    kw = dict(epochs=1, batch_size=4, key=random.key(0), jit=False, progress=False)
    with pytest.raises(ValueError, match="on_nan"):
        train.fit(mse, W0, sgd(0.1), (x, y), on_nan="warn", **kw)
    with pytest.raises(ValueError, match="checkpoint_every"):
        train.fit(mse, W0, sgd(0.1), (x, y), checkpoint="c.ckpt", checkpoint_every=0, **kw)
    with pytest.raises(ValueError, match="resume=True needs checkpoint"):
        train.fit(mse, W0, sgd(0.1), (x, y), resume=True, **kw)
