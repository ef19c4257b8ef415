"""``ember.sparse``: sparse COO tensors (PyTorch's ``torch.sparse``): products, sums and softmax
over a sparse operand, as composites of dense ember ops (every backend; autograd through values)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from ._coo import SparseCOOTensor, is_sparse, sparse_coo_tensor, sparse_mm, sparse_softmax, sparse_sum
from ._layout import layout, sparse_coo, strided

__all__ = ["addmm", "is_sparse", "layout", "log_softmax", "mm", "softmax", "sparse_coo", "sparse_coo_tensor",
           "strided", "sum", "SparseCOOTensor"]


def mm(mat1: Any, mat2: Any, reduce: str = "sum") -> Tensor:
    """Product of a sparse and a dense matrix (either order) as a dense tensor; gradients reach both."""
    if reduce != "sum":
        raise RuntimeError(f"sparse.mm: reduce={reduce!r} is not supported by ember (only 'sum')")
    r = sparse_mm(mat1, mat2)
    return r.to_sparse() if isinstance(mat1, SparseCOOTensor) and isinstance(mat2, SparseCOOTensor) else r


def addmm(mat: Tensor, mat1: Any, mat2: Tensor, *, beta: float = 1.0, alpha: float = 1.0) -> Tensor:
    """``beta * mat + alpha * (mat1 @ mat2)`` with a sparse ``mat1``."""
    return beta * mat + alpha * sparse_mm(mat1, mat2)


def sum(input: Any, dim: Any = None, dtype: Any = None) -> Any:  # noqa: A001 - PyTorch's name
    """Sum of a sparse tensor over ``dim`` (all dims: a dense 0-d tensor)."""
    return sparse_sum(input, dim, dtype)


def softmax(input: Any, dim: int, *, dtype: Any = None) -> Any:
    """Softmax over ``dim`` of the stored entries (unstored entries count as -inf)."""
    return sparse_softmax(input, dim, dtype=dtype)


def log_softmax(input: Any, dim: int, *, dtype: Any = None) -> Any:
    """Log-softmax over ``dim`` of the stored entries."""
    return sparse_softmax(input, dim, dtype=dtype, log=True)
