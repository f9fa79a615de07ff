"""Assorted correctness regressions (issue 11): ``fnp.einsum``'s sublist form."""
import numpy as np
import pytest

import funcdl.numpy as fnp
from test_numpy import F32, F64, I32, check, rand

# (operand shapes, sublists): einsum(op0, sub0, op1, sub1, ..., [out]) as numpy takes it
SUBLISTS = [
    ("transpose", [(2, 3)], [[0, 1], [1, 0]]),
    ("implicit_sum_order", [(2, 3)], [[1, 0]]),
    ("matmul", [(2, 3), (3, 4)], [[0, 1], [1, 2], [0, 2]]),
    ("matmul_implicit", [(2, 3), (3, 4)], [[0, 1], [1, 2]]),
    ("three_operands", [(2, 3), (3, 4), (4,)], [[0, 1], [1, 2], [2], [0]]),
    ("output_permuted", [(2, 3), (3, 4)], [[0, 1], [1, 2], [2, 0]]),
    ("full_contraction", [(2, 3), (2, 3)], [[0, 1], [0, 1], []]),
    ("trace", [(3, 3)], [[5, 5]]),
    ("diagonal", [(3, 3)], [[5, 5], [5]]),
    ("ellipsis_batch", [(5, 2, 3), (5, 3, 4)], [[..., 0, 1], [..., 1, 2], [..., 0, 2]]),
    ("ellipsis_broadcast", [(2, 3), (4, 3)], [[..., 1], [0, 1], [..., 0]]),
    ("ellipsis_implicit", [(4, 2, 3)], [[..., 0]]),
    ("upper_and_lower_labels", [(2, 3), (3, 4)], [[0, 30], [30, 51], [51, 0]]),
    ("numpy_int_labels", [(2, 3)], [[np.int64(1), np.int32(0)]]),
]


def _interleave(ops, subs):
    args = []
    for op, sub in zip(ops, subs):
        args += [op, sub]
    return args + subs[len(ops):]


@pytest.mark.parametrize("case", SUBLISTS, ids=[c[0] for c in SUBLISTS])
@pytest.mark.parametrize("dtype", [F64, F32, I32], ids=str)
def test_einsum_sublists_match_numpy(case, dtype):
    _, shapes, subs = case
    ops = [rand(s, dtype, seed=k) for k, s in enumerate(shapes)]

    def fn(m, *xs):
        return m.einsum(*_interleave(xs, subs))
    check(fn, *ops)


def test_einsum_sublists_boolean():
    a, b = rand((2, 3), np.bool_), rand((3,), np.bool_, seed=1)
    check(lambda m, a, b: m.einsum(a, [0, 1], b, [1], [0]), a, b)


def test_einsum_sublists_equal_subscript_string():
    a, b = rand((2, 3)), rand((3, 4), seed=1)
    np.testing.assert_array_equal(fnp.einsum(a, [0, 1], b, [1, 2], [0, 2]),
                                  fnp.einsum("ij,jk->ik", a, b))


@pytest.mark.parametrize("bad", [[52, 0], [-1, 0], [0.5, 1], ["i", "j"]], ids=str)
def test_einsum_sublists_reject_bad_labels(bad):
    check(lambda m, a: m.einsum(a, bad), rand((2, 3)))  # the same error kind as numpy's

