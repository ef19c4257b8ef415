"""The autograd engine: record 1,000 elementwise ops on 16 elements and backpropagate through them."""

from __future__ import annotations

from typing import Any

from . import _workloads as W


class GraphBackward:
    """Forward (recording) and backward through a chain of 1,000 ops."""

    params = (W.all_impls(),)
    param_names = ["impl"]

    def setup(self, impl: str) -> None:
        self.fn = W.make_graph_backward(impl, ops=1000)

    def time_backward_1000_ops(self, impl: str) -> Any:
        return self.fn()
