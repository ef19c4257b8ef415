"""``Digits``: scikit-learn's bundled 8x8 handwritten digits (1,797 real images, no download)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..dataset import Dataset

__all__ = ["Digits"]


class Digits(Dataset[Any]):
    """``Digits(train=True, transform=None, target_transform=None, test_fraction=0.2, seed=0)``: 8x8 digits.

    A sample is ``(image, label)``: a float32 ``1x8x8`` CPU tensor in [0, 1] and an int in 0..9.
    The train/test split is a fixed random partition (``seed``), the same on every run and machine.
    Needs scikit-learn (``pip install 'ember[examples]'``).
    """

    classes = [str(i) for i in range(10)]

    def __init__(self, train: bool = True, transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[Any], Any] | None = None, test_fraction: float = 0.2,
                 seed: int = 0) -> None:
        from ...ops.creation import from_numpy

        if not 0 < test_fraction < 1:
            raise ValueError(f"test_fraction should be in (0, 1), but got test_fraction={test_fraction}")
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise ImportError("Digits needs scikit-learn, which bundles the data: "
                              "pip install 'ember[examples]' (or pip install scikit-learn)") from None
        bunch = load_digits()
        images = np.asarray(bunch.images, dtype=np.float32) / np.float32(16.0)  # pixel values are 0..16
        labels = np.asarray(bunch.target, dtype=np.int64)
        order = np.random.default_rng(seed).permutation(len(labels))
        n_test = int(round(len(labels) * test_fraction))
        keep = np.sort(order[n_test:] if train else order[:n_test])
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        self.data = from_numpy(np.ascontiguousarray(images[keep, None]))
        self.targets = from_numpy(labels[keep])
        self._labels = labels[keep].tolist()

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img: Any = self.data[index]
        target: Any = self._labels[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self._labels)

    def __repr__(self) -> str:
        return (f"Dataset Digits\n    Number of datapoints: {len(self)}\n"
                f"    Split: {'Train' if self.train else 'Test'}")
