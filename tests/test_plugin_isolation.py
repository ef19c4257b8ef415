"""Failure isolation through REAL entry points: each throwaway plugin is a distribution (a module plus a
``*.dist-info`` with ``entry_points.txt``) on a temporary ``sys.path`` entry, discovered by a fresh Python
process exactly as a pip-installed plugin is. In every case ``import ember`` works, the NumPy backend
works, a RuntimeWarning names the plugin and the cause, ``ember info`` shows it, and using the plugin's
device raises a RuntimeError that says why.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# A backend written against ember's public API only; the cases below break it in one way each.
_GOOD = '''
from ember import backend as contract
from ember.backend import Backend
from ember.plugins import hookimpl


class ThrowawayBackend(Backend):
    name = "{name}"
    device_type = "{device_type}"
    api_version = {api_version}

    def is_available(self):
        return True

    def device_count(self):
        return 1

    def load(self):
        import numpy as np
        names = contract.REQUIRED + contract.REQUIRED_MUTABLE
        for n in names[:{n_primitives}]:
            setattr(self, n, getattr(np, n, None) or (lambda *a, **k: None))
'''

_HOOK = '''

@hookimpl
def ember_register_backends(register):
    register(ThrowawayBackend())
'''

_RAISING_HOOK = '''

@hookimpl
def ember_register_backends(register):
    register(ThrowawayBackend())
    raise ValueError("kaboom while registering")
'''

# runs in the fresh process: everything a user would try after installing the plugin
_PROBE = '''
import contextlib, io, json, sys, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import ember
    from ember import cli, plugins
    numpy_ok = (ember.ones(2) * 3).tolist() == [3.0, 3.0]
    device_error = None
    try:
        plugins.get_backend(ember.device(sys.argv[1]).type)
    except RuntimeError as e:
        device_error = str(e)
        try:  # what a user sees: creating a tensor there raises the same clear error
            ember.zeros(2, device=sys.argv[1])
        except RuntimeError as e2:
            assert str(e2) == device_error or "not available" in str(e2), (str(e2), device_error)
        else:
            raise AssertionError("a tensor was created on an unusable device")
    errors = [str(e) for e in plugins.load_errors()]
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    cli.main(["info"])
print(json.dumps({"numpy_ok": numpy_ok, "device_error": device_error, "errors": errors, "info": buf.getvalue(),
                  "warnings": [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]}))
'''


def _distribution(site: Path, dist: str, ep_name: str, module: str, body: str) -> None:
    """Write module ``module`` and a dist-info for ``dist`` whose ``ember.backends`` entry point ``ep_name``
    names it: what ``pip install`` leaves in site-packages."""
    (site / f"{module}.py").write_text(body)
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[ember.backends]\n{ep_name} = {module}\n")


def _backend(name: str, device_type: str, api_version: str = "contract.API_VERSION", n_primitives: int = 10_000,
             hook: str = _HOOK) -> str:
    return _GOOD.format(name=name, device_type=device_type, api_version=api_version,
                        n_primitives=n_primitives) + hook


def _probe(site: Path, device: str, **env_extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    env["EMBER_CONFORMANCE_RECORD"] = str(site / "record.json")
    env.update(env_extra)
    r = subprocess.run([sys.executable, "-c", _PROBE, device], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr  # `import ember` and everything after it survived the plugin
    return json.loads(r.stdout.strip().splitlines()[-1])


def _assert_isolated(out: dict, plugin: str, cause: str) -> None:
    assert out["numpy_ok"]
    assert any(plugin in w and cause in w for w in out["warnings"]), out["warnings"]
    assert any(plugin in e and cause in e for e in out["errors"]), out["errors"]
    info = out["info"]
    assert "plugin load errors" in info and plugin in info and cause in info, info
    assert "numpy  [plugin ember.compute]" in info


def test_plugin_that_fails_to_import(tmp_path: Path) -> None:
    _distribution(tmp_path, "ember-noimport", "noimport", "ember_noimport",
                  'raise ImportError("needs libfoo.so")\n')
    out = _probe(tmp_path, "noimportdev")
    _assert_isolated(out, "noimport", "needs libfoo.so")
    assert "ember-noimport 1.0" in " ".join(out["errors"])  # the distribution to uninstall or fix is named
    assert "Expected one of" in out["device_error"] and "noimport" in out["device_error"]


def test_hook_that_raises(tmp_path: Path) -> None:
    _distribution(tmp_path, "ember-raising", "raising", "ember_raising",
                  _backend("raising", "raisedev", hook=_RAISING_HOOK))
    out = _probe(tmp_path, "raisedev")
    _assert_isolated(out, "raising", "kaboom while registering")
    assert "Device type raisedev is not available" in out["device_error"]
    assert "kaboom while registering" in out["device_error"]


def test_wrong_api_version(tmp_path: Path) -> None:
    _distribution(tmp_path, "ember-oldapi", "oldapi", "ember_oldapi", _backend("oldapi", "olddev", api_version="0"))
    out = _probe(tmp_path, "olddev")
    _assert_isolated(out, "oldapi", "API version 0")
    assert "Device type olddev is not available" in out["device_error"] and "version 0" in out["device_error"]


def test_two_plugins_claim_one_device_type(tmp_path: Path) -> None:
    _distribution(tmp_path, "ember-twin-a", "twin_a", "ember_twin_a", _backend("twin_a", "twin"))
    _distribution(tmp_path, "ember-twin-b", "twin_b", "ember_twin_b", _backend("twin_b", "twin"))
    _distribution(tmp_path, "ember-cpu-thief", "thief", "ember_cpu_thief", _backend("thief", "cpu"))
    out = _probe(tmp_path, "twin")
    # which twin loads first follows entry-point order; the other one is reported, never both silently
    loser = "twin_b" if any("'twin_b'" in e for e in out["errors"]) else "twin_a"
    _assert_isolated(out, loser, "already serves")
    _assert_isolated(out, "thief", "already serves")
    assert out["device_error"] is None  # the winner serves the device
    assert "numpy  [plugin ember.compute]" in out["info"]  # ember's own cpu backend is never displaced


def test_plugin_missing_required_primitives(tmp_path: Path) -> None:
    _distribution(tmp_path, "ember-partial", "partial", "ember_partial",
                  _backend("partial", "partialdev", n_primitives=3))
    out = _probe(tmp_path, "partialdev")
    _assert_isolated(out, "partial", "required primitives")
    assert "Device type partialdev is not available" in out["device_error"]
    assert "full, arange" in out["device_error"]  # names what is missing (REQUIRED[3:])


def test_plugin_registering_a_non_backend(tmp_path: Path) -> None:
    body = "from ember.plugins import hookimpl\n\n@hookimpl\ndef ember_register_backends(register):\n" \
           "    register(object())\n"
    _distribution(tmp_path, "ember-junk", "junk", "ember_junk", body)
    _assert_isolated(_probe(tmp_path, "cpu"), "junk", "not an ember backend")


def test_plugin_with_unknown_hook(tmp_path: Path) -> None:
    body = "from ember.plugins import hookimpl\n\n@hookimpl\ndef ember_register_backend(register):\n    pass\n"
    _distribution(tmp_path, "ember-typo", "typo", "ember_typo", body)
    _assert_isolated(_probe(tmp_path, "cpu"), "typo", "unknown hook")


def test_a_broken_plugin_does_not_stop_a_good_one(tmp_path: Path) -> None:
    _distribution(tmp_path, "ember-noimport", "noimport", "ember_noimport", 'raise ImportError("needs libfoo")\n')
    _distribution(tmp_path, "ember-good", "good", "ember_good", _backend("good", "gooddev"))
    out = _probe(tmp_path, "gooddev")
    _assert_isolated(out, "noimport", "needs libfoo")
    assert out["device_error"] is None
    assert "good  [plugin good]" in out["info"] and "device type: gooddev" in out["info"]
    assert "experimental" in out["info"].split("good  [plugin good]")[1]  # never ran the conformance suite


@pytest.mark.parametrize(("env", "loaded"), [
    ({}, {"good", "other"}),
    ({"EMBER_PLUGINS": "good"}, {"good"}),
    ({"EMBER_PLUGINS": "other, nonexistent"}, {"other"}),
    ({"EMBER_PLUGINS": ""}, set()),
    ({"EMBER_DISABLE_PLUGIN_AUTOLOAD": "1"}, set()),
    ({"EMBER_DISABLE_PLUGIN_AUTOLOAD": "1", "EMBER_PLUGINS": "good"}, set()),
])
def test_allow_list_and_autoload_switch(tmp_path: Path, env: dict[str, str], loaded: set[str]) -> None:
    _distribution(tmp_path, "ember-good", "good", "ember_good", _backend("good", "gooddev"))
    _distribution(tmp_path, "ember-other", "other", "ember_other", _backend("other", "otherdev"))
    code = textwrap.dedent("""
        import ember, json
        from ember import plugins
        print(json.dumps(sorted(plugins.backend_provider(t) for t in plugins.registered_backends())))
    """)
    full = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    full["PYTHONPATH"] = os.pathsep.join([str(tmp_path), full.get("PYTHONPATH", "")])
    full.update(env)
    r = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    providers = set(json.loads(r.stdout)) - {"ember.compute"}
    assert "ember.compute" in json.loads(r.stdout)  # first-party backends always register
    # other installed plugins (e.g. ember-array-api-strict) are outside this test
    assert providers & {"good", "other"} == loaded


# -- hostile plugins: BaseException at import, raising properties, a tryfirst plugin claiming cpu ----------
#
# One throwaway site holds one distribution per failure mode; each subprocess below imports all of them at
# once (a subprocess costs ~1.5 s), and each mode is its own test reading that one run's report.

_RAISING_PROPERTY = '''
from ember.backend import Backend
from ember.plugins import hookimpl


class Hostile(Backend):
    name = "{name}"
    device_type = "{name}dev"

    @property
    def {prop}(self):
        raise RuntimeError("{prop} property exploded")

    def is_available(self):
        return True

    def device_count(self):
        return 1

    def load(self):
        pass


@hookimpl
def ember_register_backends(register):
    register(Hostile())
'''

# ember's own NumPy backend, except that `+` answers 42: the hijack the issue saw (`[42, 42]`)
_CPU_THIEF = '''
import numpy as np
from ember.compute import NumpyBackend
from ember.plugins import hookimpl


class Thief(NumpyBackend):
    name = "{name}"

    def load(self):
        super().load()
        add = self.add
        self.add = lambda x, y, *args, **kwargs: np.full_like(add(x, y, *args, **kwargs), 42)


@hookimpl(tryfirst=True)
def ember_register_backends(register):
    register(Thief())
'''

# mode -> (entry-point name, module body, what the warning must say)
_HOSTILE = {
    "system_exit_at_import": ("sysexit", 'raise SystemExit("sysexit refuses to load")\n',
                              "SystemExit: sysexit refuses to load"),
    "base_exception_at_import": ("boom", 'class Boom(BaseException):\n    pass\n\nraise Boom("boom at import")\n',
                                 "Boom: boom at import"),
    "exception_at_import": ("plainerr", 'raise RuntimeError("plain failure at import")\n',
                            "RuntimeError: plain failure at import"),
    "name_property_raises": ("badname", _RAISING_PROPERTY.format(name="badname", prop="name"),
                             "reading 'name' of its backend"),
    "device_type_property_raises": ("baddt", _RAISING_PROPERTY.format(name="baddt", prop="device_type"),
                                    "reading 'device_type' of its backend"),
    "tryfirst_plugin_claims_cpu": ("cputhief", _CPU_THIEF.format(name="thief"),
                                   "ember's own backend 'numpy' already serves; a plugin serves one of ember's "
                                   "own device types only when asked for by name: set EMBER_BACKEND=cputhief"),
    # a plugin answering to ember's own names can never be selected by them
    "plugin_named_like_ember_backend": ("numpy", _CPU_THIEF.format(name="numpy"), "cannot be selected by name"),
}

_HOSTILE_PROBE = '''
import json, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import ember
    from ember import plugins
    result = ember.ones(2) + ember.ones(2)

    def rediscover():
        raise AssertionError("plugin discovery ran again")

    plugins._collect = rediscover  # from here on, any op that went through discovery fails
    again = (ember.ones(2) + ember.ones(2)).tolist()
    device_errors = {}
    for dev in ("badnamedev", "sysexitdev"):
        try:
            ember.zeros(1, device=dev)
        except RuntimeError as e:
            device_errors[dev] = str(e)
print(json.dumps({
    "result": result.tolist(), "str": str(result), "again": again, "device_errors": device_errors,
    "cpu": [plugins.get_backend("cpu").name, plugins.backend_provider("cpu")],
    "default": str(ember.get_default_device()),
    "warnings": [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)],
}))
'''


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site directory with one installed throwaway distribution per hostile mode."""
    site = tmp_path_factory.mktemp("hostile_site")
    for ep_name, body, _ in _HOSTILE.values():
        _distribution(site, f"ember-hostile-{ep_name}", ep_name, f"ember_hostile_{ep_name}", body)
    return site


def _run_hostile(site: Path, **env_extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    env.update(env_extra)
    r = subprocess.run([sys.executable, "-c", _HOSTILE_PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr  # no plugin ended or broke the user's program
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def hostile_run(hostile_site: Path) -> dict:
    """The report of one fresh process that imports ember with every hostile plugin installed."""
    return _run_hostile(hostile_site)


@pytest.mark.parametrize("mode", list(_HOSTILE))
def test_hostile_plugin_is_reported_and_skipped(hostile_run: dict, mode: str) -> None:
    ep_name, _, cause = _HOSTILE[mode]
    # ember's own NumPy backend computed the sum: not 42s, not a crash
    assert hostile_run["result"] == [2.0, 2.0] and hostile_run["str"] == "tensor([2., 2.])"
    assert hostile_run["cpu"] == ["numpy", "ember.compute"]
    blamed = [w for w in hostile_run["warnings"] if f"backend plugin {ep_name!r}" in w]
    assert blamed, hostile_run["warnings"]
    # the warning names the entry point, its distribution and what the plugin did
    assert any(f"ember-hostile-{ep_name} 1.0" in w and cause in w for w in blamed), blamed
    # no warning blames ember's own backends for what a plugin did
    assert not any("'ember.compute'" in w for w in hostile_run["warnings"]), hostile_run["warnings"]


def test_hostile_plugins_leave_the_hot_path_alone(hostile_run: dict) -> None:
    # the probe replaced plugins._collect with a function that raises after the first op
    assert hostile_run["again"] == [2.0, 2.0]
    assert hostile_run["default"] == "cpu"


def test_device_of_a_skipped_backend_says_why(hostile_run: dict) -> None:
    err = hostile_run["device_errors"]["badnamedev"]
    assert "Device type badnamedev is not available" in err and "'badname'" in err
    assert "name property exploded" in err
    # a plugin that never imported declared no device type: the error lists what failed to load
    err = hostile_run["device_errors"]["sysexitdev"]
    assert "Expected one of" in err and "sysexit refuses to load" in err


@pytest.mark.parametrize("requested", ["cputhief", "THIEF"])  # the entry-point name or the backend name
def test_plugin_serves_cpu_when_asked_for_by_name(hostile_site: Path, requested: str) -> None:
    out = _run_hostile(hostile_site, EMBER_BACKEND=requested)
    assert out["cpu"] == ["thief", "cputhief"] and out["default"] == "cpu"
    assert out["result"] == [42.0, 42.0]  # the plugin the user asked for did the addition
    assert not any("'cputhief'" in w for w in out["warnings"]), out["warnings"]
    # the others are still refused (the look-alike against whichever cpu backend came first: entry-point order)
    assert any("backend plugin 'numpy'" in w and "already serves" in w for w in out["warnings"]), out["warnings"]
    assert any("'sysexit'" in w and "SystemExit" in w for w in out["warnings"])


def test_ember_own_backend_name_never_selects_a_plugin(hostile_site: Path) -> None:
    out = _run_hostile(hostile_site, EMBER_BACKEND="numpy")
    assert out["cpu"] == ["numpy", "ember.compute"] and out["result"] == [2.0, 2.0]
    assert any("backend plugin 'numpy'" in w and "cannot be selected by name" in w for w in out["warnings"])


def test_keyboard_interrupt_in_a_plugin_still_interrupts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ctrl-C while plugins import must stop the program, as it would anywhere else (PyTorch users expect it)
    from ember import plugins

    _distribution(tmp_path, "ember-ctrlc", "ctrlc", "ember_hostile_ctrlc", "raise KeyboardInterrupt\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("EMBER_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("EMBER_PLUGINS", raising=False)
    plugins.reset()
    try:
        with pytest.raises(KeyboardInterrupt):
            plugins.registered_backends()
    finally:
        plugins.reset()
    monkeypatch.setenv("EMBER_PLUGINS", "")  # the same install, with the plugin not loaded, works
    assert plugins.get_backend("cpu").name == "numpy"
    plugins.reset()


def test_program_replaces_ember_cpu_backend_only_explicitly() -> None:
    # the programmatic opt-in documented in docs/plugins.md: unregister ember's backend, then register yours
    import ember
    from ember import plugins
    from ember.compute import NumpyBackend

    class Mine(NumpyBackend):
        name = "mine"

    plugins.reset()
    try:
        with pytest.raises(RuntimeError, match=r"ember's own backend 'numpy' already serves; call "
                                               r"ember\.plugins\.unregister_backend\('cpu'\) first"):
            plugins.register_backend(Mine())
        assert plugins.unregister_backend("cpu") is not None
        mine = Mine()
        plugins.register_backend(mine)
        assert plugins.get_backend("cpu") is mine
        assert (ember.ones(2) + ember.ones(2)).tolist() == [2.0, 2.0]
    finally:
        plugins.reset()
    assert plugins.get_backend("cpu").name == "numpy"  # reset() restores ember's own backend
