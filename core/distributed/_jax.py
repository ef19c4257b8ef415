"""The ``jax`` engine: ``jax`` tensors over JAX's own multi-process runtime (``pip install "ember[jax]"``).

A world of N processes is one JAX distributed system (``jax.distributed.initialize``, whose coordinator
listens at the rendezvous address on rank 0); each process contributes its first local device, and the
group is a one-axis :class:`jax.sharding.Mesh` of those devices ordered by rank. Every collective is one
jitted SPMD program (``shard_map`` over ``lax.psum``, ``all_gather``, ``psum_scatter``, ``all_to_all``,
``ppermute``) that every member process runs; XLA's collectives carry the data (gloo on CPU, NCCL on GPU).
Programs are compiled once per (collective, op, shape, dtype, arguments) and cached on the engine.

Dispatch is asynchronous: a call returns once the program is queued, and its :class:`Request` is done when
the output buffer is ready. Because every program is a collective over the whole mesh (or, for send/recv,
the pair's two devices), the ranks must issue them in the same order, as PyTorch requires of collectives;
point-to-point messages between a pair must likewise be posted in the same order on both sides (the tag
is not used to match them).
"""

from __future__ import annotations

import inspect
import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._engine import Done, Engine, Rendezvous, Request

__all__ = ["JaxEngine", "create"]

# set once this process has shut its JAX distributed runtime down: JAX cannot initialize it a second time
_SHUT_DOWN = False

_AXIS = "ranks"
_OPS = ("sum", "avg", "product", "min", "max")
_BITWISE = ("band", "bor", "bxor")
_TOO_LATE = ("init_process_group(backend='jax') must be called before any JAX computation in this process "
             "(jax.distributed.initialize requires it): call it at the top of your script, before creating jax "
             "tensors")


class _Pending(Request):
    """A dispatched program: done when its output is ready; ``finish`` turns this process's shard into the
    result. The output is either the jax array itself or a :class:`_Job` of the dispatch thread."""

    __slots__ = ("_src", "_finish")

    def __init__(self, src: Any, finish: Callable[[Any], Any]) -> None:
        self._src = src
        self._finish = finish

    def then(self, finish: Callable[[Any], Any]) -> _Pending:
        """The same program with another ``finish``."""
        return _Pending(self._src, finish)

    def _output(self) -> Any:
        """The program's output array, or None while the dispatch thread has not launched it."""
        src = self._src
        if isinstance(src, _Job):
            if not src.done.is_set():
                # let the dispatch thread take the GIL: a caller polling test() in a tight loop would otherwise
                # hold it for whole switch intervals (5 ms) while the thread waits to launch the program
                time.sleep(0)
                if not src.done.is_set():
                    return None
            self._src = src = src.value()
        return src

    def test(self) -> bool:
        """Whether the program's output buffer is ready (never blocks)."""
        out = self._output()
        return out is not None and bool(out.is_ready())

    def result(self) -> Any:
        """This process's part of the output, through ``finish``."""
        return self._finish(self._output().addressable_shards[0].data)


class _Job:
    """One call queued on the dispatch thread: its return value or exception once ``done`` is set."""

    __slots__ = ("fn", "done", "_value", "_error")

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self.done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None

    def run(self) -> None:
        """Call ``fn``, keeping its outcome."""
        try:
            self._value = self.fn()
            # NOTE: one collective at a time per process: XLA runs larger programs asynchronously, and two
            # collectives in flight at once can be paired in different orders on different ranks by gloo
            # (a deadlock seen with three all_reduces issued back to back)
            ready = getattr(self._value, "block_until_ready", None)
            if ready is not None:
                ready()
        except BaseException as e:  # noqa: BLE001  (re-raised on the caller's thread by value())
            self._error = e
        self.done.set()

    def value(self) -> Any:
        """``fn``'s return value (raising its exception)."""
        if self._error is not None:
            raise self._error
        return self._value


class _Dispatcher:
    """A daemon thread that launches the programs of every group of this process in the order they were
    issued.

    NOTE: XLA's CPU client runs a "cheap" program (under 1000 estimated flops: every collective on a small
    array) inline on the calling thread, so on CPU a collective would block its caller until every peer has
    joined, beyond the reach of the group's timeout. Launching from this thread keeps every call
    non-blocking; on GPUs dispatch is asynchronous already and programs are launched directly."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        # daemon: a thread stuck in a collective whose peer died must not keep the process from exiting
        threading.Thread(target=self._loop, name="ember-jax-dispatch", daemon=True).start()

    def _loop(self) -> None:
        while True:
            self._queue.get().run()

    def submit(self, fn: Callable[[], Any]) -> _Job:
        """Queue ``fn``; the job is done once it has returned."""
        job = _Job(fn)
        self._queue.put(job)
        return job


_DISPATCHER: _Dispatcher | None = None
_DISPATCHER_LOCK = threading.Lock()


def _dispatcher() -> _Dispatcher:
    global _DISPATCHER
    with _DISPATCHER_LOCK:
        if _DISPATCHER is None:
            _DISPATCHER = _Dispatcher()
        return _DISPATCHER


def _jax() -> Any:
    import jax

    return jax


def _shard_map(body: Callable[..., Any], mesh: Any, spec: Any) -> Any:
    """``shard_map`` of ``body`` over ``mesh``, one block of axis 0 per device in and out, without the
    replication check (the outputs are read per shard, so replicated and varying results are alike)."""
    jax = _jax()
    if hasattr(jax, "shard_map"):
        return jax.shard_map(body, mesh=mesh, in_specs=spec, out_specs=spec, check_vma=False)
    from jax.experimental.shard_map import shard_map  # JAX before 0.7, where the check was check_rep

    return shard_map(body, mesh=mesh, in_specs=spec, out_specs=spec, check_rep=False)


def _check_op(op: str, dtype: Any) -> None:
    """Raise ValueError for a reduction this engine cannot do on ``dtype``."""
    if op in _BITWISE:
        raise ValueError(f"ReduceOp.{op.upper()} is not supported by the jax process group (XLA has no bitwise "
                         "collective reductions); use the mpi group for bitwise reductions")
    if op not in _OPS:
        raise ValueError(f"the jax group has no reduction {op!r}")
    if op in ("min", "max") and np.dtype(dtype).kind == "c":
        raise ValueError(f"ReduceOp.{op.upper()} is not defined for complex tensors ({dtype})")


def _reduce(x: Any, op: str, n: int) -> Any:
    """The ``op`` reduction of block ``x`` over the mesh axis (inside a shard_map)."""
    import jax.numpy as jnp
    from jax import lax

    if x.dtype == jnp.bool_:
        # PyTorch's bool reductions are the logical ones (as MPI's LOR/LAND): sum, avg and max are "any",
        # product and min are "all"; XLA's psum of bool counts, so reduce a uint8 view and cast back
        u = x.astype(jnp.uint8)
        red = lax.pmax(u, _AXIS) if op in ("sum", "avg", "max") else lax.pmin(u, _AXIS)
        return red.astype(jnp.bool_)
    if op == "sum":
        return lax.psum(x, _AXIS)
    if op == "avg":
        return _divide(lax.psum(x, _AXIS), n)
    if op == "min":
        return lax.pmin(x, _AXIS)
    if op == "max":
        return lax.pmax(x, _AXIS)
    # XLA has no product collective: gather every rank's block and multiply locally
    return jnp.prod(lax.all_gather(x, _AXIS, axis=0), axis=0, dtype=x.dtype)


def _reduce_rows(g: Any, op: str, n: int) -> Any:
    """``op`` over axis 0 of ``g``, the blocks of every rank stacked (a local reduction)."""
    import jax.numpy as jnp

    if g.dtype == jnp.bool_:
        return jnp.any(g, axis=0) if op in ("sum", "avg", "max") else jnp.all(g, axis=0)
    if op == "sum":
        return jnp.sum(g, axis=0, dtype=g.dtype)
    if op == "avg":
        return _divide(jnp.sum(g, axis=0, dtype=g.dtype), n)
    if op == "product":
        return jnp.prod(g, axis=0, dtype=g.dtype)
    return jnp.min(g, axis=0) if op == "min" else jnp.max(g, axis=0)


def _divide(s: Any, n: int) -> Any:
    import jax.numpy as jnp
    from jax import lax

    if jnp.issubdtype(s.dtype, jnp.integer):
        # NCCL's integer average truncates toward zero (as lax.div does); so does ember's
        return lax.div(s, jnp.asarray(n, s.dtype))
    return s / jnp.asarray(n, s.dtype)


def _to_bits(x: Any) -> Any:
    """``x`` as unsigned integers holding its exact bits (complex as (real, imag) pairs), so that a psum
    where every other rank contributes zeros moves the values bit for bit (-0.0 and NaN payloads included)."""
    import jax.numpy as jnp
    from jax import lax

    if x.dtype == jnp.bool_:
        return x.astype(jnp.uint8)
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        x = jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)
    return lax.bitcast_convert_type(x, jnp.dtype(f"uint{8 * x.dtype.itemsize}"))


def _from_bits(u: Any, dtype: Any) -> Any:
    """The inverse of :func:`_to_bits`."""
    import jax.numpy as jnp
    from jax import lax

    dtype = jnp.dtype(dtype)
    if dtype == jnp.bool_:
        return u.astype(jnp.bool_)
    if jnp.issubdtype(dtype, jnp.complexfloating):
        parts = lax.bitcast_convert_type(u, jnp.finfo(dtype).dtype)
        return lax.complex(parts[..., 0], parts[..., 1]).astype(dtype)
    return lax.bitcast_convert_type(u, dtype)


class JaxEngine(Engine):
    """One group of processes, a one-axis mesh of one device per rank, carrying jax arrays."""

    name = "jax"

    def __init__(self, devices: Sequence[Any], rank: int, timeout: float, owns_runtime: bool = False) -> None:
        from jax.sharding import Mesh, NamedSharding, PartitionSpec

        self.rank = rank
        self.size = len(devices)
        self._devices = list(devices)
        self._device = self._devices[rank]
        self._timeout = timeout
        self._owns_runtime = owns_runtime
        self._mesh = Mesh(np.array(self._devices, dtype=object), (_AXIS,))
        self._sharding = NamedSharding(self._mesh, PartitionSpec(_AXIS))
        # programs by (collective, op, shape, dtype, arguments); the pair meshes of send/recv by (src, dst)
        self._programs: dict[tuple[Any, ...], Any] = {}
        self._pairs: dict[tuple[int, int], Any] = {}
        self._token: Any = None
        # XLA:CPU runs small programs inline, blocking the caller until the peers join (see _Dispatcher)
        self._via_thread = self._device.platform == "cpu"

    # -- building blocks -------------------------------------------------------------------------------------

    def _program(self, key: tuple[Any, ...], body: Callable[..., Any], sharding: Any = None) -> Any:
        """The jitted SPMD program ``body`` over the mesh of ``sharding`` (this group's by default), cached."""
        fn = self._programs.get(key)
        if fn is None:
            from jax.sharding import PartitionSpec

            mesh = (sharding or self._sharding).mesh
            fn = self._programs[key] = _jax().jit(_shard_map(body, mesh, PartitionSpec(_AXIS)))
        return fn

    def _local_fn(self, key: tuple[Any, ...], fn: Callable[..., Any]) -> Any:
        """A jitted single-device function (padding, trimming), cached like the programs."""
        out = self._programs.get(key)
        if out is None:
            out = self._programs[key] = _jax().jit(fn)
        return out

    def _global(self, a: Any, sharding: Any = None) -> Any:
        """The global array whose shard on this process's device is ``a`` (0-d arrays as shape (1,)); the
        blocks are stacked along axis 0."""
        jax = _jax()
        sharding = sharding or self._sharding
        if a.ndim == 0:
            a = a.reshape(1)
        if a.devices() != {self._device}:
            # a tensor on another local device (jax:1 of a multi-device process): the mesh holds the first
            a = jax.device_put(a, self._device)
        n = sharding.mesh.devices.size
        return jax.make_array_from_single_device_arrays((n * a.shape[0], *a.shape[1:]), sharding, [a])

    def _run(self, key: tuple[Any, ...], body: Callable[..., Any], a: Any,
             finish: Callable[[Any], Any], sharding: Any = None) -> _Pending:
        """Dispatch program ``body`` on ``a`` (this rank's block) and wrap its output."""
        program, x = self._program(key, body, sharding), self._global(a, sharding)
        if self._via_thread:
            return _Pending(_dispatcher().submit(lambda: program(x)), finish)
        return _Pending(program(x), finish)

    def _wait(self, req: Request) -> Any:
        """Block, up to the group's timeout, until ``req`` is done; its result (for the small exchanges of
        sizes that must precede a collective's main program)."""
        deadline = time.monotonic() + self._timeout
        pause = 1e-5
        while not req.test():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the jax group timed out after {self._timeout:g} s waiting for the other ranks")
            time.sleep(pause)
            pause = min(pause * 2, 1e-3)
        return req.result()

    def _zeros(self, shape: tuple[int, ...], dtype: Any) -> Any:
        import jax.numpy as jnp

        return jnp.zeros(shape, dtype, device=self._device)

    def _to_device(self, a: np.ndarray) -> Any:
        return _jax().device_put(a, self._device)

    @staticmethod
    def _shaped(shape: tuple[int, ...]) -> Callable[[Any], Any]:
        """A ``finish`` that gives the shard the contract's shape (0-d results travel as shape (1,))."""
        return lambda s: s if s.shape == shape else s.reshape(shape)

    # -- collectives -----------------------------------------------------------------------------------------

    def all_reduce(self, a: Any, op: str) -> Request:
        """Every rank's ``a`` combined by ``op``; result: a new array like ``a``."""
        _check_op(op, a.dtype)
        n = self.size
        key = ("all_reduce", op, a.shape, a.dtype)
        return self._run(key, lambda x: _reduce(x, op, n), a, self._shaped(a.shape))

    def broadcast(self, a: Any, src: int) -> Request:
        """Rank ``src``'s ``a`` on every rank."""
        from jax import lax

        dtype = a.dtype

        def body(x: Any) -> Any:
            # a psum where every rank but src contributes zeros, over the exact bits
            bits = _to_bits(x)
            bits = lax.select(lax.axis_index(_AXIS) == src, bits, lax.full_like(bits, 0))
            return _from_bits(lax.psum(bits, _AXIS), dtype)

        return self._run(("broadcast", src, a.shape, dtype), body, a, self._shaped(a.shape))

    def reduce(self, a: Any, dst: int, op: str) -> Request:
        """An all_reduce whose result only ``dst`` keeps; ``a`` unchanged elsewhere."""
        req = self.all_reduce(a, op)
        if self.rank != dst:
            assert isinstance(req, _Pending)
            return req.then(lambda _s: a)
        return req

    def all_gather(self, a: Any) -> Request:
        """Every rank's ``a`` stacked by rank: shape ``(size, *a.shape)``."""
        from jax import lax

        shape = (self.size, *a.shape)
        return self._run(("all_gather", a.shape, a.dtype), lambda x: lax.all_gather(x, _AXIS, axis=0), a,
                         self._shaped(shape))

    def reduce_scatter(self, a: Any, op: str) -> Request:
        """Rows ``rank*k:(rank+1)*k`` of the ``op`` reduction of ``a`` (shape ``(size*k, ...)``)."""
        import jax.numpy as jnp
        from jax import lax

        _check_op(op, a.dtype)
        n = self.size
        if a.ndim == 0 or a.shape[0] % n:
            raise ValueError(f"reduce_scatter needs {n} equal blocks of rows, got shape {tuple(a.shape)}")
        k = a.shape[0] // n

        def body(x: Any) -> Any:
            if op in ("sum", "avg") and x.dtype != jnp.bool_:
                s = lax.psum_scatter(x, _AXIS, scatter_dimension=0, tiled=True)
                return s if op == "sum" else _divide(s, n)
            # no scatter form of pmin/pmax/product: each rank receives its block from every rank, reduces locally
            g = lax.all_to_all(x, _AXIS, 0, 0, tiled=True)
            return _reduce_rows(g.reshape(n, k, *x.shape[1:]), op, n)

        return self._run(("reduce_scatter", op, a.shape, a.dtype), body, a, self._shaped((k, *a.shape[1:])))

    def gather(self, a: Any, dst: int) -> Request:
        """Every rank's ``a`` stacked by rank on ``dst``; None elsewhere."""
        req = self.all_gather(a)
        assert isinstance(req, _Pending)
        if self.rank != dst:
            return req.then(lambda _s: None)
        return req

    def scatter(self, a: Any | None, src: int, template: Any) -> Request:
        """Row ``rank`` of ``src``'s ``a`` (shape ``(size, *template.shape)``)."""
        from jax import lax

        shape, dtype = tuple(template.shape), template.dtype
        if self.rank != src or a is None:
            a = self._zeros((self.size, *shape), dtype)

        def body(x: Any) -> Any:
            # src's rows, bit for bit, summed with the other ranks' zeros and scattered one row per rank
            bits = _to_bits(x)
            bits = lax.select(lax.axis_index(_AXIS) == src, bits, lax.full_like(bits, 0))
            return _from_bits(lax.psum_scatter(bits, _AXIS, scatter_dimension=0, tiled=True), dtype)

        return self._run(("scatter", src, shape, dtype), body, a, self._shaped(shape))

    def all_to_all(self, a: Any, in_splits: Sequence[int], out_splits: Sequence[int], template: Any) -> Request:
        """Blocks of rows exchanged between every pair of ranks (uneven blocks padded to the largest)."""
        import jax.numpy as jnp
        from jax import lax

        in_splits, out_splits = tuple(int(s) for s in in_splits), tuple(int(s) for s in out_splits)
        rest, dtype = tuple(a.shape[1:]), a.dtype
        # every rank must run the same program, so the padded block is the largest split of any rank: an
        # exchange of the split sizes comes first (a small all_gather, waited on within the timeout)
        sizes = self._wait(self.all_gather(self._to_device(np.array(in_splits, np.int32))))
        sizes = np.asarray(sizes)
        if tuple(int(s) for s in sizes[:, self.rank]) != out_splits:
            raise ValueError(f"all_to_all: rank {self.rank} expects {list(out_splits)} rows from the ranks, but they "
                             f"send {sizes[:, self.rank].tolist()}")
        m = int(sizes.max())
        if m == 0:
            return Done(template)
        even = bool((sizes == m).all())
        if not even:
            def pad(x: Any) -> Any:
                blocks, start = [], 0
                for s in in_splits:
                    blocks.append(jnp.pad(x[start:start + s], [(0, m - s)] + [(0, 0)] * len(rest)))
                    start += s
                return jnp.concatenate(blocks)

            a = self._local_fn(("pad", in_splits, m, rest, dtype), pad)(a)

        def trim(x: Any) -> Any:
            return jnp.concatenate([x[j * m:j * m + s] for j, s in enumerate(out_splits)])

        finish = (lambda s: s) if even else self._local_fn(("trim", out_splits, m, rest, dtype), trim)
        key = ("all_to_all", m, rest, dtype)
        return self._run(key, lambda x: lax.all_to_all(x, _AXIS, 0, 0, tiled=True), a, finish)

    def _pair(self, src: int, dst: int) -> Any:
        """The sharding over the two devices of ``src`` and ``dst`` (in that order)."""
        sharding = self._pairs.get((src, dst))
        if sharding is None:
            from jax.sharding import Mesh, NamedSharding, PartitionSpec

            mesh = Mesh(np.array([self._devices[src], self._devices[dst]], dtype=object), (_AXIS,))
            sharding = self._pairs[(src, dst)] = NamedSharding(mesh, PartitionSpec(_AXIS))
        return sharding

    def _p2p(self, a: Any, src: int, dst: int, finish: Callable[[Any], Any]) -> Request:
        """The program both ``src`` and ``dst`` run: a ppermute from the pair's first device to its second."""
        from jax import lax

        if src == dst:
            raise ValueError(f"rank {src} cannot send to itself on the jax group")
        for r in (src, dst):
            if not 0 <= r < self.size:
                raise ValueError(f"rank {r} is not in this jax group of {self.size}")
        key = ("p2p", src, dst, a.shape, a.dtype)
        return self._run(key, lambda x: lax.ppermute(x, _AXIS, [(0, 1)]), a, finish, self._pair(src, dst))

    def send(self, a: Any, dst: int, tag: int) -> Request:
        """Send ``a`` to ``dst`` (which must post the matching recv; the tag is not used)."""
        return self._p2p(a, self.rank, dst, lambda _s: None)

    def recv(self, template: Any, src: int | None, tag: int) -> Request:
        """Receive an array like ``template`` from ``src``; result: ``(array, src)``."""
        if src is None:
            raise RuntimeError("the jax group needs an explicit source for recv (XLA's point-to-point transfer is "
                               "a program both ranks run): pass src=")
        shape = tuple(template.shape)
        # template's contents are ignored; it is the receiving side's (unused) input to the program
        return self._p2p(template, src, self.rank, lambda s: (self._shaped(shape)(s), src))

    def barrier(self) -> Request:
        """Completes once every rank has entered it (a psum of one integer)."""
        from jax import lax

        if self._token is None:
            self._token = self._to_device(np.zeros(1, np.int32))
        return self._run(("barrier",), lambda x: lax.psum(x, _AXIS), self._token, lambda _s: None)

    def all_gather_bytes(self, data: bytes) -> Request:
        """Every rank's bytes in rank order: the lengths first, then the bytes padded to a common length."""
        lengths = np.asarray(self._wait(self.all_gather(self._to_device(np.array([len(data)], np.int32)))))
        lengths = lengths.reshape(-1)
        # padded to a power of two (at least 64 bytes) so that messages of similar sizes share one program
        width = max(64, 1 << max(0, int(lengths.max()) - 1).bit_length())
        buf = np.zeros(width, np.uint8)
        buf[:len(data)] = np.frombuffer(data, np.uint8)
        req = self.all_gather(self._to_device(buf))
        assert isinstance(req, _Pending)
        return req.then(lambda s: [np.asarray(s)[i, :int(ln)].tobytes() for i, ln in enumerate(lengths)])

    def split(self, ranks: Sequence[int]) -> Engine | None:
        """A group of ``ranks`` over their devices (collective in spirit; it needs no communication)."""
        ranks = [int(r) for r in ranks]
        if sorted(set(ranks)) != ranks or (ranks and not 0 <= ranks[0] <= ranks[-1] < self.size):
            raise ValueError(f"split needs ascending distinct ranks of this group of {self.size}, got {ranks}")
        if self.rank not in ranks:
            return None
        return JaxEngine([self._devices[r] for r in ranks], ranks.index(self.rank), self._timeout)

    def close(self) -> None:
        """Shut JAX's distributed runtime down if this is the world group that started it."""
        self._programs.clear()
        if self._owns_runtime:
            global _SHUT_DOWN
            self._owns_runtime = False
            _SHUT_DOWN = True
            _jax().distributed.shutdown()


def _runtime_initialized() -> bool:
    """Whether JAX's distributed runtime is up (started by an earlier group or by the user)."""
    jax = _jax()
    check = getattr(jax.distributed, "is_initialized", None)
    if check is not None:
        return bool(check())
    from jax._src import distributed  # JAX before is_initialized()

    return distributed.global_state.client is not None


def _backends_initialized() -> bool:
    """Whether JAX has already created its backends (after which jax.distributed.initialize must fail)."""
    try:
        from jax._src import xla_bridge
    except ImportError:  # a JAX without this module: rely on initialize's own error
        return False
    check = getattr(xla_bridge, "backends_are_initialized", None)
    return bool(check()) if check is not None else False


def create(rank: int, world_size: int, rendezvous: Rendezvous | None, timeout: float) -> JaxEngine:
    """The world group: JAX's distributed system of ``world_size`` processes (joined at ``rendezvous``,
    where rank 0 runs the coordinator), one device per process."""
    jax = _jax()
    owns = False
    if world_size > 1 and not _runtime_initialized():
        if _backends_initialized():
            if _SHUT_DOWN:
                raise RuntimeError("the jax group cannot start again in a process whose JAX distributed runtime was "
                                   "shut down (destroy_process_group): JAX initializes it once per process")
            raise RuntimeError(_TOO_LATE)
        if jax.config.values.get("jax_cpu_collectives_implementation", "gloo") in (None, "", "none"):
            # without a CPU collectives library (older JAX's default), multi-process programs on the CPU
            # platform cannot run; recent JAX defaults to gloo already
            jax.config.update("jax_cpu_collectives_implementation", "gloo")
        seconds = max(1, math.ceil(timeout))
        kwargs: dict[str, Any] = {"num_processes": world_size, "process_id": rank, "initialization_timeout": seconds}
        if "shutdown_timeout_seconds" in inspect.signature(jax.distributed.initialize).parameters:
            # a rank whose peers died waits for them at exit this long (JAX's default: 5 minutes)
            kwargs["shutdown_timeout_seconds"] = seconds
        if rendezvous is not None:
            host = f"[{rendezvous.host}]" if ":" in rendezvous.host else rendezvous.host
            kwargs["coordinator_address"] = f"{host}:{rendezvous.port}"
        try:
            jax.distributed.initialize(**kwargs)
        except RuntimeError as e:
            if "must be called before" in str(e):
                raise RuntimeError(_TOO_LATE) from e
            raise
        owns = True
    if world_size > 1 and (jax.process_count() != world_size or jax.process_index() != rank):
        raise RuntimeError(f"JAX's distributed runtime has {jax.process_count()} processes with this one as "
                           f"{jax.process_index()}, but the group asked for rank {rank} of {world_size}")
    if world_size == 1:
        devices = [jax.local_devices()[0]]
    else:
        first: dict[int, Any] = {}
        for d in jax.devices():
            first.setdefault(d.process_index, d)
        # every process must derive the same mesh, so each takes the first device of each process in JAX's
        # global device order (the same everywhere); for this process that is normally local_devices()[0]
        devices = [first[p] for p in range(world_size)]
    return JaxEngine(devices, rank, timeout, owns_runtime=owns)
