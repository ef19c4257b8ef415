"""The backward engine: walks the graph from the roots in dependency order."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..tensor import Tensor as _Tensor
from ..tensor import _detach_alias
from . import anomaly
from .grad_mode import GRAD
from .graph import AccumulateGrad, Node, edge

if TYPE_CHECKING:
    from ..tensor import Tensor


def _collect(roots: list[Node]) -> tuple[dict[Node, int], list[Node]]:
    """Count, for every node reachable from ``roots``, how many edges point at it."""
    deps: dict[Node, int] = {}
    order = list(roots)
    stack = list(roots)
    root_set = set(roots)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is None:
                continue
            if nxt in deps:
                deps[nxt] += 1
            else:
                # NOTE: a node is first counted when first reached, so `deps` doubles as the visited set
                deps[nxt] = 1
                if nxt not in root_set:
                    order.append(nxt)
                    stack.append(nxt)
    return deps, order


def _needed(order: list[Node], targets: set[Node]) -> set[Node]:
    """Nodes from which some target is reachable (others need not run)."""
    needed: set[Node] = set()
    # NOTE: repeat until stable; graphs are DAGs so this converges in at most depth passes,
    # and in practice in two because `order` is roughly topological.
    changed = True
    while changed:
        changed = False
        for node in reversed(order):
            if node in needed:
                continue
            if node in targets or any(n in needed for n, _ in node.next_functions if n is not None):
                needed.add(node)
                changed = True
    return needed


def _grad_dtype(g: Tensor, t: Tensor) -> Tensor:
    """``g`` in ``t``'s dtype, as PyTorch's engine casts each input's gradient: a real input of a complex
    computation keeps the real part."""
    if g.dtype.is_complex and not t.dtype.is_complex:
        g = g.real  # type: ignore[attr-defined]
    return g.to(t.dtype) if g.dtype is not t.dtype and t.dtype._category >= 2 else g  # type: ignore[attr-defined]


def _accumulate_into(t: Tensor, g: Tensor, create_graph: bool, owned: set[int]) -> None:
    if g.dtype is not t.dtype:
        g = _grad_dtype(g, t)
    prev_grad = t._grad
    if prev_grad is None:
        if create_graph:
            t.grad = g
        else:
            # NOTE: a gradient may alias another leaf's gradient or a view of a buffer (AddBackward
            # hands the same tensor to both inputs); copy unless this pass made it and owns it.
            if g._base is not None or id(g) in owned or g._rg:
                g = g.detach().clone()
            else:
                g = _detach_alias(g)
            owned.add(id(g))
            if g.dtype is t.dtype and g._data.shape == t._data.shape and g._device is t._device:
                t._grad = g  # the checks of the `grad` setter, inlined: this runs for every leaf
            else:
                t.grad = g
    elif create_graph:
        t.grad = prev_grad + g
    else:
        prev = GRAD.enabled
        GRAD.enabled = False
        try:
            prev_grad.add_(g)
        finally:
            GRAD.enabled = prev
    post = t.__dict__.get("_post_accumulate_hooks")
    if post:
        # Tensor.register_post_accumulate_grad_hook: called with the leaf once its .grad is updated
        for hook in tuple(post):
            hook(t)


def _run_plain(ready: list[Node], buffers: dict[Node, list[Any]], deps: dict[Node, int], retain_graph: bool) -> None:
    """The loop of ``run_backward`` for ``loss.backward()`` as a training step calls it: every leaf
    accumulates, no ``inputs`` to select, no graph of the backward, no anomaly checks. The same steps as the
    general loop with those branches taken out, since this loop's per-node cost is the engine's overhead."""
    owned: set[int] = set()
    apply = Node.apply
    while ready:
        node = ready.pop()
        grads = buffers.pop(node, None) or [None] * node.n_outputs
        if node._pre_hooks:
            grads = _pre_hooked(node, grads)
        if type(node) is AccumulateGrad:
            var = node.variable
            g = grads[0]
            if var is None or g is None:
                continue
            if var._hooks:
                g = _leaf_hooked(var, g)
            _accumulate_into(var, g, False, owned)
            continue
        if len(grads) == 1:
            g0 = grads[0]
            if g0 is None:
                out: tuple[Any, ...] = (None,) * len(node.next_functions)
            elif type(node).apply is apply:
                # Node.apply, inlined: the common single-output node
                res = node.backward(g0)
                out = res if type(res) is tuple else (res,)
            else:
                out = node.apply((g0,))
        elif any(g is not None for g in grads):
            out = node.apply(tuple(grads))
        else:
            out = (None,) * len(node.next_functions)
        _pass_on(node, out, grads, retain_graph, buffers, deps, ready, None)


def _pass_on(node: Node, out: tuple[Any, ...], grads: list[Any], retain_graph: bool, buffers: dict[Node, list[Any]],
             deps: dict[Node, int], ready: list[Node], needed: set[Node] | None) -> None:
    """After ``node`` ran: its hooks, freeing its saved tensors, and handing each input gradient to the node
    it belongs to (summed with what is there), which becomes ready when its last producer is done."""
    if node._hooks:
        for hook in list(node._hooks):
            new = hook(out, tuple(grads))
            if new is not None:
                out = tuple(new)
    if not retain_graph and node._saved:
        node.release()
    for (nxt, nr), g in zip(node.next_functions, out):
        if nxt is None:
            continue
        if g is not None and (needed is None or nxt in needed):
            buf = buffers.get(nxt)
            if buf is None:
                if nxt.n_outputs == 1:
                    buffers[nxt] = [g]
                else:
                    buf = buffers[nxt] = [None] * nxt.n_outputs
                    buf[nr] = g
            else:
                buf[nr] = g if buf[nr] is None else buf[nr] + g
        left = deps[nxt] - 1
        deps[nxt] = left
        if not left:
            ready.append(nxt)


def _leaf_hooked(var: Tensor, g: Tensor) -> Tensor:
    """``g`` after the tensor hooks of the leaf ``var`` (``register_hook``), before it accumulates."""
    assert var._hooks is not None
    for hook in list(var._hooks):
        new = hook(g)
        if new is not None:
            g = _hook_result(hook, g, new)
    return g


def _pre_hooked(node: Node, grads: list[Any]) -> list[Any]:
    """``grads`` after ``node``'s pre-hooks (tensor hooks of non-leaf outputs, ``register_prehook``)."""
    assert node._pre_hooks is not None
    for nr, hooks in node._pre_hooks.items():
        for hook in list(hooks):
            if nr < 0:
                new = hook(tuple(grads))
                if new is not None:
                    grads = list(new)
            elif grads[nr] is not None:
                new = hook(grads[nr])
                if new is not None:
                    grads[nr] = _hook_result(hook, grads[nr], new)
    return grads


def _hook_result(hook: Any, g: Tensor, new: Any) -> Tensor:
    """A tensor hook's replacement for gradient ``g``, refused (in PyTorch's words) when it is no tensor or has
    another dtype, device or size: the graph below was built for ``g``'s."""
    if not isinstance(new, _Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    if new.dtype is not g.dtype or new.device != g.device:
        raise RuntimeError(f"hook '{getattr(hook, '__name__', '<unknown>')}' has changed the type of value (was "
                           f"{g.type()} got {new.type()})")
    if new.shape != g.shape:
        raise RuntimeError(f"hook '{getattr(hook, '__name__', '<unknown>')}' has changed the size of value")
    return new


class _Callbacks(threading.local):
    # NOTE: per thread, as the backward passes themselves (two threads may each run one): one list of queued
    # callbacks per backward pass now running on this thread, the innermost last (a hook may run a backward)
    def __init__(self) -> None:
        self.stack: list[list[Callable[[], Any]]] = []


_CALLBACKS = _Callbacks()


def queue_callback(callback: Callable[[], Any]) -> None:
    """Run ``callback()`` once the backward pass now running has finished (PyTorch's
    ``Variable._execution_engine.queue_callback``)."""
    stack = _CALLBACKS.stack
    if not stack:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    stack[-1].append(callback)


def run_backward(
    tensors: Sequence[Tensor],
    grad_tensors: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
    capture: bool = False,
    allow_unused: bool = False,
) -> list[Tensor | None] | None:
    """Backpropagate ``grad_tensors`` from ``tensors``.

    With ``capture`` (``autograd.grad``) the gradients of ``inputs`` are returned and no
    ``.grad`` is touched; otherwise they accumulate into leaves (only ``inputs`` if given).
    Callbacks queued during the pass (``queue_callback``) run once it has succeeded.
    """
    queued: list[Callable[[], Any]] = []
    stack = _CALLBACKS.stack
    stack.append(queued)
    try:
        out = _run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs, capture, allow_unused)
        # NOTE: by index, not by iterator: a callback may queue more, which run in this same pass (PyTorch's)
        i = 0
        while i < len(queued):
            queued[i]()
            i += 1
    finally:
        stack.pop()
    return out


def _run_backward(
    tensors: Sequence[Tensor],
    grad_tensors: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None,
    capture: bool,
    allow_unused: bool,
) -> list[Tensor | None] | None:
    """``run_backward`` without its final callbacks."""
    root_edges: list[tuple[Node, int]] = []
    for i, t in enumerate(tensors):
        root, root_nr = edge(t)
        if root is None:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        root_edges.append((root, root_nr))

    targets: dict[tuple[Node, int], int] = {}
    input_nodes: set[Node] = set()
    if inputs is not None:
        for i, t in enumerate(inputs):
            if not t.requires_grad:
                raise RuntimeError(f"One of the differentiated Tensors does not require grad (input {i})")
            node, nr = edge(t)
            assert node is not None  # a tensor that requires grad always has a grad_fn or an accumulator
            targets[(node, nr)] = i
            input_nodes.add(node)

    roots = list(dict.fromkeys(root for root, _ in root_edges))
    deps, order = _collect(roots)
    needed = _needed(order, input_nodes) if inputs is not None else None

    buffers: dict[Node, list[Any]] = {}
    owned: set[int] = set()
    for (node, nr), g in zip(root_edges, grad_tensors):
        root_buf = buffers.setdefault(node, [None] * node.n_outputs)
        root_buf[nr] = g if root_buf[nr] is None else root_buf[nr] + g

    results: list[Tensor | None] = [None] * (len(inputs) if inputs is not None else 0)
    ready = [n for n in roots if deps.get(n, 0) == 0]
    checked = anomaly.STATE.enabled
    if inputs is None and not capture and not create_graph and not checked:
        prev_mode = GRAD.enabled
        GRAD.enabled = False
        try:
            _run_plain(ready, buffers, deps, retain_graph)
        finally:
            GRAD.enabled = prev_mode
        return None
    prev_mode = GRAD.enabled
    GRAD.enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None) or [None] * node.n_outputs
            if node._pre_hooks:
                grads = _pre_hooked(node, grads)
            if isinstance(node, AccumulateGrad):
                var = node.variable
                g = grads[0]
                if var is None:
                    continue
                if g is not None and var._hooks:
                    g = _leaf_hooked(var, g)
                key = (node, 0)
                if g is not None and g.dtype is not var.dtype:
                    g = _grad_dtype(g, var)
                if key in targets:
                    results[targets[key]] = g
                if not capture and g is not None and (inputs is None or node in input_nodes):
                    _accumulate_into(var, g, create_graph, owned)
                continue
            if targets:
                assert inputs is not None  # targets are filled only from inputs
                for nr in range(node.n_outputs):
                    idx = targets.get((node, nr))
                    if idx is not None:
                        results[idx] = grads[nr]
                        if not capture and grads[nr] is not None:
                            # backward(inputs=[non_leaf]) accumulates into the non-leaf's .grad
                            _accumulate_into(inputs[idx], grads[nr], create_graph, owned)
            run = needed is None or node in needed
            if run and (grads[0] is not None if len(grads) == 1 else any(g is not None for g in grads)):
                if checked:
                    out = anomaly.checked_apply(node, tuple(grads))
                else:
                    out = node.apply(tuple(grads))
            else:
                out = (None,) * len(node.next_functions)
            _pass_on(node, out, grads, retain_graph, buffers, deps, ready, needed)
    finally:
        GRAD.enabled = prev_mode

    if capture:
        if not allow_unused:
            for r in results:
                if r is None:
                    raise RuntimeError(
                        "One of the differentiated Tensors appears to not have been used in the graph. "
                        "Set allow_unused=True if this is the desired behavior."
                    )
        return results
    return None
