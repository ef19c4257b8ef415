"""Resilient backpropagation, PyTorch's ``torch.optim.Rprop``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..autograd.grad_mode import no_grad
from ..ops.creation import full_like, ones_like, zeros_like
from ..ops.elementwise import where
from ..tensor import Tensor
from . import _ops
from .adam import step_tensor
from .optimizer import Optimizer, ParamsT, _check_lr, _dense_grad, _to_scalar


class Rprop(Optimizer):
    """Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
    maximize=False, differentiable=False): per-element step sizes driven by the gradient's sign only.

    Example::

        >>> opt = ember.optim.Rprop(model.parameters(), lr=0.01)
    """

    def __init__(self, params: ParamsT, lr: float | Tensor = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._eval_closure(closure)
        with no_grad():
            for group in self.param_groups:
                params, grads, prevs, step_sizes, steps = [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    params.append(p)
                    grads.append(_dense_grad(p.grad, "Rprop"))
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = step_tensor()
                        state["prev"] = zeros_like(p)
                        lr = _to_scalar(group["lr"])
                        # a complex parameter's real and imaginary parts each get their own step size
                        state["step_size"] = full_like(p.grad, complex(lr, lr) if p.is_complex() else lr)
                    prevs.append(state["prev"])
                    step_sizes.append(state["step_size"])
                    steps.append(state["step"])
                etaminus, etaplus = group["etas"]
                step_size_min, step_size_max = group["step_sizes"]
                rprop(params, grads, prevs, step_sizes, steps, step_size_min=step_size_min,
                      step_size_max=step_size_max, etaminus=etaminus, etaplus=etaplus,
                      maximize=group["maximize"])
        return loss


def rprop(params: list[Tensor], grads: list[Tensor], prevs: list[Tensor], step_sizes: list[Tensor],
          state_steps: list[Tensor], *, step_size_min: float, step_size_max: float, etaminus: float,
          etaplus: float, maximize: bool) -> None:
    """Functional Rprop: update ``params``, their previous gradients and step sizes in place."""
    for param, grad, prev, step_size, step_t in zip(params, grads, prevs, step_sizes, state_steps):
        if maximize:
            grad = -grad
        step_t += 1
        param, grad, prev, step_size = _ops.as_real(param, grad, prev, step_size)
        sign = (grad * prev).sign()
        grew, flipped = sign > 0, sign < 0
        factor = where(grew, full_like(sign, etaplus), where(flipped, full_like(sign, etaminus), ones_like(sign)))
        step_size.mul_(factor).clamp_(step_size_min, step_size_max)
        # after a sign flip the step is skipped, and the next step sees a zero "previous gradient"
        grad = where(flipped, zeros_like(grad), grad)
        _ops.addcmul_(param, grad.sign(), step_size, -1)
        prev.copy_(grad)
