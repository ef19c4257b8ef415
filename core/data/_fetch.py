"""Fetchers: turn one index (or index batch) into one collated batch, in the main process or a worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor, _wrap
from ._collate import default_collate
from .dataset import IterableDataset, Subset, TensorDataset

CollateFn = Callable[[Any], Any]


class _MapFetcher:
    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: CollateFn, drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn

    def fetch(self, index: Any) -> Any:
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            if getitems:
                data = getitems(index)
            else:
                data = [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class _IterableFetcher:
    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: CollateFn, drop_last: bool) -> None:
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index: Any) -> Any:
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if len(data) == 0 or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


class _TensorGatherFetcher:
    """The fast path: a batch of a ``TensorDataset`` (possibly under ``Subset``s) is one gather per tensor.

    Gives what ``default_collate([dataset[i] for i in index])`` gives (a list of stacked rows)
    without a ``__getitem__`` per sample.
    """

    def __init__(self, tensors: tuple[Tensor, ...], remap: list[np.ndarray]) -> None:
        self.tensors = tensors
        self.remap = remap

    def fetch(self, index: Any) -> list[Tensor]:
        idx = index if isinstance(index, np.ndarray) else np.asarray(index, dtype=np.int64)
        for m in self.remap:
            idx = m[idx]
        return [_take_rows(t, idx) for t in self.tensors]


def _take_rows(t: Tensor, idx: np.ndarray) -> Tensor:
    """``t[idx]`` for a host int64 array: one backend gather, no autograd or view bookkeeping."""
    dev = t._device
    be: Any = dev._be
    if t._rg or t._base is not None and not be.mutable:
        # autograd history and stale immutable views are Tensor.__getitem__'s business
        from ..ops.creation import from_numpy

        return t[from_numpy(idx)]
    key = idx if dev.type == "cpu" else be.from_host(idx, dev.index)
    try:
        return _wrap(be.getitem(t._data, (key,)), t.dtype, dev)
    except IndexError as e:
        raise IndexError(str(e).replace("axis", "dimension")) from None


def _gatherable(dataset: Any) -> bool:
    """Whether ``dataset`` is a plain TensorDataset, optionally under plain Subsets."""
    while type(dataset) is Subset:
        dataset = dataset.dataset
    return type(dataset) is TensorDataset and all(isinstance(t, Tensor) for t in dataset.tensors)


def _gather_source(dataset: Any) -> tuple[tuple[Tensor, ...], list[np.ndarray]]:
    """The tensors under a gatherable ``dataset`` and its Subsets' index maps, outermost first."""
    maps: list[np.ndarray] = []
    while type(dataset) is Subset:
        maps.append(np.asarray(dataset.indices, dtype=np.int64))
        dataset = dataset.dataset
    return dataset.tensors, maps


def create_fetcher(dataset: Any, auto_collation: bool, collate_fn: CollateFn, drop_last: bool) -> Any:
    """The fetcher for ``dataset`` (the gather fast path when it applies)."""
    if isinstance(dataset, IterableDataset):
        return _IterableFetcher(dataset, auto_collation, collate_fn, drop_last)
    if auto_collation and collate_fn is default_collate:
        if _gatherable(dataset):
            return _TensorGatherFetcher(*_gather_source(dataset))
    return _MapFetcher(dataset, auto_collation, collate_fn, drop_last)


def uses_index_arrays(dataset: Any, auto_collation: bool, collate_fn: CollateFn) -> bool:
    """Whether the fetcher for these settings takes int64 index arrays (so samplers may skip Python ints)."""
    return (auto_collation and collate_fn is default_collate and not isinstance(dataset, IterableDataset)
            and _gatherable(dataset))
