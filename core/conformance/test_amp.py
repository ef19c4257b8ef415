"""Mixed precision on the backend under test: ``ember.autocast(device_type)`` runs matmul/linear in the
device type's lower precision and losses in float32, gradients come back in each leaf's dtype, and
``ember.amp.GradScaler`` skips a step whose gradients hold an inf and backs the scale off. tests/test_amp.py
checks the same against PyTorch on the CPU.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn.functional as F

from ._helpers import skip_unsupported, to_numpy
from ._reference import rand

X = rand(4, 3, seed=40)
W = rand(2, 3, seed=41)


def _type(device: str) -> str:
    return ember.device(device).type


def test_autocast_linear_and_loss(device: str) -> None:
    low = ember.get_autocast_dtype(_type(device))
    skip_unsupported(device, low)
    x = ember.tensor(X, dtype=ember.float32, device=device)
    w = ember.tensor(W, dtype=ember.float32, device=device, requires_grad=True)
    with ember.autocast(_type(device)):
        assert ember.is_autocast_enabled(_type(device))
        y = F.linear(x, w)
        loss = F.mse_loss(y, ember.zeros(4, 2, device=device))
    assert not ember.is_autocast_enabled(_type(device))
    assert y.dtype is low and loss.dtype is ember.float32
    np.testing.assert_allclose(to_numpy(y), X @ W.T, rtol=2e-2, atol=2e-2)
    loss.backward()
    assert w.grad is not None and w.grad.dtype is ember.float32
    want = 2 * ((X @ W.T).T @ X) / 8
    np.testing.assert_allclose(to_numpy(w.grad), want, rtol=3e-2, atol=3e-2)


def test_autocast_disabled_region(device: str) -> None:
    x = ember.tensor(X, dtype=ember.float32, device=device)
    with ember.autocast(_type(device)):
        with ember.autocast(_type(device), enabled=False):
            assert (x @ x.t()).dtype is ember.float32


def test_grad_scaler_skips_inf_step(device: str) -> None:
    w = ember.tensor([1.0, 2.0], device=device, requires_grad=True)
    opt = ember.optim.SGD([w], lr=0.5)
    scaler = ember.amp.GradScaler(_type(device), init_scale=4.0, growth_interval=1)
    scaler.scale((w * w).sum()).backward()
    scaler.step(opt)
    scaler.update()
    np.testing.assert_allclose(to_numpy(w), [0.0, 0.0])
    assert scaler.get_scale() == 8.0
    opt.zero_grad()
    scaler.scale((w * float("inf")).sum()).backward()
    scaler.step(opt)
    scaler.update()
    np.testing.assert_allclose(to_numpy(w), [0.0, 0.0])
    assert scaler.get_scale() == 4.0


def test_autocast_rejects_float32(device: str) -> None:
    if _type(device) == "cuda":
        pytest.skip("as in PyTorch, CUDA autocast takes any dtype")
    with pytest.warns(UserWarning, match="Disabling autocast"):
        ac = ember.autocast(_type(device), dtype=ember.float32)
    with ac:
        assert not ember.is_autocast_enabled(_type(device))
