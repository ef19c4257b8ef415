"""Elementwise math: binary ops, comparisons, where/clamp/lerp and in-place variants, with their backward.

Each op's forward (a backend primitive on raw arrays) sits next to its gradient formula
(Tensor ops, so higher-order gradients work on every backend).
"""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..amp._state import AUTOCAST, autocast_call
from ..autograd.grad_mode import CENSUS, GRAD
from ..autograd.graph import Node
from ..tensor import Tensor, _wrap
from ._dispatch import (
    _new,
    bump_version,
    check_inplace,
    fast_record2,
    handle_out,
    inplace_source,
    materialize,
    needs_grad,
    prep,
    rebase_inplace,
    record,
    sum_to,
    type_name,
    wrap_int,
)
from .complex import _conj_value as _cj

_SCALARS = (builtins.int, builtins.float, builtins.bool, builtins.complex)


def _quiet(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` with RuntimeWarnings ignored: reached only when the caller's warning filters turned NumPy's
    floating-point warning (inf - inf, 0 * inf, overflow) into an exception; PyTorch computes those silently.

    NOTE: ember's own filter (ember/__init__.py) ignores these warnings otherwise. The ops call the bare ufunc in a
    ``try`` block, which costs nothing, where an errstate switch on every call would cost ~0.2 us of the ~0.8 us
    that ``a + b`` may take."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args)


def _run(fn: Callable[[], Any]) -> Any:
    """``fn()``, run again quietly where it raised a floating-point RuntimeWarning (see ``_quiet``)."""
    try:
        return fn()
    except RuntimeWarning:
        return _quiet(fn)


def broadcast_error(a: Any, b: Any) -> RuntimeError:
    """PyTorch's broadcasting error for two shapes."""
    sa, sb = tuple(getattr(a, "shape", ())), tuple(getattr(b, "shape", ()))
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) "
                                f"at non-singleton dimension {i}")
    return RuntimeError(f"shapes {list(sa)} and {list(sb)} cannot be broadcast together")


def check_broadcast(a: Any, b: Any) -> None:
    """Raise PyTorch's broadcasting error unless ``a`` and ``b`` (tensors or numbers) broadcast together (for
    composite ops, whose first failing step would name the shapes in another order)."""
    sa, sb = _shape(a), _shape(b)
    if sa != sb and any(x != y and x != 1 and y != 1 for x, y in zip(reversed(sa), reversed(sb))):
        raise broadcast_error(a._data, b._data)


def _shape(v: Any) -> tuple[int, ...]:
    return v._data.shape if isinstance(v, Tensor) else ()


# ---------------------------------------------------------------------------------------------
# binary arithmetic


class _BinaryNode(Node):
    """Binary op node: keeps the operands' shapes to reduce broadcast gradients."""

    def __init__(self, x: Any, y: Any):
        self.x_shape = x._data.shape if isinstance(x, Tensor) else ()
        self.y_shape = y._data.shape if isinstance(y, Tensor) else ()

    def backward(self, g: Tensor) -> tuple[Any, Any]:
        gx, gy = self.grads(g)
        return (None if gx is None else sum_to(gx, self.x_shape),
                None if gy is None else sum_to(gy, self.y_shape))

    def grads(self, g: Tensor) -> tuple[Any, Any]:
        raise NotImplementedError


class AddBackward0(_BinaryNode):
    alpha: Any = 1

    def __init__(self, x: Any, y: Any, alpha: Any = 1):
        super().__init__(x, y)
        self.alpha = alpha

    def grads(self, g: Tensor) -> tuple[Any, Any]:
        gy = None
        if self.needs_input_grad(1):
            gy = g if self.alpha == 1 else g * self.alpha
        return (g if self.needs_input_grad(0) else None), gy


class SubBackward0(AddBackward0):
    def grads(self, g: Tensor) -> tuple[Any, Any]:
        gy = None
        if self.needs_input_grad(1):
            gy = -g if self.alpha == 1 else g * (-self.alpha)
        return (g if self.needs_input_grad(0) else None), gy


class RsubBackward1(_BinaryNode):
    """``scalar - tensor``: recorded with the tensor as its only input, as in PyTorch."""

    def backward(self, g: Tensor) -> Any:  # type: ignore[override]
        return sum_to(-g, self.y_shape)


class MulBackward0(_BinaryNode):
    # which operands the formula needs saved: (save x, save y) given (x requires grad, y requires grad)
    _save_both = False

    def __init__(self, x: Any, y: Any):
        super().__init__(x, y)
        xt, yt = isinstance(x, Tensor), isinstance(y, Tensor)
        if self._save_both:
            self.save(x if xt else None, y if yt else None)
        else:
            # d(xy)/dx needs y, d(xy)/dy needs x: save only what a required gradient uses
            self.save(x if xt and yt and y._rg else None, y if yt and xt and x._rg else None)
        # the Python-scalar operands (None for tensor operands, which are saved instead)
        self.xs: Any = None if xt else x
        self.ys: Any = None if yt else y

    def grads(self, g: Tensor) -> tuple[Any, Any]:
        x, y = self.saved_tensors
        x = self.xs if x is None else x
        y = self.ys if y is None else y
        # complex operands: PyTorch's gradient is g * conj(the other factor)
        gx = g * _cj(y) if self.needs_input_grad(0) else None
        gy = g * _cj(x) if len(self.next_functions) > 1 and self.needs_input_grad(1) else None
        return gx, gy


class DivBackward0(MulBackward0):
    _save_both = True

    def grads(self, g: Tensor) -> tuple[Any, Any]:
        x, y = self.saved_tensors
        x = _cj(self.xs if x is None else x)
        y = _cj(self.ys if y is None else y)
        gx = g / y if self.needs_input_grad(0) else None
        gy = -g * x / (y * y) if len(self.next_functions) > 1 and self.needs_input_grad(1) else None
        return gx, gy


class DivBackward1(_BinaryNode):
    """div with rounding_mode: piecewise constant, zero gradient."""

    def grads(self, g: Tensor) -> tuple[Any, Any]:
        from .creation import zeros_like

        z = zeros_like(g)  # not g * 0, which is NaN where g is inf
        return z, (z if len(self.next_functions) > 1 else None)


class FloorDivideBackward0(_BinaryNode):
    """``floor_divide``: PyTorch records it but has no derivative (``div(rounding_mode='floor')`` has, zero)."""

    def grads(self, g: Tensor) -> tuple[Any, Any]:
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


class PowBackward0(MulBackward0):
    """x ** scalar, x ** tensor (PowBackward1) and scalar ** x (PowBackward2) share this formula."""

    _save_both = True

    def grads(self, g: Tensor) -> tuple[Any, Any]:
        x, y = self.saved_tensors
        x = self.xs if x is None else x
        y = self.ys if y is None else y
        gx = gy = None
        x_rg = isinstance(x, Tensor) and x._rg
        y_rg = isinstance(y, Tensor) and y._rg
        # complex: the formulas are holomorphic with real coefficients, so conj of the operands conjugates them
        x, y = _cj(x), _cj(y)
        if x_rg and self.needs_input_grad(0):
            if isinstance(y, _SCALARS) and y == 0:
                gx = g * 0
            else:
                gx = g * y * x ** (y - 1)
                if isinstance(y, Tensor):
                    gx = where(y == 0, 0.0, gx)
        if y_rg and self.needs_input_grad(1):
            base = x if isinstance(x, Tensor) else _wrap(y._device._be.full((), x, y.dtype, y._device.index),
                                                          y.dtype, y._device)
            gy = g * (x ** y) * base.log()
            y_nonneg = (y.real >= 0) & (y.imag == 0) if y.dtype.is_complex else y >= 0  # type: ignore[attr-defined]
            gy = where((base == 0) & y_nonneg, 0.0, gy)
        return gx, gy


class PowBackward1(PowBackward0):
    pass


class PowBackward2(PowBackward0):
    pass


class MaximumBackward0(MulBackward0):
    _save_both = True

    _greater = True

    def grads(self, g: Tensor) -> tuple[Any, Any]:
        x, y = self.saved_tensors
        x = self.xs if x is None else x
        y = self.ys if y is None else y
        win = (x > y) if self._greater else (x < y)
        tie = (x == y) * 0.5
        gx = g * (win + tie) if self.needs_input_grad(0) else None
        gy = g * ((~win) & (x != y)) + g * tie if self.needs_input_grad(1) else None
        return gx, gy


class MinimumBackward0(MaximumBackward0):
    _greater = False


class Atan2Backward0(MulBackward0):
    _save_both = True

    def grads(self, g: Tensor) -> tuple[Any, Any]:
        x, y = self.saved_tensors
        x = self.xs if x is None else x
        y = self.ys if y is None else y
        den = x * x + y * y
        return (g * y / den if self.needs_input_grad(0) else None,
                -g * x / den if self.needs_input_grad(1) else None)


class RemainderBackward0(MulBackward0):
    _save_both = True

    def grads(self, g: Tensor) -> tuple[Any, Any]:
        x, y = self.saved_tensors
        gy = None
        if y is not None and self.needs_input_grad(1):
            gy = -g * floor_divide(x, y)
        return (g if self.needs_input_grad(0) else None), gy


class FmodBackward0(MulBackward0):
    _save_both = True

    def grads(self, g: Tensor) -> tuple[Any, Any]:
        x, y = self.saved_tensors
        gy = None
        if y is not None and self.needs_input_grad(1):
            gy = -g * (x / y).trunc()
        return (g if self.needs_input_grad(0) else None), gy


def _binary(x: Any, y: Any, fname: str, node_cls: Callable[..., Node] | None, true_div: bool = False,
            out: Tensor | None = None, **node_kw: Any) -> Tensor:
    """Run a binary elementwise op through the backend and record its node."""
    be, dev, a, b, dt = prep(x, y)
    if true_div and dt._category < 2:
        dt = _dt.get_default_dtype()
        # a Python bool or int operand becomes a float: the array API refuses a bool scalar with a float array
        a = builtins.float(a) if isinstance(a, builtins.int) else a if isinstance(a, _SCALARS) else be.astype(a, dt)
        b = builtins.float(b) if isinstance(b, builtins.int) else b if isinstance(b, _SCALARS) else be.astype(b, dt)
        if isinstance(a, _SCALARS) and isinstance(b, _SCALARS):  # pragma: no cover
            raise TypeError("div needs a tensor operand")
    try:
        data = getattr(be, fname)(a, b)
    except ValueError as e:
        if "broadcast" in str(e):
            raise broadcast_error(a, b) from None
        raise
    except RuntimeWarning:
        data = _quiet(getattr(be, fname), a, b)
    r = _wrap(data, dt, dev)
    if node_cls is not None and needs_grad(x, y):
        if dt._category >= 2:  # floating and complex results are differentiable
            record(r, node_cls(x, y, **node_kw), x, y)
    return handle_out(r, out) if out is not None else r


def add(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + alpha * other``, broadcasting, with PyTorch's type promotion."""
    # NOTE: the fast path (same dtype and device, no alpha/out) is the per-op overhead budget:
    # every line here is paid on each `a + b`.
    if alpha == 1 and out is None and isinstance(other, Tensor) and isinstance(input, Tensor):
        dev = input._device
        if input.dtype is other.dtype and other._device is dev:
            try:
                r = _wrap(dev._be.add(input._data, other._data), input.dtype, dev)
            except ValueError:
                raise broadcast_error(input._data, other._data) from None
            except RuntimeWarning:
                r = _wrap(_quiet(dev._be.add, input._data, other._data), input.dtype, dev)
            if (input._rg or other._rg) and (CENSUS.grad_all_on or GRAD.enabled):
                node = _new(AddBackward0)
                node.x_shape = input._data.shape
                node.y_shape = other._data.shape
                fast_record2(r, node, input, other)
            return r
    if alpha != 1:
        if isinstance(alpha, builtins.float) and isinstance(other, Tensor) and not other.dtype.is_floating_point \
                and not (isinstance(input, Tensor) and input.dtype.is_floating_point):
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
        be, dev, a, b, dt = prep(input, other)
        r = _wrap(_scaled(be, "add", a, b, alpha, dt), dt, dev)
        if needs_grad(input, other):
            record(r, AddBackward0(input, other, alpha), input, other)
        return handle_out(r, out)
    return _binary(input, other, "add", AddBackward0, out=out)


def _scaled(be: Any, prim: str, a: Any, b: Any, alpha: Any, dt: _dt.dtype) -> Any:
    """``a <prim> alpha * b`` on backend arrays (or Python numbers), as ``add``/``sub`` with ``alpha``."""
    b = _times_alpha(be, b, alpha, dt)
    try:
        return _run(lambda: getattr(be, prim)(a, b))
    except ValueError:
        raise broadcast_error(a, b) from None


def _times_alpha(be: Any, b: Any, alpha: Any, dt: _dt.dtype) -> Any:
    """``alpha * b``; for integer dtypes wrapped into the dtype, as PyTorch converts alpha (uint8 and alpha=-1)."""
    if dt._category == 1 and isinstance(alpha, builtins.int):
        alpha = wrap_int(builtins.int(alpha), dt)
        if isinstance(b, builtins.int):
            return wrap_int(b * alpha, dt)
    if isinstance(b, _SCALARS):
        return b * alpha
    return _run(lambda: be.multiply(b, alpha))


def _check_bool_sub(input: Any, other: Any) -> None:
    """PyTorch refuses ``-`` on bools, with one message for two bools and another for one."""
    # NOTE: written out (no generator): every `a - b` passes here
    x = input.dtype is _dt.bool if isinstance(input, Tensor) else isinstance(input, builtins.bool)
    y = other.dtype is _dt.bool if isinstance(other, Tensor) else isinstance(other, builtins.bool)
    if x and y:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if x or y:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input - alpha * other``."""
    _check_bool_sub(input, other)
    if alpha != 1:
        be, dev, a, b, dt = prep(input, other)
        r = _wrap(_scaled(be, "subtract", a, b, alpha, dt), dt, dev)
        if needs_grad(input, other):
            record(r, SubBackward0(input, other, alpha), input, other)
        return handle_out(r, out)
    if not isinstance(input, Tensor):
        r = _binary(input, other, "subtract", None, out=out)
        if needs_grad(other):
            record(r, RsubBackward1(input, other), other)
        return r
    return _binary(input, other, "subtract", SubBackward0, out=out)


def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise product."""
    if out is None and isinstance(other, Tensor) and isinstance(input, Tensor):
        dev = input._device
        if input.dtype is other.dtype and other._device is dev:
            try:
                r = _wrap(dev._be.multiply(input._data, other._data), input.dtype, dev)
            except ValueError:
                raise broadcast_error(input._data, other._data) from None
            except RuntimeWarning:
                r = _wrap(_quiet(dev._be.multiply, input._data, other._data), input.dtype, dev)
            if (input._rg or other._rg) and (CENSUS.grad_all_on or GRAD.enabled):
                fast_record2(r, MulBackward0(input, other), input, other)
            return r
    return _binary(input, other, "multiply", MulBackward0, out=out)


def div(input: Any, other: Any, *, rounding_mode: str | None = None, out: Tensor | None = None) -> Tensor:
    """True division, or rounded with ``rounding_mode='trunc'|'floor'``."""
    if rounding_mode is None:
        return _binary(input, other, "divide", DivBackward0, true_div=True, out=out)
    if rounding_mode == "floor":
        r = _floor_divide(input, other, out)
        if needs_grad(input, other):
            record(r, DivBackward1(input, other), input, other)
        return r
    if rounding_mode != "trunc":
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    _no_complex(input, other, "div_trunc")
    _no_bool(input, other, "div_trunc_cpu")
    _check_int_zero(input, other)
    be, dev, a, b, dt = prep(input, other)
    if dt.is_floating_point:
        data = _run(lambda: be.trunc(be.divide(a, b)))
    else:
        # C-style integer division: truncate toward zero (numbers as 0-d arrays: the array API compares no two
        # Python numbers)
        a, b = (be.full((), v, dt, dev.index) if isinstance(v, _SCALARS) else v for v in (a, b))
        q = be.floor_divide(a, b)
        neg = be.not_equal(be.less(a, 0), be.less(b, 0))
        fix = be.logical_and(be.not_equal(be.remainder(a, b), 0), neg)
        data = be.add(q, be.astype(fix, dt))
    r = _wrap(data, dt, dev)
    if needs_grad(input, other):
        record(r, DivBackward1(input, other), input, other)
    return handle_out(r, out)


divide = div


def true_divide(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Alias of ``div`` without rounding."""
    return div(input, other, out=out)


def _no_bool(input: Any, other: Any, kernel: str) -> None:
    """PyTorch's error for integer kernels (division, remainder) given two bools."""
    if all((isinstance(v, Tensor) and v.dtype is _dt.bool) or isinstance(v, builtins.bool) for v in (input, other)):
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _check_int_zero(input: Any, other: Any) -> None:
    """PyTorch raises on integer division by zero (NumPy would warn and return 0)."""
    if isinstance(other, Tensor):
        if not other.dtype.is_floating_point and not (isinstance(input, Tensor) and input.dtype.is_floating_point):
            be = other._device._be
            if builtins.bool(be.to_host(be.any(be.equal(other._data, 0), None, False))):
                raise RuntimeError("ZeroDivisionError")
    elif isinstance(other, (builtins.int, builtins.bool)) and other == 0 and isinstance(input, Tensor) \
            and not input.dtype.is_floating_point:
        raise RuntimeError("ZeroDivisionError")


def floor_divide(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Division rounded toward negative infinity."""
    r = _floor_divide(input, other, out)
    if needs_grad(input, other):
        record(r, FloorDivideBackward0(input, other), input, other)
    return r


def _floor_divide(input: Any, other: Any, out: Tensor | None) -> Tensor:
    _no_complex(input, other, "div_floor")
    _no_bool(input, other, "div_floor_cpu")
    _check_int_zero(input, other)
    return _binary(input, other, "floor_divide", None, out=out)


def remainder(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Python-style modulus (the result has the sign of the divisor)."""
    _no_complex(input, other, "remainder")
    _no_bool(input, other, "remainder_cpu")
    _check_int_zero(input, other)
    return _binary(input, other, "remainder", RemainderBackward0, out=out)


multiply = mul


def fmod(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """C-style modulus (the result has the sign of the dividend)."""
    _no_complex(input, other, "fmod")
    _no_bool(input, other, "fmod_cpu")
    _check_int_zero(input, other)
    return _binary(input, other, "fmod", FmodBackward0, out=out)


def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A001
    """``input ** exponent`` elementwise."""
    if AUTOCAST.on:
        return autocast_call("pow", pow, input, exponent, out=out)
    if isinstance(exponent, Tensor):
        if _dt.result_type(input, exponent)._category < 2:
            return handle_out(_int_pow(input, exponent), out)
        return _binary(input, exponent, "pow", PowBackward1 if isinstance(input, Tensor) else PowBackward2, out=out)
    if not isinstance(input, Tensor):
        return _binary(input, exponent, "pow", PowBackward2, out=out)
    if isinstance(exponent, builtins.int) and not input.dtype.is_floating_point and exponent < 0 \
            and not input.dtype.is_complex:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if input.dtype.is_floating_point and exponent in (2, 0.5, -0.5) and input.dtype is not _dt.float16:
        # PyTorch computes these as square, sqrt and 1 / sqrt (pow(-inf, 0.5) is NaN there, inf in C's pow), but
        # float16 with C's pow
        be, x = input._device._be, input._data
        try:
            data = _pow_special(be, x, exponent)
        except RuntimeWarning:
            data = _quiet(_pow_special, be, x, exponent)
        r = _wrap(data, input.dtype, input._device)
        if needs_grad(input):
            record(r, PowBackward0(input, exponent), input)
        return r if out is None else handle_out(r, out)
    return _binary(input, exponent, "pow", PowBackward0, out=out)


def _pow_special(be: Any, x: Any, exponent: Any) -> Any:
    return be.square(x) if exponent == 2 else be.sqrt(x) if exponent == 0.5 else be.divide(1, be.sqrt(x))


def _int_pow(input: Any, exponent: Tensor) -> Tensor:
    """An integer (or bool) base to an integer tensor exponent, wrapping like PyTorch: a negative exponent gives
    1 for the base 1, +-1 for the base -1 and 0 for every other base (NumPy refuses it)."""
    be, dev, a, b, dt = prep(input, exponent)
    if dt is _dt.bool:
        raise RuntimeError("\"pow\" not implemented for 'Bool'")
    if not dt.is_signed:
        return _wrap(be.pow(a, b), dt, dev)
    neg = be.less(b, 0)
    if isinstance(a, _SCALARS):
        a = be.full((), a, dt, dev.index)
    data = _run(lambda: be.pow(a, be.where(neg, be.zeros((), dt, dev.index), b)))
    one = be.ones((), dt, dev.index)
    odd = be.not_equal(be.remainder(b, 2), 0)
    at_neg = be.where(be.equal(a, 1), one, be.where(be.equal(a, -1), be.where(odd, -one, one),
                                                    be.zeros((), dt, dev.index)))
    return _wrap(be.where(neg, at_neg, data), dt, dev)


def float_power(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    """``pow`` computed in float64 (complex128 for complex operands)."""
    cplx = any((isinstance(v, Tensor) and v.dtype.is_complex) or isinstance(v, builtins.complex)
               for v in (input, exponent))
    dt = _dt.complex128 if cplx else _dt.float64
    if out is not None and out.dtype is not dt:
        raise RuntimeError(f"the output given to float_power has dtype {type_name(out.dtype)} but the operation's "
                           f"result requires dtype {type_name(dt)}")
    a = input.to(dt) if isinstance(input, Tensor) else input
    b = exponent.to(dt) if isinstance(exponent, Tensor) else exponent
    return handle_out(pow(a, b), out)


def _no_complex(x: Any, y: Any, name: str) -> None:
    """PyTorch's errors for ops that have no complex version."""
    for v in (x, y):
        if (isinstance(v, Tensor) and v.dtype.is_complex) or isinstance(v, builtins.complex):
            dt = v.dtype if isinstance(v, Tensor) else _dt.get_default_complex_dtype()
            if name in ("maximum", "minimum"):
                raise RuntimeError(f"{name} not implemented for complex tensors.")
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{type_name(dt)}'")


def maximum(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise maximum (NaN propagates)."""
    _need_tensors(input, other, "maximum")
    _no_complex(input, other, "maximum")
    return _binary(input, other, "maximum", MaximumBackward0, out=out)


def minimum(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise minimum (NaN propagates)."""
    _need_tensors(input, other, "minimum")
    _no_complex(input, other, "minimum")
    return _binary(input, other, "minimum", MinimumBackward0, out=out)


def atan2(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise ``atan(input / other)`` with quadrant."""
    if AUTOCAST.on:
        return autocast_call("atan2", atan2, input, other, out=out)
    _need_tensors(input, other, "atan2")
    _no_complex(input, other, "atan2")
    be, dev, a, b, dt = prep(input, other)
    if dt._category < 2:
        return atan2(input.to(_dt.get_default_dtype()), other, out=out)
    return _binary(input, other, "atan2", Atan2Backward0, out=out)


arctan2 = atan2


_ORDER_NAMES = {"less": "lt", "less_equal": "le", "greater": "gt", "greater_equal": "ge"}


def _compare(fname: str) -> Callable[..., Tensor]:
    def op(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
        be, dev, a, b, dt = prep(input, other)
        if dt.is_complex and fname in _ORDER_NAMES:
            raise NotImplementedError(f"\"{_ORDER_NAMES[fname]}_cpu\" not implemented for '{type_name(dt)}'")
        try:
            data = getattr(be, fname)(a, b)
        except ValueError as e:
            raise broadcast_error(a, b) from e
        return handle_out(_wrap(data, _dt.bool, dev), out)

    op.__name__ = fname
    op.__doc__ = f"Elementwise ``{fname}`` comparison, returning a bool tensor."
    return op


eq = _compare("equal")
ne = _compare("not_equal")
lt = _compare("less")
le = _compare("less_equal")
gt = _compare("greater")
ge = _compare("greater_equal")
eq.__name__, ne.__name__, lt.__name__, le.__name__, gt.__name__, ge.__name__ = "eq", "ne", "lt", "le", "gt", "ge"
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _need_tensors(input: Any, other: Any, fn: str) -> None:
    """PyTorch's TypeError for an op that takes no Python number in place of a tensor."""
    for v, arg, pos in ((input, "input", 1), (other, "other", 2)):
        if not isinstance(v, Tensor):
            raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not {type(v).__name__}")


def _logical(fname: str) -> Callable[..., Tensor]:
    def op(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
        _need_tensors(input, other, fname)
        be, dev, a, b, dt = prep(input, other)
        try:
            data = getattr(be, fname)(a, b)
        except ValueError:
            raise broadcast_error(a, b) from None
        return handle_out(_wrap(data, _dt.bool, dev), out)

    op.__name__ = fname
    op.__doc__ = f"Elementwise ``{fname}``, returning a bool tensor."
    return op


logical_and = _logical("logical_and")
logical_or = _logical("logical_or")
logical_xor = _logical("logical_xor")


def _bitwise(fname: str) -> Callable[..., Tensor]:
    def op(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
        be, dev, a, b, dt = prep(input, other)
        if dt.is_complex or dt.is_floating_point:
            raise NotImplementedError(f"\"{fname}_cpu\" not implemented for '{type_name(dt)}'")
        try:
            data = getattr(be, fname)(a, b)
        except ValueError:
            raise broadcast_error(a, b) from None
        return handle_out(_wrap(data, dt, dev), out)

    op.__name__ = fname
    op.__doc__ = f"Elementwise ``{fname}`` of integer or bool tensors."
    return op


bitwise_and = _bitwise("bitwise_and")
bitwise_or = _bitwise("bitwise_or")
bitwise_xor = _bitwise("bitwise_xor")


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Elementwise ``input == other or |input - other| <= atol + rtol * |other|`` with a finite difference (so inf
    is close only to the same inf), in the inputs' dtype (integers and bools in the default float dtype)."""
    _need_tensors(input, other, "isclose")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{type_name(input.dtype)} did not match {type_name(other.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol:g}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol:g}")
    with _no_grad():
        close = input == other
        inexact = input.dtype.is_floating_point or input.dtype.is_complex
        if equal_nan and inexact:
            close = close | (input.isnan() & other.isnan())  # type: ignore[attr-defined]
        if rtol == 0 and atol == 0:
            return close
        x, y = (input, other) if inexact else (input.to(_dt.get_default_dtype()), other.to(_dt.get_default_dtype()))
        err = (x - y).abs()  # type: ignore[attr-defined]
        close = close | (err.isfinite() & (err <= atol + (rtol * y).abs()))
    return close


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """Whether all elements are close (see ``isclose``)."""
    return builtins.bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both tensors have the same shape and elements."""
    _need_tensors(input, other, "equal")
    return input._data.shape == other._data.shape and builtins.bool((input == other).all())


class _no_grad:
    def __enter__(self) -> None:
        self.prev = GRAD.enabled
        GRAD.enabled = False

    def __exit__(self, *exc: object) -> None:
        GRAD.enabled = self.prev


# ---------------------------------------------------------------------------------------------
# where / clamp / lerp


class WhereBackward0(Node):
    def __init__(self, cond: Tensor, x: Any, y: Any):
        self.cond = cond
        self.x_shape, self.y_shape = _shape(x), _shape(y)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        # a literal 0, not g * 0: an inf/NaN gradient must not leak into the unselected branch
        gx = sum_to(where(self.cond, g, 0.0), self.x_shape) if self.needs_input_grad(0) else None
        gy = sum_to(where(self.cond, 0.0, g), self.y_shape) if self.needs_input_grad(1) else None
        return gx, gy


def where(condition: Tensor, input: Any = None, other: Any = None, *, out: Tensor | None = None) -> Any:
    """Elements of ``input`` where ``condition`` else of ``other``; one argument gives ``nonzero(as_tuple=True)``."""
    if input is None and other is None:
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    if isinstance(input, _SCALARS) and isinstance(other, _SCALARS):
        # where(cond, 1, 0): two Python scalars give a tensor on the condition's device, dtype by promotion
        from .creation import full

        input = full((), input, dtype=_dt.scalar_dtype(input), device=condition._device)
    be, dev, a, b, dt = prep(input, other)
    c = condition
    if c.dtype is not _dt.bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{type_name(c.dtype)}")
    cdata = c._data if c._device is dev else be.from_host(c._device._be.to_host(c._data), dev.index)
    if isinstance(a, _SCALARS) and isinstance(b, _SCALARS):
        a = be.full((), a, dt, dev.index)
    try:
        data = be.where(cdata, a, b)
    except ValueError:
        raise broadcast_error(cdata, a) from None
    if isinstance(a, _SCALARS) or isinstance(b, _SCALARS) or data.dtype != getattr(a, "dtype", data.dtype):
        data = be.astype(data, dt)
    r = _wrap(data, dt, dev)
    if needs_grad(input, other) and dt._category >= 2:
        ins = [input if isinstance(input, Tensor) else None, other if isinstance(other, Tensor) else None]
        node = WhereBackward0(c, input, other)
        record(r, node, *ins)
    return handle_out(r, out)


class ClampBackward1(Node):
    def __init__(self, x: Tensor, lo: Any, hi: Any):
        self.save(x)
        self.lo, self.hi = lo, hi

    def backward(self, g: Tensor) -> Any:
        (x,) = self.saved_tensors
        mask = None
        if self.lo is not None:
            mask = x >= self.lo
        if self.hi is not None:
            m = x <= self.hi
            mask = m if mask is None else mask & m
        return g * mask if mask is not None else g


def clamp(input: Tensor, min: Any = None, max: Any = None, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """Clamp every element into ``[min, max]`` (either bound may be None or a tensor)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if input.dtype.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")
    tensors = isinstance(min, Tensor) or isinstance(max, Tensor)
    if tensors and not all(v is None or isinstance(v, Tensor) for v in (min, max)):
        names = ", ".join(type(v).__name__ if isinstance(v, Tensor) or v is None else "Number"
                          for v in (input, min, max))
        raise TypeError(f"clamp() received an invalid combination of arguments - got ({names}), but expected "
                        f"(Tensor input, Tensor min = None, Tensor max = None) or (Tensor input, Number min = None, "
                        f"Number max = None)")
    if input.dtype is _dt.bool and (not tensors or (min is not None and max is not None)):
        # PyTorch's bool kernels: none for number bounds, none for two tensor bounds (one tensor is max/minimum)
        kernel = "clamp" if min is not None and max is not None else "clamp_min" if max is None else "clamp_max"
        raise NotImplementedError(f"\"{kernel}{'' if tensors else '_scalar'}_cpu\" not implemented for 'Bool'")
    if tensors:
        r = input
        if min is not None:
            r = maximum(r, min) if isinstance(min, Tensor) else clamp(r, min=min)
        if max is not None:
            r = minimum(r, max) if isinstance(max, Tensor) else clamp(r, max=max)
        return handle_out(r, out)
    be, dev = input._device._be, input._device
    dt = input.dtype
    if dt._category < 2 and (isinstance(min, builtins.float) or isinstance(max, builtins.float)):
        dt = _dt.get_default_dtype()
    from .creation import checked_convert

    # PyTorch converts each bound to the result dtype, raising where it overflows (int8 and min=300)
    lo = None if min is None else checked_convert(min, dt)
    hi = None if max is None else checked_convert(max, dt)
    if lo != lo or hi != hi:
        # NOTE: PyTorch's kernel is min(max(x, lo), hi) with NaN-propagating min/max, so a NaN bound makes
        # every element NaN; NumPy's and XLA's clip ignore it
        data = be.full(input._data.shape, builtins.float("nan"), dt, dev.index)
    else:
        a = input._data if dt is input.dtype else be.astype(input._data, dt)
        data = be.clip(a, lo, hi)
        if getattr(data, "dtype", None) is not None and data.dtype != a.dtype:
            data = be.astype(data, dt)
    r = _wrap(data, dt, dev)
    if input._rg and GRAD.enabled:
        record(r, ClampBackward1(input, min, max), input)
    return handle_out(r, out)


clip = clamp


def clamp_min(input: Tensor, min: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``clamp(input, min=min)``."""
    return clamp(input, min=min, out=out)


def clamp_max(input: Tensor, max: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """``clamp(input, max=max)``."""
    return clamp(input, max=max, out=out)


#: C++ type names, as PyTorch's dtype checks print them ("expected dtype float for `end` but got dtype double")
_CPP_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
             "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
             "bool": "bool", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


class LerpBackward0(Node):
    """``lerp`` with a number weight (LerpBackward0) or a tensor weight (LerpBackward1)."""

    def __init__(self, start: Tensor, end: Tensor, weight: Any):
        self.shapes = (start._data.shape, end._data.shape, _shape(weight))
        self.w: Any = weight if not isinstance(weight, Tensor) else None
        wt = weight if isinstance(weight, Tensor) else None
        self.save(start if wt is not None else None, end if wt is not None else None, wt)

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        start, end, wt = self.saved_tensors
        w = self.w if wt is None else wt
        gs = sum_to(g * (1 - w), self.shapes[0]) if self.needs_input_grad(0) else None
        ge = sum_to(g * w, self.shapes[1]) if self.needs_input_grad(1) else None
        gw = None
        if len(self.next_functions) > 2 and self.needs_input_grad(2):
            gw = sum_to(g * (end - start), self.shapes[2])  # type: ignore[operator]
        return gs, ge, gw


class LerpBackward1(LerpBackward0):
    pass


def lerp(input: Tensor, end: Tensor, weight: Any, *, out: Tensor | None = None) -> Tensor:
    """Linear interpolation ``input + weight * (end - input)``, as PyTorch computes it (``end - (end - input) *
    (1 - weight)`` where ``|weight| >= 0.5``, so that weight 1 gives ``end`` exactly)."""
    _need_tensors(input, end, "lerp")
    wt = isinstance(weight, Tensor)
    for v, what in ((end, "end"), (weight, "weight")):
        if isinstance(v, Tensor) and v.dtype is not input.dtype:
            raise RuntimeError(f"expected dtype {_CPP_TYPE[input.dtype.name]} for `{what}` but got dtype "
                               f"{_CPP_TYPE[v.dtype.name]}")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        kernel = "lerp_kernel_tensor" if wt else "lerp_kernel_scalar"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(input.dtype)}'")
    with _no_grad():
        # float16/bfloat16 are computed in float32 and rounded once, as PyTorch's kernel does
        half = input.dtype.itemsize == 2 and input.dtype.is_floating_point
        s, e = (input.float(), end.float()) if half else (input, end)  # type: ignore[attr-defined]
        w = weight.float() if half and wt else weight
        diff = e - s
        if wt:
            r = where(w.abs() < 0.5, s + w * diff, e - diff * (1 - w))
        else:
            r = s + w * diff if builtins.abs(w) < 0.5 else e - diff * (1 - w)
        if half:
            r = r.to(input.dtype)  # type: ignore[attr-defined]
    if needs_grad(input, end, weight):
        node = LerpBackward1(input, end, weight) if wt else LerpBackward0(input, end, weight)
        record(r, node, input, end, *((weight,) if wt else ()))
    return handle_out(r, out)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + value * tensor1 * tensor2``."""
    if AUTOCAST.on:
        return autocast_call("addcmul", addcmul, input, tensor1, tensor2, value=value, out=out)
    dt = _dt.result_type(input, tensor1, tensor2)
    if dt is _dt.bool:
        raise NotImplementedError("\"addcmul_cpu_out\" not implemented for 'Bool'")
    return handle_out(_addc(input, tensor1, tensor2, value, dt, False), out)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + value * tensor1 / tensor2``."""
    if AUTOCAST.on:
        return autocast_call("addcdiv", addcdiv, input, tensor1, tensor2, value=value, out=out)
    if not (tensor1.dtype.is_floating_point or tensor1.dtype.is_complex) and \
            not (tensor2.dtype.is_floating_point or tensor2.dtype.is_complex):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a "
            "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + "
            "value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * "
            "tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    return handle_out(_addc(input, tensor1, tensor2, value, _dt.result_type(input, tensor1, tensor2), True), out)


def _addc(input: Tensor, t1: Tensor, t2: Tensor, value: Any, dt: _dt.dtype, div: bool) -> Tensor:
    """``input + value * t1 (* or /) t2`` in PyTorch's arithmetic: integer results take ``value`` converted to
    the integer dtype (0.5 acts as 0), float16/bfloat16 are computed in float32 and rounded once."""
    if dt._category < 2:
        return input + builtins.int(value) * t1 * t2
    if dt.itemsize == 2 and dt.is_floating_point:
        x, a, b = input.float(), t1.float(), t2.float()  # type: ignore[attr-defined]
        return (x + (value * a / b if div else value * a * b)).to(dt)  # type: ignore[attr-defined, no-any-return]
    return input + (value * t1 / t2 if div else value * t1 * t2)


# ---------------------------------------------------------------------------------------------
# in-place variants

_INPLACE_PRIM = {add: "add", sub: "subtract", mul: "multiply"}


def inplace(fn: Callable[..., Tensor], self: Tensor, *args: Any, _overlap_ok: bool = False, **kwargs: Any) -> Tensor:
    """Run ``fn`` as an in-place op on ``self``: values written into its storage, history rebased.
    ``_overlap_ok``: ``fn`` writes one value everywhere, so ``self`` may be an ``expand``ed view."""
    check_inplace(self, _overlap_ok)
    if needs_grad(self, *args):
        r = fn(inplace_source(self), *args, **kwargs)
        _check_inplace_result(self, r)
        return rebase_inplace(self, r)
    prev = GRAD.enabled
    GRAD.enabled = False
    try:
        prim = _INPLACE_PRIM.get(fn)
        alpha = kwargs.get("alpha", 1)
        if prim is not None and len(args) == 1 and self._device._be.mutable and set(kwargs) <= {"alpha"}:
            other = args[0]
            if prim == "subtract":
                _check_bool_sub(self, other)
            be, dev, a, b, dt = prep(self, other)
            if alpha != 1 and prim != "multiply":
                b = _times_alpha(be, b, alpha, dt)
            if dt is self.dtype and a is self._data and (not hasattr(b, "shape") or b.shape == a.shape
                                                         or _broadcasts_to(b.shape, a.shape)):
                arr = materialize(self)
                try:
                    getattr(be, prim)(arr, b, out=arr)
                except RuntimeWarning:
                    pass  # NOTE: NumPy warns after the ufunc has written every element: arr holds IEEE's result
                bump_version(self)
                return self
        r = fn(self, *args, **kwargs)
    finally:
        GRAD.enabled = prev
    _check_inplace_result(self, r)
    from ._dispatch import write

    write(self, r._data)
    return self


def _broadcasts_to(src: tuple[int, ...], dst: tuple[int, ...]) -> bool:
    if len(src) > len(dst):
        return False
    for s, d in zip(reversed(src), reversed(dst)):
        if s != d and s != 1:
            return False
    return True


def _check_inplace_result(self: Tensor, r: Tensor) -> None:
    if r._data.shape != self._data.shape:
        if not _broadcasts_to(r._data.shape, self._data.shape):
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                               f"{list(r._data.shape)}")
    if r.dtype is not self.dtype and not _dt.can_cast(r.dtype, self.dtype):
        raise RuntimeError(f"result type {type_name(r.dtype)} can't be cast to the desired output type "
                           f"{type_name(self.dtype)}")
