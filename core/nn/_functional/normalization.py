"""Normalization: batch/instance norm (with running statistics), layer norm, group norm, RMS norm."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ... import dtypes as _dt
from ...amp._state import AUTOCAST, autocast_call
from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ...tensor import Tensor
from ._utils import floats_only, node_name, prod

#: half-precision dtypes, whose statistics PyTorch's kernels accumulate in float32
_HALF = (_dt.float16, _dt.bfloat16)


def _f32(t: Tensor | None) -> Tensor | None:
    return None if t is None else t.float()


def _stats_back(running: Tensor | None, got: Tensor | None) -> None:
    """Copy running statistics updated in a float32 copy back into the caller's tensor."""
    if running is not None and got is not None and got is not running:
        with no_grad():
            running.copy_(got)


def _check_sizes(c: int, n: int = 1, **tensors: Tensor | None) -> None:
    """PyTorch's per-channel size checks (``n``: instance norm repeats each statistic per sample)."""
    for name, t in tensors.items():
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {n * c} elements not {n * t.numel()}")


def _channel_view(t: Tensor, ndim: int) -> Tensor:
    return t.reshape((1, -1) + (1,) * (ndim - 2))


def _update_running(running: Tensor | None, stat: Tensor, momentum: float) -> None:
    if running is None:
        return
    with no_grad():
        running.mul_(1.0 - momentum).add_(stat.detach().reshape(running.shape) * momentum)


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
    eps=1e-05) -> Tensor: normalize each channel (dim 1) by batch statistics (training) or running ones."""
    if input.ndim < 2:
        raise ValueError(f"Expected 2D or higher input (got {input.ndim}D input)")
    # NOTE: exactly one value per channel: an empty batch normalizes to an empty result, as in PyTorch
    if training and input.shape[0] * prod(input.shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
    if not training and running_mean is None:
        raise RuntimeError("running_mean must be defined in evaluation mode")
    if not training and running_var is None:
        raise RuntimeError("running_var must be defined in evaluation mode")
    _check_sizes(input.shape[1], running_mean=running_mean, running_var=running_var, weight=weight, bias=bias)
    floats_only(input, "batch_norm")
    if input.dtype in _HALF:
        rm, rv = _f32(running_mean), _f32(running_var)
        out = batch_norm(input.float(), rm, rv, _f32(weight), _f32(bias), training, momentum, eps)
        _stats_back(running_mean, rm)
        _stats_back(running_var, rv)
        return out.to(input.dtype)
    if is_grad_enabled() and any(t is not None and t.requires_grad for t in (input, weight, bias)):
        # PyTorch's one node NativeBatchNormBackward0 with its three input edges (None for an absent affine)
        none = input.new_empty(0)
        return _BatchNorm.apply(
            input, weight if weight is not None else none, bias if bias is not None else none,
            (running_mean, running_var), training, momentum, eps, weight is not None, bias is not None,
        )
    return _batch_norm_ref(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _batch_norm_ref(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None,
    bias: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
) -> Tensor:
    ndim = input.ndim
    if training:
        _, xc, var = _batch_stats(input, running_mean, running_var, momentum)
        y = xc * (var + eps).rsqrt()
    else:
        assert running_mean is not None and running_var is not None
        y = (input - _channel_view(running_mean, ndim)) * (_channel_view(running_var, ndim) + eps).rsqrt()
    return _affine(y, weight, bias, ndim)


def _batch_stats(
    x: Tensor, running_mean: Tensor | None, running_var: Tensor | None, momentum: float
) -> tuple[Tensor, Tensor, Tensor]:
    """The per-channel batch ``(mean, x - mean, biased var)``; the running statistics take the unbiased
    variance."""
    n = x.shape[0] * prod(x.shape[2:])
    dims = (0,) + tuple(range(2, x.ndim))
    mean = x.mean(dims, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dims, keepdim=True)
    if n:  # NOTE: an empty batch leaves the running statistics as they were, as in PyTorch
        _update_running(running_mean, mean, momentum)
        _update_running(running_var, var * (n / (n - 1)), momentum)
    return mean, xc, var


def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None, ndim: int) -> Tensor:
    if weight is not None:
        y = y * _channel_view(weight, ndim)
    if bias is not None:
        y = y + _channel_view(bias, ndim)
    return y


class _BatchNorm(Function):
    """Batch norm as one node; the backward is the closed form in Tensor ops (batch statistics recomputed
    from the saved input in training, the running statistics as they were at the forward otherwise)."""

    @staticmethod
    def forward(
        ctx: Any, x: Tensor, w: Tensor, b: Tensor, running: tuple[Tensor | None, Tensor | None], training: bool,
        momentum: float, eps: float, has_w: bool, has_b: bool,
    ) -> Tensor:
        rm, rv = running
        ndim = x.ndim
        if training:
            mean, xc, var = _batch_stats(x, rm, rv, momentum)
            rstd = (var + eps).rsqrt()
        else:
            assert rm is not None and rv is not None
            mean, rstd = _channel_view(rm, ndim).clone(), (_channel_view(rv, ndim) + eps).rsqrt()
            xc = x - mean
        xhat = xc * rstd
        ctx.save_for_backward(x, w)
        # the statistics of this forward, reused by a backward that records no graph
        ctx.args = (training, eps, has_w, has_b, mean, rstd)
        return _affine(xhat, w if has_w else None, b if has_b else None, ndim)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        x, w = ctx.saved_tensors
        training, eps, has_w, has_b, mean, rstd = ctx.args
        ndim = x.ndim
        dims = (0,) + tuple(range(2, ndim))
        if training and is_grad_enabled():
            # create_graph: the statistics as functions of x, so the gradient differentiates again
            mean = x.mean(dims, keepdim=True)
            rstd = (((x - mean) * (x - mean)).mean(dims, keepdim=True) + eps).rsqrt()
        xhat = (x - mean) * rstd
        gw = (g * xhat).sum(dims) if has_w and ctx.needs_input_grad[1] else None
        gb = g.sum(dims) if has_b and ctx.needs_input_grad[2] else None
        gx = None
        if ctx.needs_input_grad[0]:
            gh = g * _channel_view(w, ndim) if has_w else g
            if training:
                gx = rstd * (gh - gh.mean(dims, keepdim=True) - xhat * (gh * xhat).mean(dims, keepdim=True))
            else:
                gx = gh * rstd
        return gx, gw, gb, None, None, None, None, None, None


node_name(_BatchNorm, "NativeBatchNormBackward0")


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
    momentum=0.1, eps=1e-05) -> Tensor: normalize each (sample, channel) over its spatial dims."""
    ndim = input.ndim
    _check_sizes(input.shape[1], input.shape[0], running_mean=running_mean, running_var=running_var,
                 weight=weight, bias=bias)
    floats_only(input, "batch_norm")
    if input.dtype in _HALF:
        rm, rv = _f32(running_mean), _f32(running_var)
        out = instance_norm(input.float(), rm, rv, _f32(weight), _f32(bias), use_input_stats, momentum, eps)
        _stats_back(running_mean, rm)
        _stats_back(running_var, rv)
        return out.to(input.dtype)
    if use_input_stats:
        dims = tuple(range(2, ndim))
        n = prod(input.shape[2:])
        if n <= 1:
            raise ValueError(
                f"Expected more than 1 spatial element when training, got input size {input.shape}"
            )
        mean = input.mean(dims, keepdim=True)
        xc = input - mean
        var = (xc * xc).mean(dims, keepdim=True)
        if running_mean is not None:
            _update_running(running_mean, mean.mean(0), momentum)
        if running_var is not None:
            _update_running(running_var, (var * (n / (n - 1))).mean(0), momentum)
        y = xc * (var + eps).rsqrt()
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                "Expected running_mean and running_var to be defined when use_input_stats is false"
            )
        y = (input - _channel_view(running_mean, ndim)) * (_channel_view(running_var, ndim) + eps).rsqrt()
    return _affine(y, weight, bias, ndim)


def _check_normalized_shape(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
                            bias: Tensor | None = None, sep: str = ", ") -> tuple[int, ...]:
    """PyTorch's checks of ``normalized_shape`` against the input and the affine parameters (``sep``: rms_norm's
    message writes ``[*2]`` where layer_norm's writes ``[*, 2]``)."""
    ns = (
        (int(normalized_shape),)
        if isinstance(normalized_shape, int)
        else tuple(int(s) for s in normalized_shape)
    )
    if not ns:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           f"element, but got normalized_shape = {list(ns)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t.shape)} and normalized_shape = {list(ns)}")
    if tuple(input.shape[input.ndim - len(ns) :]) != ns or input.ndim < len(ns):
        raise RuntimeError(
            f"Given normalized_shape={list(ns)}, expected input with shape [*{sep}"
            f"{', '.join(str(s) for s in ns)}], but got input of size{list(input.shape)}"
        )
    return ns


def layer_norm(
    input: Tensor,
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05) -> Tensor: normalize over the
    trailing ``normalized_shape`` dims."""
    if AUTOCAST.on:
        return autocast_call("layer_norm", layer_norm, input, normalized_shape, weight, bias, eps)
    ns = _check_normalized_shape(input, normalized_shape, weight, bias)
    floats_only(input, "LayerNormKernelImpl")
    if input.dtype in _HALF:
        return layer_norm(input.float(), ns, _f32(weight), _f32(bias), eps).to(input.dtype)
    dims = tuple(range(input.ndim - len(ns), input.ndim))
    if not is_grad_enabled() or not any(t is not None and t.requires_grad for t in (input, weight, bias)):
        return _layer_norm_ref(input, weight, bias, dims, eps)
    # PyTorch's one node NativeLayerNormBackward0 with its three input edges (None for an absent affine)
    none = input.new_empty(0)
    return _LayerNorm.apply(input, weight if weight is not None else none, bias if bias is not None else none,
                            dims, eps, weight is not None, bias is not None)


def _layer_norm_ref(
    x: Tensor, weight: Tensor | None, bias: Tensor | None, dims: tuple[int, ...], eps: float
) -> Tensor:
    mean = x.mean(dims, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dims, keepdim=True)
    y = xc * (var + eps).rsqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


class _LayerNorm(Function):
    """Layer norm as one node; the backward is the closed form, in Tensor ops on the recomputed
    normalized input (so it differentiates again for create_graph)."""

    @staticmethod
    def forward(
        ctx: Any, x: Tensor, w: Tensor, b: Tensor, dims: tuple[int, ...], eps: float, has_w: bool, has_b: bool
    ) -> Tensor:
        ctx.save_for_backward(x, w)
        ctx.args = (dims, eps, has_w, has_b)
        return _layer_norm_ref(x, w if has_w else None, b if has_b else None, dims, eps)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        x, w = ctx.saved_tensors
        dims, eps, has_w, has_b = ctx.args
        mean = x.mean(dims, keepdim=True)
        xc = x - mean
        rstd = ((xc * xc).mean(dims, keepdim=True) + eps).rsqrt()
        xhat = xc * rstd
        lead = tuple(range(x.ndim - len(dims)))
        gw = (g * xhat).sum(lead) if has_w and ctx.needs_input_grad[1] else None
        gb = g.sum(lead) if has_b and ctx.needs_input_grad[2] else None
        gx = None
        if ctx.needs_input_grad[0]:
            gh = g * w if has_w else g
            gx = rstd * (gh - gh.mean(dims, keepdim=True) - xhat * (gh * xhat).mean(dims, keepdim=True))
        return gx, gw, gb, None, None, None, None


node_name(_LayerNorm, "NativeLayerNormBackward0")


_EPS = {
    "float32": 1.1920928955078125e-07,
    "float64": 2.220446049250313e-16,
    "float16": 0.0009765625,
    "bfloat16": 0.0078125,
}


def rms_norm(
    input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor: ``x / sqrt(mean(x^2) + eps)`` over
    the trailing dims (``eps`` defaults to the dtype's machine epsilon)."""
    if AUTOCAST.on:
        return autocast_call("rms_norm", rms_norm, input, normalized_shape, weight, eps)
    ns = _check_normalized_shape(input, normalized_shape, weight, sep="")
    floats_only(input, "rms_norm")
    dims = tuple(range(input.ndim - len(ns), input.ndim))
    if eps is None:
        eps = _EPS.get(input.dtype.name, _EPS["float32"])
    if input.dtype in _HALF:
        return rms_norm(input.float(), ns, _f32(weight), eps).to(input.dtype)
    y = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return y * weight if weight is not None else y


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """group_norm(input, num_groups, weight=None, bias=None, eps=1e-05) -> Tensor: normalize each group of
    channels of each sample."""
    if AUTOCAST.on:
        return autocast_call("group_norm", group_norm, input, num_groups, weight, bias, eps)
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    c = input.shape[1]
    if c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of "
            f"shape {list(input.shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, but "
                               f"got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    floats_only(input, "GroupNormKernelImpl")
    if input.dtype in _HALF:
        return group_norm(input.float(), num_groups, _f32(weight), _f32(bias), eps).to(input.dtype)
    if is_grad_enabled() and any(t is not None and t.requires_grad for t in (input, weight, bias)):
        # PyTorch's one node NativeGroupNormBackward0 with its three input edges (None for an absent affine)
        none = input.new_empty(0)
        return _GroupNorm.apply(input, weight if weight is not None else none, bias if bias is not None else none,
                                num_groups, eps, weight is not None, bias is not None)
    return _group_norm_ref(input, num_groups, weight, bias, eps)


def _group_norm_ref(input: Tensor, groups: int, weight: Tensor | None, bias: Tensor | None, eps: float) -> Tensor:
    x = input.reshape(input.shape[0], groups, _group_size(input, groups))
    mean = x.mean(-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(-1, keepdim=True)
    y = (xc * (var + eps).rsqrt()).reshape(input.shape)
    return _affine(y, weight, bias, input.ndim)


def _group_size(x: Tensor, groups: int) -> int:
    """Elements per (sample, group): spelled out, since an empty batch leaves a -1 in reshape ambiguous."""
    return x.shape[1] // groups * prod(x.shape[2:])


class _GroupNorm(Function):
    """Group norm as one node; the backward is the closed form in Tensor ops on the recomputed normalized
    input (so it differentiates again for create_graph)."""

    @staticmethod
    def forward(
        ctx: Any, x: Tensor, w: Tensor, b: Tensor, groups: int, eps: float, has_w: bool, has_b: bool
    ) -> Tensor:
        ctx.save_for_backward(x, w)
        ctx.args = (groups, eps, has_w, has_b)
        return _group_norm_ref(x, groups, w if has_w else None, b if has_b else None, eps)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        x, w = ctx.saved_tensors
        groups, eps, has_w, has_b = ctx.args
        n, ndim = x.shape[0], x.ndim
        xg = x.reshape(n, groups, _group_size(x, groups))
        xc = xg - xg.mean(-1, keepdim=True)
        rstd = ((xc * xc).mean(-1, keepdim=True) + eps).rsqrt()
        xhat = (xc * rstd).reshape(x.shape)
        dims = (0,) + tuple(range(2, ndim))
        gw = (g * xhat).sum(dims) if has_w and ctx.needs_input_grad[1] else None
        gb = g.sum(dims) if has_b and ctx.needs_input_grad[2] else None
        gx = None
        if ctx.needs_input_grad[0]:
            gh = (g * _channel_view(w, ndim) if has_w else g).reshape(n, groups, _group_size(x, groups))
            xh = xhat.reshape(n, groups, _group_size(x, groups))
            gx = (rstd * (gh - gh.mean(-1, keepdim=True) - xh * (gh * xh).mean(-1, keepdim=True))).reshape(x.shape)
        return gx, gw, gb, None, None, None, None


node_name(_GroupNorm, "NativeGroupNormBackward0")


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0) -> Tensor: normalize across nearby
    channels."""
    from .pooling import avg_pool2d
    from .vision import pad

    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input  # PyTorch returns an empty input itself (so an integer one keeps its dtype)
    div = (input * input).unsqueeze(1)
    if input.ndim == 3:
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        shape = input.shape
        div = div.reshape(shape[0], 1, shape[1], shape[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        from .pooling import avg_pool3d

        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1).reshape(shape)
    div = (div * alpha + k) ** beta
    return input / div


_ = (_dt, Any)
