"""Reductions (sum, mean, max, var, norm, ...) and scans (cumsum, cumprod), with their backward."""

from __future__ import annotations

import builtins
import math
from typing import Any, NamedTuple, TypeVar

from .. import dtypes as _dt
from ..amp._state import AUTOCAST, autocast_call
from ..autograd.grad_mode import GRAD
from ..autograd.graph import Node
from ..tensor import Tensor, _wrap, _wrap_dim
from ._dispatch import handle_out, needs_grad, record, type_name

_INT = builtins.int


class _ValuesIndices(NamedTuple):
    values: Any
    indices: Any


class _MinMax(NamedTuple):
    min: Any
    max: Any


_NT = TypeVar("_NT")


def _ret(name: str, base: type[_NT]) -> type[_NT]:
    # NOTE: one named subclass per op so the repr reads as PyTorch's, e.g. ``max(values=..., indices=...)``
    return type(name, (base,), {"__slots__": (), "__module__": "ember.return_types"})


return_max, return_min = _ret("max", _ValuesIndices), _ret("min", _ValuesIndices)
return_sort, return_topk = _ret("sort", _ValuesIndices), _ret("topk", _ValuesIndices)
return_kthvalue, return_mode = _ret("kthvalue", _ValuesIndices), _ret("mode", _ValuesIndices)
return_median = _ret("median", _ValuesIndices)
return_cummax, return_cummin = _ret("cummax", _ValuesIndices), _ret("cummin", _ValuesIndices)
return_aminmax = _ret("aminmax", _MinMax)


def _dims(dim: Any, nd: int) -> tuple[int, ...] | None:
    """Normalize ``dim`` (None, int, tuple/list) to a sorted tuple of non-negative dims, or None."""
    if dim is None:
        return None
    if nd == 0:
        # a 0-d tensor reduces over "dim 0" / "dim -1" as over nothing (PyTorch)
        for d in (dim if isinstance(dim, (tuple, list)) else (dim,)):
            _wrap_dim(d, 0)
        return None
    if isinstance(dim, (tuple, list)):
        if len(dim) == 0:
            return None
        ds = tuple(_wrap_dim(d, nd) for d in dim)
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"dim {ds[0]} appears multiple times in the list of dims")
        return tuple(sorted(ds))
    return (_wrap_dim(dim, nd),)


def _expand_back(g: Tensor, shape: tuple[int, ...], dims: tuple[int, ...] | None, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced dims."""
    if not keepdim and shape:
        if dims is None:
            g = g.reshape((1,) * len(shape))
        else:
            for d in dims:
                g = g.unsqueeze(d)
    return g.expand(*shape)


class SumBackward0(Node):
    def __init__(self, shape: tuple[int, ...], dims: tuple[int, ...] | None, keepdim: bool):
        self.shape, self.dims, self.keepdim = shape, dims, keepdim

    def backward(self, g: Tensor) -> Tensor:
        return _expand_back(g, self.shape, self.dims, self.keepdim)


class SumBackward1(SumBackward0):
    pass


class MeanBackward0(SumBackward0):
    def backward(self, g: Tensor) -> Tensor:
        n = 1
        for i, s in enumerate(self.shape):
            if self.dims is None or i in self.dims:
                n *= s
        return _expand_back(g, self.shape, self.dims, self.keepdim) / n


class MeanBackward1(MeanBackward0):
    pass


def _axis(dims: tuple[int, ...] | None) -> Any:
    return dims if dims is None or len(dims) != 1 else dims[0]


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: _dt.dtype | None = None,  # noqa: A001
        out: Tensor | None = None) -> Tensor:
    """Sum over ``dim`` (all dims when None); integer and bool inputs sum to int64."""
    if AUTOCAST.on:
        return autocast_call("sum", sum, input, dim, keepdim, dtype=dtype, out=out)
    dims = _dims(dim, input._data.ndim)
    be = input._device._be
    dt = dtype or (input.dtype if input.dtype._category >= 2 else _dt.int64)
    a = input._data if input.dtype is dt else be.astype(input._data, dt)
    r = _wrap(be.sum(a, _axis(dims), keepdim), dt, input._device)
    if input._rg and GRAD.enabled:
        record(r, (SumBackward0 if dims is None else SumBackward1)(input._data.shape, dims, keepdim), input)
    return handle_out(r, out) if out is not None else r


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: _dt.dtype | None = None) -> Tensor:
    """Sum treating NaN as zero."""
    if input.dtype.is_complex:
        raise RuntimeError("nansum on CPU does not support complex inputs")
    from .elementwise import where

    return sum(where(input.isnan(), 0.0, input), dim, keepdim, dtype=dtype)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: _dt.dtype | None = None,
         out: Tensor | None = None) -> Tensor:
    """Mean over ``dim`` (all dims when None); needs a floating dtype."""
    dt = dtype or input.dtype
    if dt._category < 2:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {type_name(input.dtype)}")
    dims = _dims(dim, input._data.ndim)
    be = input._device._be
    a = input._data if input.dtype is dt else be.astype(input._data, dt)
    data = be.mean(a, _axis(dims), keepdim)
    if getattr(data, "dtype", None) is not None and str(data.dtype) != dt.name and dt is not _dt.bfloat16:
        data = be.astype(data, dt)
    r = _wrap(data, dt, input._device)
    if input._rg and GRAD.enabled:
        record(r, (MeanBackward0 if dims is None else MeanBackward1)(input._data.shape, dims, keepdim), input)
    return handle_out(r, out) if out is not None else r


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Mean ignoring NaN."""
    ok = ~input.isnan()
    return nansum(input, dim, keepdim) / ok.sum(dim, keepdim)


class ProdBackward0(Node):
    def __init__(self, x: Tensor, dims: tuple[int, ...] | None, keepdim: bool):
        self.save(x)
        self.dims, self.keepdim = dims, keepdim

    def backward(self, g: Tensor) -> Tensor:
        (x,) = self.saved_tensors
        assert x is not None
        if x.dtype.is_complex:  # PyTorch's convention: g * conj(product of the others)
            x = x.conj()
        shape = x._data.shape
        if self.dims is None:
            flat = x.reshape(-1)
            return (g * _prod_others(flat, 0)).reshape(shape) if flat.numel() else x * 0
        d = self.dims[0]
        gx = _expand_back(g, shape, self.dims, self.keepdim)
        return gx * _prod_others(x, d)


def _prod_others(x: Tensor, d: int) -> Tensor:
    """Product of all other elements along ``d`` for each element (exclusive cumprods; zero-safe)."""
    n = x._data.shape[d]
    ones = x.narrow(d, 0, 1) * 0 + 1
    left = _cat([ones, x.narrow(d, 0, n - 1).cumprod(d)], d) if n > 1 else ones
    rev = x.flip(d)
    right = _cat([ones, rev.narrow(d, 0, n - 1).cumprod(d)], d).flip(d) if n > 1 else ones
    return left * right


def _cat(ts: list[Tensor], d: int) -> Tensor:
    from .arrange import cat

    return cat(ts, d)


def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: _dt.dtype | None = None) -> Tensor:
    """Product over ``dim`` (all elements when None)."""
    if AUTOCAST.on:
        return autocast_call("prod", prod, input, dim, keepdim, dtype=dtype)
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod(): argument 'dim' must be int, not tuple")
    dims = _dims(dim, input._data.ndim)
    be = input._device._be
    dt = dtype or (input.dtype if input.dtype._category >= 2 else _dt.int64)
    a = input._data if input.dtype is dt else be.astype(input._data, dt)
    r = _wrap(be.prod(a, _axis(dims), keepdim), dt, input._device)
    if needs_grad(input):
        node = ProdBackward0(input, dims, keepdim)
        node.__class__ = ProdBackward0 if dims is None else ProdBackward1
        record(r, node, input)
    return r


class ProdBackward1(ProdBackward0):
    pass


class _ExtremumAllBackward(Node):
    """max()/min()/amax/amin: gradient split evenly among tied extrema, as in PyTorch."""

    def __init__(self, x: Tensor, r: Tensor, dims: tuple[int, ...] | None, keepdim: bool):
        self.save(x, outputs=(r,))
        self.dims, self.keepdim = dims, keepdim

    def backward(self, g: Tensor) -> Tensor:
        x, r = self.saved_tensors
        assert x is not None and r is not None
        shape = x._data.shape
        rb = _expand_back(r, shape, self.dims, self.keepdim)
        mask = (x == rb)
        count = mask.sum(self.dims, keepdim=True) if self.dims is not None else mask.sum()
        gb = _expand_back(g, shape, self.dims, self.keepdim)
        return gb * mask / (count if self.dims is not None else count)


class MaxBackward1(_ExtremumAllBackward):
    pass


class MinBackward1(_ExtremumAllBackward):
    pass


class AmaxBackward0(_ExtremumAllBackward):
    pass


class AminBackward0(_ExtremumAllBackward):
    pass


class MaxBackward0(Node):
    """max(dim)/min(dim): the gradient flows to the returned index."""

    def __init__(self, shape: tuple[int, ...], dim: int, indices: Tensor, keepdim: bool):
        self.shape, self.dim, self.indices, self.keepdim = shape, dim, indices, keepdim

    def backward(self, g: Tensor, g_idx: Any = None) -> Tensor:
        from .creation import zeros
        from .indexing import scatter

        idx = self.indices if self.keepdim else self.indices.unsqueeze(self.dim)
        gg = g if self.keepdim else g.unsqueeze(self.dim)
        if not self.shape:
            return g
        return scatter(zeros(self.shape, dtype=g.dtype, device=g.device), self.dim, idx, gg)


class MinBackward0(MaxBackward0):
    pass


def _extremum(input: Tensor, dim: Any, keepdim: bool, is_max: bool, name: str) -> Any:
    if input.dtype.is_complex:
        if dim is None:
            raise NotImplementedError(f"\"{name}_all\" not implemented for '{type_name(input.dtype)}'")
        raise RuntimeError(f"{name}(): does not support complex input")
    be = input._device._be
    nd = input._data.ndim
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                               "reduction dim with the 'dim' argument.")
        data = (be.max if is_max else be.min)(input._data, None, False)
        r = _wrap(data, input.dtype, input._device)
        if needs_grad(input):
            record(r, (MaxBackward1 if is_max else MinBackward1)(input, r, None, False), input)
        return r
    if isinstance(dim, Tensor):
        return (_maximum(input, dim) if is_max else _minimum(input, dim))
    d = _wrap_dim(dim, nd)
    if nd and input._data.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    ax = d if nd else None
    vals = (be.max if is_max else be.min)(input._data, ax, keepdim)
    idx = (be.argmax if is_max else be.argmin)(input._data, ax, keepdim)
    v = _wrap(vals, input.dtype, input._device)
    i = _wrap(be.astype(idx, _dt.int64), _dt.int64, input._device)
    if needs_grad(input):
        record(v, (MaxBackward0 if is_max else MinBackward0)(input._data.shape, d, i, keepdim), input)
    return (return_max if is_max else return_min)(v, i)


def _maximum(a: Tensor, b: Tensor) -> Tensor:
    from .elementwise import maximum

    return maximum(a, b)


def _minimum(a: Tensor, b: Tensor) -> Tensor:
    from .elementwise import minimum

    return minimum(a, b)


def max(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Any:  # noqa: A001
    """The maximum (a tensor), or ``(values, indices)`` along ``dim``, or elementwise with a tensor."""
    return _extremum(input, dim, keepdim, True, "max")


def min(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None) -> Any:  # noqa: A001
    """The minimum (a tensor), or ``(values, indices)`` along ``dim``, or elementwise with a tensor."""
    return _extremum(input, dim, keepdim, False, "min")


def _amaxmin(input: Tensor, dim: Any, keepdim: bool, is_max: bool) -> Tensor:
    if input.dtype.is_complex:
        raise NotImplementedError(f"\"{'max' if is_max else 'min'}_values_cpu\" not implemented for "
                                  f"'{type_name(input.dtype)}'")
    be = input._device._be
    dims = _dims(dim, input._data.ndim)
    if input.numel() == 0 and dims is None:
        raise IndexError(f"{'amax' if is_max else 'amin'}(): Expected reduction dim to be specified for "
                         "input.numel() == 0.")
    data = (be.max if is_max else be.min)(input._data, _axis(dims), keepdim)
    r = _wrap(data, input.dtype, input._device)
    if needs_grad(input):
        record(r, (AmaxBackward0 if is_max else AminBackward0)(input, r, dims, keepdim), input)
    return r


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Maximum over ``dim`` (all dims when empty); ties share the gradient."""
    return _amaxmin(input, dim, keepdim, True)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Minimum over ``dim`` (all dims when empty); ties share the gradient."""
    return _amaxmin(input, dim, keepdim, False)


def aminmax(input: Tensor, *, dim: Any = None, keepdim: bool = False) -> Any:
    """``(amin, amax)`` as a named tuple."""
    return return_aminmax(amin(input, dim if dim is not None else (), keepdim),
                          amax(input, dim if dim is not None else (), keepdim))


def _arg(input: Tensor, dim: Any, keepdim: bool, is_max: bool) -> Tensor:
    if input.dtype.is_complex:
        raise RuntimeError(f"{'argmax' if is_max else 'argmin'}(): does not support complex input")
    be = input._device._be
    if input.numel() == 0:
        raise RuntimeError(f"{'argmax' if is_max else 'argmin'}(): Expected reduction dim to be specified for "
                           "input.numel() == 0.")
    if dim is None:
        data = (be.argmax if is_max else be.argmin)(be.reshape(input._data, (-1,)), 0, False)
        if keepdim:
            data = be.reshape(data, (1,) * input._data.ndim)
    else:
        d = _wrap_dim(dim, input._data.ndim)
        data = (be.argmax if is_max else be.argmin)(input._data, d if input._data.ndim else None, keepdim)
    return _wrap(be.astype(data, _dt.int64), _dt.int64, input._device)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the maximum (first on ties), over the flattened tensor when ``dim`` is None."""
    return _arg(input, dim, keepdim, True)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the minimum (first on ties), over the flattened tensor when ``dim`` is None."""
    return _arg(input, dim, keepdim, False)


def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Variance over ``dim`` with Bessel's ``correction`` (default 1)."""
    if isinstance(unbiased, builtins.bool) and correction is None:
        correction = 1 if unbiased else 0
    elif unbiased is not None and not isinstance(unbiased, builtins.bool) and dim is None:
        dim = unbiased
    if correction is None:
        correction = 1
    if input.dtype._category < 2:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims = _dims(dim, input._data.ndim)
    n = 1
    for i, s in enumerate(input._data.shape):
        if dims is None or i in dims:
            n *= s
    mu = mean(input, dims, keepdim=True)
    dev = input - mu
    # complex: the variance is of |x - mean|, a real number
    ss = sum((dev * dev.conj()).real if dev.dtype.is_complex else dev * dev, dims, keepdim)
    return ss / builtins.max(n - correction, 0) if n - correction > 0 else ss / 0.0


def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Standard deviation over ``dim`` with Bessel's ``correction`` (default 1)."""
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def var_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple[Tensor, Tensor]:
    """``(var, mean)``."""
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple[Tensor, Tensor]:
    """``(std, mean)``."""
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """Vector p-norm over ``dim`` (Frobenius by default; ``inf``/``-inf``/0 supported)."""
    if AUTOCAST.on:
        return autocast_call("norm", norm, input, p, dim, keepdim, dtype)
    x = input if dtype is None else input.to(dtype)
    if x.dtype._category < 2:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{type_name(x.dtype)}")
    if x.dtype.is_complex:  # the norm of a complex vector is the norm of its magnitudes
        return norm(x.abs(), p, dim, keepdim)
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        raise RuntimeError("nuclear norm is not supported by ember")
    a = x.abs()
    if p == math.inf:
        return amax(a, dim if dim is not None else (), keepdim)
    if p == -math.inf:
        return amin(a, dim if dim is not None else (), keepdim)
    if p == 0:
        return sum((a != 0).to(x.dtype), dim, keepdim)
    if p == 1:
        return sum(a, dim, keepdim)
    if p == 2:
        if not needs_grad(x):
            return sum(x * x, dim, keepdim).sqrt()
        with _no_grad():
            r = sum(x * x, dim, keepdim).sqrt()
        return record(r, LinalgVectorNormBackward0(x, _dims(dim, x._data.ndim), keepdim), x)
    return sum(a ** p, dim, keepdim) ** (1.0 / p)


class LinalgVectorNormBackward0(Node):
    """2-norm: ``g * x / norm``, with 0 where the norm is 0 (PyTorch's subgradient), not 0/0."""

    def __init__(self, x: Tensor, dims: tuple[int, ...] | None, keepdim: bool):
        self.save(x)
        self.dims, self.keepdim = dims, keepdim

    def backward(self, g: Tensor) -> Tensor:
        (x,) = self.saved_tensors
        assert x is not None
        shape = x._data.shape
        norm = sum(x * x, self.dims, keepdim=True).sqrt() if shape else x.abs()
        # a zero norm means every x of that slice is 0, so dividing by 1 there gives the 0 PyTorch gives
        safe = norm.masked_fill(norm == 0, 1.0)
        return _expand_back(g, shape, self.dims, self.keepdim) * x / safe


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, computed stably."""
    if AUTOCAST.on:
        return autocast_call("logsumexp", logsumexp, input, dim, keepdim)
    x = input if input.dtype._category >= 2 else input.to(_dt.get_default_dtype())
    dims = _dims(dim, x._data.ndim)
    with _no_grad():
        # complex: shifting by the largest real part keeps exp() in range (the phase needs no shift)
        m = amax(x.real if x.dtype.is_complex else x, dims if dims is not None else (), keepdim=True)
        m = m.masked_fill(m.isinf(), 0.0)
    r = (x - m).exp().sum(dims, keepdim=True).log() + m
    if not keepdim:
        r = r.squeeze(dims) if dims is not None else r.reshape(())
    return r


class _no_grad:
    def __enter__(self) -> None:
        self.prev = GRAD.enabled
        GRAD.enabled = False

    def __exit__(self, *exc: object) -> None:
        GRAD.enabled = self.prev


class CumsumBackward0(Node):
    def __init__(self, dim: int):
        self.dim = dim

    def backward(self, g: Tensor) -> Tensor:
        return g.flip(self.dim).cumsum(self.dim).flip(self.dim)


def cumsum(input: Tensor, dim: int, *, dtype: _dt.dtype | None = None) -> Tensor:
    """Cumulative sum along ``dim``."""
    if AUTOCAST.on:
        return autocast_call("cumsum", cumsum, input, dim, dtype=dtype)
    be = input._device._be
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    dt = dtype or (input.dtype if input.dtype._category >= 2 else _dt.int64)
    a = input._data if input.dtype is dt else be.astype(input._data, dt)
    data = be.cumsum(a, d) if nd else a
    r = _wrap(data, dt, input._device)
    if needs_grad(input):
        record(r, CumsumBackward0(d), input)
    return r


class CumprodBackward0(Node):
    def __init__(self, x: Tensor, dim: int):
        self.save(x)
        self.dim = dim

    def backward(self, g: Tensor) -> Tensor:
        (x,) = self.saved_tensors
        assert x is not None
        if x.dtype.is_complex:  # PyTorch's convention: g * conj(d cumprod / dx)
            x = x.conj()
        d = self.dim
        # d/dx_j sum_i g_i prod_{k<=i} x_k = sum_{i>=j} g_i * prod_{k<=i, k!=j} x_k (zero-safe form)
        n = x._data.shape[d] if x._data.ndim else 1
        if x._data.ndim == 0:
            return g
        from .creation import arange

        mask_shape = [1] * x._data.ndim
        mask_shape[d] = n
        idx = arange(n, device=x.device).reshape(mask_shape)
        parts = []
        for j in range(n):
            others = _where(idx == j, x * 0 + 1, x)
            parts.append((g * others.cumprod(d) * (idx >= j)).sum(d, keepdim=True))
        return _cat(parts, d)


def _where(c: Tensor, a: Tensor, b: Tensor) -> Tensor:
    from .elementwise import where

    return where(c, a, b)


def cumprod(input: Tensor, dim: int, *, dtype: _dt.dtype | None = None) -> Tensor:
    """Cumulative product along ``dim``."""
    if AUTOCAST.on:
        return autocast_call("cumprod", cumprod, input, dim, dtype=dtype)
    be = input._device._be
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    dt = dtype or (input.dtype if input.dtype._category >= 2 else _dt.int64)
    a = input._data if input.dtype is dt else be.astype(input._data, dt)
    data = be.cumprod(a, d) if nd else a
    r = _wrap(data, dt, input._device)
    if needs_grad(input):
        record(r, CumprodBackward0(input, d), input)
    return r


def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether all elements (along ``dim``) are non-zero."""
    be = input._device._be
    dims = _dims(dim, input._data.ndim)
    return _wrap(be.all(input._data, _axis(dims), keepdim), _dt.bool, input._device)


def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether any element (along ``dim``) is non-zero."""
    be = input._device._be
    dims = _dims(dim, input._data.ndim)
    return _wrap(be.any(input._data, _axis(dims), keepdim), _dt.bool, input._device)


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """Number of non-zero elements (along ``dim``)."""
    return sum(input != 0, dim)
