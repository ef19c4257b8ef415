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
fails to import (any exception, ``SystemExit`` included; only ``KeyboardInterrupt`` goes through, so
Ctrl-C still interrupts), whose hook raises, that registers something that is not a backend, a backend
whose attributes raise when read, a backend of another contract version, or a device type already
served, is reported (a ``RuntimeWarning`` naming the plugin and its distribution, :func:`load_errors`
and ``ember info``) and the other backends keep working. Set ``EMBER_DISABLE_PLUGIN_AUTOLOAD=1`` to skip
entry points, or ``EMBER_PLUGINS=name,...`` to load only the entry points of those names
(``EMBER_PLUGINS=`` loads none); the first-party backends always register.

The first-party hook always runs first (a third-party ``tryfirst`` orders it among plugins only), and the
device types it serves (cpu, cuda, jax) go to a third-party backend only when the user names that
backend or its entry point in ``EMBER_BACKEND``; otherwise the claim is refused and blamed on the plugin.

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
from typing import Any, NamedTuple

import pluggy

from . import backend as _contract
from .backend import Backend
from .device import device as _device

__all__ = [
    "ENTRY_POINT_GROUP", "PluginError", "canonical_device_type", "ember_register_backends",
    "ember_register_process_group_backends",
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


@hookspec
def ember_register_process_group_backends(register: Callable[[Any], None]) -> None:  # type: ignore[empty-body]
    """Register ``ember.distributed`` engines by calling ``register(EngineSpec(...))`` (docs/distributed.md)."""


class _HookSpecs:
    ember_register_backends = staticmethod(ember_register_backends)
    ember_register_process_group_backends = staticmethod(ember_register_process_group_backends)


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
    # entry-point name -> "distribution version", so warnings name what to uninstall or fix
    dists: dict[str, str] = field(default_factory=dict)


_S = _State()
_lock = threading.RLock()
# Fast paths, rebound (never mutated) so readers in other threads see a whole dict.
_types: dict[str, str] = {}  # device type or alias -> canonical device type
_loaded: dict[str, Backend] = {}  # device type -> loaded backend
_default: _device | None = None


class _ThreadDefault(threading.local):
    # NOTE: `set_default_device` and `with ember.device(...)` set the calling thread's default, as
    # PyTorch's do; a thread that never set one (a new thread included) uses the process default,
    # `_default`, read from EMBER_BACKEND once.
    device: _device | None = None


_thread_default = _ThreadDefault()


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


def _requested_backend() -> str | None:
    """The backend or entry-point name ``EMBER_BACKEND`` asks for (stripped, lower-cased), or None."""
    value = os.environ.get("EMBER_BACKEND", "").strip().lower()
    return value or None


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# NOTE: plugin code is called under `except KeyboardInterrupt: raise` + `except BaseException`: a plugin's
# SystemExit (or any BaseException subclass) must not end the user's program, but Ctrl-C during the
# (possibly slow) plugin imports must still interrupt it, as it does everywhere in PyTorch.


def _register_plugin(pm: pluggy.PluginManager, obj: object, name: str) -> PluginError | None:
    try:
        pm.register(obj, name=name)
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: BLE001 - a broken plugin must not break ember
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
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: BLE001
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
        if dist is not None:
            _S.dists[ep.name] = f"{dist.name} {dist.version}"
        origin = f"entry point {ep.value!r}" + (f" of {_S.dists[ep.name]}" if dist is not None else "")
        try:
            obj = ep.load()
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # noqa: BLE001 - SystemExit at import included (see the NOTE above)
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
    # NOTE: the first-party hook always runs first, whatever markers a plugin sets, so ember's own
    # backends hold cpu/cuda/jax before any plugin claims them and a refused claim is blamed on the plugin
    # (a tryfirst plugin claiming cpu used to displace NumPy while the warning blamed ember.compute).
    # Among plugins: registration order, with tryfirst/trylast moving one to the front/back.
    impls = [i for i in pm.hook.ember_register_backends.get_hookimpls() if not (i.hookwrapper or i.wrapper)]

    def rank(i: Any) -> tuple[int, int]:
        return (0 if i.plugin_name == _FIRST_PARTY else 1, 0 if i.tryfirst else 2 if i.trylast else 1)

    return sorted(impls, key=rank)


def _call_hook(impl: Any) -> tuple[list[Any], PluginError | None]:
    found: list[Any] = []
    args = {"register": found.append}
    try:
        impl.function(*[args[a] for a in impl.argnames])
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: BLE001
        # backends registered before the hook raised are not used, but their device types are known
        types = sorted({t for b in found if (t := _facts(b).device_type) is not None})
        return found, PluginError(impl.plugin_name, types[0] if len(types) == 1 else None,
                                  f"ember_register_backends raised {_describe(e)}")
    return list(found), None


class _Facts(NamedTuple):
    """What registration reads from a registered object, read once and never raising."""

    device_type: str | None  # a valid device type, when one could be read
    name: str = ""
    aliases: tuple[str, ...] = ()
    problem: str | None = None  # why the object cannot be a backend, or None


_NEEDED = ("device_type", "name", "api_version", "is_available", "device_count", "load")


def _facts(be: Any) -> _Facts:
    """Read and check what registration needs from ``be``; a problem instead of an exception."""
    if isinstance(be, type):
        return _Facts(None, problem=f"registered the class {be.__name__}; register an instance instead: "
                                    f"register({be.__name__}())")
    kind = f"{type(be).__module__}.{type(be).__qualname__}"
    dt: str | None = None
    try:
        values: dict[str, Any] = {}
        for attr in (*_NEEDED, "aliases"):
            try:
                values[attr] = getattr(be, attr)
            except AttributeError:
                continue
            except KeyboardInterrupt:
                raise
            except BaseException as e:  # noqa: BLE001 - e.g. a `name` property that raises
                return _Facts(dt, problem=f"reading {attr!r} of its backend (an instance of {kind}) raised "
                                          f"{_describe(e)}; make name, device_type and api_version plain "
                                          "class attributes")
            if attr == "device_type":
                raw = values[attr]
                if isinstance(raw, str) and raw and raw.isidentifier() and raw == raw.lower():
                    dt = str(raw)
        lacking = [a for a in _NEEDED if a not in values]
        if lacking:
            return _Facts(dt, problem=f"registered an instance of {kind}, which is not an ember backend "
                                      f"(expected an instance of ember.backend.Backend; it lacks "
                                      f"{', '.join(lacking)})")
        name = values["name"]
        if not isinstance(name, str) or not name:
            return _Facts(dt, problem=f"its backend (an instance of {kind}) has the invalid name {name!r} "
                                      "(expected a non-empty string such as 'mybackend')")
        name = str(name)
        if dt is None:
            return _Facts(None, name, problem=f"backend {name!r} declares an invalid device type "
                                              f"{values['device_type']!r} (expected a lowercase name such "
                                              "as 'cuda')")
        if values["api_version"] != _contract.API_VERSION:
            return _Facts(dt, name, problem=f"backend {name!r} implements ember backend API version "
                                            f"{values['api_version']!r}, but this ember requires version "
                                            f"{_contract.API_VERSION}; install a version of the plugin made "
                                            "for this ember")
        aliases = tuple(values.get("aliases") or ())
        if not all(isinstance(a, str) and a for a in aliases):
            return _Facts(dt, name, problem=f"backend {name!r} declares invalid aliases {aliases!r} "
                                            "(expected a tuple of device-type names such as ('xla',))")
        return _Facts(dt, name, tuple(str(a) for a in aliases))
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: BLE001 - e.g. an api_version whose __ne__ raises
        return _Facts(dt, problem=f"inspecting its backend (an instance of {kind}) raised {_describe(e)}")


def _own_names(types: dict[str, str], backends: dict[str, Backend], providers: dict[str, str]) -> set[str]:
    """Names by which ``EMBER_BACKEND`` means one of ember's own backends, so no plugin may answer to them."""
    own = {dt for dt, by in providers.items() if by == _FIRST_PARTY}
    return {*own, *(backends[dt].name.lower() for dt in own), *(a for a, dt in types.items() if dt in own)}


def _taken(facts: _Facts, plugin: str, types: dict[str, str], backends: dict[str, Backend],
           providers: dict[str, str]) -> str | None:
    """Why the device type of a well-formed backend of ``plugin`` is not free, or None."""
    dt = facts.device_type
    if dt is None or types.get(dt) not in backends:
        return None
    owner, by = backends[types[dt]], providers[types[dt]]
    if by != _FIRST_PARTY:
        return (f"backend {facts.name!r} claims device type {dt!r}, which backend {owner.name!r} from plugin "
                f"{by!r} already serves (the first registration wins)")
    claim = (f"backend {facts.name!r} claims device type {dt!r}, which ember's own backend {owner.name!r} "
             "already serves")
    if plugin == _MANUAL:
        return f"{claim}; call ember.plugins.unregister_backend({dt!r}) first to replace it"
    if types[dt] != dt:
        return f"{claim} (as an alias); a plugin cannot take an alias of ember's own device types"
    names = [n for n in (plugin.lower(), facts.name.lower()) if n not in _own_names(types, backends, providers)]
    if not names:
        return f"{claim}; it cannot be selected by name, since its names are those of ember's own backends"
    return (f"{claim}; a plugin serves one of ember's own device types only when asked for by name: "
            f"set EMBER_BACKEND={names[0]} to use it")


def _problem(be: Any, types: dict[str, str], backends: dict[str, Backend],
             providers: dict[str, str]) -> str | None:
    """Why ``be`` cannot be registered (by :func:`register_backend`) given what is registered, or None."""
    facts = _facts(be)
    return facts.problem or _taken(facts, _MANUAL, types, backends, providers)


def _collect() -> None:
    """Run the hooks of every registered plugin and rebuild the registry."""
    global _types, _loaded
    pm = plugin_manager()
    errors = list(_S.import_errors)
    types: dict[str, str] = {}
    backends: dict[str, Backend] = {}
    providers: dict[str, str] = {}
    failed: dict[str, PluginError] = {}
    requested = _requested_backend()

    def add(be: Any, plugin: str, facts: _Facts) -> None:
        dt = facts.device_type
        problem = facts.problem or _taken(facts, plugin, types, backends, providers)
        if (problem and not facts.problem and dt is not None and types.get(dt) == dt
                and providers.get(dt) == _FIRST_PARTY and plugin not in (_FIRST_PARTY, _MANUAL)
                and requested in {facts.name.lower(), plugin.lower()} - _own_names(types, backends, providers)):
            problem = None  # the user asked for this plugin by name: it replaces ember's own backend
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
        for alias in facts.aliases:
            if alias in types:
                msg = f"alias {alias!r} of backend {facts.name!r} is taken by device type {types[alias]!r}"
                errors.append(PluginError(plugin, dt, msg))
            else:
                types[alias] = dt

    for be in _S.manual:
        add(be, _MANUAL, _facts(be))
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
                dt = _facts(be).device_type
                if dt is not None:
                    failed.setdefault(dt, err)
            continue
        for be in found:
            facts = _facts(be)
            if facts.device_type in _S.removed:
                continue
            add(be, impl.plugin_name, facts)
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
        dist = _S.dists.get(err.plugin, "")
        # the distribution is what the user can uninstall or upgrade; the entry-point name alone may not say
        origin = f" (distribution {dist})" if dist and dist not in err.message else ""
        warnings.warn(f"ember: backend plugin {err.plugin!r}{origin} could not be used: {err.message}",
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
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: BLE001
        return f"is_available() raised {_describe(e)}"
    try:
        reason = be.unavailable_reason()
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: BLE001
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
                try:
                    hint = str(getattr(be, "install_hint", "") or "")
                except KeyboardInterrupt:
                    raise
                except BaseException:  # noqa: BLE001 - the hint only decorates the message
                    hint = ""
                raise RuntimeError(f"Device type {dt} is not available: {reason.rstrip('.')}."
                                   f"{_install_sentence(hint, reason)}")
            plugin = _S.providers[dt]
            try:
                be.load()
                missing = _contract.missing_primitives(be)
            except KeyboardInterrupt:
                raise
            except BaseException as e:  # noqa: BLE001 - a plugin's SystemExit in load() is its failure
                msg = f"loading the {be.name} backend failed: {_describe(e)}"
                raise _load_failure(plugin, dt, msg) from e
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
        _thread_default.device = None


# -- the default device ---------------------------------------------------------------------------------


def _normalize(d: Any) -> _device:
    dev = _device(d)
    if dev.type == "cpu":
        return dev if dev.index is None else _device("cpu")
    return dev if dev.index is not None else _device(dev.type, 0)


def _device_from_env(value: str) -> _device:
    names = {be.name.lower(): dt for dt, be in registered_backends().items()}
    # a plugin's entry-point name selects its backend too, when it registered exactly one
    served: dict[str, list[str]] = {}
    for dt, plugin in _S.providers.items():
        if plugin not in (_FIRST_PARTY, _MANUAL):
            served.setdefault(plugin.lower(), []).append(dt)
    for plugin, dts in served.items():
        if len(dts) == 1:
            names.setdefault(plugin, dts[0])
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
    d = _thread_default.device
    if d is not None:
        return d
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
    _thread_default.device = _normalize("cpu" if device is None else device)

