"""The shared base of the first-party backends: the contract's primitives written once over an
array-API namespace ``xp`` (NumPy 2, CuPy and ``jax.numpy`` all follow the standard).

Concrete backends set ``xp`` in ``load()`` and override what differs (device placement, random
number generation, in-place writes). Primitives whose semantics already match PyTorch are bound
directly to the library's functions, so a per-op dispatch is one attribute lookup and no
Python wrapper call.
"""

from __future__ import annotations

import math
from typing import Any

from ember.backend import Backend
from ember import dtypes as _dt

# contract name -> array-API / NumPy function name, bound directly
_DIRECT = {
    "negative": "negative", "abs": "abs", "exp": "exp", "log": "log", "log2": "log2", "log10": "log10",
    "log1p": "log1p", "expm1": "expm1", "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tan": "tan",
    "asin": "arcsin", "acos": "arccos", "atan": "arctan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "floor": "floor", "ceil": "ceil", "round": "round", "trunc": "trunc", "sign": "sign", "square": "square",
    "logical_not": "logical_not", "bitwise_invert": "invert", "isnan": "isnan", "isinf": "isinf",
    "isfinite": "isfinite",
    "add": "add", "subtract": "subtract", "multiply": "multiply", "divide": "divide",
    "floor_divide": "floor_divide", "remainder": "remainder", "fmod": "fmod", "pow": "power",
    "maximum": "maximum", "minimum": "minimum", "atan2": "arctan2", "equal": "equal", "not_equal": "not_equal",
    "less": "less", "less_equal": "less_equal", "greater": "greater", "greater_equal": "greater_equal",
    "logical_and": "logical_and", "logical_or": "logical_or", "logical_xor": "logical_xor",
    "bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or", "bitwise_xor": "bitwise_xor",
    "where": "where", "matmul": "matmul", "einsum": "einsum", "broadcast_to": "broadcast_to",
    "tril": "tril", "triu": "triu", "take_along_axis": "take_along_axis", "stack": "stack",
}


class ArrayAPIBackend(Backend):
    """Primitives implemented once over ``self.xp``; subclasses set ``xp`` and the device specifics."""

    xp: Any = None

    def _bind(self, xp: Any) -> None:
        """Bind the directly mapped primitives of namespace ``xp`` as instance attributes."""
        self.xp = xp
        for name, fn in _DIRECT.items():
            setattr(self, name, getattr(xp, fn))
        self._native = {d: self.native_dtype(d) for d in self.dtypes}

    def native_dtype(self, dtype: _dt.dtype) -> Any:
        """The library's dtype object for an ember dtype."""
        return getattr(self.xp, dtype.name)

    # -- creation / transfer ---------------------------------------------------------------
    def empty(self, shape: tuple[int, ...], dtype: _dt.dtype, index: Any) -> Any:
        """Uninitialized array."""
        return self.xp.empty(shape, dtype=self._native[dtype])

    def zeros(self, shape: tuple[int, ...], dtype: _dt.dtype, index: Any) -> Any:
        """Array of zeros."""
        return self.xp.zeros(shape, dtype=self._native[dtype])

    def ones(self, shape: tuple[int, ...], dtype: _dt.dtype, index: Any) -> Any:
        """Array of ones."""
        return self.xp.ones(shape, dtype=self._native[dtype])

    def full(self, shape: tuple[int, ...], fill_value: Any, dtype: _dt.dtype, index: Any) -> Any:
        """Array filled with ``fill_value``."""
        return self.xp.full(shape, fill_value, dtype=self._native[dtype])

    def arange(self, start: Any, stop: Any, step: Any, dtype: _dt.dtype, index: Any) -> Any:
        """Evenly spaced values in ``[start, stop)``."""
        return self.xp.arange(start, stop, step, dtype=self._native[dtype])

    def linspace(self, start: Any, stop: Any, num: int, dtype: _dt.dtype, index: Any) -> Any:
        """``num`` values from ``start`` to ``stop`` inclusive."""
        return self.xp.linspace(start, stop, num, dtype=self._native[dtype])

    def eye(self, n: int, m: int, dtype: _dt.dtype, index: Any) -> Any:
        """Identity-like matrix."""
        return self.xp.eye(n, m, dtype=self._native[dtype])

    def from_dlpack(self, obj: Any, index: Any) -> Any:
        """Array sharing memory with a DLPack producer."""
        return self.xp.from_dlpack(obj)

    def device_index(self, a: Any) -> int:
        """Index of the device holding ``a``."""
        return 0

    def synchronize(self, index: Any) -> None:
        """Wait for queued work (no-op for synchronous libraries)."""

    def astype(self, a: Any, dtype: _dt.dtype) -> Any:
        """``a`` cast to ``dtype`` (``a`` itself when it already has it)."""
        nd = self._native[dtype]
        if a.dtype == nd:
            return a
        return a.astype(nd)

    def copy(self, a: Any) -> Any:
        """A copy of ``a``."""
        return self.xp.array(a, copy=True)

    # -- elementwise with PyTorch semantics -------------------------------------------------
    def clip(self, a: Any, lo: Any, hi: Any) -> Any:
        """Clamp to ``[lo, hi]`` (either may be None); NaN propagates."""
        xp = self.xp
        if lo is not None:
            a = xp.where(a < lo, xp.asarray(lo, dtype=a.dtype), a)
        if hi is not None:
            a = xp.where(a > hi, xp.asarray(hi, dtype=a.dtype), a)
        return a

    # -- reductions ---------------------------------------------------------------------------
    def sum(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Sum over ``axis``."""
        return self.xp.sum(a, axis=axis, keepdims=keepdims, dtype=a.dtype)

    def prod(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Product over ``axis``."""
        return self.xp.prod(a, axis=axis, keepdims=keepdims, dtype=a.dtype)

    def mean(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Mean over ``axis``."""
        return self.xp.mean(a, axis=axis, keepdims=keepdims)

    def max(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Maximum over ``axis`` (NaN propagates)."""
        return self.xp.max(a, axis=axis, keepdims=keepdims)

    def min(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Minimum over ``axis`` (NaN propagates)."""
        return self.xp.min(a, axis=axis, keepdims=keepdims)

    def any(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Whether any element is non-zero."""
        return self.xp.any(a, axis=axis, keepdims=keepdims)

    def all(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Whether all elements are non-zero."""
        return self.xp.all(a, axis=axis, keepdims=keepdims)

    def argmax(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Index of the first maximum."""
        return self.xp.argmax(a, axis=axis, keepdims=keepdims)

    def argmin(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Index of the first minimum."""
        return self.xp.argmin(a, axis=axis, keepdims=keepdims)

    def cumsum(self, a: Any, axis: int) -> Any:
        """Cumulative sum."""
        return self.xp.cumsum(a, axis=axis, dtype=a.dtype)

    def cumprod(self, a: Any, axis: int) -> Any:
        """Cumulative product."""
        return self.xp.cumprod(a, axis=axis, dtype=a.dtype)

    def argsort(self, a: Any, axis: int, descending: bool, stable: bool) -> Any:
        """Stable sorting indices; descending keeps tied elements in their original order."""
        xp = self.xp
        if not descending:
            return xp.argsort(a, axis=axis, kind="stable")
        # reverse, stable-sort ascending, reverse again, map back: ties stay in original order
        n = a.shape[axis]
        idx = xp.argsort(xp.flip(a, axis), axis=axis, kind="stable")
        return (n - 1) - xp.flip(idx, axis)

    def sort(self, a: Any, axis: int, descending: bool, stable: bool) -> Any:
        """Sorted values."""
        return self.xp.take_along_axis(a, self.argsort(a, axis, descending, stable), axis)

    # -- movement -----------------------------------------------------------------------------
    def reshape(self, a: Any, shape: tuple[int, ...]) -> Any:
        """``a`` with a new shape (a view when possible)."""
        return self.xp.reshape(a, shape)

    def permute(self, a: Any, axes: tuple[int, ...]) -> Any:
        """``a`` with axes reordered (a view on strided libraries)."""
        return self.xp.transpose(a, axes)

    def getitem(self, a: Any, key: Any) -> Any:
        """``a[key]``."""
        return a[key]

    def concat(self, arrays: list[Any], axis: int) -> Any:
        """Concatenate along ``axis``."""
        return self.xp.concatenate(arrays, axis=axis)

    def flip(self, a: Any, axis: Any) -> Any:
        """Reverse along ``axis``."""
        return self.xp.flip(a, axis=axis)

    def roll(self, a: Any, shift: Any, axis: Any) -> Any:
        """Roll elements along ``axis``."""
        return self.xp.roll(a, shift, axis=axis)

    def pad(self, a: Any, pad_width: Any, value: Any) -> Any:
        """Constant padding; ``pad_width`` is ``((before, after), ...)`` per axis."""
        return self.xp.pad(a, pad_width, mode="constant", constant_values=value)

    def diagonal(self, a: Any, offset: int, axis1: int, axis2: int) -> Any:
        """Diagonal as the last axis."""
        return self.xp.diagonal(a, offset=offset, axis1=axis1, axis2=axis2)

    def nonzero(self, a: Any) -> tuple[Any, ...]:
        """Index arrays of non-zero elements."""
        return self.xp.nonzero(a)

    def unique(self, a: Any, return_inverse: bool, return_counts: bool) -> Any:
        """Sorted unique values with inverse indices and counts."""
        return self.xp.unique(a, return_inverse=True, return_counts=True)

    def strides(self, a: Any) -> tuple[int, ...] | None:
        """Strides in elements."""
        st = getattr(a, "strides", None)
        if st is None:
            return None
        item = a.itemsize
        return tuple(s // item for s in st)

    # -- optional fused kernels ---------------------------------------------------------------
    def relu(self, a: Any) -> Any:
        """``max(a, 0)``."""
        return self.xp.maximum(a, 0)

    def softmax(self, a: Any, axis: int) -> Any:
        """Numerically stable softmax."""
        xp = self.xp
        e = xp.exp(a - xp.max(a, axis=axis, keepdims=True))
        return e / xp.sum(e, axis=axis, keepdims=True)

    def log_softmax(self, a: Any, axis: int) -> Any:
        """Numerically stable log-softmax."""
        xp = self.xp
        s = a - xp.max(a, axis=axis, keepdims=True)
        return s - xp.log(xp.sum(xp.exp(s), axis=axis, keepdims=True))


def vectorized_erf(xp: Any) -> Any:
    """An ``erf`` over arrays: SciPy's when installed, else ``math.erf`` vectorized (slower, exact)."""
    try:
        from scipy.special import erf  # type: ignore[import-untyped]

        return erf
    except ImportError:  # pragma: no cover - scipy is in the test extra
        vec = xp.vectorize(math.erf, otypes=[float])

        def erf_fallback(a: Any) -> Any:
            return vec(a).astype(a.dtype)

        return erf_fallback
