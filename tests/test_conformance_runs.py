"""The conformance plugin's mechanics, checked cheaply in subprocesses (collection only, or a
couple of tests). The suite itself runs as ``pytest --pyargs ember.conformance`` (see README)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest.importorskip("hypothesis")


# NOTE: one module of the suite keeps collection cheap; the plugin treats it like the whole suite
SUITE_MODULE = "ember.conformance.test_elementwise"


def _plugin_args() -> list[str]:
    # NOTE: an installed ember registers the plugin through its pytest11 entry point; naming it
    # again with -p would register it twice. From a bare source tree, load it explicitly.
    if any(ep.name == "ember" for ep in entry_points(group="pytest11")):
        return []
    return ["-p", "ember.conformance.plugin"]


def _pytest(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {
        k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "EMBER_CONFORMANCE_DEFAULT")
    }
    full_env.update(env or {})
    cmd = [sys.executable, "-m", "pytest", *_plugin_args(), "-p", "no:cacheprovider", *args]
    return subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300)


def test_ids_name_the_backend(tmp_path: Path) -> None:
    r = _pytest(
        "--pyargs",
        "ember.conformance",
        "--ember-backend",
        "numpy",
        "-k",
        "test_add",
        "--collect-only",
        "-q",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    ids = [line for line in r.stdout.splitlines() if "::" in line]
    assert any(line.endswith("test_elementwise.py::test_add[numpy]") for line in ids), r.stdout
    assert ids and all(line.endswith("numpy]") for line in ids), r.stdout


def test_default_backends_from_environment(tmp_path: Path) -> None:
    r = _pytest(
        "--pyargs",
        SUITE_MODULE,
        "-k",
        "test_add",
        "--collect-only",
        "-q",
        cwd=tmp_path,
        env={"EMBER_CONFORMANCE_DEFAULT": "numpy"},
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert any(line.endswith("::test_add[numpy]") for line in r.stdout.splitlines()), r.stdout


def test_unknown_backend_is_a_usage_error(tmp_path: Path) -> None:
    r = _pytest(
        "--pyargs",
        SUITE_MODULE,
        "--ember-backend",
        "no-such-backend",
        "--collect-only",
        "-q",
        cwd=tmp_path,
    )
    assert r.returncode == 4, r.stdout + r.stderr  # pytest's usage-error exit code
    err = r.stdout + r.stderr
    assert "unknown ember backend 'no-such-backend'" in err and "numpy" in err, err


def test_skips_and_xfails_files(tmp_path: Path) -> None:
    skips = tmp_path / "skips.txt"
    skips.write_text("# comment lines and blank lines are ignored\n\ntest_add[numpy]  # skipped on purpose\n")
    xfails = tmp_path / "xfails.txt"
    xfails.write_text("test_sub[*]   # expected to fail for the test\n")
    r = _pytest(
        "--pyargs",
        SUITE_MODULE,
        "--ember-backend",
        "numpy",
        "--ember-skips",
        str(skips),
        "--ember-xfails",
        str(xfails),
        "-k",
        "(test_add or test_sub) and not hypothesis and not addc",
        "-q",
        "-rsxX",
        cwd=tmp_path,
    )
    out = r.stdout + r.stderr
    assert "skipped on purpose" in out, out
    assert "expected to fail for the test" in out, out


def test_plugin_is_inert_for_other_projects(tmp_path: Path) -> None:
    (tmp_path / "test_other.py").write_text(
        textwrap.dedent("""
        import sys
        import pytest

        @pytest.fixture
        def device():
            return "their-own-device"

        def test_uses_own_device(device):
            assert device == "their-own-device"

        def test_plain():
            assert "jax" not in sys.modules and "cupy" not in sys.modules
    """)
    )
    r = _pytest("-q", "-rA", str(tmp_path / "test_other.py"), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 passed" in r.stdout
    assert "[numpy]" not in r.stdout


def test_plugin_import_is_cheap() -> None:
    code = (
        "import sys, ember.conformance.plugin; assert 'jax' not in sys.modules and 'cupy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
