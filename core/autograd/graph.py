"""Graph nodes of the dynamic autograd graph.

A ``Node`` is a tensor's ``grad_fn``: it knows its inputs' nodes (``next_functions``) and how
to turn the gradient of its output(s) into gradients of its inputs, written with Tensor ops so
that ``create_graph=True`` records the backward pass too (higher-order gradients).
Leaves that require grad get an ``AccumulateGrad`` node, held strongly by the graph and weakly
by the leaf, so no reference cycle keeps tensors alive.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..tensor import Tensor

_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)

Edge = tuple["Node | None", int]
_new = object.__new__
_NO_EDGE: Edge = (None, 0)


class Node:
    """Base class of ``grad_fn`` objects; ``type(node).__name__`` is PyTorch's name (``MulBackward0``)."""

    next_functions: tuple[Edge, ...] = ()
    _saved: tuple[SavedTensor, ...] = ()
    _freed = False
    _pre_hooks: dict[int, list[Callable[..., Any]]] | None = None
    _hooks: list[Callable[..., Any]] | None = None
    _trace: list[str] | None = None
    #: number of outputs (multi-output ops such as split/unbind set it)
    n_outputs = 1
    metadata: dict[str, Any]

    def name(self) -> str:
        """The node's PyTorch-style name, e.g. ``'MulBackward0'``."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"

    def needs_input_grad(self, i: int) -> bool:
        """Whether input ``i`` needs a gradient."""
        return self.next_functions[i][0] is not None

    # -- saved tensors -------------------------------------------------------------------------
    def save(self, *tensors: Tensor | None, outputs: tuple[Tensor, ...] = ()) -> None:
        """Save inputs (``tensors``) and this node's own ``outputs`` for backward."""
        saved = [SavedTensor(t, False) for t in tensors]
        saved += [SavedTensor(t, True) for t in outputs]
        self._saved = tuple(saved)

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        """Unpack saved tensors, checking that none was modified in place since it was saved."""
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        return tuple(s.unpack(self) for s in self._saved)

    def release(self) -> None:
        """Free saved tensors after a backward pass without ``retain_graph``."""
        if self._saved:
            self._saved = ()
            self._freed = True

    # -- hooks ---------------------------------------------------------------------------------
    def register_hook(self, fn: Callable[..., Any]) -> Any:
        """Register ``fn(grad_inputs, grad_outputs)`` to run after this node computes."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn: Callable[..., Any]) -> Any:
        """Register ``fn(grad_outputs)`` to run before this node computes."""
        return self._add_pre_hook(-1, fn)

    def _add_pre_hook(self, output_nr: int, fn: Callable[..., Any]) -> Any:
        if self._pre_hooks is None:
            self._pre_hooks = {}
        lst = self._pre_hooks.setdefault(output_nr, [])
        lst.append(fn)
        return _RemovableHandle(lst, fn)

    def apply(self, grads: tuple[Tensor | None, ...]) -> tuple[Tensor | None, ...]:
        """Compute input gradients from output gradients (tuple in, tuple out)."""
        if self.n_outputs == 1:
            out = self.backward(grads[0])
        else:
            out = self.backward(*grads)
        if not isinstance(out, tuple):
            out = (out,)
        return out

    def backward(self, *grads: Any) -> Any:
        """Subclasses implement the gradient formula with Tensor ops."""
        raise NotImplementedError(f"{type(self).__name__} has no backward")


class _RemovableHandle:
    """Returned by ``register_hook``; ``handle.remove()`` unregisters the hook."""

    def __init__(self, lst: list[Any], fn: Any):
        self._lst, self._fn = lst, fn

    def remove(self) -> None:
        """Remove the hook (no-op if already removed)."""
        try:
            self._lst.remove(self._fn)
        except ValueError:
            pass


class AccumulateGrad(Node):
    """Leaf node: adds the incoming gradient to ``variable.grad``.

    The leaf holds its accumulator strongly and the accumulator holds the leaf weakly: no
    cycle, and one accumulator per leaf for its whole life (recording stays cheap).
    """

    def __init__(self, variable: Tensor):
        self._ref = weakref.ref(variable)

    @property
    def variable(self) -> Tensor | None:
        """The leaf tensor (None once it has been garbage collected)."""
        return self._ref()

    def backward(self, grad: Any) -> Any:  # pragma: no cover - the engine accumulates itself
        """Unused: the engine accumulates into the leaf's ``.grad`` itself."""
        raise RuntimeError("AccumulateGrad is executed by the engine")


def accumulator(t: Tensor) -> AccumulateGrad:
    """The ``AccumulateGrad`` node of leaf ``t`` (created on first use)."""
    node = t._accum
    if node is None:
        node = t._accum = AccumulateGrad(t)
    return node


def edge(t: Any) -> Edge:
    """The graph edge a tensor contributes as an input: its grad_fn, or its accumulator."""
    if t is None or not getattr(t, "_rg", False):
        return _NO_EDGE
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    node = t._accum
    if node is None:
        node = t._accum = AccumulateGrad(t)
    return (node, 0)


class SavedTensor:
    """A tensor saved for backward, with the version it had when saved."""

    __slots__ = ("tensor", "version", "is_output", "output_nr", "vc", "producer")

    def __init__(self, t: Tensor | None, is_output: bool):
        self.is_output = is_output
        if t is None:
            self.tensor = None
            return
        vc = t._vc
        if vc is None:
            vc = t._vc = [0]
        self.vc = vc
        self.version = vc[0]
        self.output_nr = t._output_nr
        fn = t.grad_fn
        self.producer = None if is_output or fn is None else fn.name()
        if is_output:
            # NOTE: holding the output itself would make a cycle (output -> grad_fn -> output);
            # keep a detached alias and re-attach it to the node when unpacked.
            from ..tensor import _wrap

            alias = _wrap(t._data, t.dtype, t._device)
            alias._vc = vc
            self.tensor = alias
        else:
            self.tensor = t

    def unpack(self, node: Node) -> Tensor | None:
        """Return the saved tensor; raise if it was modified in place after being saved."""
        t = self.tensor
        if t is None:
            return None
        if self.vc[0] != self.version:
            shape = "[" + ", ".join(str(s) for s in t._data.shape) + "]"
            producer = node.name() if self.is_output else self.producer
            which = f", which is output {self.output_nr} of {producer}," if producer else ""
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{t.type()} {shape}]{which} is at version {self.vc[0]}; "
                f"expected version {self.version} instead. "
                "Hint: the backtrace further above can point to the operation that failed to compute "
                "its gradient. The variable in question was changed in there or anywhere later. Good luck!"
            )
        if self.is_output:
            out = _new(type(t))  # the alias made in __init__: a plain Tensor
            out._data, out.dtype, out._device = t._data, t.dtype, t._device
            out._vc = self.vc
            out._rg = True
            out.grad_fn = node
            out._output_nr = self.output_nr
            return out
        return t
