"""``nn.DataParallel`` and PyTorch's ``nn.parallel`` helpers (``scatter``, ``replicate``, ``parallel_apply``,
``gather``, ``data_parallel``): single-process data parallelism over the devices of one backend.

With several devices (``device_ids=["jax:0", "jax:1"]``, or every device of the accelerator when
``device_ids`` is None) a forward splits each input tensor along ``dim`` into one chunk per device, runs a
replica of the module on each chunk and concatenates the outputs on ``output_device``. A replica's
parameters are differentiable copies (``param.to(device)``) of the originals, so ``backward`` sums every
replica's gradient into the original parameters' ``.grad``, as PyTorch's Broadcast does; replicas share the
module's code and hooks, and in-place updates of buffers made by replicas other than the first (BatchNorm's
running statistics) are lost, as in PyTorch. The replicas run one after another on the calling thread
(PyTorch starts a thread per replica): they see its grad mode, autocast state and default device without
copying each into other threads, and devices whose work is dispatched asynchronously (JAX, CuPy) still
overlap them.

With one device it keeps the module there, moves the inputs to it and returns the output on
``output_device``; without an accelerator and without explicit devices it just calls the module (CPU
PyTorch's behaviour, ``device_ids == []``). The wrapper matches PyTorch: ``.module``, and state_dict keys
prefixed with ``module.``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from ...device import device as _device
from ...tensor import Tensor
from .module import Module

__all__ = ["DataParallel", "data_parallel", "gather", "parallel_apply", "replicate", "scatter", "scatter_kwargs"]


def _accelerator_type() -> str | None:
    """PyTorch's ``_get_available_device_type``: the type of the accelerator, or None without one."""
    from ... import accelerator

    acc = accelerator.current_accelerator()
    return None if acc is None else acc.type


def _as_device(d: Any, device_type: str | None = None) -> _device:
    """``d`` (an index, a device or its name) as a device; an index is one of ``device_type``'s devices."""
    if isinstance(d, _device):
        return d
    if isinstance(d, int) and not isinstance(d, bool):
        if d == -1:
            return _device("cpu")
        return _device(device_type or _accelerator_type() or "cuda", d)
    return _device(d)


def _index(d: Any) -> int:
    """PyTorch's ``_get_device_index``: the index of a device (0 when it names none, -1 for the CPU)."""
    if isinstance(d, int) and not isinstance(d, bool):
        return d
    dev = _as_device(d)
    if dev.type == "cpu":
        return -1
    return 0 if dev.index is None else int(dev.index)


def _is_namedtuple(obj: Any) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_asdict") and hasattr(obj, "_fields")


def _to(obj: Any, device: Any) -> Any:
    if isinstance(obj, Tensor):
        return obj.to(device)
    if _is_namedtuple(obj):
        return type(obj)(*(_to(o, device) for o in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: _to(v, device) for k, v in obj.items()}
    return obj


def scatter(inputs: Any, target_gpus: Sequence[Any], dim: int = 0) -> list[Any]:
    """Split every tensor in ``inputs`` into one chunk per device along ``dim`` (others are copied by
    reference); returns one structure like ``inputs`` per device that got a chunk."""
    devices = [_as_device(d) for d in target_gpus]

    def scatter_map(obj: Any) -> list[Any]:
        if isinstance(obj, Tensor):
            # NOTE: chunk, as PyTorch's comm.scatter: a batch smaller than the device count feeds fewer devices
            return [c.to(d) for c, d in zip(obj.chunk(len(devices), dim), devices)]
        if _is_namedtuple(obj):
            return [type(obj)(*args) for args in zip(*map(scatter_map, obj))]
        if isinstance(obj, tuple) and len(obj) > 0:
            return list(zip(*map(scatter_map, obj)))
        if isinstance(obj, list) and len(obj) > 0:
            return [list(i) for i in zip(*map(scatter_map, obj))]
        if isinstance(obj, dict) and len(obj) > 0:
            return [type(obj)(i) for i in zip(*map(scatter_map, obj.items()))]
        return [obj for _ in devices]

    return scatter_map(inputs)


def scatter_kwargs(inputs: tuple[Any, ...], kwargs: dict[str, Any] | None, target_gpus: Sequence[Any],
                   dim: int = 0) -> tuple[tuple[Any, ...], tuple[dict[str, Any], ...]]:
    """``scatter`` of the positional and keyword arguments, padded to the same number of devices."""
    scattered_inputs = scatter(inputs, target_gpus, dim) if inputs else []
    scattered_kwargs = scatter(kwargs, target_gpus, dim) if kwargs else []
    if len(scattered_inputs) < len(scattered_kwargs):
        scattered_inputs.extend(() for _ in range(len(scattered_kwargs) - len(scattered_inputs)))
    elif len(scattered_kwargs) < len(inputs):
        scattered_kwargs.extend({} for _ in range(len(scattered_inputs) - len(scattered_kwargs)))
    return tuple(scattered_inputs), tuple(scattered_kwargs)


def _replica_of(module: Module) -> Module:
    """A shallow copy of ``module`` sharing its code, hooks and attributes, with its own dicts."""
    own = getattr(module, "_replicate_for_data_parallel", None)
    if own is not None:
        # a module that cannot be replicated (a lazy one before its first forward) says so here
        copy = own()
        if copy is not None:
            return copy
    replica = object.__new__(type(module))
    d = replica.__dict__
    d.update(module.__dict__)
    # NOTE: replicas' parameters are non-leaf copies, held as plain attributes (PyTorch's replicate): a
    # replica has no Parameters of its own, so nothing steps or registers them by mistake
    d["_parameters"] = {}
    d["_buffers"] = dict(module._buffers)
    d["_modules"] = dict(module._modules)
    d["_former_parameters"] = {}
    d["_is_replica"] = True
    return replica


def replicate(network: Module, devices: Sequence[Any], detach: bool = False) -> list[Module]:
    """One replica of ``network`` per device, whose parameters and buffers are copies on that device that
    autograd connects to the originals (unless ``detach``)."""
    devs = [_as_device(d) for d in devices]
    modules = list(network.modules())
    index = {id(m): i for i, m in enumerate(modules)}
    copies = [[_replica_of(m) for m in modules] for _ in devs]
    for j, dev in enumerate(devs):
        for i, m in enumerate(modules):
            replica = copies[j][i]
            for name, child in m._modules.items():
                replica._modules[name] = None if child is None else copies[j][index[id(child)]]
            for name, param in m._parameters.items():
                if param is None:
                    replica._parameters[name] = None
                    continue
                p = param.detach().to(dev) if detach else param.to(dev)
                object.__setattr__(replica, name, p)
                replica.__dict__["_former_parameters"][name] = p
            for name, buf in m._buffers.items():
                if buf is None or buf.device == dev:
                    # the first device's replica uses the buffers themselves, so its in-place updates (BatchNorm's
                    # running statistics) reach the module, as PyTorch's Broadcast hands device 0 the originals
                    continue
                # buffers that need no gradient are copied off the graph, as PyTorch's (detach=True)
                replica._buffers[name] = buf.to(dev) if buf.requires_grad and not detach else buf.detach().to(dev)
    return [c[0] for c in copies]


def parallel_apply(modules: Sequence[Module], inputs: Sequence[Any], kwargs_tup: Sequence[dict[str, Any]] | None = None,
                   devices: Sequence[Any] | None = None) -> list[Any]:
    """``modules[i](*inputs[i], **kwargs_tup[i])`` for every i, in order (see the module docstring)."""
    if len(modules) != len(inputs):
        raise AssertionError(f"The number of modules {len(modules)} is not equal to the number of inputs "
                             f"{len(inputs)}")
    kwargs_list = list(kwargs_tup) if kwargs_tup is not None else [{} for _ in modules]
    if len(kwargs_list) != len(modules):
        raise AssertionError(f"The number of modules {len(modules)} is not equal to the number of kwargs "
                             f"{len(kwargs_list)}")
    outputs = []
    for i, (module, inp, kw) in enumerate(zip(modules, inputs, kwargs_list)):
        if not isinstance(inp, (list, tuple)):
            inp = (inp,)
        if devices is not None:
            inp, kw = _to(tuple(inp), _as_device(devices[i])), _to(kw, _as_device(devices[i]))
        outputs.append(module(*inp, **kw))
    return outputs


def gather(outputs: Any, target_device: Any, dim: int = 0) -> Any:
    """Concatenate the per-device ``outputs`` along ``dim`` on ``target_device`` (-1 or "cpu": the CPU)."""
    target = _as_device(target_device)

    def gather_map(outs: Sequence[Any]) -> Any:
        out = outs[0]
        if isinstance(out, Tensor):
            ts = list(outs)
            if dim == 0 and all(t.dim() == 0 for t in ts):
                warnings.warn("Was asked to gather along dimension 0, but all input tensors were scalars; will "
                              "instead unsqueeze and return a vector.", stacklevel=4)
                ts = [t.view(1) for t in ts]
            from ...ops.arrange import cat

            return cat([t.to(target) for t in ts], dim)
        if out is None:
            return None
        if isinstance(out, dict):
            if not all(len(out) == len(d) for d in outs):
                raise ValueError("All dicts must have the same number of keys")
            return type(out)((k, gather_map([d[k] for d in outs])) for k in out)
        if _is_namedtuple(out):
            return type(out)._make(map(gather_map, zip(*outs)))
        return type(out)(map(gather_map, zip(*outs)))

    return gather_map(outputs)


class DataParallel(Module):
    """DataParallel(module, device_ids=None, output_device=None, dim=0): run ``module`` on a batch split
    across several devices of one backend (see the module docstring)."""

    def __init__(self, module: Module, device_ids: Sequence[Any] | None = None, output_device: Any = None,
                 dim: int = 0) -> None:
        super().__init__()
        self.module = module
        resolved = _resolve(device_ids, output_device)
        if resolved is None:
            # no accelerator and no devices named: the module runs as it is (CPU PyTorch's behaviour)
            self.device_ids: list[int] = []
            return
        self.dim = dim
        self.device_type, self.device_ids, self.output_device = resolved
        self.src_device_obj = _device(self.device_type, self.device_ids[0])
        self.module.to(self.src_device_obj)

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """Split the batch across ``device_ids``, run a replica on each part, gather on ``output_device``."""
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError("module must have its parameters and buffers on device "
                                   f"{self.src_device_obj} (device_ids[0]) but found one of them on device: "
                                   f"{t.device}")
        if len(self.device_ids) == 1:
            out = self.module(*_to(inputs, self.src_device_obj), **_to(kwargs, self.src_device_obj))
            if self.output_device != self.device_ids[0]:
                out = _to(out, self._device(self.output_device))
            return out
        scattered, module_kwargs = self.scatter(inputs, kwargs, self.device_ids)
        if not scattered and not module_kwargs:
            scattered, module_kwargs = ((),), ({},)
        replicas = self.replicate(self.module, self.device_ids[:len(scattered)])
        outputs = self.parallel_apply(replicas, scattered, module_kwargs)
        return self.gather(outputs, self.output_device)

    def _device(self, index: int) -> _device:
        return _device("cpu") if index == -1 else _device(self.device_type, index)

    def replicate(self, module: Module, device_ids: Sequence[int]) -> list[Module]:
        """One replica of ``module`` per device of ``device_ids``."""
        return replicate(module, [self._device(i) for i in device_ids], not self._grad_enabled())

    def scatter(self, inputs: tuple[Any, ...], kwargs: dict[str, Any] | None,
                device_ids: Sequence[int]) -> tuple[tuple[Any, ...], tuple[dict[str, Any], ...]]:
        """Split ``inputs`` and ``kwargs`` across ``device_ids`` along ``dim``."""
        return scatter_kwargs(inputs, kwargs, [self._device(i) for i in device_ids], dim=self.dim)

    def parallel_apply(self, replicas: Sequence[Module], inputs: Sequence[Any], kwargs: Any) -> list[Any]:
        """Run each replica on its part of the batch."""
        return parallel_apply(replicas, inputs, kwargs, [self._device(i) for i in self.device_ids[:len(replicas)]])

    def gather(self, outputs: Any, output_device: int) -> Any:
        """Concatenate the replicas' outputs along ``dim`` on ``output_device``."""
        return gather(outputs, self._device(output_device), dim=self.dim)

    @staticmethod
    def _grad_enabled() -> bool:
        from ...autograd.grad_mode import is_grad_enabled

        return is_grad_enabled()


def data_parallel(module: Module, inputs: Any, device_ids: Sequence[Any] | None = None, output_device: Any = None,
                  dim: int = 0, module_kwargs: Any = None) -> Any:
    """The functional form of ``DataParallel``: run ``module`` (already on ``device_ids[0]``) on ``inputs``
    split across ``device_ids``."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    resolved = _resolve(device_ids, output_device)
    if resolved is None:
        return module(*inputs, **(module_kwargs or {}))
    # a DataParallel that does not move the module (PyTorch's data_parallel checks where it is instead)
    dp = DataParallel.__new__(DataParallel)
    Module.__init__(dp)
    dp.module, dp.dim = module, dim
    dp.device_type, dp.device_ids, dp.output_device = resolved
    dp.src_device_obj = _device(dp.device_type, dp.device_ids[0])
    return dp(*inputs, **(module_kwargs or {}))


def _resolve(device_ids: Sequence[Any] | None, output_device: Any) -> tuple[str, list[int], int] | None:
    """``(device type, device indices, output index)`` for DataParallel's arguments, or None when it has no
    devices to use (no accelerator and no device named by type)."""
    device_type = _accelerator_type()
    if device_ids is not None and any(not isinstance(d, int) or isinstance(d, bool) for d in device_ids):
        types = {_as_device(d).type for d in device_ids}
        if len(types) != 1:
            raise ValueError(f"DataParallel: device_ids must name devices of one backend, got {list(device_ids)}")
        device_type = types.pop()
    if device_type is None:
        return None
    if device_ids is None:
        from ...plugins import get_backend

        device_ids = list(range(int(get_backend(device_type).device_count())))
    if not device_ids:
        raise RuntimeError("no available devices were found")
    if output_device is None:
        output_device = device_ids[0]
    ids = [_index(_as_device(d, device_type)) for d in device_ids]
    return device_type, ids, _index(_as_device(output_device, device_type))
