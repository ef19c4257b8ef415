"""Convolutions (N-d, transposed) and ``unfold``/``fold``, built on the im2col/col2im pair of ``im2col.py``.

The reference is im2col: the windows of the (padded) input are gathered into a column tensor and the
convolution is one ``matmul``; its gradients are exact to every order on every backend.

Optional fused kernels (docs/architecture.md §4), used when the input's backend defines them, on raw arrays:

* ``conv_nd(x, w, stride, padding, dilation, groups) -> y``: ``x`` (N, C, *in), ``w`` (O, C/groups, *k),
  ``padding`` a tuple of ``(lo, hi)`` pairs per spatial dim; ``y`` (N, O, *out) without bias.
* ``conv_nd_backward_input(g, w, input_shape, stride, padding, dilation, groups) -> grad_x``.
* ``conv_nd_backward_weight(g, x, weight_shape, stride, padding, dilation, groups) -> grad_w``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ... import dtypes as _dt
from ...amp._state import AUTOCAST, autocast_call
from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled
from ...ops._dispatch import type_name
from ...ops.elementwise import _run
from ...tensor import Tensor, _wrap
from ._utils import fused, node_name, ntuple, prod
from .im2col import Geom, col2im, im2col, out_size

# ---------------------------------------------------------------------------------------------
# convolution

_HALF = (_dt.float16, _dt.bfloat16)


def _conv_padding(
    padding: Any, nd: int, k: tuple[int, ...], d: tuple[int, ...], stride: tuple[int, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * nd, (0,) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            total = tuple(di * (ki - 1) for ki, di in zip(k, d))
            lo = tuple(t // 2 for t in total)
            return lo, tuple(t - lo_ for t, lo_ in zip(total, lo))
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    p = ntuple(padding, nd, "padding")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    return p, p


def _check_dtypes(x: Tensor, weight: Tensor) -> None:
    if x.dtype is not weight.dtype:
        raise RuntimeError(f"expected scalar type {type_name(x.dtype)} but found {type_name(weight.dtype)}")


def _check_geometry(stride: tuple[int, ...], dilation: tuple[int, ...]) -> None:
    if any(v <= 0 for v in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")


def _unbatched(x: Tensor, nd: int, name: str) -> tuple[Tensor, bool]:
    if x.ndim == nd + 1:
        return x.unsqueeze(0), True
    if x.ndim != nd + 2:
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input of "
            f"size: {list(x.shape)}"
        )
    return x, False


def conv(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
    nd: int,
) -> Tensor:
    """N-d convolution (cross-correlation), PyTorch's ``conv{nd}d``."""
    name = f"conv{nd}d"
    x, unbatched = _unbatched(input, nd, name)
    if x.dtype in _HALF and weight.dtype is x.dtype:
        # PyTorch's CPU kernels accumulate half precision in float32, bias included, and round once
        y = conv(input.float(), weight.float(), None if bias is None else bias.float(), stride, padding, dilation,
                 groups, nd)
        return y.to(x.dtype)
    if weight.ndim != nd + 2:
        raise RuntimeError(
            f"Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional input {list(x.shape)}, but "
            f"got {weight.ndim}-dimensional weight of size {list(weight.shape)} instead"
        )
    n, c = x.shape[0], x.shape[1]
    o, cg = weight.shape[0], weight.shape[1]
    k = tuple(weight.shape[2:])
    if groups < 1:
        raise RuntimeError("non-positive groups is not supported")
    if c != cg * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{list(x.shape)} "
            f"to have {cg * groups} channels, but got {c} channels instead"
        )
    if o % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
            f"weight of size {list(weight.shape)} instead"
        )
    _check_dtypes(x, weight)
    s = ntuple(stride, nd, "stride")
    d = ntuple(dilation, nd, "dilation")
    _check_geometry(s, d)
    lo, hi = _conv_padding(padding, nd, k, d, s)
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != o):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with {o} "
                           f"elements, but got bias of size {list(bias.shape)} instead")
    in_size = tuple(x.shape[2:])
    outs = tuple(out_size(i, ki, di, si, a, b) for i, ki, di, si, a, b in zip(in_size, k, d, s, lo, hi))
    if any(v <= 0 for v in outs):
        raise RuntimeError(
            "Calculated padded input size per channel: "
            f"{tuple(i + a + b for i, a, b in zip(in_size, lo, hi))}. "
            f"Kernel size: {tuple(di * (ki - 1) + 1 for ki, di in zip(k, d))}. Kernel size can't be "
            "greater than actual input size"
        )
    geom = Geom(k, d, s, lo, hi, in_size, outs)
    # NOTE: an empty batch takes the reference path: the fused kernels' backward reshapes by -1
    if fused(x, "conv_nd") is not None and x.numel():
        same = bias is None or (bias.dtype is x.dtype and bias._device is x._device and bias._data.shape == (o,))
        y = _ConvFused.apply(x, weight, bias if same else None, geom, groups)
        if not same:
            assert bias is not None
            y = y + bias.reshape((o,) + (1,) * nd)
    else:
        # columns (C*KK, N*L) with C outermost so groups split them by a reshape; one matmul per group
        kk, length = prod(k), n * prod(outs)
        cols = im2col(x.transpose(0, 1), geom, 1)
        if groups == 1:
            y = weight.reshape(o, c * kk) @ cols.reshape(c * kk, length)
        else:
            y = weight.reshape(groups, o // groups, cg * kk) @ cols.reshape(groups, cg * kk, length)
        y = y.reshape((o, n) + outs)
        if bias is not None:
            y = y + bias.reshape((o, 1) + (1,) * nd)
        y = y.transpose(0, 1).contiguous()
    return y.squeeze(0) if unbatched else y


def conv_transpose(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: int,
    dilation: Any,
    nd: int,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """N-d transposed convolution, PyTorch's ``conv_transpose{nd}d`` (the gradient of ``conv`` w.r.t. its
    input)."""
    name = f"conv_transpose{nd}d"
    x, unbatched = _unbatched(input, nd, name)
    if x.dtype in _HALF and weight.dtype is x.dtype:
        # PyTorch's CPU kernels accumulate half precision in float32, bias included, and round once
        y = conv_transpose(input.float(), weight.float(), None if bias is None else bias.float(), stride, padding,
                           output_padding, groups, dilation, nd, output_size)
        return y.to(x.dtype)
    n, c = x.shape[0], x.shape[1]
    _check_dtypes(x, weight)
    if weight.ndim == nd + 2 and weight.shape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {list(weight.shape)} instead")
    if weight.ndim != nd + 2 or weight.shape[0] != c:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected input{list(x.shape)} to "
            f"have {weight.shape[0]} channels, but got {c} channels instead"
        )
    if c % groups:
        raise RuntimeError(f"Given groups={groups}, expected input channels {c} to be divisible by groups")
    og = weight.shape[1]
    o = og * groups
    k = tuple(weight.shape[2:])
    s = ntuple(stride, nd, "stride")
    d = ntuple(dilation, nd, "dilation")
    p = ntuple(padding, nd, "padding")
    op = ntuple(output_padding, nd, "output_padding")
    _check_geometry(s, d)
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    for a, si, di in zip(op, s, d):
        if a >= si and a >= di:
            raise RuntimeError(
                "output padding must be smaller than either stride or dilation, but got output_padding: "
                f"{op}, stride: {s}, dilation: {d}"
            )
    in_size = tuple(x.shape[2:])
    outs = tuple(
        (i - 1) * si - 2 * pi + di * (ki - 1) + a + 1 for i, si, pi, di, ki, a in zip(in_size, s, p, d, k, op)
    )
    if output_size is not None:
        want = tuple(output_size)[-nd:]
        extra = tuple(w - v for w, v in zip(want, outs))
        if any(e < 0 or e >= max(si, di) for e, si, di in zip(extra, s, d)):
            raise ValueError(
                f"requested an output size of {list(want)}, but valid sizes range from {list(outs)} to "
                f"{[v + max(si, di) - 1 for v, si, di in zip(outs, s, d)]} (for an input of "
                f"{list(in_size)})"
            )
        outs = want
        op = tuple(a + e for a, e in zip(op, extra))
    if any(v <= 0 for v in outs):
        raise RuntimeError(
            f"Given input size per channel: {list(in_size)}. Calculated output size per channel: "
            f"{list(outs)}. Output size is too small"
        )
    # the output is the col2im of W^T x over the geometry of the forward conv it transposes
    geom = Geom(k, d, s, p, tuple(max(pi - a, 0) for pi, a in zip(p, op)), outs, in_size)
    kk = prod(k)
    xm = x.transpose(0, 1).reshape(groups, c // groups, n * prod(in_size))
    wm = weight.reshape(groups, c // groups, og * kk).transpose(1, 2)
    cols = (wm @ xm).reshape((o, kk, n) + in_size)
    y = col2im(cols, geom, 1)
    if bias is not None:
        y = y + bias.reshape((o, 1) + (1,) * nd)
    y = y.transpose(0, 1).contiguous()
    return y.squeeze(0) if unbatched else y


class _ConvFused(Function):
    @staticmethod
    def forward(ctx: Any, x: Tensor, w: Tensor, b: Tensor | None, geom: Geom, groups: int) -> Tensor:
        ctx.save_for_backward(x, w)
        ctx.geom, ctx.groups = geom, groups
        be = x._device._be
        # inf * 0 in a window makes NaN silently in PyTorch: NumPy's warning is rerun quietly
        y = _run(lambda: be.conv_nd(
            x._data, w._data, geom.stride, tuple(zip(geom.pad_lo, geom.pad_hi)), geom.dilation, groups
        ))
        if b is not None:
            # one broadcast add into the kernel's fresh output (in place where arrays are mutable) instead of
            # a separate recorded add, its second output and its sum_to backward
            bd = be.reshape(b._data, (w.shape[0],) + (1,) * len(geom.kernel))
            y = be.add(y, bd, out=y) if be.mutable else be.add(y, bd)
        return _wrap(y, x.dtype, x._device)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        x, w = ctx.saved_tensors
        geom, groups = ctx.geom, ctx.groups
        spatial = (0,) + tuple(range(2, 2 + len(geom.kernel)))
        need_b = ctx.needs_input_grad[2]
        if is_grad_enabled():
            # create_graph: differentiate the reference so the gradient is itself differentiable
            gb = g.sum(spatial) if need_b else None
            return (*_conv_reference_grads(x, w, g, geom, groups, ctx.needs_input_grad), gb, None, None)
        be = x._device._be
        pad = tuple(zip(geom.pad_lo, geom.pad_hi))
        gb = _wrap(be.sum(g._data, spatial, False), g.dtype, g._device) if need_b else None
        gx = gw = None
        if ctx.needs_input_grad[0]:
            gx = _wrap(
                be.conv_nd_backward_input(
                    g._data, w._data, tuple(x.shape), geom.stride, pad, geom.dilation, groups
                ),
                x.dtype,
                x._device,
            )
        if ctx.needs_input_grad[1]:
            gw = _wrap(
                be.conv_nd_backward_weight(
                    g._data, x._data, tuple(w.shape), geom.stride, pad, geom.dilation, groups
                ),
                w.dtype,
                w._device,
            )
        return gx, gw, gb, None, None


node_name(_ConvFused, "ConvolutionBackward0")


def _conv_reference_grads(
    x: Tensor, w: Tensor, g: Tensor, geom: Geom, groups: int, needs: tuple[bool, ...]
) -> tuple[Any, Any]:
    """Gradients of the im2col convolution, written with differentiable ops (for double backward)."""
    n, c, o, kk = x.shape[0], x.shape[1], w.shape[0], prod(geom.kernel)
    gm = g.transpose(0, 1).reshape(groups, o // groups, n * prod(geom.out_size))
    gx = gw = None
    if needs[0]:
        wm = w.reshape(groups, o // groups, c // groups * kk)
        gcols = (wm.transpose(1, 2) @ gm).reshape((c, kk, n) + geom.out_size)
        gx = col2im(gcols, geom, 1).transpose(0, 1)
    if needs[1]:
        cols = im2col(x.transpose(0, 1), geom, 1).reshape(groups, c // groups * kk, n * prod(geom.out_size))
        gw = (gm @ cols.transpose(1, 2)).reshape(w.shape)
    return gx, gw


# ---------------------------------------------------------------------------------------------
# unfold / fold


def _no_ints(x: Tensor, kernel: str) -> None:
    """PyTorch's im2col/col2im kernels take floating and bool tensors, not integers."""
    if not x.dtype.is_floating_point and x.dtype is not _dt.bool:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(x.dtype)}'")


def _blocks(size: int, k: int, d: int, s: int, p: int) -> int:
    """Sliding blocks along one dim as PyTorch's message counts them (C division: negative spans truncate)."""
    span = size + 2 * p - d * (k - 1) - 1
    return (span // s if span >= 0 else -(-span // s)) + 1


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor: sliding blocks (N, C*prod(k),
    L)."""
    x, unbatched = (input.unsqueeze(0), True) if input.ndim == 3 else (input, False)
    if x.ndim != 4:
        raise NotImplementedError(
            f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)"
        )
    k, d = ntuple(kernel_size, 2, "kernel_size"), ntuple(dilation, 2, "dilation")
    p, s = ntuple(padding, 2, "padding"), ntuple(stride, 2, "stride")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} stride_width: {s[1]}")
    in_size = tuple(x.shape[2:])
    outs = tuple(_blocks(i, ki, di, si, pi) for i, ki, di, si, pi in zip(in_size, k, d, s, p))
    if any(v <= 0 for v in outs):
        raise RuntimeError(
            f"Given input with spatial size {in_size}, kernel_size={k}, dilation={d}, padding={p}, "
            f"calculated shape of the array of sliding blocks as {outs}, but its components must be at "
            "least one."
        )
    _no_ints(x, "im2col_out_cpu")
    cols = im2col(x, Geom(k, d, s, p, p, in_size, outs), 2)
    out = cols.reshape(x.shape[0], x.shape[1] * prod(k), prod(outs))
    return out.squeeze(0) if unbatched else out


def fold(
    input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor: sum blocks back
    (col2im)."""
    x, unbatched = (input.unsqueeze(0), True) if input.ndim == 2 else (input, False)
    if x.ndim != 3:
        raise NotImplementedError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got "
            f"{input.ndim}D)"
        )
    size = ntuple(output_size, 2, "output_size")
    k, d = ntuple(kernel_size, 2, "kernel_size"), ntuple(dilation, 2, "dilation")
    p, s = ntuple(padding, 2, "padding"), ntuple(stride, 2, "stride")
    kk = prod(k)
    outs = tuple(out_size(i, ki, di, si, pi, pi) for i, ki, di, si, pi in zip(size, k, d, s, p))
    n, ckk, length = x.shape
    if ckk % kk:
        raise RuntimeError(
            f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
            f"got input.size(1)={ckk} and kernel_size={k}."
        )
    if length != prod(outs):
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, "
            f"expected size of input's dimension 2 to match the calculated number of sliding blocks "
            f"{outs[0]} * {outs[1]} = {prod(outs)}, but got input.size(2)={length}."
        )
    _no_ints(x, "col2im_out_cpu")
    cols = x.reshape((n, ckk // kk, kk) + outs)
    out = col2im(cols, Geom(k, d, s, p, p, size, outs), 2)
    return out.squeeze(0) if unbatched else out


# ---------------------------------------------------------------------------------------------
# public signatures


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor."""
    if AUTOCAST.on:
        return autocast_call("conv1d", conv1d, input, weight, bias, stride, padding, dilation, groups)
    return conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor."""
    if AUTOCAST.on:
        return autocast_call("conv2d", conv2d, input, weight, bias, stride, padding, dilation, groups)
    return conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor."""
    if AUTOCAST.on:
        return autocast_call("conv3d", conv3d, input, weight, bias, stride, padding, dilation, groups)
    return conv(input, weight, bias, stride, padding, dilation, groups, 3)


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
    dilation=1)."""
    if AUTOCAST.on:
        return autocast_call("conv_transpose1d", conv_transpose1d, input, weight, bias, stride, padding,
                            output_padding, groups, dilation)
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
    dilation=1)."""
    if AUTOCAST.on:
        return autocast_call("conv_transpose2d", conv_transpose2d, input, weight, bias, stride, padding,
                            output_padding, groups, dilation)
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
    dilation=1)."""
    if AUTOCAST.on:
        return autocast_call("conv_transpose3d", conv_transpose3d, input, weight, bias, stride, padding,
                            output_padding, groups, dilation)
    return conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 3)
