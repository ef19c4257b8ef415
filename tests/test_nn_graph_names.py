"""PyTorch's autograd graph names: the ``grad_fn`` of losses and activations that PyTorch computes in one node
(``MseLossBackward0``, ``GeluBackward0``, ...) and the ``next_functions`` chain behind it, compared with torch;
and the one-node wrappers' gradients (including double backward) against torch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ember
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

XV = np.random.RandomState(0).randn(3, 4)
TV = np.random.RandomState(1).randn(3, 4)
CV = np.array([0, 2, 1])


def chain(t: Any, depth: int = 2) -> Any:
    """``(name, [next chains])`` of ``t.grad_fn`` down to ``depth`` levels."""
    def rec(f: Any, d: int) -> Any:
        if f is None:
            return None
        if d == 0:
            return type(f).__name__
        return (type(f).__name__, [rec(n, d - 1) for n, _ in f.next_functions])
    return rec(t.grad_fn, depth)


CASES: dict[str, Callable[..., Any]] = {
    "mse_loss": lambda F, x, t, c: F.mse_loss(x, t),
    "mse_loss_broadcast": lambda F, x, t, c: F.mse_loss(x, t[0]),
    "l1_loss": lambda F, x, t, c: F.l1_loss(x, t),
    "smooth_l1_loss": lambda F, x, t, c: F.smooth_l1_loss(x, t, beta=0.5),
    "huber_loss": lambda F, x, t, c: F.huber_loss(x, t),
    "binary_cross_entropy": lambda F, x, t, c: F.binary_cross_entropy(x.sigmoid(), t.sigmoid()),
    "binary_cross_entropy_with_logits": lambda F, x, t, c: F.binary_cross_entropy_with_logits(
        x, t.sigmoid(), pos_weight=t[0].abs()),
    "nll_loss": lambda F, x, t, c: F.nll_loss(x, c),
    "nll_loss_weight": lambda F, x, t, c: F.nll_loss(x, c, weight=t[0].abs(), reduction="sum"),
    "soft_margin_loss": lambda F, x, t, c: F.soft_margin_loss(x, t.sign()),
    "multi_margin_loss": lambda F, x, t, c: F.multi_margin_loss(x, c),
    "multilabel_margin_loss": lambda F, x, t, c: F.multilabel_margin_loss(x, c.unsqueeze(0).expand(3, 3)[:, :1]
                                                                           .expand(3, 4).contiguous() * 0 - 1 + 1),
    "cross_entropy": lambda F, x, t, c: F.cross_entropy(x, c),
    "cross_entropy_none": lambda F, x, t, c: F.cross_entropy(x, c, reduction="none"),
    "cross_entropy_weight": lambda F, x, t, c: F.cross_entropy(x, c, weight=t[0].abs(), ignore_index=2),
    "cross_entropy_unbatched": lambda F, x, t, c: F.cross_entropy(x[0], c[0]),
    "kl_div": lambda F, x, t, c: F.kl_div(x, t.softmax(1), reduction="batchmean"),
    "gelu": lambda F, x, t, c: F.gelu(x),
    "gelu_tanh": lambda F, x, t, c: F.gelu(x, approximate="tanh"),
    "softplus": lambda F, x, t, c: F.softplus(x, beta=2.0, threshold=1.0),
    "elu": lambda F, x, t, c: F.elu(x, 0.7),
    "selu": lambda F, x, t, c: F.selu(x),
    "celu": lambda F, x, t, c: F.celu(x, 1.3),
    "leaky_relu": lambda F, x, t, c: F.leaky_relu(x, 0.2),
    "hardtanh": lambda F, x, t, c: F.hardtanh(x),
    "relu6": lambda F, x, t, c: F.relu6(x),
    "silu": lambda F, x, t, c: F.silu(x),
    "mish": lambda F, x, t, c: F.mish(x),
    "hardswish": lambda F, x, t, c: F.hardswish(x * 3),
    "hardsigmoid": lambda F, x, t, c: F.hardsigmoid(x * 3),
    "logsigmoid": lambda F, x, t, c: F.logsigmoid(x),
    "softshrink": lambda F, x, t, c: F.softshrink(x),
    "hardshrink": lambda F, x, t, c: F.hardshrink(x),
    "threshold": lambda F, x, t, c: F.threshold(x, 0.1, 2.0),
    "glu": lambda F, x, t, c: F.glu(x),
    "layer_norm": lambda F, x, t, c: F.layer_norm(x, (4,)),
    "layer_norm_affine": lambda F, x, t, c: F.layer_norm(x, (3, 4), t.abs(), t),
    "batch_norm_train": lambda F, x, t, c: F.batch_norm(x, None, None, t[0].abs(), t[1], training=True),
    "batch_norm_eval": lambda F, x, t, c: F.batch_norm(x, t[0] * 0, t[1].abs() + 1, training=False),
    "group_norm": lambda F, x, t, c: F.group_norm(x.reshape(3, 4, 1), 2, t[0].abs(), t[1]),
    "interpolate_bilinear": lambda F, x, t, c: F.interpolate(x.reshape(1, 1, 3, 4), scale_factor=2, mode="bilinear"),
    "interpolate_nearest_1d": lambda F, x, t, c: F.interpolate(x.reshape(1, 3, 4), size=7),
    "interpolate_bicubic_aa": lambda F, x, t, c: F.interpolate(x.reshape(1, 1, 3, 4), size=(2, 2), mode="bicubic",
                                                               antialias=True),
    "pad_reflect": lambda F, x, t, c: F.pad(x.reshape(1, 3, 4), (2, 1), mode="reflect"),
    "pad_replicate_2d": lambda F, x, t, c: F.pad(x.reshape(1, 3, 4), (1, 1, 2, 0), mode="replicate"),
    "avg_pool2d": lambda F, x, t, c: F.avg_pool2d(x.reshape(1, 3, 4), 2),
    "adaptive_avg_pool2d": lambda F, x, t, c: F.adaptive_avg_pool2d(x.reshape(1, 3, 4), (2, 3)),
    "adaptive_max_pool2d": lambda F, x, t, c: F.adaptive_max_pool2d(x.reshape(1, 3, 4), 2),
    "pixel_shuffle": lambda F, x, t, c: F.pixel_shuffle(x.reshape(4, 3, 1), 2),
    "softmax": lambda F, x, t, c: F.softmax(x, 1),
    "log_softmax": lambda F, x, t, c: F.log_softmax(x, 1),
    "embedding": lambda F, x, t, c: F.embedding(c, x),
    "embedding_bag": lambda F, x, t, c: F.embedding_bag(c.unsqueeze(0), x),
    "ctc_loss": lambda F, x, t, c: F.ctc_loss(x.unsqueeze(1).log_softmax(2), c[:2].unsqueeze(0), [3], [2],
                                              reduction="none"),
    "rrelu": lambda F, x, t, c: F.rrelu(x),
    "elu_inplace": lambda F, x, t, c: F.elu(x * 1, inplace=True),
    "selu_inplace": lambda F, x, t, c: F.selu_(x * 1),
    "celu_inplace": lambda F, x, t, c: F.celu(x * 1, 1.5, inplace=True),
    "leaky_relu_inplace": lambda F, x, t, c: F.leaky_relu_(x * 1, 0.3),
    "threshold_inplace": lambda F, x, t, c: F.threshold_(x * 1, 0.1, 2.0),
    "rrelu_inplace": lambda F, x, t, c: F.rrelu_(x * 1),
    "hardtanh_inplace": lambda F, x, t, c: F.hardtanh_(x * 1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_grad_fn_chain_matches_torch(name: str) -> None:
    fn = CASES[name]
    got = []
    for lib, F in ((torch, TF), (ember, EF)):
        x = lib.tensor(XV, requires_grad=True)
        got.append(chain(fn(F, x, lib.tensor(TV), lib.tensor(CV))))
    assert got[1] == got[0]


GRAD_CASES = [n for n in sorted(CASES) if n not in ("rrelu", "ctc_loss", "embedding_bag", "multilabel_margin_loss")
              and not n.endswith("_inplace")]


@pytest.mark.parametrize("name", GRAD_CASES)
def test_one_node_gradients_and_double_backward(name: str) -> None:
    fn = CASES[name]
    res = []
    for lib, F in ((torch, TF), (ember, EF)):
        x = lib.tensor(XV, requires_grad=True)
        out = fn(F, x, lib.tensor(TV), lib.tensor(CV))
        w = lib.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)))
        (g,) = lib.autograd.grad((out * w).sum(), x, create_graph=True)
        gg = None
        if g.requires_grad:
            try:
                (gg,) = lib.autograd.grad((g * g).sum(), x, allow_unused=True)
            except RuntimeError as e:  # a few PyTorch kernels have no double backward
                assert lib is torch and "not implemented" in str(e)
                gg = None
        if gg is not None and lib is torch and gg._is_zerotensor():
            gg = torch.zeros(gg.shape, dtype=gg.dtype)
        res.append((out.detach().numpy(), g.detach().numpy(), None if gg is None else gg.numpy()))
    (to, tg, tgg), (eo, eg, egg) = res
    np.testing.assert_allclose(eo, to, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(eg, tg, rtol=1e-6, atol=1e-9)
    if tgg is not None and egg is None:
        # ember's gradient does not depend on x at all (piecewise linear): PyTorch's second derivative is zero
        assert not np.any(tgg), "PyTorch has a non-zero second derivative here; ember lost it"
    elif tgg is not None:
        np.testing.assert_allclose(egg, tgg, rtol=1e-5, atol=1e-9)
    elif egg is not None:
        assert not np.any(egg) or name in ("hardsigmoid", "multi_margin_loss")


def test_one_node_inputs_reach_leaf_through_composite_nodes() -> None:
    x = ember.tensor(XV, requires_grad=True)
    loss = EF.mse_loss(x * 2, ember.tensor(TV))
    assert type(loss.grad_fn).__name__ == "MseLossBackward0"
    (first, _), (second, _) = loss.grad_fn.next_functions
    assert type(first).__name__ == "MulBackward0" and second is None
    assert type(first.next_functions[0][0]).__name__ == "AccumulateGrad"


def test_target_gradient_flows_through_one_node() -> None:
    for lib, F in ((torch, TF), (ember, EF)):
        x = lib.tensor(XV, requires_grad=True)
        t = lib.tensor(TV, requires_grad=True)
        F.smooth_l1_loss(x, t).backward()
        if lib is torch:
            expected = t.grad.numpy()
        else:
            np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-6)
