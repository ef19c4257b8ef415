"""The Tensor class: a backend array, its dtype and device, and its autograd state.

Math and shape methods are bound from :mod:`ember.ops` (see ``ops/_methods.py``); this file holds
the state, the autograd entry points and conversions.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from . import dtypes as _dt
from .autograd.grad_mode import GRAD
from .device import device as _device_cls

if TYPE_CHECKING:
    from .autograd.graph import Node

__all__ = ["Tensor", "Size"]


class Size(tuple):
    """``ember.Size``: the shape of a tensor, a tuple of ints."""

    def __repr__(self) -> str:
        return f"ember.Size([{', '.join(str(s) for s in self)}])"

    def numel(self) -> int:
        """Number of elements of a tensor of this shape."""
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key: Any) -> Any:
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other: Any) -> Size:
        return Size(tuple.__add__(self, tuple(other)))


_TYPE_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
    "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
    "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
    "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor",
}

_new = object.__new__


class _TensorMeta(type):
    # NOTE: PyTorch accepts `isinstance(p, Tensor)` for Parameters and `Tensor(2, 3)`; the
    # metaclass routes `Tensor(...)` calls to the legacy constructor.
    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Tensor:
            from .ops.creation import _legacy_new

            return _legacy_new(_dt.get_default_dtype(), args, kwargs.get("device"))
        return super().__call__(*args, **kwargs)


class Tensor(metaclass=_TensorMeta):
    """A multi-dimensional array on a device, with autograd; PyTorch's ``torch.Tensor``."""

    # State defaults live on the class so creating a tensor sets only three attributes.
    _data: Any
    dtype: _dt.dtype
    _device: _device_cls
    _rg = False
    grad_fn: Node | None = None
    _grad: Tensor | None = None
    _output_nr = 0
    _base: Tensor | None = None
    _view_fn: Callable[[Tensor], Tensor] | None = None
    _vc: list[int] | None = None
    _accum: Any = None
    _hooks: list[Callable[..., Any]] | None = None
    _retains_grad = False
    _is_param = False
    __array_priority__ = 1000  # so `ndarray + tensor` defers to Tensor.__radd__

    if TYPE_CHECKING:
        # Methods and operators are bound onto the class by ops/_methods.py at import time (one
        # table instead of ~400 hand-written wrappers); these declarations tell the type checker.
        def __getattr__(self, name: str) -> Any: ...
        def __setitem__(self, key: Any, value: Any) -> None: ...
        def __eq__(self, other: Any) -> Any: ...  # type: ignore[override]
        def __ne__(self, other: Any) -> Any: ...  # type: ignore[override]
        def __neg__(self) -> Tensor: ...
        def __pos__(self) -> Tensor: ...
        def __abs__(self) -> Tensor: ...
        def __invert__(self) -> Tensor: ...
        def __add__(self, other: Any) -> Tensor: ...
        def __radd__(self, other: Any) -> Tensor: ...
        def __sub__(self, other: Any) -> Tensor: ...
        def __rsub__(self, other: Any) -> Tensor: ...
        def __mul__(self, other: Any) -> Tensor: ...
        def __rmul__(self, other: Any) -> Tensor: ...
        def __truediv__(self, other: Any) -> Tensor: ...
        def __rtruediv__(self, other: Any) -> Tensor: ...
        def __floordiv__(self, other: Any) -> Tensor: ...
        def __rfloordiv__(self, other: Any) -> Tensor: ...
        def __mod__(self, other: Any) -> Tensor: ...
        def __rmod__(self, other: Any) -> Tensor: ...
        def __pow__(self, other: Any) -> Tensor: ...
        def __rpow__(self, other: Any) -> Tensor: ...
        def __matmul__(self, other: Any) -> Tensor: ...
        def __rmatmul__(self, other: Any) -> Tensor: ...
        def __and__(self, other: Any) -> Tensor: ...
        def __rand__(self, other: Any) -> Tensor: ...
        def __or__(self, other: Any) -> Tensor: ...
        def __ror__(self, other: Any) -> Tensor: ...
        def __xor__(self, other: Any) -> Tensor: ...
        def __rxor__(self, other: Any) -> Tensor: ...
        def __lshift__(self, other: Any) -> Tensor: ...
        def __rshift__(self, other: Any) -> Tensor: ...
        def __rlshift__(self, other: Any) -> Tensor: ...
        def __rrshift__(self, other: Any) -> Tensor: ...
        def __lt__(self, other: Any) -> Tensor: ...
        def __le__(self, other: Any) -> Tensor: ...
        def __gt__(self, other: Any) -> Tensor: ...
        def __ge__(self, other: Any) -> Tensor: ...
        def __iadd__(self, other: Any) -> Tensor: ...
        def __isub__(self, other: Any) -> Tensor: ...
        def __imul__(self, other: Any) -> Tensor: ...
        def __itruediv__(self, other: Any) -> Tensor: ...
        def __ifloordiv__(self, other: Any) -> Tensor: ...
        def __imod__(self, other: Any) -> Tensor: ...
        def __ipow__(self, other: Any) -> Tensor: ...
        def __imatmul__(self, other: Any) -> Tensor: ...
        def __iand__(self, other: Any) -> Tensor: ...
        def __ior__(self, other: Any) -> Tensor: ...
        def __ixor__(self, other: Any) -> Tensor: ...
        def __getitem__(self, other: Any) -> Tensor: ...

    # -- basic properties -----------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The tensor's shape as an ``ember.Size``."""
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of dimension ``dim``."""
        shape = self._data.shape
        if dim is None:
            return Size(shape)
        return shape[_wrap_dim(dim, len(shape))]

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    def dim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        """Number of elements."""
        n = 1
        for s in self._data.shape:
            n *= s
        return n

    nelement = numel

    @property
    def device(self) -> _device_cls:
        """The device the tensor lives on."""
        return self._device

    @property
    def is_cuda(self) -> bool:
        """Whether the tensor is on a CUDA device."""
        return self._device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        """Whether the tensor is on the CPU."""
        return self._device.type == "cpu"

    @property
    def is_xla(self) -> bool:
        """Whether the tensor is on an XLA device: ember's ``jax`` device (``xla`` is its alias)."""
        return self._device.type == "jax"

    # Device kinds ember has no backend for: PyTorch programs test these predicates, and the honest answer is
    # always False (a plugin backend with such a device type would report its own device.type).
    @property
    def is_xpu(self) -> bool:
        """Whether the tensor is on an Intel XPU (no ember backend: ``False`` unless a plugin serves ``xpu``)."""
        return self._device.type == "xpu"

    @property
    def is_mps(self) -> bool:
        """Whether the tensor is on Apple's MPS device (no ember backend: ``False``)."""
        return self._device.type == "mps"

    @property
    def is_meta(self) -> bool:
        """Whether the tensor is a meta tensor (shape only, no data): never in ember."""
        return self._device.type == "meta"

    @property
    def is_ipu(self) -> bool:
        """Whether the tensor is on a Graphcore IPU: ``False``."""
        return self._device.type == "ipu"

    @property
    def is_maia(self) -> bool:
        """Whether the tensor is on a MAIA device: ``False``."""
        return self._device.type == "maia"

    @property
    def is_mtia(self) -> bool:
        """Whether the tensor is on an MTIA device: ``False``."""
        return self._device.type == "mtia"

    @property
    def is_vulkan(self) -> bool:
        """Whether the tensor is on a Vulkan device: ``False``."""
        return self._device.type == "vulkan"

    @property
    def is_quantized(self) -> bool:
        """Whether the tensor is quantized: never in ember (quantization is out of scope)."""
        return False

    @property
    def is_mkldnn(self) -> bool:
        """Whether the tensor uses oneDNN's layout: never in ember."""
        return False

    @property
    def is_nested(self) -> bool:
        """Whether the tensor is a nested (jagged) tensor: never in ember."""
        return False

    @property
    def itemsize(self) -> int:
        """Size of one element in bytes (``element_size()``)."""
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes the elements take: ``numel() * itemsize``."""
        return self.numel() * self.dtype.itemsize

    def element_size(self) -> int:
        """Size of one element in bytes."""
        return self.dtype.itemsize

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating point type."""
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        """Whether the dtype is a complex type (``complex64`` or ``complex128``)."""
        return self.dtype.is_complex

    def type(self, dtype: Any = None) -> Any:
        """With no argument the legacy type name (``'ember.FloatTensor'``); else cast to ``dtype``."""
        if dtype is None:
            return "ember." + _TYPE_NAMES[self.dtype.name]
        if isinstance(dtype, str):
            name = dtype.rsplit(".", 1)[-1]
            for k, v in _TYPE_NAMES.items():
                if v == name:
                    dtype = _dt.by_name[k]
                    break
            else:
                raise RuntimeError(f"invalid type: '{dtype}'")
        return self.to(dtype)

    # -- autograd state -------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether gradients are computed for this tensor."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            if value:
                return
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if value and self.dtype._category < 2:
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._rg = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return ``self``."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (user-created or ``requires_grad=False``)."""
        return self.grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient (``None`` until a backward reaches this leaf)."""
        if self.grad_fn is not None and not self._retains_grad and self._grad is None and self._rg:
            import warnings

            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed want "
                "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
                "non-leaf Tensor.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value.dtype is not self.dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if value._device != self._device:
                raise RuntimeError("assigned grad has data located on a different device")
        self._grad = value

    @property
    def data(self) -> Tensor:
        """A tensor sharing storage with this one, outside of autograd."""
        return _detach_alias(self)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data
        self.dtype = value.dtype
        self._device = value._device

    @property
    def output_nr(self) -> int:
        """Which output of its ``grad_fn`` this tensor is."""
        return self._output_nr

    @property
    def _version(self) -> int:
        vc = self._vc
        return 0 if vc is None else vc[0]

    def retain_grad(self) -> None:
        """Populate ``.grad`` for this non-leaf tensor during backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        import weakref

        ref = weakref.ref(self)

        def hook(g: Tensor) -> None:
            t = ref()
            if t is not None:
                t._grad = g.detach().clone() if t._grad is None else t._grad + g.detach()

        self.grad_fn._add_pre_hook(self._output_nr, hook)
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf tensor."""
        return self._retains_grad

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Register ``hook(grad)`` called with this tensor's gradient; it may return a replacement."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_pre_hook(self._output_nr, hook)
        from .autograd.graph import _RemovableHandle

        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Accumulate the gradient of this tensor w.r.t. the graph leaves into their ``.grad``."""
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """A new tensor sharing storage, cut from the graph."""
        return _detach_alias(self)

    def detach_(self) -> Tensor:
        """Detach this tensor from the graph in place, making it a leaf."""
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._rg = False
        self._output_nr = 0
        return self

    # -- conversions ----------------------------------------------------------------------------
    def _backend(self) -> Any:
        return _backend_of(self._device)

    def numpy(self, *, force: bool = False) -> Any:
        """A NumPy array sharing memory on CPU (``force=True`` copies from other devices / detaches)."""
        if self._rg and not force and GRAD.enabled:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        return self._to_host(force)

    def _to_host(self, force: bool) -> Any:
        # accelerator memory needs an explicit .cpu() (or force), as in PyTorch; host-readable backends don't
        be = _backend_of(self._device)
        if self._device.type != "cpu" and not force and not be.host_numpy:
            raise TypeError(f"can't convert {self._device.type}:{self._device.index or 0} device type tensor to "
                            "numpy. Use Tensor.cpu() to copy the tensor to host memory first.")
        arr = be.to_host(self._data)
        if self._device.type != "cpu" and be.host_numpy and arr.flags.writeable:
            # NOTE: the array is the device tensor's host image (or a copy of it): a write into it would be
            # silently lost, so it is read-only and such a write raises NumPy's ValueError instead.
            arr = arr.view()
            arr.flags.writeable = False
        return arr

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        import numpy as np

        arr = self._to_host(False)
        if copy:
            return np.array(arr, dtype=dtype, copy=True)
        return arr if dtype is None else np.asarray(arr, dtype=dtype)

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        arr = _backend_of(self._device).to_host(self._data)
        return _py_scalar(arr.reshape(()).item() if hasattr(arr, "reshape") else arr, self.dtype)

    def tolist(self) -> Any:
        """The tensor as (nested) Python lists of Python numbers."""
        arr = _backend_of(self._device).to_host(self._data)
        if self.dtype is _dt.bfloat16:
            arr = arr.astype("float32")
        return arr.tolist()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))  # type: ignore[attr-defined]

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self.item())

    def __float__(self) -> float:
        return builtins.float(self.item())

    def __int__(self) -> int:
        return builtins.int(self.item())

    def __index__(self) -> int:
        if self.dtype._category >= 2 or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self, *, tensor_contents: Any = None) -> str:
        from ._tensor_str import tensor_repr

        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and spec:
            return self.item().__format__(spec)
        return object.__format__(repr(self), spec) if not spec else repr(self).__format__(spec)

    def __dlpack__(self, *args: Any, **kwargs: Any) -> Any:
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self) -> Any:
        return self._data.__dlpack_device__()

    def __reduce_ex__(self, proto: Any) -> Any:
        # Pickling (DataLoader workers, multiprocessing) goes through host memory.
        from .ops.creation import _rebuild

        return (_rebuild, (self.numpy(force=True), str(self._device), self._rg))

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment.")
        out = self.clone().detach()  # type: ignore[attr-defined]
        out._rg = self._rg
        if self._grad is not None:
            out._grad = self._grad.clone()  # type: ignore[attr-defined]
        memo[id(self)] = out
        return out


def _wrap(data: Any, dtype: _dt.dtype, device: _device_cls) -> Tensor:
    """Make a Tensor around a backend array (the hot path: three attribute stores)."""
    t = _new(Tensor)
    t._data = data
    t.dtype = dtype
    t._device = device
    return t


def _detach_alias(t: Tensor) -> Tensor:
    """A tensor object sharing ``t``'s array and version counter, without autograd history."""
    if not t._device._be.mutable:
        # immutable arrays: an alias must be a view so writes through either side are shared
        from .ops._immutable import identity_view, new_view

        vc = t._vc
        if vc is None:
            vc = t._vc = [0]
        base = t._base if t._base is not None else t
        fn = t._view_fn if t._base is not None else identity_view
        return new_view(t, t._data, base, fn, vc)
    out = _new(Tensor)
    out._data = t._data
    out.dtype = t.dtype
    out._device = t._device
    vc = t._vc
    if vc is None:
        vc = t._vc = [0]
    out._vc = vc
    return out


def _wrap_dim(dim: int, ndim: int) -> int:
    """Normalize a possibly negative dim, raising PyTorch's IndexError when out of range."""
    n = ndim if ndim > 0 else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def _py_scalar(v: Any, dtype: _dt.dtype) -> Any:
    if dtype is _dt.bool:
        return builtins.bool(v)
    if dtype.is_floating_point:
        return builtins.float(v)
    if dtype.is_complex:
        return builtins.complex(v)
    return builtins.int(v)


def _backend_of(dev: _device_cls) -> Any:
    from .ops._dispatch import backend_of

    return backend_of(dev)
