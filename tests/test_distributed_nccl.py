"""The ``nccl`` process-group engine (issue 17).

Three layers: what holds on every machine (the module imports without CuPy, and ``init_process_group("nccl")``
without CuPy names the install); the engine's own logic (shapes, offsets, reductions NCCL lacks, the unique id
through the rendezvous) run over a NumPy stand-in for CuPy and NCCL, on one and two threads; and, where CuPy
sees a GPU with NCCL, the real thing: a world of one through ``ember.distributed``, and two processes on two
GPUs. tools/gpu_nccl_check.py runs the world-of-one checks by hand on a lent GPU machine.
"""

from __future__ import annotations

import ctypes
import os
import socket
import subprocess
import sys
import textwrap
import threading
import types
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

_TIMEOUT = 180
# as if CuPy were not installed, on any machine: `import cupy` fails and importlib finds no spec
_NO_CUPY = "import sys\nsys.modules['cupy'] = None\n"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
    return {**env, **extra}


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=_TIMEOUT,
                          env=_clean_env(**env))


# -- every machine -----------------------------------------------------------------------------------------


def test_the_module_imports_without_cupy() -> None:
    r = _python(_NO_CUPY + "import ember.distributed._nccl as m\nassert callable(m.create)\nprint('imported')")
    assert r.returncode == 0 and r.stdout.strip() == "imported", r.stdout + r.stderr


def test_init_without_cupy_raises_the_install_hint() -> None:
    r = _python(_NO_CUPY + textwrap.dedent("""
        import ember.distributed as dist

        assert not dist.is_nccl_available()
        try:
            dist.init_process_group("nccl")
        except RuntimeError as e:
            print("raised:", e)
        else:
            raise SystemExit("init_process_group('nccl') did not raise")
        assert not dist.is_initialized()
    """))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "raised: process-group backend 'nccl' is not installed" in r.stdout, r.stdout
    assert "nvidia-nccl-cu12" in r.stdout and "pip install" in r.stdout, r.stdout


# -- the engine's logic over a NumPy stand-in for CuPy -------------------------------------------------------
#
# Arrays are NumPy arrays with CuPy's `.data.ptr` and `.device.id`; the communicator reads and writes the
# buffers at the pointers it is given, as NCCL does, and completes each call before returning (so every event
# is done at once). Ranks are threads of this process; a collective waits for all of them.

_NCCL_DTYPES = {0: "int8", 1: "uint8", 2: "int32", 3: "uint32", 4: "int64", 5: "uint64", 6: "float16",
                7: "float32", 8: "float64"}


class _FakeArray(np.ndarray):
    """A NumPy array that answers CuPy's ``data.ptr`` and ``device.id``."""

    @property
    def data(self) -> Any:
        return types.SimpleNamespace(ptr=self.__array_interface__["data"][0])

    @property
    def device(self) -> Any:
        return types.SimpleNamespace(id=0)


def _fake(a: Any) -> _FakeArray:
    return np.array(a).view(_FakeArray)


def _read(ptr: int, count: int, dtype: str) -> np.ndarray:
    dt = np.dtype(dtype)
    if count == 0:
        return np.empty(0, dt)
    return np.frombuffer((ctypes.c_char * (count * dt.itemsize)).from_address(ptr), dt).copy()


def _write(ptr: int, a: np.ndarray) -> None:
    if a.nbytes:
        ctypes.memmove(ptr, np.ascontiguousarray(a).ctypes.data, a.nbytes)


class _World:
    """The ranks of one fake communicator: a slot each for collectives, and mailboxes for send/recv."""

    def __init__(self, n: int) -> None:
        self.barrier = threading.Barrier(n, timeout=20)
        self.slots: list[Any] = [None] * n
        self.mail: dict[tuple[int, int], deque[np.ndarray]] = {}
        self.cv = threading.Condition()


class _FakeNccl:
    """The parts of ``cupy.cuda.nccl`` the engine uses."""

    available = True
    NCCL_SUM, NCCL_PROD, NCCL_MAX, NCCL_MIN, NCCL_AVG = range(5)
    NCCL_INT8, NCCL_UINT8, NCCL_INT32, NCCL_UINT32, NCCL_INT64, NCCL_UINT64 = range(6)
    NCCL_FLOAT16, NCCL_FLOAT32, NCCL_FLOAT64 = 6, 7, 8

    def __init__(self) -> None:
        self.worlds: dict[bytes, _World] = {}
        self.lock = threading.Lock()
        self.local = threading.local()
        fake = self

        class NcclCommunicator:
            def __init__(self, n: int, uid: bytes, rank: int) -> None:
                assert isinstance(uid, bytes) and len(uid) == 128, uid
                with fake.lock:
                    self.world = fake.worlds.setdefault(uid, _World(n))
                self.rank, self.n, self.calls = rank, n, 0
                self.world.barrier.wait()  # ncclCommInitRank returns once every rank has joined

            def _exchange(self, value: Any) -> list[Any]:
                self.world.slots[self.rank] = value
                self.world.barrier.wait()
                got = list(self.world.slots)
                self.world.barrier.wait()
                return got

            def allReduce(self, s: int, r: int, count: int, t: int, op: int, stream: int) -> None:
                _write(r, _combine(self._exchange(_read(s, count, _NCCL_DTYPES[t])), op))

            def reduce(self, s: int, r: int, count: int, t: int, op: int, root: int, stream: int) -> None:
                got = _combine(self._exchange(_read(s, count, _NCCL_DTYPES[t])), op)
                if self.rank == root:
                    _write(r, got)

            def broadcast(self, s: int, r: int, count: int, t: int, root: int, stream: int) -> None:
                mine = _read(s, count, _NCCL_DTYPES[t]) if self.rank == root else None
                _write(r, self._exchange(mine)[root])

            def reduceScatter(self, s: int, r: int, count: int, t: int, op: int, stream: int) -> None:
                got = _combine(self._exchange(_read(s, count * self.n, _NCCL_DTYPES[t])), op)
                _write(r, got[self.rank * count:(self.rank + 1) * count])

            def allGather(self, s: int, r: int, count: int, t: int, stream: int) -> None:
                _write(r, np.concatenate(self._exchange(_read(s, count, _NCCL_DTYPES[t]))))

            def send(self, s: int, count: int, t: int, peer: int, stream: int) -> None:
                assert count > 0  # the engine posts nothing for an empty message
                data = _read(s, count, _NCCL_DTYPES[t])
                fake._post(lambda: self._deliver(peer, data), first=True)

            def recv(self, r: int, count: int, t: int, peer: int, stream: int) -> None:
                assert count > 0
                fake._post(lambda: _write(r, self._take(peer, count, _NCCL_DTYPES[t])), first=False)

            def _deliver(self, peer: int, data: np.ndarray) -> None:
                with self.world.cv:
                    self.world.mail.setdefault((self.rank, peer), deque()).append(data)
                    self.world.cv.notify_all()

            def _take(self, peer: int, count: int, dtype: str) -> np.ndarray:
                with self.world.cv:
                    box = self.world.mail.setdefault((peer, self.rank), deque())
                    assert self.world.cv.wait_for(lambda: box, timeout=20), f"nothing from rank {peer}"
                    data = box.popleft()
                assert data.nbytes == count * np.dtype(dtype).itemsize, (data.nbytes, count, dtype)
                return data.view(dtype)

            def check_async_error(self) -> None:
                pass

            def destroy(self) -> None:
                self.calls = -1

        self.NcclCommunicator = NcclCommunicator

    def _post(self, fn: Callable[[], None], first: bool) -> None:
        """Run a send or recv now, or at groupEnd inside a group (sends before receives, as NCCL fuses them)."""
        group = getattr(self.local, "group", None)
        if group is None:
            fn()
        else:
            group[0 if first else 1].append(fn)

    def groupStart(self) -> None:
        assert getattr(self.local, "group", None) is None
        self.local.group = ([], [])

    def groupEnd(self) -> None:
        sends, recvs = self.local.group
        self.local.group = None
        for fn in sends + recvs:
            fn()

    @staticmethod
    def get_version() -> int:
        return 22105

    @staticmethod
    def get_unique_id() -> bytes:
        return os.urandom(128)


def _combine(values: list[np.ndarray], op: int) -> np.ndarray:
    st = np.stack(values)
    if op == _FakeNccl.NCCL_SUM:
        return st.sum(0, dtype=st.dtype)
    if op == _FakeNccl.NCCL_PROD:
        return st.prod(0, dtype=st.dtype)
    if op == _FakeNccl.NCCL_MAX:
        return st.max(0)
    if op == _FakeNccl.NCCL_MIN:
        return st.min(0)
    assert st.dtype.kind == "f", "the engine asks NCCL to average floating types only"
    return (st.sum(0, dtype=st.dtype) / len(values)).astype(st.dtype)


class _Event:
    done = True

    def __init__(self, block: bool = False, disable_timing: bool = False) -> None:
        pass

    def record(self, stream: Any = None) -> None:
        pass


class _Device:
    def __init__(self, index: int | None = None) -> None:
        assert index in (None, 0), index

    def __enter__(self) -> _Device:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _fake_cupy() -> types.ModuleType:
    cupy = types.ModuleType("cupy")
    cuda = types.ModuleType("cupy.cuda")
    cuda.Device = _Device
    cuda.Event = _Event
    cuda.get_current_stream = lambda device_id=-1: types.SimpleNamespace(ptr=0)
    cuda.runtime = types.SimpleNamespace(getDevice=lambda: 0)
    cuda.nccl = _FakeNccl()
    cupy.cuda = cuda
    cupy.ndarray = _FakeArray
    cupy.uint8, cupy.int32, cupy.int64 = np.uint8, np.int32, np.int64
    cupy.empty = lambda shape, dtype=np.float64: _fake(np.empty(shape, dtype))
    cupy.zeros = lambda shape, dtype=np.float64: _fake(np.zeros(shape, dtype))
    cupy.asarray = lambda a: _fake(a)
    cupy.ascontiguousarray = lambda a: _fake(np.ascontiguousarray(a))
    cupy.asnumpy = lambda a: np.array(a).view(np.ndarray)
    cupy.copyto = np.copyto
    return cupy


@pytest.fixture
def fake_cupy(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    cupy = _fake_cupy()
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    monkeypatch.setitem(sys.modules, "cupy.cuda", cupy.cuda)
    monkeypatch.setitem(sys.modules, "cupy.cuda.nccl", cupy.cuda.nccl)
    for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(k, raising=False)
    yield cupy


def _wait(req: Any) -> Any:
    while not req.test():
        pass
    return req.result()


def _check(got: Any, want: np.ndarray, what: str) -> None:
    got = np.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape, (what, got.dtype, got.shape, want.dtype, want.shape)
    np.testing.assert_array_equal(got, want, err_msg=what)


def _x(r: int, dtype: str, shape: tuple[int, ...] = (4,)) -> np.ndarray:
    # values whose sums, products and averages are exact in every dtype tested, negatives included
    n = int(np.prod(shape))
    v = np.arange(n).reshape(shape) % 3 + 1 + r * (np.arange(n).reshape(shape) % 2)
    return (v * (-1 if dtype[0] in "if" and r % 2 else 1)).astype(dtype)


def _expect(op: str, xs: list[np.ndarray], world: int) -> np.ndarray:
    st = np.stack(xs)
    if st.dtype == np.bool_:
        return (st.all(0) if op in ("product", "min") else st.any(0))
    if op == "avg":
        s = st.sum(0, dtype=st.dtype)
        return (s / world).astype(st.dtype) if st.dtype.kind in "fc" else np.trunc(s / world).astype(st.dtype)
    return {"sum": lambda: st.sum(0, dtype=st.dtype), "product": lambda: st.prod(0, dtype=st.dtype),
            "min": lambda: st.min(0), "max": lambda: st.max(0)}[op]()


def _every_collective(eng: Any, rank: int, world: int) -> None:
    """The engine contract on ``eng``, checked against NumPy (each rank knows every rank's inputs)."""
    assert (eng.name, eng.rank, eng.size) == ("nccl", rank, world)
    for dtype in ("float32", "float16", "int32", "int64", "int16", "uint8", "bool", "complex64"):
        ops = ("sum", "avg") if dtype.startswith("complex") else ("sum", "avg", "product", "min", "max")
        xs = [_x(r, dtype) if dtype != "bool" else np.array([True, False, r == 0, True]) for r in range(world)]
        for op in ops:
            want = _expect(op, xs, world)
            _check(_wait(eng.all_reduce(_fake(xs[rank]), op)), want, f"all_reduce {op} {dtype}")
            got = _wait(eng.reduce(_fake(xs[rank]), world - 1, op))
            _check(got, want if rank == world - 1 else xs[rank], f"reduce {op} {dtype}")
            rows = [np.concatenate([x, x]) for x in xs]  # each rank's block r is its own x
            _check(_wait(eng.reduce_scatter(_fake(rows[rank]), op)),
                   _expect(op, rows, world)[rank * 8 // world:(rank + 1) * 8 // world], f"reduce_scatter {op} {dtype}")
        _check(_wait(eng.broadcast(_fake(xs[rank]), world - 1)), xs[world - 1], f"broadcast {dtype}")
        _check(_wait(eng.all_gather(_fake(xs[rank]))), np.stack(xs), f"all_gather {dtype}")
    # NCCL before 2.10 has no ncclAvg: a sum, then a division on the device
    eng._native_avg = False
    xs = [_x(r, "float32") for r in range(world)]
    _check(_wait(eng.all_reduce(_fake(xs[rank]), "avg")), _expect("avg", xs, world), "avg without ncclAvg")
    eng._native_avg = True
    # a non-contiguous input, a 0-d array and an empty one
    strided = _fake(np.arange(8, dtype=np.float32) + rank)[::2]
    _check(_wait(eng.all_reduce(strided, "sum")), sum(np.arange(8, dtype=np.float32)[::2] + r for r in range(world)),
           "strided all_reduce")
    _check(_wait(eng.all_reduce(_fake(np.float32(rank + 0.5)), "max")), np.array(world - 0.5, np.float32), "0-d")
    _check(_wait(eng.all_gather(_fake(np.zeros((0, 3), np.int32)))), np.zeros((world, 0, 3), np.int32), "empty")
    for op in ("band", "bor", "bxor"):
        with pytest.raises(ValueError, match=f"{op.upper()}.*nccl"):
            eng.all_reduce(_fake(np.ones(2, np.int32)), op)
    with pytest.raises(ValueError, match="complex64.*SUM and AVG"):
        eng.all_reduce(_fake(np.ones(2, np.complex64)), "max")
    # gather, scatter and all_to_all over grouped send/recv
    xs = [_x(r, "float32", (2, 3)) for r in range(world)]
    got = _wait(eng.gather(_fake(xs[rank]), 0))
    if rank == 0:
        _check(got, np.stack(xs), "gather")
    else:
        assert got is None
    src = world - 1
    rows = np.stack([xs[src] * 10 + r for r in range(world)])
    _check(_wait(eng.scatter(_fake(rows) if rank == src else None, src, _fake(np.zeros((2, 3), np.float32)))),
           rows[rank], "scatter")
    # uneven all_to_all: rank i sends i + 2j rows to rank j (none from rank 0 to rank 0), naming both
    splits = [rank + 2 * j for j in range(world)]
    blocks = lambda i: [np.full((i + 2 * j, 2), 10 * i + j, np.int64) for j in range(world)]  # noqa: E731
    out_splits = [j + 2 * rank for j in range(world)]
    want = np.concatenate([blocks(j)[rank] for j in range(world)])
    got = _wait(eng.all_to_all(_fake(np.concatenate(blocks(rank))), splits, out_splits, _fake(np.zeros_like(want))))
    _check(got, want, "all_to_all")
    if world > 1:
        peer = 1 - rank if rank < 2 else None
        if peer is not None:
            for s, d in ((0, 1), (1, 0)):
                if rank == s:
                    assert _wait(eng.send(_fake(xs[rank] * 3), d, 0)) is None
                else:
                    out, source = _wait(eng.recv(_fake(np.zeros((2, 3), np.float32)), s, 0))
                    assert source == s
                    _check(out, xs[s] * 3, f"recv {s}->{d}")
    with pytest.raises(RuntimeError, match="explicit source"):
        eng.recv(_fake(np.zeros(2, np.float32)), None, 0)
    assert _wait(eng.barrier()) is None
    msgs = [b"", b"rank one says a little more " * 5, b"two"][:world] if world > 1 else [b"alone"]
    assert _wait(eng.all_gather_bytes(msgs[rank])) == msgs
    assert _wait(eng.all_gather_bytes(b"")) == [b""] * world
    # split: the last rank alone, then every rank
    solo = eng.split([world - 1])
    assert (solo is None) == (rank != world - 1)
    if solo is not None:
        assert (solo.rank, solo.size) == (0, 1)
        _check(_wait(solo.all_reduce(_fake(xs[rank]), "sum")), xs[rank], "split solo")
        solo.close()
    both = eng.split(list(range(world)))
    assert both is not None and (both.rank, both.size) == (rank, world)
    _check(_wait(both.all_reduce(_fake(xs[rank]), "max")), _expect("max", xs, world), "split all_reduce")
    both.close()
    eng.close()
    assert eng.comm is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_engine_logic_on_a_world_of_one(fake_cupy: types.ModuleType) -> None:
    from ember.distributed import _nccl

    eng = _nccl.create(-1, -1, None, 30.0)
    _every_collective(eng, 0, 1)


def test_engine_logic_on_two_ranks(fake_cupy: types.ModuleType) -> None:
    from ember.distributed import _nccl
    from ember.distributed._engine import Rendezvous

    rdzv = Rendezvous("127.0.0.1", _free_port(), b"")
    errors: list[BaseException] = []

    def rank_main(rank: int) -> None:
        try:
            _every_collective(_nccl.create(rank, 2, rdzv, 30.0), rank, 2)
        except BaseException as e:  # noqa: BLE001 (reported by the main thread)
            errors.append(e)

    threads = [threading.Thread(target=rank_main, args=(r,), daemon=True) for r in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a rank hung"
    if errors:
        raise errors[0]


def test_create_needs_a_rendezvous_beyond_one_process(fake_cupy: types.ModuleType) -> None:
    from ember.distributed import _nccl

    with pytest.raises(ValueError, match="MASTER_ADDR and MASTER_PORT"):
        _nccl.create(0, 2, None, 5.0)
    with pytest.raises(ValueError, match="needs this process's rank"):
        _nccl.create(-1, 2, None, 5.0)


def test_create_reports_a_cupy_without_nccl(fake_cupy: types.ModuleType) -> None:
    from ember.distributed import _nccl

    fake_cupy.cuda.nccl.available = False
    with pytest.raises(ImportError, match="NCCL"):
        _nccl.create(0, 1, None, 5.0)


# -- a real GPU --------------------------------------------------------------------------------------------


def _gpus() -> int:
    """How many CUDA devices NCCL can use here; skips without CuPy, a GPU or libnccl."""
    cupy = pytest.importorskip("cupy", reason="the nccl group needs CuPy: pip install 'ember[cuda12]'")
    try:
        from cupy.cuda import nccl

        n = int(cupy.cuda.runtime.getDeviceCount()) if getattr(nccl, "available", True) else 0
    except Exception:  # noqa: BLE001 (no driver, no libnccl: nothing to test here)
        n = 0
    if n == 0:
        pytest.skip("no CUDA device with NCCL")
    return n


_WORLD_OF_ONE = r"""
import numpy as np

import ember
import ember.distributed as dist

dist.init_process_group("nccl")
assert dist.get_backend() == "nccl" and (dist.get_rank(), dist.get_world_size()) == (0, 1)
ops = [dist.ReduceOp.SUM, dist.ReduceOp.AVG, dist.ReduceOp.PRODUCT, dist.ReduceOp.MIN, dist.ReduceOp.MAX]
for dtype in ("float32", "float64", "float16", "int32", "int64", "bool"):
    base = (np.arange(6).reshape(2, 3) - 2).astype(dtype)
    x = ember.tensor(base, device="cuda")
    for op in ops:
        y = x.clone()
        dist.all_reduce(y, op=op)
        assert np.array_equal(y.cpu().numpy(), base), (dtype, op, y)
    y = x.clone()
    dist.broadcast(y, src=0)
    assert np.array_equal(y.cpu().numpy(), base), (dtype, "broadcast")
    out = ember.zeros_like(x)
    dist.all_gather_into_tensor(out, x)
    assert np.array_equal(out.cpu().numpy(), base), (dtype, "all_gather_into_tensor")
    out = ember.zeros_like(x)
    dist.reduce_scatter_tensor(out, x)
    assert np.array_equal(out.cpu().numpy(), base), (dtype, "reduce_scatter_tensor")
x = ember.tensor(np.arange(6, dtype=np.float32), device="cuda")
work = dist.all_reduce(x, async_op=True)
work.wait()
assert work.is_completed() and np.array_equal(x.cpu().numpy(), np.arange(6, dtype=np.float32))
got = [ember.zeros_like(x)]
dist.gather(x, got, dst=0)
assert np.array_equal(got[0].cpu().numpy(), x.cpu().numpy())
out = ember.zeros_like(x)
dist.scatter(out, [x], src=0)
assert np.array_equal(out.cpu().numpy(), x.cpu().numpy())
out = ember.zeros_like(x)
dist.all_to_all_single(out, x)
assert np.array_equal(out.cpu().numpy(), x.cpu().numpy())
dist.barrier()
objs = [None]
dist.all_gather_object(objs, {"rank": 0})
assert objs == [{"rank": 0}], objs
g = dist.new_group([0])
y = x.clone()
dist.all_reduce(y, group=g)
assert np.array_equal(y.cpu().numpy(), x.cpu().numpy())
dist.destroy_process_group()
print("nccl world of one ok")
"""


def test_a_world_of_one_on_the_gpu() -> None:
    _gpus()
    r = _python(_WORLD_OF_ONE)
    assert r.returncode == 0 and "nccl world of one ok" in r.stdout, r.stdout + r.stderr


_TWO_GPUS = r"""
import os

import numpy as np

import ember
import ember.distributed as dist

rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
ember.cuda.set_device(int(os.environ["LOCAL_RANK"]))
dev = f"cuda:{rank}"
dist.init_process_group("nccl")
assert (dist.get_rank(), dist.get_world_size()) == (rank, world)


def x(r, dtype="float32"):
    return ((np.arange(6).reshape(2, 3) % 4 + 1 + r) * (-1) ** r).astype(dtype)


def t(a):
    return ember.tensor(a, device=dev)


def check(got, want, what):
    g = got.cpu().numpy()
    assert g.dtype == want.dtype and np.array_equal(g, want), (rank, what, g, want)


xs = [x(r) for r in range(world)]
for op, fn in (("SUM", lambda s: s.sum(0)), ("MAX", lambda s: s.max(0)), ("PRODUCT", lambda s: s.prod(0)),
               ("AVG", lambda s: s.mean(0).astype(np.float32))):
    y = t(xs[rank])
    dist.all_reduce(y, op=getattr(dist.ReduceOp, op))
    check(y, fn(np.stack(xs)), f"all_reduce {op}")
ints = [x(r, "int32") for r in range(world)]
y = t(ints[rank])
dist.all_reduce(y, op=dist.ReduceOp.AVG)
check(y, np.trunc(np.stack(ints).sum(0) / world).astype(np.int32), "integer AVG")
y = t(xs[rank])
dist.broadcast(y, src=1)
check(y, xs[1], "broadcast")
out = t(np.zeros((2 * world, 3), np.float32))
dist.all_gather_into_tensor(out, t(xs[rank]))
check(out, np.concatenate(xs), "all_gather_into_tensor")
out = t(np.zeros((1, 3), np.float32))
dist.reduce_scatter_tensor(out, t(xs[rank]))
check(out, np.stack(xs).sum(0)[rank:rank + 1], "reduce_scatter_tensor")
got = [t(np.zeros((2, 3), np.float32)) for _ in range(world)] if rank == 1 else None
dist.gather(t(xs[rank]), got, dst=1)
if rank == 1:
    for r in range(world):
        check(got[r], xs[r], f"gather {r}")
out = t(np.zeros((2, 3), np.float32))
dist.scatter(out, [t(xs[0] + 100 * r) for r in range(world)] if rank == 0 else None, src=0)
check(out, xs[0] + 100 * rank, "scatter")
# uneven all_to_all_single: rank i sends i + j + 1 rows to rank j
sizes = lambda i: [i + j + 1 for j in range(world)]
rows = lambda i: np.concatenate([np.full((sizes(i)[j], 2), 10 * i + j, np.int64) for j in range(world)])
out_sizes = [sizes(j)[rank] for j in range(world)]
out = t(np.zeros((sum(out_sizes), 2), np.int64))
dist.all_to_all_single(out, t(rows(rank)), out_sizes, sizes(rank))
check(out, np.concatenate([np.full((sizes(j)[rank], 2), 10 * j + rank, np.int64) for j in range(world)]),
      "all_to_all_single")
if rank == 0:
    dist.send(t(xs[0] * 3), dst=1)
    back = t(np.zeros((2, 3), np.float32))
    assert dist.recv(back, src=1) == 1
    check(back, xs[1] * 5, "recv from 1")
else:
    got = t(np.zeros((2, 3), np.float32))
    assert dist.recv(got, src=0) == 0
    check(got, xs[0] * 3, "recv from 0")
    dist.send(t(xs[1] * 5), dst=0)
objs = [None] * world
dist.all_gather_object(objs, {"rank": rank, "pad": "x" * rank * 50})
assert objs == [{"rank": r, "pad": "x" * r * 50} for r in range(world)], objs
solo = dist.new_group([1])
if rank == 1:
    y = t(xs[rank])
    dist.all_reduce(y, group=solo)
    check(y, xs[rank], "solo group")
both = dist.new_group([0, 1])
y = t(xs[rank])
dist.all_reduce(y, op=dist.ReduceOp.MIN, group=both)
check(y, np.stack(xs).min(0), "subgroup MIN")
dist.barrier()
dist.destroy_process_group()
print(f"rank {rank}: nccl ok")
"""


def test_two_processes_on_two_gpus(tmp_path: Path) -> None:
    if _gpus() < 2:
        pytest.skip("two processes need two GPUs (NCCL puts each rank on its own device)")
    script = tmp_path / "two_gpus.py"
    script.write_text(_TWO_GPUS)
    port = str(_free_port())
    procs = [subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env=_clean_env(RANK=str(r), LOCAL_RANK=str(r), WORLD_SIZE="2",
                                                        MASTER_ADDR="127.0.0.1", MASTER_PORT=port))
             for r in range(2)]
    try:
        outs = [p.communicate(timeout=_TIMEOUT)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    for r, (p, out) in enumerate(zip(procs, outs)):
        assert p.returncode == 0 and f"rank {r}: nccl ok" in out, f"rank {r} (exit {p.returncode}):\n{out}"
