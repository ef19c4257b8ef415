"""Adafactor, PyTorch's ``torch.optim.Adafactor``: Adam-like steps with a factored second moment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..autograd.grad_mode import no_grad
from ..ops.creation import zeros, zeros_like
from ..tensor import Tensor
from .adam import step_tensor
from .optimizer import Optimizer, ParamsT, _dense_grad, _to_scalar

#: machine epsilon per floating dtype (PyTorch's ``torch.finfo(dtype).eps``), the default ``eps[0]``
_EPS = {_dt.float16: 0.0009765625, _dt.bfloat16: 0.0078125, _dt.float32: 1.1920928955078125e-07,
        _dt.float64: 2.220446049250313e-16}


class Adafactor(Optimizer):
    """Adafactor(params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *, foreach=None,
    maximize=False).

    Example::

        >>> opt = ember.optim.Adafactor(model.parameters(), lr=1e-2)
    """

    def __init__(self, params: ParamsT, lr: float | Tensor = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._eval_closure(closure)
        with no_grad():
            for group in self.param_groups:
                params, grads, row_vars, col_vars, variances, steps = [], [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    if p.is_complex():
                        raise RuntimeError("Adafactor does not support complex parameters")
                    params.append(p)
                    grads.append(_dense_grad(p.grad, "Adafactor"))
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = step_tensor()
                        grad = p.grad
                        if grad.dim() > 1:
                            shape = list(grad.shape)
                            state["row_var"] = zeros(shape[:-1] + [1], dtype=grad.dtype, device=grad.device)
                            state["col_var"] = zeros(shape[:-2] + [1, shape[-1]], dtype=grad.dtype,
                                                     device=grad.device)
                        else:
                            state["variance"] = zeros_like(grad)
                    row_vars.append(state.get("row_var"))
                    col_vars.append(state.get("col_var"))
                    variances.append(state.get("variance"))
                    steps.append(state["step"])
                eps1, eps2 = group["eps"]
                adafactor(params, grads, row_vars, col_vars, variances, steps, d=group["d"], lr=group["lr"],
                          beta2_decay=group["beta2_decay"], weight_decay=group["weight_decay"], eps1=eps1,
                          eps2=eps2, maximize=group["maximize"])
        return loss


def adafactor(params: list[Tensor], grads: list[Tensor], row_vars: list[Tensor | None],
              col_vars: list[Tensor | None], variances: list[Tensor | None], state_steps: list[Tensor], *,
              d: float, lr: float | Tensor, beta2_decay: float, weight_decay: float, eps1: float | None,
              eps2: float, maximize: bool) -> None:
    """Functional Adafactor: update ``params`` and their (factored) second-moment estimates in place."""
    lr = _to_scalar(lr)
    for param, grad, row_var, col_var, variance, step_t in zip(params, grads, row_vars, col_vars, variances,
                                                               state_steps):
        if maximize:
            grad = -grad
        # as PyTorch: a None eps1 becomes the first parameter's machine epsilon, for the rest of the group
        if eps1 is None:
            eps1 = _EPS[param.dtype]
        step_t += 1
        step = step_t.item()
        one_minus_beta2_t = step ** beta2_decay
        rho_t = min(lr, 1 / (step ** 0.5))
        alpha = max(eps2, param.norm(2).item() / (param.numel() ** 0.5)) * rho_t
        if weight_decay != 0:
            param.mul_(1 - lr * weight_decay)
        if grad.dim() > 1:
            assert row_var is not None and col_var is not None
            row_mean = grad.norm(dim=-1, keepdim=True).square_().div_(grad.shape[-1])
            row_var.lerp_(row_mean, one_minus_beta2_t)
            col_mean = grad.norm(dim=-2, keepdim=True).square_().div_(grad.shape[-2])
            col_var.lerp_(col_mean, one_minus_beta2_t)
            var_estimate = (row_var @ col_var).div_(row_var.mean(dim=-2, keepdim=True).clamp_(min=eps1))
        else:
            assert variance is not None
            variance.lerp_(grad * grad, one_minus_beta2_t)
            var_estimate = variance.clone()
        update = var_estimate.clamp_(min=eps1 * eps1).rsqrt_().mul_(grad)
        denom = max(1.0, update.norm(2).item() / ((update.numel() ** 0.5) * d))
        param.add_(update * (-alpha / denom))
