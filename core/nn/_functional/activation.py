"""Activation functions: relu family, smooth activations, softmax family, prelu, and in-place variants.

Optional fused kernels (docs/architecture.md §4), used when the input's backend defines them, on raw arrays:
``softmax(a, axis) -> array`` and ``log_softmax(a, axis) -> array`` (forward only; the backward is
written with Tensor ops from the saved output).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from ... import dtypes as _dt
from ..._runtime import finfo
from ...amp._state import AUTOCAST, autocast_call
from ...autograd.function import Function
from ...ops._dispatch import type_name
from ...ops.creation import checked_convert
from ...ops.elementwise import inplace as _inplace
from ...ops.elementwise import where
from ...ops.unary import relu as _relu
from ...ops.unary import sigmoid as _sigmoid
from ...ops.unary import silent
from ...ops.unary import tanh as _tanh
from ...tensor import Tensor, _wrap, _wrap_dim
from ._nodes import composite, pointwise
from ._utils import floats_only, fused, node_name


def _maybe_inplace(fn: Callable[..., Tensor], input: Tensor, inplace: bool, *args: Any) -> Tensor:
    """``fn(input, *args)``, written into ``input`` (history rebased) when ``inplace``."""
    if inplace:
        return _inplace(fn, input, *args)
    return fn(input, *args)


# ---------------------------------------------------------------------------------------------
# piecewise-linear


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """relu(input, inplace=False) -> Tensor: ``max(0, x)`` elementwise."""
    return _maybe_inplace(_relu, input, inplace)


def relu_(input: Tensor) -> Tensor:
    """relu_(input) -> Tensor: in-place ``relu``."""
    return _inplace(_relu, input)


class _Hardtanh(Function):
    # NOTE: a Function, not clamp: PyTorch's hardtanh passes no gradient at the bounds (clamp does).
    @staticmethod
    def forward(ctx: Any, x: Tensor, lo: float, hi: float) -> Tensor:
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return x.clamp(lo, hi)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        (x,) = ctx.saved_tensors
        return g * ((x > ctx.lo) & (x < ctx.hi)), None, None


node_name(_Hardtanh, "HardtanhBackward0")


def _hardtanh(x: Tensor, lo: float, hi: float) -> Tensor:
    return _Hardtanh.apply(x, lo, hi)


def _int_limits(x: Tensor, lo: float, hi: float) -> tuple[Any, Any]:
    """hardtanh's limits in an integer ``x``'s dtype, truncated as C++ casts them (so the result keeps the
    dtype); PyTorch refuses bool, negative limits of an unsigned type and limits the dtype cannot hold."""
    dt = x.dtype
    if dt is _dt.bool:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if dt.is_floating_point or dt.is_complex:
        return lo, hi
    if not dt.is_signed:
        if math.trunc(lo) < 0 or math.trunc(hi) < 0:
            raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
        lo, hi = math.trunc(lo), math.trunc(hi)
    return math.trunc(checked_convert(lo, dt)), math.trunc(checked_convert(hi, dt))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """hardtanh(input, min_val=-1., max_val=1., inplace=False) -> Tensor: clamp to ``[min_val, max_val]``."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    min_val, max_val = _int_limits(input, min_val, max_val)
    return _maybe_inplace(_hardtanh, input, inplace, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """hardtanh_(input, min_val=-1., max_val=1.) -> Tensor: in-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(input, inplace=False) -> Tensor: ``min(max(0, x), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _leaky_f(x: Tensor, slope: float) -> Tensor:
    return where(x > 0, x, x * slope)


def _leaky(x: Tensor, slope: float, name: str = "LeakyReluBackward0") -> Tensor:
    return pointwise(name, _leaky_f, lambda v, a: where(v > 0, 1.0, a).to(v.dtype), x, slope)


# PyTorch's in-place elu/celu/leaky_relu/threshold nodes (their backward reads the output) end in Backward1
_IP_LEAKY, _IP_THRESHOLD, _IP_ELU, _IP_CELU = (
    "LeakyReluBackward1", "ThresholdBackward1", "EluBackward1", "CeluBackward1"
)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """leaky_relu(input, negative_slope=0.01, inplace=False) -> Tensor: ``x > 0 ? x : slope * x``."""
    floats_only(input, "leaky_relu_cpu")
    if inplace:
        return _inplace(_leaky, input, negative_slope, _IP_LEAKY)
    return _leaky(input, negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """leaky_relu_(input, negative_slope=0.01) -> Tensor: in-place ``leaky_relu``."""
    floats_only(input, "leaky_relu_cpu")
    return _inplace(_leaky, input, negative_slope, _IP_LEAKY)


def _threshold_f(x: Tensor, threshold: float, value: float) -> Tensor:
    # NOTE: `x <= threshold ? value : x`, PyTorch's kernel: NaN is not replaced
    return where(x <= threshold, value, x)


def _threshold(x: Tensor, threshold: float, value: float, name: str = "ThresholdBackward0") -> Tensor:
    if x.dtype is _dt.bool:
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    if not x.dtype.is_floating_point:
        # both scalars take the integer dtype (C++ casts truncate; out-of-range ones raise), so does the result
        threshold, value = math.trunc(checked_convert(threshold, x.dtype)), math.trunc(checked_convert(value, x.dtype))
    return pointwise(name, _threshold_f, lambda v, t, _: (~(v <= t)).to(v.dtype), x, threshold, value)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """threshold(input, threshold, value, inplace=False) -> Tensor: ``x > threshold ? x : value``."""
    if inplace:
        return threshold_(input, threshold, value)
    return _threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """threshold_(input, threshold, value) -> Tensor: in-place ``threshold``."""
    # NOTE: PyTorch's threshold_ alone skips the internal-overlap check, so an expanded view is accepted (every
    # element sharing a location computes the same value from it)
    return _inplace(_threshold, input, threshold, value, _IP_THRESHOLD, _overlap_ok=True)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """hardsigmoid(input, inplace=False) -> Tensor: ``relu6(x + 3) / 6``."""
    return _maybe_inplace(_hardsigmoid, input, inplace)


def _hardsigmoid(x: Tensor) -> Tensor:
    floats_only(x, "hardsigmoid_cpu")
    return pointwise(
        "HardsigmoidBackward0",
        lambda v: (v + 3.0).clamp(0.0, 6.0) / 6.0,
        lambda v: ((v > -3.0) & (v < 3.0)).to(v.dtype) / 6.0,
        x,
    )


def _hardswish(x: Tensor) -> Tensor:
    # PyTorch's derivative: 0 below -3, x / 3 + 1/2 up to 3 (inclusive), 1 above
    floats_only(x, "hardswish_cpu")
    return pointwise(
        "HardswishBackward0",
        lambda v: v * ((v + 3.0).clamp(0.0, 6.0) / 6.0),
        lambda v: where(v < -3.0, 0.0, where(v <= 3.0, v / 3.0 + 0.5, 1.0)),
        x,
    )


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """hardswish(input, inplace=False) -> Tensor: ``x * relu6(x + 3) / 6``."""
    return _maybe_inplace(_hardswish, input, inplace)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """hardshrink(input, lambd=0.5) -> Tensor: ``x`` where ``|x| > lambd``, else 0."""
    floats_only(input, "hardshrink_cpu")
    # NOTE: PyTorch's kernel is `-lambd <= x <= lambd ? 0 : x`, so NaN passes through
    return pointwise(
        "HardshrinkBackward0",
        lambda v, lam: where((v >= -lam) & (v <= lam), 0.0, v),
        lambda v, lam: (~((v >= -lam) & (v <= lam))).to(v.dtype),
        input,
        lambd,
    )


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """softshrink(input, lambd=0.5) -> Tensor: shrink ``x`` towards 0 by ``lambd``."""
    floats_only(input, "softshrink_check")
    top = finfo(input.dtype).max
    if not 0 <= lambd <= top:
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype "
                           f"{type_name(input.dtype)}, but found {lambd:g}")
    # NOTE: the middle branch is x * 0, as in PyTorch's kernel, so NaN passes through
    return pointwise(
        "SoftshrinkBackward0",
        lambda v, lam: where(v > lam, v - lam, where(v < -lam, v + lam, v * 0)),
        lambda v, lam: ((v > lam) | (v < -lam)).to(v.dtype),
        input,
        lambd,
    )


# ---------------------------------------------------------------------------------------------
# smooth activations


def _elu_f(x: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    # NOTE: expm1 of the clamped input, so the branch `where` discards cannot overflow to inf
    neg = (x.clamp(max=0.0) * input_scale).expm1() * alpha
    out = where(x > 0, x, neg)
    return out * scale if scale != 1.0 else out


def _elu_df(x: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    neg = (x.clamp(max=0.0) * input_scale).exp() * (alpha * input_scale * scale)
    return where(x > 0, scale, neg)


def _elu(
    x: Tensor, alpha: float, scale: float = 1.0, input_scale: float = 1.0, name: str = "EluBackward0"
) -> Tensor:
    floats_only(x, "elu_cpu")
    return pointwise(name, _elu_f, _elu_df, x, alpha, scale, input_scale)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """elu(input, alpha=1.0, inplace=False) -> Tensor: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    if inplace:
        return _inplace(_elu, input, alpha, 1.0, 1.0, _IP_ELU)
    return _elu(input, alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """elu_(input, alpha=1.) -> Tensor: in-place ``elu``."""
    return _inplace(_elu, input, alpha, 1.0, 1.0, _IP_ELU)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """selu(input, inplace=False) -> Tensor: ``scale * elu(x, alpha)`` with the self-normalizing constants."""
    if inplace:
        return _inplace(_elu, input, _SELU_ALPHA, _SELU_SCALE, 1.0, _IP_ELU)
    return _elu(input, _SELU_ALPHA, _SELU_SCALE)


def selu_(input: Tensor) -> Tensor:
    """selu_(input) -> Tensor: in-place ``selu``."""
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """celu(input, alpha=1., inplace=False) -> Tensor: ``max(0, x) + min(0, alpha * expm1(x / alpha))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    name = _IP_CELU if inplace else "CeluBackward0"
    return _maybe_inplace(_elu, input, inplace, alpha, 1.0, 1.0 / alpha, name)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """celu_(input, alpha=1.) -> Tensor: in-place ``celu``."""
    return celu(input, alpha, inplace=True)


_SQRT_HALF = math.sqrt(0.5)
_SQRT_2_PI = math.sqrt(2.0 / math.pi)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """gelu(input, approximate='none') -> Tensor: ``x * Phi(x)``, or its tanh approximation."""
    if approximate in ("none", "tanh"):
        floats_only(input, "GeluKernelImpl")
    if approximate == "none":
        return pointwise("GeluBackward0", _gelu_f, _gelu_df, input)
    if approximate == "tanh":
        return pointwise("GeluBackward0", _gelu_tanh_f, _gelu_tanh_df, input)
    raise RuntimeError("approximate argument must be either none or tanh.")


_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _in_float32(fn: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    """``fn`` computed in float32 for a half-precision input and rounded once, as PyTorch's kernels do (half
    steps lose the small tail: 1 + erf(-1.95) keeps 3 digits)."""

    def run(x: Tensor) -> Tensor:
        if x.dtype in (_dt.float16, _dt.bfloat16):
            return fn(x.float()).to(x.dtype)
        return fn(x)

    return run


@_in_float32
def _gelu_f(x: Tensor) -> Tensor:
    return x * 0.5 * (1.0 + (x * _SQRT_HALF).erf())


def _gelu_df(x: Tensor) -> Tensor:
    return 0.5 * (1.0 + (x * _SQRT_HALF).erf()) + x * (x * x * -0.5).exp() * _INV_SQRT_2PI


@_in_float32
def _gelu_tanh_f(x: Tensor) -> Tensor:
    inner = _SQRT_2_PI * (x + 0.044715 * x * x * x)
    return 0.5 * x * (1.0 + inner.tanh())


def _gelu_tanh_df(x: Tensor) -> Tensor:
    t = (_SQRT_2_PI * (x + 0.044715 * x * x * x)).tanh()
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _SQRT_2_PI * (1.0 + 3 * 0.044715 * x * x)


def sigmoid(input: Tensor) -> Tensor:
    """sigmoid(input) -> Tensor: ``1 / (1 + exp(-x))``."""
    return _sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """tanh(input) -> Tensor: hyperbolic tangent."""
    return _tanh(input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """silu(input, inplace=False) -> Tensor: ``x * sigmoid(x)``."""
    return _maybe_inplace(_silu, input, inplace)


def _silu_df(x: Tensor) -> Tensor:
    s = _sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


def _silu(x: Tensor) -> Tensor:
    floats_only(x, "silu_cpu")
    return pointwise("SiluBackward0", lambda v: v * _sigmoid(v), _silu_df, x)


def _softplus(x: Tensor, beta: float, threshold: float) -> Tensor:
    bx = x * beta if beta != 1 else x
    soft = bx.clamp(max=threshold).exp().log1p()
    if beta != 1:
        soft = soft / beta
    return where(bx > threshold, x, soft)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """softplus(input, beta=1, threshold=20) -> Tensor: ``log(1 + exp(beta * x)) / beta``, linear above
    threshold."""
    if AUTOCAST.on:
        return autocast_call("softplus", softplus, input, beta, threshold)
    floats_only(input, "softplus_cpu")
    return pointwise(
        "SoftplusBackward0",
        _softplus,
        lambda v, b, t: where(v * b > t, 1.0, _sigmoid(v * b)),
        input,
        beta,
        threshold,
    )


def _mish_df(x: Tensor) -> Tensor:
    t = _softplus(x, 1.0, 20.0).tanh()
    return t + x * (1.0 - t * t) * _sigmoid(x)


def _mish(x: Tensor) -> Tensor:
    floats_only(x, "mish_cpu")
    return pointwise("MishBackward0", lambda v: v * _softplus(v, 1.0, 20.0).tanh(), _mish_df, x)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """mish(input, inplace=False) -> Tensor: ``x * tanh(softplus(x))``."""
    return _maybe_inplace(_mish, input, inplace)


def logsigmoid(input: Tensor) -> Tensor:
    """logsigmoid(input) -> Tensor: ``log(sigmoid(x))``, computed stably."""
    floats_only(input, "log_sigmoid_cpu")
    return pointwise(
        "LogSigmoidBackward0", lambda v: -_softplus(-v, 1.0, 20.0), lambda v: _sigmoid(-v), input
    )


def softsign(input: Tensor) -> Tensor:
    """softsign(input) -> Tensor: ``x / (1 + |x|)``."""
    return input / (1 + input.abs())


def tanhshrink(input: Tensor) -> Tensor:
    """tanhshrink(input) -> Tensor: ``x - tanh(x)``."""
    return input - input.tanh()


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """glu(input, dim=-1) -> Tensor: ``a * sigmoid(b)`` for the two halves ``a, b`` of ``dim``."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = _wrap_dim(dim, input.ndim)
    if input.shape[dim] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size {input.shape[dim]}")
    floats_only(input, "glu_cpu")
    return composite("GluBackward0", _glu, (input,), (dim,))


def _glu(x: Tensor, dim: int) -> Tensor:
    # NOTE: narrow, not chunk: chunk of an empty dim gives one piece, not two
    half = x.shape[dim] // 2
    return x.narrow(dim, 0, half) * _sigmoid(x.narrow(dim, half, half))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """prelu(input, weight) -> Tensor: ``x > 0 ? x : weight * x``, a weight per channel (dim 1)."""
    if AUTOCAST.on:
        return autocast_call("prelu", prelu, input, weight)
    floats_only(input, "prelu_cpu")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    n = weight.numel()
    if n != 1 and (input.ndim < 2 or weight.ndim != 1 or n != input.shape[1]):
        channels = input.shape[1] if input.ndim >= 2 else 1
        raise RuntimeError(
            f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
            f"and channel size = {channels}."
        )
    return composite("PreluKernelBackward0", _prelu, (input, weight))


def _prelu(input: Tensor, weight: Tensor) -> Tensor:
    n = weight.numel()
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if weight.ndim != 1 or n != channels:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
                f"and channel size = {channels}."
            )
        weight = weight.reshape((1, n) + (1,) * (input.ndim - 2))
    elif weight.ndim > input.ndim:
        weight = weight.reshape(())
    return where(input > 0, input, weight * input)


# ---------------------------------------------------------------------------------------------
# softmax family


def _softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as "
        "an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _prep(input: Tensor, dim: int | None, dtype: _dt.dtype | None, name: str) -> tuple[Tensor, int]:
    if dim is None:
        dim = _softmax_dim(name, input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    elif not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{name}_lastdim_kernel_impl\" not implemented for '{type_name(input.dtype)}'")
    return input, _wrap_dim(dim, input.ndim)


class _Softmax(Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int) -> Tensor:
        kernel = fused(x, "softmax")
        if x.numel() == 0:  # an empty dim has no max to subtract; nothing to normalize
            y = x * 1
        elif kernel is not None:
            y = _wrap(kernel(x._data, dim), x.dtype, x._device)
        elif x.ndim == 0:
            y = x * 0 + 1
        else:
            e = (x - x.amax(dim, keepdim=True)).exp()
            y = e / e.sum(dim, keepdim=True)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(ctx.dim, keepdim=True)), None


class _LogSoftmax(Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int) -> Tensor:
        kernel = fused(x, "log_softmax")
        if x.numel() == 0:  # an empty dim has no max to subtract; nothing to normalize
            y = x * 1
        elif kernel is not None:
            y = _wrap(kernel(x._data, dim), x.dtype, x._device)
        elif x.ndim == 0:
            y = x * 0
        else:
            z = x - x.amax(dim, keepdim=True)
            y = z - z.exp().sum(dim, keepdim=True).log()
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        (y,) = ctx.saved_tensors
        return g - y.exp() * g.sum(ctx.dim, keepdim=True), None


node_name(_Softmax, "SoftmaxBackward0")
node_name(_LogSoftmax, "LogSoftmaxBackward0")


@silent
def softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: _dt.dtype | None = None
) -> Tensor:
    """softmax(input, dim=None, _stacklevel=3, dtype=None) -> Tensor: ``exp(x) / sum(exp(x))``."""
    if AUTOCAST.on:
        return autocast_call("softmax", softmax, input, dim, _stacklevel, dtype)
    x, d = _prep(input, dim, dtype, "softmax")
    return _Softmax.apply(x, d)


@silent
def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: _dt.dtype | None = None
) -> Tensor:
    """log_softmax(input, dim=None, _stacklevel=3, dtype=None) -> Tensor: ``log(softmax(x))``, computed
    stably."""
    if AUTOCAST.on:
        return autocast_call("log_softmax", log_softmax, input, dim, _stacklevel, dtype)
    x, d = _prep(input, dim, dtype, "log_softmax")
    return _LogSoftmax.apply(x, d)


@silent
def softmin(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: _dt.dtype | None = None
) -> Tensor:
    """softmin(input, dim=None, _stacklevel=3, dtype=None) -> Tensor: ``softmax(-x)`` along ``dim``."""
    x, d = _prep(input, dim, dtype, "softmin")
    return _Softmax.apply(-x, d)
