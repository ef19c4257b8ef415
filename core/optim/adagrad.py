"""Adagrad, PyTorch's ``torch.optim.Adagrad``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd.grad_mode import no_grad
from ..ops.creation import full_like, zeros_like
from ..ops.elementwise import where
from ..tensor import Tensor
from . import _ops
from .adam import step_tensor
from .optimizer import Optimizer, ParamsT, _to_scalar
from .sparse_adam import _present


class Adagrad(Optimizer):
    """Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, ...).

    Example::

        >>> opt = ember.optim.Adagrad(model.parameters(), lr=0.1)
    """

    def __init__(self, params: ParamsT, lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        # As PyTorch: the accumulators exist from construction (so state_dict() has them before any step)
        # and start from the constructor's initial_accumulator_value, whatever a group says.
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = step_tensor()
                state["sum"] = full_like(p, _accumulator_init(p, initial_accumulator_value))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._eval_closure(closure)
        with no_grad():
            for group in self.param_groups:
                params, grads, sums, steps = [], [], [], []
                for p in group["params"]:
                    grad = p.grad
                    if grad is None:
                        continue
                    params.append(p)
                    grads.append(grad)
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = step_tensor()
                        state["sum"] = full_like(p, _accumulator_init(p, self.defaults["initial_accumulator_value"]))
                    sums.append(state["sum"])
                    steps.append(state["step"])
                adagrad(params, grads, sums, steps, lr=group["lr"], weight_decay=group["weight_decay"],
                        lr_decay=group["lr_decay"], eps=group["eps"], maximize=group["maximize"])
        return loss


def _accumulator_init(p: Tensor, value: float) -> float | complex:
    """The accumulator's start: ``value`` in both parts of a complex parameter, as PyTorch."""
    return complex(value, value) if p.is_complex() else value


def adagrad(params: list[Tensor], grads: list[Tensor], state_sums: list[Tensor], state_steps: list[Tensor], *,
            lr: float, weight_decay: float, lr_decay: float, eps: float, maximize: bool) -> None:
    """Functional Adagrad: update ``params`` and their squared-gradient sums in place."""
    lr = _to_scalar(lr)
    for param, grad, state_sum, step_t in zip(params, grads, state_sums, state_steps):
        step_t += 1
        step = step_t.item()
        if maximize:
            grad = -grad
        if weight_decay != 0:
            if grad.is_sparse:
                raise RuntimeError("weight_decay option is not compatible with sparse gradients")
            grad = grad + param * weight_decay
        clr = lr / (1 + (step - 1) * lr_decay)
        if grad.is_sparse:
            _sparse_adagrad(param, grad, state_sum, clr, eps)
            continue
        param, grad, state_sum = _ops.as_real(param, grad, state_sum)
        _ops.addcmul_(state_sum, grad, grad)
        std = state_sum.sqrt().add_(eps)
        _ops.addcdiv_(param, grad, std, -clr)


def _sparse_adagrad(param: Tensor, grad: Tensor, state_sum: Tensor, clr: float, eps: float) -> None:
    """PyTorch's update for a sparse gradient: only the entries it holds change (their sums and values)."""
    grad, held = _present(grad)
    _ops.addcmul_(state_sum, grad, grad)
    std = state_sum.sqrt().add_(eps)
    _ops.add_(param, where(held, grad / std, zeros_like(grad)), -clr)
