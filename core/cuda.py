"""``ember.cuda``: CUDA device queries, answered by the cupy backend (never failing without a GPU)."""

from __future__ import annotations

from typing import Any


def _backend() -> Any:
    from .plugins import registered_backends

    return registered_backends().get("cuda")


def is_available() -> bool:
    """Whether a CUDA device can be used (CuPy installed and a GPU present)."""
    be = _backend()
    try:
        return bool(be is not None and be.is_available())
    except Exception:  # noqa: BLE001 - a broken plugin must not break the query
        return False


def device_count() -> int:
    """Number of CUDA devices (0 without a GPU)."""
    if not is_available():
        return 0
    return int(_backend().device_count())


_current = [0]


def current_device() -> int:
    """Index of the current CUDA device."""
    return _current[0]


def set_device(device: Any) -> None:
    """Select the current CUDA device."""
    _current[0] = device if isinstance(device, int) else (device.index or 0 if hasattr(device, "index") else
                                                          int(str(device).split(":")[-1] or 0))


def synchronize(device: Any = None) -> None:
    """Wait for all queued work on a CUDA device."""
    from .ops._dispatch import canon_device

    dev = canon_device(f"cuda:{current_device() if device is None else device}" if not hasattr(device, "type")
                       else device)
    dev._be.synchronize(dev.index)


def manual_seed(seed: int) -> None:
    """Seed the current CUDA device's default generator."""
    from .ops._dispatch import canon_device
    from .ops.random import default_generator_for

    if is_available():
        default_generator_for(canon_device(f"cuda:{current_device()}")).manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    """Seed every CUDA device's default generator."""
    from .ops._dispatch import canon_device
    from .ops.random import default_generator_for

    for i in range(device_count()):
        default_generator_for(canon_device(f"cuda:{i}")).manual_seed(seed)


class device:
    """Context manager selecting the current CUDA device."""

    def __init__(self, device: Any) -> None:
        self.idx = device if isinstance(device, int) else getattr(device, "index", 0) or 0

    def __enter__(self) -> None:
        self.prev = _current[0]
        _current[0] = self.idx

    def __exit__(self, *exc: object) -> None:
        _current[0] = self.prev


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """Whether CUDA tensors can be bfloat16 (False without a GPU, or when the cuda backend lacks the dtype)."""
    if not is_available():
        return False
    from . import dtypes as _dt

    supported = getattr(_backend(), "dtypes", None)
    return supported is None or _dt.bfloat16 in supported


def __getattr__(name: str) -> Any:
    # NOTE: `ember.cuda.amp` (deprecated in PyTorch, kept as it keeps it) loads on first use
    if name == "amp":
        from .amp import _compat

        return _compat.cuda_amp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
