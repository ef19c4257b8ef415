"""Samplers: iterables of dataset indices (or of index batches), as in ``torch.utils.data``."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any, Generic, TypeVar

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor

__all__ = [
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
    "BatchSampler",
]

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class of samplers: subclasses implement ``__iter__`` (and ``__len__`` where known)."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


class SequentialSampler(Sampler[int]):
    """``SequentialSampler(data_source)``: ``0, 1, ..., len(data_source) - 1``."""

    data_source: Sized

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)

    def _chunks(self) -> Iterator[np.ndarray]:
        # The index stream as int64 arrays (the DataLoader's fast path); same order as __iter__.
        yield np.arange(len(self.data_source), dtype=np.int64)


class RandomSampler(Sampler[int]):
    """``RandomSampler(data_source, replacement=False, num_samples=None, generator=None)``: random indices.

    Without ``generator``, each pass draws its seed from ember's default generator, so
    ``ember.manual_seed`` makes the order reproducible.
    """

    data_source: Sized
    replacement: bool

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: Any = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        """How many indices one pass yields (``len(data_source)`` unless given)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        for chunk in self._chunks():
            yield from chunk.tolist()

    def __len__(self) -> int:
        return self.num_samples

    def _chunks(self) -> Iterator[np.ndarray]:
        # Draws lazily, in PyTorch's order: a per-pass seed, then permutations (with replacement:
        # blocks of 32).
        from ..ops.random import Generator, randint, randperm

        n = len(self.data_source)
        generator = self.generator
        if generator is None:
            seed = int(randint(0, 2 ** 63 - 1, (), device="cpu").item())
            generator = Generator().manual_seed(seed)
        num = self.num_samples
        if self.replacement:
            for _ in range(num // 32):
                yield randint(0, n, (32,), generator=generator, device="cpu").numpy()
            yield randint(0, n, (num % 32,), generator=generator, device="cpu").numpy()
        else:
            for _ in range(num // n):
                yield randperm(n, generator=generator, device="cpu").numpy()
            yield randperm(n, generator=generator, device="cpu").numpy()[:num % n]


class SubsetRandomSampler(Sampler[int]):
    """``SubsetRandomSampler(indices, generator=None)``: the given indices in random order."""

    indices: Sequence[int]

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        from ..ops.random import randperm

        for i in randperm(len(self.indices), generator=self.generator, device="cpu").tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``WeightedRandomSampler(weights, num_samples, replacement=True, generator=None)``: index ``i`` with
    probability proportional to ``weights[i]``."""

    weights: Tensor
    num_samples: int
    replacement: bool

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Any = None) -> None:
        from ..ops.creation import as_tensor

        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = as_tensor(weights, dtype=_dt.float64, device="cpu")
        if len(w.shape) != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        from ..ops.random import multinomial

        draws = multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        yield from draws.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """``BatchSampler(sampler, batch_size, drop_last)``: lists of ``batch_size`` indices from ``sampler``.

    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Sampler[Any] | Iterable[Any], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[Any]]:
        it = iter(self.sampler)
        if self.drop_last:
            for full in zip(*[it] * self.batch_size):
                yield [*full]
        else:
            batch = [*itertools.islice(it, self.batch_size)]
            while batch:
                yield batch
                batch = [*itertools.islice(it, self.batch_size)]

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // self.batch_size


def _array_batches(batch_sampler: Any) -> Iterator[np.ndarray] | None:
    """The batches of an unmodified ``BatchSampler`` over a sequential/random sampler, as int64 arrays.

    Yields exactly the batches ``iter(batch_sampler)`` would, drawing the same random numbers, but
    without building a Python int per index. None when the samplers are custom.
    """
    if type(batch_sampler) is not BatchSampler:
        return None
    sampler: Any = batch_sampler.sampler
    if type(sampler) not in (SequentialSampler, RandomSampler):
        return None
    return _slice_chunks(sampler._chunks(), batch_sampler.batch_size, batch_sampler.drop_last)


def _slice_chunks(chunks: Iterator[np.ndarray], size: int, drop_last: bool) -> Iterator[np.ndarray]:
    rest = np.empty(0, dtype=np.int64)
    for chunk in chunks:
        if len(rest):
            chunk = np.concatenate([rest, chunk])
        full = len(chunk) - len(chunk) % size
        for i in range(0, full, size):
            yield chunk[i:i + size]
        rest = chunk[full:]
    if len(rest) and not drop_last:
        yield rest
