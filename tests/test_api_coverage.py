"""The API coverage report (tools/api_coverage.py) never goes backwards: every name it recorded as covered
(tests/api_coverage_baseline.json) still exists in ember. The baseline is rewritten by
``python tools/api_coverage.py --write`` whenever coverage grows."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

BASELINE = Path(__file__).with_name("api_coverage_baseline.json")
_DATA = json.loads(BASELINE.read_text())


def _ember_namespace(path: str) -> Any:
    if path.endswith(".Tensor"):
        return importlib.import_module(path.rsplit(".", 1)[0]).Tensor
    return importlib.import_module(path)


@pytest.mark.parametrize("torch_ns", sorted(_DATA["covered"]))
def test_covered_names_do_not_disappear(torch_ns: str) -> None:
    target = _ember_namespace(_DATA["ember_namespaces"][torch_ns])
    gone = [n for n in _DATA["covered"][torch_ns] if not hasattr(target, n)]
    assert not gone, f"{torch_ns}: names ember covered are gone: {gone} (restore them, or justify and rewrite " \
                     "the baseline with `python tools/api_coverage.py --write`)"


def test_report_script_runs_against_installed_torch(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")
    import runpy

    mod = runpy.run_path(str(Path(__file__).resolve().parent.parent / "tools" / "api_coverage.py"))
    rows = mod["measure"]()
    by_ns = {r["torch"]: r for r in rows}
    # names out of scope are excluded with a reason, and never counted as missing
    assert "quantize_per_tensor" in by_ns["torch"]["excluded"]
    assert "quantize_per_tensor" not in by_ns["torch"]["missing"]
    # a submodule's own imports (typing, re-imported classes) are not API
    assert "Optional" not in by_ns["torch.nn.functional"]["in_scope"]
    assert "Optimizer" not in by_ns["torch.optim.lr_scheduler"]["in_scope"]
    for r in rows:
        assert set(r["covered"]) | set(r["missing"]) == set(r["in_scope"])
