"""`import ember` stays cheap and `ember info` reports every backend, in a fresh process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r


def test_import_does_not_import_jax_or_cupy() -> None:
    code = (
        "import sys, ember\n"
        "ember.device('jax'); ember.device('cuda:0'); ember.get_default_device()\n"
        "from ember import plugins; plugins.registered_backends(); plugins.load_errors()\n"
        "x = ember.tensor([1.0, 2.0]) + 1\n"
        "print(sorted(m for m in ('jax', 'jaxlib', 'cupy') if m in sys.modules))\n"
    )
    assert run([sys.executable, "-c", code]).stdout.strip() == "[]"


def test_ember_info_lists_backends_with_availability() -> None:
    info = json.loads(run([sys.executable, "-m", "ember.cli", "info", "--json"]).stdout)
    backends = {b["name"]: b for b in info["backends"]}
    assert {"numpy", "jax", "cupy"} <= set(backends)
    assert backends["numpy"]["available"] and backends["numpy"]["error"] is None
    assert backends["numpy"]["device_type"] == "cpu" and backends["numpy"]["device_count"] >= 1
    assert "xla" in backends["jax"]["aliases"]
    assert backends["cupy"]["device_type"] == "cuda"
    for b in backends.values():
        assert b["available"] == (b["reason"] is None), b
    text = run([sys.executable, "-m", "ember.cli", "info"]).stdout
    assert text.startswith(f"ember {info['ember']}\nPython ")
    for b in backends.values():
        assert f"device type: {b['device_type']}" in text
        assert ("available:   yes" if b["available"] else f"available:   no: {b['reason']}") in text
    jax_installed = subprocess.run([sys.executable, "-c", "import jax"], capture_output=True).returncode == 0
    assert backends["jax"]["available"] == jax_installed


def test_ember_console_script() -> None:
    exe = shutil.which("ember")
    if exe is None:
        pytest.skip("the `ember` console script is not installed (pip install -e .)")
    out = run([exe, "info"]).stdout
    assert "numpy" in out and "device type: cpu" in out


def test_ember_demo_runs(tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="the demo trains on scikit-learn's bundled digits")
    out = run([sys.executable, "-m", "ember.cli", "demo", "--device", "cpu", "--model", "mlp", "--epochs", "1",
               "--out", str(tmp_path)]).stdout
    assert "test accuracy:" in out
    assert (tmp_path / "digits_mlp.pt").stat().st_size > 0


def test_inf_and_nan_results_are_silent_as_in_pytorch_but_user_numpy_still_warns() -> None:
    # NOTE: -W error turns any RuntimeWarning into an exception, so a leak fails the run
    code = (
        "import numpy as np, ember\n"
        "z = ember.zeros(2)\n"
        "r = [ember.log(z), z / z, ember.exp(ember.tensor([1000.0])), ember.tensor([1.0]) / 0]\n"
        "x = ember.zeros(1, requires_grad=True); ember.sqrt(x).sum().backward()\n"
        "print([t.tolist() for t in r], x.grad.tolist())\n"
        "try:\n"
        "    np.log(np.zeros(1))\n"
        "except RuntimeWarning as e:\n"
        "    print('user:', e)\n"
    )
    out = run([sys.executable, "-W", "error::RuntimeWarning", "-c", code]).stdout
    assert "[[-inf, -inf], [nan, nan], [inf], [inf]] [inf]" in out
    assert "user: divide by zero encountered in log" in out
