"""``ember.autograd``: backward, grad, grad modes, custom Functions, gradcheck, anomaly mode."""

from __future__ import annotations

from typing import Any
from collections.abc import Sequence

from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .function import Function, FunctionCtx, once_differentiable
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .graph import Node

__all__ = [
    "backward", "grad", "Function", "FunctionCtx", "once_differentiable", "gradcheck", "gradgradcheck",
    "GradcheckError", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
    "set_detect_anomaly", "detect_anomaly", "is_anomaly_enabled", "Node", "graph", "Variable",
    "is_multithreading_enabled", "set_multithreading_enabled", "variable",
]

from . import graph  # noqa: E402


def _tensors(x: Any) -> list[Any]:
    from ..tensor import Tensor

    if x is None:
        return []
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _make_grads(outputs: list[Any], grad_outputs: list[Any] | None, is_grads_batched: bool = False) -> list[Any]:
    from ..tensor import _wrap

    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs is not None and i < len(grad_outputs) else None
        if g is None:
            if not out.requires_grad:
                raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.dtype.is_floating_point:
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {out.dtype}")
            # NOTE: straight from the backend (ones_like's argument handling costs more than the array)
            dev = out._device
            g = _wrap(dev._be.ones(out._data.shape, out.dtype, dev.index), out.dtype, dev)
        else:
            if g.shape != out.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has "
                                   f"a shape of {out.shape}.")
        grads.append(g)
    return grads


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
             grad_variables: Any = None, inputs: Any = None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the graph's leaves (or of ``inputs``)."""
    from .engine import run_backward

    outs = _tensors(tensors)
    gts = _tensors(grad_tensors) if grad_tensors is not None else None
    if gts is not None and len(gts) != len(outs):
        raise RuntimeError("grad can be implicitly created only for scalar outputs")
    grads = _make_grads(outs, gts)
    if retain_graph is None:
        retain_graph = create_graph
    ins = _tensors(inputs) if inputs is not None else None
    if ins is not None and not ins:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    run_backward(outs, grads, retain_graph, create_graph, inputs=ins, capture=False)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple[Any, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned (no ``.grad`` is modified)."""
    from .engine import run_backward

    outs = _tensors(outputs)
    ins = _tensors(inputs)
    gos = _tensors(grad_outputs) if grad_outputs is not None else None
    grads = _make_grads(outs, gos)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    res = run_backward(outs, grads, retain_graph, create_graph, inputs=ins, capture=True,
                       allow_unused=allow_unused)
    assert res is not None
    if materialize_grads:
        from ..ops.creation import zeros_like

        res = [r if r is not None else zeros_like(i) for r, i in zip(res, ins)]
    return tuple(res)


def _is_checkpoint_valid() -> bool:
    return True


_ = Sequence


def Variable(data: Any, requires_grad: bool = False, volatile: bool = False) -> Any:  # noqa: N802 - PyTorch's name
    """Deprecated since PyTorch 0.4: returns ``data`` itself with ``requires_grad`` set (Variables are Tensors)."""
    if volatile:
        import warnings

        warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                      UserWarning, stacklevel=2)
    if requires_grad:
        data.requires_grad_(True)
    return data


class _ExecutionEngine:
    """``Variable._execution_engine``: PyTorch's handle on the backward engine (DDP-style code queues
    end-of-backward callbacks through it)."""

    @staticmethod
    def queue_callback(callback: Any) -> None:
        """Run ``callback`` once the backward pass now running has finished."""
        from .engine import queue_callback

        queue_callback(callback)


Variable._execution_engine = _ExecutionEngine()  # type: ignore[attr-defined]


def variable(*args: Any, **kwargs: Any) -> Any:
    """Removed in PyTorch: raises its ``RuntimeError`` pointing to ``tensor(...)``."""
    raise RuntimeError("torch.autograd.variable(...) is deprecated, use torch.tensor(...) instead")


_multithreading = [True]


def is_multithreading_enabled() -> bool:
    """Whether backward may use several threads (a setting: ember's engine runs on the caller's thread)."""
    return _multithreading[0]


class set_multithreading_enabled:
    """Context manager (or call) that records whether backward may use several threads."""

    def __init__(self, mode: bool) -> None:
        self.prev = _multithreading[0]
        _multithreading[0] = bool(mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        _multithreading[0] = self.prev
