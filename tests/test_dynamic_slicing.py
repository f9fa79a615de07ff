"""``lax.dynamic_slice`` / ``dynamic_update_slice`` (and their ``_in_dim`` forms) beyond the
primitive table (tests/primitive_table.py): mini-batches sliced at a traced loop index
under ``jit``, gradients through such loops, vmap over per-example starts, the generated
code (a view, not a copy) and the errors."""
import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import lax
from funcdl.test_util import check_grads

rng = np.random.default_rng(0)
DATA = rng.standard_normal((12, 3))  # 4 batches of 3 rows
W = rng.standard_normal((3, 2))
BATCH = 3


def _clamp(start, dim, size):
    """JAX's start: a negative one counts from the end, then the window is clamped inside."""
    start = start + dim if start < 0 else start
    return min(max(start, 0), dim - size)


def batch_sums(data):
    """Row sums of each batch of ``data``, accumulated by a fori_loop whose index (traced
    under jit) gives the batch's offset."""
    def body(i, acc):
        return acc + fnp.sum(lax.dynamic_slice_in_dim(data, i * BATCH, BATCH), axis=0)
    return lax.fori_loop(0, data.shape[0] // BATCH, body, fnp.zeros(data.shape[1]))


def batched_loss(w, data):
    """Sum over the batches of the mean squared output of a linear layer."""
    def body(i, total):
        x = lax.dynamic_slice(data, (i * BATCH, 0), (BATCH, data.shape[1]))
        return total + fnp.mean((x @ w) ** 2)
    return lax.fori_loop(0, data.shape[0] // BATCH, body, 0.0)


def batched_loss_ref(w, data):
    return sum(np.mean((data[k:k + BATCH] @ w) ** 2) for k in range(0, len(data), BATCH))


def test_fori_loop_slices_batches_at_the_traced_index_under_jit():
    want = DATA.sum(axis=0)
    np.testing.assert_allclose(batch_sums(DATA), want, rtol=1e-12)
    np.testing.assert_allclose(fd.jit(batch_sums)(DATA), want, rtol=1e-12)


def test_fori_loop_with_traced_bounds_slices_batches_under_jit():
    def first_batches(data, n):  # a while_loop: n is traced
        def body(i, acc):
            return acc + lax.dynamic_slice_in_dim(data, i * BATCH, BATCH)
        return lax.fori_loop(0, n, body, fnp.zeros((BATCH, data.shape[1])))
    for n in (0, 2, 4):
        want = sum((DATA[k * BATCH:(k + 1) * BATCH] for k in range(n)), np.zeros((BATCH, 3)))
        np.testing.assert_allclose(fd.jit(first_batches)(DATA, n), want, rtol=1e-12)


def test_the_batch_is_a_view_of_the_data_in_generated_code():
    source = fd.jit(batch_sums).lower(DATA).source
    line = next(ln for ln in source.splitlines() if "dynamic_slice" not in ln and ":" in ln and "+ 3]" in ln)
    assert ".copy()" not in line and "np.empty" not in line, line


@pytest.mark.parametrize("transform", [lambda f: f, fd.jit], ids=["eager", "jit"])
def test_grad_through_batches_sliced_in_a_loop(transform):
    g = transform(fd.grad(batched_loss))(W, DATA)
    # d/dw mean((x w)^2) = 2 x^T (x w) / size
    want = sum(2 * x.T @ (x @ W) / (BATCH * 2) for x in np.split(DATA, len(DATA) // BATCH))
    np.testing.assert_allclose(g, want, rtol=1e-10)
    np.testing.assert_allclose(transform(batched_loss)(W, DATA), batched_loss_ref(W, DATA), rtol=1e-12)


def test_check_grads_of_slices_and_updates_at_traced_starts():
    check_grads(lambda d: batched_loss(W, d), (DATA,), order=2)

    def write_rows(x, u):
        def body(i, acc):
            return lax.dynamic_update_slice_in_dim(acc, fnp.sin(u) * i, i * 2 - 1, axis=0)
        return fnp.sum(lax.fori_loop(0, 4, body, x) ** 2)
    check_grads(write_rows, (rng.standard_normal((6, 2)), rng.standard_normal((2, 2))), order=2)


def test_vmap_over_per_example_starts():
    starts = np.array([-2, 0, 5, 11, 7])
    got = fd.vmap(lambda i: lax.dynamic_slice_in_dim(DATA, i, 4))(starts)
    want = np.stack([DATA[_clamp(i, 12, 4):][:4] for i in starts])
    np.testing.assert_array_equal(got, want)
    # a batch of operands with their own starts, along axis 1, jitted too
    xs = rng.standard_normal((5, 2, 6))
    f = fd.vmap(lambda x, i: lax.dynamic_slice_in_dim(x, i, 3, axis=-1))
    want = np.stack([x[:, _clamp(i, 6, 3):_clamp(i, 6, 3) + 3] for x, i in zip(xs, starts)])
    np.testing.assert_array_equal(f(xs, starts), want)
    np.testing.assert_array_equal(fd.jit(f)(xs, starts), want)


def test_vmap_of_updates_at_per_example_starts_and_its_gradient():
    xs, us, starts = rng.standard_normal((4, 5)), rng.standard_normal((4, 2)), np.array([3, -1, 1, 9])

    def put(x, u, i):
        return lax.dynamic_update_slice(x, u, (i,))

    def ref(x, u, i):
        out = x.copy()
        out[_clamp(i, 5, 2):_clamp(i, 5, 2) + 2] = u
        return out
    want = np.stack([ref(*a) for a in zip(xs, us, starts)])
    np.testing.assert_array_equal(fd.vmap(put)(xs, us, starts), want)
    np.testing.assert_array_equal(fd.jit(fd.vmap(put))(xs, us, starts), want)
    shared = fd.vmap(put, in_axes=(None, 0, 0))(xs[0], us, starts)  # one operand, batched starts
    np.testing.assert_array_equal(shared, np.stack([ref(xs[0], u, i) for u, i in zip(us, starts)]))

    def loss(x, u, i):
        return fnp.sum(fnp.sin(put(x, u, i)) * x)
    g_vmap = fd.vmap(fd.grad(loss, argnums=(0, 1)))(xs, us, starts)
    for k in range(len(starts)):
        g = fd.grad(loss, argnums=(0, 1))(xs[k], us[k], starts[k])
        np.testing.assert_allclose(g_vmap[0][k], g[0], rtol=1e-12)
        np.testing.assert_allclose(g_vmap[1][k], g[1], rtol=1e-12)


def test_in_dim_forms_and_clamping_eager_and_jit():
    x = np.arange(24.0).reshape(2, 3, 4)
    for f in (lambda x, i: lax.dynamic_slice_in_dim(x, i, 2, axis=-1),
              lambda x, i: lax.dynamic_update_slice_in_dim(x, -x[:, :, :2], i, axis=2)):
        for i in (-5, 1, 3, 40):
            np.testing.assert_array_equal(fd.jit(f)(x, i), f(x, i))
    np.testing.assert_array_equal(lax.dynamic_slice_in_dim(x, 40, 2, axis=-1), x[:, :, 2:])
    np.testing.assert_array_equal(lax.dynamic_slice(x, (np.int32(1), np.uint8(2), -1), (1, 1, 2)),
                                  x[1:, 2:, 2:])  # -1 counts from the end: 3, clamped to 2
    np.testing.assert_array_equal(lax.dynamic_slice(x, (0, 0, -1), (1, 1, 2), allow_negative_indices=False),
                                  x[:1, :1, :2])  # clamped to 0
    f = fd.jit(lambda x, i: lax.dynamic_slice_in_dim(x, i, 2, axis=-1))
    for i in range(-6, 6):
        np.testing.assert_array_equal(f(x, np.int32(i)), x[:, :, _clamp(i, 4, 2):_clamp(i, 4, 2) + 2])
    assert lax.dynamic_slice(x, (5, 5, 5), x.shape) is x  # the whole operand: no equation


def test_starts_may_be_a_traced_1d_array():
    f = fd.jit(lambda x, at: lax.dynamic_slice(x, at, (2, 2)))
    np.testing.assert_array_equal(f(DATA, np.array([4, 2])), DATA[4:6, 1:3])


BAD = [
    (lambda: lax.dynamic_slice(np.ones((3, 4)), (1,), (2, 2)),
     ValueError, r"dynamic_slice: needs one start index per axis of the 2-d operand, got 1.*\(3, 4\)"),
    (lambda: lax.dynamic_slice(np.ones((3, 4)), (0, 0), (5, 2)),
     ValueError, r"dynamic_slice: slice_sizes \(5, 2\) .*at most \(3, 4\)"),
    (lambda: lax.dynamic_slice(np.ones((3, 4)), (0, 0), (2,)),
     ValueError, r"dynamic_slice: slice_sizes \(2,\) must give one size per axis"),
    (lambda: lax.dynamic_slice(np.ones(3), (1.0,), (2,)),
     TypeError, r"dynamic_slice: start indices must be integer scalars .*index 0 is f64\[\].*astype"),
    (lambda: lax.dynamic_slice(np.ones(3), (np.array([1]),), (2,)),
     TypeError, r"integer scalars \(0-d\), but index 0 is i64\[1\]"),
    (lambda: lax.dynamic_slice(np.ones(3), 1, (2,)),
     TypeError, r"start_indices must be a sequence .*write \(i,\)"),
    (lambda: lax.dynamic_update_slice(np.ones(3), np.ones(4), (0,)),
     ValueError, r"dynamic_update_slice: the update must .* fit inside it.*\(3,\), \(4,\)"),
    (lambda: lax.dynamic_update_slice(np.ones((3, 3)), np.ones(2), (0, 0)),
     ValueError, r"dynamic_update_slice: the update must have the operand's rank \(2\)"),
    (lambda: lax.dynamic_update_slice(np.ones(3), np.ones(2, np.float32), (0,)),
     TypeError, r"dynamic_update_slice: the update's dtype float32 differs from the operand's "
                r"float64; .*astype\(np.float64\)"),
    (lambda: lax.dynamic_update_slice(np.ones(3), np.ones(2), (0, 1)),
     ValueError, r"dynamic_update_slice: needs one start index per axis of the 1-d operand, got 2"),
    (lambda: lax.dynamic_slice_in_dim(np.ones((2, 3)), 0, 1, axis=2),
     ValueError, r"dynamic_slice_in_dim: axis 2 is out of range for a 2-d operand"),
]


@pytest.mark.parametrize("make, error, message", BAD, ids=[m for _, _, m in BAD])
def test_errors_name_the_operation_what_it_got_and_the_fix(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_errors_are_raised_when_tracing_too():
    with pytest.raises(TypeError, match="dynamic_slice: start indices must be integer scalars"):
        fd.jit(lambda x, i: lax.dynamic_slice_in_dim(x, i, 2))(np.ones(4), 1.5)
    with pytest.raises(ValueError, match="dynamic_slice: slice_sizes"):
        fd.jit(lambda x, i: lax.dynamic_slice_in_dim(x, i, 5))(np.ones(4), 1)
