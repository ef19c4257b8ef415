"""More elementwise math: inverse hyperbolics, copysign/signbit, fmax/fmin, hypot, logaddexp, frac, deg2rad/rad2deg,
heaviside, nan_to_num, rsub, fill, and the Tensor methods of this family (bit-level and integer ops live in
pointwise_bits.py, the top-level in-place forms such as ``torch.abs_`` in inplace_forms.py).

Forwards are composites of existing Tensor ops (so they run on every backend); each differentiable op records
one node with PyTorch's name and gradient formula, written in Tensor ops so higher-order gradients work.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from . import elementwise as E
from . import unary as U
from ._dispatch import handle_out, type_name
from ._formula import (
    _as,
    _attach,
    _binary_float,
    _check_tensor,
    _float_dtype,
    _float_in,
    _no_grad,
    _not_implemented,
    _op32,
    _real_only,
)
from .creation import full_like, zeros_like
from .pointwise_bits import bitwise_left_shift, bitwise_right_shift, frexp, gcd, lcm, ldexp, nextafter

_LN2 = math.log(2.0)

# ---------------------------------------------------------------------------------------------
# inverse hyperbolic functions


def asinh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise inverse hyperbolic sine (stable for large and tiny ``|x|``)."""
    _check_tensor(input, "asinh")
    _real_only(input, "asinh")
    x = _float_in(input)
    with _no_grad():
        xc = _op32(x)
        a = xc.abs()
        big = a > 1e8
        safe = E.where(big, 1.0, a)
        # log1p(a + a^2 / (1 + sqrt(1 + a^2))) keeps tiny |x| exact; large |x| would overflow a^2
        small_r = (safe + safe * safe / (1 + (1 + safe * safe).sqrt())).log1p()
        r = E.where(big, a.log() + _LN2, small_r)
        r = E.where(signbit(xc), -r, r).to(x.dtype)
    r = _attach(r, "AsinhBackward0", (x,), lambda g: (g / (x * x + 1).sqrt(),))
    return handle_out(r, out)


@U.silent
def acosh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise inverse hyperbolic cosine (NaN below 1)."""
    _check_tensor(input, "acosh")
    _real_only(input, "acosh")
    x = _float_in(input)
    with _no_grad():
        xc = _op32(x)
        big = xc > 1e8
        safe = E.where(big, 1.0, xc)
        t = safe - 1
        # log1p(t + sqrt(t * (t + 2))) with t = x - 1 stays accurate near x = 1
        r = E.where(big, xc.log() + _LN2, (t + (t * (t + 2)).sqrt()).log1p())
        r = E.where(xc < 1, float("nan"), r).to(x.dtype)
    r = _attach(r, "AcoshBackward0", (x,), lambda g: (g / ((x - 1).sqrt() * (x + 1).sqrt()),))
    return handle_out(r, out)


def atanh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise inverse hyperbolic tangent (±inf at ±1, NaN beyond)."""
    _check_tensor(input, "atanh")
    _real_only(input, "atanh")
    x = _float_in(input)
    with _no_grad():
        xc = _op32(x)
        r = (0.5 * (xc.log1p() - (-xc).log1p())).to(x.dtype)
    r = _attach(r, "AtanhBackward0", (x,), lambda g: (g / (1 - x * x),))
    return handle_out(r, out)


arcsinh, arccosh, arctanh = asinh, acosh, atanh


# ---------------------------------------------------------------------------------------------
# sign manipulation and classification


@U.silent
def signbit(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Whether each element's sign bit is set (True for -0.0)."""
    _check_tensor(input, "signbit")
    if input.dtype.is_complex:
        raise NotImplementedError("signbit is not implemented for complex tensors.")
    with _no_grad():
        if input.dtype is _dt.bool:
            r = zeros_like(input, dtype=_dt.bool)
        elif input.dtype.is_floating_point:
            # -0.0 is the only negative-signed value not < 0 (NaN's sign bit is not observable without bit views)
            r = E.logical_or(input < 0, E.logical_and(input == 0, (1.0 / input) < 0))
        else:
            r = input < 0
    return handle_out(r, out)


def copysign(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``|input|`` with the sign of ``other`` (integers give the default float dtype)."""
    _check_tensor(input, "copysign")
    if input.dtype.is_complex or getattr(other, "dtype", _dt.float32).is_complex:
        raise NotImplementedError("\"copysign_cpu\" not implemented for 'ComplexFloat'")
    E.check_broadcast(input, other)
    dt = _float_dtype(input, other)
    x = _as(input, dt, input)
    y = _as(other, dt, input)
    with _no_grad():
        a = x.abs()
        r = E.where(signbit(y), -a, a)

    def formula(g: Tensor) -> tuple[Any, ...]:
        # PyTorch: d/dx = r / x where x != 0, else 0; nothing flows to ``other``
        gx = E.where(x == 0, 0.0, g * (r / E.where(x == 0, 1.0, x)))
        return (gx,) + ((zeros_like(g),) if isinstance(other, Tensor) else ())

    name = "CopysignBackward0" if isinstance(other, Tensor) else "CopysignBackward1"
    r = _attach(r, name, (x, y) if isinstance(other, Tensor) else (x,), formula)
    return handle_out(r, out)


def isposinf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Whether each element is +inf."""
    _check_tensor(input, "isposinf")
    if input.dtype.is_complex:
        raise RuntimeError("isposinf does not support complex inputs.")
    with _no_grad():
        r = E.logical_and(input.isinf(), input > 0) if input.dtype.is_floating_point else zeros_like(
            input, dtype=_dt.bool)
    return handle_out(r, out)


def isneginf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Whether each element is -inf."""
    _check_tensor(input, "isneginf")
    if input.dtype.is_complex:
        raise RuntimeError("isneginf does not support complex inputs.")
    with _no_grad():
        r = E.logical_and(input.isinf(), input < 0) if input.dtype.is_floating_point else zeros_like(
            input, dtype=_dt.bool)
    return handle_out(r, out)


def isreal(input: Tensor) -> Tensor:
    """Whether each element is real (complex elements with a zero imaginary part count)."""
    _check_tensor(input, "isreal")
    with _no_grad():
        if input.dtype.is_complex:
            return input.imag == 0  # type: ignore[attr-defined, no-any-return]
        return full_like(input, True, dtype=_dt.bool)


def positive(input: Tensor) -> Tensor:
    """``input`` itself (the unary ``+``); refused for bool tensors as in PyTorch."""
    _check_tensor(input, "positive")
    if input.dtype is _dt.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


@U.silent
def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None, *,
               out: Tensor | None = None) -> Tensor:
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (default: the dtype's max/min)."""
    _check_tensor(input, "nan_to_num")
    if input.dtype.is_complex:
        from .complex import complex as _complex

        re = nan_to_num(input.real, nan, posinf, neginf)  # type: ignore[attr-defined]
        im = nan_to_num(input.imag, nan, posinf, neginf)  # type: ignore[attr-defined]
        return handle_out(_complex(re, im), out)
    if not input.dtype.is_floating_point:
        return handle_out(input.clone(), out)  # type: ignore[attr-defined]
    from .._runtime import finfo

    fi = finfo(input.dtype)
    hi = fi.max if posinf is None else posinf
    lo = fi.min if neginf is None else neginf
    with _no_grad():
        r = E.where(input.isnan(), nan, E.where(isposinf(input), hi, E.where(isneginf(input), lo, input)))
    # PyTorch's formula: the gradient passes where the input is finite (a literal 0 elsewhere, never g * 0)
    r = _attach(r, "NanToNumBackward0", (input,), lambda g: (E.where(input.isfinite(), g, 0.0),))
    return handle_out(r, out)


def nan_to_num_(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """In-place ``nan_to_num``; an integer or bool tensor has nothing to replace and is returned as it is
    (PyTorch writes nothing there, so an expanded view is no error)."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        return input
    return E.inplace(nan_to_num, input, nan, posinf, neginf)


# ---------------------------------------------------------------------------------------------
# binary float math


def fmax(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise maximum that ignores NaN (NaN only where both are NaN)."""
    _check_tensor(input, "fmax")
    _check_tensor(other, "fmax", "other")
    return _fminmax(input, other, out, True)


def fmin(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise minimum that ignores NaN (NaN only where both are NaN)."""
    _check_tensor(input, "fmin")
    _check_tensor(other, "fmin", "other")
    return _fminmax(input, other, out, False)


def _fminmax(input: Tensor, other: Tensor, out: Tensor | None, is_max: bool) -> Tensor:
    d = _dt.result_type(input, other)
    if d.is_complex:
        raise RuntimeError(f"{'fmax' if is_max else 'fmin'} not implemented for complex tensors.")
    x, y = _as(input, d, input), _as(other, d, input)
    with _no_grad():
        pick_x = (x >= y) if is_max else (x <= y)
        if d.is_floating_point:
            pick_x = E.logical_or(pick_x, y.isnan())
        r = E.where(pick_x, x, y)

    def formula(g: Tensor) -> tuple[Any, ...]:
        return E.where(pick_x, g, 0.0), E.where(pick_x, 0.0, g)

    r = _attach(r, "FmaxBackward0" if is_max else "FminBackward0", (x, y), formula)
    return handle_out(r, out)


def hypot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``sqrt(input**2 + other**2)`` without intermediate overflow."""
    _check_tensor(input, "hypot")
    _check_tensor(other, "hypot", "other")
    x, y, _ = _binary_float(input, other, "hypot", allow_int=False)
    with _no_grad():
        ax, ay = _op32(x).abs(), _op32(y).abs()
        m = E.maximum(ax, ay)
        n = E.minimum(ax, ay)
        q = n / E.where(m == 0, 1.0, m)
        r = m * (1 + q * q).sqrt()
        r = E.where(E.logical_or(ax.isinf(), ay.isinf()), float("inf"), r).to(x.dtype)

    def formula(g: Tensor) -> tuple[Any, ...]:
        return g * x / r, g * y / r

    r = _attach(r, "HypotBackward0", (x, y), formula)
    return handle_out(r, out)


def logaddexp(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log(exp(input) + exp(other))`` computed stably."""
    _check_tensor(input, "logaddexp")
    _check_tensor(other, "logaddexp", "other")
    return _logaddexp(input, other, out, base2=False)


def logaddexp2(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log2(2**input + 2**other)`` computed stably."""
    _check_tensor(input, "logaddexp2")
    _check_tensor(other, "logaddexp2", "other")
    return _logaddexp(input, other, out, base2=True)


def _logaddexp(input: Tensor, other: Tensor, out: Tensor | None, base2: bool) -> Tensor:
    fn = "logaddexp2" if base2 else "logaddexp"
    x, y, _ = _binary_float(input, other, fn, allow_int=False)
    with _no_grad():
        xc, yc = _op32(x), _op32(y)
        m = E.maximum(xc, yc)
        d = (xc - yc).abs()
        d = E.where(d.isnan(), 0.0, d)
        tail = (-d * _LN2).exp().log1p() / _LN2 if base2 else (-d).exp().log1p()
        # equal infinities (inf - inf = NaN) give that infinity, as PyTorch
        r = E.where(E.logical_and(xc.isinf(), xc == yc), xc, m + tail).to(x.dtype)

    def formula(g: Tensor) -> tuple[Any, ...]:
        # d/dx = 1 / (1 + b**(y - x)) with b = e or 2
        k = _LN2 if base2 else 1.0
        gx = g / (1 + ((y - x) * k).exp())
        gy = g / (1 + ((x - y) * k).exp())
        return gx, gy

    r = _attach(r, "Logaddexp2Backward0" if base2 else "LogaddexpBackward0", (x, y), formula)
    return handle_out(r, out)


@U.silent
def frac(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Fractional part ``input - trunc(input)`` (sign kept), floating inputs only."""
    _check_tensor(input, "frac")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{type_name(input.dtype)}'")
    with _no_grad():
        r = input - input.trunc()  # type: ignore[attr-defined]
    r = _attach(r, "FracBackward0", (input,), lambda g: (g,))
    return handle_out(r, out)


def deg2rad(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Degrees to radians (integers and bools give the default float dtype)."""
    _check_tensor(input, "deg2rad")
    if input.dtype.is_complex:
        raise RuntimeError("deg2rad is not supported for complex tensors.")
    return handle_out(_scaled(_float_in(input), math.pi / 180.0, "Deg2RadBackward0"), out)


def rad2deg(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Radians to degrees (integers and bools give the default float dtype)."""
    _check_tensor(input, "rad2deg")
    if input.dtype.is_complex:
        raise RuntimeError("rad2deg is not supported for complex tensors.")
    return handle_out(_scaled(_float_in(input), 180.0 / math.pi, "Rad2DegBackward0"), out)


def _scaled(x: Tensor, c: float, node: str) -> Tensor:
    with _no_grad():
        r = (_op32(x) * c).to(x.dtype)
    return _attach(r, node, (x,), lambda g: (g * c,))


def heaviside(input: Tensor, values: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Heaviside step: 0 below zero, 1 above, ``values`` at zero (both tensors of one dtype)."""
    _check_tensor(input, "heaviside")
    _check_tensor(values, "heaviside", "values")
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    if input.dtype.is_complex:
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    with _no_grad():
        r = E.where(input == 0, values, (input > 0).to(input.dtype))
    r = _attach(r, "NotImplemented", (input, values), _not_implemented("heaviside"))
    return handle_out(r, out)


def rsub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``other - alpha * input``."""
    _check_tensor(input, "rsub")
    with _no_grad():
        r = E.sub(other, input, alpha=alpha)
    if isinstance(other, Tensor):
        return _attach(r, "RsubBackward0", (input, other), lambda g: (-alpha * g, g))
    return _attach(r, "RsubBackward1", (input,), lambda g: (-alpha * g,))


def float_power_(self: Tensor, exponent: Any) -> Tensor:
    """In-place ``float_power``: ``self`` must already be float64 (or complex128)."""
    d = _dt.complex128 if self.dtype.is_complex or getattr(exponent, "dtype", _dt.float64).is_complex or \
        isinstance(exponent, builtins.complex) else _dt.float64
    if self.dtype is not d:
        raise RuntimeError(f"the base given to float_power_ has dtype {type_name(self.dtype)} but the operation's "
                           f"result requires dtype {type_name(d)}")
    return E.inplace(E.float_power, self, exponent)


def fill(input: Tensor, value: Any) -> Tensor:
    """A new tensor shaped like ``input`` filled with ``value`` (differentiable w.r.t. a tensor ``value``)."""
    _check_tensor(input, "fill")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.ndim} dimensions.")
        return value.to(input.dtype).expand(input.shape).clone()  # type: ignore[attr-defined, no-any-return]
    return full_like(input, value)


# Tensor methods this module adds: out-of-place ops and their in-place ``_`` variants
METHODS: dict[str, Callable[..., Any]] = {
    "asinh": asinh, "acosh": acosh, "atanh": atanh, "arcsinh": asinh, "arccosh": acosh, "arctanh": atanh,
    "signbit": signbit, "copysign": copysign, "isposinf": isposinf, "isneginf": isneginf, "isreal": isreal,
    "positive": positive, "nan_to_num": nan_to_num, "fmax": fmax, "fmin": fmin, "hypot": hypot,
    "logaddexp": logaddexp, "logaddexp2": logaddexp2, "ldexp": ldexp, "frac": frac, "deg2rad": deg2rad,
    "rad2deg": rad2deg, "frexp": frexp, "nextafter": nextafter, "heaviside": heaviside, "gcd": gcd, "lcm": lcm,
    "bitwise_left_shift": bitwise_left_shift, "bitwise_right_shift": bitwise_right_shift,
    "float_power_": float_power_, "nan_to_num_": nan_to_num_,
}

INPLACE: dict[str, Callable[..., Tensor]] = {
    "asinh_": asinh, "acosh_": acosh, "atanh_": atanh, "arcsinh_": asinh, "arccosh_": acosh, "arctanh_": atanh,
    "copysign_": copysign, "hypot_": hypot, "ldexp_": ldexp, "frac_": frac,
    "deg2rad_": deg2rad, "rad2deg_": rad2deg, "nextafter_": nextafter, "heaviside_": heaviside, "gcd_": gcd,
    "lcm_": lcm, "bitwise_left_shift_": bitwise_left_shift, "bitwise_right_shift_": bitwise_right_shift,
    "fix_": U.trunc, "absolute_": U.abs, "arccos_": U.acos, "arcsin_": U.asin, "arctan_": U.atan,
    "arctan2_": E.atan2, "bitwise_and_": E.bitwise_and, "bitwise_or_": E.bitwise_or, "bitwise_xor_": E.bitwise_xor,
    "bitwise_not_": U.bitwise_not, "greater_": E.gt, "greater_equal_": E.ge, "less_": E.lt, "less_equal_": E.le,
    "not_equal_": E.ne, "logical_xor_": E.logical_xor,
}
