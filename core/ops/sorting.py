"""Sorting and order statistics (sort, argsort, topk, kthvalue, median, unique, bincount), with their
backward."""

from __future__ import annotations

import builtins
from typing import Any

from .. import dtypes as _dt
from ..autograd.graph import Node
from ..tensor import Tensor, _wrap, _wrap_dim
from ._dispatch import needs_grad, record
from .reduction import _no_grad, return_kthvalue, return_median, return_sort, return_topk

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


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """``(values, indices)`` sorted along ``dim``."""
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


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """Indices that sort ``input`` along ``dim``."""
    return sort(input, dim, descending, stable).indices


def msort(input: Tensor) -> Tensor:
    """Sort along dim 0."""
    return sort(input, 0).values


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
    """The ``k`` largest (or smallest) elements along ``dim``, with indices."""
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


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """The ``k``-th smallest element along ``dim``, with its index."""
    d = _wrap_dim(dim, input._data.ndim)
    with _no_grad():
        idx = sort(input, d, stable=True).indices.narrow(d, k - 1, 1)
    from .indexing import gather

    v = gather(input, d, idx)
    if not keepdim:
        v, idx = v.squeeze(d), idx.squeeze(d)
    return return_kthvalue(v, idx)


def median(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The lower median (of all elements, or along ``dim`` with its index)."""
    if dim is None:
        flat = input.reshape(-1)
        return kthvalue(flat, (flat.numel() + 1) // 2, 0).values
    n = input._data.shape[_wrap_dim(dim, input._data.ndim)]
    r = kthvalue(input, (n + 1) // 2, dim, keepdim)
    return return_median(r.values, r.indices)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """Sorted unique elements, optionally with inverse indices and counts."""
    if input.dtype.is_complex:
        raise NotImplementedError("\"unique\" not implemented for 'ComplexFloat'" if input.dtype is _dt.complex64
                                  else "\"unique\" not implemented for 'ComplexDouble'")
    if dim is not None:
        raise NotImplementedError("unique(dim=...) is not supported by ember yet")
    be = input._device._be
    vals, inv, counts = be.unique(be.reshape(input._data, (-1,)), True, True)
    out: list[Tensor] = [_wrap(vals, input.dtype, input._device)]
    if return_inverse:
        out.append(_wrap(be.reshape(be.astype(inv, _dt.int64), input._data.shape), _dt.int64, input._device))
    if return_counts:
        out.append(_wrap(be.astype(counts, _dt.int64), _dt.int64, input._device))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """Counts of each non-negative integer value."""
    from .creation import zeros
    from .indexing import index_put_functional

    n = builtins.max(_INT(input.max().item()) + 1 if input.numel() else 0, minlength)
    dt = weights.dtype if weights is not None else _dt.int64
    z = zeros(n, dtype=dt, device=input.device)
    dev = input._device
    src = weights if weights is not None else _wrap(dev._be.ones(input._data.shape, _dt.int64, dev.index),
                                                    _dt.int64, dev)
    return index_put_functional(z, (input._data,), src, accumulate=True)
