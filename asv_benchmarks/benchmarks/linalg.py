"""Matrix multiply of two square float32 matrices: framework overhead at 64, the BLAS at 512 and 2048."""

from __future__ import annotations

from typing import Any

from . import _workloads as W


class Matmul:
    """``a @ b``, n x n."""

    params = (W.all_impls(), [64, 512, 2048])
    param_names = ["impl", "n"]
    timeout = 300

    def setup(self, impl: str, n: int) -> None:
        self.fn = W.make_matmul(impl, n=n)

    def time_matmul(self, impl: str, n: int) -> Any:
        return self.fn()
