"""nn losses on the backend under test: every loss layer of ``ember.nn`` (and its functional form), with each
reduction and the CrossEntropy variants, forward and backward, compared with the same computation on the
CPU (NumPy) backend, which tests/ checks against PyTorch. Class weights given to a loss layer are buffers:
``.to(device)`` moves them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F

from ._reference import compare, compare_module, ints, rand

X = rand(4, 5)  # logits / predictions, (N, C)
Y = rand(4, 5, seed=1)  # regression targets
CLS = np.array([0, 3, 2, 4])  # class indices
CLS_IGNORED = np.array([0, 2, 2, 4])  # with ignore_index=2
PROB = np.exp(Y) / np.exp(Y).sum(1, keepdims=True)  # class probabilities
P01 = rand(4, 5, seed=2, low=0.05, high=0.95)  # probabilities for BCE
T01 = rand(4, 5, seed=3, low=0.0, high=1.0)
SIGN = np.where(rand(4, 5, seed=4) > 0, 1.0, -1.0)
X4 = rand(2, 5, 3, 3, seed=5)  # (N, C, d1, d2)
CLS4 = ints(2, 3, 3, high=5, seed=6)
W = np.array([0.5, 1.0, 2.0, 1.5, 0.25])


def _loss(name: str, make: Callable[[], Any], *arrays: np.ndarray, grad: Any = (True, False)) -> Any:
    return pytest.param(make, arrays, list(grad)[: len(arrays)], id=name)


def _w() -> ember.Tensor:
    return ember.tensor(W)


LOSSES = [
    _loss("L1Loss", nn.L1Loss, X, Y, grad=(True, True)),
    _loss("MSELoss", nn.MSELoss, X, Y, grad=(True, True)),
    _loss("SmoothL1Loss", lambda: nn.SmoothL1Loss(beta=0.5), X, Y),
    _loss("SmoothL1Loss-none", lambda: nn.SmoothL1Loss(reduction="none"), X, Y),
    _loss("HuberLoss", lambda: nn.HuberLoss(delta=0.7), X, Y),
    _loss("BCELoss", nn.BCELoss, P01, T01),
    _loss("BCELoss-weight-none", lambda: nn.BCELoss(weight=_w(), reduction="none"), P01, T01),
    _loss("BCEWithLogitsLoss", nn.BCEWithLogitsLoss, X, T01, grad=(True, True)),
    _loss("BCEWithLogitsLoss-pos_weight-sum",
          lambda: nn.BCEWithLogitsLoss(weight=_w(), pos_weight=_w() * 2, reduction="sum"), X, T01),
    _loss("NLLLoss", nn.NLLLoss, X, CLS),
    _loss("NLLLoss-weight-ignore", lambda: nn.NLLLoss(weight=_w(), ignore_index=2), X, CLS_IGNORED),
    _loss("NLLLoss-all-ignored", lambda: nn.NLLLoss(ignore_index=1), X, np.ones(4, np.int64)),
    _loss("NLLLoss-kdim-none", lambda: nn.NLLLoss(reduction="none"), X4, CLS4),
    _loss("CrossEntropyLoss", nn.CrossEntropyLoss, X, CLS),
    _loss("CrossEntropyLoss-none", lambda: nn.CrossEntropyLoss(reduction="none"), X, CLS),
    _loss("CrossEntropyLoss-weight", lambda: nn.CrossEntropyLoss(weight=_w()), X, CLS),
    _loss("CrossEntropyLoss-ignore_index", lambda: nn.CrossEntropyLoss(ignore_index=2), X, CLS_IGNORED),
    _loss("CrossEntropyLoss-all-ignored", lambda: nn.CrossEntropyLoss(ignore_index=1), X, np.ones(4, np.int64)),
    _loss("CrossEntropyLoss-label_smoothing-weight",
          lambda: nn.CrossEntropyLoss(weight=_w(), label_smoothing=0.2), X, CLS),
    _loss("CrossEntropyLoss-probs", nn.CrossEntropyLoss, X, PROB, grad=(True, True)),
    _loss("CrossEntropyLoss-probs-label_smoothing-weight",
          lambda: nn.CrossEntropyLoss(weight=_w(), label_smoothing=0.1), X, PROB),
    _loss("CrossEntropyLoss-kdim-weight-none", lambda: nn.CrossEntropyLoss(weight=_w(), reduction="none"), X4, CLS4),
    _loss("CrossEntropyLoss-unbatched", nn.CrossEntropyLoss, X[0], CLS[0]),
    _loss("KLDivLoss-batchmean", lambda: nn.KLDivLoss(reduction="batchmean"), X, PROB, grad=(True, True)),
    _loss("KLDivLoss-log_target", lambda: nn.KLDivLoss(reduction="sum", log_target=True), X, Y),
    _loss("PoissonNLLLoss", nn.PoissonNLLLoss, X, T01 * 3),
    _loss("PoissonNLLLoss-nolog-full", lambda: nn.PoissonNLLLoss(log_input=False, full=True), P01, T01 * 3),
    _loss("CosineEmbeddingLoss", lambda: nn.CosineEmbeddingLoss(margin=0.2), X, Y, SIGN[:, 0],
          grad=(True, True, False)),
    _loss("MarginRankingLoss", lambda: nn.MarginRankingLoss(margin=0.1), X[:, 0], Y[:, 0], SIGN[:, 0],
          grad=(True, True, False)),
    _loss("HingeEmbeddingLoss", lambda: nn.HingeEmbeddingLoss(margin=1.5), X, SIGN),
    _loss("SoftMarginLoss-none", lambda: nn.SoftMarginLoss(reduction="none"), X, SIGN),
    _loss("TripletMarginLoss", lambda: nn.TripletMarginLoss(margin=1.0, swap=True), X, Y, P01,
          grad=(True, True, True)),
]


@pytest.mark.parametrize(("make", "arrays", "grad"), LOSSES)
def test_loss(make: Callable[[], Any], arrays: tuple[np.ndarray, ...], grad: list[bool], device: str) -> None:
    ref, mod = compare_module(make, arrays, device, grad=grad)
    for name, b in mod.named_buffers():
        assert b.device.type == ember.device(device).type, f"loss buffer {name} on {b.device}"


@pytest.mark.parametrize("fn", [
    pytest.param(lambda x, t, w: F.cross_entropy(x, t, w, ignore_index=0, label_smoothing=0.05), id="cross_entropy"),
    pytest.param(lambda x, t, w: F.nll_loss(F.log_softmax(x, 1), t, w, reduction="sum"), id="nll_loss"),
    pytest.param(lambda x, t, w: F.binary_cross_entropy(x.sigmoid(), F.one_hot(t, 5).double(), w),
                 id="binary_cross_entropy"),
])
def test_functional_loss_with_device_weight(fn: Callable[..., Any], device: str) -> None:
    compare(lambda _, x, w, t: fn(x, t, w), [X, W, CLS], device, grad=[True, False, False])


@pytest.mark.parametrize("fn", [
    pytest.param(lambda x, t: F.cross_entropy(x, t, ignore_index=1), id="cross_entropy"),
    pytest.param(lambda x, t: F.cross_entropy(x, t, ember.tensor(W, device=x.device), ignore_index=1,
                                              label_smoothing=0.1), id="cross_entropy-weight-smoothing"),
    pytest.param(lambda x, t: F.nll_loss(x, t, ignore_index=1), id="nll_loss"),
])
def test_mean_loss_with_every_target_ignored(fn: Callable[..., Any], device: str) -> None:
    # PyTorch: the loss is 0/0 = NaN, the gradient zero (no target contributes)
    x = ember.tensor(X, device=device, requires_grad=True)
    loss = fn(x, ember.ones(4, dtype=ember.int64, device=device))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(x.grad.cpu().numpy(), np.zeros(X.shape))
