"""The deprecated ``ember.cuda.amp`` and ``ember.cpu.amp`` namespaces: each name warns FutureWarning, as in PyTorch."""

from __future__ import annotations

import functools
import types
import warnings
from typing import Any

from .. import dtypes as _dt
from . import autocast_mode as _am
from . import grad_scaler as _gs

__all__ = ["cuda_amp", "cpu_amp"]


def _warn(old: str, new: str) -> None:
    warnings.warn(f"`{old}(args...)` is deprecated. Please use `{new}` instead.", FutureWarning, stacklevel=3)


class _CudaAutocast(_am.autocast):
    """See ``ember.autocast``; ``ember.cuda.amp.autocast(args...)`` is deprecated."""

    def __init__(self, enabled: bool = True, dtype: _dt.dtype = _dt.float16, cache_enabled: bool = True) -> None:
        _warn("ember.cuda.amp.autocast", "ember.amp.autocast('cuda', args...)")
        super().__init__("cuda", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class _CpuAutocast(_am.autocast):
    """See ``ember.autocast``; ``ember.cpu.amp.autocast(args...)`` is deprecated."""

    def __init__(self, enabled: bool = True, dtype: _dt.dtype = _dt.bfloat16, cache_enabled: bool = True) -> None:
        _warn("ember.cpu.amp.autocast", "ember.amp.autocast('cpu', args...)")
        super().__init__("cpu", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class _CudaGradScaler(_gs.GradScaler):
    """See ``ember.amp.GradScaler``; ``ember.cuda.amp.GradScaler(args...)`` is deprecated."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        _warn("ember.cuda.amp.GradScaler", "ember.amp.GradScaler('cuda', args...)")
        super().__init__("cuda", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval, enabled=enabled)


class _CpuGradScaler(_gs.GradScaler):
    """See ``ember.amp.GradScaler``; ``ember.cpu.amp.GradScaler(args...)`` is deprecated."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        _warn("ember.cpu.amp.GradScaler", "ember.amp.GradScaler('cpu', args...)")
        super().__init__("cpu", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval, enabled=enabled)


def _custom_fwd(fwd: Any = None, *, cast_inputs: _dt.dtype | None = None) -> Any:
    """Deprecated: ``ember.amp.custom_fwd(args..., device_type='cuda')``."""
    _warn("ember.cuda.amp.custom_fwd", "ember.amp.custom_fwd(args..., device_type='cuda')")
    return functools.partial(_am.custom_fwd, device_type="cuda")(fwd=fwd, cast_inputs=cast_inputs)


def _custom_bwd(bwd: Any) -> Any:
    """Deprecated: ``ember.amp.custom_bwd(args..., device_type='cuda')``."""
    _warn("ember.cuda.amp.custom_bwd", "ember.amp.custom_bwd(args..., device_type='cuda')")
    return _am.custom_bwd(bwd, device_type="cuda")


def _namespace(name: str, **attrs: Any) -> types.ModuleType:
    mod = types.ModuleType(name, f"``{name}``: deprecated mixed-precision aliases (use ``ember.amp``).")
    for k, v in attrs.items():
        if isinstance(v, type):
            v.__name__ = v.__qualname__ = k
            v.__module__ = name
        setattr(mod, k, v)
    mod.__all__ = list(attrs)  # type: ignore[attr-defined]
    return mod


_root = __name__.split(".")[0]
cuda_amp = _namespace(f"{_root}.cuda.amp", autocast=_CudaAutocast, GradScaler=_CudaGradScaler,
                      custom_fwd=_custom_fwd, custom_bwd=_custom_bwd)
cpu_amp = _namespace(f"{_root}.cpu.amp", autocast=_CpuAutocast, GradScaler=_CpuGradScaler)
