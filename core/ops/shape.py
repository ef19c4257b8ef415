"""Shape ops and views: view/reshape/permute/expand/... share memory with their base.

A view records its root ``_base`` and ``_view_fn`` (how to re-derive it from the base), and
shares the base's version counter; in-place writes through a view are visible in the base.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

from ..autograd.grad_mode import GRAD
from ..autograd.graph import Node
from ..tensor import Tensor, _wrap, _wrap_dim
from ._dispatch import materialize, needs_grad, record, record_multi, sum_to
from ._immutable import view_strides

ViewFn = Callable[[Tensor], Tensor]


def make_view(x: Tensor, data: Any, view_fn: ViewFn, node: Node | None) -> Tensor:
    """Wrap ``data`` (a backend view of ``x``'s array) as a view tensor of ``x``."""
    base = x._base
    prev = x._view_fn
    if base is None:
        base = x
        fn = view_fn
    else:
        fn = view_fn if prev is None else (lambda b: view_fn(prev(b)))
    vc = base._vc
    if vc is None:
        vc = base._vc = [0]
    if x._device._be.mutable:
        r = _wrap(data, x.dtype, x._device)
        r._view_fn = fn
        r._base = base
        r._vc = vc
    else:
        from ._immutable import new_view

        r = new_view(x, data, base, fn, vc)
    if node is not None and x._rg and GRAD.enabled:
        record(r, node, x)
    return r


def _shape_arg(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(builtins.int(s) for s in shape)


def _infer(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    """``shape`` with its -1 filled in for ``numel`` elements, checked in PyTorch's order and words."""
    infer = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s >= 0:
            known *= s
        else:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
    if numel == known and infer is None:
        return shape
    if infer is not None and (numel == known or (known > 0 and numel % known == 0)):
        if known == 0:
            # NOTE: any size fits the -1 of an empty tensor; PyTorch (like NumPy) refuses to guess
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                               "unspecified dimension size -1 can be any value and is ambiguous")
        return shape[:infer] + (numel // known,) + shape[infer + 1:]
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def _compute_stride(old: tuple[int, ...], stride: tuple[int, ...], new: tuple[int, ...]) -> bool:
    """Whether ``new`` can view memory of shape ``old`` with ``stride`` (PyTorch's computeStride)."""
    if not old:
        return True
    numel = 1
    for s in old:
        numel *= s
    if numel == 0:
        return True
    view_d = len(new) - 1
    chunk = stride[-1]
    t_numel = v_numel = 1
    for d in range(len(old) - 1, -1, -1):
        t_numel *= old[d]
        if d == 0 or (old[d - 1] != 1 and stride[d - 1] != t_numel * chunk):
            while view_d >= 0 and (v_numel < t_numel or new[view_d] == 1):
                v_numel *= new[view_d]
                view_d -= 1
            if v_numel != t_numel:
                return False
            if d > 0:
                chunk = stride[d - 1]
                t_numel = v_numel = 1
    return view_d == -1


class ViewBackward0(Node):
    def __init__(self, shape: tuple[int, ...]):
        self.shape = shape

    def backward(self, g: Tensor) -> Tensor:
        return g.reshape(self.shape)


class UnsafeViewBackward0(ViewBackward0):
    pass


def view(x: Tensor, *shape: Any) -> Tensor:
    """A view of ``x`` with another shape; raises if the memory layout does not allow it."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, builtins.int)):
        from .. import dtypes as _dt

        if isinstance(shape[0], _dt.dtype):
            raise RuntimeError("view(dtype) is not supported by ember")
    new = _infer(_shape_arg(shape), x.numel())
    be = x._device._be
    st = _strides(x)
    if st is not None and not _compute_stride(x._data.shape, st, new):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return make_view(x, be.reshape(materialize(x), new), lambda b: b.view(new), ViewBackward0(x._data.shape))


def reshape(x: Tensor, *shape: Any) -> Tensor:
    """``x`` with another shape: a view when the layout allows, else a copy."""
    new = _infer(_shape_arg(shape), x.numel())
    be = x._device._be
    st = _strides(x)
    if st is None or _compute_stride(x._data.shape, st, new):
        if new == x._data.shape and st is not None:
            return make_view(x, x._data, lambda b: b.view(new), ViewBackward0(x._data.shape))
        return make_view(x, be.reshape(materialize(x), new), lambda b: b.view(new), ViewBackward0(x._data.shape))
    r = _wrap(be.reshape(be.copy(x._data), new), x.dtype, x._device)
    if needs_grad(x):
        record(r, UnsafeViewBackward0(x._data.shape), x)
    return r


def view_as(x: Tensor, other: Tensor) -> Tensor:
    """``x.view(other.shape)``."""
    return view(x, other._data.shape)


def reshape_as(x: Tensor, other: Tensor) -> Tensor:
    """``x.reshape(other.shape)``."""
    return reshape(x, other._data.shape)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Flatten dims ``start_dim..end_dim`` into one."""
    nd = x._data.ndim
    if nd == 0:
        return reshape(x, (1,))
    s, e = _wrap_dim(start_dim, nd), _wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = x._data.shape
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(x, shape[:s] + (n,) + shape[e + 1:])


def unflatten(x: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Expand dim ``dim`` into ``sizes``."""
    d = _wrap_dim(dim, x._data.ndim)
    shape = x._data.shape
    sizes = _infer(tuple(sizes), shape[d]) if -1 in sizes else tuple(sizes)
    n = 1
    for s in sizes:
        n *= s
    if n != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({shape[d]}) in the input tensor")
    return view(x, shape[:d] + tuple(sizes) + shape[d + 1:]) if _viewable(x) else reshape(
        x, shape[:d] + tuple(sizes) + shape[d + 1:])


def _viewable(x: Tensor) -> bool:
    return True


class SqueezeBackward0(Node):
    def __init__(self, shape: tuple[int, ...]):
        self.shape = shape

    def backward(self, g: Tensor) -> Tensor:
        return g.reshape(self.shape)


class SqueezeBackward1(SqueezeBackward0):
    pass


class UnsqueezeBackward0(SqueezeBackward0):
    pass


def squeeze(x: Tensor, dim: Any = None) -> Tensor:
    """Remove dims of size 1 (all, or those in ``dim``)."""
    shape = x._data.shape
    nd = len(shape)
    if dim is None:
        new = tuple(s for s in shape if s != 1)
        node: Node = SqueezeBackward0(shape)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        ds = {_wrap_dim(d, nd) for d in dims} if nd else set()
        new = tuple(s for i, s in enumerate(shape) if not (i in ds and s == 1))
        node = SqueezeBackward1(shape)
    be = x._device._be
    return make_view(x, be.reshape(materialize(x), new), lambda b: b.squeeze(dim), node)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at ``dim``."""
    shape = x._data.shape
    d = _wrap_dim(dim, len(shape) + 1)
    new = shape[:d] + (1,) + shape[d:]
    be = x._device._be
    return make_view(x, be.reshape(materialize(x), new), lambda b: b.unsqueeze(d), UnsqueezeBackward0(shape))


class PermuteBackward0(Node):
    def __init__(self, dims: tuple[int, ...]):
        self.dims = dims

    def backward(self, g: Tensor) -> Tensor:
        inv = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inv[d] = i
        return g.permute(*inv)


class TransposeBackward0(Node):
    def __init__(self, d0: int, d1: int):
        self.d0, self.d1 = d0, d1

    def backward(self, g: Tensor) -> Tensor:
        return g.transpose(self.d0, self.d1)


class TBackward0(Node):
    def backward(self, g: Tensor) -> Tensor:
        return g.t()


def permute(x: Tensor, *dims: Any) -> Tensor:
    """A view with dims reordered."""
    dims_t = _shape_arg(dims)
    nd = x._data.ndim
    if len(dims_t) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal "
                           f"to len(dims) = {len(dims_t)}")
    dims_t = tuple(_wrap_dim(d, nd) for d in dims_t)
    if len(set(dims_t)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    be = x._device._be
    return make_view(x, be.permute(materialize(x), dims_t), lambda b: b.permute(dims_t), PermuteBackward0(dims_t))


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """A view with ``dim0`` and ``dim1`` swapped."""
    nd = x._data.ndim
    if nd == 0:
        return make_view(x, x._data, lambda b: b, TransposeBackward0(0, 0))
    d0, d1 = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    axes = list(range(nd))
    axes[d0], axes[d1] = d1, d0
    be = x._device._be
    return make_view(x, be.permute(materialize(x), tuple(axes)), lambda b: b.transpose(d0, d1),
                     TransposeBackward0(d0, d1))


swapaxes = swapdims = transpose


def t(x: Tensor) -> Tensor:
    """Transpose a tensor of at most 2 dims."""
    nd = x._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    if nd < 2:
        return make_view(x, x._data, lambda b: b.t(), TBackward0())
    be = x._device._be
    return make_view(x, be.permute(materialize(x), (1, 0)), lambda b: b.t(), TBackward0())


def T(x: Tensor) -> Tensor:
    """All dims reversed (``x.T``)."""
    nd = x._data.ndim
    return permute(x, tuple(range(nd - 1, -1, -1))) if nd > 1 else make_view(x, x._data, lambda b: b, None)


def mT(x: Tensor) -> Tensor:
    """The last two dims swapped."""
    return transpose(x, -2, -1)


def movedim(x: Tensor, source: Any, destination: Any) -> Tensor:
    """Move dims from ``source`` to ``destination``."""
    nd = x._data.ndim
    src = [_wrap_dim(s, nd) for s in (source if isinstance(source, (tuple, list)) else [source])]
    dst = [_wrap_dim(d, nd) for d in (destination if isinstance(destination, (tuple, list)) else [destination])]
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, tuple(order))


moveaxis = movedim


class ExpandBackward0(Node):
    def __init__(self, shape: tuple[int, ...]):
        self.shape = shape

    def backward(self, g: Tensor) -> Tensor:
        return sum_to(g, self.shape)


def expand(x: Tensor, *sizes: Any) -> Tensor:
    """A broadcast view of ``x`` with ``sizes`` (-1 keeps a dim)."""
    sizes_t = _shape_arg(sizes)
    shape = x._data.shape
    if len(sizes_t) < len(shape):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(sizes_t)}): the number of sizes "
                           f"provided ({len(sizes_t)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({len(shape)})")
    lead = len(sizes_t) - len(shape)
    new = []
    for i, s in enumerate(sizes_t):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   "non-existing dimension 0")
            new.append(s)
        else:
            o = shape[i - lead]
            if s == -1:
                s = o
            elif o != 1 and s != o:
                raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({o}) at "
                                   f"non-singleton dimension {i}.  Target sizes: {list(sizes_t)}.  Tensor sizes: "
                                   f"{list(shape)}")
            new.append(s)
    new_t = tuple(new)
    be = x._device._be
    return make_view(x, be.broadcast_to(materialize(x), new_t), lambda b: b.expand(new_t), ExpandBackward0(shape))


def expand_as(x: Tensor, other: Tensor) -> Tensor:
    """``x.expand(other.shape)``."""
    return expand(x, other._data.shape)


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    """``x.expand(shape)``."""
    return expand(x, tuple(shape))


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """The shape that all ``shapes`` broadcast to."""
    from ..tensor import Size

    n = builtins.max((len(s) for s in shapes), default=0)
    out = [1] * n
    for s in shapes:
        for i, d in enumerate(s):
            j = n - len(s) + i
            if d != 1:
                if out[j] != 1 and out[j] != d:
                    raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape.  "
                                       f"Mismatch is between {out[j]} and {d} at dimension {j}.")
                out[j] = d
    return Size(out)


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Expand all tensors to their common broadcast shape."""
    shape = broadcast_shapes(*[t._data.shape for t in tensors])
    return tuple(expand(t, shape) for t in tensors)


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """A view of ``length`` elements of ``dim`` from ``start``."""
    d = _wrap_dim(dim, x._data.ndim)
    size = x._data.shape[d]
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    key = (slice(None),) * d + (slice(start, start + length),)
    from .indexing import getitem

    return getitem(x, key)


def select(x: Tensor, dim: int, index: int) -> Tensor:
    """A view of index ``index`` of dim ``dim`` (that dim removed)."""
    nd = x._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, nd)
    size = x._data.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(x._data.shape)} at "
                         f"dimension {dim}")
    from .indexing import getitem

    return getitem(x, (slice(None),) * d + (index,))


class SplitBackward0(Node):
    def __init__(self, x: Tensor, sizes: list[int], dim: int):
        self.shape = x._data.shape
        self.sizes, self.dim = sizes, dim

    def backward(self, *grads: Any) -> Tensor:
        from .creation import zeros

        parts = []
        for g, s in zip(grads, self.sizes):
            if g is None:
                shp = list(self.shape)
                shp[self.dim] = s
                ref = next(gg for gg in grads if gg is not None)
                g = zeros(shp, dtype=ref.dtype, device=ref.device)
            parts.append(g)
        from .arrange import cat

        return cat(parts, self.dim)


class UnbindBackward0(Node):
    def __init__(self, x: Tensor, dim: int):
        self.shape = x._data.shape
        self.dim = dim

    def backward(self, *grads: Any) -> Tensor:
        from .creation import zeros

        ref = next(gg for gg in grads if gg is not None)
        parts = [g if g is not None else zeros(ref._data.shape, dtype=ref.dtype, device=ref.device) for g in grads]
        from .arrange import stack

        return stack(parts, self.dim)


def _split_views(x: Tensor, sizes: list[int], d: int, node: Node) -> tuple[Tensor, ...]:
    from .indexing import getitem

    prev = GRAD.enabled
    GRAD.enabled = False
    try:
        outs = []
        start = 0
        for s in sizes:
            outs.append(getitem(x, (slice(None),) * d + (slice(start, start + s),)))
            start += s
    finally:
        GRAD.enabled = prev
    if needs_grad(x):
        record_multi(outs, node, x)
    return tuple(outs)


def split(x: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into chunks of ``split_size`` (int) or of the given sizes (list), as views."""
    d = _wrap_dim(dim, x._data.ndim)
    n = x._data.shape[d]
    if isinstance(split_size_or_sections, builtins.int):
        step = split_size_or_sections
        if step <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [builtins.min(step, n - i) for i in range(0, n, step)] if n else [0]
    else:
        sizes = [builtins.int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {dim}), but got split_sizes={sizes}")
    return _split_views(x, sizes, d, SplitBackward0(x, sizes, d))


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` nearly equal views."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = x._data.shape[_wrap_dim(dim, x._data.ndim)]
    step = -(-n // chunks) if n else 1
    return split(x, step, dim)


def tensor_split(x: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``n`` parts (int) or at the given indices (list)."""
    d = _wrap_dim(dim, x._data.ndim)
    n = x._data.shape[d]
    if isinstance(indices_or_sections, builtins.int):
        k = indices_or_sections
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    else:
        idx = [0, *[builtins.int(i) for i in indices_or_sections], n]
        sizes = [builtins.max(0, builtins.min(b, n) - builtins.min(a, n)) for a, b in zip(idx, idx[1:])]
    return _split_views(x, sizes, d, SplitBackward0(x, sizes, d))


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """All slices along ``dim``, as views."""
    from .indexing import getitem

    d = _wrap_dim(dim, x._data.ndim)
    prev = GRAD.enabled
    GRAD.enabled = False
    try:
        outs = [getitem(x, (slice(None),) * d + (i,)) for i in range(x._data.shape[d])]
    finally:
        GRAD.enabled = prev
    if needs_grad(x) and outs:
        record_multi(outs, UnbindBackward0(x, d), x)
    return tuple(outs)


class CloneBackward0(Node):
    def backward(self, g: Tensor) -> Tensor:
        return g


def clone(x: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy of ``x`` with its own storage (differentiable)."""
    r = _wrap(x._device._be.copy(x._data), x.dtype, x._device)
    if needs_grad(x):
        record(r, CloneBackward0(), x)
    return r


def contiguous(x: Tensor, memory_format: Any = None) -> Tensor:
    """``x`` itself when contiguous, else a contiguous copy."""
    return x if is_contiguous(x) else clone(x)


def _strides(x: Tensor) -> tuple[int, ...] | None:
    """Strides in elements: the backend's, else those a view would have on a strided backend;
    None for a non-view on a backend without strided memory (row-major)."""
    st = x._device._be.strides(x._data)
    if st is None and x._base is not None:
        return view_strides(x)
    return st


def is_contiguous(x: Tensor, memory_format: Any = None) -> bool:
    """Whether ``x`` is laid out in row-major order without gaps."""
    st = _strides(x)
    if st is None:
        return True
    expected = 1
    for size, s in zip(reversed(x._data.shape), reversed(st)):
        if size != 1 and s != expected:
            return False
        expected *= size
    return True


def stride(x: Tensor, dim: int | None = None) -> Any:
    """Strides in elements (row-major strides on backends without strided memory)."""
    st = _strides(x)
    if st is None:
        rows: list[int] = []
        acc = 1
        for s in reversed(x._data.shape):
            rows.insert(0, acc)
            acc *= s
        st = tuple(rows)
    return st if dim is None else st[_wrap_dim(dim, x._data.ndim)]


def diagonal(x: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of dims ``dim1``/``dim2`` as the last dim (a view on NumPy)."""
    nd = x._data.ndim
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    be = x._device._be
    data = be.diagonal(materialize(x), offset, d1, d2)
    r = make_view(x, data, lambda b: b.diagonal(offset, d1, d2), None)
    if needs_grad(x):
        record(r, DiagonalBackward0(x._data.shape, offset, d1, d2), x)
    return r


class DiagonalBackward0(Node):
    def __init__(self, shape: tuple[int, ...], offset: int, d1: int, d2: int):
        self.shape, self.offset, self.d1, self.d2 = shape, offset, d1, d2

    def backward(self, g: Tensor) -> Tensor:
        from .creation import eye, zeros

        n1, n2 = self.shape[self.d1], self.shape[self.d2]
        # scatter g back onto the diagonal: expand g over one axis and mask by a shifted identity
        mask = eye(n1, n2, k=self.offset, dtype=g.dtype, device=g.device)
        nd = len(self.shape)
        others = [d for d in range(nd) if d not in (self.d1, self.d2)]
        order = others + [self.d1, self.d2]
        inv = [order.index(d) for d in range(nd)]
        # g[..., i] belongs at row i + max(0, -offset): pad g to length n1 along its last dim
        n = g._data.shape[-1]
        before = builtins.max(0, -self.offset)
        lead = tuple(self.shape[d] for d in others)
        parts = []
        if before:
            parts.append(zeros(lead + (before,), dtype=g.dtype, device=g.device))
        parts.append(g)
        after = n1 - before - n
        if after > 0:
            parts.append(zeros(lead + (after,), dtype=g.dtype, device=g.device))
        from .arrange import cat

        rows = cat(parts, -1) if len(parts) > 1 else g
        return (rows.unsqueeze(-1) * mask).permute(*inv)
