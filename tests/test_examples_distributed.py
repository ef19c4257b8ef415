"""examples/ddp_train.py run as 2 ranks through ``ember run``, and ``DistributedSampler``'s defaults (the world
size and rank of the default process group) on a real launch of 2 ranks."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ember.data import DistributedSampler

ROOT = Path(__file__).resolve().parents[1]
needs_mpi = pytest.mark.skipif(importlib.util.find_spec("mpi4py") is None,
                               reason="mpi4py is not installed (pip install 'ember[distributed]')")
needs_sklearn = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                                   reason="the digits examples need scikit-learn (pip install 'ember[examples]')")


def _run(*args: str, timeout: float = 120) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    r = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{args} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r.stdout


def _losses(out: str) -> list[float]:
    return [float(x) for x in re.findall(r"^epoch +\d+  loss (\d+\.\d+)$", out, re.MULTILINE)]


@needs_mpi
@needs_sklearn
def test_ddp_train_example_on_two_ranks_trains_as_one_process() -> None:
    two = _run("-m", "ember.cli", "run", "--nproc-per-node", "2", "examples/ddp_train.py", "--epochs", "4")
    losses = _losses(two)
    assert len(losses) == 4 and losses[-1] < losses[0] / 4, two  # only rank 0 prints: one line per epoch
    accuracy = re.findall(r"^world size 2, test accuracy: (\d+\.\d)%$", two, re.MULTILINE)
    assert len(accuracy) == 1 and float(accuracy[0]) > 85.0, two  # about 95% after 4 epochs; chance is 10%
    # the MLP has no BatchNorm, and the two shards of a step are the halves of one process's batch: the same
    # training, up to float rounding
    one = _run("examples/ddp_train.py", "--epochs", "4")
    assert "world size 1," in one
    assert losses == pytest.approx(_losses(one), abs=2e-4), (two, one)


def test_sampler_without_a_process_group_raises_pytorchs_error() -> None:
    with pytest.raises(ValueError, match="Default process group has not been initialized, please make sure to call "
                                         "init_process_group."):
        DistributedSampler(range(4))
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(4), num_replicas=2)  # rank left out
    assert list(DistributedSampler(range(4), 2, 1, shuffle=False)) == [1, 3]  # both given: no group needed


@needs_mpi
def test_sampler_defaults_to_the_process_group() -> None:
    out = _run("-m", "ember.distributed.run", "--nproc-per-node", "2", "tests/distributed_scripts/sampler_defaults.py")
    assert out.count("sampler defaults ok") == 2, out
