"""LU factorization with partial pivoting (``lu_factor``, ``lu``, ``lu_solve``, ``lu_unpack``) as a
composite of Tensor ops: one elimination step per column, so it batches, runs on every backend and
differentiates (the pivot choice is locally constant) without a backend kernel."""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..ops.arrange import cat, tril, triu
from ..ops.creation import arange, eye, zeros
from ..ops.elementwise import where
from ..tensor import Tensor
from ._common import LinAlgError, check_matrix
from ._decomp import _ret, solve_triangular

lu_factor_t = _ret("linalg_lu_factor", "LU pivots")
lu_factor_ex_t = _ret("linalg_lu_factor_ex", "LU pivots info")
lu_t = _ret("linalg_lu", "P L U")
lu_unpack_t = _ret("lu_unpack", "P L U")


def _swap_index(m: int, j: int, p: Tensor, dev: Any) -> Tensor:
    """Per batch, the row order ``0..m-1`` with rows ``j`` and ``p`` exchanged."""
    ar = arange(m, device=dev)
    pe = p.unsqueeze(-1)
    return where(ar == j, pe, where(ar == pe, j, ar.expand(*p._data.shape, m)))


def _factor(A: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``(LU, pivots (1-based int32), perm (row order of A in LU), info)`` of a batch of matrices."""
    m, n = A._data.shape[-2:]
    batch = A._data.shape[:-2]
    k = min(m, n)
    U = A
    dev = A.device
    perm = arange(m, device=dev).expand(*batch, m)
    pivots, zero_at = [], []
    for j in range(k):
        col = U[..., j:, j].detach()
        # LAPACK's pivot is the largest |re| + |im| (izamax), not the largest modulus, for complex matrices
        score = col.real.abs() + col.imag.abs() if col.dtype.is_complex else col.abs()
        p = score.argmax(-1) + j
        pivots.append(p + 1)
        idx = _swap_index(m, j, p, dev)
        U = U.gather(-2, idx.unsqueeze(-1).expand(*batch, m, n))
        perm = perm.gather(-1, idx)
        piv = U[..., j:j + 1, j:j + 1]
        zero = piv.detach() == 0
        zero_at.append(zero.reshape(*batch))
        if j + 1 < m:
            # an all-zero column (zero pivot) has nothing to eliminate: divide by 1 and keep l = 0, as LAPACK
            l = U[..., j + 1:, j:j + 1] / where(zero, 1.0, piv)
            tail = U[..., j + 1:, j + 1:] - l * U[..., j:j + 1, j + 1:]
            rest = cat([U[..., j + 1:, :j], l, tail], -1)
            U = cat([U[..., :j + 1, :], rest], -2)
    from ..ops.arrange import stack

    piv_t = stack(pivots, -1).to(_dt.int32) if pivots else arange(0, device=dev).to(_dt.int32).expand(*batch, 0)
    if zero_at:
        z = stack(zero_at, -1)
        # LAPACK's info: the 1-based index of the first zero pivot, 0 when there is none
        first = where(z, arange(1, k + 1, device=dev), k + 1).amin(-1)
        info = where(first == k + 1, 0, first).to(_dt.int32)
    else:
        info = zeros(batch, dtype=_dt.int32, device=dev)
    return U, piv_t, perm, info


def _check_pivot(pivot: bool, fname: str) -> None:
    if not pivot:
        raise RuntimeError(f"{fname}: LU without pivoting is not implemented on the CPU")


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out: Any = None) -> Any:
    """Compact LU factorization with partial pivoting: ``(LU, pivots, info)``."""
    check_matrix(A, "torch.linalg.lu_factor_ex")
    _check_pivot(pivot, "linalg.lu_factor_ex")
    LU, piv, _, info = _factor(A)
    if check_errors and bool((info != 0).any()):
        raise LinAlgError("torch.linalg.lu_factor_ex: the factorization found a zero pivot (the matrix is singular)")
    return lu_factor_ex_t(LU, piv, info)


def lu_factor(A: Tensor, *, pivot: bool = True, out: Any = None) -> Any:
    """Compact LU factorization with partial pivoting: ``(LU, pivots)``; raises for a zero pivot."""
    check_matrix(A, "torch.linalg.lu_factor")
    _check_pivot(pivot, "linalg.lu_factor")
    LU, piv, _, info = _factor(A)
    bad = info.reshape(-1).tolist()
    for b, code in enumerate(bad):
        if code:
            prefix = f"(Batch element {b}): " if A._data.ndim > 2 else ""
            raise RuntimeError(f"torch.linalg.lu_factor: {prefix}U[{code},{code}] is zero and using it on lu_solve "
                               "would result in a division by zero. If you still want to perform the factorization, "
                               "consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return lu_factor_t(LU, piv)


def _perm_matrix(perm: Tensor, dtype: _dt.dtype) -> Tensor:
    """``P`` with ``A = P L U`` from the row order ``perm`` (``LU``'s row i is ``A``'s row ``perm[i]``)."""
    m = perm._data.shape[-1]
    return eye(m, dtype=dtype, device=perm.device)[perm].mT


def _unpack(LU: Tensor, m: int, n: int) -> tuple[Tensor, Tensor]:
    k = min(m, n)
    L = tril(LU[..., :, :k], -1) + eye(m, k, dtype=LU.dtype, device=LU.device)
    U = triu(LU[..., :k, :])
    return L, U


def lu(A: Tensor, *, pivot: bool = True, out: Any = None) -> Any:
    """``(P, L, U)`` with ``A = P L U``, ``L`` unit lower and ``U`` upper triangular."""
    check_matrix(A, "linalg.lu")
    _check_pivot(pivot, "linalg.lu")
    LU, _, perm, _ = _factor(A)
    m, n = A._data.shape[-2:]
    L, U = _unpack(LU, m, n)
    return lu_t(_perm_matrix(perm, A.dtype), L, U)


def _perm_from_pivots(pivots: Tensor, m: int) -> Tensor:
    batch = pivots._data.shape[:-1]
    perm = arange(m, device=pivots.device).expand(*batch, m)
    for j in range(pivots._data.shape[-1]):
        p = pivots[..., j].to(_dt.int64) - 1
        perm = perm.gather(-1, _swap_index(m, j, p, pivots.device))
    return perm


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True, *,
              out: Any = None) -> Any:
    """``(P, L, U)`` from ``lu_factor``'s compact form and pivots."""
    if LU_pivots.dtype is not _dt.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.\n"
                           "Note: this function is intended to be used with the output produced by "
                           "torch.linalg.lu_factor")
    m, n = LU_data._data.shape[-2:]
    P = _perm_matrix(_perm_from_pivots(LU_pivots, m), LU_data.dtype) if unpack_pivots else LU_data.new_empty(0)
    # the factors left unpacked are empty, but still outputs of LU_data (PyTorch's require grad with it)
    L, U = _unpack(LU_data, m, n) if unpack_data else (LU_data.reshape(-1)[:0], LU_data.reshape(-1)[:0])
    return lu_unpack_t(P, L, U)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False,
             out: Any = None) -> Tensor:
    """Solve ``A X = B`` (``X A = B`` with ``left=False``; ``A^H`` with ``adjoint``) from ``lu_factor``."""
    m = LU._data.shape[-1]
    if LU._data.shape[-2] != m:
        raise RuntimeError(f"linalg.lu_solve: A must be batches of square matrices, but they are "
                           f"{LU._data.shape[-2]} by {m} matrices")
    if B._data.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    if (B._data.shape[-2] if left else B._data.shape[-1]) != m:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({m}x{m} and {B._data.shape[-2]}x{B._data.shape[-1]})")
    P = _perm_matrix(_perm_from_pivots(pivots, m), LU.dtype)
    L, U = _unpack(LU, m, m)
    if not left:
        # X A = B  <=>  A^H X^H = B^H
        return lu_solve(LU, pivots, B.mT, left=True, adjoint=not adjoint).mT
    if adjoint:
        # A^H = U^H L^H P^H
        Y = solve_triangular(U.mT, B, upper=False)
        Y = solve_triangular(L.mT, Y, upper=True, unitriangular=True)
        return P @ Y
    Y = solve_triangular(L, P.mT @ B, upper=False, unitriangular=True)
    return solve_triangular(U, Y, upper=True)
