"""ember.distributed on 2 processes: all_reduce and a DDP step against raw mpi4py and torch's gloo.

Each figure comes from one 2-rank run of ``python -m asv_benchmarks.distributed`` (both ranks under
``mpiexec``), made once per benchmark class by ``setup_cache``; asv tracks the seconds per call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any

ROWS = ["all_reduce 4 KB", "all_reduce 4 MB", "all_reduce 64 MB", "DDP step MLP 784-512-256-10 b64"]
IMPLS = ["ember-mpi", "mpi4py", "torch-gloo"]


def _measure() -> dict[str, dict[str, float]]:
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        subprocess.run([sys.executable, "-m", "asv_benchmarks.distributed", "--repeat", "3", "--json", path],
                       check=True, capture_output=True, timeout=600)
        with open(path) as f:
            out: dict[str, dict[str, float]] = json.load(f)
            return out
    finally:
        os.unlink(path)


class TwoRanks:
    """Seconds per call of each row and implementation (NaN where an implementation has no such row)."""

    params = (ROWS, IMPLS)
    param_names = ["row", "impl"]
    timeout = 900
    unit = "seconds"

    def setup_cache(self) -> Any:
        return _measure()

    def track_seconds_per_call(self, results: Any, row: str, impl: str) -> float:
        return float(results.get(row, {}).get(impl, float("nan")))
