"""Putting loaded host arrays on the device ``map_location`` chooses."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from ..device import device as _device
from ..tensor import Tensor

MapLocation = str | _device | dict[Any, Any] | Callable[[Tensor, str], Any] | None


class Placer:
    """Puts loaded host arrays on the device ``map_location`` chooses."""

    def __init__(self, map_location: MapLocation) -> None:
        ml = map_location
        if not (ml is None or isinstance(ml, (str, _device, dict)) or callable(ml)):
            raise TypeError(f"map_location should be None, a device, a string, a dict or a callable, but got "
                            f"{type(ml).__name__}")
        self.map_location = ml
        # dict keys in canonical spelling; a key without an index ("cuda") maps every index of its type
        self._mapping = {str(_safe_device(k) or k): v for k, v in ml.items()} if isinstance(ml, dict) else {}
        self._cache: dict[str, Any] = {}
        self._warned = False

    def place(self, arr: Any, entry: dict[str, Any]) -> Tensor:
        """The tensor for one loaded array, described by its header ``entry``."""
        from ..ops.creation import as_tensor

        saved = entry["device"]
        ml = self.map_location
        t: Tensor | None = None
        target: Any = None
        if ml is None:
            target = self._default(saved)
        elif isinstance(ml, (str, _device)):
            target = ml
        elif isinstance(ml, dict):
            target = self._mapping.get(saved, self._mapping.get(saved.partition(":")[0]))
            if target is None:
                target = self._default(saved)
        else:
            out = ml(as_tensor(arr, device="cpu"), saved)
            if isinstance(out, Tensor):
                t = out
            else:
                target = out if out is not None else self._default(saved)
        if t is None:
            t = as_tensor(arr, device=target)
        if entry["parameter"]:
            from ..nn.parameter import Parameter

            return Parameter(t, entry["requires_grad"])
        if entry["requires_grad"]:
            t.requires_grad_(True)
        return t

    def _default(self, saved: str) -> str:
        ok = self._cache.get(saved)
        if ok is None:
            ok = self._cache[saved] = _available(saved)
        if ok:
            return saved
        if not self._warned:
            self._warned = True
            warnings.warn(f"ember.load: tensors were saved on {saved}, which is not available here; loading "
                          "them on the CPU. Pass map_location to choose the device.", UserWarning,
                          stacklevel=5)
        return "cpu"


def _safe_device(d: Any) -> _device | None:
    try:
        return _device(d)
    except Exception:
        return None


def _available(saved: str) -> bool:
    from ..ops._dispatch import canon_device

    try:
        canon_device(saved)
    except Exception:
        return False
    return True
