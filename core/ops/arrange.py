"""Shape ops that build new arrays: cat/stack, flip/roll, tril/triu, diag, repeat/tile, with their backward."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

from ..autograd.graph import Node
from ..tensor import Tensor, _wrap, _wrap_dim
from ._dispatch import needs_grad, record
from .shape import _C_NAMES, _dim_arg, _shape_arg, clone, diagonal, narrow, place_diagonal

ViewFn = Callable[[Tensor], Tensor]


class CatBackward0(Node):
    def __init__(self, tensors: Sequence[Tensor], dim: int):
        self.sizes = [t._data.shape[dim] if t._data.ndim else 0 for t in tensors]
        self.dim = dim

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        outs = []
        start = 0
        for s, (fn, _) in zip(self.sizes, self.next_functions):
            outs.append(narrow(g, self.dim, start, s) if fn is not None else None)
            start += s
        return tuple(outs)


def cat(tensors: Sequence[Tensor], dim: int = 0, *, axis: Any = None, out: Tensor | None = None) -> Tensor:
    """Concatenate tensors along an existing dim (``axis=`` is NumPy's name for ``dim=``)."""
    from .. import dtypes as _dt
    from ._dispatch import common_device, handle_out

    dim = dim if axis is None else axis
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    # PyTorch skips legacy empty 1-d tensors of shape (0,)
    parts = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)] or tensors[:1]
    ref = parts[0]
    if ref._data.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _wrap_dim(dim, ref._data.ndim)
    dev = ref._device
    dt = ref.dtype
    for i, p in enumerate(parts[1:], 1):
        common_device(ref, p) if p._device is not dev else None
        if p._data.ndim != ref._data.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref._data.ndim} and {p._data.ndim}")
        for k, (a, b) in enumerate(zip(ref._data.shape, p._data.shape)):
            if k != d and a != b:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size {a} but got "
                                   f"size {b} for tensor number {i} in the list.")
        dt = _dt.promote_types(dt, p.dtype)
    be = dev._be
    arrays = [p._data if p.dtype is dt else be.astype(p._data, dt) for p in parts]
    r = _wrap(be.concat(arrays, d), dt, dev)
    if needs_grad(*parts):
        record(r, CatBackward0(parts, d), *parts)
    return handle_out(r, out)


concat = concatenate = cat


class StackBackward0(Node):
    def __init__(self, n: int, dim: int):
        self.n, self.dim = n, dim

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        return tuple(g.select(self.dim, i) if fn is not None else None
                     for i, (fn, _) in enumerate(self.next_functions))


def stack(tensors: Sequence[Tensor], dim: int = 0, *, axis: Any = None, out: Tensor | None = None) -> Tensor:
    """Stack tensors of equal shape along a new dim (``axis=`` is NumPy's name for ``dim=``)."""
    from .. import dtypes as _dt
    from ._dispatch import handle_out

    dim = dim if axis is None else axis
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]
    d = _wrap_dim(dim, ref._data.ndim + 1)
    dt = ref.dtype
    for i, p in enumerate(tensors[1:], 1):
        if p._data.shape != ref._data.shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref._data.shape)} at entry "
                               f"0 and {list(p._data.shape)} at entry {i}")
        if p._device != ref._device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                               f"{ref._device} and {p._device}!")
        dt = _dt.promote_types(dt, p.dtype)
    be = ref._device._be
    arrays = [p._data if p.dtype is dt else be.astype(p._data, dt) for p in tensors]
    r = _wrap(be.stack(arrays, d), dt, ref._device)
    if needs_grad(*tensors):
        record(r, StackBackward0(len(tensors), d), *tensors)
    return handle_out(r, out)


def _stack_list(name: str, tensors: Sequence[Tensor]) -> list[Tensor]:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 1-d tensors; 0-d tensors count as 1-d)."""
    ts = [t.reshape(1) if t._data.ndim == 0 else t for t in _stack_list("hstack", tensors)]
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Concatenate along dim 0 (0-d and 1-d tensors become rows)."""
    ts = _stack_list("vstack", tensors)
    return cat([t.reshape(1, -1) if t._data.ndim < 2 else t for t in ts], 0, out=out)


class FlipBackward0(Node):
    def __init__(self, dims: tuple[int, ...]):
        self.dims = dims

    def backward(self, g: Tensor) -> Tensor:
        return flip(g, self.dims)


def flip(x: Tensor, *dims: Any, **kwargs: Any) -> Tensor:
    """Reverse the order of elements along ``dims`` (a copy, as in PyTorch)."""
    if "dims" in kwargs:  # PyTorch's keyword: flip(x, dims=(0,)) and x.flip(dims=(0,))
        if dims:
            raise TypeError("flip() got multiple values for argument 'dims'")
        dims = (kwargs.pop("dims"),)
    if kwargs or not dims:
        raise TypeError("flip() missing required argument 'dims'" if not kwargs else
                        f"flip() got an unexpected keyword argument '{next(iter(kwargs))}'")
    dims = dims[0] if len(dims) == 1 else dims
    nd = x._data.ndim
    ds = tuple(_wrap_dim(d, nd) for d in (dims if isinstance(dims, (tuple, list)) else (dims,)))
    _check_unique(ds)
    be = x._device._be
    # a 0-d tensor accepts dim 0 (or -1) but has no axis to reverse
    data = be.copy(be.flip(x._data, ds) if nd else x._data)
    r = _wrap(data, x.dtype, x._device)
    if needs_grad(x):
        record(r, FlipBackward0(ds if nd else ()), x)
    return r


def _check_unique(dims: Sequence[int]) -> None:
    seen: set[int] = set()
    for d in dims:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)


def fliplr(x: Tensor) -> Tensor:
    """Flip dim 1."""
    if x._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(x, (1,))


def flipud(x: Tensor) -> Tensor:
    """Flip dim 0."""
    if x._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(x, (0,))


class RollBackward0(Node):
    def __init__(self, shifts: Any, dims: Any):
        self.shifts, self.dims = shifts, dims

    def backward(self, g: Tensor) -> Tensor:
        neg = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return roll(g, neg, self.dims)


def roll(x: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Roll elements along ``dims`` by ``shifts`` (flattened when ``dims`` is None)."""
    be = x._device._be
    n_shifts = len(shifts) if isinstance(shifts, (list, tuple)) else 1
    n_dims = 0 if dims is None else len(dims) if isinstance(dims, (list, tuple)) else 1
    if not n_shifts:
        raise RuntimeError("`shifts` required")
    # PyTorch flattens only for one shift and no dims; any other count must pair shifts with dims
    if not (n_dims == 0 and n_shifts == 1) and n_shifts != n_dims:
        raise RuntimeError(f"shifts and dimensions must align. shifts: {n_shifts}, dims:{n_dims}")
    if isinstance(shifts, (list, tuple)):
        shifts = tuple(shifts) if n_dims else shifts[0]
    if isinstance(dims, (list, tuple)):
        dims = tuple(_wrap_dim(d, x._data.ndim) for d in dims) or None
    elif dims is not None:
        dims = _wrap_dim(dims, x._data.ndim)
    if dims is not None and not x._data.ndim:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    r = _wrap(be.roll(x._data, shifts, dims), x.dtype, x._device)
    if needs_grad(x):
        record(r, RollBackward0(shifts, dims), x)
    return r


class TrilBackward0(Node):
    upper = False

    def __init__(self, k: int):
        self.k = k

    def backward(self, g: Tensor) -> Tensor:
        return triu(g, self.k) if self.upper else tril(g, self.k)


class TriuBackward0(TrilBackward0):
    upper = True


def tril(x: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The lower triangle of the last two dims (others zeroed)."""
    return _triangle("tril", TrilBackward0, x, diagonal, out)


def triu(x: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The upper triangle of the last two dims (others zeroed)."""
    return _triangle("triu", TriuBackward0, x, diagonal, out)


def _triangle(name: str, node: type[TrilBackward0], x: Tensor, diagonal: int, out: Tensor | None) -> Tensor:
    from ._dispatch import handle_out

    if x._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    r = _wrap(getattr(x._device._be, name)(x._data, diagonal), x.dtype, x._device)
    if needs_grad(x):
        record(r, node(diagonal), x)
    return handle_out(r, out)


def diag(x: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """A 1-d tensor's diagonal matrix, or a 2-d tensor's diagonal."""
    from ._dispatch import handle_out

    if x._data.ndim == 1:
        return handle_out(diag_embed(x, diagonal), out)
    if x._data.ndim == 2:
        return handle_out(diagonal_copy(x, diagonal), out)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + str(x._data.ndim) + "D")


def diagonal_copy(x: Tensor, offset: int = 0) -> Tensor:
    """A copy of the diagonal of a 2-d tensor."""
    return clone(diagonal(x, offset))


def diag_embed(x: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Tensors whose diagonals (``offset``, in the plane of ``dim1``/``dim2``) hold the last dim of ``x``."""
    nd = x._data.ndim + 1
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = x._data.shape[-1] + builtins.abs(offset)
    return place_diagonal(x, offset, n, n, d1, d2)


def repeat(x: Tensor, *sizes: Any) -> Tensor:
    """Tile ``x`` ``sizes`` times along each dim."""
    from .creation import check_alloc

    reps = _shape_arg(sizes)
    nd = x._data.ndim
    if len(reps) < nd:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    shape = (1,) * (len(reps) - nd) + x._data.shape
    target = tuple(r * s for r, s in zip(reps, shape))
    if any(r < 0 for r in reps):
        raise RuntimeError(f"Trying to create tensor with negative dimension {builtins.min(target)}: {list(target)}")
    # the expand below is a free view: the copy is the final reshape, so refuse a size no device holds first
    check_alloc(target, x.dtype, x._device)
    y = x.reshape(shape)
    # expand an interleaved singleton per dim, then merge: (a,b) x (r,s) -> (r,a,s,b) -> (r*a, s*b)
    inter = []
    exp_shape = []
    for r, s in zip(reps, shape):
        inter += [1, s]
        exp_shape += [r, s]
    y = y.reshape(inter).expand(*exp_shape)
    return y.reshape(target)


def tile(x: Tensor, dims: Sequence[int]) -> Tensor:
    """Like ``repeat``, padding ``dims`` with ones on the left."""
    dims = tuple(dims)
    if len(dims) < x._data.ndim:
        dims = (1,) * (x._data.ndim - len(dims)) + dims
    return repeat(x, dims)


def repeat_interleave(x: Tensor, repeats: Any = None, dim: int | None = None, *, axis: Any = None,
                      output_size: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times (an int, or a count per element) along ``dim`` (flattened when
    None); ``repeat_interleave(counts)`` alone gives each index ``i`` repeated ``counts[i]`` times."""
    from .creation import check_alloc

    dim = _dim_arg("repeat_interleave", dim, axis, required=False)
    if repeats is None:
        return _repeat_counts(x, output_size)
    if dim is None:
        x = x.reshape(-1)
        dim = 0
    d = _wrap_dim(dim, x._data.ndim)
    shape = x._data.shape
    if isinstance(repeats, Tensor):
        if repeats._data.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if repeats.numel() == 1:
            repeats = builtins.int(repeats.reshape(()).item())  # type: ignore[attr-defined]
        else:
            if repeats._data.shape[0] != shape[d]:
                raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                                   f"{repeats._data.shape[0]} and input.size({d}) = {shape[d]}")
            # the index of each output element along dim; index_select carries the gradient
            index = _repeat_counts(repeats, output_size)
            return x.index_select(d, index)  # type: ignore[attr-defined, no-any-return]
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    total = shape[d] * repeats
    if output_size is not None and output_size != total:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {total} but got {output_size}")
    target = shape[:d] + (total,) + shape[d + 1:]
    check_alloc(target, x.dtype, x._device)
    y = x.unsqueeze(d + 1)
    exp = list(y._data.shape)
    exp[d + 1] = repeats
    y = y.expand(*exp)
    return y.reshape(target)


def _repeat_counts(counts: Tensor, output_size: int | None) -> Tensor:
    """``[0] * counts[0] + [1] * counts[1] + ...`` in ``counts``' integer dtype."""
    from .. import dtypes as _dt
    from .creation import arange

    if counts._data.ndim != 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if counts.dtype not in (_dt.int64, _dt.int32):
        raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for '{_C_NAMES[counts.dtype.name]}'")
    if counts.numel() and builtins.bool((counts < 0).any()):
        raise RuntimeError("repeats can not be negative")
    ends = counts.to(_dt.int64).cumsum(0)  # type: ignore[attr-defined]
    total = builtins.int(ends[-1].item()) if counts.numel() else 0
    if output_size is not None and output_size != total:
        raise RuntimeError("allocated size does not match required size")
    from .search import searchsorted

    # output position p belongs to the first index whose running count exceeds p
    idx = searchsorted(ends, arange(total, dtype=_dt.int64, device=counts.device), right=True)
    return idx.to(counts.dtype)  # type: ignore[no-any-return]

