"""``DistributedSampler``: each of ``num_replicas`` processes iterates its own share of a dataset.

The index order is PyTorch's: with ``shuffle`` a generator seeded with ``seed + epoch`` draws ``randperm``
(ember's CPU generator is PyTorch's, so the shares equal PyTorch's), the list is padded by repeating its head
(or truncated with ``drop_last``) to a multiple of ``num_replicas``, and replica ``rank`` takes every
``num_replicas``-th index from ``rank``. ``num_replicas`` and ``rank`` default to the world size and rank of
the default process group (``ember.distributed.init_process_group``); without one, leaving them out raises
PyTorch's ValueError ("Default process group has not been initialized ...").
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized
from typing import Any

from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler[int]):
    """``DistributedSampler(dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False)``."""

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            # NOTE: imported here, not at the top: `import ember.data` must not load the process-group machinery
            from .. import distributed as dist

            # get_world_size/get_rank raise PyTorch's ValueError when no default process group is initialized
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.epoch, self.drop_last, self.shuffle, self.seed = 0, drop_last, shuffle, seed
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            from ..ops.random import Generator, randperm

            g = Generator()
            g.manual_seed(self.seed + self.epoch)
            indices: list[Any] = randperm(n, generator=g, device="cpu").tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank: self.total_size: self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, so each epoch shuffles differently (and every replica alike)."""
        self.epoch = epoch
