"""The IR, tracing and the interpreter: printing, constants, nesting, errors."""
import re

import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import core
from funcdl.errors import ConcretizationError, ShapeError, UnexpectedTracerError


def test_printing_reads_like_a_jaxpr():
    ir = fd.make_ir(lambda x: fnp.sum(fnp.sin(x)))(np.ones(3, np.float32))
    assert str(ir) == ("{ lambda ; a:f32[3]. let b:f32[3] = sin a; "
                       "c:f32[] = reduce_sum[axes=(0,)] b in (c) }")


def test_long_programs_print_one_equation_per_line():
    def f(x, w):
        h = fnp.tanh(x @ w)
        return fnp.mean(h * h), h
    text = str(fd.make_ir(f)(np.ones((4, 3)), np.ones((3, 2))))
    lines = text.splitlines()
    assert lines[0] == "{ lambda ; a:f64[4,3] b:f64[3,2]. let"
    assert any("dot_general[dimension_numbers=(((1,), (0,)), ((), ()))] a b" in l for l in lines)
    assert lines[-1].strip().startswith("in (") and lines[-1].endswith("}")


def test_closed_over_arrays_become_constants():
    w = np.arange(6.0).reshape(2, 3)
    ir = fd.make_ir(lambda x: x @ w)(np.ones((4, 2)))
    assert len(ir.const_vars) == 1 and ir.consts[0] is w
    assert str(ir).startswith("{ lambda a:f64[2,3]; b:f64[4,2]. let")
    np.testing.assert_allclose(ir(np.ones((4, 2)))[0], np.ones((4, 2)) @ w)


def test_scalar_constants_are_inline_literals_and_weak():
    ir = fd.make_ir(lambda x: x * 2.0 + 1)(np.ones(2, np.float32))
    assert "mul a 2.0" in str(ir) and "add b 1.0" in str(ir)
    assert ir.out_avals[0].dtype == np.float32


def test_outputs_may_be_pytrees_inputs_and_constants():
    ir = fd.make_ir(lambda p: {"y": p["a"] * 2, "c": np.float64(3.0), "x": p["b"]})(
        {"a": np.ones(2), "b": np.zeros(3)})
    assert len(ir.in_vars) == 2 and len(ir.out_vars) == 3


def test_static_argnums():
    ir = fd.make_ir(lambda x, n: x * n if n > 1 else x, static_argnums=1)(np.ones(2), 3)
    assert "mul" in str(ir) and len(ir.in_vars) == 1


def test_evaluating_an_ir_inside_a_trace_inlines_it():
    inner = fd.make_ir(lambda x: fnp.exp(x) + 1.0)(np.ones(3))
    outer = fd.make_ir(lambda x: inner(fnp.sin(x))[0] * 2.0)(np.ones(3))
    assert [e.prim.name for e in outer.eqns] == ["sin", "exp", "add", "mul"]
    np.testing.assert_allclose(outer(np.zeros(3))[0], 4.0)


def test_tracing_inside_tracing_lifts_outer_values_to_constants():
    def f(x):
        inner = fd.make_ir(lambda y: y * x)(np.ones(2))  # closes over the outer tracer x
        assert len(inner.const_vars) == 1
        return inner(x)[0]
    ir = fd.make_ir(f)(np.ones(2))
    np.testing.assert_allclose(ir(np.full(2, 3.0))[0], 9.0)


def test_branch_on_abstract_value_raises_concretization_error():
    def f(x):
        return x if x.sum() > 0 else -x
    with pytest.raises(ConcretizationError, match=r"bool\(x\).*bool\[\] \(the output of `gt`\).*static_argnums.*fnp.where.*lax.cond"):
        fd.make_ir(f)(np.ones(2))
    with pytest.raises(ConcretizationError):
        fd.make_ir(lambda x: np.asarray(x))(np.ones(2))
    with pytest.raises(ConcretizationError):
        fd.make_ir(lambda x: int(x))(np.int64(2))


def test_concrete_trace_lets_python_branch_on_values():
    def f(x):
        y = fnp.sin(x)
        return y * 2.0 if float(fnp.sum(y)) > 0 else y - 1.0
    ir_pos, _, _ = core.trace_to_ir(f, (np.ones(3),), concrete=True)
    ir_neg, _, _ = core.trace_to_ir(f, (-np.ones(3),), concrete=True)
    assert "mul" in str(ir_pos) and "sub" in str(ir_neg)


def test_concrete_values_are_computed_lazily_and_once():
    calls = []
    def f(x):
        y = fnp.exp(x)
        calls.append(len(core.current_trace().known))
        return fnp.log(y) if bool(y[0] > 0) else y
    _, _, trace = core.trace_to_ir(f, (np.ones(2),), concrete=True)
    assert len(trace.known) >= 3  # the input, exp and the values needed for the branch
    assert calls == [1]  # nothing was evaluated before Python asked


def test_escaped_tracer_raises():
    leaked = []
    fd.make_ir(lambda x: leaked.append(x) or x)(np.ones(2))
    with pytest.raises(UnexpectedTracerError, match="escaped"):
        fnp.sin(leaked[0])
    with pytest.raises(UnexpectedTracerError):
        fd.make_ir(lambda y: y + leaked[0])(np.ones(2))
    with pytest.raises(UnexpectedTracerError):
        bool(leaked[0])


@pytest.mark.parametrize("fun, op, shapes", [
    (lambda a, b: fnp.add(a, b), "add", ["(2, 3)", "(4,)"]),
    (lambda a, b: fnp.matmul(a, b), "matmul", ["(2, 3)", "(4,)"]),
    (lambda a, b: fnp.concatenate([a, b], axis=0), "concatenate", ["(2, 3)", "(4,)"]),
    (lambda a, b: fnp.reshape(a, (4, 2)), "reshape", ["(2, 3)"]),
])
def test_shape_errors_name_the_operation_and_shapes(fun, op, shapes):
    for run in (lambda: fun(np.ones((2, 3)), np.ones(4)),
                lambda: fd.make_ir(fun)(np.ones((2, 3)), np.ones(4))):
        with pytest.raises((ShapeError, ValueError)) as info:
            run()
        message = str(info.value)
        assert op in message and all(s in message for s in shapes), message


def test_shape_error_is_a_value_error_subclass():
    with pytest.raises(ShapeError, match=r"add: .*\(2,\), \(3,\)"):
        fnp.add(np.ones(2), np.ones(3))
    assert issubclass(ShapeError, ValueError) and issubclass(ConcretizationError, TypeError)


def test_typecheck_catches_a_broken_ir():
    ir = fd.make_ir(lambda x: fnp.sin(x) + 1.0)(np.ones(3))
    core.typecheck_ir(ir)
    ir.eqns[0].outputs[0].aval = core.Aval((4,), np.float64)
    with pytest.raises(TypeError, match="sin"):
        core.typecheck_ir(ir)


def test_traced_function_must_return_arrays():
    with pytest.raises(TypeError, match="must return arrays"):
        fd.make_ir(lambda x: "nope")(np.ones(2))


def test_static_argnums_out_of_range():
    with pytest.raises(ValueError, match="out of range"):
        fd.make_ir(lambda x: x, static_argnums=3)(np.ones(2))


def test_tracer_repr_and_attributes():
    seen = {}
    def f(x):
        seen.update(shape=x.shape, dtype=x.dtype, ndim=x.ndim, size=x.size, repr=repr(x), T=x.T.shape)
        return x
    fd.make_ir(f)(np.ones((2, 3), np.float32))
    assert seen["shape"] == (2, 3) and seen["dtype"] == np.float32 and seen["size"] == 6
    assert seen["T"] == (3, 2) and re.match(r"Tracer<f32\[2,3\]>", seen["repr"])


def test_config_flags():
    fd.config.update("debug_nans", True)
    assert fd.config.debug_nans is True
    fd.config.update("debug_nans", False)
    with pytest.raises(ValueError, match="unknown flag"):
        fd.config.update("nope", True)
