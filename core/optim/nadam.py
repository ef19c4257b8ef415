"""NAdam (Adam with Nesterov momentum), PyTorch's ``torch.optim.NAdam``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd.grad_mode import no_grad
from ..ops.creation import zeros_like
from ..tensor import Tensor
from . import _ops
from .adam import _check_adam_args, step_tensor
from .optimizer import Optimizer, ParamsT, _dense_grad, _to_scalar


class NAdam(Optimizer):
    """NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
    decoupled_weight_decay=False, *, maximize=False, ...).

    Example::

        >>> opt = ember.optim.NAdam(model.parameters(), lr=2e-3)
    """

    def __init__(self, params: ParamsT, lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        _check_adam_args(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._eval_closure(closure)
        with no_grad():
            for group in self.param_groups:
                params, grads, exp_avgs, exp_avg_sqs, mu_products, steps = [], [], [], [], [], []
                for p in group["params"]:
                    grad = p.grad
                    if grad is None:
                        continue
                    params.append(p)
                    grads.append(_dense_grad(grad, "NAdam"))
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = step_tensor()
                        state["mu_product"] = step_tensor(1.0)
                        state["exp_avg"] = zeros_like(p)
                        state["exp_avg_sq"] = zeros_like(p)
                    exp_avgs.append(state["exp_avg"])
                    exp_avg_sqs.append(state["exp_avg_sq"])
                    mu_products.append(state["mu_product"])
                    steps.append(state["step"])
                beta1, beta2 = group["betas"]
                nadam(params, grads, exp_avgs, exp_avg_sqs, mu_products, steps, beta1=beta1, beta2=beta2,
                      lr=group["lr"], weight_decay=group["weight_decay"],
                      momentum_decay=group["momentum_decay"], eps=group["eps"],
                      decoupled_weight_decay=group["decoupled_weight_decay"],
                      maximize=group["maximize"])
        return loss


def nadam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor], exp_avg_sqs: list[Tensor],
          mu_products: list[Tensor], state_steps: list[Tensor], *, beta1: float, beta2: float,
          lr: float, weight_decay: float, momentum_decay: float, eps: float,
          decoupled_weight_decay: bool = False,
          maximize: bool = False) -> None:
    """Functional NAdam: update ``params``, their moments and momentum products in place."""
    lr = _to_scalar(lr)
    for i, param in enumerate(params):
        grad = grads[i] if not maximize else -grads[i]
        exp_avg, exp_avg_sq, mu_product, step_t = exp_avgs[i], exp_avg_sqs[i], mu_products[i], state_steps[i]
        step_t += 1
        step = step_t.item()
        bias_correction2 = 1 - beta2 ** step
        if weight_decay != 0:
            if decoupled_weight_decay:
                param.mul_(1 - lr * weight_decay)
            else:
                grad = grad + param * weight_decay
        param, grad, exp_avg, exp_avg_sq = _ops.as_real(param, grad, exp_avg, exp_avg_sq)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        # NOTE: the product is kept in a float32 tensor, as PyTorch does, so its rounding matches
        mu_product *= mu
        _ops.lerp_(exp_avg, grad, 1 - beta1)
        _ops.addcmul_(exp_avg_sq.mul_(beta2), grad, grad, 1 - beta2)
        denom = (exp_avg_sq / bias_correction2).sqrt().add_(eps)
        mu_prod = mu_product.item()
        mu_product_next = mu_prod * mu_next
        _ops.addcdiv_(param, grad, denom, -lr * (1.0 - mu) / (1.0 - mu_prod))
        _ops.addcdiv_(param, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product_next))
