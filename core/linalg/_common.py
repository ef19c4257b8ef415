"""Shared checks of ``ember.linalg``: dtype and shape validation, kernel lookup, LinAlgError."""

from __future__ import annotations

from typing import Any

from ..ops._dispatch import materialize, type_name
from ..tensor import Tensor, _wrap


class LinAlgError(RuntimeError):
    """Raised for singular or non-positive-definite input; PyTorch's ``torch.linalg.LinAlgError``."""


LinAlgError.__module__ = "ember.linalg"


def kernel(t: Tensor, name: str) -> Any:
    """The backend's optional linear-algebra kernel ``name``, or a RuntimeError naming it."""
    be = t._device._be
    fn = getattr(be, name, None)
    if fn is None:
        raise RuntimeError(f"the {be.name} backend has no {name!r} kernel, which ember.linalg needs here; "
                           "see ember.backend.LINALG for the optional linear-algebra kernels a backend can provide")
    return fn


def check_float(t: Any, fname: str, arg: str = "input") -> None:
    """PyTorch's error for a non-floating input."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position 1) must be Tensor, not {type(t).__name__}")
    if not (t.dtype.is_floating_point or t.dtype.is_complex):
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got "
                           f"{type_name(t.dtype)}")


def check_matrix(t: Tensor, fname: str, square: bool = False, arg: str = "A") -> None:
    """PyTorch's errors for a floating batch of (square) matrices."""
    check_float(t, fname)
    if t._data.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor {arg} must have at least 2 dimensions.")
    if square and t._data.shape[-1] != t._data.shape[-2]:
        s = t._data.shape
        raise RuntimeError(f"{fname}: {arg} must be batches of square matrices, but they are {s[-2]} by {s[-1]} "
                           "matrices")


def wrap_like(t: Tensor, data: Any) -> Tensor:
    """A tensor around backend array ``data`` with ``t``'s dtype and device."""
    return _wrap(data, t.dtype, t._device)


def all_finite(t: Tensor) -> bool:
    """Whether every element is finite (one host sync)."""
    be = t._device._be
    return bool(be.to_host(be.all(be.isfinite(t._data), None, False)))


def bad_batches(t: Tensor) -> Any:
    """A host bool array over the batch: True where the matrix result holds a non-finite value."""
    be = t._device._be
    d = t._data
    fin = be.all(be.isfinite(d), (-2, -1) if d.ndim >= 2 else (-1,), False)
    return ~be.to_host(fin)


def batch_label(idx: int, batch_shape: tuple[int, ...]) -> str:
    """PyTorch's ``(Batch element k)`` prefix for errors in batched input (empty for one matrix)."""
    return f"(Batch element {idx}): " if batch_shape else ""


def arr(t: Tensor) -> Any:
    """``t``'s backend array, materialized (immutable backends keep views lazily)."""
    return materialize(t)


def real_grad(*ts: Any) -> bool:
    """Whether to record the op's backward; its formulas are written for real inputs, so complex inputs that
    require grad raise instead of getting a wrong gradient."""
    from ..ops._dispatch import needs_grad

    if not needs_grad(*ts):
        return False
    if any(isinstance(t, Tensor) and t.dtype.is_complex for t in ts):
        raise RuntimeError("ember.linalg: gradients through this function for complex inputs are not implemented yet "
                           "(eig/eigvals support them); detach the input or use real tensors")
    return True
