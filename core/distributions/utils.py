"""Helpers shared by the distributions (``torch.distributions.utils``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import update_wrapper
from numbers import Number
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits", "euler_constant"]

euler_constant = 0.57721566490153286060

_EPS = {"float16": 9.765625e-4, "bfloat16": 0.0078125, "float32": 1.1920928955078125e-07,
        "float64": 2.220446049250313e-16}
_TINY = {"float16": 6.103515625e-05, "bfloat16": 1.1754943508222875e-38, "float32": 1.1754943508222875e-38,
         "float64": 2.2250738585072014e-308}


def finfo_eps(dtype: _dt.dtype) -> float:
    """Machine epsilon of a floating dtype."""
    return _EPS[dtype.name]


def finfo_tiny(dtype: _dt.dtype) -> float:
    """Smallest normal positive number of a floating dtype."""
    return _TINY[dtype.name]


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """Broadcast tensors and numbers together; numbers take the dtype and device of the first tensor."""
    from ..ops.creation import tensor
    from ..ops.shape import broadcast_tensors

    if not all(isinstance(v, (Tensor, Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, torch.Tensor or objects implementing "
                         "__torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        opts: dict[str, Any] = {"dtype": _dt.get_default_dtype()}
        for v in values:
            if isinstance(v, Tensor):
                opts = {"dtype": v.dtype, "device": v.device}
                break
        values = tuple(v if isinstance(v, Tensor) else tensor(v, **opts) for v in values)
    return tuple(broadcast_tensors(*values))


def _standard_normal(shape: Sequence[int], dtype: _dt.dtype, device: Any) -> Tensor:
    from ..ops.random import randn

    return randn(tuple(shape), dtype=dtype, device=device)


def _clamp_by_zero(x: Tensor) -> Tensor:
    """max(x, 0) whose gradient at 0 is 1/2, as PyTorch's (keeps d/dx softplus(x) = sigmoid(x) at x = 0)."""
    return (x + x.abs()) / 2


def _softplus(x: Tensor) -> Tensor:
    """``log(1 + exp(x))``, stable for large ``|x|``."""
    return _clamp_by_zero(x) + (-x.abs()).exp().log1p()


def _support_over_batch(values: Tensor, batch_shape: Sequence[int], expand: bool) -> Tensor:
    """A scalar-event support vector laid out over dim 0, broadcast (or, with ``expand``, expanded) over the batch."""
    values = values.view((-1,) + (1,) * len(batch_shape))
    return values.expand((-1,) + tuple(batch_shape)) if expand else values


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """Sum out the ``dim`` rightmost dims."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Logits to probabilities (sigmoid when binary, else softmax over the last dim)."""
    if is_binary:
        return logits.sigmoid()
    return logits.softmax(-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """Clamp probabilities into ``[eps, 1 - eps]`` for the dtype's machine epsilon."""
    eps = finfo_eps(probs.dtype)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Probabilities to logits (log-odds when binary, else log)."""
    p = clamp_probs(probs)
    if is_binary:
        return p.log() - (-p).log1p()
    return p.log()


class lazy_property:  # noqa: N801 - PyTorch's name
    """Decorator: compute an attribute on first access and cache it on the instance."""

    def __init__(self, wrapped: Callable[[Any], Any]) -> None:
        self.wrapped = wrapped
        update_wrapper(self, wrapped)  # type: ignore[arg-type]

    def __get__(self, instance: Any, obj_type: Any = None) -> Any:
        if instance is None:
            return self
        from ..autograd.grad_mode import enable_grad

        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def standard_gamma(alpha: Tensor) -> Tensor:
    """Gamma(alpha, 1) samples, one per element of ``alpha`` (Marsaglia-Tsang; no gradient).

    Rejection runs as whole-tensor rounds until every element is accepted, so it works on every
    backend; alpha < 1 uses Gamma(alpha + 1) * U^(1 / alpha).
    """
    from ..autograd.grad_mode import no_grad
    from ..ops.elementwise import where
    from ..ops.random import rand, randn

    with no_grad():
        a = alpha.detach()
        boost = a < 1.0
        a1 = where(boost, a + 1.0, a)
        d = a1 - 1.0 / 3.0
        c = 1.0 / (9.0 * d).sqrt()
        out = a1 * 0.0
        todo = a1 == a1
        for _ in range(100):
            x = randn(tuple(a1.shape), dtype=a1.dtype, device=a1.device)
            v = (1.0 + c * x) ** 3
            u = rand(tuple(a1.shape), dtype=a1.dtype, device=a1.device)
            vs = where(v > 0.0, v, 1.0)
            ok = (v > 0.0) & (u.log() < 0.5 * x * x + d - d * vs + d * vs.log())
            take = todo & ok
            out = where(take, d * vs, out)
            todo = todo & ~ok
            if not bool(todo.any().item()):
                break
        u = rand(tuple(a1.shape), dtype=a1.dtype, device=a1.device)
        out = where(boost, out * u.pow(1.0 / where(boost, a, 1.0)), out)
        tiny = finfo_tiny(out.dtype)
        return out.clamp(min=tiny)


LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
