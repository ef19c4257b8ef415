"""ops/legacy.py against PyTorch: removed functions raise PyTorch's removal errors, the TorchScript-era norms,
embedding_renorm_, adjoint/is_neg/sgn_, and the sparse queries on dense tensors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

W = np.random.RandomState(0).randn(4, 3).astype(np.float32)


@pytest.mark.parametrize("call,match", [
    (lambda m, x: m.solve(x, x), "`torch.solve` is deprecated in favor of `torch.linalg.solve`"),
    (lambda m, x: x.solve(x), "now removed"),
    (lambda m, x: m.eig(x), "`torch.linalg.eig` returns complex tensors"),
    (lambda m, x: m.lstsq(x, x), "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`"),
    (lambda m, x: m.matrix_rank(x), "Please use the `torch.linalg.matrix_rank` function instead"),
    (lambda m, x: x.indices(), "indices expected sparse coordinate tensor layout but got Strided"),
    (lambda m, x: x.values(), "values expected sparse tensor layout but got Strided"),
    (lambda m, x: x.coalesce(), "coalesce expected sparse coordinate tensor layout but got Strided"),
    (lambda m, x: x.is_coalesced(), "is_coalesced expected sparse coordinate tensor layout but got Strided"),
])
def test_errors_match_pytorch(call: Callable[[Any, Any], Any], match: str) -> None:
    for m in (torch, ember):
        with pytest.raises(RuntimeError, match=match):
            call(m, m.ones(2, 2))


@pytest.mark.parametrize("call", [
    lambda m, x: m.frobenius_norm(x, (0, 1)),
    lambda m, x: m.frobenius_norm(x, 1, True),
    lambda m, x: m.nuclear_norm(x),
    lambda m, x: m.adjoint(x),
    lambda m, x: x.clone().sgn_(),
    lambda m, x: m.embedding_renorm_(x.clone(), m.tensor([0, 1, 1]), 1.0, 2.0),
    lambda m, x: m.tensor([x.sparse_dim(), x.dense_dim(), int(m.is_neg(x)), int(x.is_neg())]),
])
def test_values_match_pytorch(call: Callable[[Any, Any], Any]) -> None:
    got, want = call(ember, ember.tensor(W)), call(torch, torch.tensor(W))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


def test_grad_scaler_at_top_level() -> None:
    assert ember.GradScaler is ember.amp.GradScaler
