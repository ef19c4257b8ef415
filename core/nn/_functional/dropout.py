"""Dropout: elementwise and channel-wise (1-3 d), alpha dropout; masks come from the device's generator."""

from __future__ import annotations

import warnings

from ...ops.elementwise import inplace as _inplace
from ...ops.random import bernoulli
from ...tensor import Tensor


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply(input: Tensor, mask_shape: tuple[int, ...], p: float, inplace: bool) -> Tensor:
    if p == 1.0:
        scale = input.new_zeros(mask_shape)
    else:
        # bernoulli draws on the input's device, with that backend's generator (docs/architecture.md §5)
        keep = bernoulli(input.new_empty(mask_shape), 1.0 - p)
        scale = keep * (1.0 / (1.0 - p))
    if inplace:
        return _inplace(lambda x, s: x * s, input, scale)
    return input * scale


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """dropout(input, p=0.5, training=True, inplace=False) -> Tensor: zero elements with probability ``p`` and
    scale the rest by ``1 / (1 - p)``."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply(input, tuple(input.shape), p, inplace)


def _feature(input: Tensor, p: float, training: bool, inplace: bool, nd: int, name: str) -> Tensor:
    _check_p(p)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"{name}: Expected {nd + 1}D or {nd + 2}D input, but received a {input.ndim}D input. Note "
            f"that {name} exists to provide channel-wise dropout on inputs with {nd} spatial "
            f"dimension{'s' if nd > 1 else ''}, a channel dimension, and an optional batch dimension "
            f"(i.e. {nd + 1}D or {nd + 2}D inputs)."
        )
    if not training or p == 0.0:
        return input
    batched = input.ndim == nd + 2
    lead = tuple(input.shape[:2]) if batched else tuple(input.shape[:1])
    return _apply(input, lead + (1,) * nd, p, inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """dropout1d(input, p=0.5, training=True, inplace=False) -> Tensor: zero whole channels of (N, C, L)
    input."""
    return _feature(input, p, training, inplace, 1, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """dropout2d(input, p=0.5, training=True, inplace=False) -> Tensor: zero whole channels of (N, C, H, W)
    input."""
    _check_p(p)
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will result "
            "in an error in a future release. To retain the behavior and silence this warning, please use "
            "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
            "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
            "inputs).",
            UserWarning,
            stacklevel=2,
        )
    if input.ndim == 3:
        # PyTorch treats 3-D input to dropout2d as batched 1-d (N, C, L) for backward compatibility
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
            "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
            "will change in a future release to interpret the input as one without a batch dimension, i.e. "
            "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
            "dropout1d instead.",
            UserWarning,
            stacklevel=2,
        )
    if not training or p == 0.0:
        return input
    if input.ndim < 2:
        return _apply(input, tuple(input.shape), p, inplace)
    return _apply(input, tuple(input.shape[:2]) + (1,) * (input.ndim - 2), p, inplace)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """dropout3d(input, p=0.5, training=True, inplace=False) -> Tensor: zero whole channels of (N, C, D, H,
    W)."""
    return _feature(input, p, training, inplace, 3, "dropout3d")


_ALPHA = 1.6732632423543772848170429916717
_SCALE = 1.0507009873554804934193349852946


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """alpha_dropout(input, p=0.5, training=False, inplace=False) -> Tensor: dropout that keeps SELU's
    self-normalizing mean and variance."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        out = input * input.new_zeros(())  # a zero of the input's dtype: integers and bools keep theirs
    else:
        alpha_p = -_ALPHA * _SCALE
        keep = bernoulli(input.new_empty(tuple(input.shape)), 1.0 - p)
        a = ((1 - p) * (1 + p * alpha_p * alpha_p)) ** -0.5
        b = -a * alpha_p * p
        out = (input * keep + alpha_p * (1 - keep)) * a + b
    if inplace:
        return _inplace(lambda x, o: o, input, out)
    return out


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """feature_alpha_dropout(input, p=0.5, training=False, inplace=False) -> Tensor: alpha dropout of whole
    channels (dim 1), each set to SELU's negative saturation value."""
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if p == 1.0:
        out = input * input.new_zeros(())  # a zero of the input's dtype: integers and bools keep theirs
    else:
        alpha = 1.7580993408473766
        keep = bernoulli(input.new_empty(tuple(input.shape[:2]) + (1,) * (input.ndim - 2)), 1.0 - p)
        a = 1.0 / ((alpha * alpha * p + 1) * (1 - p)) ** 0.5
        b = (keep - 1) * (alpha * a) + alpha * a * p
        out = input * (keep * a) + b
    if inplace:
        return _inplace(lambda x, o: o, input, out)
    return out
