"""Loss functions with ``reduction`` ('none' | 'mean' | 'sum'), PyTorch's formulas and edge cases."""

from __future__ import annotations

import math
import warnings

from ... import dtypes as _dt
from ...amp._state import AUTOCAST, autocast_call
from ...ops._dispatch import type_name
from ...ops.elementwise import where
from ...ops.indexing import _gather
from ...ops.shape import broadcast_tensors
from ...tensor import Tensor
from ._nodes import composite
from ._utils import check_reduction, check_shapes_match, floats_only, legacy_reduction
from ._utils import reduce as _reduce


def _pointwise_weighted(
    loss: Tensor, weight: Tensor | None, input: Tensor, reduction: str, mean_by_weight: bool
) -> Tensor:
    if weight is None:
        return _reduce(loss, reduction)
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """mse_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None) -> Tensor."""
    if AUTOCAST.on:
        return autocast_call("mse_loss", mse_loss, input, target, size_average, reduce, reduction, weight)
    check_shapes_match(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    floats_only(input, "mse_cpu")
    if weight is None:
        return composite("MseLossBackward0", _mse, (input, target), (reduction,))
    x, t = broadcast_tensors(input, target)
    diff = x - t
    return _pointwise_weighted(diff * diff, weight, input, reduction, True)


def _mse(x: Tensor, t: Tensor, reduction: str) -> Tensor:
    diff = x - t
    return _reduce(diff * diff, reduction)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """l1_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None) -> Tensor."""
    if AUTOCAST.on:
        return autocast_call("l1_loss", l1_loss, input, target, size_average, reduce, reduction, weight)
    check_shapes_match(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if weight is None:
        # PyTorch's l1_loss is itself a composite: Mean(Abs(Sub)) with no broadcast node
        return _reduce((input - target).abs(), reduction)
    x, t = broadcast_tensors(input, target)
    return _pointwise_weighted((x - t).abs(), weight, input, reduction, True)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """smooth_l1_loss(input, target, size_average=None, reduce=None, reduction='mean', beta=1.0) -> Tensor."""
    if AUTOCAST.on:
        return autocast_call("smooth_l1_loss", smooth_l1_loss, input, target, size_average, reduce, reduction, beta)
    check_shapes_match(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    floats_only(input, "smooth_l1_cpu")
    return composite("SmoothL1LossBackward0", _smooth_l1, (input, target), (reduction, beta))


def _smooth_l1(x: Tensor, t: Tensor, reduction: str, beta: float) -> Tensor:
    z = (x - t).abs()
    if beta == 0:
        return _reduce(z, reduction)
    return _reduce(where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta), reduction)


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0, weight: Tensor | None = None
) -> Tensor:
    """huber_loss(input, target, reduction='mean', delta=1.0, weight=None) -> Tensor."""
    if AUTOCAST.on:
        return autocast_call("huber_loss", huber_loss, input, target, reduction, delta, weight)
    check_shapes_match(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    floats_only(input, "huber_cpu")
    if weight is None:
        return composite("HuberLossBackward0", _huber, (input, target), (reduction, delta))
    x, t = broadcast_tensors(input, target)
    z = (x - t).abs()
    loss = where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))
    return _pointwise_weighted(loss, weight, input, reduction, False)


def _huber(x: Tensor, t: Tensor, reduction: str, delta: float) -> Tensor:
    z = (x - t).abs()
    return _reduce(where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta)), reduction)


# ---------------------------------------------------------------------------------------------
# classification


def _class_view(weight: Tensor, ndim: int, class_dim: int) -> Tensor:
    shape = [1] * ndim
    shape[class_dim] = weight.shape[0]
    return weight.reshape(shape)


def _check_class_target(input: Tensor, target: Tensor, weight: Tensor | None) -> tuple[Tensor, int, int]:
    """Validate class-index targets (and class weights) with PyTorch's checks, in its order and words; returns
    ``(target, class_dim, n_classes)``, a 1-element target of 1-d input made 0-d as PyTorch reads it."""
    nd = input.ndim
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    ts = tuple(target.shape)
    if nd != 1 and (ts[0] if ts else 0) != input.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({ts[0] if ts else 0}).")
    n_classes = input.shape[0 if nd == 1 else 1]
    if nd <= 2:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        _check_target_dtype(target)
        if nd == 1 and ts:
            if ts[0] != 1:
                raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {ts[0]}")
            target = target.reshape(())
    elif nd == 4:
        if target.ndim != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets of "
                               f"dimension: {target.ndim}")
        _check_target_dtype(target)
        if ts[1:] != tuple(input.shape[2:]):
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: {list(ts)}")
    else:
        if ts[1:] != tuple(input.shape[2:]):
            expect = [input.shape[0], *input.shape[2:]]
            raise RuntimeError(f"Expected target size {expect}, got {list(ts)}")
        _check_target_dtype(target)
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != n_classes):
        if nd <= 2:
            raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes or no classes "
                               f"but got weight tensor of shape: {list(weight.shape)}")
        raise RuntimeError("weight tensor should be defined either for all or no classes")
    return target, 0 if nd == 1 else 1, n_classes


def _check_target_dtype(target: Tensor) -> None:
    if target.dtype is not _dt.int64 and target.dtype is not _dt.uint8:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {type_name(target.dtype)}")


def check_targets(safe: Tensor, n_classes: int) -> None:
    """PyTorch's IndexError for a class index outside ``[0, n_classes)`` (``safe``: the targets with the ignored
    ones replaced by 0). One host read of the bounds, the one sync the gather it guards would have cost."""
    if not safe.numel():
        return
    be = safe._device._be
    data = safe._data
    lo, hi = (int(v) for v in be.to_host(be.stack([be.min(data, None, False), be.max(data, None, False)], 0)))
    if lo < 0 or hi >= n_classes:
        # the error path may read more: report the first bad target, as PyTorch's loop does
        host = be.to_host(data).reshape(-1)
        bad = host[(host < 0) | (host >= n_classes)]
        raise IndexError(f"Target {int(bad[0])} is out of bounds.")


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
    reduction='mean')."""
    if AUTOCAST.on:
        return autocast_call("nll_loss", nll_loss, input, target, weight, size_average, ignore_index, reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    target, class_dim, n_classes = _check_class_target(input, target, weight)
    floats_only(input, "nll_loss_out_frame")
    if weight is not None and weight.requires_grad:
        return _nll(input, target, weight, ignore_index, reduction, class_dim, n_classes)
    return composite(
        "NllLossBackward0", _nll, (input,), (target, weight, ignore_index, reduction, class_dim, n_classes)
    )


def _nll(
    input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int, reduction: str, class_dim: int,
    n_classes: int
) -> Tensor:
    valid = target != ignore_index
    safe = target if 0 <= ignore_index < n_classes else where(valid, target, 0)
    if safe.dtype is not _dt.int64:
        safe = safe.to(_dt.int64)  # a uint8 target: gather takes int32/int64 indices
    check_targets(safe, n_classes)
    # the targets are checked: the unchecked gathers read them with no second host sync
    picked = -_gather(input, class_dim, safe.unsqueeze(class_dim)).squeeze(class_dim)
    w = valid.to(input.dtype)
    if weight is not None:
        w = w * class_weights(weight, safe)
    # NOTE: `where`, not just `* w`: an ignored target then passes no gradient even when the 'mean' divides
    # by a zero total weight (every target ignored: PyTorch's gradient is zero, not 0 * inf = NaN)
    loss = where(valid, picked * w, 0.0)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / w.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def class_weights(weight: Tensor, safe: Tensor) -> Tensor:
    """``weight[safe]`` for targets ``check_targets`` passed (no bounds check, so no host sync)."""
    return _gather(weight, 0, safe.reshape(-1)).reshape(safe.shape)


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction='mean')."""
    if AUTOCAST.on:
        return autocast_call("binary_cross_entropy", binary_cross_entropy, input, target, weight, size_average,
                            reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    floats_only(input, "binary_cross_entropy")
    # NOTE: NaN is out of range too, as PyTorch's check (`0 <= x && x <= 1`) says
    if input.numel() and not bool(((input >= 0) & (input <= 1)).all()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None and weight.requires_grad:
        return _bce(input, target, weight, reduction)
    return composite("BinaryCrossEntropyBackward0", _bce, (input, target), (weight, reduction))


def _bce(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str) -> Tensor:
    # PyTorch clamps the logs at -100 so a saturated probability gives a finite loss
    loss = -(target * input.log().clamp(min=-100.0) + (1 - target) * (1 - input).log().clamp(min=-100.0))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
    reduction='mean', pos_weight=None) -> Tensor: sigmoid + binary cross entropy, computed stably."""
    if AUTOCAST.on:
        return autocast_call("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits, input, target,
                            weight, size_average, reduce, reduction, pos_weight)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    floats_only(input, "log_sigmoid_cpu")
    if any(w is not None and w.requires_grad for w in (weight, pos_weight)):
        return _bce_logits(input, target, weight, pos_weight, reduction)
    return composite(
        "BinaryCrossEntropyWithLogitsBackward0", _bce_logits, (input, target), (weight, pos_weight, reduction)
    )


def _bce_logits(
    input: Tensor, target: Tensor, weight: Tensor | None, pos_weight: Tensor | None, reduction: str
) -> Tensor:
    # log(1 + exp(-x)) = m + log(exp(-m) + exp(-x - m)) with m = max(-x, 0), PyTorch's stable form
    m = (-input).clamp(min=0.0)
    softplus_neg = m + ((-m).exp() + (-input - m).exp()).log()
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * softplus_neg
    else:
        loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """kl_div(input, target, size_average=None, reduce=None, reduction='mean', log_target=False) -> Tensor:
    pointwise ``target * (log(target) - input)`` with ``input`` in log space."""
    if AUTOCAST.on:
        return autocast_call("kl_div", kl_div, input, target, size_average, reduce, reduction, log_target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if not (input.dtype.is_floating_point or input.dtype.is_complex) or not (
            target.dtype.is_floating_point or target.dtype.is_complex):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            UserWarning,
            stacklevel=2,
        )
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # xlogy: 0 * log(0) is 0
        pos = target > 0
        loss = where(pos, target * where(pos, target, 1.0).log(), 0.0) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce_or_raise(loss, reduction)


def _reduce_or_raise(loss: Tensor, reduction: str) -> Tensor:
    check_reduction(reduction)
    return _reduce(loss, reduction)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
    reduction='mean')."""
    if AUTOCAST.on:
        return autocast_call("cosine_embedding_loss", cosine_embedding_loss, input1, input2, target, margin,
                            size_average, reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if input1.ndim not in (1, 2):
        raise RuntimeError(
            f"cosine_embedding_loss(): 1D target tensor expects 2D input tensors, but found inputs "
            f"with sizes {list(input1.shape)} and {list(input2.shape)}."
        )
    dim = input1.ndim - 1
    eps = 1e-12
    prod_sum = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + eps
    mag2 = (input2 * input2).sum(dim) + eps
    cos = prod_sum / (mag1 * mag2).sqrt()
    pos = where(target == 1, 1 - cos, 0.0)
    neg = where(target == -1, (cos - margin).clamp(min=0.0), 0.0)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
    reduction='mean')."""
    if AUTOCAST.on:
        return autocast_call("margin_ranking_loss", margin_ranking_loss, input1, input2, target, margin, size_average,
                            reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0.0), reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction='mean')."""
    if AUTOCAST.on:
        return autocast_call("hinge_embedding_loss", hinge_embedding_loss, input, target, margin, size_average,
                            reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if not input.dtype.is_floating_point:
        # PyTorch's kernel casts the margin to an integer input's dtype, and the loss keeps that dtype
        margin = math.trunc(margin)
    zero = 0.0 if input.dtype.is_floating_point else 0
    margin_clamp = (margin - input).clamp(min=zero)
    loss = where(target == 1, zero, margin_clamp) + where(target == -1, zero, input)
    return _reduce(loss, reduction)


def soft_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """soft_margin_loss(input, target, size_average=None, reduce=None, reduction='mean'): ``log(1 + exp(-y
    x))``."""
    if AUTOCAST.on:
        return autocast_call("soft_margin_loss", soft_margin_loss, input, target, size_average, reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if target.requires_grad:
        return _soft_margin(input, target, reduction)
    return composite("SoftMarginLossBackward0", _soft_margin, (input,), (target, reduction))


def _soft_margin(input: Tensor, target: Tensor, reduction: str) -> Tensor:
    return _reduce((-target * input).exp().log1p(), reduction)


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
    reduction='mean') -> Tensor."""
    if AUTOCAST.on:
        return autocast_call("poisson_nll_loss", poisson_nll_loss, input, target, log_input, full, size_average, eps,
                            reduce, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        t = where(target > 1, target, 1.0)
        stirling = t * t.log() - t + (2 * 3.141592653589793 * t).log() * 0.5
        loss = loss + where(target > 1, stirling, 0.0)
    return _reduce_or_raise(loss, reduction)
