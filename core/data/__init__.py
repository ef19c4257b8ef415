"""``ember.data`` (also importable as ``ember.utils.data``): datasets, samplers, collation and ``DataLoader``.

The API is ``torch.utils.data``'s; ``ember.data.datasets`` and ``ember.data.transforms`` hold
ready-made datasets (MNIST, FashionMNIST, Digits) and image transforms. See docs/data.md.
"""

from __future__ import annotations

from typing import Any

from ._collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .worker import WorkerInfo, get_worker_info
from .distributed import DistributedSampler


def __getattr__(name: str) -> Any:
    # ember.data.datasets / .transforms load on first use, keeping `import ember.data` light
    if name in ("datasets", "transforms"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "DistributedSampler", "IterableDataset",
    "RandomSampler", "Sampler", "SequentialSampler", "StackDataset", "Subset", "SubsetRandomSampler",
    "TensorDataset", "WeightedRandomSampler", "WorkerInfo", "datasets", "default_collate", "default_convert",
    "get_worker_info", "random_split", "transforms",
]
