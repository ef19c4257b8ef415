"""Ready-made datasets: ``MNIST`` and ``FashionMNIST`` (IDX files you provide) and ``Digits`` (bundled with
scikit-learn, no download)."""

from __future__ import annotations

from .digits import Digits
from .mnist import MNIST, FashionMNIST

__all__ = ["Digits", "FashionMNIST", "MNIST"]
