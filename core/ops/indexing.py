"""Indexing: ``x[key]``, ``x[key] = v``, gather/scatter/index_select/masked ops, with their backward.

Basic indexing (ints, slices, None, Ellipsis) returns views; advanced indexing (int or bool
tensors/lists) returns copies, and its backward accumulates repeated indices.
"""

from __future__ import annotations

import builtins
import warnings
from typing import Any

from .. import dtypes as _dt
from ..amp._state import AUTOCAST, autocast_call
from ..autograd.grad_mode import GRAD
from ..autograd.graph import Node
from ..tensor import Tensor, _detach_alias, _wrap, _wrap_dim
from ._dispatch import (
    _overlapping,
    bump_version,
    check_inplace,
    check_overlap,
    handle_out,
    inplace_source,
    materialize,
    needs_grad,
    rebase_inplace,
    record,
    sum_to,
    to_device_data,
)
from .shape import make_view

_INT = builtins.int


def _convert_key(x: Tensor, key: Any) -> tuple[tuple[Any, ...], bool]:
    """Turn a user index into a backend key; returns (key, is_basic)."""
    if not isinstance(key, tuple):
        key = (key,)
    be = x._device._be
    out: list[Any] = []
    basic = True
    for pos, k in enumerate(key):
        if isinstance(k, Tensor):
            if k.dtype is _dt.bool:
                _check_mask(x, key, pos, k)
            if k.dtype is _dt.bool or k._data.ndim:
                basic = False
                if k.dtype is not _dt.bool and k.dtype.is_floating_point:
                    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
                out.append(to_device_data(k, x._device))
                continue
            if k.dtype.is_floating_point:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(_INT(k.item()))
        elif isinstance(k, builtins.bool):
            basic = False
            out.append(be.from_host(_np().asarray(k), x._device.index))
        elif isinstance(k, _INT) or hasattr(k, "__index__") and not isinstance(k, (list, slice)):
            out.append(_INT(k))
        elif isinstance(k, slice):
            if k.step is not None and _INT(k.step) <= 0:
                raise ValueError("step must be greater than zero")
            out.append(slice(None if k.start is None else _INT(k.start), None if k.stop is None else _INT(k.stop),
                             None if k.step is None else _INT(k.step)))
        elif k is None or k is Ellipsis:
            out.append(k)
        elif isinstance(k, (list, tuple, range)):
            basic = False
            arr = _np().asarray(k)
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if arr.dtype.kind != "b":
                arr = arr.astype("int64")
            out.append(be.from_host(arr, x._device.index))
        else:
            try:
                arr = _np().asarray(k)
            except Exception:
                raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                                 f"are valid indices (got {type(k).__name__})") from None
            basic = False
            out.append(be.from_host(arr, x._device.index))
    _check_bounds(x._data.shape, out, be)
    if basic and out and all(isinstance(k, _INT) for k in out):
        # NOTE: NumPy returns a scalar copy for full integer indexing; the trailing Ellipsis
        # yields a 0-d view instead, as PyTorch's x[i, j] is a view.
        out.append(Ellipsis)
    return tuple(out), basic


def _check_mask(x: Tensor, key: tuple[Any, ...], pos: int, mask: Tensor) -> None:
    """PyTorch's IndexError for a boolean mask whose shape does not match the indexed dims."""
    if any(k is Ellipsis or k is None for k in key[:pos]):
        return
    start = pos
    shape = x._data.shape
    for i, m in enumerate(mask._data.shape):
        d = start + i
        if d < len(shape) and shape[d] != m:
            raise IndexError(f"The shape of the mask {list(mask._data.shape)} at index {i} does not match the shape "
                             f"of the indexed tensor {list(shape)} at index {d}")


def _np() -> Any:
    import numpy as np

    return np


def _check_bounds(shape: tuple[int, ...], key: list[Any], be: Any) -> None:
    consumed = builtins.sum(k.ndim if _is_bool_array(k) else 1 for k in key if k is not None and k is not Ellipsis)
    nd = len(shape)
    if consumed > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd} (got {consumed})")
    dim = 0
    for k in key:
        if k is Ellipsis:
            dim += nd - consumed
        elif k is None:
            continue
        elif isinstance(k, _INT):
            size = shape[dim]
            if not -size <= k < size:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {size}")
            dim += 1
        elif _is_bool_array(k):
            dim += k.ndim
        else:
            if be.clamps_indices and not isinstance(k, slice) and k.ndim and dim < nd:
                # the backend would clamp: read the indices on the host to raise as PyTorch does
                host, size = be.to_host(k), shape[dim]
                bad = host[(host >= size) | (host < -size)]
                if bad.size:
                    raise IndexError(f"index {bad.flat[0]} is out of bounds for dimension {dim} with size {size}")
            dim += 1


def _is_bool_array(k: Any) -> bool:
    # NOTE: compare the dtype's kind, not str(dtype) (5 us per call on NumPy)
    dt = getattr(k, "dtype", None)
    return dt is not None and getattr(dt, "kind", None) == "b"


class _IndexNode(Node):
    def __init__(self, shape: tuple[int, ...], key: tuple[Any, ...], be: Any):
        self.shape, self.key, self.be = shape, key, be

    def backward(self, g: Tensor) -> Tensor:
        from .creation import zeros

        z = zeros(self.shape, dtype=g.dtype, device=g.device)
        return index_put_functional(z, self.key, g, accumulate=True)


class SelectBackward0(_IndexNode):
    pass


class SliceBackward0(_IndexNode):
    pass


class IndexBackward0(_IndexNode):
    pass


def getitem(x: Tensor, key: Any) -> Tensor:
    """``x[key]``: a view for basic indexing, a copy for advanced indexing."""
    nkey, basic = _convert_key(x, key)
    be = x._device._be
    if basic:
        node: Node | None = None
        if x._rg and GRAD.enabled:
            cls = SelectBackward0 if any(isinstance(k, _INT) for k in nkey) else SliceBackward0
            node = cls(x._data.shape, nkey, be)
        data = be.getitem(materialize(x), nkey)
        return make_view(x, data, lambda b: getitem(b, key), node)
    try:
        data = be.getitem(x._data, nkey)
    except IndexError as e:
        raise IndexError(str(e).replace("axis", "dimension")) from None
    r = _wrap(data, x.dtype, x._device)
    if needs_grad(x):
        record(r, IndexBackward0(x._data.shape, nkey, be), x)
    return r


class IndexPutBackward0(Node):
    def __init__(self, key: tuple[Any, ...], v_shape: tuple[int, ...], accumulate: bool):
        self.key, self.v_shape, self.accumulate = key, v_shape, accumulate

    def backward(self, g: Tensor) -> tuple[Any, Any]:
        gx = gv = None
        if self.needs_input_grad(0):
            gx = g if self.accumulate else index_put_functional(g, self.key, 0.0)
        if len(self.next_functions) > 1 and self.needs_input_grad(1):
            gv = sum_to(_raw_getitem(g, self.key), self.v_shape)
        return gx, gv


class CopySlices(IndexPutBackward0):
    pass


def _raw_getitem(g: Tensor, key: tuple[Any, ...]) -> Tensor:
    """``g[key]`` for an already-converted key (differentiable)."""
    be = g._device._be
    r = _wrap(be.getitem(g._data, key), g.dtype, g._device)
    if needs_grad(g):
        record(r, IndexBackward0(g._data.shape, key, be), g)
    return r


def index_put_functional(x: Tensor, key: tuple[Any, ...], values: Any, accumulate: bool = False) -> Tensor:
    """A new tensor: ``x`` with ``values`` written (or added) at a converted ``key`` (differentiable)."""
    be = x._device._be
    vdata = values._data if isinstance(values, Tensor) else values
    if isinstance(values, Tensor) and values.dtype is not x.dtype:
        vdata = be.astype(vdata, x.dtype)
    if accumulate:
        data = _write_at(be, lambda a, k, v: _accumulate(be, a, k, v, x.dtype), x._data, key, vdata)
    else:
        data = _write_at(be, be.index_put, x._data, key, vdata)
    r = _wrap(data, x.dtype, x._device)
    if needs_grad(x, values):
        vs = values._data.shape if isinstance(values, Tensor) else ()
        ins = [x] + ([values] if isinstance(values, Tensor) else [])
        record(r, IndexPutBackward0(key, vs, accumulate), *ins)
    return r


def _accumulate(be: Any, data: Any, key: tuple[Any, ...], vdata: Any, dtype: _dt.dtype) -> Any:
    """``be.index_add(data, key, vdata)``; half-precision targets accumulate in float32 and round once, as
    PyTorch's CPU kernels do (a float16 sum rounded at each repeat drifts by several ulps), and bools add as
    a logical or (in int32: XLA has no bool add)."""
    wide_dt = _dt.float32 if dtype is _dt.float16 or dtype is _dt.bfloat16 else _dt.int32 if dtype is _dt.bool \
        else None
    if wide_dt is None:
        return be.index_add(data, key, vdata)
    wide = be.index_add(be.astype(data, wide_dt), key, be.astype(vdata, wide_dt) if hasattr(vdata, "shape") else vdata)
    return be.astype(wide, dtype)


def setitem(x: Tensor, key: Any, value: Any) -> None:
    """``x[key] = value`` in place (visible through views; recorded for autograd)."""
    check_inplace(x, overlap_ok=True)
    if not isinstance(value, Tensor):
        if isinstance(value, (list, tuple)) or hasattr(value, "__array__"):
            from .creation import tensor

            value = tensor(value, dtype=x.dtype, device=x.device)
        elif not isinstance(value, (_INT, builtins.float, builtins.bool, builtins.complex)):
            raise TypeError(f"can't assign a {type(value).__name__} to a {x.type()}")
    nkey, basic = _convert_key(x, key)
    be = x._device._be
    overlapped = x._base is not None and _overlapping(x)
    if overlapped:
        _check_written_region(x, key, basic)
    if needs_grad(x, value):
        src = inplace_source(x)
        r = index_put_functional(src, nkey, value)
        if basic:
            r.grad_fn.__class__ = CopySlices  # type: ignore[union-attr]
        rebase_inplace(x, r)
        return
    vdata = value
    if isinstance(value, Tensor):
        vdata = to_device_data(value, x._device)
        if value.dtype is not x.dtype:
            vdata = be.astype(vdata, x.dtype)
    if be.mutable:
        _write_at(be, be.setitem, materialize(x), nkey, vdata)
        bump_version(x)
    elif overlapped:
        from ._immutable import write_region

        write_region(x, nkey, vdata)
    else:
        from ._dispatch import write

        write(x, _write_at(be, be.index_put, x._data, nkey, vdata))


def _write_at(be: Any, put: Any, data: Any, key: tuple[Any, ...], vdata: Any) -> Any:
    """``put(data, key, vdata)`` (a backend's index_put/index_add/setitem) with the library's errors in PyTorch's
    words and types: NumPy's bounds error names an axis, and a failed broadcast is a ValueError."""
    try:
        return put(data, key, vdata)
    except IndexError as e:
        raise IndexError(str(e).replace(" axis ", " dimension ")) from None
    except ValueError:
        vshape = list(getattr(vdata, "shape", ()))
        raise RuntimeError(f"shape mismatch: value tensor of shape {vshape} cannot be broadcast to indexing result "
                           f"of shape {list(be.getitem(data, key).shape)}") from None


def _check_written_region(x: Tensor, key: Any, basic: bool) -> None:
    """``x[key] = v`` on an ``expand``ed ``x``, as PyTorch has it: a basic index may write a region whose elements
    are distinct (``e[0] = v``) and raises where they share memory (``e[:, 0] = v``); an advanced index writes
    with PyTorch's deprecation warning."""
    if not basic:
        warnings.warn("Use of index_put_ on expanded tensors is deprecated. Please clone() the tensor before "
                      "performing this operation. This also applies to advanced indexing e.g. tensor[indices] = "
                      "tensor", UserWarning, stacklevel=3)
        return
    prev = GRAD.enabled
    GRAD.enabled = False
    try:
        region = x[key]
    finally:
        GRAD.enabled = prev
    check_overlap(region)


def copy_slices(base: Tensor, view: Tensor, result: Tensor) -> None:
    """After an in-place op on ``view`` whose new value is ``result``, rebase ``base``'s history."""
    view_fn = view._view_fn
    assert view_fn is not None
    node = _ViewCopySlices(view_fn)
    old = inplace_source(base) if base._rg else None
    node.next_functions = ((old.grad_fn, old._output_nr) if old is not None and old.grad_fn is not None else
                           (None, 0), (result.grad_fn, result._output_nr))
    base.grad_fn = node
    base._rg = True
    base._output_nr = 0
    alias = _detach_alias(base)
    alias._rg = True
    alias.grad_fn = node
    v2 = view_fn(alias)
    view.grad_fn = v2.grad_fn
    view._output_nr = v2._output_nr
    view._rg = True


class _ViewCopySlices(Node):
    def __init__(self, view_fn: Any):
        self.view_fn = view_fn

    def name(self) -> str:
        return "CopySlices"

    def backward(self, g: Tensor) -> tuple[Any, Any]:
        gb = None
        if self.needs_input_grad(0):
            prev = GRAD.enabled
            GRAD.enabled = False
            try:
                gb = g.clone()
                self.view_fn(gb).zero_()
            finally:
                GRAD.enabled = prev
        gr = self.view_fn(g).clone() if self.needs_input_grad(1) else None
        return gb, gr


# ---------------------------------------------------------------------------------------------
# gather / scatter / index_select / masked ops


class GatherBackward0(Node):
    def __init__(self, shape: tuple[int, ...], dim: int, index: Tensor):
        self.shape, self.dim, self.index = shape, dim, index

    def backward(self, g: Tensor) -> Tensor:
        from .creation import zeros

        # the forward checked the index: no second bounds check (a host sync on a GPU)
        return _scatter_add(zeros(self.shape, dtype=g.dtype, device=g.device), self.dim, self.index, g)


def _check_index(index: Tensor, name: str) -> None:
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype is not _dt.int64 and index.dtype is not _dt.int32 and index._data.size:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")


def _nonempty(shape: tuple[int, ...]) -> tuple[int, ...]:
    """PyTorch's ``ensure_nonempty_size``: a 0-d tensor counts as shape (1,)."""
    return shape or (1,)


def _scatter_shape_check(input: Tensor, d: int, index: Tensor, src: Any) -> None:
    """PyTorch's ``scatter_shape_check``: index within ``input`` off ``dim`` and within a tensor ``src``."""
    if not index._data.size:
        return
    xs, ix = _nonempty(input._data.shape), _nonempty(index._data.shape)
    if len(xs) != len(ix):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    wrong = builtins.any(i > x for k, (i, x) in enumerate(zip(ix, xs)) if k != d)
    if isinstance(src, Tensor):
        ss = _nonempty(src._data.shape)
        wrong = wrong or builtins.any(i > s for i, s in zip(ix, ss))
        if len(ss) != len(ix):
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        if wrong:
            raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self {list(input.shape)} "
                               f"apart from dimension {d} and to be no larger size than src {list(src.shape)}")
    elif wrong:
        raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self {list(input.shape)} "
                           f"apart from dimension {d}")


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out: Tensor | None = None) -> Tensor:
    """Values of ``input`` along ``dim`` at ``index``."""
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    _check_index(index, "gather")
    if index._data.size:
        xs, ix = _nonempty(input._data.shape), _nonempty(index._data.shape)
        if len(xs) != len(ix):
            raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
        for k, (i, x) in enumerate(zip(ix, xs)):
            if k != d and i > x:
                raise RuntimeError(f"Size does not match at dimension {k} expected index {list(index.shape)} to be "
                                   f"no larger than self {list(input.shape)} apart from dimension {d}")
    _check_range(index, _size_at(input, d), "gather", d, wraps=False)
    return handle_out(_gather(input, d, index), out)


def _size_at(x: Tensor, d: int) -> int:
    """The size of ``x`` along the wrapped dim ``d`` (a 0-d tensor counts as shape (1,), as in PyTorch)."""
    return x._data.shape[d] if x._data.ndim else 1


def _as_1d(be: Any, data: Any) -> Any:
    """``data`` with a 0-d array made shape (1,): gather/scatter treat a 0-d tensor as one element."""
    return data if data.ndim else be.reshape(data, (1,))


def _gather(input: Tensor, d: int, index: Tensor) -> Tensor:
    """``gather`` along the wrapped dim ``d`` of an index already checked (shape and bounds)."""
    be = input._device._be
    src = _as_1d(be, input._data)
    idx = _as_1d(be, to_device_data(index, input._device))
    # take_along_axis broadcasts; PyTorch indexes a prefix of input of index's shape
    if idx.shape != src.shape:
        src = be.getitem(src, tuple(slice(0, i) if k != d else slice(None) for k, i in enumerate(idx.shape)))
    data = be.take_along_axis(src, idx, d)
    if not index._data.ndim:
        data = be.reshape(data, ())
    r = _wrap(data, input.dtype, input._device)
    if needs_grad(input):
        record(r, GatherBackward0(input._data.shape, d, index), input)
    return r


def _check_range(index: Tensor, size: int, name: str, dim: int | None = None, *, wraps: bool = True) -> None:
    """Raise PyTorch's error for an index outside ``[-size, size)`` (``[0, size)`` where ``wraps`` is False,
    as gather/scatter take no negative indices)."""
    if index.numel():
        be = index._device._be
        data = index._data
        # NOTE: one transfer for both bounds: on a GPU each to_host is a device round trip (a sync)
        lo, hi = (_INT(v) for v in be.to_host(be.stack([be.min(data, None, False), be.max(data, None, False)], 0)))
        if lo < (-size if wraps else 0) or hi >= size:
            bad = hi if hi >= size else lo
            where = "dimension" if dim is None else f"dimension {dim}"
            raise RuntimeError(f"index {bad} is out of bounds for {where} with size {size}")


class ScatterBackward0(Node):
    def __init__(self, dim: int, index: Tensor, src_shape: tuple[int, ...] | None, reduce_add: bool):
        self.dim, self.index, self.src_shape, self.reduce_add = dim, index, src_shape, reduce_add

    def backward(self, g: Tensor) -> tuple[Any, Any]:
        gx = gs = None
        if self.needs_input_grad(0):
            gx = g if self.reduce_add else _scatter(g, self.dim, self.index, 0.0)
        if len(self.next_functions) > 1 and self.needs_input_grad(1):
            gs = _gather(g, self.dim, self.index)
        return gx, gs


class ScatterAddBackward0(ScatterBackward0):
    pass


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: str | None = None, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (tensor or scalar) written along ``dim`` at ``index``; ``reduce``
    ('add' or 'multiply') combines instead of writing."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing 1 required argument: 'src' (or 'value')")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
    d = _wrap_dim(dim, input._data.ndim)
    _check_scatter(input, d, index, src)
    if reduce is None:
        return handle_out(_scatter(input, d, index, src), out)
    if not isinstance(src, Tensor):
        from .creation import full

        src = full(tuple(index.shape), src, dtype=input.dtype, device=input.device)
    if reduce == "add":
        return handle_out(_scatter_add(input, d, index, src), out)
    from . import elementwise as E
    from .index_extra import _segment_reduce

    # NOTE: PyTorch has no derivative for scatter with a reduce: no graph here either
    with E._no_grad():
        src_s = src if tuple(src.shape) == tuple(index.shape) else src[tuple(slice(0, i) for i in index.shape)]
        x1, i1, s1 = (t if t.ndim else t.reshape(1) for t in (input, index, src_s))  # type: ignore[attr-defined]
        r = _segment_reduce(x1, d, i1.to(_dt.int64), s1, "prod", True).reshape(input.shape)  # type: ignore[attr-defined]
    return handle_out(r, out)


def _check_scatter(input: Tensor, d: int, index: Tensor, src: Any) -> None:
    """PyTorch's checks of scatter/scatter_add, in its order: dtypes, shapes, then the index bounds."""
    _check_index(index, "scatter")
    if isinstance(src, Tensor) and src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    _scatter_shape_check(input, d, index, src)
    _check_range(index, _size_at(input, d), "scatter", d, wraps=False)


def _scatter_operands(input: Tensor, index: Tensor, src: Any) -> tuple[Any, Any, Any]:
    """The arrays a scatter writes with: input and index with 0-d made (1,), and src cut to index's shape in
    input's dtype (a Python number filled to that shape)."""
    be = input._device._be
    x = _as_1d(be, input._data)
    idx = _as_1d(be, to_device_data(index, input._device))
    if isinstance(src, Tensor):
        s = _as_1d(be, src._data)
        if s.shape != idx.shape:
            s = be.getitem(s, tuple(slice(0, i) for i in idx.shape))
        if src.dtype is not input.dtype:
            s = be.astype(s, input.dtype)
    else:
        s = be.full(idx.shape, src, input.dtype, input._device.index)
    return x, idx, s


def _scatter(input: Tensor, d: int, index: Tensor, src: Any) -> Tensor:
    """``scatter`` along the wrapped dim ``d`` of an index already checked (shape and bounds)."""
    be = input._device._be
    x, idx, s = _scatter_operands(input, index, src)
    data = be.reshape(be.index_put(x, _coords(input, d, idx), s), input._data.shape)
    r = _wrap(data, input.dtype, input._device)
    if needs_grad(input, src):
        ins = [input] + ([src] if isinstance(src, Tensor) else [])
        record(r, ScatterBackward0(d, index, getattr(src, "shape", None), False), *ins)
    return r


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor, *, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` added along ``dim`` at ``index`` (repeats accumulate)."""
    if AUTOCAST.on:
        return autocast_call("scatter_add", scatter_add, input, dim, index, src, out=out)
    d = _wrap_dim(dim, input._data.ndim)
    _check_scatter(input, d, index, src)
    return handle_out(_scatter_add(input, d, index, src), out)


def _scatter_add(input: Tensor, d: int, index: Tensor, src: Tensor) -> Tensor:
    """``scatter_add`` along the wrapped dim ``d`` of an index already checked (shape and bounds)."""
    be = input._device._be
    x, idx, s = _scatter_operands(input, index, src)
    data = be.reshape(_accumulate(be, x, _coords(input, d, idx), s, input.dtype), input._data.shape)
    r = _wrap(data, input.dtype, input._device)
    if needs_grad(input, src):
        record(r, ScatterAddBackward0(d, index, src._data.shape, True), input, src)
    return r


def _coords(input: Tensor, d: int, idx: Any) -> tuple[Any, ...]:
    """Advanced-index key addressing, for every element of the index array ``idx``, its target in ``input``."""
    np = _np()
    be = input._device._be
    shape = tuple(idx.shape)
    nd = len(shape)
    key = []
    for k in range(nd):
        if k == d:
            key.append(idx)
        else:
            ar = np.arange(shape[k]).reshape([-1 if j == k else 1 for j in range(nd)])
            key.append(be.from_host(np.broadcast_to(ar, shape).copy(), input._device.index))
    return tuple(key)


def index_select(input: Tensor, dim: int, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Entries of ``input`` along ``dim`` at the 1-d ``index``."""
    if not isinstance(index, Tensor):
        raise TypeError(f"index_select(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype is not _dt.int64 and index.dtype is not _dt.int32:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    n = index.numel()
    if not nd and n != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {n} value(s)")
    try:
        # PyTorch's kernel takes no negative index
        _check_range(index, _size_at(input, d), "index_select", wraps=False)
    except RuntimeError:
        raise IndexError("index out of range in self") from None
    if not nd:
        return handle_out(getitem(input.reshape(1), (index.reshape(-1),)).reshape(()), out)
    key = (slice(None),) * d + (index.reshape(-1),)
    return handle_out(getitem(input, key), out)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1,
              out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim``."""
    d = _check_index_func(input, dim, index, source, "index_add_")
    x = input if input._data.ndim else input.reshape(1)
    s = source if source._data.ndim else source.reshape(1)
    nkey, _ = _convert_key(x, (slice(None),) * d + (index.reshape(-1),))
    r = index_put_functional(x, nkey, s * alpha if alpha != 1 else s, accumulate=True)
    return handle_out(r if input._data.ndim else r.reshape(()), out)


def _check_index_func(input: Tensor, dim: int, index: Tensor, source: Tensor, name: str) -> int:
    """PyTorch's checks of index_add_/index_reduce_ (index a vector of int32/int64 within ``[0, size)``, source
    of input's dtype and slice shape, one slice per index); returns the wrapped dim."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{name[:-1]}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector, but got dim: {index._data.ndim} with type: "
                         f"{_type_name(index.dtype)} and size: {list(index._data.shape)}")
    if index.dtype is not _dt.int64 and index.dtype is not _dt.int32:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index but got: {_type_name(index.dtype)}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"{name}(): self ({_type_name(input.dtype)}) and source ({_type_name(source.dtype)}) "
                           "must have the same scalar type")
    nd, snd = input._data.ndim, source._data.ndim
    d = _wrap_dim(dim, nd)
    if d and d >= snd:
        raise IndexError(f"{name}(): Indexing dim {d} is out of bounds of the source tensor with dim {snd}")
    n, m = index.numel(), source._data.shape[d] if snd else 1
    if n != m:
        raise RuntimeError(f"{name}(): Number of indices ({n}) should be equal to source.size(dim): ({m}), "
                           f"for dim: {d}")
    xs, ss = list(input._data.shape), list(source._data.shape)
    if nd and snd:
        del xs[d], ss[d]
    if xs != ss:
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension. Got "
                           f"self.shape = {list(input._data.shape)} source.shape = {list(source._data.shape)}")
    _check_range(index, _size_at(input, d), name, d, wraps=False)
    return d


def _type_name(dt: _dt.dtype) -> str:
    from ._dispatch import type_name

    return type_name(dt)


#: the C++ type names PyTorch's masked_fill error prints for a dtype
_CPP_NAME = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
             "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
             "uint8": "unsigned char", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """A copy of ``input`` with ``value`` where ``mask`` is True."""
    if mask.dtype is not _dt.bool:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_CPP_NAME.get(mask.dtype.name, mask.dtype.name)}")
    from .elementwise import check_broadcast, where

    check_broadcast(mask, input)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        v: Any = value.to(input.dtype)
    else:
        v = value
        if not input.dtype.is_floating_point and isinstance(value, builtins.float):
            v = _INT(value)
    out = where(mask, v, input)
    return out if out.dtype is input.dtype else out.to(input.dtype)


def masked_fill_(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """In-place ``masked_fill``; on an ``expand``ed tensor it writes every element sharing memory with a masked
    one, with PyTorch's deprecation warning."""
    from . import elementwise as E

    if input._base is not None and _overlapping(input) and not needs_grad(input, value):
        masked_fill(input, mask, value)  # PyTorch's checks first
        warnings.warn("Use of masked_fill_ on expanded tensors is deprecated. Please clone() the tensor before "
                      "performing this operation. This also applies to advanced indexing e.g. tensor[mask] = scalar",
                      UserWarning, stacklevel=2)
        from .shape import broadcast_to

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # setitem's own warning: one is enough
            setitem(input, broadcast_to(mask, tuple(input.shape)), value)
        return input
    return E.inplace(masked_fill, input, mask, value)


def masked_select(input: Tensor, mask: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The 1-d tensor of ``input``'s elements where ``mask`` is True (broadcasting)."""
    from .shape import broadcast_tensors

    if not isinstance(mask, Tensor) or mask.dtype is not _dt.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    from .elementwise import check_broadcast

    check_broadcast(mask, input)
    x, m = broadcast_tensors(input, mask)
    return handle_out(getitem(x, m) if x._data.ndim else getitem(x.reshape(1), m.reshape(1)), out)


def nonzero(input: Tensor, *, out: Tensor | None = None, as_tuple: bool = False) -> Any:
    """Indices of non-zero elements: an (n, ndim) tensor, or a tuple of 1-d tensors."""
    if as_tuple and out is not None:
        raise RuntimeError("nonzero does not support the out kwarg when as_tuple is True")
    be = input._device._be
    data = input._data
    if data.ndim == 0:
        data = be.reshape(data, (1,))
    idx = be.nonzero(data)
    parts = [_wrap(be.astype(i, _dt.int64), _dt.int64, input._device) for i in idx]
    if as_tuple:
        if input._data.ndim == 0:
            return (parts[0],)
        return tuple(parts)
    if input._data.ndim == 0:
        n = parts[0]._data.shape[0]
        return handle_out(_wrap(be.zeros((n, 0), _dt.int64, input._device.index), _dt.int64, input._device), out)
    from .arrange import stack

    return handle_out(stack(parts, 1), out)


def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``."""
    return nonzero(input)  # type: ignore[no-any-return]


def take(input: Tensor, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elements of the flattened ``input`` at ``index`` (negative indices count from the end)."""
    if not isinstance(index, Tensor):
        raise TypeError(f"take(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype is not _dt.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {_type_name(index.dtype)}")
    n = input.numel()
    if index.numel():
        be = index._device._be
        host = be.to_host(index._data)
        bad = host[(host >= n) | (host < -n)]
        if bad.size:
            raise IndexError(f"out of range: tried to access index {bad.flat[0]} on a tensor of {n} elements.")
    return handle_out(getitem(input.reshape(-1), index), out)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None, *, out: Tensor | None = None) -> Tensor:
    """``gather`` with ``input`` and ``indices`` broadcast off ``dim`` (the flattened input when ``dim`` is None)."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"take_along_dim(): argument 'indices' must be Tensor, not {type(indices).__name__}")
    if indices.dtype is not _dt.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_type_name(indices.dtype)}")
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1), out=out)
    nd = input._data.ndim
    if not nd:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = _wrap_dim(dim, nd)
    if nd != indices._data.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {nd} dimensions for input, and {indices._data.ndim} dimensions for indices")
    from .shape import broadcast_shapes

    xs, ix = list(input._data.shape), list(indices._data.shape)
    xs[d] = ix[d] = 1
    shape = list(broadcast_shapes(tuple(xs), tuple(ix)))
    xb, ib = list(shape), list(shape)
    xb[d], ib[d] = input._data.shape[d], indices._data.shape[d]
    return gather(input.expand(*xb), d, indices.expand(*ib), out=out)
