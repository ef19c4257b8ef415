"""ember.distributed against raw mpi4py and torch.distributed (gloo), 2 processes, side by side in one run.

    python -m asv_benchmarks.distributed            # launches itself on 2 ranks with mpiexec, prints a table
    python -m asv_benchmarks.distributed --json F   # also writes the figures (seconds) to F

Rows: ``all_reduce`` (sum, float32) of 4 KB, 4 MB and 64 MB, the same buffer through ember's ``mpi`` group,
through ``MPI_Allreduce`` called directly on the same communicator, and through PyTorch's gloo group; and one
data-parallel training step (forward, backward with gradient all-reduce, SGD update) of the MLP
784-512-256-10 on a per-rank batch of 64, ember's DistributedDataParallel against PyTorch's. Every process is
single-threaded; implementations alternate within each repeat and the best repeat counts (wall time: the
figure includes waiting for the peer).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZES = {"4 KB": 1024, "4 MB": 1 << 20, "64 MB": 1 << 24}


def _best(fn: Callable[[], Any], comm: Any, repeat: int, budget: float) -> float:
    """Best mean seconds per call over ``repeat`` loops of about ``budget`` seconds, ranks in lockstep."""
    fn()
    comm.Barrier()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-6)
    # NOTE: every rank must make the same number of calls (or the collectives deadlock): rank 0's count decides
    number = comm.bcast(max(1, int(budget / one)), root=0)
    best = float("inf")
    for _ in range(repeat):
        comm.Barrier()
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def _rank_main(repeat: int, budget: float, out: str | None) -> None:
    import numpy as np
    import torch
    import torch.distributed as tdist
    from mpi4py import MPI

    import ember
    import ember.distributed as dist

    torch.set_num_threads(1)
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    dist.init_process_group("mpi")
    port = comm.bcast(_free_port() if rank == 0 else None, root=0)
    tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=size)

    results: dict[str, dict[str, float]] = {}
    for label, n in SIZES.items():
        arr = np.ones(n, np.float32)
        et = ember.ones(n)
        tt = torch.ones(n)
        fns = {
            "ember-mpi": lambda et=et: dist.all_reduce(et),
            "mpi4py": lambda arr=arr: comm.Allreduce(MPI.IN_PLACE, arr),
            "torch-gloo": lambda tt=tt: tdist.all_reduce(tt),
        }
        reps = repeat if n < (1 << 24) else max(2, repeat // 2)
        row = {k: float("inf") for k in fns}
        for _ in range(reps):
            for k, fn in fns.items():
                row[k] = min(row[k], _best(fn, comm, 1, budget))
        results[f"all_reduce {label}"] = row

    step = _ddp_steps(ember, dist, torch, tdist, rank)
    if step is not None:
        row = {k: float("inf") for k in step}
        for _ in range(repeat):
            for k, fn in step.items():
                row[k] = min(row[k], _best(fn, comm, 1, budget))
        results["DDP step MLP 784-512-256-10 b64"] = row
    tdist.destroy_process_group()
    dist.destroy_process_group()
    if rank == 0:
        _report(results, out)


def _ddp_steps(ember: Any, dist: Any, torch: Any, tdist: Any, rank: int) -> dict[str, Callable[[], Any]] | None:
    try:
        from ember.nn.parallel import DistributedDataParallel as EmberDDP
    except ImportError:
        return None
    import numpy as np

    rng = np.random.default_rng(rank)
    x = rng.standard_normal((64, 784)).astype(np.float32)
    y = rng.integers(0, 10, 64)

    def mlp(nn: Any) -> Any:
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))

    em = EmberDDP(mlp(ember.nn))
    eopt = ember.optim.SGD(em.parameters(), lr=0.01)
    ex, ey = ember.tensor(x), ember.tensor(y)
    tm = torch.nn.parallel.DistributedDataParallel(mlp(torch.nn))
    topt = torch.optim.SGD(tm.parameters(), lr=0.01)
    tx, ty = torch.tensor(x), torch.tensor(y)

    def ember_step() -> None:
        eopt.zero_grad()
        ember.nn.functional.cross_entropy(em(ex), ey).backward()
        eopt.step()

    def torch_step() -> None:
        topt.zero_grad()
        torch.nn.functional.cross_entropy(tm(tx), ty).backward()
        topt.step()

    return {"ember-mpi": ember_step, "torch-gloo": torch_step}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fmt(t: float) -> str:
    return f"{t * 1e6:.1f} us" if t < 1e-3 else f"{t * 1e3:.2f} ms"


def _report(results: dict[str, dict[str, float]], out: str | None) -> None:
    print("\nember.distributed on 2 processes, single-threaded, wall time (best of the repeats)\n")
    for name, row in results.items():
        cells = ", ".join(f"{k} {_fmt(v)}" for k, v in row.items())
        ratios = []
        e = row["ember-mpi"]
        if "mpi4py" in row:
            ratios.append(f"ember/mpi4py {e / row['mpi4py']:.2f}x (+{(e - row['mpi4py']) * 1e6:.1f} us)")
        ratios.append(f"ember/gloo {e / row['torch-gloo']:.2f}x")
        print(f"{name}: {cells}\n    {'; '.join(ratios)}")
    if out:
        Path(out).write_text(json.dumps(results, indent=1))


def main(argv: list[str] | None = None) -> int:
    """Launch the benchmark on 2 ranks (or run one rank of it, under mpiexec)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5, help="interleaved repeats per implementation (default 5)")
    ap.add_argument("--budget", type=float, default=0.2, help="seconds per timed loop (default 0.2)")
    ap.add_argument("--json", default=None, help="write the figures to this file")
    ap.add_argument("--rank", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.rank:
        _rank_main(args.repeat, args.budget, args.json)
        return 0
    mpiexec = Path(sys.executable).parent / "mpiexec"
    exe = str(mpiexec) if mpiexec.exists() else shutil.which("mpiexec")
    if exe is None:
        print("asv_benchmarks.distributed needs mpiexec: pip install \"ember[distributed]\"", file=sys.stderr)
        return 2
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "EMBER_BACKEND": "numpy"}
    for v in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(v, None)
    cmd = [exe, "-n", "2", sys.executable, "-m", "asv_benchmarks.distributed", "--rank",
           "--repeat", str(args.repeat), "--budget", str(args.budget)]
    if args.json:
        cmd += ["--json", args.json]
    return subprocess.run(cmd, env=env).returncode


if __name__ == "__main__":
    raise SystemExit(main())
