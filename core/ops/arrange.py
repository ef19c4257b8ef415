"""Shape ops that build new arrays: cat/stack, flip/roll, tril/triu, diag, repeat/tile, with their backward."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

from ..autograd.graph import Node
from ..tensor import Tensor, _wrap, _wrap_dim
from ._dispatch import needs_grad, record
from .shape import _shape_arg, clone, diagonal, narrow

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


def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Concatenate tensors along an existing dim."""
    from .. import dtypes as _dt
    from ._dispatch import common_device, handle_out

    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
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


def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Stack tensors of equal shape along a new dim."""
    from .. import dtypes as _dt
    from ._dispatch import handle_out

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


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 1-d tensors)."""
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 0 (1-d tensors become rows)."""
    return cat([t.unsqueeze(0) if t._data.ndim == 1 else t for t in tensors], 0)


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
    be = x._device._be
    r = _wrap(be.copy(be.flip(x._data, ds)), x.dtype, x._device)
    if needs_grad(x):
        record(r, FlipBackward0(ds), x)
    return r


def fliplr(x: Tensor) -> Tensor:
    """Flip dim 1."""
    return flip(x, (1,))


def flipud(x: Tensor) -> Tensor:
    """Flip dim 0."""
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
    if isinstance(shifts, (list, tuple)):
        shifts = tuple(shifts)
    if isinstance(dims, (list, tuple)):
        dims = tuple(_wrap_dim(d, x._data.ndim) for d in dims)
    elif dims is not None:
        dims = _wrap_dim(dims, x._data.ndim)
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


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-d tensor's diagonal matrix, or a 2-d tensor's diagonal."""
    if x._data.ndim == 1:
        from .creation import eye

        n = x._data.shape[0] + builtins.abs(diagonal)
        m = eye(n, n, k=diagonal, dtype=x.dtype, device=x.device)
        # column j of a k-th diagonal matrix holds x[j - max(k, 0)]: mask a broadcast padded x
        return m * _pad_to(x, n, diagonal).unsqueeze(0)
    if x._data.ndim == 2:
        return diagonal_copy(x, diagonal)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + str(x._data.ndim) + "D")


def _pad_to(x: Tensor, n: int, k: int) -> Tensor:
    from .creation import zeros

    z = zeros(builtins.abs(k), dtype=x.dtype, device=x.device)
    return cat([z, x]) if k > 0 else cat([x, z])


def diagonal_copy(x: Tensor, offset: int = 0) -> Tensor:
    """A copy of the diagonal of a 2-d tensor."""
    return clone(diagonal(x, offset))


def diag_embed(x: Tensor, offset: int = 0) -> Tensor:
    """Matrices whose diagonals are the last dim of ``x``."""
    from .creation import eye

    n = x._data.shape[-1] + builtins.abs(offset)
    return eye(n, n, k=offset, dtype=x.dtype, device=x.device) * _pad_to(x, n, offset).unsqueeze(-2)


def repeat(x: Tensor, *sizes: Any) -> Tensor:
    """Tile ``x`` ``sizes`` times along each dim."""
    reps = _shape_arg(sizes)
    nd = x._data.ndim
    if len(reps) < nd:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    shape = (1,) * (len(reps) - nd) + x._data.shape
    y = x.reshape(shape)
    # expand an interleaved singleton per dim, then merge: (a,b) x (r,s) -> (r,a,s,b) -> (r*a, s*b)
    inter = []
    exp_shape = []
    for r, s in zip(reps, shape):
        inter += [1, s]
        exp_shape += [r, s]
    y = y.reshape(inter).expand(*exp_shape)
    return y.reshape(tuple(r * s for r, s in zip(reps, shape)))


def tile(x: Tensor, dims: Sequence[int]) -> Tensor:
    """Like ``repeat``, padding ``dims`` with ones on the left."""
    dims = tuple(dims)
    if len(dims) < x._data.ndim:
        dims = (1,) * (x._data.ndim - len(dims)) + dims
    return repeat(x, dims)


def repeat_interleave(x: Tensor, repeats: int, dim: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` (flattened when None)."""
    if dim is None:
        x = x.reshape(-1)
        dim = 0
    d = _wrap_dim(dim, x._data.ndim)
    shape = x._data.shape
    y = x.unsqueeze(d + 1)
    exp = list(y._data.shape)
    exp[d + 1] = repeats
    y = y.expand(*exp)
    return y.reshape(shape[:d] + (shape[d] * repeats,) + shape[d + 1:])
