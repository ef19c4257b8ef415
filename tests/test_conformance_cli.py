"""`ember conformance`: the per-area summary, the skips/xfails options, the JSON/JUnit reports, the recorded
pass that `ember info` reads, and the runs that must not pass: an unavailable backend, a run that skips most
of the suite, missing pytest/Hypothesis (each a real `ember` process, on a small slice of the suite)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import ember
from ember import cli
from ember.backend import API_VERSION
from ember.conformance import _report

pytest.importorskip("hypothesis")


def _ember(*args: str, cwd: Path, record: Path, pythonpath: list[Path] = (),  # type: ignore[assignment]
           **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "EMBER_CONFORMANCE_DEFAULT")}
    env["EMBER_CONFORMANCE_RECORD"] = str(record)
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([*map(str, pythonpath), env.get("PYTHONPATH", "")])
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "ember.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture
def wheel_layout(tmp_path: Path) -> Path:
    """A sys.path entry holding `ember` as a plain package, as a wheel install leaves it."""
    # NOTE: an editable install hides `ember` from pytest's scan for the packages of pytest11 plugins;
    # as a plain package, pytest marks it for assert rewriting after the CLI has imported it.
    site = tmp_path / "wheel_site"
    site.mkdir()
    try:
        (site / "ember").symlink_to(Path(ember.__file__).parent, target_is_directory=True)
    except OSError as e:
        pytest.skip(f"cannot create a symlink here: {e}")
    return site


def test_area_of_test_ids() -> None:
    assert _report.area_of("core/conformance/test_autograd.py::test_x[numpy]") == "autograd"
    assert _report.area_of("test_elementwise.py::test_exp[jax]") == "tensor"
    assert _report.area_of("test_nn_layers.py::test_linear[numpy]") == "nn"
    assert _report.area_of("test_optim.py::test_sgd[numpy]") == "optim"
    assert _report.area_of("test_data.py::test_loader[numpy]") == "data"
    assert _report.area_of("test_serialization.py::test_roundtrip[numpy]") == "save/load"


def test_summary_reports_and_skips(tmp_path: Path, wheel_layout: Path) -> None:
    skips = tmp_path / "skips.txt"
    skips.write_text("test_add[numpy]  # skipped by the test\n")
    xfails = tmp_path / "xfails.txt"
    xfails.write_text("test_sub[numpy]  # xfailed by the test\n")
    record = tmp_path / "record.json"
    r = _ember("conformance", "numpy", "-k", "test_add or test_sub or test_backward_simple", "--max-examples", "2",
               "--skips", str(skips), "--xfails", str(xfails), "--json", str(tmp_path / "r.json"),
               "--junitxml", str(tmp_path / "r.xml"), cwd=tmp_path, record=record, pythonpath=[wheel_layout])
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    for area in _report.AREAS:
        assert f"\n{area:<10}" in out, out
    assert "max_examples=2" in out
    # pytest would warn here (see test_pytest_warns_in_the_wheel_layout); `ember conformance` must not
    assert "PytestAssertRewriteWarning" not in out + r.stderr and "warning" not in out
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["backend"] == "numpy" and data["passed"] and data["result"] == "passed" and data["keyword"]
    n, skipped = sum(data["totals"].values()), data["totals"]["skipped"]
    assert f"result: PASSED ({skipped} of {n} tests skipped; selected tests only: not recorded)" in out, out
    by_id = {t["id"].rsplit("::", 1)[-1]: t for t in data["tests"]}
    assert by_id["test_add[numpy]"]["outcome"] == "skipped" and "skipped by the test" in by_id["test_add[numpy]"][
        "message"]
    assert by_id["test_sub[numpy]"]["outcome"] in ("xfailed", "xpassed")
    assert data["areas"]["tensor"]["skipped"] == 1
    assert sum(c["passed"] for c in data["areas"].values()) == data["totals"]["passed"] > 0
    suites = ET.parse(tmp_path / "r.xml").getroot()
    assert int(suites.find("testsuite").get("tests")) == len(data["tests"])  # type: ignore[union-attr]
    assert not record.exists()  # a -k run is not a conformance pass


def test_a_run_that_cannot_start_says_why_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    record = tmp_path / "record.json"
    monkeypatch.setenv("EMBER_CONFORMANCE_RECORD", str(record))
    assert cli.main(["conformance", "numpy", "--skips", str(tmp_path / "missing.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ember conformance: error: no such skips/xfails file") and err.count("\n") == 1
    assert cli.main(["conformance", "no-such-backend"]) == 2
    err = capsys.readouterr().err
    assert "unknown ember backend 'no-such-backend'" in err and "numpy" in err
    with pytest.raises(SystemExit) as exc:
        cli.main(["conformance", "numpy", "--max-examples", "0"])
    assert exc.value.code == 2 and "positive integer" in capsys.readouterr().err
    assert not record.exists()


# A real plugin distribution (module + dist-info with an `ember.backends` entry point) whose device is
# present only when OFFLINE_DEVICE=1, as a GPU backend is on one machine and not on another.
_OFFLINE_PLUGIN = '''
import os

from ember import backend as contract
from ember.backend import Backend
from ember.plugins import hookimpl


class OfflineBackend(Backend):
    name = "offline"
    device_type = "offlinedev"
    install_hint = "pip install ember-offline[driver]"

    def is_available(self):
        return os.environ.get("OFFLINE_DEVICE") == "1"

    def unavailable_reason(self):
        return None if self.is_available() else "no Offline accelerator found"

    def device_count(self):
        return int(self.is_available())

    def versions(self):
        return {"offlinelib": "1.0"}

    def load(self):
        import numpy as np
        for n in contract.REQUIRED + contract.REQUIRED_MUTABLE:
            setattr(self, n, getattr(np, n, None) or (lambda *a, **k: None))


@hookimpl
def ember_register_backends(register):
    register(OfflineBackend())
'''


def test_an_unavailable_backend_is_refused_and_never_conformant(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "ember_offline-1.0.dist-info").mkdir(parents=True)
    (site / "ember_offline.py").write_text(_OFFLINE_PLUGIN)
    (site / "ember_offline-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: ember-offline\n"
                                                                    "Version: 1.0\n")
    (site / "ember_offline-1.0.dist-info" / "entry_points.txt").write_text(
        "[ember.backends]\noffline = ember_offline\n")
    record = tmp_path / "record.json"
    r = _ember("conformance", "offline", cwd=tmp_path, record=record, pythonpath=[site])
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert lines == ["ember conformance: error: backend 'offline' is not available here: no Offline accelerator "
                     "found; install: pip install ember-offline[driver]; nothing was run or recorded"], r.stderr
    assert "passed" not in r.stdout and not record.exists()
    # a pass recorded for these very versions (by an older ember, or before the device went away) ...
    fingerprint = {"ember": ember.__version__, "api_version": API_VERSION, "versions": {"offlinelib": "1.0"}}
    record.write_text(json.dumps({"offline": {"fingerprint": fingerprint, "max_examples": 25, "date": "then",
                                              "counts": {"passed": 900, "failed": 0, "skipped": 10}}}))

    def offline_entry(**env: str) -> dict:
        r = _ember("info", "--json", cwd=tmp_path, record=record, pythonpath=[site], **env)
        assert r.returncode == 0, r.stderr
        return next(b for b in json.loads(r.stdout)["backends"] if b["name"] == "offline")

    # ... counts where the device is present, and never where it is not
    assert offline_entry(OFFLINE_DEVICE="1")["status"] == "conformant"
    entry = offline_entry()
    assert entry["status"] == "unavailable" and entry["conformance"] is None and not entry["available"]


def test_a_run_that_skips_most_of_the_suite_is_incomplete(tmp_path: Path) -> None:
    from ember import plugins

    be = plugins.get_backend("cpu")
    record = tmp_path / "record.json"
    # an older pass for these versions, to be forgotten: an incomplete whole-suite run is no pass
    record.write_text(json.dumps({"numpy": {"fingerprint": _report.fingerprint(be), "max_examples": 25,
                                            "date": "then", "counts": {"passed": 900, "skipped": 10}}}))
    skips = tmp_path / "skips.txt"
    skips.write_text("*numpy]  # skipped by the test\n")
    r = _ember("conformance", "numpy", "--skips", str(skips), "--json", str(tmp_path / "r.json"), cwd=tmp_path,
               record=record)
    assert r.returncode == 1, r.stdout[-3000:] + r.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    tot = data["totals"]
    assert data["result"] == "incomplete" and not data["passed"] and tot["failed"] == 0
    assert f"result: INCOMPLETE: {tot['skipped']} of {sum(tot.values())} tests skipped" in r.stdout
    assert "PASSED" not in r.stdout and "skipped by the test" in r.stdout  # the commonest skip reason is shown
    assert "numpy" not in json.loads(record.read_text())


def test_incomplete_threshold_and_stale_records() -> None:
    assert _report.verdict({"passed": 50, "skipped": 50}, 0) == "passed"  # exactly half: still a pass
    assert _report.verdict({"passed": 49, "skipped": 51}, 0) == "incomplete"
    assert _report.verdict({"passed": 0, "skipped": 0}, 0) == "incomplete"  # ran nothing
    assert _report.verdict({"passed": 24, "skipped": 1070, "failed": 1}, 1) == "failed"  # a failure dominates
    assert _report.verdict({"passed": 24}, 5) == "failed"


# Makes `pytest` and/or `hypothesis` unimportable in the fresh process, as if never installed.
_BLOCKER = '''
import os
import sys

_BLOCKED = set(os.environ["BLOCK_IMPORTS"].split(","))


class _NotInstalled:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] in _BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _NotInstalled)
'''


@pytest.mark.parametrize(("blocked", "named"), [("pytest,_pytest,hypothesis", "pytest and Hypothesis are"),
                                                ("hypothesis", "Hypothesis is")])
def test_missing_test_dependencies_name_the_extra(tmp_path: Path, blocked: str, named: str) -> None:
    (tmp_path / "sitecustomize.py").write_text(_BLOCKER)
    r = _ember("conformance", "numpy", cwd=tmp_path, record=tmp_path / "record.json", pythonpath=[tmp_path],
               BLOCK_IMPORTS=blocked)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"{named} not installed here" in r.stderr and 'pip install "ember[test]"' in r.stderr
    assert "Traceback" not in r.stdout + r.stderr and len(r.stderr.strip().splitlines()) == 1


# pytest.main in a process that has imported ember, reporting each package pytest marks for rewriting
_CONTROL = """
import ember, pytest
from _pytest.assertion.rewrite import AssertionRewritingHook

_mark = AssertionRewritingHook.mark_rewrite


def mark_rewrite(self, *names):
    print("".join(f"marked for rewriting: {n}\\n" for n in names), end="")
    return _mark(self, *names)


AssertionRewritingHook.mark_rewrite = mark_rewrite
pytest.main(["-p", "no:cacheprovider", "--noconftest", "-q", "."])
"""


def test_pytest_warns_in_the_wheel_layout(tmp_path: Path, wheel_layout: Path) -> None:
    # the control for test_summary_reports_and_skips: in this layout, pytest.main in a process that
    # imported ember first does warn, so the absence of the warning there is `ember conformance`'s doing
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    env["PYTHONPATH"] = os.pathsep.join([str(wheel_layout), env.get("PYTHONPATH", "")])
    empty = tmp_path / "empty"
    empty.mkdir()
    r = subprocess.run([sys.executable, "-c", _CONTROL], cwd=empty, env=env, capture_output=True, text=True,
                       timeout=300)
    if "marked for rewriting: ember\n" not in r.stdout:
        # pytest before 9 does not mark a package installed in editable mode for rewriting (pytest #11783),
        # so with such a pytest the warning cannot occur and there is nothing for the CLI to silence
        pytest.skip(f"pytest {pytest.__version__} does not mark the editable `ember` for assert rewriting")
    assert "PytestAssertRewriteWarning: Module already imported so cannot be rewritten; ember" in r.stdout, \
        r.stdout + r.stderr


def test_recorded_pass_makes_a_backend_conformant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from ember import plugins

    monkeypatch.setenv("EMBER_CONFORMANCE_RECORD", str(tmp_path / "record.json"))
    be = plugins.get_backend("cpu")
    assert _report.recorded_pass(be) is None
    assert cli.main(["info"]) == 0
    assert "status:      conformant (ember's CI runs" in capsys.readouterr().out.split("numpy  [plugin")[1]
    # without the first-party CI status, numpy is judged like a plugin: by a recorded pass
    monkeypatch.setattr(type(be), "verified_in_ci", False)
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert "status:      experimental (no conformance pass recorded" in out.split("numpy  [plugin")[1]
    assert _report.record(be, {"passed": 3, "skipped": 1, "xfailed": 0}, 5, passed=True) is not None
    assert _report.recorded_pass(be)["counts"]["passed"] == 3  # type: ignore[index]
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert "status:      conformant (suite passed" in out.split("numpy  [plugin")[1].split("\n  ")[0] + \
        out.split("numpy  [plugin")[1]
    info = cli.collect_info()
    numpy_entry = next(b for b in info["backends"] if b["name"] == "numpy")
    assert numpy_entry["experimental"] is False and numpy_entry["conformance"]["max_examples"] == 5
    # another ember, backend API or library version invalidates the record
    data = json.loads((tmp_path / "record.json").read_text())
    data["numpy"]["fingerprint"]["versions"]["numpy"] = "0.0"
    (tmp_path / "record.json").write_text(json.dumps(data))
    assert _report.recorded_pass(be) is None
    # a failed whole-suite run forgets the pass
    _report.record(be, {}, 5, passed=True)
    _report.record(be, {}, 5, passed=False)
    assert _report.recorded_pass(be) is None


def test_demo_subcommand_still_parses() -> None:
    args = cli._parser().parse_args(["demo"])
    assert args.func is cli._cmd_demo
