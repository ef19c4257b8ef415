"""The ``mpi`` engine: ``cpu`` tensors over mpi4py (MPICH from PyPI: ``pip install "ember[distributed]"``).

Reductions run in place on the NumPy buffers (``MPI_IN_PLACE``), with no copies for contiguous tensors; every
call is non-blocking (``MPI_I*``) so that core can bound the wait by the group's timeout.

A world forms in one of three ways: processes started by one ``mpiexec -n N`` share ``MPI_COMM_WORLD``; a
single process is a world of one; and processes each started as their own MPI job (``ember run`` starts
every rank under ``mpiexec -n 1``) are joined with ``MPI_Comm_accept``/``MPI_Comm_connect`` on a port that rank
0 opens and hands to the others through the rendezvous (see ``_store.py``). MPICH cannot join processes
started without any MPI launcher ("Local and remote groups ... not disjoint"), so that case is refused with
the commands that work.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _store
from ._engine import Chain, Engine, Rendezvous, Request

__all__ = ["MpiEngine", "create"]

_OPS = {"sum": "SUM", "avg": "SUM", "product": "PROD", "min": "MIN", "max": "MAX", "band": "BAND", "bor": "BOR",
        "bxor": "BXOR"}
# MPI defines no arithmetic on C_BOOL; PyTorch's bool reductions are the logical ones
_BOOL_OPS = {"sum": "LOR", "avg": "LOR", "product": "LAND", "min": "LAND", "max": "LOR", "band": "LAND",
             "bor": "LOR", "bxor": "LXOR"}
# environment variables by which an MPI process manager (Hydra, Open MPI, Slurm's PMI) announces itself
_PMI_VARS = ("PMI_FD", "PMI_PORT", "PMI_RANK", "PMIX_RANK", "OMPI_COMM_WORLD_RANK", "HYDI_CONTROL_FD")


def _mpi() -> Any:
    from mpi4py import MPI

    return MPI


class _Req(Request):
    __slots__ = ("_req", "_finish")

    def __init__(self, req: Any, finish: Callable[[], Any]) -> None:
        self._req = req
        self._finish = finish

    def test(self) -> bool:
        """Whether MPI has completed the request (each call also progresses it)."""
        return bool(self._req.Test())

    def result(self) -> Any:
        """The output array (see the engine method that made the request)."""
        return self._finish()


class _RecvReq(_Req):
    __slots__ = ("_status",)

    def __init__(self, req: Any, out: Any) -> None:
        self._status = _mpi().Status()
        super().__init__(req, lambda: (out, self._status.Get_source()))

    def test(self) -> bool:
        """Whether the message has arrived (recording its source)."""
        return bool(self._req.Test(self._status))


def _wide(a: np.ndarray) -> bool:
    # dtypes MPI has no type for (bfloat16 from ml_dtypes, kind "V") are reduced in float32 and cast back
    return a.dtype.kind == "V"


class MpiEngine(Engine):
    """One MPI communicator carrying NumPy arrays."""

    name = "mpi"

    def __init__(self, comm: Any, owned: bool = True) -> None:
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self._owned = owned
        MPI = _mpi()
        self._in_place = MPI.IN_PLACE
        # (op, dtype kind) -> MPI op, filled on first use: the per-call cost is one dict lookup
        self._ops: dict[tuple[str, str], Any] = {}

    def _op(self, op: str, a: np.ndarray) -> Any:
        key = (op, a.dtype.kind)
        found = self._ops.get(key)
        if found is not None:
            return found
        table = _BOOL_OPS if a.dtype.kind == "b" else _OPS
        if op not in table:
            raise ValueError(f"the mpi group has no reduction {op!r}")
        if op in ("band", "bor", "bxor") and a.dtype.kind not in "iub":
            raise ValueError(f"ReduceOp.{op.upper()} needs an integer or bool tensor on the mpi group, got {a.dtype}")
        found = self._ops[key] = getattr(_mpi(), table[op])
        return found

    def _finish_avg(self, a: np.ndarray, op: str) -> np.ndarray:
        if op != "avg" or a.dtype.kind == "b":
            return a
        if a.dtype.kind in "iu":
            # NCCL's integer average truncates toward zero; so does ember's
            np.copyto(a, np.trunc(a / self.size).astype(a.dtype, copy=False))
        else:
            a /= self.size
        return a

    def all_reduce(self, a: Any, op: str) -> Request:
        """Reduce ``a`` in place across ranks."""
        if _wide(a):
            wide = a.astype(np.float32)
            return _Then(self.all_reduce(wide, op), lambda r: r.astype(a.dtype))
        req = self.comm.Iallreduce(self._in_place, a, self._op(op, a))
        return _Req(req, (lambda: a) if op != "avg" else (lambda: self._finish_avg(a, op)))

    def broadcast(self, a: Any, src: int) -> Request:
        """Rank ``src``'s ``a`` written into every rank's ``a``."""
        return _Req(self.comm.Ibcast(_bytes_view(a), root=src), lambda: a)

    def reduce(self, a: Any, dst: int, op: str) -> Request:
        """The reduction on ``dst`` (in ``a``); ``a`` unchanged elsewhere."""
        if _wide(a):
            wide = a.astype(np.float32)
            return _Then(self.reduce(wide, dst, op), lambda r: r.astype(a.dtype) if self.rank == dst else a)
        MPI = _mpi()
        mop = self._op(op, a)
        if self.rank == dst:
            return _Req(self.comm.Ireduce(MPI.IN_PLACE, a, mop, root=dst), lambda: self._finish_avg(a, op))
        return _Req(self.comm.Ireduce(a, None, mop, root=dst), lambda: a)

    def all_gather(self, a: Any) -> Request:
        """Every rank's ``a`` stacked by rank."""
        out = np.empty((self.size, *a.shape), a.dtype)
        return _Req(self.comm.Iallgather(_bytes_view(a), _bytes_view(out)), lambda: out)

    def reduce_scatter(self, a: Any, op: str) -> Request:
        """Rows ``rank*k:(rank+1)*k`` of the reduction of ``a``."""
        if _wide(a):
            wide = a.astype(np.float32)
            return _Then(self.reduce_scatter(wide, op), lambda r: r.astype(a.dtype))
        out = np.empty((a.shape[0] // self.size, *a.shape[1:]), a.dtype)
        req = self.comm.Ireduce_scatter_block(a, out, self._op(op, a))
        return _Req(req, lambda: self._finish_avg(out, op))

    def gather(self, a: Any, dst: int) -> Request:
        """Every rank's ``a`` stacked on ``dst``."""
        out = np.empty((self.size, *a.shape), a.dtype) if self.rank == dst else None
        req = self.comm.Igather(_bytes_view(a), None if out is None else _bytes_view(out), root=dst)
        return _Req(req, lambda: out)

    def scatter(self, a: Any | None, src: int, template: Any) -> Request:
        """Row ``rank`` of ``src``'s ``a``."""
        out = np.empty_like(template)
        send = _bytes_view(a) if self.rank == src and a is not None else None
        return _Req(self.comm.Iscatter(send, _bytes_view(out), root=src), lambda: out)

    def all_to_all(self, a: Any, in_splits: Sequence[int], out_splits: Sequence[int], template: Any) -> Request:
        """Blocks of rows exchanged between every pair of ranks."""
        out = np.empty_like(template)
        row = a.dtype.itemsize * int(np.prod(a.shape[1:], dtype=np.int64))
        send, recv = [int(s) * row for s in in_splits], [int(s) * row for s in out_splits]
        req = self.comm.Ialltoallv([_bytes_view(a), send, _offsets(send), _mpi().BYTE],
                                   [_bytes_view(out), recv, _offsets(recv), _mpi().BYTE])
        return _Req(req, lambda: out)

    def send(self, a: Any, dst: int, tag: int) -> Request:
        """Send ``a`` to ``dst``."""
        return _Req(self.comm.Isend(_bytes_view(a), dest=dst, tag=tag), lambda: None)

    def recv(self, template: Any, src: int | None, tag: int) -> Request:
        """Receive an array like ``template`` from ``src`` (or anyone)."""
        MPI = _mpi()
        out = np.empty_like(template)
        source = MPI.ANY_SOURCE if src is None else src
        return _RecvReq(self.comm.Irecv(_bytes_view(out), source=source, tag=tag), out)

    def barrier(self) -> Request:
        """Completes when every rank has entered it."""
        return _Req(self.comm.Ibarrier(), lambda: None)

    def all_gather_bytes(self, data: bytes) -> Request:
        """Every rank's bytes, in rank order (lengths first, then the bytes)."""
        lengths = np.empty(self.size, np.int64)
        first = _Req(self.comm.Iallgather(np.array([len(data)], np.int64), lengths), lambda: lengths)

        def second(lens: np.ndarray) -> Request:
            out = np.empty(int(lens.sum()), np.uint8)
            counts = [int(n) for n in lens]
            req = self.comm.Iallgatherv(np.frombuffer(data, np.uint8),
                                        [out, counts, _offsets(counts), _mpi().BYTE])
            starts = _offsets(counts)
            return _Req(req, lambda: [out[s:s + n].tobytes() for s, n in zip(starts, counts)])

        return Chain(first, second)

    def split(self, ranks: Sequence[int]) -> Engine | None:
        """A communicator of ``ranks`` (every rank of this one calls it)."""
        MPI = _mpi()
        member = self.rank in ranks
        comm = self.comm.Split(0 if member else MPI.UNDEFINED, ranks.index(self.rank) if member else 0)
        return MpiEngine(comm) if member else None

    def close(self) -> None:
        """Free the communicator."""
        if self._owned and self.comm is not None:
            self.comm.Free()
        self.comm = None


class _Then(Request):
    """A request whose result is transformed once done (a float32 detour for bfloat16)."""

    __slots__ = ("_inner", "_fn")

    def __init__(self, inner: Request, fn: Callable[[Any], Any]) -> None:
        self._inner, self._fn = inner, fn

    def test(self) -> bool:
        """Whether the inner request is done."""
        return self._inner.test()

    def result(self) -> Any:
        """The inner result, transformed."""
        return self._fn(self._inner.result())


def _bytes_view(a: np.ndarray) -> np.ndarray:
    # data movement needs no MPI type: a uint8 view moves any dtype (bfloat16 and bool included)
    return a.reshape(-1).view(np.uint8) if a.size else np.empty(0, np.uint8)


def _offsets(counts: Sequence[int]) -> list[int]:
    out, total = [], 0
    for c in counts:
        out.append(total)
        total += c
    return out


def _under_launcher() -> bool:
    return any(v in os.environ for v in _PMI_VARS)


def create(rank: int, world_size: int, rendezvous: Rendezvous | None, timeout: float) -> MpiEngine:
    """The world communicator: ``MPI_COMM_WORLD`` when it has every rank, else the ranks joined through
    ``rendezvous`` (``rank``/``world_size`` of -1: take them from MPI)."""
    MPI = _mpi()
    world = MPI.COMM_WORLD
    if world.Get_size() > 1 or world_size in (-1, 1):
        if world_size not in (-1, world.Get_size()):
            raise ValueError(f"world_size={world_size} but this MPI job has {world.Get_size()} processes: under "
                             f"mpiexec -n N the world is MPI's (leave world_size and WORLD_SIZE unset or equal)")
        if rank not in (-1, world.Get_rank()):
            raise ValueError(f"rank={rank} but MPI gave this process rank {world.Get_rank()}: under mpiexec the "
                             "rank is MPI's (leave rank and RANK unset or equal)")
        return MpiEngine(world.Dup())
    if rank < 0:
        raise ValueError("the mpi group needs this process's rank: set RANK (ember run does) or pass rank=")
    if not _under_launcher():
        raise RuntimeError(
            f"the mpi group cannot join processes started without an MPI launcher (MPICH refuses to connect "
            f"singletons): start the {world_size} processes with `ember run --nproc-per-node {world_size} "
            f"script.py` or `mpiexec -n {world_size} python script.py`")
    if rendezvous is None:
        raise ValueError("joining separately started MPI jobs needs MASTER_ADDR and MASTER_PORT (or init_method="
                         "'tcp://host:port')")
    return MpiEngine(_join(MPI, rank, world_size, rendezvous, timeout))


def _join(MPI: Any, rank: int, world_size: int, rdzv: Rendezvous, timeout: float) -> Any:
    """Merge ``world_size`` one-process MPI jobs into one intracommunicator ordered by ``rank``."""
    # NOTE: rank 0 accepts one connection at a time; each newcomer joins the accepting side for the next
    # one (accept is collective over the communicator built so far), so the loop ends on every rank at once.
    # NOTE: newcomers connect one at a time (the rendezvous hands the port to the next only after the last
    # accept): MPICH 5 segfaulted in MPI_Comm_accept now and then with three connects queued on one port
    gate = threading.Semaphore(0)
    if rank == 0:
        port = MPI.Open_port()
        _store.serve(rdzv, port, world_size - 1, timeout, gate)
        comm = MPI.COMM_SELF.Dup()
    else:
        port = _store.fetch(rdzv, timeout)
        inter = MPI.COMM_SELF.Connect(port)
        comm = inter.Merge(high=True)
        inter.Free()
    while comm.Get_size() < world_size:
        inter = comm.Accept(port, root=0)
        merged = inter.Merge(high=False)
        inter.Free()
        comm.Free()
        comm = merged
        gate.release()
    if rank == 0:
        MPI.Close_port(port)
    ordered = comm.Split(0, rank)
    comm.Free()
    return ordered
