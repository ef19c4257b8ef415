"""``ember.distributed``: PyTorch's ``torch.distributed`` API over existing communication engines.

A process group owns one *engine* per device type it serves (see ``_engine.py``): ``mpi`` (mpi4py) for
``cpu`` tensors, ``nccl`` (CuPy) for ``cuda`` tensors, ``jax`` (``jax.distributed``) for ``jax`` tensors, or a
plugin's. This module keeps PyTorch's surface: ranks are global ranks, collectives write their results into
the tensors given, ``async_op=True`` returns a :class:`Work`, and every wait is bounded by the group's
``timeout`` (a collective that waits longer raises :class:`DistBackendError` on that rank instead of hanging).
docs/distributed.md says which engine serves which device, how to install and launch each, and how failures
look.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..ops._dispatch import bump_version
from ..tensor import Tensor, _wrap
from ._engine import Engine, EngineSpec, Rendezvous, Request
from ._registry import engine_specs, register_engine

__all__ = [
    "Backend", "DistBackendError", "DistError", "DistNetworkError", "DistStoreError", "GroupMember", "ProcessGroup",
    "ReduceOp", "Work", "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce", "all_to_all",
    "all_to_all_single", "barrier", "broadcast", "broadcast_object_list", "destroy_process_group", "gather",
    "gather_object", "get_backend", "get_global_rank", "get_group_rank", "get_process_group_ranks", "get_rank",
    "get_world_size", "group", "init_process_group", "irecv", "is_available", "is_initialized", "is_jax_available",
    "is_mpi_available", "is_nccl_available", "isend", "new_group", "recv", "reduce", "reduce_scatter",
    "reduce_scatter_tensor", "register_engine", "scatter", "send",
]

#: PyTorch's default collective timeout for non-NCCL groups
default_pg_timeout = timedelta(minutes=30)


class DistError(RuntimeError):
    """An error of the distributed package (PyTorch's ``torch.distributed.DistError``)."""


class DistBackendError(DistError):
    """A collective failed or timed out in the communication engine."""


class DistNetworkError(DistError):
    """The processes could not reach each other (rendezvous)."""


class DistStoreError(DistError):
    """The rendezvous store failed or timed out."""


class ReduceOp:
    """How a reduction combines values: ``SUM``, ``AVG``, ``PRODUCT``, ``MIN``, ``MAX``, ``BAND``, ``BOR``,
    ``BXOR`` (PyTorch's names)."""

    __slots__ = ("name",)
    SUM: ReduceOp
    AVG: ReduceOp
    PRODUCT: ReduceOp
    MIN: ReduceOp
    MAX: ReduceOp
    BAND: ReduceOp
    BOR: ReduceOp
    BXOR: ReduceOp

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<RedOpType.{self.name}>"


for _name in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"):
    setattr(ReduceOp, _name, ReduceOp(_name))


class Backend(str):
    """A process-group backend name (PyTorch's ``torch.distributed.Backend``): ``Backend("MPI") == "mpi"``."""

    MPI = "mpi"
    NCCL = "nccl"
    JAX = "jax"
    GLOO = "gloo"
    UNDEFINED = "undefined"

    def __new__(cls, name: str) -> Backend:
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: {type(name)}")
        return str.__new__(cls, name.lower())


# NOTE: PyTorch programs ask for "gloo" on CPU; ember's CPU engine is MPI, so "gloo" means "the cpu engine"
_ALIASES = {"gloo": "mpi"}


class ProcessGroup:
    """A set of ranks and the engines that carry their tensors (one per device type)."""

    def __init__(self, ranks: list[int], engines: dict[str, Engine], names: dict[str, str], timeout: float,
                 backend: str) -> None:
        self.ranks = ranks
        self.engines = engines
        self.names = names
        self.timeout = timeout
        self.backend = backend
        first = next(iter(engines.values()))
        self._rank, self._size = first.rank, first.size

    def rank(self) -> int:
        """This process's rank in the group."""
        return self._rank

    def size(self) -> int:
        """The number of ranks in the group."""
        return self._size

    def engine_for(self, t: Any) -> Engine:
        """The engine that carries tensors of ``t``'s device type, or a DistError naming both."""
        dt = t._device.type
        eng = self.engines.get(dt)
        if eng is None:
            served = ", ".join(f"{self.names[d]} for {d}" for d in self.engines)
            raise DistError(f"this process group has no backend for {dt} tensors (it has {served}): pass "
                            f"backend='{dt}:<engine>,...' to init_process_group or new_group, or move the tensor "
                            f"with .to(...)")
        return eng

    def __repr__(self) -> str:
        return f"<ember.distributed.ProcessGroup {self.backend} rank {self._rank} of {self._size}>"


class GroupMember:
    """PyTorch's group sentinels: ``WORLD`` (the default group) and ``NON_GROUP_MEMBER``."""

    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = object()


class _GroupNamespace:
    """``dist.group.WORLD``: the default group once ``init_process_group`` has run."""

    @property
    def WORLD(self) -> ProcessGroup | None:  # noqa: N802 (PyTorch's name)
        """The default process group (None before ``init_process_group``)."""
        return GroupMember.WORLD


group = _GroupNamespace()


class Work:
    """The handle of an ``async_op=True`` collective: ``wait()``, ``is_completed()``, ``is_success()``."""

    def __init__(self, req: Request, finish: Any, pg: ProcessGroup, what: str) -> None:
        self._req, self._finish, self._pg, self._what = req, finish, pg, what
        self._done = False
        self._result: Any = None

    def is_completed(self) -> bool:
        """Whether the operation has finished (without waiting)."""
        if not self._done and self._req.test():
            self._complete()
        return self._done

    def is_success(self) -> bool:
        """Whether the operation finished without error."""
        return self.is_completed()

    def wait(self, timeout: timedelta | None = None) -> bool:
        """Block until the operation finishes (raising DistBackendError past the group's timeout)."""
        if not self._done:
            limit = self._pg.timeout if timeout is None else timeout.total_seconds()
            _poll(self._req, limit, self._what)
            self._complete()
        return True

    def result(self) -> Any:
        """The operation's result (the written tensors), after ``wait()``."""
        self.wait()
        return self._result

    def _complete(self) -> None:
        self._done = True
        self._result = self._finish(self._req.result())


def _poll(req: Request, limit: float, what: str) -> None:
    """Wait for ``req``, raising DistBackendError after ``limit`` seconds.

    NOTE: the first 100 ms spin on ``test()``: MPI progresses a non-blocking collective only inside MPI calls
    (as MPI's own blocking wait spins), so sleeping would stall a large all-reduce; after that the wait is
    a collective waiting for a slow or dead peer, and it sleeps between tests to leave the core to others."""
    if req.test():
        return
    start = time.perf_counter()
    while time.perf_counter() - start < 0.1:
        if req.test():
            return
    delay = 1e-4
    while not req.test():
        if time.perf_counter() - start > limit:
            raise DistBackendError(
                f"{what} timed out after {limit:g} s waiting for the other ranks (a rank may have died or be "
                "running a different collective); the process group cannot be used after this, destroy it")
        time.sleep(delay)
        delay = min(delay * 2, 1e-3)


# -- state and group management ------------------------------------------------------------------------


def _world() -> ProcessGroup:
    pg = GroupMember.WORLD
    if pg is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return pg


def _group(g: ProcessGroup | None) -> ProcessGroup:
    if g is GroupMember.NON_GROUP_MEMBER:
        raise ValueError("this rank is not a member of the group (new_group returned GroupMember.NON_GROUP_MEMBER)")
    return _world() if g is None else g


def is_available() -> bool:
    """Whether ``ember.distributed`` can be used (always True: engines are checked at init)."""
    return True


def _importable(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def is_mpi_available() -> bool:
    """Whether the ``mpi`` engine can be used (mpi4py is installed)."""
    return _importable("mpi4py")


def is_nccl_available() -> bool:
    """Whether the ``nccl`` engine can be used (CuPy with NCCL is installed)."""
    if not _importable("cupy"):
        return False
    try:
        from cupy.cuda import nccl

        return bool(nccl.available) if hasattr(nccl, "available") else True
    except Exception:  # noqa: BLE001 (a CuPy without NCCL raises on import)
        return False


def is_jax_available() -> bool:
    """Whether the ``jax`` engine can be used (JAX is installed)."""
    return _importable("jax")


def is_initialized() -> bool:
    """Whether the default process group has been initialized."""
    return GroupMember.WORLD is not None


def _parse_backend(backend: str | None) -> dict[str, str]:
    """``"mpi"``, ``"cpu:mpi,jax:jax"`` or None to ``{device_type: engine_name}``."""
    specs = engine_specs()
    if backend is None:
        from ..plugins import get_default_device

        dt = get_default_device().type
        names = [s.name for s in specs.values() if dt in s.device_types]
        if not names:
            raise ValueError(f"no process-group backend serves the default device type {dt!r}; registered: "
                             f"{_describe(specs)}")
        return {dt: names[0]}
    out: dict[str, str] = {}
    for part in str(backend).lower().split(","):
        dev, _, name = part.strip().rpartition(":")
        name = _ALIASES.get(name, name)
        spec = specs.get(name)
        if spec is None:
            raise ValueError(f"Invalid backend: {part.strip()!r}; ember's process-group backends are "
                             f"{_describe(specs)} ('gloo' means the cpu engine, mpi)")
        for d in ([dev] if dev else list(spec.device_types)):
            if d not in spec.device_types:
                raise ValueError(f"backend {name!r} does not serve {d} tensors (it serves "
                                 f"{', '.join(spec.device_types)})")
            out[d] = name
    return out


def _describe(specs: dict[str, EngineSpec]) -> str:
    return ", ".join(f"{n} ({'/'.join(s.device_types)})" for n, s in specs.items())


def _env_int(name: str) -> int | None:
    v = os.environ.get(name)
    if v is None or v == "":
        return None
    try:
        return int(v)
    except ValueError:
        raise ValueError(f"environment variable {name} must be an integer, got {v!r}") from None


def _rendezvous(init_method: str) -> Rendezvous | None:
    key = os.environ.get("EMBER_DIST_AUTHKEY", "").encode()
    if init_method.startswith("tcp://"):
        host, _, port = init_method[len("tcp://"):].rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"init_method {init_method!r} must be tcp://HOST:PORT")
        return Rendezvous(host.strip("[]"), int(port), key)
    addr, env_port = os.environ.get("MASTER_ADDR"), os.environ.get("MASTER_PORT")
    if addr is None or env_port is None:
        return None
    if not env_port.isdigit():
        raise ValueError(f"environment variable MASTER_PORT must be an integer, got {env_port!r}")
    return Rendezvous(addr, int(env_port), key)


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: timedelta | None = None, world_size: int = -1, rank: int = -1,
                       store: Any = None, group_name: str = "", pg_options: Any = None,
                       device_id: Any = None) -> None:
    """Initialize the default process group (``env://`` reads RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)."""
    if GroupMember.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if store is not None:
        raise ValueError("ember.distributed takes no store=: ranks meet through init_method (env:// or tcp://) "
                         "or the MPI launcher")
    method = init_method or "env://"
    if not (method.startswith("env://") or method.startswith("tcp://")):
        raise ValueError(f"init_method {method!r} is not supported: use 'env://' (the default) or "
                         "'tcp://HOST:PORT'")
    if method.startswith("env://"):
        if rank < 0:
            env_rank = _env_int("RANK")
            rank = -1 if env_rank is None else env_rank
        if world_size < 0:
            world_size = _env_int("WORLD_SIZE") or -1
    elif rank < 0 or world_size < 0:
        raise ValueError("init_method='tcp://...' needs rank= and world_size=")
    if world_size == 0 or world_size < -1:
        raise ValueError(f"world_size must be positive, got {world_size}")
    if world_size > 0 and not (-1 <= rank < world_size):
        raise ValueError(f"rank {rank} is out of range for world_size {world_size}")
    limit = (timeout or default_pg_timeout).total_seconds()
    chosen = _parse_backend(backend)
    rdzv = _rendezvous(method)
    engines: dict[str, Engine] = {}
    made: dict[str, Engine] = {}
    specs = engine_specs()
    for dt, name in chosen.items():
        if name not in made:
            made[name] = _create(specs[name], rank, world_size, rdzv, limit)
        engines[dt] = made[name]
    first = next(iter(engines.values()))
    label = backend if backend is not None else next(iter(chosen.values()))
    pg = ProcessGroup(list(range(first.size)), engines, dict(chosen), limit, str(label).lower())
    GroupMember.WORLD = pg


def _create(spec: EngineSpec, rank: int, world_size: int, rdzv: Rendezvous | None, limit: float) -> Engine:
    if spec.name != "mpi":
        # only MPI can discover the world from its own launcher; the other engines need it spelled out
        if world_size < 0:
            world_size = 1
        if rank < 0:
            if world_size > 1:
                raise ValueError("this process's rank is unknown: set RANK (ember run does) or pass rank=")
            rank = 0
        if world_size > 1 and rdzv is None:
            raise ValueError(f"backend {spec.name!r} with world_size {world_size} needs MASTER_ADDR and MASTER_PORT "
                             "(ember run sets them) or init_method='tcp://HOST:PORT'")
    try:
        return spec.factory(rank, world_size, rdzv, limit)
    except ImportError as e:
        hint = f": {spec.install_hint}" if spec.install_hint else ""
        raise RuntimeError(f"process-group backend {spec.name!r} is not installed ({e}){hint}") from e
    except TimeoutError as e:
        raise DistNetworkError(str(e)) from e


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Tear down a group (the default group and every group made from it when ``group`` is None)."""
    if group is None or group is GroupMember.WORLD:
        pg = GroupMember.WORLD
        if pg is None:
            raise ValueError("Default process group has not been initialized, please make sure to call "
                             "init_process_group.")
        for g in _SUBGROUPS:
            _close(g)
        _SUBGROUPS.clear()
        _close(pg)
        GroupMember.WORLD = None
        return
    _close(group)
    if group in _SUBGROUPS:
        _SUBGROUPS.remove(group)


def _close(pg: ProcessGroup) -> None:
    for eng in {id(e): e for e in pg.engines.values()}.values():
        eng.close()


_SUBGROUPS: list[ProcessGroup] = []


def new_group(ranks: Sequence[int] | None = None, timeout: timedelta | None = None, backend: str | None = None,
              pg_options: Any = None, use_local_synchronization: bool = False,
              group_desc: str | None = None, device_id: Any = None) -> Any:
    """A group of ``ranks`` (all ranks when None); every rank of the world must call it, in the same order.
    Ranks outside it get ``GroupMember.NON_GROUP_MEMBER``."""
    world = _world()
    members = sorted(set(range(world.size()) if ranks is None else (int(r) for r in ranks)))
    for r in members:
        if not 0 <= r < world.size():
            raise ValueError(f"new_group: rank {r} is out of range for world size {world.size()}")
    if backend is not None:
        wanted = _parse_backend(backend)
        if any(world.names.get(dt) != name for dt, name in wanted.items()):
            raise ValueError(f"new_group(backend={backend!r}) must use the world's backends ({world.backend}): "
                             "ember makes subgroups from the world's communicators")
    engines: dict[str, Engine | None] = {}
    made: dict[int, Engine | None] = {}
    for dt, eng in world.engines.items():
        if id(eng) not in made:
            made[id(eng)] = eng.split(members)
        engines[dt] = made[id(eng)]
    if world.rank() not in members:
        return GroupMember.NON_GROUP_MEMBER
    limit = world.timeout if timeout is None else timeout.total_seconds()
    pg = ProcessGroup(members, {dt: e for dt, e in engines.items() if e is not None}, dict(world.names), limit,
                      world.backend)
    _SUBGROUPS.append(pg)
    return pg


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (-1 when not a member; the world by default)."""
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of ranks in ``group`` (the world by default)."""
    if group is GroupMember.NON_GROUP_MEMBER:
        return -1
    return _group(group).size()


def get_backend(group: ProcessGroup | None = None) -> str:
    """The backend name of ``group`` ("mpi", "jax", "nccl", or "cpu:mpi,jax:jax")."""
    return Backend(_group(group).backend)


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:
    """The global ranks of ``group``'s members, in group-rank order."""
    return list(_group(group).ranks)


def get_global_rank(group: ProcessGroup | None, group_rank: int) -> int:
    """The global rank of ``group_rank`` in ``group``."""
    ranks = _group(group).ranks
    if not 0 <= group_rank < len(ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group")
    return ranks[group_rank]


def get_group_rank(group: ProcessGroup | None, global_rank: int) -> int:
    """The rank in ``group`` of the process with global rank ``global_rank``."""
    ranks = _group(group).ranks
    if global_rank not in ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group")
    return ranks.index(global_rank)


def _local(pg: ProcessGroup, global_rank: int, what: str) -> int:
    if global_rank not in pg.ranks:
        raise ValueError(f"{what}: rank {global_rank} is not part of the group (its ranks are {pg.ranks})")
    return pg.ranks.index(global_rank)


# -- tensors in and out ----------------------------------------------------------------------------------


def _check(t: Any, what: str) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{what}: expected a Tensor, got {type(t).__name__}")


def _array(t: Any, writable: bool) -> tuple[Any, bool]:
    """``t``'s data as a C-contiguous native array, and whether it *is* ``t``'s memory (written in place)."""
    data = t._data
    if isinstance(data, np.ndarray):
        if data.flags.c_contiguous and (data.flags.writeable or not writable) and _owns_all(t):
            return data, True
        return np.ascontiguousarray(data), False
    return data, False


def _owns_all(t: Any) -> bool:
    # an expanded view (stride 0) is contiguous in NumPy's eyes only when it has one element
    return t._data.size <= 1 or 0 not in t._data.strides


def _write(t: Any, result: Any, inplace: bool) -> None:
    """Make ``result`` (a native array of ``t``'s shape) the contents of ``t``, as an in-place op would."""
    if inplace and result is t._data:
        bump_version(t)
        return
    with no_grad():
        t.copy_(_wrap(result, t.dtype, t.device))


def _run(pg: ProcessGroup, req: Request, finish: Any, async_op: bool, what: str) -> Work | None:
    if async_op:
        return Work(req, finish, pg, what)
    _poll(req, pg.timeout, what)
    finish(req.result())
    return None


_OP_NAMES = {"SUM": "sum", "AVG": "avg", "PRODUCT": "product", "MIN": "min", "MAX": "max", "BAND": "band",
             "BOR": "bor", "BXOR": "bxor"}


_OP_BY_REDUCEOP = {getattr(ReduceOp, k): v for k, v in _OP_NAMES.items()}


def _op(op: Any) -> str:
    name = op.name if isinstance(op, ReduceOp) else str(op).upper().rpartition(".")[2]
    if name not in _OP_NAMES:
        raise ValueError(f"unknown ReduceOp {op!r}; use ReduceOp.SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR or BXOR")
    return _OP_NAMES[name]


def _same(ts: Sequence[Any], like: Any, what: str, n: int) -> None:
    if len(ts) != n:
        raise ValueError(f"{what}: expected a list of {n} tensors (one per rank), got {len(ts)}")
    for t in ts:
        _check(t, what)
        if tuple(t.shape) != tuple(like.shape) or t.dtype is not like.dtype:
            raise ValueError(f"{what}: every tensor must have shape {tuple(like.shape)} and dtype {like.dtype}, got "
                             f"{tuple(t.shape)} {t.dtype}")


def _rows(t: Any, a: Any) -> None:
    """Write the native array ``a`` (stacked like t's rows) into ``t``."""
    _write(t, a.reshape(tuple(t.shape)), False)


# -- collectives -----------------------------------------------------------------------------------------


def all_reduce(tensor: Any, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Reduce ``tensor`` across all ranks of ``group`` in place, every rank getting the result."""
    _check(tensor, "all_reduce")
    pg = GroupMember.WORLD if group is None else _group(group)
    if pg is None:
        pg = _world()
    a, inplace = _array(tensor, True)
    req = pg.engine_for(tensor).all_reduce(a, _OP_BY_REDUCEOP.get(op) or _op(op))
    if async_op:
        return Work(req, lambda r: _write(tensor, r, inplace), pg, "all_reduce")
    _poll(req, pg.timeout, "all_reduce")
    _write(tensor, req.result(), inplace)
    return None


def broadcast(tensor: Any, src: int | None = None, group: ProcessGroup | None = None, async_op: bool = False,
              group_src: int | None = None) -> Work | None:
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every rank of ``group``."""
    _check(tensor, "broadcast")
    pg = _group(group)
    root = group_src if group_src is not None else _local(pg, 0 if src is None else src, "broadcast")
    a, inplace = _array(tensor, True)
    req = pg.engine_for(tensor).broadcast(a, root)
    return _run(pg, req, lambda r: _write(tensor, r, inplace), async_op, "broadcast")


def reduce(tensor: Any, dst: int | None = None, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Reduce ``tensor`` across ranks into rank ``dst``'s ``tensor`` (others keep theirs)."""
    _check(tensor, "reduce")
    pg = _group(group)
    root = group_dst if group_dst is not None else _local(pg, 0 if dst is None else dst, "reduce")
    a, inplace = _array(tensor, True)
    req = pg.engine_for(tensor).reduce(a, root, _op(op))

    def finish(r: Any) -> None:
        if pg.rank() == root:
            _write(tensor, r, inplace)

    return _run(pg, req, finish, async_op, "reduce")


def all_gather(tensor_list: list[Any], tensor: Any, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Fill ``tensor_list[r]`` with rank ``r``'s ``tensor`` on every rank."""
    _check(tensor, "all_gather")
    pg = _group(group)
    _same(tensor_list, tensor, "all_gather", pg.size())
    a, _ = _array(tensor, False)

    def finish(r: Any) -> None:
        for i, t in enumerate(tensor_list):
            _write(t, r[i], False)

    return _run(pg, pg.engine_for(tensor).all_gather(a), finish, async_op, "all_gather")


def all_gather_into_tensor(output_tensor: Any, input_tensor: Any, group: ProcessGroup | None = None,
                           async_op: bool = False) -> Work | None:
    """Gather every rank's ``input_tensor`` into ``output_tensor``, concatenated along dim 0 (or stacked)."""
    _check(output_tensor, "all_gather_into_tensor")
    _check(input_tensor, "all_gather_into_tensor")
    pg = _group(group)
    n, shape = pg.size(), tuple(input_tensor.shape)
    stacked = (n, *shape)
    cat = (n * shape[0], *shape[1:]) if shape else (n,)
    if tuple(output_tensor.shape) not in (stacked, cat) or output_tensor.dtype is not input_tensor.dtype:
        raise ValueError(f"all_gather_into_tensor: output must have shape {cat} or {stacked} and dtype "
                         f"{input_tensor.dtype}, got {tuple(output_tensor.shape)} {output_tensor.dtype}")
    a, _ = _array(input_tensor, False)
    req = pg.engine_for(input_tensor).all_gather(a)
    return _run(pg, req, lambda r: _rows(output_tensor, r), async_op, "all_gather_into_tensor")


def reduce_scatter_tensor(output: Any, input: Any, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
                          async_op: bool = False) -> Work | None:
    """Reduce ``input`` across ranks and give rank ``r`` its ``r``-th block of dim 0 in ``output``."""
    _check(output, "reduce_scatter_tensor")
    _check(input, "reduce_scatter_tensor")
    pg = _group(group)
    n, shape = pg.size(), tuple(output.shape)
    if tuple(input.shape) not in ((n * shape[0], *shape[1:]) if shape else (n,), (n, *shape)) \
            or input.dtype is not output.dtype:
        raise ValueError(f"reduce_scatter_tensor: input must be world_size ({n}) times the output's size along dim "
                         f"0 with its dtype, got input {tuple(input.shape)} {input.dtype} and output {shape} "
                         f"{output.dtype}")
    a, _ = _array(input, False)
    rows = a.reshape((n * shape[0], *shape[1:]) if shape else (n,))
    req = pg.engine_for(input).reduce_scatter(rows, _op(op))
    return _run(pg, req, lambda r: _rows(output, r), async_op, "reduce_scatter_tensor")


def reduce_scatter(output: Any, input_list: list[Any], op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
                   async_op: bool = False) -> Work | None:
    """Reduce ``input_list[r]`` across ranks into rank ``r``'s ``output``."""
    _check(output, "reduce_scatter")
    pg = _group(group)
    _same(input_list, output, "reduce_scatter", pg.size())
    from ..ops.arrange import stack

    return reduce_scatter_tensor(output, stack(list(input_list)), op, group, async_op)


def gather(tensor: Any, gather_list: list[Any] | None = None, dst: int | None = None,
           group: ProcessGroup | None = None, async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Collect every rank's ``tensor`` into ``gather_list`` on rank ``dst``."""
    _check(tensor, "gather")
    pg = _group(group)
    root = group_dst if group_dst is not None else _local(pg, 0 if dst is None else dst, "gather")
    if pg.rank() == root:
        if gather_list is None:
            raise ValueError("gather: the destination rank must pass gather_list")
        _same(gather_list, tensor, "gather", pg.size())
    elif gather_list:
        raise ValueError("gather: gather_list must be None or empty on ranks other than dst")
    a, _ = _array(tensor, False)

    def finish(r: Any) -> None:
        if r is not None and gather_list is not None:
            for i, t in enumerate(gather_list):
                _write(t, r[i], False)

    return _run(pg, pg.engine_for(tensor).gather(a, root), finish, async_op, "gather")


def scatter(tensor: Any, scatter_list: list[Any] | None = None, src: int | None = None,
            group: ProcessGroup | None = None, async_op: bool = False, group_src: int | None = None) -> Work | None:
    """Give rank ``r`` the tensor ``scatter_list[r]`` of rank ``src``, in ``tensor``."""
    _check(tensor, "scatter")
    pg = _group(group)
    root = group_src if group_src is not None else _local(pg, 0 if src is None else src, "scatter")
    template, _ = _array(tensor, False)
    stacked = None
    if pg.rank() == root:
        if scatter_list is None:
            raise ValueError("scatter: the source rank must pass scatter_list")
        _same(scatter_list, tensor, "scatter", pg.size())
        from ..ops.arrange import stack

        stacked, _ = _array(stack(list(scatter_list)), False)
    elif scatter_list:
        raise ValueError("scatter: scatter_list must be None or empty on ranks other than src")
    req = pg.engine_for(tensor).scatter(stacked, root, template)
    return _run(pg, req, lambda r: _write(tensor, r, False), async_op, "scatter")


def all_to_all_single(output: Any, input: Any, output_split_sizes: Sequence[int] | None = None,
                      input_split_sizes: Sequence[int] | None = None, group: ProcessGroup | None = None,
                      async_op: bool = False) -> Work | None:
    """Split ``input`` along dim 0, send block ``j`` to rank ``j``, and concatenate what arrives in ``output``."""
    _check(output, "all_to_all_single")
    _check(input, "all_to_all_single")
    pg = _group(group)
    n = pg.size()
    ins = _splits(input_split_sizes, input.shape[0], n, "input")
    outs = _splits(output_split_sizes, output.shape[0], n, "output")
    if output.dtype is not input.dtype or tuple(output.shape[1:]) != tuple(input.shape[1:]):
        raise ValueError("all_to_all_single: input and output must have one dtype and equal sizes past dim 0")
    a, _ = _array(input, False)
    template, _ = _array(output, False)
    req = pg.engine_for(input).all_to_all(a, ins, outs, template)
    return _run(pg, req, lambda r: _write(output, r, False), async_op, "all_to_all_single")


def _splits(sizes: Sequence[int] | None, rows: int, n: int, what: str) -> list[int]:
    if sizes is None or len(sizes) == 0:
        if rows % n:
            raise ValueError(f"all_to_all_single: {what} dim 0 ({rows}) must divide evenly by world size {n} "
                             f"without {what}_split_sizes")
        return [rows // n] * n
    sizes = [int(s) for s in sizes]
    if len(sizes) != n or sum(sizes) != rows or min(sizes) < 0:
        raise ValueError(f"all_to_all_single: {what}_split_sizes {sizes} must have {n} non-negative entries summing "
                         f"to {what}.shape[0] ({rows})")
    return sizes


def all_to_all(output_tensor_list: list[Any], input_tensor_list: list[Any], group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Send ``input_tensor_list[j]`` to rank ``j``, receiving rank ``j``'s into ``output_tensor_list[j]``."""
    pg = _group(group)
    n = pg.size()
    if len(output_tensor_list) != n or len(input_tensor_list) != n:
        raise ValueError(f"all_to_all: both lists must hold {n} tensors (one per rank)")
    from ..ops.arrange import cat

    flat_in = cat([t.reshape(-1) for t in input_tensor_list])
    flat_out = cat([t.reshape(-1) for t in output_tensor_list])
    work = all_to_all_single(flat_out, flat_in, [t.numel() for t in output_tensor_list],
                             [t.numel() for t in input_tensor_list], group, async_op=True)
    assert work is not None

    def finish() -> None:
        start = 0
        for t in output_tensor_list:
            _write(t, _array(flat_out[start:start + t.numel()].reshape(t.shape), False)[0], False)
            start += t.numel()

    return _then(work, finish, async_op)


def _then(work: Work, finish: Any, async_op: bool) -> Work | None:
    done = Work(_WorkRequest(work), lambda _: finish(), work._pg, work._what)
    if async_op:
        return done
    done.wait()
    return None


class _WorkRequest(Request):
    """A Work seen as a request (a collective built from another one)."""

    def __init__(self, work: Work) -> None:
        self._work = work

    def test(self) -> bool:
        """Whether the inner work has completed."""
        return self._work.is_completed()

    def result(self) -> Any:
        """None: the inner work wrote its tensors."""
        return None


def send(tensor: Any, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_dst: int | None = None) -> None:
    """Send ``tensor`` to rank ``dst`` (blocking)."""
    work = isend(tensor, dst, group, tag, group_dst)
    work.wait()


def isend(tensor: Any, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_dst: int | None = None) -> Work:
    """Send ``tensor`` to rank ``dst``; returns a Work to wait on."""
    _check(tensor, "send")
    pg = _group(group)
    to = group_dst if group_dst is not None else _local(pg, _need(dst, "send", "dst"), "send")
    if to == pg.rank():
        raise ValueError("Invalid destination rank: should not be the same as the rank of the current process.")
    a, _ = _array(tensor, False)
    return Work(pg.engine_for(tensor).send(a, to, tag), lambda r: None, pg, "send")


def recv(tensor: Any, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_src: int | None = None) -> int:
    """Receive into ``tensor`` from rank ``src`` (any rank when None); returns the sender's rank."""
    work = irecv(tensor, src, group, tag, group_src)
    return int(work.result())


def irecv(tensor: Any, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_src: int | None = None) -> Work:
    """Receive into ``tensor`` from rank ``src``; returns a Work whose ``result()`` is the sender's rank."""
    _check(tensor, "recv")
    pg = _group(group)
    frm = group_src if group_src is not None else (None if src is None else _local(pg, src, "recv"))
    template, _ = _array(tensor, False)
    req = pg.engine_for(tensor).recv(template, frm, tag)

    def finish(r: Any) -> int:
        arr, source = r
        _write(tensor, arr, False)
        return pg.ranks[source]

    return Work(req, finish, pg, "recv")


def _need(v: int | None, what: str, name: str) -> int:
    if v is None:
        raise ValueError(f"{what}: {name} must be given")
    return v


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids: Any = None) -> Work | None:
    """Wait until every rank of ``group`` has reached this barrier."""
    pg = _group(group)
    eng = next(iter(pg.engines.values()))
    return _run(pg, eng.barrier(), lambda r: None, async_op, "barrier")


# -- object collectives (JSON, never pickle) -------------------------------------------------------------


def _encode(obj: Any, what: str) -> bytes:
    try:
        return json.dumps(obj, allow_nan=True).encode()
    except (TypeError, ValueError) as e:
        raise TypeError(f"{what} carries JSON-serializable objects only (no pickle, as with ember.save): {e}") from None


def _bytes_engine(pg: ProcessGroup) -> Engine:
    return next(iter(pg.engines.values()))


def all_gather_object(object_list: list[Any], obj: Any, group: ProcessGroup | None = None) -> None:
    """Fill ``object_list[r]`` with rank ``r``'s ``obj`` (JSON-serializable data)."""
    pg = _group(group)
    if len(object_list) != pg.size():
        raise ValueError(f"all_gather_object: object_list must have world size ({pg.size()}) entries, got "
                         f"{len(object_list)}")
    data = _encode(obj, "all_gather_object")
    req = _bytes_engine(pg).all_gather_bytes(data)
    _poll(req, pg.timeout, "all_gather_object")
    for i, b in enumerate(req.result()):
        object_list[i] = json.loads(b)


def gather_object(obj: Any, object_gather_list: list[Any] | None = None, dst: int = 0,
                  group: ProcessGroup | None = None) -> None:
    """Collect every rank's ``obj`` into ``object_gather_list`` on rank ``dst`` (JSON data)."""
    pg = _group(group)
    out: list[Any] = [None] * pg.size()
    all_gather_object(out, obj, group)
    if pg.rank() == _local(pg, dst, "gather_object"):
        if object_gather_list is None or len(object_gather_list) != pg.size():
            raise ValueError("gather_object: dst must pass object_gather_list with world size entries")
        object_gather_list[:] = out


def broadcast_object_list(object_list: list[Any], src: int | None = None, group: ProcessGroup | None = None,
                          device: Any = None, group_src: int | None = None) -> None:
    """Replace ``object_list``'s entries with rank ``src``'s (JSON-serializable data)."""
    pg = _group(group)
    root = group_src if group_src is not None else _local(pg, 0 if src is None else src, "broadcast_object_list")
    data = _encode(list(object_list), "broadcast_object_list") if pg.rank() == root else b""
    req = _bytes_engine(pg).all_gather_bytes(data)
    _poll(req, pg.timeout, "broadcast_object_list")
    got = json.loads(req.result()[root])
    if len(got) != len(object_list):
        raise ValueError(f"broadcast_object_list: src has {len(got)} objects, this rank's list has {len(object_list)}")
    object_list[:] = got
