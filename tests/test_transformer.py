"""Parity of ``ember.nn.Transformer*`` with ``torch.nn``: torch's initialized weights are copied into the
ember module through its state_dict, then outputs, input gradients and parameter gradients compared
(bool and float masks, key-padding masks, causal masks, norm_first, batch_first, activations)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as enn  # noqa: E402

TOL = {"rtol": 1e-4, "atol": 1e-5}


def _copy(tm: Any, em: Any, device: str = "cpu") -> None:
    sd = {k: ember.tensor(v.detach().numpy(), device=device) for k, v in tm.state_dict().items()}
    em.load_state_dict(sd)
    assert list(dict(em.named_parameters())) == list(dict(tm.named_parameters()))


def _check(eo: Any, to: Any) -> None:
    np.testing.assert_allclose(eo.detach().cpu().numpy(), to.detach().numpy(), **TOL)


def _grads(em: Any, tm: Any) -> None:
    tg = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        assert p.grad is not None, name
        np.testing.assert_allclose(p.grad.cpu().numpy(), tg[name].grad.numpy(), err_msg=name, **TOL)


def _pair(shape: tuple[int, ...], device: str = "cpu") -> tuple[Any, Any]:
    a = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
    return ember.tensor(a, device=device, requires_grad=True), torch.tensor(a, requires_grad=True)


def _backward(eo: Any, to: Any, device: str = "cpu") -> None:
    w = np.random.default_rng(7).standard_normal(tuple(to.shape)).astype(np.float32)
    (eo * ember.tensor(w, device=device)).sum().backward()
    (to * torch.tensor(w)).sum().backward()


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "callable"])
def test_transformer_matches_torch(norm_first: bool, batch_first: bool, activation: str) -> None:
    torch.manual_seed(0)
    t_act: Any = torch.nn.functional.silu if activation == "callable" else activation
    e_act: Any = enn.functional.silu if activation == "callable" else activation
    kw = {"dropout": 0.0, "batch_first": batch_first, "norm_first": norm_first}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = torch.nn.Transformer(8, 2, 2, 1, 16, activation=t_act, **kw)
        em = enn.Transformer(8, 2, 2, 1, 16, activation=e_act, **kw)
    _copy(tm, em)
    src_shape, tgt_shape = ((2, 3, 8), (2, 4, 8)) if batch_first else ((3, 2, 8), (4, 2, 8))
    es, ts = _pair(src_shape)
    et, tt = _pair(tgt_shape)
    kpm = np.array([[False, False, True], [False, False, False]])
    to = tm(ts, tt, tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(4),
            src_key_padding_mask=torch.tensor(kpm), memory_key_padding_mask=torch.tensor(kpm))
    eo = em(es, et, tgt_mask=enn.Transformer.generate_square_subsequent_mask(4),
            src_key_padding_mask=ember.tensor(kpm), memory_key_padding_mask=ember.tensor(kpm))
    _check(eo, to)
    _backward(eo, to)
    _check(es.grad, ts.grad)
    _check(et.grad, tt.grad)
    _grads(em, tm)


def test_encoder_layer_bool_and_float_masks_and_causal() -> None:
    torch.manual_seed(1)
    tm = torch.nn.TransformerEncoderLayer(8, 2, 12, dropout=0.0)
    em = enn.TransformerEncoderLayer(8, 2, 12, dropout=0.0)
    _copy(tm, em)
    es, ts = _pair((5, 2, 8))
    bool_mask = np.triu(np.ones((5, 5), dtype=bool), 1)
    float_mask = np.random.default_rng(0).standard_normal((5, 5)).astype(np.float32)
    _check(em(es, src_mask=ember.tensor(bool_mask)), tm(ts, src_mask=torch.tensor(bool_mask)))
    _check(em(es, src_mask=ember.tensor(float_mask)), tm(ts, src_mask=torch.tensor(float_mask)))
    causal_t = torch.nn.Transformer.generate_square_subsequent_mask(5)
    causal_e = enn.Transformer.generate_square_subsequent_mask(5)
    to = tm(ts, src_mask=causal_t, is_causal=True)
    eo = em(es, src_mask=causal_e, is_causal=True)
    _check(eo, to)
    _backward(eo, to)
    _check(es.grad, ts.grad)
    _grads(em, tm)


def test_encoder_layer_unbatched_and_no_bias() -> None:
    torch.manual_seed(2)
    tm = torch.nn.TransformerEncoderLayer(4, 1, 6, dropout=0.0, bias=False)
    em = enn.TransformerEncoderLayer(4, 1, 6, dropout=0.0, bias=False)
    _copy(tm, em)
    assert em.self_attn.in_proj_bias is None and em.norm1.bias is None
    es, ts = _pair((3, 4))
    _check(em(es), tm(ts))


def test_decoder_with_masks() -> None:
    torch.manual_seed(3)
    tl = torch.nn.TransformerDecoderLayer(8, 4, 10, dropout=0.0, batch_first=True, norm_first=True)
    el = enn.TransformerDecoderLayer(8, 4, 10, dropout=0.0, batch_first=True, norm_first=True)
    tm = torch.nn.TransformerDecoder(tl, 2, torch.nn.LayerNorm(8))
    em = enn.TransformerDecoder(el, 2, enn.LayerNorm(8))
    _copy(tm, em)
    et, tt = _pair((2, 4, 8))
    emem, tmem = _pair((2, 3, 8))
    mem_mask = np.array([[False, True, False]] * 4)
    tkpm = np.array([[False, False, False, True], [False] * 4])
    to = tm(tt, tmem, tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(4),
            memory_mask=torch.tensor(mem_mask), tgt_key_padding_mask=torch.tensor(tkpm))
    eo = em(et, emem, tgt_mask=enn.Transformer.generate_square_subsequent_mask(4),
            memory_mask=ember.tensor(mem_mask), tgt_key_padding_mask=ember.tensor(tkpm))
    _check(eo, to)
    _backward(eo, to)
    _check(et.grad, tt.grad)
    _check(emem.grad, tmem.grad)
    _grads(em, tm)


def test_encoder_deep_copies_layers_and_norm() -> None:
    layer = enn.TransformerEncoderLayer(4, 2, 8)
    with pytest.warns(UserWarning, match="enable_nested_tensor is True, but self.use_nested_tensor is False"):
        enc = enn.TransformerEncoder(layer, num_layers=3, norm=enn.LayerNorm(4))
    assert len(enc.layers) == 3 and enc.num_layers == 3
    assert enc.layers[0] is not layer and enc.layers[0] is not enc.layers[1]
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    np.testing.assert_array_equal(enc.layers[1].linear1.weight.detach().numpy(),
                                  layer.linear1.weight.detach().numpy())
    assert not enc.use_nested_tensor
    quiet = enn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    assert quiet.norm is None and quiet.enable_nested_tensor is False
    keys = {k.split(".", 2)[-1] for k in enc.state_dict() if k.startswith("layers.")}
    assert keys == {k.split(".", 2)[-1] for k in torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(4, 2, 8), 3, enable_nested_tensor=False).state_dict()
        if k.startswith("layers.")}


def test_generate_square_subsequent_mask_is_static() -> None:
    m = enn.Transformer.generate_square_subsequent_mask(3)
    np.testing.assert_array_equal(m.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(3).numpy())
    assert isinstance(enn.Transformer.__dict__["generate_square_subsequent_mask"], staticmethod)
    m64 = enn.Transformer.generate_square_subsequent_mask(2, dtype=ember.float64)
    assert m64.dtype == ember.float64


def test_errors_match_torch() -> None:
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        enn.TransformerEncoderLayer(4, 2, activation="tanh")
    model = enn.Transformer(4, 2, 1, 1, 8)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(ember.zeros(3, 2, 4), ember.zeros(3, 1, 4))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        model(ember.zeros(3, 2, 5), ember.zeros(3, 2, 5))
    layer = enn.TransformerEncoderLayer(4, 2, 8)
    with pytest.raises(AssertionError, match="only bool and floating types of src_mask are supported"):
        layer(ember.zeros(3, 2, 4), src_mask=ember.zeros(3, 3, dtype=ember.int64))


def test_defaults_and_repr() -> None:
    model = enn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=4)
    tmodel = torch.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                                  dim_feedforward=4)
    assert repr(model).replace("ember", "torch") == repr(tmodel)
    assert model.encoder.layers[0].activation_relu_or_gelu == 1
    assert model.encoder.layers[0].dropout.p == 0.1
    assert model.d_model == 8 and model.nhead == 2 and model.batch_first is False
    es, _ = _pair((3, 2, 8))
    model.eval()
    assert tuple(model(es, es).shape) == (3, 2, 8)


def test_encoder_on_jax() -> None:
    pytest.importorskip("jax")
    torch.manual_seed(4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0), 1)
        em = enn.TransformerEncoder(enn.TransformerEncoderLayer(4, 2, 6, dropout=0.0), 1).to("jax")
    _copy(tm, em, "jax")
    es, ts = _pair((3, 2, 4), "jax")
    kpm = np.array([[False, False, True], [False, False, False]])
    to = tm(ts, src_key_padding_mask=torch.tensor(kpm))
    eo = em(es, src_key_padding_mask=ember.tensor(kpm, device="jax"))
    _check(eo, to)
    _backward(eo, to, "jax")
    _check(es.grad, ts.grad)
    _grads(em, tm)


@pytest.mark.parametrize("right_padded", [True, False])
def test_encoder_inference_zeroes_padding_as_torch_fast_path(right_padded: bool) -> None:
    torch.manual_seed(5)
    tm = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2,
                                     norm=torch.nn.LayerNorm(8)).eval()
    em = enn.TransformerEncoder(enn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2,
                                norm=enn.LayerNorm(8)).eval()
    _copy(tm, em)
    x = np.random.default_rng(3).standard_normal((2, 4, 8)).astype(np.float32)
    row = [False, False, True, True] if right_padded else [False, True, False, True]
    kpm = np.array([row, [False] * 4])
    with torch.no_grad():
        to = tm(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
    with ember.no_grad():
        eo = em(ember.tensor(x), src_key_padding_mask=ember.tensor(kpm))
    _check(eo, to)
    # with gradients on, both take the plain path and compute every position
    _check(em(ember.tensor(x), src_key_padding_mask=ember.tensor(kpm)),
           tm(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm)))
