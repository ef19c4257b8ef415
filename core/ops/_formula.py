"""Shared machinery of the composite pointwise ops: one recorded node per op with a Tensor-op gradient
formula, operand promotion/casting helpers and argument checks (ops/pointwise_extra.py, pointwise_bits.py,
index_extra.py use it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..autograd.graph import Node
from ..tensor import Tensor
from . import elementwise as E
from ._dispatch import needs_grad, record, sum_to, type_name
from .creation import tensor

# ---------------------------------------------------------------------------------------------
# machinery: one recorded node per op with a Tensor-op gradient formula


class _FormulaNode(Node):
    """A node whose ``formula(g)`` returns one gradient per tensor input (None where not needed)."""

    formula: Callable[[Tensor], tuple[Any, ...]]
    shapes: tuple[tuple[int, ...], ...] = ()

    def backward(self, g: Tensor) -> Any:
        grads = self.formula(g)
        out = tuple(None if gi is None else sum_to(gi, s) for gi, s in zip(grads, self.shapes))
        return out if len(out) > 1 else out[0]


_NODE_TYPES: dict[str, type[_FormulaNode]] = {}


def _attach(out: Tensor, name: str, inputs: tuple[Any, ...], formula: Callable[[Tensor], tuple[Any, ...]]) -> Tensor:
    """Record ``out`` as produced from the tensor ``inputs`` by a node called ``name``."""
    tin = tuple(t for t in inputs if isinstance(t, Tensor))
    if not needs_grad(*tin) or not out.dtype.is_floating_point:
        return out
    cls = _NODE_TYPES.get(name)
    if cls is None:
        cls = _NODE_TYPES[name] = type(name, (_FormulaNode,), {})
    node = cls()
    node.formula = formula  # type: ignore[method-assign]
    node.shapes = tuple(t.shape for t in tin)
    return record(out, node, *tin)


def _not_implemented(op: str) -> Callable[[Tensor], tuple[Any, ...]]:
    def formula(g: Tensor) -> tuple[Any, ...]:
        raise RuntimeError(f"the derivative for '{op}' is not implemented.")

    return formula


def _float_dtype(*xs: Any) -> _dt.dtype:
    d = _dt.result_type(*xs)
    return d if d.is_floating_point or d.is_complex else _dt.get_default_dtype()


def _check_tensor(x: Any, fn: str, arg: str = "input") -> None:
    if not isinstance(x, Tensor):
        pos = 1 if arg == "input" else 2
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _as(x: Any, dt: _dt.dtype, like: Tensor) -> Tensor:
    """``x`` (tensor or Python scalar) as a tensor of dtype ``dt`` on ``like``'s device."""
    if isinstance(x, Tensor):
        return x if x.dtype is dt else x.to(dt)
    return tensor(x, dtype=dt, device=like.device)


def _no_grad() -> Any:
    return E._no_grad()


def _op32(t: Tensor) -> Tensor:
    """``t`` in the dtype a forward computes in: float16/bfloat16 go through float32 and are rounded once at the
    end, as PyTorch's CPU kernels do (a composite in half precision would round, and overflow, at every step)."""
    return t.to(_dt.float32) if t.dtype.itemsize == 2 and t.dtype.is_floating_point else t


def _real_only(x: Tensor, fn: str, what: str = "") -> None:
    if x.dtype.is_complex:
        raise NotImplementedError(f"\"{fn}\" not implemented for '{type_name(x.dtype)}'")


def _float_in(input: Tensor) -> Tensor:
    return input if input.dtype.is_floating_point or input.dtype.is_complex else input.to(_dt.get_default_dtype())


def _binary_float(input: Any, other: Any, fn: str, allow_int: bool = True) -> tuple[Tensor, Tensor, _dt.dtype]:
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    like = input if isinstance(input, Tensor) else other
    d = _dt.result_type(input, other)
    if d.is_complex:
        raise NotImplementedError(f"\"{fn}_cpu\" not implemented for '{type_name(d)}'")
    if not d.is_floating_point:
        if not allow_int:
            raise NotImplementedError(f"\"{fn}_cpu\" not implemented for '{type_name(d)}'")
        d = _dt.get_default_dtype()
    return _as(input, d, like), _as(other, d, like), d


def _int_pair(input: Any, other: Any, kernel: str) -> tuple[Tensor, Tensor, _dt.dtype]:
    like = input if isinstance(input, Tensor) else other
    d = _dt.result_type(input, other)
    if d.is_floating_point or d.is_complex or d is _dt.bool:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(d)}'")
    return _as(input, d, like), _as(other, d, like), d


def _bcast(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    from .shape import broadcast_tensors

    x, y = broadcast_tensors(a, b)
    return x, y
