"""``ember.device``: where a tensor lives, as ``type[:index]``."""

from __future__ import annotations

import builtins
import threading
from typing import Any, Union

__all__ = ["device", "DeviceLike"]


class _Saved(threading.local):
    # the calling thread's default devices saved by its `with device(...)` blocks, innermost last
    def __init__(self) -> None:
        self.stack: list[Any] = []


_previous = _Saved()


class device:
    """A device, e.g. ``device('cpu')``, ``device('cuda', 1)``, ``device('jax:0')``.

    The type is validated against the registered backends (and their aliases, so
    ``device('xla')`` is ``device(type='jax')``).
    """

    __slots__ = ("type", "index", "_str", "_hash", "_be")
    type: str
    index: int | None
    _be: Any  # the loaded Backend; Any because backends are duck-typed plugins

    def __init__(self, type: DeviceLike, index: int | None = None):  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            if index is not None:
                raise ValueError("device(): an index cannot be given with a device object")
            self.type, self.index = type.type, type.index
        else:
            if isinstance(type, builtins.int) and not isinstance(type, builtins.bool):
                # PyTorch: a bare int names an accelerator index
                index = type
                type = "cuda"
            if not isinstance(type, str):
                raise TypeError(f"device() expected a string or int, but got {builtins.type(type).__name__}")
            dev_type, _, idx = type.partition(":")
            if idx:
                if index is not None:
                    raise RuntimeError("type (string) must not include an index because index was passed "
                                       f"explicitly: {type}")
                if not idx.isdigit():
                    raise RuntimeError(f"Invalid device string: '{type}'")
                index = builtins.int(idx)
            if index is not None and (not isinstance(index, builtins.int) or index < 0):
                raise RuntimeError(f"Device index must not be negative, got {index}")
            from .plugins import canonical_device_type

            self.type = canonical_device_type(dev_type, original=type)
            self.index = index
        self._str = self.type if self.index is None else f"{self.type}:{self.index}"
        self._hash = hash(self._str)
        # the loaded backend, filled in by core for the canonical device objects tensors carry
        self._be = None

    def __enter__(self) -> device:
        """``with ember.device("jax"):`` makes factory functions create tensors here, as in PyTorch."""
        from .plugins import get_default_device, set_default_device

        _previous.stack.append(get_default_device())
        set_default_device(self)
        return self

    def __exit__(self, *exc: object) -> None:
        from .plugins import set_default_device

        set_default_device(_previous.stack.pop())

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self._str

    def __eq__(self, other: object) -> builtins.bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> builtins.int:
        return self._hash

    def __reduce__(self) -> tuple[builtins.type[device], tuple[str]]:
        return (device, (self._str,))


DeviceLike = Union[str, builtins.int, device]  # noqa: UP007 - a runtime alias, read by isinstance-free code
