"""The shared base of the first-party backends: the contract's primitives written once over an
array-API namespace ``xp`` (NumPy 2, CuPy and ``jax.numpy`` all follow the standard).

Concrete backends set ``xp`` in ``load()`` and override what differs (device placement, random
number generation, in-place writes). Primitives whose semantics already match PyTorch are bound
directly to the library's functions, so a per-op dispatch is one attribute lookup and no
Python wrapper call; a method a subclass defines wins over the direct binding.

Semantics fixed here for every first-party backend (the contract leaves them open): ``unique``
returns ``(values, inverse, counts)`` with None for what was not asked for; ``argsort`` is always
stable and descending keeps ties in original order (NaN first); ``sum``/``prod``/``cumsum``/
``cumprod``/``mean`` keep the input dtype (bool sums to int64) and float16/bfloat16 accumulate in
float32; ``sign`` of NaN is 0; ``pad`` crops on negative widths; float16/bfloat16 ``uniform`` never
returns ``high``.
"""

from __future__ import annotations

import math
from typing import Any

from ember import dtypes as _dt
from ember.backend import Backend

# contract name -> array-API / NumPy function name, bound directly
_DIRECT = {
    "negative": "negative", "abs": "abs", "exp": "exp", "log": "log", "log2": "log2", "log10": "log10",
    "log1p": "log1p", "expm1": "expm1", "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tan": "tan",
    "asin": "arcsin", "acos": "arccos", "atan": "arctan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "floor": "floor", "ceil": "ceil", "round": "round", "trunc": "trunc", "square": "square",
    "logical_not": "logical_not", "bitwise_invert": "invert", "isnan": "isnan", "isinf": "isinf",
    "isfinite": "isfinite",
    "add": "add", "subtract": "subtract", "multiply": "multiply", "divide": "divide",
    "floor_divide": "floor_divide", "remainder": "remainder", "fmod": "fmod", "pow": "power",
    "maximum": "maximum", "minimum": "minimum", "atan2": "arctan2", "equal": "equal",
    "not_equal": "not_equal",
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
        """Bind the directly mapped primitives of namespace ``xp`` as instance attributes; a method a
        subclass defines (e.g. NumPy's writable ``broadcast_to``) wins over the library function."""
        self.xp = xp
        cls = type(self)
        for name, fn in _DIRECT.items():
            if getattr(cls, name, None) is None:
                # NOTE: the standard's spelling first (a strict array-API namespace has `asin`, `pow`,
                # `bitwise_invert`, not NumPy's `arcsin`, `power`, `invert`), then NumPy's for older libraries
                f = getattr(xp, name, None) or getattr(xp, fn, None)
                if f is None:
                    raise NotImplementedError(f"{getattr(xp, '__name__', xp)!r} has no {name!r} (nor {fn!r}); "
                                              f"{cls.__name__} must define {name}()")
                setattr(self, name, f)
        self._native = {d: self.native_dtype(d) for d in self.dtypes}
        self._bool = self._native[_dt.bool]
        self._f32 = self._native[_dt.float32]
        self._floats = frozenset(self._native[d] for d in _dt.floating_dtypes if d in self._native)
        self._ints = frozenset(self._native[d] for d in self.dtypes if d._category == 1)
        # float16/bfloat16 reductions accumulate in float32 and cast back, as PyTorch does on the CPU
        self._low = frozenset(self._native[d] for d in (_dt.float16, _dt.bfloat16) if d in self._native)

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
    def sign(self, a: Any) -> Any:
        """-1, 0 or 1 by sign; NaN gives 0 and a bool array is copied, as ``torch.sign``."""
        xp = self.xp
        if a.dtype == self._bool:
            return self.copy(a)
        s = xp.sign(a)
        if a.dtype in self._floats:
            s = xp.where(s == s, s, xp.zeros_like(s))
        return s

    def checked_pow(self, a: Any, b: Any) -> Any:
        """``a ** b``, raising NumPy's ValueError for integers to negative integer powers (for libraries
        that return 0 instead; costs a device sync when both operands are integer)."""
        ints = self._ints
        a_int = a.dtype in ints if hasattr(a, "dtype") else isinstance(a, int) and not isinstance(a, bool)
        xp = self.xp
        if a_int and getattr(b, "dtype", None) in ints and bool(xp.any(b < 0)):
            raise ValueError("Integers to negative integer powers are not allowed.")
        return (getattr(xp, "pow", None) or xp.power)(a, b)

    def clip(self, a: Any, lo: Any, hi: Any) -> Any:
        """Clamp to ``[lo, hi]`` (either may be None); NaN propagates."""
        xp = self.xp
        if lo is not None:
            a = xp.where(a < lo, xp.asarray(lo, dtype=a.dtype), a)
        if hi is not None:
            a = xp.where(a > hi, xp.asarray(hi, dtype=a.dtype), a)
        return a

    # -- reductions ---------------------------------------------------------------------------
    def _accumulate(self, fn: Any, a: Any, **kwargs: Any) -> Any:
        """A sum-like reduction in ``a``'s dtype (bool: the default integer; half precision: float32)."""
        dt = a.dtype
        if dt in self._low:
            return fn(a, dtype=self._f32, **kwargs).astype(dt)
        return fn(a, dtype=None if dt == self._bool else dt, **kwargs)

    def sum(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Sum over ``axis``, in ``a``'s dtype."""
        return self._accumulate(self.xp.sum, a, axis=axis, keepdims=keepdims)

    def prod(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Product over ``axis``, in ``a``'s dtype."""
        return self._accumulate(self.xp.prod, a, axis=axis, keepdims=keepdims)

    def mean(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Mean over ``axis`` of a floating array, in ``a``'s dtype (NaN where nothing is averaged)."""
        dt = a.dtype
        if math.prod(a.shape) == 0:
            # PyTorch gives NaN silently; the array libraries warn about the empty mean
            return self.xp.full(_reduced_shape(a.shape, axis, keepdims), float("nan"), dtype=dt)
        if dt in self._low:
            return self.xp.mean(a.astype(self._f32), axis=axis, keepdims=keepdims).astype(dt)
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
        """Cumulative sum, in ``a``'s dtype."""
        return self._accumulate(self.xp.cumsum, a, axis=axis)

    def cumprod(self, a: Any, axis: int) -> Any:
        """Cumulative product, in ``a``'s dtype."""
        return self._accumulate(self.xp.cumprod, a, axis=axis)

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
        """Constant padding; ``pad_width`` is ``((before, after), ...)`` per axis (missing leading axes
        are not padded); negative widths crop, as ``torch.nn.functional.pad``."""
        widths = [(int(b), int(e)) for b, e in pad_width]
        widths = [(0, 0)] * (a.ndim - len(widths)) + widths
        if any(b < 0 or e < 0 for b, e in widths):
            a = a[tuple(slice(-b if b < 0 else None, e if e < 0 else None) for b, e in widths)]
            widths = [(max(b, 0), max(e, 0)) for b, e in widths]
        return self.xp.pad(a, widths, mode="constant", constant_values=value)

    def diagonal(self, a: Any, offset: int, axis1: int, axis2: int) -> Any:
        """Diagonal as the last axis."""
        return self.xp.diagonal(a, offset=offset, axis1=axis1, axis2=axis2)

    def nonzero(self, a: Any) -> tuple[Any, ...]:
        """Index arrays of non-zero elements."""
        return self.xp.nonzero(a)

    def unique(self, a: Any, return_inverse: bool, return_counts: bool) -> tuple[Any, Any, Any]:
        """``(values, inverse, counts)``: sorted unique values, inverse indices shaped like ``a`` and
        counts, each None unless asked for."""
        out = self.xp.unique(a, return_inverse=return_inverse, return_counts=return_counts)
        if not (return_inverse or return_counts):
            return out, None, None
        parts = list(out)
        values = parts.pop(0)
        inverse = parts.pop(0).reshape(a.shape) if return_inverse else None
        return values, inverse, parts.pop(0) if return_counts else None

    def _along_axis_key(self, a: Any, idx: Any, axis: int) -> tuple[Any, ...]:
        """The advanced-index key of ``a`` at ``idx`` along ``axis``, at the positions of ``idx`` along
        the other axes (``idx`` may be smaller than ``a`` there, as ``torch.scatter`` allows)."""
        nd = idx.ndim
        if nd == 0:
            return ()
        axis %= nd
        index = self.device_index(a)
        key = []
        for k, n in enumerate(idx.shape):
            if k == axis:
                key.append(idx)
            else:
                shape = [1] * nd
                shape[k] = n
                key.append(self.arange(0, n, 1, _dt.int64, index).reshape(shape))
        return tuple(key)

    def scatter(self, a: Any, idx: Any, src: Any, axis: int) -> Any:
        """A new array: ``a`` with ``src`` written at ``idx`` along ``axis`` (``src`` shaped as ``idx``)."""
        return self.index_put(a, self._along_axis_key(a, idx, axis), src)

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

    def _softmax_input(self, a: Any) -> Any:
        return a.astype(self._f32) if a.dtype in self._low else a

    def softmax(self, a: Any, axis: int) -> Any:
        """Numerically stable softmax (half precision computed in float32)."""
        xp = self.xp
        if a.ndim == 0:
            return xp.exp(a - a)  # 1, and NaN for inf or NaN as PyTorch's exp(x - max) gives
        x = self._softmax_input(a)
        e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
        r = e / xp.sum(e, axis=axis, keepdims=True)
        return r if x is a else r.astype(a.dtype)

    def log_softmax(self, a: Any, axis: int) -> Any:
        """Numerically stable log-softmax (half precision computed in float32)."""
        xp = self.xp
        if a.ndim == 0:
            return a - a  # 0, and NaN for inf or NaN as PyTorch's x - max - log(1) gives
        x = self._softmax_input(a)
        s = x - xp.max(x, axis=axis, keepdims=True)
        r = s - xp.log(xp.sum(xp.exp(s), axis=axis, keepdims=True))
        return r if x is a else r.astype(a.dtype)

    # -- optional linear-algebra kernels (through the namespace's ``linalg`` extension) ---------------
    # NOTE: arrays are batched (..., m, n); NumPy raises numpy.linalg.LinAlgError for singular input,
    # JAX/CuPy return inf/NaN: core checks the results and raises ember.linalg.LinAlgError either way.
    def linalg_inv(self, a: Any) -> Any:
        """Inverse of each square matrix."""
        return self.xp.linalg.inv(a)

    def linalg_det(self, a: Any) -> Any:
        """Determinant of each square matrix."""
        return self.xp.linalg.det(a)

    def linalg_slogdet(self, a: Any) -> tuple[Any, Any]:
        """``(sign, log|det|)`` of each square matrix."""
        r = self.xp.linalg.slogdet(a)
        return r[0], r[1]

    def linalg_solve(self, a: Any, b: Any) -> Any:
        """``X`` with ``a @ X == b``; ``b`` is a batch of matrices (..., n, k) broadcast with ``a``."""
        return self.xp.linalg.solve(a, b)

    def linalg_cholesky(self, a: Any) -> Any:
        """Lower Cholesky factor of each symmetric positive-definite matrix."""
        return self.xp.linalg.cholesky(a)

    def linalg_qr(self, a: Any, mode: str) -> tuple[Any, Any]:
        """``(Q, R)`` for ``mode`` 'reduced' or 'complete'."""
        r = self.xp.linalg.qr(a, mode=mode)
        return r[0], r[1]

    def linalg_eigh(self, a: Any) -> tuple[Any, Any]:
        """``(eigenvalues ascending, eigenvectors as columns)`` of each symmetric matrix."""
        r = self.xp.linalg.eigh(a)
        return r[0], r[1]

    def linalg_svd(self, a: Any, full_matrices: bool) -> tuple[Any, Any, Any]:
        """``(U, S, Vh)`` with singular values descending."""
        r = self.xp.linalg.svd(a, full_matrices=full_matrices)
        return r[0], r[1], r[2]

    def linalg_eig(self, a: Any) -> tuple[Any, Any]:
        """``(eigenvalues, eigenvectors as columns)`` of general square matrices (complex results)."""
        eig = getattr(self.xp.linalg, "eig", None)
        if eig is None:
            raise RuntimeError(f"the {self.name} backend's linalg namespace has no eig (the array API standard does "
                               "not define it), so ember.linalg.eig/eigvals cannot run on it")
        r = eig(a)
        return r[0], r[1]

    # -- complex parts (looked up when called, so a namespace without complex support still binds) -----------
    def real(self, a: Any) -> Any:
        """The real parts of a complex array."""
        return self.xp.real(a)

    def imag(self, a: Any) -> Any:
        """The imaginary parts of a complex array."""
        return self.xp.imag(a)

    def conj(self, a: Any) -> Any:
        """The elementwise complex conjugate."""
        return self.xp.conj(a)

    # -- optional FFT kernels (the array API's fft extension: numpy.fft, jax.numpy.fft, cupy.fft) ----------------
    # Core resizes inputs itself (so n/s padding and trimming are differentiable) and casts the result to
    # PyTorch's dtype; ``norm`` is "backward", "ortho" or "forward" as in the standard.
    def _fft_ns(self) -> Any:
        ns = getattr(self.xp, "fft", None)
        if ns is None:
            raise NotImplementedError(f"the {self.name} backend's array namespace has no fft extension")
        return ns

    def fftn(self, a: Any, axes: tuple[int, ...], norm: str) -> Any:
        """Complex-to-complex forward DFT over ``axes``."""
        return self._fft_ns().fftn(a, axes=axes, norm=norm)

    def ifftn(self, a: Any, axes: tuple[int, ...], norm: str) -> Any:
        """Complex-to-complex inverse DFT over ``axes``."""
        return self._fft_ns().ifftn(a, axes=axes, norm=norm)

    def rfftn(self, a: Any, axes: tuple[int, ...], norm: str) -> Any:
        """Real-to-complex forward DFT over ``axes``, the last one halved (``n // 2 + 1`` outputs)."""
        return self._fft_ns().rfftn(a, axes=axes, norm=norm)

    def irfftn(self, a: Any, s: tuple[int, ...], axes: tuple[int, ...], norm: str) -> Any:
        """Complex-to-real inverse DFT over ``axes`` with output sizes ``s`` (``a``'s last axis has
        ``s[-1] // 2 + 1`` entries)."""
        return self._fft_ns().irfftn(a, s=s, axes=axes, norm=norm)

    # -- random helpers ---------------------------------------------------------------------------
    def _below_high(self, u: Any, low: float, high: float, dtype: _dt.dtype) -> Any:
        """``u`` (uniform on [low, high), scaled or cast) kept below ``high``, which rounding can reach."""
        if not dtype.is_floating_point or not high > low:
            return u
        import numpy as np

        hd = np.dtype(u.dtype)
        top = np.nextafter(np.asarray(high, dtype=hd), np.asarray(low, dtype=hd))
        return self.xp.minimum(u, hd.type(top))


def vectorized_erf(xp: Any) -> Any:
    """An ``erf`` over arrays that keeps the dtype: SciPy's when installed, else ``math.erf``
    vectorized (slower, exact). float16/bfloat16 are computed in float32."""
    try:
        from scipy.special import erf  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - scipy is in the test extra
        vec = xp.vectorize(math.erf, otypes=[float])

        def erf(a: Any) -> Any:
            return vec(a).astype(a.dtype)

    native = (xp.dtype("float32"), xp.dtype("float64"))

    def erf_keeping_dtype(a: Any) -> Any:
        if a.dtype in native:
            return erf(a)
        return erf(a.astype("float32")).astype(a.dtype)

    return erf_keeping_dtype


def bind_special(backend: Any, module: Any = None) -> None:
    """Bind the optional ``special_*`` kernels (``ember.backend.SPECIAL``) from a SciPy-like module:
    ``scipy.special`` by default (skipped when SciPy is not installed), or e.g. ``jax.scipy.special``.
    Functions the module lacks stay unbound, and core computes them with its composites."""
    if module is None:
        try:
            import scipy.special as scipy_special  # type: ignore[import-untyped]
        except ImportError:  # pragma: no cover - scipy is in the test extra
            return
        module = scipy_special
    from ember.backend import SPECIAL

    for name in SPECIAL:
        fn = getattr(module, name[len("special_"):], None)
        if fn is not None:
            setattr(backend, name, fn)


def _reduced_shape(shape: tuple[int, ...], axis: Any, keepdims: bool) -> tuple[int, ...]:
    """The shape of a reduction of ``shape`` over ``axis`` (None: every axis)."""
    n = len(shape)
    axes = set(range(n)) if axis is None else {(d % n) for d in ((axis,) if isinstance(axis, int) else axis)}
    return tuple(1 if i in axes else s for i, s in enumerate(shape) if keepdims or i not in axes)
