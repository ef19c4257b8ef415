"""Searching and histograms: searchsorted/bucketize, isin, histc, histogram, histogramdd.

Composites of existing Tensor ops: a vectorized binary search (log2(n) gathers) places values among sorted
boundaries, and scatter_add counts them, so they run on every backend.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from .. import dtypes as _dt
from ..tensor import Tensor
from . import elementwise as E
from . import indexing as I
from . import reduction as Rd
from . import sorting as So
from . import unary as U
from ._dispatch import handle_out, type_name
from .creation import full, linspace, ones_like, tensor, zeros
from .reduction import _ret
from .scan import _check_tensor

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
        # PyTorch's test, `!(boundary > value)` (right) or `!(boundary >= value)`: a NaN value goes past every
        # boundary and a NaN boundary is passed by every value (NaN sorts last)
        go_right = U.logical_not((v > values) if right else (v >= values))
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


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False,
         out: Tensor | None = None) -> Tensor:
    """Whether each of ``elements`` occurs in ``test_elements`` (``invert`` negates)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments: at least one of elements and "
                        "test_elements must be a Tensor")
    dev = elements.device if isinstance(elements, Tensor) else test_elements.device
    el = elements if isinstance(elements, Tensor) else tensor(elements, device=dev)
    te = test_elements if isinstance(test_elements, Tensor) else tensor(test_elements, device=dev)
    if el.dtype is _dt.bool or te.dtype is _dt.bool:
        raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    with E._no_grad():
        flat = te.detach().reshape(-1)  # type: ignore[attr-defined]
        if flat.shape[0] == 0:
            found = zeros(el.shape, dtype=_dt.bool, device=dev)
        elif flat.shape[0] < 10.0 * builtins.max(el.numel(), 1) ** 0.145:
            # PyTorch's choice for a small test set: compare with each of its elements (no sort, no search)
            d = _dt.promote_types(el.dtype, te.dtype)
            found = Rd.any(el.detach().to(d).reshape(tuple(el.shape) + (1,)) == flat.to(d), -1)  # type: ignore[attr-defined]
        else:
            d = _dt.promote_types(el.dtype, te.dtype)
            s = So.sort(flat.to(d)).values
            e = el.detach().to(d)  # type: ignore[attr-defined]
            # NaN (sorted last) equals nothing: searched as inf, a hit on one of them is no hit
            nan = U.isnan(s) if d.is_floating_point else None
            if nan is not None:
                s = E.where(nan, float("inf"), s)
            pos = _search(s, e, False).clamp(max=s.shape[0] - 1).reshape(-1)  # type: ignore[attr-defined]
            found = s[pos] == e.reshape(-1)  # type: ignore[index, attr-defined]
            if nan is not None:
                found = E.logical_and(found, U.logical_not(nan[pos]))  # type: ignore[index]
            found = found.reshape(e.shape)  # type: ignore[attr-defined]
    return handle_out(U.logical_not(found) if invert else found, out)


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
            else:  # no data: [0, 1], as PyTorch (and NumPy)
                lo, hi = 0.0, 1.0
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
                else:  # no points: [0, 1], as PyTorch (and NumPy)
                    lo, hi = 0.0, 1.0
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


METHODS: dict[str, Callable[..., Any]] = {"histc": histc, "histogram": histogram}
