"""Every "docs/architecture.md §N" that code or docs cite names a numbered section of that page."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITE = re.compile(r"docs/architecture\.md §(\d+)")


def test_every_section_reference_resolves() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text()
    sections = {int(m) for m in re.findall(r"^## (\d+)\. ", page, flags=re.MULTILINE)}
    cited: dict[int, list[str]] = {}
    for folder in ("core", "backends", "plugins", "asv_benchmarks", "tests", "examples", "docs"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".md") or not path.is_file():
                continue
            for n in CITE.findall(path.read_text(errors="replace")):
                cited.setdefault(int(n), []).append(str(path.relative_to(ROOT)))
    assert cited, "no references found: the pattern or the layout changed"
    missing = {n: files for n, files in cited.items() if n not in sections}
    assert not missing, f"sections cited but absent from docs/architecture.md: {missing}"
    stale = [str(p.relative_to(ROOT)) for p in (ROOT / "core").rglob("*.py") if "DESIGN §" in p.read_text()]
    assert not stale, f"comments citing a design document outside the repository: {stale}"
