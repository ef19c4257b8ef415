"""`ember conformance`: the per-area summary, the skips/xfails options, the JSON/JUnit reports and the
recorded pass that `ember info` reads (runs a small slice of the suite in a subprocess, cheaply)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ember import cli
from ember.conformance import _report

pytest.importorskip("hypothesis")


def _ember(*args: str, cwd: Path, record: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "EMBER_CONFORMANCE_DEFAULT")}
    env["EMBER_CONFORMANCE_RECORD"] = str(record)
    return subprocess.run([sys.executable, "-m", "ember.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_area_of_test_ids() -> None:
    assert _report.area_of("core/conformance/test_autograd.py::test_x[numpy]") == "autograd"
    assert _report.area_of("test_elementwise.py::test_exp[jax]") == "tensor"
    assert _report.area_of("test_nn_layers.py::test_linear[numpy]") == "nn"
    assert _report.area_of("test_optim.py::test_sgd[numpy]") == "optim"
    assert _report.area_of("test_data.py::test_loader[numpy]") == "data"
    assert _report.area_of("test_serialization.py::test_roundtrip[numpy]") == "save/load"


def test_summary_reports_and_skips(tmp_path: Path) -> None:
    skips = tmp_path / "skips.txt"
    skips.write_text("test_add[numpy]  # skipped by the test\n")
    xfails = tmp_path / "xfails.txt"
    xfails.write_text("test_sub[numpy]  # xfailed by the test\n")
    record = tmp_path / "record.json"
    r = _ember("conformance", "numpy", "-k", "test_add or test_sub or test_backward_simple", "--max-examples", "2",
               "--skips", str(skips), "--xfails", str(xfails), "--json", str(tmp_path / "r.json"),
               "--junitxml", str(tmp_path / "r.xml"), cwd=tmp_path, record=record)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    for area in _report.AREAS:
        assert f"\n{area:<10}" in out, out
    assert "max_examples=2" in out and "result: PASSED (selected tests only: not recorded)" in out
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["backend"] == "numpy" and data["passed"] and data["keyword"]
    by_id = {t["id"].rsplit("::", 1)[-1]: t for t in data["tests"]}
    assert by_id["test_add[numpy]"]["outcome"] == "skipped" and "skipped by the test" in by_id["test_add[numpy]"][
        "message"]
    assert by_id["test_sub[numpy]"]["outcome"] in ("xfailed", "xpassed")
    assert data["areas"]["tensor"]["skipped"] == 1
    assert sum(c["passed"] for c in data["areas"].values()) == data["totals"]["passed"] > 0
    suites = ET.parse(tmp_path / "r.xml").getroot()
    assert int(suites.find("testsuite").get("tests")) == len(data["tests"])  # type: ignore[union-attr]
    assert not record.exists()  # a -k run is not a conformance pass


def test_a_failing_run_fails_and_is_not_recorded(tmp_path: Path) -> None:
    r = _ember("conformance", "numpy", "--skips", str(tmp_path / "missing.txt"), cwd=tmp_path,
               record=tmp_path / "record.json")
    assert r.returncode == 1 and "no such skips/xfails file" in r.stderr
    r = _ember("conformance", "no-such-backend", cwd=tmp_path, record=tmp_path / "record.json")
    assert r.returncode == 1 and "unknown ember backend 'no-such-backend'" in r.stderr and "numpy" in r.stderr
    r = _ember("conformance", "numpy", "--max-examples", "0", cwd=tmp_path, record=tmp_path / "record.json")
    assert r.returncode == 2 and "positive integer" in r.stderr


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
