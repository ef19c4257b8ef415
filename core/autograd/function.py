"""Custom differentiable functions: ``ember.autograd.Function``."""

from __future__ import annotations

import functools
from typing import Any

from .grad_mode import GRAD
from .graph import Node, SavedTensor, edge


class FunctionCtx(Node):
    """The ``ctx`` passed to ``forward``/``backward``; it is also the graph node (``grad_fn``)."""

    _fn_cls: Any = None
    _out_meta: list[Any]
    _tensor_pos: tuple[int, ...]

    def __init__(self) -> None:
        self._to_save: tuple[Any, ...] = ()
        self._non_diff: set[int] = set()
        self._dirty: tuple[Any, ...] = ()
        self.materialize_grads = True
        self._input_needs: tuple[bool, ...] = ()

    def save_for_backward(self, *tensors: Any) -> None:
        """Save tensors (inputs or outputs) for use in ``backward``."""
        self._to_save = tensors

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:  # type: ignore[override]
        """One bool per ``forward`` argument: whether it needs a gradient."""
        return self._input_needs

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """Mark outputs that get no gradient (e.g. indices)."""
        self._non_diff.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors: Any) -> None:
        """Mark inputs modified in place by ``forward``."""
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Whether missing output gradients are passed to ``backward`` as zeros (default) or None."""
        self.materialize_grads = value

    def apply(self, grads: tuple[Any, ...]) -> tuple[Any, ...]:
        """Run the user's ``backward`` and keep the gradients of tensor inputs only."""
        if self.materialize_grads:
            from ..ops.creation import zeros

            grads = tuple(g if g is not None else zeros(shape, dtype=dt, device=dev)
                          for g, (shape, dt, dev) in zip(grads, self._out_meta))
        res = self._fn_cls.backward(self, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        n_args = len(self._input_needs)
        if len(res) != n_args:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected "
                               f"{n_args}, got {len(res)})")
        return tuple(res[i] for i in self._tensor_pos)

    def name(self) -> str:
        """The node's name as ``grad_fn`` shows it: the Function's class name plus ``Backward``."""
        return type(self).__name__


class _FunctionMeta(type):
    def __init__(cls, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> None:
        super().__init__(name, bases, ns)
        cls._backward_cls = type(name + "Backward", (FunctionCtx,), {"_fn_cls": cls})


class Function(metaclass=_FunctionMeta):
    """Base class for custom autograd ops: implement ``forward(ctx, ...)`` and ``backward(ctx, ...)``."""

    _backward_cls: type[FunctionCtx]

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        """Compute the outputs from the inputs (runs without recording)."""
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """Compute one gradient per ``forward`` input from the output gradients."""
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` and record a node whose backward calls ``backward``."""
        from ..tensor import Tensor, _detach_alias

        ctx = cls._backward_cls()
        tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx._input_needs = tuple(isinstance(a, Tensor) and a._rg for a in args)
        ctx._tensor_pos = tensor_pos
        prev = GRAD.enabled
        GRAD.enabled = False
        try:
            outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            GRAD.enabled = prev
        is_tuple = isinstance(outputs, tuple)
        outs = outputs if is_tuple else (outputs,)
        record = prev and any(ctx._input_needs)
        new_outs = []
        for o in outs:
            if isinstance(o, Tensor) and any(o is args[i] for i in tensor_pos) and o not in ctx._dirty:
                # an input returned as is becomes a new tensor object (a view) so it can get a grad_fn
                o = _detach_alias(o)
            new_outs.append(o)
        if record:
            ctx.next_functions = tuple(edge(args[i]) for i in tensor_pos)
            ctx.n_outputs = len(new_outs)
            ctx._out_meta = [(o._data.shape, o.dtype, o.device) if isinstance(o, Tensor) else ((), None, None)
                             for o in new_outs]
            for i, o in enumerate(new_outs):
                if isinstance(o, Tensor) and id(outs[i]) not in ctx._non_diff and o.dtype._category >= 2:
                    o._rg = True
                    o.grad_fn = ctx
                    o._output_nr = i
        saved = []
        for t in ctx._to_save:
            is_out = any(t is o for o in outs) if t is not None else False
            if is_out:
                t = new_outs[[id(o) for o in outs].index(id(t))]
            saved.append(SavedTensor(t, is_out and record))
        ctx._saved = tuple(saved)
        result = tuple(new_outs)
        return result if is_tuple else result[0]


def once_differentiable(fn: Any) -> Any:
    """Decorator for ``backward``: run it without recording (no double backward)."""
    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any) -> Any:
        prev = GRAD.enabled
        GRAD.enabled = False
        try:
            return fn(ctx, *args)
        finally:
            GRAD.enabled = prev

    return wrapper
