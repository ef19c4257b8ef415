"""Randomized activations: ``rrelu`` (random leaky slope in training) and ``gumbel_softmax``."""

from __future__ import annotations

from typing import Any

from ... import dtypes as _dt
from ...autograd.function import Function
from ...ops.creation import zeros_like
from ...ops.elementwise import inplace as _inplace
from ...ops.elementwise import where
from ...tensor import Tensor
from ._utils import floats_only, node_name


class _RReLU(Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, lower: float, upper: float, training: bool) -> Tensor:
        if training:
            slope = x.new_empty(tuple(x.shape)).uniform_(lower, upper)
            noise = where(x >= 0, 1.0, slope).to(x.dtype)
        else:
            noise = where(x >= 0, 1.0, (lower + upper) / 2).to(x.dtype)
        ctx.save_for_backward(noise)
        return x * noise

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        (noise,) = ctx.saved_tensors
        return g * noise, None, None, None


class _RReLUInplace(_RReLU):
    pass


node_name(_RReLU, "RreluWithNoiseBackward0")
node_name(_RReLUInplace, "RreluWithNoiseBackward1")  # PyTorch's in-place node name


def _check_bounds(lower: float, upper: float) -> None:
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")


def rrelu(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False
) -> Tensor:
    """rrelu(input, lower=1./8, upper=1./3, training=False, inplace=False) -> Tensor: leaky relu whose
    negative slope is drawn from U(lower, upper) in training and is their mean otherwise."""
    _check_bounds(lower, upper)
    floats_only(input, "leaky_relu_cpu")
    if training and input.dtype is _dt.float16:
        # PyTorch's training kernel (the random slopes) has no float16 instantiation
        raise NotImplementedError("\"rrelu_with_noise_out_cpu\" not implemented for 'Half'")
    if inplace:
        return _inplace(lambda x: _RReLUInplace.apply(x, lower, upper, training), input)
    return _RReLU.apply(input, lower, upper, training)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """rrelu_(input, lower=1./8, upper=1./3, training=False) -> Tensor: in-place ``rrelu``."""
    return rrelu(input, lower, upper, training, inplace=True)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1) -> Tensor: a sample from the
    Gumbel-softmax distribution (one-hot with a straight-through gradient when ``hard``)."""
    import warnings

    from .activation import softmax

    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -logits.new_empty(tuple(logits.shape)).exponential_().log()
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    y_hard = zeros_like(logits).scatter(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
