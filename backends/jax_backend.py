"""The JAX backend: device type ``jax`` (alias ``xla``), on whatever platform JAX runs.

JAX arrays are immutable, so ``mutable = False``: core emulates views and in-place ops
(core/ops/_immutable.py). 64-bit mode is enabled so int64/float64 behave as on NumPy, and every
creation passes an explicit dtype.
"""

from __future__ import annotations

from typing import Any

from ember import dtypes as _dt
from ember.backend import BINARY

from ._array_api import ArrayAPIBackend, bind_special


def _broadcast_errors_as_value_error(fn: Any) -> Any:
    # The contract says a broadcast failure raises ValueError (NumPy's and CuPy's type), which core
    # turns into PyTorch's message; jax.numpy raises TypeError instead.
    def op(*args: Any) -> Any:
        try:
            return fn(*args)
        except TypeError as e:
            if "incompatible shapes" in str(e):
                raise ValueError(f"operands could not be broadcast together: {e}") from None
            raise

    op.__name__ = getattr(fn, "__name__", "op")
    return op


def _scalar_bools_as_new_axes(key: tuple[Any, ...], ndim: int) -> tuple[list[int], tuple[Any, ...]]:
    """Rewrite 0-d boolean indices as new axes when no other advanced index is present.

    NOTE: jax.numpy returns wrong values for keys like ``(None, True, 1)``; NumPy's rule is that a
    scalar True adds a length-1 axis and False a length-0 one, which is what this rewrite does. It
    returns the output axes that must be emptied (the False ones) and the new key.
    """
    if any(getattr(k, "ndim", 0) > 0 for k in key) or not any(getattr(k, "ndim", 1) == 0 and
                                                               getattr(k.dtype, "kind", "") == "b" for k in key
                                                               if hasattr(k, "dtype")):
        return [], key
    consumed = sum(1 for k in key if not (k is None or k is Ellipsis or hasattr(k, "dtype")))
    out_axis = 0
    empty: list[int] = []
    new: list[Any] = []
    for k in key:
        if hasattr(k, "dtype"):  # a 0-d bool
            if not bool(k):
                empty.append(out_axis)
            new.append(None)
            out_axis += 1
        elif k is Ellipsis:
            out_axis += ndim - consumed
            new.append(k)
        else:
            out_axis += 0 if isinstance(k, int) else 1
            new.append(k)
    return empty, tuple(new)


class _Key:
    """A mutable holder of a JAX PRNG key that splits on every draw."""

    def __init__(self, key: Any) -> None:
        self.key = key

    def next(self) -> Any:
        import jax

        self.key, sub = jax.random.split(self.key)
        return sub


class JaxBackend(ArrayAPIBackend):
    """XLA backend over ``jax.numpy``."""

    name = "jax"
    device_type = "jax"
    aliases = ("xla",)
    mutable = False
    host_numpy = True
    clamps_indices = True  # XLA clamps out-of-range gathers; core checks user index arrays
    verified_in_ci = True
    install_hint = "pip install 'ember[jax]'"

    def __init__(self) -> None:
        self._loaded = False

    def is_available(self) -> bool:
        """Whether jax is importable (checked without importing it)."""
        import importlib.util

        return importlib.util.find_spec("jax") is not None

    def unavailable_reason(self) -> str | None:
        """Why JAX is unavailable."""
        return None if self.is_available() else f"JAX is not installed ({self.install_hint})"

    def device_count(self) -> int:
        """Number of this process's JAX devices of the default platform."""
        if not self.is_available():
            return 0
        import jax

        return len(jax.local_devices())

    def device_names(self) -> list[str]:
        """JAX devices as ``jax:i (platform)``."""
        import jax

        return [f"jax:{i} ({d.platform})" for i, d in enumerate(jax.local_devices())]

    def versions(self) -> dict[str, str]:
        """jax and jaxlib versions (imports jax)."""
        try:
            import jax
            import jaxlib

            return {"jax": jax.__version__, "jaxlib": jaxlib.__version__, "platform": jax.default_backend()}
        except Exception:  # noqa: BLE001
            return {}

    def load(self) -> None:
        """Enable 64-bit mode and bind the primitives over ``jax.numpy``."""
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        import jax.scipy.special as sp

        self._jax = jax
        self._bind(jnp)
        self.erf = sp.erf
        bind_special(self, sp)
        self.pow = self.checked_pow  # NOTE: XLA gives 0 for int ** negative int instead of raising
        # this process's devices: after jax.distributed.initialize (the jax process group), jax.devices() lists
        # every process's, and jax:0 of rank 1 must be its own device, not rank 0's
        self._devices = jax.local_devices()
        for name in (*BINARY, "where"):
            setattr(self, name, _broadcast_errors_as_value_error(getattr(self, name)))

    def native_dtype(self, dtype: _dt.dtype) -> Any:
        """jax.numpy dtype."""
        import jax.numpy as jnp

        return jnp.dtype(dtype.name)

    def _put(self, a: Any, index: Any) -> Any:
        return self._jax.device_put(a, self._devices[index or 0])

    def empty(self, shape: tuple[int, ...], dtype: _dt.dtype, index: Any) -> Any:
        """Zeros (XLA has no uninitialized memory)."""
        return self._put(self.xp.zeros(shape, dtype=self._native[dtype]), index)

    def zeros(self, shape: tuple[int, ...], dtype: _dt.dtype, index: Any) -> Any:
        """Zeros on device ``index``."""
        return self._put(self.xp.zeros(shape, dtype=self._native[dtype]), index)

    def ones(self, shape: tuple[int, ...], dtype: _dt.dtype, index: Any) -> Any:
        """Ones on device ``index``."""
        return self._put(self.xp.ones(shape, dtype=self._native[dtype]), index)

    def full(self, shape: tuple[int, ...], fill_value: Any, dtype: _dt.dtype, index: Any) -> Any:
        """Filled array on device ``index``."""
        return self._put(self.xp.full(shape, fill_value, dtype=self._native[dtype]), index)

    def arange(self, start: Any, stop: Any, step: Any, dtype: _dt.dtype, index: Any) -> Any:
        """``arange`` on device ``index``."""
        return self._put(self.xp.arange(start, stop, step, dtype=self._native[dtype]), index)

    def eye(self, n: int, m: int, dtype: _dt.dtype, index: Any) -> Any:
        """``eye`` on device ``index``."""
        return self._put(self.xp.eye(n, m, dtype=self._native[dtype]), index)

    def from_host(self, a: Any, index: Any) -> Any:
        """Transfer a NumPy array to device ``index`` (a copy: on the CPU platform JAX may alias
        the host buffer, and ember's NumPy tensors are mutated in place)."""
        import numpy as np

        return self._jax.device_put(np.array(a, copy=True), self._devices[index or 0])

    def to_host(self, a: Any) -> Any:
        """A NumPy array of ``a``'s values."""
        import numpy as np

        return np.asarray(a)

    def device_index(self, a: Any) -> int:
        """Index of the array's device."""
        dev = next(iter(a.devices()))
        return self._devices.index(dev)

    def synchronize(self, index: Any) -> None:
        """Block until queued work finishes."""
        self._jax.effects_barrier()

    def memory_capacity(self, index: Any) -> int | None:
        """Bytes XLA may allocate on the device (its allocator's limit on GPUs); None on CPU (host memory)."""
        stats = self._devices[index or 0].memory_stats()
        return stats.get("bytes_limit") if stats else None

    def copy(self, a: Any) -> Any:
        """A copy (immutable arrays: the array itself is safe to share)."""
        return a

    def astype(self, a: Any, dtype: _dt.dtype) -> Any:
        """``a`` cast to ``dtype``."""
        nd = self._native[dtype]
        if getattr(a, "dtype", None) == nd:
            return a
        return self.xp.asarray(a).astype(nd)

    def make_complex(self, re: Any, im: Any, dtype: _dt.dtype) -> Any:
        """The complex array ``re + i im`` (exact for inf/NaN parts)."""
        import jax

        return jax.lax.complex(re, im).astype(dtype.name)

    def argsort(self, a: Any, axis: int, descending: bool, stable: bool) -> Any:
        """Stable sorting indices."""
        return self.xp.argsort(a, axis=axis, stable=True, descending=descending)

    def strides(self, a: Any) -> None:
        """JAX has no strided memory."""
        return None

    def index_add(self, a: Any, key: Any, src: Any) -> Any:
        """``a`` with ``src`` added at ``key`` (accumulating)."""
        return a.at[key].add(src)

    def index_reduce(self, a: Any, key: Any, src: Any, reduce: str) -> Any:
        """``a`` with ``src`` combined into ``a[key]`` by ``reduce`` (prod, amax or amin)."""
        at = a.at[key]
        return {"prod": at.multiply, "amax": at.max, "amin": at.min}[reduce](src)

    def index_put(self, a: Any, key: Any, src: Any) -> Any:
        """``a`` with ``a[key] = src``."""
        if getattr(src, "dtype", None) != a.dtype:
            # cast first: ember's setitem truncates/casts like PyTorch; JAX warns on unsafe scatter casts
            src = self.xp.asarray(src).astype(a.dtype)
        return a.at[key].set(src)

    def scatter(self, a: Any, idx: Any, src: Any, axis: int) -> Any:
        """``a`` with ``src`` written along ``axis`` at ``idx``."""
        xp = self.xp
        key = tuple(
            idx if k == axis else xp.broadcast_to(
                xp.arange(idx.shape[k]).reshape([-1 if j == k else 1 for j in range(idx.ndim)]), idx.shape)
            for k in range(idx.ndim))
        return a.at[key].set(src)

    def nonzero(self, a: Any) -> tuple[Any, ...]:
        """Index arrays of non-zero elements (data-dependent shape: computed on the host)."""
        import numpy as np

        return tuple(self.xp.asarray(i) for i in np.nonzero(np.asarray(a)))

    def unique(self, a: Any, return_inverse: bool, return_counts: bool) -> tuple[Any, Any, Any]:
        """``(values, inverse, counts)`` as the base class, computed on the host (data-dependent shapes)."""
        import numpy as np

        v, inv, c = np.unique(np.asarray(a), return_inverse=True, return_counts=True)
        return (self.xp.asarray(v), self.xp.asarray(inv.reshape(a.shape)) if return_inverse else None,
                self.xp.asarray(c) if return_counts else None)

    def getitem(self, a: Any, key: Any) -> Any:
        """``a[key]``; boolean masks are resolved on the host (data-dependent shapes)."""
        if not isinstance(key, tuple):
            key = (key,)
        b = self._bool
        if any(getattr(k, "dtype", None) == b for k in key):
            import numpy as np

            key = tuple(np.asarray(k) if getattr(k, "dtype", None) == b else k for k in key)
            empty_axes, key = _scalar_bools_as_new_axes(key, a.ndim)
            if empty_axes:
                r = a[key]
                for ax in empty_axes:
                    r = r[(slice(None),) * ax + (slice(0, 0),)]
                return r
        return a[key]

    def generator(self, seed: int, index: Any) -> Any:
        """A splitting PRNG key holder."""
        return _Key(self._jax.random.key(seed))

    def uniform(self, gen: Any, shape: tuple[int, ...], low: float, high: float, dtype: _dt.dtype) -> Any:
        """Uniform samples on ``[low, high)``."""
        return self._jax.random.uniform(gen.next(), shape, dtype=self._native[dtype], minval=low, maxval=high)

    def normal(self, gen: Any, shape: tuple[int, ...], mean: float, std: float, dtype: _dt.dtype) -> Any:
        """Normal samples."""
        out = self._jax.random.normal(gen.next(), shape, dtype=self._native[dtype])
        return out * std + mean if (std != 1.0 or mean != 0.0) else out

    def integers(self, gen: Any, low: int, high: int, shape: tuple[int, ...], dtype: _dt.dtype) -> Any:
        """Integers on ``[low, high)``."""
        out = self._jax.random.randint(gen.next(), shape, low, high, dtype=self.xp.int64)
        return self.astype(out, dtype)

    def permutation(self, gen: Any, n: int, dtype: _dt.dtype) -> Any:
        """A random permutation."""
        return self.astype(self._jax.random.permutation(gen.next(), n), dtype)

    def bernoulli(self, gen: Any, p: Any) -> Any:
        """Bool samples with probabilities ``p``."""
        return self._jax.random.uniform(gen.next(), p.shape, dtype=p.dtype) < p

    def sigmoid(self, a: Any) -> Any:
        """Logistic sigmoid."""
        return self._jax.nn.sigmoid(a)
