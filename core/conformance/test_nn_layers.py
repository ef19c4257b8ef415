"""nn layers on the backend under test: every layer of ``ember.nn`` built from one seed on the CPU and moved
with ``.to(device)``, run on the same input on both; outputs, input gradients, parameter gradients and
buffers compared with the CPU (NumPy) backend, which tests/ checks against PyTorch.

Shapes are few and shared between cases (JAX compiles each op once per shape and dtype).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ember
import ember.nn as nn

from ._reference import check_same, compare, compare_module, ints, pair, rand

V = rand(4, 6)  # (N, features)
S = rand(2, 3, 8, seed=1)  # (N, C, L)
IMG = rand(2, 3, 6, 6, seed=2)  # (N, C, H, W)
SEQ = rand(2, 5, 6, seed=3)  # (N, T, E), batch first
SEQ_T = np.ascontiguousarray(SEQ.transpose(1, 0, 2))  # (T, N, E)
H0 = rand(4, 2, 4, seed=4)  # (layers * directions, N, hidden)


def _case(name: str, make: Callable[[], Any], *arrays: np.ndarray, call: Callable[..., Any] | None = None,
          **kw: Any) -> Any:
    return pytest.param(make, arrays, call, kw, id=name)


LAYERS = [
    _case("Linear", lambda: nn.Linear(6, 4), V),
    _case("Linear-nobias", lambda: nn.Linear(6, 4, bias=False), V),
    _case("Bilinear", lambda: nn.Bilinear(6, 6, 3), V, rand(4, 6, seed=5)),
    _case("Flatten", lambda: nn.Flatten(), IMG),
    _case("Unflatten", lambda: nn.Unflatten(1, (2, 3)), V),
    _case("Sequential", lambda: nn.Sequential(nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 2)), V),
    # convolution
    _case("Conv1d-stride-pad-dil-groups", lambda: nn.Conv1d(3, 6, 3, stride=2, padding=1, dilation=2, groups=3), S),
    _case("Conv2d", lambda: nn.Conv2d(3, 4, 3), IMG),
    _case("Conv2d-stride-pad", lambda: nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 0)), IMG),
    _case("Conv2d-same-dilation", lambda: nn.Conv2d(3, 4, 3, padding="same", dilation=2), IMG),
    _case("Conv2d-valid-nobias", lambda: nn.Conv2d(3, 4, 2, padding="valid", bias=False), IMG),
    _case("Conv2d-groups", lambda: nn.Conv2d(3, 6, 3, padding=1, groups=3), IMG),
    _case("ConvTranspose2d-stride-pad-outpad",
          lambda: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1), IMG),
    _case("ConvTranspose2d-groups-dilation", lambda: nn.ConvTranspose2d(3, 6, 2, groups=3, dilation=2), IMG),
    # pooling
    _case("MaxPool1d-stride-pad", lambda: nn.MaxPool1d(3, stride=2, padding=1), S),
    _case("MaxPool2d-ceil", lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), IMG),
    _case("MaxPool2d-return_indices", lambda: nn.MaxPool2d(2, return_indices=True), IMG),
    _case("AvgPool1d", lambda: nn.AvgPool1d(3, stride=2), S),
    _case("AvgPool2d-pad-exclude", lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), IMG),
    _case("AvgPool2d-ceil-divisor", lambda: nn.AvgPool2d(4, stride=3, ceil_mode=True, divisor_override=3), IMG),
    _case("AdaptiveAvgPool1d", lambda: nn.AdaptiveAvgPool1d(3), S),
    _case("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d((4, 1)), IMG),
    _case("AdaptiveMaxPool2d", lambda: nn.AdaptiveMaxPool2d(4), IMG),
    # normalization (train mode; eval and running statistics in test_batchnorm_*)
    _case("BatchNorm1d-2d", lambda: nn.BatchNorm1d(6), V),
    _case("BatchNorm1d-3d", lambda: nn.BatchNorm1d(3), S),
    _case("BatchNorm2d", lambda: nn.BatchNorm2d(3), IMG),
    _case("BatchNorm2d-noaffine-nostats", lambda: nn.BatchNorm2d(3, affine=False, track_running_stats=False), IMG),
    _case("LayerNorm", lambda: nn.LayerNorm(6), V),
    _case("LayerNorm-2d-noaffine", lambda: nn.LayerNorm((6, 6), elementwise_affine=False), IMG),
    _case("GroupNorm", lambda: nn.GroupNorm(3, 3), S),
    _case("GroupNorm-one-group", lambda: nn.GroupNorm(1, 3), IMG),
    _case("RMSNorm", lambda: nn.RMSNorm(6), V),
    # embedding
    _case("Embedding", lambda: nn.Embedding(10, 4), ints(2, 5, high=10)),
    _case("Embedding-padding_idx", lambda: nn.Embedding(10, 4, padding_idx=0),
          np.array([[0, 3, 0, 9, 3], [1, 0, 2, 2, 5]])),
    _case("Embedding-max_norm", lambda: nn.Embedding(10, 4, max_norm=1.0, norm_type=1.5), ints(2, 5, high=10)),
    # recurrent
    _case("RNN-2layer-bidir-batchfirst", lambda: nn.RNN(6, 4, num_layers=2, bidirectional=True, batch_first=True),
          SEQ, H0),
    _case("LSTM-2layer-bidir-h0c0", lambda: nn.LSTM(6, 4, num_layers=2, bidirectional=True), SEQ_T, H0,
          rand(4, 2, 4, seed=6), call=lambda m, x, h, c: m(x, (h, c))),
    _case("GRU-2layer-bidir-batchfirst", lambda: nn.GRU(6, 4, num_layers=2, bidirectional=True, batch_first=True),
          SEQ, H0),
    _case("RNNCell-relu", lambda: nn.RNNCell(6, 4, nonlinearity="relu"), V, rand(4, 4, seed=7)),
    _case("LSTMCell", lambda: nn.LSTMCell(6, 4), V, rand(4, 4, seed=7), rand(4, 4, seed=8),
          call=lambda m, x, h, c: m(x, (h, c))),
    _case("GRUCell", lambda: nn.GRUCell(6, 4), V),
    # attention
    _case("MultiheadAttention-self-batchfirst-attn_mask", lambda: nn.MultiheadAttention(6, 2, batch_first=True), SEQ,
          call=lambda m, x: m(x, x, x, attn_mask=ember.ones(5, 5, dtype=ember.bool, device=x.device).triu(1))),
    _case("MultiheadAttention-kdim-vdim-masks", lambda: nn.MultiheadAttention(6, 3, kdim=4, vdim=5), SEQ_T,
          rand(3, 2, 4, seed=9), rand(3, 2, 5, seed=10), np.array([[False, False, True], [False, False, False]]),
          call=lambda m, q, k, v, kpm: m(q, k, v, key_padding_mask=kpm, average_attn_weights=False)),
    # upsampling
    _case("Upsample-nearest", lambda: nn.Upsample(scale_factor=2), IMG),
    _case("Upsample-bilinear", lambda: nn.Upsample(size=(5, 9), mode="bilinear"), IMG),
    _case("Upsample-bicubic", lambda: nn.Upsample(scale_factor=2, mode="bicubic"), IMG),
    _case("Upsample-linear-1d", lambda: nn.Upsample(scale_factor=2, mode="linear"), S),
    _case("UpsamplingBilinear2d", lambda: nn.UpsamplingBilinear2d(scale_factor=2), IMG),
    _case("Upsample-bilinear-antialias", lambda: nn.Upsample(size=(4, 3), mode="bilinear"), IMG,
          call=lambda m, x: nn.functional.interpolate(x, size=(4, 3), mode="bilinear", antialias=True)),
    # padding, shuffles, lookup bags
    _case("ReflectionPad2d", lambda: nn.ReflectionPad2d((1, 2, 0, 1)), IMG),
    _case("ReplicationPad1d", lambda: nn.ReplicationPad1d(2), S),
    _case("PixelShuffle", lambda: nn.PixelShuffle(2), rand(2, 4, 3, 3, seed=11)),
    _case("EmbeddingBag-sum-offsets", lambda: nn.EmbeddingBag(10, 3, mode="sum", padding_idx=2),
          np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 3, 3])),
    _case("AdaptiveLogSoftmaxWithLoss", lambda: nn.AdaptiveLogSoftmaxWithLoss(6, 8, [3, 6]), V,
          np.array([0, 4, 7, 2])),
]


@pytest.mark.parametrize(("make", "arrays", "call", "kw"), LAYERS)
def test_layer(make: Callable[[], Any], arrays: tuple[np.ndarray, ...], call: Any, kw: dict[str, Any],
               device: str) -> None:
    compare_module(make, arrays, device, call=call, **kw)


@pytest.mark.parametrize(("make", "x"), [
    pytest.param(lambda: nn.Linear(6, 4), V, id="Linear"),
    pytest.param(lambda: nn.Conv2d(3, 4, 3, padding=1), IMG, id="Conv2d"),
])
def test_layer_float32(make: Callable[[], Any], x: np.ndarray, device: str) -> None:
    compare_module(make, [x], device, dtype=ember.float32)


@pytest.mark.parametrize("make", [
    pytest.param(lambda: nn.BatchNorm1d(6), id="BatchNorm1d"),
    pytest.param(lambda: nn.BatchNorm2d(3, momentum=0.3), id="BatchNorm2d"),
    pytest.param(lambda: nn.BatchNorm2d(3, momentum=None), id="BatchNorm2d-cumulative"),
])
def test_batchnorm_running_stats(make: Callable[[], Any], device: str) -> None:
    ref, mod = pair(make, device)
    x = V if isinstance(ref, nn.BatchNorm1d) else IMG
    bufs = dict(mod.named_buffers())
    for step in range(2):
        compare(lambda m, t: m(t), [x * (step + 1) + step], device, modules=(ref, mod))
        for name, b in mod.named_buffers():
            assert b is bufs[name], f"training replaced buffer {name}; running stats must be updated in place"
            assert b.device.type == ember.device(device).type, f"buffer {name} left the device: {b.device}"
    assert int(mod.num_batches_tracked.item()) == 2
    assert not np.allclose(mod.running_mean.detach().cpu().numpy(), 0.0), "running_mean was not updated"
    ref.eval()
    mod.eval()
    compare(lambda m, t: m(t), [x], device, modules=(ref, mod))
    assert int(mod.num_batches_tracked.item()) == 2, "eval mode must not update the running statistics"


def test_batchnorm_eval_uses_running_stats(device: str) -> None:
    ref, mod = pair(lambda: nn.BatchNorm1d(6), device)
    with ember.no_grad():
        for m, dev in ((ref, "cpu"), (mod, device)):
            m.running_mean.copy_(ember.tensor(np.arange(6.0), dtype=ember.float64, device=dev))
            m.running_var.fill_(4.0)
    mod.eval()
    out = mod(ember.tensor(V, device=device))
    check_same(out, ember.tensor((V - np.arange(6.0)) / np.sqrt(4.0 + 1e-5)), device, what="eval BatchNorm")


@pytest.mark.parametrize("make", [
    pytest.param(lambda: nn.Dropout(0.5), id="Dropout"),
    pytest.param(lambda: nn.Dropout1d(0.5), id="Dropout1d"),
    pytest.param(lambda: nn.Dropout2d(0.5), id="Dropout2d"),
])
def test_dropout_train_scaled_mask_eval_identity(make: Callable[[], Any], device: str) -> None:
    m = make().to(device)
    feature = type(m) is not nn.Dropout
    shape = (8, 16, 8) if isinstance(m, nn.Dropout1d) else (8, 16, 4, 2) if feature else (40, 50)
    x = ember.tensor(rand(*shape, low=0.5, high=1.5), dtype=ember.float32, device=device, requires_grad=True)
    ember.manual_seed(0)
    y = m(x)
    assert y.device.type == ember.device(device).type
    kept = (y != 0).cpu().numpy()
    xs, ys = x.detach().cpu().numpy(), y.detach().cpu().numpy()
    np.testing.assert_allclose(ys[kept], 2 * xs[kept], rtol=1e-6, err_msg="kept values must be scaled by 1/(1-p)")
    assert 0.35 < kept.mean() < 0.65, f"kept fraction {kept.mean()} for p=0.5"
    if feature:  # whole channels are zeroed together
        per_channel = kept.reshape(shape[0], shape[1], -1)
        assert np.all(per_channel.all(-1) | ~per_channel.any(-1)), "Dropout1d/2d must drop whole channels"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), 2.0 * kept, err_msg="grad must be the scaled mask")
    if not feature:
        x3 = ember.tensor(xs, device=device)
        view = x3[:2]
        out = nn.functional.dropout(x3, 0.5, training=True, inplace=True)
        assert out is x3, "F.dropout(inplace=True) must return its input"
        kept3 = x3.cpu().numpy() != 0
        np.testing.assert_array_equal(x3.cpu().numpy()[kept3], 2 * xs[kept3])
        np.testing.assert_array_equal(view.cpu().numpy(), x3.cpu().numpy()[:2], "views must see the write")
    m.eval()
    x2 = ember.tensor(xs, device=device)
    assert m(x2) is x2 or bool((m(x2) == x2).all()), "eval-mode dropout must be the identity"


def test_alpha_dropout_train_affine_mask_eval_identity(device: str) -> None:
    p, alpha = 0.2, -1.7580993408473766  # alpha' = -scale * alpha of SELU
    a = ((1 - p) * (1 + p * alpha**2)) ** -0.5
    b = -a * alpha * p
    m = nn.AlphaDropout(p).to(device)
    x = ember.tensor(rand(40, 50, seed=3), dtype=ember.float64, device=device)
    ember.manual_seed(0)
    y = m(x)
    assert y.device.type == ember.device(device).type
    ys, xs = y.cpu().numpy(), x.cpu().numpy()
    dropped = np.isclose(ys, a * alpha + b, rtol=1e-12, atol=1e-12)
    assert 0.1 < dropped.mean() < 0.3, f"dropped fraction {dropped.mean()} for p={p}"
    np.testing.assert_allclose(ys[~dropped], a * xs[~dropped] + b, rtol=1e-12)
    m.eval()
    np.testing.assert_array_equal(m(x).cpu().numpy(), xs)


def test_embedding_padding_idx_row_gets_no_gradient(device: str) -> None:
    ref, mod = pair(lambda: nn.Embedding(10, 4, padding_idx=0), device)
    idx = ember.tensor([[0, 3, 0], [0, 1, 2]], device=device)
    mod(idx).sum().backward()
    g = mod.weight.grad.cpu().numpy()
    assert g.shape == (10, 4) and not g[0].any(), "padding_idx row must get no gradient"
    np.testing.assert_array_equal(g[3], np.ones(4))
    assert not mod.weight.detach().cpu().numpy()[0].any(), "padding_idx row must be initialized to zeros"
