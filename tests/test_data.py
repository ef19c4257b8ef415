"""ember.data in the main process: datasets, samplers, collation, DataLoader; PyTorch is the oracle."""

from __future__ import annotations

import collections
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ember
from ember.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)

Point = collections.namedtuple("Point", ["x", "y"])


def _torch() -> Any:
    return pytest.importorskip("torch", reason="PyTorch (the oracle extra) is not installed")


def _plain(obj: Any) -> Any:
    """A comparable form of a batch: tensors become (dtype name, nested lists); containers keep their type."""
    if isinstance(obj, ember.Tensor):
        return ("tensor", obj.dtype.name, obj.tolist())
    if type(obj).__module__.startswith("torch") and hasattr(obj, "tolist"):
        return ("tensor", str(obj.dtype).removeprefix("torch."), obj.tolist())
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__, *[_plain(v) for v in obj])
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [_plain(v) for v in obj])
    return obj


def _same_error(ours: Callable[[], Any], theirs: Callable[[], Any]) -> None:
    """Both calls raise the same exception type with the same message."""
    with pytest.raises(Exception) as e_ours:
        ours()
    with pytest.raises(Exception) as e_theirs:
        theirs()
    assert type(e_ours.value) is type(e_theirs.value)
    assert str(e_ours.value) == str(e_theirs.value)


class Squares(Dataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[Any, int]:
        return ember.tensor([float(i), float(i * i)]), i


class Stream(IterableDataset):
    def __init__(self, n: int, length: int | None = None) -> None:
        self.n, self.length = n, length

    def __iter__(self) -> Any:
        return iter(range(self.n))

    def __len__(self) -> int:
        if self.length is None:
            raise TypeError("no len")
        return self.length


# -- datasets ---------------------------------------------------------------------------------------

def test_tensor_dataset() -> None:
    x, y = ember.arange(12.0).reshape(6, 2), ember.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    assert xi.tolist() == [8.0, 9.0] and yi.item() == 4
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(x, ember.arange(5))


def test_concat_subset_stack_chain_match_torch() -> None:
    torch = _torch()
    tdata = torch.utils.data
    a, b = list(range(3)), list(range(10, 15))
    ours, theirs = ConcatDataset([a, b]), tdata.ConcatDataset([a, b])
    assert len(ours) == len(theirs) == 8 and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-8, 8)] == [theirs[i] for i in range(-8, 8)]
    _same_error(lambda: ours[-9], lambda: theirs[-9])
    _same_error(lambda: ConcatDataset([]), lambda: tdata.ConcatDataset([]))
    class TStream(tdata.IterableDataset):
        def __iter__(self) -> Any:
            return iter(range(3))

    _same_error(lambda: ConcatDataset([Stream(3)]), lambda: tdata.ConcatDataset([TStream()]))
    assert len(Squares(2) + Squares(3)) == 5
    sub = Subset(list(range(100, 110)), [3, 1, 4])
    assert [sub[i] for i in range(3)] == [103, 101, 104] and sub.__getitems__([2, 0]) == [104, 103]
    st = StackDataset(a=list(range(3)), b=list("xyz"))
    assert st[1] == {"a": 1, "b": "y"} and StackDataset([1, 2], [3, 4])[0] == (1, 3)
    _same_error(lambda: StackDataset([1], [1, 2]), lambda: tdata.StackDataset([1], [1, 2]))
    _same_error(lambda: StackDataset(), lambda: tdata.StackDataset())
    chained = Stream(2) + Stream(3)
    assert isinstance(chained, ChainDataset) and list(chained) == [0, 1, 0, 1, 2]
    assert len(ChainDataset([Stream(2, 2), Stream(3, 3)])) == 5


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [0.33, 0.33, 0.34], [1.0]])
def test_random_split_sizes_match_torch(lengths: list[Any]) -> None:
    torch = _torch()
    n = 10
    ours = random_split(list(range(n)), lengths, generator=ember.Generator().manual_seed(1))
    theirs = torch.utils.data.random_split(list(range(n)), lengths,
                                           generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    items = sorted(v for s in ours for v in (s[i] for i in range(len(s))))
    assert items == list(range(n))


def test_random_split_reproducible_and_errors() -> None:
    torch = _torch()
    ds = list(range(20))
    a = random_split(ds, [0.5, 0.5], generator=ember.Generator().manual_seed(3))
    b = random_split(ds, [0.5, 0.5], generator=ember.Generator().manual_seed(3))
    assert [list(s.indices) for s in a] == [list(s.indices) for s in b]
    ember.manual_seed(5)
    c = random_split(ds, [10, 10])
    ember.manual_seed(5)
    assert [list(s.indices) for s in random_split(ds, [10, 10])] == [list(s.indices) for s in c]
    _same_error(lambda: random_split(ds, [5, 5]), lambda: torch.utils.data.random_split(ds, [5, 5]))
    _same_error(lambda: random_split(ds, [1.5, -0.5]), lambda: torch.utils.data.random_split(ds, [1.5, -0.5]))
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split([1, 2], [1.0, 0.0])


# -- samplers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("n,bs,drop",
                         [(10, 3, False), (10, 3, True), (9, 3, True), (1, 4, False), (1, 4, True)])
def test_sequential_batch_sampler_match_torch(n: int, bs: int, drop: bool) -> None:
    torch = _torch()
    tdata = torch.utils.data
    ours = BatchSampler(SequentialSampler(range(n)), bs, drop)
    theirs = tdata.BatchSampler(tdata.SequentialSampler(range(n)), bs, drop)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert list(SequentialSampler(range(n))) == list(tdata.SequentialSampler(range(n)))


def test_sampler_argument_errors_match_torch() -> None:
    torch = _torch()
    tdata = torch.utils.data
    for bad in (0, -1, 2.0, True):
        _same_error(lambda b=bad: BatchSampler(range(3), b, False),
                    lambda b=bad: tdata.BatchSampler(range(3), b, False))
    _same_error(lambda: BatchSampler(range(3), 2, 1), lambda: tdata.BatchSampler(range(3), 2, 1))
    _same_error(lambda: RandomSampler(range(3), replacement=1),
                lambda: tdata.RandomSampler(range(3), replacement=1))
    _same_error(lambda: RandomSampler(range(3), num_samples=0),
                lambda: tdata.RandomSampler(range(3), num_samples=0))
    _same_error(lambda: RandomSampler([]), lambda: tdata.RandomSampler([]))
    _same_error(lambda: WeightedRandomSampler([1.0], 0), lambda: tdata.WeightedRandomSampler([1.0], 0))
    _same_error(lambda: WeightedRandomSampler([1.0], 1, replacement=0),
                lambda: tdata.WeightedRandomSampler([1.0], 1, replacement=0))
    _same_error(lambda: WeightedRandomSampler([[1.0]], 1), lambda: tdata.WeightedRandomSampler([[1.0]], 1))


@pytest.mark.parametrize("replacement,num_samples",
                         [(False, None), (False, 25), (False, 4), (True, None), (True, 70)])
def test_random_sampler(replacement: bool, num_samples: int | None) -> None:
    torch = _torch()
    n = 10
    kw = dict(replacement=replacement, num_samples=num_samples)
    ours = RandomSampler(range(n), generator=ember.Generator().manual_seed(0), **kw)
    theirs = torch.utils.data.RandomSampler(range(n), generator=torch.Generator().manual_seed(0), **kw)
    got = list(ours)
    assert len(got) == len(ours) == len(theirs) == len(list(theirs))
    assert all(0 <= i < n for i in got) and all(type(i) is int for i in got)
    if not replacement:  # whole permutations, then a prefix of one, as in PyTorch
        for start in range(0, len(got) - len(got) % n, n):
            assert sorted(got[start:start + n]) == list(range(n))
        assert len(set(got[len(got) - len(got) % n:])) == len(got) % n
    again = RandomSampler(range(n), generator=ember.Generator().manual_seed(0), **kw)
    assert list(again) == got
    assert list(RandomSampler(range(n), generator=ember.Generator().manual_seed(1), **kw)) != got


def test_random_sampler_seeded_by_manual_seed() -> None:
    ember.manual_seed(0)
    a = list(RandomSampler(range(50)))
    b = list(RandomSampler(range(50)))
    ember.manual_seed(0)
    assert list(RandomSampler(range(50))) == a and a != b


def test_subset_random_and_weighted_samplers() -> None:
    torch = _torch()
    s = SubsetRandomSampler([5, 7, 9, 11], generator=ember.Generator().manual_seed(0))
    assert sorted(s) == [5, 7, 9, 11] and len(s) == 4
    w = WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200, generator=ember.Generator().manual_seed(0))
    got = list(w)
    assert len(got) == len(w) == 200 and set(got) == {1, 3} and got.count(3) > got.count(1)
    no_rep = list(WeightedRandomSampler([1.0, 1.0, 1.0, 0.0], 3, replacement=False))
    assert sorted(no_rep) == [0, 1, 2]
    theirs = torch.utils.data.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200)
    assert len(theirs) == len(w)


# -- collation --------------------------------------------------------------------------------------

COLLATE_CASES: list[Callable[[Any], list[Any]]] = [
    lambda t: [0, 1, 2],
    lambda t: [0.5, 1.5],
    lambda t: [True, False],
    lambda t: ["a", "b"],
    lambda t: [b"a", b"b"],
    lambda t: [np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)],
    lambda t: [np.float32(1.5), np.float32(2.5)],
    lambda t: [np.int16(1), np.int16(2)],
    lambda t: [np.bool_(True), np.bool_(False)],
    lambda t: [np.zeros((2, 3), dtype=np.float64), np.ones((2, 3), dtype=np.float64)],
    lambda t: [t.tensor([1.0, 2.0]), t.tensor([3.0, 4.0])],
    lambda t: [t.tensor(3), t.tensor(4)],
    lambda t: [(t.tensor([1.0]), 2), (t.tensor([3.0]), 4)],
    lambda t: [[1, 2.0], [3, 4.0]],
    lambda t: [{"x": t.tensor([1.0]), "y": 1, "s": "a"}, {"x": t.tensor([2.0]), "y": 2, "s": "b"}],
    lambda t: [Point(1, 2.0), Point(3, 4.0)],
    lambda t: [{"p": Point(t.tensor(1), [1, 2])}, {"p": Point(t.tensor(2), [3, 4])}],
    lambda t: [collections.OrderedDict(a=1), collections.OrderedDict(a=2)],
]


@pytest.mark.parametrize("case", range(len(COLLATE_CASES)))
def test_default_collate_matches_torch(case: int) -> None:
    torch = _torch()
    ours = default_collate(COLLATE_CASES[case](ember))
    theirs = torch.utils.data.default_collate(COLLATE_CASES[case](torch))
    assert _plain(ours) == _plain(theirs)
    assert type(ours) is type(theirs) or isinstance(ours, ember.Tensor)


def test_default_collate_errors_match_torch() -> None:
    torch = _torch()
    collate = torch.utils.data.default_collate
    _same_error(lambda: default_collate([[1, 2], [3]]), lambda: collate([[1, 2], [3]]))
    _same_error(lambda: default_collate([None, None]), lambda: collate([None, None]))
    _same_error(lambda: default_collate([np.array(["a"]), np.array(["b"])]),
                lambda: collate([np.array(["a"]), np.array(["b"])]))
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([ember.zeros(2), ember.zeros(3)])


CONVERT_CASES: list[Callable[[Any], Any]] = [
    lambda t: 0,
    lambda t: np.array([0, 1]),
    lambda t: np.float64(2.5),
    lambda t: Point(np.array(0), np.array(1)),
    lambda t: (np.array([1.0]), "s"),
    lambda t: [np.array([1, 2]), np.array([3, 4])],
    lambda t: {"a": np.array([1]), "b": [np.array(2)]},
    lambda t: np.array(["x", "y"]),
    lambda t: t.tensor([1, 2]),
]


@pytest.mark.parametrize("case", range(len(CONVERT_CASES)))
def test_default_convert_matches_torch(case: int) -> None:
    torch = _torch()
    ours = default_convert(CONVERT_CASES[case](ember))
    theirs = torch.utils.data.default_convert(CONVERT_CASES[case](torch))
    if isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and (ours == theirs).all()
    else:
        assert _plain(ours) == _plain(theirs)


# -- DataLoader -------------------------------------------------------------------------------------

@pytest.mark.parametrize("n,bs,drop",
                         [(10, 3, False), (10, 3, True), (10, 1, False), (10, None, False), (2, 5, True)])
def test_len_and_batches_match_torch(n: int, bs: int | None, drop: bool) -> None:
    torch = _torch()
    ours = DataLoader(Squares(n), batch_size=bs, drop_last=drop)

    class TorchSquares(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return n

        def __getitem__(self, i: int) -> Any:
            return torch.tensor([float(i), float(i * i)]), i

    theirs = torch.utils.data.DataLoader(TorchSquares(), batch_size=bs, drop_last=drop)
    assert len(ours) == len(theirs)
    assert [_plain(b) for b in ours] == [_plain(b) for b in theirs]


def test_iterable_dataset_len_and_batches_match_torch() -> None:
    torch = _torch()

    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self) -> Any:
            return iter(range(7))

        def __len__(self) -> int:
            return 7

    for bs, drop in [(3, False), (3, True), (None, False)]:
        ours = DataLoader(Stream(7, 7), batch_size=bs, drop_last=drop)
        theirs = torch.utils.data.DataLoader(TorchStream(), batch_size=bs, drop_last=drop)
        assert len(ours) == len(theirs)
        assert [_plain(b) for b in ours] == [_plain(b) for b in theirs]
    with pytest.warns(UserWarning, match="Length of IterableDataset"):
        loader = DataLoader(Stream(5, 2), batch_size=1)
        assert len(loader) == 2
        list(loader)


def test_argument_errors_match_torch() -> None:
    torch = _torch()
    TDL, tdata = torch.utils.data.DataLoader, torch.utils.data
    ds, tds = Squares(4), list(range(4))

    class TStream(tdata.IterableDataset):
        def __iter__(self) -> Any:
            return iter(range(3))

    cases: list[dict[str, Any]] = [
        {"num_workers": -1},
        {"timeout": -1},
        {"prefetch_factor": 2},
        {"num_workers": 1, "prefetch_factor": -1},
        {"persistent_workers": True},
        {"shuffle": True, "sampler": [0, 1]},
        {"batch_sampler": [[0, 1]], "batch_size": 2},
        {"batch_sampler": [[0, 1]], "drop_last": True},
        {"batch_sampler": [[0, 1]], "sampler": [0]},
        {"batch_size": None, "drop_last": True},
        {"multiprocessing_context": "spawn"},
        {"num_workers": 1, "multiprocessing_context": "nope"},
        {"num_workers": 1, "multiprocessing_context": 3},
    ]
    for kw in cases:
        _same_error(lambda kw=kw: DataLoader(ds, **kw), lambda kw=kw: TDL(tds, **kw))
    for kw in ({"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}):
        with pytest.raises(ValueError) as ours_err:
            DataLoader(Stream(3), **kw)
        with pytest.raises(ValueError) as theirs_err:
            TDL(TStream(), **kw)
        assert str(ours_err.value).split(", but got")[0] == str(theirs_err.value).split(", but got")[0]
    loader, tloader = DataLoader(ds), TDL(tds)
    for attr in ("batch_size", "sampler", "dataset", "drop_last", "batch_sampler", "persistent_workers"):
        _same_error(lambda a=attr: setattr(loader, a, 1), lambda a=attr: setattr(tloader, a, 1))
    loader.num_workers = 0  # other attributes stay assignable, as in PyTorch


def test_custom_samplers_and_collate() -> None:
    loader = DataLoader(list(range(10)), batch_sampler=[[1, 2], [7]])
    assert [b.tolist() for b in loader] == [[1, 2], [7]] and len(loader) == 2
    loader = DataLoader(list(range(10)), sampler=[9, 8, 7], batch_size=2, collate_fn=lambda b: sum(b))
    assert list(loader) == [17, 7]
    unbatched = list(DataLoader([np.array([1, 2]), np.array([3, 4])], batch_size=None))
    assert [b.tolist() for b in unbatched] == [[1, 2], [3, 4]] and isinstance(unbatched[0], ember.Tensor)


def test_shuffle_reproducible_with_generator_and_manual_seed() -> None:
    def epoch(loader: DataLoader) -> list[int]:
        return [i for _, idx in loader for i in idx.tolist()]

    a = epoch(DataLoader(Squares(30), batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(7)))
    b = epoch(DataLoader(Squares(30), batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(7)))
    assert a == b and sorted(a) == list(range(30)) and a != list(range(30))
    loader = DataLoader(Squares(30), batch_size=4, shuffle=True, generator=ember.Generator().manual_seed(7))
    assert epoch(loader) == a and epoch(loader) != a  # the generator advances from epoch to epoch
    ember.manual_seed(3)
    c = epoch(DataLoader(Squares(30), batch_size=4, shuffle=True))
    ember.manual_seed(3)
    assert epoch(DataLoader(Squares(30), batch_size=4, shuffle=True)) == c


def _count_getitem(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    original = TensorDataset.__getitem__

    def counting(self: TensorDataset, index: Any) -> Any:
        calls[0] += 1
        return original(self, index)

    monkeypatch.setattr(TensorDataset, "__getitem__", counting)
    return calls


@pytest.mark.parametrize("shuffle", [False, True])
def test_tensor_dataset_fast_path_is_one_gather(shuffle: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    x = ember.randn(50, 3, 2)
    y = ember.arange(50)
    ds = TensorDataset(x, y)
    expected = list(DataLoader(ds, batch_size=8, shuffle=shuffle, generator=ember.Generator().manual_seed(1),
                               collate_fn=lambda b: default_collate(b)))  # not default_collate: the slow path
    calls = _count_getitem(monkeypatch)
    got = list(DataLoader(ds, batch_size=8, shuffle=shuffle, generator=ember.Generator().manual_seed(1)))
    assert calls[0] == 0
    assert len(got) == len(expected) == 7
    for batch, (ex, ey) in zip(got, expected):
        assert type(batch) is list  # as default_collate gives for tuple samples
        gx, gy = batch
        assert gx.shape == ex.shape and gx.dtype == ex.dtype and gy.dtype == ey.dtype
        assert np.array_equal(gx.numpy(), ex.numpy()) and gy.tolist() == ey.tolist()


def test_fast_path_through_subsets_and_custom_samplers(monkeypatch: pytest.MonkeyPatch) -> None:
    x = ember.arange(40.0).reshape(20, 2)
    ds = TensorDataset(x, ember.arange(20))
    train, _ = random_split(ds, [0.75, 0.25], generator=ember.Generator().manual_seed(0))
    inner = Subset(train, [4, 0, 2])
    calls = _count_getitem(monkeypatch)
    (bx, by), = list(DataLoader(inner, batch_size=3))
    want = [train.indices[i] for i in (4, 0, 2)]
    assert by.tolist() == want and bx.tolist() == [[2.0 * i, 2.0 * i + 1] for i in want]
    sampled = list(DataLoader(ds, sampler=SubsetRandomSampler([3, 5]), batch_size=2))
    assert sorted(sampled[0][1].tolist()) == [3, 5]
    weighted = list(DataLoader(ds, sampler=WeightedRandomSampler([0.0] * 19 + [1.0], 4), batch_size=4))
    assert weighted[0][1].tolist() == [19] * 4
    assert calls[0] == 0
    with pytest.raises(IndexError, match="out of bounds for dimension 0"):
        list(DataLoader(ds, sampler=[25], batch_size=1))


def test_fast_path_keeps_autograd() -> None:
    w = ember.randn(6, 2, requires_grad=True)
    (xb,), = list(DataLoader(TensorDataset(w), batch_size=6))
    xb.sum().backward()
    assert w.grad is not None and w.grad.tolist() == [[1.0, 1.0]] * 6


def test_get_worker_info_is_none_in_main_process() -> None:
    assert get_worker_info() is None


def test_utils_data_is_data() -> None:
    import ember.data
    import ember.utils.data
    import ember.utils.data.dataloader
    from ember.utils.data import DataLoader as UtilsDataLoader
    from ember.utils.data.datasets import MNIST

    assert ember.utils.data is ember.data and UtilsDataLoader is DataLoader
    assert ember.utils.data.dataloader is sys.modules["ember.data.dataloader"]
    assert MNIST is ember.data.datasets.MNIST and ember.utils.data.transforms is ember.data.transforms


def test_pin_memory_accepted() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(DataLoader(Squares(3), pin_memory=True))) == 3
