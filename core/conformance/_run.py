"""``ember conformance BACKEND``: run the suite on one backend in this process and summarize it by area."""

from __future__ import annotations

import json
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from . import _config, _report


def _plugin_args() -> list[str]:
    # NOTE: an installed ember loads the suite's pytest plugin through its pytest11 entry point; naming
    # it again with -p would register it twice. From a bare source tree, load it explicitly.
    if any(ep.name == "ember" for ep in entry_points(group="pytest11")):
        return []
    return ["-p", "ember.conformance.plugin"]


def resolve(name: str) -> Any:
    """The registered backend called ``name`` (backend name, device type or alias); RuntimeError if none."""
    from ember import plugins

    backends = plugins.registered_backends()
    for be in backends.values():
        if be.name == name:
            return be
    try:
        return backends[plugins.canonical_device_type(name)]
    except (KeyError, RuntimeError):
        known = ", ".join(sorted(be.name for be in backends.values())) or "none"
        problems = [str(e) for e in plugins.load_errors()]
        more = ("; plugins that failed to load: " + "; ".join(problems)) if problems else ""
        raise RuntimeError(f"unknown ember backend {name!r}; registered backends: {known}{more}") from None


def run(backend: str, *, skips: list[str] = (), xfails: list[str] = (),  # type: ignore[assignment]
        max_examples: int | None = None, junitxml: str | None = None, json_path: str | None = None,
        keyword: str | None = None, verbose: bool = False, record: bool = True) -> int:
    """Run the conformance suite on ``backend``, print the per-area summary; pytest's exit status."""
    import pytest

    be = resolve(backend)
    for f in [*skips, *xfails]:
        if not Path(f).is_file():
            raise FileNotFoundError(f"ember conformance: no such skips/xfails file: {f!r}")
    args = [*_plugin_args(), "--pyargs", "ember.conformance", "--ember-backend", be.name,
            "-p", "no:cacheprovider", "--noconftest", "-q" if not verbose else "-v", "-rfE"]
    for f in skips:
        args += ["--ember-skips", f]
    for f in xfails:
        args += ["--ember-xfails", f]
    if max_examples is not None:
        args += ["--ember-max-examples", str(max_examples)]
    if junitxml:
        args += ["--junitxml", junitxml]
    if keyword:
        args += ["-k", keyword]
    collector = _report.Collector()
    status = int(pytest.main(args, plugins=[collector]))
    counts = collector.counts()
    tot = _report.totals(counts)
    ok = status == 0 and tot["failed"] == 0 and tot["passed"] > 0
    n = max_examples if max_examples is not None else _config.MAX_EXAMPLES
    print(f"\nember conformance: backend {be.name!r} (device type {be.device_type!r}), "
          f"Hypothesis max_examples={n}")
    print(_report.format_summary(counts))
    where = None
    # NOTE: only a whole-suite run counts as a pass; a failing whole run forgets an older pass
    if record and keyword is None and status in (0, 1):
        where = _report.record(be, tot, n, ok)
    if ok:
        print(f"result: PASSED{'' if keyword is None else ' (selected tests only: not recorded)'}"
              + (f"; recorded in {where}: `ember info` lists {be.name} as conformant" if where and ok else ""))
    else:
        print(f"result: FAILED (pytest exit status {status}); `ember info` lists {be.name} as experimental")
    if json_path:
        report = {"backend": be.name, "device_type": be.device_type, "fingerprint": _report.fingerprint(be),
                  "max_examples": n, "keyword": keyword, "exit_status": status, "passed": ok,
                  "areas": counts, "totals": tot, "tests": list(collector.tests.values())}
        Path(json_path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"JSON report: {json_path}")
    sys.stdout.flush()
    return status
