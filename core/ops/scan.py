"""Scans, differences, searching and statistics: cummax/cummin, logcumsumexp, diff, searchsorted/bucketize,
histc/histogram, quantile/nanquantile, nanmedian, mode, unique_consecutive, trapezoid family, gradient,
cov/corrcoef, dist, renorm, isin.

All are composites of existing Tensor ops (sort, gather, cat, cumsum, where): they run on every backend and
differentiate where PyTorch does. Scans use log2(n) doubling steps (Hillis-Steele) instead of a Python loop
over the scanned dimension.
"""

from __future__ import annotations

import builtins
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from .. import dtypes as _dt
from ..tensor import Tensor
from . import arrange as A
from . import elementwise as E
from . import indexing as I
from . import reduction as Rd
from . import sorting as So
from . import unary as U
from ._dispatch import handle_out, type_name
from .creation import arange, full, linspace, ones_like, tensor, zeros
from .reduction import _ret, _ValuesIndices


def _dim(d: int, nd: int, fn: str = "") -> int:
    n = builtins.max(nd, 1)
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return d % n


def _check_tensor(x: Any, fn: str, arg: str = "input") -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position 1) must be Tensor, not {type(x).__name__}")


def _scan(xs: tuple[Tensor, ...], dim: int, combine: Callable[..., tuple[Tensor, ...]]) -> tuple[Tensor, ...]:
    """Inclusive scan of the tuples ``xs`` along ``dim`` with the associative ``combine(left, right)``."""
    n = xs[0].shape[dim]
    k = 1
    while k < n:
        left = tuple(x.narrow(dim, 0, n - k) for x in xs)  # type: ignore[attr-defined]
        right = tuple(x.narrow(dim, k, n - k) for x in xs)  # type: ignore[attr-defined]
        tail = combine(left, right)
        xs = tuple(A.cat([x.narrow(dim, 0, k), t], dim) for x, t in zip(xs, tail))  # type: ignore[attr-defined]
        k *= 2
    return xs


# ---------------------------------------------------------------------------------------------
# cumulative max/min, logcumsumexp


return_cummax = _ret("cummax", _ValuesIndices)
return_cummin = _ret("cummin", _ValuesIndices)


def _cumext(input: Tensor, dim: int, is_max: bool) -> Any:
    name = "cummax" if is_max else "cummin"
    _check_tensor(input, name)
    if input.dtype.is_complex:
        raise RuntimeError(f"{name}() is not implemented for complex tensors")
    if input.ndim == 0:
        _dim(dim, 0)
        return (return_cummax if is_max else return_cummin)(input.clone(), zeros((), dtype=_dt.int64,  # type: ignore[attr-defined]
                                                                                 device=input.device))
    d = _dim(dim, input.ndim)
    if input.shape[d] == 0:
        return (return_cummax if is_max else return_cummin)(input.clone(), zeros(input.shape, dtype=_dt.int64,  # type: ignore[attr-defined]
                                                                                  device=input.device))
    shape = [1] * input.ndim
    shape[d] = input.shape[d]
    idx = arange(input.shape[d], device=input.device).reshape(shape).expand(input.shape)  # type: ignore[attr-defined]
    fl = input.dtype.is_floating_point

    def combine(left: tuple[Tensor, ...], right: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        (a, ia), (b, ib) = left, right
        # the later segment wins on ties (PyTorch returns the last index) and on NaN (NaN propagates)
        take_b = (b >= a) if is_max else (b <= a)
        if fl:
            take_b = E.logical_or(b.isnan(), E.logical_and(take_b, U.logical_not(a.isnan())))
        return E.where(take_b, b, a), E.where(take_b, ib, ia)

    with E._no_grad():
        _, ind = _scan((input.detach(), idx), d, combine)  # type: ignore[attr-defined]
    values = I.gather(input, d, ind)  # the gradient scatters back to the selected positions, PyTorch's formula
    return (return_cummax if is_max else return_cummin)(values, ind)


def cummax(input: Tensor, dim: int, *, out: Any = None) -> Any:
    """Running maximum along ``dim`` and the index where it was taken: ``(values, indices)``."""
    return _out2(_cumext(input, dim, True), out)


def cummin(input: Tensor, dim: int, *, out: Any = None) -> Any:
    """Running minimum along ``dim`` and the index where it was taken: ``(values, indices)``."""
    return _out2(_cumext(input, dim, False), out)


def _out2(r: Any, out: Any) -> Any:
    if out is None:
        return r
    handle_out(r[0], out[0])
    handle_out(r[1], out[1])
    return type(r)(out[0], out[1])


def logcumsumexp(input: Tensor, dim: int, *, out: Tensor | None = None) -> Tensor:
    """``log(cumsum(exp(input), dim))`` computed stably (pairwise log-add-exp scan)."""
    from .pointwise_extra import logaddexp

    _check_tensor(input, "logcumsumexp")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{type_name(input.dtype)}'")
    if input.dtype.is_complex:
        raise NotImplementedError("logcumsumexp of complex tensors is not supported by ember")
    if input.ndim == 0:
        _dim(dim, 0)
        return handle_out(input.clone(), out)  # type: ignore[attr-defined]
    d = _dim(dim, input.ndim)
    if input.shape[d] == 0:
        return handle_out(input.clone(), out)  # type: ignore[attr-defined]
    (r,) = _scan((input,), d, lambda left, right: (logaddexp(left[0], right[0]),))
    return handle_out(r, out)


# ---------------------------------------------------------------------------------------------
# differences and integration


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``prepend``/``append`` joined first); bool gives xor."""
    _check_tensor(input, "diff")
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _dim(dim, input.ndim)
    for extra in (prepend, append):
        if extra is not None and extra.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    parts = [p for p in (prepend, input, append) if p is not None]
    x = A.cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        m = x.shape[d]
        if m == 0:
            break
        a, b = x.narrow(d, 1, m - 1), x.narrow(d, 0, m - 1)  # type: ignore[attr-defined]
        x = E.logical_xor(a, b) if x.dtype is _dt.bool else a - b
    return x


def _trapz_dx(y: Tensor, x: Tensor | None, dx: Any, d: int) -> Any:
    if x is None:
        return 1 if dx is None else dx
    if x.ndim == 1:
        dxs = x[1:] - x[:-1]  # type: ignore[index]
        shape = [1] * y.ndim
        shape[d] = dxs.shape[0]
        return dxs.reshape(shape)  # type: ignore[attr-defined]
    # PyTorch differences a multi-dimensional x along y's (normalized) dim; broadcasting does the rest
    return diff(x, dim=d)


def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """Trapezoidal rule along ``dim`` with sample points ``x`` (tensor) or spacing ``dx``."""
    _check_tensor(y, "trapezoid", "y")
    if x is not None and not isinstance(x, Tensor):
        dx, x = x, None
    if x is not None and dx is not None:
        raise RuntimeError("trapezoid: received both x and dx, only one may be given")
    d = _dim(dim, y.ndim)
    n = y.shape[d]
    if n == 0:
        return Rd.sum(y, d)
    avg = (y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)) / 2  # type: ignore[attr-defined]
    return Rd.sum(avg * _trapz_dx(y, x, dx, d), d)


def trapz(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """Alias of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """Running trapezoidal integral along ``dim`` (one element shorter than ``y`` there)."""
    _check_tensor(y, "cumulative_trapezoid", "y")
    if x is not None and not isinstance(x, Tensor):
        dx, x = x, None
    if x is not None and dx is not None:
        raise RuntimeError("cumulative_trapezoid: received both x and dx, only one may be given")
    d = _dim(dim, y.ndim)
    n = y.shape[d]
    if n == 0:
        return y.clone()  # type: ignore[attr-defined]
    avg = (y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)) / 2  # type: ignore[attr-defined]
    return Rd.cumsum(avg * _trapz_dx(y, x, dx, d), d)


def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None, edge_order: int = 1) -> tuple[Tensor, ...]:
    """Central-difference estimate of the gradient along each of ``dim`` (one-sided of ``edge_order`` at edges)."""
    _check_tensor(input, "gradient")
    if edge_order not in (1, 2):
        raise RuntimeError(f"torch.gradient only supports edge_order=1 and edge_order=2, but got {edge_order}.")
    dims = list(range(input.ndim)) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    dims = [_dim(d, input.ndim) for d in dims]
    if isinstance(spacing, (int, float, Tensor)) and not (isinstance(spacing, Tensor) and spacing.ndim > 0):
        sp: list[Any] = [spacing.item() if isinstance(spacing, Tensor) else spacing] * len(dims)
    else:
        sp = list(spacing)
        if len(sp) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                               f"arguments to have the same length, but got a spacing argument of length {len(sp)} "
                               f"and a dim argument of length {len(dims)}.")
    x = input if input.dtype.is_floating_point or input.dtype.is_complex else input.to(_dt.get_default_dtype())
    outs = []
    for d, s in zip(dims, sp):
        n = x.shape[d]
        if n < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
        outs.append(_grad1(x, d, s, edge_order))
    return tuple(outs)


def _grad1(x: Tensor, d: int, s: Any, edge_order: int) -> Tensor:
    n = x.shape[d]

    def sl(a: int, b: int) -> Tensor:
        return x.narrow(d, a, b - a)  # type: ignore[attr-defined, no-any-return]

    def bshape(t: Tensor) -> Tensor:
        shape = [1] * x.ndim
        shape[d] = t.shape[0]
        return t.reshape(shape)  # type: ignore[attr-defined, no-any-return]

    if isinstance(s, Tensor) and s.ndim == 1:
        c = s.to(x.dtype) if s.dtype is not x.dtype and x.dtype.is_floating_point else s
        h = c[1:] - c[:-1]  # type: ignore[index]
        h0, h1 = bshape(h[:-1]), bshape(h[1:])  # type: ignore[index]
        interior = (-(h1 / (h0 * (h0 + h1))) * sl(0, n - 2) + ((h1 - h0) / (h0 * h1)) * sl(1, n - 1)
                    + (h0 / (h1 * (h0 + h1))) * sl(2, n))
        if edge_order == 1:
            first = (sl(1, 2) - sl(0, 1)) / bshape(h[0:1])  # type: ignore[index]
            last = (sl(n - 1, n) - sl(n - 2, n - 1)) / bshape(h[-1:])  # type: ignore[index]
        else:
            a0, a1 = bshape(h[0:1]), bshape(h[1:2])  # type: ignore[index]
            first = (-(2 * a0 + a1) / (a0 * (a0 + a1)) * sl(0, 1) + (a0 + a1) / (a0 * a1) * sl(1, 2)
                     - a0 / (a1 * (a0 + a1)) * sl(2, 3))
            b0, b1 = bshape(h[-2:-1]), bshape(h[-1:])  # type: ignore[index]
            last = (b1 / (b0 * (b0 + b1)) * sl(n - 3, n - 2) - (b0 + b1) / (b0 * b1) * sl(n - 2, n - 1)
                    + (2 * b1 + b0) / (b1 * (b0 + b1)) * sl(n - 1, n))
    else:
        hv = s.item() if isinstance(s, Tensor) else s
        interior = (sl(2, n) - sl(0, n - 2)) / (2 * hv)
        if edge_order == 1:
            first = (sl(1, 2) - sl(0, 1)) / hv
            last = (sl(n - 1, n) - sl(n - 2, n - 1)) / hv
        else:
            first = (-1.5 * sl(0, 1) + 2 * sl(1, 2) - 0.5 * sl(2, 3)) / hv
            last = (0.5 * sl(n - 3, n - 2) - 2 * sl(n - 2, n - 1) + 1.5 * sl(n - 1, n)) / hv
    return A.cat([first, interior, last], d)


# ---------------------------------------------------------------------------------------------
# searching


def _search(seq: Tensor, values: Tensor, right: bool) -> Tensor:
    """Insertion points of ``values`` in ``seq`` (sorted along its last dim) by a vectorized binary search."""
    n = seq.shape[-1]
    dev = values.device
    lo = zeros(values.shape, dtype=_dt.int64, device=dev)
    hi = full(values.shape, n, dtype=_dt.int64, device=dev)
    if n == 0:
        return lo
    batched = seq.ndim > 1
    flat_seq = seq.reshape(-1) if not batched else seq  # type: ignore[attr-defined]
    for _ in range(builtins.max(1, math.ceil(math.log2(n + 1)))):
        mid = E.floor_divide(lo + hi, 2)
        safe = mid.clamp(max=n - 1)  # type: ignore[attr-defined]
        v = I.gather(flat_seq, -1, safe) if batched else flat_seq[safe.reshape(-1)].reshape(values.shape)  # type: ignore[attr-defined, index]
        go_right = (v <= values) if right else (v < values)
        active = lo < hi
        lo = E.where(E.logical_and(active, go_right), mid + 1, lo)
        hi = E.where(E.logical_and(active, U.logical_not(go_right)), mid, hi)
    return lo


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, out: Tensor | None = None, sorter: Tensor | None = None) -> Tensor:
    """Indices where ``input`` would be inserted into ``sorted_sequence`` (innermost dim) to keep it sorted."""
    _check_tensor(sorted_sequence, "searchsorted", "sorted_sequence")
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    values = tensor(input, device=sorted_sequence.device) if scalar else input
    if sorted_sequence.ndim > 1 and (scalar or sorted_sequence.shape[:-1] != values.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries "
            f"tensor and input value tensor must match, but we got boundaries tensor {list(sorted_sequence.shape)} "
            f"and input value tensor {list(values.shape)}")
    if sorted_sequence.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if sorter is not None:
        if sorter.shape != sorted_sequence.shape:
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                               f"tensor {list(sorted_sequence.shape)}and got sorter tensor {list(sorter.shape)}")
        if sorter.dtype is not _dt.int64:
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                               f"{type_name(sorter.dtype)}")
        sorted_sequence = I.gather(sorted_sequence, -1, sorter)
    with E._no_grad():
        r = _search(sorted_sequence.detach(), values.detach(), right)  # type: ignore[attr-defined]
    if out_int32:
        r = r.to(_dt.int32)
    return handle_out(r, out)


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False,
              out: Tensor | None = None) -> Tensor:
    """Bucket index of each element for the 1-D sorted ``boundaries`` (``right`` closes buckets on the left)."""
    _check_tensor(boundaries, "bucketize", "boundaries")
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each of ``elements`` occurs in ``test_elements`` (``invert`` negates)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments: at least one of elements and "
                        "test_elements must be a Tensor")
    dev = elements.device if isinstance(elements, Tensor) else test_elements.device
    el = elements if isinstance(elements, Tensor) else tensor(elements, device=dev)
    te = test_elements if isinstance(test_elements, Tensor) else tensor(test_elements, device=dev)
    with E._no_grad():
        flat = te.detach().reshape(-1)  # type: ignore[attr-defined]
        if flat.shape[0] == 0:
            found = zeros(el.shape, dtype=_dt.bool, device=dev)
        else:
            d = _dt.promote_types(el.dtype, te.dtype)
            s = So.sort(flat.to(d)).values
            e = el.detach().to(d)  # type: ignore[attr-defined]
            pos = _search(s, e, False).clamp(max=s.shape[0] - 1)  # type: ignore[attr-defined]
            found = s[pos.reshape(-1)].reshape(e.shape) == e  # type: ignore[index]
    return U.logical_not(found) if invert else found


# ---------------------------------------------------------------------------------------------
# histograms


def _float_only(x: Tensor, kernel: str) -> None:
    if not x.dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(x.dtype)}'")


def _bin_counts(x: Tensor, edges: Tensor, weight: Tensor | None) -> Tensor:
    """Counts (or weight sums) of ``x`` in the bins of the increasing ``edges``; the last bin is closed."""
    nb = edges.shape[0] - 1
    lo, hi = edges[0], edges[-1]  # type: ignore[index]
    inside = E.logical_and(x >= lo, x <= hi)
    idx = (_search(edges, x, True) - 1).clamp(0, nb - 1)  # type: ignore[attr-defined]
    w = (weight.reshape(-1) if weight is not None else ones_like(x)).to(edges.dtype)  # type: ignore[attr-defined]
    w = E.where(inside, w, zeros((), dtype=w.dtype, device=w.device))
    return I.scatter_add(zeros((nb,), dtype=edges.dtype, device=x.device), 0, idx, w)


def histc(input: Tensor, bins: int = 100, min: Any = 0, max: Any = 0, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Histogram of ``input`` with ``bins`` equal bins over [min, max] (data range when both are 0)."""
    _check_tensor(input, "histc")
    _float_only(input, "histogram_cpu")
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    with E._no_grad():
        x = input.detach().reshape(-1)  # type: ignore[attr-defined]
        if lo == hi and x.shape[0]:
            lo, hi = float(Rd.min(x).item()), float(Rd.max(x).item())  # type: ignore[attr-defined]
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        if lo > hi:
            raise RuntimeError(f"torch.histc(): max must be larger than min, but got min {lo} max {hi}")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
        # PyTorch's bin of an element: floor((x - min) / (max - min) * bins), the maximum in the last bin
        pos = ((x - lo) / (hi - lo) * bins).floor().to(_dt.int64).clamp(0, bins - 1)  # type: ignore[attr-defined]
        inside = E.logical_and(x >= lo, x <= hi)
        w = E.where(inside, ones_like(x), zeros((), dtype=x.dtype, device=x.device))
        r = I.scatter_add(zeros((bins,), dtype=input.dtype, device=input.device), 0, pos, w)
    return handle_out(r, out)


class _Histogram(NamedTuple):
    hist: Any
    bin_edges: Any


return_histogram = _ret("histogram", _Histogram)


def histogram(input: Tensor, bins: Any = 100, *, range: Sequence[float] | None = None,  # noqa: A002
              weight: Tensor | None = None, density: bool = False, out: Any = None) -> Any:
    """Histogram with ``bins`` equal bins (or the given increasing edges): ``(hist, bin_edges)``."""
    _check_tensor(input, "histogram")
    _float_only(input, "histogramdd")
    with E._no_grad():
        x = input.detach().reshape(-1)  # type: ignore[attr-defined]
        if isinstance(bins, Tensor):
            if bins.ndim != 1:
                raise RuntimeError(f"torch.histogram(): bins tensor should have one dimension, but got "
                                   f"{bins.ndim} dimensions")
            edges = bins.to(input.dtype)
        else:
            if bins <= 0:
                raise RuntimeError(f"torch.histogramdd(): bins must be > 0, but got {bins} for dimension 0")
            if range is not None:
                lo, hi = float(range[0]), float(range[1])
            elif x.shape[0]:
                lo, hi = float(Rd.min(x).item()), float(Rd.max(x).item())  # type: ignore[attr-defined]
            else:
                lo, hi = 0.0, 0.0
            if lo > hi:
                raise RuntimeError(f"torch.histogramdd(): min should not exceed max, but got min {lo} max {hi} "
                                   "for dimension 0")
            if lo == hi:
                lo, hi = lo - 0.5, hi + 0.5
            edges = linspace(lo, hi, bins + 1, dtype=input.dtype, device=input.device)
        if weight is not None and weight.shape != input.shape:
            raise RuntimeError("torch.histogramdd(): if weight tensor is provided it should have the same shape as "
                               f"the input tensor excluding its innermost dimension, but got input with shape "
                               f"{list(input.shape)} and weight with shape {list(weight.shape)}")
        hist = _bin_counts(x, edges, weight)
        if density:
            widths = edges[1:] - edges[:-1]  # type: ignore[index]
            hist = hist / (Rd.sum(hist) * widths)
    if out is not None:
        handle_out(hist, out[0])
        handle_out(edges, out[1])
        return return_histogram(out[0], out[1])
    return return_histogram(hist, edges)


class _HistogramDD(NamedTuple):
    hist: Any
    bin_edges: Any


return_histogramdd = _ret("histogramdd", _HistogramDD)


def histogramdd(input: Tensor, bins: Any, *, range: Sequence[float] | None = None,  # noqa: A002
                weight: Tensor | None = None, density: bool = False) -> Any:
    """Histogram of the points in the rows of ``input`` (its last dim is the point's dimension D):
    ``(hist, bin_edges)`` with one edges tensor per dimension."""
    _check_tensor(input, "histogramdd")
    _float_only(input, "histogramdd")
    if input.ndim < 1:
        raise RuntimeError("torch.histogramdd(): input should have at least 1 dimension")
    D = input.shape[-1]
    if isinstance(bins, builtins.int):
        bins = [bins] * D
    bins = list(bins)
    if len(bins) != D:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    if range is not None and len(range) != 2 * D:
        raise RuntimeError("torch.histogramdd(): for a D-dimensional histogram, range should have 2*D elements, "
                           f"but got {len(range)}")
    with E._no_grad():
        pts = input.detach().reshape(-1, D)  # type: ignore[attr-defined]
        n = pts.shape[0]
        w = weight.detach().reshape(-1).to(input.dtype) if weight is not None else None  # type: ignore[attr-defined]
        if w is not None and w.shape[0] != n:
            raise RuntimeError("torch.histogramdd(): if weight tensor is provided it should have the same shape as "
                               "the input tensor excluding its innermost dimension")
        edges_list: list[Tensor] = []
        lin = zeros((n,), dtype=_dt.int64, device=input.device)
        inside = full((n,), True, dtype=_dt.bool, device=input.device)
        for k, b in enumerate(bins):
            col = pts[:, k]  # type: ignore[index]
            if isinstance(b, Tensor):
                edges = b.to(input.dtype)
            else:
                if range is not None:
                    lo, hi = float(range[2 * k]), float(range[2 * k + 1])
                elif n:
                    lo, hi = float(Rd.min(col).item()), float(Rd.max(col).item())  # type: ignore[attr-defined]
                else:
                    lo, hi = 0.0, 0.0
                if lo > hi:
                    raise RuntimeError(f"torch.histogramdd(): min should not exceed max, but got min {lo} max {hi} "
                                       f"for dimension {k}")
                if lo == hi:
                    lo, hi = lo - 0.5, hi + 0.5
                edges = linspace(lo, hi, b + 1, dtype=input.dtype, device=input.device)
            edges_list.append(edges)
            nb = edges.shape[0] - 1
            inside = E.logical_and(inside, E.logical_and(col >= edges[0], col <= edges[-1]))  # type: ignore[index]
            idx = (_search(edges, col, True) - 1).clamp(0, nb - 1)  # type: ignore[attr-defined]
            lin = lin * nb + idx
        sizes = [e.shape[0] - 1 for e in edges_list]
        total = builtins.max(math.prod(sizes), 1)
        vals = w if w is not None else ones_like(pts[:, 0])  # type: ignore[index]
        vals = E.where(inside, vals, zeros((), dtype=vals.dtype, device=vals.device))
        hist = I.scatter_add(zeros((total,), dtype=input.dtype, device=input.device), 0, lin, vals)
        hist = hist.reshape(sizes)  # type: ignore[attr-defined]
        if density:
            vol = None
            for k, e in enumerate(edges_list):
                shape = [1] * D
                shape[k] = sizes[k]
                wk = (e[1:] - e[:-1]).reshape(shape)  # type: ignore[index]
                vol = wk if vol is None else vol * wk
            hist = hist / (Rd.sum(hist) * vol)
    return return_histogramdd(hist, tuple(edges_list))


# ---------------------------------------------------------------------------------------------
# order statistics


_INTERP = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input: Tensor, q: Any, dim: int | None, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    fn = "nanquantile()" if ignore_nan else "quantile()"
    _check_tensor(input, fn[:-2])
    if input.numel() == 0:
        raise RuntimeError(f"{fn} input tensor must be non-empty")
    if input.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"{fn} input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{fn} q must be a scalar or 1D tensor")
        if q.dtype is not input.dtype:
            raise RuntimeError(f"{fn} q tensor must be same dtype as the input tensor")
        qs = q.detach().to(input.device)  # type: ignore[attr-defined]
        if q.numel() and not builtins.bool(E.logical_and(qs >= 0, qs <= 1).all()):  # type: ignore[attr-defined]
            raise RuntimeError(f"{fn} q values must be in the range [0, 1]")
        scalar_q = q.ndim == 0
    else:
        if not 0 <= q <= 1:
            raise RuntimeError(f"{fn} q must be in the range [0, 1] but got {q}")
        qs = tensor(float(q), dtype=input.dtype, device=input.device)
        scalar_q = True
    if interpolation not in _INTERP:
        raise RuntimeError(f"{fn} interpolation must be one of linear, lower, higher, midpoint or nearest, but got "
                           f"{interpolation}")
    if dim is None:
        x = input.reshape(-1)  # type: ignore[attr-defined]
        d = 0
    else:
        d = _dim(dim, input.ndim)
        x = input if input.ndim else input.reshape(1)  # type: ignore[attr-defined]
    xm = x.movedim(d, -1)  # type: ignore[attr-defined]
    s = So.sort(xm, -1).values  # NaN sorts last
    n = xm.shape[-1]
    nan = xm.detach().isnan()
    qv = qs.reshape(-1)  # type: ignore[attr-defined]
    with E._no_grad():
        valid = (n - Rd.sum(nan, -1, keepdim=True)).to(input.dtype) if ignore_nan else None
        last = (valid - 1) if valid is not None else n - 1
        rank = qv * last  # (..., nq)
        rank = E.where(rank < 0, 0.0, rank) if valid is not None else rank
        if interpolation == "lower":
            rank = rank.floor()
        elif interpolation == "higher":
            rank = rank.ceil()
        elif interpolation == "nearest":
            rank = rank.round()
        lo_i = rank.floor().to(_dt.int64).clamp(0, n - 1)
        hi_i = rank.ceil().to(_dt.int64).clamp(0, n - 1)
        w = rank - rank.floor()
    below = I.gather(s, -1, lo_i if lo_i.ndim == s.ndim else lo_i.expand(s.shape[:-1] + lo_i.shape[-1:]))
    above = I.gather(s, -1, hi_i if hi_i.ndim == s.ndim else hi_i.expand(s.shape[:-1] + hi_i.shape[-1:]))
    if interpolation == "midpoint":
        r = below + (above - below) * 0.5
    elif interpolation == "linear":
        r = E.lerp(below, above, w if w.ndim == s.ndim else w.expand(below.shape))
    else:
        r = below
    any_nan = Rd.any(nan, -1, keepdim=True)
    all_nan = U.logical_not(Rd.any(U.logical_not(nan), -1, keepdim=True))
    r = E.where(all_nan if ignore_nan else any_nan, float("nan"), r)
    # (..., nq) -> (nq, ...) with the reduced dim kept as size 1 where asked
    r = r.movedim(-1, 0)  # type: ignore[attr-defined]
    if keepdim:
        if dim is None:
            r = r.reshape((r.shape[0],) + (1,) * input.ndim)  # type: ignore[attr-defined]
        elif input.ndim:
            r = r.unsqueeze(d + 1)  # type: ignore[attr-defined]
    if scalar_q:
        r = r.squeeze(0)  # type: ignore[attr-defined]
    return r


def quantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear", out: Tensor | None = None) -> Tensor:
    """The ``q``-th quantiles of ``input`` (over ``dim`` or all); NaN where a NaN is present."""
    return handle_out(_quantile(input, q, dim, keepdim, interpolation, False), out)


def nanquantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear", out: Tensor | None = None) -> Tensor:
    """``quantile`` ignoring NaN (NaN only where a slice is all NaN)."""
    return handle_out(_quantile(input, q, dim, keepdim, interpolation, True), out)


return_nanmedian = _ret("nanmedian", _ValuesIndices)
return_mode = _ret("mode", _ValuesIndices)


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False, *, out: Any = None) -> Any:
    """Lower median ignoring NaN; with ``dim``, ``(values, indices)``."""
    _check_tensor(input, "nanmedian")
    if dim is None:
        flat = input.reshape(-1)  # type: ignore[attr-defined]
        if flat.shape[0] == 0:
            return full((), float("nan"), dtype=input.dtype, device=input.device)
        v, _ = _nanmedian_last(flat)
        return handle_out(v, out)
    d = _dim(dim, input.ndim)
    x = input if input.ndim else input.reshape(1)  # type: ignore[attr-defined]
    v, i = _nanmedian_last(x.movedim(d, -1))  # type: ignore[attr-defined]
    if keepdim and input.ndim:
        v, i = v.unsqueeze(d), i.unsqueeze(d)  # type: ignore[attr-defined]
    return _out2(return_nanmedian(v, i), out)


def _nanmedian_last(x: Tensor) -> tuple[Tensor, Tensor]:
    srt = So.sort(x, -1, stable=True)
    n = x.shape[-1]
    with E._no_grad():
        valid = n - Rd.sum(x.detach().isnan(), -1, keepdim=True) if x.dtype.is_floating_point else \
            full(x.shape[:-1] + (1,), n, dtype=_dt.int64, device=x.device)  # type: ignore[attr-defined]
        k = E.floor_divide(valid - 1, 2).clamp(min=0)  # type: ignore[attr-defined]
    return I.gather(srt.values, -1, k).squeeze(-1), I.gather(srt.indices, -1, k).squeeze(-1)  # type: ignore[attr-defined]


def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, out: Any = None) -> Any:
    """Most frequent value along ``dim`` (smallest on ties) and its last index: ``(values, indices)``."""
    _check_tensor(input, "mode")
    d = _dim(dim, input.ndim)
    x = input if input.ndim else input.reshape(1)  # type: ignore[attr-defined]
    xm = x.movedim(d, -1)  # type: ignore[attr-defined]
    n = xm.shape[-1]
    if n == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    with E._no_grad():
        srt = So.sort(xm.detach(), -1, stable=True)
        s = srt.values
        pos = arange(n, device=x.device).expand(s.shape)
        new_run = A.cat([full(s.shape[:-1] + (1,), True, dtype=_dt.bool, device=x.device),
                         s[..., 1:] != s[..., :-1]], -1)  # type: ignore[index]
        start = cummax(E.where(new_run, pos, zeros((), dtype=_dt.int64, device=x.device)), -1).values
        count = pos - start + 1
        # the first position reaching the largest run length ends the smallest of the most frequent values
        p = Rd.argmax(count, -1, keepdim=True)
        idx = I.gather(srt.indices, -1, p)
    vals = I.gather(xm, -1, idx)
    v, i = vals.squeeze(-1), idx.squeeze(-1)  # type: ignore[attr-defined]
    if keepdim and input.ndim:
        v, i = v.unsqueeze(d), i.unsqueeze(d)  # type: ignore[attr-defined]
    elif input.ndim == 0:
        v, i = v.reshape(()), i.reshape(())  # type: ignore[attr-defined]
    return _out2(return_mode(v, i), out)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None) -> Any:
    """Collapse each run of equal consecutive elements (or slices along ``dim``) to one."""
    _check_tensor(input, "unique_consecutive")
    with E._no_grad():
        if dim is None:
            x = input.detach().reshape(-1)  # type: ignore[attr-defined]
            d = 0
        else:
            d = _dim(dim, input.ndim)
            x = input.detach()  # type: ignore[attr-defined]
        n = x.shape[d]
        dev = x.device
        if n == 0:
            keep = zeros((0,), dtype=_dt.bool, device=dev)
        else:
            a, b = x.narrow(d, 1, n - 1), x.narrow(d, 0, n - 1)
            ne = a != b
            if x.ndim > 1:
                ne = Rd.any(ne.movedim(d, 0).reshape(n - 1, -1), 1)
            keep = A.cat([full((1,), True, dtype=_dt.bool, device=dev), ne], 0)
        pos = I.nonzero(keep).reshape(-1)
        values = I.index_select(x, d, pos)
        res: list[Tensor] = [values]
        if return_inverse:
            inv = Rd.cumsum(keep.to(_dt.int64), 0) - 1
            res.append(inv.reshape(input.shape) if dim is None else inv)
        if return_counts:
            ends = A.cat([pos[1:], full((1,), n, dtype=_dt.int64, device=dev)], 0)  # type: ignore[index]
            res.append(ends - pos)
    if len(res) == 1:
        return res[0]
    return tuple(res)


# ---------------------------------------------------------------------------------------------
# statistics


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """Covariance matrix of the variables in the rows of ``input`` (observations in columns)."""
    _check_tensor(input, "cov")
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    x = input.reshape(1, -1) if input.ndim < 2 else input  # type: ignore[attr-defined]
    n_obs = x.shape[1]
    w: Tensor | None = None
    if fweights is not None:
        if fweights.ndim > 1:
            raise RuntimeError(f"cov(): expected fweights to have one or fewer dimensions but got fweights with "
                               f"{fweights.ndim} dimensions")
        if fweights.dtype.is_floating_point or fweights.dtype.is_complex:
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with "
                               f"{type_name(fweights.dtype)} dtype")
        if fweights.numel() != n_obs:
            raise RuntimeError(f"cov(): expected fweights to have the same numel as there are observations in the "
                               f"input but got {fweights.numel()} != {n_obs}")
        if builtins.bool((fweights < 0).any()):  # type: ignore[attr-defined]
            raise RuntimeError("cov(): fweights cannot be negative")
        w = fweights
    if aweights is not None:
        if aweights.ndim > 1:
            raise RuntimeError(f"cov(): expected aweights to have one or fewer dimensions but got aweights with "
                               f"{aweights.ndim} dimensions")
        if not aweights.dtype.is_floating_point:
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                               f"{type_name(aweights.dtype)} dtype")
        if aweights.numel() != n_obs:
            raise RuntimeError(f"cov(): expected aweights to have the same numel as there are observations in the "
                               f"input but got {aweights.numel()} != {n_obs}")
        if builtins.bool((aweights < 0).any()):  # type: ignore[attr-defined]
            raise RuntimeError("cov(): aweights cannot be negative")
        w = aweights if w is None else w * aweights
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        x = x.to(_dt.get_default_dtype())
    w_sum = Rd.sum(w) if w is not None else tensor(float(n_obs), dtype=x.dtype if x.dtype.is_floating_point
                                                   else _dt.get_default_dtype(), device=x.device)
    avg = Rd.sum(x * w, 1) / w_sum if w is not None else Rd.mean(x, 1)
    if w is not None and correction != 0:
        if aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * Rd.sum(w * aweights) / w_sum
    else:
        norm = w_sum - correction
    if builtins.bool((norm <= 0).item()):  # type: ignore[attr-defined]
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = norm * 0
    xc = x - avg.unsqueeze(1)  # type: ignore[attr-defined]
    xw = xc * w if w is not None else xc
    c = xc @ (xw.mT.conj() if xw.dtype.is_complex else xw.mT)  # type: ignore[attr-defined]
    return (c / norm).squeeze()  # type: ignore[attr-defined, no-any-return]


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the variables in the rows of ``input``."""
    _check_tensor(input, "corrcoef")
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:
        return c / c
    dg = A.diag(c)
    if input.dtype.is_complex:
        dg = dg.real  # type: ignore[attr-defined]
    sd = dg.sqrt()  # type: ignore[attr-defined]
    c = c / sd.unsqueeze(1)  # type: ignore[attr-defined]
    c = c / sd.unsqueeze(0)  # type: ignore[attr-defined]
    if c.dtype.is_complex:
        return c
    return c.clamp(-1, 1)  # type: ignore[attr-defined, no-any-return]


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast)."""
    _check_tensor(input, "dist")
    _check_tensor(other, "dist", "other")
    return Rd.norm(input - other, p)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float, *, out: Tensor | None = None) -> Tensor:
    """Each slice along ``dim`` rescaled so its ``p``-norm is at most ``maxnorm``."""
    _check_tensor(input, "renorm")
    if not p > 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported (got p={p})")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    d = _dim(dim, input.ndim)
    others = tuple(i for i in range(input.ndim) if i != d)
    nrm = Rd.norm(input, p, dim=others, keepdim=True)
    factor = E.where(nrm > maxnorm, maxnorm / (nrm + 1e-7), ones_like(nrm))
    return handle_out(input * factor, out)


METHODS: dict[str, Callable[..., Any]] = {
    "cummax": cummax, "cummin": cummin, "logcumsumexp": logcumsumexp, "diff": diff, "histc": histc,
    "histogram": histogram, "quantile": quantile, "nanquantile": nanquantile, "nanmedian": nanmedian, "mode": mode,
    "unique_consecutive": unique_consecutive, "cov": cov, "corrcoef": corrcoef, "dist": dist, "renorm": renorm,
}
INPLACE: dict[str, Callable[..., Tensor]] = {"renorm_": renorm}
