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


def _dim_arg(fn: str, dim: Any, axis: Any, required: bool = True) -> Any:
    """``dim``, or ``axis=``, NumPy's name for it, which PyTorch's argument parser takes as well."""
    if axis is None:
        if dim is None and required:
            raise TypeError(f'{fn}() missing 1 required positional arguments: "dim"')
        return dim
    if dim is not None:
        raise TypeError(f"{fn}() got multiple values for argument 'dim'")
    return axis


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
    r = _wrap(be.reshape(_copy(x), new), x.dtype, x._device)
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


def unflatten(x: Tensor, dim: Any = None, sizes: Sequence[int] | None = None, *, axis: Any = None) -> Tensor:
    """Expand dim ``dim`` into ``sizes``."""
    dim = _dim_arg("unflatten", dim, axis)
    if sizes is None:
        raise TypeError('unflatten() missing 1 required positional arguments: "sizes"')
    d = _wrap_dim(dim, x._data.ndim)
    shape = x._data.shape
    if not len(sizes):
        raise RuntimeError("unflatten: sizes must be non-empty")
    if -1 in sizes:
        try:
            sizes = _infer(tuple(sizes), shape[d])
        except RuntimeError as e:
            if "is invalid for input" not in str(e):
                raise RuntimeError(f"unflatten got an unexpected error:\n{e}") from None
    else:
        sizes = tuple(sizes)
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


def squeeze(x: Tensor, dim: Any = None, *, axis: Any = None) -> Tensor:
    """Remove dims of size 1 (all, or those in ``dim``)."""
    dim = _dim_arg("squeeze", dim, axis, required=False)
    shape = x._data.shape
    nd = len(shape)
    if dim is None:
        new = tuple(s for s in shape if s != 1)
        node: Node = SqueezeBackward0(shape)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        wrapped = [_wrap_dim(d, nd) for d in dims]
        ds = set(wrapped)
        if len(ds) != len(wrapped):
            dup = next(d for d in wrapped if wrapped.count(d) > 1)
            raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
        new = tuple(s for i, s in enumerate(shape) if not (i in ds and s == 1))
        node = SqueezeBackward1(shape)
    be = x._device._be
    return make_view(x, be.reshape(materialize(x), new), lambda b: b.squeeze(dim), node)


def unsqueeze(x: Tensor, dim: Any = None, *, axis: Any = None) -> Tensor:
    """Insert a dim of size 1 at ``dim``."""
    dim = _dim_arg("unsqueeze", dim, axis)
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
    d0, d1 = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    if nd == 0:
        return make_view(x, x._data, lambda b: b, TransposeBackward0(0, 0))
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
    if x._data.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {x._data.ndim}-D "
                           "tensor.")
    return transpose(x, -2, -1)


def movedim(x: Tensor, source: Any, destination: Any) -> Tensor:
    """Move dims from ``source`` to ``destination``."""
    nd = x._data.ndim
    src_in = list(source) if isinstance(source, (tuple, list)) else [source]
    dst_in = list(destination) if isinstance(destination, (tuple, list)) else [destination]
    if len(src_in) != len(dst_in):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src_in} dims) should contain the "
                           f"same number of dims as destination ({dst_in} dims)")
    src = [_wrap_dim(s, nd) for s in src_in]
    dst = [_wrap_dim(d, nd) for d in dst_in]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src_in})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst_in})")
    if nd == 0:  # the only dim a 0-d tensor names (0 or -1) moves onto itself
        return make_view(x, x._data, lambda b: b, PermuteBackward0(()))
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
    if be.mutable:
        _check_view_size(new_t, x)
    else:
        from .creation import check_alloc

        # NOTE: an immutable backend's broadcast is a real array (XLA aborts the process on one too big to hold)
        check_alloc(new_t, x.dtype, x._device)
    return make_view(x, be.broadcast_to(materialize(x), new_t), lambda b: b.expand(new_t), ExpandBackward0(shape))


def _check_view_size(shape: tuple[int, ...], x: Tensor) -> None:
    """A strided view costs no memory, but NumPy refuses one whose byte count (zero sizes counted as 1) passes
    int64: raise PyTorch's overflow error for it rather than NumPy's ValueError."""
    n = x.dtype.itemsize
    for s in shape:
        n *= s or 1
    if n > _I64_MAX:
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(shape)}")


_I64_MAX = (1 << 63) - 1


def _copy(x: Tensor) -> Any:
    """A copy of ``x``'s array; a copy too big for memory raises PyTorch's RuntimeError, not MemoryError."""
    from .creation import _nbytes, alloc_error, check_alloc

    if x._base is not None:
        # a view (an expand) may stand for far more elements than its base stores: check before copying, since
        # under memory overcommit the allocation succeeds and the copy is killed by the OS instead
        check_alloc(x._data.shape, x.dtype, x._device)
    try:
        return x._device._be.copy(x._data)
    except MemoryError as e:
        raise alloc_error(_nbytes(x._data.shape, x.dtype), x._device, e) from None


def expand_as(x: Tensor, other: Tensor) -> Tensor:
    """``x.expand(other.shape)``."""
    return expand(x, other._data.shape)


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    """``x.expand(shape)``."""
    return expand(x, tuple(shape))


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """The shape that all ``shapes`` (tuples, lists or ints) broadcast to, checked in PyTorch's words."""
    from ..tensor import Size

    given = [(s,) if isinstance(s, builtins.int) else s for s in shapes if s is not None]
    for s in given:
        if not isinstance(s, Sequence):
            raise RuntimeError(f"Input shapes should be of type ints, a tuple of ints, or a list of ints, got {s}")
    out = [1] * builtins.max((len(s) for s in given), default=0)
    for k, s in enumerate(given):
        for i in range(-1, -1 - len(s), -1):
            if s[i] == out[i]:
                continue
            if out[i] == 1:
                if s[i] < 0:
                    raise ValueError("Attempting to broadcast a dimension with negative length!")
                out[i] = s[i]
            elif s[i] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {s[i]} at {i}! Mismatching "
                                   f"argument at index {k} had {s}; but expected shape should be broadcastable "
                                   f"to {out}")
    return Size(out)


def _infer_size(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast of two tensor shapes, with PyTorch's error for tensors (not ``broadcast_shapes``'s)."""
    n = builtins.max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Expand all tensors to their common broadcast shape."""
    shape: tuple[int, ...] = ()
    for t in tensors:
        shape = _infer_size(shape, t._data.shape)
    return tuple(expand(t, shape) for t in tensors)


def narrow(x: Tensor, dim: Any = None, start: Any = None, length: Any = None, *, axis: Any = None) -> Tensor:
    """A view of ``length`` elements of ``dim`` from ``start`` (an int or a 0-d integer tensor)."""
    dim = _dim_arg("narrow", dim, axis)
    if start is None or length is None:
        raise TypeError(f'narrow() missing 1 required positional arguments: "{"start" if start is None else "length"}"')
    if x._data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = _wrap_dim(dim, x._data.ndim)
    size = x._data.shape[d]
    start = builtins.int(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    key = (slice(None),) * d + (slice(start, start + length),)
    from .indexing import getitem

    return getitem(x, key)


def select(x: Tensor, dim: Any = None, index: Any = None, *, axis: Any = None) -> Tensor:
    """A view of index ``index`` of dim ``dim`` (that dim removed)."""
    dim = _dim_arg("select", dim, axis)
    if index is None:
        raise TypeError('select() missing 1 required positional arguments: "index"')
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
    """The gradient of pieces ``x[start:stop]`` along ``dim``: the pieces' gradients put back in place (summed
    where ``tensor_split``'s unsorted indices make pieces overlap, zero where no piece reads)."""

    def __init__(self, x: Tensor, bounds: list[tuple[int, int]], dim: int):
        self.shape = x._data.shape
        self.bounds, self.dim = bounds, dim

    def backward(self, *grads: Any) -> Tensor:
        from .arrange import cat
        from .creation import zeros

        ref = next(gg for gg in grads if gg is not None)

        def zero(n: int) -> Tensor:
            shp = list(self.shape)
            shp[self.dim] = n
            return zeros(shp, dtype=ref.dtype, device=ref.device)

        n = self.shape[self.dim]
        tiled = all(b[0] == a[1] for a, b in zip(self.bounds, self.bounds[1:]))
        if tiled and self.bounds[0][0] == 0 and self.bounds[-1][1] == n:
            return cat([zero(b - a) if g is None else g for g, (a, b) in zip(grads, self.bounds)], self.dim)
        total: Tensor | None = None
        for g, (a, b) in zip(grads, self.bounds):
            if g is None or b <= a:
                continue
            part = cat([p for p in (zero(a), g, zero(n - b)) if p._data.shape[self.dim]], self.dim)
            total = part if total is None else total + part
        return zero(n) if total is None else total


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


def _split_views(x: Tensor, bounds: list[tuple[int, int]], d: int) -> tuple[Tensor, ...]:
    """The views ``x[start:stop]`` along ``d`` for each ``(start, stop)``, recorded as one node."""
    from .indexing import getitem

    prev = GRAD.enabled
    GRAD.enabled = False
    try:
        outs = [getitem(x, (slice(None),) * d + (slice(a, b),)) for a, b in bounds]
    finally:
        GRAD.enabled = prev
    if needs_grad(x):
        record_multi(outs, SplitBackward0(x, bounds, d), x)
    return tuple(outs)


def _tiles(sizes: Sequence[int]) -> list[tuple[int, int]]:
    out, start = [], 0
    for n in sizes:
        out.append((start, start + n))
        start += n
    return out


def _split_dim(x: Tensor, dim: int, name: str) -> int:
    if x._data.ndim == 0:
        raise RuntimeError(f"{name} expects at least a 1-dimensional tensor")
    return _wrap_dim(dim, x._data.ndim)


def split(x: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into chunks of ``split_size`` (int) or of the given sizes (list), as views."""
    if not isinstance(split_size_or_sections, builtins.int):
        return split_with_sizes(x, split_size_or_sections, dim)
    d = _split_dim(x, dim, "split")
    n = x._data.shape[d]
    step = split_size_or_sections
    if step < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
    if step == 0 and n:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
    sizes = [builtins.min(step, n - i) for i in range(0, n, step)] if n else [0]
    return _split_views(x, _tiles(sizes), d)


def split_with_sizes(x: Tensor, split_sizes: Sequence[int], dim: int = 0, *, axis: Any = None) -> tuple[Tensor, ...]:
    """Split into pieces of the given sizes, which must sum to the dimension's size."""
    dim = dim if axis is None else axis
    d = _split_dim(x, dim, "split")
    n = x._data.shape[d]
    sizes = [builtins.int(s) for s in split_sizes]
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                           f"split_sizes={sizes}")
    if builtins.sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                           f"dimension {d}), but got split_sizes={sizes}")
    return _split_views(x, _tiles(sizes), d)


def chunk(x: Tensor, chunks: int, dim: int = 0, *, axis: Any = None) -> tuple[Tensor, ...]:
    """Split into ``chunks`` nearly equal views."""
    dim = dim if axis is None else axis
    d = _split_dim(x, dim, "chunk")
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = x._data.shape[d]
    if not n:  # PyTorch gives `chunks` empty pieces of an empty dim (split would give one)
        return _split_views(x, [(0, 0)] * chunks, d)
    return split(x, -(-n // chunks), d)


def tensor_split(x: Tensor, indices_or_sections: Any, dim: int = 0, *, axis: Any = None) -> tuple[Tensor, ...]:
    """Split into ``n`` parts (an int or 0-d tensor) or at the given indices (a list or 1-d tensor), as views."""
    dim = dim if axis is None else axis
    from .. import dtypes as _dt

    if x._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        if spec.dtype is not _dt.int64:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               f"{_C_NAMES.get(spec.dtype.name, spec.dtype.name)}")
        if spec._data.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {spec._data.ndim} dims")
        spec = builtins.int(spec.item()) if spec._data.ndim == 0 else [builtins.int(i) for i in spec.tolist()]
    d = _wrap_dim(dim, x._data.ndim)
    n = x._data.shape[d]
    if isinstance(spec, builtins.int):
        if spec <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {spec}")
        return _split_views(x, _tiles([n // spec + (1 if i < n % spec else 0) for i in range(spec)]), d)
    # PyTorch slices from each index to the next with slice semantics (negative indices wrap, past-the-end
    # ones clamp, a smaller next index gives an empty piece), so unsorted indices make overlapping pieces
    cuts = [builtins.int(i) for i in spec]
    bounds = []
    for a, b in zip([0, *cuts], [*cuts, n]):
        lo, hi, _ = slice(a, b).indices(n)
        bounds.append((lo, builtins.max(lo, hi)))
    return _split_views(x, bounds, d)


#: PyTorch's scalar-type names, as its dtype errors spell them
_C_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "int64": "Long"}


def unbind(x: Tensor, dim: int = 0, *, axis: Any = None) -> tuple[Tensor, ...]:
    """All slices along ``dim``, as views."""
    dim = dim if axis is None else axis
    from .indexing import getitem

    if x._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
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
    r = _wrap(_copy(x), x.dtype, x._device)
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
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
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
        return place_diagonal(g, self.offset, self.shape[self.d1], self.shape[self.d2], self.d1, self.d2)


def place_diagonal(x: Tensor, offset: int, rows: int, cols: int, d1: int, d2: int) -> Tensor:
    """Zeros with the last dim of ``x`` on diagonal ``offset`` of a ``rows x cols`` plane at dims ``d1``, ``d2``
    of the result (the inverse of ``diagonal``; ``x``'s other dims fill the other dims in order).

    Built by padding, not by a product with ``eye`` (which would turn an inf into NaNs off the diagonal) nor by a
    scatter: each element followed by ``n`` zeros, flattened and cut to ``n * n``, lays ``x`` on the diagonal of
    an ``n x n`` block; zero padding then places the block. NOTE: few, cheap primitives, since JAX compiles each
    one anew per shape."""
    batch = x._data.shape[:-1]
    n = x._data.shape[-1]
    flat = _zero_pad(x.unsqueeze(-1), ((0, n),)).reshape(batch + (n * (n + 1),))
    block = flat[..., :n * n].reshape(batch + (n, n))
    # an empty diagonal may start past the plane's edge: clamp so the padding stays non-negative
    top, left = builtins.min(builtins.max(-offset, 0), rows - n), builtins.min(builtins.max(offset, 0), cols - n)
    widths = ((top, rows - n - top), (left, cols - n - left))
    if any(w for pair in widths for w in pair):
        block = _zero_pad(block, widths)
    nd = len(batch) + 2
    return block if (d1, d2) == (nd - 2, nd - 1) else movedim(block, (-2, -1), (d1, d2))


class ConstantPadNdBackward0(Node):
    def __init__(self, key: tuple[Any, ...]):
        self.key = key

    def backward(self, g: Tensor) -> Tensor:
        from .indexing import getitem

        return getitem(g, self.key)


def _zero_pad(x: Tensor, widths: tuple[tuple[int, int], ...]) -> Tensor:
    """``x`` with ``(before, after)`` zeros around each of its last ``len(widths)`` dims."""
    be = x._device._be
    r = _wrap(be.pad(x._data, widths, 0), x.dtype, x._device)
    if needs_grad(x):
        shape = x._data.shape[-len(widths):]
        key = (Ellipsis, *(slice(b, b + s) for (b, _), s in zip(widths, shape)))
        record(r, ConstantPadNdBackward0(key), x)
    return r
