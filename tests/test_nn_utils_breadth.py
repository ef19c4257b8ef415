"""Parity of ``ember.nn.utils`` with ``torch.nn.utils``: packed sequences and RNNs over them, weight and
spectral norm, parametrizations, conv/linear-bn fusion, skip_init, memory-format helpers, and the
deprecated ``nn.init`` aliases."""

from __future__ import annotations

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
