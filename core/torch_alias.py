"""Run a PyTorch program unchanged on ember: ``import torch`` (and ``import torch.nn.functional as F``,
``from torch.utils.data import DataLoader``, ...) resolve to ember's modules of the same name.

    ember run train.py --epochs 1          # the command line
    python -m ember.torch_alias train.py   # the same, as a module

or, in a program that chooses it itself::

    import ember.torch_alias
    ember.torch_alias.install()
    import torch                           # ember

The alias is an import hook (a meta path finder), installed for one process: it changes nothing on disk,
and it refuses to install when the real ``torch`` is already imported, since two libraries answering to
one name would mix tensors of both.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import runpy
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

__all__ = ["install", "uninstall", "installed", "run"]

_PREFIX = "torch"


class _AliasLoader(importlib.abc.Loader):
    """Loads ``torch.x.y`` by importing ``ember.x.y`` and handing back that same module object."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.spec: Any = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        self.spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # the ember module is already executed (running it again under the alias would make a second copy);
        # the import system has just set its __spec__ to the alias's: give it back its own
        module.__spec__ = self.spec


class _TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Finds ``torch`` and ``torch.*`` as ember's modules."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != _PREFIX and not fullname.startswith(_PREFIX + "."):
            return None
        ember_name = "ember" + fullname[len(_PREFIX):]
        try:
            spec = importlib.util.find_spec(ember_name)
        except (ImportError, AttributeError, ValueError):
            spec = None
        if spec is None:
            # e.g. `import torch.onnx` of a name ember lacks: report it under the name the program used
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(ember_name),
                                              is_package=spec.submodule_search_locations is not None)


_finder = _TorchAliasFinder()


def installed() -> bool:
    """Whether ``import torch`` currently resolves to ember in this process."""
    return _finder in sys.meta_path


def install() -> None:
    """Make ``import torch`` (and its submodules) resolve to ember in this process."""
    if installed():
        return
    real = sys.modules.get(_PREFIX)
    if real is not None and not getattr(real, "__name__", "").startswith("ember"):
        raise RuntimeError("the real torch is already imported in this process; install the ember alias before "
                           "anything imports torch (e.g. run the program with `ember run script.py`)")
    sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Remove the alias and forget the aliased module names (``torch`` imports the real PyTorch again)."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name in [n for n in sys.modules if n == _PREFIX or n.startswith(_PREFIX + ".")]:
        if getattr(sys.modules[name], "__name__", "").startswith("ember"):
            del sys.modules[name]


def run(path: str, argv: Sequence[str] = ()) -> None:
    """Run the Python file ``path`` as ``__main__`` with ``sys.argv = [path, *argv]`` and torch aliased to ember."""
    install()
    sys.argv = [path, *argv]
    runpy.run_path(path, run_name="__main__")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ember.torch_alias script.py [args...]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: python -m ember.torch_alias SCRIPT [ARGS...]  (runs SCRIPT with `import torch` as ember)")
        return 0 if args else 2
    run(args[0], args[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
