"""The pytest plugin behind ``ember.conformance``: backend selection, the ``device`` fixture,
skips/xfails files and Hypothesis settings.

Loaded in every pytest session of an environment where ember is installed (entry point
``pytest11: ember``), so it stays inert unless a test requests the ``device`` or
``backend_name`` fixture: it imports only pytest and the standard library at import time, and
ember's backend registry only when a test needs a backend (never jax or cupy by itself).
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from . import _config

ENV_DEFAULT = "EMBER_CONFORMANCE_DEFAULT"
_SUITE_DIR = Path(__file__).resolve().parent
_SELECTION = pytest.StashKey["list[_Selected]"]()
_RULES = pytest.StashKey["list[tuple[str, re.Pattern[str], str]]"]()


@dataclass(frozen=True)
class _Selected:
    """A backend chosen for this run; ``skip_reason`` is set when it cannot run here."""

    name: str
    device: str
    skip_reason: str | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ember", "ember conformance suite")
    group.addoption(
        "--ember-backend",
        action="append",
        dest="ember_backend",
        metavar="NAME",
        default=None,
        help=f"run the conformance suite on this backend (name or device type); repeatable. Default: "
        f"${ENV_DEFAULT} (comma-separated) or every available backend.",
    )
    group.addoption(
        "--ember-skips",
        action="append",
        dest="ember_skips",
        metavar="FILE",
        default=[],
        help="file of 'test-id-glob  # reason' lines: matching tests are skipped with the reason",
    )
    group.addoption(
        "--ember-xfails",
        action="append",
        dest="ember_xfails",
        metavar="FILE",
        default=[],
        help="file of 'test-id-glob  # reason' lines: matching tests are expected to fail",
    )
    group.addoption(
        "--ember-max-examples",
        dest="ember_max_examples",
        metavar="N",
        type=int,
        default=None,
        help="Hypothesis max_examples for the conformance property tests (default 25)",
    )


def pytest_configure(config: pytest.Config) -> None:
    n = config.getoption("ember_max_examples")
    if n is not None:
        if n < 1:
            raise pytest.UsageError(f"--ember-max-examples must be a positive integer, got {n}")
        _config.MAX_EXAMPLES = n
    rules = []
    for kind, files in (
        ("skip", config.getoption("ember_skips")),
        ("xfail", config.getoption("ember_xfails")),
    ):
        for f in files:
            rules += [(kind, glob, reason) for glob, reason in _read_rules(f)]
    config.stash[_RULES] = [(kind, _glob_regex(glob), reason) for kind, glob, reason in rules]
    # NOTE: validate explicit choices up front so a typo is a usage error, not a skipped run.
    if config.getoption("ember_backend") or os.environ.get(ENV_DEFAULT):
        _selection(config)


def _read_rules(path: str) -> list[tuple[str, str]]:
    """Parse a skips/xfails file: ``glob  # reason`` per line; blank and ``#`` lines ignored."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise pytest.UsageError(f"cannot read ember skips/xfails file {path!r}: {e.strerror}") from e
    rules = []
    for line in text.splitlines():
        glob, _, reason = line.partition("#")
        glob = glob.strip()
        if glob:
            rules.append((glob, reason.strip() or f"listed in {path}"))
    return rules


def _glob_regex(glob: str) -> re.Pattern[str]:
    """``*`` and ``?`` are wildcards; everything else, brackets included, is literal (test ids
    contain ``[backend]``, which fnmatch would read as a character class)."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile("".join(parts) + r"\Z")


def _selection(config: pytest.Config) -> list[_Selected]:
    """The backends this run covers (computed once, on first need)."""
    if _SELECTION in config.stash:
        return config.stash[_SELECTION]
    from ember.plugins import registered_backends

    backends = list(registered_backends().values())
    by_name: dict[str, Any] = {}
    for be in backends:
        by_name.setdefault(be.device_type, be)
        for alias in getattr(be, "aliases", ()):
            by_name.setdefault(alias, be)
    for be in backends:  # names win over device types
        by_name[be.name] = be
    names = config.getoption("ember_backend")
    source = "--ember-backend"
    if not names and os.environ.get(ENV_DEFAULT):
        names = os.environ[ENV_DEFAULT].replace(",", " ").split()
        source = ENV_DEFAULT
    if names:
        chosen = []
        for name in names:
            be = by_name.get(name)
            if be is None:
                known = ", ".join(sorted(be.name for be in backends)) or "none"
                raise pytest.UsageError(
                    f"{source}: unknown ember backend {name!r}; registered backends: {known}"
                )
            if be not in chosen:
                chosen.append(be)
    else:
        chosen = [be for be in backends if _available(be)]
    selected = []
    for be in chosen:
        reason = None
        if not _available(be):
            why = _unavailable_reason(be)
            reason = f"ember backend {be.name!r} is not available" + (f": {why}" if why else "")
        selected.append(_Selected(be.name, be.device_type, reason))
    config.stash[_SELECTION] = selected
    return selected


def _available(be: Any) -> bool:
    try:
        return bool(be.is_available())
    except Exception:  # a broken backend is reported through unavailable_reason
        return False


def _unavailable_reason(be: Any) -> str:
    try:
        return be.unavailable_reason() or ""
    except Exception as e:  # noqa: BLE001 - the reason is best effort
        return f"{type(e).__name__}: {e}"


@pytest.hookimpl(trylast=True)  # after @parametrize marks, so ids read `test_x[float32-numpy]`
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # NOTE: keyed on the private fixture so that a project overriding `device` with its own
    # fixture is left alone.
    if "_ember_backend" not in metafunc.fixturenames:
        return
    params = [
        pytest.param(
            sel, id=sel.name, marks=[pytest.mark.skip(reason=sel.skip_reason)] if sel.skip_reason else []
        )
        for sel in _selection(metafunc.config)
    ]
    metafunc.parametrize("_ember_backend", params, indirect=True, scope="session")


@pytest.fixture(scope="session")
def _ember_backend(request: pytest.FixtureRequest) -> _Selected:
    return request.param


@pytest.fixture(scope="session")
def device(_ember_backend: _Selected) -> str:
    """The device string of the backend under test ("cpu", "cuda", "jax", ...)."""
    return _ember_backend.device


@pytest.fixture(scope="session")
def backend_name(_ember_backend: _Selected) -> str:
    """The name of the backend under test ("numpy", "cupy", "jax", ...)."""
    return _ember_backend.name


def _declared_rules(config: pytest.Config) -> dict[str, list[tuple[str, re.Pattern[str], str]]]:
    """Rules from the skips/xfails files a selected backend declares (``conformance_skips`` /
    ``conformance_xfails`` attributes), by backend name: they apply to that backend's tests only."""
    if _SELECTION not in config.stash:
        return {}
    from ember.plugins import registered_backends

    by_name = {be.name: be for be in registered_backends().values()}
    out: dict[str, list[tuple[str, re.Pattern[str], str]]] = {}
    for sel in config.stash[_SELECTION]:
        be = by_name.get(sel.name)
        for kind, attr in (("skip", "conformance_skips"), ("xfail", "conformance_xfails")):
            path = getattr(be, attr, None)
            if path:
                out.setdefault(sel.name, []).extend(
                    (kind, _glob_regex(glob), f"{reason} (declared by the {sel.name} backend)")
                    for glob, reason in _read_rules(str(path)))
    return out


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rules = config.stash.get(_RULES, [])
    declared = _declared_rules(config)
    if not rules and not declared:
        return
    for item in items:
        nodeid = item.nodeid
        keys = (nodeid, nodeid.rsplit("/", 1)[-1], item.name)
        callspec = getattr(item, "callspec", None)
        sel = callspec.params.get("_ember_backend") if callspec is not None else None
        own = declared.get(sel.name, []) if isinstance(sel, _Selected) else []
        for kind, glob, reason in [*rules, *own]:
            if any(glob.match(k) for k in keys):
                item.add_marker(
                    pytest.mark.skip(reason=reason)
                    if kind == "skip"
                    else pytest.mark.xfail(reason=reason, strict=False)
                )
                break


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    sel = config.stash.get(_SELECTION, None)
    if not sel:
        return
    names = ", ".join(s.name + (" (unavailable)" if s.skip_reason else "") for s in sel)
    terminalreporter.write_line(f"ember conformance backends: {names}")


# --- collection of the suite's own modules -------------------------------------------------------
# NOTE: in a source checkout `ember` is mapped onto `core/`, so pytest's path-based import would
# import the suite as `core.conformance.test_x`, loading a second copy of ember under the name
# `core`. The suite's package directories are collected here instead and imported by their
# package name.


def _in_suite(path: Path) -> bool:
    try:
        return path.resolve() == _SUITE_DIR
    except OSError:
        return False


class _SuitePackage(pytest.Package):
    """The suite's package directory (or an ancestor in ember): nothing to import at setup."""

    def setup(self) -> None:
        pass


class _SuiteModule(pytest.Module):
    """A test module of the suite, imported as ``ember.conformance.<name>``."""

    def _getobj(self) -> Any:
        mod = importlib.import_module(f"{__package__}.{self.path.stem}")
        self.config.pluginmanager.consider_module(mod)
        return mod


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if (path / "__init__.py").is_file():
        try:
            inside = path.resolve() == _SUITE_DIR or path.resolve() in _SUITE_DIR.parents
        except OSError:
            return None
        if inside:
            return _SuitePackage.from_parent(parent, path=path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    if _in_suite(module_path.parent):
        return _SuiteModule.from_parent(parent, path=module_path)
    return None
