"""Lookup tables: ``embedding`` (padding_idx, max_norm, scale_grad_by_freq), ``embedding_bag``,
``one_hot``."""

from __future__ import annotations

from typing import Any

from ... import dtypes as _dt
from ...autograd.function import Function
from ...autograd.grad_mode import no_grad
from ...ops.creation import arange, ones, tensor, zeros
from ...ops.elementwise import where
from ...tensor import Tensor
from ._nodes import composite
from ._utils import node_name


class _Embedding(Function):
    @staticmethod
    def forward(
        ctx: Any, weight: Tensor, ids_box: list[Tensor], padding_idx: int | None, scale_grad_by_freq: bool
    ) -> Tensor:
        (ids,) = ids_box  # boxed: the indices are no input edge of the node (as in PyTorch)
        ctx.save_for_backward(ids)
        ctx.num, ctx.width = weight.shape[0], weight.shape[1]
        ctx.padding_idx, ctx.scale = padding_idx, scale_grad_by_freq
        flat = ids.reshape(-1)
        return weight.index_select(0, flat).reshape(tuple(ids.shape) + (weight.shape[1],))

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        (ids,) = ctx.saved_tensors
        flat = ids.reshape(-1)
        gf = g.reshape(flat.shape[0], ctx.width)  # spelled out: with no indices a -1 would be ambiguous
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


def _check_indices(input: Tensor, op: str) -> None:
    if input.dtype.is_floating_point or input.dtype is _dt.bool:
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {input.type()} instead (while checking arguments for {op})"
        )


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
    _check_indices(input, "embedding")
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
    return _Embedding.apply(weight, [input], padding_idx, scale_grad_by_freq)


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
    """embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
    mode='mean', sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None) -> Tensor:
    sums, means or maxes of bags of embeddings (2-D ``input`` holds one bag per row; 1-D ``input`` is split
    at ``offsets``)."""
    _check_indices(input, "embedding_bag")
    if not weight.dtype.is_floating_point:
        raise RuntimeError(
            "Expected tensor for argument #1 'weight' to have one of the following scalar types: Half, BFloat16, "
            f"Float, Double; but got {weight.type()} instead (while checking arguments for embedding_bag)"
        )
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it must have "
            f"the same shape as the input ({input.shape})"
        )
    if weight.ndim != 2:
        raise ValueError(
            f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}"
        )
    n_rows = weight.shape[0]
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length "
                f"sequences. However, found offsets of type {type(offsets)}"
            )
        b, length = input.shape
        offs = [i * length for i in range(b)]
        flat = input.reshape(-1)
        psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        offs = [int(o) for o in offsets.tolist()]
        flat, psw = input, per_sample_weights
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
            f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub."
        )
    total = flat.shape[0]
    if offs and offs[0] != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. "
            f"However, got {offs[0]}"
        )
    if offs and offs[-1] > total:
        raise RuntimeError(
            f"offsets[-1] can not be greater than input's length {total} but got offsets[-1] of {offs[-1]}"
        )
    ids = [int(v) for v in flat.tolist()]
    if any(not 0 <= v < n_rows for v in ids):
        bad = next(v for v in ids if not 0 <= v < n_rows)
        raise IndexError(f"embedding_bag: index {bad} is out of range for a weight with {n_rows} rows")
    if padding_idx is not None:
        if not -n_rows <= padding_idx < n_rows:
            raise AssertionError("padding_idx must be within the number of embeddings")
        if padding_idx < 0:
            padding_idx += n_rows
    ends = offs[1:] + ([] if include_last_offset else [total])
    starts = offs[:-1] if include_last_offset else offs
    bags = [[j for j in range(a, min(e, total)) if ids[j] != padding_idx] for a, e in zip(starts, ends)]
    if max_norm is not None:
        _renorm_(weight, flat, max_norm, norm_type)
    freq = None
    if scale_grad_by_freq:
        counts: dict[int, int] = {}
        for v in ids:
            counts[v] = counts.get(v, 0) + 1
        freq = [[1.0 / counts[ids[j]] for j in b] for b in bags]
    plan = (bags, mode, freq, n_rows)
    # without per-sample weights an empty placeholder keeps PyTorch's second (None) input edge
    edge = psw if psw is not None else weight.new_empty(0)
    return composite("EmbeddingBagBackward0", _bag_edges, (weight, edge), ([flat], psw is not None) + plan)


def _bag_edges(weight: Tensor, psw: Tensor, flat_box: list[Tensor], weighted: bool, *plan: Any) -> Tensor:
    return _bag(weight, flat_box, psw if weighted else None, *plan)


def _bag(
    weight: Tensor,
    flat_box: list[Tensor],
    psw: Tensor | None,
    bags: list[list[int]],
    mode: str,
    freq: list[list[float]] | None,
    n_rows: int,
) -> Tensor:
    """The bag reduction over the kept positions ``bags`` (padding removed); an empty bag gives zeros."""
    (flat,) = flat_box
    dev, d = weight.device, weight.shape[1]
    nb = len(bags)
    width = max((len(b) for b in bags), default=0)
    if width == 0:
        return zeros((nb, d), dtype=weight.dtype, device=dev)
    # (bags, width) positions into the input; a slot past a bag's end points at position 0 and is masked
    pos = [b + [0] * (width - len(b)) for b in bags]
    mask = tensor([[1] * len(b) + [0] * (width - len(b)) for b in bags], dtype=_dt.bool, device=dev)
    pos_t = tensor(pos, dtype=_dt.int64, device=dev)
    rows = _Embedding.apply(weight, [flat[pos_t.reshape(-1)]], None, False).reshape(nb, width, d)
    if freq is not None:
        # scale_grad_by_freq: the gradient of each row is divided by its index's count in the whole input
        # (the forward value is unchanged)
        sc = tensor([f + [1.0] * (width - len(f)) for f in freq], dtype=rows.dtype, device=dev).unsqueeze(2)
        rows = rows * sc + (rows * (1 - sc)).detach()
    if psw is not None:
        rows = rows * psw[pos_t.reshape(-1)].reshape(nb, width, 1)
    if mode == "max":
        filled = rows.masked_fill(~mask.unsqueeze(2), float("-inf"))
        arg = filled.argmax(1, keepdim=True)
        out = rows.gather(1, arg).squeeze(1)
        return where(mask.any(1, keepdim=True), out, 0.0)
    summed = (rows * mask.unsqueeze(2).to(rows.dtype)).sum(1)
    if mode == "sum":
        return summed
    counts = tensor([max(len(b), 1) for b in bags], dtype=weight.dtype, device=dev).unsqueeze(1)
    return summed / counts


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
