"""nn activations and ``ember.nn.functional`` on the backend under test: every activation layer, attention,
one_hot, pad, interpolate, normalize, distances, unfold/fold and friends, forward and backward, compared
with the same computation on the CPU (NumPy) backend, which tests/ checks against PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F

from ._reference import check_same, compare, compare_module, ints, rand

V = rand(4, 6)  # (N, features); no value sits on a kink of any activation
V2 = rand(4, 6, seed=5)
S = rand(2, 3, 8, seed=1)
IMG = rand(2, 3, 6, 6, seed=2)
Q, K, VAL = (rand(2, 2, 5, 3, seed=s) for s in (11, 12, 13))  # (N, heads, L, E)

ACTIVATIONS: list[tuple[str, Callable[[], nn.Module]]] = [
    ("ReLU", nn.ReLU), ("ReLU6", nn.ReLU6), ("LeakyReLU", lambda: nn.LeakyReLU(0.1)), ("ELU", lambda: nn.ELU(0.7)),
    ("CELU", lambda: nn.CELU(1.3)), ("SELU", nn.SELU), ("GELU", nn.GELU), ("GELU-tanh", lambda: nn.GELU("tanh")),
    ("SiLU", nn.SiLU), ("Mish", nn.Mish), ("Hardsigmoid", nn.Hardsigmoid), ("Hardswish", nn.Hardswish),
    ("Sigmoid", nn.Sigmoid), ("Tanh", nn.Tanh), ("Softsign", nn.Softsign), ("Tanhshrink", nn.Tanhshrink),
    ("LogSigmoid", nn.LogSigmoid), ("Softplus", lambda: nn.Softplus(beta=2.0, threshold=1.0)),
    ("Hardshrink", lambda: nn.Hardshrink(0.6)), ("Softshrink", lambda: nn.Softshrink(0.6)),
    ("Threshold", lambda: nn.Threshold(0.1, 20.0)), ("Hardtanh", lambda: nn.Hardtanh(-0.5, 1.2)),
    ("GLU", nn.GLU), ("Softmax", lambda: nn.Softmax(dim=1)), ("LogSoftmax", lambda: nn.LogSoftmax(dim=1)),
    ("Softmin", lambda: nn.Softmin(dim=0)), ("PReLU", nn.PReLU), ("PReLU-channels", lambda: nn.PReLU(6, init=0.3)),
]


@pytest.mark.parametrize("make", [pytest.param(make, id=name) for name, make in ACTIVATIONS])
def test_activation(make: Callable[[], nn.Module], device: str) -> None:
    compare_module(make, [V], device)


@pytest.mark.parametrize("fn", [
    pytest.param(lambda x: F.relu_(x * 1), id="relu_"),
    pytest.param(lambda x: F.elu_(x * 1, 0.5), id="elu_"),
    pytest.param(lambda x: F.leaky_relu_(x * 1, 0.2), id="leaky_relu_"),
    pytest.param(lambda x: F.hardtanh_(x * 1, -1.0, 1.0), id="hardtanh_"),
    pytest.param(lambda x: nn.ReLU(inplace=True)(x + 0), id="ReLU-inplace"),
])
def test_inplace_activation(fn: Callable[..., Any], device: str) -> None:
    compare(lambda _, x: fn(x), [V], device)


def test_inplace_activation_writes_through_views(device: str) -> None:
    x = ember.tensor(V, device=device)
    view = x[1:3]
    out = F.relu_(x)
    assert out is x, "F.relu_ must return its input"
    np.testing.assert_array_equal(x.cpu().numpy(), np.maximum(V, 0))
    np.testing.assert_array_equal(view.cpu().numpy(), np.maximum(V[1:3], 0), err_msg="view must see the write")


@pytest.mark.parametrize("kw", [
    pytest.param({}, id="plain"),
    pytest.param({"is_causal": True}, id="causal"),
    pytest.param({"scale": 0.5}, id="scale"),
])
def test_scaled_dot_product_attention(kw: dict[str, Any], device: str) -> None:
    compare(lambda _, q, k, v: F.scaled_dot_product_attention(q, k, v, **kw), [Q, K, VAL], device)


@pytest.mark.parametrize("mask", [
    pytest.param(rand(5, 5, seed=14) > -1.0, id="bool"),
    pytest.param(rand(2, 1, 5, 5, seed=15), id="float"),
])
def test_scaled_dot_product_attention_mask(mask: np.ndarray, device: str) -> None:
    compare(lambda _, q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), [Q, K, VAL, mask], device,
            grad=[True, True, True, False])


@pytest.mark.parametrize("num_classes", [6, -1])
def test_one_hot(num_classes: int, device: str) -> None:
    idx = ints(2, 5, high=4)
    out_r, out_d = compare(lambda _, t: F.one_hot(t, num_classes), [idx], device)
    assert out_d[0].dtype == ember.int64
    want = np.eye(6 if num_classes == 6 else 4, dtype=np.int64)[idx]
    np.testing.assert_array_equal(out_d[0].cpu().numpy(), want)


@pytest.mark.parametrize(("x", "pad", "mode", "value"), [
    pytest.param(IMG, (1, 2, 0, 1), "constant", 0.5, id="constant"),
    pytest.param(IMG, (2, 1, -1, 2), "constant", None, id="constant-crop"),
    pytest.param(IMG, (2, 1, 1, 2), "reflect", None, id="reflect"),
    pytest.param(S, (2, 3), "replicate", None, id="replicate"),
    pytest.param(IMG, (1, 1, 2, 0), "circular", None, id="circular"),
])
def test_pad(x: np.ndarray, pad: tuple[int, ...], mode: str, value: float | None, device: str) -> None:
    compare(lambda _, t: F.pad(t, pad, mode=mode, value=value), [x], device)


@pytest.mark.parametrize(("x", "kw"), [
    pytest.param(IMG, {"size": (4, 9), "mode": "nearest"}, id="nearest-size"),
    pytest.param(IMG, {"scale_factor": 2, "mode": "nearest-exact"}, id="nearest-exact"),
    pytest.param(IMG, {"scale_factor": 1.5, "mode": "bilinear"}, id="bilinear"),
    pytest.param(IMG, {"size": (4, 9), "mode": "bicubic", "align_corners": True}, id="bicubic-align"),
    pytest.param(S, {"size": 5, "mode": "linear"}, id="linear-down"),
    pytest.param(IMG, {"size": (4, 3), "mode": "area"}, id="area"),
])
def test_interpolate(x: np.ndarray, kw: dict[str, Any], device: str) -> None:
    compare(lambda _, t: F.interpolate(t, **kw), [x], device)


@pytest.mark.parametrize("fn", [
    pytest.param(lambda a, b: F.normalize(a), id="normalize"),
    pytest.param(lambda a, b: F.normalize(a, p=1.0, dim=0), id="normalize-p1-dim0"),
    pytest.param(lambda a, b: F.cosine_similarity(a, b), id="cosine_similarity"),
    pytest.param(lambda a, b: F.cosine_similarity(a[:1], b, dim=1, eps=1e-4), id="cosine_similarity-broadcast"),
    pytest.param(lambda a, b: F.pairwise_distance(a, b, p=3.0, keepdim=True), id="pairwise_distance"),
    pytest.param(lambda a, b: F.pdist(a), id="pdist"),
    pytest.param(lambda a, b: F.linear(a, b[:3], b[3, :3]), id="linear"),
    pytest.param(lambda a, b: F.softmax(a.float(), dim=1, dtype=ember.float64), id="softmax-dtype"),
    pytest.param(lambda a, b: F.log_softmax(a, dim=0), id="log_softmax"),
    pytest.param(lambda a, b: F.embedding(ember.tensor([[0, 2], [3, 3]], device=a.device), b), id="embedding"),
    pytest.param(lambda a, b: F.dropout(a, 0.5, training=False) + F.dropout(b, 0.0), id="dropout-identity"),
])
def test_functional_pairs(fn: Callable[..., Any], device: str) -> None:
    compare(lambda _, a, b: fn(a, b), [V, V2], device)


@pytest.mark.parametrize("fn", [
    pytest.param(lambda x: F.unfold(x, 2, padding=1, stride=2), id="unfold"),
    pytest.param(lambda x: F.unfold(x, (3, 2), dilation=(1, 2)), id="unfold-dilation"),
    pytest.param(lambda x: F.fold(F.unfold(x, 3, padding=1), (6, 6), 3, padding=1), id="fold-of-unfold"),
    pytest.param(lambda x: F.fold(x.reshape(2, 12, 9), (4, 4), 2, stride=1), id="fold"),
    pytest.param(lambda x: F.local_response_norm(x, 2), id="local_response_norm"),
    pytest.param(lambda x: F.max_pool2d(x, 2, return_indices=True), id="max_pool2d-indices"),
    pytest.param(lambda x: F.adaptive_max_pool2d(x, 4, return_indices=True), id="adaptive_max_pool2d-indices"),
])
def test_functional_images(fn: Callable[..., Any], device: str) -> None:
    compare(lambda _, x: fn(x), [IMG], device)


def test_embedding_bag(device: str) -> None:
    idx, offsets = np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 3])
    for mode in ("mean", "max"):
        compare(lambda _, w, i, o, mode=mode: F.embedding_bag(i, w, o, mode=mode), [rand(10, 3, seed=16), idx, offsets],
                device)


def test_functional_results_stay_on_device(device: str) -> None:
    x = ember.tensor(IMG, device=device)
    for out in (F.interpolate(x, scale_factor=2), F.pad(x, (1, 1)), F.unfold(x, 2), F.one_hot(x.argmax(1))):
        assert out.device.type == ember.device(device).type, f"result left the device: {out.device}"
    check_same(F.one_hot(ember.tensor([2, 0], device=device), 3), ember.tensor([[0, 0, 1], [1, 0, 0]]), device)


@pytest.mark.parametrize("fn", [
    pytest.param(lambda x: F.pixel_unshuffle(x, 2), id="pixel_unshuffle"),
    pytest.param(lambda x: F.channel_shuffle(x, 3), id="channel_shuffle"),
    pytest.param(lambda x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2), id="max_unpool2d"),
    pytest.param(lambda x: F.lp_pool2d(x.abs() + 0.1, 2, 3, 2), id="lp_pool2d"),
    pytest.param(lambda x: F.grid_sample(x, F.affine_grid(x[:, 0, :2, :3] * 0.5, [2, 3, 4, 5], align_corners=False),
                                         padding_mode="reflection", align_corners=False), id="grid_sample-affine_grid"),
    pytest.param(lambda x: F.pad(x, (-1, 2, 2, -2), mode="circular"), id="pad-circular-negative"),
])
def test_functional_images_more(fn: Callable[..., Any], device: str) -> None:
    compare(lambda _, x: fn(x), [IMG], device)


@pytest.mark.parametrize("fn", [
    pytest.param(lambda a, b: F.multi_margin_loss(a, ember.tensor([0, 5, 2, 1], device=a.device), p=2),
                 id="multi_margin_loss"),
    pytest.param(lambda a, b: F.gaussian_nll_loss(a, b, a.detach().abs() + 0.1, full=True), id="gaussian_nll_loss"),
    pytest.param(lambda a, b: F.ctc_loss(F.log_softmax(a, 1).unsqueeze(1), ember.tensor([[1, 2]], device=a.device),
                                         [4], [2]), id="ctc_loss"),
])
def test_functional_losses_more(fn: Callable[..., Any], device: str) -> None:
    compare(lambda _, a, b: fn(a, b), [V, V2], device)
