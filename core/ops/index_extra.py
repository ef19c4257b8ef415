"""More indexing: index_fill/index_copy/index_put/index_reduce, scatter_reduce, masked_scatter, put,
diagonal/select/slice/as_strided scatters, as_strided, unfold, fill_diagonal_, sum_to_size (resizing and the
storage queries live in storage_ops.py).

Built on the existing differentiable indexing ops (gather, scatter, scatter_add, index_put, setitem on a
clone), so they run and differentiate on every backend. Reductions with several sources per target
(``prod``/``amax``/``amin``) sort the targets and run a segmented doubling scan.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor, _wrap
from . import arrange as A
from . import elementwise as E
from . import indexing as I
from . import reduction as Rd
from . import sorting as So
from ._dispatch import handle_out, needs_grad, type_name
from ._formula import _attach
from .creation import arange, full, ones_like, tensor, zeros, zeros_like
from .inplace_forms import _top_inplace


def _dim(d: int, nd: int) -> int:
    n = builtins.max(nd, 1)
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return d % n


def _size_args(size: Any) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = size[0]
    return tuple(int(s) for s in size)


def _index_key(d: int, index: Tensor) -> tuple[Any, ...]:
    return (slice(None),) * d + (index,)


# ---------------------------------------------------------------------------------------------
# index_* family


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """A copy of ``input`` with ``value`` in the entries at ``index`` along ``dim``."""
    if not isinstance(index, Tensor) or index.dtype is not _dt.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    d = _dim(dim, input.ndim)
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} "
                           "dimension(s).")
    if index.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    with E._no_grad():
        idx = index.reshape(-1)  # type: ignore[attr-defined]
        n = input.shape[d] if input.ndim else 1
        try:
            I._check_range(idx, n, "index_fill")
        except RuntimeError as e:
            raise IndexError(f"{e}".replace("dimension with", f"dimension {d} with")) from None
        sel = I.scatter(zeros((n,), dtype=_dt.bool, device=input.device), 0, idx % n if idx.numel() else idx, True)
        shape = [1] * input.ndim
        if input.ndim:
            shape[d] = n
        mask = sel.reshape(shape) if input.ndim else sel.reshape(())  # type: ignore[attr-defined]
    v = value.to(input.dtype) if isinstance(value, Tensor) else value
    with E._no_grad():
        r = E.where(mask, v, input)
        r = r if r.dtype is input.dtype else r.to(input.dtype)
    if isinstance(value, Tensor):
        return _attach(r, "IndexFillBackward1", (input, value),
                       lambda g: (index_fill(g, d, index, 0.0), E.where(mask, g, 0.0).sum()))  # type: ignore[attr-defined]
    return _attach(r, "IndexFillBackward0", (input,), lambda g: (index_fill(g, d, index, 0.0),))


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor, *, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with the slices of ``source`` written at ``index`` along ``dim``."""
    d = _dim(dim, input.ndim)
    _check_index_copy(input, d, index, source)
    x = input if input.ndim else input.reshape(1)  # type: ignore[attr-defined]
    src = source.reshape(1) if not source.ndim else source  # type: ignore[attr-defined]
    if src.ndim != x.ndim:  # a 0-d source into one position of a 1-d input
        src = src.reshape(x.shape[:d] + (1,) + x.shape[d + 1:])  # type: ignore[attr-defined]
    idx = index.reshape(-1)  # type: ignore[attr-defined]
    with E._no_grad():
        out_ = x.clone()  # type: ignore[attr-defined]
        out_[_index_key(d, idx)] = src
        out_ = out_ if input.ndim else out_.reshape(())
    r = _attach(out_, "IndexCopyBackward0", (input, source),
                lambda g: (index_fill(g, d, idx, 0.0),
                           I.index_select(g if g.ndim else g.reshape(1), d, idx).reshape(source.shape)))  # type: ignore[attr-defined]
    return handle_out(r, out)


def _check_index_copy(input: Tensor, d: int, index: Tensor, source: Tensor) -> None:
    """PyTorch's checks of index_copy_, in its order."""
    if not isinstance(index, Tensor):
        raise TypeError(f"index_copy(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})")
    n = index.numel()
    if not source.ndim and n != 1:
        raise IndexError(f"index_copy_(): When source is scalar, index should have one element (got {n})")
    if source.ndim != input.ndim and source.ndim and input.ndim:
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their dimensionality must "
                         f"match. Source dimensionality ({source.ndim}), destination dimensionality ({input.ndim})")
    if index.dtype is not _dt.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {type_name(index.dtype)}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{type_name(input.dtype)} and (source) {type_name(source.dtype)}")
    xs, ss = list(input.shape), list(source.shape)
    if xs:
        del xs[d]
    if ss:
        del ss[d]
    if xs != ss:
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice shapes. Destination slice "
                           f"shape: {', '.join(map(str, xs))} at dimension {d} and source slice shape: "
                           f"{', '.join(map(str, ss))} at dimension 0.")
    if source.ndim and n != source.shape[d]:
        raise IndexError(f"index_copy_(): Number of indices ({n}) should be equal to source.size(dim) "
                         f"({source.shape[d]})")
    size = input.shape[d] if input.ndim else 1
    try:
        I._check_range(index, size, "index_copy", d, wraps=False)
    except RuntimeError as e:
        raise IndexError(f"index_copy_(): {e}") from None


def index_put(input: Tensor, indices: Sequence[Any], values: Any, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` written (or added, ``accumulate``) at the advanced index ``indices``."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    if len(indices) > builtins.max(input.ndim, 0):
        raise IndexError(f"too many indices for tensor of dimension {input.ndim} (got {len(indices)})")
    key = tuple(slice(None) if i is None else i for i in indices)
    if not isinstance(values, Tensor):
        values = tensor(values, dtype=input.dtype, device=input.device)
    elif values.dtype is not input.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{type_name(input.dtype)} for the destination and {type_name(values.dtype)} for the "
                           "source.")
    nkey, _ = I._convert_key(input, key)
    return I.index_put_functional(input, nkey, values, accumulate=accumulate)


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with the slices of ``source`` reduced (prod/mean/amax/amin) into ``index`` along ``dim``."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    try:
        d = I._check_index_func(input, dim, index, source, "index_reduce_")
    except RuntimeError as e:
        if " is out of bounds for dimension " in str(e):
            raise IndexError("index out of range in self") from None  # PyTorch's kernel words it so
        raise
    if input.dtype is _dt.bool and (not include_self or input.ndim < 2):
        # PyTorch's kernels for these cases have no bool instance
        kernel = "index_reduce_func_exclude_input_init" if input.ndim >= 2 else "index_func_"
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    x = input if input.ndim else input.reshape(1)  # type: ignore[attr-defined]
    src = source if source.ndim else source.reshape(1)  # type: ignore[attr-defined]
    shape = [1] * src.ndim
    shape[d] = index.numel()
    idx = index.reshape(shape).expand(src.shape)  # type: ignore[attr-defined]
    r = _scatter_reduce(x, d, idx, src, reduce, include_self, "IndexReduceBackward0")
    return handle_out(r if input.ndim else r.reshape(()), out)  # type: ignore[attr-defined]


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` reduced (sum/prod/mean/amax/amin) into it along ``dim`` at ``index``."""
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if reduce == "mean" and input.dtype is _dt.bool:
        raise NotImplementedError("\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'")
    if not input.ndim or not index.ndim or not src.ndim:
        # PyTorch treats a 0-d tensor as one element
        x, i, s = (t if t.ndim else t.reshape(1) for t in (input, index, src))  # type: ignore[attr-defined]
        r = _scatter_reduce(x, dim, i, s, reduce, include_self, "ScatterReduceBackward0")
        return handle_out(r.reshape(input.shape), out)  # type: ignore[attr-defined]
    return handle_out(_scatter_reduce(input, dim, index, src, reduce, include_self, "ScatterReduceBackward0"), out)


def _scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, include_self: bool,
                    node: str) -> Tensor:
    d = _dim(dim, input.ndim)
    I._check_index(index, "scatter_reduce")
    if index.ndim != input.ndim or index.ndim != src.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    for k, (i, s, x) in enumerate(zip(index.shape, src.shape, input.shape)):
        if i > s or (k != d and i > x):
            raise RuntimeError(f"Expected index {list(index.shape)} to be smaller than self {list(input.shape)} apart "
                               f"from dimension {d} and to be smaller size than src {list(src.shape)}")
    if src.dtype is not input.dtype:
        raise RuntimeError(f"scatter_reduce(): Expected self.dtype to be equal to src.dtype, got "
                           f"{type_name(input.dtype)} and {type_name(src.dtype)}")
    n = input.shape[d] if input.ndim else 1
    I._check_range(index, n, "scatter_reduce", d, wraps=False)
    # NOTE: the index is checked once here; the unchecked forms below (and in the backward) add no host sync
    src_s = src if tuple(src.shape) == tuple(index.shape) else src[tuple(slice(0, i) for i in index.shape)]  # type: ignore[index]
    idx = E.remainder(index.to(_dt.int64), n) if index.numel() else index.to(_dt.int64)
    if reduce in ("sum", "mean"):
        with E._no_grad():
            # NOTE: half precision is summed and divided in float32 and rounded once, as PyTorch's kernel does
            half = input.dtype in (_dt.float16, _dt.bfloat16)
            x, s = (input.to(_dt.float32), src_s.to(_dt.float32)) if half else (input, src_s)
            base = x if include_self else I._scatter(x, d, idx, 0)
            r = I._scatter_add(base, d, idx, s)
            if reduce == "mean":
                cnt0 = ones_like(x) if include_self else zeros_like(x)
                cnt = I._scatter_add(cnt0, d, idx, ones_like(s))
                safe = E.where(cnt == 0, ones_like(cnt), cnt)
                if x.dtype.is_floating_point or x.dtype.is_complex:
                    r = E.where(cnt == 0, x, r / safe)
                else:
                    r = E.where(cnt == 0, x, E.floor_divide(r, safe))
            r = r.to(input.dtype) if half else r

        def linear(g: Tensor) -> tuple[Any, ...]:
            # PyTorch's formulas: sum passes g through; mean divides by each target's count
            if reduce == "sum":
                g_self, g_src = g, I._gather(g, d, idx)
            else:
                n = I._scatter_add(ones_like(g) if include_self else zeros_like(g), d, idx,
                                  ones_like(src_s, dtype=g.dtype))
                n = E.where(n == 0, ones_like(n), n)
                g_self, g_src = g / n, I._gather(g, d, idx) / I._gather(n, d, idx)
            if not include_self:
                g_self = I._scatter(g_self, d, idx, 0.0)
            return g_self, g_src

        return _attach(r, node, (input, src_s), linear)
    if reduce == "prod":
        return _segment_reduce(input, d, idx, src_s, "prod", include_self)
    with E._no_grad():
        r = _segment_reduce(input.detach(), d, idx, src_s.detach(), reduce, include_self)  # type: ignore[attr-defined]

    def formula(g: Tensor) -> tuple[Any, ...]:
        # PyTorch's: the gradient is shared evenly among all the elements equal to the result (self counted
        # among them even when include_self=False, whose self gradient is then zeroed where scattered)
        value = I._gather(r, d, idx)
        src_hit = (src_s == value).to(g.dtype)
        self_hit = (input == r).to(g.dtype)
        share = g / I._scatter_add(self_hit, d, idx, src_hit)
        g_self = self_hit * share
        if not include_self:
            g_self = I._scatter(g_self, d, idx, 0.0)
        return g_self, src_hit * I._gather(share, d, idx)

    return _attach(r, node, (input, src_s), formula)


def combiner(reduce: str, dtype: _dt.dtype) -> Callable[[Tensor, Tensor], Tensor]:
    """The pairwise op of a ``prod``/``amax``/``amin`` reduction; on bools the logical one (and, or, and), which
    every backend has (the array API defines no bool multiply or maximum)."""
    if dtype is _dt.bool:
        return E.logical_or if reduce == "amax" else E.logical_and
    return {"prod": E.mul, "amax": E.maximum, "amin": E.minimum}[reduce]


def _segment_reduce(input: Tensor, d: int, idx: Tensor, src: Tensor, reduce: str, include_self: bool) -> Tensor:
    """``input`` with each target's ``src`` elements (``src`` and ``idx`` of one shape) combined by ``reduce``
    (prod, amax or amin): the backend's fused ``index_reduce`` where it has one and no gradient is needed, else
    core's differentiable reference (sorted segments, a doubling scan)."""
    if idx.numel() == 0:
        return input.clone()  # type: ignore[attr-defined, no-any-return]
    be = input._device._be
    fused = getattr(be, "index_reduce", None)
    if fused is not None and not needs_grad(input, src):
        kind = "amin" if reduce == "prod" and input.dtype is _dt.bool else reduce  # a bool product is an and
        key = I._coords(input, d, idx._data)
        x, s = input._data, src._data
        if not include_self:
            # each target starts from one of its own values (max and min are idempotent) or the product's 1
            first = be.full(s.shape, True if input.dtype is _dt.bool else 1, input.dtype, input._device.index) \
                if kind == "prod" else s
            x = be.index_put(x, key, first)
        return _wrap(fused(x, key, s, kind), input.dtype, input._device)
    op = combiner(reduce, input.dtype)
    nd = input.ndim
    ishape = idx.shape
    strides = [1] * nd
    for k in range(nd - 2, -1, -1):
        strides[k] = strides[k + 1] * input.shape[k + 1]
    lin = zeros(ishape, dtype=_dt.int64, device=input.device)
    for k in range(nd):
        if k == d:
            coord = idx
        else:
            view = [1] * nd
            view[k] = ishape[k]
            coord = arange(ishape[k], device=input.device).reshape(view).expand(ishape)  # type: ignore[attr-defined]
        lin = lin + coord * strides[k]
    lin = lin.reshape(-1)  # type: ignore[attr-defined]
    order = So.argsort(lin, stable=True)
    sl = lin[order]  # type: ignore[index]
    sv = src.reshape(-1)[order]  # type: ignore[attr-defined]
    m = sl.shape[0]
    new = sl[1:] != sl[:-1]  # type: ignore[index]
    start = A.cat([full((1,), True, dtype=_dt.bool, device=input.device), new], 0)
    last = A.cat([new, full((1,), True, dtype=_dt.bool, device=input.device)], 0)
    flags, vals = start, sv
    k = 1
    while k < m:
        fa, va = flags[: m - k], vals[: m - k]  # type: ignore[index]
        fb, vb = flags[k:], vals[k:]  # type: ignore[index]
        nv = E.where(fb, vb, op(va, vb))
        nf = E.logical_or(fa, fb)
        vals = A.cat([vals[:k], nv], 0)  # type: ignore[index]
        flags = A.cat([flags[:k], nf], 0)  # type: ignore[index]
        k *= 2
    pos = I.nonzero(last).reshape(-1)
    tgt = sl[pos]  # type: ignore[index]
    seg = vals[pos]  # type: ignore[index]
    flat = input.reshape(-1)  # type: ignore[attr-defined]
    if include_self:
        seg = op(flat[tgt], seg)
    key, _ = I._convert_key(flat, (tgt,))
    return I.index_put_functional(flat, key, seg).reshape(input.shape)  # type: ignore[attr-defined, no-any-return]


# ---------------------------------------------------------------------------------------------
# masked_scatter, put, *_scatter


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with consecutive elements of ``source`` written where ``mask`` is True."""
    if mask.dtype is not _dt.bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{type_name(mask.dtype)}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got "
                           f"{type_name(input.dtype)} and {type_name(source.dtype)}")
    from .shape import broadcast_tensors

    x, m = broadcast_tensors(input, mask)
    with E._no_grad():
        mf = m.reshape(-1)  # type: ignore[attr-defined]
        k = Rd.cumsum(mf.to(_dt.int64), 0) - 1
        need = builtins.int(k[-1].item()) + 1 if k.numel() else 0  # type: ignore[index]
        if need > source.numel():
            raise RuntimeError("Number of elements of source < number of ones in mask")
        k = k.clamp(min=0)  # type: ignore[attr-defined]
    with E._no_grad():
        src = source.reshape(-1)  # type: ignore[attr-defined]
        picked = src[k] if src.shape[0] else zeros(k.shape, dtype=input.dtype, device=input.device)  # type: ignore[index]
        r = E.where(m, picked.reshape(x.shape), x)

    def formula(g: Tensor) -> tuple[Any, ...]:
        # the source's first `need` elements received the masked positions, in order; the rest get 0
        sel = I.masked_select(g, m)
        pad = zeros((source.numel() - need,), dtype=g.dtype, device=g.device)
        return E.where(m, 0.0, g), A.cat([sel, pad], 0).reshape(source.shape)  # type: ignore[attr-defined]

    return _attach(r, "MaskedScatterBackward0", (input, source), formula)


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source`` written (or added) at the flat positions ``index``."""
    if not isinstance(index, Tensor) or index.dtype is not _dt.int64:
        got = type_name(index.dtype) if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {got}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {type_name(input.dtype)} and source.dtype = {type_name(source.dtype)}")
    if index.numel() != source.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    flat = input.reshape(-1)  # type: ignore[attr-defined]
    n = flat.shape[0]
    try:
        I._check_range(index, n, "put")
    except RuntimeError:
        host = index._device._be.to_host(index._data)
        bad = host[(host >= n) | (host < -n)].flat[0]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.") from None
    idx = E.remainder(index.reshape(-1).to(_dt.int64), builtins.max(n, 1))  # type: ignore[attr-defined]
    key, _ = I._convert_key(flat, (idx,))
    with E._no_grad():
        r = I.index_put_functional(flat, key, source.reshape(-1), accumulate).reshape(input.shape)  # type: ignore[attr-defined]

    def formula(g: Tensor) -> tuple[Any, ...]:
        g_self = g if accumulate else put(g, idx, zeros((idx.shape[0],), dtype=g.dtype, device=g.device))
        return g_self, I.take(g, idx).reshape(source.shape)  # type: ignore[attr-defined]

    return _attach(r, "PutBackward0", (input, source), formula)


def _scatter_into(input: Tensor, key: tuple[Any, ...], src: Tensor, expect: tuple[int, ...], fn: str) -> Tensor:
    if tuple(src.shape) != tuple(expect):
        raise RuntimeError(f"{fn}(): expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(expect)}")
    out = input.clone()  # type: ignore[attr-defined]
    out[key] = src.to(input.dtype) if src.dtype is not input.dtype else src  # type: ignore[attr-defined]
    return out  # type: ignore[no-any-return]


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``src`` embedded at ``input.select(dim, index)``."""
    d = _dim(dim, input.ndim)
    n = input.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {d}")
    key = (slice(None),) * d + (index,)
    expect = tuple(input.select(d, index).shape)  # type: ignore[attr-defined]
    return _named_scatter("SelectScatterBackward0", input, src,
                          lambda a, b: _scatter_into(a, key, b, expect, "select_scatter"),
                          lambda g: g.select(d, index), lambda g, z: select_scatter(g, z, d, index))  # type: ignore[attr-defined]


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
                  step: int = 1, *, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` embedded at ``input[..., start:end:step, ...]`` along ``dim``."""
    d = _dim(dim, input.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    key = (slice(None),) * d + (slice(start, end, step),)
    expect = tuple(input[key].shape)  # type: ignore[index]
    return handle_out(_named_scatter("SliceScatterBackward0", input, src,
                                     lambda a, b: _scatter_into(a, key, b, expect, "slice_scatter"),
                                     lambda g: g[key], lambda g, z: slice_scatter(g, z, d, start, end, step)),  # type: ignore[index]
                      out)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` embedded on the diagonal ``input.diagonal(offset, dim1, dim2)``."""
    from .shape import diagonal

    d1, d2 = _dim(dim1, input.ndim), _dim(dim2, input.ndim)
    expect = tuple(diagonal(input, offset, d1, d2).shape)
    if tuple(src.shape) != expect:
        raise RuntimeError(f"diagonal_scatter(): expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(expect)}")
    L = expect[-1]
    i0 = arange(L, device=input.device) + builtins.max(-offset, 0)
    j0 = arange(L, device=input.device) + builtins.max(offset, 0)

    def write(a: Tensor, b: Tensor) -> Tensor:
        out = a.movedim((d1, d2), (-2, -1)).clone()  # type: ignore[attr-defined]
        out[..., i0, j0] = b.to(a.dtype) if b.dtype is not a.dtype else b
        return out.movedim((-2, -1), (d1, d2))  # type: ignore[no-any-return]

    return _named_scatter("DiagonalScatterBackward0", input, src, write, lambda g: diagonal(g, offset, d1, d2),
                          lambda g, z: diagonal_scatter(g, z, offset, d1, d2))


def _named_scatter(name: str, input: Tensor, src: Tensor, write: Callable[[Tensor, Tensor], Tensor],
                   read: Callable[[Tensor], Tensor], scatter_public: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
    """``write(input, src)`` recorded as one PyTorch-named node: the gradient of ``input`` is ``g`` with the
    written region zeroed, that of ``src`` is ``g`` read back from that region."""
    with E._no_grad():
        r = write(input, src)

    def formula(g: Tensor) -> tuple[Any, ...]:
        part = read(g)
        return scatter_public(g, zeros_like(part)), part

    return _attach(r, name, (input, src), formula)


def _strided_positions(size: tuple[int, ...], stride: tuple[int, ...], offset: int, device: Any) -> Tensor:
    pos = zeros(size, dtype=_dt.int64, device=device)
    for k, (n, s) in enumerate(zip(size, stride)):
        view = [1] * len(size)
        view[k] = n
        pos = pos + arange(n, device=device).reshape(view) * s  # type: ignore[attr-defined]
    return pos + offset


def _check_strided(input: Tensor, size: Sequence[int], stride: Sequence[int], offset: int, fn: str) -> None:
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: {len(stride)} vs {len(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"{fn}: Negative strides are not supported at the moment, got strides: {list(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    need = offset + builtins.sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if need > input.numel():
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {input.dtype.itemsize} requiring a storage size of {need * input.dtype.itemsize}"
                           f" are out of bounds for storage of size {input.numel() * input.dtype.itemsize}")


def as_strided(input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None) -> Tensor:
    """Elements of ``input`` (its row-major storage) read with the given ``size``, ``stride`` and offset.

    ember's backends need not expose raw strided storage, so this gathers (a copy, differentiable) rather than
    aliasing: writes to the result do not reach ``input``."""
    size, stride = tuple(size), tuple(stride)
    off = 0 if storage_offset is None else storage_offset
    _check_strided(input, size, stride, off, "as_strided")
    flat = input.reshape(-1)  # type: ignore[attr-defined]
    pos = _strided_positions(size, stride, off, input.device)
    return flat[pos.reshape(-1)].reshape(size)  # type: ignore[no-any-return]


def as_strided_(input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None) -> Tensor:
    """Not supported: ember tensors cannot re-stride their storage in place."""
    raise RuntimeError("as_strided_ is not supported by ember: backends do not expose re-stridable storage; use "
                       "x = x.as_strided(size, stride) (a copy) instead")


def as_strided_scatter(input: Tensor, src: Tensor, size: Sequence[int], stride: Sequence[int],
                       storage_offset: int | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` written at the positions ``input.as_strided(size, stride, offset)`` reads."""
    size, stride = tuple(size), tuple(stride)
    off = 0 if storage_offset is None else storage_offset
    _check_strided(input, size, stride, off, "as_strided_scatter")
    if tuple(src.shape) != size:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(size)}")
    flat = input.reshape(-1).clone()  # type: ignore[attr-defined]
    pos = _strided_positions(size, stride, off, input.device).reshape(-1)  # type: ignore[attr-defined]
    flat[pos] = src.reshape(-1).to(input.dtype)  # type: ignore[attr-defined]
    return flat.reshape(input.shape)  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------------
# shape helpers


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """All windows of ``size`` elements, ``step`` apart, along ``dimension`` (a new last dim of ``size``)."""
    nd = self.ndim
    d = _dim(dimension, nd) if nd else 0
    n = self.shape[d] if nd else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    x = self if nd else self.reshape(1)  # type: ignore[attr-defined]
    nw = (n - size) // step + 1
    idx = (arange(nw, device=self.device).reshape(-1, 1) * step + arange(size, device=self.device)).reshape(-1)  # type: ignore[attr-defined]
    shape = list(x.shape)
    shape[d: d + 1] = [nw, size]
    with E._no_grad():
        w = I.index_select(x, d, idx).reshape(shape).movedim(d + 1, -1)  # type: ignore[attr-defined]
        w = w if nd else w.reshape(size)

    def formula(g: Tensor) -> tuple[Any, ...]:
        # each window element adds back into the position it was read from
        gw = (g if nd else g.reshape(1, size)).movedim(-1, d + 1)  # type: ignore[attr-defined]
        flat_shape = list(x.shape)
        flat_shape[d] = nw * size
        acc = I.index_add(zeros(x.shape, dtype=g.dtype, device=g.device), d, idx, gw.reshape(flat_shape))
        return (acc.reshape(self.shape),)  # type: ignore[attr-defined]

    return _attach(w, "UnfoldBackward0", (self,), formula)


def sum_to_size(self: Tensor, *size: Any) -> Tensor:
    """``self`` summed down to ``size`` (which ``self`` must be expandable from)."""
    from ._dispatch import sum_to

    target = _size_args(size)
    ok = len(target) <= self.ndim and all(t in (1, s) for t, s in zip(reversed(target), reversed(self.shape)))
    if not ok:
        raise RuntimeError(f"size {{{', '.join(map(str, target))}}} is not expandable to size "
                           f"{{{', '.join(map(str, self.shape))}}}.")
    return sum_to(self, target)


def fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """Fill the main diagonal in place (all dims equal beyond 2-d; ``wrap`` restarts below tall matrices)."""
    nd = self.ndim
    if nd < 2:
        raise RuntimeError("dimensions must larger than 1")
    if nd > 2 and len(set(self.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    n = builtins.min(self.shape)
    strides = [1] * nd
    for k in range(nd - 2, -1, -1):
        strides[k] = strides[k + 1] * self.shape[k + 1]
    step = builtins.sum(strides)
    total = self.numel()
    if nd == 2 and wrap and self.shape[0] > self.shape[1] + 1:
        count = (total + step - 1) // step
    else:
        count = n
    with E._no_grad():
        pos = arange(count, device=self.device) * step
        pos = pos[pos < total]  # type: ignore[index]
        mask = I.scatter(zeros((total,), dtype=_dt.bool, device=self.device), 0, pos, True).reshape(self.shape)  # type: ignore[attr-defined]
    v = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return E.inplace(I.masked_fill, self, mask, v)


index_put_ = _top_inplace("index_put_")

METHODS: dict[str, Callable[..., Any]] = {
    "index_fill": index_fill, "index_copy": index_copy, "index_put": index_put, "index_reduce": index_reduce,
    "scatter_reduce": scatter_reduce, "masked_scatter": masked_scatter, "put": put,
    "diagonal_scatter": diagonal_scatter, "select_scatter": select_scatter, "slice_scatter": slice_scatter,
    "as_strided": as_strided, "as_strided_": as_strided_, "as_strided_scatter": as_strided_scatter,
    "unfold": unfold, "sum_to_size": sum_to_size, "fill_diagonal_": fill_diagonal_,
    # NOTE: bound here, after ops/_methods.py's generic in-place form: it writes through expanded views
    "masked_fill_": I.masked_fill_,
}
INPLACE: dict[str, Callable[..., Tensor]] = {
    "index_fill_": index_fill, "index_copy_": index_copy, "index_put_": index_put, "index_reduce_": index_reduce,
    "scatter_reduce_": scatter_reduce, "masked_scatter_": masked_scatter, "put_": put,
}
