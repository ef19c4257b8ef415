"""``MNIST`` and ``FashionMNIST`` read from the standard IDX files (raw or gzipped) under ``root``.

ember never downloads: place the four files in ``root/MNIST/raw/`` (torchvision's layout, so an
existing torchvision download works) or directly in ``root/``.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ..dataset import Dataset

__all__ = ["MNIST", "FashionMNIST", "read_idx"]

# IDX type codes -> big-endian NumPy dtypes (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT")
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str) -> np.ndarray:
    """The array stored in an IDX file (``.gz`` is decompressed)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise RuntimeError(f"{path} is truncated: its header declares {ndim} dimensions")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise RuntimeError(f"{path} is truncated or corrupted: shape {shape} needs {expected} data bytes, "
                           f"found {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


class MNIST(Dataset[Any]):
    """``MNIST(root, train=True, transform=None, target_transform=None, download=False)``: handwritten digits.

    A sample is ``(image, label)``: the image a ``28x28`` uint8 NumPy array (torchvision gives a PIL
    image; ``transforms.ToTensor()`` turns either into a ``1x28x28`` float tensor), the label an int.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/"]
    files = {
        True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root: str | os.PathLike[str], train: bool = True,
                 transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None, download: bool = False) -> None:
        from ...ops.creation import from_numpy

        self.root = os.path.expanduser(os.fspath(root))
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        images_path, labels_path = self._find_files(download)
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise RuntimeError(f"{images_path} and {labels_path} do not match: images of shape "
                               f"{images.shape}, labels of shape {labels.shape}")
        self._images = images.astype(np.uint8, copy=False)
        self._labels = labels.astype(np.int64).tolist()
        self.data = from_numpy(self._images)
        self.targets = from_numpy(labels.astype(np.int64))

    @property
    def raw_folder(self) -> str:
        """``root/<ClassName>/raw``, torchvision's location of the IDX files."""
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def class_to_idx(self) -> dict[str, int]:
        """Class name -> label."""
        return {c: i for i, c in enumerate(self.classes)}

    def _find_files(self, download: bool) -> tuple[str, str]:
        found, missing = [], []
        for name in self.files[self.train]:
            for folder in (self.raw_folder, self.root):
                path = next((p for p in (os.path.join(folder, name), os.path.join(folder, name + ".gz"))
                             if os.path.isfile(p)), None)
                if path is not None:
                    found.append(path)
                    break
            else:
                missing.append(name)
        if not missing:
            return found[0], found[1]
        want = " and ".join(self.files[self.train])
        why = ("download=True: ember does not download datasets (it needs no network). " if download else
               "Dataset not found. ")
        raise RuntimeError(
            f"{why}{type(self).__name__}(train={self.train}) reads the IDX files {want} (each may be "
            f"gzipped, ending in .gz) from {self.raw_folder!r} or directly from {self.root!r}. Missing: "
            f"{', '.join(missing)}. Get them from {self.mirrors[0]} (or reuse a torchvision download: "
            f"root/{self.__class__.__name__}/raw/) and place them there.")

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img: Any = self._images[index]
        target: Any = self._labels[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self._labels)

    def __repr__(self) -> str:
        lines = [f"Dataset {self.__class__.__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}", f"    Split: {'Train' if self.train else 'Test'}"]
        if self.transform is not None:
            lines.append(f"    Transform: {self.transform!r}")
        if self.target_transform is not None:
            lines.append(f"    Target transform: {self.target_transform!r}")
        return "\n".join(lines)


class FashionMNIST(MNIST):
    """``FashionMNIST(root, train=True, transform=None, target_transform=None, download=False)``: clothing.

    Same files and layout as :class:`MNIST`, under ``root/FashionMNIST/raw/`` or ``root/``.
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
