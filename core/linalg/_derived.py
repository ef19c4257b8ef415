"""``ember.linalg`` functions built as composites of the decompositions and Tensor ops (autograd
comes from their parts): norms, rank, pinv, lstsq, cond, powers, exp, products."""

from __future__ import annotations

import math
from typing import Any

from ..amp._state import AUTOCAST, autocast_call
from ..ops import reduction as _Rd
from ..ops._dispatch import handle_out, type_name
from ..ops.creation import empty, eye, tensor
from ..ops.linalg import matmul
from ..tensor import Tensor
from . import _decomp as D
from . import _spectral as Sp
from ._common import check_float, check_matrix

lstsq_t = D._ret("linalg_lstsq", "solution residuals rank singular_values")


def _out(r: Tensor, out: Tensor | None) -> Tensor:
    return handle_out(r, out) if out is not None else r


def _cast(x: Tensor, dtype: Any, fname: str) -> Tensor:
    if dtype is not None:
        if not dtype.is_floating_point:
            raise RuntimeError(f"{fname}: dtype should be floating point or complex, but got {type_name(dtype)}")
        x = x.to(dtype)
    return x


# -- norms -----------------------------------------------------------------------------------------
def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
                out: Tensor | None = None) -> Tensor:
    """Vector ``ord``-norm over ``dim`` (all elements when None)."""
    if AUTOCAST.on:
        return autocast_call("vector_norm", vector_norm, x, ord, dim, keepdim, dtype=dtype, out=out)
    check_float(x, "linalg.vector_norm", "x")
    if isinstance(ord, str):
        raise TypeError("linalg_vector_norm(): argument 'ord' must be Number, not str")
    x = _cast(x, dtype, "linalg.vector_norm")
    return _out(_Rd.norm(x, ord, dim, keepdim), out)


_MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def matrix_norm(A: Tensor, ord: Any = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None, out: Tensor | None = None) -> Tensor:
    """Matrix norm over the two dims ``dim``: 'fro', 'nuc', inf, -inf, 1, -1, 2, -2."""
    if AUTOCAST.on:
        return autocast_call("matrix_norm", matrix_norm, A, ord, dim, keepdim, dtype=dtype, out=out)
    check_float(A, "linalg.matrix_norm", "A")
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if ord not in _MATRIX_ORDS:
        if isinstance(ord, str):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
        raise RuntimeError(f"linalg.matrix_norm: Order {ord:g} not supported.")
    A = _cast(A, dtype, "linalg.matrix_norm")
    nd = A._data.ndim
    d0, d1 = (d % nd for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return _out(_Rd.norm(A, 2, (d0, d1), keepdim), out)
    if ord in ("nuc", 2, -2):
        M = A.movedim((d0, d1), (-2, -1))
        S = Sp.svdvals(M)
        r = S.sum(-1) if ord == "nuc" else (S.amax(-1) if ord == 2 else S.amin(-1))
        if keepdim:
            r = r.unsqueeze(-1).unsqueeze(-1).movedim((-2, -1), (d0, d1))
        return _out(r, out)
    # 1/-1: max/min column sum (sum over rows d0); inf/-inf: max/min row sum (sum over columns d1)
    red, pick = (d0, d1) if ord in (1, -1) else (d1, d0)
    s = A.abs().sum(red, keepdim=True)
    r = s.amax(pick, keepdim=True) if ord in (1, math.inf) else s.amin(pick, keepdim=True)
    if not keepdim:
        r = r.squeeze((d0, d1))
    return _out(r, out)


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *, out: Tensor | None = None,
         dtype: Any = None) -> Tensor:
    """Vector or matrix norm: a matrix norm when ``dim`` has two dims (or ``A`` is 2-d with ``ord`` given)."""
    check_float(A, "linalg.norm", "A")
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, tuple(dim), keepdim, dtype=dtype, out=out)
    if ord is not None and dim is None:
        if A._data.ndim == 2:
            return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
        if A._data.ndim != 1:
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                               f"{A._data.ndim}D.")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Expected a numeric ord, but got {ord!r}")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)


def cond(A: Tensor, p: Any = None, *, out: Tensor | None = None) -> Tensor:
    """Condition number of ``A`` in the ``p``-norm (2-norm by default)."""
    check_matrix(A, "linalg.cond")
    if p is None or p in (2, -2):
        S = Sp.svdvals(A)
        r = S[..., 0] / S[..., -1] if p != -2 else S[..., -1] / S[..., 0]
        return _out(r, out)
    check_matrix(A, "linalg.cond", square=True)
    return _out(matrix_norm(A, p) * matrix_norm(D.inv(A), p), out)


# -- rank, pinv, lstsq ------------------------------------------------------------------------------
def _tol(S: Tensor, A: Tensor, atol: Any, rtol: Any) -> Tensor:
    """PyTorch's threshold ``max(atol, rtol * smax)``, with rtol = eps * max(m, n) when both are None."""
    if rtol is None:
        rtol = D._eps(A.dtype) * max(A._data.shape[-2:]) if atol is None or _is_zero(atol) else 0.0
    smax = S.amax(-1, keepdim=True) if S._data.shape[-1] else S.sum(-1, keepdim=True)
    t = smax * (rtol.unsqueeze(-1) if isinstance(rtol, Tensor) else rtol)
    if atol is not None:
        a = atol.unsqueeze(-1) if isinstance(atol, Tensor) else atol
        t = t.clamp_min(a) if not isinstance(a, Tensor) else _Rd_max(t, a)
    return t


def _is_zero(v: Any) -> bool:
    return not isinstance(v, Tensor) and v == 0


def _Rd_max(a: Tensor, b: Tensor) -> Tensor:
    from ..ops.elementwise import maximum

    return maximum(a, b.to(a.dtype))


def _spectrum(A: Tensor, hermitian: bool) -> Tensor:
    return Sp.eigvalsh(A).abs() if hermitian else Sp.svdvals(A)


def matrix_rank(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False,
                out: Tensor | None = None, tol: Any = None) -> Tensor:
    """Numerical rank: the number of singular values above ``max(atol, rtol * smax)``."""
    check_matrix(A, "torch.linalg.matrix_rank", arg="input")
    if tol is not None:
        atol, rtol = tol, 0.0
    S = _spectrum(A.detach(), hermitian)
    return _out((S > _tol(S, A, atol, rtol)).sum(-1), out)


def pinv(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False,
         out: Tensor | None = None, rcond: Any = None) -> Tensor:
    """Moore-Penrose pseudo-inverse (through the SVD, or eigh with ``hermitian=True``)."""
    if isinstance(A, Tensor) and (A.ndim < 2 or not (A.dtype.is_floating_point or A.dtype.is_complex)):
        raise RuntimeError(f"linalg.pinv({type_name(A.dtype)}{{{list(A.shape)}}}): expected a tensor with 2 or more "
                           "dimensions of float, double, cfloat or cdouble types")
    check_matrix(A, "linalg.pinv")
    if rcond is not None:
        rtol = rcond
    from ..ops.elementwise import where

    if hermitian:
        L, V = Sp.eigh(A)
        keep = L.detach().abs() > _tol(L.detach().abs(), A, atol, rtol)
        Linv = where(keep, 1 / where(keep, L, L.detach() * 0 + 1), L * 0)
        return _out(matmul(V * Linv.unsqueeze(-2), V.mH), out)  # type: ignore[attr-defined]
    U, S, Vh = Sp.svd(A, full_matrices=False)
    keep = S.detach() > _tol(S.detach(), A, atol, rtol)
    Sinv = where(keep, 1 / where(keep, S, S.detach() * 0 + 1), S * 0)
    return _out(matmul(Vh.mH * Sinv.unsqueeze(-2), U.mH), out)  # type: ignore[attr-defined]


def lstsq(A: Tensor, B: Tensor, rcond: Any = None, *, driver: str | None = None) -> Any:
    """Least-squares solution of ``A X = B``: ``(solution, residuals, rank, singular_values)``."""
    check_matrix(A, "linalg.lstsq")
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    if B.dtype is not A.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's "
                           f"dtype {A.dtype.name.capitalize()} and other's dtype {B.dtype.name.capitalize()}")
    vec = B._data.ndim == A._data.ndim - 1
    Bm = B.unsqueeze(-1) if vec else B
    if Bm._data.shape[-2] != A._data.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    driver = driver or "gelsy"
    m, n = A._data.shape[-2:]
    rtol = rcond if rcond is not None and rcond > 0 else (D._eps(A.dtype) * max(m, n))
    X = matmul(pinv(A, rtol=rtol), Bm)
    S = Sp.svdvals(A.detach())
    rank = (S > _tol(S, A, None, rtol)).sum(-1)
    # NOTE: PyTorch fills residuals only for tall full-rank A with a driver other than gelsy, and the
    # singular values only for gelsd/gelss; rank is empty for gels
    residuals = empty(0, dtype=A.dtype, device=A.device)
    if driver != "gelsy" and m > n and bool((rank == n).all()):
        r = matmul(A, X) - Bm
        residuals = (r * r).sum(-2)
    sv = S if driver in ("gelsd", "gelss") else empty(0, dtype=A.dtype, device=A.device)
    if driver == "gels":
        rank = empty(0, dtype=rank.dtype, device=A.device)
    return lstsq_t(X.squeeze(-1) if vec else X, residuals, rank, sv)


# -- powers and exp ---------------------------------------------------------------------------------
def matrix_power(A: Tensor, n: int, *, out: Tensor | None = None) -> Tensor:
    """``A`` to the integer power ``n`` (negative: of the inverse), by repeated squaring."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_matrix_power(): argument 'input' (position 1) must be Tensor, not {type(A).__name__}")
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    s = A._data.shape
    if s[-1] != s[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are {s[-2]} by "
                           f"{s[-1]} matrices")
    if n == 0:
        # identity written over a copy of A, as PyTorch's: the result is A's output, with a zero gradient
        r = A.clone().copy_(eye(s[-1], dtype=A.dtype, device=A.device).expand(*s))  # type: ignore[attr-defined]
        return _out(r, out)
    if n < 0:
        A, n = D.inv(A), -n
    result: Tensor | None = None
    base = A
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    assert result is not None
    return _out(result if result is not A else A.clone(), out)


def matrix_exp(A: Tensor) -> Tensor:
    """Matrix exponential by scaling and squaring with a degree-18 Taylor polynomial."""
    check_matrix(A, "linalg.matrix_exp", square=True)
    n = A._data.shape[-1]
    I = eye(n, dtype=A.dtype, device=A.device)
    # scale so the 1-norm is below 1/2, where 18 Taylor terms reach float64 rounding
    nrm = float(A.detach().abs().sum(-2).amax()) if A.numel() else 0.0
    k = max(0, math.ceil(math.log2(nrm / 0.5))) if nrm > 0.5 and math.isfinite(nrm) else 0
    X = A / (2.0 ** k) if k else A
    E = I + X / 18.0
    for j in range(17, 0, -1):
        E = I + matmul(X, E) / float(j)
    for _ in range(k):
        E = matmul(E, E)
    return E


# -- products ---------------------------------------------------------------------------------------
def cross(input: Tensor, other: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (inputs broadcast)."""
    if AUTOCAST.on:
        return autocast_call("linalg_cross", cross, input, other, dim=dim, out=out)
    from ..ops.shape import broadcast_tensors
    from ..tensor import _wrap_dim

    nd = max(input.ndim, other.ndim)
    d = _wrap_dim(dim, nd) - nd  # from the right, so inputs of fewer dims line up
    if input._data.shape[d] != 3 or other._data.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input._data.shape[d]} and {other._data.shape[d]}")
    dim = d
    a, b = broadcast_tensors(input, other)
    a0, a1, a2 = a.unbind(dim)
    b0, b1, b2 = b.unbind(dim)
    from ..ops.arrange import stack

    return _out(stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim), out)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """Dot product of vectors along ``dim`` (inputs broadcast)."""
    if AUTOCAST.on:
        return autocast_call("linalg_vecdot", vecdot, x, y, dim=dim, out=out)
    return _out((x * y).sum(dim), out)


def multi_dot(tensors: Any, *, out: Tensor | None = None) -> Tensor:
    """Product of a chain of matrices (the first and last may be 1-d)."""
    if AUTOCAST.on:
        return autocast_call("linalg_multi_dot", multi_dot, tensors, out=out)
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    first_vec, last_vec = ts[0]._data.ndim == 1, ts[-1]._data.ndim == 1
    for i, t in enumerate(ts):
        want = 1 if (i == 0 and first_vec) or (i == len(ts) - 1 and last_vec) else 2
        if t._data.ndim != want:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t._data.ndim}D" if want == 2 else
                               f"multi_dot(): the first and last tensors must be 1D or 2D but got {t._data.ndim}D")
    r = ts[0]
    for t in ts[1:]:
        r = matmul(r, t)
    return _out(r, out)


def householder_product(A: Tensor, tau: Tensor, *, out: Tensor | None = None) -> Tensor:
    """First n columns of ``H_1 ... H_k`` with ``H_i = I - tau_i v_i v_i^H`` (``v_i`` from ``A``'s columns)."""
    check_matrix(A, "torch.linalg.householder_product")
    m, n = A._data.shape[-2:]
    k = tau._data.shape[-1]
    if n > m:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if k > n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    from ..ops.arrange import tril

    if k == 0:
        # no reflectors: the identity's columns, still an output of A (zero gradient), as in PyTorch
        r = A.clone().copy_(eye(m, n, dtype=A.dtype, device=A.device).expand(*A.shape))  # type: ignore[attr-defined]
        return _out(r, out)
    I = eye(m, dtype=A.dtype, device=A.device)
    V = tril(A, -1) + eye(m, n, dtype=A.dtype, device=A.device)
    Q = I.expand(*A._data.shape[:-2], m, m)
    for i in range(k):
        v = V[..., :, i:i + 1]
        Q = Q - matmul(matmul(Q, v), v.mH) * tau[..., i:i + 1].unsqueeze(-1)  # type: ignore[attr-defined]
    return _out(Q[..., :n], out)


def tensorinv(A: Tensor, ind: int = 2, *, out: Tensor | None = None) -> Tensor:
    """Inverse of ``A`` seen as a linear map from its last dims to its first ``ind`` dims."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    s = A._data.shape
    rows = math.prod(s[:ind])
    r = D.inv(A.reshape(rows, -1))
    return _out(r.reshape(*s[ind:], *s[:ind]), out)


def tensorsolve(A: Tensor, B: Tensor, dims: Any = None, *, out: Tensor | None = None) -> Tensor:
    """``X`` with ``tensordot(A, X, X.ndim) == B``."""
    if dims is not None:
        nd = A._data.ndim
        dims = [d % nd for d in dims]
        A = A.movedim(dims, list(range(nd - len(dims), nd)))
    xshape = A._data.shape[B._data.ndim:]
    X = D.solve(A.reshape(B.numel(), -1), B.reshape(-1))
    return _out(X.reshape(*xshape), out)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Diagonals of the matrices over ``dim1``/``dim2``, as the last dim."""
    return A.diagonal(offset, dim1, dim2)


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """Vandermonde matrix with increasing powers ``x**0 ... x**(N-1)``."""
    n = x._data.shape[-1] if N is None else N
    if n <= 0:
        raise RuntimeError("N must be greater than 1.")
    p = tensor(list(range(n)), dtype=x.dtype, device=x.device)
    return x.unsqueeze(-1) ** p
