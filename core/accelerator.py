"""``ember.accelerator``: PyTorch's device-agnostic accelerator queries.

ember's accelerator is CUDA (the CuPy backend) when a GPU is usable, else the JAX backend when JAX is
installed with a GPU or TPU plugin (checked without importing JAX, so the query stays cheap and a
DataLoader can still fork). On a CPU-only machine there is none, as in PyTorch.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from .device import device as _device

__all__ = ["current_accelerator", "current_device_idx", "current_device_index", "device_count", "is_available",
           "set_device_idx", "set_device_index", "synchronize"]

# JAX's GPU/TPU support ships as separate plugin distributions; any of these means JAX runs off the CPU.
_JAX_ACCELERATOR_PLUGINS = ("jax_cuda13_plugin", "jax_cuda12_plugin", "jax_rocm60_plugin", "libtpu")


def _jax_has_accelerator() -> bool:
    if importlib.util.find_spec("jax") is None:
        return False
    return any(importlib.util.find_spec(m) is not None for m in _JAX_ACCELERATOR_PLUGINS)


def current_accelerator(check_available: bool = False) -> _device | None:
    """The accelerator device type (``device(type='cuda')`` or ``device(type='jax')``), or ``None``."""
    from . import cuda

    if cuda.is_available():
        return _device("cuda")
    if _jax_has_accelerator():
        return _device("jax")
    return None


def is_available() -> bool:
    """Whether an accelerator is present and usable."""
    return current_accelerator() is not None


def device_count() -> int:
    """Number of devices of the current accelerator (0 without one)."""
    acc = current_accelerator()
    if acc is None:
        return 0
    from .plugins import get_backend

    return int(get_backend(acc.type).device_count())


_index = [0]


def current_device_index() -> int:
    """Index of the current accelerator device."""
    return _index[0]


def set_device_index(device: Any) -> None:
    """Select the current accelerator device by index or device."""
    idx = device if isinstance(device, int) else (_device(device).index if device is not None else 0)
    _index[0] = idx or 0
    acc = current_accelerator()
    if acc is not None and acc.type == "cuda":
        from . import cuda

        cuda.set_device(_index[0])


current_device_idx = current_device_index
set_device_idx = set_device_index


def synchronize(device: Any = None) -> None:
    """Wait for all queued work on the accelerator device (no-op without one)."""
    acc = current_accelerator()
    if acc is None:
        return
    dev = _device(device) if device is not None else _device(acc.type, _index[0])
    from .ops._dispatch import canon_device

    canon = canon_device(dev)
    canon._be.synchronize(canon.index)
