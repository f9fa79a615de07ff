"""JAX's conveniences on ``fd`` and JAX's extra ``lax`` operations (the operations that go
through every transform are rows of ``function_table.py``)."""
import subprocess
import sys

import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import lax


def test_import_funcdl_makes_submodules_available():
    code = ("import funcdl as fd; fd.nn.relu; fd.optim.adam; fd.random.key; fd.lax.scan; "
            "fd.numpy.sum; fd.tree_util.tree_map; fd.data.batches; fd.train.fit; "
            "fd.example_libraries.stax.Dense; fd.typing.ArrayLike; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr
    assert "nn" in dir(fd)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        fd.nope


def test_devices_and_arrays():
    x = np.ones(2)
    assert fd.block_until_ready(x) is x
    assert fd.device_put({"a": [1.0, 2.0]})["a"][1].dtype == np.float64
    assert fd.devices()[0].platform == "cpu" and fd.device_count() == 1
    assert fd.default_backend() == "cpu"
    assert isinstance(x, fd.Array) and isinstance(np.float32(1), fd.Array)
    assert not isinstance([1.0], fd.Array)
    seen = []
    fd.make_jaxpr(lambda v: seen.append(isinstance(v, fd.Array)) or v * 2)(x)
    assert seen == [True]
    assert str(fd.make_jaxpr(fnp.sin)(x)) == str(fd.make_ir(fnp.sin)(x))


def test_select_is_strict_like_jax():
    np.testing.assert_array_equal(lax.select(np.array([True, False]), np.ones(2), np.zeros(2)), [1.0, 0.0])
    assert float(lax.select(np.bool_(False), np.ones(()), np.zeros(()))) == 0.0
    with pytest.raises(TypeError, match="one shape and dtype"):
        lax.select(np.array([True]), np.ones(1), np.zeros(1, np.float32))
    with pytest.raises(TypeError, match="pred must be boolean"):
        lax.select(np.array([1, 0]), np.ones(2), np.zeros(2))


def test_dot_general_precision_and_preferred_type():
    a, b = np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)
    dn = (((1,), (0,)), ((), ()))
    out = lax.dot_general(a, b, dn, precision=lax.Precision.HIGHEST, preferred_element_type=np.float64)
    assert out.dtype == np.float64 and out.shape == (2, 4) and float(out[0, 0]) == 3.0
    assert lax.dot_general(a, b, dn, precision=(None, "highest")).dtype == np.float32
    with pytest.raises(TypeError, match="precision"):
        lax.dot_general(a, b, dn, precision=3)


def test_dynamic_index_in_dim_under_jit():
    x = np.arange(12.0).reshape(3, 4)
    f = fd.jit(lambda x, i: lax.dynamic_index_in_dim(x, i, axis=0, keepdims=False))
    np.testing.assert_array_equal(f(x, np.int32(2)), x[2])
    assert lax.dynamic_index_in_dim(x, 1, axis=1).shape == (3, 1)


def test_conv_dimension_numbers_and_errors():
    dn = lax.conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ("NHWC", "HWIO", "NHWC"))
    assert dn.lhs_spec == (0, 3, 1, 2) and dn.rhs_spec == (3, 2, 0, 1)
    assert lax.conv_dimension_numbers((1, 1, 2, 2), (1, 1, 1, 1), None) == ((0, 1, 2, 3),) * 3
    x, w = np.ones((1, 4, 4, 2)), np.ones((3, 3, 2, 5))
    with pytest.raises(ValueError, match="batch_group_count"):
        lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                 batch_group_count=2)
    with pytest.raises(ValueError, match="layout"):
        lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWX", "HWIO", "NHWC"))
    same = lax.conv_general_dilated(x, w, (2, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    assert same.shape == (1, 2, 2, 5)


def test_convolution_shape_helpers_match_jax():
    # values from JAX 0.10.2
    assert lax.padtype_to_pads((5, 6), (3, 2), (2, 2), "SAME") == [(1, 1), (0, 0)]
    assert lax.padtype_to_pads((6,), (3,), (2,), "SAME_LOWER") == [(1, 0)]
    assert lax.padtype_to_pads((5, 6), (3, 2), (2, 2), "VALID") == [(0, 0), (0, 0)]
    assert lax.conv_shape_tuple((2, 3, 9, 8), (4, 3, 3, 2), (2, 1), ((1, 1), (0, 0))) == (2, 4, 5, 7)
    assert lax.conv_shape_tuple((2, 3, 9, 8), (4, 3, 3, 2), (2, 1), "SAME") == (2, 4, 5, 8)
    nhwc = ("NHWC", "HWIO", "NHWC")
    assert lax.conv_general_shape_tuple((2, 9, 8, 3), (3, 2, 3, 4), (2, 1), "SAME", nhwc) == (2, 5, 8, 4)
    assert lax.conv_transpose_shape_tuple((2, 9, 8, 3), (3, 2, 4, 3), (2, 1), "SAME", ("NHWC", "HWOI", "NHWC")) \
        == (2, 18, 8, 4)
    assert lax.conv_transpose_shape_tuple((2, 9, 8, 3), (3, 2, 3, 4), (2, 3), "VALID", nhwc) == (2, 19, 24, 4)
    assert lax.conv_transpose_shape_tuple((2, 9, 8, 3), (3, 2, 3, 4), (2, 3), ((1, 2), (0, 1)), nhwc) == (2, 18, 22, 4)
    assert lax.reduce_window_shape_tuple((5, 6), (2, 3), (1, 2), ((1, 0), (0, 1)), (2, 1), (1, 2)) == (9, 2)
    assert lax.conv_general_permutations(("NCWH", "OIHW", "NHCW")) == ((0, 1, 3, 2), (0, 1, 2, 3), (0, 2, 1, 3))
    assert lax.broadcast_shapes((2, 1), (3,)) == (2, 3)
    assert lax.dtype(3) == np.int64 and lax.dtype(np.float32) == np.float32
    assert lax.empty((2,), np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="padding must be 'SAME', 'VALID'"):
        lax.conv_transpose(np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1)), (2, 2), "FULL")
    with pytest.raises(TypeError, match="select_n: which must be boolean"):
        lax.select_n(np.array([True]), np.ones(1), np.ones(1), np.ones(1))


def test_stax_transposed_convolutions_match_jax():
    """Same key, same parameters and outputs as jax.example_libraries.stax (JAX 0.10.2)."""
    from funcdl.example_libraries import stax
    x = np.arange(2 * 5 * 5 * 3, dtype=np.float32).reshape(2, 5, 5, 3) / 50
    for layer, inputs, shape, w0, total, y0 in [
            (stax.ConvTranspose(4, (3, 3), (2, 2), "SAME"), x, (2, 10, 10, 4),
             [0.19067803, -0.1727803, -0.14333263], 97.81182861, [-0.01565853, 0.01049824, -0.00755546]),
            (stax.Conv1DTranspose(2, (3,), (2,), "VALID"), x[:, 0], (2, 11, 2),
             [0.39077371, -0.3540943, -0.2937445], -8.03009701, [0.02218661, -0.00348407, -0.00744228])]:
        out_shape, (W, b) = layer[0](fd.random.PRNGKey(0), inputs.shape)
        y = fd.jit(layer[1])((W, b), inputs)
        assert out_shape == shape and y.shape == shape
        np.testing.assert_allclose(np.ravel(W)[:3], w0, rtol=1e-6)
        np.testing.assert_allclose(float(np.sum(y)), total, rtol=1e-5)
        np.testing.assert_allclose(np.ravel(y)[:3], y0, rtol=1e-5, atol=1e-7)


def test_reduce_window_errors_and_init_value():
    x = np.arange(4.0)
    np.testing.assert_array_equal(lax.reduce_window(x, 10.0, lax.add, (2,), (2,)), [11.0, 15.0])
    with pytest.raises(ValueError, match="computation"):
        lax.reduce_window(x, 0.0, fnp.multiply, (2,), (1,))
    with pytest.raises(ValueError, match="one entry per axis"):
        lax.reduce_window(x, 0.0, lax.add, (2, 2), (1, 1))


def test_lax_elementwise_names():
    assert float(lax.rsqrt(4.0)) == 0.5 and float(lax.logistic(0.0)) == 0.5
    assert lax.max is fnp.maximum and lax.add is fnp.add and max(1, 2) == 2


def test_random_takes_jax_parameter_names():
    k = fd.random.PRNGKey(0)
    np.testing.assert_array_equal(fd.random.normal(key=k, shape=(3,)), fd.random.normal(k, (3,)))
    for name, kwargs in [("uniform", {"shape": (2,)}), ("bernoulli", {"p": 0.3, "shape": (2,)}),
                         ("randint", {"shape": (2,), "minval": 0, "maxval": 5}),
                         ("permutation", {"x": 4}), ("categorical", {"logits": np.zeros(3)}),
                         ("truncated_normal", {"lower": -1.0, "upper": 1.0, "shape": (2,)}),
                         ("split", {"num": 3}), ("fold_in", {"data": 7})]:
        np.testing.assert_array_equal(getattr(fd.random, name)(key=k, **kwargs),
                                      getattr(fd.random, name)(k, **kwargs))
