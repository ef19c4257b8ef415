"""One graph node for a composite op, named as PyTorch names its native node (``MseLossBackward0``,
``GeluBackward0``, ...), so ``grad_fn`` and ``next_functions`` read as they do in PyTorch.

``pointwise`` is for elementwise ops with a closed-form derivative: the backward is ``g * derivative(x)``
in Tensor ops (differentiable again for ``create_graph``). ``composite`` is for everything else: the
forward records the composite's own graph from detached copies of the inputs and the node's backward
walks it (a vector-Jacobian product, so no backward formula is written twice); a ``create_graph``
backward re-runs the composite from the original inputs, so higher derivatives stay exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...autograd.function import Function
from ...autograd.grad_mode import GRAD, enable_grad, is_grad_enabled
from ...tensor import Tensor
from ._utils import node_name


class _Composite(Function):
    @staticmethod
    def forward(ctx: Any, fn: Callable[..., Any], consts: tuple[Any, ...], *tensors: Any) -> Any:
        ctx.fn, ctx.consts = fn, consts
        ctx.save_for_backward(*tensors)
        needs = ctx.needs_input_grad[2:]
        # the composite's own graph, from detached copies of the inputs: a plain backward walks it (no
        # recomputation); a create_graph backward re-runs the composite from the original inputs instead
        with enable_grad():
            ins = [x.detach().requires_grad_(True) if need else x for x, need in zip(tensors, needs)]
            out = fn(*ins, *consts)
        ctx.inner = (ins, out)
        outs = out if isinstance(out, tuple) else (out,)
        detached = tuple(o.detach() if isinstance(o, Tensor) else o for o in outs)
        return detached if isinstance(out, tuple) else detached[0]

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple[Any, ...]:
        from ...autograd import grad as _grad

        xs = ctx.saved_tensors
        needs = ctx.needs_input_grad[2:]
        create = is_grad_enabled()
        if not create:
            ins, out = ctx.inner
            outs = out if isinstance(out, tuple) else (out,)
            pairs = [
                (o, g) for o, g in zip(outs, grads) if isinstance(o, Tensor) and o.requires_grad and g is not None
            ]
            wrt = [x for x, need in zip(ins, needs) if need]
            if not wrt or not pairs:
                return (None, None) + (None,) * len(xs)
            # retain_graph: the outer graph may be retained and walked again
            got = _grad([o for o, _ in pairs], wrt, [g for _, g in pairs], retain_graph=True, allow_unused=True)
            it = iter(got)
            return (None, None) + tuple(next(it) if need else None for need in needs)
        with enable_grad():
            # create_graph: re-run from the original inputs, so the gradient is a function of them
            again = [x if need or not isinstance(x, Tensor) else x.detach() for x, need in zip(xs, needs)]
            out = ctx.fn(*again, *ctx.consts)
            outs = out if isinstance(out, tuple) else (out,)
            wrt = [x for x, need in zip(again, needs) if need]
            pairs = [
                (o, g) for o, g in zip(outs, grads) if isinstance(o, Tensor) and o.requires_grad and g is not None
            ]
            if not wrt or not pairs:
                return (None, None) + (None,) * len(xs)
            got = _grad([o for o, _ in pairs], wrt, [g for _, g in pairs], create_graph=create, allow_unused=True)
        it = iter(got)
        return (None, None) + tuple(next(it) if need else None for need in needs)


_COMPOSITES: dict[str, type[_Composite]] = {}


def composite(name: str, fn: Callable[..., Any], tensors: Sequence[Tensor | None], consts: tuple[Any, ...] = ()) -> Any:
    """``fn(*tensors, *consts)`` recorded as one node ``name`` whose inputs (``next_functions``) are
    ``tensors``; anything passed in ``consts`` (targets, class weights) is no input edge."""
    cls = _COMPOSITES.get(name)
    if cls is None:
        cls = type("_" + name, (_Composite,), {})
        node_name(cls, name)
        _COMPOSITES[name] = cls
    if not GRAD.enabled or not any(isinstance(t, Tensor) and t.requires_grad for t in tensors):
        return fn(*tensors, *consts)
    return cls.apply(fn, consts, *tensors)


class _Pointwise(Function):
    @staticmethod
    def forward(
        ctx: Any, x: Tensor, f: Callable[..., Tensor], df: Callable[..., Tensor], consts: tuple[Any, ...]
    ) -> Tensor:
        ctx.save_for_backward(x)
        ctx.df, ctx.consts = df, consts
        return f(x, *consts)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        (x,) = ctx.saved_tensors
        return g * ctx.df(x, *ctx.consts), None, None, None


_POINTWISE: dict[str, type[_Pointwise]] = {}


def pointwise(name: str, f: Callable[..., Tensor], df: Callable[..., Tensor], x: Tensor, *consts: Any) -> Tensor:
    """``f(x, *consts)`` as one node ``name`` whose backward is ``g * df(x, *consts)``."""
    cls = _POINTWISE.get(name)
    if cls is None:
        cls = type("_" + name, (_Pointwise,), {})
        node_name(cls, name)
        _POINTWISE[name] = cls
    if not GRAD.enabled or not x.requires_grad:
        return f(x, *consts)
    return cls.apply(x, f, df, consts)
