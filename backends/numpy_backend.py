"""The NumPy backend: device type ``cpu``, the default. Arrays are mutable and alias (views)."""

from __future__ import annotations

from typing import Any

from ember import dtypes as _dt

from ._array_api import ArrayAPIBackend, vectorized_erf


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

    def scatter(self, a: Any, idx: Any, src: Any, axis: int) -> Any:
        """A copy of ``a`` with ``src`` written along ``axis`` at ``idx``."""
        import numpy as np

        out = np.array(a, copy=True)
        np.put_along_axis(out, idx, src, axis)
        return out

    def sum(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Sum over ``axis`` (in the input dtype, as PyTorch)."""
        import numpy as np

        return np.add.reduce(a, axis=axis, keepdims=keepdims, dtype=a.dtype)

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
        return self.astype(out, dtype)

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
