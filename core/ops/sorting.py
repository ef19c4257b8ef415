"""Sorting and order statistics (sort, argsort, topk, kthvalue, median, unique, bincount), with their
backward. Ops taking ``dim`` also take NumPy's name ``axis``, as PyTorch's argument parser does."""

from __future__ import annotations

import builtins
from typing import Any

from .. import dtypes as _dt
from ..autograd.graph import Node
from ..tensor import Tensor, _wrap, _wrap_dim
from ._dispatch import handle_out, needs_grad, record
from .reduction import _no_grad, _out_pair, return_kthvalue, return_median, return_sort, return_topk

_INT = builtins.int


class SortBackward0(Node):
    def __init__(self, shape: tuple[int, ...], dim: int, indices: Tensor):
        self.shape, self.dim, self.indices = shape, dim, indices

    def backward(self, g: Tensor, g_idx: Any = None) -> Tensor:
        from .creation import zeros
        from .indexing import scatter

        if not self.shape:
            return g
        return scatter(zeros(self.shape, dtype=g.dtype, device=g.device), self.dim, self.indices, g)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False, *, out: Any = None,
         axis: int | None = None) -> Any:
    """``(values, indices)`` sorted along ``dim`` (NaN sorts as the largest value; ties keep their order)."""
    if axis is not None:
        dim = axis
    if out is not None:
        return _out_pair(sort(input, dim, descending, stable), out)
    if input.dtype.is_complex:
        raise RuntimeError(" Sort does not support complex dtypes on CPU")
    be = input._device._be
    nd = input._data.ndim
    if nd == 0:
        return return_sort(input.clone(), _wrap(be.zeros((), _dt.int64, input._device.index), _dt.int64,
                                                input._device))
    d = _wrap_dim(dim, nd)
    idx = be.argsort(input._data, d, descending, True)
    vals = be.take_along_axis(input._data, idx, d)
    i = _wrap(be.astype(idx, _dt.int64), _dt.int64, input._device)
    v = _wrap(vals, input.dtype, input._device)
    if needs_grad(input):
        record(v, SortBackward0(input._data.shape, d, i), input)
    return return_sort(v, i)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False, *,
            axis: int | None = None) -> Tensor:
    """Indices that sort ``input`` along ``dim``."""
    with _no_grad():
        return sort(input, dim if axis is None else axis, descending, stable).indices


def msort(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Sort along dim 0."""
    r = sort(input, 0).values
    return handle_out(r, out) if out is not None else r


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *,  # noqa: A002
         out: Any = None, axis: int | None = None) -> Any:
    """The ``k`` largest (or smallest) elements along ``dim``, with indices."""
    if axis is not None:
        dim = axis
    if out is not None:
        return _out_pair(topk(input, k, dim, largest, sorted), out)
    nd = input._data.ndim
    d = _wrap_dim(dim, nd) if nd else 0
    size = input._data.shape[d] if nd else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    with _no_grad():
        s = sort(input, d, descending=largest, stable=True)
        idx = s.indices.narrow(d, 0, k) if nd else s.indices
    from .indexing import gather

    v = gather(input, d, idx) if nd else input.clone()
    return return_topk(v, idx)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *, out: Any = None,
             axis: int | None = None) -> Any:
    """The ``k``-th smallest element along ``dim``, with its index (NaN sorts as the largest value)."""
    if axis is not None:
        dim = axis
    if out is not None:
        return _out_pair(kthvalue(input, k, dim, keepdim), out)
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    x = input if nd else input.reshape(1)
    size = x._data.shape[d]
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    with _no_grad():
        idx = sort(x, d, stable=True).indices.narrow(d, k - 1, 1)
    from .indexing import gather

    v = gather(x, d, idx)
    if not nd:
        v, idx = v.reshape(()), idx.reshape(())
    elif not keepdim:
        v, idx = v.squeeze(d), idx.squeeze(d)
    return return_kthvalue(v, idx)


def median(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None,
           axis: int | None = None) -> Any:
    """The lower median of all elements, or ``(values, indices)`` along ``dim``; NaN where a NaN is (at the index
    of the first one)."""
    if axis is not None:
        dim = axis
    if out is not None:
        r = median(input, dim, keepdim)
        return handle_out(r, out) if isinstance(r, Tensor) else _out_pair(r, out)
    if dim is None:
        flat = input.reshape(-1)
        if not flat.numel():
            return _empty_median(input)
        return _median_dim(flat, 0, False)[0]
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    if nd and input._data.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    v, i = _median_dim(input if nd else input.reshape(1), d, keepdim)
    if not nd:
        v, i = v.reshape(()), i.reshape(())
    return return_median(v, i)


def _empty_median(input: Tensor) -> Tensor:
    """The median of no elements: NaN (in an integer dtype, the value NaN converts to, as PyTorch's kernel gives),
    still in the graph (its gradient is the empty one)."""
    from ._formula import _attach
    from .creation import full, zeros_like

    r = full((), float("nan"), dtype=_dt.float64, device=input.device).to(input.dtype)
    return _attach(r, "MedianBackward0", (input,), lambda g: (zeros_like(input),))


def _median_dim(x: Tensor, d: int, keepdim: bool) -> tuple[Tensor, Tensor]:
    """Lower median along ``d``; a slice holding NaN gives NaN at its first NaN's index, as PyTorch."""
    from .indexing import gather

    n = x._data.shape[d]
    with _no_grad():
        srt = sort(x, d, stable=True).indices
        idx = srt.narrow(d, (n - 1) // 2, 1)
        if x.dtype.is_floating_point:
            nan = x.isnan()
            has_nan = nan.any(d, keepdim=True)
            first_nan = nan.to(_dt.uint8).argmax(d, keepdim=True)
            from .elementwise import where

            idx = where(has_nan, first_nan, idx)
    v = gather(x, d, idx)
    if not keepdim:
        v, idx = v.squeeze(d), idx.squeeze(d)
    return v, idx


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """Sorted unique elements (or slices along ``dim``), optionally with inverse indices and counts. Each NaN is
    its own value (NaN != NaN), and -0.0 equals 0.0, as in PyTorch."""
    if input.dtype.is_complex:
        raise NotImplementedError("\"unique\" not implemented for 'ComplexFloat'" if input.dtype is _dt.complex64
                                  else "\"unique\" not implemented for 'ComplexDouble'")
    with _no_grad():
        if dim is None:
            rows = input.detach().reshape(-1, 1)
            d = 0
        else:
            d = _wrap_dim(dim, input._data.ndim)
            x = input.detach().movedim(d, 0) if input._data.ndim else input.detach().reshape(1)
            if x.numel() == 0 and x._data.shape[0] != 0:
                raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be "
                                   "applied")
            rows = x.reshape(x._data.shape[0], -1)
        values, inverse, counts = _unique_rows(rows)
        if dim is None:
            out: list[Tensor] = [values.reshape(-1)]
            inv_shape = input._data.shape
        else:
            x_shape = x._data.shape
            out = [values.reshape((values._data.shape[0],) + x_shape[1:]).movedim(0, d) if input._data.ndim
                   else values.reshape(-1)]
            inv_shape = (x_shape[0],)
    if return_inverse:
        out.append(inverse.reshape(inv_shape))
    if return_counts:
        out.append(counts)
    return out[0] if len(out) == 1 else tuple(out)


def _unique_rows(rows: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """``(unique rows in lexicographic order, inverse, counts)`` of a 2-d tensor: a stable sort by each column from
    the last to the first, then a new row wherever a row differs from the one before (NaN differs from NaN)."""
    from .arrange import cat
    from .creation import arange, full, zeros
    from .indexing import index_select, nonzero, scatter

    n = rows._data.shape[0]
    dev = rows.device
    perm = arange(n, device=dev)
    for c in range(rows._data.shape[1] - 1, -1, -1):
        col = index_select(rows[:, c], 0, perm)
        perm = index_select(perm, 0, sort(col, 0, stable=True).indices)
    srt = index_select(rows, 0, perm)
    if n == 0:
        empty = zeros((0,), dtype=_dt.int64, device=dev)
        return srt, empty, empty
    new = (srt[1:] != srt[:-1]).any(1)
    keep = cat([full((1,), True, dtype=_dt.bool, device=dev), new], 0)
    starts = nonzero(keep).reshape(-1)
    group = keep.to(_dt.int64).cumsum(0) - 1
    inverse = scatter(zeros((n,), dtype=_dt.int64, device=dev), 0, perm, group)
    ends = cat([starts[1:], full((1,), n, dtype=_dt.int64, device=dev)], 0)
    return index_select(srt, 0, starts), inverse, ends - starts


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """Counts of each non-negative integer value."""
    from .creation import zeros
    from .indexing import index_put_functional

    if input._data.ndim != 1 or input.dtype.is_floating_point or input.dtype.is_complex or input.dtype is _dt.bool \
            or (input.numel() and builtins.bool((input < 0).any())):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and weights._data.shape != input._data.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    n = builtins.max(_INT(input.max().item()) + 1 if input.numel() else 0, minlength)
    # PyTorch counts float32 weights in float32 and every other weight dtype in float64
    dt = _dt.int64 if weights is None else _dt.float32 if weights.dtype is _dt.float32 else _dt.float64
    if weights is not None and weights.dtype is not dt:
        weights = weights.to(dt)
    z = zeros(n, dtype=dt, device=input.device)
    dev = input._device
    src = weights if weights is not None else _wrap(dev._be.ones(input._data.shape, _dt.int64, dev.index),
                                                    _dt.int64, dev)
    return index_put_functional(z, (input._data,), src, accumulate=True)
