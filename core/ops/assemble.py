"""Building tensors from pieces and taking them apart: ``atleast_*d``, ``block_diag``, ``cartesian_prod``,
``combinations``, ``meshgrid``, ``tril_indices``/``triu_indices``, ``vander``, ``column_stack``/``dstack``,
``hsplit``/``vsplit``/``dsplit``, ``rot90``, ``diagflat``, ``ravel``, ``unravel_index``, window functions.

Everything is composed from existing Tensor ops (cat, stack, reshape, flip, indexing), so it runs and
differentiates on every backend with no new kernel.
"""

from __future__ import annotations

import builtins
import itertools
import math
from collections.abc import Sequence
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor, _wrap_dim
from . import arrange as A
from . import shape as S
from .creation import arange, tensor, zeros


def _seq(tensors: Any) -> list[Tensor]:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return list(tensors[0])
    return list(tensors)


def _atleast(n: int, tensors: Any) -> Any:
    ts = _seq(tensors)
    out = []
    for t in ts:
        if t.ndim >= n:
            out.append(t)
        elif n == 1 or t.ndim == 0:
            out.append(t.reshape((1,) * n))
        elif n == 2:
            out.append(t.unsqueeze(0))
        else:  # 3-d: (n,) -> (1, n, 1), (a, b) -> (a, b, 1)
            out.append(t.reshape(1, -1, 1) if t.ndim == 1 else t.unsqueeze(-1))
    return out[0] if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)) else tuple(out)


def atleast_1d(*tensors: Any) -> Any:
    """Each input viewed with at least one dimension."""
    return _atleast(1, tensors)


def atleast_2d(*tensors: Any) -> Any:
    """Each input viewed with at least two dimensions."""
    return _atleast(2, tensors)


def atleast_3d(*tensors: Any) -> Any:
    """Each input viewed with at least three dimensions."""
    return _atleast(3, tensors)


def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix of the inputs (0-d and 1-d inputs count as 1-row matrices)."""
    mats = [t.reshape(1, -1) if t.ndim < 2 else t for t in tensors]
    if any(m.ndim != 2 for m in mats):
        bad = next(i for i, m in enumerate(mats) if m.ndim != 2)
        raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {bad} has "
                           f"{tensors[bad].ndim} dimensions")
    if not mats:
        return zeros(1, 0)
    dt = _dt.result_type(*mats)
    cols = builtins.sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        r = m.to(dt)
        pad_l, pad_r = left, cols - left - m.shape[1]
        parts = ([zeros(m.shape[0], pad_l, dtype=dt, device=m.device)] if pad_l else []) + [r] + \
                ([zeros(m.shape[0], pad_r, dtype=dt, device=m.device)] if pad_r else [])
        rows.append(A.cat(parts, 1) if len(parts) > 1 else r)
        left += m.shape[1]
    return A.cat(rows, 0)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d tensors; ``indexing="ij"`` (PyTorch's default) or ``"xy"``."""
    ts = _seq(tensors)
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if any(t.ndim > 1 for t in ts):
        raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list")
    if any(t.dtype is not ts[0].dtype for t in ts):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    if any(t.device != ts[0].device for t in ts):
        raise RuntimeError("meshgrid expects all tensors to have the same device")
    ts = [t.reshape(-1) for t in ts]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = [t.shape[0] for t in ts]
    out = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = -1
        out.append(t.reshape(view).expand(*shape))
    if swap:  # "xy": the grid of (y, x, ...) in "ij" order, with the first two outputs swapped back
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """The Cartesian product of 1-d tensors as rows (a 1-d input is returned as it is)."""
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return A.stack([g.reshape(-1) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """Rows of the length-``r`` combinations of a 1-d tensor's elements (as ``itertools.combinations``)."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    n = input.shape[0]
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = list(gen(range(n), r))
    if r == 0:
        return input[:0]  # type: ignore[no-any-return]
    # an index of shape (rows, r) even with no rows, so an empty result still carries the gradient
    index = tensor(idx, dtype=_dt.int64, device=input.device) if idx else zeros(0, r, dtype=_dt.int64,
                                                                                  device=input.device)
    return input[index]  # type: ignore[no-any-return]


def _tri_indices(row: int, col: int, offset: int, lower: bool, dtype: Any, device: Any) -> Tensor:
    pairs = [(i, j) for i in range(row) for j in range(col) if (j - i <= offset if lower else j - i >= offset)]
    if not pairs:
        return zeros(2, 0, dtype=dtype or _dt.int64, device=device)
    return tensor(pairs, dtype=dtype or _dt.int64, device=device).t().contiguous()


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The ``(2, N)`` coordinates of the lower triangle of a ``row x col`` matrix (row-major order)."""
    return _tri_indices(row, col, offset, True, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The ``(2, N)`` coordinates of the upper triangle of a ``row x col`` matrix (row-major order)."""
    return _tri_indices(row, col, offset, False, dtype, device)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-d tensor: columns ``x**(N-1) ... x**0`` (reversed if ``increasing``)."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    dt = x.dtype if x.dtype.is_floating_point or x.dtype.is_complex else _dt.int64
    x = x.to(dt)
    if n == 0:
        return x.new_empty(x.shape[0], 0)
    cols = [x.new_ones(x.shape[0])]
    for _ in range(1, n):
        cols.append(cols[-1] * x)
    out = A.stack(cols, 1)
    return out if increasing else out.flip(1)


def column_stack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Stack tensors as columns: 0-d and 1-d inputs become ``(n, 1)`` columns, then ``hstack``."""
    ts = A._stack_list("column_stack", tensors)
    return A.hstack([t.reshape(-1, 1) if t.ndim <= 1 else t for t in ts], out=out)


def row_stack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Alias of ``vstack``."""
    return A.vstack(tensors, out=out)


def dstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Stack along the third dimension after ``atleast_3d``."""
    ts = A._stack_list("dstack", tensors)
    return A.cat(list(atleast_3d(ts)), 2, out=out)


def _dir_split(input: Tensor, sections: Any, dim: int, name: str, need: int) -> tuple[Tensor, ...]:
    if input.ndim < need:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {need} dimension, but got a tensor with "
                           f"{input.ndim} dimensions!")
    if isinstance(sections, int) and input.shape[dim] % sections:
        raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{input.shape[dim]} is not divisible by the split_size {sections}!")
    return S.tensor_split(input, sections, dim)


def hsplit(input: Tensor, sections: Any) -> tuple[Tensor, ...]:
    """Split horizontally (dim 1, or dim 0 of a 1-d tensor)."""
    return _dir_split(input, sections, 1 if input.ndim > 1 else 0, "hsplit", 1)


def vsplit(input: Tensor, sections: Any) -> tuple[Tensor, ...]:
    """Split vertically (dim 0) a tensor of at least 2 dims."""
    return _dir_split(input, sections, 0, "vsplit", 2)


def dsplit(input: Tensor, sections: Any) -> tuple[Tensor, ...]:
    """Split depth-wise (dim 2) a tensor of at least 3 dims."""
    return _dir_split(input, sections, 2, "dsplit", 3)


split_with_sizes = S.split_with_sizes


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from the first towards the second)."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = _wrap_dim(dims[0], input.ndim), _wrap_dim(dims[1], input.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    k %= 4
    if k == 1:
        return input.flip(d1).transpose(d0, d1)
    if k == 2:
        return input.flip(d0, d1)
    if k == 3:
        return input.flip(d0).transpose(d0, d1)
    return input.clone()


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A 2-d matrix with the flattened input on diagonal ``offset``."""
    return A.diag(input.reshape(-1), offset)


def ravel(input: Tensor) -> Tensor:
    """The flattened tensor (a view when possible)."""
    return input.reshape(-1)


def unravel_index(indices: Any, shape: Any) -> tuple[Tensor, ...]:
    """Coordinate tensors of flat ``indices`` into an array of ``shape``."""
    if not isinstance(indices, Tensor):
        indices = tensor(indices)
    if indices.dtype.is_floating_point or indices.dtype.is_complex or indices.dtype is _dt.bool:
        raise TypeError("expected 'indices' to be integer dtype, but got " + indices.dtype.name)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(shape))
    # PyTorch's formula: (indices // coef) % size per dim, so indices outside the shape wrap around
    idx = indices.to(_dt.int64)
    coefs = [math.prod(shape[k + 1:]) for k in range(len(shape))]
    return tuple(idx.div(c, rounding_mode="floor") % size for c, size in zip(coefs, shape))


# -- window functions ---------------------------------------------------------------------------------------
def _window(n: int, periodic: bool, dtype: Any, device: Any, name: str) -> tuple[Tensor | None, int]:
    if n < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={n}")
    dt = dtype or _dt.get_default_dtype()
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt.name}")
    if n <= 1:
        return (zeros(n, dtype=dt, device=device) + 1), n
    if dt.is_complex:  # PyTorch builds longer windows with arange, which has no complex kernel
        kind = "ComplexFloat" if dt is _dt.complex64 else "ComplexDouble"
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{kind}'")
    return None, n + 1 if periodic else n


def _cosine_sum(n: int, periodic: bool, coeffs: Sequence[float], dtype: Any, device: Any, name: str,
                requires_grad: bool) -> Tensor:
    trivial, m = _window(n, periodic, dtype, device, name)
    if trivial is not None:
        return trivial.requires_grad_(requires_grad)
    dt = dtype or _dt.get_default_dtype()
    k = arange(n, dtype=_dt.float64, device=device) * (2 * math.pi / (m - 1))
    w = coeffs[0] + builtins.sum((-1) ** i * c * (k * i).cos() for i, c in enumerate(coeffs) if i)
    return w.to(dt).requires_grad_(requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype: Any = None, layout: Any = None,
                device: Any = None, requires_grad: bool = False) -> Tensor:
    """The Hann window ``0.5 - 0.5 cos(2 pi n / (N - 1))``."""
    return _cosine_sum(window_length, periodic, (0.5, 0.5), dtype, device, "hann_window", requires_grad)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The Hamming window ``alpha - beta cos(2 pi n / (N - 1))``."""
    return _cosine_sum(window_length, periodic, (alpha, beta), dtype, device, "hamming_window", requires_grad)


def blackman_window(window_length: int, periodic: bool = True, *, dtype: Any = None, layout: Any = None,
                    device: Any = None, requires_grad: bool = False) -> Tensor:
    """The Blackman window ``0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``."""
    return _cosine_sum(window_length, periodic, (0.42, 0.5, 0.08), dtype, device, "blackman_window", requires_grad)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Any = None, layout: Any = None,
                    device: Any = None, requires_grad: bool = False) -> Tensor:
    """The triangular Bartlett window ``1 - |2n / (N - 1) - 1|``."""
    trivial, m = _window(window_length, periodic, dtype, device, "bartlett_window")
    if trivial is not None:
        return trivial.requires_grad_(requires_grad)
    dt = dtype or _dt.get_default_dtype()
    k = arange(window_length, dtype=_dt.float64, device=device) * (2.0 / (m - 1))
    return (1 - (k - 1).abs()).to(dt).requires_grad_(requires_grad)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype: Any = None,
                  layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The Kaiser window ``I0(beta sqrt(1 - (2n / (N - 1) - 1)**2)) / I0(beta)``."""
    trivial, m = _window(window_length, periodic, dtype, device, "kaiser_window")
    if trivial is not None:
        return trivial.requires_grad_(requires_grad)
    dt = dtype or _dt.get_default_dtype()
    k = arange(window_length, dtype=_dt.float64, device=device) * (2.0 / (m - 1)) - 1
    arg = (1 - k * k).clamp(min=0).sqrt() * beta
    return (_i0(arg) / _i0(tensor(beta, dtype=_dt.float64, device=device))).to(dt).requires_grad_(requires_grad)


def _i0(x: Tensor) -> Tensor:
    """Modified Bessel function I0 by its power series (converges for every real x; 60 terms reach float64)."""
    term = x.new_ones(x.shape)
    total = term
    q = (x * x) / 4
    for j in range(1, 60):
        term = term * q / (j * j)
        total = total + term
    return total
