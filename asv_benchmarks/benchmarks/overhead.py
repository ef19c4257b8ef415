"""Per-op overhead: ``a + b`` on 16-element float32 tensors, ember vs raw NumPy vs PyTorch CPU.

asv discovers ``time_*`` methods; ``python -m asv_benchmarks.benchmarks.overhead`` prints the
ratios side by side from one single-threaded run (the figures quoted in docs/performance.md).
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import timeit  # noqa: E402

import numpy as np  # noqa: E402

import ember  # noqa: E402


class AddOverhead:
    """Time one 16-element add through each library."""

    params = (["numpy-raw", "ember", "ember-grad", "torch", "torch-grad"],)
    param_names = ["impl"]

    def setup(self, impl: str) -> None:
        a = np.arange(16, dtype=np.float32)
        b = np.ones(16, dtype=np.float32)
        if impl == "numpy-raw":
            self.x, self.y = a, b
            self.fn = np.add
        elif impl.startswith("ember"):
            self.x = ember.from_numpy(a.copy()).requires_grad_(impl.endswith("grad"))
            self.y = ember.from_numpy(b.copy()).requires_grad_(impl.endswith("grad"))
            self.fn = _add
        else:
            try:
                import torch
            except ImportError:
                raise NotImplementedError("torch not installed") from None
            torch.set_num_threads(1)
            self.x = torch.from_numpy(a.copy()).requires_grad_(impl.endswith("grad"))
            self.y = torch.from_numpy(b.copy()).requires_grad_(impl.endswith("grad"))
            self.fn = _add

    def time_add(self, impl: str) -> None:
        self.fn(self.x, self.y)


def _add(x: object, y: object) -> object:
    return x + y  # type: ignore[operator]


def measure(number: int = 20000, repeat: int = 7) -> dict[str, float]:
    """Best-of-``repeat`` seconds per add for each implementation, measured interleaved."""
    results: dict[str, float] = {}
    bench = AddOverhead()
    for impl in AddOverhead.params[0]:
        try:
            bench.setup(impl)
        except NotImplementedError:
            continue
        x, y, fn = bench.x, bench.y, bench.fn
        results[impl] = min(timeit.repeat(lambda: fn(x, y), number=number, repeat=repeat)) / number
    return results


if __name__ == "__main__":
    res = measure()
    base = res["numpy-raw"]
    print(f"{'impl':<12} {'us/op':>8} {'x numpy':>8}")
    for k, v in res.items():
        print(f"{k:<12} {v * 1e6:8.3f} {v / base:8.2f}")
