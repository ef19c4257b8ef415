"""Scans and differences: cummax/cummin, logcumsumexp, diff, trapezoid/trapz/cumulative_trapezoid, gradient.

All are composites of existing Tensor ops (gather, cat, cumsum, where): they run on every backend and
differentiate where PyTorch does. Scans use log2(n) doubling steps (Hillis-Steele) instead of a Python loop
over the scanned dimension. Searching and histograms live in search.py, order statistics and cov/corrcoef in
stats.py.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from . import arrange as A
from . import elementwise as E
from . import indexing as I
from . import reduction as Rd
from . import unary as U
from ._dispatch import handle_out, type_name
from ._formula import _attach
from .creation import arange, zeros
from .reduction import _ret, _ValuesIndices


def _dim(d: int, nd: int, fn: str = "") -> int:
    n = builtins.max(nd, 1)
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    return d % n


def _check_tensor(x: Any, fn: str, arg: str = "input") -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position 1) must be Tensor, not {type(x).__name__}")


def _scan(xs: tuple[Tensor, ...], dim: int, combine: Callable[..., tuple[Tensor, ...]]) -> tuple[Tensor, ...]:
    """Inclusive scan of the tuples ``xs`` along ``dim`` with the associative ``combine(left, right)``."""
    n = xs[0].shape[dim]
    k = 1
    while k < n:
        left = tuple(x.narrow(dim, 0, n - k) for x in xs)  # type: ignore[attr-defined]
        right = tuple(x.narrow(dim, k, n - k) for x in xs)  # type: ignore[attr-defined]
        tail = combine(left, right)
        xs = tuple(A.cat([x.narrow(dim, 0, k), t], dim) for x, t in zip(xs, tail))  # type: ignore[attr-defined]
        k *= 2
    return xs


# ---------------------------------------------------------------------------------------------
# cumulative max/min, logcumsumexp


return_cummax = _ret("cummax", _ValuesIndices)
return_cummin = _ret("cummin", _ValuesIndices)


def _cumext(input: Tensor, dim: int, is_max: bool) -> Any:
    name = "cummax" if is_max else "cummin"
    _check_tensor(input, name)
    if input.dtype.is_complex:
        raise RuntimeError(f"{name}() is not implemented for complex tensors")
    if input.ndim == 0:
        _dim(dim, 0)
        return (return_cummax if is_max else return_cummin)(input.clone(), zeros((), dtype=_dt.int64,  # type: ignore[attr-defined]
                                                                                 device=input.device))
    d = _dim(dim, input.ndim)
    if input.shape[d] == 0:
        return (return_cummax if is_max else return_cummin)(input.clone(), zeros(input.shape, dtype=_dt.int64,  # type: ignore[attr-defined]
                                                                                  device=input.device))
    shape = [1] * input.ndim
    shape[d] = input.shape[d]
    idx = arange(input.shape[d], device=input.device).reshape(shape).expand(input.shape)  # type: ignore[attr-defined]
    fl = input.dtype.is_floating_point

    def combine(left: tuple[Tensor, ...], right: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        (a, ia), (b, ib) = left, right
        # the later segment wins on ties (PyTorch returns the last index) and on NaN (NaN propagates)
        take_b = (b >= a) if is_max else (b <= a)
        if fl:
            take_b = E.logical_or(b.isnan(), E.logical_and(take_b, U.logical_not(a.isnan())))
        return E.where(take_b, b, a), E.where(take_b, ib, ia)

    # bools compare as 0/1 (some array libraries order no bools)
    keys = input.detach().to(_dt.uint8) if input.dtype is _dt.bool else input.detach()  # type: ignore[attr-defined]
    with E._no_grad():
        _, ind = _scan((keys, idx), d, combine)
    with E._no_grad():
        values = I.gather(input, d, ind)
    # PyTorch's formula: the gradient scatters back to the positions each running extremum was taken from
    values = _attach(values, "CummaxBackward0" if is_max else "CumminBackward0", (input,),
                     lambda g: (I.scatter_add(zeros(input.shape, dtype=g.dtype, device=g.device), d, ind, g),))
    return (return_cummax if is_max else return_cummin)(values, ind)


def cummax(input: Tensor, dim: Any = None, *, out: Any = None, axis: Any = None) -> Any:
    """Running maximum along ``dim`` and the index where it was taken: ``(values, indices)``."""
    return _out2(_cumext(input, _dim_arg(dim, axis, "cummax"), True), out)


def cummin(input: Tensor, dim: Any = None, *, out: Any = None, axis: Any = None) -> Any:
    """Running minimum along ``dim`` and the index where it was taken: ``(values, indices)``."""
    return _out2(_cumext(input, _dim_arg(dim, axis, "cummin"), False), out)


def _dim_arg(dim: Any, axis: Any, fn: str) -> Any:
    """``dim``, or NumPy's name for it ``axis`` (PyTorch's argument parser takes both); one is required."""
    if axis is not None:
        return axis
    if dim is None:
        raise TypeError(f"{fn}() missing 1 required positional arguments: \"dim\"")
    return dim


def _out2(r: Any, out: Any) -> Any:
    if out is None:
        return r
    handle_out(r[0], out[0])
    handle_out(r[1], out[1])
    return type(r)(out[0], out[1])


def logcumsumexp(input: Tensor, dim: Any = None, *, out: Tensor | None = None, axis: Any = None) -> Tensor:
    """``log(cumsum(exp(input), dim))`` computed stably (pairwise log-add-exp scan)."""
    from .pointwise_extra import logaddexp

    _check_tensor(input, "logcumsumexp")
    dim = _dim_arg(dim, axis, "logcumsumexp")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{type_name(input.dtype)}'")
    if input.dtype.is_complex:
        raise NotImplementedError("logcumsumexp of complex tensors is not supported by ember")
    if input.ndim == 0:
        _dim(dim, 0)
        return handle_out(input.clone(), out)  # type: ignore[attr-defined]
    d = _dim(dim, input.ndim)
    if input.shape[d] == 0:
        return handle_out(input.clone(), out)  # type: ignore[attr-defined]
    with E._no_grad():
        (r,) = _scan((input,), d, lambda left, right: (logaddexp(left[0], right[0]),))

    def formula(g: Tensor) -> tuple[Any, ...]:
        # PyTorch's formula: reverse log-cumsum-exps of log|g| (split by sign) shifted by the result, so no
        # exp overflows
        from .._runtime import finfo
        from .arrange import flip

        def rev(x: Tensor) -> Tensor:
            return flip(logcumsumexp(flip(x, [d]), d), [d])

        lowest = float(finfo(g.dtype).min)
        log_abs = g.abs().log()  # type: ignore[attr-defined]
        pos = E.where(g > 0, log_abs, lowest)
        neg = E.where(g < 0, log_abs, lowest)
        return ((rev(pos - r) + input).exp() - (rev(neg - r) + input).exp(),)  # type: ignore[attr-defined]

    r = _attach(r, "LogcumsumexpBackward0", (input,), formula)
    return handle_out(r, out)


# ---------------------------------------------------------------------------------------------
# differences and integration


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None, *, out: Tensor | None = None, axis: int | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``prepend``/``append`` joined first); bool gives xor."""
    if axis is not None:
        dim = axis
    if out is not None:
        if isinstance(input, Tensor) and input.ndim and n > 0 and input.shape[_dim(dim, input.ndim)] == 0:
            # PyTorch's out= kernel narrows the empty dim from 1 (its function form returns the empty result)
            raise IndexError("start out of range (expected to be in range of [0, 0], but got 1)")
        return handle_out(diff(input, n, dim, prepend, append), out)
    _check_tensor(input, "diff")
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _dim(dim, input.ndim)
    for extra in (prepend, append):
        if extra is not None and extra.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    parts = [p for p in (prepend, input, append) if p is not None]
    x = A.cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        m = x.shape[d]
        if m == 0:
            break
        a, b = x.narrow(d, 1, m - 1), x.narrow(d, 0, m - 1)  # type: ignore[attr-defined]
        x = E.logical_xor(a, b) if x.dtype is _dt.bool else a - b
    return x


def _trapz_args(y: Any, x: Any, dx: Any, dim: int, fn: str) -> tuple[Tensor | None, float, int]:
    """``(x, dx, dim)`` checked as PyTorch's overloads take them: ``(y, x: Tensor, *, dim)`` or ``(y, *, dx, dim)``."""
    _check_tensor(y, fn, "y")
    if x is not None and not isinstance(x, Tensor):
        raise TypeError(f"{fn}() received an invalid combination of arguments - got (Tensor, {type(x).__name__}), but "
                        "expected one of:\n * (Tensor y, Tensor x, *, int dim = -1)\n * (Tensor y, *, Number dx = 1, "
                        "int dim = -1)")
    if x is not None and dx is not None:
        raise RuntimeError(f"{fn}: received both x and dx, only one may be given")
    if y.dtype is _dt.bool or (x is not None and x.dtype is _dt.bool):
        raise RuntimeError(f"{fn}: received a bool input for `{'y' if y.dtype is _dt.bool else 'x'}`, but bool is "
                           "not supported")
    return x, 1.0 if dx is None else float(dx), _dim(dim, y.ndim)


def _spacings(y: Tensor, x: Tensor, d: int, fn: str) -> Tensor:
    """The differences of the sample points ``x``, shaped to broadcast against ``y``'s differences along ``d``."""
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise RuntimeError(f"{fn}: There must be one `x` value for each sample point")
        shape = [1] * y.ndim
        shape[d] = x.shape[0]
        x = x.reshape(shape)  # type: ignore[attr-defined]
    elif x.ndim < y.ndim:
        x = x.reshape((1,) * (y.ndim - x.ndim) + tuple(x.shape))  # type: ignore[attr-defined]
    n = x.shape[d]
    return x.narrow(d, 1, n - 1) - x.narrow(d, 0, n - 1)  # type: ignore[attr-defined, no-any-return]


def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """Trapezoidal rule along ``dim`` with sample points ``x`` (a tensor) or spacing ``dx`` (PyTorch's formulas, so
    integer and half-precision inputs round as PyTorch's do)."""
    x, h, d = _trapz_args(y, x, dx, dim, "trapezoid")
    n = y.shape[d]
    if n == 0:  # integrating no samples gives 0 (NumPy's answer), in y's dtype
        return zeros(tuple(s for i, s in enumerate(y.shape) if i != d), dtype=y.dtype, device=y.device)
    if x is None:
        # the constant-spacing rule simplified: h * (sum(y) - (y_first + y_last) / 2)
        return (Rd.sum(y, d) - (y.select(d, 0) + y.select(d, n - 1)) * 0.5) * h  # type: ignore[attr-defined]
    left, right = y.narrow(d, 0, n - 1), y.narrow(d, 1, n - 1)  # type: ignore[attr-defined]
    return Rd.sum(_spacings(y, x, d, "trapezoid") * (left + right), d) / 2.0


def trapz(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """Alias of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """Running trapezoidal integral along ``dim`` (one element shorter than ``y`` there)."""
    x, h, d = _trapz_args(y, x, dx, dim, "cumulative_trapezoid")
    n = y.shape[d]
    left = y.narrow(d, 0, builtins.max(n - 1, 0))  # type: ignore[attr-defined]
    right = y.narrow(d, builtins.min(n, 1), builtins.max(n - 1, 0))  # type: ignore[attr-defined]
    if x is None:
        return Rd.cumsum(h / 2.0 * (left + right), d)
    return Rd.cumsum(_spacings(y, x, d, "cumulative_trapezoid") * (left + right) / 2.0, d)


def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None, edge_order: int = 1) -> tuple[Tensor, ...]:
    """Central-difference estimate of the gradient along each of ``dim`` (one-sided of ``edge_order`` at edges)."""
    _check_tensor(input, "gradient")
    if edge_order not in (1, 2):
        raise RuntimeError(f"torch.gradient only supports edge_order=1 and edge_order=2, but got {edge_order}.")
    dims = list(range(input.ndim)) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    dims = [_dim(d, input.ndim) for d in dims]
    if isinstance(spacing, (int, float, Tensor)) and not (isinstance(spacing, Tensor) and spacing.ndim > 0):
        sp: list[Any] = [spacing.item() if isinstance(spacing, Tensor) else spacing] * len(dims)
    else:
        sp = list(spacing)
        if len(sp) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                               f"arguments to have the same length, but got a spacing argument of length {len(sp)} "
                               f"and a dim argument of length {len(dims)}.")
    x = input if input.dtype.is_floating_point or input.dtype.is_complex else input.to(_dt.get_default_dtype())
    outs = []
    for d, s in zip(dims, sp):
        n = x.shape[d]
        if n < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
        outs.append(_grad1(x, d, s, edge_order))
    return tuple(outs)


def _grad1(x: Tensor, d: int, s: Any, edge_order: int) -> Tensor:
    n = x.shape[d]

    def sl(a: int, b: int) -> Tensor:
        return x.narrow(d, a, b - a)  # type: ignore[attr-defined, no-any-return]

    def bshape(t: Tensor) -> Tensor:
        shape = [1] * x.ndim
        shape[d] = t.shape[0]
        return t.reshape(shape)  # type: ignore[attr-defined, no-any-return]

    if isinstance(s, Tensor) and s.ndim == 1:
        c = s.to(x.dtype) if s.dtype is not x.dtype and x.dtype.is_floating_point else s
        h = c[1:] - c[:-1]  # type: ignore[index]
        h0, h1 = bshape(h[:-1]), bshape(h[1:])  # type: ignore[index]
        interior = (-(h1 / (h0 * (h0 + h1))) * sl(0, n - 2) + ((h1 - h0) / (h0 * h1)) * sl(1, n - 1)
                    + (h0 / (h1 * (h0 + h1))) * sl(2, n))
        if edge_order == 1:
            first = (sl(1, 2) - sl(0, 1)) / bshape(h[0:1])  # type: ignore[index]
            last = (sl(n - 1, n) - sl(n - 2, n - 1)) / bshape(h[-1:])  # type: ignore[index]
        else:
            a0, a1 = bshape(h[0:1]), bshape(h[1:2])  # type: ignore[index]
            first = (-(2 * a0 + a1) / (a0 * (a0 + a1)) * sl(0, 1) + (a0 + a1) / (a0 * a1) * sl(1, 2)
                     - a0 / (a1 * (a0 + a1)) * sl(2, 3))
            b0, b1 = bshape(h[-2:-1]), bshape(h[-1:])  # type: ignore[index]
            last = (b1 / (b0 * (b0 + b1)) * sl(n - 3, n - 2) - (b0 + b1) / (b0 * b1) * sl(n - 2, n - 1)
                    + (2 * b1 + b0) / (b1 * (b0 + b1)) * sl(n - 1, n))
    else:
        hv = s.item() if isinstance(s, Tensor) else s
        interior = (sl(2, n) - sl(0, n - 2)) / (2 * hv)
        if edge_order == 1:
            first = (sl(1, 2) - sl(0, 1)) / hv
            last = (sl(n - 1, n) - sl(n - 2, n - 1)) / hv
        else:
            first = (-1.5 * sl(0, 1) + 2 * sl(1, 2) - 0.5 * sl(2, 3)) / hv
            last = (0.5 * sl(n - 3, n - 2) - 2 * sl(n - 2, n - 1) + 1.5 * sl(n - 1, n)) / hv
    return A.cat([first, interior, last], d)


METHODS: dict[str, Callable[..., Any]] = {
    "cummax": cummax, "cummin": cummin, "logcumsumexp": logcumsumexp, "diff": diff,
}
