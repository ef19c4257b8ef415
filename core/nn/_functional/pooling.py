"""Pooling: max/avg (1-3 d, ceil_mode, padding, dilation), adaptive avg/max, on the im2col windows."""

from __future__ import annotations

import itertools
import math
from typing import Any

from ... import dtypes as _dt
from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled
from ...ops.arrange import stack
from ...ops.creation import arange, full, tensor, zeros
from ...tensor import Tensor, _wrap
from ._nodes import composite
from ._utils import fused, node_name, ntuple, prod
from .im2col import Geom, col2im, im2col, out_size


def _batched(x: Tensor, nd: int, name: str) -> tuple[Tensor, bool]:
    if x.ndim == nd + 1:
        return x.unsqueeze(0), True
    if x.ndim != nd + 2:
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D input tensor, but got {list(x.shape)}")
    return x, False


def _pool_geom(
    x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool, nd: int
) -> Geom:
    k = ntuple(kernel_size, nd, "kernel_size")
    s = (
        k
        if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)
        else ntuple(stride, nd, "stride")
    )
    p = ntuple(padding, nd, "padding")
    d = ntuple(dilation, nd, "dilation")
    for pi, ki, di in zip(p, k, d):
        if pi > (di * (ki - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={pi}, kernel_size={ki} "
                f"and dilation={di}"
            )
    in_size = tuple(x.shape[2:])
    outs = tuple(out_size(i, ki, di, si, pi, pi, ceil_mode) for i, ki, di, si, pi in zip(in_size, k, d, s, p))
    if any(o <= 0 for o in outs):
        raise RuntimeError(
            f"Given input size: {tuple(x.shape[1:])}. Calculated output size: "
            f"{(x.shape[1],) + outs}. Output size is too small"
        )
    # ceil_mode's last window may hang past the padded input: pad the high side further
    hi = tuple(
        max(pi, (o - 1) * si + di * (ki - 1) + 1 - i - pi)
        for i, ki, di, si, pi, o in zip(in_size, k, d, s, p, outs)
    )
    return Geom(k, d, s, p, hi, in_size, outs)


_INT_MIN = {"int8": -(2**7), "int16": -(2**15), "int32": -(2**31), "int64": -(2**63), "uint8": 0, "bool": 0}


def _lowest(dtype: _dt.dtype) -> float:
    return -math.inf if dtype.is_floating_point else _INT_MIN[dtype.name]


class _MaxPool(Function):
    # NOTE: a running max over the kernel offsets (one strided view each) instead of an argmax over
    # im2col columns: no column copy, and an argmax over a middle axis is slow on NumPy.
    @staticmethod
    def forward(ctx: Any, x: Tensor, geom: Geom, lowest: float, want_idx: bool) -> tuple[Tensor, Tensor | None]:
        ctx.geom = geom
        ctx.k_index = None
        kernel = fused(x, "max_pool_nd")
        if kernel is not None:
            # the kernel's index may be any integer dtype (NumPy: int8 for small windows, 8x less memory
            # traffic in the backward); it stays a raw array, converted to int64 only for return_indices
            be = x._device._be
            data, k_idx = kernel(x._data, geom.kernel, geom.stride, tuple(zip(geom.pad_lo, geom.pad_hi)),
                                 geom.dilation, geom.out_size)
            ctx.k_index, ctx.input_shape = k_idx, tuple(x.shape)
            ctx.set_materialize_grads(False)
            idx = _wrap(be.astype(k_idx, _dt.int64), _dt.int64, x._device) if want_idx else None
            return _wrap(data, x.dtype, x._device), idx
        if geom.has_pad():
            xp = full(tuple(x.shape[:2]) + geom.padded(), lowest, dtype=x.dtype, device=x.device)
            xp[(slice(None), slice(None)) + geom.interior()] = x
        else:
            xp = x
        lead = (slice(None), slice(None))
        keys = geom.window_keys()
        best = xp[lead + keys[0]]
        idx = zeros(best.shape, dtype=_dt.int64, device=x.device)
        for k, key in enumerate(keys[1:], 1):
            piece = xp[lead + key]
            # `>` keeps the first maximum and `maximum` propagates NaN (the index of a NaN is not tracked)
            idx = idx.masked_fill(piece > best, k)
            best = best.maximum(piece)
        ctx.save_for_backward(idx)
        ctx.mark_non_differentiable(idx)
        return best, idx

    @staticmethod
    def backward(ctx: Any, g: Tensor, _g_idx: Any) -> tuple[Any, ...]:
        geom = ctx.geom
        k_idx = ctx.k_index
        if k_idx is None:
            (idx,) = ctx.saved_tensors
        else:
            kernel = fused(g, "max_pool_nd_backward")
            if kernel is not None and not is_grad_enabled():  # create_graph: the differentiable reference
                gx = kernel(g._data, k_idx, ctx.input_shape, geom.kernel, geom.stride,
                            tuple(zip(geom.pad_lo, geom.pad_hi)), geom.dilation)
                return _wrap(gx, g.dtype, g._device), None, None, None
            idx = _wrap(g._device._be.astype(k_idx, _dt.int64), _dt.int64, g._device)
        kk = len(geom.window_keys())
        gcols = stack([g * (idx == k) for k in range(kk)], 2)
        return col2im(gcols, geom, 2), None, None, None


node_name(_MaxPool, "MaxPool2DWithIndicesBackward0")


def _max_pool(
    input: Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    return_indices: bool,
    nd: int,
) -> Any:
    x, unbatched = _batched(input, nd, f"max_pool{nd}d")
    geom = _pool_geom(x, kernel_size, stride, padding, dilation, ceil_mode, nd)
    out, idx = _MaxPool.apply(x, geom, _lowest(x.dtype), return_indices)
    indices = _flat_indices(idx, geom, x) if return_indices else None
    if unbatched:
        out = out.squeeze(0)
        indices = indices.squeeze(0) if indices is not None else None
    return (out, indices) if return_indices else out


def _flat_indices(k_idx: Tensor, geom: Geom, x: Tensor) -> Tensor:
    """Flat input positions (over the spatial dims) of the chosen window offsets ``k_idx``."""
    nd = len(geom.kernel)
    flat = None
    rest_k = prod(geom.kernel)
    rest_in = prod(geom.in_size)
    for i in range(nd):
        rest_k //= geom.kernel[i]
        rest_in //= geom.in_size[i]
        off = (k_idx // rest_k) % geom.kernel[i]
        shape = [1] * nd
        shape[i] = geom.out_size[i]
        start = (arange(geom.out_size[i], device=x.device) * geom.stride[i] - geom.pad_lo[i]).reshape(shape)
        pos = (start + off * geom.dilation[i]) * rest_in
        flat = pos if flat is None else flat + pos
    assert flat is not None
    return flat


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
    return_indices=False)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
    return_indices=False)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
    return_indices=False)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3)


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = True,
) -> Any:
    """``max_pool1d`` returning ``(output, indices)``."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 1)


def max_pool2d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = True,
) -> Any:
    """``max_pool2d`` returning ``(output, indices)``."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 2)


def _avg_divisor(geom: Geom, count_include_pad: bool, x: Tensor) -> Tensor:
    """Per-window divisors (PyTorch's rule: windows are clipped to the padded input, and to the input itself
    unless ``count_include_pad``), computed on the host: the product of per-dim counts."""
    per_dim = []
    for i, k, s, p, o in zip(geom.in_size, geom.kernel, geom.stride, geom.pad_lo, geom.out_size):
        counts = []
        for j in range(o):
            start = j * s - p
            end = min(start + k, i + p)
            if not count_include_pad:
                start, end = max(start, 0), min(end, i)
            counts.append(end - start)
        per_dim.append(counts)
    vals = [prod(c) for c in itertools.product(*per_dim)]
    return tensor(vals, dtype=x.dtype, device=x.device).reshape(geom.out_size)


def _avg_pool(
    input: Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
    nd: int,
) -> Tensor:
    x, unbatched = _batched(input, nd, f"avg_pool{nd}d")
    geom = _pool_geom(x, kernel_size, stride, padding, 1, ceil_mode, nd)
    summed = im2col(x, geom, 2, 0.0).sum(2)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        out = summed / divisor_override
    elif not geom.has_pad() and all(
        (o - 1) * s + k <= i for o, s, k, i in zip(geom.out_size, geom.stride, geom.kernel, geom.in_size)
    ):
        out = summed / prod(geom.kernel)
    else:
        out = summed / _avg_divisor(geom, count_include_pad, x)
    return out.squeeze(0) if unbatched else out


def avg_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True) ->
    Tensor."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
    divisor_override=None) -> Tensor."""
    return composite("AvgPool2DBackward0", _avg_pool, (input,),
                     (kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2))


def avg_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
    divisor_override=None) -> Tensor."""
    return composite("AvgPool3DBackward0", _avg_pool, (input,),
                     (kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 3))


# ---------------------------------------------------------------------------------------------
# adaptive pooling


def _adaptive_sizes(x: Tensor, output_size: Any, nd: int) -> tuple[int, ...]:
    if not isinstance(output_size, (tuple, list)):
        output_size = (output_size,) * nd
    if len(output_size) != nd:
        raise ValueError(f"output_size must be an int or a tuple of {nd} ints, got {output_size}")
    return tuple(x.shape[2 + i] if v is None else int(v) for i, v in enumerate(output_size))


def _windows(n_in: int, n_out: int) -> list[tuple[int, int]]:
    return [((j * n_in) // n_out, -(-((j + 1) * n_in) // n_out)) for j in range(n_out)]


def _along(x: Tensor, mats: list[Tensor]) -> Tensor:
    """Apply one (out_i, in_i) matrix along each trailing spatial dim of ``x``."""
    nd = len(mats)
    for j in reversed(range(nd)):
        m = mats[j]
        if j == nd - 1:
            x = x @ m.t()
        else:
            dim = x.ndim - nd + j
            x = (m @ x.movedim(dim, -2)).movedim(-2, dim)
    return x.contiguous()


def _adaptive_avg(input: Tensor, output_size: Any, nd: int) -> Tensor:
    x, unbatched = _batched(input, nd, f"adaptive_avg_pool{nd}d")
    outs = _adaptive_sizes(x, output_size, nd)
    mats = []
    for n_in, n_out in zip(x.shape[2:], outs):
        rows = []
        for a, b in _windows(n_in, n_out):
            rows.append([1.0 / (b - a) if a <= i < b else 0.0 for i in range(n_in)])
        mats.append(tensor(rows, dtype=x.dtype, device=x.device))
    out = _along(x, mats)
    return out.squeeze(0) if unbatched else out


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """adaptive_avg_pool1d(input, output_size) -> Tensor: average over adaptively sized windows."""
    return _adaptive_avg(input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """adaptive_avg_pool2d(input, output_size) -> Tensor: average over adaptively sized windows."""
    if input.ndim in (3, 4) and output_size in (1, (1, 1), [1, 1]):
        return input.mean((-2, -1), keepdim=True)  # PyTorch's shortcut (its graph shows MeanBackward1)
    return composite("AdaptiveAvgPool2DBackward0", _adaptive_avg, (input,), (output_size, 2))


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """adaptive_avg_pool3d(input, output_size) -> Tensor: average over adaptively sized windows."""
    return composite("AdaptiveAvgPool3DBackward0", _adaptive_avg, (input,), (output_size, 3))


def _adaptive_max(input: Tensor, output_size: Any, return_indices: bool, nd: int) -> Any:
    x, unbatched = _batched(input, nd, f"adaptive_max_pool{nd}d")
    outs = _adaptive_sizes(x, output_size, nd)
    in_size = tuple(x.shape[2:])
    # window positions per dim, padded to the longest window by repeating the window's last
    # position (a duplicate never changes the max nor which occurrence comes first)
    keys, pos = [], None
    rest = prod(in_size)
    for i, (n_in, n_out) in enumerate(zip(in_size, outs)):
        wins = _windows(n_in, n_out)
        kmax = max(b - a for a, b in wins)
        idx = tensor([[min(a + t, b - 1) for t in range(kmax)] for a, b in wins], device=x.device)
        shape = [1] * (2 * nd)
        shape[2 * i], shape[2 * i + 1] = n_out, kmax
        idx = idx.reshape(shape)
        keys.append(idx)
        rest //= n_in
        pos = idx * rest if pos is None else pos + idx * rest
    assert pos is not None
    win = x[(slice(None), slice(None)) + tuple(keys)]  # (N, C, o1, k1, o2, k2, ...)
    order = [0, 1] + [2 + 2 * i for i in range(nd)] + [3 + 2 * i for i in range(nd)]
    win = win.permute(order).reshape(tuple(x.shape[:2]) + outs + (-1,))
    idx = win.argmax(-1, keepdim=True)
    out = win.gather(-1, idx).squeeze(-1)
    indices = None
    if return_indices:
        pos_order = [2 * i for i in range(nd)] + [2 * i + 1 for i in range(nd)]
        flat_pos = pos.permute(pos_order).reshape(outs + (-1,))
        indices = flat_pos.expand(tuple(x.shape[:2]) + tuple(flat_pos.shape)).gather(-1, idx).squeeze(-1)
    if unbatched:
        out = out.squeeze(0)
        indices = indices.squeeze(0) if indices is not None else None
    return (out, indices) if return_indices else out


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """adaptive_max_pool1d(input, output_size, return_indices=False): max over adaptively sized windows."""
    return _adaptive_max(input, output_size, return_indices, 1)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """adaptive_max_pool2d(input, output_size, return_indices=False): max over adaptively sized windows."""
    return composite("AdaptiveMaxPool2DBackward0", _adaptive_max, (input,), (output_size, return_indices, 2))


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any, return_indices: bool = True) -> Any:
    """``adaptive_max_pool2d`` returning ``(output, indices)``."""
    return _adaptive_max(input, output_size, True, 2)
