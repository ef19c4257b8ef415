"""First-party backends (NumPy, CuPy, JAX), registered through the same hook as any plugin.

Importing this module is cheap: CuPy and JAX are imported only in their backend's ``load()``.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

from ember.plugins import hookimpl

from ._array_api import ArrayAPIBackend
from .cupy_backend import CupyBackend
from .jax_backend import JaxBackend
from .numpy_backend import NumpyBackend

# ArrayAPIBackend is public: the base for third-party backends over an array-API library (docs/plugins.md)
__all__ = ["ArrayAPIBackend", "NumpyBackend", "CupyBackend", "JaxBackend", "ember_register_backends"]


@hookimpl
def ember_register_backends(register: Callable[[Any], None]) -> None:
    """Register the first-party backends."""
    register(NumpyBackend())
    register(CupyBackend())
    register(JaxBackend())
