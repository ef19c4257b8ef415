"""Top-level linear-algebra functions of ``torch`` (``torch.det``, ``torch.svd``, ``torch.addmm``, ...),
as composites of ``ember.linalg`` and Tensor ops."""

from __future__ import annotations

import math
import warnings
from typing import Any

from ..amp._state import AUTOCAST, autocast_call
from ..ops._dispatch import handle_out
from ..ops.linalg import matmul
from ..tensor import Tensor
from . import _decomp as D
from . import _derived as R
from . import _lu
from . import _spectral as Sp
from ._common import check_matrix

svd_t = D._ret("svd", "U S V")
lu_unpack = _lu.lu_unpack
qr_t = D._ret("qr", "Q R")
slogdet_t = D._ret("slogdet", "sign logabsdet")
triangular_solve_t = D._ret("triangular_solve", "solution cloned_coefficient")


def _out(r: Tensor, out: Tensor | None) -> Tensor:
    return handle_out(r, out) if out is not None else r


def det(input: Tensor) -> Tensor:
    """Determinant of square matrices (``torch.linalg.det``)."""
    return D.det(input)


def slogdet(input: Tensor, *, out: Any = None) -> Any:
    """``(sign, logabsdet)`` of the determinant."""
    s, la = D.slogdet(input)
    return slogdet_t(s, la)


def logdet(input: Tensor) -> Tensor:
    """Log of the determinant (NaN for a negative determinant)."""
    s, la = D.slogdet(input)
    return la + s.detach().log()


def inverse(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inverse of square matrices (``torch.linalg.inv``)."""
    return D.inv(input, out=out)


def cholesky(input: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Deprecated ``torch.cholesky``: use ``ember.linalg.cholesky``."""
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                  "PyTorch release.", UserWarning, stacklevel=2)
    return D.cholesky(input, upper=upper, out=out)


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Solve ``A X = B`` given the Cholesky factor ``L`` of ``A``."""
    Lo = L.mT if upper else L
    Y = D.solve_triangular(Lo, B, upper=False)
    return _out(D.solve_triangular(Lo.mT, Y, upper=True), out)


def cholesky_inverse(L: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Inverse of ``A`` given its Cholesky factor."""
    check_matrix(L, "cholesky_inverse", square=True)
    from ..ops.creation import eye

    n = L._data.shape[-1]
    return _out(cholesky_solve(eye(n, dtype=L.dtype, device=L.device).expand(*L._data.shape), L, upper), out)


def svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out: Any = None) -> Any:
    """Old-API SVD: ``(U, S, V)`` with ``V`` (not ``Vh``); zero U/V when ``compute_uv=False``."""
    if not compute_uv:
        from ..ops.creation import zeros

        m, n = input._data.shape[-2:]
        batch = input._data.shape[:-2]
        kw: dict[str, Any] = {"dtype": input.dtype, "device": input.device}
        return svd_t(zeros(*batch, m, m, **kw), Sp.svdvals(input), zeros(*batch, n, n, **kw))
    U, S, Vh = Sp.svd(input, full_matrices=not some)
    return svd_t(U, S, Vh.mT)


def qr(input: Tensor, some: bool = True, *, out: Any = None) -> Any:
    """Old-API QR: reduced when ``some`` else complete."""
    Q, Rr = Sp.qr(input, "reduced" if some else "complete")
    return qr_t(Q, Rr)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """Pseudo-inverse with relative cutoff ``rcond``."""
    return R.pinv(input, rtol=rcond)


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False, unitriangular: bool = False,
                     *, out: Any = None) -> Any:
    """Deprecated solver of ``A X = b`` for triangular ``A``: ``(solution, cloned_coefficient)``."""
    T = A.mT if transpose else A
    X = D.solve_triangular(T, b, upper=upper != transpose, unitriangular=unitriangular)
    return triangular_solve_t(X, A.clone())


def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out: Tensor | None = None) -> Tensor:
    """Cross product along ``dim`` (default: the first dim of size 3)."""
    if AUTOCAST.on:
        return autocast_call("cross", cross, input, other, dim, out=out)
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        from ..ops.shape import broadcast_shapes

        shape = broadcast_shapes(input._data.shape, other._data.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), -1)
    return R.cross(input, other, dim=dim, out=out)


def _scaled(x: Any, s: Any) -> Any:
    return x if s == 1 else x * s


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1,
          out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``."""
    if AUTOCAST.on:
        return autocast_call("addmm", addmm, input, mat1, mat2, beta=beta, alpha=alpha, out=out)
    from ..ops.linalg import mm

    p = _scaled(mm(mat1, mat2), alpha)
    return _out(p if beta == 0 else _scaled(input, beta) + p, out)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1,
          out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    if AUTOCAST.on:
        return autocast_call("addmv", addmv, input, mat, vec, beta=beta, alpha=alpha, out=out)
    from ..ops.linalg import mv

    p = _scaled(mv(mat, vec), alpha)
    return _out(p if beta == 0 else _scaled(input, beta) + p, out)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1,
         out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    if AUTOCAST.on:
        return autocast_call("addr", addr, input, vec1, vec2, beta=beta, alpha=alpha, out=out)
    from ..ops.linalg import outer

    p = _scaled(outer(vec1, vec2), alpha)
    return _out(p if beta == 0 else _scaled(input, beta) + p, out)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1,
            out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    if AUTOCAST.on:
        return autocast_call("baddbmm", baddbmm, input, batch1, batch2, beta=beta, alpha=alpha, out=out)
    from ..ops.linalg import bmm

    p = _scaled(bmm(batch1, batch2), alpha)
    return _out(p if beta == 0 else _scaled(input, beta) + p, out)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1,
           out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``."""
    if AUTOCAST.on:
        return autocast_call("addbmm", addbmm, input, batch1, batch2, beta=beta, alpha=alpha, out=out)
    from ..ops.linalg import bmm

    p = _scaled(bmm(batch1, batch2).sum(0), alpha)
    return _out(p if beta == 0 else _scaled(input, beta) + p, out)


def chain_matmul(*matrices: Tensor, out: Tensor | None = None) -> Tensor:
    """Deprecated product of a chain of 2-d matrices: use ``ember.linalg.multi_dot``."""
    if AUTOCAST.on:
        return autocast_call("chain_matmul", chain_matmul, *matrices, out=out)
    if len(matrices) == 1:
        return matrices[0].clone()
    return R.multi_dot(matrices, out=out)


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a 2-d tensor."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    return input.diagonal().sum()


def kron(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Kronecker product."""
    nd = max(input._data.ndim, other._data.ndim)
    a = input.reshape(*(1,) * (nd - input._data.ndim), *input._data.shape)
    b = other.reshape(*(1,) * (nd - other._data.ndim), *other._data.shape)
    sa, sb = a._data.shape, b._data.shape
    ai = a.reshape(*[d for s in sa for d in (s, 1)])
    bi = b.reshape(*[d for s in sb for d in (1, s)])
    return _out((ai * bi).reshape(*[x * y for x, y in zip(sa, sb)]), out)


def tensordot(a: Tensor, b: Tensor, dims: Any = 2, out: Tensor | None = None) -> Tensor:
    """Sum of products over ``dims`` (an int: the last of ``a`` with the first of ``b``; or two lists)."""
    if AUTOCAST.on:
        return autocast_call("tensordot", tensordot, a, b, dims, out)
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a._data.ndim - dims, a._data.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    da = [d % a._data.ndim for d in da]
    db = [d % b._data.ndim for d in db]
    for x, y in zip(da, db):
        if a._data.shape[x] != b._data.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a._data.shape[x]} in dim "
                               f"{x} and second has size {b._data.shape[y]} in dim {y}")
    fa = [d for d in range(a._data.ndim) if d not in da]
    fb = [d for d in range(b._data.ndim) if d not in db]
    k = math.prod(a._data.shape[d] for d in da)
    am = a.permute(*fa, *da).reshape(-1, k)
    bm = b.permute(*db, *fb).reshape(k, -1)
    r = matmul(am, bm).reshape(*[a._data.shape[d] for d in fa], *[b._data.shape[d] for d in fb])
    return _out(r, out)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """Pairwise ``p``-norm distances between the rows of ``x1`` and ``x2`` (batched)."""
    if AUTOCAST.on:
        return autocast_call("cdist", cdist, x1, x2, p, compute_mode)
    if x1._data.ndim < 2 or x2._data.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X{1 if x1._data.ndim < 2 else 2} got: "
                           f"{min(x1._data.ndim, x2._data.ndim)}D")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} X2: "
                           f"{x2._data.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    return R.vector_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False, out: Any = None) -> Any:
    """Deprecated ``torch.lu``: ``(LU, pivots)`` or ``(LU, pivots, infos)``."""
    r = _lu.lu_factor_ex(A, pivot=pivot)
    return (r.LU, r.pivots, r.info) if get_infos else (r.LU, r.pivots)


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Deprecated ``torch.lu_solve``: solve ``A X = b`` from ``torch.lu``'s factorization."""
    return _out(_lu.lu_solve(LU_data, LU_pivots, b), out)


def orgqr(input: Tensor, tau: Tensor) -> Tensor:
    """Alias of ``ember.linalg.householder_product``."""
    return R.householder_product(input, tau)


__all__ = [
    "addbmm", "addmm", "addmv", "addr", "baddbmm", "cdist", "chain_matmul", "cholesky", "cholesky_inverse",
    "cholesky_solve", "cross", "det", "inverse", "kron", "logdet", "lu", "lu_solve", "lu_unpack", "orgqr", "pinverse",
    "qr", "slogdet", "svd",
    "tensordot", "trace", "triangular_solve",
]
