"""``ember.fft``: discrete Fourier transforms, as ``torch.fft``, with autograd.

Three differentiable primitives do the work: complex-to-complex (``_c2c``), real-to-complex one-sided (``_r2c``)
and complex-to-real (``_c2r``), each an optional backend kernel over the array API's fft extension
(``fftn``/``ifftn``/``rfftn``/``irfftn``). The ``n``/``s`` padding and trimming happens before them with ordinary
Tensor ops (``narrow``, ``cat``), so it is differentiable for free; the Hermitian transforms are conjugates of the
real ones with the normalization swapped, as NumPy defines them. Backward formulas are PyTorch's: the adjoint of a
transform is the opposite transform with the dual normalization (``"backward"`` <-> ``"forward"``); ``rfft``'s
adjoint zero-pads the half spectrum, ``irfft``'s doubles the bins that stand for two.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from . import dtypes as _dt
from .autograd.grad_mode import GRAD
from .autograd.graph import Node
from .tensor import Tensor, _wrap

__all__ = [
    "fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
    "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift",
]

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _norm(norm: str | None) -> str:
    if norm is None:
        return "backward"
    if norm not in _DUAL:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _kernel(t: Tensor, name: str) -> Any:
    k = getattr(t._device._be, name, None)
    if k is None:
        raise NotImplementedError(f"ember.fft needs the optional {name!r} kernel, which the "
                                  f"{t._device._be.name} backend does not have")
    return k


# ---------------------------------------------------------------------------------------------
# the three differentiable primitives (no resizing; dtypes already PyTorch's)


class FftC2CBackward0(Node):
    def __init__(self, axes: tuple[int, ...], norm: str, forward: bool):
        self.axes, self.norm, self.forward = axes, norm, forward

    def backward(self, g: Tensor) -> Tensor:
        return _c2c(g, self.axes, _DUAL[self.norm], not self.forward)


def _c2c(x: Tensor, axes: tuple[int, ...], norm: str, forward: bool) -> Tensor:
    data = _kernel(x, "fftn" if forward else "ifftn")(x._data, axes, norm)
    be = x._device._be
    r = _wrap(be.astype(data, x.dtype), x.dtype, x._device)
    if x._rg and GRAD.enabled:
        from .ops._dispatch import record

        record(r, FftC2CBackward0(axes, norm, forward), x)
    return r


class FftR2CBackward0(Node):
    def __init__(self, axes: tuple[int, ...], norm: str, n_last: int):
        self.axes, self.norm, self.n_last = axes, norm, n_last

    def backward(self, g: Tensor) -> Tensor:
        # the one-sided spectrum is the first n // 2 + 1 bins: the adjoint pads the rest with zeros
        full = _resize(g, (self.axes[-1],), (self.n_last,))
        return _c2c(full, self.axes, _DUAL[self.norm], False).real  # type: ignore[attr-defined,no-any-return]


def _r2c(x: Tensor, axes: tuple[int, ...], norm: str) -> Tensor:
    dt = x.dtype.to_complex()
    be = x._device._be
    r = _wrap(be.astype(_kernel(x, "rfftn")(x._data, axes, norm), dt), dt, x._device)
    if x._rg and GRAD.enabled:
        from .ops._dispatch import record

        record(r, FftR2CBackward0(axes, norm, x._data.shape[axes[-1]]), x)
    return r


class FftC2RBackward0(Node):
    def __init__(self, axes: tuple[int, ...], norm: str, n_last: int):
        self.axes, self.norm, self.n_last = axes, norm, n_last

    def backward(self, g: Tensor) -> Tensor:
        gi = _r2c(g, self.axes, _DUAL[self.norm])
        m = gi.shape[self.axes[-1]]
        double = self.n_last - m
        if double <= 0:
            return gi
        # bins 1 .. n - m stand for themselves and their mirrored partners: twice the gradient
        from .ops.creation import ones

        w = ones(m, dtype=gi.dtype.to_real(), device=gi.device)
        w[1:1 + double] = 2.0
        shape = [1] * gi.ndim  # type: ignore[attr-defined]
        shape[self.axes[-1]] = m
        return gi * w.reshape(shape)  # type: ignore[attr-defined,no-any-return]


def _c2r(x: Tensor, axes: tuple[int, ...], norm: str, n_last: int) -> Tensor:
    dt = x.dtype.to_real()
    be = x._device._be
    s = tuple(x._data.shape[a] for a in axes[:-1]) + (n_last,)
    r = _wrap(be.astype(_kernel(x, "irfftn")(x._data, s, axes, norm), dt), dt, x._device)
    if x._rg and GRAD.enabled:
        from .ops._dispatch import record

        record(r, FftC2RBackward0(axes, norm, n_last), x)
    return r


# ---------------------------------------------------------------------------------------------
# argument handling


def _resize(x: Tensor, axes: Sequence[int], sizes: Sequence[int]) -> Tensor:
    """``x`` trimmed or zero-padded at the end of each axis to the given size."""
    for ax, n in zip(axes, sizes):
        cur = x._data.shape[ax]
        if n < cur:
            x = x.narrow(ax, 0, n)  # type: ignore[attr-defined]
        elif n > cur:
            from .ops.arrange import cat
            from .ops.creation import zeros

            shape = list(x._data.shape)
            shape[ax] = n - cur
            x = cat([x, zeros(shape, dtype=x.dtype, device=x.device)], ax)
    return x


def _float_input(x: Tensor, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"fft_{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    dt = x.dtype
    if dt in (_dt.float16, _dt.bfloat16):
        from .ops._dispatch import type_name

        raise RuntimeError(f"Unsupported dtype {type_name(dt)}")
    if dt._category < 2:
        return x.to(_dt.get_default_dtype())  # type: ignore[attr-defined,no-any-return]
    return x


def _complex_input(x: Tensor, name: str) -> Tensor:
    x = _float_input(x, name)
    return x if x.dtype.is_complex else x.to(x.dtype.to_complex())  # type: ignore[attr-defined,no-any-return]


def _real_input(x: Tensor, name: str) -> Tensor:
    x = _float_input(x, name)
    if x.dtype.is_complex:
        from .ops._dispatch import type_name

        raise RuntimeError(f"{name} expects a real input tensor, but got {type_name(x.dtype)}")
    return x


def _dims(x: Tensor, s: Sequence[int] | None, dim: Any, default_all: bool) -> tuple[tuple[int, ...], list[int] | None]:
    """PyTorch's (dims, sizes) of an n-d transform: dim None means the last len(s) dims, or all dims."""
    nd = x.ndim  # type: ignore[attr-defined]
    if isinstance(dim, builtins.int):
        dim = (dim,)
    if dim is None:
        if s is not None:
            dims = tuple(range(nd - len(s), nd))
        else:
            dims = tuple(range(nd)) if default_all else (nd - 2, nd - 1)
    else:
        dims = tuple(dim)
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    out = []
    for d in dims:
        if not -nd <= d < nd:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {d})")
        out.append(d % nd)
    if len(set(out)) != len(out):
        raise RuntimeError("FFT dims must be unique")
    sizes = None
    if s is not None:
        sizes = [x._data.shape[d] if n == -1 else builtins.int(n) for d, n in zip(out, s)]
        for n in sizes:
            if n < 1:
                raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return tuple(out), sizes


def _finish(r: Tensor, out: Tensor | None) -> Tensor:
    if out is None:
        return r
    from .ops._dispatch import handle_out

    return handle_out(r, out)  # type: ignore[no-any-return]


def _as_s(n: int | None) -> list[int] | None:
    return None if n is None else [n]


# ---------------------------------------------------------------------------------------------
# complex-to-complex


def _cfft(input: Tensor, s: Any, dim: Any, norm: str | None, forward: bool, default_all: bool, name: str) -> Tensor:
    x = _complex_input(input, name)
    dims, sizes = _dims(x, s, dim, default_all)
    if sizes is not None:
        x = _resize(x, dims, sizes)
    return _c2c(x, dims, _norm(norm), forward)


def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
        out: Tensor | None = None) -> Tensor:
    """The 1-d discrete Fourier transform of ``input`` along ``dim`` (padded or trimmed to ``n``)."""
    return _finish(_cfft(input, _as_s(n), dim, norm, True, True, "fft"), out)


def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """The 1-d inverse discrete Fourier transform of ``input`` along ``dim``."""
    return _finish(_cfft(input, _as_s(n), dim, norm, False, True, "ifft"), out)


def fft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """The 2-d discrete Fourier transform over ``dim`` (default the last two)."""
    return _finish(_cfft(input, s, dim, norm, True, False, "fft2"), out)


def ifft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The 2-d inverse discrete Fourier transform over ``dim``."""
    return _finish(_cfft(input, s, dim, norm, False, False, "ifft2"), out)


def fftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None, norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """The n-d discrete Fourier transform over ``dim`` (default: all dims, or the last ``len(s)``)."""
    return _finish(_cfft(input, s, dim, norm, True, True, "fftn"), out)


def ifftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None, norm: str | None = None,
          *, out: Tensor | None = None) -> Tensor:
    """The n-d inverse discrete Fourier transform over ``dim``."""
    return _finish(_cfft(input, s, dim, norm, False, True, "ifftn"), out)


# ---------------------------------------------------------------------------------------------
# real-to-complex and complex-to-real


def _rfft(input: Tensor, s: Any, dim: Any, norm: str | None, default_all: bool, name: str) -> Tensor:
    x = _real_input(input, name)
    dims, sizes = _dims(x, s, dim, default_all)
    if sizes is not None:
        x = _resize(x, dims, sizes)
    return _r2c(x, dims, _norm(norm))


def _irfft(input: Tensor, s: Any, dim: Any, norm: str | None, default_all: bool, name: str) -> Tensor:
    x = _complex_input(input, name)
    dims, sizes = _dims(x, s, dim, default_all)
    n_last = sizes[-1] if sizes is not None else 2 * (x._data.shape[dims[-1]] - 1)
    if n_last < 1:
        raise RuntimeError(f"Invalid number of data points ({n_last}) specified")
    target = list(sizes[:-1]) if sizes is not None else [x._data.shape[d] for d in dims[:-1]]
    x = _resize(x, dims, target + [n_last // 2 + 1])
    return _c2r(x, dims, _norm(norm), n_last)


def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """The one-sided 1-d Fourier transform of a real ``input`` (``n // 2 + 1`` frequencies)."""
    return _finish(_rfft(input, _as_s(n), dim, norm, True, "rfft"), out)


def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The inverse of ``rfft``: a real signal of length ``n`` (default ``2 * (input.size(dim) - 1)``)."""
    return _finish(_irfft(input, _as_s(n), dim, norm, True, "irfft"), out)


def rfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The 2-d Fourier transform of a real ``input``, one-sided in the last dim."""
    return _finish(_rfft(input, s, dim, norm, False, "rfft2"), out)


def irfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None, *,
           out: Tensor | None = None) -> Tensor:
    """The inverse of ``rfft2``."""
    return _finish(_irfft(input, s, dim, norm, False, "irfft2"), out)


def rfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The n-d Fourier transform of a real ``input``, one-sided in the last transformed dim."""
    return _finish(_rfft(input, s, dim, norm, True, "rfftn"), out)


def irfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None, norm: str | None = None,
           *, out: Tensor | None = None) -> Tensor:
    """The inverse of ``rfftn``."""
    return _finish(_irfft(input, s, dim, norm, True, "irfftn"), out)


# ---------------------------------------------------------------------------------------------
# Hermitian: the real transforms of the conjugate, with the dual normalization (NumPy's definition)


def _conj(x: Tensor) -> Tensor:
    return x.conj() if x.dtype.is_complex else x  # type: ignore[attr-defined,no-any-return]


def _hfft(input: Tensor, s: Any, dim: Any, norm: str | None, default_all: bool, name: str) -> Tensor:
    x = _complex_input(input, name)
    return _irfft(_conj(x), s, dim, _DUAL[_norm(norm)], default_all, name)


def _ihfft(input: Tensor, s: Any, dim: Any, norm: str | None, default_all: bool, name: str) -> Tensor:
    return _conj(_rfft(input, s, dim, _DUAL[_norm(norm)], default_all, name))


def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """The 1-d Fourier transform of a Hermitian-symmetric signal given by its one-sided half: a real result."""
    return _finish(_hfft(input, _as_s(n), dim, norm, True, "hfft"), out)


def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The inverse of ``hfft``: the one-sided half of the inverse transform of a real signal."""
    return _finish(_ihfft(input, _as_s(n), dim, norm, True, "ihfft"), out)


def hfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The 2-d ``hfft``."""
    return _finish(_hfft(input, s, dim, norm, False, "hfft2"), out)


def ihfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None, *,
           out: Tensor | None = None) -> Tensor:
    """The 2-d ``ihfft``."""
    return _finish(_ihfft(input, s, dim, norm, False, "ihfft2"), out)


def hfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The n-d ``hfft``."""
    return _finish(_hfft(input, s, dim, norm, True, "hfftn"), out)


def ihfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None, norm: str | None = None,
           *, out: Tensor | None = None) -> Tensor:
    """The n-d ``ihfft``."""
    return _finish(_ihfft(input, s, dim, norm, True, "ihfftn"), out)


# ---------------------------------------------------------------------------------------------
# helpers: sample frequencies and shifts (composites of arange and roll)


def fftfreq(n: int, d: float = 1.0, *, out: Tensor | None = None, dtype: _dt.dtype | None = None, layout: Any = None,
            device: Any = None, requires_grad: bool = False) -> Tensor:
    """The sample frequencies of an ``n``-point ``fft``: ``[0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d n)``."""
    from .ops.creation import arange

    dt = dtype or _dt.get_default_dtype()
    k = arange(n, dtype=_dt.int64, device=device)
    k = k - (k >= (n + 1) // 2).long() * n  # type: ignore[attr-defined]
    r = (k.to(dt) / (d * n)).detach()  # type: ignore[attr-defined]
    if requires_grad:
        r.requires_grad_(True)
    return _finish(r, out)


def rfftfreq(n: int, d: float = 1.0, *, out: Tensor | None = None, dtype: _dt.dtype | None = None, layout: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """The sample frequencies of an ``n``-point ``rfft``: ``[0, 1, ..., n // 2] / (d n)``."""
    from .ops.creation import arange

    dt = dtype or _dt.get_default_dtype()
    r = (arange(n // 2 + 1, dtype=_dt.int64, device=device).to(dt) / (d * n)).detach()  # type: ignore[attr-defined]
    if requires_grad:
        r.requires_grad_(True)
    return _finish(r, out)


def _shift(input: Tensor, dim: Any, inverse: bool) -> Tensor:
    nd = input.ndim  # type: ignore[attr-defined]
    dims = tuple(range(nd)) if dim is None else ((dim,) if isinstance(dim, builtins.int) else tuple(dim))
    shape = input._data.shape
    shifts = [(-(shape[d] // 2) if inverse else shape[d] // 2) for d in dims]
    return input.roll(shifts, dims)  # type: ignore[attr-defined,no-any-return]


def fftshift(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Move the zero frequency to the centre (a roll by ``n // 2`` along each of ``dim``, default all)."""
    return _shift(input, dim, False)


def ifftshift(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """The inverse of ``fftshift``."""
    return _shift(input, dim, True)
