"""Eigen-decomposition of general (non-symmetric) matrices: complex eigenvalues and eigenvectors,
with PyTorch's ``linalg_eig_backward``."""

from __future__ import annotations

from typing import Any

from ..autograd.graph import Node
from ..ops._dispatch import handle_out, needs_grad, record_multi
from ..ops.arrange import diag_embed
from ..ops.creation import eye
from ..ops.linalg import matmul
from ..tensor import Tensor, _wrap
from ._common import arr, check_matrix, kernel
from ._decomp import _ret, solve

eig_t = _ret("linalg_eig", "eigenvalues eigenvectors")


class LinalgEigBackward0(Node):
    def __init__(self, L: Tensor, V: Tensor, real_input: bool):
        self.save(outputs=(L, V))
        self.real_input = real_input

    def backward(self, gL: Any, gV: Any) -> Tensor:
        L, V = self.saved_tensors
        assert L is not None and V is not None
        Vh = V.mT.conj()
        n = L._data.shape[-1]
        I = eye(n, dtype=L.dtype, device=L.device)
        if gV is not None:
            VhgV = matmul(Vh, gV)
            # project onto the tangent space of unit-norm columns (the gauge PyTorch fixes)
            VhgV = VhgV - matmul(Vh, V * VhgV.diagonal(0, -2, -1).real.to(L.dtype).unsqueeze(-2))
            Lc = L.conj()
            Econj = Lc.unsqueeze(-2) - Lc.unsqueeze(-1) + I
            ret = VhgV / Econj * (1 - I)
            if gL is not None:
                ret = ret + diag_embed(gL)
        else:
            ret = diag_embed(gL)
        gA = solve(Vh, matmul(ret, Vh))
        return gA.real if self.real_input else gA


def _eig(A: Tensor, fname: str) -> tuple[Tensor, Tensor]:
    check_matrix(A, fname, square=True)
    w, v = kernel(A, "linalg_eig")(arr(A))
    cdt = A.dtype.to_complex() if A.dtype.is_floating_point else A.dtype
    be = A._device._be
    return _wrap(be.astype(w, cdt), cdt, A._device), _wrap(be.astype(v, cdt), cdt, A._device)


def eig(A: Tensor, *, out: Any = None) -> Any:
    """Eigenvalues and eigenvectors (unit-norm columns) of general square matrices, as complex tensors."""
    L, V = _eig(A, "linalg.eig")
    if needs_grad(A):
        record_multi([L, V], LinalgEigBackward0(L, V, not A.dtype.is_complex), A)
    return eig_t(L, V)


def eigvals(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Eigenvalues of general square matrices, as a complex tensor."""
    L, V = _eig(A, "linalg.eigvals")
    if needs_grad(A):
        record_multi([L, V], LinalgEigBackward0(L, V, not A.dtype.is_complex), A)
    return handle_out(L, out) if out is not None else L

