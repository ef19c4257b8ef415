"""DataLoader with real worker processes: order, seeding, sharding, errors, deaths, timeouts, cleanup.

This module is imported by every worker (the datasets below are pickled by reference), so it must
stay light: no torch import at module level.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from typing import Any

import numpy as np
import pytest

import ember
from ember.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="worker tests use POSIX signals")


class Probe(Dataset):
    """Each sample reports who built it: (index, worker id, worker seed, pid, three RNG draws)."""

    def __init__(self, n: int = 12) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict[str, Any]:
        info = get_worker_info()
        assert info is not None and info.dataset is self and info.num_workers == 2
        return {"i": i, "wid": info.id, "seed": info.seed, "pid": os.getpid(),
                "draws": [random.random(), float(np.random.rand()), ember.rand(1).item()],
                "dev": str(ember.zeros(1).device)}


class Slow(Dataset):
    """Index 0 is slow, so worker 1 finishes later batches first; delivery must stay in order."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int) -> int:
        if i == 0:
            time.sleep(0.5)
        return i


class Failing(Dataset):
    def __len__(self) -> int:
        return 6

    def __getitem__(self, i: int) -> int:
        if i == 2:
            raise ValueError(f"bad sample {i} from the dataset")
        return i


class Killing(Dataset):
    def __len__(self) -> int:
        return 6

    def __getitem__(self, i: int) -> int:
        if i == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return i


class Sleeping(Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> int:
        time.sleep(3)
        return i


class Sharded(IterableDataset):
    """range(start, end), split between workers through get_worker_info()."""

    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end

    def __iter__(self) -> Any:
        info = get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        per = -(-(self.end - self.start) // info.num_workers)
        lo = self.start + info.id * per
        return iter(range(lo, min(lo + per, self.end)))


class Unpicklable(Dataset):
    def __len__(self) -> int:
        return 2

    def __getitem__(self, i: int) -> Any:
        return lambda: i


def _record_init(worker_id: int) -> None:
    info = get_worker_info()
    assert info is not None and info.id == worker_id
    os.environ["EMBER_TEST_INIT"] = str(worker_id)


class InitEnv(Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> str:
        return os.environ.get("EMBER_TEST_INIT", "")


def _bad_init(worker_id: int) -> None:
    raise KeyError(f"init failed in {worker_id}")


def _no_workers_left(procs: list[Any], deadline: float = 5.0) -> bool:
    """Whether all of ``procs`` have exited (and been reaped) within ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if not any(p.is_alive() for p in procs) and not set(procs) & set(multiprocessing.active_children()):
            return all(_pid_gone(p.pid) for p in procs)
        time.sleep(0.05)
    return False


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:  # a zombie has exited too, only not yet reaped by the forkserver
            return f.read().rsplit(") ", 1)[1].startswith("Z")
    except FileNotFoundError:
        return True


def test_workers_order_info_and_seeding() -> None:
    gen = ember.Generator().manual_seed(11)
    batches = list(DataLoader(Probe(), batch_size=3, num_workers=2, generator=gen))
    assert [b["i"].tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]
    assert [set(b["wid"].tolist()) for b in batches] == [{0}, {1}, {0}, {1}]  # round-robin
    seeds = {b["wid"][0].item(): b["seed"][0].item() for b in batches}
    assert seeds[1] == seeds[0] + 1  # base_seed + worker id
    # draws: [python, numpy, ember] tensors over the batch; each stream differs between the workers
    w0, w1 = batches[0]["draws"], batches[1]["draws"]
    assert len(w0) == 3 and all(a.tolist() != b.tolist() for a, b in zip(w0, w1))
    assert all(b["dev"] == ["cpu"] * 3 for b in batches)  # workers build on the CPU
    pids = {p for b in batches for p in b["pid"].tolist()}
    assert len(pids - {os.getpid()}) == 2
    assert all(_pid_gone(p) for p in pids)  # the exhausted loader shut its workers down
    gen = ember.Generator().manual_seed(11)
    again = list(DataLoader(Probe(), batch_size=3, num_workers=2, generator=gen))

    def draws(bs: list[Any]) -> list[Any]:
        return [[t.tolist() for t in b["draws"]] for b in bs]

    assert draws(again) == draws(batches)
    assert [b["seed"].tolist() for b in again] == [b["seed"].tolist() for b in batches]


def test_in_order_delivery_and_shuffle_reproducible() -> None:
    assert [b.tolist() for b in DataLoader(Slow(), batch_size=1, num_workers=2)] == [[i] for i in range(8)]
    unordered = [b.item() for b in DataLoader(Slow(), batch_size=1, num_workers=2, in_order=False)]
    assert sorted(unordered) == list(range(8)) and unordered != list(range(8))
    x = ember.arange(60.0).reshape(30, 2)
    ds = TensorDataset(x, ember.arange(30))

    def epoch(workers: int) -> list[int]:
        loader = DataLoader(ds, batch_size=4, shuffle=True, num_workers=workers,
                            generator=ember.Generator().manual_seed(5))
        return [i for _, y in loader for i in y.tolist()]

    order = epoch(2)
    assert order == epoch(2) == epoch(0) and sorted(order) == list(range(30))


def test_iterable_dataset_sharding() -> None:
    got = [b.tolist() for b in DataLoader(Sharded(3, 17), batch_size=4, num_workers=2)]
    flat = sorted(i for b in got for i in b)
    assert flat == list(range(3, 17))  # each sample once: the workers split the range
    assert got[0] == [3, 4, 5, 6] and got[1] == [10, 11, 12, 13]  # interleaved worker 0, worker 1
    dropped = list(DataLoader(Sharded(0, 10), batch_size=4, num_workers=2, drop_last=True))
    assert sorted(i for b in dropped for i in b.tolist()) == [0, 1, 2, 3, 5, 6, 7, 8]


def test_worker_exception_reraised_with_traceback() -> None:
    loader = DataLoader(Failing(), batch_size=2, num_workers=2)
    it = iter(loader)
    assert next(it).tolist() == [0, 1]
    with pytest.raises(ValueError) as err:
        next(it)
    msg = str(err.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 1.\nOriginal Traceback")
    assert "in __getitem__" in msg and "bad sample 2 from the dataset" in msg
    assert next(it).tolist() == [4, 5]  # the loader goes on, as in PyTorch
    with pytest.raises(StopIteration):
        next(it)
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
        list(DataLoader(InitEnv(), num_workers=2, worker_init_fn=_bad_init))
    with pytest.raises(Exception, match="Caught .*Error in DataLoader worker process 0"):
        list(DataLoader(Unpicklable(), batch_size=None, num_workers=2))
    inited = DataLoader(InitEnv(), batch_size=None, num_workers=2, worker_init_fn=_record_init)
    assert list(inited) == ["0", "1", "0", "1"]


def test_killed_worker_raises_instead_of_hanging() -> None:
    loader = DataLoader(Killing(), batch_size=1, num_workers=2, timeout=30)
    it = iter(loader)
    procs = list(it._pool.workers)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) exited unexpectedly.*SIGKILL"):
        for _ in it:
            pass
    assert time.monotonic() - start < 10
    assert _no_workers_left(procs)


def test_worker_killed_from_outside() -> None:
    it = iter(DataLoader(Sleeping(), batch_size=1, num_workers=2))
    procs = list(it._pool.workers)
    os.kill(procs[1].pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match=rf"DataLoader worker \(pid {procs[1].pid}\) exited unexpectedly"):
        list(it)
    assert _no_workers_left(procs)


def test_timeout() -> None:
    it = iter(DataLoader(Sleeping(), batch_size=1, num_workers=2, timeout=0.5))
    procs = list(it._pool.workers)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0\.5 seconds$"):
        next(it)
    assert time.monotonic() - start < 2.5
    del it
    gc.collect()
    assert _no_workers_left(procs)


def test_no_workers_left_after_break_or_garbage_collection() -> None:
    gc.collect()
    before = set(multiprocessing.active_children())
    loader = DataLoader(Probe(), batch_size=2, num_workers=2)
    for i, _ in enumerate(loader):
        if i == 1:
            procs = list(set(multiprocessing.active_children()) - before)
            break
    assert len(procs) == 2
    assert _no_workers_left(procs)  # the abandoned iterator shut its workers down

    persistent = DataLoader(Probe(), batch_size=2, num_workers=2, persistent_workers=True)
    pids = [{p for b in persistent for p in b["pid"].tolist()} for _ in range(2)]
    assert pids[0] == pids[1] and len(pids[0]) == 2  # the same workers served both epochs
    procs = list(persistent._iterator._pool.workers)
    next(iter(persistent))  # leave an epoch half-way: the next one must not see its stale batches
    assert [b["i"].tolist() for b in persistent] == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]
    assert all(p.is_alive() for p in procs)
    del persistent
    gc.collect()
    assert _no_workers_left(procs)


_JAX_SCRIPT = """
import ember
from ember.data import DataLoader, Dataset


class Rows(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        return ember.tensor([float(i), 2.0 * i]), str(ember.zeros(1).device)


if __name__ == "__main__":
    assert ember.device(ember.get_default_device()).type == "jax", ember.get_default_device()
    batches = list(DataLoader(Rows(), batch_size=4, num_workers=2, shuffle=True,
                              generator=ember.Generator().manual_seed(0)))
    assert all(x.device.type == "jax" for x, _ in batches), [x.device for x, _ in batches]
    assert all(list(devs) == ["cpu"] * len(devs) for _, devs in batches)
    rows = sorted(r[0] for x, _ in batches for r in x.tolist())
    assert rows == [float(i) for i in range(10)], rows
    print("ok", len(batches))
"""


def test_workers_under_jax_backend(tmp_path: Any) -> None:
    pytest.importorskip("jax", reason="jax is not installed")
    try:
        ember.zeros(1, device="jax")
    except Exception as e:  # noqa: BLE001 - any failure means ember's jax backend is unusable here
        pytest.skip(f"ember's jax backend is not available: {e}")
    script = tmp_path / "jax_loader.py"
    script.write_text(textwrap.dedent(_JAX_SCRIPT))
    env = dict(os.environ, EMBER_BACKEND="jax", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == "ok 3"
