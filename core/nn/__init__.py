"""``ember.nn``: modules, parameters, layers, ``functional``, ``init``, ``utils``; PyTorch's ``torch.nn``."""

from __future__ import annotations

from . import modules as _modules
from .modules import Module, ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .parameter import Parameter
from . import functional, init, utils

# NOTE: layers are added to modules/__init__.py by the engineers who write them; re-exporting every
# public class found there keeps `ember.nn.<Layer>` in step with it without a second list to edit.
for _name, _obj in vars(_modules).items():
    if isinstance(_obj, type) and not _name.startswith("_"):
        globals()[_name] = _obj
del _name, _obj

__all__ = sorted(
    {n for n, v in globals().items() if isinstance(v, type) and not n.startswith("_")}
    | {"functional", "init", "utils"}
)
