"""Learning-rate schedules: functions ``step -> value``.

``step`` is the number of updates made so far (0 for the first update). Inside ``jit`` it
is a traced int32 array, so schedules use ``funcdl.numpy`` operations (``where``,
``minimum``, ``cos``...) and never Python ``if`` on the step. Outside ``jit`` they accept
Python ints and return floats (numpy scalars).
"""
import warnings


import numpy as np

from .. import numpy as fnp


def constant_schedule(value):
    """``lr(step) = value``.

    >>> constant_schedule(0.1)(1000)
    0.1
    """
    value = float(value)
    return lambda step: value


def exponential_decay(init_value, transition_steps, decay_rate, transition_begin=0,
                      staircase=False, end_value=None):
    """``lr(step) = init_value * decay_rate ** ((step - transition_begin) / transition_steps)``
    after ``transition_begin`` steps (``init_value`` before); the exponent is floored when
    ``staircase``, and the value is bounded by ``end_value`` (a floor when decaying, a
    ceiling when ``decay_rate > 1``) when one is given.

    A non-positive ``transition_steps`` or a zero ``decay_rate`` gives a constant schedule
    (with a warning), as does optax.

    >>> lr = exponential_decay(1.0, transition_steps=10, decay_rate=0.5)
    >>> float(lr(0)), float(lr(10)), float(lr(20))
    (1.0, 0.5, 0.25)
    >>> float(exponential_decay(1.0, 10, 0.5, staircase=True)(19))
    0.5
    """
    init_value, decay_rate = float(init_value), float(decay_rate)
    if transition_steps <= 0:
        warnings.warn(f"exponential_decay: transition_steps = {transition_steps} <= 0; using a "
                      f"constant schedule of {init_value}", stacklevel=2)
        return constant_schedule(init_value)
    if decay_rate == 0.0:
        warnings.warn(f"exponential_decay: decay_rate is 0; using a constant schedule of "
                      f"{init_value}", stacklevel=2)
        return constant_schedule(init_value)
    if transition_begin < 0:
        warnings.warn(f"exponential_decay: transition_begin = {transition_begin} < 0; using 0",
                      stacklevel=2)
        transition_begin = 0
    bound = None if end_value is None else (fnp.maximum if decay_rate < 1.0 else fnp.minimum)
    end_value = None if end_value is None else float(end_value)

    def schedule(step):
        elapsed = step - transition_begin
        exponent = elapsed / transition_steps
        if staircase:
            exponent = fnp.floor(exponent)
        value = fnp.where(elapsed <= 0, init_value, init_value * fnp.power(decay_rate, exponent))
        return value if bound is None else bound(value, end_value)

    return schedule


def polynomial_schedule(init_value, end_value, power, transition_steps, transition_begin=0):
    """From ``init_value`` to ``end_value`` over ``transition_steps`` steps (after
    ``transition_begin``) along ``(init - end) * (1 - s / transition_steps) ** power + end``,
    ``s`` the steps since ``transition_begin`` clipped to ``[0, transition_steps]``.

    >>> lr = polynomial_schedule(1.0, 0.0, power=2, transition_steps=4)
    >>> [float(lr(s)) for s in (0, 2, 4, 9)]
    [1.0, 0.25, 0.0, 0.0]
    """
    init_value, end_value, power = float(init_value), float(end_value), float(power)
    if transition_steps <= 0:
        warnings.warn(f"polynomial_schedule: transition_steps = {transition_steps} <= 0; using "
                      f"a constant schedule of {init_value}", stacklevel=2)
        return constant_schedule(init_value)
    if transition_begin < 0:
        warnings.warn(f"polynomial_schedule: transition_begin = {transition_begin} < 0; using 0",
                      stacklevel=2)
        transition_begin = 0

    def schedule(step):
        s = fnp.clip(step - transition_begin, 0, transition_steps)
        frac = 1.0 - s / transition_steps
        return (init_value - end_value) * fnp.power(frac, power) + end_value

    return schedule


def linear_schedule(init_value, end_value, transition_steps, transition_begin=0):
    """Linear interpolation from ``init_value`` to ``end_value`` over ``transition_steps``
    steps, constant outside (a :func:`polynomial_schedule` of power 1).

    >>> lr = linear_schedule(0.0, 1.0, transition_steps=4)
    >>> [float(lr(s)) for s in (0, 1, 4, 5)]
    [0.0, 0.25, 1.0, 1.0]
    """
    return polynomial_schedule(init_value, end_value, 1, transition_steps, transition_begin)


def join_schedules(schedules, boundaries):
    """``schedules[0]`` until ``boundaries[0]``, then ``schedules[1]`` (called with the steps
    since that boundary) until ``boundaries[1]``, and so on.

    >>> lr = join_schedules([constant_schedule(1.0), lambda s: 10.0 * s], [3])
    >>> [float(lr(s)) for s in (2, 3, 5)]
    [1.0, 0.0, 20.0]
    """
    schedules, boundaries = list(schedules), [int(b) for b in boundaries]
    if len(schedules) != len(boundaries) + 1:
        raise ValueError(f"join_schedules: {len(schedules)} schedules need "
                         f"{len(schedules) - 1} boundaries, got {len(boundaries)}")

    def schedule(step):
        value = schedules[0](step)
        for boundary, fn in zip(boundaries, schedules[1:]):
            value = fnp.where(step < boundary, value, fn(step - boundary))
        return value

    return schedule


def cosine_decay_schedule(init_value, decay_steps, alpha=0.0, exponent=1.0):
    """Cosine decay (Loshchilov & Hutter, 2016) from ``init_value`` to ``alpha * init_value``:
    ``lr(step) = init_value * ((1 - alpha) * c ** exponent + alpha)``,
    ``c = (1 + cos(pi * min(step, decay_steps) / decay_steps)) / 2``.

    >>> lr = cosine_decay_schedule(1.0, decay_steps=10, alpha=0.1)
    >>> [round(float(lr(s)), 6) for s in (0, 5, 10, 20)]
    [1.0, 0.55, 0.1, 0.1]
    """
    if not decay_steps > 0:
        raise ValueError(f"cosine_decay_schedule: decay_steps must be positive, got {decay_steps}")
    init_value, alpha, exponent = float(init_value), float(alpha), float(exponent)

    def schedule(step):
        s = fnp.minimum(step, decay_steps)
        cosine = 0.5 * (1.0 + fnp.cos(np.pi * s / decay_steps))
        return init_value * ((1.0 - alpha) * fnp.power(cosine, exponent) + alpha)

    return schedule


def warmup_cosine_decay_schedule(init_value, peak_value, warmup_steps, decay_steps,
                                 end_value=0.0, exponent=1.0):
    """Linear warm-up from ``init_value`` to ``peak_value`` over ``warmup_steps``, then cosine
    decay to ``end_value`` at step ``decay_steps`` (the total, warm-up included), constant
    after.

    >>> lr = warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=2, decay_steps=6)
    >>> [round(float(lr(s)), 6) for s in (0, 1, 2, 4, 6, 9)]
    [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """
    peak_value, end_value = float(peak_value), float(end_value)
    alpha = 0.0 if peak_value == 0.0 else end_value / peak_value
    return join_schedules(
        [linear_schedule(init_value, peak_value, warmup_steps),
         cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent)],
        [warmup_steps])


def piecewise_constant_schedule(init_value, boundaries_and_scales=None):
    """``init_value`` multiplied by ``scale`` for every ``{boundary: scale}`` entry with
    ``step >= boundary``.

    >>> lr = piecewise_constant_schedule(1.0, {3: 0.5, 5: 0.1})
    >>> [float(lr(s)) for s in (0, 2, 3, 4, 5, 100)]
    [1.0, 1.0, 0.5, 0.5, 0.05, 0.05]
    """
    init_value = float(init_value)
    items = sorted((int(b), float(s)) for b, s in (boundaries_and_scales or {}).items())
    if any(s < 0 for _, s in items):
        raise ValueError("piecewise_constant_schedule: the scales must be non-negative, got "
                         f"{dict(items)}")

    def schedule(step):
        value = init_value
        for boundary, s in items:
            value = fnp.where(step < boundary, value, value * s)
        return value

    return schedule
