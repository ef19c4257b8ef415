"""Backend discovery, the backend registry and the default device.

Backends reach ember through one pluggy hook, :func:`ember_register_backends`, which receives a
``register`` callback (the datasette/llm style)::

    from ember.plugins import hookimpl

    @hookimpl
    def ember_register_backends(register):
        register(MyBackend())

The first-party backends (module ``ember.compute``, the folder backends/) are registered first; third-party plugins
are modules named by the entry-point group ``ember.backends`` of installed distributions::

    [project.entry-points."ember.backends"]
    mybackend = "ember_mybackend"

Discovery runs once, lazily, the first time a device type is resolved; it imports the plugin
modules but not their array libraries (a backend imports those in ``load()``). A plugin that
fails to import, whose hook raises, that registers something that is not a backend, a backend
of another contract version, or a device type already served, is reported (a ``RuntimeWarning``,
:func:`load_errors` and ``ember info``) and the other backends keep working. Set
``EMBER_DISABLE_PLUGIN_AUTOLOAD=1`` to skip entry points, or ``EMBER_PLUGINS=name,...`` to load only the
entry points of those names (``EMBER_PLUGINS=`` loads none); the first-party backends always register.

After the first use of a device type, :func:`get_backend` is a dict lookup; core also caches the
loaded backend on the device objects tensors carry, so no op ever goes through pluggy.
"""

from __future__ import annotations

import importlib
import os
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pluggy

from . import backend as _contract
from .backend import Backend
from .device import device as _device

__all__ = [
    "ENTRY_POINT_GROUP", "PluginError", "canonical_device_type", "ember_register_backends",
    "get_backend", "get_default_device", "hookimpl", "hookspec", "load_errors", "plugin_manager",
    "register_backend", "registered_backends", "reset", "set_default_device", "unregister_backend",
]

PROJECT = "ember"
#: entry-point group naming third-party backend plugin modules
ENTRY_POINT_GROUP = "ember.backends"
_FIRST_PARTY = f"{__package__}.compute"
_MANUAL = "<register_backend>"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def ember_register_backends(register: Callable[[Backend], None]) -> None:  # type: ignore[empty-body]
    """Register compute backends by calling ``register(backend_instance)`` once per backend."""


class _HookSpecs:
    ember_register_backends = staticmethod(ember_register_backends)


@dataclass(frozen=True)
class PluginError:
    """A backend plugin that could not be used: which plugin, which device type (if known), why."""

    plugin: str
    device_type: str | None
    message: str

    def __str__(self) -> str:
        where = f" (device type {self.device_type})" if self.device_type else ""
        return f"plugin {self.plugin!r}{where}: {self.message}"


@dataclass
class _State:
    pm: pluggy.PluginManager | None = None
    # errors found while importing plugin modules (kept until reset)
    import_errors: list[PluginError] = field(default_factory=list)
    # plugin name -> (plugin object, backends it registered, error), so hooks run once per plugin
    hook_results: dict[str, tuple[object, list[Any], PluginError | None]] = field(default_factory=dict)
    ready: bool = False
    collecting: bool = False
    backends: dict[str, Backend] = field(default_factory=dict)
    providers: dict[str, str] = field(default_factory=dict)
    failed: dict[str, PluginError] = field(default_factory=dict)
    errors: list[PluginError] = field(default_factory=list)
    warned: set[PluginError] = field(default_factory=set)
    manual: list[Backend] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)
    # id -> backend whose load() succeeded; survives re-collection so load() runs once per instance
    loaded_ids: dict[int, Backend] = field(default_factory=dict)
    # backends that registered but whose load() failed or lacks primitives
    load_failures: list[PluginError] = field(default_factory=list)


_S = _State()
_lock = threading.RLock()
# Fast paths, rebound (never mutated) so readers in other threads see a whole dict.
_types: dict[str, str] = {}  # device type or alias -> canonical device type
_loaded: dict[str, Backend] = {}  # device type -> loaded backend
_default: _device | None = None


class _PluginManager(pluggy.PluginManager):
    """A plugin manager that makes the registry re-collect when plugins come or go after discovery."""

    def register(self, plugin: Any, name: str | None = None) -> str | None:
        out = super().register(plugin, name)
        _mark_stale(self)
        return out

    def unregister(self, plugin: Any = None, name: str | None = None) -> Any:
        out = super().unregister(plugin, name)
        _mark_stale(self)
        return out


def _mark_stale(pm: pluggy.PluginManager) -> None:
    global _types, _loaded
    if pm is _S.pm and _S.ready:
        _S.ready = False
        _types, _loaded = {}, {}


def _autoload_disabled() -> bool:
    value = os.environ.get("EMBER_DISABLE_PLUGIN_AUTOLOAD", "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def _allow_list() -> set[str] | None:
    """Entry-point names ``EMBER_PLUGINS`` allows (comma- or space-separated), or None when unset."""
    value = os.environ.get("EMBER_PLUGINS")
    if value is None:
        return None
    return set(value.replace(",", " ").split())


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _register_plugin(pm: pluggy.PluginManager, obj: object, name: str) -> PluginError | None:
    try:
        pm.register(obj, name=name)
    except Exception as e:  # noqa: BLE001 - a broken plugin must not break ember
        return PluginError(name, None, f"could not be registered with pluggy: {_describe(e)}")
    unknown = [hc.name for hc in pm.get_hookcallers(obj) or () if hc.spec is None]
    if unknown:
        return PluginError(name, None, f"implements unknown hook(s) {', '.join(unknown)}; "
                                       "the backend hook is ember_register_backends(register)")
    return None


def _import_plugins(pm: pluggy.PluginManager) -> None:
    errors = _S.import_errors
    try:
        first_party = importlib.import_module(_FIRST_PARTY)
    except Exception as e:  # noqa: BLE001
        errors.append(PluginError(_FIRST_PARTY, None, f"failed to import: {_describe(e)}"))
    else:
        err = _register_plugin(pm, first_party, _FIRST_PARTY)
        if err:
            errors.append(err)
    if _autoload_disabled():
        return
    from importlib.metadata import entry_points

    try:
        eps = list(entry_points(group=ENTRY_POINT_GROUP))
    except Exception as e:  # noqa: BLE001 - a corrupt dist-info must not break ember
        errors.append(PluginError(ENTRY_POINT_GROUP, None, f"reading entry points failed: {_describe(e)}"))
        return
    allowed = _allow_list()
    seen: set[tuple[str, str]] = set()
    for ep in eps:
        if (ep.name, ep.value) in seen or pm.is_blocked(ep.name) or pm.has_plugin(ep.name):
            continue
        if allowed is not None and ep.name not in allowed:
            continue
        seen.add((ep.name, ep.value))
        dist = getattr(ep, "dist", None)
        origin = f"entry point {ep.value!r}" + (f" of {dist.name} {dist.version}" if dist is not None else "")
        try:
            obj = ep.load()
        except Exception as e:  # noqa: BLE001
            errors.append(PluginError(ep.name, None, f"failed to import ({origin}): {_describe(e)}"))
            continue
        err = _register_plugin(pm, obj, ep.name)
        if err:
            errors.append(err)


def plugin_manager() -> pluggy.PluginManager:
    """The pluggy plugin manager of project "ember", with the first-party and installed plugins registered."""
    with _lock:
        if _S.pm is None:
            pm = _PluginManager(PROJECT)
            pm.add_hookspecs(_HookSpecs)
            _S.pm = pm
            _import_plugins(pm)
        return _S.pm


def _ordered_hookimpls(pm: pluggy.PluginManager) -> list[Any]:
    # NOTE: registration order (first-party first), so "first wins" favours ember's own backends;
    # tryfirst/trylast move a plugin to the front/back, as pluggy's markers promise.
    impls = [i for i in pm.hook.ember_register_backends.get_hookimpls() if not (i.hookwrapper or i.wrapper)]
    return sorted(impls, key=lambda i: 0 if i.tryfirst else 2 if i.trylast else 1)


def _call_hook(impl: Any) -> tuple[list[Any], PluginError | None]:
    found: list[Any] = []
    args = {"register": found.append}
    try:
        impl.function(*[args[a] for a in impl.argnames])
    except Exception as e:  # noqa: BLE001
        # backends registered before the hook raised are not used, but their device types are known
        types = sorted({b.device_type for b in found if isinstance(getattr(b, "device_type", None), str)})
        return found, PluginError(impl.plugin_name, types[0] if len(types) == 1 else None,
                                  f"ember_register_backends raised {_describe(e)}")
    return list(found), None


def _problem(be: Any, types: dict[str, str], backends: dict[str, Backend],
             providers: dict[str, str]) -> str | None:
    """Why ``be`` cannot be registered given what is already registered, or None."""
    if isinstance(be, type):
        return f"registered the class {be.__name__}; register an instance instead: register({be.__name__}())"
    needed = ("name", "device_type", "api_version", "is_available", "device_count", "load")
    lacking = [a for a in needed if not hasattr(be, a)]
    if lacking:
        return (f"registered {be!r}, which is not an ember backend (expected an instance of "
                f"ember.backend.Backend; it lacks {', '.join(lacking)})")
    dt = be.device_type
    if not isinstance(dt, str) or not dt or not dt.isidentifier() or dt != dt.lower():
        return (f"backend {be.name!r} declares an invalid device type {dt!r} "
                "(expected a lowercase name such as 'cuda')")
    if be.api_version != _contract.API_VERSION:
        return (f"backend {be.name!r} implements ember backend API version {be.api_version!r}, but this "
                f"ember requires version {_contract.API_VERSION}; install a version of the plugin made for "
                "this ember")
    if types.get(dt) in backends:
        owner = backends[types[dt]]
        return (f"backend {be.name!r} claims device type {dt!r}, which backend {owner.name!r} from plugin "
                f"{providers[types[dt]]!r} already serves (the first registration wins)")
    return None


def _collect() -> None:
    """Run the hooks of every registered plugin and rebuild the registry."""
    global _types, _loaded
    pm = plugin_manager()
    errors = list(_S.import_errors)
    types: dict[str, str] = {}
    backends: dict[str, Backend] = {}
    providers: dict[str, str] = {}
    failed: dict[str, PluginError] = {}

    def add(be: Any, plugin: str) -> None:
        problem = _problem(be, types, backends, providers)
        dt = getattr(be, "device_type", None)
        dt = dt if isinstance(dt, str) and dt else None
        if problem:
            err = PluginError(plugin, dt, problem)
            errors.append(err)
            if dt is not None and dt not in types:
                failed.setdefault(dt, err)
            return
        assert dt is not None
        backends[dt] = be
        providers[dt] = plugin
        types[dt] = dt
        for alias in getattr(be, "aliases", ()) or ():
            if alias in types:
                msg = f"alias {alias!r} of backend {be.name!r} is taken by device type {types[alias]!r}"
                errors.append(PluginError(plugin, dt, msg))
            else:
                types[alias] = dt

    for be in _S.manual:
        add(be, _MANUAL)
    results = {}
    for impl in _ordered_hookimpls(pm):
        cached = _S.hook_results.get(impl.plugin_name)
        if cached is None or cached[0] is not impl.plugin:
            found, err = _call_hook(impl)
            cached = (impl.plugin, found, err)
        results[impl.plugin_name] = cached
        _, found, err = cached
        if err is not None:
            errors.append(err)
            for be in found:
                dt = getattr(be, "device_type", None)
                if isinstance(dt, str) and dt:
                    failed.setdefault(dt, err)
            continue
        for be in found:
            if getattr(be, "device_type", None) in _S.removed:
                continue
            add(be, impl.plugin_name)
    _S.hook_results = results
    for dt in failed:
        types.setdefault(dt, dt)
    _S.backends, _S.providers, _S.errors = backends, providers, errors
    _S.failed = {dt: e for dt, e in failed.items() if dt not in backends}
    _types, _loaded = types, {}
    _S.ready = True
    for err in errors:
        _warn(err)


def _warn(err: PluginError) -> None:
    if err not in _S.warned:
        _S.warned.add(err)
        warnings.warn(f"ember: backend plugin {err.plugin!r} could not be used: {err.message}",
                      RuntimeWarning, stacklevel=3)


def _ensure() -> None:
    if _S.ready:
        return
    with _lock:
        # NOTE: a plugin hook that resolves a device re-enters here; it sees the registry so far.
        if _S.ready or _S.collecting:
            return
        _S.collecting = True
        try:
            _collect()
        finally:
            _S.collecting = False


def _failed_note() -> str:
    unknown = [e for e in _S.errors if e.device_type is None]
    if not unknown:
        return ""
    return " (backend plugins that failed to load: " + "; ".join(str(e) for e in unknown) + ")"


def canonical_device_type(name: str, original: str | None = None) -> str:
    """The canonical device type for a device type or alias ("xla" -> "jax"); RuntimeError if unknown."""
    t = _types.get(name)
    if t is not None:
        return t
    _ensure()
    t = _types.get(name)
    if t is not None:
        return t
    known = ", ".join(_types) or "no"
    raise RuntimeError(f"Expected one of {known} device type at start of device string: "
                       f"{name if original is None else original}{_failed_note()}")


def _install_sentence(hint: str, reason: str) -> str:
    if not hint or hint in reason:
        return ""
    if hint.startswith("pip "):
        return f" Install it with {hint.rstrip('.')}."
    if "pip " in hint:
        return f" {hint.rstrip('.')}."
    cmd = hint if hint[0] in "'\"" else f"'{hint}'"
    return f" Install it with pip install {cmd}."


def unavailable_reason(be: Any) -> str | None:
    """Why a registered backend cannot run here (None when it can), never raising."""
    try:
        if be.is_available():
            return None
    except Exception as e:  # noqa: BLE001
        return f"is_available() raised {_describe(e)}"
    try:
        reason = be.unavailable_reason()
    except Exception as e:  # noqa: BLE001
        reason = f"unavailable_reason() raised {_describe(e)}"
    return reason or f"the {be.name} backend reports no usable device"


def get_backend(device_type: str) -> Backend:
    """The loaded backend serving ``device_type``; RuntimeError saying what to install when unusable."""
    be = _loaded.get(device_type)
    if be is not None:
        return be
    return _load(device_type)


def _load(device_type: str) -> Backend:
    global _loaded
    with _lock:
        _ensure()
        dt = canonical_device_type(device_type)
        be = _S.backends.get(dt)
        if be is None:
            err = _S.failed[dt]
            raise RuntimeError(f"Device type {dt} is not available: backend plugin {err.plugin!r} failed to "
                               f"register it: {err.message}")
        if id(be) not in _S.loaded_ids:
            reason = unavailable_reason(be)
            if reason is not None:
                raise RuntimeError(f"Device type {dt} is not available: {reason.rstrip('.')}."
                                   f"{_install_sentence(getattr(be, 'install_hint', '') or '', reason)}")
            plugin = _S.providers[dt]
            try:
                be.load()
            except Exception as e:
                msg = f"loading the {be.name} backend failed: {_describe(e)}"
                raise _load_failure(plugin, dt, msg) from e
            missing = _contract.missing_primitives(be)
            if missing:
                more = len(missing) - 12
                shown = ", ".join(missing[:12]) + (f" and {more} more" if more > 0 else "")
                raise _load_failure(plugin, dt, f"the {be.name} backend does not implement the required "
                                                f"primitives {shown} (ember backend API version "
                                                f"{_contract.API_VERSION}; see ember.backend.REQUIRED)")
            _S.loaded_ids[id(be)] = be
        _loaded = {**_loaded, dt: be, device_type: be}
        return be


def _load_failure(plugin: str, device_type: str, message: str) -> RuntimeError:
    """Record (once) and warn about a backend that registered but cannot load; the error to raise."""
    err = PluginError(plugin, device_type, message)
    if err not in _S.load_failures:
        _S.load_failures.append(err)
        _warn(err)
    return RuntimeError(f"Device type {device_type} is not available: {message} (backend plugin {plugin!r})")


def registered_backends() -> dict[str, Backend]:
    """The registered backends by device type (not loaded: their array libraries are not imported)."""
    _ensure()
    return dict(_S.backends)


def backend_provider(device_type: str) -> str | None:
    """Name of the plugin that registered the backend of ``device_type``."""
    _ensure()
    return _S.providers.get(device_type)


def load_errors() -> list[PluginError]:
    """Problems met while discovering and registering backend plugins."""
    _ensure()
    return [*_S.errors, *_S.load_failures]


def register_backend(backend: Backend) -> None:
    """Register a backend instance directly (tests, programmatic use); RuntimeError if it cannot be."""
    with _lock:
        _ensure()
        problem = _problem(backend, _types, _S.backends, _S.providers)
        if problem:
            raise RuntimeError(f"cannot register backend: {problem}")
        _S.manual.append(backend)
        _S.ready = False
        _collect()


def unregister_backend(device_type: str) -> Backend | None:
    """Remove the backend serving ``device_type`` (until :func:`reset`); returns it, or None."""
    with _lock:
        _ensure()
        dt = _types.get(device_type, device_type)
        be = _S.backends.get(dt)
        _S.manual = [b for b in _S.manual if b.device_type != dt]
        _S.removed.add(dt)
        _S.ready = False
        _collect()
        return be


def reset() -> None:
    """Forget discovery, registrations and the default device, so all of it reruns on next use (tests)."""
    global _S, _types, _loaded, _default
    with _lock:
        _S = _State()
        _types, _loaded, _default = {}, {}, None


# -- the default device ---------------------------------------------------------------------------------


def _normalize(d: Any) -> _device:
    dev = _device(d)
    if dev.type == "cpu":
        return dev if dev.index is None else _device("cpu")
    return dev if dev.index is not None else _device(dev.type, 0)


def _device_from_env(value: str) -> _device:
    names = {be.name.lower(): dt for dt, be in registered_backends().items()}
    key = value.strip().lower()
    try:
        return _normalize(names.get(key, key))
    except (RuntimeError, TypeError, ValueError) as e:
        raise RuntimeError(
            f"Invalid EMBER_BACKEND={value!r}: expected a backend name "
            f"({', '.join(sorted(names)) or 'none registered'}) or a device string of type "
            f"{', '.join(_types) or 'none registered'}, such as 'cpu', 'cuda:1' or 'jax' ({e})"
        ) from None


def get_default_device() -> _device:
    """The device factory functions use when none is given: ``EMBER_BACKEND`` or cpu, until set."""
    global _default
    d = _default
    if d is None:
        with _lock:
            env = os.environ.get("EMBER_BACKEND", "").strip()
            d = _default = _device_from_env(env) if env else _device("cpu")
    return d


def set_default_device(device: Any) -> None:
    """Make ``device`` (a device, a string such as "cuda:1", or None for cpu) the default device.

    Example: after ``ember.set_default_device("jax")``, ``ember.zeros(2).device`` is
    ``device(type='jax', index=0)``.
    """
    global _default
    _default = _normalize("cpu" if device is None else device)

