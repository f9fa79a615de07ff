"""Tests of funcdl.nn: activations, initializers, losses, layers and combinators.

Every function is checked against a float64 numpy reference written here from the
documented formula, and its derivatives against finite differences (check_grads, at
points away from kinks). Everything runs eagerly except one small jit check.
"""
import math

import numpy as np
import pytest
import scipy.special

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import nn, random
from funcdl.test_util import check_grads

RNG = np.random.default_rng(0)


def away_from_zero(shape, lo=0.1, hi=3.0, rng=RNG):
    """Random float64 values with lo <= |x| <= hi (no kinks of relu & co nearby)."""
    return rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


def to64(tree):
    return fd.tree_map(lambda a: np.asarray(a, np.float64), tree)


def close(a, b, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------

def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


ACTIVATIONS = [
    # (name, funcdl function, numpy reference)
    ("relu", nn.relu, lambda x: np.maximum(x, 0)),
    ("sigmoid", nn.sigmoid, np_sigmoid),
    ("tanh", nn.tanh, np.tanh),
    ("leaky_relu", nn.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x)),
    ("leaky_relu_0.2", lambda x: nn.leaky_relu(x, negative_slope=0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    ("elu", nn.elu, lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    ("elu_1.5", lambda x: nn.elu(x, alpha=1.5), lambda x: np.where(x > 0, x, 1.5 * (np.exp(x) - 1))),
    ("gelu_tanh", nn.gelu,
     lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    ("gelu_exact", lambda x: nn.gelu(x, approximate=False),
     lambda x: 0.5 * x * (1 + scipy.special.erf(x / np.sqrt(2)))),
    ("softplus", nn.softplus, lambda x: np.log(1 + np.exp(x))),
    ("silu", nn.silu, lambda x: x / (1 + np.exp(-x))),
    ("softmax", nn.softmax, lambda x: np_softmax(x, -1)),
    ("softmax_axis0", lambda x: nn.softmax(x, axis=0), lambda x: np_softmax(x, 0)),
    ("log_softmax", nn.log_softmax, lambda x: np.log(np_softmax(x, -1))),
    ("log_softmax_axis0", lambda x: nn.log_softmax(x, axis=0), lambda x: np.log(np_softmax(x, 0))),
    ("logsumexp", nn.logsumexp, lambda x: np.log(np.sum(np.exp(x)))),
    ("logsumexp_axis1", lambda x: nn.logsumexp(x, axis=1), lambda x: np.log(np.exp(x).sum(1))),
    ("logsumexp_keepdims", lambda x: nn.logsumexp(x, axis=0, keepdims=True),
     lambda x: np.log(np.exp(x).sum(0, keepdims=True))),
    ("logsumexp_axes", lambda x: nn.logsumexp(x, axis=(0, 1)), lambda x: np.log(np.exp(x).sum())),
]
ACT_IDS = [a[0] for a in ACTIVATIONS]


@pytest.mark.parametrize("name,fn,ref", ACTIVATIONS, ids=ACT_IDS)
def test_activation_values_and_grads(name, fn, ref):
    x = away_from_zero((3, 4))
    y = fn(x)
    assert np.shape(y) == np.shape(ref(x))
    close(y, ref(x))
    check_grads(fn, (x,), order=2)


@pytest.mark.parametrize("name,fn,ref", ACTIVATIONS, ids=ACT_IDS)
def test_activation_keeps_float32(name, fn, ref):
    x = away_from_zero((2, 3)).astype(np.float32)
    y = np.asarray(fn(x))
    assert y.dtype == np.float32
    close(y, ref(x.astype(np.float64)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,fn,ref", ACTIVATIONS, ids=ACT_IDS)
def test_activation_stable_at_1e4(name, fn, ref, dtype):
    x = np.array([[-1e4, -30.0, 0.5], [1e4, 30.0, -0.5]], dtype)
    # underflow to 0 (exp(-1e4)) is expected and harmless; overflow, nan or 1/0 are not
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = np.asarray(fn(x))
        g = fd.grad(lambda v: fnp.sum(fn(v)))(x)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(g)), (y, g)


def test_stable_values_at_extremes():
    big = np.array([-1e4, 1e4])
    close(nn.sigmoid(big), [0.0, 1.0])
    close(nn.softplus(big), [0.0, 1e4])
    close(nn.silu(big), [0.0, 1e4])
    close(nn.elu(big), [-1.0, 1e4])
    close(nn.gelu(big), [0.0, 1e4])
    close(nn.logsumexp(np.array([1e4, 1e4])), 1e4 + np.log(2))
    close(nn.log_softmax(np.array([1e4, 0.0])), [0.0, -1e4])
    close(nn.softmax(np.array([1e4, -1e4])), [1.0, 0.0])
    close(fd.grad(lambda v: fnp.sum(nn.sigmoid(v)))(big), [0.0, 0.0])
    close(fd.grad(lambda v: fnp.sum(nn.softplus(v)))(big), [0.0, 1.0])
    close(fd.grad(lambda v: nn.logsumexp(v))(np.array([1e4, 1e4])), [0.5, 0.5])
    # a tiny sigmoid keeps its relative precision
    close(nn.sigmoid(np.array(-40.0)), np_sigmoid(-40.0), rtol=1e-12, atol=0)


def test_derivatives_at_kinks_and_zero():
    g = lambda f: float(fd.grad(lambda v: f(v))(0.0))  # noqa: E731
    assert g(nn.relu) == 0.0
    assert g(nn.sigmoid) == 0.25
    assert g(nn.softplus) == 0.5
    assert g(nn.tanh) == 1.0
    assert g(nn.leaky_relu) == 1.0
    assert g(nn.elu) == 1.0  # exp(0) from the left branch
    close(g(nn.gelu), 0.5)
    close(g(lambda v: nn.gelu(v, approximate=False)), 0.5)
    close(g(nn.silu), 0.5)


def test_logsumexp_with_minus_infinity():
    x = np.array([-np.inf, 0.0, np.log(3.0)])
    close(nn.logsumexp(x), np.log(4.0))
    close(nn.softmax(x), [0.0, 0.25, 0.75])
    g = fd.grad(nn.logsumexp)(x)
    close(g, [0.0, 0.25, 0.75])


def test_softmax_rows_sum_to_one_and_shift_invariance():
    x = RNG.standard_normal((4, 6))
    close(np.sum(nn.softmax(x), axis=-1), np.ones(4))
    close(nn.log_softmax(x + 100.0), nn.log_softmax(x), rtol=1e-9)


def test_one_hot():
    labels = np.array([[0, 3], [2, 1]])
    y = nn.one_hot(labels, 4)
    assert y.shape == (2, 2, 4) and y.dtype == np.float32
    close(y, np.eye(4)[labels])
    close(nn.one_hot(np.array([5, -1]), 3), np.zeros((2, 3)))  # out of range: all zeros
    assert nn.one_hot(np.array([1]), 2, dtype=np.float64).dtype == np.float64


# ---------------------------------------------------------------------------------------
# Initializers
# ---------------------------------------------------------------------------------------

TRUNC = 0.87962566103423978


@pytest.mark.parametrize("init,shape,variance", [
    (nn.glorot_normal(), (300, 400), 2 / 700),
    (nn.glorot_uniform(), (300, 400), 2 / 700),
    (nn.he_normal(), (64, 32, 3, 3), 2 / (32 * 9)),  # OIHW: fan_in = in * kh * kw
    (nn.he_uniform(), (500, 200), 2 / 500),
    (nn.lecun_normal(), (400, 300), 1 / 400),
    (nn.lecun_uniform(), (16, 64, 5, 5), 1 / (64 * 25)),
    (nn.glorot_normal(), (32, 16, 3, 3), 2 / ((16 + 32) * 9)),
    (nn.normal(0.5), (300, 300), 0.25),
], ids=["glorot_normal", "glorot_uniform", "he_normal_conv", "he_uniform", "lecun_normal",
        "lecun_uniform_conv", "glorot_normal_conv", "normal"])
def test_initializer_variance(init, shape, variance):
    w = init(random.key(1), shape)
    assert w.shape == shape and w.dtype == np.float32
    assert abs(float(np.mean(w))) < 0.02 * math.sqrt(variance)
    assert abs(float(np.var(w, dtype=np.float64)) / variance - 1) < 0.03


def test_truncated_normal_initializers_are_truncated_at_two_stddevs():
    fan_in = 200
    w = nn.he_normal()(random.key(2), (fan_in, 500))
    bound = 2 * math.sqrt(2 / fan_in) / TRUNC
    assert np.abs(w).max() <= bound * (1 + 1e-6)
    assert np.abs(w).max() > 0.95 * bound  # the tails are populated up to the cut


@pytest.mark.parametrize("init,limit", [
    (nn.glorot_uniform(), math.sqrt(6 / 700)), (nn.he_uniform(), math.sqrt(6 / 300)),
    (nn.lecun_uniform(), math.sqrt(3 / 300))])
def test_uniform_initializer_bounds(init, limit):
    w = init(random.key(3), (300, 400))
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit


def test_uniform_and_constant_initializers():
    w = nn.uniform(0.2)(random.key(0), (200, 300))
    assert w.min() >= 0 and w.max() < 0.2 and abs(w.mean() - 0.1) < 0.002
    close(nn.constant(1.5)(random.key(0), (2, 3)), np.full((2, 3), 1.5))
    assert nn.zeros(random.key(0), (2, 3)).dtype == np.float32
    close(nn.ones(None, (4,), np.float64), np.ones(4))
    assert nn.ones(None, (4,), np.float64).dtype == np.float64
    assert nn.glorot_normal()(random.key(0), (3, 4), np.float64).dtype == np.float64


def test_initializer_aliases_and_determinism():
    k = random.key(7)
    for a, b in [(nn.xavier_normal, nn.glorot_normal), (nn.xavier_uniform, nn.glorot_uniform),
                 (nn.kaiming_normal, nn.he_normal), (nn.kaiming_uniform, nn.he_uniform)]:
        np.testing.assert_array_equal(a()(k, (5, 6)), b()(k, (5, 6)))
    np.testing.assert_array_equal(nn.he_normal()(k, (5, 6)), nn.he_normal()(k, (5, 6)))
    assert not np.array_equal(nn.he_normal()(k, (5, 6)), nn.he_normal()(random.key(8), (5, 6)))
    assert nn.he_normal()(k, (7,)).shape == (7,)  # 1-d: both fans are the length


def test_orthogonal():
    tall = nn.orthogonal()(random.key(0), (50, 30))
    close(tall.T @ tall, np.eye(30), atol=1e-5, rtol=0)
    wide = nn.orthogonal()(random.key(1), (20, 60))
    close(wide @ wide.T, np.eye(20), atol=1e-5, rtol=0)
    cube = nn.orthogonal(scale=2.0)(random.key(2), (6, 4, 3))  # rows: 24, columns: last axis
    m = cube.reshape(24, 3).astype(np.float64)
    close(m.T @ m, 4 * np.eye(3), atol=1e-5, rtol=0)
    assert tall.dtype == np.float32


# ---------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------

def _np_huber(e, d):
    a = np.abs(e)
    return np.where(a <= d, 0.5 * e ** 2, d * (a - 0.5 * d))


def _np_multiclass_hinge(s, y):
    """The sum-form SVM loss, one value per example, over any leading axes."""
    flat_s, flat_y = s.reshape(-1, s.shape[-1]), y.reshape(-1)
    out = np.zeros(len(flat_y))
    for i in range(len(flat_y)):
        for j in range(s.shape[-1]):
            if j != flat_y[i]:
                out[i] += max(0.0, flat_s[i, j] - flat_s[i, flat_y[i]] + 1)
    return out.reshape(y.shape)


def _np_bce(p, t):
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def _loss_cases():
    """(name, loss, args, optax's unreduced values): one per element for the elementwise
    losses, one per example (the class axis reduced) for the class-axis losses."""
    rng = np.random.default_rng(5)
    p = rng.standard_normal((4, 3))
    t = p + away_from_zero((4, 3), 0.2, 2.0, rng)  # errors away from 0 (mae/huber kinks)
    e = p - t
    e_huber = np.where(np.abs(np.abs(e) - 1.5) < 0.1, e + 0.3, e)
    probs = rng.uniform(0.05, 0.95, (4, 3))
    targets01 = rng.uniform(0, 1, (4, 3))
    logits = rng.standard_normal((5, 4)) * 2
    labels = np.array([0, 3, 1, 2, 3])
    onehot = np.eye(4)[labels]
    cprobs = np_softmax(logits, -1)
    scores = rng.standard_normal(6) * 2
    pm1 = rng.choice([-1.0, 1.0], 6)
    scores = np.where(np.abs(1 - pm1 * scores) < 0.1, scores + 0.3, scores)  # away from the hinge
    ms = np.arange(20.0).reshape(5, 4) * 0.37 % 2.1  # margins away from 0 (checked below)
    np_logsm = np.log(cprobs)
    p3, t3, e3 = (v.reshape(2, 2, 3) for v in (p, t, e))
    logits3, labels3 = logits[:4].reshape(2, 2, 4), labels[:4].reshape(2, 2)
    return [
        ("mse", nn.mse, (p, t), e ** 2),
        ("mse_3d", nn.mse, (p3, t3), e3 ** 2),
        ("mse_1d", nn.mse, (p[:, 0], t[:, 0]), e[:, 0] ** 2),
        ("mae", nn.mae, (p, t), np.abs(e)),
        ("mae_3d", nn.mae, (p3, t3), np.abs(e3)),
        ("huber", lambda a, b, reduction="mean": nn.huber(a, b, delta=1.5, reduction=reduction),
         (p, p - e_huber), _np_huber(e_huber, 1.5)),
        ("huber_default", nn.huber, (p, t), _np_huber(e, 1.0)),
        ("huber_3d", nn.huber, (p3, t3), _np_huber(e3, 1.0)),
        ("binary_cross_entropy", nn.binary_cross_entropy, (probs, targets01),
         _np_bce(probs, targets01)),
        ("sigmoid_binary_cross_entropy", nn.sigmoid_binary_cross_entropy, (p, targets01),
         _np_bce(np_sigmoid(p), targets01)),
        ("sigmoid_binary_cross_entropy_3d", nn.sigmoid_binary_cross_entropy,
         (p3, targets01.reshape(2, 2, 3)), _np_bce(np_sigmoid(p3), targets01.reshape(2, 2, 3))),
        ("categorical_cross_entropy", nn.categorical_cross_entropy, (cprobs, onehot),
         -np.sum(onehot * np.log(cprobs), axis=1)),
        ("softmax_cross_entropy", nn.softmax_cross_entropy, (logits, onehot),
         -np.sum(onehot * np_logsm, axis=1)),
        ("softmax_cross_entropy_soft_targets", nn.softmax_cross_entropy, (logits, np_softmax(-logits, -1)),
         -np.sum(np_softmax(-logits, -1) * np_logsm, axis=1)),
        ("softmax_cross_entropy_3d", nn.softmax_cross_entropy,
         (logits3, np.eye(4)[labels3]), -np.sum(np.eye(4)[labels3] * np.log(np_softmax(logits3, -1)), -1)),
        ("softmax_cross_entropy_with_integer_labels", nn.softmax_cross_entropy_with_integer_labels,
         (logits, labels), -np_logsm[np.arange(5), labels]),
        ("softmax_cross_entropy_with_integer_labels_3d", nn.softmax_cross_entropy_with_integer_labels,
         (logits3, labels3), -np_logsm[np.arange(4), labels[:4]].reshape(2, 2)),
        ("hinge", nn.hinge, (scores, pm1), np.maximum(0, 1 - pm1 * scores)),
        ("hinge_2d", nn.hinge, (scores.reshape(2, 3), pm1.reshape(2, 3)),
         np.maximum(0, 1 - pm1 * scores).reshape(2, 3)),
        ("multiclass_hinge", nn.multiclass_hinge, (ms, labels), _np_multiclass_hinge(ms, labels)),
        ("multiclass_hinge_3d", nn.multiclass_hinge, (ms[:4].reshape(2, 2, 4), labels3),
         _np_multiclass_hinge(ms[:4].reshape(2, 2, 4), labels3)),
    ]


LOSS_CASES = _loss_cases()


@pytest.mark.parametrize("name,fn,args,unreduced", LOSS_CASES, ids=[c[0] for c in LOSS_CASES])
def test_loss_values_and_grads(name, fn, args, unreduced):
    """API.md 6: "none" is optax's unreduced values, "sum" their sum, "mean" their mean."""
    none = fn(*args, reduction="none")
    assert np.shape(none) == unreduced.shape
    close(none, unreduced)
    close(fn(*args), unreduced.mean())
    close(fn(*args, reduction="mean"), unreduced.mean())
    close(fn(*args, reduction="sum"), unreduced.sum())
    close(fn(*args, reduction="sum"), np.sum(none))
    rest = args[1:]
    check_grads(lambda x: fn(x, *rest), args[:1], order=2)
    check_grads(lambda x: fn(x, *rest, reduction="none"), args[:1], order=1)


def test_loss_case_shapes():
    """Elementwise losses keep the predictions' shape, class-axis losses drop the last axis."""
    elementwise = ("mse", "mae", "huber", "binary_cross_entropy", "sigmoid_binary_cross_entropy",
                   "hinge")
    for name, _, args, unreduced in LOSS_CASES:
        if name.startswith(elementwise):
            assert unreduced.shape == np.shape(args[0]), name
        else:
            assert unreduced.shape == np.shape(args[0])[:-1], name


def test_multiclass_hinge_margins_are_away_from_kinks():
    _, _, (s, y), _ = [c for c in LOSS_CASES if c[0] == "multiclass_hinge"][0]
    m = s - s[np.arange(len(y)), y][:, None] + 1
    m[np.arange(len(y)), y] = 5.0
    assert np.abs(m).min() > 0.02


def test_losses_wrt_targets():
    p, t = RNG.standard_normal((3, 2)), RNG.standard_normal((3, 2))
    check_grads(lambda b: nn.mse(p, b), (t,), order=2)
    logits = RNG.standard_normal((3, 4))
    check_grads(lambda q: nn.softmax_cross_entropy(logits, q), (np_softmax(logits, -1),), order=1)


def test_probabilities_are_clipped():
    eps = 1e-7
    with np.errstate(divide="raise", invalid="raise"):
        bce = nn.binary_cross_entropy(np.array([0.0, 1.0]), np.array([1.0, 0.0]), reduction="none")
        cce = nn.categorical_cross_entropy(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
        g = fd.grad(lambda q: nn.binary_cross_entropy(q, np.array([1.0, 0.0])))(np.array([0.0, 1.0]))
    close(bce, [-np.log(eps)] * 2, rtol=1e-6)
    close(cce, -np.log(eps), rtol=1e-6)
    assert np.all(np.isfinite(g))
    # logits far out are exact and finite
    close(nn.sigmoid_binary_cross_entropy(np.array([-1e4, 1e4]), np.array([1.0, 0.0]),
                                          reduction="none"), [1e4, 1e4])


def test_loss_dtype_and_errors():
    p = np.ones((4, 3), np.float32)
    assert np.asarray(nn.mse(p, np.zeros((4, 3), np.float32))).dtype == np.float32
    assert np.asarray(nn.softmax_cross_entropy_with_integer_labels(p, np.zeros(4, np.int32))).dtype \
        == np.float32
    # integer targets take the predictions' dtype
    assert np.asarray(nn.binary_cross_entropy(p / 2, np.ones((4, 3), np.int64))).dtype == np.float32
    assert np.asarray(nn.hinge(p[:, 0], np.array([1, -1, 1, -1]))).dtype == np.float32
    assert np.asarray(nn.softmax_cross_entropy(p, np.eye(3, dtype=np.int64)[[0, 1, 2, 0]])).dtype \
        == np.float32
    with pytest.raises(ValueError, match="reduction"):
        nn.mse(p, p, reduction="avg")
    with pytest.raises(ValueError, match="same shape"):
        nn.mse(p, p[:, :2])
    with pytest.raises(TypeError, match="integers"):
        nn.softmax_cross_entropy_with_integer_labels(p, np.zeros(4))


def test_penalties():
    params = {"a": np.array([1.0, -2.0]), "b": (np.array([[3.0]]), {"c": np.array(-0.5)})}
    close(nn.l1_penalty(params), 6.5)
    close(nn.l2_penalty(params), 0.5 * (1 + 4 + 9 + 0.25))
    g2 = fd.grad(nn.l2_penalty)(params)
    close(fd.tree_util.tree_leaves(g2)[0], params["a"])
    g1 = fd.grad(nn.l1_penalty)(params)
    close(fd.tree_util.tree_leaves(g1)[0], np.sign(params["a"]))
    check_grads(nn.l2_penalty, (params,), order=2)


# ---------------------------------------------------------------------------------------
# Layers: shapes and gradients
# ---------------------------------------------------------------------------------------

LAYER_CASES = [
    # (id, layer, input shape, apply kwargs)
    ("dense", nn.Dense(3), (2, 4), {}),
    ("dense_3d", nn.Dense(2, b_init=nn.normal(1.0)), (2, 3, 4), {}),
    ("conv_same", nn.Conv2D(3, 3, padding="SAME"), (2, 2, 5, 5), {}),
    ("conv_strided", nn.Conv2D(2, (2, 3), stride=2), (1, 2, 5, 7), {}),
    ("conv_dilated", nn.Conv2D(2, 2, padding=1, dilation=2), (1, 1, 4, 4), {}),
    ("max_pool", nn.MaxPool(2), (2, 2, 4, 4), {}),
    ("max_pool_strided", nn.MaxPool((3, 2), stride=1), (1, 2, 5, 4), {}),
    ("avg_pool", nn.AvgPool(2, stride=1), (1, 2, 3, 4), {}),
    ("flatten", nn.Flatten(), (2, 3, 2, 2), {}),
    ("dropout_eval", nn.Dropout(0.5), (3, 4), {}),
    ("dropout_train", nn.Dropout(0.5), (3, 4), {"train": True, "key": random.key(3)}),
    ("dropconnect_train", nn.DropConnect(3, 0.4), (2, 5), {"train": True, "key": random.key(4)}),
    ("batchnorm_train", nn.BatchNorm(), (6, 3), {"train": True}),
    ("batchnorm_train_nchw", nn.BatchNorm(), (3, 2, 2, 2), {"train": True}),
    ("batchnorm_eval", nn.BatchNorm(), (4, 3), {}),
    ("layernorm", nn.LayerNorm(), (3, 5), {}),
    ("relu", nn.Relu(), (3, 4), {}),
    ("sigmoid", nn.Sigmoid(), (3, 4), {}),
    ("tanh", nn.Tanh(), (3, 4), {}),
    ("leaky_relu", nn.LeakyRelu(0.1), (3, 4), {}),
    ("elu", nn.Elu(0.5), (3, 4), {}),
    ("gelu", nn.Gelu(approximate=False), (3, 4), {}),
    ("softmax", nn.Softmax(), (3, 4), {}),
    ("log_softmax", nn.LogSoftmax(axis=0), (3, 4), {}),
    ("simple_rnn", nn.SimpleRNN(4), (2, 3, 3), {}),
    ("simple_rnn_last", nn.SimpleRNN(4, return_sequences=False), (2, 3, 3), {}),
    ("jordan_rnn", nn.JordanRNN(4, 2), (2, 3, 3), {}),
    ("lstm", nn.LSTM(3), (2, 3, 2), {}),
    ("lstm_peephole", nn.LSTM(3, peephole=True), (2, 3, 2), {}),
    ("gru", nn.GRU(3, return_sequences=False), (2, 3, 2), {}),
    ("serial", nn.serial(nn.Conv2D(2, 2), nn.Relu(), nn.MaxPool(2), nn.Flatten(), nn.Dense(3),
                         nn.Dropout(0.3), nn.Tanh()), (2, 1, 5, 5), {"train": True, "key": random.key(5)}),
    ("residual", nn.serial(nn.FanOut(2), nn.parallel(nn.Dense(4), nn.Identity()), nn.FanInSum()),
     (2, 4), {}),
    ("concat", nn.serial(nn.FanOut(3), nn.parallel(nn.Dense(2), nn.Tanh(), nn.Dense(1)),
                         nn.FanInConcat()), (2, 4), {}),
]


def _randomize(params, rng):
    """Random float64 values in the params' shapes (so peepholes, BN scales etc. matter)."""
    return fd.tree_map(lambda a: rng.standard_normal(np.shape(a)) * 0.7, params)


@pytest.mark.parametrize("name,layer,shape,kwargs", LAYER_CASES, ids=[c[0] for c in LAYER_CASES])
def test_layer_shape_and_grads(name, layer, shape, kwargs):
    rng = np.random.default_rng(11)
    params, state = layer.init(random.key(0), shape)
    for leaf in fd.tree_util.tree_leaves(params):
        assert leaf.dtype == np.float32
    x32 = rng.standard_normal(shape).astype(np.float32)
    y32, _ = layer.apply(params, state, x32, **kwargs)
    assert y32.shape == layer.output_shape(shape)
    assert y32.dtype == np.float32

    params, state = _randomize(params, rng), to64(state)
    if name == "batchnorm_eval":
        state = {"mean": rng.standard_normal(3), "var": rng.uniform(0.5, 2.0, 3)}
    x = rng.standard_normal(shape)

    def f(p, x):
        return layer.apply(p, state, x, **kwargs)[0]

    assert f(params, x).dtype == np.float64
    check_grads(f, (params, x), order=1)


def test_layers_unpack_as_pairs_and_repr():
    init, apply = nn.Dense(3)
    params, state = init(random.key(0), (1, 2))
    y, state = apply(params, state, np.ones((1, 2), np.float32))
    assert y.shape == (1, 3) and state == ()
    assert repr(nn.serial(nn.Dense(3), nn.Relu())) == "serial(Dense(3), Relu())"
    assert nn.Relu().init(random.key(0), (2, 3)) == ((), ())


def test_dense_and_conv_reference():
    rng = np.random.default_rng(1)
    dense = nn.Dense(3)
    p = _randomize(dense.init(random.key(0), (4, 5))[0], rng)
    x = rng.standard_normal((4, 5))
    close(dense.apply(p, (), x)[0], x @ p["w"] + p["b"])
    conv = nn.Conv2D(2, 3, stride=2, padding="SAME")
    p = _randomize(conv.init(random.key(0), (1, 2, 5, 5))[0], rng)
    x = rng.standard_normal((1, 2, 5, 5))
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))  # SAME for 5, k3, s2: out 3, pad 1+1
    want = np.zeros((1, 2, 3, 3))
    for o in range(2):
        for i in range(3):
            for j in range(3):
                want[0, o, i, j] = np.sum(xp[0, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3] * p["w"][o]) + p["b"][o]
    close(conv.apply(p, (), x)[0], want)
    assert conv.output_shape((1, 2, 5, 5)) == (1, 2, 3, 3)


def test_flatten_and_pool_values():
    x = np.arange(2 * 3 * 4.0).reshape(2, 3, 2, 2)
    close(nn.Flatten().apply((), (), x)[0], x.reshape(2, 12))
    img = np.arange(16.0).reshape(1, 1, 4, 4)
    close(nn.MaxPool(2).apply((), (), img)[0], [[[[5, 7], [13, 15]]]])
    close(nn.AvgPool(2).apply((), (), img)[0], [[[[2.5, 4.5], [10.5, 12.5]]]])
    assert nn.MaxPool(3, stride=2).output_shape((1, 1, 7, 8)) == (1, 1, 3, 3)
    close(nn.max_pool(img, 2), nn.MaxPool(2).apply((), (), img)[0])


# ---------------------------------------------------------------------------------------
# Dropout, DropConnect, BatchNorm, LayerNorm
# ---------------------------------------------------------------------------------------

def test_dropout_statistics():
    rate = 0.3
    layer = nn.Dropout(rate)
    x = np.ones((200, 500), np.float32)
    y, state = layer.apply((), (), x, key=random.key(0), train=True)
    assert state == () and y.dtype == np.float32
    dropped = np.mean(y == 0)
    assert abs(dropped - rate) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / (1 - rate), rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.015  # inverted dropout preserves the mean
    y2, _ = layer.apply((), (), x, key=random.key(0), train=True)
    np.testing.assert_array_equal(y, y2)  # same key, same mask
    y3, _ = layer.apply((), (), x, key=random.key(1), train=True)
    assert not np.array_equal(y, y3)


def test_dropout_eval_and_errors():
    x = RNG.standard_normal((3, 4))
    layer = nn.Dropout(0.5)
    np.testing.assert_array_equal(layer.apply((), (), x)[0], x)
    np.testing.assert_array_equal(layer.apply((), (), x, key=random.key(0))[0], x)
    np.testing.assert_array_equal(nn.Dropout(0.0).apply((), (), x, train=True)[0], x)
    np.testing.assert_array_equal(nn.Dropout(1.0).apply((), (), x, key=random.key(0), train=True)[0],
                                  np.zeros_like(x))
    with pytest.raises(ValueError, match="key"):
        layer.apply((), (), x, train=True)
    with pytest.raises(ValueError, match="key"):
        nn.serial(nn.Dense(2), nn.Dropout(0.1)).apply(
            *nn.serial(nn.Dense(2), nn.Dropout(0.1)).init(random.key(0), (3, 4)), x, train=True)
    with pytest.raises(ValueError, match="rate"):
        nn.Dropout(1.5)


def test_dropconnect():
    rate = 0.25
    layer = nn.DropConnect(300, rate)
    params, state = layer.init(random.key(0), (200, 200))
    params = to64(params)
    params["b"] = RNG.standard_normal(300)
    eye = np.eye(200)
    # evaluation: exactly a Dense layer
    close(layer.apply(params, state, eye)[0], params["w"] + params["b"])
    close(layer.apply(params, state, eye)[0], nn.Dense(300).apply(params, state, eye)[0])
    # training on the identity reads off the effective weights
    y, _ = layer.apply(params, state, eye, key=random.key(1), train=True)
    w_eff = y - params["b"]
    kept = np.abs(w_eff) > 0
    assert abs(1 - kept.mean() - rate) < 0.01
    close(w_eff[kept], params["w"][kept] / (1 - rate))
    # one mask for the whole batch: a repeated example gives repeated outputs
    x = np.repeat(RNG.standard_normal((1, 200)), 3, axis=0)
    y, _ = layer.apply(params, state, x, key=random.key(2), train=True)
    close(y[0], y[2])
    with pytest.raises(ValueError, match="key"):
        layer.apply(params, state, x, train=True)


def test_batchnorm_train_eval_and_running_stats():
    rng = np.random.default_rng(2)
    layer = nn.BatchNorm(momentum=0.8, eps=1e-3)
    x = rng.standard_normal((8, 3, 4, 5)) * np.array([1.0, 3.0, 0.5])[None, :, None, None] + 2.0
    params, state = layer.init(random.key(0), x.shape)
    assert set(params) == {"scale", "offset"} and set(state) == {"mean", "var"}
    close(state["mean"], np.zeros(3))
    close(state["var"], np.ones(3))
    state = to64(state)
    params = {"scale": np.array([1.0, 2.0, 0.5]), "offset": np.array([0.0, -1.0, 3.0])}
    y, new_state = layer.apply(params, state, x, train=True)
    mean = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3))  # biased
    bshape = (1, 3, 1, 1)
    want = ((x - mean.reshape(bshape)) / np.sqrt(var.reshape(bshape) + 1e-3)
            * params["scale"].reshape(bshape) + params["offset"].reshape(bshape))
    close(y, want, rtol=1e-9)
    close(new_state["mean"], 0.8 * 0 + 0.2 * mean)
    close(new_state["var"], 0.8 * 1 + 0.2 * var)
    # evaluation uses (and keeps) the running statistics
    z, same_state = layer.apply(params, new_state, x)
    rm, rv = new_state["mean"].reshape(bshape), new_state["var"].reshape(bshape)
    close(z, (x - rm) / np.sqrt(rv + 1e-3) * params["scale"].reshape(bshape)
          + params["offset"].reshape(bshape), rtol=1e-9)
    close(same_state["mean"], new_state["mean"])
    # running statistics converge to the data's under repeated training steps
    s = state
    for _ in range(60):
        _, s = layer.apply(params, s, x, train=True)
    close(s["mean"], mean, rtol=1e-4)
    close(s["var"], var, rtol=1e-4)
    # no gradient flows into the running statistics
    g = fd.grad(lambda v: fnp.sum(layer.apply(params, state, v, train=True)[1]["mean"]))(x)
    close(g, np.zeros_like(x))


def test_batchnorm_normalises_features_of_2d_inputs():
    x = RNG.standard_normal((50, 4)) * 5 + 3
    y, _ = nn.BatchNorm().apply(*nn.BatchNorm().init(random.key(0), x.shape), x, train=True)
    close(y.mean(0), np.zeros(4), atol=1e-6)
    close(y.var(0), np.ones(4), rtol=1e-4)


def test_layernorm_reference():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 6)) * 4 + 1
    params = {"scale": rng.standard_normal(6), "offset": rng.standard_normal(6)}
    y, _ = nn.LayerNorm(eps=1e-4).apply(params, (), x)
    mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    close(y, (x - mu) / np.sqrt(var + 1e-4) * params["scale"] + params["offset"], rtol=1e-9)


# ---------------------------------------------------------------------------------------
# Recurrent layers against plain numpy loops
# ---------------------------------------------------------------------------------------

def _np_sig(z):
    return 1 / (1 + np.exp(-z))


def _rnn_setup(layer, shape, seed):
    rng = np.random.default_rng(seed)
    params, _ = layer.init(random.key(seed), shape)
    return _randomize(params, rng), rng.standard_normal(shape)


def test_simple_rnn_reference():
    layer = nn.SimpleRNN(5)
    p, x = _rnn_setup(layer, (3, 4, 2), 0)
    h = np.zeros((3, 5))
    hs = []
    for t in range(4):
        h = np.tanh(x[:, t] @ p["w"] + h @ p["u"] + p["b"])
        hs.append(h)
    close(layer.apply(p, (), x)[0], np.stack(hs, 1))
    close(nn.SimpleRNN(5, return_sequences=False).apply(p, (), x)[0], h)


def test_jordan_rnn_reference():
    layer = nn.JordanRNN(5, 2)
    p, x = _rnn_setup(layer, (3, 4, 2), 1)
    assert p["u"].shape == (2, 5) and p["v"].shape == (5, 2)
    y = np.zeros((3, 2))
    ys = []
    for t in range(4):
        h = np.tanh(x[:, t] @ p["w"] + y @ p["u"] + p["b"])
        y = h @ p["v"] + p["c"]
        ys.append(y)
    out, _ = layer.apply(p, (), x)
    assert out.shape == (3, 4, 2) == layer.output_shape((3, 4, 2))
    close(out, np.stack(ys, 1))


@pytest.mark.parametrize("peephole", [False, True])
def test_lstm_reference(peephole):
    layer = nn.LSTM(4, peephole=peephole)
    p, x = _rnn_setup(layer, (2, 5, 3), 2)
    H = 4
    w = {g: p["w"][:, k * H:(k + 1) * H] for k, g in enumerate("ifgo")}
    u = {g: p["u"][:, k * H:(k + 1) * H] for k, g in enumerate("ifgo")}
    b = {g: p["b"][k * H:(k + 1) * H] for k, g in enumerate("ifgo")}
    pi, pf, po = (p["p_i"], p["p_f"], p["p_o"]) if peephole else (0, 0, 0)
    h, c = np.zeros((2, H)), np.zeros((2, H))
    hs = []
    for t in range(5):
        xt = x[:, t]
        i = _np_sig(xt @ w["i"] + h @ u["i"] + b["i"] + pi * c)
        f = _np_sig(xt @ w["f"] + h @ u["f"] + b["f"] + pf * c)
        g = np.tanh(xt @ w["g"] + h @ u["g"] + b["g"])
        c = f * c + i * g
        o = _np_sig(xt @ w["o"] + h @ u["o"] + b["o"] + po * c)
        h = o * np.tanh(c)
        hs.append(h)
    close(layer.apply(p, (), x)[0], np.stack(hs, 1))


def test_lstm_init():
    params, _ = nn.LSTM(3).init(random.key(0), (1, 2, 5))
    assert sorted(params) == ["b", "u", "w"]
    close(params["b"], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])  # forget-gate bias 1
    u = params["u"].astype(np.float64)
    close(u @ u.T, np.eye(3), atol=1e-6)  # orthogonal recurrent weights


def test_gru_reference():
    layer = nn.GRU(4)
    p, x = _rnn_setup(layer, (2, 5, 3), 3)
    H = 4
    w = {g: p["w"][:, k * H:(k + 1) * H] for k, g in enumerate("zrn")}
    u = {g: p["u"][:, k * H:(k + 1) * H] for k, g in enumerate("zrn")}
    b = {g: p["b"][k * H:(k + 1) * H] for k, g in enumerate("zrn")}
    h = np.zeros((2, H))
    hs = []
    for t in range(5):
        xt = x[:, t]
        z = _np_sig(xt @ w["z"] + h @ u["z"] + b["z"])
        r = _np_sig(xt @ w["r"] + h @ u["r"] + b["r"])
        n = np.tanh(xt @ w["n"] + (r * h) @ u["n"] + b["n"])
        h = z * h + (1 - z) * n
        hs.append(h)
    close(layer.apply(p, (), x)[0], np.stack(hs, 1))


def test_recurrent_shape_errors():
    layer = nn.GRU(4)
    with pytest.raises(ValueError, match="B, T, F"):
        layer.apply(*layer.init(random.key(0), (2, 3, 5)), np.ones((2, 5)))
    with pytest.raises(ValueError, match="3 axes"):
        layer.init(random.key(0), (2, 5))


# ---------------------------------------------------------------------------------------
# Combinators
# ---------------------------------------------------------------------------------------

def test_serial_composes_and_splits_keys():
    net = nn.serial(nn.Dense(4), nn.Tanh(), nn.Dense(4))
    params, state = net.init(random.key(0), (3, 4))
    assert len(params) == 3 and params[1] == () and state == ((), (), ())
    assert not np.allclose(params[0]["w"], params[2]["w"])  # a key per layer
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    want = np.tanh(x @ params[0]["w"] + params[0]["b"]) @ params[2]["w"] + params[2]["b"]
    close(net.apply(params, state, x)[0], want, rtol=1e-5, atol=1e-6)
    # two dropout layers get different keys, hence different masks
    drops = nn.serial(nn.Dropout(0.5), nn.Dropout(0.5))
    ones = np.ones((1, 1000))
    y, _ = drops.apply(*drops.init(random.key(0), (1, 1000)), ones, key=random.key(1), train=True)
    assert abs(np.mean(y == 0) - 0.75) < 0.05  # independent masks: 1 - 0.5 * 0.5
    assert net.output_shape((7, 4)) == (7, 4)


def test_serial_threads_state():
    net = nn.serial(nn.Dense(3), nn.BatchNorm(), nn.Relu())
    params, state = net.init(random.key(0), (8, 2))
    x = RNG.standard_normal((8, 2)).astype(np.float32)
    _, new_state = net.apply(params, state, x, train=True)
    assert not np.allclose(new_state[1]["mean"], state[1]["mean"])
    _, eval_state = net.apply(params, new_state, x)
    close(eval_state[1]["var"], new_state[1]["var"])


def test_parallel():
    net = nn.parallel(nn.Dense(2), nn.Relu())
    shapes = ((3, 4), (3, 5))
    params, state = net.init(random.key(0), shapes)
    x1, x2 = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 5))
    (y1, y2), state = net.apply(params, state, (x1, x2))
    assert (y1.shape, y2.shape) == net.output_shape(shapes) == ((3, 2), (3, 5))
    close(y2, np.maximum(x2, 0))
    with pytest.raises(ValueError, match="2 inputs"):
        net.apply(params, state, (x1,))


def test_combinator_errors_teach():
    with pytest.raises(TypeError, match=r"Relu\(\)"):
        nn.serial(nn.Dense(2), nn.Relu)
    with pytest.raises(TypeError, match="layer"):
        nn.parallel(nn.Dense(2), lambda x: x)


# ---------------------------------------------------------------------------------------
# Transforms over layers, and training
# ---------------------------------------------------------------------------------------

def test_vmap_over_examples_matches_batch():
    net = nn.serial(nn.Dense(5), nn.Gelu(), nn.Dense(3), nn.LogSoftmax())
    params, state = net.init(random.key(0), (1, 4))
    x = RNG.standard_normal((6, 4)).astype(np.float32)
    one = lambda xi: net.apply(params, state, xi[None])[0][0]  # noqa: E731
    close(fd.vmap(one)(x), net.apply(params, state, x)[0], rtol=1e-5, atol=1e-6)


def test_jit_training_step_matches_eager():
    # the only jit in this file (a cold compile takes seconds); Dropout is left out because
    # its random bits double the compile time
    net = nn.serial(nn.Dense(8), nn.Relu(), nn.Dense(3))
    params, state = net.init(random.key(0), (-1, 4))
    x = RNG.standard_normal((16, 4)).astype(np.float32)
    y = RNG.integers(0, 3, 16)

    def loss(p, x, y):
        logits, _ = net.apply(p, state, x, train=True)
        return nn.softmax_cross_entropy_with_integer_labels(logits, y) + 1e-3 * nn.l2_penalty(p)

    step = fd.value_and_grad(loss)
    eager = step(params, x, y)
    jitted = fd.jit(step)(params, x, y)
    close(jitted[0], eager[0], rtol=1e-5)
    for a, b in zip(fd.tree_util.tree_leaves(jitted[1]), fd.tree_util.tree_leaves(eager[1])):
        close(a, b, rtol=1e-4, atol=1e-6)


def test_mlp_learns_two_circles():
    rng = np.random.default_rng(0)
    n = 200
    radius = np.concatenate([rng.uniform(0, 1, n // 2), rng.uniform(1.6, 2.4, n // 2)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1).astype(np.float32)
    y = np.repeat([0, 1], n // 2)

    net = nn.serial(nn.Dense(16), nn.Tanh(), nn.Dense(2))
    params, state = net.init(random.key(0), x.shape)

    def loss(p):
        return nn.softmax_cross_entropy_with_integer_labels(net.apply(p, state, x)[0], y)

    grad = fd.grad(loss)
    for _ in range(150):
        params = fd.tree_map(lambda p, g: p - 0.5 * g, params, grad(params))
    accuracy = np.mean(np.argmax(net.apply(params, state, x)[0], axis=1) == y)
    assert accuracy >= 0.97, accuracy


@pytest.mark.parametrize("x_shape, w_shape, stride, dilation, pad, groups", [
    ((4, 2, 9, 8), (6, 1, 3, 2), 2, 1, 1, 2),      # few kernel taps: a column of patches per tap
    ((1, 16, 12, 12), (3, 16, 10, 10), 1, 1, 0, 1),  # image-sized kernel: a row per output position
    ((2, 3, 7, 7), (4, 3, 3, 3), 1, 2, 2, 1)])
def test_conv2d_kernel_matches_direct_sum_in_both_im2col_orders(x_shape, w_shape, stride, dilation, pad, groups):
    from funcdl import _kernels
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    n, c, h, wd = x_shape
    o, cg, kh, kw = w_shape
    ho = (h + 2 * pad - dilation * (kh - 1) - 1) // stride + 1
    wo = (wd + 2 * pad - dilation * (kw - 1) - 1) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    want = np.zeros((n, o, ho, wo))
    for oi in range(o):
        g = oi // (o // groups)
        for a in range(kh):
            for b in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg, a * dilation:a * dilation + stride * ho:stride,
                           b * dilation:b * dilation + stride * wo:stride]
                want[:, oi] += np.einsum("nchw,c->nhw", patch[:, :, :ho, :wo], w[oi, :, a, b])
    got = _kernels.conv2d(x, w, stride, stride, dilation, dilation, pad, pad, pad, pad, groups, ho, wo)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


# -- the rest of jax.nn's activations, against their formulas ----------------------------

def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.logaddexp(x, 0)


_ACTIVATIONS = [
    ("celu", lambda x: nn.celu(x, 0.7), lambda x: np.maximum(x, 0) + 0.7 * np.minimum(np.expm1(x / 0.7), 0)),
    ("hard_sigmoid", nn.hard_sigmoid, lambda x: np.clip(x + 3, 0, 6) / 6),
    ("hard_silu", nn.hard_silu, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    ("hard_tanh", nn.hard_tanh, lambda x: np.clip(x, -1, 1)),
    ("identity", nn.identity, lambda x: x),
    ("log1mexp", lambda x: nn.log1mexp(fnp.abs(x) + 1e-3), lambda x: np.log(-np.expm1(-(np.abs(x) + 1e-3)))),
    ("log_sigmoid", nn.log_sigmoid, lambda x: -_softplus(-x)),
    ("mish", nn.mish, lambda x: x * np.tanh(_softplus(x))),
    ("relu6", nn.relu6, lambda x: np.clip(x, 0, 6)),
    ("soft_sign", nn.soft_sign, lambda x: x / (np.abs(x) + 1)),
    ("sparse_plus", nn.sparse_plus, lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4))),
    ("sparse_sigmoid", nn.sparse_sigmoid, lambda x: np.clip((x + 1) / 2, 0, 1)),
    ("squareplus", nn.squareplus, lambda x: (x + np.sqrt(x * x + 4)) / 2),
    ("swish", nn.swish, lambda x: x * _sigmoid(x)),
    ("glu", nn.glu, lambda x: x[..., :2] * _sigmoid(x[..., 2:])),
    ("standardize", nn.standardize, lambda x: (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)),
    ("logmeanexp", lambda x: nn.logmeanexp(x, axis=1), lambda x: np.log(np.mean(np.exp(x), axis=1))),
]


@pytest.mark.parametrize("name,fn,ref", _ACTIVATIONS, ids=[a[0] for a in _ACTIVATIONS])
def test_jax_nn_activations(name, fn, ref):
    x = np.random.default_rng(5).uniform(-7, 7, (3, 4)) + 0.013  # away from the kinks
    np.testing.assert_allclose(fn(x), ref(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fd.jit(fn)(x), ref(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fd.vmap(fn)(x[None])[0], ref(x), rtol=1e-12, atol=1e-12)
    check_grads(fn, (x,), order=1)


def test_relu6_has_zero_derivative_at_its_kinks():
    np.testing.assert_array_equal(fd.vmap(fd.grad(nn.relu6))(np.array([0.0, 6.0, 3.0])), [0.0, 0.0, 1.0])


def _attention_reference(q, k, v, bias=None, mask=None, causal=False):
    n, kv_heads = q.shape[2], k.shape[2]
    k, v = np.repeat(k, n // kv_heads, axis=2), np.repeat(v, n // kv_heads, axis=2)
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(q.shape[-1])
    if bias is not None:
        logits = logits + bias
    keep = np.ones(logits.shape, bool) if mask is None else np.broadcast_to(mask, logits.shape)
    if causal:
        keep = keep & np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(keep, logits, -np.inf)
    w = np.exp(logits - logits.max(-1, keepdims=True))
    w = w / w.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", w, v)


@pytest.mark.parametrize("kv_heads,causal,with_mask", [(4, False, False), (2, True, False), (1, False, True)])
def test_dot_product_attention(kv_heads, causal, with_mask):
    rng = np.random.default_rng(8)
    q = rng.standard_normal((2, 5, 4, 3))
    k, v = rng.standard_normal((2, 5, kv_heads, 3)), rng.standard_normal((2, 5, kv_heads, 3))
    bias = rng.standard_normal((1, 4, 5, 5))
    mask = rng.random((2, 1, 5, 5)) > 0.3 if with_mask else None
    if mask is not None:
        mask[..., 0] = True  # every query keeps one key
    want = _attention_reference(q, k, v, bias, mask, causal)
    got = nn.dot_product_attention(q, k, v, bias, mask, is_causal=causal)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fd.jit(lambda q, k, v: nn.dot_product_attention(q, k, v, bias, mask, is_causal=causal))(q, k, v),
                               want, rtol=1e-10, atol=1e-12)
    check_grads(lambda q, k, v: nn.dot_product_attention(q, k, v, bias, mask, is_causal=causal), (q, k, v), order=1)
    unbatched = nn.dot_product_attention(q[0], k[0], v[0], is_causal=causal)
    np.testing.assert_allclose(unbatched, _attention_reference(q[:1], k[:1], v[:1], causal=causal)[0], rtol=1e-10)
