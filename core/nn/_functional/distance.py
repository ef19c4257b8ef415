"""Vector norms and distances: ``normalize``, ``cosine_similarity``, ``pairwise_distance``, ``pdist``,
``triplet_margin_loss``."""

from __future__ import annotations

from ... import dtypes as _dt
from ...amp._state import AUTOCAST, autocast_call
from ...ops._dispatch import handle_out, type_name
from ...ops.creation import tensor
from ...ops.shape import broadcast_tensors
from ...tensor import Tensor
from ._utils import legacy_reduction
from ._utils import reduce as _reduce


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None
) -> Tensor:
    """normalize(input, p=2.0, dim=1, eps=1e-12, out=None) -> Tensor: ``x / max(||x||_p, eps)``."""
    denom = _norm(input, p, dim, True).clamp(min=eps)
    return handle_out(input / denom, out)


def _norm(x: Tensor, p: float, dim: int, keepdim: bool) -> Tensor:
    """``x.norm(p, dim)``, accumulated in float32 for half precision and rounded once, as PyTorch's norm is."""
    if x.dtype in (_dt.float16, _dt.bfloat16):
        return x.float().norm(p, dim, keepdim=keepdim).to(x.dtype)
    return x.norm(p, dim, keepdim=keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """cosine_similarity(x1, x2, dim=1, eps=1e-8) -> Tensor: ``x1 . x2 / (max(||x1||, eps) * max(||x2||,
    eps))``."""
    if AUTOCAST.on:
        return autocast_call("cosine_similarity", cosine_similarity, x1, x2, dim, eps)
    common = _dt.promote_types(x1.dtype, x2.dtype)
    if not common.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {type_name(common)}")
    a, b = broadcast_tensors(x1, x2)
    na = _norm(a, 2, dim, True).clamp(min=eps)
    nb = _norm(b, 2, dim, True).clamp(min=eps)
    return ((a / na) * (b / nb)).sum(dim)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False) -> Tensor: ``||x1 - x2 + eps||_p`` over the
    last dim."""
    out_dim = max(x1.ndim, x2.ndim)
    if out_dim == 0:
        return (x1 - x2 + eps).abs() if not keepdim else (x1 - x2 + eps).abs().reshape(1)
    return _norm(x1 - x2 + eps, p, -1, keepdim)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """pdist(input, p=2) -> Tensor: p-norm distances between all pairs of rows (upper triangle, row-major)."""
    if AUTOCAST.on:
        return autocast_call("pdist", pdist, input, p)
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    if input.dtype in (_dt.float16, _dt.bfloat16):
        raise NotImplementedError(f"\"pdist\" not implemented for '{type_name(input.dtype)}'")
    n = input.shape[0]
    rows = tensor([i for i in range(n) for _ in range(i + 1, n)], dtype=_dt.int64, device=input.device)
    cols = tensor([j for i in range(n) for j in range(i + 1, n)], dtype=_dt.int64, device=input.device)
    return (input[rows] - input[cols]).norm(p, -1)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False,
    size_average=None, reduce=None, reduction='mean') -> Tensor."""
    if AUTOCAST.on:
        return autocast_call("triplet_margin_loss", triplet_margin_loss, anchor, positive, negative, margin, p, eps,
                            swap, size_average, reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp(min=0.0), reduction)
