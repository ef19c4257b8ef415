"""``nn.DataParallel``: PyTorch's single-process data parallelism, for ember's single-device runs.

ember has no scatter/replicate/gather across devices, so a DataParallel runs the wrapped module on one
device: with no CUDA device it just calls the module (exactly CPU PyTorch's behaviour, ``device_ids ==
[]``); with CUDA it keeps the module on ``device_ids[0]``, moves the inputs there, runs the whole batch
there and returns the output on ``output_device``. The wrapper itself matches PyTorch: ``.module``, and
state_dict keys prefixed with ``module.``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...tensor import Tensor
from .module import Module

__all__ = ["DataParallel"]


def _device_index(d: Any) -> int:
    if isinstance(d, int):
        return d
    index = getattr(d, "index", None)
    if index is None:
        from ...device import device as _device

        index = _device(d).index
    return 0 if index is None else int(index)


def _to(obj: Any, device: Any) -> Any:
    if isinstance(obj, Tensor):
        return obj.to(device)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(_to(o, device) for o in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: _to(v, device) for k, v in obj.items()}
    return obj


class DataParallel(Module):
    """DataParallel(module, device_ids=None, output_device=None, dim=0): wrap ``module`` for data-parallel
    training; ember runs it on one device (see the module docstring)."""

    def __init__(self, module: Module, device_ids: Sequence[Any] | None = None, output_device: Any = None,
                 dim: int = 0) -> None:
        super().__init__()
        from ... import cuda

        if not cuda.is_available():
            self.module = module
            self.device_ids: list[int] = []
            return
        if device_ids is None:
            device_ids = list(range(cuda.device_count()))
        if not device_ids:
            raise RuntimeError("no available devices were found")
        if output_device is None:
            output_device = device_ids[0]
        self.dim = dim
        self.module = module
        self.device_ids = [_device_index(d) for d in device_ids]
        self.output_device = _device_index(output_device)
        from ...device import device as _device

        self.src_device_obj = _device("cuda", self.device_ids[0])
        self.module.to(self.src_device_obj)

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """Run the wrapped module on the whole batch (on ``device_ids[0]`` when there are devices)."""
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError("module must have its parameters and buffers on device "
                                   f"{self.src_device_obj} (device_ids[0]) but found one of them on device: "
                                   f"{t.device}")
        out = self.module(*_to(inputs, self.src_device_obj), **_to(kwargs, self.src_device_obj))
        if self.output_device != self.device_ids[0]:
            from ...device import device as _device

            out = _to(out, _device("cuda", self.output_device))
        return out
