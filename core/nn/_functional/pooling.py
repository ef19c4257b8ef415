"""Pooling: max/avg (1-3 d, ceil_mode, padding, dilation), adaptive avg/max, on the im2col windows."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from ... import dtypes as _dt
from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled
from ...ops._dispatch import type_name
from ...ops.arrange import cat, stack
from ...ops.creation import arange, full, tensor, zeros
from ...ops.elementwise import where
from ...tensor import Tensor, _wrap
from ._nodes import composite
from ._utils import fused, node_name, ntuple, prod
from .im2col import Geom, col2im, flat_windows, gathers, im2col, out_size


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


_HALF = (_dt.float16, _dt.bfloat16)
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
        if gathers(x):
            best, idx = _max_windows(x, geom, lowest)
            ctx.save_for_backward(idx)
            ctx.mark_non_differentiable(idx)
            return best, idx
        valid = None
        if geom.has_pad():
            xp = full(tuple(x.shape[:2]) + geom.padded(), lowest, dtype=x.dtype, device=x.device)
            xp[(slice(None), slice(None)) + geom.interior()] = x
            # a padded slot is never chosen (PyTorch's windows start at their first element inside the input)
            valid = zeros(geom.padded(), dtype=_dt.bool, device=x.device)
            valid[geom.interior()] = True
        else:
            xp = x
        lead = (slice(None), slice(None))
        keys = geom.window_keys()
        best = xp[lead + keys[0]]
        idx = zeros(best.shape, dtype=_dt.int64, device=x.device)
        seen = None if valid is None else valid[keys[0]]
        for k, key in enumerate(keys[1:], 1):
            piece = xp[lead + key]
            # `>` keeps the first maximum; a NaN is taken too (PyTorch's `val > max || isnan(val)`: the last
            # NaN's index), and `maximum` propagates it
            take = piece > best
            if x.dtype.is_floating_point:
                take = take | piece.isnan()
            if valid is not None and seen is not None:
                inner = valid[key]
                take = (take | ~seen) & inner
                seen = seen | inner
            idx = idx.masked_fill(take, k)
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
        if gathers(g):
            # one comparison against every offset at once: a gather-backed col2im is one scatter-add
            offsets = arange(kk, device=g.device).reshape((1, 1, kk) + (1,) * len(geom.kernel))
            gcols = where(idx.unsqueeze(2) == offsets, g.unsqueeze(2), 0.0)
        else:
            gcols = stack([g * (idx == k) for k in range(kk)], 2)
        return col2im(gcols, geom, 2), None, None, None


node_name(_MaxPool, "MaxPool2DWithIndicesBackward0")


def _max_windows(x: Tensor, geom: Geom, lowest: float) -> tuple[Tensor, Tensor]:
    """The max and its offset in each window from one gather of the windows (PyTorch's rule: the first maximum,
    the last NaN, never a padded slot: an all-lowest window picks its first element inside the input)."""
    cols = im2col(x, geom, 2, lowest)  # (N, C, KK, *out)
    idx = argmax_last_nan(cols.movedim(2, -1)).squeeze(-1)
    if geom.has_pad():
        inside = np.zeros(geom.padded(), dtype=bool)
        inside[geom.interior()] = True
        pos = flat_windows(geom)
        first = np.argmax(inside.reshape(-1)[pos], axis=0).reshape(geom.out_size)
        top = cols.gather(2, idx.unsqueeze(2)).squeeze(2)
        # a window whose maximum is the padding value: its first element inside the input, as PyTorch starts there
        idx = where(top == lowest, tensor(first, dtype=_dt.int64, device=x.device), idx)
    return cols.gather(2, idx.unsqueeze(2)).squeeze(2), idx


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
    _check_max_pool_args(input, kernel_size, stride, padding, nd, return_indices)
    x, unbatched = _batched(input, nd, f"max_pool{nd}d")
    geom = _pool_geom(x, kernel_size, stride, padding, dilation, ceil_mode, nd)
    out, idx = _MaxPool.apply(x, geom, _lowest(x.dtype), return_indices)
    indices = _flat_indices(idx, geom, x) if return_indices else None
    if unbatched:
        out = out.squeeze(0)
        indices = indices.squeeze(0) if indices is not None else None
    return (out, indices) if return_indices else out


def _check_max_pool_args(input: Tensor, kernel_size: Any, stride: Any, padding: Any, nd: int,
                         return_indices: bool) -> None:
    """PyTorch's checks of max pooling's input rank (and, for 1-d, its own words for its arguments)."""
    if nd == 1:
        if not return_indices and not input.dtype.is_floating_point:
            # PyTorch's 1-d kernel without indices is floating only (the one with indices takes integers)
            raise NotImplementedError(f"\"max_pool1d_impl\" not implemented for '{type_name(input.dtype)}'")
        if input.ndim not in (2, 3):
            raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                               f"input, but got:{list(input.shape)}")
        k = ntuple(kernel_size, 1, "kernel_size")[0]
        if k <= 0:
            raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
        if stride is not None and not (isinstance(stride, (list, tuple)) and len(stride) == 0):
            st = ntuple(stride, 1, "stride")[0]
            if st <= 0:
                raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {st}")
        p = ntuple(padding, 1, "padding")[0]
        if p > k // 2:
            raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p} and "
                               f"kernel_size={k}")
    elif input.ndim not in (nd + 1, nd + 2) or any(v == 0 for v in input.shape[-nd - 1:]):
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")


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
    if x.dtype is not _dt.int64 and not x.dtype.is_floating_point:
        # PyTorch's CPU kernels: floating dtypes and int64 only
        kernel = "avg_pool3d_out_frame" if nd == 3 else "avg_pool2d"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(x.dtype)}'")
    if nd == 3 and x.dtype in (_dt.float16, _dt.bfloat16):
        raise NotImplementedError(f"\"avg_pool3d_out_frame\" not implemented for '{type_name(x.dtype)}'")
    geom = _pool_geom(x, kernel_size, stride, padding, 1, ceil_mode, nd)
    if nd == 3 and any(i < k for i, k in zip(geom.in_size, geom.kernel)):
        (t, h, w), (kt, kh, kw) = geom.in_size, geom.kernel
        raise RuntimeError(f"input image (T: {t} H: {h} W: {w}) smaller than kernel size (kT: {kt} kH: {kh} kW: {kw})")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if x.dtype in _HALF:
        # PyTorch's kernels sum and divide half precision in float32 and round once
        out = _avg_pool(x.float(), kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd)
        out = out.to(x.dtype)
        return out.squeeze(0) if unbatched else out
    summed = im2col(x, geom, 2, 0.0).sum(2)
    if divisor_override is not None:
        divisor: Any = divisor_override
    elif not geom.has_pad() and all(
        (o - 1) * s + k <= i for o, s, k, i in zip(geom.out_size, geom.stride, geom.kernel, geom.in_size)
    ):
        divisor = prod(geom.kernel)
    else:
        divisor = _avg_divisor(geom, count_include_pad, x)
    # NOTE: integers average in integers, truncating toward zero, as PyTorch's int64 kernel does
    out = summed / divisor if x.dtype.is_floating_point else summed.div(divisor, rounding_mode="trunc")
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


def _adaptive_sizes(x: Tensor, output_size: Any, nd: int, kind: str) -> tuple[int, ...]:
    """The output size of adaptive pooling (None keeps a dim), checked as PyTorch does."""
    if not isinstance(output_size, (tuple, list)):
        output_size = (output_size,) * nd
    if len(output_size) != nd:
        raise ValueError(f"output_size must be an int or a tuple of {nd} ints, got {output_size}")
    outs = tuple(x.shape[2 + i] if v is None else int(v) for i, v in enumerate(output_size))
    if any(v < 0 for v in outs):
        # PyTorch's 1-d pooling runs its 2-d kernel on (1, L), so its message names that kernel and a leading 1
        shown = outs if nd > 1 else (1, *outs)
        name = f"adaptive_{kind}_pool{max(nd, 2)}d"
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{', '.join(map(str, shown))}}}")
    if not x.dtype.is_floating_point:
        kernel = f"adaptive_{kind}_pool3d_cpu" if nd == 3 else f"adaptive_{kind}_pool2d"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(x.dtype)}'")
    return outs


def _windows(n_in: int, n_out: int) -> list[tuple[int, int]]:
    return [((j * n_in) // n_out, -(-((j + 1) * n_in) // n_out)) for j in range(n_out)]


def _adaptive_avg(input: Tensor, output_size: Any, nd: int) -> Tensor:
    x, unbatched = _batched(input, nd, f"adaptive_avg_pool{nd}d")
    outs = _adaptive_sizes(x, output_size, nd, "avg")
    if x.dtype in _HALF:
        # PyTorch's kernels average half precision in float32 and round once
        out = _adaptive_avg(x.float(), outs, nd).to(x.dtype)
        return out.squeeze(0) if unbatched else out
    # NOTE: one dim at a time, each window a mean of its own elements (no averaging matrix: its zeros times an
    # inf would make NaN where PyTorch's window sums give inf); equal windows are one reshape and mean
    for j, (n_in, n_out) in enumerate(zip(x.shape[2:], outs)):
        dim = 2 + j
        if n_out == n_in:
            continue
        if n_out and n_in % n_out == 0:
            shape = tuple(x.shape)
            x = x.reshape(shape[:dim] + (n_out, n_in // n_out) + shape[dim + 1:]).mean(dim + 1)
        elif n_out == 0:
            x = x.narrow(dim, 0, 0)
        else:
            x = cat([x.narrow(dim, a, b - a).mean(dim, keepdim=True) for a, b in _windows(n_in, n_out)], dim)
    out = x.contiguous()
    return out.squeeze(0) if unbatched else out


def argmax_last_nan(win: Tensor) -> Tensor:
    """The offset along the last dim (kept) of the first maximum, or of the last NaN where there is one:
    PyTorch's max pooling kernels take a value when ``val > max || isnan(val)``."""
    idx = win.argmax(-1, keepdim=True)
    if not win.dtype.is_floating_point or win.shape[-1] == 0:
        return idx
    nan = win.isnan()
    last = (win.shape[-1] - 1) - nan.flip(-1).to(_dt.int8).argmax(-1, keepdim=True)
    return where(nan.any(-1, keepdim=True), last, idx)


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
    outs = _adaptive_sizes(x, output_size, nd, "max")
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
    win = win.permute(order).reshape(tuple(x.shape[:2]) + outs + (prod(tuple(k.shape[2 * i + 1]
                                                                              for i, k in enumerate(keys))),))
    idx = argmax_last_nan(win)
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
