"""Decompositions and solvers of ``ember.linalg`` over the backend's optional kernels, with the
backward formulas of PyTorch's ``derivatives.yaml`` written in ember Tensor ops (so they batch and
record for higher-order gradients)."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from .. import dtypes as _dt
from ..autograd.graph import Node
from ..ops._dispatch import handle_out, record, record_multi, sum_to
from ..ops.arrange import diag_embed, tril, triu
from ..ops.creation import eye, tensor, zeros
from ..ops.linalg import matmul
from ..tensor import Tensor, _wrap
from ._common import LinAlgError, arr, check_matrix, kernel, real_grad, wrap_like


def _ret(name: str, fields: str) -> Any:
    # NOTE: PyTorch's structseq types print as ``torch.return_types.<name>(field=..., ...)``
    t = namedtuple(name, fields)  # type: ignore[misc]  # noqa: PYI024
    t.__module__ = "ember.return_types"
    return t


inv_ex_t = _ret("linalg_inv_ex", "inverse info")
cholesky_ex_t = _ret("linalg_cholesky_ex", "L info")
solve_ex_t = _ret("linalg_solve_ex", "result info")
slogdet_t = _ret("linalg_slogdet", "sign logabsdet")


# -- failure detection ---------------------------------------------------------------------------
def _try(fn: Any, *arrays: Any) -> Any:
    """``fn(*arrays)``, or None when the library raised for singular/non-PD input (NumPy's LinAlgError)."""
    try:
        return fn(*arrays)
    except Exception as ex:  # noqa: BLE001 - libraries spell their LinAlgError differently
        if type(ex).__name__ == "LinAlgError" or isinstance(ex, (ValueError, ArithmeticError)):
            return None
        raise


def _finite(t: Tensor) -> bool:
    be = t._device._be
    return bool(be.to_host(be.all(be.isfinite(arr(t)), None, False)))


def _matrices(a: Tensor) -> list[Tensor]:
    """The matrices of a batch, in row-major batch order."""
    return list(a.reshape(-1, *a._data.shape[-2:]).unbind(0))


def _rank_deficient_col(a: Tensor) -> int:
    """1-based index of LU's first zero pivot: the first column dependent on the ones before it."""
    svd = kernel(a, "linalg_svd")
    n = a._data.shape[-1]
    for k in range(1, n + 1):
        s = wrap_like(a, svd(arr(a[:, :k]), False)[1])
        tol = float(s.max()) * max(a._data.shape) * _eps(a.dtype)
        if float(s.min()) <= tol:
            return k
    return n


def _non_pd_order(a: Tensor) -> int:
    """Order of the first leading minor that is not positive-definite."""
    chol = kernel(a, "linalg_cholesky")
    n = a._data.shape[-1]
    for k in range(1, n + 1):
        r = _try(chol, arr(a[:k, :k]))
        if r is None or not _finite(wrap_like(a, r)):
            return k
    return n


def _eps(dt: _dt.dtype) -> float:
    return {"float64": 2.220446049250313e-16, "float16": 9.765625e-04, "bfloat16": 7.8125e-03}.get(
        dt.name, 1.1920928955078125e-07)


def _factor(a: Tensor, kname: str, info_of: Any, *extra: Any) -> tuple[Tensor, list[int]]:
    """Run kernel ``kname`` on the batch ``a``; return the result and the per-matrix info codes
    (0 = success). The batch is redone matrix by matrix only when something failed."""
    fn = kernel(a, kname)
    data = _try(fn, arr(a), *[arr(e) if isinstance(e, Tensor) else e for e in extra])
    if data is not None:
        out = wrap_like(a, data)
        if _finite(out):
            return out, []
    mats = _matrices(a)
    extras = [_matrices(e) if isinstance(e, Tensor) else None for e in extra]
    outs, infos = [], []
    for i, m in enumerate(mats):
        ex = [arr(x[i]) if x is not None else e for x, e in zip(extras, extra)]
        r = _try(fn, arr(m), *ex)
        o = wrap_like(a, r) if r is not None else None
        if o is None or not _finite(o):
            infos.append(info_of(m))
            if o is None:
                shape = m._data.shape if not ex else (m._data.shape[0], ex[0].shape[-1])
                o = zeros(shape, dtype=a.dtype, device=a.device).fill_(float("nan"))
        else:
            infos.append(0)
        outs.append(o)
    from ..ops.arrange import stack

    batch = a._data.shape[:-2]
    res = stack(outs).reshape(*batch, *outs[0]._data.shape)
    return res, infos


def _info_tensor(infos: list[int], a: Tensor) -> Tensor:
    batch = a._data.shape[:-2]
    n = 1
    for s in batch:
        n *= s
    vals = infos or [0] * n
    return tensor(vals, dtype=_dt.int32, device=a.device).reshape(batch)


def _raise_first(fname: str, infos: list[int], a: Tensor, msg: Any) -> None:
    for i, code in enumerate(infos):
        if code:
            prefix = f"(Batch element {i}): " if a._data.ndim > 2 else ""
            raise LinAlgError(f"{fname}: {prefix}{msg(code)}")


_SINGULAR = ("The diagonal element {} is zero, the inversion could not be completed because the input matrix is "
             "singular.")
_NOT_PD = ("The factorization could not be completed because the input is not positive-definite (the leading minor "
           "of order {} is not positive-definite).")


# -- inv ---------------------------------------------------------------------------------------
class LinalgInvExBackward0(Node):
    def __init__(self, inv: Tensor):
        self.save(outputs=(inv,))

    def backward(self, g: Tensor, *_: Any) -> Tensor:
        (ai,) = self.saved_tensors
        assert ai is not None
        ait = ai.mT
        return -matmul(ait, matmul(g, ait))


def inv_ex(A: Tensor, *, check_errors: bool = False, out: Any = None) -> Any:
    """Inverse of square matrices with an ``info`` code per matrix (0: success)."""
    check_matrix(A, "linalg.inv_ex", square=True)
    r, infos = _factor(A.detach(), "linalg_inv", _rank_deficient_col)
    if check_errors:
        _raise_first("linalg.inv_ex", infos, A, _SINGULAR.format)
    info = _info_tensor(infos, A)
    if real_grad(A):
        record_multi([r], LinalgInvExBackward0(r), A)
    return inv_ex_t(r, info)


def inv(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inverse of square matrices; raises LinAlgError for a singular one."""
    check_matrix(A, "linalg.inv", square=True)
    r, infos = _factor(A.detach(), "linalg_inv", _rank_deficient_col)
    _raise_first("linalg.inv", infos, A, _SINGULAR.format)
    if real_grad(A):
        record(r, LinalgInvExBackward0(r), A)
    return handle_out(r, out) if out is not None else r


# -- det / slogdet -------------------------------------------------------------------------------
def _raw_inv(A: Tensor) -> Tensor:
    """The inverse used by det/slogdet's backward (inf/NaN for a singular matrix, no error)."""
    return inv_ex(A).inverse


class LinalgDetBackward0(Node):
    def __init__(self, A: Tensor, det: Tensor):
        self.save(A, outputs=(det,))

    def backward(self, g: Tensor) -> Tensor:
        A, det = self.saved_tensors
        assert A is not None and det is not None
        Ai = _raw_inv(A)
        if _finite(Ai):
            return (g * det).unsqueeze(-1).unsqueeze(-1) * Ai.mT
        return g.unsqueeze(-1).unsqueeze(-1) * _adjugate_t(A)


def _adjugate_t(A: Tensor) -> Tensor:
    """``adj(A)^T``, the derivative of ``det`` that stays finite for singular ``A``: with ``A = U S Vh`` it is
    ``det(U) det(Vh) U diag(prod_{j != i} s_j) Vh`` (PyTorch also falls back to the SVD there)."""
    from ..ops.arrange import cat

    Ad = A.detach()
    u, s, vh = kernel(A, "linalg_svd")(arr(Ad), False)
    U, S, Vh = wrap_like(A, u), wrap_like(A, s), wrap_like(A, vh)
    ones = S[..., :1] * 0 + 1
    left = cat([ones, S[..., :-1]], -1).cumprod(-1)
    right = cat([ones, S.flip(-1)[..., :-1]], -1).cumprod(-1).flip(-1)
    det_fn = kernel(A, "linalg_det")
    sign = wrap_like(A, det_fn(arr(U))) * wrap_like(A, det_fn(arr(Vh)))
    return sign.unsqueeze(-1).unsqueeze(-1) * matmul(U * (left * right).unsqueeze(-2), Vh)


def det(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Determinant of square matrices."""
    check_matrix(A, "linalg.det", square=True)
    r = wrap_like(A, kernel(A, "linalg_det")(arr(A)))
    if real_grad(A):
        record(r, LinalgDetBackward0(A, r), A)
    return handle_out(r, out) if out is not None else r


class LinalgSlogdetBackward0(Node):
    def __init__(self, A: Tensor):
        self.save(A)

    def backward(self, gsign: Any, glog: Any) -> Tensor:
        (A,) = self.saved_tensors
        assert A is not None
        if glog is None:
            return zeros(A._data.shape, dtype=A.dtype, device=A.device)
        return glog.unsqueeze(-1).unsqueeze(-1) * _raw_inv(A).mT


def slogdet(A: Tensor, *, out: Any = None) -> Any:
    """``(sign, logabsdet)`` of square matrices' determinants."""
    check_matrix(A, "linalg.slogdet", square=True)
    s, la = kernel(A, "linalg_slogdet")(arr(A))
    sign, logabs = wrap_like(A, s), _wrap(la, A.dtype.to_real(), A._device)  # log|det| is real for complex A
    if real_grad(A):
        # sign is an output of the node too, as in PyTorch (it requires grad; its gradient is zero)
        record_multi([sign, logabs], LinalgSlogdetBackward0(A), A)
    return slogdet_t(sign, logabs)


# -- solve -----------------------------------------------------------------------------------------
class LinalgSolveExBackward0(Node):
    def __init__(self, A: Tensor, B: Tensor, X: Tensor):
        self.save(A, outputs=(X,))
        self.shapes = A._data.shape, B._data.shape

    def backward(self, g: Tensor, *_: Any) -> tuple[Any, Any]:
        A, X = self.saved_tensors
        assert A is not None and X is not None
        gB = solve(A.mT, g)
        gA = sum_to(-matmul(gB, X.mT), self.shapes[0]) if self.needs_input_grad(0) else None
        return gA, sum_to(gB, self.shapes[1]) if self.needs_input_grad(1) else None


def _solve_matrix(A: Tensor, B: Tensor, fname: str, check: bool) -> tuple[Tensor, list[int]]:
    """``A X = B`` for a batch of matrices ``B`` (..., n, k)."""
    batch = _broadcast_batch(A, B, fname)
    Ab = A if A._data.shape[:-2] == batch else A.expand(*batch, *A._data.shape[-2:])
    Bb = B if B._data.shape[:-2] == batch else B.expand(*batch, *B._data.shape[-2:])
    X, infos = _factor(Ab.detach(), "linalg_solve", _rank_deficient_col, Bb.detach())
    if check and any(infos):
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.")
    if real_grad(A, B):
        record_multi([X], LinalgSolveExBackward0(A, B, X), A, B)
    return X, infos


def _broadcast_batch(A: Tensor, B: Tensor, fname: str) -> tuple[int, ...]:
    from ..ops.shape import broadcast_shapes

    try:
        return tuple(broadcast_shapes(A._data.shape[:-2], B._data.shape[:-2]))
    except RuntimeError:
        raise RuntimeError(f"{fname}: The size of tensor A's batch dims {tuple(A._data.shape[:-2])} must match "
                           f"B's batch dims {tuple(B._data.shape[:-2])} or be broadcastable") from None


def _solve(A: Tensor, B: Tensor, left: bool, fname: str, check: bool) -> tuple[Tensor, list[int]]:
    check_matrix(A, fname, square=True)
    if not isinstance(B, Tensor):
        raise TypeError(f"{fname}(): argument 'B' (position 2) must be Tensor, not {type(B).__name__}")
    if B.dtype is not A.dtype:
        raise RuntimeError(f"{fname}: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype.name.capitalize()} and B of type {B.dtype.name.capitalize()} instead")
    n = A._data.shape[-1]
    # NOTE: PyTorch's rule: B is a (batch of) vector(s) when 1-d or when shaped as A's shape minus the last dim
    vec = B._data.ndim == 1 or (B._data.ndim == A._data.ndim - 1 and B._data.shape == A._data.shape[:-1])
    if not left:
        if vec:
            raise RuntimeError(f"{fname}: Vector broadcasting of the left hand side is not supported for left=False. "
                               "In this case linalg.solve is equivalent to B / A.squeeze(-1)")
        X, infos = _solve(A.mT, B.mT, True, fname, check)
        return X.mT, infos
    Bm = B.unsqueeze(-1) if vec else B
    if Bm._data.ndim < 2 or Bm._data.shape[-2] != n:
        k = Bm._data.shape[-1] if Bm._data.ndim >= 2 else 1
        rows = Bm._data.shape[-2] if Bm._data.ndim >= 2 else Bm._data.shape[0]
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B ({n}x{n} and "
                           f"{rows}x{k})")
    X, infos = _solve_matrix(A, Bm, fname, check)
    return (X.squeeze(-1) if vec else X), infos


def solve(A: Tensor, B: Tensor, *, left: bool = True, out: Tensor | None = None) -> Tensor:
    """Solution ``X`` of ``A X = B`` (``X A = B`` with ``left=False``); raises LinAlgError if ``A`` is singular."""
    X, _ = _solve(A, B, left, "linalg.solve", True)
    return handle_out(X, out) if out is not None else X


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out: Any = None) -> Any:
    """``solve`` returning ``(result, info)`` instead of raising (unless ``check_errors``)."""
    X, infos = _solve(A, B, left, "linalg.solve_ex", check_errors)
    return solve_ex_t(X, _info_tensor(infos, A))


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False,
                     out: Tensor | None = None) -> Tensor:
    """Solution of a triangular system ``A X = B`` (``X A = B`` with ``left=False``)."""
    check_matrix(A, "linalg.solve_triangular", square=True)
    if B._data.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    T = triu(A) if upper else tril(A)
    if unitriangular:
        T = T - diag_embed(T.diagonal(0, -2, -1)) + eye(T._data.shape[-1], dtype=A.dtype, device=A.device)
    X, _ = _solve(T, B, left, "linalg.solve_triangular", False)
    return handle_out(X, out) if out is not None else X


# -- cholesky --------------------------------------------------------------------------------------
class LinalgCholeskyExBackward0(Node):
    def __init__(self, L: Tensor):
        self.save(outputs=(L,))

    def backward(self, gL: Tensor, *_: Any) -> Tensor:
        (L,) = self.saved_tensors
        assert L is not None
        gA = tril(matmul(L.mT, gL))
        gA = 0.5 * (gA + tril(gA, -1).mT)
        gA = solve_triangular(L.mT, gA, upper=True, left=True)
        return solve_triangular(L, gA, upper=False, left=False)


def _cholesky(A: Tensor, upper: bool, fname: str, check: bool) -> tuple[Tensor, list[int]]:
    check_matrix(A, fname, square=True)
    # NOTE: PyTorch reads only the lower triangle; make it Hermitian so every library sees the same matrix
    Ad = A.detach()
    sym = tril(Ad) + tril(Ad, -1).mH  # type: ignore[attr-defined]
    L, infos = _factor(sym, "linalg_cholesky", _non_pd_order)
    if check:
        _raise_first(fname, infos, A, _NOT_PD.format)
    L = tril(L)
    if real_grad(A):
        record_multi([L], LinalgCholeskyExBackward0(L), A)
    return (L.mH if upper else L), infos  # type: ignore[attr-defined]


def cholesky(A: Tensor, *, upper: bool = False, out: Tensor | None = None) -> Tensor:
    """Cholesky factor of symmetric positive-definite matrices (lower, or upper with ``upper=True``)."""
    L, _ = _cholesky(A, upper, "linalg.cholesky", True)
    return handle_out(L, out) if out is not None else L


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out: Any = None) -> Any:
    """``cholesky`` returning ``(L, info)``; info is the order of the first non-PD leading minor."""
    L, infos = _cholesky(A, upper, "linalg.cholesky_ex", check_errors)
    return cholesky_ex_t(L, _info_tensor(infos, A))
