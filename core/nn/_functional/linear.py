"""Affine maps: ``linear`` and ``bilinear``."""

from __future__ import annotations

from ...ops.linalg import einsum
from ...tensor import Tensor


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """linear(input, weight, bias=None) -> Tensor: ``input @ weight.T + bias``."""
    out = input @ weight.t() if weight.ndim == 2 else input @ weight
    return out + bias if bias is not None else out


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """bilinear(input1, input2, weight, bias=None) -> Tensor: ``y_k = x1 @ weight[k] @ x2 + bias_k``."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
            f"{list(input2.shape[:-1])}"
        )
    if weight.ndim != 3 or weight.shape[1] != input1.shape[-1] or weight.shape[2] != input2.shape[-1]:
        raise RuntimeError(
            f"bilinear(): weight size {list(weight.shape)} does not match input sizes "
            f"{input1.shape[-1]} and {input2.shape[-1]}"
        )
    batch = tuple(input1.shape[:-1])
    out = einsum(
        "bi,kij,bj->bk", input1.reshape(-1, input1.shape[-1]), weight, input2.reshape(-1, input2.shape[-1])
    )
    out = out.reshape(batch + (weight.shape[0],))
    return out + bias if bias is not None else out
