"""Adamax (Adam with the infinity norm), PyTorch's ``torch.optim.Adamax``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd.grad_mode import no_grad
from ..ops.creation import zeros_like
from ..ops.elementwise import maximum
from ..tensor import Tensor
from . import _ops
from .adam import _check_adam_args, step_tensor
from .optimizer import Optimizer, ParamsT, _dense_grad, _to_scalar


class Adamax(Optimizer):
    """Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *, maximize=False).

    Example::

        >>> opt = ember.optim.Adamax(model.parameters(), lr=2e-3)
    """

    def __init__(self, params: ParamsT, lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._eval_closure(closure)
        with no_grad():
            for group in self.param_groups:
                params, grads, exp_avgs, exp_infs, steps = [], [], [], [], []
                for p in group["params"]:
                    grad = p.grad
                    if grad is None:
                        continue
                    params.append(p)
                    grads.append(_dense_grad(grad, "Adamax"))
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = step_tensor()
                        state["exp_avg"] = zeros_like(p)
                        state["exp_inf"] = zeros_like(p)
                    exp_avgs.append(state["exp_avg"])
                    exp_infs.append(state["exp_inf"])
                    steps.append(state["step"])
                beta1, beta2 = group["betas"]
                adamax(params, grads, exp_avgs, exp_infs, steps, eps=group["eps"], beta1=beta1, beta2=beta2,
                       lr=group["lr"], weight_decay=group["weight_decay"], maximize=group["maximize"])
        return loss


def adamax(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor], exp_infs: list[Tensor],
           state_steps: list[Tensor], *, eps: float, beta1: float, beta2: float, lr: float,
           weight_decay: float, maximize: bool) -> None:
    """Functional Adamax: update ``params``, their first moments and infinity norms in place."""
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        grad = grads[i] if not maximize else -grads[i]
        exp_avg, exp_inf, step_t = exp_avgs[i], exp_infs[i], state_steps[i]
        step_t += 1
        if weight_decay != 0:
            grad = grad + param * weight_decay
        param, grad, exp_avg, exp_inf = _ops.as_real(param, grad, exp_avg, exp_inf)
        _ops.lerp_(exp_avg, grad, 1 - beta1)
        maximum(exp_inf.mul_(beta2), grad.abs().add_(eps), out=exp_inf)
        clr = lr / (1 - beta1 ** step_t.item())
        _ops.addcdiv_(param, exp_avg, exp_inf, -clr)
