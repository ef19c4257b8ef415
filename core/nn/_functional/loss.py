"""Loss functions with ``reduction`` ('none' | 'mean' | 'sum'), PyTorch's formulas and edge cases."""

from __future__ import annotations

import warnings
from typing import Any

from ... import dtypes as _dt
from ...amp._state import AUTOCAST, autocast_call
from ...autograd.function import Function
from ...autograd.grad_mode import GRAD, is_grad_enabled, no_grad
from ...autograd.graph import Node, edge
from ...ops.creation import zeros, zeros_like
from ...ops.elementwise import where
from ...ops.shape import broadcast_tensors
from ...tensor import Tensor, _wrap
from ._nodes import composite
from ._utils import check_shapes_match, fused, legacy_reduction, node_name
from ._utils import reduce as _reduce
from .activation import _Softmax, log_softmax


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


def _check_class_target(input: Tensor, target: Tensor, weight: Tensor | None) -> tuple[int, int]:
    """Validate class-index targets (and class weights); returns (class_dim, n_classes)."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    class_dim = 0 if input.ndim == 1 else 1
    expect = tuple(input.shape[:class_dim]) + tuple(input.shape[class_dim + 1 :])
    if tuple(target.shape) != expect:
        if input.ndim <= 2 and (
            target.ndim != max(input.ndim - 1, 0) or (input.ndim == 2 and target.shape[0] != input.shape[0])
        ):
            raise ValueError(
                f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                f"({target.shape[0] if target.ndim else 0})."
            )
        raise RuntimeError(f"Expected target size {list(expect)}, got {list(target.shape)}")
    if target.dtype.is_floating_point or target.dtype is _dt.bool:
        raise RuntimeError(f"expected scalar type Long but found {target.dtype}")
    n_classes = input.shape[class_dim]
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != n_classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or no classes but got "
            f"weight tensor of shape: {list(weight.shape)}"
        )
    return class_dim, n_classes


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
    class_dim, n_classes = _check_class_target(input, target, weight)
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
    picked = -input.gather(class_dim, safe.unsqueeze(class_dim)).squeeze(class_dim)
    w = valid.to(input.dtype)
    if weight is not None:
        w = w * weight[safe]
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


_INT_CATEGORY = _dt.int64._category


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
    reduction='mean', label_smoothing=0.0) -> Tensor: ``log_softmax`` over dim 1 (dim 0 for 1-d input) and
    the negative log likelihood of class indices, or the cross entropy with class probabilities."""
    if AUTOCAST.on:
        return autocast_call("cross_entropy", cross_entropy, input, target, weight, size_average, ignore_index,
                            reduce, reduction, label_smoothing)
    if (weight is None and size_average is None and reduce is None and not label_smoothing
            and (reduction == "mean" or reduction == "sum" or reduction == "none")
            and type(input) is Tensor and type(target) is Tensor and input._data.ndim == 2
            and target._data.shape == input._data.shape[:1] and target._device is input._device
            and input.dtype.is_floating_point and target.dtype._category == _INT_CATEGORY):
        # the training-loop case (2-d logits, class indices, no options) straight to the fused kernel: every
        # check below holds for it, and the fused path is all that would run after them
        kernel = fused(input, "cross_entropy")
        if kernel is not None:
            return _fused_cross_entropy(kernel, input, target, ignore_index, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if target.dtype.is_floating_point:
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(f"Expected target size {list(input.shape)}, got {list(target.shape)}")
        class_dim = 0 if input.ndim == 1 else 1
        n_classes = input.shape[class_dim]
        logp = log_softmax(input, class_dim)
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        prod = logp * target
        if weight is not None:
            prod = prod * _class_view(weight, input.ndim, class_dim)
        if reduction == "none":
            return -prod.sum(class_dim)
        if reduction == "sum":
            return -prod.sum()
        if reduction == "mean":
            return -prod.sum() / (input.numel() // n_classes) if input.numel() else prod.sum() * float("nan")
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    class_dim, n_classes = _check_class_target(input, target, weight)
    kernel = fused(input, "cross_entropy")
    if (kernel is not None and weight is None and label_smoothing == 0 and input._data.ndim == 2
            and input.dtype.is_floating_point and target._device is input._device):
        return _fused_cross_entropy(kernel, input, target, ignore_index, reduction)
    if label_smoothing == 0:
        # PyTorch's graph: NllLossBackward0 over LogSoftmaxBackward0
        return nll_loss(log_softmax(input, class_dim), target, weight, ignore_index=ignore_index, reduction=reduction)
    return _CrossEntropy.apply(input, (target, weight), ignore_index, reduction, label_smoothing, class_dim)


def _ce_grad(
    x: Tensor, g: Tensor, p: Tensor, safe_c: Tensor, valid: Tensor, w: Tensor, weight: Tensor | None,
    denom: Tensor | None, reduction: str, smoothing: float, cd: int
) -> Tensor:
    """The gradient of cross entropy with respect to the logits, ``(p - target distribution) * scale``, with
    Tensor ops (differentiable in ``g`` and ``p`` for create_graph)."""
    onehot = zeros_like(x).scatter(cd, safe_c, 1.0)
    grad = (p - onehot) * w.unsqueeze(cd)
    if smoothing > 0:
        n_classes = x.shape[cd]
        if weight is not None:
            wv = _class_view(weight, x.ndim, cd)
            smooth = p * wv.sum() - wv
        else:
            smooth = p * n_classes - 1.0
        grad = grad * (1 - smoothing) + smooth * (valid.to(x.dtype).unsqueeze(cd) * (smoothing / n_classes))
    if reduction == "none":
        return grad * g.unsqueeze(cd)
    if reduction == "mean":
        # NOTE: `where`: with every target ignored the total weight is 0 and g / 0 = inf; PyTorch's gradient
        # is zero there (no target contributes), not 0 * inf = NaN
        return where(valid.unsqueeze(cd), grad * (g / denom), 0.0)
    return grad * g


class _CrossEntropy(Function):
    """Cross entropy of class indices as one graph node: ``log_softmax`` and the (label-smoothed, weighted)
    negative log likelihood forward, ``(softmax - target distribution) * scale`` backward."""

    @staticmethod
    def forward(
        ctx: Any,
        x: Tensor,
        boxed: tuple[Tensor, Tensor | None],
        ignore_index: int,
        reduction: str,
        smoothing: float,
        cd: int,
    ) -> Tensor:
        target, weight = boxed  # boxed: target and class weights are no input edges (as in PyTorch)
        n_classes = x.shape[cd]
        kernel = fused(x, "log_softmax")
        if kernel is not None:
            logp = _wrap(kernel(x._data, cd), x.dtype, x._device)
        else:
            z = x - x.amax(cd, keepdim=True)
            logp = z - z.exp().sum(cd, keepdim=True).log()
        valid = target != ignore_index
        safe = target if 0 <= ignore_index < n_classes else where(valid, target, 0)
        safe_c = safe.unsqueeze(cd)
        w = valid.to(x.dtype)
        if weight is not None:
            w = w * weight[safe]
        loss = -logp.gather(cd, safe_c).squeeze(cd) * w
        if smoothing > 0:
            wlogp = logp * _class_view(weight, x.ndim, cd) if weight is not None else logp
            smooth = -wlogp.sum(cd) * valid.to(x.dtype)
            loss = loss * (1 - smoothing) + smooth * (smoothing / n_classes)
        denom = w.sum() if reduction == "mean" else None
        ctx.save_for_backward(x, logp, safe_c, valid, w, weight, denom)
        ctx.args = (reduction, smoothing, cd)
        if reduction == "none":
            return loss
        return loss.sum() / denom if denom is not None else loss.sum()

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        x, logp, safe_c, valid, w, weight, denom = ctx.saved_tensors
        reduction, smoothing, cd = ctx.args
        # the softmax is recomputed differentiably when a graph of the gradient is wanted
        p = _Softmax.apply(x, cd) if is_grad_enabled() else logp.exp()
        grad = _ce_grad(x, g, p, safe_c, valid, w, weight, denom, reduction, smoothing, cd)
        return grad, None, None, None, None, None


class _FusedNllBackward(Node):
    """PyTorch's ``NllLossBackward0`` of the fused cross entropy: the gradient with respect to the
    log-probabilities, ``-onehot(target) * scale * g`` (ignored targets get none)."""

    def __init__(self, target: Tensor, x: Tensor, ignore_index: int, reduction: str, lsm: _FusedLogSoftmaxBackward):
        self.save(target)
        self.shape, self.dtype, self.device = tuple(x.shape), x.dtype, x.device
        self.ignore_index, self.reduction, self.lsm = ignore_index, reduction, lsm

    def backward(self, g: Tensor) -> Tensor:
        (target,) = self.saved_tensors
        assert target is not None
        with no_grad():
            valid = target != self.ignore_index
            w = valid.to(self.dtype)
            if self.reduction == "mean":
                total = w.sum()
                # every target ignored: no gradient (not 0 / 0)
                w = w / where(total == 0, 1.0, total)
            picked = zeros(self.shape, dtype=self.dtype, device=self.device)
            picked = picked.scatter(1, where(valid, target, 0).unsqueeze(1), (-w).unsqueeze(1))
        g_logp = picked * (g.unsqueeze(1) if self.reduction == "none" else g)
        # the LogSoftmax node below may skip its softmax when it receives exactly this gradient
        self.lsm.expected = (g_logp, g)
        return g_logp


class _FusedLogSoftmaxBackward(Node):
    """PyTorch's ``LogSoftmaxBackward0`` under the fused cross entropy: ``g - softmax(x) * sum(g)``; when its
    gradient is the one the NllLoss node above produced, that is the kernel's gradient times the loss
    gradient, with no softmax recomputed."""

    expected: tuple[Tensor, Tensor] | None = None

    def __init__(self, x: Tensor, grad: Tensor, reduction: str):
        self.save(x, grad)
        self.reduction = reduction

    def backward(self, g: Tensor) -> Tensor:
        x, grad = self.saved_tensors
        assert x is not None and grad is not None
        expected, self.expected = self.expected, None
        if expected is not None and expected[0] is g and not GRAD.enabled:
            g_loss = expected[1]
            be = g_loss._device._be
            gd = be.reshape(g_loss._data, (-1, 1)) if self.reduction == "none" else g_loss._data
            return _wrap(be.multiply(grad._data, gd), grad.dtype, grad._device)
        p = _Softmax.apply(x, 1) if GRAD.enabled else log_softmax(x, 1).exp()
        return g - p * g.sum(1, keepdim=True)


def _fused_cross_entropy(kernel: Any, x: Tensor, target: Tensor, ignore_index: int, reduction: str) -> Tensor:
    """Cross entropy of 2-d logits through the backend's ``cross_entropy`` kernel, which returns the loss and
    the gradient of the reduced loss in one pass over the logits. The graph is PyTorch's two nodes
    (``NllLossBackward0`` over ``LogSoftmaxBackward0``); the second reuses the kernel's gradient."""
    need_grad = GRAD.enabled and x._rg
    loss_d, grad_d = kernel(x._data, target._data, ignore_index, reduction, need_grad)
    out = _wrap(loss_d, x.dtype, x._device)
    if need_grad:
        grad = _wrap(grad_d, x.dtype, x._device)
        lsm = _FusedLogSoftmaxBackward(x, grad, reduction)
        lsm.next_functions = (edge(x),)
        nll = _FusedNllBackward(target, x, ignore_index, reduction, lsm)
        nll.next_functions = ((lsm, 0),)
        out._rg = True
        out.grad_fn = nll
    return out


_FusedNllBackward.__name__ = _FusedNllBackward.__qualname__ = "NllLossBackward0"
_FusedLogSoftmaxBackward.__name__ = _FusedLogSoftmaxBackward.__qualname__ = "LogSoftmaxBackward0"
node_name(_CrossEntropy, "NllLossBackward0")


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
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
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
    margin_clamp = (margin - input).clamp(min=0.0)
    loss = where(target == 1, 0.0, margin_clamp) + where(target == -1, 0.0, input)
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
