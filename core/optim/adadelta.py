"""Adadelta, PyTorch's ``torch.optim.Adadelta``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd.grad_mode import no_grad
from ..ops.creation import zeros_like
from ..tensor import Tensor
from . import _ops
from .adam import step_tensor
from .optimizer import Optimizer, ParamsT, _check_lr, _dense_grad, _to_scalar


class Adadelta(Optimizer):
    """Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
    maximize=False, differentiable=False).

    Example::

        >>> opt = ember.optim.Adadelta(model.parameters())
    """

    def __init__(self, params: ParamsT, lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._eval_closure(closure)
        with no_grad():
            for group in self.param_groups:
                params, grads, square_avgs, acc_deltas, steps = [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    params.append(p)
                    grads.append(_dense_grad(p.grad, "Adadelta"))
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = step_tensor()
                        state["square_avg"] = zeros_like(p)
                        state["acc_delta"] = zeros_like(p)
                    square_avgs.append(state["square_avg"])
                    acc_deltas.append(state["acc_delta"])
                    steps.append(state["step"])
                adadelta(params, grads, square_avgs, acc_deltas, steps, lr=group["lr"], rho=group["rho"],
                         eps=group["eps"], weight_decay=group["weight_decay"], maximize=group["maximize"])
        return loss


def adadelta(params: list[Tensor], grads: list[Tensor], square_avgs: list[Tensor], acc_deltas: list[Tensor],
             state_steps: list[Tensor], *, lr: float | Tensor, rho: float, eps: float, weight_decay: float,
             maximize: bool) -> None:
    """Functional Adadelta: update ``params``, their squared-gradient and squared-update averages in place."""
    lr = _to_scalar(lr)
    for param, grad, square_avg, acc_delta, step_t in zip(params, grads, square_avgs, acc_deltas, state_steps):
        step_t += 1
        if maximize:
            grad = -grad
        if weight_decay != 0:
            grad = grad + param * weight_decay
        param, grad, square_avg, acc_delta = _ops.as_real(param, grad, square_avg, acc_delta)
        _ops.addcmul_(square_avg.mul_(rho), grad, grad, 1 - rho)
        std = (square_avg + eps).sqrt_()
        delta = (acc_delta + eps).sqrt_().div_(std).mul_(grad)
        _ops.addcmul_(acc_delta.mul_(rho), delta, delta, 1 - rho)
        _ops.add_(param, delta, -lr)
