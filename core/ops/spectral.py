"""Short-time Fourier transforms: ``stft`` and its inverse ``istft``, with PyTorch's arguments and defaults.

Both are composites of ops that differentiate on every backend: framing with ``Tensor.unfold``, a window
product, ``ember.fft`` along the frame, and, for the inverse, overlap-add (one ``index_add``) divided by the
overlap-added squared window (PyTorch's NOLA condition).
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor


def _window(window: Tensor | None, n_fft: int, win_length: int, like: Tensor) -> Tensor:
    """The window, zero-padded to ``n_fft`` in the centre as PyTorch does (ones when none is given)."""
    from .creation import ones

    real = like.dtype.to_real() if like.dtype.is_complex else like.dtype
    if window is None:
        window = ones(win_length, dtype=real, device=like.device)
    if window.ndim != 1 or window.shape[0] != win_length:
        raise RuntimeError(f"stft: expected a 1D window tensor of size equal to win_length={win_length}, but got "
                           f"window with size {list(window.shape)}")
    left = (n_fft - win_length) // 2
    if left or n_fft - win_length - left:
        from ..nn import functional as F

        window = F.pad(window, (left, n_fft - win_length - left))
    return window


def _check(n_fft: int, hop_length: int, win_length: int, length: int | None = None) -> None:
    if n_fft <= 0 or (length is not None and not 0 < n_fft <= length):
        raise RuntimeError(f"stft: expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop_length <= 0:
        raise RuntimeError(f"stft: expected hop_length > 0, but got hop_length={hop_length}")
    if not 0 < win_length <= n_fft:
        raise RuntimeError(f"stft: expected 0 < win_length <= n_fft, but got win_length={win_length}")


def stft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
         window: Tensor | None = None, center: bool = True, pad_mode: str = "reflect", normalized: bool = False,
         onesided: bool | None = None, return_complex: bool | None = None, align_to_window: bool | None = None
         ) -> Tensor:
    """Short-time Fourier transform of a 1-d signal or a batch of them: ``(..., n_freq, n_frames)`` complex."""
    from .. import fft

    if return_complex is None:
        if not input.dtype.is_complex and (window is None or not window.dtype.is_complex):
            raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will "
                               "further require that return_complex=True in a future PyTorch release.")
        return_complex = True
    if not return_complex:
        raise RuntimeError("stft: return_complex=False (real tensors mimicking complex ones) is not supported by "
                           "ember; pass return_complex=True and use torch.view_as_real on the result if needed")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, but got {input.ndim}D tensor")
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    x = input if input.ndim == 2 else input.unsqueeze(0)
    if center:
        from ..nn import functional as F

        pad = n_fft // 2
        x = F.pad(x.unsqueeze(1), (pad, pad), mode=pad_mode).squeeze(1)
    _check(n_fft, hop, win, x.shape[-1])
    w = _window(window, n_fft, win, input)
    frames = x.unfold(-1, n_fft, hop) * w  # type: ignore[attr-defined]
    one = (not input.dtype.is_complex and not w.dtype.is_complex) if onesided is None else onesided
    spec = fft.rfft(frames, dim=-1) if one else fft.fft(frames, dim=-1)
    if normalized:
        spec = spec * (n_fft ** -0.5)
    out = spec.transpose(-1, -2)
    return out if input.ndim == 2 else out.squeeze(0)


def _overlap_add(frames: Tensor, hop: int) -> Tensor:
    """The frames ``(..., n_frames, n_fft)`` summed at offsets ``0, hop, 2 hop, ...``: ``(..., total)``.

    NOTE: one ``index_add`` (a scatter-add), where ``F.fold`` takes a slice and an add per kernel position: on JAX
    each of those compiles per shape, ~50x slower for a first call."""
    from .creation import arange, zeros

    n_frames, n_fft = frames.shape[-2:]
    lead = tuple(frames.shape[:-2])
    idx = (arange(n_frames, device=frames.device) * hop).unsqueeze(-1) + arange(n_fft, device=frames.device)
    out = zeros(*lead, n_fft + hop * (n_frames - 1), dtype=frames.dtype, device=frames.device)
    flat = frames.reshape(*lead, n_frames * n_fft)
    return out.index_add(len(lead), idx.reshape(-1), flat)  # type: ignore[attr-defined, no-any-return]


def istft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
          window: Tensor | None = None, center: bool = True, normalized: bool = False, onesided: bool | None = None,
          length: int | None = None, return_complex: bool = False) -> Tensor:
    """Inverse of ``stft``: overlap-add of the inverse transforms of the frames, divided by the summed squared
    window."""
    from .. import fft
    from ..nn import functional as F

    if not input.dtype.is_complex:
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if not 0 < win <= n_fft:
        raise RuntimeError(f"istft: expected 0 < win_length <= n_fft, but got win_length={win}")
    if not 0 < hop <= win:
        raise RuntimeError(f"istft: expected 0 < hop_length <= win_length, but got hop_length={hop}")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"istft: expected a tensor with 3 or 4 dimensions of real numbers, but got {input.ndim}D "
                           "complex input")
    spec = input if input.ndim == 3 else input.unsqueeze(0)
    n_frames = spec.shape[-1]
    one = (spec.shape[-2] != n_fft) if onesided is None else onesided
    if normalized:
        spec = spec * (n_fft ** 0.5)
    frames = spec.transpose(-1, -2)
    if one and not return_complex:
        frames = fft.irfft(frames, n=n_fft, dim=-1)
    else:
        frames = fft.ifft(frames, n=n_fft, dim=-1)
        if not return_complex:
            frames = frames.real
    w = _window(window, n_fft, win, frames if not frames.dtype.is_complex else frames.real)
    frames = frames * w
    total = n_fft + hop * (n_frames - 1)
    y = _overlap_add(frames, hop)
    env = _overlap_add((w * w).expand(n_frames, n_fft), hop)
    start = n_fft // 2 if center else 0
    end = total - (n_fft // 2 if center and length is None else 0) if length is None else start + length
    end = min(end, total)
    y, env = y[:, start:end], env[start:end]
    if bool((env.abs() < 1e-11).any()):
        raise RuntimeError("istft: window overlap add min: 0 (the window does not satisfy the NOLA condition)")
    y = y / env
    if length is not None and y.shape[-1] < length:
        y = F.pad(y, (0, length - y.shape[-1]))
    return y if input.ndim == 3 else y.squeeze(0)


def bind() -> None:
    """``x.stft(...)`` and ``x.istft(...)``."""
    T: Any = Tensor
    T.stft, T.istft = stft, istft

