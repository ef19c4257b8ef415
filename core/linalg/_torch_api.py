"""Top-level linear-algebra functions of ``torch`` (``torch.det``, ``torch.svd``, ``torch.addmm``, ...),
as composites of ``ember.linalg`` and Tensor ops."""

from __future__ import annotations

import math
import warnings
from typing import Any

from ..amp._state import AUTOCAST, autocast_call
from ..autograd.graph import Node
from ..ops._dispatch import handle_out, type_name
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
    check_matrix(input, "logdet", square=True)
    s, la = D.slogdet(input)
    if input.dtype.is_complex:
        return s.detach().log() + la  # type: ignore[attr-defined, no-any-return]
    from ..ops.elementwise import where

    # a where, as PyTorch's: the NaN branch passes no gradient back
    return where(s.detach() == -1, float("nan"), la)


def inverse(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inverse of square matrices (``torch.linalg.inv``)."""
    return D.inv(input, out=out)


def cholesky(input: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Deprecated ``torch.cholesky``: use ``ember.linalg.cholesky``."""
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                  "PyTorch release.", UserWarning, stacklevel=2)
    return D.cholesky(input, upper=upper, out=out)


def _check_rhs(b: Tensor, A: Tensor, fname: str, names: tuple[str, str]) -> None:
    """PyTorch's checks of the deprecated solvers' ``b`` and ``A`` (at least matrices, one dtype, sizes that fit)."""
    for name, t in zip(names, (b, A)):
        if t.ndim < 2:
            raise RuntimeError(f"{name} should have at least 2 dimensions, but has {t.ndim} dimensions instead"
                               if fname == "cholesky_solve" else f"torch.triangular_solve: Expected {name} to have at "
                               f"least 2 dimensions, but it has {t.ndim} dimensions instead")
    if b.dtype is not A.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {type_name(b.dtype)} and A "
                           f"of type {type_name(A.dtype)} instead.")
    n = A.shape[-1]
    if A.shape[-2] != n or b.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for {fname}: each A matrix is {A.shape[-2]} by {n} but each b "
                           f"matrix is {b.shape[-2]} by {b.shape[-1]}")


class CholeskySolveBackward0(Node):
    """PyTorch's formula (``cholesky_solve_backward``): the factor's gradient is a full matrix, entries outside
    the triangle the forward reads included."""

    def __init__(self, L: Tensor, X: Tensor, upper: bool):
        self.save(L, outputs=(X,))
        self.upper = upper

    def backward(self, g: Tensor) -> tuple[Any, Any]:
        L, X = self.saved_tensors
        assert L is not None and X is not None
        gB = cholesky_solve(g, L, self.upper)
        if not self.needs_input_grad(1):
            return gB, None
        common = matmul(gB, X.mH)  # type: ignore[attr-defined]
        common = common + common.mH  # type: ignore[attr-defined]
        return gB, -matmul(L, common) if self.upper else -matmul(common, L)


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Solve ``A X = B`` given the Cholesky factor of ``A = L L^H`` (``U^H U`` with ``upper``)."""
    from ..autograd.grad_mode import no_grad
    from ..ops._dispatch import needs_grad, record
    from ..ops.shape import broadcast_shapes

    _check_rhs(B, L, "cholesky_solve", ("b", "u"))
    batch = tuple(broadcast_shapes(B.shape[:-2], L.shape[:-2]))
    # broadcast first, as PyTorch does: the expands' backward sums the gradients back to each shape
    B, L = B.expand(*batch, *B.shape[-2:]), L.expand(*batch, *L.shape[-2:])  # type: ignore[attr-defined]
    with no_grad():
        Lo = L.mH if upper else L  # type: ignore[attr-defined]
        X = D.solve_triangular(Lo.mH, D.solve_triangular(Lo, B, upper=False), upper=True)
    if needs_grad(B, L):
        record(X, CholeskySolveBackward0(L, X, upper), B, L)
    return _out(X, out)


def cholesky_inverse(L: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """Inverse of ``A`` given its Cholesky factor."""
    check_matrix(L, "cholesky_inverse", square=True)
    from ..ops.creation import eye

    n = L._data.shape[-1]
    return _out(cholesky_solve(eye(n, dtype=L.dtype, device=L.device).expand(*L._data.shape), L, upper), out)


def svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out: Any = None) -> Any:
    """Old-API SVD: ``(U, S, V)`` with ``V`` (not ``Vh``); zero U/V when ``compute_uv=False``."""
    if isinstance(input, Tensor) and input.ndim < 2:
        raise RuntimeError(f"linalg.svd: input should have at least 2 dimensions, but has {input.ndim} dimensions "
                           "instead")
    if not compute_uv:
        from ..ops.creation import zeros

        m, n = input._data.shape[-2:]
        batch = input._data.shape[:-2]
        kw: dict[str, Any] = {"dtype": input.dtype, "device": input.device}
        return svd_t(zeros(*batch, m, m, **kw), Sp.svdvals(input), zeros(*batch, n, n, **kw))
    U, S, Vh = Sp.svd(input, full_matrices=not some)
    return svd_t(U, S, Vh.mH)  # type: ignore[attr-defined]


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
    _check_rhs(b, A, "triangular_solve", ("b", "A"))
    T = A.mT if transpose else A
    X = D.solve_triangular(T, b, upper=upper != transpose, unitriangular=unitriangular)
    # the coefficient comes back broadcast to the solution's batch
    return triangular_solve_t(X, A.expand(*X.shape[:-2], *A.shape[-2:]).clone())  # type: ignore[attr-defined]


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


def _scalar(s: Any, dt: Any, name: str, floats_ok: bool) -> Any:
    """``beta``/``alpha`` as PyTorch converts it to an integral ``dt``: truncated (``addr`` refuses floats)."""
    if dt.is_floating_point or dt.is_complex or not isinstance(s, float):
        return s
    if not floats_ok:
        raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point number.")
    return bool(s) if dt.name == "bool" else int(s)


def _add_product(input: Tensor, product: Any, operands: tuple[Tensor, ...], beta: Any, alpha: Any,
                 out: Tensor | None, blas: bool = True, skip_zero_alpha: bool = True, floats_ok: bool = True) -> Tensor:
    """``beta * input + alpha * product(*operands)``, as PyTorch's ``add*`` ops compute it: ``input`` broadcast to the
    product's shape (never the other way) and ignored when ``beta`` is 0 (its NaNs too). ``blas`` ops accumulate
    half precision in float32 and round once; ``skip_zero_alpha`` ones (BLAS GEMM/GEMV) skip the product when
    ``alpha`` is 0 in float32/float64/complex (its infs do not become NaN)."""
    from .. import dtypes as _dt

    dt = input.dtype
    beta, alpha = _scalar(beta, dt, "beta", floats_ok), _scalar(alpha, dt, "alpha", floats_ok)
    half = blas and dt in (_dt.float16, _dt.bfloat16)
    if half:
        input, operands = input.float(), tuple(t.float() for t in operands)  # type: ignore[attr-defined]
    p = product(*operands)
    base = input.expand(*p.shape)  # type: ignore[attr-defined]
    if alpha == 0 and skip_zero_alpha and not half and (dt.is_floating_point or dt.is_complex):
        from ..ops.creation import zeros_like

        p = zeros_like(p)
    else:
        p = _scaled(p, alpha)
    r = p if beta == 0 else _scaled(base, beta) + p
    if half:
        r = r.to(dt)  # type: ignore[attr-defined]
    return _out(r, out)


def _scaled(x: Any, s: Any) -> Any:
    return x if s == 1 else x * s


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1,
          out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``."""
    if AUTOCAST.on:
        return autocast_call("addmm", addmm, input, mat1, mat2, beta=beta, alpha=alpha, out=out)
    from ..ops.linalg import mm

    return _add_product(input, mm, (mat1, mat2), beta, alpha, out)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1,
          out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    if AUTOCAST.on:
        return autocast_call("addmv", addmv, input, mat, vec, beta=beta, alpha=alpha, out=out)
    from ..ops.linalg import mv

    if input.ndim > 1 or mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, {vec.ndim}")
    if input.ndim == 1 and input.shape[0] not in (1, mat.shape[0]) or mat.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0] if input.ndim else 1}), mat "
                           f"({mat.shape[0]}x{mat.shape[1]}), vec ({vec.shape[0]})")
    return _add_product(input, mv, (mat, vec), beta, alpha, out)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1,
         out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    if AUTOCAST.on:
        return autocast_call("addr", addr, input, vec1, vec2, beta=beta, alpha=alpha, out=out)
    from ..ops.linalg import outer

    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
    # an elementwise op in PyTorch, not BLAS: half precision rounds the product, infs meet alpha=0
    return _add_product(input, outer, (vec1, vec2), beta, alpha, out, blas=False, skip_zero_alpha=False,
                        floats_ok=False)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1,
            out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    if AUTOCAST.on:
        return autocast_call("baddbmm", baddbmm, input, batch1, batch2, beta=beta, alpha=alpha, out=out)
    from ..ops.linalg import bmm

    # NOTE: PyTorch's batched GEMM multiplies by alpha=0 (inf * 0 is NaN) where addmm's GEMM skips the product
    return _add_product(input, bmm, (batch1, batch2), beta, alpha, out, skip_zero_alpha=False)


def _check_batches(batch1: Tensor, batch2: Tensor) -> None:
    """PyTorch's errors of ``addbmm`` for batches that cannot be multiplied."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if batch1.ndim != 3 else "batch2 must be a 3D tensor")
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({batch1.shape[1]}x{batch1.shape[2]} and "
                           f"{batch2.shape[1]}x{batch2.shape[2]})")


def _bmm_sum(batch1: Tensor, batch2: Tensor) -> Tensor:
    """``sum_i batch1[i] @ batch2[i]``, in the batches' dtype."""
    from ..ops.linalg import bmm

    _check_batches(batch1, batch2)
    return bmm(batch1, batch2).sum(0, dtype=batch1.dtype)  # type: ignore[attr-defined, no-any-return]


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1,
           out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``."""
    if AUTOCAST.on:
        return autocast_call("addbmm", addbmm, input, batch1, batch2, beta=beta, alpha=alpha, out=out)
    from .. import dtypes as _dt

    if input.dtype in (_dt.float16, _dt.bfloat16) and batch1.ndim == 3 and batch1.shape[0]:
        # PyTorch accumulates one addmm per batch, each rounded to half precision: so must the sum here
        _check_batches(batch1, batch2)
        r = input
        for i in range(batch1.shape[0]):
            r = addmm(r, batch1[i], batch2[i], beta=beta if i == 0 else 1, alpha=alpha)
        return _out(r, out)
    return _add_product(input, _bmm_sum, (batch1, batch2), beta, alpha, out)


def chain_matmul(*matrices: Tensor, out: Tensor | None = None) -> Tensor:
    """Deprecated product of a chain of 2-d matrices: use ``ember.linalg.multi_dot``."""
    if AUTOCAST.on:
        return autocast_call("chain_matmul", chain_matmul, *matrices, out=out)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return _out(matrices[0].clone(), out)  # type: ignore[attr-defined]
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
        if dims > min(a._data.ndim, b._data.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(-dims, 0)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    for x, y in zip(da, db):  # PyTorch names the dims as given (-1 for the int form)
        if a._data.shape[x] != b._data.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a._data.shape[x]} in dim "
                               f"{x} and second has size {b._data.shape[y]} in dim {y}")
    da = [d % a._data.ndim for d in da]
    db = [d % b._data.ndim for d in db]
    fa = [d for d in range(a._data.ndim) if d not in da]
    fb = [d for d in range(b._data.ndim) if d not in db]
    k = math.prod(a._data.shape[d] for d in da)
    # explicit sizes: a -1 is ambiguous when a contracted dim is empty
    am = a.permute(*fa, *da).reshape(math.prod(a._data.shape[d] for d in fa), k)
    bm = b.permute(*db, *fb).reshape(k, math.prod(b._data.shape[d] for d in fb))
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
    if isinstance(A, Tensor) and A.ndim < 2:
        raise RuntimeError(f"torch.lu_factor: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} "
                           "instead")
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
