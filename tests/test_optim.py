"""funcdl.optim: optimizers against their update equations written out here in plain numpy,
schedules against closed forms, jit equivalence without recompilation, convergence, dtypes,
clipping, chaining and masks."""
import math

import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import optim
from funcdl.test_util import check_grads
from funcdl.tree_util import tree_leaves, tree_map

# ---------------------------------------------------------------------------------------
# A fixed quadratic: loss(p) = 0.5 * ||A x - y||², x = concat(p['a'], ravel(p['b']))
# ---------------------------------------------------------------------------------------
_rng = np.random.default_rng(0)
A = _rng.normal(size=(6, 5))
Y = _rng.normal(size=6)
X0 = _rng.normal(size=5)
STEPS = 20


def to_params(x):
    return {'a': x[:3].copy(), 'b': x[3:].reshape(2, 1).copy()}


def to_flat(p):
    return np.concatenate([np.ravel(p['a']), np.ravel(p['b'])])


def flat_grad(x):
    return A.T @ (A @ x - Y)


def run_funcdl(opt, steps=STEPS):
    params = to_params(X0)
    state = opt.init(params)
    path = []
    for _ in range(steps):
        grads = to_params(flat_grad(to_flat(params)))
        updates, state = opt.update(grads, state, params)
        params = optim.apply_updates(params, updates)
        path.append(to_flat(params))
    return np.array(path)


# -- the update equations, by hand (flat vectors; every optimizer here is elementwise) --------

def constant(lr):
    return lambda t: lr


def ref_sgd(lr, momentum=0.0, nesterov=False, weight_decay=0.0):
    lr = lr if callable(lr) else constant(lr)

    def run(x, steps):
        v, path = np.zeros_like(x), []
        for t in range(steps):
            g = flat_grad(x) + weight_decay * x
            v = momentum * v + g
            d = g + momentum * v if nesterov else v
            x = x - lr(t) * d
            path.append(x)
        return path
    return run


def ref_adagrad(lr, init=0.1, eps=1e-7):
    def run(x, steps):
        s, path = np.full_like(x, init), []
        for _ in range(steps):
            g = flat_grad(x)
            s = s + g ** 2
            x = x - lr * g / np.sqrt(s + eps)
            path.append(x)
        return path
    return run


def ref_adadelta(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    def run(x, steps):
        eg, ex, path = np.zeros_like(x), np.zeros_like(x), []
        for _ in range(steps):
            g = flat_grad(x) + weight_decay * x
            eg = rho * eg + (1 - rho) * g ** 2
            delta = np.sqrt(ex + eps) / np.sqrt(eg + eps) * g
            ex = rho * ex + (1 - rho) * delta ** 2
            x = x - lr * delta
            path.append(x)
        return path
    return run


def ref_rmsprop(lr, decay=0.9, eps=1e-8, initial_scale=0.0, centered=False, momentum=None,
                nesterov=False):
    def run(x, steps):
        nu, mu, buf, path = np.full_like(x, initial_scale), np.zeros_like(x), np.zeros_like(x), []
        for _ in range(steps):
            g = flat_grad(x)
            nu = decay * nu + (1 - decay) * g ** 2
            if centered:
                mu = decay * mu + (1 - decay) * g
                step = lr * g / np.sqrt(nu - mu ** 2 + eps)
            else:
                step = lr * g / np.sqrt(nu + eps)
            if momentum is not None:
                buf = momentum * buf + step
                step = step + momentum * buf if nesterov else buf
            x = x - step
            path.append(x)
        return path
    return run


def ref_adam(lr, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, weight_decay=0.0, decay_mask=None,
             nadam=False):
    lr = lr if callable(lr) else constant(lr)
    decay_mask = np.ones(5) if decay_mask is None else decay_mask

    def run(x, steps):
        m, v, path = np.zeros_like(x), np.zeros_like(x), []
        for t in range(1, steps + 1):
            g = flat_grad(x)
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g ** 2
            if nadam:
                m_hat = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1 ** t)
            else:
                m_hat = m / (1 - b1 ** t)
            v_hat = v / (1 - b2 ** t)
            step = m_hat / (np.sqrt(v_hat + eps_root) + eps) + weight_decay * decay_mask * x
            x = x - lr(t - 1) * step
            path.append(x)
        return path
    return run


def exp_decay_staircase(t):   # exponential_decay(0.1, 3, 0.5, transition_begin=2, staircase=True)
    return 0.1 if t <= 2 else 0.1 * 0.5 ** math.floor((t - 2) / 3)


def warmup_cosine(t):         # warmup_cosine_decay_schedule(0.0, 0.1, 5, 15, end_value=0.01)
    if t < 5:
        return 0.1 * t / 5
    c = 0.5 * (1 + math.cos(math.pi * min(t - 5, 10) / 10))
    return 0.01 + (0.1 - 0.01) * c


A_ONLY = {'a': True, 'b': False}
A_ONLY_FLAT = np.array([1.0, 1.0, 1.0, 0.0, 0.0])

CASES = {
    "sgd": (lambda: optim.sgd(0.05), ref_sgd(0.05)),
    "sgd_momentum": (lambda: optim.sgd(0.05, momentum=0.9), ref_sgd(0.05, 0.9)),
    "sgd_nesterov": (lambda: optim.sgd(0.05, momentum=0.9, nesterov=True), ref_sgd(0.05, 0.9, True)),
    "sgd_weight_decay": (lambda: optim.sgd(0.05, weight_decay=0.1), ref_sgd(0.05, weight_decay=0.1)),
    "sgd_all": (lambda: optim.sgd(0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
                ref_sgd(0.05, 0.8, True, 0.1)),
    "sgd_exponential_decay": (
        lambda: optim.sgd(optim.exponential_decay(0.1, 3, 0.5, transition_begin=2, staircase=True)),
        ref_sgd(exp_decay_staircase)),
    "adagrad": (lambda: optim.adagrad(0.1), ref_adagrad(0.1)),
    "adagrad_options": (lambda: optim.adagrad(0.3, initial_accumulator_value=0.5, eps=1e-3),
                        ref_adagrad(0.3, 0.5, 1e-3)),
    "adadelta": (lambda: optim.adadelta(), ref_adadelta()),
    "adadelta_options": (lambda: optim.adadelta(0.5, rho=0.8, eps=1e-5, weight_decay=0.1),
                         ref_adadelta(0.5, 0.8, 1e-5, 0.1)),
    "rmsprop": (lambda: optim.rmsprop(0.01), ref_rmsprop(0.01)),
    "rmsprop_initial_scale": (lambda: optim.rmsprop(0.01, decay=0.8, eps=1e-6, initial_scale=1.0),
                              ref_rmsprop(0.01, 0.8, 1e-6, 1.0)),
    "rmsprop_centered": (lambda: optim.rmsprop(0.01, centered=True),
                         ref_rmsprop(0.01, centered=True)),
    "rmsprop_momentum": (lambda: optim.rmsprop(0.01, momentum=0.9),
                         ref_rmsprop(0.01, momentum=0.9)),
    "rmsprop_centered_nesterov": (
        lambda: optim.rmsprop(0.01, centered=True, momentum=0.9, nesterov=True),
        ref_rmsprop(0.01, centered=True, momentum=0.9, nesterov=True)),
    "adam": (lambda: optim.adam(0.05), ref_adam(0.05)),
    "adam_eps_root": (lambda: optim.adam(0.05, b1=0.8, b2=0.99, eps=1e-6, eps_root=1e-4),
                      ref_adam(0.05, 0.8, 0.99, 1e-6, 1e-4)),
    "adam_warmup_cosine": (
        lambda: optim.adam(optim.warmup_cosine_decay_schedule(0.0, 0.1, 5, 15, end_value=0.01)),
        ref_adam(warmup_cosine)),
    "adamw": (lambda: optim.adamw(0.05, weight_decay=0.1), ref_adam(0.05, weight_decay=0.1)),
    "adamw_mask": (lambda: optim.adamw(0.05, weight_decay=0.1, mask=A_ONLY),
                   ref_adam(0.05, weight_decay=0.1, decay_mask=A_ONLY_FLAT)),
    "adamw_mask_fn": (
        lambda: optim.adamw(0.05, weight_decay=0.1, mask=lambda p: tree_map(lambda x: x.ndim == 1, p)),
        ref_adam(0.05, weight_decay=0.1, decay_mask=A_ONLY_FLAT)),
    "nadam": (lambda: optim.nadam(0.05), ref_adam(0.05, nadam=True)),
    "nadam_eps_root": (lambda: optim.nadam(0.05, b1=0.8, eps_root=1e-4),
                       ref_adam(0.05, b1=0.8, eps_root=1e-4, nadam=True)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_first_steps_match_update_equations(name):
    make, reference = CASES[name]
    expected = np.array(reference(X0.copy(), STEPS))
    got = run_funcdl(make())
    assert np.max(np.abs(expected[-1] - X0)) > 1e-2  # the parameters did move
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_states_are_namedtuples_of_arrays_with_int32_counts():
    params = to_params(X0)
    state = optim.adam(0.1).init(params)
    adam_state = state[0]
    assert isinstance(adam_state, optim.ScaleByAdamState)
    assert adam_state.count.dtype == np.int32 and adam_state.count.shape == ()
    _, state = optim.adam(0.1).update(to_params(flat_grad(X0)), state)
    assert int(state[0].count) == 1 and state[0].count.dtype == np.int32
    sched_state = optim.sgd(optim.constant_schedule(0.1)).init(params)[-1]
    assert isinstance(sched_state, optim.ScaleByScheduleState) and sched_state.count.dtype == np.int32
    for leaf in tree_leaves(optim.rmsprop(0.1, centered=True, momentum=0.9).init(params)):
        assert isinstance(leaf, np.ndarray)


# ---------------------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------------------
def _cos(t, steps):
    return 0.5 * (1 + math.cos(math.pi * min(t, steps) / steps))


SCHEDULES = [
    ("constant", optim.constant_schedule(0.3), {0: 0.3, 7: 0.3, 10 ** 6: 0.3}),
    ("exponential", optim.exponential_decay(0.1, 4, 0.5),
     {0: 0.1, 2: 0.1 * 0.5 ** 0.5, 4: 0.05, 9: 0.1 * 0.5 ** 2.25}),
    ("exponential_staircase_begin_end",
     optim.exponential_decay(0.1, 4, 0.5, transition_begin=3, staircase=True, end_value=0.02),
     {0: 0.1, 3: 0.1, 6: 0.1, 7: 0.05, 10: 0.05, 11: 0.025, 15: 0.02, 100: 0.02}),
    ("exponential_growth_capped", optim.exponential_decay(0.1, 2, 2.0, end_value=0.5),
     {0: 0.1, 2: 0.2, 3: 0.1 * 2 ** 1.5, 4: 0.4, 5: 0.5, 50: 0.5}),
    ("cosine", optim.cosine_decay_schedule(0.2, 10),
     {0: 0.2, 3: 0.2 * _cos(3, 10), 5: 0.1, 10: 0.0, 15: 0.0}),
    ("cosine_alpha_exponent", optim.cosine_decay_schedule(0.2, 10, alpha=0.25, exponent=2.0),
     {0: 0.2, 5: 0.2 * (0.75 * 0.25 + 0.25), 7: 0.2 * (0.75 * _cos(7, 10) ** 2 + 0.25),
      10: 0.05, 15: 0.05}),
    ("warmup_cosine", optim.warmup_cosine_decay_schedule(0.01, 0.5, 4, 12, end_value=0.1),
     {0: 0.01, 1: 0.01 + 0.49 / 4, 3: 0.01 + 0.49 * 3 / 4, 4: 0.5, 6: 0.1 + 0.4 * _cos(2, 8),
      8: 0.3, 12: 0.1, 20: 0.1}),
    ("warmup_cosine_exponent", optim.warmup_cosine_decay_schedule(0.0, 1.0, 2, 6, exponent=3.0),
     {0: 0.0, 1: 0.5, 2: 1.0, 3: _cos(1, 4) ** 3, 4: 0.125, 6: 0.0, 9: 0.0}),
    ("piecewise", optim.piecewise_constant_schedule(0.5, {10: 0.1, 3: 2.0}),
     {0: 0.5, 2: 0.5, 3: 1.0, 9: 1.0, 10: 0.1, 50: 0.1}),
    ("piecewise_none", optim.piecewise_constant_schedule(0.5), {0: 0.5, 100: 0.5}),
    ("linear", optim.linear_schedule(0.1, 0.7, 6, transition_begin=2),
     {0: 0.1, 2: 0.1, 3: 0.2, 5: 0.4, 8: 0.7, 20: 0.7}),
    ("polynomial", optim.polynomial_schedule(1.0, 0.2, 2, 4),
     {0: 1.0, 1: 0.2 + 0.8 * 0.75 ** 2, 2: 0.4, 4: 0.2, 7: 0.2}),
]


@pytest.mark.parametrize("name,schedule,expected", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedule_closed_form(name, schedule, expected):
    for step, value in expected.items():
        assert float(schedule(step)) == pytest.approx(value, rel=1e-12, abs=1e-15), step
        assert float(schedule(np.array(step, np.int32))) == pytest.approx(value, rel=1e-12, abs=1e-15)


def test_schedules_under_jit_with_a_traced_count():
    schedules = [s for _, s, _ in SCHEDULES]
    evaluate = fd.jit(lambda count: [fd.numpy.asarray(s(count), dtype=np.float64) for s in schedules])
    for step in (0, 3, 4, 11, 100):
        got = evaluate(np.array(step, np.int32))
        for (name, s, _), value in zip(SCHEDULES, got):
            assert float(value) == pytest.approx(float(s(step)), rel=1e-12, abs=1e-15), (name, step)
    assert len(evaluate._cache) == 1


def test_schedule_argument_errors():
    with pytest.raises(ValueError, match="non-negative"):
        optim.piecewise_constant_schedule(1.0, {3: -0.5})
    with pytest.raises(ValueError, match="decay_steps"):
        optim.cosine_decay_schedule(1.0, 0)
    with pytest.warns(UserWarning, match="transition_steps"):
        constant = optim.exponential_decay(0.3, 0, 0.5)
    assert constant(100) == 0.3
    with pytest.raises(ValueError, match="boundaries"):
        optim.join_schedules([optim.constant_schedule(1.0)], [3])


# ---------------------------------------------------------------------------------------
# jit: one compiled step per optimizer, equal to eager, no recompilation; convergence
# ---------------------------------------------------------------------------------------
PARABOLA_MIN = np.array([1.0, -2.0])


def parabola_grad(p):
    return {'w': 2 * (p['w'] - PARABOLA_MIN), 'b': 2 * (p['b'] - 0.5)}


def rosenbrock_grad(p):
    x, y = p['w']
    return {'w': np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]),
            'b': 2 * (p['b'] - 0.5)}


# (optimizer, steps, converges on Rosenbrock within them?)
JIT_CASES = {
    "sgd": (lambda: optim.sgd(1e-3, momentum=0.9, nesterov=True, weight_decay=1e-6), 3000, True),
    "adagrad": (lambda: optim.adagrad(0.5), 2000, False),
    "adadelta": (lambda: optim.adadelta(1.0, rho=0.95, weight_decay=1e-6), 2000, False),
    "rmsprop": (lambda: optim.rmsprop(1e-3, centered=True, momentum=0.9), 3000, True),
    "adam": (lambda: optim.adam(optim.warmup_cosine_decay_schedule(0.0, 0.1, 50, 3000, end_value=1e-3)),
             3000, True),
    "adamw": (lambda: optim.adamw(0.02, weight_decay=1e-4, mask={'w': False, 'b': True}), 3000, True),
    "nadam": (lambda: optim.nadam(0.02), 3000, True),
}


def _start():
    return {'w': np.array([-1.0, 1.5]), 'b': np.array(0.0)}


@pytest.mark.parametrize("name", list(JIT_CASES))
def test_jit_step_equals_eager_compiles_once_and_converges(name):
    make, steps, rosenbrock = JIT_CASES[name]
    opt = make()

    def step(params, state, grads):
        updates, state = opt.update(grads, state, params)
        return optim.apply_updates(params, updates), state

    jitted = fd.jit(step)
    p_eager = p_jit = _start()
    s_eager = s_jit = opt.init(p_eager)
    for _ in range(4):
        p_eager, s_eager = step(p_eager, s_eager, rosenbrock_grad(p_eager))
        p_jit, s_jit = jitted(p_jit, s_jit, rosenbrock_grad(p_jit))
        for a, b in zip(tree_leaves((p_jit, s_jit)), tree_leaves((p_eager, s_eager))):
            assert np.asarray(a).dtype == np.asarray(b).dtype
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert len(jitted._cache) == 1

    problems = [(parabola_grad, PARABOLA_MIN, 1e-3)]
    if rosenbrock:
        problems.append((rosenbrock_grad, np.array([1.0, 1.0]), 1e-2))
    for grad_fn, minimum, tol in problems:
        params = _start()
        state = opt.init(params)
        for _ in range(steps):
            params, state = jitted(params, state, grad_fn(params))
        np.testing.assert_allclose(params['w'], minimum, atol=tol)
        np.testing.assert_allclose(params['b'], 0.5, atol=1e-3)
    assert len(jitted._cache) == 1


def test_whole_training_step_under_jit():
    """Gradient and optimizer in one compiled program, as a training loop uses them."""
    x = np.linspace(-1.0, 1.0, 8)
    y = 3.0 * x - 0.5
    opt = optim.adam(0.1)

    def loss(params, x, y):
        return fd.numpy.mean((params['w'] * x + params['b'] - y) ** 2)

    def train_step(params, state, x, y):
        value, grads = fd.value_and_grad(loss)(params, x, y)
        updates, state = opt.update(grads, state, params)
        return optim.apply_updates(params, updates), state, value

    jitted = fd.jit(train_step)
    params = {'w': np.array(0.0), 'b': np.array(0.0)}
    state = opt.init(params)
    p_eager, s_eager = params, state
    for _ in range(3):
        params, state, value = jitted(params, state, x, y)
        p_eager, s_eager, v_eager = train_step(p_eager, s_eager, x, y)
        assert float(value) == pytest.approx(float(v_eager), rel=1e-12)
        for a, b in zip(tree_leaves((params, state)), tree_leaves((p_eager, s_eager))):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    for _ in range(500):
        params, state, value = jitted(params, state, x, y)
    assert float(params['w']) == pytest.approx(3.0, abs=1e-3)
    assert float(params['b']) == pytest.approx(-0.5, abs=1e-3)
    assert len(jitted._cache) == 1


# ---------------------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------------------
DTYPE_CASES = {
    "sgd": lambda: optim.sgd(0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "sgd_schedule": lambda: optim.sgd(optim.exponential_decay(0.1, 2, 0.5), momentum=0.5),
    "adagrad": lambda: optim.adagrad(0.1),
    "adadelta": lambda: optim.adadelta(weight_decay=0.01),
    "rmsprop": lambda: optim.rmsprop(0.1, centered=True, momentum=0.9, initial_scale=0.1),
    "adam": lambda: optim.adam(optim.warmup_cosine_decay_schedule(0.0, 0.1, 2, 10), eps_root=1e-8),
    "adamw": lambda: optim.adamw(optim.piecewise_constant_schedule(0.1, {1: 0.5}),
                                 mask={'w': True, 'b': False}),
    "nadam": lambda: optim.nadam(optim.cosine_decay_schedule(0.1, 5)),
    "clipped": lambda: optim.chain(optim.clip_by_global_norm(0.5), optim.clip(0.1),
                                   optim.scale(np.float64(-0.5))),
}


@pytest.mark.parametrize("name", list(DTYPE_CASES))
def test_float32_stays_float32(name):
    opt = DTYPE_CASES[name]()
    params = {'w': np.array([[1.0, -2.0], [0.5, 3.0]], np.float32), 'b': np.array(0.25, np.float32)}
    state = opt.init(params)
    for _ in range(3):
        grads = tree_map(lambda p: (p * np.float32(0.5) + np.float32(0.1)).astype(np.float32), params)
        updates, state = opt.update(grads, state, params)
        params = optim.apply_updates(params, updates)
        for leaf in tree_leaves((updates, params)):
            assert leaf.dtype == np.float32, name
        for leaf in tree_leaves(state):
            assert leaf.dtype in (np.float32, np.int32), (name, leaf.dtype)


def test_mixed_dtypes_keep_their_own_dtype():
    params = {'h': np.ones(2, np.float16), 's': np.ones(2, np.float32), 'd': np.ones(2, np.float64)}
    opt = optim.adam(0.1)
    updates, _ = opt.update(tree_map(lambda p: p * 2, params), opt.init(params))
    assert {k: v.dtype for k, v in updates.items()} == {k: v.dtype for k, v in params.items()}
    new = optim.apply_updates(params, tree_map(lambda u: u.astype(np.float64), updates))
    assert {k: v.dtype for k, v in new.items()} == {k: v.dtype for k, v in params.items()}


# ---------------------------------------------------------------------------------------
# Clipping, chaining, masks
# ---------------------------------------------------------------------------------------
def test_clip():
    opt = optim.clip(0.5)
    updates, _ = opt.update({'a': np.array([-2.0, 0.3, 0.5, 0.7]), 'b': np.array(-0.1)}, opt.init(None))
    np.testing.assert_array_equal(updates['a'], [-0.5, 0.3, 0.5, 0.5])
    assert float(updates['b']) == -0.1


def test_clip_by_global_norm():
    grads = {'a': np.array([3.0, 0.0]), 'b': np.array([[0.0], [4.0]])}   # global norm 5
    assert float(optim.global_norm(grads)) == 5.0
    big = optim.clip_by_global_norm(1.0)
    updates, _ = big.update(grads, big.init(grads))
    np.testing.assert_allclose(updates['a'], [0.6, 0.0], rtol=1e-15)
    np.testing.assert_allclose(updates['b'], [[0.0], [0.8]], rtol=1e-15)
    assert float(optim.global_norm(updates)) == pytest.approx(1.0, rel=1e-15)
    small = optim.clip_by_global_norm(10.0)
    updates, _ = small.update(grads, small.init(grads))
    np.testing.assert_array_equal(updates['a'], grads['a'])
    np.testing.assert_array_equal(updates['b'], grads['b'])


def test_chain_composes_in_order():
    grads = to_params(flat_grad(X0))
    params = to_params(X0)
    norm = np.linalg.norm(flat_grad(X0))
    clipped = tree_map(lambda g: g / norm * 0.5, grads)
    opt = optim.chain(optim.clip_by_global_norm(0.5), optim.scale_by_adam(), optim.scale(-0.1))
    state = opt.init(params)
    assert len(state) == 3 and isinstance(state[1], optim.ScaleByAdamState)
    got, _ = opt.update(grads, state, params)
    adam = optim.adam(0.1)
    expected, _ = adam.update(clipped, adam.init(params), params)
    for a, b in zip(tree_leaves(got), tree_leaves(expected)):
        np.testing.assert_allclose(a, b, rtol=1e-14)
    nested = optim.chain(optim.chain(optim.clip_by_global_norm(0.5), optim.scale_by_adam()),
                         optim.scale(-0.1))
    got2, _ = nested.update(grads, nested.init(params), params)
    for a, b in zip(tree_leaves(got), tree_leaves(got2)):
        np.testing.assert_array_equal(a, b)
    empty = optim.chain()
    np.testing.assert_array_equal(empty.update(grads, empty.init(params))[0]['a'], grads['a'])
    with pytest.raises(TypeError, match="GradientTransformation"):
        optim.chain(optim.scale(1.0), lambda g: g)


NESTED = {'layer': {'w': np.array([[1.0, 2.0]]), 'b': np.array([3.0])}, 'head': {'w': np.array([[4.0]])}}
ONES = tree_map(np.ones_like, NESTED)


@pytest.mark.parametrize("mask", [
    {'layer': {'w': True, 'b': False}, 'head': {'w': True}},               # full pytree
    lambda p: tree_map(lambda x: x.ndim == 2, p),                            # a function
], ids=["pytree", "callable"])
def test_add_decayed_weights_mask(mask):
    opt = optim.add_decayed_weights(0.5, mask)
    updates, _ = opt.update(ONES, opt.init(NESTED), NESTED)
    np.testing.assert_array_equal(updates['layer']['w'], [[1.5, 2.0]])
    np.testing.assert_array_equal(updates['layer']['b'], [1.0])      # masked out: unchanged
    np.testing.assert_array_equal(updates['head']['w'], [[3.0]])


def test_mask_prefix_and_stateful_inner():
    opt = optim.masked(optim.trace(0.5), {'layer': True, 'head': False})   # a prefix mask
    state = opt.init(NESTED)
    assert len(tree_leaves(state)) == 2          # momentum kept only for the masked leaves
    updates, state = opt.update(ONES, state, NESTED)
    updates, state = opt.update(ONES, state, NESTED)
    np.testing.assert_array_equal(updates['layer']['w'], [[1.5, 1.5]])
    np.testing.assert_array_equal(updates['layer']['b'], [1.5])
    np.testing.assert_array_equal(updates['head']['w'], [[1.0]])
    with pytest.raises(TypeError, match="booleans"):
        optim.masked(optim.scale(2.0), {'layer': 1.0, 'head': True}).init(NESTED)


def test_weight_decay_needs_params():
    opt = optim.adamw(0.1)
    with pytest.raises(ValueError, match="params"):
        opt.update(ONES, opt.init(NESTED))


def test_adagrad_zero_accumulator_gives_zero_not_nan():
    opt = optim.adagrad(1.0, initial_accumulator_value=0.0, eps=0.0)
    updates, _ = opt.update({'w': np.array([0.0, 2.0])}, opt.init({'w': np.zeros(2)}))
    np.testing.assert_array_equal(updates['w'], [0.0, -1.0])


# -- optax's losses and inject_hyperparams -------------------------------------------------

def _loss_cases():
    rng = np.random.default_rng(3)
    p, t = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    probs = np.abs(t) / np.abs(t).sum(1, keepdims=True)
    y01 = (t > 0).astype(float)
    logp = p - np.log(np.exp(p).sum(1, keepdims=True))
    sig = 1 / (1 + np.exp(-p))
    e = p * 3 - t
    return [
        ("l2_loss", (p, t), 0.5 * (p - t) ** 2),
        ("squared_error", (p, None), p ** 2),
        ("huber_loss", (p * 3, t), np.where(np.abs(e) <= 1, 0.5 * e ** 2, np.abs(e) - 0.5)),
        ("log_cosh", (p, t), np.log(np.cosh(p - t))),
        ("sigmoid_binary_cross_entropy", (p, y01), -y01 * np.log(sig) - (1 - y01) * np.log(1 - sig)),
        ("softmax_cross_entropy", (p, probs), -(probs * logp).sum(1)),
        ("softmax_cross_entropy_with_integer_labels", (p, np.array([0, 3, 1, 4])),
         -logp[np.arange(4), [0, 3, 1, 4]]),
        ("poly_loss_cross_entropy", (p, probs), -(probs * logp).sum(1) + 2 * (probs * (1 - np.exp(logp))).sum(1)),
        ("hinge_loss", (p, np.sign(t)), np.maximum(0, 1 - p * np.sign(t))),
        ("cosine_similarity", (p, t), (p * t).sum(1) / np.linalg.norm(p, axis=1) / np.linalg.norm(t, axis=1)),
        ("kl_divergence", (logp, probs), (probs * (np.log(probs) - logp)).sum(1)),
        ("convex_kl_divergence", (logp, probs), (probs * (np.log(probs) - logp)).sum(1) + (np.exp(logp) - probs).sum(1)),
        ("smooth_labels", (np.eye(4), 0.2), np.eye(4) * 0.8 + 0.05),
    ]


@pytest.mark.parametrize("name,args,want", _loss_cases(), ids=[c[0] for c in _loss_cases()])
def test_optax_losses(name, args, want):
    fn = getattr(optim, name)
    np.testing.assert_allclose(fn(*args), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fd.jit(fn)(*args), want, rtol=1e-12, atol=1e-12)


def test_losses_are_differentiable_and_keep_float32():
    p = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    y = np.eye(4, dtype=np.float32)[[0, 1, 2]]
    for fn in (optim.l2_loss, optim.huber_loss, optim.log_cosh, optim.sigmoid_binary_cross_entropy,
               optim.sigmoid_focal_loss, optim.softmax_cross_entropy):
        assert fn(p, y).dtype == np.float32
        check_grads(lambda x, fn=fn: fn(x, y.astype(np.float64)), (p.astype(np.float64),), order=1)
    with pytest.raises(TypeError, match="integers"):
        optim.softmax_cross_entropy_with_integer_labels(p, y)


def _train(opt, steps=4, jitted=False):
    params = {"w": np.linspace(-1, 1, 5).astype(np.float32)}
    state = opt.init(params)
    update = fd.jit(opt.update) if jitted else opt.update
    for _ in range(steps):
        updates, state = update({"w": params["w"] * 0.5 + 1}, state, params)
        params = optim.apply_updates(params, updates)
    return params, state


@pytest.mark.parametrize("factory,kwargs", [(optim.adam, {"learning_rate": 0.1}),
                                            (optim.sgd, {"learning_rate": 0.1, "momentum": 0.9}),
                                            (optim.rmsprop, {"learning_rate": 0.01, "decay": 0.8}),
                                            (optim.adamw, {"learning_rate": 0.1, "weight_decay": 0.01})])
@pytest.mark.parametrize("jitted", [False, True], ids=["eager", "jit"])
def test_inject_hyperparams_equals_the_plain_optimizer(factory, kwargs, jitted):
    want, _ = _train(factory(**kwargs))
    got, state = _train(optim.inject_hyperparams(factory)(**kwargs), jitted=jitted)
    np.testing.assert_allclose(got["w"], want["w"], rtol=2e-6)
    assert got["w"].dtype == np.float32
    assert set(state.hyperparams) == set(kwargs) and int(state.count) == 4
    assert all(v.dtype == np.float32 for v in state.hyperparams.values())


def test_inject_hyperparams_state_can_be_changed_and_scheduled():
    opt = optim.inject_hyperparams(optim.sgd)(learning_rate=0.1)
    state = opt.init({"w": np.zeros(1)})
    state.hyperparams["learning_rate"] = np.float32(0.5)
    updates, state = opt.update({"w": np.ones(1)}, state)
    np.testing.assert_allclose(updates["w"], [-0.5])
    scheduled = optim.inject_hyperparams(optim.sgd)(learning_rate=lambda step: 0.1 * (step + 1))
    state = scheduled.init({"w": np.zeros(1)})
    for expected in (0.1, 0.2, 0.3):
        updates, state = scheduled.update({"w": np.ones(1)}, state)
        np.testing.assert_allclose(updates["w"], [-expected], rtol=1e-6)
        np.testing.assert_allclose(state.hyperparams["learning_rate"], expected, rtol=1e-6)
    with_static = optim.inject_hyperparams(optim.sgd, static_args=("nesterov",))(0.1, 0.9, True)
    assert set(with_static.init({"w": np.zeros(1)}).hyperparams) == {"learning_rate", "momentum"}


def test_inject_hyperparams_gradient_through_the_learning_rate():
    """Meta-learning: the loss after one step, as a function of the learning rate."""
    opt = optim.inject_hyperparams(optim.sgd)(learning_rate=0.1)
    params = {"w": np.array([1.0, -2.0])}
    loss = lambda p: fnp.sum(p["w"] ** 2)

    def after_one_step(lr):
        state = opt.init(params)
        state = state._replace(hyperparams={"learning_rate": lr})
        updates, _ = opt.update(fd.grad(loss)(params), state)
        return loss(optim.apply_updates(params, updates))
    lr = np.float64(0.1)
    # loss(w - lr * 2w) = (1 - 2 lr)^2 * |w|^2, derivative -4 (1 - 2 lr) |w|^2
    np.testing.assert_allclose(fd.grad(after_one_step)(lr), -4 * 0.8 * 5.0, rtol=1e-12)
    np.testing.assert_allclose(fd.jit(fd.grad(after_one_step))(lr), -4 * 0.8 * 5.0, rtol=1e-12)
