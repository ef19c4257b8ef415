"""Parity of ``ember.nn.utils`` with ``torch.nn.utils``: packed sequences and RNNs over them, weight and
spectral norm, parametrizations, conv/linear-bn fusion, skip_init, memory-format helpers, and the
deprecated ``nn.init`` aliases."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.nn.utils import rnn as TR  # noqa: E402

import ember  # noqa: E402
import ember.nn as enn  # noqa: E402
from ember.nn.utils import rnn as ER  # noqa: E402

TOL = {"rtol": 1e-4, "atol": 1e-5}


def _np(t: Any) -> Any:
    return t.detach().cpu().numpy()


def _close(e: Any, t: Any, **tol: Any) -> None:
    np.testing.assert_allclose(_np(e), _np(t), **(tol or TOL))


def _copy(tm: Any, em: Any, device: str = "cpu") -> None:
    em.load_state_dict({k: ember.tensor(_np(v), device=device) for k, v in tm.state_dict().items()})


def _grads(em: Any, tm: Any) -> None:
    tg = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        np.testing.assert_allclose(_np(p.grad), _np(tg[name].grad), err_msg=name, **TOL)


def _rand(*shape: int, seed: int = 0) -> Any:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# nn.utils.rnn


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_pad_roundtrip(enforce_sorted: bool, batch_first: bool) -> None:
    lens = [4, 3, 1] if enforce_sorted else [3, 4, 1]
    x = _rand(3, 4, 2) if batch_first else _rand(4, 3, 2)
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ep = ER.pack_padded_sequence(ex, ember.tensor(lens), batch_first, enforce_sorted)
    tp = TR.pack_padded_sequence(tx, torch.tensor(lens), batch_first, enforce_sorted)
    _close(ep.data, tp.data)
    assert ep.batch_sizes.tolist() == tp.batch_sizes.tolist() and ep.batch_sizes.dtype == ember.int64
    for a, b in ((ep.sorted_indices, tp.sorted_indices), (ep.unsorted_indices, tp.unsorted_indices)):
        assert (a is None) == (b is None) and (a is None or a.tolist() == b.tolist())
    epad, el = ER.pad_packed_sequence(ep, batch_first, padding_value=-2.0, total_length=6)
    tpad, tl = TR.pad_packed_sequence(tp, batch_first, padding_value=-2.0, total_length=6)
    _close(epad, tpad)
    assert el.tolist() == tl.tolist()
    w = _rand(*tpad.shape, seed=1)
    (epad * ember.tensor(w)).sum().backward()
    (tpad * torch.tensor(w)).sum().backward()
    _close(ex.grad, tx.grad)


def test_pad_sequence_sides_and_unpad() -> None:
    seqs = [_rand(n, 2, seed=n) for n in (2, 4, 1)]
    for side in ("left", "right"):
        for bf in (False, True):
            e = ER.pad_sequence([ember.tensor(s) for s in seqs], bf, 7.0, side)
            t = TR.pad_sequence([torch.tensor(s) for s in seqs], bf, 7.0, side)
            _close(e, t)
    padded = ER.pad_sequence([ember.tensor(s) for s in seqs])
    back = ER.unpad_sequence(padded, ember.tensor([2, 4, 1]))
    for b, s in zip(back, seqs):
        np.testing.assert_array_equal(_np(b), s)
    with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right, but got mid."):
        ER.pad_sequence([ember.tensor(seqs[0])], padding_side="mid")


def test_pack_sequence_unpack_sequence() -> None:
    seqs = [_rand(n, 3, seed=n) for n in (2, 5, 3)]
    ep = ER.pack_sequence([ember.tensor(s) for s in seqs], enforce_sorted=False)
    tp = TR.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    _close(ep.data, tp.data)
    assert repr(ep).startswith("PackedSequence(data=tensor(")
    for b, s in zip(ER.unpack_sequence(ep), seqs):
        np.testing.assert_array_equal(_np(b), s)
    assert ep.float().data.dtype == ember.float32 and ep.double().data.dtype == ember.float64
    assert not ep.is_cuda and not ep.is_pinned()
    assert ER.PackedSequence._fields == TR.PackedSequence._fields


def test_packing_errors_match_torch() -> None:
    x = ember.zeros(3, 2, 4)
    with pytest.raises(RuntimeError, match="`lengths` array must be sorted in decreasing order"):
        ER.pack_padded_sequence(x, [1, 2])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        ER.pack_padded_sequence(x, [2, 0])
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to batch_size, but got 3"):
        ER.pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(ValueError, match="Expected total_length to be at least the length of the longest"):
        ER.pad_packed_sequence(ER.pack_padded_sequence(x, [3, 2]), total_length=2)


@pytest.mark.parametrize("cls,kw", [
    ("LSTM", {"bidirectional": True, "num_layers": 2}),
    ("GRU", {"bidirectional": True}),
    ("RNN", {"nonlinearity": "relu"}),
    ("LSTM", {"proj_size": 3, "batch_first": True}),
])
def test_rnn_on_packed_sequence(cls: str, kw: dict[str, Any]) -> None:
    torch.manual_seed(0)
    tm, em = getattr(torch.nn, cls)(5, 6, **kw), getattr(enn, cls)(5, 6, **kw)
    _copy(tm, em)
    bf = kw.get("batch_first", False)
    x = _rand(3, 4, 5) if bf else _rand(4, 3, 5)
    lens = [2, 4, 3]
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ep = ER.pack_padded_sequence(ex, lens, bf, enforce_sorted=False)
    tp = TR.pack_padded_sequence(tx, lens, bf, enforce_sorted=False)
    layers = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    h0 = _rand(layers, 3, kw.get("proj_size") or 6, seed=2)
    if cls == "LSTM":
        c0 = _rand(layers, 3, 6, seed=3)
        eo, (eh, ec) = em(ep, (ember.tensor(h0), ember.tensor(c0)))
        to, (th, tc) = tm(tp, (torch.tensor(h0), torch.tensor(c0)))
        _close(ec, tc)
    else:
        eo, eh = em(ep, ember.tensor(h0))
        to, th = tm(tp, torch.tensor(h0))
    assert isinstance(eo, ER.PackedSequence)
    _close(eo.data, to.data)
    _close(eh, th)
    epad, _ = ER.pad_packed_sequence(eo, bf)
    tpad, _ = TR.pad_packed_sequence(to, bf)
    w = _rand(*tpad.shape, seed=4)
    ((epad * ember.tensor(w)).sum() + eh.sum()).backward()
    ((tpad * torch.tensor(w)).sum() + th.sum()).backward()
    _close(ex.grad, tx.grad)
    _grads(em, tm)


def test_rnn_packed_sorted_without_hx_and_flatten_parameters() -> None:
    torch.manual_seed(1)
    tm, em = torch.nn.GRU(2, 3), enn.GRU(2, 3)
    _copy(tm, em)
    em.flatten_parameters()
    seqs = [_rand(n, 2, seed=n) for n in (4, 2, 1)]
    eo, eh = em(ER.pack_sequence([ember.tensor(s) for s in seqs]))
    to, th = tm(TR.pack_sequence([torch.tensor(s) for s in seqs]))
    _close(eo.data, to.data)
    _close(eh, th)


def test_rnn_packed_on_jax() -> None:
    pytest.importorskip("jax")
    torch.manual_seed(2)
    tm, em = torch.nn.LSTM(2, 3), enn.LSTM(2, 3).to("jax")
    _copy(tm, em, "jax")
    x = _rand(3, 2, 2)
    ep = ER.pack_padded_sequence(ember.tensor(x, device="jax"), [3, 2])
    tp = TR.pack_padded_sequence(torch.tensor(x), [3, 2])
    eo, (eh, _) = em(ep)
    to, (th, _) = tm(tp)
    _close(eo.data, to.data)
    _close(eh, th)


# ---------------------------------------------------------------------------------------------
# nn.init deprecated aliases


@pytest.mark.parametrize("name", ["uniform", "normal", "constant", "eye", "dirac", "xavier_uniform",
                                  "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse"])
def test_init_deprecated_aliases_warn(name: str) -> None:
    args: dict[str, tuple[Any, ...]] = {"constant": (0.5,), "sparse": (0.5,)}
    t = ember.empty(3, 3, 3) if name == "dirac" else ember.empty(4, 3)
    with pytest.warns(FutureWarning, match=f"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`."):
        out = getattr(enn.init, name)(t, *args.get(name, ()))
    assert out is t
    assert getattr(enn.init, name).__name__ == name


def test_orthogonal_is_orthogonal() -> None:
    w = enn.init.orthogonal_(ember.empty(3, 5), gain=2.0)
    np.testing.assert_allclose(_np(w @ w.T), 4 * np.eye(3), atol=1e-5)


# ---------------------------------------------------------------------------------------------
# weight_norm / spectral_norm (hook form)


def _fwd_bwd(em: Any, tm: Any, x: Any) -> tuple[Any, Any]:
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    eo, to = em(ex), tm(tx)
    _close(eo, to)
    w = _rand(*to.shape, seed=9)
    (eo * ember.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    _close(ex.grad, tx.grad)
    _grads(em, tm)
    return eo, to


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_hook_matches_torch(dim: Any) -> None:
    torch.manual_seed(0)
    with pytest.warns(FutureWarning, match="`torch.nn.utils.weight_norm` is deprecated"):
        em = enn.utils.weight_norm(enn.Conv1d(3, 4, 2), dim=dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = torch.nn.utils.weight_norm(torch.nn.Conv1d(3, 4, 2), dim=dim)
    assert list(em.state_dict()) == list(tm.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert tuple(em.weight_g.shape) == tuple(tm.weight_g.shape)
    _copy(tm, em)
    _fwd_bwd(em, tm, _rand(2, 3, 5))
    enn.utils.remove_weight_norm(em)
    torch.nn.utils.remove_weight_norm(tm)
    assert list(em.state_dict()) == ["bias", "weight"]
    _close(em.weight, tm.weight)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in"):
        enn.utils.remove_weight_norm(em)


def test_weight_norm_twice_is_an_error() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = enn.utils.weight_norm(enn.Linear(2, 2))
        with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks on the same parameter weight"):
            enn.utils.weight_norm(m)


def test_spectral_norm_hook_matches_torch() -> None:
    torch.manual_seed(0)
    tm, em = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3)), enn.utils.spectral_norm(enn.Linear(4, 3))
    assert list(em.state_dict()) == list(tm.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    _copy(tm, em)
    x = _rand(2, 4)
    for _ in range(2):
        _close(em(ember.tensor(x)), tm(torch.tensor(x)))
        _close(em.weight_u, tm.weight_u)
    _fwd_bwd(em, tm, x)
    em.eval()
    tm.eval()
    u_before = _np(em.weight_u).copy()
    _close(em(ember.tensor(x)), tm(torch.tensor(x)))
    np.testing.assert_array_equal(_np(em.weight_u), u_before)
    torch.nn.utils.remove_spectral_norm(tm)
    enn.utils.remove_spectral_norm(em)
    assert list(em.state_dict()) == ["bias", "weight"]
    _close(em.weight, tm.weight)
    ct = enn.utils.spectral_norm(enn.ConvTranspose2d(3, 5, 2))
    assert tuple(ct.weight_u.shape) == (5,)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in"):
        enn.utils.remove_spectral_norm(em)


# ---------------------------------------------------------------------------------------------
# parametrize and parametrizations


class _Symmetric(enn.Module):
    def forward(self, x: Any) -> Any:
        return x.triu() + x.triu(1).transpose(-1, -2)

    def right_inverse(self, a: Any) -> Any:
        return a.triu()


class _TSymmetric(torch.nn.Module):
    def forward(self, x: Any) -> Any:
        return x.triu() + x.triu(1).transpose(-1, -2)

    def right_inverse(self, a: Any) -> Any:
        return a.triu()


def test_register_parametrization_matches_torch() -> None:
    P, TP = enn.utils.parametrize, torch.nn.utils.parametrize
    torch.manual_seed(0)
    tm, em = torch.nn.Linear(3, 3), enn.Linear(3, 3)
    _copy(tm, em)
    weight = em.weight
    TP.register_parametrization(tm, "weight", _TSymmetric())
    P.register_parametrization(em, "weight", _Symmetric())
    assert type(em).__name__ == "ParametrizedLinear" and isinstance(em, enn.Linear)
    assert P.is_parametrized(em) and P.is_parametrized(em, "weight") and not P.is_parametrized(em, "bias")
    assert P.type_before_parametrizations(em) is enn.Linear
    assert list(em.state_dict()) == list(tm.state_dict())
    assert em.parametrizations.weight.original is weight
    _close(em.weight, tm.weight)
    _fwd_bwd(em, tm, _rand(2, 3))
    with P.cached():
        assert em.weight is em.weight
    assert em.weight is not em.weight
    target = _rand(3, 3, seed=5)
    em.weight = ember.tensor(target)
    tm.weight = torch.tensor(target)
    _close(em.weight, tm.weight)
    _close(em.parametrizations.weight.original, tm.parametrizations.weight.original)
    P.remove_parametrizations(em, "weight")
    TP.remove_parametrizations(tm, "weight")
    assert type(em) is enn.Linear and em.weight is weight
    _close(em.weight, tm.weight)
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        P.remove_parametrizations(em, "weight")
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element"):
        P.register_parametrization(em, "nothing", _Symmetric())


def test_parametrization_shape_check_and_leave_unparametrized() -> None:
    P = enn.utils.parametrize

    class Half(enn.Module):
        def forward(self, x: Any) -> Any:
            return x[:1]

    with pytest.raises(ValueError, match="Registering a parametrization may not change the shape of the tensor"):
        P.register_parametrization(enn.Linear(2, 2), "weight", Half())
    m = enn.Linear(2, 2)
    before = _np(m.weight).copy()
    P.register_parametrization(m, "weight", _Symmetric())
    P.register_parametrization(m, "weight", _Symmetric())
    assert len(m.parametrizations.weight) == 2
    P.remove_parametrizations(m, "weight", leave_parametrized=False)
    np.testing.assert_array_equal(_np(m.weight), np.triu(before))


@pytest.mark.parametrize("name", ["weight_norm", "spectral_norm", "orthogonal"])
def test_parametrizations_match_torch(name: str) -> None:
    P, TP = enn.utils.parametrizations, torch.nn.utils.parametrizations
    torch.manual_seed(1)
    tm, em = getattr(TP, name)(torch.nn.Linear(4, 4)), getattr(P, name)(enn.Linear(4, 4))
    assert list(em.state_dict()) == list(tm.state_dict())
    _copy(tm, em)
    _close(em.weight, tm.weight)
    _fwd_bwd(em, tm, _rand(2, 4))
    tm.eval()
    em.eval()
    _close(em(ember.tensor(_rand(2, 4))), tm(torch.tensor(_rand(2, 4))))


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_maps(orthogonal_map: str) -> None:
    torch.manual_seed(2)
    tm = torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(3, 3), orthogonal_map=orthogonal_map)
    em = enn.utils.parametrizations.orthogonal(enn.Linear(3, 3), orthogonal_map=orthogonal_map)
    _copy(tm, em)
    w = _np(em.weight)
    np.testing.assert_allclose(w @ w.T, np.eye(3), atol=1e-5)
    _close(em.weight, tm.weight)
    _fwd_bwd(em, tm, _rand(2, 3))


def test_orthogonal_non_square_and_errors() -> None:
    m = enn.utils.parametrizations.orthogonal(enn.Linear(5, 3))
    w = _np(m.weight)
    np.testing.assert_allclose(w @ w.T, np.eye(3), atol=1e-5)
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder"'):
        enn.utils.parametrizations.orthogonal(enn.Linear(2, 2), orthogonal_map="qr")
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor of 1 dimensions."):
        enn.utils.parametrizations.orthogonal(enn.Linear(2, 2), "bias")


# ---------------------------------------------------------------------------------------------
# fusion, skip_init, memory format, clip_grad


def test_fuse_conv_bn_and_linear_bn() -> None:
    torch.manual_seed(3)
    for transpose in (False, True):
        tconv = torch.nn.ConvTranspose2d(3, 4, 2) if transpose else torch.nn.Conv2d(3, 4, 2)
        econv = enn.ConvTranspose2d(3, 4, 2) if transpose else enn.Conv2d(3, 4, 2)
        tbn, ebn = torch.nn.BatchNorm2d(4), enn.BatchNorm2d(4)
        tbn(tconv(torch.randn(4, 3, 5, 5)))
        _copy(tconv, econv)
        _copy(tbn, ebn)
        for m in (tconv, econv, tbn, ebn):
            m.eval()
        tf = torch.nn.utils.fuse_conv_bn_eval(tconv, tbn, transpose)
        ef = enn.utils.fuse_conv_bn_eval(econv, ebn, transpose)
        assert ef is not econv and isinstance(ef.weight, enn.Parameter)
        x = _rand(2, 3, 5, 5)
        _close(ef(ember.tensor(x)), tf(torch.tensor(x)))
        _close(ef(ember.tensor(x)), ebn(econv(ember.tensor(x))))
    tl, el, tbn1, ebn1 = torch.nn.Linear(3, 4), enn.Linear(3, 4), torch.nn.BatchNorm1d(4), enn.BatchNorm1d(4)
    tbn1(torch.randn(8, 4))
    _copy(tl, el)
    _copy(tbn1, ebn1)
    for m in (tl, el, tbn1, ebn1):
        m.eval()
    _close(enn.utils.fuse_linear_bn_eval(el, ebn1)(ember.tensor(_rand(2, 3))),
           torch.nn.utils.fuse_linear_bn_eval(tl, tbn1)(torch.tensor(_rand(2, 3))))
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        enn.utils.fuse_linear_bn_eval(enn.Linear(3, 4), enn.BatchNorm1d(4))
    w, b = enn.utils.fuse_conv_bn_weights(econv.weight, None, ebn.running_mean, ebn.running_var, 1e-5, None, None,
                                          transpose=True)
    assert tuple(b.shape) == (4,) and w.requires_grad


def test_skip_init_and_memory_format() -> None:
    m = enn.utils.skip_init(enn.Linear, 5, 1)
    assert type(m) is enn.Linear and tuple(m.weight.shape) == (1, 5)
    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        enn.utils.skip_init(enn.ReLU)
    with pytest.raises(RuntimeError, match="Expected a Module; got"):
        enn.utils.skip_init(int)
    conv = enn.Conv2d(2, 3, 1)
    before = _np(conv.weight).copy()
    assert enn.utils.convert_conv2d_weight_memory_format(conv, None) is conv
    assert enn.utils.convert_conv3d_weight_memory_format(conv, None) is conv
    np.testing.assert_array_equal(_np(conv.weight), before)


def test_clip_grad_helpers_match_torch() -> None:
    g = [_rand(3, 2, seed=1), _rand(4, seed=2)]
    eps_ = [ember.tensor(a) for a in g]
    tps = [torch.tensor(a) for a in g]
    _close(enn.utils.get_total_norm(eps_, 3.0), torch.nn.utils.get_total_norm(tps, 3.0))
    ep = [enn.Parameter(ember.zeros(*a.shape)) for a in g]
    tp = [torch.nn.Parameter(torch.zeros(*a.shape)) for a in g]
    for p, a in zip(ep, g):
        p.grad = ember.tensor(a)
    for p, a in zip(tp, g):
        p.grad = torch.tensor(a)
    enn.utils.clip_grads_with_norm_(ep, 0.5, enn.utils.get_total_norm([p.grad for p in ep]))
    torch.nn.utils.clip_grads_with_norm_(tp, 0.5, torch.nn.utils.get_total_norm([p.grad for p in tp]))
    for a, b in zip(ep, tp):
        _close(a.grad, b.grad)
    vec = enn.utils.parameters_to_vector(ep)
    assert tuple(vec.shape) == (10,)


def test_weight_norm_parametrization_loads_old_hook_state_dict() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = torch.nn.Sequential(torch.nn.utils.weight_norm(torch.nn.Linear(3, 2)))
    em = enn.Sequential(enn.utils.parametrizations.weight_norm(enn.Linear(3, 2)))
    assert list(tm.state_dict()) == ["0.bias", "0.weight_g", "0.weight_v"]
    em.load_state_dict({k: ember.tensor(_np(v)) for k, v in tm.state_dict().items()})
    _close(em(ember.tensor(_rand(2, 3))), tm(torch.tensor(_rand(2, 3))))


def test_parametrizations_on_jax() -> None:
    pytest.importorskip("jax")
    torch.manual_seed(4)
    tm = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 2))
    em = enn.utils.parametrizations.weight_norm(enn.Linear(3, 2)).to("jax")
    _copy(tm, em, "jax")
    ex, tx = ember.tensor(_rand(2, 3), device="jax", requires_grad=True), torch.tensor(_rand(2, 3), requires_grad=True)
    eo, to = em(ex), tm(tx)
    _close(eo, to)
    eo.sum().backward()
    to.sum().backward()
    _close(ex.grad, tx.grad)
    _grads(em, tm)
