"""Storage-level Tensor methods: resize_/resize_as_, set_, as_subclass, the legacy ``new`` constructors,
apply_/map_/map2_ (CPU callables) and the honest storage queries (data_ptr, storage_offset, is_shared,
is_pinned, pin_memory, share_memory_)."""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from . import arrange as A
from . import elementwise as E
from ._dispatch import bump_version, check_inplace
from .creation import zeros
from .index_extra import _size_args
from .inplace_forms import _top_inplace


def resize_(self: Tensor, *sizes: Any, memory_format: Any = None) -> Tensor:
    """Resize in place to ``sizes``: the leading elements keep their row-major order, new ones are zero."""
    shape = _size_args(sizes)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {builtins.min(shape)}: {list(shape)}")
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    if self._base is not None and tuple(shape) != tuple(self.shape):
        raise RuntimeError("cannot resize a view of another tensor: call resize_ on a tensor that owns its storage")
    check_inplace(self)
    need = math.prod(shape)
    with E._no_grad():
        flat = self.reshape(-1)  # type: ignore[attr-defined]
        have = flat.shape[0]
        if need <= have:
            new = flat[:need]  # type: ignore[index]
        else:
            new = A.cat([flat, zeros((need - have,), dtype=self.dtype, device=self.device)], 0)
        new = new.reshape(shape).clone()  # type: ignore[attr-defined]
    self._data = new._data
    bump_version(self)
    return self


def resize_as_(self: Tensor, the_template: Tensor, *, memory_format: Any = None) -> Tensor:
    """``self.resize_(the_template.shape)``."""
    return resize_(self, tuple(the_template.shape))


def new(self: Tensor, *args: Any, device: Any = None) -> Tensor:
    """The legacy constructor with ``self``'s dtype and device: ``x.new(2, 3)``, ``x.new([1, 2])``."""
    from .creation import _legacy_new

    return _legacy_new(self.dtype, args, device if device is not None else self.device)


def new_empty_strided(self: Tensor, size: Sequence[int], stride: Sequence[int], *, dtype: Any = None,
                      device: Any = None, requires_grad: bool = False, **kwargs: Any) -> Tensor:
    """``new_empty(size)`` (ember tensors are contiguous; ``stride`` is accepted and not kept)."""
    from .creation import new_empty

    return new_empty(self, tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


# ---------------------------------------------------------------------------------------------
# CPU callables and storage queries


def _check_cpu_callable(self: Tensor, fn: str) -> None:
    if self._device.type != "cpu":
        raise TypeError(f"{fn} is only implemented on CPU tensors")
    if self.requires_grad:
        raise RuntimeError(f"Can't call {fn}() on Variable that requires grad. Use var.detach().{fn}() instead.")


def _write_values(self: Tensor, values: list[Any]) -> Tensor:
    from .creation import tensor as mk

    new = mk(values, dtype=self.dtype, device=self.device).reshape(self.shape)  # type: ignore[attr-defined]
    from ._dispatch import write

    write(self, new._data)
    return self


def apply_(self: Tensor, callable: Callable[[Any], Any]) -> Tensor:  # noqa: A002
    """Replace each element by ``callable(element)`` in place (CPU only, slow: one Python call each)."""
    _check_cpu_callable(self, "apply_")
    check_inplace(self)
    return _write_values(self, [callable(v) for v in self.reshape(-1).tolist()])  # type: ignore[attr-defined]


def map_(self: Tensor, tensor: Tensor, callable: Callable[[Any, Any], Any]) -> Tensor:  # noqa: A002
    """``self[i] = callable(self[i], tensor[i])`` in place, ``tensor`` broadcast to ``self`` (CPU only)."""
    _check_cpu_callable(self, "map_")
    check_inplace(self)
    other = tensor.expand(self.shape).reshape(-1).tolist()  # type: ignore[attr-defined]
    return _write_values(self, [callable(a, b) for a, b in zip(self.reshape(-1).tolist(), other)])  # type: ignore[attr-defined]


def map2_(self: Tensor, x: Tensor, y: Tensor, callable: Callable[[Any, Any, Any], Any]) -> Tensor:  # noqa: A002
    """``self[i] = callable(self[i], x[i], y[i])`` in place, ``x``/``y`` broadcast to ``self`` (CPU only)."""
    _check_cpu_callable(self, "map2_")
    check_inplace(self)
    xs = x.expand(self.shape).reshape(-1).tolist()  # type: ignore[attr-defined]
    ys = y.expand(self.shape).reshape(-1).tolist()  # type: ignore[attr-defined]
    return _write_values(self, [callable(a, b, c) for a, b, c in zip(self.reshape(-1).tolist(), xs, ys)])  # type: ignore[attr-defined]


def _pointer(data: Any) -> int:
    iface = getattr(data, "__array_interface__", None) or getattr(data, "__cuda_array_interface__", None)
    if iface is not None:
        return int(iface["data"][0])
    ptr = getattr(data, "unsafe_buffer_pointer", None)
    if ptr is not None:
        try:
            return int(ptr())
        except Exception:  # noqa: BLE001 - a backend may refuse (e.g. a sharded array): no address to give
            return 0
    return 0


def data_ptr(self: Tensor) -> int:
    """Address of the first element in the backend's memory (0 where the backend exposes none)."""
    return _pointer(self._data) if self.numel() else 0


def const_data_ptr(self: Tensor) -> int:
    """``data_ptr()`` (ember does not distinguish read-only access)."""
    return data_ptr(self)


def storage_offset(self: Tensor) -> int:
    """Offset in elements of this view's first element from its base's storage (0 for a base tensor)."""
    base = self._base
    if base is None or not self.numel():
        return 0
    p, b = _pointer(self._data), _pointer(base._data)
    if not p or not b:
        return 0
    return (p - b) // self.dtype.itemsize


def is_shared(self: Tensor) -> bool:
    """False: ember tensors live in process-private memory (no shared-memory storage)."""
    return False


def share_memory_(self: Tensor) -> Tensor:
    """Not supported: ember has no shared-memory storage to move the tensor into."""
    raise RuntimeError("share_memory_ is not supported by ember: tensors live in process-private memory; "
                       "DataLoader workers send batches by pickling instead")


def is_pinned(self: Tensor, device: Any = None) -> bool:
    """False: ember does not allocate page-locked host memory."""
    return False


def pin_memory(self: Tensor, device: Any = None) -> Tensor:
    """Page-locked copy for fast accelerator transfer; needs an accelerator (CUDA), as in PyTorch."""
    from ..plugins import registered_backends, unavailable_reason

    be = registered_backends().get("cuda")
    if be is None or unavailable_reason(be):
        raise RuntimeError("Cannot access accelerator device when none is available.")
    return self.clone()  # type: ignore[attr-defined, no-any-return]


def set_(self: Tensor, source: Any = None, storage_offset: int = 0, size: Sequence[int] | None = None,
         stride: Sequence[int] | None = None) -> Tensor:
    """Make ``self`` share ``source``'s data (or become empty): writes through one show in the other.

    A ``size`` must describe a row-major run of ``source``'s elements from ``storage_offset`` (ember's backends
    expose no strided storage); ``torch.Storage`` sources are not supported."""
    check_inplace(self)
    if source is None:
        self._data = zeros((0,), dtype=self.dtype, device=self.device)._data
        bump_version(self)
        return self
    if not isinstance(source, Tensor):
        raise TypeError(f"set_(): source must be a Tensor in ember (Storage objects are not supported), not "
                        f"{type(source).__name__}")
    if not self._device._be.mutable or not source._device._be.mutable:
        raise RuntimeError(f"set_(source) is not supported on the {source._device.type} backend: its arrays are "
                           "immutable, so two tensors cannot share storage; use x = source (or source.view(...))")
    if source.dtype is not self.dtype:
        raise RuntimeError(f"Could not set tensor of type {_c_name(source.dtype)} to a tensor of type "
                           f"{_c_name(self.dtype)}")
    if size is None:
        self._data = source._data
    else:
        shape = tuple(size)
        row_major = [1] * len(shape)
        for k in range(len(shape) - 2, -1, -1):
            row_major[k] = row_major[k + 1] * shape[k + 1]
        if stride is not None and tuple(stride) != tuple(row_major) and math.prod(shape) > 1:
            raise RuntimeError("set_: ember can only alias a row-major run of elements; strides "
                               f"{list(stride)} for size {list(shape)} are not supported")
        n = math.prod(shape)
        flat = source.reshape(-1)  # type: ignore[attr-defined]
        if storage_offset + n > flat.shape[0]:
            raise RuntimeError(f"set_: size {list(shape)} with storage offset {storage_offset} needs "
                               f"{storage_offset + n} elements but the source has {flat.shape[0]}")
        self._data = flat[storage_offset: storage_offset + n].reshape(shape)._data  # type: ignore[index]
    bump_version(self)
    return self


_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long", "int32": "int", "int16": "short", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _c_name(d: _dt.dtype) -> str:
    return _C_NAMES.get(d.name, d.name)


def as_subclass(self: Tensor, cls: type) -> Tensor:
    """``self`` viewed as an instance of the Tensor subclass ``cls`` (same data, same autograd history)."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError("Creating a Tensor subclass from a class that does not inherit from Tensor is not possible. "
                        "Make sure your class inherits from Tensor.")
    r = self.view_as(self)  # type: ignore[attr-defined]
    r.__class__ = cls
    return r  # type: ignore[no-any-return]


resize_as__ = _top_inplace("resize_as_")

METHODS: dict[str, Callable[..., Any]] = {
    "resize_": resize_, "resize_as_": resize_as_, "new": new, "new_empty_strided": new_empty_strided,
    "apply_": apply_, "map_": map_, "map2_": map2_, "data_ptr": data_ptr, "const_data_ptr": const_data_ptr,
    "storage_offset": storage_offset, "is_shared": is_shared, "share_memory_": share_memory_,
    "is_pinned": is_pinned, "pin_memory": pin_memory, "set_": set_, "as_subclass": as_subclass,
}
