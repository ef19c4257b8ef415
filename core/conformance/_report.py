"""Conformance results: the per-area summary, the JSON report and the recorded passes behind ``ember info``.

A backend is *conformant* on this machine when it is available here and ``ember conformance NAME`` ran the
whole suite against it with no failure, no error and at most half of the tests skipped (a run that skips
more is *incomplete*), for the ember version, backend API version and library versions installed now. The
run is recorded in a small JSON file (``$EMBER_CONFORMANCE_RECORD``, else
``$XDG_CACHE_HOME/ember/conformance.json``, else ``~/.cache/ember/conformance.json``); any other available
backend, or one whose versions changed since its recorded pass, is listed as *experimental* by ``ember info``.
Only the standard library is imported here, so ``ember info`` stays cheap.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

#: the areas of the summary, in print order
AREAS = ("tensor", "autograd", "nn", "optim", "data", "save/load")
#: test-module name prefixes of each area; every other module of the suite counts as "tensor"
_PREFIXES = (
    ("autograd", ("test_autograd", "test_grad", "test_function")),
    ("nn", ("test_nn", "test_functional", "test_module", "test_layers", "test_loss", "test_init")),
    ("optim", ("test_optim", "test_lr_scheduler", "test_scheduler")),
    ("data", ("test_data", "test_dataloader", "test_dataset", "test_sampler", "test_transforms")),
    ("save/load", ("test_serialization", "test_save", "test_load", "test_checkpoint")),
)
OUTCOMES = ("passed", "failed", "skipped", "xfailed", "xpassed")
#: a run that skipped more than this fraction of its tests is INCOMPLETE, never a pass
# NOTE: ember's own backends skip under 3% (PyTorch parity tests without PyTorch, declared dtype gaps);
# a run that skips most of the suite, as on a backend that cannot run here, has checked almost nothing.
MAX_SKIPPED_FRACTION = 0.5


def incomplete(totals: dict[str, int]) -> bool:
    """Whether a run with these outcome counts skipped too much to count as a pass (or ran nothing)."""
    ran = sum(int(totals.get(o, 0)) for o in OUTCOMES)
    skipped = int(totals.get("skipped", 0))
    return int(totals.get("passed", 0)) == 0 or skipped > MAX_SKIPPED_FRACTION * ran


def verdict(totals: dict[str, int], exit_status: int) -> str:
    """A run's result: ``"failed"`` (a failure, error or non-zero pytest status), ``"incomplete"`` or ``"passed"``."""
    if exit_status != 0 or totals.get("failed", 0):
        return "failed"
    return "incomplete" if incomplete(totals) else "passed"


def area_of(nodeid: str) -> str:
    """The summary area of a conformance test id (``.../test_autograd.py::test_x[numpy]`` -> ``autograd``)."""
    module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
    for area, prefixes in _PREFIXES:
        if module.startswith(prefixes):
            return area
    return "tensor"


def record_path() -> Path:
    """Where recorded conformance passes are kept."""
    env = os.environ.get("EMBER_CONFORMANCE_RECORD", "").strip()
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(cache) / "ember" / "conformance.json"


def _read() -> dict[str, Any]:
    try:
        data = json.loads(record_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def fingerprint(be: Any) -> dict[str, Any]:
    """What a recorded pass is valid for: ember's version, the backend API version, the backend's libraries."""
    import ember
    from ember.backend import API_VERSION

    try:
        versions = {str(k): str(v) for k, v in (be.versions() or {}).items()}
    except Exception:  # noqa: BLE001 - a broken versions() only makes the record unmatched
        versions = {}
    return {"ember": ember.__version__, "api_version": API_VERSION, "versions": versions}


def recorded_pass(be: Any) -> dict[str, Any] | None:
    """The recorded conformance pass of backend ``be`` valid for the versions installed now, or None."""
    entry = _read().get(getattr(be, "name", ""))
    if not isinstance(entry, dict) or entry.get("fingerprint") != fingerprint(be):
        return None
    counts = entry.get("counts")
    # NOTE: earlier embers recorded runs that skipped nearly everything (an unavailable backend) as passes
    if not isinstance(counts, dict) or incomplete(counts):
        return None
    return entry


def record(be: Any, counts: dict[str, int], max_examples: int, passed: bool) -> Path | None:
    """Record (or, when not ``passed``, forget) backend ``be``'s conformance pass; the file written, or None."""
    path = record_path()
    data = _read()
    if passed:
        data[be.name] = {"fingerprint": fingerprint(be), "counts": counts, "max_examples": max_examples,
                         "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    elif data.pop(be.name, None) is None:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        return None
    return path


class Collector:
    """A pytest plugin that tallies the outcome of each conformance test by area."""

    def __init__(self) -> None:
        self.tests: dict[str, dict[str, str]] = {}

    def pytest_runtest_logreport(self, report: Any) -> None:
        """Fold one phase's report into its test's outcome (a failing setup or teardown is a failure)."""
        nodeid = report.nodeid
        entry = self.tests.setdefault(nodeid, {"id": nodeid, "area": area_of(nodeid), "outcome": "passed",
                                               "message": ""})
        xfail = hasattr(report, "wasxfail")
        if report.failed:
            entry["outcome"] = "xpassed" if xfail else "failed"  # strict xpass is reported as failed
            text = str(getattr(report, "longreprtext", "") or "").strip()
            entry["message"] = text.splitlines()[-1] if text else ""
        elif report.skipped and entry["outcome"] != "failed":
            entry["outcome"] = "xfailed" if xfail else "skipped"
            if xfail:
                entry["message"] = str(report.wasxfail)
            elif isinstance(report.longrepr, tuple):
                entry["message"] = str(report.longrepr[2]).removeprefix("Skipped: ")
        elif report.when == "call" and xfail and entry["outcome"] == "passed":
            entry["outcome"] = "xpassed"

    def counts(self) -> dict[str, dict[str, int]]:
        """Outcome counts per area (every area present, zero when the suite has no test there)."""
        out = {area: dict.fromkeys(OUTCOMES, 0) for area in AREAS}
        for t in self.tests.values():
            out[t["area"]][t["outcome"]] += 1
        return out


def totals(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    """Outcome counts summed over the areas."""
    return {o: sum(c[o] for c in counts.values()) for o in OUTCOMES}


def format_summary(counts: dict[str, dict[str, int]]) -> str:
    """The per-area table ``ember conformance`` prints."""
    cols = ("passed", "failed", "skipped", "xfailed")
    lines = [f"{'area':<10}" + "".join(f"{c:>9}" for c in cols)]
    for area in AREAS:
        c = counts[area]
        note = "   (no tests in the suite yet)" if not any(c.values()) else ""
        lines.append(f"{area:<10}" + "".join(f"{c[k]:>9}" for k in cols) + note)
    t = totals(counts)
    lines.append(f"{'total':<10}" + "".join(f"{t[k]:>9}" for k in cols))
    if t["xpassed"]:
        lines.append(f"({t['xpassed']} listed as expected failures passed)")
    return "\n".join(lines)
