"""Backend plugin discovery: broken plugins are reported, never fatal; the registry and default device.

Plugins are registered with ember's pluggy plugin manager in a fixture and unregistered after
(the datasette/llm pattern); an entry point that fails to import is a real temporary distribution.
"""

from __future__ import annotations

import os
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import ember
from ember import backend as contract
from ember import cli, plugins
from ember.backend import Backend


class FakeBackend(Backend):
    """A backend whose load() binds no-op primitives: all of them unless ``only`` names a few."""

    name = "fake"
    device_type = "fake"

    def __init__(self, device_type: str = "fake", name: str = "fake", only: tuple[str, ...] | None = None,
                 api_version: int = contract.API_VERSION, available: bool = True) -> None:
        self.device_type, self.name, self.only, self.api_version = device_type, name, only, api_version
        self.available = available
        self.loads = 0

    def is_available(self) -> bool:
        return self.available

    def unavailable_reason(self) -> str | None:
        return None if self.available else "FakeLib is not installed"

    def device_count(self) -> int:
        return 1

    def load(self) -> None:
        self.loads += 1
        names = self.only if self.only is not None else contract.REQUIRED + contract.REQUIRED_MUTABLE
        for n in names:
            setattr(self, n, lambda *args, **kwargs: None)


@pytest.fixture
def add_plugin() -> Iterator[Callable[[str, Callable[..., Any]], None]]:
    """Register a throwaway plugin module whose ember_register_backends is ``hook``; all undone after."""
    pm = plugins.plugin_manager()
    added: list[str] = []

    def add(name: str, hook: Callable[..., Any]) -> None:
        module = types.ModuleType(name)
        module.ember_register_backends = plugins.hookimpl(hook)  # type: ignore[attr-defined]
        pm.register(module, name=name)
        added.append(name)

    yield add
    for name in added:
        if pm.has_plugin(name):
            pm.unregister(name=name)
    plugins.reset()


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    plugins.reset()
    yield
    plugins.reset()


def info_text(capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert cli.main(["info"]) == 0
    return capsys.readouterr().out


def assert_survived(capsys: pytest.CaptureFixture[str], plugin: str, cause: str) -> None:
    """ember and its numpy backend still work; the problem is in load_errors() and in `ember info`."""
    assert plugins.get_backend("cpu").name == "numpy"
    assert (ember.tensor([1.0, 2.0]) + 1).tolist() == [2.0, 3.0]
    errors = [e for e in plugins.load_errors() if e.plugin == plugin]
    assert errors and cause in errors[0].message, plugins.load_errors()
    out = info_text(capsys)
    assert plugin in out and cause in out, out


def test_hook_that_raises(add_plugin: Any, capsys: pytest.CaptureFixture[str]) -> None:
    def hook(register: Any) -> None:
        register(FakeBackend("kaboomdev"))
        raise ValueError("kaboom in hook")

    add_plugin("ember_test_raises", hook)
    with pytest.warns(RuntimeWarning, match="ember_test_raises.*kaboom in hook"):
        plugins.load_errors()
    assert_survived(capsys, "ember_test_raises", "kaboom in hook")
    assert "kaboomdev" not in plugins.registered_backends()
    with pytest.raises(RuntimeError, match="ember_test_raises.*kaboom in hook"):
        ember.zeros(2, device="kaboomdev")


def test_wrong_api_version(add_plugin: Any, capsys: pytest.CaptureFixture[str]) -> None:
    add_plugin("ember_test_oldapi", lambda register: register(FakeBackend("olddev", api_version=999)))
    with pytest.warns(RuntimeWarning, match="ember_test_oldapi.*API version 999"):
        plugins.registered_backends()
    assert_survived(capsys, "ember_test_oldapi", "API version 999")
    assert [e.device_type for e in plugins.load_errors() if e.plugin == "ember_test_oldapi"] == ["olddev"]
    with pytest.raises(RuntimeError, match="Device type olddev is not available.*ember_test_oldapi.*999"):
        ember.tensor([1.0], device="olddev")


def test_two_plugins_claim_one_device_type(add_plugin: Any, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = FakeBackend("twin", name="first"), FakeBackend("twin", name="second")
    add_plugin("ember_test_first", lambda register: register(first))
    add_plugin("ember_test_second", lambda register: register(second))
    add_plugin("ember_test_cpu_thief", lambda register: register(FakeBackend("cpu", name="thief")))
    with pytest.warns(RuntimeWarning) as caught:
        plugins.load_errors()
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 2
    assert "'ember_test_cpu_thief'" in messages[0] and "'cpu'" in messages[0] and "numpy" in messages[0]
    assert "'ember_test_second'" in messages[1] and "'twin'" in messages[1] and "serves" in messages[1]
    assert_survived(capsys, "ember_test_second", "already serves")
    assert_survived(capsys, "ember_test_cpu_thief", "already serves")
    # the first registration wins; ember's own backends are registered before any other plugin
    assert plugins.get_backend("twin") is first
    assert plugins.backend_provider("twin") == "ember_test_first"
    assert plugins.registered_backends()["cpu"].name == "numpy"


def test_plugin_missing_primitives(add_plugin: Any, capsys: pytest.CaptureFixture[str]) -> None:
    add_plugin("ember_test_partial", lambda register: register(FakeBackend("partial", only=("add", "zeros"))))
    assert "partial" in plugins.registered_backends()  # registering is fine; loading finds the gap
    with pytest.warns(RuntimeWarning, match="ember_test_partial.*required primitives"):
        with pytest.raises(RuntimeError, match="Device type partial is not available.*empty.*_test_partial"):
            ember.zeros(2, device="partial")
    with pytest.raises(RuntimeError, match="required primitives"):  # still an error, and still not fatal
        plugins.get_backend("partial")
    assert_survived(capsys, "ember_test_partial", "required primitives")


def test_plugin_registering_a_non_backend(add_plugin: Any, capsys: pytest.CaptureFixture[str]) -> None:
    add_plugin("ember_test_class", lambda register: register(FakeBackend))
    add_plugin("ember_test_junk", lambda register: register(object()))
    with pytest.warns(RuntimeWarning) as caught:
        plugins.load_errors()
    messages = sorted(str(w.message) for w in caught)
    assert "'ember_test_class'" in messages[0] and "register an instance" in messages[0]
    assert "'ember_test_junk'" in messages[1] and "not an ember backend" in messages[1]
    assert_survived(capsys, "ember_test_class", "register an instance")
    assert_survived(capsys, "ember_test_junk", "not an ember backend")


def _write_distribution(site: Path, module_body: str) -> None:
    (site / "ember_test_broken_ep.py").write_text(module_body)
    info = site / "ember_test_broken_ep-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ember-test-broken-ep\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[ember.backends]\nbrokenep = ember_test_broken_ep\n")


def test_entry_point_that_fails_to_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    _write_distribution(tmp_path, 'raise ImportError("boom: needs libfoo")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("EMBER_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    plugins.reset()
    with pytest.warns(RuntimeWarning, match="brokenep.*boom: needs libfoo"):
        errors = plugins.load_errors()
    assert "ember-test-broken-ep" in errors[0].message  # the distribution is named
    assert_survived(capsys, "brokenep", "boom: needs libfoo")
    with pytest.raises(RuntimeError, match="Expected one of .*cpu.* device type at start of device string: "
                                           "brokendev.*brokenep.*boom"):
        ember.device("brokendev")

    monkeypatch.setenv("EMBER_DISABLE_PLUGIN_AUTOLOAD", "1")
    plugins.reset()
    assert plugins.load_errors() == []


def test_entry_point_failure_in_a_fresh_process(tmp_path: Path) -> None:
    _write_distribution(tmp_path, 'raise ImportError("boom: needs libfoo")\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    code = "import ember; print((ember.ones(2) * 3).tolist())"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[3.0, 3.0]"
    assert "RuntimeWarning" in r.stderr and "brokenep" in r.stderr and "boom: needs libfoo" in r.stderr
    r = subprocess.run([sys.executable, "-m", "ember.cli", "info"], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert "plugin load errors" in r.stdout and "brokenep" in r.stdout and "boom: needs libfoo" in r.stdout


def test_discovery_runs_once_not_per_op(monkeypatch: pytest.MonkeyPatch) -> None:
    x = ember.tensor([1.0, 2.0])
    plugins.get_backend("cpu")

    def fail() -> None:
        raise AssertionError("discovery ran again")

    monkeypatch.setattr(plugins, "_collect", fail)
    assert (x * 2 + 1).sum().item() == 8.0
    assert ember.device("cpu").type == "cpu"
    assert plugins.get_backend("cpu") is plugins.get_backend("cpu")


def test_register_backend_programmatically() -> None:
    fake = FakeBackend("progdev")
    plugins.register_backend(fake)
    assert plugins.get_backend("progdev") is fake
    assert plugins.get_backend("progdev") is fake and fake.loads == 1
    assert repr(ember.device("progdev:0")) == "device(type='progdev', index=0)"
    with pytest.raises(RuntimeError, match="already serves"):
        plugins.register_backend(FakeBackend("progdev", name="other"))
    assert plugins.unregister_backend("progdev") is fake
    with pytest.raises(RuntimeError, match="Expected one of .* device string: progdev"):
        ember.device("progdev")


def test_unavailable_backend_says_what_to_install() -> None:
    fake = FakeBackend("offdev", available=False)
    fake.install_hint = "ember[fake]"
    plugins.register_backend(fake)
    with pytest.raises(RuntimeError, match=r"Device type offdev is not available: FakeLib is not installed\. "
                                           r"Install it with pip install 'ember\[fake\]'"):
        ember.zeros(1, device="offdev")
    assert fake.loads == 0


def test_aliases_resolve_without_importing_array_libraries() -> None:
    assert plugins.canonical_device_type("cpu") == "cpu"
    if "jax" in plugins.registered_backends():
        assert plugins.canonical_device_type("xla") == "jax"
    with pytest.raises(RuntimeError, match="Expected one of cpu, .* device type at start of device string: "
                                           "nope:0"):
        plugins.canonical_device_type("nope", "nope:0")


# -- the default device ---------------------------------------------------------------------------------


def test_set_default_device() -> None:
    try:
        assert ember.get_default_device() == ember.device("cpu")
        plugins.register_backend(FakeBackend("progdev2"))
        ember.set_default_device("progdev2")
        assert repr(ember.get_default_device()) == "device(type='progdev2', index=0)"
        ember.set_default_device(ember.device("progdev2", 3))
        assert ember.get_default_device() == ember.device("progdev2:3")
        ember.set_default_device("cpu")
        assert repr(ember.get_default_device()) == "device(type='cpu')"
        assert ember.zeros(2).device.type == "cpu"
        ember.set_default_device(None)
        assert ember.get_default_device() == ember.device("cpu")
        with pytest.raises(RuntimeError, match="Expected one of"):
            ember.set_default_device("nope")
    finally:
        ember.set_default_device("cpu")


def _default_in_subprocess(value: str, code: str = "print(repr(ember.get_default_device()))"
                           ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    env["EMBER_BACKEND"] = value
    return subprocess.run([sys.executable, "-c", "import ember\n" + code], env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize(("value", "expected"), [
    ("numpy", "device(type='cpu')"),
    ("cpu", "device(type='cpu')"),
    ("jax", "device(type='jax', index=0)"),
    ("xla", "device(type='jax', index=0)"),
    ("cupy", "device(type='cuda', index=0)"),
    ("cuda:1", "device(type='cuda', index=1)"),
    (" NumPy ", "device(type='cpu')"),
])
def test_ember_backend_selects_the_default_device(value: str, expected: str) -> None:
    r = _default_in_subprocess(value)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == expected


def test_ember_backend_places_new_tensors() -> None:
    pytest.importorskip("jax", reason="the jax backend needs jax")
    r = _default_in_subprocess("jax", "print(ember.zeros(2).device, ember.tensor([1.0]).device)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["jax:0", "jax:0"]


def test_invalid_ember_backend_errors_clearly() -> None:
    r = _default_in_subprocess("tpu9", "print('imported')\nember.zeros(1)")
    assert r.stdout.strip() == "imported"  # import ember itself never fails
    assert r.returncode != 0
    assert "RuntimeError: Invalid EMBER_BACKEND='tpu9': expected a backend name (" in r.stderr
    assert "numpy" in r.stderr and "cuda:1" in r.stderr

