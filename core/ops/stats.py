"""Order statistics and moments: quantile/nanquantile, nanmedian, mode, unique_consecutive, cov/corrcoef, dist,
renorm.

Composites of existing Tensor ops (sort, gather, where, matmul): they run on every backend and differentiate
where PyTorch does.
"""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from . import arrange as A
from . import elementwise as E
from . import indexing as I
from . import reduction as Rd
from . import sorting as So
from . import unary as U
from ._dispatch import handle_out, type_name
from .creation import arange, full, ones_like, tensor, zeros
from .reduction import _ret, _ValuesIndices
from .scan import _check_tensor, _dim, _out2, cummax

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
        qg = q.to(input.device)  # type: ignore[attr-defined]
        qs = qg.detach()  # type: ignore[attr-defined]
        if q.numel() and not builtins.bool(E.logical_and(qs >= 0, qs <= 1).all()):  # type: ignore[attr-defined]
            raise RuntimeError(f"{fn} q values must be in the range [0, 1]")
        scalar_q = q.ndim == 0
    else:
        if not 0 <= q <= 1:
            raise RuntimeError(f"{fn} q must be in the range [0, 1] but got {q}")
        qs = qg = tensor(float(q), dtype=input.dtype, device=input.device)
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
        floor = rank.floor()
    # the weight of linear interpolation depends on q: PyTorch differentiates the quantiles with respect to q too
    w = (qg.reshape(-1) * last - floor) if interpolation == "linear" else rank - floor  # type: ignore[attr-defined]
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
             interpolation: str = "linear", out: Tensor | None = None, axis: int | None = None) -> Tensor:
    """The ``q``-th quantiles of ``input`` (over ``dim`` or all); NaN where a NaN is present."""
    return handle_out(_quantile(input, q, dim if axis is None else axis, keepdim, interpolation, False), out)


def nanquantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear", out: Tensor | None = None, axis: int | None = None) -> Tensor:
    """``quantile`` ignoring NaN (NaN only where a slice is all NaN)."""
    return handle_out(_quantile(input, q, dim if axis is None else axis, keepdim, interpolation, True), out)


return_nanmedian = _ret("nanmedian", _ValuesIndices)
return_mode = _ret("mode", _ValuesIndices)


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False, *, out: Any = None,
              axis: int | None = None) -> Any:
    """Lower median ignoring NaN; with ``dim``, ``(values, indices)``."""
    _check_tensor(input, "nanmedian")
    if axis is not None:
        dim = axis
    if dim is None:
        flat = input.reshape(-1)  # type: ignore[attr-defined]
        if flat.shape[0] == 0:
            return handle_out(So._empty_median(input), out)
        v, _ = _nanmedian_last(flat)
        return handle_out(v, out)
    d = _dim(dim, input.ndim)
    if input.ndim and input.shape[d] == 0:  # PyTorch's words name median here too
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
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


def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, out: Any = None, axis: int | None = None) -> Any:
    """Most frequent value along ``dim`` (smallest on ties) and its last index: ``(values, indices)``."""
    _check_tensor(input, "mode")
    if axis is not None:
        dim = axis
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
    # NOTE: half precision takes the norms and factors in float32 and rounds the factors once, as PyTorch's kernel
    low = input.dtype in (_dt.float16, _dt.bfloat16)
    nrm = Rd.norm(input.to(_dt.float32) if low else input, p, dim=others, keepdim=True)  # type: ignore[attr-defined]
    factor = E.where(nrm > maxnorm, maxnorm / (nrm + 1e-7), ones_like(nrm))
    return handle_out(input * (factor.to(input.dtype) if low else factor), out)  # type: ignore[attr-defined]


METHODS: dict[str, Callable[..., Any]] = {
    "quantile": quantile, "nanquantile": nanquantile, "nanmedian": nanmedian, "mode": mode,
    "unique_consecutive": unique_consecutive, "cov": cov, "corrcoef": corrcoef, "dist": dist, "renorm": renorm,
}
