"""Local response normalization across channels: ``LocalResponseNorm`` and the legacy ``CrossMapLRN2d``."""

from __future__ import annotations

from typing import Any

from ... import dtypes as _dt
from ...autograd.function import Function
from ...ops.arrange import cat
from ...ops.creation import tensor, zeros
from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = ["CrossMapLRN2d", "LocalResponseNorm"]


class LocalResponseNorm(Module):
    """LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1.0): normalize each channel by its neighbours."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def _cross_map_scale(sq: Tensor, size: int) -> Tensor:
    """PyTorch's running channel window sums (dim 1), including its quirk: the running sum never drops
    channel 0 (its removal step starts one channel late)."""
    c = sq.shape[1]
    pre = int((size - 1) / 2 + 1)
    cum = sq.cumsum(1)
    hi = [min(j + pre - 1, c - 1) for j in range(c)]
    total = cum.index_select(1, tensor(hi, dtype=_dt.int64, device=sq.device))
    drop = [j - pre if j - pre >= 1 else 0 for j in range(c)]
    dropped = cum.index_select(1, tensor(drop, dtype=_dt.int64, device=sq.device)) - cum[:, :1]
    return total - dropped


class _CrossMapLRN2dFn(Function):
    """PyTorch's legacy Function, with its own backward: the gradient of a symmetric channel window (which
    differs from the exact gradient of the quirky forward sums; PyTorch's values are the reference)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, size: int, alpha: float, beta: float, k: float) -> Tensor:
        scale = _cross_map_scale(x * x, size) * (alpha / size) + k
        out = x * scale.pow(-beta)
        ctx.save_for_backward(x, out, scale)
        ctx.args = (size, alpha, beta)
        return out

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        x, out, scale = ctx.saved_tensors
        size, alpha, beta = ctx.args
        n, c, h, w = x.shape
        inv = int(size - (size - 1) / 2)
        ratio = g * out / scale
        lead = zeros((n, inv + 1, h, w), dtype=x.dtype, device=x.device)
        tail = zeros((n, size - 1 - inv, h, w), dtype=x.dtype, device=x.device)
        # a zero channel in front, so a window sum is the difference of two cumulative sums
        cum = cat([lead, ratio, tail], 1).cumsum(1)
        window = cum[:, size : size + c] - cum[:, :c]
        grad = scale.pow(-beta) * g - x * window * (2 * alpha * beta / size)
        return grad, None, None, None, None


_CrossMapLRN2dFn._backward_cls.__name__ = _CrossMapLRN2dFn._backward_cls.__qualname__ = "CrossMapLRN2dBackward"


class CrossMapLRN2d(Module):
    """CrossMapLRN2d(size, alpha=1e-4, beta=0.75, k=1): legacy local response normalization of 4-D input."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D instead.")
        return _CrossMapLRN2dFn.apply(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
