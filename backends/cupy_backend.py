"""The CuPy backend: device type ``cuda``. Arrays are mutable and alias like NumPy's."""

from __future__ import annotations

from typing import Any

from ember import dtypes as _dt

from ._array_api import ArrayAPIBackend

# PyTorch's (and Python's) float floor division, c10's div_floor_floating: CuPy computes
# floor(a / b), which gives 10 for 1.0 // 0.1 where PyTorch and NumPy give 9. Computed in double.
_FLOOR_DIV_FLOAT = """
double x = (double)a, y = (double)b;
double r;
if (y == 0) {
    r = x / y;
} else {
    double mod = fmod(x, y);
    double div = (x - mod) / y;
    if (mod != 0 && ((y < 0) != (mod < 0))) div -= 1;
    if (div != 0) {
        r = floor(div);
        if (div - r > 0.5) r += 1;
    } else {
        r = copysign(0.0, x / y);
    }
}
out = (T)r;
"""


class _CupyGen:
    """A CuPy generator for device ``index`` that can be deep-copied.

    NOTE: cupy.random.Generator holds a lock and device state and cannot be deep-copied, which
    ember's ``get_state`` needs. The live generator is reused between copies; a deep copy makes the
    copy and the original both reseed from (seed, number of draws so far) at their next draw, so
    they continue with the same stream.
    """

    __slots__ = ("index", "seed", "count", "live")

    def __init__(self, index: int | None, seed: int, count: int = 0) -> None:
        self.index, self.seed, self.count, self.live = index, seed, count, None

    def __deepcopy__(self, memo: dict[int, Any]) -> _CupyGen:
        self.live = None
        return _CupyGen(self.index, self.seed, self.count)

    def next(self, cupy: Any) -> Any:
        self.count += 1
        if self.live is None:
            import numpy as np

            state = np.random.SeedSequence([self.seed, self.count]).generate_state(1, np.uint64)[0]
            with cupy.cuda.Device(self.index or 0):
                self.live = cupy.random.default_rng(int(state))
        return self.live


class CupyBackend(ArrayAPIBackend):
    """CUDA backend over CuPy; each primitive runs on the array's own device."""

    name = "cupy"
    device_type = "cuda"
    mutable = True
    #: ``real_view``/``imag_view``/``view_as_real``/``view_as_complex`` return views sharing memory
    complex_views = True

    def real_view(self, a: Any) -> Any:
        """The real parts of a complex array, as a writable view."""
        return a.real

    def imag_view(self, a: Any) -> Any:
        """The imaginary parts of a complex array, as a writable view."""
        return a.imag

    def view_as_real(self, a: Any) -> Any:
        """A ``(*a.shape, 2)`` real view of a complex array, for any strides."""
        import cupy

        return cupy.lib.stride_tricks.as_strided(a.real, a.shape + (2,), a.strides + (a.itemsize // 2,))

    def view_as_complex(self, a: Any) -> Any:
        """A complex view of a real array whose last axis (size 2) is contiguous."""
        import cupy

        return a.view(cupy.complex64 if a.dtype == cupy.float32 else cupy.complex128)[..., 0]

    def make_complex(self, re: Any, im: Any, dtype: _dt.dtype) -> Any:
        """The complex array ``re + i im`` (exact for inf/NaN parts)."""
        out = self.xp.empty(re.shape, dtype=dtype.name)
        out.real[...] = re
        out.imag[...] = im
        return out

    install_hint = "pip install 'ember[cuda12]' (or 'ember[cuda13]' for CUDA 13)"
    dtypes = frozenset(d for d in _dt.all_dtypes if d is not _dt.bfloat16)

    def __init__(self) -> None:
        self._avail: tuple[bool, str | None] | None = None

    def _probe(self) -> tuple[bool, str | None]:
        if self._avail is None:
            import importlib.util

            if importlib.util.find_spec("cupy") is None:
                self._avail = (False, f"CuPy is not installed ({self.install_hint})")
            else:
                try:
                    import cupy

                    n = cupy.cuda.runtime.getDeviceCount()
                    self._avail = (n > 0, None if n > 0 else "no CUDA device found")
                except Exception as e:  # noqa: BLE001 - any driver failure means "not available"
                    self._avail = (False, f"CuPy cannot reach a CUDA device: {e}")
        return self._avail

    def is_available(self) -> bool:
        """Whether CuPy imports and sees at least one GPU."""
        return self._probe()[0]

    def unavailable_reason(self) -> str | None:
        """Why CUDA is unavailable."""
        return self._probe()[1]

    def device_count(self) -> int:
        """Number of CUDA devices."""
        if not self.is_available():
            return 0
        import cupy

        return int(cupy.cuda.runtime.getDeviceCount())

    def device_names(self) -> list[str]:
        """Device names as ``cuda:i (name)``."""
        import cupy

        out = []
        for i in range(self.device_count()):
            name = cupy.cuda.runtime.getDeviceProperties(i)["name"]
            out.append(f"cuda:{i} ({name.decode() if isinstance(name, bytes) else name})")
        return out

    def versions(self) -> dict[str, str]:
        """CuPy and CUDA runtime versions."""
        try:
            import cupy

            return {"cupy": cupy.__version__, "cuda_runtime": str(cupy.cuda.runtime.runtimeGetVersion())}
        except Exception:  # noqa: BLE001
            return {}

    def load(self) -> None:
        """Bind the primitives over CuPy."""
        if not self.is_available():
            raise RuntimeError(f"Device type cuda is not available: {self.unavailable_reason()}")
        import cupy
        import cupyx.scipy.special as sp

        self._bind(cupy)
        erf, native = sp.erf, (cupy.dtype("float32"), cupy.dtype("float64"))
        self.erf = lambda a: erf(a) if a.dtype in native else erf(a.astype(self._f32)).astype(a.dtype)
        self._cupy = cupy
        self.pow = self.checked_pow  # NOTE: CuPy gives 0 for int ** negative int instead of raising
        self._floor_div_float = cupy.ElementwiseKernel(
            "T a, T b", "T out", _FLOOR_DIV_FLOAT, "ember_floor_divide_float")

    def native_dtype(self, dtype: _dt.dtype) -> Any:
        """CuPy dtype."""
        import numpy as np

        return np.dtype(dtype.name)

    def _dev(self, index: Any) -> Any:
        return self._cupy.cuda.Device(index or 0)

    def empty(self, shape: tuple[int, ...], dtype: _dt.dtype, index: Any) -> Any:
        """Uninitialized array on device ``index``."""
        with self._dev(index):
            return self._cupy.empty(shape, dtype=self._native[dtype])

    def zeros(self, shape: tuple[int, ...], dtype: _dt.dtype, index: Any) -> Any:
        """Zeros on device ``index``."""
        with self._dev(index):
            return self._cupy.zeros(shape, dtype=self._native[dtype])

    def ones(self, shape: tuple[int, ...], dtype: _dt.dtype, index: Any) -> Any:
        """Ones on device ``index``."""
        with self._dev(index):
            return self._cupy.ones(shape, dtype=self._native[dtype])

    def full(self, shape: tuple[int, ...], fill_value: Any, dtype: _dt.dtype, index: Any) -> Any:
        """Filled array on device ``index``."""
        with self._dev(index):
            return self._cupy.full(shape, fill_value, dtype=self._native[dtype])

    def arange(self, start: Any, stop: Any, step: Any, dtype: _dt.dtype, index: Any) -> Any:
        """``arange`` on device ``index``."""
        with self._dev(index):
            return self._cupy.arange(start, stop, step, dtype=self._native[dtype])

    def linspace(self, start: Any, stop: Any, num: int, dtype: _dt.dtype, index: Any) -> Any:
        """``linspace`` on device ``index``."""
        with self._dev(index):
            return self._cupy.linspace(start, stop, num, dtype=self._native[dtype])

    def eye(self, n: int, m: int, dtype: _dt.dtype, index: Any) -> Any:
        """``eye`` on device ``index``."""
        with self._dev(index):
            return self._cupy.eye(n, m, dtype=self._native[dtype])

    def from_host(self, a: Any, index: Any) -> Any:
        """Copy a NumPy array to device ``index``."""
        with self._dev(index):
            return self._cupy.asarray(a)

    def to_host(self, a: Any) -> Any:
        """Copy to a NumPy array (synchronizes, as PyTorch's ``.cpu()``)."""
        return self._cupy.asnumpy(a)

    def from_dlpack(self, obj: Any, index: Any) -> Any:
        """Share memory with a DLPack producer on the GPU."""
        return self._cupy.from_dlpack(obj)

    def device_index(self, a: Any) -> int:
        """The array's device id."""
        return int(a.device.id)

    def synchronize(self, index: Any) -> None:
        """Wait for the device's queued work."""
        with self._dev(index):
            self._cupy.cuda.Device().synchronize()

    def copy(self, a: Any) -> Any:
        """A copy on the same device."""
        return a.copy()

    def materialize(self, a: Any) -> Any:
        """CuPy always returns arrays."""
        return a

    def setitem(self, a: Any, key: Any, value: Any) -> None:
        """``a[key] = value`` in place."""
        a[key] = value

    def copy_into(self, dst: Any, src: Any) -> None:
        """Write ``src`` into ``dst`` in place."""
        self._cupy.copyto(dst, src, casting="unsafe")

    def index_add(self, a: Any, key: Any, src: Any) -> Any:
        """A copy of ``a`` with ``src`` added at ``key`` (accumulating)."""
        import cupyx

        out = a.copy()
        cupyx.scatter_add(out, key, src)
        return out

    def index_put(self, a: Any, key: Any, src: Any) -> Any:
        """A copy of ``a`` with ``a[key] = src``."""
        out = a.copy()
        out[key] = src
        return out

    def floor_divide(self, a: Any, b: Any) -> Any:
        """Floor division with PyTorch's float semantics (``1.0 // 0.1 == 9.0``)."""
        dt = a.dtype if hasattr(a, "dtype") else b.dtype
        if dt in self._floats:
            return self._floor_div_float(a, b)
        return self._cupy.floor_divide(a, b)

    def generator(self, seed: int, index: Any) -> Any:
        """A generator for device ``index`` seeded with ``seed``."""
        return _CupyGen(index, seed)

    def uniform(self, gen: Any, shape: tuple[int, ...], low: float, high: float, dtype: _dt.dtype) -> Any:
        """Uniform samples on ``[low, high)``."""
        index, g = gen.index, gen.next(self._cupy)
        with self._dev(index):
            out = g.random(shape, dtype="float64" if dtype is _dt.float64 else "float32")
            if low != 0.0 or high != 1.0:
                out = out * (high - low) + low
            elif out.dtype == self._native[dtype]:
                return out
            return self._below_high(self.astype(out, dtype), low, high, dtype)

    def normal(self, gen: Any, shape: tuple[int, ...], mean: float, std: float, dtype: _dt.dtype) -> Any:
        """Normal samples."""
        index, g = gen.index, gen.next(self._cupy)
        with self._dev(index):
            out = g.standard_normal(shape, dtype="float64" if dtype is _dt.float64 else "float32")
            if std != 1.0 or mean != 0.0:
                out = out * std + mean
            return self.astype(out, dtype)

    def integers(self, gen: Any, low: int, high: int, shape: tuple[int, ...], dtype: _dt.dtype) -> Any:
        """Integers on ``[low, high)``."""
        index, g = gen.index, gen.next(self._cupy)
        with self._dev(index):
            return self.astype(g.integers(low, high, shape, dtype="int64"), dtype)

    def permutation(self, gen: Any, n: int, dtype: _dt.dtype) -> Any:
        """A random permutation."""
        index, g = gen.index, gen.next(self._cupy)
        with self._dev(index):
            # NOTE: cupy.random.Generator has no permutation; argsort of uniform draws is one
            return self.astype(self._cupy.argsort(g.random(n, dtype="float64")), dtype)

    def bernoulli(self, gen: Any, p: Any) -> Any:
        """Bool samples with probabilities ``p``."""
        index, g = gen.index, gen.next(self._cupy)
        with self._dev(index):
            return g.random(p.shape, dtype="float64" if p.dtype.itemsize == 8 else "float32") < p

    def sigmoid(self, a: Any) -> Any:
        """Logistic sigmoid without overflow."""
        cp = self._cupy
        return cp.exp(-cp.logaddexp(0, -a)).astype(a.dtype, copy=False)
