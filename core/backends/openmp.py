"""``ember.backends.openmp``: whether ember's CPU kernels run OpenMP thread pools."""

from __future__ import annotations

from ._blasinfo import blas_info


def is_available() -> bool:
    """Whether NumPy's BLAS was built with OpenMP threading (manylinux OpenBLAS uses pthreads: ``False``)."""
    return "USE_OPENMP=1" in str(blas_info().get("openblas configuration", ""))
