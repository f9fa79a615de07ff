"""Small API behaviours: scalar results, item(), numpy functions on traced values,
argument validation."""
import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import lax


def test_zero_dimensional_results_are_numpy_scalars():
    assert isinstance(fnp.where(True, 1.0, 2.0), np.generic)
    _, tangent = fd.jvp(lambda a, b: fnp.sin(a) + a * b, (np.float32(2), np.float32(5)),
                        (np.float32(1), np.float32(0)))
    assert isinstance(tangent, np.float32)
    assert isinstance(fd.hessian(lambda x: fnp.sum(x ** 3))(np.ones(2))[0, 0], np.generic)


def test_item_and_numpy_reductions_on_traced_values():
    assert float(fd.grad(lambda x: x * fd.stop_gradient(x).item())(3.0)) == 3.0  # item() is a constant
    ir = fd.make_ir(lambda x: np.sum(x) + np.max(x))(np.ones(3))
    assert [e.prim.name for e in ir.eqns] == ["reduce_sum", "reduce_max", "add"]
    with pytest.raises(TypeError, match="out= is not supported"):
        fnp.sum(np.ones(3), out=np.zeros(()))


def test_fori_loop_bounds_must_be_integers():
    with pytest.raises(TypeError, match="fori_loop: lower must be an integer"):
        lax.fori_loop(0.0, 3, lambda i, x: x, 1.0)


def test_jacrev_of_an_integer_output_raises():
    with pytest.raises(TypeError, match=r"jacrev requires floating-point outputs \(real ones unless holomorphic\), got int64"):
        fd.jacrev(lambda x: fnp.argmax(x))(np.ones(3))
