"""``skip_init`` (PyTorch's ``nn.utils.skip_init``)."""

from __future__ import annotations

import inspect
from typing import Any

from ..modules.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls: type, *args: Any, **kwargs: Any) -> Any:
    """Instantiate ``module_cls(*args, **kwargs)`` whose parameter values are left unspecified.

    NOTE: PyTorch builds the module on the ``meta`` device and allocates it empty; ember has no meta
    device, so the module is built (and initialized) directly on ``device``. The values are then
    valid-but-arbitrary from the caller's point of view, which is all ``skip_init`` promises.
    """
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs["device"] = kwargs.pop("device", "cpu")
    return module_cls(*args, **kwargs)
