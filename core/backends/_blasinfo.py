"""What BLAS NumPy (ember's CPU backend) is built with, read from NumPy's own build configuration."""

from __future__ import annotations

import functools
from typing import Any


@functools.lru_cache(maxsize=1)
def blas_info() -> dict[str, Any]:
    """NumPy's BLAS entry of ``numpy.show_config(mode="dicts")``, or ``{}`` where NumPy cannot say."""
    import numpy as np

    try:
        cfg = np.show_config(mode="dicts")  # type: ignore[func-returns-value]
        return dict(cfg["Build Dependencies"]["blas"])
    except Exception:  # noqa: BLE001 - NumPy 1.x / unusual builds: unknown
        return {}
