"""The hook-based ``weight_norm``/``remove_weight_norm`` (PyTorch's deprecated ``torch.nn.utils.weight_norm``).

``w = g * v / ||v||``: ``weight`` is replaced by parameters ``weight_g`` and ``weight_v`` and recomputed
by a forward pre-hook before every call. ``nn.utils.parametrizations.weight_norm`` is the modern form.
"""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

from ...tensor import Tensor
from ..parameter import Parameter
from ._hook_reparam import check_initialized, check_no_hook, remove_hook

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm", "norm_except_dim"]

T_module = TypeVar("T_module")


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """The ``pow``-norm of ``v`` over every dim but ``dim`` (kept, size 1 elsewhere); ``dim=-1``: the whole norm."""
    if dim == -1:
        return v.norm(pow)  # type: ignore[no-any-return]
    dims = [d for d in range(v.ndim) if d != dim % max(v.ndim, 1)]
    return (v.abs() ** pow).sum(dims, keepdim=True) ** (1.0 / pow)  # type: ignore[no-any-return]


def _weight_norm(v: Tensor, g: Tensor, dim: int = 0) -> Tensor:
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook that recomputes ``name`` from ``name_g`` and ``name_v``."""

    name: str
    dim: int

    def __init__(self, name: str, dim: int | None) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Any) -> Tensor:
        """``g * v / ||v||`` from the module's current parameters."""
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim)

    @staticmethod
    def apply(module: Any, name: str, dim: int | None) -> WeightNorm:
        """Reparametrize ``module.<name>`` and register the hook."""
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=3)
        check_no_hook(module, WeightNorm, name, "weight_norm")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        check_initialized(weight, WeightNorm, "weight")
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, fn.dim).data))
        module.register_parameter(name + "_v", Parameter(weight.data))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Any) -> None:
        """Fold ``g`` and ``v`` back into one ``name`` parameter."""
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.data))

    def __call__(self, module: Any, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: T_module, name: str = "weight", dim: int | None = 0) -> T_module:
    """Apply weight normalization to ``module.<name>`` (``dim=None``: one norm over the whole tensor).

    Example::

        >>> m = nn.utils.weight_norm(nn.Linear(20, 40))
        >>> m.weight_g.size()
        ember.Size([40, 1])
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo ``weight_norm``: ``name`` becomes one plain parameter again."""
    return remove_hook(module, WeightNorm, name, "weight_norm")
