"""Process-level parts of PyTorch's top-level API: ``finfo``/``iinfo``, constants, memory formats, thread and
determinism settings, small predicates, and the eager forms of ``torch.cond``/``torch.while_loop``.

``import ember`` re-exports every name in ``__all__``.
"""

from __future__ import annotations

import builtins
import math
import os
from collections.abc import Callable, Sequence
from typing import Any

from . import dtypes as _dt
from .tensor import Tensor

__all__ = [
    "finfo", "iinfo", "e", "pi", "inf", "nan", "newaxis", "memory_format", "contiguous_format", "channels_last",
    "channels_last_3d", "preserve_format", "legacy_contiguous_format", "get_num_threads", "set_num_threads",
    "get_num_interop_threads", "set_num_interop_threads", "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
    "set_deterministic_debug_mode", "get_deterministic_debug_mode", "set_warn_always", "is_warn_always_enabled",
    "typename", "is_nonzero", "is_same_size", "is_signed", "is_inference", "is_conj", "is_neg", "OutOfMemoryError",
    "get_device_module", "cond", "while_loop", "is_anomaly_enabled", "set_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
]

e = math.e
pi = math.pi
inf = math.inf
nan = math.nan
newaxis = None


class OutOfMemoryError(RuntimeError):
    """Raised when a device cannot allocate a tensor (PyTorch's ``torch.OutOfMemoryError``)."""


def _host(d: _dt.dtype) -> Any:
    import numpy as np

    if d is _dt.bfloat16:
        import ml_dtypes

        return ml_dtypes.bfloat16
    return np.dtype(d.name)


class finfo:
    """Machine limits of a floating dtype: ``bits``, ``eps``, ``max``, ``min``, ``tiny``, ``resolution``."""

    def __init__(self, type: _dt.dtype | None = None) -> None:  # noqa: A002 - PyTorch's name
        d = _dt.get_default_dtype() if type is None else type
        if not isinstance(d, _dt.dtype) or not (d.is_floating_point or d.is_complex):
            raise TypeError(f"torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            f"'{getattr(d, 'name', d)}'")
        import numpy as np

        real = d.to_real() if d.is_complex else d
        fi = np.finfo(_host(real)) if real is not _dt.bfloat16 else __import__("ml_dtypes").finfo(_host(real))
        self.dtype = real.name if not d.is_complex else d.name
        self.bits = d.itemsize * 8
        self.eps = builtins.float(fi.eps)
        self.max = builtins.float(fi.max)
        self.min = builtins.float(fi.min)
        self.tiny = self.smallest_normal = builtins.float(fi.tiny)
        # PyTorch's resolution is 10**-precision, precision = floor(-log10(eps)) decimal digits
        self.resolution = 10.0 ** -math.floor(-math.log10(self.eps))

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype: ``bits``, ``max``, ``min``."""

    def __init__(self, type: _dt.dtype) -> None:  # noqa: A002 - PyTorch's name
        if not isinstance(type, _dt.dtype) or type.is_floating_point or type.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            f"'{getattr(type, 'name', type)}'")
        import numpy as np

        ii = np.iinfo(np.dtype("uint8" if type is _dt.bool else type.name))
        self.dtype = type.name
        self.bits = type.itemsize * 8
        self.max = builtins.int(ii.max) if type is not _dt.bool else 1
        self.min = builtins.int(ii.min)

    def __repr__(self) -> str:
        return f"iinfo(min={builtins.float(self.min):g}, max={builtins.float(self.max):g}, dtype={self.dtype})"


class memory_format:
    """A memory layout tag (``ember.contiguous_format``, ``ember.channels_last``); ember stores every tensor
    row-major, so the tags are accepted wherever PyTorch accepts them and change no layout."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"ember.{self._name}"


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
legacy_contiguous_format = memory_format("legacy_contiguous_format")


# -- threads: the BLAS pool NumPy computes with ------------------------------------------------------------
_threads: dict[str, int] = {}


def _threadpool() -> Any:
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController()
    except ImportError:
        return None


def get_num_threads() -> builtins.int:
    """Threads the CPU backend's BLAS uses (threadpoolctl when installed, else the OpenMP/BLAS settings)."""
    if "intra" in _threads:
        return _threads["intra"]
    pool = _threadpool()
    if pool is not None:
        nums = [info["num_threads"] for info in pool.info() if info.get("user_api") == "blas"]
        if nums:
            return builtins.int(nums[0])
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return builtins.int(os.environ[var])
    return os.cpu_count() or 1


def set_num_threads(int: builtins.int) -> None:  # noqa: A002 - PyTorch's parameter name
    """Set the CPU backend's BLAS threads (through threadpoolctl when installed; else recorded only)."""
    if int < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, but got {int}")
    _threads["intra"] = int
    pool = _threadpool()
    if pool is not None:
        pool.limit(limits=int, user_api="blas")


def get_num_interop_threads() -> builtins.int:
    """Inter-op threads: ember runs ops one after another on the caller's thread, so this is the setting only."""
    return _threads.get("inter", 1)


def set_num_interop_threads(int: builtins.int) -> None:  # noqa: A002 - PyTorch's parameter name
    """Record the inter-op thread count (ember has no inter-op pool)."""
    if int < 1:
        raise RuntimeError(f"Expected positive number of threads, got {int}")
    _threads["inter"] = int


# -- determinism -------------------------------------------------------------------------------------------
# NOTE: ember's kernels are deterministic on the NumPy backend; XLA and CuPy scatter-adds may not be. The
# settings are recorded and readable, as PyTorch's are, for programs that set them.
_determinism = {"on": False, "warn_only": False}


def use_deterministic_algorithms(mode: builtins.bool, *, warn_only: builtins.bool = False) -> None:
    """Ask for deterministic algorithms (recorded: ember's CPU kernels are deterministic)."""
    _determinism.update(on=builtins.bool(mode), warn_only=builtins.bool(warn_only))


def are_deterministic_algorithms_enabled() -> builtins.bool:
    """Whether ``use_deterministic_algorithms(True)`` is in effect."""
    return _determinism["on"]


def is_deterministic_algorithms_warn_only_enabled() -> builtins.bool:
    """Whether deterministic mode only warns."""
    return _determinism["warn_only"]


def set_deterministic_debug_mode(debug_mode: builtins.int | str) -> None:
    """Set determinism by level: 0/"default", 1/"warn", 2/"error"."""
    levels = {"default": 0, "warn": 1, "error": 2}
    level = levels.get(debug_mode, debug_mode) if isinstance(debug_mode, str) else debug_mode
    if level not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error` or 0, 1, 2, "
                           f"but got {debug_mode}")
    use_deterministic_algorithms(level > 0, warn_only=level == 1)


def get_deterministic_debug_mode() -> builtins.int:
    """The determinism level: 0 off, 1 warn, 2 error."""
    return 0 if not _determinism["on"] else 1 if _determinism["warn_only"] else 2


_warn_always = [False]


def set_warn_always(b: builtins.bool) -> None:
    """Make warnings that PyTorch emits once per process emit every time (recorded)."""
    _warn_always[0] = builtins.bool(b)


def is_warn_always_enabled() -> builtins.bool:
    """Whether ``set_warn_always(True)`` is in effect."""
    return _warn_always[0]


def is_anomaly_enabled() -> builtins.bool:
    """Whether anomaly detection is on."""
    from .autograd.anomaly import is_anomaly_enabled as enabled

    return enabled()


def set_anomaly_enabled(enabled: builtins.bool, check_nan: builtins.bool = True) -> None:
    """Turn anomaly detection on or off (as ``autograd.set_detect_anomaly``)."""
    from .autograd.anomaly import set_detect_anomaly

    set_detect_anomaly(enabled, check_nan)


def is_anomaly_check_nan_enabled() -> builtins.bool:
    """Whether anomaly detection checks backward outputs for NaN."""
    from .autograd import anomaly

    return builtins.bool(anomaly.is_anomaly_enabled() and getattr(anomaly, "_check_nan", lambda: True)())


# -- predicates --------------------------------------------------------------------------------------------
def typename(obj: Any) -> str:
    """PyTorch's type name: ``'torch.FloatTensor'`` for a float32 CPU tensor, else the Python type's name."""
    if isinstance(obj, Tensor):
        return obj.type()
    mod = type(obj).__module__
    return type(obj).__qualname__ if mod in ("builtins", None) else f"{mod}.{type(obj).__qualname__}"


def is_nonzero(input: Tensor) -> builtins.bool:
    """Whether a one-element tensor is non-zero; raises as PyTorch for other sizes."""
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return builtins.bool(input.item())


def is_same_size(input: Tensor, other: Tensor) -> builtins.bool:
    """Whether two tensors have the same shape."""
    return tuple(input.shape) == tuple(other.shape)


def is_signed(input: Tensor) -> builtins.bool:
    """Whether the tensor's dtype is signed."""
    return input.dtype.is_signed


def is_inference(input: Tensor) -> builtins.bool:
    """Whether the tensor was created in inference mode (ember tracks no such bit: ``False``)."""
    return False


def is_conj(input: Tensor) -> builtins.bool:
    """Whether a lazy conjugation bit is set: ember conjugates eagerly, so ``False``."""
    return False


def is_neg(input: Tensor) -> builtins.bool:
    """Whether a lazy negation bit is set: ember negates eagerly, so ``False``."""
    return False


def get_device_module(device: Any = None) -> Any:
    """The module of a device type (``ember.cuda`` for ``"cuda"``, ``ember.cpu`` for ``"cpu"``)."""
    import importlib

    from .device import device as _device

    kind = "cpu" if device is None else (device.type if isinstance(device, _device) else _device(device).type)
    try:
        return importlib.import_module(f"ember.{kind}")
    except ImportError:
        raise RuntimeError(f"Device '{kind}' does not have a corresponding module registered as 'ember.{kind}'.") \
            from None


# -- control flow: eager forms -----------------------------------------------------------------------------
def cond(pred: Any, true_fn: Callable[..., Any], false_fn: Callable[..., Any], operands: Sequence[Any] = ()) -> Any:
    """Run ``true_fn(*operands)`` if ``pred`` else ``false_fn(*operands)`` (eager, as PyTorch runs it outside
    ``torch.compile``); ``pred`` is a bool or a one-element tensor."""
    if isinstance(pred, Tensor):
        if pred.numel() != 1:
            raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {tuple(pred.shape)}")
        pred = builtins.bool(pred.item())
    return (true_fn if pred else false_fn)(*operands)


def while_loop(cond_fn: Callable[..., Any], body_fn: Callable[..., Any], carried_inputs: Sequence[Any]) -> Any:
    """Run ``carried = body_fn(*carried)`` while ``cond_fn(*carried)`` holds; returns the final carried tuple."""
    carried = tuple(carried_inputs)
    while cond(cond_fn(*carried), lambda: True, lambda: False):
        out = body_fn(*carried)
        carried = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if len(carried) != len(carried_inputs):
            raise RuntimeError(f"body_fn should return {len(carried_inputs)} values like carried_inputs, "
                               f"but returned {len(carried)}")
    return carried

