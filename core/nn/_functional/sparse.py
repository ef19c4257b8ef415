"""Lookup tables: ``embedding`` (padding_idx, max_norm, scale_grad_by_freq), ``embedding_bag``,
``one_hot``."""

from __future__ import annotations

from typing import Any

from ... import dtypes as _dt
from ...autograd.function import Function
from ...autograd.grad_mode import no_grad
from ...ops.creation import arange, ones, zeros
from ...tensor import Tensor
from ._utils import node_name


class _Embedding(Function):
    @staticmethod
    def forward(
        ctx: Any, weight: Tensor, ids: Tensor, padding_idx: int | None, scale_grad_by_freq: bool
    ) -> Tensor:
        ctx.save_for_backward(ids)
        ctx.num, ctx.padding_idx, ctx.scale = weight.shape[0], padding_idx, scale_grad_by_freq
        flat = ids.reshape(-1)
        return weight.index_select(0, flat).reshape(tuple(ids.shape) + (weight.shape[1],))

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        (ids,) = ctx.saved_tensors
        flat = ids.reshape(-1)
        gf = g.reshape(flat.shape[0], -1)
        if ctx.scale:
            counts = zeros(ctx.num, dtype=g.dtype, device=g.device).index_add(
                0, flat, ones(flat.shape, dtype=g.dtype, device=g.device)
            )
            gf = gf / counts[flat].unsqueeze(1)
        if ctx.padding_idx is not None:
            # PyTorch's embedding_backward: the padding row receives no gradient
            gf = gf * (flat != ctx.padding_idx).unsqueeze(1).to(g.dtype)
        gw = zeros((ctx.num, gf.shape[1]), dtype=g.dtype, device=g.device).index_add(0, flat, gf)
        return gw, None, None, None


node_name(_Embedding, "EmbeddingBackward0")


def _renorm_(weight: Tensor, ids: Tensor, max_norm: float, norm_type: float) -> None:
    with no_grad():
        rows = ids.reshape(-1).unique()
        sel = weight[rows]
        norms = sel.norm(norm_type, dim=1, keepdim=True)
        scale = (max_norm / (norms + 1e-7)).clamp(max=1.0)
        weight[rows] = sel * scale


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
    sparse=False) -> Tensor: rows of ``weight`` at the indices ``input``."""
    if input.dtype.is_floating_point or input.dtype is _dt.bool:
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got {input.type()} instead (while checking arguments for embedding)"
        )
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if padding_idx is not None:
        n = weight.shape[0]
        if not -n <= padding_idx < n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            padding_idx += n
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    return _Embedding.apply(weight, input, padding_idx, scale_grad_by_freq)


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """embedding_bag(input, weight, offsets=None, ..., mode='mean', ...) -> Tensor: sums, means or maxes of
    bags of embeddings (2-D ``input`` holds one bag per row; 1-D ``input`` is split at ``offsets``)."""
    if input.ndim == 2:
        bags = [input[i] for i in range(input.shape[0])]
    else:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        offs = [int(o) for o in offsets.tolist()]
        ends = offs[1:] + ([] if include_last_offset else [input.shape[0]])
        bags = [input[a:b] for a, b in zip(offs, ends)]
    outs = []
    for i, ids in enumerate(bags):
        keep = ids != padding_idx if padding_idx is not None else None
        e = embedding(ids, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)
        if per_sample_weights is not None:
            e = e * per_sample_weights.reshape(-1)[_bag_slice(input, bags, i)].unsqueeze(1)
        if keep is not None:
            e = e[keep]
        if e.shape[0] == 0:
            outs.append(zeros(weight.shape[1], dtype=weight.dtype, device=weight.device))
        elif mode == "sum":
            outs.append(e.sum(0))
        elif mode == "mean":
            outs.append(e.mean(0))
        elif mode == "max":
            outs.append(e.amax(0))
        else:
            raise ValueError(f"mode has to be one of sum, mean or max, got {mode}")
    from ...ops.arrange import stack

    return stack(outs, 0)


def _bag_slice(input: Tensor, bags: list[Tensor], i: int) -> slice:
    start = sum(b.numel() for b in bags[:i])
    return slice(start, start + bags[i].numel())


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """one_hot(tensor, num_classes=-1) -> LongTensor: a trailing dim of ``num_classes`` with a 1 at each
    index."""
    if tensor.dtype is not _dt.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(tensor.max().item()) + 1
    if tensor.numel() and (int(tensor.min().item()) < 0):
        raise RuntimeError("Class values must be non-negative.")
    if tensor.numel() and int(tensor.max().item()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return (tensor.unsqueeze(-1) == arange(num_classes, device=tensor.device)).to(_dt.int64)
