"""Linear, cubic and anti-aliased resampling for ``interpolate``, as PyTorch's CPU kernels compute it.

Resampling is separable: each spatial dim is one pass, the last dim first, and each output element of a
pass is a weighted sum of a few input elements ("taps"). The tap indices and weights are computed on the
host with NumPy, in the precision PyTorch computes them in, and applied with Tensor ops (``index_select``,
multiply, sum over the taps), so they differentiate and run on every backend:

* float inputs: every tap is multiplied, a zero weight too (so an inf under a zero weight gives NaN, as in
  PyTorch); the weights of half-precision inputs are rounded to half, the sums run in float32 and round once;
* anti-aliased passes: a window per output of varying width, normalized, only its own taps summed;
* uint8 inputs (bilinear, bicubic): PyTorch's fixed-point path, int16 weights scaled by ``2**precision`` and
  each pass rounded back to uint8.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import dtypes as _dt
from ...ops.creation import tensor
from ...ops.elementwise import where
from ...tensor import Tensor

#: taps per output for each mode, without anti-aliasing (the filter's support, in input pixels, when with it)
_TAPS = {"linear": 2, "bilinear": 2, "trilinear": 2, "bicubic": 4, "lanczos": 6}
_HALF = (_dt.float16, _dt.bfloat16)


def _scale(n_in: int, n_out: int, sf: float | None, align_corners: bool, fdt: Any) -> Any:
    """PyTorch's ``area_pixel_compute_scale``: input pixels per output pixel."""
    if align_corners:
        return fdt.type(n_in - 1) / fdt.type(n_out - 1) if n_out > 1 else fdt.type(0)
    if sf is not None and sf > 0:
        return fdt.type(1.0 / sf)
    return fdt.type(n_in) / fdt.type(n_out)


def _source(scale: Any, j: np.ndarray, align_corners: bool, cubic: bool) -> np.ndarray:
    """PyTorch's ``area_pixel_compute_source_index`` for output indices ``j`` (of the scale's dtype)."""
    if align_corners:
        return scale * j
    src = scale * (j + j.dtype.type(0.5)) - j.dtype.type(0.5)
    return src if cubic else np.maximum(src, j.dtype.type(0))


def _guard(src: np.ndarray, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's ``guard_index_and_lambda``: the base index and the fraction past it, both clamped."""
    idx = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    lam = np.clip(src - idx.astype(src.dtype), 0, 1).astype(src.dtype)
    return idx, lam


def _cubic_conv1(x: Any, a: float) -> Any:
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _cubic_conv2(x: Any, a: float) -> Any:
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def _filter(mode: str, x: np.ndarray, a: float = -0.5) -> np.ndarray:
    """The resampling filters of the anti-aliased (and the uint8) paths: triangle, Keys cubic (``a``), Lanczos-3."""
    x = np.abs(x)
    if mode in ("linear", "bilinear", "trilinear"):
        return np.where(x < 1, 1 - x, 0).astype(x.dtype)
    if mode == "bicubic":
        return np.where(x < 1, _cubic_conv1(x, a), np.where(x < 2, _cubic_conv2(x, a), 0)).astype(x.dtype)
    return np.where(x < 3, np.sinc(x) * np.sinc(x / 3), 0).astype(x.dtype)  # Lanczos-3


def _plain_taps(mode: str, n_in: int, n_out: int, sf: float | None, align_corners: bool,
                fdt: Any) -> tuple[np.ndarray, np.ndarray]:
    """Indices and weights (out, taps) of PyTorch's linear and cubic kernels (``compute_indices_weights``)."""
    scale = _scale(n_in, n_out, sf, align_corners, fdt)
    j = np.arange(n_out, dtype=fdt)
    if mode == "bicubic":
        idx, t = _guard(_source(scale, j, align_corners, True), n_in)
        a = -0.75
        w = np.stack([_cubic_conv2(t + 1, a), _cubic_conv1(t, a), _cubic_conv1(1 - t, a), _cubic_conv2(2 - t, a)], 1)
        taps = np.clip(idx[:, None] + np.arange(-1, 3)[None, :], 0, n_in - 1)
        return taps, w.astype(fdt)
    if n_in == n_out:
        # PyTorch copies when a dim keeps its size (whatever align_corners says)
        same = np.arange(n_out)
        return np.stack([same, same], 1), np.stack([np.ones(n_out, fdt), np.zeros(n_out, fdt)], 1)
    i0, lam = _guard(_source(scale, j, align_corners, False), n_in)
    i1 = i0 + (i0 < n_in - 1)
    return np.stack([i0, i1], 1), np.stack([1 - lam, lam], 1).astype(fdt)


def _aa_taps(mode: str, n_in: int, n_out: int, sf: float | None, align_corners: bool,
             fdt: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PyTorch's (and PIL's) anti-aliased windows (``_compute_indices_min_size_weights_aa``): the filter is
    stretched by the downscale factor and normalized; (indices, weights, valid) of shape (out, widest)."""
    scale = _scale(n_in, n_out, sf, align_corners, fdt)
    half = fdt.type(_TAPS[mode] * 0.5)
    support = half * scale if scale >= 1 else half
    width = int(math.ceil(support)) * 2 + 1
    invscale = fdt.type(1) / scale if scale >= 1 else fdt.type(1)
    idx = np.zeros((n_out, width), np.int64)
    w = np.zeros((n_out, width), fdt)
    valid = np.zeros((n_out, width), bool)
    for i in range(n_out):
        center = scale * fdt.type(i + 0.5)
        lo = max(int(center - support + fdt.type(0.5)), 0)
        size = min(max(min(int(center + support + fdt.type(0.5)), n_in) - lo, 0), width)
        k = np.arange(size)
        wi = _filter(mode, ((k + lo).astype(fdt) - center + fdt.type(0.5)) * invscale).astype(fdt)
        total = wi.sum(dtype=fdt)
        w[i, :size] = wi / total if total != 0 else wi
        idx[i, :size], idx[i, size:] = k + lo, lo
        valid[i, :size] = True
    return idx, w, valid


def _uint8_taps(mode: str, n_in: int, n_out: int, sf: float | None, align_corners: bool,
                antialias: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """PyTorch's uint8 weights (``_compute_index_ranges_int16_weights``): double weights, scaled to int16 by
    ``2**precision`` (the largest precision that keeps the largest weight below 2**15)."""
    f64 = np.dtype("float64")
    if antialias:
        idx, w, valid = _aa_taps(mode, n_in, n_out, sf, align_corners, f64)
    else:
        # PyTorch's _compute_indices_min_size_weights: the filter's taps around the source index, those out of
        # the input folded onto the first or last valid tap; bicubic uses Keys' a = -0.75 here
        scale = _scale(n_in, n_out, sf, align_corners, f64)
        taps = _TAPS[mode]
        support = taps // 2
        idx = np.zeros((n_out, taps), np.int64)
        w = np.zeros((n_out, taps), f64)
        valid = np.zeros((n_out, taps), bool)
        src = _source(scale, np.arange(n_out, dtype=f64), align_corners, mode == "bicubic")
        base, lam = _guard(src, n_in)
        for i in range(n_out):
            lo_unbound = int(base[i]) - support + 1
            lo = max(lo_unbound, 0)
            size = min(max(min(int(base[i]) + support + 1, n_in) - lo, 0), taps)
            slot = 0
            for j in range(taps):
                v = _filter(mode, np.array(j + 1 - support - lam[i]), -0.75)
                if lo_unbound + j <= 0:
                    slot = 0
                elif lo_unbound + j >= n_in - 1:
                    slot = size - 1
                w[i, slot] += v
                slot += 1
            idx[i, :size], idx[i, size:] = np.arange(lo, lo + size), lo
            valid[i, :size] = True
    top = float(w.max()) if w.size else 0.0
    precision = 0
    while precision < 22 and int(0.5 + top * (1 << (precision + 1))) < (1 << 15):
        precision += 1
    scaled = w * (1 << precision)
    wi = np.where(scaled < 0, np.trunc(scaled - 0.5), np.trunc(scaled + 0.5)).astype(np.int64)
    return idx, wi, valid, precision


def _apply(x: Tensor, dim: int, idx: np.ndarray, w: Any, valid: np.ndarray | None) -> Tensor:
    """One pass along ``dim``: ``out[j] = sum_k w[j, k] * x[idx[j, k]]`` (taps outside ``valid`` skipped)."""
    n_out, k = idx.shape
    shape = tuple(x.shape)
    sel = x.index_select(dim, tensor(idx.reshape(-1), dtype=_dt.int64, device=x.device))
    sel = sel.reshape(shape[:dim] + (n_out, k) + shape[dim + 1:])
    trail = (1,) * (len(shape) - dim - 1)
    wt = w if isinstance(w, Tensor) else tensor(w, dtype=x.dtype, device=x.device)
    terms = sel * wt.reshape((n_out, k) + trail)
    if valid is not None and not valid.all():
        terms = where(tensor(valid, device=x.device).reshape((n_out, k) + trail), terms, 0)
    return terms.sum(dim + 1)


def _uint8(x: Tensor, mode: str, in_sizes: tuple[int, ...], outs: tuple[int, ...],
           factors: tuple[float | None, ...], align_corners: bool, antialias: bool) -> Tensor:
    """PyTorch's separable uint8 path: the last dim first, then the others; each pass in integers, rounded
    (``(sum + 2**(p-1)) >> p``) and clamped back to uint8."""
    nd = len(in_sizes)
    for j in reversed(range(nd)):
        if in_sizes[j] == outs[j]:
            continue
        idx, wi, valid, p = _uint8_taps(mode, in_sizes[j], outs[j], factors[j], align_corners, antialias)
        wt = tensor(wi, dtype=_dt.int64, device=x.device)
        acc = _apply(x.to(_dt.int64), 2 + j, idx, wt, valid) + (1 << (p - 1))
        x = acc.div(1 << p, rounding_mode="floor").clamp(0, 255).to(_dt.uint8)
    return x


def resample(x: Tensor, mode: str, in_sizes: tuple[int, ...], outs: tuple[int, ...],
             factors: tuple[float | None, ...], align_corners: bool, antialias: bool) -> Tensor:
    """Linear/cubic/anti-aliased resampling of the spatial dims of ``x`` (N, C, *in) to ``outs``."""
    if x.dtype is _dt.uint8:
        if tuple(x.shape[2:]) == outs:
            return x.clone()
        return _uint8(x, mode, in_sizes, outs, factors, align_corners, antialias)
    dt = x.dtype
    if dt in _HALF:
        fdt = np.dtype("float32")
        work = x.float()
    else:
        fdt = np.dtype("float64" if dt is _dt.float64 else "float32")
        work = x
    # NOTE: PyTorch's generic kernel stores a half input's weights in half; its channels-last bilinear kernel,
    # which it picks for outputs of at most 128 rows plus columns, keeps them in float32
    half_weights = dt in _HALF and not (mode == "bilinear" and sum(outs) <= 128)
    for j in reversed(range(len(in_sizes))):
        if antialias:
            idx, w, valid = _aa_taps(mode, in_sizes[j], outs[j], factors[j], align_corners, fdt)
        else:
            idx, w = _plain_taps(mode, in_sizes[j], outs[j], factors[j], align_corners, fdt)
            valid = None
            if half_weights:
                w = tensor(w, dtype=dt, device=x.device).float()
        work = _apply(work, 2 + j, idx, w, valid)
    return work.to(dt) if work.dtype is not dt else work
