"""Stochastic gradient descent (optionally with momentum), PyTorch's ``torch.optim.SGD``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd.grad_mode import GRAD, no_grad
from ..ops._dispatch import bump_version, materialize
from ..tensor import Tensor, _wrap
from . import _ops
from .optimizer import Optimizer, ParamsT, _to_scalar


class SGD(Optimizer):
    """SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False, ...).

    Example::

        >>> opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    def __init__(self, params: ParamsT, lr: float | Tensor = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                    "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._eval_closure(closure)
        with no_grad():
            for group in self.param_groups:
                momentum = group["momentum"]
                params, grads, bufs = [], [], []
                for p in group["params"]:
                    grad = p.grad
                    if grad is not None:
                        params.append(p)
                        grads.append(grad)
                        if momentum != 0:
                            bufs.append(self.state[p].get("momentum_buffer"))
                sgd(params, grads, bufs, weight_decay=group["weight_decay"], momentum=momentum,
                    lr=group["lr"], dampening=group["dampening"], nesterov=group["nesterov"],
                    maximize=group["maximize"])
                if momentum != 0:
                    for p, buf in zip(params, bufs):
                        self.state[p]["momentum_buffer"] = buf
        return loss


def sgd(params: list[Tensor], d_p_list: list[Tensor], momentum_buffer_list: list[Tensor | None], *,
        weight_decay: float, momentum: float, lr: float, dampening: float, nesterov: bool,
        maximize: bool) -> None:
    """Functional SGD: update ``params`` (and ``momentum_buffer_list``, filling ``None`` slots) in place."""
    lr = _to_scalar(lr)
    if any(g.is_sparse for g in d_p_list):
        # PyTorch's update is linear in a sparse gradient: the same step with it densified (the momentum
        # buffer is dense here, sparse in PyTorch)
        if weight_decay != 0:
            raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
        d_p_list = [g.to_dense() if g.is_sparse else g for g in d_p_list]
    if not GRAD.enabled and _lean_sgd(params, d_p_list, momentum_buffer_list, weight_decay, momentum, lr,
                                      dampening, nesterov, maximize):
        return
    for i, param in enumerate(params):
        grad = d_p_list[i] if not maximize else -d_p_list[i]
        if weight_decay != 0:
            grad = grad + param * weight_decay
        if momentum != 0:
            buf = momentum_buffer_list[i]
            if buf is None:
                buf = grad.detach().clone()
                momentum_buffer_list[i] = buf
            else:
                _ops.add_(buf.mul_(momentum), grad, 1 - dampening)
            grad = grad + buf * momentum if nesterov else buf
        _ops.add_(param, grad, -lr)


def _lean_sgd(params: list[Tensor], grads: list[Tensor], bufs: list[Tensor | None], weight_decay: float,
              momentum: float, lr: float, dampening: float, nesterov: bool, maximize: bool) -> bool:
    """The same update on raw arrays, written with the backend's ``out=`` primitives: a few kernels per
    parameter and none of the in-place machinery (checks, promotion, temporaries as Tensors). Only for
    mutable backends and parameters whose gradient has their dtype and shape; False to take the general path.
    """
    for p, g, buf in zip(params, grads, bufs if momentum != 0 else [None] * len(params)):
        if not p._device._be.mutable or g.dtype is not p.dtype or g._device is not p._device \
                or g._data.shape != p._data.shape:
            return False
        if buf is not None and (buf.dtype is not p.dtype or buf._device is not p._device
                                or buf._data.shape != p._data.shape):
            return False
    for i, p in enumerate(params):
        be = p._device._be
        arr = materialize(p)
        g = grads[i]._data
        if maximize:
            g = be.negative(g)
        if weight_decay != 0:
            g = be.add(g, be.multiply(arr, weight_decay))
        if momentum != 0:
            buf = bufs[i]
            if buf is None:
                buf = bufs[i] = _wrap(be.copy(g), p.dtype, p._device)
            else:
                b = materialize(buf)
                be.multiply(b, momentum, out=b)
                be.add(b, g if dampening == 0 else be.multiply(g, 1 - dampening), out=b)
                bump_version(buf)
            g = be.add(g, be.multiply(buf._data, momentum)) if nesterov else buf._data
        axpy = getattr(be, "axpy_", None)
        if axpy is not None:
            axpy(arr, -lr, g)
        else:
            be.subtract(arr, be.multiply(g, lr), out=arr)
        bump_version(p)
    return True
