"""Image transforms in torchvision's style: ``Compose``, ``ToTensor``, ``Normalize``, ``Lambda``,
``RandomHorizontalFlip``, ``RandomCrop``.

Images are NumPy arrays (``HxW`` or ``HxWxC``; PIL images are converted with ``np.asarray`` when
PIL is installed) or tensors (``...xCxHxW``). Random transforms draw from ember's default CPU
generator, so ``ember.manual_seed`` makes them reproducible (and DataLoader workers seed it per worker).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor

__all__ = ["Compose", "ToTensor", "Normalize", "Lambda", "RandomHorizontalFlip", "RandomCrop"]


class Compose:
    """``Compose(transforms)``: apply ``transforms`` one after another.

    >>> t = Compose([ToTensor(), Normalize((0.5,), (0.5,))])
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{self.__class__.__name__}({body}\n)"


class ToTensor:
    """``ToTensor()``: an ``HxW``/``HxWxC`` array to a ``CxHxW`` tensor; ``uint8`` scales to float in [0, 1].

    Other dtypes keep their values and dtype, as in torchvision.
    """

    def __call__(self, pic: Any) -> Tensor:
        from ..ops.creation import from_numpy

        if not isinstance(pic, np.ndarray):
            if not hasattr(pic, "getbands"):  # PIL.Image without importing PIL
                raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
            pic = np.asarray(pic)
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic[:, :, None]
        chw = np.ascontiguousarray(pic.transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            out = chw.astype(_dt.get_default_dtype().name)
            out /= 255
            return from_numpy(out)
        return from_numpy(chw)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class Normalize:
    """``Normalize(mean, std, inplace=False)``: ``(x - mean[c]) / std[c]`` per channel of a ``...xCxHxW``
    float tensor."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor: Tensor) -> Tensor:
        from ..ops.creation import as_tensor

        if not isinstance(tensor, Tensor):
            raise TypeError(f"Input tensor should be a torch tensor. Got {type(tensor)}.")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.ndim < 3:
            raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got "
                             f"tensor.size() = {tensor.size()}")
        mean: Any = as_tensor(self.mean, dtype=tensor.dtype, device=tensor.device)
        std: Any = as_tensor(self.std, dtype=tensor.dtype, device=tensor.device)
        if bool((std == 0).any()):
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division "
                             "by zero.")
        if mean.ndim == 1:
            mean = mean.view(-1, 1, 1)
        if std.ndim == 1:
            std = std.view(-1, 1, 1)
        if self.inplace:
            return tensor.sub_(mean).div_(std)
        return (tensor - mean) / std

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """``Lambda(lambd)``: a user function as a transform."""

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


def _coin(p: float) -> bool:
    """True with probability ``p``, drawn from ember's default CPU generator."""
    from ..ops.random import rand

    return float(rand(1, device="cpu").item()) < p


def _randint(high: int) -> int:
    from ..ops.random import randint

    return int(randint(0, high, (1,), device="cpu").item())


def _size_hw(img: Any) -> tuple[int, int]:
    if isinstance(img, Tensor):
        return int(img.shape[-2]), int(img.shape[-1])
    if isinstance(img, np.ndarray):
        return int(img.shape[0]), int(img.shape[1])
    raise TypeError(f"img should be a Tensor or ndarray. Got {type(img)}")


class RandomHorizontalFlip:
    """``RandomHorizontalFlip(p=0.5)``: mirror left-right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img: Any) -> Any:
        if _coin(self.p):
            if isinstance(img, Tensor):
                return img.flip(-1)
            if isinstance(img, np.ndarray):
                return np.ascontiguousarray(img[:, ::-1])
            raise TypeError(f"img should be a Tensor or ndarray. Got {type(img)}")
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


def _parse_padding(padding: Any) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) from an int, a (left/right, top/bottom) pair or a 4-sequence."""
    if isinstance(padding, numbers.Number):
        p = int(padding)  # type: ignore[call-overload]
        return p, p, p, p
    padding = [int(p) for p in padding]
    if len(padding) == 1:
        return padding[0], padding[0], padding[0], padding[0]
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return padding[0], padding[1], padding[2], padding[3]
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element "
                     "tuple")


_NP_PAD_MODES = {"constant": "constant", "edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}


def _pad(img: Any, padding: tuple[int, int, int, int], fill: float, mode: str) -> Any:
    """Pad the last two (tensor) or first two (array) dims; done on the host, like the image it pads."""
    from ..ops.creation import as_tensor

    left, top, right, bottom = padding
    is_tensor = isinstance(img, Tensor)
    arr = img.detach().numpy(force=True) if is_tensor else img
    if is_tensor:
        widths = [(0, 0)] * (arr.ndim - 2) + [(top, bottom), (left, right)]
    else:
        widths = [(top, bottom), (left, right)] + [(0, 0)] * (arr.ndim - 2)
    kwargs = {"constant_values": fill} if mode == "constant" else {}
    out = np.pad(arr, widths, mode=_NP_PAD_MODES[mode], **kwargs)  # type: ignore[call-overload]
    return as_tensor(out, device=img.device) if is_tensor else out


class RandomCrop:
    """``RandomCrop(size, padding=None, pad_if_needed=False, fill=0, padding_mode='constant')``: a random
    ``size`` window, after optional padding (``padding_mode``: constant, edge, reflect or symmetric)."""

    def __init__(self, size: int | Sequence[int], padding: Any = None, pad_if_needed: bool = False,
                 fill: float = 0, padding_mode: str = "constant") -> None:
        if isinstance(size, (int, float)):
            self.size = (int(size), int(size))
        elif len(size) == 1:
            self.size = (int(size[0]), int(size[0]))
        elif len(size) == 2:
            self.size = (int(size[0]), int(size[1]))
        else:
            raise ValueError("Please provide only two dimensions (h, w) for size.")
        if padding_mode not in _NP_PAD_MODES:
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img: Any, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """``(i, j, h, w)``: the top-left corner and size of a random crop of ``output_size``."""
        h, w = _size_hw(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        return _randint(h - th + 1), _randint(w - tw + 1), th, tw

    def __call__(self, img: Any) -> Any:
        if self.padding is not None:
            img = _pad(img, _parse_padding(self.padding), self.fill, self.padding_mode)
        h, w = _size_hw(img)
        th, tw = self.size
        if self.pad_if_needed and w < tw:
            img = _pad(img, (tw - w, 0, tw - w, 0), self.fill, self.padding_mode)
        if self.pad_if_needed and h < th:
            img = _pad(img, (0, th - h, 0, th - h), self.fill, self.padding_mode)
        i, j, ch, cw = self.get_params(img, self.size)
        if isinstance(img, Tensor):
            return img[..., i:i + ch, j:j + cw]
        return img[i:i + ch, j:j + cw]

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size}, padding={self.padding})"
