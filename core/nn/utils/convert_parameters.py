"""Flatten parameters into one vector and back: ``parameters_to_vector``, ``vector_to_parameters``."""

from __future__ import annotations

from collections.abc import Iterable

from ...ops.arrange import cat
from ...tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """One 1-d tensor of all ``parameters``, flattened and concatenated."""
    device = None
    vec = []
    for param in parameters:
        device = _check_param_device(param, device)
        vec.append(param.view(-1))  # type: ignore[attr-defined]
    return cat(vec)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Set the values of ``parameters`` from slices of the 1-d ``vec`` (the inverse of
    ``parameters_to_vector``); each parameter's ``.data`` becomes a view of ``vec``."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected ember.Tensor, but got: {type(vec).__name__}")
    device = None
    pointer = 0
    for param in parameters:
        device = _check_param_device(param, device)
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data  # type: ignore[attr-defined, index]
        pointer += n


def _check_param_device(param: Tensor, old: object) -> object:
    if old is not None and param.device != old:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")
    return param.device
