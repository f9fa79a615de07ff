"""complex64/complex128 through every transform, with JAX's conventions. The primitive
table covers each primitive's complex cases (eval, jit, vmap, jvp/vjp against finite
differences); these tests pin the conventions and errors. Expected values were computed
with JAX 0.10.2 (x64) on the same inputs."""
import numpy as np
import pytest

import funcdl as fd
import funcdl.numpy as fnp
from funcdl import lax

Z = np.array([1 + 2j, 3 - 1j])


def test_grad_of_a_real_function_of_complex_inputs_is_the_conjugate_direction():
    assert fd.grad(lambda z: fnp.abs(z) ** 2)(3 + 4j) == pytest.approx(6 - 8j)
    got = fd.grad(lambda z: fnp.sum(fnp.real(fnp.log(z) * fnp.conj(z))))(Z)
    np.testing.assert_allclose(got, [0.20471896 - 1.90714872j, 1.95129255 + 0.92175055j], rtol=1e-7)
    np.testing.assert_allclose(fd.grad(lambda z: fnp.sum(fnp.angle(z)))(Z), [-0.4 - 0.2j, 0.1 - 0.3j])
    assert fd.grad(lambda x: fnp.abs(lax.complex(x, 2.0 * x)))(1.5) == pytest.approx(5 ** 0.5)


def test_holomorphic_derivatives():
    assert fd.grad(lambda z: z * z, holomorphic=True)(1j) == pytest.approx(2j)
    jac = fd.jacfwd(fnp.sin, holomorphic=True)(Z)
    np.testing.assert_allclose(jac, np.diag(np.cos(Z)))
    np.testing.assert_allclose(fd.jacrev(fnp.sin, holomorphic=True)(Z), jac)


def test_complex_outputs_and_inputs_need_holomorphic_where_jax_does():
    with pytest.raises(TypeError, match="holomorphic=True"):
        fd.grad(lambda z: z * z)(1j)
    with pytest.raises(TypeError, match="requires complex inputs"):
        fd.grad(lambda x: x * 1j, holomorphic=True)(1.0)
    with pytest.raises(TypeError, match="jacfwd requires real inputs"):
        fd.jacfwd(fnp.sin)(Z)
    with pytest.raises(TypeError, match="jacrev requires floating-point outputs"):
        fd.jacrev(fnp.sin)(Z)


def test_jit_vmap_and_grad_compose_on_complex_values():
    f = lambda z: fnp.sum(fnp.abs(fnp.exp(z) * (2 - 1j) + z @ z))  # noqa: E731
    g = fd.grad(f)(Z)
    np.testing.assert_allclose(fd.jit(fd.grad(f))(Z), g, rtol=1e-12)
    batch = np.stack([Z, Z * 0.5, Z.conj()])
    np.testing.assert_allclose(fd.vmap(fd.grad(f))(batch), [fd.grad(f)(b) for b in batch], rtol=1e-12)
    np.testing.assert_allclose(fd.jit(fnp.exp)(Z.astype(np.complex64)), np.exp(Z), rtol=1e-6)
    assert fd.jit(fnp.exp)(Z.astype(np.complex64)).dtype == np.complex64


def test_promotion_parts_and_casts_follow_numpy():
    x32 = np.ones(2, np.float32)
    assert (fnp.asarray(x32) * 1j).dtype == np.complex64
    assert fnp.add(x32, np.complex128(1)).dtype == np.complex128
    np.testing.assert_array_equal(fnp.real(Z), Z.real)
    np.testing.assert_array_equal(fnp.imag(Z), Z.imag)
    np.testing.assert_array_equal(fnp.conj(Z), Z.conj())
    np.testing.assert_allclose(fnp.angle(Z, deg=True), np.angle(Z, deg=True))
    np.testing.assert_array_equal(fnp.iscomplex(np.array([1, 1j])), [False, True])
    np.testing.assert_array_equal(fd.jit(lambda z: z.astype(np.float64))(Z), Z.real)
    assert lax.complex(np.float32(1), np.float32(2)).dtype == np.complex64


def test_operations_without_a_complex_meaning_raise_naming_themselves():
    with pytest.raises(TypeError, match="floor"):
        fnp.floor(Z)
    for run in (lambda f: f, fd.jit):  # eager evaluation refuses what jit refuses
        with pytest.raises(TypeError, match="max: needs real numeric or boolean operands, got complex128"):
            run(lambda z: fnp.maximum(z, z))(Z)


def test_ieee_predicates_and_nan_to_num_look_at_both_parts():
    z = np.array([1 + 1j, np.inf + 0j, complex(np.nan, np.inf), complex(np.nan, 1), complex(1, -np.inf)])
    for name in ("isnan", "isfinite", "isinf", "nan_to_num"):
        want = getattr(np, name)(z)
        for got in (getattr(fnp, name)(z), fd.jit(getattr(fnp, name))(z)):
            np.testing.assert_array_equal(got, want)
            assert got.dtype == want.dtype


def test_reductions_norms_and_vdot_of_complex_values_are_numpys():
    m = np.outer(Z, Z) + np.eye(2)
    for got, want in [(fnp.linalg.norm(Z), np.linalg.norm(Z)), (fnp.linalg.norm(m, 1), np.linalg.norm(m, 1)),
                      (fnp.linalg.norm(m), np.linalg.norm(m)),
                      (fnp.linalg.vector_norm(Z, ord=3), np.linalg.vector_norm(Z, ord=3)),
                      (fnp.vdot(Z, 2 * Z), np.vdot(Z, 2 * Z)), (fnp.var(Z), np.var(Z)), (fnp.std(Z), np.std(Z)),
                      (fnp.mean(Z), np.mean(Z)), (fnp.prod(Z), np.prod(Z)), (fnp.cumsum(Z), np.cumsum(Z))]:
        np.testing.assert_allclose(got, want, rtol=1e-12)
        assert np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_allclose(fd.jit(fnp.var)(Z), np.var(Z))
    np.testing.assert_allclose(fd.grad(fnp.linalg.norm)(Z), Z.conj() / np.linalg.norm(Z))


A = np.array([[1.0, 2.0, 0.5], [-1.0, 0.3, 1.5], [0.2, -0.7, 2.0]])


def test_eigenvalues_and_their_derivatives_are_jaxs():
    np.testing.assert_allclose(fnp.linalg.eigvals(A), [0.64253814 + 1.68754676j, 0.64253814 - 1.68754676j,
                                                       2.01492373], atol=1e-8)
    f = lambda a: fnp.sum(fnp.real(fnp.linalg.eigvals(a)) ** 2 + fnp.imag(fnp.linalg.eigvals(a)))  # noqa: E731
    want = [[1.90906632, 0.16538295, 0.6050728], [-0.18573195, 1.23584969, -0.18010119],
            [2.23785175, 0.59312249, 3.455084]]
    np.testing.assert_allclose(fd.grad(f)(A), want, atol=1e-7)
    np.testing.assert_allclose(fd.jit(fd.grad(f))(A), want, atol=1e-7)
    g = fd.grad(lambda z: fnp.sum(fnp.abs(fnp.linalg.eigvals(z))))(A + 1j * A.T)
    np.testing.assert_allclose(g[0], [0.26540306 - 0.26540306j, 0.73899875 + 0.43844841j,
                                      0.12302918 - 0.32500783j], atol=1e-7)


def test_eig_vectors_solve_and_roots():
    w, v = fd.jit(fnp.linalg.eig)(A)
    np.testing.assert_allclose(A @ v, v * w, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(v, axis=0), 1.0)
    # reverse mode reaches the eigenvalues without differentiating the eigenvectors
    np.testing.assert_allclose(fd.grad(lambda a: fnp.sum(fnp.real(fnp.linalg.eig(a)[0])))(A), np.eye(3), atol=1e-12)
    with pytest.raises(TypeError, match="eig: the eigenvectors of a non-symmetric matrix have no derivative"):
        fd.grad(lambda a: fnp.sum(fnp.abs(fnp.linalg.eig(a)[1])))(A)
    m = A + 1j * A.T
    np.testing.assert_allclose(fd.jit(fnp.linalg.solve)(m, Z[:1].repeat(3)), np.linalg.solve(m, Z[:1].repeat(3)))
    np.testing.assert_allclose(fnp.roots(np.array([0.0, 1.0, -3.0, 2.0, 0.0])), [2, 1, 0])
    with pytest.raises(fd.errors.ConcretizationError, match="strip_zeros=False"):
        fd.jit(fnp.roots)(np.array([1.0, -3.0, 2.0]))


M = (np.array([[1.0, 2.0, -1.0], [0.5, -1.0, 2.0], [1.5, 0.3, 0.7]])
     + 1j * np.array([[0.2, -1.0, 0.4], [1.1, 0.3, -0.6], [-0.8, 0.5, 1.2]]))
H = M @ M.conj().T + np.eye(3)  # Hermitian positive definite
TALL = np.vstack([M, [[0.3 - 1j, 1.0, 0.5j]]])
C = np.array([1.0, 2.0, 3.0])


def _decomposition_losses(m):
    """Real functions of complex matrices through each decomposition (eigenvectors and
    singular vectors through |.|^2, which their arbitrary phases do not change)."""
    L = m.linalg
    svd = lambda a: L.svd(a, full_matrices=False)  # noqa: E731
    return {
        "cholesky": (lambda a: m.sum(m.real(L.cholesky(a)) + 2 * m.imag(L.cholesky(a))), H),
        "eigh": (lambda a: m.sum(L.eigh(a)[0] * C) + m.sum(m.abs(L.eigh(a)[1]) ** 2 * C), H + 1j * np.triu(M)),
        "svd": (lambda a: m.sum(svd(a)[1] * C) + m.sum(m.abs(svd(a)[0]) ** 2 * C)
                + m.sum(m.abs(svd(a)[2]) ** 2 * C[:, None]), TALL),
        "qr": (lambda a: m.sum(m.real(L.qr(a)[0])) + m.sum(m.imag(L.qr(a)[1])), TALL),
        "slogdet": (lambda a: m.real(L.slogdet(a)[0]) + 2 * m.imag(L.slogdet(a)[0]) + L.slogdet(a)[1], M),
        "det": (lambda a: m.abs(L.det(a)) + m.real(L.det(a)), M),
        "pinv": (lambda a: m.sum(m.real(L.pinv(a)) * C[:, None] + m.imag(L.pinv(a))), TALL),
        "norm2": (lambda a: L.norm(a, 2) + L.norm(a, "nuc"), TALL),
    }


# The first row of JAX's gradient of each loss (JAX 0.10.2, x64, jax.grad)
JAX_GRAD_ROW = {
    "cholesky": [0.3497907698 + 0.0000000000j, 0.3073730619 + 0.4275570277j, 0.2410607350 + 0.5683234511j],
    "eigh": [2.2521049757 + 0.0000000000j, -0.7746992755 - 0.1405039159j, 0.2935329168 - 0.2260873632j],
    "svd": [0.6550054045 - 1.0007396805j, 1.2920747732 + 1.2270200866j, 0.3527843608 + 0.4333405447j],
    "qr": [-0.2230095524 - 0.8383179179j, 0.3290339942 + 0.0977404626j, 0.6737937156 - 0.3036157719j],
    "slogdet": [-0.0587065341 - 0.3203818145j, 0.6244059936 - 0.1220594912j, 0.1330758604 - 0.0023838391j],
    "det": [-0.2997586465 - 3.8983722484j, 7.6072762956 - 0.6754678111j, 1.5917086338 + 0.1381475579j],
    "pinv": [-0.4996251584 + 0.1450332366j, -0.5412012754 - 0.1895629852j, -0.6021059262 + 0.0260221302j],
    "norm2": [0.5661330324 - 0.0854886099j, 1.1741322427 + 0.5898396036j, -0.5347499672 - 0.1806150258j],
}


@pytest.mark.parametrize("name", sorted(JAX_GRAD_ROW))
def test_complex_matrix_decompositions_match_numpy_and_jax_gradients(name):
    f, x = _decomposition_losses(fnp)[name]
    symmetrized = (x + x.conj().T) / 2 if name == "eigh" else x  # numpy reads one triangle; JAX symmetrizes
    want_value = _decomposition_losses(np)[name][0](symmetrized)
    np.testing.assert_allclose(f(x), want_value, rtol=1e-12)
    np.testing.assert_allclose(fd.grad(f)(x)[0], JAX_GRAD_ROW[name], atol=1e-9)
    np.testing.assert_allclose(fd.jit(fd.grad(f))(x)[0], JAX_GRAD_ROW[name], atol=1e-9)


def test_complex_factorizations_reconstruct_their_matrix():
    L = fd.jit(fnp.linalg.cholesky)(H)
    np.testing.assert_allclose(L @ L.conj().T, H, atol=1e-12)
    w, v = fd.jit(fnp.linalg.eigh)(H)
    assert w.dtype == np.float64
    np.testing.assert_allclose((v * w) @ v.conj().T, H, atol=1e-12)
    u, s, vh = fd.vmap(lambda a: fnp.linalg.svd(a, full_matrices=False))(np.stack([TALL, 2 * TALL]))
    np.testing.assert_allclose((u[1] * s[1]) @ vh[1], 2 * TALL, atol=1e-12)
    assert fnp.linalg.norm(M.astype(np.complex64), 2).dtype == np.float32


@pytest.mark.parametrize("fn", [fnp.median, fnp.nanmedian, lambda z: fnp.quantile(z, 0.5),
                                lambda z: fnp.searchsorted(z, z), fnp.histogram])
def test_functions_not_built_for_complex_values_raise_naming_themselves(fn):
    with pytest.raises(TypeError, match="complex inputs are not supported yet"):
        fn(Z)


def test_interp_takes_complex_values_not_complex_coordinates():
    np.testing.assert_allclose(fnp.interp(0.5, np.arange(2.0), Z), np.interp(0.5, np.arange(2.0), Z))
    with pytest.raises(TypeError, match="interp: x and xp must be real"):
        fnp.interp(Z, np.arange(2.0), np.arange(2.0))
