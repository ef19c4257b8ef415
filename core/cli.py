"""The ``ember`` command: ``ember info`` (versions, backends, plugin problems), ``ember conformance``
(the conformance suite on one backend, summarized by area), ``ember run`` (a PyTorch program on ember, on one
process or as ranks) and ``ember demo``.

Run it as the console script ``ember`` or as ``python -m ember.cli``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def _safe(fn: Any, default: Any = None) -> tuple[Any, str | None]:
    try:
        return fn(), None
    except Exception as e:  # noqa: BLE001 - a broken backend must not break the report
        return default, f"{type(e).__name__}: {e}"


def collect_info() -> dict[str, Any]:
    """What ``ember info`` reports, as plain data (the ``--json`` output)."""
    import platform

    import ember
    from ember import plugins
    from ember.conformance import _report

    default, default_error = _safe(lambda: str(plugins.get_default_device()))
    backends = []
    for dt, be in plugins.registered_backends().items():
        reason = plugins.unavailable_reason(be)
        entry: dict[str, Any] = {
            "name": be.name, "device_type": dt, "aliases": list(getattr(be, "aliases", ())),
            "plugin": plugins.backend_provider(dt), "available": reason is None, "reason": reason,
            "install_hint": getattr(be, "install_hint", "") or None,
            "device_count": 0, "devices": [], "versions": {}, "error": None,
        }
        entry["versions"], _ = _safe(be.versions, {})
        if reason is None:
            # NOTE: loading imports the array library; it is how a missing primitive shows up here.
            _, entry["error"] = _safe(lambda dt=dt: plugins.get_backend(dt))
            entry["device_count"], _ = _safe(be.device_count, 0)
            entry["devices"], _ = _safe(be.device_names, [])
        # NOTE: "experimental" until `ember conformance NAME` passed here for the versions installed now;
        # a backend that cannot run here is never conformant, whatever was recorded or declared.
        entry["conformance"] = None
        if reason is None:
            entry["conformance"], _ = _safe(lambda be=be: _report.recorded_pass(be))
        entry["verified_in_ci"] = bool(getattr(be, "verified_in_ci", False)) and entry["plugin"] == plugins._FIRST_PARTY
        if reason is not None:
            entry["status"] = "unavailable"
        elif entry["conformance"] is not None or entry["verified_in_ci"]:
            entry["status"] = "conformant"
        else:
            entry["status"] = "experimental"
        entry["experimental"] = entry["status"] == "experimental"
        backends.append(entry)
    return {
        "ember": ember.__version__,
        "python": f"{platform.python_version()} ({platform.python_implementation()}, {platform.platform()})",
        "default_device": default,
        "default_device_error": default_error,
        "backends": backends,
        "load_errors": [{"plugin": e.plugin, "device_type": e.device_type, "message": e.message}
                        for e in plugins.load_errors()],
    }


def _print_info(info: dict[str, Any]) -> None:
    print(f"ember {info['ember']}")
    print(f"Python {info['python']}")
    if info["default_device_error"]:
        print(f"default device: error: {info['default_device_error']}")
    else:
        print(f"default device: {info['default_device']}")
    print("\nbackends:")
    for b in info["backends"]:
        aliases = f" (aliases: {', '.join(b['aliases'])})" if b["aliases"] else ""
        print(f"  {b['name']}  [plugin {b['plugin']}]")
        print(f"    device type: {b['device_type']}{aliases}")
        if b["available"]:
            print("    available:   yes")
            names = ", ".join(b["devices"])
            print(f"    devices:     {b['device_count']}" + (f" ({names})" if names else ""))
        else:
            print(f"    available:   no: {b['reason']}")
            if b["install_hint"] and b["install_hint"] not in (b["reason"] or ""):
                print(f"    install:     {b['install_hint']}")
        if b["versions"]:
            print("    versions:    " + ", ".join(f"{k} {v}" for k, v in b["versions"].items()))
        if b["error"]:
            print(f"    error:       {b['error']}")
        c = b["conformance"]
        if b["status"] == "unavailable":
            print("    status:      unavailable here, so not conformant")
        elif c is None and b["verified_in_ci"]:
            print("    status:      conformant (ember's CI runs the conformance suite on it; "
                  f"`ember conformance {b['name']}` checks this machine)")
        elif c is None:
            print(f"    status:      experimental (no conformance pass recorded for these versions; run "
                  f"`ember conformance {b['name']}`)")
        else:
            n = c.get("counts", {})
            print(f"    status:      conformant (suite passed {c.get('date', '?')}: {n.get('passed', 0)} passed, "
                  f"{n.get('skipped', 0)} skipped, {n.get('xfailed', 0)} xfailed)")
    if not info["backends"]:
        print("  (none registered)")
    if info["load_errors"]:
        print("\nplugin load errors:")
        for e in info["load_errors"]:
            where = f" (device type {e['device_type']})" if e["device_type"] else ""
            print(f"  plugin {e['plugin']!r}{where}: {e['message']}")


def _cmd_info(args: argparse.Namespace) -> int:
    import json
    import warnings

    with warnings.catch_warnings():
        # the report lists plugin problems itself; the warnings would say it twice
        warnings.simplefilter("ignore", RuntimeWarning)
        info = collect_info()
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        _print_info(info)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from ember import demo

    return int(demo.run(args) or 0)


def _cmd_conformance(args: argparse.Namespace) -> int:
    from ember.conformance import _run

    try:
        return _run.run(args.backend, skips=args.skips, xfails=args.xfails, max_examples=args.max_examples,
                        junitxml=args.junitxml, json_path=args.json, keyword=args.keyword, verbose=args.verbose,
                        record=not args.no_record)
    except _run.CannotRun as e:
        # NOTE: 2, as for a usage error: nothing ran, so no test result (pytest's 1) can be implied
        print(f"ember conformance: error: {e}", file=sys.stderr)
        return 2


def _cmd_run(args: argparse.Namespace) -> int:
    from ember import torch_alias
    from ember.distributed import run as launcher

    if launcher.wants_launcher(args):
        return launcher.launch(args, alias_torch=True)
    error = launcher.script_error(args)
    if error:
        print(f"ember run: error: {error}", file=sys.stderr)
        return 2
    torch_alias.run(args.script, args.args)
    return 0


def _positive_int(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {n}")
    return n


def _parser() -> argparse.ArgumentParser:
    from ember import __version__

    parser = argparse.ArgumentParser(prog="ember", description="ember: PyTorch's API on pluggable backends.")
    parser.add_argument("--version", action="version", version=f"ember {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    info = sub.add_parser("info", help="show versions, backends and their devices, and plugin problems")
    info.add_argument("--json", action="store_true", help="print the report as JSON")
    info.set_defaults(func=_cmd_info)
    conf = sub.add_parser("conformance", help="run the conformance suite on a backend and summarize it by area",
                          description="Run ember's conformance suite on one backend and print passed/failed/"
                          "skipped per area. A whole-suite pass is recorded; until then `ember info` lists the "
                          "backend as experimental. A run that skips more than half of its tests is INCOMPLETE, "
                          "not a pass. Exit status: 0 only when PASSED; 1 when INCOMPLETE; 2 when nothing could run "
                          "(unknown or unavailable backend, pytest/Hypothesis or a skips file missing); pytest's "
                          "own status otherwise (1: a test failed). The backend's own "
                          "skips/xfails files (its conformance_skips/conformance_xfails attributes) always apply.")
    conf.add_argument("backend", help="backend name, device type or alias (numpy, cpu, jax, array_api_strict, ...)")
    conf.add_argument("--skips", action="append", default=[], metavar="FILE",
                      help="file of 'test-id-glob  # reason' lines to skip; repeatable")
    conf.add_argument("--xfails", action="append", default=[], metavar="FILE",
                      help="file of 'test-id-glob  # reason' lines expected to fail; repeatable")
    conf.add_argument("--max-examples", type=_positive_int, default=None, metavar="N",
                      help="Hypothesis max_examples for the property tests (default 25)")
    conf.add_argument("--junitxml", metavar="PATH", help="also write a JUnit XML report to PATH")
    conf.add_argument("--json", metavar="PATH", help="also write a JSON report (per-area counts, every test) to PATH")
    conf.add_argument("-k", dest="keyword", metavar="EXPR",
                      help="only tests matching this pytest -k expression (such a run is not recorded)")
    conf.add_argument("-v", "--verbose", action="store_true", help="list every test")
    conf.add_argument("--no-record", action="store_true", help="do not record the result for `ember info`")
    conf.set_defaults(func=_cmd_conformance)
    run = sub.add_parser("run", allow_abbrev=False,
                         help="run a PyTorch program unchanged, with `import torch` resolved to ember; "
                         "with --nproc-per-node N, as N ranks (torchrun)",
                         description="Run SCRIPT as __main__ with `import torch` (and torch.nn, torch.optim, "
                         "torch.utils.data, ...) resolved to ember's modules (ember.torch_alias). Arguments after "
                         "SCRIPT are the script's own. With any launcher option (--nproc-per-node, --nnodes, ..., -m) "
                         "it is started as ranks the way torchrun starts them (python -m ember.distributed.run; see "
                         "docs/distributed.md), each rank with `import torch` resolved to ember.")
    from ember.distributed import run as launcher

    launcher.add_arguments(run)
    run.set_defaults(func=_cmd_run)
    demo = sub.add_parser("demo", help="train a CNN or MLP on the bundled digits data set on any device, on one "
                          "process or data-parallel on N (--nproc N)")
    from ember import demo as demo_module

    demo_module.add_arguments(demo)
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``ember`` command line with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except RuntimeError as e:
        print(f"ember {args.command}: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader (e.g. `ember info | head`) went away: not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
