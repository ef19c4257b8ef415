"""``DistributedSampler`` gives each replica PyTorch's exact share (same seed, epoch, padding and stride), and
``torch.autograd``'s remaining public names (``Variable``, multithreading switches)."""

from __future__ import annotations

import importlib.util

import pytest

import ember
from ember.utils.data import DataLoader, DistributedSampler

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("drop_last", [True, False])
@pytest.mark.parametrize("n,replicas", [(10, 3), (7, 4), (2, 5)])
def test_shares_match_pytorch(shuffle: bool, drop_last: bool, n: int, replicas: int) -> None:
    for rank in range(replicas):
        mine = DistributedSampler(range(n), replicas, rank, shuffle=shuffle, seed=4, drop_last=drop_last)
        theirs = torch.utils.data.DistributedSampler(range(n), replicas, rank, shuffle=shuffle, seed=4,
                                                     drop_last=drop_last)
        for epoch in (0, 3):
            mine.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(mine) == list(theirs) and len(mine) == len(theirs)


def test_with_a_dataloader_and_errors() -> None:
    data = ember.arange(12)
    loader = DataLoader(data, batch_size=2, sampler=DistributedSampler(data, 2, 1, shuffle=False))
    assert [b.tolist() for b in loader] == [[1, 3], [5, 7], [9, 11]]
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(data)
    with pytest.raises(ValueError, match="Invalid rank 2"):
        DistributedSampler(data, 2, 2)


def test_autograd_variable_and_multithreading() -> None:
    v = ember.autograd.Variable(ember.ones(2), requires_grad=True)
    assert isinstance(v, ember.Tensor) and v.requires_grad
    assert ember.autograd.is_multithreading_enabled()
    with ember.autograd.set_multithreading_enabled(False):
        assert not ember.autograd.is_multithreading_enabled()
    assert ember.autograd.is_multithreading_enabled()


def test_nn_factory_kwargs_and_autograd_variable_match_pytorch() -> None:
    for lib in (ember, torch):
        got = lib.nn.factory_kwargs({"factory_kwargs": {"dtype": lib.float64}, "device": None})
        assert got == {"device": None, "dtype": lib.float64}
        with pytest.raises(TypeError, match="unexpected kwargs"):
            lib.nn.factory_kwargs({"foo": 1})
        with pytest.raises(TypeError, match="device specified twice"):
            lib.nn.factory_kwargs({"device": "cpu", "factory_kwargs": {"device": "cpu"}})
        with pytest.raises(RuntimeError, match="use torch.tensor"):
            lib.autograd.variable(1)


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_shuffles_on_the_cpu_generator_whatever_the_default_device() -> None:
    # the order comes from a CPU generator (docs/architecture.md §5), as RandomSampler's does
    expected = list(DistributedSampler(range(10), 2, 0, seed=3))
    ember.set_default_device("jax")
    try:
        assert list(DistributedSampler(range(10), 2, 0, seed=3)) == expected
    finally:
        ember.set_default_device("cpu")
