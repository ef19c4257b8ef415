"""QR, symmetric eigen- and singular value decompositions of ``ember.linalg`` over the backend's
optional kernels, with the backward formulas of PyTorch's ``derivatives.yaml`` in ember Tensor ops."""

from __future__ import annotations

from typing import Any

from ..autograd.graph import Node
from ..ops._dispatch import handle_out, record_multi
from ..ops.arrange import diag_embed, tril, triu
from ..ops.creation import eye, zeros
from ..ops.linalg import matmul
from ..tensor import Tensor, _wrap
from ._common import arr, check_matrix, kernel, real_grad, wrap_like
from ._decomp import _ret, solve_triangular

qr_t = _ret("linalg_qr", "Q R")
eigh_t = _ret("linalg_eigh", "eigenvalues eigenvectors")
svd_t = _ret("linalg_svd", "U S Vh")


# -- qr ------------------------------------------------------------------------------------------
def _copyltu(M: Tensor) -> Tensor:
    return tril(M, -1) + tril(M).mT


def _qr_backward(gQ: Tensor | None, gR: Tensor | None, Q: Tensor, R: Tensor) -> Tensor:
    m, n = Q._data.shape[-2], R._data.shape[-1]
    if m >= n:
        # gA = (gQ + Q copyltu(M)) R^{-T},  M = R gR^T - gQ^T Q
        M = matmul(R, gR.mT) if gR is not None else zeros(R._data.shape[:-1] + (n,), dtype=R.dtype, device=R.device)
        if gQ is not None:
            M = M - matmul(gQ.mT, Q)
        b = matmul(Q, _copyltu(M))
        if gQ is not None:
            b = b + gQ
        return solve_triangular(R.mT, b, upper=False, left=False)
    # wide: A = [X | Y] with X square; Y = Q V contributes through Q
    X_R, V = R[..., :m], R[..., m:]
    gV = gR[..., m:] if gR is not None else None
    gX_R = gR[..., :m] if gR is not None else None
    gQ2 = gQ
    Y = matmul(Q, V)
    if gV is not None:
        gQ2 = matmul(Y, gV.mT) if gQ2 is None else gQ2 + matmul(Y, gV.mT)
    gX = _qr_backward(gQ2, gX_R, Q, X_R)
    gY = matmul(Q, gV) if gV is not None else zeros(Y._data.shape, dtype=Y.dtype, device=Y.device)
    from ..ops.arrange import cat

    return cat([gX, gY], -1)


class LinalgQrBackward0(Node):
    def __init__(self, Q: Tensor, R: Tensor, mode: str):
        self.save(outputs=(Q, R))
        self.mode = mode

    def backward(self, gQ: Any, gR: Any) -> Tensor:
        Q, R = self.saved_tensors
        assert Q is not None and R is not None
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
                               "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")
        m, n = Q._data.shape[-2], R._data.shape[-1]
        if self.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        return _qr_backward(gQ, gR, Q, R)


def qr(A: Tensor, mode: str = "reduced", *, out: Any = None) -> Any:
    """QR decomposition ``A = Q R``; ``mode`` is 'reduced', 'complete' or 'r' (Q empty)."""
    check_matrix(A, "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    q, r = kernel(A, "linalg_qr")(arr(A), "complete" if mode == "complete" else "reduced")
    Q, R = wrap_like(A, q), wrap_like(A, r)
    if mode == "r":
        Q = zeros(0, dtype=A.dtype, device=A.device)
    if real_grad(A):
        record_multi([Q, R], LinalgQrBackward0(wrap_like(A, q), R, mode), A)
        if mode == "r":
            Q._rg, Q.grad_fn = False, None
    return qr_t(Q, R)


# -- eigh ----------------------------------------------------------------------------------------
class LinalgEighBackward0(Node):
    def __init__(self, L: Tensor, V: Tensor):
        self.save(outputs=(L, V))

    def backward(self, gL: Any, gV: Any) -> Tensor:
        L, V = self.saved_tensors
        assert L is not None and V is not None
        if gV is None:
            return matmul(V * gL.unsqueeze(-2), V.mT)
        VhgV = matmul(V.mT, gV)
        VhgV = 0.5 * (VhgV - VhgV.mT)
        n = L._data.shape[-1]
        I = eye(n, dtype=L.dtype, device=L.device)
        E = L.unsqueeze(-2) - L.unsqueeze(-1) + I
        gA = VhgV / E * (1 - I)
        if gL is not None:
            gA = gA + diag_embed(gL)
        return matmul(V, matmul(gA, V.mT))


def _eigh(A: Tensor, UPLO: str, fname: str) -> tuple[Tensor, Tensor]:
    check_matrix(A, fname, square=True)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"{fname}: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    Ad = A.detach()
    sym = tril(Ad) + tril(Ad, -1).mT if UPLO == "L" else triu(Ad) + triu(Ad, 1).mT
    w, v = kernel(A, "linalg_eigh")(arr(sym))
    return wrap_like(A, w), wrap_like(A, v)


def eigh(A: Tensor, UPLO: str = "L", *, out: Any = None) -> Any:
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices, from the ``UPLO`` triangle."""
    L, V = _eigh(A, UPLO, "linalg.eigh")
    if real_grad(A):
        record_multi([L, V], LinalgEighBackward0(L, V), A)
    return eigh_t(L, V)


def eigvalsh(A: Tensor, UPLO: str = "L", *, out: Tensor | None = None) -> Tensor:
    """Eigenvalues (ascending) of symmetric matrices."""
    L, V = _eigh(A, UPLO, "linalg.eigvalsh")
    if real_grad(A):
        record_multi([L, V], LinalgEighBackward0(L, V), A)
    return handle_out(L, out) if out is not None else L


# -- svd -----------------------------------------------------------------------------------------
class LinalgSvdBackward0(Node):
    def __init__(self, U: Tensor, S: Tensor, Vh: Tensor):
        self.save(outputs=(U, S, Vh))

    def backward(self, gU: Any, gS: Any, gVh: Any) -> Tensor:
        U, S, Vh = self.saved_tensors
        assert U is not None and S is not None and Vh is not None
        k = S._data.shape[-1]
        m, n = U._data.shape[-2], Vh._data.shape[-1]
        # full_matrices: only the first k singular vectors are determined by A
        U, Vh = U[..., :k], Vh[..., :k, :]
        gU = gU[..., :k] if gU is not None else None
        gVh = gVh[..., :k, :] if gVh is not None else None
        if gU is None and gVh is None:
            return matmul(U * gS.unsqueeze(-2), Vh)
        V = Vh.mT
        gV = gVh.mT if gVh is not None else None
        I = eye(k, dtype=S.dtype, device=S.device)
        S2 = S * S
        E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + I
        UhgU = VhgV = None
        if gU is not None:
            UhgU = matmul(U.mT, gU)
            UhgU = UhgU - UhgU.mT
        if gV is not None:
            VhgV = matmul(V.mT, gV)
            VhgV = VhgV - VhgV.mT
        if UhgU is not None and VhgV is not None:
            ret = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E
        elif UhgU is not None:
            ret = (UhgU / E) * S.unsqueeze(-2)
        else:
            assert VhgV is not None
            ret = S.unsqueeze(-1) * (VhgV / E)
        ret = ret * (1 - I)
        if gS is not None:
            ret = ret + diag_embed(gS)
        if m == n:
            return matmul(U, matmul(ret, Vh))
        if m > n:
            gA = matmul(U, ret)
            if gU is not None:
                gA = gA + (gU - matmul(U, matmul(U.mT, gU))) / S.unsqueeze(-2)
            return matmul(gA, Vh)
        gA = matmul(ret, Vh)
        if gV is not None:
            gA = gA + ((gV - matmul(V, matmul(V.mT, gV))) / S.unsqueeze(-2)).mT
        return matmul(U, gA)


def svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None, out: Any = None) -> Any:
    """Singular value decomposition ``A = U diag(S) Vh`` (singular values descending)."""
    check_matrix(A, "linalg.svd")
    u, s, vh = kernel(A, "linalg_svd")(arr(A), full_matrices)
    U, S, Vh = wrap_like(A, u), _wrap(s, A.dtype.to_real(), A._device), wrap_like(A, vh)  # S is real
    if real_grad(A):
        record_multi([U, S, Vh], LinalgSvdBackward0(U, S, Vh), A)
    return svd_t(U, S, Vh)


def svdvals(A: Tensor, *, driver: str | None = None, out: Tensor | None = None) -> Tensor:
    """Singular values, descending."""
    check_matrix(A, "linalg.svd")  # PyTorch's svdvals reports itself as svd
    u, s, vh = kernel(A, "linalg_svd")(arr(A), False)
    S = _wrap(s, A.dtype.to_real(), A._device)
    if real_grad(A):
        node = LinalgSvdBackward0(wrap_like(A, u), S, wrap_like(A, vh))
        record_multi([_wrap(u, A.dtype, A._device), S, _wrap(vh, A.dtype, A._device)], node, A)
    return handle_out(S, out) if out is not None else S
