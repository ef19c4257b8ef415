"""``ember.utils``: PyTorch's ``torch.utils`` namespace; ``ember.utils.data`` is the module ``ember.data``."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType
from typing import Any

from .. import data

_ALIAS = __name__ + ".data"
_REAL = data.__name__


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, real: str) -> None:
        self.real = real

    def create_module(self, spec: Any) -> ModuleType:
        module = importlib.import_module(self.real)
        self.real_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # Already executed under its real name; the import system has just overwritten __spec__
        # with the alias's, which would break the module's own relative imports.
        module.__spec__ = self.real_spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Resolves ``ember.utils.data.X`` to the module object ``ember.data.X`` (never a second copy)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not fullname.startswith(_ALIAS + "."):
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(_REAL + fullname[len(_ALIAS):]))


sys.modules[_ALIAS] = data
if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())

__all__ = ["data"]
