"""``ember demo --nproc 2`` (core/demo.py, core/_demo_ddp.py): the demo trained data-parallel on 2 ranks reaches
the single-process accuracy, reports once, and saves a checkpoint that loads into the plain model."""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ember
from ember import demo

pytest.importorskip("sklearn", reason="the demo trains on Digits, which needs scikit-learn "
                                      "(pip install 'ember[examples]')")
pytestmark = pytest.mark.skipif(importlib.util.find_spec("mpi4py") is None,
                                reason="mpi4py is not installed (pip install 'ember[distributed]')")

ACCURACY = re.compile(r"test accuracy: (\d+\.\d\d)% \((\d+)/359\)")
# 5 of 359 test images: the ranks shuffle with DistributedSampler, not the single process's generator, and
# BatchNorm normalizes over each rank's half of a batch, so the runs agree closely but not to the image
TOLERANCE = 1.5


def _demo_in_ranks(*args: str, timeout: float = 240) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    r = subprocess.run([sys.executable, "-m", "ember.cli", "demo", "--nproc", "2", *args], env=env,
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r.stdout


def _single_process_accuracy(capsys: pytest.CaptureFixture[str], *args: str) -> float:
    assert demo.main(["--device", "cpu", *args]) == 0
    found = ACCURACY.findall(capsys.readouterr().out)
    assert len(found) == 1
    return float(found[0][0])


def test_cnn_on_two_ranks_reaches_the_single_process_accuracy(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = _demo_in_ranks("--device", "cpu", "--epochs", "3", "--out", str(tmp_path / "ddp"))
    # rank 0 alone reports: one header, one result, one checkpoint
    assert out.count(" demo: CNN (") == 1 and "of batch 64 (2 ranks x 32, mpi group)" in out, out
    found = ACCURACY.findall(out)
    assert len(found) == 1 and "on cpu (2 ranks)" in out and re.search(r"2 ranks finished in \d+\.\ds", out), out
    single = _single_process_accuracy(capsys, "--epochs", "3", "--out", str(tmp_path / "one"))
    assert abs(float(found[0][0]) - single) <= TOLERANCE and single > 90.0, (out, single)  # both about 97%

    # the checkpoint holds the unwrapped model (no "module." prefix) and rank 0's full history
    ckpt = ember.load(tmp_path / "ddp" / "digits_cnn.pt", map_location="cpu")
    model = demo.build_model("cnn")
    model.load_state_dict(ckpt["model_state_dict"])
    assert all(len(v) == 3 for v in ckpt["history"].values()), ckpt["history"]
    assert round(100 * ckpt["test_accuracy"], 2) == float(found[0][0])
    optimizer = ember.optim.Adam(model.parameters())
    optimizer.load_state_dict(ckpt["optimizer_state_dict"])
    assert optimizer.state[model[0].weight]["step"] == 3 * 23  # 719 images per rank in batches of 32


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed (pip install 'ember[jax]')")
def test_mlp_on_two_jax_ranks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the MLP: the CNN takes each rank about 20 s to compile; the same computation as on the CPU
    # (docs/architecture.md §5)
    out = _demo_in_ranks("--device", "jax", "--model", "mlp", "--epochs", "2", "--out", str(tmp_path / "jax"))
    assert "(2 ranks x 32, jax group)" in out and "on jax (2 ranks)" in out, out
    found = ACCURACY.findall(out)
    assert len(found) == 1, out
    single = _single_process_accuracy(capsys, "--model", "mlp", "--epochs", "2", "--out", str(tmp_path / "one"))
    assert abs(float(found[0][0]) - single) <= TOLERANCE and single > 85.0, (out, single)  # both about 91%
    assert ember.load(tmp_path / "jax" / "digits_mlp.pt")["device"] == "jax"


def test_nproc_option_and_its_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    demo.add_arguments(parser)
    assert parser.parse_args([]).nproc == 1 and parser.parse_args(["--nproc", "3"]).nproc == 3
    with pytest.raises(SystemExit):
        parser.parse_args(["--nproc", "0"])
    # every rank needs an image per step; nothing is launched
    assert demo.main(["--nproc", "4", "--batch-size", "2", "--out", str(tmp_path)]) == 2
    assert "--batch-size 2 is smaller than --nproc 4" in capsys.readouterr().err
    assert demo.main(["--nproc", "2", "--device", "nosuchdevice", "--out", str(tmp_path)]) == 1
    assert "ember demo: error:" in capsys.readouterr().err
    assert not os.listdir(tmp_path)
