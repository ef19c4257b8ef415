"""Connectionist temporal classification: ``ctc_loss``, the forward (alpha) and backward (beta) recursions
in log space over the blank-extended targets, vectorized over the batch with Tensor ops."""

from __future__ import annotations

import math
from typing import Any

from ... import dtypes as _dt
from ...autograd.function import Function
from ...ops.arrange import cat, stack
from ...ops.creation import full, tensor, zeros
from ...ops.elementwise import where
from ...tensor import Tensor
from ._utils import check_reduction, node_name

_NEG_INF = -math.inf


def _lse(*xs: Tensor) -> Tensor:
    """Elementwise log-sum-exp of same-shape tensors; all -inf gives -inf (no NaN)."""
    m = xs[0]
    for x in xs[1:]:
        m = m.maximum(x)
    dead = m == _NEG_INF
    safe = where(dead, 0.0, m)
    total = (xs[0] - safe).exp()
    for x in xs[1:]:
        total = total + (x - safe).exp()
    # log(0) only where every term is -inf: computed on 1 instead, so no divide-by-zero warning
    return where(dead, _NEG_INF, safe + where(dead, 1.0, total).log())


def _shift(x: Tensor, k: int, fill: float) -> Tensor:
    """``x`` shifted right by ``k`` along the last dim (negative ``k``: left), ``fill`` entering."""
    n = x.shape[-1]
    pad = full(tuple(x.shape[:-1]) + (abs(k),), fill, dtype=x.dtype, device=x.device)
    if k > 0:
        return cat([pad, x[..., : n - k]], -1) if n > k else pad[..., :n]
    k = -k
    return cat([x[..., k:], pad], -1) if n > k else pad[..., :n]


class _CTCLoss(Function):
    @staticmethod
    def forward(
        ctx: Any, lp: Tensor, ext_box: list[Tensor], in_lens: list[int], tgt_lens: list[int], blank: int, zero_inf: bool
    ) -> Tensor:
        (ext,) = ext_box  # boxed: the targets are no input edge of the node (as in PyTorch)
        t_max, n, _ = lp.shape
        length = ext.shape[1]
        em = lp.gather(2, ext.unsqueeze(0).expand(t_max, n, length))  # (T, N, L)
        dev = lp.device
        pos = tensor(list(range(length)), dtype=_dt.int64, device=dev).unsqueeze(0)
        valid = pos < tensor([2 * s + 1 for s in tgt_lens], dtype=_dt.int64, device=dev).unsqueeze(1)
        # the skip over a blank is allowed onto a label that differs from the one two back
        skip = (ext != blank) & (ext != _shift(ext, 2, blank))
        tl = tensor(in_lens, dtype=_dt.int64, device=dev).unsqueeze(1)
        alphas = []
        alpha = where((pos < 2) & valid, em[0], _NEG_INF)
        alphas.append(alpha)
        for t in range(1, t_max):
            prev2 = where(skip, _shift(alpha, 2, _NEG_INF), _NEG_INF)
            new = _lse(alpha, _shift(alpha, 1, _NEG_INF), prev2) + em[t]
            new = where(valid, new, _NEG_INF)
            alpha = where(tl > t, new, alpha)
            alphas.append(alpha)
        last = [2 * s for s in tgt_lens]
        idx = tensor([[a, max(a - 1, 0)] for a in last], dtype=_dt.int64, device=dev)
        ends = alpha.gather(1, idx)
        one = tensor([[0.0, 0.0 if s > 0 else _NEG_INF] for s in tgt_lens], dtype=lp.dtype, device=dev)
        nll = -_lse(ends[:, 0] + one[:, 0], ends[:, 1] + one[:, 1])
        ctx.save_for_backward(lp, nll)
        ctx.rest = (ext, em, stack(alphas, 0), valid, skip, in_lens, tgt_lens, zero_inf)
        return where(nll == math.inf, 0.0, nll) if zero_inf else nll

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Any, ...]:
        lp, nll = ctx.saved_tensors
        ext, em, alphas, valid, skip, in_lens, tgt_lens, zero_inf = ctx.rest
        t_max, n, c = lp.shape
        length = ext.shape[1]
        dev = lp.device
        pos = tensor(list(range(length)), dtype=_dt.int64, device=dev).unsqueeze(0)
        last = tensor([2 * s for s in tgt_lens], dtype=_dt.int64, device=dev).unsqueeze(1)
        init_mask = (pos == last) | ((pos == last - 1) & (last > 0))
        tl = tensor(in_lens, dtype=_dt.int64, device=dev).unsqueeze(1)
        skip_next = _shift(skip, -2, False)
        beta = full((n, length), _NEG_INF, dtype=lp.dtype, device=dev)
        betas: list[Tensor] = [beta] * t_max
        for t in reversed(range(t_max)):
            nxt2 = where(skip_next, _shift(beta, -2, _NEG_INF), _NEG_INF)
            rec = where(valid, _lse(beta, _shift(beta, -1, _NEG_INF), nxt2) + em[t], _NEG_INF)
            init = where(init_mask, em[t], _NEG_INF)
            beta = where(tl - 1 == t, init, where(tl - 1 > t, rec, _NEG_INF))
            betas[t] = beta
        ab = alphas + stack(betas, 0)  # (T, N, L)
        impossible = nll == math.inf
        post = (ab + where(impossible, 0.0, nll).unsqueeze(0).unsqueeze(2) - em).exp()
        occupancy = zeros((t_max, n, c), dtype=lp.dtype, device=dev).scatter_add(
            2, ext.unsqueeze(0).expand(t_max, n, length), post
        )
        grad = lp.exp() - occupancy
        live = tensor(list(range(t_max)), dtype=_dt.int64, device=dev).unsqueeze(1) < tl.reshape(1, n)
        grad = where(live.unsqueeze(2), grad, 0.0)
        # an impossible alignment (infinite loss): zero with zero_infinity, else NaN as in PyTorch
        grad = where(impossible.reshape(1, n, 1), 0.0 if zero_inf else math.nan, grad)
        return grad * g.reshape(1, n, 1), None, None, None, None, None


node_name(_CTCLoss, "CtcLossBackward0")


def _lengths(x: Any, name: str) -> list[int]:
    if isinstance(x, Tensor):
        return [int(v) for v in x.reshape(-1).tolist()]
    if isinstance(x, int):
        raise TypeError(
            f"ctc_loss(): argument '{name}' must be tuple of ints or Tensor, not int"
        )
    return [int(v) for v in x]


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction='mean',
    zero_infinity=False) -> Tensor: the connectionist temporal classification loss of (T, N, C) or (T, C)
    log-probabilities against padded (N, S) or concatenated targets."""
    check_reduction(reduction)
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.ndim != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs to be 2-D or 3-D, but got {log_probs.ndim}-D")
    t_max, n, c = lp.shape
    in_lens = _lengths(input_lengths, "input_lengths")
    tgt_lens = _lengths(target_lengths, "target_lengths")
    if len(in_lens) != n:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(tgt_lens) != n:
        raise RuntimeError("target_lengths must be of size batch_size")
    if not 0 <= blank < c:
        raise RuntimeError("blank must be in label range")
    for v in in_lens:
        if v > t_max:
            raise RuntimeError(
                f"Expected input_lengths to have value at most {t_max}, but got value {v} (while checking "
                "arguments for ctc_loss_allocate_outputs)"
            )
    tg = targets.unsqueeze(0) if unbatched and targets.ndim == 1 else targets
    rows: list[list[int]] = []
    if tg.ndim == 1:
        total = sum(tgt_lens)
        if tg.shape[0] != total:
            raise RuntimeError(
                f"Expected tensor to have size {total} at dimension 0, but got size {tg.shape[0]} for argument "
                "#2 'targets' (while checking arguments for ctc_loss_allocate_outputs)"
            )
        flat = [int(v) for v in tg.tolist()]
        start = 0
        for s in tgt_lens:
            rows.append(flat[start : start + s])
            start += s
    else:
        width = max(tgt_lens, default=0)
        if tg.shape[1] < width:
            raise RuntimeError(
                f"Expected tensor to have size at least {width} at dimension 1, but got size {tg.shape[1]} for "
                "argument #2 'targets' (while checking arguments for ctc_loss_allocate_outputs)"
            )
        host = tg.tolist()
        rows = [[int(v) for v in host[i][: tgt_lens[i]]] for i in range(n)]
    width = max((len(r) for r in rows), default=0)
    ext_rows = []
    for r in rows:
        e = [blank] * (2 * width + 1)
        for i, v in enumerate(r):
            e[2 * i + 1] = v
        ext_rows.append(e)
    ext = tensor(ext_rows, dtype=_dt.int64, device=lp.device)
    loss = _CTCLoss.apply(lp, [ext], in_lens, tgt_lens, blank, zero_infinity)
    if unbatched:
        loss = loss.squeeze(0)
    if reduction == "mean":
        denom = tensor([max(s, 1) for s in tgt_lens], dtype=lp.dtype, device=lp.device)
        return (loss / (denom.squeeze(0) if unbatched else denom)).mean()
    if reduction == "sum":
        return loss.sum()
    return loss
