"""``ember.backends.mkldnn``: oneDNN (MKL-DNN), which ember's CPU backend (NumPy) does not use."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager

from ._flags import set_flags

enabled = True
deterministic = False


def is_available() -> bool:
    """Whether oneDNN is used by ember: ``False`` (CPU kernels are NumPy's)."""
    return False


def flags(enabled: bool | None = None, deterministic: bool | None = None) -> AbstractContextManager[None]:
    """Context manager that sets the given flags and restores them on exit."""
    return set_flags(sys.modules[__name__], enabled=enabled, deterministic=deterministic)
