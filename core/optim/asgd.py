"""Averaged SGD, PyTorch's ``torch.optim.ASGD``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..autograd.grad_mode import no_grad
from ..ops.creation import tensor, zeros_like
from ..tensor import Tensor
from . import _ops
from .adam import step_tensor
from .optimizer import Optimizer, ParamsT, _check_lr, _dense_grad, _to_scalar


class ASGD(Optimizer):
    """ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None, maximize=False,
    differentiable=False, capturable=False): SGD with a running average of the iterates in ``state["ax"]``.

    Example::

        >>> opt = ember.optim.ASGD(model.parameters(), lr=0.01, t0=100)
    """

    def __init__(self, params: ParamsT, lr: float | Tensor = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._eval_closure(closure)
        with no_grad():
            for group in self.param_groups:
                params, grads, mus, axs, etas, steps = [], [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    params.append(p)
                    grads.append(_dense_grad(p.grad, "ASGD"))
                    state = self.state[p]
                    if len(state) == 0:
                        # PyTorch keeps these float32 scalars on the parameter's device
                        state["step"] = step_tensor().to(p.device)
                        state["eta"] = tensor(_to_scalar(group["lr"]), dtype=_dt.float32, device=p.device)
                        state["mu"] = tensor(1.0, dtype=_dt.float32, device=p.device)
                        state["ax"] = zeros_like(p)
                    mus.append(state["mu"])
                    axs.append(state["ax"])
                    etas.append(state["eta"])
                    steps.append(state["step"])
                asgd(params, grads, axs, mus, etas, steps, lambd=group["lambd"], lr=group["lr"],
                     t0=group["t0"], alpha=group["alpha"], weight_decay=group["weight_decay"],
                     maximize=group["maximize"])
        return loss


def asgd(params: list[Tensor], grads: list[Tensor], axs: list[Tensor], mus: list[Tensor], etas: list[Tensor],
         state_steps: list[Tensor], *, lambd: float, lr: float | Tensor, t0: float, alpha: float,
         weight_decay: float, maximize: bool) -> None:
    """Functional ASGD: update ``params``, their averages ``axs`` and the scalars ``mus``/``etas`` in place."""
    lr = _to_scalar(lr)
    for param, grad, ax, mu, eta, step_t in zip(params, grads, axs, mus, etas, state_steps):
        if maximize:
            grad = -grad
        param, grad, ax = _ops.as_real(param, grad, ax)
        step_t += 1
        if weight_decay != 0:
            grad = grad + param * weight_decay
        eta_value = eta.item()
        param.mul_(1 - lambd * eta_value)
        _ops.add_(param, grad, -eta_value)
        if mu.item() != 1:
            ax.add_((param - ax).mul_(mu.to(param.dtype)))
        else:
            ax.copy_(param)
        step = step_t.item()
        eta.fill_(lr / ((1 + lambd * lr * step) ** alpha))
        mu.fill_(1 / max(1, step - t0))
