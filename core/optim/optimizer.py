"""``Optimizer``: the base class of every optimizer, PyTorch's ``torch.optim.Optimizer``.

An optimizer is ``param_groups`` (a list of dicts: ``"params"`` plus that group's
hyper-parameters) and ``state`` (a dict keyed by the parameter tensor itself). Subclasses
implement ``step`` as a pure functional update over lists of tensors, run under ``no_grad``.

Decisions where PyTorch is silent or backend-specific:

- ``foreach``, ``fused`` and ``capturable`` are accepted and kept in the param groups (so
  ``print(optimizer)`` and ``state_dict()`` read as in PyTorch), but ember has one implementation
  whose results do not depend on them. ``differentiable=True`` is not supported.
- ``load_state_dict`` copies the state tensors it is given (cast to the parameter's dtype and
  moved to its device; the float32 CPU scalars ``step`` and NAdam's ``mu_product`` kept as they
  are, ASGD's float32 ``eta`` and ``mu`` kept float32), so a loaded optimizer never shares buffers
  with the state dict, or with the optimizer that produced it, and resumes exactly where the saved
  one stopped.
- A hyper-parameter given as a one-element tensor (``lr``, Adam's ``betas``) is read as the Python
  number it holds. PyTorch keeps a 0-d tensor and so rounds the scalars derived from it (such as
  ``lr / bias_correction``) to that tensor's dtype: with float32 tensors and float64 parameters
  the two differ in about the ninth significant digit.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from copy import deepcopy
from itertools import chain
from typing import Any

from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor
from ._hooks import (
    OptimizerPostHook,
    OptimizerPreHook,
    _OptimizerHooks,
    register_optimizer_step_post_hook,
    register_optimizer_step_pre_hook,
)

__all__ = ["Optimizer", "OptimizerPostHook", "OptimizerPreHook", "ParamsT", "register_optimizer_step_post_hook",
           "register_optimizer_step_pre_hook", "required"]

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]
StateDict = dict[str, Any]


class _RequiredParameter:
    """Marks a hyper-parameter that every param group must give (PyTorch's ``required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj: object) -> str:
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", None) else f"{module}.{cls.__qualname__}"


def _to_scalar(x: float | Tensor) -> float:
    """A Python number for a hyper-parameter that may be given as a one-element tensor."""
    return x.item() if isinstance(x, Tensor) else x


def _dense_grad(grad: Tensor, name: str, hint: str = "") -> Tensor:
    """``grad``, after checking it is not sparse (PyTorch's error for optimizers without a sparse update)."""
    if grad.is_sparse:
        raise RuntimeError(f"{name} does not support sparse gradients{hint}")
    return grad


def _check_lr(lr: float | Tensor) -> None:
    """PyTorch's checks of a learning rate given as a number or a one-element tensor."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


class Optimizer(_OptimizerHooks):
    """Optimizer(params, defaults): base class of all optimizers.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (param groups)
            whose ``"params"`` entry lists the tensors and whose other keys override ``defaults``.
        defaults: the default value of each hyper-parameter.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._init_hooks()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or "
                            "dicts, but got " + _typename(params))
        self.state: defaultdict[Tensor, Any] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups: list[Any] = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_hooks()
        # groups saved by an older version may lack hyper-parameters added since
        for group in self.param_groups:
            for key, value in self.defaults.items():
                if value is not required:
                    group.setdefault(key, value)

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        return "\n".join(lines) + "\n)"

    # -- param groups ---------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a param group (a dict with ``"params"`` and optional hyper-parameters) to ``param_groups``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list "
                            "instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are "
                                 "missing")
            param_group["param_names"] = names

        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required optimization parameter "
                                 + name)
            param_group.setdefault(name, default)
        if param_group.get("differentiable"):
            raise NotImplementedError("ember optimizers do not support differentiable=True")

        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this "
                          "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                          "information",
                          stacklevel=3)
        param_set: set[Tensor] = set()
        for group in self.param_groups:
            param_set.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not param_set.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # -- gradients and steps --------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors (to ``None`` by default, else to zeros)."""
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if grad.grad_fn is not None:
                        grad.detach_()
                    else:
                        grad.requires_grad_(False)
                    grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the loss."""
        raise NotImplementedError

    @staticmethod
    def _eval_closure(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # -- state dict -----------------------------------------------------------------------------
    def state_dict(self) -> StateDict:
        """The optimizer state: ``{"state": {id: {...}}, "param_groups": [{..., "params": [ids]}]}``.

        Parameters are replaced by integer ids, numbered in order of appearance across groups.
        """
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)
        param_mappings: dict[int, int] = {}
        start_index = 0

        def pack_group(group: dict[str, Any]) -> dict[str, Any]:
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start_index):
                param_mappings.setdefault(id(p), i)
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(param_mappings[id(k)] if isinstance(k, Tensor) else k): v
                        for k, v in self.state.items()}
        state_dict = {"state": packed_state, "param_groups": param_groups}
        for post_hook in self._optimizer_state_dict_post_hooks.values():
            result = post_hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict: StateDict) -> None:
        """Load a state dict made by ``state_dict()``; state tensors follow their parameter's device/dtype."""
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = pre_hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        state: defaultdict[Any, Any] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast(param, v)
            else:
                state[k] = v

        def update_group(group: dict[str, Any], new_group: dict[str, Any]) -> dict[str, Any]:
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})
        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)


# Scalar bookkeeping kept as float32 CPU tensors whatever the parameter. NOTE: PyTorch exempts only
# "step" and casts NAdam's running product (and ASGD's eta and mu, below) to the parameter's dtype, so a
# reloaded NAdam or ASGD drifts from an uninterrupted run; keeping them float32 makes training resume exactly.
_SCALAR_STATE = ("step", "mu_product")
# ASGD's float32 scalars, which live on the parameter's device
_DEVICE_SCALAR_STATE = ("eta", "mu")


def _cast(param: Tensor, value: Any, key: Any = None) -> Any:
    """A copy of ``value`` with its tensors on ``param``'s device (and dtype, for floating ``param``)."""
    if isinstance(value, Tensor):
        if key in _SCALAR_STATE:
            return value.clone()
        if key in _DEVICE_SCALAR_STATE:
            out = value.to(device=param.device)
            return out.clone() if out is value else out
        if param.is_floating_point():
            out = value.to(dtype=param.dtype, device=param.device)
        else:
            out = value.to(device=param.device)
        return out.clone() if out is value else out
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v) for v in value)
    return value
