"""Elementwise unary math (exp, log, sin, sigmoid, relu, ...) and predicates (isnan, ...), with their backward.

Each op's forward (a backend primitive on raw arrays) sits next to its gradient formula
(Tensor ops, so higher-order gradients work on every backend).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..amp._state import AUTOCAST, autocast_call
from ..autograd.grad_mode import GRAD
from ..autograd.graph import Node
from ..tensor import Tensor, _wrap
from ._dispatch import (
    handle_out,
    record,
    type_name,
)
from .elementwise import _quiet


def silent(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` run again quietly when its first run raises a floating-point ``RuntimeWarning`` (see
    ``elementwise._quiet``): for the composite ops (lgamma, acosh, softmax, ...) whose intermediate steps may
    meet inf and NaN, where PyTorch's fused kernels compute silently."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RuntimeWarning:
            return _quiet(lambda: fn(*args, **kwargs))

    return call


class _UnaryNode(Node):
    uses_output = False

    def backward(self, g: Tensor) -> Any:
        (v,) = self.saved_tensors
        assert v is not None
        if v.dtype.is_complex:
            # NOTE: the formulas are f'(z) of functions with real Taylor coefficients, so f'(conj z) = conj(f'(z)):
            # evaluating at conj(v) gives PyTorch's g * conj(f'(z)) (abs and the non-holomorphic ops refuse complex)
            v = v.conj()  # type: ignore[attr-defined]
        return self.formula(g, v)

    @staticmethod
    def formula(g: Tensor, v: Tensor) -> Tensor:
        raise NotImplementedError


_LN2, _LN10, _2_SQRTPI = math.log(2.0), math.log(10.0), 2.0 / math.sqrt(math.pi)

# name: (backend primitive, torch node name, float-only (ints promote), uses output, formula(g, v))
_UNARY: dict[str, tuple[str, str, bool, bool, Callable[[Tensor, Tensor], Tensor]]] = {
    "neg": ("negative", "NegBackward0", False, False, lambda g, x: -g),
    "abs": ("abs", "AbsBackward0", False, False, lambda g, x: g * x.sign()),
    "exp": ("exp", "ExpBackward0", True, True, lambda g, y: g * y),
    "log": ("log", "LogBackward0", True, False, lambda g, x: g / x),
    "log2": ("log2", "Log2Backward0", True, False, lambda g, x: g / (x * _LN2)),
    "log10": ("log10", "Log10Backward0", True, False, lambda g, x: g / (x * _LN10)),
    "log1p": ("log1p", "Log1PBackward0", True, False, lambda g, x: g / (x + 1)),
    "expm1": ("expm1", "Expm1Backward0", True, True, lambda g, y: g * (y + 1)),
    "sqrt": ("sqrt", "SqrtBackward0", True, True, lambda g, y: g / (2 * y)),
    "sin": ("sin", "SinBackward0", True, False, lambda g, x: g * x.cos()),
    "cos": ("cos", "CosBackward0", True, False, lambda g, x: -g * x.sin()),
    "tan": ("tan", "TanBackward0", True, True, lambda g, y: g * (1 + y * y)),
    "asin": ("asin", "AsinBackward0", True, False, lambda g, x: g / (1 - x * x).sqrt()),
    "acos": ("acos", "AcosBackward0", True, False, lambda g, x: -g / (1 - x * x).sqrt()),
    "atan": ("atan", "AtanBackward0", True, False, lambda g, x: g / (1 + x * x)),
    "sinh": ("sinh", "SinhBackward0", True, False, lambda g, x: g * x.cosh()),
    "cosh": ("cosh", "CoshBackward0", True, False, lambda g, x: g * x.sinh()),
    "tanh": ("tanh", "TanhBackward0", True, True, lambda g, y: g * (1 - y * y)),
    "erf": ("erf", "ErfBackward0", True, False, lambda g, x: g * _2_SQRTPI * (-(x * x)).exp()),
    "floor": ("floor", "FloorBackward0", False, False, lambda g, x: g * 0),
    "ceil": ("ceil", "CeilBackward0", False, False, lambda g, x: g * 0),
    "round": ("round", "RoundBackward0", False, False, lambda g, x: g * 0),
    "trunc": ("trunc", "TruncBackward0", False, False, lambda g, x: g * 0),
    "sign": ("sign", "SignBackward0", False, False, lambda g, x: g * 0),
    "square": ("square", "PowBackward0", False, False, lambda g, x: g * 2 * x),
}

_NODES: dict[str, type[_UnaryNode]] = {}

# unary ops PyTorch refuses on complex tensors, with its NotImplementedError message
_NO_COMPLEX = {
    "floor": "floor is not supported for complex inputs", "ceil": "ceil is not supported for complex inputs",
    "trunc": "trunc is not supported for complex inputs", "round": "\"round_vml_cpu\" not implemented for '{}'",
    "erf": "\"erf_vml_cpu\" not implemented for '{}'",
    "sign": "Unlike NumPy, torch.sign is not intended to support complex numbers. Please use torch.sgn instead.",
}

# unary ops PyTorch refuses on bool tensors: the name of the CPU kernel its NotImplementedError gives
_NO_BOOL = {"abs": "abs_cpu", "floor": "floor_vml_cpu", "ceil": "ceil_vml_cpu", "trunc": "trunc_vml_cpu",
            "round": "round_vml_cpu"}


def _make_unary(name: str) -> Callable[..., Tensor]:
    prim, node_name, float_only, uses_out, formula = _UNARY[name]
    node_cls = _NODES.get(node_name + name)
    if node_cls is None:
        node_cls = type(node_name, (_UnaryNode,), {"formula": staticmethod(formula), "uses_output": uses_out})
        _NODES[node_name + name] = node_cls

    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        if AUTOCAST.on:
            return autocast_call(name, op, input, out=out)
        dev = input._device
        be = dev._be
        a = input._data
        dt = input.dtype
        if dt.is_complex:
            if name == "abs":
                from .complex import complex_abs

                return handle_out(complex_abs(input), out) if out is not None else complex_abs(input)
            if name in _NO_COMPLEX:
                raise NotImplementedError(_NO_COMPLEX[name].format(type_name(dt)))
        if float_only and dt._category < 2:
            dt = _dt.get_default_dtype()
            a = be.astype(a, dt)
        elif dt is _dt.bool and name in ("neg",):
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                               "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        elif dt is _dt.bool and name in _NO_BOOL:
            raise NotImplementedError(f"\"{_NO_BOOL[name]}\" not implemented for 'Bool'")
        elif dt is _dt.bool and name == "square":
            # PyTorch squares as pow(x, 2), which promotes bool to int64
            dt = _dt.int64
            a = be.astype(a, dt)
        kernel = getattr(be, prim)
        half = float_only and dt.itemsize == 2
        try:
            # float16/bfloat16: computed in float32 and rounded once, as PyTorch's CPU kernels do
            data = be.astype(kernel(be.astype(a, _dt.float32)), dt) if half else kernel(a)
        except RuntimeWarning:
            data = _quiet(lambda: be.astype(kernel(be.astype(a, _dt.float32)), dt) if half else kernel(a))
        r = _wrap(data, dt, dev)
        if input._rg and GRAD.enabled:
            node = node_cls()
            if uses_out:
                node.save(outputs=(r,))
            else:
                node.save(input)
            record(r, node, input)
        return handle_out(r, out) if out is not None else r

    op.__name__ = name
    op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}``."
    return op


neg = _make_unary("neg")
negative = neg
abs = _make_unary("abs")  # noqa: A001
absolute = abs
exp = _make_unary("exp")
log = _make_unary("log")
log2 = _make_unary("log2")
log10 = _make_unary("log10")
log1p = _make_unary("log1p")
expm1 = _make_unary("expm1")
sqrt = _make_unary("sqrt")
sin = _make_unary("sin")
cos = _make_unary("cos")
tan = _make_unary("tan")
asin = arcsin = _make_unary("asin")
acos = arccos = _make_unary("acos")
atan = arctan = _make_unary("atan")
sinh = _make_unary("sinh")
cosh = _make_unary("cosh")
tanh = _make_unary("tanh")
erf = _make_unary("erf")
floor = _make_unary("floor")
ceil = _make_unary("ceil")
trunc = _make_unary("trunc")
fix = trunc
sign = _make_unary("sign")
square = _make_unary("square")
_round0 = _make_unary("round")


def round(input: Tensor, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:  # noqa: A001
    """Round half to even, optionally to ``decimals`` decimal places."""
    if decimals == 0:
        return _round0(input, out=out)
    return handle_out(_round_decimals(input, decimals), out)


@silent
def _round_decimals(x: Tensor, decimals: int) -> Tensor:
    """PyTorch's kernel: ``nearbyint(x * 10**d) / 10**d`` (``nearbyint(x / 10**-d) * 10**-d`` for d < 0), in
    float32 for half precision. Its overflows carry over: a product past the dtype's max rounds to inf, and a
    scale past it (``d`` beyond the dtype's range) is inf and makes every element NaN."""
    dt = x.dtype
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"round_cpu\" not implemented for '{type_name(dt)}'")
    op = x.to(_dt.float32) if dt.itemsize == 2 else x
    try:
        scale = 10.0 ** (-decimals if decimals < 0 else decimals)
    except OverflowError:
        scale = math.inf
    r = _round0(op / scale) * scale if decimals < 0 else _round0(op * scale) / scale
    return r if r.dtype is dt else r.to(dt)


class RsqrtBackward0(_UnaryNode):
    @staticmethod
    def formula(g: Tensor, y: Tensor) -> Tensor:
        return -0.5 * g * y * y * y


class ReciprocalBackward0(_UnaryNode):
    @staticmethod
    def formula(g: Tensor, y: Tensor) -> Tensor:
        return -g * y * y


class SigmoidBackward0(_UnaryNode):
    @staticmethod
    def formula(g: Tensor, y: Tensor) -> Tensor:
        return g * y * (1 - y)


class ReluBackward0(_UnaryNode):
    @staticmethod
    def formula(g: Tensor, y: Tensor) -> Tensor:
        if GRAD.enabled:  # create_graph: differentiable in g
            return g * (y > 0)
        # NOTE: straight through the backend, skipping two Tensor ops and their dispatch; an optional
        # `relu_backward(g, y)` kernel may fuse it further. The mask is cast explicitly because the array API
        # does not promote bool with float (and where() is ~10x slower than a multiply on NumPy).
        be = g._device._be
        k = getattr(be, "relu_backward", None)
        if k is not None:
            return _wrap(k(g._data, y._data), g.dtype, g._device)
        return _wrap(be.multiply(g._data, be.astype(be.greater(y._data, 0), g.dtype)), g.dtype, g._device)


def _float_unary(input: Tensor, compute: Callable[[Any, Any], Any], node_cls: type[_UnaryNode],
                 out: Tensor | None) -> Tensor:
    dev = input._device
    be = dev._be
    dt = input.dtype
    a = input._data
    if dt._category < 2:
        dt = _dt.get_default_dtype()
        a = be.astype(a, dt)
    try:
        data = compute(be, a)
    except RuntimeWarning:
        data = _quiet(lambda: compute(be, a))
    r = _wrap(data, dt, dev)
    if input._rg and GRAD.enabled:
        node = node_cls()
        node.save(outputs=(r,))
        record(r, node, input)
    return handle_out(r, out) if out is not None else r


def rsqrt(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise ``1 / sqrt(input)``."""
    if AUTOCAST.on:
        return autocast_call("rsqrt", rsqrt, input, out=out)
    return _float_unary(input, lambda be, a: be.divide(1, be.sqrt(a)), RsqrtBackward0, out)


def reciprocal(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise ``1 / input``."""
    if AUTOCAST.on:
        return autocast_call("reciprocal", reciprocal, input, out=out)
    return _float_unary(input, lambda be, a: be.divide(1, a), ReciprocalBackward0, out)


def _sigmoid_kernel(be: Any, a: Any) -> Any:
    k = getattr(be, "sigmoid", None)
    if k is not None:
        return k(a)
    # NOTE: exp of a non-positive number only, so large |x| neither overflows nor loses precision
    e = be.exp(be.negative(be.abs(a)))
    return be.where(be.greater_equal(a, 0), be.divide(1, be.add(1, e)), be.divide(e, be.add(1, e)))


def sigmoid(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise logistic sigmoid."""
    if input.dtype.is_complex:  # the stable real kernel compares with 0; complex takes the plain formula
        return _float_unary(input, lambda be, a: be.divide(1, be.add(1, be.exp(be.negative(a)))), SigmoidBackward0,
                            out)
    return _float_unary(input, _sigmoid_kernel, SigmoidBackward0, out)


def relu(input: Tensor) -> Tensor:
    """Elementwise ``max(input, 0)``."""
    if input.dtype is _dt.bool:
        raise RuntimeError("Boolean inputs not supported for relu")
    if input.dtype.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")
    dev = input._device
    be = dev._be
    k = getattr(be, "relu", None)
    data = k(input._data) if k is not None else be.maximum(input._data, 0)
    r = _wrap(data, input.dtype, dev)
    if input._rg and GRAD.enabled:
        node = ReluBackward0()
        node.save(outputs=(r,))
        record(r, node, input)
    return r


def logical_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise logical NOT, returning bool."""
    return handle_out(_wrap(input._device._be.logical_not(input._data), _dt.bool, input._device), out)


def bitwise_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise bitwise NOT of an integer or bool tensor (``~``)."""
    if input.dtype.is_complex:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    if input.dtype.is_floating_point:
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{type_name(input.dtype)}'")
    return handle_out(_wrap(input._device._be.bitwise_invert(input._data), input.dtype, input._device), out)


def _predicate(fname: str) -> Callable[[Tensor], Tensor]:
    finite = fname == "isfinite"

    def op(input: Tensor) -> Tensor:
        if input.dtype._category < 2:
            # bools and integers are never NaN or inf (and the array API standard refuses bool here)
            from .creation import full_like

            return full_like(input, finite, dtype=_dt.bool)
        return _wrap(getattr(input._device._be, fname)(input._data), _dt.bool, input._device)

    op.__name__ = fname
    op.__doc__ = f"Elementwise ``{fname}``, returning a bool tensor."
    return op


isnan = _predicate("isnan")
isinf = _predicate("isinf")
isfinite = _predicate("isfinite")


