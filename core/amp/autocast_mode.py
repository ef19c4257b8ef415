"""``ember.autocast`` and the autocast state functions (``is_autocast_enabled``, ``get_autocast_dtype``, ...).

Inside ``with ember.autocast(device_type):`` the ops on PyTorch's autocast lists run in the device type's
lower precision (matmul, linear, conv, ...) or in float32 (losses, norms, ...); see ``_state.py`` and
docs/amp.md.
"""

from __future__ import annotations

import collections.abc
import functools
import warnings
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from .. import dtypes as _dt
from ._state import AUTOCAST

__all__ = ["autocast", "custom_fwd", "custom_bwd", "is_autocast_available"]

F = TypeVar("F", bound=Callable[..., Any])

_SUPPORTED_DTYPES = (_dt.bfloat16, _dt.float16)


def _known_type(device_type: str) -> str | None:
    from ..plugins import canonical_device_type

    try:
        return str(canonical_device_type(device_type))
    except RuntimeError:
        return None


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can be used on ``device_type`` (any device type of a registered backend)."""
    return _known_type(device_type) is not None


def _check_type(device_type: Any) -> str:
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    from ..plugins import canonical_device_type

    # an unknown type raises PyTorch's error for a bad device string
    return str(canonical_device_type(device_type))


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is enabled for ``device_type`` (``'cuda'`` when omitted, as in PyTorch)."""
    t = "cuda" if device_type is None else _check_type(device_type)
    return AUTOCAST.enabled.get(t, False)


def set_autocast_enabled(device_type: Any, enabled: bool | None = None) -> None:
    """Enable or disable autocast for ``device_type``; ``set_autocast_enabled(enabled)`` means ``'cuda'``."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    t = _check_type(device_type)
    AUTOCAST.enabled[t] = bool(enabled)
    AUTOCAST.refresh()


def get_autocast_dtype(device_type: str) -> _dt.dtype:
    """The lower-precision dtype autocast uses on ``device_type`` (cpu: bfloat16, others: float16)."""
    t = _check_type(device_type)
    return AUTOCAST.dtype.get(t, _dt.float16)


def set_autocast_dtype(device_type: str, dtype: _dt.dtype) -> None:
    """Set the lower-precision dtype autocast uses on ``device_type``."""
    t = _check_type(device_type)
    if not isinstance(dtype, _dt.dtype):
        raise TypeError(f"set_autocast_dtype(): argument 'dtype' must be ember.dtype, not {type(dtype).__name__}")
    AUTOCAST.dtype[t] = dtype


def is_autocast_cpu_enabled() -> bool:
    """Deprecated in PyTorch: ``is_autocast_enabled('cpu')``."""
    return is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled: bool) -> None:
    """Deprecated in PyTorch: ``set_autocast_enabled('cpu', enabled)``."""
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype() -> _dt.dtype:
    """Deprecated in PyTorch: ``get_autocast_dtype('cpu')``."""
    return get_autocast_dtype("cpu")


def set_autocast_cpu_dtype(dtype: _dt.dtype) -> None:
    """Deprecated in PyTorch: ``set_autocast_dtype('cpu', dtype)``."""
    set_autocast_dtype("cpu", dtype)


def get_autocast_gpu_dtype() -> _dt.dtype:
    """Deprecated in PyTorch: ``get_autocast_dtype('cuda')``."""
    return get_autocast_dtype("cuda")


def set_autocast_gpu_dtype(dtype: _dt.dtype) -> None:
    """Deprecated in PyTorch: ``set_autocast_dtype('cuda', dtype)``."""
    set_autocast_dtype("cuda", dtype)


def is_autocast_cache_enabled() -> bool:
    """Whether autocast caches the casts of weights within a region."""
    return AUTOCAST.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    """Enable or disable autocast's weight-cast cache."""
    AUTOCAST.cache_enabled = bool(enabled)


def clear_autocast_cache() -> None:
    """Drop the cached casts of weights."""
    AUTOCAST.cache.clear()


def autocast_increment_nesting() -> int:
    """Enter one more autocast level; returns the new depth."""
    AUTOCAST.nesting += 1
    return AUTOCAST.nesting


def autocast_decrement_nesting() -> int:
    """Leave one autocast level; returns the new depth."""
    AUTOCAST.nesting -= 1
    return AUTOCAST.nesting


class autocast:
    """Context manager or decorator running the ops on PyTorch's autocast lists in mixed precision.

    Args:
        device_type: the device type whose tensors are cast ('cpu', 'cuda', 'jax', ...).
        dtype: the lower precision (default ``get_autocast_dtype(device_type)``: cpu bfloat16, else float16).
        enabled: False makes the region run without autocast (e.g. nested in an enabled region).
        cache_enabled: whether casts of weights are cached within the region (default True).

    Example::

        with ember.autocast("cpu"):
            y = model(x)            # linear/conv run in bfloat16
            loss = loss_fn(y, t)    # losses run in float32
        loss.backward()             # gradients come back in each parameter's dtype
    """

    def __init__(self, device_type: str, dtype: _dt.dtype | None = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self._type = _check_type(device_type)
        self.fast_dtype = get_autocast_dtype(self._type) if dtype is None else dtype
        self._cache_enabled = AUTOCAST.cache_enabled if cache_enabled is None else cache_enabled
        if enabled:
            name = self.device.upper() if self._type in ("cpu", "cuda") else self.device
            if self._type == "cuda":
                from .. import cuda

                if not cuda.is_available():
                    warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                                  stacklevel=2)
                    enabled = False
                elif self.fast_dtype is _dt.bfloat16 and not cuda.is_bf16_supported():
                    raise RuntimeError("Current CUDA Device does not support bfloat16. Please switch dtype to float16.")
            elif self.fast_dtype not in _SUPPORTED_DTYPES:
                warnings.warn(
                    f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n"
                    f"{name} Autocast only supports dtypes of "
                    + ", ".join(map(str, _SUPPORTED_DTYPES)) + " currently.",
                    stacklevel=2,
                )
                enabled = False
        self._enabled = bool(enabled)
        self._saved: list[tuple[bool, bool, _dt.dtype]] = []

    def __enter__(self) -> autocast:
        t = self._type
        # a list, so one instance can be entered again while active (decorated recursive functions)
        self._saved.append(
            (AUTOCAST.cache_enabled, AUTOCAST.enabled.get(t, False), AUTOCAST.dtype.get(t, _dt.float16)))
        AUTOCAST.enabled[t] = self._enabled
        AUTOCAST.dtype[t] = self.fast_dtype
        AUTOCAST.nesting += 1
        AUTOCAST.cache_enabled = self._cache_enabled
        AUTOCAST.refresh()
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> Literal[False]:
        AUTOCAST.nesting -= 1
        if AUTOCAST.nesting == 0:
            AUTOCAST.cache.clear()
        cache, enabled, dtype = self._saved.pop()
        AUTOCAST.enabled[self._type] = enabled
        AUTOCAST.dtype[self._type] = dtype
        AUTOCAST.cache_enabled = cache
        AUTOCAST.refresh()
        return False

    def __call__(self, func: F) -> F:
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}. "
                "Did you mean to use autocast as a context manager? For example:\n"
                "    with ember.autocast(device_type=...):\n"
                "        output = model(input)"
            )

        @functools.wraps(func)
        def decorate_autocast(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return decorate_autocast  # type: ignore[return-value]


def _cast(value: Any, device_type: str, dtype: _dt.dtype) -> Any:
    from ..tensor import Tensor

    if isinstance(value, Tensor):
        ok = value.dtype.is_floating_point and value.device.type == device_type and value.dtype is not _dt.float64
        return value.to(dtype) if ok else value
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, collections.abc.Mapping):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(v, device_type, dtype) for v in value)
    return value


def custom_fwd(fwd: Any = None, *, device_type: str, cast_inputs: _dt.dtype | None = None) -> Any:
    """Decorator for a custom ``Function.forward``: with ``cast_inputs``, inside an autocast region, cast
    floating inputs to it and run ``forward`` with autocast disabled."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    t = _check_type(device_type)

    @functools.wraps(fwd)
    def decorate_fwd(*args: Any, **kwargs: Any) -> Any:
        args[0]._dtype = get_autocast_dtype(t)
        if cast_inputs is None:
            args[0]._fwd_used_autocast = is_autocast_enabled(t)
            return fwd(*args, **kwargs)
        args[0]._fwd_used_autocast = False
        if is_autocast_enabled(t):
            with autocast(device_type=device_type, enabled=False):
                return fwd(*_cast(args, t, cast_inputs), **_cast(kwargs, t, cast_inputs))
        return fwd(*args, **kwargs)

    return decorate_fwd


def custom_bwd(bwd: Any = None, *, device_type: str) -> Any:
    """Decorator for a custom ``Function.backward``: runs it with the autocast state its forward had."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args: Any, **kwargs: Any) -> Any:
        with autocast(device_type=device_type, enabled=args[0]._fwd_used_autocast, dtype=args[0]._dtype):
            return bwd(*args, **kwargs)

    return decorate_bwd
