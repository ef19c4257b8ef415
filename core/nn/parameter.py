"""``nn.Parameter`` (a tensor a ``Module`` registers as a parameter), ``nn.Buffer``, and the lazy modules'
``UninitializedParameter``/``UninitializedBuffer`` (shape unknown until ``materialize``)."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor, _TensorMeta

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "UninitializedTensorMixin"]


class Parameter(Tensor):
    """Parameter(data=None, requires_grad=True): a Tensor that is a module parameter.

    Assigning a Parameter as a ``Module`` attribute registers it (it shows up in
    ``parameters()``); it shares memory with ``data`` and is a leaf even if ``data`` is not.

    Example::

        >>> p = nn.Parameter(ember.zeros(2))
        >>> p
        Parameter containing:
        tensor([0., 0.], requires_grad=True)
    """

    _is_param = True

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            from ..ops.creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not {type(data).__name__}")
        p = object.__new__(cls)
        p._data = data._data
        p.dtype = data.dtype
        p._device = data._device
        if data._backend().mutable:
            # Same storage, so share the version counter too: in-place writes through either are
            # seen by autograd's saved-tensor checks.
            vc = data._vc
            if vc is None:
                vc = data._vc = [0]
            p._vc = vc
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __repr__(self, *, tensor_contents: Any = None) -> str:  # type: ignore[override]
        out = super().__repr__()
        # The printer already prefixes tensors flagged ``_is_param``; add it only if it did not.
        return out if out.startswith("Parameter containing:") else "Parameter containing:\n" + out

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        out = type(self)(self.data.clone(), self.requires_grad)  # type: ignore[attr-defined]
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, proto: Any) -> Any:
        # Pickling (DataLoader workers, multiprocessing, copy) goes through host memory.
        return (_rebuild_parameter, (self.numpy(force=True), str(self._device), self.requires_grad))


def _rebuild_parameter(arr: Any, device: str, requires_grad: bool) -> Parameter:
    """Unpickle a Parameter (see ``Parameter.__reduce_ex__``)."""
    from ..ops.creation import as_tensor

    return Parameter(as_tensor(arr, device=device), requires_grad)


class _BufferMeta(_TensorMeta):
    # ``isinstance(t, Buffer)`` holds for any tensor flagged ``_is_buffer`` (``Buffer(...)`` returns a
    # plain Tensor), as in PyTorch.
    def __instancecheck__(cls, instance: Any) -> bool:
        if cls is Buffer and isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False):
            return True
        return type.__instancecheck__(cls, instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Buffer(data=None, *, persistent=True): mark a tensor as a module buffer; assigning it as a ``Module``
    attribute registers it (with ``persistent``), as ``register_buffer`` does.

    Example::

        >>> m = nn.Module()
        >>> m.steps = nn.Buffer(ember.zeros(1))
        >>> list(m.state_dict())
        ['steps']
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Any:  # type: ignore[misc]
        if data is None:
            from ..ops.creation import empty

            data = empty(0)
        t: Any = data.detach().requires_grad_(data.requires_grad)  # type: ignore[attr-defined]
        t.persistent = persistent
        t._is_buffer = True
        return t


_UNINIT_MSG = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
               "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
               "`forward` to initialize the parameters before accessing their attributes.")


def _uninit_use_msg(t: Any, method: str) -> str:
    kind = "parameter" if isinstance(t, Parameter) else "buffer"
    return (f"Attempted to use an uninitialized {kind} in <method '{method}' of 'ember.Tensor' objects>. This "
            f"error happens when you are using a `LazyModule` or explicitly manipulating "
            f"`ember.nn.parameter.Uninitialized{kind.capitalize()}` objects. When using LazyModules Call `forward` "
            "with a dummy batch to initialize the parameters before calling ember functions")


class UninitializedTensorMixin:
    """What ``UninitializedParameter`` and ``UninitializedBuffer`` share: no shape until ``materialize``."""

    cls_to_become: type

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Allocate the tensor (uninitialized values) with ``shape`` and become a ``cls_to_become``."""
        from ..ops.creation import empty

        me: Any = self
        if device is None:
            device = me._device
        if dtype is None:
            dtype = me.dtype
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        data = empty(shape, device=device, dtype=dtype)
        me._data = data._data
        me.dtype = data.dtype
        me._device = data._device
        me.__class__ = self.cls_to_become

    @property
    def shape(self) -> Any:
        raise RuntimeError(_UNINIT_MSG)

    def numel(self) -> int:
        """Unavailable until materialized."""
        raise ValueError(_uninit_use_msg(self, "numel"))

    def dim(self) -> int:
        """Unavailable until materialized."""
        raise ValueError(_uninit_use_msg(self, "dim"))

    def __repr__(self, *, tensor_contents: Any = None) -> str:
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, proto: Any) -> Any:
        return (self.__class__, (self.requires_grad,))  # type: ignore[attr-defined]


def is_lazy(param: Any) -> bool:
    """Whether ``param`` is an uninitialized parameter or buffer."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):  # type: ignore[misc]
    """UninitializedParameter(requires_grad=True, device=None, dtype=None): a parameter whose shape is not
    known yet (lazy modules); ``materialize(shape)`` turns it into a ``Parameter``."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> UninitializedParameter:
        from ..ops.creation import empty

        p = Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)
        return p  # type: ignore[return-value]

    def __deepcopy__(self, memo: dict[int, Any]) -> UninitializedParameter:
        if id(self) in memo:
            return memo[id(self)]  # type: ignore[no-any-return]
        out = type(self)(self.requires_grad, self._device, self.dtype)
        memo[id(self)] = out
        return out


class UninitializedBuffer(UninitializedTensorMixin, Tensor):  # type: ignore[misc]
    """UninitializedBuffer(requires_grad=False, device=None, dtype=None, persistent=True): a buffer whose shape
    is not known yet (lazy modules); ``materialize(shape)`` turns it into a plain Tensor."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device: Any = None, dtype: Any = None,
                persistent: bool = True) -> UninitializedBuffer:
        from ..ops.creation import empty

        data = empty(0, device=device, dtype=dtype)
        t: Any = object.__new__(cls)
        t._data = data._data
        t.dtype = data.dtype
        t._device = data._device
        if requires_grad:
            t.requires_grad_(True)  # type: ignore[attr-defined]
        t.persistent = persistent
        t._is_buffer = True
        return t

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass
