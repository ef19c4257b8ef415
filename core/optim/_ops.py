"""In-place update helpers shared by the optimizers.

Each computes what the PyTorch op of the same name computes, in the same order of operations,
with at most one or two temporaries. NOTE: they are built on ``add_``/``sub_``/``mul_`` with a
single operand because that is core's in-place fast path (one kernel writing into the
parameter's own storage); the composite in-place ops (``add_(y, alpha=)``, ``addcmul_``,
``lerp_``, ...) allocate their result and then copy it in, which doubles an optimizer step's
memory traffic on large parameters. Only Tensor ops are used, so every backend works.
"""

from __future__ import annotations

from typing import Any

from ..ops.complex import view_as_real
from ..tensor import Tensor


def add_(x: Tensor, y: Tensor, alpha: Any = 1) -> Tensor:
    """``x.add_(y, alpha=alpha)``."""
    if alpha == 1:
        return x.add_(y)
    if alpha == -1:
        return x.sub_(y)
    return x.add_(y * alpha)


def addcmul_(x: Tensor, t1: Tensor, t2: Tensor, value: Any = 1) -> Tensor:
    """``x.addcmul_(t1, t2, value=value)``: ``x += value * t1 * t2``."""
    tmp = t1 * t2 if value == 1 else (t1 * value).mul_(t2)
    return x.add_(tmp)


def addcdiv_(x: Tensor, t1: Tensor, t2: Tensor, value: Any = 1) -> Tensor:
    """``x.addcdiv_(t1, t2, value=value)``: ``x += value * t1 / t2``."""
    tmp = t1 / t2 if value == 1 else t1 * value / t2
    return x.add_(tmp)


def lerp_(x: Tensor, end: Tensor, weight: float) -> Tensor:
    """``x.lerp_(end, weight)``: ``x += weight * (end - x)``."""
    if weight >= 0.5:
        # PyTorch switches to ``end - (end - x) * (1 - weight)`` here for accuracy; core's lerp_ owns
        # that form
        return x.lerp_(end, weight)
    return x.add_((end - x).mul_(weight))


def as_real(*tensors: Any) -> tuple[Any, ...]:
    """Each complex tensor as its real view (``view_as_real``); others (and None) as they are.

    PyTorch optimizes a complex parameter as the pairs of reals it holds, so the non-linear updates
    (squares, square roots, signs, maxima) act on real and imaginary parts separately. The views
    share storage, so in-place updates reach the complex tensors.
    """
    return tuple(view_as_real(t) if isinstance(t, Tensor) and t.is_complex() else t for t in tensors)
