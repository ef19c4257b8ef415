"""Complex tensors and ``ember.fft`` on the backend under test: a few small cases each, against NumPy's float64/
complex128 results (values and output dtypes) and the adjoint identities the gradients must satisfy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import ember

from ._helpers import supports_dtype

X = np.array([[1.0, -2.0, 0.5, 3.0], [0.25, 1.5, -1.0, 2.0]])
Z = X + 1j * np.array([[0.5, 1.0, -1.5, 0.0], [2.0, -0.25, 1.0, -1.0]])


def _need_complex(device: str) -> None:
    if not supports_dtype(device, ember.complex64):
        pytest.skip("the backend declares no complex64")


def _close(t: ember.Tensor, want: np.ndarray, tol: float = 1e-5) -> None:
    np.testing.assert_allclose(t.detach().cpu().numpy(), want, rtol=tol, atol=tol)


def test_complex_arithmetic(device: str) -> None:
    _need_complex(device)
    z = ember.tensor(Z, dtype=ember.complex64, device=device)
    x = ember.tensor(X, dtype=ember.float32, device=device)
    assert z.dtype is ember.complex64 and (x * 1j).dtype is ember.complex64
    _close(z * z.conj() + x, Z * Z.conj() + X)
    _close((z / (x + 2j)).exp(), np.exp(Z / (X + 2j)), 1e-4)
    _close(z.abs(), np.abs(Z))
    assert z.abs().dtype is ember.float32
    _close(z.real, Z.real)
    _close(z.imag, Z.imag)
    _close(ember.view_as_real(z), np.stack([Z.real, Z.imag], -1))
    _close(ember.complex(x, x * 2), X + 2j * X)
    _close(z.sum(1), Z.sum(1))
    _close(z @ z.mT, Z @ Z.T, 1e-4)


@pytest.mark.parametrize("name, args, kw", [
    ("fft", (Z,), {}), ("ifft", (Z,), {"norm": "ortho"}), ("rfft", (X,), {"n": 6}), ("irfft", (Z,), {}),
    ("fft2", (Z,), {"norm": "forward"}), ("rfftn", (X,), {}), ("hfft", (Z,), {"n": 5}), ("ihfft", (X,), {}),
])
def test_fft_values(device: str, name: str, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
    _need_complex(device)
    a = args[0]
    dt = ember.complex64 if np.iscomplexobj(a) else ember.float32
    got = getattr(ember.fft, name)(ember.tensor(a, dtype=dt, device=device), **kw)
    want = getattr(np.fft, name)(a, **kw)
    assert got.dtype is (ember.complex64 if np.iscomplexobj(want) else ember.float32)
    _close(got, want, 1e-4)


def test_fft_gradients(device: str) -> None:
    _need_complex(device)
    # the gradient of a real loss <w, Re y> is the adjoint of the transform applied to w: for the unnormalized
    # fft that is n * ifft(w); for rfft, the real part of the zero-padded inverse
    w = np.array([[1.0, 0.5, -1.0, 2.0], [0.0, 1.0, 1.0, -0.5]])
    z = ember.tensor(Z, dtype=ember.complex64, device=device, requires_grad=True)
    (ember.fft.fft(z).real * ember.tensor(w, device=device)).sum().backward()
    assert z.grad is not None and z.grad.dtype is ember.complex64
    _close(z.grad, 4 * np.fft.ifft(w), 1e-4)
    x = ember.tensor(X, dtype=ember.float32, device=device, requires_grad=True)
    wr = w[:, :3]
    (ember.fft.rfft(x).real * ember.tensor(wr, device=device)).sum().backward()
    full = np.concatenate([wr, np.zeros((2, 1))], 1)
    assert x.grad is not None and x.grad.dtype is ember.float32
    _close(x.grad, (4 * np.fft.ifft(full)).real, 1e-4)


def test_fft_helpers(device: str) -> None:
    _close(ember.fft.fftfreq(5, 0.5, device=device), np.fft.fftfreq(5, 0.5))
    _close(ember.fft.rfftfreq(6, device=device), np.fft.rfftfreq(6))
    a = ember.arange(6, device=device).reshape(2, 3)
    np.testing.assert_array_equal(ember.fft.fftshift(a).cpu().numpy(), np.fft.fftshift(np.arange(6).reshape(2, 3)))
    np.testing.assert_array_equal(ember.fft.ifftshift(a, dim=1).cpu().numpy(),
                                  np.fft.ifftshift(np.arange(6).reshape(2, 3), axes=1))


def test_complex_refusals(device: str) -> None:
    _need_complex(device)
    z = ember.tensor(Z, dtype=ember.complex64, device=device)
    with pytest.raises(RuntimeError, match="not implemented for 'ComplexFloat'"):
        z < z  # noqa: B015 - the comparison is what raises
    with pytest.raises(RuntimeError, match="clamp is not supported for complex types"):
        z.clamp(0, 1)
    with pytest.raises(RuntimeError, match="rfft expects a real input tensor, but got ComplexFloat"):
        ember.fft.rfft(z)
