"""Parity of the ``ember.nn`` layers with ``torch.nn``: identical weights copied into both, then forward
outputs, input gradients and parameter gradients compared; plus reprs, default initializations,
running statistics and the train/eval switch."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as enn  # noqa: E402

F64 = {"rtol": 1e-7, "atol": 1e-9}


def to_ember(t: Any) -> Any:
    if isinstance(t, torch.Tensor):
        return ember.tensor(t.detach().cpu().numpy(), requires_grad=t.requires_grad)
    if isinstance(t, tuple):
        return tuple(to_ember(x) for x in t)
    return t


def assert_close(e: Any, t: Any, **tol: Any) -> None:
    actual = torch.from_numpy(np.asarray(e.detach().cpu().numpy()).copy())
    torch.testing.assert_close(actual, t.detach(), equal_nan=True, **tol)


def sync(tm: Any, em: Any) -> None:
    """Copy every parameter and buffer of the torch module into the ember one (same names, same order)."""
    tparams, eparams = dict(tm.named_parameters()), dict(em.named_parameters())
    assert list(eparams) == list(tparams)
    with ember.no_grad():
        for name, tp in tparams.items():
            assert tuple(eparams[name].shape) == tuple(tp.shape), name
            eparams[name].copy_(to_ember(tp.detach()))
        ebufs = dict(em.named_buffers())
        for name, tb in tm.named_buffers():
            ebufs[name].copy_(to_ember(tb))


def flat(out: Any) -> list[Any]:
    if isinstance(out, (tuple, list)):
        return [y for x in out for y in flat(x)]
    return [out]


def rnd(*shape: int, dtype: Any = torch.float64, scale: float = 1.0, rg: bool = True, seed: int = 0) -> Any:
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=g, dtype=dtype) * scale).requires_grad_(rg)


def check_layer(
    make: Callable[..., Any],
    inputs: list[Any],
    dtype: Any = torch.float64,
    train: bool = True,
    call: Callable[..., Any] | None = None,
    tol: dict[str, Any] | None = None,
) -> tuple[Any, Any]:
    """Build the layer in both libraries, sync weights, compare outputs and all gradients."""
    edtype = ember.float64 if dtype == torch.float64 else ember.float32
    tol = tol if tol is not None else (F64 if dtype == torch.float64 else {})
    torch.manual_seed(0)
    tm, em = make(torch.nn, dtype), make(enn, edtype)
    sync(tm, em)
    tm.train(train)
    em.train(train)
    t_in = [
        x.detach().clone().requires_grad_(x.requires_grad) if isinstance(x, torch.Tensor) else x
        for x in inputs
    ]
    e_in = [to_ember(x) for x in t_in]
    call = call or (lambda m, *a: m(*a))
    t_outs, e_outs = flat(call(tm, *t_in)), flat(call(em, *e_in))
    assert len(t_outs) == len(e_outs)
    gen = torch.Generator().manual_seed(1)
    t_loss, e_loss = 0, 0
    for eo, to in zip(e_outs, t_outs):
        if to is None:
            assert eo is None
            continue
        assert tuple(eo.shape) == tuple(to.shape)
        assert_close(eo, to, **tol)
        if to.requires_grad:
            w = torch.randn(to.shape, generator=gen, dtype=to.dtype)
            t_loss = t_loss + (to * w).sum()
            e_loss = e_loss + (eo * to_ember(w)).sum()
    if isinstance(t_loss, torch.Tensor):
        t_loss.backward()
        e_loss.backward()
        for ei, ti in zip(e_in, t_in):
            if isinstance(ti, torch.Tensor) and ti.requires_grad:
                if ti.grad is None:
                    assert ei.grad is None
                else:
                    assert_close(ei.grad, ti.grad, **tol)
        eparams = dict(em.named_parameters())
        for name, tp in tm.named_parameters():
            if tp.grad is None:
                assert eparams[name].grad is None or float(eparams[name].grad.abs().sum()) == 0, name
            else:
                assert eparams[name].grad is not None, f"no gradient for {name}"
                assert_close(eparams[name].grad, tp.grad, **tol)
    return tm, em


# ---------------------------------------------------------------------------------------------
# affine, convolution, pooling


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda nn, dt: nn.Linear(4, 3, dtype=dt), (2, 5, 4)),
        (lambda nn, dt: nn.Linear(4, 3, bias=False, dtype=dt), (6, 4)),
        (lambda nn, dt: nn.Identity(54, unused="x"), (2, 3)),
        (lambda nn, dt: nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2, dtype=dt), (2, 4, 9)),
        (lambda nn, dt: nn.Conv2d(3, 4, 3, padding=1, dtype=dt), (2, 3, 6, 7)),
        (
            lambda nn, dt: nn.Conv2d(4, 6, (3, 2), padding="same", dilation=2, groups=2, dtype=dt),
            (2, 4, 7, 6),
        ),
        (lambda nn, dt: nn.Conv2d(4, 4, 3, stride=2, padding="valid", bias=False, dtype=dt), (1, 4, 7, 7)),
        (lambda nn, dt: nn.Conv2d(2, 4, 3, padding=1, padding_mode="reflect", dtype=dt), (2, 2, 5, 6)),
        (lambda nn, dt: nn.Conv2d(2, 4, 3, padding=(2, 1), padding_mode="circular", dtype=dt), (2, 2, 5, 6)),
        (lambda nn, dt: nn.Conv2d(2, 4, 3, padding="same", padding_mode="replicate", dtype=dt), (2, 2, 5, 6)),
        (lambda nn, dt: nn.Conv3d(2, 3, 2, stride=(1, 2, 1), padding=1, dtype=dt), (1, 2, 3, 4, 3)),
        (
            lambda nn, dt: nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1, dtype=dt),
            (2, 3, 5),
        ),
        (
            lambda nn, dt: nn.ConvTranspose2d(
                4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dtype=dt
            ),
            (2, 4, 4, 5),
        ),
        (
            lambda nn, dt: nn.ConvTranspose2d(
                2, 3, (2, 3), stride=(1, 2), dilation=(2, 1), bias=False, dtype=dt
            ),
            (2, 2, 3, 4),
        ),
        (lambda nn, dt: nn.MaxPool1d(3, 2, 1, ceil_mode=True), (2, 3, 10)),
        (lambda nn, dt: nn.MaxPool2d(2), (2, 3, 6, 8)),
        (
            lambda nn, dt: nn.MaxPool2d((3, 2), stride=(2, 1), padding=1, dilation=(1, 2), ceil_mode=True),
            (2, 3, 7, 8),
        ),
        (lambda nn, dt: nn.AvgPool1d(3, 2, 1, ceil_mode=True, count_include_pad=False), (2, 3, 10)),
        (lambda nn, dt: nn.AvgPool2d(3, 2, 1, ceil_mode=True), (2, 3, 7, 8)),
        (lambda nn, dt: nn.AvgPool2d(2, divisor_override=3), (2, 3, 6, 8)),
        (lambda nn, dt: nn.AdaptiveAvgPool1d(4), (2, 3, 10)),
        (lambda nn, dt: nn.AdaptiveAvgPool2d((3, None)), (2, 3, 7, 8)),
        (lambda nn, dt: nn.AdaptiveMaxPool1d(3), (2, 3, 10)),
        (lambda nn, dt: nn.AdaptiveMaxPool2d((3, 5)), (2, 3, 7, 8)),
    ],
    ids=lambda v: "" if callable(v) else str(v),
)
def test_layer(make: Callable[..., Any], shape: tuple[int, ...]) -> None:
    check_layer(make, [rnd(*shape)])


def test_bilinear_and_pool_indices() -> None:
    check_layer(lambda nn, dt: nn.Bilinear(4, 3, 2, dtype=dt), [rnd(5, 4), rnd(5, 3, seed=1)])
    check_layer(lambda nn, dt: nn.MaxPool2d(3, 2, 1, return_indices=True), [rnd(2, 3, 7, 8)])
    check_layer(lambda nn, dt: nn.AdaptiveMaxPool2d(3, return_indices=True), [rnd(2, 3, 7, 8)])


def test_conv_transpose_output_size_and_float32() -> None:
    check_layer(
        lambda nn, dt: nn.ConvTranspose2d(2, 3, 3, stride=2, dtype=dt),
        [rnd(2, 2, 4, 4)],
        call=lambda m, x: m(x, output_size=[10, 10]),
    )
    check_layer(
        lambda nn, dt: nn.Conv2d(3, 8, 3, padding=1, dtype=dt),
        [rnd(4, 3, 12, 12, dtype=torch.float32)],
        dtype=torch.float32,
        tol={"rtol": 1e-5, "atol": 1e-5},  # summation order of the BLAS at hand
    )
    check_layer(
        lambda nn, dt: nn.Linear(20, 10, dtype=dt), [rnd(8, 20, dtype=torch.float32)], dtype=torch.float32
    )


# ---------------------------------------------------------------------------------------------
# normalization


def _bn_steps(make: Callable[..., Any], shape: tuple[int, ...], steps: int = 3) -> None:
    torch.manual_seed(0)
    tm, em = make(torch.nn, torch.float64), make(enn, ember.float64)
    sync(tm, em)
    for i in range(steps):
        x = rnd(*shape, seed=10 + i, scale=2.0)
        xe = to_ember(x)
        assert_close(em(xe), tm(x), **F64)
    for name, tb in tm.named_buffers():
        assert_close(dict(em.named_buffers())[name], tb, **F64)
    tm.eval()
    em.eval()
    check_eval = rnd(*shape, seed=99)
    assert_close(em(to_ember(check_eval)), tm(check_eval), **F64)


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda nn, dt: nn.BatchNorm1d(3, dtype=dt), (8, 3)),
        (lambda nn, dt: nn.BatchNorm1d(3, momentum=0.3, dtype=dt), (4, 3, 5)),
        (lambda nn, dt: nn.BatchNorm2d(3, dtype=dt), (4, 3, 5, 4)),
        (lambda nn, dt: nn.BatchNorm2d(3, momentum=None, dtype=dt), (4, 3, 5, 4)),
        (lambda nn, dt: nn.BatchNorm2d(3, affine=False, dtype=dt), (4, 3, 5, 4)),
        (lambda nn, dt: nn.BatchNorm2d(3, track_running_stats=False, dtype=dt), (4, 3, 5, 4)),
        (lambda nn, dt: nn.InstanceNorm2d(3, affine=True, track_running_stats=True, dtype=dt), (4, 3, 5, 4)),
    ],
    ids=lambda v: "" if callable(v) else str(v),
)
def test_batch_norm_running_stats_and_eval(make: Callable[..., Any], shape: tuple[int, ...]) -> None:
    check_layer(make, [rnd(*shape)])
    _bn_steps(make, shape)


def test_batch_norm_errors_and_buffers() -> None:
    bn = enn.BatchNorm2d(3)
    with pytest.raises(ValueError, match="expected 4D input"):
        bn(ember.zeros(2, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        enn.BatchNorm1d(3)(ember.zeros(1, 3))
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    bn(ember.randn(2, 3, 4, 4))
    assert int(bn.num_batches_tracked.item()) == 1
    assert bn.num_batches_tracked.dtype is ember.int64


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda nn, dt: nn.LayerNorm(5, dtype=dt), (3, 4, 5)),
        (lambda nn, dt: nn.LayerNorm([4, 5], eps=1e-3, bias=False, dtype=dt), (3, 4, 5)),
        (lambda nn, dt: nn.LayerNorm(5, elementwise_affine=False, dtype=dt), (3, 5)),
        (lambda nn, dt: nn.GroupNorm(2, 6, dtype=dt), (3, 6, 4)),
        (lambda nn, dt: nn.GroupNorm(3, 6, affine=False, dtype=dt), (3, 6, 2, 2)),
        (lambda nn, dt: nn.RMSNorm([5], dtype=dt), (3, 4, 5)),
    ],
    ids=lambda v: "" if callable(v) else str(v),
)
def test_norm_layers(make: Callable[..., Any], shape: tuple[int, ...]) -> None:
    tm, em = check_layer(make, [rnd(*shape, scale=3.0)])
    with torch.no_grad():  # non-trivial affine parameters
        for p in tm.parameters():
            p.uniform_(0.5, 1.5)
    sync(tm, em)
    x = rnd(*shape, seed=4)
    assert_close(em(to_ember(x)), tm(x), **F64)


# ---------------------------------------------------------------------------------------------
# activations, dropout, reshaping, resampling, embedding

ACTIVATION_MODULES = [
    lambda nn, dt: nn.ReLU(),
    lambda nn, dt: nn.ReLU6(),
    lambda nn, dt: nn.LeakyReLU(0.2),
    lambda nn, dt: nn.ELU(0.5),
    lambda nn, dt: nn.SELU(),
    lambda nn, dt: nn.CELU(1.5),
    lambda nn, dt: nn.GELU(),
    lambda nn, dt: nn.GELU("tanh"),
    lambda nn, dt: nn.SiLU(),
    lambda nn, dt: nn.Mish(),
    lambda nn, dt: nn.Sigmoid(),
    lambda nn, dt: nn.Tanh(),
    lambda nn, dt: nn.Hardtanh(-0.5, 2.0),
    lambda nn, dt: nn.Hardsigmoid(),
    lambda nn, dt: nn.Hardswish(),
    lambda nn, dt: nn.Softplus(2.0, 3.0),
    lambda nn, dt: nn.Softmax(dim=1),
    lambda nn, dt: nn.LogSoftmax(dim=-1),
    lambda nn, dt: nn.Softmin(dim=0),
    lambda nn, dt: nn.PReLU(dtype=dt),
    lambda nn, dt: nn.PReLU(4, init=0.1, dtype=dt),
    lambda nn, dt: nn.Threshold(0.1, -1.0),
    lambda nn, dt: nn.Softsign(),
    lambda nn, dt: nn.Tanhshrink(),
    lambda nn, dt: nn.Hardshrink(0.3),
    lambda nn, dt: nn.Softshrink(0.3),
    lambda nn, dt: nn.LogSigmoid(),
    lambda nn, dt: nn.GLU(1),
    lambda nn, dt: nn.Flatten(),
    lambda nn, dt: nn.Flatten(0, 1),
    lambda nn, dt: nn.Unflatten(1, (2, 2)),
]


@pytest.mark.parametrize("i", range(len(ACTIVATION_MODULES)))
def test_activation_modules(i: int) -> None:
    tol = {"rtol": 1e-6, "atol": 1e-9} if i == 5 else None  # torch's CELU backward rounds 1/alpha to float
    check_layer(ACTIVATION_MODULES[i], [rnd(3, 4, 5, scale=3.0)], tol=tol)


def test_inplace_activation_modules() -> None:
    for make in [
        lambda nn, dt: nn.ReLU(True),
        lambda nn, dt: nn.ELU(inplace=True),
        lambda nn, dt: nn.LeakyReLU(inplace=True),
        lambda nn, dt: nn.Hardtanh(inplace=True),
    ]:
        check_layer(make, [rnd(3, 5)], call=lambda m, x: m(x * 1))


def test_dropout_modules() -> None:
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got -0.1"):
        enn.Dropout(-0.1)
    d = enn.Dropout(0.4)
    x = ember.ones(100, 100)
    ember.manual_seed(0)
    y = d(x)
    frac = float((y == 0).float().mean().item())
    assert 0.35 < frac < 0.45
    assert_close(y[y != 0][:5], torch.full((5,), 1 / 0.6))
    d.eval()
    assert d(x) is x
    d2 = enn.Dropout2d(0.5)
    z = d2(ember.ones(8, 16, 4, 4)).reshape(8, 16, 16)
    assert bool(((z == 0).all(-1) | (z == 2).all(-1)).all())
    assert repr(enn.Dropout2d(0.2, True)) == "Dropout2d(p=0.2, inplace=True)"


@pytest.mark.parametrize(
    "make",
    [
        lambda nn, dt: nn.Upsample(scale_factor=2),
        lambda nn, dt: nn.Upsample(size=(5, 7), mode="bilinear"),
        lambda nn, dt: nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True),
        lambda nn, dt: nn.UpsamplingNearest2d(size=5),
        lambda nn, dt: nn.UpsamplingBilinear2d(scale_factor=2),
    ],
)
def test_upsample(make: Callable[..., Any]) -> None:
    check_layer(make, [rnd(2, 3, 4, 3)])


def test_embedding() -> None:
    ids = torch.tensor([[0, 2, 4, 2], [4, 1, 0, 2]])
    check_layer(lambda nn, dt: nn.Embedding(5, 3, padding_idx=2, dtype=dt), [ids])
    check_layer(lambda nn, dt: nn.Embedding(5, 3, padding_idx=-1, scale_grad_by_freq=True, dtype=dt), [ids])
    em = enn.Embedding(5, 3, padding_idx=2)
    assert float(em.weight[2].abs().sum()) == 0
    em(ember.tensor([2, 2, 3])).sum().backward()
    assert float(em.weight.grad[2].abs().sum()) == 0 and float(em.weight.grad[3].abs().sum()) > 0
    w = ember.randn(4, 2)
    pre = enn.Embedding.from_pretrained(w)
    assert not pre.weight.requires_grad and repr(pre) == "Embedding(4, 2)"
    assert enn.Embedding.from_pretrained(w, freeze=False, padding_idx=1).weight.requires_grad
    assert_close(pre(ember.tensor([3, 0])), torch.from_numpy(w.cpu().numpy()[[3, 0]]))


# ---------------------------------------------------------------------------------------------
# recurrent layers and attention


@pytest.mark.parametrize(
    "make, batch_first",
    [
        (lambda nn, dt: nn.RNN(3, 4, dtype=dt), False),
        (lambda nn, dt: nn.RNN(3, 4, 2, "relu", bias=False, dtype=dt), False),
        (lambda nn, dt: nn.RNN(3, 4, num_layers=2, batch_first=True, bidirectional=True, dtype=dt), True),
        (lambda nn, dt: nn.LSTM(3, 4, dtype=dt), False),
        (lambda nn, dt: nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True, dtype=dt), True),
        (lambda nn, dt: nn.LSTM(3, 5, num_layers=2, proj_size=2, bidirectional=True, dtype=dt), False),
        (lambda nn, dt: nn.GRU(3, 4, dtype=dt), False),
        (lambda nn, dt: nn.GRU(3, 4, num_layers=3, batch_first=True, bidirectional=True, dtype=dt), True),
    ],
    ids=lambda v: "" if callable(v) else str(v),
)
def test_rnn(make: Callable[..., Any], batch_first: bool) -> None:
    x = rnd(2, 5, 3) if batch_first else rnd(5, 2, 3)
    check_layer(make, [x])
    tm = make(torch.nn, torch.float64)
    d = 2 if tm.bidirectional else 1
    h_size = tm.proj_size or tm.hidden_size
    h0 = rnd(tm.num_layers * d, 2, h_size, seed=3)
    if isinstance(tm, torch.nn.LSTM):
        c0 = rnd(tm.num_layers * d, 2, tm.hidden_size, seed=4)
        check_layer(make, [x, h0, c0], call=lambda m, x, h, c: m(x, (h, c)))
        check_layer(
            make, [x[0] if batch_first else x[:, 0], h0[:, 0], c0[:, 0]], call=lambda m, x, h, c: m(x, (h, c))
        )
    else:
        check_layer(make, [x, h0])
        check_layer(make, [x[0] if batch_first else x[:, 0]])


def test_rnn_dropout_train_and_names() -> None:
    m = enn.LSTM(3, 4, num_layers=2, dropout=0.5)
    m.train()
    out, (h, c) = m(ember.randn(5, 2, 3))
    assert tuple(out.shape) == (5, 2, 4) and tuple(h.shape) == (2, 2, 4) and tuple(c.shape) == (2, 2, 4)
    assert [n for n, _ in enn.GRU(2, 3, bidirectional=True, bias=False).named_parameters()] == [
        "weight_ih_l0",
        "weight_hh_l0",
        "weight_ih_l0_reverse",
        "weight_hh_l0_reverse",
    ]
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        enn.RNN(2, 3, dropout=0.2)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        enn.GRU(2, 3)(ember.zeros(4, 1, 5))


@pytest.mark.parametrize(
    "make",
    [
        lambda nn, dt: nn.RNNCell(3, 4, dtype=dt),
        lambda nn, dt: nn.RNNCell(3, 4, nonlinearity="relu", bias=False, dtype=dt),
        lambda nn, dt: nn.GRUCell(3, 4, dtype=dt),
    ],
)
def test_cells(make: Callable[..., Any]) -> None:
    check_layer(make, [rnd(2, 3)])
    check_layer(make, [rnd(2, 3), rnd(2, 4, seed=2)])
    check_layer(make, [rnd(3)])


def test_lstm_cell() -> None:
    make = lambda nn, dt: nn.LSTMCell(3, 4, dtype=dt)  # noqa: E731
    check_layer(make, [rnd(2, 3)])
    check_layer(make, [rnd(2, 3), rnd(2, 4, seed=2), rnd(2, 4, seed=3)], call=lambda m, x, h, c: m(x, (h, c)))


MHA_CALLS = {
    "self": lambda m, q, k, v, kpm, am: m(q, q, q),
    "cross_kpm": lambda m, q, k, v, kpm, am: m(q, k, v, key_padding_mask=kpm),
    "attn_mask_bool": lambda m, q, k, v, kpm, am: m(q, k, v, attn_mask=am),
    "both_masks_no_avg": lambda m, q, k, v, kpm, am: m(
        q, k, v, key_padding_mask=kpm, attn_mask=am, average_attn_weights=False
    ),
    "no_weights": lambda m, q, k, v, kpm, am: m(q, k, v, key_padding_mask=kpm, need_weights=False),
    "float_mask": lambda m, q, k, v, kpm, am: m(q, k, k, attn_mask=am.to(q.dtype) * -3.0),
}


@pytest.mark.parametrize("call", list(MHA_CALLS))
@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention(call: str, batch_first: bool) -> None:
    n, lq, lk, e = 2, 3, 4, 6
    q = rnd(n, lq, e) if batch_first else rnd(lq, n, e)
    k = rnd(n, lk, e, seed=1) if batch_first else rnd(lk, n, e, seed=1)
    v = rnd(n, lk, e, seed=2) if batch_first else rnd(lk, n, e, seed=2)
    kpm = torch.tensor([[False, False, True, False], [False, True, True, False]])
    am = torch.tensor([[False, True, False, False], [False, False, False, True], [True, False, False, False]])
    check_layer(
        lambda nn, dt: nn.MultiheadAttention(e, 2, batch_first=batch_first, dtype=dt),
        [q, k, v, kpm, am],
        call=MHA_CALLS[call],
    )


def test_multihead_attention_variants() -> None:
    q, k, v = rnd(3, 2, 4), rnd(5, 2, 6, seed=1), rnd(5, 2, 3, seed=2)
    check_layer(lambda nn, dt: nn.MultiheadAttention(4, 2, kdim=6, vdim=3, dtype=dt), [q, k, v])
    k4 = rnd(5, 2, 4, seed=3)
    check_layer(
        lambda nn, dt: nn.MultiheadAttention(
            4, 1, add_bias_kv=True, add_zero_attn=True, bias=False, dtype=dt
        ),
        [q, k4, k4],
        call=lambda m, q, k, v: m(q, k, k),
    )
    check_layer(
        lambda nn, dt: nn.MultiheadAttention(4, 2, dtype=dt),
        [rnd(3, 4), rnd(5, 4, seed=1)],
        call=lambda m, q, k: m(q, k, k),
    )
    m = enn.MultiheadAttention(4, 2, dropout=0.5)
    m.eval()
    out, w = m(ember.randn(3, 2, 4), ember.randn(5, 2, 4), ember.randn(5, 2, 4))
    assert tuple(out.shape) == (3, 2, 4) and tuple(w.shape) == (2, 3, 5)


# ---------------------------------------------------------------------------------------------
# losses


def f64(nn: Any, values: list[float]) -> Any:
    """A float64 tensor of the library whose ``nn`` package is given."""
    return (
        torch.tensor(values, dtype=torch.float64)
        if nn is torch.nn
        else ember.tensor(values, dtype=ember.float64)
    )


LOSS_MODULES: dict[str, tuple[Callable[..., Any], Callable[[], list[Any]]]] = {
    "mse": (lambda nn, dt: nn.MSELoss(), lambda: [rnd(4, 3), rnd(4, 3, seed=1)]),
    "l1_sum": (lambda nn, dt: nn.L1Loss(reduction="sum"), lambda: [rnd(4, 3), rnd(4, 3, seed=1)]),
    "smooth_l1": (lambda nn, dt: nn.SmoothL1Loss(beta=0.5), lambda: [rnd(4, 3), rnd(4, 3, seed=1)]),
    "huber": (
        lambda nn, dt: nn.HuberLoss(reduction="none", delta=0.5),
        lambda: [rnd(4, 3), rnd(4, 3, seed=1)],
    ),
    "ce": (lambda nn, dt: nn.CrossEntropyLoss(), lambda: [rnd(5, 4), torch.tensor([0, 3, 1, 1, 2])]),
    "ce_weighted": (
        lambda nn, dt: nn.CrossEntropyLoss(
            weight=f64(nn, [1.0, 2.0, 0.5, 1.5]),
            ignore_index=1,
            label_smoothing=0.1,
        ),
        lambda: [rnd(5, 4, 2), torch.tensor([[0, 3], [1, 1], [2, 0], [3, 3], [1, 2]])],
    ),
    "nll": (lambda nn, dt: nn.NLLLoss(reduction="sum"), lambda: [rnd(5, 4), torch.tensor([0, 3, 1, 1, 2])]),
    "bce": (
        lambda nn, dt: nn.BCELoss(),
        lambda: [rnd(4, 3).sigmoid().detach().requires_grad_(), torch.rand(4, 3, dtype=torch.float64)],
    ),
    "bce_logits": (
        lambda nn, dt: nn.BCEWithLogitsLoss(pos_weight=f64(nn, [1.0, 2.0, 3.0])),
        lambda: [rnd(4, 3), torch.rand(4, 3, dtype=torch.float64)],
    ),
    "kl": (
        lambda nn, dt: nn.KLDivLoss(reduction="batchmean", log_target=True),
        lambda: [rnd(4, 3), rnd(4, 3, seed=1)],
    ),
    "cosine_embedding": (
        lambda nn, dt: nn.CosineEmbeddingLoss(margin=0.3),
        lambda: [rnd(4, 3), rnd(4, 3, seed=1), torch.tensor([1, -1, -1, 1])],
    ),
    "margin_ranking": (
        lambda nn, dt: nn.MarginRankingLoss(margin=0.2),
        lambda: [rnd(6), rnd(6, seed=1), torch.tensor([1.0, -1, 1, 1, -1, -1], dtype=torch.float64)],
    ),
}


@pytest.mark.parametrize("name", list(LOSS_MODULES))
def test_loss_modules(name: str) -> None:
    make, inputs = LOSS_MODULES[name]
    check_layer(make, inputs())


# ---------------------------------------------------------------------------------------------
# printing and default initialization


REPRS = [
    lambda nn: nn.Linear(2, 1),
    lambda nn: nn.Bilinear(2, 3, 4, bias=False),
    lambda nn: nn.Identity(),
    lambda nn: nn.Conv1d(1, 2, 3),
    lambda nn: nn.Conv2d(1, 16, 3, padding=1),
    lambda nn: nn.Conv2d(
        2, 4, (3, 2), stride=2, padding="valid", dilation=2, groups=2, bias=False, padding_mode="reflect"
    ),
    lambda nn: nn.Conv2d(2, 4, 3, padding="same"),
    lambda nn: nn.ConvTranspose2d(2, 4, 3, stride=2, output_padding=1),
    lambda nn: nn.MaxPool1d(2),
    lambda nn: nn.MaxPool2d((3, 2), stride=1, padding=1, dilation=2, ceil_mode=True),
    lambda nn: nn.AvgPool1d(3),
    lambda nn: nn.AvgPool2d(3, 2, 1, True, False, 2),
    lambda nn: nn.AdaptiveAvgPool1d(3),
    lambda nn: nn.AdaptiveAvgPool2d((2, None)),
    lambda nn: nn.AdaptiveMaxPool2d(3, return_indices=True),
    lambda nn: nn.BatchNorm1d(3),
    lambda nn: nn.BatchNorm2d(3, momentum=None, affine=False, track_running_stats=False),
    lambda nn: nn.LayerNorm(4),
    lambda nn: nn.LayerNorm([3, 4], elementwise_affine=False),
    lambda nn: nn.GroupNorm(2, 4),
    lambda nn: nn.RMSNorm(3),
    lambda nn: nn.InstanceNorm2d(3),
    lambda nn: nn.Dropout(),
    lambda nn: nn.ReLU(),
    lambda nn: nn.ReLU(True),
    lambda nn: nn.ReLU6(True),
    lambda nn: nn.LeakyReLU(),
    lambda nn: nn.ELU(inplace=True),
    lambda nn: nn.SELU(),
    lambda nn: nn.GELU("tanh"),
    lambda nn: nn.SiLU(True),
    lambda nn: nn.Hardtanh(-2, 2, True),
    lambda nn: nn.Hardsigmoid(True),
    lambda nn: nn.Softplus(),
    lambda nn: nn.Softmax(1),
    lambda nn: nn.LogSoftmax(),
    lambda nn: nn.PReLU(3),
    lambda nn: nn.Threshold(0.1, 2),
    lambda nn: nn.Hardshrink(),
    lambda nn: nn.GLU(),
    lambda nn: nn.MultiheadAttention(4, 2),
    lambda nn: nn.CrossEntropyLoss(),
    lambda nn: nn.Embedding(3, 4),
    lambda nn: nn.Embedding(
        3, 4, padding_idx=1, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, sparse=True
    ),
    lambda nn: nn.RNN(3, 4),
    lambda nn: nn.RNN(
        3, 4, 2, nonlinearity="relu", bias=False, batch_first=True, dropout=0.5, bidirectional=True
    ),
    lambda nn: nn.LSTM(3, 4, proj_size=2),
    lambda nn: nn.GRU(3, 4),
    lambda nn: nn.RNNCell(3, 4, nonlinearity="relu"),
    lambda nn: nn.GRUCell(3, 4, bias=False),
    lambda nn: nn.Flatten(),
    lambda nn: nn.Unflatten(1, (2, 3)),
    lambda nn: nn.Upsample(scale_factor=2),
    lambda nn: nn.Upsample(size=(3, 4), mode="bilinear"),
    lambda nn: nn.UpsamplingBilinear2d(size=3),
    lambda nn: nn.Upsample(scale_factor=(2, 3), mode="bilinear"),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_reprs() -> None:
    for make in REPRS:
        assert repr(make(enn)) == repr(make(torch.nn))


def test_default_init() -> None:
    ember.manual_seed(0)
    a = enn.Linear(100, 50)
    ember.manual_seed(0)
    b = enn.Linear(100, 50)
    assert np.array_equal(a.weight.detach().cpu().numpy(), b.weight.detach().cpu().numpy())
    bound = 1 / math.sqrt(100)
    for p in (a.weight, a.bias):
        arr = p.detach().cpu().numpy()
        assert np.abs(arr).max() <= bound and np.abs(arr).max() > 0.9 * bound
    conv = enn.Conv2d(4, 8, 3)
    w = conv.weight.detach().cpu().numpy()
    assert np.abs(w).max() <= 1 / math.sqrt(36) and np.abs(w).max() > 0.9 / math.sqrt(36)
    lstm = enn.LSTM(3, 16)
    assert all(np.abs(p.detach().cpu().numpy()).max() <= 0.25 for p in lstm.parameters())
    emb = enn.Embedding(1000, 20).weight.detach().cpu().numpy()
    assert abs(emb.std() - 1) < 0.05
    bn = enn.BatchNorm2d(3)
    assert bn.weight.detach().cpu().numpy().tolist() == [
        1,
        1,
        1,
    ] and bn.bias.detach().cpu().numpy().tolist() == [0, 0, 0]
    assert enn.PReLU().weight.item() == 0.25
    assert enn.Linear(3, 2, dtype=ember.float64).weight.dtype is ember.float64


# ---------------------------------------------------------------------------------------------
# an end-to-end step


def test_cnn_training_steps_match_torch() -> None:
    def make(nn: Any, dt: Any) -> Any:
        class Net(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.c1 = nn.Conv2d(1, 4, 3, padding=1, dtype=dt)
                self.bn = nn.BatchNorm2d(4, dtype=dt)
                self.c2 = nn.Conv2d(4, 6, 3, padding=1, dtype=dt)
                self.pool = nn.MaxPool2d(2)
                self.fc = nn.Linear(6 * 2 * 2, 3, dtype=dt)

            def forward(self, x: Any) -> Any:
                x = self.pool(self.bn(self.c1(x)).relu())
                x = self.pool(self.c2(x).relu())
                return self.fc(x.flatten(1))

        return Net()

    torch.manual_seed(0)
    tm, em = make(torch.nn, torch.float64), make(enn, ember.float64)
    sync(tm, em)
    x, y = rnd(5, 1, 8, 8, rg=False), torch.tensor([0, 2, 1, 1, 0])
    for _ in range(3):
        tl = torch.nn.functional.cross_entropy(tm(x), y)
        el = enn.functional.cross_entropy(em(to_ember(x)), to_ember(y))
        assert_close(el, tl, **F64)
        tl.backward()
        el.backward()
        with torch.no_grad(), ember.no_grad():
            for (_, tp), (_, ep) in zip(tm.named_parameters(), em.named_parameters()):
                tp -= 0.1 * tp.grad
                ep -= 0.1 * ep.grad
                tp.grad = None
                ep.grad = None
    for (_, tp), (_, ep) in zip(tm.named_parameters(), em.named_parameters()):
        assert_close(ep, tp, rtol=1e-6, atol=1e-6)
