"""A tiny helper for PyTorch's ``flags(...)`` context managers over module-level settings."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any


@contextlib.contextmanager
def set_flags(module: ModuleType, **values: Any) -> Iterator[None]:
    """Set the module attributes given (``None`` leaves one unchanged) and restore them on exit."""
    changed = {k: v for k, v in values.items() if v is not None}
    saved = {k: getattr(module, k) for k in changed}
    for k, v in changed.items():
        setattr(module, k, v)
    try:
        yield
    finally:
        for k, v in saved.items():
            setattr(module, k, v)
