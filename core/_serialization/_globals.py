"""The ``weights_only`` allowlist: ``add_safe_globals``, ``safe_globals``, ``get_safe_globals``,
``clear_safe_globals``, and PyTorch's ``UnpicklingError`` for a class that is not on it."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals"]

SafeGlobal = Callable[..., Any] | tuple[Callable[..., Any], str]

_marked: set[Any] = set()


def add_safe_globals(safe_globals: list[SafeGlobal]) -> None:
    """Marks the given classes as safe for ``weights_only`` load (each a class or ``(class, "module.qualname")``)."""
    global _marked
    _marked = _marked.union(set(safe_globals))


def get_safe_globals() -> list[SafeGlobal]:
    """Returns the list of user-added globals that are safe for ``weights_only`` load."""
    return list(_marked)


def clear_safe_globals() -> None:
    """Clears the list of globals that are safe for ``weights_only`` load."""
    global _marked
    _marked = set()


class safe_globals:
    """Context-manager that adds certain globals as safe for ``weights_only`` load."""

    def __init__(self, safe_globals: list[SafeGlobal]) -> None:
        self.safe_globals = safe_globals

    def __enter__(self) -> None:
        add_safe_globals(self.safe_globals)

    def __exit__(self, type: Any, value: Any, tb: Any) -> None:
        global _marked
        _marked = _marked.difference(set(self.safe_globals))


def global_name(obj: Any) -> str:
    """A class's name in a checkpoint: ``{module}.{qualname}``."""
    return f"{obj.__module__}.{obj.__qualname__}"


def allowed() -> dict[str, Any]:
    """Checkpoint name -> allowlisted object."""
    out: dict[str, Any] = {}
    for g in _marked:
        if isinstance(g, tuple):
            out[g[1]] = g[0]
        else:
            out[global_name(g)] = g
    return out


def weights_only_error(name: str) -> pickle.UnpicklingError:
    """PyTorch's error for a checkpoint global that ``weights_only=True`` may not load."""
    # NOTE: PyTorch's text (torch 2.13) with ember's names; point (1) says ember follows PyTorch's default.
    return pickle.UnpicklingError(
        "Weights only load failed. This file can still be loaded, to do so you have two options, \x1b[1mdo "
        "those steps only if you trust the source of the checkpoint\x1b[0m. \n\t(1) As in PyTorch 2.6 and "
        "later, the default value of the `weights_only` argument in `ember.load` is `True`. Re-running "
        "`ember.load` with `weights_only` set to `False` will likely succeed, but it can result in arbitrary "
        "code execution. Do it only if you got the file from a trusted source.\n\t(2) Alternatively, to load "
        "with `weights_only=True` please check the recommended steps in the following error message.\n\t"
        f"WeightsUnpickler error: Unsupported global: GLOBAL {name} was not an allowed global by default. "
        f"Please use `ember.serialization.add_safe_globals([{name}])` or the "
        f"`ember.serialization.safe_globals([{name}])` context manager to allowlist this global if you trust "
        "this class/function.\n\nCheck the documentation of ember.load (docs/serialization.md) to learn more "
        "about types accepted by default with weights_only.")
