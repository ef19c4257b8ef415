"""``ember.backends.cudnn``: cuDNN's flags. ember's CUDA backend (CuPy) does not call cuDNN."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from typing import Any

from ._flags import set_flags

# PyTorch's defaults. ember records them; no ember kernel reads them (cuDNN is not used).
enabled = True
benchmark = False
benchmark_limit = 10
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """Whether cuDNN is used by ember: never (CUDA kernels come from CuPy), so ``False``."""
    return False


def version() -> int | None:
    """cuDNN's version, or ``None`` when it is not used (always, in ember)."""
    return None


def is_acceptable(tensor: Any) -> bool:
    """Whether cuDNN would accept ``tensor``: ``False``, as cuDNN is not used."""
    return False


def flags(enabled: bool | None = None, benchmark: bool | None = None, benchmark_limit: int | None = None,
          deterministic: bool | None = None, allow_tf32: bool | None = None) -> AbstractContextManager[None]:
    """Context manager that sets the given flags and restores them on exit."""
    return set_flags(sys.modules[__name__], enabled=enabled, benchmark=benchmark, benchmark_limit=benchmark_limit,
                     deterministic=deterministic, allow_tf32=allow_tf32)
