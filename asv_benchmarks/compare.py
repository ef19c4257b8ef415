"""Side-by-side ratios ember/peer, single-threaded, from one run.

    python -m asv_benchmarks.compare                 # the key benchmarks, every backend here
    python -m asv_benchmarks.compare --quick         # fewer repeats (noisier)
    python -m asv_benchmarks.compare --only mlp cnn  # rows whose name contains a word
    python -m asv_benchmarks.compare --backends numpy
    python -m asv_benchmarks.compare --distributed   # ember.distributed on 2 ranks vs mpi4py and gloo

Each row runs the same workload (asv_benchmarks/benchmarks/_workloads.py, the code asv times) through
every implementation, interleaved, and keeps the best of several repeats of a calibrated loop. The
table shows ember's time per call on each backend and its ratio to each peer (lower is better; ``-``:
the peer doesn't implement it or isn't installed). The targets of the performance issue are checked
and listed under the table.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any

# NOTE: before NumPy/PyTorch/JAX are imported: one thread each (see benchmarks/__init__.py)
from .benchmarks import _workloads as W  # noqa: I001

Row = tuple[str, Callable[..., Any], dict[str, Any]]

ROWS: list[Row] = [
    ("add 16 (no grad)", W.make_add, {"grad": False}),
    ("add 16 (grad)", W.make_add, {"grad": True}),
    ("matmul 64", W.make_matmul, {"n": 64}),
    ("matmul 512", W.make_matmul, {"n": 512}),
    ("conv2d fwd+bwd 32x16x28x28", W.make_conv2d, {}),
    ("softmax+CE fwd+bwd 128x1000", W.make_cross_entropy, {}),
    ("MLP step 784-512-256-10 b64", W.make_mlp_step, {}),
    ("CNN step b64 28x28", W.make_cnn_step, {}),
    ("backward 1000-op graph", W.make_graph_backward, {}),
    ("DataLoader epoch 60000x784 b64", W.make_dataloader, {}),
]

# (row, peer, bound): ember-numpy's ratio to the peer must stay at or below the bound
TARGETS = [
    ("add 16 (no grad)", "numpy-hand", 3.0),
    ("MLP step 784-512-256-10 b64", "numpy-hand", 1.15),
    ("MLP step 784-512-256-10 b64", "torch", 1.0),
    ("CNN step b64 28x28", "torch", 1.5),
    ("DataLoader epoch 60000x784 b64", "numpy-hand", 1.5),
]
# the add with grad has no NumPy peer: its bound is against the plain NumPy add
GRAD_TARGET = 4.5


CLOCK = time.process_time


def best_time(fn: Callable[[], Any], budget: float) -> float:
    """Seconds per call over a loop calibrated to run ~budget/5 seconds.

    NOTE: the clock is the process's CPU time by default, not wall time: every peer runs single-threaded,
    so CPU time is the work done, and it stays meaningful on a loaded machine where wall time swings 2x
    with whatever else runs (``--wall`` switches back).
    """
    fn()  # warm up (JIT compiles, caches, first-touch allocations)
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    number = max(1, int(budget / 5 / one))
    t0 = CLOCK()
    for _ in range(number):
        fn()
    return (CLOCK() - t0) / number


def measure_row(make: Callable[..., Any], kwargs: dict[str, Any], impls: list[str], repeat: int,
                budget: float) -> dict[str, float]:
    """Best seconds per call of each implementation, the repeats interleaved across implementations."""
    fns = {}
    for impl in impls:
        try:
            fns[impl] = make(impl, **kwargs)
            fns[impl]()
        except W.SkipNotImplemented:
            fns.pop(impl, None)
        except Exception as e:  # a broken third-party backend must not hide everyone else's numbers
            fns.pop(impl, None)
            print(f"  {impl} failed: {type(e).__name__}: {e}", file=sys.stderr)
    best = {impl: float("inf") for impl in fns}
    for _ in range(repeat):
        for impl, fn in fns.items():
            best[impl] = min(best[impl], best_time(fn, budget))
    return best


def _fmt_time(t: float) -> str:
    if t < 1e-3:
        return f"{t * 1e6:.2f} us"
    if t < 1:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 repeats of ~0.1 s each instead of 5 of ~0.5 s")
    ap.add_argument("--only", nargs="*", default=[], help="rows whose name contains one of these words")
    ap.add_argument("--backends", nargs="*", default=[], help="ember backends to compare (default: all here)")
    ap.add_argument("--check", action="store_true", help="exit with status 1 when a target is missed")
    ap.add_argument("--repeat", type=int, default=0,
                    help="interleaved repeats per implementation (default 5, 3 with --quick); more is steadier")
    ap.add_argument("--wall", action="store_true", help="wall-clock time instead of process CPU time")
    ap.add_argument("--distributed", action="store_true",
                    help="the 2-process table of asv_benchmarks.distributed (all_reduce, DDP step) instead")
    args = ap.parse_args(argv)
    if args.distributed:
        from . import distributed

        return distributed.main(["--repeat", str(args.repeat or (3 if args.quick else 5))])
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    repeat, budget = (3, 0.1) if args.quick else (5, 0.5)
    repeat = args.repeat or repeat
    import torch

    torch.set_num_threads(1)
    embers = []
    for impl in W.ember_impls():
        if args.backends and impl.removeprefix("ember-") not in args.backends:
            continue
        try:
            W.ember_device(impl)
        except W.SkipNotImplemented as e:
            print(f"skipping {impl}: {e}", file=sys.stderr)
            continue
        embers.append(impl)
    rows = [r for r in ROWS if not args.only or any(w.lower() in r[0].lower() for w in args.only)]
    results: dict[str, dict[str, float]] = {}
    for name, make, kwargs in rows:
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        results[name] = measure_row(make, kwargs, embers + W.PEERS, repeat, budget)
    peers = [p for p in W.PEERS if any(p in r for r in results.values())]

    threads = {v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    clock = "wall" if args.wall else "process CPU"
    print(f"\nember/peer time ratios (lower is better), {clock} time, single-threaded {threads}, torch threads "
          f"{torch.get_num_threads()}\n")
    head = ["benchmark"] + [f"{e} time" for e in embers] + [f"{e}/{p}" for e in embers for p in peers]
    table = []
    for name, res in results.items():
        line = [name]
        line += [_fmt_time(res[e]) if e in res else "-" for e in embers]
        for e in embers:
            for p in peers:
                line.append(f"{res[e] / res[p]:.2f}" if e in res and p in res else "-")
        table.append(line)
    widths = [max(len(str(r[i])) for r in [head] + table) for i in range(len(head))]
    for r in [head, ["-" * w for w in widths]] + table:
        print(" | ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    print("\npeer times:")
    for name, res in results.items():
        print(f"  {name}: " + ", ".join(f"{p} {_fmt_time(res[p])}" for p in peers if p in res))

    failed = []
    checks = [(r, p, b, r) for r, p, b in TARGETS] + [("add 16 (grad)", "numpy-hand", GRAD_TARGET, "add 16 (no grad)")]
    if "ember-numpy" in embers:
        print("\ntargets (ember-numpy):")
        for row, peer, bound, peer_row in checks:
            if row not in results or "ember-numpy" not in results[row] or peer not in results.get(peer_row, {}):
                continue
            ratio = results[row]["ember-numpy"] / results[peer_row][peer]
            ok = ratio <= bound
            failed += [] if ok else [row]
            print(f"  {'ok  ' if ok else 'MISS'} {row} vs {peer}: {ratio:.2f}x (target <= {bound}x)")
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
