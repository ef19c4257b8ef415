"""More elementwise math: inverse hyperbolics, copysign/signbit, fmax/fmin, hypot, logaddexp, frexp/ldexp,
nextafter, gcd/lcm, heaviside, bit shifts, nan_to_num, and the top-level in-place forms (``torch.abs_``, ...).

Forwards are composites of existing Tensor ops (so they run on every backend); each differentiable op records
one node with PyTorch's name and gradient formula, written in Tensor ops so higher-order gradients work.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any, NamedTuple

from .. import dtypes as _dt
from ..autograd.graph import Node
from ..tensor import Tensor
from . import elementwise as E
from . import unary as U
from ._dispatch import handle_out, needs_grad, record, sum_to, type_name
from .creation import full_like, tensor, zeros_like
from .reduction import _ret

_SCALARS = (builtins.int, builtins.float, builtins.bool)
_LN2 = math.log(2.0)


# ---------------------------------------------------------------------------------------------
# machinery: one recorded node per op with a Tensor-op gradient formula


class _FormulaNode(Node):
    """A node whose ``formula(g)`` returns one gradient per tensor input (None where not needed)."""

    formula: Callable[[Tensor], tuple[Any, ...]]
    shapes: tuple[tuple[int, ...], ...] = ()

    def backward(self, g: Tensor) -> Any:
        grads = self.formula(g)
        out = tuple(None if gi is None else sum_to(gi, s) for gi, s in zip(grads, self.shapes))
        return out if len(out) > 1 else out[0]


_NODE_TYPES: dict[str, type[_FormulaNode]] = {}


def _attach(out: Tensor, name: str, inputs: tuple[Any, ...], formula: Callable[[Tensor], tuple[Any, ...]]) -> Tensor:
    """Record ``out`` as produced from the tensor ``inputs`` by a node called ``name``."""
    tin = tuple(t for t in inputs if isinstance(t, Tensor))
    if not needs_grad(*tin) or not out.dtype.is_floating_point:
        return out
    cls = _NODE_TYPES.get(name)
    if cls is None:
        cls = _NODE_TYPES[name] = type(name, (_FormulaNode,), {})
    node = cls()
    node.formula = formula  # type: ignore[method-assign]
    node.shapes = tuple(t.shape for t in tin)
    return record(out, node, *tin)


def _not_implemented(op: str) -> Callable[[Tensor], tuple[Any, ...]]:
    def formula(g: Tensor) -> tuple[Any, ...]:
        raise RuntimeError(f"the derivative for '{op}' is not implemented.")

    return formula


def _float_dtype(*xs: Any) -> _dt.dtype:
    d = _dt.result_type(*xs)
    return d if d.is_floating_point or d.is_complex else _dt.get_default_dtype()


def _check_tensor(x: Any, fn: str, arg: str = "input") -> None:
    if not isinstance(x, Tensor):
        pos = 1 if arg == "input" else 2
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _as(x: Any, dt: _dt.dtype, like: Tensor) -> Tensor:
    """``x`` (tensor or Python scalar) as a tensor of dtype ``dt`` on ``like``'s device."""
    if isinstance(x, Tensor):
        return x if x.dtype is dt else x.to(dt)
    return tensor(x, dtype=dt, device=like.device)


def _no_grad() -> Any:
    return E._no_grad()


def _op32(t: Tensor) -> Tensor:
    """``t`` in the dtype a forward computes in: float16/bfloat16 go through float32 and are rounded once at the
    end, as PyTorch's CPU kernels do (a composite in half precision would round, and overflow, at every step)."""
    return t.to(_dt.float32) if t.dtype.itemsize == 2 and t.dtype.is_floating_point else t


def _real_only(x: Tensor, fn: str, what: str = "") -> None:
    if x.dtype.is_complex:
        raise NotImplementedError(f"\"{fn}\" not implemented for '{type_name(x.dtype)}'")


# ---------------------------------------------------------------------------------------------
# inverse hyperbolic functions


def _float_in(input: Tensor) -> Tensor:
    return input if input.dtype.is_floating_point or input.dtype.is_complex else input.to(_dt.get_default_dtype())


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


def signbit(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Whether each element's sign bit is set (True for -0.0)."""
    _check_tensor(input, "signbit")
    if input.dtype.is_complex:
        raise RuntimeError("signbit is not implemented for complex tensors.")
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
    # composite of where: the gradient is g where the input is finite and 0 elsewhere, PyTorch's formula
    r = E.where(input.isnan(), nan, E.where(isposinf(input), hi, E.where(isneginf(input), lo, input)))
    return handle_out(r, out)


# ---------------------------------------------------------------------------------------------
# binary float math


def _binary_float(input: Any, other: Any, fn: str, allow_int: bool = True) -> tuple[Tensor, Tensor, _dt.dtype]:
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    like = input if isinstance(input, Tensor) else other
    d = _dt.result_type(input, other)
    if d.is_complex:
        raise NotImplementedError(f"\"{fn}_cpu\" not implemented for '{type_name(d)}'")
    if not d.is_floating_point:
        if not allow_int:
            raise NotImplementedError(f"\"{fn}_cpu\" not implemented for '{type_name(d)}'")
        d = _dt.get_default_dtype()
    return _as(input, d, like), _as(other, d, like), d


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
    x = _float_in(input)
    return handle_out((_op32(x) * (math.pi / 180.0)).to(x.dtype), out)


def rad2deg(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Radians to degrees (integers and bools give the default float dtype)."""
    _check_tensor(input, "rad2deg")
    if input.dtype.is_complex:
        raise RuntimeError("rad2deg is not supported for complex tensors.")
    x = _float_in(input)
    return handle_out((_op32(x) * (180.0 / math.pi)).to(x.dtype), out)


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
        m = safe / E.pow(2.0, e)
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
    x, y, d = _binary_float(input, other, "nextafter", allow_int=False)
    with _no_grad():
        p, emin = _MANT_BITS[d], _MIN_EXP[d]
        tiny = E.pow(2.0, tensor(float(emin - p), dtype=_dt.float64)).item()  # smallest subnormal
        e = frexp(x).exponent.to(_dt.float64)
        m = frexp(x).mantissa.abs()
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
    r = _attach(r, "NextafterBackward0", (x, y), _not_implemented("nextafter"))
    return handle_out(r, out)


def _finfo_max(d: _dt.dtype) -> float:
    from .._runtime import finfo

    return float(finfo(d).max)


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
    return E.sub(other, input, alpha=alpha) if isinstance(other, Tensor) else E.sub(
        tensor(other, dtype=_dt.scalar_dtype(other), device=input.device), input, alpha=alpha)


def float_power_(self: Tensor, exponent: Any) -> Tensor:
    """In-place ``float_power``: ``self`` must already be float64 (or complex128)."""
    d = _dt.complex128 if self.dtype.is_complex or getattr(exponent, "dtype", _dt.float64).is_complex or \
        isinstance(exponent, builtins.complex) else _dt.float64
    if self.dtype is not d:
        raise RuntimeError(f"the base given to float_power_ has dtype {type_name(self.dtype)} but the operation's "
                           f"result requires dtype {type_name(d)}")
    return E.inplace(E.float_power, self, exponent)


# ---------------------------------------------------------------------------------------------
# integer math


def _int_pair(input: Any, other: Any, kernel: str) -> tuple[Tensor, Tensor, _dt.dtype]:
    like = input if isinstance(input, Tensor) else other
    d = _dt.result_type(input, other)
    if d.is_floating_point or d.is_complex or d is _dt.bool:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(d)}'")
    return _as(input, d, like), _as(other, d, like), d


def gcd(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise greatest common divisor (non-negative), integers only."""
    _check_tensor(input, "gcd")
    _check_tensor(other, "gcd", "other")
    a, b, _ = _int_pair(input, other, "gcd_cpu")
    with _no_grad():
        a, b = _bcast(a.abs(), b.abs())
        # Euclid over all elements at once: each round shrinks the remaining non-zero divisors
        while builtins.bool((b != 0).any()):  # type: ignore[attr-defined]
            nz = b != 0
            safe_b = E.where(nz, b, 1)
            a, b = E.where(nz, b, a), E.where(nz, E.remainder(a, safe_b), 0)
    return handle_out(a, out)


def _bcast(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    from .shape import broadcast_tensors

    x, y = broadcast_tensors(a, b)
    return x, y


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


# ---------------------------------------------------------------------------------------------
# top-level in-place forms (``torch.abs_(x)`` is ``x.abs_()``)


def _top_inplace(method: str) -> Callable[..., Tensor]:
    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        _check_tensor(input, method)
        return getattr(input, method)(*args, **kwargs)  # type: ignore[no-any-return]

    fn.__name__ = fn.__qualname__ = method
    fn.__doc__ = f"In-place ``{method[:-1]}`` of ``input`` (``input.{method}(...)``)."
    return fn


abs_ = _top_inplace("abs_")
acos_ = _top_inplace("acos_")
acosh_ = _top_inplace("acosh_")
arccos_ = _top_inplace("arccos_")
arccosh_ = _top_inplace("arccosh_")
arcsin_ = _top_inplace("arcsin_")
arcsinh_ = _top_inplace("arcsinh_")
arctan_ = _top_inplace("arctan_")
arctanh_ = _top_inplace("arctanh_")
asin_ = _top_inplace("asin_")
asinh_ = _top_inplace("asinh_")
atan_ = _top_inplace("atan_")
atanh_ = _top_inplace("atanh_")
ceil_ = _top_inplace("ceil_")
clamp_ = _top_inplace("clamp_")
clamp_max_ = _top_inplace("clamp_max_")
clamp_min_ = _top_inplace("clamp_min_")
clip_ = _top_inplace("clip_")
cos_ = _top_inplace("cos_")
cosh_ = _top_inplace("cosh_")
deg2rad_ = _top_inplace("deg2rad_")
erf_ = _top_inplace("erf_")
erfc_ = _top_inplace("erfc_")
exp2_ = _top_inplace("exp2_")
exp_ = _top_inplace("exp_")
expm1_ = _top_inplace("expm1_")
fill_ = _top_inplace("fill_")
fix_ = _top_inplace("fix_")
floor_ = _top_inplace("floor_")
frac_ = _top_inplace("frac_")
gcd_ = _top_inplace("gcd_")
i0_ = _top_inplace("i0_")
lcm_ = _top_inplace("lcm_")
ldexp_ = _top_inplace("ldexp_")
log10_ = _top_inplace("log10_")
log1p_ = _top_inplace("log1p_")
log2_ = _top_inplace("log2_")
log_ = _top_inplace("log_")
logit_ = _top_inplace("logit_")
nan_to_num_ = _top_inplace("nan_to_num_")
neg_ = _top_inplace("neg_")
negative_ = _top_inplace("negative_")
rad2deg_ = _top_inplace("rad2deg_")
reciprocal_ = _top_inplace("reciprocal_")
round_ = _top_inplace("round_")
rsqrt_ = _top_inplace("rsqrt_")
sigmoid_ = _top_inplace("sigmoid_")
sin_ = _top_inplace("sin_")
sinc_ = _top_inplace("sinc_")
sinh_ = _top_inplace("sinh_")
sqrt_ = _top_inplace("sqrt_")
square_ = _top_inplace("square_")
tan_ = _top_inplace("tan_")
tanh_ = _top_inplace("tanh_")
trunc_ = _top_inplace("trunc_")
xlogy_ = _top_inplace("xlogy_")
zero_ = _top_inplace("zero_")
conj_physical_ = _top_inplace("conj_physical_")
addmv_ = _top_inplace("addmv_")


def fill(input: Tensor, value: Any) -> Tensor:
    """A new tensor shaped like ``input`` filled with ``value`` (differentiable w.r.t. a tensor ``value``)."""
    _check_tensor(input, "fill")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"fill only supports 0-dimension value tensor but got tensor with "
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
    "float_power_": float_power_,
}

INPLACE: dict[str, Callable[..., Tensor]] = {
    "asinh_": asinh, "acosh_": acosh, "atanh_": atanh, "arcsinh_": asinh, "arccosh_": acosh, "arctanh_": atanh,
    "copysign_": copysign, "nan_to_num_": nan_to_num, "hypot_": hypot, "ldexp_": ldexp, "frac_": frac,
    "deg2rad_": deg2rad, "rad2deg_": rad2deg, "nextafter_": nextafter, "heaviside_": heaviside, "gcd_": gcd,
    "lcm_": lcm, "bitwise_left_shift_": bitwise_left_shift, "bitwise_right_shift_": bitwise_right_shift,
    "fix_": U.trunc, "absolute_": U.abs, "arccos_": U.acos, "arcsin_": U.asin, "arctan_": U.atan,
    "arctan2_": E.atan2, "bitwise_and_": E.bitwise_and, "bitwise_or_": E.bitwise_or, "bitwise_xor_": E.bitwise_xor,
    "bitwise_not_": U.bitwise_not, "greater_": E.gt, "greater_equal_": E.ge, "less_": E.lt, "less_equal_": E.le,
    "not_equal_": E.ne, "logical_xor_": E.logical_xor,
}
