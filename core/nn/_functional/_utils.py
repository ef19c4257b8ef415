"""Helpers shared by the functional implementations: argument normalization, reductions,
custom-Function naming and optional fused-kernel lookup."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from ...autograd.function import Function
from ...ops._dispatch import type_name
from ...tensor import Tensor


def ntuple(x: Any, n: int, name: str = "argument") -> tuple[int, ...]:
    """``x`` as an ``n``-tuple of ints (an int is repeated, a 1-sequence broadcast)."""
    if isinstance(x, (tuple, list)):
        if len(x) == 1 and n > 1:
            return tuple(int(x[0]) for _ in range(n))
        if len(x) != n:
            raise RuntimeError(
                f"expected {name} to be a single integer value or a list of {n} values to match the "
                f"convolution dimensions, but got {name}={list(x)}"
            )
        return tuple(int(v) for v in x)
    return (int(x),) * n


def check_reduction(reduction: str) -> None:
    """PyTorch's error for a ``reduction`` other than 'none' | 'mean' | 'sum', raised before any work."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def reduce(loss: Tensor, reduction: str) -> Tensor:
    """Apply a loss ``reduction`` ('none' | 'mean' | 'sum')."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """Map the deprecated ``size_average``/``reduce`` pair onto ``reduction``, warning as PyTorch does."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
        UserWarning,
        stacklevel=3,
    )
    return ret


def node_name(fn: type[Function], name: str) -> type[Function]:
    """Give a custom Function's graph node PyTorch's name (``grad_fn`` prints ``<SoftmaxBackward0 ...>``)."""
    fn._backward_cls.__name__ = name
    fn._backward_cls.__qualname__ = name
    return fn


def floats_only(x: Tensor, kernel: str) -> None:
    """PyTorch's refusal of a non-floating input by a CPU kernel with only floating instantiations."""
    if not x.dtype.is_floating_point and not x.dtype.is_complex:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(x.dtype)}'")


def fused(x: Tensor, name: str) -> Any:
    """The backend's optional fused kernel ``name`` for ``x``'s device, or None (see docs/architecture.md §4)."""
    return getattr(x._device._be, name, None)


def check_shapes_match(input: Tensor, target: Tensor, stacklevel: int = 3) -> None:
    """PyTorch's warning when a pointwise loss broadcasts target and input of different sizes."""
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
            "same size.",
            UserWarning,
            stacklevel=stacklevel,
        )


def prod(xs: Sequence[int]) -> int:
    """Product of ints."""
    out = 1
    for v in xs:
        out *= v
    return out
