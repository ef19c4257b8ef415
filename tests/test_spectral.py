"""stft/istft against PyTorch: values, gradients and the inverse, with PyTorch's defaults and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from _devices import device_params

import ember

torch = pytest.importorskip("torch")

X = np.random.RandomState(0).randn(2, 100).astype(np.float32)
CASES: list[dict[str, Any]] = [
    {"n_fft": 16},
    {"n_fft": 16, "hop_length": 5, "win_length": 12, "window": "hann"},
    {"n_fft": 15, "center": False},
    {"n_fft": 16, "normalized": True, "onesided": False},
    {"n_fft": 8, "pad_mode": "constant"},
]


def _kw(m: Any, case: dict[str, Any]) -> dict[str, Any]:
    kw = dict(case)
    if kw.pop("window", None):
        kw["window"] = m.hann_window(kw.get("win_length", kw["n_fft"]))
    return kw


@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_stft_istft_match_pytorch(case: dict[str, Any]) -> None:
    e_in, t_in = ember.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    e = ember.stft(e_in, **_kw(ember, case), return_complex=True)
    t = torch.stft(t_in, **_kw(torch, case), return_complex=True)
    assert tuple(e.shape) == tuple(t.shape) and e.dtype.name == "complex64"
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), atol=1e-4)
    (e.abs() ** 2).sum().backward()
    (t.abs() ** 2).sum().backward()
    np.testing.assert_allclose(e_in.grad.numpy(), t_in.grad.numpy(), rtol=1e-4, atol=1e-3)
    inv = {k: v for k, v in case.items() if k != "pad_mode"}
    for length in (None, 100):
        a = ember.istft(e.detach(), **_kw(ember, inv), length=length)
        b = torch.istft(t.detach(), **_kw(torch, inv), length=length)
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-4)


@pytest.mark.parametrize("device", device_params())
def test_round_trip_on_every_backend(device: str) -> None:
    x = ember.tensor(X[0], device=device)
    spec = x.stft(16, window=ember.hann_window(16, device=device), return_complex=True)
    back = spec.istft(16, window=ember.hann_window(16, device=device), length=100)
    np.testing.assert_allclose(back.cpu().numpy(), X[0], atol=1e-5)


def test_errors_match_pytorch() -> None:
    for m in (torch, ember):
        with pytest.raises(RuntimeError, match="requires the return_complex parameter"):
            m.stft(m.ones(50), 8)
        with pytest.raises(RuntimeError, match="istft requires a complex-valued input"):
            m.istft(m.ones(5, 7), 8)
