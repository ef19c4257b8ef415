"""ember.linalg and the top-level linear-algebra functions vs PyTorch: values (invariants where a
decomposition's signs are free), gradients (gauge-invariant losses for svd/eigh), errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from _devices import device_params

import ember

CPU_JAX = device_params()


def _pair(shape: tuple[int, ...], seed: int = 0, kind: str = "gen", device: str = "cpu") -> tuple[Any, Any]:
    """The same float64 matrix as an ember leaf on ``device`` and a torch leaf."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    if kind == "spd":
        a = a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])
    elif kind == "sym":
        a = a + np.swapaxes(a, -1, -2)
    elif kind == "wellcond" and shape[-1] == shape[-2]:
        a = a + 3 * np.eye(shape[-1])
    e = ember.tensor(a, dtype=ember.float64, device=device, requires_grad=True)
    t = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    return e, t


def _np(x: Any) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.detach().cpu().numpy())


def _close(a: Any, b: Any, tol: float = 1e-8) -> None:
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


def _grad_check(fe: Any, ft: Any, shape: tuple[int, ...], kind: str = "wellcond", device: str = "cpu",
                tol: float = 1e-7) -> None:
    """Value and gradient of scalar losses ``fe(ember)`` / ``ft(torch)`` agree."""
    e, t = _pair(shape, kind=kind, device=device)
    le, lt = fe(e), ft(t)
    _close(le, lt, tol)
    le.backward()
    lt.backward()
    _close(e.grad, t.grad, tol)


def _weights(shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(7).standard_normal(shape)


def _wsum(x: Any, lib: Any) -> Any:
    w = _weights(tuple(x.shape))
    return (x * lib.tensor(w, dtype=x.dtype, device=x.device)).sum()


# -- values and gradients -------------------------------------------------------------------------
@pytest.mark.parametrize("device", CPU_JAX)
def test_inv_det_slogdet_solve(device: str) -> None:
    for shape in [(3, 3), (2, 3, 3)]:
        _grad_check(lambda a: _wsum(ember.linalg.inv(a), ember), lambda a: _wsum(torch.linalg.inv(a), torch),
                    shape, device=device)
        _grad_check(lambda a: ember.linalg.det(a).sum(), lambda a: torch.linalg.det(a).sum(), shape, device=device)
        _grad_check(lambda a: ember.linalg.slogdet(a).logabsdet.sum(),
                    lambda a: torch.linalg.slogdet(a).logabsdet.sum(), shape, device=device)
    b = np.random.default_rng(3).standard_normal((2, 3, 2))
    for left in (True, False):
        bb = b if left else np.swapaxes(b, -1, -2)
        _grad_check(lambda a, bb=bb, left=left: _wsum(ember.linalg.solve(a, ember.tensor(bb, device=device),
                                                                          left=left), ember),
                    lambda a, bb=bb, left=left: _wsum(torch.linalg.solve(a, torch.tensor(bb), left=left), torch),
                    (2, 3, 3), device=device)


def test_solve_vector_and_broadcast_grads() -> None:
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    for bshape in [(3,), (2, 3), (3, 2), (1, 3, 2)]:
        b = rng.standard_normal(bshape)
        ea, ta = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        eb, tb = ember.tensor(b, requires_grad=True), torch.tensor(b, requires_grad=True)
        xe, xt = ember.linalg.solve(ea, eb), torch.linalg.solve(ta, tb)
        assert tuple(xe.shape) == tuple(xt.shape)
        _close(xe, xt)
        _wsum(xe, ember).backward()
        _wsum(xt, torch).backward()
        _close(ea.grad, ta.grad)
        _close(eb.grad, tb.grad)


@pytest.mark.parametrize("device", CPU_JAX)
def test_cholesky(device: str) -> None:
    for upper in (False, True):
        e, t = _pair((2, 3, 3), kind="spd", device=device)
        Le, Lt = ember.linalg.cholesky(e, upper=upper), torch.linalg.cholesky(t, upper=upper)
        _close(Le, Lt)
        _wsum(Le, ember).backward()
        _wsum(Lt, torch).backward()
        _close(e.grad, t.grad, 1e-7)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 4), (2, 4, 2)])
def test_qr(shape: tuple[int, ...]) -> None:
    e, t = _pair(shape)
    for mode in ("reduced", "complete"):
        Q, R = ember.linalg.qr(e, mode=mode)
        Qt, Rt = torch.linalg.qr(t, mode=mode)
        assert tuple(Q.shape) == tuple(Qt.shape) and tuple(R.shape) == tuple(Rt.shape)
        _close(Q @ R, e)
        _close(Q.mT @ Q, ember.eye(Q.shape[-1], dtype=ember.float64).expand(*Q.shape[:-2], -1, -1))
        _close(R, ember.triu(R))
    assert ember.linalg.qr(e, mode="r").Q.numel() == 0
    # LAPACK's Householder QR fixes the signs the same way in both libraries, so Q, R and grads match torch
    Q, R = ember.linalg.qr(e)
    Qt, Rt = torch.linalg.qr(t)
    _close(Q, Qt)
    (_wsum(Q, ember) + _wsum(R, ember)).backward()
    (_wsum(Qt, torch) + _wsum(Rt, torch)).backward()
    _close(e.grad, t.grad, 1e-7)


@pytest.mark.parametrize("device", CPU_JAX)
def test_eigh_gauge_invariant(device: str) -> None:
    e, t = _pair((2, 4, 4), kind="sym", device=device)
    L, V = ember.linalg.eigh(e)
    Lt, Vt = torch.linalg.eigh(t)
    _close(L, Lt)
    _close((V * L.unsqueeze(-2)) @ V.mT, e)
    # |V|**2 ordering-invariant-free of signs; the eigenvalues weighted, plus a projector
    lw = _weights((2, 4))
    loss_e = (L * ember.tensor(lw, device=device)).sum() + (V[..., :1] @ V[..., :1].mT).pow(2).mul(
        ember.tensor(_weights((2, 4, 4)), device=device)).sum()
    loss_t = (Lt * torch.tensor(lw)).sum() + (Vt[..., :1] @ Vt[..., :1].mT).pow(2).mul(
        torch.tensor(_weights((2, 4, 4)))).sum()
    _close(loss_e, loss_t)
    loss_e.backward()
    loss_t.backward()
    _close(e.grad, t.grad, 1e-6)
    _close(ember.linalg.eigvalsh(e, UPLO="U"), torch.linalg.eigvalsh(t, UPLO="U"))
    _grad_check(lambda a: _wsum(ember.linalg.eigvalsh(a, UPLO="U"), ember),
                lambda a: _wsum(torch.linalg.eigvalsh(a, UPLO="U"), torch), (2, 3, 3), kind="sym", device=device)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 4), (2, 3, 2)])
def test_svd_gauge_invariant(shape: tuple[int, ...]) -> None:
    e, t = _pair(shape)
    U, S, Vh = ember.linalg.svd(e, full_matrices=False)
    Ut, St, Vht = torch.linalg.svd(t, full_matrices=False)
    _close(S, St)
    _close((U * S.unsqueeze(-2)) @ Vh, e)
    k = S.shape[-1]

    def loss(U: Any, S: Any, Vh: Any, lib: Any) -> Any:
        w = lib.tensor(_weights(tuple(U.shape[:-1]) + (U.shape[-2],)))
        pu = U[..., :1] @ U[..., :1].mT
        pv = Vh[..., :1, :].mT @ Vh[..., :1, :]
        return (pu * w).sum() + pv.pow(2).sum() * 0.3 + (S * lib.arange(1, k + 1, dtype=S.dtype)).sum()

    le, lt = loss(U, S, Vh, ember), loss(Ut, St, Vht, torch)
    _close(le, lt)
    le.backward()
    lt.backward()
    _close(e.grad, t.grad, 1e-6)
    U2, S2, V2 = ember.linalg.svd(e.detach(), full_matrices=True)
    assert tuple(U2.shape) == tuple(torch.linalg.svd(t.detach()).U.shape)
    _grad_check(lambda a: ember.linalg.svdvals(a).sum(), lambda a: torch.linalg.svdvals(a).sum(), shape)


def test_old_svd_qr_api() -> None:
    e, t = _pair((4, 3))
    U, S, V = ember.svd(e)
    _close((U * S) @ V.mT, e)
    assert tuple(V.shape) == (3, 3) and tuple(U.shape) == (4, 3)
    Uc, _, Vc = ember.svd(e, compute_uv=False)
    assert tuple(Uc.shape) == (4, 4) and float(Uc.abs().sum()) == 0
    Q, R = ember.qr(e, some=False)
    assert tuple(Q.shape) == (4, 4)
    _close(Q @ R, e)


@pytest.mark.parametrize("ord", ["fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2])
def test_matrix_norm(ord: Any) -> None:
    _grad_check(lambda a: ember.linalg.matrix_norm(a, ord).sum(), lambda a: torch.linalg.matrix_norm(a, ord).sum(),
                (2, 3, 4), kind="gen")
    e, t = _pair((3, 2, 4))
    _close(ember.linalg.matrix_norm(e, ord, dim=(0, 2), keepdim=True),
           torch.linalg.matrix_norm(t, ord, dim=(0, 2), keepdim=True))


def test_norms_misc() -> None:
    e, t = _pair((3, 4))
    for ord in (None, 2, 1, math.inf, 0.5):
        _close(ember.linalg.vector_norm(e, 2 if ord is None else ord),
               torch.linalg.vector_norm(t, 2 if ord is None else ord))
    _close(ember.linalg.norm(e), torch.linalg.norm(t))
    _close(ember.linalg.norm(e, "nuc"), torch.linalg.norm(t, "nuc"))
    _close(ember.linalg.norm(e, 3, dim=1), torch.linalg.norm(t, 3, dim=1))
    s, st = _pair((4, 4), kind="wellcond")
    for p in (None, 2, -2, "fro", "nuc", 1, math.inf):
        _close(ember.linalg.cond(s, p), torch.linalg.cond(st, p))


def test_rank_pinv_lstsq() -> None:
    rng = np.random.default_rng(5)
    low = rng.standard_normal((2, 5, 2)) @ rng.standard_normal((2, 2, 4))
    e, t = ember.tensor(low), torch.tensor(low)
    assert ember.linalg.matrix_rank(e).tolist() == torch.linalg.matrix_rank(t).tolist()
    assert ember.linalg.matrix_rank(e, atol=1.0, rtol=0.0).tolist() == torch.linalg.matrix_rank(
        t, atol=1.0, rtol=0.0).tolist()
    _close(ember.linalg.pinv(e), torch.linalg.pinv(t))
    sym = low @ np.swapaxes(low, -1, -2)
    _close(ember.linalg.pinv(ember.tensor(sym), hermitian=True), torch.linalg.pinv(torch.tensor(sym), hermitian=True))
    _close(ember.pinverse(e), torch.pinverse(t))
    _grad_check(lambda a: _wsum(ember.linalg.pinv(a), ember), lambda a: _wsum(torch.linalg.pinv(a), torch), (4, 3),
                kind="gen", tol=1e-6)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    for driver in (None, "gelsd", "gels"):
        re, rt = ember.linalg.lstsq(ember.tensor(a), ember.tensor(b), driver=driver), torch.linalg.lstsq(
            torch.tensor(a), torch.tensor(b), driver=driver)
        for x, y in zip(re, rt):
            assert tuple(x.shape) == tuple(y.shape), (driver, x.shape, y.shape)
            _close(x, y)


def test_powers_exp() -> None:
    e, t = _pair((2, 3, 3), kind="wellcond")
    for n in (0, 1, 2, 5, -1, -3):
        _close(ember.linalg.matrix_power(e, n), torch.linalg.matrix_power(t, n), 1e-7)
    _grad_check(lambda a: _wsum(ember.matrix_power(a, 3), ember), lambda a: _wsum(torch.matrix_power(a, 3), torch),
                (3, 3))
    _grad_check(lambda a: _wsum(ember.linalg.matrix_exp(a), ember), lambda a: _wsum(torch.linalg.matrix_exp(a), torch),
                (2, 3, 3), kind="gen", tol=1e-6)
    big = ember.tensor([[0.0, 30.0], [-30.0, 0.0]], dtype=ember.float64)
    _close(ember.matrix_exp(big), torch.matrix_exp(torch.tensor([[0.0, 30.0], [-30.0, 0.0]], dtype=torch.float64)),
           1e-7)


def test_triangular() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((3, 3)) + 3 * np.eye(3), rng.standard_normal((3, 2))
    for upper in (True, False):
        for left in (True, False):
            for unit in (False, True):
                bb = b if left else b.T
                ea, ta = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
                xe = ember.linalg.solve_triangular(ea, ember.tensor(bb), upper=upper, left=left, unitriangular=unit)
                xt = torch.linalg.solve_triangular(ta, torch.tensor(bb), upper=upper, left=left, unitriangular=unit)
                _close(xe, xt)
                _wsum(xe, ember).backward()
                _wsum(xt, torch).backward()
                _close(ea.grad, ta.grad)
    for upper in (True, False):
        for trans in (True, False):
            re = ember.triangular_solve(ember.tensor(b), ember.tensor(a), upper=upper, transpose=trans)
            rt = torch.triangular_solve(torch.tensor(b), torch.tensor(a), upper=upper, transpose=trans)
            _close(re.solution, rt.solution)
            _close(re.cloned_coefficient, rt.cloned_coefficient)
    spd = a @ a.T
    L = np.linalg.cholesky(spd)
    for upper in (False, True):
        f = L.T if upper else L
        _close(ember.cholesky_solve(ember.tensor(b), ember.tensor(f), upper),
               torch.cholesky_solve(torch.tensor(b), torch.tensor(f), upper))
        _close(ember.cholesky_inverse(ember.tensor(f), upper), torch.cholesky_inverse(torch.tensor(f), upper))


def test_products() -> None:
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    _close(ember.linalg.cross(ember.tensor(x), ember.tensor(y)), torch.linalg.cross(torch.tensor(x), torch.tensor(y)))
    with pytest.warns(UserWarning):
        _close(ember.cross(ember.tensor(x.T), ember.tensor(y.T)), torch.cross(torch.tensor(x.T), torch.tensor(y.T)))
    _close(ember.linalg.vecdot(ember.tensor(x), ember.tensor(y)), torch.linalg.vecdot(torch.tensor(x), torch.tensor(y)))
    ms = [rng.standard_normal(s) for s in [(3,), (3, 4), (4, 2), (2,)]]
    _close(ember.linalg.multi_dot([ember.tensor(m) for m in ms]), torch.linalg.multi_dot([torch.tensor(m) for m in ms]))
    m2 = [rng.standard_normal(s) for s in [(2, 3), (3, 4), (4, 2)]]
    _close(ember.chain_matmul(*[ember.tensor(m) for m in m2]), torch.linalg.multi_dot([torch.tensor(m) for m in m2]))
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 2, 2))
    _close(ember.kron(ember.tensor(a), ember.tensor(b)), torch.kron(torch.tensor(a), torch.tensor(b)))
    c, d = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 3, 5))
    _close(ember.tensordot(ember.tensor(c), ember.tensor(d), ([1, 2], [1, 0])),
           torch.tensordot(torch.tensor(c), torch.tensor(d), ([1, 2], [1, 0])))
    _close(ember.tensordot(ember.tensor(c), ember.tensor(c), 3), torch.tensordot(torch.tensor(c), torch.tensor(c), 3))
    _close(ember.trace(ember.tensor(a[:, :2])), torch.trace(torch.tensor(a[:, :2])))
    x1, x2 = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 5, 3))
    for p in (2.0, 1.0, 0.5, math.inf):
        _close(ember.cdist(ember.tensor(x1), ember.tensor(x2), p), torch.cdist(torch.tensor(x1), torch.tensor(x2), p))
    A = rng.standard_normal((4, 3))
    tau = rng.standard_normal(2)
    _close(ember.linalg.householder_product(ember.tensor(A), ember.tensor(tau)),
           torch.linalg.householder_product(torch.tensor(A), torch.tensor(tau)))
    _close(ember.linalg.vander(ember.tensor([1.0, 2.0, 3.0])), torch.linalg.vander(torch.tensor([1.0, 2.0, 3.0])))
    At = rng.standard_normal((2, 3, 6))
    Bt = rng.standard_normal((2, 3))
    _close(ember.linalg.tensorsolve(ember.tensor(At), ember.tensor(Bt)),
           torch.linalg.tensorsolve(torch.tensor(At), torch.tensor(Bt)))
    T = rng.standard_normal((4, 6, 8, 3))
    _close(ember.linalg.tensorinv(ember.tensor(T), ind=2),
           torch.linalg.tensorinv(torch.tensor(T), ind=2), 1e-6)


def test_addmm_family() -> None:
    rng = np.random.default_rng(6)
    i2, m1, m2 = rng.standard_normal((2, 4)), rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    e = [ember.tensor(v, requires_grad=True) for v in (i2, m1, m2)]
    t = [torch.tensor(v, requires_grad=True) for v in (i2, m1, m2)]
    re, rt = ember.addmm(*e, beta=0.5, alpha=2.0), torch.addmm(*t, beta=0.5, alpha=2.0)
    _close(re, rt)
    _wsum(re, ember).backward()
    _wsum(rt, torch).backward()
    for x, y in zip(e, t):
        _close(x.grad, y.grad)
    _close(e[0].addmm(e[1], e[2]), t[0].addmm(t[1], t[2]))
    v, w = rng.standard_normal(3), rng.standard_normal(2)
    _close(ember.addmv(ember.tensor(w), ember.tensor(m1), ember.tensor(v), alpha=3),
           torch.addmv(torch.tensor(w), torch.tensor(m1), torch.tensor(v), alpha=3))
    _close(ember.addr(ember.tensor(m1), ember.tensor(w), ember.tensor(v)),
           torch.addr(torch.tensor(m1), torch.tensor(w), torch.tensor(v)))
    b1, b2, ib = rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 2, 4))
    _close(ember.baddbmm(ember.tensor(ib), ember.tensor(b1), ember.tensor(b2), beta=0),
           torch.baddbmm(torch.tensor(ib), torch.tensor(b1), torch.tensor(b2), beta=0))
    _close(ember.addbmm(ember.tensor(i2[:, :4]), ember.tensor(b1), ember.tensor(b2)),
           torch.addbmm(torch.tensor(i2[:, :4]), torch.tensor(b1), torch.tensor(b2)))


def test_tensor_methods() -> None:
    e, t = _pair((3, 3), kind="spd")
    _close(e.det(), t.det())
    _close(e.logdet(), t.logdet())
    _close(e.inverse(), t.inverse())
    _close(e.slogdet()[1], t.slogdet()[1])
    _close(e.pinverse(), t.pinverse())
    _close(e.matrix_power(2), t.matrix_power(2))
    _close(e.matrix_exp(), t.matrix_exp())
    _close(e.trace(), t.trace())
    _close(e.kron(e), t.kron(t))
    _close(e.cholesky_inverse(), t.cholesky_inverse())
    _close(e.svd().S, t.svd().S)
    _close(e.qr().R.abs(), t.qr().R.abs())
    _close(e.logdet(), t.logdet())
    assert math.isnan(float(ember.logdet(ember.tensor([[0.0, 1.0], [1.0, 0.0]]))))


# -- errors ----------------------------------------------------------------------------------------
def _same_error(fe: Any, ft: Any) -> None:
    with pytest.raises(Exception) as et:
        ft()
    with pytest.raises(Exception) as ee:
        fe()
    assert isinstance(ee.value, RuntimeError) == isinstance(et.value, RuntimeError)
    assert str(ee.value) == str(et.value), (str(ee.value), str(et.value))


@pytest.mark.parametrize("device", CPU_JAX)
def test_errors(device: str) -> None:
    def both(name: str, *shapes_dtypes: Any, **kw: Any) -> None:
        args_e = [ember.tensor(np.asarray(v), dtype=getattr(ember, d), device=device) for v, d in shapes_dtypes]
        args_t = [torch.tensor(np.asarray(v), dtype=getattr(torch, d)) for v, d in shapes_dtypes]
        _same_error(lambda: getattr(ember.linalg, name)(*args_e, **kw),
                    lambda: getattr(torch.linalg, name)(*args_t, **kw))

    ones23, ones3 = np.ones((2, 3)), np.ones(3)
    for name in ("inv", "det", "slogdet", "eigh", "cholesky", "matrix_exp"):
        both(name, (ones23, "float32"))
    for name in ("inv", "det", "svd", "qr", "matrix_rank"):
        both(name, (ones3, "float32"))
    both("inv", (np.ones((2, 2)), "long"))
    both("det", (np.ones((2, 2)), "int32"))
    both("vector_norm", (ones3, "long"))
    both("matrix_norm", (np.ones((2, 2)), "float32"), ord=3)
    both("cross", (np.ones(2), "float32"), (np.ones(2), "float32"))
    both("solve", (np.eye(2), "float32"), (ones3, "float32"))
    both("qr", (np.eye(2), "float32"), mode="x")
    with pytest.raises(ember.linalg.LinAlgError, match="the input matrix is singular") as ex:
        ember.linalg.inv(ember.ones(2, 2, device=device))
    assert isinstance(ex.value, RuntimeError)
    _same_error(lambda: ember.linalg.inv(ember.ones(2, 2, device=device)), lambda: torch.linalg.inv(torch.ones(2, 2)))
    _same_error(lambda: ember.linalg.inv(ember.stack([ember.eye(2), ember.ones(2, 2)]).to(device)),
                lambda: torch.linalg.inv(torch.stack([torch.eye(2), torch.ones(2, 2)])))
    _same_error(lambda: ember.linalg.cholesky(-ember.eye(3, device=device)),
                lambda: torch.linalg.cholesky(-torch.eye(3)))
    npd = [[1.0, 2.0], [2.0, 1.0]]
    _same_error(lambda: ember.linalg.cholesky(ember.tensor(npd, device=device)),
                lambda: torch.linalg.cholesky(torch.tensor(npd)))
    _same_error(lambda: ember.linalg.solve(ember.ones(2, 2, device=device), ember.ones(2, device=device)),
                lambda: torch.linalg.solve(torch.ones(2, 2), torch.ones(2)))
    r = ember.linalg.cholesky_ex(ember.tensor([npd, np.eye(2).tolist()], device=device))
    assert r.info.tolist() == torch.linalg.cholesky_ex(torch.tensor([npd, np.eye(2).tolist()])).info.tolist()
    assert r.info.dtype is ember.int32
    assert ember.linalg.inv_ex(ember.ones(3, 3, device=device)).info.item() == 2
    assert ember.linalg.solve_ex(ember.ones(3, 3, device=device), ember.ones(3, device=device)).info.item() == 2
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize("kind", ["real_spectrum", "complex_spectrum"])
def test_eig(kind: str) -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3, 3))
    if kind == "complex_spectrum":
        a = a - np.swapaxes(a, -1, -2) + 0.3 * np.eye(3)  # mostly skew: complex-conjugate pairs
    e, t = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    L, V = ember.linalg.eig(e)
    Lt, Vt = torch.linalg.eig(t)
    assert L.dtype is ember.complex128 and V.dtype is ember.complex128
    def spectrum(x: Any) -> np.ndarray:
        v = _np(x).ravel()
        return v[np.lexsort((np.round(v.imag, 8), np.round(v.real, 8)))]

    np.testing.assert_allclose(spectrum(L), spectrum(Lt), atol=1e-10)
    # A V = V diag(L), and gauge-invariant losses (|V| and the spectrum) have torch's gradient
    _close(e.to(ember.complex128) @ V, V * L.unsqueeze(-2))
    w = _weights((2, 3))

    def loss(L: Any, V: Any, lib: Any) -> Any:
        return (L.real * lib.tensor(w)).sum() + (L.imag ** 2).sum() + (V.abs() ** 2 * lib.arange(3.0)).sum()

    le, lt = loss(L, V, ember), loss(Lt, Vt, torch)
    _close(le, lt)
    le.backward()
    lt.backward()
    _close(e.grad, t.grad, 1e-7)
    e2, t2 = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ember.linalg.eigvals(e2).imag.pow(2).sum().backward()
    torch.linalg.eigvals(t2).imag.pow(2).sum().backward()
    _close(e2.grad, t2.grad, 1e-7)


def test_float32() -> None:
    e, t = _pair((2, 3, 3), kind="spd")
    e32, t32 = e.detach().float(), t.detach().float()
    for fn in ("inv", "det", "cholesky", "svdvals", "eigvalsh", "pinv", "matrix_exp"):
        re, rt = getattr(ember.linalg, fn)(e32), getattr(torch.linalg, fn)(t32)
        assert re.dtype is ember.float32
        _close(re, rt, 1e-4)


@pytest.mark.parametrize("device", CPU_JAX)
def test_lu_family(device: str) -> None:
    rng = np.random.default_rng(0)
    # NOTE: jax compiles every elimination step's ops per shape: one small shape there keeps CI time down
    for shape in [(2, 4, 4), (4, 3), (3, 5)] if device == "cpu" else [(3, 3)]:
        e, t = _pair(shape, device=device)
        LU, piv = ember.linalg.lu_factor(e)
        LUt, pivt = torch.linalg.lu_factor(t)
        assert piv.dtype is ember.int32 and piv.tolist() == pivt.tolist()
        _close(LU, LUt)
        _wsum(LU, ember).backward()
        _wsum(LUt, torch).backward()
        _close(e.grad, t.grad)
        for x, y in zip(ember.linalg.lu(e.detach()), torch.linalg.lu(t.detach())):
            _close(x, y)
        for x, y in zip(ember.lu_unpack(LU.detach(), piv), torch.lu_unpack(LUt.detach(), pivt)):
            _close(x, y)
    a, b = rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 2))
    if device != "cpu":
        return
    LU, piv = ember.linalg.lu_factor(ember.tensor(a, device=device))
    LUt, pivt = torch.linalg.lu_factor(torch.tensor(a))
    for left in (True, False):
        for adjoint in (True, False):
            bb = b if left else np.swapaxes(b, -1, -2)
            _close(ember.linalg.lu_solve(LU, piv, ember.tensor(bb, device=device), left=left, adjoint=adjoint),
                   torch.linalg.lu_solve(LUt, pivt, torch.tensor(bb), left=left, adjoint=adjoint))
    ex = ember.linalg.lu_factor_ex(ember.ones(2, 2, device=device))
    assert ex.info.item() == torch.linalg.lu_factor_ex(torch.ones(2, 2)).info.item() == 2
    _same_error(lambda: ember.linalg.lu_factor(ember.ones(2, 2, device=device)),
                lambda: torch.linalg.lu_factor(torch.ones(2, 2)))


def test_complex_forward_and_grad_guard() -> None:
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3)) + 3 * np.eye(3)
    e, t = ember.tensor(a), torch.tensor(a)
    _close(ember.linalg.inv(e), torch.linalg.inv(t))
    _close(ember.linalg.det(e), torch.linalg.det(t))
    _close(ember.linalg.svdvals(e), torch.linalg.svdvals(t))
    with pytest.raises(RuntimeError, match="complex inputs are not implemented"):
        ember.linalg.inv(ember.tensor(a, requires_grad=True))


def test_det_grad_of_singular_matrix() -> None:
    # PyTorch documents an SVD fallback here; the derivative of det is adj(A)^T, finite for singular A
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]])
    e = ember.tensor(a, requires_grad=True)
    ember.linalg.det(e).backward()
    fd = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            d = np.zeros((3, 3))
            d[i, j] = 1e-6
            fd[i, j] = (np.linalg.det(a + d) - np.linalg.det(a - d)) / 2e-6
    np.testing.assert_allclose(_np(e.grad), fd, atol=1e-6)
