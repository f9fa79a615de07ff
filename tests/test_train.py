"""funcdl.train: fit (one jitted run on the spiral, the rest eager), evaluate, predict."""
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
