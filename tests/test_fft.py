"""``ember.fft`` against ``torch.fft``: values, output dtypes and shapes, gradients of real losses, errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from _devices import device_params

import ember

torch = pytest.importorskip("torch")

REAL_IN = {"rfft", "ihfft", "rfft2", "rfftn", "ihfft2", "ihfftn"}
ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_D = ["fft2", "ifft2", "fftn", "ifftn", "rfft2", "irfft2", "rfftn", "irfftn", "hfft2", "ihfft2", "hfftn", "ihfftn"]
NORMS = [None, "backward", "ortho", "forward"]


def _np(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().resolve_conj().numpy()
    return t.detach().numpy()


def _input(name: str, shape: tuple[int, ...], dtype: str, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if name not in REAL_IN and dtype.startswith("complex"):
        x = x + 1j * rng.standard_normal(shape)
    return x


def _run(name: str, x: np.ndarray, dtype: str, device: str, grad: bool = True, **kw: Any) -> None:
    e_in = ember.tensor(x, dtype=getattr(ember, dtype), device=device, requires_grad=grad)
    t_in = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=grad)
    e = getattr(ember.fft, name)(e_in, **kw)
    t = getattr(torch.fft, name)(t_in, **kw)
    assert e.dtype.name == str(t.dtype).split(".")[1], (name, kw, e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape), (name, kw)
    # an integer input is transformed in the default float precision: the output's dtype sets the tolerance
    tol = 1e-4 if e.dtype.name in ("float32", "complex64") else 1e-10
    np.testing.assert_allclose(_np(e), _np(t), rtol=tol, atol=tol)
    if not grad:
        return
    # a real loss that weighs every output differently, so each output's gradient is checked
    w = np.random.default_rng(1).standard_normal(tuple(t.shape))
    (e.abs() ** 2 * ember.tensor(w, device=device)).sum().backward()
    (t.abs() ** 2 * torch.tensor(w)).sum().backward()
    assert e_in.grad is not None and e_in.grad.dtype is e_in.dtype
    np.testing.assert_allclose(_np(e_in.grad), _np(t_in.grad), rtol=10 * tol, atol=10 * tol)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n", [None, 5, 8])
@pytest.mark.parametrize("name", ONE_D)
def test_1d(name: str, n: int | None, norm: str | None) -> None:
    _run(name, _input(name, (3, 6), "complex128"), "float64" if name in REAL_IN else "complex128", "cpu",
         n=n, norm=norm)


@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
@pytest.mark.parametrize("s", [None, (3, 5), (5, 8)])
@pytest.mark.parametrize("name", N_D)
def test_nd(name: str, s: tuple[int, int] | None, norm: str | None) -> None:
    _run(name, _input(name, (2, 4, 6), "complex128"), "float64" if name in REAL_IN else "complex128", "cpu",
         s=s, norm=norm)


@pytest.mark.parametrize("name, kw", [
    ("fft", {"dim": 0}), ("rfft", {"dim": 1, "n": 3}), ("irfft", {"dim": 0, "n": 7}), ("fftn", {"dim": (0, 2)}),
    ("rfftn", {"s": (4, 4)}), ("irfftn", {"dim": (2, 0), "s": (5, 3)}), ("hfftn", {"dim": (1,)}),
    ("fftn", {"s": (-1, 3), "dim": (1, 2)}), ("ihfftn", {"s": (3, 2, 5)}),
])
def test_dims(name: str, kw: dict[str, Any]) -> None:
    _run(name, _input(name, (2, 4, 6), "complex128"), "float64" if name in REAL_IN else "complex128", "cpu", **kw)


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "int64"])
def test_dtypes(dtype: str) -> None:
    x = np.arange(8).reshape(2, 4)
    for name in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "irfftn"):
        if name in REAL_IN and dtype == "complex64":
            continue
        _run(name, x.astype("complex128" if dtype.startswith("complex") else "float64"), dtype, "cpu", grad=False)


@pytest.mark.parametrize("device", device_params())
def test_devices_small(device: str) -> None:
    _run("fft", _input("fft", (2, 4), "complex64"), "complex64", device, norm="ortho")
    _run("rfft", _input("rfft", (2, 6), "float32"), "float32", device, n=5)
    _run("irfft", _input("irfft", (2, 4), "complex64"), "complex64", device)
    _run("fft2", _input("fft2", (2, 4), "float32"), "float32", device)


def test_freq_and_shift() -> None:
    for n, d in ((5, 1.0), (6, 0.5), (1, 2.0)):
        for name in ("fftfreq", "rfftfreq"):
            e, t = getattr(ember.fft, name)(n, d), getattr(torch.fft, name)(n, d)
            assert e.dtype is ember.float32
            np.testing.assert_allclose(_np(e), _np(t), rtol=1e-6)
    assert ember.fft.fftfreq(4, dtype=ember.float64).dtype is ember.float64
    x = np.arange(30).reshape(5, 6)
    for name in ("fftshift", "ifftshift"):
        for dim in (None, 0, (1,), (0, 1), -1):
            e = getattr(ember.fft, name)(ember.tensor(x), dim=dim)
            t = getattr(torch.fft, name)(torch.tensor(x), dim=dim)
            np.testing.assert_array_equal(_np(e), _np(t))


def test_errors() -> None:
    z = ember.tensor([1 + 1j, 2j])
    for call in (lambda m, a: m.fft.rfft(a), lambda m, a: m.fft.ihfft(a)):
        with pytest.raises(RuntimeError) as want:
            call(torch, torch.tensor([1 + 1j, 2j]))
        with pytest.raises(RuntimeError, match=str(want.value)):
            call(ember, z)
    with pytest.raises(RuntimeError, match=r"Invalid number of data points \(0\) specified"):
        ember.fft.fft(z, n=0)
    with pytest.raises(RuntimeError, match="FFT dims must be unique"):
        ember.fft.fftn(ember.ones(2, 2), dim=(0, 0))
    with pytest.raises(RuntimeError, match='Invalid normalization mode: "bad"'):
        ember.fft.fft(z, norm="bad")
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.fft.fft(z, dim=2)
    with pytest.raises(RuntimeError, match="Unsupported dtype Half"):
        ember.fft.fft(ember.ones(4, dtype=ember.float16))


def test_out_and_module() -> None:
    out = ember.empty(4, dtype=ember.complex64)
    r = ember.fft.fft(ember.ones(4), out=out)
    assert r is out and out.tolist() == [4, 0, 0, 0]
    import ember.fft as F

    assert F is ember.fft and set(F.__all__) >= {"fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fftshift"}
