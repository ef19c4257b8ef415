"""Bit-level and integer pointwise ops: frexp/ldexp, nextafter, gcd/lcm and the bit shifts (with the ``<<``/``>>``
operators), composed from existing Tensor ops so they run on every backend."""

from __future__ import annotations

import builtins
import math
from typing import Any, NamedTuple

from .. import dtypes as _dt
from ..tensor import Tensor
from . import elementwise as E
from ._dispatch import handle_out
from ._formula import (
    _as,
    _attach,
    _bcast,
    _binary_float,
    _check_tensor,
    _float_dtype,
    _int_pair,
    _no_grad,
)
from .creation import full_like, tensor, zeros_like
from .reduction import _ret

_LN2 = math.log(2.0)


def ldexp(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input * 2**other`` (integers give the default float dtype)."""
    _check_tensor(input, "ldexp")
    _check_tensor(other, "ldexp", "other")
    d = _float_dtype(input, other)
    x = _as(input, d, input)
    y = _as(other, d, input)
    with _no_grad():
        p = E.pow(2.0, y)
        r = x * p

    def formula(g: Tensor) -> tuple[Any, ...]:
        p2 = E.pow(2.0, y)
        return g * p2, g * x * p2 * _LN2

    r = _attach(r, "LdexpBackward0", (x, y), formula)
    return handle_out(r, out)


class _Frexp(NamedTuple):
    mantissa: Any
    exponent: Any


frexp_ret = _ret("frexp", _Frexp)


def frexp(input: Tensor, *, out: tuple[Tensor, Tensor] | None = None) -> Any:
    """Split into mantissa in [0.5, 1) (by magnitude) and int32 exponent: ``input = mantissa * 2**exponent``."""
    _check_tensor(input, "frexp")
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    with _no_grad():
        # float64 holds every float16/32 exponent (and subnormals) exactly
        x = input.to(_dt.float64)
        a = x.abs()
        finite_nz = E.logical_and(x.isfinite(), a > 0)
        safe = E.where(finite_nz, a, 1.0)
        e = safe.log2().floor() + 1
        h = (e / 2).floor()  # in two halves: 2**1024 (the largest doubles' e) is past float64's range
        m = safe / E.pow(2.0, h) / E.pow(2.0, e - h)
        # log2 can land one off next to a power of two: bring m back into [0.5, 1)
        hi = m >= 1
        e = E.where(hi, e + 1, e)
        m = E.where(hi, m / 2, m)
        lo = m < 0.5
        e = E.where(lo, e - 1, e)
        m = E.where(lo, m * 2, m)
        m = E.where(finite_nz, E.where(x < 0, -m, m), x)
        e = E.where(finite_nz, e, 0.0)
        mant = m.to(input.dtype)
        expo = e.to(_dt.int32)
    mant = _attach(mant, "FrexpBackward0", (input,), lambda g: (g / E.pow(2.0, expo.to(g.dtype)),))
    if out is not None:
        handle_out(mant, out[0])
        handle_out(expo, out[1])
        return frexp_ret(out[0], out[1])
    return frexp_ret(mant, expo)


_MANT_BITS = {_dt.float64: 53, _dt.float32: 24, _dt.float16: 11, _dt.bfloat16: 8}
_MIN_EXP = {_dt.float64: -1021, _dt.float32: -125, _dt.float16: -13, _dt.bfloat16: -125}


def nextafter(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The next representable value after ``input`` towards ``other``."""
    _check_tensor(input, "nextafter")
    _check_tensor(other, "nextafter", "other")
    E.check_broadcast(input, other)
    x, y, d = _binary_float(input, other, "nextafter", allow_int=False)
    with _no_grad():
        p, emin = _MANT_BITS[d], _MIN_EXP[d]
        tiny = E.pow(2.0, tensor(float(emin - p), dtype=_dt.float64)).item()  # smallest subnormal
        fr = frexp(x)
        e = fr.exponent.to(_dt.float64)
        m = fr.mantissa.abs()
        e = E.maximum(e, tensor(float(emin), dtype=_dt.float64, device=x.device))
        ulp_up = E.pow(2.0, e - p).to(d)  # spacing above |x|
        # moving towards zero from an exact power of two crosses into the binade below: half the spacing
        ulp_down = E.where(E.logical_and(m == 0.5, e > emin), ulp_up / 2, ulp_up)
        away = E.logical_or(E.logical_and(x > 0, y > x), E.logical_and(x < 0, y < x))
        step = E.where(away, ulp_up, ulp_down)
        moved = E.where(y > x, x + step, x - step)
        tiny_t = full_like(x, tiny)
        moved = E.where(x == 0, E.where(y > 0, tiny_t, -tiny_t), moved)
        moved = E.where(x.isinf(), E.where(x > 0, tensor(_finfo_max(d), dtype=d, device=x.device),
                                           tensor(-_finfo_max(d), dtype=d, device=x.device)), moved)
        r = E.where(x == y, y, moved)
        r = E.where(E.logical_or(x.isnan(), y.isnan()), float("nan"), r).to(d)
    # PyTorch's derivative: the gradient passes to input (a step is locally the identity), none to other
    r = _attach(r, "NextafterBackward0", (x, y), lambda g: (g, zeros_like(g)))
    return handle_out(r, out)


def _finfo_max(d: _dt.dtype) -> float:
    from .._runtime import finfo

    return float(finfo(d).max)


# ---------------------------------------------------------------------------------------------
# integer math


def gcd(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise greatest common divisor (non-negative), integers only."""
    _check_tensor(input, "gcd")
    _check_tensor(other, "gcd", "other")
    a, b, _ = _int_pair(input, other, "gcd_cpu")
    with _no_grad():
        a, b = _bcast(a.abs(), b.abs())
        # PyTorch's Euclid (while a != 0: a, b = b % a, a) over all elements at once, with C's `%` (fmod), so that
        # |INT_MIN|, which wraps to INT_MIN, gives what it gives there
        while builtins.bool((a != 0).any()):  # type: ignore[attr-defined]
            nz = a != 0
            a, b = E.where(nz, E.fmod(b, E.where(nz, a, 1)), 0), E.where(nz, a, b)
    return handle_out(b, out)


def lcm(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise least common multiple (non-negative), integers only."""
    _check_tensor(input, "lcm")
    _check_tensor(other, "lcm", "other")
    a, b, _ = _int_pair(input, other, "lcm_cpu")
    with _no_grad():
        g = gcd(a, b)
        r = E.where(g == 0, 0, (E.floor_divide(a, E.where(g == 0, 1, g)) * b).abs())
    return handle_out(r, out)


def _shift_args(input: Any, other: Any, kernel: str) -> tuple[Tensor, Tensor, _dt.dtype]:
    a, b, d = _int_pair(input, other, kernel)
    return a, b, d


def bitwise_left_shift(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input << other`` on integers (bits shifted past the width are lost)."""
    a, b, d = _shift_args(input, other, "lshift_cpu")
    bits = d.itemsize * 8
    with _no_grad():
        big = E.logical_or(b >= bits, b < 0)
        sb = E.where(big, 0, b)
        # multiplication by 2**k wraps like a shift in two's complement
        r = E.where(big, 0, a * E.pow(tensor(2, dtype=d, device=a.device), sb))
    return handle_out(r.to(d), out)


def bitwise_right_shift(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input >> other`` on integers (arithmetic shift: the sign is kept)."""
    a, b, d = _shift_args(input, other, "rshift_cpu")
    bits = d.itemsize * 8
    with _no_grad():
        big = E.logical_or(b >= bits, b < 0)
        sb = E.where(big, 0, b)
        if d is _dt.uint8:
            r = E.floor_divide(a, E.pow(tensor(2, dtype=d, device=a.device), sb))
        else:
            # floor division by 2**k is the arithmetic shift; 2**(bits-1) overflows, so shift in two steps
            half = E.floor_divide(sb, 2)
            two = tensor(2, dtype=d, device=a.device)
            r = E.floor_divide(E.floor_divide(a, E.pow(two, half)), E.pow(two, sb - half))
        r = E.where(big, E.where(a < 0, -1, 0), r)
    return handle_out(r.to(d), out)
