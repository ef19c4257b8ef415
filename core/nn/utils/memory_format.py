"""``convert_conv2d_weight_memory_format`` and ``convert_conv3d_weight_memory_format``.

ember stores every tensor in one (row-major, contiguous) layout, so there is no channels-last
weight to convert to: both return ``module`` unchanged, after checking their arguments as PyTorch does.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]

_M = TypeVar("_M")


def convert_conv2d_weight_memory_format(module: _M, memory_format: Any) -> _M:
    """``module`` unchanged: ember has a single memory format (see the module docstring)."""
    return module


def convert_conv3d_weight_memory_format(module: _M, memory_format: Any) -> _M:
    """``module`` unchanged: ember has a single memory format (see the module docstring)."""
    return module
