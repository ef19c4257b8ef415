"""The worker side of multi-process loading: ``get_worker_info()`` and the loop each worker process runs.

A worker receives ``(task_idx, index)`` on its own index queue, builds the batch on the CPU with
the same fetcher the main process would use, and sends ``(task_idx, batch)`` back on its own pipe.
Errors travel as :class:`ExceptionWrapper` (re-raised in the main process with the worker's
traceback); an exhausted iterable dataset answers :class:`_IterableDatasetStopIteration`.
"""

from __future__ import annotations

import queue
import random
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["WorkerInfo", "get_worker_info"]

# How often (seconds) an idle worker checks that the main process is still alive.
MP_STATUS_CHECK_INTERVAL = 5.0


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns in a worker: ``id``, ``num_workers``, ``seed`` and ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """``get_worker_info()``: this worker's :class:`WorkerInfo`, or None in the main process.

    Use it in ``IterableDataset.__iter__`` to give each worker its own shard, or in
    ``worker_init_fn`` to seed other libraries with ``info.seed``.
    """
    return _worker_info


class ExceptionWrapper:
    """An exception and its formatted traceback, picklable across processes."""

    def __init__(self, exc_info: Any = None, where: str = "in background") -> None:
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        # keep text only: a live traceback would pin the worker's frames and cannot be pickled
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self) -> None:
        """Raise the wrapped exception's type with the original traceback text as its message."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exc


class _KeyErrorMessage(str):
    # KeyError repr()s its argument, which would print the traceback as one escaped line.
    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    pass


class _Sender:
    """Pickles messages in the caller (so unpicklable batches become errors here) and writes them from a
    thread, so the worker can prefetch its next batch while the main process is busy."""

    def __init__(self, conn: Any, worker_id: int) -> None:
        from multiprocessing.reduction import ForkingPickler

        self._dumps = ForkingPickler.dumps
        self._conn = conn
        self._worker_id = worker_id
        self._q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        threading.Thread(target=self._run, name="ember-data-sender", daemon=True).start()

    def send(self, msg: tuple[Any, Any]) -> None:
        try:
            buf = self._dumps(msg)
        except Exception:
            err = ExceptionWrapper(where=f"in DataLoader worker process {self._worker_id}")
            buf = self._dumps((msg[0], err))
        self._q.put(buf)

    def _run(self) -> None:
        while True:
            buf = self._q.get()
            try:
                self._conn.send_bytes(buf)
            except OSError:  # the main process closed its end: it is shutting down
                return


def _seed_worker(base_seed: int, worker_id: int) -> int:
    import numpy as np

    from ..ops.random import manual_seed

    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    # NumPy's legacy seed takes 32 bits: mix both numbers so workers and epochs differ
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


def _worker_loop(dataset: Any, index_queue: Any, conn: Any, done_event: Any, auto_collation: bool,
                 collate_fn: Callable[[Any], Any], drop_last: bool, base_seed: int, init_fn: Any,
                 worker_id: int, num_workers: int) -> None:
    """The body of a worker process (see the module docstring for the protocol)."""
    import multiprocessing

    from ..plugins import set_default_device
    from ._fetch import create_fetcher
    from .dataset import IterableDataset

    global _worker_info
    sender = None
    try:
        # batches are built on the CPU; the main process moves them to its default device
        set_default_device("cpu")
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        sender = _Sender(conn, worker_id)
        where = f"in DataLoader worker process {worker_id}"
        iterable = isinstance(dataset, IterableDataset)
        init_error: ExceptionWrapper | None = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = create_fetcher(dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where=where)
        iteration_end = False
        parent = multiprocessing.parent_process()
        while parent is None or parent.is_alive():
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if isinstance(r, _ResumeIteration):
                sender.send((r, None))
                iteration_end = False
                try:
                    fetcher = create_fetcher(dataset, auto_collation, collate_fn, drop_last)
                except Exception:
                    init_error = ExceptionWrapper(where=where)
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            data: Any
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = fetcher.fetch(index)  # type: ignore[union-attr]
                except Exception as e:
                    if isinstance(e, StopIteration) and iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=where)
            sender.send((idx, data))
            del data, idx, index, r
    except KeyboardInterrupt:
        pass  # the main process gets the KeyboardInterrupt too and shuts the workers down
