"""Reductions (sum, mean, max, var, norm, ...) and scans (cumsum, cumprod), with their backward.

Ops taking ``dim``/``keepdim`` also take NumPy's names ``axis``/``keepdims``, as PyTorch's argument parser does
(``x.sum(axis=0)``): two keyword parameters cost nothing where a generic wrapper costs ~0.2-0.3 us a call.
"""

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
        out: Tensor | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Sum over ``dim`` (all dims when None); integer and bool inputs sum to int64."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if AUTOCAST.on:
        return autocast_call("sum", sum, input, dim, keepdim, dtype=dtype, out=out)
    dims = _dims(dim, input._data.ndim)
    be = input._device._be
    dt = dtype or (input.dtype if input.dtype._category >= 2 else _dt.int64)
    a = input._data if input.dtype is dt else be.astype(input._data, dt)
    try:
        data = be.sum(a, _axis(dims), keepdim)
    except RuntimeWarning:  # inf - inf under a caller's "error" filter: PyTorch is silent (see elementwise._quiet)
        data = _quiet(be.sum, a, _axis(dims), keepdim)
    r = _wrap(data, dt, input._device)
    if input._rg and GRAD.enabled:
        record(r, (SumBackward0 if dims is None else SumBackward1)(input._data.shape, dims, keepdim), input)
    return handle_out(r, out) if out is not None else r


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: _dt.dtype | None = None,
           out: Tensor | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Sum treating NaN as zero (integers and bools sum to int64, as with ``sum``)."""
    if input.dtype.is_complex:
        raise RuntimeError("nansum on CPU does not support complex inputs")
    if input.dtype.is_floating_point:
        from .elementwise import where

        input = where(input.isnan(), 0.0, input)
    return sum(input, dim, keepdim, dtype=dtype, out=out, axis=axis, keepdims=keepdims)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: _dt.dtype | None = None,
         out: Tensor | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Mean over ``dim`` (all dims when None); needs a floating dtype."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    dt = dtype or input.dtype
    if dt._category < 2:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {type_name(input.dtype)}")
    dims = _dims(dim, input._data.ndim)
    be = input._device._be
    a = input._data if input.dtype is dt else be.astype(input._data, dt)
    try:
        data = be.mean(a, _axis(dims), keepdim)
    except RuntimeWarning:  # inf - inf under a caller's "error" filter: PyTorch is silent (see elementwise._quiet)
        data = _quiet(be.mean, a, _axis(dims), keepdim)
    if getattr(data, "dtype", None) is not None and str(data.dtype) != dt.name and dt is not _dt.bfloat16:
        data = be.astype(data, dt)
    r = _wrap(data, dt, input._device)
    if input._rg and GRAD.enabled:
        record(r, (MeanBackward0 if dims is None else MeanBackward1)(input._data.shape, dims, keepdim), input)
    return handle_out(r, out) if out is not None else r


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: _dt.dtype | None = None,
            out: Tensor | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Mean ignoring NaN (PyTorch's composite: ``nansum / count of non-NaN``)."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{type_name(input.dtype)}")
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    ok = ~input.isnan()
    r = nansum(input, dim, keepdim, dtype=dtype) / ok.sum(dim, keepdim)
    return handle_out(r, out) if out is not None else r


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
        if not x.numel():
            return x * 0  # nothing to differentiate: an empty gradient of x's shape
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


def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: _dt.dtype | None = None,
         out: Tensor | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Product over ``dim`` (all elements when None)."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if AUTOCAST.on:
        return autocast_call("prod", prod, input, dim, keepdim, dtype=dtype, out=out)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"prod() received an invalid combination of arguments - got (Tensor, dim={type(dim).__name__})"
                        ", but expected one of:\n * (Tensor input, *, torch.dtype dtype = None)\n * (Tensor input, "
                        "int dim, bool keepdim = False, *, torch.dtype dtype = None)")
    dims = _dims(dim, input._data.ndim)
    be = input._device._be
    dt = dtype or (input.dtype if input.dtype._category >= 2 else _dt.int64)
    a = input._data if input.dtype is dt else be.astype(input._data, dt)
    try:
        data = be.prod(a, _axis(dims), keepdim)
    except RuntimeWarning:  # 0 * inf, overflow under a caller's "error" filter (see elementwise._quiet)
        data = _quiet(be.prod, a, _axis(dims), keepdim)
    r = _wrap(data, dt, input._device)
    if needs_grad(input):
        node = ProdBackward0(input, dims, keepdim)
        node.__class__ = ProdBackward0 if dims is None else ProdBackward1
        record(r, node, input)
    return handle_out(r, out) if out is not None else r


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


def max(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None, axis: Any = None,  # noqa: A001
        keepdims: bool | None = None) -> Any:
    """The maximum (a tensor), or ``(values, indices)`` along ``dim``, or elementwise with a tensor."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if out is None:
        return _extremum(input, dim, keepdim, True, "max")
    return _extremum_out(input, dim, keepdim, True, out)


def min(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Any = None, axis: Any = None,  # noqa: A001
        keepdims: bool | None = None) -> Any:
    """The minimum (a tensor), or ``(values, indices)`` along ``dim``, or elementwise with a tensor."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if out is None:
        return _extremum(input, dim, keepdim, False, "min")
    return _extremum_out(input, dim, keepdim, False, out)


def _extremum_out(input: Tensor, dim: Any, keepdim: bool, is_max: bool, out: Any) -> Any:
    """``max``/``min`` with ``out=``: a tensor for the whole-tensor and binary forms, a pair for ``dim``."""
    name = "max" if is_max else "min"
    if dim is None and input.numel() == 0:
        # PyTorch's out= kernel reduces from the identity, so an empty input gives -inf (max) / +inf (min) there
        from .creation import full

        r = full((), _identity(input.dtype, is_max), dtype=input.dtype, device=input.device)
        return handle_out(r, out)
    if dim is not None and not isinstance(dim, Tensor) and isinstance(out, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, dim=int, out=Tensor): "
                        "with dim, out must be a (values, indices) tuple")
    r = _extremum(input, dim, keepdim, is_max, name)
    return handle_out(r, out) if isinstance(r, Tensor) else _out_pair(r, out)


def _identity(dt: _dt.dtype, is_max: bool) -> Any:
    """The identity of max (the lowest value of ``dt``) or of min (the highest)."""
    if dt is _dt.bool:
        return not is_max
    if dt.is_floating_point:
        return -math.inf if is_max else math.inf
    from .._runtime import iinfo

    info = iinfo(dt)
    return info.min if is_max else info.max


def _out_pair(r: Any, out: Any) -> Any:
    """Write a ``(values, indices)`` result into the ``out`` pair; the pair, of ``r``'s named-tuple type."""
    handle_out(r[0], out[0])
    handle_out(r[1], out[1])
    return type(r)(out[0], out[1])


def _amaxmin(input: Tensor, dim: Any, keepdim: bool, is_max: bool) -> Tensor:
    if input.dtype.is_complex:
        raise NotImplementedError(f"\"{'max' if is_max else 'min'}_values_cpu\" not implemented for "
                                  f"'{type_name(input.dtype)}'")
    be = input._device._be
    dims = _dims(dim, input._data.ndim)
    if input.numel() == 0:
        _check_nonempty(input, dims, "amax" if is_max else "amin")
    data = (be.max if is_max else be.min)(input._data, _axis(dims), keepdim)
    r = _wrap(data, input.dtype, input._device)
    if needs_grad(input):
        record(r, (AmaxBackward0 if is_max else AminBackward0)(input, r, dims, keepdim), input)
    return r


def _check_nonempty(input: Tensor, dims: tuple[int, ...] | None, name: str, sep: str = "()") -> None:
    """Refuse to reduce an empty tensor where a reduced dim is empty (max and min have no identity)."""
    if dims is None:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                           "reduction dim with the 'dim' argument.")
    for d in dims:
        if input._data.shape[d] == 0:
            raise IndexError(f"{name}{sep}: Expected reduction dim {d} to have non-zero size.")


def _same_dtype_out(input: Tensor, out: Tensor | None) -> None:
    """amax/amin write no other dtype into ``out`` (checked first, as PyTorch does)."""
    if out is not None and isinstance(out, Tensor) and out.dtype is not input.dtype:
        raise RuntimeError(f"Expected the dtype for input and out to match, but got {type_name(input.dtype)} for "
                           f"input's dtype and {type_name(out.dtype)} for out's dtype.")


def amax(input: Tensor, dim: Any = (), keepdim: bool = False, *, out: Tensor | None = None, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """Maximum over ``dim`` (all dims when empty); ties share the gradient."""
    _same_dtype_out(input, out)
    r = _amaxmin(input, dim if axis is None else axis, keepdim if keepdims is None else keepdims, True)
    return handle_out(r, out) if out is not None else r


def amin(input: Tensor, dim: Any = (), keepdim: bool = False, *, out: Tensor | None = None, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """Minimum over ``dim`` (all dims when empty); ties share the gradient."""
    _same_dtype_out(input, out)
    r = _amaxmin(input, dim if axis is None else axis, keepdim if keepdims is None else keepdims, False)
    return handle_out(r, out) if out is not None else r


def aminmax(input: Tensor, *, dim: Any = None, keepdim: bool = False, out: Any = None, axis: Any = None,
            keepdims: bool | None = None) -> Any:
    """``(min, max)`` as a named tuple, over ``dim`` (one dim) or the whole tensor."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if input.numel() == 0:
        if dim is None:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                               "identity.")
        _check_nonempty(input, _dims(dim, input._data.ndim), "aminmax", "")
    dims = dim if dim is not None else ()
    r = return_aminmax(_amaxmin(input, dims, keepdim, False), _amaxmin(input, dims, keepdim, True))
    return _out_pair(r, out) if out is not None else r


def _arg(input: Tensor, dim: Any, keepdim: bool, is_max: bool) -> Tensor:
    name = "argmax" if is_max else "argmin"
    if input.dtype.is_complex:
        raise RuntimeError(f"{name}(): does not support complex input")
    if input.dtype is _dt.bool:
        raise RuntimeError(f"{name}(): does not support bool input")
    be = input._device._be
    if input.numel() == 0:
        if dim is None:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        _check_nonempty(input, _dims(dim, input._data.ndim), name)
    if dim is None:
        data = (be.argmax if is_max else be.argmin)(be.reshape(input._data, (-1,)), 0, False)
        if keepdim:
            data = be.reshape(data, (1,) * input._data.ndim)
    else:
        d = _wrap_dim(dim, input._data.ndim)
        data = (be.argmax if is_max else be.argmin)(input._data, d if input._data.ndim else None, keepdim)
    return _wrap(be.astype(data, _dt.int64), _dt.int64, input._device)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False, *, out: Tensor | None = None,
           axis: int | None = None, keepdims: bool | None = None) -> Tensor:
    """Index of the maximum (first on ties), over the flattened tensor when ``dim`` is None."""
    r = _arg(input, dim if axis is None else axis, keepdim if keepdims is None else keepdims, True)
    return handle_out(r, out) if out is not None else r


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False, *, out: Tensor | None = None,
           axis: int | None = None, keepdims: bool | None = None) -> Tensor:
    """Index of the minimum (first on ties), over the flattened tensor when ``dim`` is None."""
    r = _arg(input, dim if axis is None else axis, keepdim if keepdims is None else keepdims, False)
    return handle_out(r, out) if out is not None else r


def _moment_args(dim: Any, unbiased: Any, correction: Any, axis: Any) -> tuple[Any, Any]:
    """``(dim, correction)`` from the overloads ``var(x, unbiased)``, ``var(x, dim, unbiased)`` and
    ``var(x, dim, correction=)`` (correction 1 unless given)."""
    if axis is not None:
        dim = axis
    if isinstance(dim, builtins.bool):  # var(input, unbiased): the second positional is a bool
        dim, unbiased = None, dim
    if isinstance(unbiased, builtins.bool):
        if correction is not None:  # no overload of PyTorch's takes both
            raise TypeError("var() received an invalid combination of arguments - got both unbiased and correction, "
                            "but expected one of: (Tensor input, dims, *, Number correction, bool keepdim) or (Tensor "
                            "input, dims, bool unbiased, bool keepdim)")
        correction = 1 if unbiased else 0
    elif unbiased is not None and dim is None:
        dim = unbiased
    return dim, 1 if correction is None else correction


def _var(input: Tensor, dim: Any, correction: Any, keepdim: bool, name: str) -> Tensor:
    """The variance in the dtype it accumulates in (float64 for real floats where the backend has it): callers
    take the root there and round once, as PyTorch's CPU kernel does (var of [1e30, 3e30] in float32 is inf,
    its std 1.2e30)."""
    if input.dtype._category < 2:
        raise RuntimeError(f"{name} only support floating point and complex dtypes")
    real = input.dtype.is_floating_point
    x = input.to(_dt.float64) if real and input.dtype is not _dt.float64 and \
        _dt.float64 in input._device._be.dtypes else input
    dims = _dims(dim, x._data.ndim)
    n = 1
    for i, s in enumerate(x._data.shape):
        if dims is None or i in dims:
            n *= s
    mu = mean(x, dims, keepdim=True)
    dev = x - mu
    # complex: the variance is of |x - mean|, a real number
    ss = sum((dev * dev.conj()).real if dev.dtype.is_complex else dev * dev, dims, keepdim)
    return ss / (n - correction) if n - correction > 0 else ss / 0.0


def _rounded(r: Tensor, input: Tensor) -> Tensor:
    """``r`` in the dtype of ``input``'s result (real for complex input)."""
    dt = input.dtype.to_real() if input.dtype.is_complex else input.dtype
    if r.dtype is dt:
        return r
    try:
        return r.to(dt)
    except RuntimeWarning:  # past float32's range (inf, as PyTorch) under a caller's "error" filter
        return _quiet(r.to, dt)


def _std_of(v: Tensor) -> Tensor:
    """``sqrt(var)`` whose gradient is 0 where the deviation is 0, as PyTorch's ``std_backward`` (not inf * 0)."""
    if not needs_grad(v):
        return v.sqrt()
    with _no_grad():
        r = v.sqrt()
    from ._formula import _attach

    return _attach(r, "StdBackward0", (v,), lambda g: ((g / (2 * r)).masked_fill(r == 0, 0.0),))


def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None,
        out: Tensor | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Variance over ``dim`` with Bessel's ``correction`` (default 1)."""
    dim, correction = _moment_args(dim, unbiased, correction, axis)
    r = _rounded(_var(input, dim, correction, keepdim if keepdims is None else keepdims, "std and var"), input)
    return handle_out(r, out) if out is not None else r


def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *, correction: Any = None,
        out: Tensor | None = None, axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Standard deviation over ``dim`` with Bessel's ``correction`` (default 1)."""
    dim, correction = _moment_args(dim, unbiased, correction, axis)
    v = _var(input, dim, correction, keepdim if keepdims is None else keepdims, "std and var")
    r = _rounded(_std_of(v), input)
    return handle_out(r, out) if out is not None else r


def var_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None, out: Any = None, axis: Any = None,
             keepdims: bool | None = None) -> tuple[Tensor, Tensor]:
    """``(var, mean)``."""
    dim, correction = _moment_args(dim, unbiased, correction, axis)
    keepdim = keepdim if keepdims is None else keepdims
    r = (_rounded(_var(input, dim, correction, keepdim, "var_mean"), input), mean(input, dim, keepdim))
    return _out_pair(r, out) if out is not None else r


def std_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None, out: Any = None, axis: Any = None,
             keepdims: bool | None = None) -> tuple[Tensor, Tensor]:
    """``(std, mean)``."""
    dim, correction = _moment_args(dim, unbiased, correction, axis)
    keepdim = keepdim if keepdims is None else keepdims
    r = (_rounded(_std_of(_var(input, dim, correction, keepdim, "std_mean")), input), mean(input, dim, keepdim))
    return _out_pair(r, out) if out is not None else r


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, out: Tensor | None = None,
         dtype: Any = None) -> Tensor:
    """Vector p-norm over ``dim`` (Frobenius by default; ``inf``/``-inf``/0 supported); ``"nuc"`` is the nuclear
    norm of the matrices over ``dim`` (the last two dims by default)."""
    if out is not None:
        return handle_out(norm(input, p, dim, keepdim, dtype=dtype), out)
    if AUTOCAST.on:
        return autocast_call("norm", norm, input, p, dim, keepdim, dtype=dtype)
    x = input if dtype is None else input.to(dtype)
    if x.dtype._category < 2:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{type_name(x.dtype)}")
    if x.dtype.is_complex:  # the norm of a complex vector is the norm of its magnitudes
        return norm(x.abs(), p, dim, keepdim)
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        from .. import linalg

        if x.dtype in (_dt.float16, _dt.bfloat16):
            raise RuntimeError(f"linalg.matrix_norm: Low precision dtypes not supported. Got {type_name(x.dtype)}")

        return linalg.matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim)
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


def logsumexp(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Tensor | None = None,
              axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, computed stably."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if dim is None:
        raise TypeError("logsumexp() missing 1 required positional arguments: \"dim\"")
    if out is not None:
        return handle_out(logsumexp(input, dim, keepdim), out)
    if AUTOCAST.on:
        return autocast_call("logsumexp", logsumexp, input, dim, keepdim)
    x = input if input.dtype._category >= 2 else input.to(_dt.get_default_dtype())
    dims = _dims(dim, x._data.ndim)
    if x.numel() == 0:  # nothing to shift by: the sum of no exps is 0, its log -inf
        return x.exp().sum(dims, keepdim).log()
    with _no_grad():
        # complex: shifting by the largest real part keeps exp() in range (the phase needs no shift)
        m = amax(x.real if x.dtype.is_complex else x, dims if dims is not None else (), keepdim=True)
        m = m.masked_fill(m.isinf(), 0.0)
    r = (x - m).exp().sum(dims, keepdim=True).log() + m
    if not keepdim:
        r = r.squeeze(dims) if dims is not None else r.reshape(())
    return r


def _quiet(fn: Any, *args: Any) -> Any:
    from .elementwise import _quiet as quiet

    return quiet(fn, *args)


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
        if not g._data.ndim:
            return g
        return g.flip(self.dim).cumsum(self.dim).flip(self.dim)


def _scan_dtype(input: Tensor, dtype: _dt.dtype | None, name: str) -> _dt.dtype:
    dt = dtype or (input.dtype if input.dtype._category >= 2 else _dt.int64)
    if dt is _dt.bool and input._data.ndim and input.numel():
        raise NotImplementedError(f"\"{name}_out_cpu\" not implemented for 'Bool'")
    return dt


def cumsum(input: Tensor, dim: Any = None, *, dtype: _dt.dtype | None = None, out: Tensor | None = None,
           axis: Any = None) -> Tensor:
    """Cumulative sum along ``dim``; integer and bool inputs sum to int64."""
    if axis is not None:
        dim = axis
    if dim is None:
        raise TypeError("cumsum() missing 1 required positional arguments: \"dim\"")
    if AUTOCAST.on:
        return autocast_call("cumsum", cumsum, input, dim, dtype=dtype, out=out)
    be = input._device._be
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    dt = _scan_dtype(input, dtype, "cumsum")
    a = input._data if input.dtype is dt else be.astype(input._data, dt)
    try:
        data = be.cumsum(a, d) if nd else be.copy(a)
    except RuntimeWarning:  # inf - inf under a caller's "error" filter (see elementwise._quiet)
        data = _quiet(be.cumsum, a, d)
    r = _wrap(data, dt, input._device)
    if needs_grad(input):
        record(r, CumsumBackward0(d), input)
    return handle_out(r, out) if out is not None else r


def _inplace_scan(fn: Any, name: str) -> Any:
    def method(self: Tensor, dim: Any = None, *, dtype: _dt.dtype | None = None, axis: Any = None) -> Tensor:
        # in place, the result keeps self's dtype (cumsum_ of an int8 tensor adds in int8)
        if dtype is not None and dtype is not self.dtype:
            raise RuntimeError(f"Bad in-place call: input tensor dtype {_C_TYPE[self.dtype.name]} and output tensor "
                               f"dtype {_C_TYPE[dtype.name]} should match")
        _scan_dtype(self, self.dtype, name)
        from .elementwise import inplace

        return inplace(fn, self, dim, dtype=self.dtype, axis=axis)

    method.__name__ = f"{name}_"
    method.__doc__ = f"In-place ``{name}`` (in ``self``'s dtype)."
    return method


#: C++ type names in PyTorch's in-place dtype errors
_C_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
           "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
           "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
           "complex128": "c10::complex<double>"}


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
        if x._data.ndim == 0 or not x.numel():
            return g
        # d/dx_j sum_i g_i prod_{k<=i} x_k = sum_{i>=j} g_i * prod_{k<=i, k!=j} x_k (zero-safe form)
        n = x._data.shape[d]
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


def cumprod(input: Tensor, dim: Any = None, *, dtype: _dt.dtype | None = None, out: Tensor | None = None,
            axis: Any = None) -> Tensor:
    """Cumulative product along ``dim``; integer and bool inputs multiply in int64."""
    if axis is not None:
        dim = axis
    if dim is None:
        raise TypeError("cumprod() missing 1 required positional arguments: \"dim\"")
    if AUTOCAST.on:
        return autocast_call("cumprod", cumprod, input, dim, dtype=dtype, out=out)
    be = input._device._be
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    dt = _scan_dtype(input, dtype, "cumprod")
    a = input._data if input.dtype is dt else be.astype(input._data, dt)
    try:
        data = be.cumprod(a, d) if nd else be.copy(a)
    except RuntimeWarning:  # 0 * inf, overflow under a caller's "error" filter (see elementwise._quiet)
        data = _quiet(be.cumprod, a, d)
    r = _wrap(data, dt, input._device)
    if needs_grad(input):
        record(r, CumprodBackward0(input, d), input)
    return handle_out(r, out) if out is not None else r


cumsum_ = _inplace_scan(cumsum, "cumsum")
cumprod_ = _inplace_scan(cumprod, "cumprod")


def _logical(input: Tensor, dim: Any, keepdim: bool, out: Tensor | None, is_all: bool) -> Tensor:
    be = input._device._be
    if isinstance(dim, (tuple, list)) and not dim:
        # an empty dim list reduces nothing here (where sum's reduces every dim): each element's truth
        data = be.not_equal(input._data, False if input.dtype is _dt.bool else 0)
    else:
        dims = _dims(dim, input._data.ndim)
        data = (be.all if is_all else be.any)(input._data, _axis(dims), keepdim)
    # NOTE: PyTorch keeps uint8 for uint8 inputs (its pre-bool convention); every other dtype gives bool
    if input.dtype is _dt.uint8:
        r = _wrap(be.astype(data, _dt.uint8), _dt.uint8, input._device)
    else:
        r = _wrap(data, _dt.bool, input._device)
    return handle_out(r, out) if out is not None else r


def all(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Tensor | None = None,  # noqa: A001
        axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Whether all elements (along ``dim``) are non-zero."""
    return _logical(input, dim if axis is None else axis, keepdim if keepdims is None else keepdims, out, True)


def any(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Tensor | None = None,  # noqa: A001
        axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Whether any element (along ``dim``) is non-zero."""
    return _logical(input, dim if axis is None else axis, keepdim if keepdims is None else keepdims, out, False)


def count_nonzero(input: Tensor, dim: Any = None, *, axis: Any = None) -> Tensor:
    """Number of non-zero elements (along ``dim``)."""
    return sum(input != 0, dim if axis is None else axis)
