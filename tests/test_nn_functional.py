"""Parity of ``ember.nn.functional`` with ``torch.nn.functional``: forward values and input gradients.

Each case is one lambda written against the shared API, run once with ``(torch, torch.nn.functional)``
and once with ``(ember, ember.nn.functional)`` on copies of the same inputs (tinygrad's helper_test_op).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

import ember  # noqa: E402
import ember.nn.functional as F  # noqa: E402

F64 = {"rtol": 1e-7, "atol": 1e-9}
# float32 results summed over hundreds of products (conv weight gradients) depend on the summation
# order of the BLAS at hand: a little more room than assert_close's float32 defaults
ACCUM32 = {"rtol": 1e-5, "atol": 1e-5}


def to_ember(t: Any) -> Any:
    if not isinstance(t, torch.Tensor):
        return t
    return ember.tensor(t.detach().cpu().numpy(), requires_grad=t.requires_grad)


def assert_close(e: Any, t: Any, **tol: Any) -> None:
    tol = tol or {}
    actual = torch.from_numpy(np.asarray(e.detach().cpu().numpy()).copy())
    torch.testing.assert_close(actual, t.detach(), equal_nan=True, check_dtype=True, **tol)


def run_both(
    fn: Callable[..., Any],
    inputs: list[Any],
    tol: dict[str, Any] | None = None,
    grad: bool = True,
    seed: int = 0,
) -> None:
    """Run ``fn(lib, F, *inputs)`` with torch and ember; compare outputs and the gradients of the inputs."""
    tol = tol if tol is not None else (F64 if _dtype(inputs) == torch.float64 else {})
    t_in = [
        x.detach().clone().requires_grad_(grad and x.requires_grad) if isinstance(x, torch.Tensor) else x
        for x in inputs
    ]
    e_in = [to_ember(x) for x in t_in]
    t_out = fn(torch, TF, *t_in)
    e_out = fn(ember, F, *e_in)
    t_outs = t_out if isinstance(t_out, tuple) else (t_out,)
    e_outs = e_out if isinstance(e_out, tuple) else (e_out,)
    assert len(t_outs) == len(e_outs)
    for eo, to in zip(e_outs, t_outs):
        if to is None:
            assert eo is None
            continue
        assert tuple(eo.shape) == tuple(to.shape)
        assert eo.dtype.name == str(to.dtype).replace("torch.", "")
        assert_close(eo, to, **tol)
    if not grad or not any(isinstance(x, torch.Tensor) and x.requires_grad for x in t_in):
        return
    gen = torch.Generator().manual_seed(seed)
    t_loss, e_loss = 0, 0
    for eo, to in zip(e_outs, t_outs):
        if to is not None and to.requires_grad:
            w = torch.randn(to.shape, generator=gen, dtype=to.dtype)
            t_loss = t_loss + (to * w).sum()
            e_loss = e_loss + (eo * to_ember(w)).sum()
    t_loss.backward()
    e_loss.backward()
    for ei, ti in zip(e_in, t_in):
        if isinstance(ti, torch.Tensor) and ti.requires_grad:
            assert ei.grad is not None, "missing gradient"
            assert_close(ei.grad, ti.grad, **tol)


def _dtype(inputs: list[Any]) -> Any:
    for x in inputs:
        if isinstance(x, torch.Tensor) and x.is_floating_point():
            return x.dtype
    return torch.float64


def rnd(*shape: int, dtype: Any = torch.float64, scale: float = 1.0, rg: bool = True, seed: int = 0) -> Any:
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=g, dtype=dtype) * scale).requires_grad_(rg)


# ---------------------------------------------------------------------------------------------
# activations

ACTIVATIONS: dict[str, Callable[..., Any]] = {
    "relu": lambda L, F, x: F.relu(x),
    "relu6": lambda L, F, x: F.relu6(x * 3),
    "leaky_relu": lambda L, F, x: F.leaky_relu(x, 0.2),
    "elu": lambda L, F, x: F.elu(x, 0.7),
    "selu": lambda L, F, x: F.selu(x),
    "celu": lambda L, F, x: F.celu(x, 1.3),
    "gelu": lambda L, F, x: F.gelu(x),
    "gelu_tanh": lambda L, F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda L, F, x: F.silu(x),
    "mish": lambda L, F, x: F.mish(x),
    "sigmoid": lambda L, F, x: F.sigmoid(x),
    "tanh": lambda L, F, x: F.tanh(x),
    "hardtanh": lambda L, F, x: F.hardtanh(x, -0.5, 0.7),
    "hardsigmoid": lambda L, F, x: F.hardsigmoid(x * 3),
    "hardswish": lambda L, F, x: F.hardswish(x * 3),
    "softplus": lambda L, F, x: F.softplus(x),
    "softplus_beta": lambda L, F, x: F.softplus(x * 10, beta=2, threshold=5),
    "logsigmoid": lambda L, F, x: F.logsigmoid(x * 10),
    "softsign": lambda L, F, x: F.softsign(x),
    "tanhshrink": lambda L, F, x: F.tanhshrink(x),
    "hardshrink": lambda L, F, x: F.hardshrink(x, 0.3),
    "softshrink": lambda L, F, x: F.softshrink(x, 0.3),
    "threshold": lambda L, F, x: F.threshold(x, 0.1, -2.0),
    "glu": lambda L, F, x: F.glu(x, 1),
    "softmax": lambda L, F, x: F.softmax(x * 5, dim=1),
    "softmax_last": lambda L, F, x: F.softmax(x, -1),
    "log_softmax": lambda L, F, x: F.log_softmax(x * 5, dim=-1),
    "log_softmax_0": lambda L, F, x: F.log_softmax(x, 0),
    "softmin": lambda L, F, x: F.softmin(x, dim=2),
    "softmax_dtype": lambda L, F, x: F.softmax(x, 1, dtype=L.float32),
    "relu_inplace": lambda L, F, x: F.relu(x * 1, inplace=True),
    "relu_": lambda L, F, x: F.relu_(x * 1),
    "elu_": lambda L, F, x: F.elu_(x * 1, 0.5),
    "leaky_relu_": lambda L, F, x: F.leaky_relu_(x * 1, 0.1),
    "hardtanh_": lambda L, F, x: F.hardtanh_(x * 1),
    "silu_inplace": lambda L, F, x: F.silu(x * 1, inplace=True),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_float64(name: str) -> None:
    # PyTorch's celu backward rounds 1/alpha to float32 (derivatives.yaml: 1.0/alpha.toFloat())
    tol = {"rtol": 1e-6, "atol": 1e-9} if name == "celu" else None
    tol = {"rtol": 1e-5, "atol": 1e-6} if name == "softmax_dtype" else tol
    run_both(ACTIVATIONS[name], [rnd(3, 4, 6, scale=2.0)], tol)


@pytest.mark.parametrize("name", ["relu", "gelu", "silu", "softmax", "log_softmax", "hardswish", "elu"])
def test_activation_float32(name: str) -> None:
    run_both(ACTIVATIONS[name], [rnd(3, 4, 6, dtype=torch.float32, scale=2.0)])


def test_prelu() -> None:
    run_both(lambda L, F, x, w: F.prelu(x, w), [rnd(2, 3, 4), rnd(3, seed=1)])
    run_both(lambda L, F, x, w: F.prelu(x, w), [rnd(2, 3, 4), rnd(1, seed=1)])


def test_softmax_extremes_and_implicit_dim() -> None:
    x = torch.tensor([[1000.0, 0.0, -1000.0], [-math.inf, 0.0, 1.0]], dtype=torch.float64, requires_grad=True)
    run_both(lambda L, F, x: F.softmax(x, 1), [x])
    run_both(lambda L, F, x: F.log_softmax(x, 1), [x.detach()[:1].requires_grad_()])
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = F.softmax(ember.ones(2, 3))
    assert_close(out, torch.full((2, 3), 1 / 3))
    assert F.softmax(ember.ones(2, 3, requires_grad=True), 1).grad_fn.name() == "SoftmaxBackward0"


# ---------------------------------------------------------------------------------------------
# losses


def _cls_target(shape: tuple[int, ...], n: int, seed: int = 3, ignore: int | None = None) -> Any:
    g = torch.Generator().manual_seed(seed)
    t = torch.randint(0, n, shape, generator=g)
    if ignore is not None:
        t[tuple(0 for _ in shape)] = ignore
    return t


def _probs(*shape: int, seed: int = 4) -> Any:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=g, dtype=torch.float64).softmax(1)


LOSSES: dict[str, tuple[Callable[..., Any], Callable[[], list[Any]]]] = {
    "mse": (
        lambda L, F, x, t, r: F.mse_loss(x, t, reduction=r),
        lambda: [rnd(4, 5), rnd(4, 5, rg=False, seed=1)],
    ),
    "mse_weight": (
        lambda L, F, x, t, w, r: F.mse_loss(x, t, reduction=r, weight=w),
        lambda: [rnd(4, 5), rnd(4, 5, seed=1), rnd(4, 5, rg=False, seed=2).abs()],
    ),
    "l1": (lambda L, F, x, t, r: F.l1_loss(x, t, reduction=r), lambda: [rnd(4, 5), rnd(4, 5, seed=1)]),
    "smooth_l1": (
        lambda L, F, x, t, r: F.smooth_l1_loss(x, t, reduction=r, beta=0.5),
        lambda: [rnd(4, 5), rnd(4, 5, seed=1)],
    ),
    "smooth_l1_beta0": (
        lambda L, F, x, t, r: F.smooth_l1_loss(x, t, reduction=r, beta=0.0),
        lambda: [rnd(4, 5), rnd(4, 5, seed=1)],
    ),
    "huber": (
        lambda L, F, x, t, r: F.huber_loss(x, t, reduction=r, delta=0.7),
        lambda: [rnd(4, 5), rnd(4, 5, seed=1)],
    ),
    "cross_entropy": (
        lambda L, F, x, t, r: F.cross_entropy(x, t, reduction=r),
        lambda: [rnd(6, 5, scale=3), _cls_target((6,), 5)],
    ),
    "cross_entropy_1d": (
        lambda L, F, x, t, r: F.cross_entropy(x, t, reduction=r),
        lambda: [rnd(5, scale=3), torch.tensor(2)],
    ),
    "cross_entropy_weight_ignore": (
        lambda L, F, x, t, w, r: F.cross_entropy(x, t, weight=w, ignore_index=1, reduction=r),
        lambda: [rnd(7, 5, scale=3), _cls_target((7,), 5, ignore=1), rnd(5, rg=False, seed=5).abs()],
    ),
    "cross_entropy_ignore_default": (
        lambda L, F, x, t, r: F.cross_entropy(x, t, reduction=r),
        lambda: [rnd(6, 5), _cls_target((6,), 5, ignore=-100)],
    ),
    "cross_entropy_smoothing": (
        lambda L, F, x, t, w, r: F.cross_entropy(
            x, t, weight=w, ignore_index=0, reduction=r, label_smoothing=0.2
        ),
        lambda: [rnd(7, 5, scale=3), _cls_target((7,), 5, ignore=0), rnd(5, rg=False, seed=5).abs()],
    ),
    "cross_entropy_smoothing_noweight": (
        lambda L, F, x, t, r: F.cross_entropy(x, t, reduction=r, label_smoothing=0.1),
        lambda: [rnd(7, 5, scale=3), _cls_target((7,), 5, ignore=-100)],
    ),
    "cross_entropy_nd": (
        lambda L, F, x, t, w, r: F.cross_entropy(x, t, weight=w, reduction=r, label_smoothing=0.05),
        lambda: [rnd(2, 4, 3, 5), _cls_target((2, 3, 5), 4), rnd(4, rg=False, seed=6).abs()],
    ),
    "cross_entropy_probs": (
        lambda L, F, x, t, w, r: F.cross_entropy(x, t, weight=w, reduction=r, label_smoothing=0.3),
        lambda: [rnd(4, 5, 3), _probs(4, 5, 3), rnd(5, rg=False, seed=6).abs()],
    ),
    "cross_entropy_probs_plain": (
        lambda L, F, x, t, r: F.cross_entropy(x, t, reduction=r),
        lambda: [rnd(4, 5), _probs(4, 5)],
    ),
    "nll": (
        lambda L, F, x, t, w, r: F.nll_loss(x, t, weight=w, ignore_index=2, reduction=r),
        lambda: [rnd(6, 4), _cls_target((6,), 4, ignore=2), rnd(4, rg=False, seed=2).abs()],
    ),
    "nll_nd": (
        lambda L, F, x, t, r: F.nll_loss(x, t, reduction=r),
        lambda: [rnd(2, 3, 4), _cls_target((2, 4), 3)],
    ),
    "bce": (
        lambda L, F, x, t, w, r: F.binary_cross_entropy(x.sigmoid(), t, weight=w, reduction=r),
        lambda: [rnd(4, 3), torch.rand(4, 3, dtype=torch.float64), rnd(4, 3, rg=False, seed=2).abs()],
    ),
    "bce_with_logits": (
        lambda L, F, x, t, w, pw, r: F.binary_cross_entropy_with_logits(
            x, t, weight=w, pos_weight=pw, reduction=r
        ),
        lambda: [
            rnd(4, 3, scale=5),
            torch.rand(4, 3, dtype=torch.float64),
            rnd(4, 3, rg=False, seed=2).abs(),
            rnd(3, rg=False, seed=3).abs(),
        ],
    ),
    "bce_with_logits_plain": (
        lambda L, F, x, t, r: F.binary_cross_entropy_with_logits(x, t, reduction=r),
        lambda: [rnd(4, 3, scale=30), torch.rand(4, 3, dtype=torch.float64)],
    ),
    "kl_div": (
        lambda L, F, x, t, r: F.kl_div(F.log_softmax(x, 1), t, reduction=r),
        lambda: [
            rnd(3, 4),
            torch.cat([_probs(2, 4), torch.tensor([[0.0, 0.5, 0.5, 0.0]], dtype=torch.float64)]),
        ],
    ),
    "kl_div_log_target": (
        lambda L, F, x, t, r: F.kl_div(F.log_softmax(x, 1), t, reduction=r, log_target=True),
        lambda: [rnd(3, 4), _probs(3, 4).log().requires_grad_()],
    ),
    "cosine_embedding": (
        lambda L, F, a, b, y, r: F.cosine_embedding_loss(a, b, y, margin=0.2, reduction=r),
        lambda: [rnd(5, 4), rnd(5, 4, seed=1), torch.tensor([1, -1, 1, -1, -1])],
    ),
    "margin_ranking": (
        lambda L, F, a, b, y, r: F.margin_ranking_loss(a, b, y, margin=0.1, reduction=r),
        lambda: [rnd(6), rnd(6, seed=1), torch.tensor([1.0, -1, 1, -1, 1, 1], dtype=torch.float64)],
    ),
    "hinge_embedding": (
        lambda L, F, x, y, r: F.hinge_embedding_loss(x, y, margin=0.5, reduction=r),
        lambda: [rnd(6), torch.tensor([1.0, -1, 1, -1, 1, -1], dtype=torch.float64)],
    ),
    "soft_margin": (
        lambda L, F, x, y, r: F.soft_margin_loss(x, y, reduction=r),
        lambda: [rnd(6), torch.tensor([1.0, -1, 1, -1, 1, -1], dtype=torch.float64)],
    ),
    "poisson_nll": (
        lambda L, F, x, y, r: F.poisson_nll_loss(x, y, full=True, reduction=r),
        lambda: [rnd(6), torch.tensor([0.0, 1, 2, 3, 4, 5], dtype=torch.float64)],
    ),
    "triplet": (
        lambda L, F, a, p, n, r: F.triplet_margin_loss(a, p, n, swap=True, reduction=r),
        lambda: [rnd(4, 3), rnd(4, 3, seed=1), rnd(4, 3, seed=2)],
    ),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", list(LOSSES))
def test_loss(name: str, reduction: str) -> None:
    fn, make = LOSSES[name]
    if name.startswith("kl_div") and reduction == "mean":
        reduction = "batchmean"
    run_both(lambda L, F, *a: fn(L, F, *a, reduction), make())


def test_cross_entropy_float32_and_all_ignored() -> None:
    run_both(
        lambda L, F, x, t: F.cross_entropy(x, t), [rnd(8, 10, dtype=torch.float32), _cls_target((8,), 10)]
    )
    x = ember.randn(3, 4, requires_grad=True)
    loss = F.cross_entropy(x, ember.tensor([-100, -100, -100]))
    assert math.isnan(loss.item())


def test_kl_div_mean_warns_and_legacy_reduction() -> None:
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(ember.zeros(2, 3), ember.ones(2, 3) / 3)
    with pytest.warns(UserWarning, match="size_average and reduce"):
        out = F.mse_loss(ember.ones(3), ember.zeros(3), size_average=False)
    assert out.item() == 3.0


# ---------------------------------------------------------------------------------------------
# linear, convolution, pooling, fold


def test_linear_bilinear() -> None:
    run_both(lambda L, F, x, w, b: F.linear(x, w, b), [rnd(2, 3, 4), rnd(5, 4, seed=1), rnd(5, seed=2)])
    run_both(lambda L, F, x, w: F.linear(x, w), [rnd(3, 4), rnd(5, 4, seed=1)])
    run_both(
        lambda L, F, a, b, w, c: F.bilinear(a, b, w, c),
        [rnd(3, 4), rnd(3, 2, seed=1), rnd(5, 4, 2, seed=2), rnd(5, seed=3)],
    )


CONV2D = [  # (cin, cout, kernel, stride, padding, dilation, groups, input hw)
    (3, 4, 3, 1, 0, 1, 1, (7, 8)),
    (3, 4, 3, 1, 1, 1, 1, (7, 8)),
    (4, 6, (3, 2), (2, 1), (1, 0), (1, 2), 2, (9, 8)),
    (2, 4, 3, 1, "same", 2, 1, (6, 7)),
    (2, 3, 4, 1, "same", 1, 1, (6, 7)),
    (2, 3, 3, 2, "valid", 1, 1, (7, 6)),
    (4, 4, 3, 2, 1, 1, 4, (8, 8)),
]


@pytest.mark.parametrize("case", CONV2D, ids=str)
def test_conv2d(case: tuple[Any, ...]) -> None:
    cin, cout, k, s, p, d, g, hw = case
    ks = (k, k) if isinstance(k, int) else k
    run_both(
        lambda L, F, x, w, b: F.conv2d(x, w, b, s, p, d, g),
        [rnd(2, cin, *hw), rnd(cout, cin // g, *ks, seed=1), rnd(cout, seed=2)],
    )


def test_conv_float32_unbatched_and_1d_3d() -> None:
    run_both(
        lambda L, F, x, w, b: F.conv2d(x, w, b, padding=1),
        [
            rnd(4, 3, 10, 10, dtype=torch.float32),
            rnd(8, 3, 3, 3, dtype=torch.float32, seed=1),
            rnd(8, dtype=torch.float32, seed=2),
        ],
        ACCUM32,
    )
    run_both(lambda L, F, x, w: F.conv2d(x, w, stride=2), [rnd(3, 6, 6), rnd(2, 3, 2, 2, seed=1)])
    run_both(
        lambda L, F, x, w, b: F.conv1d(x, w, b, stride=2, padding=2, dilation=2, groups=2),
        [rnd(2, 4, 11), rnd(6, 2, 3, seed=1), rnd(6, seed=2)],
    )
    run_both(lambda L, F, x, w: F.conv1d(x, w, padding="same"), [rnd(2, 3, 9), rnd(4, 3, 4, seed=1)])
    run_both(
        lambda L, F, x, w: F.conv3d(x, w, padding=1, stride=(1, 2, 1)),
        [rnd(1, 2, 4, 5, 4), rnd(3, 2, 3, 2, 3)],
    )


CONVT = [  # (cin, cout, kernel, stride, padding, output_padding, dilation, groups)
    (4, 6, 3, 2, 1, 1, 1, 2),
    (3, 2, (2, 3), (1, 2), (0, 1), (0, 1), (2, 1), 1),
    (2, 2, 3, 3, 0, 2, 1, 1),
    (2, 3, 3, 1, 1, 0, 1, 1),
]


@pytest.mark.parametrize("case", CONVT, ids=str)
def test_conv_transpose2d(case: tuple[Any, ...]) -> None:
    cin, cout, k, s, p, op, d, g = case
    ks = (k, k) if isinstance(k, int) else k
    run_both(
        lambda L, F, x, w, b: F.conv_transpose2d(x, w, b, s, p, op, g, d),
        [rnd(2, cin, 5, 6), rnd(cin, cout // g, *ks, seed=1), rnd(cout, seed=2)],
    )


def test_conv_transpose1d() -> None:
    run_both(
        lambda L, F, x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
        [rnd(2, 3, 7), rnd(3, 4, 3, seed=1), rnd(4, seed=2)],
    )


def test_conv_errors() -> None:
    with pytest.raises(RuntimeError, match="expected input"):
        F.conv2d(ember.zeros(1, 3, 5, 5), ember.zeros(2, 2, 3, 3))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        F.conv2d(ember.zeros(1, 1, 2, 2), ember.zeros(1, 1, 3, 3))
    with pytest.raises(RuntimeError, match="padding='same' is not supported for strided"):
        F.conv2d(ember.zeros(1, 1, 5, 5), ember.zeros(1, 1, 3, 3), stride=2, padding="same")


MAXPOOL = [  # (kernel, stride, padding, dilation, ceil_mode)
    (2, None, 0, 1, False),
    (3, 2, 1, 1, True),
    ((3, 2), (2, 1), (1, 0), (2, 1), True),
    (3, 3, 1, 1, True),
    (2, 2, 0, 1, True),
]


@pytest.mark.parametrize("case", MAXPOOL, ids=str)
def test_max_pool2d(case: tuple[Any, ...]) -> None:
    k, s, p, d, cm = case
    run_both(lambda L, F, x: F.max_pool2d(x, k, s, p, d, cm, return_indices=True), [rnd(2, 3, 7, 9)])


def test_max_pool_ties_relu_1d_float32() -> None:
    # after relu many windows are all zeros: the gradient goes to the first maximum, as in PyTorch
    run_both(lambda L, F, x: F.max_pool2d(F.relu(x), 2), [rnd(2, 2, 6, 6)])
    run_both(lambda L, F, x: F.max_pool2d(x.round(), 3, 1), [rnd(1, 2, 6, 6, scale=0.8)])
    run_both(lambda L, F, x: F.max_pool1d(x, 3, 2, 1, ceil_mode=True, return_indices=True), [rnd(2, 3, 10)])
    run_both(lambda L, F, x: F.max_pool2d(x, 2), [rnd(4, 8, 12, 12, dtype=torch.float32)])
    run_both(lambda L, F, x: F.max_pool2d(x, 2), [rnd(3, 6, 6)])


AVGPOOL = [  # (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    (2, None, 0, False, True, None),
    (3, 2, 1, True, True, None),
    (3, 2, 1, True, False, None),
    ((3, 2), (2, 1), (1, 0), True, False, 3),
    (3, 3, 1, True, True, None),
    (2, 2, 1, False, False, None),
]


@pytest.mark.parametrize("case", AVGPOOL, ids=str)
def test_avg_pool2d(case: tuple[Any, ...]) -> None:
    k, s, p, cm, cip, do = case
    run_both(lambda L, F, x: F.avg_pool2d(x, k, s, p, cm, cip, do), [rnd(2, 3, 7, 9)])


def test_avg_pool1d_and_adaptive() -> None:
    run_both(
        lambda L, F, x: F.avg_pool1d(x, 4, 3, 2, ceil_mode=True, count_include_pad=False), [rnd(2, 3, 11)]
    )
    for size in [(3, 5), 1, (None, 3), (7, 9), (4, 2)]:
        run_both(lambda L, F, x, size=size: F.adaptive_avg_pool2d(x, size), [rnd(2, 3, 7, 9)])
        run_both(lambda L, F, x, size=size: F.adaptive_max_pool2d(x, size, True), [rnd(2, 3, 7, 9)])
    run_both(lambda L, F, x: F.adaptive_avg_pool1d(x, 4), [rnd(2, 3, 10)])
    run_both(lambda L, F, x: F.adaptive_max_pool1d(x, 3, return_indices=True), [rnd(2, 3, 10)])
    run_both(lambda L, F, x: F.adaptive_avg_pool2d(x, (2, 3)), [rnd(2, 3, 7, 9, dtype=torch.float32)])


def test_unfold_fold() -> None:
    run_both(lambda L, F, x: F.unfold(x, (2, 3), dilation=2, padding=1, stride=(1, 2)), [rnd(2, 3, 6, 7)])
    run_both(
        lambda L, F, x: F.fold(x, (6, 7), (2, 3), dilation=2, padding=1, stride=(1, 2)), [rnd(2, 18, 18)]
    )
    run_both(lambda L, F, x: F.fold(F.unfold(x, 3, padding=1), (5, 5), 3, padding=1), [rnd(3, 5, 5)])


# ---------------------------------------------------------------------------------------------
# normalization, dropout, embedding, padding, resampling, distances, attention


def test_norms() -> None:
    run_both(
        lambda L, F, x, w, b: F.layer_norm(x, (4, 5), w, b, eps=1e-3),
        [rnd(3, 4, 5), rnd(4, 5, seed=1), rnd(4, 5, seed=2)],
    )
    run_both(lambda L, F, x: F.layer_norm(x, [5]), [rnd(3, 4, 5, dtype=torch.float32)])
    run_both(
        lambda L, F, x, w, b: F.group_norm(x, 3, w, b), [rnd(2, 6, 4, 3), rnd(6, seed=1), rnd(6, seed=2)]
    )
    run_both(lambda L, F, x, w: F.rms_norm(x, (5,), w), [rnd(3, 4, 5), rnd(5, seed=1)])
    run_both(
        lambda L, F, x, w, b: F.instance_norm(x, weight=w, bias=b),
        [rnd(2, 3, 5, 4), rnd(3, seed=1), rnd(3, seed=2)],
    )
    run_both(lambda L, F, x: F.local_response_norm(x, 3), [rnd(2, 5, 4, 3)])


def test_batch_norm_functional_running_stats() -> None:
    x, w, b = rnd(8, 3, 4, 5), rnd(3, seed=1), rnd(3, seed=2)
    rm_t, rv_t = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    rm_e, rv_e = to_ember(rm_t), to_ember(rv_t)
    for _ in range(3):
        t = TF.batch_norm(x, rm_t, rv_t, w, b, training=True, momentum=0.3)
        e = F.batch_norm(to_ember(x), rm_e, rv_e, to_ember(w), to_ember(b), training=True, momentum=0.3)
        assert_close(e, t, **F64)
    assert_close(rm_e, rm_t, **F64)
    assert_close(rv_e, rv_t, **F64)
    run_both(
        lambda L, F, x, w, b: F.batch_norm(
            x, L.zeros(3, dtype=L.float64) + 0.5, L.ones(3, dtype=L.float64) * 2, w, b
        ),
        [x, w, b],
    )
    run_both(lambda L, F, x, w, b: F.batch_norm(x, None, None, w, b, training=True), [rnd(6, 3), w, b])
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        F.batch_norm(ember.zeros(1, 3), None, None, training=True)


def test_dropout() -> None:
    ember.manual_seed(0)
    x = ember.ones(200, 50, requires_grad=True)
    y = F.dropout(x, 0.3)
    kept = y != 0
    frac = kept.float().mean().item()
    assert 0.65 < frac < 0.75
    assert_close(y[kept], torch.full((int(kept.sum().item()),), 1 / 0.7, dtype=torch.float32))
    y.sum().backward()
    assert_close(x.grad, torch.from_numpy(y.detach().cpu().numpy()))
    assert F.dropout(x, 0.3, training=False) is x
    assert F.dropout(x, 1.0).abs().sum().item() == 0
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout(x, 1.5)
    z = F.dropout2d(ember.ones(4, 30, 3, 3), 0.5)
    per_channel = z.reshape(4, 30, 9)
    assert bool(((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all())
    a = ember.ones(5, 5) * 1
    assert F.dropout(a, 0.5, inplace=True) is a


def test_embedding_and_one_hot() -> None:
    ids = torch.tensor([[0, 2, 3, 2], [3, 1, 0, 2]])
    run_both(lambda L, F, w, i: F.embedding(i, w, padding_idx=2), [rnd(4, 3), ids])
    run_both(lambda L, F, w, i: F.embedding(i, w, scale_grad_by_freq=True, padding_idx=-1), [rnd(4, 3), ids])
    run_both(lambda L, F, w, i: F.embedding(i, w * 1, max_norm=1.0), [rnd(4, 3, scale=3), ids])
    run_both(lambda L, F, i: F.one_hot(i, 5), [ids])
    run_both(lambda L, F, i: F.one_hot(i), [ids])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad(mode: str) -> None:
    run_both(lambda L, F, x: F.pad(x, (1, 2, 2, 1), mode=mode), [rnd(2, 3, 4, 5)])
    run_both(lambda L, F, x: F.pad(x, (2, 1), mode=mode), [rnd(2, 3, 4)])
    if mode == "constant":
        run_both(lambda L, F, x: F.pad(x, (1, -2, 0, 0, 1, 1), value=3.5), [rnd(2, 3, 4, 5)])


INTERP = [  # (mode, size, scale_factor, align_corners)
    ("nearest", (7, 5), None, None),
    ("nearest", None, 2, None),
    ("nearest", None, (1.7, 0.6), None),
    ("nearest-exact", (7, 5), None, None),
    ("bilinear", (7, 5), None, False),
    ("bilinear", (7, 11), None, True),
    ("bilinear", None, 1.5, False),
    ("bicubic", (7, 9), None, False),
    ("bicubic", (3, 9), None, True),
    ("area", (3, 2), None, None),
]


@pytest.mark.parametrize("case", INTERP, ids=str)
def test_interpolate(case: tuple[Any, ...]) -> None:
    mode, size, sf, ac = case
    run_both(lambda L, F, x: F.interpolate(x, size, sf, mode, ac), [rnd(2, 3, 4, 6)])
    run_both(lambda L, F, x: F.interpolate(x, size, sf, mode, ac), [rnd(2, 3, 4, 6, dtype=torch.float32)])


def test_interpolate_1d() -> None:
    run_both(lambda L, F, x: F.interpolate(x, 9, mode="linear", align_corners=False), [rnd(2, 3, 5)])
    run_both(lambda L, F, x: F.interpolate(x, scale_factor=3, mode="nearest"), [rnd(2, 3, 5)])


def test_distances() -> None:
    run_both(lambda L, F, x: F.normalize(x, dim=1), [rnd(3, 4, 2)])
    run_both(lambda L, F, x: F.normalize(x, p=1, dim=-1), [rnd(3, 4)])
    run_both(lambda L, F, a, b: F.cosine_similarity(a, b), [rnd(3, 4), rnd(3, 4, seed=1)])
    run_both(lambda L, F, a, b: F.cosine_similarity(a, b, dim=-1), [rnd(2, 3, 4), rnd(1, 4, seed=1)])
    run_both(lambda L, F, a, b: F.pairwise_distance(a, b), [rnd(3, 4), rnd(3, 4, seed=1)])
    run_both(lambda L, F, a, b: F.pairwise_distance(a, b, p=1, keepdim=True), [rnd(3, 4), rnd(3, 4, seed=1)])
    run_both(lambda L, F, a: F.pdist(a), [rnd(4, 3)])


def test_sdpa() -> None:
    q, k, v = rnd(2, 3, 4, 5), rnd(2, 3, 6, 5, seed=1), rnd(2, 3, 6, 5, seed=2)
    run_both(lambda L, F, q, k, v: F.scaled_dot_product_attention(q, k, v), [q, k, v])
    run_both(lambda L, F, q, k, v: F.scaled_dot_product_attention(q, k, v, scale=0.3), [q, k, v])
    run_both(
        lambda L, F, q, k, v: F.scaled_dot_product_attention(q, k[..., :4, :], v[..., :4, :], is_causal=True),
        [q, k, v],
    )
    mask = torch.rand(4, 6, generator=torch.Generator().manual_seed(9)) > 0.3
    mask[1] = False  # a fully masked row gives zeros, not NaN
    run_both(lambda L, F, q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), [q, k, v, mask])
    fmask = rnd(4, 6, rg=False, seed=7)
    run_both(lambda L, F, q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), [q, k, v, fmask])
    run_both(
        lambda L, F, q, k, v: F.scaled_dot_product_attention(q, k[:, :1], v[:, :1], enable_gqa=True),
        [q, k, v],
    )


def test_grad_fn_names() -> None:
    x = ember.randn(1, 2, 5, 5, requires_grad=True)
    assert F.log_softmax(x, 1).grad_fn.name() == "LogSoftmaxBackward0"
    assert F.hardtanh(x).grad_fn.name() == "HardtanhBackward0"
    assert (
        F.embedding(ember.tensor([1]), ember.randn(3, 2, requires_grad=True)).grad_fn.name()
        == "EmbeddingBackward0"
    )


# ---------------------------------------------------------------------------------------------
# finite-difference checks (composite gradients, incl. the custom Functions' backward)


def _e64(*shape: int, seed: int) -> Any:
    return to_ember(rnd(*shape, seed=seed))


def test_gradcheck_conv2d() -> None:
    x, w, b = _e64(1, 2, 5, 4, seed=0), _e64(2, 1, 3, 2, seed=1), _e64(2, seed=2)
    assert ember.autograd.gradcheck(
        lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, groups=2), (x, w, b)
    )
    x, w = _e64(1, 2, 3, 3, seed=3), _e64(2, 3, 2, 2, seed=4)
    assert ember.autograd.gradcheck(
        lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1), (x, w)
    )


def test_gradcheck_pool_norm_ce() -> None:
    x = _e64(1, 2, 5, 5, seed=5)
    assert ember.autograd.gradcheck(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), (x,))
    assert ember.autograd.gradcheck(
        lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), (x,)
    )
    x, w, b = _e64(2, 3, 4, seed=6), _e64(4, seed=7), _e64(4, seed=8)
    assert ember.autograd.gradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b), (x, w, b))
    x, t = _e64(4, 5, seed=9), ember.tensor([1, 0, 4, -100])
    assert ember.autograd.gradcheck(lambda x: F.cross_entropy(x, t, label_smoothing=0.1), (x,))


def test_double_backward_conv_softmax() -> None:
    x, w = _e64(1, 2, 4, 4, seed=10), _e64(3, 2, 3, 3, seed=11)
    assert ember.autograd.gradgradcheck(lambda x, w: F.conv2d(x, w, padding=1), (x, w))
    y = _e64(3, 4, seed=12)
    assert ember.autograd.gradgradcheck(lambda y: F.log_softmax(y, 1), (y,))
    assert ember.autograd.gradgradcheck(lambda y: F.softmax(y, 0), (y,))


# ---------------------------------------------------------------------------------------------
# optional fused kernels (docs/architecture.md §4): the lookups and the Functions around them


def test_fused_kernel_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake kernels (the reference itself, on raw arrays) must be called and give the same results."""
    x0 = ember.randn(2, 3, 6, 6, dtype=ember.float64)
    be = x0._device._be
    dev = x0.device
    calls: list[str] = []

    def wrap(a: Any) -> Any:
        return ember.from_numpy(np.asarray(be.to_host(a))).to(dev)

    def fake_softmax(a: Any, axis: int) -> Any:
        calls.append("softmax")
        e = np.exp(a - a.max(axis, keepdims=True))
        return e / e.sum(axis, keepdims=True)

    def fake_log_softmax(a: Any, axis: int) -> Any:
        calls.append("log_softmax")
        return np.log(fake_softmax(a, axis))

    class reference:
        """Run the composite reference (the fake conv kernels are built on it)."""

        def __enter__(self) -> None:
            self.saved = be.conv_nd
            be.conv_nd = None  # the instance attribute hides the class kernel

        def __exit__(self, *exc: Any) -> None:
            be.conv_nd = self.saved

    def sym(padding: Any) -> tuple[int, ...]:
        assert all(lo == hi for lo, hi in padding)
        return tuple(lo for lo, _ in padding)

    def fake_conv(x: Any, w: Any, stride: Any, padding: Any, dilation: Any, groups: int) -> Any:
        calls.append("conv_nd")
        with ember.no_grad(), reference():
            return F.conv2d(wrap(x), wrap(w), None, stride, sym(padding), dilation, groups)._data

    def fake_grad_input(
        g: Any, w: Any, shape: Any, stride: Any, padding: Any, dilation: Any, groups: int
    ) -> Any:
        calls.append("backward_input")
        xs = ember.zeros(shape, dtype=ember.float64, requires_grad=True)
        with reference(), ember.enable_grad():
            y = F.conv2d(xs, wrap(w), None, stride, sym(padding), dilation, groups)
        return ember.autograd.grad(y, xs, wrap(g))[0]._data

    def fake_grad_weight(
        g: Any, x: Any, shape: Any, stride: Any, padding: Any, dilation: Any, groups: int
    ) -> Any:
        calls.append("backward_weight")
        ws = ember.zeros(shape, dtype=ember.float64, requires_grad=True)
        with reference(), ember.enable_grad():
            y = F.conv2d(wrap(x), ws, None, stride, sym(padding), dilation, groups)
        return ember.autograd.grad(y, ws, wrap(g))[0]._data

    x, w, b = rnd(2, 4, 6, 6), rnd(6, 2, 3, 3, seed=1), rnd(6, seed=2)
    ref_t = [x.detach().clone().requires_grad_() for x in (x, w, b)]
    for name, fn in [
        ("softmax", fake_softmax),
        ("log_softmax", fake_log_softmax),
        ("conv_nd", fake_conv),
        ("conv_nd_backward_input", fake_grad_input),
        ("conv_nd_backward_weight", fake_grad_weight),
    ]:
        monkeypatch.setattr(be, name, fn, raising=False)
    run_both(lambda L, F, x, w, b: F.log_softmax(F.conv2d(x, w, b, 2, 1, 1, 2), 1), ref_t)
    run_both(lambda L, F, x: F.softmax(x, -1), [rnd(3, 4)])
    run_both(lambda L, F, x, t: F.cross_entropy(x, t), [rnd(5, 4), torch.tensor([0, 1, 3, 2, 2])])
    assert {"softmax", "log_softmax", "conv_nd", "backward_input", "backward_weight"} <= set(calls)
    # double backward goes through the differentiable reference
    xe, we = _e64(1, 2, 4, 4, seed=10), _e64(3, 2, 3, 3, seed=11)
    assert ember.autograd.gradgradcheck(lambda x, w: F.conv2d(x, w, padding=1), (xe, we))


def test_linear_and_cross_entropy_fast_paths_agree_with_the_general_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """A training step through the backend's ``linear`` kernel and cross entropy's fused fast path gives what
    the composite references give (the kernel hidden, the general path forced by a uniform class weight)."""
    ember.manual_seed(0)
    x = ember.randn(32, 200)
    w = ember.randn(150, 200, requires_grad=True)
    b = ember.randn(150, requires_grad=True)
    t = ember.randint(0, 150, (32,))

    def step(**ce: Any) -> tuple[np.ndarray, ...]:
        w.grad = b.grad = None
        loss = F.cross_entropy(F.linear(x, w, b), t, **ce)
        loss.backward()
        assert w.grad is not None and b.grad is not None
        return loss.detach().numpy(), w.grad.numpy(), b.grad.numpy()

    fast = step()
    monkeypatch.setattr(x._device._be, "linear", None, raising=False)
    general = step(weight=ember.ones(150))
    for a, r in zip(fast, general):
        np.testing.assert_allclose(a, r, rtol=1e-5, atol=1e-6)
    # the fast path keeps the general path's errors
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Bool"):
        F.cross_entropy(ember.randn(4, 3), ember.zeros(4, dtype=ember.bool))
    with pytest.raises(ValueError, match="Expected input batch_size"):
        F.cross_entropy(ember.randn(4, 3), ember.zeros(5, dtype=ember.int64))
