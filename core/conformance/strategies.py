"""Hypothesis strategies for conformance tests: small shapes and finite values, so runs stay fast.

Shapes have at most 4 dims of at most 5 elements; values are finite and bounded. Arrays are
host NumPy arrays (float64 for floating dtypes, already rounded to the dtype under test) that a
test turns into ember tensors and into its reference.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_DIMS = 4
MAX_SIDE = 5
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
INT_DTYPES = ("uint8", "int8", "int16", "int32", "int64")
ALL_DTYPES = ("bool", *INT_DTYPES, *FLOAT_DTYPES)


def shapes(min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1, max_side: int = MAX_SIDE) -> Any:
    """Tensor shapes: ``min_dims..max_dims`` dims of ``min_side..max_side`` elements."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcast_shapes(
    num_shapes: int = 2, min_dims: int = 0, max_dims: int = MAX_DIMS, max_side: int = MAX_SIDE
) -> Any:
    """Tuples of ``num_shapes`` mutually broadcast-compatible shapes (size-1 dims and missing dims)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side
    ).map(lambda r: r.input_shapes)


def dtypes(kinds: str = "f", exclude: tuple[str, ...] = ()) -> Any:
    """dtype names by kind letters: ``b`` bool, ``i`` integer, ``f`` floating."""
    pool = {"b": ("bool",), "i": INT_DTYPES, "f": FLOAT_DTYPES}
    names = [n for k in kinds for n in pool[k] if n not in exclude]
    return st.sampled_from(names)


def finite_floats(low: float = -10.0, high: float = 10.0) -> Any:
    """Finite floats in ``[low, high]`` (rounded to the dtype under test by :func:`arrays`)."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def _round_to(a: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "bfloat16":
        import ml_dtypes

        out, tiny = a.astype(ml_dtypes.bfloat16).astype(np.float64), float(ml_dtypes.finfo(ml_dtypes.bfloat16).tiny)
    else:
        out, tiny = a.astype(dtype).astype(np.float64), float(np.finfo(dtype).tiny)
    # NOTE: values that round to subnormals become 0: XLA (and GPUs in fast modes) flush subnormals
    # to zero, PyTorch leaves that platform-defined (torch.set_flush_denormal), so the suite does
    # not pin it down.
    out[np.abs(out) < tiny] = 0.0
    return out


def arrays(shape: Any, dtype: str = "float32", low: float = -10.0, high: float = 10.0) -> Any:
    """Host arrays of ``shape`` (a shape or a shape strategy) holding values valid for ``dtype``.

    Floating values are rounded to ``dtype`` and returned as float64; integers are kept inside
    ``[low, high]`` and the dtype's range; bool arrays are random masks.
    """
    if dtype == "bool":
        return hnp.arrays(np.bool_, shape)
    if dtype in INT_DTYPES:
        info = np.iinfo(dtype)
        lo, hi = max(int(low), int(info.min)), min(int(high), int(info.max))
        return hnp.arrays(np.dtype(dtype), shape, elements=st.integers(lo, hi))
    return hnp.arrays(np.float64, shape, elements=finite_floats(low, high)).map(lambda a: _round_to(a, dtype))


def index_arrays(size: int, shape: Any, allow_negative: bool = True) -> Any:
    """Integer index arrays valid for a dim of ``size`` (repeats allowed)."""
    lo = -size if allow_negative else 0
    return hnp.arrays(np.int64, shape, elements=st.integers(lo, size - 1))
