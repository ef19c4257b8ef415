"""SparseAdam, PyTorch's ``torch.optim.SparseAdam``: Adam that touches only the entries a gradient holds.

A sparse COO gradient is handled as PyTorch does: its (coalesced) entries are the present ones. But
ember's ``nn.Embedding(sparse=True)`` produces a dense gradient whose rows are zero except those of the
looked-up indices, so SparseAdam also takes dense gradients (PyTorch would raise) and treats as present
the slices along the first dimension in which the gradient has a nonzero element: what PyTorch's sparse
gradient of an embedding holds (one row per looked-up index). Absent entries keep their parameter and
both moments unchanged, as in PyTorch. The one difference for a dense gradient: a looked-up row whose
gradient is exactly zero counts as absent here (PyTorch would decay its moments).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..autograd.grad_mode import no_grad
from ..ops.creation import ones_like, zeros_like
from ..ops.elementwise import where
from ..sparse import sparse_coo_tensor
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, _to_scalar


class SparseAdam(Optimizer):
    """SparseAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False): masked Adam for
    embedding-style gradients.

    Example::

        >>> emb = ember.nn.Embedding(100, 8, sparse=True)
        >>> opt = ember.optim.SparseAdam(emb.parameters(), lr=1e-3)
    """

    def __init__(self, params: ParamsT, lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize}
        super().__init__(params, defaults)
        complex_params = [[i, j] for i, group in enumerate(self.param_groups)
                          for j, p in enumerate(group["params"]) if p.is_complex()]
        if complex_params:
            raise ValueError(f"Complex params at indices {complex_params}: SparseAdam does not support complex "
                             "parameters")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._eval_closure(closure)
        with no_grad():
            for group in self.param_groups:
                params, grads, exp_avgs, exp_avg_sqs, steps = [], [], [], [], []
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    params.append(p)
                    grads.append(p.grad)
                    state = self.state[p]
                    if len(state) == 0:
                        # as PyTorch: a Python int here, not a tensor
                        state["step"] = 0
                        state["exp_avg"] = zeros_like(p)
                        state["exp_avg_sq"] = zeros_like(p)
                    exp_avgs.append(state["exp_avg"])
                    exp_avg_sqs.append(state["exp_avg_sq"])
                    state["step"] += 1
                    steps.append(state["step"])
                beta1, beta2 = group["betas"]
                sparse_adam(params, grads, exp_avgs, exp_avg_sqs, steps, eps=group["eps"], beta1=beta1,
                            beta2=beta2, lr=_to_scalar(group["lr"]), maximize=group.get("maximize", False))
        return loss


def _present(grad: Tensor) -> tuple[Tensor, Tensor]:
    """``grad`` as a dense tensor, and a mask broadcastable to it of the entries to update."""
    if grad.is_sparse:
        # the update is non-linear, so duplicate indices are summed first (as PyTorch does)
        grad = grad.coalesce()
        held = sparse_coo_tensor(grad.indices(), ones_like(grad.values()), grad.shape).to_dense() != 0
        return grad.to_dense(), held
    nonzero = grad != 0
    if grad.dim() < 2:
        return grad, nonzero
    rows = nonzero.reshape(grad.shape[0], -1).any(dim=1).reshape((grad.shape[0],) + (1,) * (grad.dim() - 1))
    return grad, rows


def sparse_adam(params: list[Tensor], grads: list[Tensor], exp_avgs: list[Tensor], exp_avg_sqs: list[Tensor],
                state_steps: list[int], *, eps: float, beta1: float, beta2: float, lr: float,
                maximize: bool) -> None:
    """Functional SparseAdam: update the present rows of ``params`` and of their moments in place."""
    for param, grad, exp_avg, exp_avg_sq, step in zip(params, grads, exp_avgs, exp_avg_sqs, state_steps):
        if maximize:
            grad = -grad
        grad, mask = _present(grad)
        # the same operations as PyTorch's on the present values, zero elsewhere
        exp_avg_update = where(mask, (grad - exp_avg).mul_(1 - beta1), zeros_like(grad))
        exp_avg_sq_update = where(mask, (grad * grad).sub_(exp_avg_sq).mul_(1 - beta2), zeros_like(grad))
        exp_avg.add_(exp_avg_update)
        exp_avg_sq.add_(exp_avg_sq_update)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr * math.sqrt(bias_correction2) / bias_correction1
        update = exp_avg.div(exp_avg_sq.sqrt().add_(eps)).mul_(-step_size)
        param.add_(where(mask, update, zeros_like(update)))
