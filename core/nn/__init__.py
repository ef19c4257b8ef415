"""``ember.nn``: modules, parameters, layers, ``functional``, ``init``, ``utils``; PyTorch's ``torch.nn``."""

from __future__ import annotations

from . import modules as _modules
from .modules import Module, ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .parameter import Parameter
from . import functional, init, utils
from . import parallel

# NOTE: layers are added to modules/__init__.py by the engineers who write them; re-exporting every
# public class found there keeps `ember.nn.<Layer>` in step with it without a second list to edit.
for _name, _obj in vars(_modules).items():
    if isinstance(_obj, type) and not _name.startswith("_"):
        globals()[_name] = _obj
del _name, _obj

_FACTORY_KEYS = ("device", "dtype", "memory_format")


def factory_kwargs(kwargs: dict[str, object] | None) -> dict[str, object]:
    """The factory keyword arguments (device, dtype, memory_format) in ``kwargs``, merged with its optional
    ``factory_kwargs`` dict; any other key raises ``TypeError``, as in PyTorch."""
    if kwargs is None:
        return {}
    unknown = set(kwargs) - {*_FACTORY_KEYS, "factory_kwargs"}
    if unknown:
        raise TypeError(f"unexpected kwargs {unknown}")
    out = {k: v for k, v in kwargs.items() if k != "factory_kwargs"}
    nested = kwargs.get("factory_kwargs") or {}
    if not isinstance(nested, dict):
        raise TypeError(f"factory_kwargs must be a dict, got {type(nested).__name__}")
    for k, v in nested.items():
        if k not in _FACTORY_KEYS:
            raise TypeError(f"unexpected kwarg {k!r} in factory_kwargs")
        if k in out:
            raise TypeError(f"{k} specified twice, in **kwargs and in factory_kwargs")
        out[k] = v
    return out


__all__ = sorted(
    {n for n, v in globals().items() if isinstance(v, type) and not n.startswith("_")}
    | {"functional", "init", "utils", "factory_kwargs"}
)
