"""Optional backend kernels for :mod:`ember.special` (``ember.backend.SPECIAL``), with their gradients.

A backend may provide fused kernels (NumPy through SciPy, JAX through ``jax.scipy.special``); core
uses one when the backend has it and the composite of ``ember._specfun`` otherwise. The kernel
computes the value; the gradient formulas below are ember ops, so double backward works and a
kernel never needs a backward of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from . import dtypes as _dt
from .autograd.function import Function
from .tensor import Tensor, _wrap

_SQRT_2PI = math.sqrt(2 * math.pi)
_2_SQRTPI = 2 / math.sqrt(math.pi)


def _grads() -> dict[str, Callable[[Tensor, Tensor, Tensor], Tensor]]:
    from . import special as S
    from .ops.elementwise import where

    def i1_grad(g: Tensor, x: Tensor, y: Tensor) -> Tensor:
        zero = x == 0.0
        return g * where(zero, 0.5, S.i0(x) - y / where(zero, 1.0, x))

    def i1e_grad(g: Tensor, x: Tensor, y: Tensor) -> Tensor:
        zero = x == 0.0
        return g * where(zero, 0.5, S.i0e(x) - y * (x.sign() + 1.0 / where(zero, 1.0, x)))

    return {
        "special_gammaln": lambda g, x, y: g * S.digamma(x),
        "special_digamma": lambda g, x, y: g * S.polygamma(1, x),
        "special_erfinv": lambda g, x, y: g * (math.sqrt(math.pi) / 2) * (y * y).exp(),
        "special_erfc": lambda g, x, y: -g * _2_SQRTPI * (-(x * x)).exp(),
        "special_erfcx": lambda g, x, y: g * (2.0 * x * y - _2_SQRTPI),
        "special_ndtri": lambda g, x, y: g * _SQRT_2PI * (0.5 * y * y).exp(),
        "special_log_ndtr": lambda g, x, y: g * (-0.5 * x * x - y).exp() / _SQRT_2PI,
        "special_i0": lambda g, x, y: g * S.i1(x),
        "special_i0e": lambda g, x, y: g * (S.i1e(x) - x.sign() * y),
        "special_i1": i1_grad,
        "special_i1e": i1e_grad,
    }


_GRADS: dict[str, Callable[[Tensor, Tensor, Tensor], Tensor]] = {}


def _fixup(name: str, x: Tensor, y: Tensor) -> Tensor:
    """PyTorch's values where SciPy/JAX differ: lgamma(-inf) = inf; I0 and I1 are NaN at +-inf (the Cephes
    series PyTorch evaluates gives exp(x) * c / sqrt(x) = inf / inf); digamma's sign at 0."""
    from .ops.elementwise import where

    if name == "special_gammaln":
        return where(x.isinf(), math.inf, y)
    if name == "special_digamma":
        # PyTorch's pole at 0 is copysign(inf, -x) (JAX gives NaN): -inf at 0.0, inf at -0.0
        return where(x == 0, -1.0 / x, y)
    if name in ("special_i0", "special_i1"):
        return where(x.isinf(), math.nan, y)
    return y


class _Kernel(Function):
    """A backend's special-function kernel; the gradient comes from ``_GRADS``."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, name: str) -> Tensor:
        be = x._device._be
        y = _fixup(name, x, _wrap(getattr(be, name)(x._data), x.dtype, x._device))
        ctx.save_for_backward(x, y)
        ctx.kernel = name
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        x, y = ctx.saved_tensors
        if not _GRADS:
            _GRADS.update(_grads())
        return _GRADS[ctx.kernel](g, x, y), None


def kernel_call(name: str, x: Tensor) -> Tensor | None:
    """``name`` (e.g. ``"special_gammaln"``) through the backend's kernel, or None when it has none."""
    be = x._device._be
    if getattr(be, name, None) is None:
        return None
    dt = x.dtype if x.dtype.is_floating_point else _dt.get_default_dtype()
    if dt in (_dt.float32, _dt.float64):
        return _Kernel.apply(x if x.dtype is dt else x.to(dt), name)  # type: ignore[no-any-return]
    # half precision: computed in float32 and rounded once, as PyTorch's CPU kernels do
    return _Kernel.apply(x.to(_dt.float32), name).to(dt)  # type: ignore[no-any-return]


def gammainc_kernel(a: Tensor, x: Tensor, upper: bool) -> Tensor | None:
    """The backend's regularized incomplete gamma on arrays of one float dtype, or None."""
    name = "special_gammaincc" if upper else "special_gammainc"
    k = getattr(a._device._be, name, None)
    if k is None:
        return None
    return _wrap(k(a._data, x._data), a.dtype, a._device)
