"""Affine maps: ``linear`` and ``bilinear``."""

from __future__ import annotations

from typing import Any

from ... import dtypes as _dt
from ...amp._state import AUTOCAST, autocast_call
from ...autograd.grad_mode import GRAD
from ...autograd.graph import Node
from ...ops._dispatch import record
from ...ops.elementwise import _run
from ...ops.linalg import einsum
from ...tensor import Tensor, _wrap


class AddmmBackward0(Node):
    """Backward of 2-d ``linear``: ``y = x @ w.T (+ b)``."""

    def __init__(self, x: Tensor, w: Tensor):
        self.save(x, w)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        x, w = self.saved_tensors
        assert x is not None and w is not None
        gx = gw = gb = None
        nf = self.next_functions
        need_x, need_w = nf[0][0] is not None, nf[1][0] is not None
        has_b = len(nf) > 2
        need_b = has_b and nf[2][0] is not None
        if GRAD.enabled:
            # create_graph: Tensor ops, so the gradient is itself differentiable
            gx = g @ w if need_x else None
            gw = g.t() @ x if need_w else None
            gb = g.sum(0) if need_b else None
            return (gx, gw, gb) if need_b else (gx, gw)
        # NOTE: `g.T @ x` gives the weight gradient C-contiguous with no base, so AccumulateGrad takes it
        # as is; the generic `x @ w.t()` graph returned a transposed view that the engine had to copy
        # (a transposed copy of the weight's size, ~5x a plain memcpy on NumPy).
        be, dev, gd = g._device._be, g._device, g._data
        if need_x:
            gx = _wrap(be.matmul(gd, w._data), g.dtype, dev)
        if need_w:
            gw = _wrap(be.matmul(be.permute(gd, (1, 0)), x._data), g.dtype, dev)
        if need_b:
            gb = _wrap(be.sum(gd, 0, False), g.dtype, dev)
        return (gx, gw, gb) if has_b else (gx, gw)


class MmBackward0(AddmmBackward0):
    """Backward of 2-d ``linear`` without bias (PyTorch's name for it)."""


def _linear_2d(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor | None:
    """``x @ w.T + b`` as one node for 2-d ``x`` and ``w`` of one dtype and device; None when the general
    path must run (other ranks or dtypes, shape errors, whose messages the general path gives)."""
    dev, dt = x._device, x.dtype
    if (x._data.ndim != 2 or w._data.ndim != 2 or w.dtype is not dt or w._device is not dev
            or x._data.shape[1] != w._data.shape[1] or not dt.is_floating_point):
        return None
    if b is not None and (not isinstance(b, Tensor) or b.dtype is not dt or b._device is not dev
                          or b._data.shape != (w._data.shape[0],)):
        return None
    be = dev._be
    kernel = getattr(be, "linear", None)

    def run() -> Any:
        if kernel is not None:
            return kernel(x._data, w._data, None if b is None else b._data)
        data = be.matmul(x._data, be.permute(w._data, (1, 0)))
        if b is not None:
            # the product is a fresh array: add the bias in place on mutable backends
            data = be.add(data, b._data, out=data) if be.mutable else be.add(data, b._data)
        return data

    # inf * 0 and inf - inf make NaN silently in PyTorch: NumPy's warning is rerun quietly
    out = _wrap(_run(run), dt, dev)
    if (x._rg or w._rg or (b is not None and b._rg) and GRAD.enabled):
        if b is None:
            record(out, MmBackward0(x, w), x, w)
        else:
            record(out, AddmmBackward0(x, w), x, w, b)
    return out


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """linear(input, weight, bias=None) -> Tensor: ``input @ weight.T + bias``."""
    if AUTOCAST.on:
        return autocast_call("linear", linear, input, weight, bias)
    if isinstance(input, Tensor) and isinstance(weight, Tensor):
        if input.dtype in (_dt.float16, _dt.bfloat16) and weight.dtype is input.dtype:
            # PyTorch's CPU addmm accumulates half precision in float32 and rounds once
            b32 = bias.float() if isinstance(bias, Tensor) else bias
            return linear(input.float(), weight.float(), b32).to(input.dtype)
        out = _linear_2d(input, weight, bias)
        if out is not None:
            return out
    out = input @ weight.t() if weight.ndim == 2 else input @ weight
    return out + bias if bias is not None else out
def _check_bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's shape checks of ``bilinear``, in its order and words."""
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for i in range(input1.ndim - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got {input1.shape[i]} "
                               f"and {input2.shape[i]}")
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional, got {weight.ndim} dimensions")
    for k, (x, name) in enumerate(((input1, "input1"), (input2, "input2")), 1):
        if x.shape[-1] != weight.shape[k]:
            raise RuntimeError(f"bilinear(): {name} size does not match weight size: got {x.shape[-1]} but expected "
                               f"{weight.shape[k]}")
    if bias is not None and bias.shape[0] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but expected "
                           f"{weight.shape[0]}")


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """bilinear(input1, input2, weight, bias=None) -> Tensor: ``y_k = x1 @ weight[k] @ x2 + bias_k``."""
    if AUTOCAST.on:
        return autocast_call("bilinear", bilinear, input1, input2, weight, bias)
    _check_bilinear(input1, input2, weight, bias)
    dt = input1.dtype
    if dt in (_dt.float16, _dt.bfloat16):
        # PyTorch contracts in two steps, x1 with the weight and then with x2, each accumulated in float32 and
        # rounded to half precision; so does ember, to the same bits
        x1, x2 = input1.reshape(-1, input1.shape[-1]).float(), input2.reshape(-1, input2.shape[-1]).float()
        half = einsum("bi,kij->bkj", x1, weight.float()).to(dt)
        out = einsum("bkj,bj->bk", half.float(), x2).to(dt).reshape(tuple(input1.shape[:-1]) + (weight.shape[0],))
        return out + bias if bias is not None else out
    batch = tuple(input1.shape[:-1])
    out = einsum(
        "bi,kij,bj->bk", input1.reshape(-1, input1.shape[-1]), weight, input2.reshape(-1, input2.shape[-1])
    )
    out = out.reshape(batch + (weight.shape[0],))
    return out + bias if bias is not None else out
