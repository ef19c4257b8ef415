"""The ``nccl`` engine: ``cuda`` tensors over NCCL through CuPy (``pip install "ember[cuda12]" nvidia-nccl-cu12``).

One :class:`cupy.cuda.nccl.NcclCommunicator` per group, on the CUDA device chosen when the group is made:
``ember.cuda.set_device(LOCAL_RANK)`` before ``init_process_group("nccl")`` (as with PyTorch's
``torch.cuda.set_device``), or CuPy's current device when ember's was left at its default 0. Each process
must use its own GPU (NCCL refuses two ranks on one device), and its tensors must live there
(``device=f"cuda:{LOCAL_RANK}"``).

Every call is enqueued on CuPy's current stream of that device, the stream ember's CuPy backend runs on, so
it starts after the kernels that produced its input; a CUDA event recorded after it completes the request,
and core polls that event, so the host never blocks on the GPU. What NCCL does not provide is built from
what it does: gather, scatter and all_to_all from grouped send/recv, the barrier from a one-element
all_reduce, reductions of bool (uint8 MAX/MIN), complex (pairs of reals) and 16-bit integers (in int32).
NCCL has no tags and no receive from any source: point-to-point messages between two ranks match in the
order they are posted, and ``recv`` needs ``src``.

The unique id of a new world reaches the other ranks through the rendezvous (``_store``), or over MPI when
the processes were started by ``mpiexec`` and no rank or world size was given.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from . import _store
from ._engine import Chain, Done, Engine, Rendezvous, Request

__all__ = ["NcclEngine", "create"]

#: NCCL_UNIQUE_ID_BYTES
_ID_BYTES = 128
_BITWISE = ("band", "bor", "bxor")
_OPS = {"sum": "NCCL_SUM", "avg": "NCCL_SUM", "product": "NCCL_PROD", "min": "NCCL_MIN", "max": "NCCL_MAX"}
# bool travels as uint8 0/1, where MAX is a logical or and MIN a logical and (PyTorch's bool reductions)
_BOOL_OPS = {"sum": "NCCL_MAX", "avg": "NCCL_MAX", "product": "NCCL_MIN", "min": "NCCL_MIN", "max": "NCCL_MAX"}
_TYPES = {"int8": "NCCL_INT8", "uint8": "NCCL_UINT8", "int32": "NCCL_INT32", "uint32": "NCCL_UINT32",
          "int64": "NCCL_INT64", "uint64": "NCCL_UINT64", "float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32",
          "float64": "NCCL_FLOAT64", "bfloat16": "NCCL_BFLOAT16"}
# NCCL has no 16-bit integers: they reduce in int32, whose wrapped sums and products agree with int16's
# modulo 2**16 once cast back
_WIDEN = {"int16": "int32", "uint16": "int32"}
# complex numbers reduce as pairs of reals, which only sums (and averages) allow
_COMPLEX = {"complex64": "float32", "complex128": "float64"}
# ncclAvg exists from NCCL 2.10 (get_version() encodes 2.10.0 as 21000)
_AVG_VERSION = 21000


def _cupy() -> Any:
    import cupy

    return cupy


def _nccl() -> Any:
    from cupy.cuda import nccl

    # NOTE: cupy.cuda.nccl imports without libnccl and only says so in `available`
    if not getattr(nccl, "available", True):
        raise ImportError("CuPy cannot load the NCCL library (libnccl.so)")
    return nccl


class _Req(Request):
    """NCCL calls enqueued on a stream: done when the event recorded after them is."""

    __slots__ = ("_engine", "_event", "_value", "_finish", "_keep")

    def __init__(self, engine: NcclEngine, event: Any, value: Any, keep: tuple[Any, ...],
                 finish: Callable[[Any], Any] | None = None) -> None:
        self._engine, self._event, self._value, self._finish = engine, event, value, finish
        # buffers the device still reads; held until it has finished with them
        self._keep = keep

    def test(self) -> bool:
        """Whether the device has run the calls (raising NCCL's error if the communicator failed)."""
        if self._event.done:
            self._keep = ()
            return True
        self._engine._check()
        return False

    def result(self) -> Any:
        """The output array (see the engine method that made the request)."""
        return self._value if self._finish is None else self._finish(self._value)


@contextlib.contextmanager
def _grouped(nccl: Any) -> Iterator[None]:
    """Fuse the NCCL calls of the block into one operation (send/recv pairs must be posted together)."""
    nccl.groupStart()
    try:
        yield
    finally:
        nccl.groupEnd()


class NcclEngine(Engine):
    """One NCCL communicator carrying CuPy arrays of one CUDA device."""

    name = "nccl"

    def __init__(self, comm: Any, rank: int, size: int, device: int, timeout: float) -> None:
        self.comm = comm
        self.rank = rank
        self.size = size
        self.device = device
        self.timeout = timeout
        nccl = _nccl()
        self._nccl = nccl
        self._native_avg = hasattr(nccl, "NCCL_AVG") and int(nccl.get_version()) >= _AVG_VERSION

    # -- plumbing ------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _on(self) -> Iterator[Any]:
        """Run the block on this engine's device; yields the stream its calls go on."""
        cupy = _cupy()
        with cupy.cuda.Device(self.device):
            yield cupy.cuda.get_current_stream()

    def _done(self, stream: Any, value: Any, keep: tuple[Any, ...] = (),
              finish: Callable[[Any], Any] | None = None) -> _Req:
        """A request completed by an event recorded on ``stream`` after the calls just enqueued."""
        event = _cupy().cuda.Event(block=False, disable_timing=True)
        event.record(stream)
        return _Req(self, event, value, keep, finish)

    def _check(self) -> None:
        """Raise NCCL's asynchronous error, if the communicator has one (a peer lost, a network failure)."""
        if self.comm is not None:
            self.comm.check_async_error()

    def _prep(self, a: Any) -> Any:
        """``a`` as a C-contiguous array of this engine's device."""
        cupy = _cupy()
        if not isinstance(a, cupy.ndarray):
            raise TypeError(f"the nccl group carries CuPy arrays (cuda tensors), got {type(a).__name__}")
        if a.device.id != self.device:
            raise ValueError(f"this nccl group runs on cuda:{self.device} but the tensor is on cuda:{a.device.id}: put "
                             "each rank's tensors on its group's device (device=f'cuda:{LOCAL_RANK}' after "
                             "ember.cuda.set_device(LOCAL_RANK) before init_process_group)")
        return a if a.flags.c_contiguous else cupy.ascontiguousarray(a)

    def _reduction(self, send: Any, recv: Any, op: str, writes: bool,
                   call: Callable[[int, int, int, int, int], None]) -> tuple[Any, ...]:
        """Enqueue ``call(send_ptr, recv_ptr, count, nccl_type, nccl_op)`` reducing ``send`` into ``recv``, then
        what NCCL cannot do itself (an average's division, a cast back), where this rank gets the result
        (``writes``); returns the temporaries the device still reads."""
        cupy, nccl = _cupy(), self._nccl
        name = send.dtype.name
        if op in _BITWISE:
            raise ValueError(f"ReduceOp.{op.upper()} is not supported by the nccl group (NCCL has no bitwise "
                             "reductions): use a cpu tensor on an mpi group")
        if op not in _OPS:
            raise ValueError(f"the nccl group has no reduction {op!r}")
        if name in _WIDEN:
            wide_send = send.astype(_WIDEN[name])
            wide_recv = wide_send if recv is send else cupy.empty(recv.shape, wide_send.dtype)
            kept = self._reduction(wide_send, wide_recv, op, writes, call)
            if writes:
                cupy.copyto(recv, wide_recv, casting="unsafe")
            return (wide_send, wide_recv, *kept)
        if name == "bool":
            kind, red = "NCCL_UINT8", _BOOL_OPS[op]
            send_v, recv_v = send.reshape(-1).view(cupy.uint8), recv.reshape(-1).view(cupy.uint8)
        elif name in _COMPLEX:
            if op not in ("sum", "avg"):
                raise ValueError(f"the nccl group reduces {name} tensors with SUM and AVG only, not {op.upper()}")
            kind, red = _TYPES[_COMPLEX[name]], _OPS[op]
            send_v, recv_v = send.reshape(-1).view(_COMPLEX[name]), recv.reshape(-1).view(_COMPLEX[name])
        elif name in _TYPES and hasattr(nccl, _TYPES[name]):
            kind, red = _TYPES[name], _OPS[op]
            send_v, recv_v = send, recv
        else:
            raise ValueError(f"the nccl group cannot reduce {name} tensors (NCCL has no such type)")
        # NOTE: bfloat16 (ml_dtypes) is of NumPy kind "V"
        floating = send_v.dtype.kind == "f" or send_v.dtype.name == "bfloat16"
        native_avg = op == "avg" and floating and self._native_avg
        if native_avg:
            red = "NCCL_AVG"
        if recv_v.size:
            call(send_v.data.ptr, recv_v.data.ptr, recv_v.size, getattr(nccl, kind), getattr(nccl, red))
        if op == "avg" and not native_avg and name != "bool" and writes and recv.size:
            if floating:
                recv /= self.size
            elif recv.dtype.kind == "u":
                recv //= self.size
            else:
                # PyTorch's (and NCCL's) integer average truncates toward zero; // floors, so add one back
                # where a negative sum left a remainder
                cupy.copyto(recv, recv // self.size + ((recv < 0) & (recv % self.size != 0)), casting="unsafe")
        return ()

    def _wait(self, req: Request, what: str) -> None:
        """Block until ``req`` completes, for at most the group's timeout."""
        deadline = time.monotonic() + self.timeout
        delay = 5e-5
        while not req.test():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} on the nccl group timed out after {self.timeout:g} s waiting for the other "
                                   "ranks")
            time.sleep(delay)
            delay = min(delay * 2, 2e-3)

    # -- collectives ---------------------------------------------------------------------------------

    def all_reduce(self, a: Any, op: str) -> Request:
        """Reduce ``a`` in place across ranks."""
        with self._on() as stream:
            a = self._prep(a)
            kept = self._reduction(a, a, op, True,
                                   lambda s, r, n, t, o: self.comm.allReduce(s, r, n, t, o, stream.ptr))
            return self._done(stream, a, (a, *kept))

    def broadcast(self, a: Any, src: int) -> Request:
        """Rank ``src``'s ``a`` written into every rank's ``a``."""
        with self._on() as stream:
            a = self._prep(a)
            if a.nbytes:
                self.comm.broadcast(a.data.ptr, a.data.ptr, a.nbytes, self._nccl.NCCL_UINT8, src, stream.ptr)
            return self._done(stream, a, (a,))

    def reduce(self, a: Any, dst: int, op: str) -> Request:
        """The reduction on ``dst`` (in ``a``); ``a`` unchanged elsewhere."""
        with self._on() as stream:
            a = self._prep(a)
            # NOTE: NCCL writes the receive buffer on the root only, so passing ``a`` leaves the others' intact
            kept = self._reduction(a, a, op, self.rank == dst,
                                   lambda s, r, n, t, o: self.comm.reduce(s, r, n, t, o, dst, stream.ptr))
            return self._done(stream, a, (a, *kept))

    def all_gather(self, a: Any) -> Request:
        """Every rank's ``a`` stacked by rank."""
        cupy = _cupy()
        with self._on() as stream:
            a = self._prep(a)
            out = cupy.empty((self.size, *a.shape), a.dtype)
            if a.nbytes:
                self.comm.allGather(a.data.ptr, out.data.ptr, a.nbytes, self._nccl.NCCL_UINT8, stream.ptr)
            return self._done(stream, out, (a,))

    def reduce_scatter(self, a: Any, op: str) -> Request:
        """Rows ``rank*k:(rank+1)*k`` of the reduction of ``a``."""
        cupy = _cupy()
        with self._on() as stream:
            a = self._prep(a)
            out = cupy.empty((a.shape[0] // self.size, *a.shape[1:]), a.dtype)
            kept = self._reduction(a, out, op, True,
                                   lambda s, r, n, t, o: self.comm.reduceScatter(s, r, n, t, o, stream.ptr))
            return self._done(stream, out, (a, *kept))

    def gather(self, a: Any, dst: int) -> Request:
        """Every rank's ``a`` stacked on ``dst``."""
        cupy, nccl = _cupy(), self._nccl
        with self._on() as stream:
            a = self._prep(a)
            out = cupy.empty((self.size, *a.shape), a.dtype) if self.rank == dst else None
            n = a.nbytes
            if n:
                with _grouped(nccl):
                    if out is not None:
                        for r in range(self.size):
                            self.comm.recv(out.data.ptr + r * n, n, nccl.NCCL_UINT8, r, stream.ptr)
                    self.comm.send(a.data.ptr, n, nccl.NCCL_UINT8, dst, stream.ptr)
            return self._done(stream, out, (a,))

    def scatter(self, a: Any | None, src: int, template: Any) -> Request:
        """Row ``rank`` of ``src``'s ``a``."""
        cupy, nccl = _cupy(), self._nccl
        with self._on() as stream:
            out = cupy.empty(template.shape, template.dtype)
            n = out.nbytes
            rows = None
            if self.rank == src:
                if a is None:
                    raise ValueError("scatter: the source rank must pass the rows to scatter")
                rows = self._prep(a)
                if rows.nbytes != n * self.size:
                    raise ValueError(f"scatter: expected {self.size} rows of {n} bytes, got {rows.nbytes} bytes")
            if n:
                with _grouped(nccl):
                    if rows is not None:
                        for r in range(self.size):
                            self.comm.send(rows.data.ptr + r * n, n, nccl.NCCL_UINT8, r, stream.ptr)
                    self.comm.recv(out.data.ptr, n, nccl.NCCL_UINT8, src, stream.ptr)
            return self._done(stream, out, (rows,))

    def all_to_all(self, a: Any, in_splits: Sequence[int], out_splits: Sequence[int], template: Any) -> Request:
        """Blocks of rows exchanged between every pair of ranks."""
        cupy, nccl = _cupy(), self._nccl
        with self._on() as stream:
            a = self._prep(a)
            out = cupy.empty(template.shape, template.dtype)
            row = out.itemsize * math.prod(out.shape[1:])
            sends, recvs = [int(s) * row for s in in_splits], [int(s) * row for s in out_splits]
            if sum(sends) != a.nbytes or sum(recvs) != out.nbytes:
                raise ValueError(f"all_to_all: splits {list(in_splits)} -> {list(out_splits)} do not match the arrays "
                                 f"of shapes {a.shape} and {out.shape}")
            # NOTE: a pair with nothing to exchange posts nothing, on both sides (the counts agree)
            if any(sends) or any(recvs):
                with _grouped(nccl):
                    for peer, (off, n) in enumerate(zip(_offsets(sends), sends)):
                        if n:
                            self.comm.send(a.data.ptr + off, n, nccl.NCCL_UINT8, peer, stream.ptr)
                    for peer, (off, n) in enumerate(zip(_offsets(recvs), recvs)):
                        if n:
                            self.comm.recv(out.data.ptr + off, n, nccl.NCCL_UINT8, peer, stream.ptr)
            return self._done(stream, out, (a,))

    def send(self, a: Any, dst: int, tag: int) -> Request:
        """Send ``a`` to ``dst`` (NCCL has no tags: messages to one peer arrive in order)."""
        if dst == self.rank:
            raise ValueError("the nccl group cannot send to its own rank")
        with self._on() as stream:
            a = self._prep(a)
            if a.nbytes:
                self.comm.send(a.data.ptr, a.nbytes, self._nccl.NCCL_UINT8, dst, stream.ptr)
            return self._done(stream, None, (a,))

    def recv(self, template: Any, src: int | None, tag: int) -> Request:
        """Receive an array like ``template`` from ``src``."""
        if src is None:
            raise RuntimeError("the nccl group cannot receive from any rank: NCCL needs an explicit source (pass "
                               "src=)")
        if src == self.rank:
            raise ValueError("the nccl group cannot receive from its own rank")
        cupy = _cupy()
        with self._on() as stream:
            out = cupy.empty(template.shape, template.dtype)
            if out.nbytes:
                self.comm.recv(out.data.ptr, out.nbytes, self._nccl.NCCL_UINT8, src, stream.ptr)
            return self._done(stream, (out, src))

    def barrier(self) -> Request:
        """Completes when every rank has entered it (a one-element all_reduce)."""
        cupy, nccl = _cupy(), self._nccl
        with self._on() as stream:
            flag = cupy.zeros(1, cupy.int32)
            self.comm.allReduce(flag.data.ptr, flag.data.ptr, 1, nccl.NCCL_INT32, nccl.NCCL_SUM, stream.ptr)
            return self._done(stream, None, (flag,))

    def all_gather_bytes(self, data: bytes) -> Request:
        """Every rank's bytes, in rank order (the lengths first, then the bytes padded to the longest)."""
        cupy, nccl = _cupy(), self._nccl
        with self._on() as stream:
            mine = cupy.asarray(np.array([len(data)], np.int64))
            lengths = cupy.empty(self.size, cupy.int64)
            self.comm.allGather(mine.data.ptr, lengths.data.ptr, 1, nccl.NCCL_INT64, stream.ptr)
            first = self._done(stream, lengths, (mine,))

        def second(lens: Any) -> Request:
            with self._on() as stream:
                counts = [int(n) for n in cupy.asnumpy(lens)]
                width = max(counts)
                if width == 0:
                    return Done([b""] * self.size)
                padded = np.zeros(width, np.uint8)
                padded[:len(data)] = np.frombuffer(data, np.uint8)
                buf = cupy.asarray(padded)
                out = cupy.empty(self.size * width, cupy.uint8)
                self.comm.allGather(buf.data.ptr, out.data.ptr, width, nccl.NCCL_UINT8, stream.ptr)

                def unpad(o: Any) -> list[bytes]:
                    host = cupy.asnumpy(o)
                    return [host[r * width:r * width + n].tobytes() for r, n in enumerate(counts)]

                return self._done(stream, out, (buf,), unpad)

        return Chain(first, second)

    def split(self, ranks: Sequence[int]) -> Engine | None:
        """A communicator of ``ranks`` (every rank of this one calls it); None on the other ranks."""
        # the lowest member's new unique id is broadcast over this communicator (every rank joins), then the
        # members build the new one from it
        cupy, nccl = _cupy(), self._nccl
        members = [int(r) for r in ranks]
        root = members[0]
        with self._on() as stream:
            if self.rank == root:
                uid = cupy.asarray(np.frombuffer(_id_bytes(nccl.get_unique_id()), np.uint8))
            else:
                uid = cupy.zeros(_ID_BYTES, cupy.uint8)
            self.comm.broadcast(uid.data.ptr, uid.data.ptr, _ID_BYTES, nccl.NCCL_UINT8, root, stream.ptr)
            req = self._done(stream, uid)
        self._wait(req, "new_group")
        if self.rank not in members:
            return None
        rank = members.index(self.rank)
        with self._on():
            comm = _communicator(nccl, len(members), cupy.asnumpy(uid).tobytes(), rank)
        return NcclEngine(comm, rank, len(members), self.device, self.timeout)

    def close(self) -> None:
        """Destroy the communicator."""
        if self.comm is not None:
            with _cupy().cuda.Device(self.device):
                self.comm.destroy()
        self.comm = None


def _offsets(sizes: Sequence[int]) -> list[int]:
    out, total = [], 0
    for s in sizes:
        out.append(total)
        total += s
    return out


def _id_bytes(uid: Any) -> bytes:
    """A unique id as 128 bytes: CuPy 14 returns bytes, older CuPy a tuple of C chars (signed)."""
    return uid if isinstance(uid, bytes) else bytes(int(c) & 0xFF for c in uid)


def _communicator(nccl: Any, size: int, uid: bytes, rank: int) -> Any:
    """``NcclCommunicator(size, uid, rank)`` on the current device (blocks until every member has joined)."""
    try:
        return nccl.NcclCommunicator(size, uid, rank)
    except TypeError:
        pass
    # CuPy before 14 takes the id as a tuple of C chars: signed on x86, unsigned where char is (aarch64)
    signed = tuple(b - 256 if b > 127 else b for b in uid)
    try:
        return nccl.NcclCommunicator(size, signed, rank)
    except OverflowError:
        return nccl.NcclCommunicator(size, tuple(uid), rank)


def _parse_id(text: str) -> bytes:
    """The unique id rank 0 served as a JSON list of byte values."""
    values = json.loads(text)
    if not (isinstance(values, list) and len(values) == _ID_BYTES
            and all(isinstance(v, int) and 0 <= v < 256 for v in values)):
        raise RuntimeError(f"the rendezvous answered {text[:80]!r}, not an NCCL unique id: is another program "
                           "listening on MASTER_PORT?")
    return bytes(values)


def _device(cupy: Any) -> int:
    """The CUDA device of a new world: ember.cuda's current device, else CuPy's."""
    from ..cuda import current_device

    chosen = int(current_device())
    # ember.cuda.set_device records the choice without touching CuPy; a program that chose with CuPy itself
    # (cupy.cuda.Device(n).use()) and left ember's at its default 0 keeps CuPy's
    return chosen if chosen else int(cupy.cuda.runtime.getDevice())


def _mpi_world() -> Any | None:
    """``MPI_COMM_WORLD`` when this process is one of several started by an MPI launcher, else None."""
    from ._mpi import _under_launcher

    # NOTE: importing mpi4py.MPI initializes MPI; without a launcher the world would be this process alone
    if not _under_launcher():
        return None
    try:
        from mpi4py import MPI
    except ImportError:
        return None
    world = MPI.COMM_WORLD
    return world if world.Get_size() > 1 else None


def _mpi_share(world: Any, nccl: Any, rank: int, timeout: float) -> bytes:
    """Rank 0's new unique id on every rank of ``world``, broadcast as a uint8 array (no pickle)."""
    if rank == 0:
        buf = np.frombuffer(_id_bytes(nccl.get_unique_id()), np.uint8).copy()
    else:
        buf = np.zeros(_ID_BYTES, np.uint8)
    req = world.Ibcast(buf, root=0)
    deadline = time.monotonic() + timeout
    while not req.Test():
        if time.monotonic() > deadline:
            raise TimeoutError(f"rank 0 did not send the NCCL unique id over MPI within {timeout:g} s")
        time.sleep(1e-3)
    return buf.tobytes()


def create(rank: int, world_size: int, rendezvous: Rendezvous | None, timeout: float) -> NcclEngine:
    """The world communicator on this process's CUDA device (``rank``/``world_size`` of -1: MPI's, else one)."""
    # the unique id travels through ``rendezvous``, or over MPI when the world is MPI's
    cupy, nccl = _cupy(), _nccl()
    device = _device(cupy)
    world = _mpi_world() if world_size < 0 else None
    if world is not None:
        if rank not in (-1, world.Get_rank()):
            raise ValueError(f"rank={rank} but MPI gave this process rank {world.Get_rank()}: under mpiexec the rank "
                             "is MPI's (leave rank and RANK unset or equal)")
        rank, world_size = world.Get_rank(), world.Get_size()
    if world_size < 0:
        world_size = 1
    if rank < 0:
        if world_size > 1:
            raise ValueError("the nccl group needs this process's rank: set RANK (ember run does) or pass rank=")
        rank = 0
    if not 0 <= rank < world_size:
        raise ValueError(f"rank {rank} is out of range for world_size {world_size}")
    with cupy.cuda.Device(device):
        if world_size == 1:
            uid = _id_bytes(nccl.get_unique_id())
        elif world is not None:
            uid = _mpi_share(world, nccl, rank, timeout)
        elif rendezvous is None:
            raise ValueError(f"the nccl group of {world_size} processes needs MASTER_ADDR and MASTER_PORT (ember run "
                             "sets them) or init_method='tcp://HOST:PORT' to share its NCCL unique id")
        elif rank == 0:
            uid = _id_bytes(nccl.get_unique_id())
            # NOTE: the id is served from a thread while this one waits in ncclCommInitRank (CuPy releases the GIL)
            _store.serve(rendezvous, json.dumps(list(uid)), world_size - 1, timeout)
        else:
            uid = _parse_id(_store.fetch(rendezvous, timeout))
        comm = _communicator(nccl, world_size, uid, rank)
    return NcclEngine(comm, rank, world_size, device, timeout)
