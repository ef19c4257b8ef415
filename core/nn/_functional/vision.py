"""Padding and resampling: ``pad`` (constant, reflect, replicate, circular) and ``interpolate``.

Interpolation is separable: nearest modes gather with one index vector per spatial dim; linear, cubic
and anti-aliased modes take a weighted sum of a few taps per output (``resample.py``). The indices and
weights are computed on the host with NumPy in the precision PyTorch's kernels use, so boundary cases
pick the same source pixels as PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ... import dtypes as _dt
from ...amp._state import AUTOCAST, autocast_call
from ...autograd.function import Function
from ...ops._dispatch import type_name
from ...ops.creation import full, tensor
from ...tensor import Tensor
from ._nodes import composite
from ._utils import node_name
from .pooling import _adaptive_avg
from .resample import resample


class _ConstantPad(Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, pads: tuple[tuple[int, int], ...], value: float) -> Tensor:
        nd = x.ndim
        lead = nd - len(pads)
        shape = list(x.shape)
        key: list[slice] = [slice(None)] * nd
        for i, (lo, hi) in enumerate(pads):
            d = lead + i
            key[d] = slice(lo, lo + shape[d])
            shape[d] += lo + hi
        ctx.key = tuple(key)
        out = full(tuple(shape), value, dtype=x.dtype, device=x.device)
        out[ctx.key] = x
        return out

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        return g[ctx.key], None, None


node_name(_ConstantPad, "ConstantPadNdBackward0")


def _pairs(pad: Sequence[int], ndim: int) -> list[tuple[int, int]]:
    """Per-dim (lo, hi) for the trailing dims, first dim first (``pad`` lists the last dim first)."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > ndim:
        raise RuntimeError(
            f"Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(pad)} and input of dimension {ndim}"
        )
    n = len(pad) // 2
    return [(int(pad[2 * (n - 1 - i)]), int(pad[2 * (n - 1 - i) + 1])) for i in range(n)]


def _circular_index(n: int, lo: int, hi: int) -> list[int]:
    """PyTorch's circular padding of one dim as source indices: the (cropped) input is placed, then the
    left pad copies from the output's right part and the right pad from its left part."""
    size = n + lo + hi
    out = [-1] * size
    a, b = max(lo, 0), size - max(hi, 0)
    src = list(range(max(-lo, 0), n - max(-hi, 0)))
    out[a:b] = src
    if lo > 0:
        start = size - lo - max(hi, 0)
        out[:lo] = out[start : start + lo]
    if hi > 0:
        out[size - hi :] = out[a : a + hi]
    # where PyTorch would read memory it never wrote (negative padding on the other side), wrap around
    # the placed input instead
    return [v if v >= 0 else src[(j - a) % len(src)] for j, v in enumerate(out)]


def _too_small(input: Tensor, pairs: list[tuple[int, int]]) -> None:
    lead = input.ndim - len(pairs)
    names = "DHW"[3 - len(pairs) :]
    sizes = [input.shape[lead + i] for i in range(len(pairs))]
    outs = [n + lo + hi for n, (lo, hi) in zip(sizes, pairs)]
    # NOTE: PyTorch's check asks one padded dim (not all) to keep an element: another may crop to empty
    if any(o >= 1 for o in outs) and (len(pairs) > 1 or outs[0] >= 1):
        if any(o < 0 for o in outs):
            shape = list(input.shape[:lead]) + outs
            bad = next(o for o in outs if o < 0)
            raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: {shape}")
        return
    given = ", ".join(f"{nm}: {n}" for nm, n in zip(names, sizes))
    calc = " ".join(f"{nm}: {o}" for nm, o in zip(names, outs))
    raise RuntimeError(f"input ({given}) is too small. Calculated output {calc}")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """pad(input, pad, mode='constant', value=None) -> Tensor: pad the trailing dims; ``pad`` lists ``(left,
    right)`` of the last dim first. Negative padding crops."""
    pairs = _pairs(pad, input.ndim)
    lead = input.ndim - len(pairs)
    if mode == "constant":
        x = input
        if any(lo < 0 or hi < 0 for lo, hi in pairs):
            key = [slice(None)] * input.ndim
            for i, (lo, hi) in enumerate(pairs):
                size = input.shape[lead + i]
                if size + min(lo, 0) + min(hi, 0) < 0:
                    raise RuntimeError("narrow(): length must be non-negative.")
                key[lead + i] = slice(max(-lo, 0), size - max(-hi, 0))
            x = x[tuple(key)]
        pos = tuple((max(lo, 0), max(hi, 0)) for lo, hi in pairs)
        if not any(lo or hi for lo, hi in pos):
            return x if x is not input else input.clone()
        return _ConstantPad.apply(x, pos, 0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if len(pairs) > 3 or input.ndim not in (len(pairs) + 1, len(pairs) + 2):
        raise NotImplementedError(
            f"Padding size {2 * len(pairs)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    batched = input.ndim == len(pairs) + 2
    if mode != "circular" and 0 in input.shape[1 if batched else 0:]:
        n = len(pairs)
        raise RuntimeError(f"Expected {n + 1}D or {n + 2}D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {list(input.shape)}")
    if mode != "circular" and input.dtype is _dt.bool:
        kernel = "reflection" if mode == "reflect" else "replication"
        raise NotImplementedError(f"\"{kernel}_pad{len(pairs)}d\" not implemented for 'Bool'")
    if mode == "circular":
        for i, (lo, hi) in enumerate(pairs):
            n = input.shape[lead + i]
            if lo > n or hi > n:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if n + lo + hi < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
        shape = tuple(input.shape[:lead]) + tuple(input.shape[lead + i] + lo + hi for i, (lo, hi) in enumerate(pairs))
        if 0 in shape[lead:]:
            return input.narrow(shape.index(0, lead), 0, 0).reshape(shape)
        if any(input.shape[lead + i] + min(lo, 0) + min(hi, 0) <= 0 for i, (lo, hi) in enumerate(pairs)):
            # the input is cropped away along a dim that pads back: PyTorch copies from memory it never wrote
            # (uninitialized values); ember gives zeros
            return input.new_zeros(shape)
    else:
        if mode == "reflect":
            for i, (lo, hi) in enumerate(pairs):
                n = input.shape[lead + i]
                if lo >= n or hi >= n:
                    raise RuntimeError(
                        f"Argument #4: Padding size should be less than the corresponding input dimension, "
                        f"but got: padding ({lo}, {hi}) at dimension {lead + i} of input {list(input.shape)}"
                    )
        _too_small(input, pairs)
    return _pad_node(input, pairs, mode)


def _index_pad(input: Tensor, pairs: list[tuple[int, int]], mode: str) -> Tensor:
    lead = input.ndim - len(pairs)
    x = input
    for i, (lo, hi) in enumerate(pairs):
        d = lead + i
        n = x.shape[d]
        if mode == "circular":
            if n + lo + hi == 0:
                idx: list[int] = []
            else:
                idx = _circular_index(n, lo, hi)
        elif mode == "reflect":
            idx = [-j if j < 0 else (2 * (n - 1) - j if j >= n else j) for j in range(-lo, n + hi)]
        else:
            idx = [min(max(j, 0), n - 1) for j in range(-lo, n + hi)]
        x = x.index_select(d, tensor(idx, dtype=_dt.int64, device=x.device))
    return x


def _pad_node(input: Tensor, pairs: list[tuple[int, int]], mode: str) -> Tensor:
    """PyTorch's one node for reflect/replicate padding (circular padding is a composite there too)."""
    if mode == "circular":
        return _index_pad(input, pairs, mode)
    kind = "Reflection" if mode == "reflect" else "Replication"
    return composite(f"{kind}Pad{len(pairs)}DBackward0", _index_pad, (input,), (pairs, mode))


# ---------------------------------------------------------------------------------------------
# interpolate

_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3, "lanczos": 2}


def _np() -> Any:
    import numpy as np

    return np


def _nearest_index(in_size: int, out: int, sf: float | None, exact: bool) -> list[int]:
    np = _np()
    scale = np.float32(1.0 / sf) if sf is not None and sf > 0 else np.float32(in_size) / np.float32(out)
    j = np.arange(out, dtype="float32")
    src = np.floor((j + np.float32(0.5)) * scale if exact else j * scale).astype("int64")
    return np.minimum(src, in_size - 1).tolist()


def interpolate(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None,
    recompute_scale_factor=None, antialias=False) -> Tensor: resample the spatial dims (nearest,
    nearest-exact, linear, bilinear, bicubic, trilinear, area; anti-aliased bilinear, bicubic, lanczos)."""
    if AUTOCAST.on:
        return autocast_call("interpolate", interpolate, input, size, scale_factor, mode, align_corners,
                            recompute_scale_factor, antialias)
    nd = input.ndim - 2
    if nd < 1:
        raise ValueError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the modes: "
            "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got "
            f"{mode})"
        )
    linear_modes = ("linear", "bilinear", "bicubic", "trilinear", "lanczos")
    if antialias and (mode not in ("bilinear", "bicubic", "lanczos") or input.ndim != 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D tensor "
            "as input"
        )
    if mode == "lanczos" and not antialias:
        raise ValueError("Lanczos mode requires antialias=True")
    if mode == "lanczos" and align_corners:
        raise ValueError("Lanczos mode does not support align_corners=True")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear"
            )
    elif mode in linear_modes:
        if _DIMS[mode] != nd:
            raise NotImplementedError(
                f"Got {input.ndim}D input, but {mode} mode needs {_DIMS[mode] + 2}D input"
            )
        align_corners = bool(align_corners)
    else:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
            f"nearest-exact (got {mode})"
        )
    in_sizes = tuple(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        outs = tuple(int(s) for s in size) if isinstance(size, (list, tuple)) else (int(size),) * nd
        if len(outs) != nd:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(in_sizes)} and output size of {list(outs)}. Please provide "
                "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                "format."
            )
        factors: tuple[float | None, ...] = (None,) * nd
    elif scale_factor is not None:
        sfs = (
            tuple(float(s) for s in scale_factor)
            if isinstance(scale_factor, (list, tuple))
            else (float(scale_factor),) * nd
        )
        if len(sfs) != nd:
            raise ValueError(
                f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                f"with spatial dimensions of {list(in_sizes)} and scale_factor of shape {list(sfs)}."
            )
        outs = tuple(math.floor(i * s) for i, s in zip(in_sizes, sfs))
        factors = (None,) * nd if recompute_scale_factor else sfs
    else:
        raise ValueError("either size or scale_factor should be defined")
    _check_interp_dtype(input, mode, nd, antialias)
    if mode == "area":
        if nd == 1:
            return _adaptive_avg(input, outs, nd)
        return composite(f"AdaptiveAvgPool{nd}DBackward0", _adaptive_avg, (input,), (outs, nd))
    name = _UPSAMPLE_NODE[mode].format(nd=nd, aa="Aa" if antialias else "")
    return composite(name, _resample, (input,), (mode, in_sizes, outs, factors, align_corners, antialias))


_UPSAMPLE_NODE = {
    "nearest": "UpsampleNearest{nd}DBackward0",
    "nearest-exact": "UpsampleNearestExact{nd}DBackward0",
    "linear": "UpsampleLinear1DBackward0",
    "bilinear": "UpsampleBilinear2D{aa}Backward0",
    "bicubic": "UpsampleBicubic2D{aa}Backward0",
    "trilinear": "UpsampleTrilinear3DBackward0",
    "lanczos": "UpsampleLanczos2DAaBackward0",
}


def _check_interp_dtype(input: Tensor, mode: str, nd: int, antialias: bool) -> None:
    """PyTorch's CPU interpolation kernels: floating dtypes everywhere, uint8 for nearest, bilinear and bicubic;
    anti-aliasing on float32, float64 and uint8 only. The refusal names the kernel that has no such dtype."""
    dt = input.dtype
    if mode == "area":
        return  # adaptive average pooling checks its own dtypes
    if antialias:
        if dt in (_dt.float32, _dt.float64, _dt.uint8):
            return
        kernel = "compute_index_ranges_weights"
    elif dt.is_floating_point or (dt is _dt.uint8 and mode in ("nearest", "nearest-exact", "bilinear", "bicubic")):
        return
    elif mode in ("nearest", "nearest-exact"):
        kernel = "upsample_nearest2d_channels_last" if nd == 2 else "compute_indices_weights_nearest"
    elif mode == "bilinear":
        kernel = "upsample_bilinear2d_channels_last"
    elif mode == "bicubic":
        kernel = "compute_indices_weights_cubic"
    else:
        kernel = "compute_indices_weights_linear"
    raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(dt)}'")


def _resample(
    input: Tensor, mode: str, in_sizes: tuple[int, ...], outs: tuple[int, ...], factors: tuple[float | None, ...],
    align_corners: bool | None, antialias: bool,
) -> Tensor:
    x = input
    if mode in ("nearest", "nearest-exact"):
        for i, (n_in, n_out, sf) in enumerate(zip(in_sizes, outs, factors)):
            idx = _nearest_index(n_in, n_out, sf, mode == "nearest-exact")
            x = x.index_select(2 + i, tensor(idx, dtype=_dt.int64, device=x.device))
        return x
    return resample(x, mode, in_sizes, outs, factors, bool(align_corners), antialias)


def upsample(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """upsample(input, size=None, scale_factor=None, mode='nearest', align_corners=None): deprecated
    ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """upsample_nearest(input, size=None, scale_factor=None): deprecated ``interpolate(mode='nearest')``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """upsample_bilinear(input, size=None, scale_factor=None): deprecated bilinear ``interpolate``
    (align_corners)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
