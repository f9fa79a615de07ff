"""``funcdl.example_libraries``: stax's layer conventions and jax.example_libraries'
optimizers, against independent numpy references."""
import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import random
from funcdl.example_libraries import optimizers, stax

KEY = random.PRNGKey(0)
RNG = np.random.default_rng(0)


# -- stax ---------------------------------------------------------------------------------


def test_init_fun_returns_output_shape_then_params():
    init_fun, apply_fun = stax.serial(stax.Dense(4), stax.Relu, stax.Dense(2))
    out_shape, params = init_fun(KEY, (-1, 3))
    assert out_shape == (-1, 2)
    assert [tuple(np.shape(p) for p in layer) for layer in params] == [((3, 4), (4,)), (), ((4, 2), (2,))]
    x = RNG.standard_normal((5, 3)).astype(np.float32)
    (w1, b1), _, (w2, b2) = params
    want = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    np.testing.assert_allclose(apply_fun(params, x), want, rtol=1e-6)


def test_parameterless_layers_are_pairs():
    for layer in (stax.Relu, stax.Tanh, stax.Flatten, stax.LogSoftmax, stax.Softplus, stax.Identity,
                  stax.FanInSum, stax.Gelu, stax.Selu, stax.Sigmoid, stax.Elu, stax.LeakyRelu, stax.Exp):
        init_fun, apply_fun = layer
        assert callable(init_fun) and callable(apply_fun)
    assert stax.logsoftmax is stax.log_softmax


def _conv_nhwc(x, w, stride, pads):
    """Direct cross-correlation of NHWC ``x`` with an HWIO kernel."""
    x = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    kh, kw, _, o = w.shape
    ho, wo = (x.shape[1] - kh) // stride[0] + 1, (x.shape[2] - kw) // stride[1] + 1
    out = np.zeros((x.shape[0], ho, wo, o))
    for i in range(ho):
        for j in range(wo):
            patch = x[:, i * stride[0]:i * stride[0] + kh, j * stride[1]:j * stride[1] + kw, :]
            out[:, i, j, :] = np.einsum("nhwc,hwco->no", patch, w)
    return out


@pytest.mark.parametrize("padding,strides", [("VALID", (1, 1)), ("SAME", (2, 1)), (((1, 0), (2, 1)), (1, 2))])
def test_conv_is_nhwc_with_hwio_kernels(padding, strides):
    init_fun, apply_fun = stax.Conv(5, (3, 2), strides=strides, padding=padding)
    x = RNG.standard_normal((2, 7, 6, 3))
    out_shape, (w, b) = init_fun(KEY, x.shape)
    assert w.shape == (3, 2, 3, 5) and b.shape == (1, 1, 1, 5)
    pads = fd.lax.conv_padding(padding, (7, 6), (3, 2), strides, (1, 1))
    want = _conv_nhwc(x, np.asarray(w, np.float64), strides, pads) + b
    got = apply_fun((w, b), x)
    assert got.shape == out_shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def _pool_nhwc(x, window, strides, pads, reduce, fill):
    x = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=fill)
    ho = (x.shape[1] - window[0]) // strides[0] + 1
    wo = (x.shape[2] - window[1]) // strides[1] + 1
    return np.stack([np.stack([reduce(x[:, i * strides[0]:i * strides[0] + window[0],
                                         j * strides[1]:j * strides[1] + window[1]], axis=(1, 2))
                               for j in range(wo)], 1) for i in range(ho)], 1)


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
def test_pools_default_to_stride_one_and_average_over_real_elements(padding):
    x = RNG.standard_normal((2, 5, 4, 3))
    pads = fd.lax.conv_padding(padding, (5, 4), (2, 3), (1, 1), (1, 1))
    for layer, reduce, fill in ((stax.MaxPool, np.max, -np.inf), (stax.SumPool, np.sum, 0.0)):
        init_fun, apply_fun = layer((2, 3), padding=padding)
        got = apply_fun((), x)
        assert init_fun(KEY, x.shape)[0] == got.shape
        np.testing.assert_allclose(got, _pool_nhwc(x, (2, 3), (1, 1), pads, reduce, fill), rtol=1e-12)
    counts = _pool_nhwc(np.ones_like(x), (2, 3), (1, 1), pads, np.sum, 0.0)
    want = _pool_nhwc(x, (2, 3), (1, 1), pads, np.sum, 0.0) / counts
    np.testing.assert_allclose(stax.AvgPool((2, 3), padding=padding)[1]((), x), want, rtol=1e-12)


def test_pool_layout_spec_and_bad_spec():
    x = RNG.standard_normal((2, 3, 4, 4))  # NCHW
    got = stax.MaxPool((2, 2), strides=(2, 2), spec="NCHW")[1]((), x)
    np.testing.assert_allclose(got, x.reshape(2, 3, 2, 2, 2, 2).max(axis=(3, 5)))
    with pytest.raises(ValueError, match="MaxPool"):
        stax.MaxPool((2,), spec="NWC")


def test_batchnorm_uses_batch_statistics():
    x = RNG.standard_normal((6, 2, 2, 3)) * 3 + 1
    init_fun, apply_fun = stax.BatchNorm()
    _, (beta, gamma) = init_fun(KEY, x.shape)
    beta, gamma = beta + 0.5, gamma * 2.0
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    want = gamma * (x - mean) / np.sqrt(var + 1e-5) + beta
    np.testing.assert_allclose(apply_fun((beta, gamma), x), want, rtol=1e-6, atol=1e-8)


def test_dropout_rate_is_the_keep_probability():
    x = np.ones(20000)
    out = stax.Dropout(0.8)[1]((), x, rng=KEY)
    kept = out != 0
    assert abs(kept.mean() - 0.8) < 0.02
    np.testing.assert_allclose(out[kept], 1 / 0.8)
    np.testing.assert_array_equal(stax.Dropout(0.8, mode="test")[1]((), x, rng=KEY), x)
    with pytest.raises(ValueError, match="rng="):
        stax.Dropout(0.5)[1]((), x)


def test_fan_out_parallel_fan_in():
    init_fun, apply_fun = stax.serial(stax.FanOut(2), stax.parallel(stax.Dense(3), stax.Identity),
                                      stax.FanInConcat())
    out_shape, params = init_fun(KEY, (-1, 3))
    assert out_shape == (-1, 6)
    x = RNG.standard_normal((4, 3))
    (w, b), _ = params[1]
    np.testing.assert_allclose(apply_fun(params, x), np.concatenate([x @ w + b, x], 1), rtol=1e-6)
    summed = stax.serial(stax.FanOut(3), stax.FanInSum)
    np.testing.assert_allclose(summed[1](summed[0](KEY, (2,))[1], np.ones(2)), 3 * np.ones(2))


def test_serial_passes_one_rng_per_layer():
    init_fun, apply_fun = stax.serial(stax.Dropout(0.5), stax.Dropout(0.5))
    _, params = init_fun(KEY, (100,))
    out = apply_fun(params, np.ones(100), rng=KEY)
    first, second = random.split(KEY, 2)
    manual = stax.Dropout(0.5)[1]((), stax.Dropout(0.5)[1]((), np.ones(100), rng=first), rng=second)
    np.testing.assert_array_equal(out, manual)


def test_stax_training_step_under_jit():
    init_fun, apply_fun = stax.serial(stax.Conv(4, (3, 3), padding="SAME"), stax.Relu,
                                      stax.AvgPool((2, 2), strides=(2, 2)), stax.Flatten,
                                      stax.Dense(3), stax.LogSoftmax)
    _, params = init_fun(KEY, (-1, 6, 6, 2))
    x = RNG.standard_normal((4, 6, 6, 2)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[[0, 1, 2, 0]]

    def loss(p):
        return -fnp.mean(fnp.sum(apply_fun(p, x) * y, axis=1))
    opt_init, opt_update, get_params = optimizers.adam(1e-2)
    step = fd.jit(lambda i, s: opt_update(i, fd.grad(loss)(get_params(s)), s))
    state = opt_init(params)
    first = float(loss(params))
    for i in range(30):
        state = step(i, state)
    assert float(loss(get_params(state))) < first
    assert all(leaf.dtype == np.float32 for leaf in fd.tree_util.tree_leaves(get_params(state)))


# -- optimizers -----------------------------------------------------------------------------

def _numpy_reference(name, x, grads):
    """Each optimizer's update rule, written out in numpy, over a list of gradients."""
    lr, x = 0.1, x.copy()
    a, b = np.zeros_like(x), np.zeros_like(x)
    for i, g in enumerate(grads):
        if name == "sgd":
            x = x - lr * g
        elif name in ("momentum", "nesterov"):
            a = 0.9 * a + g
            x = x - lr * (a if name == "momentum" else 0.9 * a + g)
        elif name == "adagrad":
            a = a + g * g
            b = 0.1 * g / np.sqrt(a) + 0.9 * b
            x = x - lr * b
        elif name == "rmsprop":
            a = 0.9 * a + 0.1 * g * g
            x = x - lr * g / np.sqrt(a + 1e-8)
        elif name == "rmsprop_momentum":
            a = 0.9 * a + 0.1 * g * g
            b = 0.9 * b + lr * g / np.sqrt(a + 1e-8)
            x = x - b
        elif name == "adam":
            a = 0.1 * g + 0.9 * a
            b = 0.001 * g * g + 0.999 * b
            x = x - lr * (a / (1 - 0.9 ** (i + 1))) / (np.sqrt(b / (1 - 0.999 ** (i + 1))) + 1e-8)
        elif name == "adamax":
            a = 0.1 * g + 0.9 * a
            b = np.maximum(0.999 * b, np.abs(g))
            x = x - lr / (1 - 0.9 ** (i + 1)) * a / (b + 1e-8)
        elif name == "sm3":  # for a vector, SM3 is adagrad with momentum
            a = a + g * g
            b = 0.1 * g / np.sqrt(a) + 0.9 * b
            x = x - lr * b
    return x


OPTIMIZERS = {"sgd": (), "momentum": (0.9,), "nesterov": (0.9,), "adagrad": (), "rmsprop": (),
              "rmsprop_momentum": (), "adam": (), "adamax": (), "sm3": ()}


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("jitted", [False, True], ids=["eager", "jit"])
def test_optimizer_matches_its_update_rule(name, jitted):
    x0 = RNG.standard_normal(5)
    grads = [RNG.standard_normal(5) for _ in range(4)]
    opt_init, opt_update, get_params = getattr(optimizers, name)(0.1, *OPTIMIZERS[name])
    update = fd.jit(opt_update) if jitted else opt_update
    state = opt_init({"x": x0})
    for i, g in enumerate(grads):
        state = update(i, {"x": g}, state)
    np.testing.assert_allclose(get_params(state)["x"], _numpy_reference(name, x0, grads), rtol=1e-10)


def test_sm3_keeps_parameter_shapes():
    opt_init, opt_update, get_params = optimizers.sm3(0.1)
    params = [np.ones((2, 3)), np.float64(2.0)]
    state = fd.jit(opt_update)(0, [np.ones((2, 3)), np.float64(1.0)], opt_init(params))
    assert [np.shape(p) for p in get_params(state)] == [(2, 3), ()]


def test_schedules():
    assert optimizers.constant(0.3)(5) == 0.3
    np.testing.assert_allclose(optimizers.exponential_decay(1.0, 10, 0.5)(np.arange(3) * 10), [1, 0.5, 0.25])
    np.testing.assert_allclose(optimizers.inverse_time_decay(1.0, 10, 1.0)(5), 1 / 1.5)
    np.testing.assert_allclose(optimizers.polynomial_decay(1.0, 10, 0.1, 2.0)(5), 0.25 * 0.9 + 0.1)
    pc = optimizers.piecewise_constant([2, 4], [1.0, 0.5, 0.25])
    assert [float(pc(i)) for i in range(6)] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25]
    assert float(fd.jit(pc)(np.int32(3))) == 0.5
    with pytest.raises(ValueError, match="one more value"):
        optimizers.piecewise_constant([1, 2], [1.0])
    with pytest.raises(TypeError, match="make_schedule"):
        optimizers.make_schedule("fast")


def test_state_is_a_pytree_and_packs():
    opt_init, opt_update, get_params = optimizers.momentum(0.1, 0.9)
    state = opt_init({"w": np.ones(2), "b": np.zeros(1)})
    assert len(fd.tree_util.tree_leaves(state)) == 4
    packed = optimizers.pack_optimizer_state(optimizers.unpack_optimizer_state(state))
    assert fd.tree_util.tree_structure(packed) == fd.tree_util.tree_structure(state)
    with pytest.raises(TypeError, match="gradient's structure"):
        opt_update(0, {"w": np.ones(2)}, state)


def test_l2_norm_and_clip_grads():
    tree = [np.array([3.0]), {"a": np.array(4.0)}]
    assert float(optimizers.l2_norm(tree)) == 5.0
    clipped = optimizers.clip_grads(tree, 1.0)
    np.testing.assert_allclose(optimizers.l2_norm(clipped), 1.0)
    np.testing.assert_allclose(optimizers.clip_grads(tree, 10.0)[0], [3.0])
