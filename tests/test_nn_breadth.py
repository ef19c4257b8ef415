"""PyTorch parity of the less common ``torch.nn`` layers/losses and ``torch.nn.functional`` functions:
shuffles, fold, lp/unpool/fractional/3-d pooling, grid sampling, margin/likelihood/CTC losses, EmbeddingBag,
padding (negative padding included), adaptive softmax; values, gradients and errors against torch on cpu,
a small subset on jax."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
import torch.nn as tnn  # noqa: E402
import torch.nn.functional as TF  # noqa: E402
from _devices import device_params  # noqa: E402

RS = np.random.RandomState(0)


def r(*shape: int, seed: int = 0, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    return np.random.RandomState(seed).uniform(low, high, shape).astype(np.float64)


def _flat(out: Any) -> list[Any]:
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _flat(x)]
    return [out]


def _np(t: Any) -> np.ndarray:
    t = t.detach()
    return t.cpu().numpy() if hasattr(t, "cpu") else t.numpy()


def parity(
    fn: Callable[..., Any], arrays: list[np.ndarray], device: str = "cpu", grad: bool = True,
    rtol: float = 1e-6, atol: float = 1e-8,
) -> None:
    """``fn(lib, F, *tensors)`` on torch and on ember (``device``): same outputs, and the same gradients of a
    fixed weighted sum of the floating outputs with respect to every floating input."""
    results = []
    for lib, F in ((torch, TF), (ember, EF)):
        kw = {"device": device} if lib is ember else {}
        ts = [lib.tensor(a, requires_grad=grad and a.dtype.kind == "f", **kw) for a in arrays]
        outs = _flat(fn(lib, F, *ts))
        floats = [o for o in outs if o.dtype.is_floating_point and o.requires_grad]
        if floats:
            total = sum((o * lib.tensor(np.linspace(0.5, 1.5, o.numel()).reshape(tuple(o.shape)), dtype=o.dtype,
                                        **kw)).sum() for o in floats)
            total.backward()
        grads = [_np(t.grad) if t.grad is not None else None for t in ts]
        results.append(([_np(o) for o in outs], grads))
    (t_out, t_grad), (e_out, e_grad) = results
    assert len(t_out) == len(e_out)
    for a, b in zip(t_out, e_out):
        assert a.shape == b.shape, (a.shape, b.shape)
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)
    for a, b in zip(t_grad, e_grad):
        if a is None or b is None:
            # an input the outputs do not depend on differentiably: None on one side, zeros on the other
            assert not np.any(a if b is None else b)
        else:
            np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)


def same_error(fn: Callable[..., Any], *arrays: np.ndarray) -> None:
    """The same exception type and message from torch and ember."""
    errs = []
    for lib, F in ((torch, TF), (ember, EF)):
        with pytest.raises(Exception) as info:  # noqa: PT011
            fn(lib, F, *[lib.tensor(a) for a in arrays])
        errs.append(info.value)
    assert type(errs[1]).__name__ == type(errs[0]).__name__, errs
    expected = str(errs[0]).replace("torch.Size", "ember.Size").replace("torch.Tensor", "ember.tensor.Tensor")
    assert str(errs[1]) == expected


# --------------------------------------------------------------------------------------------------
# functional forms

X4 = r(2, 8, 3, 4)
IDX = np.array([[0, 2, 1, 1], [3, 0, 2, -1]])

CASES: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "pixel_shuffle": (lambda L, F, x: F.pixel_shuffle(x, 2), [X4]),
    "pixel_unshuffle": (lambda L, F, x: F.pixel_unshuffle(x, 2), [r(2, 2, 4, 6)]),
    "pixel_shuffle_5d": (lambda L, F, x: F.pixel_shuffle(x, 2), [r(2, 1, 4, 2, 3)]),
    "channel_shuffle": (lambda L, F, x: F.channel_shuffle(x, 4), [X4]),
    "native_channel_shuffle": (lambda L, F, x: F.native_channel_shuffle(x, 2), [r(2, 6, 3)]),
    "conv_tbc": (lambda L, F, x, w, b: F.conv_tbc(x, w, b, 1), [r(5, 2, 3), r(3, 3, 4, seed=1), r(4, seed=2)]),
    "lp_pool1d": (lambda L, F, x: F.lp_pool1d(x, 2, 3, 2), [r(2, 3, 9, low=0.1)]),
    "lp_pool2d": (lambda L, F, x: F.lp_pool2d(x, 3.0, 2, ceil_mode=True), [r(2, 3, 5, 5, low=0.1)]),
    "lp_pool2d_p1": (lambda L, F, x: F.lp_pool2d(x, 1, (2, 3)), [r(1, 2, 4, 6, low=0.1)]),
    "lp_pool3d": (lambda L, F, x: F.lp_pool3d(x, 2, 2), [r(1, 2, 4, 4, 4, low=0.1)]),
    "max_unpool1d": (lambda L, F, x: F.max_unpool1d(*F.max_pool1d(x, 2, return_indices=True), 2), [r(2, 3, 8)]),
    "max_unpool2d": (lambda L, F, x: F.max_unpool2d(*F.max_pool2d(x, 2, 2, return_indices=True), 2,
                                                    output_size=(5, 5)), [r(2, 3, 5, 5)]),
    "max_unpool3d": (lambda L, F, x: F.max_unpool3d(*F.max_pool3d(x, 2, return_indices=True), 2), [r(1, 2, 4, 4, 4)]),
    "max_unpool2d_unbatched": (lambda L, F, x: F.max_unpool2d(*F.max_pool2d(x, 3, 2, 1, return_indices=True),
                                                              3, 2, 1, (6, 6)), [r(3, 6, 6)]),
    "max_pool3d_with_indices": (lambda L, F, x: F.max_pool3d_with_indices(x, 2, 1, 1, ceil_mode=True),
                                [r(1, 2, 3, 4, 4)]),
    "adaptive_max_pool1d_with_indices": (lambda L, F, x: F.adaptive_max_pool1d_with_indices(x, 3), [r(2, 3, 7)]),
    "adaptive_max_pool3d": (lambda L, F, x: F.adaptive_max_pool3d(x, (2, 3, 2), True), [r(1, 2, 5, 6, 3)]),
    "adaptive_max_pool3d_with_indices": (lambda L, F, x: F.adaptive_max_pool3d_with_indices(x, 2),
                                         [r(2, 4, 5, 3)]),
    "fractional_max_pool2d": (lambda L, F, x, u: F.fractional_max_pool2d(
        x, 2, output_size=(4, 3), return_indices=True, _random_samples=u), [r(2, 3, 7, 6), r(2, 3, 2, low=0, high=1)]),
    "fractional_max_pool2d_ratio": (lambda L, F, x, u: F.fractional_max_pool2d(
        x, (3, 2), output_ratio=(0.5, 0.5), _random_samples=u), [r(1, 2, 9, 8), r(1, 2, 2, seed=3, low=0, high=1)]),
    "fractional_max_pool3d": (lambda L, F, x, u: F.fractional_max_pool3d_with_indices(
        x, 2, output_size=(3, 2, 3), _random_samples=u), [r(1, 2, 5, 4, 6), r(1, 2, 3, low=0, high=1)]),
    "multi_margin_loss": (lambda L, F, x: F.multi_margin_loss(x, L.tensor([0, 3, 1, 4])), [r(4, 5)]),
    "multi_margin_loss_p2_w": (lambda L, F, x, w: F.multi_margin_loss(
        x, L.tensor([0, 3, 1, 4]), p=2, margin=0.7, weight=w.detach(), reduction="none"),
        [r(4, 5), r(5, seed=1, low=0.1, high=1)]),
    "multi_margin_loss_1d": (lambda L, F, x: F.multi_margin_loss(x, L.tensor([2]), reduction="sum"), [r(5)]),
    "multilabel_margin_loss": (lambda L, F, x: F.multilabel_margin_loss(x, L.tensor(IDX)), [r(2, 4)]),
    "multilabel_margin_loss_none": (lambda L, F, x: F.multilabel_margin_loss(
        x, L.tensor([[3, 3, -1, 0], [-1, 1, 2, 0]]), reduction="none"), [r(2, 4)]),
    "multilabel_soft_margin_loss": (lambda L, F, x, t, w: F.multilabel_soft_margin_loss(x, t, weight=w),
                                    [r(3, 4), r(3, 4, seed=1, low=0, high=1), r(4, seed=2, low=0.1)]),
    "gaussian_nll_loss": (lambda L, F, x, t, v: F.gaussian_nll_loss(x, t, v),
                          [r(3, 4), r(3, 4, seed=1), r(3, 4, seed=2, low=0.0, high=1.0)]),
    "gaussian_nll_loss_homo_full": (lambda L, F, x, t, v: F.gaussian_nll_loss(x, t, v, full=True, reduction="sum"),
                                    [r(3, 4), r(3, 4, seed=1), r(3, seed=2, low=0.0, high=1.0)]),
    "gaussian_nll_loss_bcast": (lambda L, F, x, t, v: F.gaussian_nll_loss(x, t, v, eps=0.3, reduction="none"),
                                [r(3, 4), r(3, 4, seed=1), r(3, 1, seed=2, low=0.0, high=1.0)]),
    "triplet_margin_with_distance_loss": (lambda L, F, a, p, n: F.triplet_margin_with_distance_loss(a, p, n),
                                          [r(4, 3), r(4, 3, seed=1), r(4, 3, seed=2)]),
    "triplet_margin_with_distance_loss_fn": (lambda L, F, a, p, n: F.triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda u, v: 1 - F.cosine_similarity(u, v), margin=0.5, swap=True,
        reduction="none"), [r(4, 3), r(4, 3, seed=1), r(4, 3, seed=2)]),
    "affine_grid_2d": (lambda L, F, th: F.affine_grid(th, [2, 3, 4, 5], align_corners=False), [r(2, 2, 3)]),
    "affine_grid_2d_align": (lambda L, F, th: F.affine_grid(th, [2, 3, 4, 1], align_corners=True), [r(2, 2, 3)]),
    "affine_grid_3d": (lambda L, F, th: F.affine_grid(th, [1, 1, 2, 3, 4], align_corners=False), [r(1, 3, 4)]),
    "gumbel_softmax_shape": (lambda L, F, x: F.gumbel_softmax(x, hard=True).sum(-1), [r(3, 5)]),
    "rrelu_eval": (lambda L, F, x: F.rrelu(x, 0.1, 0.3), [r(3, 5)]),
    "feature_alpha_dropout_eval": (lambda L, F, x: F.feature_alpha_dropout(x, 0.3), [r(2, 3, 4)]),
    "pad_reflect_negative": (lambda L, F, x: F.pad(x, (-1, 2, 2, -1), mode="reflect"), [r(1, 2, 4, 5)]),
    "pad_replicate_negative": (lambda L, F, x: F.pad(x, (-2, 3), mode="replicate"), [r(2, 3, 5)]),
    "pad_circular_negative": (lambda L, F, x: F.pad(x, (-1, 3, 1, 1, 0, -1), mode="circular"), [r(1, 2, 3, 4, 5)]),
    "pad_constant_negative": (lambda L, F, x: F.pad(x, (-1, 2, 1, -2), value=1.5), [r(2, 4, 5)]),
    "cosine_similarity": (lambda L, F, a, b: F.cosine_similarity(a, b, 0), [r(4, 3), r(4, 3, seed=1)]),
}

for _mode in ("bilinear", "nearest", "bicubic"):
    for _pm in ("zeros", "border", "reflection"):
        for _ac in (False, True):
            CASES[f"grid_sample_{_mode}_{_pm}_{int(_ac)}"] = (
                lambda L, F, x, g, m=_mode, p=_pm, a=_ac: F.grid_sample(x, g, m, p, a),
                [r(2, 2, 4, 5), r(2, 3, 4, 2, seed=7, low=-1.3, high=1.3)],
            )
for _mode in ("bilinear", "nearest"):
    CASES[f"grid_sample_3d_{_mode}"] = (
        lambda L, F, x, g, m=_mode: F.grid_sample(x, g, m, "border", False),
        [r(1, 2, 3, 4, 3), r(1, 2, 3, 2, 3, seed=8, low=-1.2, high=1.2)],
    )

NO_GRAD_CASES = {"native_channel_shuffle"}  # no derivative in PyTorch
NO_GRAD_INPUT = {"fractional_max_pool2d", "fractional_max_pool2d_ratio", "fractional_max_pool3d"}
JAX_CASES = ["pixel_shuffle", "max_unpool2d", "multi_margin_loss", "grid_sample_bilinear_zeros_0", "lp_pool2d"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_functional_parity_cpu(name: str) -> None:
    fn, arrays = CASES[name]
    if name in NO_GRAD_INPUT:
        # the random samples are no differentiable input in PyTorch
        parity(lambda L, F, x, u: fn(L, F, x, u.detach()), arrays)
        return
    parity(fn, arrays, grad=name not in NO_GRAD_CASES)


@pytest.mark.parametrize("device", [d for d in device_params() if getattr(d, "values", (d,))[0] == "jax"])
@pytest.mark.parametrize("name", JAX_CASES)
def test_functional_parity_jax(name: str, device: str) -> None:
    fn, arrays = CASES[name]
    parity(fn, arrays, device=device)


def test_ctc_loss_parity() -> None:
    lp = r(6, 3, 5)
    tg = np.array([[1, 2, 2], [3, 1, 0], [4, 0, 0]])
    for reduction in ("none", "mean", "sum"):
        for zero_inf in (False, True):
            parity(lambda L, F, x, red=reduction, zi=zero_inf: F.ctc_loss(
                F.log_softmax(x, 2), L.tensor(tg), [6, 5, 4], [3, 2, 0], reduction=red, zero_infinity=zi),
                [lp], rtol=1e-5)
    # concatenated targets, tensor lengths, a non-zero blank and log-probabilities as the leaf
    lsm = np.log(np.exp(lp) / np.exp(lp).sum(2, keepdims=True))
    parity(lambda L, F, x: F.ctc_loss(x, L.tensor([1, 2, 0, 1, 3]), L.tensor([6, 6, 5]), L.tensor([2, 2, 1]),
                                      blank=4), [lsm], rtol=1e-5)
    # an impossible alignment: inf, zeroed by zero_infinity
    parity(lambda L, F, x: F.ctc_loss(x, L.tensor([[1, 1, 1, 1]] * 3), [6, 6, 6], [4, 4, 4], reduction="none",
                                      zero_infinity=True), [lsm], rtol=1e-5)
    parity(lambda L, F, x: F.ctc_loss(x[:, 0], L.tensor([1, 2]), [6], [2]), [lsm], rtol=1e-5)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_parity(mode: str) -> None:
    w = r(6, 3)
    for kw in (
        {"input": [0, 1, 2, 4, 4, 1], "offsets": [0, 2, 2, 5]},
        {"input": [[0, 1, 2], [4, 4, 1]]},
        {"input": [1, 1, 2, 5], "offsets": [0, 2, 2], "padding_idx": 1},
        {"input": [0, 1, 2, 4, 4, 1], "offsets": [0, 2, 2, 5, 6], "include_last_offset": True},
        {"input": [0, 3, 3, 1], "offsets": [0, 1], "scale_grad_by_freq": mode != "max"},
    ):
        def fn(L: Any, F: Any, wt: Any, kw: dict[str, Any] = kw) -> Any:
            args = dict(kw)
            inp = L.tensor(args.pop("input"))
            if "offsets" in args:
                args["offsets"] = L.tensor(args["offsets"])
            return F.embedding_bag(inp, wt, mode=mode, **args)

        parity(fn, [w])


def test_embedding_bag_per_sample_weights_and_max_norm() -> None:
    parity(lambda L, F, w, p: F.embedding_bag(L.tensor([0, 2, 2, 5]), w, L.tensor([0, 1]), mode="sum",
                                              per_sample_weights=p), [r(6, 3), r(4, seed=1)])
    w = r(6, 3) * 3
    tw, ew = torch.tensor(w), ember.tensor(w)
    a = TF.embedding_bag(torch.tensor([[0, 2], [2, 5]]), tw, max_norm=1.0)
    b = EF.embedding_bag(ember.tensor([[0, 2], [2, 5]]), ew, max_norm=1.0)
    np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ew.numpy(), tw.numpy(), rtol=1e-6)  # the rows were renormalized in place


def test_feature_alpha_dropout_training() -> None:
    x = ember.ones(200, 4, 3)
    y = EF.feature_alpha_dropout(x, 0.5, training=True)
    # whole channels share one value: kept (x * a + b') or dropped (the saturation value)
    per_channel = y.numpy().reshape(200, 4, 3)
    assert np.allclose(per_channel, per_channel[..., :1])
    assert len(np.unique(np.round(per_channel, 6))) == 2
    assert EF.feature_alpha_dropout(x, 1.0, training=True).abs().sum().item() == 0


def test_rrelu_training_slopes_in_range() -> None:
    x = ember.full((1000,), -1.0, requires_grad=True)
    y = EF.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.01
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)
    assert type(y.grad_fn).__name__ == "RreluWithNoiseBackward0"


def test_gumbel_softmax_straight_through() -> None:
    x = ember.tensor(r(4, 6), requires_grad=True)
    y = EF.gumbel_softmax(x, tau=0.5, hard=True)
    assert sorted(np.unique(y.detach().numpy()).tolist()) == [0.0, 1.0]
    np.testing.assert_allclose(y.detach().numpy().sum(1), np.ones(4))
    y[:, 0].sum().backward()
    assert np.any(x.grad.numpy() != 0)


ERRORS: list[tuple[Callable[..., Any], list[np.ndarray]]] = [
    (lambda L, F, x: F.pixel_shuffle(x, 2), [r(2, 2)]),
    (lambda L, F, x: F.pixel_shuffle(x, 2), [r(1, 5, 2, 2)]),
    (lambda L, F, x: F.pixel_unshuffle(x, 2), [r(1, 1, 3, 4)]),
    (lambda L, F, x: F.channel_shuffle(x, 2), [r(1, 5, 2, 2)]),
    (lambda L, F, x: F.channel_shuffle(x, 0), [r(1, 4, 2)]),
    (lambda L, F, x: F.max_unpool2d(x, L.tensor([[[[0, 1], [2, 30]]]]), 2), [r(1, 1, 2, 2)]),
    (lambda L, F, x: F.max_unpool2d(x, L.tensor([[[[0, 1], [2, 3]]]]), 2, output_size=(7, 7)), [r(1, 1, 2, 2)]),
    (lambda L, F, x: F.max_unpool2d(x, L.tensor([[[[0, 1], [2, 3]]]]), 2, output_size=(1, 7, 7)), [r(1, 1, 2, 2)]),
    (lambda L, F, x: F.fractional_max_pool2d(x, 3), [r(1, 1, 5, 5)]),
    (lambda L, F, x: F.fractional_max_pool2d(x, 3, output_size=4), [r(1, 1, 5, 5)]),
    (lambda L, F, x: F.multi_margin_loss(x, L.tensor([0, 1, 5])), [r(3, 4)]),
    (lambda L, F, x: F.multi_margin_loss(x, L.tensor([0, 1, 2]), p=3), [r(3, 4)]),
    (lambda L, F, x: F.multilabel_margin_loss(x, L.tensor([0, 1, 2])), [r(3, 4)]),
    (lambda L, F, x: F.gaussian_nll_loss(x, x, x), [r(3, 4)]),
    (lambda L, F, x, v: F.gaussian_nll_loss(x, x, v), [r(3, 4), r(3, 3, low=0.1)]),
    (lambda L, F, x, v: F.gaussian_nll_loss(x, x, v, reduction="x"), [r(3, 4), r(3, 4, low=0.1)]),
    (lambda L, F, x: F.triplet_margin_with_distance_loss(x, x, x, margin=0), [r(3, 4)]),
    (lambda L, F, x: F.triplet_margin_with_distance_loss(x, x, x[0]), [r(3, 4)]),
    (lambda L, F, x: F.rrelu(x, 0.5, 0.1), [r(3)]),
    (lambda L, F, x: F.feature_alpha_dropout(x, 1.5), [r(3)]),
    (lambda L, F, x: F.grid_sample(x, x, mode="foo", align_corners=False), [r(1, 1, 2, 2)]),
    (lambda L, F, x: F.grid_sample(x, x, padding_mode="foo", align_corners=False), [r(1, 1, 2, 2)]),
    (lambda L, F, x, g: F.grid_sample(x, g, align_corners=False), [r(1, 1, 3, 3), r(1, 2, 2, 3)]),
    (lambda L, F, x, g: F.grid_sample(x, g, align_corners=False), [r(1, 1, 3, 3), r(2, 2, 2, 2)]),
    (lambda L, F, x, g: F.grid_sample(x, g, mode="bicubic", align_corners=False), [r(1, 1, 3, 3, 3), r(1, 2, 2, 2, 3)]),
    (lambda L, F, th: F.affine_grid(th, [1, 1, 2, 2], False), [r(1, 3, 3)]),
    (lambda L, F, th: F.affine_grid(th, [1, 2, 2], False), [r(1, 2, 3)]),
    (lambda L, F, x: F.ctc_loss(x, L.tensor([[1, 2], [1, 1]]), [5, 6], [2, 2]), [r(5, 2, 4)]),
    (lambda L, F, x: F.ctc_loss(x, L.tensor([[1, 2], [1, 1]]), [5, 5], [2, 3]), [r(5, 2, 4)]),
    (lambda L, F, x: F.ctc_loss(x, L.tensor([1, 2, 1]), [5, 5], [2, 2]), [r(5, 2, 4)]),
    (lambda L, F, x: F.ctc_loss(x, L.tensor([[1, 2], [1, 1]]), [5], [2, 2]), [r(5, 2, 4)]),
    (lambda L, F, w: F.embedding_bag(L.tensor([0, 1, 2]), w), [r(5, 3)]),
    (lambda L, F, w: F.embedding_bag(L.tensor([[0, 1]]), w, L.tensor([0])), [r(5, 3)]),
    (lambda L, F, w: F.embedding_bag(L.tensor([0, 1, 2]), w, L.tensor([[0]])), [r(5, 3)]),
    (lambda L, F, w: F.embedding_bag(L.tensor([0, 1, 2]), w, L.tensor([0, 2]), mode="foo"), [r(5, 3)]),
    (lambda L, F, w, p: F.embedding_bag(L.tensor([0, 1, 2]), w, L.tensor([0, 2]), per_sample_weights=p),
     [r(5, 3), r(3)]),
    (lambda L, F, w, p: F.embedding_bag(L.tensor([0, 1, 2]), w, L.tensor([0, 2]), mode="sum",
                                        per_sample_weights=p), [r(5, 3), r(2)]),
    (lambda L, F, w: F.embedding_bag(L.tensor([0, 1, 2]), w, L.tensor([0, 2]), mode="max",
                                     scale_grad_by_freq=True), [r(5, 3)]),
    (lambda L, F, x: F.interpolate(x, scale_factor=0.5, antialias=True), [r(1, 2, 4, 4)]),
    (lambda L, F, x: F.interpolate(x, scale_factor=0.5, mode="linear", antialias=True), [r(1, 2, 4)]),
    (lambda L, F, x: F.interpolate(x, scale_factor=0.5, mode="lanczos"), [r(1, 2, 4, 4)]),
    (lambda L, F, x: F.interpolate(x, scale_factor=0.5, mode="lanczos", antialias=True, align_corners=True),
     [r(1, 2, 4, 4)]),
    (lambda L, F, x: F.pad(x, (1, 2, 3)), [r(1, 3, 4)]),
    (lambda L, F, x: F.pad(x, (1, 2, 3, 4, 5, 6, 7, 8)), [r(1, 3, 4)]),
    (lambda L, F, x: F.pad(x, (-1, 5), mode="reflect"), [r(1, 3, 4)]),
    (lambda L, F, x: F.pad(x, (-3, -2), mode="replicate"), [r(1, 3, 4)]),
    (lambda L, F, x: F.pad(x, (-2, -2), mode="reflect"), [r(1, 3, 4)]),
    (lambda L, F, x: F.pad(x, (-1, 5), mode="circular"), [r(1, 3, 4)]),
    (lambda L, F, x: F.pad(x, (-3, -2), mode="circular"), [r(1, 3, 4)]),
    (lambda L, F, x: F.pad(x, (1, 1), mode="foo"), [r(1, 3, 4)]),
    (lambda L, F, x: F.pad(x, (1, 1), mode="reflect", value=1.0), [r(1, 3, 4)]),
    (lambda L, F, x: F.pad(x, (1, 1, 1, 1), mode="reflect"), [r(3, 3)]),
    (lambda L, F, x: F.pad(x, (-2, -3)), [r(1, 3, 4)]),
    (lambda L, F, x: F.pad(x, (1, 1, -2, -2), mode="replicate"), [r(1, 3, 4)]),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors_match_torch(case: int) -> None:
    fn, arrays = ERRORS[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_error(fn, *arrays)


# --------------------------------------------------------------------------------------------------
# layers

LAYERS: list[tuple[str, tuple[Any, ...], dict[str, Any], list[np.ndarray]]] = [
    ("ConstantPad1d", (2, 3.5), {}, [r(2, 3, 4)]),
    ("ConstantPad2d", ((1, 0, 2, 1), -1.0), {}, [r(2, 3, 4)]),
    ("ConstantPad3d", (1, 0.0), {}, [r(1, 2, 2, 3)]),
    ("ZeroPad1d", ((1, 2),), {}, [r(2, 3, 4)]),
    ("ZeroPad2d", (1,), {}, [r(2, 3, 4)]),
    ("ZeroPad3d", ((1, 0, 0, 1, 2, 0),), {}, [r(1, 2, 2, 3)]),
    ("ReflectionPad1d", (2,), {}, [r(2, 3, 4)]),
    ("ReflectionPad2d", ((1, 2, 0, 1),), {}, [r(2, 3, 4)]),
    ("ReflectionPad3d", (1,), {}, [r(1, 2, 2, 3, 3)]),
    ("ReplicationPad1d", ((3, 1),), {}, [r(2, 3, 4)]),
    ("ReplicationPad2d", (2,), {}, [r(1, 2, 3, 4)]),
    ("ReplicationPad3d", ((1, 0, 2, 1, 0, 1),), {}, [r(2, 2, 2, 3)]),
    ("CircularPad1d", (2,), {}, [r(2, 3, 4)]),
    ("CircularPad2d", ((1, 2, 0, 1),), {}, [r(2, 3, 4)]),
    ("CircularPad3d", (1,), {}, [r(1, 2, 2, 3, 3)]),
    ("PixelShuffle", (2,), {}, [X4]),
    ("PixelUnshuffle", (2,), {}, [r(1, 2, 4, 4)]),
    ("Fold", ((4, 5), 2), {}, [r(2, 12, 12)]),
    ("Unfold", (2,), {"padding": 1, "stride": 2}, [r(2, 3, 4, 5)]),
    ("ChannelShuffle", (2,), {}, [r(2, 4, 3, 3)]),
    ("CosineSimilarity", (), {"dim": 0}, [r(4, 3), r(4, 3, seed=1)]),
    ("PairwiseDistance", (), {"p": 1.0, "keepdim": True}, [r(4, 3), r(4, 3, seed=1)]),
    ("LocalResponseNorm", (3,), {"alpha": 0.1, "k": 2.0}, [r(2, 5, 3, 3)]),
    ("CrossMapLRN2d", (3,), {"alpha": 0.1, "k": 2}, [r(2, 6, 2, 3)]),
    ("Softmax2d", (), {}, [r(2, 3, 2, 2)]),
    ("RReLU", (0.1, 0.3), {}, [r(3, 4)]),
    ("FeatureAlphaDropout", (0.2,), {}, [r(2, 3, 4)]),
    ("LPPool1d", (2, 3), {"stride": 2, "ceil_mode": True}, [r(2, 3, 8, low=0.1)]),
    ("LPPool2d", (2, 2), {}, [r(2, 3, 4, 4, low=0.1)]),
    ("LPPool3d", (1, 2), {}, [r(1, 2, 4, 4, 4, low=0.1)]),
    ("AdaptiveMaxPool3d", ((2, 1, 2),), {}, [r(1, 2, 4, 3, 5)]),
    ("GaussianNLLLoss", (), {"full": True}, [r(3, 4), r(3, 4, seed=1), r(3, 4, seed=2, low=0.1)]),
    ("MultiLabelSoftMarginLoss", (), {}, [r(3, 4), r(3, 4, seed=1, low=0, high=1)]),
    ("TripletMarginWithDistanceLoss", (), {"margin": 0.5}, [r(4, 3), r(4, 3, seed=1), r(4, 3, seed=2)]),
]


@pytest.mark.parametrize("spec", LAYERS, ids=[s[0] for s in LAYERS])
def test_layer_parity_and_repr(spec: tuple[str, tuple[Any, ...], dict[str, Any], list[np.ndarray]]) -> None:
    name, args, kwargs, arrays = spec
    tm, em = getattr(tnn, name)(*args, **kwargs).eval(), getattr(enn, name)(*args, **kwargs).eval()
    assert repr(em) == repr(tm)
    mods = {torch: tm, ember: em}
    parity(lambda L, F, *xs: mods[L](*xs), arrays, rtol=1e-5)


def test_integer_target_layers() -> None:
    x = r(3, 4)
    for name, target, kw in (
        ("MultiMarginLoss", [0, 3, 1], {"p": 2, "margin": 0.5}),
        ("MultiLabelMarginLoss", [[0, 2, -1, 0], [3, -1, 0, 0], [1, 2, 3, 0]], {}),
    ):
        tm, em = getattr(tnn, name)(**kw), getattr(enn, name)(**kw)
        assert repr(em) == repr(tm)
        mods = {torch: tm, ember: em}
        parity(lambda L, F, x, m=mods, t=target: m[L](x, L.tensor(t)), [x])
    with pytest.warns(FutureWarning, match="NLLLoss2d"):
        em = enn.NLLLoss2d()
    parity(lambda L, F, x: F.nll_loss(F.log_softmax(x, 1), L.tensor([[[0, 1], [2, 1]]])) if L is torch
           else em(F.log_softmax(x, 1), L.tensor([[[0, 1], [2, 1]]])), [r(1, 3, 2, 2)])
    ctc_t, ctc_e = tnn.CTCLoss(blank=1, reduction="sum"), enn.CTCLoss(blank=1, reduction="sum")
    assert repr(ctc_e) == repr(ctc_t)
    mods2 = {torch: ctc_t, ember: ctc_e}
    parity(lambda L, F, x: mods2[L](F.log_softmax(x, 2), L.tensor([[0, 2], [3, 3]]), [4, 3], [2, 1]),
           [r(4, 2, 5)], rtol=1e-5)


def test_max_unpool_and_fractional_layers() -> None:
    x = r(2, 3, 6, 6)
    pools = {torch: (tnn.MaxPool2d(2, return_indices=True), tnn.MaxUnpool2d(2)),
             ember: (enn.MaxPool2d(2, return_indices=True), enn.MaxUnpool2d(2))}
    assert repr(pools[ember][1]) == repr(pools[torch][1])
    parity(lambda L, F, x: pools[L][1](*pools[L][0](x)), [x])
    u = r(2, 3, 2, low=0, high=1)
    for cls, kw in (("FractionalMaxPool2d", {"output_size": 3}), ("FractionalMaxPool2d", {"output_ratio": 0.5})):
        ut, ue = torch.tensor(u), ember.tensor(u)
        tm = getattr(tnn, cls)(2, return_indices=True, _random_samples=ut, **kw)
        em = getattr(enn, cls)(2, return_indices=True, _random_samples=ue, **kw)
        assert repr(em) == repr(tm)
        mods = {torch: tm, ember: em}
        parity(lambda L, F, x, m=mods: m[L](x), [x])
    for kw in ({}, {"output_size": 2, "output_ratio": 0.5}, {"output_ratio": 1.5}):
        with pytest.raises(ValueError) as te:  # noqa: PT011
            tnn.FractionalMaxPool2d(2, **kw)
        with pytest.raises(ValueError, match=str(te.value).replace("(", r"\(").replace(")", r"\)")):
            enn.FractionalMaxPool2d(2, **kw)


def test_embedding_bag_layer() -> None:
    w = r(6, 3)
    tm = tnn.EmbeddingBag.from_pretrained(torch.tensor(w), freeze=False, mode="max", padding_idx=2)
    em = enn.EmbeddingBag.from_pretrained(ember.tensor(w), freeze=False, mode="max", padding_idx=2)
    assert repr(em) == repr(tm)
    mods = {torch: tm, ember: em}
    parity(lambda L, F, _: mods[L](L.tensor([0, 2, 3, 5, 1]), L.tensor([0, 2])), [r(1)])
    np.testing.assert_allclose(em.weight.grad.numpy(), tm.weight.grad.numpy())
    bag = enn.EmbeddingBag(10, 4, mode="sum", padding_idx=-1)
    assert repr(bag) == repr(tnn.EmbeddingBag(10, 4, mode="sum", padding_idx=-1))
    assert bag.padding_idx == 9 and not bag.weight[9].any()
    assert not enn.EmbeddingBag.from_pretrained(ember.tensor(w)).weight.requires_grad


def test_adaptive_log_softmax_with_loss() -> None:
    torch.manual_seed(0)
    tm = tnn.AdaptiveLogSoftmaxWithLoss(8, 10, [4, 8], div_value=2.0, head_bias=True).double()
    em = enn.AdaptiveLogSoftmaxWithLoss(8, 10, [4, 8], div_value=2.0, head_bias=True).double()
    assert repr(em) == repr(tm)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = r(5, 8)
    target = np.array([0, 5, 9, 3, 8])
    mods = {torch: tm, ember: em}
    parity(lambda L, F, x: tuple(mods[L](x, L.tensor(target))), [x], rtol=1e-5)
    parity(lambda L, F, x: mods[L].log_prob(x), [x], rtol=1e-5)
    np.testing.assert_array_equal(em.predict(ember.tensor(x)).numpy(), tm.predict(torch.tensor(x)).numpy())
    out = em(ember.tensor(x[0]), ember.tensor(3))
    assert out.output.shape == () and out._fields == ("output", "loss")
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 9\]"):
        em(ember.tensor(x), ember.tensor([0, 1, 2, 3, 10]))
    with pytest.raises(ValueError, match="cutoffs should be a sequence of unique"):
        enn.AdaptiveLogSoftmaxWithLoss(8, 10, [4, 4])


@pytest.mark.parametrize("mode,kw", [
    ("nearest", {"scale_factor": 1.7}),
    ("nearest-exact", {"size": (5, 7)}),
    ("bilinear", {"scale_factor": 1.5, "align_corners": True}),
    ("bilinear", {"scale_factor": 0.6, "recompute_scale_factor": True}),
    ("bicubic", {"size": (6, 3)}),
    ("area", {"size": (2, 3)}),
    ("bilinear", {"size": (2, 3), "antialias": True}),
    ("bilinear", {"scale_factor": 0.37, "antialias": True, "align_corners": True}),
    ("bicubic", {"size": (3, 7), "antialias": True}),
    ("lanczos", {"scale_factor": (0.5, 2.0), "antialias": True, "recompute_scale_factor": True}),
])
def test_interpolate_modes(mode: str, kw: dict[str, Any]) -> None:
    parity(lambda L, F, x: F.interpolate(x, mode=mode, **kw), [r(2, 3, 4, 5)], rtol=1e-5)


def test_linear_cross_entropy() -> None:
    target = np.array([0, 3, 5, 1, -100])
    for kw in ({}, {"reduction": "sum", "label_smoothing": 0.1}, {"reduction": "none", "ignore_index": 3}):
        tgt = np.where(target < 0, 2, target) if "ignore_index" in kw else target
        parity(lambda L, F, x, w, b, kw=kw, t=tgt: F.linear_cross_entropy(x, w, L.tensor(t), linear_bias=b, **kw),
               [r(5, 4), r(6, 4, seed=1), r(6, seed=2)])
    tm = tnn.LinearCrossEntropyLoss(4, 3, out_features=(2,), bias=True).double()
    em = enn.LinearCrossEntropyLoss(4, 3, out_features=(2,), bias=True).double()
    assert repr(em) == repr(tm)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    mods = {torch: tm, ember: em}
    parity(lambda L, F, x: mods[L](x, L.tensor([[0, 2], [1, 1], [2, 0]])), [r(3, 4)])
    assert repr(enn.LinearCrossEntropyOptions()) == repr(tnn.LinearCrossEntropyOptions())
    with pytest.warns(UserWarning, match="options.. ignored"):
        EF.linear_cross_entropy(ember.tensor(r(3, 4)), ember.tensor(r(5, 4)), ember.tensor([0, 1, 2]),
                                label_smoothing=0.1, options=enn.LinearCrossEntropyOptions())
    same_error(lambda L, F, x, w: F.linear_cross_entropy(x, w, L.tensor([0])), r(1, 2, 4), r(5, 4))
    same_error(lambda L, F, x, w: F.linear_cross_entropy(x, w, L.tensor([0])), r(1, 3), r(5, 4))
