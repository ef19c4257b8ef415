"""``ember.cpu``: PyTorch's ``torch.cpu`` queries and the deprecated ``ember.cpu.amp`` namespace."""

from __future__ import annotations

from typing import Any

__all__ = ["is_available", "device_count", "current_device", "synchronize", "is_initialized"]


def is_available() -> bool:
    """Always True: the CPU device is always there."""
    return True


def is_initialized() -> bool:
    """Always True, as in PyTorch."""
    return True


def device_count() -> int:
    """Always 1."""
    return 1


def current_device() -> str:
    """Always ``'cpu'``."""
    return "cpu"


def synchronize(device: Any = None) -> None:
    """A no-op: CPU work is synchronous."""


def __getattr__(name: str) -> Any:
    # NOTE: loaded on first use so importing ember.cpu stays free of the amp package
    if name == "amp":
        from .amp import _compat

        return _compat.cpu_amp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
