"""BLAS level-1 ``axpy`` from the OpenBLAS that NumPy's own wheel links, for the NumPy backend.

NumPy has no fused ``y += a * x``: written with ufuncs it is a multiply into a temporary and a subtract, three
passes over memory where BLAS ``axpy`` makes one. An SGD step over an MLP's weights is that update, and it is
the one place PyTorch CPU beat ember's NumPy backend kernel for kernel (docs/performance.md). NumPy's Linux
wheels ship OpenBLAS in ``numpy.libs/`` with ILP64 symbols (``scipy_cblas_saxpy64_`` in NumPy 2,
``cblas_saxpy64_`` in 1.x), already loaded into the process with NumPy; this module binds those through
ctypes. Anywhere else (conda's MKL, macOS Accelerate, a NumPy built from source, an unknown layout) nothing is
bound and the backend keeps the two-ufunc update.
"""

from __future__ import annotations

import ctypes
import glob
import os
import platform
import sys
from collections.abc import Callable
from typing import Any

# ILP64 builds only: their integer arguments are exactly 64-bit, which is what the bindings below declare
_SYMBOLS = {"float32": ("scipy_cblas_saxpy64_", "cblas_saxpy64_"),
            "float64": ("scipy_cblas_daxpy64_", "cblas_daxpy64_")}
_CTYPE = {"float32": ctypes.c_float, "float64": ctypes.c_double}


def _wheel_openblas(np: Any) -> list[str]:
    """The OpenBLAS shared libraries vendored next to NumPy by its manylinux wheel."""
    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    return sorted(glob.glob(os.path.join(libs, "lib*openblas64*.so*")))


def find_axpy(np: Any) -> dict[Any, Callable[..., None]]:
    """``{numpy dtype: axpy(n, alpha, x_ptr, incx, y_ptr, incy)}`` for float32/float64, or {} when NumPy's
    BLAS cannot be bound safely here."""
    if not sys.platform.startswith("linux") or platform.machine() not in ("x86_64", "aarch64"):
        return {}
    for path in _wheel_openblas(np):
        try:
            lib = ctypes.CDLL(path)  # the copy NumPy loaded: dlopen returns the same handle
        except OSError:
            continue
        found: dict[Any, Callable[..., None]] = {}
        for dtype, names in _SYMBOLS.items():
            for name in names:
                fn = getattr(lib, name, None)
                if fn is not None:
                    fn.restype = None
                    fn.argtypes = [ctypes.c_int64, _CTYPE[dtype], ctypes.c_void_p, ctypes.c_int64,
                                   ctypes.c_void_p, ctypes.c_int64]
                    found[np.dtype(dtype)] = fn
                    break
        if len(found) == len(_SYMBOLS):
            return found
    return {}
