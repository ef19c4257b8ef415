"""Tensor creation: ``tensor``, ``zeros``, ``arange``, ``from_numpy``, the legacy constructors, ..."""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

from .. import dtypes as _dt
from ..tensor import Size, Tensor, _wrap
from ._dispatch import canon_device, check_dtype, handle_out, type_name, wrap_int

_INT, _FLOAT, _BOOL = builtins.int, builtins.float, builtins.bool
_I64_MAX = (1 << 63) - 1


def _np() -> Any:
    import numpy as np

    return np


def host_dtype(arr: Any) -> _dt.dtype:
    """The ember dtype of a NumPy array (TypeError for unsupported NumPy dtypes)."""
    name = str(arr.dtype)
    d = _dt.by_name.get(name)
    if d is None or name in ("half", "float", "double", "short", "int", "long"):
        raise TypeError(f"can't convert np.ndarray of type numpy.{name}. The only supported types are: float64, "
                        "float32, float16, bfloat16, complex64, complex128, int64, int32, int16, int8, uint8, "
                        "and bool.")
    return d


def _size(size: Sequence[Any], fn: str = "") -> tuple[int, ...]:
    """The sizes of a factory call (varargs, or one tuple or list), as PyTorch's argument parser takes them:
    integers (NumPy's and 0-d integer tensors too), not floats or bools."""
    nested = len(size) == 1 and isinstance(size[0], (tuple, list, Size))
    if nested:
        size = size[0]
    where = f"{fn}(): " if fn else ""
    out = []
    for i, s in enumerate(size):
        if isinstance(s, (_BOOL, _FLOAT, str)) or not hasattr(s, "__index__") or \
                isinstance(s, Tensor) and (s.dtype.is_floating_point or s.dtype is _dt.bool):
            name = type(s).__name__
            if nested or len(size) > 1:
                raise TypeError(f"{where}argument 'size' (position 1) must be tuple of ints, but found element of "
                                f"type {name} at pos {i}")
            raise TypeError(f"{where}argument 'size' (position 1) must be tuple of ints, not {name}")
        out.append(_INT(s.__index__()))
    for i, s in enumerate(out):
        if not 0 <= s <= _I64_MAX:
            if s < 0:
                if fn == "zeros":  # PyTorch's zeros checks its sizes before allocating, in its own words
                    raise RuntimeError("zeros: Dimension size must be non-negative.")
                raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {out}")
            raise TypeError(f"argument 'size' failed to unpack the object at pos {i + 1} with error "
                            "\"Overflow when unpacking long long\"")
    return tuple(out)


# -- allocation guards ----------------------------------------------------------------------------
# NOTE: XLA aborts the process (SIGABRT) on a size it cannot allocate instead of raising, so every creation
# path checks the byte count against what the device holds before asking a backend for memory.

_CAPACITY: dict[Any, int] = {}


def _host_memory() -> int:
    """Bytes of physical memory on this machine (no bound where the OS will not say)."""
    import os

    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not POSIX: leave it to the allocator
        return _I64_MAX


def _capacity(dev: Any) -> int:
    cap = _CAPACITY.get(dev)
    if cap is None:
        query = getattr(dev._be, "memory_capacity", None)
        cap = query(dev.index) if query is not None else None
        cap = _CAPACITY[dev] = cap if cap is not None else _host_memory()
    return cap


def check_alloc(shape: Sequence[int], dtype: _dt.dtype, dev: Any) -> None:
    """Raise PyTorch's RuntimeError when a tensor of ``shape`` and ``dtype`` cannot be allocated on ``dev``."""
    n = 1
    for s in shape:
        n *= s
    if n and n * dtype.itemsize <= _capacity(dev):
        return
    # PyTorch multiplies the sizes in uint64, so an overflowing prefix fails even when a later size is 0.
    # NOTE: stricter than PyTorch for empty tensors: the nonzero sizes' byte count must fit in int64, since
    # NumPy refuses ([2**62, 0] float32: "array is too big") and XLA aborts on such shapes.
    prod = 1
    for s in shape:
        prod *= s or 1
    if prod * dtype.itemsize > _I64_MAX:
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(shape)}")
    if n:
        raise alloc_error(n * dtype.itemsize, dev)


def alloc_error(nbytes: int, dev: Any, cause: BaseException | None = None) -> RuntimeError:
    """PyTorch's out-of-memory RuntimeError for a request of ``nbytes`` on ``dev``."""
    if cause is not None:
        hint = f" ({cause}). Free tensors you no longer need, or ask for a smaller shape or dtype."
    else:
        hint = f", more than the {_capacity(dev)} bytes {dev} holds. Ask for a smaller shape or dtype."
    return RuntimeError(f"can't allocate memory: you tried to allocate {nbytes} bytes{hint}")


def _nbytes(shape: Sequence[int], dtype: _dt.dtype) -> int:
    n = dtype.itemsize
    for s in shape:
        n *= s
    return n


# -- fill values -----------------------------------------------------------------------------------

#: PyTorch's C++ type name of each dtype, as its overflow message spells it
_CTYPE = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
          "float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double",
          "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}
#: largest finite value of each floating dtype (complex: of its parts)
_FMAX = {"float16": 65504.0, "bfloat16": 3.3895313892515355e38, "float32": 3.4028234663852886e38,
         "float64": 1.7976931348623157e308, "complex64": 3.4028234663852886e38,
         "complex128": 1.7976931348623157e308}


#: (lowest, highest) value of each integer dtype
_IRANGE = {d: (-(1 << (d.bits - 1)), (1 << (d.bits - 1)) - 1) if d.is_signed else (0, (1 << d.bits) - 1)
           for d in (_dt.uint8, _dt.int8, _dt.int16, _dt.int32, _dt.int64)}


def _overflow(dt: _dt.dtype) -> RuntimeError:
    return RuntimeError(f"value cannot be converted to type {_CTYPE[dt.name]} without overflow")


def checked_convert(value: Any, dt: _dt.dtype) -> Any:
    """``value`` checked as PyTorch converts a scalar to ``dt`` (its RuntimeError on overflow), and an integer
    wrapped into ``dt``'s range where PyTorch accepts it (``-1`` as uint8 is 255)."""
    if not isinstance(value, (_INT, _FLOAT, builtins.complex)) and hasattr(value, "item"):
        value = value.item()  # NumPy scalars
    if isinstance(value, _BOOL):
        return value
    if isinstance(value, _INT) and not -(1 << 63) <= value < 1 << 64:  # PyTorch's scalars are int64 or uint64
        raise OverflowError("int too big to convert" if value > 0 else "can't convert negative int to unsigned")
    if dt is _dt.bool:
        return value != 0  # NaN is True, as in PyTorch
    if isinstance(value, builtins.complex):
        if not dt.is_complex and value.imag != 0:
            raise _overflow(dt)
        checked_convert(value.imag, dt)
        real = checked_convert(value.real, dt)
        return value if dt.is_complex else real
    limits = _IRANGE.get(dt)
    if limits is None:  # floating: inf and NaN convert, finite values must be in range
        if abs(value) > _FMAX[dt.name] and value - value == 0:
            raise _overflow(dt)
        return value
    lo, hi = limits
    if isinstance(value, _INT):
        # NOTE: PyTorch lets a negative int down to -max into an unsigned type, wrapping as in two's complement
        if value > hi or value < (lo if lo else -hi):
            raise _overflow(dt)
        return value if value >= lo else wrap_int(value, dt)
    if not lo <= value <= hi:  # also false for NaN
        raise _overflow(dt)
    return value


def _finish(data: Any, dtype: _dt.dtype, dev: Any, requires_grad: bool) -> Tensor:
    t = _wrap(data, dtype, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _resolve(dtype: Any, device: Any) -> tuple[_dt.dtype, Any]:
    dt = dtype if dtype is not None else _dt.get_default_dtype()
    if not isinstance(dt, _dt.dtype):
        raise TypeError(f"dtype must be an ember.dtype, not {type(dt).__name__}")
    dev = canon_device(device)
    check_dtype(dev._be, dt)
    return dt, dev


def _nested_shape(data: Any, dim: int = 0) -> tuple[int, ...] | None:
    """Shape of nested lists, raising PyTorch's ValueError for ragged input."""
    if isinstance(data, Tensor):
        return tuple(data._data.shape)
    if not isinstance(data, (list, tuple, range)):
        return ()
    n = len(data)
    if n == 0:
        return (0,)
    first = _nested_shape(data[0], dim + 1)
    for item in data[1:]:
        s = _nested_shape(item, dim + 1)
        if s != first:
            got = (s[0] if s else None)
            exp = first[0] if first else None
            if not first or not s:
                raise TypeError(f"expected a sequence at dim {dim + 1}" if first else
                                f"not a sequence at dim {dim + 1}")
            raise ValueError(f"expected sequence of length {exp} at dim {dim + 1} (got {got})")
    return (n,) + (first or ())


def _infer_dtype(data: Any) -> _dt.dtype:
    kinds = set()

    def walk(v: Any) -> None:
        if isinstance(v, (list, tuple, range)):
            for x in v:
                walk(x)
        elif isinstance(v, Tensor):
            kinds.add(v.dtype)
        elif hasattr(v, "dtype") and not isinstance(v, Tensor):
            kinds.add(host_dtype(_np().asarray(v)))
        elif isinstance(v, _BOOL):
            kinds.add(_dt.bool)
        elif isinstance(v, _INT):
            kinds.add(_dt.int64)
        elif isinstance(v, _FLOAT):
            kinds.add(_dt.get_default_dtype())
        elif isinstance(v, builtins.complex):
            kinds.add(_dt.get_default_complex_dtype())
        elif hasattr(v, "dtype"):
            kinds.add(host_dtype(_np().asarray(v)))
        else:
            raise TypeError(f"Could not infer dtype of {type(v).__name__}")

    walk(data)
    if not kinds:
        return _dt.get_default_dtype()
    out = None
    for k in kinds:
        out = k if out is None else _dt.promote_types(out, k)
    assert out is not None
    return out


def _to_host(data: Any, dtype: _dt.dtype | None) -> tuple[Any, _dt.dtype]:
    np = _np()
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        arr = np.asarray(data)
        dt = dtype or host_dtype(arr)
        return arr, dt
    if hasattr(data, "__array__") and not isinstance(data, (list, tuple, Tensor)):
        arr = np.asarray(data)
        return arr, dtype or host_dtype(arr)
    _nested_shape(data)
    dt = dtype or _infer_dtype(data)

    def plain(v: Any) -> Any:
        if isinstance(v, Tensor):
            return v.tolist()
        if isinstance(v, (list, tuple, range)):
            return [plain(x) for x in v]
        return v

    if dt in _IRANGE:
        return _int_host(plain(data), dt), dt
    arr = np.array(plain(data), dtype=_host_np_dtype(dt))
    return arr, dt


def _int_host(values: Any, dt: _dt.dtype) -> Any:
    """Python numbers as a host array of the integer dtype ``dt``, refused as PyTorch does (its RuntimeError)
    where one is outside ``dt``'s range: floats (NaN, inf) must lie within it, ints may go down to -max (they
    wrap, as ``-1`` into uint8 is 255)."""
    np = _np()
    raw = np.array(values)
    lo, hi = _IRANGE[dt]
    if raw.dtype == object:  # ints past int64
        flat = raw.ravel().tolist()
        raw = np.array([checked_convert(v, dt) if not isinstance(v, _FLOAT) else v for v in flat]).reshape(raw.shape)
    if raw.size and raw.dtype.kind in "fiu":
        with np.errstate(invalid="ignore"):
            ok = (raw >= lo) & (raw <= hi) if raw.dtype.kind == "f" else (raw >= (lo or -hi)) & (raw <= hi)
        if not ok.all():
            raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
    return raw.astype(dt.name)


def _host_np_dtype(dt: _dt.dtype) -> Any:
    if dt is _dt.bfloat16:
        import ml_dtypes

        return ml_dtypes.bfloat16
    return dt.name


def tensor(data: Any, *, dtype: _dt.dtype | None = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor (always a copy) from a list, tuple, range, scalar, NumPy array or tensor."""
    if isinstance(data, Tensor):
        import warnings

        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() or "
                      "sourceTensor.clone().detach().requires_grad_(True), rather than ember.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        out = data.detach().clone().to(device=device if device is not None else data.device, dtype=dtype)
        if requires_grad:
            out.requires_grad_(True)
        return out
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    if dtype is not None and not isinstance(dtype, _dt.dtype):
        raise TypeError(f"tensor(): argument 'dtype' must be ember.dtype, not {type(dtype).__name__}")
    arr, dt = _to_host(data, dtype)
    dev = canon_device(device)
    check_dtype(dev._be, dt)
    if str(arr.dtype) != dt.name:
        arr = arr.astype(_host_np_dtype(dt))
    else:
        arr = arr.copy()
    return _finish(dev._be.from_host(arr, dev.index), dt, dev, requires_grad)


def as_tensor(data: Any, dtype: _dt.dtype | None = None, device: Any = None) -> Tensor:
    """A tensor sharing memory with ``data`` when possible (same dtype and device), else a copy."""
    if isinstance(data, Tensor):
        return data.to(device=device if device is not None else data.device, dtype=dtype or data.dtype)
    np = _np()
    if isinstance(data, np.ndarray):
        dev = canon_device(device)
        dt = dtype or host_dtype(data)
        arr = data if str(data.dtype) == dt.name else data.astype(_host_np_dtype(dt))
        return _wrap(dev._be.from_host(arr, dev.index), dt, dev)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray: Any) -> Tensor:
    """A CPU tensor sharing memory with a NumPy array."""
    np = _np()
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dt = host_dtype(ndarray)
    dev = canon_device("cpu")
    return _wrap(dev._be.from_host(ndarray, None), dt, dev)


def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing memory with any DLPack-capable array (on the matching device)."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    dev_type, dev_id = ext_tensor.__dlpack_device__() if hasattr(ext_tensor, "__dlpack_device__") else (1, 0)
    dev = canon_device("cpu" if _INT(dev_type) == 1 else f"cuda:{dev_id}")
    data = dev._be.from_dlpack(ext_tensor, dev.index)
    np_like = dev._be.to_host(data) if dev.type == "cpu" else None
    dt = host_dtype(np_like) if np_like is not None else _dt.by_name[str(data.dtype)]
    return _wrap(data, dt, dev)


def _size_kw(fn: str, size: Sequence[Any], kwargs: dict[str, Any]) -> Sequence[Any]:
    """``size`` given positionally (``zeros(2, 3)``) or as PyTorch's keyword (``zeros(size=(2, 3))``)."""
    if "size" in kwargs:
        if size:
            raise TypeError(f"{fn}() got multiple values for argument 'size'")
        size = (kwargs.pop("size"),)
    if kwargs:
        raise TypeError(f"{fn}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    return size


def with_out(out: Tensor | None, dtype: Any, device: Any) -> tuple[Any, Any]:
    """A factory's dtype and device given ``out=``: ``out``'s own unless named; a named dtype must be ``out``'s."""
    if out is None:
        return dtype, device
    if not isinstance(out, Tensor):
        raise TypeError(f"out must be a Tensor, not {type(out).__name__}")
    if dtype is not None and dtype is not out.dtype:
        raise RuntimeError(f"dtype {type_name(dtype)} does not match dtype of out parameter ({type_name(out.dtype)})")
    return out.dtype, device if device is not None else out.device


def _filled(kind: str, size: Sequence[Any], dtype: Any, device: Any, requires_grad: bool, fill: Any = None) -> Tensor:
    shape = _size(size, kind)
    dt, dev = _resolve(dtype, device)
    check_alloc(shape, dt, dev)
    be = dev._be
    try:
        if kind == "full":
            data = be.full(shape, checked_convert(fill, dt), dt, dev.index)
        else:
            data = getattr(be, kind)(shape, dt, dev.index)
    except MemoryError as e:
        raise alloc_error(_nbytes(shape, dt), dev, e) from None
    return _finish(data, dt, dev, requires_grad)


def zeros(*size: Any, out: Tensor | None = None, dtype: _dt.dtype | None = None, layout: Any = None,
          device: Any = None, requires_grad: bool = False, **kwargs: Any) -> Tensor:
    """A tensor of zeros of shape ``size``."""
    dtype, device = with_out(out, dtype, device)
    return handle_out(_filled("zeros", _size_kw("zeros", size, kwargs), dtype, device, requires_grad), out)


def ones(*size: Any, out: Tensor | None = None, dtype: _dt.dtype | None = None, layout: Any = None,
         device: Any = None, requires_grad: bool = False, **kwargs: Any) -> Tensor:
    """A tensor of ones of shape ``size``."""
    dtype, device = with_out(out, dtype, device)
    return handle_out(_filled("ones", _size_kw("ones", size, kwargs), dtype, device, requires_grad), out)


def empty(*size: Any, out: Tensor | None = None, dtype: _dt.dtype | None = None, layout: Any = None,
          device: Any = None, requires_grad: bool = False, pin_memory: bool = False,
          memory_format: Any = None, **kwargs: Any) -> Tensor:
    """An uninitialized tensor of shape ``size``."""
    dtype, device = with_out(out, dtype, device)
    return handle_out(_filled("empty", _size_kw("empty", size, kwargs), dtype, device, requires_grad), out)


def full(size: Sequence[int], fill_value: Any, *, out: Tensor | None = None, dtype: _dt.dtype | None = None,
         layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred from it)."""
    if isinstance(size, _INT) or not isinstance(size, (tuple, list, Size)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    dtype, device = with_out(out, dtype, device)
    if dtype is None:
        dtype = _dt.scalar_dtype(fill_value) if not isinstance(fill_value, Tensor) else fill_value.dtype
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return handle_out(_filled("full", (tuple(size),), dtype, device, requires_grad, fill_value), out)


def _like(input: Tensor, dtype: Any, device: Any) -> tuple[Any, Any]:
    return (dtype or input.dtype), (device if device is not None else input.device)


def zeros_like(input: Tensor, *, dtype: _dt.dtype | None = None, layout: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Zeros with ``input``'s shape, dtype and device."""
    dt, dev = _like(input, dtype, device)
    return zeros(input._data.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype: _dt.dtype | None = None, layout: Any = None, device: Any = None,
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Ones with ``input``'s shape, dtype and device."""
    dt, dev = _like(input, dtype, device)
    return ones(input._data.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def empty_like(input: Tensor, *, dtype: _dt.dtype | None = None, layout: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Uninitialized with ``input``'s shape, dtype and device."""
    dt, dev = _like(input, dtype, device)
    return empty(input._data.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: _dt.dtype | None = None, layout: Any = None,
              device: Any = None, requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """``fill_value`` with ``input``'s shape, dtype and device."""
    dt, dev = _like(input, dtype, device)
    return full(input._data.shape, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


def eye(n: int, m: int | None = None, *, k: int = 0, out: Tensor | None = None, dtype: _dt.dtype | None = None,
        layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A 2-d tensor with ones on the diagonal."""
    for name, v in (("n", n), ("m", m)):
        if v is not None and (isinstance(v, (_BOOL, _FLOAT)) or not hasattr(v, "__index__")):
            raise TypeError(f"eye(): argument '{name}' must be int, not {type(v).__name__}")
    dtype, device = with_out(out, dtype, device)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    m = n if m is None else m
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    dt, dev = _resolve(dtype, device)
    check_alloc((n, m), dt, dev)
    try:
        data = dev._be.eye(n, m, dt, dev.index) if k == 0 else dev._be.tril(dev._be.triu(
            dev._be.ones((n, m), dt, dev.index), k), k)
    except MemoryError as e:
        raise alloc_error(_nbytes((n, m), dt), dev, e) from None
    return handle_out(_finish(data, dt, dev, requires_grad), out)


def arange(start: Any = 0, end: Any = None, step: Any = 1, *, out: Tensor | None = None,
           dtype: _dt.dtype | None = None, layout: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    dtype, device = with_out(out, dtype, device)
    if dtype is None:
        dtype = _dt.int64 if all(isinstance(v, _INT) for v in vals) else _dt.get_default_dtype()
    dt, dev = _resolve(dtype, device)
    if dt.is_complex or dt is _dt.bool:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{type_name(dt)}'")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = max(0, math.ceil((end - start) / step))
    check_alloc((n,), dt, dev)
    if dt.is_floating_point:  # computed in float64 on the host first
        check_alloc((n,), _dt.float64, canon_device("cpu"))
    try:
        if dt.is_floating_point:
            np = _np()
            # PyTorch computes start + step * i in the accumulate type: float32 for the half types, else double
            acc = np.float32 if dt in (_dt.float16, _dt.bfloat16) else np.float64
            host = (acc(start) + acc(step) * np.arange(n, dtype=acc)).astype(_host_np_dtype(dt))
            data = dev._be.from_host(host, dev.index)
        else:
            # computed in int64 and wrapped into the dtype, as PyTorch's arange(-3, 3, dtype=uint8) is
            data = dev._be.astype(dev._be.arange(start, start + n * step if n else start, step, _dt.int64, dev.index),
                                  dt)
    except MemoryError as e:
        raise alloc_error(_nbytes((n,), dt), dev, e) from None
    return handle_out(_finish(data, dt, dev, requires_grad), out)


def range_(start: Any = 0, end: Any = None, step: Any = 1, *, out: Tensor | None = None,
           dtype: _dt.dtype | None = None, layout: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Deprecated inclusive ``arange`` (``ember.range``), returning the default float dtype."""
    if end is None:
        start, end = 0, start
    dtype, device = with_out(out, dtype, device)
    dt = dtype or _dt.get_default_dtype()
    if dt is _dt.bool:
        raise NotImplementedError("\"range_cpu\" not implemented for 'Bool'")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    # PyTorch's size: floor((end - start) / step) + 1, computed in double
    n = _INT(math.floor((end - start) / step)) + 1
    return handle_out(arange(start, start + n * step, step, dtype=dt, device=device, requires_grad=requires_grad),
                      out)


def linspace(start: Any, end: Any, steps: int, *, out: Tensor | None = None, dtype: _dt.dtype | None = None,
             layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    _check_steps(steps, "linspace")
    dtype, device = with_out(out, dtype, device)
    dt, dev = _resolve(dtype, device)
    if dt is _dt.bool:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    check_alloc((steps,), dt, dev)
    # the values are computed in float64 on the host first, so that buffer must fit there too
    check_alloc((steps,), _dt.float64, canon_device("cpu"))
    np = _np()
    try:
        host = np.linspace(float(start), float(end), steps, dtype="float64")
        if steps > 1:
            # PyTorch fills the second half from the end, making the sequence symmetric
            step = (float(end) - float(start)) / (steps - 1)
            half = steps // 2
            idx = np.arange(steps)
            host = np.where(idx < half, float(start) + step * idx, float(end) - step * (steps - idx - 1))
        if dt._category < 2:
            host = np.trunc(host)
        data = dev._be.from_host(host.astype(_host_np_dtype(dt)), dev.index)
    except MemoryError as e:
        raise alloc_error(_nbytes((steps,), dt), dev, e) from None
    return handle_out(_finish(data, dt, dev, requires_grad), out)


def _check_steps(steps: Any, fn: str) -> None:
    if isinstance(steps, (_BOOL, _FLOAT)) or not hasattr(steps, "__index__"):
        raise TypeError(f"{fn}(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, out: Tensor | None = None,
             dtype: _dt.dtype | None = None, layout: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    _check_steps(steps, "logspace")
    dtype, device = with_out(out, dtype, device)
    dt, dev = _resolve(dtype, device)
    if dt is _dt.bool:
        raise NotImplementedError("\"logspace_cpu\" not implemented for 'Bool'")
    check_alloc((steps,), dt, dev)
    np = _np()
    exps = linspace(start, end, steps, dtype=_dt.float64, device="cpu").numpy()
    with np.errstate(over="ignore"):  # past the dtype's range is inf, silently, as in PyTorch
        host = np.power(float(base), exps).astype(_host_np_dtype(dt))
    return handle_out(_finish(dev._be.from_host(host, dev.index), dt, dev, requires_grad), out)


def _legacy_new(dtype: _dt.dtype, args: tuple[Any, ...], device: Any = None) -> Tensor:
    """``Tensor(2, 3)`` (uninitialized) or ``Tensor([1, 2])`` (from data), as PyTorch's legacy constructor."""
    if not args:
        return empty(0, dtype=dtype, device=device)
    if len(args) == 1 and not isinstance(args[0], _INT):
        data = args[0]
        if isinstance(data, Tensor):
            return data.to(dtype)
        from ..tensor import Size

        if isinstance(data, Size):
            return empty(tuple(data), dtype=dtype, device=device)
        return tensor(data, dtype=dtype, device=device)
    if all(isinstance(a, _INT) for a in args):
        return empty(args, dtype=dtype, device=device)
    raise TypeError(f"new() received an invalid combination of arguments - got {tuple(type(a).__name__ for a in args)}")


def _typed(dtype: _dt.dtype, name: str) -> type:
    class _Meta(type):
        def __call__(cls, *args: Any, **kwargs: Any) -> Tensor:
            return _legacy_new(dtype, args, kwargs.get("device"))

        def __instancecheck__(cls, obj: Any) -> bool:
            return isinstance(obj, Tensor) and obj.dtype is dtype and obj.device.type == "cpu"

    return _Meta(name, (), {"__doc__": f"Legacy constructor of {dtype!r} CPU tensors (``ember.{name}``)."})


FloatTensor = _typed(_dt.float32, "FloatTensor")
DoubleTensor = _typed(_dt.float64, "DoubleTensor")
HalfTensor = _typed(_dt.float16, "HalfTensor")
BFloat16Tensor = _typed(_dt.bfloat16, "BFloat16Tensor")
IntTensor = _typed(_dt.int32, "IntTensor")
LongTensor = _typed(_dt.int64, "LongTensor")
ShortTensor = _typed(_dt.int16, "ShortTensor")
CharTensor = _typed(_dt.int8, "CharTensor")
ByteTensor = _typed(_dt.uint8, "ByteTensor")
BoolTensor = _typed(_dt.bool, "BoolTensor")


def _rebuild(arr: Any, device: str, requires_grad: bool) -> Tensor:
    """Unpickle a tensor (see ``Tensor.__reduce_ex__``)."""
    t = as_tensor(arr, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


# -- Tensor.new_* ---------------------------------------------------------------------------------

def new_tensor(self: Tensor, data: Any, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """A new tensor from ``data`` with ``self``'s dtype and device by default."""
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def new_zeros(self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``self``'s dtype and device."""
    return zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def new_ones(self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``self``'s dtype and device."""
    return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def new_empty(self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uninitialized with ``self``'s dtype and device."""
    return empty(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def new_full(self: Tensor, size: Sequence[int], fill_value: Any, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``fill_value`` with ``self``'s dtype and device."""
    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)
