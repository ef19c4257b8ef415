"""ember backend over ``array-api-strict``, the reference implementation of the Python array API standard.

Device type ``strict``; backend name ``array_api_strict``::

    import ember
    x = ember.ones(3, device="strict")

Written as any third party would write an ember backend: it uses only ember's public plugin API
(``ember.plugins.hookimpl``, the contract in ``ember.backend``, ``ember.dtypes`` and the shared
array-API base ``ember.compute.ArrayAPIBackend``) and registers through the ``ember.backends``
entry-point group (see this distribution's pyproject.toml).

The standard specifies functions, not memory: whether two arrays alias is left to the library. So
the backend declares ``mutable = False`` and ember's core emulates views and in-place ops, as for
JAX. What the standard lacks (random numbers, ``einsum``, ``erf``, ``fmod``, ``pad``, scatter-add,
advanced indexing beyond the standard's) runs on the host with NumPy, through DLPack.
"""

from __future__ import annotations

import math
from pathlib import Path
from collections.abc import Callable
from typing import Any

from ember import dtypes as _dt
from ember.backend import BINARY
from ember.compute import ArrayAPIBackend
from ember.plugins import hookimpl

__all__ = ["ArrayAPIStrictBackend", "ember_register_backends"]
__version__ = "0.1.0"

#: ember dtypes the standard (and so array-api-strict) has; no float16/bfloat16
_DTYPES = frozenset({_dt.bool, _dt.uint8, _dt.int8, _dt.int16, _dt.int32, _dt.int64, _dt.float32, _dt.float64,
                     _dt.complex64, _dt.complex128})


def _basic(key: Any) -> bool:
    """Whether an index key uses only ints, slices, None and Ellipsis (the standard's basic indexing)."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in parts)


def _python_scalar(x: Any) -> Any:
    # NOTE: np.float64 is a float subclass, so core passes it as a weak Python scalar; the standard
    # accepts only the built-in types
    t = type(x)
    if t is bool or t is int or t is float or not isinstance(x, (bool, int, float)):
        return x
    return bool(x) if isinstance(x, bool) else float(x) if isinstance(x, float) else int(x)


def _scalars_as_python(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with scalar operands of subclasses of bool/int/float (NumPy scalars) made built-in."""

    def call(*args: Any) -> Any:
        return fn(*(_python_scalar(a) for a in args))

    call.__name__ = getattr(fn, "__name__", "primitive")
    return call


def _full_basic_key(key: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """A basic key as the standard wants it: every axis indexed (or an ellipsis) and slice bounds
    clamped to the axis, as Python and PyTorch clamp them."""
    parts = list(key) if isinstance(key, tuple) else [key]
    if Ellipsis not in parts:
        parts.append(Ellipsis)
    consumed = sum(1 for k in parts if k is not None and k is not Ellipsis)
    out: list[Any] = []
    axis = 0
    for k in parts:
        if k is Ellipsis:
            out.append(k)
            axis += len(shape) - consumed
        elif k is None:
            out.append(k)
        else:
            if isinstance(k, slice):
                k = slice(*k.indices(shape[axis])) if k.step is None or k.step > 0 else k
            out.append(k)
            axis += 1
    return tuple(out)


class ArrayAPIStrictBackend(ArrayAPIBackend):
    """The contract's primitives over ``array_api_strict`` (CPU, immutable arrays from ember's view)."""

    name = "array_api_strict"
    device_type = "strict"
    mutable = False
    #: ``.numpy()`` works without ``.cpu()``: the arrays live in host memory (as jax's may)
    host_numpy = True
    install_hint = "pip install ember-array-api-strict"
    #: conformance tests this backend skips, each with its reason (applied to this backend only)
    conformance_skips = str(Path(__file__).with_name("conformance_skips.txt"))
    dtypes = _DTYPES

    def is_available(self) -> bool:
        """Whether array-api-strict is importable (checked without importing it)."""
        import importlib.util

        return importlib.util.find_spec("array_api_strict") is not None

    def unavailable_reason(self) -> str | None:
        """Why the backend cannot run here."""
        return None if self.is_available() else "array-api-strict is not installed (pip install array-api-strict)"

    def device_count(self) -> int:
        """One (CPU) device."""
        return 1

    def versions(self) -> dict[str, str]:
        """array-api-strict's version and the standard version it implements."""
        try:
            import array_api_strict as xp
        except ImportError:
            return {}
        return {"array-api-strict": xp.__version__, "array API": xp.__array_api_version__,
                "ember-array-api-strict": __version__}

    def load(self) -> None:
        """Import array-api-strict and bind the primitives."""
        import array_api_strict as xp

        self._bind(xp)
        for name in (*BINARY, "where"):
            setattr(self, name, _scalars_as_python(getattr(self, name)))

    def native_dtype(self, dtype: _dt.dtype) -> Any:
        """The namespace's dtype object."""
        return getattr(self.xp, dtype.name)

    # -- host round trips (DLPack is the standard's interchange) ----------------------------------
    def _host(self, a: Any) -> Any:
        import numpy as np

        return np.from_dlpack(a) if hasattr(a, "__dlpack__") else np.asarray(a)

    def _dev(self, a: Any) -> Any:
        import numpy as np

        return self.xp.asarray(np.asarray(a, order="C"), copy=True)

    def _host_key(self, key: Any) -> Any:
        parts = key if isinstance(key, tuple) else (key,)
        out = tuple(self._host(k) if hasattr(k, "__dlpack__") else k for k in parts)
        return out if isinstance(key, tuple) else out[0]

    # -- creation / transfer -----------------------------------------------------------------------
    def from_host(self, a: Any, index: Any) -> Any:
        """A copy of a NumPy array (ember's NumPy tensors are mutated in place)."""
        return self._dev(a)

    def to_host(self, a: Any) -> Any:
        """A NumPy copy of ``a``'s values."""
        import numpy as np

        return np.array(self._host(a), copy=True)

    def copy(self, a: Any) -> Any:
        """A C-contiguous copy of ``a`` (PyTorch's clone of a transposed view is contiguous too)."""
        return self._dev(self._host(a))

    def astype(self, a: Any, dtype: _dt.dtype) -> Any:
        """``a`` cast to ``dtype``."""
        nd = self._native[dtype]
        if not hasattr(a, "dtype"):
            return self.xp.asarray(a, dtype=nd)
        if a.dtype == nd:
            return a
        import numpy as np

        # NaN/inf to an integer, or a float past a narrower float's range: NumPy (under the strict namespace)
        # warns where PyTorch casts silently
        with np.errstate(invalid="ignore", over="ignore"):
            return self.xp.astype(a, nd)

    def strides(self, a: Any) -> tuple[int, ...]:
        """Strides in elements, as DLPack (the standard's interchange protocol) reports the memory."""
        h = self._host(a)
        return tuple(s // h.itemsize for s in h.strides)

    # -- elementwise the standard restricts or lacks ----------------------------------------------
    def _as_bool(self, a: Any) -> Any:
        return a if not hasattr(a, "dtype") or a.dtype == self._bool else a != 0

    def logical_not(self, a: Any) -> Any:
        """Logical NOT of any dtype (the standard takes bool only)."""
        return self.xp.logical_not(self._as_bool(a))

    def logical_and(self, a: Any, b: Any) -> Any:
        """Logical AND of any dtypes."""
        return self.xp.logical_and(self._as_bool(a), self._as_bool(b))

    def logical_or(self, a: Any, b: Any) -> Any:
        """Logical OR of any dtypes."""
        return self.xp.logical_or(self._as_bool(a), self._as_bool(b))

    def logical_xor(self, a: Any, b: Any) -> Any:
        """Logical XOR of any dtypes."""
        return self.xp.logical_xor(self._as_bool(a), self._as_bool(b))

    def add(self, a: Any, b: Any) -> Any:
        """``a + b`` (bool + bool is logical or, as in PyTorch)."""
        if getattr(a, "dtype", None) == self._bool and (getattr(b, "dtype", None) == self._bool or
                                                       isinstance(b, bool)):
            return self.xp.logical_or(a, b)
        return self.xp.add(a, b)

    def _bools(self, a: Any, b: Any) -> bool:
        """Whether both operands are bool (arrays or Python bools), which the standard's arithmetic refuses."""
        return all(getattr(v, "dtype", None) == self._bool or isinstance(v, bool) for v in (a, b))

    def multiply(self, a: Any, b: Any) -> Any:
        """``a * b`` (bool * bool is logical and, as in NumPy and PyTorch)."""
        return self.xp.logical_and(a, b) if self._bools(a, b) else self.xp.multiply(a, b)

    def maximum(self, a: Any, b: Any) -> Any:
        """Elementwise maximum (of bools: logical or)."""
        return self.xp.logical_or(a, b) if self._bools(a, b) else self.xp.maximum(a, b)

    def minimum(self, a: Any, b: Any) -> Any:
        """Elementwise minimum (of bools: logical and)."""
        return self.xp.logical_and(a, b) if self._bools(a, b) else self.xp.minimum(a, b)

    def _ordered(self, name: str, a: Any, b: Any) -> Any:
        # the standard orders real numbers only: bools compare as 0 and 1
        if self._bools(a, b):
            a, b = (self.xp.astype(v, self.xp.uint8) if hasattr(v, "dtype") else int(v) for v in (a, b))
        return getattr(self.xp, name)(a, b)

    def less(self, a: Any, b: Any) -> Any:
        """``a < b`` (bools as 0 and 1)."""
        return self._ordered("less", a, b)

    def less_equal(self, a: Any, b: Any) -> Any:
        """``a <= b`` (bools as 0 and 1)."""
        return self._ordered("less_equal", a, b)

    def greater(self, a: Any, b: Any) -> Any:
        """``a > b`` (bools as 0 and 1)."""
        return self._ordered("greater", a, b)

    def greater_equal(self, a: Any, b: Any) -> Any:
        """``a >= b`` (bools as 0 and 1)."""
        return self._ordered("greater_equal", a, b)

    def fmod(self, a: Any, b: Any) -> Any:
        """C ``fmod`` (sign of the dividend), on the host: the standard has only ``remainder``."""
        import numpy as np

        return self._dev(np.fmod(self._host(a), self._host(b)))

    def pow(self, a: Any, b: Any) -> Any:
        """``a ** b``; integers to negative integer powers raise as in NumPy."""
        return self.checked_pow(a, b)

    def erf(self, a: Any) -> Any:
        """The error function, on the host (the standard has none)."""
        import numpy as np

        try:
            from scipy.special import erf  # type: ignore[import-untyped]
        except ImportError:
            erf = np.vectorize(math.erf, otypes=[float])
        h = self._host(a)
        return self._dev(np.asarray(erf(h)).astype(h.dtype))

    def einsum(self, equation: str, *arrays: Any) -> Any:
        """Einstein summation, on the host (not in the standard)."""
        import numpy as np

        return self._dev(np.einsum(equation, *(self._host(a) for a in arrays)))

    # -- reductions ---------------------------------------------------------------------------------
    def _numeric(self, a: Any) -> Any:
        return self.xp.astype(a, self.xp.int64) if a.dtype == self._bool else a

    def sum(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Sum in ``a``'s dtype (bool sums to int64)."""
        return self.xp.sum(self._numeric(a), axis=axis, keepdims=keepdims, dtype=None if a.dtype == self._bool
                           else a.dtype)

    def prod(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Product in ``a``'s dtype (bool to int64)."""
        return self.xp.prod(self._numeric(a), axis=axis, keepdims=keepdims, dtype=None if a.dtype == self._bool
                            else a.dtype)

    def max(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Maximum (bool: any)."""
        if a.dtype == self._bool:
            return self.xp.any(a, axis=axis, keepdims=keepdims)
        return self.xp.max(a, axis=axis, keepdims=keepdims)

    def min(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Minimum (bool: all)."""
        if a.dtype == self._bool:
            return self.xp.all(a, axis=axis, keepdims=keepdims)
        return self.xp.min(a, axis=axis, keepdims=keepdims)

    def argmax(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Index of the first maximum."""
        return self.xp.argmax(self._numeric(a), axis=axis, keepdims=keepdims)

    def argmin(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Index of the first minimum."""
        return self.xp.argmin(self._numeric(a), axis=axis, keepdims=keepdims)

    def cumsum(self, a: Any, axis: int) -> Any:
        """Cumulative sum in ``a``'s dtype (bool to int64)."""
        dt = None if a.dtype == self._bool else a.dtype
        return self.xp.cumulative_sum(self._numeric(a), axis=axis, dtype=dt)

    def cumprod(self, a: Any, axis: int) -> Any:
        """Cumulative product in ``a``'s dtype (bool to int64)."""
        dt = None if a.dtype == self._bool else a.dtype
        return self.xp.cumulative_prod(self._numeric(a), axis=axis, dtype=dt)

    def argsort(self, a: Any, axis: int, descending: bool, stable: bool) -> Any:
        """Stable sorting indices; descending keeps ties in their original order."""
        xp = self.xp
        a = self._numeric(a)
        if not descending:
            return xp.argsort(a, axis=axis, stable=True)
        n = a.shape[axis]
        idx = xp.argsort(xp.flip(a, axis=axis), axis=axis, stable=True)
        return (n - 1) - xp.flip(idx, axis=axis)

    def sort(self, a: Any, axis: int, descending: bool, stable: bool) -> Any:
        """Sorted values."""
        return self.xp.take_along_axis(a, self.argsort(a, axis, descending, stable), axis=axis)

    # -- movement -----------------------------------------------------------------------------------
    def permute(self, a: Any, axes: tuple[int, ...]) -> Any:
        """Axes reordered."""
        return self.xp.permute_dims(a, tuple(axes))

    def concat(self, arrays: list[Any], axis: int) -> Any:
        """Concatenate along ``axis``."""
        return self.xp.concat(list(arrays), axis=axis)

    def stack(self, arrays: list[Any], axis: int) -> Any:
        """Stack along a new ``axis``."""
        return self.xp.stack(list(arrays), axis=axis)

    def take_along_axis(self, a: Any, idx: Any, axis: int) -> Any:
        """Values of ``a`` at ``idx`` along ``axis``."""
        return self.xp.take_along_axis(a, idx, axis=axis)

    def tril(self, a: Any, k: int = 0) -> Any:
        """Lower triangle."""
        return self.xp.tril(a, k=k)

    def triu(self, a: Any, k: int = 0) -> Any:
        """Upper triangle."""
        return self.xp.triu(a, k=k)

    def flip(self, a: Any, axis: Any) -> Any:
        """Reverse along ``axis``."""
        return self.xp.flip(a, axis=axis)

    def getitem(self, a: Any, key: Any) -> Any:
        """``a[key]``: basic keys natively, advanced ones (index arrays, masks) on the host."""
        if _basic(key):
            return a[_full_basic_key(key, a.shape)]
        return self._dev(self._host(a)[self._host_key(key)])

    def index_put(self, a: Any, key: Any, src: Any) -> Any:
        """A new array: ``a`` with ``a[key] = src`` (on the host)."""
        out = self.to_host(a)
        out[self._host_key(key)] = self._host(src) if hasattr(src, "__dlpack__") else src
        return self._dev(out)

    def index_add(self, a: Any, key: Any, src: Any) -> Any:
        """A new array: ``a`` with ``src`` added at ``a[key]``, repeated indices accumulating (on the host)."""
        import numpy as np

        out = self.to_host(a)
        np.add.at(out, self._host_key(key), self._host(src) if hasattr(src, "__dlpack__") else src)
        return self._dev(out)

    def scatter(self, a: Any, idx: Any, src: Any, axis: int) -> Any:
        """A new array: ``a`` with ``src`` written at ``idx`` along ``axis`` (on the host)."""
        import numpy as np

        out = self.to_host(a)
        h_idx = self._host(idx)
        nd = h_idx.ndim
        key = tuple(h_idx if k == axis % max(nd, 1) else
                    np.arange(n).reshape([n if j == k else 1 for j in range(nd)]) for k, n in enumerate(h_idx.shape))
        out[key] = self._host(src) if hasattr(src, "__dlpack__") else src
        return self._dev(out)

    def pad(self, a: Any, pad_width: Any, value: Any) -> Any:
        """Constant padding; negative widths crop, as ``torch.nn.functional.pad`` (on the host)."""
        import numpy as np

        widths = [(int(b), int(e)) for b, e in pad_width]
        widths = [(0, 0)] * (a.ndim - len(widths)) + widths
        h = self._host(a)
        if any(b < 0 or e < 0 for b, e in widths):
            h = h[tuple(slice(-b if b < 0 else None, e if e < 0 else None) for b, e in widths)]
            widths = [(max(b, 0), max(e, 0)) for b, e in widths]
        return self._dev(np.pad(h, widths, mode="constant", constant_values=value))

    def diagonal(self, a: Any, offset: int, axis1: int, axis2: int) -> Any:
        """Diagonal as the last axis (the linalg extension's ``diagonal`` of the moved axes)."""
        nd = a.ndim
        axis1, axis2 = axis1 % nd, axis2 % nd
        rest = [k for k in range(nd) if k not in (axis1, axis2)]
        return self.xp.linalg.diagonal(self.xp.permute_dims(a, (*rest, axis1, axis2)), offset=offset)

    def nonzero(self, a: Any) -> tuple[Any, ...]:
        """Index arrays of the non-zero elements."""
        import numpy as np

        return tuple(self._dev(i) for i in np.nonzero(self._host(a)))

    def unique(self, a: Any, return_inverse: bool, return_counts: bool) -> tuple[Any, Any, Any]:
        """``(values, inverse, counts)``, sorted, each None unless asked for (``unique_all``)."""
        xp = self.xp
        flat = xp.reshape(a, (-1,))
        if not (return_inverse or return_counts):
            values = xp.unique_values(flat)
            return xp.take(values, xp.argsort(self._numeric(values), stable=True)), None, None
        r = xp.unique_all(flat)
        order = xp.argsort(self._numeric(r.values), stable=True)
        values = xp.take(r.values, order)
        inverse = None
        if return_inverse:
            rank = xp.argsort(order, stable=True)  # position of each unique value after sorting
            inverse = xp.reshape(xp.take(rank, xp.reshape(r.inverse_indices, (-1,))), a.shape)
        return values, inverse, xp.take(r.counts, order) if return_counts else None

    # -- random (the standard has none): NumPy's generator on the host ---------------------------
    def generator(self, seed: int, index: Any) -> Any:
        """A NumPy PCG64 generator."""
        import numpy as np

        return np.random.Generator(np.random.PCG64(seed))

    def uniform(self, gen: Any, shape: tuple[int, ...], low: float, high: float, dtype: _dt.dtype) -> Any:
        """Uniform samples on ``[low, high)``."""
        import numpy as np

        out = gen.random(shape, dtype=dtype.name) * (high - low) + low
        if high > low:  # rounding of the scaled value can reach ``high``
            h = np.asarray(high, dtype=dtype.name)
            out = np.minimum(out, np.nextafter(h, np.asarray(low, dtype=dtype.name)))
        return self._dev(np.asarray(out, dtype=dtype.name))

    def normal(self, gen: Any, shape: tuple[int, ...], mean: float, std: float, dtype: _dt.dtype) -> Any:
        """Normal samples."""
        import numpy as np

        return self._dev(np.asarray(gen.standard_normal(shape, dtype=dtype.name) * std + mean, dtype=dtype.name))

    def integers(self, gen: Any, low: int, high: int, shape: tuple[int, ...], dtype: _dt.dtype) -> Any:
        """Integers on ``[low, high)``."""
        return self._dev(gen.integers(low, high, shape, dtype="int64").astype(dtype.name))

    def permutation(self, gen: Any, n: int, dtype: _dt.dtype) -> Any:
        """A random permutation of ``0..n-1``."""
        return self._dev(gen.permutation(n).astype(dtype.name))

    def bernoulli(self, gen: Any, p: Any) -> Any:
        """Bool samples with probabilities ``p``."""
        h = self._host(p)
        return self._dev(gen.random(h.shape) < h)


@hookimpl
def ember_register_backends(register: Callable[[Any], None]) -> None:
    """Register the array-api-strict backend."""
    register(ArrayAPIStrictBackend())
