"""``ember.backends.mkl``: whether Intel MKL computes ember's CPU kernels."""

from __future__ import annotations

from ._blasinfo import blas_info


def is_available() -> bool:
    """Whether NumPy, ember's CPU backend, is linked against MKL."""
    return "mkl" in str(blas_info().get("name", "")).lower()
