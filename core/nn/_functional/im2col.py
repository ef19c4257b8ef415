"""Sliding-window geometry and the im2col/col2im pair that convolution, ``unfold``/``fold`` and pooling
are built on.

The windows of the (padded) input are gathered into a column tensor with one strided slice per kernel
offset. ``_Im2col`` and ``_Col2im`` are adjoint custom Functions (each one's backward is the other), so
everything built on them gets exact gradients of every order on every backend.

On backends without mutable strided memory (JAX), a slice per kernel offset is a copy and, for XLA, a program
compiled per offset and shape; there the windows are one gather (and col2im one scatter-add) over a flat
index computed on the host.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any, NamedTuple

import numpy as np

from ... import dtypes as _dt
from ...autograd.function import Function
from ...ops.arrange import stack
from ...ops.creation import empty, full, tensor, zeros
from ...ops.elementwise import _run
from ...tensor import Tensor
from ._utils import node_name


class Geom(NamedTuple):
    """Sliding-window geometry over the trailing spatial dims."""

    kernel: tuple[int, ...]
    dilation: tuple[int, ...]
    stride: tuple[int, ...]
    pad_lo: tuple[int, ...]
    pad_hi: tuple[int, ...]
    in_size: tuple[int, ...]  # spatial size of the unpadded input
    out_size: tuple[int, ...]  # number of windows per dim

    def padded(self) -> tuple[int, ...]:
        return tuple(i + lo + hi for i, lo, hi in zip(self.in_size, self.pad_lo, self.pad_hi))

    def window_keys(self) -> list[tuple[slice, ...]]:
        """One tuple of strided slices (over the padded spatial dims) per kernel offset."""
        keys = []
        for offs in itertools.product(*(range(k) for k in self.kernel)):
            keys.append(
                tuple(
                    slice(o * d, o * d + s * (n - 1) + 1, s)
                    for o, d, s, n in zip(offs, self.dilation, self.stride, self.out_size)
                )
            )
        return keys

    def interior(self) -> tuple[slice, ...]:
        return tuple(slice(lo, lo + i) for lo, i in zip(self.pad_lo, self.in_size))

    def has_pad(self) -> bool:
        return any(self.pad_lo) or any(self.pad_hi)

    def tiles(self) -> bool:
        """Whether the windows are disjoint and cover the padded input exactly."""
        return all(
            s == k * d and d == 1 and n * s == p
            for k, d, s, n, p in zip(self.kernel, self.dilation, self.stride, self.out_size, self.padded())
        )


@functools.lru_cache(maxsize=256)
def flat_windows(geom: Geom) -> np.ndarray:
    """Flat positions in the padded input of every window element: (kernel offsets, windows), row-major."""
    padded = geom.padded()
    pos = np.zeros((1, 1), dtype=np.int64)
    for k, d, s, n, size in zip(geom.kernel, geom.dilation, geom.stride, geom.out_size, padded):
        axis = (np.arange(k) * d)[:, None] + (np.arange(n) * s)[None, :]  # (k, n) positions along this dim
        pos = (pos[:, None, :, None] * size + axis[None, :, None, :]).reshape(pos.shape[0] * k, -1)
    return pos


def gathers(x: Tensor) -> bool:
    """Whether windows are taken by one gather: on backends whose slices are copies, not free views."""
    return not x._device._be.mutable


def out_size(in_size: int, k: int, d: int, s: int, lo: int, hi: int, ceil_mode: bool = False) -> int:
    """Number of windows along one dim (PyTorch's rule, incl. ceil_mode's last-window check)."""
    span = in_size + lo + hi - d * (k - 1) - 1
    if not ceil_mode:
        return span // s + 1 if span >= 0 else 0
    n = -(-span // s) + 1
    if (n - 1) * s >= in_size + lo:
        n -= 1
    return n


def im2col(x: Tensor, geom: Geom, sdim: int, value: float = 0.0) -> Tensor:
    """Windows of ``x`` (A, B, *in) stacked at ``sdim``: (A, KK, B, *out) for 1, (A, B, KK, *out) for 2."""
    return _Im2col.apply(x, geom, sdim, value)


def col2im(cols: Tensor, geom: Geom, sdim: int) -> Tensor:
    """The adjoint of ``im2col`` (zero padding): overlapping windows summed back into (A, B, *in)."""
    return _Col2im.apply(cols, geom, sdim)


class _Im2col(Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, geom: Geom, sdim: int, value: float) -> Tensor:
        ctx.geom, ctx.sdim = geom, sdim
        if geom.has_pad():
            xp = full(tuple(x.shape[:2]) + geom.padded(), value, dtype=x.dtype, device=x.device)
            xp[(slice(None), slice(None)) + geom.interior()] = x
        else:
            xp = x
        if gathers(x):
            a, b = x.shape[0], x.shape[1]
            pos = flat_windows(geom)
            flat = xp.reshape(a, b, _prod(geom.padded()))
            cols = flat.index_select(2, tensor(pos.reshape(-1), dtype=_dt.int64, device=x.device))
            cols = cols.reshape((a, b, pos.shape[0]) + geom.out_size)
            return cols.transpose(1, 2) if sdim == 1 else cols
        lead = (slice(None), slice(None))
        return stack([xp[lead + key] for key in geom.window_keys()], sdim)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        return _Col2im.apply(g, ctx.geom, ctx.sdim), None, None, None


class _Col2im(Function):
    @staticmethod
    def forward(ctx: Any, cols: Tensor, geom: Geom, sdim: int) -> Tensor:
        ctx.geom, ctx.sdim = geom, sdim
        shape = cols.shape
        a, b = (shape[0], shape[2]) if sdim == 1 else (shape[0], shape[1])
        lead = (slice(None), slice(None))
        if gathers(cols):
            pos = flat_windows(geom)
            c = (cols.transpose(1, 2) if sdim == 1 else cols).reshape(a, b, pos.size)
            buf = zeros((a, b, _prod(geom.padded())), dtype=cols.dtype, device=cols.device)
            at = tensor(pos.reshape(-1), dtype=_dt.int64, device=cols.device)
            # inf + -inf makes NaN silently in PyTorch: a NumPy-backed scatter-add's warning is rerun quietly
            buf = _run(lambda: buf.index_add(2, at, c))
            buf = buf.reshape((a, b) + geom.padded())
        elif geom.tiles():
            # disjoint windows covering the buffer: plain writes, no zero fill, no accumulation
            buf = empty((a, b) + geom.padded(), dtype=cols.dtype, device=cols.device)
            for k, key in enumerate(geom.window_keys()):
                buf[lead + key] = cols.select(sdim, k)
        else:
            buf = zeros((a, b) + geom.padded(), dtype=cols.dtype, device=cols.device)
            for k, key in enumerate(geom.window_keys()):
                view = buf[lead + key]
                view += cols.select(sdim, k)
        return buf[lead + geom.interior()] if geom.has_pad() else buf

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        return _Im2col.apply(g, ctx.geom, ctx.sdim, 0.0), None, None


def _prod(xs: tuple[int, ...]) -> int:
    out = 1
    for v in xs:
        out *= v
    return out


node_name(_Im2col, "Im2ColBackward0")
node_name(_Col2im, "Col2ImBackward0")
