"""Margin and likelihood losses beyond the common set: ``multi_margin_loss``, ``multilabel_margin_loss``,
``multilabel_soft_margin_loss``, ``gaussian_nll_loss``, ``triplet_margin_with_distance_loss``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ...amp._state import AUTOCAST, autocast_call
from ...ops.creation import zeros
from ...ops.elementwise import where
from ...tensor import Tensor
from ._nodes import composite
from ._utils import check_reduction as _check_reduction
from ._utils import legacy_reduction
from ._utils import reduce as _reduce
from .activation import logsigmoid
from .distance import pairwise_distance


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """multi_margin_loss(input, target, p=1, margin=1, weight=None, size_average=None, reduce=None,
    reduction='mean') -> Tensor: multi-class hinge loss ``sum_j max(0, margin - x[y] + x[j])^p / C``."""
    if AUTOCAST.on:
        return autocast_call("multi_margin_loss", multi_margin_loss, input, target, p, margin, weight, size_average,
                            reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    if weight is not None and weight.requires_grad:
        raise RuntimeError(
            "The function 'multi_margin_loss' is not differentiable with respect to argument 'weight'. This "
            "input cannot have requires_grad True."
        )
    return composite("MultiMarginLossBackward0", _multi_margin, (input,), (target, p, margin, weight, reduction))


def _multi_margin(
    input: Tensor, target: Tensor, p: int, margin: float, weight: Tensor | None, reduction: str
) -> Tensor:
    if input.ndim > 2:
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {list(input.shape)}"
        )
    x = input.reshape(1, -1) if input.ndim <= 1 else input
    t = target.reshape(-1)
    n, c = x.shape
    if t.shape[0] != n or target.ndim > 1:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples (batch "
            f"size). Expected target size [{n}], but got {list(target.shape)}. Input has shape {list(input.shape)}."
        )
    if t.numel() and (int(t.min().item()) < 0 or int(t.max().item()) >= c):
        raise RuntimeError("target out of range")
    xy = x.gather(1, t.unsqueeze(1))
    z = margin - xy + x
    z = where(z > 0, z, 0.0)  # PyTorch's `if (z > 0)`: a NaN term adds nothing
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[t].unsqueeze(1)
    # the target's own column contributes margin^p in the formula above; PyTorch skips it
    not_y = zeros((n, c), dtype=x.dtype, device=x.device).scatter(1, t.unsqueeze(1), 1.0) == 0
    loss = where(not_y, z, 0.0).sum(1) / c
    if input.ndim <= 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction='mean') -> Tensor:
    hinge loss between each target class (listed in ``target`` up to the first -1) and each other class."""
    if AUTOCAST.on:
        return autocast_call("multilabel_margin_loss", multilabel_margin_loss, input, target, size_average, reduce,
                            reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return composite("MultilabelMarginLossBackward0", _multilabel_margin, (input,), (target, reduction))


def _multilabel_margin(input: Tensor, target: Tensor, reduction: str) -> Tensor:
    if tuple(target.shape) != tuple(input.shape) or input.ndim > 2:
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}"
        )
    x = input.reshape(1, -1) if input.ndim <= 1 else input
    t = target.reshape(x.shape)
    n, c = x.shape
    if t.numel() and (int(t.min().item()) < -1 or int(t.max().item()) >= c):
        raise RuntimeError("argument #2 'target' is out of range")
    # the targets of a row are its entries before the first -1
    listed = (t < 0).to(t.dtype).cumsum(1) == 0
    safe = where(listed, t, 0)
    is_target = zeros((n, c), dtype=x.dtype, device=x.device).scatter_add(1, safe, listed.to(x.dtype)) > 0
    xj = x.gather(1, safe)  # (n, c): scores of the listed targets
    hinge = 1.0 - xj.unsqueeze(2) + x.unsqueeze(1)  # (n, target slot, class)
    hinge = where(hinge > 0, hinge, 0.0)  # PyTorch's `if (z > 0)`: a NaN term adds nothing
    keep = listed.unsqueeze(2) & (~is_target).unsqueeze(1)
    loss = where(keep, hinge, 0.0).sum((1, 2)) / c
    if input.ndim <= 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
    reduction='mean') -> Tensor: per-class logistic loss averaged over the classes."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean') -> Tensor: the negative
    log likelihood of ``target`` under N(input, var)."""
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var_t = input.new_ones(tuple(input.shape)) * float(var)
    else:
        var_t = var
    var = var_t
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(
            y for x, y in zip(input.shape, var.shape) if x != y
        ) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    # PyTorch clamps a clone under no_grad: the gradient passes through the clamp unchanged
    var = var + (var.clamp(min=eps) - var).detach()
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
    swap=False, reduction='mean') -> Tensor: ``max(d(a, p) - d(a, n) + margin, 0)``."""
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a_dim, p_dim, n_dim = anchor.ndim, positive.ndim, negative.ndim
    if not (a_dim == p_dim and p_dim == n_dim):
        raise RuntimeError(
            f"The anchor, positive, and negative tensors are expected to have the same number of dimensions, "
            f"but got: anchor {a_dim}D, positive {p_dim}D, and negative {n_dim}D inputs"
        )
    dist: Any = distance_function if distance_function is not None else pairwise_distance
    dist_pos = dist(anchor, positive)
    dist_neg = dist(anchor, negative)
    if swap:
        dist_neg = dist_neg.minimum(dist(positive, negative))
    return _reduce((margin + dist_pos - dist_neg).clamp(min=0.0), reduction)
