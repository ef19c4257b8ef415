"""Padding layers: constant, zero, reflection, replication and circular padding of 1-3 trailing dims."""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from .. import functional as F
from .module import Module

__all__ = [
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
]


def _expand(padding: Any, nd: int) -> tuple[int, ...]:
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2 * nd:
            raise ValueError(f"padding must be an int or a tuple of {2 * nd} ints, got {tuple(padding)}")
        return tuple(int(p) for p in padding)
    return (int(padding),) * (2 * nd)


class _PadNd(Module):
    _mode = "constant"
    _nd = 1

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = _expand(padding, self._nd)

    def _check(self, input: Tensor) -> None:
        if self._mode != "circular":
            return
        if input.ndim not in (self._nd + 1, self._nd + 2):
            raise ValueError(f"expected {self._nd + 1}D or {self._nd + 2}D input (got {input.ndim}D input)")

    def forward(self, input: Tensor) -> Tensor:
        self._check(input)
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """ConstantPad1d(padding, value): pad the last dim with ``value``."""

    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """ConstantPad2d(padding, value): pad the last 2 dims with ``value``."""

    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """ConstantPad3d(padding, value): pad the last 3 dims with ``value``."""

    _nd = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """ZeroPad1d(padding): pad the last dim with zeros."""

    _nd = 1


class ZeroPad2d(_ZeroPadNd):
    """ZeroPad2d(padding): pad the last 2 dims with zeros."""

    _nd = 2


class ZeroPad3d(_ZeroPadNd):
    """ZeroPad3d(padding): pad the last 3 dims with zeros."""

    _nd = 3


class ReflectionPad1d(_PadNd):
    """ReflectionPad1d(padding): pad the last dim with its reflection (edge not repeated)."""

    _mode, _nd = "reflect", 1


class ReflectionPad2d(_PadNd):
    """ReflectionPad2d(padding): pad the last 2 dims with their reflection."""

    _mode, _nd = "reflect", 2


class ReflectionPad3d(_PadNd):
    """ReflectionPad3d(padding): pad the last 3 dims with their reflection."""

    _mode, _nd = "reflect", 3


class ReplicationPad1d(_PadNd):
    """ReplicationPad1d(padding): pad the last dim by repeating its edge values."""

    _mode, _nd = "replicate", 1


class ReplicationPad2d(_PadNd):
    """ReplicationPad2d(padding): pad the last 2 dims by repeating their edge values."""

    _mode, _nd = "replicate", 2


class ReplicationPad3d(_PadNd):
    """ReplicationPad3d(padding): pad the last 3 dims by repeating their edge values."""

    _mode, _nd = "replicate", 3


class CircularPad1d(_PadNd):
    """CircularPad1d(padding): pad the last dim by wrapping around."""

    _mode, _nd = "circular", 1


class CircularPad2d(_PadNd):
    """CircularPad2d(padding): pad the last 2 dims by wrapping around."""

    _mode, _nd = "circular", 2


class CircularPad3d(_PadNd):
    """CircularPad3d(padding): pad the last 3 dims by wrapping around."""

    _mode, _nd = "circular", 3
