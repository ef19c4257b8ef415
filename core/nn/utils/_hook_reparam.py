"""What the hook-based reparametrizations (``weight_norm``, ``spectral_norm``) share: finding, refusing a
second, and removing their forward pre-hook, and refusing an uninitialized (lazy) parameter."""

from __future__ import annotations

from typing import Any, TypeVar

T_module = TypeVar("T_module")


def check_no_hook(module: Any, hook_cls: type[Any], name: str, fn_name: str) -> None:
    """PyTorch's error when ``module.<name>`` already carries a ``hook_cls`` hook."""
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, hook_cls) and hook.name == name:
            raise RuntimeError(f"Cannot register two {fn_name} hooks on the same parameter {name}")


def check_initialized(weight: Any, hook_cls: type[Any], what: str) -> None:
    """PyTorch's error for a lazy module's still uninitialized parameter."""
    from ..parameter import UninitializedParameter

    if isinstance(weight, UninitializedParameter):
        raise ValueError(f"The module passed to `{hook_cls.__name__}` can't have uninitialized parameters. Make "
                         f"sure to run the dummy forward before applying {what} normalization")


def remove_hook(module: T_module, hook_cls: type[Any], name: str, fn_name: str) -> T_module:
    """Undo the ``hook_cls`` reparametrization of ``module.<name>`` and drop its hook."""
    hooks = module._forward_pre_hooks  # type: ignore[attr-defined]
    for k, hook in hooks.items():
        if isinstance(hook, hook_cls) and hook.name == name:
            hook.remove(module)
            del hooks[k]
            return module
    raise ValueError(f"{fn_name} of '{name}' not found in {module}")
