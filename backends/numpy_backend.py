"""The NumPy backend: device type ``cpu``, the default. Arrays are mutable and alias (views)."""

from __future__ import annotations

from typing import Any

from ember import dtypes as _dt

from ._array_api import ArrayAPIBackend, vectorized_erf


def _writable_view(base: Any, view: Any) -> Any:
    """A writable ndarray over the same memory as the read-only ``view`` of ``base``."""
    import numpy as np

    offset = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    return np.ndarray(view.shape, dtype=view.dtype, buffer=base, offset=offset, strides=view.strides) \
        if base.flags.c_contiguous or base.flags.f_contiguous else view


class NumpyBackend(ArrayAPIBackend):
    """CPU backend over NumPy (bfloat16 through ml_dtypes when installed)."""

    name = "numpy"
    device_type = "cpu"
    mutable = True
    install_hint = "numpy"

    def __init__(self) -> None:
        try:
            import ml_dtypes  # noqa: F401

            self.dtypes = frozenset(_dt.all_dtypes)
        except ImportError:
            self.dtypes = frozenset(d for d in _dt.all_dtypes if d is not _dt.bfloat16)

    def is_available(self) -> bool:
        """Always available (NumPy is a dependency)."""
        return True

    def device_count(self) -> int:
        """One CPU device."""
        return 1

    def device_names(self) -> list[str]:
        """The CPU device."""
        return ["cpu"]

    def versions(self) -> dict[str, str]:
        """NumPy's version."""
        import numpy as np

        return {"numpy": np.__version__}

    def native_dtype(self, dtype: _dt.dtype) -> Any:
        """NumPy dtype (ml_dtypes.bfloat16 for bfloat16)."""
        import numpy as np

        if dtype is _dt.bfloat16:
            import ml_dtypes

            return np.dtype(ml_dtypes.bfloat16)
        return np.dtype(dtype.name)

    def load(self) -> None:
        """Bind the primitives over NumPy."""
        import numpy as np

        self._bind(np)
        self.erf = vectorized_erf(np)

    # NumPy-specific fast paths and mutability -------------------------------------------
    def from_host(self, a: Any, index: Any) -> Any:
        """The NumPy array itself (no copy)."""
        return a

    def to_host(self, a: Any) -> Any:
        """The array itself as an ndarray (no copy)."""
        import numpy as np

        return np.asarray(a)

    def materialize(self, a: Any) -> Any:
        """A writable ndarray for ``a`` (ufuncs on 0-d arrays return NumPy scalars)."""
        import numpy as np

        return a if type(a) is np.ndarray else np.asarray(a).copy()

    def copy(self, a: Any) -> Any:
        """A C-contiguous copy (PyTorch's clone of a transposed view is contiguous too)."""
        import numpy as np

        return np.array(a, copy=True, order="C")

    def setitem(self, a: Any, key: Any, value: Any) -> None:
        """``a[key] = value`` in place."""
        a[key] = value

    def copy_into(self, dst: Any, src: Any) -> None:
        """Write ``src`` into ``dst`` in place (broadcasting, casting)."""
        import numpy as np

        np.copyto(dst, src, casting="unsafe")

    def index_add(self, a: Any, key: Any, src: Any) -> Any:
        """A copy of ``a`` with ``src`` added at ``a[key]`` (repeated indices accumulate)."""
        import numpy as np

        out = np.array(a, copy=True)
        np.add.at(out, key, src)
        return out

    def index_put(self, a: Any, key: Any, src: Any) -> Any:
        """A copy of ``a`` with ``a[key] = src``."""
        import numpy as np

        out = np.array(a, copy=True)
        out[key] = src
        return out

    def broadcast_to(self, a: Any, shape: tuple[int, ...]) -> Any:
        """``a`` broadcast to ``shape``: a writable view when nothing repeats (np.broadcast_to is
        read-only), as PyTorch's ``expand`` can be written through when no element is shared."""
        import numpy as np

        shape = tuple(shape)
        lead = len(shape) - a.ndim
        if lead >= 0 and shape[lead:] == a.shape and all(s == 1 for s in shape[:lead]):
            return a.reshape(shape) if lead else a[...]
        return np.broadcast_to(a, shape)

    def diagonal(self, a: Any, offset: int, axis1: int, axis2: int) -> Any:
        """A writable diagonal view (np.diagonal returns a read-only one)."""
        from numpy.lib.stride_tricks import as_strided

        d = a.diagonal(offset, axis1, axis2)
        if not a.flags.writeable:
            return d
        # same memory, shape and strides as `d`, but writable like PyTorch's diagonal view
        return as_strided(a[...], shape=d.shape, strides=d.strides, writeable=True) if d.size == 0 else \
            _writable_view(a, d)

    def sum(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Sum over ``axis`` in the input dtype (bool: int64; float16/bfloat16 accumulate in float32)."""
        import numpy as np

        reduce: Any = np.add.reduce  # NOTE: a ufunc method skips np.sum's Python layer
        dt = a.dtype
        if dt in self._low:
            return reduce(a, axis=axis, keepdims=keepdims, dtype=self._f32).astype(dt)
        return reduce(a, axis=axis, keepdims=keepdims, dtype=None if dt == self._bool else dt)

    # random -------------------------------------------------------------------------------
    def generator(self, seed: int, index: Any) -> Any:
        """A PCG64 generator."""
        import numpy as np

        return np.random.Generator(np.random.PCG64(seed))

    def uniform(self, gen: Any, shape: tuple[int, ...], low: float, high: float, dtype: _dt.dtype) -> Any:
        """Uniform samples on ``[low, high)``."""
        if dtype is _dt.float64 or dtype is _dt.float32:
            out = gen.random(shape, dtype=dtype.name)
        else:
            out = gen.random(shape, dtype="float32")
        if low != 0.0 or high != 1.0:
            out = out * (high - low) + low
        elif out.dtype == self._native[dtype]:
            return out
        return self._below_high(self.astype(out, dtype), low, high, dtype)

    def normal(self, gen: Any, shape: tuple[int, ...], mean: float, std: float, dtype: _dt.dtype) -> Any:
        """Normal samples."""
        wd = dtype.name if dtype in (_dt.float32, _dt.float64) else "float32"
        out = gen.standard_normal(shape, dtype=wd)
        if std != 1.0 or mean != 0.0:
            out = out * std + mean
        return self.astype(out, dtype)

    def integers(self, gen: Any, low: int, high: int, shape: tuple[int, ...], dtype: _dt.dtype) -> Any:
        """Integers on ``[low, high)``."""
        return self.astype(gen.integers(low, high, shape, dtype="int64"), dtype)

    def permutation(self, gen: Any, n: int, dtype: _dt.dtype) -> Any:
        """A random permutation of ``0..n-1``."""
        return self.astype(gen.permutation(n), dtype)

    def bernoulli(self, gen: Any, p: Any) -> Any:
        """Bool samples with probabilities ``p``."""
        return gen.random(p.shape) < p

    def sigmoid(self, a: Any) -> Any:
        """Logistic sigmoid without overflow."""
        import numpy as np

        return np.exp(-np.logaddexp(0, -a)).astype(a.dtype, copy=False)
