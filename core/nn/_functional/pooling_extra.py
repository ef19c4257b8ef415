"""More pooling: power-average (``lp_pool``), ``max_unpool``, fractional max pooling, and the 3-d /
``_with_indices`` spellings of max pooling; composites of the pooling in ``pooling.py`` and Tensor ops."""

from __future__ import annotations

import math
from typing import Any

from ... import dtypes as _dt
from ...ops.creation import tensor, zeros
from ...ops.random import rand
from ...tensor import Tensor
from ._nodes import composite
from ._utils import ntuple, prod
from .activation import relu
from .pooling import (
    _adaptive_max,
    _max_pool,
    argmax_last_nan,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)


def _lp_pool(input: Tensor, norm_type: float, kernel_size: Any, stride: Any, ceil_mode: bool, nd: int) -> Tensor:
    k = ntuple(kernel_size, nd, "kernel_size")
    if norm_type in (math.inf, -math.inf):
        # PyTorch's special case: the largest (or, for -inf, the smallest) magnitude of each window
        maxp = (max_pool1d, max_pool2d, max_pool3d)[nd - 1]
        sign = 1 if norm_type > 0 else -1
        return sign * maxp(sign * input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    pool = (avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
    out = pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    # PyTorch's formula: the sign keeps odd powers' negative averages from a NaN root only where relu zeroes
    return (out.sign() * relu(out.abs())).mul(prod(k)).pow(1.0 / norm_type)


def lp_pool1d(
    input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> Tensor:
    """lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor: the p-norm of each
    window."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(
    input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> Tensor:
    """lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor: the p-norm of each
    window."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool3d(
    input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> Tensor:
    """lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor: the p-norm of each
    window."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3)


# ---------------------------------------------------------------------------------------------
# max_unpool


def _unpool_size(
    input: Tensor, k: tuple[int, ...], s: tuple[int, ...], p: tuple[int, ...], output_size: Any
) -> tuple[int, ...]:
    nd = len(k)
    in_size = tuple(input.shape[-nd:])
    default = tuple((i - 1) * si - 2 * pi + ki for i, si, pi, ki in zip(in_size, s, p, k))
    if output_size is None:
        return default
    sizes = [int(v) for v in output_size]
    if len(sizes) == nd + 2:
        sizes = sizes[2:]
    if len(sizes) != nd:
        raise ValueError(
            f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a length of "
            f"'{len(sizes)}'"
        )
    for d in range(nd):
        lo, hi = default[d] - s[d], default[d] + s[d]
        if not lo < sizes[d] < hi:
            raise ValueError(f'invalid output_size "{tuple(sizes)}" (dim {d} must be between {lo} and {hi})')
    return tuple(sizes)


def _max_unpool(
    input: Tensor, indices: Tensor, kernel_size: Any, stride: Any, padding: Any, output_size: Any, nd: int
) -> Tensor:
    k = ntuple(kernel_size, nd, "kernel_size")
    s = ntuple(stride, nd, "stride") if stride is not None else k
    p = ntuple(padding, nd, "padding")
    outs = _unpool_size(input, k, s, p, output_size)
    if indices.dtype is not _dt.int64:
        raise RuntimeError(
            f"elements in indices should be type int64 but got: {indices.dtype.name.capitalize()}"
            if indices.dtype.is_floating_point
            else f"elements in indices should be type int64 but got: {indices.dtype}"
        )
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) but got "
            f"indices tensor with shape: {list(indices.shape)}"
        )
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"max_unpool{nd}d: Expected {nd + 1}D or {nd + 2}D input, but got {input.ndim}D")
    total = prod(outs)
    if indices.numel():
        lo, hi = int(indices.min().item()), int(indices.max().item())
        if lo < 0 or hi >= total:
            # PyTorch names the first invalid index in memory order
            bad = next(v for v in indices.reshape(-1).tolist() if not 0 <= v < total)
            raise RuntimeError(
                f"Found an invalid max index: {bad} (output volumes are of size {'x'.join(map(str, outs))})"
            )
    lead = tuple(input.shape[:-nd])
    flat_in = input.reshape(lead + (-1,))
    flat_idx = indices.reshape(lead + (-1,))
    out = zeros(lead + (total,), dtype=input.dtype, device=input.device)
    return out.scatter(-1, flat_idx, flat_in).reshape(lead + outs)


def max_unpool1d(
    input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, output_size: Any = None
) -> Tensor:
    """max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor: the
    partial inverse of ``max_pool1d`` (non-maxima are zero)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(
    input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, output_size: Any = None
) -> Tensor:
    """max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor: the
    partial inverse of ``max_pool2d``."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(
    input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, output_size: Any = None
) -> Tensor:
    """max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor: the
    partial inverse of ``max_pool3d``."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)


# ---------------------------------------------------------------------------------------------
# the remaining max-pool spellings


def max_pool3d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = True,
) -> Any:
    """``max_pool3d`` returning ``(output, indices)``."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 3)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any, return_indices: bool = True) -> Any:
    """``adaptive_max_pool1d`` returning ``(output, indices)``."""
    return _adaptive_max(input, output_size, True, 1)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """adaptive_max_pool3d(input, output_size, return_indices=False): max over adaptively sized windows."""
    return composite("AdaptiveMaxPool3DBackward0", _adaptive_max, (input,), (output_size, return_indices, 3))


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any, return_indices: bool = True) -> Any:
    """``adaptive_max_pool3d`` returning ``(output, indices)``."""
    return composite("AdaptiveMaxPool3DBackward0", _adaptive_max, (input,), (output_size, True, 3))


# ---------------------------------------------------------------------------------------------
# fractional max pooling

_DIM_NAMES = {2: ("height", "width"), 3: ("time", "height", "width")}


def _intervals(samples: Any, in_size: int, out_size: int, pool: int, fdt: Any) -> Any:
    """PyTorch's pseudo-random window starts, one row per plane (computed in the input's precision)."""
    import numpy as np

    n = samples.shape[0]
    seq = np.empty((n, out_size), dtype="int64")
    if out_size > 1:
        alpha = fdt.type(in_size - pool) / fdt.type(out_size - 1)
        i = np.arange(out_size - 1, dtype=fdt)
        u = samples[:, None].astype(fdt)
        seq[:, :-1] = ((i + u) * alpha).astype("int64") - (u * alpha).astype("int64")
    seq[:, -1] = in_size - pool
    return seq


def _fractional_max_pool(
    input: Tensor,
    kernel_size: Any,
    output_size: Any,
    output_ratio: Any,
    return_indices: bool,
    _random_samples: Tensor | None,
    nd: int,
) -> Any:
    import numpy as np

    name = f"fractional_max_pool{nd}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    k = ntuple(kernel_size, nd, "kernel_size")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: {list(input.shape)}")
    unbatched = input.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    in_size = tuple(x.shape[2:])
    if output_size is None:
        ratio = (
            tuple(float(r) for r in output_ratio) if isinstance(output_ratio, (list, tuple))
            else (float(output_ratio),) * nd
        )
        outs = tuple(int(i * r) for i, r in zip(in_size, ratio))
    else:
        outs = ntuple(output_size, nd, "output_size")
    for dname, i, o, ki in zip(_DIM_NAMES[nd], in_size, outs, k):
        # NOTE: PyTorch's 3-d check is strict (the window may not end at the input's last element), its 2-d not
        if o + ki - 1 > i or (nd == 3 and o + ki - 1 == i):
            suffix = "" if nd == 2 else "_out"
            raise RuntimeError(f"{name}{suffix}(): pool {dname} {ki} too large relative to input {dname} {i}")
    n, c = x.shape[0], x.shape[1]
    if _random_samples is None:
        samples = rand(n, c, nd, dtype=x.dtype, device=x.device)
    else:
        samples = _random_samples
        if samples.ndim != 3 or samples.shape[2] != nd:
            raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got {samples.shape[-1]}.")
    fdt = np.dtype("float64" if x.dtype is _dt.float64 else "float32")
    host = np.asarray(samples.detach().cpu().numpy(), dtype=fdt).reshape(n * c, nd)
    # the samples list width first for 2-d input (PyTorch's kernel order), time first for 3-d
    order = [1, 0] if nd == 2 else [0, 1, 2]
    flat = np.zeros((n * c,) + outs + k, dtype="int64")
    stride_in = 1
    for d in reversed(range(nd)):
        starts = _intervals(host[:, order[d]], in_size[d], outs[d], k[d], fdt)  # (planes, out_d)
        pos = starts[:, :, None] + np.arange(k[d])[None, None, :]  # (planes, out_d, k_d)
        shape = [n * c] + [1] * (2 * nd)
        shape[1 + d], shape[1 + nd + d] = outs[d], k[d]
        flat = flat + pos.reshape(shape) * stride_in
        stride_in *= in_size[d]
    flat = flat.reshape((n, c) + outs + (-1,))
    pos_t = tensor(flat, device=x.device)
    win = x.reshape(n, c, -1).gather(2, pos_t.reshape(n, c, -1)).reshape(tuple(pos_t.shape))
    arg = argmax_last_nan(win)
    out = win.gather(-1, arg).squeeze(-1)
    idx = pos_t.gather(-1, arg).squeeze(-1) if return_indices else None
    if unbatched:
        out = out.squeeze(0)
        idx = idx.squeeze(0) if idx is not None else None
    return (out, idx) if return_indices else out


def fractional_max_pool2d(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
    _random_samples=None): max pooling over pseudo-randomly placed windows."""
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 2)


def fractional_max_pool3d(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
    _random_samples=None): 3-d max pooling over pseudo-randomly placed windows."""
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 3)


def fractional_max_pool2d_with_indices(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """``fractional_max_pool2d`` returning ``(output, indices)``."""
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio, True, _random_samples, 2)


def fractional_max_pool3d_with_indices(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """``fractional_max_pool3d`` returning ``(output, indices)``."""
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio, True, _random_samples, 3)
