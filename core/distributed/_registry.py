"""Which engine serves which device type: ember's own (mpi, jax, nccl) and those plugins register.

A plugin adds one with the hook ``ember_register_process_group_backends(register)`` (see ``ember.plugins``),
calling ``register(EngineSpec(...))``; a plugin whose hook raises is reported with a RuntimeWarning and the
other engines keep working, as with compute backends.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

from ._engine import Engine, EngineSpec, Rendezvous

__all__ = ["engine_specs", "register_engine"]


def _mpi(rank: int, world_size: int, rdzv: Rendezvous | None, timeout: float) -> Engine:
    from ._mpi import create

    return create(rank, world_size, rdzv, timeout)


def _jax(rank: int, world_size: int, rdzv: Rendezvous | None, timeout: float) -> Engine:
    from ._jax import create

    return create(rank, world_size, rdzv, timeout)


def _nccl(rank: int, world_size: int, rdzv: Rendezvous | None, timeout: float) -> Engine:
    from ._nccl import create

    return create(rank, world_size, rdzv, timeout)


_BUILTIN = (
    EngineSpec("mpi", ("cpu",), _mpi, 'pip install "ember[distributed]" (mpi4py and the mpich wheel)'),
    EngineSpec("nccl", ("cuda",), _nccl, 'pip install "ember[cuda12]" nvidia-nccl-cu12 (CuPy with NCCL)'),
    EngineSpec("jax", ("jax",), _jax, 'pip install "ember[jax]"'),
)
_lock = threading.Lock()
_manual: dict[str, EngineSpec] = {}
_from_plugins: dict[str, EngineSpec] | None = None


def register_engine(spec: EngineSpec) -> None:
    """Register a process-group engine by hand (plugins use the hook instead)."""
    if not isinstance(spec, EngineSpec):
        raise TypeError(f"register_engine expects an EngineSpec, got {type(spec).__name__}")
    with _lock:
        _manual[spec.name] = spec


def _plugin_specs() -> dict[str, EngineSpec]:
    global _from_plugins
    if _from_plugins is not None:
        return _from_plugins
    from ..plugins import plugin_manager

    found: dict[str, EngineSpec] = {}
    hook: Any = plugin_manager().hook.ember_register_process_group_backends
    for impl in hook.get_hookimpls():
        got: list[Any] = []
        try:
            impl.function(register=got.append)
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # noqa: BLE001 (a broken plugin must not break ember)
            warnings.warn(f"plugin {impl.plugin_name!r}: ember_register_process_group_backends raised "
                          f"{type(e).__name__}: {e}; its process-group backends are not available",
                          RuntimeWarning, stacklevel=3)
            continue
        for spec in got:
            if isinstance(spec, EngineSpec) and spec.name not in {s.name for s in _BUILTIN}:
                found[spec.name] = spec
            else:
                warnings.warn(f"plugin {impl.plugin_name!r} registered {spec!r}: not an EngineSpec, or a name of "
                              "ember's own engines; ignored", RuntimeWarning, stacklevel=3)
    _from_plugins = found
    return found


def engine_specs() -> dict[str, EngineSpec]:
    """Every registered engine by name: ember's own first, then plugins', then manual registrations."""
    with _lock:
        out = {s.name: s for s in _BUILTIN}
        out.update(_plugin_specs())
        out.update(_manual)
        return out
