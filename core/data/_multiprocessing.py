"""The main-process side of multi-process loading: starting, feeding, watching and stopping workers.

Each worker has its own index queue (main -> worker) and its own result pipe (worker -> main), so
a killed worker cannot leave a shared lock held, and the main process waits on the result pipes
and the workers' process sentinels together: a death is noticed at once, not after a poll
interval. Batches are delivered in sampler order (``in_order=True``) whatever order they finish in.
"""

from __future__ import annotations

import itertools
import multiprocessing as _mp
import os
import signal
import sys
import time
import weakref
from multiprocessing.connection import wait
from typing import Any

from .dataloader import DataLoader, _BaseDataLoaderIter
from .worker import ExceptionWrapper, _IterableDatasetStopIteration, _ResumeIteration, _worker_loop

# Seconds shutdown waits for workers to exit after asking them to, before terminating them.
_JOIN_TIMEOUT = 1.0
_preload_set = False


def _fork_unsafe_reason() -> str | None:
    """Why forking this process now would be unsafe (JAX or CUDA already initialised), or None."""
    xb = sys.modules.get("jax._src.xla_bridge")
    if xb is not None:
        initialised = getattr(xb, "backends_are_initialized", None)
        if initialised() if initialised is not None else getattr(xb, "_backends", None):
            # XLA runs thread pools from its first computation; a forked child inherits their locks, not them
            return "JAX has been initialised in this process (fork after JAX starts can deadlock)"
    if "cupy" in sys.modules:
        return "CuPy (CUDA) has been imported in this process (a forked child cannot use the parent's CUDA context)"
    torch_cuda = sys.modules.get("torch.cuda")
    if torch_cuda is not None and getattr(torch_cuda, "is_initialized", lambda: False)():
        return "CUDA has been initialised in this process (a forked child cannot use the parent's CUDA context)"
    return None


def _safe_context() -> Any:
    """forkserver where the platform has it (a clean server started once, fast worker starts), else spawn."""
    global _preload_set
    if "forkserver" not in _mp.get_all_start_methods():
        return _mp.get_context("spawn")
    ctx = _mp.get_context("forkserver")
    if not _preload_set:
        # NOTE: "__main__" is not preloaded: a script without an `if __name__ == "__main__":` guard would run
        # again inside the server. Only takes effect if this process has not started its forkserver yet.
        preload = ["ember", "ember.data"]
        alias = sys.modules.get("ember.torch_alias")
        if alias is not None and alias.installed():
            # the workers re-import a main module that does `import torch`: it must find ember there too
            preload.append("ember._torch_alias_worker")
        ctx.set_forkserver_preload(preload)
        _preload_set = True
    return ctx


def _default_context() -> tuple[Any, str | None]:
    """The start method PyTorch would use (the process default: fork on Linux), unless fork is unsafe here.

    Returns the context and, when fork was refused, why (for the error shown if the dataset cannot be pickled).
    """
    ctx = _mp.get_context()  # honours multiprocessing.set_start_method
    if ctx.get_start_method() != "fork":
        return ctx, None
    reason = _fork_unsafe_reason()
    if reason is None:
        return ctx, None
    return _safe_context(), reason


class _WorkerPool:
    """The parent's handles on its workers. Holds no reference to the iterator, so a finalizer can own it."""

    def __init__(self, ctx: Any) -> None:
        self.pid = os.getpid()
        self.method = ctx.get_start_method()
        self.done_event = ctx.Event()
        self.workers: list[Any] = []
        self.index_queues: list[Any] = []
        self.conns: list[Any] = []

    def shutdown(self) -> None:
        """Ask every worker to exit, terminate the ones that do not, and close the channels."""
        if os.getpid() != self.pid:
            return  # a forked worker collecting its copy of another loader's pool: those are not its children
        try:
            self.done_event.set()
            for q in self.index_queues:
                q.put(None)
            deadline = time.monotonic() + _JOIN_TIMEOUT
            for w in self.workers:
                w.join(max(0.0, deadline - time.monotonic()))
        finally:
            for w in self.workers:
                if w.is_alive():
                    w.terminate()
                    w.join(_JOIN_TIMEOUT)
                    if w.is_alive():
                        w.kill()
                        w.join()
            for q in self.index_queues:
                q.cancel_join_thread()
                q.close()
            for c in self.conns:
                c.close()


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader: DataLoader[Any]) -> None:
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor or 2
        self._in_order = loader.in_order
        ctx, fork_refused = (loader.multiprocessing_context, None) if loader.multiprocessing_context else \
            _default_context()
        self._fork_refused = fork_refused
        pool = self._pool = _WorkerPool(ctx)
        # Runs pool.shutdown when the iterator is garbage-collected (a loop left early, a dropped
        # loader) or at interpreter exit, whichever comes first; _shutdown_workers runs it early.
        self._finalizer = weakref.finalize(self, pool.shutdown)
        try:
            for i in range(self._num_workers):
                index_queue = ctx.Queue()
                index_queue.cancel_join_thread()
                reader, writer = ctx.Pipe(duplex=False)
                w = ctx.Process(
                    target=_worker_loop, name=f"ember-data-worker-{i}", daemon=True,
                    args=(self._dataset, index_queue, writer, pool.done_event, self._auto_collation,
                          self._collate_fn, self._drop_last, self._base_seed, loader.worker_init_fn, i,
                          self._num_workers))
                try:
                    w.start()
                except Exception as e:
                    reader.close()
                    index_queue.close()
                    method = ctx.get_start_method()
                    if getattr(_mp.current_process(), "_inheriting", False):
                        raise  # a worker re-running an unguarded script: Python's own message says why
                    if fork_refused is not None:
                        raise RuntimeError(
                            f"DataLoader workers could not start: {fork_refused}, so they start with {method!r} "
                            f"instead of 'fork', which pickles the dataset, collate_fn and worker_init_fn, and "
                            f"pickling failed ({type(e).__name__}: {e}). Fix: define them at the top level of "
                            "an importable module (no lambdas or closures) and guard the script with `if "
                            "__name__ == \"__main__\":`; or create the DataLoader iterator before JAX/CUDA "
                            "first runs; or pass multiprocessing_context=\"fork\" if the workers never touch "
                            "JAX or CUDA; or use num_workers=0. See docs/data.md.") from e
                    if method != "fork" and hasattr(e, "add_note"):  # add_note: Python 3.11+
                        e.add_note(f"ember DataLoader workers start with {method!r}: the dataset, "
                                   "collate_fn and worker_init_fn must be picklable (defined at the top "
                                   "level of an importable module). See docs/data.md.")
                    raise
                finally:
                    writer.close()
                pool.workers.append(w)
                pool.index_queues.append(index_queue)
                pool.conns.append(reader)
        except BaseException:
            self._shutdown_workers()
            raise
        self._reset(loader, first_iter=True)

    def _reset(self, loader: DataLoader[Any], first_iter: bool = False) -> None:
        super()._reset(loader, first_iter)
        n = self._num_workers
        self._send_idx = 0  # the next task to send to a worker
        self._rcvd_idx = 0  # the next task to return from __next__
        self._task_info: dict[int, tuple[Any, ...]] = {}  # task -> (worker,) or (worker, data)
        self._tasks_outstanding = 0
        self._workers_status = [True] * n
        self._workers_num_tasks = [0] * n  # sent and not yet returned by __next__
        self._in_flight = [0] * n  # sent and not yet received
        self._worker_queue_idx_cycle = itertools.cycle(range(n))
        if not first_iter:
            # Persistent workers: results of an epoch left early are still on their way; each worker
            # answers the resume message after them, so everything before the answer is stale.
            for q in self._pool.index_queues:
                q.put(_ResumeIteration())
            waiting = set(range(n))
            while waiting:
                wid, (idx, _) = self._recv(sorted(waiting))
                if isinstance(idx, _ResumeIteration):
                    waiting.discard(wid)
        for _ in range(self._prefetch_factor * n):
            self._try_put_index()

    def _recv(self, wids: list[int]) -> tuple[int, Any]:
        """The next message from one of the workers ``wids``, honouring ``timeout`` and noticing deaths."""
        pool = self._pool
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        conns = {pool.conns[w]: w for w in wids}
        watched = set(wids) | {w for w, alive in enumerate(self._workers_status) if alive}
        sentinels = {pool.workers[w].sentinel: w for w in watched}
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            ready = wait([*conns, *sentinels], remaining)
            for obj in ready:
                w = conns.get(obj)  # type: ignore[call-overload]
                if w is not None:
                    try:
                        return w, pool.conns[w].recv()
                    except EOFError:
                        pass  # the worker is gone; its sentinel is (or soon will be) ready
            if any(obj in sentinels for obj in ready) or any(obj in conns for obj in ready):
                for c, w in conns.items():  # a worker may have sent its result just before dying
                    if not pool.workers[w].is_alive() and c.poll():
                        try:
                            return w, c.recv()
                        except EOFError:
                            pass
                self._raise_if_dead(watched)

    def _raise_if_dead(self, wids: set[int]) -> None:
        dead = [self._pool.workers[w] for w in sorted(wids) if not self._pool.workers[w].is_alive()]
        if not dead:
            time.sleep(0.01)  # a closed pipe whose process is still exiting: look again shortly
            return
        for w in range(len(self._workers_status)):
            if not self._pool.workers[w].is_alive():
                self._workers_status[w] = False
        self._shutdown_workers()
        pids = ", ".join(str(p.pid) for p in dead)
        label = f"pid {pids}" if len(dead) == 1 else f"pid(s) {pids}"
        causes = []
        for p in dead:
            code = p.exitcode
            if code is not None and code < 0:
                try:
                    causes.append(f"pid {p.pid} was killed by signal {signal.Signals(-code).name}")
                except ValueError:
                    causes.append(f"pid {p.pid} was killed by signal {-code}")
            else:
                causes.append(f"pid {p.pid} exited with code {code}")
        hint = ""
        if self._fork_refused is not None:
            hint = (f" Workers start with {self._pool.method!r} instead of 'fork' because {self._fork_refused}; "
                    "each worker imports the main script, so a script without an `if __name__ == \"__main__\":` "
                    "guard runs again in it and fails (see the worker's traceback above): add the guard, or pass "
                    "multiprocessing_context=\"fork\" if the workers never touch JAX or CUDA.")
        raise RuntimeError(f"DataLoader worker ({label}) exited unexpectedly: {'; '.join(causes)}. A "
                           "worker killed by a signal may have run out of memory; run with num_workers=0 to "
                           f"see errors raised in the main process.{hint}")

    def _next_data(self) -> Any:
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None:
                    if len(info) == 2 or self._workers_status[info[0]]:
                        break  # has data, or its worker will still deliver it
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process_data(info[1], info[0])
            busy = [w for w, k in enumerate(self._in_flight) if k > 0 and self._workers_status[w]]
            if not busy:
                raise AssertionError("Invalid iterator state: no outstanding tasks when fetching next data")
            wid, (idx, data) = self._recv(busy)
            self._in_flight[wid] -= 1
            self._tasks_outstanding -= 1
            if isinstance(data, _IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[wid] = False
                else:
                    self._mark_worker_as_unavailable(wid)
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                if not self._in_order:
                    del self._task_info[idx]
                    return self._process_data(data, wid)
                self._task_info[idx] += (data,)
            else:
                del self._task_info[idx]
                self._rcvd_idx += 1
                return self._process_data(data, wid)

    def _try_put_index(self) -> None:
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        n = self._num_workers
        max_tasks = self._prefetch_factor * n
        for _ in range(n):
            w = next(self._worker_queue_idx_cycle)
            if self._workers_status[w] and (
                    self._in_order or self._workers_num_tasks[w] < max_tasks // sum(self._workers_status)):
                break
        else:
            return
        self._pool.index_queues[w].put((self._send_idx, index))
        self._task_info[self._send_idx] = (w,)
        self._workers_num_tasks[w] += 1
        self._in_flight[w] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data: Any, wid: int) -> Any:
        self._workers_num_tasks[wid] -= 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def _mark_worker_as_unavailable(self, wid: int) -> None:
        self._pool.index_queues[wid].put(None)
        self._workers_status[wid] = False

    def _shutdown_workers(self) -> None:
        if not self._shutdown:
            self._shutdown = True
            self._finalizer()
