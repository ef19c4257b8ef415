"""Sparse COO tensors: ``indices`` (sparse_dim, nnz) and ``values`` (nnz, *dense_dims), PyTorch's
``torch.sparse_coo`` layout.

Every operation is a composite of dense ember ops on ``indices``/``values`` (index_add, index_select,
unique), so it runs on every backend and autograd flows through ``values``. A sparse tensor made with
``requires_grad=True`` keeps its values as the autograd leaf: its ``.grad`` is a sparse tensor with its
own indices and the values' gradient (PyTorch's ``.grad`` has the same entries, coalesced).
"""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes as _dt
from ..ops._dispatch import canon_device
from ..tensor import Tensor
from ._layout import sparse_coo

_NOT_DENSE = ("{} is not supported for sparse tensors (layout=ember.sparse_coo): call .to_dense() first, or use "
              "ember.sparse.mm / ember.sparse.sum")


class _SparseData:
    """Stands in for a dense array: gives shape/ndim, and refuses to be computed on as dense data."""

    __slots__ = ("shape", "ndim")

    def __init__(self, shape: tuple[int, ...]):
        self.shape = shape
        self.ndim = len(shape)

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(_NOT_DENSE.format("This operation"))

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(_NOT_DENSE.format("This operation"))


class SparseCOOTensor(Tensor):
    """A tensor in the ``sparse_coo`` layout (``ember.sparse_coo_tensor``, ``Tensor.to_sparse``)."""

    _indices_t: Tensor
    _values_t: Tensor
    _is_coalesced: bool

    # -- layout ---------------------------------------------------------------------------------
    @property
    def is_sparse(self) -> bool:  # type: ignore[override]
        """True: this tensor is sparse COO."""
        return True

    @property
    def layout(self) -> Any:
        """``ember.sparse_coo``."""
        return sparse_coo

    def sparse_dim(self) -> int:
        """Number of sparse dims (the rows of ``indices``)."""
        return int(self._indices_t._data.shape[0])

    def dense_dim(self) -> int:
        """Number of dense dims (the trailing dims of ``values``)."""
        return len(self._data.shape) - self.sparse_dim()

    def _nnz(self) -> int:
        """Number of stored entries (duplicates counted until coalesced)."""
        return int(self._indices_t._data.shape[1])

    def _indices(self) -> Tensor:
        """The indices, coalesced or not."""
        return self._indices_t

    def _values(self) -> Tensor:
        """The values, coalesced or not."""
        return self._values_t

    def indices(self) -> Tensor:
        """The indices of a coalesced tensor."""
        if not self._is_coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._indices_t

    def values(self) -> Tensor:
        """The values of a coalesced tensor."""
        if not self._is_coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return self._values_t

    def is_coalesced(self) -> bool:
        """Whether indices are sorted and unique."""
        return self._is_coalesced

    def coalesce(self) -> SparseCOOTensor:
        """Sorted unique indices, duplicates' values summed."""
        if self._is_coalesced:
            return self
        idx, vals = self._indices_t, self._values_t
        sshape = self._data.shape[: self.sparse_dim()]
        if self._nnz() == 0:
            return _make(idx, vals, self._data.shape, True)
        lin = _linear(idx, sshape)
        uniq, inv = lin.unique(return_inverse=True)
        from ..ops.creation import zeros

        summed = zeros((uniq._data.shape[0], *vals._data.shape[1:]), dtype=vals.dtype, device=vals.device)
        summed = summed.index_add(0, inv, vals)
        return _make(_unravel(uniq, sshape), summed, self._data.shape, True)

    def to_dense(self, dtype: Any = None, *, masked_grad: bool | None = None) -> Tensor:
        """The dense tensor (duplicate entries summed)."""
        from ..ops.creation import zeros

        sd = self.sparse_dim()
        shape = self._data.shape
        vals = self._values_t if dtype is None else self._values_t.to(dtype)
        flat = zeros((math.prod(shape[:sd]), *shape[sd:]), dtype=vals.dtype, device=vals.device)
        if self._nnz():
            flat = flat.index_add(0, _linear(self._indices_t, shape[:sd]), vals)
        return flat.reshape(*shape)

    def to_sparse(self, sparse_dim: int | None = None, *, layout: Any = None, blocksize: Any = None,
                  dense_dim: int | None = None) -> SparseCOOTensor:
        """Itself (already sparse COO)."""
        return self

    # -- autograd (through the values) ----------------------------------------------------------
    @property
    def requires_grad(self) -> bool:  # type: ignore[override]
        """Whether the values require grad."""
        return self._values_t._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._values_t.requires_grad = value
        self._rg = value

    def requires_grad_(self, requires_grad: bool = True) -> SparseCOOTensor:
        """Set ``requires_grad`` in place."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:  # type: ignore[override]
        """Whether the values are an autograd leaf."""
        return self._values_t.grad_fn is None

    @property
    def grad(self) -> Tensor | None:  # type: ignore[override]
        """The gradient as a sparse tensor with this tensor's indices (None before backward)."""
        g = self._values_t.grad
        if g is None:
            return None
        if self._is_coalesced:
            return _make(self._indices_t, g, self._data.shape, True)
        # PyTorch's grad is the dense gradient at the coalesced pattern: duplicates of one index all carry
        # that same value, so their mean is it
        sshape = self._data.shape[: self.sparse_dim()]
        uniq, inv, counts = _linear(self._indices_t, sshape).unique(return_inverse=True, return_counts=True)
        from ..ops.creation import zeros

        summed = zeros((uniq._data.shape[0], *g._data.shape[1:]), dtype=g.dtype, device=g.device).index_add(0, inv, g)
        mean = summed / counts.to(g.dtype).reshape(-1, *[1] * (g._data.ndim - 1))
        return _make(_unravel(uniq, sshape), mean, self._data.shape, True)

    @grad.setter
    def grad(self, value: Any) -> None:
        self._values_t.grad = None if value is None else value._values()

    def detach(self) -> SparseCOOTensor:
        """The same entries without autograd history."""
        return _make(self._indices_t, self._values_t.detach(), self._data.shape, self._is_coalesced)

    # -- ops ------------------------------------------------------------------------------------
    def t(self) -> SparseCOOTensor:
        """Transpose of a 2-d sparse tensor."""
        if self._data.ndim != 2 or self.sparse_dim() != 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, but got "
                               f"{self.sparse_dim()} sparse and {self.dense_dim()} dense dimensions")
        s = self._data.shape
        return _make(self._indices_t.flip(0), self._values_t, (s[1], s[0]), False)

    def mul(self, other: Any) -> SparseCOOTensor:
        """Entries times a scalar (a 0-d tensor or number)."""
        if isinstance(other, Tensor) and other._data.ndim:
            raise RuntimeError("mul of a sparse tensor by a non-scalar tensor is not supported by ember")
        return _make(self._indices_t, self._values_t * other, self._data.shape, self._is_coalesced)

    __mul__ = __rmul__ = mul  # type: ignore[assignment]

    def __neg__(self) -> SparseCOOTensor:
        return self.mul(-1)

    def __truediv__(self, other: Any) -> SparseCOOTensor:
        return self.mul(1.0 / other if not isinstance(other, Tensor) else 1.0 / other)

    def to(self, *args: Any, **kwargs: Any) -> SparseCOOTensor:  # type: ignore[override]
        """The same entries on another device and/or dtype."""
        v = self._values_t.to(*args, **kwargs)
        return _make(self._indices_t.to(v.device), v, self._data.shape, self._is_coalesced)

    def float(self) -> SparseCOOTensor:  # type: ignore[override]
        """Values cast to float32."""
        return self.to(_dt.float32)

    def double(self) -> SparseCOOTensor:  # type: ignore[override]
        """Values cast to float64."""
        return self.to(_dt.float64)

    def cpu(self) -> SparseCOOTensor:  # type: ignore[override]
        """A copy on the CPU."""
        return self.to("cpu")

    def sum(self, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:  # type: ignore[override]
        """Sum of all entries (dense 0-d), or ``ember.sparse.sum`` over ``dim``."""
        return sparse_sum(self, dim, dtype)

    def numpy(self, *, force: bool = False) -> Any:
        raise RuntimeError(_NOT_DENSE.format("numpy()"))

    def __repr__(self, *, tensor_contents: Any = None) -> str:  # type: ignore[override]
        return sparse_repr(self)

    def __reduce_ex__(self, proto: Any) -> Any:
        return _rebuild, (self._indices_t, self._values_t.detach(), tuple(self._data.shape), self._is_coalesced,
                          self.requires_grad)

    def __deepcopy__(self, memo: dict[int, Any]) -> SparseCOOTensor:
        out = _make(self._indices_t.clone(), self._values_t.detach().clone(), self._data.shape, self._is_coalesced)
        if self.requires_grad:
            out.requires_grad_()
        memo[id(self)] = out
        return out


def _rebuild(indices: Tensor, values: Tensor, shape: tuple[int, ...], coalesced: bool,
             requires_grad: bool) -> SparseCOOTensor:
    """Unpickle a sparse COO tensor."""
    out = _make(indices, values, shape, coalesced)
    if requires_grad:
        out.requires_grad_()
    return out


def _make(indices: Tensor, values: Tensor, shape: tuple[int, ...], coalesced: bool) -> SparseCOOTensor:
    s = object.__new__(SparseCOOTensor)
    s._data = _SparseData(tuple(shape))
    s.dtype = values.dtype
    s._device = values._device
    s._indices_t = indices
    s._values_t = values
    s._is_coalesced = coalesced
    s._rg = values._rg
    s.grad_fn = values.grad_fn
    return s


def _linear(indices: Tensor, sshape: tuple[int, ...]) -> Tensor:
    """Row-major linear position of each entry over the sparse dims."""
    lin = indices[0]
    for d in range(1, len(sshape)):
        lin = lin * sshape[d] + indices[d]
    return lin


def _unravel(lin: Tensor, sshape: tuple[int, ...]) -> Tensor:
    from ..ops.arrange import stack

    rows = []
    for n in reversed(sshape):
        rows.append(lin % n)
        lin = lin.div(n, rounding_mode="floor")
    return stack(rows[::-1])


def sparse_coo_tensor(indices: Any, values: Any, size: Any = None, *, dtype: Any = None, device: Any = None,
                      pin_memory: bool = False, requires_grad: bool = False, check_invariants: bool | None = None,
                      is_coalesced: bool | None = None) -> SparseCOOTensor:
    """A sparse COO tensor with ``values`` at ``indices`` (``sparse_dim x nnz``)."""
    from ..ops.creation import as_tensor

    dev = canon_device(device) if device is not None else None
    v = values if isinstance(values, Tensor) else as_tensor(values, dtype=dtype, device=dev)
    if dtype is not None and v.dtype is not dtype:
        v = v.to(dtype)
    if dev is not None and v.device != dev:
        v = v.to(dev)
    idx = indices if isinstance(indices, Tensor) else as_tensor(indices, dtype=_dt.int64, device=v.device)
    if idx.dtype is not _dt.int64:
        if idx.dtype.is_floating_point or idx.dtype is _dt.bool:
            raise RuntimeError("indices must be an int64 tensor")
        idx = idx.to(_dt.int64)
    if idx.device != v.device:
        idx = idx.to(v.device)
    if idx._data.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx._data.shape)}")
    sd, nnz = idx._data.shape
    if v._data.ndim == 0 or v._data.shape[0] != nnz:
        got = v._data.shape[0] if v._data.ndim else 0
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz from values: "
                           f"{got}")
    mins = idx.amin(1).tolist() if nnz else [0] * sd
    maxs = idx.amax(1).tolist() if nnz else [-1] * sd
    for d, m in enumerate(mins):
        if m < 0:
            raise RuntimeError(f"found negative index {m} for dim {d}")
    dense_shape = tuple(v._data.shape[1:])
    if size is None:
        shape = tuple(int(m) + 1 for m in maxs) + dense_shape
    else:
        shape = tuple(int(s) for s in (size if isinstance(size, (tuple, list)) else tuple(size)))
        if len(shape) != sd + len(dense_shape):
            raise RuntimeError(f"number of dimensions must be sparse_dim ({sd}) + dense_dim ({len(dense_shape)}), but "
                               f"got {len(shape)}")
        for d, m in enumerate(maxs):
            if m >= shape[d]:
                raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {shape[d]} but found "
                                   f"index {m}")
        if shape[sd:] != dense_shape:
            raise RuntimeError(f"values has incorrect size, expected {list((nnz, *shape[sd:]))}, got "
                               f"{list(v._data.shape)}")
    if requires_grad:
        if not v.dtype.is_floating_point:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        v = v.detach().requires_grad_()
    return _make(idx, v, shape, bool(is_coalesced) or nnz <= 1)


def to_sparse(self: Tensor, sparse_dim: int | None = None, *, layout: Any = None, blocksize: Any = None,
              dense_dim: int | None = None) -> SparseCOOTensor:
    """This dense tensor in the sparse COO layout (its first ``sparse_dim`` dims sparse; all by default)."""
    if layout is not None and layout is not sparse_coo:
        raise RuntimeError(f"to_sparse: layout {layout!r} is not supported by ember (only ember.sparse_coo)")
    nd = self._data.ndim
    sd = nd if sparse_dim is None else sparse_dim
    if not 0 < sd <= nd:
        raise RuntimeError(f"sparse_dim must be in [1, {nd}] for a {nd}-d tensor, but got {sd}")
    # an entry is stored when any element of its dense slice is non-zero
    mask = self.detach() != 0
    if sd < nd:
        mask = mask.any(tuple(range(sd, nd)))  # type: ignore[call-arg]
    idx = mask.nonzero().t()
    vals = self[tuple(idx.unbind(0))] if idx._data.shape[1] else self.reshape(-1, *self._data.shape[sd:])[:0]
    return _make(idx.contiguous(), vals, self._data.shape, True)


def to_dense(self: Tensor, dtype: Any = None, *, masked_grad: bool | None = None) -> Tensor:
    """A dense tensor is its own dense form."""
    return self if dtype is None else self.to(dtype)


def is_sparse(t: Any) -> bool:
    """Whether ``t`` is a sparse COO tensor."""
    return isinstance(t, SparseCOOTensor)


def sparse_mm(sparse: Any, dense: Any) -> Tensor:
    """``sparse @ dense`` for a 2-d sparse and a 2-d dense matrix (either order), as a dense tensor."""
    if isinstance(dense, SparseCOOTensor) and not isinstance(sparse, SparseCOOTensor):
        return sparse_mm(dense.t(), sparse.t()).t()
    if isinstance(dense, SparseCOOTensor):
        dense = dense.to_dense()
    S = sparse
    if S._data.ndim != 2 or dense._data.ndim != 2:
        raise RuntimeError(f"sparse.mm: expected 2-d tensors, but got {S._data.ndim}-d sparse and "
                           f"{dense._data.ndim}-d dense")
    if S.sparse_dim() != 2:
        raise RuntimeError("sparse.mm: the sparse matrix must have 2 sparse dims and no dense dims")
    n, k = S._data.shape
    if dense._data.shape[0] != k:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {dense._data.shape[0]}x"
                           f"{dense._data.shape[1]})")
    if S.dtype is not dense.dtype:
        raise RuntimeError(f"expected mat1 and mat2 to have the same dtype, but got: {_tn(S.dtype)} != "
                           f"{_tn(dense.dtype)}")
    from ..ops.creation import zeros

    out = zeros((n, dense._data.shape[1]), dtype=dense.dtype, device=dense.device)
    if not S._nnz():
        return out + 0 * dense.sum()
    rows, cols = S._indices_t.unbind(0)
    contrib = S._values_t.unsqueeze(1) * dense.index_select(0, cols)
    return out.index_add(0, rows, contrib)


def _tn(d: _dt.dtype) -> str:
    from ..ops._dispatch import type_name

    return type_name(d)


def sparse_sum(input: SparseCOOTensor, dim: Any = None, dtype: Any = None) -> Tensor:
    """Sum over ``dim`` (all dims when None: a dense 0-d tensor); sparse while sparse dims remain."""
    v = input._values_t if dtype is None else input._values_t.to(dtype)
    if dim is None:
        return v.sum()
    nd = input._data.ndim
    dims = sorted({d % nd for d in (dim if isinstance(dim, (tuple, list)) else (dim,))})
    sd = input.sparse_dim()
    sdims = [d for d in dims if d < sd]
    ddims = [d - sd + 1 for d in dims if d >= sd]
    if ddims:
        v = v.sum(tuple(ddims))
    keep = [d for d in range(sd) if d not in sdims]
    shape = input._data.shape
    new_shape = tuple(s for i, s in enumerate(shape) if i not in dims)
    if not keep:
        return v.sum(0)
    idx = input._indices_t[keep]
    return _make(idx, v, new_shape, False).coalesce()


def sparse_softmax(input: SparseCOOTensor, dim: int, *, dtype: Any = None, log: bool = False) -> SparseCOOTensor:
    """Softmax over ``dim`` of the stored entries (absent entries count as -inf, so they stay absent)."""
    S = input.coalesce()
    if S.dense_dim():
        raise RuntimeError("sparse.softmax: ember supports sparse tensors without dense dims here")
    v = S._values_t if dtype is None else S._values_t.to(dtype)
    sd = S.sparse_dim()
    d = dim % sd
    others = [i for i in range(sd) if i != d]
    from ..ops.creation import zeros

    if not S._nnz():
        return S
    if others:
        group = _linear(S._indices_t[others], tuple(S._data.shape[i] for i in others))
    else:
        group = zeros(S._nnz(), dtype=_dt.int64, device=v.device)
    ngroups = math.prod(S._data.shape[i] for i in others) if others else 1
    # NOTE: one shift for all groups (the detached global max) keeps exp() from overflowing; groups whose
    # values lie far below it could underflow, which per-group maxima would avoid at a scatter-max's cost
    e = (v - v.detach().amax()).exp()
    tot = zeros(ngroups, dtype=v.dtype, device=v.device).index_add(0, group, e).index_select(0, group)
    out = (v - v.detach().amax() - tot.log()) if log else e / tot
    return _make(S._indices_t, out, S._data.shape, True)


def sparse_repr(t: SparseCOOTensor) -> str:
    """PyTorch's repr: ``tensor(indices=..., values=..., size=(..), nnz=N, layout=ember.sparse_coo)``."""
    from .._tensor_str import _add_suffixes, _host_values, _tensor_str

    def block(prefix: str, inner: Tensor) -> str:
        # NOTE: PyTorch prints the parts' bodies only: dtype, device and grad belong to the outer suffixes
        if inner.numel() == 0:
            return prefix + "tensor([], size=" + str(tuple(inner._data.shape)) + ")"
        lines = "tensor(" + _tensor_str(_host_values(inner), len(prefix) + 7, inner.dtype.is_floating_point) + ")"
        return prefix + lines

    body = block("tensor(indices=", t._indices_t) + ",\n" + block("       values=", t._values_t)
    suffixes = [f"size={tuple(t._data.shape)}", f"nnz={t._nnz()}"]
    if t._device.type != "cpu":
        suffixes.insert(0, f"device='{t._device}'")
    from ..dtypes import get_default_dtype

    if t.dtype is not get_default_dtype() and t.dtype not in (_dt.int64, _dt.bool):
        suffixes.append(f"dtype={t.dtype!r}")
    suffixes.append("layout=ember.sparse_coo")
    if t._values_t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._values_t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    indent = len("tensor(")
    first, rest = suffixes[0], suffixes[1:]
    out = _add_suffixes(body + ",\n" + " " * indent + first, rest, indent)
    return out
