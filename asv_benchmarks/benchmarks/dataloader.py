"""DataLoader overhead: one shuffled epoch of a 60,000 x 784 float32 TensorDataset (+ int64 labels), batch 64.

Peers: slicing the same NumPy arrays by hand with a random permutation (the floor), and PyTorch's
DataLoader over the same data. ``python -m asv_benchmarks.benchmarks.dataloader`` prints the
ratios from one single-threaded run (the figure quoted in docs/data.md; target: ember <= 1.5x NumPy).
"""

from __future__ import annotations

import time
from typing import Any

from . import _workloads as W


class IterateTensorDataset:
    """One shuffled epoch, batch 64, single process."""

    params = (W.all_impls(),)
    param_names = ["impl"]
    timeout = 300

    def setup(self, impl: str) -> None:
        self.run = W.make_dataloader(impl)

    def time_iterate(self, impl: str) -> Any:
        return self.run()


def measure(repeat: int = 5) -> dict[str, float]:
    """Best-of-``repeat`` seconds per epoch for ember-numpy, hand-written NumPy and torch, interleaved."""
    runs = {}
    for impl in ("numpy-hand", "ember-numpy", "torch"):
        try:
            runs[impl] = W.make_dataloader(impl)
        except W.SkipNotImplemented:
            continue
    best = {impl: float("inf") for impl in runs}
    for _ in range(repeat):
        for impl, run in runs.items():
            t0 = time.perf_counter()
            run()
            best[impl] = min(best[impl], time.perf_counter() - t0)
    return best


TARGET = 1.5  # ember's epoch may cost at most this many times the hand-written NumPy loop

if __name__ == "__main__":
    res = measure()
    base = res["numpy-hand"]
    for impl, t in res.items():
        print(f"{impl:>13}: {t * 1e3:8.1f} ms/epoch  {t / base:5.2f}x numpy")
    if res["ember-numpy"] / base > TARGET:
        raise SystemExit(f"ember is {res['ember-numpy'] / base:.2f}x NumPy, above the {TARGET}x target")
