"""Rendezvous: rank 0 hands one short string (an MPI port name, an NCCL id) to the other ranks.

This is the only place ember opens a socket of its own, and it carries no tensor data: the collectives run
on MPI, NCCL or JAX. It uses :mod:`multiprocessing.connection` (HMAC-authenticated with the launcher's
``EMBER_DIST_AUTHKEY``), like PyTorch's TCPStore listening on ``MASTER_ADDR:MASTER_PORT``.
"""

from __future__ import annotations

import threading
import time
from multiprocessing.connection import Client, Listener

from ._engine import Rendezvous

__all__ = ["DEFAULT_AUTHKEY", "fetch", "serve"]

#: the key used when the launcher gave none (several nodes started by hand); set EMBER_DIST_AUTHKEY to
#: the same secret on every node on a network you do not trust
DEFAULT_AUTHKEY = b"ember-rendezvous"


def serve(rdzv: Rendezvous, value: str, clients: int, timeout: float,
          gate: threading.Semaphore | None = None) -> threading.Thread:
    """Serve ``value`` to ``clients`` connections on ``rdzv``'s port, from a daemon thread; with ``gate``, each
    client after the first waits until the gate is released once more (one newcomer at a time)."""
    # NOTE: bind before returning, so a rank that connects early finds the port (it retries until then anyway)
    listener = Listener(("", rdzv.port), authkey=rdzv.authkey or DEFAULT_AUTHKEY)

    def run() -> None:
        deadline = time.monotonic() + timeout
        try:
            served = 0
            while served < clients and time.monotonic() < deadline:
                if served and gate is not None and not gate.acquire(timeout=max(0.0, deadline - time.monotonic())):
                    break
                try:
                    with listener.accept() as conn:
                        conn.send_bytes(value.encode())
                    served += 1
                except OSError:
                    continue  # a client that failed authentication or hung up: wait for the real ones
        finally:
            listener.close()

    thread = threading.Thread(target=run, name="ember-rendezvous", daemon=True)
    thread.start()
    return thread


def fetch(rdzv: Rendezvous, timeout: float) -> str:
    """The value rank 0 serves on ``rdzv``, retrying the connection until ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        try:
            with Client((rdzv.host, rdzv.port), authkey=rdzv.authkey or DEFAULT_AUTHKEY) as conn:
                return conn.recv_bytes().decode()
        except (ConnectionRefusedError, ConnectionResetError, EOFError, FileNotFoundError):
            if time.monotonic() + delay > deadline:
                raise TimeoutError(f"no rank 0 answered at {rdzv.host}:{rdzv.port} within {timeout:g} s: check "
                                   "MASTER_ADDR/MASTER_PORT and that rank 0 started") from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
