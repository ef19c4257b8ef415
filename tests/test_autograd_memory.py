"""The graph is freed when backward finishes: no reference cycles keep tensors alive."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import ember


def _step(w: ember.Tensor, x: ember.Tensor) -> ember.Tensor:
    h = (x @ w).relu()
    loss = (h * h).mean() + w.exp().sum() * 1e-3
    loss.backward()
    return loss


def test_graph_freed_without_cycle_collector() -> None:
    w = ember.randn(8, 8, requires_grad=True)
    x = ember.randn(4, 8)
    refs: list[weakref.ref[ember.Tensor]] = []
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        for i in range(10_000):
            loss = _step(w, x)
            if i % 1000 == 0:
                refs.append(weakref.ref(loss))
                node = loss.grad_fn
                refs.append(weakref.ref(node))  # type: ignore[arg-type]
                del node
            if i == 1000:
                base, _ = tracemalloc.get_traced_memory()
            w.grad = None
        end, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del loss
        # every loss and graph node but none is collectable by refcounting alone
        assert all(r() is None for r in refs), "graph objects kept alive by a reference cycle"
    finally:
        gc.enable()
    # flat memory: a leak of one small tensor per step would add several hundred KB
    assert end - base < 200_000, f"memory grew by {end - base} bytes over 9,000 steps"


def test_saved_output_does_not_form_cycle() -> None:
    gc.disable()
    try:
        a = ember.randn(5, requires_grad=True)
        y = a.exp()  # ExpBackward0 saves its output
        ref = weakref.ref(y)
        node_ref = weakref.ref(y.grad_fn)  # type: ignore[arg-type]
        del y
        assert ref() is None and node_ref() is None
    finally:
        gc.enable()
