"""Top-level PyTorch API beyond the tensor ops: finfo/iinfo, constants, memory formats, threads and determinism
settings, predicates, eager cond/while_loop, and the nn ops PyTorch exposes at top level with their own
signatures (``torch.dropout(input, p, train)``, int ``reduction``, ``torch.embedding(weight, indices)``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_finfo_matches_pytorch(name: str) -> None:
    a, b = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(a, field) == getattr(b, field), field
    assert repr(a) == repr(b)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_pytorch(name: str) -> None:
    a, b = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert (a.bits, a.max, a.min) == (b.bits, b.max, b.min)
    assert repr(a) == repr(b)


def test_finfo_iinfo_errors_are_pytorchs() -> None:
    with pytest.raises(TypeError, match="floating point"):
        ember.finfo(ember.int32)
    with pytest.raises(TypeError, match="integer"):
        ember.iinfo(ember.float32)
    assert ember.finfo().eps == torch.finfo().eps


def test_constants_and_memory_formats() -> None:
    assert (ember.pi, ember.e, ember.inf) == (math.pi, math.e, math.inf) and math.isnan(ember.nan)
    assert ember.newaxis is None
    x = ember.ones(2, 3, 4, 5)
    assert x.contiguous(memory_format=ember.channels_last).shape == x.shape
    assert isinstance(ember.contiguous_format, ember.memory_format)


def test_threads_and_determinism_settings_round_trip() -> None:
    n = ember.get_num_threads()
    assert n >= 1
    ember.set_num_threads(1)
    assert ember.get_num_threads() == 1
    ember.set_num_threads(n)
    with pytest.raises(RuntimeError):
        ember.set_num_threads(0)
    ember.use_deterministic_algorithms(True, warn_only=True)
    try:
        assert ember.are_deterministic_algorithms_enabled() and ember.is_deterministic_algorithms_warn_only_enabled()
        assert ember.get_deterministic_debug_mode() == 1
    finally:
        ember.use_deterministic_algorithms(False)
    assert ember.get_deterministic_debug_mode() == 0


def test_predicates_match_pytorch() -> None:
    for m in (ember, torch):
        assert m.is_nonzero(m.tensor([1.5])) and not m.is_nonzero(m.tensor(0))
        assert m.is_same_size(m.ones(2, 3), m.zeros(2, 3)) and not m.is_signed(m.ones(1, dtype=m.uint8))
        assert m.typename(m.ones(1)).endswith("FloatTensor")
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        ember.is_nonzero(ember.ones(2))


def test_cond_and_while_loop_run_eagerly() -> None:
    x = ember.tensor([1.0, 2.0])
    assert ember.cond(x.sum() > 2, lambda a: a * 2, lambda a: a - 1, (x,)).tolist() == [2.0, 4.0]
    i, acc = ember.while_loop(lambda i, a: i < 5, lambda i, a: (i + 1, a + i), (ember.tensor(0), ember.tensor(0)))
    assert (i.item(), acc.item()) == (5, 10)


X = np.random.RandomState(0).randn(2, 3, 8, 8).astype(np.float32)
W = np.random.RandomState(1).randn(4, 3, 3, 3).astype(np.float32)

TOPLEVEL: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("conv2d", lambda m, x: m.conv2d(x, m.tensor(W), None, 1, 1)),
    ("dropout-eval", lambda m, x: m.dropout(x, 0.5, False)),
    ("convolution", lambda m, x: m.convolution(x, m.tensor(W), None, [1, 1], [1, 0], [1, 1], False, [0, 0], 1)),
    ("convolution-transposed", lambda m, x: m.convolution(x, m.tensor(W).transpose(0, 1), m.ones(4), [2, 2],
                                                          [0, 0], [1, 1], True, [1, 1], 1)),
    ("batch_norm", lambda m, x: m.batch_norm(x, m.ones(3) * 2, m.zeros(3) + 0.5, m.zeros(3), m.ones(3), True, 0.1,
                                             1e-5, False)),
    ("instance_norm", lambda m, x: m.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False)),
    ("layer_norm", lambda m, x: m.layer_norm(x, (8,))),
    ("group_norm", lambda m, x: m.group_norm(x, 3)),
    ("embedding", lambda m, x: m.embedding(x.reshape(-1, 8)[:5], m.tensor([0, 2, 4]))),
    ("kl_div-default-unreduced", lambda m, x: m.kl_div(x.log_softmax(-1), x.softmax(-1))),
    ("kl_div-sum", lambda m, x: m.kl_div(x.log_softmax(-1), x.softmax(-1), 2)),
    ("bce_with_logits-default", lambda m, x: m.binary_cross_entropy_with_logits(x, x.sigmoid())),
    ("bce_with_logits-mean", lambda m, x: m.binary_cross_entropy_with_logits(x, x.sigmoid(), reduction=1)),
    ("max_pool1d_with_indices", lambda m, x: m.max_pool1d_with_indices(x.reshape(2, 3, 64), 2)),
    ("adaptive_max_pool1d", lambda m, x: m.adaptive_max_pool1d(x.reshape(2, 3, 64), 5)),
    ("pixel_shuffle", lambda m, x: m.pixel_shuffle(x.reshape(2, 12, 4, 4), 2)),
    ("threshold", lambda m, x: m.threshold(x, 0.1, 20.0)),
    ("lstm_cell", lambda m, x: m.lstm_cell(x.reshape(6, 64)[:, :5], (x.reshape(6, 64)[:, 5:9],
                                                                   x.reshape(6, 64)[:, 9:13]),
                                           m.ones(16, 5) * 0.1, m.ones(16, 4) * 0.2, m.ones(16) * 0.01, m.zeros(16))),
    ("gru_cell", lambda m, x: m.gru_cell(x.reshape(6, 64)[:, :5], x.reshape(6, 64)[:, 5:9], m.ones(12, 5) * 0.1,
                                         m.ones(12, 4) * 0.2)),
    ("rnn_tanh_cell", lambda m, x: m.rnn_tanh_cell(x.reshape(6, 64)[:, :5], x.reshape(6, 64)[:, 5:9],
                                                   m.ones(4, 5) * 0.1, m.ones(4, 4) * 0.2)),
    ("norm_except_dim", lambda m, x: m.norm_except_dim(x, 2, 1)),
    ("constant_pad_nd", lambda m, x: m.constant_pad_nd(x, (1, 2), 3.0)),
    ("grid_sampler", lambda m, x: m.grid_sampler(x, m.zeros(2, 4, 4, 2) + 0.3, 0, 0, False)),
    ("poisson_nll_loss", lambda m, x: m.poisson_nll_loss(x, x.abs(), True, False, 1e-8, 1)),
    ("cosine_similarity", lambda m, x: m.cosine_similarity(x, x.flip(-1))),
]


@pytest.mark.parametrize("name,fn", TOPLEVEL, ids=[t[0] for t in TOPLEVEL])
def test_toplevel_nn_ops_match_pytorch(name: str, fn: Callable[[Any, Any], Any]) -> None:
    xe = ember.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    got, want = fn(ember, xe), fn(torch, xt)
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), rtol=1e-5, atol=1e-5)
    if got[0].dtype.is_floating_point:
        got[0].sum().backward()
        want[0].sum().backward()
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_toplevel_nn_names_do_not_load_nn_at_import() -> None:
    import subprocess
    import sys

    code = "import sys, ember; assert 'ember.nn' not in sys.modules; ember.conv2d; assert 'ember.nn' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
