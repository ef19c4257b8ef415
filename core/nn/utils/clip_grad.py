"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``, PyTorch's ``torch.nn.utils.clip_grad``.

``foreach`` is accepted for PyTorch compatibility; ember has one implementation.
"""

from __future__ import annotations

import types
import warnings
from collections.abc import Iterable

from ...autograd.grad_mode import no_grad
from ...ops.arrange import stack
from ...ops.creation import tensor as _tensor
from ...ops.reduction import norm as _norm
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]

_TensorOrTensors = Tensor | Iterable[Tensor]


@no_grad()
def get_total_norm(tensors: _TensorOrTensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of the norms of ``tensors`` (as if they were concatenated into one vector)."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _tensor(0.0)
    first_device = tensors[0].device
    norms = [_norm(t, norm_type).to(first_device) for t in tensors]  # type: ignore[attr-defined]
    total = _norm(stack(norms), norm_type)
    if error_if_nonfinite and bool(total.isnan() | total.isinf()):  # type: ignore[attr-defined]
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, "
            "set `error_if_nonfinite=False`")
    return total


@no_grad()
def clip_grads_with_norm_(parameters: _TensorOrTensors, max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scale the gradients of ``parameters`` by ``min(1, max_norm / (total_norm + 1e-6))``."""
    params = [parameters] if isinstance(parameters, Tensor) else parameters
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)  # type: ignore[attr-defined, operator]
    for g in grads:
        g.mul_(coef.to(g.device))  # type: ignore[attr-defined]


def clip_grad_norm_(parameters: _TensorOrTensors, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Clip the gradients of ``parameters`` in place so their total norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d tensor on the first gradient's device).

    Example::

        >>> total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    with no_grad():
        if isinstance(parameters, Tensor):
            params: list[Tensor] = [parameters]
        else:
            is_generator = isinstance(parameters, types.GeneratorType)
            params = list(parameters)
            if is_generator and not params:
                warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                              stacklevel=2)
        grads = [p.grad for p in params if p.grad is not None]
        total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
        clip_grads_with_norm_(params, max_norm, total, foreach)
        return total


def clip_grad_norm(parameters: _TensorOrTensors, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Deprecated alias of ``clip_grad_norm_``."""
    warnings.warn("`ember.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`ember.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@no_grad()
def clip_grad_value_(parameters: _TensorOrTensors, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp the gradients of ``parameters`` in place to ``[-clip_value, clip_value]``."""
    params = [parameters] if isinstance(parameters, Tensor) else parameters
    clip_value = float(clip_value)
    for p in params:
        if p.grad is not None:
            p.grad.clamp_(min=-clip_value, max=clip_value)  # type: ignore[attr-defined]
