"""The process-group engine contract: what a communication library provides to ``ember.distributed``.

``ember.distributed`` keeps PyTorch's API (groups, ranks, ``ReduceOp``, work handles, timeouts) and hands
the data to an *engine*: one communicator of an existing library (MPI, NCCL, JAX's collectives). An engine
works on its device type's native arrays (NumPy arrays for ``cpu``, jax arrays for ``jax``, CuPy arrays for
``cuda``) and never sees a Tensor; core turns tensors into contiguous native arrays and writes results back.

Every collective returns a :class:`Request` at once; core polls ``test()`` until it is done or the group's
timeout passes (then it raises on that rank), so an engine never blocks without a bound. Ranks and sizes
are the engine's own (group-local). Reduction ops are the strings ``"sum" "avg" "product" "min" "max"
"band" "bor" "bxor"``; an engine raises ``ValueError`` for one it cannot do on a dtype.

An engine is registered under a name (the ``backend=`` of ``init_process_group``) with the device types it
serves and a factory ``factory(rank, world_size, rendezvous, timeout) -> Engine``, either by ember itself
(``mpi``, ``jax``, ``nccl``) or by a plugin through the hook ``ember_register_process_group_backends``
(see docs/distributed.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Chain", "Done", "Engine", "EngineSpec", "Rendezvous", "Request"]


class Request:
    """One collective in flight. ``test()`` says whether it finished (and must not block for long);
    ``result()`` returns its output once it has."""

    def test(self) -> bool:
        """Whether the operation has completed (progressing it if the library needs that)."""
        raise NotImplementedError

    def result(self) -> Any:
        """The operation's output (see each :class:`Engine` method); called once ``test()`` is True."""
        raise NotImplementedError


class Done(Request):
    """A request that completed when it was made (blocking libraries, rank-local no-ops)."""

    __slots__ = ("value",)

    def __init__(self, value: Any = None) -> None:
        self.value = value

    def test(self) -> bool:
        """Always True."""
        return True

    def result(self) -> Any:
        """The value given at construction."""
        return self.value


class Chain(Request):
    """Two requests where the second needs the first's result (an exchange of lengths, then the bytes)."""

    __slots__ = ("_first", "_then", "_second")

    def __init__(self, first: Request, then: Callable[[Any], Request]) -> None:
        self._first, self._then = first, then
        self._second: Request | None = None

    def test(self) -> bool:
        """Whether both stages have completed (starting the second once the first has)."""
        if self._second is None:
            if not self._first.test():
                return False
            self._second = self._then(self._first.result())
        return self._second.test()

    def result(self) -> Any:
        """The second stage's output."""
        assert self._second is not None
        return self._second.result()


@dataclass(frozen=True)
class Rendezvous:
    """Where the processes of a new world meet: ``MASTER_ADDR``/``MASTER_PORT`` (or a ``tcp://`` init
    method), and the shared key of the launcher, if any. Engines that start a world themselves (JAX's
    coordinator) listen there; MPI uses it only to join processes started as separate MPI jobs."""

    host: str
    port: int
    authkey: bytes


class Engine:
    """One communicator. Subclasses set ``rank`` and ``size`` and implement the collectives below; each
    takes and returns native arrays of the device type the engine serves, C-contiguous on input."""

    #: the registered name ("mpi", "jax", "nccl")
    name: str = ""
    rank: int = 0
    size: int = 1

    def all_reduce(self, a: Any, op: str) -> Request:
        """Every rank's ``a`` combined elementwise by ``op``; result: an array of ``a``'s shape and dtype
        (it may be ``a`` itself, written in place)."""
        raise NotImplementedError

    def broadcast(self, a: Any, src: int) -> Request:
        """Rank ``src``'s ``a`` on every rank; result: that array (may be ``a`` written in place)."""
        raise NotImplementedError

    def reduce(self, a: Any, dst: int, op: str) -> Request:
        """``all_reduce`` whose result only rank ``dst`` needs; result: the reduced array on ``dst``, ``a``
        (unchanged) elsewhere."""
        raise NotImplementedError

    def all_gather(self, a: Any) -> Request:
        """Every rank's ``a`` stacked by rank; result: shape ``(size, *a.shape)``."""
        raise NotImplementedError

    def reduce_scatter(self, a: Any, op: str) -> Request:
        """``a`` of shape ``(size * k, ...)`` reduced across ranks, rank ``r`` keeping rows ``r*k:(r+1)*k``;
        result: shape ``(k, ...)``."""
        raise NotImplementedError

    def gather(self, a: Any, dst: int) -> Request:
        """Every rank's ``a`` stacked by rank on ``dst``; result: shape ``(size, *a.shape)`` on ``dst``,
        None elsewhere."""
        raise NotImplementedError

    def scatter(self, a: Any | None, src: int, template: Any) -> Request:
        """Rank ``src``'s ``a`` (shape ``(size, *template.shape)``) split by rank; result: row ``rank``,
        an array like ``template`` (whose contents are ignored)."""
        raise NotImplementedError

    def all_to_all(self, a: Any, in_splits: Sequence[int], out_splits: Sequence[int], template: Any) -> Request:
        """Rank ``r`` sends rows ``[sum(in_splits[:j]), +in_splits[j])`` of ``a`` to rank ``j`` and receives
        ``out_splits[j]`` rows from each rank ``j``; result: an array like ``template`` (``sum(out_splits)``
        rows) holding them in rank order."""
        raise NotImplementedError

    def send(self, a: Any, dst: int, tag: int) -> Request:
        """Send ``a`` to rank ``dst``; result: None."""
        raise NotImplementedError

    def recv(self, template: Any, src: int | None, tag: int) -> Request:
        """Receive an array like ``template`` from ``src`` (None: any rank); result: ``(array, source)``."""
        raise NotImplementedError

    def barrier(self) -> Request:
        """Completes once every rank has entered it; result: None."""
        raise NotImplementedError

    def all_gather_bytes(self, data: bytes) -> Request:
        """Every rank's byte string (of any length), in rank order; result: ``list[bytes]``."""
        raise NotImplementedError

    def split(self, ranks: Sequence[int]) -> Engine | None:
        """A communicator of the given ranks (ascending, of this one), made collectively by every rank of
        this one; None on ranks not in ``ranks``."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the communicator; later calls are errors of the caller."""


@dataclass(frozen=True)
class EngineSpec:
    """A registered engine: its name, the device types whose tensors it carries, and its factory
    ``factory(rank, world_size, rendezvous, timeout_seconds) -> Engine`` (``rendezvous`` may be None for
    a world of one, or when the processes were started by the library's own launcher)."""

    name: str
    device_types: tuple[str, ...]
    factory: Callable[[int, int, Rendezvous | None, float], Engine]
    #: the pip extra or packages to install, for the error raised when the factory's import fails
    install_hint: str = ""
