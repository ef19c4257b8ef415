"""DataLoader overhead: one shuffled epoch of a 60,000 x 784 float32 TensorDataset (+ int64 labels), batch 64.

Peers: slicing the same NumPy arrays by hand with a random permutation (the floor), and PyTorch's
DataLoader over the same data. ``python -m asv_benchmarks.benchmarks.dataloader`` prints the
ratios from one single-threaded run (the figure quoted in docs/data.md; target: ember <= 1.5x NumPy).
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import time  # noqa: E402

import numpy as np  # noqa: E402

import ember  # noqa: E402
from ember.data import DataLoader, TensorDataset  # noqa: E402

N, D, BATCH = 60_000, 784, 64


def _arrays() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((N, D), dtype=np.float32), rng.integers(0, 10, N, dtype=np.int64)


def _numpy_epoch(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> None:
    perm = rng.permutation(len(x))
    for i in range(0, len(x), BATCH):
        idx = perm[i:i + BATCH]
        x[idx], y[idx]


def _loader_epoch(loader: object) -> None:
    for _ in loader:  # type: ignore[attr-defined]
        pass


class IterateTensorDataset:
    """Time one shuffled epoch, batch 64, single process."""

    params = (["numpy-manual", "ember", "torch"],)
    param_names = ["impl"]
    timeout = 120

    def setup(self, impl: str) -> None:
        x, y = _arrays()
        if impl == "numpy-manual":
            rng = np.random.default_rng(0)
            self.run = lambda: _numpy_epoch(x, y, rng)
        elif impl == "ember":
            loader = DataLoader(TensorDataset(ember.from_numpy(x), ember.from_numpy(y)), batch_size=BATCH,
                                shuffle=True, generator=ember.Generator().manual_seed(0))
            self.run = lambda: _loader_epoch(loader)
        else:
            try:
                import torch
            except ImportError:
                raise NotImplementedError("torch not installed") from None
            torch.set_num_threads(1)
            loader = torch.utils.data.DataLoader(
                torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=BATCH,
                shuffle=True, generator=torch.Generator().manual_seed(0))
            self.run = lambda: _loader_epoch(loader)

    def time_iterate(self, impl: str) -> None:
        self.run()


def measure(repeat: int = 5) -> dict[str, float]:
    """Best-of-``repeat`` seconds per epoch for each implementation, measured interleaved."""
    benches = {}
    for impl in IterateTensorDataset.params[0]:
        b = IterateTensorDataset()
        try:
            b.setup(impl)
        except NotImplementedError:
            continue
        benches[impl] = b
    best = {impl: float("inf") for impl in benches}
    for _ in range(repeat):
        for impl, b in benches.items():
            t0 = time.perf_counter()
            b.time_iterate(impl)
            best[impl] = min(best[impl], time.perf_counter() - t0)
    return best


TARGET = 1.5  # ember's epoch may cost at most this many times the hand-written NumPy loop

if __name__ == "__main__":
    res = measure()
    base = res["numpy-manual"]
    for impl, t in res.items():
        print(f"{impl:>13}: {t * 1e3:8.1f} ms/epoch  {t / base:5.2f}x numpy")
    if res["ember"] / base > TARGET:
        raise SystemExit(f"ember is {res['ember'] / base:.2f}x NumPy, above the {TARGET}x target")
