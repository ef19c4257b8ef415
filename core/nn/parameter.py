"""``nn.Parameter``: a tensor that a ``Module`` registers as one of its parameters."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor

__all__ = ["Parameter"]


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
