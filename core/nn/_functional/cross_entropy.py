"""Cross entropy: ``cross_entropy`` with class indices or probabilities, label smoothing and class weights;
the backend's fused kernel path and the reference path both record PyTorch's graph (``NllLossBackward0``
over ``LogSoftmaxBackward0``)."""

from __future__ import annotations

from typing import Any

from ... import dtypes as _dt
from ...amp._state import AUTOCAST, autocast_call
from ...autograd.function import Function
from ...autograd.grad_mode import GRAD, is_grad_enabled
from ...autograd.graph import Node, edge
from ...ops._dispatch import type_name
from ...ops.creation import zeros_like
from ...ops.elementwise import where
from ...ops.indexing import _gather, _scatter
from ...tensor import Tensor, _wrap
from ._utils import check_reduction, fused, legacy_reduction, node_name
from .activation import _Softmax, log_softmax
from .loss import _check_class_target, _class_view, check_targets, class_weights, nll_loss


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
            and input.dtype.is_floating_point and target.dtype is _dt.int64):
        # the training-loop case (2-d logits, class indices, no options) straight to the fused kernel: every
        # check below holds for it, and the fused path is all that would run after them
        kernel = fused(input, "cross_entropy")
        if kernel is not None:
            return _fused_cross_entropy(kernel, input, target, ignore_index, reduction)
    reduction = legacy_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if tuple(target.shape) == tuple(input.shape):
        # PyTorch reads a target shaped as the input as class probabilities (any other shape as class indices)
        if not target.dtype.is_floating_point:
            raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                               f"{type_name(target.dtype)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
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
    check_reduction(reduction)
    target, class_dim, n_classes = _check_class_target(input, target, weight)
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
    onehot = _scatter(zeros_like(x), cd, safe_c, 1.0)  # targets checked in the forward: no host sync
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
        if safe.dtype is not _dt.int64:
            safe = safe.to(_dt.int64)  # a uint8 target: gather takes int32/int64 indices
        check_targets(safe, n_classes)
        safe_c = safe.unsqueeze(cd)
        w = valid.to(x.dtype)
        if weight is not None:
            w = w * class_weights(weight, safe)
        loss = -_gather(logp, cd, safe_c).squeeze(cd) * w
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
        # NOTE: built from backend primitives, not Tensor ops: this runs every training step, and the ~10 ops
        # with their checks cost ~0.5 ms of a 2.5 ms MLP step (the one-hot of the targets, scaled by -w)
        be, idx = target._device._be, target._device.index
        t = target._data
        valid = be.not_equal(t, be.full((), self.ignore_index, target.dtype, idx))
        w = be.astype(valid, self.dtype)
        if self.reduction == "mean":
            # w counts the valid targets; every target ignored gives no gradient (not 0 / 0)
            w = be.divide(w, be.maximum(be.sum(w, None, False), be.full((), 1, self.dtype, idx)))
        safe = be.where(valid, t, be.full((), 0, target.dtype, idx))
        classes = be.arange(0, self.shape[1], 1, target.dtype, idx)
        onehot = be.equal(be.reshape(safe, (-1, 1)), be.reshape(classes, (1, -1)))
        picked_d = be.multiply(be.astype(onehot, self.dtype), be.reshape(be.negative(w), (-1, 1)))
        picked = _wrap(picked_d, self.dtype, target._device)
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
