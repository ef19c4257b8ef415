"""Failure modes of a real launch: ``failures.py BACKEND MODE`` with MODE one of

- ``timeout``: rank 0 all-reduces while rank 1 waits for a message that never comes; both waits pass the
  group's 3 s timeout and raise DistBackendError, which each rank prints (then exits 0);
- ``raise``: rank 1 raises while rank 0 is inside an all_reduce (the launcher must stop rank 0);
- ``kill``: rank 1 kills itself with SIGKILL while rank 0 is inside an all_reduce.
"""

import os
import signal
import sys
import time
from datetime import timedelta

import ember
import ember.distributed as dist

backend, mode = sys.argv[1], sys.argv[2]
dist.init_process_group(backend, timeout=timedelta(seconds=3 if mode == "timeout" else 600))
rank = dist.get_rank()
dev = "cpu" if backend == "mpi" else "jax"
x = ember.ones(4, device=dev)
if mode == "timeout":
    start = time.monotonic()
    try:
        if rank == 0:
            dist.all_reduce(x)
        else:
            dist.recv(x, src=0)
    except dist.DistBackendError as e:
        print(f"rank {rank} raised after {time.monotonic() - start:.1f} s: {e}", flush=True)
    else:
        raise AssertionError("the collective returned although its peer never joined")
    # let the peer print its own error before this process leaves: JAX's coordination service aborts the
    # remaining process (exit 134) once a peer disappears
    time.sleep(1.5)
    os._exit(0)  # the group is unusable after a timeout; skip MPI's finalize, which would wait for the peer
if rank == 1:
    time.sleep(1.0)  # let rank 0 enter the all_reduce
    if mode == "raise":
        raise ValueError("rank 1 fails on purpose")
    os.kill(os.getpid(), signal.SIGKILL)
dist.all_reduce(x)
raise AssertionError("rank 0 finished an all_reduce that rank 1 never joined")
