"""Per-op overhead: ``a + b`` on 16-element float32 tensors, without and with ``requires_grad``.

Target (single-threaded, ``python -m asv_benchmarks.compare``): ember-numpy at most 3x a raw NumPy add,
4.5x with grad.
"""

from __future__ import annotations

from typing import Any

from . import _workloads as W


class AddOverhead:
    """One 16-element add through each implementation."""

    params = (W.all_impls(), [False, True])
    param_names = ["impl", "grad"]

    def setup(self, impl: str, grad: bool) -> None:
        self.fn = W.make_add(impl, grad=grad)

    def time_add(self, impl: str, grad: bool) -> Any:
        return self.fn()
