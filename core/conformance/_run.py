"""``ember conformance BACKEND``: run the suite on one backend in this process and summarize it by area."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from . import _config, _report

#: what to tell a user whose environment lacks the suite's test dependencies (pyproject's ``test`` extra)
INSTALL_TEST_DEPS = "pip install \"ember[test]\" (or only what the suite needs: pip install pytest hypothesis)"


class CannotRun(RuntimeError):
    """The suite could not run at all (unknown or unavailable backend, missing pytest/Hypothesis, bad file)."""


def _plugin_args() -> list[str]:
    # NOTE: an installed ember loads the suite's pytest plugin through its pytest11 entry point; naming
    # it again with -p would register it twice. From a bare source tree, load it explicitly.
    if any(ep.name == "ember" for ep in entry_points(group="pytest11")):
        return []
    return ["-p", "ember.conformance.plugin"]


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a broken or blocked install is as good as none
        return False


def check_test_deps() -> None:
    """Raise CannotRun, naming what to install, unless pytest and Hypothesis are importable."""
    # NOTE: find_spec, not import: importing hypothesis before pytest.main would make pytest warn that
    # it cannot rewrite the asserts of a plugin's package (hypothesis ships a pytest11 plugin).
    missing = [name for name, module in (("pytest", "pytest"), ("Hypothesis", "hypothesis"))
               if not _installed(module)]
    if missing:
        raise CannotRun(f"the conformance suite needs pytest and Hypothesis, and {' and '.join(missing)} "
                        f"{'is' if len(missing) == 1 else 'are'} not installed here: {INSTALL_TEST_DEPS}")


def resolve(name: str) -> Any:
    """The registered backend called ``name`` (backend name, device type or alias); CannotRun if none."""
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
        raise CannotRun(f"unknown ember backend {name!r}; registered backends: {known}{more}") from None


def check_available(be: Any) -> None:
    """Raise CannotRun, saying why and what to install, when backend ``be`` cannot run here."""
    from ember import plugins

    reason = plugins.unavailable_reason(be)
    if reason is None:
        return
    hint = getattr(be, "install_hint", "") or ""
    install = f"; install: {hint}" if hint and hint not in reason else ""
    raise CannotRun(f"backend {be.name!r} is not available here: {reason}{install}; nothing was run or recorded")


def _skip_reasons(tests: dict[str, dict[str, str]], most: int = 3) -> str:
    """The commonest skip reasons with their counts, for the INCOMPLETE line."""
    reasons = Counter(t["message"] or "no reason given" for t in tests.values() if t["outcome"] == "skipped")
    return "; ".join(f"{n} x {why}" for why, n in reasons.most_common(most))


def run(backend: str, *, skips: list[str] = (), xfails: list[str] = (),  # type: ignore[assignment]
        max_examples: int | None = None, junitxml: str | None = None, json_path: str | None = None,
        keyword: str | None = None, verbose: bool = False, record: bool = True) -> int:
    """Run the conformance suite on ``backend`` and print the per-area summary; 0 only when it PASSED.

    Raises CannotRun (before running anything) for an unknown or unavailable backend, a missing
    skips/xfails file, or missing pytest/Hypothesis.
    """
    check_test_deps()
    be = resolve(backend)
    check_available(be)
    for f in [*skips, *xfails]:
        if not Path(f).is_file():
            raise CannotRun(f"no such skips/xfails file: {f!r}")
    import pytest

    # NOTE: pytest marks the top package of every pytest11 plugin for assert rewriting, and this process
    # (ember's CLI) has necessarily imported `ember` already, so an installed (non-editable) ember got
    # "PytestAssertRewriteWarning: Module already imported so cannot be rewritten; ember" on every run.
    # Nothing is lost: the mark stands, so the suite's helpers, imported later, are still rewritten, as
    # are its test_*.py modules. pytest (>= 8.4, pytest-dev/pytest#13429) made this warning filterable
    # with -W for exactly this case (a plugin's package calling pytest.main); any other module's shows.
    args = [*_plugin_args(), "--pyargs", "ember.conformance", "--ember-backend", be.name,
            "-W", "ignore:Module already imported so cannot be rewritten; ember:pytest.PytestAssertRewriteWarning",
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
    result = _report.verdict(tot, status)
    n = max_examples if max_examples is not None else _config.MAX_EXAMPLES
    print(f"\nember conformance: backend {be.name!r} (device type {be.device_type!r}), "
          f"Hypothesis max_examples={n}")
    print(_report.format_summary(counts))
    where = None
    # NOTE: only a whole-suite pass counts; a failed or incomplete whole run forgets an older pass
    if record and keyword is None and status in (0, 1):
        where = _report.record(be, tot, n, result == "passed")
    ran = sum(tot.values())
    skipped = f"{tot['skipped']} of {ran} tests skipped"
    if result == "passed":
        notes = [skipped] if tot["skipped"] else []
        if keyword is not None:
            notes.append("selected tests only: not recorded")
        recorded = f"; recorded in {where}: `ember info` lists {be.name} as conformant" if where else ""
        print("result: PASSED" + (f" ({'; '.join(notes)})" if notes else "") + recorded)
    elif result == "incomplete":
        print(f"result: INCOMPLETE: {skipped}; a run that skips more than "
              f"{_report.MAX_SKIPPED_FRACTION:.0%} of its tests is not a conformance pass and is not recorded")
        if tot["skipped"]:
            print(f"most common skip reasons: {_skip_reasons(collector.tests)}")
    else:
        print(f"result: FAILED (pytest exit status {status}); not recorded as a conformance pass")
    if json_path:
        report = {"backend": be.name, "device_type": be.device_type, "fingerprint": _report.fingerprint(be),
                  "max_examples": n, "keyword": keyword, "exit_status": status, "result": result,
                  "passed": result == "passed", "areas": counts, "totals": tot,
                  "tests": list(collector.tests.values())}
        Path(json_path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"JSON report: {json_path}")
    sys.stdout.flush()
    if result == "incomplete" and status == 0:
        return 1
    return status
