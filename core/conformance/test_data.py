"""Data loading on the backend under test: ``DataLoader`` over datasets whose tensors live on the device
(batches stay there), ``default_collate`` of device tensors, shuffling reproducible with a seeded
``ember.Generator`` and identical to a CPU dataset's, samplers and splits, and worker processes feeding
CPU batches that are then moved to the device.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import ember
from ember.data import (
    ConcatDataset,
    DataLoader,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    random_split,
)

from ._reference import check_same, on_device, rand

N = 10
XS = rand(N, 3, seed=30)
YS = np.arange(N, dtype=np.int64) * 7


def _dataset(device: str) -> TensorDataset:
    return TensorDataset(ember.tensor(XS, dtype=ember.float32, device=device), ember.tensor(YS, device=device))


def _check_batches(batches: list[Any], order: np.ndarray, device: str, sizes: list[int]) -> None:
    assert [len(b[1]) for b in batches] == sizes
    start = 0
    for x, y in batches:
        assert on_device(x, device) and on_device(y, device), f"batch on {x.device}/{y.device}, dataset on {device}"
        assert x.dtype == ember.float32 and y.dtype == ember.int64
        idx = order[start:start + len(y)]
        check_same(x, ember.tensor(XS[idx], dtype=ember.float32), device, rtol=0, atol=0, what="batch x")
        check_same(y, ember.tensor(YS[idx]), device, what="batch y")
        start += len(y)


@pytest.mark.parametrize("drop_last", [False, True])
def test_dataloader_batches_stay_on_device(drop_last: bool, device: str) -> None:
    loader = DataLoader(_dataset(device), batch_size=4, drop_last=drop_last)
    assert len(loader) == (2 if drop_last else 3)
    _check_batches(list(loader), np.arange(N), device, [4, 4] if drop_last else [4, 4, 2])


def test_dataloader_single_samples_and_no_batching(device: str) -> None:
    ds = _dataset(device)
    x, y = ds[3]
    assert on_device(x, device) and tuple(x.shape) == (3,) and int(y.item()) == 21
    unbatched = list(DataLoader(ds, batch_size=None))
    assert len(unbatched) == N and on_device(unbatched[0][0], device) and tuple(unbatched[0][0].shape) == (3,)
    ones = list(DataLoader(ds))  # batch_size=1 adds a batch dimension
    assert tuple(ones[0][0].shape) == (1, 3) and on_device(ones[0][0], device)


def test_shuffle_reproducible_with_generator(device: str) -> None:
    def order(dev: str, seed: int) -> tuple[np.ndarray, list[Any]]:
        batches = list(DataLoader(_dataset(dev), batch_size=3, shuffle=True,
                                  generator=ember.Generator().manual_seed(seed)))
        return np.concatenate([b[1].cpu().numpy() for b in batches]) // 7, batches

    first, batches = order(device, 5)
    again, _ = order(device, 5)
    on_cpu, _ = order("cpu", 5)
    other, _ = order(device, 6)
    assert sorted(first.tolist()) == list(range(N)), "a shuffled epoch must visit every sample once"
    np.testing.assert_array_equal(again, first, err_msg="the same seed must give the same order")
    np.testing.assert_array_equal(on_cpu, first, err_msg="the order must not depend on where the data lives")
    assert not np.array_equal(other, first), "another seed should give another order"
    _check_batches(batches, first, device, [3, 3, 3, 1])


def test_default_collate_device_tensors(device: str) -> None:
    samples = [
        {"x": ember.tensor(XS[i], device=device), "pair": (ember.tensor(YS[i], device=device), float(i)), "i": i}
        for i in range(3)
    ]
    batch = default_collate(samples)
    assert set(batch) == {"x", "pair", "i"}
    check_same(batch["x"], ember.tensor(XS[:3]), device, rtol=0, atol=0, what="collated x")
    check_same(batch["pair"][0], ember.tensor(YS[:3]), device, what="collated 0-d tensors")
    assert batch["pair"][1].dtype == ember.float64 and batch["i"].dtype == ember.int64
    assert batch["i"].tolist() == [0, 1, 2]
    tensors = default_collate([ember.tensor(XS[i], dtype=ember.float32, device=device) for i in range(4)])
    check_same(tensors, ember.tensor(XS[:4], dtype=ember.float32), device, rtol=0, atol=0, what="stacked")


def test_random_split_concat_and_weighted_sampler(device: str) -> None:
    ds = _dataset(device)
    a, b = random_split(ds, [0.7, 0.3], generator=ember.Generator().manual_seed(0))
    a_cpu, _ = random_split(_dataset("cpu"), [0.7, 0.3], generator=ember.Generator().manual_seed(0))
    assert (len(a), len(b)) == (7, 3) and list(a.indices) == list(a_cpu.indices)
    assert sorted([*a.indices, *b.indices]) == list(range(N))
    batch = next(iter(DataLoader(ConcatDataset([b, a]), batch_size=N)))
    _check_batches([batch], np.array([*b.indices, *a.indices]), device, [N])
    weights = [0.0, 1.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    picks = {}
    for dev in ("cpu", device):
        sampler = WeightedRandomSampler(ember.tensor(weights, device=dev), 20,
                                        generator=ember.Generator().manual_seed(1))
        picks[dev] = list(sampler)
    assert set(picks[device]) <= {1, 3}, f"drew zero-weight samples: {picks[device]}"
    assert picks[device] == picks["cpu"], "weights on the device must sample as weights on the CPU"


def test_workers_cpu_dataset_then_to_device(device: str) -> None:
    ds = TensorDataset(ember.tensor(XS, dtype=ember.float32), ember.tensor(YS))
    gen = ember.Generator().manual_seed(3)
    loader = DataLoader(ds, batch_size=4, shuffle=True, num_workers=2, generator=gen)
    batches = [(x.to(device), y.to(device)) for x, y in loader]
    in_process = list(DataLoader(ds, batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(3)))
    order = np.concatenate([y.cpu().numpy() for _, y in in_process]) // 7
    _check_batches(batches, order, device, [4, 4, 2])
