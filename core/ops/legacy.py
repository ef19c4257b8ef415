"""Older top-level names PyTorch still has: functions it removed (``torch.solve``, ``torch.eig``, ``torch.lstsq``,
``torch.matrix_rank``, which raise its removal message naming the replacement), norms kept for TorchScript
(``frobenius_norm``, ``nuclear_norm``), ``embedding_renorm_``, ``adjoint``/``is_neg``/``sgn_``, and the sparse
queries on a dense tensor (``x.sparse_dim()`` is 0; ``x.indices()`` raises PyTorch's layout error).
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor

_REMOVED = "This function was deprecated since version 1.9 and is now removed. "


def solve(input: Tensor, A: Tensor, *, out: Any = None) -> Any:
    """Removed from PyTorch: raises its error pointing to ``linalg.solve`` (arguments reversed)."""
    raise RuntimeError(_REMOVED + "`torch.solve` is deprecated in favor of `torch.linalg.solve`. "
                       "`torch.linalg.solve` has its arguments reversed and does not return the LU factorization.")


def eig(input: Tensor, eigenvectors: bool = False, *, out: Any = None) -> Any:
    """Removed from PyTorch: raises its error pointing to ``linalg.eig``/``linalg.eigvals``."""
    raise RuntimeError(_REMOVED + "`torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` "
                       "rather than real tensors mimicking complex tensors. Use torch.linalg.eigvals(A) or "
                       "torch.linalg.eig(A).")


def lstsq(input: Tensor, A: Tensor, *, out: Any = None) -> Any:
    """Removed from PyTorch: raises its error pointing to ``linalg.lstsq`` (arguments reversed)."""
    raise RuntimeError(_REMOVED + "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n"
                       "`torch.linalg.lstsq` has reversed arguments and does not return the QR decomposition in the "
                       "returned tuple (although it returns other information about the problem).")


def matrix_rank(input: Tensor, tol: Any = None, symmetric: bool = False, *, out: Any = None) -> Any:
    """Removed from PyTorch: raises its error pointing to ``linalg.matrix_rank``."""
    raise RuntimeError(_REMOVED + "\nPlease use the `torch.linalg.matrix_rank` function instead. The parameter "
                       "'symmetric' was renamed in `torch.linalg.matrix_rank()` to 'hermitian'.")


def frobenius_norm(input: Tensor, dim: Any, keepdim: bool = False, *, out: Any = None) -> Tensor:
    """The Frobenius norm over ``dim`` (``sqrt(sum(|x|**2))``)."""
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    from ._dispatch import handle_out

    return handle_out((input.abs() ** 2).sum(dim=dims, keepdim=keepdim).sqrt(), out)


def nuclear_norm(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Tensor:
    """The nuclear norm (sum of singular values) of the matrices over ``dim`` (default the last two)."""
    from .. import linalg

    if isinstance(dim, bool):  # nuclear_norm(input, keepdim) overload
        dim, keepdim = None, dim
    from ._dispatch import handle_out

    return handle_out(linalg.matrix_norm(input, "nuc", (-2, -1) if dim is None else tuple(dim), keepdim), out)


def embedding_renorm_(input: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> Tensor:
    """Rescale in place the rows of ``input`` named in ``indices`` whose ``norm_type``-norm exceeds
    ``max_norm`` to that norm (as ``F.embedding(max_norm=...)`` does), without recording a gradient."""
    from .. import dtypes as _dt
    from ..autograd.grad_mode import no_grad

    if indices.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError("Expected tensor for argument #2 'indices' to have one of the following scalar types: Long, "
                           f"Int; but got {indices.type()} instead (while checking arguments for embedding_renorm_)")
    if input.ndim != 2:
        raise RuntimeError(f"Expected 2-dimensional tensor, but got {input.ndim}-dimensional tensor for argument #1 "
                           "'self' (while checking arguments for embedding_renorm_)")
    with no_grad():
        rows = indices.reshape(-1).unique()
        sel = input[rows]
        norms = sel.norm(norm_type, dim=1, keepdim=True)
        scale = (max_norm / (norms + 1e-7)).clamp(max=1.0)
        input[rows] = sel * scale
    return input


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dimensions (a view for real tensors)."""
    if input.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                           f"{input.ndim}-D tensor.")
    return input.adjoint()  # type: ignore[attr-defined, no-any-return]


def is_neg(input: Tensor) -> bool:
    """Whether a lazy negation bit is set: ember negates eagerly, so ``False``."""
    return False


def sgn_(input: Tensor) -> Tensor:
    """In-place ``sgn`` (``sign`` for real tensors, ``x / |x|`` for complex ones)."""
    from .complex import sgn

    return input.copy_(sgn(input))


# -- the sparse queries on a dense (strided) tensor ----------------------------------------------------------
def _layout_error(name: str, what: str = "sparse coordinate tensor layout") -> RuntimeError:
    return RuntimeError(f"{name} expected {what} but got Strided")


def _dense_indices(self: Tensor) -> Tensor:
    raise _layout_error("indices")


def _dense_values(self: Tensor) -> Tensor:
    raise _layout_error("values", "sparse tensor layout")


def _dense_coalesce(self: Tensor) -> Tensor:
    raise _layout_error("coalesce")


def _dense_is_coalesced(self: Tensor) -> bool:
    raise _layout_error("is_coalesced")


def _dense_sparse_mask(self: Tensor, mask: Tensor) -> Tensor:
    raise RuntimeError("sparse_mask expects mask to be sparse COO, got a strided tensor")


def bind() -> None:
    """Bind the Tensor methods of this module (dense-tensor forms; the sparse COO class overrides them)."""
    T: Any = Tensor
    T.solve, T.eig, T.lstsq = solve, eig, lstsq
    T.is_neg, T.sgn_ = is_neg, sgn_
    for name, fn in (("indices", _dense_indices), ("values", _dense_values), ("coalesce", _dense_coalesce),
                     ("is_coalesced", _dense_is_coalesced), ("sparse_mask", _dense_sparse_mask)):
        if name not in vars(Tensor):
            setattr(T, name, fn)
    if "sparse_dim" not in vars(Tensor):
        T.sparse_dim = lambda self: 0
        T.dense_dim = lambda self: self.ndim
