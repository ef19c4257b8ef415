"""Spatial transformers: ``affine_grid`` and ``grid_sample`` (bilinear/nearest/bicubic sampling with zeros,
border or reflection padding), composed of Tensor ops so the gradients reach both ``input`` and ``grid``."""

from __future__ import annotations

import warnings

from ... import dtypes as _dt
from ...amp._state import AUTOCAST, autocast_call
from ...ops.arrange import stack
from ...ops.creation import linspace, ones, tensor
from ...ops.elementwise import where
from ...tensor import Tensor
from ._utils import prod

_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. Please "
    "specify align_corners=True if the old behavior is desired. See the documentation of grid_sample for "
    "details."
)


def _base(steps: int, align_corners: bool, theta: Tensor) -> Tensor:
    if steps <= 1:
        return tensor([0.0], dtype=theta.dtype, device=theta.device)
    r = linspace(-1.0, 1.0, steps, dtype=theta.dtype, device=theta.device)
    return r if align_corners else r * ((steps - 1) / steps)


def affine_grid(theta: Tensor, size: list[int], align_corners: bool | None = None) -> Tensor:
    """affine_grid(theta, size, align_corners=None) -> Tensor: the (N, H, W, 2) or (N, D, H, W, 3) sampling
    grid of the affine maps ``theta`` (N, 2, 3) or (N, 3, 4)."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    given = size  # PyTorch's messages show the size as the caller spelled it
    size = [int(s) for s in size]
    if len(size) == 4:
        if theta.ndim != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(
                f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {given}. Got {theta.shape}."
            )
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.ndim != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(
                f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {given}. Got {theta.shape}."
            )
        spatial = size[-3:]
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. "
            f"Got size {size}."
        )
    if align_corners and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when align_corners=True. "
            "This is not an intended use case of affine_grid. See the documentation of affine_grid for details.",
            stacklevel=2,
        )
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    nd = len(spatial)
    # coordinates list x (the last dim) first, then y, then z
    axes = [_base(s, align_corners, theta) for s in reversed(spatial)]
    cols = []
    for i, ax in enumerate(axes):
        shape = [1] * nd
        shape[nd - 1 - i] = ax.shape[0]
        cols.append(ax.reshape(shape).expand(tuple(spatial)))
    cols.append(ones(tuple(spatial), dtype=theta.dtype, device=theta.device))
    base = stack(cols, -1).reshape(1, prod(spatial), nd + 1)
    grid = base @ theta.transpose(1, 2)
    return grid.reshape([size[0]] + list(spatial) + [nd])


# ---------------------------------------------------------------------------------------------
# grid_sample


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    if twice_low == twice_high:
        return coord * 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = (coord - low).abs()
    extra = c.fmod(span)
    flips = (c / span).floor()
    return where(flips.remainder(2) == 0, extra + low, span - extra + low)


def _pad_coord(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    if padding_mode == "border":
        return coord.clamp(0, size - 1)
    if padding_mode == "reflection":
        if align_corners:
            coord = _reflect(coord, 0, 2 * (size - 1))
        else:
            coord = _reflect(coord, -1, 2 * size - 1)
        return coord.clamp(0, size - 1)
    return coord


def _taps(flat: Tensor, idx: list[Tensor], sizes: tuple[int, ...]) -> Tensor:
    """``input`` at the integer positions ``idx`` (one (N, P) tensor per spatial dim, first dim first);
    positions outside the input read 0."""
    n, c = flat.shape[0], flat.shape[1]
    valid = None
    lin = None
    stride = 1
    for i in reversed(range(len(sizes))):
        v = (idx[i] >= 0) & (idx[i] < sizes[i])
        valid = v if valid is None else valid & v
        term = idx[i].clamp(0, sizes[i] - 1) * stride
        lin = term if lin is None else lin + term
        stride *= sizes[i]
    assert lin is not None and valid is not None
    vals = flat.gather(2, lin.unsqueeze(1).expand(n, c, lin.shape[1]))
    return where(valid.unsqueeze(1), vals, 0.0)


def _cubic_weights(t: Tensor) -> list[Tensor]:
    a = -0.75

    def near(x: Tensor) -> Tensor:
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: Tensor) -> Tensor:
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """grid_sample(input, grid, mode='bilinear', padding_mode='zeros', align_corners=None) -> Tensor: sample
    ``input`` (N, C, [D,] H, W) at the normalized ``grid`` locations (N, [D_o,] H_o, W_o, 2 or 3)."""
    if AUTOCAST.on:
        return autocast_call("grid_sample", grid_sample, input, grid, mode, padding_mode, align_corners)
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: "
            f"'{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', "
            f"but got: '{padding_mode}'"
        )
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if input.ndim not in (4, 5):
        raise RuntimeError(
            f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but got input "
            f"with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
        )
    if grid.ndim != input.ndim:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have same number of dimensions as input, but got input with "
            f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
        )
    nd = input.ndim - 2
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(
            f"grid_sampler(): expected grid and input to have same batch size, but got input with sizes "
            f"{list(input.shape)} and grid with sizes {list(grid.shape)}"
        )
    if grid.shape[-1] != nd:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {nd} in last dimension, but got grid with sizes "
            f"{list(grid.shape)}"
        )
    if mode == "bicubic" and nd != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.dtype is not grid.dtype:
        raise RuntimeError(
            f"grid_sampler(): expected input and grid to have same dtype, but input has {input.dtype} and grid "
            f"has {grid.dtype}"
        )
    if input.dtype in (_dt.float16, _dt.bfloat16):
        # PyTorch's CPU kernel interpolates half precision in float32 and rounds once
        return grid_sample(input.float(), grid.float(), mode, padding_mode, align_corners).to(input.dtype)
    n, c = input.shape[0], input.shape[1]
    sizes = tuple(input.shape[2:])
    out_sp = tuple(grid.shape[1:-1])
    # sizes spelled out: an empty batch leaves a -1 in reshape ambiguous
    flat = input.reshape(n, c, prod(sizes))
    g = grid.reshape(n, prod(out_sp), nd)
    # the grid lists x (the last dim) first: coords[i] is the coordinate along spatial dim i
    raw = [_unnormalize(g[..., nd - 1 - i], sizes[i], align_corners) for i in range(nd)]
    if mode == "bicubic":
        base = [r.floor() for r in raw]
        ts = [r - b for r, b in zip(raw, base)]
        wy, wx = _cubic_weights(ts[0]), _cubic_weights(ts[1])
        out = None
        for i in range(4):
            yi = _pad_coord(base[0] - 1 + i, sizes[0], padding_mode, align_corners).to(_dt.int64)
            for j in range(4):
                xj = _pad_coord(base[1] - 1 + j, sizes[1], padding_mode, align_corners).to(_dt.int64)
                term = _taps(flat, [yi, xj], sizes) * (wy[i] * wx[j]).unsqueeze(1)
                out = term if out is None else out + term
        assert out is not None
        return out.reshape((n, c) + out_sp)
    coords = [_pad_coord(r, s, padding_mode, align_corners) for r, s in zip(raw, sizes)]
    if mode == "nearest":
        idx = [co.round().to(_dt.int64) for co in coords]
        return _taps(flat, idx, sizes).reshape((n, c) + out_sp)
    lo = [co.floor() for co in coords]
    out = None
    for corner in range(2**nd):
        idx, w = [], None
        for i in range(nd):
            hi_side = (corner >> (nd - 1 - i)) & 1
            pos = lo[i] + hi_side
            wi = coords[i] - lo[i] if hi_side else lo[i] + 1 - coords[i]
            idx.append(pos.to(_dt.int64))
            w = wi if w is None else w * wi
        assert w is not None
        term = _taps(flat, idx, sizes) * w.unsqueeze(1)
        out = term if out is None else out + term
    assert out is not None
    return out.reshape((n, c) + out_sp)

